//! What the loop records about its tasks so a person can see inside it:
//! names and spawn locations, poll counts and poll time, slow-poll
//! warnings, and the one-line-per-tick trace.
//!
//! Everything that costs more than a counter bump is behind a branch on a
//! setting: with tracing and slow-poll detection off (the release default)
//! the loop neither reads the clock around polls nor formats anything.

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::Location;
use std::time::{Duration, Instant};

/// How a task was spawned: what the dump, the trace and the slow-poll
/// warning call it. `Send`, because remote spawns carry it across threads.
#[derive(Debug, Clone)]
pub(crate) struct SpawnMeta {
    /// The name given through `task::Builder::name`, if any.
    pub(crate) name: Option<Box<str>>,
    /// Where `spawn` was called (`#[track_caller]`).
    pub(crate) location: &'static Location<'static>,
}

impl SpawnMeta {
    /// An unnamed task spawned at the caller's location.
    #[track_caller]
    pub(crate) fn here() -> SpawnMeta {
        SpawnMeta {
            name: None,
            location: Location::caller(),
        }
    }
}

/// What the loop knows about a task beyond its future.
///
/// It sits in the task's allocation, beside the future, so it is kept
/// small: 40 bytes. What few tasks have (a name) or only some runtimes
/// measure (poll time) lives behind one pointer that is null otherwise.
/// In declaration order (`repr(C)`): the fields every poll writes first.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct TaskStats {
    /// Times the task was polled.
    pub(crate) polls: u64,
    /// What its last poll registered interest in, where evloop knows it.
    pub(crate) waiting_on: Option<WaitingOn>,
    /// Where `spawn` was called.
    pub(crate) location: &'static Location<'static>,
    /// Name and poll time, if the task has either.
    extra: Option<Box<StatsExtra>>,
}

/// The rarer part of [`TaskStats`].
#[derive(Debug, Default)]
struct StatsExtra {
    /// The name given through `task::Builder::name`.
    name: Option<Box<str>>,
    /// Total time spent inside its polls (only measured while timing is on).
    busy: Duration,
}

impl TaskStats {
    pub(crate) fn new(meta: SpawnMeta) -> TaskStats {
        TaskStats {
            polls: 0,
            waiting_on: None,
            location: meta.location,
            extra: meta.name.map(|name| {
                Box::new(StatsExtra {
                    name: Some(name),
                    busy: Duration::ZERO,
                })
            }),
        }
    }

    /// The name given at spawn, if any.
    pub(crate) fn name(&self) -> Option<&str> {
        self.extra.as_ref()?.name.as_deref()
    }

    /// Total time measured inside the task's polls.
    pub(crate) fn busy(&self) -> Duration {
        self.extra
            .as_ref()
            .map_or(Duration::ZERO, |extra| extra.busy)
    }

    /// Adds one measured poll to [`busy`](TaskStats::busy).
    pub(crate) fn add_busy(&mut self, took: Duration) {
        self.extra.get_or_insert_with(Box::default).busy += took;
    }

    /// The name if there is one, else `file:line:column` of the spawn.
    pub(crate) fn label(&self) -> String {
        match self.name() {
            Some(name) => format!("\"{name}\""),
            None => format!("{}", self.location),
        }
    }
}

/// What a pending task waits for, as far as the runtime can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitingOn {
    /// A timer with this deadline.
    Timer(Instant),
    /// Readability of the I/O registration with this reactor key.
    Readable(usize),
    /// Writability of the I/O registration with this reactor key.
    Writable(usize),
}

/// Upper bounds of the poll-time histogram buckets; the last bucket has no
/// upper bound. Decades, so one glance tells the order of magnitude.
pub(crate) const POLL_TIME_BUCKETS: [Duration; 5] = [
    Duration::from_micros(10),
    Duration::from_micros(100),
    Duration::from_millis(1),
    Duration::from_millis(10),
    Duration::from_millis(100),
];

/// The settings that decide what is recorded, resolved once at build time.
#[derive(Debug, Clone)]
pub(crate) struct DiagnosticsConfig {
    /// Print one line per tick to stderr.
    pub(crate) trace: bool,
    /// Warn about polls longer than this.
    pub(crate) slow_poll_threshold: Option<Duration>,
}

impl Default for DiagnosticsConfig {
    fn default() -> DiagnosticsConfig {
        DiagnosticsConfig {
            trace: false,
            // asyncio's debug-mode default; off in release, where a clock
            // read around every poll would cost more than it tells.
            slow_poll_threshold: cfg!(debug_assertions).then_some(Duration::from_millis(100)),
        }
    }
}

