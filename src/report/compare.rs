//! Comparing each model with the baseline in plain words: paired-t intervals on the
//! per-replication differences, a verdict (better, worse, within noise) and the sentence that
//! says it.
//!
//! Why paired: replication r of every model faces the same families (common random numbers),
//! so the difference between two models in replication r is one observation of the effect of
//! the structure, and the replications' differences are what the interval is built from. A
//! two-sample (Welch) interval ignores the pairing; it is not "on the safe side": where two
//! models' values are negatively correlated across replications (a quarter of the reference
//! county's comparisons) it is narrower than the paired interval, so it would call some
//! differences clear that are not. Where the two models did not observe a metric in the same
//! replications, pairs are incomplete and the comparison falls back to Welch's interval.

use super::read::Results;
use crate::metrics::{METRICS, t_quantile_975};
use crate::output::human;

/// How a metric's values are written for people.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A wait in days.
    Days,
    /// A share 0-1, written as a percentage "of" something.
    Share(&'static str),
    /// A number with a unit written after it ("per episode", "a year").
    Per(&'static str),
    /// Pounds a year.
    Pounds,
}

/// The words the report uses for one metric.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub name: &'static str,
    /// What the metric is, to follow a verb: "reduced the mean wait to service start".
    pub phrase: &'static str,
    /// A chart title.
    pub title: &'static str,
    /// A chart's value axis, with its unit.
    pub axis: &'static str,
    pub kind: Kind,
    /// Neither direction is better: more referrals can be hidden need surfacing, higher
    /// utilisation can be overload. `METRICS.lower_is_better` is a bool and cannot say so.
    pub neutral: bool,
}

const fn words(name: &'static str, phrase: &'static str, title: &'static str, axis: &'static str, kind: Kind) -> Words {
    Words { name, phrase, title, axis, kind, neutral: false }
}

