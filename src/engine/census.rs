//! The month-end census's table: who holds each need of each episode slot, and the counts
//! the census reports (children open to each unit, tier 4 work in service by unit and
//! domain), counted by a walk of the table while it is small and, once it is large, kept up
//! to date at every change instead.
//!
//! Why both: the walk visits every episode slot each month (20,000 in the county, 1.4
//! million in England), a branchy loop over a table beyond the processor's caches, about a
//! twentieth of the county's run (`perf record`); a change of holder already has its slot
//! at hand, so keeping the counts there costs a call and no cache miss. But a small table
//! sees many more changes than it has slots (mmc: ~30 slots, ~700 changes a month), and
//! there the walk is far cheaper: keeping the counts cost mmc 9% more instructions. So the
//! census walks until the table reaches `KEEP_COUNTS_FROM_SLOTS` slots at a month-end; that
//! walk's counts are then kept from there on. The counts are whole numbers, so the month's
//! sums are exactly those of the walk; debug builds (and so the tests) still walk the table
//! at each month-end and compare.

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

/// A census table of this many slots or more at a month-end keeps its counts from then on
/// (the module's comment). The county passes it in its first year, mmc never.
const KEEP_COUNTS_FROM_SLOTS: usize = 2048;

/// The census: its table, one slot per episode slot, and its counts.
pub(super) struct Census {
    slots: Vec<CensusSlot>,
    /// Whether `open_children` and `tier4_in_service` are kept up to date at every change;
    /// until then they hold the last walk's counts.
    kept: bool,
    /// `KEEP_COUNTS_FROM_SLOTS` (the tests set it lower).
    keep_from_slots: usize,
    /// The unit of each holder's index: the unit copies' units, then from
    /// `practitioners_from` the practitioners' (a practitioner never changes unit copy).
    unit_of_holder: Vec<u32>,
    practitioners_from: usize,
    n_domains: usize,
    /// By unit: the episode slots with at least one need the unit holds (a child counts once
    /// however many of its needs the unit holds). Kept, or the last walk's (`kept`).
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
        let need = need as usize % MAX_NEEDS;
        if !self.kept {
            self.slots[idx as usize].holders[need] = holder;
            return;
        }
        let slot = &self.slots[idx as usize];
        // A need moving between a unit copy's lists keeps its holder (the copy): nothing
        // changes.
        if slot.holders[need] != holder {
            self.change(idx as usize, need, holder, slot.tier4_domains[need]);
        }
    }

    /// Need `need` of slot `idx` now has this tier-4 domain (`tier4_domain`): its tier changed.
    pub(super) fn set_tier4_domain(&mut self, idx: u32, need: u8, tier4_domain: u8) {
        let need = need as usize % MAX_NEEDS;
        if !self.kept {
            self.slots[idx as usize].tier4_domains[need] = tier4_domain;
            return;
        }
        let holder = self.slots[idx as usize].holders[need];
        self.change(idx as usize, need, holder, tier4_domain);
    }

    /// Sets need `need` of slot `idx` to (`holder`, `tier4_domain`): the old entry's counts
    /// taken away and the new one's added. A child counts for a unit once, however many of
    /// its needs the unit holds: so its count changes only where the unit gains its first
    /// need of the slot or loses its last, and not at all where the need stays with the unit
    /// (from a copy's list to one of its practitioners, the usual move). Out of line: two or
    /// three calls a referral, from every change of a need's state.
    #[inline(never)]
    fn change(&mut self, idx: usize, need: usize, holder: u32, tier4_domain: u8) {
        let slot = &mut self.slots[idx];
        let (old_holder, old_tier4_domain) = (slot.holders[need], slot.tier4_domains[need]);
        (slot.holders[need], slot.tier4_domains[need]) = (holder, tier4_domain);
        let mut others = slot.holders;
        others[need] = NOT_HELD;
        let old = (old_holder != NOT_HELD).then(|| self.unit_of(old_holder));
        let new = (holder != NOT_HELD).then(|| self.unit_of(holder));
        if let Some((unit, true)) = old
            && old_tier4_domain != NOT_TIER4
        {
            let count = &mut self.tier4_in_service[unit * self.n_domains + old_tier4_domain as usize];
            debug_assert!(*count > 0, "a census count never goes negative");
            *count -= 1;
        }
        if let Some((unit, true)) = new
            && tier4_domain != NOT_TIER4
        {
            self.tier4_in_service[unit * self.n_domains + tier4_domain as usize] += 1;
        }
        let old_unit = old.map(|(unit, _)| unit);
        let new_unit = new.map(|(unit, _)| unit);
        if old_unit == new_unit {
            return;
        }
        // Whether another need of the slot is held by `unit` (most slots hold one need).
        let shared = |unit: usize| others != [NOT_HELD; MAX_NEEDS] && others.iter().any(|&h| h != NOT_HELD && self.unit_of(h).0 == unit);
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

    /// The holders and tier-4 domains of slot `idx`.
    pub(super) fn slot(&self, idx: usize) -> &CensusSlot {
        &self.slots[idx]
    }

    /// The slots entered so far (every episode slot).
    pub(super) fn n_slots(&self) -> usize {
        self.slots.len()
    }

    /// The month-end's counts: children open by unit, and tier 4 needs in service by unit
    /// and domain (`unit × n_domains + domain`). Walked while the table is small; kept from
    /// the first month-end at which it is large (that month's walk starts them).
    pub(super) fn month_counts(&mut self) -> (&[u32], &[u32]) {
        if self.kept {
            #[cfg(debug_assertions)]
            {
                let (open_children, tier4_in_service) = (self.open_children.clone(), self.tier4_in_service.clone());
                self.walk();
                assert_eq!(
                    (open_children, tier4_in_service),
                    (self.open_children.clone(), self.tier4_in_service.clone()),
                    "the census's kept counts are the walk's"
                );
            }
        } else {
            self.walk();
            self.kept = self.slots.len() >= self.keep_from_slots;
        }
        (&self.open_children, &self.tier4_in_service)
    }

    /// Counts the table into `open_children` and `tier4_in_service`.
    fn walk(&mut self) {
        let (mut open_children, mut tier4_in_service) =
            (std::mem::take(&mut self.open_children), std::mem::take(&mut self.tier4_in_service));
        open_children.fill(0);
        tier4_in_service.fill(0);
        // Per unit, the last slot counted: a child counts once however many of its needs the
        // unit holds.
        let mut seen = vec![usize::MAX; open_children.len()];
        for (idx, slot) in self.slots.iter().enumerate() {
            // Most slots hold at most their first need (a family with one need, or a free
            // slot): the other three are tested together, and a single need held counts its
            // child without the `seen` test (no earlier need of the slot can have marked its
            // unit).
            if slot.holders[1..] == [NOT_HELD; MAX_NEEDS - 1] {
                let holder = slot.holders[0];
                if holder != NOT_HELD {
                    let (unit, in_service) = self.unit_of(holder);
                    open_children[unit] += 1;
                    if in_service && slot.tier4_domains[0] != NOT_TIER4 {
                        tier4_in_service[unit * self.n_domains + slot.tier4_domains[0] as usize] += 1;
                    }
                }
                continue;
            }
            for (need, &holder) in slot.holders.iter().enumerate() {
                if holder == NOT_HELD {
                    continue;
                }
                let (unit, in_service) = self.unit_of(holder);
                if seen[unit] != idx {
                    seen[unit] = idx;
                    open_children[unit] += 1;
                }
                // The tier is read only for the needs in service (a few in ten).
                if in_service && slot.tier4_domains[need] != NOT_TIER4 {
                    tier4_in_service[unit * self.n_domains + slot.tier4_domains[need] as usize] += 1;
                }
            }
        }
        (self.open_children, self.tier4_in_service) = (open_children, tier4_in_service);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The census's counts, by the plainest walk: per unit, the slots with a need it holds;
    /// per unit and domain, the needs of tier 4 in service.
    fn plain_counts(census: &Census) -> (Vec<u32>, Vec<u32>) {
        let mut open_children = vec![0; census.open_children.len()];
        let mut tier4_in_service = vec![0; census.tier4_in_service.len()];
        for slot in &census.slots {
            let held: Vec<(usize, bool, u8)> = (0..MAX_NEEDS)
                .filter(|&need| slot.holders[need] != NOT_HELD)
                .map(|need| {
                    let (unit, in_service) = census.unit_of(slot.holders[need]);
                    (unit, in_service, slot.tier4_domains[need])
                })
                .collect();
            for (unit, count) in open_children.iter_mut().enumerate() {
                if held.iter().any(|&(u, _, _)| u == unit) {
                    *count += 1;
                }
            }
            for &(unit, in_service, tier4_domain) in &held {
                if in_service && tier4_domain != NOT_TIER4 {
                    tier4_in_service[unit * census.n_domains + tier4_domain as usize] += 1;
                }
            }
        }
        (open_children, tier4_in_service)
    }

    /// The month-end counts are the plain walk's through any sequence of changes, walked
    /// (a table below the threshold) or kept (from the first month-end at or above it):
    /// holders moving between lists and practitioners of units (two copies of one unit
    /// among them), needs of one slot held by the same unit and by different ones, tiers
    /// changing in and out of 4, and slots freed and reused.
    #[test]
    fn month_counts_are_the_walks() {
        use rand::{RngExt, SeedableRng};
        for keep_from_slots in [usize::MAX, 12, 0] {
            // Unit copies 0..3 of units [0, 0, 1], practitioners 0..4 of units [0, 1, 1, 2].
            let mut census = Census::new(vec![0, 0, 1, 0, 1, 1, 2], 3, 3, 2);
            census.keep_from_slots = keep_from_slots;
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
            let (mut n_checked, mut n_open, mut n_tier4) = (0, 0, 0);
            for step in 0..20_000 {
                // The table grows to its twelve slots over the first steps.
                let idx = rng.random_range(0..n_slots.min(step / 50 + 1));
                if idx as usize == census.n_slots() {
                    census.open(idx, [NOT_TIER4, 1, NOT_TIER4, 0]);
                    continue;
                }
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
                    let expected = plain_counts(&census);
                    let (open_children, tier4_in_service) = census.month_counts();
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
