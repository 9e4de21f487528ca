//! The scenario file as written: serde types that mirror the RON format field for field.
//!
//! These types carry no invariants. `scenario::validate` turns them into the engine's
//! types (`crate::model`), reporting every problem it finds with its dotted path. Defaults
//! live here, next to the fields they belong to, so `docs/scenarios.md` can quote them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole scenario: who lives in the county, who works there, the structures to compare
/// and how to run the experiment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Short name, used for the default output folder `results/<name>/`.
    pub name: String,
    /// One or two sentences for the report and `joinedup explain`.
    #[serde(default)]
    pub description: String,
    pub population: RawPopulation,
    pub workforce: RawWorkforce,
    /// The service structures (integration models) to compare; the first is the baseline.
    pub models: Vec<RawModel>,
    #[serde(default)]
    pub run: RawRun,
    /// Which units, professions and domains the published statistics refer to, for
    /// `joinedup calibrate` (checked against the first model, the status quo).
    #[serde(default)]
    pub calibration: Option<RawCalibration>,
}

/// Names that tie the published English statistics to this scenario's parts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalibration {
    /// Children's social care (referrals, assessments, children in need).
    pub social_care_unit: String,
    /// Early help (children in early help versus social care).
    pub early_help_unit: String,
    /// Child and adolescent mental health services.
    pub camhs_unit: String,
    /// The profession whose caseload DfE reports.
    pub social_worker_profession: String,
    /// The domain whose tier 4 work at social care is a child protection plan.
    pub child_protection_domain: String,
    /// The domain whose tier 4 work at social care is being looked after.
    pub looked_after_domain: String,
    /// The domain identifying families with disabled children.
    pub disability_domain: String,
}

/// The synthetic county: families, children, localities and how need arises and evolves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPopulation {
    /// Families living in the county.
    pub n_families: u64,
    /// Children aged 0-17 living in the county (used for rates per 10,000 children).
    pub n_children: u64,
    /// Localities (areas a locality team would cover) and their share of families.
    pub localities: Vec<RawLocality>,
    /// New presentations of need per family per year (a family coming to a front door
    /// for the first time in this episode). Re-referrals come on top, from `recurrence`.
    pub presentations_per_family_year: f64,
    /// Domains of need, with their share of presenting (primary) needs.
    pub domains: Vec<RawDomain>,
    /// Share of presenting needs at tiers 1, 2, 3 and 4 (sums to 1).
    pub tier_mix: Vec<f64>,
    /// Probability that a presentation involves 1, 2, 3 or 4 domains of need (sums to 1).
    #[serde(default = "default_needs_per_episode")]
    pub needs_per_episode: Vec<f64>,
    /// Probability that an additional need is at the same tier as the presenting need
    /// (otherwise one tier lower, never below tier 1).
    #[serde(default = "default_half")]
    pub extra_need_same_tier_probability: f64,
    /// Probability that the referrer presents a need one tier above its true tier. Triage
    /// uses the presented tier; assessment finds the true one ("assessed, not in need").
    #[serde(default)]
    pub overstated_tier_probability: f64,
    /// Probability that a family is sent to the wrong place: where each agency has its own
    /// door, the referral goes to the service with the highest threshold for the need's domain
    /// (typically children's social care), which triages it back out.
    #[serde(default)]
    pub misdirected_probability: f64,
    /// Mean days a need stays untreated at tier 1, 2 and 3 before it escalates one tier;
    /// `None` means it does not escalate from that tier.
    pub escalation_days_mean: Vec<Option<f64>>,
    /// Mean days an untreated need at tier 1, 2, 3 and 4 takes to resolve on its own;
    /// `None` means it never does.
    #[serde(default = "default_natural_resolution")]
    pub natural_resolution_days_mean: Vec<Option<f64>>,
    /// How long a service works with one need, by tier.
    pub service: RawServiceDuration,
    /// What happens after a need is met.
    #[serde(default)]
    pub recurrence: RawRecurrence,
    /// Need that exists but does not present while services are hard to reach (seed paper
    /// §7 "Time-frame": a new, accessible service can make demand look worse before better).
    #[serde(default)]
    pub hidden_need: RawHiddenNeed,
}

