//! Opening connections: DNS and TCP through `evloop::net`, then TLS for
//! `https` URLs. What comes out is a [`BoxIo`], whatever the transport.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::error::{Error, Kind};
use super::io::BoxIo;
use super::Url;

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
            // Without TLS, say so before any DNS lookup or connect.
            #[cfg(not(feature = "tls"))]
            if url.is_https() {
                return Err(Error::builder(no_tls_message()));
            }
            let tcp = tcp(&url).await?;
            #[cfg(feature = "tls")]
            if url.is_https() {
                return tls.handshake(&url, tcp).await;
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

/// What an `https` URL without the `tls` feature fails with: the line that
/// turns it on, ready to paste into Cargo.toml.
#[cfg(not(feature = "tls"))]
pub(crate) fn no_tls_message() -> String {
    // "0.1.0" -> "0.1": the requirement a user would write.
    let version = env!("CARGO_PKG_VERSION");
    let version = match version.match_indices('.').nth(1) {
        Some((end, _)) => &version[..end],
        None => version,
    };
    format!(
        "https URLs need evloop's `tls` feature, which this build lacks; in Cargo.toml, \
         under [dependencies]: evloop = {{ version = \"{version}\", features = [\"tls\"] }}"
    )
}
