//! What joinedup measures: metric names (a contract), one replication's results, and the
//! statistics across replications (means and 95% confidence intervals).
//!
//! **Invariant:** metric names and their order never change without a `schema_version` bump;
//! users' scripts read them.

use hdrhistogram::Histogram;

mod wait_counts;
pub use wait_counts::{WaitCounts, WaitIndex};

/// One reported metric.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    pub name: &'static str,
    /// Unit and meaning, for tables, docs and reports.
    pub unit: &'static str,
    /// Whether lower values are better for families or the service (for report wording).
    pub lower_is_better: bool,
    /// Whether every value is at least zero (a wait, count, rate, share or cost), so that the
    /// true mean is too: displays then show an interval's lower end from 0
    /// ([`shown_interval`]). A metric that can be negative (a net change) says `false`.
    pub non_negative: bool,
}

macro_rules! metrics {
    ($($variant:ident = $name:literal, $unit:literal, $lower:literal, $non_negative:literal;)*) => {
        /// Index of a metric in [`METRICS`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(usize)]
        pub enum Metric { $($variant),* }
        /// Every metric, in report order.
        pub const METRICS: &[MetricDef] = &[$(MetricDef { name: $name, unit: $unit, lower_is_better: $lower, non_negative: $non_negative }),*];
    };
}

metrics! {
    Referrals = "referrals", "presentations at a front door per year (new, recurring and re-presenting after loss)", false, true;
    WaitFirstContact = "wait_first_contact_days", "days from referral to first contact with a practitioner", true, true;
    WaitAssessmentDone = "wait_assessment_done_days", "days from referral to the first completed assessment", true, true;
    WaitServiceStart = "wait_service_start_days", "days from referral to the first intervention starting", true, true;
    HandoffsPerEpisode = "handoffs_per_episode", "referrals on from one unit to another, per episode", true, true;
    BouncedPerEpisode = "bounced_referrals_per_episode", "referrals sent back by the receiving unit, per episode", true, true;
    AssessmentsPerEpisode = "assessments_per_episode", "assessments the family went through, per episode", true, true;
    RetellingsPerEpisode = "story_retellings_per_episode", "times the family told its story again after the first, per episode", true, true;
    ProfessionalsPerFamilyYear = "professionals_per_family_year", "distinct practitioners a family in contact sees per year", true, true;
    EscalationTier3 = "escalation_rate_tier3", "share of episodes in which a need stepped up to tier 3", true, true;
    EscalationTier4 = "escalation_rate_tier4", "share of episodes in which a need stepped up to tier 4", true, true;
    Rereferral12m = "rereferral_rate_12m", "share of closed episodes followed by a new referral within 12 months", true, true;
    LostEpisodes = "lost_episodes", "episodes per year in which a family was lost between services", true, true;
    UnmetNeedChildDays = "unmet_need_child_days", "child-days per year with at least one need not yet being worked with", true, true;
    PractitionerUtilisation = "practitioner_utilisation", "share of caseload slots in use (0-1)", false, true;
    CoordinationTimeShare = "coordination_time_share", "share of contracted staff hours spent on assessments, referrals, meetings and lead-professional coordination (0-1; above 1 when a structure asks for more coordination than its staff have hours, which `joinedup run` warns about)", true, true;
    StaffCost = "staff_cost", "pounds per year of employing the structure's practitioners", true, true;
    ComplexHandoffsPerEpisode = "complex_handoffs_per_episode", "handoffs per episode, for families presenting with needs in three or more domains", true, true;
    ComplexAssessmentsPerEpisode = "complex_assessments_per_episode", "assessments per episode, for families presenting with needs in three or more domains", true, true;
    ComplexRetellingsPerEpisode = "complex_story_retellings_per_episode", "story retellings per episode, for families presenting with needs in three or more domains", true, true;
    ComplexProfessionalsPerFamilyYear = "complex_professionals_per_family_year", "distinct practitioners per year, for families presenting with needs in three or more domains", true, true;
    // New metrics go last: the names and order users' scripts read never change without a
    // schema_version bump (ARCHITECTURE.md), and an added metric changes neither.
    WaitServiceStartTier1 = "wait_service_start_tier1_days", "days from referral to the first intervention starting, for episodes whose first intervention was for a need referred at tier 1", true, true;
    WaitServiceStartTier2 = "wait_service_start_tier2_days", "days from referral to the first intervention starting, for episodes whose first intervention was for a need referred at tier 2", true, true;
    WaitServiceStartTier3 = "wait_service_start_tier3_days", "days from referral to the first intervention starting, for episodes whose first intervention was for a need referred at tier 3", true, true;
    WaitServiceStartTier4 = "wait_service_start_tier4_days", "days from referral to the first intervention starting, for episodes whose first intervention was for a need referred at tier 4", true, true;
}

