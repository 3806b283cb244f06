//! Entry points for the fuzz targets in `fuzz/` (the `fuzzing` feature).
//!
//! Why this exists: the response head parser, the body decoder and the
//! connection's read buffer are crate-private, and should stay so; the fuzz
//! targets are a separate crate and need to reach them. This module is the
//! narrowest door: it exists only with the `fuzzing` feature (never a
//! default), is hidden from the docs, and is no part of the public API or
//! its semver promises.
//!
//! Each `check_*` function is a whole fuzz target: it decodes the raw fuzzer
//! input, drives the client code, and panics if an invariant breaks. The
//! targets in `fuzz/fuzz_targets/` only call them, and
//! `tests/http_fuzz_regressions.rs` replays the inputs that once failed
//! through the very same functions, with plain `cargo test`.
//!
//! # Input layout of the split targets
//!
//! `check_response` and `check_chunked` read their input as:
//!
//! ```text
//! [n] [n piece lengths] [wire bytes ...]
//! ```
//!
//! `n` is taken modulo 16; each piece length byte `b` means a read of
//! `b + 1` bytes, and the lengths repeat until the wire bytes run out. With
//! `n = 0` the whole wire arrives in one read. So a seed file is readable:
//! `\x00` followed by an HTTP response (after the flags byte, for
//! `check_response`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use futures_task::ArcWake;
use http::Method;

use super::body::{framing, BodyError, Decoder, Framing};
use super::client::{exchange, keep_alive};
use super::conn::{Conn, ReadBodyError};
use super::io::{BoxIo, Io};
use super::Url;

/// The largest input the targets look at: bigger inputs only slow the
/// fuzzer down (every limit in the client is reachable well below this
/// except the 64 KiB head limit, which unit tests cover).
pub const MAX_INPUT: usize = 32 * 1024;

/// The body limit the response target reads with (`max_response_body`).
const MAX_BODY: u64 = 1 << 20;

/// How many responses one connection may carry in the response target.
const MAX_RESPONSES: usize = 4;

/// Cuts `data` into the wire bytes and the read sizes they arrive in (see
/// the module docs for the layout).
pub fn split_input(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return (Vec::new(), &[]);
    };
    let n = usize::from(n % 16).min(rest.len());
    let (lengths, wire) = rest.split_at(n);
    (lengths.iter().map(|&b| usize::from(b) + 1).collect(), wire)
}

/// `wire` cut into pieces of the given sizes, repeated; one piece if there
/// are no sizes.
pub fn pieces<'a>(wire: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    if sizes.is_empty() {
        return vec![wire];
    }
    let mut out = Vec::new();
    let mut rest = wire;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, tail) = rest.split_at(size.min(rest.len()));
        out.push(piece);
        rest = tail;
    }
    out
}

/// What reading responses off one scripted connection gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The final responses read, in order: status and decoded body.
    pub responses: Vec<(u16, Vec<u8>)>,
    /// The error that ended the reading, as its message; `None` if the
    /// server closed cleanly between responses (or the cap was reached).
    pub error: Option<String>,
}

/// Reads responses off a connection whose reads return `pieces` one by one
/// and then EOF, the way the client does: write a request, read the final
/// head (skipping 1xx), pick the framing, read the body up to 1 MiB, and
/// go on with the next request while the connection stays reusable.
pub fn read_responses(method: &Method, pieces: &[&[u8]]) -> Exchange {
    read_responses_parking(method, pieces, false)
}