/// Hidden need: a pool of families with unmet need who present only as easily as services
/// let them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHiddenNeed {
    /// Share of families with hidden need at the start.
    pub initial_share_of_families: f64,
    /// New hidden need arising per family per year.
    pub new_per_family_year: f64,
    /// Rate at which a family with hidden need presents, per year, when access is as easy as
    /// it gets (access ease 1); it scales with the model's access ease.
    pub presentations_per_year_at_full_access: f64,
}

impl Default for RawHiddenNeed {
    fn default() -> Self {
        RawHiddenNeed { initial_share_of_families: 0.0, new_per_family_year: 0.0, presentations_per_year_at_full_access: 1.0 }
    }
}

fn default_needs_per_episode() -> Vec<f64> {
    vec![0.55, 0.25, 0.12, 0.08]
}
fn default_half() -> f64 {
    0.5
}
fn default_natural_resolution() -> Vec<Option<f64>> {
    vec![Some(120.0), Some(365.0), None, None]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLocality {
    pub name: String,
    /// Share of the county's families living here (shares sum to 1).
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomain {
    /// For example `health`, `education`, `emotional_health`, `family_safeguarding`.
    pub name: String,
    /// Share of presenting (primary) needs in this domain (shares sum to 1). Also the weight
    /// used when drawing a family's additional needs.
    pub share: f64,
    /// Youngest age in years at which children present with this need.
    #[serde(default)]
    pub age_min_years: u8,
    /// Oldest age in years at which children present with this need (at most 17).
    #[serde(default = "default_age_max")]
    pub age_max_years: u8,
    /// This domain's own share of presenting needs at tiers 1-4 (default: the population's
    /// `tier_mix`); e.g. entering care presents at tier 4 only.
    #[serde(default)]
    pub tier_mix: Option<Vec<f64>>,
    /// This domain's own mean days of intervention by tier (default: `service.days_mean_by_tier`);
    /// e.g. a period in care lasts years.
    #[serde(default)]
    pub service_days_mean_by_tier: Option<Vec<f64>>,
}

fn default_age_max() -> u8 {
    17
}

/// Shape and scale of the time a practitioner works with one need.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServiceDuration {
    /// `Exponential`, `LogNormal` or `Fixed`.
    #[serde(default)]
    pub distribution: RawDistribution,
    /// Mean days of intervention for a need at tier 1, 2, 3 and 4.
    pub days_mean_by_tier: Vec<f64>,
    /// Coefficient of variation (standard deviation / mean) for `LogNormal`.
    #[serde(default = "default_cv")]
    pub cv: f64,
}

fn default_cv() -> f64 {
    0.8
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RawDistribution {
    Exponential,
    #[default]
    LogNormal,
    Fixed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecurrence {
    /// Probability that a met need at tier 1, 2, 3 and 4 comes back later (a re-referral).
    pub probability_by_tier: Vec<f64>,
    /// Mean days from closing an episode to the need coming back.
    pub delay_days_mean: f64,
}

impl Default for RawRecurrence {
    fn default() -> Self {
        RawRecurrence { probability_by_tier: vec![0.1, 0.2, 0.25, 0.3], delay_days_mean: 150.0 }
    }
}

/// Who works in the county's children's services.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkforce {
    /// Employing agencies, for example `local_authority`, `health`, `police`.
    pub agencies: Vec<String>,
    pub professions: Vec<RawProfession>,
    /// Share of practitioners leaving each year (DfE social work workforce: 15.9% in 2023).
    /// A leaver's post is vacant for a while and the newcomer starts with no relationships.
    #[serde(default = "default_turnover")]
    pub turnover_per_year: f64,
    /// Mean days a post stays vacant after someone leaves (no new cases are taken on).
    #[serde(default = "default_vacancy_days")]
    pub vacancy_days_mean: f64,
    /// Share of a unit's caseload slots in use above which work slows down.
    #[serde(default = "default_overload_threshold")]
    pub overload_threshold: f64,
    /// How much longer work takes when a unit is completely full: durations are multiplied
    /// by `1 + overload_slowdown * (use - threshold) / (1 - threshold)` above the threshold.
    #[serde(default = "default_overload_slowdown")]
    pub overload_slowdown: f64,
    /// The county's services as they stand today (the status quo), with their staff. Preset
    /// models rearrange exactly these staff into their structure, so every preset compared
    /// in a scenario has the same workforce.
    #[serde(default)]
    pub services: Vec<RawService>,
}

/// One of the county's existing services, the raw material for preset models.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub name: String,
    /// Home agency (one of `workforce.agencies`).
    pub agency: String,
    pub domains: Vec<String>,
    /// Tiers the service accepts today (its threshold).
    pub tiers: Vec<u8>,
    #[serde(default)]
    pub tiers_for: Vec<RawDomainTiers>,
    /// `Locality` (a team in every locality) or `BoroughWide` (one specialist service).
    #[serde(default)]
    pub scope: RawScope,
    /// Practitioners: in each locality for a `Locality` service, in all for `BoroughWide`.
    pub staff: Vec<RawStaff>,
    /// Mean days the service's own assessment takes.
    #[serde(default = "default_assessment_days")]
    pub assessment_days_mean: f64,
    /// Practitioners who see the family in each intervention (see units).
    #[serde(default = "default_one_u32")]
    pub professionals_per_intervention: u32,
    /// How the service manages its waiting list (see units); presets give it to the unit
    /// that keeps this service as it is, not to units merged from several services.
    #[serde(default)]
    pub waiting_list: Option<RawWaitingList>,
}

/// How a unit manages its waiting list when demand outruns it (docs/ODD.md, 7.16). Every
/// part is off unless given, so an empty `waiting_list: ()` changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaitingList {
    /// Days the longest-waiting family on the list has waited at which the unit starts
    /// turning away referrals below its highest tier for their domain (its threshold
    /// rises); `None`: it never does.
    #[serde(default)]
    pub turn_away_from_wait_days: Option<f64>,
    /// That wait at which every such referral is turned away; the chance rises linearly in
    /// between. Required with `turn_away_from_wait_days`.
    #[serde(default)]
    pub turn_away_all_at_wait_days: Option<f64>,
    /// Mean days a family waits on the list before giving up (exponential, drawn once per
    /// family episode); `None`: families wait however long it takes.
    #[serde(default)]
    pub patience_days_mean: Option<f64>,
    /// Of the needs turned away or taken off the list, the share that is met elsewhere or
    /// passes (closed); the others stay unmet, held by nobody, and come back to a front door
    /// if they get worse.
    #[serde(default)]
    pub met_elsewhere_probability: f64,
}

