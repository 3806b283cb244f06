//! The timer store: a binary min-heap of deadlines, indexed from a slab so
//! that a timer can be moved or removed where it sits.
//!
//! Why this shape (and not tokio's wheel, nor a heap with lazy deletion):
//!
//! - Deadlines stay exact. A wheel rounds every deadline to its slot
//!   (1 ms in tokio), which is where tokio's extra millisecond of lateness
//!   comes from; the heap orders `Instant`s as they are.
//! - Insert and cancel are O(log n) and truly remove: a cancelled timer
//!   leaves nothing behind, so a million `timeout`s that finish early leave
//!   the store empty, not full of tombstones waiting for their deadline.
//! - The common case is cheap: a `timeout` around a future that finishes
//!   soon inserts at the bottom and is removed from near the bottom, so the
//!   sift is short. Measured in `benches/time.rs`.
//!
//! ```text
//!   slab (stable keys)                heap (Vec of slab keys, min at 0)
//!   key 0: deadline 12, at heap[2]        [ 3 , 1 , 0 ]
//!   key 1: deadline  9, at heap[1]          |    |    `- key 0 (12)
//!   key 3: deadline  5, at heap[0]          |    `- key 1 (9)
//!                                           `- key 3 (5): next to fire
//! ```
//!
//! Each slab entry remembers its heap position, so cancelling key 1 swaps
//! it with the last heap element and sifts that one into place.

use std::task::Waker;
use std::time::Instant;

use slab::Slab;

/// Names one timer in the store. The generation tells it apart from a later
/// timer that reuses the same slab slot, so a stale key is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    index: usize,
    generation: u64,
}

#[derive(Debug)]
struct Entry {
    deadline: Instant,
    /// Insertion order: among equal deadlines, the older timer fires first.
    generation: u64,
    /// Where this entry's key sits in `heap`.
    heap_index: usize,
    /// The task to wake when the deadline passes.
    waker: Waker,
}

/// Pending timers, earliest deadline first.
#[derive(Debug, Default)]
pub(crate) struct TimerHeap {
    entries: Slab<Entry>,
    heap: Vec<usize>,
    next_generation: u64,
}

impl TimerHeap {
    /// Adds a timer; `waker` is woken once `deadline` has passed.
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> TimerKey {
        self.next_generation += 1;
        let generation = self.next_generation;
        let heap_index = self.heap.len();
        let index = self.entries.insert(Entry {
            deadline,
            generation,
            heap_index,
            waker,
        });
        self.heap.push(index);
        self.sift_up(heap_index);
        TimerKey { index, generation }
    }

    /// True if `key` is still waiting (not fired, not cancelled).
    pub(crate) fn contains(&self, key: TimerKey) -> bool {
        self.entry(key).is_some()
    }

