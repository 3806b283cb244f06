//! [`UnixStream`]: a Unix stream connection, a thin wrapper around the
//! generic stream socket of `net/stream.rs`.

use std::fmt;
use std::io::{self, IoSlice};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::net::socket::{self, impl_fd};
use crate::net::split::{
    self, sealed::HalfStream, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf,
};
use crate::net::stream::StreamSocket;
use crate::runtime::context;

/// A Unix stream connection, with the same reading and writing methods as
/// [`TcpStream`](crate::net::TcpStream) (both wrap one generic stream
/// socket, `src/net/stream.rs`).
///
/// Reads and writes take `&self`; it implements futures-io's `AsyncRead`
/// and `AsyncWrite`, for itself and for `&UnixStream`, and `AsFd` /
/// `AsRawFd`. It belongs to the runtime that created it and is not `Send`.
pub struct UnixStream {
    inner: StreamSocket<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// The OS's: `NotFound` if no socket is there, `ConnectionRefused` if
    /// nothing listens on it any more.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("evloop-doc-connect-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// evloop::block_on(async {
    ///     let missing = UnixStream::connect(dir.join("nobody.sock")).await.unwrap_err();
    ///     assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    ///
    ///     let listener = UnixListener::bind(&path)?;
    ///     let client = UnixStream::connect(&path).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.write_all(b"hi").await?;
    ///     let mut buf = [0; 2];
    ///     server.read_exact(&mut buf).await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        // The runtime first, so that no listener sees a connection a panic
        // then drops.
        drop(context::expect_current("UnixStream::connect"));
        let stream = UnixStream::from_mio(mio::net::UnixStream::connect(path)?)?;
        // A local connect usually completes at once; if the listener's
        // backlog is full it completes when the socket turns writable.
        std::future::poll_fn(|cx| stream.poll_write_ready(cx)).await?;
        match stream.take_error()? {
            Some(e) => Err(e),
            None => Ok(stream),
        }
    }

    /// A connected pair of streams (`socketpair`).
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let (a, b) = evloop::net::unix::UnixStream::pair()?;
    ///     a.write_all(b"x").await?;
    ///     let mut buf = [0];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"x");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    pub(super) fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            inner: StreamSocket::new(stream, "a UnixStream")?,
        })
    }

    /// Takes a connected std stream into the runtime (non-blocking).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if registration fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = UnixStream::from_std(a)?;
    ///     b.write_all(b"std")?;
    ///     let mut buf = [0; 3];
    ///     a.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"std");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            inner: StreamSocket::from_io(socket::from_std(stream)?),
        })
    }

    /// Gives the socket back as a std stream, still non-blocking.
    ///
    /// # Errors
    ///
    /// If deregistering from the poller fails, or if small reads had read
    /// ahead bytes that were not consumed yet (they would be lost: read
    /// them first).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let mut std_a = a.into_std()?;
    ///     std_a.write_all(b"from std")?;
    ///     let mut buf = [0; 8];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"from std");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        socket::into_std(self.inner.into_io()?)
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = UnixStream::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed(), "socketpair ends have no name");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::{UnixListener, UnixStream};
    ///
    /// let dir = std::env::temp_dir().join(format!("evloop-doc-peer-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("peer.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// evloop::block_on(async {
    ///     let _listener = UnixListener::bind(&path)?;
    ///     let client = UnixStream::connect(&path).await?;
    ///     assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    // The reading and writing API, shared with TcpStream through StreamSocket.

    /// Ready when the socket may be readable (a read may still find nothing:
    /// then it clears the readiness and waits again), or when bytes read ahead
    /// are waiting to be taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.write_all(b"x").await?;
    ///     poll_fn(|cx| server.poll_read_ready(cx)).await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(server.read(&mut buf).await?, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_read_ready(cx)
    }

    /// Ready when the socket may be writable.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     poll_fn(|cx| client.poll_write_ready(cx)).await?;
    ///     client.write_all(b"x").await?;
    ///     let mut buf = [0; 1];
    ///     server.read_exact(&mut buf).await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_write_ready(cx)
    }

    /// Waits until the socket may be readable. Pair it with
    /// [`try_read`](UnixStream::try_read), which clears the readiness when it finds
    /// nothing after all.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.write_all(b"ping").await?;
    ///     let mut buf = [0; 4];
    ///     let n = loop {
    ///         server.readable().await?;
    ///         match server.try_read(&mut buf) {
    ///             Ok(n) => break n,
    ///             // Readiness was stale: try_read cleared it; wait again.
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///             Err(e) => return Err(e),
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], &b"ping"[..n]);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    /// Waits until the socket may be writable. Pair it with
    /// [`try_write`](UnixStream::try_write), which clears the readiness when the send
    /// buffer is full after all.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     let n = loop {
    ///         client.writable().await?;
    ///         match client.try_write(b"pong") {
    ///             Ok(n) => break n,
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///             Err(e) => return Err(e),
    ///         }
    ///     };
    ///     let mut buf = [0; 4];
    ///     server.read_exact(&mut buf[..n]).await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_write_ready(cx)).await
    }

    /// Reads into `buf` once the socket is readable; `Ok(0)` means the peer
    /// closed its write side (or `buf` is empty). The building block of
    /// [`read`](UnixStream::read) and of the `AsyncRead` impls.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.write_all(b"abc").await?;
    ///     let mut buf = [0; 3];
    ///     let n = poll_fn(|cx| server.poll_read(cx, &mut buf)).await?;
    ///     assert_eq!(&buf[..n], &b"abc"[..n]);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }

    /// Writes from `buf` once the socket is writable; returns how many bytes
    /// the kernel took. The building block of [`write`](UnixStream::write) and of the
    /// `AsyncWrite` impls.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     let n = poll_fn(|cx| client.poll_write(cx, b"abc")).await?;
    ///     let mut buf = [0; 3];
    ///     server.read_exact(&mut buf[..n]).await?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    /// Writes from several buffers with one syscall (`writev`); returns how
    /// many bytes the kernel took, from the first buffer on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::IoSlice;
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     let bufs = [IoSlice::new(b"head "), IoSlice::new(b"body")];
    ///     let n = poll_fn(|cx| client.poll_write_vectored(cx, &bufs)).await?;
    ///     let mut buf = [0; 9];
    ///     server.read_exact(&mut buf[..n]).await?;
    ///     assert_eq!(&buf[..n], &b"head body"[..n]);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored(cx, bufs)
    }

    /// Reads what is there into `buf`, waiting until something is; `Ok(0)` is
    /// end of stream.
    ///
    /// Cancel safe: dropping the future before it completes loses no data.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.write_all(b"hello").await?;
    ///     drop(client);
    ///     let mut buf = [0; 16];
    ///     let mut got = Vec::new();
    ///     loop {
    ///         match server.read(&mut buf).await? {
    ///             0 => break, // the client closed: end of stream
    ///             n => got.extend_from_slice(&buf[..n]),
    ///         }
    ///     }
    ///     assert_eq!(got, b"hello");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).await
    }

    /// Writes some of `buf`, waiting until the kernel takes any; returns how
    /// many bytes it took (use [`write_all`](UnixStream::write_all) for all of them).
    ///
    /// Cancel safe: if dropped before completion, nothing was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     let n = client.write(b"some bytes").await?;
    ///     assert!(n > 0);
    ///     let mut buf = vec![0; n];
    ///     server.read_exact(&mut buf).await?;
    ///     assert_eq!(buf, &b"some bytes"[..n]);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).await
    }

    /// Writes all of `buf`.
    ///
    /// Not cancel safe: if dropped midway, an unknown prefix was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.write_all(b"every byte").await?;
    ///     let mut buf = [0; 10];
    ///     server.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"every byte");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).await
    }

    /// Reads exactly `buf.len()` bytes; an early end of stream is an
    /// `UnexpectedEof` error.
    ///
    /// Not cancel safe: if dropped midway, the bytes read so far are lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.write_all(b"ab").await?;
    ///     drop(client);
    ///     let mut two = [0; 2];
    ///     server.read_exact(&mut two).await?;
    ///     assert_eq!(&two, b"ab");
    ///     let mut more = [0; 1];
    ///     let err = server.read_exact(&mut more).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_exact(buf).await
    }

    /// Reads until end of stream, appending to `buf`; returns how many bytes
    /// it appended.
    ///
    /// Cancel safe in the sense that what was read so far stays in `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.write_all(b"the whole body").await?;
    ///     client.shutdown().await?;
    ///     let mut body = Vec::new();
    ///     assert_eq!(server.read_to_end(&mut body).await?, 14);
    ///     assert_eq!(body, b"the whole body");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.inner.read_to_end(buf).await
    }

    /// Tries a read without waiting: `WouldBlock` if nothing is there now
    /// (which clears the readiness, so [`readable`](UnixStream::readable) waits for
    /// new data).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     let mut buf = [0; 8];
    ///     let err = server.try_read(&mut buf).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     client.write_all(b"now").await?;
    ///     server.readable().await?;
    ///     assert_eq!(server.try_read(&mut buf)?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read(buf)
    }

    /// Tries a write without waiting: `WouldBlock` if the send buffer is full
    /// (which clears the readiness, so [`writable`](UnixStream::writable) waits for
    /// room).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.writable().await?;
    ///     let n = client.try_write(b"quick")?;
    ///     let mut buf = [0; 5];
    ///     server.read_exact(&mut buf[..n]).await?;
    ///     assert_eq!(&buf[..n], &b"quick"[..n]);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write(buf)
    }

    /// Closes the write side: the peer reads end of stream, while this side
    /// can still read. Completes at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     client.shutdown().await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(server.read(&mut buf).await?, 0, "end of stream");
    ///     server.write_all(b"!").await?; // the other direction still works
    ///     client.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"!");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn shutdown(&self) -> io::Result<()> {
        self.inner.shutdown_write()
    }

    /// The socket's pending error (`SO_ERROR`), clearing it.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     assert!(client.take_error()?.is_none());
    ///     assert!(server.take_error()?.is_none());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Borrows the stream as a read half and a write half, for code that
    /// wants two values (each implements futures-io's `AsyncRead` or
    /// `AsyncWrite`); both can also be done through `&self`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_io::{AsyncRead, AsyncWrite};
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     let mut server = server;
    ///     let (mut read_half, mut write_half) = server.split();
    ///     client.write_all(b"in").await?;
    ///     let mut buf = [0; 2];
    ///     let n = poll_fn(|cx| Pin::new(&mut read_half).poll_read(cx, &mut buf)).await?;
    ///     poll_fn(|cx| Pin::new(&mut write_half).poll_write(cx, &buf[..n])).await?;
    ///     client.read_exact(&mut buf[..n]).await?;
    ///     assert_eq!(&buf[..n], &b"in"[..n]);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_, UnixStream>, WriteHalf<'_, UnixStream>) {
        split::split(self)
    }

    /// Splits the stream into owned halves that can move into two tasks.
    /// Dropping the write half shuts the write side down;
    /// [`reunite`](crate::net::OwnedReadHalf::reunite) puts them back together.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::unix::UnixStream;
    ///
    /// evloop::block_on(async {
    ///     let (client, server) = UnixStream::pair()?;
    ///
    ///     let (read_half, write_half) = server.into_split();
    ///     let server = read_half.reunite(write_half).expect("halves of one stream");
    ///     let (_read_half, write_half) = server.into_split();
    ///     drop(write_half); // shuts the write side down
    ///     let mut buf = [0; 1];
    ///     assert_eq!(client.read(&mut buf).await?, 0, "end of stream");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf<UnixStream>, OwnedWriteHalf<UnixStream>) {
        split::into_split(self)
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        socket::fmt_socket(f, "UnixStream", self.local_addr(), Some(self.peer_addr()))
    }
}

impl_fd!(UnixStream, inner);

impl HalfStream for UnixStream {
    fn poll_read_half(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
    fn poll_write_half(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }
    fn poll_write_vectored_half(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored(cx, bufs)
    }
    fn shutdown_write(&self) -> io::Result<()> {
        self.inner.shutdown_write()
    }
}

impl futures_io::AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
}

impl futures_io::AsyncRead for &UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
}

impl futures_io::AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored(cx, bufs)
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered in user space.
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.inner.shutdown_write())
    }
}

impl futures_io::AsyncWrite for &UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored(cx, bufs)
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.inner.shutdown_write())
    }
}
