//! [`AsyncBufReadExt`]: tokio's line and delimiter methods on every
//! [`AsyncBufRead`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::AsyncBufRead;

use super::lines::{Lines, Split};
use super::read_ext::invalid_utf8;

/// Reads lines and delimited segments from an [`AsyncBufRead`]:
/// `read_until`, `read_line`, `lines` and `split`.
///
/// A socket is not buffered: wrap it in a [`BufReader`](super::BufReader)
/// first. `&[u8]` is, and so is every `BufReader`.
///
/// # Examples
///
/// ```
/// use evloop::io::AsyncBufReadExt;
///
/// # evloop::block_on(async {
/// let mut lines = (&b"one\r\ntwo\n"[..]).lines();
/// assert_eq!(lines.next_line().await?.as_deref(), Some("one"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("two"));
/// assert_eq!(lines.next_line().await?, None);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Appends bytes to `buf` up to and including `byte`, or up to end of
    /// file; returns how many were appended (`Ok(0)` at end of file).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: every byte read is in `buf` already, so calling again
    /// continues the segment.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncBufReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut reader: &[u8] = b"key=value";
    /// let mut buf = Vec::new();
    /// assert_eq!(reader.read_until(b'=', &mut buf).await?, 4);
    /// assert_eq!(buf, b"key=");
    /// assert_eq!(reader.read_until(b'=', &mut buf).await?, 5);
    /// assert_eq!(buf, b"key=value");
    /// assert_eq!(reader.read_until(b'=', &mut buf).await?, 0);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        ReadUntil {
            reader: self,
            delimiter: byte,
            buf,
            read: 0,
        }
    }

    /// Appends a line to `buf`, with its `\n` (and any `\r` before it);
    /// returns how many bytes were appended (`Ok(0)` at end of file).
    ///
    /// The reader decides how long a line is: from an untrusted peer, bound
    /// it first with [`take`](super::AsyncReadExt::take).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](io::ErrorKind::InvalidData) if the line is
    /// not UTF-8; `buf` is then left as it was. On an I/O error, `buf` holds
    /// what was read of the line if that was UTF-8.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped before the line ends, the part read so far
    /// is appended to `buf`, so a new call continues the line. (One limit:
    /// a line cut inside a multi-byte character loses that character's
    /// first bytes, and the next call then reports `InvalidData`.) Tokio
    /// makes no promise here; [`lines`](AsyncBufReadExt::lines) is cancel
    /// safe without limits.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncBufReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut reader: &[u8] = b"first\nsecond";
    /// let mut line = String::new();
    /// assert_eq!(reader.read_line(&mut line).await?, 6);
    /// assert_eq!(line, "first\n");
    /// line.clear();
    /// assert_eq!(reader.read_line(&mut line).await?, 6);
    /// assert_eq!(line, "second");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        ReadLine {
            reader: self,
            buf,
            bytes: Vec::new(),
        }
    }

    /// The reader's buffered bytes, filling the buffer first if it is
    /// empty; an empty slice means end of file. Nothing is consumed: call
    /// [`consume`](AsyncBufReadExt::consume) with what was used.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncBufReadExt, BufReader};
    ///
    /// # evloop::block_on(async {
    /// let mut reader = BufReader::new(&b"GET /"[..]);
    /// let is_get = reader.fill_buf().await?.starts_with(b"GET ");
    /// assert!(is_get);
    /// reader.consume(4);
    /// assert_eq!(reader.fill_buf().await?, b"/");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        FillBuf { reader: Some(self) }
    }

    /// Marks `amt` bytes of the buffer as used: the next read starts after
    /// them.
    ///
    /// # Examples
    ///
    /// See [`fill_buf`](AsyncBufReadExt::fill_buf).
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        Pin::new(self).consume(amt)
    }

    /// The segments of this reader between `byte`s, without the `byte`:
    /// [`Split::next_segment`] gives them one by one.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncBufReadExt, BufReader};
    ///
    /// # evloop::block_on(async {
    /// // (A bare `&[u8]` would pick the slice's own `split` method.)
    /// let mut fields = BufReader::new(&b"a,b,,c"[..]).split(b',');
    /// let mut all = Vec::new();
    /// while let Some(field) = fields.next_segment().await? {
    ///     all.push(field);
    /// }
    /// assert_eq!(all, [&b"a"[..], b"b", b"", b"c"]);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized + Unpin,
    {
        Split::new(self, byte)
    }

    /// The lines of this reader, without their `\n` or `\r\n`:
    /// [`Lines::next_line`] gives them one by one.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    ///
    /// # evloop::block_on(async {
    /// let (mut a, b) = evloop::io::duplex(64);
    /// a.write_all(b"hello\nworld\n").await?;
    /// drop(a);
    /// let mut lines = BufReader::new(b).lines();
    /// while let Some(line) = lines.next_line().await? {
    ///     println!("{line}");
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines::new(self)
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}

