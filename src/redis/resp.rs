//! RESP, the Redis protocol: requests out, replies in.
//!
//! A request is an array of bulk strings, each length-prefixed, so an
//! argument can hold any bytes (a `\r\n` in a value cannot start a second
//! command). A reply is one typed value, possibly nested:
//!
//! ```text
//!   +OK\r\n              simple string     -ERR bad\r\n     error
//!   :42\r\n              integer           $5\r\nhello\r\n  bulk string ($-1: nil)
//!   *2\r\n:1\r\n:2\r\n   array of two      RESP3: _ , # ! = ( % ~ > |
//! ```
//!
//! [`Parser`] is incremental: it takes whatever bytes have arrived, keeps
//! the aggregates it has started on a stack, and says how many bytes it
//! used, so a reply split across any number of reads is parsed once, never
//! from its start again. It trusts nothing the server says about sizes: a
//! count never preallocates more than a little, a reply's wire bytes and
//! decoded values are charged against a limit (512 MiB by default, Redis'
//! own bulk limit), and nesting is bounded.
//!
//! Written here rather than taken from the `redis-protocol` crate: the
//! parser is about 300 lines, and the crate would bring `bytes`,
//! `bytes-utils`, `nom` and more into every build of a tiny program.

use std::fmt;

use super::value::{ServerError, Value};

/// How much a reply may take, and how deep it may nest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Wire bytes plus decoded size of one top-level reply.
    pub(crate) max_reply: usize,
    /// Aggregates inside aggregates.
    pub(crate) max_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_reply: 512 * 1024 * 1024,
            max_depth: 128,
        }
    }
}

/// The longest header line (type byte, number or simple string, CRLF)
/// that may be waited for: a server that sends more without a line end
/// is not speaking RESP.
const MAX_LINE: usize = 64 * 1024;

/// A count never reserves room for more elements than this up front; the
/// elements that really arrive grow the vector.
const PREALLOC: usize = 64;

/// The server sent something that is not a valid reply, or too much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProtocolError(pub(crate) String);

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn error<T>(message: impl Into<String>) -> Result<T, ProtocolError> {
    Err(ProtocolError(message.into()))
}

/// An aggregate whose elements are still arriving.
#[derive(Debug)]
struct Frame {
    kind: Aggregate,
    /// Elements still to come.
    left: usize,
    items: Vec<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Aggregate {
    Array,
    Set,
    /// Pairs, stored flat: key, value, key, value.
    Map,
    Push,
    /// RESP3 attributes: a map about the next value, which we drop.
    Attribute,
}

/// Parses replies from a byte stream, a piece at a time.
#[derive(Debug)]
pub(crate) struct Parser {
    limits: Limits,
    /// The aggregates started and not finished, outermost first.
    stack: Vec<Frame>,
    /// What the reply being parsed has cost so far.
    used: usize,
}

impl Parser {
    pub(crate) fn new(limits: Limits) -> Parser {
        Parser {
            limits,
            stack: Vec::new(),
            used: 0,
        }
    }

    /// Parses from `buf`, which starts where the last call's used bytes
    /// ended. Returns the bytes used and, if one was completed, a reply.
    /// Call again with the rest of the buffer for the next reply; with
    /// `None`, wait for more bytes (the used ones can be dropped).
    pub(crate) fn parse(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>), ProtocolError> {
        let mut pos = 0;
        loop {
            let Some((len, element)) = self.element(&buf[pos..])? else {
                return Ok((pos, None));
            };
            pos += len;
            self.charge(len)?;
            let mut done = match element {
                Element::Value(value) => value,
                Element::Start(kind, count) => {
                    if self.stack.len() >= self.limits.max_depth {
                        return error(format!(
                            "reply nested deeper than {} levels",
                            self.limits.max_depth
                        ));
                    }
                    self.stack.push(Frame {
                        kind,
                        left: count,
                        items: Vec::with_capacity(count.min(PREALLOC)),
                    });
                    match self.finish_empty() {
                        Some(value) => value,
                        None => continue,
                    }
                }
            };
            // Hand the value up through every aggregate it completes.
            loop {
                let Some(frame) = self.stack.last_mut() else {
                    self.used = 0;
                    return Ok((pos, Some(done)));
                };
                frame.items.push(done);
                frame.left -= 1;
                if frame.left > 0 {
                    break;
                }
                let frame = self.stack.pop().expect("a frame");
                match close(frame) {
                    Some(value) => done = value,
                    // Attributes describe the next value: parse on.
                    None => break,
                }
            }
        }
    }

