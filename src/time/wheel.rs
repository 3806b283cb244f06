//! The timer store: a wheel of one-millisecond buckets for the next second,
//! a heap for later deadlines, and exact deadlines everywhere.
//!
//! Why this shape. The first version was a binary heap indexed from a slab:
//! exact and simple, but each timer that fired cost a sift through a heap
//! the size of all pending timers, a cache miss per level once it outgrew
//! the cache. With 100,000 sleeping tasks that made `timer_fire` twice as
//! slow as tokio's wheel. A wheel files each timer under its millisecond, so
//! setting and firing one is O(1) and touches one bucket's tail; but tokio's
//! wheel also rounds every deadline to its millisecond, which is where its
//! extra millisecond of lateness comes from. This wheel keeps the exact
//! deadline in each entry and fires a timer only once that instant passed.
//!
//! ```text
//!   cursor = first millisecond not yet processed (since `base`)
//!
//!   buckets (1024 of them, bucket = deadline_ms % 1024)
//!   ┌──────────┬──────────┬──────────┬─────┬──────────┐
//!   │ ms c     │ ms c+1   │ ms c+2   │ ... │ ms c+1023│   each: Vec of
//!   │ (5.2,k3) │          │ (7.9,k1) │     │          │   (deadline, key)
//!   └──────────┴──────────┴──────────┴─────┴──────────┘
//!   later: binary heap of deadlines ≥ c+1024 ms, moved into the buckets as
//!          the cursor comes within a second of them
//! ```
//!
//! - **Insert**: push onto the bucket of the deadline's millisecond, or onto
//!   `later` beyond the one-second horizon.
//! - **Fire** (`fire_due(now)`): every bucket the cursor passes is due as a
//!   whole; in the bucket of the current millisecond only the timers whose
//!   exact deadline passed fire, the rest wait for the next turn. Due timers
//!   are woken in deadline order (equal deadlines: the older timer first).
//! - **Cancel**: a bucket entry is swapped out of its Vec (each entry knows
//!   its position), so a cancelled timer leaves nothing behind; an entry in
//!   `later` is dropped lazily when it reaches the top, and `later` is
//!   compacted when stale entries outnumber live ones.
//! - **Next deadline** (the loop's poll timeout): the first occupied bucket,
//!   found through a bitmap, and its minimum, kept as entries arrive and
//!   recomputed only after its minimum was removed; or the top of `later`.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;
use std::time::{Duration, Instant};

use slab::Slab;

/// Buckets in the wheel: the horizon, in milliseconds. A power of two, and a
/// multiple of 64 for the occupancy bitmap.
const BUCKETS: u64 = 1024;

/// Nanoseconds per bucket.
const BUCKET_NS: u64 = 1_000_000;

/// Names one timer in the store. The generation tells it apart from a later
/// timer that reuses the same slab slot, so a stale key is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    index: usize,
    generation: u64,
}

/// Where an entry's deadline is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In `buckets[bucket].timers[pos]`.
    Bucket { bucket: usize, pos: usize },
    /// In `later`, under this push number (unique: tells a live heap item
    /// from a stale one left by a cancel or reset).
    Later { seq: u64 },
}

#[derive(Debug)]
struct Entry {
    /// Insertion order, also the key's generation.
    generation: u64,
    place: Place,
    /// The task to wake when the deadline passes.
    waker: Waker,
}

/// One timer as a bucket holds it: the sort key next to the slab index, so
/// firing a bucket reads one contiguous Vec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Slot {
    /// Nanoseconds since `base`.
    deadline: u64,
    /// Among equal deadlines, the older timer fires first.
    generation: u64,
    index: usize,
}

#[derive(Debug)]
struct Bucket {
    timers: Vec<Slot>,
    /// The earliest deadline here (`u64::MAX` when empty). Exact unless
    /// `stale`; then a lower bound, recomputed when next asked for.
    min: Cell<u64>,
    stale: Cell<bool>,
}

impl Bucket {
    fn new() -> Bucket {
        Bucket {
            timers: Vec::new(),
            min: Cell::new(u64::MAX),
            stale: Cell::new(false),
        }
    }