/// Words for every metric in [`METRICS`]; a metric missing here falls back to its name.
pub const WORDS: &[Words] = &[
    Words { neutral: true, ..words("referrals", "referrals", "Referrals", "referrals a year", Kind::Per("a year")) },
    words(
        "wait_first_contact_days",
        "the mean wait to first contact",
        "Wait from referral to first contact",
        "mean wait (days)",
        Kind::Days,
    ),
    words(
        "wait_assessment_done_days",
        "the mean wait to a completed assessment",
        "Wait from referral to completed assessment",
        "mean wait (days)",
        Kind::Days,
    ),
    words(
        "wait_service_start_days",
        "the mean wait to service start",
        "Wait from referral to service start",
        "mean wait (days)",
        Kind::Days,
    ),
    words("handoffs_per_episode", "handoffs between units", "Handoffs between units", "handoffs per episode", Kind::Per("per episode")),
    words(
        "bounced_referrals_per_episode",
        "bounced referrals",
        "Referrals bounced back",
        "bounced referrals per episode",
        Kind::Per("per episode"),
    ),
    words(
        "assessments_per_episode",
        "assessments",
        "Assessments a family goes through",
        "assessments per episode",
        Kind::Per("per episode"),
    ),
    words(
        "story_retellings_per_episode",
        "times a family retells its story",
        "Times a family retells its story",
        "retellings per episode",
        Kind::Per("per episode"),
    ),
    words(
        "professionals_per_family_year",
        "the practitioners a family sees",
        "Practitioners a family sees",
        "distinct practitioners a year",
        Kind::Per("a year"),
    ),
    words("escalation_rate_tier3", "escalation to tier 3", "Episodes escalating to tier 3", "% of episodes", Kind::Share("of episodes")),
    words("escalation_rate_tier4", "escalation to tier 4", "Episodes escalating to tier 4", "% of episodes", Kind::Share("of episodes")),
    words(
        "rereferral_rate_12m",
        "re-referral within 12 months",
        "Re-referred within 12 months",
        "% of closed episodes",
        Kind::Share("of closed episodes"),
    ),
    words(
        "lost_episodes",
        "families lost between services",
        "Families lost between services",
        "episodes lost a year",
        Kind::Per("episodes a year"),
    ),
    words(
        "unmet_need_child_days",
        "unmet need",
        "Unmet need",
        "child-days a year with a need not worked with",
        Kind::Per("child-days a year"),
    ),
    Words {
        neutral: true,
        ..words(
            "practitioner_utilisation",
            "practitioner utilisation",
            "Practitioner utilisation",
            "% of caseload slots in use",
            Kind::Share("of caseload slots"),
        )
    },
    words(
        "coordination_time_share",
        "time spent coordinating",
        "Staff time spent coordinating",
        "% of contracted staff hours",
        Kind::Share("of staff hours"),
    ),
    words("staff_cost", "staff cost", "Staff cost", "£ a year", Kind::Pounds),
    words(
        "complex_handoffs_per_episode",
        "handoffs for complex families",
        "Handoffs, complex families",
        "handoffs per episode",
        Kind::Per("per episode"),
    ),
    words(
        "complex_assessments_per_episode",
        "assessments for complex families",
        "Assessments, complex families",
        "assessments per episode",
        Kind::Per("per episode"),
    ),
    words(
        "complex_story_retellings_per_episode",
        "story retellings for complex families",
        "Story retellings, complex families",
        "retellings per episode",
        Kind::Per("per episode"),
    ),
    words(
        "complex_professionals_per_family_year",
        "the practitioners a complex family sees",
        "Practitioners a complex family sees",
        "distinct practitioners a year",
        Kind::Per("a year"),
    ),
    words(
        "wait_service_start_tier1_days",
        "the mean wait to service start for a need referred at tier 1",
        "Wait to service start, referred at tier 1",
        "mean wait (days)",
        Kind::Days,
    ),
    words(
        "wait_service_start_tier2_days",
        "the mean wait to service start for a need referred at tier 2",
        "Wait to service start, referred at tier 2",
        "mean wait (days)",
        Kind::Days,
    ),
    words(
        "wait_service_start_tier3_days",
        "the mean wait to service start for a need referred at tier 3",
        "Wait to service start, referred at tier 3",
        "mean wait (days)",
        Kind::Days,
    ),
    words(
        "wait_service_start_tier4_days",
        "the mean wait to service start for a need referred at tier 4",
        "Wait to service start, referred at tier 4",
        "mean wait (days)",
        Kind::Days,
    ),
];

/// The words for metric `metric` (an index into [`METRICS`]).
pub fn words_for(metric: usize) -> Words {
    let def = METRICS[metric];
    WORDS.iter().find(|w| w.name == def.name).copied().unwrap_or(Words {
        name: def.name,
        phrase: def.name,
        title: def.name,
        axis: def.unit,
        kind: Kind::Per(""),
        neutral: false,
    })
}

impl Kind {
    /// Values are multiplied by this before they are shown (shares become percentages).
    pub fn scale(self) -> f64 {
        if matches!(self, Kind::Share(_)) { 100.0 } else { 1.0 }
    }

    /// A value with its unit: "25.5 days", "4.30% of episodes", "£36,712,000 a year".
    pub fn value(self, v: f64) -> String {
        match self {
            Kind::Days => format!("{} days", human(v)),
            Kind::Share(of) => format!("{}% {of}", human(v * 100.0)),
            Kind::Per(unit) => format!("{} {unit}", human(v)).trim_end().to_string(),
            Kind::Pounds => format!("£{} a year", human(v)),
        }
    }

    /// A signed number without its unit, on the scale shown: "−2.13", "+0.120".
    pub fn signed(self, d: f64) -> String {
        let d = d * self.scale();
        if d < 0.0 { format!("\u{2212}{}", human(-d)) } else { format!("+{}", human(d)) }
    }

    /// The unit of a difference: "days", "percentage points".
    pub fn difference_unit(self) -> String {
        match self {
            Kind::Days => "days".into(),
            Kind::Share(_) => "percentage points".into(),
            Kind::Per(unit) => unit.to_string(),
            Kind::Pounds => "£ a year".into(),
        }
    }
}

