//! [`Response`]: the status and headers at once, the body when asked for.
//!
//! The body is read from the connection on demand (`chunk`, `bytes`,
//! `text`, `json`). Once it was read to the end the connection goes back to
//! the client's pool; a response dropped earlier closes its connection,
//! since the next request could not tell the rest of this body from its own
//! answer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

use http::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE};
use http::{StatusCode, Version};

use super::body::Decoder;
use super::conn::ReadBodyError;
use super::error::{Error, Kind, TimeoutSource};
use super::head::ResponseHead;
use super::pool::Pooled;
use super::Url;
use crate::time::{timeout_at, Instant};

/// A response: status, headers, and a body still on the connection.
///
/// # Examples
///
/// ```
/// # fn serve(reply: &'static [u8]) -> String {
/// #     use std::io::{BufRead, BufReader, Write};
/// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// #     let url = format!("http://{}/", listener.local_addr().unwrap());
/// #     std::thread::spawn(move || {
/// #         let (stream, _) = listener.accept().unwrap();
/// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
/// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
/// #         (&stream).write_all(reply).unwrap();
/// #     });
/// #     url
/// # }
/// evloop::block_on(async {
///     let url = serve(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
///     let response = evloop::http::get(&url).await?;
///     println!("{} {:?}", response.status(), response.header("content-type"));
///     let mut response = response.error_for_status()?;
///     while let Some(piece) = response.chunk().await? {
///         println!("{} bytes", piece.len());
///     }
///     Ok::<(), evloop::http::Error>(())
/// })?;
/// # Ok::<(), evloop::http::Error>(())
/// ```
pub struct Response {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    /// The URL this response came from, after redirects.
    url: Url,
    body: Body,
    /// The largest body `bytes`, `text` and `json` accept.
    max_body: u64,
}

/// Where the body is.
enum Body {
    /// Still on the connection.
    Streaming(Box<Streaming>),
    /// Read to the end (or there was none); the connection went back to
    /// the pool or was closed.
    Done,
}

/// A body being read.
struct Streaming {
    /// The connection, which knows where it goes once the body is read.
    conn: Pooled,
    decoder: Decoder,
    /// The request's deadline, which covers the body too.
    deadline: Option<Instant>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("url", &self.url.as_str())
            .field("status", &self.status)
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish()
    }
}

impl Response {
    pub(crate) fn new(
        head: ResponseHead,
        url: Url,
        conn: Pooled,
        decoder: Decoder,
        deadline: Option<Instant>,
        max_body: u64,
    ) -> Response {
        let mut response = Response {
            status: head.status,
            version: head.version,
            headers: head.headers,
            url,
            body: Body::Streaming(Box::new(Streaming {
                conn,
                decoder,
                deadline,
            })),
            max_body,
        };
        // No body (HEAD, 204, 304, length 0): the connection is free now.
        response.finish_if_done();
        response
    }

    /// The status code.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    ///     let response = evloop::http::get(&url).await?;
    ///     assert_eq!(response.status(), evloop::http::StatusCode::NOT_FOUND);
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The HTTP version the server answered with.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    ///     let response = evloop::http::get(&url).await?;
    ///     assert_eq!(response.version(), evloop::http::Version::HTTP_10);
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn version(&self) -> Version {
        self.version
    }

    /// The header fields.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nVary: a\r\nVary: b\r\nContent-Length: 0\r\n\r\n");
    ///     let response = evloop::http::get(&url).await?;
    ///     let vary: Vec<_> = response.headers().get_all("vary").iter().collect();
    ///     assert_eq!(vary, ["a", "b"]);
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of header `name`, if it is present and visible
    /// ASCII. Names are case-insensitive.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
    ///     let response = evloop::http::get(&url).await?;
    ///     assert_eq!(response.header("Content-Type"), Some("text/plain"));
    ///     assert_eq!(response.header("etag"), None);
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The URL the response came from, after redirects.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    ///     let response = evloop::http::get(&url).await?;
    ///     assert_eq!(response.url().as_str(), url);
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The body's length from `Content-Length`, if the server sent one (and
    /// the response has a body: not for HEAD, 204 and 304).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    ///     let response = evloop::http::get(&url).await?;
    ///     assert_eq!(response.content_length(), Some(2));
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn content_length(&self) -> Option<u64> {
        let value = self.headers.get(CONTENT_LENGTH)?.to_str().ok()?;
        value.trim().parse().ok()
    }

    /// The response itself for a 1xx, 2xx or 3xx status; an
    /// [`is_status`](Error::is_status) error for a 4xx or 5xx.
    ///
    /// # Errors
    ///
    /// The status as an [`Error`] carrying the URL.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    ///     let response = evloop::http::get(&url).await?;
    ///     let err = response.error_for_status().unwrap_err();
    ///     assert_eq!(err.status(), Some(evloop::http::StatusCode::SERVICE_UNAVAILABLE));
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn error_for_status(self) -> Result<Response, Error> {
        if self.status.is_client_error() || self.status.is_server_error() {
            Err(Error::new::<Error>(Kind::Status(self.status), None).with_url(&self.url))
        } else {
            Ok(self)
        }
    }

