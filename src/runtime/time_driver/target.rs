//! What a timer of the runtime wakes when it fires: the task that set it,
//! by id, or a waker.
//!
//! The timer wheel stores any target (`TimerWheel<T>`); this is the one the
//! runtime gives it. When the waker of the poll that sets or refreshes a
//! timer is the polled task's own (`Core::own_task` tells), the timer keeps
//! the task's id ([`Target::Task`]) and firing it queues the task directly:
//! no reference count, no trip through the task's waker header. Any other
//! waker is cloned and kept.

use std::task::Waker;

use crate::runtime::task::TaskId;

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

    /// Makes `self` wake what a later poll with `own` and `waker` asks for.
    /// The common re-poll, by the same task or with the same waker, keeps
    /// `self` and costs no clone.
    pub(crate) fn update(&mut self, own: Option<TaskId>, waker: &Waker) {
        if !self.is_for(own, waker) {
            *self = Target::for_poll(own, waker);
        }
    }

    /// True for a task's id.
    #[cfg(test)]
    pub(crate) fn is_task(&self) -> bool {
        matches!(self, Target::Task(_))
    }

    /// True if `self` already wakes what [`for_poll`](Target::for_poll)
    /// would make of `own` and `waker`.
    fn is_for(&self, own: Option<TaskId>, waker: &Waker) -> bool {
        match (self, own) {
            (Target::Task(id), Some(own)) => *id == own,
            (Target::Waker(kept), None) => kept.will_wake(waker),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use futures_task::ArcWake;

    use super::*;

    /// A waker that counts its wakes.
    struct Count(AtomicUsize);

    impl ArcWake for Count {
        fn wake_by_ref(arc_self: &Arc<Self>) {
            arc_self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn wake(target: Target) {
        match target {
            Target::Waker(waker) => waker.wake(),
            Target::Task(id) => panic!("a task target cannot be woken here: {id:?}"),
        }
    }

    #[test]
    fn update_replaces_only_a_different_waker() {
        let first = Arc::new(Count(AtomicUsize::new(0)));
        let second = Arc::new(Count(AtomicUsize::new(0)));
        let first_waker = futures_task::waker(first.clone());
        let mut target = Target::for_poll(None, &first_waker);
        let kept = Arc::strong_count(&first);
        target.update(None, &first_waker);
        assert_eq!(Arc::strong_count(&first), kept, "the same waker: no clone");
        target.update(None, &futures_task::waker(second.clone()));
        wake(target);
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn update_switches_between_the_task_and_a_waker() {
        let id = TaskId {
            index: 3,
            generation: 7,
        };
        let other = TaskId {
            index: 3,
            generation: 8,
        };
        let waker = futures_task::noop_waker();
        let mut target = Target::for_poll(Some(id), &waker);
        target.update(Some(other), &waker);
        assert!(matches!(target, Target::Task(kept) if kept == other));
        target.update(None, &waker);
        assert!(matches!(target, Target::Waker(_)));
        target.update(Some(id), &waker);
        assert!(matches!(target, Target::Task(kept) if kept == id));
    }
}