/// A difference between two models' means with its 95% interval (paired, or Welch's when the
/// replications cannot be paired).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Mean of the model minus mean of the baseline.
    pub difference: f64,
    /// `None` when either side has fewer than two replications.
    pub ci95: Option<(f64, f64)>,
}

fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = if values.len() > 1 { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (mean, variance)
}

/// The 95% interval for mean(`model`) − mean(`baseline`), values indexed by replication
/// (`None` where a replication observed nothing); `None` when either side has no values.
/// When both observed the metric in the same replications, a paired-t interval on the
/// differences (n − 1 degrees of freedom); otherwise Welch's (`welch`). The difference itself
/// is always the difference of the two means, as the report's sentences state them.
pub fn compare(baseline: &[Option<f64>], model: &[Option<f64>]) -> Option<Interval> {
    let observed = |values: &[Option<f64>]| values.iter().flatten().copied().collect::<Vec<f64>>();
    let same_replications = baseline.len() == model.len() && baseline.iter().zip(model).all(|(a, b)| a.is_some() == b.is_some());
    if !same_replications {
        return welch(&observed(baseline), &observed(model));
    }
    let (a, b) = (observed(baseline), observed(model));
    if a.is_empty() {
        return None;
    }
    let difference = mean_and_variance(&b).0 - mean_and_variance(&a).0;
    if a.len() < 2 {
        return Some(Interval { difference, ci95: None });
    }
    let differences: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
    let (_, variance) = mean_and_variance(&differences);
    if variance == 0.0 {
        // The same difference in every replication: it is exact.
        return Some(Interval { difference, ci95: Some((difference, difference)) });
    }
    let half = t_quantile_975(differences.len() - 1) * (variance / differences.len() as f64).sqrt();
    Some(Interval { difference, ci95: Some((difference - half, difference + half)) })
}

/// Welch's two-sample 95% interval for mean(`model`) − mean(`baseline`); `None` when either
/// has no values. Degrees of freedom are Welch–Satterthwaite's, rounded down (the safe side).
pub fn welch(baseline: &[f64], model: &[f64]) -> Option<Interval> {
    if baseline.is_empty() || model.is_empty() {
        return None;
    }
    let (mean_a, var_a) = mean_and_variance(baseline);
    let (mean_b, var_b) = mean_and_variance(model);
    let difference = mean_b - mean_a;
    if baseline.len() < 2 || model.len() < 2 {
        return Some(Interval { difference, ci95: None });
    }
    let (se_a, se_b) = (var_a / baseline.len() as f64, var_b / model.len() as f64);
    let se2 = se_a + se_b;
    if se2 == 0.0 {
        // Both models gave the same value in every replication: the difference is exact.
        return Some(Interval { difference, ci95: Some((difference, difference)) });
    }
    let df = se2 * se2 / (se_a * se_a / (baseline.len() as f64 - 1.0) + se_b * se_b / (model.len() as f64 - 1.0));
    let half = t_quantile_975((df.floor() as usize).max(1)) * se2.sqrt();
    Some(Interval { difference, ci95: Some((difference - half, difference + half)) })
}

/// What a difference means for the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Better,
    Worse,
    /// A clear change in a metric with no better direction.
    Changed,
    /// The interval contains zero.
    WithinNoise,
    /// The same value in every replication of both models.
    Identical,
    /// Fewer than two replications, or not observed in one model.
    Unknown,
}

/// One metric of one model against the baseline.
#[derive(Debug, Clone)]
pub struct Row {
    pub metric: usize,
    /// Means as `summary.json` states them.
    pub baseline_mean: Option<f64>,
    pub model_mean: Option<f64>,
    pub interval: Option<Interval>,
    pub verdict: Verdict,
}

impl Row {
    /// Size of the difference relative to the baseline, for putting the largest first.
    fn relative_size(&self) -> f64 {
        match (self.interval, self.baseline_mean) {
            (Some(i), Some(b)) if b != 0.0 => (i.difference / b).abs(),
            (Some(i), _) => i.difference.abs(),
            _ => 0.0,
        }
    }

