//! [`BufWriter`]: many small writes gathered into few large ones.

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

use super::buf_reader::DEFAULT_BUF_SIZE;

pin_project_lite::pin_project! {
    /// Adds a buffer to a writer: small writes fill the buffer, and the
    /// inner writer sees one write per full buffer (one syscall instead of
    /// many on a socket).
    ///
    /// A write at least as large as the buffer goes straight to the inner
    /// writer once the buffer is out. Reads (when the inner value is also a
    /// reader) pass through.
    ///
    /// Call [`flush`](super::AsyncWriteExt::flush) or
    /// [`shutdown`](super::AsyncWriteExt::shutdown) before dropping it:
    /// dropping cannot wait for a write, so bytes still in the buffer are
    /// lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncWriteExt, BufWriter};
    ///
    /// # evloop::block_on(async {
    /// let mut out = BufWriter::new(Vec::new());
    /// for word in ["many ", "small ", "writes"] {
    ///     out.write_all(word.as_bytes()).await?;
    /// }
    /// assert_eq!(out.buffer(), b"many small writes");
    /// out.flush().await?;
    /// assert_eq!(out.into_inner(), b"many small writes");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    pub struct BufWriter<W> {
        #[pin]
        inner: W,
        // Bytes taken from callers and not yet given to `inner`; never
        // grows past the capacity it was made with.
        buf: Vec<u8>,
        // The most `buf` holds (kept apart: `Vec` may round its capacity up).
        capacity: usize,
    }
}

impl<W: AsyncWrite> BufWriter<W> {
    /// A `BufWriter` with an 8 KiB buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// let out = evloop::io::BufWriter::new(Vec::<u8>::new());
    /// assert!(out.buffer().is_empty());
    /// ```
    pub fn new(inner: W) -> BufWriter<W> {
        BufWriter::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// A `BufWriter` with a buffer of `capacity` bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncWriteExt, BufWriter};
    ///
    /// # evloop::block_on(async {
    /// let mut out = BufWriter::with_capacity(4, Vec::new());
    /// out.write_all(b"abc").await?;
    /// assert!(out.get_ref().is_empty()); // fits: held
    /// out.write_all(b"de").await?;
    /// assert_eq!(out.get_ref(), b"abc"); // would not fit: the buffer went out
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn with_capacity(capacity: usize, inner: W) -> BufWriter<W> {
        BufWriter {
            inner,
            buf: Vec::with_capacity(capacity),
            capacity,
        }
    }

    /// Writes the whole buffer to the inner writer. What was written is
    /// taken off the buffer even when a later write waits or fails, so a
    /// new call goes on from there.
    fn flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        let mut written = 0;
        let mut result = Ok(());
        while written < this.buf.len() {
            match this.inner.as_mut().poll_write(cx, &this.buf[written..]) {
                Poll::Ready(Ok(0)) => {
                    result = Err(io::ErrorKind::WriteZero.into());
                    break;
                }
                Poll::Ready(Ok(n)) => written += n,
                Poll::Ready(Err(e)) => {
                    result = Err(e);
                    break;
                }
                Poll::Pending => {
                    this.buf.drain(..written);
                    return Poll::Pending;
                }
            }
        }
        this.buf.drain(..written);
        Poll::Ready(result)
    }
}

impl<W> BufWriter<W> {
    /// The inner writer.
    ///
    /// # Examples
    ///
    /// ```
    /// let out = evloop::io::BufWriter::new(Vec::<u8>::new());
    /// assert!(out.get_ref().is_empty());
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably. Writing to it directly jumps ahead of
    /// what the buffer holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut out = evloop::io::BufWriter::new(Vec::<u8>::new());
    /// out.get_mut().reserve(1024);
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, pinned.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().inner
    }

    /// Gives the inner writer back; bytes still in the buffer are lost
    /// (flush first).
    ///
    /// # Examples
    ///
    /// ```
    /// let out = evloop::io::BufWriter::new(Vec::<u8>::new());
    /// assert!(out.into_inner().is_empty());
    /// ```
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The bytes written to this `BufWriter` and not yet to the inner
    /// writer.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncWriteExt, BufWriter};
    ///
    /// # evloop::block_on(async {
    /// let mut out = BufWriter::new(Vec::new());
    /// out.write_u8(1).await?;
    /// assert_eq!(out.buffer(), [1]);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.buf.len() + buf.len() > self.capacity {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let this = self.project();
        if buf.len() >= *this.capacity {
            // Copying through the buffer would only add a copy.
            this.inner.poll_write(cx, buf)
        } else {
            this.buf.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total = bufs
            .iter()
            .fold(0usize, |sum, b| sum.saturating_add(b.len()));
        if self.buf.len().saturating_add(total) > self.capacity {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let this = self.project();
        if total >= *this.capacity {
            this.inner.poll_write_vectored(cx, bufs)
        } else {
            for b in bufs {
                this.buf.extend_from_slice(b);
            }
            Poll::Ready(Ok(total))
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_close(cx)
    }
}

impl<W: AsyncWrite + AsyncSeek> AsyncSeek for BufWriter<W> {
    /// Writes the buffer out first, so the seek starts where the caller's
    /// writes ended.
    fn poll_seek(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_seek(cx, pos)
    }
}

impl<W: AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_pin_mut().consume(amt)
    }
}