impl DiagnosticsConfig {
    /// Applies `EVLOOP_TRACE` and `EVLOOP_SLOW_POLL_MS`, which override the
    /// builder so a program can be inspected without a rebuild.
    pub(crate) fn apply_env(&mut self) {
        if let Ok(value) = std::env::var("EVLOOP_TRACE") {
            match parse_switch(&value) {
                Some(on) => self.trace = on,
                None => eprintln!("evloop: ignoring EVLOOP_TRACE={value:?} (expected 1 or 0)"),
            }
        }
        if let Ok(value) = std::env::var("EVLOOP_SLOW_POLL_MS") {
            match value.trim().parse::<u64>() {
                Ok(0) => self.slow_poll_threshold = None,
                Ok(ms) => self.slow_poll_threshold = Some(Duration::from_millis(ms)),
                Err(_) => eprintln!(
                    "evloop: ignoring EVLOOP_SLOW_POLL_MS={value:?} (expected whole milliseconds, 0 = off)"
                ),
            }
        }
    }
}

fn parse_switch(value: &str) -> Option<bool> {
    match value.trim() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" | "" => Some(false),
        _ => None,
    }
}

/// The loop's recorder: timing of polls and the trace of the current tick.
#[derive(Debug)]
pub(crate) struct Diagnostics {
    pub(crate) config: DiagnosticsConfig,
    /// Counts of polls per [`POLL_TIME_BUCKETS`] bucket.
    pub(crate) histogram: [Cell<u64>; POLL_TIME_BUCKETS.len() + 1],
    /// Polls longer than the slow-poll threshold.
    pub(crate) slow_polls: Cell<u64>,
    /// The tick being traced: labels of the tasks it polled.
    polled: RefCell<Vec<String>>,
}

impl Diagnostics {
    pub(crate) fn new(config: DiagnosticsConfig) -> Diagnostics {
        Diagnostics {
            config,
            histogram: Default::default(),
            slow_polls: Cell::new(0),
            polled: RefCell::new(Vec::new()),
        }
    }

    /// True if polls are timed (slow-poll detection or trace is on).
    pub(crate) fn timing(&self) -> bool {
        self.config.trace || self.config.slow_poll_threshold.is_some()
    }

    /// True if the loop prints a line per tick.
    #[inline]
    pub(crate) fn tracing(&self) -> bool {
        self.config.trace
    }

    /// Records one timed poll: the histogram, and a warning if it was slow.
    pub(crate) fn record_poll(&self, stats: &TaskStats, took: Duration) {
        let bucket = POLL_TIME_BUCKETS
            .iter()
            .position(|limit| took < *limit)
            .unwrap_or(POLL_TIME_BUCKETS.len());
        self.histogram[bucket].set(self.histogram[bucket].get() + 1);
        if let Some(threshold) = self.config.slow_poll_threshold {
            if took > threshold {
                self.slow_polls.set(self.slow_polls.get() + 1);
                eprintln!(
                    "evloop: slow poll: task {} (spawned at {}) blocked the loop for {:.1?} \
                     in one poll (threshold {:?}); move blocking work to \
                     evloop::task::spawn_blocking",
                    stats.name().unwrap_or("<unnamed>"),
                    stats.location,
                    took,
                    threshold,
                );
            }
        }
    }

    /// Notes a poll for the trace line of this tick. Inlined: it is on
    /// every poll, and with tracing off it is one test of a flag (out of
    /// line it cost 12 instructions a poll, 5% of `yield_many`).
    #[inline]
    pub(crate) fn trace_poll(&self, label: impl FnOnce() -> String) {
        if self.tracing() {
            self.record_traced_poll(label());
        }
    }

    /// The rare half of [`trace_poll`](Diagnostics::trace_poll).
    #[cold]
    fn record_traced_poll(&self, label: String) {
        self.polled.borrow_mut().push(label);
    }

    /// Forgets polls not yet reported (the last poll of a `block_on` happens
    /// after its last tick).
    pub(crate) fn clear_trace(&self) {
        self.polled.borrow_mut().clear();
    }

