//! The future event list: a two-level bucket (calendar) queue over 16-byte keys ordered by
//! time, ties broken first-in first-out, with the current bucket only kept in order (sorted
//! when it holds a few dozen entries, else a 4-ary min-heap) and the events themselves kept
//! aside in a slab.
//!
//! Two events at the same instant run in the order they were scheduled (a sequence number
//! breaks the tie, as in nexosim), so a run never depends on the queue's internal layout.
//!
//! Why this shape: the queue is the engine's hottest code (a quarter of the county's
//! instructions with one 4-ary heap of ~30,000 entries, see results/benchmarks.md). An entry
//! is one `u128` whose integer order is exactly the required order, (day by `f64::total_cmp`,
//! then sequence number): the day's bits mapped to an order-preserving `u64` in the high half,
//! the sequence number and the event's slab slot in the low half. Sequence numbers are unique,
//! so keys are unique and any correct priority queue pops them in the same order.
//!
//! Tiny queues (mmc's never holds more than 13) are one fixed array sorted in decreasing order,
//! so a pop takes the last entry and a schedule is one step of insertion sort (most events are due soon, near
//! the end): on mmc that cost about half the instructions of the heap's sift-down and sift-up.
//! From `SORTED_MAX_LEN` pending events on, the array (reversed: an increasing array is a
//! min-heap) becomes one 4-ary heap, for good. From `BUCKETED_FROM_LEN` pending events on, the days are cut into buckets of
//! `1 / BUCKETS_PER_DAY` day: the heap holds only the entries of buckets up to the current
//! one, later buckets of the current epoch and the next (`RING` buckets, two epochs of 128
//! days) are unsorted `Vec`s in a ring, later epochs of the current block (`EPOCHS` epochs,
//! about 1,400 years) are unsorted `Vec`s in a second ring, and entries beyond the block wait
//! unsorted in `far`. An entry moves down a level when the epoch before its own (or its block)
//! comes, once per level, so events scheduled far ahead
//! cost no more than near ones. (With only the first ring and an unsorted overflow rescanned at
//! every epoch, the criterion "hold" bench with 262,144 events spread over centuries cost
//! 5.4 µs a pop; a heap as the overflow fixed that but cost the county 4.5% more instructions.)
//! Scheduling a later event is a `Vec::push`; a pop sifts a heap of one bucket instead of all
//! pending events (~30,000); a bucket is heapified once when it becomes current, or, holding
//! at most `DESCENDING_MAX_LEN` entries (the county's hold ~27), sorted in decreasing order
//! (a counting sort by `SUB_BUCKETS` sub-buckets, then an insertion sort), so that a pop takes
//! the last entry (`descending`). The bucket number, `floor(day ×
//! BUCKETS_PER_DAY)`, never decreases as the key grows, so the heap's smallest entry is always
//! the smallest pending one. Widths tried on the 4-year county (instructions): one heap
//! 1,614 M; 4 buckets a day 1,477 M, 8 1,465 M, 16 1,454 M.
//!
//! One event can wait beside the queue (`schedule_beside`: the engine's next arrival, the only
//! one of its kind pending, scheduled as the last is handled). It has its day and sequence
//! number like any other and pops in its place, but while the current bucket holds events it
//! is only compared with the next of them at each pop: it is not stored in the slab, filed in
//! a bucket, sorted or moved. When the current bucket runs dry the search for the next one
//! stops at its bucket (`refill`); only an event beside the queue due in a later epoch is
//! filed with the rest. The county's arrivals had been a sixth of its events, each filed into
//! the current bucket ahead of nearly all its entries.
//!
//! Growth: the ring is `RING` buckets of `RING_CAPACITY` places in one fixed table (2 MiB)
//! with a spill buffer each for more, the epochs' ring `EPOCHS` buffers; the heap, the spill
//! and epoch buffers and `far` hold only pending events, and a buffer that comes back empty is
//! kept for reuse only if its capacity is at most `KEPT_CAPACITY` entries, so idle capacity is
//! bounded by `(RING + EPOCHS) × KEPT_CAPACITY × 16` bytes (8 MiB) beyond the ring's table and
//! what the peak of pending events needed.

/// Bits of an entry's low half that hold the slab slot; the sequence number is above them.
const SLOT_BITS: u32 = 28;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
/// Sequence numbers must fit in the low half above the slot.
const MAX_SEQ: u64 = (1 << (64 - SLOT_BITS)) - 1;
/// Children per heap node.
const ARITY: usize = 4;
/// From this many pending events a pop refills the root bottom-up (`sift_down_from_root`).
/// In a small heap (mmc's never holds more than 13) the last entry often stops a level or two
/// short of the bottom, and the plain sift-down is cheaper: on mmc bottom-up cost 1% more
/// instructions, on the county (~30,000 pending) it saved 2%.
const BOTTOM_UP_MIN_LEN: usize = 64;
/// More pending events than this and the sorted array becomes a heap, for good: an insertion
/// moves up to this many entries, a heap's sift-up a level or two.
const SORTED_MAX_LEN: usize = 32;
/// From this many pending events (while all are in one heap) the queue switches to buckets,
/// for good: below it one heap is cheaper than moving buckets around (mmc stays below).
const BUCKETED_FROM_LEN: usize = 1024;
/// Buckets per day; a power of two, so `day × BUCKETS_PER_DAY` is exact.
const BUCKETS_PER_DAY: f64 = 16.0;
/// `BUCKETS_PER_DAY`'s base-2 logarithm (`sub_bucket_scale`).
const BUCKETS_PER_DAY_LOG2: i64 = 4;
const _: () = assert!(BUCKETS_PER_DAY == (1u64 << BUCKETS_PER_DAY_LOG2) as f64);
/// Buckets in the ring, a power of two: two epochs, the current one and the next.
const RING: usize = 4096;
/// Buckets per epoch (128 days): half the ring, so that the ring holds the current epoch and
/// the next, and an event is filed twice (in the epochs' ring, then spread into the ring) only
/// if it is due beyond the next epoch. With the ring one epoch, an event due a day ahead near
/// the end of an epoch was filed twice: 517,718 of the county's 1.86 M events.
const EPOCH_LEN: usize = RING / RING_EPOCHS;
/// Epochs the ring holds: the current one and the next. Four (64-day epochs, all but the
/// current one taken in whole) filed fewer twice, but spread their epochs in bursts that
/// missed the cache more (results/benchmarks.md, the twenty-third pass).
const RING_EPOCHS: usize = 2;
const _: () = assert!(RING.is_multiple_of(RING_EPOCHS) && EPOCH_LEN.is_power_of_two());
/// Epochs per block (the second ring's length), a power of two.
const EPOCHS: usize = 4096;
/// The largest capacity of an emptied buffer kept in a ring for reuse.
const KEPT_CAPACITY: usize = 64;
/// The entries a bucket of the ring holds in its place of `ring_entries`; more go to its
/// spill buffer. A bucket of the county holds ~27 entries.
const RING_CAPACITY: usize = 32;
const _: () = assert!(RING_CAPACITY <= DESCENDING_MAX_LEN, "a ring bucket's entries in place are sorted from there");
/// A bucket made current with at most this many entries is sorted rather than made a heap
/// (`descending`), and stays sorted while it holds at most this many.
const DESCENDING_MAX_LEN: usize = 64;
/// Sub-buckets a bucket is cut into when it is sorted as it becomes current
/// (`sort_descending`), a power of two of at least 8 (the running sums take eight at a
/// time): with the county's ~27 entries a bucket, about one entry each.
const SUB_BUCKETS: usize = 32;
const _: () = assert!(SUB_BUCKETS.is_power_of_two() && SUB_BUCKETS.is_multiple_of(8));
/// A bucket of at most this many entries is sorted by insertion alone, without the counting
/// pass (`sort_descending`). The pass has a fixed cost, and its running sums read the counts
/// as whole words just after single bytes of them were written, a load the processor cannot
/// take from the stores: it waits for them to reach the cache. With the county's ~27 entries
/// a bucket the wait is short and the pass pays; with one or two (a sparse queue) it was most
/// of a pop: the criterion bench `hold` at 4,096 pending events took 89-93 ns a pop with the
/// pass and 72-84 ns without it, at 262,144 229-244 ns and 132-152 ns (results/benchmarks.md,
/// twenty-seventh pass; the county's instructions +0.07%).
const INSERTION_SORT_MAX_LEN: usize = 8;

/// What `EventQueue::refill` found for the empty heap.
enum Refill {
    /// A bucket made current: the heap holds its events.
    Bucket,
    /// Nothing is pending before the event beside the queue.
    BesideFirst,
    /// Nothing is pending at all.
    Empty,
}

/// `EventQueue::beside` when no event is pending beside the queue: above every entry (a day's
/// key is below `u64::MAX`, which only a NaN would map to).
const NO_BESIDE: u128 = u128::MAX;

