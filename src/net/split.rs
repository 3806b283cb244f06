//! Read and write halves of a stream socket.
//!
//! evloop's streams read and write through `&self`, so two tasks can
//! already share one stream through an `Rc`. The halves exist for code
//! written against tokio's `split` / `into_split`, and to give each half its
//! own `AsyncRead` or `AsyncWrite` value.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use sealed::HalfStream;

pub(crate) mod sealed {
    use std::io::{self, IoSlice};
    use std::task::{Context, Poll};

    /// A stream socket that can be split ([`TcpStream`](crate::net::TcpStream),
    /// [`UnixStream`](crate::net::unix::UnixStream)).
    pub trait HalfStream {
        #[doc(hidden)]
        fn poll_read_half(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
        #[doc(hidden)]
        fn poll_write_half(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
        #[doc(hidden)]
        fn poll_write_vectored_half(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>>;
        #[doc(hidden)]
        fn shutdown_write(&self) -> io::Result<()>;
    }
}

/// The reading half of a borrowed stream, from `split`.
#[derive(Debug)]
pub struct ReadHalf<'a, S>(&'a S);

/// The writing half of a borrowed stream, from `split`.
#[derive(Debug)]
pub struct WriteHalf<'a, S>(&'a S);

/// The reading half of a stream, from `into_split`.
#[derive(Debug)]
pub struct OwnedReadHalf<S: HalfStream> {
    stream: Rc<S>,
}

/// The writing half of a stream, from `into_split`; dropping it shuts the
/// stream's write side down, so the peer sees end of stream.
#[derive(Debug)]
pub struct OwnedWriteHalf<S: HalfStream> {
    stream: Rc<S>,
    /// Cleared by `reunite`, so that putting the stream back together does
    /// not shut it down.
    shutdown_on_drop: bool,
}

/// The two halves given to `reunite` came from different streams.
#[derive(Debug)]
pub struct ReuniteError<S: HalfStream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

impl<S: HalfStream> std::fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl<S: HalfStream + std::fmt::Debug> std::error::Error for ReuniteError<S> {}

pub(crate) fn split<S: HalfStream>(stream: &mut S) -> (ReadHalf<'_, S>, WriteHalf<'_, S>) {
    (ReadHalf(stream), WriteHalf(stream))
}

pub(crate) fn into_split<S: HalfStream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let stream = Rc::new(stream);
    (
        OwnedReadHalf {
            stream: stream.clone(),
        },
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        },
    )
}

impl<S: HalfStream> OwnedReadHalf<S> {
    /// Puts the stream back together.
    ///
    /// # Errors
    ///
    /// Gives both halves back if they come from different streams.
    pub fn reunite(self, mut write: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        if !Rc::ptr_eq(&self.stream, &write.stream) {
            return Err(ReuniteError(self, write));
        }
        write.shutdown_on_drop = false;
        let stream = write.stream.clone();
        drop(write);
        drop(self);
        Ok(Rc::into_inner(stream).expect("both halves were just dropped"))
    }
}

impl<S: HalfStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // Already closed or reset: nothing left to tell the peer.
            let _ = self.stream.shutdown_write();
        }
    }
}

macro_rules! impl_read {
    ($half:ty, $($gen:tt)*) => {
        impl<$($gen)*> futures_io::AsyncRead for $half {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.stream_ref().poll_read_half(cx, buf)
            }
        }
    };
}

macro_rules! impl_write {
    ($half:ty, $($gen:tt)*) => {
        impl<$($gen)*> futures_io::AsyncWrite for $half {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.stream_ref().poll_write_half(cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.stream_ref().poll_write_vectored_half(cx, bufs)
            }
            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.stream_ref().shutdown_write())
            }
        }
    };
}

impl<S> ReadHalf<'_, S> {
    fn stream_ref(&self) -> &S {
        self.0
    }
}
impl<S> WriteHalf<'_, S> {
    fn stream_ref(&self) -> &S {
        self.0
    }
}
impl<S: HalfStream> OwnedReadHalf<S> {
    fn stream_ref(&self) -> &S {
        &self.stream
    }
}
impl<S: HalfStream> OwnedWriteHalf<S> {
    fn stream_ref(&self) -> &S {
        &self.stream
    }
}

impl_read!(ReadHalf<'_, S>, S: HalfStream);
impl_read!(OwnedReadHalf<S>, S: HalfStream);
impl_write!(WriteHalf<'_, S>, S: HalfStream);
impl_write!(OwnedWriteHalf<S>, S: HalfStream);

// The owned halves lend the stream's file descriptor too (for options set
// through socket2, say); a borrowed half's stream is at hand already.
crate::net::socket::impl_fd!([S: HalfStream + std::os::fd::AsFd] OwnedReadHalf<S>, stream);
crate::net::socket::impl_fd!([S: HalfStream + std::os::fd::AsFd] OwnedWriteHalf<S>, stream);
