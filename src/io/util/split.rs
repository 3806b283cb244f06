//! [`split`]: any reader-writer cut into a [`ReadHalf`] and a
//! [`WriteHalf`], for two tasks to use at once.
//!
//! Both halves hold the stream in one `Rc<RefCell<_>>`. A poll borrows it
//! only for the length of one `poll_read` or `poll_write` call, and
//! evloop runs one task at a time, so the two borrows never overlap. That
//! is what tokio needs a lock for; here it is a cell and no atomics.
//!
//! evloop's own sockets do not need this: their `split` and `into_split`
//! (in `evloop::net`) work without a `RefCell`, since a socket reads and
//! writes through `&self`.

use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

/// Splits `stream` into a reading and a writing half, which can go to two
/// tasks; [`ReadHalf::unsplit`] puts them back together.
///
/// The stream must be [`Unpin`] (as every evloop stream is); pin another
/// one with `Box::pin` first. The halves are local to the runtime's thread
/// (they share an `Rc`), where tokio's are `Send`.
///
/// # Examples
///
/// ```
/// use evloop::io::{AsyncReadExt, AsyncWriteExt};
///
/// # evloop::block_on(async {
/// let (stream, mut peer) = evloop::io::duplex(64);
/// let (mut reader, mut writer) = evloop::io::split(stream);
/// let echo = evloop::spawn(async move {
///     let mut buf = [0; 5];
///     reader.read_exact(&mut buf).await?;
///     writer.write_all(&buf).await
/// });
/// peer.write_all(b"hello").await?;
/// let mut back = [0; 5];
/// peer.read_exact(&mut back).await?;
/// assert_eq!(&back, b"hello");
/// echo.await.unwrap()?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
///
/// The halves cannot go to another thread:
///
/// ```compile_fail
/// let (stream, _peer) = evloop::io::duplex(64);
/// let (reader, _writer) = evloop::io::split(stream);
/// std::thread::spawn(move || drop(reader));
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let shared = Rc::new(RefCell::new(stream));
    let write = WriteHalf {
        stream: Rc::clone(&shared),
    };
    (ReadHalf { stream: shared }, write)
}

/// The reading half of a stream, from [`split`].
///
/// # Examples
///
/// See [`split`].
#[derive(Debug)]
pub struct ReadHalf<T> {
    stream: Rc<RefCell<T>>,
}

/// The writing half of a stream, from [`split`].
///
/// # Examples
///
/// See [`split`].
#[derive(Debug)]
pub struct WriteHalf<T> {
    stream: Rc<RefCell<T>>,
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the writing half of the same stream.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = evloop::io::duplex(8);
    /// let (a_read, a_write) = evloop::io::split(a);
    /// let (_b_read, b_write) = evloop::io::split(b);
    /// assert!(a_read.is_pair_of(&a_write));
    /// assert!(!a_read.is_pair_of(&b_write));
    /// ```
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Rc::ptr_eq(&self.stream, &other.stream)
    }

    /// Puts the stream back together from its two halves.
    ///
    /// # Panics
    ///
    /// If `write` is not this stream's half (check with
    /// [`is_pair_of`](ReadHalf::is_pair_of)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = evloop::io::duplex(8);
    /// let (read, write) = evloop::io::split(a);
    /// let a = read.unsplit(write);
    /// # drop(a);
    /// ```
    #[track_caller]
    pub fn unsplit(self, write: WriteHalf<T>) -> T {
        assert!(
            self.is_pair_of(&write),
            "ReadHalf::unsplit: the WriteHalf belongs to another stream"
        );
        drop(write);
        match Rc::try_unwrap(self.stream) {
            Ok(cell) => cell.into_inner(),
            Err(_) => unreachable!("a stream is shared by exactly its two halves"),
        }
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the reading half of the same stream.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = evloop::io::duplex(8);
    /// let (read, write) = evloop::io::split(a);
    /// assert!(write.is_pair_of(&read));
    /// ```
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        other.is_pair_of(self)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_close(cx)
    }
}
