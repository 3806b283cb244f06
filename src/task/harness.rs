//! The harness: what turns a user's future into a task the loop can poll.
//!
//! It wraps the future in an `async` block that
//! 1. checks the abort flag at its first poll (an abort that comes
//!    before the task entered the slab; later ones make the scheduler drop
//!    the task unpolled),
//! 2. catches a panic so it reaches the JoinHandle instead of the loop,
//! 3. drops the user's future as soon as it finished, then
//! 4. hands the output to the [`JoinCell`] and wakes whoever awaits it.
//!
//! If the task is dropped before it finished (runtime shutdown), a guard
//! reports it cancelled. The `async` block does the pinning for us, so the
//! harness needs no `unsafe` pin projection.

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use super::join::{JoinCell, JoinHandle};
use super::JoinError;
use crate::runtime::context;
use crate::runtime::waker::Header;

/// Wraps `future` into a task body, and makes the JoinHandle that awaits it.
pub(crate) fn new<F>(
    future: F,
    header: Arc<Header>,
) -> (impl Future<Output = ()> + 'static, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
{
    let cell = Arc::new(JoinCell::new());
    let join = JoinHandle::new(header, cell.clone());
    // The guard is built here, not inside `run`: an async fn that was never
    // polled has not run its first line, and a task dropped before its first
    // poll (spawned onto a runtime that is gone) must still report.
    (run(future, Completion { cell: Some(cell) }), join)
}

async fn run<F: Future>(future: F, completion: Completion<F::Output>) {
    // Moved into a local declared after `completion`, so dropped before it:
    // if the task is dropped while pending, the user's future is gone before
    // the JoinHandle hears "cancelled".
    let mut future = pin!(Some(future));
    let mut first_poll = true;
    let result = poll_fn(|cx| {
        // An abort before the task entered the slab can only be seen here;
        // later ones make the loop drop the task instead of polling it, so
        // later polls need not touch the JoinCell (a cache miss per poll).
        if std::mem::take(&mut first_poll) && completion.cell().is_aborted() {
            return Poll::Ready(Err(JoinError::cancelled()));
        }
        let Some(inner) = future.as_mut().as_pin_mut() else {
            return Poll::Ready(Err(JoinError::cancelled()));
        };
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_error(payload))),
        }
    })
    .await;
    // Release what the task held before anyone learns that it finished. A
    // panicking destructor here is caught like a panicking poll.
    let dropped = catch_unwind(AssertUnwindSafe(|| future.set(None)));
    let result = match (result, dropped) {
        (Ok(_), Err(payload)) => Err(panic_error(payload)),
        (result, _) => result,
    };
    completion.complete(result);
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

impl<T> Completion<T> {
    fn cell(&self) -> &JoinCell<T> {
        self.cell
            .as_ref()
            .expect("completion cell present until complete")
    }

    fn complete(mut self, result: Result<T, JoinError>) {
        if let Some(cell) = self.cell.take() {
            cell.complete(result);
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
