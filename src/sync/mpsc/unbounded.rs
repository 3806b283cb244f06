//! The unbounded channel: sending never waits; the queue grows instead.

use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::chan::Chan;
use super::error::{SendError, TryRecvError};
use super::rx::Rx;

/// Creates an unbounded channel: [`UnboundedSender::send`] never waits.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let (tx, mut rx) = evloop::sync::mpsc::unbounded_channel();
///     tx.send("a").unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Some("a"));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Chan::new(None);
    (
        UnboundedSender { chan: chan.clone() },
        UnboundedReceiver { rx: Rx::new(chan) },
    )
}

/// The sending half of an unbounded channel; clone it for more producers.
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// let (tx, _rx) = evloop::sync::mpsc::unbounded_channel::<u8>();
/// must_be_send(tx);
/// ```
pub struct UnboundedSender<T> {
    /// The channel; the `Rc` makes the sender `!Send`.
    chan: Rc<Chan<T>>,
}

impl<T> UnboundedSender<T> {
    /// Queues a message, or gives it back if the receiver is closed.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.push(value).map_err(SendError)
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
    ///     let (tx, rx) = evloop::sync::mpsc::unbounded_channel::<u8>();
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

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &self.chan)
            .finish()
    }
}

/// The receiving half of an unbounded channel; also a [`Stream`].
pub struct UnboundedReceiver<T> {
    rx: Rx<T>,
}

impl<T> UnboundedReceiver<T> {
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
    /// is 0). Cancel safe.
    pub async fn recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> usize {
        self.rx.recv_many(buf, limit).await
    }

    /// Takes the next message without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// The polling form of [`recv`](UnboundedReceiver::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Refuses further messages; messages already queued can still be
    /// received.
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

impl<T> Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.rx).poll_next(cx)
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rx.debug("UnboundedReceiver", f)
    }
}
