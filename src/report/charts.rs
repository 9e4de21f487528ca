//! Charts as SVG text, drawn with `plotters`' SVG backend, for inlining into the report.
//!
//! Every chart is titled, labels its axes with units, and draws model `i` in the same
//! colour everywhere: the Okabe-Ito palette, which stays distinguishable under the common
//! colour-vision deficiencies. Beyond eight models the colours repeat with dashed lines and
//! hollow markers. Text is emitted as SVG `<text>` elements (plotters' built-in naive font
//! metrics), so no system font library is needed to draw and the browser picks the font.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe & Ito (2008) colours, black first so the baseline model stands out; yellow last
/// because it is the hardest to see on white.
pub const OKABE_ITO: [(u8, u8, u8); 8] = [
    (0, 0, 0),       // black
    (230, 159, 0),   // orange
    (86, 180, 233),  // sky blue
    (0, 158, 115),   // bluish green
    (213, 94, 0),    // vermillion
    (0, 114, 178),   // blue
    (204, 121, 167), // reddish purple
    (240, 228, 66),  // yellow
];

const FONT: &str = "sans-serif";
// Plotters writes font-size as these over 1.24: about 18, 14 and 13 CSS pixels.
const TITLE_PX: u32 = 22;
const LABEL_PX: u32 = 18;
const TICK_PX: u32 = 16;
const GRID: RGBColor = RGBColor(225, 225, 225);
const SHADE: RGBColor = RGBColor(236, 236, 236);

/// Palette entry of model `i`: the baseline (model 0) alone is black; the others cycle
/// through the seven colours.
fn palette_index(model: usize) -> usize {
    if model == 0 { 0 } else { 1 + (model - 1) % (OKABE_ITO.len() - 1) }
}

/// Model `i`'s colour.
pub fn colour(model: usize) -> RGBColor {
    let (r, g, b) = OKABE_ITO[palette_index(model)];
    RGBColor(r, g, b)
}

/// Model `i`'s colour as CSS hex, for HTML legends.
pub fn colour_hex(model: usize) -> String {
    let (r, g, b) = OKABE_ITO[palette_index(model)];
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Whether model `i` is drawn dashed (and with hollow markers): every other time round the
/// seven colours, so models 8 to 14 are told from 1 to 7 by line and marker, not colour.
pub fn dashed(model: usize) -> bool {
    model > 0 && ((model - 1) / (OKABE_ITO.len() - 1)) % 2 == 1
}

/// A value with an optional 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub mean: f64,
    pub ci95: Option<(f64, f64)>,
}

/// Text of `px` pixels in the chart font, to be anchored with `.pos`.
fn text(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font())
}

/// Approximate pixel width of `text` at `px`, for reserving label space. Generous, because
/// the browser's font is unknown.
fn text_width(text: &str, px: u32) -> u32 {
    (text.chars().count() as f64 * f64::from(px) * 0.5).ceil() as u32
}

/// A padded axis range around `values`, widened when they are all equal.
fn range(values: impl IntoIterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut low, mut high) =
        values.into_iter().filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    if include_zero {
        low = low.min(0.0);
        high = high.max(0.0);
    }
    let span = high - low;
    let pad = if span > 0.0 { span * 0.06 } else { low.abs().max(1.0) * 0.1 };
    let padded_low = if include_zero && low >= 0.0 { low } else { low - pad };
    (padded_low, high + pad)
}

/// Tick labels for an axis from `low` to `high`: as many decimals as the tick spacing
/// needs (about six ticks), thousands grouped, so neighbouring ticks never read the same.
fn ticks(low: f64, high: f64) -> impl Fn(&f64) -> String {
    let step = ((high - low) / 6.0).abs().max(f64::MIN_POSITIVE);
    let decimals = (-crate::math::log10(step).floor()).clamp(0.0, 6.0) as usize;
    move |v: &f64| {
        if decimals == 0 { grouped(*v) } else { format!("{:.*}", decimals, v) }
    }
}

