//! A wait histogram kept as plain counts in hdrhistogram's own buckets, so that the engine
//! records a wait in a few instructions and results are read through hdrhistogram as before.
//!
//! `Histogram::saturating_record` cost ~140 instructions a value (the bucket arithmetic
//! through `Option`s and `u8` casts, a bounds check, the running minimum and maximum), and
//! mmc records two values a referral: 6-7% of its instructions. Here a value costs the same
//! bucket arithmetic done in `u64`s, a clamp and an increment. `to_histogram` rebuilds the
//! hdrhistogram once per replication; it then holds the same count in every bucket and the
//! same total, and its minimum and maximum fall in the same buckets, so every quantile, mean,
//! `min`, `max`, `len` and `==` read from it is what recording into it directly would give
//! (hdrhistogram reports all of these from buckets, never from the values recorded).
//!
//! Single values are counted sixteen at a time (`WaitCounts::count_full`): a random bucket of a
//! large array is a cache miss in the county, and misses met together overlap. The counts are
//! kept as their low 16 bits, with the high bits of the few that pass 65,535 aside
//! (`WaitCounts::carries`): 34 KiB a histogram rather than 68, for the same `u32` counts.

use super::{WAIT_MAX_MINUTES, WaitCount, WaitHistogram, new_wait_histogram};
use std::fmt;

/// Sub-buckets per bucket, as a power of two: 3 significant figures need unit resolution up
/// to 2,000, so hdrhistogram takes 2^11 = 2,048 (`sub_bucket_count`). The lowest
/// discernible value is 1, so its `unit_magnitude` is 0 and drops out of every formula.
const SUB_BUCKET_BITS: u32 = 11;
/// Each bucket after the first uses only its upper half of sub-buckets (the lower half is
/// the previous bucket's range), so buckets are `2^SUB_BUCKET_HALF_BITS` indices apart.
const SUB_BUCKET_HALF_BITS: u32 = SUB_BUCKET_BITS - 1;
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_BITS) - 1;

/// hdrhistogram's `bucket_for`: how many doublings a value lies beyond bucket 0's range.
const fn bucket_of(value: u64) -> u32 {
    (64 - SUB_BUCKET_BITS) - (value | SUB_BUCKET_MASK).leading_zeros()
}

/// hdrhistogram's `index_for`: `((bucket + 1) << half_bits) + sub_bucket - half_count`,
/// which is `bucket << half_bits` plus the sub-bucket.
const fn index_of(value: u64) -> usize {
    let bucket = bucket_of(value);
    ((bucket as usize) << SUB_BUCKET_HALF_BITS) + (value >> bucket) as usize
}

/// hdrhistogram's `value_for`: the lowest value of the bucket at `index`.
const fn lowest_value_of(index: usize) -> u64 {
    if index < 1 << SUB_BUCKET_BITS {
        return index as u64;
    }
    let bucket = (index >> SUB_BUCKET_HALF_BITS) - 1;
    let sub_bucket = (index & ((1 << SUB_BUCKET_HALF_BITS) - 1)) + (1 << SUB_BUCKET_HALF_BITS);
    (sub_bucket as u64) << bucket
}

/// hdrhistogram's counts length for the wait range: buckets enough to cover
/// `WAIT_MAX_MINUTES` (`buckets_to_cover`), plus one for bucket 0's lower half (`num_bins`).
const N_INDICES: usize = {
    let mut smallest_untrackable = 1u64 << SUB_BUCKET_BITS;
    let mut buckets = 1;
    while smallest_untrackable <= WAIT_MAX_MINUTES {
        smallest_untrackable <<= 1;
        buckets += 1;
    }
    (buckets + 1) << SUB_BUCKET_HALF_BITS
};

/// Where `saturating_record` puts a value past the last bucket: hdrhistogram clamps it to the
/// highest trackable value. Values above that but inside the last bucket are kept as they are,
/// there as here.
const CLAMPED_INDEX: usize = index_of(WAIT_MAX_MINUTES);

