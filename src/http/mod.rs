//! A small HTTP/1.1 client: [`Client`], [`RequestBuilder`], [`Response`],
//! [`Error`], with reqwest's names so code ports by changing imports.
//!
//! # A tour of one request
//!
//! 1. **The URL** is parsed by [`Url`]: `http` or `https`, a host name or
//!    address, a port, and a path and query kept exactly as written.
//! 2. **A connection** comes from the client's pool if an idle one to the
//!    same scheme, host and port is there; otherwise the host is resolved on
//!    the blocking pool and a TCP connection opened (then TLS, for `https`,
//!    with the `tls` feature).
//! 3. **The request head** is written with the body in one write. Header
//!    names and values are the `http` crate's types, which cannot hold CR or
//!    LF, so nothing a caller passes can split the head.
//! 4. **The response head** is parsed by httparse out of a buffer bounded at
//!    64 KiB and 100 fields; `100 Continue` and other 1xx are skipped.
//! 5. **The body** is read on demand, decoded from `Content-Length`,
//!    `chunked` (extensions and trailers allowed) or read-until-close
//!    framing. Once it was read to the end the connection returns to the
//!    pool; a response dropped before that closes it. Idle connections are
//!    closed when they pass [`ClientBuilder::pool_idle_timeout`] (a task on
//!    the runtime sleeps until the earliest expiry), and are reused only in
//!    the runtime that opened them.
//! 6. **Redirects** (301, 302, 303 become GET; 307, 308 repeat the request)
//!    are followed up to [`ClientBuilder::max_redirects`]; credentials do not
//!    follow a redirect to another origin, and a redirect from `https` to
//!    `http` is an error unless [`ClientBuilder::redirect_https_to_http`]
//!    allows it (it would send headers and body in plaintext).
//!
//! A request that fails on a reused connection before any response byte
//! arrived (the server closed it while idle) is sent again, once, on a new
//! connection, if its method is idempotent. Timeouts cover everything:
//! [`ClientBuilder::connect_timeout`] the DNS lookup, connect and handshake;
//! [`ClientBuilder::timeout`] (or [`RequestBuilder::timeout`]) the whole
//! request, body included.
//!
//! # Example
//!
//! A server on the same loop answers once, so the example needs no network:
//!
//! ```
//! use evloop::http::{Client, StatusCode};
//! use evloop::net::TcpListener;
//!
//! evloop::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let url = format!("http://{}/hello", listener.local_addr()?);
//!     evloop::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let (mut head, mut buf) = (Vec::new(), [0; 1024]);
//!         while !head.ends_with(b"\r\n\r\n") {
//!             let n = stream.read(&mut buf).await.unwrap();
//!             head.extend_from_slice(&buf[..n]);
//!         }
//!         let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
//!         stream.write_all(answer).await.unwrap();
//!     });
//!
//!     let client = Client::new();
//!     let response = client.get(&url).send().await?;
//!     assert_eq!(response.status(), StatusCode::OK);
//!     assert_eq!(response.text().await?, "hello");
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What it does not do
//!
//! HTTP/2, proxies, cookies, compression and request body streaming are not
//! here: the client is meant to be small enough to read.

mod body;
mod client;
mod conn;
mod connect;
mod error;
// Entry points for the cargo-fuzz targets in fuzz/, which are another crate
// and cannot reach the crate-private parser and decoder otherwise. Only
// with the `fuzzing` feature, hidden, and outside the semver promises.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
mod head;
mod io;
mod pool;
mod request;
mod response;
#[cfg(test)]
mod tests;
#[cfg(feature = "tls")]
mod tls;
mod url;

pub use client::{get, Client, ClientBuilder, RequestBuilder};
pub use error::Error;
pub use request::IntoUrl;
pub use response::Response;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use tls::Certificate;
pub use url::{Url, UrlError};

pub use http::header::{self, HeaderMap, HeaderName, HeaderValue};
pub use http::{Method, StatusCode, Version};