    fn min(&self) -> u64 {
        if self.stale.replace(false) {
            self.min.set(
                self.timers
                    .iter()
                    .map(|s| s.deadline)
                    .min()
                    .unwrap_or(u64::MAX),
            );
        }
        self.min.get()
    }
}

/// A deadline beyond the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Later {
    deadline: u64,
    seq: u64,
    index: usize,
}

/// Pending timers, earliest deadline first.
#[derive(Debug)]
pub(crate) struct TimerWheel {
    entries: Slab<Entry>,
    /// Empty until the first timer within the horizon; then `BUCKETS`.
    buckets: Vec<Bucket>,
    /// Bit `b` set when bucket `b` holds timers.
    occupied: [u64; (BUCKETS / 64) as usize],
    /// Deadlines at or beyond `cursor + BUCKETS` ms, earliest on top.
    later: BinaryHeap<Reverse<Later>>,
    /// Live entries in `later` (the rest are stale).
    later_live: usize,
    later_seq: u64,
    /// The first millisecond (since `base`) not yet fully fired. Bucket
    /// `ms % BUCKETS` holds the deadlines of millisecond `ms`, for `ms` in
    /// `cursor .. cursor + BUCKETS`.
    cursor: u64,
    next_generation: u64,
    /// Deadlines are kept as nanoseconds since this instant (exact to the
    /// nanosecond for 584 years).
    base: Instant,
    /// Reused by `fire_due`.
    due: Vec<Slot>,
}

impl Default for TimerWheel {
    fn default() -> TimerWheel {
        TimerWheel::new(Instant::now())
    }
}

impl TimerWheel {
    /// An empty store. `base` must not be later than any deadline that is
    /// still in the future when inserted: the runtime passes its clock's
    /// reading at creation.
    pub(crate) fn new(base: Instant) -> TimerWheel {
        TimerWheel {
            entries: Slab::new(),
            buckets: Vec::new(),
            occupied: [0; (BUCKETS / 64) as usize],
            later: BinaryHeap::new(),
            later_live: 0,
            later_seq: 0,
            cursor: 0,
            next_generation: 0,
            base,
            due: Vec::new(),
        }
    }

    /// A deadline as nanoseconds since the base; earlier than the base
    /// counts as the base (it is due anyway), beyond 584 years as "never".
    fn nanos(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.base);
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Adds a timer; `waker` is woken once `deadline` has passed.
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> TimerKey {
        self.next_generation += 1;
        let generation = self.next_generation;
        let deadline = self.nanos(deadline);
        let index = self.entries.insert(Entry {
            generation,
            // Filed for real just below.
            place: Place::Later { seq: 0 },
            waker,
        });
        self.file(Slot {
            deadline,
            generation,
            index,
        });
        TimerKey { index, generation }
    }

    /// Files `slot` in its bucket, or in `later` beyond the horizon, and
    /// records where in its entry.
    fn file(&mut self, slot: Slot) {
        // A deadline in a millisecond already passed goes to the current
        // one: it fires at the next `fire_due`.
        let ms = (slot.deadline / BUCKET_NS).max(self.cursor);
        let place = if ms < self.cursor + BUCKETS {
            if self.buckets.is_empty() {
                self.buckets = (0..BUCKETS).map(|_| Bucket::new()).collect();
            }
            let bucket = (ms % BUCKETS) as usize;
            let b = &mut self.buckets[bucket];
            b.timers.push(slot);
            if slot.deadline < b.min.get() {
                b.min.set(slot.deadline);
            }
            self.occupied[bucket / 64] |= 1 << (bucket % 64);
            Place::Bucket {
                bucket,
                pos: b.timers.len() - 1,
            }
        } else {
            self.later_seq += 1;
            self.later.push(Reverse(Later {
                deadline: slot.deadline,
                seq: self.later_seq,
                index: slot.index,
            }));
            self.later_live += 1;
            Place::Later {
                seq: self.later_seq,
            }
        };
        self.entries[slot.index].place = place;
    }

