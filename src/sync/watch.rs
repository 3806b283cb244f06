//! A channel that holds one value, the latest: senders replace it,
//! receivers look at it and wait for it to change.
//!
//! Every send bumps a version number. Each [`Receiver`] remembers the
//! version it last saw, so [`Receiver::changed`] returns at once if
//! anything was sent since, and otherwise waits for the next send. Sends in
//! between are not queued: a receiver sees the latest value, never a
//! backlog. When every [`Sender`] is gone, `changed` returns an error
//! (after reporting a last unseen change first).
//!
//! Local (`!Send`): the value sits in a `RefCell` shared through an `Rc`,
//! and waiters are woken by a local [`Notify`], because every task of a
//! runtime runs on its thread. tokio's watch guards the value with an
//! `RwLock` instead; here a [`Ref`] is a `RefCell` borrow, so sending while
//! a `Ref` is alive panics with a message saying so, where tokio's send
//! would wait for the reader (on one thread, forever).
//!
//! ```compile_fail
//! fn must_be_send<T: Send>(_: T) {}
//! let (tx, _rx) = evloop::sync::watch::channel(0);
//! must_be_send(tx);
//! ```
//!
//! # Examples
//!
//! ```
//! use evloop::sync::watch;
//!
//! evloop::block_on(async {
//!     let (tx, mut rx) = watch::channel("starting");
//!     let watcher = evloop::spawn(async move {
//!         let mut seen = vec![*rx.borrow_and_update()];
//!         while rx.changed().await.is_ok() {
//!             seen.push(*rx.borrow_and_update());
//!         }
//!         seen
//!     });
//!     evloop::task::yield_now().await;
//!     tx.send("running").unwrap();
//!     evloop::task::yield_now().await;
//!     tx.send("done").unwrap();
//!     drop(tx);
//!     assert_eq!(watcher.await.unwrap(), ["starting", "running", "done"]);
//! });
//! ```

use std::cell::{Cell, RefCell};
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use super::Notify;

/// Errors of the watch channel.
pub mod error {
    use std::fmt;

    pub use crate::sync::send_error::SendError;

    /// Every sender is gone: the value will not change again.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

/// Creates a watch channel holding `init`, with one sender and one
/// receiver. The receiver counts `init` as seen.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::watch::channel(1);
/// tx.send(2).unwrap();
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(init);
    let rx = tx.subscribe();
    (tx, rx)
}

/// What the halves share.
struct Shared<T> {
    /// The latest value.
    value: RefCell<T>,
    /// Bumped by every send; a receiver compares it with the one it saw.
    version: Cell<u64>,
    /// Live senders; at zero the channel is closed for receivers.
    senders: Cell<usize>,
    /// Live receivers; at zero `send` fails and `closed()` returns.
    receivers: Cell<usize>,
    /// Wakes receivers in `changed()`: on every send and when the last
    /// sender goes.
    changed: Notify,
    /// Wakes senders in `closed()` when the last receiver goes.
    all_receivers_gone: Notify,
}

impl<T> Shared<T> {
    /// Whether every sender is gone.
    fn is_closed(&self) -> bool {
        self.senders.get() == 0
    }

    /// Runs `modify` on the value; if it reports a change, bumps the
    /// version and wakes the receivers.
    fn modify(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let changed = {
            let Ok(mut value) = self.value.try_borrow_mut() else {
                panic!(
                    "watch: send while a watch::Ref of the same channel is alive; \
                     drop the Ref (from borrow or borrow_and_update) before sending"
                )
            };
            modify(&mut value)
        };
        if changed {
            self.version.set(self.version.get().wrapping_add(1));
            self.changed.notify_waiters();
        }
        changed
    }
}

