//! The blocking pool: threads for work that would block the loop.
//!
//! The event loop has one thread; a task that calls a blocking function
//! (a file read, `std::net::ToSocketAddrs`, a long computation) stops every
//! other task until it returns. `task::spawn_blocking` runs such a function on a
//! pool thread instead and gives the loop a [`JoinHandle`] for its result.
//!
//! ```text
//!   loop thread                        pool threads
//!   spawn_blocking(f) ──push job──▶  ┌ queue (Mutex + Condvar) ┐
//!        │                           └──────────┬──────────────┘
//!   JoinHandle.await (Pending)             thread runs f()
//!        ▲                                      │
//!        └── remote wake (mio::Waker) ◀── JoinCell::complete(result)
//! ```
//!
//! Threads start on demand, up to `Builder::max_blocking_threads`, and an
//! idle thread exits after `Builder::blocking_keep_alive`, so a program that
//! never blocks never starts one. The result travels back through the same
//! `JoinCell` a task uses, and its waker takes the remote path: the loop
//! never blocks waiting for the pool.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use super::task::join::JoinCell;
use super::task::{JoinError, JoinHandle, TaskId};
use super::waker::{Header, Shared};

/// A unit of work for a pool thread, type-erased.
trait Job: Send {
    /// Runs the job (unless its JoinHandle aborted it first).
    fn run(self: Box<Self>);
}

/// A queued `spawn_blocking` call. Dropped without running (the runtime
/// shut down first), it reports itself cancelled; either way its drop
/// counts it as finished, after the result is stored.
struct BlockingJob<F, R> {
    f: Option<F>,
    cell: Arc<JoinCell<R>>,
    shared: Arc<Shared>,
}

impl<F, R> Job for BlockingJob<F, R>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    fn run(mut self: Box<Self>) {
        let Some(f) = self.f.take() else { return };
        let result = if self.cell.is_aborted() {
            Err(JoinError::cancelled())
        } else {
            // A panic is the caller's to see, through its JoinHandle; the
            // thread itself lives on for the next job.
            catch_unwind(AssertUnwindSafe(f)).map_err(JoinError::panic)
        };
        self.cell.complete(result);
    }
}

impl<F, R> Drop for BlockingJob<F, R> {
    fn drop(&mut self) {
        if self.f.take().is_some() {
            self.cell.complete(Err(JoinError::cancelled()));
        }
        // Only now, with the result stored and its waker woken, may a paused
        // clock move on.
        self.shared.blocking_job_finished();
    }
}

/// Pool settings, from the runtime's builder.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolConfig {
    /// Most threads alive at once.
    pub(crate) max_threads: usize,
    /// How long an idle thread waits for work before it exits.
    pub(crate) keep_alive: Duration,
}

impl Default for PoolConfig {
    fn default() -> PoolConfig {
        PoolConfig {
            max_threads: 64,
            keep_alive: Duration::from_secs(10),
        }
    }
}

/// The pool as the runtime's core holds it.
pub(crate) struct BlockingPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    state: Mutex<PoolState>,
    /// Idle threads wait here for a job or for shutdown.
    work: Condvar,
    config: PoolConfig,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Box<dyn Job>>,
    /// Threads alive.
    threads: usize,
    /// Threads waiting on the condvar and not yet claimed by a job.
    idle: usize,
    /// Wake-ups handed out by `submit` and not yet taken by a thread; tells
    /// a woken thread from one that timed out or woke spuriously.
    notified: usize,
    /// The runtime is gone: finish the job at hand, then exit.
    shutdown: bool,
}

impl BlockingPool {
    pub(crate) fn new(config: PoolConfig) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(PoolInner {
                state: Mutex::new(PoolState::default()),
                work: Condvar::new(),
                config,
            }),
        }
    }

    /// Queues `f` and returns the handle for its result.
    pub(crate) fn spawn<F, R>(
        &self,
        f: F,
        runtime_id: u64,
        id: TaskId,
        shared: &Arc<Shared>,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let cell = Arc::new(JoinCell::new());
        shared.blocking_job_started();
        let job = Box::new(BlockingJob {
            f: Some(f),
            cell: cell.clone(),
            shared: shared.clone(),
        });
        self.submit(job);
        // The id names no slab slot (the job never enters the slab), so
        // `abort` only sets the JoinCell's flag, which the job checks
        // before it starts; the id's generation is the job's `task::Id`.
        let header = Header::new(runtime_id, shared.clone());
        header.set_id(id);
        JoinHandle::new(Arc::new(header), cell)
    }

    fn submit(&self, job: Box<dyn Job>) {
        let mut state = self.inner.lock();
        state.queue.push_back(job);
        if state.idle > 0 {
            state.idle -= 1;
            state.notified += 1;
            drop(state);
            self.inner.work.notify_one();
        } else if state.threads < self.inner.config.max_threads {
            state.threads += 1;
            drop(state);
            let inner = self.inner.clone();
            let spawned = thread::Builder::new()
                .name("evloop-blocking".into())
                .spawn(move || inner.work_loop());
            if let Err(e) = spawned {
                // The job stays queued for a thread that already exists; if
                // there is none, it would wait forever, so say why loudly.
                let mut state = self.inner.lock();
                state.threads -= 1;
                assert!(
                    state.threads > 0,
                    "evloop: could not start a blocking-pool thread: {e}"
                );
            }
        }
        // Otherwise every thread is busy: the job waits its turn in FIFO order.
    }

    /// Threads alive and jobs waiting, for `Metrics`.
    pub(crate) fn counts(&self) -> (usize, usize) {
        let state = self.inner.lock();
        (state.threads, state.queue.len())
    }

    /// Tells the threads to exit after their current job and cancels the
    /// queued ones. Does not wait: a job that never returns must not hang
    /// the runtime's drop.
    pub(crate) fn shutdown(&self) {
        let queued = {
            let mut state = self.inner.lock();
            state.shutdown = true;
            std::mem::take(&mut state.queue)
        };
        self.inner.work.notify_all();
        // Dropped outside the lock: each one completes its JoinHandle.
        drop(queued);
    }
}

impl PoolInner {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // Jobs run outside the lock, so a panic never poisons it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A pool thread's life: take jobs until shutdown or keep-alive expiry.
    fn work_loop(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                job.run();
                state = self.lock();
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            let (next, timeout) = self
                .work
                .wait_timeout(state, self.config.keep_alive)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            if state.notified > 0 {
                // `submit` claimed us (and already took us off `idle`).
                state.notified -= 1;
            } else {
                state.idle -= 1;
                if timeout.timed_out() && state.queue.is_empty() {
                    break;
                }
            }
        }
        state.threads -= 1;
    }
}