/// Maps a day to a `u64` whose unsigned order is `f64::total_cmp`'s order (the standard
/// trick: flip every bit of a negative number, only the sign bit of a positive one).
fn day_key(day: f64) -> u64 {
    let bits = day.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// The inverse of `day_key`.
fn key_day(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}

/// The bucket of a day (not below `now_day`, so not below -0.0): `floor(day × BUCKETS_PER_DAY)`,
/// saturating at `i64::MAX` (infinity's bucket, and that of every day from 2^59 on). Never
/// decreases as `day_key` grows, which is all the buckets need: a bucket holding many days
/// still pops them by their whole keys.
///
/// Converted through `i64`: baseline x86-64 converts a double to `i64` in one instruction
/// (`cvttsd2si`), and Rust's saturation adds a comparison and two conditional moves; to `u64`
/// it took 16 instructions (two conversions, the halves joined, both ends saturated), on every
/// event scheduled. A test of the range first (the eighteenth pass) made the compiler compute
/// both conversions and choose, which cost more.
#[inline(always)]
fn bucket(day: f64) -> u64 {
    debug_assert!(day >= 0.0, "a day before the queue's start, or NaN: {day}");
    // Not negative, so the cast to `u64` keeps the value.
    (day * BUCKETS_PER_DAY) as i64 as u64
}

/// The panic of `EventQueue::schedule`'s no-past invariant.
#[cold]
#[inline(never)]
fn scheduled_in_past(day: f64, now_day: f64) -> ! {
    panic!("event scheduled in the past: day {day} < now {now_day}")
}

/// The panic of `EventQueue::schedule`'s limit on sequence numbers.
#[cold]
#[inline(never)]
fn too_many_scheduled() -> ! {
    panic!("more than {MAX_SEQ} events scheduled in one replication")
}

/// The key of `bucket`'s first day and the shift that takes a key's distance from it to its
/// sub-bucket (`sort_descending`): within a bucket from day 1/16 on, every day has
/// the same binary exponent (a power of two from 1/16 on is a multiple of 1/16, so it starts
/// a bucket), so a key less the first key counts units in the last place, a fixed number a
/// sub-bucket. For bucket 0 (days below 1/16 of several exponents) and days too large for a
/// sub-bucket to be a whole number of units, the shift is 63: every entry falls in one or two
/// sub-buckets, which is slower but still right (the insertion sort orders them).
fn sub_bucket_scale(bucket: u64) -> (u64, u32) {
    let first_key = day_key(bucket as f64 / BUCKETS_PER_DAY);
    // A day in [2^e, 2^(e+1)) has exponent field e + 1023 and a unit in the last place of
    // 2^(e-52) days; a sub-bucket is 1 / (BUCKETS_PER_DAY × SUB_BUCKETS) days.
    let exponent_field = (first_key >> 52 & 0x7ff) as i64;
    let units_log2 = 52 - (exponent_field - 1023) - BUCKETS_PER_DAY_LOG2 - i64::from(SUB_BUCKETS.trailing_zeros());
    let shift = if bucket == 0 || !(0..=63).contains(&units_log2) { 63 } else { units_log2 as u32 };
    (first_key, shift)
}

/// The bucket of an entry.
fn entry_bucket(entry: u128) -> u64 {
    bucket(key_day((entry >> 64) as u64))
}

/// An event in the queue's slab, aligned to 32 bytes: the engine's `Event` is 32 bytes, and
/// the slab, a large allocation, starts 16 bytes past a page boundary (glibc's `mmap`ed
/// chunks), so that every other event straddled two cache lines. Its first line is read when
/// the bucket becomes current (`current_bucket`, the look-ahead), its second only at the pop:
/// a cache miss at the pop for a third of the county's events (0.49 M simulated).
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Stored<E>(E);

/// Pending events with their day of occurrence.
pub struct EventQueue<E> {
    /// While `sorted`, every pending entry in decreasing order (the next to pop last), in
    /// `small[..small_len]`: a fixed array in the queue itself rather than a `Vec`, so that an
    /// insertion has no capacity to test and no growth to call (the call made every
    /// `schedule` save and restore four registers, and each access loaded the `Vec`'s pointer
    /// and length). Entries are `(day_key << 64) | (seq << SLOT_BITS) | slot`.
    small: [u128; SORTED_MAX_LEN + 1],
    /// At most `SORTED_MAX_LEN` between calls (one more and the queue stops sorting); 0 once
    /// the queue is not `sorted`.
    small_len: usize,
    /// Empty while `sorted`; then a 4-ary min-heap of the same entries: all pending entries
    /// until the queue is `bucketed`, then those whose bucket is at most `current`; or, while
    /// `descending`, those entries in decreasing order.
    heap: Vec<u128>,
    /// How many entries the ring holds for each bucket `b` after `current` and at most
    /// `epoch_last`, at `b % RING`: the first `RING_CAPACITY` in `ring_entries`, the rest in
    /// `ring_spill`. Empty until the queue is `bucketed`.
    ///
    /// Why counts apart from the entries, rather than a `Vec` a bucket: a push read the
    /// bucket's `Vec` (its pointer, length and capacity, 96 KiB for the ring, beyond the
    /// first-level cache) and wrote its buffer's line, two lines where this touches a count in
    /// a 16 KiB table and the buffer's line; and finding the next bucket scans the counts.
    ring_lens: Vec<u32>,
    /// The ring's entries, unsorted: bucket `b`'s first `RING_CAPACITY` at
    /// `(b % RING) × RING_CAPACITY`. Empty until the queue is `bucketed`.
    ring_entries: Vec<u128>,
    /// The entries of a ring bucket beyond its first `RING_CAPACITY`, at `b % RING`.
    ring_spill: Vec<Vec<u128>>,
    /// Entries whose epoch `e = b / EPOCH_LEN` is after `epoch_last`'s and at most
    /// `block_last`, unsorted, at `e % EPOCHS`. Empty until the queue is `bucketed`.
    epochs: Vec<Vec<u128>>,
    /// Entries whose epoch is after `block_last`, unsorted.
    far: Vec<u128>,
    /// Whether the queue is the sorted array `small` of a tiny queue; never again once it has
    /// grown past `SORTED_MAX_LEN`. Never with `bucketed`.
    sorted: bool,
    bucketed: bool,
    /// Whether `heap` holds the current bucket's entries in decreasing order (the next to pop
    /// last) rather than as a heap: a bucket of at most `DESCENDING_MAX_LEN` entries when it
    /// becomes current (the county's hold ~27). A pop is then a `Vec::pop`, where the heap's
    /// sift-down cost ~100 instructions, and the sort costs less than the heap's making and
    /// its sift-downs; an entry scheduled into the current bucket moves those due before it
    /// (an insertion sort's step). Only while `bucketed`.
    descending: bool,
    current: u64,
    /// The last bucket the ring holds: that of the epoch after the current one
    /// (`current / EPOCH_LEN`), or of the current one if it is the block's last.
    epoch_last: u64,
    /// The last epoch of the current block, a multiple of `EPOCHS` minus one.
    block_last: u64,
    /// Entries in `ring`.
    in_ring: usize,
    /// Entries in `epochs`.
    in_epochs: usize,
    /// Pending events once the queue is not `sorted`; while it is, `small_len` says it and
    /// this is not kept (a load, an increment and a store on every event of mmc).
    len: usize,
    /// Events by slot; a slot is reused once its event has been popped.
    events: Vec<Stored<E>>,
    /// One bit a slot of `events`: set where a pending event was replaced by `replace_marked`,
    /// cleared by `unmark` when it is popped, or by `retain_unmarked` with the event. The
    /// clearing of the marked events reads these words instead of every pending event (a
    /// random read each, in a store of tens of thousands, months after it was written).
    marked: Vec<u64>,
    free_slots: Vec<u32>,
    next_seq: u64,
    now_day: f64,
    peak_len: usize,
    /// Counts the buckets made current (`next_bucket`), so that the caller can tell when a
    /// new one starts (`buckets_started`) and look ahead at its events (`current_bucket`).
    buckets_started: u64,
    /// The entry of the event scheduled beside the queue (`schedule_beside`), or `NO_BESIDE`:
    /// compared with the next entry at each pop and taken without going through the queue's
    /// levels, its slot's bits 0 (unused). It is filed as any other entry, its event stored in
    /// a slot (`file_beside`), only when the current bucket runs dry while it is due in a later
    /// epoch (`refill`).
    beside: u128,
    /// The event of `beside`, while it is pending there.
    beside_event: E,
    /// The entries of a bucket being sorted, spread by sub-bucket (`sort_descending`):
    /// kept here so that no array is zeroed at each sort, and boxed so that the queue's own
    /// fields keep their layout (a 1 KiB array among them changed the code of mmc's every
    /// `schedule`).
    spread: Box<[u128; DESCENDING_MAX_LEN]>,
}

impl<E: Copy + Default> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy + Default> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            small: [0; SORTED_MAX_LEN + 1],
            small_len: 0,
            heap: Vec::new(),
            ring_lens: Vec::new(),
            ring_entries: Vec::new(),
            ring_spill: Vec::new(),
            epochs: Vec::new(),
            far: Vec::new(),
            sorted: true,
            bucketed: false,
            descending: false,
            current: 0,
            epoch_last: 0,
            block_last: 0,
            in_ring: 0,
            in_epochs: 0,
            len: 0,
            events: Vec::new(),
            marked: Vec::new(),
            free_slots: Vec::new(),
            next_seq: 0,
            now_day: 0.0,
            peak_len: 0,
            buckets_started: 0,
            beside: NO_BESIDE,
            beside_event: E::default(),
            spread: Box::new([0; DESCENDING_MAX_LEN]),
        }
    }

    /// Schedules `event` at `day`. **Invariant:** never in the past.
    #[inline(always)]
    pub fn schedule(&mut self, day: f64, event: E) {
        self.schedule_returning_slot(day, event);
    }

    /// Schedules `event` at `day` beside the queue: for a stream of events of which at most one
    /// is pending at a time (the engine's next arrival, scheduled as the last one is handled).
    /// It pops in its place in the order, exactly as if scheduled with `schedule` (it takes
    /// the next sequence number), and counts in `len`; but while the current bucket holds
    /// events it stays beside them, compared with the next at each pop, and is neither stored,
    /// filed, sorted nor taken from a bucket. **Invariant:** never in the past, and the event
    /// scheduled beside before has been popped.
    ///
    /// Why: the county's families arrive every twentieth of a day or so, and each arrival
    /// went through the queue like any event (stored, filed into the current bucket past the
    /// entries due after it, popped, its slot freed): a sixth of the events for one that is
    /// always the next of its kind.
    #[inline(always)]
    pub fn schedule_beside(&mut self, day: f64, event: E) {
        assert!(self.beside == NO_BESIDE, "a second event scheduled beside the queue before the first was popped");
        // The slot's bits are left 0: the sequence number alone tells keys apart, and the
        // entry is given a slot if it is ever filed (`file_beside`).
        self.beside = self.entry_of(day, 0);
        self.beside_event = event;
        if self.sorted {
            self.peak_len = self.peak_len.max(self.small_len + 1);
        } else {
            self.count_unsorted();
        }
    }

    /// `schedule`, returning the event's slot, where it can be replaced until it is popped
    /// (`replace`).
    // Always inlined, the store and the test only (`store`): each mode has a function of its
    // own, so that the sorted array's (mmc's every event) makes no stack frame and saves no
    // registers, which the heap's and the buckets' paths need and which the compiler placed at
    // the entry of a function holding all three. The slot is known here, where the event is
    // stored, so both public functions share the modes' functions.
    #[inline(always)]
    pub fn schedule_returning_slot(&mut self, day: f64, event: E) -> u32 {
        let slot = self.store(event);
        if self.sorted {
            self.schedule_sorted(day, slot);
        } else {
            self.schedule_unsorted(day, slot);
        }
        slot
    }

    /// `schedule` while the queue is the sorted array, for the event stored in `slot`.
    #[inline(never)]
    fn schedule_sorted(&mut self, day: f64, slot: u32) {
        let entry = self.entry_of(day, slot);
        self.insert_sorted(entry);
    }

    /// `schedule` once the queue is a heap, bucketed or not, for the event stored in `slot`.
    #[inline(never)]
    fn schedule_unsorted(&mut self, day: f64, slot: u32) {
        let entry = self.entry_of(day, slot);
        self.count_unsorted();
        self.place_unsorted(day, entry);
    }

    /// Counts an event scheduled in a queue that is not `sorted` (the sorted array counts its
    /// own, `insert_sorted`).
    #[inline(always)]
    fn count_unsorted(&mut self) {
        self.len += 1;
        self.peak_len = self.peak_len.max(self.len);
    }

    /// Puts the entry of an event due on `day` in the heap, or (bucketed) in a later bucket;
    /// makes the heap buckets once it has grown large enough.
    #[inline(always)]
    fn place_unsorted(&mut self, day: f64, entry: u128) {
        if self.bucketed {
            let bucket = bucket(day);
            if bucket > self.current {
                self.file(entry, bucket);
                return;
            }
            if self.descending {
                self.insert_descending(entry);
                return;
            }
        }
        self.sift_up(entry);
        if !self.bucketed && self.heap.len() >= BUCKETED_FROM_LEN {
            self.start_buckets();
        }
    }

    /// Stores `event` in a free slot (a new one if none is free) and returns the slot.
    ///
    /// Inlined into `schedule`'s callers, so that an event is written where it is kept, and
    /// the functions that file it take only its slot. Passed to them, a 32-byte event went
    /// through the caller's stack: written there field by field and read back 16 bytes at a
    /// time, a load the processor cannot forward from several smaller stores, so it waited for
    /// them, and for every older store, to reach the cache. That one load was a third of
    /// mmc's time in `schedule_sorted` and over half the county's in `schedule_unsorted`
    /// (`perf record -e cpu-clock`). Without it mmc runs about 1% faster; the county no
    /// faster, its wait for older stores (cache misses) met elsewhere (results/benchmarks.md,
    /// the twenty-third passes): the same load, in the caller, because the event was still
    /// built on the stack for the two paths (a free slot, or a new one made with it). So the
    /// slot is taken first and the event written once, after: one path, whose fields the
    /// compiler writes straight into the slot (the twenty-fourth pass).
    #[inline(always)]
    fn store(&mut self, event: E) -> u32 {
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                // A slot still marked would have its new event dropped by `retain_unmarked`:
                // the caller popped a marked replacement without `unmark`ing it.
                debug_assert!(self.marked[slot as usize / 64] >> (slot % 64) & 1 == 0, "slot {slot} reused while marked");
                slot
            }
            None => self.new_slot(),
        };
        self.events[slot as usize] = Stored(event);
        slot
    }

    /// Checks the invariants for an event at `day` stored in `slot`: its entry, with the next
    /// sequence number, for the caller to place and count.
    #[inline(always)]
    fn entry_of(&mut self, day: f64, slot: u32) -> u128 {
        // The invariants' panics are made out of line: formatted here, they
        // gave every schedule a stack frame and five saved registers.
        if !matches!(day.partial_cmp(&self.now_day), Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)) {
            scheduled_in_past(day, self.now_day);
        }
        if self.next_seq > MAX_SEQ {
            too_many_scheduled();
        }
        let entry = u128::from(day_key(day)) << 64 | u128::from(self.next_seq << SLOT_BITS | u64::from(slot));
        self.next_seq += 1;
        entry
    }

    /// Replaces the pending event in `slot` (from `schedule_returning_slot`), which keeps its day and place
    /// in the order: a caller can turn an event it no longer wants into one it ignores cheaply
    /// (and that `retain` can tell without asking more). **Invariant:** the event scheduled
    /// there has not been popped (nor dropped) yet, so the slot still holds it; the caller
    /// keeps the slot only while that is so.
    pub fn replace(&mut self, slot: u32, event: E) {
        self.events[slot as usize] = Stored(event);
    }

    /// `replace`, and marks the slot, so that `retain_unmarked` drops the replacement without
    /// reading it. **Invariant:** as for `replace`; and the caller `unmark`s the slot when it
    /// pops the replacement (the slot is then free for another event).
    pub fn replace_marked(&mut self, slot: u32, event: E) {
        self.events[slot as usize] = Stored(event);
        self.marked[slot as usize / 64] |= 1 << (slot % 64);
    }

    /// Clears the mark of `slot`, whose replacement (`replace_marked`) has just been popped.
    pub fn unmark(&mut self, slot: u32) {
        let word = &mut self.marked[slot as usize / 64];
        debug_assert!(*word >> (slot % 64) & 1 == 1, "the slot is not marked");
        *word &= !(1 << (slot % 64));
    }

    /// Removes every pending event marked by `replace_marked`, and with them the marks; the
    /// others keep their days and sequence numbers, as with `retain`.
    pub fn retain_unmarked(&mut self) {
        let mut marked = std::mem::take(&mut self.marked);
        self.retain_slots(|slot| marked[slot as usize / 64] >> (slot % 64) & 1 == 0);
        marked.fill(0);
        self.marked = marked;
    }

    /// A new slot in the event store, holding a default event until `store` writes its own:
    /// out of line, as the store grows only while the queue grows to its peak (nearly every
    /// event reuses a freed slot), and the growth's call cost every `schedule` saved
    /// registers.
    #[cold]
    #[inline(never)]
    fn new_slot(&mut self) -> u32 {
        assert!((self.events.len() as u64) <= SLOT_MASK, "more than {SLOT_MASK} events pending at once");
        self.events.push(Stored(E::default()));
        if self.marked.len() * 64 < self.events.len() {
            self.marked.push(0);
        }
        (self.events.len() - 1) as u32
    }

    /// Puts `entry` in its place in the sorted array (insertion sort from the end, where the
    /// soonest entries are); past `SORTED_MAX_LEN` entries, makes the array a heap.
    ///
    /// Only the days are compared: `entry` has the highest sequence number of all pending
    /// entries, so an entry due the same day is before it, as the whole keys would say.
    #[inline(always)]
    fn insert_sorted(&mut self, entry: u128) {
        let day = (entry >> 64) as u64;
        let len = self.small_len;
        debug_assert!(len <= SORTED_MAX_LEN, "a sorted queue holds at most SORTED_MAX_LEN between calls");
        // The entries and the place after them, where the new one starts (`min`: the compiler
        // cannot know the invariant above, and a comparison and a move cost less than a
        // bounds check's branch). The array's tail as a slice pattern, so that no index is
        // checked in the loop (a loop over a range still checked the store).
        let mut rest = &mut self.small[..=len.min(SORTED_MAX_LEN)];
        while let [.., before, place] = rest {
            if (*before >> 64) as u64 > day {
                break;
            }
            *place = *before;
            let len = rest.len();
            rest = &mut std::mem::take(&mut rest)[..len - 1];
        }
        if let Some(place) = rest.last_mut() {
            *place = entry;
        }
        self.small_len = len + 1;
        self.peak_len = self.peak_len.max(len + 1 + self.n_beside());
        if len + 1 > SORTED_MAX_LEN {
            self.stop_sorting();
        }
    }

    /// The sorted array, reversed, is already a min-heap (every parent before its children).
    #[cold]
    fn stop_sorting(&mut self) {
        self.sorted = false;
        // From here `len` is kept, the event beside the queue included.
        self.len = self.small_len + self.n_beside();
        debug_assert!(self.heap.is_empty());
        self.heap.extend(self.small[..self.small_len].iter().rev());
        self.small_len = 0;
        debug_assert!(self.heap.is_sorted());
    }

    /// Puts an entry moved down from a later level (or, once, from the heap) where it now
    /// belongs: in the heap if its bucket is at most `current`, else filed (`file`). Entries
    /// spread from an epoch all fall in the ring, so `file`'s first test takes them there.
    #[inline(always)]
    fn heap_or_file(&mut self, entry: u128) {
        let bucket = entry_bucket(entry);
        if bucket <= self.current {
            self.heap.push(entry);
        } else {
            self.file(entry, bucket);
        }
    }

    /// Files an entry whose bucket is after `current` in the ring, the epochs' ring or `far`.
    #[inline(always)]
    fn file(&mut self, entry: u128, bucket: u64) {
        debug_assert!(bucket > self.current);
        if bucket <= self.epoch_last {
            self.push_ring(entry, bucket);
        } else {
            let epoch = bucket / EPOCH_LEN as u64;
            if epoch <= self.block_last {
                self.epochs[epoch as usize % EPOCHS].push(entry);
                self.in_epochs += 1;
            } else {
                self.far.push(entry);
            }
        }
    }

    /// Adds an entry to the ring's `bucket` (after `current`, at most `epoch_last`).
    #[inline(always)]
    fn push_ring(&mut self, entry: u128, bucket: u64) {
        let idx = bucket as usize % RING;
        let len = self.ring_lens[idx] as usize;
        if len < RING_CAPACITY {
            self.ring_entries[idx * RING_CAPACITY + len] = entry;
        } else {
            self.ring_spill[idx].push(entry);
        }
        self.ring_lens[idx] = len as u32 + 1;
        self.in_ring += 1;
    }

    /// Makes `bucket` the current one (nothing pending is before it) and its epoch and block
    /// the current ones; the ring then holds this epoch and the next, unless the next is
    /// beyond the block (its entries are in `far`, which is only read when both rings are
    /// empty). The last bucket and epoch are computed inclusive, so nothing overflows even for
    /// an infinite day (bucket `i64::MAX`).
    fn set_current(&mut self, bucket: u64) {
        self.current = bucket;
        let epoch = bucket / EPOCH_LEN as u64;
        self.block_last = self.block_last.max(epoch - epoch % EPOCHS as u64 + (EPOCHS as u64 - 1));
        let ring_epoch_last = (epoch + (RING_EPOCHS as u64 - 1)).min(self.block_last);
        self.epoch_last = ring_epoch_last * EPOCH_LEN as u64 + (EPOCH_LEN as u64 - 1);
    }

    /// Moves the entries of `epoch` (after `current`'s, at most `block_last`) from the epochs'
    /// ring to the heap (those of the current bucket) or the ring, whose `epoch_last` now
    /// takes it in.
    fn spread_epochs(&mut self, first_epoch: u64) {
        for epoch in first_epoch..=self.epoch_last / EPOCH_LEN as u64 {
            if !self.epochs[epoch as usize % EPOCHS].is_empty() {
                self.spread_epoch(epoch);
            }
        }
    }

    /// Moves the entries of `epoch` (after `current`'s, at most `block_last`) from the epochs'
    /// ring to the heap (those of the current bucket) or the ring, whose `epoch_last` now
    /// takes it in.
    fn spread_epoch(&mut self, epoch: u64) {
        debug_assert!(epoch <= self.block_last && epoch * EPOCH_LEN as u64 + (EPOCH_LEN as u64 - 1) <= self.epoch_last);
        let mut entries = std::mem::take(&mut self.epochs[epoch as usize % EPOCHS]);
        self.in_epochs -= entries.len();
        for &entry in &entries {
            self.heap_or_file(entry);
        }
        entries.clear();
        keep_if_small(&mut entries);
        self.epochs[epoch as usize % EPOCHS] = entries;
    }

    /// Switches to buckets: the current bucket is `now_day`'s, the heap keeps its entries and
    /// the rest are filed further out.
    #[cold]
    fn start_buckets(&mut self) {
        self.bucketed = true;
        self.ring_lens = vec![0; RING];
        self.ring_entries = vec![0; RING * RING_CAPACITY];
        self.ring_spill = (0..RING).map(|_| Vec::new()).collect();
        self.epochs = (0..EPOCHS).map(|_| Vec::new()).collect();
        self.set_current(bucket(self.now_day));
        for entry in std::mem::take(&mut self.heap) {
            self.heap_or_file(entry);
        }
        self.heapify();
    }

    /// Refills the empty heap with the next non-empty bucket: from the ring; else from the
    /// next non-empty epoch of the block (spread into the ring); else from `far`, by starting
    /// the block of its earliest epoch. False if nothing is pending.
    #[cold]
    #[inline(never)]
    fn next_bucket(&mut self) -> bool {
        debug_assert!(self.heap.is_empty());
        loop {
            if self.in_ring > 0 {
                // Every ring entry's bucket is after `current` and at most `epoch_last`, so the
                // scan stops inside the ring's two epochs.
                let mut bucket = self.current + 1;
                while self.ring_lens[bucket as usize % RING] == 0 {
                    bucket += 1;
                }
                if bucket / EPOCH_LEN as u64 == self.current / EPOCH_LEN as u64 {
                    self.current = bucket;
                } else {
                    // A later epoch has begun: the ring takes in those after it, whose
                    // buckets' places the epochs just ended held.
                    let taken_last = self.epoch_last / EPOCH_LEN as u64;
                    self.set_current(bucket);
                    self.spread_epochs(taken_last + 1);
                }
                let idx = bucket as usize % RING;
                let len = std::mem::replace(&mut self.ring_lens[idx], 0) as usize;
                self.in_ring -= len;
                let first = idx * RING_CAPACITY;
                if len <= RING_CAPACITY {
                    // Sorted straight from the ring into the heap (`RING_CAPACITY` is at most
                    // `DESCENDING_MAX_LEN`): no copy into the heap first.
                    self.descending = true;
                    sort_descending(&self.ring_entries[first..first + len], self.current, &mut self.spread);
                    self.heap.extend_from_slice(&self.spread[..len]);
                } else {
                    self.heap.extend_from_slice(&self.ring_entries[first..first + RING_CAPACITY]);
                    let spill = &mut self.ring_spill[idx];
                    self.heap.append(spill);
                    keep_if_small(spill);
                    self.order_current();
                }
                self.buckets_started += 1;
                return true;
            }
            if self.in_epochs > 0 {
                // Every entry here is in an epoch after those of the ring and at most
                // `block_last`, so the scan stops inside the block.
                let mut epoch = self.epoch_last / EPOCH_LEN as u64 + 1;
                while self.epochs[epoch as usize % EPOCHS].is_empty() {
                    epoch += 1;
                }
                self.set_current(epoch * EPOCH_LEN as u64);
                self.spread_epochs(epoch);
                if !self.heap.is_empty() {
                    self.order_current();
                    self.buckets_started += 1;
                    return true;
                }
                continue;
            }
            // Both rings are empty: start the block of the earliest epoch in `far`, with the
            // current bucket the last one before that epoch (nothing pending is at or before
            // it), and file the block's entries in the epochs' ring.
            let Some(first) = self.far.iter().map(|&entry| entry_bucket(entry) / EPOCH_LEN as u64).min() else {
                return false;
            };
            debug_assert!(first > self.block_last, "far holds only epochs beyond the block");
            self.block_last = first - first % EPOCHS as u64 + (EPOCHS as u64 - 1);
            self.set_current(first * EPOCH_LEN as u64 - 1);
            for entry in std::mem::take(&mut self.far) {
                let bucket = entry_bucket(entry);
                self.file(entry, bucket);
            }
        }
    }

    /// Orders the entries of a bucket just made current: sorted in decreasing order if there
    /// are few (`descending`), else a heap.
    fn order_current(&mut self) {
        self.descending = self.heap.len() <= DESCENDING_MAX_LEN;
        if self.descending {
            let n_entries = self.heap.len();
            sort_descending(&self.heap, self.current, &mut self.spread);
            self.heap.copy_from_slice(&self.spread[..n_entries]);
        } else {
            self.heapify();
        }
    }

    /// Puts `entry`, due in the current bucket, in its place in the decreasing `heap`: after
    /// every entry greater than it (it has the highest sequence number, so among entries due
    /// the same day it goes before them, to pop after them). Past `DESCENDING_MAX_LEN` entries
    /// the array, reversed, becomes the heap (an increasing array is a min-heap).
    #[inline(always)]
    fn insert_descending(&mut self, entry: u128) {
        debug_assert!(self.descending);
        self.heap.push(entry);
        let heap = &mut self.heap[..];
        let mut idx = heap.len() - 1;
        while idx > 0 && heap[idx - 1] < entry {
            heap[idx] = heap[idx - 1];
            idx -= 1;
        }
        heap[idx] = entry;
        if heap.len() > DESCENDING_MAX_LEN {
            self.stop_descending();
        }
    }

    /// The current bucket, grown past `DESCENDING_MAX_LEN` entries, becomes a heap.
    #[cold]
    fn stop_descending(&mut self) {
        self.heap.reverse();
        self.descending = false;
        debug_assert!(self.heap.is_sorted());
    }

    /// Restores the heap's order after arbitrary changes (Floyd: sift down every parent, the
    /// last first).
    fn heapify(&mut self) {
        for idx in (0..self.heap.len().div_ceil(ARITY)).rev() {
            let entry = self.heap[idx];
            self.sift_down(idx, entry);
        }
    }

    /// Removes and returns the earliest event if it happens no later than `until_day`.
    // Called from one place, the event loop, where inlining it saves a call and a copy of the
    // event per pop (the compiler's own choice flips with the size of `Sim::run`).
    #[inline(always)]
    pub fn pop_until(&mut self, until_day: f64) -> Option<(f64, E)> {
        if self.sorted {
            // Never bucketed, so an empty array is an empty queue.
            let len = self.small_len;
            if len == 0 {
                return self.pop_beside_until(until_day);
            }
            // `min`, as in `insert_sorted`: no bounds check's branch.
            let top = self.small[(len - 1).min(SORTED_MAX_LEN)];
            if self.beside < top {
                return self.pop_beside_until(until_day);
            }
            let day = key_day((top >> 64) as u64);
            if day > until_day {
                return None;
            }
            self.small_len = len - 1;
            return Some(self.popped(day, top));
        }
        if self.heap.is_empty() {
            match self.refill() {
                Refill::Bucket => {}
                Refill::BesideFirst => return self.pop_beside_until(until_day),
                Refill::Empty => return None,
            }
        }
        if self.descending {
            let top = *self.heap.last().expect("not empty");
            if self.beside < top {
                return self.pop_beside_until(until_day);
            }
            let day = key_day((top >> 64) as u64);
            if day > until_day {
                return None;
            }
            self.heap.pop();
            self.len -= 1;
            return Some(self.popped(day, top));
        }
        let top = self.heap[0];
        if self.beside < top {
            return self.pop_beside_until(until_day);
        }
        let day = key_day((top >> 64) as u64);
        if day > until_day {
            return None;
        }
        let last = self.heap.pop().expect("not empty");
        self.len -= 1;
        if self.heap.len() >= BOTTOM_UP_MIN_LEN {
            self.sift_down_from_root(last);
        } else if !self.heap.is_empty() {
            self.sift_down(0, last);
        }
        Some(self.popped(day, top))
    }

    /// Takes the event beside the queue if there is one due no later than `until_day` (the
    /// caller has found nothing pending before it).
    // Out of line: inlined into `pop_until`'s three modes, and so three times into the event
    // loop, it cost the county 0.45% more instructions and 5.5% more simulated first-level
    // instruction-cache misses than this call does (results/benchmarks.md, twenty-eighth pass).
    #[inline(never)]
    fn pop_beside_until(&mut self, until_day: f64) -> Option<(f64, E)> {
        if self.beside == NO_BESIDE {
            return None;
        }
        let day = key_day((self.beside >> 64) as u64);
        if day > until_day {
            return None;
        }
        self.beside = NO_BESIDE;
        if !self.sorted {
            self.len -= 1;
        }
        debug_assert!(day >= self.now_day, "time went backwards");
        self.now_day = day;
        Some((day, self.beside_event))
    }

    /// 1 while an event is pending beside the queue, else 0.
    #[inline(always)]
    fn n_beside(&self) -> usize {
        usize::from(self.beside != NO_BESIDE)
    }

    /// Refills the empty heap (the queue not `sorted`) with the next non-empty bucket, but
    /// never with one after the bucket of the event beside the queue, which would then wait
    /// beside while the events it schedules could be due before the current bucket. If
    /// nothing is pending before that bucket, the event beside the queue is next
    /// (`Refill::BesideFirst`), and its bucket becomes the current one when it is in the same
    /// epoch (so that the next refill scans on from there); when it is in a later epoch, it is
    /// filed as any other event (`file_beside`) and the buckets taken in order.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> Refill {
        debug_assert!(!self.sorted && self.heap.is_empty());
        if self.beside != NO_BESIDE {
            if !self.bucketed {
                // The heap holds every other pending event: there are none.
                return Refill::BesideFirst;
            }
            let beside_bucket = entry_bucket(self.beside);
            if beside_bucket / EPOCH_LEN as u64 == self.current / EPOCH_LEN as u64 {
                // The ring's buckets after the current one, up to the beside's, which lie in
                // the ring's first epoch (`current`'s).
                let mut bucket = self.current;
                while bucket < beside_bucket && self.ring_lens[(bucket + 1) as usize % RING] == 0 {
                    bucket += 1;
                }
                if bucket == beside_bucket {
                    // Nothing pending up to its bucket, so nothing before it; the buckets
                    // passed over are empty.
                    self.current = beside_bucket;
                    self.descending = true;
                    return Refill::BesideFirst;
                }
                // A bucket at or before the beside's holds events: `next_bucket` makes it
                // current, and the pop compares its first with the event beside.
            } else {
                self.file_beside();
            }
        }
        if self.next_bucket() { Refill::Bucket } else { Refill::Empty }
    }

    /// Files the event beside the queue as any other pending event (stored in a slot, its
    /// entry placed by its bucket), keeping its day and sequence number. Not counted again:
    /// it was counted when scheduled beside.
    fn file_beside(&mut self) {
        debug_assert!(!self.sorted && self.beside != NO_BESIDE);
        let slot = self.store(self.beside_event);
        let entry = self.beside & !u128::from(SLOT_MASK) | u128::from(slot);
        self.beside = NO_BESIDE;
        self.place_unsorted(key_day((entry >> 64) as u64), entry);
    }

    /// Takes the event of `top`, the entry just removed, due at `day`.
    #[inline(always)]
    fn popped(&mut self, day: f64, top: u128) -> (f64, E) {
        // That no event is scheduled before `now_day` is asserted in `schedule`, the one
        // check of it in a release build (`Sim::run` relies on it); that the queue then hands
        // the events back in order is its own correctness, which the tests check.
        debug_assert!(day >= self.now_day, "time went backwards");
        self.now_day = day;
        let slot = (top as u64 & SLOT_MASK) as u32;
        self.free_slots.push(slot);
        (day, self.events[slot as usize].0)
    }

    /// Appends `entry` and moves it up to its place.
    fn sift_up(&mut self, entry: u128) {
        let mut idx = self.heap.len();
        self.heap.push(entry);
        while idx > 0 {
            let parent = (idx - 1) / ARITY;
            let above = self.heap[parent];
            if above <= entry {
                break;
            }
            self.heap[idx] = above;
            idx = parent;
        }
        self.heap[idx] = entry;
    }

    /// Refills the root, whose entry has been popped, with `entry` (the heap's old last entry)
    /// the bottom-up way (Floyd): the hole goes down along the smallest children to a leaf
    /// without comparing `entry` on the way, then `entry` moves up from there. The last entry
    /// nearly always belongs near the bottom, so this saves the compare with `entry` at every
    /// level (and its unpredictable branch) for a step or two back up. The layout may differ
    /// from `sift_down`'s, but not the order of pops: keys are unique (sequence numbers), so
    /// whatever the layout the smallest pending key comes out next.
    #[inline(always)]
    fn sift_down_from_root(&mut self, entry: u128) {
        let heap = &mut self.heap[..];
        let mut idx = 0;
        loop {
            let first = ARITY * idx + 1;
            let Some((smallest, best)) = smallest_child(heap, first) else { break };
            heap[idx] = smallest;
            idx = first + best;
        }
        // `idx` is a leaf (its hole); bring `entry` up to its place.
        while idx > 0 {
            let parent = (idx - 1) / ARITY;
            let above = heap[parent];
            if above <= entry {
                break;
            }
            heap[idx] = above;
            idx = parent;
        }
        heap[idx] = entry;
    }

    /// Puts `entry` at `idx` (whose entry has been taken) and moves it down to its place.
    #[inline(always)]
    fn sift_down(&mut self, mut idx: usize, entry: u128) {
        let heap = &mut self.heap[..];
        loop {
            let first = ARITY * idx + 1;
            let Some((smallest, best)) = smallest_child(heap, first) else { break };
            if entry <= smallest {
                break;
            }
            heap[idx] = smallest;
            idx = first + best;
        }
        heap[idx] = entry;
    }

    /// Removes every pending event `keep` rejects. The others keep their days and sequence
    /// numbers, so they pop in exactly the order they would have: this only saves the work
    /// of popping events the caller knows it would ignore.
    pub fn retain(&mut self, mut keep: impl FnMut(&E) -> bool) {
        // The event beside the queue is pending too (`retain_slots` counts it after).
        if self.beside != NO_BESIDE && !keep(&self.beside_event) {
            self.beside = NO_BESIDE;
        }
        // Taken out while `retain_slots` changes the rest (a move of the vector, no copy).
        let events = std::mem::take(&mut self.events);
        self.retain_slots(|slot| keep(&events[slot as usize].0));
        self.events = events;
    }

    /// The event in `slot`, pending or not (a free slot keeps the last event it held): for a
    /// caller's check of what a slot from `schedule_returning_slot` holds.
    pub fn slot(&self, slot: u32) -> &E {
        &self.events[slot as usize].0
    }

    /// `retain`, deciding by the event's slot (an index into `events`).
    fn retain_slots(&mut self, mut keep: impl FnMut(u32) -> bool) {
        let free_slots = &mut self.free_slots;
        let mut keep_entry = |&entry: &u128| {
            let slot = (entry as u64 & SLOT_MASK) as u32;
            let kept = keep(slot);
            if !kept {
                free_slots.push(slot);
            }
            kept
        };
        // The sorted array keeps the order of what it keeps, so it stays sorted.
        let mut kept_len = 0;
        for idx in 0..self.small_len {
            let entry = self.small[idx];
            if keep_entry(&entry) {
                self.small[kept_len] = entry;
                kept_len += 1;
            }
        }
        self.small_len = kept_len;
        self.heap.retain(&mut keep_entry);
        self.far.retain(&mut keep_entry);
        self.in_ring = 0;
        for idx in 0..self.ring_lens.len() {
            let len = self.ring_lens[idx] as usize;
            if len == 0 {
                continue;
            }
            // The entries in place, then those spilled (the order they came in), kept in
            // order; the places freed are filled from the spill's first.
            let entries = &mut self.ring_entries[idx * RING_CAPACITY..(idx + 1) * RING_CAPACITY];
            let mut n_kept = 0;
            for entry_idx in 0..len.min(RING_CAPACITY) {
                let entry = entries[entry_idx];
                if keep_entry(&entry) {
                    entries[n_kept] = entry;
                    n_kept += 1;
                }
            }
            if len > RING_CAPACITY {
                let spill = &mut self.ring_spill[idx];
                spill.retain(&mut keep_entry);
                let n_moved = (RING_CAPACITY - n_kept).min(spill.len());
                entries[n_kept..n_kept + n_moved].copy_from_slice(&spill[..n_moved]);
                spill.drain(..n_moved);
                n_kept += n_moved + spill.len();
            }
            self.ring_lens[idx] = n_kept as u32;
            self.in_ring += n_kept;
        }
        self.in_epochs = 0;
        // Most of the epochs' ring is empty: no call for those.
        for epoch in self.epochs.iter_mut().filter(|epoch| !epoch.is_empty()) {
            epoch.retain(&mut keep_entry);
            self.in_epochs += epoch.len();
        }
        self.len = self.small_len + self.heap.len() + self.in_ring + self.in_epochs + self.far.len() + self.n_beside();
        // A decreasing array keeps its order in what it keeps, as the sorted one does.
        if !self.sorted && !self.descending {
            self.heapify();
        }
    }

    pub fn now_day(&self) -> f64 {
        self.now_day
    }

    /// Pending events, the one beside the queue included.
    pub fn len(&self) -> usize {
        if self.sorted { self.small_len + self.n_beside() } else { self.len }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many buckets have been made current: a change tells the caller that the events of
    /// `current_bucket` are new.
    pub fn buckets_started(&self) -> u64 {
        self.buckets_started
    }

    /// The events due in the current bucket (in no particular order): all pending events
    /// while the queue is small.
    pub fn current_bucket(&self) -> impl Iterator<Item = &E> {
        // The sorted array until the queue stops sorting, the heap after (the other is
        // empty): one slice, not the two chained, whose iterator tested which it was in at
        // every entry (the county's look-ahead, +4 M instructions).
        let entries = if self.sorted { &self.small[..self.small_len] } else { &self.heap[..] };
        entries.iter().map(|&entry| &self.events[(entry as u64 & SLOT_MASK) as usize].0)
    }

    /// The most events ever pending at once, the one beside the queue included.
    pub fn peak_len(&self) -> usize {
        self.peak_len
    }
}

