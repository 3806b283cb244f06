//! [`BufStream`]: a [`BufReader`] and a [`BufWriter`] around one stream.

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

use super::{BufReader, BufWriter};

pin_project_lite::pin_project! {
    /// Buffers both directions of a stream: reads through a [`BufReader`],
    /// writes through a [`BufWriter`], for request-reply protocols that
    /// read lines and write many small pieces on one connection.
    ///
    /// As with `BufWriter`, flush before waiting for a reply: the request
    /// may still sit in the buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};
    ///
    /// # evloop::block_on(async {
    /// let (client, server) = evloop::io::duplex(256);
    /// evloop::spawn(async move {
    ///     let mut server = BufStream::new(server);
    ///     let mut line = String::new();
    ///     server.read_line(&mut line).await?;
    ///     server.write_all(b"+PONG\r\n").await?;
    ///     server.flush().await
    /// });
    /// let mut client = BufStream::new(client);
    /// client.write_all(b"PING\r\n").await?;
    /// client.flush().await?;
    /// let mut reply = String::new();
    /// client.read_line(&mut reply).await?;
    /// assert_eq!(reply, "+PONG\r\n");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    pub struct BufStream<RW> {
        #[pin]
        inner: BufReader<BufWriter<RW>>,
    }
}

impl<RW: AsyncRead + AsyncWrite> BufStream<RW> {
    /// A `BufStream` with 8 KiB buffers each way.
    pub fn new(stream: RW) -> BufStream<RW> {
        BufStream {
            inner: BufReader::new(BufWriter::new(stream)),
        }
    }

    /// A `BufStream` with buffers of the given sizes.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = evloop::io::duplex(64);
    /// let stream = evloop::io::BufStream::with_capacity(512, 128, a);
    /// # drop(stream);
    /// ```
    pub fn with_capacity(
        reader_capacity: usize,
        writer_capacity: usize,
        stream: RW,
    ) -> BufStream<RW> {
        BufStream {
            inner: BufReader::with_capacity(
                reader_capacity,
                BufWriter::with_capacity(writer_capacity, stream),
            ),
        }
    }
}

impl<RW> BufStream<RW> {
    /// The stream.
    pub fn get_ref(&self) -> &RW {
        self.inner.get_ref().get_ref()
    }

    /// The stream, mutably. Reading or writing it directly bypasses what
    /// the buffers hold.
    pub fn get_mut(&mut self) -> &mut RW {
        self.inner.get_mut().get_mut()
    }

    /// The stream, pinned.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut RW> {
        self.project().inner.get_pin_mut().get_pin_mut()
    }

    /// Gives the stream back; what both buffers hold is lost (flush first).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = evloop::io::duplex(64);
    /// let a = evloop::io::BufStream::new(a).into_inner();
    /// # drop(a);
    /// ```
    pub fn into_inner(self) -> RW {
        self.inner.into_inner().into_inner()
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncRead for BufStream<RW> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_read(cx, buf)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncBufRead for BufStream<RW> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncWrite for BufStream<RW> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }
}

impl<RW: AsyncRead + AsyncWrite + AsyncSeek> AsyncSeek for BufStream<RW> {
    /// Writes the write buffer out and forgets the read buffer, then seeks.
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        self.project().inner.poll_seek(cx, pos)
    }
}
