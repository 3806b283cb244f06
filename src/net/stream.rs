//! [`StreamSocket<S>`]: a byte-stream socket on the reactor, written once
//! for every mio stream type `S`.
//!
//! It has the shape of async-io's `Async<T>`: a struct generic over the
//! socket, holding its registration ([`IoSource`]), whose methods turn
//! `WouldBlock` into waiting. [`TcpStream`](crate::net::TcpStream) and
//! [`UnixStream`](crate::net::unix::UnixStream) are thin wrappers around
//! one, which add their own constructors and options and forward the rest.
//!
//! Every read and write keeps the rules of the `io` module: readiness is
//! edge-triggered and cleared only when a syscall proves it stale
//! (`WouldBlock`), or when a short transfer proves the kernel's queue
//! empty or full ([`IoSource::poll_stream_io`]); every wait goes through
//! [`IoSource::poll_ready`], which checks that the socket's runtime is the
//! one running and charges the task's I/O budget. On top of that come two
//! stream-only details: small reads go through the read-ahead buffer
//! (see [`read_ahead`](super::read_ahead)), and a `writev` of more slices
//! than the kernel takes proves nothing by being short
//! ([`offered_in_full`]).

use std::cell::RefCell;
use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd};
use std::task::{Context, Poll};

use mio::event::Source;
use socket2::SockRef;

use super::read_ahead::{ReadAhead, SMALL_READ};
use crate::io::IoSource;
use crate::runtime::io_driver::Direction;

/// The most buffers one `writev` takes (`IOV_MAX`: 1024 on Linux, the
/// BSDs and macOS); std passes at most this many and ignores the rest.
const IOV_MAX: usize = 1024;

/// The bytes a `writev` of `bufs` offers the kernel, if it offers them all:
/// only then does a short write prove the send buffer full. With more than
/// [`IOV_MAX`] slices the rest were never offered, so a short count proves
/// nothing (`None`), and only `WouldBlock` may clear the readiness.
pub(crate) fn offered_in_full(bufs: &[IoSlice<'_>]) -> Option<usize> {
    (bufs.len() <= IOV_MAX).then(|| bufs.iter().map(|b| b.len()).sum())
}

/// A mio stream socket: a source with a file descriptor that reads and
/// writes through a shared reference (mio implements `Read` and `Write`
/// for `&TcpStream` and `&UnixStream`, so one task may read while another
/// writes).
///
/// The one blanket impl below is the only place that spells the
/// higher-ranked bound `for<'a> &'a S: Read + Write`; everything else
/// asks for `S: StreamSource`.
pub(crate) trait StreamSource: Source + AsFd {
    /// One `read` (`recv`) into `buf`.
    fn read_some(&self, buf: &mut [u8]) -> io::Result<usize>;
    /// One `write` (`send`) from `buf`.
    fn write_some(&self, buf: &[u8]) -> io::Result<usize>;
    /// One `writev` from `bufs`.
    fn write_some_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;
}

impl<S> StreamSource for S
where
    S: Source + AsFd,
    for<'a> &'a S: Read + Write,
{
    fn read_some(&self, buf: &mut [u8]) -> io::Result<usize> {
        Read::read(&mut { self }, buf)
    }
    fn write_some(&self, buf: &[u8]) -> io::Result<usize> {
        Write::write(&mut { self }, buf)
    }
    fn write_some_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        Write::write_vectored(&mut { self }, bufs)
    }
}

/// A registered stream socket and the bytes read ahead from it.
pub(crate) struct StreamSocket<S: Source> {
    /// The socket's registration with its runtime's reactor.
    io: IoSource<S>,
    /// Bytes read ahead by small reads (see [`read_ahead`](super::read_ahead)).
    /// A `RefCell` because reads take `&self`; no borrow lives across a
    /// wait, so a reader and a writer task never collide on it.
    ahead: RefCell<ReadAhead>,
}

impl<S: StreamSource> StreamSocket<S> {
    /// Registers `socket` with the current runtime.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming `what` and the fix.
    #[track_caller]
    pub(crate) fn new(socket: S, what: &str) -> io::Result<StreamSocket<S>> {
        Ok(StreamSocket::from_io(IoSource::new(socket, what)?))
    }

    /// Wraps a registration made elsewhere (`from_std`).
    pub(crate) fn from_io(io: IoSource<S>) -> StreamSocket<S> {
        StreamSocket {
            io,
            ahead: RefCell::default(),
        }
    }

    /// Gives the registration back (for `into_std`), refusing while bytes
    /// read ahead wait: they would be lost.
    pub(crate) fn into_io(self) -> io::Result<IoSource<S>> {
        self.ahead.borrow().check_empty()?;
        Ok(self.io)
    }

    /// The registration, for waits of the socket type's own (a TCP connect).
    pub(crate) fn io(&self) -> &IoSource<S> {
        &self.io
    }

    /// The mio socket, for calls that need no readiness (options, addresses).
    pub(crate) fn get_ref(&self) -> &S {
        self.io.get_ref()
    }

    /// Whether bytes read ahead wait to be taken.
    pub(crate) fn has_read_ahead(&self) -> bool {
        self.ahead.borrow().len() > 0
    }

