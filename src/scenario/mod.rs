//! Reading scenarios: RON text to raw serde types, `--set` overrides, then validation into
//! engine types.
//!
//! **Invariant:** only this module knows RON. Everything downstream sees `model::Scenario`.

pub mod plan;
pub mod presets;
pub mod raw;
mod validate;
pub use validate::MAX_REPLICATIONS;

use crate::error::{nearest, Error, Result};
use crate::model::Scenario;
pub use raw::RawScenario;
use ron::extensions::Extensions;
use std::path::Path;

/// The default county, built into the binary so `joinedup run` needs no file.
pub const DEFAULT_COUNTY_RON: &str = include_str!("../../scenarios/county.ron");
/// What error messages call the built-in scenario.
pub const DEFAULT_COUNTY_LABEL: &str = "<built-in county.ron>";

/// A scenario as read and overridden, before and after validation, with the text that
/// reproduces it.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub raw: RawScenario,
    pub scenario: Scenario,
}

impl LoadedScenario {
    /// The fully resolved scenario (after every `--set`) as RON, so a result can always be
    /// reproduced with `joinedup run <this file>`.
    pub fn resolved_ron(&self) -> String {
        to_ron(&self.raw)
    }
}

/// Serialises raw scenario types to pretty RON.
pub fn to_ron<T: serde::Serialize>(value: &T) -> String {
    let config = ron::ser::PrettyConfig::new().indentor("  ".to_string()).struct_names(false);
    ron_options().to_string_pretty(value, config).expect("raw scenario types always serialise")
}

fn ron_options() -> ron::Options {
    // Implicit `Some` lets planners write `slots_per_meeting: 5` instead of `Some(5)`.
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

/// Reads a scenario file (or the built-in county when `path` is `None`), applies overrides
/// and validates it.
pub fn load(path: Option<&Path>, overrides: &[String]) -> Result<LoadedScenario> {
    let (label, text) = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|source| Error::ReadScenario { path: path.to_path_buf(), source })?;
            (path.display().to_string(), text)
        }
        None => (DEFAULT_COUNTY_LABEL.to_string(), DEFAULT_COUNTY_RON.to_string()),
    };
    load_str(&label, &text, overrides)
}

/// Like [`load`], from text already in memory; `label` names it in error messages.
pub fn load_str(label: &str, text: &str, overrides: &[String]) -> Result<LoadedScenario> {
    let raw = parse(label, text)?;
    load_raw(label, raw, overrides)
}

/// Like [`load_str`], from a scenario already parsed (a sweep applies each design point's
/// overrides to its base scenario this way).
pub fn load_raw(label: &str, raw: RawScenario, overrides: &[String]) -> Result<LoadedScenario> {
    // Overrides of preset settings apply before presets are expanded; overrides of the units a
    // preset builds (e.g. `models.siloed.units.camhs.tiers`) can only apply after.
    let (before, after) = split_overrides(&raw, overrides);
    let mut raw = apply_overrides(raw, &before)?;
    presets::expand(&mut raw).map_err(|problems| Error::Invalid { path: label.to_string(), problems })?;
    let raw = apply_overrides(raw, &after)?;
    let scenario = validate::validate(&raw).map_err(|problems| Error::Invalid { path: label.to_string(), problems })?;
    Ok(LoadedScenario { raw, scenario })
}

/// Stage one: RON text to raw serde types, with syntax and unknown-field errors that name
/// the file, line and column and show the offending line.
pub fn parse<T: serde::de::DeserializeOwned>(label: &str, text: &str) -> Result<T> {
    ron_options().from_str(text).map_err(|error| {
        let line = error.span.start.line;
        let column = error.span.start.col;
        let snippet = text
            .lines()
            .nth(line.saturating_sub(1))
            .map(|source_line| {
                let caret = " ".repeat(column.saturating_sub(1)) + "^";
                format!("  {line:>4} | {source_line}\n       | {caret}")
            })
            .unwrap_or_default();
        Error::Syntax {
            path: label.to_string(),
            line,
            column,
            message: error.code.to_string(),
            snippet,
            hint: hint_for(&error.code),
        }
    })
}

fn hint_for(code: &ron::Error) -> String {
    match code {
        ron::Error::NoSuchStructField { expected, found, .. } => match nearest(found, expected.iter().copied()) {
            Some(name) => format!("did you mean `{name}`? Valid fields here: {}.", expected.join(", ")),
            None => format!("remove `{found}` or use one of: {}.", expected.join(", ")),
        },
        ron::Error::NoSuchEnumVariant { expected, found, .. } => match nearest(found, expected.iter().copied()) {
            Some(name) => format!("did you mean `{name}`? Valid choices here: {}.", expected.join(", ")),
            None => format!("use one of: {}.", expected.join(", ")),
        },
        ron::Error::MissingStructField { field, .. } => {
            format!("add the field `{field}` (see docs/scenarios.md for its meaning and unit).")
        }
        _ => "check the brackets, commas and quotes around this place; docs/scenarios.md shows the format.".into(),
    }
}