    /// Pops and returns an aggregate that was announced with no elements
    /// (or an attribute with none), as many levels as that completes.
    fn finish_empty(&mut self) -> Option<Value> {
        if self.stack.last().is_some_and(|f| f.left == 0) {
            let frame = self.stack.pop().expect("a frame");
            let value = close(frame)?;
            // Not top level: the caller's loop hands it up.
            return Some(value);
        }
        None
    }

    /// Charges `bytes` of wire and one decoded value to the reply's budget.
    fn charge(&mut self, bytes: usize) -> Result<(), ProtocolError> {
        self.used = self
            .used
            .saturating_add(bytes)
            .saturating_add(std::mem::size_of::<Value>());
        if self.used > self.limits.max_reply {
            return error(format!(
                "reply larger than the {}-byte limit",
                self.limits.max_reply
            ));
        }
        Ok(())
    }

    /// One element from the start of `buf`: a whole scalar, or the header of
    /// an aggregate. `None` until all of it has arrived.
    fn element(&self, buf: &[u8]) -> Result<Option<(usize, Element)>, ProtocolError> {
        let Some(&kind) = buf.first() else {
            return Ok(None);
        };
        if !b"+-:$!=*~%>|_#,(".contains(&kind) {
            // Garbage is refused at its first byte, without waiting for a
            // line end that may never come.
            return error(format!(
                "unexpected byte {kind:#04x} ({:?}) where a reply starts",
                char::from(kind)
            ));
        }
        // The line end is searched after the type byte: a reply that
        // starts with CRLF has no type (found by fuzzing: it sliced 1..0).
        let Some(line_end) = find_crlf(&buf[1..]).map(|at| at + 1) else {
            if buf.len() > MAX_LINE {
                return error(format!("a reply line longer than {MAX_LINE} bytes"));
            }
            return Ok(None);
        };
        let line = &buf[1..line_end];
        let after = line_end + 2;
        let scalar = |value| Ok(Some((after, Element::Value(value))));
        match kind {
            b'+' => match line {
                b"OK" => scalar(Value::Okay),
                _ => scalar(Value::SimpleString(text(line))),
            },
            b'-' => scalar(Value::ServerError(ServerError { reply: text(line) })),
            b':' => scalar(Value::Int(integer(line)?)),
            b'$' | b'!' | b'=' => {
                let Some(len) = self.length(line)? else {
                    return scalar(Value::Nil);
                };
                let end = after + len;
                if buf.len() < end + 2 {
                    return Ok(None);
                }
                if &buf[end..end + 2] != b"\r\n" {
                    return error("a bulk string not followed by CRLF");
                }
                let bytes = buf[after..end].to_vec();
                let value = match kind {
                    b'$' => Value::BulkString(bytes),
                    b'!' => Value::ServerError(ServerError {
                        reply: text(&bytes),
                    }),
                    _ => verbatim(&bytes)?,
                };
                Ok(Some((end + 2, Element::Value(value))))
            }
            b'*' | b'~' | b'%' | b'>' | b'|' => {
                let Some(count) = self.length(line)? else {
                    return scalar(Value::Nil);
                };
                let (kind, count) = match kind {
                    b'*' => (Aggregate::Array, Some(count)),
                    b'~' => (Aggregate::Set, Some(count)),
                    b'>' => (Aggregate::Push, Some(count)),
                    b'%' => (Aggregate::Map, count.checked_mul(2)),
                    _ => (Aggregate::Attribute, count.checked_mul(2)),
                };
                let count = count.ok_or_else(|| ProtocolError("a map count overflows".into()))?;
                Ok(Some((after, Element::Start(kind, count))))
            }
            b'_' if line.is_empty() => scalar(Value::Nil),
            b'#' => match line {
                b"t" => scalar(Value::Boolean(true)),
                b"f" => scalar(Value::Boolean(false)),
                _ => error(format!("a boolean that is not t or f: {:?}", text(line))),
            },
            b',' => scalar(Value::Double(double(line)?)),
            b'(' if is_decimal(line) => scalar(Value::BigNumber(text(line))),
            b'(' => error(format!(
                "a big number that is not decimal: {:?}",
                text(line)
            )),
            _ => error(format!("a null with content: {:?}", text(line))),
        }
    }

