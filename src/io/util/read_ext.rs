//! [`AsyncReadExt`]: tokio's read methods on every [`AsyncRead`], each
//! returning a named future.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::AsyncRead;

use super::adapters::{chain, take, Chain, Take};

/// One `read_u16`-style method of the trait per line: the number types
/// differ only in size and byte order, so one template keeps them equal.
macro_rules! read_number_methods {
    ($($method:ident, $future:ident, $ty:ty, $from:ident, $what:literal;)*) => {$(
        #[doc = concat!("Reads ", $what, " (`", stringify!($ty), "`).")]
        ///
        /// # Errors
        ///
        /// [`ErrorKind::UnexpectedEof`](io::ErrorKind::UnexpectedEof) if the
        /// reader ends before the last byte.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: bytes read before the future was dropped are lost.
        ///
        /// # Examples
        ///
        /// ```
        /// use evloop::io::AsyncReadExt;
        ///
        /// # evloop::block_on(async {
        /// let bytes: Vec<u8> = (1..=16).collect();
        #[doc = concat!("let size = std::mem::size_of::<", stringify!($ty), ">();")]
        #[doc = concat!("let expected = ", stringify!($ty), "::", stringify!($from), "(bytes[..size].try_into().unwrap());")]
        /// let mut reader = &bytes[..];
        #[doc = concat!("assert_eq!(reader.", stringify!($method), "().await?, expected);")]
        /// assert_eq!(reader.len(), 16 - size);
        /// # Ok::<(), std::io::Error>(())
        /// # }).unwrap();
        /// ```
        fn $method(&mut self) -> $future<'_, Self>
        where
            Self: Unpin,
        {
            $future(ReadBytes { reader: self, buf: [0; std::mem::size_of::<$ty>()], filled: 0 })
        }
    )*};
}

