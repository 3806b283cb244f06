//! [`Conn`]: one HTTP/1.1 connection over any byte stream, feeding the
//! sans-IO head parser and body decoder.
//!
//! The connection owns a read buffer. Bytes that arrive past the end of a
//! head or body stay in it for the next step, so nothing the server sent is
//! lost between the head, the body and the next response.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;

use futures_io::{AsyncRead, AsyncWrite};

use super::body::{BodyError, Decoder};
use super::head::{parse_response_head, HeadError, ResponseHead, MAX_HEAD_BYTES};
use super::io::Io;

/// How much the first read on a connection asks for: 16 KiB is a TLS
/// record, and holds most API responses' heads and a good part of their
/// bodies in one syscall.
const READ_SIZE: usize = 16 * 1024;

/// The most a read asks for once reads have been filling their buffer:
/// big bodies then take a quarter as many syscalls. (hyper adapts its read
/// size the same way.)
const MAX_READ_SIZE: usize = 256 * 1024;

/// A failure while reading a response head.
#[derive(Debug)]
pub(crate) enum ReadHeadError {
    /// The socket failed.
    Io(io::Error),
    /// The bytes were not a valid head.
    Head(HeadError),
}

/// A failure while reading a body.
#[derive(Debug)]
pub(crate) enum ReadBodyError {
    /// The socket failed.
    Io(io::Error),
    /// The framing was broken or cut short.
    Body(BodyError),
}

/// One connection: the stream, and what was read but not yet used.
#[derive(Debug)]
pub(crate) struct Conn<S> {
    io: S,
    /// The read buffer, always initialised (so a read never zeroes it
    /// again); `buf[pos..end]` holds received bytes not yet consumed.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Response bytes received since the last request was written: a
    /// failure with none is one a fresh connection may not have.
    received: usize,
    /// How many requests this connection has carried.
    requests: u64,
    /// How much the next read asks for: doubles while reads fill it.
    read_size: usize,
    /// The runtime this connection was opened in (`None` outside one). Its
    /// socket is registered with that runtime's reactor, so no other
    /// runtime may reuse it.
    runtime: Option<u64>,
}

impl<S: Io> Conn<S> {
    /// Whether this idle connection is unfit for another request: the
    /// server closed it, or sent bytes nobody asked for (a body after a
    /// HEAD, 204 or 304 response that has none, or an unasked 408). Either
    /// way the next response would not be the first thing read from it.
    /// Costs one non-blocking syscall (a peek, for a socket); the client
    /// asks before every reuse.
    pub(crate) fn is_closed(&mut self) -> bool {
        // Bytes already buffered are an answer nobody asked for.
        self.has_buffered() || self.io.is_stale()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Wraps a connected stream.
    pub(crate) fn new(io: S) -> Conn<S> {
        Conn {
            io,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            received: 0,
            requests: 0,
            read_size: READ_SIZE,
            runtime: current_runtime(),
        }
    }

    /// The runtime this connection was opened in.
    pub(crate) fn runtime(&self) -> Option<u64> {
        self.runtime
    }

    /// How many requests were written on this connection before.
    pub(crate) fn reused(&self) -> bool {
        self.requests > 0
    }

    /// Whether any response byte arrived since the last request was sent.
    pub(crate) fn received_any(&self) -> bool {
        self.received > 0
    }

    /// Whether unread bytes are buffered (a server that answers more than
    /// it was asked leaves a connection that cannot be trusted).
    pub(crate) fn has_buffered(&self) -> bool {
        self.pos < self.end
    }

    /// Writes the request head and body, then flushes.
    pub(crate) async fn write_request(&mut self, head: &[u8], body: &[u8]) -> io::Result<()> {
        self.requests += 1;
        // Bytes already buffered will be read as this request's response,
        // so they count as received. (The client pools only connections
        // with nothing buffered, so this is 0 there; the `response` fuzz
        // target, which reads pipelined responses, showed that counting
        // them as nothing made the same failure look like a clean close or
        // a truncation depending on the read sizes.)
        self.received = self.end - self.pos;
        if body.is_empty() || head.len() + body.len() > 64 * 1024 {
            write_all(&mut self.io, head).await?;
            write_all(&mut self.io, body).await?;
        } else {
            // One write, one segment, for the common small request.
            let mut both = Vec::with_capacity(head.len() + body.len());
            both.extend_from_slice(head);
            both.extend_from_slice(body);
            write_all(&mut self.io, &both).await?;
        }
        poll_fn(|cx| Pin::new(&mut self.io).poll_flush(cx)).await
    }

    /// Reads more bytes into the buffer; `Ok(0)` at EOF.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.pos == self.end {
            (self.pos, self.end) = (0, 0);
        } else if self.pos > 0 && self.buf.len() - self.end < self.read_size {
            // Move the unread tail to the front instead of growing.
            self.buf.copy_within(self.pos..self.end, 0);
            (self.pos, self.end) = (0, self.end - self.pos);
        }
        if self.buf.len() - self.end < self.read_size {
            self.buf.resize(self.end + self.read_size, 0);
        }
        let io = &mut self.io;
        let buf = &mut self.buf[self.end..];
        let space = buf.len();
        let n = poll_fn(|cx| Pin::new(&mut *io).poll_read(cx, buf)).await?;
        if n == space {
            self.read_size = (self.read_size * 2).min(MAX_READ_SIZE);
        }
        self.end += n;
        self.received += n;
        Ok(n)
    }

    /// Reads one response head. Bytes after it stay buffered for the body.
    pub(crate) async fn read_head(&mut self) -> Result<ResponseHead, ReadHeadError> {
        loop {
            if let Some((head, len)) =
                parse_response_head(&self.buf[self.pos..self.end]).map_err(ReadHeadError::Head)?
            {
                self.pos += len;
                return Ok(head);
            }
            let unread = self.end - self.pos;
            if unread >= MAX_HEAD_BYTES {
                return Err(ReadHeadError::Head(HeadError::TooLarge));
            }
            if self.fill().await.map_err(ReadHeadError::Io)? == 0 {
                return Err(if unread == 0 && self.received == 0 {
                    // Closed before a single byte: to a reused connection
                    // this is what a server's idle close looks like.
                    ReadHeadError::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "connection closed before the response",
                    ))
                } else {
                    ReadHeadError::Head(HeadError::Truncated)
                });
            }
        }
    }

    /// Appends the next piece of body to `out`: true if it did, false at
    /// the end of the body. (`bytes()` reads straight into its buffer.)
    pub(crate) async fn read_body_into(
        &mut self,
        decoder: &mut Decoder,
        out: &mut Vec<u8>,
    ) -> Result<bool, ReadBodyError> {
        loop {
            if decoder.is_done() {
                return Ok(false);
            }
            let step = decoder
                .decode(&self.buf[self.pos..self.end])
                .map_err(ReadBodyError::Body)?;
            let data = step.data.start + self.pos..step.data.end + self.pos;
            self.pos += step.consumed;
            if !data.is_empty() {
                out.extend_from_slice(&self.buf[data]);
                return Ok(true);
            }
            if step.consumed == 0
                && !decoder.is_done()
                && self.fill().await.map_err(ReadBodyError::Io)? == 0
            {
                decoder.eof().map_err(ReadBodyError::Body)?;
            }
        }
    }
}

