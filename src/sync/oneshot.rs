//! A channel for exactly one value: one [`Sender`], one [`Receiver`], and
//! one `Rc` allocation shared by both.
//!
//! # Examples
//!
//! ```
//! use evloop::sync::oneshot;
//!
//! evloop::block_on(async {
//!     let (tx, rx) = oneshot::channel();
//!     evloop::spawn(async move {
//!         let _ = tx.send("done");
//!     });
//!     assert_eq!(rx.await, Ok("done"));
//! });
//! ```

use std::cell::RefCell;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Errors of the oneshot channel.
pub mod error {
    use std::fmt;

    /// The [`Sender`](super::Sender) was dropped without sending.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value yet; the sender may still send one.
        Empty,
        /// The sender is gone (dropped, or its value already received).
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

/// Creates a oneshot channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Rc::new(RefCell::new(Inner {
        value: None,
        rx_waker: None,
        tx_waker: None,
        tx_gone: false,
        rx_closed: false,
    }));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
}

/// What both halves share. The `Rc` makes both halves `!Send`.
#[derive(Debug)]
struct Inner<T> {
    /// The value, from `send` until the receiver takes it.
    value: Option<T>,
    /// The receiver waiting for the value.
    rx_waker: Option<Waker>,
    /// The sender waiting in `closed()`.
    tx_waker: Option<Waker>,
    /// The sender sent or was dropped: no (further) value will come.
    tx_gone: bool,
    /// The receiver closed or was dropped: `send` fails from now on.
    rx_closed: bool,
}

/// Sends the channel's one value.
///
/// `!Send`, like everything in `evloop::sync`:
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// let (tx, _rx) = evloop::sync::oneshot::channel::<u8>();
/// must_be_send(tx);
/// ```
pub struct Sender<T> {
    /// The shared slot.
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`, or gives it back if the receiver is closed or gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(5), Err(5));
    /// ```
    pub fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut inner = self.inner.borrow_mut();
            if inner.rx_closed {
                return Err(value);
            }
            inner.value = Some(value);
            inner.rx_waker.take()
        };
        // `drop(self)` now marks the sender gone; it finds no waker to wake.
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Whether the receiver closed or was dropped.
    pub fn is_closed(&self) -> bool {
        self.inner.borrow().rx_closed
    }

    /// Waits until the receiver closes or is dropped: a producer can stop
    /// computing a value nobody wants.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only observes.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (mut tx, rx) = evloop::sync::oneshot::channel::<()>();
    ///     evloop::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub async fn closed(&mut self) {
        poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// The polling form of [`closed`](Sender::closed).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.inner.borrow_mut();
        if inner.rx_closed {
            return Poll::Ready(());
        }
        match &inner.tx_waker {
            Some(old) if old.will_wake(cx.waker()) => {}
            _ => inner.tx_waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut inner = self.inner.borrow_mut();
            inner.tx_gone = true;
            inner.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Receives the channel's one value: `.await` it, or poll with
/// [`try_recv`](Receiver::try_recv).
///
/// Awaiting resolves to `Ok(value)`, or `Err(RecvError)` if the sender was
/// dropped without sending.
///
/// # Cancel safety
///
/// The receiver is a future you may poll by `&mut` in a `select`: an
/// unfinished poll takes nothing, so dropping or re-polling it loses no
/// value.
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// let (_tx, rx) = evloop::sync::oneshot::channel::<u8>();
/// must_be_send(rx);
/// ```
pub struct Receiver<T> {
    /// The shared slot.
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Receiver<T> {
    /// Takes the value if it is there, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut inner = self.inner.borrow_mut();
        match inner.value.take() {
            Some(value) => Ok(value),
            None if inner.tx_gone => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Refuses the value: a later `send` fails and the sender's `closed()`
    /// completes. A value sent before this call can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::oneshot::channel::<u8>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        let waker = {
            let mut inner = self.inner.borrow_mut();
            inner.rx_closed = true;
            inner.tx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut inner = self.inner.borrow_mut();
        if let Some(value) = inner.value.take() {
            return Poll::Ready(Ok(value));
        }
        if inner.tx_gone {
            return Poll::Ready(Err(RecvError(())));
        }
        match &inner.rx_waker {
            Some(old) if old.will_wake(cx.waker()) => {}
            _ => inner.rx_waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.close();
        // Drop an unreceived value now, outside the borrow: its own drop
        // may touch other channels.
        let value = self.inner.borrow_mut().value.take();
        drop(value);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.borrow();
        f.debug_struct("Receiver")
            .field("has_value", &inner.value.is_some())
            .field("sender_gone", &inner.tx_gone)
            .finish()
    }
}