pub const N_METRICS: usize = 25;
const _: () = assert!(METRICS.len() == N_METRICS);

/// Every wait, recorded in histograms for percentiles (`p50`, `p90`, `p99` in `summary.json`
/// and `replications.csv`, as for every `*_days` wait): the three waits of every episode
/// ([`HEADLINE_WAITS`]), then the wait to service start by tier ([`WAIT_SERVICE_START_BY_TIER`]).
/// A replication's histograms come in this order (`ReplicationResult::waits`).
pub const WAIT_METRICS: [Metric; 7] = [
    Metric::WaitFirstContact,
    Metric::WaitAssessmentDone,
    Metric::WaitServiceStart,
    Metric::WaitServiceStartTier1,
    Metric::WaitServiceStartTier2,
    Metric::WaitServiceStartTier3,
    Metric::WaitServiceStartTier4,
];
/// The three waits every episode has, first in [`WAIT_METRICS`]: the report charts their
/// percentiles.
pub const HEADLINE_WAITS: [Metric; 3] = [Metric::WaitFirstContact, Metric::WaitAssessmentDone, Metric::WaitServiceStart];
/// The wait to service start by the tier the need first served was referred at (before any
/// escalation while it waited), tiers 1 to 4 in order, last in [`WAIT_METRICS`]: where a unit
/// puts the highest tier first, planners need each tier's wait, its long tail as well as its
/// mean, and the validation of that rule checks each mean against Cobham's formula.
pub const WAIT_SERVICE_START_BY_TIER: [Metric; 4] =
    [Metric::WaitServiceStartTier1, Metric::WaitServiceStartTier2, Metric::WaitServiceStartTier3, Metric::WaitServiceStartTier4];
const _: () = {
    let mut i = 0;
    while i < WAIT_METRICS.len() {
        let wait = WAIT_METRICS[i] as usize;
        let expected = if i < HEADLINE_WAITS.len() { HEADLINE_WAITS[i] } else { WAIT_SERVICE_START_BY_TIER[i - HEADLINE_WAITS.len()] };
        assert!(wait == expected as usize, "WAIT_METRICS is the headline waits, then the waits by tier");
        i += 1;
    }
};
/// Percentiles reported for every wait of [`WAIT_METRICS`].
pub const PERCENTILES: [(&str, f64); 3] = [("p50", 0.50), ("p90", 0.90), ("p99", 0.99)];

/// The names of the percentile rows of `replications.csv` (`wait_first_contact_days_p50`), in
/// [`WAIT_METRICS`] then [`PERCENTILES`] order, the order a replication's rows come in.
pub fn percentile_row_names() -> impl Iterator<Item = String> {
    WAIT_METRICS.iter().flat_map(|wait| PERCENTILES.iter().map(move |(suffix, _)| format!("{}_{suffix}", METRICS[*wait as usize].name)))
}

/// Monthly time series (names are a contract like metric names).
pub const TIMESERIES: &[&str] = &[
    "referrals",
    "services_started",
    "wait_service_start_days",
    "open_episodes",
    "lost_episodes",
    "escalations",
    "unmet_need_child_days",
    "practitioner_utilisation",
    "mean_trust",
];
pub const N_TIMESERIES: usize = 9;
const _: () = assert!(TIMESERIES.len() == N_TIMESERIES);

/// Metrics every replication of every model has, so `replications.csv` always has their rows:
/// the engine (`Recorder::finish`) sets them from counts and time integrals divided by the
/// measured window, which validation keeps longer than zero, where the other metrics are
/// absent when nothing was observed (no episode closed, no service started). A reader checks
/// for these rows to tell a complete file from one cut short.
pub const ALWAYS_WRITTEN_METRICS: [Metric; 4] = [Metric::Referrals, Metric::LostEpisodes, Metric::UnmetNeedChildDays, Metric::StaffCost];

