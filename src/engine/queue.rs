//! The future event list: a binary heap ordered by time, ties broken first-in first-out.
//!
//! Two events at the same instant run in the order they were scheduled (a sequence number
//! breaks the tie, as in nexosim), so a run never depends on the heap's internal layout.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    day: f64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest event first.
        other.day.total_cmp(&self.day).then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Pending events with their day of occurrence.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now_day: f64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_seq: 0, now_day: 0.0 }
    }

    /// Schedules `event` at `day`. **Invariant:** never in the past.
    pub fn schedule(&mut self, day: f64, event: E) {
        assert!(day >= self.now_day, "event scheduled in the past: day {day} < now {}", self.now_day);
        self.heap.push(Entry { day, seq: self.next_seq, event });
        self.next_seq += 1;
    }

    /// Removes and returns the earliest event if it happens no later than `until_day`.
    pub fn pop_until(&mut self, until_day: f64) -> Option<(f64, E)> {
        if self.heap.peek()?.day > until_day {
            return None;
        }
        let entry = self.heap.pop().expect("peeked");
        debug_assert!(entry.day >= self.now_day, "time went backwards");
        self.now_day = entry.day;
        Some((entry.day, entry.event))
    }

    pub fn now_day(&self) -> f64 {
        self.now_day
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
