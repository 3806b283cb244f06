//! [`Semaphore`]: a count of permits that tasks acquire and give back,
//! served first come, first served.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

mod acquire;
mod permit;

pub(crate) use acquire::Acquire;
pub use acquire::{AcquireError, TryAcquireError};
pub use permit::{OwnedSemaphorePermit, SemaphorePermit};

use super::wait_queue::WaitQueue;

/// A semaphore for tasks on one runtime: it holds permits, [`acquire`]
/// waits for one, and dropping the returned permit gives it back.
///
/// Waiters are served in FIFO order: a task asking for many permits is not
/// overtaken by later tasks asking for fewer, and [`try_acquire`] fails
/// while anyone waits.
///
/// `Semaphore` is `!Send` and `!Sync`: it uses `RefCell`, no atomics.
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// must_be_send(evloop::sync::Semaphore::new(1));
/// ```
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::Semaphore;
///
/// evloop::block_on(async {
///     // At most two of the five tasks run their critical part at once.
///     let sem = Rc::new(Semaphore::new(2));
///     let tasks: Vec<_> = (0..5)
///         .map(|i| {
///             let sem = sem.clone();
///             evloop::spawn(async move {
///                 let _permit = sem.acquire().await.unwrap();
///                 evloop::task::yield_now().await;
///                 i
///             })
///         })
///         .collect();
///     for (i, task) in tasks.into_iter().enumerate() {
///         assert_eq!(task.await.unwrap(), i);
///     }
///     assert_eq!(sem.available_permits(), 2);
/// });
/// ```
///
/// [`acquire`]: Semaphore::acquire
/// [`try_acquire`]: Semaphore::try_acquire
pub struct Semaphore {
    /// Permits, the closed flag and the waiters; a `RefCell` because every
    /// user is on the loop's one thread.
    state: RefCell<State>,
    /// Makes the type `!Send` and `!Sync`: its waiters live on one thread.
    _not_send: PhantomData<Rc<()>>,
}

/// The mutable part of a [`Semaphore`].
#[derive(Debug)]
struct State {
    /// Permits nobody holds and no waiter has been handed.
    permits: usize,
    /// Set by `close`: acquiring fails from then on.
    closed: bool,
    /// Tasks waiting for permits, oldest first.
    waiters: WaitQueue<Waiter>,
}

/// Where a queued acquire stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiter {
    /// Waits for this many permits.
    Waiting(usize),
    /// Was handed its permits; the future owns them until it completes (or
    /// gives them back if dropped first).
    Granted(usize),
    /// The semaphore closed while it waited.
    Closed,
}

impl Semaphore {
    /// The largest number of permits a semaphore holds. `new` and
    /// `add_permits` panic beyond it, as tokio's do: the bound keeps sums of
    /// permits from overflowing.
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore holding `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Self::MAX_PERMITS,
            "a semaphore holds at most Semaphore::MAX_PERMITS permits"
        );
        Semaphore {
            state: RefCell::new(State {
                permits,
                closed: false,
                waiters: WaitQueue::new(),
            }),
            _not_send: PhantomData,
        }
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        self.state.borrow().permits
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.borrow().closed
    }

    /// Adds `n` permits, handing them to waiters in FIFO order first.
    ///
    /// # Panics
    ///
    /// If the total would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert!(sem.try_acquire_many(2).is_ok());
    /// ```
    pub fn add_permits(&self, n: usize) {
        {
            let mut state = self.state.borrow_mut();
            let total = state.permits.checked_add(n);
            match total {
                Some(total) if total <= Self::MAX_PERMITS => state.permits = total,
                _ => {
                    drop(state);
                    panic!("a semaphore holds at most Semaphore::MAX_PERMITS permits");
                }
            }
        }
        self.serve_waiters();
    }

