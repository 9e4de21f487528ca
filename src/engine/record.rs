//! Bookkeeping for one replication: counters, wait histograms, time integrals and monthly
//! bins, turned into metric values at the end.
//!
//! Everything before the warm-up is left out of the metrics but kept in the monthly series,
//! so a reader can see the system fill up.

use super::relationships::mean_of;
use crate::metrics::{
    HEADLINE_WAITS, MINUTES_PER_DAY, MONTH_DAYS, Metric, N_METRICS, N_TIMESERIES, WAIT_METRICS, WaitCounts, WaitHistogram,
};
use crate::model::N_TIERS;

/// Waits with a mean and a histogram: every wait of `WAIT_METRICS`.
const N_WAITS: usize = WAIT_METRICS.len();
/// The wait to service start of every tier, in `WAIT_METRICS`.
const SERVICE_START: usize = 2;
/// The wait to service start of tier 1, in `WAIT_METRICS`; tiers 2 to 4 follow it.
const FIRST_TIER: usize = HEADLINE_WAITS.len();
const _: () = assert!(
    WAIT_METRICS[SERVICE_START] as usize == Metric::WaitServiceStart as usize
        && WAIT_METRICS[FIRST_TIER] as usize == Metric::WaitServiceStartTier1 as usize
        && N_WAITS == FIRST_TIER + N_TIERS
        && N_TIERS.is_power_of_two()
);

/// `x.round().max(0.0) as u64`, bit for bit, without libm: baseline x86-64 has no rounding
/// instruction, so `round` is a library call on every recorded wait (1% of mmc's
/// instructions). Below 2^52 truncation and an exact subtraction give the same result
/// (halves away from zero); from 2^52 up every double is whole, and NaN and negative
/// numbers become 0 either way.
pub(super) fn round_to_u64(x: f64) -> u64 {
    if x >= 4_503_599_627_370_496.0 {
        return x as u64;
    }
    // From a half to 2^52 through `i64`, which baseline x86-64 converts to and from in one
    // instruction each way, where a `u64` took ~17 instructions to convert to and 6 back;
    // NaN and numbers below a half (negative ones too) round to 0.
    if x >= 0.5 {
        let whole = x as i64;
        (if x - whole as f64 >= 0.5 { whole + 1 } else { whole }) as u64
    } else {
        0
    }
}

/// `(day / MONTH_DAYS) as usize`, the month a day falls in, remembered with the exact range of
/// days that give it. Working it out takes a division and a saturating conversion to `usize`
/// (16 instructions on baseline x86-64), and the engine needs it several times a referral
/// (each time integral that changes, each monthly count), nearly always for the month it
/// needed last; a remembered month costs two comparisons. The division is monotone in the
/// day, so the days of one month are a range, found to the last bit when first needed.
#[derive(Clone, Copy)]
struct MonthOf {
    /// The first day of `month` and of the month after it (`first_day_of`).
    from_day: f64,
    to_day: f64,
    month: usize,
    /// `(month + 1) as f64 * MONTH_DAYS` (saturating: a day past any run gives the last month), where the time integrals split an interval.
    end_day: f64,
}

impl MonthOf {
    /// Remembers nothing yet: no day lies in an empty range.
    fn new() -> Self {
        MonthOf { from_day: f64::INFINITY, to_day: f64::NEG_INFINITY, month: 0, end_day: MONTH_DAYS }
    }

    /// The month of `day` (exactly `(day / MONTH_DAYS) as usize`), and where the time
    /// integrals take it to end.
    #[inline]
    fn of(&mut self, day: f64) -> (usize, f64) {
        if !(day >= self.from_day && day < self.to_day) {
            self.remember(day);
        }
        (self.month, self.end_day)
    }

    #[cold]
    #[inline(never)]
    fn remember(&mut self, day: f64) {
        let month = (day / MONTH_DAYS) as usize;
        // A day a run never reaches (negative, NaN, beyond a century by far) is answered
        // without being remembered: its range is left empty.
        let (from_day, to_day) = if day >= 0.0 && month < 1 << 32 { (first_day_of(month), first_day_of(month + 1)) } else { (1.0, 0.0) };
        *self = MonthOf { from_day, to_day, month, end_day: month.saturating_add(1) as f64 * MONTH_DAYS };
    }
}

