//! The wheel proper: one bucket per millisecond of the next second, every
//! slot keeping its timer's exact deadline.
//!
//! - **A key names its slot.** A `TimerKey` is the bucket and position of
//!   the slot, plus a generation. Slots never move: a cancelled or fired
//!   slot is put on its bucket's free list and reused by the next insert
//!   into that bucket, and the generation tells a stale key from the slot's
//!   new owner. No side table maps keys to places.
//! - **Storage that is still warm.** A bucket that empties gives its slot
//!   storage to a small spare list, and the next bucket to fill takes it:
//!   its own storage was last used a second ago and has left the cache.
//! - **Fire**: every bucket the cursor passes is due as a whole, sorted on
//!   its way out; in the bucket of the current millisecond only the timers
//!   whose exact deadline passed fire, the rest wait for the next turn.
//!   Both orders come from `current.rs`.
//! - **Next deadline**: the first occupied bucket, found through a bitmap,
//!   and its minimum, kept as timers arrive and recomputed only after its
//!   minimum was removed.

use std::cell::Cell;

use super::current::{Current, SortKey};
use super::Due;

/// Buckets in the wheel: the horizon, in milliseconds. A power of two, and a
/// multiple of 64 for the occupancy bitmap.
pub(super) const BUCKETS: u64 = 1024;

/// Nanoseconds per bucket.
pub(super) const BUCKET_NS: u64 = 1_000_000;

/// One timer in a bucket.
#[derive(Debug)]
pub(super) struct Slot<T> {
    /// Nanoseconds since the wheel's `base`.
    pub(super) deadline: u64,
    /// Insertion order: among equal deadlines the older timer fires first.
    pub(super) generation: u64,
    /// `None` once the slot is free (fired or cancelled).
    pub(super) target: Option<T>,
}

/// The timers of one millisecond.
#[derive(Debug)]
struct Bucket<T> {
    slots: Vec<Slot<T>>,
    /// Positions of free slots in `slots`, reused by the next inserts.
    free: Vec<u32>,
    /// Slots in use.
    live: usize,
    /// The earliest deadline here (`u64::MAX` when empty). Exact unless
    /// `stale`; then a lower bound, recomputed when next asked for.
    min: Cell<u64>,
    stale: Cell<bool>,
}

impl<T> Bucket<T> {
    fn new() -> Bucket<T> {
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
    fn take(&mut self, pos: usize) -> Option<T> {
        let target = self.slots[pos].target.take()?;
        self.free.push(pos as u32);
        self.live -= 1;
        Some(target)
    }

    /// Forgets every slot (all of them free or taken already) and gives
    /// back their storage, emptied.
    fn clear(&mut self) -> Vec<Slot<T>> {
        let mut slots = std::mem::take(&mut self.slots);
        slots.clear();
        self.free.clear();
        self.live = 0;
        self.min.set(u64::MAX);
        self.stale.set(false);
        slots
    }
}

/// The timers due within the horizon, filed by millisecond.
#[derive(Debug)]
pub(super) struct Buckets<T> {
    /// Empty until the first timer within the horizon; then `BUCKETS`.
    buckets: Vec<Bucket<T>>,
    /// Bit `b` set when bucket `b` holds timers.
    occupied: [u64; (BUCKETS / 64) as usize],
    /// Timers in buckets.
    live: usize,
    /// The first millisecond (since `base`) not yet fully fired. Bucket
    /// `ms % BUCKETS` holds the deadlines of millisecond `ms`, for `ms` in
    /// `cursor .. cursor + BUCKETS`.
    cursor: u64,
    /// The cursor's bucket sorted, once it is partly due.
    current: Current,
    /// Slot storage of buckets that emptied, most recent last, for the
    /// next buckets to fill. A bucket comes round again only a second
    /// later, when its own storage has long left the cache; storage that
    /// was just fired from is still in it. Also bounds what idle buckets
    /// hold on to.
    spare: Vec<Vec<Slot<T>>>,
}

impl<T> Buckets<T> {
    pub(super) fn new() -> Buckets<T> {
        Buckets {
            buckets: Vec::new(),
            occupied: [0; (BUCKETS / 64) as usize],
            live: 0,
            cursor: 0,
            current: Current::new(),
            spare: Vec::new(),
        }
    }

