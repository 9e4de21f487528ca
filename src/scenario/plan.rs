//! Sweep plans: the RON file naming a base scenario, the factors to vary and the design,
//! read into raw serde types, overridden (`--plan-set`, `--seed`, ...), and validated into
//! [`Plan`], which builds the validated scenario of any design point.
//!
//! Like scenarios, every problem is reported at once with its dotted path; docs/sweeps.md
//! describes every field.

use super::raw::RawScenario;
use super::validate::MAX_REPLICATIONS;
use super::{DEFAULT_COUNTY_LABEL, DEFAULT_COUNTY_RON, apply_overrides_to, load_raw, parse, to_ron};
use crate::error::{Error, Problem, Result, nearest};
use crate::model::Scenario;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Most factors in one plan (a Morris screening of more is better split into groups).
pub const MAX_FACTORS: usize = 64;
/// Most levels of one factor.
pub const MAX_LEVELS: usize = 1000;
/// Most design points in one plan; each writes one file, so this also bounds the folder.
pub const MAX_POINTS: usize = 100_000;
/// Most grid levels of a Morris design.
pub const MAX_MORRIS_LEVELS: u32 = 100;
/// Most replications a plan may ask for in all (points x models x replications, with
/// `max_replications` counted when a precision is set): a hundred million.
pub const MAX_RUNS: u64 = 100_000_000;
/// The widest relative precision accepted: a 95% half-width as wide as the mean itself already
/// says the estimate could be anything from nothing to double; a wider target (`5` for 5%
/// typed as a share) would be met at once and mean nothing.
pub const MAX_PRECISION: f64 = 1.0;

/// What a precision must be, for messages.
pub const PRECISION_RULE: &str =
    "is a share of each metric's mean (0.05 for 5%), so it must be above 0 and at most 1 (a half-width as wide as the mean)";

/// The replication cap when a precision is asked for and the plan does not set one.
pub const DEFAULT_MAX_REPLICATIONS: u32 = 200;
/// Columns of the tidy sweep files; factor names may not reuse them.
pub const RESERVED_COLUMNS: &[&str] =
    &["point", "model", "replication", "metric", "value", "n", "mean", "ci95_low", "ci95_high", "replications", "precision_met"];
/// Levels of each factor tried when the plan is checked, before anything runs.
const MAX_LEVELS_CHECKED: usize = 10;

/// A sweep plan as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    /// Short name, used for the default output folder `results/sweeps/<name>/`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The base scenario file, relative to the plan file; `None` for the built-in county.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Overrides applied to the base scenario before any factor, as `--set` would.
    #[serde(default)]
    pub set: Vec<String>,
    /// The models to run at every point, by name (the first is the baseline); empty for all.
    #[serde(default)]
    pub models: Vec<String>,
    pub factors: Vec<RawFactor>,
    pub design: RawDesign,
    /// Replications of every model at every point (default: the scenario's
    /// `run.replications`); with `precision`, the first batch.
    #[serde(default)]
    pub replications: Option<u32>,
    /// The seed of every point (common random numbers) and of the design's own draws
    /// (default: the scenario's `run.seed`).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Keep adding replications at each point until every metric's 95% half-width is
    /// within this share of its mean (e.g. 0.05); `None` runs exactly `replications`.
    #[serde(default)]
    pub precision: Option<f64>,
    /// The most replications a point may take to reach `precision`.
    #[serde(default = "default_max_replications")]
    pub max_replications: u32,
}

fn default_max_replications() -> u32 {
    DEFAULT_MAX_REPLICATIONS
}