    /// True if `key` is still waiting (not fired, not cancelled).
    pub(crate) fn contains(&self, key: TimerKey) -> bool {
        self.entry(key).is_some()
    }

    /// Moves a waiting timer to `deadline`. False if it already fired.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: Instant) -> bool {
        if self.entry(key).is_none() {
            return false;
        }
        self.unfile(key.index);
        let deadline = self.nanos(deadline);
        self.file(Slot {
            deadline,
            generation: key.generation,
            index: key.index,
        });
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
            self.unfile(key.index);
            self.entries.remove(key.index);
        }
    }

    /// Takes entry `index`'s deadline out of its bucket (or marks its
    /// `later` item stale).
    fn unfile(&mut self, index: usize) {
        match self.entries[index].place {
            Place::Bucket { bucket, pos } => {
                let b = &mut self.buckets[bucket];
                let removed = b.timers.swap_remove(pos);
                if let Some(moved) = b.timers.get(pos) {
                    self.entries[moved.index].place = Place::Bucket { bucket, pos };
                }
                if b.timers.is_empty() {
                    self.mark_empty(bucket);
                } else if removed.deadline == b.min.get() {
                    b.stale.set(true);
                }
            }
            Place::Later { .. } => {
                self.later_live -= 1;
                // Stale items wait for the top; keep them from piling up
                // when many far timers are set and cancelled.
                if self.later.len() > 64 && self.later.len() > 2 * self.later_live {
                    let entries = &self.entries;
                    self.later
                        .retain(|Reverse(item)| is_live(entries, item, Some(index)));
                }
            }
        }
    }

    /// The earliest deadline, if any timer waits.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        self.drop_stale_later();
        let in_buckets = self
            .first_occupied(self.cursor, self.cursor + BUCKETS)
            .map(|ms| self.buckets[(ms % BUCKETS) as usize].min());
        let later = self.later.peek().map(|Reverse(item)| item.deadline);
        let nanos = match (in_buckets, later) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        // "Never" saturates to far in the future rather than wrapping.
        Some(
            self.base
                .checked_add(Duration::from_nanos(nanos))
                .unwrap_or_else(|| self.base + Duration::from_secs(86_400 * 365 * 100)),
        )
    }

    /// Removes every timer whose deadline is at or before `now` and pushes
    /// its waker onto `wakers`, earliest first. Returns how many fired.
    pub(crate) fn fire_due(&mut self, now: Instant, wakers: &mut Vec<Waker>) -> usize {
        if self.entries.is_empty() {
            // Nothing waits: forget stale `later` items, and keep the
            // cursor from lagging far behind.
            self.later.clear();
            self.cursor = self.cursor.max(self.nanos(now) / BUCKET_NS);
            return 0;
        }
        let now = self.nanos(now);
        let now_ms = now / BUCKET_NS;
        let mut due = std::mem::take(&mut self.due);

        // 1. Every bucket the cursor passes is due as a whole.
        if now_ms > self.cursor {
            let end = now_ms.min(self.cursor + BUCKETS);
            let mut ms = self.cursor;
            while let Some(found) = self.first_occupied(ms, end) {
                let bucket = (found % BUCKETS) as usize;
                due.append(&mut self.buckets[bucket].timers);
                self.mark_empty(bucket);
                ms = found + 1;
            }
            self.cursor = now_ms;
        }

        // 2. The horizon moved: bring `later` deadlines within it into the
        //    buckets (or straight into `due`).
        while let Some(&Reverse(item)) = self.later.peek() {
            if item.deadline / BUCKET_NS >= self.cursor + BUCKETS {
                break;
            }
            self.later.pop();
            if !is_live(&self.entries, &item, None) {
                continue;
            }
            self.later_live -= 1;
            let slot = Slot {
                deadline: item.deadline,
                generation: self.entries[item.index].generation,
                index: item.index,
            };
            if slot.deadline <= now {
                due.push(slot);
            } else {
                self.file(slot);
            }
        }

        // 3. The current millisecond: only what has passed.
        if let Some(b) = self.buckets.get_mut((self.cursor % BUCKETS) as usize) {
            if b.min() <= now {
                let bucket = (self.cursor % BUCKETS) as usize;
                let mut pos = 0;
                while pos < b.timers.len() {
                    if b.timers[pos].deadline <= now {
                        due.push(b.timers.swap_remove(pos));
                    } else {
                        self.entries[b.timers[pos].index].place = Place::Bucket { bucket, pos };
                        pos += 1;
                    }
                }
                if b.timers.is_empty() {
                    self.mark_empty(bucket);
                } else {
                    b.stale.set(true);
                }
            }
        }

        // 4. Wake in deadline order, the older timer first on a tie.
        due.sort_unstable();
        let fired = due.len();
        for slot in due.drain(..) {
            wakers.push(self.entries.remove(slot.index).waker);
        }
        self.due = due;
        fired
    }

    /// Timers waiting.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
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

    /// Records that `bucket` holds no timers any more.
    fn mark_empty(&mut self, bucket: usize) {
        let b = &self.buckets[bucket];
        b.min.set(u64::MAX);
        b.stale.set(false);
        self.occupied[bucket / 64] &= !(1 << (bucket % 64));
    }

    /// The first millisecond in `from .. end` whose bucket holds timers.
    /// Walks the bitmap a 64-bucket word at a time.
    fn first_occupied(&self, from: u64, end: u64) -> Option<u64> {
        let mut ms = from;
        while ms < end {
            let bucket = ms % BUCKETS;
            let word = self.occupied[(bucket / 64) as usize] >> (bucket % 64);
            if word != 0 {
                let found = ms + u64::from(word.trailing_zeros());
                return (found < end).then_some(found);
            }
            ms += 64 - bucket % 64;
        }
        None
    }

    /// Pops cancelled items off the top of `later`, so its top is real.
    fn drop_stale_later(&mut self) {
        while let Some(Reverse(item)) = self.later.peek() {
            if is_live(&self.entries, item, None) {
                break;
            }
            self.later.pop();
        }
    }
}

