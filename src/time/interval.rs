//! [`interval`], [`interval_at`], [`Interval`] and [`MissedTickBehavior`].

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;

use super::{sleep_until, Instant, Sleep};

/// Ticks every `period`, the first tick at once.
///
/// # Panics
///
/// If `period` is zero: an interval that never waits would starve the loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = evloop::Runtime::builder().start_paused(true).build()?;
/// rt.block_on(async {
///     let mut every = evloop::time::interval(Duration::from_secs(10));
///     let first = every.tick().await; // at once
///     let second = every.tick().await; // 10 s later (instantly: paused clock)
///     assert_eq!(second - first, Duration::from_secs(10));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        period > Duration::ZERO,
        "evloop::time::interval: the period must be greater than zero"
    );
    Interval {
        sleep: sleep_until(start),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed because the task did
/// not call `tick` in time (the same three choices as tokio's).
///
/// With a 10 ms period, ticks due at 10, 20, 30, ... and a task that was
/// busy from 15 until 37:
///
/// ```text
/// Burst: 37, 37, 40, 50, ...   fire the missed ticks at once, then on schedule
/// Delay: 37, 47, 57, ...       restart the schedule from now
/// Skip:  37, 40, 50, ...       drop the missed ticks, keep the schedule
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Catch up: missed ticks fire immediately, one per `tick` call.
    #[default]
    Burst,
    /// The next tick is one period after the late one.
    Delay,
    /// The next tick is the next one of the original schedule.
    Skip,
}

/// A late tick within this much of its time is not "missed": timers may
/// fire up to about a millisecond late, and that must not shift a `Delay`
/// schedule on every tick. (tokio uses the same 5 ms.)
const TOLERANCE: Duration = Duration::from_millis(5);

impl MissedTickBehavior {
    /// The deadline after a tick that was due at `due` and seen at `now`.
    fn next(self, due: Instant, now: Instant, period: Duration) -> Instant {
        if now <= due.saturating_add(TOLERANCE) {
            return due.saturating_add(period);
        }
        match self {
            MissedTickBehavior::Burst => due.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => {
                let behind = (now - due).as_nanos();
                let into_period = behind % period.as_nanos();
                // `into_period < period`, so this fits in a Duration.
                let to_next = period - Duration::from_nanos(into_period as u64);
                now.saturating_add(to_next)
            }
        }
    }
}

/// Ticks at a fixed period; made by [`interval`] and [`interval_at`]. Also
/// a [`Stream`] of tick instants.
#[derive(Debug)]
pub struct Interval {
    /// Waits for the next tick; its deadline is when that tick is due.
    sleep: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns when it was due.
    ///
    /// Cancel safe: dropping the future loses no tick.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick (the building block of `tick` and `Stream`).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let due = self.sleep.deadline();
        let next = self
            .missed_tick_behavior
            .next(due, Instant::now(), self.period);
        self.sleep.reset(next);
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.sleep.reset(Instant::now().saturating_add(self.period));
    }

    /// The next tick fires at once; the schedule continues from now.
    pub fn reset_immediately(&mut self) {
        self.sleep.reset(Instant::now());
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens to missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Chooses what happens to missed ticks (default `Burst`).
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missed_ticks_follow_the_chosen_behaviour() {
        let t0 = Instant::from_std(std::time::Instant::now());
        let ms = |n| t0 + Duration::from_millis(n);
        let period = Duration::from_millis(10);
        // Due at 20, seen at 37.
        let cases = [
            (MissedTickBehavior::Burst, ms(30)),
            (MissedTickBehavior::Delay, ms(47)),
            (MissedTickBehavior::Skip, ms(40)),
        ];
        for (behavior, want) in cases {
            assert_eq!(behavior.next(ms(20), ms(37), period), want, "{behavior:?}");
        }
        // Within the tolerance, every behaviour keeps the schedule.
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            assert_eq!(behavior.next(ms(20), ms(21), period), ms(30));
        }
    }
}