/// The smallest non-negative day `d` with `(d / MONTH_DAYS) as usize >= month`: the month's
/// first day as the division sees it, found from `month * MONTH_DAYS` by stepping one
/// representable number at a time (a step or two at most; the division is correctly rounded).
fn first_day_of(month: usize) -> f64 {
    let month_of = |day: f64| (day / MONTH_DAYS) as usize;
    // The neighbours of a positive double are one apart in its bits (`f64::next_down` and
    // `next_up` are newer than the crate's minimum Rust).
    let below = |day: f64| f64::from_bits(day.to_bits() - 1);
    let above = |day: f64| f64::from_bits(day.to_bits() + 1);
    let mut day = month as f64 * MONTH_DAYS;
    while day > 0.0 && month_of(below(day)) >= month {
        day = below(day);
    }
    while month_of(day) < month {
        day = above(day);
    }
    day
}

/// The later of two days, neither NaN: `f64::max` without its NaN handling (six more
/// instructions on baseline x86-64), in the time integrals updated several times a referral.
/// For days that are not NaN it is the same number, or a zero of the other sign, which no
/// difference or comparison below tells apart.
#[inline(always)]
pub(super) fn later_of(a: f64, b: f64) -> f64 {
    debug_assert!(!a.is_nan() && !b.is_nan(), "a day is never NaN");
    if a > b { a } else { b }
}

/// The earlier of two days, neither NaN: `f64::min` without its NaN handling, as `later_of`.
#[inline(always)]
fn earlier_of(a: f64, b: f64) -> f64 {
    debug_assert!(!a.is_nan() && !b.is_nan(), "a day is never NaN");
    if b < a { b } else { a }
}

/// Per-episode counts taken when a measured episode closes.
pub struct ClosedEpisode {
    pub handoffs: u32,
    pub bounces: u32,
    pub assessments: u32,
    pub retellings: u32,
    pub professionals_per_year: f64,
    pub escalated_to_tier3: bool,
    pub escalated_to_tier4: bool,
    /// Presented with needs in three or more domains.
    pub complex: bool,
}

/// Per-episode sums for one group of episodes.
#[derive(Default)]
struct EpisodeSums {
    closed: u64,
    handoffs: u64,
    assessments: u64,
    retellings: u64,
    professionals_per_year: f64,
}

impl EpisodeSums {
    fn absorb(&mut self, other: &EpisodeSums) {
        self.closed += other.closed;
        self.handoffs += other.handoffs;
        self.assessments += other.assessments;
        self.retellings += other.retellings;
        self.professionals_per_year += other.professionals_per_year;
    }

    fn add(&mut self, c: &ClosedEpisode) {
        self.closed += 1;
        self.handoffs += u64::from(c.handoffs);
        self.assessments += u64::from(c.assessments);
        self.retellings += u64::from(c.retellings);
        self.professionals_per_year += c.professionals_per_year;
    }
    fn mean(&self, total: f64) -> Option<f64> {
        (self.closed > 0).then(|| total / self.closed as f64)
    }
}

/// The integral over time of a level (busy caseload slots, children with unmet need),
/// split into the measured window and into months.
struct TimeIntegral {
    level: f64,
    last_day: f64,
    window_total: f64,
    monthly: Vec<f64>,
    month_of: MonthOf,
    /// The later of the remembered month's first day and the warm-up's end (`advance`'s
    /// two lower bounds of the common case as one), worked out when the month is
    /// remembered (`advance_across`): one comparison fewer at every change.
    measured_month_from_day: f64,
}

impl TimeIntegral {
    fn new(n_months: usize) -> Self {
        let month_of = MonthOf::new();
        TimeIntegral {
            level: 0.0,
            last_day: 0.0,
            window_total: 0.0,
            monthly: vec![0.0; n_months],
            month_of,
            measured_month_from_day: month_of.from_day,
        }
    }

    fn change(&mut self, now: f64, delta: f64, warmup_day: f64) {
        self.advance(now, warmup_day);
        self.level += delta;
        debug_assert!(self.level >= -1e-9, "a level went negative");
    }

