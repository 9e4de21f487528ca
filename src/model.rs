//! Engine types: a validated scenario whose invariants hold, ready to simulate.
//!
//! Only `scenario::validate` builds these. They do not derive `Deserialize`: the only way in
//! is through validation, so the engine can rely on every invariant written here.

/// Tiers of need are 1 (universal) to 4 (specialist and statutory).
pub const N_TIERS: usize = 4;
/// Upper limit on domains of need, so a set of domains fits in a `u16` bit mask.
pub const MAX_DOMAINS: usize = 16;
/// Upper limit on needs in one episode (the format's `needs_per_episode` has four entries).
pub const MAX_NEEDS: usize = 4;

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub population: Population,
    pub workforce: Workforce,
    /// **Invariant:** at least one model; names are unique.
    pub models: Vec<Model>,
    pub run: RunSettings,
    pub calibration: Option<CalibrationParts>,
    /// Why `calibration` is `None` although the scenario has a calibration section: it names
    /// units the first model lacks (a run of some models only, the status quo not first).
    /// Only `joinedup calibrate` needs the section, so only it reports this.
    pub calibration_unavailable: Option<String>,
}

/// The parts of the scenario the published statistics refer to (indices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrationParts {
    /// Units of the first model.
    pub social_care_unit: usize,
    pub early_help_unit: usize,
    pub camhs_unit: usize,
    pub social_worker_profession: usize,
    pub child_protection_domain: usize,
    pub looked_after_domain: usize,
    pub disability_domain: usize,
}

#[derive(Debug, Clone)]
pub struct Population {
    pub n_families: u64,
    pub n_children: u64,
    pub locality_names: Vec<String>,
    /// **Invariant:** cumulative shares, last entry exactly 1.
    pub locality_cumulative_share: Vec<f64>,
    pub presentations_per_day: f64,
    pub domains: Vec<Domain>,
    /// **Invariant:** cumulative, last entry exactly 1.
    pub domain_cumulative_share: Vec<f64>,
    /// **Invariant:** cumulative, last entry exactly 1.
    pub tier_cumulative: [f64; N_TIERS],
    /// **Invariant:** cumulative, last entry exactly 1.
    pub needs_cumulative: [f64; MAX_NEEDS],
    pub extra_need_same_tier_probability: f64,
    pub overstated_tier_probability: f64,
    pub misdirected_probability: f64,
    /// Escalation rate per untreated day at tiers 1-3 (0 means never; tier 4 cannot escalate).
    pub escalation_rate_per_day: [f64; 3],
    /// Natural resolution rate per untreated day at each tier (0 means never).
    pub natural_resolution_rate_per_day: [f64; N_TIERS],
    pub service: ServiceDuration,
    pub hidden_need: HiddenNeed,
    pub recurrence_probability_by_tier: [f64; N_TIERS],
    pub recurrence_delay_days_mean: f64,
}

impl Population {
    /// Share of families living in locality `locality_idx`.
    pub fn locality_share(&self, locality_idx: usize) -> f64 {
        let previous = if locality_idx == 0 { 0.0 } else { self.locality_cumulative_share[locality_idx - 1] };
        self.locality_cumulative_share[locality_idx] - previous
    }

    /// How many times its written staffing the copy of a `Locality` unit in `locality_idx`
    /// gets: the locality's share of families times the number of localities, so a unit's
    /// staffing is written for a locality of average size and big localities are not starved
    /// while small ones sit idle.
    pub fn locality_scale(&self, locality_idx: usize) -> f64 {
        self.locality_share(locality_idx) * self.locality_names.len() as f64
    }

    /// Share of presenting needs in domain `domain_idx`.
    pub fn domain_share(&self, domain_idx: usize) -> f64 {
        let previous = if domain_idx == 0 { 0.0 } else { self.domain_cumulative_share[domain_idx - 1] };
        self.domain_cumulative_share[domain_idx] - previous
    }
}

/// Hidden need as a pool of families (a count, not agents: memory does not grow with it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HiddenNeed {
    pub initial_families: u64,
    pub new_per_day: f64,
    /// Presentations per family in the pool per day at access ease 1.
    pub presentations_per_day_at_full_access: f64,
}

