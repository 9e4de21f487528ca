//! The month-end census's counts (children open to each unit, tier 4 work in service by
//! unit and domain): counted by a walk of the episode table while it is small and, once it is
//! large, kept up to date at every change of a need's holder or tier instead.
//!
//! Why both: the walk visits every episode slot each month (20,000 in the county, 1.4
//! million in England), a loop over a table beyond the processor's caches, about a twentieth
//! of the county's run (`perf record`); a change of holder has its episode at hand, so
//! keeping the counts there costs a call and no cache miss. But a small table sees many
//! more changes than it has slots (mmc: ~30 slots, ~700 changes a month), and there the walk
//! is far cheaper: keeping the counts cost mmc 9% more instructions. So the census walks
//! until the table reaches `KEEP_COUNTS_FROM_SLOTS` slots at a month-end; that walk's counts
//! are then kept from there on. The counts are whole numbers, so the month's sums are
//! exactly those of the walk; debug builds (and so the tests) still walk the table at each
//! month-end and compare.
//!
//! The census reads a need as its holder (`census_holder`: nobody, a unit copy's list, or a
//! practitioner) and its tier-4 domain (`tier4_domain`), worked out from the need itself.
//! (A table of them beside the episodes, which the walk read instead of the episodes, was
//! read at every change once the counts were kept: a cache miss each, a twelfth of the
//! county's run.)

use super::{Need, NeedState};

/// A census holder's flag for a need on a unit copy's referral-to-treatment list (waiting
/// for or in assessment, for allocation or for a practitioner): the copy is in the low bits.
pub(super) const HELD_ON_LIST: u32 = 1 << 30;
/// A census holder's flag for a need in service: the practitioner is in the low bits.
pub(super) const HELD_IN_SERVICE: u32 = 1 << 31;
/// The low bits of a census holder. Unit copies and practitioners are numbered below it
/// (`Sim::new` asserts so).
pub(super) const HOLDER_INDEX_MASK: u32 = HELD_ON_LIST - 1;
/// A census holder for a need nobody holds (in transit, lost or closed).
pub(super) const NOT_HELD: u32 = 0;
/// A census tier-4 domain for a need whose tier is not 4.
pub(super) const NOT_TIER4: u8 = u8::MAX;

/// Who holds a need in `state`, as the census counts it. Inlined where the state is set,
/// whose callers nearly all name the state's kind, so that this is an `or` or a constant.
#[inline(always)]
pub(super) fn census_holder(state: NeedState) -> u32 {
    match state {
        NeedState::AwaitingAssessment { unit_instance }
        | NeedState::AwaitingPanel { unit_instance }
        | NeedState::AwaitingService { unit_instance } => HELD_ON_LIST | unit_instance,
        NeedState::InService { practitioner } => HELD_IN_SERVICE | practitioner,
        NeedState::InTransit | NeedState::Lost | NeedState::Closed(_) => NOT_HELD,
    }
}

/// A need of `tier` in `domain` as the census counts it: the domain if the tier is 4 (the
/// census counts tier 4 work by domain), else `NOT_TIER4`.
#[inline(always)]
pub(super) fn tier4_domain(tier: u8, domain: u8) -> u8 {
    if tier == 4 { domain } else { NOT_TIER4 }
}

/// A census table of this many slots or more at a month-end keeps its counts from then on
/// (the module's comment). The county passes it in its first year, mmc never.
const KEEP_COUNTS_FROM_SLOTS: usize = 2048;

/// The census's counts, walked or kept.
pub(super) struct Census {
    /// Whether `open_children` and `tier4_in_service` are kept up to date at every change;
    /// until then they hold the last walk's counts.
    kept: bool,
    /// `KEEP_COUNTS_FROM_SLOTS` (the tests set it lower).
    keep_from_slots: usize,
    /// The unit of each holder's index: the unit copies' units, then from
    /// `practitioners_from` the practitioners' (a practitioner never changes unit copy): one
    /// read per holder, where going from a practitioner to the copy and on to the unit took
    /// two dependent reads.
    unit_of_holder: Vec<u32>,
    practitioners_from: usize,
    n_domains: usize,
    /// By unit: the episode slots with at least one need the unit holds (a child counts once
    /// however many of its needs the unit holds).
    open_children: Vec<u32>,
    /// By unit and domain (`unit × n_domains + domain`): the needs of tier 4 in service.
    tier4_in_service: Vec<u32>,
}

