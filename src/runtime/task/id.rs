//! [`TaskId`]: where a task lives. A leaf, so that the scheduler, the
//! wakers and the drivers can all name a task without knowing each other.

/// Where a task lives: its slab index, and the generation that tells this
/// task apart from earlier and later occupants of the same slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskId {
    /// Index into the task slab.
    pub(crate) index: usize,
    /// Unique per task for the life of the runtime (starts at 1; 0 means
    /// "not in the slab yet").
    pub(crate) generation: u64,
}

/// A task's id: unique among the tasks of the whole process, as long as it
/// runs (tokio's `tokio::task::Id`).
///
/// It is the pair (runtime, task number): the runtime's id and the task's
/// number within that runtime, which counts up from 1 and is never reused.
/// [`Display`](std::fmt::Display) shows the task number alone, the one
/// [`TaskDump::id`](crate::runtime::TaskDump::id) and the trace show;
/// equality and hashing compare both halves, so tasks of two runtimes
/// never compare equal.
///
/// Get one with [`task::id`](crate::task::id) inside a task,
/// [`JoinHandle::id`](crate::task::JoinHandle::id) or
/// [`AbortHandle::id`](crate::task::AbortHandle::id).
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let handle = evloop::spawn(async { evloop::task::id() });
///     let id = handle.id();
///     assert_eq!(handle.await.unwrap(), id);
///     println!("task {id} finished"); // "task 2 finished"
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id {
    /// Which runtime the task belongs to.
    runtime: u64,
    /// The task's generation within its runtime.
    task: u64,
}

impl Id {
    pub(crate) fn new(runtime: u64, task: u64) -> Id {
        Id { runtime, task }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.task.fmt(f)
    }
}