/// Reads from an [`AsyncRead`] with `.await`: `read`, `read_exact`,
/// `read_to_end`, `read_to_string`, the integers and floats, and the
/// `chain` and `take` adapters.
///
/// Implemented for every `AsyncRead` (evloop's sockets, [`DuplexStream`],
/// `&[u8]`, ...). The methods and their futures have tokio's names, so code
/// written against `tokio::io::AsyncReadExt` only changes its imports.
///
/// Multi-byte integers are big-endian (network order), as in tokio; the
/// `_le` forms read little-endian.
///
/// [`DuplexStream`]: super::DuplexStream
///
/// # Examples
///
/// ```
/// use evloop::io::AsyncReadExt;
///
/// # evloop::block_on(async {
/// let mut reader: &[u8] = &[0, 1, 0, 0, 0, 2, b'h', b'i'];
/// assert_eq!(reader.read_u16().await?, 1);
/// assert_eq!(reader.read_u32().await?, 2);
/// let mut rest = String::new();
/// reader.read_to_string(&mut rest).await?;
/// assert_eq!(rest, "hi");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Reads some bytes into `buf`, returning how many; `Ok(0)` means end of
    /// file (or an empty `buf`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no data
    /// was read.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut reader: &[u8] = b"hello";
    /// let mut buf = [0; 3];
    /// assert_eq!(reader.read(&mut buf).await?, 3);
    /// assert_eq!(&buf, b"hel");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        Read { reader: self, buf }
    }

    /// Reads exactly `buf.len()` bytes, returning that length.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnexpectedEof`](io::ErrorKind::UnexpectedEof) if the
    /// reader ends first; `buf`'s contents are then unspecified.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes read before the future was dropped are lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut reader: &[u8] = b"abc";
    /// let mut buf = [0; 2];
    /// assert_eq!(reader.read_exact(&mut buf).await?, 2);
    /// assert_eq!(&buf, b"ab");
    /// let err = reader.read_exact(&mut buf).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        ReadExact {
            reader: self,
            buf,
            filled: 0,
        }
    }

    /// Reads to end of file, appending to `buf`; returns the number of bytes
    /// appended.
    ///
    /// The reader decides how much arrives: from an untrusted peer, bound
    /// it first with [`take`](AsyncReadExt::take).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut reader: &[u8] = b"all of it";
    /// let mut buf = b"> ".to_vec();
    /// assert_eq!(reader.read_to_end(&mut buf).await?, 9);
    /// assert_eq!(buf, b"> all of it");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        ReadToEnd {
            reader: self,
            buf,
            read: 0,
        }
    }

    /// Reads to end of file, appending the text to `buf`; returns the number
    /// of bytes appended.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](io::ErrorKind::InvalidData) if the bytes
    /// are not UTF-8; `buf` is then left as it was.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the bytes are held in the future until end of file,
    /// and lost if it is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut text = String::new();
    /// (&b"caf\xc3\xa9"[..]).read_to_string(&mut text).await?;
    /// assert_eq!(text, "café");
    ///
    /// let err = (&b"\xff"[..]).read_to_string(&mut text).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    /// assert_eq!(text, "café");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        ReadToString {
            reader: self,
            buf,
            bytes: Vec::new(),
        }
    }

    /// Reads this reader to its end, then `next`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut both = (&b"head "[..]).chain(&b"tail"[..]);
    /// let mut text = String::new();
    /// both.read_to_string(&mut text).await?;
    /// assert_eq!(text, "head tail");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn chain<R: AsyncRead>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
    {
        chain(self, next)
    }

    /// Reads at most `limit` bytes, then reports end of file.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut first = (&b"0123456789"[..]).take(4);
    /// let mut buf = Vec::new();
    /// first.read_to_end(&mut buf).await?;
    /// assert_eq!(buf, b"0123");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        take(self, limit)
    }

    read_number_methods! {
        read_u8, ReadU8, u8, from_be_bytes, "an unsigned 8-bit integer";
        read_i8, ReadI8, i8, from_be_bytes, "a signed 8-bit integer";
        read_u16, ReadU16, u16, from_be_bytes, "a big-endian unsigned 16-bit integer";
        read_i16, ReadI16, i16, from_be_bytes, "a big-endian signed 16-bit integer";
        read_u32, ReadU32, u32, from_be_bytes, "a big-endian unsigned 32-bit integer";
        read_i32, ReadI32, i32, from_be_bytes, "a big-endian signed 32-bit integer";
        read_u64, ReadU64, u64, from_be_bytes, "a big-endian unsigned 64-bit integer";
        read_i64, ReadI64, i64, from_be_bytes, "a big-endian signed 64-bit integer";
        read_u128, ReadU128, u128, from_be_bytes, "a big-endian unsigned 128-bit integer";
        read_i128, ReadI128, i128, from_be_bytes, "a big-endian signed 128-bit integer";
        read_f32, ReadF32, f32, from_be_bytes, "a big-endian IEEE 754 32-bit float";
        read_f64, ReadF64, f64, from_be_bytes, "a big-endian IEEE 754 64-bit float";
        read_u16_le, ReadU16Le, u16, from_le_bytes, "a little-endian unsigned 16-bit integer";
        read_i16_le, ReadI16Le, i16, from_le_bytes, "a little-endian signed 16-bit integer";
        read_u32_le, ReadU32Le, u32, from_le_bytes, "a little-endian unsigned 32-bit integer";
        read_i32_le, ReadI32Le, i32, from_le_bytes, "a little-endian signed 32-bit integer";
        read_u64_le, ReadU64Le, u64, from_le_bytes, "a little-endian unsigned 64-bit integer";
        read_i64_le, ReadI64Le, i64, from_le_bytes, "a little-endian signed 64-bit integer";
        read_u128_le, ReadU128Le, u128, from_le_bytes, "a little-endian unsigned 128-bit integer";
        read_i128_le, ReadI128Le, i128, from_le_bytes, "a little-endian signed 128-bit integer";
        read_f32_le, ReadF32Le, f32, from_le_bytes, "a little-endian IEEE 754 32-bit float";
        read_f64_le, ReadF64Le, f64, from_le_bytes, "a little-endian IEEE 754 64-bit float";
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// The future of [`AsyncReadExt::read`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut *this.reader).poll_read(cx, this.buf)
    }
}

/// The future of [`AsyncReadExt::read_exact`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadExact<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
    /// How much of `buf` earlier polls filled.
    filled: usize,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        ready!(poll_fill(&mut *this.reader, cx, this.buf, &mut this.filled))?;
        Poll::Ready(Ok(this.buf.len()))
    }
}

/// Reads into `buf[*filled..]` until `buf` is full, keeping the progress in
/// `filled` so that a `Pending` poll loses nothing.
fn poll_fill<R: AsyncRead + Unpin + ?Sized>(
    reader: &mut R,
    cx: &mut Context<'_>,
    buf: &mut [u8],
    filled: &mut usize,
) -> Poll<io::Result<()>> {
    while *filled < buf.len() {
        match ready!(Pin::new(&mut *reader).poll_read(cx, &mut buf[*filled..])) {
            Ok(0) => return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => *filled += n,
            // A signal cut a syscall short: nothing was lost, ask again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Poll::Ready(Err(e)),
        }
    }
    Poll::Ready(Ok(()))
}

/// The future of [`AsyncReadExt::read_to_end`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToEnd<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    /// Bytes appended so far (they stay in `buf` across polls).
    read: usize,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        poll_read_to_end(&mut *this.reader, cx, this.buf, &mut this.read)
    }
}

