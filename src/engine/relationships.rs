//! Trust between practitioners and the agencies they work with: the agent-based part of
//! collaboration (seed paper §4.4, §6: "integrated working was founded on and sustained by
//! very strong personal relationships between staff").
//!
//! Memory is bounded by design: each practitioner holds one trust value per agency, not one
//! per colleague, so the table is practitioners × agencies (a few thousand numbers for a
//! county) however many colleagues they meet. Trust towards one's own agency is always 1.

/// Trust of every practitioner towards every agency, in [0, 1].
pub struct Relationships {
    n_agencies: usize,
    /// `trust[practitioner * n_agencies + agency]`.
    trust: Vec<f32>,
    /// Each practitioner's own agency.
    agency_of: Vec<u16>,
    /// The level trust starts at and fades back to.
    baseline: f32,
}

impl Relationships {
    pub fn new(agency_of: Vec<u16>, n_agencies: usize, baseline: f64) -> Self {
        let baseline = baseline as f32;
        Relationships { n_agencies, trust: vec![baseline; agency_of.len() * n_agencies], agency_of, baseline }
    }

    pub fn agency_of(&self, practitioner: u32) -> usize {
        self.agency_of[practitioner as usize] as usize
    }

    /// Trust of `practitioner` towards `agency`.
    pub fn trust(&self, practitioner: u32, agency: usize) -> f64 {
        if self.agency_of(practitioner) == agency {
            return 1.0;
        }
        f64::from(self.trust[practitioner as usize * self.n_agencies + agency])
    }

    /// Moves trust a share `gain` of the way towards 1 (so repeated gains saturate).
    pub fn gain(&mut self, practitioner: u32, agency: usize, gain: f64) {
        if self.agency_of(practitioner) == agency || gain <= 0.0 {
            return;
        }
        let slot = &mut self.trust[practitioner as usize * self.n_agencies + agency];
        *slot += (1.0 - *slot) * gain as f32;
    }

    /// `gain` for every practitioner in `practitioners` towards each of `agencies` (a bit
    /// mask) but their own: the gains of a unit copy's week or joint training, with the test
    /// of the gain and the look-up of the row once, not once a practitioner and agency. The
    /// same operations on each value as `gain`.
    pub fn gain_all(&mut self, practitioners: std::ops::Range<u32>, agencies: u32, gain: f64) {
        if gain <= 0.0 {
            return;
        }
        let gain = gain as f32;
        for practitioner in practitioners {
            let own = 1u32.checked_shl(u32::from(self.agency_of[practitioner as usize])).unwrap_or(0);
            let start = practitioner as usize * self.n_agencies;
            let mut rest = agencies & !own;
            while rest != 0 {
                let slot = &mut self.trust[start + rest.trailing_zeros() as usize];
                *slot += (1.0 - *slot) * gain;
                rest &= rest - 1;
            }
        }
    }

    /// Lets trust above (or below) the baseline fade back towards it by `keep`, the share of
    /// the difference that survives, for every practitioner in `practitioners` (a unit copy's,
    /// numbered together). Their rows lie together in `trust`, so this is one loop that the
    /// compiler does four values at a time, where a loop a practitioner over the county's few
    /// agencies did one (19 M instructions in the 10-year county). Each value gets the same
    /// operations in the same order as before, so the same result.
    pub fn fade(&mut self, practitioners: std::ops::Range<u32>, keep: f64) {
        let baseline = self.baseline;
        let keep = keep as f32;
        let rows = practitioners.start as usize * self.n_agencies..practitioners.end as usize * self.n_agencies;
        for slot in &mut self.trust[rows] {
            *slot = baseline + (*slot - baseline) * keep;
        }
    }

    /// A newcomer replaces a leaver: relationships start again from the baseline.
    pub fn reset(&mut self, practitioner: u32) {
        let start = practitioner as usize * self.n_agencies;
        let baseline = self.baseline;
        self.trust[start..start + self.n_agencies].iter_mut().for_each(|slot| *slot = baseline);
    }

    /// The sum and number of cross-agency trust values of `practitioners` towards the
    /// `agencies` (a bit mask) other than their own (the monthly mean trust is their ratio): totals add up
    /// across the runs of independent localities, means do not.
    pub fn cross_agency_totals(&self, practitioners: impl Iterator<Item = u32>, agencies: u32) -> (f64, u64) {
        let (mut sum, mut n) = (0.0, 0u64);
        for p in practitioners {
            let own = self.agency_of(p);
            for agency in 0..self.n_agencies {
                if agency != own && agencies & (1 << agency) != 0 {
                    sum += self.trust(p, agency);
                    n += 1;
                }
            }
        }
        (sum, n)
    }
}

/// The mean of a sum and count, if there was anything to average.
pub fn mean_of((sum, n): (f64, u64)) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_gains_saturate_fade_and_reset() {
        let mut r = Relationships::new(vec![0, 1], 2, 0.2);
        assert_eq!(r.trust(0, 0), 1.0, "own agency is always trusted");
        r.gain(0, 1, 0.5);
        assert!((r.trust(0, 1) - 0.6).abs() < 1e-6);
        r.gain(0, 1, 0.5);
        assert!((r.trust(0, 1) - 0.8).abs() < 1e-6);
        r.fade(0..1, 0.5);
        assert!((r.trust(0, 1) - 0.5).abs() < 1e-6);
        r.reset(0);
        assert!((r.trust(0, 1) - 0.2).abs() < 1e-6);
        assert_eq!(mean_of(r.cross_agency_totals([0, 1].into_iter(), 0b11)), Some(0.2f32 as f64));
        assert_eq!(mean_of(r.cross_agency_totals([0].into_iter(), 0b01)), None);
    }

    /// `gain_all` and `fade` over a range leave every value as `gain` for each practitioner
    /// and agency in turn, and the old one-practitioner fade, did.
    #[test]
    fn gains_and_fades_of_a_range_are_those_of_each_practitioner() {
        let agency_of = vec![0, 2, 1, 2, 0];
        let (mut all, mut each) = (Relationships::new(agency_of.clone(), 3, 0.3), Relationships::new(agency_of, 3, 0.3));
        for (round, gain) in [0.25, 0.0, 0.125, 0.5].into_iter().enumerate() {
            all.fade(1..4, 0.75);
            all.gain_all(1..4, 0b111 >> (round % 2), gain);
            for practitioner in 1..4u32 {
                let start = practitioner as usize * 3;
                for slot in &mut each.trust[start..start + 3] {
                    *slot = 0.3f32 + (*slot - 0.3f32) * 0.75f32;
                }
                for agency in 0..3 {
                    if (0b111 >> (round % 2)) & (1 << agency) != 0 {
                        each.gain(practitioner, agency, gain);
                    }
                }
            }
            assert_eq!(all.trust, each.trust, "round {round}");
        }
        assert!(all.trust[..3].iter().chain(&all.trust[12..]).all(|&trust| trust == 0.3f32), "outside the range untouched");
    }
}
