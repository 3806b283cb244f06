//! [`Client`], [`ClientBuilder`] and [`RequestBuilder`]: settings, the
//! connection pool, the request being put together, and the path of one
//! request through connect, retry and redirects; [`get`] for a one-off.
//!
//! The three types live together because each reaches the others (a client
//! makes builders, a builder sends through its client): in one module, no
//! two modules of the client import each other.

use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};

use super::body::{framing, Decoder, Framing};
use super::conn::{Conn, ReadHeadError};
use super::connect::{default_connector, Connector};
use super::error::{Error, Kind, TimeoutSource};
use super::head::{encode_request_head, HeadError, ResponseHead};
use super::io::BoxIo;
use super::pool::{Pool, PoolKey, Pooled};
use super::request::{frame_body, IntoUrl, Request};
use super::response::Response;
use super::url::{form_urlencoded, Url};
use crate::time::{timeout, timeout_at, Instant};

/// The default `User-Agent`: `evloop/<version>`.
const DEFAULT_USER_AGENT: &str = concat!("evloop/", env!("CARGO_PKG_VERSION"));

/// How much of a redirect response's body we read to keep its connection;
/// a bigger one is dropped with its connection instead.
const REDIRECT_DRAIN_LIMIT: u64 = 64 * 1024;

/// An HTTP/1.1 client with a keep-alive connection pool.
///
/// Cloning is cheap and clones share the pool. A `Client` stays on one
/// thread, so it is not `Send`; it may be used in one runtime after another
/// there (or in two alternately): each pooled connection remembers the
/// runtime whose reactor its socket is registered with, and is reused only
/// in that runtime (others close it).
///
/// # Examples
///
/// ```no_run
/// evloop::block_on(async {
///     let client = evloop::http::Client::new();
///     let body = client
///         .get("http://example.com/")
///         .send()
///         .await?
///         .error_for_status()?
///         .text()
///         .await?;
///     println!("{body}");
///     Ok::<(), evloop::http::Error>(())
/// })?;
/// # Ok::<(), evloop::http::Error>(())
/// ```
///
/// It is not `Send`:
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<evloop::http::Client>();
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Rc<ClientInner>,
}

/// What every clone of a client shares.
pub(crate) struct ClientInner {
    pub(crate) config: Config,
    /// Shared with the responses whose connections may go back to it.
    pub(crate) pool: Rc<Pool>,
    connector: Connector,
}

/// The settings a [`ClientBuilder`] collected.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    user_agent: Option<HeaderValue>,
    /// Sent with every request that does not set the same name.
    headers: HeaderMap,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_redirects: usize,
    /// Whether a redirect may go from https to http (default false).
    redirect_https_to_http: bool,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    pub(crate) max_response_body: u64,
    #[cfg(feature = "tls")]
    roots: Vec<super::Certificate>,
    #[cfg(feature = "tls")]
    built_in_roots: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("pool", &self.inner.pool)
            .finish()
    }
}

impl Default for Client {
    fn default() -> Client {
        Client::new()
    }
}

impl Client {
    /// A client with the default settings.
    ///
    /// # Panics
    ///
    /// If the TLS settings cannot be built (never with the built-in roots);
    /// [`Client::builder`] returns that as an error instead.
    pub fn new() -> Client {
        ClientBuilder::new()
            .build()
            .expect("the default client builds")
    }

