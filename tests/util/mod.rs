//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses a different subset

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

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
