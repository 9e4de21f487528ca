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
    let decimals = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
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
}

/// Draws [`Lines`].
pub fn line_chart(spec: &Lines<'_>) -> String {
    let legend_px = spec.labels.iter().map(|l| text_width(l, TICK_PX)).max().unwrap_or(40) + 60;
    let (width, height) = (960u32, 400u32);
    let xs = spec.series.iter().flatten().map(|p| p.0);
    let (x_low, x_high) = {
        let (l, h) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| (l.min(x), h.max(x)));
        if l.is_finite() && h > l { (l, h) } else { (0.0, 1.0) }
    };
    let mut ys: Vec<f64> = spec.series.iter().flatten().filter_map(|p| p.1).collect();
    if let Some(intervals) = spec.intervals {
        ys.extend(intervals.iter().flatten().flatten().flat_map(|&(l, h)| [l, h]));
    }
    let (y_low, y_high) = range(ys, spec.y_from_zero);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let x_ticks = ticks(x_low, x_high);
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
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(6)
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_label_formatter(&x_ticks)
            .y_label_formatter(&y_ticks)
            .x_desc(spec.x_axis)
            .y_desc(spec.y_axis)
            .axis_desc_style((FONT, LABEL_PX))
            .label_style((FONT, TICK_PX))
            .draw()
            .unwrap_or_else(|e| draw_failed(e));
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
            for run in runs(&spec.series[i]) {
                if dashed(i) {
                    chart.draw_series(DashedLineSeries::new(run, 8, 5, style)).unwrap_or_else(|e| draw_failed(e));
                } else {
                    chart.draw_series(LineSeries::new(run, style)).unwrap_or_else(|e| draw_failed(e));
                }
            }
            if let Some(intervals) = spec.intervals {
                for (&(x, _), interval) in spec.series[i].iter().zip(&intervals[i]) {
                    if let Some((l, h)) = interval {
                        chart
                            .draw_series(std::iter::once(PathElement::new(vec![(x, *l), (x, *h)], colour(i).stroke_width(2))))
                            .unwrap_or_else(|e| draw_failed(e));
                    }
                }
                let marker = if dashed(i) { colour(i).stroke_width(2) } else { colour(i).filled() };
                chart
                    .draw_series(spec.series[i].iter().filter_map(|&(x, y)| y.map(|y| Circle::new((x, y), 4, marker))))
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

/// Factors ranked by their Morris effect on one metric: a bar for μ* (mean absolute
/// elementary effect) and a diamond for σ (how much the effect depends on the other factors),
/// largest μ* at the top. For sweep reports.
pub fn ranking_chart(title: &str, axis: &str, factors: &[(String, f64, f64)]) -> String {
    let mut ranked: Vec<&(String, f64, f64)> = factors.iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let n = ranked.len();
    let label_px = ranked.iter().map(|f| text_width(&f.0, TICK_PX)).max().unwrap_or(40) + 14;
    let (width, height) = (620u32, 130 + 30 * n as u32);
    let (x_low, x_high) = range(ranked.iter().flat_map(|f| [f.1, f.2]), true);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let x_ticks = ticks(x_low, x_high);
        root.fill(&WHITE).unwrap_or_else(|e| draw_failed(e));
        let (top, plot) = root.split_vertically(56);
        top.draw(&Text::new(title.to_string(), (width as i32 / 2, 8), text(TITLE_PX).pos(Pos::new(HPos::Center, VPos::Top))))
            .unwrap_or_else(|e| draw_failed(e));
        let x = width as i32 / 2 - 150;
        top.draw(&Rectangle::new([(x - 8, 38), (x + 8, 50)], colour(5).filled())).unwrap_or_else(|e| draw_failed(e));
        top.draw(&Text::new("μ* (effect size)", (x + 14, 44), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
            .unwrap_or_else(|e| draw_failed(e));
        top.draw(&diamond((x + 170, 44), colour(4))).unwrap_or_else(|e| draw_failed(e));
        top.draw(&Text::new("σ (interaction)", (x + 184, 44), text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center))))
            .unwrap_or_else(|e| draw_failed(e));
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
        for (i, (name, mu_star, sigma)) in ranked.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let (px, py) = chart.backend_coord(&(0.0, y));
            root.draw(&Text::new(name.clone(), (px - 8, py), text(TICK_PX).pos(Pos::new(HPos::Right, VPos::Center))))
                .unwrap_or_else(|e| draw_failed(e));
            chart
                .draw_series(std::iter::once(Rectangle::new([(0.0, y - 0.3), (*mu_star, y + 0.3)], colour(5).filled())))
                .unwrap_or_else(|e| draw_failed(e));
            let (sx, sy) = chart.backend_coord(&(*sigma, y));
            root.draw(&diamond((sx, sy), colour(4))).unwrap_or_else(|e| draw_failed(e));
        }
        root.present().unwrap_or_else(|e| draw_failed(e));
    }
    finish(svg, title)
}

fn diamond(centre: (i32, i32), c: RGBColor) -> Polygon<(i32, i32)> {
    let (x, y) = centre;
    Polygon::new(vec![(x, y - 8), (x + 8, y), (x, y + 8), (x - 8, y)], c.filled())
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
        }));
        assert!(svg.contains(">referrals per month<") && svg.contains(">warm-up<") && svg.contains(">Model<"));

        let svg = flat(ranking_chart("What moves the wait", "days", &[("staff".into(), 3.0, 1.0), ("panel_interval".into(), 5.0, 0.5)]));
        let (staff, panel) = (svg.find(">staff<").unwrap(), svg.find(">panel_interval<").unwrap());
        assert!(panel < staff, "the factor with the larger effect is listed first");
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