/// Metrics the engine (`Recorder::finish`) divides by the same count, absent exactly when it is
/// zero: per closed episode, and per closed episode of a family presenting with complex needs.
/// A replication has rows for all of a group or none, so a reader can tell a row missing from
/// a group from one never written.
pub const WRITTEN_TOGETHER: [&[Metric]; 2] = [
    &[
        Metric::HandoffsPerEpisode,
        Metric::BouncedPerEpisode,
        Metric::AssessmentsPerEpisode,
        Metric::RetellingsPerEpisode,
        Metric::ProfessionalsPerFamilyYear,
        Metric::EscalationTier3,
        Metric::EscalationTier4,
    ],
    &[
        Metric::ComplexHandoffsPerEpisode,
        Metric::ComplexAssessmentsPerEpisode,
        Metric::ComplexRetellingsPerEpisode,
        Metric::ComplexProfessionalsPerFamilyYear,
    ],
];

/// Metrics that are absent only when no unit with staff is open in the measured window (no
/// caseload slots, no contracted hours). Which units are open when is set by the scenario
/// (opening days, project ends), never drawn, so every replication of a model has these rows
/// or none does.
pub const WRITTEN_BY_SCENARIO: [Metric; 2] = [Metric::PractitionerUtilisation, Metric::CoordinationTimeShare];

/// Monthly series every month of every replication has, for the same reason: they are counts
/// (or a time integral) of the month, never "not observed". `open_episodes` is counted at
/// every month end, and at the horizon for the last month.
pub const ALWAYS_WRITTEN_SERIES: [&str; 6] =
    ["referrals", "services_started", "open_episodes", "lost_episodes", "escalations", "unmet_need_child_days"];

/// Monthly series that depend on the month only through what the scenario fixes:
/// `practitioner_utilisation` is absent in a month when no unit with caseload slots is open,
/// `mean_trust` when no practitioner of an open unit has another agency of the model to trust
/// (a model of one agency, say). Every replication of a model has a month's row or none does.
pub const SERIES_WRITTEN_BY_SCENARIO: [&str; 2] = ["practitioner_utilisation", "mean_trust"];

/// The monthly wait, written for a month exactly when `services_started` that month is above
/// zero (it is their mean wait).
pub const SERIES_WRITTEN_WITH_SERVICES: &str = "wait_service_start_days";

/// Days in a reporting month (a twelfth of a Julian year).
pub const MONTH_DAYS: f64 = 365.25 / 12.0;

/// Months of the monthly series of a run with this horizon: every month that starts before
/// the horizon, the last one possibly partial. The engine records these and a reader expects
/// them, so both take the number from here.
pub fn n_months(horizon_days: f64) -> usize {
    (horizon_days / MONTH_DAYS).ceil() as usize
}

/// Waits are recorded in whole minutes so the histogram keeps 3 significant figures from a
/// minute up to a century.
pub const MINUTES_PER_DAY: f64 = 1440.0;

/// A replication's histogram of waits (or durations) in minutes. The engine records into
/// [`WaitCounts`], the same buckets as plain counts, and makes these from them. Counts are
/// `u32`: the engine records into 30-odd histograms per run, and at 8 bytes a count each one
/// is ~140 KB, so they evicted the engine's other data from the cache (4% of the county's L2
/// misses; halved, results/benchmarks.md). A bucket saturates at 4,294,967,295 waits, which
/// no replication reaches (England's ten years are 44.5 million referrals in all); histograms
/// pooled across replications are `u64` (`pool_waits`).
pub type WaitHistogram = Histogram<WaitCount>;
/// The count type of [`WaitHistogram`].
pub type WaitCount = u32;

pub fn new_wait_histogram() -> WaitHistogram {
    Histogram::new_with_bounds(1, WAIT_MAX_MINUTES, 3).expect("valid histogram bounds")
}

/// The longest wait a histogram holds: a century, in minutes.
const WAIT_MAX_MINUTES: u64 = (MINUTES_PER_DAY * 36_525.0) as u64;

