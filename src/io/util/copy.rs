//! [`copy`], [`copy_buf`] and [`copy_bidirectional`]: moving every byte of
//! a reader into a writer.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};

use super::buf_reader::DEFAULT_BUF_SIZE;

/// Copies everything `reader` gives until end of file into `writer`, then
/// flushes `writer`; returns the number of bytes copied.
///
/// The bytes pass through an 8 KiB buffer. When the reader has nothing
/// yet, the copy flushes what it wrote, so a buffered writer does not sit
/// on a half-finished reply while the other side waits for it. The writer
/// is not shut down (see [`copy_bidirectional`] for that).
///
/// # Errors
///
/// The first error of either side, or
/// [`ErrorKind::WriteZero`](io::ErrorKind::WriteZero) if the writer takes no
/// more bytes.
///
/// # Examples
///
/// ```
/// # evloop::block_on(async {
/// let mut reader: &[u8] = b"some bytes";
/// let mut writer: Vec<u8> = Vec::new();
/// let copied = evloop::io::copy(&mut reader, &mut writer).await?;
/// assert_eq!(copied, 10);
/// assert_eq!(writer, b"some bytes");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = CopyBuffer::new(DEFAULT_BUF_SIZE);
    poll_fn(|cx| buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}

/// [`copy`] for a reader that has its own buffer (a [`BufReader`], `&[u8]`):
/// the bytes go straight from that buffer to `writer`, with no copy of
/// their own.
///
/// [`BufReader`]: super::BufReader
///
/// # Examples
///
/// ```
/// use evloop::io::BufReader;
///
/// # evloop::block_on(async {
/// let mut reader = BufReader::new(&b"buffered"[..]);
/// let mut writer = Vec::new();
/// assert_eq!(evloop::io::copy_buf(&mut reader, &mut writer).await?, 8);
/// assert_eq!(writer, b"buffered");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut copied = 0u64;
    poll_fn(|cx| loop {
        let mut reader = Pin::new(&mut *reader);
        let writer = Pin::new(&mut *writer);
        let available = match reader.as_mut().poll_fill_buf(cx) {
            Poll::Ready(result) => result?,
            Poll::Pending => {
                ready!(writer.poll_flush(cx))?;
                return Poll::Pending;
            }
        };
        if available.is_empty() {
            ready!(writer.poll_flush(cx))?;
            return Poll::Ready(Ok(copied));
        }
        let n = ready!(writer.poll_write(cx, available))?;
        if n == 0 {
            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
        }
        reader.consume(n);
        copied += n as u64;
    })
    .await
}

