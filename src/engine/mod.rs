//! The simulation engine: one replication of one model, as a discrete-event simulation of
//! families (agents with needs) moving through service units staffed by practitioners.
//!
//! **Invariant:** the engine does no I/O and never reads the clock; a replication is a pure
//! function of (scenario, model, replication number).
//!
//! **Invariant:** time never goes backwards and every episode that starts ends in exactly one
//! state (resolved, no further action, lost, or open at the horizon); both are asserted.

mod census;
mod dynamics;
mod queue;
mod record;
mod relationships;
mod waiting_list;

pub use queue::EventQueue;

use crate::error::{Error, Result};
use crate::metrics::{Diagnostics, MINUTES_PER_DAY, MONTH_DAYS, ReplicationResult, UnitStats};
use crate::model::*;
use crate::rng::{self, Generator, Purpose};
use census::{Census, HOLDER_INDEX_MASK, NOT_HELD, census_holder};
use rand::RngExt;
use record::Recorder;
use relationships::Relationships;
use std::sync::atomic::{AtomicBool, Ordering};

/// Marks "no unit" in routing tables.
const NO_UNIT: u32 = u32::MAX;
/// Days over which recent coordination time is remembered when it slows casework.
const COORDINATION_MEMORY_DAYS: f64 = 28.0;
/// Coordination never takes more than this share of a unit's time in the casework slowdown.
const MAX_COORDINATION_SHARE: f64 = 0.6;
/// How far down a queue a practitioner with a free slot looks for a case they are competent
/// for. Bounded so a long queue of cases nobody free can take costs O(1), not O(queue).
/// Under `HighestTierFirst` the limit is per tier: each tier's cases wait in a lane of their
/// own (`UnitInstance::lower_tiers`), so a practitioner looks at most this many down each.
const QUEUE_SCAN_LIMIT: usize = 64;
/// Stale untreated-clock events are dropped from the event queue in one pass once there are
/// at least this many and they are a third of it (see `Sim::clock_went_stale`).
const STALE_CLOCKS_MIN: usize = 4096;
/// `Need::clock_slot` of a need with no untreated-clock event pending.
const NO_CLOCK: u32 = u32::MAX;
/// A closed episode's list of professionals or assessed units, once it has outgrown the
/// episode (`InlineList`), keeps its allocation for the next episode in its slot up to this
/// capacity (see `close_episode`). At 8, an integrated hub's episodes (several professionals
/// per intervention) outgrew it so often that reallocating the list cost 6% of its
/// instructions; 32 costs at most 128 bytes a slot, and only in slots whose list spilled.
const KEPT_BUFFER_LEN: usize = 32;
/// Room for professionals and for assessing units held in the episode itself (see
/// `InlineList`).
const INLINE_PROFESSIONALS: usize = 4;
const INLINE_ASSESSMENTS: usize = 4;
/// The capacity an `InlineList` that spills is given at once, in multiples of the items it
/// holds in place (`extend_spilled`); within `KEPT_BUFFER_LEN`, so that its slot keeps it.
/// At 4 (16 professionals), a family whose disability service came twice (eight
/// professionals each time) outgrew its new buffer again: 15,000 `realloc`s and copies in
/// the county's 10 years, until each slot had kept a buffer of 32 (twenty-second pass).
const SPILL_ROOM: usize = 8;
const _: () = assert!(SPILL_ROOM * INLINE_PROFESSIONALS <= KEPT_BUFFER_LEN && SPILL_ROOM * INLINE_ASSESSMENTS <= KEPT_BUFFER_LEN);

/// Runs one replication of `scenario.models[model_idx]`.
pub fn simulate(scenario: &Scenario, model_idx: usize, replication: u32) -> Result<ReplicationResult> {
    simulate_stoppable(scenario, model_idx, replication, &AtomicBool::new(false))
}

/// [`simulate`], ending with `Error::Interrupted` within moments of `stop` being set (one
/// run's own flag: a workbench run cancelled from its page), as it does on Ctrl-C. The
/// result is the same as [`simulate`]'s when nobody sets it.
pub fn simulate_stoppable(scenario: &Scenario, model_idx: usize, replication: u32, stop: &AtomicBool) -> Result<ReplicationResult> {
    if !independent_localities(scenario) {
        let mut sim = Sim::new(scenario, model_idx, replication, None);
        sim.run(stop)?;
        return Ok(sim.into_tally().finish());
    }
    // Localities that share nothing run one after another, each with its share of the
    // families and streams of its own, and their tallies are added up. The model is the
    // same; what changes is that a run holds one locality's cases at a time, so its working
    // set stays in the processor's caches (England's 150 authorities: 2.7 times faster, see
    // results/benchmarks.md).
    let mut total: Option<Tally> = None;
    for locality in 0..scenario.population.locality_names.len() {
        let mut sim = Sim::new(scenario, model_idx, replication, Some(locality));
        sim.run(stop)?;
        let tally = sim.into_tally();
        match &mut total {
            Some(total) => total.absorb(tally),
            None => total = Some(tally),
        }
    }
    Ok(total.expect("a scenario has at least one locality").finish())
}

/// Whether a scenario's localities share nothing, so that each can run on its own: more than
/// one locality, and every unit of every model run locality by locality (no borough-wide unit
/// takes families from several). Nothing else crosses a locality's border: a family keeps
/// its locality for life and every route leads to its own locality's copy of a unit.
/// Decided for the scenario, not per model, so that its models keep facing the same families.
pub fn independent_localities(scenario: &Scenario) -> bool {
    scenario.population.locality_names.len() > 1
        && scenario.models.iter().all(|model| model.units.iter().all(|unit| unit.scope == Scope::Locality))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closure {
    /// An intervention finished.
    Served,
    /// The need went away on its own before anyone worked with it.
    Natural,
    /// Triage or assessment found no need above universal services.
    NoFurtherAction,
    /// The structure has no unit for this need (only possible where validation allowed it).
    NoService,
    /// Turned away by a unit's waiting list or taken off it, and then met elsewhere (another
    /// provider, the family's own means) or passed (`WaitingList::met_elsewhere_probability`).
    MetElsewhere,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NeedState {
    AwaitingAssessment {
        unit_instance: u32,
    },
    AwaitingPanel {
        unit_instance: u32,
    },
    AwaitingService {
        unit_instance: u32,
    },
    InTransit,
    InService {
        practitioner: u32,
    },
    /// Nobody holds the need: lost between services, or turned away by a waiting list or
    /// taken off it and not met elsewhere. It stays untreated and comes back to a front door
    /// if it gets worse.
    Lost,
    Closed(Closure),
}

impl NeedState {
    fn is_closed(self) -> bool {
        matches!(self, NeedState::Closed(_))
    }
    /// The unit copy the need is waiting at (for or in assessment, for allocation or for a
    /// practitioner): on that copy's referral-to-treatment waiting list.
    fn listed_at(self) -> Option<u32> {
        match self {
            NeedState::AwaitingAssessment { unit_instance }
            | NeedState::AwaitingPanel { unit_instance }
            | NeedState::AwaitingService { unit_instance } => Some(unit_instance),
            _ => None,
        }
    }
}

/// In the order written (`repr(C)`): what most events about the need read (its state, tier
/// and domain, and the untreated clock's start) in its first 24 bytes, so that for an
/// episode's first need they share a cache line with the episode's flags (see `Episode`);
/// then the exposures left and the service draws, which a start of service reads with them
/// (the duration, and the clock's stop). The escalation draws, read only when the need
/// escalates or steps down, are kept at the episode's end (`Episode::escalation_draws`): 56
/// bytes a need rather than 80, so that the scans over an episode's needs (its closure,
/// whether every need is closed) touch fewer cache lines (results/benchmarks.md,
/// twenty-second and twenty-third passes).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Need {
    state: NeedState,
    domain: u8,
    /// Current true tier; escalation raises it.
    tier: u8,
    /// Whether the referrer has presented it one tier too high (until an assessment).
    overstated: bool,
    bounces: u8,
    /// The queue slot of the need's pending untreated-clock event (`NO_CLOCK` if none), where
    /// a stopped clock's event is replaced (`stop_running_clock`). In what was padding.
    clock_slot: u32,
    /// Day the untreated clock started, while the need is not being worked with; NaN while it
    /// is (not an `Option`: 8 bytes less a need, and the needs live in the episode table).
    untreated_since_day: f64,
    /// Remaining exposure (in units of Exp(1)) before the next escalation and before natural
    /// resolution. Pre-drawn per family so every model faces the same family (common random
    /// numbers), consumed at the tier's rate while the need is untreated.
    escalation_left: f64,
    resolution_left: f64,
    service_exp1: f64,
    service_normal: f64,
}

/// A need as `draw_need` draws it: the need, and the exposures for each step of escalation
/// from tier 1, 2 and 3, which the episode keeps apart from its needs
/// (`Episode::escalation_draws`).
#[derive(Debug, Clone, Copy)]
struct DrawnNeed {
    need: Need,
    escalation_draws: [f64; 3],
}

impl Need {
    fn presented_tier(&self) -> u8 {
        (self.tier + u8::from(self.overstated)).min(4)
    }
}

/// Fills the places of an episode's `NeedList` beyond its needs (never read).
const NO_NEED: Need = Need {
    domain: 0,
    tier: 1,
    overstated: false,
    state: NeedState::Closed(Closure::Served),
    untreated_since_day: f64::NAN,
    escalation_left: f64::INFINITY,
    resolution_left: f64::INFINITY,
    service_exp1: 0.0,
    service_normal: 0.0,
    bounces: 0,
    clock_slot: NO_CLOCK,
};

/// An episode's needs, held in the episode itself (room for `MAX_NEEDS`), read as a slice.
/// Most events about an episode read one of its needs, and with the needs in a list of their
/// own (a separate allocation) every such event took a second cache miss after the one on
/// the episode (the county waits on memory more than on instructions).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct NeedList {
    /// First (`repr(C)`), in the bytes before the first need: every read of a need reads it.
    /// Eight bytes, the room the needs' alignment leaves anyway: as a byte, the compiler read
    /// it as four, and a read of four bytes cannot be forwarded from the store of one, so at a
    /// new episode (whose count was just stored) the read waited for the store, and every
    /// older one, to reach the cache (`perf record`: 4% of `new_family`).
    len: u64,
    items: [Need; MAX_NEEDS],
}

impl NeedList {
    /// The list of `needs` (at most `MAX_NEEDS`), each untreated from `day` (a new episode's
    /// needs: each starts its untreated clock as it opens).
    /// Their escalation draws go to `draws` (the episode's `escalation_draws`), their tiers to
    /// `tiers` (its `referred_tiers`).
    fn set_untreated_since(&mut self, draws: &mut [[f64; 3]; MAX_NEEDS], tiers: &mut [u8; MAX_NEEDS], needs: &[DrawnNeed], day: f64) {
        // Case by case, so that each copy has a size known to the compiler, which does it in
        // registers: a copy of a slice (or a loop over it) is a call of libc's `memcpy`, ~20
        // instructions a family. The start of the clock is written after each copy, a store
        // a need: a loop over the list after it, the compiler's vectorised one, was ~35
        // instructions a family with one need (and a copy of each need with its field
        // changed, `Need { untreated_since_day: day, ..n }`, was done field by field).
        let items = &mut self.items;
        match *needs {
            [a] => {
                (items[0], draws[0]) = (a.need, a.escalation_draws);
                items[0].untreated_since_day = day;
                tiers[0] = a.need.tier;
            }
            [a, b] => {
                [items[0], items[1]] = [a.need, b.need];
                [draws[0], draws[1]] = [a.escalation_draws, b.escalation_draws];
                (items[0].untreated_since_day, items[1].untreated_since_day) = (day, day);
                [tiers[0], tiers[1]] = [a.need.tier, b.need.tier];
            }
            [a, b, c] => {
                [items[0], items[1], items[2]] = [a.need, b.need, c.need];
                [draws[0], draws[1], draws[2]] = [a.escalation_draws, b.escalation_draws, c.escalation_draws];
                (items[0].untreated_since_day, items[1].untreated_since_day, items[2].untreated_since_day) = (day, day, day);
                [tiers[0], tiers[1], tiers[2]] = [a.need.tier, b.need.tier, c.need.tier];
            }
            [a, b, c, d] => {
                *items = [a.need, b.need, c.need, d.need];
                *draws = [a.escalation_draws, b.escalation_draws, c.escalation_draws, d.escalation_draws];
                *tiers = [a.need.tier, b.need.tier, c.need.tier, d.need.tier];
                for n in items {
                    n.untreated_since_day = day;
                }
            }
            _ => assert!(needs.is_empty(), "more than MAX_NEEDS needs"),
        }
        self.len = needs.len() as u64;
    }
}

impl std::ops::Deref for NeedList {
    type Target = [Need];
    fn deref(&self) -> &[Need] {
        // `len` is never above `MAX_NEEDS` (`set_untreated_since`); the `min` says so to the
        // compiler, so that there is no bounds check here, only the one on the need read.
        &self.items[..(self.len as usize).min(MAX_NEEDS)]
    }
}

impl std::ops::DerefMut for NeedList {
    fn deref_mut(&mut self) -> &mut [Need] {
        &mut self.items[..(self.len as usize).min(MAX_NEEDS)]
    }
}

// A need read by its number (`e.needs[need as usize]`, a dozen times a referral) is found in
// the fixed array by a mask, so that no read can leave the array. That the number is within
// the list's length is the engine's invariant (every event and handler names a need its
// episode has), checked as an assertion in debug builds: checked in every build it was a
// load, a compare and a branch at each read (1.0% of the county's instructions). Through the
// slice each read worked out `min(len, MAX_NEEDS)` and compared with it (six instructions).
const _: () = assert!(MAX_NEEDS.is_power_of_two(), "a need's number is masked into the array");

/// The panic of a need read beyond an episode's list (an assertion of debug builds), out of
/// line (formatted at each read, it made the reads' callers larger).
#[cold]
#[inline(never)]
fn no_such_need(need: usize, len: u64) -> ! {
    panic!("need {need} of an episode with {len}")
}

impl std::ops::Index<usize> for NeedList {
    type Output = Need;
    #[inline(always)]
    fn index(&self, need: usize) -> &Need {
        if cfg!(debug_assertions) && need as u64 >= self.len {
            no_such_need(need, self.len);
        }
        &self.items[need & (MAX_NEEDS - 1)]
    }
}

impl std::ops::IndexMut<usize> for NeedList {
    #[inline(always)]
    fn index_mut(&mut self, need: usize) -> &mut Need {
        if cfg!(debug_assertions) && need as u64 >= self.len {
            no_such_need(need, self.len);
        }
        &mut self.items[need & (MAX_NEEDS - 1)]
    }
}

/// A short list held in the episode itself (room for `N`), read as a slice: the family's
/// professionals and assessing units. `offer` and `start_work` read the professionals of
/// families not touched for weeks, and with the list in an allocation of its own each such
/// read took a cache miss after the one on the episode. At the limit the list spills: its
/// items move, with every later one, to a `Vec` of their own (what the list was before), so
/// nothing is ever lost or reordered; the county's disability service, with eight
/// professionals per intervention, spills, most families' one to four professionals do not.
///
/// In the order written (`repr(C)`): the spill `Vec` (read only once the list has spilled)
/// first, then the length and the items held in place, all that a short list's reads touch:
/// placed first in a structure, the list's cold 24 bytes come before the hot bytes that follow
/// it, not among them (see `Episode`).
#[derive(Debug)]
#[repr(C)]
struct InlineList<T, const N: usize> {
    /// Every item while there are more than `N` (unread otherwise); it grows like any `Vec`,
    /// and the lists are bounded by the run (a practitioner is one of a family's
    /// professionals once, and a unit is added once an assessment).
    spill: Vec<T>,
    /// The number of items: in `inline` up to `N`, in `spill` beyond.
    len: u32,
    inline: [T; N],
}

impl<T: Copy + Default, const N: usize> InlineList<T, N> {
    fn new() -> Self {
        InlineList { len: 0, inline: [T::default(); N], spill: Vec::new() }
    }

    #[inline]
    fn push(&mut self, item: T) {
        let len = self.len as usize;
        if len < N {
            self.inline[len] = item;
            self.len += 1;
        } else {
            self.extend_spilled(std::slice::from_ref(&item));
        }
    }

    /// `push` of each of `items` in turn: the same list, with one call out of line where it
    /// spills or has spilled rather than one an item (`involve_colleagues` adds a disability
    /// service's seven colleagues to a list that has spilled).
    #[inline(always)]
    fn extend_from_slice(&mut self, items: &[T]) {
        let len = self.len as usize;
        if len + items.len() <= N {
            for (place, &item) in self.inline[len..].iter_mut().zip(items) {
                *place = item;
            }
            self.len += items.len() as u32;
        } else {
            self.extend_spilled(items);
        }
    }

    /// `push` or `extend_from_slice` past the items held in place: the list moves to its own
    /// allocation if it has not yet, and the items follow.
    #[cold]
    #[inline(never)]
    fn extend_spilled(&mut self, items: &[T]) {
        let len = self.len as usize;
        if len <= N {
            self.spill.clear();
            // Room for `SPILL_ROOM` times the items held in place, made at once: a list that
            // spills (the county's disability service adds eight professionals) otherwise
            // grew its new buffer twice, each a `realloc` (~470 instructions: 1.4% of the
            // county's), until its slot had kept a buffer that large. A reused slot's kept
            // buffer is large enough already and is not touched.
            self.spill.reserve(SPILL_ROOM * N);
            self.spill.extend_from_slice(&self.inline[..len]);
        }
        self.spill.extend_from_slice(items);
        self.len = u32::try_from(len + items.len()).expect("an InlineList holds fewer than 2^32 items");
    }

    /// Adds `item` unless the list holds it already; whether it was added. Inlined, with the
    /// places read once: it runs for every case started, on a list that is nearly always in
    /// place and short.
    #[inline(always)]
    fn push_if_absent(&mut self, item: T) -> bool
    where
        T: PartialEq,
    {
        let len = self.len as usize;
        if len < N {
            if self.inline[..len].contains(&item) {
                return false;
            }
            self.inline[len] = item;
            self.len += 1;
            return true;
        }
        if self.contains(&item) {
            return false;
        }
        self.extend_spilled(std::slice::from_ref(&item));
        true
    }

    /// The number of items, without choosing between the two places as the slice's `len` does.
    #[inline(always)]
    fn len(&self) -> usize {
        self.len as usize
    }

    /// Empties the list for the next episode in the slot, keeping a spill allocation of up
    /// to `max_len` items (`keep_if_small`: a larger one is freed, or every slot would keep
    /// the largest list it ever held). A list that never spilled leaves the `Vec` as the last
    /// clear left it (empty, and no larger than `max_len`: only a spill writes to it), so it is
    /// not touched: at an episode's closure its 24 bytes are often a cache line of their own.
    fn clear(&mut self, max_len: usize) {
        if self.len as usize > N {
            keep_if_small(&mut self.spill, max_len);
        }
        debug_assert!(self.spill.is_empty() && self.spill.capacity() <= max_len, "a list's spill buffer left unemptied");
        self.len = 0;
    }
}

impl<T, const N: usize> std::ops::Deref for InlineList<T, N> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        let len = self.len as usize;
        if len <= N { &self.inline[..len] } else { &self.spill }
    }
}

/// What every event checks before it acts, kept together (40 bytes, in one or two cache
/// lines of the episode) rather than in each need: most events first ask whether they are
/// stale, and with the tokens in the needs that took a second cache miss (the needs are a
/// separate allocation) for every event about an episode not touched for weeks, and for every
/// pending clock when stale clocks are cleared from the queue.
#[derive(Debug, Clone, Copy)]
struct Tags {
    /// Unique within the replication; 0 marks a free slot in the episode table.
    serial: u64,
    /// Per need: changes whenever the need moves; queue entries and events carrying an old
    /// token are stale.
    tokens: [u32; MAX_NEEDS],
    /// Per need: changes whenever the untreated clock is re-armed or stopped, so older clock
    /// events are stale; separate from `tokens` so escalation does not disturb a referral in
    /// transit.
    clock_tokens: [u32; MAX_NEEDS],
}

/// In the order written (`repr(C)`), by how often events read a field: first the
/// professionals' list, whose spill `Vec` (bytes 0-23, read only once the list has spilled)
/// comes before its length and the four held in place (`InlineList`), so that bytes 24-135
/// hold what events read most: the list's head, which every offer and every start of work
/// reads, the tags, which every event checks, the flags the handlers test, the locality, the
/// referral day (the end of an assessment and every start of work record waits from it)
/// and the first need's state, tier, domain and untreated clock (`Need`); then the rest of
/// the needs (56 bytes each), then, in bytes 360-467, what is read at closure (which
/// `Sim::look_ahead` reads for the end of service that closes the episode), and last the
/// needs' escalation draws, read only when a need escalates or steps down. The episode is the engine's
/// largest structure, and in the county most of its time goes on cache misses: an event
/// about its first need (most episodes have one) touches two or three lines rather than four
/// or five (see results/benchmarks.md, thirteenth and twenty-second passes). Slots are 568
/// bytes, not a multiple of 64, so where a slot's lines begin varies from slot to slot: what
/// matters is that what an event reads lies close together.
#[derive(Debug)]
#[repr(C)]
struct Episode {
    professionals: InlineList<u32, INLINE_PROFESSIONALS>,
    /// Whether an event or a queue entry is still about this episode's need as it is now.
    tags: Tags,
    n_untreated: u8,
    /// Counted in per-episode metrics (referred after the warm-up).
    measured: bool,
    /// Whether the family has met a practitioner, had an assessment completed and started
    /// an intervention: each wait is recorded when it ends, so only the fact is kept (flags,
    /// not days: the episode table is the engine's largest structure, and at England scale
    /// every byte of an episode costs time; 192 bytes rather than 240 made England's run
    /// faster, see results/benchmarks.md).
    contacted: bool,
    assessment_done: bool,
    service_started: bool,
    lost: bool,
    locality: u16,
    referral_day: f64,
    needs: NeedList,
    /// Its length, the first of what closure reads (`InlineList::clear`), after its spill.
    assessed_units: InlineList<u16, INLINE_ASSESSMENTS>,
    escalated_to_tier3: bool,
    escalated_to_tier4: bool,
    /// Presented with needs in three or more domains.
    complex: bool,
    common_assessed: bool,
    n_episode: u32,
    family_id: u64,
    n_handoffs: u32,
    n_bounces: u32,
    lead: Option<u32>,
    lead_since_day: f64,
    /// The episode's own random stream: its assessments' durations, its handoffs, the
    /// recurrence drawn at its closure.
    rng: rng::LazyStream,
    n_assessments: u32,
    n_tellings: u32,
    /// Times a need of this episode came back to a front door after nobody held it: each
    /// return is a new attempt, with fresh waiting-list draws (`waiting_list_draws`).
    n_returns: u32,
    /// Each need's tier when the episode was referred (`Need::tier` is its tier now), under
    /// which the wait to its first service is recorded: in what was padding before
    /// `escalation_draws`, on the line the opening of an episode writes anyway.
    referred_tiers: [u8; MAX_NEEDS],
    /// Each need's exposures for the steps of escalation from tier 1, 2 and 3 (`draw_need`),
    /// read only when it escalates or steps down: kept here, last, rather than in each need,
    /// so that the needs lie closer together; the first need's draws follow the closure's
    /// fields, which the opening of an episode writes too, and often share their line.
    escalation_draws: [[f64; 3]; MAX_NEEDS],
}