/// Sorts the entries of bucket `current` (at most `DESCENDING_MAX_LEN`) in decreasing order into
/// `spread[..entries.len()]`, for the caller to copy where the bucket goes:
/// a counting sort by the entries' `SUB_BUCKETS` sub-buckets of the bucket, then an
/// insertion sort by the whole keys, which puts every entry in its place whatever the
/// sub-buckets said and moves few (a sub-bucket holds about one entry of the county's ~27);
/// a bucket of at most `INSERTION_SORT_MAX_LEN` entries by the insertion sort alone.
///
/// Why not the standard library's sort: for ~27 keys of 128 bits its small-sort networks
/// and merges cost ~70 instructions an entry (98 M in the 10-year county); a hand-written
/// insertion sort alone (eighteenth pass) and a stable sort on the day alone (twentieth)
/// cost as much or more. The sub-bucket of a day is `floor(day × BUCKETS_PER_DAY ×
/// SUB_BUCKETS)` less the bucket's first, read off the key's bits (`sub_bucket_scale`):
/// never decreasing as the key grows, and within the bucket, so the counting pass leaves
/// only the order inside each sub-bucket to the insertion sort. Keys are unique, so the
/// result is the one decreasing order, as the unstable sort's was.
fn sort_descending(entries: &[u128], current: u64, spread: &mut [u128; DESCENDING_MAX_LEN]) {
    let n_entries = entries.len();
    debug_assert!(n_entries <= DESCENDING_MAX_LEN);
    if n_entries <= INSERTION_SORT_MAX_LEN {
        spread[..n_entries].copy_from_slice(entries);
    } else {
        spread_by_sub_bucket(entries, current, spread);
    }
    // The insertion sort in place, then the caller's one copy (a copy per entry as it was
    // placed cost ~10 instructions an entry more).
    let spread = &mut spread[..n_entries];
    for idx in 1..spread.len() {
        let entry = spread[idx];
        let mut place = idx;
        while place > 0 && spread[place - 1] < entry {
            spread[place] = spread[place - 1];
            place -= 1;
        }
        spread[place] = entry;
    }
    debug_assert!(spread.is_sorted_by(|a, b| a > b), "the current bucket in decreasing order");
}

