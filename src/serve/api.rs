//! What the workbench's JSON API says and accepts: the scenario catalogue with the levers each
//! scenario offers, and the request that names a scenario, the models to compare and the
//! `--set` overrides to apply.
//!
//! **Invariant:** a request is turned into a scenario by exactly the command line's steps
//! (`scenario::parse`, then `scenario::load_raw` with the overrides), so what validates, what
//! is refused and the words of every message are the command line's. The one step the command
//! line lacks, choosing some of the models, happens before the overrides, on the scenario as
//! written.

use super::paths::Folder;
use crate::error::{Error, Result, nearest};
use crate::metrics::METRICS;
use crate::report::compare::words_for;
use crate::scenario::plan::RawPlan;
use crate::scenario::presets::PRESETS;
use crate::scenario::raw::{RawAllocation, RawConditions, RawModel, RawScenario, RawScope, RawStaff};
use crate::scenario::{self, DEFAULT_COUNTY_LABEL, DEFAULT_COUNTY_RON, LoadedScenario};
use serde::Deserialize;
use serde_json::{Value, json};

/// The id of the built-in default county in requests (file ids always end in `.ron`).
pub const BUILT_IN: &str = "county";

/// A scenario, the models to compare and the overrides: the body of `POST /api/run`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// `county` for the built-in county, or a file in the scenarios folder (`councils/essex.ron`).
    pub scenario: String,
    /// The models to run, by name and in this order (the first is the baseline, as in a sweep
    /// plan's `models`); all of them, in the scenario's order, when absent.
    #[serde(default)]
    pub models: Option<Vec<String>>,
    /// Overrides exactly as `--set` takes them: `PATH=VALUE`.
    #[serde(default)]
    pub set: Vec<String>,
    /// Answer when the run has finished, with `summary.json` (the default), or at once, with
    /// the run's id to poll.
    #[serde(default = "yes")]
    pub wait: bool,
}

/// The body of `POST /api/scenario`: the same choice as a run, and where to save it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRequest {
    pub scenario: String,
    #[serde(default)]
    pub models: Option<Vec<String>>,
    #[serde(default)]
    pub set: Vec<String>,
    /// A file name for the scenarios folder (`more_social_workers`); absent to only return the text.
    #[serde(default)]
    pub save_as: Option<String>,
    /// Replace a file already saved under that name.
    #[serde(default)]
    pub overwrite: bool,
}

fn yes() -> bool {
    true
}

/// Reads a request body, with a message that says what was expected.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|error| Error::BadArgument {
        option: "request".into(),
        message: format!("the request body is not what the workbench expects ({error}); docs/workbench.md shows every request"),
    })
}

/// A scenario's text and how the command line would name it.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    /// What error messages call it: the path the command line would be given, or the
    /// built-in county's label.
    pub label: String,
    pub text: String,
    /// The argument `joinedup run` takes for it (`None` for the built-in county).
    pub path_argument: Option<String>,
}

/// The scenario a request names: the built-in county or a file inside the scenarios folder.
pub fn source(scenarios: &Folder, id: &str) -> Result<Source> {
    if id == BUILT_IN {
        return Ok(Source { id: id.into(), label: DEFAULT_COUNTY_LABEL.into(), text: DEFAULT_COUNTY_RON.into(), path_argument: None });
    }
    let path = scenarios.existing(id)?;
    if !id.ends_with(".ron") || !path.is_file() {
        return Err(Error::NotFound {
            what: "scenario",
            name: id.into(),
            hint: format!("name `{BUILT_IN}` or a .ron file in the scenarios folder, as GET /api/scenarios lists them."),
        });
    }
    let text = crate::scenario::read_text(&path).map_err(|source| Error::ReadScenario { path: path.clone(), source })?;
    let shown = scenarios.shown().join(id).display().to_string();
    Ok(Source { id: id.into(), label: shown.clone(), text, path_argument: Some(shown) })
}

