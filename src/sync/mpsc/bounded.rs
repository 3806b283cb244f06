//! The bounded channel: at most `capacity` messages queued; senders wait
//! for a free slot, first come, first served.

use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::chan::Chan;
use super::error::{SendError, TryRecvError, TrySendError};
use super::rx::Rx;
use crate::sync::semaphore::Acquire;
use crate::sync::{Semaphore, TryAcquireError};

/// Creates a bounded channel holding at most `capacity` messages.
///
/// # Panics
///
/// If `capacity` is 0 (a bounded channel needs room for one message) or
/// exceeds [`Semaphore::MAX_PERMITS`], as tokio's does.
///
/// # Examples
///
/// ```
/// use evloop::sync::mpsc;
///
/// evloop::block_on(async {
///     let (tx, mut rx) = mpsc::channel(1);
///     evloop::spawn(async move {
///         for i in 0..3 {
///             tx.send(i).await.unwrap(); // waits while the slot is taken
///         }
///     });
///     let mut got = Vec::new();
///     while let Some(i) = rx.recv().await {
///         got.push(i);
///     }
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "mpsc bounded channel requires capacity > 0");
    assert!(
        capacity <= Semaphore::MAX_PERMITS,
        "mpsc bounded channel capacity exceeds Semaphore::MAX_PERMITS"
    );
    let chan = Chan::new(Some(capacity));
    (
        Sender {
            chan: chan.clone(),
            capacity,
        },
        Receiver { rx: Rx::new(chan) },
    )
}

/// The sending half of a bounded channel; clone it for more producers.
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// let (tx, _rx) = evloop::sync::mpsc::channel::<u8>(1);
/// must_be_send(tx);
/// ```
pub struct Sender<T> {
    /// The channel; the `Rc` makes the sender `!Send`.
    chan: Rc<Chan<T>>,
    /// The capacity given to `channel`, for `max_capacity`.
    capacity: usize,
}

impl<T> Sender<T> {
    /// Sends a message, waiting for a free slot first.
    ///
    /// # Cancel safety
    ///
    /// The message is sent entirely or not at all: dropping the future
    /// before it completes drops the message with it, and a slot it had
    /// already been handed goes to the next waiting sender, so no slot is
    /// lost. It does lose its place in the FIFO of waiting senders. To keep
    /// the message when cancelled, [`reserve`](Sender::reserve) first.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.reserve().await {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends a message if a slot is free now and no sender waits ahead.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, _rx) = mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan.slots().try_take(1) {
            Ok(()) => {
                Permit { chan: &self.chan }.send(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Waits for a free slot and holds it in a [`Permit`], so the message
    /// can be made afterwards and sent without waiting.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses its place in the queue and nothing else: a
    /// slot it had been handed goes to the next waiting sender.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (tx, mut rx) = evloop::sync::mpsc::channel(1);
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert!(tx.try_send(0).is_err()); // the slot is reserved
    ///     permit.send(1);
    ///     assert_eq!(rx.recv().await, Some(1));
    /// });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        match Acquire::new(self.chan.slots(), 1).await {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Waits until the receiver closes or is dropped, so a producer can
    /// stop making messages nobody will read.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only observes.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (tx, rx) = evloop::sync::mpsc::channel::<u8>(1);
    ///     evloop::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Whether the receiver closed or was dropped.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Free slots now.
    pub fn capacity(&self) -> usize {
        self.chan.slots().available_permits()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.capacity
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
            capacity: self.capacity,
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &self.chan).finish()
    }
}

/// One reserved slot of a bounded channel, from [`Sender::reserve`].
/// Dropping it unused frees the slot.
#[must_use = "dropping the permit frees the slot unused"]
pub struct Permit<'a, T> {
    /// The channel whose slot this holds.
    chan: &'a Chan<T>,
}

impl<T> Permit<'_, T> {
    /// Sends a message into the reserved slot; never waits. If the receiver
    /// has closed meanwhile, the message is dropped.
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The slot now belongs to the message: `recv` frees it, not our Drop.
        std::mem::forget(self);
        // A closed receiver means the message is dropped, like tokio's.
        let _ = chan.push(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.slots().add_permits(1);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// The receiving half of a bounded channel; also a [`Stream`].
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// let (_tx, rx) = evloop::sync::mpsc::channel::<u8>(1);
/// must_be_send(rx);
/// ```
pub struct Receiver<T> {
    rx: Rx<T>,
}

impl<T> Receiver<T> {
    /// Waits for the next message; `None` once every sender is gone (or the
    /// receiver closed) and the queue is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a message is taken only in the poll that returns it.
    pub async fn recv(&mut self) -> Option<T> {
        self.rx.recv().await
    }

    /// Waits for at least one message, then moves up to `limit` queued
    /// messages into `buf`; returns how many, 0 at the end (or if `limit`
    /// is 0).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv`](Receiver::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (tx, mut rx) = evloop::sync::mpsc::channel(4);
    ///     for i in 0..3 {
    ///         tx.send(i).await.unwrap();
    ///     }
    ///     let mut buf = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut buf, 2).await, 2);
    ///     assert_eq!(buf, [0, 1]);
    /// });
    /// ```
    pub async fn recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> usize {
        self.rx.recv_many(buf, limit).await
    }

    /// Takes the next message without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// The polling form of [`recv`](Receiver::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Refuses further messages and fails waiting senders; messages already
    /// queued can still be received.
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Messages queued now.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether no message is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.rx).poll_next(cx)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rx.debug("Receiver", f)
    }
}
