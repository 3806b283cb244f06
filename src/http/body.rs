//! Response bodies, sans-IO: which framing a response uses, and a decoder
//! that turns framed bytes into body bytes.
//!
//! [`Decoder::decode`] takes the bytes buffered so far and returns how many
//! it consumed and which of them are body data; consuming nothing means
//! "feed me more". [`Decoder::eof`] says whether the connection closing now
//! ends the body or truncates it. No allocation depends on a number the
//! server sent.

use std::fmt;
use std::ops::Range;

use http::header::{HeaderMap, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{Method, StatusCode};

/// The longest chunk-size line (size, extensions, CRLF) we accept. Real
/// servers send a few hex digits; extensions are rare and short.
const MAX_CHUNK_LINE: usize = 4096;

/// The most bytes of trailer fields after the last chunk (the head limit:
/// trailers are head fields that come late).
const MAX_TRAILER_BYTES: usize = super::head::MAX_HEAD_BYTES;

/// Why a body could not be framed or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Two Content-Length values that differ.
    ConflictingLength,
    /// A Content-Length that is not a non-negative number that fits in u64.
    InvalidLength,
    /// Both Transfer-Encoding and Content-Length: a request-smuggling shape
    /// (RFC 9112, 6.1) that we refuse rather than guess.
    LengthAndChunked,
    /// A chunk-size line that is not hex digits, is too long, or overflows.
    InvalidChunkSize,
    /// Chunk data not followed by CRLF.
    MissingChunkEnd,
    /// Trailer fields larger than the head limit.
    TrailersTooLarge,
    /// The connection closed before the body's end.
    Truncated,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyError::ConflictingLength => "conflicting Content-Length values",
            BodyError::InvalidLength => "invalid Content-Length",
            BodyError::LengthAndChunked => "both Content-Length and Transfer-Encoding",
            BodyError::InvalidChunkSize => "invalid chunk size line",
            BodyError::MissingChunkEnd => "chunk data not followed by CRLF",
            BodyError::TrailersTooLarge => "trailer fields too large",
            BodyError::Truncated => "connection closed before the end of the body",
        })
    }
}

impl std::error::Error for BodyError {}

/// How a response's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body at all: HEAD, 1xx, 204, 304, or `Content-Length: 0`.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes (HTTP/1.0 style); the connection
    /// cannot be reused afterwards.
    UntilClose,
}

/// The framing of a response to `method` with `status` and `headers`
/// (RFC 9112, 6.3).
pub(crate) fn framing(
    method: &Method,
    status: StatusCode,
    headers: &HeaderMap,
) -> Result<Framing, BodyError> {
    // These never have a body, whatever their headers claim.
    if method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return Ok(Framing::Empty);
    }
    let length = content_length(headers)?;
    if headers.contains_key(TRANSFER_ENCODING) {
        if length.is_some() {
            return Err(BodyError::LengthAndChunked);
        }
        // Only a final `chunked` delimits the body; any other coding runs
        // until the connection closes.
        let last = headers
            .get_all(TRANSFER_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty());
        return Ok(match last {
            Some(coding) if coding.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            _ => Framing::UntilClose,
        });
    }
    Ok(match length {
        Some(0) => Framing::Empty,
        Some(n) => Framing::Length(n),
        None => Framing::UntilClose,
    })
}

/// The Content-Length, if any; every value (across repeated fields and
/// comma lists) must be the same number.
fn content_length(headers: &HeaderMap) -> Result<Option<u64>, BodyError> {
    let mut length = None;
    for value in headers.get_all(CONTENT_LENGTH) {
        let value = value.to_str().map_err(|_| BodyError::InvalidLength)?;
        for part in value.split(',') {
            let part = part.trim();
            // u64::from_str accepts a leading '+'; the grammar is 1*DIGIT.
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BodyError::InvalidLength);
            }
            let n: u64 = part.parse().map_err(|_| BodyError::InvalidLength)?;
            match length {
                Some(prev) if prev != n => return Err(BodyError::ConflictingLength),
                _ => length = Some(n),
            }
        }
    }
    Ok(length)
}

/// One step of decoding: `consumed` bytes of the input were used, and
/// `data` (a range inside them) is body data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) consumed: usize,
    pub(crate) data: Range<usize>,
}

