//! Readiness-driven I/O: [`unix::AsyncFd`] for any file descriptor, with
//! the [`Interest`] it waits on, and the readiness wrapper every evloop
//! socket is built on.
//!
//! Sockets (`evloop::net`) need nothing from this module; it is for file
//! descriptors that are not sockets of evloop's: pipes, terminals,
//! `inotify`, `eventfd`, a device. [`unix::AsyncFd`] registers one with the
//! runtime and lets a task wait until it is readable or writable. The
//! notes below say how that waiting works, and why a `WouldBlock` must
//! always be reported back.
//!
//! # Edge-triggered readiness
//!
//! A non-blocking socket answers a read it cannot serve with `WouldBlock`.
//! The loop turns that into waiting, in four steps:
//!
//! ```text
//!   read(buf) ── reactor says READABLE? ──no──▶ leave waker, Pending
//!                    │ yes                         ▲
//!                    ▼                             │ epoll event (next edge)
//!               recv() syscall ── WouldBlock ──▶ clear READABLE
//!                    │ n bytes
//!                    ▼
//!               Ready(n)  (a short read clears READABLE too, see below)
//! ```
//!
//! mio's readiness is edge-triggered: the OS reports "became readable" once
//! and never repeats it while the socket stays readable. So the reactor
//! remembers the edge until a syscall proves it stale by returning
//! `WouldBlock`; forgetting it earlier would wait for an edge that never
//! comes, keeping it after `WouldBlock` would spin.
//!
//! One saving: on a stream socket, a read that fills less than the buffer
//! emptied the socket's receive queue, and a write that took less than
//! offered filled its send queue. Clearing readiness right there saves the
//! syscall that would only return `WouldBlock`. It is sound because with
//! edge triggering every new arrival queues a fresh event: data that lands
//! after our read sets readiness again at the next wait.
//!
//! # Utilities
//!
//! For reading and writing with `.await`, the module has tokio's
//! `tokio::io` utilities over the futures-io traits that evloop's sockets
//! implement: the extension traits ([`AsyncReadExt`], [`AsyncWriteExt`],
//! [`AsyncBufReadExt`], [`AsyncSeekExt`]), [`BufReader`] and [`BufWriter`],
//! [`copy`] and [`copy_bidirectional`], the in-memory [`duplex`] pair, and
//! [`split`]. They live in `util/`, one concept per file.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use mio::event::Source;

mod interest;
#[cfg(unix)]
pub mod unix;

pub use interest::Interest;

use crate::runtime::context;
use crate::runtime::diagnostics::WaitingOn;
use crate::runtime::io_driver::Direction;
use crate::runtime::scheduler::Core;

mod util;
// The utilities' items, listed in util/mod.rs.
pub use util::*;

/// futures-io's traits, which evloop's streams implement and the
/// extension traits extend; tokio has its own of the same names.
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
/// std's, as in `tokio::io`.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};

/// A mio source registered with the reactor of the runtime that created it.
///
/// Reads and writes take `&self`, as mio's do, so one task can read while
/// another writes. Sockets belong to one runtime and one thread (they are
/// `!Send`): the readiness of a source is only ever reported to the
/// reactor it was registered with, so a source polled while another
/// runtime runs (or none) would wait for an event that never comes. Every
/// poll checks that its runtime is the one running, and says so if not.
pub(crate) struct IoSource<S: Source> {
    /// The runtime that registered the source. Weak: a socket kept after
    /// its runtime was dropped must not keep that runtime's poller and
    /// everything else of it alive.
    core: Weak<Core>,
    key: usize,
    /// Always `Some` until `into_inner` takes it back out.
    source: Option<S>,
}

impl<S: Source> IoSource<S> {
    /// Registers `source` for reading and writing with the current runtime.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming `what` and the fix.
    #[track_caller]
    pub(crate) fn new(source: S, what: &str) -> io::Result<IoSource<S>> {
        IoSource::register(context::expect_current(what), source)
    }

    /// Like [`new`](IoSource::new), but returns an error instead of
    /// panicking outside a runtime (for `from_std` conversions that return
    /// `io::Result` anyway).
    pub(crate) fn try_new(source: S) -> io::Result<IoSource<S>> {
        let core = context::with_current(Rc::clone).ok_or_else(|| {
            io::Error::other(
                "no evloop runtime on this thread: create sockets inside \
                 `block_on` or a task",
            )
        })?;
        IoSource::register(core, source)
    }

    /// Registers `source` with `core`'s reactor. Constructors that make a
    /// syscall with a lasting effect first (binding a Unix socket creates
    /// its file) look up the runtime before it and come here.
    pub(crate) fn register(core: Rc<Core>, source: S) -> io::Result<IoSource<S>> {
        IoSource::register_for(
            core,
            source,
            mio::Interest::READABLE | mio::Interest::WRITABLE,
        )
    }

