//! The I/O driver: mio's `Poll`, and what each registered source is
//! waiting for. The rest of the runtime reaches it only through
//! [`IoDriver`]'s methods.
//!
//! mio reports readiness *edge-triggered*: "this socket became readable", once.
//! The reactor remembers that edge in [`ScheduledIo::readiness`] until the
//! task that uses the socket hits `WouldBlock` and clears it. A task that
//! finds no readiness leaves its waker here; the next event for the source
//! collects that waker and the loop wakes it after the reactor is released.

use std::cell::RefCell;
use std::io;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Token};
use slab::Slab;

use super::precise_timer::{PreciseTimer, TIMER_TOKEN};

/// The token of the runtime's `mio::Waker`; never a slab index.
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);

/// How many events one `epoll_wait` may return. More simply wait for the next
/// tick, which comes at once because their sources are still ready.
const EVENTS_CAPACITY: usize = 1024;

/// Which half of a source a task waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Readable, or the peer closed its write side.
    Read,
    /// Writable, or the connection is closed for writing.
    Write,
}

impl Direction {
    fn mask(self) -> u8 {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
        }
    }
}

/// Readiness bits, as remembered between events.
pub(crate) const READABLE: u8 = 0b0_0001;
/// The source can be written to.
pub(crate) const WRITABLE: u8 = 0b0_0010;
/// The peer closed its write half: reads will return 0 (EOF).
pub(crate) const READ_CLOSED: u8 = 0b0_0100;
/// Our write half is closed: writes will fail.
pub(crate) const WRITE_CLOSED: u8 = 0b0_1000;
/// An error is pending on the source (read it with `take_error`).
pub(crate) const ERROR: u8 = 0b1_0000;

/// One registered source's state.
#[derive(Default)]
struct ScheduledIo {
    /// Readiness seen and not yet consumed by a `WouldBlock`.
    readiness: u8,
    /// The task waiting to read, if any.
    reader: Option<Waker>,
    /// The task waiting to write, if any.
    writer: Option<Waker>,
}

/// mio's poller and the registered sources, indexed by token.
struct Reactor {
    /// The OS poller (epoll on Linux, kqueue on the BSDs and macOS).
    poll: mio::Poll,
    /// Reused buffer for the events of one wait.
    events: Events,
    /// Ends timed waits on time (see `precise_timer.rs`).
    timer: PreciseTimer,
    /// Registered sources; a source's token is its slab index. A token is
    /// only reused after the old source was deregistered, and events are
    /// dispatched right after the wait that returned them, before any task
    /// can deregister, so no event ever reaches the wrong source.
    sources: Slab<ScheduledIo>,
}

impl Reactor {
    /// A new poller, with the runtime's `mio::Waker` registered on it.
    fn new() -> io::Result<(Reactor, mio::Waker)> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let timer = PreciseTimer::new(poll.registry())?;
        let reactor = Reactor {
            poll,
            timer,
            events: Events::with_capacity(EVENTS_CAPACITY),
            sources: Slab::new(),
        };
        Ok((reactor, waker))
    }

    /// Registers `source` for `interest`; returns its key.
    fn register(&mut self, source: &mut impl Source, interest: Interest) -> io::Result<usize> {
        let entry = self.sources.vacant_entry();
        let key = entry.key();
        self.poll
            .registry()
            .register(source, Token(key), interest)?;
        entry.insert(ScheduledIo::default());
        Ok(key)
    }

    /// Deregisters `source` and forgets its state (dropping any wakers).
    fn deregister(&mut self, key: usize, source: &mut impl Source) -> io::Result<()> {
        let result = self.poll.registry().deregister(source);
        if self.sources.contains(key) {
            self.sources.remove(key);
        }
        result
    }

    /// Ready if the source is ready in `direction`; otherwise stores the
    /// task's waker for the next event. Returns the readiness bits seen.
    fn poll_ready(&mut self, key: usize, direction: Direction, cx: &mut Context<'_>) -> Poll<u8> {
        let io = &mut self.sources[key];
        let ready = io.readiness & direction.mask();
        if ready != 0 {
            return Poll::Ready(ready);
        }
        let slot = match direction {
            Direction::Read => &mut io.reader,
            Direction::Write => &mut io.writer,
        };
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Forgets the readiness a `WouldBlock` just proved stale. The closed
    /// and error bits stay: they are final.
    fn clear_ready(&mut self, key: usize, direction: Direction) {
        let bit = match direction {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        };
        if let Some(io) = self.sources.get_mut(key) {
            io.readiness &= !bit;
        }
    }

    /// Waits for events (at most `timeout`), records them and moves the
    /// wakers they release into `wakers`. Returns the number of events.
    fn poll(&mut self, timeout: Option<Duration>, wakers: &mut Vec<Waker>) -> io::Result<usize> {
        let timeout = timeout.map(|wait| self.timer.arm(wait));
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            // A signal interrupted the wait: nothing happened, tick again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        let mut count = 0;
        for event in self.events.iter() {
            count += 1;
            let token = event.token();
            if token == WAKER_TOKEN || token == TIMER_TOKEN {
                // The remote queue is checked every tick; nothing to do here.
                continue;
            }
            let Some(io) = self.sources.get_mut(token.0) else {
                continue;
            };
            let mut bits = 0;
            if event.is_readable() {
                bits |= READABLE;
            }
            if event.is_writable() {
                bits |= WRITABLE;
            }
            if event.is_read_closed() {
                bits |= READ_CLOSED;
            }
            if event.is_write_closed() {
                bits |= WRITE_CLOSED;
            }
            if event.is_error() {
                bits |= ERROR;
            }
            io.readiness |= bits;
            if bits & Direction::Read.mask() != 0 {
                wakers.extend(io.reader.take());
            }
            if bits & Direction::Write.mask() != 0 {
                wakers.extend(io.writer.take());
            }
        }
        Ok(count)
    }

    /// How many sources are registered (for tests and metrics).
    fn len(&self) -> usize {
        self.sources.len()
    }
}