/// A borrow of the channel's value, from `borrow` or `borrow_and_update`.
///
/// Keep it short: while it lives, a send on the same channel panics (it
/// is a `RefCell` borrow). Never hold one across an `.await`.
///
/// ```
/// let (_tx, rx) = evloop::sync::watch::channel(String::from("v"));
/// let value = rx.borrow();
/// assert_eq!(value.len(), 1);
/// ```
pub struct Ref<'a, T> {
    /// The borrow.
    inner: std::cell::Ref<'a, T>,
    /// Whether the value was unseen by the receiver that borrowed it.
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the receiver that borrowed the value had not seen it yet
    /// (`borrow` reports this without marking it seen); always `false`
    /// for [`Sender::borrow`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow_and_update().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

/// The sending half: replaces or modifies the value. Clone it for more
/// senders; the channel closes for receivers when the last one drops.
pub struct Sender<T> {
    /// The channel; the `Rc` makes the sender `!Send`.
    shared: Rc<Shared<T>>,
}

impl<T> Sender<T> {
    /// A sender of a new channel holding `init`, with no receiver yet
    /// (`send` fails until one [subscribes](Sender::subscribe)).
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = evloop::sync::watch::Sender::new(0);
    /// assert!(tx.send(1).is_err()); // nobody watches
    /// let rx = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        Sender {
            shared: Rc::new(Shared {
                value: RefCell::new(init),
                version: Cell::new(0),
                senders: Cell::new(1),
                receivers: Cell::new(0),
                changed: Notify::new(),
                all_receivers_gone: Notify::new(),
            }),
        }
    }

    /// Replaces the value and notifies every receiver; fails, giving the
    /// value back and changing nothing, if there are no receivers.
    ///
    /// # Panics
    ///
    /// If a [`Ref`] of this channel is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().0, 3);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receivers.get() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies every receiver, whether
    /// or not any exists.
    ///
    /// # Panics
    ///
    /// If a [`Ref`] of this channel is alive (or `modify` panics).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.shared.modify(|value| {
            modify(value);
            true
        });
    }

    /// Modifies the value in place and notifies the receivers only if
    /// `modify` returns `true`; returns what `modify` returned.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(1);
    /// assert!(!tx.send_if_modified(|_| false));
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|v| { *v = 2; true }));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        self.shared.modify(modify)
    }

    /// Replaces the value whether or not any receiver exists, notifies the
    /// receivers, and returns the old value.
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = evloop::sync::watch::Sender::new(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let mut old = Some(value);
        self.shared.modify(|current| {
            old = old.take().map(|new| std::mem::replace(current, new));
            true
        });
        old.expect("modify ran the closure")
    }

    /// A borrow of the current value. See [`Ref`] for how long to keep it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::watch::channel(7);
    /// assert_eq!(*tx.borrow(), 7);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.value.borrow(),
            has_changed: false,
        }
    }

    /// A new receiver, which counts the current value as seen. It works
    /// even after every receiver was dropped: `send` succeeds again.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(1);
    /// drop(rx);
    /// let rx = tx.subscribe();
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(2).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::new(self.shared.clone(), self.shared.version.get())
    }

    /// How many receivers are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(());
    /// let _rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.get()
    }

    /// How many senders are alive, this one included.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::watch::channel(());
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.senders.get()
    }

    /// Whether every receiver is gone (so `send` fails).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone: a producer can stop updating a
    /// value nobody watches.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only observes.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (tx, rx) = evloop::sync::watch::channel(());
    ///     evloop::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub async fn closed(&self) {
        loop {
            // Made before the check, so a drop in between still wakes it.
            let gone = self.shared.all_receivers_gone.notified();
            if self.is_closed() {
                return;
            }
            gone.await;
        }
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::watch::channel(());
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.set(self.shared.senders.get() + 1);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let senders = self.shared.senders.get() - 1;
        self.shared.senders.set(senders);
        if senders == 0 {
            // Receivers waiting in `changed` must see the end.
            self.shared.changed.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("value", &*self.shared.value.borrow())
            .field("version", &self.shared.version.get())
            .field("receivers", &self.shared.receivers.get())
            .finish()
    }
}

