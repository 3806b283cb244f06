//! Tasks: [`spawn`], [`JoinHandle`], [`JoinError`], [`yield_now`],
//! [`Builder`] for named tasks, and [`spawn_blocking`] for work that would
//! block the loop.
//!
//! A task is a future the runtime owns and polls whenever it is woken. It
//! need not be `Send`: it never leaves the loop's thread.

mod blocking;
mod builder;
mod yield_now;

use std::future::Future;

pub use blocking::spawn_blocking;
pub use builder::Builder;
// Defined beside the harness that fills them (runtime/task/): the public
// face shows them here, where tokio users look for them.
pub use crate::runtime::task::{JoinError, JoinHandle};
pub use yield_now::{yield_now, YieldNow};

use crate::runtime::context;

/// Spawns a task on the runtime running on this thread and returns its
/// [`JoinHandle`]. The future needs no `Send`: tasks stay on this thread.
///
/// The task first runs when the current task yields to the loop; dropping
/// the JoinHandle lets it run on, detached.
///
/// # Panics
///
/// Panics outside a runtime, with a message naming the fix (use
/// [`Runtime::spawn`](crate::Runtime::spawn) or
/// [`Handle::spawn`](crate::Handle::spawn) from outside).
///
/// # Examples
///
/// ```
/// use std::rc::Rc; // not Send, and that is fine
///
/// evloop::block_on(async {
///     let shared = Rc::new(5);
///     let task = evloop::spawn({
///         let shared = shared.clone();
///         async move { *shared * 2 }
///     });
///     assert_eq!(task.await.unwrap(), 10);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    context::expect_current("evloop::spawn").spawn(future)
}
