//! The HTML report: one self-contained page (styles, SVG charts and a few lines of script
//! inline, no network fetches) that a planner can read and a reviewer can reproduce from.
//!
//! It is built from a finished results folder only ([`read`]), so `joinedup report DIR` and
//! `joinedup run --report` give the same page. The page opens with the warnings the run gave
//! (kept in `summary.json`), when it gave any, then plain-language sentences (each model
//! against the first, the baseline), then charts, then how the run was made.
//!
//! **Invariant:** the page is a pure function of the results folder (its files, and its path
//! as given, which the page names) and the date passed in, so it can be regenerated and
//! compared; the date and the path are the only things that are not in the results' files.
//!
//! A finished sweep's folder gets its own page ([`sweep`]): which factor moves each headline
//! measure most, every factor ranked by effect, and each measure against each factor. The
//! folder's files say which page it is ([`read::folder`]).

pub mod charts;
pub mod compare;
pub mod read;
mod rows;
pub mod sweep;

use crate::error::Result;
use crate::metrics::{CUT_AT_ZERO_NOTE, HEADLINE_WAITS, METRICS, MONTH_DAYS, PERCENTILES, WAIT_METRICS, shown_interval};
use crate::output::{human, write_atomically};
use compare::{Row, Verdict, against_baseline, words_for};
use read::Results;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Default file name of the report inside a results folder.
pub const FILE_NAME: &str = "report.html";

/// Reads the results in `results_dir` (a run's or a finished sweep's), renders the report
/// dated `generated` and writes it to `out` (default `results_dir/report.html`). Returns the
/// path written.
pub fn write(results_dir: &Path, out: Option<&Path>, generated: &str) -> Result<PathBuf> {
    if let Some(out) = out {
        check_out(results_dir, out)?;
    }
    let html = match read::folder(results_dir)? {
        read::Folder::Run => render(&read::read(results_dir)?, generated),
        read::Folder::Sweep => sweep::render(&sweep::read(results_dir)?, generated),
    };
    let path = out.map_or_else(|| results_dir.join(FILE_NAME), Path::to_path_buf);
    write_atomically(&path, html.as_bytes())?;
    Ok(path)
}

/// The files a results folder holds besides its report: a run's (see
/// [`crate::output::RUN_FILE_NAMES`]) and a sweep's (see [`crate::sweep`]), which a report
/// must never replace. A sweep's point files are in [`POINTS_FOLDER`].
pub const DATA_FILE_NAMES: &[&str] = &[
    "summary.json",
    "replications.csv",
    "timeseries.csv",
    "scenario.ron",
    "provenance.json",
    "points.csv",
    "morris.csv",
    "sweep.json",
    "plan.ron",
    "shard.json",
];

/// The folder of a sweep's finished points (`points/point-NNNNNN.json`).
pub const POINTS_FOLDER: &str = "points";

/// Refuses an `-o` that would replace something other than a report: an existing file that is
/// not HTML (most likely a results file named by mistake, and the rename would destroy it), a
/// folder, or one of the results folder's own files, even one not there yet (a report written
/// as `provenance.json` would be read back as a damaged one).
fn check_out(results_dir: &Path, out: &Path) -> Result<()> {
    let refuse = |why: String| crate::error::Error::BadArgument {
        option: "-o/--out".into(),
        message: format!(
            "{} {why}, and the report would be written over it. Give a new file name ending in .html, or an existing report to replace; \
leave -o out to write {}.",
            out.display(),
            results_dir.join(FILE_NAME).display()
        ),
    };
    let metadata = std::fs::metadata(out).ok();
    if metadata.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        return Err(refuse("is a folder".into()));
    }
    // Compared by real location, so `DIR/./summary.json` or a path through a link is caught too.
    let real = |path: &Path| std::fs::canonicalize(path).ok();
    let parent = out.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if let (Some(parent), Some(dir)) = (parent.and_then(real), real(results_dir)) {
        if parent == dir && DATA_FILE_NAMES.contains(&name) {
            return Err(refuse(format!("is one of the results folder's own files ({name})")));
        }
        if parent == dir.join(POINTS_FOLDER) {
            return Err(refuse("is in the sweep's points folder, which holds its finished points".into()));
        }
    }
    let html = out.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    if metadata.is_some() && !html {
        return Err(refuse("already exists and is not an HTML file (.html or .htm)".into()));
    }
    Ok(())
}