    fn advance(&mut self, now: f64, warmup_day: f64) {
        if now <= self.last_day {
            return;
        }
        if self.level != 0.0 {
            let start = self.last_day;
            let month_of = &self.month_of;
            // The common case (nearly every change: levels change several times a day, months
            // are 30 days): the interval is measured whole and ends in the month it starts in,
            // which is remembered. Both sums then add the same product, worked out once, where
            // `advance_across` works it out twice (from the later of the start and the
            // warm-up, and in the month's one pass to the earlier of `now` and the month's
            // end): the same number, `level * (now - start)`, added in the same order.
            debug_assert_eq!(
                self.measured_month_from_day,
                later_of(month_of.from_day, warmup_day),
                "the remembered month's measured start"
            );
            if start >= self.measured_month_from_day && start < month_of.to_day && now <= month_of.end_day {
                let area = self.level * (now - start);
                self.window_total += area;
                if let Some(bin) = self.monthly.get_mut(month_of.month) {
                    *bin += area;
                }
            } else {
                self.advance_across(now, warmup_day);
            }
        }
        self.last_day = now;
    }

    /// `advance` of a level not 0 over an interval that starts before the warm-up or crosses
    /// into another month (or starts in a month not remembered yet): out of line, as it is
    /// rare (once a month an integral, and the changes before the warm-up).
    #[cold]
    #[inline(never)]
    fn advance_across(&mut self, now: f64, warmup_day: f64) {
        debug_assert!(now > self.last_day && self.level != 0.0, "called by `advance` only");
        let measured_from = later_of(self.last_day, warmup_day);
        if now > measured_from {
            self.window_total += self.level * (now - measured_from);
        }
        // Split the interval across month boundaries.
        // `now > last_day` here, so the first pass is always made. The earlier of two
        // days with `earlier_of`, not `f64::min` (whose NaN handling is five more
        // instructions on baseline x86-64, on every pass).
        let mut start = self.last_day;
        loop {
            let (month, month_end) = self.month_of.of(start);
            let end = earlier_of(now, month_end);
            if let Some(bin) = self.monthly.get_mut(month) {
                *bin += self.level * (end - start);
            }
            if end >= now {
                break;
            }
            start = end;
        }
        self.measured_month_from_day = later_of(self.month_of.from_day, warmup_day);
    }

    /// Adds another run's integral, both taken to the same day.
    fn absorb(&mut self, other: &TimeIntegral) {
        assert_eq!(self.last_day, other.last_day, "integrals added before both reached the horizon");
        self.level += other.level;
        self.window_total += other.window_total;
        for (bin, other_bin) in self.monthly.iter_mut().zip(&other.monthly) {
            *bin += other_bin;
        }
    }
}

#[derive(Default, Clone, Copy)]
struct MonthBin {
    referrals: u64,
    services_started: u64,
    service_wait_sum_days: f64,
    open_episodes: Option<u64>,
    lost: u64,
    escalations: u64,
    /// Cross-agency trust at the month end, as a sum and a count.
    trust: Option<(f64, u64)>,
}

impl MonthBin {
    fn absorb(&mut self, other: &MonthBin) {
        self.referrals += other.referrals;
        self.services_started += other.services_started;
        self.service_wait_sum_days += other.service_wait_sum_days;
        self.open_episodes = add_options(self.open_episodes, other.open_episodes, |a, b| a + b);
        self.lost += other.lost;
        self.escalations += other.escalations;
        self.trust = add_options(self.trust, other.trust, |a, b| (a.0 + b.0, a.1 + b.1));
    }
}

/// Two values recorded at the same moment by the runs of two localities, added; runs of one
/// scenario record at the same moments, so either both are there or neither is.
pub(super) fn add_options<T>(a: Option<T>, b: Option<T>, add: impl Fn(T, T) -> T) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(add(a, b)),
        (a, b) => {
            assert!(a.is_none() && b.is_none(), "the runs of two localities recorded at different moments");
            None
        }
    }
}