fn default_assessment_days() -> f64 {
    10.0
}
fn default_turnover() -> f64 {
    0.16
}
fn default_vacancy_days() -> f64 {
    90.0
}
fn default_overload_threshold() -> f64 {
    0.9
}
fn default_overload_slowdown() -> f64 {
    0.3
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfession {
    /// For example `social_worker`, `health_visitor`, `camhs_worker`.
    pub name: String,
    /// Home agency (one of `workforce.agencies`).
    pub agency: String,
    /// What this profession can work with: a domain and the highest tier it can hold.
    pub competences: Vec<RawCompetence>,
    /// Cases one full-time practitioner can hold at once.
    pub caseload_capacity: u32,
    /// Contracted hours per week.
    #[serde(default = "default_hours")]
    pub hours_per_week: f64,
    /// Employment cost per full-time practitioner per year, in pounds (salary and on-costs).
    pub cost_per_year_gbp: f64,
}

fn default_hours() -> f64 {
    37.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompetence {
    pub domain: String,
    /// Lowest tier of need in this domain the profession works with (default 1).
    #[serde(default = "default_one")]
    pub tier_min: u8,
    /// Highest tier of need in this domain the profession works with.
    pub tier_max: u8,
}

fn default_one() -> u8 {
    1
}

/// One service structure (integration model) to compare.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    /// For example `siloed` or `integrated_hub`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Build the structure from a ready-made preset (see `joinedup models`) out of
    /// `workforce.services`, instead of listing `units`.
    #[serde(default)]
    pub preset: Option<RawPreset>,
    /// How families first reach a service (set by the preset when there is one).
    #[serde(default)]
    pub front_door: RawFrontDoor,
    /// The service units of this structure (leave empty when using a preset).
    #[serde(default)]
    pub units: Vec<RawUnit>,
    /// Referring a need on from one unit to another, when nobody coordinates it.
    #[serde(default = "default_handoff")]
    pub handoff: RawHandoff,
    /// Referring a need on when a lead professional holds the case and arranges it.
    #[serde(default = "default_coordinated_handoff")]
    pub coordinated_handoff: RawHandoff,
    /// How information about a family travels between units.
    #[serde(default)]
    pub information: RawInformation,
    /// Staff time spent on coordination, in hours.
    #[serde(default)]
    pub coordination: RawCoordination,
    /// Relationships between practitioners and the conditions for collaborative advantage.
    #[serde(default)]
    pub collaboration: RawCollaboration,
    /// How easily families with hidden need reach this structure (0-1). Default: 0.8 when
    /// the front door is a single point of contact, 0.3 when each agency has its own.
    #[serde(default)]
    pub access_ease: Option<f64>,
    /// Switch some localities to another preset structure on a given day (preset models only).
    #[serde(default)]
    pub restructure: Option<RawRestructure>,
    /// From this day, information is shared this way instead (set by a county-wide
    /// restructure; `information` applies before it).
    #[serde(default)]
    pub information_after_restructure: Option<(f64, RawInformation)>,
}

/// A restructure: from this model's preset to another, in some localities, on a day.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRestructure {
    /// Day the new structure starts.
    pub day: f64,
    /// Localities that change (default: all).
    #[serde(default)]
    pub localities: Option<Vec<String>>,
    /// The structure they change to.
    pub to: RawPreset,
    /// Days of disruption: recruitment and team building before the new units are at full
    /// strength.
    #[serde(default = "default_disruption_days")]
    pub disruption_days: f64,
    /// Share of the new units' practitioners not yet available during the disruption.
    #[serde(default = "default_capacity_loss")]
    pub capacity_loss_share: f64,
}