/// Values recorded and not yet counted, at most, in each [`WaitCounts`]. A wait is a random
/// bucket among 17,408 (34 KiB of counts): in the county most increments miss the cache, and
/// one at a time each held up the handler that recorded it. Kept aside and counted sixteen at
/// a time, in a loop whose increments do not depend on each other, the misses overlap.
const N_PENDING: usize = 16;

// Pending buckets and the carries' buckets are kept as `u16`s, and `n_pending` is masked by
// `N_PENDING - 1`; a count is its low and high 16 bits.
const _: () = assert!(N_INDICES <= 1 << 16 && N_PENDING.is_power_of_two() && WaitCount::BITS == 32);

/// A value's bucket in a [`WaitCounts`] (`WaitCounts::index_for`), before the clamp of values
/// past the last bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitIndex(usize);

/// A histogram of waits in minutes with [`WaitHistogram`]'s buckets and `u32` counts, for
/// recording; [`WaitCounts::to_histogram`] makes the `WaitHistogram`.
///
/// Single values are counted late, `N_PENDING` at a time (`count_pending`), and every reading
/// of the counts counts them first; a count saturates at the same value whatever the order of
/// its increments (all are positive), so nothing read differs.
///
/// Each count is kept in two halves: its low 16 bits in `low`, and, for the few buckets whose
/// count has ever passed 65,535, its high 16 bits in `carries`. The county records into ~27 of
/// these, and at 4 bytes a count they were 1.8 MiB, nearly the whole second-level cache: most
/// increments missed it (results/benchmarks.md, twenty-third pass). A count reads the same as
/// a `u32` would, saturation included (`count`, `carry`).
#[derive(Clone)]
pub struct WaitCounts {
    /// Each bucket's count modulo 2^16. A fixed-length array, so that indexing a clamped
    /// index needs no bounds check.
    low: Box<[u16; N_INDICES]>,
    /// The high 16 bits of the counts that have passed `u16::MAX`, by bucket, in the order
    /// they first did (none in most runs: a bucket of a county run holds a few thousand
    /// waits at most); a bucket not listed has none. A count whose halves are both
    /// `u16::MAX` is saturated.
    carries: Vec<(u16, u16)>,
    /// Values recorded: hdrhistogram's `total_count`, which goes on counting when a bucket's
    /// count saturates. The pending values are added to it when they are counted.
    total: u64,
    /// The (clamped) buckets of values recorded one at a time and not yet counted; the first
    /// `n_pending` are live.
    pending: [u16; N_PENDING],
    /// Always below `N_PENDING`: the buffer is counted as soon as it fills.
    n_pending: usize,
}

impl PartialEq for WaitCounts {
    fn eq(&self, other: &WaitCounts) -> bool {
        let (mine, theirs) = (self.settled(), other.settled());
        mine.total == theirs.total && mine.counts() == theirs.counts()
    }
}

impl Default for WaitCounts {
    fn default() -> Self {
        WaitCounts::new()
    }
}

impl fmt::Debug for WaitCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitCounts").field("len", &self.len()).finish_non_exhaustive()
    }
}

impl WaitCounts {
    pub fn new() -> Self {
        let low = vec![0; N_INDICES].into_boxed_slice().try_into().expect("N_INDICES counts");
        WaitCounts { low, carries: Vec::new(), total: 0, pending: [0; N_PENDING], n_pending: 0 }
    }

    /// Adds one to the count at `index` (below `N_INDICES`), saturating as a `u32` would.
    #[inline(always)]
    fn increment(&mut self, index: usize) {
        let slot = &mut self.low[index];
        let (low, wrapped) = slot.overflowing_add(1);
        *slot = low;
        if wrapped {
            self.carry(index);
        }
    }

