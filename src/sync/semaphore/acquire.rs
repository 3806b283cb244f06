//! [`Acquire`], the future every `acquire*` awaits, and the errors of
//! acquiring.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Semaphore, Waiter};

/// The future under every `acquire*`: resolves once `n` permits are taken
/// out of the semaphore (the caller wraps them in a permit type).
#[derive(Debug)]
pub(crate) struct Acquire<'a> {
    /// The semaphore asked.
    sem: &'a Semaphore,
    /// How many permits are wanted.
    n: usize,
    /// The waiter slot, once queued; `None` before the first poll and after
    /// completion, so `Drop` knows whether anything must be given back.
    key: Option<usize>,
}

impl<'a> Acquire<'a> {
    /// A future taking `n` permits from `sem`.
    pub(crate) fn new(sem: &'a Semaphore, n: usize) -> Self {
        Acquire { sem, n, key: None }
    }
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut state = this.sem.state.borrow_mut();
        let Some(key) = this.key else {
            // First poll: take the permits now if nobody is ahead of us.
            if state.closed {
                return Poll::Ready(Err(AcquireError(())));
            }
            if state.waiters.is_empty() && state.permits >= this.n {
                state.permits -= this.n;
                return Poll::Ready(Ok(()));
            }
            this.key = Some(state.waiters.push(Waiter::Waiting(this.n), cx.waker()));
            return Poll::Pending;
        };
        match *state.waiters.state(key) {
            Waiter::Waiting(_) => {
                state.waiters.register(key, cx.waker());
                Poll::Pending
            }
            Waiter::Granted(_) => {
                state.waiters.remove(key);
                this.key = None;
                Poll::Ready(Ok(()))
            }
            Waiter::Closed => {
                state.waiters.remove(key);
                this.key = None;
                Poll::Ready(Err(AcquireError(())))
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let was = self.sem.state.borrow_mut().waiters.remove(key);
        match was {
            // Handed permits we will never use: pass them on.
            Waiter::Granted(n) => self.sem.add_permits(n),
            // Leaving the front may let the next waiter (asking for fewer) in.
            Waiter::Waiting(_) => self.sem.serve_waiters(),
            Waiter::Closed => {}
        }
    }
}

/// Acquiring failed: the semaphore was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why a `try_acquire*` call took no permits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free, or other tasks wait ahead.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}
