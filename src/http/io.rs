//! The byte streams a connection runs on: the [`Io`] trait and its boxed
//! form [`BoxIo`].
//!
//! The rest of the client sees a connection only as a `BoxIo`, so plain
//! TCP, TLS over TCP (`tls.rs` implements `Io` for it) and the in-memory
//! streams of the unit tests go through the same code. A leaf module: it
//! imports no other part of the client.

use std::pin::Pin;

use futures_io::{AsyncRead, AsyncWrite};

/// A byte stream a connection can run on.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin {
    /// Whether this idle stream can no longer carry a request: the peer
    /// closed it, it failed, or it holds bytes nobody asked for.
    ///
    /// The default tries one read with a waker nobody watches. For a socket
    /// that is not enough: its read answers from the reactor's readiness,
    /// which has not seen a close that arrived since the loop last polled
    /// mio, so sockets override this with a question to the kernel.
    fn is_stale(&mut self) -> bool {
        let waker = futures_task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        let mut byte = [0; 1];
        !Pin::new(self).poll_read(&mut cx, &mut byte).is_pending()
    }
}

impl Io for crate::net::TcpStream {
    fn is_stale(&mut self) -> bool {
        self.peer_closed_or_sent()
    }
}

impl Io for BoxIo {
    fn is_stale(&mut self) -> bool {
        (**self).is_stale()
    }
}

/// A connected stream, whatever its transport.
pub(crate) type BoxIo = Box<dyn Io>;