/// A family coming back with a new episode (`Event::Recur`): who, which episode of theirs,
/// where, with what need, and when the last one closed.
#[derive(Debug, Clone, Copy)]
struct Recurrence {
    family_id: u64,
    n_episode: u32,
    locality: u16,
    domain: u8,
    tier: u8,
    previous_close_day: f64,
}

#[derive(Debug, Clone, Copy, Default)]
enum Event {
    #[default]
    Arrival,
    Recur(Recurrence),
    ReferralArrives {
        episode: u32,
        serial: u64,
        need: u8,
        token: u32,
        to: u32,
    },
    ReferralBounced {
        episode: u32,
        serial: u64,
        need: u8,
        token: u32,
        from: u32,
        to: u32,
    },
    AssessmentDone {
        practitioner: u32,
        episode: u32,
        serial: u64,
        needs: u8,
        unit_instance: u32,
    },
    ServiceDone {
        practitioner: u32,
        episode: u32,
        serial: u64,
        need: u8,
        token: u32,
    },
    UntreatedClock {
        episode: u32,
        serial: u64,
        need: u8,
        token: u32,
    },
    /// What an `UntreatedClock` becomes in the queue when its clock stops before it rings
    /// (`stop_running_clock`): nothing to do, and nothing to read to know it. Its queue slot
    /// is marked (`EventQueue::replace_marked`), so that the stale-clock purge drops it by the
    /// mark; popped, it clears the mark of `slot`, its own.
    ClockStopped {
        slot: u32,
    },
    Represent {
        episode: u32,
        serial: u64,
        need: u8,
        token: u32,
    },
    /// A family's patience with a unit's waiting list runs out (`WaitingList`).
    LeavesList {
        episode: u32,
        serial: u64,
        need: u8,
        token: u32,
    },
    /// A panel meets; `nominal_day` keeps the cadence when a meeting moves off a weekend.
    PanelMeeting {
        unit_instance: u32,
        nominal_day: f64,
    },
    /// A team leader allocates the cases waiting for allocation.
    TeamAllocation {
        unit_instance: u32,
    },
    /// A case refused by a network member is offered again.
    ReOffer {
        episode: u32,
        serial: u64,
        need: u8,
        token: u32,
        unit_instance: u32,
    },
    /// A virtual team member called in for a case is ready to start.
    CalledIn {
        episode: u32,
        serial: u64,
        need: u8,
        token: u32,
        unit_instance: u32,
    },
    /// A time-limited project's funding ends.
    ProjectEnds {
        unit_idx: u32,
    },
    /// A unit opens (a restructure's new structure).
    UnitOpens {
        unit_idx: u32,
    },
    /// A practitioner leaves; the post falls vacant.
    Leaves {
        practitioner: u32,
    },
    /// A vacant post is filled (`replaces_leaver`), or a recruit joins a new team.
    PostFilled {
        practitioner: u32,
        replaces_leaver: bool,
    },
    /// Weekly: trust fades, and grows between co-located colleagues.
    RelationshipWeek,
    /// Joint training for teams and hubs.
    JointTraining,
    /// New hidden need arises in a family.
    HiddenNeedArises,
    /// A family from the hidden-need pool presents; `generation` makes older draws stale.
    HiddenNeedPresents {
        generation: u64,
    },
    MonthEnd {
        month_idx: u32,
    },
}

impl Event {
    /// The episode and need an event is about (need 0 for an assessment's), if any.
    fn about(&self) -> Option<(u32, u8)> {
        match *self {
            Event::ReferralArrives { episode, need, .. }
            | Event::ReferralBounced { episode, need, .. }
            | Event::ServiceDone { episode, need, .. }
            | Event::UntreatedClock { episode, need, .. }
            | Event::Represent { episode, need, .. }
            | Event::LeavesList { episode, need, .. }
            | Event::ReOffer { episode, need, .. }
            | Event::CalledIn { episode, need, .. } => Some((episode, need)),
            Event::AssessmentDone { episode, .. } => Some((episode, 0)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkKind {
    Assessment { needs: u8 },
    Service { need: u8 },
}

#[derive(Debug, Clone, Copy)]
struct WorkItem {
    episode: u32,
    serial: u64,
    token: u32,
    kind: WorkKind,
    /// When the work reached the unit.
    since_day: f64,
}

struct Practitioner {
    profession_idx: u32,
    unit_instance: u32,
    free_slots: u32,
    /// The practitioner's run of a profession in their unit copy (`Sim::run_best`), read
    /// with the rest of them at every change of their open slots: a table of its own was a
    /// second look-up, with its bounds check, at every start and end of work.
    run_idx: u32,
    /// False while the post is vacant or the practitioner not yet recruited: no new work.
    available: bool,
}

impl Practitioner {
    /// The slots open to new work (`Sim::open_slots`): the free ones, while the post is held.
    #[inline(always)]
    fn open_slots(&self) -> u32 {
        if self.available { self.free_slots } else { 0 }
    }
}

/// Practitioners `start..end`, all of profession `profession_idx`; `run_idx` numbers the run
/// among all runs of the model (`Sim::run_best`).
#[derive(Clone, Copy)]
struct ProfessionRun {
    /// The profession's competence (`Sim::competence`), read by every offer for each run:
    /// held here, it is no look-up of the table, with its bounds check, a run.
    competence: u128,
    profession_idx: u32,
    start: u32,
    end: u32,
    run_idx: u32,
}

/// The first practitioner of a run with the most open slots, and that number, kept as open
/// slots change so that `offer` need not scan every competent run (an integrated hub has a
/// dozen, hundreds of practitioners in all). `stale` when a change could not be followed
/// cheaply: the next offer to the run scans it.
#[derive(Clone, Copy)]
struct RunBest {
    first: u32,
    most: u32,
    /// The run's first practitioner, and just past its last.
    start: u32,
    end: u32,
    stale: bool,
}

struct UnitInstance {
    unit_idx: usize,
    /// Caseload slots of all its practitioners.
    total_slots: u32,
    /// When the instance opened and closed (for per-unit utilisation).
    open_day: f64,
    close_day: f64,
    /// Contracted hours per day of its staff, and coordination hours spent recently
    /// (exponentially forgotten over `COORDINATION_MEMORY_DAYS`) as of `coordination_since_day`.
    hours_per_day: f64,
    /// The unit's standing share of time on team building (`UnitKind::Team`), 0 for other
    /// kinds: kept here so that `casework_slowdown` need not look the unit up to learn it.
    team_time_share: f64,
    /// Whether casework is at its plain pace (`casework_slowdown` 1) whenever nothing has
    /// been spent coordinating recently: no contracted hours, or no team time and finite
    /// hours. Both are fixed for the copy, so this is worked out once (`Sim::new`), where
    /// every start of work tested the hours twice and the team time.
    plain_when_not_coordinating: bool,
    recent_coordination_hours: f64,
    coordination_since_day: f64,
    /// The last forgetting computed (`remembered_coordination`): on this day, for the current
    /// `recent_coordination_hours` and `coordination_since_day`, it was `decayed_hours`. Several
    /// starts of work (and an assessment's own coordination) often fall on one day in one unit,
    /// and each `exp` costs ~50 instructions; 2.4% of the county went on them.
    decayed_on_day: f64,
    decayed_hours: f64,
    /// Busy caseload slots now, and their integral over the measured window.
    busy_slots: u32,
    busy_since_day: f64,
    busy_slot_days: f64,
    practitioners: std::ops::Range<u32>,
    /// Its practitioners as runs of one profession, in practitioner order: competence is a
    /// matter of profession, so allocation decides it once per run rather than once per
    /// practitioner.
    profession_runs: Vec<ProfessionRun>,
    /// Cases waiting for a practitioner, assessments and interventions together, the
    /// longest-waiting first: every case, first come first served; under `HighestTierFirst`
    /// the cases that joined at tier 4, the lower tiers waiting in `lower_tiers`.
    waiting: std::collections::VecDeque<WorkItem>,
    /// Under `HighestTierFirst`, the cases that joined at tiers 3, 2 and 1, in that order (the
    /// lanes 1 to 3 after `waiting`'s 0), each the longest-waiting first; empty first come
    /// first served. A practitioner takes from the first lane with a case they can do: looking
    /// down one queue, as far as `QUEUE_SCAN_LIMIT`, an overloaded team with hundreds waiting
    /// served its tier-4 cases little sooner than in order of arrival (319 days against 373
    /// in `scenarios/risks/overloaded_integrated_team.ron`; 22 days in lanes). A case keeps
    /// its lane: a need that escalates while it waits is not moved up (nobody re-triages the
    /// list), and an assessment goes by the highest tier its needs were presented at.
    lower_tiers: [std::collections::VecDeque<WorkItem>; N_TIERS - 1],
    /// The cases in `lower_tiers`, so that whether anything waits is two reads.
    n_lower_tiers: u32,
    /// The unit's `priority`, kept here so that a case joining or leaving the lanes need not
    /// look the unit up.
    priority: Priority,
    /// Cases waiting for the next panel meeting or team-leader allocation.
    panel: std::collections::VecDeque<WorkItem>,
    /// Whether a team-leader allocation is already scheduled.
    allocation_pending: bool,
    /// This unit's own stream (panel attendance).
    rng: Generator,
}

impl UnitInstance {
    /// Whether any case waits for a practitioner, in any lane.
    #[inline(always)]
    fn anything_waiting(&self) -> bool {
        !self.waiting.is_empty() || self.n_lower_tiers > 0
    }

    /// The cases waiting for a practitioner, in every lane.
    fn n_waiting(&self) -> usize {
        self.waiting.len() + self.n_lower_tiers as usize
    }

    /// Lane `lane_idx` of the cases waiting: 0 is `waiting`, 1 to 3 `lower_tiers`.
    #[inline(always)]
    fn lane(&self, lane_idx: usize) -> &std::collections::VecDeque<WorkItem> {
        if lane_idx == 0 { &self.waiting } else { &self.lower_tiers[lane_idx - 1] }
    }

    /// Takes the case at `idx` out of lane `lane_idx`, keeping the count of the lower lanes.
    #[inline(always)]
    fn remove_from_lane(&mut self, lane_idx: usize, idx: usize) -> Option<WorkItem> {
        if lane_idx == 0 {
            return remove_at(&mut self.waiting, idx);
        }
        let item = remove_at(&mut self.lower_tiers[lane_idx - 1], idx);
        if item.is_some() {
            self.n_lower_tiers -= 1;
        }
        self.debug_check_lanes();
        item
    }

    /// The count of the lower lanes is their cases (checked in debug builds: the test suite's).
    #[inline(always)]
    fn debug_check_lanes(&self) {
        debug_assert_eq!(
            self.n_lower_tiers as usize,
            self.lower_tiers.iter().map(std::collections::VecDeque::len).sum::<usize>(),
            "the lower lanes' count is out of step with their cases"
        );
        debug_assert!(self.priority == Priority::HighestTierFirst || self.n_lower_tiers == 0, "first come first served uses one lane");
    }
}

struct Sim<'a> {
    scenario: &'a Scenario,
    model: &'a Model,
    model_idx: usize,
    replication: u32,
    queue: EventQueue<Event>,
    need_draws: NeedDraws,
    /// The primary domain and tier of every new family, when the population allows only one
    /// of each and one need an episode (`fixed_family`).
    fixed_family: Option<(u8, u8)>,
    extra_domains: ExtraDomains,
    /// Whether any unit copy has a waiting list whose families give up (a finite
    /// `patience_days_mean_by_instance`): decided once, so that without one a need joining a list
    /// does not look its unit up to learn that no patience clock starts.
    lists_renege: bool,
    /// Per unit copy, its waiting list's mean patience (`WaitingList::patience_days_mean`),
    /// infinite where families never give up there (no list, or one they wait on for ever):
    /// in the county a need joins a list over 90,000 times a year, nearly always one nobody
    /// leaves, and `start_patience` learns that from one number instead of the unit's policy.
    patience_days_mean_by_instance: Vec<f64>,
    /// `rng::stream_key` of the episodes', recurrences' and waiting lists' streams, worked
    /// out once rather than for every stream made.
    episode_stream_key: u64,
    recurrence_stream_key: u64,
    waiting_list_stream_key: u64,
    /// Whether any unit of the model sends more than one professional to some intervention
    /// (`Unit::professionals_per_intervention`): without one, no colleague is ever involved.
    colleagues_join: bool,
    /// Whether a met need of some tier may come back (`recurrence_probability_by_tier`).
    recurrence_possible: bool,
    /// Untreated-clock events made stale since the queue was last cleared of them (an
    /// upper bound: a stopped clock that was never scheduled counts too).
    stale_clocks: usize,
    episodes: Vec<Episode>,
    /// The month-end census's counts: walked over the episodes' needs while the table is
    /// small, kept at every change of a need's state or tier once it is large (`Census`,
    /// told by `set_state`, `set_unlisted_state` and the two changes of tier). A table of
    /// each slot's holders beside the episodes (thirteenth pass to this one: the walk read
    /// 20 bytes a slot rather than the episodes) is gone with the walk: read at every change
    /// once the counts were kept, it missed the cache each time.
    census: Census,
    free_episodes: Vec<u32>,
    /// A new family's needs as they are drawn (kept to save an allocation per family).
    new_needs: Vec<DrawnNeed>,
    /// The colleagues joining a practitioner, in order, as `involve_colleagues` finds them
    /// (kept to save an allocation per intervention), added to the family's list at once.
    joining: Vec<u32>,
    n_open: u64,
    next_serial: u64,
    next_family_id: u64,
    instances: Vec<UnitInstance>,
    practitioners: Vec<Practitioner>,
    /// Each profession's tiers by domain (`Profession::competence_tiers_by_domain`) as one
    /// number, 8 bits a domain, so a competence check is one `and`
    /// (`Sim::required_competence`).
    competence: Vec<u128>,
    /// Per run of a profession in a unit copy, its best practitioner for new work (each
    /// practitioner's run is `Practitioner::run_idx`).
    run_best: Vec<RunBest>,
    /// Each practitioner's free slots if available for new work, else 0: a dense copy that
    /// `offer` scans (4 bytes a practitioner rather than 16). Kept in step by
    /// `practitioner_changed` after every change to `free_slots` or `available`.
    open_slots: Vec<u32>,
    /// `route[(locality * n_domains + domain) * 4 + tier - 1]`: the unit instance that takes
    /// a need of that domain and tier in that locality, or `NO_UNIT`.
    route: Vec<u32>,
    /// Front door by (locality, domain) when families go to the service for their need.
    door_by_need: Vec<u32>,
    /// `instance_of[unit][locality]`: the copy of a unit serving a locality, or `NO_UNIT`.
    instance_of: Vec<Vec<u32>>,
    /// Whether each unit still runs (a time-limited project stops at its end day).
    active: Vec<bool>,
    arrivals: Generator,
    /// Staff turnover, hidden need and other model-dependent draws.
    staff_rng: Generator,
    hidden_rng: Generator,
    hidden_pool: u64,
    hidden_generation: u64,
    /// The one locality this run simulates, when the scenario's localities are independent
    /// (`independent_localities`), or `None` for all of them at once.
    only_locality: Option<u16>,
    /// New families presenting per day to this run: the scenario's rate, or this locality's
    /// share of it.
    arrivals_per_day: f64,
    /// New hidden need arising per day in this run's families (likewise).
    hidden_new_per_day: f64,
    /// The share of trust above its starting level kept over a week, in a calm unit and in
    /// an overloaded one (`relationship_week`): worked out once, as they depend on the model
    /// only (`math::powf` each week was 0.25% of mmc's instructions).
    week_keep_calm: f64,
    week_keep_strained: f64,
    /// Added to every family id, so that the runs of different localities never share one
    /// (ids key the episode and recurrence streams).
    family_id_base: u64,
    relationships: Relationships,
    /// The agency most of a unit's staff belong to (the agency a referrer deals with).
    unit_agency: Vec<usize>,
    /// Bit mask of agencies present in each unit instance.
    instance_agencies: Vec<u32>,
    /// Bit mask of agencies present anywhere in the model.
    model_agencies: u32,
    unit_stats: Vec<UnitStats>,
    /// Intervention durations by domain and tier.
    service_durations: Vec<[DurationDistribution; N_TIERS]>,
    /// Assessment durations by unit of the model (the mean is unused where a unit does not
    /// assess).
    assessment_durations: Vec<DurationDistribution>,
    professionals_by_domain: Vec<(u64, f64)>,
    /// At each measured month end, per profession, the cases its practitioners held and their
    /// number (`n_professions` pairs a month): the mean caseload is taken when the run ends,
    /// after the runs of independent localities have been added up.
    caseload_months: Vec<(f64, f64)>,
    measured_month_ends: u64,
    /// Cases waiting at each unit at the first month end past the middle of the measured
    /// window, and that day: compared with the horizon, it tells a queue that keeps growing
    /// (a unit that cannot keep up) from one that is merely long.
    waiting_midway: Option<(f64, Vec<u64>)>,
    record: Recorder,
    diagnostics: Diagnostics,
    /// Whether handing a need to a colleague inside a unit can meet friction
    /// (`internal_friction`): some unit of the model is multi-agency and friction takes time.
    /// Decided once, so that allocation elsewhere makes no call to learn that it cannot.
    friction_possible: bool,
}

impl<'a> Sim<'a> {
    /// A run of the whole scenario (`only_locality` `None`), or of one locality of a scenario
    /// whose localities are independent.
    fn new(scenario: &'a Scenario, model_idx: usize, replication: u32, only_locality: Option<usize>) -> Self {
        let model = &scenario.models[model_idx];
        let population = &scenario.population;
        let n_localities = population.locality_names.len();
        let n_domains = population.domains.len();
        debug_assert!(only_locality.is_none() || independent_localities(scenario), "only independent localities run alone");

        // One instance of each unit per locality (or one for a borough-wide unit), each with
        // its own practitioners.
        let mut instances = Vec::new();
        let mut practitioners = Vec::new();
        let mut run_best = Vec::new();
        let mut instance_of = vec![vec![NO_UNIT; n_localities]; model.units.len()];
        // Each copy's position in a run of the whole scenario keys its stream, so that a
        // locality run alone gives its units the streams they would have had otherwise and
        // two localities never share one.
        let mut n_copies_before = 0u64;
        for (unit_idx, unit) in model.units.iter().enumerate() {
            let copies: Vec<usize> = if unit.scope == Scope::Locality { unit.localities.clone() } else { vec![0] };
            for copy in copies {
                let stream_idx = n_copies_before;
                n_copies_before += 1;
                if only_locality.is_some_and(|only| only != copy) {
                    continue;
                }
                let idx = instances.len() as u32;
                let start = practitioners.len() as u32;
                // A locality unit's staffing is for a locality of average size, scaled to each
                // locality's share of families, unless the scenario gives that locality's
                // count (`Unit::staff_in_copy`).
                let mut profession_runs = Vec::with_capacity(unit.staff.len());
                for (staff_pos, &(profession_idx, _)) in unit.staff.iter().enumerate() {
                    let capacity = scenario.workforce.professions[profession_idx].caseload_capacity;
                    let n = unit.staff_in_copy(staff_pos, copy, population);
                    let run_start = practitioners.len() as u32;
                    let run_idx = run_best.len() as u32;
                    run_best.push(RunBest { first: run_start, most: 0, start: run_start, end: run_start + n, stale: true });
                    profession_runs.push(ProfessionRun {
                        competence: profession_competence(&scenario.workforce.professions[profession_idx]),
                        profession_idx: profession_idx as u32,
                        start: run_start,
                        end: run_start + n,
                        run_idx,
                    });
                    for _ in 0..n {
                        practitioners.push(Practitioner {
                            profession_idx: profession_idx as u32,
                            unit_instance: idx,
                            free_slots: capacity,
                            run_idx,
                            available: true,
                        });
                    }
                }
                let total_slots = practitioners[start as usize..]
                    .iter()
                    .map(|p: &Practitioner| scenario.workforce.professions[p.profession_idx as usize].caseload_capacity)
                    .sum();
                let hours_per_day = practitioners[start as usize..]
                    .iter()
                    .map(|p: &Practitioner| scenario.workforce.professions[p.profession_idx as usize].hours_per_week)
                    .sum::<f64>()
                    / 7.0;
                let team_time_share = match unit.kind {
                    UnitKind::Team { team_time_share, .. } => team_time_share,
                    _ => 0.0,
                };
                instances.push(UnitInstance {
                    unit_idx,
                    total_slots,
                    hours_per_day,
                    team_time_share,
                    // The hours are finite where they are below infinity (NaN is not).
                    plain_when_not_coordinating: hours_per_day <= 0.0 || (team_time_share == 0.0 && hours_per_day < f64::INFINITY),
                    recent_coordination_hours: 0.0,
                    coordination_since_day: 0.0,
                    decayed_on_day: f64::NAN,
                    decayed_hours: 0.0,
                    open_day: unit.starts_on_day,
                    close_day: f64::INFINITY,
                    busy_slots: 0,
                    busy_since_day: 0.0,
                    busy_slot_days: 0.0,
                    practitioners: start..practitioners.len() as u32,
                    profession_runs,
                    waiting: Default::default(),
                    lower_tiers: Default::default(),
                    n_lower_tiers: 0,
                    priority: unit.priority,
                    panel: Default::default(),
                    allocation_pending: false,
                    rng: rng::stream(scenario.run.seed, replication, Purpose::Unit, stream_idx),
                });
                if unit.scope == Scope::Locality {
                    instance_of[unit_idx][copy] = idx;
                } else {
                    instance_of[unit_idx].iter_mut().for_each(|slot| *slot = idx);
                }
            }
        }
        // The census numbers unit copies and practitioners in 30 bits (`census_holder`).
        // Validation already keeps a model far below that (at most
        // `validate::MAX_PRACTITIONERS_PER_MODEL` practitioners, a million, and
        // `MAX_UNITS` × `MAX_LOCALITIES` unit copies), so this is an engine invariant, not an
        // input check: a validated scenario cannot reach it.
        assert!(
            instances.len() <= HOLDER_INDEX_MASK as usize && practitioners.len() <= HOLDER_INDEX_MASK as usize,
            "more than 2^30 unit copies or practitioners"
        );
        let professions = &scenario.workforce.professions;
        let agency_of: Vec<u16> = practitioners.iter().map(|p| professions[p.profession_idx as usize].agency_idx as u16).collect();
        let relationships = Relationships::new(agency_of, scenario.workforce.agencies.len(), model.collaboration.initial_trust);
        let (week_keep_calm, week_keep_strained) = dynamics::week_keep(&model.collaboration);
        let unit_agency: Vec<usize> = model
            .units
            .iter()
            .map(|u| {
                let mut counts = vec![0u32; scenario.workforce.agencies.len()];
                for &(p, n) in &u.staff {
                    counts[professions[p].agency_idx] += n;
                }
                // Ties go to the first agency listed, so the choice is stable.
                counts.iter().enumerate().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0))).map_or(0, |(a, _)| a)
            })
            .collect();
        let patience_days_mean_by_instance: Vec<f64> = instances
            .iter()
            .map(|i: &UnitInstance| {
                model.units[i.unit_idx].waiting_list.filter(WaitingList::reneges).map_or(f64::INFINITY, |list| list.patience_days_mean)
            })
            .collect();
        // Read off the table rather than decided again from the units, so the two cannot
        // disagree about where families give up.
        let lists_renege = patience_days_mean_by_instance.iter().any(|days| days.is_finite());
        // The unit of each census holder's index (`census_holder`): the unit copies' units,
        // then the practitioners' (a practitioner never changes unit copy). Keeping the
        // census's counts reads one number per holder, where going from a practitioner to the
        // copy and on to the unit took two dependent reads.
        let unit_of_holder = instances
            .iter()
            .map(|i: &UnitInstance| i.unit_idx as u32)
            .chain(practitioners.iter().map(|p| instances[p.unit_instance as usize].unit_idx as u32))
            .collect();
        let census = Census::new(unit_of_holder, instances.len(), model.units.len(), n_domains);
        let instance_agencies: Vec<u32> = instances
            .iter()
            .map(|i: &UnitInstance| {
                i.practitioners
                    .clone()
                    .fold(0u32, |m, p| m | 1 << professions[practitioners[p as usize].profession_idx as usize].agency_idx)
            })
            .collect();
        // Every agency with staff anywhere in the model, even when this run holds one
        // locality: the mean trust across agencies averages over the same agencies either way.
        let mut model_agencies = 0u32;
        for unit in &model.units {
            let copies: &[usize] = if unit.scope == Scope::Locality { &unit.localities } else { &[0] };
            for (staff_pos, &(profession_idx, _)) in unit.staff.iter().enumerate() {
                if copies.iter().any(|&copy| unit.staff_in_copy(staff_pos, copy, population) > 0) {
                    model_agencies |= 1 << professions[profession_idx].agency_idx;
                }
            }
        }
        debug_assert!(only_locality.is_some() || model_agencies == instance_agencies.iter().fold(0, |m, a| m | a));
        // A locality run alone has its share of the arrivals and of the hidden need, and
        // streams of its own (index 0 is the whole scenario's).
        let (share, stream_idx, hidden_initial) = match only_locality {
            None => (1.0, 0, population.hidden_need.initial_families),
            Some(only) => (
                population.locality_share(only),
                only as u64 + 1,
                share_of_count(population, only, population.hidden_need.initial_families),
            ),
        };
        let months = crate::metrics::n_months(scenario.run.horizon_days);
        let record = Recorder::new(scenario.run.warmup_days, scenario.run.horizon_days, months);
        Sim {
            scenario,
            model,
            model_idx,
            replication,
            queue: EventQueue::new(),
            need_draws: NeedDraws::of(&scenario.population),
            fixed_family: fixed_family(&scenario.population),
            extra_domains: ExtraDomains::of(&scenario.population),
            episode_stream_key: rng::stream_key(scenario.run.seed, replication, Purpose::Episode),
            recurrence_stream_key: rng::stream_key(scenario.run.seed, replication, Purpose::Recurrence),
            waiting_list_stream_key: rng::stream_key(scenario.run.seed, replication, Purpose::WaitingList),
            recurrence_possible: population.recurrence_probability_by_tier.iter().any(|&p| p > 0.0),
            lists_renege,
            patience_days_mean_by_instance,
            colleagues_join: model.units.iter().any(|unit| unit.professionals_per_intervention.iter().flatten().any(|&n| n > 1)),
            stale_clocks: 0,
            episodes: Vec::new(),
            census,
            free_episodes: Vec::new(),
            new_needs: Vec::new(),
            joining: Vec::new(),
            n_open: 0,
            next_serial: 1,
            next_family_id: 0,
            instances,
            open_slots: practitioners.iter().map(|p| p.free_slots).collect(),
            competence: professions.iter().map(profession_competence).collect(),
            run_best,
            practitioners,
            route: vec![NO_UNIT; n_localities * n_domains * 4],
            door_by_need: vec![NO_UNIT; n_localities * n_domains],
            instance_of,
            active: model.units.iter().map(|u| u.starts_on_day <= 0.0).collect(),
            arrivals: rng::stream(scenario.run.seed, replication, Purpose::Arrivals, stream_idx),
            // Keyed by replication only: two identical models draw identically (common random
            // numbers), and different models draw from the same stream as far as they agree.
            staff_rng: rng::stream(scenario.run.seed, replication, Purpose::Staff, stream_idx),
            hidden_rng: rng::stream(scenario.run.seed, replication, Purpose::Hidden, stream_idx),
            hidden_pool: hidden_initial,
            hidden_generation: 0,
            only_locality: only_locality.map(|only| only as u16),
            arrivals_per_day: population.presentations_per_day * share,
            hidden_new_per_day: population.hidden_need.new_per_day * share,
            week_keep_calm,
            week_keep_strained,
            // Below 2^49 for up to 512 localities, far from the hidden families' ids at the top.
            family_id_base: stream_idx << 40,
            relationships,
            unit_agency,
            instance_agencies,
            model_agencies,
            unit_stats: vec![UnitStats::new(population.domains.len()); model.units.len()],
            service_durations: population
                .domains
                .iter()
                .map(|domain| {
                    std::array::from_fn(|tier_idx| {
                        DurationDistribution::new(population.service.shape, population.service.days_mean(domain, tier_idx as u8 + 1))
                    })
                })
                .collect(),
            assessment_durations: model
                .units
                .iter()
                .map(|unit| {
                    let days_mean = match unit.assessment {
                        Assessment::Own { days_mean } | Assessment::Common { days_mean } => days_mean,
                        Assessment::NoAssessment => f64::NAN,
                    };
                    DurationDistribution::new(population.service.shape, days_mean)
                })
                .collect(),
            professionals_by_domain: vec![(0, 0.0); population.domains.len()],
            caseload_months: Vec::new(),
            measured_month_ends: 0,
            waiting_midway: None,
            record,
            diagnostics: Diagnostics::default(),
            friction_possible: (model.collaboration.friction_days_mean > 0.0 || model.collaboration.friction_days_mean.is_nan())
                && model.units.iter().any(|unit| unit.kind != UnitKind::SingleAgency),
        }
    }

