//! [`TcpSocket`]: a TCP socket before `bind` or `connect`, for the
//! options that must be set first.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use super::{TcpListener, TcpStream};
use crate::io::IoSource;
use crate::net::socket::{self, impl_fd};
use crate::runtime::context;

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

    pub(super) fn for_addr(addr: SocketAddr) -> io::Result<TcpSocket> {
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