/// `sort_descending`'s counting pass: `entries` (more than `INSERTION_SORT_MAX_LEN`) into
/// `spread[..entries.len()]` by sub-bucket, the latest first, each sub-bucket's in decreasing
/// order of sequence number.
fn spread_by_sub_bucket(entries: &[u128], current: u64, spread: &mut [u128; DESCENDING_MAX_LEN]) {
    let n_entries = entries.len();
    let (first_key, shift) = sub_bucket_scale(current);
    // Each entry's rank in the decreasing order of sub-buckets (the latest first), and the
    // entries of each rank (`u8`: at most 64 entries).
    let mut ranks = [0u8; DESCENDING_MAX_LEN];
    let mut counts = [0u8; SUB_BUCKETS];
    for (rank, &entry) in ranks.iter_mut().zip(entries.iter()) {
        // Wrapping: an entry before the bucket's first key (a day of -0.0 in bucket 0)
        // only lands in a wrong sub-bucket, which the insertion sort puts right.
        let sub = (((entry >> 64) as u64).wrapping_sub(first_key) >> shift).min(SUB_BUCKETS as u64 - 1) as usize;
        let entry_rank = SUB_BUCKETS - 1 - sub;
        *rank = entry_rank as u8;
        counts[entry_rank] += 1;
    }
    // Where each rank starts: the counts' running sums, eight bytes at a time in a `u64`
    // (no byte carries, the sums being at most 64), where a loop over the bytes, unrolled,
    // cost ~130 instructions a bucket.
    let mut starts = [0u8; SUB_BUCKETS];
    let mut before = 0u64;
    for (starts, counts) in starts.chunks_exact_mut(8).zip(counts.chunks_exact(8)) {
        let counts = u64::from_le_bytes(counts.try_into().expect("eight counts"));
        let mut through = counts + (counts << 8);
        through += through << 16;
        through += through << 32;
        through += before * 0x0101_0101_0101_0101;
        starts.copy_from_slice(&(through - counts).to_le_bytes());
        before = through >> 56;
    }
    // Spread in reverse, so that each sub-bucket holds its entries in decreasing order of
    // sequence number (the ring's buckets are filed in increasing order): ties are then
    // already in place.
    for (&rank, &entry) in ranks[..n_entries].iter().zip(entries.iter()).rev() {
        let place = &mut starts[usize::from(rank) % SUB_BUCKETS];
        spread[usize::from(*place) % DESCENDING_MAX_LEN] = entry;
        *place += 1;
    }
}