    /// Rebuilds the routing tables from the units still running.
    fn build_routes(&mut self) {
        let model = self.model;
        let n_localities = self.scenario.population.locality_names.len();
        let n_domains = self.scenario.population.domains.len();
        // A locality run alone routes only its own families.
        let localities = match self.only_locality {
            Some(only) => usize::from(only)..usize::from(only) + 1,
            None => 0..n_localities,
        };
        for locality in localities {
            for domain in 0..n_domains {
                let running = |u: usize| self.active[u];
                for tier in 1..=4u8 {
                    self.route[(locality * n_domains + domain) * 4 + tier as usize - 1] =
                        model.route(domain as u8, tier, locality, running).map_or(NO_UNIT, |u| self.instance_of[u][locality]);
                }
                self.door_by_need[locality * n_domains + domain] =
                    model.fallback_door(domain as u8, locality, running).map_or(NO_UNIT, |u| self.instance_of[u][locality]);
            }
        }
    }

    fn run(&mut self, stop: &AtomicBool) -> Result<()> {
        let horizon = self.scenario.run.horizon_days;
        self.build_routes();
        for idx in 0..self.instances.len() {
            if self.active[self.instances[idx].unit_idx] {
                self.capacity_change(0.0, idx, 1.0);
            }
        }
        self.start_dynamics();
        for (unit_idx, unit) in self.model.units.iter().enumerate() {
            if unit.ends_on_day <= horizon {
                self.queue.schedule(unit.ends_on_day, Event::ProjectEnds { unit_idx: unit_idx as u32 });
            }
        }
        if self.arrivals_per_day > 0.0 {
            let first = rng::exp1(&mut self.arrivals);
            // Beside the queue: the next arrival is always the only one pending
            // (`EventQueue::schedule_beside`).
            self.queue.schedule_beside(first / self.arrivals_per_day, Event::Arrival);
        }
        for (idx, instance) in self.instances.iter().enumerate() {
            if let Allocation::Panel { first_meeting_day, .. } = self.model.units[instance.unit_idx].allocation {
                let day = self.scenario.run.calendar.next_working(first_meeting_day);
                self.queue.schedule(day, Event::PanelMeeting { unit_instance: idx as u32, nominal_day: first_meeting_day });
            }
        }
        if MONTH_DAYS <= horizon {
            self.queue.schedule(MONTH_DAYS, Event::MonthEnd { month_idx: 0 });
        }
        let mut buckets_seen = self.queue.buckets_started();
        // Time never goes backwards: `EventQueue::schedule` asserts that no event is scheduled
        // before the day of the event being handled, and the queue hands the events back in
        // order of day (asserted here too, it was a second test of the same thing an event).
        while let Some((day, event)) = self.queue.pop_until(horizon) {
            if self.queue.buckets_started() != buckets_seen {
                buckets_seen = self.queue.buckets_started();
                self.look_ahead();
            }
            self.diagnostics.events += 1;
            // Ctrl-C, or this run's own stop: a replication stops within a few milliseconds
            // rather than running on for minutes. Reading the flags now and then leaves the
            // result unchanged when nobody interrupts.
            if self.diagnostics.events.is_multiple_of(65_536) && (crate::experiment::stop_requested() || stop.load(Ordering::Relaxed)) {
                return Err(Error::Interrupted {
                    message: "stopped before every replication had finished, so there are no results".into(),
                });
            }
            self.handle(day, event)?;
        }
        Ok(())
    }

    // Always inlined into the event loop, its one caller: the compiler's own choice flips with
    // the size of the handlers it inlines, and out of line it cost a call, a second prologue
    // and a copy of the event on every event (mmc: +11 M instructions, 3%).
    #[inline(always)]
    fn handle(&mut self, now: f64, event: Event) -> Result<()> {
        match event {
            Event::Arrival => {
                // `rng::exp1`: `Exp1`'s draw with its common case inlined (a call each
                // arrival otherwise), the same number.
                let gap = rng::exp1(&mut self.arrivals);
                self.queue.schedule_beside(now + gap / self.arrivals_per_day, Event::Arrival);
                self.new_family(now, false)?;
            }
            Event::Recur(recurrence) => self.recur(now, recurrence)?,
            Event::ReferralArrives { episode, serial, need, token, to } => {
                if self.need_is(episode, serial, need, token) {
                    self.referral_arrives(now, episode, need, to);
                }
            }
            Event::ReferralBounced { episode, serial, need, token, from, to } => {
                if self.need_is(episode, serial, need, token) {
                    self.bounced(now, episode, need, from, to);
                }
            }
            // The practitioner's unit copy is looked up once for the handler (the assessment's
            // event carries it): it never changes.
            Event::AssessmentDone { practitioner, episode, serial, needs, unit_instance } => {
                self.release(now, practitioner, unit_instance);
                if self.episode_is(episode, serial) {
                    self.assessment_done(now, episode, needs, unit_instance);
                }
                self.pull_work(now, practitioner, unit_instance);
            }
            // The freed slot is counted in the practitioner's open slots and their run's best
            // (`practitioner_changed`) only if they take no case at once: where they take one
            // (mmc: 42% of ends of service), counted at once the best moved to them and away
            // again (`best_lost_slots`, a scan) for nothing. Nothing reads those before
            // `pull_work` but a step-down's offer, before which `service_done` counts the slot;
            // `start_work` for this practitioner counts their slots from their count of free
            // ones, as it would have.
            Event::ServiceDone { practitioner, episode, serial, need, token } => {
                self.service_ends(now, practitioner, episode, serial, need, token)
            }
            Event::UntreatedClock { episode, serial, need, token } => {
                if clock_is_live(&self.episodes, episode, serial, need, token) {
                    self.untreated_clock(now, episode, need);
                } else {
                    self.stale_clocks = self.stale_clocks.saturating_sub(1);
                }
            }
            Event::ClockStopped { slot } => {
                self.queue.unmark(slot);
                self.stale_clocks = self.stale_clocks.saturating_sub(1);
            }
            Event::Represent { episode, serial, need, token } => {
                if self.need_is(episode, serial, need, token) {
                    self.represent(now, episode, need);
                }
            }
            Event::LeavesList { episode, serial, need, token } => {
                if self.need_is(episode, serial, need, token) {
                    self.leaves_list(now, episode, need);
                }
            }
            Event::PanelMeeting { unit_instance, nominal_day } => self.panel_meeting(now, unit_instance, nominal_day),
            Event::TeamAllocation { unit_instance } => self.team_allocation(now, unit_instance),
            Event::ReOffer { episode, serial, need, token, unit_instance } => {
                if self.need_is(episode, serial, need, token) {
                    self.network_offer(now, episode, need, unit_instance);
                }
            }
            Event::CalledIn { episode, serial, need, token, unit_instance } => {
                if self.need_is(episode, serial, need, token) {
                    let item = self.work_item(episode, need, WorkKind::Service { need });
                    self.offer_out_of_line(now, unit_instance, item);
                }
            }
            Event::ProjectEnds { unit_idx } => self.project_ends(now, unit_idx as usize),
            Event::UnitOpens { unit_idx } => self.unit_opens(now, unit_idx as usize),
            Event::Leaves { practitioner } => self.leaves(now, practitioner),
            Event::PostFilled { practitioner, replaces_leaver } => {
                self.practitioners[practitioner as usize].available = true;
                self.practitioner_changed(practitioner);
                // A newcomer in a vacated post may leave in turn; a restructure's recruit
                // already has a leaving time from the start.
                if replaces_leaver {
                    self.schedule_leaving(now, practitioner);
                }
                let unit_instance = self.practitioners[practitioner as usize].unit_instance;
                self.pull_work(now, practitioner, unit_instance);
            }
            Event::RelationshipWeek => self.relationship_week(now),
            Event::JointTraining => self.joint_training(now),
            Event::HiddenNeedArises => {
                self.hidden_pool += 1;
                let gap = rng::exp1(&mut self.hidden_rng);
                self.queue.schedule(now + gap / self.hidden_new_per_day, Event::HiddenNeedArises);
                self.schedule_hidden_presentation(now);
            }
            Event::HiddenNeedPresents { generation } => {
                if generation == self.hidden_generation && self.hidden_pool > 0 {
                    self.hidden_pool -= 1;
                    self.record.hidden_presentation();
                    self.new_family(now, true)?;
                    self.schedule_hidden_presentation(now);
                }
            }
            Event::MonthEnd { month_idx } => self.month_end(now, month_idx),
        }
        Ok(())
    }

    // Handlers of rare events (a few a month or a day, against hundreds of events a day) are
    // `#[cold]`: kept out of `handle`, so the code of the frequent ones sits together in the
    // instruction cache.

    #[cold]
    fn month_end(&mut self, now: f64, month_idx: u32) {
        let trust = self.trust_totals();
        self.record.month_end(month_idx as usize, self.n_open, trust);
        if now >= self.scenario.run.warmup_days {
            self.month_end_census();
        }
        let run = &self.scenario.run;
        if self.waiting_midway.is_none() && now >= (run.warmup_days + run.horizon_days) / 2.0 {
            let mut waiting = vec![0u64; self.model.units.len()];
            for instance in &self.instances {
                waiting[instance.unit_idx] += (instance.n_waiting() + instance.panel.len()) as u64;
            }
            self.waiting_midway = Some((now, waiting));
        }
        let next = (month_idx + 2) as f64 * MONTH_DAYS;
        if next <= self.scenario.run.horizon_days {
            self.queue.schedule(next, Event::MonthEnd { month_idx: month_idx + 1 });
        }
    }

    /// Point-in-time counts at a month-end: children open to each unit, tier 4 work by
    /// domain, and caseloads by profession (the published statistics are snapshots).
    fn month_end_census(&mut self) {
        self.measured_month_ends += 1;
        let n_domains = self.scenario.population.domains.len();
        // The counts (walked or kept, `Census`) are added to the sums as integers: the sums
        // hold whole numbers far below 2^53, so adding a count gives exactly what adding 1.0
        // that many times gave.
        let (open_children, tier4_in_service) = self.census.month_counts(self.episodes.iter().map(|e| &*e.needs));
        for (unit, stats) in self.unit_stats.iter_mut().enumerate() {
            stats.open_children_month_sum += f64::from(open_children[unit]);
            let n_tier4 = &tier4_in_service[unit * n_domains..(unit + 1) * n_domains];
            for (sum, &n) in stats.tier4_in_service_month_sum.iter_mut().zip(n_tier4) {
                *sum += f64::from(n);
            }
        }
        let professions = &self.scenario.workforce.professions;
        let mut held = vec![0f64; professions.len()];
        let mut heads = vec![0f64; professions.len()];
        for p in &self.practitioners {
            if self.active[self.instances[p.unit_instance as usize].unit_idx] {
                let profession = p.profession_idx as usize;
                held[profession] += f64::from(professions[profession].caseload_capacity - p.free_slots);
                heads[profession] += 1.0;
            }
        }
        self.caseload_months.extend(held.into_iter().zip(heads));
    }

    /// Reads what the events of a bucket that has just become current will check first: each
    /// one's episode tags and need. An event about a family not touched for weeks misses the
    /// processor's caches there (in the county, most of the engine's misses are such first
    /// touches: the queue's events, the staleness checks), and one miss at a time, each
    /// waiting for the last; read together, a few dozen independent loads overlap, and the
    /// events then find their lines in the cache. Nothing read here changes what the run does.
    #[inline(never)]
    fn look_ahead(&self) {
        let mut sum = 0u64;
        for event in self.queue.current_bucket() {
            if let Some((episode, need)) = event.about() {
                let e = &self.episodes[episode as usize];
                // The tags and, just before them, the professionals' count (read by the
                // end of a service, and by an offer looking for a practitioner the family
                // knows): bytes 24-87 of the episode, one or two cache lines as the slot falls.
                sum ^= e.tags.serial ^ u64::from(e.tags.clock_tokens[MAX_NEEDS - 1]) ^ e.professionals.len() as u64;
                if let Some(n) = e.needs.get(need as usize) {
                    sum ^= u64::from(n.tier);
                }
                // The end of an assessment records the wait to it (the referral day, bytes
                // 96-103). The end of an intervention closes the need, reading whether every
                // need is closed; where it is the episode's last open need (and the event not
                // stale), it closes the episode too, which reads bytes 360-463 (the assessed
                // units' count, the flags and counts, the lead, the stream), two or three
                // cache lines: each is read here, and only then (read for every end of
                // service, they were a sixth of the look-ahead's misses, many for episodes
                // that stayed open).
                match *event {
                    Event::AssessmentDone { .. } => sum ^= e.referral_day.to_bits(),
                    // A referral's arrival asks whether the unit assessed the family before
                    // (the assessed units' count, byte 360), and one turned away is referred
                    // on, which reads the lead (byte 400).
                    Event::ReferralArrives { .. } => sum ^= e.assessed_units.len() as u64 ^ u64::from(e.lead.is_some()),
                    Event::ServiceDone { serial, need, token, .. } => {
                        let live = e.tags.serial == serial && e.tags.tokens[need as usize % MAX_NEEDS] == token;
                        if live && e.needs.iter().enumerate().all(|(idx, n)| idx == need as usize || n.state.is_closed()) {
                            sum ^= e.assessed_units.len() as u64
                                ^ u64::from(e.escalated_to_tier3)
                                ^ e.lead_since_day.to_bits()
                                ^ u64::from(e.n_tellings);
                        }
                    }
                    _ => {}
                }
            }
        }
        std::hint::black_box(sum);
    }

    fn episode_is(&self, episode: u32, serial: u64) -> bool {
        self.episodes[episode as usize].tags.serial == serial
    }

    fn need_is(&self, episode: u32, serial: u64, need: u8, token: u32) -> bool {
        let e = &self.episodes[episode as usize];
        e.tags.serial == serial && e.tags.tokens[need as usize] == token
    }

    // ----- families arriving -------------------------------------------------------------

    /// A family presents for the first time: from the model-independent arrival stream, or
    /// (`hidden`) from the hidden-need pool, whose timing depends on the model's access.
    fn new_family(&mut self, now: f64, hidden: bool) -> Result<()> {
        let scenario = self.scenario;
        let population = &scenario.population;
        let overstatement_factor = self.model.collaboration.overstatement_factor;
        // Hidden families get ids from the top of the range so they never collide with the
        // common arrival stream's ids (which must match across models).
        let family_id = if hidden {
            u64::MAX - self.family_id_base - self.record.hidden_presentations()
        } else {
            self.family_id_base + self.next_family_id
        };
        if !hidden {
            self.next_family_id += 1;
        }
        let rng = if hidden { &mut self.hidden_rng } else { &mut self.arrivals };
        let locality = match self.only_locality {
            Some(only) => only,
            None => pick(&population.locality_cumulative_share, rng.random()) as u16,
        };
        let (primary, tier, n_needs, age) = match self.fixed_family {
            // Nothing to draw: the age only decides which extra needs a child can have.
            Some((primary, tier)) => (primary, tier, 1, 0),
            None => {
                let primary = pick(&population.domain_cumulative_share, rng.random()) as u8;
                let mix = population.domains[primary as usize].tier_cumulative.as_ref().unwrap_or(&population.tier_cumulative);
                let tier = pick(mix, rng.random()) as u8 + 1;
                let n_needs = pick(&population.needs_cumulative, rng.random()) + 1;
                let domain = &population.domains[primary as usize];
                (primary, tier, n_needs, rng.random_range(domain.age_min_years..=domain.age_max_years))
            }
        };
        let first = draw_need(rng, population, self.need_draws, primary, tier, overstatement_factor);
        // A family with one need (every family of the validation scenarios) is handed on as
        // it is; more are gathered in a buffer kept between families: no allocation per family.
        let mut needs = Vec::new();
        if n_needs > 1 {
            needs = std::mem::take(&mut self.new_needs);
            needs.clear();
            needs.push(first);
        }
        // Additional needs: other domains, weighted by their share, open to a child this age
        // (`ExtraDomains`: only the domains with a weight are visited, in domain order).
        let mut taken = 1u16 << primary;
        for _ in 1..n_needs {
            let open = self.extra_domains.open_at_age[usize::from(age)] & !taken;
            let shares = &self.extra_domains.shares;
            let mut total = 0.0;
            for d in dynamics::bits32(u32::from(open)) {
                total += shares[d];
            }
            let u: f64 = rng.random();
            if total <= 0.0 {
                break;
            }
            let mut target = u * total;
            let mut chosen = 15 - open.leading_zeros() as usize;
            for d in dynamics::bits32(u32::from(open)) {
                if target < shares[d] {
                    chosen = d;
                    break;
                }
                target -= shares[d];
            }
            taken |= 1 << chosen;
            let u: f64 = rng.random();
            let extra_tier = match &population.domains[chosen].tier_cumulative {
                // A domain with its own tiers (entering care is tier 4) keeps them.
                Some(own) => pick(own, u) as u8 + 1,
                None if u < population.extra_need_same_tier_probability => tier,
                None => (tier - 1).max(1),
            };
            needs.push(draw_need(rng, population, self.need_draws, chosen as u8, extra_tier, overstatement_factor));
        }
        let list = if n_needs > 1 { &needs[..] } else { std::slice::from_ref(&first) };
        if !hidden {
            let mut checksum = rng::mix64(self.diagnostics.arrival_checksum ^ now.to_bits()) ^ u64::from(locality);
            for DrawnNeed { need, .. } in list {
                checksum = rng::mix64(checksum ^ (u64::from(need.domain) << 8 | u64::from(need.tier)) ^ need.service_exp1.to_bits());
            }
            self.diagnostics.arrival_checksum = checksum;
            self.diagnostics.new_families += 1;
        }
        let opened = self.open_episode(now, family_id, 0, locality, list, None);
        // `all_needs` of the new episode, from the list it was given
        // (`NeedList::set_untreated_since` takes at most `MAX_NEEDS`): no look-up of the
        // episode.
        let every_need = ((1u16 << list.len().min(MAX_NEEDS)) - 1) as u8;
        if n_needs > 1 {
            self.new_needs = needs;
        }
        let episode = opened?;
        debug_assert_eq!(every_need, all_needs(&self.episodes[episode as usize]));
        self.present_to_door(now, episode, every_need);
        self.schedule_new_clocks(now, episode, every_need);
        Ok(())
    }

