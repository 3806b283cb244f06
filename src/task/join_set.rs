//! [`JoinSet`]: a set of tasks, joined in the order they finish.
//!
//! Each task's JoinHandle is polled with a waker of its own, which knows
//! the handle's slot. When the task finishes, that waker puts the slot on
//! the set's ready list and wakes whoever awaits `join_next`, which then
//! polls only the slots on the list:
//!
//! ```text
//!   task 7 finishes ──▶ JoinCell wakes slot 7's waker ──▶ ready: [7]
//!                                                         │ wakes the joiner
//!   join_next: pop 7, poll JoinHandle 7 ──▶ Ready(output) ◀┘
//! ```
//!
//! So joining n tasks takes about 2n handle polls (one to leave each
//! waker, one to take each output), never a scan of all n per wake.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use futures_task::{waker_ref, ArcWake};
use slab::Slab;

use super::{AbortHandle, Id, JoinError, JoinHandle};

/// A set of tasks spawned on the runtime, awaited in the order they
/// finish (tokio's `tokio::task::JoinSet`).
///
/// [`spawn`](JoinSet::spawn) adds a task; [`join_next`](JoinSet::join_next)
/// gives the output of whichever finishes next, and `None` once the set
/// is empty. Dropping the set aborts every task still in it;
/// [`detach_all`](JoinSet::detach_all) lets them run on instead.
///
/// The tasks need not be `Send` (they stay on the loop's thread, like
/// every evloop task); the set itself is `Send` when `T` is, like tokio's.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::task::JoinSet;
///
/// let rt = evloop::Runtime::builder().start_paused(true).build()?;
/// rt.block_on(async {
///     let mut set = JoinSet::new();
///     for ms in [30, 10, 20] {
///         set.spawn(async move {
///             evloop::time::sleep(Duration::from_millis(ms)).await;
///             ms
///         });
///     }
///     let mut order = Vec::new();
///     while let Some(result) = set.join_next().await {
///         order.push(result.unwrap());
///     }
///     assert_eq!(order, [10, 20, 30]); // as they finished
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct JoinSet<T> {
    /// The tasks' handles, by slot; a slot's waker reports its index.
    entries: Slab<Entry<T>>,
    /// The slots whose handle is due a poll, shared with their wakers.
    ready: Arc<ReadyList>,
    /// Handle polls so far, for the test that joining is O(n).
    #[cfg(test)]
    entry_polls: u64,
}

/// One task of the set.
struct Entry<T> {
    handle: JoinHandle<T>,
    /// The waker its handle is polled with.
    signal: Arc<EntryWaker>,
}

/// Slots to poll, and the task awaiting `join_next`. A mutex, because a
/// blocking job (or a task of another runtime) finishes on another thread;
/// it is never held while user code runs.
struct ReadyList {
    state: Mutex<ReadyState>,
}

struct ReadyState {
    /// Slots in the order their tasks finished (or were spawned, for the
    /// first poll that leaves each handle its waker).
    slots: std::collections::VecDeque<usize>,
    /// Whoever awaits `join_next`, woken by the next slot pushed.
    waiter: Option<Waker>,
}

impl ReadyList {
    fn lock(&self) -> MutexGuard<'_, ReadyState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `slot` and wakes the joiner (outside the lock).
    fn push(&self, slot: usize) {
        let waiter = {
            let mut state = self.lock();
            state.slots.push_back(slot);
            state.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    fn pop(&self) -> Option<usize> {
        self.lock().slots.pop_front()
    }
}

/// The waker of one slot: waking it queues the slot, once until its next
/// poll.
struct EntryWaker {
    slot: usize,
    /// The slot is on the ready list already: a second wake adds nothing.
    queued: AtomicBool,
    ready: Arc<ReadyList>,
}

impl ArcWake for EntryWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        if !arc_self.queued.swap(true, Ordering::AcqRel) {
            arc_self.ready.push(arc_self.slot);
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set = evloop::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: Slab::new(),
            ready: Arc::new(ReadyList {
                state: Mutex::new(ReadyState {
                    slots: std::collections::VecDeque::new(),
                    waiter: None,
                }),
            }),
            #[cfg(test)]
            entry_polls: 0,
        }
    }

