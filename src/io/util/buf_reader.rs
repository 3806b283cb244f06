//! [`BufReader`]: fewer, larger reads, and lines for readers that have
//! no buffer of their own.

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

/// Tokio's (and std's) default: a few TCP segments, small enough to keep
/// one per connection.
pub(super) const DEFAULT_BUF_SIZE: usize = 8 * 1024;

pin_project_lite::pin_project! {
    /// Adds a buffer to a reader: many small reads (a line at a time, a
    /// `read_u8`) cost one read of the inner reader, and the reader becomes
    /// an [`AsyncBufRead`], so [`lines`](super::AsyncBufReadExt::lines)
    /// and [`read_line`](super::AsyncBufReadExt::read_line) work on it.
    ///
    /// A read at least as large as the buffer, with the buffer empty, goes
    /// straight to the inner reader. Writes (when the inner value is also a
    /// writer) pass through unbuffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    ///
    /// # evloop::block_on(async {
    /// let (mut a, b) = evloop::io::duplex(64);
    /// a.write_all(b"GET / HTTP/1.1\r\n").await?;
    /// let mut reader = BufReader::new(b);
    /// let mut line = String::new();
    /// reader.read_line(&mut line).await?;
    /// assert_eq!(line, "GET / HTTP/1.1\r\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    pub struct BufReader<R> {
        #[pin]
        inner: R,
        buf: Box<[u8]>,
        // `buf[pos..cap]` is read from `inner` but not yet handed out.
        pos: usize,
        cap: usize,
    }
}

impl<R: AsyncRead> BufReader<R> {
    /// A `BufReader` with an 8 KiB buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// let reader = evloop::io::BufReader::new(&b"data"[..]);
    /// assert!(reader.buffer().is_empty());
    /// ```
    pub fn new(inner: R) -> BufReader<R> {
        BufReader::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// A `BufReader` with a buffer of `capacity` bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncBufReadExt, BufReader};
    ///
    /// # evloop::block_on(async {
    /// let mut reader = BufReader::with_capacity(4, &b"abcdef"[..]);
    /// let mut segment = Vec::new();
    /// reader.read_until(b'b', &mut segment).await?;
    /// assert_eq!(reader.buffer(), b"cd"); // the rest of the first 4 bytes
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> BufReader<R> {
        BufReader {
            inner,
            buf: vec![0; capacity].into_boxed_slice(),
            pos: 0,
            cap: 0,
        }
    }
}

impl<R> BufReader<R> {
    /// The inner reader.
    ///
    /// # Examples
    ///
    /// ```
    /// let reader = evloop::io::BufReader::new(&b"data"[..]);
    /// assert_eq!(*reader.get_ref(), b"data");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly skips what the
    /// buffer holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut reader = evloop::io::BufReader::new(&b"data"[..]);
    /// *reader.get_mut() = b"other";
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader, pinned.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Gives the inner reader back; what the buffer held is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// let reader = evloop::io::BufReader::new(&b"data"[..]);
    /// assert_eq!(reader.into_inner(), b"data");
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The bytes read from the inner reader and not yet handed out.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncReadExt, BufReader};
    ///
    /// # evloop::block_on(async {
    /// let mut reader = BufReader::new(&b"abc"[..]);
    /// assert_eq!(reader.read_u8().await?, b'a');
    /// assert_eq!(reader.buffer(), b"bc");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.cap]
    }

    /// Forgets what the buffer holds.
    fn discard_buffer(self: Pin<&mut Self>) {
        let this = self.project();
        *this.pos = 0;
        *this.cap = 0;
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // Copying through the buffer would only add a copy.
        if self.pos == self.cap && buf.len() >= self.buf.len() {
            let result = ready!(self.as_mut().get_pin_mut().poll_read(cx, buf));
            self.discard_buffer();
            return Poll::Ready(result);
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        // Refill only when empty: what is there must be handed out first.
        if *this.pos >= *this.cap {
            *this.cap = ready!(this.inner.poll_read(cx, this.buf))?;
            *this.pos = 0;
        }
        Poll::Ready(Ok(&this.buf[*this.pos..*this.cap]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        *this.pos = (*this.pos + amt).min(*this.cap);
    }
}

impl<R: AsyncRead + AsyncSeek> AsyncSeek for BufReader<R> {
    /// Seeks the inner reader and empties the buffer. A relative seek
    /// counts from the position the caller sees, which is behind the inner
    /// reader's by what the buffer holds.
    fn poll_seek(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let pos = match pos {
            SeekFrom::Current(offset) => {
                let buffered = (self.cap - self.pos) as i64;
                let offset = offset.checked_sub(buffered).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek offset overflows")
                })?;
                SeekFrom::Current(offset)
            }
            other => other,
        };
        let result = ready!(self.as_mut().get_pin_mut().poll_seek(cx, pos));
        self.discard_buffer();
        Poll::Ready(result)
    }
}

impl<R: AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_close(cx)
    }
}