    /// A [`ClientBuilder`] to change the settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A GET request to `url`.
    pub fn get<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// A POST request to `url`.
    pub fn post<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// A PUT request to `url`.
    pub fn put<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::PUT, url)
    }

    /// A PATCH request to `url`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn echo() -> String {
    /// #     use std::io::{BufRead, BufReader, Read, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut seen, mut len) = (BufReader::new(&stream), String::new(), 0);
    /// #         while !seen.ends_with("\r\n\r\n") {
    /// #             let start = seen.len();
    /// #             if reader.read_line(&mut seen).unwrap() == 0 { return }
    /// #             let line = seen[start..].to_ascii_lowercase();
    /// #             if let Some(n) = line.strip_prefix("content-length:") { len = n.trim().parse().unwrap() }
    /// #         }
    /// #         let mut body = vec![0; len];
    /// #         reader.read_exact(&mut body).unwrap();
    /// #         seen.push_str(std::str::from_utf8(&body).unwrap());
    /// #         let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{seen}", seen.len());
    /// #         (&stream).write_all(reply.as_bytes()).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let url = echo(); // a server that answers with the request it got
    ///     let client = evloop::http::Client::new();
    ///     let echoed = client.patch(&url).body("x=1").send().await?.text().await?;
    ///     assert!(echoed.starts_with("PATCH / HTTP/1.1\r\n"));
    ///     assert!(echoed.ends_with("\r\n\r\nx=1"));
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn patch<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::PATCH, url)
    }

    /// A DELETE request to `url`.
    pub fn delete<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }

    /// A HEAD request to `url`.
    pub fn head<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.request(Method::HEAD, url)
    }

    /// A request with any method. A bad URL is reported by `send`.
    pub fn request<U: IntoUrl>(&self, method: Method, url: U) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, url.into_url())
    }

    /// Sends a request: connects (or reuses a pooled connection), follows
    /// redirects, and returns once the response head arrived. The request's
    /// timeout (or the client's) covers all of it and the body too.
    pub(crate) async fn execute(&self, mut request: Request) -> Result<Response, Error> {
        // Userinfo becomes a header now, so that it follows redirects within
        // the origin and is dropped with the other credentials outside it.
        if let Some((user, password)) = request.url.basic_auth() {
            request
                .headers
                .entry(header::AUTHORIZATION)
                .or_insert_with(|| basic_auth(&user, password.as_deref()));
        }
        // The client's default headers, for names the request does not
        // set. Merged here, once, rather than on each hop: a default
        // `Authorization` is then dropped at a redirect to another origin
        // like the request's own.
        let defaults = &self.inner.config.headers;
        for name in defaults.keys() {
            if !request.headers.contains_key(name) {
                for value in defaults.get_all(name) {
                    request.headers.append(name.clone(), value.clone());
                }
            }
        }
        let limit = request.timeout.or(self.inner.config.timeout);
        let deadline = limit.map(|d| Instant::now().saturating_add(d));
        let url = request.url.clone();
        let sending = self.follow_redirects(request, deadline);
        match deadline {
            None => sending.await,
            Some(deadline) => match timeout_at(deadline, sending).await {
                Ok(result) => result,
                Err(_) => Err(Error::timeout(TimeoutSource::Request).with_url(&url)),
            },
        }
    }

    async fn follow_redirects(
        &self,
        mut request: Request,
        deadline: Option<Instant>,
    ) -> Result<Response, Error> {
        let max = self.inner.config.max_redirects;
        let mut hops = 0;
        loop {
            let mut response = self.send_once(&request, deadline).await?;
            let status = response.status();
            let redirect = matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308);
            if !redirect || max == 0 {
                return Ok(response);
            }
            let Some(location) = response.header("location").map(str::to_owned) else {
                // A redirect status without a Location: nothing to follow,
                // the caller gets the response as it is.
                return Ok(response);
            };
            if hops == max {
                return Err(Error::new(
                    Kind::Redirect,
                    Some(format!("too many redirects (more than {max})")),
                )
                .with_url(&request.url));
            }
            let next = request
                .url
                .join(&location)
                .map_err(|e| Error::new(Kind::Redirect, Some(e)).with_url(&request.url))?;
            if request.url.is_https()
                && !next.is_https()
                && !self.inner.config.redirect_https_to_http
            {
                // The caller chose https: its headers (API keys, not only
                // Authorization) and a 307's body must not go in plaintext.
                return Err(Error::new(
                    Kind::Redirect,
                    Some(format!(
                        "refused to follow a redirect from https to {} (plain http); \
                         ClientBuilder::redirect_https_to_http(true) allows it",
                        next.as_str()
                    )),
                )
                .with_url(&request.url));
            }
            // Read a small body to the end, so its connection can carry the
            // next request; an error here only costs that connection.
            let _ = response.drain(REDIRECT_DRAIN_LIMIT).await;
            drop(response);
            redirect_request(&mut request, status, next);
            hops += 1;
        }
    }

    /// One request on one connection, with the single retry for a stale
    /// pooled connection.
    async fn send_once(
        &self,
        request: &Request,
        deadline: Option<Instant>,
    ) -> Result<Response, Error> {
        let url = &request.url;
        let key = PoolKey::of(url);
        let mut head = Vec::with_capacity(256);
        let mut headers = self.full_headers(request);
        let body = frame_body(&request.method, &mut headers, request.body.as_deref())
            .map_err(|e| Error::builder(e).with_url(url))?;
        encode_request_head(
            &request.method,
            url.path_and_query(),
            &url.authority(),
            &headers,
            &mut head,
        );
        let mut fresh_only = false;
        loop {
            let mut pooled = if fresh_only {
                None
            } else {
                self.inner.pool.checkout(&key)
            };
            // Whatever the method, a pooled connection with bytes waiting
            // (a body the last response's framing said it had not, such as
            // after a HEAD or 204) or a close is not reused: those bytes
            // would be read as this request's response. This also keeps a
            // request we may not repeat from crossing a close on the wire.
            while pooled.as_mut().is_some_and(Conn::is_closed) {
                pooled = self.inner.pool.checkout(&key);
            }
            let mut conn = match pooled {
                Some(conn) => conn,
                None => self.connect(url).await?,
            };
            let reused = conn.reused();
            match exchange(&mut conn, &head, &body).await {
                Ok((head, continued)) => {
                    // A server asked to `Expect: 100-continue` that gives
                    // its final answer without a 100 first may not read
                    // the body we sent anyway: those bytes would then be
                    // taken for the next request on the connection.
                    let body_maybe_unread =
                        !body.is_empty() && !continued && expects_continue(&request.headers);
                    let reusable = !body_maybe_unread;
                    return self.response(request, key, conn, head, reusable, deadline);
                }
                // Servers close idle keep-alive connections whenever they
                // like, and a request can cross that close on the wire. If
                // nothing came back, the server did not act on it: retry
                // once on a new connection, for methods safe to repeat.
                Err(failure)
                    if reused
                        && !fresh_only
                        && !failure.received_any
                        && is_idempotent(&request.method) =>
                {
                    fresh_only = true;
                }
                Err(failure) => return Err(failure.error.with_url(url)),
            }
        }
    }

    /// A new connection, within the connect timeout (DNS included).
    async fn connect(&self, url: &Url) -> Result<Conn<BoxIo>, Error> {
        let connecting = (self.inner.connector)(url);
        let io = match self.inner.config.connect_timeout {
            None => connecting.await,
            Some(limit) => match timeout(limit, connecting).await {
                Ok(result) => result,
                Err(_) => Err(Error::timeout(TimeoutSource::Connect)),
            },
        };
        Ok(Conn::new(io.map_err(|e| e.with_url(url))?))
    }

    /// The request's headers completed with the client's defaults.
    fn full_headers(&self, request: &Request) -> HeaderMap {
        let mut headers = request.headers.clone();
        if let Some(agent) = &self.inner.config.user_agent {
            headers
                .entry(header::USER_AGENT)
                .or_insert_with(|| agent.clone());
        }
        headers
            .entry(header::ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        headers
    }

    /// Wraps a response head and its connection into a [`Response`].
    fn response(
        &self,
        request: &Request,
        key: PoolKey,
        conn: Conn<BoxIo>,
        head: ResponseHead,
        reusable: bool,
        deadline: Option<Instant>,
    ) -> Result<Response, Error> {
        let framing = framing(&request.method, head.status, &head.headers)
            .map_err(|e| Error::new(Kind::Body, Some(e)).with_url(&request.url))?;
        let reusable =
            reusable && framing != Framing::UntilClose && keep_alive(&head, &request.headers);
        let decoder = Decoder::new(framing);
        Ok(Response::new(
            head,
            request.url.clone(),
            Pooled::new(conn, &self.inner.pool, key, reusable),
            decoder,
            deadline,
            self.inner.config.max_response_body,
        ))
    }
}

