//! Experimental designs for sweeps (full factorial, Latin hypercube, Morris trajectories) and
//! the Morris elementary-effect statistics, all in unit coordinates.
//!
//! A design point is a list of coordinates in [0, 1], one per factor; `sweep` maps them onto
//! each factor's range or levels. Random designs draw from the plan seed's
//! [`Purpose::Design`] stream through `next_u64` only, with our own float conversion and
//! shuffle, so a plan's points never change when the `rand` crate changes its algorithms.

use crate::rng::{self, Generator, Purpose};
use rand::Rng;

/// Full factorial over `n_levels[f]` levels of each factor: every combination of level
/// indices, the first factor varying slowest (so the rows read like a nested loop).
pub fn factorial(n_levels: &[usize]) -> Vec<Vec<usize>> {
    let n_points: usize = n_levels.iter().product();
    (0..n_points)
        .map(|mut point_idx| {
            let mut indices = vec![0; n_levels.len()];
            for (slot, n) in indices.iter_mut().zip(n_levels).rev() {
                *slot = point_idx % n;
                point_idx /= n;
            }
            indices
        })
        .collect()
}

/// The coordinate of a Latin hypercube point: stratum `stratum` of `n_points`, at `jitter`
/// (in [0, 1)) of the way through it.
pub fn lhs_value(stratum: usize, jitter: f64, n_points: usize) -> f64 {
    (stratum as f64 + jitter) / n_points as f64
}

/// A Latin hypercube of `n_points` points over `n_factors` factors: each factor's range is cut
/// into `n_points` equal strata and every stratum is used by exactly one point. Factor `f`
/// uses its own stream, so adding a factor does not move the others' values.
pub fn latin_hypercube(n_points: usize, n_factors: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; n_factors]; n_points];
    for factor_idx in 0..n_factors {
        let mut rng = rng::stream(seed, 0, Purpose::Design, factor_idx as u64);
        let strata = permutation(&mut rng, n_points);
        for (point, stratum) in points.iter_mut().zip(strata) {
            point[factor_idx] = lhs_value(stratum, unit_float(&mut rng), n_points);
        }
    }
    points
}

/// The step of a Morris design on a `levels`-level grid: p / (2 (p - 1)), the choice that
/// makes every grid level equally likely to be sampled (Morris 1991).
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// One Morris trajectory of k + 1 points. Factor `i` starts at grid level `base[i]` (which
/// must leave room for one step up) when `up[i]`, otherwise one step above it; then the
/// factors move one at a time, in `order`, by one step (up or down).
pub fn morris_trajectory(base: &[usize], up: &[bool], order: &[usize], levels: usize) -> Vec<Vec<f64>> {
    let delta = morris_delta(levels);
    let grid = |level: usize| level as f64 / (levels as f64 - 1.0);
    let mut point: Vec<f64> = base.iter().zip(up).map(|(&b, &u)| if u { grid(b) } else { grid(b) + delta }).collect();
    let mut trajectory = vec![point.clone()];
    for &factor_idx in order {
        point[factor_idx] += if up[factor_idx] { delta } else { -delta };
        trajectory.push(point.clone());
    }
    trajectory
}

/// `n_trajectories` random Morris trajectories over `n_factors` factors on a `levels`-level
/// grid (`levels` even, at least 2): `n_trajectories * (n_factors + 1)` points, trajectory by
/// trajectory. Trajectory `t` draws from its own stream.
pub fn morris(n_trajectories: usize, n_factors: usize, levels: usize, seed: u64) -> Vec<Vec<f64>> {
    assert!(levels >= 2 && levels.is_multiple_of(2), "validation admits only an even number of Morris levels");
    let mut points = Vec::with_capacity(n_trajectories * (n_factors + 1));
    for trajectory_idx in 0..n_trajectories {
        let mut rng = rng::stream(seed, 0, Purpose::Design, trajectory_idx as u64);
        // Levels 0..p/2 are those from which one step of p/(2(p-1)) stays inside [0, 1].
        let base: Vec<usize> = (0..n_factors).map(|_| below(&mut rng, levels / 2)).collect();
        let up: Vec<bool> = (0..n_factors).map(|_| rng.next_u64() >> 63 == 1).collect();
        let order = permutation(&mut rng, n_factors);
        points.extend(morris_trajectory(&base, &up, &order, levels));
    }
    points
}

