//! Reading scenarios: RON text to raw serde types, `--set` overrides, then validation into
//! engine types.
//!
//! **Invariant:** only this module knows RON. Everything downstream sees `model::Scenario`.

pub mod plan;
pub mod presets;
pub mod raw;
mod validate;
pub use validate::{MAX_REPLICATIONS, MAX_RESULTS_BYTES, locality_scales, results_memory_bytes};

use crate::error::{Error, Problem, Result, nearest};
use crate::model::Scenario;
pub use raw::RawScenario;
use ron::extensions::Extensions;
use std::path::Path;

/// The largest scenario or plan file read (64 MiB); England's scenario, 150 authorities, is
/// 17 KiB.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

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
            let text = read_text(path).map_err(|source| Error::ReadScenario { path: path.to_path_buf(), source })?;
            (path.display().to_string(), text)
        }
        None => (DEFAULT_COUNTY_LABEL.to_string(), DEFAULT_COUNTY_RON.to_string()),
    };
    load_str(&label, &text, overrides)
}

/// Reads a text file, saying in plain words when it is not UTF-8 text (a file saved by a
/// spreadsheet or word processor in another encoding), which `read_to_string` calls only
/// "invalid data".
pub(crate) fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    // Read at most one byte past the limit: `/dev/zero`, a pipe or a huge file given by
    // mistake is refused instead of filling memory.
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is larger than {} MiB, far more than any scenario or plan needs (the default county is {} KiB); check it is the right file",
                MAX_INPUT_BYTES >> 20,
                DEFAULT_COUNTY_RON.len() >> 10
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        let line = error.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (the first character that is not is on line {line}); save it from your editor as plain UTF-8 text"
            ),
        )
    })
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
    let preset_models: Vec<String> = raw.models.iter().filter(|m| m.preset.is_some()).map(|m| m.name.clone()).collect();
    let mut problems = presets::expand(&mut raw).err().unwrap_or_default();
    // A preset that could not be built keeps its `preset` (expansion clears it): its model
    // has no units, which is not a further problem worth reporting.
    let unbuilt: Vec<String> = raw.models.iter().filter(|m| m.preset.is_some()).map(|m| m.name.clone()).collect();
    let raw = apply_overrides(raw, &after)?;
    match validate::validate(&raw) {
        Ok(scenario) if problems.is_empty() => return Ok(LoadedScenario { raw, scenario }),
        Ok(_) => {}
        Err(found) => problems.extend(found),
    }
    let keep: Vec<bool> = problems.iter().map(|p| !derived_from_preset(p, &problems, &preset_models, &unbuilt)).collect();
    let mut problems: Vec<Problem> = problems.into_iter().zip(keep).filter(|(_, keep)| *keep).map(|(p, _)| p).collect();
    // A preset's units are built from the county's services, so a locality left without
    // anyone able to take a need is mended in the services' `by_locality`, which the planner
    // wrote, not in a unit the planner never saw.
    for problem in &mut problems {
        let built_by = preset_models.iter().find(|model| problem.path.starts_with(&format!("models.{model}.units.")));
        if let Some(model) = built_by
            && problem.path.ends_with(".staff")
            && problem.message.contains("by_locality")
        {
            problem.message.push_str(&format!(
                ". Model `{model}` is built by a preset from the county's services: change the counts in `workforce.services.<service>.staff.<n>.by_locality`"
            ));
        }
    }
    Err(Error::Invalid { path: label.to_string(), problems })
}

/// Whether a problem of a unit that a preset built only repeats one already reported where
/// the planner can fix it: in the preset's settings or the county's services it was built
/// from (the checks use the same words), or a model whose preset could not be built at all.
fn derived_from_preset(problem: &Problem, all: &[Problem], preset_models: &[String], unbuilt: &[String]) -> bool {
    let in_units = |p: &Problem, model: &str| {
        let units = format!("models.{model}.units");
        p.path == units || p.path.starts_with(&format!("{units}."))
    };
    // With a problem in the county's services, whether the structures built from them give
    // every need somewhere to go cannot be judged until it is fixed.
    let services_broken = all.iter().any(|u| u.path.starts_with("workforce.services."));
    preset_models.iter().any(|model| {
        in_units(problem, model)
            && (unbuilt.contains(model)
                || services_broken && problem.path == format!("models.{model}.units")
                || all.iter().any(|u| {
                    (u.path.starts_with("workforce.services.") || u.path.starts_with(&format!("models.{model}.")))
                        && !in_units(u, model)
                        && u.message == problem.message
                }))
    })
}

/// Characters shown on each side of an error's column in the excerpt of its line.
const SNIPPET_CONTEXT_CHARS: usize = 60;

