//! [`UnixDatagram`]: a Unix datagram socket.

use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::io::IoSource;
use crate::net::socket::{self, impl_fd};
use crate::runtime::context;
use crate::runtime::io_driver::Direction;

/// A Unix datagram socket.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let (a, b) = evloop::net::unix::UnixDatagram::pair()?;
///     a.send(b"one datagram").await?;
///     let mut buf = [0; 32];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one datagram");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixDatagram {
    io: IoSource<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds to `path`.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        // The runtime first: binding creates the socket file.
        let core = context::expect_current("UnixDatagram::bind");
        let socket = mio::net::UnixDatagram::bind(path)?;
        Ok(UnixDatagram {
            io: IoSource::register(core, socket)?,
        })
    }

    /// A socket with no name (it can still send to named sockets).
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of datagram sockets.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_mio(a)?, UnixDatagram::from_mio(b)?))
    }

    fn from_mio(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: IoSource::new(socket, "a UnixDatagram")?,
        })
    }

    /// Sets the default peer for `send` and `recv`.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends one datagram to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.io.poll_io(Direction::Write, cx, |s| s.send(buf))).await
    }

    /// Receives one datagram from the connected peer. Cancel safe.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.io.poll_io(Direction::Read, cx, |s| s.recv(buf))).await
    }

    /// Sends one datagram to the socket at `path`.
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        std::future::poll_fn(|cx| {
            self.io
                .poll_io(Direction::Write, cx, |s| s.send_to(buf, path))
        })
        .await
    }

    /// Receives one datagram and its sender's address. Cancel safe.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        std::future::poll_fn(|cx| self.io.poll_io(Direction::Read, cx, |s| s.recv_from(buf))).await
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        socket::fmt_socket(f, "UnixDatagram", self.local_addr(), None)
    }
}

impl_fd!(UnixDatagram, io);
