//! Message heads, sans-IO: the request head we write and the response head
//! we parse (with httparse) out of a bounded buffer.
//!
//! Parsing takes the bytes received so far and answers `Ok(None)` (partial:
//! read more), `Ok(Some((head, len)))` (complete: the head used `len` bytes),
//! or an error. The limits below make hostile input an error, never a buffer
//! that grows without end.

use std::fmt;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Version};

/// The most bytes a response head may take, status line to blank line.
/// Real servers send a few hundred bytes to a few KiB; hyper's default limit
/// is ~400 KiB, nginx's 4–8 KiB per line. 64 KiB leaves room for big cookies.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most header fields a response head may have (hyper's default too).
pub(crate) const MAX_HEADERS: usize = 100;

/// A parsed response status line and header fields.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) version: Version,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
}

/// Why a response head could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// More than [`MAX_HEAD_BYTES`] without the blank line that ends a head.
    TooLarge,
    /// More than [`MAX_HEADERS`] fields.
    TooManyHeaders,
    /// Not HTTP/1.x, as httparse says (its message is kept).
    Malformed(String),
    /// A status code outside 100–999.
    InvalidStatus(u16),
    /// The connection closed part way through the head.
    Truncated,
    /// A `101 Switching Protocols` we never asked for.
    UnexpectedUpgrade,
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeadError::TooLarge => {
                write!(f, "response head larger than {} KiB", MAX_HEAD_BYTES / 1024)
            }
            HeadError::TooManyHeaders => {
                write!(f, "response head has more than {MAX_HEADERS} header fields")
            }
            HeadError::Malformed(why) => write!(f, "malformed response head: {why}"),
            HeadError::InvalidStatus(code) => write!(f, "invalid status code {code}"),
            HeadError::Truncated => {
                f.write_str("connection closed in the middle of the response head")
            }
            HeadError::UnexpectedUpgrade => {
                f.write_str("server switched protocols (101) without being asked")
            }
        }
    }
}

impl std::error::Error for HeadError {}

/// Parses a response head from the start of `buf`.
pub(crate) fn parse_response_head(buf: &[u8]) -> Result<Option<(ResponseHead, usize)>, HeadError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut fields);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD_BYTES => {
            return Err(HeadError::TooLarge)
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(e) => return Err(HeadError::Malformed(e.to_string())),
    };
    if len > MAX_HEAD_BYTES {
        return Err(HeadError::TooLarge);
    }
    let version = match response.version {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    };
    let code = response.code.unwrap_or(0);
    let status = StatusCode::from_u16(code).map_err(|_| HeadError::InvalidStatus(code))?;
    let mut headers = HeaderMap::with_capacity(response.headers.len());
    for field in response.headers.iter() {
        // httparse already checked the token and value grammar; the http
        // crate checks again, and we report rather than trust.
        let name = HeaderName::from_bytes(field.name.as_bytes())
            .map_err(|_| HeadError::Malformed("invalid header name".into()))?;
        let value = HeaderValue::from_bytes(field.value)
            .map_err(|_| HeadError::Malformed("invalid header value".into()))?;
        headers.append(name, value);
    }
    Ok(Some((
        ResponseHead {
            version,
            status,
            headers,
        },
        len,
    )))
}

/// Writes a request head into `out`: the request line, `Host`, then
/// `headers` (which the client has already completed with User-Agent,
/// Content-Length and the like). `http`'s header types cannot hold CR or
/// LF, and the URL parser refuses them, so nothing here can split the head.
pub(crate) fn encode_request_head(
    method: &Method,
    target: &str,
    host: &str,
    headers: &HeaderMap,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    if !headers.contains_key(http::header::HOST) {
        out.extend_from_slice(b"host: ");
        out.extend_from_slice(host.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Option<(ResponseHead, usize)>, HeadError> {
        parse_response_head(bytes)
    }

    #[test]
    fn complete_head_reports_its_length() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello";
        let (head, len) = parse(raw).unwrap().unwrap();
        assert_eq!(len, raw.len() - 5);
        assert_eq!(head.status, StatusCode::OK);
        assert_eq!(head.version, Version::HTTP_11);
        assert_eq!(head.headers["content-length"], "5");
        assert_eq!(head.headers.get_all("x-a").iter().count(), 2);
    }

    #[test]
    fn every_prefix_of_a_head_is_partial() {
        let raw = b"HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n";
        for end in 0..raw.len() {
            assert!(parse(&raw[..end]).unwrap().is_none(), "prefix {end}");
        }
        let (head, _) = parse(raw).unwrap().unwrap();
        assert_eq!(
            (head.status.as_u16(), head.version),
            (404, Version::HTTP_10)
        );
    }

    #[test]
    fn bad_heads_are_errors() {
        let cases: [(&[u8], HeadError); 3] = [
            (
                b"HTTP/2 200 OK\r\n\r\n",
                HeadError::Malformed("invalid HTTP version".into()),
            ),
            (
                b"HTTP/1.1 20 OK\r\n\r\n",
                HeadError::Malformed("invalid response status".into()),
            ),
            (
                b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
                HeadError::Malformed("invalid header name".into()),
            ),
        ];
        for (raw, err) in cases {
            assert_eq!(
                parse(raw).unwrap_err(),
                err,
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn limits_hold() {
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("x-{i}: y\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse(&many).unwrap_err(), HeadError::TooManyHeaders);

        let mut big = b"HTTP/1.1 200 OK\r\nx: ".to_vec();
        big.resize(MAX_HEAD_BYTES, b'a');
        assert_eq!(parse(&big).unwrap_err(), HeadError::TooLarge);
        big.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse(&big).unwrap_err(), HeadError::TooLarge);
    }

    #[test]
    fn request_head_has_host_first() {
        let mut headers = HeaderMap::new();
        headers.insert("user-agent", HeaderValue::from_static("evloop"));
        let mut out = Vec::new();
        encode_request_head(&Method::GET, "/a?b", "h:8080", &headers, &mut out);
        assert_eq!(
            out,
            b"GET /a?b HTTP/1.1\r\nhost: h:8080\r\nuser-agent: evloop\r\n\r\n"
        );
    }
}
