//! The harness: what turns a user's future into a task the loop can poll.
//!
//! [`Harness`] wraps the future and, when polled,
//! 1. checks the abort flag at its first poll (an abort that comes
//!    before the task entered the slab; later ones make the scheduler drop
//!    the task unpolled),
//! 2. catches a panic so it reaches the JoinHandle instead of the loop,
//! 3. drops the user's future as soon as it finished, then
//! 4. hands the output to the [`JoinCell`] and wakes whoever awaits it.
//!
//! If the task is dropped before it finished (runtime shutdown, abort), its
//! [`Completion`] reports it cancelled.
//!
//! It is a struct rather than an `async` block: an `async fn` keeps its
//! argument and the local it is moved into as two copies of the user's
//! future, which made a task's allocation two and a half times the size of
//! its future, and every extra cache line is a miss when 100,000 tasks take
//! turns (`timer_fire`). pin-project-lite does the pin projection.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::join::{recycle_cell, JoinCell, JoinHandle};
use super::JoinError;
use crate::runtime::context;
use crate::runtime::diagnostics::{SpawnMeta, TaskStats};
use crate::runtime::waker::Header;

/// Wraps `future` into a task body, and makes the JoinHandle that awaits it.
/// `cell` is a fresh cell (pooled or new).
pub(crate) fn new<F>(
    future: F,
    header: Arc<Header>,
    cell: Arc<JoinCell<F::Output>>,
    meta: SpawnMeta,
) -> (Harness<F>, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
{
    let join = JoinHandle::new(header, cell.clone());
    let harness = Harness {
        future: Some(future),
        stats: TaskStats::new(meta),
        completion: Completion { cell: Some(cell) },
    };
    (harness, join)
}

/// What the loop polls: a task's future, with its stats in the same
/// allocation. The loop touches both at every poll, so one allocation is
/// one cache miss fewer than stats kept in the task's slab slot, and the
/// slot stays small (`timer_fire`).
pub(crate) trait TaskFuture: Future<Output = ()> {
    /// Name, location, polls, poll time, what it waits on; `None` for the
    /// stand-in of a task being polled.
    fn stats(&self) -> Option<&TaskStats>;
    /// The same, to update after a poll.
    fn stats_mut(self: Pin<&mut Self>) -> Option<&mut TaskStats>;
    /// Reads the words a poll reads first (the future's state, the poll
    /// count), for the caller to pass to `std::hint::black_box`: a task's
    /// memory is then on its way into the cache before the task is polled
    /// (see `Core::fire_timers`).
    fn touch(&self) -> (bool, u64);
    /// Lets go of the join cell if nobody watches it any more: called when
    /// the JoinHandle of a task not yet polled is dropped, so that a task
    /// spawned and detached at once holds no cell while it waits for its
    /// first turn (see `Core::release_join_header`).
    fn release_unwatched(self: Pin<&mut Self>);
}

impl<F: Future> TaskFuture for Harness<F>
where
    F::Output: 'static,
{
    fn stats(&self) -> Option<&TaskStats> {
        Some(&self.stats)
    }

    fn stats_mut(self: Pin<&mut Self>) -> Option<&mut TaskStats> {
        Some(self.project().stats)
    }

    fn touch(&self) -> (bool, u64) {
        (self.future.is_some(), self.stats.polls)
    }

    fn release_unwatched(self: Pin<&mut Self>) {
        self.project().completion.forget_if_unwatched();
    }
}

pin_project_lite::pin_project! {
    /// A task's future: the user's future and where its output goes.
    ///
    /// In declaration order (`repr(C)`): what a poll touches first, the
    /// stats it does not touch last, so that a poll of a task whose memory
    /// left the cache misses on as few lines as it can.
    #[repr(C)]
    pub(crate) struct Harness<F: Future> {
        // Declared before `completion`, so dropped before it: a task dropped
        // while pending releases what it held before its JoinHandle hears
        // "cancelled". `None` once finished.
        #[pin]
        future: Option<F>,
        // Name, location, polls, poll time, what it waits on: for the dump.
        // Its first fields are the ones every poll writes.
        stats: TaskStats,
        completion: Completion<F::Output>,
    }
}

// `'static` outputs only (every spawn's), so that a finished task can hand
// a `()` task's join cell back to the pool (`recycle_cell`).
impl<F: Future> Future for Harness<F>
where
    F::Output: 'static,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        // An abort before the task entered the slab can only be seen here;
        // later ones make the loop drop the task instead of polling it, so
        // later polls need not touch the JoinCell (a cache miss per poll).
        // The loop counts polls after each one: zero means the first.
        let result = if this.stats.polls == 0 && this.completion.is_aborted() {
            Err(JoinError::cancelled())
        } else {
            let Some(inner) = this.future.as_mut().as_pin_mut() else {
                // Finished already: nothing left to do.
                return Poll::Ready(());
            };
            match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
                Ok(Poll::Ready(output)) => Ok(output),
                Ok(Poll::Pending) => {
                    if this.stats.polls == 0 {
                        this.completion.forget_if_unwatched();
                    }
                    return Poll::Pending;
                }
                Err(payload) => Err(panic_error(payload)),
            }
        };
        // Release what the task held before anyone learns that it finished.
        // A panicking destructor here is caught like a panicking poll.
        let dropped = catch_unwind(AssertUnwindSafe(|| this.future.set(None)));
        let result = match (result, dropped) {
            (Ok(_), Err(payload)) => Err(panic_error(payload)),
            (result, _) => result,
        };
        this.completion.complete(result);
        Poll::Ready(())
    }
}

