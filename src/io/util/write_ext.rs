//! [`AsyncWriteExt`]: tokio's write methods on every [`AsyncWrite`], each
//! returning a named future.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::AsyncWrite;

/// One `write_u16`-style method of the trait per line, as for reading.
macro_rules! write_number_methods {
    ($($method:ident, $future:ident, $ty:ty, $to:ident, $what:literal;)*) => {$(
        #[doc = concat!("Writes ", $what, " (`", stringify!($ty), "`).")]
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: if the future is dropped, some of the bytes may
        /// have been written.
        ///
        /// # Examples
        ///
        /// ```
        /// use evloop::io::AsyncWriteExt;
        ///
        /// # evloop::block_on(async {
        #[doc = concat!("let value = 7 as ", stringify!($ty), ";")]
        /// let mut out = Vec::new();
        #[doc = concat!("out.", stringify!($method), "(value).await?;")]
        #[doc = concat!("assert_eq!(out, value.", stringify!($to), "());")]
        /// # Ok::<(), std::io::Error>(())
        /// # }).unwrap();
        /// ```
        fn $method(&mut self, n: $ty) -> $future<'_, Self>
        where
            Self: Unpin,
        {
            $future(WriteBytes { writer: self, buf: n.$to(), written: 0 })
        }
    )*};
}

