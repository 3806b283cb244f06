//! [`Error`]: the one error type of the HTTP client.

use std::error::Error as StdError;
use std::fmt;

use http::StatusCode;

use super::Url;

/// Anything that can go wrong with a request, from a bad URL to a body cut
/// short.
///
/// A 4xx or 5xx answer is not an `Error`: it is a [`Response`](super::Response)
/// with that status, unless [`Response::error_for_status`](super::Response::error_for_status)
/// turns it into one. The `is_*` methods say which step failed;
/// [`Display`](fmt::Display) says what failed and for which URL, and
/// [`source`](StdError::source) gives the underlying I/O, TLS or parse error.
///
/// # Examples
///
/// ```
/// let err = evloop::block_on(async {
///     evloop::http::Client::new().get("gopher://example.com/").send().await.unwrap_err()
/// });
/// assert!(err.is_builder());
/// assert_eq!(
///     err.to_string(),
///     "invalid request: unsupported URL scheme `gopher` (only http and https)"
/// );
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    url: Option<Url>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

/// Which step failed; one `is_*` method each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Building the request: a bad URL, header or body.
    Builder,
    /// Resolving the host or connecting to it.
    Connect,
    /// The TLS handshake.
    Tls,
    /// A deadline passed (connect timeout or the request's timeout).
    Timeout,
    /// Writing the request or reading the response head.
    Request,
    /// Reading the body: I/O, framing, truncation or the size limit.
    Body,
    /// Decoding the body as JSON.
    Decode,
    /// Too many redirects, or a redirect without a usable Location.
    Redirect,
    /// `error_for_status` on a 4xx or 5xx response.
    Status(StatusCode),
}

impl Error {
    pub(crate) fn new<E>(kind: Kind, source: Option<E>) -> Error
    where
        E: Into<Box<dyn StdError + Send + Sync>>,
    {
        Error {
            inner: Box::new(Inner {
                kind,
                url: None,
                source: source.map(Into::into),
            }),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.inner.kind
    }

    /// Attaches the URL the failure happened at (first URL wins: it is the
    /// innermost, most precise one).
    pub(crate) fn with_url(mut self, url: &Url) -> Error {
        if self.inner.url.is_none() {
            self.inner.url = Some(url.clone());
        }
        self
    }

    /// The URL of the request that failed (after redirects), if known.
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }

    /// True for a bad URL, header or body: the request was never sent.
    pub fn is_builder(&self) -> bool {
        self.kind() == Kind::Builder
    }

    /// True if resolving the host or connecting to it failed (a connect
    /// timeout is both `is_connect` and `is_timeout`).
    pub fn is_connect(&self) -> bool {
        self.kind() == Kind::Connect || self.is_connect_timeout()
    }

    fn is_connect_timeout(&self) -> bool {
        self.kind() == Kind::Timeout
            && self
                .inner
                .source
                .as_ref()
                .is_some_and(|s| s.downcast_ref::<TimeoutSource>() == Some(&TimeoutSource::Connect))
    }

    /// True if the TLS handshake failed (a bad certificate, an unknown CA,
    /// a protocol mismatch).
    pub fn is_tls(&self) -> bool {
        self.kind() == Kind::Tls
    }

    /// True if a timeout passed: the connect timeout or the whole request's.
    pub fn is_timeout(&self) -> bool {
        self.kind() == Kind::Timeout
    }

    /// True if writing the request or reading the response head failed.
    pub fn is_request(&self) -> bool {
        self.kind() == Kind::Request
    }

    /// True if reading the body failed: I/O, bad framing, a body cut short
    /// or larger than [`max_response_body`](super::ClientBuilder::max_response_body).
    pub fn is_body(&self) -> bool {
        self.kind() == Kind::Body
    }

    /// True if the body was not the JSON that was asked for.
    pub fn is_decode(&self) -> bool {
        self.kind() == Kind::Decode
    }

    /// True if there were too many redirects or one could not be followed.
    pub fn is_redirect(&self) -> bool {
        self.kind() == Kind::Redirect
    }

    /// True if this came from [`Response::error_for_status`](super::Response::error_for_status).
    pub fn is_status(&self) -> bool {
        matches!(self.kind(), Kind::Status(_))
    }

    /// The status, for an error from `error_for_status`.
    pub fn status(&self) -> Option<StatusCode> {
        match self.kind() {
            Kind::Status(status) => Some(status),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind() {
            Kind::Builder => "invalid request",
            Kind::Connect => "cannot connect",
            Kind::Tls => "TLS handshake failed",
            Kind::Timeout => "timed out",
            Kind::Request => "request failed",
            Kind::Body => "reading the response body failed",
            Kind::Decode => "the response body is not the expected JSON",
            Kind::Redirect => "redirect failed",
            Kind::Status(status) => {
                let kind = if status.is_client_error() {
                    "client error"
                } else {
                    "server error"
                };
                return match self.url() {
                    Some(url) => write!(f, "HTTP status {kind} ({status}) for {url}"),
                    None => write!(f, "HTTP status {kind} ({status})"),
                };
            }
        };
        f.write_str(what)?;
        if let Some(url) = self.url() {
            write!(f, " for {url}")?;
        }
        // The cause is part of the message: most programs print only the
        // top error, and "cannot connect" without "connection refused"
        // tells them little. `source()` still returns it for chains.
        if let Some(source) = &self.inner.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("http::Error");
        d.field("kind", &self.inner.kind);
        if let Some(url) = &self.inner.url {
            d.field("url", &url.as_str());
        }
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| &**s as &(dyn StdError + 'static))
    }
}

/// Which deadline passed: the source of a timeout [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeoutSource {
    /// `ClientBuilder::connect_timeout`, during DNS, connect or handshake.
    Connect,
    /// The request's whole timeout.
    Request,
}

impl fmt::Display for TimeoutSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutSource::Connect => "connect timeout elapsed",
            TimeoutSource::Request => "request timeout elapsed",
        })
    }
}

impl StdError for TimeoutSource {}

/// Shorthands for making errors inside the client.
impl Error {
    pub(crate) fn builder<E: Into<Box<dyn StdError + Send + Sync>>>(e: E) -> Error {
        Error::new(Kind::Builder, Some(e))
    }

    pub(crate) fn timeout(which: TimeoutSource) -> Error {
        Error::new(Kind::Timeout, Some(which))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_says_what_and_where_and_why() {
        let url = Url::parse("http://127.0.0.1:1/x").unwrap();
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let err = Error::new(Kind::Connect, Some(io)).with_url(&url);
        assert_eq!(
            err.to_string(),
            "cannot connect for http://127.0.0.1:1/x: connection refused"
        );
        assert!(err.is_connect() && !err.is_timeout());
        let source = err
            .source()
            .unwrap()
            .downcast_ref::<std::io::Error>()
            .unwrap();
        assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);

        let err = Error::timeout(TimeoutSource::Connect).with_url(&url);
        assert!(err.is_connect() && err.is_timeout());
        assert_eq!(
            err.to_string(),
            "timed out for http://127.0.0.1:1/x: connect timeout elapsed"
        );

        let err = Error::new::<Error>(Kind::Status(StatusCode::NOT_FOUND), None).with_url(&url);
        assert_eq!(
            err.to_string(),
            "HTTP status client error (404 Not Found) for http://127.0.0.1:1/x"
        );
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    }
}