    /// Timers waiting in buckets.
    pub(super) fn len(&self) -> usize {
        self.live
    }

    /// True if a timer due at `deadline` (nanoseconds since `base`) has a
    /// bucket: its millisecond is less than `BUCKETS` past the cursor.
    pub(super) fn covers(&self, deadline: u64) -> bool {
        deadline / BUCKET_NS < self.cursor + BUCKETS
    }

    /// Files a timer that [`covers`](Buckets::covers) says has a bucket,
    /// and returns the bucket and position of its slot.
    pub(super) fn file(&mut self, deadline: u64, generation: u64, target: T) -> (u32, u32) {
        // A deadline in a millisecond already passed goes to the current
        // one: it fires at the next `fire_due`.
        let ms = (deadline / BUCKET_NS).max(self.cursor);
        debug_assert!(ms < self.cursor + BUCKETS, "beyond the horizon");
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
        self.current.filed(ms, deadline, pos);
        self.live += 1;
        self.occupied[bucket / 64] |= 1 << (bucket % 64);
        (bucket as u32, pos)
    }

    /// The target of the waiting timer in slot `pos` of `bucket`, or `None`
    /// if the slot is free or `generation` is not its timer's (a stale key).
    pub(super) fn target_mut(&mut self, bucket: u32, pos: u32, generation: u64) -> Option<&mut T> {
        self.buckets
            .get_mut(bucket as usize)?
            .slots
            .get_mut(pos as usize)
            .filter(|slot| slot.generation == generation)?
            .target
            .as_mut()
    }

    /// Takes a waiting timer out and returns its target; a stale key gets
    /// `None`.
    pub(super) fn remove(&mut self, bucket: u32, pos: u32, generation: u64) -> Option<T> {
        self.target_mut(bucket, pos, generation)?;
        let bucket = bucket as usize;
        let b = &mut self.buckets[bucket];
        let target = b.take(pos as usize)?;
        self.live -= 1;
        if b.live == 0 {
            self.mark_empty(bucket);
        } else if b.slots[pos as usize].deadline == b.min.get() {
            b.stale.set(true);
        }
        Some(target)
    }

    /// The earliest deadline in the buckets, if any.
    pub(super) fn next_deadline(&self) -> Option<u64> {
        self.first_occupied(self.cursor, self.cursor + BUCKETS)
            .map(|ms| self.buckets[(ms % BUCKETS) as usize].min())
    }

    /// Moves the cursor up to `now` while no timer waits, so that it does
    /// not lag far behind.
    pub(super) fn skip_to(&mut self, now: u64) {
        debug_assert_eq!(self.live, 0);
        self.cursor = self.cursor.max(now / BUCKET_NS);
    }

