//! How a wake-up travels from a `Waker` back to the run queue.
//!
//! Every task owns one [`Header`], an `Arc` that futures-task's [`ArcWake`]
//! turns into a `std::task::Waker` without any `unsafe`. Waking it takes one
//! of two paths:
//!
//! ```text
//!   waker.wake() on the loop's thread          waker.wake() on another thread
//!            |                                            |
//!   thread-local CURRENT is our runtime?      lock Shared.remote, push the id
//!            | yes                                        |
//!   Core::schedule(id): flag + push_back      first since the last drain?
//!   (no lock, no allocation)                              | yes
//!                                             mio::Waker::wake() (eventfd)
//!                                                         |
//!                                  the loop wakes, drains the queue, schedules
//! ```
//!
//! A wake never polls anything itself: it only queues the task id, and the
//! loop polls the task later, from the top of its own stack.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use futures_task::ArcWake;

use super::context;
use super::scheduler::{Core, RemoteFuture};
use super::task::TaskId;
use super::time_driver::TimerKey;

/// The `Send + Sync` half of a task: what its waker needs to find it again.
pub(crate) struct Header {
    /// Which runtime owns the task; compared with the thread's current
    /// runtime to choose the local (lock-free) or the remote path.
    runtime_id: u64,
    /// Slab index of the task. Written once, before the task can be polled.
    index: AtomicUsize,
    /// The task's generation: 0 until the task is in the slab (a wake before
    /// that is dropped: inserting the task schedules it anyway). A reused slab
    /// slot gets a new generation, so a stale waker never wakes its new
    /// occupant.
    generation: AtomicU64,
    /// The runtime's cross-thread part, for wakes from other threads.
    shared: Arc<Shared>,
    /// [`ABORT_REQUESTED`] and [`FINISHED`], for the `AbortHandle`s of a
    /// JoinHandle's header (the JoinCell, generic over the output, cannot
    /// cross threads when the output is not `Send`). One byte in what was
    /// padding: the header's allocation stays one 64-byte malloc chunk.
    flags: AtomicU8,
}

/// A header flag: an `AbortHandle` aborted the task (the JoinCell reads it
/// where it reads its own abort flag).
const ABORT_REQUESTED: u8 = 1;
/// A header flag: the task's JoinCell received its result.
const FINISHED: u8 = 2;

impl Header {
    /// A header for a task that does not have a slab slot yet.
    pub(crate) fn new(runtime_id: u64, shared: Arc<Shared>) -> Header {
        Header {
            runtime_id,
            index: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            shared,
            flags: AtomicU8::new(0),
        }
    }

    /// Records where the task lives; called once, when it enters the slab.
    pub(crate) fn set_id(&self, id: TaskId) {
        self.index.store(id.index, Ordering::Relaxed);
        // SeqCst pairs with `JoinHandle::abort`: either abort sees the id and
        // wakes the task, or the task's first poll sees the abort flag.
        self.generation.store(id.generation, Ordering::SeqCst);
    }

    /// The runtime this header belongs to.
    pub(crate) fn runtime_id(&self) -> u64 {
        self.runtime_id
    }

    /// Makes a header ready for another task. Call only on the last
    /// `Arc` (see `Core::recycle_header`): no waker is left that could
    /// still wake through it.
    pub(crate) fn reset(&self) {
        self.generation.store(0, Ordering::Relaxed);
        self.flags.store(0, Ordering::Relaxed);
    }

    /// The task's generation, 0 while it has none (see `generation`).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Notes an `AbortHandle`'s abort, for a task not yet polled to see.
    /// SeqCst, like `set_id`: either the abort that follows finds the id,
    /// or the first poll finds this flag.
    pub(crate) fn request_abort(&self) {
        self.flags.fetch_or(ABORT_REQUESTED, Ordering::SeqCst);
    }

    /// True once an `AbortHandle` aborted the task.
    pub(crate) fn abort_requested(&self) -> bool {
        self.flags.load(Ordering::SeqCst) & ABORT_REQUESTED != 0
    }

    /// Notes that the task's result arrived (for `AbortHandle::is_finished`).
    pub(crate) fn mark_finished(&self) {
        self.flags.fetch_or(FINISHED, Ordering::Release);
    }

    /// True once [`mark_finished`](Header::mark_finished) was called.
    pub(crate) fn is_finished(&self) -> bool {
        self.flags.load(Ordering::Acquire) & FINISHED != 0
    }