/// The scenario as written, with only the chosen models, in the order chosen.
pub fn raw_with_models(source: &Source, models: Option<&[String]>) -> Result<RawScenario> {
    let mut raw: RawScenario = scenario::parse(&source.label, &source.text)?;
    if let Some(chosen) = models {
        let names: Vec<String> = raw.models.iter().map(|m| m.name.clone()).collect();
        if chosen.is_empty() {
            return Err(Error::BadArgument { option: "models".into(), message: "choose at least one model to run".into() });
        }
        let mut models = Vec::with_capacity(chosen.len());
        for name in chosen {
            let Some(model) = raw.models.iter().find(|m| &m.name == name) else {
                let hint = match nearest(name, names.iter().map(String::as_str)) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the models are: {}.", names.join(", ")),
                };
                return Err(Error::BadArgument {
                    option: "models".into(),
                    message: format!("scenario `{}` has no model `{name}`; {hint}", raw.name),
                });
            };
            if models.iter().any(|m: &RawModel| &m.name == name) {
                return Err(Error::BadArgument { option: "models".into(), message: format!("`{name}` is chosen twice") });
            }
            models.push(model.clone());
        }
        raw.models = models;
    }
    Ok(raw)
}

/// Loads the scenario a request describes, through the command line's own steps.
pub fn load(source: &Source, models: Option<&[String]>, overrides: &[String]) -> Result<LoadedScenario> {
    let raw = raw_with_models(source, models)?;
    scenario::load_raw(&source.label, raw, overrides)
}

/// Whether `models` changes the scenario's list of models, leaving some out or reordering
/// them (the command line cannot).
pub fn chooses_differently(source: &Source, models: Option<&[String]>) -> Result<bool> {
    let Some(chosen) = models else {
        return Ok(false);
    };
    let raw: RawScenario = scenario::parse(&source.label, &source.text)?;
    Ok(!raw.models.iter().map(|m| &m.name).eq(chosen.iter()))
}

/// The `joinedup run` arguments that give the same results, when the command line can say it
/// (every model chosen).
pub fn command_arguments(source: &Source, overrides: &[String]) -> Vec<String> {
    let mut arguments = vec!["run".to_string()];
    arguments.extend(source.path_argument.clone());
    for assignment in overrides {
        arguments.push("--set".into());
        arguments.push(assignment.clone());
    }
    arguments
}

/// The text to save for a request: the scenario as written with the overrides applied, so
/// its presets stay presets and the workbench can offer their levers again; or, when an
/// override reaches into the units a preset builds, the fully resolved scenario. Either
/// runs to the same results.
pub fn scenario_text(source: &Source, models: Option<&[String]>, overrides: &[String]) -> Result<(String, bool)> {
    let loaded = load(source, models, overrides)?;
    let raw = raw_with_models(source, models)?;
    Ok(match scenario::apply_overrides(raw, overrides) {
        Ok(written) => (scenario::to_ron(&written), false),
        Err(_) => (loaded.resolved_ron(), true),
    })
}

/// The condition names in the order `RawConditions` lists them (`n_conditions` counts in this
/// order). JSON maps here are sorted, so the order is read off the serialised text, which
/// serde writes field by field.
fn condition_names() -> Vec<String> {
    let text = serde_json::to_string(&RawConditions::default()).expect("conditions serialise");
    text.trim_matches(['{', '}'])
        .split(',')
        .filter_map(|pair| pair.split_once(':').map(|(key, _)| key.trim_matches('"').to_string()))
        .collect()
}

fn staff_json(staff: &[RawStaff]) -> Value {
    Value::Array(
        staff
            .iter()
            .map(|s| json!({"profession": s.profession, "n_practitioners": s.n_practitioners, "by_locality": s.by_locality}))
            .collect(),
    )
}

fn scope_name(scope: RawScope) -> &'static str {
    match scope {
        RawScope::Locality => "Locality",
        RawScope::BoroughWide => "BoroughWide",
    }
}

fn model_json(model: &RawModel, expanded: Option<&RawModel>) -> Value {
    let conditions = serde_json::to_value(&model.collaboration.conditions).expect("conditions serialise");
    let has_panel = expanded.is_some_and(|m| m.units.iter().any(|u| matches!(u.allocation, RawAllocation::Panel { .. })));
    let units: Vec<Value> = if model.preset.is_some() {
        Vec::new()
    } else {
        model
            .units
            .iter()
            .map(|u| json!({"name": u.name, "scope": scope_name(u.scope), "localities": u.localities, "staff": staff_json(&u.staff)}))
            .collect()
    };
    json!({
        "name": model.name,
        "description": if model.description.is_empty() { expanded.map_or("", |m| m.description.as_str()) } else { model.description.as_str() },
        "preset": model.preset.as_ref().map(|p| json!({
            "name": p.name,
            "panel_cadence_days": p.panel_cadence_days,
            "panel_attendance": p.panel_attendance,
        })),
        "has_panel": has_panel,
        "restructure": model.restructure.as_ref().map(|r| json!({
            "day": r.day,
            "to": r.to.name,
            "localities": r.localities,
        })),
        "conditions": conditions,
        "n_conditions": model.collaboration.n_conditions,
        "units": units,
    })
}