    fn recur(&mut self, now: f64, recurrence: Recurrence) -> Result<()> {
        let Recurrence { family_id, n_episode, locality, domain, tier, previous_close_day } = recurrence;
        let mut rng = rng::keyed_stream(self.recurrence_stream_key, rng::mix64(family_id) ^ u64::from(n_episode));
        let need =
            draw_need(&mut rng, &self.scenario.population, self.need_draws, domain, tier, self.model.collaboration.overstatement_factor);
        let episode = self.open_episode(now, family_id, n_episode, locality, &[need], Some(previous_close_day))?;
        self.present_to_door(now, episode, 1);
        self.schedule_new_clocks(now, episode, 1);
        Ok(())
    }

    // Always inlined into its two callers (a new family, a recurrence): a call of its own
    // saved and restored six registers and returned a `Result` through memory on every
    // referral (mmc: 2.5 M instructions, 0.7%).
    #[inline(always)]
    fn open_episode(
        &mut self,
        now: f64,
        family_id: u64,
        n_episode: u32,
        locality: u16,
        needs: &[DrawnNeed],
        previous_close_day: Option<f64>,
    ) -> Result<u32> {
        if self.n_open >= u64::from(self.scenario.run.max_open_episodes) {
            return Err(Error::OpenEpisodeLimit {
                model: self.model.name.clone(),
                replication: self.replication,
                limit: self.scenario.run.max_open_episodes,
                within: self.only_locality.map_or(String::new(), |only| {
                    format!(
                        " in locality {} (its localities share no service, so they run one at a time and the limit applies to each)",
                        self.scenario.population.locality_names[usize::from(only)]
                    )
                }),
                day: now,
            });
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        let complex = needs.len() >= 3;
        let measured = now >= self.scenario.run.warmup_days;
        let rng = rng::LazyStream::keyed_hashed(self.episode_stream_key, family_id, u64::from(n_episode));
        let idx = match self.free_episodes.pop() {
            Some(idx) => {
                // The freed slot is filled in place, its buffers (emptied at closure) kept:
                // no allocation per episode once the table has grown, and no whole episode
                // built aside and copied in (~250 bytes a referral). Every field is named, so
                // a new one cannot be forgotten here.
                let Episode {
                    tags: slot_tags,
                    family_id: slot_family_id,
                    n_episode: slot_n_episode,
                    locality: slot_locality,
                    referral_day,
                    measured: slot_measured,
                    contacted,
                    assessment_done,
                    service_started,
                    needs: _,
                    n_handoffs,
                    n_bounces,
                    n_assessments,
                    n_tellings,
                    assessed_units: _,
                    common_assessed,
                    professionals: _,
                    lead,
                    lead_since_day,
                    lost,
                    escalated_to_tier3,
                    escalated_to_tier4,
                    complex: slot_complex,
                    n_untreated,
                    n_returns,
                    referred_tiers: _,
                    escalation_draws: _,
                    rng: slot_rng,
                } = &mut self.episodes[idx as usize];
                *slot_tags = Tags { serial, tokens: [0; MAX_NEEDS], clock_tokens: [0; MAX_NEEDS] };
                *slot_family_id = family_id;
                *slot_n_episode = n_episode;
                *slot_locality = locality;
                *referral_day = now;
                *slot_measured = measured;
                *contacted = false;
                *assessment_done = false;
                *service_started = false;
                *n_handoffs = 0;
                *n_bounces = 0;
                *n_assessments = 0;
                *n_tellings = 0;
                *common_assessed = false;
                *lead = None;
                *lead_since_day = now;
                *lost = false;
                *escalated_to_tier3 = false;
                *escalated_to_tier4 = false;
                *slot_complex = complex;
                *n_untreated = 0;
                *n_returns = 0;
                *slot_rng = rng;
                idx
            }
            None => {
                // A new slot holds most episodes' lists in place (`InlineList`), so that it
                // allocates nothing (the county's table grows for years as its caseload builds
                // up, and growing the lists of new slots was 4% of its instructions and a
                // tenth of its instruction-cache misses, malloc's code being cold).
                self.episodes.push(Episode {
                    tags: Tags { serial, tokens: [0; MAX_NEEDS], clock_tokens: [0; MAX_NEEDS] },
                    family_id,
                    n_episode,
                    locality,
                    referral_day: now,
                    measured,
                    contacted: false,
                    assessment_done: false,
                    service_started: false,
                    needs: NeedList { len: 0, items: [NO_NEED; MAX_NEEDS] },
                    n_handoffs: 0,
                    n_bounces: 0,
                    n_assessments: 0,
                    n_tellings: 0,
                    assessed_units: InlineList::new(),
                    common_assessed: false,
                    professionals: InlineList::new(),
                    lead: None,
                    lead_since_day: now,
                    lost: false,
                    escalated_to_tier3: false,
                    escalated_to_tier4: false,
                    complex,
                    n_untreated: 0,
                    n_returns: 0,
                    referred_tiers: [0; MAX_NEEDS],
                    escalation_draws: [[f64::INFINITY; 3]; MAX_NEEDS],
                    rng,
                });
                (self.episodes.len() - 1) as u32
            }
        };
        // A new episode's needs are all in transit (`draw_need`), held by nobody: the census's
        // counts are the same.
        debug_assert!(needs.iter().all(|n| census_holder(n.need.state) == NOT_HELD), "a new need is held by nobody");
        // The episode is held from here to the end: looked up again for each need, it cost a
        // bounds check or two each time. Then `start_untreated` for each need in turn: every
        // new need's clock is unset (`draw_need`) and the new episode counts none untreated,
        // so each need starts its clock as it is copied in, and the child becomes untreated
        // with the first; the clocks' events are scheduled by the caller once the front door
        // has dealt with the needs (`schedule_new_clocks`), in the same order.
        debug_assert!(needs.iter().all(|n| n.need.untreated_since_day.is_nan()), "a new need is treated");
        let e = &mut self.episodes[idx as usize];
        debug_assert_eq!(e.n_untreated, 0, "a new episode counts no need untreated");
        e.needs.set_untreated_since(&mut e.escalation_draws, &mut e.referred_tiers, needs, now);
        self.n_open += 1;
        self.diagnostics.episodes_created += 1;
        self.diagnostics.peak_open_episodes = self.diagnostics.peak_open_episodes.max(self.n_open);
        self.record.referral(now, previous_close_day);
        // The count from the list given, not from the episode: the list's length was just
        // stored there as a byte, and read back wider it could not be forwarded from that
        // store, so the read waited for the store, and every older one, to reach the cache
        // (the new slot's lines are cold): a quarter of `new_family`'s time (`perf record`).
        let count = needs.len() as u8;
        debug_assert_eq!(usize::from(count), e.needs.len());
        if count > 0 {
            self.record.untreated_children_change(now, 1);
        }
        e.n_untreated = count;
        Ok(idx)
    }

    /// The untreated clocks of a new episode's `needs`, scheduled once its front door has
    /// dealt with them (`open_episode` starts the needs untreated but schedules no clock):
    /// only for those still untreated since `now` with no clock pending. A need taken into
    /// service at once (a unit without assessment, a practitioner free) stopped its clock in
    /// the same instant, and scheduled first, that clock was stored, filed in the queue's
    /// ring, marked stopped and then popped or purged for nothing: a tenth of the county's
    /// stopped clocks. A clock is due at `now` plus the time to change worked out from the
    /// need's exposures, which a stop and restart within the instant leave as they were
    /// (`consume_exposure` of no time), so each clock that is scheduled is due on the same
    /// day as before; its sequence number comes after the front door's events instead of
    /// before, which changes the order only between events due at the same instant, and a
    /// clock due the instant it starts would need an exposure of exactly zero.
    fn schedule_new_clocks(&mut self, now: f64, episode: u32, needs: u8) {
        if !self.untreated_clocks() {
            return;
        }
        for need in bits(needs) {
            let n = &self.episodes[episode as usize].needs[need as usize];
            if n.untreated_since_day == now && n.clock_slot == NO_CLOCK {
                self.schedule_clock(now, episode, need);
            }
        }
    }

    /// Sends needs to the front door: the single point of contact, or the service for the
    /// first of the needs.
    // Always inlined into its three callers (a new family, a recurrence, a return): a call of
    // its own was a stack frame and six saved registers a referral (mmc: 2.1 M instructions,
    // 0.6%).
    #[inline(always)]
    fn present_to_door(&mut self, now: f64, episode: u32, needs: u8) {
        // The episode is looked up once (a single door's copy is read from `active` and
        // `instance_of` directly), and what the routing reads of it is copied out.
        let e = &mut self.episodes[episode as usize];
        let locality = e.locality;
        let (active, instance_of) = (&self.active, &self.instance_of);
        let single = match &self.model.front_door {
            FrontDoor::Single(doors) => {
                doors.iter().map(|&u| if active[u] { instance_of[u][locality as usize] } else { NO_UNIT }).find(|&i| i != NO_UNIT)
            }
            FrontDoor::ByNeed => None,
        };
        // A `match`, not `unwrap_or_else` with closures: inlined into its callers, the
        // closure was left out of line.
        let door = match single {
            Some(door) => door,
            None => {
                let p = self.scenario.population.misdirected_probability;
                let misdirected = p > 0.0 && e.rng.random::<f64>() < p;
                let need = &e.needs[needs.trailing_zeros() as usize];
                let (domain, presented_tier) = (need.domain, need.presented_tier());
                let n_domains = self.scenario.population.domains.len();
                // Sent to the wrong place: the service with the highest threshold for the domain.
                let wrong = if misdirected { self.route_for(locality, domain, 4) } else { NO_UNIT };
                let routed = self.route_for(locality, domain, presented_tier);
                if wrong != NO_UNIT {
                    wrong
                } else if routed != NO_UNIT {
                    routed
                } else {
                    self.door_by_need[locality as usize * n_domains + domain as usize]
                }
            }
        };
        if door == NO_UNIT {
            for need in bits(needs) {
                self.close_need(now, episode, need, Closure::NoService);
            }
        } else {
            self.arrive_at_unit(now, episode, needs, door);
        }
    }

    fn route_for(&self, locality: u16, domain: u8, tier: u8) -> u32 {
        let n_domains = self.scenario.population.domains.len();
        self.route[(locality as usize * n_domains + domain as usize) * 4 + tier as usize - 1]
    }

    // ----- a unit receiving needs ----------------------------------------------------------

    /// A need referred on arrives at `unit_instance`: `arrive_at_unit` out of line, so that
    /// the event loop holds no copy of it.
    #[inline(never)]
    fn referral_arrives(&mut self, now: f64, episode: u32, need: u8, unit_instance: u32) {
        self.arrive_at_unit(now, episode, 1 << need, unit_instance);
    }

    // Always inlined into the front door's callers (a new family, a recurrence, a return),
    // each of which then makes one stack frame where it made two (mmc: 1.2 M instructions,
    // 0.3%).
    #[inline(always)]
    fn arrive_at_unit(&mut self, now: f64, episode: u32, needs: u8, unit_instance: u32) {
        // The unit and the episode are looked up once each (again only after a waiting list
        // has turned needs away), and the unit handed on to `after_assessment`.
        let model = self.model;
        let unit_idx = self.instances[unit_instance as usize].unit_idx;
        let unit = &model.units[unit_idx];
        if !self.active[unit_idx] {
            // A referral reaching a project that has closed: handed on under an exit
            // strategy, otherwise nobody is there to receive it.
            for need in bits(needs) {
                if unit.exit_strategy {
                    self.triage_away(now, episode, need, unit_instance);
                } else {
                    self.lose(now, episode, need);
                }
            }
            return;
        }
        let measured = now >= self.scenario.run.warmup_days;
        let e = &self.episodes[episode as usize];
        // Whether the unit accepts any of the needs, and how many are of its own domains.
        // Without a waiting list the needs that arrive are the needs considered, so both are
        // counted in one pass over them (each pass costs its loop and the needs' look-ups).
        let (needs, e, any_accepted) = match unit.waiting_list {
            Some(list) => {
                if measured {
                    let stats = &mut self.unit_stats[unit_idx];
                    stats.needs_arrived += u64::from(needs.count_ones());
                    stats.own_domain_needs_arrived +=
                        bits(needs).filter(|&n| unit.serves_domain(e.needs[n as usize].domain)).count() as u64;
                }
                let needs = self.turn_away_for_list(now, episode, needs, unit_instance, &list);
                let e = &self.episodes[episode as usize];
                (needs, e, bits(needs).any(|n| unit.accepts(e.needs[n as usize].domain, e.needs[n as usize].presented_tier())))
            }
            None => {
                // The needs are counted in the pass too: `count_ones` is six instructions
                // where the target has no `popcnt` (baseline x86-64).
                let (mut arrived, mut own, mut any_accepted) = (0, 0, false);
                for n in bits(needs) {
                    let n = &e.needs[n as usize];
                    arrived += 1;
                    own += u64::from(unit.serves_domain(n.domain));
                    any_accepted |= unit.accepts(n.domain, n.presented_tier());
                }
                if measured {
                    let stats = &mut self.unit_stats[unit_idx];
                    stats.needs_arrived += arrived;
                    stats.own_domain_needs_arrived += own;
                }
                (needs, e, any_accepted)
            }
        };
        if needs == 0 {
            return;
        }
        if !any_accepted {
            // Triage at the door: nothing here for this unit, so no assessment.
            for need in bits(needs) {
                if measured {
                    let n = &self.episodes[episode as usize].needs[need as usize];
                    let stats = &mut self.unit_stats[unit_idx];
                    if n.presented_tier() == 1 {
                        stats.needs_no_further_action += 1;
                    } else {
                        stats.needs_redirected += 1;
                    }
                    stats.own_domain_needs_turned_away += u64::from(unit.serves_domain(n.domain));
                }
                self.triage_away(now, episode, need, unit_instance);
            }
            return;
        }
        // Whether the family was assessed here before is looked up only where the unit
        // assesses (a search of a list, on every arrival at a unit without assessment).
        let unit_id = unit_idx as u16;
        let assess = match unit.assessment {
            Assessment::NoAssessment => false,
            Assessment::Own { .. } => !e.assessed_units.contains(&unit_id),
            // A common assessment is done once and read by everyone when the record is shared.
            Assessment::Common { .. } => {
                let shared = self.model.information_at(now) == Information::SharedRecord;
                !(e.assessed_units.contains(&unit_id) || e.common_assessed && shared)
            }
        };
        if assess {
            for need in bits(needs) {
                self.set_state(episode, need, NeedState::AwaitingAssessment { unit_instance });
            }
            let item = self.work_item(episode, 0, WorkKind::Assessment { needs });
            self.offer(now, unit_instance, item);
        } else {
            self.after_assessment(now, episode, needs, unit_instance, unit_idx, unit, false);
        }
    }

    /// What a unit does with needs once it knows the family: keep those it accepts, pass the
    /// rest on (or close them when universal services can cope). `unit_idx` is the unit of the
    /// copy `unit_instance`, and `unit` that unit, which every caller has at hand.
    // Eight arguments, past clippy's seven: the unit comes as its copy, its index and itself,
    // each at hand in every caller, where looking them up again is what is saved.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn after_assessment(&mut self, now: f64, episode: u32, needs: u8, unit_instance: u32, unit_idx: usize, unit: &'a Unit, assessed: bool) {
        debug_assert_eq!(unit_idx, self.instances[unit_instance as usize].unit_idx, "the unit of another copy");
        debug_assert!(std::ptr::eq(unit, &self.model.units[unit_idx]), "another unit");
        let measured = assessed && now >= self.scenario.run.warmup_days;
        for need in bits(needs) {
            let n = &mut self.episodes[episode as usize].needs[need as usize];
            n.overstated = false;
            let in_need = unit.accepts(n.domain, n.tier);
            if measured {
                let stats = &mut self.unit_stats[unit_idx];
                stats.needs_assessed += 1;
                stats.needs_assessed_not_in_need += u64::from(!in_need);
                stats.own_domain_needs_turned_away += u64::from(!in_need && unit.serves_domain(n.domain));
            }
            if in_need {
                match unit.allocation {
                    Allocation::OnArrival => self.allocated_at(now, episode, need, unit_instance, unit),
                    Allocation::Panel { .. } | Allocation::TeamLeader => {
                        self.set_state(episode, need, NeedState::AwaitingPanel { unit_instance });
                        let item = self.work_item(episode, need, WorkKind::Service { need });
                        let instance = &mut self.instances[unit_instance as usize];
                        instance.panel.push_back(item);
                        if unit.allocation == Allocation::TeamLeader && !instance.allocation_pending {
                            instance.allocation_pending = true;
                            self.schedule_team_allocation(now, unit_instance);
                        }
                    }
                }
            } else {
                self.triage_away(now, episode, need, unit_instance);
            }
        }
    }

    /// A team leader will allocate at the next working morning. Out of line and cold: inlined,
    /// the compiler worked out that morning (two calls of libm's `floor`, which baseline x86-64
    /// has no instruction for) at the top of every `after_assessment`, whether or not a team
    /// leader allocates there: 1.2% of mmc's instructions.
    #[cold]
    fn schedule_team_allocation(&mut self, now: f64, unit_instance: u32) {
        let morning = self.scenario.run.calendar.next_working_morning(now);
        self.queue.schedule(morning, Event::TeamAllocation { unit_instance });
    }

    fn triage_away(&mut self, now: f64, episode: u32, need: u8, from: u32) {
        let e = &self.episodes[episode as usize];
        let n = &e.needs[need as usize];
        let tier = n.presented_tier();
        let target = self.route_for(e.locality, n.domain, tier);
        if tier == 1 && (target == NO_UNIT || target == from) {
            // Universal services can cope: no further action.
            self.close_need(now, episode, need, Closure::NoFurtherAction);
            return;
        }
        if target == NO_UNIT || target == from {
            self.close_need(now, episode, need, Closure::NoService);
        } else {
            self.refer_on(now, episode, need, from, target);
        }
    }

    // ----- handoffs ------------------------------------------------------------------------

    fn refer_on(&mut self, now: f64, episode: u32, need: u8, from: u32, to: u32) {
        let model = self.model;
        let warm = self.warm_from(from);
        let trust = self.referral_trust(episode, from, to);
        let e = &mut self.episodes[episode as usize];
        // A handoff arranged by a lead professional or co-located team is only as warm as the
        // relationship behind it; an unarranged one still gains a little from trust.
        let warmth = if e.lead.is_some() || warm { trust } else { 0.5 * trust };
        let handoff = blend(&model.handoff, &model.coordinated_handoff, warmth, model.collaboration.bounce_factor);
        e.n_handoffs += 1;
        let gap = rng::exp1(&mut e.rng);
        let mut delay = gap * handoff.delay_days_mean;
        if let Information::OwnSystems { consent_delay_days_mean } = model.information_at(now) {
            let consent = rng::exp1(&mut e.rng);
            delay += consent * consent_delay_days_mean;
        }
        let u: f64 = e.rng.random();
        let serial = e.tags.serial;
        self.coordination_hours(now, from, model.coordination.referral_hours);
        self.set_state(episode, need, NeedState::InTransit);
        let token = self.episodes[episode as usize].tags.tokens[need as usize];
        if u < handoff.lost_probability {
            self.lose(now, episode, need);
        } else if u < handoff.lost_probability + handoff.bounce_probability {
            self.queue.schedule(now + delay, Event::ReferralBounced { episode, serial, need, token, from, to });
        } else {
            self.queue.schedule(now + delay, Event::ReferralArrives { episode, serial, need, token, to });
        }
    }

    /// Coordination time, scaled down when integration is adequately resourced.
    /// Records coordination time spent by a unit's staff. It is counted in the metric and it
    /// comes out of the unit's time for casework: see `casework_slowdown`.
    fn coordination_hours(&mut self, now: f64, unit_instance: u32, hours: f64) {
        let hours = hours * self.model.collaboration.coordination_hours_factor;
        self.record.coordination_hours(now, hours);
        let instance = &mut self.instances[unit_instance as usize];
        let remembered = remembered_coordination(instance, now);
        instance.recent_coordination_hours = remembered + hours;
        instance.coordination_since_day = now;
        // The cached forgetting was for the old level.
        instance.decayed_on_day = f64::NAN;
    }

    /// Whether referrals from this unit are warm handoffs: co-located staff, or a project
    /// handing its families on under an exit strategy.
    fn warm_from(&self, unit_instance: u32) -> bool {
        let unit_idx = self.instances[unit_instance as usize].unit_idx;
        let unit = &self.model.units[unit_idx];
        unit.kind.warm_handoffs() || (unit.exit_strategy && !self.active[unit_idx])
    }

    fn bounced(&mut self, now: f64, episode: u32, need: u8, from: u32, to: u32) {
        let max_bounces = {
            let e = &self.episodes[episode as usize];
            let warm = self.warm_from(from);
            if e.lead.is_some() || warm { self.model.coordinated_handoff.max_bounces } else { self.model.handoff.max_bounces }
        };
        let e = &mut self.episodes[episode as usize];
        e.n_bounces += 1;
        let n = &mut e.needs[need as usize];
        n.bounces += 1;
        if n.bounces > max_bounces {
            // The referrer gives up: nobody holds the family now.
            self.lose(now, episode, need);
        } else {
            self.refer_on(now, episode, need, from, to);
        }
    }

    fn lose(&mut self, now: f64, episode: u32, need: u8) {
        self.set_state(episode, need, NeedState::Lost);
        let e = &mut self.episodes[episode as usize];
        if !e.lost {
            e.lost = true;
            self.record.lost(now);
        }
        self.come_back_if_stuck(now, episode, need);
    }