    /// Prints the trace line of a finished tick.
    pub(crate) fn trace_tick(&self, tick: &TickReport) {
        let polled = std::mem::take(&mut *self.polled.borrow_mut());
        let line = tick.format(&polled);
        // One write per line, so lines of two runtimes do not interleave.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// Why the loop waited as long as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitReason {
    /// Tasks are ready: only collect events already there.
    ReadyWork,
    /// Nothing to run until the earliest timer.
    NextTimer,
    /// Nothing to run and no timer: wait for I/O or a remote wake.
    Idle,
    /// Paused clock, nothing to run: look for I/O, else jump to the timer.
    AutoAdvance,
    /// Paused clock, but a blocking job runs: wait for it, clock stands.
    BlockingJob,
}

/// What one tick did, for its trace line.
#[derive(Debug)]
pub(crate) struct TickReport {
    pub(crate) tick: u64,
    pub(crate) timeout: Option<Duration>,
    pub(crate) reason: WaitReason,
    pub(crate) io_events: usize,
    pub(crate) timers_fired: usize,
    pub(crate) remote_wakes: usize,
    pub(crate) remote_spawns: usize,
}

impl TickReport {
    /// `evloop: tick 3 | polled 2: "fetch python", src/main.rs:9:5 | wait 0ns (ready work) | io 1 | timers 0 | remote wakes 0, spawns 0`
    fn format(&self, polled: &[String]) -> String {
        let mut line = format!("evloop: tick {} | polled {}", self.tick, polled.len());
        if !polled.is_empty() {
            let _ = write!(line, ": {}", polled.join(", "));
        }
        let wait = match self.timeout {
            Some(timeout) => format!("{timeout:?}"),
            None => "until woken".to_owned(),
        };
        let reason = match self.reason {
            WaitReason::ReadyWork => "ready work",
            WaitReason::NextTimer => "next timer",
            WaitReason::Idle => "nothing ready, no timer",
            WaitReason::AutoAdvance => "paused clock: jump to the next timer if no I/O",
            WaitReason::BlockingJob => "paused clock: waiting for a blocking job",
        };
        let _ = writeln!(
            line,
            " | wait {wait} ({reason}) | io {} | timers {} | remote wakes {}, spawns {}",
            self.io_events, self.timers_fired, self.remote_wakes, self.remote_spawns
        );
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_parse_like_a_person_writes_them() {
        for (text, want) in [
            ("1", Some(true)),
            ("true", Some(true)),
            (" on ", Some(true)),
            ("0", Some(false)),
            ("", Some(false)),
            ("off", Some(false)),
            ("maybe", None),
        ] {
            assert_eq!(parse_switch(text), want, "{text:?}");
        }
    }

    #[test]
    fn polls_land_in_decade_buckets() {
        let diag = Diagnostics::new(DiagnosticsConfig {
            trace: false,
            slow_poll_threshold: None,
        });
        let stats = TaskStats::new(SpawnMeta::here());
        for micros in [1, 9, 10, 99, 500, 5_000, 50_000, 500_000] {
            diag.record_poll(&stats, Duration::from_micros(micros));
        }
        let counts: Vec<u64> = diag.histogram.iter().map(Cell::get).collect();
        assert_eq!(counts, [2, 2, 1, 1, 1, 1]);
        assert_eq!(diag.slow_polls.get(), 0, "no threshold, no slow polls");
    }

    #[test]
    fn a_poll_over_the_threshold_counts_as_slow() {
        let diag = Diagnostics::new(DiagnosticsConfig {
            trace: false,
            slow_poll_threshold: Some(Duration::from_millis(100)),
        });
        let stats = TaskStats::new(SpawnMeta::here());
        diag.record_poll(&stats, Duration::from_millis(99));
        diag.record_poll(&stats, Duration::from_millis(200));
        assert_eq!(diag.slow_polls.get(), 1);
    }

    #[test]
    fn a_trace_line_names_tasks_wait_and_counts() {
        let report = TickReport {
            tick: 3,
            timeout: Some(Duration::ZERO),
            reason: WaitReason::ReadyWork,
            io_events: 1,
            timers_fired: 0,
            remote_wakes: 2,
            remote_spawns: 0,
        };
        let line = report.format(&["\"fetch\"".to_owned(), "src/a.rs:1:2".to_owned()]);
        assert_eq!(
            line,
            "evloop: tick 3 | polled 2: \"fetch\", src/a.rs:1:2 | wait 0ns (ready work) \
             | io 1 | timers 0 | remote wakes 2, spawns 0\n"
        );
        let idle = TickReport {
            timeout: None,
            reason: WaitReason::Idle,
            ..report
        };
        assert!(idle
            .format(&[])
            .starts_with("evloop: tick 3 | polled 0 | wait until woken (nothing ready, no timer)"));
    }
}