/// Turns framed bytes into body bytes, a step at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoder {
    state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// This many body bytes still to come.
    Length(u64),
    /// Before a chunk-size line.
    ChunkSize,
    /// Inside a chunk: this many data bytes still to come.
    ChunkData(u64),
    /// After a chunk's data: its CRLF.
    ChunkEnd,
    /// After the last chunk: trailer lines until an empty one; the count is
    /// the trailer bytes seen so far.
    Trailers(usize),
    /// Everything until EOF.
    UntilClose,
    /// The body ended.
    Done,
}

impl Decoder {
    /// A decoder for `framing`.
    pub(crate) fn new(framing: Framing) -> Decoder {
        let state = match framing {
            Framing::Empty | Framing::Length(0) => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::ChunkSize,
            Framing::UntilClose => State::UntilClose,
        };
        Decoder { state }
    }

    /// True once the whole body was decoded.
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from the start of `input`. A step that consumed nothing and
    /// is not done needs more input.
    pub(crate) fn decode(&mut self, input: &[u8]) -> Result<Step, BodyError> {
        let none = Step {
            consumed: 0,
            data: 0..0,
        };
        match self.state {
            State::Done => Ok(none),
            State::UntilClose => Ok(Step {
                consumed: input.len(),
                data: 0..input.len(),
            }),
            State::Length(remaining) => {
                Ok(self.counted(remaining, input, State::Length, State::Done))
            }
            State::ChunkData(remaining) => {
                Ok(self.counted(remaining, input, State::ChunkData, State::ChunkEnd))
            }
            State::ChunkEnd => match input {
                [b'\r', b'\n', ..] => {
                    self.state = State::ChunkSize;
                    Ok(Step {
                        consumed: 2,
                        data: 0..0,
                    })
                }
                [] | [b'\r'] => Ok(none),
                _ => Err(BodyError::MissingChunkEnd),
            },
            State::ChunkSize => {
                let Some(line_len) = line(input, MAX_CHUNK_LINE, BodyError::InvalidChunkSize)?
                else {
                    return Ok(none);
                };
                let size = parse_chunk_size(&input[..line_len])?;
                self.state = if size == 0 {
                    State::Trailers(0)
                } else {
                    State::ChunkData(size)
                };
                Ok(Step {
                    consumed: line_len,
                    data: 0..0,
                })
            }
            State::Trailers(seen) => {
                let room = MAX_TRAILER_BYTES - seen;
                let Some(line_len) = line(input, room, BodyError::TrailersTooLarge)? else {
                    return Ok(none);
                };
                // An empty line (just CRLF or LF) ends the trailers; other
                // lines are trailer fields, which we read past and drop.
                self.state = if line_len <= 2
                    && input[..line_len].iter().all(|b| *b == b'\r' || *b == b'\n')
                {
                    State::Done
                } else {
                    State::Trailers(seen + line_len)
                };
                Ok(Step {
                    consumed: line_len,
                    data: 0..0,
                })
            }
        }
    }

    /// Takes up to `remaining` bytes of body data (a `Content-Length` body
    /// or a chunk's data): the state is `more(left)` while some are still
    /// to come, `after` once none are.
    fn counted(
        &mut self,
        remaining: u64,
        input: &[u8],
        more: fn(u64) -> State,
        after: State,
    ) -> Step {
        let n = take(remaining, input.len());
        let left = remaining - n as u64;
        self.state = if left == 0 { after } else { more(left) };
        Step {
            consumed: n,
            data: 0..n,
        }
    }

    /// The connection reached EOF: fine if the body is done or runs until
    /// close, a truncation otherwise.
    pub(crate) fn eof(&mut self) -> Result<(), BodyError> {
        match self.state {
            State::Done => Ok(()),
            State::UntilClose => {
                self.state = State::Done;
                Ok(())
            }
            _ => Err(BodyError::Truncated),
        }
    }
}

/// `min(remaining, available)` without overflow on 32-bit targets.
fn take(remaining: u64, available: usize) -> usize {
    usize::try_from(remaining).map_or(available, |r| r.min(available))
}