/// One factor: a scenario field, named as `--set` would, and the values it takes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFactor {
    /// Dotted path to the field, e.g. `models.panel.preset.panel_cadence_days`.
    pub path: String,
    /// Column name in the output files (default: the path).
    #[serde(default)]
    pub name: Option<String>,
    /// The values a `Factorial` design takes (numbers, `true`/`false` or quoted text).
    #[serde(default)]
    pub levels: Vec<RawLevel>,
    /// Lower end of the range a `LatinHypercube` or `Morris` design samples.
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper end of that range.
    #[serde(default)]
    pub max: Option<f64>,
    /// Round sampled values to whole numbers (for counts such as `n_practitioners`).
    #[serde(default)]
    pub integer: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawLevel {
    Number(f64),
    Flag(bool),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RawDesign {
    /// Every combination of every factor's levels.
    Factorial,
    /// `points` points spread over the factors' ranges, each range cut into `points` strata
    /// used once each.
    LatinHypercube { points: u32 },
    /// Morris screening: `trajectories` one-factor-at-a-time paths on a `levels`-level grid
    /// (an even number, 4 is usual).
    Morris { trajectories: u32, levels: u32 },
}

/// A factor's value at one design point.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Flag(bool),
    Text(String),
}

impl Value {
    /// The value as the right-hand side of a `--set` assignment.
    pub fn override_text(&self) -> String {
        match self {
            Value::Number(x) => x.to_string(),
            Value::Flag(b) => b.to_string(),
            Value::Text(t) => serde_json::to_string(t).expect("strings serialise"),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(x) => write!(f, "{x}"),
            Value::Flag(b) => write!(f, "{b}"),
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// What values a factor takes.
#[derive(Debug, Clone, PartialEq)]
pub enum FactorValues {
    Levels(Vec<Value>),
    Range { min: f64, max: f64, integer: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub name: String,
    pub path: String,
    pub values: FactorValues,
}

impl Factor {
    /// The value at unit coordinate `u` in [0, 1] of a range factor.
    pub fn at(&self, u: f64) -> Value {
        match &self.values {
            FactorValues::Range { min, max, integer } => {
                let x = min + u.clamp(0.0, 1.0) * (max - min);
                Value::Number(if *integer { x.round() } else { x })
            }
            FactorValues::Levels(levels) => {
                // Only reached by designs validation pairs with levels; kept total anyway.
                let idx = ((u.clamp(0.0, 1.0) * levels.len() as f64) as usize).min(levels.len() - 1);
                levels[idx].clone()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    Factorial,
    LatinHypercube { n_points: usize },
    Morris { n_trajectories: usize, n_levels: usize },
}

/// A validated plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub description: String,
    /// The plan file, as error messages name it.
    pub label: String,
    /// The base scenario before preset expansion, with the plan's `set`, its models, seed
    /// and replications applied: every point starts from this.
    pub base_raw: RawScenario,
    /// The base scenario validated.
    pub base: Scenario,
    pub factors: Vec<Factor>,
    pub design: Design,
    pub replications: u32,
    pub seed: u64,
    pub precision: Option<f64>,
    pub max_replications: u32,
    /// The plan with every default and override filled in, as RON.
    pub plan_ron: String,
    /// The base scenario (`base_raw`) as RON.
    pub scenario_ron: String,
}

impl Plan {
    /// Design points in the plan.
    pub fn n_points(&self) -> usize {
        match self.design {
            Design::Factorial => self.factors.iter().map(|f| if let FactorValues::Levels(l) = &f.values { l.len() } else { 1 }).product(),
            Design::LatinHypercube { n_points } => n_points,
            Design::Morris { n_trajectories, .. } => n_trajectories * (self.factors.len() + 1),
        }
    }

    /// The validated scenario at one design point: the base with each factor set to its value.
    pub fn scenario_at(&self, values: &[Value]) -> Result<Scenario> {
        assert_eq!(values.len(), self.factors.len(), "one value per factor");
        let overrides: Vec<String> = self.factors.iter().zip(values).map(|(f, v)| format!("{}={}", f.path, v.override_text())).collect();
        load_raw(&self.label, self.base_raw.clone(), &overrides).map(|loaded| loaded.scenario)
    }
}

/// Reads a plan file, applies `plan_overrides` to the plan (`seed=7`,
/// `design.Morris.trajectories=2`) and `scenario_overrides` to its base scenario (after the
/// plan's own `set`), and validates it.
pub fn load(path: &Path, plan_overrides: &[String], scenario_overrides: &[String]) -> Result<Plan> {
    let text = super::read_text(path).map_err(|source| Error::ReadPlan { path: path.to_path_buf(), source })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    load_str(&path.display().to_string(), &text, base_dir, plan_overrides, scenario_overrides)
}

/// Like [`load`], from text in memory; the base scenario path is relative to `base_dir`.
pub fn load_str(label: &str, text: &str, base_dir: &Path, plan_overrides: &[String], scenario_overrides: &[String]) -> Result<Plan> {
    let raw: RawPlan = parse(label, text).map_err(|error| match error {
        // The shared parser points scenario writers at their page; plans have their own.
        Error::Syntax { path, line, column, message, snippet, hint } => {
            Error::Syntax { path, line, column, message, snippet, hint: hint.replace("docs/scenarios.md", "docs/sweeps.md") }
        }
        other => other,
    })?;
    let mut raw = apply_overrides_to(raw, plan_overrides, "docs/sweeps.md").map_err(|error| match error {
        Error::BadOverride { assignment, message } => Error::BadArgument { option: format!("--plan-set {assignment}"), message },
        other => other,
    })?;
    raw.set.extend(scenario_overrides.iter().cloned());
    validate(label, raw, base_dir)
}

fn validate(label: &str, mut raw: RawPlan, base_dir: &Path) -> Result<Plan> {
    let invalid = |problems: Vec<Problem>| Error::InvalidPlan { path: label.to_string(), problems };
    let mut problems = Vec::new();
    let mut fail = |path: String, message: String| problems.push(Problem { path, message });
    if !super::validate::is_folder_name(&raw.name) {
        fail("name".into(), super::validate::FOLDER_NAME_RULE.into());
    }

    // The base scenario, with the plan's overrides and model choice.
    let (scenario_label, scenario_text) = match &raw.scenario {
        Some(relative) => {
            let path = base_dir.join(relative);
            let text = super::read_text(&path).map_err(|source| Error::ReadScenario { path: path.clone(), source })?;
            (path.display().to_string(), text)
        }
        None => (DEFAULT_COUNTY_LABEL.to_string(), DEFAULT_COUNTY_RON.to_string()),
    };
    let base_raw: RawScenario = parse(&scenario_label, &scenario_text)?;
    let mut base_raw = super::apply_overrides(base_raw, &raw.set)?;
    if !raw.models.is_empty() {
        let available: Vec<String> = base_raw.models.iter().map(|m| m.name.clone()).collect();
        let mut chosen = Vec::new();
        for (i, name) in raw.models.iter().enumerate() {
            match base_raw.models.iter().find(|m| &m.name == name) {
                Some(model) if !chosen.iter().any(|c: &super::raw::RawModel| &c.name == name) => chosen.push(model.clone()),
                Some(_) => fail(format!("models.{i}"), format!("`{name}` is listed twice")),
                None => fail(
                    format!("models.{i}"),
                    match nearest(name, available.iter().map(String::as_str)) {
                        Some(close) => {
                            format!("the scenario has no model `{name}`; did you mean `{close}`?")
                        }
                        None => format!("the scenario has no model `{name}`; its models are: {}", available.join(", ")),
                    },
                ),
            }
        }
        base_raw.models = chosen;
    }
    let seed = raw.seed.unwrap_or(base_raw.run.seed);
    let replications = raw.replications.unwrap_or(base_raw.run.replications);
    base_raw.run.seed = seed;
    base_raw.run.replications = replications;
    raw.seed = Some(seed);
    raw.replications = Some(replications);

    if replications == 0 || replications > MAX_REPLICATIONS {
        fail("replications".into(), format!("must be between 1 and {MAX_REPLICATIONS}, found {replications}"));
    }
    if let Some(precision) = raw.precision {
        if !(precision.is_finite() && precision > 0.0 && precision <= MAX_PRECISION) {
            fail("precision".into(), format!("{PRECISION_RULE}, found {precision}"));
        }
        if raw.max_replications < replications.max(2) || raw.max_replications > MAX_REPLICATIONS {
            fail(
                "max_replications".into(),
                format!("must be between the first batch ({}) and {MAX_REPLICATIONS}, found {}", replications.max(2), raw.max_replications),
            );
        }
    }

    let design = match raw.design {
        RawDesign::Factorial => Design::Factorial,
        RawDesign::LatinHypercube { points } => {
            if points == 0 || points as usize > MAX_POINTS {
                fail("design.LatinHypercube.points".into(), format!("must be between 1 and {MAX_POINTS}, found {points}"));
            }
            Design::LatinHypercube { n_points: points as usize }
        }
        RawDesign::Morris { trajectories, levels } => {
            if trajectories == 0 {
                fail("design.Morris.trajectories".into(), "must be at least 1 (10 to 20 is usual for screening)".into());
            }
            if levels < 2 || levels % 2 == 1 || levels > MAX_MORRIS_LEVELS {
                fail(
                    "design.Morris.levels".into(),
                    format!("must be an even number from 2 to {MAX_MORRIS_LEVELS} (4 is usual), found {levels}"),
                );
            }
            Design::Morris { n_trajectories: trajectories as usize, n_levels: levels as usize }
        }
    };
    let uses_levels = design == Design::Factorial;

    if raw.factors.is_empty() || raw.factors.len() > MAX_FACTORS {
        fail("factors".into(), format!("must list between 1 and {MAX_FACTORS} factors, found {}", raw.factors.len()));
    }
    let mut factors = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    // Each field, spelled one way, with the first factor that varies it.
    let base_tree = serde_json::to_value(&base_raw).expect("raw scenario types always serialise");
    let mut fields: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (i, f) in raw.factors.iter().enumerate() {
        let path = format!("factors.{i}");
        let name = f.name.clone().unwrap_or_else(|| f.path.clone());
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
            fail(format!("{path}.name"), format!("`{name}` must be letters, digits, `_`, `.` or `-` (it is a column name)"));
        } else if RESERVED_COLUMNS.contains(&name.as_str()) {
            fail(format!("{path}.name"), format!("`{name}` is already a column of the output files; give the factor another name"));
        } else if !names.insert(name.clone()) {
            fail(format!("{path}.name"), format!("`{name}` names two factors; give each a different `name`"));
        }
        // A point sets its factors in order, so a second factor on the same field would
        // silently replace the first one's value: the output files would then show values
        // of the first that were never simulated.
        match fields.entry(canonical_path(&base_tree, &f.path)) {
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(i);
            }
            std::collections::btree_map::Entry::Occupied(entry) => {
                let first = &raw.factors[*entry.get()].path;
                let spelled = if first.trim() == f.path.trim() {
                    String::new()
                } else {
                    format!(" (`{}` and `{}` name the same field)", first.trim(), f.path.trim())
                };
                fail(
                    format!("{path}.path"),
                    format!(
                        "`{}` is already varied by factors.{}{spelled}; a field can be varied by one factor only, so remove one of them or put all the values in one factor",
                        f.path.trim(),
                        entry.get()
                    ),
                );
            }
        }
        if ["run.seed", "run.replications"].contains(&f.path.trim()) {
            fail(
                format!("{path}.path"),
                "the plan's own `seed` and `replications` set this for every point (common random numbers); vary something else".into(),
            );
        }
        let values = if uses_levels {
            if f.min.is_some() || f.max.is_some() || f.integer {
                fail(
                    path.clone(),
                    "a Factorial design takes each factor's `levels`; remove min, max and integer, or use LatinHypercube or Morris".into(),
                );
            }
            if f.levels.is_empty() || f.levels.len() > MAX_LEVELS {
                fail(format!("{path}.levels"), format!("must list between 1 and {MAX_LEVELS} values, e.g. levels: [7, 14, 28]"));
            }
            for (j, level) in f.levels.iter().enumerate() {
                if let RawLevel::Number(x) = level
                    && !x.is_finite()
                {
                    fail(format!("{path}.levels.{j}"), format!("must be a finite number, found {x}"));
                } else if let Some(first) = f.levels[..j].iter().position(|earlier| earlier == level) {
                    // The same point would be run twice under two numbers.
                    fail(format!("{path}.levels.{j}"), format!("repeats level {first}; list each value once"));
                }
            }
            FactorValues::Levels(
                f.levels
                    .iter()
                    .map(|l| match l {
                        RawLevel::Number(x) => Value::Number(*x),
                        RawLevel::Flag(b) => Value::Flag(*b),
                        RawLevel::Text(t) => Value::Text(t.clone()),
                    })
                    .collect(),
            )
        } else {
            if !f.levels.is_empty() {
                fail(
                    format!("{path}.levels"),
                    "LatinHypercube and Morris designs sample a range; give min and max instead of levels".into(),
                );
            }
            match (f.min, f.max) {
                (Some(min), Some(max)) if min.is_finite() && max.is_finite() && min < max => {}
                (Some(min), Some(max)) => fail(path.clone(), format!("needs finite min < max, found min {min}, max {max}")),
                _ => fail(path.clone(), "needs both `min` and `max` (the range to sample)".into()),
            }
            FactorValues::Range { min: f.min.unwrap_or(0.0), max: f.max.unwrap_or(1.0), integer: f.integer }
        };
        factors.push(Factor { name, path: f.path.trim().to_string(), values });
    }

    let n_models = base_raw.models.len() as u64;
    let per_point = u64::from(if raw.precision.is_some() { raw.max_replications } else { replications });
    let plan_ron = to_ron(&raw);
    let scenario_ron = to_ron(&base_raw);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    // The base must be a valid scenario on its own before any factor moves it.
    let base = load_raw(&scenario_label, base_raw.clone(), &[])?.scenario;
    let plan = Plan {
        name: raw.name.clone(),
        description: raw.description.clone(),
        label: label.to_string(),
        base_raw,
        base,
        factors,
        design,
        replications,
        seed,
        precision: raw.precision,
        max_replications: raw.max_replications,
        plan_ron,
        scenario_ron,
    };
    let n_points = match plan.design {
        Design::Factorial => plan.factors.iter().try_fold(1usize, |n, f| match &f.values {
            FactorValues::Levels(l) => n.checked_mul(l.len()),
            FactorValues::Range { .. } => Some(n),
        }),
        _ => Some(plan.n_points()),
    };
    match n_points {
        Some(n) if n <= MAX_POINTS && (n as u64).saturating_mul(n_models).saturating_mul(per_point) <= MAX_RUNS => {}
        _ => {
            return Err(invalid(vec![Problem {
                path: "design".into(),
                message: format!(
                    "asks for {} points x {n_models} models x {per_point} replications; the limits are {MAX_POINTS} points and {MAX_RUNS} replications in all. Use fewer levels, points or trajectories, or split the plan",
                    n_points.map_or("too many".to_string(), |n| n.to_string())
                ),
            }]));
        }
    }
    // A point holds all its replications until it is written, one point per worker thread.
    let point_bytes = super::results_memory_bytes(&plan.base, u32::try_from(per_point).unwrap_or(u32::MAX));
    if point_bytes > super::MAX_RESULTS_BYTES {
        let field = if plan.precision.is_some() { "max_replications" } else { "replications" };
        return Err(invalid(vec![Problem {
            path: field.into(),
            message: format!(
                "{per_point} replications of {n_models} models at one point would hold about {:.1} GB of results in memory (wait histograms for every unit), above the limit of {:.1} GB; ask for fewer replications or fewer models",
                point_bytes as f64 / f64::from(1u32 << 30),
                super::MAX_RESULTS_BYTES as f64 / f64::from(1u32 << 30)
            ),
        }]));
    }
    check_factor_values(&plan)?;
    Ok(plan)
}

/// `path` as one spelling of its field in `tree` (the base scenario): a list entry named by
/// its `name` (`models.siloed`) is named by its place (`models.0`), as an override finds it.
fn canonical_path(tree: &serde_json::Value, path: &str) -> String {
    let mut node = Some(tree);
    let mut segments = Vec::new();
    for segment in path.trim().split('.') {
        let (spelled, next) = match node {
            Some(serde_json::Value::Array(items)) => {
                let index = match segment.parse::<usize>() {
                    Ok(index) => Some(index),
                    Err(_) => items.iter().position(|item| item.get("name").and_then(|n| n.as_str()) == Some(segment)),
                };
                match index {
                    Some(index) => (index.to_string(), items.get(index)),
                    None => (segment.to_string(), None),
                }
            }
            Some(serde_json::Value::Object(map)) => (segment.to_string(), map.get(segment)),
            _ => (segment.to_string(), None),
        };
        segments.push(spelled);
        node = next;
    }
    segments.join(".")
}

/// Tries every factor alone at its extreme values (a few of its levels), and a range that is
/// not rounded at a value between its ends that is not whole, so that a wrong path or an
/// impossible value is reported before anything runs. Combinations are checked when their
/// point runs.
fn check_factor_values(plan: &Plan) -> Result<()> {
    let mut problems = Vec::new();
    for (i, factor) in plan.factors.iter().enumerate() {
        let candidates: Vec<Value> = match &factor.values {
            FactorValues::Range { min, max, integer: false } => {
                // Whole ends (20 to 40) pass on a field that takes only whole numbers, but
                // the design samples between them; so one value that is not whole is tried
                // too: the middle, or just beside it when the middle is whole.
                let middle = (min + max) / 2.0;
                let between = if middle.fract() == 0.0 { middle + 0.5f64.min((max - min) / 4.0) } else { middle };
                vec![factor.at(0.0), factor.at(1.0), Value::Number(between)]
            }
            FactorValues::Range { integer: true, .. } => vec![factor.at(0.0), factor.at(1.0)],
            FactorValues::Levels(levels) if levels.len() <= MAX_LEVELS_CHECKED => levels.clone(),
            FactorValues::Levels(levels) => {
                let half = MAX_LEVELS_CHECKED / 2;
                levels[..half].iter().chain(&levels[levels.len() - half..]).cloned().collect()
            }
        };
        let load_at = |value: &Value| load_raw(&plan.label, plan.base_raw.clone(), &[format!("{}={}", factor.path, value.override_text())]);
        for value in candidates {
            if let Err(error) = load_at(&value) {
                let why = match error {
                    // A value that is not whole does not fit the field, and the same value
                    // rounded does: the field counts things, and the factor must be rounded.
                    Error::BadOverride { .. }
                        if matches!(factor.values, FactorValues::Range { integer: false, .. })
                            && matches!(value, Value::Number(x) if x.fract() != 0.0 && load_at(&Value::Number(x.round())).is_ok()) =>
                    {
                        let design = if let Design::Morris { .. } = plan.design { "Morris" } else { "LatinHypercube" };
                        format!(
                            "the field takes whole numbers only, and a {design} design samples values between min and max that are not whole; add `integer: true` to the factor to round them"
                        )
                    }
                    Error::BadOverride { message, .. } => message,
                    Error::Invalid { problems, .. } => problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "),
                    other => other.to_string(),
                };
                problems.push(Problem { path: format!("factors.{i}"), message: format!("at {} = {value}: {why}", factor.path) });
                break;
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::InvalidPlan { path: plan.label.clone(), problems }) }
}
