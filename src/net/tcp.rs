//! TCP: [`TcpListener`], [`TcpStream`] and [`TcpSocket`] for options set
//! before `bind` or `connect`.

use std::fmt;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::addr::{resolve, try_each, ToSocketAddrs};
use super::socket::{self, impl_fd, sealed::Listener, Incoming};
use super::split::{self, sealed::HalfStream, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::stream::StreamSocket;
use crate::io::IoSource;
use crate::runtime::context;
use crate::runtime::reactor::Direction;

/// The listen backlog: how many finished handshakes the kernel queues
/// before `accept` takes them (Linux caps it at `somaxconn`).
const BACKLOG: i32 = 1024;

/// A TCP socket waiting for connections.
///
/// # Examples
///
/// An echo server answering one client:
///
/// ```
/// use evloop::net::{TcpListener, TcpStream};
///
/// evloop::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     evloop::spawn(async move {
///         let (stream, _) = listener.accept().await?;
///         let mut buf = [0; 5];
///         stream.read_exact(&mut buf).await?;
///         stream.write_all(&buf).await
///     });
///     let client = TcpStream::connect(addr).await?;
///     client.write_all(b"hello").await?;
///     let mut back = [0; 5];
///     client.read_exact(&mut back).await?;
///     assert_eq!(&back, b"hello");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpListener {
    io: IoSource<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (the first of its addresses that works), with
    /// `SO_REUSEADDR` set and a backlog of 1024. Port 0 picks a free port;
    /// [`local_addr`](TcpListener::local_addr) tells which.
    ///
    /// # Errors
    ///
    /// Resolution failures, and the OS's refusal (address in use,
    /// permission denied) for every address.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let addrs = resolve(&addr).await?;
        try_each(addrs, |addr| async move {
            let socket = TcpSocket::for_addr(addr)?;
            socket.set_reuseaddr(true)?;
            socket.bind(addr)?;
            socket.listen(BACKLOG as u32)
        })
        .await
    }

    /// Takes a std listener (bound and listening) into the runtime; it is
    /// switched to non-blocking mode.
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if registration with the poller fails.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: socket::from_std(listener)?,
        })
    }

    /// Gives the socket back as a std listener, still in non-blocking mode.
    ///
    /// # Errors
    ///
    /// If deregistering from the poller fails.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        socket::into_std(self.io)
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// Cancel safe: a dropped `accept` loses no connection.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection (the building block of [`accept`](TcpListener::accept)).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io
            .poll_io(Direction::Read, cx, |l| l.accept())
            .map(|r| r.and_then(|(s, a)| Ok((TcpStream::from_mio(s)?, a))))
    }

    /// A `Stream` of incoming connections (never ends; errors are items).
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming::new(self)
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets the IP time-to-live of accepted connections' packets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        socket::fmt_socket(f, "TcpListener", self.local_addr(), None)
    }
}

impl_fd!(TcpListener, io);

impl Listener for TcpListener {
    type Stream = TcpStream;

    fn poll_accept_stream(&self, cx: &mut Context<'_>) -> Poll<io::Result<TcpStream>> {
        self.poll_accept(cx).map_ok(|(stream, _)| stream)
    }
}

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
/// See [`TcpListener`] for an example.
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

    fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
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
    pub async fn read_exact(&self, buf: &mut [u8]) -> io::Result<()> {
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

/// A TCP socket not yet bound or connected, for options that must be set
/// before: `SO_REUSEPORT`, buffer sizes, a local address for an outgoing
/// connection.
///
/// # Examples
///
/// Two listeners sharing one port (`SO_REUSEPORT`, Linux and the BSDs):
///
/// ```
/// use evloop::net::TcpSocket;
///
/// evloop::block_on(async {
///     let first = TcpSocket::new_v4()?;
///     first.set_reuseport(true)?;
///     first.bind("127.0.0.1:0".parse().unwrap())?;
///     let first = first.listen(1024)?;
///     let second = TcpSocket::new_v4()?;
///     second.set_reuseport(true)?;
///     second.bind(first.local_addr()?)?;
///     let _second = second.listen(1024)?;
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpSocket {
    socket: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket.
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket.
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    fn for_addr(addr: SocketAddr) -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::for_address(addr))
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let socket = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        Ok(TcpSocket { socket })
    }

    /// Sets `SO_REUSEADDR`: a listener may bind a port that still has
    /// connections in `TIME_WAIT`.
    pub fn set_reuseaddr(&self, reuse: bool) -> io::Result<()> {
        self.socket.set_reuse_address(reuse)
    }

    /// Sets `SO_REUSEPORT`: several sockets may bind the same port, and the
    /// kernel spreads connections among them.
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    pub fn set_reuseport(&self, reuse: bool) -> io::Result<()> {
        self.socket.set_reuse_port(reuse)
    }

    /// Sets the kernel's send buffer size (`SO_SNDBUF`).
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.socket.set_send_buffer_size(size as usize)
    }

    /// Sets the kernel's receive buffer size (`SO_RCVBUF`).
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.socket.set_recv_buffer_size(size as usize)
    }

    /// Sets `TCP_NODELAY` before connecting.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.socket.set_tcp_nodelay(nodelay)
    }

    /// Binds to a local address.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.socket.bind(&addr.into())
    }

    /// The bound local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))
    }

    /// Starts listening, with room for `backlog` pending handshakes.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        // The runtime first: no port listens for a moment before a panic.
        let core = context::expect_current("TcpSocket::listen");
        self.socket.listen(backlog.min(i32::MAX as u32) as i32)?;
        let std: std::net::TcpListener = self.socket.into();
        Ok(TcpListener {
            io: IoSource::register(core, mio::net::TcpListener::from_std(std))?,
        })
    }

    /// Connects to `addr`: starts a non-blocking connect, waits until the
    /// socket is writable, then reads `SO_ERROR` to learn the outcome.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        // The runtime first: no handshake for a stream a panic then drops.
        drop(context::expect_current("TcpSocket::connect"));
        match self.socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc_einprogress()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        let std: std::net::TcpStream = self.socket.into();
        let stream = TcpStream::from_mio(mio::net::TcpStream::from_std(std))?;
        std::future::poll_fn(|cx| stream.poll_connected(cx)).await?;
        Ok(stream)
    }
}

impl TcpStream {
    /// Ready when a connect in progress has finished, either way.
    fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
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

/// `EINPROGRESS`: a non-blocking connect has started (115 on Linux, 36 on
/// the BSDs and macOS). std has no `ErrorKind` for it.
fn libc_einprogress() -> i32 {
    if cfg!(any(target_os = "linux", target_os = "android")) {
        115
    } else {
        36
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        socket::fmt_socket(f, "TcpSocket", self.local_addr(), None)
    }
}

impl_fd!(TcpSocket, socket);