    /// Asks the task's runtime to cancel it: at its next turn the loop
    /// drops the task instead of polling it. A task not yet in the slab
    /// is caught by its first poll, which checks the JoinCell's flag.
    pub(crate) fn abort_task(&self) {
        let Some(id) = self.id() else { return };
        if !self.at_home(|core| core.abort(id)) {
            self.shared.abort_remote(id);
        }
    }

    /// Runs `f` on the task's runtime if that runtime is the one running on
    /// this thread, and says whether it did; if not, the caller goes
    /// through the remote queue.
    fn at_home(&self, f: impl FnOnce(&Core)) -> bool {
        context::with_home(self.runtime_id, f).is_some()
    }

    /// The task this header names, once it is in the slab.
    pub(crate) fn id(&self) -> Option<TaskId> {
        let generation = self.generation.load(Ordering::SeqCst);
        (generation != 0).then(|| TaskId {
            index: self.index.load(Ordering::Relaxed),
            generation,
        })
    }
}

impl ArcWake for Header {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        let Some(id) = arc_self.id() else { return };
        // The fast path: our runtime is running on this very thread.
        if !arc_self.at_home(|core| core.schedule(id)) {
            arc_self.shared.wake_remote(id);
        }
    }
}

/// The part of a runtime that other threads may touch: a mutex-protected
/// queue of wake-ups and spawned futures, and the `mio::Waker` that
/// interrupts the loop's `epoll_wait`.
pub(crate) struct Shared {
    /// Wakes and spawns from other threads, drained by the loop.
    remote: Mutex<RemoteQueue>,
    /// Set by the first remote push after a drain; only that push pays for
    /// the `mio::Waker` syscall.
    notified: AtomicBool,
    /// Set by `Handle::stop`; `run_forever` returns when it sees it.
    stop: AtomicBool,
    /// Blocking-pool jobs started from this runtime and not yet finished.
    /// While any runs, a paused clock must not jump to the next timer: the
    /// job's result is progress the clock cannot see. Pool threads decrement
    /// it, so it is atomic.
    blocking_jobs: AtomicUsize,
}

/// What other threads hand to the loop.
#[derive(Default)]
pub(crate) struct RemoteQueue {
    /// Tasks woken from other threads.
    pub(crate) wakes: Vec<TaskId>,
    /// Tasks aborted from other threads.
    pub(crate) aborts: Vec<TaskId>,
    /// `Send` futures spawned through a `Handle` from other threads.
    pub(crate) spawns: Vec<(RemoteFuture, Arc<Header>)>,
    /// Timers of this runtime that a `Sleep` left behind when it moved to
    /// another runtime or was dropped away from this one.
    pub(crate) cancels: Vec<TimerKey>,
    /// Interrupts the loop's wait on mio (an eventfd on Linux). Taken when
    /// the runtime drops, which closes it, however many wakers and handles
    /// outlive the runtime; from then on pushes are refused, so nothing
    /// accumulates. Only the shared queue's copy has one.
    waker: Option<mio::Waker>,
}

impl Shared {
    pub(crate) fn new(waker: mio::Waker) -> Shared {
        Shared {
            remote: Mutex::new(RemoteQueue {
                waker: Some(waker),
                ..RemoteQueue::default()
            }),
            notified: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            blocking_jobs: AtomicUsize::new(0),
        }
    }