    /// Moves a waiting timer to `deadline`. False if it already fired.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: Instant) -> bool {
        let Some(entry) = self.entry_mut(key) else {
            return false;
        };
        let earlier = deadline < entry.deadline;
        entry.deadline = deadline;
        let at = entry.heap_index;
        if earlier {
            self.sift_up(at);
        } else {
            self.sift_down(at);
        }
        true
    }

    /// Makes `waker` the one to wake, if the timer still waits and the
    /// waker is a different one (the common re-poll costs no clone).
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) {
        if let Some(entry) = self.entry_mut(key) {
            if !entry.waker.will_wake(waker) {
                entry.waker = waker.clone();
            }
        }
    }

    /// Removes a timer that has not fired; a stale key does nothing.
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        if self.entry(key).is_some() {
            self.remove(key.index);
        }
    }

    /// The earliest deadline, if any timer waits.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.first().map(|&index| self.entries[index].deadline)
    }

    /// Removes every timer whose deadline is at or before `now` and pushes
    /// its waker onto `wakers`, earliest first. Returns how many fired.
    pub(crate) fn fire_due(&mut self, now: Instant, wakers: &mut Vec<Waker>) -> usize {
        let mut fired = 0;
        while let Some(&index) = self.heap.first() {
            if self.entries[index].deadline > now {
                break;
            }
            wakers.push(self.remove(index).waker);
            fired += 1;
        }
        fired
    }

    /// Timers waiting.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    fn entry(&self, key: TimerKey) -> Option<&Entry> {
        self.entries
            .get(key.index)
            .filter(|entry| entry.generation == key.generation)
    }

    fn entry_mut(&mut self, key: TimerKey) -> Option<&mut Entry> {
        self.entries
            .get_mut(key.index)
            .filter(|entry| entry.generation == key.generation)
    }

    /// Takes slab entry `index` out of the heap and the slab.
    fn remove(&mut self, index: usize) -> Entry {
        let at = self.entries[index].heap_index;
        let last = self.heap.len() - 1;
        self.swap(at, last);
        self.heap.pop();
        if at < self.heap.len() {
            // The element moved into the hole may belong above or below it.
            self.sift_up(at);
            self.sift_down(at);
        }
        self.entries.remove(index)
    }

    /// Orders by deadline, then by age.
    fn less(&self, a: usize, b: usize) -> bool {
        let (a, b) = (&self.entries[self.heap[a]], &self.entries[self.heap[b]]);
        (a.deadline, a.generation) < (b.deadline, b.generation)
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.entries[self.heap[a]].heap_index = a;
        self.entries[self.heap[b]].heap_index = b;
    }

    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if !self.less(at, parent) {
                break;
            }
            self.swap(at, parent);
            at = parent;
        }
    }

    fn sift_down(&mut self, mut at: usize) {
        loop {
            let left = 2 * at + 1;
            let right = left + 1;
            let mut smallest = at;
            if left < self.heap.len() && self.less(left, smallest) {
                smallest = left;
            }
            if right < self.heap.len() && self.less(right, smallest) {
                smallest = right;
            }
            if smallest == at {
                return;
            }
            self.swap(at, smallest);
            at = smallest;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use futures_task::ArcWake;

    use super::*;

    /// A waker that records its number in a shared log when woken.
    struct Numbered(usize, Arc<std::sync::Mutex<Vec<usize>>>);

    impl ArcWake for Numbered {
        fn wake_by_ref(arc_self: &Arc<Self>) {
            arc_self.1.lock().unwrap().push(arc_self.0);
        }
    }

    fn numbered(n: usize, log: &Arc<std::sync::Mutex<Vec<usize>>>) -> Waker {
        futures_task::waker(Arc::new(Numbered(n, log.clone())))
    }

    fn fire_all(heap: &mut TimerHeap, now: Instant) -> usize {
        let mut wakers = Vec::new();
        let fired = heap.fire_due(now, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        fired
    }

    #[test]
    fn timers_fire_in_deadline_order_and_equal_deadlines_in_insert_order() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let mut heap = TimerHeap::default();
        // (waker number, deadline offset in ms)
        for (n, ms) in [(0, 30), (1, 10), (2, 20), (3, 10), (4, 0), (5, 20)] {
            heap.insert(t0 + Duration::from_millis(ms), numbered(n, &log));
        }
        assert_eq!(heap.next_deadline(), Some(t0));
        assert_eq!(fire_all(&mut heap, t0 + Duration::from_millis(15)), 3);
        assert_eq!(*log.lock().unwrap(), [4, 1, 3]);
        assert_eq!(fire_all(&mut heap, t0 + Duration::from_secs(1)), 3);
        assert_eq!(*log.lock().unwrap(), [4, 1, 3, 2, 5, 0]);
        assert_eq!(heap.len(), 0);
    }

    #[test]
    fn a_timer_never_fires_before_its_deadline() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let mut heap = TimerHeap::default();
        heap.insert(t0 + Duration::from_millis(5), numbered(0, &log));
        assert_eq!(fire_all(&mut heap, t0 + Duration::from_micros(4_999)), 0);
        assert_eq!(fire_all(&mut heap, t0 + Duration::from_millis(5)), 1);
    }

    #[test]
    fn reset_moves_a_timer_earlier_and_later() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut heap = TimerHeap::default();
        let a = heap.insert(ms(10), numbered(0, &log));
        let b = heap.insert(ms(20), numbered(1, &log));
        assert!(heap.reset(b, ms(5)));
        assert_eq!(heap.next_deadline(), Some(ms(5)));
        assert!(heap.reset(b, ms(50)));
        assert_eq!(heap.next_deadline(), Some(ms(10)));
        fire_all(&mut heap, ms(100));
        assert_eq!(*log.lock().unwrap(), [0, 1]);
        assert!(!heap.reset(a, ms(1)), "a fired timer cannot be reset");
    }

    #[test]
    fn cancel_removes_only_its_own_timer() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let t0 = Instant::now();
        let mut heap = TimerHeap::default();
        let a = heap.insert(t0, numbered(0, &log));
        heap.cancel(a);
        // The slot is reused; the stale key must not cancel the new timer.
        let b = heap.insert(t0, numbered(1, &log));
        heap.cancel(a);
        assert!(heap.contains(b));
        assert!(!heap.contains(a));
        fire_all(&mut heap, t0);
        assert_eq!(*log.lock().unwrap(), [1]);
    }

    #[test]
    fn set_waker_replaces_only_a_different_waker() {
        struct Count(AtomicUsize);
        impl ArcWake for Count {
            fn wake_by_ref(arc_self: &Arc<Self>) {
                arc_self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let first = Arc::new(Count(AtomicUsize::new(0)));
        let second = Arc::new(Count(AtomicUsize::new(0)));
        let t0 = Instant::now();
        let mut heap = TimerHeap::default();
        let key = heap.insert(t0, futures_task::waker(first.clone()));
        heap.set_waker(key, &futures_task::waker(second.clone()));
        let mut wakers = Vec::new();
        heap.fire_due(t0, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn random_inserts_and_cancels_keep_the_heap_ordered() {
        // A small deterministic generator: no dependency, same run each time.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let t0 = Instant::now();
        let mut heap = TimerHeap::default();
        let mut live = Vec::new();
        for _ in 0..5_000 {
            if next() % 3 == 0 && !live.is_empty() {
                let key = live.swap_remove(next() as usize % live.len());
                heap.cancel(key);
            } else {
                let at = t0 + Duration::from_micros(next() % 1_000);
                live.push(heap.insert(at, futures_task::noop_waker()));
            }
        }
        assert_eq!(heap.len(), live.len());
        let mut last = t0;
        while let Some(deadline) = heap.next_deadline() {
            assert!(deadline >= last, "popped out of order");
            last = deadline;
            let mut wakers = Vec::new();
            heap.fire_due(deadline, &mut wakers);
        }
        assert_eq!(heap.len(), 0);
        assert!(heap.entries.is_empty());
    }
}