/// Morris statistics of one factor's elementary effects on one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effects {
    /// Mean effect: its sign says which way the output moves.
    pub mu: f64,
    /// Mean absolute effect: the factor's overall influence, used for ranking.
    pub mu_star: f64,
    /// Standard deviation of the effects: large when the factor interacts with others or
    /// acts non-linearly. `None` with a single effect.
    pub sigma: Option<f64>,
    pub n_effects: usize,
}

/// Elementary effects per factor from Morris trajectories (`points` as [`morris`] returns
/// them) and the output at each point (`None` where it was not observed; effects touching
/// such a point are left out). An effect is the output's change divided by the factor's
/// change in unit coordinates, i.e. per whole range of the factor. `None` for a factor with
/// no effect observed.
pub fn elementary_effects(points: &[Vec<f64>], outputs: &[Option<f64>], n_factors: usize) -> Vec<Option<Effects>> {
    assert_eq!(points.len(), outputs.len(), "one output per design point");
    assert_eq!(points.len() % (n_factors + 1), 0, "whole trajectories only");
    let mut effects: Vec<Vec<f64>> = vec![Vec::new(); n_factors];
    for (trajectory, ys) in points.chunks(n_factors + 1).zip(outputs.chunks(n_factors + 1)) {
        for step in 0..n_factors {
            let (before, after) = (&trajectory[step], &trajectory[step + 1]);
            let moved: Vec<usize> = (0..n_factors).filter(|&f| before[f] != after[f]).collect();
            assert_eq!(moved.len(), 1, "consecutive Morris points differ in exactly one factor");
            let factor_idx = moved[0];
            if let (Some(y0), Some(y1)) = (ys[step], ys[step + 1]) {
                effects[factor_idx].push((y1 - y0) / (after[factor_idx] - before[factor_idx]));
            }
        }
    }
    effects
        .into_iter()
        .map(|values| {
            let n = values.len();
            (n > 0).then(|| {
                let mu = values.iter().sum::<f64>() / n as f64;
                let mu_star = values.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
                let sigma = (n > 1).then(|| (values.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
                Effects { mu, mu_star, sigma, n_effects: n }
            })
        })
        .collect()
}

/// A uniform float in [0, 1) from the top 53 bits of one draw.
fn unit_float(rng: &mut Generator) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer below `n` (multiply-shift; the bias is below 2^-64 per value).
fn below(rng: &mut Generator, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// A uniform random permutation of 0..n (Fisher-Yates).
fn permutation(rng: &mut Generator, n: usize) -> Vec<usize> {
    let mut items: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        items.swap(i, below(rng, i + 1));
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factorial_lists_every_combination_first_factor_slowest() {
        assert_eq!(factorial(&[2, 3]), vec![vec![0, 0], vec![0, 1], vec![0, 2], vec![1, 0], vec![1, 1], vec![1, 2]]);
        assert_eq!(factorial(&[1]), vec![vec![0]]);
    }

    #[test]
    fn latin_hypercube_uses_every_stratum_once_and_is_reproducible() {
        assert_eq!(lhs_value(2, 0.5, 4), 0.625);
        let points = latin_hypercube(10, 3, 7);
        assert_eq!(points, latin_hypercube(10, 3, 7));
        assert_ne!(points, latin_hypercube(10, 3, 8));
        for factor_idx in 0..3 {
            let mut strata: Vec<usize> = points.iter().map(|p| (p[factor_idx] * 10.0).floor() as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
        // A factor's column does not depend on how many factors there are.
        let wider = latin_hypercube(10, 4, 7);
        assert!(points.iter().zip(&wider).all(|(a, b)| a[..3] == b[..3]));
    }

    #[test]
    fn morris_trajectory_matches_hand_construction() {
        // p = 4: grid 0, 1/3, 2/3, 1 and delta = 4/6 = 2/3.
        assert!((morris_delta(4) - 2.0 / 3.0).abs() < 1e-15);
        // Factor 0 starts at level 1 (1/3) going up; factor 1 starts one step above level 0
        // (2/3) going down; factor 1 moves first.
        let t = morris_trajectory(&[1, 0], &[true, false], &[1, 0], 4);
        let expected = [[1.0 / 3.0, 2.0 / 3.0], [1.0 / 3.0, 0.0], [1.0, 0.0]];
        assert_eq!(t.len(), 3);
        for (point, want) in t.iter().zip(expected) {
            assert!(point.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12), "{point:?} != {want:?}");
        }
    }

    #[test]
    fn morris_points_stay_on_the_grid_and_move_one_factor_at_a_time() {
        let points = morris(5, 3, 4, 11);
        assert_eq!(points.len(), 5 * 4);
        for point in &points {
            for x in point {
                let level = x * 3.0;
                assert!((level - level.round()).abs() < 1e-9 && (-1e-9..=1.0 + 1e-9).contains(x), "{x} is off the grid");
            }
        }
        for trajectory in points.chunks(4) {
            for pair in trajectory.windows(2) {
                let moved: Vec<f64> = pair[0].iter().zip(&pair[1]).map(|(a, b)| (b - a).abs()).filter(|d| *d > 0.0).collect();
                assert_eq!(moved.len(), 1);
                assert!((moved[0] - 2.0 / 3.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn elementary_effects_match_hand_calculation() {
        // y = 3 x0 - 2 x1 + 4 x0 x1 on two trajectories over two factors.
        let y = |p: &[f64]| 3.0 * p[0] - 2.0 * p[1] + 4.0 * p[0] * p[1];
        let points = vec![vec![0.0, 0.0], vec![0.5, 0.0], vec![0.5, 0.5], vec![1.0, 1.0], vec![1.0, 0.5], vec![0.5, 0.5]];
        let outputs: Vec<Option<f64>> = points.iter().map(|p| Some(y(p))).collect();
        let effects = elementary_effects(&points, &outputs, 2);
        // Factor 0: trajectory 1 moves x0 0 -> .5 at x1 = 0: (1.5 - 0) / .5 = 3;
        //   trajectory 2 moves x0 1 -> .5 at x1 = .5: y(1, .5) = 4, y(.5, .5) = 1.5, so
        //   (1.5 - 4) / -.5 = 5. Mean 4, standard deviation sqrt(((3-4)^2 + (5-4)^2) / 1).
        let e0 = effects[0].unwrap();
        assert!((e0.mu - 4.0).abs() < 1e-12 && (e0.mu_star - 4.0).abs() < 1e-12);
        assert!((e0.sigma.unwrap() - 2f64.sqrt()).abs() < 1e-12);
        // Factor 1: trajectory 1: x1 0 -> .5 at x0 = .5: (1.5 - 1.5) / .5 = 0.
        //   trajectory 2: x1 1 -> .5 at x0 = 1: y(1, 1) = 5, y(1, .5) = 4: (4 - 5) / -.5 = 2.
        let e1 = effects[1].unwrap();
        assert!((e1.mu - 1.0).abs() < 1e-12 && (e1.mu_star - 1.0).abs() < 1e-12 && e1.n_effects == 2);
        // A missing output drops the effects that touch it.
        let mut gappy = outputs.clone();
        gappy[1] = None;
        let effects = elementary_effects(&points, &gappy, 2);
        assert_eq!(effects[0].unwrap().n_effects, 1);
        assert_eq!(effects[0].unwrap().sigma, None);
        assert_eq!(effects[1].unwrap().n_effects, 1);
    }
}
