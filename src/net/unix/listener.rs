//! [`UnixListener`]: a Unix socket that accepts connections.

use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use super::UnixStream;
use crate::io::IoSource;
use crate::net::socket::{self, impl_fd, sealed::Listener, Incoming};
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
        Ok(UnixListener {
            io: socket::from_std(listener)?,
        })
    }

    /// Gives the socket back as a std listener, still non-blocking.
    ///
    /// # Errors
    ///
    /// If deregistering from the poller fails.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        socket::into_std(self.io)
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
        Incoming::new(self)
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        socket::fmt_socket(f, "UnixListener", self.local_addr(), None)
    }
}

impl_fd!(UnixListener, io);

impl Listener for UnixListener {
    type Stream = UnixStream;

    fn poll_accept_stream(&self, cx: &mut Context<'_>) -> Poll<io::Result<UnixStream>> {
        self.poll_accept(cx).map_ok(|(stream, _)| stream)
    }
}

/// The connections a [`UnixListener`] accepts, as a `Stream`; from
/// [`UnixListener::incoming`]. The same type as TCP's [`Incoming`], for a
/// `UnixListener`.
pub type UnixIncoming<'a> = Incoming<'a, UnixListener>;