/// Stage one: RON text to raw serde types, with syntax and unknown-field errors that name
/// the file, line and column and show the offending line.
pub fn parse<T: serde::de::DeserializeOwned>(label: &str, text: &str) -> Result<T> {
    // Windows editors (Notepad, Excel's "Unicode text") start UTF-8 files with a byte-order
    // mark, which is not RON; it is invisible to the planner, so it is not an error either.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    ron_options().from_str(text).map_err(|error| {
        let n_lines = text.lines().count();
        // An error at the very end (an unclosed bracket) is reported past the last line;
        // showing the last line is more use than showing nothing.
        let line = error.span.start.line.clamp(1, n_lines.max(1));
        let column = if line == error.span.start.line { error.span.start.col.max(1) } else { text.lines().last().map_or(1, |l| l.chars().count() + 1) };
        let source_line = text.lines().nth(line - 1).unwrap_or("");
        let snippet = if text.is_empty() {
            "       | (the file is empty)".to_string()
        } else {
            // Tabs are shown as single spaces so the caret lines up with the column. A long
            // line (a file written by a program on one line) is shown only around the column,
            // so one error does not print megabytes.
            let chars: Vec<char> = source_line.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
            let from = column.saturating_sub(1).saturating_sub(SNIPPET_CONTEXT_CHARS).min(chars.len());
            let to = (column + SNIPPET_CONTEXT_CHARS).min(chars.len()).max(from);
            let (before, after) = (if from > 0 { "..." } else { "" }, if to < chars.len() { "..." } else { "" });
            let shown: String = chars[from..to].iter().collect();
            let caret = " ".repeat(before.len() + column.saturating_sub(1) - from) + "^";
            format!("  {line:>4} | {before}{shown}{after}\n       | {caret}")
        };
        let mut hint = hint_for(&error.code);
        let mut message = planner_message(&error.code);
        // `n_families: 1000.5`: the parser reads a whole number, then stops at the point.
        let at: Vec<char> = source_line.chars().collect();
        if column >= 2 && at.get(column - 1) == Some(&'.') && at.get(column - 2).is_some_and(char::is_ascii_digit) {
            message = "this field takes a whole number, without a decimal point".into();
            hint = "write a whole number here (for example 1000 rather than 1000.5).".into();
        }
        if source_line.contains(['\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}']) {
            hint = "this line has curly quotes (\u{201c} \u{201d}), which word processors put in; RON needs straight double quotes (\") around text.".into();
        }
        Error::Syntax { path: label.to_string(), line, column, message, snippet, hint }
    })
}

/// The parser's message in a planner's words: field and section names as they appear in the
/// file, value types as "a number" or "a list", never the Rust type behind them.
fn planner_message(code: &ron::Error) -> String {
    let place = |outer: &Option<String>| match outer {
        Some(name) => format!(" in `{}`", section_name(name)),
        None => String::new(),
    };
    match code {
        ron::Error::NoSuchStructField { found, outer, .. } => format!("there is no field `{found}`{}", place(outer)),
        ron::Error::NoSuchEnumVariant { found, outer, .. } => format!("`{found}` is not one of the choices{}", place(outer)),
        ron::Error::MissingStructField { field, outer } => format!("the field `{field}` is missing{}", place(outer)),
        ron::Error::DuplicateStructField { field, outer } => format!("the field `{field}` is given twice{}", place(outer)),
        ron::Error::InvalidValueForType { expected, found } => {
            format!("expected {} but found {}", plain_types(expected), plain_types(found))
        }
        ron::Error::IntegerOutOfBounds => "this whole number is too large, or negative where only 0 and above make sense".into(),
        ron::Error::ExpectedFloat | ron::Error::ExpectedInteger => "expected a number here".into(),
        ron::Error::ExpectedString | ron::Error::ExpectedStringEnd => "expected text in straight double quotes (\"...\") here".into(),
        ron::Error::Eof => "the file ends before every bracket is closed".into(),
        ron::Error::ExpectedNamedStructLike(name) => format!("expected `(` to open `{}` here", section_name(name)),
        ron::Error::ExceededRecursionLimit => {
            "brackets are nested too deeply here; no scenario or plan nests more than a few levels".into()
        }
        ron::Error::ExpectedIdentifier => "expected a field name here (two commas in a row, or a comma before the first field?)".into(),
        ron::Error::TrailingCharacters => "there is more after the file's last closing bracket; delete it, or move it inside".into(),
        other => plain_types(&other.to_string()),
    }
}

/// A section's name as the file writes it: `RawHiddenNeed` is `hidden_need`; an enum
/// variant such as `Panel` keeps its name.
fn section_name(rust_name: &str) -> String {
    let Some(rest) = rust_name.strip_prefix("Raw") else { return rust_name.to_string() };
    let mut out = String::new();
    for (i, c) in rest.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Replaces the Rust type names that serde and RON put in their messages with what a
/// planner would call them.
pub(crate) fn plain_types(text: &str) -> String {
    // serde says "floating point `10.5`": one phrase, which word by word would read "a number
    // point".
    let text = text.replace("floating point", "the number");
    let mut out = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let (core, tail) = match word.find(|c: char| [',', '.', ';', ')'].contains(&c)) {
            Some(at) => word.split_at(at),
            None => (word, ""),
        };
        let bare = core.trim_matches('`');
        let plain = match bare {
            "f64" | "f32" | "floating" => "a number".to_string(),
            "u8" => "a whole number from 0 to 255".to_string(),
            "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)".to_string(),
            "i32" | "i64" | "integer" => "a whole number".to_string(),
            _ if bare.starts_with("Raw") => format!("`{}`", section_name(bare)),
            _ => core.to_string(),
        };
        out.push_str(&plain);
        out.push_str(tail);
    }
    out.replace("struct `", "a section `").replace("enum `", "a choice of `").replace("a sequence", "a list [...]")
}