pub struct Recorder {
    warmup_day: f64,
    horizon_day: f64,
    /// The waits to first contact and to a completed assessment (`WAIT_METRICS` 0 and 1), as
    /// plain counts while the run records; hdrhistogram's histograms are made once, by `finish`.
    waits: [WaitCounts; 2],
    /// The wait to service start by the tier (1-4, at index tier - 1) the need first served
    /// was referred at (`WAIT_METRICS` 3 to 6). Every wait to service start is recorded under
    /// exactly one tier, so `finish` makes the wait to service start of every tier
    /// (`WAIT_METRICS` 2) by adding these up: the same counts as a histogram of its own, without
    /// a second increment on every service start (a likely cache miss in the county).
    service_waits_by_tier: [WaitCounts; N_TIERS],
    /// Sums and counts for the means of every wait, in `WAIT_METRICS` order: each sum is
    /// added to in the order its waits ended, so a mean does not depend on how the
    /// histograms are kept.
    wait_sums_days: [f64; N_WAITS],
    wait_counts: [u64; N_WAITS],
    referrals: u64,
    lost: u64,
    closed: u64,
    handoffs: u64,
    bounces: u64,
    assessments: u64,
    retellings: u64,
    professionals_per_year_sum: f64,
    escalated_tier3: u64,
    escalated_tier4: u64,
    rereferral_base: u64,
    rereferred: u64,
    complex: EpisodeSums,
    coordination_hours: f64,
    busy_slots: TimeIntegral,
    untreated_children: TimeIntegral,
    /// Capacity of the units open at each moment: caseload slots, contracted hours per week
    /// and employment cost per year. Integrated over time so that a restructure's units count
    /// only while they run.
    open_slots: TimeIntegral,
    open_hours_per_week: TimeIntegral,
    open_cost_per_year: TimeIntegral,
    months: Vec<MonthBin>,
    month_of: MonthOf,
    hidden_presentations: u64,
}

impl Recorder {
    pub fn new(warmup_day: f64, horizon_day: f64, n_months: usize) -> Self {
        Recorder {
            warmup_day,
            horizon_day,
            waits: std::array::from_fn(|_| WaitCounts::new()),
            service_waits_by_tier: std::array::from_fn(|_| WaitCounts::new()),
            wait_sums_days: [0.0; N_WAITS],
            wait_counts: [0; N_WAITS],
            referrals: 0,
            lost: 0,
            closed: 0,
            handoffs: 0,
            bounces: 0,
            assessments: 0,
            retellings: 0,
            professionals_per_year_sum: 0.0,
            escalated_tier3: 0,
            escalated_tier4: 0,
            rereferral_base: 0,
            rereferred: 0,
            complex: EpisodeSums::default(),
            coordination_hours: 0.0,
            busy_slots: TimeIntegral::new(n_months),
            untreated_children: TimeIntegral::new(n_months),
            open_slots: TimeIntegral::new(n_months),
            open_hours_per_week: TimeIntegral::new(n_months),
            open_cost_per_year: TimeIntegral::new(n_months),
            months: vec![MonthBin::default(); n_months],
            month_of: MonthOf::new(),
            hidden_presentations: 0,
        }
    }

    fn measured(&self, day: f64) -> bool {
        day >= self.warmup_day
    }

    fn month(&mut self, day: f64) -> Option<&mut MonthBin> {
        self.months.get_mut(self.month_of.of(day).0)
    }

    /// A presentation at a front door; `previous_close_day` is set for a recurrence.
    pub fn referral(&mut self, now: f64, previous_close_day: Option<f64>) {
        if self.measured(now) {
            self.referrals += 1;
        }
        if let Some(bin) = self.month(now) {
            bin.referrals += 1;
        }
        if let Some(closed) = previous_close_day
            && self.counts_for_rereferral(closed)
            && now - closed <= 365.0
        {
            self.rereferred += 1;
        }
    }

    /// Only closures with a full year of follow-up inside the measured window count, so the
    /// rate is not biased down by closures near the horizon.
    fn counts_for_rereferral(&self, close_day: f64) -> bool {
        close_day >= self.warmup_day && close_day + 365.0 <= self.horizon_day
    }

    pub fn closure_for_rereferral(&mut self, now: f64) {
        if self.counts_for_rereferral(now) {
            self.rereferral_base += 1;
        }
    }