/// One part of the page, listed in the contents at the top.
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub html: String,
}

/// The whole page of a run.
pub fn render(results: &Results, generated: &str) -> String {
    let sections = vec![
        summary_section(results),
        metrics_section(results),
        waits_section(results),
        timeseries_section(results),
        table_section(results),
        provenance_section(results, generated),
    ];
    let title = format!("{}: how the models compare", results.scenario);
    let mut lead = String::new();
    if let Some(description) = &results.description {
        let _ = writeln!(lead, "<p class=\"lead\">{}</p>", esc(description));
    }
    let _ = writeln!(
        lead,
        "<p>{} models, {} replications each, seed {}. Every model is compared with the first, <strong>{}</strong> (the baseline). Report generated {}.</p>",
        results.models.len(),
        results.replications,
        results.seed,
        esc(&results.models[0].name),
        esc(generated)
    );
    lead.push_str(&warnings_box(&results.warnings));
    page(&title, &lead, &sections)
}

/// The warnings `joinedup run` printed after its table (kept in `summary.json`), each sentence
/// as written, in a box above the contents: a structure the run itself called unable to keep
/// up, or a restructure that never happened, changes what every figure below means, and a
/// planner who shares the page shares the warnings with it. Nothing when there are none.
fn warnings_box(warnings: &[String]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<aside class=\"run-warnings\" id=\"warnings\" role=\"note\">\n<h2>Warnings from the run</h2>\n\
<p>joinedup gave {} when this run finished. Read every figure below with {} in mind: {} what the results describe.</p>\n<ul>\n",
        if warnings.len() == 1 { "a warning".to_string() } else { format!("{} warnings", warnings.len()) },
        if warnings.len() == 1 { "it" } else { "them" },
        if warnings.len() == 1 { "it changes" } else { "they change" },
    );
    for warning in warnings {
        let _ = writeln!(html, "<li class=\"run-warning\">{}</li>", esc_code(warning));
    }
    html.push_str("</ul>\n</aside>\n");
    html
}

/// A page: title, the `lead` paragraphs (HTML) under it, contents, then the sections.
fn page(title: &str, lead: &str, sections: &[Section]) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
<meta name=\"generator\" content=\"joinedup {version}\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n",
        version = env!("CARGO_PKG_VERSION"),
        title = esc(title),
    );
    page.push_str(lead);
    page.push_str("<nav><strong>Contents:</strong> ");
    let links: Vec<String> = sections.iter().map(|s| format!("<a href=\"#{}\">{}</a>", s.id, esc(&s.title))).collect();
    page.push_str(&links.join(" · "));
    page.push_str("</nav>\n</header>\n<main>\n");
    for section in sections {
        let _ = write!(page, "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", section.id, esc(&section.title), section.html);
    }
    page.push_str("</main>\n");
    page.push_str(SCRIPT);
    page.push_str("</body>\n</html>\n");
    page
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A sentence written for the terminal (a warning) as HTML: escaped, then each `` `name` ``
/// (the way the terminal marks a model's or unit's name) as `<code>name</code>`, which a page
/// shows as code rather than with the backticks. A backtick left without its pair stays as
/// it is. Escaping first means a name cannot become markup.
fn esc_code(text: &str) -> String {
    let escaped = esc(text);
    let mut parts = escaped.split('`');
    let mut html = parts.next().unwrap_or_default().to_string();
    let rest: Vec<&str> = parts.collect();
    // `rest` alternates code and text; an odd count means the last backtick has no pair.
    let paired = rest.len() - rest.len() % 2;
    for pair in rest[..paired].chunks(2) {
        let _ = write!(html, "<code>{}</code>{}", pair[0], pair[1]);
    }
    if let Some(unpaired) = rest.get(paired) {
        let _ = write!(html, "`{unpaired}");
    }
    html
}