/// One scenario in the catalogue: what it is and every lever the page offers for it, read
/// from the scenario as written (before presets are expanded), and whether it validates.
fn describe(source: &Source) -> Option<Value> {
    let raw: RawScenario = match scenario::parse(&source.label, &source.text) {
        Ok(raw) => raw,
        // A sweep plan lives beside the scenarios but is not one.
        Err(_) if scenario::parse::<RawPlan>(&source.label, &source.text).is_ok() => return None,
        Err(error) => {
            return Some(json!({"id": source.id, "file": source.path_argument, "name": source.id, "error": error.to_string()}));
        }
    };
    let loaded = scenario::load_raw(&source.label, raw.clone(), &[]);
    let (error, expanded) = match &loaded {
        Ok(loaded) => (None, Some(&loaded.raw)),
        Err(error) => (Some(error.to_string()), None),
    };
    let models: Vec<Value> =
        raw.models.iter().map(|m| model_json(m, expanded.and_then(|e| e.models.iter().find(|x| x.name == m.name)))).collect();
    let services: Vec<Value> = raw
        .workforce
        .services
        .iter()
        .map(|s| json!({"name": s.name, "scope": scope_name(s.scope), "staff": staff_json(&s.staff)}))
        .collect();
    Some(json!({
        "id": source.id,
        "file": source.path_argument,
        "name": raw.name,
        "description": raw.description,
        "error": error,
        "localities": raw.population.localities.iter().map(|l| l.name.clone()).collect::<Vec<_>>(),
        // How many times a locality unit's written (average) staffing each locality gets, so
        // the page shows the counts the engine will use.
        "locality_scales": scenario::locality_scales(&raw.population.localities),
        "population": {
            "n_families": raw.population.n_families,
            "presentations_per_family_year": raw.population.presentations_per_family_year,
        },
        "run": {
            "replications": raw.run.replications,
            "horizon_days": raw.run.horizon_days,
            "warmup_days": raw.run.warmup_days,
            "seed": raw.run.seed,
        },
        "services": services,
        "models": models,
    }))
}

/// `GET /api/scenarios`: the built-in county, then every scenario file in the folder (sweep
/// plans left out; a file that does not load is listed with its error), the presets a
/// restructure can switch to, the conditions for collaborative advantage and the metrics.
pub fn catalogue(scenarios: &Folder) -> Value {
    let mut listed = Vec::new();
    let built_in = source(scenarios, BUILT_IN).expect("the built-in county is always there");
    listed.extend(describe(&built_in));
    for id in scenarios.ron_files() {
        match source(scenarios, &id) {
            Ok(source) => listed.extend(describe(&source)),
            Err(error) => listed.push(json!({"id": id, "name": id, "error": error.to_string()})),
        }
    }
    let metrics: Vec<Value> = METRICS
        .iter()
        .enumerate()
        .map(|(m, def)| {
            let words = words_for(m);
            json!({"name": def.name, "title": words.title, "unit": def.unit, "lower_is_better": def.lower_is_better, "neutral": words.neutral})
        })
        .collect();
    json!({
        "scenarios": listed,
        "scenarios_folder": scenarios.shown().display().to_string(),
        "presets": PRESETS.iter().map(|(name, description)| json!({"name": name, "description": description})).collect::<Vec<_>>(),
        "conditions": condition_names(),
        "metrics": metrics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_names_follow_the_struct_order() {
        let names = condition_names();
        assert_eq!(names.len(), 16);
        assert_eq!(names[0], "clearly_bounded_localities");
        assert_eq!(names[15], "adequate_resourcing");
    }

    #[test]
    fn choosing_models_takes_the_order_chosen_and_names_typos() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open("scenarios", dir.path()).unwrap();
        let county = source(&folder, BUILT_IN).unwrap();
        let chosen = ["panel".to_string(), "siloed".to_string()];
        let raw = raw_with_models(&county, Some(&chosen)).unwrap();
        assert_eq!(raw.models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["panel", "siloed"]);
        assert!(raw_with_models(&county, Some(&["panel".to_string(), "panel".to_string()])).is_err());
        let error = raw_with_models(&county, Some(&["panell".to_string()])).unwrap_err().to_string();
        assert!(error.contains("did you mean `panel`?"), "{error}");
        assert!(chooses_differently(&county, Some(&chosen)).unwrap());
        assert!(!chooses_differently(&county, None).unwrap());
    }
}