/// A whole number with thousands separated by commas: 1,066,584.
fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v.round() < 0.0 { format!("\u{2212}{out}") } else { out }
}

/// Marks the SVG as an image for screen readers and lets CSS scale it.
fn finish(svg: String, title: &str) -> String {
    let label = title.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"chart-svg\" "), 1)
}

fn draw_failed<E: std::fmt::Debug>(error: E) -> ! {
    // Drawing into a String cannot fail on valid ranges, which `range` guarantees.
    panic!("plotters failed to draw into an SVG string: {error:?}")
}

/// One dot per model with its 95% interval as a horizontal bar, models top to bottom, and a
/// dashed line at the baseline's mean.
pub fn interval_chart(title: &str, axis: &str, labels: &[String], points: &[Option<Point>]) -> String {
    let n = labels.len();
    let label_px = labels.iter().map(|l| text_width(l, TICK_PX)).max().unwrap_or(40) + 14;
    let (width, height) = (620u32, 96 + 30 * n as u32);
    let (x_low, x_high) =
        range(points.iter().flatten().flat_map(|p| [p.mean, p.ci95.map_or(p.mean, |c| c.0), p.ci95.map_or(p.mean, |c| c.1)]), false);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let x_ticks = ticks(x_low, x_high);
        root.fill(&WHITE).unwrap_or_else(|e| draw_failed(e));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, TITLE_PX).into_font())
            .margin(10)
            .margin_right(24)
            .x_label_area_size(50)
            .y_label_area_size(label_px)
            .build_cartesian_2d(x_low..x_high, -0.5..(n as f64 - 0.5))
            .unwrap_or_else(|e| draw_failed(e));
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_label_formatter(&x_ticks)
            .x_desc(axis)
            .axis_desc_style((FONT, LABEL_PX))
            .label_style((FONT, TICK_PX))
            .draw()
            .unwrap_or_else(|e| draw_failed(e));
        let row = |i: usize| (n - 1 - i) as f64;
        if let Some(Some(base)) = points.first() {
            chart
                .draw_series(DashedLineSeries::new([(base.mean, -0.5), (base.mean, n as f64 - 0.5)], 4, 4, BLACK.mix(0.45).stroke_width(1)))
                .unwrap_or_else(|e| draw_failed(e));
        }
        for (i, point) in points.iter().enumerate() {
            let y = row(i);
            let c = colour(i);
            let (px, py) = chart.backend_coord(&(x_low, y));
            root.draw(&Text::new(
                labels[i].clone(),
                (px - 8, py),
                (FONT, TICK_PX).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .unwrap_or_else(|e| draw_failed(e));
            let Some(point) = point else {
                let (px, py) = chart.backend_coord(&((x_low + x_high) / 2.0, y));
                root.draw(&Text::new(
                    "not observed",
                    (px, py),
                    (FONT, TICK_PX).into_font().color(&BLACK.mix(0.6)).pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .unwrap_or_else(|e| draw_failed(e));
                continue;
            };
            if let Some((low, high)) = point.ci95 {
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(low, y), (high, y)], c.stroke_width(3))))
                    .unwrap_or_else(|e| draw_failed(e));
                for end in [low, high] {
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((end, y)) + PathElement::new(vec![(0, -7), (0, 7)], c.stroke_width(2)),
                        ))
                        .unwrap_or_else(|e| draw_failed(e));
                }
            }
            let marker = if dashed(i) { c.stroke_width(2) } else { c.filled() };
            chart.draw_series(std::iter::once(Circle::new((point.mean, y), 6, marker))).unwrap_or_else(|e| draw_failed(e));
        }
        root.present().unwrap_or_else(|e| draw_failed(e));
    }
    finish(svg, title)
}