    /// How many tasks are in the set (finished ones count until joined).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 1);
    ///     set.join_next().await;
    ///     assert_eq!(set.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if the set holds no task.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(evloop::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Spawns `task` on the runtime of this thread and adds it to the set.
    /// The returned [`AbortHandle`] cancels it without taking it out.
    ///
    /// # Panics
    ///
    /// Outside a runtime, like [`evloop::spawn`](crate::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.insert(crate::spawn(task))
    }

    /// The same as [`spawn`](JoinSet::spawn): every evloop task is local
    /// to the loop's thread already. It exists so that code written for
    /// tokio's `JoinSet::spawn_local` ports unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     let shared = Rc::new(3);
    ///     set.spawn_local(async move { *shared });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 3);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.spawn(task)
    }

    /// Runs `f` on the blocking pool (see
    /// [`spawn_blocking`](crate::task::spawn_blocking)) and adds it to the
    /// set.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     set.spawn_blocking(|| 6 * 7);
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.insert(super::spawn_blocking(f))
    }

    /// Takes `handle` into the set; its first poll (which leaves it the
    /// slot's waker) is due at once.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let entry = self.entries.vacant_entry();
        let slot = entry.key();
        let signal = Arc::new(EntryWaker {
            slot,
            queued: AtomicBool::new(true),
            ready: self.ready.clone(),
        });
        entry.insert(Entry { handle, signal });
        self.ready.push(slot);
        abort
    }

    /// Waits for the next task to finish and gives its result; `None` at
    /// once if the set is empty. Results come in the order the tasks
    /// finished, not the order they were spawned.
    ///
    /// Cancel-safe: dropping the future loses no result.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     set.spawn(async { panic!("boom") });
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_panic());
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// [`join_next`](JoinSet::join_next), with the finished task's [`Id`]
    /// beside its output (or error).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     let id = set.spawn(async { "done" }).id();
    ///     let (joined, output) = set.join_next_with_id().await.unwrap().unwrap();
    ///     assert_eq!((joined, output), (id, "done"));
    /// });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// The result of a task that has finished, without waiting: `None` if
    /// none has (or the set is empty).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     set.spawn(async { 5 });
    ///     assert!(set.try_join_next().is_none(), "not run yet");
    ///     evloop::task::yield_now().await;
    ///     assert_eq!(set.try_join_next().unwrap().unwrap(), 5);
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|result| result.map(|(_, output)| output))
    }

    /// [`try_join_next`](JoinSet::try_join_next), with the task's [`Id`].
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     let id = set.spawn(async { 5 }).id();
    ///     evloop::task::yield_now().await;
    ///     assert_eq!(set.try_join_next_with_id().unwrap().unwrap(), (id, 5));
    /// });
    /// ```
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        match self.next_ready(None) {
            Poll::Ready(result) => result,
            Poll::Pending => None,
        }
    }

    /// The poll behind [`join_next`](JoinSet::join_next), for hand-written
    /// futures: `Ready(None)` if the set is empty, `Ready(Some(_))` with
    /// a finished task's result, or `Pending` (and `cx` is woken when a
    /// task finishes).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     set.spawn(async { 8 });
    ///     let result = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
    ///     assert_eq!(result.unwrap().unwrap(), 8);
    /// });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|next| next.map(|result| result.map(|(_, output)| output)))
    }

    /// [`poll_join_next`](JoinSet::poll_join_next), with the task's [`Id`].
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::<()>::new();
    ///     let next = std::future::poll_fn(|cx| set.poll_join_next_with_id(cx)).await;
    ///     assert!(next.is_none(), "an empty set is ready at once");
    /// });
    /// ```
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        self.next_ready(Some(cx))
    }

    /// Polls the slots on the ready list until one gives a result. With a
    /// `cx`, it is registered first, so a task that finishes while the
    /// list is drained still wakes it.
    fn next_ready(
        &mut self,
        cx: Option<&mut Context<'_>>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.entries.is_empty() {
            return Poll::Ready(None);
        }
        if let Some(cx) = cx {
            let old = {
                let mut state = self.ready.lock();
                match &state.waiter {
                    Some(waiter) if waiter.will_wake(cx.waker()) => None,
                    _ => state.waiter.replace(cx.waker().clone()),
                }
            };
            drop(old);
        }
        while let Some(slot) = self.ready.pop() {
            if let Some(result) = self.poll_slot(slot) {
                return Poll::Ready(Some(result));
            }
        }
        Poll::Pending
    }

    /// Polls the handle in `slot`, and takes it out of the set if its task
    /// finished. A slot emptied since it was queued is skipped.
    fn poll_slot(&mut self, slot: usize) -> Option<Result<(Id, T), JoinError>> {
        let entry = self.entries.get_mut(slot)?;
        #[cfg(test)]
        {
            self.entry_polls += 1;
        }
        // Cleared before the poll: a wake from now on queues the slot again.
        entry.signal.queued.store(false, Ordering::Release);
        let waker = waker_ref(&entry.signal);
        let mut cx = Context::from_waker(&waker);
        let Poll::Ready(result) = Pin::new(&mut entry.handle).poll(&mut cx) else {
            return None;
        };
        let id = entry.handle.id();
        self.entries.remove(slot);
        Some(result.map(|output| (id, output)))
    }

    /// Aborts every task in the set. They stay in it: `join_next` then
    /// gives each one's cancelled [`JoinError`] (or its output, if it
    /// finished first).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for (_, entry) in &self.entries {
            entry.handle.abort();
        }
    }

    /// Empties the set without aborting: the tasks run on, detached, and
    /// their outputs are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// evloop::block_on(async {
    ///     let ran = Rc::new(Cell::new(false));
    ///     let mut set = evloop::task::JoinSet::new();
    ///     let flag = ran.clone();
    ///     set.spawn(async move { flag.set(true) });
    ///     set.detach_all();
    ///     drop(set);
    ///     evloop::task::yield_now().await;
    ///     assert!(ran.get());
    /// });
    /// ```
    pub fn detach_all(&mut self) {
        self.entries.clear();
        self.ready.lock().slots.clear();
    }

    /// Aborts every task and waits until all have gone, dropping their
    /// results; the set is empty afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let mut set = evloop::task::JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and gives their outputs in the order they
    /// finished.
    ///
    /// # Panics
    ///
    /// If a task panicked, its panic is resumed here; if one was
    /// cancelled, this panics with its error. The tasks still in the set
    /// are aborted (the set drops).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let set: evloop::task::JoinSet<u32> = (1..=3).map(|n| async move { n * n }).collect();
    ///     let mut squares = set.join_all().await;
    ///     squares.sort();
    ///     assert_eq!(squares, [1, 4, 9]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(error) => panic!("JoinSet::join_all: a task gave no output: {error}"),
            }
        }
        outputs
    }
}

