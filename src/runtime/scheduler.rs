//! The task slab, the run queue and one tick of the loop.
//!
//! ```text
//! tick():
//!   1. run ready tasks    pop ids off the run queue, poll each task once;
//!                         at most `event_interval` polls, so I/O is looked
//!                         at regularly even when tasks keep waking each other
//!   2. wait for events    timeout 0 if work is ready, else until the next
//!                         timer, else forever (a paused clock jumps to the
//!                         next timer instead of waiting)
//!   3. dispatch           readiness -> the wakers left in the reactor;
//!                         remote queue -> schedule woken ids, insert spawns
//!   4. fire timers        every deadline that has passed wakes its task,
//!                         as many a tick as the run queue has room for
//!   5. trace              one line to stderr, if tracing is on
//! ```

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_task::waker_ref;
use slab::Slab;

use super::blocking::BlockingPool;
use super::diagnostics::{Diagnostics, SpawnMeta, TaskStats, TickReport, WaitReason, WaitingOn};
use super::dump::{self, Dump, TaskDump, TaskState};
use super::io_driver::IoDriver;
use super::metrics::{Metrics, MetricsCells};
use super::task::harness::{self, TaskFuture};
use super::task::join::{self, JoinCell, UnitCell};
use super::task::{JoinHandle, TaskId};
use super::time_driver::{Target, TimeDriver};
use super::waker::{Header, RemoteQueue, Shared};
use super::{Config, UnhandledPanic};

/// A task's future and stats, type-erased; its output goes to the
/// JoinHandle.
pub(crate) type LocalFuture = Pin<Box<dyn TaskFuture>>;
/// A future spawned from another thread (so it had to be `Send`).
pub(crate) type RemoteFuture = Pin<Box<dyn TaskFuture + Send>>;

/// Hands a dump to the task that asked for it (see `Core::dump_after_poll`).
pub(crate) type DumpDelivery = Box<dyn FnOnce(Dump)>;

/// I/O operations one poll of a task may complete before it must yield:
/// tokio's figure, high enough that a normal poll never meets it.
const POLL_BUDGET: u32 = 128;

/// How many spare headers (and `()` join cells) a runtime keeps: enough
/// for a burst of a thousand tasks; beyond it, malloc.
const POOL_CAP: usize = 1024;

/// The slab index that stands for `block_on`'s own future, which is not in
/// the slab; its generation tells one `block_on` from the next.
const MAIN_INDEX: usize = usize::MAX;

/// The slab index in the id of a blocking job, which never enters the
/// slab: it has a generation, for its `task::Id`, and nothing to wake.
const BLOCKING_INDEX: usize = usize::MAX - 1;

/// Bit 0 of a task's tag: the task is in the run queue already, so a second
/// wake must not queue it twice.
const QUEUED: u64 = 1;

/// Bit 1 of a task's tag: its JoinHandle aborted it, so at its next turn
/// it is dropped, not polled.
const ABORTED: u64 = 2;

/// The generation sits above the two flag bits.
const GENERATION_SHIFT: u32 = 2;

/// A run-queue entry for slab slot `index`.
fn queue_entry(index: usize) -> u32 {
    u32::try_from(index).expect("evloop: more than 4 billion live tasks")
}

/// The tag of an idle task of `generation` (see `Core::tags`).
fn tag(generation: u64) -> u64 {
    generation << GENERATION_SHIFT
}

/// The generation in a tag.
fn generation_of(tag: u64) -> u64 {
    tag >> GENERATION_SHIFT
}

/// One slab slot: 24 bytes; what else a task has lives in its future's
/// allocation, and its generation and flags in `Core::tags`.
struct Task {
    /// The future, with the task's stats. While the task is polled it is
    /// moved out (a [`Polling`] stands in, which allocates nothing), so
    /// that no borrow of the slab is held while user code runs (user code
    /// spawns, wakes and drops other tasks).
    future: LocalFuture,
    /// The task's waker header, if someone may wake through it: its
    /// JoinHandle, or a waker cloned during a poll. A task parked with
    /// neither (detached, waiting on its own timer or on `pending()`)
    /// gives its header back to the pool and takes one again when it is
    /// next polled; that keeps 200,000 idle tasks 64 bytes a task lighter.
    header: Option<Arc<Header>>,
}

/// What stands in a slab slot while its task's future is being polled.
struct Polling;

impl Future for Polling {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

impl TaskFuture for Polling {
    fn stats(&self) -> Option<&TaskStats> {
        None
    }

    fn stats_mut(self: Pin<&mut Self>) -> Option<&mut TaskStats> {
        None
    }

    fn touch(&self) -> (bool, u64) {
        (false, 0)
    }