/// Replications' wait histograms added up, with `u64` counts (no bucket of the sum can
/// saturate, however many replications are pooled).
pub fn pool_waits<'a>(histograms: impl IntoIterator<Item = &'a WaitHistogram>) -> Histogram<u64> {
    let mut pooled = Histogram::<u64>::new_with_bounds(1, WAIT_MAX_MINUTES, 3).expect("valid histogram bounds");
    for histogram in histograms {
        for value in histogram.iter_recorded() {
            pooled
                .record_n(value.value_iterated_to(), u64::from(value.count_at_value()))
                .expect("a recorded value is within the same bounds");
        }
    }
    pooled
}

/// Counts kept to check the engine's bookkeeping (families are conserved) and for diagnostics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics {
    pub events: u64,
    /// Families presenting for the first time (not recurrences): the same in every model.
    pub new_families: u64,
    /// A checksum of every new family's arrival day, locality and needs. Equal across the
    /// models of one replication: the proof that they faced the same families (common
    /// random numbers).
    pub arrival_checksum: u64,
    /// Families who presented from the hidden-need pool.
    pub hidden_presentations: u64,
    pub episodes_created: u64,
    pub episodes_resolved: u64,
    pub episodes_no_further_action: u64,
    pub episodes_lost: u64,
    pub episodes_open_at_end: u64,
    pub peak_open_episodes: u64,
    /// Load on each unit of the model (all its locality copies together), in unit order.
    pub units: Vec<UnitLoad>,
    /// What happened to needs at each unit, in unit order (for calibration).
    pub unit_stats: Vec<UnitStats>,
    /// Closed measured episodes with a need in each domain at presentation, and the sum of
    /// their professionals per year, in domain order.
    pub professionals_by_domain: Vec<(u64, f64)>,
    /// Sum over measured month-ends of cases held per practitioner, by profession.
    pub caseload_by_profession_month_sum: Vec<f64>,
    /// Month-ends inside the measured window.
    pub measured_month_ends: u64,
}

/// What happened to needs arriving at one unit (all its copies), in the measured window.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitStats {
    pub needs_arrived: u64,
    /// Closed at the door: universal services can cope (tier 1).
    pub needs_no_further_action: u64,
    /// Passed on at the door without an assessment (not this unit's remit or threshold).
    pub needs_redirected: u64,
    pub needs_assessed: u64,
    /// Assessed and found below the unit's threshold.
    pub needs_assessed_not_in_need: u64,
    /// Interventions started here.
    pub needs_served: u64,
    /// Turned away at the door because the waiting list was long (`WaitingList`).
    pub needs_turned_away_for_list: u64,
    /// Taken off the waiting list when the family's patience ran out.
    pub needs_left_list: u64,
    /// Of those turned away for the list or taken off it, met elsewhere or passed (closed);
    /// the rest stayed unmet with nobody holding them.
    pub needs_met_elsewhere: u64,
    /// Needs in the unit's own domains arriving (the referrals the unit exists for; a
    /// family's other needs reach its door with them), and those turned away: at the door,
    /// assessed below the threshold, or for the waiting list.
    pub own_domain_needs_arrived: u64,
    pub own_domain_needs_turned_away: u64,
    /// Assessment durations (minutes), as counts: the engine records into them (read them
    /// with `to_histogram`).
    pub assessment_minutes: WaitCounts,
    /// From a referral reaching the unit to its assessment starting (minutes), as counts.
    pub wait_to_assessment_minutes: WaitCounts,
    /// Sum over measured month-ends of children with an open need at the unit.
    pub open_children_month_sum: f64,
    /// Sum over measured month-ends of tier 4 needs in intervention here, by domain.
    pub tier4_in_service_month_sum: Vec<f64>,
}

impl UnitStats {
    pub fn new(n_domains: usize) -> Self {
        UnitStats {
            needs_arrived: 0,
            needs_no_further_action: 0,
            needs_redirected: 0,
            needs_assessed: 0,
            needs_assessed_not_in_need: 0,
            needs_served: 0,
            needs_turned_away_for_list: 0,
            needs_left_list: 0,
            needs_met_elsewhere: 0,
            own_domain_needs_arrived: 0,
            own_domain_needs_turned_away: 0,
            assessment_minutes: WaitCounts::new(),
            wait_to_assessment_minutes: WaitCounts::new(),
            open_children_month_sum: 0.0,
            tier4_in_service_month_sum: vec![0.0; n_domains],
        }
    }

