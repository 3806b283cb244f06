//! [`TcpStream`]: a TCP connection, a thin wrapper around the generic
//! stream socket of `net/stream.rs`, plus TCP's own options.

use std::fmt;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use socket2::SockRef;

use super::TcpSocket;
use crate::net::addr::{resolve, try_each, ToSocketAddrs};
use crate::net::socket::{self, impl_fd};
use crate::net::split::{
    self, sealed::HalfStream, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf,
};
use crate::net::stream::StreamSocket;
use crate::runtime::io_driver::Direction;

/// A TCP connection.
///
/// Reads and writes take `&self`, so one task can read while another
/// writes (share it through an `Rc`, or use [`into_split`](TcpStream::into_split)).
/// It implements futures-io's `AsyncRead` and `AsyncWrite`, for itself and
/// for `&TcpStream`, and `AsFd` / `AsRawFd`. Like every evloop socket it
/// belongs to the runtime that created it and is not `Send`.
///
/// The reading and writing code is shared with
/// [`UnixStream`](crate::net::unix::UnixStream): both wrap one generic
/// stream socket (`src/net/stream.rs`), which keeps the readiness rules of
/// the `io` module in one place.
///
/// See [`TcpListener`](super::TcpListener) for an example.
pub struct TcpStream {
    inner: StreamSocket<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`: resolves it (names on the blocking pool), then
    /// tries each address in order until one accepts. To bound the time it
    /// may take, wrap it in [`time::timeout`](crate::time::timeout).
    ///
    /// # Errors
    ///
    /// Resolution failures, or the last address's error (for example
    /// `ConnectionRefused`).
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::{net::TcpStream, time::timeout};
    ///
    /// evloop::block_on(async {
    ///     // Nobody listens on a port we just freed: refused, not hung.
    ///     let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    ///     let attempt = timeout(Duration::from_secs(5), TcpStream::connect(("127.0.0.1", port))).await;
    ///     assert_eq!(attempt.unwrap().unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let addrs = resolve(&addr).await?;
        try_each(addrs, |addr| async move {
            TcpSocket::for_addr(addr)?.connect(addr).await
        })
        .await
    }

    pub(super) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            inner: StreamSocket::new(stream, "a TcpStream")?,
        })
    }

    /// Takes a connected std stream into the runtime; it is switched to
    /// non-blocking mode.
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if registration with the poller fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::TcpStream;
    ///
    /// evloop::block_on(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let stream = TcpStream::from_std(std_stream)?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///
    ///     let mut std_client = client.into_std()?;
    ///     std_client.write_all(b"from std")?;
    ///     let mut buf = [0; 8];
    ///     server.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"from std");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        socket::into_std(self.inner.into_io()?)
    }

    /// Reads into `buf` without removing the data from the socket: the next
    /// read sees it again. Waits until data (or end of stream) is there.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///
    ///     client.write_all(b"hello").await?;
    ///     let mut first = [0; 5];
    ///     let n = server.peek(&mut first).await?;
    ///     let mut again = [0; 5];
    ///     server.read_exact(&mut again[..n]).await?;
    ///     assert_eq!(first[..n], again[..n]);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.peek_with(buf, |s, buf| s.peek(buf)).await
    }

    /// Whether the peer closed the connection, it failed, or it holds
    /// bytes not read yet, asked of the kernel now (a non-blocking peek),
    /// not of the reactor's readiness: that one is only as fresh as the
    /// loop's last poll of mio, and a close that arrived since is not in it.
    /// The HTTP pool asks this before reusing a connection for a request it
    /// could not safely send twice.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn peer_closed_or_sent(&self) -> bool {
        if self.inner.has_read_ahead() {
            return true;
        }
        let mut byte = [0; 1];
        loop {
            match self.inner.get_ref().peek(&mut byte) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Ok(0): closed; Ok(_): unasked bytes; Err(_): failed.
                _ => return true,
            }
        }
    }

    /// Sets `TCP_NODELAY`: send small writes at once instead of waiting to
    /// coalesce them (Nagle's algorithm). Request/response protocols want it.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_nodelay(true)?;
    ///     assert!(stream.nodelay()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(!stream.nodelay()?, "Nagle's algorithm is on by default");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.get_ref().nodelay()
    }

    /// Sets `SO_KEEPALIVE`: the OS probes an idle connection and reports a
    /// dead peer as an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_keepalive(true)?;
    ///     assert!(stream.keepalive()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        SockRef::from(self).set_keepalive(keepalive)
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(!stream.keepalive()?, "off by default");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        SockRef::from(self).keepalive()
    }

    /// Sets `SO_LINGER` (`None` turns it off; `Some(ZERO)` makes close send
    /// a reset).
    ///
    /// # Examples
    ///
    /// Closing with a reset instead of an orderly end of stream:
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///
    ///     client.set_linger(Some(Duration::ZERO))?;
    ///     drop(client);
    ///     let mut buf = [0; 1];
    ///     let err = server.read(&mut buf).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_linger(&self, linger: Option<std::time::Duration>) -> io::Result<()> {
        SockRef::from(self).set_linger(linger)
    }

    /// Sets the IP time-to-live of this connection's packets.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_ttl(42)?;
    ///     assert_eq!(stream.ttl()?, 42);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(stream.ttl()? > 0);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// The remote address.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     assert_eq!(client.peer_addr()?, listener.local_addr()?);
    ///     assert_eq!(server.peer_addr()?, client.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(client.local_addr()?.ip().is_loopback());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    // The reading and writing API, shared with UnixStream through StreamSocket.

    /// Ready when the socket may be readable (a read may still find nothing:
    /// then it clears the readiness and waits again), or when bytes read ahead
    /// are waiting to be taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// [`try_read`](TcpStream::try_read), which clears the readiness when it finds
    /// nothing after all.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// [`try_write`](TcpStream::try_write), which clears the readiness when the send
    /// buffer is full after all.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// [`read`](TcpStream::read) and of the `AsyncRead` impls.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// the kernel took. The building block of [`write`](TcpStream::write) and of the
    /// `AsyncWrite` impls.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// many bytes it took (use [`write_all`](TcpStream::write_all) for all of them).
    ///
    /// Cancel safe: if dropped before completion, nothing was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// (which clears the readiness, so [`readable`](TcpStream::readable) waits for
    /// new data).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// (which clears the readiness, so [`writable`](TcpStream::writable) waits for
    /// room).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    pub fn split(&mut self) -> (ReadHalf<'_, TcpStream>, WriteHalf<'_, TcpStream>) {
        split::split(self)
    }

    /// Splits the stream into owned halves that can move into two tasks.
    /// Dropping the write half shuts the write side down;
    /// [`reunite`](crate::net::OwnedReadHalf::reunite) puts them back together.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
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
    pub fn into_split(self) -> (OwnedReadHalf<TcpStream>, OwnedWriteHalf<TcpStream>) {
        split::into_split(self)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        socket::fmt_socket(f, "TcpStream", self.local_addr(), Some(self.peer_addr()))
    }
}

impl_fd!(TcpStream, inner);

impl HalfStream for TcpStream {
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

impl futures_io::AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
}

impl futures_io::AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read(cx, buf)
    }
}

impl futures_io::AsyncWrite for TcpStream {
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

impl futures_io::AsyncWrite for &TcpStream {
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

impl TcpStream {
    /// Ready when a connect in progress has finished, either way.
    pub(super) fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let io = self.inner.io();
            std::task::ready!(io.poll_ready(Direction::Write, cx))?;
            if let Some(e) = self.take_error()? {
                return Poll::Ready(Err(e));
            }
            match self.peer_addr() {
                Ok(_) => return Poll::Ready(Ok(())),
                // Woken before the handshake ended: wait for the next edge.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    io.clear_ready(Direction::Write)
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}