/// The I/O driver of one runtime: the reactor behind a `RefCell`, borrowed
/// only inside these methods, so no caller can hold it across a wake.
pub(crate) struct IoDriver {
    reactor: RefCell<Reactor>,
    /// The wakers one wait released, woken once the reactor is released
    /// (a woken task may register or poll again); reused every tick.
    released: RefCell<Vec<Waker>>,
}

impl IoDriver {
    /// A new driver, and the `mio::Waker` that interrupts its wait.
    pub(crate) fn new() -> io::Result<(IoDriver, mio::Waker)> {
        let (reactor, waker) = Reactor::new()?;
        let driver = IoDriver {
            reactor: RefCell::new(reactor),
            released: RefCell::new(Vec::new()),
        };
        Ok((driver, waker))
    }

    /// Registers `source` for `interest`; returns its key.
    pub(crate) fn register(
        &self,
        source: &mut impl Source,
        interest: Interest,
    ) -> io::Result<usize> {
        self.reactor.borrow_mut().register(source, interest)
    }

    /// Deregisters `source` and forgets its state (dropping any wakers).
    pub(crate) fn deregister(&self, key: usize, source: &mut impl Source) -> io::Result<()> {
        self.reactor.borrow_mut().deregister(key, source)
    }

    /// Ready if source `key` is ready in `direction`; otherwise keeps the
    /// task's waker for the next event.
    pub(crate) fn poll_ready(
        &self,
        key: usize,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<u8> {
        self.reactor.borrow_mut().poll_ready(key, direction, cx)
    }

    /// Forgets readiness that a `WouldBlock` just proved stale.
    pub(crate) fn clear_ready(&self, key: usize, direction: Direction) {
        self.reactor.borrow_mut().clear_ready(key, direction);
    }

    /// Waits for events (at most `timeout`) and wakes the tasks they
    /// released. Returns the number of events.
    ///
    /// # Panics
    ///
    /// If the OS poller fails, which leaves the loop nothing to wait on.
    pub(crate) fn wait(&self, timeout: Option<Duration>) -> usize {
        let mut wakers = std::mem::take(&mut *self.released.borrow_mut());
        let events = self
            .reactor
            .borrow_mut()
            .poll(timeout, &mut wakers)
            .unwrap_or_else(|e| panic!("evloop: waiting for I/O events failed: {e}"));
        // The reactor is no longer borrowed: a woken task may use it again.
        for waker in wakers.drain(..) {
            waker.wake();
        }
        *self.released.borrow_mut() = wakers;
        events
    }

    /// How many sources are registered (for tests and metrics).
    pub(crate) fn len(&self) -> usize {
        self.reactor.borrow().len()
    }
}