/// The id of the runtime running on this thread, if any.
pub(crate) fn current_runtime() -> Option<u64> {
    crate::runtime::context::with_current(|core| core.id)
}

/// Writes all of `bytes`; a write of zero bytes is an error, not a loop.
async fn write_all<S: AsyncWrite + Unpin>(io: &mut S, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *io).poll_write(cx, bytes)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::http::body::Framing;
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;
    use std::task::{Context, Poll};

    /// An in-memory stream: reads give scripted pieces (an empty piece is
    /// EOF; `None` in the script is "pending, then continue"), writes are
    /// recorded.
    #[derive(Clone, Default)]
    pub(crate) struct MockStream {
        pub(crate) reads: Rc<RefCell<VecDeque<Option<Vec<u8>>>>>,
        pub(crate) written: Rc<RefCell<Vec<u8>>>,
        /// At the end of the script: stay pending for ever instead of EOF
        /// (a server that stops answering).
        pub(crate) stall: Rc<std::cell::Cell<bool>>,
    }

    impl MockStream {
        pub(crate) fn new(pieces: &[&[u8]]) -> MockStream {
            let mock = MockStream::default();
            for piece in pieces {
                mock.reads.borrow_mut().push_back(Some(piece.to_vec()));
            }
            mock
        }

        /// The written bytes as text.
        pub(crate) fn written(&self) -> String {
            String::from_utf8_lossy(&self.written.borrow()).into_owned()
        }

        /// `wire` cut into pieces of `split` bytes, then EOF.
        pub(crate) fn split(wire: &[u8], split: usize) -> MockStream {
            let mut pieces: Vec<&[u8]> = wire.chunks(split).collect();
            pieces.push(b"");
            MockStream::new(&pieces)
        }
    }

    impl Io for MockStream {
        /// Looks at the script without consuming it: EOF next (or the end
        /// of a script that does not stall) is a close. Scripted bytes are
        /// taken as the answer to the next request: a script cannot say
        /// whether they came before it was asked.
        fn is_stale(&mut self) -> bool {
            match self.reads.borrow().front() {
                None => !self.stall.get(),
                Some(Some(piece)) => piece.is_empty(),
                Some(None) => false,
            }
        }
    }

    impl AsyncRead for MockStream {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            let mut reads = self.reads.borrow_mut();
            match reads.pop_front() {
                None if self.stall.get() => Poll::Pending,
                None => Poll::Ready(Ok(0)),
                Some(None) => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Some(Some(mut piece)) => {
                    let n = piece.len().min(buf.len());
                    buf[..n].copy_from_slice(&piece[..n]);
                    if n < piece.len() {
                        reads.push_front(Some(piece.split_off(n)));
                    }
                    Poll::Ready(Ok(n))
                }
            }
        }
    }

    impl AsyncWrite for MockStream {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            // Accept at most 7 bytes a call, to exercise partial writes.
            let n = buf.len().min(7);
            self.written.borrow_mut().extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    async fn read_all(
        conn: &mut Conn<MockStream>,
        framing: Framing,
    ) -> Result<Vec<u8>, ReadBodyError> {
        let mut decoder = Decoder::new(framing);
        let mut body = Vec::new();
        while conn.read_body_into(&mut decoder, &mut body).await? {}
        Ok(body)
    }

    #[test]
    fn writes_whole_request_through_partial_writes() {
        let mock = MockStream::default();
        let mut conn = Conn::new(mock.clone());
        crate::block_on(conn.write_request(b"POST / HTTP/1.1\r\n\r\n", b"body")).unwrap();
        assert_eq!(&*mock.written.borrow(), b"POST / HTTP/1.1\r\n\r\nbody");
        assert!(conn.reused());
    }

    #[test]
    fn two_responses_back_to_back_in_every_split() {
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        for split in [1, 2, 3, 5, 17, 1000] {
            crate::block_on(async {
                let mut conn = Conn::new(MockStream::split(wire, split));
                let head = conn.read_head().await.unwrap();
                assert_eq!(head.status, 200);
                assert_eq!(
                    read_all(&mut conn, Framing::Length(5)).await.unwrap(),
                    b"hello"
                );
                let head = conn.read_head().await.unwrap();
                assert_eq!(head.headers["transfer-encoding"], "chunked");
                assert_eq!(read_all(&mut conn, Framing::Chunked).await.unwrap(), b"abc");
                assert!(!conn.has_buffered());
            });
        }
    }

    #[test]
    fn pending_reads_are_waited_out() {
        let mock = MockStream::default();
        for piece in [
            Some(&b"HTTP/1.1 204 No"[..]),
            None,
            Some(b" Content\r\n\r\n"),
        ] {
            mock.reads.borrow_mut().push_back(piece.map(<[u8]>::to_vec));
        }
        let head = crate::block_on(Conn::new(mock).read_head()).unwrap();
        assert_eq!(head.status, 204);
    }

    #[test]
    fn eof_before_any_byte_is_io_and_mid_head_is_truncated() {
        crate::block_on(async {
            let err = Conn::new(MockStream::new(&[b""]))
                .read_head()
                .await
                .unwrap_err();
            assert!(
                matches!(err, ReadHeadError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof)
            );
            let err = Conn::new(MockStream::new(&[b"HTTP/1.1 200", b""]))
                .read_head()
                .await
                .unwrap_err();
            assert!(matches!(err, ReadHeadError::Head(HeadError::Truncated)));
        });
    }

    #[test]
    fn oversized_head_stops_at_the_limit() {
        let mut wire = b"HTTP/1.1 200 OK\r\nx: ".to_vec();
        wire.resize(MAX_HEAD_BYTES * 4, b'a');
        let mock = MockStream::split(&wire, 1000);
        let reads = mock.reads.clone();
        let err = crate::block_on(Conn::new(mock).read_head()).unwrap_err();
        assert!(matches!(err, ReadHeadError::Head(HeadError::TooLarge)));
        // It gave up without reading everything the server offered.
        assert!(reads.borrow().len() > MAX_HEAD_BYTES * 2 / 1000);
    }

    #[test]
    fn bytes_buffered_before_a_request_count_as_its_response() {
        crate::block_on(async {
            let mut conn = Conn::new(MockStream::new(&[
                b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 2",
            ]));
            conn.write_request(b"GET / HTTP/1.1\r\n\r\n", b"")
                .await
                .unwrap();
            conn.read_head().await.unwrap();
            conn.write_request(b"GET / HTTP/1.1\r\n\r\n", b"")
                .await
                .unwrap();
            // Not "nothing came back", which would make a failure here
            // look like a stale connection's close.
            assert!(conn.received_any());
            let err = conn.read_head().await.unwrap_err();
            assert!(matches!(err, ReadHeadError::Head(HeadError::Truncated)));
        });
    }

    #[test]
    fn truncated_body_is_an_error() {
        crate::block_on(async {
            let mut conn = Conn::new(MockStream::split(
                b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
                4,
            ));
            conn.read_head().await.unwrap();
            let err = read_all(&mut conn, Framing::Length(10)).await.unwrap_err();
            assert!(matches!(err, ReadBodyError::Body(BodyError::Truncated)));
        });
    }
}
