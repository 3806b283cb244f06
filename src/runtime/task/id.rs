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
