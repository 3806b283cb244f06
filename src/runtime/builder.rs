//! [`Builder`]: a runtime's settings, checked once when it is built.

use std::io;

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
}

impl Default for Config {
    fn default() -> Config {
        Config {
            event_interval: DEFAULT_EVENT_INTERVAL,
            unhandled_panic: UnhandledPanic::Ignore,
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

    /// Builds the runtime: creates its poller and its waker.
    ///
    /// # Errors
    ///
    /// Fails if the OS refuses a poller (for example, out of file
    /// descriptors).
    pub fn build(self) -> io::Result<Runtime> {
        Runtime::from_config(self.config)
    }
}
