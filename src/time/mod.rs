//! Time: [`sleep`], [`timeout`], [`interval`], [`Instant`], and a paused
//! clock for tests.
//!
//! The names and meanings follow `tokio::time`, so code ports by changing
//! imports. Two differences a porter will notice: deadlines are exact (no
//! 1 ms wheel: a 1 ms sleep comes back about 1 ms later, not 2), and
//! [`Sleep`] is `Unpin`.
//!
//! # How timers meet the loop
//!
//! Timers live in one store per runtime: a wheel of one-millisecond buckets
//! for the next second and a heap for later deadlines, every entry keeping
//! its exact deadline (see `runtime/time_driver/wheel/` for why). Each
//! tick the loop asks the store for the earliest deadline and gives mio that much time to wait; after the wait it fires
//! every timer whose deadline has passed, which wakes their tasks.
//!
//! # The paused clock
//!
//! A runtime built with [`Builder::start_paused`](crate::Builder::start_paused),
//! or after [`pause`], has a clock that only moves when told: by
//! [`advance`], or by the loop itself when every task is waiting and the
//! next thing that can happen is a timer (auto-advance). An hour of sleeps
//! then takes no real time. The loop does not jump while I/O events are
//! ready or a `spawn_blocking` job runs: those are progress the clock
//! cannot see.
//!
//! ```
//! use std::time::Duration;
//! use evloop::time::{self, Instant};
//!
//! let rt = evloop::Runtime::builder().start_paused(true).build()?;
//! rt.block_on(async {
//!     let start = Instant::now();
//!     for _ in 0..60 {
//!         time::sleep(Duration::from_secs(60)).await;
//!     }
//!     assert_eq!(start.elapsed(), Duration::from_secs(3600));
//! });
//! # Ok::<(), std::io::Error>(())
//! ```

mod instant;
mod interval;
mod sleep;
mod timeout;

use std::time::Duration;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

use crate::runtime::context;

/// Stops the current runtime's clock. Timers then fire only when the clock
/// is moved by [`advance`] or jumps forward by auto-advance.
///
/// # Panics
///
/// Outside a runtime.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     evloop::time::pause();
///     let t = evloop::time::Instant::now();
///     std::thread::sleep(std::time::Duration::from_millis(2));
///     assert_eq!(evloop::time::Instant::now(), t); // it stood still
/// });
/// ```
#[track_caller]
pub fn pause() {
    context::expect_current("evloop::time::pause")
        .time()
        .clock()
        .pause();
}

/// Lets the current runtime's clock run again at real speed, from where it
/// stood. Does nothing if it was not paused.
///
/// # Panics
///
/// Outside a runtime.
#[track_caller]
pub fn resume() {
    context::expect_current("evloop::time::resume")
        .time()
        .clock()
        .resume();
}

/// Moves the paused clock forward by `duration`, fires the timers that fell
/// due, and yields once so that their tasks can run. A `duration` too long
/// to represent (`Duration::MAX`) moves the clock about 30 years, as
/// [`sleep`] does, instead of overflowing.
///
/// # Panics
///
/// Outside a runtime, or if the clock is not paused (call [`pause`] or
/// build with [`Builder::start_paused`](crate::Builder::start_paused)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time;
///
/// let rt = evloop::Runtime::builder().start_paused(true).build()?;
/// rt.block_on(async {
///     let nap = evloop::spawn(time::sleep(Duration::from_secs(5)));
///     time::advance(Duration::from_secs(5)).await;
///     evloop::task::yield_now().await;
///     assert!(nap.is_finished());
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn advance(duration: Duration) {
    {
        let core = context::expect_current("evloop::time::advance");
        assert!(
            core.time().clock().is_paused(),
            "evloop::time::advance needs a paused clock: call evloop::time::pause() first, \
             or build the runtime with Builder::start_paused(true)"
        );
        // Saturating, as `sleep` and `timeout` are: `Duration::MAX` moves
        // the clock about 30 years, past every timer, instead of panicking.
        let clock = core.time().clock();
        let to = Instant::from_std(clock.now()).saturating_add(duration);
        clock.advance_to(to.into_std());
        core.fire_timers(usize::MAX);
    }
    crate::task::yield_now().await;
}