    /// Registers `source` with `core`'s reactor for `interest` only
    /// (an `AsyncFd` made with `with_interest`).
    pub(crate) fn register_for(
        core: Rc<Core>,
        mut source: S,
        interest: mio::Interest,
    ) -> io::Result<IoSource<S>> {
        let key = core.io().register(&mut source, interest)?;
        Ok(IoSource {
            core: Rc::downgrade(&core),
            key,
            source: Some(source),
        })
    }

    /// The runtime of this source, if it is the one running on this thread;
    /// otherwise an error that says what went wrong and what to do.
    fn home(&self) -> io::Result<Rc<Core>> {
        match self.core.upgrade() {
            Some(core) if core.is_running() => Ok(core),
            Some(core) => Err(io::Error::other(format!(
                "this socket (or AsyncFd) belongs to evloop runtime {}, which is not \
                 running: it is registered with the runtime that created it and only \
                 that runtime's loop sees its readiness. Use it inside that \
                 runtime's `block_on`, or create a new one in the running runtime",
                core.id
            ))),
            None => Err(io::Error::other(
                "the evloop runtime that created this socket (or AsyncFd) was dropped: \
                 it only works inside the runtime that created it. Create a new one \
                 in the running runtime",
            )),
        }
    }

    /// The mio source, for calls that need no readiness (options, addresses).
    pub(crate) fn get_ref(&self) -> &S {
        self.source.as_ref().expect("IoSource holds its source")
    }

    /// Ready when the reactor has seen `direction`'s readiness (or a close or
    /// error, which a syscall will report); otherwise keeps the waker. An
    /// error if the source's runtime is not the one running.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let core = match self.home() {
            Ok(core) => core,
            Err(e) => return Poll::Ready(Err(e)),
        };
        let ready = core.io().poll_ready(self.key, direction, cx);
        match ready {
            Poll::Ready(_) if core.consume_budget() => Poll::Ready(Ok(())),
            Poll::Ready(_) => {
                // Ready, but this task has done its share of I/O for this
                // turn: let the others (and the timers) have theirs.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Pending => {
                core.note_waiting_on(match direction {
                    Direction::Read => WaitingOn::Readable(self.key),
                    Direction::Write => WaitingOn::Writable(self.key),
                });
                Poll::Pending
            }
        }
    }

    /// Forgets `direction`'s readiness: a syscall just found it stale.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        if let Some(core) = self.core.upgrade() {
            core.io().clear_ready(self.key, direction);
        }
    }

    /// Runs the non-blocking `op` once readiness allows, clearing the
    /// readiness and waiting again whenever it says `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            std::task::ready!(self.poll_ready(direction, cx))?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(direction),
                // A signal interrupted the syscall: just try again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }

    /// [`poll_io`](IoSource::poll_io) for a stream read or write of `len`
    /// bytes: a short transfer also clears readiness (see the module docs).
    /// `len` is what the kernel was offered in full; a caller that cannot
    /// say (a `writev` of more slices than the kernel takes) passes `None`,
    /// and only `WouldBlock` clears readiness.
    pub(crate) fn poll_stream_io(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        len: Option<usize>,
        op: impl FnMut(&S) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let result = self.poll_io(direction, cx, op);
        if let (Poll::Ready(Ok(n)), Some(len)) = (&result, len) {
            // n == 0 on a read is end of file (or an empty buffer): keep the
            // readiness, so the next read reports it again at once.
            if *n > 0 && *n < len {
                self.clear_ready(direction);
            }
        }
        result
    }

    /// Deregisters and returns the mio source (for `into_std`).
    pub(crate) fn into_inner(mut self) -> io::Result<S> {
        let mut source = self.source.take().expect("IoSource holds its source");
        self.deregister(&mut source)?;
        Ok(source)
    }

    /// Takes the source off its reactor, if that runtime still exists (a
    /// dropped runtime's poller is closed, and forgot it with it).
    fn deregister(&self, source: &mut S) -> io::Result<()> {
        match self.core.upgrade() {
            Some(core) => core.io().deregister(self.key, source),
            None => Ok(()),
        }
    }
}

impl<S: Source> std::fmt::Debug for IoSource<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IoSource").field("key", &self.key).finish()
    }
}

impl<S: Source + AsFd> AsFd for IoSource<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<S: Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        if let Some(mut source) = self.source.take() {
            // A failure means the fd is already gone; nothing is left to undo.
            let _ = self.deregister(&mut source);
        }
    }
}