impl Census {
    /// The census of units numbered below `n_units`, whose holders' units are
    /// `unit_of_holder` (unit copies, then from `practitioners_from` practitioners).
    pub(super) fn new(unit_of_holder: Vec<u32>, practitioners_from: usize, n_units: usize, n_domains: usize) -> Census {
        debug_assert!(unit_of_holder.iter().all(|&unit| (unit as usize) < n_units));
        Census {
            kept: false,
            keep_from_slots: KEEP_COUNTS_FROM_SLOTS,
            unit_of_holder,
            practitioners_from,
            n_domains,
            open_children: vec![0; n_units],
            tier4_in_service: vec![0; n_units * n_domains],
        }
    }

    /// The unit of `holder` (not `NOT_HELD`), and whether the need is in service.
    #[inline(always)]
    fn unit_of(&self, holder: u32) -> (usize, bool) {
        let index = (holder & HOLDER_INDEX_MASK) as usize;
        let in_service = holder & HELD_IN_SERVICE != 0;
        (self.unit_of_holder[index + if in_service { self.practitioners_from } else { 0 }] as usize, in_service)
    }

    /// Need `need` of an episode whose needs are `needs` is about to take `state`: its counts
    /// follow, if they are kept. Called before the state is stored (the old one is read here).
    #[inline(always)]
    pub(super) fn set_state(&mut self, needs: &[Need], need: usize, state: NeedState) {
        if self.kept {
            let n = &needs[need];
            let (old, new) = (census_holder(n.state), census_holder(state));
            // A need moving between a unit copy's lists keeps its holder (the copy): nothing
            // changes.
            if old != new {
                let tier4_domain = tier4_domain(n.tier, n.domain);
                self.change(needs, need, (old, tier4_domain), (new, tier4_domain));
            }
        }
    }

    /// Need `need` of an episode whose needs are `needs` is about to change tier from its own
    /// to `tier`: its counts follow, if they are kept.
    pub(super) fn set_tier(&mut self, needs: &[Need], need: usize, tier: u8) {
        if self.kept {
            let n = &needs[need];
            let holder = census_holder(n.state);
            self.change(needs, need, (holder, tier4_domain(n.tier, n.domain)), (holder, tier4_domain(tier, n.domain)));
        }
    }

    /// Need `need` of `needs` goes from `old` to `new` (holder, tier-4 domain): the old
    /// entry's counts taken away and the new one's added. A child counts for a unit once,
    /// however many of its needs the unit holds: so its count changes only where the unit
    /// gains its first need of the episode or loses its last, and not at all where the need
    /// stays with the unit (from a copy's list to one of its practitioners, the usual move).
    /// Out of line: two or three calls a referral.
    #[inline(never)]
    fn change(&mut self, needs: &[Need], need: usize, old: (u32, u8), new: (u32, u8)) {
        let old_held = (old.0 != NOT_HELD).then(|| self.unit_of(old.0));
        let new_held = (new.0 != NOT_HELD).then(|| self.unit_of(new.0));
        if let Some((unit, true)) = old_held
            && old.1 != NOT_TIER4
        {
            let count = &mut self.tier4_in_service[unit * self.n_domains + old.1 as usize];
            debug_assert!(*count > 0, "a census count never goes negative");
            *count -= 1;
        }
        if let Some((unit, true)) = new_held
            && new.1 != NOT_TIER4
        {
            self.tier4_in_service[unit * self.n_domains + new.1 as usize] += 1;
        }
        let (old_unit, new_unit) = (old_held.map(|(unit, _)| unit), new_held.map(|(unit, _)| unit));
        if old_unit == new_unit {
            return;
        }
        // Whether another need of the episode is held by `unit` (most episodes have one need).
        let shared = |unit: usize| {
            needs.len() > 1
                && needs.iter().enumerate().any(|(other, n)| {
                    let holder = census_holder(n.state);
                    other != need && holder != NOT_HELD && self.unit_of(holder).0 == unit
                })
        };
        let lost = old_unit.filter(|&unit| !shared(unit));
        let gained = new_unit.filter(|&unit| !shared(unit));
        if let Some(unit) = lost {
            debug_assert!(self.open_children[unit] > 0, "a census count never goes negative");
            self.open_children[unit] -= 1;
        }
        if let Some(unit) = gained {
            self.open_children[unit] += 1;
        }
    }