/// Sends a GET request to `url` with a client of default settings: a
/// shortcut for one request. Each call builds a new client, so nothing is
/// shared between calls (no pooled connection); for more than one request,
/// make a [`Client`] and keep it.
///
/// # Errors
///
/// As for [`RequestBuilder::send`]; a bad URL is an
/// [`is_builder`](Error::is_builder) error.
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
///     let body = evloop::http::get(&url).await?.text().await?;
///     assert_eq!(body, "hi");
///     Ok::<(), evloop::http::Error>(())
/// })?;
/// # Ok::<(), evloop::http::Error>(())
/// ```
pub async fn get<U: IntoUrl>(url: U) -> Result<Response, Error> {
    Client::builder().build()?.get(url).send().await
}

/// How a failed exchange failed, and whether any response byte had come.
pub(crate) struct Failure {
    pub(crate) error: Error,
    received_any: bool,
}

/// Writes a request and reads the final response head, skipping 1xx
/// interim responses; also says whether a `100 Continue` came first.
pub(crate) async fn exchange(
    conn: &mut Conn<BoxIo>,
    head: &[u8],
    body: &[u8],
) -> Result<(ResponseHead, bool), Failure> {
    if let Err(e) = conn.write_request(head, body).await {
        return Err(Failure {
            error: Error::new(Kind::Request, Some(e)),
            received_any: conn.received_any(),
        });
    }
    let mut continued = false;
    loop {
        let head = conn.read_head().await.map_err(|e| Failure {
            received_any: conn.received_any(),
            error: match e {
                ReadHeadError::Io(e) => Error::new(Kind::Request, Some(e)),
                ReadHeadError::Head(e) => Error::new(Kind::Request, Some(e)),
            },
        })?;
        match head.status {
            StatusCode::SWITCHING_PROTOCOLS => {
                return Err(Failure {
                    error: Error::new(Kind::Request, Some(HeadError::UnexpectedUpgrade)),
                    received_any: true,
                })
            }
            status if status.is_informational() => {
                continued |= status == StatusCode::CONTINUE;
                // A server may send any number of 1xx heads. While they keep
                // arriving, every read is ready at once and this loop would
                // never return Pending: the request's timeout (which checks
                // its deadline only when the request is pending) could not
                // fire, and no other task would run. Yield after each one.
                crate::task::yield_now().await;
                continue;
            }
            _ => return Ok((head, continued)),
        }
    }
}

