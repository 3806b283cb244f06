//! [`AsyncSeekExt`]: tokio's `seek`, `rewind` and `stream_position`.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::AsyncSeek;

/// Moves the position of an [`AsyncSeek`] with `.await`.
///
/// # Examples
///
/// A seekable reader (here a [`BufReader`](super::BufReader) over a small
/// in-memory file the example defines):
///
/// ```
/// use evloop::io::{AsyncReadExt, AsyncSeekExt, BufReader, SeekFrom};
/// # use std::{io, pin::Pin, task::{Context, Poll}};
/// # struct File(io::Cursor<Vec<u8>>);
/// # impl evloop::io::AsyncRead for File {
/// #     fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
/// #         Poll::Ready(io::Read::read(&mut self.0, buf))
/// #     }
/// # }
/// # impl evloop::io::AsyncSeek for File {
/// #     fn poll_seek(mut self: Pin<&mut Self>, _: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
/// #         Poll::Ready(io::Seek::seek(&mut self.0, pos))
/// #     }
/// # }
///
/// # evloop::block_on(async {
/// let mut file = BufReader::new(File(io::Cursor::new(b"0123456789".to_vec())));
/// assert_eq!(file.seek(SeekFrom::End(-3)).await?, 7);
/// assert_eq!(file.read_u8().await?, b'7');
/// assert_eq!(file.stream_position().await?, 8);
/// file.rewind().await?;
/// assert_eq!(file.read_u8().await?, b'0');
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Moves to `pos`; returns the new position from the start.
    ///
    /// # Examples
    ///
    /// See [the trait's](AsyncSeekExt#examples).
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek { seeker: self, pos }
    }

    /// Moves to the start: `seek(SeekFrom::Start(0))`.
    ///
    /// # Examples
    ///
    /// See [the trait's](AsyncSeekExt#examples).
    fn rewind(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Start(0))
    }

    /// The current position from the start: `seek(SeekFrom::Current(0))`.
    ///
    /// # Examples
    ///
    /// See [the trait's](AsyncSeekExt#examples).
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

/// The future of [`AsyncSeekExt::seek`], `rewind` and `stream_position`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Seek<'a, S: ?Sized> {
    seeker: &'a mut S,
    pos: SeekFrom,
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.seeker).poll_seek(cx, this.pos)
    }
}