fn default_disruption_days() -> f64 {
    180.0
}
fn default_capacity_loss() -> f64 {
    0.25
}

/// The conditions for collaborative advantage (Oxfordshire pilots' evaluation, seed paper
/// §4.4) and the features of confident authorities (LARC, §5 i). Each is present or not;
/// `docs/collaboration.md` says which mechanism each one moves and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConditions {
    #[serde(default)]
    pub clearly_bounded_localities: bool,
    #[serde(default)]
    pub links_to_centre: bool,
    #[serde(default)]
    pub local_ownership: bool,
    #[serde(default)]
    pub strong_project_management: bool,
    #[serde(default)]
    pub systems_minding: bool,
    #[serde(default)]
    pub inclusive_communication_access: bool,
    #[serde(default)]
    pub inclusive_communication_up_and_down: bool,
    #[serde(default)]
    pub appreciative_systems: bool,
    #[serde(default)]
    pub user_involvement: bool,
    #[serde(default)]
    pub support_for_schools: bool,
    #[serde(default)]
    pub shared_vision: bool,
    #[serde(default)]
    pub positive_leadership: bool,
    #[serde(default)]
    pub history_of_joint_working: bool,
    #[serde(default)]
    pub fewer_funding_worries: bool,
    #[serde(default)]
    pub consultation: bool,
    #[serde(default)]
    pub adequate_resourcing: bool,
}

impl RawConditions {
    /// Every condition present.
    pub fn all() -> Self {
        RawConditions {
            clearly_bounded_localities: true,
            links_to_centre: true,
            local_ownership: true,
            strong_project_management: true,
            systems_minding: true,
            inclusive_communication_access: true,
            inclusive_communication_up_and_down: true,
            appreciative_systems: true,
            user_involvement: true,
            support_for_schools: true,
            shared_vision: true,
            positive_leadership: true,
            history_of_joint_working: true,
            fewer_funding_worries: true,
            consultation: true,
            adequate_resourcing: true,
        }
    }
}