/// Whether the connection may carry another request after this response.
pub(crate) fn keep_alive(head: &ResponseHead, request_headers: &HeaderMap) -> bool {
    let says = |headers: &HeaderMap, token: &str| {
        headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if says(request_headers, "close") || says(&head.headers, "close") {
        return false;
    }
    // Transfer-Encoding in HTTP/1.0 is faulty framing: the connection
    // closes after the message, keep-alive or not (RFC 9112, 6.1).
    if head.version == http::Version::HTTP_10
        && head.headers.contains_key(header::TRANSFER_ENCODING)
    {
        return false;
    }
    // HTTP/1.0 closes unless the server says keep-alive.
    head.version != http::Version::HTTP_10 || says(&head.headers, "keep-alive")
}

/// Whether the request carries `Expect: 100-continue`.
fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::EXPECT)
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// Methods a client may repeat without changing the outcome (RFC 9110, 9.2.2).
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Turns `request` into the one that follows a `status` redirect to `next`.
fn redirect_request(request: &mut Request, status: StatusCode, next: Url) {
    // 301, 302 and 303 become GET without a body (what browsers do, and
    // what 303 means); 307 and 308 repeat the request as it was.
    if matches!(status.as_u16(), 301..=303) && request.method != Method::HEAD {
        request.method = Method::GET;
        request.body = None;
        for name in [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
            header::TRANSFER_ENCODING,
        ] {
            request.headers.remove(name);
        }
    }
    // Credentials are for the origin they were given to.
    if !request.url.same_origin(&next) {
        for name in [
            header::AUTHORIZATION,
            header::COOKIE,
            header::PROXY_AUTHORIZATION,
        ] {
            request.headers.remove(name);
        }
    }
    // A Host header the user set named the old host.
    request.headers.remove(header::HOST);
    request.url = next;
}

/// `Basic base64(user:password)` (RFC 7617), marked sensitive.
fn basic_auth(user: impl fmt::Display, password: Option<impl fmt::Display>) -> HeaderValue {
    let credentials = match password {
        Some(password) => format!("{user}:{password}"),
        None => format!("{user}:"),
    };
    let mut value = HeaderValue::try_from(format!("Basic {}", base64(credentials.as_bytes())))
        .expect("base64 is a valid header value");
    value.set_sensitive(true);
    value
}

/// Standard base64 with padding (RFC 4648), through the `base64` crate.
fn base64(input: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(input)
}

