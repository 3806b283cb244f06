//! [`AbortHandle`]: cancels a task from anywhere, without its output.

use std::fmt;
use std::sync::Arc;

use super::Id;
use crate::runtime::waker::Header;

/// Cancels a task without owning its output (tokio's
/// `tokio::task::AbortHandle`). Made by
/// [`JoinHandle::abort_handle`](super::JoinHandle::abort_handle) and
/// [`JoinSet::spawn`](crate::task::JoinSet::spawn).
///
/// It holds only the task's waker header, which is `Send + Sync`, so it
/// is too, whatever the task's output: any thread may abort a task of the
/// loop. The flags it reads live in that header because the task's join
/// cell, generic over the output, may not leave the loop's thread.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let task = evloop::spawn(std::future::pending::<()>());
///     let abort = task.abort_handle();
///     assert!(!abort.is_finished());
///     abort.abort();
///     assert!(task.await.unwrap_err().is_cancelled());
///     assert!(abort.is_finished());
/// });
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    /// The JoinHandle's header: the task's id, its runtime, the flags.
    header: Arc<Header>,
}

impl AbortHandle {
    pub(crate) fn new(header: Arc<Header>) -> AbortHandle {
        AbortHandle { header }
    }

    /// Cancels the task, like [`JoinHandle::abort`](super::JoinHandle::abort):
    /// it is not polled again, its future is dropped on the loop's thread
    /// at its next turn, and its JoinHandle gives a cancelled
    /// [`JoinError`](super::JoinError). Aborting a finished task does
    /// nothing. Works from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let task = evloop::spawn(std::future::pending::<()>());
    ///     task.abort_handle().abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        // The flag covers a task (or blocking job) that has not started;
        // the runtime's own abort drops a task that has.
        self.header.request_abort();
        self.header.abort_task();
    }

    /// True once the task completed, was cancelled or panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let task = evloop::spawn(async {});
    ///     let abort = task.abort_handle();
    ///     assert!(!abort.is_finished());
    ///     task.await.unwrap();
    ///     assert!(abort.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header.is_finished()
    }

    /// The task's [`Id`], the same as its JoinHandle's.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let task = evloop::spawn(async {});
    ///     assert_eq!(task.abort_handle().id(), task.id());
    /// });
    /// ```
    pub fn id(&self) -> Id {
        Id::new(self.header.runtime_id(), self.header.generation())
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