/// How relationships between practitioners form, fade and change what happens to families.
/// Trust runs from 0 (strangers, suspicion) to 1 (colleagues who know and rely on each other).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCollaboration {
    #[serde(default)]
    pub conditions: RawConditions,
    /// Number of conditions present, as a single lever for sweeps: when set, the first N
    /// conditions in the order listed in `RawConditions` are present and `conditions` is
    /// ignored.
    #[serde(default)]
    pub n_conditions: Option<u8>,
    /// Trust a practitioner starts with towards other agencies (and returns to over time).
    #[serde(default = "default_initial_trust")]
    pub initial_trust: f64,
    /// Trust gained (as a share of the distance to 1) each time two practitioners from
    /// different agencies work the same family.
    #[serde(default = "default_case_gain")]
    pub gain_per_shared_case: f64,
    /// Trust gained per week towards every agency sharing a base with the practitioner.
    #[serde(default = "default_colocation_gain")]
    pub gain_per_week_co_located: f64,
    /// Trust gained at each joint training session (teams and hubs).
    #[serde(default = "default_training_gain")]
    pub gain_per_joint_training: f64,
    /// Days between joint training sessions.
    #[serde(default = "default_training_interval")]
    pub joint_training_interval_days: f64,
    /// Trust gained towards every agency present at a panel meeting attended.
    #[serde(default = "default_meeting_gain")]
    pub gain_per_shared_meeting: f64,
    /// Days for trust above its starting level to halve when not renewed.
    #[serde(default = "default_half_life")]
    pub half_life_days: f64,
    /// How much faster trust fades for a practitioner in an overloaded unit.
    #[serde(default = "default_overload_erosion")]
    pub overload_erosion_factor: f64,
    /// Inside a multi-agency unit, mean days lost to friction when a lead professional hands
    /// a need to a colleague from an agency they do not trust (an internal referral).
    #[serde(default = "default_friction_days")]
    pub friction_days_mean: f64,
}

fn default_initial_trust() -> f64 {
    0.2
}
fn default_case_gain() -> f64 {
    0.03
}
fn default_colocation_gain() -> f64 {
    0.01
}
fn default_training_gain() -> f64 {
    0.05
}
fn default_training_interval() -> f64 {
    91.0
}
fn default_meeting_gain() -> f64 {
    0.01
}
fn default_half_life() -> f64 {
    240.0
}
fn default_overload_erosion() -> f64 {
    3.0
}
fn default_friction_days() -> f64 {
    10.0
}

impl Default for RawCollaboration {
    fn default() -> Self {
        RawCollaboration {
            conditions: RawConditions::default(),
            n_conditions: None,
            initial_trust: default_initial_trust(),
            gain_per_shared_case: default_case_gain(),
            gain_per_week_co_located: default_colocation_gain(),
            gain_per_joint_training: default_training_gain(),
            joint_training_interval_days: default_training_interval(),
            gain_per_shared_meeting: default_meeting_gain(),
            half_life_days: default_half_life(),
            overload_erosion_factor: default_overload_erosion(),
            friction_days_mean: default_friction_days(),
        }
    }
}

fn default_handoff() -> RawHandoff {
    RawHandoff { delay_days_mean: 14.0, bounce_probability: 0.2, lost_probability: 0.08, max_bounces: 2 }
}
fn default_coordinated_handoff() -> RawHandoff {
    RawHandoff { delay_days_mean: 5.0, bounce_probability: 0.05, lost_probability: 0.01, max_bounces: 2 }
}

/// A ready-made structure and the settings it exposes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreset {
    /// One of the names `joinedup models` lists.
    pub name: String,
    /// Days between panel meetings (presets with a panel).
    #[serde(default = "default_cadence")]
    pub panel_cadence_days: f64,
    /// Cases a panel allocates per meeting; `None` for no limit.
    #[serde(default)]
    pub panel_slots_per_meeting: Option<u32>,
    /// Probability each panel member attends a meeting.
    #[serde(default = "default_panel_attendance")]
    pub panel_attendance: f64,
    /// Probability a network member offered a case takes it.
    #[serde(default = "default_take")]
    pub network_take_probability: f64,
    /// Mean days before a declined network case is offered again.
    #[serde(default = "default_retry_days")]
    pub network_retry_days_mean: f64,
    /// Share of a team's hours spent on team building and joint training.
    #[serde(default = "default_team_time")]
    pub team_time_share: f64,
    /// Share of staff in services with statutory (tier 4) work who stay in a statutory
    /// service behind an integrated hub (`integrated_hub` only).
    #[serde(default = "default_statutory_share")]
    pub statutory_share: f64,
    /// Mean days to call in a member of a virtual team.
    #[serde(default = "default_call_in")]
    pub call_in_days_mean: f64,
}

fn default_cadence() -> f64 {
    14.0
}
fn default_panel_attendance() -> f64 {
    0.85
}
fn default_take() -> f64 {
    0.7
}
fn default_statutory_share() -> f64 {
    0.4
}
fn default_call_in() -> f64 {
    7.0
}