/// Writes to an [`AsyncWrite`] with `.await`: `write`, `write_vectored`,
/// `write_all`, the integers and floats, `flush` and `shutdown`.
///
/// Implemented for every `AsyncWrite` (evloop's sockets, [`DuplexStream`],
/// `Vec<u8>`, ...), with tokio's method and future names. Integers are
/// written big-endian unless the method ends in `_le`.
///
/// [`DuplexStream`]: super::DuplexStream
///
/// # Examples
///
/// ```
/// use evloop::io::AsyncWriteExt;
///
/// # evloop::block_on(async {
/// let mut out = Vec::new();
/// out.write_u16(0x0102).await?;
/// out.write_u16_le(0x0102).await?;
/// out.write_all(b"!").await?;
/// assert_eq!(out, [1, 2, 2, 1, b'!']);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `buf`, returning how many bytes were taken.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, nothing
    /// was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncWriteExt;
    ///
    /// # evloop::block_on(async {
    /// let mut out = Vec::new();
    /// assert_eq!(out.write(b"abc").await?, 3);
    /// assert_eq!(out, b"abc");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        Write { writer: self, buf }
    }

    /// Writes some of the bytes of `bufs`, in order, in one call if the
    /// writer can (a socket's `writev`); returns how many bytes were taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use evloop::io::AsyncWriteExt;
    ///
    /// # evloop::block_on(async {
    /// let mut out = Vec::new();
    /// let bufs = [IoSlice::new(b"head "), IoSlice::new(b"body")];
    /// let n = out.write_vectored(&bufs).await?;
    /// assert_eq!(&out[..], &b"head body"[..n]);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        WriteVectored { writer: self, bufs }
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WriteZero`](io::ErrorKind::WriteZero) if the writer
    /// takes no more bytes.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, a part of `buf` may have
    /// been written.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # evloop::block_on(async {
    /// let (mut a, mut b) = evloop::io::duplex(4);
    /// evloop::spawn(async move { a.write_all(b"more than four bytes").await });
    /// let mut got = String::new();
    /// b.read_to_string(&mut got).await?;
    /// assert_eq!(got, "more than four bytes");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        WriteAll { writer: self, buf }
    }

    /// Flushes: waits until buffered bytes reached their destination.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncWriteExt, BufWriter};
    ///
    /// # evloop::block_on(async {
    /// let mut out = BufWriter::new(Vec::new());
    /// out.write_all(b"held").await?;
    /// assert!(out.get_ref().is_empty());
    /// out.flush().await?;
    /// assert_eq!(out.get_ref(), b"held");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        Flush { writer: self }
    }

    /// Flushes, then shuts the write side down: a socket's peer, or a
    /// [`DuplexStream`](super::DuplexStream)'s, reads end of file.
    ///
    /// This is futures-io's `poll_close`, under tokio's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # evloop::block_on(async {
    /// let (mut a, mut b) = evloop::io::duplex(64);
    /// a.write_all(b"bye").await?;
    /// a.shutdown().await?;
    /// let mut got = Vec::new();
    /// b.read_to_end(&mut got).await?; // ends: `a` shut down
    /// assert_eq!(got, b"bye");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        Shutdown { writer: self }
    }

    write_number_methods! {
        write_u8, WriteU8, u8, to_be_bytes, "an unsigned 8-bit integer";
        write_i8, WriteI8, i8, to_be_bytes, "a signed 8-bit integer";
        write_u16, WriteU16, u16, to_be_bytes, "a big-endian unsigned 16-bit integer";
        write_i16, WriteI16, i16, to_be_bytes, "a big-endian signed 16-bit integer";
        write_u32, WriteU32, u32, to_be_bytes, "a big-endian unsigned 32-bit integer";
        write_i32, WriteI32, i32, to_be_bytes, "a big-endian signed 32-bit integer";
        write_u64, WriteU64, u64, to_be_bytes, "a big-endian unsigned 64-bit integer";
        write_i64, WriteI64, i64, to_be_bytes, "a big-endian signed 64-bit integer";
        write_u128, WriteU128, u128, to_be_bytes, "a big-endian unsigned 128-bit integer";
        write_i128, WriteI128, i128, to_be_bytes, "a big-endian signed 128-bit integer";
        write_f32, WriteF32, f32, to_be_bytes, "a big-endian IEEE 754 32-bit float";
        write_f64, WriteF64, f64, to_be_bytes, "a big-endian IEEE 754 64-bit float";
        write_u16_le, WriteU16Le, u16, to_le_bytes, "a little-endian unsigned 16-bit integer";
        write_i16_le, WriteI16Le, i16, to_le_bytes, "a little-endian signed 16-bit integer";
        write_u32_le, WriteU32Le, u32, to_le_bytes, "a little-endian unsigned 32-bit integer";
        write_i32_le, WriteI32Le, i32, to_le_bytes, "a little-endian signed 32-bit integer";
        write_u64_le, WriteU64Le, u64, to_le_bytes, "a little-endian unsigned 64-bit integer";
        write_i64_le, WriteI64Le, i64, to_le_bytes, "a little-endian signed 64-bit integer";
        write_u128_le, WriteU128Le, u128, to_le_bytes, "a little-endian unsigned 128-bit integer";
        write_i128_le, WriteI128Le, i128, to_le_bytes, "a little-endian signed 128-bit integer";
        write_f32_le, WriteF32Le, f32, to_le_bytes, "a little-endian IEEE 754 32-bit float";
        write_f64_le, WriteF64Le, f64, to_le_bytes, "a little-endian IEEE 754 64-bit float";
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}

/// The future of [`AsyncWriteExt::write`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Write<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.writer).poll_write(cx, this.buf)
    }
}

/// The future of [`AsyncWriteExt::write_vectored`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.writer).poll_write_vectored(cx, this.bufs)
    }
}

/// The future of [`AsyncWriteExt::write_all`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAll<'a, W: ?Sized> {
    writer: &'a mut W,
    /// What is still to write: earlier polls cut off what they wrote.
    buf: &'a [u8],
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while !this.buf.is_empty() {
            let n = ready!(poll_write_some(&mut *this.writer, cx, this.buf))?;
            this.buf = &this.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

/// One write that must make progress: a writer that takes nothing of a
/// non-empty buffer can take no more, and waiting would never end.
fn poll_write_some<W: AsyncWrite + Unpin + ?Sized>(
    writer: &mut W,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    loop {
        match ready!(Pin::new(&mut *writer).poll_write(cx, buf)) {
            Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
            Ok(n) => return Poll::Ready(Ok(n)),
            // A signal cut a syscall short: nothing was written, try again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Poll::Ready(Err(e)),
        }
    }
}

/// The future of [`AsyncWriteExt::flush`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Flush<'a, W: ?Sized> {
    writer: &'a mut W,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_flush(cx)
    }
}

/// The future of [`AsyncWriteExt::shutdown`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Shutdown<'a, W: ?Sized> {
    writer: &'a mut W,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_close(cx)
    }
}

/// Writes the `N` bytes of a number across polls: the core of every
/// `WriteU16`-style future.
#[derive(Debug)]
struct WriteBytes<'a, W: ?Sized, const N: usize> {
    writer: &'a mut W,
    buf: [u8; N],
    written: usize,
}

impl<W: AsyncWrite + Unpin + ?Sized, const N: usize> WriteBytes<'_, W, N> {
    fn poll_bytes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < N {
            let rest = &self.buf[self.written..];
            self.written += ready!(poll_write_some(&mut *self.writer, cx, rest))?;
        }
        Poll::Ready(Ok(()))
    }
}

/// The futures of the `write_u16`-style methods, one line each.
macro_rules! write_number_futures {
    ($($method:ident, $future:ident, $ty:ty;)*) => {$(
        #[doc = concat!("The future of [`AsyncWriteExt::", stringify!($method), "`].")]
        #[derive(Debug)]
        #[must_use = "futures do nothing unless you `.await` or poll them"]
        pub struct $future<'a, W: ?Sized>(WriteBytes<'a, W, { std::mem::size_of::<$ty>() }>);

        impl<W: AsyncWrite + Unpin + ?Sized> Future for $future<'_, W> {
            type Output = io::Result<()>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                self.get_mut().0.poll_bytes(cx)
            }
        }
    )*};
}

write_number_futures! {
    write_u8, WriteU8, u8;
    write_i8, WriteI8, i8;
    write_u16, WriteU16, u16;
    write_i16, WriteI16, i16;
    write_u32, WriteU32, u32;
    write_i32, WriteI32, i32;
    write_u64, WriteU64, u64;
    write_i64, WriteI64, i64;
    write_u128, WriteU128, u128;
    write_i128, WriteI128, i128;
    write_f32, WriteF32, f32;
    write_f64, WriteF64, f64;
    write_u16_le, WriteU16Le, u16;
    write_i16_le, WriteI16Le, i16;
    write_u32_le, WriteU32Le, u32;
    write_i32_le, WriteI32Le, i32;
    write_u64_le, WriteU64Le, u64;
    write_i64_le, WriteI64Le, i64;
    write_u128_le, WriteU128Le, u128;
    write_i128_le, WriteI128Le, i128;
    write_f32_le, WriteF32Le, f32;
    write_f64_le, WriteF64Le, f64;
}