    /// The plain-language sentence, e.g. "Compared with siloed, integrated_hub reduced the mean
    /// wait to service start from 25.5 days to 23.4 days (difference −2.13 days, 95% CI −2.96 to
    /// −1.30)."
    pub fn sentence(&self, baseline: &str, model: &str) -> String {
        let w = words_for(self.metric);
        let (Some(a), Some(b), Some(interval)) = (self.baseline_mean, self.model_mean, self.interval) else {
            return format!("{} could not be compared: it was not observed in every model.", capitalise(w.phrase));
        };
        let verb = if interval.difference < 0.0 { "reduced" } else { "increased" };
        let ci = match interval.ci95 {
            Some((low, high)) => {
                format!(", 95% CI {} to {}", w.kind.signed(low), w.kind.signed(high))
            }
            None => ", no interval: fewer than two replications".into(),
        };
        format!(
            "Compared with {baseline}, {model} {verb} {} from {} to {} (difference {} {}{ci}).",
            w.phrase,
            w.kind.value(a),
            w.kind.value(b),
            w.kind.signed(interval.difference),
            w.kind.difference_unit()
        )
    }

    /// The short form for lists of small differences: "unmet need (1,066,584 → 1,013,468
    /// child-days a year; difference −53,116, 95% CI −110,000 to +4,000)".
    pub fn brief(&self) -> String {
        let w = words_for(self.metric);
        match (self.baseline_mean, self.model_mean, self.interval) {
            (Some(a), Some(b), Some(interval)) => {
                let ci = interval.ci95.map(|(l, h)| format!(", 95% CI {} to {}", w.kind.signed(l), w.kind.signed(h))).unwrap_or_default();
                format!("{} ({} → {}; difference {}{ci})", w.phrase, w.kind.value(a), w.kind.value(b), w.kind.signed(interval.difference))
            }
            (Some(a), Some(_), None) | (Some(a), None, _) => {
                format!("{} (baseline {})", w.phrase, w.kind.value(a))
            }
            (None, Some(b), _) => format!("{} (model {})", w.phrase, w.kind.value(b)),
            (None, None, _) => w.phrase.to_string(),
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Every metric of model `model` against model 0, the baseline, largest differences first
/// within each verdict.
pub fn against_baseline(results: &Results, model: usize) -> Vec<Row> {
    let base = &results.models[0];
    let this = &results.models[model];
    let mut rows: Vec<Row> = (0..METRICS.len())
        .map(|metric| {
            let baseline_mean = base.summary[metric].and_then(|s| s.mean);
            let model_mean = this.summary[metric].and_then(|s| s.mean);
            let interval = compare(&base.replications[metric], &this.replications[metric]);
            let verdict = match (baseline_mean, model_mean, interval) {
                (Some(_), Some(_), Some(Interval { difference, ci95: Some((low, high)) })) => {
                    if low == 0.0 && high == 0.0 && difference == 0.0 {
                        Verdict::Identical
                    } else if low <= 0.0 && high >= 0.0 {
                        Verdict::WithinNoise
                    } else if words_for(metric).neutral {
                        Verdict::Changed
                    } else if (difference < 0.0) == METRICS[metric].lower_is_better {
                        Verdict::Better
                    } else {
                        Verdict::Worse
                    }
                }
                _ => Verdict::Unknown,
            };
            Row { metric, baseline_mean, model_mean, interval, verdict }
        })
        .collect();
    rows.sort_by(|a, b| a.verdict.cmp(&b.verdict).then(b.relative_size().total_cmp(&a.relative_size())).then(a.metric.cmp(&b.metric)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_words() {
        for def in METRICS {
            assert!(
                WORDS.iter().any(|w| w.name == def.name),
                "metric `{}` has no entry in report::compare::WORDS: add its phrase, title and kind so reports describe it in words",
                def.name
            );
        }
    }

    #[test]
    fn welch_matches_a_hand_calculation() {
        // a: mean 2, variance 1 (n 3); b: mean 5, variance 4 (n 3).
        let i = welch(&[1.0, 2.0, 3.0], &[3.0, 5.0, 7.0]).unwrap();
        assert_eq!(i.difference, 3.0);
        let se2: f64 = 1.0 / 3.0 + 4.0 / 3.0;
        let df = se2 * se2 / ((1.0f64 / 3.0).powi(2) / 2.0 + (4.0f64 / 3.0).powi(2) / 2.0); // 2.94
        assert_eq!(df.floor(), 2.0);
        let half = 4.303 * se2.sqrt();
        let (low, high) = i.ci95.unwrap();
        assert!((low - (3.0 - half)).abs() < 1e-12 && (high - (3.0 + half)).abs() < 1e-12);
        assert_eq!(welch(&[1.0], &[2.0, 3.0]).unwrap().ci95, None);
        assert_eq!(welch(&[4.0, 4.0], &[6.0, 6.0]).unwrap().ci95, Some((2.0, 2.0)));
        assert!(welch(&[], &[1.0]).is_none());
    }

    #[test]
    fn comparisons_pair_replications_and_fall_back_to_welch_when_they_cannot() {
        // Differences 2, 3, 4: mean 3, variance 1, n 3, so the half-width is t(2) / sqrt(3).
        let (a, b) = ([Some(1.0), Some(2.0), Some(3.0)], [Some(3.0), Some(5.0), Some(7.0)]);
        let i = compare(&a, &b).unwrap();
        assert_eq!(i.difference, 3.0);
        let half = 4.303 / 3f64.sqrt();
        let (low, high) = i.ci95.unwrap();
        assert!((low - (3.0 - half)).abs() < 1e-12 && (high - (3.0 + half)).abs() < 1e-12, "{low} {high}");
        // Negatively correlated replications: the paired interval is wider than Welch's, which
        // would call this difference clear.
        let (a, b) = ([Some(1.0), Some(2.0), Some(3.0)], [Some(2.4), Some(2.2), Some(2.0)]);
        let paired = compare(&a, &b).unwrap().ci95.unwrap();
        let two_sample = welch(&[1.0, 2.0, 3.0], &[2.4, 2.2, 2.0]).unwrap().ci95.unwrap();
        assert!(paired.1 - paired.0 > two_sample.1 - two_sample.0, "{paired:?} {two_sample:?}");
        // The same difference in every replication is exact.
        assert_eq!(compare(&[Some(4.0), Some(5.0)], &[Some(6.0), Some(7.0)]).unwrap().ci95, Some((2.0, 2.0)));
        // Replications observed by one model only cannot be paired: Welch on what there is.
        let (a, b) = ([Some(1.0), Some(2.0), None], [Some(3.0), Some(5.0), Some(7.0)]);
        assert_eq!(compare(&a, &b), welch(&[1.0, 2.0], &[3.0, 5.0, 7.0]));
        assert!(compare(&[None, None], &[None, None]).is_none());
        assert_eq!(compare(&[Some(1.0), None], &[Some(2.0), None]).unwrap().ci95, None);
    }

    #[test]
    fn sentences_carry_units_and_signs() {
        let row = Row {
            metric: crate::metrics::Metric::WaitServiceStart as usize,
            baseline_mean: Some(29.7),
            model_mean: Some(26.1),
            interval: Some(Interval { difference: -3.6, ci95: Some((-5.1, -2.1)) }),
            verdict: Verdict::Better,
        };
        assert_eq!(
            row.sentence("siloed", "integrated_hub"),
            "Compared with siloed, integrated_hub reduced the mean wait to service start from 29.7 days to 26.1 days (difference \u{2212}3.60 days, 95% CI \u{2212}5.10 to \u{2212}2.10)."
        );
        let share = Row {
            metric: crate::metrics::Metric::EscalationTier3 as usize,
            baseline_mean: Some(0.056),
            model_mean: Some(0.043),
            interval: Some(Interval { difference: -0.013, ci95: Some((-0.02, 0.001)) }),
            verdict: Verdict::WithinNoise,
        };
        assert!(share.sentence("a", "b").contains(
            "from 5.60% of episodes to 4.30% of episodes (difference \u{2212}1.30 percentage points, 95% CI \u{2212}2.00 to +0.100)"
        ));
    }
}
