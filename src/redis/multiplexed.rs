//! [`MultiplexedConnection`]: one socket that many tasks share, with
//! pipelining for free.
//!
//! ```text
//!   task A: GET a ─┐                      ┌─▶ A's reply
//!   task B: GET b ─┼─▶ out buffer ─▶ one write ─▶ server ─▶ replies, in order
//!   task C: SET c ─┘   queue: A, B, C          └─▶ B's, then C's
//! ```
//!
//! A request appends its encoded command to the connection's output buffer
//! and its reply slot to the in-flight queue, in the same step, so the two
//! stay in the same order; then it wakes the connection's driver task and
//! waits. The driver runs after the tasks that woke it, in the same tick,
//! so every command queued meanwhile leaves in one write. Redis answers in
//! order, so the driver hands each reply it parses to the oldest slot. A
//! request that gave up (dropped, or past its response timeout) leaves its
//! slot in the queue: the reply still comes, and is dropped.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::cmd::{reply_window, single_reply, Cmd, ConnectionLike, Pipeline};
use super::conn::{before, current_runtime, foreign_runtime, Reader, Settings, Transport};
use super::error::{ErrorKind, RedisError, RedisResult};
use super::value::Value;

/// A connection that many tasks share, each with its own clone: cheap to
/// clone, and every clone uses the same socket.
///
/// Commands from tasks that run in the same tick go out in one write, and
/// their replies come back in one read: concurrent tasks pipeline without
/// asking. Each request waits for its reply at most the response timeout
/// (500 ms by default, see [`AsyncConnectionConfig`]).
///
/// **Blocking commands stall everyone.** Replies come in order, so a
/// `BLPOP` that waits 5 s holds back every reply queued behind it on this
/// connection, for 5 s (the same trap as redis-rs#1236). Give blocking
/// commands a dedicated connection
/// ([`Client::get_async_connection`](super::Client::get_async_connection)).
///
/// **When the server goes away**, every request waiting on the connection
/// fails with an error for which
/// [`is_connection_dropped`](RedisError::is_connection_dropped) is true,
/// and so does every later request: it fails fast and does not reconnect.
/// Open a new connection from the [`Client`](super::Client).
///
/// The connection's socket belongs to the runtime that opened it, and so
/// does its driver task: used in another runtime, a request is an error
/// that says so. When the last clone drops, the driver reads the replies
/// still owed, then closes the socket.
///
/// [`AsyncConnectionConfig`]: super::AsyncConnectionConfig
#[derive(Clone)]
pub struct MultiplexedConnection {
    /// Shared by every clone; its drop tells the driver nobody is left.
    handle: Rc<Handle>,
}

/// What the clones share; dropping the last one lets the driver finish.
struct Handle {
    shared: Rc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.abandoned.set(true);
        self.shared.wake_driver();
    }
}

/// What the clones and the driver task share.
struct Shared {
    /// Requests encoded and not yet written (the driver writes from
    /// `written` on).
    out: RefCell<Vec<u8>>,
    written: Cell<usize>,
    /// A reply slot for every reply still to come, oldest first.
    in_flight: RefCell<VecDeque<Rc<Slot>>>,
    /// The driver, to wake when there is something to write.
    driver: RefCell<Option<Waker>>,
    /// Set once the connection failed: every later request gets it.
    broken: RefCell<Option<RedisError>>,
    /// Every clone is gone.
    abandoned: Cell<bool>,
    settings: Cell<Settings>,
    runtime: Option<u64>,
    db: i64,
}

/// Where one request's replies go.
struct Slot {
    /// Replies it still waits for (a pipeline waits for several).
    left: Cell<usize>,
    /// A pipeline's replies so far.
    replies: RefCell<Vec<Value>>,
    /// The outcome, once every reply came (or the connection failed).
    outcome: RefCell<Option<RedisResult<Replies>>>,
    waker: RefCell<Option<Waker>>,
}

/// A request's replies: one command's needs no vector (no allocation).
enum Replies {
    One(Value),
    Many(Vec<Value>),
}

