//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`].
//!
//! The same shape as the TCP and UDP types, with filesystem paths (or
//! unnamed sockets) as addresses. Binding needs no name resolution, so
//! `bind` is not async.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::stream::{stream_api, ReadAhead};
use crate::io::IoSource;
use crate::runtime::context;
use crate::runtime::io_driver::Direction;

/// A Unix socket waiting for connections.
///
/// # Examples
///
/// ```
/// use evloop::net::unix::{UnixListener, UnixStream};
///
/// let dir = std::env::temp_dir().join(format!("evloop-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("echo.sock");
/// # let _ = std::fs::remove_file(&path);
/// evloop::block_on(async {
///     let listener = UnixListener::bind(&path)?;
///     let client = UnixStream::connect(&path).await?;
///     let (server, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok::<(), std::io::Error>(())
/// })?;
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixListener {
    io: IoSource<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` and listens. The path must not exist yet.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        // The runtime first: binding creates the socket file, which a panic
        // after it would leave behind.
        let core = context::expect_current("UnixListener::bind");
        let listener = mio::net::UnixListener::bind(path)?;
        Ok(UnixListener {
            io: IoSource::register(core, listener)?,
        })
    }

    /// Takes a std listener into the runtime (switching it to non-blocking).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if registration fails.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: IoSource::try_new(mio::net::UnixListener::from_std(listener))?,
        })
    }

    /// Gives the socket back as a std listener, still non-blocking.
    ///
    /// # Errors
    ///
    /// If deregistering from the poller fails.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        let mio = self.io.into_inner()?;
        Ok(std::os::fd::OwnedFd::from(mio).into())
    }

    /// Waits for a connection. Cancel safe.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.io
            .poll_io(Direction::Read, cx, |l| l.accept())
            .map(|r| r.and_then(|(s, a)| Ok((UnixStream::from_mio(s)?, a))))
    }

    /// A `Stream` of incoming connections.
    pub fn incoming(&self) -> UnixIncoming<'_> {
        UnixIncoming { listener: self }
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// The connections a [`UnixListener`] accepts, as a `Stream`.
#[derive(Debug)]
pub struct UnixIncoming<'a> {
    listener: &'a UnixListener,
}

impl Stream for UnixIncoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|r| Some(r.map(|(stream, _)| stream)))
    }
}

/// A Unix stream connection, with the same reading and writing methods as
/// [`TcpStream`](crate::net::TcpStream).
pub struct UnixStream {
    io: IoSource<mio::net::UnixStream>,
    /// Bytes read ahead by small reads (see the `stream` module).
    ahead: RefCell<ReadAhead>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
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

    fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: IoSource::new(stream, "a UnixStream")?,
            ahead: RefCell::default(),
        })
    }

    /// Takes a connected std stream into the runtime (non-blocking).
    ///
    /// # Errors
    ///
    /// Outside a runtime, or if registration fails.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: IoSource::try_new(mio::net::UnixStream::from_std(stream))?,
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
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        crate::net::stream::check_nothing_read_ahead(&self.ahead.borrow())?;
        let mio = self.io.into_inner()?;
        Ok(std::os::fd::OwnedFd::from(mio).into())
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

stream_api!(UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

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
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}