    /// Counts a blocking job as started (call on the loop's thread, before
    /// handing the job to the pool).
    pub(crate) fn blocking_job_started(&self) {
        self.blocking_jobs.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a blocking job as finished (call on the pool thread, after
    /// its result is stored and its waiter woken). The last one wakes the
    /// loop: with a paused clock it may be waiting for exactly this, to
    /// jump to the next timer, even if nobody awaits the job's result. With
    /// a real clock that wake-up is spare (one extra tick per idle pool);
    /// the shared counter does not know which clock the loop runs.
    pub(crate) fn blocking_job_finished(&self) {
        if self.blocking_jobs.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.interrupt();
        }
    }

    /// True while a blocking job started from this runtime is running.
    pub(crate) fn blocking_jobs_in_flight(&self) -> bool {
        self.blocking_jobs.load(Ordering::SeqCst) > 0
    }

    fn lock(&self) -> MutexGuard<'_, RemoteQueue> {
        // No user code runs under this lock, so poisoning cannot happen; if
        // it somehow did, the queue is still consistent.
        self.remote.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds to the remote queue with `push` and interrupts the loop's wait,
    /// once per drain. False (and `push` not called) if the runtime is gone.
    fn push(&self, push: impl FnOnce(&mut RemoteQueue)) -> bool {
        let mut queue = self.lock();
        if queue.waker.is_none() {
            return false;
        }
        push(&mut queue);
        if !self.notified.swap(true, Ordering::AcqRel) {
            if let Some(waker) = &queue.waker {
                // Under the lock, so the eventfd cannot close meanwhile.
                let _ = waker.wake();
            }
        }
        true
    }

    /// Interrupts the loop's wait, if the runtime still exists.
    fn interrupt(&self) {
        if let Some(waker) = &self.lock().waker {
            let _ = waker.wake();
        }
    }

    /// Queues a wake from a thread that is not running the loop.
    fn wake_remote(&self, id: TaskId) {
        self.push(|queue| queue.wakes.push(id));
    }

    /// Queues the cancellation of a task, from another thread.
    fn abort_remote(&self, id: TaskId) {
        self.push(|queue| queue.aborts.push(id));
    }

    /// Queues the cancellation of a timer, from outside the loop.
    pub(crate) fn cancel_timer_remote(&self, key: TimerKey) {
        self.push(|queue| queue.cancels.push(key));
    }

    /// Queues a spawned future for the loop. Gives the future back if the
    /// runtime is gone, so the caller can drop it outside the lock.
    pub(crate) fn spawn_remote(
        &self,
        future: RemoteFuture,
        header: Arc<Header>,
    ) -> Result<(), RemoteFuture> {
        let mut future = Some(future);
        self.push(|queue| queue.spawns.extend(future.take().map(|f| (f, header))));
        future.map_or(Ok(()), Err)
    }

    /// Swaps the remote queue with `into` (an empty queue whose buffers the
    /// loop reuses), if anything was pushed since the last drain.
    pub(crate) fn drain_into(&self, into: &mut RemoteQueue) -> bool {
        if !self.notified.load(Ordering::Acquire) {
            return false;
        }
        // Clear the flag before taking the queue: a push after this point
        // notifies again, so it is never stranded.
        self.notified.store(false, Ordering::Release);
        let mut queue = self.lock();
        std::mem::swap(&mut queue.wakes, &mut into.wakes);
        std::mem::swap(&mut queue.aborts, &mut into.aborts);
        std::mem::swap(&mut queue.spawns, &mut into.spawns);
        std::mem::swap(&mut queue.cancels, &mut into.cancels);
        true
    }

    /// Refuses further pushes, closes the `mio::Waker` and returns what is
    /// still queued, to be dropped by the caller outside the lock.
    pub(crate) fn close(&self) -> RemoteQueue {
        let mut queue = self.lock();
        RemoteQueue {
            wakes: std::mem::take(&mut queue.wakes),
            aborts: std::mem::take(&mut queue.aborts),
            spawns: std::mem::take(&mut queue.spawns),
            cancels: Vec::new(),
            waker: queue.waker.take(),
        }
    }

    /// Asks `run_forever` to return; callable from any thread.
    pub(crate) fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
        self.notified.store(true, Ordering::Release);
        self.interrupt();
    }

    /// Consumes a pending stop request.
    pub(crate) fn take_stop(&self) -> bool {
        self.stop.swap(false, Ordering::AcqRel)
    }
}

/// The live runtimes' shared parts by id, for the rare code that must reach
/// a runtime it is not running in: a `Sleep` is `Send`, so it can move to
/// another runtime (or thread) and leave its timer behind, and it carries
/// only its runtime's id, to stay small. Written when a runtime is made and
/// dropped; read only on those rare paths.
static RUNTIMES: Mutex<Vec<(u64, Weak<Shared>)>> = Mutex::new(Vec::new());

fn runtimes() -> MutexGuard<'static, Vec<(u64, Weak<Shared>)>> {
    RUNTIMES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Lists a new runtime's shared part under its id.
pub(crate) fn register_runtime(id: u64, shared: &Arc<Shared>) {
    runtimes().push((id, Arc::downgrade(shared)));
}

/// Takes a dropped runtime off the list.
pub(crate) fn unregister_runtime(id: u64) {
    runtimes().retain(|(listed, _)| *listed != id);
}

/// The shared part of runtime `id`, if it is still alive.
pub(crate) fn shared_of(id: u64) -> Option<Arc<Shared>> {
    let list = runtimes();
    let (_, shared) = list.iter().find(|(listed, _)| *listed == id)?;
    shared.upgrade()
}