    /// Hands free permits to the front waiters while the oldest one can be
    /// satisfied; wakes each after the borrow ends (a waker may re-enter).
    fn serve_waiters(&self) {
        loop {
            let waker = {
                let mut state = self.state.borrow_mut();
                match state.waiters.front() {
                    Some(&Waiter::Waiting(n)) if n <= state.permits => {
                        state.permits -= n;
                        state.waiters.pop_front(Waiter::Granted(n))
                    }
                    _ => return,
                }
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Closes the semaphore: every waiting and future acquire fails with
    /// [`AcquireError`]. Permits already held stay valid.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(1);
    /// sem.close();
    /// assert!(sem.is_closed());
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn close(&self) {
        let mut wakers = Vec::new();
        {
            let mut state = self.state.borrow_mut();
            state.closed = true;
            while let Some(waker) = state.waiters.pop_front(Waiter::Closed) {
                wakers.push(waker);
            }
        }
        wakers.into_iter().for_each(|w| w.wake());
    }

    /// Waits for one permit.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue; a permit it had
    /// already been handed goes back to the semaphore (and to the next
    /// waiter), so none is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let sem = evloop::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await.unwrap();
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// Waits for `n` permits at once. Asking for more than the semaphore
    /// will ever hold waits until permits are added (or it closes).
    ///
    /// # Cancel safety
    ///
    /// As for [`acquire`](Semaphore::acquire): no permit is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let sem = evloop::sync::Semaphore::new(3);
    ///     let permit = sem.acquire_many(3).await.unwrap();
    ///     assert_eq!(permit.num_permits(), 3);
    /// });
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        let n = n as usize;
        Acquire::new(self, n).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes one permit if one is free and nobody waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::{Semaphore, TryAcquireError};
    ///
    /// let sem = Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    /// drop(permit);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody waits.
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        let n = n as usize;
        self.try_take(n)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Waits for one permit of a shared semaphore and returns a permit that
    /// owns its `Rc`, so it can move into a spawned task.
    ///
    /// # Cancel safety
    ///
    /// As for [`acquire`](Semaphore::acquire): no permit is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::Semaphore;
    ///
    /// evloop::block_on(async {
    ///     let sem = Rc::new(Semaphore::new(1));
    ///     let permit = sem.clone().acquire_owned().await.unwrap();
    ///     let task = evloop::spawn(async move {
    ///         drop(permit); // released inside the task
    ///     });
    ///     task.await.unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub async fn acquire_owned(self: Rc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits of a shared semaphore; see
    /// [`acquire_owned`](Semaphore::acquire_owned).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::Semaphore;
    ///
    /// evloop::block_on(async {
    ///     let sem = Rc::new(Semaphore::new(3));
    ///     let permit = sem.clone().acquire_many_owned(2).await.unwrap();
    ///     assert_eq!((permit.num_permits(), sem.available_permits()), (2, 1));
    /// });
    /// ```
    pub async fn acquire_many_owned(
        self: Rc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        let n = n as usize;
        Acquire::new(&self, n).await?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes one permit of a shared semaphore if one is free and nobody
    /// waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::Semaphore;
    ///
    /// let sem = Rc::new(Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert!(sem.clone().try_acquire_owned().is_err());
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn try_acquire_owned(self: Rc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits of a shared semaphore if they are free and nobody
    /// waits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::Semaphore;
    ///
    /// let sem = Rc::new(Semaphore::new(2));
    /// let permit = sem.clone().try_acquire_many_owned(2).unwrap();
    /// assert_eq!(permit.num_permits(), 2);
    /// assert!(sem.clone().try_acquire_many_owned(1).is_err());
    /// ```
    pub fn try_acquire_many_owned(
        self: Rc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        let n = n as usize;
        self.try_take(n)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// The non-waiting path shared by every `try_acquire*`.
    pub(crate) fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut state = self.state.borrow_mut();
        if state.closed {
            Err(TryAcquireError::Closed)
        } else if state.waiters.is_empty() && state.permits >= n {
            state.permits -= n;
            Ok(())
        } else {
            Err(TryAcquireError::NoPermits)
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Semaphore")
            .field("permits", &state.permits)
            .field("closed", &state.closed)
            .finish()
    }
}
