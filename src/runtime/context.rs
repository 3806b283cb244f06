//! The thread-local "current runtime".
//!
//! While `block_on` or `run_forever` runs, `CURRENT` holds the runtime's
//! [`Core`]. Free functions such as [`spawn`](crate::spawn) find their
//! runtime here, and a waker uses it to tell whether it may take the local,
//! lock-free path. Entering is guarded: a second `block_on` on the same
//! thread would block the loop that is already running, so it panics with a
//! message that says what to do instead.

use std::cell::RefCell;
use std::rc::Rc;

use super::scheduler::Core;

thread_local! {
    /// The runtime running on this thread, if any.
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Runs `f` with the runtime running on this thread; `None` when there is
/// none (or the thread is being torn down).
///
/// `f` must not run user code: it holds a borrow of `CURRENT`.
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<Core>) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| current.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// Runs `f` on runtime `id` if that is the runtime running on this thread
/// (a waker's or a timer's home); `None` if another or none is. The
/// callers then take the remote path.
///
/// `f` must not run user code: it holds a borrow of `CURRENT`.
pub(crate) fn with_home<R>(id: u64, f: impl FnOnce(&Core) -> R) -> Option<R> {
    with_current(|core| (core.id == id).then(|| f(core))).flatten()
}

/// The current runtime's core, or a panic naming the fix.
#[track_caller]
pub(crate) fn expect_current(what: &str) -> Rc<Core> {
    match with_current(Rc::clone) {
        Some(core) => core,
        None => panic!(
            "{what} called outside of an evloop runtime: call it from a future \
             driven by `Runtime::block_on` (or `evloop::block_on`), or use \
             `Runtime::spawn` / `Handle::spawn`"
        ),
    }
}

/// Marks this thread as running `core` until the guard drops.
#[must_use]
pub(crate) struct EnterGuard {
    /// The runtime entered; its running count goes down on drop.
    core: Rc<Core>,
    /// What was current before; restored on drop.
    previous: Option<Rc<Core>>,
}

/// Enters `core` for `block_on` or `run_forever`.
#[track_caller]
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
    let nested = with_current(|_| ()).is_some();
    if nested {
        panic!(
            "cannot start a runtime from within a runtime: `block_on` (or \
             `run_forever`) was called while an evloop runtime is already \
             running on this thread, which would block its event loop. \
             `.await` the future instead, or `evloop::spawn` it"
        );
    }
    enter_unchecked(core)
}

/// Enters `core` even if another runtime is current (used to drop a
/// runtime's tasks inside its own context, wherever the drop happens).
///
/// While the thread is being torn down (a `Runtime` kept in a
/// `thread_local!` drops after `CURRENT` is gone), there is no context to
/// enter: the runtime still counts as running for its own sockets, but
/// free functions such as `spawn` find no runtime.
pub(crate) fn enter_unchecked(core: Rc<Core>) -> EnterGuard {
    core.enter();
    let previous = CURRENT
        .try_with(|current| current.borrow_mut().replace(core.clone()))
        .ok()
        .flatten();
    EnterGuard { core, previous }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Restore, then drop our Rc outside the borrow.
        let _ours = CURRENT
            .try_with(|current| std::mem::replace(&mut *current.borrow_mut(), previous))
            .ok()
            .flatten();
        self.core.leave();
    }
}
