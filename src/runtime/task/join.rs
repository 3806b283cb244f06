//! [`JoinHandle`]: awaits a task's output; the [`JoinCell`] it shares with
//! the task's harness.

use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::{AbortHandle, Id, JoinError};
use crate::runtime::context;
use crate::runtime::waker::Header;

/// Where a task's output waits for its JoinHandle. A mutex, because the
/// JoinHandle of a `Send` output may be awaited on another thread; it is
/// taken twice per task, never contended in single-threaded use.
///
/// Every spawned task has one until its first poll at least, so it is kept
/// to 48 bytes for a `()` output (64 with the `Arc`'s counts): the output
/// and the error apart (an `Option<Result<(), _>>` would take a second
/// word), the error sharing its word with what only a running task needs
/// (see [`Slot`]), the flags beside them under the one lock.
pub(crate) struct JoinCell<T> {
    state: Mutex<JoinState<T>>,
}

struct JoinState<T> {
    /// The output, until the JoinHandle takes it.
    output: Option<T>,
    /// Before completion, the abort handles' header; after it, why there
    /// is no output, until the JoinHandle takes it.
    slot: Slot,
    /// The task awaiting the JoinHandle.
    waker: Option<Waker>,
    /// The task completed (even if its output was taken or dropped since).
    finished: bool,
    /// The JoinHandle was dropped: nobody will take the output, so it is
    /// dropped as soon as the task completes.
    detached: bool,
    /// Set by `abort`; the harness checks it at the first poll (a task
    /// aborted later is dropped by the scheduler instead of polled), and a
    /// blocking job checks it before it starts.
    aborted: bool,
}

/// One word for two things that never coexist: the header the abort
/// handles watch, needed until the task completes, and the error, which
/// only completion brings. Apart, they would make the cell of every task
/// a 16-byte malloc chunk larger.
enum Slot {
    Empty,
    /// The JoinHandle's header, once an [`AbortHandle`] was made: the
    /// abort handles read and write their flags there, since this cell
    /// cannot cross threads when `T` is not `Send`. Told at completion.
    Watcher(Arc<Header>),
    /// The task completed without an output.
    Error(JoinError),
}

impl<T> JoinState<T> {
    /// Takes the result, if the task delivered one.
    fn take_result(&mut self) -> Option<Result<T, JoinError>> {
        match std::mem::replace(&mut self.slot, Slot::Empty) {
            Slot::Error(error) => Some(Err(error)),
            other => {
                self.slot = other;
                self.output.take().map(Ok)
            }
        }
    }

    /// The watched header, if an AbortHandle was made and the task runs.
    fn watcher(&self) -> Option<&Arc<Header>> {
        match &self.slot {
            Slot::Watcher(header) => Some(header),
            _ => None,
        }
    }
}

impl<T> JoinState<T> {
    fn fresh() -> JoinState<T> {
        JoinState {
            output: None,
            slot: Slot::Empty,
            waker: None,
            finished: false,
            detached: false,
            aborted: false,
        }
    }
}

/// Join cells of `()` tasks that nobody references any more, kept by the
/// runtime for its next spawns (see `Core::fresh_cell`): with the header
/// pool, a spawn of a `()` task then allocates only its future's box.
pub(crate) type UnitCell = Arc<JoinCell<()>>;

/// A join cell for the next `()` spawn, if `T` is `()` and `pool` has one.
/// `Any` tells the types apart at run time, without unsafe: the pool's
/// `Option<Arc<JoinCell<()>>>` is an `Option<Arc<JoinCell<T>>>` exactly
/// when `T` is `()`.
pub(crate) fn pooled_cell<T: 'static>(pool: &mut Vec<UnitCell>) -> Option<Arc<JoinCell<T>>> {
    if TypeId::of::<T>() != TypeId::of::<()>() {
        return None;
    }
    let mut cell = pool.pop();
    (&mut cell as &mut dyn Any)
        .downcast_mut::<Option<Arc<JoinCell<T>>>>()
        .and_then(Option::take)
}

