//! The core both mpsc flavours share: a queue, the receiver's waker, a
//! sender count, and (bounded only) a semaphore of free slots.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::error::TryRecvError;
use crate::sync::{Notify, Semaphore};

/// One channel; senders and the receiver hold it in an `Rc`.
pub(super) struct Chan<T> {
    /// Messages, the receiver's waker and the counts.
    state: RefCell<State<T>>,
    /// Free slots of a bounded channel: a sender takes one (FIFO, cancel
    /// safe, all in `Semaphore`) before it pushes, the receiver gives one
    /// back per message it pops. `None` for an unbounded channel.
    slots: Option<Semaphore>,
    /// Wakes the senders parked in `closed()` when the receiver closes.
    rx_closed_notify: Notify,
}

/// The mutable part of a [`Chan`].
struct State<T> {
    /// Sent messages, oldest first. The only allocation messages cause.
    queue: VecDeque<T>,
    /// The receiver parked in `recv`.
    rx_waker: Option<Waker>,
    /// Live senders; at zero the receiver sees the end after the queue.
    senders: usize,
    /// The receiver closed or dropped: sends fail from now on.
    rx_closed: bool,
}

impl<T> Chan<T> {
    /// A channel with one sender; `bound` is the capacity of a bounded one.
    pub(super) fn new(bound: Option<usize>) -> Rc<Self> {
        Rc::new(Chan {
            state: RefCell::new(State {
                queue: VecDeque::with_capacity(bound.unwrap_or(0).min(1024)),
                rx_waker: None,
                senders: 1,
                rx_closed: false,
            }),
            slots: bound.map(Semaphore::new),
            rx_closed_notify: Notify::new(),
        })
    }

    /// The free-slot semaphore of a bounded channel.
    pub(super) fn slots(&self) -> &Semaphore {
        self.slots
            .as_ref()
            .expect("only bounded channels reserve slots")
    }

    /// Queues a message and wakes the receiver; gives the message back if
    /// the receiver is closed.
    pub(super) fn push(&self, value: T) -> Result<(), T> {
        let waker = {
            let mut state = self.state.borrow_mut();
            if state.rx_closed {
                return Err(value);
            }
            state.queue.push_back(value);
            state.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Whether sends fail now.
    pub(super) fn is_closed(&self) -> bool {
        self.state.borrow().rx_closed
    }

    /// A new sender handle exists.
    pub(super) fn add_sender(&self) {
        self.state.borrow_mut().senders += 1;
    }

    /// A sender handle dropped; the last one wakes the receiver to see the end.
    pub(super) fn drop_sender(&self) {
        let waker = {
            let mut state = self.state.borrow_mut();
            state.senders -= 1;
            if state.senders > 0 {
                return;
            }
            state.rx_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Gives `n` popped messages' slots back to blocked senders.
    fn release_slots(&self, n: usize) {
        if let Some(slots) = &self.slots {
            if n > 0 {
                slots.add_permits(n);
            }
        }
    }

    /// Moves up to `limit` messages into `buf`: `Ready(0)` means the
    /// channel is finished (or `limit` is 0), `Pending` that it is empty.
    pub(super) fn poll_recv_many(
        &self,
        cx: &mut Context<'_>,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let taken = {
            let mut state = self.state.borrow_mut();
            if state.queue.is_empty() {
                if state.senders == 0 || state.rx_closed {
                    return Poll::Ready(0);
                }
                match &state.rx_waker {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => state.rx_waker = Some(cx.waker().clone()),
                }
                return Poll::Pending;
            }
            let n = limit.min(state.queue.len());
            buf.extend(state.queue.drain(..n));
            n
        };
        self.release_slots(taken);
        Poll::Ready(taken)
    }

    /// Pops one message, or parks the receiver; `Ready(None)` is the end.
    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let value = {
            let mut state = self.state.borrow_mut();
            match state.queue.pop_front() {
                Some(value) => value,
                None if state.senders == 0 || state.rx_closed => return Poll::Ready(None),
                None => {
                    match &state.rx_waker {
                        Some(old) if old.will_wake(cx.waker()) => {}
                        _ => state.rx_waker = Some(cx.waker().clone()),
                    }
                    return Poll::Pending;
                }
            }
        };
        self.release_slots(1);
        Poll::Ready(Some(value))
    }

    /// Pops one message without waiting.
    pub(super) fn try_recv(&self) -> Result<T, TryRecvError> {
        let value = {
            let mut state = self.state.borrow_mut();
            match state.queue.pop_front() {
                Some(value) => value,
                None if state.senders == 0 || state.rx_closed => {
                    return Err(TryRecvError::Disconnected)
                }
                None => return Err(TryRecvError::Empty),
            }
        };
        self.release_slots(1);
        Ok(value)
    }

    /// Refuses further messages (queued ones stay receivable) and fails
    /// the senders waiting for a slot.
    pub(super) fn close(&self) {
        self.state.borrow_mut().rx_closed = true;
        if let Some(slots) = &self.slots {
            slots.close();
        }
        self.rx_closed_notify.notify_waiters();
    }

    /// Waits until the receiver closes or drops.
    pub(super) async fn closed(&self) {
        loop {
            // Created before the check, so a close in between still wakes it.
            let notified = self.rx_closed_notify.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// The receiver is gone: close, and drop the queued messages outside
    /// the borrow (a message may hold a sender of this very channel).
    pub(super) fn close_and_drain(&self) {
        self.close();
        let queue = std::mem::take(&mut self.state.borrow_mut().queue);
        drop(queue);
    }

    /// Messages queued now.
    pub(super) fn len(&self) -> usize {
        self.state.borrow().queue.len()
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Chan")
            .field("queued", &state.queue.len())
            .field("senders", &state.senders)
            .field("rx_closed", &state.rx_closed)
            .field("slots", &self.slots)
            .finish()
    }
}
