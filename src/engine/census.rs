//! The month-end census's table: who holds each need of each episode slot, and the counts
//! the census reports (children open to each unit, tier 4 work in service by unit and
//! domain), kept up to date at every change rather than counted by a walk of the table at
//! each month-end.
//!
//! Why counts kept in step: the walk visited every episode slot each month (20,000 in the
//! county, 1.4 million in England), a branchy loop over a table beyond the processor's
//! caches, about a twentieth of the county's run (`perf record`). A change of holder already
//! has its slot at hand, so keeping the counts costs a few instructions there and no cache
//! miss. The counts are whole numbers, so the month's sums are exactly those of the walk;
//! debug builds (and so the tests) still walk the table at each month-end and compare.

use super::MAX_NEEDS;

/// What the census reads of an episode slot's needs: 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CensusSlot {
    /// Who holds each need (`holder`): nobody, a unit copy's list, or a practitioner.
    pub(super) holders: [u32; MAX_NEEDS],
    /// Each need's domain if its tier is 4, else `NOT_TIER4` (`tier4_domain`).
    pub(super) tier4_domains: [u8; MAX_NEEDS],
}

/// A census holder's flag for a need on a unit copy's referral-to-treatment list (waiting
/// for or in assessment, for allocation or for a practitioner): the copy is in the low bits.
pub(super) const HELD_ON_LIST: u32 = 1 << 30;
/// A census holder's flag for a need in service: the practitioner is in the low bits.
pub(super) const HELD_IN_SERVICE: u32 = 1 << 31;
/// The low bits of a census holder. Unit copies and practitioners are numbered below it
/// (`Sim::new` asserts so).
pub(super) const HOLDER_INDEX_MASK: u32 = HELD_ON_LIST - 1;
/// A census holder for a need nobody holds (in transit, lost or closed), or for no need.
pub(super) const NOT_HELD: u32 = 0;
/// A census entry for a need whose tier is not 4, or for no need.
pub(super) const NOT_TIER4: u8 = u8::MAX;

/// What `CensusSlot::tier4_domains` holds for a need of `tier` in `domain`: the domain if
/// the tier is 4 (the census counts tier 4 work by domain), else `NOT_TIER4`.
pub(super) fn tier4_domain(tier: u8, domain: u8) -> u8 {
    if tier == 4 { domain } else { NOT_TIER4 }
}

