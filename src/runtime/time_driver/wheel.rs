//! The timer store: a wheel of one-millisecond buckets for the next second,
//! a heap for later deadlines, and exact deadlines everywhere.
//!
//! Why this shape. The first version was a binary heap indexed from a slab:
//! exact and simple, but each timer that fired cost a sift through a heap
//! the size of all pending timers, a cache miss per level once it outgrew
//! the cache. A wheel files each timer under its millisecond, so setting and
//! firing one is O(1) and touches one bucket's tail; but tokio's wheel also
//! rounds every deadline to its millisecond, which is where its extra
//! millisecond of lateness comes from. This wheel keeps the exact deadline
//! in each slot and fires a timer only once that instant passed.
//!
//! ```text
//!   cursor = first millisecond not yet processed (since `base`)
//!
//!   buckets (1024 of them, bucket = deadline_ms % 1024)
//!   ┌──────────┬──────────┬──────────┬─────┬──────────┐
//!   │ ms c     │ ms c+1   │ ms c+2   │ ... │ ms c+1023│   each: Vec of slots
//!   │ 5.2 → T3 │          │ 7.9 → W  │     │          │   (deadline, target)
//!   └──────────┴──────────┴──────────┴─────┴──────────┘
//!   later: binary heap of deadlines ≥ c+1024 ms at insert, fired from there
//! ```
//!
//! What makes a fired timer cheap, with 100,000 of them (`timer_fire`), is
//! how few separate places in memory it touches:
//!
//! - **A key names its slot.** A [`TimerKey`] is the bucket and position of
//!   the slot, plus a generation. Slots never move: a cancelled or fired
//!   slot is put on its bucket's free list and reused by the next insert
//!   into that bucket, and the generation tells a stale key from the slot's
//!   new owner. No side table maps keys to places.
//! - **A target, not always a waker.** When the waker is the polled task's
//!   own, the slot keeps the task's id ([`Target::Task`]) and firing it
//!   queues the task directly: no reference count, no trip through the
//!   task's waker header.
//! - **The current millisecond is sorted once.** A busy loop fires timers
//!   at every tick, dozens of times a millisecond. The first time the
//!   bucket of the current millisecond is partly due, its live slots are
//!   sorted into `current` as one-word keys ([`SortKey`]), latest first;
//!   each tick then pops what passed off the end. Buckets the cursor passes
//!   whole are sorted the same way, one by one, so the fired list comes out
//!   in order without sorting it whole.
//! - **Storage that is still warm.** A bucket that empties gives its slot
//!   storage to a small spare list, and the next bucket to fill takes it:
//!   its own storage was last used a second ago and has left the cache.
//!
//! The operations:
//!
//! - **Insert**: into a free slot (or onto the end) of the bucket of the
//!   deadline's millisecond; beyond the one-second horizon, into a slab with
//!   its deadline pushed onto `later`.
//! - **Fire** (`fire_due(now)`): every bucket the cursor passes is due as a
//!   whole; in the bucket of the current millisecond only the timers whose
//!   exact deadline passed fire, the rest wait for the next turn; so do the
//!   items at the top of `later`. Due timers are handed back in deadline
//!   order (equal deadlines: the older timer first).
//! - **Cancel**: frees the slot at once. An item in `later` is dropped lazily
//!   when it reaches the top, and `later` is compacted when stale items
//!   outnumber live ones.
//! - **Next deadline** (the loop's poll timeout): the first occupied bucket,
//!   found through a bitmap, and its minimum, kept as timers arrive and
//!   recomputed only after its minimum was removed; or the top of `later`.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;
use std::time::{Duration, Instant};

use slab::Slab;

use crate::runtime::task::TaskId;

/// Buckets in the wheel: the horizon, in milliseconds. A power of two, and a
/// multiple of 64 for the occupancy bitmap.
const BUCKETS: u64 = 1024;

/// Nanoseconds per bucket.
const BUCKET_NS: u64 = 1_000_000;

/// What a timer wakes when it fires.
#[derive(Debug)]
pub(crate) enum Target {
    /// A task of the runtime that owns the store: firing queues it by id.
    Task(TaskId),
    /// Any other waker (a combinator's, `block_on`'s, another runtime's).
    Waker(Waker),
}