    /// The low half at `index` has just wrapped round to 0: one more in the high half, or, if
    /// that is full too, the count stays at `u32::MAX` (its low half back at `u16::MAX`).
    #[cold]
    #[inline(never)]
    fn carry(&mut self, index: usize) {
        match self.carries.iter_mut().find(|(i, _)| usize::from(*i) == index) {
            Some((_, high)) if *high == u16::MAX => self.low[index] = u16::MAX,
            Some((_, high)) => *high += 1,
            None => self.carries.push((index as u16, 1)),
        }
    }

    /// Every bucket's count as a `u32`, for reading (once a run).
    fn counts(&self) -> Vec<WaitCount> {
        let mut counts: Vec<WaitCount> = self.low.iter().map(|&low| WaitCount::from(low)).collect();
        for &(index, high) in &self.carries {
            counts[usize::from(index)] |= WaitCount::from(high) << 16;
        }
        counts
    }

    /// The count at `index` as a `u32`.
    fn count(&self, index: usize) -> WaitCount {
        let high = self.carries.iter().find(|(i, _)| usize::from(*i) == index).map_or(0, |&(_, high)| high);
        WaitCount::from(high) << 16 | WaitCount::from(self.low[index])
    }

    /// Sets the count at `index` to `count`.
    fn set(&mut self, index: usize, count: WaitCount) {
        self.low[index] = count as u16;
        let high = (count >> 16) as u16;
        match self.carries.iter_mut().find(|(i, _)| usize::from(*i) == index) {
            Some((_, kept)) => *kept = high,
            None if high != 0 => self.carries.push((index as u16, high)),
            None => {}
        }
    }

