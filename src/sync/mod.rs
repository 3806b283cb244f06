//! Synchronization for tasks of one runtime: [`oneshot`], [`mpsc`],
//! [`watch`] and [`broadcast`] channels, [`Notify`], [`Semaphore`],
//! [`Mutex`], [`RwLock`], [`Barrier`] and [`OnceCell`].
//!
//! The names and semantics are tokio::sync's, so code ports by changing
//! imports. The difference is underneath: every task of an evloop runtime
//! runs on one thread, so these types share state through `Rc<RefCell<..>>`
//! and wake through plain `Waker`s, with no atomics and no locks. The price
//! is that they are `!Send`: they cannot leave the runtime's thread.
//! To talk to other threads use `futures-channel` (or `std::sync::mpsc` plus
//! [`Handle::spawn`](crate::Handle::spawn)).
//!
//! ```compile_fail
//! fn must_be_send<T: Send>(_: T) {}
//! let (tx, _rx) = evloop::sync::mpsc::unbounded_channel::<u8>();
//! must_be_send(tx); // Rc inside: not Send
//! ```
//!
//! Waiters (on `Notify`, `Semaphore`, `Mutex`, `RwLock`, `OnceCell`'s
//! initialisers and a full bounded channel) are served
//! first come, first served, and every waiting future is cancel safe in the
//! same way: dropping it gives back whatever it had been handed but not yet
//! used, so no notification, permit or slot is lost. Each method's docs say
//! what a dropped future gives up.
//!
//! # Examples
//!
//! A server task answering requests, each carrying a oneshot for its reply:
//!
//! ```
//! use evloop::sync::{mpsc, oneshot};
//!
//! evloop::block_on(async {
//!     let (tx, mut rx) = mpsc::channel::<(u32, oneshot::Sender<u32>)>(10);
//!     evloop::spawn(async move {
//!         while let Some((n, reply)) = rx.recv().await {
//!             let _ = reply.send(n * 2);
//!         }
//!     });
//!     let (reply_tx, reply_rx) = oneshot::channel();
//!     tx.send((21, reply_tx)).await.unwrap();
//!     assert_eq!(reply_rx.await, Ok(42));
//! });
//! ```

mod barrier;
pub mod broadcast;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
pub(crate) mod semaphore;
mod send_error;
mod wait_queue;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{Mutex, MutexGuard, OwnedMutexGuard, TryLockError};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