fn hint_for(code: &ron::Error) -> String {
    match code {
        // A plan given where a scenario belongs, or the other way round: "did you mean" a
        // field of the wrong kind of file would send the planner the wrong way.
        ron::Error::NoSuchStructField { found, outer: Some(outer), .. }
            if outer == "RawScenario" && ["factors", "design", "scenario"].contains(&found.as_str()) =>
        {
            format!("this file has `{found}`, so it looks like a sweep plan: run it with `joinedup sweep FILE` (docs/sweeps.md).")
        }
        ron::Error::NoSuchStructField { found, outer: Some(outer), .. }
            if outer == "RawPlan" && ["population", "workforce", "run", "calibration"].contains(&found.as_str()) =>
        {
            format!(
                "this file has `{found}`, so it looks like a scenario: run it with `joinedup run FILE`, or name it in a plan's `scenario` (docs/sweeps.md)."
            )
        }
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
        ron::Error::DuplicateStructField { field, .. } => format!("keep one `{field}` and delete the other."),
        ron::Error::IntegerOutOfBounds => {
            "give a whole number of 0 or more, without a sign or decimal point, within the field's limit (docs/scenarios.md).".into()
        }
        ron::Error::ExpectedFloat | ron::Error::ExpectedInteger => {
            "write a plain number such as 12 or 0.5: no quotes, units, percent signs or thousands separators.".into()
        }
        ron::Error::Eof => {
            "the file ends too early: every `(` and `[` needs its closing `)` or `]`; look for the one left open above.".into()
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
        let (path, value_text) =
            assignment.split_once('=').ok_or_else(|| bad("expected PATH=VALUE, for example run.replications=20".into()))?;
        let segments: Vec<&str> = path.trim().split('.').collect();
        let mut changed = tree.clone();
        // A path that is not in the tree may still name an entry of a map, or a field left
        // out of the tree while empty (a staff entry's `by_locality`): it is added, and kept
        // only if the scenario then reads back. A typo is still reported as one.
        let missing = match locate(&mut changed, &segments) {
            Ok(_) => None,
            Err(message) => match open_path(&mut changed, &segments) {
                Some(added_at) => Some((message, added_at)),
                None => return Err(bad(message)),
            },
        };
        let slot = locate(&mut changed, &segments).expect("the path exists now");
        let candidates = parse_value(value_text.trim(), slot).map_err(bad)?;
        // Checked after each assignment, so the error names the one that does not fit. RON
        // text can be read more than one way (a name before brackets is a choice with data
        // or a struct's optional name): the first reading that fits is kept, and if none
        // does, the first reading's error is reported. Each reading is put into the tree as it
        // was before this assignment: a reading that renames the entry the path found by name
        // (`units.social_care=...` read with its name lost) must not hide it from the next.
        let before = changed;
        changed = before.clone();
        let mut first_error = None;
        for candidate in candidates {
            let mut attempt = before.clone();
            let given = candidate.clone();
            *locate(&mut attempt, &segments).expect("the path exists in the tree as it was") = candidate;
            match serde_json::from_value::<T>(attempt.clone()) {
                Ok(read) => {
                    // A struct written whole takes defaults for the fields it leaves out, not
                    // their current values: `run=(seed: 3)` would also put the horizon back to
                    // its default, silently. Refused, naming what would be lost.
                    let mut resolved = serde_json::to_value(&read).expect("raw types always serialise");
                    let mut old_tree = before.clone();
                    if let (Ok(old), Ok(new)) = (locate(&mut old_tree, &segments), locate(&mut resolved, &segments)) {
                        let mut lost = Vec::new();
                        fields_reset(old, &given, new, path.trim(), &mut lost);
                        if !lost.is_empty() {
                            return Err(bad(fields_reset_message(path.trim(), &given, &lost)));
                        }
                    }
                    changed = attempt;
                    first_error = None;
                    break;
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if let Some(error) = first_error {
            let error = error.to_string();
            return Err(match &missing {
                // The name was wrong, not the value: say so as for any other unknown name.
                Some((message, added_at)) if NAME_NOT_KNOWN.iter().any(|words| error.contains(words)) => {
                    bad(suggest_field(&segments, *added_at, &error).unwrap_or_else(|| message.clone()))
                }
                _ => bad(format!("the value does not fit the field: {}. {docs} gives each field's type.", plain_types(&error))),
            });
        }
        tree = changed;
    }
    Ok(serde_json::from_value(tree).expect("checked after the last assignment"))
}

/// Fields a struct value written whole (`given`) leaves out whose value after reading
/// (`resolved`, with defaults filled in) differs from the one they had (`old`), as (dotted
/// path, old value, new value), looking inside nested structs written whole too. Keys that are
/// absent after reading are not counted: they are a map's entries (a map written whole
/// replaces the map, as documented) or another choice of an enum (`Panel` → `TeamLeader`).
fn fields_reset(
    old: &serde_json::Value,
    given: &serde_json::Value,
    resolved: &serde_json::Value,
    path: &str,
    lost: &mut Vec<(String, serde_json::Value, serde_json::Value)>,
) {
    let (Some(old), Some(given), Some(resolved)) = (old.as_object(), given.as_object(), resolved.as_object()) else { return };
    for (key, old_value) in old {
        let Some(new_value) = resolved.get(key) else { continue };
        match given.get(key) {
            None if new_value != old_value => lost.push((format!("{path}.{key}"), old_value.clone(), new_value.clone())),
            None => {}
            Some(given_value) => fields_reset(old_value, given_value, new_value, &format!("{path}.{key}"), lost),
        }
    }
}

/// The message for [`fields_reset`]: which fields would be reset, and the two ways to say
/// what was meant.
fn fields_reset_message(path: &str, given: &serde_json::Value, lost: &[(String, serde_json::Value, serde_json::Value)]) -> String {
    const SHOWN: usize = 4;
    let named: Vec<String> = lost.iter().take(SHOWN).map(|(field, old, new)| format!("`{field}` (now {old}, default {new})")).collect();
    let more = if lost.len() > SHOWN { format!(" and {} more", lost.len() - SHOWN) } else { String::new() };
    // One of the fields the value did write, as the way to set a field alone.
    let example = given
        .as_object()
        .and_then(|fields| fields.iter().find(|(_, value)| !value.is_object() && !value.is_array()))
        .map(|(key, value)| format!(" (`--set {path}.{key}={value}`)"))
        .unwrap_or_default();
    format!(
        "a value written whole takes the defaults for the fields it leaves out, not their current values, so this would also reset {}{more}. To change only the fields you wrote, set each by its own path{example}; to reset the others too, write them in the value.",
        named.join(", ")
    )
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
            let mut tree = tree.clone();
            locate(&mut tree, &segments).is_ok() || open_path(&mut tree, &segments).is_some()
        }
        None => true,
    })
}

/// What serde says when a key added by [`open_path`] is not a name the type knows (a struct
/// field, or an enum choice), as opposed to a value of the wrong type.
const NAME_NOT_KNOWN: &[&str] = &["unknown field", "unknown variant", "map with a single key"];

/// Adds the keys of `segments` missing from objects along the path (empty objects on the
/// way, null at the end), so an override can add an entry to a map (`by_locality.north`) or
/// set a field the tree leaves out while it is empty. Returns the position of the first key
/// added; `None`, leaving the tree as it was, when the path goes through a list entry or a
/// single value that is not there: those are never added.
fn open_path(tree: &mut serde_json::Value, segments: &[&str]) -> Option<usize> {
    let mut node = tree;
    let mut added_at = None;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        node = match node {
            serde_json::Value::Object(map) => {
                if !map.contains_key(*segment) {
                    added_at.get_or_insert(i);
                }
                map.entry(segment.to_string())
                    .or_insert_with(|| if last { serde_json::Value::Null } else { serde_json::Value::Object(Default::default()) })
            }
            serde_json::Value::Array(items) => {
                let found = match segment.parse::<usize>() {
                    Ok(index) => (index < items.len()).then_some(index),
                    Err(_) => items.iter().position(|item| item.get("name").and_then(|n| n.as_str()) == Some(*segment)),
                };
                // Nothing has been added before a list: keys are only added below the first.
                match found {
                    Some(index) => &mut items[index],
                    None => return None,
                }
            }
            _ => return None,
        };
    }
    added_at
}