    fn release_unwatched(self: Pin<&mut Self>) {}
}

/// A [`Polling`] to swap in: a zero-sized box, so no allocation.
fn polling() -> LocalFuture {
    Box::pin(Polling)
}

/// The single-threaded heart of a runtime. Only the loop's thread sees it:
/// other threads go through [`Shared`].
pub(crate) struct Core {
    /// Tells runtimes apart, so a waker knows whether it is at home.
    pub(crate) id: u64,
    /// The builder's settings.
    pub(crate) config: Config,
    /// How many context guards have entered this runtime and not left it
    /// (see `context::enter_unchecked`): above 0 while its loop runs or
    /// while it drops its tasks. Its sockets work only then.
    entered: Cell<u32>,
    /// Every live task.
    tasks: RefCell<Slab<Task>>,
    /// Beside each slab slot, one word: the occupant's generation shifted
    /// left by two, bit 0 ([`QUEUED`]) set while it waits in the run queue,
    /// bit 1 ([`ABORTED`]) once its JoinHandle aborted it; 0 for a vacant
    /// slot. A wake reads and sets only this word, in an
    /// array 8 bytes a task that stays in cache; the slot and the task's
    /// allocation are touched when the task is polled. With 100,000
    /// sleeping tasks (`timer_fire`) that is one cache miss fewer a wake.
    tags: RefCell<Vec<u64>>,
    /// Tasks woken and not yet polled, oldest first.
    /// Slab indices only: an entry stands for "poll whoever is in this
    /// slot if its tag says queued", and the tag is cleared by the first
    /// such poll, so an entry left behind by a task that finished is
    /// harmless. Four bytes an entry: with 100,000 tasks woken by timers
    /// the queue is long, and its tail is a cache miss a wake.
    run_queue: RefCell<VecDeque<u32>>,
    /// The next task generation.
    next_generation: Cell<u64>,
    /// The generation of the running `block_on`'s future (its waker's
    /// [`TaskId`] has index [`MAIN_INDEX`]); 0 while none runs, so that a
    /// waker kept from an earlier `block_on` wakes nothing.
    main_generation: Cell<u64>,
    /// `block_on`'s future was woken and must be polled.
    main_woken: Cell<bool>,
    /// The cross-thread part: remote queue, mio waker, stop flag.
    pub(crate) shared: Arc<Shared>,
    /// mio and the registered sources (see [`Core::io`]).
    io: IoDriver,
    /// The clock and the timers (see [`Core::time`]).
    time: TimeDriver,
    /// Threads for `spawn_blocking`.
    blocking: BlockingPool,
    /// The remote queue's buffers, swapped with it at each drain, so that
    /// a tick does not allocate.
    remote_buffer: RefCell<RemoteQueue>,
    /// Headers of finished tasks that nobody references any more, reused by
    /// the next spawns. A spawn then makes two allocations instead of three;
    /// malloc and free were 40% of the instructions of spawning an empty
    /// task (callgrind, `spawn_many_local`).
    header_pool: RefCell<Vec<Arc<Header>>>,
    /// Join cells of finished `()` tasks, likewise (see `fresh_cell`).
    cell_pool: RefCell<Vec<UnitCell>>,
    /// Counters for `Runtime::metrics`.
    metrics: MetricsCells,
    /// Poll timing, slow-poll warnings and the trace.
    diag: Diagnostics,
    /// The task being polled, so the timer and I/O code can note what it
    /// waits on.
    current: Cell<Option<TaskId>>,
    /// The address of the waker `poll_task` made for that task, to tell it
    /// from other wakers (see [`Core::own_task`]). Compared, never
    /// dereferenced.
    current_waker: Cell<*const Waker>,
    /// I/O operations the task being polled may still complete without
    /// yielding (see [`Core::consume_budget`]).
    budget: Cell<u32>,
    /// Dumps asked for by the task being polled (`Handle::dump`), answered
    /// once its poll returned: its stats are in its future's allocation,
    /// which the poll borrows.
    dump_requests: RefCell<Vec<(TaskId, DumpDelivery)>>,
    /// What the task being polled said it waits on (see `note_waiting_on`).
    noted_wait: Cell<Option<WaitingOn>>,
    /// `block_on`'s future, for slow-poll warnings and the trace.
    main_stats: RefCell<TaskStats>,
    /// A task's panic that `UnhandledPanic::ShutdownRuntime` sends to
    /// `block_on` instead of the task's JoinHandle.
    unhandled_panic: RefCell<Option<Box<dyn Any + Send>>>,
}

impl Core {
    pub(crate) fn new(id: u64, config: Config, io: IoDriver, shared: Arc<Shared>) -> Core {
        Core {
            id,
            entered: Cell::new(0),
            tasks: RefCell::new(Slab::new()),
            tags: RefCell::new(Vec::new()),
            run_queue: RefCell::new(VecDeque::new()),
            next_generation: Cell::new(1),
            main_generation: Cell::new(0),
            main_woken: Cell::new(false),
            shared,
            io,
            time: TimeDriver::new(config.start_paused),
            blocking: BlockingPool::new(config.blocking),
            remote_buffer: RefCell::new(RemoteQueue::default()),
            header_pool: RefCell::new(Vec::new()),
            cell_pool: RefCell::new(Vec::new()),
            metrics: MetricsCells::default(),
            diag: Diagnostics::new(config.diagnostics.clone()),
            current: Cell::new(None),
            current_waker: Cell::new(std::ptr::null()),
            budget: Cell::new(POLL_BUDGET),
            dump_requests: RefCell::new(Vec::new()),
            noted_wait: Cell::new(None),
            main_stats: RefCell::new(TaskStats::new(SpawnMeta::here())),
            unhandled_panic: RefCell::new(None),
            config,
        }
    }

    /// Counts a context guard entering this runtime.
    pub(crate) fn enter(&self) {
        self.entered.set(self.entered.get() + 1);
    }

    /// Counts a context guard leaving this runtime.
    pub(crate) fn leave(&self) {
        self.entered.set(self.entered.get() - 1);
    }

    /// True while this runtime's loop runs on this thread (or it drops
    /// its tasks): the only time its reactor is polled, and so the only
    /// time its sockets may wait for readiness.
    pub(crate) fn is_running(&self) -> bool {
        self.entered.get() > 0
    }

    /// The I/O driver, for the sockets registered with this runtime.
    pub(crate) fn io(&self) -> &IoDriver {
        &self.io
    }

    /// The time driver, for timers and the clock.
    pub(crate) fn time(&self) -> &TimeDriver {
        &self.time
    }

    /// Runs `f` on the blocking pool and returns the handle for its result.
    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let id = TaskId {
            index: BLOCKING_INDEX,
            generation: self.next_generation(),
        };
        self.blocking.spawn(f, self.id, id, &self.shared)
    }