    /// The next piece of the body as it arrives, or `None` at its end.
    /// Pieces are not limited by [`max_response_body`](super::ClientBuilder::max_response_body).
    ///
    /// # Errors
    ///
    /// An [`is_body`](Error::is_body) error for a broken or truncated body,
    /// [`is_timeout`](Error::is_timeout) if the request's timeout passes.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab,\r\n2\r\ncd\r\n0\r\n\r\n");
    ///     let mut response = evloop::http::get(&url).await?;
    ///     let mut body = Vec::new();
    ///     while let Some(piece) = response.chunk().await? {
    ///         body.extend_from_slice(&piece);
    ///     }
    ///     assert_eq!(body, b"ab,cd");
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let mut piece = Vec::new();
        let more = self.next_into(&mut piece).await?;
        Ok(more.then_some(piece))
    }

    /// Appends the next piece of body to `out`; false at the end.
    async fn next_into(&mut self, out: &mut Vec<u8>) -> Result<bool, Error> {
        let Body::Streaming(streaming) = &mut self.body else {
            return Ok(false);
        };
        // `timeout_at` checks its deadline only when the read is pending;
        // a body that always has bytes ready (an endless stream read with
        // `chunk`) would never be. So check it here too.
        if streaming.deadline.is_some_and(|d| d <= Instant::now()) {
            self.body = Body::Done;
            return Err(Error::timeout(TimeoutSource::Request).with_url(&self.url));
        }
        let read = streaming
            .conn
            .conn
            .read_body_into(&mut streaming.decoder, out);
        let result = match streaming.deadline {
            None => read.await,
            Some(deadline) => match timeout_at(deadline, read).await {
                Ok(result) => result,
                Err(_) => {
                    self.body = Body::Done;
                    return Err(Error::timeout(TimeoutSource::Request).with_url(&self.url));
                }
            },
        };
        match result {
            Ok(more) => {
                self.finish_if_done();
                Ok(more)
            }
            Err(e) => {
                // Drop the connection: its stream position is unknown.
                self.body = Body::Done;
                let source: Box<dyn std::error::Error + Send + Sync> = match e {
                    ReadBodyError::Io(e) => Box::new(e),
                    ReadBodyError::Body(e) => Box::new(e),
                };
                Err(Error::new(Kind::Body, Some(source)).with_url(&self.url))
            }
        }
    }

    /// If the body was read to the end, lets the connection go (back to
    /// its pool when it can be reused) and marks the body done.
    fn finish_if_done(&mut self) {
        let Body::Streaming(streaming) = &self.body else {
            return;
        };
        if !streaming.decoder.is_done() {
            return;
        }
        let Body::Streaming(streaming) = std::mem::replace(&mut self.body, Body::Done) else {
            unreachable!("checked above");
        };
        streaming.conn.release();
    }

    /// The whole body, up to the client's `max_response_body`, as
    /// [`Bytes`] (reqwest's type; `Vec::from` or `to_vec` makes it a
    /// `Vec<u8>`, without a copy for the first).
    ///
    /// # Errors
    ///
    /// As for [`chunk`](Response::chunk), and an [`is_body`](Error::is_body)
    /// error if the body is longer than the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n\x01\x02\x03");
    ///     let body = evloop::http::get(&url).await?.bytes().await?;
    ///     assert_eq!(body, [1, 2, 3][..]);
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        self.read_to_end(self.max_body).await.map(Bytes::from)
    }

    /// The body as a [`Stream`] of pieces as they arrive (what
    /// [`chunk`](Response::chunk) returns, one after another), not limited
    /// by `max_response_body`. The stream ends after the body's last piece,
    /// or after the first error.
    ///
    /// # Examples
    ///
    /// With no `StreamExt` at hand, `poll_fn` takes one item at a time:
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    ///
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab,\r\n2\r\ncd\r\n0\r\n\r\n");
    ///     let mut stream = evloop::http::get(&url).await?.bytes_stream();
    ///     let mut body = Vec::new();
    ///     while let Some(piece) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
    ///         body.extend_from_slice(&piece?);
    ///     }
    ///     assert_eq!(body, b"ab,cd");
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes, Error>> + Unpin {
        BytesStream {
            next: Some(next_piece(self)),
        }
    }

    /// Reads the rest of the body, failing past `limit` bytes.
    async fn read_to_end(&mut self, limit: u64) -> Result<Vec<u8>, Error> {
        let too_long = |url: &Url| {
            Error::new(
                Kind::Body,
                Some(format!("body longer than the {limit}-byte limit")),
            )
            .with_url(url)
        };
        // Reserve what the server announced, but never more than the limit
        // (the announcement is the server's word, not a promise).
        let mut body = Vec::new();
        if let Some(len) = self.content_length() {
            if len > limit && !matches!(self.body, Body::Done) {
                self.body = Body::Done;
                return Err(too_long(&self.url));
            }
            body.reserve(usize::try_from(len.min(limit).min(1 << 20)).unwrap_or(0));
        }
        while self.next_into(&mut body).await? {
            if body.len() as u64 > limit {
                self.body = Body::Done;
                return Err(too_long(&self.url));
            }
        }
        Ok(body)
    }

    /// Reads and discards up to `limit` bytes of body, so the connection
    /// can be reused; used before following a redirect.
    pub(crate) async fn drain(&mut self, limit: u64) -> Result<(), Error> {
        self.read_to_end(limit).await.map(drop)
    }

    /// The body as text, decoded with the charset of `Content-Type`
    /// (UTF-8 when none is given; ISO-8859-1 and US-ASCII are understood);
    /// invalid sequences become U+FFFD rather than an error.
    ///
    /// # Errors
    ///
    /// As for [`bytes`](Response::bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Length: 4\r\n\r\ncaf\xe9");
    ///     assert_eq!(evloop::http::get(&url).await?.text().await?, "café");
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub async fn text(mut self) -> Result<String, Error> {
        let charset = self
            .header(CONTENT_TYPE.as_str())
            .and_then(charset)
            .map(str::to_ascii_lowercase);
        let bytes = self.read_to_end(self.max_body).await?;
        Ok(match charset.as_deref() {
            Some("iso-8859-1" | "latin1" | "latin-1" | "l1" | "windows-1252") => {
                // Each byte is the code point of the same number (close
                // enough for windows-1252, whose 0x80-0x9f differ).
                bytes.iter().map(|&b| b as char).collect()
            }
            _ => String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        })
    }

    /// The body parsed as JSON into `T`.
    ///
    /// # Errors
    ///
    /// As for [`bytes`](Response::bytes), and an
    /// [`is_decode`](Error::is_decode) error if the body is not JSON of
    /// that shape.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn serve(reply: &'static [u8]) -> String {
    /// #     use std::io::{BufRead, BufReader, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut line) = (BufReader::new(&stream), String::new());
    /// #         while reader.read_line(&mut line).unwrap() > 2 { line.clear() }
    /// #         (&stream).write_all(reply).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ups\": 42}");
    ///     let value: serde_json::Value = evloop::http::get(&url).await?.json().await?;
    ///     assert_eq!(value["ups"], 42);
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    #[cfg(feature = "json")]
    #[cfg_attr(docsrs, doc(cfg(feature = "json")))]
    pub async fn json<T: serde::de::DeserializeOwned>(mut self) -> Result<T, Error> {
        let url = self.url.clone();
        let bytes = self.read_to_end(self.max_body).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::new(Kind::Decode, Some(e)).with_url(&url))
    }
}

