//! [`Handle`]: the `Send + Sync` way to reach a runtime from anywhere.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use super::context;
use super::diagnostics::SpawnMeta;
use super::task::join::JoinCell;
use super::task::{harness, JoinHandle};
use super::waker::{Header, Shared};
use super::Dump;

/// A cheap, cloneable reference to a [`Runtime`](crate::Runtime) that any
/// thread may hold: it spawns `Send` futures onto the runtime and stops
/// [`run_forever`](crate::Runtime::run_forever).
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new()?;
/// let handle = rt.handle();
/// let join = std::thread::spawn(move || handle.spawn(async { 2 + 2 }))
///     .join()
///     .unwrap();
/// assert_eq!(rt.block_on(join).unwrap(), 4);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Handle {
    /// The runtime's id, to spot calls made on its own thread.
    runtime_id: u64,
    /// The remote queue and the mio waker.
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("runtime_id", &self.runtime_id)
            .finish()
    }
}

impl Handle {
    pub(crate) fn new(runtime_id: u64, shared: Arc<Shared>) -> Handle {
        Handle { runtime_id, shared }
    }

    /// The handle of the runtime running on this thread.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime; use [`Handle::try_current`] to check.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let handle = evloop::Handle::current();
    ///     assert_eq!(handle.spawn(async { 1 }).await.unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        let core = context::expect_current("Handle::current");
        Handle::new(core.id, core.shared.clone())
    }

    /// The handle of the runtime running on this thread, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(evloop::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        context::with_current(|core| Handle::new(core.id, core.shared.clone()))
    }

    /// Spawns a `Send` future onto the runtime, from any thread.
    ///
    /// From the runtime's own thread this is as cheap as
    /// [`spawn`](crate::spawn); from another thread the future goes through
    /// the runtime's remote queue and wakes its loop. If the runtime is
    /// gone, the future is dropped and the JoinHandle reports it cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// let task = handle.spawn(async { "spawned" });
    /// assert_eq!(rt.block_on(task).unwrap(), "spawned");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(future, SpawnMeta::here())
    }

    /// [`spawn`](Handle::spawn) with the name and location the caller chose.
    pub(crate) fn spawn_with<F>(&self, future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let home = context::with_current(|core| (core.id == self.runtime_id).then(|| core.clone()));
        if let Some(core) = home.flatten() {
            return core.spawn_with(future, meta);
        }
        let header = Arc::new(Header::new(self.runtime_id, self.shared.clone()));
        // Another thread: no pool to take a join cell from.
        let cell = std::sync::Arc::new(JoinCell::new());
        let (body, join) = harness::new(future, header.clone(), cell, meta);
        if let Err(body) = self.shared.spawn_remote(Box::pin(body), header) {
            // The runtime is gone: dropping the body cancels the JoinHandle.
            drop(body);
        }
        join
    }

    /// Makes [`run_forever`](crate::Runtime::run_forever) return; callable
    /// from a task or from any thread. Tasks are not dropped: they wait in
    /// the runtime for the next `block_on` or `run_forever`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// std::thread::spawn(move || handle.stop());
    /// rt.run_forever(); // returns once the other thread called stop
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stop(&self) {
        self.shared.request_stop();
    }

    /// The runtime's live tasks (see [`Runtime::dump`](crate::Runtime::dump)),
    /// from any thread: on the loop's own thread it is read at once; from
    /// elsewhere a small task named `Handle::dump` collects it on the loop
    /// (so the loop must be running) and shows itself as running. Empty if
    /// the runtime is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// let dump = std::thread::spawn(move || evloop::block_on(handle.dump()));
    /// rt.block_on(async {
    ///     let _sleeper = evloop::spawn(std::future::pending::<()>());
    ///     while !dump.is_finished() {
    ///         evloop::task::yield_now().await;
    ///     }
    /// });
    /// let dump = dump.join().unwrap();
    /// assert!(dump.tasks().iter().any(|t| t.name() == Some("Handle::dump")));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn dump(&self) -> Dump {
        let at_home = context::with_current(|core| core.id == self.runtime_id);
        if at_home == Some(true) {
            return DumpHere { answer: None }.await;
        }
        let meta = SpawnMeta {
            name: Some("Handle::dump".into()),
            location: std::panic::Location::caller(),
        };
        let collector = DumpHere { answer: None };
        self.spawn_with(collector, meta).await.unwrap_or_default()
    }
}

/// Dumps the runtime of this thread: at once outside a task's poll; inside
/// one, as soon as that poll returned (see `Core::dump_after_poll`). `Send`,
/// so that another thread can spawn it as the collector.
struct DumpHere {
    answer: Option<Arc<Mutex<Answer>>>,
}

/// Where the loop leaves a dump for a [`DumpHere`].
struct Answer {
    dump: Option<Dump>,
    waker: Waker,
}

impl Future for DumpHere {
    type Output = Dump;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Dump> {
        if let Some(answer) = &self.answer {
            let mut answer = answer.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(dump) = answer.dump.take() {
                return Poll::Ready(dump);
            }
            if !answer.waker.will_wake(cx.waker()) {
                answer.waker = cx.waker().clone();
            }
            return Poll::Pending;
        }
        let answer = Arc::new(Mutex::new(Answer {
            dump: None,
            waker: cx.waker().clone(),
        }));
        let slot = answer.clone();
        let deliver = move |dump| {
            let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
            slot.dump = Some(dump);
            slot.waker.wake_by_ref();
        };
        match context::with_current(|core| core.dump_after_poll(Box::new(deliver))) {
            Some(Ok(())) => {
                self.answer = Some(answer);
                Poll::Pending
            }
            Some(Err(dump)) => Poll::Ready(dump),
            None => Poll::Ready(Dump::default()),
        }
    }
}
