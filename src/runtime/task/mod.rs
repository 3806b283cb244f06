//! The machinery behind a task, kept inside the runtime: its id, the
//! harness that wraps the user's future into the task's allocation, the
//! join cell its output waits in, and the [`JoinHandle`]/[`AbortHandle`]/
//! [`JoinError`] users hold (re-exported by `evloop::task`, the public face).

mod abort;
mod error;
pub(crate) mod harness;
mod id;
pub(crate) mod join;

pub use abort::AbortHandle;
pub use error::JoinError;
pub use id::Id;
pub(crate) use id::TaskId;
pub use join::JoinHandle;