    /// A wait that ends for a measured episode: 0 first contact, 1 assessment done (the wait
    /// to service start goes with its tier, `first_service_wait`).
    pub fn wait(&mut self, which: usize, days: f64) {
        debug_assert!(which < self.waits.len(), "the wait to service start is recorded with its tier, by first_service_wait");
        let index = WaitCounts::index_for(round_to_u64(days * MINUTES_PER_DAY));
        self.waits[which].saturating_record_at(index);
        self.add_to_mean(which, days);
    }

    /// The wait to a measured episode's first intervention, for a need referred at `tier`
    /// (1-4): in the tier's histogram, and in the means of the wait to service start and of
    /// the tier's. Where the intervention is also the family's first contact (a unit that does
    /// not assess: every referral of mmc), that wait is the same and is recorded with it, the
    /// minutes rounded and their bucket found once.
    pub fn first_service_wait(&mut self, tier: u8, also_first_contact: bool, days: f64) {
        let index = WaitCounts::index_for(round_to_u64(days * MINUTES_PER_DAY));
        if also_first_contact {
            self.waits[0].saturating_record_at(index);
            self.add_to_mean(0, days);
        }
        debug_assert!((1..=4).contains(&tier), "tier {tier}");
        // Masked so that the compiler sees every index below is in bounds (the tier is 1-4).
        let tier_idx = usize::from(tier.wrapping_sub(1)) & (N_TIERS - 1);
        self.service_waits_by_tier[tier_idx].saturating_record_at(index);
        self.add_to_mean(SERVICE_START, days);
        self.add_to_mean(FIRST_TIER + tier_idx, days);
    }

    #[inline(always)]
    fn add_to_mean(&mut self, wait_idx: usize, days: f64) {
        self.wait_sums_days[wait_idx] += days;
        self.wait_counts[wait_idx] += 1;
    }

    pub fn service_started(&mut self, now: f64, wait_days: f64) {
        if let Some(bin) = self.month(now) {
            bin.services_started += 1;
            bin.service_wait_sum_days += wait_days;
        }
    }

    pub fn lost(&mut self, now: f64) {
        if self.measured(now) {
            self.lost += 1;
        }
        if let Some(bin) = self.month(now) {
            bin.lost += 1;
        }
    }

    pub fn escalation(&mut self, now: f64) {
        if let Some(bin) = self.month(now) {
            bin.escalations += 1;
        }
    }

    pub fn coordination_hours(&mut self, now: f64, hours: f64) {
        if self.measured(now) {
            self.coordination_hours += hours;
        }
    }

    /// Lead-professional time for an episode held from `from_day` to `to_day`; only the part
    /// inside the measured window counts.
    pub fn lead_professional_time(&mut self, from_day: f64, to_day: f64, hours_per_week: f64) {
        let days = (to_day.min(self.horizon_day) - from_day.max(self.warmup_day)).max(0.0);
        self.coordination_hours += hours_per_week * days / 7.0;
    }

    /// Units opening (positive) or closing (negative) change the capacity measured against.
    pub fn capacity_change(&mut self, now: f64, slots: f64, hours_per_week: f64, cost_per_year: f64) {
        self.open_slots.change(now, slots, self.warmup_day);
        self.open_hours_per_week.change(now, hours_per_week, self.warmup_day);
        self.open_cost_per_year.change(now, cost_per_year, self.warmup_day);
    }

    pub fn hidden_presentation(&mut self) {
        self.hidden_presentations += 1;
    }

    pub fn hidden_presentations(&self) -> u64 {
        self.hidden_presentations
    }

    pub fn busy_slots_change(&mut self, now: f64, delta: i32) {
        self.busy_slots.change(now, f64::from(delta), self.warmup_day);
    }

    pub fn untreated_children_change(&mut self, now: f64, delta: i32) {
        self.untreated_children.change(now, f64::from(delta), self.warmup_day);
    }

    pub fn month_end(&mut self, month_idx: usize, n_open: u64, trust: (f64, u64)) {
        if let Some(bin) = self.months.get_mut(month_idx) {
            bin.open_episodes = Some(n_open);
            bin.trust = Some(trust);
        }
    }