    /// Adds what happened at the same unit in another run: the unit's copies in another
    /// independent locality (the engine runs those one at a time).
    pub fn absorb(&mut self, other: &UnitStats) {
        self.needs_arrived += other.needs_arrived;
        self.needs_no_further_action += other.needs_no_further_action;
        self.needs_redirected += other.needs_redirected;
        self.needs_assessed += other.needs_assessed;
        self.needs_assessed_not_in_need += other.needs_assessed_not_in_need;
        self.needs_served += other.needs_served;
        self.needs_turned_away_for_list += other.needs_turned_away_for_list;
        self.needs_left_list += other.needs_left_list;
        self.needs_met_elsewhere += other.needs_met_elsewhere;
        self.own_domain_needs_arrived += other.own_domain_needs_arrived;
        self.own_domain_needs_turned_away += other.own_domain_needs_turned_away;
        self.assessment_minutes.add(&other.assessment_minutes);
        self.wait_to_assessment_minutes.add(&other.wait_to_assessment_minutes);
        self.open_children_month_sum += other.open_children_month_sum;
        for (mine, theirs) in self.tier4_in_service_month_sum.iter_mut().zip(&other.tier4_in_service_month_sum) {
            *mine += theirs;
        }
    }
}

/// How busy one unit was: for spotting a unit that cannot keep up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitLoad {
    pub name: String,
    /// Share of the unit's caseload slots in use over the measured window (0-1).
    pub utilisation: f64,
    /// Cases waiting for a practitioner or a panel at the horizon.
    pub waiting_at_end: u64,
    /// (day, cases waiting) at the first month end past the middle of the measured window;
    /// `None` when the window holds no month end.
    pub waiting_midway: Option<(f64, u64)>,
}

impl Eq for UnitLoad {}

/// Everything one replication of one model produced.
#[derive(Debug, Clone)]
pub struct ReplicationResult {
    pub model_idx: usize,
    pub replication: u32,
    /// One value per metric; `None` when nothing was observed (e.g. no service started).
    pub values: [Option<f64>; N_METRICS],
    /// Wait histograms (minutes), in the order of [`WAIT_METRICS`].
    pub waits: [WaitHistogram; WAIT_METRICS.len()],
    /// One row per month, one value per time series.
    pub months: Vec<[Option<f64>; N_TIMESERIES]>,
    pub diagnostics: Diagnostics,
}

impl ReplicationResult {
    pub fn value(&self, metric: Metric) -> Option<f64> {
        self.values[metric as usize]
    }
    /// Percentile of one of the wait metrics, in days.
    pub fn wait_percentile(&self, wait_idx: usize, quantile: f64) -> Option<f64> {
        percentile_days(&self.waits[wait_idx], quantile)
    }
}

pub fn percentile_days<T: hdrhistogram::Counter>(histogram: &Histogram<T>, quantile: f64) -> Option<f64> {
    (!histogram.is_empty()).then(|| histogram.value_at_quantile(quantile) as f64 / MINUTES_PER_DAY)
}

/// Mean and 95% confidence interval across replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// `None` with fewer than two replications (no interval can be estimated).
    pub ci95: Option<(f64, f64)>,
    pub n: usize,
}

impl Estimate {
    /// Student-t interval on the replication values that were observed.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Option<Estimate> {
        let values: Vec<f64> = values.into_iter().collect();
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if !mean.is_finite() {
            // Values so large their sum overflows: absent rather than infinity in a file.
            return None;
        }
        let ci95 = (n >= 2)
            .then(|| {
                let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
                let half = t_quantile_975(n - 1) * (variance / n as f64).sqrt();
                (mean - half, mean + half)
            })
            .filter(|(low, high)| low.is_finite() && high.is_finite());
        Some(Estimate { mean, ci95, n })
    }

    pub fn half_width(&self) -> Option<f64> {
        self.ci95.map(|(low, high)| (high - low) / 2.0)
    }
}

