//! [`Request`]: what a [`RequestBuilder`](super::RequestBuilder) collected
//! and the client sends, the body's framing on the wire, and [`IntoUrl`]
//! for what `get` and friends accept.

use std::borrow::Cow;
use std::time::Duration;

use http::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::Method;

use super::error::Error;
use super::url::Url;

/// A request ready to go: what the client's send path works with.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) timeout: Option<Duration>,
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

/// What [`Client::get`](super::Client::get) and friends accept as a URL: `&str`, `String`,
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
    use http::header::HeaderName;

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