    /// A need nobody holds that can neither escalate nor resolve on its own would never be
    /// heard of again; such families re-present after the recurrence delay instead.
    fn come_back_if_stuck(&mut self, now: f64, episode: u32, need: u8) {
        let scenario = self.scenario;
        let e = &mut self.episodes[episode as usize];
        let n = &e.needs[need as usize];
        let population = &scenario.population;
        let escalates = n.tier < 4 && population.escalation_rate_per_day[n.tier as usize - 1] > 0.0;
        let resolves = population.natural_resolution_rate_per_day[n.tier as usize - 1] > 0.0;
        if !escalates && !resolves {
            let gap = rng::exp1(&mut e.rng);
            let (serial, token) = (e.tags.serial, e.tags.tokens[need as usize]);
            self.queue.schedule(now + gap * population.recurrence_delay_days_mean, Event::Represent { episode, serial, need, token });
        }
    }

    /// A lost need comes back to a front door, usually because it got worse.
    fn represent(&mut self, now: f64, episode: u32, need: u8) {
        self.episodes[episode as usize].n_returns += 1;
        self.record.referral(now, None);
        self.present_to_door(now, episode, 1 << need);
    }

    // ----- untreated need: escalation and natural resolution -------------------------------

    // Always inline: once `schedule_clock`'s call was made conditional the compiler left this
    // out of line, and the call cost open_episode more than it saved (mmc, 1.9 M instructions).
    #[inline(always)]
    fn start_untreated(&mut self, now: f64, episode: u32, need: u8) {
        let e = &mut self.episodes[episode as usize];
        let n = &mut e.needs[need as usize];
        if !n.untreated_since_day.is_nan() {
            return;
        }
        n.untreated_since_day = now;
        if e.n_untreated == 0 {
            self.record.untreated_children_change(now, 1);
        }
        e.n_untreated += 1;
        // Tested here as well as in `schedule_clock`, which is not inlined: a call for nothing
        // on every new need where nothing escalates or resolves.
        if self.untreated_clocks() {
            self.schedule_clock(now, episode, need);
        }
    }

    /// Whether any need of this scenario can escalate or resolve on its own, so that untreated
    /// needs run clocks (decided by the population, once: `NeedDraws`).
    #[inline(always)]
    fn untreated_clocks(&self) -> bool {
        self.need_draws.untreated_clocks()
    }

    /// Stops a need's untreated clock, which runs (`close_need` tests that where it holds the
    /// episode; `start_work` does the same work inline, `stop_running_clock`): out of line, as
    /// most needs closing in the county find the clock stopped (closed after an intervention)
    /// and make no call.
    #[inline(never)]
    fn stop_running_untreated(&mut self, now: f64, episode: u32, need: u8) {
        let clocks = self.untreated_clocks();
        let e = &mut self.episodes[episode as usize];
        stop_running_clock(e, episode, need, now, &self.scenario.population, clocks, &mut self.record, &mut self.queue);
        if clocks {
            self.clock_went_stale();
        }
    }

    /// A need's pending clock event is now stale. Most are due months ahead (escalation and
    /// resolution take hundreds of days), so they would sit in the queue, making every pop
    /// dearer, until popped and ignored: in the county they were a third of the queue and a
    /// fifth of all events popped. Once they are a third of the queue they are dropped in one
    /// pass, which costs less than popping them. The live events keep their order
    /// (`EventQueue::retain_unmarked`), and the ones dropped are exactly those `handle` would
    /// ignore.
    ///
    /// What is counted is the clocks stopped, whether or not an event was pending (none is
    /// for a need taken into service as it arrives, `Sim::schedule_new_clocks`, or for a
    /// clock that would ring after the horizon): the count runs ahead of the stale events,
    /// so the pass comes a little before they are a third. Counting only the events left
    /// stale, the county popped more of them (1.79 M events rather than 1.56 M) and did 0.44%
    /// more instructions for 1.4% fewer simulated L2 misses; at a quarter, 0.08% fewer
    /// instructions and 1.3% fewer misses, but even in wall time (results/benchmarks.md,
    /// twenty-fifth pass). Neither was worth a change.
    fn clock_went_stale(&mut self) {
        self.stale_clocks += 1;
        if self.stale_clocks >= STALE_CLOCKS_MIN && self.stale_clocks * 3 >= self.queue.len() {
            self.drop_stale_clocks();
        }
    }

    /// The stale clocks' events are `ClockStopped` (`stop_running_clock` replaced them), their
    /// slots marked, so the pass reads only the queue's entries and marks. Before, it read
    /// every pending clock's episode to tell the stale from the live (a cache miss each, not
    /// touched for weeks), and then every pending event.
    #[cold]
    fn drop_stale_clocks(&mut self) {
        self.queue.retain_unmarked();
        self.stale_clocks = 0;
    }

    fn schedule_clock(&mut self, now: f64, episode: u32, need: u8) {
        if !self.untreated_clocks() {
            // No need of this scenario ever escalates or resolves on its own: no clock.
            return;
        }
        let scenario = self.scenario;
        let population = &scenario.population;
        let e = &mut self.episodes[episode as usize];
        let n = &e.needs[need as usize];
        debug_assert_eq!(n.clock_slot, NO_CLOCK, "a clock scheduled while another is pending");
        let (to_escalate, to_resolve) = days_until_change(population, n);
        let day = now + to_escalate.min(to_resolve).max(0.0);
        // A clock due after the horizon would never be popped (nor one that never rings: an
        // infinite wait), so it is not scheduled: in the 10-year county, 4% of all clocks.
        // Its stop then has nothing to cancel.
        if day <= scenario.run.horizon_days {
            let (serial, token) = (e.tags.serial, e.tags.clock_tokens[need as usize]);
            e.needs[need as usize].clock_slot =
                self.queue.schedule_returning_slot(day, Event::UntreatedClock { episode, serial, need, token });
        }
    }

    fn untreated_clock(&mut self, now: f64, episode: u32, need: u8) {
        let (model, scenario) = (self.model, self.scenario);
        let population = &scenario.population;
        let e = &mut self.episodes[episode as usize];
        let n = &mut e.needs[need as usize];
        let since = n.untreated_since_day;
        assert!(!since.is_nan(), "the clock only runs while a need is untreated");
        // Its event has just been popped: the slot is free, nothing is left to cancel.
        n.clock_slot = NO_CLOCK;
        consume_exposure(population, n, now - since);
        n.untreated_since_day = now;
        let (to_escalate, to_resolve) = days_until_change(population, n);
        if to_resolve <= to_escalate {
            self.close_need(now, episode, need, Closure::Natural);
            return;
        }
        // Escalation: one tier up, with the next pre-drawn exposure (kept apart from the needs).
        let (new_tier, state) = (n.tier + 1, n.state);
        let escalation_left =
            if new_tier < 4 { e.escalation_draws[need as usize % MAX_NEEDS][new_tier as usize - 1] } else { f64::INFINITY };
        self.census.set_tier(&e.needs, need as usize, new_tier);
        let n = &mut e.needs[need as usize];
        (n.tier, n.escalation_left) = (new_tier, escalation_left);
        if new_tier == 3 && !e.escalated_to_tier3 {
            e.escalated_to_tier3 = true;
        }
        if new_tier == 4 && !e.escalated_to_tier4 {
            e.escalated_to_tier4 = true;
        }
        self.record.escalation(now);
        // The old clock event is spent; re-arm for the new tier.
        e.tags.clock_tokens[need as usize] = e.tags.clock_tokens[need as usize].wrapping_add(1);
        match state {
            NeedState::Lost => self.represent(now, episode, need),
            NeedState::AwaitingService { unit_instance } | NeedState::AwaitingPanel { unit_instance } => {
                let unit = &model.units[self.instances[unit_instance as usize].unit_idx];
                let domain = self.episodes[episode as usize].needs[need as usize].domain;
                if unit.accepts(domain, new_tier) {
                    // Still this unit's case: it keeps its place in the queue.
                    self.schedule_clock(now, episode, need);
                } else {
                    // Stepped up beyond this unit's remit: it refers the family on.
                    self.triage_away(now, episode, need, unit_instance);
                }
            }
            _ => self.schedule_clock(now, episode, need),
        }
    }

    // ----- practitioners and queues --------------------------------------------------------

    fn work_item(&self, episode: u32, need: u8, kind: WorkKind) -> WorkItem {
        let e = &self.episodes[episode as usize];
        let token = if let WorkKind::Service { .. } = kind { e.tags.tokens[need as usize] } else { 0 };
        WorkItem { episode, serial: e.tags.serial, token, kind, since_day: self.queue.now_day() }
    }

    // Always inline: `pull_waiting_work` asks it in two places, and out of line it was a
    // call (and a bounds check it shares with what follows) for every case taken.
    #[inline(always)]
    fn item_is_live(&self, item: &WorkItem, unit_instance: u32) -> bool {
        let e = &self.episodes[item.episode as usize];
        if e.tags.serial != item.serial {
            return false;
        }
        match item.kind {
            WorkKind::Service { need } => {
                let n = &e.needs[need as usize];
                e.tags.tokens[need as usize] == item.token
                    && matches!(n.state, NeedState::AwaitingService { unit_instance: u } | NeedState::AwaitingPanel { unit_instance: u } if u == unit_instance)
            }
            WorkKind::Assessment { needs } => bits(needs)
                .any(|n| matches!(e.needs[n as usize].state, NeedState::AwaitingAssessment { unit_instance: u } if u == unit_instance)),
        }
    }

    /// What a profession must be competent for to take `item`, in the layout of
    /// `Sim::competence` (8 bits of tiers per domain): a profession can take it when the two
    /// share a bit. Worked out once per offer rather than once per run of a profession.
    #[inline(always)]
    fn required_competence(&self, item: &WorkItem) -> u128 {
        required_competence_of(&self.episodes[item.episode as usize], item)
    }

    fn can_do(&self, practitioner: u32, required: u128) -> bool {
        self.competence[self.practitioners[practitioner as usize].profession_idx as usize] & required != 0
    }

    /// `offer` out of line, for the event loop (a practitioner called in), which then holds
    /// no copy of it.
    #[inline(never)]
    fn offer_out_of_line(&mut self, now: f64, unit_instance: u32, item: WorkItem) {
        self.offer(now, unit_instance, item);
    }

    /// Gives work to a free competent practitioner at once, or queues it.
    // Always inlined (into the allocation of a need arriving, the end of an assessment, a
    // network's offer): a call of its own saved and restored six registers and passed the
    // work item through memory (mmc: 3.3 M instructions with `allocated` left out of line).
    #[inline(always)]
    fn offer(&mut self, now: f64, unit_instance: u32, item: WorkItem) {
        // Continuity first: a practitioner here who already knows the family takes the work
        // if they can, as a key worker would.
        let e = &self.episodes[item.episode as usize];
        let required = required_competence_of(e, &item);
        let known = e.professionals.iter().copied().find(|&p| {
            self.practitioners[p as usize].unit_instance == unit_instance
                && self.practitioners[p as usize].available
                && self.practitioners[p as usize].free_slots > 0
                && self.can_do(p, required)
        });
        if let Some(p) = known {
            self.start_work(now, p, item);
            return;
        }
        // Otherwise the practitioner with the most free slots takes it (ties: the first
        // listed), which spreads caseloads the way a team leader would. Runs of a profession
        // that cannot do the work are skipped whole. The runs are read in place, with the
        // fields the search needs borrowed one by one (as a method of `Sim`, `best_in_run` had
        // each run copied and its unit copy looked up again).
        let mut best: Option<(u32, u32)> = None;
        let (open_slots, run_best) = (&self.open_slots, &mut self.run_best);
        for &run in &self.instances[unit_instance as usize].profession_runs {
            debug_assert_eq!(run.competence, self.competence[run.profession_idx as usize], "the run's competence");
            if run.competence & required == 0 {
                continue;
            }
            debug_assert!(
                (run.start..run.end).all(|p| {
                    let practitioner = &self.practitioners[p as usize];
                    self.open_slots[p as usize] == if practitioner.available { practitioner.free_slots } else { 0 }
                }),
                "open_slots out of step with the practitioners"
            );
            let (first, most) = best_in_run(open_slots, run_best, run);
            if most > best.map_or(0, |(_, f)| f) {
                best = Some((first, most));
            }
        }
        match best {
            Some((p, _)) => self.start_work(now, p, item),
            None => self.join_waiting(unit_instance, item),
        }
    }

    /// Puts a case nobody can start now at the back of its lane: `waiting` first come first
    /// served, or under `HighestTierFirst` the lane of its tier now (`item_tier`).
    #[inline(always)]
    fn join_waiting(&mut self, unit_instance: u32, item: WorkItem) {
        let lane_idx = match self.instances[unit_instance as usize].priority {
            Priority::FirstComeFirstServed => 0,
            Priority::HighestTierFirst => N_TIERS - usize::from(self.item_tier(&item)),
        };
        let instance = &mut self.instances[unit_instance as usize];
        if lane_idx == 0 {
            instance.waiting.push_back(item);
        } else {
            instance.lower_tiers[lane_idx - 1].push_back(item);
            instance.n_lower_tiers += 1;
        }
        instance.debug_check_lanes();
    }

    /// A practitioner with a free slot takes the longest-waiting case they can do.
    /// Most calls find nothing waiting (mmc: 58%), so that test is inline and the search out
    /// of line, with its stack frame.
    /// Whether the practitioner took a case.
    #[inline(always)]
    fn pull_work(&mut self, now: f64, practitioner: u32, unit_instance: u32) -> bool {
        debug_assert_eq!(unit_instance, self.practitioners[practitioner as usize].unit_instance, "another copy's practitioner");
        self.instances[unit_instance as usize].anything_waiting() && self.pull_waiting_work(now, practitioner, unit_instance)
    }

    /// `pull_work` where cases wait; whether the practitioner took one.
    #[inline(never)]
    fn pull_waiting_work(&mut self, now: f64, practitioner: u32, unit_instance: u32) -> bool {
        self.pull_waiting_work_inlined(now, practitioner, unit_instance)
    }

