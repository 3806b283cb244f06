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
//!   slab (stable keys)        heap (Vec of (deadline, key), min at 0)
//!   key 0: waker, at heap[2]      [ (5,k3) , (9,k1) , (12,k0) ]
//!   key 1: waker, at heap[1]           |        |         `- key 0
//!   key 3: waker, at heap[0]           |        `- key 1
//!                                      `- key 3: next to fire
//! ```
//!
//! Each slab entry remembers its heap position, so cancelling key 1 moves
//! the last heap element into its place and sifts that one up or down.
//! The deadlines sit in the heap array itself, so a sift compares
//! neighbours in one contiguous array.

use std::task::Waker;
use std::time::{Duration, Instant};

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
    /// Insertion order, also the key's generation.
    generation: u64,
    /// Where this entry sits in `heap`.
    heap_index: usize,
    /// The task to wake when the deadline passes.
    waker: Waker,
}

/// One heap element. The sort key lives here, not in the slab, so that
/// sifting compares neighbours in one contiguous array instead of chasing
/// two slab entries per comparison: with 100,000 timers that indirection
/// was a cache miss per comparison and made firing timers 2x slower than
/// tokio's wheel (`timer_fire`).
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Nanoseconds since the store's base instant.
    deadline: u64,
    /// Among equal deadlines, the older timer fires first.
    generation: u64,
    /// The slab entry this slot belongs to.
    index: usize,
}

impl Slot {
    fn before(&self, other: &Slot) -> bool {
        (self.deadline, self.generation) < (other.deadline, other.generation)
    }
}

/// Pending timers, earliest deadline first.
#[derive(Debug)]
pub(crate) struct TimerHeap {
    entries: Slab<Entry>,
    heap: Vec<Slot>,
    next_generation: u64,
    /// Deadlines are stored as nanoseconds since this instant (8 bytes
    /// instead of `Instant`'s 16, exact to the nanosecond for 584 years).
    base: Instant,
}

impl Default for TimerHeap {
    fn default() -> TimerHeap {
        TimerHeap::new(Instant::now())
    }
}

impl TimerHeap {
    /// An empty store. `base` must not be later than any deadline that is
    /// still in the future when inserted: the runtime passes its clock's
    /// reading at creation.
    pub(crate) fn new(base: Instant) -> TimerHeap {
        TimerHeap {
            entries: Slab::new(),
            heap: Vec::new(),
            next_generation: 0,
            base,
        }
    }

    /// A deadline as the heap's sort key; earlier than the base counts as
    /// the base (it is due anyway), beyond 584 years as "never".
    fn nanos(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.base);
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Adds a timer; `waker` is woken once `deadline` has passed.
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> TimerKey {
        self.next_generation += 1;
        let generation = self.next_generation;
        let heap_index = self.heap.len();
        let index = self.entries.insert(Entry {
            generation,
            heap_index,
            waker,
        });
        self.heap.push(Slot {
            deadline: self.nanos(deadline),
            generation,
            index,
        });
        self.sift_up(heap_index);
        TimerKey { index, generation }
    }

    /// True if `key` is still waiting (not fired, not cancelled).
    pub(crate) fn contains(&self, key: TimerKey) -> bool {
        self.entry(key).is_some()
    }

    /// Moves a waiting timer to `deadline`. False if it already fired.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: Instant) -> bool {
        let Some(entry) = self.entry(key) else {
            return false;
        };
        let at = entry.heap_index;
        let deadline = self.nanos(deadline);
        let earlier = deadline < self.heap[at].deadline;
        self.heap[at].deadline = deadline;
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
        self.heap.first().map(|slot| {
            // "Never" saturates to far in the future rather than wrapping.
            self.base
                .checked_add(Duration::from_nanos(slot.deadline))
                .unwrap_or_else(|| self.base + Duration::from_secs(86_400 * 365 * 100))
        })
    }

    /// Removes every timer whose deadline is at or before `now` and pushes
    /// its waker onto `wakers`, earliest first. Returns how many fired.
    pub(crate) fn fire_due(&mut self, now: Instant, wakers: &mut Vec<Waker>) -> usize {
        let now = self.nanos(now);
        let mut fired = 0;
        while let Some(slot) = self.heap.first() {
            if slot.deadline > now {
                break;
            }
            let index = slot.index;
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
        let last = self.heap.pop().expect("an entry is in the heap");
        if at < self.heap.len() {
            // Fill the hole with the last element; it may belong above or
            // below it.
            self.place(at, last);
            self.sift_up(at);
            self.sift_down(at);
        }
        self.entries.remove(index)
    }

    /// Puts `slot` at heap position `at` and tells its entry.
    fn place(&mut self, at: usize, slot: Slot) {
        self.entries[slot.index].heap_index = at;
        self.heap[at] = slot;
    }

    /// Moves the element at `at` up while it is earlier than its parent.
    /// Parents move down into the hole; the element is written once.
    fn sift_up(&mut self, mut at: usize) {
        let moving = self.heap[at];
        while at > 0 {
            let parent = (at - 1) / 2;
            if !moving.before(&self.heap[parent]) {
                break;
            }
            self.place(at, self.heap[parent]);
            at = parent;
        }
        self.place(at, moving);
    }

    /// Moves the element at `at` down while a child is earlier.
    fn sift_down(&mut self, mut at: usize) {
        let moving = self.heap[at];
        let len = self.heap.len();
        loop {
            let left = 2 * at + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.heap[right].before(&self.heap[left]) {
                right
            } else {
                left
            };
            if !self.heap[child].before(&moving) {
                break;
            }
            self.place(at, self.heap[child]);
            at = child;
        }
        self.place(at, moving);
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
        let mut heap = TimerHeap::default();
        let t0 = Instant::now();
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
        let mut heap = TimerHeap::default();
        let t0 = Instant::now();
        heap.insert(t0 + Duration::from_millis(5), numbered(0, &log));
        assert_eq!(fire_all(&mut heap, t0 + Duration::from_micros(4_999)), 0);
        assert_eq!(fire_all(&mut heap, t0 + Duration::from_millis(5)), 1);
    }

    #[test]
    fn reset_moves_a_timer_earlier_and_later() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut heap = TimerHeap::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
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
        let mut heap = TimerHeap::default();
        let t0 = Instant::now();
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
        let mut heap = TimerHeap::default();
        let t0 = Instant::now();
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
        let mut heap = TimerHeap::default();
        let t0 = Instant::now();
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