/// The next piece of a body, with the response to read the one after from.
type NextPiece = Pin<Box<dyn Future<Output = (Result<Option<Vec<u8>>, Error>, Response)>>>;

/// Reads one piece of `response`'s body; the future owns the response
/// while it runs and gives it back with the piece.
fn next_piece(mut response: Response) -> NextPiece {
    Box::pin(async move {
        let piece = response.chunk().await;
        (piece, response)
    })
}

/// [`Response::bytes_stream`]'s stream: one `chunk` read after another.
struct BytesStream {
    /// The read under way; `None` once the body ended or failed.
    next: Option<NextPiece>,
}

impl Stream for BytesStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(reading) = self.next.as_mut() else {
            return Poll::Ready(None);
        };
        let Poll::Ready((piece, response)) = reading.as_mut().poll(cx) else {
            return Poll::Pending;
        };
        Poll::Ready(match piece {
            Ok(Some(piece)) => {
                self.next = Some(next_piece(response));
                Some(Ok(Bytes::from(piece)))
            }
            Ok(None) => {
                self.next = None;
                None
            }
            Err(e) => {
                self.next = None;
                Some(Err(e))
            }
        })
    }
}

/// The `charset` parameter of a Content-Type value.
fn charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::charset;

    #[test]
    fn charset_parameter() {
        let cases = [
            ("text/html; charset=ISO-8859-1", Some("ISO-8859-1")),
            ("text/plain;charset=\"utf-8\"", Some("utf-8")),
            ("application/json", None),
            (
                "text/plain; format=flowed; Charset=us-ascii",
                Some("us-ascii"),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(charset(value), expected, "{value}");
        }
    }
}
