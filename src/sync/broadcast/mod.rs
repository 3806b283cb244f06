//! A multi-producer, multi-consumer channel where every receiver gets
//! every value: a bounded ring of the latest values, each kept until every
//! receiver has read it or it is pushed out.
//!
//! Each sent value gets a position, counting from 0. The ring keeps the
//! positions `head..tail`, each with the number of receivers that have not
//! read it yet; a [`Receiver`] is just the position it reads next. A value
//! leaves the ring when its last reader has read it, or when a send finds
//! the ring full and pushes the oldest out. A receiver whose next position
//! was pushed out has lagged: its next receive is
//! [`Lagged(n)`](error::RecvError::Lagged), `n` the values it missed, and
//! the one after that the oldest value still kept.
//!
//! Local (`!Send`): the ring is a `RefCell` behind an `Rc`, and receivers
//! wait on a local [`Notify`], because every task of a runtime runs on its
//! thread.
//!
//! ```compile_fail
//! fn must_be_send<T: Send>(_: T) {}
//! let (tx, _rx) = evloop::sync::broadcast::channel::<u8>(4);
//! must_be_send(tx);
//! ```
//!
//! # Examples
//!
//! ```
//! use evloop::sync::broadcast::{self, error::RecvError};
//!
//! evloop::block_on(async {
//!     let (tx, mut rx1) = broadcast::channel(16);
//!     let mut rx2 = tx.subscribe();
//!     let listener = evloop::spawn(async move {
//!         let mut got = Vec::new();
//!         while let Ok(v) = rx2.recv().await {
//!             got.push(v);
//!         }
//!         got
//!     });
//!     tx.send(10).unwrap();
//!     tx.send(20).unwrap();
//!     drop(tx);
//!     assert_eq!(rx1.recv().await, Ok(10));
//!     assert_eq!(rx1.recv().await, Ok(20));
//!     assert_eq!(rx1.recv().await, Err(RecvError::Closed));
//!     assert_eq!(listener.await.unwrap(), [10, 20]);
//! });
//! ```

pub mod error;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use super::Notify;
use error::{RecvError, SendError, TryRecvError};

/// Creates a channel keeping at most `capacity` values, with one sender
/// and one receiver.
///
/// As tokio's, the capacity is rounded up to a power of two, so a port
/// sees the same `Lagged` counts.
///
/// # Panics
///
/// If `capacity` is 0, or above `usize::MAX / 2`, with tokio's messages.
///
/// # Examples
///
/// ```
/// use evloop::sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel(2);
/// for v in [1, 2, 3] {
///     tx.send(v).unwrap();
/// }
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1))); // 1 was pushed out
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert_eq!(rx.try_recv(), Ok(3));
/// ```
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(capacity);
    let rx = tx.subscribe();
    (tx, rx)
}

/// What senders and receivers share.
struct Shared<T> {
    /// The kept values.
    ring: RefCell<Ring<T>>,
    /// Live senders; at zero, receivers end after the kept values. Outside
    /// the `RefCell`, so cloning a sender inside a value's `clone` is fine.
    senders: Cell<usize>,
    /// Live receivers; `send` fails at zero.
    receivers: Cell<usize>,
    /// Wakes receivers in `recv`: on every send and when the last sender
    /// goes.
    sent: Notify,
}

impl<T: Clone> Shared<T> {
    /// The receive of a receiver reading from `next`: a clone of the value
    /// there, or how far it lagged, or why there is nothing.
    fn take(&self, next: &mut u64) -> Result<T, TryRecvError> {
        let (value, read_by_all) = {
            let mut ring = self.ring.borrow_mut();
            if *next < ring.head {
                let missed = ring.head - *next;
                *next = ring.head;
                return Err(TryRecvError::Lagged(missed));
            }
            let index = (*next - ring.head) as usize;
            let Some(slot) = ring.slots.get_mut(index) else {
                return Err(if self.senders.get() == 0 {
                    TryRecvError::Closed
                } else {
                    TryRecvError::Empty
                });
            };
            slot.unread -= 1;
            let value = slot.value.clone();
            *next += 1;
            (value, ring.pop_read())
        };
        // Dropped outside the borrow: a value's drop may use this channel.
        drop(read_by_all);
        Ok(value)
    }
}