/// [`read_responses`], and with `park` every read first returns `Pending`
/// (waking the task, as a readiness event would) before its piece.
pub fn read_responses_parking(method: &Method, pieces: &[&[u8]], park: bool) -> Exchange {
    let stream = Script {
        pieces: pieces.iter().rev().map(|p| p.to_vec()).collect(),
        park,
        parked: false,
    };
    let mut conn: Conn<BoxIo> = Conn::new(Box::new(stream));
    let request_headers = http::HeaderMap::new();
    let mut responses = Vec::new();
    let error = run_to_completion(async {
        while responses.len() < MAX_RESPONSES {
            let head = match exchange(&mut conn, b"GET / HTTP/1.1\r\n\r\n", b"").await {
                Ok((head, _)) => head,
                // The server closed the kept-alive connection before a
                // new response: the end of the script, not a failure.
                Err(_) if !responses.is_empty() && !conn.received_any() => return None,
                Err(failure) => return Some(failure.error.to_string()),
            };
            let framing = match framing(method, head.status, &head.headers) {
                Ok(framing) => framing,
                Err(e) => return Some(e.to_string()),
            };
            let mut decoder = Decoder::new(framing);
            let mut body = Vec::new();
            loop {
                match conn.read_body_into(&mut decoder, &mut body).await {
                    Ok(true) if body.len() as u64 > MAX_BODY => {
                        return Some("body longer than the limit".to_owned())
                    }
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(ReadBodyError::Io(e)) => return Some(e.to_string()),
                    Err(ReadBodyError::Body(e)) => return Some(e.to_string()),
                }
            }
            // A complete body has exactly the length its framing gave.
            match framing {
                Framing::Empty => assert!(body.is_empty(), "{} bytes of empty body", body.len()),
                Framing::Length(n) => assert_eq!(body.len() as u64, n, "Content-Length body"),
                Framing::Chunked | Framing::UntilClose => {}
            }
            responses.push((head.status.as_u16(), body));
            // The client pools a connection only in these conditions.
            // (Bytes already buffered past the body would keep the client
            // from pooling the connection; here they are read as the next
            // response, so that the result cannot depend on whether they
            // arrived in the same read as the body.)
            if framing == Framing::UntilClose || !keep_alive(&head, &request_headers) {
                return None;
            }
        }
        None
    });
    Exchange { responses, error }
}

/// The response target: `[flags] [split input]`, where bit 0 of `flags`
/// makes the request a HEAD and bit 1 makes every read return `Pending`
/// once first. Checks that decoding never panics or stalls,
/// that the bodies are never longer than the wire, and that the result does
/// not depend on how the bytes were split into reads.
pub fn check_response(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let method = if flags & 1 == 1 {
        Method::HEAD
    } else {
        Method::GET
    };
    let (sizes, wire) = split_input(rest);
    let park = flags & 2 == 2;
    let split = read_responses_parking(&method, &pieces(wire, &sizes), park);
    let body_bytes: usize = split.responses.iter().map(|(_, b)| b.len()).sum();
    assert!(
        body_bytes <= wire.len(),
        "{body_bytes} body bytes out of {} wire bytes",
        wire.len()
    );
    for (status, _) in &split.responses {
        assert!(
            (200..1000).contains(status),
            "interim or invalid status {status} returned as final"
        );
    }
    if !sizes.is_empty() || park {
        let whole = read_responses(&method, &[wire]);
        assert_eq!(split, whole, "the result depends on the read sizes");
    }
}

/// Decodes a chunked body that arrives in `pieces`, then EOF, the way
/// the connection feeds the decoder: unconsumed bytes stay buffered and the next
/// piece is appended to them. An error is the decoder's message.
pub fn decode_chunked(pieces: &[&[u8]]) -> Result<Vec<u8>, String> {
    decode_chunked_inner(pieces).map_err(|e| e.to_string())
}

fn decode_chunked_inner(pieces: &[&[u8]]) -> Result<Vec<u8>, BodyError> {
    let mut decoder = Decoder::new(Framing::Chunked);
    let mut buffered = Vec::new();
    let mut body = Vec::new();
    let mut next = pieces.iter();
    loop {
        let step = decoder.decode(&buffered)?;
        assert!(
            step.consumed <= buffered.len() && step.data.end <= step.consumed,
            "step {step:?} out of {} buffered bytes",
            buffered.len()
        );
        body.extend_from_slice(&buffered[step.data.clone()]);
        buffered.drain(..step.consumed);
        if decoder.is_done() {
            return Ok(body);
        }
        if step.consumed == 0 {
            match next.next() {
                Some(piece) => buffered.extend_from_slice(piece),
                None => {
                    decoder.eof()?;
                    return Ok(body);
                }
            }
        }
    }
}