    /// `pull_waiting_work`, always inlined: at the end of a service (`service_ends`), which
    /// then makes one stack frame where it made two.
    #[inline(always)]
    fn pull_waiting_work_inlined(&mut self, now: f64, practitioner: u32, unit_instance: u32) -> bool {
        let priority = self.instances[unit_instance as usize].priority;
        let mut took = false;
        while self.practitioners[practitioner as usize].available && self.practitioners[practitioner as usize].free_slots > 0 {
            // First come, first served: the first case is taken at once where it is live and
            // the practitioner can do it (nearly always), as the search below would take it,
            // without the search's indexing, its counters and `remove_at`'s general case.
            if priority == Priority::FirstComeFirstServed
                && let Some(&item) = self.instances[unit_instance as usize].waiting.front()
                && self.item_is_live(&item, unit_instance)
                && self.can_do(practitioner, self.required_competence(&item))
            {
                self.instances[unit_instance as usize].waiting.pop_front();
                self.start_work(now, practitioner, item);
                took = true;
                continue;
            }
            // The first case this practitioner can do, in the first lane that has one (first
            // come first served there is only `waiting`, lane 0).
            let n_lanes = match priority {
                Priority::FirstComeFirstServed => 1,
                Priority::HighestTierFirst => N_TIERS,
            };
            let mut found: Option<(usize, usize)> = None;
            'lanes: for lane_idx in 0..n_lanes {
                let mut scanned = 0;
                let mut idx = 0;
                while idx < self.instances[unit_instance as usize].lane(lane_idx).len() && scanned < QUEUE_SCAN_LIMIT {
                    let item = self.instances[unit_instance as usize].lane(lane_idx)[idx];
                    if !self.item_is_live(&item, unit_instance) {
                        // Stale entries (the need moved on) are dropped as they are met.
                        self.instances[unit_instance as usize].remove_from_lane(lane_idx, idx);
                        continue;
                    }
                    if self.can_do(practitioner, self.required_competence(&item)) {
                        found = Some((lane_idx, idx));
                        break 'lanes;
                    }
                    scanned += 1;
                    idx += 1;
                }
            }
            let Some((lane_idx, idx)) = found else { break };
            let item = self.instances[unit_instance as usize].remove_from_lane(lane_idx, idx).expect("index in range");
            self.start_work(now, practitioner, item);
            took = true;
        }
        took
    }

    fn item_tier(&self, item: &WorkItem) -> u8 {
        let e = &self.episodes[item.episode as usize];
        match item.kind {
            WorkKind::Service { need } => e.needs[need as usize].tier,
            WorkKind::Assessment { needs } => bits(needs).map(|n| e.needs[n as usize].presented_tier()).max().unwrap_or(1),
        }
    }

    fn release(&mut self, now: f64, practitioner: u32, unit_instance: u32) {
        if self.release_uncounted(now, practitioner, unit_instance) {
            self.practitioner_changed(practitioner);
        }
    }

    /// `release` but for `practitioner_changed`, which the caller makes before anything reads
    /// the practitioner's open slots or their run's best, or leaves to `start_work` for this
    /// practitioner (which counts their slots from their count of free ones); whether a slot
    /// was freed.
    #[inline(always)]
    fn release_uncounted(&mut self, now: f64, practitioner: u32, unit_instance: u32) -> bool {
        debug_assert_eq!(unit_instance, self.practitioners[practitioner as usize].unit_instance, "another copy's practitioner");
        // The unit copy is looked up once, for whether its unit is open and for its busy
        // slots (again after the stores between, it was a second bounds check).
        let instance = &mut self.instances[unit_instance as usize];
        if !self.active[instance.unit_idx] {
            // The unit has closed: `project_ends` freed every slot on its last day, so the
            // end of work the closure cut short frees nothing more.
            return false;
        }
        busy_change(instance, now, self.scenario.run.warmup_days, -1);
        self.practitioners[practitioner as usize].free_slots += 1;
        self.record.busy_slots_change(now, -1);
        true
    }

    /// The common cases inline (a run gone stale, a practitioner who becomes the best), the
    /// search for the next best out of line.
    #[inline(always)]
    pub(super) fn practitioner_changed(&mut self, practitioner: u32) {
        let p = &self.practitioners[practitioner as usize];
        let (open, run) = (p.open_slots(), p.run_idx as usize);
        self.open_slots_are(practitioner, open, run);
    }

    /// `practitioner_changed` for a caller that has the practitioner's open slots and run
    /// (`Practitioner::run_idx`) at hand.
    #[inline(always)]
    fn open_slots_are(&mut self, practitioner: u32, open: u32, run: usize) {
        debug_assert_eq!(open, self.practitioners[practitioner as usize].open_slots(), "the practitioner's open slots");
        debug_assert_eq!(run, self.practitioners[practitioner as usize].run_idx as usize, "the practitioner's run");
        self.open_slots[practitioner as usize] = open;
        let best = &mut self.run_best[run];
        if best.stale {
            return;
        }
        if open > best.most || (open == best.most && practitioner < best.first) {
            (best.first, best.most) = (practitioner, open);
        } else if practitioner == best.first && open < best.most {
            self.best_lost_slots(practitioner, open, run);
        }
    }

    /// The run's best practitioner has fewer open slots now (`open`): its successor. `run`:
    /// the practitioner's run (`Practitioner::run_idx`), which the caller has read (a load
    /// and a bounds check again here, on 92,734 calls in mmc).
    #[inline(never)]
    fn best_lost_slots(&mut self, practitioner: u32, open: u32, run: usize) {
        debug_assert_eq!(run, self.practitioners[practitioner as usize].run_idx as usize, "the practitioner's run");
        let best = &mut self.run_best[run];
        // Everyone before the best had fewer, so the new best is the next practitioner with as
        // many (often the very next: colleagues tie), or the run must be scanned.
        match self.open_slots[practitioner as usize + 1..best.end as usize].iter().position(|&o| o == best.most) {
            Some(offset) => best.first = practitioner + 1 + offset as u32,
            // Nobody else has as many, and the best had one more than it has now: the most is
            // now its count, and the first with that many is at or before it (often the run's
            // first: with one slot each, everyone before it has none). Found here from the
            // run's start, it spares the next offer a scan of the whole run (a third of mmc's
            // offers scanned it).
            None if best.most - 1 == open => {
                let before = &self.open_slots[best.start as usize..=practitioner as usize];
                let offset = before.iter().position(|&o| o == open).expect("the practitioner has that many");
                (best.first, best.most) = (best.start + offset as u32, open);
            }
            None => best.stale = true,
        }
    }

    /// The unit copy's busy slots change by `delta` (the copy is the practitioner's, which the
    /// callers have looked up already).
    fn unit_busy_change(&mut self, now: f64, unit_instance: u32, delta: i32) {
        busy_change(&mut self.instances[unit_instance as usize], now, self.scenario.run.warmup_days, delta);
    }

    fn start_work(&mut self, now: f64, practitioner: u32, item: WorkItem) {
        let (model, scenario) = (self.model, self.scenario);
        let episode = item.episode;
        // The practitioner and their unit copy are looked up once each, for everything read of
        // them here (each look-up again was a bounds check, with the length reloaded after
        // the stores between); the slot is taken in the copy first, the slowdown worked out
        // from it (it reads only the copy), then in the practitioner's open slots and the
        // record, which read neither.
        let p = &mut self.practitioners[practitioner as usize];
        let unit_instance = p.unit_instance;
        p.free_slots -= 1;
        let (open, run) = (p.open_slots(), p.run_idx as usize);
        let instance = &mut self.instances[unit_instance as usize];
        let unit_idx = instance.unit_idx;
        let unit = &model.units[unit_idx];
        busy_change(instance, now, scenario.run.warmup_days, 1);
        let occupancy = f64::from(instance.busy_slots) / f64::from(instance.total_slots.max(1));
        let casework = casework_slowdown(instance, now);
        self.open_slots_are(practitioner, open, run);
        self.record.busy_slots_change(now, 1);
        // Practitioners start work on working days: the slot is held from now, the family is
        // seen from the next working moment.
        let start_day = scenario.run.calendar.next_working(now);
        let workforce = &scenario.workforce;
        // Without a slowdown the formula gives exactly 1, so it is not worked out.
        let overload =
            if workforce.overload_slowdown != 0.0 && occupancy > workforce.overload_threshold && workforce.overload_threshold < 1.0 {
                1.0 + workforce.overload_slowdown * (occupancy - workforce.overload_threshold) / (1.0 - workforce.overload_threshold)
            } else {
                1.0
            };
        let slowdown = overload * casework;
        // Working a family together builds trust both ways between agencies.
        let gain = model.collaboration.gain_per_shared_case;
        let e = &mut self.episodes[episode as usize];
        // The list is read once (`InlineList` chooses between its two places on every read).
        // The practitioner's agency is looked up only where the family has professionals
        // already: a family's first start of work (every one in mmc) reads it for nothing.
        let professionals = &e.professionals[..];
        let travels_trust = match professionals.last() {
            None => 0.0,
            Some(&previous) => {
                let own_agency = self.relationships.agency_of(practitioner);
                for &colleague in professionals {
                    let their_agency = self.relationships.agency_of(colleague);
                    if their_agency != own_agency {
                        self.relationships.gain(practitioner, their_agency, gain);
                        self.relationships.gain(colleague, own_agency, gain);
                    }
                }
                // Information travels between people who trust each other even without a
                // shared record: the family need not repeat its story.
                self.relationships.trust(previous, own_agency)
            }
        };
        e.professionals.push_if_absent(practitioner);
        if unit.lead_professional && e.lead.is_none() {
            e.lead = Some(practitioner);
            e.lead_since_day = now;
        }
        // The wait for first contact is recorded below, with the wait for the first
        // intervention when both end now (a unit without assessment: the same wait twice).
        let first_contact = !e.contacted;
        e.contacted = true;
        match item.kind {
            WorkKind::Assessment { needs } => {
                assert!(!matches!(unit.assessment, Assessment::NoAssessment), "units without assessment never queue one");
                if first_contact && e.measured {
                    self.record.wait(0, start_day - e.referral_day);
                }
                e.n_assessments += 1;
                // The first telling is not a retelling; later ones are, unless the unit can
                // read a shared record.
                let shared = self.model.information_at(now) == Information::SharedRecord;
                if e.n_tellings == 0 || (!shared && e.rng.random::<f64>() >= travels_trust) {
                    e.n_tellings += 1;
                }
                e.assessed_units.push(unit_idx as u16);
                if matches!(unit.assessment, Assessment::Common { .. }) {
                    e.common_assessed = true;
                }
                // `rng::exp1` here and at the episode's other draws, and `rng::standard_normal`:
                // `Exp1`'s and `StandardNormal`'s numbers with their common cases inlined,
                // where each was a call.
                let exp1 = rng::exp1(&mut e.rng);
                let z = rng::standard_normal(&mut e.rng);
                let duration = self.assessment_durations[unit_idx].days(exp1, z) * slowdown;
                if start_day >= scenario.run.warmup_days {
                    let stats = &mut self.unit_stats[unit_idx];
                    stats.assessment_minutes.saturating_record(record::round_to_u64(duration * MINUTES_PER_DAY));
                    stats
                        .wait_to_assessment_minutes
                        .saturating_record(record::round_to_u64((start_day - item.since_day) * MINUTES_PER_DAY));
                }
                let serial = e.tags.serial;
                self.coordination_hours(now, unit_instance, self.model.coordination.assessment_hours);
                self.queue.schedule(start_day + duration, Event::AssessmentDone { practitioner, episode, serial, needs, unit_instance });
                if self.colleagues_join {
                    let first = &self.episodes[episode as usize].needs[needs.trailing_zeros() as usize];
                    let (domain, tier) = (first.domain, first.tier);
                    let extra = colleagues_needed(unit, domain, tier);
                    if extra > 0 {
                        self.involve_colleagues(episode, domain, practitioner, unit_instance, extra);
                    }
                }
            }
            WorkKind::Service { need } => {
                let first_service = !e.service_started;
                e.service_started = true;
                // Looked up again only where colleagues have joined (the number asked of the unit
                // here, which `start_work` holds: most starts of work need none).
                let e = if self.colleagues_join {
                    let (domain, tier) = (e.needs[need as usize].domain, e.needs[need as usize].tier);
                    let extra = colleagues_needed(unit, domain, tier);
                    if extra > 0 {
                        self.involve_colleagues(episode, domain, practitioner, unit_instance, extra);
                    }
                    &mut self.episodes[episode as usize]
                } else {
                    e
                };
                self.record.service_started(start_day, start_day - e.referral_day);
                if start_day >= scenario.run.warmup_days {
                    self.unit_stats[unit_idx].needs_served += 1;
                }
                // The episode is held from here to the end (each look-up again is a bounds
                // check or two): the duration is worked out before the untreated clock stops,
                // which changes none of what it reads (the need's domain, tier and variates).
                let n = &e.needs[need as usize];
                // The waits that end here, recorded with the need in hand: the first service's
                // wait goes under the tier the need was referred at.
                if e.measured {
                    let days = start_day - e.referral_day;
                    if first_service {
                        self.record.first_service_wait(e.referred_tiers[need as usize], first_contact, days);
                    } else if first_contact {
                        self.record.wait(0, days);
                    }
                }
                let duration =
                    self.service_durations[n.domain as usize][n.tier as usize - 1].days(n.service_exp1, n.service_normal) * slowdown;
                let untreated = !n.untreated_since_day.is_nan();
                let token = set_unlisted_state(&mut self.census, e, need, NeedState::InService { practitioner });
                let serial = e.tags.serial;
                if untreated {
                    // `stop_running_untreated`, on the episode held.
                    let clocks = self.need_draws.untreated_clocks();
                    stop_running_clock(e, episode, need, now, &scenario.population, clocks, &mut self.record, &mut self.queue);
                    if clocks {
                        self.clock_went_stale();
                    }
                }
                self.queue.schedule(start_day + duration, Event::ServiceDone { practitioner, episode, serial, need, token });
            }
        }
    }

    /// The end of a service, `ServiceDone`'s handler: out of line, so that the event loop
    /// holds none of it, with the release and the need's closure inlined, which then make no
    /// stack frames of their own (mmc: 1.3 M instructions, 0.4%).
    #[inline(never)]
    fn service_ends(&mut self, now: f64, practitioner: u32, episode: u32, serial: u64, need: u8, token: u32) {
        let unit_instance = self.practitioners[practitioner as usize].unit_instance;
        let mut uncounted = self.release_uncounted(now, practitioner, unit_instance);
        if self.need_is(episode, serial, need, token) {
            uncounted = self.service_done(now, episode, need, unit_instance, practitioner, uncounted);
        }
        let took =
            self.instances[unit_instance as usize].anything_waiting() && self.pull_waiting_work_inlined(now, practitioner, unit_instance);
        if uncounted && !took {
            self.practitioner_changed(practitioner);
        }
    }

    /// An intervention ends: the need is met, or (after specialist work) steps down a tier
    /// and is referred on for lower-tier support. `unit_instance` is the unit copy of the
    /// practitioner who did the work. `uncounted`: whether the slot `practitioner` freed is
    /// still to be counted (`release_uncounted`); counted here before work may be offered,
    /// and whether it still is, returned.
    fn service_done(&mut self, now: f64, episode: u32, need: u8, unit_instance: u32, practitioner: u32, mut uncounted: bool) -> bool {
        let e = &mut self.episodes[episode as usize];
        let tier = e.needs[need as usize].tier;
        // The unit is looked up only for specialist work, which alone can step down.
        let step_down_probability =
            if tier >= 3 { self.model.units[self.instances[unit_instance as usize].unit_idx].step_down_probability } else { 0.0 };
        if step_down_probability > 0.0 {
            // Counted before a step-down may offer the need to the unit (`allocated`).
            if uncounted {
                self.practitioner_changed(practitioner);
                uncounted = false;
            }
            let e = &mut self.episodes[episode as usize];
            let u: f64 = e.rng.random();
            if u < step_down_probability {
                let tier = e.needs[need as usize].tier - 1;
                let escalation_left = e.escalation_draws[need as usize % MAX_NEEDS][tier as usize - 1];
                self.census.set_tier(&e.needs, need as usize, tier);
                let n = &mut e.needs[need as usize];
                (n.tier, n.escalation_left) = (tier, escalation_left);
                self.start_untreated(now, episode, need);
                let e = &self.episodes[episode as usize];
                let target = self.route_for(e.locality, e.needs[need as usize].domain, tier - 1);
                if target == unit_instance {
                    // The same unit carries on at the lower tier.
                    self.allocated(now, episode, need, unit_instance);
                } else {
                    self.triage_away(now, episode, need, unit_instance);
                }
                return false;
            }
        }
        self.close_need_inlined(now, episode, need, Closure::Served);
        uncounted
    }

    /// Multi-disciplinary work: colleagues of `practitioner` who also see the family in an
    /// assessment or intervention (they hold no caseload slot for it), up to `extra` of them
    /// (`colleagues_needed`, at least one: the caller asks first).
    fn involve_colleagues(&mut self, episode: u32, domain: u8, practitioner: u32, unit_instance: u32, extra: u32) {
        debug_assert!(extra > 0, "asked only where colleagues join");
        let professions = &self.scenario.workforce.professions;
        let runs = &self.instances[unit_instance as usize].profession_runs;
        let e = &mut self.episodes[episode as usize];
        // The runs are the copy's practitioners in order, one after the other (`Sim::new`).
        let (first, last_end) = (runs.first().map_or(0, |run| run.start), runs.last().map_or(0, |run| run.end));
        if last_end - first > u128::BITS {
            involve_colleagues_by_scan(e, runs, professions, domain, practitioner, extra);
            return;
        }
        // Who of the copy is a professional of the family already, by their place in the
        // copy, found in one pass over the list: asked of the list for each colleague in turn
        // (`push_if_absent`), a spilled list was scanned once a colleague (a disability
        // service's eight professionals an intervention: 4.6% of the county's instructions).
        let mut present = 0u128;
        for &professional in e.professionals.iter() {
            let place = professional.wrapping_sub(first);
            if place < u128::BITS {
                present |= 1 << place;
            }
        }
        let joining = &mut self.joining;
        joining.clear();
        let mut added = 0;
        // The colleagues after `practitioner`, then from the top of the copy, in the order
        // `involve_colleagues_by_scan` takes them: each colleague's place is in one of the
        // two passes only, so none is added twice. Gathered first and added to the list
        // together: pushed one by one onto a spilled list, each was a call out of line.
        let after = practitioner + 1;
        'passes: for (from, to) in [(after, u32::MAX), (0, after)] {
            for run in runs.iter().filter(|run| professions[run.profession_idx as usize].competence_tiers_by_domain[domain as usize] != 0) {
                let (start, end) = (run.start.max(from), run.end.min(to));
                if start >= end {
                    continue;
                }
                let mut absent = !present & places(start - first, end - first);
                while absent != 0 {
                    if added == extra {
                        break 'passes;
                    }
                    joining.push(first + absent.trailing_zeros());
                    absent &= absent - 1;
                    added += 1;
                }
            }
        }
        e.professionals.extend_from_slice(joining);
    }

    fn assessment_done(&mut self, now: f64, episode: u32, needs: u8, unit_instance: u32) {
        let e = &mut self.episodes[episode as usize];
        if !e.assessment_done {
            e.assessment_done = true;
            if e.measured {
                self.record.wait(1, now - e.referral_day);
            }
        }
        let still_here: u8 = bits(needs)
            .filter(|&n| matches!(e.needs[n as usize].state, NeedState::AwaitingAssessment { unit_instance: u } if u == unit_instance))
            .fold(0, |mask, n| mask | 1 << n);
        if still_here != 0 {
            let unit_idx = self.instances[unit_instance as usize].unit_idx;
            let model = self.model;
            self.after_assessment(now, episode, still_here, unit_instance, unit_idx, &model.units[unit_idx], true);
        }
    }

    /// A need is allocated at a unit: it joins the queue for a practitioner, after a network
    /// member agrees to take it or a virtual team member is called in.
    // Out of line: its callers (a step-down, a panel, a team's allocation) are rare, and
    // inlined, its copy of `offer` made the event loop save more around every event.
    #[inline(never)]
    fn allocated(&mut self, now: f64, episode: u32, need: u8, unit_instance: u32) {
        let unit = &self.model.units[self.instances[unit_instance as usize].unit_idx];
        self.allocated_at(now, episode, need, unit_instance, unit);
    }

    /// `allocated` where the caller has the copy's unit at hand (`after_assessment`).
    #[inline(always)]
    fn allocated_at(&mut self, now: f64, episode: u32, need: u8, unit_instance: u32, unit: &'a Unit) {
        let (serial, token) = self.set_state(episode, need, NeedState::AwaitingService { unit_instance });
        if self.friction_possible
            && let Some(delay) = self.internal_friction(episode, need, unit_instance)
        {
            // The lead passes the need to a colleague from an agency they do not trust: an
            // internal referral, with its delay and the family explaining itself again.
            let model = self.model;
            self.coordination_hours(now, unit_instance, model.coordination.referral_hours);
            let e = &mut self.episodes[episode as usize];
            e.n_tellings += 1;
            let (serial, token) = (e.tags.serial, e.tags.tokens[need as usize]);
            self.queue.schedule(now + delay, Event::CalledIn { episode, serial, need, token, unit_instance });
            return;
        }
        match unit.kind {
            UnitKind::Network { .. } => self.network_offer(now, episode, need, unit_instance),
            UnitKind::VirtualTeam { call_in_days_mean } => {
                let e = &mut self.episodes[episode as usize];
                let gap = rng::exp1(&mut e.rng);
                let (serial, token) = (e.tags.serial, e.tags.tokens[need as usize]);
                self.queue.schedule(now + gap * call_in_days_mean, Event::CalledIn { episode, serial, need, token, unit_instance });
            }
            _ => {
                // `work_item`, from the serial and token `set_state` read (nothing since has
                // changed them): no look-up of the episode again.
                let item = WorkItem { episode, serial, token, kind: WorkKind::Service { need }, since_day: self.queue.now_day() };
                self.offer(now, unit_instance, item);
            }
        }
    }

    /// Inside a multi-agency unit, whether handing a need from the family's lead professional
    /// to a colleague of another agency meets friction, and the delay it costs. With trust the
    /// handover is seamless (the "team around the family"); without it, it is an internal
    /// referral. `None` when there is no friction.
    fn internal_friction(&mut self, episode: u32, need: u8, unit_instance: u32) -> Option<f64> {
        let unit = &self.model.units[self.instances[unit_instance as usize].unit_idx];
        if unit.kind == UnitKind::SingleAgency || self.model.collaboration.friction_days_mean <= 0.0 {
            return None;
        }
        let lead = self.episodes[episode as usize].lead?;
        if self.practitioners[lead as usize].unit_instance != unit_instance {
            return None;
        }
        let professions = &self.scenario.workforce.professions;
        let n = &self.episodes[episode as usize].needs[need as usize];
        let (domain, tier) = (n.domain, n.tier);
        if professions[self.practitioners[lead as usize].profession_idx as usize].can_work(domain, tier) {
            return None;
        }
        // The colleagues who could take it belong to this agency.
        let agency = unit.staff.iter().map(|(p, _)| &professions[*p]).find(|p| p.can_work(domain, tier))?.agency_idx;
        let trust = self.relationships.trust(lead, agency);
        let e = &mut self.episodes[episode as usize];
        let u: f64 = e.rng.random();
        let gap = rng::exp1(&mut e.rng);
        (u >= trust).then_some(gap * self.model.collaboration.friction_days_mean)
    }

    /// Network membership is voluntary: the member offered a case may decline it, and the
    /// case is offered again later, until it goes unanswered.
    fn network_offer(&mut self, now: f64, episode: u32, need: u8, unit_instance: u32) {
        let UnitKind::Network { take_probability, retry_days_mean } =
            self.model.units[self.instances[unit_instance as usize].unit_idx].kind
        else {
            unreachable!("only network units re-offer cases")
        };
        let max_bounces = self.model.handoff.max_bounces;
        let e = &mut self.episodes[episode as usize];
        let u: f64 = e.rng.random();
        if u < take_probability {
            let item = self.work_item(episode, need, WorkKind::Service { need });
            self.offer(now, unit_instance, item);
            return;
        }
        e.n_bounces += 1;
        let n = &mut e.needs[need as usize];
        n.bounces += 1;
        if n.bounces > max_bounces {
            self.lose(now, episode, need);
        } else {
            let gap = rng::exp1(&mut e.rng);
            let (serial, token) = (e.tags.serial, e.tags.tokens[need as usize]);
            self.queue.schedule(now + gap * retry_days_mean, Event::ReOffer { episode, serial, need, token, unit_instance });
        }
    }

    #[cold]
    fn panel_meeting(&mut self, now: f64, unit_instance: u32, nominal_day: f64) {
        let model = self.model;
        let unit = &model.units[self.instances[unit_instance as usize].unit_idx];
        let Allocation::Panel { cadence_days, slots_per_meeting, meeting_hours, n_members, attendance, .. } = unit.allocation else {
            unreachable!("only panel units schedule meetings")
        };
        // Each profession on the panel is represented at this meeting with probability
        // `attendance`; a case waits for a meeting where someone who can take it attends.
        // A profession this copy has none of (`by_locality` gave it 0) sends nobody; the draw
        // is made all the same, so the other professions' draws stay in step.
        let mut attending = Vec::with_capacity(unit.staff.len());
        for &(profession_idx, _) in &unit.staff {
            let u: f64 = self.instances[unit_instance as usize].rng.random();
            let here = || {
                self.instances[unit_instance as usize]
                    .practitioners
                    .clone()
                    .any(|p| self.practitioners[p as usize].profession_idx as usize == profession_idx)
            };
            if u < attendance && here() {
                attending.push(profession_idx);
            }
        }
        self.coordination_hours(now, unit_instance, meeting_hours * f64::from(n_members) * attendance);
        // Meeting builds relationships between the agencies that turned up.
        let professions = &self.scenario.workforce.professions;
        let present: u32 = attending.iter().fold(0, |m, &p| m | 1 << professions[p].agency_idx);
        let gain = self.model.collaboration.gain_per_shared_meeting;
        for practitioner in self.instances[unit_instance as usize].practitioners.clone() {
            let profession = self.practitioners[practitioner as usize].profession_idx as usize;
            if attending.contains(&profession) {
                for agency in dynamics::bits32(present) {
                    self.relationships.gain(practitioner, agency, gain);
                }
            }
        }
        let mut allocated = 0;
        let mut kept = std::collections::VecDeque::new();
        while let Some(item) = self.instances[unit_instance as usize].panel.pop_front() {
            if !self.item_is_live(&item, unit_instance) {
                continue;
            }
            let WorkKind::Service { need } = item.kind else { unreachable!("panels allocate interventions") };
            let n = &self.episodes[item.episode as usize].needs[need as usize];
            let someone_attends = attending.iter().any(|&p| professions[p].can_work(n.domain, n.tier));
            if allocated < slots_per_meeting && someone_attends {
                self.allocated(now, item.episode, need, unit_instance);
                allocated += 1;
            } else {
                kept.push_back(item);
            }
        }
        self.instances[unit_instance as usize].panel = kept;
        let next = nominal_day + cadence_days;
        if next <= self.scenario.run.horizon_days {
            let day = self.scenario.run.calendar.next_working(next).max(now);
            self.queue.schedule(day, Event::PanelMeeting { unit_instance, nominal_day: next });
        }
    }

    #[cold]
    fn team_allocation(&mut self, now: f64, unit_instance: u32) {
        self.instances[unit_instance as usize].allocation_pending = false;
        while let Some(item) = self.instances[unit_instance as usize].panel.pop_front() {
            if let (true, WorkKind::Service { need }) = (self.item_is_live(&item, unit_instance), item.kind) {
                self.allocated(now, item.episode, need, unit_instance);
            }
        }
    }

    /// A time-limited project ends: with an exit strategy its families are handed on to the
    /// next service that takes their need; without one they are lost (seed paper, section 7).
    #[cold]
    fn project_ends(&mut self, now: f64, unit_idx: usize) {
        self.active[unit_idx] = false;
        self.build_routes();
        for idx in 0..self.instances.len() {
            if self.instances[idx].unit_idx == unit_idx {
                self.capacity_change(now, idx, -1.0);
                // Its practitioners stop work today (their families are handed on or lost
                // below), so the slots they held are free from now: counted busy until the
                // work would have ended, they made utilisation exceed 1 (found by
                // tests/properties.rs).
                for practitioner in self.instances[idx].practitioners.clone() {
                    let capacity = self.scenario.workforce.professions[self.practitioners[practitioner as usize].profession_idx as usize]
                        .caseload_capacity;
                    let held = capacity - self.practitioners[practitioner as usize].free_slots;
                    if held > 0 {
                        self.practitioners[practitioner as usize].free_slots = capacity;
                        self.practitioner_changed(practitioner);
                        self.record.busy_slots_change(now, -(held as i32));
                        let unit_instance = self.practitioners[practitioner as usize].unit_instance;
                        self.unit_busy_change(now, unit_instance, -(held as i32));
                    }
                }
            }
        }
        let exit_strategy = self.model.units[unit_idx].exit_strategy;
        for episode in 0..self.episodes.len() as u32 {
            if self.episodes[episode as usize].tags.serial == 0 {
                continue;
            }
            let serial = self.episodes[episode as usize].tags.serial;
            for need in 0..self.episodes[episode as usize].needs.len() as u8 {
                // Handing one need on can close the whole episode.
                if self.episodes[episode as usize].tags.serial != serial {
                    break;
                }
                let state = self.episodes[episode as usize].needs[need as usize].state;
                let here = match state {
                    NeedState::AwaitingAssessment { unit_instance }
                    | NeedState::AwaitingPanel { unit_instance }
                    | NeedState::AwaitingService { unit_instance } => Some(unit_instance),
                    NeedState::InService { practitioner } => Some(self.practitioners[practitioner as usize].unit_instance),
                    _ => None,
                };
                let Some(unit_instance) = here else { continue };
                if self.instances[unit_instance as usize].unit_idx != unit_idx {
                    continue;
                }
                self.start_untreated(now, episode, need);
                if exit_strategy {
                    self.triage_away(now, episode, need, unit_instance);
                } else {
                    self.lose(now, episode, need);
                }
            }
        }
    }

    // ----- need and episode state ------------------------------------------------------------

    // Always inline: called two or three times a referral, and small since its patience
    // clock is out of line.
    /// Returns the episode's serial and the need's new token (what a work item or an event
    /// about the need carries), read while the episode is at hand.
    #[inline(always)]
    fn set_state(&mut self, episode: u32, need: u8, state: NeedState) -> (u64, u32) {
        let e = &mut self.episodes[episode as usize];
        self.census.set_state(&e.needs, need as usize, state);
        e.needs[need as usize].state = state;
        let token = e.tags.tokens[need as usize].wrapping_add(1);
        e.tags.tokens[need as usize] = token;
        let serial = e.tags.serial;
        // Where lists renege, most unit copies' families still never give up (an infinite
        // patience): tested here, before the call, which then is made only where a clock
        // starts (in the county, one call in seventeen).
        if self.lists_renege
            && let Some(at) = state.listed_at()
            && self.patience_days_mean_by_instance[at as usize].is_finite()
        {
            self.start_patience_cold(episode, need, token, at);
        }
        (serial, token)
    }

    /// `start_patience` kept out of line: inlined into `set_state` (three calls a referral),
    /// its calls and stack frame made every call of `set_state` save and restore five
    /// registers, whether or not a list reneges.
    #[cold]
    #[inline(never)]
    fn start_patience_cold(&mut self, episode: u32, need: u8, token: u32, at: u32) {
        self.start_patience(episode, need, token, at);
    }

    /// A need closes (`close_need_inlined`, out of line: its callers but the end of a service
    /// are rarer paths).
    #[inline(never)]
    fn close_need(&mut self, now: f64, episode: u32, need: u8, closure: Closure) {
        self.close_need_inlined(now, episode, need, closure);
    }

    /// A need closes. The episode is looked up once: whether every need is closed is decided
    /// before the untreated clock stops, which changes no need's state.
    // Always inlined where a service is done (every referral of mmc), which then makes one
    // stack frame where it made two.
    #[inline(always)]
    fn close_need_inlined(&mut self, now: f64, episode: u32, need: u8, closure: Closure) {
        let e = &mut self.episodes[episode as usize];
        set_unlisted_state(&mut self.census, e, need, NeedState::Closed(closure));
        let untreated = !e.needs[need as usize].untreated_since_day.is_nan();
        let all_closed = e.needs.iter().all(|n| n.state.is_closed());
        // Looked up again only after the clock's stop (a method of `Sim`, which ends the
        // borrow of the episode).
        let e = if untreated {
            self.stop_running_untreated(now, episode, need);
            &mut self.episodes[episode as usize]
        } else {
            e
        };
        if !all_closed {
            return;
        }
        // The episode closes: written here rather than in a function of its own, so that the
        // episode held is used (a method would borrow all of `Sim` and look it up again).
        let scenario = self.scenario;
        let population = &scenario.population;
        let horizon = self.scenario.run.horizon_days;
        let served = e.needs.iter().any(|n| n.state == NeedState::Closed(Closure::Served));
        if e.lost {
            self.diagnostics.episodes_lost += 1;
        } else if served || e.needs.iter().any(|n| matches!(n.state, NeedState::Closed(Closure::Natural | Closure::MetElsewhere))) {
            self.diagnostics.episodes_resolved += 1;
        } else {
            self.diagnostics.episodes_no_further_action += 1;
        }
        if e.lead.is_some() && e.needs.len() >= 2 {
            self.record.lead_professional_time(e.lead_since_day, now, self.model.coordination.lead_professional_hours_per_week);
        }
        if e.measured {
            let years = ((now - e.referral_day) / 365.25).max(1.0);
            let per_year = e.professionals.len() as f64 / years;
            let mut counted = 0u32;
            for n in e.needs.iter() {
                if counted & (1 << n.domain) == 0 {
                    counted |= 1 << n.domain;
                    let group = &mut self.professionals_by_domain[n.domain as usize];
                    group.0 += 1;
                    group.1 += per_year;
                }
            }
            self.record.closed_episode(record::ClosedEpisode {
                handoffs: e.n_handoffs,
                bounces: e.n_bounces,
                assessments: e.n_assessments,
                retellings: e.n_tellings.saturating_sub(1),
                professionals_per_year: per_year,
                escalated_to_tier3: e.escalated_to_tier3,
                escalated_to_tier4: e.escalated_to_tier4,
                complex: e.complex,
            });
        }
        self.record.closure_for_rereferral(now);
        // Recurrence: a need that was met may come back; the likeliest decides. Where no tier
        // recurs (decided once, `recurrence_possible`) the likeliest could not be above 0.
        let recurrence = self
            .recurrence_possible
            .then(|| {
                e.needs
                    .iter()
                    .filter(|n| n.state == NeedState::Closed(Closure::Served))
                    .map(|n| (population.recurrence_probability_by_tier[n.tier as usize - 1], n.domain, n.tier))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
            })
            .flatten();
        // With no chance of recurrence the draws are skipped: they could not schedule
        // anything, and the episode's stream is not used again after its closure.
        if let Some((probability, domain, tier)) = recurrence
            && probability > 0.0
        {
            let u: f64 = e.rng.random();
            let gap = rng::exp1(&mut e.rng);
            let day = now + gap * population.recurrence_delay_days_mean;
            if u < probability && day <= horizon {
                self.queue.schedule(
                    day,
                    Event::Recur(Recurrence {
                        family_id: e.family_id,
                        n_episode: e.n_episode + 1,
                        locality: e.locality,
                        domain,
                        tier,
                        previous_close_day: now,
                    }),
                );
            }
        }
        e.tags.serial = 0;
        // Emptied, not dropped, so that the next episode in this slot reuses a spilled list's
        // buffer without allocating; but only small ones, or every slot would keep the largest
        // buffer it ever held (when England's 1.4 million open episodes were one table: +17%
        // peak memory when all were kept). The needs stay where they are: the next episode
        // in the slot overwrites them.
        e.professionals.clear(KEPT_BUFFER_LEN);
        e.assessed_units.clear(KEPT_BUFFER_LEN);
        self.free_episodes.push(episode);
        self.n_open -= 1;
    }

    /// Ends the run: what it leaves to report, as sums that add up across the runs of
    /// independent localities.
    fn into_tally(mut self) -> Tally {
        let horizon = self.scenario.run.horizon_days;
        let lead_hours = self.model.coordination.lead_professional_hours_per_week;
        for e in self.episodes.iter().filter(|e| e.tags.serial != 0) {
            if e.lead.is_some() && e.needs.len() >= 2 {
                self.record.lead_professional_time(e.lead_since_day, horizon, lead_hours);
            }
        }
        // Team building and joint training take a share of a team's contracted hours.
        let mut team_hours = 0.0;
        for instance in &self.instances {
            if let UnitKind::Team { team_time_share, .. } = self.model.units[instance.unit_idx].kind {
                let hours_per_week: f64 = instance
                    .practitioners
                    .clone()
                    .map(|p| self.scenario.workforce.professions[self.practitioners[p as usize].profession_idx as usize].hours_per_week)
                    .sum();
                let open_days = (instance.close_day.min(horizon) - instance.open_day.max(self.scenario.run.warmup_days)).max(0.0);
                team_hours += team_time_share * hours_per_week * open_days / 7.0;
            }
        }
        self.record.coordination_hours(horizon, team_hours);
        self.diagnostics.episodes_open_at_end = self.n_open;
        let unit_loads = self.unit_load_sums();
        self.diagnostics.unit_stats = std::mem::take(&mut self.unit_stats);
        self.diagnostics.professionals_by_domain = std::mem::take(&mut self.professionals_by_domain);
        self.diagnostics.measured_month_ends = self.measured_month_ends;
        self.diagnostics.hidden_presentations = self.record.hidden_presentations();
        let trust_at_end = self.trust_totals();
        Tally {
            model_idx: self.model_idx,
            replication: self.replication,
            n_professions: self.scenario.workforce.professions.len(),
            record: self.record,
            diagnostics: self.diagnostics,
            unit_loads,
            waiting_midway: self.waiting_midway,
            caseload_months: self.caseload_months,
            trust_at_end,
        }
    }
}