/// Copies both ways between `a` and `b` at once, until both directions
/// reached end of file; returns `(a_to_b, b_to_a)`, the bytes copied each
/// way.
///
/// When one side's reads end, the other side's write half is shut down
/// (after a flush), so the end of file travels on: a proxy between a client
/// and a server closes each direction when its sender does.
///
/// # Errors
///
/// The first error of any of the four halves; the copy stops there.
///
/// # Examples
///
/// A proxy in memory: `client ⇄ (a | b) ⇄ server`.
///
/// ```
/// use evloop::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// # evloop::block_on(async {
/// let (mut client, mut a) = duplex(64);
/// let (mut b, mut server) = duplex(64);
/// let proxy = evloop::spawn(async move { evloop::io::copy_bidirectional(&mut a, &mut b).await });
///
/// client.write_all(b"ping").await?;
/// client.shutdown().await?;
/// let mut request = Vec::new();
/// server.read_to_end(&mut request).await?;
/// server.write_all(b"pong!").await?;
/// server.shutdown().await?;
/// let mut reply = Vec::new();
/// client.read_to_end(&mut reply).await?;
///
/// assert_eq!((request.as_slice(), reply.as_slice()), (&b"ping"[..], &b"pong!"[..]));
/// assert_eq!(proxy.await.unwrap()?, (4, 5));
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// [`copy_bidirectional`] with a buffer of `a_to_b_size` bytes for the
/// direction from `a` to `b` and of `b_to_a_size` for the other (both are
/// 8 KiB there). A buffer of 0 bytes is taken as 1.
///
/// # Examples
///
/// ```
/// use evloop::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// # evloop::block_on(async {
/// let (mut client, mut a) = duplex(64);
/// let (mut b, mut server) = duplex(64);
/// let proxy = evloop::spawn(async move {
///     evloop::io::copy_bidirectional_with_sizes(&mut a, &mut b, 16, 1024).await
/// });
/// client.write_all(&[1; 100]).await?;
/// drop(client);
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// drop(server);
/// assert_eq!(proxy.await.unwrap()?, (100, 0));
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_size: usize,
    b_to_a_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Direction::Copying(CopyBuffer::new(a_to_b_size));
    let mut b_to_a = Direction::Copying(CopyBuffer::new(b_to_a_size));
    poll_fn(|cx| {
        // Both directions are polled every time, so each keeps a waker.
        let a_to_b = a_to_b.poll(cx, &mut *a, &mut *b)?;
        let b_to_a = b_to_a.poll(cx, &mut *b, &mut *a)?;
        match (a_to_b, b_to_a) {
            (Poll::Ready(ab), Poll::Ready(ba)) => Poll::Ready(Ok((ab, ba))),
            _ => Poll::Pending,
        }
    })
    .await
}

/// Where one direction of [`copy_bidirectional`] is.
enum Direction {
    /// Moving bytes until the reader's end of file.
    Copying(CopyBuffer),
    /// Reader done and writer flushed: shutting the writer down.
    ShuttingDown(u64),
    /// All done, with the bytes copied.
    Done(u64),
}

impl Direction {
    /// Moves on as far as it can; ready with the count once done.
    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut R,
        writer: &mut W,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + Unpin + ?Sized,
        W: AsyncWrite + Unpin + ?Sized,
    {
        loop {
            match self {
                Direction::Copying(buf) => {
                    let copied =
                        ready!(buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer)))?;
                    *self = Direction::ShuttingDown(copied);
                }
                Direction::ShuttingDown(copied) => {
                    ready!(Pin::new(&mut *writer).poll_close(cx))?;
                    *self = Direction::Done(*copied);
                }
                Direction::Done(copied) => return Poll::Ready(Ok(*copied)),
            }
        }
    }
}

/// The buffer and progress of one copy, across polls.
struct CopyBuffer {
    buf: Box<[u8]>,
    /// `buf[pos..cap]` is read and not yet written.
    pos: usize,
    cap: usize,
    /// The reader reported end of file.
    read_done: bool,
    /// Bytes were written since the last flush.
    need_flush: bool,
    /// Bytes written so far.
    copied: u64,
}

impl CopyBuffer {
    fn new(size: usize) -> CopyBuffer {
        CopyBuffer {
            // An empty buffer would read 0 bytes and take it for end of file.
            buf: vec![0; size.max(1)].into_boxed_slice(),
            pos: 0,
            cap: 0,
            read_done: false,
            need_flush: false,
            copied: 0,
        }
    }

    /// Reads while the buffer is empty, writes while it holds bytes, and
    /// flushes at the end (or whenever the reader waits); ready with the
    /// count once the reader ended and all is written and flushed.
    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            if self.pos == self.cap && !self.read_done {
                match reader.as_mut().poll_read(cx, &mut self.buf) {
                    Poll::Ready(Ok(0)) => self.read_done = true,
                    Poll::Ready(Ok(n)) => {
                        self.pos = 0;
                        self.cap = n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        // Nothing to move until the reader wakes us: let
                        // what was written reach its destination meanwhile.
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                let n = ready!(writer
                    .as_mut()
                    .poll_write(cx, &self.buf[self.pos..self.cap]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                self.pos += n;
                self.copied += n as u64;
                self.need_flush = true;
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.copied));
            }
        }
    }
}
