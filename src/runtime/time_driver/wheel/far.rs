//! Timers beyond the horizon: a slab of timers and a binary heap of their
//! deadlines, the only heap left in the store.
//!
//! - **Insert**: into the slab, with the deadline pushed onto `later`.
//! - **Cancel**: frees the slab entry at once. Its item in `later` is
//!   dropped lazily when it reaches the top, and `later` is compacted when
//!   stale items outnumber live ones.
//! - **Fire**: the items at the top of `later` whose deadline passed. A far
//!   timer stays here until it fires; it never moves into a bucket.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use slab::Slab;

use super::Due;

/// A timer beyond the horizon, in the slab.
#[derive(Debug)]
struct Entry<T> {
    /// Tells this timer's key from a stale one, and orders it among timers
    /// due at the same nanosecond.
    generation: u64,
    deadline: u64,
    target: T,
}

/// A deadline beyond the horizon, as the `later` heap orders it: 16 bytes,
/// since 200,000 one-hour sleeps keep 200,000 of them.
///
/// It names its entry by index and deadline only. An item left behind by a
/// cancelled or reset timer whose slot now holds another timer with the
/// very same deadline fires that timer at its own deadline, which is
/// right; the timer's own item then finds it gone. Order among equal
/// deadlines comes from the entries' generations, when `fire_due` sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Later {
    deadline: u64,
    index: usize,
}

/// The timers filed beyond the horizon.
#[derive(Debug)]
pub(super) struct Far<T> {
    /// The timers, at the index their keys name.
    entries: Slab<Entry<T>>,
    /// Their deadlines, earliest on top; an item whose entry is gone or
    /// belongs to a later timer is stale.
    later: BinaryHeap<Reverse<Later>>,
}

impl<T> Far<T> {
    pub(super) fn new() -> Far<T> {
        Far {
            entries: Slab::new(),
            later: BinaryHeap::new(),
        }
    }

    /// Timers waiting here.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Files a timer and returns its index.
    pub(super) fn file(&mut self, deadline: u64, generation: u64, target: T) -> usize {
        let index = self.entries.insert(Entry {
            generation,
            deadline,
            target,
        });
        self.later.push(Reverse(Later { deadline, index }));
        index
    }

    /// The target of the waiting timer at `index`, or `None` if `generation`
    /// is not its timer's (a stale key).
    pub(super) fn target_mut(&mut self, index: usize, generation: u64) -> Option<&mut T> {
        self.entries
            .get_mut(index)
            .filter(|entry| entry.generation == generation)
            .map(|entry| &mut entry.target)
    }

    /// Takes a waiting timer out and returns its target; a stale key gets
    /// `None`.
    pub(super) fn remove(&mut self, index: usize, generation: u64) -> Option<T> {
        self.target_mut(index, generation)?;
        let entry = self.entries.remove(index);
        // Stale items wait for the top; keep them from piling up when many
        // far timers are set and cancelled.
        if self.later.len() > 64 && self.later.len() > 2 * self.entries.len() {
            let entries = &self.entries;
            self.later.retain(|Reverse(item)| is_live(entries, item));
        }
        Some(entry.target)
    }

    /// The earliest deadline here, if any.
    pub(super) fn next_deadline(&mut self) -> Option<u64> {
        // Pop cancelled items off the top, so that the top is real.
        while let Some(Reverse(item)) = self.later.peek() {
            if is_live(&self.entries, item) {
                break;
            }
            self.later.pop();
        }
        self.later.peek().map(|Reverse(item)| item.deadline)
    }

    /// Takes every timer due at `now` out onto `due`, earliest first.
    pub(super) fn fire_due(&mut self, now: u64, due: &mut Vec<Due<T>>) {
        while let Some(&Reverse(item)) = self.later.peek() {
            if item.deadline > now {
                break;
            }
            self.later.pop();
            if is_live(&self.entries, &item) {
                let entry = self.entries.remove(item.index);
                due.push(Due {
                    deadline: entry.deadline,
                    generation: entry.generation,
                    target: entry.target,
                });
            }
        }
    }

    /// Forgets the stale items once no timer waits here.
    pub(super) fn forget_stale(&mut self) {
        if self.entries.is_empty() {
            self.later.clear();
        }
    }

    /// The targets of the waiting timers, in no particular order.
    #[cfg(test)]
    pub(super) fn targets(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, entry)| &entry.target)
    }

    /// True if neither a timer nor a stale item is left.
    #[cfg(test)]
    pub(super) fn is_clear(&self) -> bool {
        self.entries.is_empty() && self.later.is_empty()
    }
}

/// True if `item` stands for the timer in its entry (or for another timer
/// with the same deadline in the same slot: see [`Later`]).
fn is_live<T>(entries: &Slab<Entry<T>>, item: &Later) -> bool {
    entries
        .get(item.index)
        .is_some_and(|entry| entry.deadline == item.deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fire(far: &mut Far<u32>, now: u64) -> Vec<u32> {
        let mut due = Vec::new();
        far.fire_due(now, &mut due);
        due.into_iter().map(|due| due.target).collect()
    }

    #[test]
    fn far_timers_fire_earliest_first_and_never_early() {
        let mut far = Far::new();
        far.file(30, 1, 0);
        far.file(10, 2, 1);
        far.file(20, 3, 2);
        assert_eq!(far.next_deadline(), Some(10));
        assert!(fire(&mut far, 9).is_empty());
        assert_eq!(fire(&mut far, 20), [1, 2]);
        assert_eq!(fire(&mut far, 100), [0]);
        assert!(far.is_clear());
    }

    #[test]
    fn a_stale_key_neither_finds_nor_removes_the_slots_next_timer() {
        let mut far = Far::new();
        let index = far.file(10, 1, 0);
        assert_eq!(far.remove(index, 1), Some(0));
        let reused = far.file(10, 2, 1);
        assert_eq!(reused, index, "the slab reuses the entry");
        assert_eq!(far.remove(index, 1), None);
        assert!(far.target_mut(index, 1).is_none());
        assert_eq!(far.next_deadline(), Some(10));
        assert_eq!(fire(&mut far, 10), [1]);
    }

    #[test]
    fn a_stale_item_never_fires_the_slots_next_timer_early() {
        let mut far = Far::new();
        let index = far.file(10, 1, 0);
        far.remove(index, 1);
        assert_eq!(far.file(20, 2, 1), index, "the same slot, a later deadline");
        assert!(
            fire(&mut far, 15).is_empty(),
            "the stale item at 10 is skipped"
        );
        assert_eq!(fire(&mut far, 20), [1]);
        assert!(far.is_clear());
        // A heap item is two words: it is per far timer (a one-hour sleep).
        assert_eq!(std::mem::size_of::<Later>(), 16);
    }

    #[test]
    fn far_timers_cancelled_in_bulk_do_not_pile_up() {
        let mut far = Far::new();
        for n in 0..10_000 {
            let index = far.file(60_000_000_000, n, 0u32);
            far.remove(index, n);
        }
        assert_eq!(far.len(), 0);
        assert!(far.later.len() <= 64, "{} stale items", far.later.len());
    }
}