impl Replies {
    fn into_vec(self) -> Vec<Value> {
        match self {
            Replies::One(value) => vec![value],
            Replies::Many(values) => values,
        }
    }
}

impl Slot {
    fn finish(&self, outcome: RedisResult<Replies>) {
        *self.outcome.borrow_mut() = Some(outcome);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }
}

impl MultiplexedConnection {
    pub(crate) fn new(
        transport: Transport,
        reader: Reader,
        settings: Settings,
        db: i64,
    ) -> MultiplexedConnection {
        let shared = Rc::new(Shared {
            out: RefCell::new(Vec::new()),
            written: Cell::new(0),
            in_flight: RefCell::new(VecDeque::new()),
            driver: RefCell::new(None),
            broken: RefCell::new(None),
            abandoned: Cell::new(false),
            settings: Cell::new(settings),
            runtime: current_runtime(),
            db,
        });
        let driver = Driver {
            shared: shared.clone(),
            transport,
            reader,
        };
        // Detached: it ends by itself once every clone is gone and every
        // owed reply came (or the connection failed), and with its runtime.
        drop(crate::spawn(driver.run()));
        MultiplexedConnection {
            handle: Rc::new(Handle { shared }),
        }
    }

    /// Changes the response timeout of later requests, for every clone.
    pub fn set_response_timeout(&mut self, timeout: std::time::Duration) {
        let shared = &self.handle.shared;
        let mut settings = shared.settings.get();
        settings.response_timeout = Some(timeout);
        shared.settings.set(settings);
    }

    /// Queues a request of `replies` replies written by `write`, and waits
    /// for them until the response timeout (plus `blocking`).
    async fn request(
        &self,
        write: impl FnOnce(&mut Vec<u8>),
        replies: usize,
        blocking: Option<Option<std::time::Duration>>,
    ) -> RedisResult<Replies> {
        let shared = &self.handle.shared;
        if let Some(error) = &*shared.broken.borrow() {
            return Err(error.clone());
        }
        if shared.runtime != current_runtime() {
            return Err(foreign_runtime());
        }
        let slot = Rc::new(Slot {
            left: Cell::new(replies),
            // A pipeline's replies, sized once (a count from us, not from
            // the server); a single reply needs none.
            replies: RefCell::new(Vec::with_capacity(if replies > 1 {
                replies.min(4096)
            } else {
                0
            })),
            outcome: RefCell::new(None),
            waker: RefCell::new(None),
        });
        write(&mut shared.out.borrow_mut());
        shared.in_flight.borrow_mut().push_back(slot.clone());
        shared.wake_driver();
        let deadline = shared.settings.get().deadline(blocking);
        before(deadline, Wait { slot }).await
    }
}

impl Shared {
    fn wake_driver(&self) {
        if let Some(waker) = &*self.driver.borrow() {
            waker.wake_by_ref();
        }
    }

    /// Fails every waiting request, and every later one, with `error`.
    fn fail(&self, error: RedisError) {
        *self.broken.borrow_mut() = Some(error.clone());
        let waiting = std::mem::take(&mut *self.in_flight.borrow_mut());
        for slot in waiting {
            slot.finish(Err(error.clone()));
        }
    }
}

/// Waits for a slot's outcome.
struct Wait {
    slot: Rc<Slot>,
}