/// Encodes `body` as chunks of the given sizes (cycled), then the last chunk.
fn encode_chunked(body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in pieces(body, sizes) {
        if piece.is_empty() {
            continue;
        }
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// The chunked target: a split input of chunked framing. Checks that the
/// decoder never panics, never returns more body than wire, that the result
/// does not depend on the read sizes, and that a decoded body encoded again
/// (in chunks of the read sizes) decodes to itself.
pub fn check_chunked(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let (sizes, wire) = split_input(data);
    let split = decode_chunked(&pieces(wire, &sizes));
    if let Ok(body) = &split {
        assert!(body.len() <= wire.len());
        let again = encode_chunked(body, &sizes);
        assert_eq!(decode_chunked(&[&again]).as_ref(), Ok(body));
    }
    let whole = decode_chunked(&[wire]);
    assert_eq!(split, whole, "the result depends on the read sizes");
}

/// The URL target: any string. A URL that parses serializes to a string
/// that parses to the same URL, shows no userinfo, and has a request target
/// that starts with `/` and cannot split a request line.
pub fn check_url(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(url) = Url::parse(input) {
        check_parsed(&url);
    }
}

/// The invariants of a URL that parsed, whatever it came from.
fn check_parsed(url: &Url) {
    let again = Url::parse(url.as_str())
        .unwrap_or_else(|e| panic!("{url:?} serializes to a string that fails: {e}"));
    // Userinfo is not serialized, so compare everything but it.
    assert_eq!(again.as_str(), url.as_str());
    assert_eq!(again.scheme(), url.scheme(), "{url:?}");
    assert_eq!(again.host(), url.host(), "{url:?}");
    assert_eq!(again.port(), url.port(), "{url:?}");
    assert_eq!(again.authority(), url.authority(), "{url:?}");
    assert_eq!(again.path_and_query(), url.path_and_query(), "{url:?}");
    assert!(matches!(url.scheme(), "http" | "https"));
    assert!(!url.host().is_empty(), "{url:?}");
    assert!(url.port() > 0, "{url:?}");
    let target = url.path_and_query();
    assert!(target.starts_with('/'), "{url:?}");
    assert!(
        !target.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'#'),
        "{url:?} has a target that breaks the request line"
    );
    // The serialized form is exactly its parts: no userinfo, no fragment.
    let parts = format!("{}://{}{}", url.scheme(), url.authority(), target);
    assert_eq!(url.as_str(), parts);
}

/// The Location target: `base URL \n Location`. If the base parses, the
/// resolved Location is an error or an `http`/`https` URL with the URL
/// invariants; a relative Location keeps the base's scheme, host and port
/// and never carries the base's credentials.
pub fn check_location(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (base, location) = input
        .split_once('\n')
        .unwrap_or(("http://a.example/b/c?d", input));
    let Ok(base) = Url::parse(base) else {
        return;
    };
    let Ok(next) = base.join(location) else {
        return;
    };
    check_parsed(&next);
    let trimmed = location.trim_matches(|c: char| c <= ' ' || c == '\x7f');
    let before_path = trimmed.split(['/', '?', '#']).next().unwrap_or("");
    let absolute = trimmed.starts_with("//") || before_path.contains(':');
    if !absolute {
        assert!(
            base.same_origin(&next),
            "{base:?} + {location:?} = {next:?}"
        );
        assert_eq!(next.basic_auth(), None, "{base:?} + {location:?}");
    }
}

/// Polls `future` until it finishes. The script's reads never block (a
/// `Pending` from it comes with a wake-up), so a `Pending` without a wake
/// is a lost wake-up that would hang a real request: a panic here.
fn run_to_completion<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let woken = Arc::new(Woken(AtomicBool::new(false)));
    let waker = futures_task::waker(Arc::clone(&woken));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => assert!(
                woken.0.swap(false, Ordering::SeqCst),
                "stalled: pending without a wake-up"
            ),
        }
    }
}

/// A waker that records that it was woken.
struct Woken(AtomicBool);

impl ArcWake for Woken {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.store(true, Ordering::SeqCst);
    }
}

/// A connection whose reads return scripted pieces, then EOF; writes are
/// accepted and dropped.
struct Script {
    /// The pieces still to read, last one first (so `pop` is the next).
    pieces: Vec<Vec<u8>>,
    /// Whether each piece is preceded by one `Pending` (with a wake).
    park: bool,
    /// Whether the `Pending` before the next piece was returned.
    parked: bool,
}

// The default staleness check (one read with an unwatched waker) is the
// right one for a scripted stream.
impl Io for Script {}

impl AsyncRead for Script {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.park && !self.parked && !self.pieces.is_empty() {
            self.parked = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.parked = false;
        let Some(mut piece) = self.pieces.pop() else {
            return Poll::Ready(Ok(0));
        };
        let n = piece.len().min(buf.len());
        buf[..n].copy_from_slice(&piece[..n]);
        if n < piece.len() {
            self.pieces.push(piece.split_off(n));
        }
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for Script {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
