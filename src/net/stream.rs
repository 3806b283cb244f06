//! What TCP and Unix stream sockets share: reads and writes through the
//! readiness wrapper, the futures-io traits, and split halves.
//!
//! Both socket types are a byte stream over a file descriptor, so their
//! async methods are the same code: this macro writes them once.
//!
//! # Read-ahead: one syscall fewer per small read
//!
//! A read that fills the caller's buffer cannot tell whether more data
//! waits, so readiness must be kept, and the next read usually pays a
//! `recv` that only says `WouldBlock`. In a request/response exchange of
//! small messages that is a third of all syscalls. So a small read (a
//! buffer under [`SMALL_READ`] bytes) asks the kernel for up to
//! [`READ_AHEAD`] bytes into the stream's own buffer instead: the answer
//! is almost always short of that, which proves the socket drained (see the
//! `io` module), and the bytes beyond the caller's buffer wait for the next
//! read. Large reads go straight into the caller's buffer, as before.

use std::io;
use std::task::Poll;

/// Reads into buffers smaller than this go through the read-ahead buffer.
pub(crate) const SMALL_READ: usize = 1024;

/// Size of a stream's read-ahead buffer, allocated on its first small read.
pub(crate) const READ_AHEAD: usize = 4096;

/// The most buffers one `writev` takes (`IOV_MAX`: 1024 on Linux, the
/// BSDs and macOS); std passes at most this many and ignores the rest.
const IOV_MAX: usize = 1024;