impl Target {
    /// The target for a poll with `waker`: the task itself when `own` says
    /// the waker is the polled task's own, else a clone of the waker.
    pub(crate) fn for_poll(own: Option<TaskId>, waker: &Waker) -> Target {
        match own {
            Some(id) => Target::Task(id),
            None => Target::Waker(waker.clone()),
        }
    }

    /// True if `self` already wakes what [`for_poll`](Target::for_poll)
    /// would make of `own` and `waker` (the common re-poll costs no clone).
    fn is_for(&self, own: Option<TaskId>, waker: &Waker) -> bool {
        match (self, own) {
            (Target::Task(id), Some(own)) => *id == own,
            (Target::Waker(kept), None) => kept.will_wake(waker),
            _ => false,
        }
    }
}

/// Names one timer in the store: where its slot is, and the generation that
/// tells it apart from a later timer in the same slot, so a stale key is
/// harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    generation: u64,
    place: Place,
}

/// Where a timer is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// `buckets[bucket].slots[pos]`.
    Near { bucket: u32, pos: u32 },
    /// `far[index]`, its deadline in `later`.
    Far { index: usize },
}

/// One timer in a bucket.
#[derive(Debug)]
struct Slot {
    /// Nanoseconds since `base`.
    deadline: u64,
    /// Insertion order: among equal deadlines the older timer fires first.
    generation: u64,
    /// `None` once the slot is free (fired or cancelled).
    target: Option<Target>,
}

#[derive(Debug)]
struct Bucket {
    slots: Vec<Slot>,
    /// Positions of free slots in `slots`, reused by the next inserts.
    free: Vec<u32>,
    /// Slots in use.
    live: usize,
    /// The earliest deadline here (`u64::MAX` when empty). Exact unless
    /// `stale`; then a lower bound, recomputed when next asked for.
    min: Cell<u64>,
    stale: Cell<bool>,
}

impl Bucket {
    fn new() -> Bucket {
        Bucket {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            min: Cell::new(u64::MAX),
            stale: Cell::new(false),
        }
    }

    fn min(&self) -> u64 {
        if self.stale.replace(false) {
            let live = self.slots.iter().filter(|s| s.target.is_some());
            self.min
                .set(live.map(|s| s.deadline).min().unwrap_or(u64::MAX));
        }
        self.min.get()
    }

    /// Frees slot `pos` and returns its target.
    fn take(&mut self, pos: usize) -> Option<Target> {
        let target = self.slots[pos].target.take()?;
        self.free.push(pos as u32);
        self.live -= 1;
        Some(target)
    }

    /// Forgets every slot (all of them free or taken already) and gives
    /// back their storage, emptied.
    fn clear(&mut self) -> Vec<Slot> {
        let mut slots = std::mem::take(&mut self.slots);
        slots.clear();
        self.free.clear();
        self.live = 0;
        self.min.set(u64::MAX);
        self.stale.set(false);
        slots
    }
}

/// A timer beyond the horizon, in the `far` slab.
#[derive(Debug)]
struct Far {
    /// With the deadline, tells the `later` item of this timer from a stale
    /// one: a reset keeps the generation and may get the same slab index.
    generation: u64,
    deadline: u64,
    target: Target,
}

/// A deadline beyond the horizon, as the `later` heap orders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Later {
    deadline: u64,
    generation: u64,
    index: usize,
}

/// A timer's place in the order of its bucket, in one word: the nanosecond
/// of its deadline within the bucket's millisecond in the high half (0 for
/// a deadline already past when it was filed), its slot in the low half.
/// A busy loop sorts every timer once, and sorting words is several times
/// cheaper than sorting (deadline, age) pairs. The order it gives is exact
/// except among equal words' deadlines (ties, deadlines filed late), which
/// `fire_due` puts in exact order at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey(u64);

impl SortKey {
    fn new(deadline: u64, ms: u64, pos: u32) -> SortKey {
        let offset = deadline.saturating_sub(ms * BUCKET_NS).min(BUCKET_NS - 1);
        SortKey(offset << 32 | u64::from(pos))
    }

    fn pos(self) -> usize {
        (self.0 & u64::from(u32::MAX)) as usize
    }
}