/// True if `item` is still where its entry says it is. `unfiling` names an
/// entry being moved out right now (its `place` is not updated yet).
fn is_live(entries: &Slab<Entry>, item: &Later, unfiling: Option<usize>) -> bool {
    if unfiling == Some(item.index) {
        return false;
    }
    entries
        .get(item.index)
        .is_some_and(|entry| entry.place == Place::Later { seq: item.seq })
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

    fn fire_all(heap: &mut TimerWheel, now: Instant) -> usize {
        let mut wakers = Vec::new();
        let fired = heap.fire_due(now, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        fired
    }

    #[test]
    fn timers_fire_in_deadline_order_and_equal_deadlines_in_insert_order() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut heap = TimerWheel::default();
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
        let mut heap = TimerWheel::default();
        let t0 = Instant::now();
        heap.insert(t0 + Duration::from_millis(5), numbered(0, &log));
        assert_eq!(fire_all(&mut heap, t0 + Duration::from_micros(4_999)), 0);
        assert_eq!(fire_all(&mut heap, t0 + Duration::from_millis(5)), 1);
    }

    #[test]
    fn reset_moves_a_timer_earlier_and_later() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut heap = TimerWheel::default();
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
        let mut heap = TimerWheel::default();
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
        let mut heap = TimerWheel::default();
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
        let mut heap = TimerWheel::default();
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
        assert!(heap.entries.is_empty() && heap.later.is_empty());
    }

    /// A waker that records its number in a shared log, for the model test.
    fn logging(n: u64, log: &Arc<std::sync::Mutex<Vec<u64>>>) -> Waker {
        struct Log(u64, Arc<std::sync::Mutex<Vec<u64>>>);
        impl ArcWake for Log {
            fn wake_by_ref(arc_self: &Arc<Self>) {
                arc_self.1.lock().unwrap().push(arc_self.0);
            }
        }
        futures_task::waker(Arc::new(Log(n, log.clone())))
    }

    #[test]
    fn matches_a_sorted_model_through_inserts_cancels_resets_and_jumps() {
        use std::collections::BTreeMap;

        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut wheel = TimerWheel::default();
        let t0 = wheel.base;
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        // The model: (deadline in µs, insertion number) -> key.
        let mut model: BTreeMap<(u64, u64), TimerKey> = BTreeMap::new();
        let mut keys: Vec<(u64, u64, TimerKey)> = Vec::new();
        let mut now_us = 0u64;
        for n in 0..20_000u64 {
            match next() % 10 {
                // Deadlines from the past to 5 s ahead: buckets and `later`.
                0..=4 => {
                    let at = (now_us + next() % 5_000_000).saturating_sub(1_000);
                    let key = wheel.insert(t0 + Duration::from_micros(at), logging(n, &log));
                    model.insert((at, n), key);
                    keys.push((at, n, key));
                }
                5 if !keys.is_empty() => {
                    let (at, id, key) = keys.swap_remove(next() as usize % keys.len());
                    wheel.cancel(key);
                    model.remove(&(at, id));
                }
                6 if !keys.is_empty() => {
                    let i = next() as usize % keys.len();
                    let (at, id, key) = keys[i];
                    if model.remove(&(at, id)).is_some() {
                        let new_at = now_us + next() % 3_000_000;
                        assert!(wheel.reset(key, t0 + Duration::from_micros(new_at)));
                        // A reset keeps the timer's age for tie-breaking.
                        model.insert((new_at, id), key);
                        keys[i] = (new_at, id, key);
                    }
                }
                _ => {
                    // Small steps and, now and then, a jump of seconds.
                    now_us += if next() % 50 == 0 {
                        next() % 4_000_000
                    } else {
                        next() % 700
                    };
                    let now = t0 + Duration::from_micros(now_us);
                    let expected_next = model.keys().next().map(|&(at, _)| at);
                    let got_next = wheel.next_deadline().map(|d| (d - t0).as_micros() as u64);
                    assert_eq!(got_next, expected_next, "next deadline");
                    let mut wakers = Vec::new();
                    let fired = wheel.fire_due(now, &mut wakers);
                    wakers.into_iter().for_each(Waker::wake);
                    let expected: Vec<u64> = model
                        .range(..=(now_us, u64::MAX))
                        .map(|(&(_, id), _)| id)
                        .collect();
                    model.retain(|&(at, _), _| at > now_us);
                    keys.retain(|(at, id, _)| model.contains_key(&(*at, *id)));
                    let got = std::mem::take(&mut *log.lock().unwrap());
                    assert_eq!(fired, expected.len());
                    assert_eq!(got, expected, "fired set or order differs at {now_us} µs");
                }
            }
            assert_eq!(wheel.len(), model.len());
        }
        // Everything left fires by the end of time, and nothing lingers.
        let mut wakers = Vec::new();
        wheel.fire_due(t0 + Duration::from_secs(3600), &mut wakers);
        assert_eq!(wheel.len(), 0);
        assert!(wheel.later.is_empty());
        assert!(wheel.buckets.iter().all(|b| b.timers.is_empty()));
    }

    #[test]
    fn far_timers_cancelled_in_bulk_do_not_pile_up() {
        let mut wheel = TimerWheel::default();
        let far = wheel.base + Duration::from_secs(60);
        for _ in 0..10_000 {
            let key = wheel.insert(far, futures_task::noop_waker());
            wheel.cancel(key);
        }
        assert_eq!(wheel.len(), 0);
        assert!(wheel.later.len() <= 64, "{} stale items", wheel.later.len());
    }

    #[test]
    fn a_million_timers_inserted_and_cancelled_leave_it_empty() {
        let mut wheel = TimerWheel::default();
        let t0 = wheel.base;
        let keys: Vec<_> = (0..1_000_000u64)
            .map(|i| {
                wheel.insert(
                    t0 + Duration::from_micros(i * 7 % 3_000_000),
                    futures_task::noop_waker(),
                )
            })
            .collect();
        assert_eq!(wheel.len(), 1_000_000);
        for key in keys {
            wheel.cancel(key);
        }
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.next_deadline(), None);
        assert!(wheel.buckets.iter().all(|b| b.timers.is_empty()));
        assert_eq!(wheel.occupied, [0; (BUCKETS / 64) as usize]);
    }
}