/// For a field name serde does not know (`by_localty`), the nearest of the names it lists,
/// which include fields the tree leaves out while empty: "did you mean `...by_locality`?".
fn suggest_field(segments: &[&str], added_at: usize, error: &str) -> Option<String> {
    let wrong = segments.get(added_at)?;
    if !error.contains(&format!("unknown field `{wrong}`")) {
        return None;
    }
    let (_, expected) = error.split_once("expected")?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let close = nearest(wrong, names.iter().copied())?;
    let walked = &segments[..added_at];
    let here = if walked.is_empty() { "the top level".to_string() } else { format!("`{}`", walked.join(".")) };
    Some(format!("there is no `{wrong}` in {here}; did you mean `{}`?", join_path(walked, close)))
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
                let names: Vec<String> =
                    items.iter().filter_map(|item| item.get("name").and_then(|n| n.as_str()).map(String::from)).collect();
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
/// otherwise a bare word is taken as text (names and unit enum choices). Returns the
/// readings to try in order: RON text with names before brackets has one for each way of
/// taking each name as a choice or as a struct's name (see [`MAX_NAMES_READ_BOTH_WAYS`]).
fn parse_value(text: &str, current: &serde_json::Value) -> std::result::Result<Vec<serde_json::Value>, String> {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        return Ok(vec![value]);
    }
    // A bare word (`siloed`, `Continuous`) is a name or a choice, which RON would read as `()`;
    // but `None`, as in a RON file, clears an optional value (unless the field holds text,
    // where it may be a name).
    let bare_word = !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if let Ok(x) = text.parse::<f64>()
        && !x.is_finite()
        && !current.is_string()
    {
        return Err(format!("`{text}` is not a finite number; give an ordinary number such as 365.25"));
    }
    if text == "None" && !current.is_string() {
        return Ok(vec![serde_json::Value::Null]);
    }
    if bare_word && !matches!(current, serde_json::Value::Number(_) | serde_json::Value::Bool(_)) {
        return Ok(vec![serde_json::Value::String(text.to_string())]);
    }
    // RON's own conversion to a tree drops the names of choices (`Fixed` inside a section
    // becomes nothing, `Panel(cadence_days: 7.0)` loses `Panel`), so the text is first
    // rewritten into the form serde gives choices: a choice with data is read both as one
    // and as a struct with its optional name, and the caller keeps the reading that fits.
    // Every name is read as a choice first, then every name as a struct's, then (for a value
    // with a few names, such as a unit `Unit(..., allocation: Panel(...))`) each mixture.
    let n_names = names_before_brackets(text);
    let all = if n_names >= 64 { u64::MAX } else { (1u64 << n_names) - 1 };
    let mixtures = if n_names <= MAX_NAMES_READ_BOTH_WAYS { 1..all } else { 1..1 };
    let mut readings: Vec<serde_json::Value> = Vec::new();
    let firsts = if n_names == 0 { vec![0] } else { vec![all, 0] };
    for choices in firsts.into_iter().chain(mixtures) {
        if let Ok(value) = ron::from_str::<serde_json::Value>(&json_ready_ron(text, |k| k < 64 && choices >> k & 1 == 1))
            && !value.is_null()
            && !readings.contains(&value)
        {
            readings.push(value);
        }
    }
    if !readings.is_empty() {
        return Ok(readings);
    }
    match current {
        serde_json::Value::String(_) | serde_json::Value::Null => Ok(vec![serde_json::Value::String(text.to_string())]),
        // A section or a list is not quoted back whole: it can be pages long.
        serde_json::Value::Object(_) => Err(format!(
            "`{text}` is not a section this field can hold; write it as RON `(field: value, ...)` or JSON `{{\"field\": value}}` and check its brackets and quotes"
        )),
        serde_json::Value::Array(_) => {
            Err(format!("`{text}` is not a list this field can hold; write it as `[value, value, ...]` and check its brackets and quotes"))
        }
        _ => Err(format!("`{text}` is not a value this field can hold (it currently holds {current})")),
    }
}