    pub fn closed_episode(&mut self, c: ClosedEpisode) {
        if c.complex {
            self.complex.add(&c);
        }
        self.closed += 1;
        self.handoffs += u64::from(c.handoffs);
        self.bounces += u64::from(c.bounces);
        self.assessments += u64::from(c.assessments);
        self.retellings += u64::from(c.retellings);
        self.professionals_per_year_sum += c.professionals_per_year;
        self.escalated_tier3 += u64::from(c.escalated_to_tier3);
        self.escalated_tier4 += u64::from(c.escalated_to_tier4);
    }

    fn integrals(&mut self) -> [&mut TimeIntegral; 5] {
        [
            &mut self.busy_slots,
            &mut self.untreated_children,
            &mut self.open_slots,
            &mut self.open_hours_per_week,
            &mut self.open_cost_per_year,
        ]
    }

    /// Takes every time integral to the horizon (the levels stay as they are).
    fn advance_to_horizon(&mut self) {
        let (horizon, warmup) = (self.horizon_day, self.warmup_day);
        for integral in self.integrals() {
            integral.advance(horizon, warmup);
        }
    }

    /// Adds the record of another run of the same scenario and model: the run of another of
    /// its independent localities. Everything kept is a count, a sum or a histogram, so the
    /// sum is what one run of both localities would have recorded, up to the order in which
    /// floating-point numbers were added.
    pub fn absorb(&mut self, mut other: Recorder) {
        assert!(self.warmup_day == other.warmup_day && self.horizon_day == other.horizon_day, "records of different windows added");
        self.advance_to_horizon();
        other.advance_to_horizon();
        for (mine, theirs) in
            self.waits.iter_mut().chain(&mut self.service_waits_by_tier).zip(other.waits.iter().chain(&other.service_waits_by_tier))
        {
            mine.add(theirs);
        }
        for i in 0..N_WAITS {
            self.wait_sums_days[i] += other.wait_sums_days[i];
            self.wait_counts[i] += other.wait_counts[i];
        }
        self.referrals += other.referrals;
        self.lost += other.lost;
        self.closed += other.closed;
        self.handoffs += other.handoffs;
        self.bounces += other.bounces;
        self.assessments += other.assessments;
        self.retellings += other.retellings;
        self.professionals_per_year_sum += other.professionals_per_year_sum;
        self.escalated_tier3 += other.escalated_tier3;
        self.escalated_tier4 += other.escalated_tier4;
        self.rereferral_base += other.rereferral_base;
        self.rereferred += other.rereferred;
        self.complex.absorb(&other.complex);
        self.coordination_hours += other.coordination_hours;
        for (mine, theirs) in self.integrals().into_iter().zip(other.integrals()) {
            mine.absorb(theirs);
        }
        for (mine, theirs) in self.months.iter_mut().zip(&other.months) {
            mine.absorb(theirs);
        }
        self.hidden_presentations += other.hidden_presentations;
    }