    /// Takes the next task generation.
    fn next_generation(&self) -> u64 {
        let generation = self.next_generation.get();
        self.next_generation.set(generation + 1);
        generation
    }

    /// The public id of the task being polled; `None` in `block_on`'s own
    /// future, which is no task, and outside any poll.
    pub(crate) fn current_task_id(&self) -> Option<super::task::Id> {
        let id = self.current.get()?;
        Some(super::task::Id::new(self.id, id.generation))
    }

    /// Spawns a future onto this runtime from the loop's own thread.
    #[track_caller]
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_with(future, SpawnMeta::here())
    }

    /// [`spawn`](Core::spawn) with a name or location chosen by the caller.
    pub(crate) fn spawn_with<F>(&self, future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let header = self.fresh_header();
        let cell = self.fresh_cell();
        let (body, join) = harness::new(future, header.clone(), cell, meta);
        self.insert(Box::pin(body), header);
        join
    }

    /// A join cell for a spawn: from the pool if the output is `()` and
    /// the pool has one, else new. With the header pool, a `()` task's
    /// spawn then allocates once, for its future's box: the other
    /// allocation was a fifth of spawning an empty task (`chained_spawn`).
    fn fresh_cell<T: 'static>(&self) -> Arc<JoinCell<T>> {
        let pooled = join::pooled_cell(&mut self.cell_pool.borrow_mut());
        pooled.unwrap_or_else(|| Arc::new(JoinCell::new()))
    }

    /// Keeps a `()` task's join cell, reset, for a later spawn (see
    /// `join::recycle_cell`, which checked it is the last reference).
    pub(crate) fn recycle_cell(&self, cell: UnitCell) {
        let mut pool = self.cell_pool.borrow_mut();
        if pool.len() < POOL_CAP {
            pool.push(cell);
        }
    }

    /// Keeps `header` for a later spawn if it is the last reference, which
    /// happens when the task finished and its JoinHandle is gone. Called by
    /// the last two owners: the finished task and a dropping JoinHandle;
    /// otherwise the `Arc` is just dropped.
    pub(crate) fn recycle_header(&self, header: Arc<Header>) {
        drop(self.release_header(header));
    }

    /// Called by a dropping JoinHandle with its header: if its task still
    /// holds the same header (it has not been polled since, or nobody
    /// cloned its waker), the task lets go of it too, so that the header
    /// goes back to the pool instead of staying with a task nobody can
    /// wake through it.
    pub(crate) fn release_join_header(&self, header: Arc<Header>) {
        let taken = self.take_unpolled_header(&header);
        // Dropped outside the slab's borrow, and before the count is read.
        drop(taken);
        self.recycle_header(header);
    }

    /// The slot's reference to `header`, if its task still holds the
    /// JoinHandle's header (not polled since it was spawned); the task
    /// lets go of its join cell then too, which the JoinHandle already
    /// let go of.
    fn take_unpolled_header(&self, header: &Arc<Header>) -> Option<Arc<Header>> {
        let id = header.id().filter(|_| header.runtime_id() == self.id)?;
        let mut tasks = self.tasks.try_borrow_mut().ok()?;
        if !self.is_live(id) {
            return None;
        }
        let task = &mut tasks[id.index];
        if !task
            .header
            .as_ref()
            .is_some_and(|held| Arc::ptr_eq(held, header))
        {
            return None;
        }
        task.future.as_mut().release_unwatched();
        task.header.take()
    }

    /// [`recycle_header`](Core::recycle_header) that gives the header back
    /// if someone else still holds it.
    ///
    /// A plain load of the count, not `Arc::get_mut`'s compare-exchange:
    /// if it reads 1, no other thread holds the header (wakers only ever
    /// clone an `Arc` someone holds, and no `Weak` is ever made), so none
    /// can appear. The fence pairs with the `Release` decrement of the last
    /// other owner, as `Arc`'s own drop does, so its last reads of the
    /// header happen before our reset. Two atomic read-modify-writes fewer
    /// per task (`chained_spawn`).
    fn release_header(&self, header: Arc<Header>) -> Option<Arc<Header>> {
        if header.runtime_id() != self.id || Arc::strong_count(&header) != 1 {
            return Some(header);
        }
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        header.reset();
        let mut pool = self.header_pool.borrow_mut();
        if pool.len() < POOL_CAP {
            pool.push(header);
        }
        None
    }

    /// A header for a task, from the pool if it has one.
    fn fresh_header(&self) -> Arc<Header> {
        let pooled = self.header_pool.borrow_mut().pop();
        pooled.unwrap_or_else(|| Arc::new(Header::new(self.id, self.shared.clone())))
    }

    /// Puts a task in the slab and schedules its first poll; `header` is
    /// its JoinHandle's, given the task's id.
    fn insert(&self, future: LocalFuture, header: Arc<Header>) {
        let generation = self.next_generation();
        let id = {
            let mut tasks = self.tasks.borrow_mut();
            let entry = tasks.vacant_entry();
            let id = TaskId {
                index: entry.key(),
                generation,
            };
            header.set_id(id);
            // The header came with the JoinHandle; the task polls with it
            // too. A JoinHandle dropped before the first poll takes it
            // back out of the slot (`release_join_header`), so a task
            // spawned and detached at once holds no header until it runs,
            // and a loop of 200,000 such spawns reuses one.
            entry.insert(Task {
                future,
                header: Some(header),
            });
            id
        };
        let mut tags = self.tags.borrow_mut();
        if tags.len() <= id.index {
            tags.resize(id.index + 1, 0);
        }
        tags[id.index] = tag(generation) | QUEUED;
        drop(tags);
        self.run_queue.borrow_mut().push_back(queue_entry(id.index));
        self.metrics.spawned.set(self.metrics.spawned.get() + 1);
    }

    /// Queues a woken task, once. Called by wakers on the loop's thread.
    pub(crate) fn schedule(&self, id: TaskId) {
        if id.index == MAIN_INDEX {
            // Only the running `block_on`'s own waker: a stale one would
            // leave the flag set after that `block_on` returned, and every
            // later tick would think work is ready (a spinning loop).
            if id.generation == self.main_generation.get() {
                self.main_woken.set(true);
            }
            return;
        }
        if let Some(word) = self.tags.borrow_mut().get_mut(id.index) {
            // Still this task (not a later one in its slot), not queued;
            // aborted or not: one compare.
            if *word & !ABORTED == tag(id.generation) {
                *word |= QUEUED;
                self.run_queue.borrow_mut().push_back(queue_entry(id.index));
            }
        }
    }

    /// True if `id` is a live task (not finished, not replaced).
    fn is_live(&self, id: TaskId) -> bool {
        let tags = self.tags.borrow();
        tags.get(id.index)
            .is_some_and(|word| generation_of(*word) == id.generation)
    }

    /// Takes a task out of the slab.
    fn remove(&self, index: usize) -> Task {
        self.tags.borrow_mut()[index] = 0;
        self.tasks.borrow_mut().remove(index)
    }

    /// Marks a task aborted and queues it, so the loop drops it at its next
    /// turn (on this thread, where its future lives).
    pub(crate) fn abort(&self, id: TaskId) {
        if self.is_live(id) {
            self.tags.borrow_mut()[id.index] |= ABORTED;
            self.schedule(id);
        }
    }

    /// Takes the "main future was woken" flag (for `block_on`).
    pub(crate) fn take_main_woken(&self) -> bool {
        self.main_woken.replace(false)
    }

    /// One turn of the loop: run ready tasks, wait for events, dispatch them.
    pub(crate) fn tick(&self) {
        let tick = self.metrics.ticks.get() + 1;
        self.metrics.ticks.set(tick);
        self.run_ready_tasks();
        let (timeout, reason) = self.choose_wait();
        let dispatched = self.wait_and_dispatch(timeout);
        if reason == WaitReason::AutoAdvance && dispatched.io_events == 0 && !self.has_ready_work()
        {
            // Every task waits and nothing came in: with the clock paused,
            // the next thing that can happen is the earliest timer.
            if let Some(deadline) = self.time.next_deadline() {
                self.time.clock().advance_to(deadline);
            }
        }
        let timers_fired = self.fire_timers(self.timer_batch());
        if self.diag.tracing() {
            self.diag.trace_tick(&TickReport {
                tick,
                timeout,
                reason,
                io_events: dispatched.io_events,
                timers_fired,
                remote_wakes: dispatched.remote_wakes,
                remote_spawns: dispatched.remote_spawns,
            });
        }
    }

    /// How long to wait for events, and why.
    fn choose_wait(&self) -> (Option<Duration>, WaitReason) {
        if self.has_ready_work() {
            // Work is waiting: just collect events that are already there.
            return (Some(Duration::ZERO), WaitReason::ReadyWork);
        }
        let Some(deadline) = self.time.next_deadline() else {
            // Nothing to do until an event (or a remote wake) arrives.
            return (None, WaitReason::Idle);
        };
        let clock = self.time.clock();
        if !clock.is_paused() {
            // mio rounds the wait up to whole milliseconds: never early.
            let wait = deadline.saturating_duration_since(clock.now());
            return (Some(wait), WaitReason::NextTimer);
        }
        if self.shared.blocking_jobs_in_flight() {
            // A blocking job will wake us through the remote queue; until
            // then the paused clock must stand still.
            return (None, WaitReason::BlockingJob);
        }
        // Look for ready I/O without waiting; jump only if there is none.
        (Some(Duration::ZERO), WaitReason::AutoAdvance)
    }

    /// How many fired timers a tick may wake: what the run queue has room
    /// for below one run batch (`event_interval`), but at least a quarter
    /// batch, so that timers keep their share however busy the queue is.
    ///
    /// Waking more would only lengthen the queue. With 100,000 sleeping
    /// tasks (`timer_fire`), woken all at once, a task waited behind the
    /// other 99,999 and its memory had long left the cache when it ran;
    /// woken a batch at a time, it runs within a tick or two.
    fn timer_batch(&self) -> usize {
        let batch = self.config.event_interval as usize;
        let room = batch.saturating_sub(self.run_queue.borrow().len());
        room.max(batch / 4).max(1)
    }

    /// Wakes what the timers whose deadline passed target, earliest first:
    /// at most `limit` of them now, the rest first thing at the next ticks
    /// (see `TimeDriver::fire`). Returns how many left the wheel.
    ///
    /// The tick passes [`timer_batch`](Core::timer_batch), `advance` no
    /// limit. A task woken here runs soon (see `timer_batch`), so the words
    /// of its allocation read here (`TaskFuture::touch`) are still in the
    /// cache when it runs; the reads of a batch overlap, where the poll's
    /// own would wait one after the other.
    pub(crate) fn fire_timers(&self, limit: usize) -> usize {
        let count = self.time.fire(limit, |target| match target {
            Target::Task(id) => {
                self.schedule(id);
                if let Some(task) = self.tasks.borrow().get(id.index) {
                    std::hint::black_box(task.future.touch());
                }
            }
            Target::Waker(waker) => waker.wake(),
        });
        self.metrics
            .timers_fired
            .set(self.metrics.timers_fired.get() + count as u64);
        count
    }

    /// The id of the task being polled, if `waker` is the very waker
    /// `poll_task` gave it. A timer (or readiness) set through that waker
    /// can then wake the task by id: no reference count, no waker to keep.
    /// A combinator that polls with a waker of its own gets `None`, and its
    /// waker is kept as usual.
    ///
    /// Comparing addresses is exact: the waker lives in `poll_task`'s
    /// frame for the whole poll, so nothing else can be at that address,
    /// and `Context` hands out the reference it was built from.
    pub(crate) fn own_task(&self, waker: &Waker) -> Option<TaskId> {
        let id = self.current.get()?;
        std::ptr::eq(waker, self.current_waker.get()).then_some(id)
    }

    /// True if a poll is due without waiting for any event.
    fn has_ready_work(&self) -> bool {
        self.main_woken.get()
            || !self.run_queue.borrow().is_empty()
            || self.time.has_fired()
            || self.unhandled_panic.borrow().is_some()
    }

    /// Polls up to `event_interval` tasks from the run queue.
    fn run_ready_tasks(&self) {
        for _ in 0..self.config.event_interval {
            let Some(index) = self.run_queue.borrow_mut().pop_front() else {
                return;
            };
            let index = index as usize;
            let (id, aborted) = match self.tags.borrow_mut().get_mut(index) {
                Some(word) if *word & QUEUED != 0 => {
                    *word &= !QUEUED;
                    let id = TaskId {
                        index,
                        generation: generation_of(*word),
                    };
                    (id, *word & ABORTED != 0)
                }
                // Polled already since (an entry of a task that finished,
                // whose slot was queued again for a new task), or vacant.
                _ => continue,
            };
            if aborted {
                // Dropping the future (outside the borrow) reports
                // "cancelled" to the JoinHandle.
                let task = self.remove(id.index);
                self.retire(task.future, task.header);
                continue;
            }
            let mut tasks = self.tasks.borrow_mut();
            let task = &mut tasks[id.index];
            let future = std::mem::replace(&mut task.future, polling());
            let header = task.header.take();
            drop(tasks);
            self.poll_task(id, future, header);
            if self.unhandled_panic.borrow().is_some() {
                return;
            }
        }
    }

    /// Polls one task, then puts it back or removes it.
    fn poll_task(&self, id: TaskId, mut future: LocalFuture, header: Option<Arc<Header>>) {
        self.metrics.polls.set(self.metrics.polls.get() + 1);
        self.diag
            .trace_poll(|| future.stats().map_or_else(String::new, TaskStats::label));
        self.noted_wait.set(None);
        let header = header.unwrap_or_else(|| {
            let header = self.fresh_header();
            header.set_id(id);
            header
        });
        let waker = waker_ref(&header);
        let mut cx = Context::from_waker(&waker);
        self.current.set(Some(id));
        self.current_waker.set(&*waker);
        self.budget.set(POLL_BUDGET);
        // Reading the clock costs; only when someone looks at the result.
        let started = self.diag.timing().then(Instant::now);
        // The harness catches panics, so this never unwinds into the loop.
        let done = future.as_mut().poll(&mut cx).is_ready();
        let took = started.map(|started| started.elapsed());
        self.current.set(None);
        self.current_waker.set(std::ptr::null());
        if let Some(stats) = future.as_mut().stats_mut() {
            stats.polls += 1;
            stats.waiting_on = self.noted_wait.take();
            if let Some(took) = took {
                stats.add_busy(took);
                self.diag.record_poll(stats, took);
            }
        }
        if done {
            self.remove(id.index);
            self.retire(future, Some(header));
        } else {
            // Parked with nobody able to wake it through its header (no
            // JoinHandle, no cloned waker: it waits on its own timer, its
            // own readiness, or nothing): the header goes back to the pool.
            // A task woken during its poll keeps it, as it runs again soon.
            let header = if self.tags.borrow()[id.index] & QUEUED == 0 {
                self.release_header(header)
            } else {
                Some(header)
            };
            let mut tasks = self.tasks.borrow_mut();
            let task = &mut tasks[id.index];
            // The stand-in is zero-sized, so forgetting it leaks nothing,
            // and saves dropping it through its vtable at every poll.
            std::mem::forget(std::mem::replace(&mut task.future, future));
            task.header = header;
        }
        if !self.dump_requests.borrow().is_empty() {
            self.answer_dump_requests();
        }
    }

    /// Drops a task that left the slab (finished or aborted) and offers its
    /// header to the pool. Called after the slab borrow ended: a destructor
    /// may spawn.
    fn retire(&self, future: LocalFuture, header: Option<Arc<Header>>) {
        drop(future);
        if let Some(header) = header {
            self.recycle_header(header);
        }
    }

    /// Polls `block_on`'s own future with the same timing and tracing as a
    /// task's poll.
    pub(crate) fn poll_main<R>(&self, poll: impl FnOnce() -> Poll<R>) -> Poll<R> {
        self.diag.trace_poll(|| "block_on".to_owned());
        self.budget.set(POLL_BUDGET);
        let started = self.diag.timing().then(Instant::now);
        let result = poll();
        if let Some(started) = started {
            let took = started.elapsed();
            let mut stats = self.main_stats.borrow_mut();
            stats.polls += 1;
            stats.add_busy(took);
            self.diag.record_poll(&stats, took);
        }
        result
    }

    /// Starts a `block_on` called at `location`: names its future, gives
    /// it a generation of its own and marks it woken (for its first poll).
    /// Returns the id its waker must carry; [`end_main`](Core::end_main)
    /// ends it.
    pub(crate) fn begin_main(&self, location: &'static Location<'static>) -> TaskId {
        self.diag.clear_trace();
        *self.main_stats.borrow_mut() = TaskStats::new(SpawnMeta {
            name: Some("block_on".into()),
            location,
        });
        let generation = self.next_generation();
        self.main_generation.set(generation);
        self.main_woken.set(true);
        TaskId {
            index: MAIN_INDEX,
            generation,
        }
    }

    /// Ends the running `block_on` (returned or unwound): its waker, if
    /// anyone kept it, wakes nothing from now on, and no flag of it is
    /// left for `run_forever` or the next `block_on` to trip over.
    pub(crate) fn end_main(&self) {
        self.main_generation.set(0);
        self.main_woken.set(false);
    }

    /// Takes one unit of the polled task's I/O budget; false once it is
    /// spent. A task whose sockets are always ready (a peer that never
    /// stops sending) would otherwise never return `Pending`, and no other
    /// task, timer or event would get a turn: its timeout could not even
    /// fire. When the budget is spent, the I/O layer wakes the task and
    /// returns `Pending`, sending it to the back of the run queue.
    pub(crate) fn consume_budget(&self) -> bool {
        let left = self.budget.get();
        if left == 0 {
            return false;
        }
        self.budget.set(left - 1);
        true
    }

    /// Notes what the task being polled waits on, for the dump. Called by
    /// the timer and I/O code when they keep a task's waker.
    pub(crate) fn note_waiting_on(&self, what: WaitingOn) {
        if self.current.get().is_some() {
            self.noted_wait.set(Some(what));
        }
    }

    /// The live tasks, oldest first.
    pub(crate) fn dump(&self) -> Dump {
        self.dump_showing(None)
    }

    /// A dump for the task being polled, which cannot be taken inside its
    /// poll (the poll borrows the task's stats): `deliver` gets it as soon
    /// as the poll returned, with the task shown running. Outside a task's
    /// poll the dump is taken at once and returned instead.
    pub(crate) fn dump_after_poll(&self, deliver: DumpDelivery) -> Result<(), Dump> {
        let Some(id) = self.current.get() else {
            return Err(self.dump());
        };
        self.dump_requests.borrow_mut().push((id, deliver));
        Ok(())
    }

    fn answer_dump_requests(&self) {
        let requests = std::mem::take(&mut *self.dump_requests.borrow_mut());
        for (asker, deliver) in requests {
            deliver(self.dump_showing(Some(asker)));
        }
    }

    /// The live tasks; `running` (which asked for the dump) is shown
    /// running. A task out of the slab is being polled right now: its
    /// stats are out of reach, so only its id and state are known.
    fn dump_showing(&self, running: Option<TaskId>) -> Dump {
        let now = self.time.clock().now();
        let tasks = self.tasks.borrow();
        let tags = self.tags.borrow();
        let mut dumped: Vec<TaskDump> = tasks
            .iter()
            .map(|(index, task)| {
                let word = tags[index];
                let stats = task.future.stats();
                let state = if stats.is_none() || running.is_some_and(|id| id.index == index) {
                    TaskState::Running
                } else if word & QUEUED != 0 {
                    TaskState::Scheduled
                } else {
                    TaskState::Idle
                };
                TaskDump {
                    id: generation_of(word),
                    name: stats.and_then(|s| s.name().map(str::to_owned)),
                    location: stats.map_or_else(String::new, |s| s.location.to_string()),
                    polls: stats.map_or(0, |s| s.polls),
                    busy: stats.map_or(Duration::ZERO, TaskStats::busy),
                    state,
                    waiting_on: stats
                        .and_then(|s| s.waiting_on)
                        .map(|w| dump::describe_wait(w, now)),
                }
            })
            .collect();
        dumped.sort_by_key(|task| task.id);
        Dump { tasks: dumped }
    }

    /// Waits on mio (at most `timeout`), then wakes what the events released
    /// and takes in what other threads sent.
    fn wait_and_dispatch(&self, timeout: Option<Duration>) -> Dispatched {
        let events = self.io.wait(timeout);
        self.metrics
            .io_events
            .set(self.metrics.io_events.get() + events as u64);
        let (remote_wakes, remote_spawns) = self.drain_remote();
        Dispatched {
            io_events: events,
            remote_wakes,
            remote_spawns,
        }
    }

    /// Schedules tasks woken from other threads and inserts their spawns.
    /// Returns how many wakes and spawns it took in.
    fn drain_remote(&self) -> (usize, usize) {
        let mut remote = std::mem::take(&mut *self.remote_buffer.borrow_mut());
        let mut counts = (0, 0);
        if self.shared.drain_into(&mut remote) {
            counts = (remote.wakes.len(), remote.spawns.len());
            self.metrics
                .remote_wakes
                .set(self.metrics.remote_wakes.get() + counts.0 as u64);
            self.metrics
                .remote_spawns
                .set(self.metrics.remote_spawns.get() + counts.1 as u64);
            for id in remote.wakes.drain(..) {
                self.schedule(id);
            }
            for id in remote.aborts.drain(..) {
                self.abort(id);
            }
            for key in remote.cancels.drain(..) {
                self.time.cancel(key);
            }
            for (future, header) in remote.spawns.drain(..) {
                self.insert(future, header);
            }
        }
        *self.remote_buffer.borrow_mut() = remote;
        counts
    }

    /// Decides what a task's panic does: `Some(payload)` goes to the task's
    /// JoinHandle; `None` means the runtime took it to resume in `block_on`.
    pub(crate) fn on_task_panic(
        &self,
        payload: Box<dyn Any + Send>,
    ) -> Option<Box<dyn Any + Send>> {
        match self.config.unhandled_panic {
            UnhandledPanic::Ignore => Some(payload),
            UnhandledPanic::ShutdownRuntime => {
                self.unhandled_panic.borrow_mut().get_or_insert(payload);
                None
            }
        }
    }

    /// A panic `ShutdownRuntime` wants resumed, if any.
    pub(crate) fn take_unhandled_panic(&self) -> Option<Box<dyn Any + Send>> {
        self.unhandled_panic.borrow_mut().take()
    }

    /// Drops every task (inside this runtime's context), cancels the queued
    /// blocking jobs and closes the remote queue and its `mio::Waker`.
    /// Loops because a task's destructor may spawn or wake others.
    ///
    /// A destructor that panics must not cut this short: the other tasks
    /// would leak, and a `Handle::spawn` from another thread would queue
    /// into a runtime that is gone and never resolve. So each drop is
    /// caught, everything is closed, and then the first panic is resumed.
    pub(crate) fn shutdown(&self) {
        let mut first_panic = None;
        let mut guarded = |drop_it: &mut dyn FnMut()| {
            if let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(drop_it)) {
                first_panic.get_or_insert(payload);
            }
        };
        // Wakers of fired timers, dropped outside the borrow.
        let mut fired = Some(self.time.take_fired());
        guarded(&mut || drop(fired.take()));
        loop {
            let tasks = std::mem::take(&mut *self.tasks.borrow_mut());
            self.tags.borrow_mut().clear();
            self.run_queue.borrow_mut().clear();
            if tasks.is_empty() {
                break;
            }
            // Dropped outside the borrow: a destructor may touch the runtime.
            for (_, task) in tasks {
                let mut task = Some(task);
                guarded(&mut || drop(task.take()));
            }
        }
        // Queued blocking jobs are cancelled; running ones finish alone.
        guarded(&mut || self.blocking.shutdown());
        let mut leftovers = Some(self.shared.close());
        guarded(&mut || drop(leftovers.take()));
        guarded(&mut || self.remote_buffer.borrow_mut().spawns.clear());
        if let Some(payload) = first_panic {
            std::panic::resume_unwind(payload);
        }
    }

    /// A snapshot of the counters.
    pub(crate) fn metrics(&self) -> Metrics {
        self.metrics.snapshot(
            self.tasks.borrow().len(),
            self.time.len(),
            self.io.len(),
            self.blocking.counts(),
            &self.diag,
        )
    }
}

