//! [`Builder`]: a runtime's settings, checked once when it is built.

use std::io;
use std::time::Duration;

use super::diagnostics::DiagnosticsConfig;

use super::blocking::PoolConfig;
use super::Runtime;

/// What a task's panic does.
///
/// # Examples
///
/// ```
/// use evloop::{Runtime, UnhandledPanic};
///
/// let _rt = Runtime::builder()
///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
///     .build()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// The panic is caught and handed to the task's
    /// [`JoinHandle`](crate::task::JoinHandle) as a [`JoinError`]; the loop
    /// runs on. The default, as in tokio.
    ///
    /// [`JoinError`]: crate::task::JoinError
    #[default]
    Ignore,
    /// The first task panic stops the loop: the `block_on` (or `run_forever`)
    /// running it resumes the panic, with its original payload. The task's
    /// JoinHandle gets a panic error that says where the payload went.
    ShutdownRuntime,
}

/// The settings a [`Runtime`] is built with.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Task polls per tick before mio is asked for events again.
    pub(crate) event_interval: u32,
    /// What a task's panic does.
    pub(crate) unhandled_panic: UnhandledPanic,
    /// The clock starts paused (tests).
    pub(crate) start_paused: bool,
    /// Trace and slow-poll settings.
    pub(crate) diagnostics: DiagnosticsConfig,
    /// Blocking-pool size and thread keep-alive.
    pub(crate) blocking: PoolConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            event_interval: DEFAULT_EVENT_INTERVAL,
            unhandled_panic: UnhandledPanic::Ignore,
            start_paused: false,
            diagnostics: DiagnosticsConfig::default(),
            blocking: PoolConfig::default(),
        }
    }
}

/// tokio's value: a prime, so the I/O check does not fall into lockstep with
/// tasks that do periodic work.
const DEFAULT_EVENT_INTERVAL: u32 = 61;

/// Builds a [`Runtime`] with settings other than the defaults.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::builder().event_interval(31).build()?;
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    config: Config,
}

impl Builder {
    /// A builder with the default settings.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// How many task polls the loop runs before it asks mio for events
    /// again (default 61). A lower value makes I/O more responsive when
    /// tasks keep waking each other; a higher value batches more work per
    /// system call. Values below 1 are taken as 1.
    pub fn event_interval(mut self, polls: u32) -> Builder {
        self.config.event_interval = polls.max(1);
        self
    }

    /// What a panic inside a spawned task does (default
    /// [`UnhandledPanic::Ignore`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::{Runtime, UnhandledPanic};
    ///
    /// let rt = Runtime::builder()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()?;
    /// let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         evloop::spawn(async { panic!("boom") });
    ///         std::future::pending::<()>().await
    ///     })
    /// }));
    /// assert_eq!(*result.unwrap_err().downcast::<&str>().unwrap(), "boom");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn unhandled_panic(mut self, behavior: UnhandledPanic) -> Builder {
        self.config.unhandled_panic = behavior;
        self
    }

    /// Starts the runtime with its clock paused (default `false`): timers
    /// fire only when [`time::advance`](crate::time::advance) moves the
    /// clock, or when every task waits and the loop jumps to the next
    /// timer. For tests of timeouts and retries that should take no time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::builder().start_paused(true).build()?;
    /// let real = std::time::Instant::now();
    /// rt.block_on(evloop::time::sleep(Duration::from_secs(86_400)));
    /// assert!(real.elapsed() < Duration::from_secs(60)); // a day in no time
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Builder {
        self.config.start_paused = paused;
        self
    }

    /// Prints one line per tick of the loop to stderr (default off): the
    /// tasks it polled, how long it waited for events and why, and what
    /// came in. The environment variable `EVLOOP_TRACE=1` turns it on (and
    /// `EVLOOP_TRACE=0` off) without a rebuild, and wins over this setting.
    /// Off, it costs a branch per tick and per poll, and no formatting.
    ///
    /// ```text
    /// evloop: tick 2 | polled 3: block_on, "fetch python", src/main.rs:9:5 | wait 0ns (ready work) | io 0 | timers 0 | remote wakes 0, spawns 0
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().trace(true).build()?;
    /// rt.block_on(async {}); // prints "evloop: tick 1 | polled 1: block_on | ..."
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn trace(mut self, on: bool) -> Builder {
        self.config.diagnostics.trace = on;
        self
    }

    /// Warns on stderr about every poll that keeps the loop busy longer than
    /// `threshold`, naming the task (asyncio's `slow_callback_duration`).
    /// Default: 100 ms in debug builds, off (`None`) in release builds,
    /// where timing every poll would cost more than it tells. The
    /// environment variable `EVLOOP_SLOW_POLL_MS` (whole milliseconds, 0 =
    /// off) wins over this setting. Slow polls are counted in
    /// [`Metrics::slow_polls`](crate::Metrics::slow_polls).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::builder()
    ///     .slow_poll_threshold(Some(Duration::from_millis(50)))
    ///     .build()?;
    /// rt.block_on(async {
    ///     std::thread::sleep(Duration::from_millis(60)); // don't: it blocks the loop
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Option<Duration>) -> Builder {
        self.config.diagnostics.slow_poll_threshold = threshold;
        self
    }

    /// The most threads the blocking pool
    /// ([`spawn_blocking`](crate::task::spawn_blocking)) runs at once
    /// (default 64). Further jobs wait in order for a free thread. Values
    /// below 1 are taken as 1.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().max_blocking_threads(2).build()?;
    /// let n = rt.block_on(async {
    ///     evloop::task::spawn_blocking(|| 7).await.unwrap()
    /// });
    /// assert_eq!(n, 7);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_blocking_threads(mut self, threads: usize) -> Builder {
        self.config.blocking.max_threads = threads.max(1);
        self
    }

    /// How long an idle blocking-pool thread waits for a job before it
    /// exits (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::builder()
    ///     .blocking_keep_alive(Duration::from_millis(100))
    ///     .build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Builder {
        self.config.blocking.keep_alive = keep_alive;
        self
    }

    /// Builds the runtime: creates its poller and its waker.
    ///
    /// # Errors
    ///
    /// Fails if the OS refuses a poller (for example, out of file
    /// descriptors).
    pub fn build(mut self) -> io::Result<Runtime> {
        self.config.diagnostics.apply_env();
        Runtime::from_config(self.config)
    }
}