#[derive(Debug, Clone)]
pub struct Domain {
    pub name: String,
    pub age_min_years: u8,
    pub age_max_years: u8,
    /// This domain's own cumulative tier mix, if it differs from the population's.
    pub tier_cumulative: Option<[f64; N_TIERS]>,
    /// This domain's own mean intervention days by tier.
    pub service_days_mean_by_tier: Option<[f64; N_TIERS]>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DurationShape {
    Exponential,
    /// Log-normal with this sigma (log scale); mu is set per tier so the mean is right.
    LogNormal {
        sigma: f64,
    },
    Fixed,
}

#[derive(Debug, Clone)]
pub struct ServiceDuration {
    pub shape: DurationShape,
    pub days_mean_by_tier: [f64; N_TIERS],
}

impl ServiceDuration {
    /// Mean intervention days at `tier` in `domain` (the domain's own means if it has them).
    pub fn days_mean(&self, domain: &Domain, tier: u8) -> f64 {
        domain.service_days_mean_by_tier.as_ref().unwrap_or(&self.days_mean_by_tier)[tier as usize - 1]
    }
}

impl DurationShape {
    /// Turns pre-drawn standard variates (an Exp(1) and a standard normal) into a duration
    /// with this shape and `mean` days, so every model gives the same family the same
    /// quantile of the duration distribution (common random numbers).
    pub fn days(self, mean: f64, exp1: f64, std_normal: f64) -> f64 {
        match self {
            DurationShape::Exponential => mean * exp1,
            DurationShape::LogNormal { sigma } => crate::math::exp(log_normal_mu(mean, sigma) + sigma * std_normal),
            DurationShape::Fixed => mean,
        }
    }
}

/// The location `mu` of a log-normal distribution with this mean and `sigma`.
pub fn log_normal_mu(mean: f64, sigma: f64) -> f64 {
    crate::math::ln(mean) - 0.5 * sigma * sigma
}

#[derive(Debug, Clone)]
pub struct Workforce {
    pub agencies: Vec<String>,
    pub professions: Vec<Profession>,
    /// Leaving rate per practitioner per day.
    pub turnover_per_day: f64,
    pub vacancy_days_mean: f64,
    pub overload_threshold: f64,
    pub overload_slowdown: f64,
}

#[derive(Debug, Clone)]
pub struct Profession {
    pub name: String,
    pub agency_idx: usize,
    /// Tier bit mask (bit 0 = tier 1) this profession works with, per domain.
    pub competence_tiers_by_domain: [u8; MAX_DOMAINS],
    /// **Invariant:** at least 1.
    pub caseload_capacity: u32,
    pub hours_per_week: f64,
    pub cost_per_year_gbp: f64,
}

impl Profession {
    pub fn can_work(&self, domain_idx: u8, tier: u8) -> bool {
        self.competence_tiers_by_domain[domain_idx as usize] & tier_bit(tier) != 0
    }
}

/// Practitioners in a locality's copy of a unit written with `n` for a locality of average
/// size: `n` times the locality's scale (`Population::locality_scale`), rounded, at least one.
/// The one rule, shared by the engine and the presets that merge services.
pub fn scaled_staff(n: u32, scale: f64) -> u32 {
    ((f64::from(n) * scale).round() as u32).max(1)
}

/// Bit for a tier (1-4) in a tier mask.
pub fn tier_bit(tier: u8) -> u8 {
    1 << (tier - 1)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Handoff {
    pub delay_days_mean: f64,
    pub bounce_probability: f64,
    pub lost_probability: f64,
    pub max_bounces: u8,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Information {
    OwnSystems { consent_delay_days_mean: f64 },
    SharedRecord,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordination {
    pub assessment_hours: f64,
    pub referral_hours: f64,
    pub lead_professional_hours_per_week: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontDoor {
    ByNeed,
    /// A single point of contact: the first of these units (indices into `Model::units`)
    /// that serves the family's locality and is running; families elsewhere go by need.
    Single(Vec<usize>),
}

/// One service structure.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub front_door: FrontDoor,
    /// **Invariant:** at least one unit; names unique within the model.
    pub units: Vec<Unit>,
    pub handoff: Handoff,
    pub coordinated_handoff: Handoff,
    pub information: Information,
    /// A county-wide restructure changes how information is shared from this day.
    pub information_after: Option<(f64, Information)>,
    pub coordination: Coordination,
    pub collaboration: Collaboration,
    /// How easily families with hidden need reach this structure (0-1).
    pub access_ease: f64,
}

/// Relationship mechanics after the conditions for advantage have been applied. Every field
/// is a mechanism parameter; `docs/collaboration.md` maps conditions to them.
#[derive(Debug, Clone, PartialEq)]
pub struct Collaboration {
    /// Names of the conditions present, in the format's order (for reports and `explain`).
    pub conditions_present: Vec<&'static str>,
    pub initial_trust: f64,
    /// Extra starting trust between locality staff and borough-wide specialists.
    pub centre_trust_bonus: f64,
    pub gain_per_shared_case: f64,
    pub gain_per_week_co_located: f64,
    pub gain_per_joint_training: f64,
    pub joint_training_interval_days: f64,
    pub gain_per_shared_meeting: f64,
    pub half_life_days: f64,
    pub overload_erosion_factor: f64,
    pub friction_days_mean: f64,
    /// Multiplier on every handoff's bounce probability (referrals better targeted).
    pub bounce_factor: f64,
    /// Multiplier on the chance a referrer overstates a need's tier.
    pub overstatement_factor: f64,
    /// Multipliers applied to restructures' disruption and to staff turnover and vacancies.
    pub disruption_days_factor: f64,
    pub capacity_loss_factor: f64,
    pub turnover_factor: f64,
    pub vacancy_factor: f64,
    /// Multiplier on coordination hours (time for integration is resourced and organised).
    pub coordination_hours_factor: f64,
}

impl Model {
    /// How information is shared on `day`.
    pub fn information_at(&self, day: f64) -> Information {
        match self.information_after {
            Some((from_day, after)) if day >= from_day => after,
            _ => self.information,
        }
    }

    /// The unit that takes a need of this domain and tier in this locality: the first unit
    /// listed (the model's order is its order of preference) that serves the locality, takes
    /// the need and is still running.
    pub fn route(&self, domain_idx: u8, tier: u8, locality_idx: usize, running: impl Fn(usize) -> bool) -> Option<usize> {
        self.units
            .iter()
            .enumerate()
            .find(|(u, unit)| running(*u) && unit.covers(locality_idx) && unit.accepts(domain_idx, tier))
            .map(|(u, _)| u)
    }

    /// Where a family presenting a need nobody takes at its tier goes: the running unit for
    /// its domain with the lowest threshold, which triages it.
    pub fn fallback_door(&self, domain_idx: u8, locality_idx: usize, running: impl Fn(usize) -> bool) -> Option<usize> {
        self.units
            .iter()
            .enumerate()
            .filter(|(u, unit)| running(*u) && unit.covers(locality_idx) && unit.serves_domain(domain_idx))
            .min_by_key(|(_, unit)| unit.lowest_tier(domain_idx))
            .map(|(u, _)| u)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnitKind {
    SingleAgency,
    Panel,
    Team { shared_base: bool, team_time_share: f64 },
    Hub,
    Network { take_probability: f64, retry_days_mean: f64 },
    VirtualTeam { call_in_days_mean: f64 },
}

impl UnitKind {
    /// Whether the unit's own onward referrals are warm handoffs (co-located staff who know
    /// where to send a family and ring ahead).
    pub fn warm_handoffs(self) -> bool {
        matches!(self, UnitKind::Hub | UnitKind::Team { shared_base: true, .. })
    }
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::SingleAgency => "single-agency service",
            UnitKind::Panel => "multi-agency panel",
            UnitKind::Team { .. } => "multi-agency team",
            UnitKind::Hub => "integrated service hub",
            UnitKind::Network { .. } => "professional network",
            UnitKind::VirtualTeam { .. } => "virtual team",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    FirstComeFirstServed,
    HighestTierFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    Weekdays,
    Continuous,
}

impl Calendar {
    /// The first working moment at or after `day` (day 0 is a Monday).
    pub fn next_working(self, day: f64) -> f64 {
        match self {
            Calendar::Continuous => day,
            Calendar::Weekdays => {
                // The whole day by truncation where that is the floor (from zero to 2^63, the
                // simulation's days among them), a conversion the processor makes in one
                // instruction, and exact back (beyond 2^53 every `f64` is a whole number); the
                // floor is a call of libm's `floor` (baseline x86-64 has no `roundsd`), and
                // this runs at every start of work.
                let (whole, floor) = if (0.0..9_223_372_036_854_775_808.0).contains(&day) {
                    let whole = day as i64;
                    (whole, whole as f64)
                } else {
                    (day.floor() as i64, day.floor())
                };
                let weekday = whole.rem_euclid(7);
                if weekday >= 5 { floor + (7 - weekday) as f64 } else { day }
            }
        }
    }
    /// The start of the next working day strictly after `day`.
    pub fn next_working_morning(self, day: f64) -> f64 {
        self.next_working(day.floor() + 1.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Locality,
    BoroughWide,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Assessment {
    NoAssessment,
    Own { days_mean: f64 },
    Common { days_mean: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Allocation {
    OnArrival,
    Panel {
        cadence_days: f64,
        /// `u32::MAX` when the panel allocates everything waiting.
        slots_per_meeting: u32,
        first_meeting_day: f64,
        meeting_hours: f64,
        n_members: u32,
        attendance: f64,
    },
    TeamLeader,
}

/// How a unit manages its waiting list when demand outruns it (docs/ODD.md, 7.16): the
/// threshold rises as the wait grows, so more referrals below the unit's highest tier are
/// turned away, and families who have waited longer than their patience leave the list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitingList {
    /// Days the longest-waiting family has waited at which referrals below the highest tier
    /// start to be turned away, and at which all of them are. **Invariant:** `0 <=
    /// turn_away_from_wait_days < turn_away_all_at_wait_days`, or both infinite when the
    /// unit never turns a referral away for its list.
    pub turn_away_from_wait_days: f64,
    pub turn_away_all_at_wait_days: f64,
    /// Mean days a family waits on the list before giving up (exponential, one patience per
    /// family episode); infinite when families wait however long it takes.
    pub patience_days_mean: f64,
    /// Of the needs turned away or taken off the list, the share met elsewhere or passing
    /// (closed); the others stay unmet with nobody holding them.
    pub met_elsewhere_probability: f64,
}

impl WaitingList {
    /// Whether the unit ever turns a referral away for its list.
    pub fn turns_away(&self) -> bool {
        self.turn_away_from_wait_days.is_finite()
    }
    /// Probability that a referral below the unit's highest tier is turned away when the
    /// longest-waiting family has waited `wait_days`: rising linearly from 0 to 1.
    pub fn turn_away_probability(&self, wait_days: f64) -> f64 {
        if !self.turns_away() {
            return 0.0;
        }
        let span = self.turn_away_all_at_wait_days - self.turn_away_from_wait_days;
        ((wait_days - self.turn_away_from_wait_days) / span).clamp(0.0, 1.0)
    }
    /// Whether families ever give up waiting.
    pub fn reneges(&self) -> bool {
        self.patience_days_mean.is_finite()
    }
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub name: String,
    pub kind: UnitKind,
    /// Bit mask of domains served.
    pub domains: u16,
    /// Bit mask of tiers in the unit's remit (bit 0 = tier 1).
    pub tiers: u8,
    /// Tiers the unit actually takes, per domain: in its remit and within some staff
    /// member's competence. **Invariant:** non-zero for every domain in `domains`.
    pub tiers_by_domain: [u8; MAX_DOMAINS],
    pub scope: Scope,
    /// (profession index, practitioners per instance). **Invariant:** every (domain, tier)
    /// the unit accepts has at least one competent practitioner (by construction of
    /// `tiers_by_domain`).
    pub staff: Vec<(usize, u32)>,
    /// Exact headcounts in particular localities (the format's `by_locality`): (position in
    /// `staff`, locality index, practitioners), sorted. Empty for most units, always empty
    /// for a `BoroughWide` one. **Invariant:** with these counts every copy still has a
    /// competent practitioner for every (domain, tier) the unit accepts.
    pub staff_by_locality: Vec<(usize, usize, u32)>,
    pub assessment: Assessment,
    pub allocation: Allocation,
    pub lead_professional: bool,
    /// Practitioners involved in each assessment and intervention, by the domain and tier of
    /// the need (`[domain][tier - 1]`). **Invariant:** between 1 and 20 everywhere.
    pub professionals_per_intervention: [[u8; 4]; MAX_DOMAINS],
    /// For a `Locality` unit: which localities have a copy (indices). **Invariant:** non-empty.
    pub localities: Vec<usize>,
    pub priority: Priority,
    pub step_down_probability: f64,
    /// A time-limited project ends on this day: `f64::INFINITY` for a permanent service.
    pub ends_on_day: f64,
    pub exit_strategy: bool,
    /// The day the unit opens (0 for a unit there from the start).
    pub starts_on_day: f64,
    pub disruption_days: f64,
    pub capacity_loss_share: f64,
    /// `None`: the unit lets its list grow and every family waits.
    pub waiting_list: Option<WaitingList>,
}

impl Unit {
    pub fn accepts(&self, domain_idx: u8, tier: u8) -> bool {
        self.tiers_by_domain[domain_idx as usize] & tier_bit(tier) != 0
    }
    /// Whether a copy of this unit serves the locality.
    pub fn covers(&self, locality_idx: usize) -> bool {
        self.scope == Scope::BoroughWide || self.localities.contains(&locality_idx)
    }
    pub fn serves_domain(&self, domain_idx: u8) -> bool {
        self.domains & (1 << domain_idx) != 0
    }
    /// Practitioners of the `staff_pos`-th staff entry as written for the copy in
    /// `locality_idx`: its `by_locality` count there, or else `n_practitioners` (for a
    /// locality of average size).
    pub fn written_staff(&self, staff_pos: usize, locality_idx: usize) -> u32 {
        self.staff_by_locality
            .iter()
            .find(|(s, l, _)| *s == staff_pos && *l == locality_idx)
            .map_or(self.staff[staff_pos].1, |(_, _, n)| *n)
    }

    /// Practitioners of the `staff_pos`-th staff entry in the copy of the unit serving
    /// `locality_idx` (any locality for a borough-wide unit, whose one copy has them all). A
    /// locality copy gets its exact `by_locality` count, or else the written number scaled
    /// to the locality's size, rounded, at least one.
    pub fn staff_in_copy(&self, staff_pos: usize, locality_idx: usize, population: &Population) -> u32 {
        let (_, n) = self.staff[staff_pos];
        match self.scope {
            Scope::BoroughWide => n,
            Scope::Locality => match self.staff_by_locality.iter().find(|(s, l, _)| *s == staff_pos && *l == locality_idx) {
                Some(&(_, _, exact)) => exact,
                None => scaled_staff(n, population.locality_scale(locality_idx)),
            },
        }
    }

    /// The lowest tier this unit takes in a domain (5 when it takes none).
    pub fn lowest_tier(&self, domain_idx: u8) -> u8 {
        self.tiers_by_domain[domain_idx as usize].trailing_zeros().min(4) as u8 + 1
    }
    /// The highest tier this unit takes in a domain (0 when it takes none).
    pub fn highest_tier(&self, domain_idx: u8) -> u8 {
        8 - self.tiers_by_domain[domain_idx as usize].leading_zeros() as u8
    }
}

#[derive(Debug, Clone)]
pub struct RunSettings {
    /// **Invariant:** `horizon_days > warmup_days >= 0`.
    pub horizon_days: f64,
    pub warmup_days: f64,
    /// **Invariant:** at least 1.
    pub replications: u32,
    pub seed: u64,
    pub max_open_episodes: u32,
    pub calendar: Calendar,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weekday by truncation gives what it gave by `floor`, at whole days and between
    /// them, before day 0, and where the conversion saturates.
    #[test]
    fn next_working_is_the_floors_next_working_day() {
        let by_floor = |day: f64| {
            let weekday = (day.floor() as i64).rem_euclid(7);
            if weekday >= 5 { day.floor() + (7 - weekday) as f64 } else { day }
        };
        let days = (-400..4_000)
            .flat_map(|quarter| {
                let day = f64::from(quarter) / 4.0;
                [day, f64::from_bits(day.to_bits().wrapping_sub(1)), f64::from_bits(day.to_bits() + 1)]
            })
            .chain([0.0, -0.0, 1e300, -1e300, f64::INFINITY, f64::NEG_INFINITY, 9.3e18, 4.5e15 + 0.5]);
        for day in days {
            assert_eq!(Calendar::Weekdays.next_working(day).to_bits(), by_floor(day).to_bits(), "day {day}");
        }
        assert!(Calendar::Weekdays.next_working(f64::NAN).is_nan());
    }

    #[test]
    fn the_chance_of_being_turned_away_rises_across_the_band_and_only_there() {
        let list = WaitingList {
            turn_away_from_wait_days: 30.0,
            turn_away_all_at_wait_days: 45.0,
            patience_days_mean: f64::INFINITY,
            met_elsewhere_probability: 0.0,
        };
        assert!(list.turns_away() && !list.reneges());
        assert_eq!(list.turn_away_probability(0.0), 0.0);
        assert_eq!(list.turn_away_probability(30.0), 0.0);
        assert_eq!(list.turn_away_probability(37.5), 0.5);
        assert_eq!(list.turn_away_probability(45.0), 1.0);
        assert_eq!(list.turn_away_probability(400.0), 1.0);
        let never = WaitingList { turn_away_from_wait_days: f64::INFINITY, turn_away_all_at_wait_days: f64::INFINITY, ..list };
        assert!(!never.turns_away());
        assert_eq!(never.turn_away_probability(1e9), 0.0);
    }
}