/// The most a single read is offered: `read_to_end` zero-fills the space it
/// offers (there is no unsafe here to read into uninitialised memory), so a
/// bounded window keeps that cost near the size of one syscall's copy.
const READ_TO_END_WINDOW: usize = 16 * 1024;

/// Appends to `buf` until end of file; `read` counts the bytes appended by
/// this call across polls.
pub(super) fn poll_read_to_end<R: AsyncRead + Unpin + ?Sized>(
    reader: &mut R,
    cx: &mut Context<'_>,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        if buf.capacity() == buf.len() {
            // Grows geometrically, as `Vec::push` would.
            buf.reserve(32);
        }
        let len = buf.len();
        let window = (buf.capacity() - len).min(READ_TO_END_WINDOW);
        buf.resize(len + window, 0);
        let result = Pin::new(&mut *reader).poll_read(cx, &mut buf[len..]);
        let n = match &result {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        buf.truncate(len + n);
        match result {
            Poll::Ready(Ok(0)) => return Poll::Ready(Ok(*read)),
            Poll::Ready(Ok(n)) => *read += n,
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
    }
}

/// The future of [`AsyncReadExt::read_to_string`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut String,
    /// The bytes so far: they join `buf` only once all are known to be
    /// UTF-8, so that invalid input leaves `buf` as it was.
    bytes: Vec<u8>,
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // The count is the text's length, known at the end.
        let mut read = 0;
        ready!(poll_read_to_end(
            &mut *this.reader,
            cx,
            &mut this.bytes,
            &mut read
        ))?;
        let bytes = std::mem::take(&mut this.bytes);
        let text = String::from_utf8(bytes).map_err(|_| invalid_utf8())?;
        this.buf.push_str(&text);
        Poll::Ready(Ok(text.len()))
    }
}

/// The error for bytes that should have been text.
pub(super) fn invalid_utf8() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

/// Reads exactly `N` bytes across polls: the core of every `ReadU16`-style
/// future.
#[derive(Debug)]
struct ReadBytes<'a, R: ?Sized, const N: usize> {
    reader: &'a mut R,
    buf: [u8; N],
    filled: usize,
}

impl<R: AsyncRead + Unpin + ?Sized, const N: usize> ReadBytes<'_, R, N> {
    fn poll_bytes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<[u8; N]>> {
        ready!(poll_fill(
            &mut *self.reader,
            cx,
            &mut self.buf,
            &mut self.filled
        ))?;
        Poll::Ready(Ok(self.buf))
    }
}

/// The futures of the `read_u16`-style methods, one line each.
macro_rules! read_number_futures {
    ($($method:ident, $future:ident, $ty:ty, $from:ident;)*) => {$(
        #[doc = concat!("The future of [`AsyncReadExt::", stringify!($method), "`].")]
        #[derive(Debug)]
        #[must_use = "futures do nothing unless you `.await` or poll them"]
        pub struct $future<'a, R: ?Sized>(ReadBytes<'a, R, { std::mem::size_of::<$ty>() }>);

        impl<R: AsyncRead + Unpin + ?Sized> Future for $future<'_, R> {
            type Output = io::Result<$ty>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let bytes = ready!(self.get_mut().0.poll_bytes(cx))?;
                Poll::Ready(Ok(<$ty>::$from(bytes)))
            }
        }
    )*};
}

read_number_futures! {
    read_u8, ReadU8, u8, from_be_bytes;
    read_i8, ReadI8, i8, from_be_bytes;
    read_u16, ReadU16, u16, from_be_bytes;
    read_i16, ReadI16, i16, from_be_bytes;
    read_u32, ReadU32, u32, from_be_bytes;
    read_i32, ReadI32, i32, from_be_bytes;
    read_u64, ReadU64, u64, from_be_bytes;
    read_i64, ReadI64, i64, from_be_bytes;
    read_u128, ReadU128, u128, from_be_bytes;
    read_i128, ReadI128, i128, from_be_bytes;
    read_f32, ReadF32, f32, from_be_bytes;
    read_f64, ReadF64, f64, from_be_bytes;
    read_u16_le, ReadU16Le, u16, from_le_bytes;
    read_i16_le, ReadI16Le, i16, from_le_bytes;
    read_u32_le, ReadU32Le, u32, from_le_bytes;
    read_i32_le, ReadI32Le, i32, from_le_bytes;
    read_u64_le, ReadU64Le, u64, from_le_bytes;
    read_i64_le, ReadI64Le, i64, from_le_bytes;
    read_u128_le, ReadU128Le, u128, from_le_bytes;
    read_i128_le, ReadI128Le, i128, from_le_bytes;
    read_f32_le, ReadF32Le, f32, from_le_bytes;
    read_f64_le, ReadF64Le, f64, from_le_bytes;
}
