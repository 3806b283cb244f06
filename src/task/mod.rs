//! Tasks: [`spawn`], [`JoinHandle`], [`JoinError`], [`yield_now`],
//! [`Builder`] for named tasks, [`spawn_blocking`] for work that would
//! block the loop, [`JoinSet`] for many tasks joined as they finish,
//! [`AbortHandle`], task [`Id`]s, and task-local values
//! ([`task_local!`](crate::task_local), [`LocalKey`]).
//!
//! A task is a future the runtime owns and polls whenever it is woken. It
//! need not be `Send`: it never leaves the loop's thread.

mod blocking;
mod builder;
mod id;
mod join_set;
mod task_local;
mod yield_now;

use std::future::Future;

pub use blocking::spawn_blocking;
pub use builder::Builder;
pub use id::{id, try_id};
pub use join_set::JoinSet;
pub use task_local::{AccessError, LocalKey};
// Defined beside the harness that fills them (runtime/task/): the public
// face shows them here, where tokio users look for them.
pub use crate::runtime::task::{AbortHandle, Id, JoinError, JoinHandle};
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

/// The same as [`spawn`]: every evloop task is local to the loop's thread
/// already (nothing needs `Send`), so there is no `LocalSet` to spawn
/// into. It exists so that code written for tokio's
/// `tokio::task::spawn_local` ports unchanged.
///
/// # Panics
///
/// Outside a runtime, like [`spawn`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// evloop::block_on(async {
///     let shared = Rc::new("not Send");
///     let task = evloop::task::spawn_local(async move { shared.len() });
///     assert_eq!(task.await.unwrap(), 8);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    context::expect_current("evloop::task::spawn_local").spawn(future)
}

/// The futures of this module's functions that have names of their own
/// (tokio's `tokio::task::futures`).
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}