/// Appends to `buf` up to and including `delimiter`, or to end of file.
/// `read` counts what this call appended across polls; the result is that
/// count, and `read` starts over.
pub(super) fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delimiter: u8,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let available = match ready!(reader.as_mut().poll_fill_buf(cx)) {
            Ok(available) => available,
            // A signal cut a syscall short: nothing was lost, ask again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Poll::Ready(Err(e)),
        };
        let (found, used) = match available.iter().position(|&b| b == delimiter) {
            Some(i) => (true, i + 1),
            None => (false, available.len()),
        };
        buf.extend_from_slice(&available[..used]);
        reader.as_mut().consume(used);
        *read += used;
        // `used == 0` without the delimiter: end of file.
        if found || used == 0 {
            return Poll::Ready(Ok(std::mem::take(read)));
        }
    }
}

/// The future of [`AsyncBufReadExt::read_until`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadUntil<'a, R: ?Sized> {
    reader: &'a mut R,
    delimiter: u8,
    buf: &'a mut Vec<u8>,
    /// Bytes this call appended so far.
    read: usize,
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let reader = Pin::new(&mut *this.reader);
        poll_read_until(reader, cx, this.delimiter, this.buf, &mut this.read)
    }
}

/// The future of [`AsyncBufReadExt::read_line`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    /// The line so far. It joins `buf` once whole and checked to be UTF-8,
    /// or, cut short by an error or a drop, as far as it is UTF-8.
    bytes: Vec<u8>,
}

impl<R: ?Sized> ReadLine<'_, R> {
    /// Moves the valid UTF-8 start of a line cut short into `buf`. Bytes
    /// that are invalid (not merely incomplete) keep all of it out.
    fn keep_partial(&mut self) {
        let bytes = std::mem::take(&mut self.bytes);
        let valid = match std::str::from_utf8(&bytes) {
            Ok(text) => text,
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => "",
        };
        self.buf.push_str(valid);
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut read = 0;
        let result = ready!(poll_read_until(
            Pin::new(&mut *this.reader),
            cx,
            b'\n',
            &mut this.bytes,
            &mut read,
        ));
        if let Err(e) = result {
            this.keep_partial();
            return Poll::Ready(Err(e));
        }
        let line =
            String::from_utf8(std::mem::take(&mut this.bytes)).map_err(|_| invalid_utf8())?;
        this.buf.push_str(&line);
        Poll::Ready(Ok(line.len()))
    }
}

impl<R: ?Sized> Drop for ReadLine<'_, R> {
    fn drop(&mut self) {
        // Empty once the line was delivered; otherwise the future was
        // dropped mid-line, and the part read is the caller's.
        if !self.bytes.is_empty() {
            self.keep_partial();
        }
    }
}

/// The future of [`AsyncBufReadExt::fill_buf`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    /// Taken by the poll that returns the buffer, which borrows it for `'a`.
    reader: Option<&'a mut R>,
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let reader = this
            .reader
            .take()
            .expect("FillBuf polled after it completed");
        // Without unsafe, a slice borrowed for `'a` cannot be returned
        // from a poll that might also have to give the reader back. So a
        // short borrow asks first; once that is ready with bytes, they are
        // buffered, and asking again for the long borrow is answered from
        // the buffer without I/O.
        match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Pending => {
                this.reader = Some(reader);
                return Poll::Pending;
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            // End of file needs no second look (which might do I/O).
            Poll::Ready(Ok([])) => return Poll::Ready(Ok(&[])),
            Poll::Ready(Ok(_)) => {}
        }
        match Pin::new(reader).poll_fill_buf(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            // Only a reader that breaks `AsyncBufRead`'s contract (ready
            // with bytes, then waiting with none consumed) gets here.
            Poll::Pending => Poll::Ready(Err(io::Error::other(
                "fill_buf: the reader was ready, then pending with nothing consumed",
            ))),
        }
    }
}