/// The receiving half: looks at the value and waits for changes. Clone it
/// for more receivers; a clone has seen what the original has seen.
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// let (_tx, rx) = evloop::sync::watch::channel(0);
/// must_be_send(rx);
/// ```
pub struct Receiver<T> {
    /// The channel.
    shared: Rc<Shared<T>>,
    /// The version this receiver last marked seen.
    seen: u64,
}

impl<T> Receiver<T> {
    /// A receiver that has seen `seen`; counts itself in.
    fn new(shared: Rc<Shared<T>>, seen: u64) -> Receiver<T> {
        shared.receivers.set(shared.receivers.get() + 1);
        Receiver { shared, seen }
    }

    /// A borrow of the current value, without marking it seen. See [`Ref`]
    /// for how long to keep it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// assert!(rx.has_changed().unwrap()); // still unseen
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.value.borrow(),
            has_changed: self.seen != self.shared.version.get(),
        }
    }

    /// A borrow of the current value, marking it seen: the next
    /// [`changed`](Receiver::changed) waits for a newer send.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let version = self.shared.version.get();
        let has_changed = self.seen != version;
        self.seen = version;
        Ref {
            inner: self.shared.value.borrow(),
            has_changed,
        }
    }

    /// Whether a value was sent since this receiver last marked one seen;
    /// `Err` once every sender is gone (as tokio's, even if the last value
    /// is unseen: read it with `borrow`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(1);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.shared.is_closed() {
            return Err(RecvError(()));
        }
        Ok(self.seen != self.shared.version.get())
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    /// Returns at once if one was sent since the last mark; `Err` once
    /// every sender is gone and the latest value has been seen.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it marks the value seen only when it returns, so
    /// dropping it loses no change.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (tx, mut rx) = evloop::sync::watch::channel(0);
    ///     evloop::spawn(async move {
    ///         tx.send(1).unwrap();
    ///     });
    ///     assert!(rx.changed().await.is_ok());
    ///     assert_eq!(*rx.borrow(), 1);
    ///     assert!(rx.changed().await.is_err()); // the sender is gone
    /// });
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        loop {
            // Made before the checks, so a send in between still wakes it.
            let notified = self.shared.changed.notified();
            let version = self.shared.version.get();
            if self.seen != version {
                self.seen = version;
                return Ok(());
            }
            if self.shared.is_closed() {
                return Err(RecvError(()));
            }
            notified.await;
        }
    }

    /// Waits until the value satisfies `f` (checking the current value
    /// first), marks it seen and returns a borrow of it; `Err` once every
    /// sender is gone and the last value failed `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (tx, mut rx) = evloop::sync::watch::channel(0);
    ///     evloop::spawn(async move {
    ///         for i in 1..=5 {
    ///             tx.send(i).unwrap();
    ///             evloop::task::yield_now().await;
    ///         }
    ///     });
    ///     let value = *rx.wait_for(|v| *v >= 3).await.unwrap();
    ///     assert!(value >= 3); // 3, or a later value if it looked late
    /// });
    /// ```
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        loop {
            let version = self.shared.version.get();
            if f(&self.shared.value.borrow()) {
                let has_changed = self.seen != version;
                self.seen = version;
                return Ok(Ref {
                    inner: self.shared.value.borrow(),
                    has_changed,
                });
            }
            self.seen = version;
            self.changed().await?;
        }
    }

    /// Marks the current value unseen, so `changed` returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, mut rx) = evloop::sync::watch::channel(0);
    /// rx.mark_changed();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn mark_changed(&mut self) {
        self.seen = self.shared.version.get().wrapping_sub(1);
    }

    /// Marks the current value seen, without borrowing it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version.get();
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::sync::watch::channel(());
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver::new(self.shared.clone(), self.seen)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let receivers = self.shared.receivers.get() - 1;
        self.shared.receivers.set(receivers);
        if receivers == 0 {
            self.shared.all_receivers_gone.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("value", &*self.shared.value.borrow())
            .field("seen", &self.seen)
            .field("version", &self.shared.version.get())
            .finish()
    }
}