/// Median, 90th and 99th percentile per model on one axis: a circle, a triangle and a
/// square joined by a line.
pub fn percentile_chart(title: &str, axis: &str, labels: &[String], percentiles: &[[Option<f64>; 3]]) -> String {
    let n = labels.len();
    let label_px = labels.iter().map(|l| text_width(l, TICK_PX)).max().unwrap_or(40) + 14;
    let (width, height) = (620u32, 130 + 30 * n as u32);
    let (x_low, x_high) = range(percentiles.iter().flatten().flatten().copied(), true);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let x_ticks = ticks(x_low, x_high);
        root.fill(&WHITE).unwrap_or_else(|e| draw_failed(e));
        let (top, plot) = root.split_vertically(56);
        top.draw(&Text::new(title.to_string(), (width as i32 / 2, 8), text(TITLE_PX).pos(Pos::new(HPos::Center, VPos::Top))))
            .unwrap_or_else(|e| draw_failed(e));
        percentile_legend(&top, width);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(50)
            .y_label_area_size(label_px)
            .build_cartesian_2d(x_low..x_high, -0.5..(n as f64 - 0.5))
            .unwrap_or_else(|e| draw_failed(e));
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_label_formatter(&x_ticks)
            .x_desc(axis)
            .axis_desc_style((FONT, LABEL_PX))
            .label_style((FONT, TICK_PX))
            .draw()
            .unwrap_or_else(|e| draw_failed(e));
        for (i, values) in percentiles.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let c = colour(i);
            let (px, py) = chart.backend_coord(&(x_low, y));
            root.draw(&Text::new(labels[i].clone(), (px - 8, py), text(TICK_PX).pos(Pos::new(HPos::Right, VPos::Center))))
                .unwrap_or_else(|e| draw_failed(e));
            let present: Vec<f64> = values.iter().flatten().copied().collect();
            if present.len() >= 2 {
                let (lo, hi) =
                    (present.iter().copied().fold(f64::INFINITY, f64::min), present.iter().copied().fold(f64::NEG_INFINITY, f64::max));
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(lo, y), (hi, y)], c.stroke_width(2))))
                    .unwrap_or_else(|e| draw_failed(e));
            }
            let style = if dashed(i) { c.stroke_width(2) } else { c.filled() };
            if let Some(v) = values[0] {
                chart.draw_series(std::iter::once(Circle::new((v, y), 6, style))).unwrap_or_else(|e| draw_failed(e));
            }
            if let Some(v) = values[1] {
                chart.draw_series(std::iter::once(TriangleMarker::new((v, y), 8, style))).unwrap_or_else(|e| draw_failed(e));
            }
            if let Some(v) = values[2] {
                chart
                    .draw_series(std::iter::once(EmptyElement::at((v, y)) + Rectangle::new([(-6, -6), (6, 6)], style)))
                    .unwrap_or_else(|e| draw_failed(e));
            }
        }
        root.present().unwrap_or_else(|e| draw_failed(e));
    }
    finish(svg, title)
}