impl Sim<'_> {
    /// Per unit (all its copies in this run): busy slot-days and open slot-days in the
    /// measured window, and cases waiting at the end.
    fn unit_load_sums(&mut self) -> Vec<UnitLoadSums> {
        let horizon = self.scenario.run.horizon_days;
        let mut loads: Vec<UnitLoadSums> = self
            .model
            .units
            .iter()
            .map(|u| UnitLoadSums { name: u.name.clone(), busy_slot_days: 0.0, slot_days: 0.0, waiting_at_end: 0 })
            .collect();
        for idx in 0..self.instances.len() {
            let (from, level) = (self.instances[idx].busy_since_day.max(self.scenario.run.warmup_days), self.instances[idx].busy_slots);
            let instance = &mut self.instances[idx];
            if horizon > from {
                instance.busy_slot_days += f64::from(level) * (horizon - from);
            }
            let load = &mut loads[instance.unit_idx];
            load.busy_slot_days += instance.busy_slot_days;
            let open_days = (instance.close_day.min(horizon) - instance.open_day.max(self.scenario.run.warmup_days)).max(0.0);
            load.slot_days += f64::from(instance.total_slots) * open_days;
            load.waiting_at_end += (instance.n_waiting() + instance.panel.len()) as u64;
        }
        loads
    }
}

/// One unit's load in a run, as sums (see `Sim::unit_load_sums`).
struct UnitLoadSums {
    name: String,
    busy_slot_days: f64,
    slot_days: f64,
    waiting_at_end: u64,
}

/// What a run leaves to report, kept as counts, sums and histograms so that the runs of a
/// scenario's independent localities add up to the result of the whole (`absorb`), which
/// `finish` then turns into metrics.
struct Tally {
    model_idx: usize,
    replication: u32,
    n_professions: usize,
    record: Recorder,
    /// Counts, with `unit_stats`, `professionals_by_domain` and `measured_month_ends` filled
    /// in; `units` and `caseload_by_profession_month_sum` are made by `finish`.
    diagnostics: Diagnostics,
    unit_loads: Vec<UnitLoadSums>,
    waiting_midway: Option<(f64, Vec<u64>)>,
    caseload_months: Vec<(f64, f64)>,
    trust_at_end: (f64, u64),
}

impl Tally {
    /// Adds the run of another independent locality of the same scenario, model and
    /// replication.
    fn absorb(&mut self, other: Tally) {
        assert_eq!((self.model_idx, self.replication), (other.model_idx, other.replication), "tallies of different runs added");
        self.record.absorb(other.record);
        let (d, o) = (&mut self.diagnostics, other.diagnostics);
        assert_eq!(d.measured_month_ends, o.measured_month_ends, "the runs of two localities ended different months");
        d.events += o.events;
        d.new_families += o.new_families;
        // Ordered: the same localities in the same order give the same checksum, so models
        // still prove they faced the same families.
        d.arrival_checksum = rng::mix64(d.arrival_checksum ^ o.arrival_checksum.rotate_left(17));
        d.hidden_presentations += o.hidden_presentations;
        d.episodes_created += o.episodes_created;
        d.episodes_resolved += o.episodes_resolved;
        d.episodes_no_further_action += o.episodes_no_further_action;
        d.episodes_lost += o.episodes_lost;
        d.episodes_open_at_end += o.episodes_open_at_end;
        // The localities' peaks need not fall on the same day: their sum bounds the peak of
        // the whole from above.
        d.peak_open_episodes += o.peak_open_episodes;
        for (mine, theirs) in d.unit_stats.iter_mut().zip(&o.unit_stats) {
            mine.absorb(theirs);
        }
        for (mine, theirs) in d.professionals_by_domain.iter_mut().zip(&o.professionals_by_domain) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
        for (mine, theirs) in self.unit_loads.iter_mut().zip(&other.unit_loads) {
            mine.busy_slot_days += theirs.busy_slot_days;
            mine.slot_days += theirs.slot_days;
            mine.waiting_at_end += theirs.waiting_at_end;
        }
        self.waiting_midway =
            record::add_options(self.waiting_midway.take(), other.waiting_midway, |(day, mut waiting), (other_day, theirs)| {
                assert_eq!(day, other_day, "the runs of two localities took their midway count on different days");
                waiting.iter_mut().zip(&theirs).for_each(|(w, o)| *w += o);
                (day, waiting)
            });
        assert_eq!(self.caseload_months.len(), other.caseload_months.len(), "the runs of two localities counted different months");
        for (mine, theirs) in self.caseload_months.iter_mut().zip(&other.caseload_months) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
        self.trust_at_end = (self.trust_at_end.0 + other.trust_at_end.0, self.trust_at_end.1 + other.trust_at_end.1);
    }

    fn finish(self) -> ReplicationResult {
        let Tally {
            model_idx,
            replication,
            n_professions,
            record,
            mut diagnostics,
            unit_loads,
            waiting_midway,
            caseload_months,
            trust_at_end,
        } = self;
        diagnostics.units = unit_loads
            .into_iter()
            .enumerate()
            .map(|(u, load)| crate::metrics::UnitLoad {
                name: load.name,
                utilisation: if load.slot_days > 0.0 { load.busy_slot_days / load.slot_days } else { 0.0 },
                waiting_at_end: load.waiting_at_end,
                waiting_midway: waiting_midway.as_ref().map(|(day, waiting)| (*day, waiting[u])),
            })
            .collect();
        let mut caseload_sums = vec![0.0; n_professions];
        for month in caseload_months.chunks(n_professions.max(1)) {
            for (sum, (cases, n)) in caseload_sums.iter_mut().zip(month) {
                if *n > 0.0 {
                    *sum += cases / n;
                }
            }
        }
        diagnostics.caseload_by_profession_month_sum = caseload_sums;
        let d = &diagnostics;
        assert_eq!(
            d.episodes_created,
            d.episodes_resolved + d.episodes_no_further_action + d.episodes_lost + d.episodes_open_at_end,
            "families are conserved: every episode ends in exactly one state"
        );
        let (values, waits, months) = record.finish(diagnostics.episodes_open_at_end, trust_at_end);
        ReplicationResult { model_idx, replication, values, waits, months, diagnostics }
    }
}

/// Empties `buffer`, keeping its allocation only if it holds at most `max_len` items.
/// A unit's recent coordination hours as remembered on `now`: the level as of
/// `coordination_since_day`, forgotten exponentially since. The same `f64` the plain formula
/// gives, with fewer `exp` calls: none when nothing was remembered (0 times the decay is 0) or
/// no time has passed (the decay is then `exp(-0.0)`, exactly 1), and one per day for a level
/// (the result is kept for the next call on the same day, until the level changes).
/// `Sim::involve_colleagues` for a unit copy of more than 128 practitioners: each colleague
/// in turn, asked of the family's list.
fn involve_colleagues_by_scan(
    e: &mut Episode,
    runs: &[ProfessionRun],
    professions: &[Profession],
    domain: u8,
    practitioner: u32,
    extra: u32,
) {
    let mut added = 0;
    // The colleagues listed after `practitioner`, then from the top of the list (the
    // practitioner is already one of the family's professionals), skipping whole runs of
    // a profession that does not work in the domain.
    let after = practitioner + 1;
    'passes: for (from, to) in [(after, u32::MAX), (0, after)] {
        for run in runs.iter().filter(|run| professions[run.profession_idx as usize].competence_tiers_by_domain[domain as usize] != 0) {
            for p in run.start.max(from)..run.end.min(to) {
                if added == extra {
                    break 'passes;
                }
                if e.professionals.push_if_absent(p) {
                    added += 1;
                }
            }
        }
    }
}

/// How many colleagues join a practitioner of `unit` working with a need of `domain` and
/// `tier` (`Sim::involve_colleagues`).
fn colleagues_needed(unit: &Unit, domain: u8, tier: u8) -> u32 {
    u32::from(unit.professionals_per_intervention[domain as usize][tier as usize - 1]).saturating_sub(1)
}

/// The bits `start..end` of a `u128` (`start < end <= 128`).
fn places(start: u32, end: u32) -> u128 {
    debug_assert!(start < end && end <= u128::BITS);
    (u128::MAX >> (u128::BITS - end)) & (u128::MAX << start)
}

/// How much longer casework takes because staff time goes on meetings, assessments'
/// paperwork, referrals and team building (seed paper §3: "case planning meetings can take
/// up a significant amount of time"). The share of the unit's contracted hours spent
/// coordinating over the last few weeks, capped so work never stops entirely.
#[inline(always)]
fn casework_slowdown(instance: &mut UnitInstance, now: f64) -> f64 {
    // Nothing spent coordinating and no team time (with finite hours), or no hours at all:
    // the share below is exactly 0 and the slowdown exactly 1, so the divisions are skipped.
    // The test of the copy's fixed hours and team time was made once
    // (`UnitInstance::plain_when_not_coordinating`); without hours the slowdown is 1 whatever
    // was spent, tested next.
    if instance.recent_coordination_hours == 0.0 && instance.plain_when_not_coordinating {
        return 1.0;
    }
    if instance.hours_per_day <= 0.0 {
        return 1.0;
    }
    let team_share = instance.team_time_share;
    let recent = remembered_coordination(instance, now);
    // `recent` is about rate x memory, so rate per day = recent / memory.
    let share = (recent / COORDINATION_MEMORY_DAYS / instance.hours_per_day + team_share).min(MAX_COORDINATION_SHARE);
    1.0 / (1.0 - share)
}

/// The unit copy's busy slots change by `delta` at `now`, their time integral (from the
/// warm-up on) brought up to date first.
#[inline(always)]
fn busy_change(instance: &mut UnitInstance, now: f64, warmup_day: f64, delta: i32) {
    let from = record::later_of(instance.busy_since_day, warmup_day);
    if now > from {
        instance.busy_slot_days += f64::from(instance.busy_slots) * (now - from);
    }
    instance.busy_since_day = now;
    instance.busy_slots = instance.busy_slots.checked_add_signed(delta).expect("busy slots never go negative");
}

fn remembered_coordination(instance: &mut UnitInstance, now: f64) -> f64 {
    let recent = instance.recent_coordination_hours;
    if recent == 0.0 {
        return 0.0;
    }
    if now == instance.coordination_since_day {
        return recent;
    }
    if now != instance.decayed_on_day {
        instance.decayed_hours = decayed(recent, now - instance.coordination_since_day);
        instance.decayed_on_day = now;
    }
    instance.decayed_hours
}

/// `recent` coordination hours as remembered `elapsed_days` later (`remembered_coordination`).
/// Out of line, as `log_normal_days`.
#[inline(never)]
fn decayed(recent: f64, elapsed_days: f64) -> f64 {
    recent * crate::math::exp(-elapsed_days / COORDINATION_MEMORY_DAYS)
}

/// Locality `locality_idx`'s part of `total` families, by its share, rounded so that the
/// parts add up to the total.
fn share_of_count(population: &Population, locality_idx: usize, total: u64) -> u64 {
    let cumulative = &population.locality_cumulative_share;
    let upto = |idx: usize| if idx + 1 >= cumulative.len() { total } else { (total as f64 * cumulative[idx]).round() as u64 };
    let before = if locality_idx == 0 { 0 } else { upto(locality_idx - 1) };
    upto(locality_idx).saturating_sub(before)
}

/// `VecDeque::remove`, with the front taken by `pop_front`: the same queue after, without
/// `remove`'s general moves (most cases taken from a queue are its first).
fn remove_at<T>(queue: &mut std::collections::VecDeque<T>, idx: usize) -> Option<T> {
    if idx == 0 { queue.pop_front() } else { queue.remove(idx) }
}

/// The first practitioner of `run` with the most open slots, and how many (0 when nobody
/// has any), scanning the run only when its kept best went stale (`Sim::open_slots` and
/// `Sim::run_best`).
fn best_in_run(open_slots: &[u32], run_best: &mut [RunBest], run: ProfessionRun) -> (u32, u32) {
    // The run's open slots are sliced only where they are read (a scan of a stale run, a
    // debug build's check): sliced first, every offer tested the range against the table's
    // length (seven instructions) for the kept best it then read.
    let open = || &open_slots[run.start as usize..run.end as usize];
    let best = &mut run_best[run.run_idx as usize];
    if best.stale {
        // The run's most, then the first practitioner with that many (two simple passes
        // the compiler vectorises, rather than one with a branch per practitioner).
        let open = open();
        let most = open.iter().copied().max().unwrap_or(0);
        let first = open.iter().position(|&f| f == most).unwrap_or(0);
        *best = RunBest { first: run.start + first as u32, most, start: run.start, end: run.end, stale: false };
    }
    debug_assert!(
        {
            let open = open();
            let most = open.iter().copied().max().unwrap_or(0);
            best.most == most && (most == 0 || best.first == run.start + open.iter().position(|&f| f == most).unwrap_or(0) as u32)
        },
        "the kept best of a run is out of step with its open slots"
    );
    (best.first, best.most)
}

/// A profession's tiers by domain as one number, 8 bits a domain (`Sim::competence`).
fn profession_competence(profession: &Profession) -> u128 {
    u128::from_le_bytes(profession.competence_tiers_by_domain)
}

/// What a profession must be competent for to serve a need, by the need's domain and tier
/// (`tier_bit` of the tier in the domain's 8 bits): read from this table, it is two indices
/// and a load, where worked out it was a shift of a 128-bit number by a variable amount
/// (`shld`, `shl`, a test and two conditional moves on x86-64) at every offer and every case
/// taken from a queue. The indices are reduced to the table's size, so that neither is
/// bounds-checked: a domain at or past `MAX_DOMAINS` or a tier outside 1-4 is an engine bug,
/// asserted in a debug build, which in a release build reads another entry (the shift it
/// replaces wrapped its amount the same way).
static SERVICE_COMPETENCE: [[u128; 4]; MAX_DOMAINS] = {
    let mut table = [[0; 4]; MAX_DOMAINS];
    let mut domain = 0;
    while domain < MAX_DOMAINS {
        let mut tier = 0;
        while tier < 4 {
            table[domain][tier] = 1 << tier << (8 * domain);
            tier += 1;
        }
        domain += 1;
    }
    table
};

/// `Sim::required_competence` of an item about episode `e`, for a caller that holds it.
#[inline(always)]
fn required_competence_of(e: &Episode, item: &WorkItem) -> u128 {
    match item.kind {
        WorkKind::Service { need } => {
            let n = &e.needs[need as usize];
            debug_assert!(usize::from(n.domain) < MAX_DOMAINS && (1..=4).contains(&n.tier), "a need's domain or tier out of range");
            debug_assert_eq!(
                SERVICE_COMPETENCE[usize::from(n.domain)][usize::from(n.tier - 1)],
                u128::from(tier_bit(n.tier)) << (8 * u32::from(n.domain))
            );
            SERVICE_COMPETENCE[usize::from(n.domain) % MAX_DOMAINS][usize::from(n.tier.wrapping_sub(1)) % 4]
        }
        // Anyone who works in a need's domain can assess it, whatever its tier has become
        // while the family waited (an assessment that finds a higher tier refers it on).
        WorkKind::Assessment { needs } => bits(needs).fold(0, |m, n| m | 0xFF << (8 * u32::from(e.needs[n as usize].domain))),
    }
}

/// `Sim::stop_running_untreated` on the episode `e` (which the caller holds), but for the
/// stale clock it leaves where `clocks` (`Sim::untreated_clocks`): the caller counts it
/// (`Sim::clock_went_stale`). Inlined into `start_work`, where nearly every intervention
/// stops a clock, it saves that call and a look-up of the episode.
// Eight arguments: the parts of `Sim` it changes, each borrowed alone, so that the caller can
// keep holding the episode.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn stop_running_clock(
    e: &mut Episode,
    episode: u32,
    need: u8,
    now: f64,
    population: &Population,
    clocks: bool,
    record: &mut Recorder,
    queue: &mut EventQueue<Event>,
) {
    let n = &mut e.needs[need as usize];
    let since = std::mem::replace(&mut n.untreated_since_day, f64::NAN);
    debug_assert!(!since.is_nan(), "called only for a need whose clock runs");
    // Where no need can escalate or resolve, no clock is ever scheduled (`schedule_clock`),
    // so the exposure left (read only when a clock is set or fires) and the clock token
    // (read only by clock events) are never looked at, and there is no stale clock to
    // count or clear.
    if clocks {
        consume_exposure(population, n, now - since);
        // The pending event, if the clock was scheduled (not past the horizon) and has not
        // rung since (`untreated_clock` clears the slot), is still in its slot: replaced, it
        // is ignored without a look at the episode when popped, and dropped by the next
        // clearing of stale clocks (`Sim::drop_stale_clocks`) without one either.
        let slot = std::mem::replace(&mut n.clock_slot, NO_CLOCK);
        if slot != NO_CLOCK {
            debug_assert!(
                matches!(*queue.slot(slot), Event::UntreatedClock { episode: x, need: y, .. } if x == episode && y == need),
                "the slot holds another event"
            );
            queue.replace_marked(slot, Event::ClockStopped { slot });
        }
        e.tags.clock_tokens[need as usize] = e.tags.clock_tokens[need as usize].wrapping_add(1);
    }
    e.n_untreated -= 1;
    if e.n_untreated == 0 {
        record.untreated_children_change(now, -1);
    }
}