/// Words RON reads as values in their own right, never as a choice's name.
const RON_VALUE_WORDS: &[&str] = &["true", "false", "None", "Some", "inf", "NaN"];

/// Up to this many names before brackets in one value, every mixture of choices and struct
/// names is tried (at most 2^6 readings, each checked against the whole scenario: a few
/// milliseconds); a longer value is read with all its names as choices, then all as struct
/// names, and a value mixing both is better split into one `--set` per part.
const MAX_NAMES_READ_BOTH_WAYS: usize = 6;

/// Whether `word` is a capitalised name that, right before an opening bracket, names a choice
/// with data or a struct (`Panel(cadence_days: 7.0)`, `Run(horizon_days: 100.0)`).
fn is_name_before_bracket(word: &str) -> bool {
    word.starts_with(char::is_uppercase) && !RON_VALUE_WORDS.contains(&word)
}

/// How many capitalised names RON text has right before an opening bracket: each is a choice
/// with data or a struct written with its name.
fn names_before_brackets(text: &str) -> usize {
    ron_tokens(text)
        .windows(2)
        .filter(|pair| matches!(pair, [RonToken::Word(word), RonToken::Other('(')] if is_name_before_bracket(word)))
        .count()
}

/// A piece of RON text, as far as [`json_ready_ron`] needs to tell pieces apart.
#[derive(Debug, Clone, PartialEq)]
enum RonToken {
    /// A name or keyword.
    Word(String),
    /// A string, number, comment or run of spaces, copied as written.
    Verbatim(String),
    /// Any other character (brackets, commas, colons).
    Other(char),
}

