//! [`RequestBuilder`]: a request's method, URL, headers and body, and
//! [`IntoUrl`] for what `get` and friends accept.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::Method;

use super::error::Error;
use super::{Client, Response, Url};

/// A request ready to go: what the client's send path works with.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) timeout: Option<Duration>,
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
            let mut last = None;
            for (name, value) in headers {
                // `HeaderMap`'s iterator gives the name only with the first
                // value of a name; the following ones reuse it.
                let name = match name {
                    Some(name) => {
                        request.headers.remove(&name);
                        last = Some(name.clone());
                        name
                    }
                    None => last.clone().expect("a value follows its name"),
                };
                request.headers.append(name, value);
            }
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
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
                .collect();
            request.url.append_query(&pairs);
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
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> RequestBuilder {
        self.with(|request| {
            let body = serde_json::to_vec(value).map_err(Error::builder)?;
            request
                .headers
                .entry(http::header::CONTENT_TYPE)
                .or_insert(HeaderValue::from_static("application/json"));
            request.body = Some(body);
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

/// Completes `headers` with the body's framing and returns the body as it
/// goes on the wire. Whatever the caller set, the request never carries
/// both `Transfer-Encoding` and `Content-Length`, nor a length that is not
/// the body's (either would make the server read the body differently
/// than we send it, and the connection would be out of step):
///
/// - `Transfer-Encoding: chunked` (the only coding accepted): the body is
///   sent as one chunk and the last chunk, with no `Content-Length`;
/// - otherwise a `Content-Length` the caller set must equal the body's
///   length; the client sets it for any body, and `0` for POST, PUT and
///   PATCH without one (servers that insist on a length expect it).
///
/// A mismatch is a message for an [`is_builder`](Error::is_builder) error.
pub(crate) fn frame_body<'a>(
    method: &Method,
    headers: &mut HeaderMap,
    body: Option<&'a [u8]>,
) -> Result<Cow<'a, [u8]>, String> {
    let body = body.unwrap_or(&[]);
    if headers.contains_key(TRANSFER_ENCODING) {
        let codings: Vec<&str> = headers
            .get_all(TRANSFER_ENCODING)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{fffd}"))
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if !matches!(codings[..], [c] if c.eq_ignore_ascii_case("chunked")) {
            return Err(format!(
                "unsupported request Transfer-Encoding `{}`: only `chunked`, which the \
                 client applies itself",
                codings.join(", ")
            ));
        }
        if headers.contains_key(CONTENT_LENGTH) {
            return Err("a request cannot have both Transfer-Encoding and Content-Length".into());
        }
        headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        // The body is in memory: one chunk, then the last chunk.
        let mut wire = Vec::with_capacity(body.len() + 16);
        if !body.is_empty() {
            wire.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
            wire.extend_from_slice(body);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b"0\r\n\r\n");
        return Ok(Cow::Owned(wire));
    }
    for value in headers.get_all(CONTENT_LENGTH) {
        let agrees = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n == body.len() as u64);
        if !agrees {
            return Err(format!(
                "Content-Length {value:?} does not match the {}-byte body",
                body.len()
            ));
        }
    }
    if !body.is_empty()
        || headers.contains_key(CONTENT_LENGTH)
        || matches!(*method, Method::POST | Method::PUT | Method::PATCH)
    {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    Ok(Cow::Borrowed(body))
}

/// What [`Client::get`] and friends accept as a URL: `&str`, `String`,
/// `&String` and [`Url`].
pub trait IntoUrl: sealed::Sealed {
    /// The parsed URL, or an [`is_builder`](Error::is_builder) error.
    fn into_url(self) -> Result<Url, Error>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
    impl Sealed for super::Url {}
    impl Sealed for &super::Url {}
}

impl IntoUrl for &str {
    fn into_url(self) -> Result<Url, Error> {
        Url::parse(self).map_err(Error::builder)
    }
}

impl IntoUrl for String {
    fn into_url(self) -> Result<Url, Error> {
        self.as_str().into_url()
    }
}

impl IntoUrl for &String {
    fn into_url(self) -> Result<Url, Error> {
        self.as_str().into_url()
    }
}

impl IntoUrl for Url {
    fn into_url(self) -> Result<Url, Error> {
        Ok(self)
    }
}

impl IntoUrl for &Url {
    fn into_url(self) -> Result<Url, Error> {
        Ok(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Method, headers set, body; then the headers and wire body expected,
    /// or a part of the error.
    type Case = (
        Method,
        &'static [(&'static str, &'static str)],
        &'static [u8],
        Result<(String, Vec<u8>), &'static str>,
    );

    /// The headers as `name: value` lines and the wire body, or the error.
    fn frame(
        method: Method,
        set: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(String, Vec<u8>), String> {
        let mut headers = HeaderMap::new();
        for (name, value) in set {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let body = (!body.is_empty()).then_some(body);
        let wire = frame_body(&method, &mut headers, body)?.into_owned();
        let lines: Vec<String> = headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
            .collect();
        Ok((lines.join("; "), wire))
    }

    #[test]
    fn body_framing_never_sends_both_or_a_wrong_length() {
        const CHUNKED: (&str, &str) = ("transfer-encoding", "chunked");
        let ok = |h: &str, b: &[u8]| Ok((h.to_owned(), b.to_vec()));
        let cases: [Case; 10] = [
            (Method::GET, &[], b"", ok("", b"")),
            (Method::POST, &[], b"", ok("content-length: 0", b"")),
            (Method::GET, &[], b"hi", ok("content-length: 2", b"hi")),
            (
                Method::POST,
                &[("content-length", "2")],
                b"hi",
                ok("content-length: 2", b"hi"),
            ),
            (
                Method::POST,
                &[CHUNKED],
                b"hello",
                ok("transfer-encoding: chunked", b"5\r\nhello\r\n0\r\n\r\n"),
            ),
            (
                Method::POST,
                &[("transfer-encoding", "Chunked")],
                b"",
                ok("transfer-encoding: chunked", b"0\r\n\r\n"),
            ),
            (
                Method::POST,
                &[("content-length", "5")],
                b"hi",
                Err("does not match"),
            ),
            (
                Method::GET,
                &[("content-length", "5")],
                b"",
                Err("does not match"),
            ),
            (
                Method::POST,
                &[CHUNKED, ("content-length", "2")],
                b"hi",
                Err("both"),
            ),
            (
                Method::POST,
                &[("transfer-encoding", "gzip, chunked")],
                b"hi",
                Err("unsupported"),
            ),
        ];
        for (method, set, body, expected) in cases {
            let got = frame(method.clone(), set, body);
            match expected {
                Ok(expected) => assert_eq!(got, Ok(expected), "{method} {set:?}"),
                Err(part) => {
                    let err = got.unwrap_err();
                    assert!(err.contains(part), "{method} {set:?}: {err}");
                }
            }
        }
    }
}