    /// A length or count: `None` for -1 (nil); over the budget is an error
    /// at once, before any byte of it is waited for.
    fn length(&self, line: &[u8]) -> Result<Option<usize>, ProtocolError> {
        match integer(line)? {
            -1 => Ok(None),
            n if n < 0 => error(format!("a negative length: {n}")),
            n => {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                if n > self.limits.max_reply.saturating_sub(self.used) {
                    return error(format!(
                        "a length of {n} in a reply, over the {}-byte limit",
                        self.limits.max_reply
                    ));
                }
                Ok(Some(n))
            }
        }
    }
}

enum Element {
    Value(Value),
    Start(Aggregate, usize),
}

/// The value a finished aggregate stands for; `None` for attributes.
fn close(frame: Frame) -> Option<Value> {
    let items = frame.items;
    Some(match frame.kind {
        Aggregate::Array => Value::Array(items),
        Aggregate::Set => Value::Set(items),
        Aggregate::Map => {
            let mut pairs = Vec::with_capacity(items.len() / 2);
            let mut items = items.into_iter();
            while let (Some(k), Some(v)) = (items.next(), items.next()) {
                pairs.push((k, v));
            }
            Value::Map(pairs)
        }
        Aggregate::Push => {
            let mut items = items.into_iter();
            let kind = match items.next() {
                Some(Value::BulkString(b)) => text(&b),
                Some(Value::SimpleString(s)) => s,
                _ => String::new(),
            };
            Value::Push {
                kind,
                data: items.collect(),
            }
        }
        Aggregate::Attribute => return None,
    })
}

fn find_crlf(buf: &[u8]) -> Option<usize> {
    let limit = buf.len().min(MAX_LINE + 3);
    buf[..limit].windows(2).position(|w| w == b"\r\n")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn is_decimal(line: &[u8]) -> bool {
    let digits = line.strip_prefix(b"-").unwrap_or(line);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

fn integer(line: &[u8]) -> Result<i64, ProtocolError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ProtocolError(format!("not an integer: {:?}", text(line))))
}

fn double(line: &[u8]) -> Result<f64, ProtocolError> {
    match line {
        b"inf" => Ok(f64::INFINITY),
        b"-inf" => Ok(f64::NEG_INFINITY),
        b"nan" => Ok(f64::NAN),
        _ => std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ProtocolError(format!("not a double: {:?}", text(line)))),
    }
}

fn verbatim(bytes: &[u8]) -> Result<Value, ProtocolError> {
    match bytes.get(3) {
        Some(b':') => Ok(Value::VerbatimString {
            format: text(&bytes[..3]),
            text: text(&bytes[4..]),
        }),
        _ => error("a verbatim string without its format"),
    }
}

/// Appends one bulk string to `out`.
pub(crate) fn write_bulk(out: &mut Vec<u8>, arg: &[u8]) {
    write_header(out, b'$', arg.len());
    out.extend_from_slice(arg);
    out.extend_from_slice(b"\r\n");
}

/// Appends `<kind><n>\r\n`.
pub(crate) fn write_header(out: &mut Vec<u8>, kind: u8, n: usize) {
    // Most arrays and arguments are shorter than 100: no digit loop.
    if n < 10 {
        out.extend_from_slice(&[kind, b'0' + n as u8, b'\r', b'\n']);
        return;
    }
    if n < 100 {
        let (tens, ones) = (n / 10, n % 10);
        out.extend_from_slice(&[kind, b'0' + tens as u8, b'0' + ones as u8, b'\r', b'\n']);
        return;
    }
    out.push(kind);
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
    out.extend_from_slice(b"\r\n");
}

