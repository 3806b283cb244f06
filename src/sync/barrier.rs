//! [`Barrier`]: `n` tasks wait until all of them have arrived, then all go
//! on together; the barrier is ready for the next round at once.
//!
//! Local (`!Send`): the arrival count is a `Cell` and the wake-up a local
//! [`Notify`], because every task of a runtime runs on its thread.

use std::cell::Cell;
use std::fmt;

use super::Notify;

/// Lets `n` tasks meet: each calls [`wait`](Barrier::wait); the first
/// `n - 1` wait, and the `n`th releases them all and is told it is the
/// leader. Then the next round starts.
///
/// `!Send` and `!Sync`:
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// must_be_send(evloop::sync::Barrier::new(2));
/// ```
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::Barrier;
///
/// evloop::block_on(async {
///     let barrier = Rc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = barrier.clone();
///             evloop::spawn(async move { barrier.wait().await.is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for task in tasks {
///         leaders += task.await.unwrap() as usize;
///     }
///     assert_eq!(leaders, 1);
/// });
/// ```
pub struct Barrier {
    /// How many tasks make a round.
    n: usize,
    /// Tasks that arrived in the current round.
    arrived: Cell<usize>,
    /// Wakes the round's waiters; a `Notified` created before the release
    /// completes even if it was not polled yet, so none is missed.
    released: Notify,
}

impl Barrier {
    /// A barrier for rounds of `n` tasks. As with tokio's (and std's), an
    /// `n` of 0 behaves as 1: every `wait` returns at once, as leader.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let barrier = evloop::sync::Barrier::new(1);
    ///     assert!(barrier.wait().await.is_leader());
    /// });
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            arrived: Cell::new(0),
            released: Notify::new(),
        }
    }

    /// Arrives and waits for the rest of the round.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, as tokio's is not: the arrival counts from the
    /// first poll, and dropping the future does not take it back, so the
    /// round completes with one task fewer actually waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// evloop::block_on(async {
    ///     let barrier = Rc::new(evloop::sync::Barrier::new(2));
    ///     let other = evloop::spawn({
    ///         let barrier = barrier.clone();
    ///         async move { barrier.wait().await.is_leader() }
    ///     });
    ///     let me = barrier.wait().await.is_leader();
    ///     assert_ne!(me, other.await.unwrap()); // exactly one leads
    /// });
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        // Made before arriving, so the release cannot slip past it.
        let released = self.released.notified();
        let arrived = self.arrived.get() + 1;
        if arrived == self.n {
            self.arrived.set(0);
            self.released.notify_waiters();
            return BarrierWaitResult(true);
        }
        self.arrived.set(arrived);
        released.await;
        BarrierWaitResult(false)
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &self.arrived.get())
            .finish()
    }
}

/// What [`Barrier::wait`] returns: whether this task completed the round.
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task was the last to arrive, the one that released the
    /// others: exactly one per round.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let barrier = evloop::sync::Barrier::new(1);
    ///     assert!(barrier.wait().await.is_leader());
    /// });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}