/// The bytes a `writev` of `bufs` offers the kernel, if it offers them all:
/// only then does a short write prove the send buffer full. With more than
/// [`IOV_MAX`] slices the rest were never offered, so a short count proves
/// nothing (`None`), and only `WouldBlock` may clear the readiness.
pub(crate) fn offered_in_full(bufs: &[std::io::IoSlice<'_>]) -> Option<usize> {
    (bufs.len() <= IOV_MAX).then(|| bufs.iter().map(|b| b.len()).sum())
}

/// Refuses to hand a socket back to std while read-ahead bytes wait.
pub(crate) fn check_nothing_read_ahead(ahead: &ReadAhead) -> io::Result<()> {
    match ahead.len() {
        0 => Ok(()),
        n => Err(io::Error::other(format!(
            "{n} bytes were read ahead from this socket and not consumed; \
             read them before calling into_std"
        ))),
    }
}

/// Bytes read from the kernel that the caller has not taken yet.
#[derive(Debug, Default)]
pub(crate) struct ReadAhead {
    /// Empty until the first small read; then `READ_AHEAD` bytes.
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl ReadAhead {
    /// Bytes waiting.
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Moves waiting bytes into `out`; `None` if there are none.
    pub(crate) fn take_into(&mut self, out: &mut [u8]) -> Option<usize> {
        let n = self.peek_into(out)?;
        self.start += n;
        Some(n)
    }

    /// Copies waiting bytes into `out` without taking them.
    pub(crate) fn peek_into(&self, out: &mut [u8]) -> Option<usize> {
        if self.start == self.end {
            return None;
        }
        let n = out.len().min(self.len());
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        Some(n)
    }

    /// Refills the (empty) buffer with `read`, then serves `out` from it.
    pub(crate) fn fill_and_take(
        &mut self,
        out: &mut [u8],
        read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if self.buf.is_empty() {
            self.buf = vec![0; READ_AHEAD];
        }
        let n = std::task::ready!(read(&mut self.buf))?;
        (self.start, self.end) = (0, n);
        Poll::Ready(Ok(self.take_into(out).unwrap_or(0)))
    }
}

/// Writes the shared stream API for `$ty`, a struct whose field `io` is an
/// `IoSource` of a mio stream type.
macro_rules! stream_api {
    ($ty:ident) => {
        impl $ty {
            /// Ready when the socket may be readable (a read may still find
            /// nothing: then it clears the readiness and waits again), or
            /// when bytes read ahead are waiting to be taken.
            pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                if self.ahead.borrow().len() > 0 {
                    return Poll::Ready(Ok(()));
                }
                self.io.poll_ready(Direction::Read, cx)
            }

            /// Ready when the socket may be writable.
            pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.io.poll_ready(Direction::Write, cx)
            }

            /// Waits until the socket may be readable.
            pub async fn readable(&self) -> io::Result<()> {
                std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
            }

            /// Waits until the socket may be writable.
            pub async fn writable(&self) -> io::Result<()> {
                std::future::poll_fn(|cx| self.poll_write_ready(cx)).await
            }

            /// Reads into `buf` once the socket is readable; `Ok(0)` means
            /// the peer closed its write side (or `buf` is empty).
            pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                let mut ahead = self.ahead.borrow_mut();
                if let Some(n) = ahead.take_into(buf) {
                    return Poll::Ready(Ok(n));
                }
                if buf.is_empty() || buf.len() >= crate::net::stream::SMALL_READ {
                    drop(ahead);
                    let len = buf.len();
                    return self
                        .io
                        .poll_stream_io(Direction::Read, cx, Some(len), |s| (&*s).read(buf));
                }
                let io = &self.io;
                ahead.fill_and_take(buf, |space| {
                    let len = space.len();
                    io.poll_stream_io(Direction::Read, cx, Some(len), |s| (&*s).read(space))
                })
            }

            /// Writes from `buf` once the socket is writable; returns how
            /// many bytes the kernel took.
            pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.io
                    .poll_stream_io(Direction::Write, cx, Some(buf.len()), |s| (&*s).write(buf))
            }

            /// Writes from several buffers with one syscall (`writev`).
            pub fn poll_write_vectored(
                &self,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let len = crate::net::stream::offered_in_full(bufs);
                self.io.poll_stream_io(Direction::Write, cx, len, |s| {
                    (&*s).write_vectored(bufs)
                })
            }

            /// Reads what is there into `buf`, waiting until something is;
            /// `Ok(0)` is end of stream.
            ///
            /// Cancel safe: dropping the future before it completes loses
            /// no data.
            pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
                std::future::poll_fn(|cx| self.poll_read(cx, buf)).await
            }

            /// Writes some of `buf`, waiting until the kernel takes any;
            /// returns how many bytes it took.
            ///
            /// Cancel safe: if dropped before completion, nothing was written.
            pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
                std::future::poll_fn(|cx| self.poll_write(cx, buf)).await
            }

            /// Writes all of `buf`.
            ///
            /// Not cancel safe: if dropped midway, an unknown prefix was sent.
            pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
                while !buf.is_empty() {
                    match self.write(buf).await? {
                        0 => return Err(io::ErrorKind::WriteZero.into()),
                        n => buf = &buf[n..],
                    }
                }
                Ok(())
            }

            /// Reads exactly `buf.len()` bytes; an early end of stream is an
            /// `UnexpectedEof` error.
            ///
            /// Not cancel safe: if dropped midway, the bytes read so far are
            /// lost.
            pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
                while !buf.is_empty() {
                    match self.read(buf).await? {
                        0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                        n => buf = &mut buf[n..],
                    }
                }
                Ok(())
            }

            /// Reads until end of stream, appending to `buf`; returns how
            /// many bytes it appended.
            ///
            /// Cancel safe in the sense that what was read so far stays in
            /// `buf`.
            pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
                let start = buf.len();
                loop {
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

            /// Tries a read without waiting: `WouldBlock` if nothing is
            /// there now.
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                if let Some(n) = self.ahead.borrow_mut().take_into(buf) {
                    return Ok(n);
                }
                let result = (&*self.io.get_ref()).read(buf);
                if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
                    self.io.clear_ready(Direction::Read);
                }
                result
            }

            /// Tries a write without waiting: `WouldBlock` if the send
            /// buffer is full.
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                let result = (&*self.io.get_ref()).write(buf);
                if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
                    self.io.clear_ready(Direction::Write);
                }
                result
            }

            /// Closes the write side: the peer reads end of stream, while
            /// this side can still read. Completes at once.
            pub async fn shutdown(&self) -> io::Result<()> {
                crate::net::split::sealed::HalfStream::shutdown_write(self)
            }

            /// The socket's pending error (`SO_ERROR`), clearing it.
            pub fn take_error(&self) -> io::Result<Option<io::Error>> {
                self.io.get_ref().take_error()
            }

            /// Borrows the stream as a read half and a write half, for code
            /// that wants two values; both can also be done through `&self`.
            pub fn split(&mut self) -> (ReadHalf<'_, $ty>, WriteHalf<'_, $ty>) {
                crate::net::split::split(self)
            }

            /// Splits the stream into owned halves that can move into two
            /// tasks. Dropping the write half shuts the write side down;
            /// `reunite` puts them back together.
            pub fn into_split(self) -> (OwnedReadHalf<$ty>, OwnedWriteHalf<$ty>) {
                crate::net::split::into_split(self)
            }
        }

        impl crate::net::split::sealed::HalfStream for $ty {
            fn poll_read_half(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.poll_read(cx, buf)
            }
            fn poll_write_half(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.poll_write(cx, buf)
            }
            fn poll_write_vectored_half(
                &self,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_vectored(cx, bufs)
            }
            fn shutdown_write(&self) -> io::Result<()> {
                self.io.get_ref().shutdown(std::net::Shutdown::Write)
            }
        }

        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                $ty::poll_read(&*self, cx, buf)
            }
        }

        impl futures_io::AsyncRead for &$ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                $ty::poll_read(*self, cx, buf)
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                $ty::poll_write(&*self, cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                $ty::poll_write_vectored(&*self, cx, bufs)
            }
            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                // Nothing is buffered in user space.
                Poll::Ready(Ok(()))
            }
            fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(crate::net::split::sealed::HalfStream::shutdown_write(&*self))
            }
        }

        impl futures_io::AsyncWrite for &$ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                $ty::poll_write(*self, cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                $ty::poll_write_vectored(*self, cx, bufs)
            }
            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(crate::net::split::sealed::HalfStream::shutdown_write(*self))
            }
        }
    };
}

pub(crate) use stream_api;
