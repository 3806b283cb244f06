//! [`Notify`]: wake one waiting task, or all of them, without sending data.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::wait_queue::WaitQueue;

/// Lets one task tell others "something happened", with tokio's semantics:
/// [`notify_one`] wakes the oldest waiter or, if nobody waits, stores one
/// permit that the next [`notified`] consumes at once;
/// [`notify_waiters`] wakes every current waiter and stores nothing.
///
/// `Notify` is `!Send`: it is for tasks of one runtime.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::Notify;
///
/// evloop::block_on(async {
///     let notify = Rc::new(Notify::new());
///     let waiter = evloop::spawn({
///         let notify = notify.clone();
///         async move { notify.notified().await; "woken" }
///     });
///     notify.notify_one(); // stored if the waiter has not started yet
///     assert_eq!(waiter.await.unwrap(), "woken");
/// });
/// ```
///
/// [`notify_one`]: Notify::notify_one
/// [`notify_waiters`]: Notify::notify_waiters
/// [`notified`]: Notify::notified
pub struct Notify {
    /// The stored permit, the waiters and the `notify_waiters` count.
    state: RefCell<State>,
    /// Makes the type `!Send` and `!Sync`: its waiters live on one thread.
    _not_send: PhantomData<Rc<()>>,
}

/// The mutable part of a [`Notify`].
#[derive(Debug)]
struct State {
    /// A `notify_one` nobody was waiting for; at most one is kept.
    permit: bool,
    /// Counts `notify_waiters` calls, so a `Notified` created before a call
    /// completes even if it had not been polled yet (as in tokio).
    generation: u64,
    /// Tasks parked in `notified().await`, oldest first.
    waiters: WaitQueue<Waiter>,
}

/// Where a queued `Notified` stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiter {
    /// Not notified yet.
    Waiting,
    /// Chosen by `notify_one`: passed on if the future is dropped unused.
    NotifiedOne,
    /// Woken by `notify_waiters`: nothing to pass on.
    NotifiedAll,
}

impl Notify {
    /// A `Notify` with no stored permit.
    pub fn new() -> Notify {
        Notify {
            state: RefCell::new(State {
                permit: false,
                generation: 0,
                waiters: WaitQueue::new(),
            }),
            _not_send: PhantomData,
        }
    }

    /// Waits for a notification.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue; a `notify_one`
    /// it had been chosen for goes to the next waiter (or becomes the stored
    /// permit), so no notification is lost.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            generation: self.state.borrow().generation,
            key: None,
            done: false,
        }
    }

    /// Wakes the oldest waiter, or stores a permit if nobody waits.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let notify = evloop::sync::Notify::new();
    ///     notify.notify_one();
    ///     notify.notified().await; // consumes the stored permit
    /// });
    /// ```
    pub fn notify_one(&self) {
        let waker = {
            let mut state = self.state.borrow_mut();
            match state.waiters.pop_front(Waiter::NotifiedOne) {
                Some(waker) => Some(waker),
                None => {
                    state.permit = true;
                    None
                }
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every task waiting now (and every `Notified` created before
    /// this call); stores no permit for later ones.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let notify = evloop::sync::Notify::new();
    ///     let (a, b) = (notify.notified(), notify.notified());
    ///     notify.notify_waiters();
    ///     a.await;
    ///     b.await;
    /// });
    /// ```
    pub fn notify_waiters(&self) {
        let mut wakers = Vec::new();
        {
            let mut state = self.state.borrow_mut();
            state.generation += 1;
            while let Some(waker) = state.waiters.pop_front(Waiter::NotifiedAll) {
                wakers.push(waker);
            }
        }
        wakers.into_iter().for_each(|w| w.wake());
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Notify")
            .field("permit", &state.permit)
            .finish()
    }
}

/// The future returned by [`Notify::notified`].
#[must_use = "futures do nothing unless you `.await` them"]
#[derive(Debug)]
pub struct Notified<'a> {
    /// The `Notify` waited on.
    notify: &'a Notify,
    /// `notify_waiters` calls seen at creation; a newer count means we were
    /// notified before our first poll.
    generation: u64,
    /// The waiter slot while queued.
    key: Option<usize>,
    /// Set once ready, so a later poll stays ready.
    done: bool,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(());
        }
        let mut state = this.notify.state.borrow_mut();
        let ready = match this.key {
            None => {
                if state.generation != this.generation {
                    true
                } else if state.permit {
                    state.permit = false;
                    true
                } else {
                    this.key = Some(state.waiters.push(Waiter::Waiting, cx.waker()));
                    false
                }
            }
            Some(key) => {
                if state.waiters.is_queued(key) {
                    state.waiters.register(key, cx.waker());
                    false
                } else {
                    state.waiters.remove(key);
                    this.key = None;
                    true
                }
            }
        };
        this.done = ready;
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let was = self.notify.state.borrow_mut().waiters.remove(key);
        if was == Waiter::NotifiedOne {
            // Chosen but never told: the notification belongs to someone else.
            self.notify.notify_one();
        }
    }
}
