//! [`TcpListener`]: a TCP socket that accepts connections.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use super::{TcpSocket, TcpStream};
use crate::io::IoSource;
use crate::net::addr::{resolve, try_each, ToSocketAddrs};
use crate::net::socket::{self, impl_fd, sealed::Listener, Incoming};
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
    pub(super) io: IoSource<mio::net::TcpListener>,
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