/// A timer that fired, before the due list is sorted.
#[derive(Debug)]
struct Due {
    deadline: u64,
    generation: u64,
    target: Target,
}

/// Pending timers, earliest deadline first.
#[derive(Debug)]
pub(crate) struct TimerWheel {
    /// Empty until the first timer within the horizon; then `BUCKETS`.
    buckets: Vec<Bucket>,
    /// Bit `b` set when bucket `b` holds timers.
    occupied: [u64; (BUCKETS / 64) as usize],
    /// Timers in buckets.
    near_live: usize,
    /// Timers filed beyond the horizon.
    far: Slab<Far>,
    /// Their deadlines, earliest on top; an item whose `far` entry is gone
    /// or belongs to a later timer is stale.
    later: BinaryHeap<Reverse<Later>>,
    /// The first millisecond (since `base`) not yet fully fired. Bucket
    /// `ms % BUCKETS` holds the deadlines of millisecond `ms`, for `ms` in
    /// `cursor .. cursor + BUCKETS`.
    cursor: u64,
    /// The timers of the current millisecond's bucket sorted latest first,
    /// so the next to fire is at the end; built the first time that bucket
    /// is partly due, valid while `indexed == Some(cursor)`. The loop fires
    /// timers at every tick, many times a millisecond when it is busy:
    /// scanning the whole bucket each time cost more than the firing, and
    /// popping a heap cost more than one sort. Items of timers cancelled
    /// since are skipped.
    current: Vec<SortKey>,
    indexed: Option<u64>,
    /// Reused by `fire_due` to sort a bucket that passed.
    order: Vec<SortKey>,
    next_generation: u64,
    /// Deadlines are kept as nanoseconds since this instant (exact to the
    /// nanosecond for 584 years).
    base: Instant,
    /// Reused by `fire_due`.
    due: Vec<Due>,
    /// Slot storage of buckets that emptied, most recent last, for the
    /// next buckets to fill. A bucket comes round again only a second
    /// later, when its own storage has long left the cache; storage that
    /// was just fired from is still in it. Also bounds what idle buckets
    /// hold on to.
    spare: Vec<Vec<Slot>>,
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
            buckets: Vec::new(),
            occupied: [0; (BUCKETS / 64) as usize],
            near_live: 0,
            far: Slab::new(),
            later: BinaryHeap::new(),
            cursor: 0,
            current: Vec::new(),
            indexed: None,
            order: Vec::new(),
            next_generation: 0,
            base,
            due: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// A deadline as nanoseconds since the base; earlier than the base
    /// counts as the base (it is due anyway), beyond 584 years as "never".
    fn nanos(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.base);
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Adds a timer that wakes `target` once `deadline` has passed.
    pub(crate) fn insert(&mut self, deadline: Instant, target: Target) -> TimerKey {
        self.next_generation += 1;
        let deadline = self.nanos(deadline);
        self.file(deadline, self.next_generation, target)
    }

    /// Files a timer in its bucket, or in `far` beyond the horizon.
    fn file(&mut self, deadline: u64, generation: u64, target: Target) -> TimerKey {
        // A deadline in a millisecond already passed goes to the current
        // one: it fires at the next `fire_due`.
        let ms = (deadline / BUCKET_NS).max(self.cursor);
        if ms >= self.cursor + BUCKETS {
            let index = self.far.insert(Far {
                generation,
                deadline,
                target,
            });
            self.later.push(Reverse(Later {
                deadline,
                generation,
                index,
            }));
            return TimerKey {
                generation,
                place: Place::Far { index },
            };
        }
        if self.buckets.is_empty() {
            self.buckets = (0..BUCKETS).map(|_| Bucket::new()).collect();
        }
        let bucket = (ms % BUCKETS) as usize;
        let b = &mut self.buckets[bucket];
        if b.slots.capacity() == 0 {
            b.slots = self.spare.pop().unwrap_or_default();
        }
        let slot = Slot {
            deadline,
            generation,
            target: Some(target),
        };
        let pos = match b.free.pop() {
            Some(pos) => {
                b.slots[pos as usize] = slot;
                pos
            }
            None => {
                b.slots.push(slot);
                (b.slots.len() - 1) as u32
            }
        };
        b.live += 1;
        if deadline < b.min.get() {
            b.min.set(deadline);
        }
        if self.indexed == Some(ms) {
            let key = SortKey::new(deadline, ms, pos);
            let at = self.current.partition_point(|other| *other > key);
            self.current.insert(at, key);
        }
        self.near_live += 1;
        self.occupied[bucket / 64] |= 1 << (bucket % 64);
        TimerKey {
            generation,
            place: Place::Near {
                bucket: bucket as u32,
                pos,
            },
        }
    }