/// Settings for a [`Client`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let client = evloop::http::Client::builder()
///     .user_agent("my-app/1.0")
///     .timeout(Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(3))
///     .max_redirects(5)
///     .build()?;
/// # drop(client);
/// # Ok::<(), evloop::http::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    config: Config,
    /// The first bad setting (a user agent that is not a header value).
    error: Option<Error>,
    /// A scripted connector, for the unit tests.
    #[cfg(test)]
    connector: Option<Connector>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("error", &self.error)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// The default settings: user agent `evloop/<version>`, no timeout, 10
    /// redirects, idle connections kept 30 s, at most 8 per host, bodies up
    /// to 64 MiB for `bytes`, `text` and `json`.
    pub fn new() -> ClientBuilder {
        ClientBuilder {
            config: Config {
                user_agent: Some(HeaderValue::from_static(DEFAULT_USER_AGENT)),
                headers: HeaderMap::new(),
                timeout: None,
                connect_timeout: None,
                max_redirects: 10,
                redirect_https_to_http: false,
                pool_idle_timeout: Some(Duration::from_secs(30)),
                pool_max_idle_per_host: 8,
                max_response_body: 64 * 1024 * 1024,
                #[cfg(feature = "tls")]
                roots: Vec::new(),
                #[cfg(feature = "tls")]
                built_in_roots: true,
            },
            error: None,
            #[cfg(test)]
            connector: None,
        }
    }

    /// The `User-Agent` sent with every request (a request's own header
    /// wins).
    pub fn user_agent<V>(mut self, value: V) -> ClientBuilder
    where
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        match HeaderValue::try_from(value) {
            Ok(value) => self.config.user_agent = Some(value),
            Err(e) => {
                self.error.get_or_insert_with(|| Error::builder(e.into()));
            }
        }
        self
    }

    /// Headers sent with every request, unless the request sets a field of
    /// the same name itself. A second call adds to the first, its fields
    /// replacing those of the same name. A default `Authorization` is
    /// treated like the request's own: it does not follow a redirect to
    /// another origin.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::http::header::{HeaderMap, HeaderValue};
    ///
    /// # fn echo() -> String {
    /// #     use std::io::{BufRead, BufReader, Read, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut seen, mut len) = (BufReader::new(&stream), String::new(), 0);
    /// #         while !seen.ends_with("\r\n\r\n") {
    /// #             let start = seen.len();
    /// #             if reader.read_line(&mut seen).unwrap() == 0 { return }
    /// #             let line = seen[start..].to_ascii_lowercase();
    /// #             if let Some(n) = line.strip_prefix("content-length:") { len = n.trim().parse().unwrap() }
    /// #         }
    /// #         let mut body = vec![0; len];
    /// #         reader.read_exact(&mut body).unwrap();
    /// #         seen.push_str(std::str::from_utf8(&body).unwrap());
    /// #         let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{seen}", seen.len());
    /// #         (&stream).write_all(reply.as_bytes()).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let mut headers = HeaderMap::new();
    ///     headers.insert("x-api-key", HeaderValue::from_static("k-123"));
    ///     let client = evloop::http::Client::builder().default_headers(headers).build()?;
    ///     let echoed = client.get(echo()).send().await?.text().await?;
    ///     assert!(echoed.contains("x-api-key: k-123\r\n"));
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn default_headers(mut self, headers: HeaderMap) -> ClientBuilder {
        replace_headers(&mut self.config.headers, headers);
        self
    }

    /// A limit on each whole request: connecting, sending, redirects, and
    /// reading the body. None by default.
    pub fn timeout(mut self, limit: Duration) -> ClientBuilder {
        self.config.timeout = Some(limit);
        self
    }

    /// A limit on opening each connection: DNS, TCP and the TLS handshake.
    /// None by default.
    pub fn connect_timeout(mut self, limit: Duration) -> ClientBuilder {
        self.config.connect_timeout = Some(limit);
        self
    }

    /// How many redirects to follow before failing with an
    /// [`is_redirect`](Error::is_redirect) error (default 10); 0 returns
    /// redirect responses as they are.
    pub fn max_redirects(mut self, max: usize) -> ClientBuilder {
        self.config.max_redirects = max;
        self
    }

    /// Whether to follow a redirect from an `https` URL to an `http` one
    /// (default false).
    ///
    /// Refused, such a redirect is an [`is_redirect`](Error::is_redirect)
    /// error carrying the https URL, and nothing is sent to the http one:
    /// the caller chose https, and following would send the request's
    /// headers (an `x-api-key` as much as `Authorization`) and a 307's
    /// body in plaintext. An error rather than the 3xx response, so that
    /// code which checks only `error_for_status` cannot take the empty
    /// redirect for the answer. (reqwest follows such redirects and strips
    /// only credentials; evloop is stricter by default.) Allowed, the
    /// redirect is followed like any other to another origin:
    /// `Authorization`, `Cookie` and `Proxy-Authorization` stay behind,
    /// every other header goes.
    pub fn redirect_https_to_http(mut self, allow: bool) -> ClientBuilder {
        self.config.redirect_https_to_http = allow;
        self
    }

    /// How long an idle connection stays in the pool (default 30 s; `None`:
    /// for ever). An expired connection is closed at its expiry, by a small
    /// task the pool runs on the current runtime while it holds idle
    /// connections, even if its host is never asked for again.
    pub fn pool_idle_timeout(mut self, limit: impl Into<Option<Duration>>) -> ClientBuilder {
        self.config.pool_idle_timeout = limit.into();
        self
    }

    /// How many idle connections per host the pool keeps (default 8; 0
    /// turns keep-alive off).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> ClientBuilder {
        self.config.pool_max_idle_per_host = max;
        self
    }

    /// The largest body `bytes`, `text` and `json` read (default 64 MiB);
    /// a longer one is an [`is_body`](Error::is_body) error. `chunk` is not
    /// limited: a stream is read piece by piece.
    pub fn max_response_body(mut self, max: u64) -> ClientBuilder {
        self.config.max_response_body = max;
        self
    }

    /// Trusts `cert` as a root, besides the built-in ones.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn add_root_certificate(mut self, cert: super::Certificate) -> ClientBuilder {
        self.config.roots.push(cert);
        self
    }

    /// Whether to trust Mozilla's roots (webpki-roots; default true).
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls_built_in_roots(mut self, enabled: bool) -> ClientBuilder {
        self.config.built_in_roots = enabled;
        self
    }

    /// A connector that replaces TCP and TLS, for unit tests.
    #[cfg(test)]
    pub(crate) fn connector(mut self, connector: Connector) -> ClientBuilder {
        self.connector = Some(connector);
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// An [`is_builder`](Error::is_builder) error for a bad user agent or
    /// root certificate.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let config = self.config;
        #[cfg(feature = "tls")]
        let tls = super::tls::TlsConfig::new(&config.roots, config.built_in_roots)?;
        #[allow(unused_mut)]
        let mut connector = default_connector(
            #[cfg(feature = "tls")]
            tls,
        );
        #[cfg(test)]
        if let Some(scripted) = self.connector {
            connector = scripted;
        }
        let pool = Rc::new(Pool::new(
            config.pool_idle_timeout,
            config.pool_max_idle_per_host,
        ));
        Ok(Client {
            inner: Rc::new(ClientInner {
                config,
                pool,
                connector,
            }),
        })
    }
}