    /// Ready when the socket may be readable, or bytes read ahead wait.
    pub(crate) fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.has_read_ahead() {
            return Poll::Ready(Ok(()));
        }
        self.io.poll_ready(Direction::Read, cx)
    }

    /// Ready when the socket may be writable.
    pub(crate) fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Write, cx)
    }

    /// Reads into `buf` once readable: from the read-ahead bytes if any
    /// wait; straight from the kernel for an empty or large buffer; through
    /// a refill of the read-ahead buffer for a small one.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut ahead = self.ahead.borrow_mut();
        if let Some(n) = ahead.take_into(buf) {
            return Poll::Ready(Ok(n));
        }
        if buf.is_empty() || buf.len() >= SMALL_READ {
            drop(ahead);
            return self.poll_read_into(cx, buf);
        }
        ahead.fill_and_take(buf, |space| self.poll_read_into(cx, space))
    }

    /// One stream read into `space`, which the kernel is offered in full.
    fn poll_read_into(&self, cx: &mut Context<'_>, space: &mut [u8]) -> Poll<io::Result<usize>> {
        let len = space.len();
        self.io
            .poll_stream_io(Direction::Read, cx, Some(len), |s| s.read_some(space))
    }

    /// Writes from `buf` once writable; returns how many bytes the kernel took.
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_io(Direction::Write, cx, Some(buf.len()), |s| s.write_some(buf))
    }

    /// Writes from several buffers with one `writev`.
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let offered = offered_in_full(bufs);
        self.io.poll_stream_io(Direction::Write, cx, offered, |s| {
            s.write_some_vectored(bufs)
        })
    }

    /// Peeks with `peek` (the socket type's own `MSG_PEEK` call) once
    /// readable, serving read-ahead bytes first: they come before anything
    /// still in the kernel.
    pub(crate) async fn peek_with(
        &self,
        buf: &mut [u8],
        mut peek: impl FnMut(&S, &mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        if let Some(n) = self.ahead.borrow().peek_into(buf) {
            return Ok(n);
        }
        std::future::poll_fn(|cx| self.io.poll_io(Direction::Read, cx, |s| peek(s, buf))).await
    }

    /// Reads what is there, waiting until something is; `Ok(0)` is end of stream.
    pub(crate) async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Writes some of `buf`, waiting until the kernel takes any.
    pub(crate) async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_write(cx, buf)).await
    }

    /// Writes all of `buf`; a write of 0 bytes is a `WriteZero` error.
    pub(crate) async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Reads exactly `buf.len()` bytes; an early end is `UnexpectedEof`.
    pub(crate) async fn read_exact(&self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len();
        let mut rest = buf;
        while !rest.is_empty() {
            match self.read(rest).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => rest = &mut rest[n..],
            }
        }
        Ok(len)
    }

    /// Reads until end of stream, appending to `buf`; keeps what was read
    /// before an error.
    pub(crate) async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let start = buf.len();
        loop {
            // Grow by at least 8 KiB, and by doubling what this call read,
            // so a large body takes few resizes and few reads.
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(8192.max(buf.capacity() - start));
            }
            let filled = buf.len();
            buf.resize(buf.capacity(), 0);
            let result = self.read(&mut buf[filled..]).await;
            match result {
                Ok(0) => {
                    buf.truncate(filled);
                    return Ok(filled - start);
                }
                Ok(n) => buf.truncate(filled + n),
                Err(e) => {
                    buf.truncate(filled);
                    return Err(e);
                }
            }
        }
    }

    /// One read without waiting; a `WouldBlock` clears the readiness, as
    /// it proves the socket drained.
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(n) = self.ahead.borrow_mut().take_into(buf) {
            return Ok(n);
        }
        self.clear_on_would_block(Direction::Read, self.get_ref().read_some(buf))
    }

    /// One write without waiting; a `WouldBlock` clears the readiness.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.clear_on_would_block(Direction::Write, self.get_ref().write_some(buf))
    }

    fn clear_on_would_block<R>(
        &self,
        direction: Direction,
        result: io::Result<R>,
    ) -> io::Result<R> {
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.io.clear_ready(direction);
        }
        result
    }

    /// Closes the write side (`shutdown(SHUT_WR)`): the peer reads end of
    /// stream, this side can still read.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        SockRef::from(self.get_ref()).shutdown(Shutdown::Write)
    }

    /// The socket's pending error (`SO_ERROR`), clearing it.
    pub(crate) fn take_error(&self) -> io::Result<Option<io::Error>> {
        SockRef::from(self.get_ref()).take_error()
    }
}

impl<S: StreamSource> AsFd for StreamSocket<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<S: Source> std::fmt::Debug for StreamSocket<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamSocket")
            .field("io", &self.io)
            .field("read_ahead", &self.ahead.borrow().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writev_counts_as_offered_in_full_only_up_to_iov_max() {
        let byte = [0u8; 1];
        let slices = vec![IoSlice::new(&byte); IOV_MAX + 1];
        assert_eq!(offered_in_full(&slices[..IOV_MAX]), Some(IOV_MAX));
        assert_eq!(offered_in_full(&slices), None);
        assert_eq!(offered_in_full(&[]), Some(0));
    }
}