/// A 95% interval as tables and charts show it: for a metric that cannot be negative
/// ([`MetricDef::non_negative`]), a lower end below zero is shown as 0. The true mean of such
/// a measure is at least zero, so cutting the interval at zero keeps every true value it held
/// (its coverage is the same) while a wait "from -2 days" would read as nonsense. Only for
/// display: `summary.json` and the CSVs keep the plain Student-t interval, which scripts may
/// combine further. A difference between models can be negative and is never passed here.
/// The second value says whether the lower end was cut (for the footnote that says so).
pub fn shown_interval(def: &MetricDef, (low, high): (f64, f64)) -> ((f64, f64), bool) {
    // `<=` also turns a negative zero into 0, which would otherwise print as "-0.000".
    if def.non_negative && low <= 0.0 { ((0.0, high.max(0.0)), low < 0.0) } else { ((low, high), false) }
}

/// The footnote under a table or chart whose intervals [`shown_interval`] cut at zero.
pub const CUT_AT_ZERO_NOTE: &str = "An interval's lower end is shown as 0 where it falls below: the measure cannot be negative.";

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101,
        2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            // Cornish-Fisher expansion around the normal quantile; within 0.001 beyond 30 df.
            let z: f64 = 1.959_964;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_waits_count_every_wait_and_give_the_percentiles_of_all_of_them() {
        // Three replications' waits pooled, against one histogram that recorded them all.
        let mut all = Histogram::<u64>::new_with_bounds(1, WAIT_MAX_MINUTES, 3).expect("bounds");
        let replications: Vec<WaitHistogram> = (0..3u64)
            .map(|r| {
                let mut h = new_wait_histogram();
                for i in 0..1000u64 {
                    let minutes = (i * 7919 + r * 104_729) % 500_000;
                    h.saturating_record(minutes);
                    all.saturating_record(minutes);
                }
                h
            })
            .collect();
        let pooled = pool_waits(&replications);
        assert_eq!(pooled.len(), 3000);
        for q in [0.5, 0.9, 0.99] {
            assert_eq!(percentile_days(&pooled, q), percentile_days(&all, q), "quantile {q}");
        }
        // A bucket past what `u32` counts hold is still counted exactly once pooled.
        let mut full = new_wait_histogram();
        full.record_n(60, WaitCount::MAX).expect("in range");
        assert_eq!(pool_waits([&full, &full]).count_at(60), 2 * u64::from(WaitCount::MAX));
    }

    #[test]
    fn confidence_interval_matches_hand_calculation() {
        let e = Estimate::from_values([1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(e.mean, 2.5);
        let half = 3.182 * (1.666_666_666_666_666_7f64 / 4.0).sqrt();
        let (low, high) = e.ci95.unwrap();
        assert!((low - (2.5 - half)).abs() < 1e-12 && (high - (2.5 + half)).abs() < 1e-12);
        assert_eq!(Estimate::from_values([7.0]).unwrap().ci95, None);
        assert!(Estimate::from_values([]).is_none());
    }

    #[test]
    fn an_interval_below_zero_is_shown_from_zero_only_for_a_measure_that_cannot_be_negative() {
        let wait = &METRICS[Metric::WaitServiceStart as usize];
        assert!(METRICS.iter().all(|def| def.non_negative), "every metric today is a wait, count, rate, share or cost");
        // Three replications of a short wait: the t-interval goes below zero.
        let e = Estimate::from_values([0.2, 1.5, 4.0]).unwrap();
        let (low, high) = e.ci95.unwrap();
        assert!(low < 0.0);
        assert_eq!(shown_interval(wait, (low, high)), ((0.0, high), true));
        assert_eq!(shown_interval(wait, (1.0, 2.0)), ((1.0, 2.0), false));
        // A negative zero (an interval of zero width at zero) shows as 0, and is not "cut".
        let ((shown_low, _), cut) = shown_interval(wait, (-0.0, 0.0));
        assert!(shown_low.is_sign_positive() && !cut);
        // A measure that can be negative keeps its interval as it is.
        let signed = MetricDef { non_negative: false, ..*wait };
        assert_eq!(shown_interval(&signed, (low, high)), ((low, high), false));
    }

    #[test]
    fn t_quantiles_continue_smoothly_past_the_table() {
        assert!((t_quantile_975(31) - 2.040).abs() < 0.002);
        assert!((t_quantile_975(120) - 1.980).abs() < 0.002);
        assert!((t_quantile_975(100_000) - 1.960).abs() < 0.001);
    }
}