/// `Sim::set_state` for a state on no waiting list (no patience clock can start), where the
/// caller holds the episode `e` (slot `episode`): one look-up of the table fewer. Returns the
/// need's new token.
#[inline(always)]
fn set_unlisted_state(census: &mut Census, e: &mut Episode, need: u8, state: NeedState) -> u32 {
    debug_assert!(state.listed_at().is_none(), "a listed state may start a patience clock: Sim::set_state");
    census.set_state(&e.needs, need as usize, state);
    e.needs[need as usize].state = state;
    let token = e.tags.tokens[need as usize].wrapping_add(1);
    e.tags.tokens[need as usize] = token;
    token
}

fn keep_if_small<T>(buffer: &mut Vec<T>, max_len: usize) {
    if buffer.capacity() <= max_len {
        buffer.clear();
    } else {
        *buffer = Vec::new();
    }
}

/// Whether an untreated-clock event is still the need's current clock.
fn clock_is_live(episodes: &[Episode], episode: u32, serial: u64, need: u8, token: u32) -> bool {
    let e = &episodes[episode as usize];
    e.tags.serial == serial && e.tags.clock_tokens[need as usize] == token
}

fn all_needs(e: &Episode) -> u8 {
    ((1u16 << e.needs.len()) - 1) as u8
}

/// The set bits of a need mask, as need indices, lowest first (one step per set bit, not
/// per bit: these masks are read on every arrival, assessment and allocation).
fn bits(mask: u8) -> impl Iterator<Item = u8> {
    let mut rest = mask;
    std::iter::from_fn(move || {
        let bit = (rest != 0).then(|| rest.trailing_zeros() as u8)?;
        rest &= rest - 1;
        Some(bit)
    })
}

/// What choosing an additional need's domain reads, worked out once a run: each domain's
/// share, and for each age the domains open to a child that age with a share above 0. A new
/// family's extra need weighed every domain by its share, or by 0 where it was taken or closed
/// to the child's age (~60 instructions a need in the county); visiting only the domains with
/// a weight, in the same order, gives the same sum to the bit (adding 0 to a sum of shares
/// leaves it as it is) and the same choice (a domain weighed 0 is never chosen: the target
/// is never below 0), and so the same draws.
#[derive(Debug, Clone, Copy)]
struct ExtraDomains {
    /// `Population::domain_share` of each domain.
    shares: [f64; MAX_DOMAINS],
    /// By age in years (at most `MAX_AGE_YEARS`), the domains open to it with a share above
    /// 0, as bits.
    open_at_age: [u16; MAX_AGE_YEARS + 1],
}

/// The oldest age a domain takes (`scenario::validate` holds ages to it).
const MAX_AGE_YEARS: usize = 17;

impl ExtraDomains {
    fn of(population: &Population) -> ExtraDomains {
        let mut extra = ExtraDomains { shares: [0.0; MAX_DOMAINS], open_at_age: [0; MAX_AGE_YEARS + 1] };
        for (d, info) in population.domains.iter().enumerate() {
            extra.shares[d] = population.domain_share(d);
            if extra.shares[d] > 0.0 {
                for age in info.age_min_years..=info.age_max_years {
                    extra.open_at_age[usize::from(age)] |= 1 << d;
                }
            }
        }
        extra
    }
}

/// Index of the first cumulative share above `u` (the last if none is). A linear scan for
/// short tables (tiers, needs, a county's localities), where it is cheapest, and a binary
/// search for long ones: England's 150 localities made the scan a tenth of a new family's
/// cost. Shares are never negative, so the cumulative shares never fall and both find the
/// same index.
fn pick(cumulative: &[f64], u: f64) -> usize {
    if cumulative.len() <= 16 {
        cumulative.iter().position(|c| u < *c).unwrap_or(cumulative.len() - 1)
    } else {
        cumulative.partition_point(|c| u >= *c).min(cumulative.len() - 1)
    }
}

/// Which of a need's random quantities the scenario can ever use. These are scenario-wide
/// (population parameters, not a model's), so skipping the rest keeps every model's draws
/// in step (common random numbers) while a queueing-theory scenario, with no escalation, no
/// natural resolution, no overstatement and exponential service, draws one variate a need
/// instead of seven (mmc spent 7% of its instructions on variates it never read).
#[derive(Debug, Clone, Copy)]
struct NeedDraws {
    overstatement: bool,
    escalation: bool,
    resolution: bool,
    service_exp1: bool,
    service_normal: bool,
}

impl NeedDraws {
    /// `Sim::untreated_clocks`, for a caller that holds an episode (and so cannot borrow the
    /// whole `Sim`).
    #[inline(always)]
    fn untreated_clocks(self) -> bool {
        self.escalation || self.resolution
    }

    fn of(population: &Population) -> NeedDraws {
        let shape = population.service.shape;
        NeedDraws {
            overstatement: population.overstated_tier_probability > 0.0,
            escalation: population.escalation_rate_per_day.iter().any(|rate| *rate > 0.0),
            resolution: population.natural_resolution_rate_per_day.iter().any(|rate| *rate > 0.0),
            // The exponential variate is drawn for log-normal service too: it is part of the
            // arrival checksum, and dropping it would change every existing log-normal result.
            service_exp1: !matches!(shape, DurationShape::Fixed),
            service_normal: matches!(shape, DurationShape::LogNormal { .. }),
        }
    }
}

/// The index `pick` returns for every uniform draw in [0, 1), if there is one: every share
/// before it is 0 and the cumulative share reaches 1 there.
fn certain_pick(cumulative: &[f64]) -> Option<usize> {
    let first = cumulative.iter().position(|c| *c > 0.0)?;
    (cumulative[first] >= 1.0).then_some(first)
}

/// The primary domain and tier every new family has, when the population leaves nothing to
/// draw: one domain, one tier in its mix and one need an episode (the validation scenarios,
/// queueing-theory models with a single kind of family). Then a family draws no uniforms for
/// them, nor an age (which only decides the extra needs it can have). Like `NeedDraws` this
/// depends only on the population, so every model's arrival stream stays in step (common
/// random numbers); a population with any choice draws all four as before.
fn fixed_family(population: &Population) -> Option<(u8, u8)> {
    let primary = certain_pick(&population.domain_cumulative_share)?;
    let mix = population.domains[primary].tier_cumulative.as_ref().unwrap_or(&population.tier_cumulative);
    let tier = certain_pick(mix)?;
    (certain_pick(&population.needs_cumulative)? == 0).then_some((primary as u8, tier as u8 + 1))
}

/// A new need with every random quantity it can use drawn now, in a fixed order, so the
/// same family gets the same draws in every model. `overstatement_factor` (a condition for
/// advantage) scales the probability, not the draw. Quantities the scenario can never use
/// (`draws`) are not drawn: never-escalating and never-resolving needs get infinite
/// exposures, unused service variates 0.
// Always inline (three callers): out of line, each need was built on the stack and then
// copied into the new family's list.
#[inline(always)]
fn draw_need(rng: &mut Generator, population: &Population, draws: NeedDraws, domain: u8, tier: u8, overstatement_factor: f64) -> DrawnNeed {
    let overstated = draws.overstatement && tier < 4 && rng.random::<f64>() < population.overstated_tier_probability * overstatement_factor;
    // `rng::exp1`, the same numbers as `Exp1`'s draws with the common case inlined: where
    // needs escalate and resolve (the county), four a need, each a call otherwise.
    let escalation_draws: [f64; 3] = if draws.escalation { [rng::exp1(rng), rng::exp1(rng), rng::exp1(rng)] } else { [f64::INFINITY; 3] };
    let need = Need {
        domain,
        tier,
        overstated,
        state: NeedState::InTransit,
        untreated_since_day: f64::NAN,
        escalation_left: if tier < 4 { escalation_draws[tier as usize - 1] } else { f64::INFINITY },
        resolution_left: if draws.resolution { rng::exp1(rng) } else { f64::INFINITY },
        // `rng::exp1` (the same number as `Exp1`'s draw, its common case inlined): drawn
        // for every need of every scenario but those with fixed durations.
        service_exp1: if draws.service_exp1 { rng::exp1(rng) } else { 0.0 },
        // `rng::standard_normal`, `StandardNormal`'s number, in a small function of its own
        // (inlined, it moved `new_family`'s code where it is never drawn: mmc).
        service_normal: if draws.service_normal { rng::standard_normal_out_of_line(rng) } else { 0.0 },
        bounces: 0,
        clock_slot: NO_CLOCK,
    };
    DrawnNeed { need, escalation_draws }
}

/// What one referral on draws from: the handoff's delay and probabilities, blended.
struct BlendedHandoff {
    delay_days_mean: f64,
    bounce_probability: f64,
    lost_probability: f64,
}

/// Handoff parameters between cold (`cold`) and arranged (`warm`) by `warmth` in [0, 1];
/// `bounce_factor` scales bounces for referrals that are better targeted. The bounce limit is
/// not blended: `bounced` takes the arranged or the unarranged one (ODD 7.5).
fn blend(cold: &Handoff, warm: &Handoff, warmth: f64, bounce_factor: f64) -> BlendedHandoff {
    let mix = |a: f64, b: f64| a + (b - a) * warmth;
    BlendedHandoff {
        delay_days_mean: mix(cold.delay_days_mean, warm.delay_days_mean),
        bounce_probability: mix(cold.bounce_probability, warm.bounce_probability) * bounce_factor,
        lost_probability: mix(cold.lost_probability, warm.lost_probability),
    }
}

/// Untreated days until a need escalates and until it resolves on its own, from its remaining
/// exposures at its tier's rates (infinite when a rate is zero).
fn days_until_change(population: &Population, n: &Need) -> (f64, f64) {
    let tier = n.tier as usize;
    let escalation_rate = if tier < 4 { population.escalation_rate_per_day[tier - 1] } else { 0.0 };
    let resolution_rate = population.natural_resolution_rate_per_day[tier - 1];
    let until = |left: f64, rate: f64| if rate > 0.0 { left / rate } else { f64::INFINITY };
    (until(n.escalation_left, escalation_rate), until(n.resolution_left, resolution_rate))
}

fn consume_exposure(population: &Population, n: &mut Need, elapsed_days: f64) {
    let tier = n.tier as usize;
    if tier < 4 {
        n.escalation_left -= elapsed_days * population.escalation_rate_per_day[tier - 1];
    }
    n.resolution_left -= elapsed_days * population.natural_resolution_rate_per_day[tier - 1];
}

/// A duration distribution with its log-normal location worked out once: `ln` of the mean
/// at every start of work cost the county 1.3% of its instructions.
#[derive(Debug, Clone, Copy)]
struct DurationDistribution {
    shape: DurationShape,
    mean: f64,
    /// `log_normal_mu(mean, sigma)` for a log-normal shape (unused otherwise).
    mu: f64,
}

impl DurationDistribution {
    fn new(shape: DurationShape, mean: f64) -> DurationDistribution {
        let mu = match shape {
            DurationShape::LogNormal { sigma } => log_normal_mu(mean, sigma),
            _ => f64::NAN,
        };
        DurationDistribution { shape, mean, mu }
    }

    /// The same days as `DurationShape::days` (bit for bit: the same operations in the same
    /// order), without the logarithm. Always inlined, with the log-normal's exponential in a
    /// function of its own: `math::exp` inlined here made the compiler keep this function
    /// apart, for 1.1% more of mmc's instructions, which never draws a log-normal
    /// (results/benchmarks.md, "Thirty-second session").
    #[inline(always)]
    fn days(self, exp1: f64, std_normal: f64) -> f64 {
        let days = match self.shape {
            DurationShape::Exponential => self.mean * exp1,
            DurationShape::LogNormal { sigma } => log_normal_days(self.mu, sigma, std_normal),
            DurationShape::Fixed => self.mean,
        };
        debug_assert_eq!(days.to_bits(), self.shape.days(self.mean, exp1, std_normal).to_bits());
        days
    }
}

/// A log-normal duration in days from its location `mu`, `sigma` and a standard normal
/// variate (`DurationDistribution::days`).
#[inline(never)]
fn log_normal_days(mu: f64, sigma: f64, std_normal: f64) -> f64 {
    crate::math::exp(mu + sigma * std_normal)
}

#[cfg(test)]
mod tests {
    use crate::metrics::{METRICS, ReplicationResult};

    fn load(text: &str, overrides: &[&str]) -> crate::model::Scenario {
        let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
        crate::scenario::load_str("test", text, &overrides).expect("a valid scenario").scenario
    }

    #[test]
    fn needs_draw_only_what_the_scenario_can_use() {
        // The county uses every variate (log-normal service still draws the exponential one,
        // which the arrival checksum reads); M/M/c uses only the exponential service time.
        let county = load(crate::scenario::DEFAULT_COUNTY_RON, &[]);
        let draws = super::NeedDraws::of(&county.population);
        assert!(draws.overstatement && draws.escalation && draws.resolution && draws.service_exp1 && draws.service_normal);
        let mmc = load(include_str!("../../scenarios/validation/mmc.ron"), &[]);
        let draws = super::NeedDraws::of(&mmc.population);
        assert!(!draws.overstatement && !draws.escalation && !draws.resolution && draws.service_exp1 && !draws.service_normal);
        // One tier escalating is enough to need all three exposures (a need can climb into it).
        let one = load(include_str!("../../scenarios/validation/mmc.ron"), &["population.escalation_days_mean=[None, None, 100.0]"]);
        assert!(super::NeedDraws::of(&one.population).escalation);
        // Fewer draws must not change the model: M/M/c's needs still never escalate or resolve.
        let run = super::simulate(&mmc, 0, 0).expect("mmc runs");
        assert_eq!(run.value(crate::metrics::Metric::EscalationTier3), Some(0.0));
        assert_eq!(run.value(crate::metrics::Metric::EscalationTier4), Some(0.0));
    }

    #[test]
    fn only_scenarios_without_borough_wide_units_run_locality_by_locality() {
        let county = load(crate::scenario::DEFAULT_COUNTY_RON, &[]);
        assert!(!super::independent_localities(&county), "the county has borough-wide specialist services");
        let two = load(include_str!("../../scenarios/risks/overloaded_integrated_team.ron"), &[]);
        assert!(super::independent_localities(&two));
        // England's speed depends on it (results/benchmarks.md, fifth pass).
        let england = load(include_str!("../../scenarios/scale/england.ron"), &[]);
        assert!(super::independent_localities(&england), "England's authorities should share no service");
        let one = load(include_str!("../../scenarios/validation/mmc.ron"), &[]);
        assert!(!super::independent_localities(&one), "one locality has nothing to split");
    }

    /// The same scenario run whole and locality by locality: different streams, so not the
    /// same numbers, but the same model, so the same results within sampling error; and what
    /// involves no chance (staff cost) the same up to rounding.
    #[test]
    fn localities_run_one_at_a_time_agree_with_the_whole() {
        let scenario = load(
            include_str!("../../scenarios/risks/overloaded_integrated_team.ron"),
            &[
                // Unequal localities, hidden need and staff turnover: every share that is split.
                "population.localities.north.share=0.7",
                "population.localities.south.share=0.3",
                "population.hidden_need.initial_share_of_families=0.05",
                "population.hidden_need.new_per_family_year=0.02",
                "workforce.turnover_per_year=0.15",
                "run.horizon_days=1461",
                "run.warmup_days=365.25",
            ],
        );
        assert!(super::independent_localities(&scenario));
        let n_replications = 16;
        let whole: Vec<ReplicationResult> = (0..n_replications)
            .map(|r| {
                let mut sim = super::Sim::new(&scenario, 0, r, None);
                sim.run(&std::sync::atomic::AtomicBool::new(false)).expect("runs");
                sim.into_tally().finish()
            })
            .collect();
        let split: Vec<ReplicationResult> = (0..n_replications).map(|r| super::simulate(&scenario, 0, r).expect("runs")).collect();
        let mean_and_error = |results: &[ReplicationResult], metric: usize| {
            let values: Vec<f64> = results.iter().filter_map(|r| r.values[metric]).collect();
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, (variance / n).sqrt())
        };
        let mut n_compared = 0;
        for (metric, def) in METRICS.iter().enumerate() {
            let (whole_mean, whole_error) = mean_and_error(&whole, metric);
            let (split_mean, split_error) = mean_and_error(&split, metric);
            if whole_mean.is_nan() && split_mean.is_nan() {
                continue;
            }
            n_compared += 1;
            // Five standard errors of the difference (the test is deterministic, so this is a
            // margin for future changes to the streams, not for flakiness), and rounding.
            let margin = 5.0 * (whole_error.powi(2) + split_error.powi(2)).sqrt() + 1e-9 * whole_mean.abs().max(1.0);
            assert!(
                (whole_mean - split_mean).abs() <= margin,
                "{}: {whole_mean} whole (± {whole_error}) against {split_mean} locality by locality (± {split_error})",
                def.name
            );
        }
        assert!(n_compared >= 15, "only {n_compared} metrics compared");
        let cost = crate::metrics::Metric::StaffCost as usize;
        assert!((whole[0].values[cost].unwrap() - split[0].values[cost].unwrap()).abs() <= 1e-9 * whole[0].values[cost].unwrap());
        // Hidden families are split by share, not lost or doubled.
        let hidden = |results: &[ReplicationResult]| results.iter().map(|r| r.diagnostics.hidden_presentations).sum::<u64>() as f64;
        assert!(
            (hidden(&whole) - hidden(&split)).abs() <= 5.0 * hidden(&whole).sqrt() + 5.0,
            "{} against {}",
            hidden(&whole),
            hidden(&split)
        );
    }

    #[test]
    fn inline_list_spills_in_order_and_keeps_small_buffers() {
        let mut list: super::InlineList<u32, 4> = super::InlineList::new();
        let mut expected = Vec::new();
        for item in [7, 3, 7, 9, 1, 3, 12, 5, 12, 40] {
            assert_eq!(list.push_if_absent(item), !expected.contains(&item));
            if !expected.contains(&item) {
                expected.push(item);
            }
            assert_eq!(&list[..], &expected[..]);
            assert_eq!(list.len(), expected.len());
            // Spilled, the list has its room at once.
            assert!(list.len() <= 4 || list.spill.capacity() >= super::SPILL_ROOM * 4);
        }
        list.push(3);
        expected.push(3);
        assert_eq!(&list[..], &expected[..]);
        // Emptied, the list is back in place, with its spill buffer kept when small.
        list.clear(32);
        assert!(list.is_empty() && list.spill.capacity() > 0);
        list.push(8);
        assert_eq!(&list[..], &[8]);
        for item in 0..40 {
            list.push(item);
        }
        list.clear(32);
        assert_eq!((list.len(), list.spill.capacity()), (0, 0));
        // Several at once: in place, across the spill and onto the spilled list, in order.
        let mut expected = Vec::new();
        for items in [&[1, 2][..], &[], &[3, 4, 5], &[6], &[7, 8, 9, 10, 11, 12, 13]] {
            list.extend_from_slice(items);
            expected.extend_from_slice(items);
            assert_eq!((&list[..], list.len()), (&expected[..], expected.len()));
        }
    }

    /// The layout `Episode` and `Need` describe: what events read most in bytes 24-135 (two
    /// or three cache lines, as slots are not a multiple of 64 bytes), what closure reads
    /// together near the end.
    #[test]
    fn episode_layout_keeps_what_events_read_close_together() {
        use super::{Episode, INLINE_ASSESSMENTS, INLINE_PROFESSIONALS, InlineList, Need, NeedList, rng};
        use std::mem::{offset_of, size_of};
        // The professionals' spill first, then their list's head, the tags, the flags, the
        // referral day and the first need's hot bytes, in bytes 24-135.
        assert_eq!(offset_of!(Episode, professionals), 0);
        assert_eq!(offset_of!(InlineList<u32, INLINE_PROFESSIONALS>, len), 24);
        assert_eq!(offset_of!(Episode, tags), 48);
        let first_need = offset_of!(Episode, needs) + offset_of!(NeedList, items);
        assert!(offset_of!(Episode, n_untreated) == 88 && offset_of!(Episode, referral_day) + 8 <= first_need);
        assert!(first_need + offset_of!(Need, untreated_since_day) + 8 <= 136);
        assert!(offset_of!(Need, state) < offset_of!(Need, untreated_since_day));
        // A start of service reads the whole need (the draws for its duration and the
        // exposures its clock's stop consumes), 56 bytes: the escalation draws are kept apart,
        // so that four needs' state to untreated clock lie in 192 bytes, not 264.
        assert_eq!(size_of::<Need>(), 56);
        assert_eq!(offset_of!(Need, service_normal) + 8, size_of::<Need>());
        // What closure reads, from the assessed units' count to the tellings, in bytes
        // 360-463 (`Sim::look_ahead` reads fields at most 64 bytes apart in it).
        let assessed_len = offset_of!(Episode, assessed_units) + offset_of!(InlineList<u16, INLINE_ASSESSMENTS>, len);
        assert_eq!((assessed_len, offset_of!(Episode, escalated_to_tier3)), (360, 376));
        assert_eq!(offset_of!(Episode, lead_since_day), 408);
        assert!(offset_of!(Episode, rng) + size_of::<rng::LazyStream>() <= offset_of!(Episode, n_tellings));
        assert_eq!(offset_of!(Episode, n_tellings), 460);
        // The tiers the needs were referred at fill what was padding before the draws.
        assert_eq!(offset_of!(Episode, referred_tiers), 468);
        // The escalation draws last, the first need's right after the closure's fields (which
        // an opening writes too).
        assert_eq!(offset_of!(Episode, escalation_draws), 472);
        assert_eq!(size_of::<Episode>(), 568);
    }

    #[test]
    fn bits_lists_the_set_bits_lowest_first() {
        for mask in 0..=u8::MAX {
            let expected: Vec<u8> = (0..8u8).filter(|i| mask & (1 << i) != 0).collect();
            assert_eq!(super::bits(mask).collect::<Vec<_>>(), expected);
        }
        let mask = 0x8000_0421u32;
        let expected: Vec<usize> = (0..32usize).filter(|i| mask & (1 << i) != 0).collect();
        assert_eq!(super::dynamics::bits32(mask).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn pick_finds_what_a_linear_scan_finds() {
        // Short and long tables (the binary search starts above 16 entries), with repeats
        // (zero shares), a last share short of 1 (rounding), and values on, between and beyond
        // the steps.
        let short = vec![0.0, 0.1, 0.1, 0.35, 0.35, 0.35, 0.6, 0.999];
        let long: Vec<f64> = (1..=150).map(|i| f64::from(if i % 7 == 0 { i - 1 } else { i }) / 150.5).collect();
        for cumulative in [&short, &long] {
            let linear = |u: f64| cumulative.iter().position(|c| u < *c).unwrap_or(cumulative.len() - 1);
            let steps =
                cumulative.iter().flat_map(|&c| [c, f64::from_bits(c.to_bits().saturating_sub(1)), f64::from_bits(c.to_bits() + 1)]);
            for u in (0..=1000).map(|i| f64::from(i) / 1000.0).chain(steps) {
                assert_eq!(super::pick(cumulative, u), linear(u), "u = {u}, {} entries", cumulative.len());
            }
        }
        assert_eq!(super::pick(&[1.0], 0.5), 0);
    }
}
