//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses a different subset

pub mod example;
pub mod http_server;
pub mod python_rq;
pub mod redis_server;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_task::ArcWake;

/// A future that parks, handing its waker to whoever holds the `Parked`
/// slot, until `open` is called. Works across threads.
#[derive(Clone, Default)]
pub struct Gate {
    inner: Arc<Mutex<GateState>>,
}

#[derive(Default)]
struct GateState {
    open: bool,
    waker: Option<Waker>,
    polls: usize,
}

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Opens the gate and wakes the task waiting on it, if any.
    pub fn open(&self) {
        let waker = {
            let mut state = self.inner.lock().unwrap();
            state.open = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The waker of the task last parked here.
    pub fn waker(&self) -> Option<Waker> {
        self.inner.lock().unwrap().waker.clone()
    }

    /// How often a task polled this gate.
    pub fn polls(&self) -> usize {
        self.inner.lock().unwrap().polls
    }

    /// A future that completes once the gate is open.
    pub fn wait(&self) -> GateWait {
        GateWait { gate: self.clone() }
    }
}

pub struct GateWait {
    gate: Gate,
}

impl Future for GateWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.gate.inner.lock().unwrap();
        state.polls += 1;
        if state.open {
            Poll::Ready(())
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Sets a flag when dropped: proves a future's destructor ran.
pub struct DropFlag(pub Arc<Mutex<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = true;
    }
}

/// The message of a caught panic.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::from("<non-string panic>")
    }
}

/// A waker that counts its wakes, to check who was woken without a runtime.
#[derive(Default)]
pub struct WakeCounter(AtomicUsize);

impl ArcWake for WakeCounter {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh counting waker and its counter.
pub fn counting_waker() -> (Waker, Arc<WakeCounter>) {
    let counter = Arc::new(WakeCounter::default());
    (futures_task::waker(counter.clone()), counter)
}

impl WakeCounter {
    /// Wakes so far.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls a future once with `waker`.
pub fn poll_with<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// Polls a future once with a waker nobody watches.
pub fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    poll_with(fut, &futures_task::noop_waker())
}

/// A value that counts its drops, to prove a message was dropped, not leaked.
#[derive(Debug)]
pub struct DropCount(pub Rc<Cell<usize>>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// What a closure run under [`bounded`] returned and what it cost.
#[derive(Debug)]
pub struct Bounded<R> {
    /// The closure's result.
    pub value: R,
    /// Real time from start to return.
    pub wall: std::time::Duration,
    /// CPU time (user + system) of the thread that ran it; `None` where
    /// the OS does not tell (Linux's /proc does).
    pub cpu: Option<std::time::Duration>,
}

impl<R> Bounded<R> {
    /// Fails the test if the closure used more than `limit` of CPU: a loop
    /// that spins instead of sleeping in its one wait.
    #[track_caller]
    pub fn assert_cpu_below(&self, limit: std::time::Duration) -> &Self {
        if let Some(cpu) = self.cpu {
            assert!(
                cpu < limit,
                "used {cpu:?} of CPU in {:?} (limit {limit:?}): the loop spins",
                self.wall
            );
        }
        self
    }
}

/// Runs `f` on a thread of its own under a watchdog: the test fails with a
/// clear message if `f` has not returned within `limit` (a hang), instead
/// of hanging the suite. Reports `f`'s result, wall time and the CPU time
/// of its thread, so that a test of "it returns" can also bound how.
/// A panic in `f` fails the test with `f`'s message.
#[track_caller]
pub fn bounded<R: Send + 'static>(
    limit: std::time::Duration,
    f: impl FnOnce() -> R + Send + 'static,
) -> Bounded<R> {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let cpu_before = thread_cpu();
        let started = std::time::Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let wall = started.elapsed();
        let cpu = thread_cpu()
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        let _ = done.send(outcome.map(|value| Bounded { value, wall, cpu }));
    });
    match result.recv_timeout(limit) {
        Ok(Ok(report)) => report,
        Ok(Err(payload)) => panic!("panicked: {}", panic_message(payload)),
        Err(_) => panic!("did not return within {limit:?}: it hangs"),
    }
}

/// CPU time the calling thread has used so far (Linux: utime + stime of
/// /proc/thread-self/stat, in clock ticks of 10 ms).
pub fn thread_cpu() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14 and stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(std::time::Duration::from_millis(ticks * 10))
}