impl Future for Wait {
    type Output = RedisResult<Replies>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(outcome) = self.slot.outcome.borrow_mut().take() {
            return Poll::Ready(outcome);
        }
        let mut waker = self.slot.waker.borrow_mut();
        match &*waker {
            Some(kept) if kept.will_wake(cx.waker()) => {}
            _ => *waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// The connection's task: writes what the clones queued, reads replies
/// and hands them out.
struct Driver {
    shared: Rc<Shared>,
    transport: Transport,
    reader: Reader,
}

impl Driver {
    async fn run(mut self) {
        poll_fn(|cx| self.poll(cx)).await;
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        {
            let mut driver = self.shared.driver.borrow_mut();
            match &*driver {
                Some(kept) if kept.will_wake(cx.waker()) => {}
                _ => *driver = Some(cx.waker().clone()),
            }
        }
        if let Err(error) = self.poll_write(cx) {
            self.shared.fail(error);
            return Poll::Ready(());
        }
        loop {
            match self.reader.poll_reply(&self.transport, cx) {
                Poll::Ready(Ok(reply)) => {
                    if let Err(error) = self.deliver(reply) {
                        self.shared.fail(error);
                        return Poll::Ready(());
                    }
                }
                Poll::Ready(Err(error)) => {
                    self.shared.fail(error);
                    return Poll::Ready(());
                }
                Poll::Pending => break,
            }
        }
        let shared = &self.shared;
        let idle = shared.in_flight.borrow().is_empty() && shared.out.borrow().is_empty();
        if shared.abandoned.get() && idle {
            // Nobody can ask for anything more, and nothing is owed.
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// Writes what is queued, as far as the socket takes it.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> RedisResult<()> {
        let shared = &self.shared;
        let mut out = shared.out.borrow_mut();
        while shared.written.get() < out.len() {
            match self.transport.poll_write(cx, &out[shared.written.get()..]) {
                Poll::Ready(Ok(0)) => {
                    return Err(RedisError::dropped("the server closed the connection"))
                }
                Poll::Ready(Ok(n)) => shared.written.set(shared.written.get() + n),
                Poll::Ready(Err(e)) => return Err(RedisError::io("writing requests", e)),
                Poll::Pending => return Ok(()),
            }
        }
        out.clear();
        shared.written.set(0);
        Ok(())
    }

    /// Hands a reply to the oldest request still owed one.
    fn deliver(&mut self, reply: Value) -> RedisResult<()> {
        if matches!(reply, Value::Push { .. }) {
            // RESP3 out-of-band data (invalidations, …): no request's.
            return Ok(());
        }
        let mut in_flight = self.shared.in_flight.borrow_mut();
        let Some(slot) = in_flight.front() else {
            return Err(RedisError::client(
                ErrorKind::ParseError,
                format!("the server sent a reply nobody asked for: {reply:?}"),
            ));
        };
        let left = slot.left.get() - 1;
        slot.left.set(left);
        if left > 0 {
            slot.replies.borrow_mut().push(reply);
            return Ok(());
        }
        let slot = in_flight.pop_front().expect("a slot");
        drop(in_flight);
        // Nobody waits any more (dropped or timed out): the reply is dropped.
        if Rc::strong_count(&slot) > 1 {
            let mut replies = std::mem::take(&mut *slot.replies.borrow_mut());
            let replies = if replies.is_empty() {
                Replies::One(reply)
            } else {
                replies.push(reply);
                Replies::Many(replies)
            };
            slot.finish(Ok(replies));
        }
        Ok(())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Gone with its runtime (or finished): nothing will answer the
        // requests still waiting, so they fail now rather than at their
        // timeout, and later ones at once.
        if self.shared.broken.borrow().is_none() {
            self.shared.fail(RedisError::dropped(
                "the connection was closed (its runtime was dropped)",
            ));
        }
    }
}

impl ConnectionLike for MultiplexedConnection {
    async fn req_packed_command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        let reply = self
            .request(|out| cmd.write_packed(out), 1, cmd.blocking_time())
            .await?;
        match reply {
            Replies::One(reply) => single_reply(reply),
            Replies::Many(_) => unreachable!("a request of one reply"),
        }
    }

    async fn req_packed_commands(
        &mut self,
        pipeline: &Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let replies = self
            .request(
                |out| pipeline.write_packed(out),
                pipeline.reply_count(),
                pipeline.blocking_time(),
            )
            .await?;
        Ok(reply_window(replies.into_vec(), offset, count))
    }

    fn get_db(&self) -> i64 {
        self.handle.shared.db
    }
}

impl fmt::Debug for MultiplexedConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.handle.shared;
        f.debug_struct("MultiplexedConnection")
            .field("db", &shared.db)
            .field("in_flight", &shared.in_flight.borrow().len())
            .field("broken", &shared.broken.borrow().is_some())
            .finish()
    }
}
