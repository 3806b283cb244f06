//! The event loop: [`Runtime`], its [`Builder`] and its [`Handle`].
//!
//! A runtime is one thread's loop. [`Runtime::block_on`] drives a future to
//! completion, running the tasks it spawns on the way; [`Runtime::run_forever`]
//! runs tasks until [`Handle::stop`] is called. Both leave unfinished tasks
//! in the runtime, where the next `block_on` finds them; dropping the runtime
//! drops them.

mod blocking;
mod builder;
pub(crate) mod context;
pub(crate) mod diagnostics;
mod dump;
mod handle;
pub(crate) mod io_driver;
mod metrics;
mod precise_timer;
pub(crate) mod scheduler;
pub(crate) mod task;
pub(crate) mod time_driver;
pub(crate) mod waker;

use std::future::Future;
use std::io;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

pub(crate) use builder::Config;
pub use builder::{Builder, UnhandledPanic};
pub use dump::{Dump, TaskDump, TaskState};
pub use handle::Handle;
pub use metrics::Metrics;

use scheduler::Core;
use task::JoinHandle;
use waker::{Header, Shared};

/// Source of runtime ids; 0 is never handed out.
static NEXT_RUNTIME_ID: AtomicU64 = AtomicU64::new(1);

/// A single-threaded event loop with its tasks, timers and I/O sources.
///
/// A `Runtime` is `!Send`: its tasks need not be `Send`, so they must stay on
/// the thread that runs them. To spawn from other threads, pass them a
/// [`Handle`].
///
/// # Examples
///
/// ```
/// use evloop::Runtime;
///
/// let rt = Runtime::new()?;
/// let answer = rt.block_on(async {
///     let task = evloop::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// It is not `Send`:
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<evloop::Runtime>();
/// ```
pub struct Runtime {
    /// The loop's state; shared (by `Rc`) with the thread-local context
    /// while the loop runs.
    core: Rc<Core>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("id", &self.core.id)
            .field("metrics", &self.core.metrics())
            .finish()
    }
}

impl Runtime {
    /// A runtime with the default settings.
    ///
    /// # Errors
    ///
    /// Fails if the OS refuses a poller (for example, out of file
    /// descriptors).
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] for a runtime with other settings.
    pub fn builder() -> Builder {
        Builder::new()
    }

    fn from_config(config: Config) -> io::Result<Runtime> {
        let (io, mio_waker) = io_driver::IoDriver::new()?;
        let shared = Arc::new(Shared::new(mio_waker));
        let id = NEXT_RUNTIME_ID.fetch_add(1, Ordering::Relaxed);
        waker::register_runtime(id, &shared);
        let core = Rc::new(Core::new(id, config, io, shared));
        Ok(Runtime { core })
    }

    /// Runs `future` to completion on this thread, running every spawned
    /// task on the way, and returns its output.
    ///
    /// # Panics
    ///
    /// Panics if called while a runtime is already running on this thread
    /// (from inside a task or another `block_on`): that would block the loop
    /// that is running. `.await` the future there instead.
    ///
    /// Resumes a task's panic when the runtime was built with
    /// [`UnhandledPanic::ShutdownRuntime`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// assert_eq!(rt.block_on(async { "done" }), "done");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = context::enter(self.core.clone());
        let header = Header::new(self.core.id, self.core.shared.clone());
        header.set_id(self.core.begin_main(std::panic::Location::caller()));
        // Whether it returns or unwinds, this `block_on` ends here.
        let _main = MainGuard(&self.core);
        let waker = futures_task::waker(Arc::new(header));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if self.core.take_main_woken() {
                if let Poll::Ready(output) = self.core.poll_main(|| future.as_mut().poll(&mut cx)) {
                    return output;
                }
            }
            self.core.tick();
            self.resume_unhandled_panic();
        }
    }

    /// Runs tasks until [`Handle::stop`] is called, from a task or from any
    /// thread. A stop requested before this call makes it return at once.
    ///
    /// # Panics
    ///
    /// As [`block_on`](Runtime::block_on).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// rt.spawn(async move {
    ///     println!("hello from the loop");
    ///     handle.stop();
    /// });
    /// rt.run_forever();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn run_forever(&self) {
        let _enter = context::enter(self.core.clone());
        while !self.core.shared.take_stop() {
            self.core.tick();
            self.resume_unhandled_panic();
        }
    }

    fn resume_unhandled_panic(&self) {
        if let Some(payload) = self.core.take_unhandled_panic() {
            std::panic::resume_unwind(payload);
        }
    }

    /// Spawns a task on this runtime. It starts running at the next
    /// `block_on` or `run_forever` (or at once, if one is running).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// let task = rt.spawn(async { 5 });
    /// assert_eq!(rt.block_on(task).unwrap(), 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.core.spawn(future)
    }

    /// A [`Handle`]: `Send + Sync`, for spawning and stopping from anywhere.
    pub fn handle(&self) -> Handle {
        Handle::new(self.core.id, self.core.shared.clone())
    }

    /// A snapshot of the runtime's counters.
    pub fn metrics(&self) -> Metrics {
        self.core.metrics()
    }

    /// The loop's state, for crate code that spawns with options.
    pub(crate) fn core(&self) -> &scheduler::Core {
        &self.core
    }

    /// The live tasks: id, name or spawn location, polls, poll time, state
    /// and, where known, what each waits on. `Display` prints a table.
    ///
    /// From one of the runtime's own tasks, use
    /// [`Handle::dump`](crate::Handle::dump)`.await` instead: a task's
    /// stats live beside its future, out of reach while it is being polled,
    /// so a dump taken here inside a task shows that task with its id and
    /// state only.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// let task = rt.spawn(async {});
    /// assert_eq!(rt.dump().tasks()[0].state(), evloop::runtime::TaskState::Scheduled);
    /// rt.block_on(task).unwrap();
    /// assert!(rt.dump().tasks().is_empty());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dump(&self) -> Dump {
        self.core.dump()
    }
}

/// Ends a `block_on` when dropped (see [`Core::end_main`]).
struct MainGuard<'a>(&'a Core);

impl Drop for MainGuard<'_> {
    fn drop(&mut self) {
        self.0.end_main();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Drop every task inside this runtime's context, so that its sockets
        // deregister from this reactor and its destructors may still spawn.
        waker::unregister_runtime(self.core.id);
        let _enter = context::enter_unchecked(self.core.clone());
        self.core.shutdown();
    }
}

/// Runs `future` to completion on a new [`Runtime`] and returns its output.
///
/// A shortcut for `Runtime::new()?.block_on(future)`; the runtime, and any
/// task still running in it, is dropped before this returns.
///
/// # Panics
///
/// Panics if the OS refuses a poller, or if called inside a running runtime
/// (see [`Runtime::block_on`]).
///
/// # Examples
///
/// ```
/// let n = evloop::block_on(async {
///     let a = evloop::spawn(async { 20 });
///     let b = evloop::spawn(async { 22 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(n, 42);
/// ```
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    let rt = match Runtime::new() {
        Ok(rt) => rt,
        Err(e) => panic!("evloop::block_on: could not create a runtime: {e}"),
    };
    rt.block_on(future)
}