/// A request being put together; [`send`](RequestBuilder::send) sends it.
///
/// Mistakes (a bad URL or header) are kept and reported by `send` as an
/// [`is_builder`](Error::is_builder) error, so calls chain without `?`
/// after each one.
///
/// # Examples
///
/// ```no_run
/// evloop::block_on(async {
///     let client = evloop::http::Client::new();
///     let response = client
///         .post("http://127.0.0.1:8080/echo")
///         .header("content-type", "text/plain")
///         .query(&[("lang", "en")])
///         .body("hello")
///         .timeout(std::time::Duration::from_secs(5))
///         .send()
///         .await?;
///     println!("{}", response.status());
///     Ok::<(), evloop::http::Error>(())
/// })?;
/// # Ok::<(), evloop::http::Error>(())
/// ```
#[must_use = "a RequestBuilder does nothing until it is sent"]
pub struct RequestBuilder {
    client: Client,
    request: Result<Request, Error>,
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.request {
            Ok(request) => f
                .debug_struct("RequestBuilder")
                .field("method", &request.method)
                .field("url", &request.url)
                .field("headers", &request.headers)
                .finish(),
            Err(error) => f
                .debug_struct("RequestBuilder")
                .field("error", error)
                .finish(),
        }
    }
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, method: Method, url: Result<Url, Error>) -> RequestBuilder {
        RequestBuilder {
            client,
            request: url.map(|url| Request {
                method,
                url,
                headers: HeaderMap::new(),
                body: None,
                timeout: None,
            }),
        }
    }

    /// Applies `f` to the request, or keeps the first error.
    fn with(mut self, f: impl FnOnce(&mut Request) -> Result<(), Error>) -> RequestBuilder {
        if let Ok(request) = &mut self.request {
            if let Err(e) = f(request) {
                self.request = Err(e);
            }
        }
        self
    }

    /// Adds a header field (`append`: a name given twice is sent twice).
    pub fn header<K, V>(self, name: K, value: V) -> RequestBuilder
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.with(|request| {
            let name = HeaderName::try_from(name).map_err(|e| Error::builder(e.into()))?;
            let value = HeaderValue::try_from(value).map_err(|e| Error::builder(e.into()))?;
            request.headers.append(name, value);
            Ok(())
        })
    }

    /// Adds every field of `headers`, replacing fields of the same name.
    pub fn headers(self, headers: HeaderMap) -> RequestBuilder {
        self.with(|request| {
            replace_headers(&mut request.headers, headers);
            Ok(())
        })
    }

    /// Appends `key=value` pairs to the URL's query, form-encoded.
    ///
    /// ```
    /// let client = evloop::http::Client::new();
    /// let request = client.get("http://h/top.json").query(&[("t", "day"), ("limit", "5")]);
    /// assert!(format!("{request:?}").contains("/top.json?t=day&limit=5"));
    /// ```
    pub fn query<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> RequestBuilder {
        self.with(|request| {
            request.url.append_query(pairs);
            Ok(())
        })
    }

    /// The request body; its `Content-Length` is set from it. With a
    /// `Transfer-Encoding: chunked` header it is sent as one chunk instead,
    /// without a length. A `Content-Length` header that is not the body's
    /// length, one beside `Transfer-Encoding`, or any coding but `chunked`
    /// makes `send` fail with an [`is_builder`](Error::is_builder) error
    /// (never a request the server would frame otherwise than we sent it).
    pub fn body(self, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.with(|request| {
            request.body = Some(body.into());
            Ok(())
        })
    }

    /// `value` serialized as the JSON body, with `Content-Type:
    /// application/json` unless one was set.
    #[cfg(feature = "json")]
    #[cfg_attr(docsrs, doc(cfg(feature = "json")))]
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> RequestBuilder {
        self.with(|request| {
            let body = serde_json::to_vec(value).map_err(Error::builder)?;
            request
                .headers
                .entry(header::CONTENT_TYPE)
                .or_insert(HeaderValue::from_static("application/json"));
            request.body = Some(body);
            Ok(())
        })
    }

    /// `Authorization: Basic` with `username` and `password` (RFC 7617;
    /// reqwest's signature), replacing any `Authorization` set before. The
    /// value is marked sensitive, so `Debug` output does not show it.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn echo() -> String {
    /// #     use std::io::{BufRead, BufReader, Read, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut seen, mut len) = (BufReader::new(&stream), String::new(), 0);
    /// #         while !seen.ends_with("\r\n\r\n") {
    /// #             let start = seen.len();
    /// #             if reader.read_line(&mut seen).unwrap() == 0 { return }
    /// #             let line = seen[start..].to_ascii_lowercase();
    /// #             if let Some(n) = line.strip_prefix("content-length:") { len = n.trim().parse().unwrap() }
    /// #         }
    /// #         let mut body = vec![0; len];
    /// #         reader.read_exact(&mut body).unwrap();
    /// #         seen.push_str(std::str::from_utf8(&body).unwrap());
    /// #         let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{seen}", seen.len());
    /// #         (&stream).write_all(reply.as_bytes()).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let client = evloop::http::Client::new();
    ///     let request = client.get(echo()).basic_auth("Aladdin", Some("open sesame"));
    ///     let echoed = request.send().await?.text().await?;
    ///     assert!(echoed.contains("authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"));
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn basic_auth<U, P>(self, username: U, password: Option<P>) -> RequestBuilder
    where
        U: fmt::Display,
        P: fmt::Display,
    {
        let value = basic_auth(username, password);
        self.with(|request| {
            request.headers.insert(header::AUTHORIZATION, value);
            Ok(())
        })
    }

    /// `Authorization: Bearer <token>` (RFC 6750), replacing any
    /// `Authorization` set before, marked sensitive. A token that cannot be
    /// a header value (a line break in it) makes `send` fail with an
    /// [`is_builder`](Error::is_builder) error.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn echo() -> String {
    /// #     use std::io::{BufRead, BufReader, Read, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut seen, mut len) = (BufReader::new(&stream), String::new(), 0);
    /// #         while !seen.ends_with("\r\n\r\n") {
    /// #             let start = seen.len();
    /// #             if reader.read_line(&mut seen).unwrap() == 0 { return }
    /// #             let line = seen[start..].to_ascii_lowercase();
    /// #             if let Some(n) = line.strip_prefix("content-length:") { len = n.trim().parse().unwrap() }
    /// #         }
    /// #         let mut body = vec![0; len];
    /// #         reader.read_exact(&mut body).unwrap();
    /// #         seen.push_str(std::str::from_utf8(&body).unwrap());
    /// #         let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{seen}", seen.len());
    /// #         (&stream).write_all(reply.as_bytes()).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let client = evloop::http::Client::new();
    ///     let echoed = client.get(echo()).bearer_auth("t0ken").send().await?.text().await?;
    ///     assert!(echoed.contains("authorization: Bearer t0ken\r\n"));
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn bearer_auth<T: fmt::Display>(self, token: T) -> RequestBuilder {
        self.with(|request| {
            let mut value =
                HeaderValue::try_from(format!("Bearer {token}")).map_err(Error::builder)?;
            value.set_sensitive(true);
            request.headers.insert(header::AUTHORIZATION, value);
            Ok(())
        })
    }

    /// `pairs` as an `application/x-www-form-urlencoded` body (what an HTML
    /// form posts: `+` for a space, `%XX` for other bytes but letters,
    /// digits and `*-._`), with that `Content-Type` unless one was set.
    ///
    /// reqwest's `form` takes any `Serialize` value through
    /// serde_urlencoded; this one takes key/value pairs, so that it needs
    /// no dependency (a `HashMap` or struct becomes a slice of pairs first).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn echo() -> String {
    /// #     use std::io::{BufRead, BufReader, Read, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     std::thread::spawn(move || {
    /// #         let (stream, _) = listener.accept().unwrap();
    /// #         let (mut reader, mut seen, mut len) = (BufReader::new(&stream), String::new(), 0);
    /// #         while !seen.ends_with("\r\n\r\n") {
    /// #             let start = seen.len();
    /// #             if reader.read_line(&mut seen).unwrap() == 0 { return }
    /// #             let line = seen[start..].to_ascii_lowercase();
    /// #             if let Some(n) = line.strip_prefix("content-length:") { len = n.trim().parse().unwrap() }
    /// #         }
    /// #         let mut body = vec![0; len];
    /// #         reader.read_exact(&mut body).unwrap();
    /// #         seen.push_str(std::str::from_utf8(&body).unwrap());
    /// #         let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{seen}", seen.len());
    /// #         (&stream).write_all(reply.as_bytes()).unwrap();
    /// #     });
    /// #     url
    /// # }
    /// evloop::block_on(async {
    ///     let client = evloop::http::Client::new();
    ///     let request = client.post(echo()).form(&[("name", "Ada Lovelace"), ("year", "1843")]);
    ///     let echoed = request.send().await?.text().await?;
    ///     assert!(echoed.contains("content-type: application/x-www-form-urlencoded\r\n"));
    ///     assert!(echoed.ends_with("\r\n\r\nname=Ada+Lovelace&year=1843"));
    ///     Ok::<(), evloop::http::Error>(())
    /// })?;
    /// # Ok::<(), evloop::http::Error>(())
    /// ```
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> RequestBuilder {
        self.with(|request| {
            request
                .headers
                .entry(header::CONTENT_TYPE)
                .or_insert(HeaderValue::from_static(
                    "application/x-www-form-urlencoded",
                ));
            request.body = Some(form_urlencoded(pairs).into_bytes());
            Ok(())
        })
    }

    /// A limit on this whole request, body included (instead of the
    /// client's).
    pub fn timeout(self, limit: Duration) -> RequestBuilder {
        self.with(|request| {
            request.timeout = Some(limit);
            Ok(())
        })
    }

    /// Sends the request; the response comes back once its head arrived.
    ///
    /// # Errors
    ///
    /// See [`Error`]; a 4xx or 5xx status is not an error.
    pub async fn send(self) -> Result<Response, Error> {
        let request = self.request?;
        self.client.execute(request).await
    }
}

/// Adds every field of `from` to `into`, replacing fields of the same name
/// (all their values: a name `from` holds twice stays twice).
fn replace_headers(into: &mut HeaderMap, from: HeaderMap) {
    let mut last: Option<HeaderName> = None;
    for (name, value) in from {
        // `HeaderMap`'s iterator gives the name only with the first value
        // of a name; the following ones reuse it.
        let name = match name {
            Some(name) => {
                into.remove(&name);
                last = Some(name.clone());
                name
            }
            None => last.clone().expect("a value follows its name"),
        };
        into.append(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        assert_eq!(
            basic_auth("Aladdin", Some("open sesame")),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }
}