impl<T> Drop for JoinSet<T> {
    /// Aborts the tasks still in the set (their futures drop at the loop's
    /// next turn).
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

/// Spawns each future into the set, as [`JoinSet::spawn`].
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let mut set = evloop::task::JoinSet::new();
///     set.extend((1..=2).map(|n| async move { n }));
///     assert_eq!(set.len(), 2);
/// });
/// ```
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + 'static,
    T: 'static,
{
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for task in iter {
            self.spawn(task);
        }
    }
}

/// Spawns each future into a new set, as [`JoinSet::spawn`].
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let set: evloop::task::JoinSet<_> = (0..4).map(|n| async move { n }).collect();
///     assert_eq!(set.len(), 4);
/// });
/// ```
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + 'static,
    T: 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::JoinSet;
    use crate::Runtime;

    #[test]
    fn joining_ten_thousand_tasks_polls_each_handle_about_twice() {
        const TASKS: u64 = 10_000;
        let rt = Runtime::builder().start_paused(true).build().unwrap();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for n in 0..TASKS {
                // Each finishes at its own time: one wake per join.
                set.spawn(async move {
                    crate::time::sleep(Duration::from_millis(TASKS - n)).await;
                    n
                });
            }
            let mut joined = 0;
            while let Some(result) = set.join_next().await {
                result.unwrap();
                joined += 1;
            }
            assert_eq!(joined, TASKS);
            // One poll to leave each waker, one to take each output; a scan
            // of all handles per wake would be about TASKS² / 2.
            assert!(
                set.entry_polls <= 2 * TASKS + 10,
                "{} handle polls for {TASKS} tasks",
                set.entry_polls
            );
        });
    }

    #[test]
    fn a_slot_woken_twice_before_its_poll_is_queued_once() {
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(std::future::pending::<()>());
            assert!(set.try_join_next().is_none(), "the first poll");
            let signal = set.entries[0].signal.clone();
            futures_task::ArcWake::wake_by_ref(&signal);
            futures_task::ArcWake::wake_by_ref(&signal);
            assert_eq!(set.ready.lock().slots.len(), 1);
        });
    }
}