    #[allow(clippy::type_complexity)]
    pub fn finish(
        mut self,
        n_open_at_end: u64,
        trust_at_end: (f64, u64),
    ) -> ([Option<f64>; N_METRICS], [WaitHistogram; N_WAITS], Vec<[Option<f64>; N_TIMESERIES]>) {
        let horizon = self.horizon_day;
        self.advance_to_horizon();
        let window_days = horizon - self.warmup_day;
        let window_years = window_days / 365.25;
        let per_episode = |count: u64, closed: u64| (closed > 0).then(|| count as f64 / closed as f64);
        let mut values = [None; N_METRICS];
        let mut set = |metric: Metric, value: Option<f64>| values[metric as usize] = value.filter(|v| v.is_finite());
        set(Metric::Referrals, Some(self.referrals as f64 / window_years));
        for (i, metric) in WAIT_METRICS.iter().enumerate() {
            set(*metric, (self.wait_counts[i] > 0).then(|| self.wait_sums_days[i] / self.wait_counts[i] as f64));
        }
        set(Metric::HandoffsPerEpisode, per_episode(self.handoffs, self.closed));
        set(Metric::BouncedPerEpisode, per_episode(self.bounces, self.closed));
        set(Metric::AssessmentsPerEpisode, per_episode(self.assessments, self.closed));
        set(Metric::RetellingsPerEpisode, per_episode(self.retellings, self.closed));
        set(Metric::ProfessionalsPerFamilyYear, (self.closed > 0).then(|| self.professionals_per_year_sum / self.closed as f64));
        set(Metric::EscalationTier3, per_episode(self.escalated_tier3, self.closed));
        set(Metric::EscalationTier4, per_episode(self.escalated_tier4, self.closed));
        set(Metric::Rereferral12m, per_episode(self.rereferred, self.rereferral_base));
        set(Metric::LostEpisodes, Some(self.lost as f64 / window_years));
        set(Metric::UnmetNeedChildDays, Some(self.untreated_children.window_total / window_years));
        let slot_days = self.open_slots.window_total;
        set(Metric::PractitionerUtilisation, (slot_days > 0.0).then(|| self.busy_slots.window_total / slot_days));
        let contracted_hours = self.open_hours_per_week.window_total / 7.0;
        set(Metric::CoordinationTimeShare, (contracted_hours > 0.0).then(|| self.coordination_hours / contracted_hours));
        set(Metric::StaffCost, Some(self.open_cost_per_year.window_total / window_days));
        let c = &self.complex;
        set(Metric::ComplexHandoffsPerEpisode, c.mean(c.handoffs as f64));
        set(Metric::ComplexAssessmentsPerEpisode, c.mean(c.assessments as f64));
        set(Metric::ComplexRetellingsPerEpisode, c.mean(c.retellings as f64));
        set(Metric::ComplexProfessionalsPerFamilyYear, c.mean(c.professionals_per_year));

        let n_months = self.months.len();
        let mut months = Vec::with_capacity(n_months);
        for (m, bin) in self.months.iter().enumerate() {
            let start = m as f64 * MONTH_DAYS;
            let length = (horizon.min(start + MONTH_DAYS) - start).max(0.0);
            let open = bin.open_episodes.or((m + 1 == n_months).then_some(n_open_at_end));
            let trust = bin.trust.and_then(mean_of).or(if m + 1 == n_months { mean_of(trust_at_end) } else { None });
            months.push([
                Some(bin.referrals as f64),
                Some(bin.services_started as f64),
                (bin.services_started > 0).then(|| bin.service_wait_sum_days / bin.services_started as f64),
                open.map(|o| o as f64),
                Some(bin.lost as f64),
                Some(bin.escalations as f64),
                Some(self.untreated_children.monthly[m]),
                (self.open_slots.monthly[m] > 0.0 && length > 0.0).then(|| self.busy_slots.monthly[m] / self.open_slots.monthly[m]),
                trust,
            ]);
        }
        // Like the metrics, a monthly value that is not a finite number is absent, never
        // NaN or infinity in a file.
        for row in &mut months {
            for value in row.iter_mut() {
                *value = value.filter(|v| v.is_finite());
            }
        }
        // The wait to service start of every tier: the tiers' counts added up. Each histogram's
        // counts are dropped as soon as it is made, so the peak holds one extra.
        let [first_contact, assessment_done] = self.waits;
        let mut service_start = WaitCounts::new();
        for tier in &self.service_waits_by_tier {
            service_start.add(tier);
        }
        let [tier1, tier2, tier3, tier4] = self.service_waits_by_tier;
        let waits = [first_contact, assessment_done, service_start, tier1, tier2, tier3, tier4].map(|w| w.to_histogram());
        (values, waits, months)
    }
}

#[cfg(test)]
mod tests {
    use super::{MONTH_DAYS, MonthOf, Recorder, round_to_u64};
    use crate::metrics::{MINUTES_PER_DAY, Metric, WAIT_METRICS, new_wait_histogram, percentile_days};

