//! [`duplex`]: a pair of connected in-memory streams, like a socket pair
//! without the kernel.
//!
//! Each direction is a [`Pipe`]: a bounded byte queue that one end writes
//! and the other reads. A full queue makes the writer wait, an empty one
//! the reader, so a fast writer is held back to the reader's pace exactly
//! as a socket's send buffer would hold it.
//!
//! ```text
//!   a ── write ──▶ [ pipe a→b ] ── read ──▶ b
//!   a ◀── read ─── [ pipe b→a ] ◀── write ── b
//! ```

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};

use super::poll_budget;

/// Makes two connected in-memory streams: what one writes, the other reads.
///
/// Each direction buffers at most `max_buf_size` bytes; a writer facing a
/// full buffer waits until the reader takes some. [`shutdown`] on one end
/// gives the other end end of file once it has read what was written;
/// dropping one end does too, and makes the other end's writes fail with
/// [`ErrorKind::BrokenPipe`](io::ErrorKind::BrokenPipe).
///
/// The streams are local to the runtime's thread (they share an `Rc`);
/// tokio's are `Send`.
///
/// [`shutdown`]: super::AsyncWriteExt::shutdown
///
/// # Panics
///
/// If `max_buf_size` is 0: no byte could ever pass.
///
/// # Examples
///
/// ```
/// use evloop::io::{AsyncReadExt, AsyncWriteExt};
///
/// # evloop::block_on(async {
/// let (mut client, mut server) = evloop::io::duplex(64);
/// client.write_all(b"ping").await?;
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// The streams cannot go to another thread:
///
/// ```compile_fail
/// let (a, _b) = evloop::io::duplex(64);
/// std::thread::spawn(move || drop(a));
/// ```
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    assert!(max_buf_size > 0, "duplex: max_buf_size must be at least 1");
    let a_to_b = Rc::new(RefCell::new(Pipe::new(max_buf_size)));
    let b_to_a = Rc::new(RefCell::new(Pipe::new(max_buf_size)));
    let a = DuplexStream {
        read: Rc::clone(&b_to_a),
        write: Rc::clone(&a_to_b),
    };
    let b = DuplexStream {
        read: a_to_b,
        write: b_to_a,
    };
    (a, b)
}

/// One end of an in-memory stream pair, from [`duplex`].
///
/// Implements [`AsyncRead`] and [`AsyncWrite`], so every
/// [`AsyncReadExt`](super::AsyncReadExt) and
/// [`AsyncWriteExt`](super::AsyncWriteExt) method works on it: the usual
/// stand-in for a socket in tests.
///
/// # Examples
///
/// ```
/// use evloop::io::{AsyncReadExt, AsyncWriteExt};
///
/// # evloop::block_on(async {
/// let (mut a, mut b) = evloop::io::duplex(8);
/// let writer = evloop::spawn(async move {
///     a.write_all(&[7; 100]).await?; // waits whenever 8 bytes are in flight
///     a.shutdown().await
/// });
/// let mut got = Vec::new();
/// b.read_to_end(&mut got).await?;
/// assert_eq!(got, [7; 100]);
/// writer.await.unwrap()?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct DuplexStream {
    /// The pipe the peer writes into.
    read: Rc<RefCell<Pipe>>,
    /// The pipe the peer reads from.
    write: Rc<RefCell<Pipe>>,
}

/// One direction of a duplex pair.
#[derive(Debug)]
struct Pipe {
    buf: VecDeque<u8>,
    /// `buf` never holds more: a writer waits instead.
    max_buf_size: usize,
    /// The writer shut down or one of the ends was dropped: a read of the
    /// empty pipe is end of file, and a write is a broken pipe.
    closed: bool,
    /// The reader waiting for bytes (or the close).
    read_waker: Option<Waker>,
    /// The writer waiting for room (or the close).
    write_waker: Option<Waker>,
}

impl Pipe {
    fn new(max_buf_size: usize) -> Pipe {
        Pipe {
            buf: VecDeque::new(),
            max_buf_size,
            closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    /// Ready with bytes, or with 0 once closed and empty; or keeps the
    /// reader's waker. Returns the writer's waker to wake, if room was made.
    fn poll_read(&mut self, cx: &mut Context<'_>, out: &mut [u8]) -> (Poll<usize>, Option<Waker>) {
        if self.buf.is_empty() {
            if self.closed || out.is_empty() {
                return (Poll::Ready(0), None);
            }
            self.read_waker = Some(cx.waker().clone());
            return (Poll::Pending, None);
        }
        let n = out.len().min(self.buf.len());
        for (slot, byte) in out.iter_mut().zip(self.buf.drain(..n)) {
            *slot = byte;
        }
        (Poll::Ready(n), self.write_waker.take())
    }

    /// Ready with the bytes taken, or an error once closed; or keeps the
    /// writer's waker. Returns the reader's waker to wake, if bytes came.
    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> (Poll<io::Result<usize>>, Option<Waker>) {
        if self.closed {
            return (Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())), None);
        }
        let room = self.max_buf_size - self.buf.len();
        if room == 0 && !data.is_empty() {
            self.write_waker = Some(cx.waker().clone());
            return (Poll::Pending, None);
        }
        let n = room.min(data.len());
        self.buf.extend(&data[..n]);
        (Poll::Ready(Ok(n)), self.read_waker.take())
    }

    /// Closes the pipe; returns both wakers, for each side to see it.
    fn close(&mut self) -> [Option<Waker>; 2] {
        self.closed = true;
        [self.read_waker.take(), self.write_waker.take()]
    }
}

/// Wakes after every `RefCell` borrow ended: a waker may run code that
/// polls the other end at once.
fn wake_all(wakers: impl IntoIterator<Item = Option<Waker>>) {
    wakers.into_iter().flatten().for_each(Waker::wake);
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        let (result, waker) = self.read.borrow_mut().poll_read(cx, buf);
        wake_all([waker]);
        result.map(Ok)
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        let (result, waker) = self.write.borrow_mut().poll_write(cx, buf);
        wake_all([waker]);
        result
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Written bytes are in the pipe already: the peer can read them.
        Poll::Ready(Ok(()))
    }

    /// Closes this end's writing direction: the peer reads what is left,
    /// then end of file. Reading from the peer goes on.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let wakers = self.write.borrow_mut().close();
        wake_all(wakers);
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    /// Closes both directions: the peer reads what is left and then end of
    /// file, and its writes fail from now on.
    fn drop(&mut self) {
        let write_wakers = self.write.borrow_mut().close();
        let read_wakers = self.read.borrow_mut().close();
        wake_all(write_wakers.into_iter().chain(read_wakers));
    }
}
