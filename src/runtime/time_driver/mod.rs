//! The time driver: the runtime's clock, the timer wheel, and the queue of
//! fired timers the loop has not woken yet, behind one small API:
//!
//! ```text
//!   Sleep::poll ──register(deadline, own task?, waker)──▶ wheel ── TimerKey
//!               ──retarget / reset / cancel(key)───────▶ wheel
//!   tick ── next_deadline() ─▶ how long mio may wait
//!        ── fire(limit, wake) ─▶ due timers leave the wheel in deadline
//!                                order; `limit` of them are woken now, the
//!                                rest wait in `fired` for the next ticks
//! ```
//!
//! A timer wakes a [`Target`]: the task's id when the task set it with its
//! own waker (firing queues the task, no waker is kept), else a waker.

mod clock;
mod target;
mod wheel;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::task::Waker;
use std::time::Instant;

pub(crate) use clock::Clock;
pub(crate) use target::Target;
pub(crate) use wheel::TimerKey;
use wheel::TimerWheel;

use super::task::TaskId;

/// One runtime's clock and timers. Only the loop's thread sees it.
pub(crate) struct TimeDriver {
    /// Real time, or paused for tests.
    clock: Clock,
    /// Pending timers, earliest deadline first.
    wheel: RefCell<TimerWheel<Target>>,
    /// What fired timers target and the loop has not woken yet, in
    /// deadline order (see [`fire`](TimeDriver::fire)).
    fired: RefCell<VecDeque<Target>>,
}

impl TimeDriver {
    /// A driver whose clock starts now, paused if `start_paused`.
    pub(crate) fn new(start_paused: bool) -> TimeDriver {
        let clock = Clock::new(start_paused);
        // Every future deadline is later than the clock's first reading.
        let wheel = RefCell::new(TimerWheel::new(clock.now()));
        TimeDriver {
            clock,
            wheel,
            fired: RefCell::new(VecDeque::new()),
        }
    }

    /// The runtime's clock.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Files a timer for `deadline` that wakes task `own` if given (the
    /// poll's waker is that task's own), else a clone of `waker`.
    pub(crate) fn register(
        &self,
        deadline: Instant,
        own: Option<TaskId>,
        waker: &Waker,
    ) -> TimerKey {
        self.wheel
            .borrow_mut()
            .insert(deadline, Target::for_poll(own, waker))
    }

    /// Makes a waiting timer wake what a poll with `own` and `waker` asks
    /// for. False if it no longer waits (fired, cancelled, stale key).
    pub(crate) fn retarget(&self, key: TimerKey, own: Option<TaskId>, waker: &Waker) -> bool {
        match self.wheel.borrow_mut().target_mut(key) {
            Some(target) => {
                target.update(own, waker);
                true
            }
            None => false,
        }
    }

    /// Moves a waiting timer to `deadline`; its new key, or `None` if it
    /// no longer waits.
    pub(crate) fn reset(&self, key: TimerKey, deadline: Instant) -> Option<TimerKey> {
        self.wheel.borrow_mut().reset(key, deadline)
    }

    /// Removes a timer that has not fired; a stale key does nothing.
    pub(crate) fn cancel(&self, key: TimerKey) {
        self.wheel.borrow_mut().cancel(key);
    }

    /// The earliest deadline still in the wheel.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.wheel.borrow_mut().next_deadline()
    }

    /// True while fired timers wait to be woken: work for the next tick.
    pub(crate) fn has_fired(&self) -> bool {
        !self.fired.borrow().is_empty()
    }

    /// Takes every timer whose deadline has passed out of the wheel and
    /// hands what they target to `wake`, earliest first: at most `limit`
    /// of them now, the rest first thing at the next calls. Returns how
    /// many left the wheel.
    pub(crate) fn fire(&self, limit: usize, mut wake: impl FnMut(Target)) -> usize {
        let mut fired = std::mem::take(&mut *self.fired.borrow_mut());
        let mut count = 0;
        if fired.len() < limit {
            count = self
                .wheel
                .borrow_mut()
                .fire_due(self.clock.now(), &mut fired);
        }
        let now = fired.len().min(limit);
        // Nothing is borrowed: a woken waker may set a timer. Most ticks
        // fire nothing; they skip making (and dropping) an empty drain.
        if now > 0 {
            for target in fired.drain(..now) {
                wake(target);
            }
        }
        *self.fired.borrow_mut() = fired;
        count
    }

    /// Takes the fired targets not yet woken, for the runtime's shutdown to
    /// drop (their wakers may run user code).
    pub(crate) fn take_fired(&self) -> VecDeque<Target> {
        std::mem::take(&mut *self.fired.borrow_mut())
    }

    /// Timers waiting in the wheel.
    pub(crate) fn len(&self) -> usize {
        self.wheel.borrow().len()
    }

    /// Waiting timers that name a task rather than keep a waker.
    #[cfg(test)]
    pub(crate) fn task_targets(&self) -> usize {
        self.wheel.borrow().count(Target::is_task)
    }

    /// Fired targets waiting to be woken.
    #[cfg(test)]
    pub(crate) fn fired_len(&self) -> usize {
        self.fired.borrow().len()
    }
}