/// What one wait on mio brought in, for the trace.
struct Dispatched {
    io_events: usize,
    remote_wakes: usize,
    remote_spawns: usize,
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::Poll;

    use super::*;
    use crate::Runtime;

    /// A task that counts its polls and stays pending until told otherwise.
    fn counting_task(polls: Rc<Cell<u32>>, finish: Rc<Cell<bool>>) -> impl Future<Output = ()> {
        std::future::poll_fn(move |_| {
            polls.set(polls.get() + 1);
            if finish.get() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }

    fn core_of(rt: &Runtime) -> &Core {
        &rt.core
    }

    /// The id of the task the run queue's first entry stands for.
    fn first_queued(core: &Core) -> TaskId {
        let index = core.run_queue.borrow()[0] as usize;
        TaskId {
            index,
            generation: generation_of(core.tags.borrow()[index]),
        }
    }

    #[test]
    fn generations_are_unique_and_start_at_one() {
        let rt = Runtime::new().unwrap();
        let core = core_of(&rt);
        let first = core.next_generation.get();
        drop(rt.spawn(async {}));
        drop(rt.spawn(async {}));
        assert_eq!(first, 1);
        assert_eq!(core.next_generation.get(), 3);
    }

    #[test]
    fn a_spawned_task_is_queued_once() {
        let rt = Runtime::new().unwrap();
        let core = core_of(&rt);
        let _join = rt.spawn(async {});
        let id = first_queued(core);
        core.schedule(id);
        core.schedule(id);
        assert_eq!(core.run_queue.borrow().len(), 1);
    }

    #[test]
    fn waking_twice_before_the_poll_queues_once() {
        let rt = Runtime::new().unwrap();
        let core = core_of(&rt);
        let polls = Rc::new(Cell::new(0));
        let finish = Rc::new(Cell::new(false));
        let _join = rt.spawn(counting_task(polls.clone(), finish.clone()));
        let id = first_queued(core);
        core.run_ready_tasks();
        assert_eq!(polls.get(), 1);
        assert!(core.run_queue.borrow().is_empty());
        core.schedule(id);
        core.schedule(id);
        assert_eq!(core.run_queue.borrow().len(), 1);
        core.run_ready_tasks();
        assert_eq!(polls.get(), 2);
    }

    #[test]
    fn a_stale_id_never_reaches_the_slots_next_occupant() {
        let rt = Runtime::new().unwrap();
        let core = core_of(&rt);
        let _first = rt.spawn(async {});
        let stale = first_queued(core);
        core.run_ready_tasks(); // completes and frees the slot
        let polls = Rc::new(Cell::new(0));
        let _second = rt.spawn(counting_task(polls.clone(), Rc::new(Cell::new(false))));
        let fresh = first_queued(core);
        assert_eq!(fresh.index, stale.index, "the slab reuses the slot");
        assert_ne!(fresh.generation, stale.generation);
        core.run_ready_tasks();
        assert_eq!(polls.get(), 1);
        core.schedule(stale);
        assert!(core.run_queue.borrow().is_empty(), "stale wake ignored");
    }

    #[test]
    fn the_run_queue_is_fifo_and_bounded_by_event_interval() {
        let rt = Runtime::builder().event_interval(2).build().unwrap();
        let core = core_of(&rt);
        let order = Rc::new(std::cell::RefCell::new(Vec::new()));
        for n in 0..3 {
            let order = order.clone();
            drop(rt.spawn(async move { order.borrow_mut().push(n) }));
        }
        core.run_ready_tasks();
        assert_eq!(*order.borrow(), [0, 1], "two polls per batch");
        core.run_ready_tasks();
        assert_eq!(*order.borrow(), [0, 1, 2]);
    }

    #[test]
    fn finished_tasks_leave_the_slab() {
        let rt = Runtime::new().unwrap();
        let core = core_of(&rt);
        for _ in 0..10 {
            drop(rt.spawn(async {}));
        }
        assert_eq!(core.tasks.borrow().len(), 10);
        core.run_ready_tasks();
        assert_eq!(core.tasks.borrow().len(), 0);
    }

    #[test]
    fn a_timer_set_by_its_task_names_the_task_instead_of_keeping_a_waker() {
        let rt = Runtime::builder().start_paused(true).build().unwrap();
        let core = core_of(&rt);
        let _near = rt.spawn(crate::time::sleep(Duration::from_millis(5)));
        let _far = rt.spawn(crate::time::sleep(Duration::from_secs(5)));
        rt.block_on(crate::task::yield_now()); // polls both once
        let timers = core.time();
        assert_eq!((timers.len(), timers.task_targets()), (2, 2));
        // block_on's future is no task: its timer keeps its waker.
        rt.block_on(async {
            let mut nap = crate::time::sleep(Duration::from_millis(1));
            let once = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut nap).poll(cx)));
            assert!(once.await.is_pending());
            let timers = core.time();
            assert_eq!((timers.len(), timers.task_targets()), (3, 2));
        });
    }

    #[test]
    fn a_tick_wakes_at_most_a_batch_of_fired_timers_earliest_first() {
        let rt = Runtime::builder().start_paused(true).build().unwrap();
        let core = core_of(&rt);
        // Five sleepers, the later spawned due earlier.
        let order = Rc::new(std::cell::RefCell::new(Vec::new()));
        for n in 0..5u64 {
            let order = order.clone();
            drop(rt.spawn(async move {
                crate::time::sleep(Duration::from_millis(10 - n)).await;
                order.borrow_mut().push(n);
            }));
        }
        rt.block_on(crate::task::yield_now()); // all five wait
        let clock = core.time().clock();
        clock.advance_to(clock.now() + Duration::from_millis(10));
        assert_eq!(core.fire_timers(1), 5, "all five leave the store");
        assert_eq!(core.run_queue.borrow().len(), 1, "one is woken");
        assert_eq!(core.time().fired_len(), 4, "four wait their turn");
        // Even with the run queue empty, wakes left to hand out are work:
        // the loop must not wait (or jump a paused clock) meanwhile.
        let queue = std::mem::take(&mut *core.run_queue.borrow_mut());
        assert!(core.has_ready_work());
        *core.run_queue.borrow_mut() = queue;
        assert_eq!(core.fire_timers(2), 0, "the store is not asked again");
        assert_eq!(core.run_queue.borrow().len(), 3);
        rt.block_on(async {
            while order.borrow().len() < 5 {
                crate::task::yield_now().await;
            }
        });
        assert_eq!(*order.borrow(), [4, 3, 2, 1, 0], "deadline order");
    }

    #[test]
    fn timers_are_woken_as_the_run_queue_has_room_and_never_starve() {
        let rt = Runtime::builder().event_interval(8).build().unwrap();
        let core = core_of(&rt);
        assert_eq!(core.timer_batch(), 8, "an empty queue: a whole batch");
        let tasks: Vec<_> = (0..6).map(|_| rt.spawn(async {})).collect();
        assert_eq!(core.timer_batch(), 2, "room for two");
        let more: Vec<_> = (0..20).map(|_| rt.spawn(async {})).collect();
        assert_eq!(core.timer_batch(), 2, "full: still a quarter batch");
        drop((tasks, more));
        let rt = Runtime::builder().event_interval(1).build().unwrap();
        let _queued = rt.spawn(async {});
        assert_eq!(core_of(&rt).timer_batch(), 1, "never none");
    }

    #[test]
    fn headers_are_recycled_only_when_nobody_holds_them() {
        let rt = Runtime::new().unwrap();
        let core = core_of(&rt);
        let pooled = || core.header_pool.borrow().len();
        rt.block_on(async {
            // Detached at once: the JoinHandle takes the header back out
            // of the task's slot, and the task takes it again to poll.
            drop(crate::spawn(async {}));
            assert_eq!(pooled(), 1);
            crate::task::yield_now().await;
            assert_eq!(pooled(), 1, "back after the poll");
            // A kept JoinHandle keeps its header, which the task polls with.
            let join = crate::spawn(async {});
            assert_eq!(pooled(), 0);
            crate::task::yield_now().await;
            assert_eq!(pooled(), 0, "the JoinHandle holds it");
            let kept_waker = futures_task::waker(join.header_for_test());
            drop(join);
            assert_eq!(pooled(), 0, "a waker still holds it");
            drop(kept_waker);
        });
    }

    #[test]
    fn a_parked_task_that_nobody_can_wake_by_header_holds_none() {
        let rt = Runtime::builder().start_paused(true).build().unwrap();
        let core = core_of(&rt);
        let clone = Rc::new(std::cell::RefCell::new(None));
        rt.block_on(async {
            drop(crate::spawn(std::future::pending::<()>()));
            drop(crate::spawn(crate::time::sleep(Duration::from_secs(3600))));
            // A task whose waker was cloned keeps its header.
            drop(crate::spawn({
                let clone = clone.clone();
                std::future::poll_fn(move |cx| {
                    *clone.borrow_mut() = Some(cx.waker().clone());
                    Poll::<()>::Pending
                })
            }));
            crate::task::yield_now().await;
        });
        let held: Vec<bool> = core
            .tasks
            .borrow()
            .iter()
            .map(|(_, task)| task.header.is_some())
            .collect();
        assert_eq!(held, [false, false, true]);
        // And the cloned waker still wakes that task.
        let waker = clone.borrow_mut().take().unwrap();
        rt.block_on(async {
            waker.wake();
            assert_eq!(core.run_queue.borrow().len(), 1);
        });
    }
}