/// The kept values and their positions.
struct Ring<T> {
    /// Values at positions `head..head + slots.len()`, oldest first.
    slots: VecDeque<Slot<T>>,
    /// The most values kept; a send beyond it pushes the oldest out.
    capacity: usize,
    /// The position of `slots[0]`.
    head: u64,
}

/// One kept value.
struct Slot<T> {
    /// The value; each receiver gets a clone.
    value: T,
    /// Receivers alive at the send that have not read it yet. When it
    /// reaches 0 every slot before it is at 0 too (receivers read in
    /// order), so the slot is at the front and leaves the ring.
    unread: usize,
}

impl<T> Ring<T> {
    /// The position the next send takes.
    fn tail(&self) -> u64 {
        self.head + self.slots.len() as u64
    }

    /// Removes the front slot if every receiver has read it; the caller
    /// drops the value after its borrow ends.
    fn pop_read(&mut self) -> Option<T> {
        if self.slots.front()?.unread > 0 {
            return None;
        }
        self.head += 1;
        self.slots.pop_front().map(|slot| slot.value)
    }
}

/// The sending half; clone it for more senders. Sending never waits: a
/// full ring drops its oldest value instead.
pub struct Sender<T> {
    /// The channel; the `Rc` makes the sender `!Send`.
    shared: Rc<Shared<T>>,
}

impl<T> Sender<T> {
    /// A sender of a new channel keeping at most `capacity` values (rounded
    /// up to a power of two), with no receiver yet.
    ///
    /// # Panics
    ///
    /// As [`channel`].
    ///
    /// # Examples
    ///
    /// ```
    /// let tx = evloop::sync::broadcast::Sender::<u8>::new(8);
    /// assert!(tx.send(1).is_err()); // nobody listens yet
    /// let mut rx = tx.subscribe();
    /// assert_eq!(tx.send(2).unwrap(), 1);
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    pub fn new(capacity: usize) -> Sender<T> {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`"
        );
        let capacity = capacity.next_power_of_two();
        Sender {
            shared: Rc::new(Shared {
                ring: RefCell::new(Ring {
                    // The ring grows as values come, up to `capacity`: a
                    // huge capacity costs nothing until it is used.
                    slots: VecDeque::with_capacity(capacity.min(64)),
                    capacity,
                    head: 0,
                }),
                senders: Cell::new(1),
                receivers: Cell::new(0),
                sent: Notify::new(),
            }),
        }
    }

    /// Sends `value` to every receiver alive now and returns how many
    /// there are. Fails, giving the value back, if there are none.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::broadcast::channel(4);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.send("hi").unwrap(), 2);
    /// drop((rx, _rx2));
    /// assert_eq!(tx.send("bye").unwrap_err().0, "bye");
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let receivers = self.shared.receivers.get();
        if receivers == 0 {
            return Err(SendError(value));
        }
        let pushed_out = {
            let mut ring = self.shared.ring.borrow_mut();
            let pushed_out = if ring.slots.len() == ring.capacity {
                ring.head += 1;
                ring.slots.pop_front()
            } else {
                None
            };
            ring.slots.push_back(Slot {
                value,
                unread: receivers,
            });
            pushed_out
        };
        // Dropped outside the borrow: a value's drop may use this channel.
        drop(pushed_out);
        self.shared.sent.notify_waiters();
        Ok(receivers)
    }

    /// A new receiver, which gets the values sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let next = self.shared.ring.borrow().tail();
        Receiver::new(self.shared.clone(), next)
    }

    /// How many receivers are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::broadcast::channel::<u8>(4);
    /// assert_eq!(tx.receiver_count(), 1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.get()
    }

    /// How many values are kept: sent, and not yet read by every receiver
    /// that was alive at the send nor pushed out.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.ring.borrow().slots.len()
    }

    /// Whether no value is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::broadcast::channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::broadcast::channel::<u8>(4);
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
            // Waiting receivers must see the end.
            self.shared.sent.notify_waiters();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("kept", &self.len())
            .field("receivers", &self.receiver_count())
            .finish()
    }
}

/// The receiving half: gets a clone of every value sent while it is
/// alive, in order. Make more with [`Sender::subscribe`] or
/// [`resubscribe`](Receiver::resubscribe).
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// let (_tx, rx) = evloop::sync::broadcast::channel::<u8>(4);
/// must_be_send(rx);
/// ```
pub struct Receiver<T> {
    /// The channel.
    shared: Rc<Shared<T>>,
    /// The position this receiver reads next; below the ring's head when
    /// it has lagged.
    next: u64,
}

impl<T> Receiver<T> {
    /// A receiver reading from `next`; counts itself in.
    fn new(shared: Rc<Shared<T>>, next: u64) -> Receiver<T> {
        shared.receivers.set(shared.receivers.get() + 1);
        Receiver { shared, next }
    }

    /// How many values were sent that this receiver has not received,
    /// counting ones it lost to lagging.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        (self.shared.ring.borrow().tail() - self.next) as usize
    }

    /// Whether this receiver has received every value sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every sender is gone (values may still be kept for this
    /// receiver).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::broadcast::channel::<u8>(4);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.senders.get() == 0
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }

    /// A new receiver of the same channel, which gets the values sent from
    /// now on (not the ones this receiver has still to read).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx2.try_recv(), Ok(2));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        let next = self.shared.ring.borrow().tail();
        Receiver::new(self.shared.clone(), next)
    }
}

impl<T: Clone> Receiver<T> {
    /// Takes the next value if there is one, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.shared.take(&mut self.next)
    }

    /// Waits for the next value. After the last sender is gone, returns
    /// the values still kept for this receiver, then
    /// [`RecvError::Closed`]. A receiver that fell behind gets
    /// [`RecvError::Lagged`] once, then the oldest value kept.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a value is taken only when the future returns it, so
    /// in a `select!` no value is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (tx, mut rx) = evloop::sync::broadcast::channel(4);
    ///     evloop::spawn(async move {
    ///         tx.send("hello").unwrap();
    ///     });
    ///     assert_eq!(rx.recv().await, Ok("hello"));
    /// });
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        loop {
            // Made before the check, so a send in between still wakes it.
            let sent = self.shared.sent.notified();
            match self.shared.take(&mut self.next) {
                Ok(value) => return Ok(value),
                Err(TryRecvError::Lagged(n)) => return Err(RecvError::Lagged(n)),
                Err(TryRecvError::Closed) => return Err(RecvError::Closed),
                Err(TryRecvError::Empty) => sent.await,
            }
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.receivers.set(self.shared.receivers.get() - 1);
        // Values this receiver will never read no longer wait for it.
        let mut read_by_all = Vec::new();
        {
            let mut ring = self.shared.ring.borrow_mut();
            let from = self.next.saturating_sub(ring.head) as usize;
            for slot in ring.slots.iter_mut().skip(from) {
                slot.unread -= 1;
            }
            while let Some(value) = ring.pop_read() {
                read_by_all.push(value);
            }
        }
        drop(read_by_all);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .field("unreceived", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_leaves_the_ring_once_every_receiver_has_it() {
        let (tx, mut a) = channel(8);
        let mut b = tx.subscribe();
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert_eq!(a.try_recv(), Ok(1));
        assert_eq!(tx.len(), 2);
        assert_eq!(b.try_recv(), Ok(1));
        assert_eq!(tx.len(), 1);
        drop(b); // 2 no longer waits for `b`
        assert_eq!(tx.len(), 1);
        drop(a);
        assert_eq!(tx.len(), 0);
    }

    #[test]
    fn capacity_rounds_up_to_a_power_of_two() {
        let (tx, mut rx) = channel(3);
        for v in 0..5 {
            tx.send(v).unwrap();
        }
        assert_eq!(tx.len(), 4);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
        assert_eq!(rx.try_recv(), Ok(1));
    }
}