/// The census: its table, one slot per episode slot, and its counts as they stand.
pub(super) struct Census {
    slots: Vec<CensusSlot>,
    /// The unit of each holder's index: the unit copies' units, then from
    /// `practitioners_from` the practitioners' (a practitioner never changes unit copy).
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
    /// An empty census for units numbered below `n_units`, whose holders' units are
    /// `unit_of_holder` (unit copies, then from `practitioners_from` practitioners).
    pub(super) fn new(unit_of_holder: Vec<u32>, practitioners_from: usize, n_units: usize, n_domains: usize) -> Census {
        debug_assert!(unit_of_holder.iter().all(|&unit| (unit as usize) < n_units));
        Census {
            slots: Vec::new(),
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

    /// Enters a new episode in slot `idx` (a new slot is added at the end, as in the episode
    /// table), its needs held by nobody, of these tier-4 domains. A reused slot's needs were
    /// all closed, so it counted for nothing.
    #[inline(always)]
    pub(super) fn open(&mut self, idx: u32, tier4_domains: [u8; MAX_NEEDS]) {
        let slot = CensusSlot { holders: [NOT_HELD; MAX_NEEDS], tier4_domains };
        if idx as usize == self.slots.len() {
            self.slots.push(slot);
        } else {
            debug_assert_eq!(self.slots[idx as usize].holders, [NOT_HELD; MAX_NEEDS], "a freed slot's needs are held by nobody");
            self.slots[idx as usize] = slot;
        }
    }

    /// Need `need` of slot `idx` is now held by `holder` (`NOT_HELD` for nobody).
    #[inline(always)]
    pub(super) fn set_holder(&mut self, idx: u32, need: u8, holder: u32) {
        let slot = &self.slots[idx as usize];
        let need = need as usize % MAX_NEEDS;
        let old = slot.holders[need];
        // A need moving between a unit copy's lists keeps its holder (the copy): nothing
        // changes.
        if old != holder {
            self.change(idx as usize, need, holder, slot.tier4_domains[need]);
        }
    }

    /// Need `need` of slot `idx` now has this tier-4 domain (`tier4_domain`): its tier changed.
    pub(super) fn set_tier4_domain(&mut self, idx: u32, need: u8, tier4_domain: u8) {
        let need = need as usize % MAX_NEEDS;
        let holder = self.slots[idx as usize].holders[need];
        self.change(idx as usize, need, holder, tier4_domain);
    }

    /// Sets need `need` of slot `idx` to (`holder`, `tier4_domain`), its old entry's counts
    /// taken away first and the new one's added after.
    #[inline(never)]
    fn change(&mut self, idx: usize, need: usize, holder: u32, tier4_domain: u8) {
        let slot = self.slots[idx];
        let old_holder = slot.holders[need];
        if old_holder != NOT_HELD {
            self.count(&slot, need, old_holder, slot.tier4_domains[need], false);
        }
        let slot = &mut self.slots[idx];
        (slot.holders[need], slot.tier4_domains[need]) = (holder, tier4_domain);
        let slot = *slot;
        if holder != NOT_HELD {
            self.count(&slot, need, holder, tier4_domain, true);
        }
    }

    /// Adds (or takes away) the counts of need `need` of `slot`, held by `holder`: its tier 4
    /// work if in service, and its child for the unit unless another need of the slot is held
    /// by the same unit (the child then counts for that need as well as this one).
    #[inline(always)]
    fn count(&mut self, slot: &CensusSlot, need: usize, holder: u32, tier4_domain: u8, add: bool) {
        let (unit, in_service) = self.unit_of(holder);
        let step = |count: &mut u32| {
            *count = if add { *count + 1 } else { count.checked_sub(1).expect("a census count never goes negative") }
        };
        if in_service && tier4_domain != NOT_TIER4 {
            step(&mut self.tier4_in_service[unit * self.n_domains + tier4_domain as usize]);
        }
        let shared = slot.holders.iter().enumerate().any(|(other, &h)| other != need && h != NOT_HELD && self.unit_of(h).0 == unit);
        if !shared {
            step(&mut self.open_children[unit]);
        }
    }

    /// The holders and tier-4 domains of slot `idx`.
    pub(super) fn slot(&self, idx: usize) -> &CensusSlot {
        &self.slots[idx]
    }

    /// The slots entered so far (every episode slot).
    pub(super) fn n_slots(&self) -> usize {
        self.slots.len()
    }

    /// The counts as they stand: children open by unit, and tier 4 needs in service by unit
    /// and domain (`unit × n_domains + domain`).
    pub(super) fn counts(&self) -> (&[u32], &[u32]) {
        (&self.open_children, &self.tier4_in_service)
    }

    /// The same counts, worked out by walking the table: what the month-end census did
    /// before the counts were kept, kept to check them (debug builds, at each month-end).
    #[cfg(any(debug_assertions, test))]
    pub(super) fn counts_by_walk(&self) -> (Vec<u32>, Vec<u32>) {
        let mut open_children = vec![0u32; self.open_children.len()];
        let mut tier4_in_service = vec![0u32; self.tier4_in_service.len()];
        let mut seen = vec![usize::MAX; open_children.len()];
        for (idx, slot) in self.slots.iter().enumerate() {
            for (need, &holder) in slot.holders.iter().enumerate() {
                if holder == NOT_HELD {
                    continue;
                }
                let (unit, in_service) = self.unit_of(holder);
                if seen[unit] != idx {
                    seen[unit] = idx;
                    open_children[unit] += 1;
                }
                if in_service && slot.tier4_domains[need] != NOT_TIER4 {
                    tier4_in_service[unit * self.n_domains + slot.tier4_domains[need] as usize] += 1;
                }
            }
        }
        (open_children, tier4_in_service)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kept counts agree with the walk through any sequence of changes: holders moving
    /// between lists and practitioners of units (two copies of one unit among them), needs of
    /// one slot held by the same unit and by different ones, tiers changing in and out of 4,
    /// and slots freed and reused.
    #[test]
    fn kept_counts_are_the_walks() {
        use rand::{RngExt, SeedableRng};
        // Unit copies 0..3 of units [0, 0, 1], practitioners 0..4 of units [0, 1, 1, 2].
        let unit_of_holder = vec![0, 0, 1, 0, 1, 1, 2];
        let mut census = Census::new(unit_of_holder, 3, 3, 2);
        let mut rng = crate::rng::Generator::seed_from_u64(17);
        let holders = [
            NOT_HELD,
            HELD_ON_LIST,
            HELD_ON_LIST | 1,
            HELD_ON_LIST | 2,
            HELD_IN_SERVICE,
            HELD_IN_SERVICE | 1,
            HELD_IN_SERVICE | 2,
            HELD_IN_SERVICE | 3,
        ];
        let n_slots = 12u32;
        for idx in 0..n_slots {
            census.open(idx, [NOT_TIER4, 1, NOT_TIER4, 0]);
        }
        let mut n_checked = 0;
        for step in 0..20_000 {
            let idx = rng.random_range(0..n_slots);
            let need = rng.random_range(0..MAX_NEEDS as u8);
            match rng.random_range(0..10) {
                0 => census.set_tier4_domain(idx, need, [NOT_TIER4, 0, 1][rng.random_range(0..3)]),
                1 => {
                    // Freed (every need closed) and reused.
                    for need in 0..MAX_NEEDS as u8 {
                        census.set_holder(idx, need, NOT_HELD);
                    }
                    census.open(idx, [rng.random_range(0..2), NOT_TIER4, 1, NOT_TIER4]);
                }
                _ => census.set_holder(idx, need, holders[rng.random_range(0..holders.len())]),
            }
            if step % 7 == 0 {
                let (open_children, tier4_in_service) = census.counts_by_walk();
                assert_eq!(census.counts(), (&open_children[..], &tier4_in_service[..]), "step {step}");
                n_checked += 1;
            }
        }
        // The walk found children open and tier 4 work, so the test compared something.
        let (open_children, tier4_in_service) = census.counts_by_walk();
        assert!(n_checked > 2000 && open_children.iter().sum::<u32>() > 0 && tier4_in_service.iter().sum::<u32>() > 0);
    }
}