    /// Takes every timer due at `now` out of the buckets onto `due`, in
    /// deadline order but for ties and deadlines filed late (see
    /// `SortKey`), which the wheel puts in exact order.
    pub(super) fn fire_due(&mut self, now: u64, due: &mut Vec<Due<T>>) {
        let now_ms = now / BUCKET_NS;

        // 1. Every bucket the cursor passes is due as a whole.
        if now_ms > self.cursor {
            let end = now_ms.min(self.cursor + BUCKETS);
            let mut ms = self.cursor;
            while let Some(found) = self.first_occupied(ms, end) {
                let bucket = (found % BUCKETS) as usize;
                let b = &mut self.buckets[bucket];
                self.live -= b.live;
                // Sorted bucket by bucket, the buckets in order: `due`
                // comes out sorted without sorting it whole.
                for key in self.current.sort_passed(&b.slots, found).drain(..) {
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
        let ms = self.cursor;
        let Some(b) = self.buckets.get_mut(bucket) else {
            return;
        };
        if b.live == 0 || b.min() > now {
            return;
        }
        self.current.index(&b.slots, ms);
        while let Some((pos, slot)) = self.current.next(&b.slots, ms) {
            if slot.deadline > now {
                break;
            }
            self.current.pop();
            let (deadline, generation) = (slot.deadline, slot.generation);
            if let Some(target) = b.take(pos) {
                self.live -= 1;
                due.push(Due {
                    deadline,
                    generation,
                    target,
                });
            }
        }
        if b.live == 0 {
            self.mark_empty(bucket);
        } else {
            // The next to fire is the minimum: no scan.
            let next = self.current.next(&b.slots, ms);
            b.min.set(next.map_or(u64::MAX, |(_, slot)| slot.deadline));
            b.stale.set(false);
        }
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
        self.current.forget(bucket);
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

    /// The targets of the waiting timers, in no particular order.
    #[cfg(test)]
    pub(super) fn targets(&self) -> impl Iterator<Item = &T> {
        let slots = self.buckets.iter().flat_map(|b| &b.slots);
        slots.filter_map(|slot| slot.target.as_ref())
    }

    /// True if no bucket holds a slot's storage or has its bit set.
    #[cfg(test)]
    pub(super) fn is_clear(&self) -> bool {
        self.buckets.iter().all(|b| b.slots.is_empty())
            && self.occupied == [0; (BUCKETS / 64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fires everything due at `now` (nanoseconds), in the order given.
    fn fire(buckets: &mut Buckets<u32>, now: u64) -> Vec<u32> {
        let mut due = Vec::new();
        buckets.fire_due(now, &mut due);
        due.into_iter().map(|due| due.target).collect()
    }

    #[test]
    fn cancel_removes_only_its_own_timer() {
        let mut buckets = Buckets::new();
        let (bucket, pos) = buckets.file(0, 1, 0);
        assert_eq!(buckets.remove(bucket, pos, 1), Some(0));
        // The slot is reused; the stale key must not cancel the new timer.
        let reused = buckets.file(0, 2, 1);
        assert_eq!(reused, (bucket, pos), "the freed slot is reused");
        assert_eq!(buckets.remove(bucket, pos, 1), None);
        assert!(buckets.target_mut(bucket, pos, 1).is_none());
        assert_eq!(buckets.target_mut(bucket, pos, 2), Some(&mut 1));
        assert_eq!(fire(&mut buckets, 0), [1]);
    }

    #[test]
    fn a_deadline_already_passed_is_filed_as_due_now() {
        let mut buckets = Buckets::new();
        assert!(fire(&mut buckets, 10 * BUCKET_NS).is_empty());
        buckets.file(10 * BUCKET_NS + 1, 1, 1);
        buckets.file(2 * BUCKET_NS, 2, 2); // its millisecond has passed
        assert_eq!(buckets.next_deadline(), Some(2 * BUCKET_NS));
        assert_eq!(fire(&mut buckets, 10 * BUCKET_NS), [2]);
        assert_eq!(fire(&mut buckets, 10 * BUCKET_NS + 1), [1]);
        assert!(buckets.is_clear());
    }

    #[test]
    fn the_horizon_is_a_second_past_the_cursor() {
        let mut buckets = Buckets::<u32>::new();
        assert!(buckets.covers(BUCKETS * BUCKET_NS - 1));
        assert!(!buckets.covers(BUCKETS * BUCKET_NS));
        fire(&mut buckets, 5 * BUCKET_NS);
        assert!(buckets.covers((BUCKETS + 5) * BUCKET_NS - 1));
        assert!(!buckets.covers((BUCKETS + 5) * BUCKET_NS));
    }
}