    /// The target of a waiting timer, or `None` for a stale key.
    fn target_mut(&mut self, key: TimerKey) -> Option<&mut Target> {
        match key.place {
            Place::Near { bucket, pos } => self
                .buckets
                .get_mut(bucket as usize)?
                .slots
                .get_mut(pos as usize)
                .filter(|slot| slot.generation == key.generation)?
                .target
                .as_mut(),
            Place::Far { index } => self
                .far
                .get_mut(index)
                .filter(|far| far.generation == key.generation)
                .map(|far| &mut far.target),
        }
    }

    /// True if `key` is still waiting (not fired, not cancelled).
    #[cfg(test)]
    fn contains(&mut self, key: TimerKey) -> bool {
        self.target_mut(key).is_some()
    }

    /// Moves a waiting timer to `deadline` and returns its new key (it
    /// keeps its age for tie-breaking); `None` if it already fired.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: Instant) -> Option<TimerKey> {
        let target = self.remove(key)?;
        let deadline = self.nanos(deadline);
        Some(self.file(deadline, key.generation, target))
    }

    /// Makes a waiting timer wake what a poll with `own` and `waker` asks
    /// for, if it wakes something else now. False if the timer is no longer
    /// waiting (fired, cancelled, or a stale key).
    pub(crate) fn set_target(&mut self, key: TimerKey, own: Option<TaskId>, waker: &Waker) -> bool {
        let Some(target) = self.target_mut(key) else {
            return false;
        };
        if !target.is_for(own, waker) {
            *target = Target::for_poll(own, waker);
        }
        true
    }

    /// Removes a timer that has not fired; a stale key does nothing.
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        drop(self.remove(key));
    }

    /// Takes a waiting timer out of the store and returns its target.
    fn remove(&mut self, key: TimerKey) -> Option<Target> {
        self.target_mut(key)?;
        match key.place {
            Place::Near { bucket, pos } => {
                let bucket = bucket as usize;
                let b = &mut self.buckets[bucket];
                let target = b.take(pos as usize)?;
                self.near_live -= 1;
                if b.live == 0 {
                    self.mark_empty(bucket);
                } else if b.slots[pos as usize].deadline == b.min.get() {
                    b.stale.set(true);
                }
                Some(target)
            }
            Place::Far { index } => {
                let far = self.far.remove(index);
                // Stale items wait for the top; keep them from piling up
                // when many far timers are set and cancelled.
                if self.later.len() > 64 && self.later.len() > 2 * self.far.len() {
                    let live = &self.far;
                    self.later.retain(|Reverse(item)| is_live(live, item));
                }
                Some(far.target)
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
    /// its target onto `fired`, earliest first. Returns how many fired.
    pub(crate) fn fire_due(&mut self, now: Instant, fired: &mut impl Extend<Target>) -> usize {
        if self.len() == 0 {
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
                let b = &mut self.buckets[bucket];
                self.near_live -= b.live;
                // Sorted bucket by bucket, the buckets in order: `due`
                // comes out sorted without sorting it whole. The bucket
                // that was current is sorted already (latest first).
                if self.indexed == Some(found) {
                    std::mem::swap(&mut self.order, &mut self.current);
                    self.order.reverse();
                } else {
                    sort_live(&b.slots, found, &mut self.order);
                }
                for key in self.order.drain(..) {
                    // A cancelled timer's key finds its slot free, or
                    // reused by a later timer that has a key of its own.
                    let slot = &mut b.slots[key.pos()];
                    if SortKey::new(slot.deadline, found, key.pos() as u32) != key {
                        continue;
                    }
                    if let Some(target) = slot.target.take() {
                        due.push(Due {
                            deadline: slot.deadline,
                            generation: slot.generation,
                            target,
                        });
                    }
                }
                self.mark_empty(bucket);
                ms = found + 1;
            }
            self.cursor = now_ms;
        }

        // 2. The current millisecond: only what has passed, earliest first.
        let bucket = (self.cursor % BUCKETS) as usize;
        if self
            .buckets
            .get(bucket)
            .is_some_and(|b| b.live > 0 && b.min() <= now)
        {
            self.index_current();
            let ms = self.cursor;
            while let Some(&top) = self.current.last() {
                let b = &mut self.buckets[bucket];
                let slot = &b.slots[top.pos()];
                let live = slot.target.is_some()
                    && SortKey::new(slot.deadline, ms, top.pos() as u32) == top;
                if live && slot.deadline > now {
                    break;
                }
                self.current.pop();
                let (deadline, generation) = (slot.deadline, slot.generation);
                if let Some(target) = live.then(|| b.take(top.pos())).flatten() {
                    self.near_live -= 1;
                    due.push(Due {
                        deadline,
                        generation,
                        target,
                    });
                }
            }
            if self.buckets[bucket].live == 0 {
                self.mark_empty(bucket);
            } else {
                self.current_min(bucket);
            }
        }

        // 3. Beyond the horizon: what reached the top of `later`.
        while let Some(&Reverse(item)) = self.later.peek() {
            if item.deadline > now {
                break;
            }
            self.later.pop();
            if is_live(&self.far, &item) {
                due.push(Due {
                    deadline: item.deadline,
                    generation: item.generation,
                    target: self.far.remove(item.index).target,
                });
            }
        }

        // 4. Hand out in deadline order, the older timer first on a tie.
        //    Gathered bucket by bucket, `due` is in order already unless
        //    ties, deadlines filed late or far timers joined it.
        let key = |due: &Due| (due.deadline, due.generation);
        if !due.windows(2).all(|pair| key(&pair[0]) <= key(&pair[1])) {
            due.sort_unstable_by_key(key);
        }
        let count = due.len();
        fired.extend(due.drain(..).map(|due| due.target));
        self.due = due;
        count
    }

    /// Waiting timers that name a task rather than keep a waker.
    #[cfg(test)]
    pub(crate) fn task_targets(&self) -> usize {
        let near = self.buckets.iter().flat_map(|b| &b.slots);
        let near = near.filter_map(|slot| slot.target.as_ref());
        let far = self.far.iter().map(|(_, far)| &far.target);
        near.chain(far)
            .filter(|target| matches!(target, Target::Task(_)))
            .count()
    }

    /// Timers waiting.
    pub(crate) fn len(&self) -> usize {
        self.near_live + self.far.len()
    }

    /// Sorts the live slots of the cursor's bucket into `current`, unless
    /// that is done already.
    fn index_current(&mut self) {
        if self.indexed == Some(self.cursor) {
            return;
        }
        let b = &self.buckets[(self.cursor % BUCKETS) as usize];
        sort_live(&b.slots, self.cursor, &mut self.current);
        self.current.reverse();
        self.indexed = Some(self.cursor);
    }

    /// Sets the minimum of the indexed current bucket from `current`,
    /// dropping items of cancelled timers off its end: no scan.
    fn current_min(&mut self, bucket: usize) {
        let b = &self.buckets[bucket];
        let ms = self.cursor;
        let mut min = u64::MAX;
        while let Some(&top) = self.current.last() {
            let slot = &b.slots[top.pos()];
            if slot.target.is_some() && SortKey::new(slot.deadline, ms, top.pos() as u32) == top {
                min = slot.deadline;
                break;
            }
            self.current.pop();
        }
        b.min.set(min);
        b.stale.set(false);
    }

    /// Empties `bucket`, all of whose slots are free, and clears its bit.
    fn mark_empty(&mut self, bucket: usize) {
        /// Enough for the buckets a busy millisecond fills.
        const SPARE: usize = 8;
        let slots = self.buckets[bucket].clear();
        if slots.capacity() > 0 && self.spare.len() < SPARE {
            self.spare.push(slots);
        }
        self.occupied[bucket / 64] &= !(1 << (bucket % 64));
        if self
            .indexed
            .is_some_and(|ms| (ms % BUCKETS) as usize == bucket)
        {
            self.indexed = None;
            self.current.clear();
        }
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
            if is_live(&self.far, item) {
                break;
            }
            self.later.pop();
        }
    }
}