/// The length of the line at the start of `input`, LF included, if a whole
/// line is there; an error if no LF comes within `max` bytes.
fn line(input: &[u8], max: usize, too_long: BodyError) -> Result<Option<usize>, BodyError> {
    match input.iter().take(max).position(|b| *b == b'\n') {
        Some(i) => Ok(Some(i + 1)),
        None if input.len() >= max => Err(too_long),
        None => Ok(None),
    }
}

/// Parses `1*HEXDIG [ ; extensions ] CRLF` (RFC 9112, 7.1).
fn parse_chunk_size(line: &[u8]) -> Result<u64, BodyError> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(end);
    // After the digits: nothing, or optional whitespace then `;` extensions.
    let spaces = rest
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    let rest = &rest[spaces..];
    if digits.is_empty() || !(rest.is_empty() || rest[0] == b';') {
        return Err(BodyError::InvalidChunkSize);
    }
    let mut size: u64 = 0;
    for &d in digits {
        let v = (d as char)
            .to_digit(16)
            .ok_or(BodyError::InvalidChunkSize)? as u64;
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(v))
            .ok_or(BodyError::InvalidChunkSize)?;
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(fields: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in fields {
            let name = http::HeaderName::from_bytes(k.as_bytes()).unwrap();
            map.append(name, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    /// Method, status, header fields, and the framing they mean.
    type FramingCase = (
        Method,
        u16,
        Vec<(&'static str, &'static str)>,
        Result<Framing, BodyError>,
    );

    #[test]
    fn framing_follows_rfc_9112() {
        use Framing::*;
        let get = Method::GET;
        let cases: Vec<FramingCase> = vec![
            (
                get.clone(),
                200,
                vec![("content-length", "10")],
                Ok(Length(10)),
            ),
            (get.clone(), 200, vec![("content-length", "0")], Ok(Empty)),
            (get.clone(), 200, vec![], Ok(UntilClose)),
            (
                get.clone(),
                200,
                vec![("transfer-encoding", "chunked")],
                Ok(Chunked),
            ),
            (
                get.clone(),
                200,
                vec![("transfer-encoding", "gzip, Chunked")],
                Ok(Chunked),
            ),
            (
                get.clone(),
                200,
                vec![("transfer-encoding", "chunked, gzip")],
                Ok(UntilClose),
            ),
            (Method::HEAD, 200, vec![("content-length", "10")], Ok(Empty)),
            (get.clone(), 204, vec![("content-length", "10")], Ok(Empty)),
            (
                get.clone(),
                304,
                vec![("transfer-encoding", "chunked")],
                Ok(Empty),
            ),
            (get.clone(), 100, vec![], Ok(Empty)),
            (
                get.clone(),
                200,
                vec![("content-length", "5"), ("content-length", "5")],
                Ok(Length(5)),
            ),
            (
                get.clone(),
                200,
                vec![("content-length", "5, 5")],
                Ok(Length(5)),
            ),
            (
                get.clone(),
                200,
                vec![("content-length", "5"), ("content-length", "6")],
                Err(BodyError::ConflictingLength),
            ),
            (
                get.clone(),
                200,
                vec![("content-length", "5,6")],
                Err(BodyError::ConflictingLength),
            ),
            (
                get.clone(),
                200,
                vec![("content-length", "-1")],
                Err(BodyError::InvalidLength),
            ),
            (
                get.clone(),
                200,
                vec![("content-length", "+5")],
                Err(BodyError::InvalidLength),
            ),
            (
                get.clone(),
                200,
                vec![("content-length", "")],
                Err(BodyError::InvalidLength),
            ),
            (
                get.clone(),
                200,
                vec![("content-length", "18446744073709551616")],
                Err(BodyError::InvalidLength),
            ),
            (
                get.clone(),
                200,
                vec![("content-length", "3"), ("transfer-encoding", "chunked")],
                Err(BodyError::LengthAndChunked),
            ),
        ];
        for (method, status, fields, expected) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            let map = headers(&fields);
            assert_eq!(
                framing(&method, status, &map),
                expected,
                "{method} {status} {fields:?}"
            );
        }
    }

    /// Feeds `input` to a decoder in pieces of `split` bytes, the way reads
    /// from a socket would arrive; returns the body and whether it is done.
    fn decode_in_pieces(
        framing: Framing,
        input: &[u8],
        split: usize,
    ) -> Result<(Vec<u8>, bool), BodyError> {
        let mut decoder = Decoder::new(framing);
        let mut buffered = Vec::new();
        let mut body = Vec::new();
        let mut fed = 0;
        loop {
            let step = decoder.decode(&buffered)?;
            body.extend_from_slice(&buffered[step.data.clone()]);
            buffered.drain(..step.consumed);
            if decoder.is_done() {
                return Ok((body, true));
            }
            if step.consumed == 0 {
                if fed == input.len() {
                    decoder.eof()?;
                    return Ok((body, decoder.is_done()));
                }
                let end = (fed + split).min(input.len());
                buffered.extend_from_slice(&input[fed..end]);
                fed = end;
            }
        }
    }

    #[test]
    fn chunked_with_extensions_and_trailers_in_every_split() {
        let wire =
            b"5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nExpires: never\r\nX-T: 1\r\n\r\n";
        for split in 1..=wire.len() {
            let (body, done) = decode_in_pieces(Framing::Chunked, wire, split).unwrap();
            assert_eq!(body, b"hello world", "split {split}");
            assert!(done);
        }
    }

    #[test]
    fn length_and_until_close() {
        for split in 1..8 {
            assert_eq!(
                decode_in_pieces(Framing::Length(5), b"hello", split).unwrap(),
                (b"hello".to_vec(), true)
            );
            assert_eq!(
                decode_in_pieces(Framing::UntilClose, b"all of it", split).unwrap(),
                (b"all of it".to_vec(), true)
            );
        }
        assert_eq!(
            decode_in_pieces(Framing::Empty, b"", 1).unwrap(),
            (vec![], true)
        );
    }

    #[test]
    fn truncated_bodies_are_errors() {
        assert_eq!(
            decode_in_pieces(Framing::Length(10), b"hello", 3),
            Err(BodyError::Truncated)
        );
        assert_eq!(
            decode_in_pieces(Framing::Chunked, b"5\r\nhel", 2),
            Err(BodyError::Truncated)
        );
        assert_eq!(
            decode_in_pieces(Framing::Chunked, b"5\r\nhello\r\n", 2),
            Err(BodyError::Truncated)
        );
        assert_eq!(
            decode_in_pieces(Framing::Chunked, b"0\r\n", 2),
            Err(BodyError::Truncated)
        );
    }

    #[test]
    fn bad_chunks_are_errors() {
        let cases: [(&[u8], BodyError); 6] = [
            (b"x\r\n", BodyError::InvalidChunkSize),
            (b"\r\n", BodyError::InvalidChunkSize),
            (b"-5\r\n", BodyError::InvalidChunkSize),
            (b"10000000000000000\r\n", BodyError::InvalidChunkSize),
            (b"5 5\r\n", BodyError::InvalidChunkSize),
            (b"2\r\nhiXX", BodyError::MissingChunkEnd),
        ];
        for (wire, err) in cases {
            assert_eq!(
                decode_in_pieces(Framing::Chunked, wire, 64),
                Err(err),
                "{}",
                String::from_utf8_lossy(wire)
            );
        }
        let endless = vec![b'1'; MAX_CHUNK_LINE];
        assert_eq!(
            decode_in_pieces(Framing::Chunked, &endless, 100),
            Err(BodyError::InvalidChunkSize)
        );
        let mut big_trailers = b"0\r\n".to_vec();
        big_trailers.extend(std::iter::repeat(b'a').take(MAX_TRAILER_BYTES));
        assert_eq!(
            decode_in_pieces(Framing::Chunked, &big_trailers, 4096),
            Err(BodyError::TrailersTooLarge)
        );
    }

    #[test]
    fn largest_chunk_size_parses_without_allocating() {
        // A chunk claiming 2^64-1 bytes is accepted as a size; the body is
        // then truncated, and nothing was reserved for it.
        assert_eq!(
            decode_in_pieces(Framing::Chunked, b"ffffffffffffffff\r\nab", 64),
            Err(BodyError::Truncated)
        );
    }
}