/// Routes a task's panic: to its JoinHandle, or (with
/// `UnhandledPanic::ShutdownRuntime`) to the runtime's `block_on`.
fn panic_error(payload: Box<dyn std::any::Any + Send>) -> JoinError {
    let mut payload = Some(payload);
    let routed = context::with_current(|core| core.on_task_panic(payload.take().unwrap()));
    match (routed, payload) {
        (Some(Some(payload)), _) | (None, Some(payload)) => JoinError::panic(payload),
        _ => JoinError::panic(Box::new(
            "the task panicked; its payload was resumed by the runtime \
             (UnhandledPanic::ShutdownRuntime)",
        )),
    }
}

/// Reports "cancelled" if the task is dropped before it completed.
struct Completion<T> {
    cell: Option<Arc<JoinCell<T>>>,
}

impl<T: 'static> Completion<T> {
    fn is_aborted(&self) -> bool {
        self.cell.as_ref().is_some_and(|cell| cell.is_aborted())
    }

    /// Lets go of the JoinCell if the JoinHandle is gone (the task was
    /// detached before its first poll, as `spawn` without keeping the
    /// handle does) and no `AbortHandle` waits to hear that it finished:
    /// nobody will read the output or abort the task, and a parked task
    /// keeps the cell's 96 bytes for nothing. Called once, at the first
    /// `Pending`, not at every poll: the count lives in the cell's cache
    /// line, which a later poll would otherwise not touch.
    fn forget_if_unwatched(&mut self) {
        if self
            .cell
            .as_ref()
            .is_some_and(|cell| Arc::strong_count(cell) == 1 && !cell.has_abort_handles())
        {
            if let Some(cell) = self.cell.take() {
                recycle_cell(cell);
            }
        }
    }

    /// Delivers the task's result; later calls and the drop do nothing.
    fn complete(&mut self, result: Result<T, JoinError>) {
        if let Some(cell) = self.cell.take() {
            cell.complete(result);
            recycle_cell(cell);
        }
    }
}

impl<T> Drop for Completion<T> {
    fn drop(&mut self) {
        if let Some(cell) = self.cell.take() {
            cell.complete(Err(JoinError::cancelled()));
        }
    }
}