fn ron_tokens(text: &str) -> Vec<RonToken> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start = i;
        if c == '"' || c == '\'' {
            // A string or a character, to its closing quote (skipping escaped ones).
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
        } else if c.is_ascii_digit() || (matches!(c, '-' | '+' | '.') && next.is_some_and(|n| n.is_ascii_digit())) {
            // A number, exponent and all (`1e-5`, `0x1F`, `1_000`).
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || matches!(chars[i], '.' | '_')
                    || (matches!(chars[i], '-' | '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
        } else if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(RonToken::Word(chars[start..i].iter().collect()));
            continue;
        } else {
            tokens.push(RonToken::Other(c));
            i += 1;
            continue;
        }
        tokens.push(RonToken::Verbatim(chars[start..i].iter().collect()));
    }
    tokens
}

/// Rewrites RON text so that RON's conversion to a JSON tree keeps the choices it would drop:
/// a bare choice in value position (`Fixed`) becomes the string `"Fixed"`, and a capitalised
/// name before brackets, the `k`-th counting from 0, when `as_choice(k)`, becomes serde's form
/// of a choice with data (otherwise it is left as a struct's name, which RON drops): `Panel(cadence_days: 7.0)` becomes `{"Panel": (cadence_days: 7.0)}`, `Single("hub")`
/// becomes `{"Single": "hub"}` and `Pair(1, 2)` becomes `{"Pair": [1, 2]}`. Field names (a
/// word before `:`) and RON's own words (`true`, `None`, `Some`...) are left alone.
fn json_ready_ron(text: &str, as_choice: impl Fn(usize) -> bool) -> String {
    let tokens = ron_tokens(text);
    // The next token that is not a space or comment.
    let next_significant =
        |from: usize| tokens[from..].iter().find(|t| !matches!(t, RonToken::Verbatim(v) if v.trim().is_empty() || v.starts_with('/')));
    let mut out = String::with_capacity(text.len() + 16);
    // For every open bracket, what to write at its match.
    let mut closers: Vec<&'static str> = Vec::new();
    // What the next `(` becomes, once a choice's name has been written as a key.
    let mut pending: Option<(&'static str, &'static str)> = None;
    let mut n_names = 0;
    for (idx, token) in tokens.iter().enumerate() {
        match token {
            RonToken::Verbatim(text) => out.push_str(text),
            RonToken::Word(word) => match next_significant(idx + 1) {
                Some(RonToken::Other(':')) => out.push_str(word),
                Some(RonToken::Other('('))
                    if is_name_before_bracket(word) && {
                        n_names += 1;
                        as_choice(n_names - 1)
                    } =>
                {
                    out.push_str(&format!("{{\"{word}\": "));
                    pending = Some(match bracket_contents(&tokens, idx + 1) {
                        BracketContents::Fields => ("(", ")}"),
                        BracketContents::One => ("", "}"),
                        BracketContents::Several => ("[", "]}"),
                    });
                }
                Some(RonToken::Other('(')) => out.push_str(word),
                _ if RON_VALUE_WORDS.contains(&word.as_str()) => out.push_str(word),
                _ => out.push_str(&format!("\"{word}\"")),
            },
            RonToken::Other(c @ ('(' | '[' | '{')) => match (c, pending.take()) {
                ('(', Some((open, close))) => {
                    out.push_str(open);
                    closers.push(close);
                }
                _ => {
                    out.push(*c);
                    closers.push(match c {
                        '(' => ")",
                        '[' => "]",
                        _ => "}",
                    });
                }
            },
            RonToken::Other(c @ (')' | ']' | '}')) => match closers.pop() {
                Some(close) => out.push_str(close),
                // Unbalanced: left for RON to report.
                None => out.push(*c),
            },
            RonToken::Other(c) => out.push(*c),
        }
    }
    out
}

/// What a choice's brackets hold, which decides serde's form for it.
enum BracketContents {
    /// Named fields (`cadence_days: 7.0`): a struct-like choice.
    Fields,
    /// One value: a newtype choice.
    One,
    /// Values separated by commas: a tuple choice.
    Several,
}