/// The cell, reset, for the runtime's pool (`Core::recycle_cell`) if it
/// is a `()` task's and this was its last reference; otherwise it is just
/// dropped. Run by the last two owners, the JoinHandle and the finished
/// task. A plain load of the count, as for headers (`Core::recycle_header`
/// says why that is sound).
pub(crate) fn reclaim_cell<T: 'static>(cell: Arc<JoinCell<T>>) -> Option<UnitCell> {
    if TypeId::of::<T>() != TypeId::of::<()>() || Arc::strong_count(&cell) != 1 {
        return None;
    }
    let mut cell = Some(cell);
    let unit = (&mut cell as &mut dyn Any)
        .downcast_mut::<Option<UnitCell>>()?
        .take()?;
    std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
    // The old state (a waker, a panic's payload) drops after the lock is
    // released.
    let old = std::mem::replace(&mut *unit.lock(), JoinState::fresh());
    drop(old);
    Some(unit)
}

/// [`reclaim_cell`], handing the cell to the runtime running here.
pub(crate) fn recycle_cell<T: 'static>(cell: Arc<JoinCell<T>>) {
    if let Some(unit) = reclaim_cell(cell) {
        context::with_current(move |core| core.recycle_cell(unit));
    }
}

impl<T> JoinCell<T> {
    pub(crate) fn new() -> JoinCell<T> {
        JoinCell {
            state: Mutex::new(JoinState::fresh()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, JoinState<T>> {
        // No user code runs under this lock (outputs and wakers are dropped
        // and woken after it is released), so poisoning cannot happen.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_aborted(&self) -> bool {
        let state = self.lock();
        state.aborted || state.watcher().is_some_and(|h| h.abort_requested())
    }

    /// True if an `AbortHandle` was made and the task has not completed:
    /// it must hear of the completion.
    pub(crate) fn has_abort_handles(&self) -> bool {
        self.lock().watcher().is_some()
    }

    /// Marks the task aborted (see `JoinHandle::abort`).
    fn set_aborted(&self) {
        self.lock().aborted = true;
    }

    /// Stores the task's result (once) and wakes the JoinHandle's task.
    pub(crate) fn complete(&self, result: Result<T, JoinError>) {
        let (waker, unwanted, watcher) = {
            let mut state = self.lock();
            if state.finished {
                return;
            }
            state.finished = true;
            let watcher = std::mem::replace(&mut state.slot, Slot::Empty);
            if let Slot::Watcher(header) = &watcher {
                header.mark_finished();
            }
            if state.detached {
                (None, Some(result), watcher)
            } else {
                match result {
                    Ok(output) => state.output = Some(output),
                    Err(error) => state.slot = Slot::Error(error),
                }
                (state.waker.take(), None, watcher)
            }
        };
        drop((unwanted, watcher));
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// An owned permission to await a spawned task's output.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task panicked
/// or was cancelled ([`abort`](JoinHandle::abort), or its runtime dropped).
/// Dropping it *detaches* the task: it runs on, and its output is dropped.
/// It is `Send` when the output is, so the output of a task spawned through a
/// [`Handle`](crate::Handle) can be awaited on another thread.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let handle = evloop::spawn(async { "hi" });
///     assert_eq!(handle.await.unwrap(), "hi");
/// });
/// ```
pub struct JoinHandle<T> {
    /// The task's waker half, to abort it. `None` only during drop, which
    /// hands it back to the runtime's pool.
    header: Option<Arc<Header>>,
    /// Where the output arrives. `None` only during drop.
    cell: Option<Arc<JoinCell<T>>>,
    /// What the drop does with the cell: `reclaim_cell::<T>`, chosen where
    /// `T: 'static` is known (a `Drop` impl cannot ask for it).
    reclaim: fn(Arc<JoinCell<T>>) -> Option<UnitCell>,
    /// The output was taken: the cell holds nothing more for us, so the
    /// drop need not lock it (the common `handle.await` path).
    taken: bool,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(header: Arc<Header>, cell: Arc<JoinCell<T>>) -> JoinHandle<T>
    where
        T: 'static,
    {
        JoinHandle {
            header: Some(header),
            cell: Some(cell),
            reclaim: reclaim_cell::<T>,
            taken: false,
        }
    }

    /// Cancels the task: it is not polled again, its future is dropped on
    /// the loop's thread at its next turn, and awaiting this handle gives a
    /// cancelled [`JoinError`]. Aborting a finished task does nothing. Works
    /// from any thread, before the task's first poll too.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let handle = evloop::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        // The flag covers a task (or blocking job) that has not started;
        // the runtime's own abort drops a task that has.
        self.cell().set_aborted();
        if let Some(header) = &self.header {
            header.abort_task();
        }
    }

    /// True once the task completed, was cancelled or panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let handle = evloop::spawn(async {});
    ///     assert!(!handle.is_finished());
    ///     evloop::task::yield_now().await;
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.cell().lock().finished
    }

    /// The task's [`Id`]. A task spawned through a
    /// [`Handle`](crate::Handle) from another thread gets its id when the
    /// loop takes it in; until then this is an id of task number 0 that
    /// no task has.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let a = evloop::spawn(async {});
    ///     let b = evloop::spawn(async {});
    ///     assert_ne!(a.id(), b.id());
    /// });
    /// ```
    pub fn id(&self) -> Id {
        let header = self.header();
        Id::new(header.runtime_id(), header.generation())
    }

    /// A handle that aborts the task without owning its output: `Send +
    /// Sync` and cloneable, so any thread may keep one. It does not keep
    /// the output from being taken by this JoinHandle.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let task = evloop::spawn(std::future::pending::<()>());
    ///     let abort = task.abort_handle();
    ///     std::thread::spawn(move || abort.abort()).join().unwrap();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        let header = self.header().clone();
        {
            let mut state = self.cell().lock();
            if state.finished {
                header.mark_finished();
            } else if state.watcher().is_none() {
                state.slot = Slot::Watcher(header.clone());
            }
        }
        AbortHandle::new(header)
    }

    fn cell(&self) -> &Arc<JoinCell<T>> {
        self.cell.as_ref().expect("the cell is there until drop")
    }

    fn header(&self) -> &Arc<Header> {
        self.header
            .as_ref()
            .expect("the header is there until drop")
    }

    /// The task's header, for the scheduler's unit tests.
    #[cfg(test)]
    pub(crate) fn header_for_test(&self) -> Arc<Header> {
        self.header.clone().expect("the header is there until drop")
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let old_waker = {
            let cell = this.cell.as_ref().expect("the cell is there until drop");
            let mut state = cell.lock();
            if let Some(result) = state.take_result() {
                drop(state);
                this.taken = true;
                return Poll::Ready(result);
            }
            if state.finished {
                panic!("JoinHandle polled after it returned its result");
            }
            match &state.waker {
                Some(waker) if waker.will_wake(cx.waker()) => None,
                _ => state.waker.replace(cx.waker().clone()),
            }
        };
        drop(old_waker);
        Poll::Pending
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !self.taken {
            let (output, waker) = {
                let mut state = self.cell().lock();
                state.detached = true;
                (state.take_result(), state.waker.take())
            };
            drop((output, waker));
        }
        let cell = self.cell.take().and_then(self.reclaim);
        // If the task is done too, this is the header's last owner: give it
        // back to the runtime for the next spawn; the same for a `()`
        // task's cell. One lookup of the runtime for both.
        if let Some(header) = self.header.take() {
            context::with_current(move |core| {
                core.release_join_header(header);
                if let Some(cell) = cell {
                    core.recycle_cell(cell);
                }
            });
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::JoinCell;
    use crate::runtime::waker::Header;

    #[test]
    fn abort_handles_cost_a_join_cell_and_a_header_no_memory() {
        // The watcher shares the error's word: the cell is as large as
        // before AbortHandle existed.
        assert!(std::mem::size_of::<JoinCell<()>>() <= 48);
        // The flags byte fills padding: with the Arc's two counts (16
        // bytes) and malloc's 8, the header is still one 64-byte chunk.
        assert!(std::mem::size_of::<Header>() + 16 + 8 <= 64);
    }
}