/// Frees an empty buffer whose capacity is above `KEPT_CAPACITY` (the bound on idle capacity).
fn keep_if_small(buffer: &mut Vec<u128>) {
    debug_assert!(buffer.is_empty());
    if buffer.capacity() > KEPT_CAPACITY {
        *buffer = Vec::new();
    }
}

/// The smallest of the children starting at `first` in a 4-ary heap, with its position among
/// them; `None` for a leaf. Shared by both sift-downs so the tie-free order has one source.
#[inline(always)]
fn smallest_child(heap: &[u128], first: usize) -> Option<(u128, usize)> {
    // `get(first..)` then `first_chunk` rather than `get(first..first + ARITY)`: the same test,
    // without the check that `first + ARITY` does not overflow (a few instructions a level of
    // every pop).
    let children = heap.get(first..)?;
    if let Some(&[a, b, c, d]) = children.first_chunk::<ARITY>() {
        // The common case, a full node: a tournament of three compares.
        let (ab, iab) = if b < a { (b, 1) } else { (a, 0) };
        let (cd, icd) = if d < c { (d, 3) } else { (c, 2) };
        Some(if cd < ab { (cd, icd) } else { (ab, iab) })
    } else if !children.is_empty() {
        let mut best = 0;
        for (i, &child) in children.iter().enumerate().skip(1) {
            if child < children[best] {
                best = i;
            }
        }
        Some((children[best], best))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn earliest_first_and_ties_fifo() {
        let mut q = EventQueue::new();
        q.schedule(2.0, "late");
        q.schedule(1.0, "first tie");
        q.schedule(1.0, "second tie");
        q.schedule(0.5, "early");
        let order: Vec<_> = std::iter::from_fn(|| q.pop_until(10.0).map(|(_, e)| e)).collect();
        assert_eq!(order, ["early", "first tie", "second tie", "late"]);
    }

    #[test]
    fn stops_at_the_horizon() {
        let mut q = EventQueue::new();
        q.schedule(5.0, ());
        assert!(q.pop_until(4.0).is_none());
        assert_eq!(q.len(), 1);
    }

    /// Every day of a bucket falls in one of its sub-buckets, in order: the sub-bucket is
    /// `floor(day × BUCKETS_PER_DAY × SUB_BUCKETS)` less the bucket's first, from the key's
    /// bits alone.
    #[test]
    fn sub_buckets_are_the_floor_of_the_finer_grid() {
        let mut rng = crate::rng::Generator::seed_from_u64(29);
        for _ in 0..100_000 {
            let day = match rng.random_range(0..3u32) {
                0 => rng.random_range(0.0625..4.0),
                1 => rng.random_range(1.0..4_000.0),
                _ => rng.random_range(1.0..1e9),
            };
            let bucket = bucket(day);
            let (first_key, shift) = sub_bucket_scale(bucket);
            assert!(shift < 63, "day {day}");
            let sub = (day_key(day) - first_key) >> shift;
            let fine = (day * BUCKETS_PER_DAY * SUB_BUCKETS as f64).floor() as u64;
            assert_eq!(sub, fine - bucket * SUB_BUCKETS as u64, "day {day}");
        }
        // Bucket 0's days span exponents: one sub-bucket, left to the insertion sort.
        assert_eq!(sub_bucket_scale(0).1, 63);
    }

    /// `sort_descending` gives the one decreasing order at every size a sorted bucket can
    /// have: by insertion alone up to `INSERTION_SORT_MAX_LEN` entries, with the counting pass
    /// beyond; the days spread over the bucket or crowded into one sub-bucket with ties
    /// (told apart by their sequence numbers), in bucket 0 (one sub-bucket for all) and later.
    #[test]
    fn sort_descending_sorts_at_every_size() {
        let mut rng = crate::rng::Generator::seed_from_u64(31);
        let mut spread = [0u128; DESCENDING_MAX_LEN];
        for current in [0u64, 1, 16 * 365, 16 * 100_000] {
            let first_day = current as f64 / BUCKETS_PER_DAY;
            for n_entries in 0..=DESCENDING_MAX_LEN {
                for crowded in [false, true] {
                    let entries: Vec<u128> = (0..n_entries as u64)
                        .map(|seq| {
                            let offset = if crowded {
                                f64::from(rng.random_range(0..3u32)) * 1e-9
                            } else {
                                rng.random::<f64>() * 0.99 / BUCKETS_PER_DAY
                            };
                            let day = first_day + offset;
                            assert_eq!(bucket(day), current);
                            u128::from(day_key(day)) << 64 | u128::from(seq << SLOT_BITS | seq)
                        })
                        .collect();
                    sort_descending(&entries, current, &mut spread);
                    let mut expected = entries.clone();
                    expected.sort_unstable_by(|a, b| b.cmp(a));
                    assert_eq!(&spread[..n_entries], &expected[..], "bucket {current}, {n_entries} entries, crowded {crowded}");
                }
            }
        }
    }

    #[test]
    fn day_keys_order_like_total_cmp_and_round_trip() {
        let days = [0.0, -0.0, 1e-300, 0.5, 1.0, 30.4375, 3652.5, 1e300, f64::INFINITY, -1.0, f64::MIN_POSITIVE];
        for &a in &days {
            assert_eq!(key_day(day_key(a)).to_bits(), a.to_bits());
            for &b in &days {
                assert_eq!(day_key(a).cmp(&day_key(b)), a.total_cmp(&b), "{a} vs {b}");
            }
        }
    }

    /// A day's bucket is the floor of its sixteenths below 2^59 days and `i64::MAX` from
    /// there (infinity too), and never decreases with the day; huge days still pop in order.
    #[test]
    fn buckets_are_the_floor_then_saturate() {
        let two_59 = 576_460_752_303_423_488.0_f64;
        let mut days = vec![0.0, -0.0, f64::MIN_POSITIVE, 1e-300, 0.0624, 0.0625, 0.5, 1.0, 30.4375, 3652.5, 1e15];
        days.extend([two_59 * (1.0 - f64::EPSILON), two_59, two_59 * 2.0, 1e19, 1e300, f64::MAX, f64::INFINITY]);
        let mut day = 1e-6;
        while day < 1e20 {
            days.extend([day, day * (1.0 + f64::EPSILON), day * (1.0 - f64::EPSILON / 2.0)]);
            day *= 1.7;
        }
        days.sort_by(f64::total_cmp);
        let mut before = 0;
        for &day in &days {
            let expected = if day < two_59 { (day * BUCKETS_PER_DAY).floor() as u64 } else { i64::MAX as u64 };
            assert_eq!(bucket(day), expected, "day {day:e}");
            assert!(bucket(day) >= before, "day {day:e}");
            before = bucket(day);
        }
        let mut q = EventQueue::new();
        let far = [1e19, f64::INFINITY, two_59, 1e300, two_59 * 2.0, 5.0, 1e19];
        for id in 0..BUCKETED_FROM_LEN as u64 + 10 {
            q.schedule(far[id as usize % far.len()], id);
        }
        assert!(q.bucketed);
        let popped: Vec<_> = std::iter::from_fn(|| q.pop_until(f64::INFINITY)).map(|(day, id)| (day.to_bits(), id)).collect();
        let mut expected: Vec<_> = (0..BUCKETED_FROM_LEN as u64 + 10).map(|id| (far[id as usize % far.len()], id)).collect();
        expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let expected: Vec<_> = expected.into_iter().map(|(day, id)| (day.to_bits(), id)).collect();
        assert_eq!(popped, expected);
        assert_eq!(q.len(), 0);
    }

    /// The heap gives exactly the order of a sort by (day, scheduling order), through
    /// interleaved pushes and pops with many ties, as the old `BinaryHeap` did.
    #[test]
    fn same_order_as_a_stable_sort() {
        let mut rng = crate::rng::Generator::seed_from_u64(7);
        let mut q = EventQueue::new();
        let mut reference: Vec<(f64, u64)> = Vec::new();
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        let mut now = 0.0;
        for id in 0..20_000u64 {
            // Days on a coarse grid so that ties are common.
            let day = now + f64::from(rng.random_range(0..50u32)) * 0.25;
            q.schedule(day, id);
            reference.push((day, id));
            if rng.random::<f64>() < 0.45 {
                let (day, id) = q.pop_until(f64::INFINITY).expect("not empty");
                now = day;
                popped.push((day, id));
                // The reference pops the smallest day, the earliest scheduled among ties.
                let best = (0..reference.len()).min_by(|&i, &j| reference[i].0.total_cmp(&reference[j].0)).expect("not empty");
                expected.push(reference.remove(best));
            }
        }
        assert_eq!(popped, expected);
    }

    /// A day to schedule at, from `now` in round `round` of a test: many ties (near days on a
    /// quarter-day grid, some exactly `now`), some far beyond the ring's two epochs
    /// (`RING / BUCKETS_PER_DAY` = 256 days), a few (every fiftieth round) never.
    fn day_with_ties(rng: &mut crate::rng::Generator, now: f64, round: u32) -> f64 {
        match rng.random_range(0..20u32) {
            0 => now,
            1 => now + f64::from(rng.random_range(0..40u32)) * 50.0,
            2 if round.is_multiple_of(50) => f64::INFINITY,
            _ => now + f64::from(rng.random_range(0..16u32)) * 0.25 + if rng.random::<bool>() { 0.1 } else { 0.0 },
        }
    }

    /// The bucketed queue (past `BUCKETED_FROM_LEN`, over several epochs and `overflow`, with
    /// `retain` and horizons) pops exactly in the order of a stable sort by day.
    #[test]
    fn bucketed_order_is_a_stable_sort() {
        let mut rng = crate::rng::Generator::seed_from_u64(19);
        let mut q = EventQueue::new();
        let mut pending: Vec<(f64, u64)> = Vec::new();
        let mut id = 0u64;
        let mut now = 0.0;
        for round in 0..400 {
            for _ in 0..rng.random_range(0..200u32) {
                let day = day_with_ties(&mut rng, now, round);
                q.schedule(day, id);
                pending.push((day, id));
                id += 1;
            }
            if round % 97 == 13 {
                q.retain(|id| id % 5 != 0);
                pending.retain(|(_, id)| id % 5 != 0);
            }
            pending.sort_by(|a, b| a.0.total_cmp(&b.0)); // stable: ties stay in scheduling order
            let until = now + f64::from(rng.random_range(0..300u32)) * 0.5;
            let mut taken = 0;
            for _ in 0..rng.random_range(0..180u32) {
                match q.pop_until(until) {
                    Some((day, popped)) => {
                        assert_eq!((day.to_bits(), popped), (pending[taken].0.to_bits(), pending[taken].1));
                        now = day;
                        taken += 1;
                    }
                    None => {
                        assert!(pending.get(taken).is_none_or(|&(day, _)| day > until));
                        break;
                    }
                }
            }
            pending.drain(..taken);
            assert_eq!(q.len(), pending.len());
        }
        assert!(q.bucketed && q.peak_len() > 2 * BUCKETED_FROM_LEN, "peak {}", q.peak_len());
        let rest: Vec<_> = std::iter::from_fn(|| q.pop_until(f64::INFINITY)).map(|(day, id)| (day.to_bits(), id)).collect();
        pending.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(rest, pending.iter().map(|&(day, id)| (day.to_bits(), id)).collect::<Vec<_>>());
        assert!(q.is_empty());
    }

    /// A current bucket held in decreasing order (`descending`) takes events due in it in
    /// their places, and becomes a heap when it grows past `DESCENDING_MAX_LEN`: the pops are
    /// a stable sort's order throughout.
    #[test]
    fn a_current_bucket_that_grows_stays_in_order() {
        let mut rng = crate::rng::Generator::seed_from_u64(23);
        let mut q = EventQueue::new();
        let mut pending: Vec<(f64, u64)> = Vec::new();
        // Buckets: one event a day for ten years, then a first bucket of ten.
        for id in 0..3_650u64 {
            q.schedule(1.0 + id as f64, id);
            pending.push((1.0 + id as f64, id));
        }
        for id in 3_650..3_660u64 {
            let day = 0.5 + f64::from(rng.random_range(0..8u32)) / 256.0;
            q.schedule(day, id);
            pending.push((day, id));
        }
        let mut id = 3_660u64;
        let (mut was_descending, mut was_heap) = (false, false);
        for round in 0..40 {
            pending.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (day, popped) = q.pop_until(f64::INFINITY).expect("pending");
            assert_eq!((day.to_bits(), popped), (pending[0].0.to_bits(), pending[0].1), "round {round}");
            pending.remove(0);
            assert_eq!(q.len(), pending.len(), "round {round}: the count after a pop");
            assert!(q.bucketed);
            was_descending |= q.descending;
            was_heap |= !q.descending && bucket(day) == bucket(0.5);
            // Into the current bucket (1/16 day from 0.5), ties with what is there included.
            for _ in 0..rng.random_range(0..8u32) {
                let day = day + f64::from(rng.random_range(0..8u32)) / 256.0;
                q.schedule(day, id);
                pending.push((day, id));
                id += 1;
            }
            assert_eq!(q.len(), pending.len(), "round {round}: the count after scheduling");
        }
        assert!(was_descending && was_heap, "the bucket was sorted, then a heap");
        pending.sort_by(|a, b| a.0.total_cmp(&b.0));
        let rest: Vec<_> = std::iter::from_fn(|| q.pop_until(f64::INFINITY)).map(|(day, id)| (day.to_bits(), id)).collect();
        assert_eq!(rest, pending.iter().map(|&(day, id)| (day.to_bits(), id)).collect::<Vec<_>>());
    }

    #[test]
    fn events_spread_over_several_blocks_keep_their_order() {
        // The "hold" pattern with gaps of up to millions of days: entries pass through `far`,
        // the epochs' ring and the ring (a block is `EPOCHS` epochs of 128 days, ~1,400
        // years), with ties, a `retain` and infinite days, against a sorted reference.
        let mut rng = crate::rng::Generator::seed_from_u64(23);
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeMap::new();
        let mut seq = 0u64;
        let mut schedule = |q: &mut EventQueue<u64>, reference: &mut std::collections::BTreeMap<(u64, u64), f64>, day: f64| {
            q.schedule(day, seq);
            reference.insert((day_key(day), seq), day);
            seq += 1;
        };
        for _ in 0..3_000 {
            let day = match rng.random_range(0..10u32) {
                0 => f64::INFINITY,
                1 => f64::from(rng.random_range(0..4u32)) * 1_000_000.0,
                _ => rng.random::<f64>() * 3_000_000.0,
            };
            schedule(&mut q, &mut reference, day);
        }
        for step in 0..20_000u32 {
            if step == 7_000 {
                q.retain(|id| id % 4 != 1);
                reference.retain(|&(_, id), _| id % 4 != 1);
            }
            let Some((day, id)) = q.pop_until(f64::INFINITY) else { break };
            let ((_, expected_id), expected_day) = reference.pop_first().expect("the reference has it too");
            assert_eq!((day.to_bits(), id), (expected_day.to_bits(), expected_id), "step {step}");
            if day.is_finite() && step % 3 != 0 {
                let later = day + rng.random::<f64>() * if step % 2 == 0 { 2_000_000.0 } else { 30.0 };
                schedule(&mut q, &mut reference, later);
                if step % 5 == 0 {
                    schedule(&mut q, &mut reference, day);
                }
            }
            assert_eq!(q.len(), reference.len());
        }
        assert!(reference.values().all(|day| day.is_infinite()) && q.len() == reference.len(), "{} left", reference.len());
    }

    /// An event scheduled beside the queue (`schedule_beside`: the engine's next arrival,
    /// scheduled as the last one is handled) pops in its place among the others, ties in the
    /// order scheduled, in every mode of the queue: the sorted array, the heap, and buckets
    /// over several epochs with a current bucket that runs dry; it counts in `len`, and
    /// `retain` asks about it too.
    #[test]
    fn an_event_beside_the_queue_pops_in_its_place() {
        const BESIDE: u64 = 1 << 63;
        // (seed, most events scheduled a round, most pops a round): the first keeps the queue a
        // sorted array, the second makes it a heap, the third buckets.
        for (seed, most_scheduled, most_popped) in [(31, 3u32, 8u32), (37, 40, 44), (41, 200, 180)] {
            let mut rng = crate::rng::Generator::seed_from_u64(seed);
            let mut q = EventQueue::new();
            // By (day's key, scheduling order), as the queue orders them.
            let mut reference = std::collections::BTreeMap::new();
            let mut order = 0u64;
            let mut id = 0u64;
            let mut now = 0.0;
            let mut beside_pending = false;
            for round in 0..600 {
                if !beside_pending {
                    let day = now + rng.random::<f64>();
                    q.schedule_beside(day, BESIDE | id);
                    reference.insert((day_key(day), order), (day, BESIDE | id));
                    (order, id, beside_pending) = (order + 1, id + 1, true);
                }
                for _ in 0..rng.random_range(0..most_scheduled) {
                    let day = day_with_ties(&mut rng, now, round);
                    q.schedule(day, id);
                    reference.insert((day_key(day), order), (day, id));
                    (order, id) = (order + 1, id + 1);
                }
                if round % 97 == 13 {
                    // Every fifth id, the event beside the queue among them at times.
                    q.retain(|id| id % 5 != 0);
                    reference.retain(|_, (_, id)| *id % 5 != 0);
                    beside_pending = reference.values().any(|(_, id)| id & BESIDE != 0);
                }
                assert_eq!(q.len(), reference.len(), "seed {seed} round {round}: the count after scheduling");
                let until = now + f64::from(rng.random_range(0..300u32)) * 0.5;
                // Now and then (but in the queue that buckets, which must grow) every event due
                // by `until`, so that the queue runs dry but for the event beside it.
                let n_pops = if round % 7 == 6 && seed != 41 { u32::MAX } else { rng.random_range(0..most_popped) };
                for _ in 0..n_pops {
                    let Some((day, popped)) = q.pop_until(until) else {
                        assert!(reference.first_key_value().is_none_or(|(_, &(day, _))| day > until), "seed {seed} round {round}");
                        break;
                    };
                    let (_, (expected_day, expected_id)) = reference.pop_first().expect("the reference has it too");
                    assert_eq!((day.to_bits(), popped), (expected_day.to_bits(), expected_id), "seed {seed} round {round}");
                    now = day;
                    if popped & BESIDE != 0 {
                        // The next one, as the engine's next arrival: at once (a tie), soon,
                        // on the quarter-day grid of the others, or beyond the ring's epochs.
                        let gap = match rng.random_range(0..12u32) {
                            0 => 0.0,
                            1 => rng.random::<f64>() * 300.0,
                            2 => f64::from(rng.random_range(0..4u32)) * 0.25,
                            _ => rng.random::<f64>() * 0.1,
                        };
                        q.schedule_beside(day + gap, BESIDE | id);
                        reference.insert((day_key(day + gap), order), (day + gap, BESIDE | id));
                        (order, id) = (order + 1, id + 1);
                    }
                    assert_eq!(q.len(), reference.len(), "seed {seed} round {round}: the count after a pop");
                }
            }
            let mode = (q.sorted, q.bucketed);
            let expected = match seed {
                31 => (true, false),
                37 => (false, false),
                _ => (false, true),
            };
            assert_eq!(mode, expected, "seed {seed}: (sorted, bucketed) at a peak of {}", q.peak_len());
            let rest: Vec<_> = std::iter::from_fn(|| q.pop_until(f64::INFINITY)).map(|(day, id)| (day.to_bits(), id)).collect();
            assert_eq!(rest, reference.values().map(|&(day, id)| (day.to_bits(), id)).collect::<Vec<_>>(), "seed {seed}");
            assert!(q.is_empty());
        }
    }

    /// A stream of events beside a queue that runs dry: a heap (past the sorted array's size,
    /// not bucketed) whose events all pop before the stream's last, and a bucketed queue whose
    /// buckets are mostly empty, so that the current bucket runs dry before nearly every event
    /// of the stream, which then pops without the buckets being searched past its own (made
    /// current, empty) or, due in a later epoch of the ring, is filed with the others. Every
    /// pop in the order of a sort by day, ties in the order scheduled.
    #[test]
    fn an_event_beside_a_queue_that_runs_dry_pops_in_its_place() {
        const BESIDE: u64 = 1 << 63;
        // (events scheduled ahead, the first one's day, the days between them, the stream's end)
        for (n_ahead, first_day, spacing_days, end_day) in [(40, 1.0, 1.0, 100.0), (BUCKETED_FROM_LEN as u64 + 100, 400.0, 0.9, 1_500.0)] {
            let mut rng = crate::rng::Generator::seed_from_u64(43);
            let mut q = EventQueue::new();
            let mut reference = std::collections::BTreeMap::new();
            let mut order = 0u64;
            for id in 0..n_ahead {
                let day = first_day + id as f64 * spacing_days;
                q.schedule(day, id);
                reference.insert((day_key(day), order), (day, id));
                order += 1;
            }
            assert_eq!((q.sorted, q.bucketed), (false, n_ahead > BUCKETED_FROM_LEN as u64));
            let mut id = 10_000u64;
            let mut day = 0.0;
            q.schedule_beside(day, BESIDE | id);
            reference.insert((day_key(day), order), (day, BESIDE | id));
            order += 1;
            while let Some((popped_day, popped)) = q.pop_until(f64::INFINITY) {
                let (_, (expected_day, expected_id)) = reference.pop_first().expect("the reference has it too");
                assert_eq!((popped_day.to_bits(), popped), (expected_day.to_bits(), expected_id), "at day {popped_day}");
                if popped & BESIDE != 0 && popped_day < end_day {
                    // Gaps of a few buckets to a few days (epochs are 128 days), now and then
                    // a tie or a jump across several epochs.
                    let gap = match rng.random_range(0..40u32) {
                        0 => 0.0,
                        1 => 200.0 * rng.random::<f64>(),
                        _ => 3.0 * rng.random::<f64>(),
                    };
                    id += 1;
                    day = popped_day + gap;
                    q.schedule_beside(day, BESIDE | id);
                    reference.insert((day_key(day), order), (day, BESIDE | id));
                    order += 1;
                }
                assert_eq!(q.len(), reference.len());
            }
            assert!(reference.is_empty() && q.is_empty() && day >= end_day);
        }
    }

    /// A tiny queue (the sorted array) keeps the order through ties, horizons and `retain`,
    /// and so does the heap it becomes when it grows past `SORTED_MAX_LEN`.
    #[test]
    fn sorted_array_then_heap_keep_the_order() {
        let mut rng = crate::rng::Generator::seed_from_u64(29);
        let mut q = EventQueue::new();
        let mut pending: Vec<(f64, u64)> = Vec::new();
        let mut now = 0.0;
        for id in 0..4_000u64 {
            let day = now + f64::from(rng.random_range(0..8u32)) * 0.5;
            q.schedule(day, id);
            pending.push((day, id));
            if id == 3_000 {
                assert!(q.sorted, "still tiny");
                q.retain(|id| id % 3 != 0);
                pending.retain(|(_, id)| id % 3 != 0);
            }
            // Pops keep the queue tiny for 3,500 events (all due ones when it nears the limit),
            // then let it grow.
            let tiny = id < 3_500;
            let near_limit = tiny && q.len() > 24;
            let pops = if near_limit {
                3
            } else if tiny {
                rng.random_range(0..3u32)
            } else {
                u32::from(id % 4 == 0)
            };
            pending.sort_by(|a, b| a.0.total_cmp(&b.0));
            let until = if near_limit { f64::INFINITY } else { now + f64::from(rng.random_range(0..6u32)) * 0.5 };
            for _ in 0..pops {
                match q.pop_until(until) {
                    Some((day, popped)) => {
                        let (expected_day, expected) = pending.remove(0);
                        assert_eq!((day.to_bits(), popped), (expected_day.to_bits(), expected));
                        now = day;
                    }
                    None => assert!(pending.first().is_none_or(|&(day, _)| day > until)),
                }
            }
            assert_eq!(q.len(), pending.len());
        }
        assert!(!q.sorted && q.peak_len() > SORTED_MAX_LEN);
        let rest: Vec<_> = std::iter::from_fn(|| q.pop_until(f64::INFINITY)).map(|(day, id)| (day.to_bits(), id)).collect();
        pending.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(rest, pending.iter().map(|&(day, id)| (day.to_bits(), id)).collect::<Vec<_>>());
    }

    /// What `with_slots` makes: the queue, the events, their slots and the generator.
    type WithSlots = (EventQueue<i64>, Vec<(f64, i64)>, Vec<u32>, crate::rng::Generator);

    /// A queue of `n_events` events (their ids), each due on a random multiple of half a day
    /// from `first_half_day` halves up to day 49.5 and scheduled with
    /// `schedule_returning_slot`: the queue, the events as
    /// (day, id) in scheduling order, their slots, and the generator, to draw on from there.
    fn with_slots(seed: u64, n_events: i64, first_half_day: u32) -> WithSlots {
        let mut rng = crate::rng::Generator::seed_from_u64(seed);
        let mut q = EventQueue::new();
        let mut expected = Vec::new();
        let mut slots = Vec::new();
        for id in 0..n_events {
            let day = f64::from(rng.random_range(first_half_day..100u32)) * 0.5;
            slots.push(q.schedule_returning_slot(day, id));
            expected.push((day, id));
        }
        (q, expected, slots, rng)
    }

    /// An event replaced in its slot pops at the old one's day and place among ties, and
    /// `retain` sees the replacement: what `Sim` does with a stopped clock's event. In each of
    /// the queue's three shapes: the sorted array (20 events), one heap (500) and buckets
    /// (5,000), each with `retain` working on what it holds.
    #[test]
    fn replaced_events_keep_their_day_and_place() {
        for n_events in [20i64, 500, 5_000] {
            let (mut q, mut expected, slots, _) = with_slots(37, n_events, 0);
            assert_eq!((q.sorted, q.bucketed), (n_events <= SORTED_MAX_LEN as i64, n_events >= BUCKETED_FROM_LEN as i64));
            // Every third event becomes its negative (a stand-in for "stopped"); half of those
            // are then dropped by `retain`, the rest popped.
            for (id, &slot) in slots.iter().enumerate().filter(|(id, _)| id % 3 == 0) {
                q.replace(slot, -(id as i64) - 1);
                expected[id].1 = -(id as i64) - 1;
            }
            q.retain(|&id| id >= 0 || id % 2 == 0);
            expected.retain(|&(_, id)| id >= 0 || id % 2 == 0);
            assert_eq!(q.len(), expected.len());
            expected.sort_by(|a, b| a.0.total_cmp(&b.0));
            let popped: Vec<_> = std::iter::from_fn(|| q.pop_until(f64::INFINITY)).collect();
            assert_eq!(popped, expected, "{n_events} events");
        }
    }

    /// Events replaced and marked are dropped by `retain_unmarked`, unread, and those popped
    /// first and unmarked are not; a slot marked, popped, unmarked and reused keeps its new
    /// event. In each of the queue's three shapes.
    #[test]
    fn marked_events_are_dropped_and_unmarked_ones_kept() {
        for n_events in [20i64, 500, 5_000] {
            let (mut q, mut expected, slots, mut rng) = with_slots(41, n_events, 1);
            // Every third event is replaced by its negative and marked.
            for (id, &slot) in slots.iter().enumerate().filter(|(id, _)| id % 3 == 0) {
                q.replace_marked(slot, -(id as i64) - 1);
                expected[id].1 = -(id as i64) - 1;
            }
            expected.sort_by(|a, b| a.0.total_cmp(&b.0));
            // The first tenth is popped (marked ones unmarked as they come), and as many new
            // events scheduled, in the freed slots.
            let mut popped = Vec::new();
            for _ in 0..n_events / 10 {
                let (day, id) = q.pop_until(f64::INFINITY).expect("pending");
                if id < 0 {
                    let slot = slots[(-id - 1) as usize];
                    q.unmark(slot);
                }
                popped.push((day, id));
            }
            let now = popped.last().map_or(0.0, |&(day, _)| day);
            let mut later = Vec::new();
            for id in 0..n_events / 10 {
                let day = now + f64::from(rng.random_range(0..100u32)) * 0.5;
                q.schedule(day, n_events + id);
                later.push((day, n_events + id));
            }
            assert_eq!(&popped[..], &expected[..popped.len()]);
            q.retain_unmarked();
            let mut rest: Vec<_> = expected[popped.len()..].iter().copied().filter(|&(_, id)| id >= 0).chain(later).collect();
            rest.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert_eq!(q.len(), rest.len());
            let popped: Vec<_> = std::iter::from_fn(|| q.pop_until(f64::INFINITY)).collect();
            assert_eq!(popped, rest, "{n_events} events");
            assert!(q.marked.iter().all(|&word| word == 0));
        }
    }

    #[test]
    fn retain_keeps_the_order_of_the_rest() {
        let mut rng = crate::rng::Generator::seed_from_u64(11);
        let (mut all, mut kept) = (EventQueue::new(), EventQueue::new());
        for id in 0..5_000u64 {
            let day = f64::from(rng.random_range(0..200u32)) * 0.5;
            all.schedule(day, id);
            kept.schedule(day, id);
        }
        kept.retain(|id| id % 3 != 0);
        let order = |q: &mut EventQueue<u64>| std::iter::from_fn(|| q.pop_until(f64::INFINITY)).collect::<Vec<_>>();
        let expected: Vec<_> = order(&mut all).into_iter().filter(|(_, id)| id % 3 != 0).collect();
        assert_eq!(order(&mut kept), expected);
        // Slots freed by `retain` and by popping are reused.
        kept.schedule(200.0, 7);
        assert_eq!(kept.events.len(), 5_000);
    }
}
