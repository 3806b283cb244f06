//! TCP: [`TcpListener`], [`TcpStream`] and [`TcpSocket`] for options set
//! before `bind` or `connect`.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::addr::{resolve, try_each, ToSocketAddrs};
use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::stream::{stream_api, ReadAhead};
use crate::io::IoSource;
use crate::runtime::context;
use crate::runtime::io_driver::Direction;

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
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: IoSource::try_new(mio::net::TcpListener::from_std(listener))?,
        })
    }

    /// Gives the socket back as a std listener, still in non-blocking mode.
    ///
    /// # Errors
    ///
    /// If deregistering from the poller fails.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        let mio = self.io.into_inner()?;
        Ok(std::net::TcpListener::from(std::os::fd::OwnedFd::from(mio)))
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
        Incoming { listener: self }
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
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// The connections a [`TcpListener`] accepts, as a `Stream`; from
/// [`TcpListener::incoming`].
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|r| Some(r.map(|(stream, _)| stream)))
    }
}

/// A TCP connection.
///
/// Reads and writes take `&self`, so one task can read while another
/// writes (share it through an `Rc`, or use [`into_split`](TcpStream::into_split)).
/// It implements futures-io's `AsyncRead` and `AsyncWrite`, for itself and
/// for `&TcpStream`. Like every evloop socket it belongs to the runtime
/// that created it and is not `Send`.
///
/// See [`TcpListener`] for an example.
pub struct TcpStream {
    io: IoSource<mio::net::TcpStream>,
    /// Bytes read ahead by small reads (see the `stream` module).
    ahead: RefCell<ReadAhead>,
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
            io: IoSource::new(stream, "a TcpStream")?,
            ahead: RefCell::default(),
        })
    }

    /// Takes a connected std stream into the runtime; it is switched to
    /// non-blocking mode.
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if registration with the poller fails.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: IoSource::try_new(mio::net::TcpStream::from_std(stream))?,
            ahead: RefCell::default(),
        })
    }

    /// Gives the socket back as a std stream, still non-blocking.
    ///
    /// # Errors
    ///
    /// If deregistering from the poller fails, or if small reads had read
    /// ahead bytes that were not consumed yet (they would be lost: read
    /// them first).
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        crate::net::stream::check_nothing_read_ahead(&self.ahead.borrow())?;
        let mio = self.io.into_inner()?;
        Ok(std::net::TcpStream::from(std::os::fd::OwnedFd::from(mio)))
    }

    /// Reads into `buf` without removing the data from the socket: the next
    /// read sees it again. Waits until data (or end of stream) is there.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(n) = self.ahead.borrow().peek_into(buf) {
            return Ok(n);
        }
        std::future::poll_fn(|cx| self.io.poll_io(Direction::Read, cx, |s| s.peek(buf))).await
    }

    /// Whether the peer closed the connection, it failed, or it holds
    /// bytes not read yet, asked of the kernel now (a non-blocking peek),
    /// not of the reactor's readiness: that one is only as fresh as the
    /// loop's last poll of mio, and a close that arrived since is not in it.
    /// The HTTP pool asks this before reusing a connection for a request it
    /// could not safely send twice.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn peer_closed_or_sent(&self) -> bool {
        if self.ahead.borrow().len() > 0 {
            return true;
        }
        let mut byte = [0; 1];
        loop {
            match self.io.get_ref().peek(&mut byte) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Ok(0): closed; Ok(_): unasked bytes; Err(_): failed.
                _ => return true,
            }
        }
    }

    /// Sets `TCP_NODELAY`: send small writes at once instead of waiting to
    /// coalesce them (Nagle's algorithm). Request/response protocols want it.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `SO_KEEPALIVE`: the OS probes an idle connection and reports a
    /// dead peer as an error.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_keepalive(keepalive)
    }

    /// Whether `SO_KEEPALIVE` is set.
    pub fn keepalive(&self) -> io::Result<bool> {
        SockRef::from(self.io.get_ref()).keepalive()
    }

    /// Sets `SO_LINGER` (`None` turns it off; `Some(ZERO)` makes close send
    /// a reset).
    pub fn set_linger(&self, linger: Option<std::time::Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// Sets the IP time-to-live of this connection's packets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

stream_api!(TcpStream);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
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
            std::task::ready!(self.io.poll_ready(Direction::Write, cx))?;
            if let Some(e) = self.io.get_ref().take_error()? {
                return Poll::Ready(Err(e));
            }
            match self.io.get_ref().peer_addr() {
                Ok(_) => return Poll::Ready(Ok(())),
                // Woken before the handshake ended: wait for the next edge.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    self.io.clear_ready(Direction::Write)
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
        f.debug_struct("TcpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