/// Fills `into` with the keys of the live slots of the bucket of
/// millisecond `ms`, earliest first (see [`SortKey`] for the exceptions).
fn sort_live(slots: &[Slot], ms: u64, into: &mut Vec<SortKey>) {
    into.clear();
    let live = slots
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.target.is_some());
    into.extend(live.map(|(pos, slot)| SortKey::new(slot.deadline, ms, pos as u32)));
    into.sort_unstable();
}

/// True if `item` still stands for the timer in its `far` entry.
fn is_live(far: &Slab<Far>, item: &Later) -> bool {
    far.get(item.index)
        .is_some_and(|entry| entry.generation == item.generation && entry.deadline == item.deadline)
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

    fn numbered(n: usize, log: &Arc<std::sync::Mutex<Vec<usize>>>) -> Target {
        Target::Waker(futures_task::waker(Arc::new(Numbered(n, log.clone()))))
    }

    /// Wakes what fired; a task target cannot occur in these tests.
    fn wake_all(fired: Vec<Target>) {
        for target in fired {
            match target {
                Target::Waker(waker) => waker.wake(),
                Target::Task(id) => panic!("no task timers here: {id:?}"),
            }
        }
    }

    fn noop() -> Target {
        Target::Waker(futures_task::noop_waker())
    }

    /// A small deterministic generator: no dependency, same run each time.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    fn fire_all(heap: &mut TimerWheel, now: Instant) -> usize {
        let mut fired = Vec::new();
        let count = heap.fire_due(now, &mut fired);
        wake_all(fired);
        count
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
        let b = heap.reset(b, ms(5)).unwrap();
        assert_eq!(heap.next_deadline(), Some(ms(5)));
        assert!(heap.reset(b, ms(50)).is_some());
        assert_eq!(heap.next_deadline(), Some(ms(10)));
        fire_all(&mut heap, ms(100));
        assert_eq!(*log.lock().unwrap(), [0, 1]);
        assert!(
            heap.reset(a, ms(1)).is_none(),
            "a fired timer cannot be reset"
        );
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
    fn set_target_replaces_only_a_different_waker() {
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
        let key = heap.insert(t0, Target::Waker(futures_task::waker(first.clone())));
        heap.set_target(key, None, &futures_task::waker(second.clone()));
        let mut fired = Vec::new();
        heap.fire_due(t0, &mut fired);
        wake_all(fired);
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn random_inserts_and_cancels_keep_the_heap_ordered() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d_u64);
        let mut heap = TimerWheel::default();
        let t0 = Instant::now();
        let mut live = Vec::new();
        for _ in 0..5_000 {
            if next() % 3 == 0 && !live.is_empty() {
                let key = live.swap_remove(next() as usize % live.len());
                heap.cancel(key);
            } else {
                let at = t0 + Duration::from_micros(next() % 1_000);
                live.push(heap.insert(at, noop()));
            }
        }
        assert_eq!(heap.len(), live.len());
        let mut last = t0;
        while let Some(deadline) = heap.next_deadline() {
            assert!(deadline >= last, "popped out of order");
            last = deadline;
            heap.fire_due(deadline, &mut Vec::new());
        }
        assert_eq!(heap.len(), 0);
        assert!(heap.far.is_empty() && heap.later.is_empty());
    }

    /// A waker that records its number in a shared log, for the model test.
    fn logging(n: u64, log: &Arc<std::sync::Mutex<Vec<u64>>>) -> Target {
        struct Log(u64, Arc<std::sync::Mutex<Vec<u64>>>);
        impl ArcWake for Log {
            fn wake_by_ref(arc_self: &Arc<Self>) {
                arc_self.1.lock().unwrap().push(arc_self.0);
            }
        }
        Target::Waker(futures_task::waker(Arc::new(Log(n, log.clone()))))
    }

    #[test]
    fn matches_a_sorted_model_through_inserts_cancels_resets_and_jumps() {
        use std::collections::BTreeMap;

        let mut next = xorshift(0x9e37_79b9_7f4a_7c15_u64);
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
                        let key = wheel.reset(key, t0 + Duration::from_micros(new_at));
                        let key = key.expect("a waiting timer can be reset");
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
                    let fired = fire_all(&mut wheel, now);
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
        wheel.fire_due(t0 + Duration::from_secs(3600), &mut Vec::new());
        assert_eq!(wheel.len(), 0);
        assert!(wheel.later.is_empty() && wheel.far.is_empty());
        assert!(wheel.buckets.iter().all(|b| b.slots.is_empty()));
    }

    #[test]
    fn crowded_buckets_fire_in_exact_order() {
        // Thousands of timers per millisecond, with equal deadlines,
        // deadlines already past when filed, and cancels.
        let mut next = xorshift(0x1234_5678_9abc_def1_u64);
        let mut wheel = TimerWheel::default();
        let t0 = wheel.base;
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut expected = Vec::new();
        // Move the cursor to 10 ms, so deadlines before it are "past".
        wheel.fire_due(t0 + Duration::from_millis(10), &mut Vec::new());
        for n in 0..6_000u64 {
            let ns = match next() % 4 {
                0 => 10_500_000,                      // equal deadlines
                1 => next() % 10_000_000,             // past: filed as due
                _ => 10_000_000 + next() % 3_000_000, // ms 10, 11 and 12
            };
            let key = wheel.insert(t0 + Duration::from_nanos(ns), logging(n, &log));
            if next() % 5 == 0 {
                wheel.cancel(key);
            } else {
                expected.push((ns, n));
            }
        }
        expected.sort_unstable();
        // Part of ms 10 (the sorted index), then the rest (whole buckets).
        for now_ns in [10_400_000, 10_500_000, 13_000_000] {
            fire_all(&mut wheel, t0 + Duration::from_nanos(now_ns));
        }
        let fired = std::mem::take(&mut *log.lock().unwrap());
        let expected: Vec<u64> = expected.into_iter().map(|(_, n)| n).collect();
        assert_eq!(fired, expected);
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn the_bucket_sort_orders_by_deadline() {
        let mut next = xorshift(0x0bad_cafe_f00d_d00d_u64);
        let ms = 7;
        for len in [10, 63, 64, 3_000] {
            let slots: Vec<Slot> = (0..len)
                .map(|n| Slot {
                    deadline: match next() % 3 {
                        0 => ms * BUCKET_NS + 400_000,      // equal deadlines
                        1 => next() % (ms * BUCKET_NS + 1), // filed late
                        _ => ms * BUCKET_NS + next() % BUCKET_NS,
                    },
                    // Ages out of slot order, as after reused slots.
                    generation: next() % 1_000_000 + 1,
                    target: (n % 7 != 0).then(noop),
                })
                .collect();
            let mut sorted = Vec::new();
            sort_live(&slots, ms, &mut sorted);
            // Every live slot once, by deadline; deadlines filed late count
            // as the millisecond's start (`fire_due` orders those itself).
            let clamp = |deadline: u64| deadline.max(ms * BUCKET_NS);
            let got: Vec<u64> = sorted
                .iter()
                .map(|key| clamp(slots[key.pos()].deadline))
                .collect();
            let mut expected: Vec<u64> = slots
                .iter()
                .filter(|slot| slot.target.is_some())
                .map(|slot| clamp(slot.deadline))
                .collect();
            expected.sort_unstable();
            assert_eq!(got, expected, "{len} slots");
            let mut positions: Vec<usize> = sorted.iter().map(|key| key.pos()).collect();
            positions.sort_unstable();
            positions.dedup();
            assert_eq!(positions.len(), expected.len());
        }
    }

    #[test]
    fn far_timers_cancelled_in_bulk_do_not_pile_up() {
        let mut wheel = TimerWheel::default();
        let far = wheel.base + Duration::from_secs(60);
        for _ in 0..10_000 {
            let key = wheel.insert(far, noop());
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
            .map(|i| wheel.insert(t0 + Duration::from_micros(i * 7 % 3_000_000), noop()))
            .collect();
        assert_eq!(wheel.len(), 1_000_000);
        for key in keys {
            wheel.cancel(key);
        }
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.next_deadline(), None);
        assert!(wheel.buckets.iter().all(|b| b.slots.is_empty()));
        assert_eq!(wheel.occupied, [0; (BUCKETS / 64) as usize]);
    }
}