    /// The month-end's counts over the episode table, given as each slot's needs (a free
    /// slot's are all closed): children open by unit, and tier 4 needs in service by unit and
    /// domain (`unit × n_domains + domain`). Walked while the table is small; kept from the
    /// first month-end at which it is large (that month's walk starts them).
    pub(super) fn month_counts<'e>(&mut self, slots: impl ExactSizeIterator<Item = &'e [Need]>) -> (&[u32], &[u32]) {
        let n_slots = slots.len();
        if self.kept {
            #[cfg(debug_assertions)]
            {
                let kept = (self.open_children.clone(), self.tier4_in_service.clone());
                self.walk(slots);
                assert_eq!(kept, (self.open_children.clone(), self.tier4_in_service.clone()), "the census's kept counts are the walk's");
            }
        } else {
            self.walk(slots);
            self.kept = n_slots >= self.keep_from_slots;
        }
        (&self.open_children, &self.tier4_in_service)
    }

    /// Counts the slots' needs into `open_children` and `tier4_in_service`.
    fn walk<'e>(&mut self, slots: impl Iterator<Item = &'e [Need]>) {
        let (mut open_children, mut tier4_in_service) =
            (std::mem::take(&mut self.open_children), std::mem::take(&mut self.tier4_in_service));
        open_children.fill(0);
        tier4_in_service.fill(0);
        // Per unit, the last slot counted: a child counts once however many of its needs the
        // unit holds.
        let mut seen = vec![usize::MAX; open_children.len()];
        for (idx, needs) in slots.enumerate() {
            for n in needs {
                let holder = census_holder(n.state);
                if holder == NOT_HELD {
                    continue;
                }
                let (unit, in_service) = self.unit_of(holder);
                if seen[unit] != idx {
                    seen[unit] = idx;
                    open_children[unit] += 1;
                }
                let tier4_domain = tier4_domain(n.tier, n.domain);
                if in_service && tier4_domain != NOT_TIER4 {
                    tier4_in_service[unit * self.n_domains + tier4_domain as usize] += 1;
                }
            }
        }
        (self.open_children, self.tier4_in_service) = (open_children, tier4_in_service);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MAX_NEEDS;

    /// A need in `state`, of `tier` in domain `domain`.
    fn need(state: NeedState, tier: u8, domain: u8) -> Need {
        Need {
            state,
            domain,
            tier,
            overstated: false,
            bounces: 0,
            clock_slot: 0,
            untreated_since_day: f64::NAN,
            escalation_left: 0.0,
            resolution_left: 0.0,
            service_exp1: 0.0,
            service_normal: 0.0,
        }
    }

    /// The census's counts by the plainest walk: per unit, the slots with a need it holds;
    /// per unit and domain, the needs of tier 4 in service.
    fn plain_counts(census: &Census, slots: &[Vec<Need>]) -> (Vec<u32>, Vec<u32>) {
        let mut open_children = vec![0; census.open_children.len()];
        let mut tier4_in_service = vec![0; census.tier4_in_service.len()];
        for needs in slots {
            let held: Vec<(usize, bool, &Need)> = needs
                .iter()
                .filter(|n| census_holder(n.state) != NOT_HELD)
                .map(|n| {
                    let (unit, in_service) = census.unit_of(census_holder(n.state));
                    (unit, in_service, n)
                })
                .collect();
            for (unit, count) in open_children.iter_mut().enumerate() {
                if held.iter().any(|&(u, _, _)| u == unit) {
                    *count += 1;
                }
            }
            for &(unit, in_service, n) in &held {
                if in_service && n.tier == 4 {
                    tier4_in_service[unit * census.n_domains + n.domain as usize] += 1;
                }
            }
        }
        (open_children, tier4_in_service)
    }

    /// The month-end counts are the plain walk's through any sequence of changes, walked
    /// (a table below the threshold) or kept (from the first month-end at or above it):
    /// needs moving between lists and practitioners of units (two copies of one unit among
    /// them), needs of one episode held by the same unit and by different ones, tiers
    /// changing in and out of 4, and slots freed and reused.
    #[test]
    fn month_counts_are_the_walks() {
        use rand::{RngExt, SeedableRng};
        let states = [
            NeedState::InTransit,
            NeedState::Lost,
            NeedState::AwaitingAssessment { unit_instance: 0 },
            NeedState::AwaitingPanel { unit_instance: 1 },
            NeedState::AwaitingService { unit_instance: 2 },
            NeedState::AwaitingService { unit_instance: 0 },
            NeedState::InService { practitioner: 0 },
            NeedState::InService { practitioner: 1 },
            NeedState::InService { practitioner: 2 },
            NeedState::InService { practitioner: 3 },
        ];
        for keep_from_slots in [usize::MAX, 12, 0] {
            // Unit copies 0..3 of units [0, 0, 1], practitioners 0..4 of units [0, 1, 1, 2].
            let mut census = Census::new(vec![0, 0, 1, 0, 1, 1, 2], 3, 3, 2);
            census.keep_from_slots = keep_from_slots;
            let mut rng = crate::rng::Generator::seed_from_u64(17);
            let new_needs = |rng: &mut crate::rng::Generator| -> Vec<Need> {
                (0..rng.random_range(1..=MAX_NEEDS))
                    .map(|_| need(NeedState::InTransit, rng.random_range(1..=4), rng.random_range(0..2)))
                    .collect()
            };
            let mut slots: Vec<Vec<Need>> = Vec::new();
            let (mut n_checked, mut n_open, mut n_tier4) = (0, 0, 0);
            for step in 0..20_000 {
                // The table grows to twelve slots over the first steps; a new episode's needs
                // are in transit, held by nobody.
                let idx = rng.random_range(0..12.min(step / 50 + 1));
                if idx == slots.len() {
                    slots.push(new_needs(&mut rng));
                    continue;
                }
                let n_needs = slots[idx].len();
                let k = rng.random_range(0..n_needs);
                match rng.random_range(0..10) {
                    0 => {
                        let tier = rng.random_range(1..=4);
                        census.set_tier(&slots[idx], k, tier);
                        slots[idx][k].tier = tier;
                    }
                    1 => {
                        // Every need closed (lost, here), then the slot reused.
                        for k in 0..n_needs {
                            census.set_state(&slots[idx], k, NeedState::Lost);
                            slots[idx][k].state = NeedState::Lost;
                        }
                        slots[idx] = new_needs(&mut rng);
                    }
                    _ => {
                        let state = states[rng.random_range(0..states.len())];
                        census.set_state(&slots[idx], k, state);
                        slots[idx][k].state = state;
                    }
                }
                if step % 7 == 0 {
                    let expected = plain_counts(&census, &slots);
                    let (open_children, tier4_in_service) = census.month_counts(slots.iter().map(|needs| &needs[..]));
                    assert_eq!((open_children.to_vec(), tier4_in_service.to_vec()), expected, "step {step}");
                    n_checked += 1;
                    n_open += expected.0.iter().sum::<u32>();
                    n_tier4 += expected.1.iter().sum::<u32>();
                }
            }
            // Kept from the start, from the table's twelfth slot, or never; and the counts
            // compared were not all zero.
            assert_eq!(census.kept, keep_from_slots <= 12, "kept from {keep_from_slots}");
            assert!(n_checked > 2000 && n_open > 0 && n_tier4 > 0);
        }
    }
}