/// The `resp` fuzz target's check (feature `fuzzing`). Input layout: byte 0
/// is the number of cuts (mod 9), then two bytes per cut (an offset,
/// little-endian), then the wire. The wire parsed in pieces cut there gives
/// the same replies and the same error as parsed in one piece, never
/// panics, and never uses more bytes than it was given. The limit is small
/// (4 KiB), so that "over the limit" is reachable.
#[cfg(feature = "fuzzing")]
pub fn check_resp(data: &[u8]) {
    let Some((&count, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from(count % 9).min(rest.len() / 2);
    let (cuts, wire) = rest.split_at(count * 2);
    let cuts: Vec<usize> = cuts
        .chunks(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])))
        .collect();
    let limits = Limits {
        max_reply: 4096,
        max_depth: 16,
    };
    let whole = parse_in_pieces(wire, &[], limits);
    let pieces = parse_in_pieces(wire, &cuts, limits);
    assert_eq!(
        format!("{whole:?}"),
        format!("{pieces:?}"),
        "one piece and many pieces disagree"
    );
}

/// Parses `wire` fed in pieces, as a connection's reader does: the
/// replies, and the error that ended it, if any.
#[cfg(any(test, feature = "fuzzing"))]
fn parse_in_pieces(
    wire: &[u8],
    cuts: &[usize],
    limits: Limits,
) -> (Vec<Value>, Option<ProtocolError>) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.push(wire.len());
    cuts.sort_unstable();
    let mut parser = Parser::new(limits);
    let mut replies = Vec::new();
    let (mut start, mut fed) = (0, 0);
    for cut in cuts {
        fed = fed.max(cut);
        loop {
            match parser.parse(&wire[start..fed]) {
                Ok((used, reply)) => {
                    assert!(used <= fed - start, "used more bytes than given");
                    start += used;
                    match reply {
                        Some(reply) => replies.push(reply),
                        None => break,
                    }
                }
                Err(e) => return (replies, Some(e)),
            }
        }
    }
    (replies, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(wire: &[u8]) -> Result<Vec<Value>, ProtocolError> {
        let mut parser = Parser::new(Limits::default());
        let mut pos = 0;
        let mut out = Vec::new();
        loop {
            let (used, value) = parser.parse(&wire[pos..])?;
            pos += used;
            match value {
                Some(value) => out.push(value),
                None => return Ok(out),
            }
        }
    }

    /// Feeds `wire` a byte at a time, keeping only unused bytes, as a
    /// connection's buffer does.
    fn parse_dribbled(wire: &[u8]) -> Result<Vec<Value>, ProtocolError> {
        let mut parser = Parser::new(Limits::default());
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for &byte in wire {
            buf.push(byte);
            loop {
                let (used, value) = parser.parse(&buf)?;
                buf.drain(..used);
                match value {
                    Some(value) => out.push(value),
                    None => break,
                }
            }
        }
        Ok(out)
    }

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn resp2_kinds() {
        let wire = b"+OK\r\n+PONG\r\n-ERR no\r\n:-42\r\n$5\r\nhe\r\no\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n*2\r\n:1\r\n*1\r\n$1\r\nx\r\n";
        let expected = vec![
            Value::Okay,
            Value::SimpleString("PONG".into()),
            Value::ServerError(ServerError {
                reply: "ERR no".into(),
            }),
            Value::Int(-42),
            Value::BulkString(b"he\r\no".to_vec()),
            bulk(""),
            Value::Nil,
            Value::Nil,
            Value::Array(vec![]),
            Value::Array(vec![Value::Int(1), Value::Array(vec![bulk("x")])]),
        ];
        assert_eq!(parse_all(wire).unwrap(), expected);
        assert_eq!(parse_dribbled(wire).unwrap(), expected);
    }

    #[test]
    fn resp3_kinds() {
        let wire = b"_\r\n#t\r\n,1.5\r\n,inf\r\n(12345678901234567890\r\n=7\r\ntxt:abc\r\n!5\r\nERR x\r\n%1\r\n+k\r\n:1\r\n~1\r\n:2\r\n>2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n|1\r\n+ttl\r\n:3\r\n:9\r\n%0\r\n";
        let expected = vec![
            Value::Nil,
            Value::Boolean(true),
            Value::Double(1.5),
            Value::Double(f64::INFINITY),
            Value::BigNumber("12345678901234567890".into()),
            Value::VerbatimString {
                format: "txt".into(),
                text: "abc".into(),
            },
            Value::ServerError(ServerError {
                reply: "ERR x".into(),
            }),
            Value::Map(vec![(Value::SimpleString("k".into()), Value::Int(1))]),
            Value::Set(vec![Value::Int(2)]),
            Value::Push {
                kind: "message".into(),
                data: vec![bulk("hi")],
            },
            // The attribute is dropped; the value it described remains.
            Value::Int(9),
            Value::Map(vec![]),
        ];
        assert_eq!(parse_all(wire).unwrap(), expected);
        assert_eq!(parse_dribbled(wire).unwrap(), expected);
    }

    #[test]
    fn incomplete_input_uses_only_whole_elements() {
        let mut parser = Parser::new(Limits::default());
        // The array header and its first element are used; the second
        // waits for its data.
        let (used, value) = parser.parse(b"*2\r\n:1\r\n$3\r\nab").unwrap();
        assert_eq!((used, value), (8, None));
        let (used, value) = parser.parse(b"$3\r\nabc\r\n").unwrap();
        assert_eq!(used, 9);
        assert_eq!(value, Some(Value::Array(vec![Value::Int(1), bulk("abc")])));
    }

    #[test]
    fn garbage_and_bad_framing_are_errors() {
        for wire in [
            &b"hello\r\n"[..],
            b":12a\r\n",
            b"$3\r\nabcd\r\n",
            b"$-2\r\n",
            b"*-5\r\n",
            b"#x\r\n",
            b",1.2.3\r\n",
            b"(\r\n",
            b"=3\r\nabc\r\n",
            b"$99999999999999999999\r\n",
        ] {
            assert!(
                parse_all(wire).is_err(),
                "{:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    #[test]
    fn sizes_are_charged_before_anything_is_allocated() {
        let limits = Limits {
            max_reply: 1000,
            max_depth: 4,
        };
        let mut parser = Parser::new(limits);
        let err = parser.parse(b"$1001\r\n").unwrap_err();
        assert!(err.0.contains("over the 1000-byte limit"), "{err}");
        // A huge count is only a number: nothing is reserved for it, and
        // the elements that come are charged as they come.
        let mut parser = Parser::new(limits);
        assert_eq!(parser.parse(b"*900\r\n").unwrap(), (6, None));
        assert!(parser.stack[0].items.capacity() <= PREALLOC);
        let many = b":1\r\n".repeat(100);
        assert!(
            parser.parse(&many).is_err(),
            "100 small values cost more than 1000 bytes"
        );
        // Nesting.
        let mut parser = Parser::new(limits);
        let err = parser.parse(b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n").unwrap_err();
        assert!(err.0.contains("nested deeper than 4"), "{err}");
        // A line that never ends.
        let mut parser = Parser::new(Limits::default());
        let endless = vec![b'+'; MAX_LINE + 10];
        assert!(parser.parse(&endless).is_err());
    }

    #[test]
    fn fuzz_findings() {
        // A reply starting with CRLF (its "type byte" is \r): the header
        // slice was 1..0. Found by the `resp` target in its first minute.
        let crash = b"2-1ng\x8d\xb3\n\x1d-1\r\n~1\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\r\n:4\r\x0e";
        for input in [&crash[..], b"\r\n", b"\r\n+OK\r\n"] {
            let (_, error) = parse_in_pieces(input, &[1, 3, 7], Limits::default());
            assert!(error.is_some(), "{input:?}");
        }
    }

    #[test]
    fn the_budget_is_per_reply() {
        let limits = Limits {
            max_reply: 200,
            max_depth: 4,
        };
        let mut parser = Parser::new(limits);
        // Each reply fits; many of them in a row are fine.
        let wire = b"$10\r\n0123456789\r\n".repeat(50);
        let mut pos = 0;
        let mut count = 0;
        while let (used, Some(_)) = parser.parse(&wire[pos..]).unwrap() {
            pos += used;
            count += 1;
        }
        assert_eq!(count, 50);
    }

    #[test]
    fn requests_are_length_prefixed_and_binary_safe() {
        let mut out = Vec::new();
        write_header(&mut out, b'*', 2);
        write_bulk(&mut out, b"GET");
        write_bulk(&mut out, b"a\r\nDEL x");
        assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$8\r\na\r\nDEL x\r\n");
        let mut out = Vec::new();
        write_header(&mut out, b'$', 0);
        write_header(&mut out, b'*', 1234567890);
        for n in [9, 10, 42, 99, 100] {
            write_header(&mut out, b'$', n);
        }
        assert_eq!(
            out,
            b"$0\r\n*1234567890\r\n$9\r\n$10\r\n$42\r\n$99\r\n$100\r\n"
        );
    }
}
