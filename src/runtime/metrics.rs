//! Counters a user can read at any time through [`Runtime::metrics`].
//!
//! They are plain `Cell`s bumped by the loop: no atomics, no locks, nothing
//! to switch on. Reading them copies them into a [`Metrics`] snapshot.
//!
//! [`Runtime::metrics`]: crate::Runtime::metrics

use std::cell::Cell;
use std::time::Duration;

use super::diagnostics::{Diagnostics, POLL_TIME_BUCKETS};

/// A snapshot of a runtime's counters.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new()?;
/// rt.block_on(async {
///     evloop::spawn(async {}).await.unwrap();
/// });
/// let m = rt.metrics();
/// assert_eq!(m.spawned_tasks, 1);
/// assert_eq!(m.alive_tasks, 0);
/// assert!(m.polls >= 1);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Tasks spawned since the runtime was built (local and remote).
    pub spawned_tasks: u64,
    /// Tasks spawned and not yet finished or dropped.
    pub alive_tasks: usize,
    /// Task polls (not counting `block_on`'s own future).
    pub polls: u64,
    /// Turns of the event loop.
    pub ticks: u64,
    /// Events returned by mio, the runtime's own wake-ups included.
    pub io_events: u64,
    /// Wakes that came from other threads, through the remote queue.
    pub remote_wakes: u64,
    /// Tasks spawned from other threads through a [`Handle`](crate::Handle).
    pub remote_spawns: u64,
    /// Polls longer than the slow-poll threshold
    /// ([`Builder::slow_poll_threshold`](crate::Builder::slow_poll_threshold)).
    pub slow_polls: u64,
    /// Timers that fired (sleeps, timeouts and interval ticks that came due).
    pub timers_fired: u64,
    /// Timers waiting in the store right now.
    pub pending_timers: usize,
    /// Sockets (and other I/O sources) registered with the reactor now.
    pub io_sources: usize,
    /// Blocking-pool threads alive right now (running a job or idle).
    pub blocking_threads: usize,
    /// Blocking jobs queued and waiting for a free pool thread.
    pub blocking_queue_depth: usize,
    /// Polls by duration, `block_on`'s included: bucket `i` counts polls
    /// shorter than [`Metrics::POLL_TIME_BUCKETS`]`[i]` (and not shorter than
    /// the bound before it); the last bucket counts the rest. Filled only
    /// while polls are timed (slow-poll detection or the trace is on, the
    /// default in debug builds).
    pub poll_time_histogram: [u64; 6],
}

impl Metrics {
    /// Upper bounds of [`poll_time_histogram`](Metrics::poll_time_histogram)'s
    /// first five buckets: 10 µs, 100 µs, 1 ms, 10 ms, 100 ms.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder()
    ///     .slow_poll_threshold(Some(std::time::Duration::from_secs(1)))
    ///     .build()?;
    /// rt.block_on(async {});
    /// let m = rt.metrics();
    /// let fast = m.poll_time_histogram[0] + m.poll_time_histogram[1];
    /// println!("{fast} polls under {:?}", evloop::Metrics::POLL_TIME_BUCKETS[1]);
    /// assert_eq!(m.poll_time_histogram.iter().sum::<u64>(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub const POLL_TIME_BUCKETS: [Duration; 5] = POLL_TIME_BUCKETS;
}

/// The live counters, owned by the loop.
#[derive(Default)]
pub(crate) struct MetricsCells {
    pub(crate) spawned: Cell<u64>,
    pub(crate) polls: Cell<u64>,
    pub(crate) ticks: Cell<u64>,
    pub(crate) io_events: Cell<u64>,
    pub(crate) remote_wakes: Cell<u64>,
    pub(crate) remote_spawns: Cell<u64>,
    pub(crate) timers_fired: Cell<u64>,
}

impl MetricsCells {
    pub(crate) fn snapshot(
        &self,
        alive_tasks: usize,
        pending_timers: usize,
        io_sources: usize,
        (blocking_threads, blocking_queue_depth): (usize, usize),
        diag: &Diagnostics,
    ) -> Metrics {
        Metrics {
            spawned_tasks: self.spawned.get(),
            alive_tasks,
            polls: self.polls.get(),
            ticks: self.ticks.get(),
            io_events: self.io_events.get(),
            remote_wakes: self.remote_wakes.get(),
            remote_spawns: self.remote_spawns.get(),
            slow_polls: diag.slow_polls.get(),
            timers_fired: self.timers_fired.get(),
            pending_timers,
            io_sources,
            blocking_threads,
            blocking_queue_depth,
            poll_time_histogram: std::array::from_fn(|i| diag.histogram[i].get()),
        }
    }
}