fn swatch(model: usize) -> String {
    let style = if charts::dashed(model) {
        format!("border: 2px dashed {}", charts::colour_hex(model))
    } else {
        format!("background: {}", charts::colour_hex(model))
    };
    format!("<span class=\"swatch\" style=\"{style}\"></span>")
}

fn model_legend(models: &[String]) -> String {
    let items: Vec<String> =
        models.iter().enumerate().map(|(i, m)| format!("<span class=\"key\">{}{}</span>", swatch(i), esc(m))).collect();
    format!("<p class=\"legend\"><strong>Model colours, the same in every chart:</strong> {}</p>\n", items.join(" "))
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn summary_section(results: &Results) -> Section {
    let baseline = &results.models[0].name;
    let mut html = format!(
        "<p>Each model is compared with <strong>{}</strong> on every measure. A difference is the model's mean across replications minus the baseline's, \
with its 95% confidence interval (a paired interval: replication r of every model faced the same families, so the {} replications' differences are what it is built from). A difference is <em>within noise</em> when its interval includes zero: \
the replications cannot tell the two models apart on that measure. Referrals and utilisation are reported as changes, neither better nor worse: \
more referrals can be hidden need surfacing, and higher utilisation can be overload.</p>\n",
        esc(baseline),
        results.replications
    );
    if results.models.len() == 1 {
        html.push_str("<p>This run has a single model, so there is nothing to compare it with. Its results are in the charts and the table below.</p>\n");
        return Section { id: "summary", title: "Summary".into(), html };
    }
    let comparisons: Vec<Vec<Row>> = (1..results.models.len()).map(|m| against_baseline(results, m)).collect();
    html.push_str("<div class=\"glance\"><h3>At a glance</h3><ul>\n");
    for (k, rows) in comparisons.iter().enumerate() {
        let n = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
        let _ = writeln!(
            html,
            "<li>{}<strong>{}</strong>: better on {}, worse on {}; {} within noise.</li>",
            swatch(k + 1),
            esc(&results.models[k + 1].name),
            count(n(Verdict::Better), "measure"),
            n(Verdict::Worse),
            n(Verdict::WithinNoise),
        );
    }
    html.push_str("</ul></div>\n<div class=\"comparisons\">\n");
    for (k, rows) in comparisons.iter().enumerate() {
        let model = &results.models[k + 1].name;
        let _ = writeln!(
            html,
            "<article class=\"comparison\" data-model=\"{}\">\n<h3>{}{} compared with {}</h3>",
            esc(model),
            swatch(k + 1),
            esc(model),
            esc(baseline)
        );
        for (verdict, heading, class) in [
            (Verdict::Better, "Better", "better"),
            (Verdict::Worse, "Worse", "worse"),
            (Verdict::Changed, "Changed, neither better nor worse", "changed"),
        ] {
            let chosen: Vec<&Row> = rows.iter().filter(|r| r.verdict == verdict).collect();
            if chosen.is_empty() {
                continue;
            }
            let _ = writeln!(html, "<h4 class=\"{class}\">{heading}</h4>\n<ul class=\"{class}\">");
            for row in chosen {
                let _ = writeln!(
                    html,
                    "<li class=\"sentence\" data-metric=\"{}\" data-verdict=\"{class}\">{}</li>",
                    METRICS[row.metric].name,
                    esc(&row.sentence(baseline, model))
                );
            }
            html.push_str("</ul>\n");
        }
        for (verdict, lead, class) in [
            (Verdict::WithinNoise, "Within noise (the interval of the difference includes zero)", "noise"),
            (Verdict::Identical, "Identical in every replication", "identical"),
            (Verdict::Unknown, "Not compared (fewer than two replications, or not observed in one of the models)", "unknown"),
        ] {
            let chosen: Vec<&Row> = rows.iter().filter(|r| r.verdict == verdict).collect();
            if chosen.is_empty() {
                continue;
            }
            // Names first, numbers on request: these are the differences that do not matter.
            let names: Vec<String> = chosen
                .iter()
                .map(|r| {
                    format!("<span class=\"brief\" data-metric=\"{}\">{}</span>", METRICS[r.metric].name, esc(words_for(r.metric).phrase))
                })
                .collect();
            let numbers: Vec<String> = chosen.iter().map(|r| format!("<li>{}</li>", esc(&r.brief()))).collect();
            let _ = writeln!(
                html,
                "<div class=\"{class}\"><p><strong>{lead}:</strong> {}.</p>\n<details><summary>The numbers</summary><ul>{}</ul></details></div>",
                names.join(", "),
                numbers.join("")
            );
        }
        html.push_str("</article>\n");
    }
    html.push_str("</div>\n");
    Section { id: "summary", title: "Summary".into(), html }
}

/// A chart with its caption; a caption's `` `name` `` (a metric's name) is shown as code.
fn figure(id: &str, svg: &str, caption: &str) -> String {
    format!("<figure class=\"chart\" id=\"chart-{id}\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n", esc_code(caption))
}

fn labels(results: &Results) -> Vec<String> {
    results.models.iter().map(|m| m.name.clone()).collect()
}

fn metrics_section(results: &Results) -> Section {
    let names = labels(results);
    let mut html = String::from(
        "<p>Each dot is a model's mean across replications; the bar is its 95% confidence interval. The dashed vertical line is the baseline's mean. \
Where two bars overlap a lot, the replications cannot separate the models on that measure.</p>\n",
    );
    html.push_str(&model_legend(&names));
    html.push_str("<div class=\"grid\">\n");
    let mut any_cut = false;
    for (m, def) in METRICS.iter().enumerate() {
        let w = words_for(m);
        let scale = w.kind.scale();
        let points: Vec<Option<charts::Point>> = results
            .models
            .iter()
            .map(|model| {
                model.summary[m].and_then(|s| {
                    s.mean.map(|mean| charts::Point {
                        mean: mean * scale,
                        ci95: s.ci95_low.zip(s.ci95_high).map(|interval| {
                            let ((l, h), cut) = shown_interval(def, interval);
                            any_cut |= cut;
                            (l * scale, h * scale)
                        }),
                    })
                })
            })
            .collect();
        let svg = charts::interval_chart(w.title, w.axis, &names, &points);
        let direction = if w.neutral {
            "neither direction is better"
        } else if def.lower_is_better {
            "lower is better"
        } else {
            "higher is better"
        };
        html.push_str(&figure(def.name, &svg, &format!("{}: {} ({direction}). Metric `{}`.", w.title, def.unit, def.name)));
    }
    html.push_str("</div>\n");
    if any_cut {
        let _ = writeln!(html, "<p class=\"cut-at-zero\"><small>{}</small></p>", esc(CUT_AT_ZERO_NOTE));
    }
    Section { id: "metrics", title: "Every measure, every model".into(), html }
}

fn waits_section(results: &Results) -> Section {
    let names = labels(results);
    let mut html = String::from(
        "<p>Means hide the families who wait longest. These charts pool every family's wait across replications and show the median (half wait less), \
the 90th percentile (one family in ten waits longer) and the 99th (one in a hundred): the three waits first, then the wait to service start by the tier \
the family was referred at, for each tier some family was.</p>\n",
    );
    html.push_str("<div class=\"grid\">\n");
    for metric in WAIT_METRICS {
        let m = metric as usize;
        let w = words_for(m);
        let percentiles: Vec<[Option<f64>; 3]> =
            results.models.iter().map(|model| model.summary[m].map(|s| s.percentiles()).unwrap_or_default()).collect();
        // A wait by tier is charted where some family of some model was referred at the tier
        // (and the folder has its percentiles: those written before they were do not).
        if !HEADLINE_WAITS.contains(&metric) && percentiles.iter().flatten().all(Option::is_none) {
            continue;
        }
        let title = format!("{}: median, 90th and 99th percentile", w.title);
        let svg = charts::percentile_chart(&title, "days from referral (every family pooled)", &names, &percentiles);
        let suffixes: Vec<&str> = PERCENTILES.iter().map(|(s, _)| *s).collect();
        html.push_str(&figure(
            &format!("{}-percentiles", METRICS[m].name),
            &svg,
            &format!("{}: {}, pooled over all replications (`{}` {}).", w.title, METRICS[m].unit, METRICS[m].name, suffixes.join(", ")),
        ));
    }
    html.push_str("</div>\n");
    Section { id: "waits", title: "Who waits longest".into(), html }
}

/// Title, y-axis unit, scale and what to look for, for each monthly series.
fn series_words(name: &str) -> (&str, &str, f64, &str) {
    match name {
        "referrals" => (
            "Referrals each month",
            "referrals per month",
            1.0,
            "A rise after a new, easier front door opens can be hidden need surfacing: demand looks worse before it gets better.",
        ),
        "services_started" => {
            ("Services started each month", "services started per month", 1.0, "How fast each structure turns referrals into help.")
        }
        "wait_service_start_days" => (
            "Mean wait to service start, by month the service started",
            "days",
            1.0,
            "A wait that keeps climbing means queues grow without limit; a step marks a restructure or a change in demand.",
        ),
        "open_episodes" => (
            "Open episodes at the end of each month",
            "open episodes",
            1.0,
            "The system filling up during the warm-up, then levelling off (or not).",
        ),
        "lost_episodes" => (
            "Families lost between services each month",
            "episodes lost per month",
            1.0,
            "Losses at handoffs and when time-limited projects close.",
        ),
        "escalations" => (
            "Escalations each month",
            "needs stepping up a tier, per month",
            1.0,
            "Untreated need escalating; early help should bring this down over years, not weeks.",
        ),
        "unmet_need_child_days" => {
            ("Unmet need each month", "child-days per month", 1.0, "Children with a need nobody is yet working with.")
        }
        "practitioner_utilisation" => (
            "Practitioner utilisation each month",
            "% of caseload slots in use",
            100.0,
            "Near 100% is overload: prevention gets squeezed out.",
        ),
        other => (other, other, 1.0, ""),
    }
}

fn timeseries_section(results: &Results) -> Section {
    let names = labels(results);
    let months = results.full_months();
    let warmup_months = results.provenance.warmup_days / MONTH_DAYS;
    let mut html = format!(
        "<p>Month by month, the mean across replications. The grey band is the warm-up ({} days), when the county fills up from empty; it is left out of every other number in this report. \
Look for transients: a restructure's disruption, hidden need surfacing when access gets easier, and the slow arrival of advantage (waits and losses falling over time) or inertia (no change, or things getting worse). \
Only whole months are drawn ({} of them).</p>\n",
        human(results.provenance.warmup_days),
        months
    );
    html.push_str(&model_legend(&names));
    for series in &results.timeseries {
        let (title, unit, scale, look_for) = series_words(&series.name);
        let lines: Vec<Vec<(f64, Option<f64>)>> = series
            .by_model
            .iter()
            .map(|values| (0..months).map(|month| (month as f64 + 0.5, values.get(month).copied().flatten().map(|v| v * scale))).collect())
            .collect();
        let svg = charts::line_chart(&charts::Lines {
            title,
            x_axis: "month since the start of the run",
            y_axis: unit,
            labels: &names,
            series: &lines,
            shaded: Some((0.0, warmup_months, "warm-up")),
            intervals: None,
            y_from_zero: true,
            joined: true,
            width_px: 960,
            x_categories: None,
        });
        html.push_str(&figure(
            &format!("series-{}", series.name),
            &svg,
            &format!("{title} (`{}` in timeseries.csv). {look_for}", series.name),
        ));
    }
    Section { id: "timeseries", title: "Over time".into(), html }
}

/// One metric's cell of a table, as the report's table and the workbench's page show it, in
/// the table's scale (shares as percentages).
#[derive(Debug, Clone, PartialEq)]
pub struct TableCell {
    pub mean: String,
    /// The 95% interval's ends, the lower one cut at zero for a metric that cannot be negative
    /// ([`shown_interval`]); `None` with fewer than two replications.
    pub interval: Option<(String, String)>,
    /// Whether the lower end was cut, so the table can say so beneath it.
    pub cut_at_zero: bool,
}

/// The cell of metric `m` (its index in [`METRICS`]) for one model, from `summary.json`'s
/// numbers; `None` when the model did not observe it.
pub fn table_cell(m: usize, summary: Option<read::MetricFile>) -> Option<TableCell> {
    let file = summary?;
    let scale = words_for(m).kind.scale();
    let shown = file.ci95_low.zip(file.ci95_high).map(|interval| shown_interval(&METRICS[m], interval));
    Some(TableCell {
        mean: human(file.mean? * scale),
        interval: shown.map(|((low, high), _)| (human(low * scale), human(high * scale))),
        cut_at_zero: shown.is_some_and(|(_, cut)| cut),
    })
}

fn table_section(results: &Results) -> Section {
    let mut html = String::from(
        "<details><summary>Show the table of every measure (mean and 95% confidence interval)</summary>\n<div class=\"scroll\"><table>\n<thead><tr><th>measure</th>",
    );
    for model in &results.models {
        let _ = write!(html, "<th>{}</th>", esc(&model.name));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    let mut any_cut = false;
    for (m, def) in METRICS.iter().enumerate() {
        let _ = write!(
            html,
            "<tr><th title=\"{}\">{}<br><small>{}</small></th>",
            esc(def.unit),
            esc(words_for(m).title),
            esc(words_for(m).axis)
        );
        for model in &results.models {
            let cell = match table_cell(m, model.summary[m]) {
                Some(TableCell { mean, interval: Some((low, high)), cut_at_zero }) => {
                    any_cut |= cut_at_zero;
                    format!("{mean} <small>[{low}, {high}]</small>")
                }
                Some(TableCell { mean, interval: None, .. }) => mean,
                None => "–".into(),
            };
            let _ = write!(html, "<td>{cell}</td>");
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody></table></div>\n");
    if any_cut {
        let _ = writeln!(html, "<p class=\"cut-at-zero\"><small>{}</small></p>", esc(CUT_AT_ZERO_NOTE));
    }
    html.push_str("</details>\n");
    Section { id: "table", title: "Table".into(), html }
}

fn provenance_section(results: &Results, generated: &str) -> Section {
    let p = &results.provenance;
    let mut html = String::from("<table class=\"facts\">\n");
    let mut fact = |name: &str, value: String| {
        let _ = writeln!(html, "<tr><th>{}</th><td>{value}</td></tr>", esc(name));
    };
    fact("joinedup version (run)", esc(&p.joinedup_version));
    fact("joinedup version (report)", env!("CARGO_PKG_VERSION").into());
    fact("scenario", esc(&p.scenario));
    fact("scenario.ron SHA-256", format!("<code>{}</code>", esc(&p.scenario_sha256)));
    fact("seed", p.seed.to_string());
    fact("replications per model", p.replications.to_string());
    fact("warm-up", format!("{} days (left out of every measure)", human(p.warmup_days)));
    fact("horizon", format!("{} days", human(p.horizon_days)));
    fact(
        "exp, ln and powf fingerprint",
        match &p.math_library {
            Some(fingerprint) => format!("<code>{}</code>", esc(fingerprint)),
            None => "not recorded (this run predates it)".into(),
        },
    );
    fact(
        "command",
        if results.provenance_recorded {
            format!("<code>{}</code>", esc(&p.command_line()))
        } else {
            "not recorded (this run predates provenance.json)".into()
        },
    );
    fact("results folder", format!("<code>{}</code>", esc(&results.dir.display().to_string())));
    fact("report generated", esc(generated));
    html.push_str("</table>\n");
    if results.scenario_sha256_now != p.scenario_sha256 {
        let _ = writeln!(
            html,
            "<p class=\"warning\"><strong>Warning:</strong> scenario.ron has changed since the run (its SHA-256 is now <code>{}</code>). The results were not made from the file now in the folder.</p>",
            esc(&results.scenario_sha256_now)
        );
    }
    let _ = writeln!(
        html,
        "<p><strong>To reproduce these results exactly</strong>, run <code>joinedup run scenario.ron --out DIR</code> on the scenario.ron in the results folder, with joinedup {}: \
the file holds every setting after overrides, including the seed and the number of replications. The same scenario and seed give byte-identical summary.json, \
replications.csv and timeseries.csv on any number of threads, on a machine with the same exp, ln and powf fingerprint; \
another machine's C library may round some of those functions' results differently and give another sample of the same model.</p>\n\
<p><strong>Method.</strong> Each replication simulates the same families arriving (common random numbers) under every model; measures are taken after the warm-up. \
A model's interval is a Student-t 95% interval across its replications. A difference between two models is a paired Student-t 95% interval on the replications' differences \
(Welch's two-sample interval where the two models did not observe a measure in the same replications). Percentiles pool every family's wait over all replications. \
The STRESS checklist for this study is in docs/STRESS.md.</p>",
        esc(&p.joinedup_version)
    );
    Section { id: "provenance", title: "How this was run".into(), html }
}

/// Today's date (UTC) as `YYYY-MM-DD`, or the date of `SOURCE_DATE_EPOCH` when it is set, so
/// a report can be regenerated byte for byte.
pub fn today_utc() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64));
    date_from_unix_seconds(seconds)
}

/// Civil date from seconds since 1970 (Howard Hinnant's days-to-civil algorithm).
pub fn date_from_unix_seconds(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: #1a1a1a; background: #fff;
  margin: 0 auto; max-width: 1320px; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1 { font-size: 1.8rem; margin-bottom: 0.3rem; }
h2 { border-bottom: 2px solid #0072b2; padding-bottom: 0.2rem; margin-top: 2.5rem; }
h3 { margin-bottom: 0.3rem; }
h4 { margin: 0.6rem 0 0.2rem; }
.lead { font-size: 1.1rem; }
nav a { color: #0072b2; }
.glance { background: #f4f8fb; border-left: 4px solid #0072b2; padding: 0.3rem 1rem; }
.glance ul { padding-left: 1rem; list-style: none; }
.comparisons { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 0 2rem; }
.comparison { border-top: 1px solid #ddd; margin-top: 1rem; }
.comparison ul { padding-left: 1.3rem; }
.comparison li { margin-bottom: 0.25rem; }
div.noise details, div.identical details, div.unknown details { font-size: 0.9rem; margin: -0.6rem 0 0.6rem; }
h4.better { color: #00734f; } h4.worse { color: #a63d00; } h4.changed { color: #444; }
ul.better li::marker { content: '\\25B2  '; color: #00734f; }
ul.worse li::marker { content: '\\25BC  '; color: #a63d00; }
div.noise, div.identical, div.unknown { color: #333; font-size: 0.95rem; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.35em; vertical-align: -0.1em; border-radius: 2px; box-sizing: border-box; }
.legend .key { margin-right: 1em; white-space: nowrap; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 1rem; }
figure.chart { margin: 0.5rem 0; border: 1px solid #e4e4e4; border-radius: 4px; padding: 0.4rem; }
figure.chart svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #333; margin-top: 0.3rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.45rem; text-align: right; vertical-align: top; }
th { background: #f6f6f6; text-align: left; }
table.facts td { text-align: left; }
code { font-size: 0.9em; word-break: break-all; }
.warning { background: #fff3e0; border-left: 4px solid #d55e00; padding: 0.5rem; }
.run-warnings { background: #fff3e0; border: 2px solid #d55e00; border-left-width: 8px; border-radius: 4px; padding: 0.2rem 1rem 0.4rem; margin: 1rem 0; }
.run-warnings h2 { border-bottom: none; margin: 0.4rem 0 0.2rem; color: #a63d00; font-size: 1.3rem; }
.run-warnings li { margin-bottom: 0.4rem; }
@media print { nav { display: none; } figure.chart { break-inside: avoid; } details { display: block; } }
";

/// Records every chart's rendered size on `<body data-chart-sizes>` once the page has laid
/// out, so a headless browser's DOM dump shows that each chart really drew (the browser test
/// reads it).
const SCRIPT: &str = "<script>
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('figure.chart svg');
  var sizes = [];
  for (var i = 0; i < charts.length; i++) {
    var box = charts[i].getBoundingClientRect();
    sizes.push(charts[i].parentNode.id + '=' + Math.round(box.width) + 'x' + Math.round(box.height));
  }
  document.body.setAttribute('data-chart-count', String(charts.length));
  document.body.setAttribute('data-chart-sizes', sizes.join(' '));
});
</script>
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warnings_names_in_backticks_are_shown_as_code_after_escaping() {
        assert_eq!(
            esc_code("model `siloed`, unit `<b>&co`, cannot keep up"),
            "model <code>siloed</code>, unit <code>&lt;b&gt;&amp;co</code>, cannot keep up"
        );
        assert_eq!(esc_code("no names"), "no names");
        assert_eq!(esc_code("`a` and a lone ` here"), "<code>a</code> and a lone ` here");
        assert_eq!(esc_code("``"), "<code></code>");
        let html = warnings_box(&["model `siloed`: coordination would take 120% of its hours.".to_string()]);
        assert!(html.contains("<li class=\"run-warning\">model <code>siloed</code>: coordination"), "{html}");
        assert!(!html.contains('`'), "{html}");
    }

    #[test]
    fn a_tables_interval_below_zero_is_shown_from_zero_but_summary_json_numbers_are_not_changed() {
        use crate::metrics::Metric;
        let lost = Metric::LostEpisodes as usize;
        let file = read::MetricFile { mean: Some(1.9), ci95_low: Some(-2.898), ci95_high: Some(6.698), ..Default::default() };
        let cell = table_cell(lost, Some(file)).unwrap();
        assert_eq!(cell, TableCell { mean: "1.90".into(), interval: Some(("0.000".into(), "6.70".into())), cut_at_zero: true });
        // A share is scaled to a percentage after the cut, and an interval above zero is kept.
        let share = Metric::EscalationTier3 as usize;
        let file = read::MetricFile { mean: Some(0.1), ci95_low: Some(0.05), ci95_high: Some(0.15), ..Default::default() };
        assert_eq!(table_cell(share, Some(file)).unwrap().interval, Some(("5.00".into(), "15.0".into())));
        assert!(table_cell(lost, None).is_none());
        assert_eq!(table_cell(lost, Some(read::MetricFile { mean: Some(2.0), ..Default::default() })).unwrap().interval, None);
    }

    #[test]
    fn dates_from_unix_seconds() {
        assert_eq!(date_from_unix_seconds(0), "1970-01-01");
        assert_eq!(date_from_unix_seconds(951_782_400), "2000-02-29");
        assert_eq!(date_from_unix_seconds(1_767_225_599), "2025-12-31");
        assert_eq!(date_from_unix_seconds(-86_400), "1969-12-31");
    }
}
