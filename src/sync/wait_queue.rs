//! [`WaitQueue`]: the FIFO of parked futures that `Notify`, `Semaphore` and
//! the bounded `mpsc` channel share.
//!
//! A waiting future pushes a slot and keeps its key. Whoever hands out a
//! notification or permits pops the front slot, writes the outcome into it
//! and gets the waker back, to call after every `RefCell` borrow has ended.
//! The future reads the outcome at its next poll. A future dropped while it
//! waits removes its slot and, if an outcome had already been written,
//! passes it on: that is what makes the primitives cancel safe.

use std::collections::VecDeque;
use std::task::Waker;

use slab::Slab;

/// Parked waiters in arrival order, each with a state `S` the primitive
/// defines (what it waits for, or what it was given).
#[derive(Debug)]
pub(crate) struct WaitQueue<S> {
    /// Every live waiter, queued or already served; the key is what the
    /// waiting future keeps. A slab so a slot is O(1) to reach from its key.
    slots: Slab<Slot<S>>,
    /// Keys of the waiters still queued, oldest first: serving is FIFO.
    /// Only queued keys are here, so a freed (and reused) key never lingers.
    order: VecDeque<usize>,
}

/// One waiter.
#[derive(Debug)]
struct Slot<S> {
    /// The waker of the latest poll; taken when the waiter is served.
    waker: Option<Waker>,
    /// Whether the key is still in `order` (not yet served).
    queued: bool,
    /// What the waiter waits for, or what it was given.
    state: S,
}

impl<S> WaitQueue<S> {
    /// An empty queue; allocates nothing.
    pub(crate) const fn new() -> Self {
        WaitQueue {
            slots: Slab::new(),
            order: VecDeque::new(),
        }
    }

    /// Whether no waiter is queued (served but not yet removed ones do not
    /// count).
    pub(crate) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Queues a waiter at the back and returns its key.
    pub(crate) fn push(&mut self, state: S, waker: &Waker) -> usize {
        let key = self.slots.insert(Slot {
            waker: Some(waker.clone()),
            queued: true,
            state,
        });
        self.order.push_back(key);
        key
    }

    /// Stores the waker of a newer poll, cloning only if it changed.
    pub(crate) fn register(&mut self, key: usize, waker: &Waker) {
        let slot = &mut self.slots[key];
        match &slot.waker {
            Some(old) if old.will_wake(waker) => {}
            _ => slot.waker = Some(waker.clone()),
        }
    }

    /// The state of a waiter.
    pub(crate) fn state(&self, key: usize) -> &S {
        &self.slots[key].state
    }

    /// Whether a waiter is still queued (not served yet).
    pub(crate) fn is_queued(&self, key: usize) -> bool {
        self.slots[key].queued
    }

    /// The state of the oldest queued waiter.
    pub(crate) fn front(&self) -> Option<&S> {
        self.order.front().map(|&key| &self.slots[key].state)
    }

    /// Serves the oldest queued waiter: writes `state` into its slot and
    /// returns its waker, which the caller wakes once its borrows end.
    pub(crate) fn pop_front(&mut self, state: S) -> Option<Waker> {
        let key = self.order.pop_front()?;
        let slot = &mut self.slots[key];
        slot.queued = false;
        slot.state = state;
        slot.waker.take()
    }

    /// Frees a waiter's slot (queued or served) and returns its last state,
    /// so a dropped future can pass on what it was given.
    pub(crate) fn remove(&mut self, key: usize) -> S {
        let slot = self.slots.remove(key);
        if slot.queued {
            // Cancelled waiters are rare and usually recent: search from the back.
            if let Some(pos) = self.order.iter().rposition(|&k| k == key) {
                self.order.remove(pos);
            }
        }
        slot.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_task::noop_waker;

    #[test]
    fn serves_in_arrival_order_and_skips_removed_waiters() {
        let waker = noop_waker();
        let mut q = WaitQueue::new();
        let a = q.push(0, &waker);
        let b = q.push(0, &waker);
        let c = q.push(0, &waker);
        assert_eq!(q.remove(b), 0);
        assert!(q.pop_front(1).is_some());
        assert!(q.pop_front(2).is_some());
        assert!(q.pop_front(3).is_none());
        assert!(q.is_empty());
        assert_eq!((*q.state(a), *q.state(c)), (1, 2));
        assert!(!q.is_queued(a));
        assert_eq!(q.remove(a), 1);
        assert_eq!(q.remove(c), 2);
    }

    #[test]
    fn a_reused_key_is_not_served_twice() {
        let waker = noop_waker();
        let mut q = WaitQueue::new();
        let a = q.push("a", &waker);
        q.remove(a);
        let b = q.push("b", &waker);
        assert_eq!(q.front(), Some(&"b"));
        assert!(q.pop_front("served").is_some());
        assert!(q.pop_front("again").is_none());
        assert_eq!(q.remove(b), "served");
    }
}