fn percentile_legend(area: &DrawingArea<SVGBackend<'_>, Shift>, width: u32) {
    let y = 44;
    let mut x = width as i32 / 2 - 170;
    let grey = BLACK.mix(0.75);
    area.draw(&Circle::new((x, y), 6, grey.filled())).unwrap_or_else(|e| draw_failed(e));
    area.draw(&Text::new("median (p50)", (x + 12, y), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
        .unwrap_or_else(|e| draw_failed(e));
    x += 130;
    area.draw(&TriangleMarker::new((x, y), 8, grey.filled())).unwrap_or_else(|e| draw_failed(e));
    area.draw(&Text::new("90th percentile", (x + 12, y), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
        .unwrap_or_else(|e| draw_failed(e));
    x += 140;
    area.draw(&Rectangle::new([(x - 6, y - 6), (x + 6, y + 6)], grey.filled())).unwrap_or_else(|e| draw_failed(e));
    area.draw(&Text::new("99th percentile", (x + 12, y), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
        .unwrap_or_else(|e| draw_failed(e));
}

/// 95% intervals per model and point: `None` where a point has none.
pub type Intervals = [Vec<Option<(f64, f64)>>];

/// A line per model against a numeric x axis, with a legend beside the plot.
pub struct Lines<'a> {
    pub title: &'a str,
    pub x_axis: &'a str,
    pub y_axis: &'a str,
    pub labels: &'a [String],
    /// Per model, (x, y) points; gaps where a value is missing split the line.
    pub series: &'a [Vec<(f64, Option<f64>)>],
    /// A shaded band on the x axis with its label (the warm-up).
    pub shaded: Option<(f64, f64, &'a str)>,
    /// Draw 95% intervals as vertical bars at each point (sweeps), given per model and point.
    pub intervals: Option<&'a Intervals>,
    /// Include zero on the y axis (counts), so changes are not exaggerated.
    pub y_from_zero: bool,
    /// Join each model's points with a line. Off for a Latin hypercube's points, where the
    /// other factors change from one point to the next, so a line between them means nothing.
    pub joined: bool,
    /// Width of the drawing in pixels: 960 for a chart across the page, about 720 for one of
    /// two side by side, so its text stays readable when the page scales it down.
    pub width_px: u32,
    /// Names of the x values when they are not numbers (text or true/false levels): point
    /// `i` is drawn at x = `i` and the axis shows the names.
    pub x_categories: Option<&'a [String]>,
}

/// Draws [`Lines`].
pub fn line_chart(spec: &Lines<'_>) -> String {
    let legend_px = spec.labels.iter().map(|l| text_width(l, TICK_PX)).max().unwrap_or(40) + 60;
    let width = spec.width_px.max(480);
    let height = (width * 5 / 12).max(360);
    let xs = spec.series.iter().flatten().map(|p| p.0);
    let (x_low, x_high) = match spec.x_categories {
        Some(names) => (-0.5, names.len().max(1) as f64 - 0.5),
        None => {
            let (l, h) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| (l.min(x), h.max(x)));
            if !l.is_finite() {
                (0.0, 1.0)
            } else if h == l {
                // A single value: centred, rather than off a default axis.
                let pad = l.abs().max(1.0) * 0.1;
                (l - pad, l + pad)
            } else if spec.intervals.is_some() {
                // Markers and interval bars at the ends must not be cut in half.
                let pad = (h - l) * 0.04;
                (l - pad, h + pad)
            } else {
                (l, h)
            }
        }
    };
    // With intervals, models are drawn slightly apart along x so one's bar does not hide
    // another's at the same value.
    let n_models = spec.series.len();
    let dodge = |model: usize| -> f64 {
        if spec.intervals.is_none() || n_models < 2 {
            return 0.0;
        }
        (model as f64 - (n_models as f64 - 1.0) / 2.0) * (x_high - x_low) * 0.012
    };
    let mut ys: Vec<f64> = spec.series.iter().flatten().filter_map(|p| p.1).collect();
    if let Some(intervals) = spec.intervals {
        ys.extend(intervals.iter().flatten().flatten().flat_map(|&(l, h)| [l, h]));
    }
    let (y_low, y_high) = range(ys, spec.y_from_zero);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let numeric_ticks = ticks(x_low, x_high);
        let x_ticks = |x: &f64| -> String {
            match spec.x_categories {
                // Names only at whole positions; the axis's other ticks stay blank.
                Some(names) if (x - x.round()).abs() < 1e-9 && x.round() >= 0.0 => {
                    names.get(x.round() as usize).cloned().unwrap_or_default()
                }
                Some(_) => String::new(),
                None => numeric_ticks(x),
            }
        };
        root.fill(&WHITE).unwrap_or_else(|e| draw_failed(e));
        let (plot, legend) = root.split_horizontally(width - legend_px);
        let y_ticks = ticks(y_low, y_high);
        let mut chart = ChartBuilder::on(&plot)
            .caption(spec.title, (FONT, TITLE_PX).into_font())
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(76)
            .build_cartesian_2d(x_low..x_high, y_low..y_high)
            .unwrap_or_else(|e| draw_failed(e));
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(spec.x_categories.map_or(10, |names| (2 * names.len() + 1).max(10)))
            .y_labels(6)
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_label_formatter(&x_ticks)
            .y_label_formatter(&y_ticks)
            .x_desc(spec.x_axis)
            .y_desc(spec.y_axis)
            .axis_desc_style((FONT, LABEL_PX))
            .label_style((FONT, TICK_PX));
        if spec.x_categories.is_some() {
            // Grid lines between names would suggest values that do not exist.
            mesh.disable_x_mesh();
        }
        mesh.draw().unwrap_or_else(|e| draw_failed(e));
        if let Some((from, to, label)) = spec.shaded {
            let to = to.min(x_high);
            if to > from {
                chart
                    .draw_series(std::iter::once(Rectangle::new([(from, y_low), (to, y_high)], SHADE.filled())))
                    .unwrap_or_else(|e| draw_failed(e));
                let (px, py) = chart.backend_coord(&((from + to) / 2.0, y_high));
                root.draw(&Text::new(
                    label.to_string(),
                    (px, py + 6),
                    (FONT, TICK_PX).into_font().color(&BLACK.mix(0.7)).pos(Pos::new(HPos::Center, VPos::Top)),
                ))
                .unwrap_or_else(|e| draw_failed(e));
            }
        }
        // The baseline is drawn last so it stays visible on top of the others.
        let order: Vec<usize> = (1..spec.series.len()).chain((!spec.series.is_empty()).then_some(0)).collect();
        for i in order {
            let style = colour(i).stroke_width(if i == 0 { 3 } else { 2 });
            let shift = dodge(i);
            let points: Vec<(f64, Option<f64>)> = spec.series[i].iter().map(|&(x, y)| (x + shift, y)).collect();
            if spec.joined {
                for run in runs(&points) {
                    if dashed(i) {
                        chart.draw_series(DashedLineSeries::new(run, 8, 5, style)).unwrap_or_else(|e| draw_failed(e));
                    } else {
                        chart.draw_series(LineSeries::new(run, style)).unwrap_or_else(|e| draw_failed(e));
                    }
                }
            }
            if let Some(intervals) = spec.intervals {
                for (&(x, _), interval) in points.iter().zip(&intervals[i]) {
                    if let Some((l, h)) = interval {
                        chart
                            .draw_series(std::iter::once(PathElement::new(vec![(x, *l), (x, *h)], colour(i).stroke_width(2))))
                            .unwrap_or_else(|e| draw_failed(e));
                    }
                }
            }
            if spec.intervals.is_some() || !spec.joined {
                let marker = if dashed(i) { colour(i).stroke_width(2) } else { colour(i).filled() };
                chart
                    .draw_series(points.iter().filter_map(|&(x, y)| y.map(|y| Circle::new((x, y), 4, marker))))
                    .unwrap_or_else(|e| draw_failed(e));
            }
        }
        draw_legend(&legend, spec.labels);
        root.present().unwrap_or_else(|e| draw_failed(e));
    }
    finish(svg, spec.title)
}

/// Consecutive points with values, as separate runs so a gap is not bridged.
fn runs(points: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for &(x, y) in points {
        match y {
            Some(y) => runs.last_mut().expect("never empty").push((x, y)),
            None if !runs.last().expect("never empty").is_empty() => runs.push(Vec::new()),
            None => {}
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn draw_legend(area: &DrawingArea<SVGBackend<'_>, Shift>, labels: &[String]) {
    area.draw(&Text::new("Model", (8, 40), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center)))).unwrap_or_else(|e| draw_failed(e));
    for (i, label) in labels.iter().enumerate() {
        let y = 64 + 22 * i as i32;
        let line_style = colour(i).stroke_width(3);
        if dashed(i) {
            area.draw(&DashedPathElement::new(vec![(8, y), (40, y)], 7, 4, line_style)).unwrap_or_else(|e| draw_failed(e));
        } else {
            area.draw(&PathElement::new(vec![(8, y), (40, y)], line_style)).unwrap_or_else(|e| draw_failed(e));
        }
        area.draw(&Text::new(label.clone(), (48, y), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
            .unwrap_or_else(|e| draw_failed(e));
    }
}

/// One model's bars in a [`Ranking`]: per factor, the effect's size and its spread, `None`
/// where the effect could not be measured.
pub type ModelEffects = Vec<Option<(f64, Option<f64>)>>;

/// Factors ranked by their effect on one metric, for sweep reports.
pub struct Ranking<'a> {
    pub title: &'a str,
    /// The effect's axis, with its unit.
    pub axis: &'a str,
    /// Model names: one bar per model in each factor's row, in the models' colours.
    pub labels: &'a [String],
    pub factors: &'a [String],
    /// Per model, per factor: the effect's size (zero or more) and its spread (Morris σ),
    /// `None` where the effect could not be measured.
    pub effects: &'a [ModelEffects],
    /// What a bar is, for the key: "μ* (mean absolute effect)".
    pub effect_label: &'a str,
    /// What a diamond is, when there is a spread: "σ (spread of the effects)".
    pub spread_label: Option<&'a str>,
}

/// The order [`ranking_chart`] draws factors in, top first: by their largest effect in any
/// model, ties in the factors' own order.
pub fn ranking_order(effects: &[ModelEffects], n_factors: usize) -> Vec<usize> {
    let largest = |f: usize| {
        effects.iter().filter_map(|model| model.get(f).copied().flatten()).map(|(size, _)| size).fold(f64::NEG_INFINITY, f64::max)
    };
    let mut order: Vec<usize> = (0..n_factors).collect();
    order.sort_by(|&a, &b| largest(b).total_cmp(&largest(a)).then(a.cmp(&b)));
    order
}

/// Draws a [`Ranking`]: a row per factor, largest effect at the top, with a bar per model
/// for the effect's size and a white diamond for its spread (Morris σ: how much the effect
/// depends on the other factors).
pub fn ranking_chart(spec: &Ranking<'_>) -> String {
    let order = ranking_order(spec.effects, spec.factors.len());
    let (n, n_models) = (order.len(), spec.labels.len().max(1));
    let label_px = spec.factors.iter().map(|f| text_width(f, TICK_PX)).max().unwrap_or(40) + 14;
    let legend_px = spec.labels.iter().map(|l| text_width(l, TICK_PX)).max().unwrap_or(40) + 60;
    let row_px = (14 * n_models as u32 + 12).max(30);
    let width = 760u32;
    // Room for the model legend beside the plot, however few factors there are.
    let height = (130 + row_px * n as u32).max(110 + 22 * n_models as u32);
    let values = spec.effects.iter().flatten().flatten().flat_map(|&(size, spread)| std::iter::once(size).chain(spread));
    let (x_low, x_high) = range(values, true);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let x_ticks = ticks(x_low, x_high);
        root.fill(&WHITE).unwrap_or_else(|e| draw_failed(e));
        let (main, legend) = root.split_horizontally(width - legend_px);
        let main_width = (width - legend_px) as i32;
        let (top, plot) = main.split_vertically(56);
        top.draw(&Text::new(spec.title.to_string(), (main_width / 2, 8), text(TITLE_PX).pos(Pos::new(HPos::Center, VPos::Top))))
            .unwrap_or_else(|e| draw_failed(e));
        let grey = BLACK.mix(0.6);
        let x = main_width / 2 - 180;
        top.draw(&Rectangle::new([(x - 8, 38), (x + 8, 50)], grey.filled())).unwrap_or_else(|e| draw_failed(e));
        top.draw(&Text::new(spec.effect_label.to_string(), (x + 14, 44), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
            .unwrap_or_else(|e| draw_failed(e));
        if let Some(spread_label) = spec.spread_label {
            let x = x + 20 + text_width(spec.effect_label, TICK_PX) as i32;
            draw_diamond(&top, (x, 44));
            top.draw(&Text::new(spread_label.to_string(), (x + 14, 44), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
                .unwrap_or_else(|e| draw_failed(e));
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(24)
            .x_label_area_size(50)
            .y_label_area_size(label_px)
            .build_cartesian_2d(x_low..x_high, -0.5..(n as f64 - 0.5))
            .unwrap_or_else(|e| draw_failed(e));
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_label_formatter(&x_ticks)
            .x_desc(spec.axis)
            .axis_desc_style((FONT, LABEL_PX))
            .label_style((FONT, TICK_PX))
            .draw()
            .unwrap_or_else(|e| draw_failed(e));
        let band = 0.8 / n_models as f64;
        for (row, &factor) in order.iter().enumerate() {
            let y = (n - 1 - row) as f64;
            let (px, py) = chart.backend_coord(&(x_low, y));
            root.draw(&Text::new(spec.factors[factor].clone(), (px - 8, py), text(TICK_PX).pos(Pos::new(HPos::Right, VPos::Center))))
                .unwrap_or_else(|e| draw_failed(e));
            for (model, effects) in spec.effects.iter().enumerate() {
                // Model 0's bar on top, the others below it, as in the legend.
                let centre = y + 0.4 - band * (model as f64 + 0.5);
                let Some((size, spread)) = effects.get(factor).copied().flatten() else { continue };
                let c = colour(model);
                let bar = Rectangle::new([(0.0, centre - band * 0.42), (size, centre + band * 0.42)], c.filled());
                chart.draw_series(std::iter::once(bar)).unwrap_or_else(|e| draw_failed(e));
                if dashed(model) {
                    // Models past the seventh repeat a colour: a white stripe tells them apart.
                    let stripe = PathElement::new(vec![(0.0, centre), (size, centre)], WHITE.stroke_width(2));
                    chart.draw_series(std::iter::once(stripe)).unwrap_or_else(|e| draw_failed(e));
                }
                if let Some(spread) = spread {
                    let (sx, sy) = chart.backend_coord(&(spread, centre));
                    draw_diamond(&root, (sx, sy));
                }
            }
        }
        draw_bar_legend(&legend, spec.labels);
        root.present().unwrap_or_else(|e| draw_failed(e));
    }
    finish(svg, spec.title)
}

/// The model key beside a bar chart: a swatch per model, in bar order.
fn draw_bar_legend(area: &DrawingArea<SVGBackend<'_>, Shift>, labels: &[String]) {
    area.draw(&Text::new("Model", (8, 70), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center)))).unwrap_or_else(|e| draw_failed(e));
    for (i, label) in labels.iter().enumerate() {
        let y = 94 + 22 * i as i32;
        area.draw(&Rectangle::new([(8, y - 6), (40, y + 6)], colour(i).filled())).unwrap_or_else(|e| draw_failed(e));
        if dashed(i) {
            area.draw(&PathElement::new(vec![(8, y), (40, y)], WHITE.stroke_width(2))).unwrap_or_else(|e| draw_failed(e));
        }
        area.draw(&Text::new(label.clone(), (48, y), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
            .unwrap_or_else(|e| draw_failed(e));
    }
}

/// Draws the spread's marker, a diamond, white with a dark outline so it shows on a bar of
/// any colour.
fn draw_diamond<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, centre: (i32, i32)) {
    let (x, y) = centre;
    let corners = vec![(x, y - 8), (x + 8, y), (x, y + 8), (x - 8, y), (x, y - 8)];
    area.draw(&Polygon::new(corners.clone(), WHITE.filled())).unwrap_or_else(|e| draw_failed(e));
    area.draw(&PathElement::new(corners, BLACK.stroke_width(2))).unwrap_or_else(|e| draw_failed(e));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plotters puts each text on its own line inside `<text>`; joined, `>days<` finds it.
    fn flat(svg: String) -> String {
        svg.replace('\n', "")
    }

    #[test]
    fn every_chart_is_a_titled_svg_with_its_axis_units() {
        let labels = vec!["siloed".to_string(), "hub & spoke".to_string()];
        let points = [Some(Point { mean: 25.5, ci95: Some((24.9, 26.2)) }), None];
        let svg = flat(interval_chart("Wait to service start", "days", &labels, &points));
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Wait to service start\""), "{}", &svg[..80]);
        assert!(svg.contains(">days<") && svg.contains(">siloed<") && svg.contains("hub &amp; spoke") && svg.contains("not observed"));
        assert!(svg.contains(&colour_hex(0).to_uppercase()) || svg.contains("#000000"), "the baseline is drawn in black");

        let svg = flat(percentile_chart("Waits", "days", &labels, &[[Some(10.0), Some(40.0), Some(90.0)], [None, None, None]]));
        assert!(svg.contains(">median (p50)<") && svg.contains(">99th percentile<") && svg.contains(">Waits<"));

        let series = vec![vec![(0.0, Some(1.0)), (1.0, None), (2.0, Some(3.0))], vec![(0.0, Some(2.0)), (1.0, Some(2.5))]];
        let svg = flat(line_chart(&Lines {
            title: "Referrals",
            x_axis: "month",
            y_axis: "referrals per month",
            labels: &labels,
            series: &series,
            shaded: Some((0.0, 1.0, "warm-up")),
            intervals: None,
            y_from_zero: true,
            joined: true,
            width_px: 960,
            x_categories: None,
        }));
        assert!(svg.contains(">referrals per month<") && svg.contains(">warm-up<") && svg.contains(">Model<"));

        // A sweep's chart: text levels on x, intervals, both models' colours.
        let levels = vec!["Continuous".to_string(), "Weekdays".to_string()];
        let series = vec![vec![(0.0, Some(20.0)), (1.0, Some(24.0))], vec![(0.0, Some(18.0)), (1.0, None)]];
        let intervals = vec![vec![Some((19.0, 21.0)), Some((23.0, 25.0))], vec![Some((17.0, 19.0)), None]];
        let svg = flat(line_chart(&Lines {
            title: "Wait against calendar",
            x_axis: "calendar (run.calendar)",
            y_axis: "mean wait (days)",
            labels: &labels,
            series: &series,
            shaded: None,
            intervals: Some(&intervals),
            y_from_zero: false,
            joined: true,
            width_px: 720,
            x_categories: Some(&levels),
        }));
        assert!(svg.contains(">Continuous<") && svg.contains(">Weekdays<") && svg.contains(">mean wait (days)<"), "{svg}");
        assert!(svg.to_uppercase().contains(&colour_hex(1).to_uppercase()), "the second model is drawn in its colour");

        let models = vec!["siloed".to_string(), "hub".to_string()];
        let factors = vec!["staff".to_string(), "panel_interval".to_string(), "unmeasured".to_string()];
        let effects = vec![vec![Some((3.0, Some(1.0))), Some((5.0, Some(0.5))), None], vec![Some((2.0, None)), Some((1.0, None)), None]];
        let svg = flat(ranking_chart(&Ranking {
            title: "What moves the wait",
            axis: "days",
            labels: &models,
            factors: &factors,
            effects: &effects,
            effect_label: "μ* (mean absolute effect)",
            spread_label: Some("σ (spread of the effects)"),
        }));
        let (staff, panel) = (svg.find(">staff<").unwrap(), svg.find(">panel_interval<").unwrap());
        assert!(panel < staff, "the factor with the larger effect is listed first");
        assert!(svg.contains(">hub<") && svg.contains(">σ (spread of the effects)<") && svg.contains(">days<"));
        assert_eq!(ranking_order(&effects, 3), vec![1, 0, 2], "largest effect in any model first; unmeasured last");
    }

    #[test]
    fn gaps_split_lines_and_ranges_never_collapse() {
        assert_eq!(
            runs(&[(0.0, Some(1.0)), (1.0, None), (2.0, Some(2.0)), (3.0, Some(4.0))]),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 4.0)]]
        );
        let (low, high) = range([5.0, 5.0], false);
        assert!(low < 5.0 && high > 5.0);
        assert_eq!(range([], true), (0.0, 1.0));
        assert_eq!(range([2.0, 4.0], true).0, 0.0);
        let f = ticks(28_000.0, 31_000.0);
        assert_eq!((f(&29_500.0), f(&30_000.0)), ("29,500".to_string(), "30,000".to_string()));
        assert_eq!(ticks(0.0, 0.3)(&0.05), "0.05");
        assert_eq!(ticks(0.0, 30.0)(&25.0), "25");
    }
}