/// Applies `--set dotted.path=value` overrides to the raw scenario. Lists are addressed by
/// index or by the `name` of an element (`models.siloed.units.camhs.tiers=[3,4]`). An unknown
/// path is an error naming the nearest valid one.
pub fn apply_overrides(raw: RawScenario, overrides: &[String]) -> Result<RawScenario> {
    apply_overrides_to(raw, overrides, "docs/scenarios.md")
}

/// [`apply_overrides`] for any raw type (scenarios, sweep plans); `docs` names the page that
/// gives each field's type.
pub(crate) fn apply_overrides_to<T: serde::Serialize + serde::de::DeserializeOwned>(raw: T, overrides: &[String], docs: &str) -> Result<T> {
    if overrides.is_empty() {
        return Ok(raw);
    }
    let mut tree = serde_json::to_value(&raw).expect("raw types always serialise");
    for assignment in overrides {
        let bad = |message: String| Error::BadOverride { assignment: assignment.clone(), message };
        let (path, value_text) = assignment
            .split_once('=')
            .ok_or_else(|| bad("expected PATH=VALUE, for example run.replications=20".into()))?;
        let segments: Vec<&str> = path.trim().split('.').collect();
        let slot = locate(&mut tree, &segments).map_err(bad)?;
        *slot = parse_value(value_text.trim(), slot).map_err(bad)?;
    }
    serde_json::from_value(tree).map_err(|error| Error::BadOverride {
        assignment: overrides.join(" "),
        message: format!("the value does not fit the field: {error}. {docs} gives each field's type."),
    })
}

/// Splits overrides into those whose path exists in `raw` as written and the rest.
fn split_overrides(raw: &RawScenario, overrides: &[String]) -> (Vec<String>, Vec<String>) {
    if overrides.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let tree = serde_json::to_value(raw).expect("raw scenario types always serialise");
    overrides.iter().cloned().partition(|assignment| match assignment.split_once('=') {
        Some((path, _)) => {
            let segments: Vec<&str> = path.trim().split('.').collect();
            locate(&mut tree.clone(), &segments).is_ok()
        }
        None => true,
    })
}

fn locate<'a>(tree: &'a mut serde_json::Value, segments: &[&str]) -> std::result::Result<&'a mut serde_json::Value, String> {
    let mut node = tree;
    let mut walked: Vec<&str> = Vec::new();
    for segment in segments {
        let here = if walked.is_empty() { "the top level".to_string() } else { format!("`{}`", walked.join(".")) };
        node = match node {
            serde_json::Value::Object(map) => {
                if !map.contains_key(*segment) {
                    let keys: Vec<String> = map.keys().cloned().collect();
                    let suggestion = match nearest(segment, keys.iter().map(String::as_str)) {
                        Some(name) => format!("did you mean `{}`?", join_path(&walked, name)),
                        None => format!("valid names here: {}.", keys.join(", ")),
                    };
                    return Err(format!("there is no `{segment}` in {here}; {suggestion}"));
                }
                map.get_mut(*segment).expect("checked above")
            }
            serde_json::Value::Array(items) => {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|item| item.get("name").and_then(|n| n.as_str()).map(String::from))
                    .collect();
                let index = match segment.parse::<usize>() {
                    Ok(index) if index < items.len() => index,
                    Ok(index) => return Err(format!("{here} has {} entries; index {index} is past the end", items.len())),
                    Err(_) => match names.iter().position(|n| n == segment) {
                        Some(index) => index,
                        None => {
                            let suggestion = match nearest(segment, names.iter().map(String::as_str)) {
                                Some(name) => format!("did you mean `{}`?", join_path(&walked, name)),
                                None if items.is_empty() => "the list is empty.".to_string(),
                                None => format!("use an index 0-{} or one of the names: {}.", items.len() - 1, names.join(", ")),
                            };
                            return Err(format!("{here} has no entry named `{segment}`; {suggestion}"));
                        }
                    },
                };
                &mut items[index]
            }
            _ => return Err(format!("{here} is a single value, so it has no `{segment}` inside it")),
        };
        walked.push(segment);
    }
    Ok(node)
}

fn join_path(walked: &[&str], last: &str) -> String {
    walked.iter().copied().chain(std::iter::once(last)).collect::<Vec<_>>().join(".")
}

/// Reads an override's value: RON/JSON syntax where it parses (numbers, lists, `true`),
/// otherwise a bare word is taken as text (names and unit enum choices).
fn parse_value(text: &str, current: &serde_json::Value) -> std::result::Result<serde_json::Value, String> {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        return Ok(value);
    }
    // A bare word (`siloed`, `Continuous`) is a name or a choice, which RON would read as `()`.
    let bare_word = !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if bare_word && !matches!(current, serde_json::Value::Number(_) | serde_json::Value::Bool(_)) {
        return Ok(serde_json::Value::String(text.to_string()));
    }
    if let Ok(value) = ron::from_str::<serde_json::Value>(text)
        && !value.is_null()
    {
        return Ok(value);
    }
    match current {
        serde_json::Value::String(_) | serde_json::Value::Null => Ok(serde_json::Value::String(text.to_string())),
        _ => Err(format!("`{text}` is not a value this field can hold (it currently holds {current})")),
    }
}

/// The text of the built-in default county.
pub fn default_county() -> Result<LoadedScenario> {
    load(None, &[])
}