    /// The wait to service start is kept only by tier, and `finish` adds the tiers up: its
    /// histogram must be what recording every wait in one histogram gives, each tier's what
    /// recording that tier's alone gives, and every mean the plain mean of its waits. Waits of
    /// tiers 1, 2 and 4 only (tier 3's histogram and mean stay empty), some also the first
    /// contact, some recorded in a second record absorbed (another locality's run).
    #[test]
    fn the_wait_to_service_start_is_its_tiers_added_up() {
        let (mut record, mut other) = (Recorder::new(0.0, 1000.0, 33), Recorder::new(0.0, 1000.0, 33));
        let mut direct: Vec<_> = WAIT_METRICS.iter().map(|_| new_wait_histogram()).collect();
        let mut sums = [(0.0, 0u32); WAIT_METRICS.len()];
        let mut x = 0.377_f64;
        for i in 0..20_000u32 {
            x = (x * 9_973.0 + 0.271_828) % 1.0;
            let tier = [1u8, 2, 4][i as usize % 3];
            let days = x * 400.0 * f64::from(tier);
            let also_first_contact = i % 5 == 0;
            let into = if i % 7 == 0 { &mut other } else { &mut record };
            into.first_service_wait(tier, also_first_contact, days);
            let minutes = round_to_u64(days * MINUTES_PER_DAY);
            for wait_idx in [2, 2 + usize::from(tier)].into_iter().chain(also_first_contact.then_some(0)) {
                direct[wait_idx].saturating_record(minutes);
                sums[wait_idx].0 += days;
                sums[wait_idx].1 += 1;
            }
        }
        record.absorb(other);
        let (values, waits, _) = record.finish(0, (0.0, 0));
        for (wait_idx, metric) in WAIT_METRICS.iter().enumerate() {
            assert_eq!(waits[wait_idx], direct[wait_idx], "{metric:?}'s histogram");
            let (sum, count) = sums[wait_idx];
            let mean = values[*metric as usize];
            if count == 0 {
                assert!(mean.is_none() && waits[wait_idx].is_empty(), "{metric:?} had no waits");
            } else {
                assert!((mean.unwrap() - sum / f64::from(count)).abs() < 1e-9 * sum / f64::from(count), "{metric:?}'s mean");
            }
        }
        assert_eq!(waits[2].len(), 20_000);
        assert_eq!(waits[Metric::WaitServiceStartTier3 as usize - Metric::WaitServiceStartTier1 as usize + 3].len(), 0);
        // The percentiles of every tier lie within the whole's range, and tier 4's, whose waits
        // are four times tier 1's, far above tier 1's.
        let p90 = |w: usize| percentile_days(&waits[w], 0.9).unwrap();
        assert!(p90(6) > 3.0 * p90(3), "tier 4 {} against tier 1 {}", p90(6), p90(3));
    }

    /// The remembered month is the division's, at every month's edges (to the last bit either
    /// side), across a century, for days in any order and for days a run never reaches.
    #[test]
    fn month_of_is_the_division() {
        let mut days = vec![0.0, -0.0, -1.0, f64::MIN_POSITIVE, 1e-300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e20, 1e300];
        for month in 0..1300u32 {
            let edge = f64::from(month) * MONTH_DAYS;
            for step in 0..4 {
                days.push(f64::from_bits(edge.to_bits() + step));
                if edge > 0.0 {
                    days.push(f64::from_bits(edge.to_bits() - step));
                }
            }
            days.extend([edge + 0.5, edge + 17.3, edge + MONTH_DAYS * 0.999_999_999_999]);
        }
        let mut x = 0.123_456_789;
        for _ in 0..200_000 {
            x = (x * 7_919.0 + 0.618_033_988_749) % 40_000.0;
            days.push(x);
        }
        let mut month_of = MonthOf::new();
        for pass in 0..2 {
            for &day in &days {
                let (month, end) = month_of.of(day);
                assert_eq!(month, (day / MONTH_DAYS) as usize, "day {day:e} (pass {pass})");
                assert_eq!(end.to_bits(), (month.saturating_add(1) as f64 * MONTH_DAYS).to_bits(), "day {day:e}");
            }
            days.sort_by(f64::total_cmp);
        }
    }

    #[test]
    fn round_to_u64_is_round_then_cast() {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            -0.5,
            -0.49,
            -3.7,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9_007_199_254_740_993.0,
            1e19,
            1e30,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        let mut x = 1e-3;
        while x < 1e18 {
            values.extend([x, x + 0.5, x - 0.5, x * 1.0000001]);
            x *= 1.37;
        }
        for v in values {
            assert_eq!(round_to_u64(v), v.round().max(0.0) as u64, "{v}");
        }
    }
}