    /// These counts with the pending values counted: itself when none is pending, otherwise
    /// a copy (made only when results are read, once a run).
    fn settled(&self) -> std::borrow::Cow<'_, WaitCounts> {
        if self.n_pending == 0 {
            std::borrow::Cow::Borrowed(self)
        } else {
            let mut copy = self.clone();
            copy.count_pending();
            std::borrow::Cow::Owned(copy)
        }
    }

    /// Counts the pending values (fewer than `N_PENDING`), for reading the counts.
    fn count_pending(&mut self) {
        for i in 0..self.n_pending {
            self.increment(usize::from(self.pending[i]));
        }
        self.total = self.total.saturating_add(self.n_pending as u64);
        self.n_pending = 0;
    }

    /// Counts a full buffer of pending values. Each increment is independent of the others,
    /// so that their cache misses overlap; a loop of fixed length, which the compiler unrolls.
    #[inline(never)]
    fn count_full(&mut self) {
        if self.total <= u64::from(u16::MAX) - N_PENDING as u64 {
            // No count is above the total, so none can wrap here: no carry to test for.
            for i in 0..N_PENDING {
                let slot = &mut self.low[usize::from(self.pending[i])];
                *slot = slot.wrapping_add(1);
            }
        } else {
            for i in 0..N_PENDING {
                self.increment(usize::from(self.pending[i]));
            }
        }
        self.total = self.total.saturating_add(N_PENDING as u64);
        self.n_pending = 0;
    }

    /// Records one value as `Histogram::saturating_record` does: past the last bucket it
    /// counts as the highest trackable value, and a full bucket stays full.
    #[inline]
    pub fn saturating_record(&mut self, value: u64) {
        self.saturating_record_at(WaitCounts::index_for(value));
    }

    /// Records `count` copies of a value as `Histogram::saturating_record_n` does.
    #[inline]
    pub fn saturating_record_n(&mut self, value: u64, count: WaitCount) {
        self.saturating_record_n_at(WaitCounts::index_for(value), count);
    }

    /// Where `saturating_record` counts `value`, for recording it with `saturating_record_at`
    /// in several histograms while working the bucket out once.
    #[inline]
    pub fn index_for(value: u64) -> WaitIndex {
        WaitIndex(index_of(value))
    }

    /// `saturating_record` of a value whose place `index_for` found: counted, in its bucket
    /// and in the total, with the next `N_PENDING` - 1 (or when the counts are read).
    #[inline]
    pub fn saturating_record_at(&mut self, index: WaitIndex) {
        let index = if index.0 >= N_INDICES { CLAMPED_INDEX } else { index.0 };
        // The mask changes nothing (`n_pending` is below `N_PENDING`, a power of two); it
        // spares the bounds check.
        self.pending[self.n_pending % N_PENDING] = index as u16;
        self.n_pending += 1;
        if self.n_pending == N_PENDING {
            self.count_full();
        }
    }

    #[inline]
    fn saturating_record_n_at(&mut self, index: WaitIndex, count: WaitCount) {
        // Clamped here, where the array is indexed, so that the compiler sees it in range.
        let index = if index.0 >= N_INDICES { CLAMPED_INDEX } else { index.0 };
        self.set(index, self.count(index).saturating_add(count));
        self.total = self.total.saturating_add(u64::from(count));
    }

    pub fn len(&self) -> u64 {
        self.total.saturating_add(self.n_pending as u64)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds another histogram's counts as `Histogram::add` does between histograms of the
    /// same buckets, down to its totals when a bucket saturates: into an empty histogram it
    /// copies the other's total, otherwise it adds the other's counts.
    pub fn add(&mut self, other: &WaitCounts) {
        if other.is_empty() {
            return;
        }
        self.count_pending();
        let other = other.settled();
        if self.total == 0 {
            self.low.copy_from_slice(&other.low[..]);
            self.carries.clone_from(&other.carries);
            self.total = other.total;
            return;
        }
        let mut added = 0u64;
        for (index, theirs) in other.counts().into_iter().enumerate() {
            if theirs != 0 {
                self.set(index, self.count(index).saturating_add(theirs));
                added = added.saturating_add(u64::from(theirs));
            }
        }
        self.total = self.total.saturating_add(added);
    }

    /// The hdrhistogram holding these counts: each non-empty bucket recorded at its lowest
    /// value, then, if a bucket saturated, the values it could not count recorded into it again
    /// (the bucket stays full, the total grows), so the total is this one's too.
    pub fn to_histogram(&self) -> WaitHistogram {
        // Nothing to look for in the buckets (a wait by tier that no family had, say).
        if self.is_empty() {
            return new_wait_histogram();
        }
        let settled = self.settled();
        let counts = settled.counts();
        let mut histogram = new_wait_histogram();
        let mut counted = 0u64;
        let mut saturated = None;
        for (index, &count) in counts.iter().enumerate() {
            if count != 0 {
                histogram.record_n(lowest_value_of(index), count).expect("a bucket's lowest value is in range");
                counted += u64::from(count);
                if count == WaitCount::MAX {
                    saturated = Some(index);
                }
            }
        }
        let mut uncounted = settled.total - counted;
        while uncounted > 0 {
            let index = saturated.expect("values go uncounted only in a saturated bucket");
            let part = uncounted.min(u64::from(WaitCount::MAX));
            histogram.record_n(lowest_value_of(index), part as WaitCount).expect("a bucket's lowest value is in range");
            uncounted -= part;
        }
        histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::mix64;

    /// Values across the whole range: every scale from 0 to past the last bucket, each bucket
    /// edge, the highest trackable value and the values either side of it, and `u64::MAX`.
    fn test_values() -> Vec<u64> {
        let mut values = vec![0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, WAIT_MAX_MINUTES - 1, WAIT_MAX_MINUTES];
        values.extend([WAIT_MAX_MINUTES + 1, (1 << 26) - 1, 1 << 26, (1 << 26) + 1, 1 << 40, u64::MAX - 1, u64::MAX]);
        for bits in 0..64 {
            values.extend([(1u64 << bits).saturating_sub(1), 1u64 << bits, (1u64 << bits) + 1]);
        }
        for i in 0..200_000u64 {
            let r = mix64(i);
            // A random number of significant bits, so that every bucket gets values.
            let bits = r % 30;
            values.push(mix64(r) >> (63 - bits));
        }
        values
    }

    /// A histogram recorded here and turned into an hdrhistogram equals one recorded into
    /// hdrhistogram directly: `==` (total, min, max, every count), and each statistic read.
    #[test]
    fn converted_histogram_reads_as_if_recorded_directly() {
        let values = test_values();
        for take in [0, 1, 2, 17, 1000, values.len()] {
            let mut counts = WaitCounts::new();
            let mut direct = new_wait_histogram();
            for &v in &values[values.len() - take..] {
                counts.saturating_record(v);
                direct.saturating_record(v);
            }
            assert_same(&counts.to_histogram(), &direct, counts.len());
        }
        // Each value alone: the clamp, the last bucket and bucket 0 each on their own.
        for &v in values.iter().take(250) {
            let mut counts = WaitCounts::new();
            let mut direct = new_wait_histogram();
            counts.saturating_record(v);
            direct.saturating_record(v);
            assert_same(&counts.to_histogram(), &direct, 1);
        }
    }

    fn assert_same(converted: &WaitHistogram, direct: &WaitHistogram, len: u64) {
        assert_eq!(converted, direct);
        assert_eq!((converted.len(), direct.len()), (len, len));
        assert_eq!(converted.distinct_values(), direct.distinct_values());
        assert_eq!(converted.distinct_values(), N_INDICES);
        assert_eq!((converted.min(), converted.max(), converted.min_nz()), (direct.min(), direct.max(), direct.min_nz()));
        assert_eq!(converted.mean().to_bits(), direct.mean().to_bits());
        assert_eq!(converted.stdev().to_bits(), direct.stdev().to_bits());
        let recorded = |h: &WaitHistogram| h.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect::<Vec<_>>();
        assert_eq!(recorded(converted), recorded(direct));
        for i in 0..=1000 {
            let q = f64::from(i) / 1000.0;
            assert_eq!(converted.value_at_quantile(q), direct.value_at_quantile(q), "quantile {q}");
        }
        for q in [0.5, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0, 1.5] {
            assert_eq!(converted.value_at_quantile(q), direct.value_at_quantile(q), "quantile {q}");
        }
    }

    /// The bucket arithmetic is hdrhistogram's at every index: each bucket's lowest value
    /// lands in that bucket, and is the lowest value hdrhistogram gives it.
    #[test]
    fn every_index_maps_to_its_hdrhistogram_bucket() {
        let histogram = new_wait_histogram();
        for index in 0..N_INDICES {
            let value = lowest_value_of(index);
            assert_eq!(index_of(value), index);
            assert_eq!(histogram.lowest_equivalent(value), value, "index {index}");
            if index > 0 {
                assert_eq!(histogram.highest_equivalent(lowest_value_of(index - 1)), value - 1, "index {index}");
            }
        }
        assert!(index_of(histogram.highest_equivalent(lowest_value_of(N_INDICES - 1)) + 1) >= N_INDICES);
    }

    /// Adding, into an empty histogram and into a full one, gives what `Histogram::add` gives.
    #[test]
    fn adding_matches_hdrhistogram() {
        let values = test_values();
        let (mut a, mut b) = (WaitCounts::new(), WaitCounts::new());
        let (mut direct_a, mut direct_b) = (new_wait_histogram(), new_wait_histogram());
        for (i, &v) in values.iter().enumerate() {
            if i % 3 == 0 {
                a.saturating_record(v);
                direct_a.saturating_record(v);
            } else {
                b.saturating_record(v);
                direct_b.saturating_record(v);
            }
        }
        let mut empty = WaitCounts::new();
        let mut direct_empty = new_wait_histogram();
        empty.add(&a);
        direct_empty.add(&direct_a).expect("same bounds");
        assert_same(&empty.to_histogram(), &direct_empty, a.len());
        a.add(&b);
        direct_a.add(&direct_b).expect("same bounds");
        assert_same(&a.to_histogram(), &direct_a, values.len() as u64);
        a.add(&WaitCounts::new());
        assert_same(&a.to_histogram(), &direct_a, values.len() as u64);
    }

    /// A bucket past what a `u32` holds stays full while the total goes on counting, in
    /// recording, in adding into an empty histogram (which keeps the total) and into another
    /// (which adds counts), as in hdrhistogram.
    #[test]
    fn saturated_buckets_keep_hdrhistogram_totals() {
        let mut counts = WaitCounts::new();
        let mut direct = new_wait_histogram();
        for (value, count) in [(60, WaitCount::MAX - 5), (60, 10), (60, WaitCount::MAX), (7, 3), (u64::MAX, 2)] {
            counts.saturating_record_n(value, count);
            direct.saturating_record_n(value, count);
        }
        let len = 2 * u64::from(WaitCount::MAX) + 10;
        assert_same(&counts.to_histogram(), &direct, len);
        let mut copy = WaitCounts::new();
        let mut direct_copy = new_wait_histogram();
        copy.add(&counts);
        direct_copy.add(&direct).expect("same bounds");
        assert_same(&copy.to_histogram(), &direct_copy, len);
        copy.add(&counts);
        direct_copy.add(&direct).expect("same bounds");
        assert_same(&copy.to_histogram(), &direct_copy, direct_copy.len());
    }

    /// Counts past 65,535, which carry into their high half, read as `u32` counts: recorded
    /// one at a time past the carry (in two buckets, the second carrying first), and by the
    /// thousand across it, in recording and in adding.
    #[test]
    fn counts_past_sixteen_bits_carry() {
        let mut counts = WaitCounts::new();
        let mut direct = new_wait_histogram();
        for i in 0..200_000u64 {
            let value = if i % 3 == 0 { 60 } else { 5_000 };
            counts.saturating_record(value);
            direct.saturating_record(value);
        }
        for _ in 0..70 {
            counts.saturating_record_n(7, 1_000);
            direct.saturating_record_n(7, 1_000);
        }
        assert_same(&counts.to_histogram(), &direct, 270_000);
        let mut sum = counts.clone();
        sum.add(&counts);
        direct.add(direct.clone()).expect("same bounds");
        assert_same(&sum.to_histogram(), &direct, 540_000);
    }

    /// Values recorded one at a time wait in the buffer until it fills: with any number of
    /// them pending (none, some, a full buffer counted, and past it), and on a full bucket,
    /// every reading (`len`, `==`, `to_histogram`, `add` from either side) counts them.
    #[test]
    fn pending_values_are_counted_before_any_reading() {
        for n_values in 0..=2 * N_PENDING + 1 {
            for saturated in [false, true] {
                let mut counts = WaitCounts::new();
                let mut counted_now = WaitCounts::new();
                let mut direct = new_wait_histogram();
                if saturated {
                    counts.saturating_record_n(60, WaitCount::MAX);
                    counted_now.saturating_record_n(60, WaitCount::MAX);
                    direct.saturating_record_n(60, WaitCount::MAX);
                }
                for i in 0..n_values as u64 {
                    let value = if i % 2 == 0 { 60 } else { mix64(i) >> 40 };
                    counts.saturating_record(value);
                    counted_now.saturating_record_n(value, 1);
                    direct.saturating_record(value);
                }
                let len = direct.len();
                assert_eq!(counts.len(), len);
                assert!(counts == counted_now, "pending values compare as counted ones");
                assert!(counted_now == counts, "and the other way round");
                assert_same(&counts.to_histogram(), &direct, len);
                let mut sum = WaitCounts::new();
                sum.add(&counts);
                sum.add(&counts);
                let mut direct_sum = new_wait_histogram();
                direct_sum.add(&direct).expect("same bounds");
                direct_sum.add(&direct).expect("same bounds");
                assert_same(&sum.to_histogram(), &direct_sum, direct_sum.len());
                let mut into_pending = counts.clone();
                into_pending.add(&counted_now);
                assert_same(&into_pending.to_histogram(), &direct_sum, direct_sum.len());
            }
        }
    }
}
