//! [`id`] and [`try_id`]: the [`Id`] of the task being polled.

use super::Id;
use crate::runtime::context;

/// The [`Id`] of the task this is called from.
///
/// # Panics
///
/// Panics outside a task: in `block_on`'s own future (which is no task),
/// or outside a runtime. [`try_id`] says `None` there instead.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let task = evloop::spawn(async { evloop::task::id() });
///     let id = task.id();
///     assert_eq!(task.await.unwrap(), id);
/// });
/// ```
#[track_caller]
pub fn id() -> Id {
    match try_id() {
        Some(id) => id,
        None => panic!(
            "evloop::task::id called outside of a task: call it from a future \
             spawned with `evloop::spawn` (`block_on`'s own future is not a task; \
             use `task::try_id` to check)"
        ),
    }
}

/// The [`Id`] of the task this is called from, or `None` outside a task
/// (in `block_on`'s own future, or outside a runtime).
///
/// # Examples
///
/// ```
/// assert_eq!(evloop::task::try_id(), None);
/// evloop::block_on(async {
///     assert_eq!(evloop::task::try_id(), None, "block_on's future is no task");
///     let inside = evloop::spawn(async { evloop::task::try_id() }).await.unwrap();
///     assert!(inside.is_some());
/// });
/// ```
pub fn try_id() -> Option<Id> {
    context::with_current(|core| core.current_task_id()).flatten()
}
