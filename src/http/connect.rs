//! Opening connections: DNS and TCP through `evloop::net`, then TLS for
//! `https` URLs.
//!
//! The rest of the client sees a connection only as a boxed byte stream
//! ([`BoxIo`]), so plain TCP, TLS over TCP and the in-memory streams of the
//! unit tests go through the same code.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use futures_io::{AsyncRead, AsyncWrite};

use super::error::{Error, Kind};
use super::Url;

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

/// TLS: plaintext rustls already holds, else whatever the socket holds (a
/// `close_notify` alert and FIN are bytes, then EOF, on the socket).
#[cfg(feature = "tls")]
impl<S: Io> Io for futures_rustls::client::TlsStream<S> {
    fn is_stale(&mut self) -> bool {
        let waker = futures_task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        let mut byte = [0; 1];
        !Pin::new(&mut *self)
            .poll_read(&mut cx, &mut byte)
            .is_pending()
            || self.get_mut().0.is_stale()
    }
}

/// A connected stream, whatever its transport.
pub(crate) type BoxIo = Box<dyn Io>;

/// The future a [`Connector`] returns.
pub(crate) type Connecting = Pin<Box<dyn Future<Output = Result<BoxIo, Error>>>>;

/// Opens a connection to a URL's host and port. The client holds one; the
/// unit tests swap in scripted ones.
pub(crate) type Connector = Rc<dyn Fn(&Url) -> Connecting>;

/// The real connector: TCP, then TLS for `https`.
pub(crate) fn default_connector(#[cfg(feature = "tls")] tls: super::tls::TlsConfig) -> Connector {
    Rc::new(move |url: &Url| {
        let url = url.clone();
        #[cfg(feature = "tls")]
        let tls = tls.clone();
        Box::pin(async move {
            let tcp = tcp(&url).await?;
            if url.is_https() {
                #[cfg(feature = "tls")]
                return tls.handshake(&url, tcp).await;
                #[cfg(not(feature = "tls"))]
                return Err(Error::builder("https URLs need evloop's `tls` feature"));
            }
            Ok(Box::new(tcp) as BoxIo)
        })
    })
}

/// Resolves the host (on the blocking pool) and connects, trying each
/// address in turn.
async fn tcp(url: &Url) -> Result<crate::net::TcpStream, Error> {
    let stream = crate::net::TcpStream::connect((url.host_unbracketed(), url.port()))
        .await
        .map_err(|e| Error::new(Kind::Connect, Some(e)))?;
    // Requests are written whole; Nagle would only delay them.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}