/// Looks inside the brackets opening at or after token `from` (at their own depth only).
fn bracket_contents(tokens: &[RonToken], from: usize) -> BracketContents {
    let mut depth = 0usize;
    let mut previous_word = false;
    let mut commas = false;
    for token in &tokens[from..] {
        match token {
            RonToken::Other('(' | '[' | '{') => depth += 1,
            RonToken::Other(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            RonToken::Other(':') if depth == 1 && previous_word => return BracketContents::Fields,
            RonToken::Other(',') if depth == 1 => commas = true,
            _ => {}
        }
        match token {
            RonToken::Word(_) => previous_word = depth == 1,
            RonToken::Verbatim(v) if v.trim().is_empty() => {}
            _ => previous_word = false,
        }
    }
    if commas { BracketContents::Several } else { BracketContents::One }
}

/// The text of the built-in default county.
pub fn default_county() -> Result<LoadedScenario> {
    load(None, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = include_str!("../../docs/examples/small.ron");

    fn raw_with(sets: &[&str]) -> RawScenario {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        match load_str("small.ron", SMALL, &sets) {
            Ok(loaded) => loaded.raw,
            Err(error) => panic!("{sets:?} refused: {error}"),
        }
    }

    /// The forms docs/scenarios.md ("Values") promises for `--set`.
    #[test]
    fn override_values_are_read_as_the_docs_say() {
        // An optional value is cleared by `None`, as in a RON file, or by JSON's `null`.
        for clear in ["None", "null"] {
            let raw = raw_with(&[&format!("population.escalation_days_mean.2={clear}")]);
            assert_eq!(raw.population.escalation_days_mean, vec![Some(365.0), Some(240.0), None], "{clear}");
        }
        // Bare words are names and choices; where a field holds text, `None` is a name too.
        let raw = raw_with(&["name=small_v2", "run.calendar=Continuous"]);
        assert_eq!(raw.name, "small_v2");
        assert_eq!(to_ron(&raw.run.calendar), "Continuous");
        assert_eq!(raw_with(&["name=None"]).name, "None");
        assert_eq!(raw_with(&["name=\"quoted\""]).name, "quoted");
        // A number is a number, and a word is not one.
        assert_eq!(raw_with(&["run.horizon_days=1000"]).run.horizon_days, 1000.0);
        for not_finite in ["1e400", "NaN", "inf"] {
            let refused = load_str("small.ron", SMALL, &[format!("run.horizon_days={not_finite}")]);
            let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains("is not a finite number"), "{not_finite}: {message}");
        }
        // A section with its bracket left open is not quoted back whole.
        let refused = load_str("small.ron", SMALL, &["run=(horizon_days: 100.0".to_string()]);
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("check its brackets") && !message.contains("calendar"), "{message}");
        let refused = load_str("small.ron", SMALL, &["run.horizon_days=None".to_string()]);
        assert!(refused.is_err(), "a number field took `None`");
        if let Err(error) = refused {
            assert!(error.to_string().contains("run.horizon_days"), "{error}");
        }
    }

    /// RON's conversion to a tree drops choices' names; `--set` keeps them, bare or with data,
    /// at any depth, as a RON file would read them.
    #[test]
    fn ron_choices_in_override_values_keep_their_names() {
        let raw = raw_with(&["population.service=(distribution: Fixed, days_mean_by_tier: [1.0, 2.0, 3.0, 4.0])"]);
        assert_eq!(to_ron(&raw.population.service.distribution), "Fixed");
        assert_eq!(raw.population.service.days_mean_by_tier, vec![1.0, 2.0, 3.0, 4.0]);
        let raw = raw_with(&[
            "models.siloed.units.social_care.allocation=Panel(cadence_days: 14.0, attendance: 0.5)",
            "models.siloed.units.early_help.assessment=Common(days_mean: 9.0)",
            "models.hub.information=OwnSystems(consent_delay_days_mean: 3.0)",
            "models.siloed.front_door=Single(\"early_help\")",
            "models.hub.front_door=FirstOf([\"hub\", \"social_care\"])",
        ]);
        // `to_ron` lays sections out over lines; compared without the spaces.
        let flat = |text: String| text.split_whitespace().collect::<String>().replace(",)", ")").replace(",]", "]");
        let units = &raw.models[0].units;
        let ron_of = |name: &str| {
            let unit = units.iter().find(|u| u.name == name).expect("unit");
            (flat(to_ron(&unit.allocation)), flat(to_ron(&unit.assessment)))
        };
        let (allocation, _) = ron_of("social_care");
        assert!(
            allocation.starts_with("Panel(") && allocation.contains("cadence_days:14.0") && allocation.contains("attendance:0.5"),
            "{allocation}"
        );
        assert_eq!(ron_of("early_help").1, "Common(days_mean:9.0)");
        assert_eq!(flat(to_ron(&raw.models[1].information)), "OwnSystems(consent_delay_days_mean:3.0)");
        assert_eq!(flat(to_ron(&raw.models[0].front_door)), "Single(\"early_help\")");
        assert_eq!(flat(to_ron(&raw.models[1].front_door)), "FirstOf([\"hub\",\"social_care\"])");
        // A struct written with its (optional) name reads as the struct; lists of structs,
        // text that looks like a name, comments and numbers pass through untouched.
        assert_eq!(raw_with(&["run=Run(horizon_days: 1000.0, warmup_days: 100.0, replications: 4)"]).run.horizon_days, 1000.0);
        let raw = raw_with(&["population.localities=[(name: \"Fixed(1)\", share: 0.25), /* x: Fixed */ (name: \"b\", share: 7.5e-1)]"]);
        assert_eq!(raw.population.localities[0].name, "Fixed(1)");
        assert_eq!(raw.population.localities[1].share, 0.75);
        // A struct written with its name holding choices with data, as a unit in a RON file
        // may be: each name is read the way that fits, whatever the others are.
        let unit = "models.siloed.units.social_care=RawUnit(name: \"social_care\", scope: BoroughWide, domains: [\"family\", \"education\"], \
tiers: [3, 4], staff: [(profession: \"social_worker\", n_practitioners: 9)], assessment: Own(days_mean: 21.0), \
allocation: Panel(cadence_days: 14.0))";
        let raw = raw_with(&[unit]);
        let social_care = raw.models[0].units.iter().find(|u| u.name == "social_care").expect("unit");
        assert_eq!(flat(to_ron(&social_care.assessment)), "Own(days_mean:21.0)");
        assert!(flat(to_ron(&social_care.allocation)).starts_with("Panel(cadence_days:14.0"), "{}", to_ron(&social_care.allocation));
        assert_eq!(social_care.staff[0].n_practitioners, 9);
        assert_eq!(names_before_brackets(unit), 3);
        // A misspelt field inside a choice is named as such, not as an unknown choice.
        let refused = load_str("small.ron", SMALL, &["models.siloed.units.social_care.allocation=Panel(cadense_days: 7.0)".to_string()]);
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("unknown field `cadense_days`") && message.contains("`cadence_days`"), "{message}");
        let refused = load_str("small.ron", SMALL, &["population.service=(distribution: Fixd)".to_string()]);
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("unknown variant `Fixd`"), "{message}");
    }

    fn syntax_error(text: &str) -> (String, String) {
        match parse::<RawScenario>("bad.ron", text) {
            Err(Error::Syntax { message, snippet, .. }) => (message, snippet),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    /// What the parser reports reaches a planner in plain words, and briefly.
    #[test]
    fn syntax_errors_are_plain_and_short() {
        // Nesting is reached through a plan's levels, which take any value.
        match parse::<serde_json::Value>("deep.ron", &"[".repeat(500)) {
            Err(Error::Syntax { message, .. }) => assert!(message.contains("nested too deeply") && !message.contains("ron::"), "{message}"),
            other => panic!("expected a syntax error, got {other:?}"),
        }
        let (message, _) = syntax_error(&SMALL.replacen("name: \"small\",", "name: \"small\",,", 1));
        assert!(message.contains("two commas in a row"), "{message}");
        let (message, _) = syntax_error(&format!("{SMALL} x"));
        assert!(message.contains("after the file's last closing bracket"), "{message}");
        let (message, _) = syntax_error(&SMALL.replacen("n_families: 10000", "n_families: 10000.5", 1));
        assert!(message.contains("takes a whole number, without a decimal point"), "{message}");
        // A sweep plan given as a scenario, and a scenario given as a plan.
        let plan = include_str!("../../scenarios/sweeps/panel_cadence_attendance.ron");
        match parse::<RawScenario>("plan.ron", plan) {
            Err(Error::Syntax { hint, .. }) => {
                assert!(hint.contains("looks like a sweep plan") && hint.contains("joinedup sweep"), "{hint}")
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
        match parse::<plan::RawPlan>("small.ron", SMALL) {
            Err(Error::Syntax { hint, .. }) => assert!(hint.contains("looks like a scenario") && hint.contains("joinedup run"), "{hint}"),
            other => panic!("expected a syntax error, got {other:?}"),
        }
        // A one-line file of a megabyte: the excerpt shows the place, not the whole line.
        let long = format!("(name: \"x\", {}", "description: \"a\", ".repeat(60_000));
        let (_, snippet) = syntax_error(&long);
        assert!(snippet.len() < 400, "an excerpt of {} bytes", snippet.len());
        let lines: Vec<&str> = snippet.lines().collect();
        assert!(lines[0].contains("...") && lines[1].trim_end().ends_with('^'), "{snippet}");
    }

    /// A run of some models only may put a model without the calibration's units first: it
    /// loads (only `joinedup calibrate` needs them, and says why they are missing), while a
    /// calibration naming a profession or domain the scenario lacks is still a mistake.
    #[test]
    fn a_calibration_for_another_first_model_is_set_aside_not_refused() {
        let panel_only = ["models=[(name: \"panel\", preset: (name: \"panel\"))]".to_string()];
        let loaded = load_str("county.ron", DEFAULT_COUNTY_RON, &panel_only).expect("the panel alone loads");
        assert!(loaded.scenario.calibration.is_none());
        let reason = loaded.scenario.calibration_unavailable.expect("the reason is kept");
        assert!(reason.contains("first model, `panel`") && reason.contains("calibration.social_care_unit"), "{reason}");
        let county = default_county().expect("the county loads").scenario;
        assert!(county.calibration.is_some() && county.calibration_unavailable.is_none());
        let typo = load_str("county.ron", DEFAULT_COUNTY_RON, &["calibration.disability_domain=\"disabilty\"".to_string()]);
        assert!(typo.err().is_some_and(|e| e.to_string().contains("calibration.disability_domain")));
    }
}