impl RawPreset {
    /// A preset with its default settings.
    pub fn named(name: &str) -> Self {
        RawPreset {
            name: name.to_string(),
            panel_cadence_days: default_cadence(),
            panel_slots_per_meeting: None,
            panel_attendance: default_panel_attendance(),
            network_take_probability: default_take(),
            network_retry_days_mean: default_retry_days(),
            team_time_share: default_team_time(),
            statutory_share: default_statutory_share(),
            call_in_days_mean: default_call_in(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub enum RawFrontDoor {
    /// Families go to the unit that serves their presenting need (each agency its own door).
    #[default]
    ByNeed,
    /// Every family enters by this one unit (a single point of contact).
    Single(String),
    /// A single point of contact that changes over time or by locality: the first of these
    /// units that serves the family's locality and is open (set by restructures).
    FirstOf(Vec<String>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHandoff {
    /// Mean days between one unit referring a need on and the other receiving it.
    pub delay_days_mean: f64,
    /// Probability the receiving unit sends the referral back (wrong place, threshold not met).
    pub bounce_probability: f64,
    /// Probability the family is lost in transit (never reaches the next service).
    pub lost_probability: f64,
    /// Bounces after which the referrer gives up and the family is lost.
    #[serde(default = "default_max_bounces")]
    pub max_bounces: u8,
}

fn default_max_bounces() -> u8 {
    2
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawInformation {
    /// Each agency keeps its own record: every new unit re-assesses, the family retells its
    /// story, and sharing waits for consent.
    OwnSystems { consent_delay_days_mean: f64 },
    /// One record shared with consent given once: later units read it, no retelling.
    SharedRecord,
}

impl Default for RawInformation {
    fn default() -> Self {
        RawInformation::OwnSystems { consent_delay_days_mean: 5.0 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoordination {
    /// Practitioner hours to complete one assessment (paperwork and visits).
    #[serde(default = "default_assessment_hours")]
    pub assessment_hours: f64,
    /// Practitioner hours to write and chase one referral to another unit.
    #[serde(default = "default_referral_hours")]
    pub referral_hours: f64,
    /// Lead professional hours per week for each open episode with two or more needs.
    #[serde(default = "default_lead_hours")]
    pub lead_professional_hours_per_week: f64,
}

fn default_assessment_hours() -> f64 {
    6.0
}
fn default_referral_hours() -> f64 {
    1.5
}
fn default_lead_hours() -> f64 {
    0.5
}

impl Default for RawCoordination {
    fn default() -> Self {
        RawCoordination {
            assessment_hours: default_assessment_hours(),
            referral_hours: default_referral_hours(),
            lead_professional_hours_per_week: default_lead_hours(),
        }
    }
}

/// A service unit: a team, a service, a hub or a panel.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnit {
    pub name: String,
    /// `SingleAgency` (one agency's service) or `Hub` (co-located multi-agency service).
    #[serde(default)]
    pub kind: RawUnitKind,
    /// Domains of need this unit works with.
    pub domains: Vec<String>,
    /// Tiers of need this unit accepts (its threshold), for example `[3, 4]`.
    pub tiers: Vec<u8>,
    /// Different tiers for particular domains, overriding `tiers` for them; for example a
    /// hub taking tier 3 family needs but only tiers 1-2 emotional health.
    #[serde(default)]
    pub tiers_for: Vec<RawDomainTiers>,
    /// `Locality` (one copy of the unit in every locality) or `BoroughWide` (one for all).
    #[serde(default)]
    pub scope: RawScope,
    /// Staff: profession and number of full-time practitioners.
    pub staff: Vec<RawStaff>,
    /// How this unit assesses a family before working with it.
    #[serde(default)]
    pub assessment: RawAssessment,
    /// How assessed cases are allocated to a practitioner.
    #[serde(default)]
    pub allocation: RawAllocation,
    /// Whether the first practitioner becomes the family's lead professional.
    #[serde(default)]
    pub lead_professional: bool,
    /// Practitioners involved in each intervention: the one holding the case plus colleagues
    /// who see the family (a multi-disciplinary clinic, therapists). Only the first uses a
    /// caseload slot; all count as professionals the family sees.
    #[serde(default = "default_one_u32")]
    pub professionals_per_intervention: u32,
    /// A different number for particular domains (and, optionally, tiers), overriding
    /// `professionals_per_intervention` for their needs; for example an integrated team whose
    /// disability work is done by a multi-disciplinary team of eight while its other work
    /// needs one practitioner. Later entries override earlier ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub professionals_for: Vec<RawDomainProfessionals>,
    /// For a `Locality` unit, the localities that have one (default: all).
    #[serde(default)]
    pub localities: Option<Vec<String>>,
    /// Which waiting case is taken first.
    #[serde(default)]
    pub priority: RawPriority,
    /// Probability that a need at tier 3 or 4 steps down one tier after this unit's
    /// intervention and is referred on for lower-tier support.
    #[serde(default)]
    pub step_down_probability: f64,
    /// A time-limited project: the day its funding ends (default: never).
    #[serde(default)]
    pub ends_on_day: Option<f64>,
    /// Whether the project has an exit strategy: at its end, families are handed on to the
    /// next service that takes their need (with one); otherwise they are lost.
    #[serde(default)]
    pub exit_strategy: bool,
    /// Day the unit opens (default: from the start). Set by restructures.
    #[serde(default)]
    pub starts_on_day: Option<f64>,
    /// Days after opening during which `capacity_loss_share` of its staff are still being
    /// recruited or building the team.
    #[serde(default)]
    pub disruption_days: f64,
    #[serde(default)]
    pub capacity_loss_share: f64,
    /// How the unit manages its waiting list when demand outruns it: turning referrals away
    /// as the list grows, families giving up waiting. `None`: every family waits.
    #[serde(default)]
    pub waiting_list: Option<RawWaitingList>,
}

impl RawUnit {
    /// A unit with every optional field at its default.
    pub fn new(name: &str, domains: Vec<String>, tiers: Vec<u8>, staff: Vec<RawStaff>) -> Self {
        RawUnit {
            name: name.to_string(),
            kind: RawUnitKind::default(),
            domains,
            tiers,
            tiers_for: Vec::new(),
            scope: RawScope::default(),
            staff,
            assessment: RawAssessment::default(),
            allocation: RawAllocation::default(),
            lead_professional: false,
            professionals_per_intervention: 1,
            professionals_for: Vec::new(),
            localities: None,
            priority: RawPriority::default(),
            step_down_probability: 0.0,
            ends_on_day: None,
            exit_strategy: false,
            starts_on_day: None,
            disruption_days: 0.0,
            capacity_loss_share: 0.0,
            waiting_list: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomainTiers {
    pub domain: String,
    pub tiers: Vec<u8>,
}

/// Practitioners involved in each intervention for one domain of a unit (`professionals_for`),
/// at the given tiers (all, when none are given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomainProfessionals {
    pub domain: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<u8>,
    pub professionals_per_intervention: u32,
}

/// What kind of unit this is; each kind changes how work reaches practitioners.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawUnitKind {
    /// One agency's own service.
    #[default]
    SingleAgency,
    /// A multi-agency panel: members stay in their home agencies and allocate cases at
    /// meetings (use with `allocation: Panel(..)`).
    Panel,
    /// A multi-agency team of seconded or recruited staff with a team leader.
    Team {
        /// Whether the team shares a base (co-location makes onward referrals warm handoffs).
        #[serde(default = "default_true")]
        shared_base: bool,
        /// Share of contracted hours spent on team building and joint training (0-1).
        #[serde(default = "default_team_time")]
        team_time_share: f64,
    },
    /// An integrated service hub: single point of contact in a community setting, co-located
    /// services; its onward referrals are warm handoffs.
    Hub,
    /// A professional network: membership is voluntary, so a member offered a case takes it
    /// only with `take_probability`; otherwise it is offered again after `retry_days_mean`,
    /// and after `handoff.max_bounces` refusals it goes unanswered (the family is lost).
    Network {
        take_probability: f64,
        #[serde(default = "default_retry_days")]
        retry_days_mean: f64,
    },
    /// A virtual team called in on demand (Shropshire): work starts after a call-in delay.
    VirtualTeam { call_in_days_mean: f64 },
}

fn default_one_u32() -> u32 {
    1
}
fn default_true() -> bool {
    true
}
fn default_team_time() -> f64 {
    0.05
}
fn default_retry_days() -> f64 {
    14.0
}

/// Which waiting case a practitioner with a free slot takes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RawPriority {
    /// The longest-waiting case they can do.
    #[default]
    FirstComeFirstServed,
    /// The highest-tier case they can do (statutory work first): under pressure, early help
    /// waits longer, which is how a team loses its prevention focus.
    HighestTierFirst,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RawScope {
    #[default]
    Locality,
    BoroughWide,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStaff {
    pub profession: String,
    /// Full-time practitioners: in each locality for a `Locality` unit (written for a
    /// locality of average size, scaled to each locality's share of families), in all for a
    /// `BoroughWide` unit.
    pub n_practitioners: u32,
    /// Full-time practitioners in particular localities of a `Locality` unit, exactly as
    /// written (not scaled): `{"north": 6, "south": 9}`. Localities not named keep the
    /// scaled `n_practitioners`. Left out of the resolved file when empty, so scenarios
    /// without it write the same bytes as before it existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_locality: BTreeMap<String, u32>,
}

impl RawStaff {
    /// `n_practitioners` of `profession`, the same in every locality (scaled by size).
    pub fn new(profession: &str, n_practitioners: u32) -> Self {
        RawStaff { profession: profession.to_string(), n_practitioners, by_locality: BTreeMap::new() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawAssessment {
    /// No assessment: work starts at allocation (used by the queueing validation scenarios).
    NoAssessment,
    /// The unit does its own assessment, whatever other units did.
    Own { days_mean: f64 },
    /// One common assessment (CAF-like) for all needs; with a shared record, no later unit
    /// asks the family to tell its story again.
    Common { days_mean: f64 },
}

impl Default for RawAssessment {
    fn default() -> Self {
        RawAssessment::Own { days_mean: 10.0 }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawAllocation {
    /// A practitioner takes the case as soon as one with a free slot is competent.
    #[default]
    OnArrival,
    /// Cases wait for the next panel meeting, which allocates up to `slots_per_meeting`.
    Panel {
        cadence_days: f64,
        /// Cases allocated per meeting; `None` allocates everything waiting.
        #[serde(default)]
        slots_per_meeting: Option<u32>,
        /// Day of the first meeting (default: one cadence after the start).
        #[serde(default)]
        first_meeting_day: Option<f64>,
        /// Hours each member spends in each meeting.
        #[serde(default = "default_meeting_hours")]
        meeting_hours: f64,
        /// Members of the panel (their meeting time is counted as coordination).
        #[serde(default = "default_members")]
        n_members: u32,
        /// Probability each member attends a given meeting. A case is allocated only when
        /// a member able to take it attends; below 1, some cases wait for a later meeting.
        #[serde(default = "default_attendance")]
        attendance: f64,
    },
    /// A team leader allocates waiting cases each working morning.
    TeamLeader,
}

fn default_attendance() -> f64 {
    1.0
}

fn default_meeting_hours() -> f64 {
    2.0
}
fn default_members() -> u32 {
    6
}

/// How the experiment is run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    /// Simulated days in each replication, warm-up included.
    #[serde(default = "default_horizon")]
    pub horizon_days: f64,
    /// Days at the start not counted in any metric (the system fills up).
    #[serde(default = "default_warmup")]
    pub warmup_days: f64,
    /// Independent replications per model.
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Master seed; every random stream derives from it and the replication number.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// `Weekdays` (practitioners start work Monday to Friday; panels meet on weekdays) or
    /// `Continuous` (every day is a working day, as queueing theory assumes). Waits are
    /// always reported in calendar days.
    #[serde(default)]
    pub calendar: RawCalendar,
    /// Open episodes a replication may hold before it stops with an error (a structure that
    /// cannot keep up would otherwise grow without bound).
    #[serde(default = "default_max_open")]
    pub max_open_episodes: u32,
}

fn default_horizon() -> f64 {
    3652.5
}
fn default_warmup() -> f64 {
    365.25
}
fn default_replications() -> u32 {
    10
}
fn default_seed() -> u64 {
    20_260_101
}
fn default_max_open() -> u32 {
    2_000_000
}

impl Default for RawRun {
    fn default() -> Self {
        RawRun {
            horizon_days: default_horizon(),
            warmup_days: default_warmup(),
            replications: default_replications(),
            seed: default_seed(),
            max_open_episodes: default_max_open(),
            calendar: RawCalendar::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RawCalendar {
    #[default]
    Weekdays,
    Continuous,
}
