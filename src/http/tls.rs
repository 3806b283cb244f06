//! HTTPS: rustls (with the `ring` provider) over a TCP stream, through
//! futures-rustls. Only built with the `tls` feature.
//!
//! Roots are Mozilla's (webpki-roots, compiled in, so no system store is
//! read) plus any added with
//! [`ClientBuilder::add_root_certificate`](super::ClientBuilder::add_root_certificate).

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;

use futures_io::AsyncRead;
use futures_rustls::rustls::pki_types::pem::PemObject;
use futures_rustls::rustls::pki_types::{CertificateDer, ServerName};
use futures_rustls::rustls::{self, ClientConfig, RootCertStore};
use futures_rustls::TlsConnector;

use super::error::{Error, Kind};
use super::io::{BoxIo, Io};
use super::Url;

/// A root certificate to trust, besides (or instead of) the built-in ones.
///
/// # Examples
///
/// ```no_run
/// let pem = std::fs::read("ca.pem")?;
/// let client = evloop::http::Client::builder()
///     .add_root_certificate(evloop::http::Certificate::from_pem(&pem)?)
///     .build()?;
/// # drop(client);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
#[derive(Clone)]
pub struct Certificate {
    der: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("count", &self.der.len())
            .finish()
    }
}

impl Certificate {
    /// Every certificate in a PEM file (a single CA or a bundle).
    ///
    /// # Errors
    ///
    /// An [`is_builder`](Error::is_builder) error if the PEM is malformed or
    /// holds no certificate.
    pub fn from_pem(pem: &[u8]) -> Result<Certificate, Error> {
        let der = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::builder(format!("invalid PEM certificate: {e}")))?;
        if der.is_empty() {
            return Err(Error::builder("no certificate in PEM input"));
        }
        Ok(Certificate { der })
    }

    /// One DER-encoded certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate, Error> {
        Ok(Certificate {
            der: vec![CertificateDer::from(der.to_vec())],
        })
    }
}

/// TLS: plaintext rustls already holds, else whatever the socket holds (a
/// `close_notify` alert and FIN are bytes, then EOF, on the socket).
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

/// The client's TLS settings, built once and shared by every handshake.
#[derive(Clone)]
pub(crate) struct TlsConfig {
    connector: TlsConnector,
}

impl TlsConfig {
    pub(crate) fn new(
        extra_roots: &[Certificate],
        built_in_roots: bool,
    ) -> Result<TlsConfig, Error> {
        let mut roots = RootCertStore::empty();
        if built_in_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for cert in extra_roots {
            for der in &cert.der {
                roots
                    .add(der.clone())
                    .map_err(|e| Error::new(Kind::Builder, Some(e)))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::new(Kind::Builder, Some(e)))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        // We speak HTTP/1.1 only; say so, so that a server never picks h2.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig {
            connector: TlsConnector::from(Arc::new(config)),
        })
    }

    /// Runs the TLS handshake for `url`'s host over `tcp`.
    pub(crate) async fn handshake<S: Io + 'static>(
        &self,
        url: &Url,
        tcp: S,
    ) -> Result<BoxIo, Error> {
        let name = ServerName::try_from(url.host_unbracketed().to_owned())
            .map_err(|e| Error::new(Kind::Tls, Some(e)))?;
        let stream = self
            .connector
            .connect(name, tcp)
            .await
            .map_err(|e| Error::new(Kind::Tls, Some(e)))?;
        Ok(Box::new(stream))
    }
}
