//! [`empty`], [`sink`] and [`repeat`]: readers and writers with no other
//! end, for tests and plumbing.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};

use super::poll_budget;

/// A reader at end of file from the start, and a writer that takes every
/// byte and keeps none: from [`empty`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Empty {
    _private: (),
}

/// A reader at end of file, which is also a writer that discards.
///
/// # Examples
///
/// ```
/// use evloop::io::{AsyncReadExt, AsyncWriteExt};
///
/// # evloop::block_on(async {
/// let mut nothing = evloop::io::empty();
/// let mut buf = Vec::new();
/// assert_eq!(nothing.read_to_end(&mut buf).await?, 0);
/// assert_eq!(nothing.write(b"gone").await?, 4);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub fn empty() -> Empty {
    Empty { _private: () }
}

impl AsyncRead for Empty {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(0))
    }
}

impl AsyncBufRead for Empty {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(&[]))
    }

    fn consume(self: Pin<&mut Self>, _: usize) {}
}

impl AsyncWrite for Empty {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A writer that takes every byte and keeps none: from [`sink`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Sink {
    _private: (),
}

/// A writer that discards everything, successfully.
///
/// # Examples
///
/// ```
/// # evloop::block_on(async {
/// let mut reader: &[u8] = &[0; 1000];
/// let counted = evloop::io::copy(&mut reader, &mut evloop::io::sink()).await?;
/// assert_eq!(counted, 1000);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A reader that never ends and gives one byte over and over: from
/// [`repeat`].
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    byte: u8,
}

/// A reader of `byte`, forever: bound it with
/// [`take`](super::AsyncReadExt::take).
///
/// # Examples
///
/// ```
/// use evloop::io::AsyncReadExt;
///
/// # evloop::block_on(async {
/// let mut buf = Vec::new();
/// evloop::io::repeat(b'z').take(3).read_to_end(&mut buf).await?;
/// assert_eq!(buf, b"zzz");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        buf.fill(self.byte);
        Poll::Ready(Ok(buf.len()))
    }
}
