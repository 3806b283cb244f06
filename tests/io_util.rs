//! `evloop::io`'s utilities: the extension traits, the buffered wrappers,
//! copying, the in-memory duplex pair and `split`. Sockets only on
//! 127.0.0.1, port 0; waits bounded by the paused clock, never by sleeping.

use std::future::{poll_fn, Future};
use std::io::{Cursor, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use evloop::io::{
    self, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWriteExt,
    BufReader, BufWriter, ErrorKind,
};
use evloop::net::{TcpListener, TcpStream};
use evloop::time::timeout;
use evloop::Runtime;
use futures_core::Stream;

/// Runs `future` on a runtime whose clock is paused: a test that would
/// hang instead sees its `timeout` elapse, at once.
fn run_paused<F: Future>(future: F) -> F::Output {
    let rt = Runtime::builder().start_paused(true).build().unwrap();
    rt.block_on(future)
}

/// Long enough for any in-memory exchange; on the paused clock it passes
/// only when every task is stuck.
const STUCK: Duration = Duration::from_secs(60);

/// Whether `future` is still pending after everything else ran: it is
/// dropped when the paused clock has nothing left to do.
async fn stays_pending<F: Future>(future: F) -> bool {
    timeout(STUCK, future).await.is_err()
}

/// A connected client and server stream over loopback.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

// ---- AsyncReadExt -------------------------------------------------------

#[test]
fn read_returns_what_is_there_and_zero_at_end_of_file() {
    evloop::block_on(async {
        let mut reader: &[u8] = b"abc";
        let mut buf = [0; 8];
        assert_eq!(reader.read(&mut buf).await.unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");
        assert_eq!(reader.read(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn read_exact_fills_across_short_reads() {
    run_paused(async {
        let (mut a, mut b) = io::duplex(2);
        evloop::spawn(async move { a.write_all(b"0123456789").await.unwrap() });
        let mut buf = [0; 10];
        let n = timeout(STUCK, b.read_exact(&mut buf))
            .await
            .expect("read_exact got stuck");
        assert_eq!(n.unwrap(), 10);
        assert_eq!(&buf, b"0123456789");
    });
}

#[test]
fn read_exact_at_end_of_file_is_unexpected_eof() {
    evloop::block_on(async {
        let mut reader: &[u8] = b"ab";
        let mut buf = [0; 3];
        let err = reader.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        let err = reader.read_u32().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    });
}

#[test]
fn read_to_end_appends_everything_and_counts_only_the_new_bytes() {
    evloop::block_on(async {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut reader = &data[..];
        let mut buf = b"head".to_vec();
        assert_eq!(reader.read_to_end(&mut buf).await.unwrap(), data.len());
        assert_eq!(&buf[..4], b"head");
        assert_eq!(&buf[4..], &data[..]);
    });
}

#[test]
fn read_to_string_of_invalid_utf8_is_invalid_data_and_leaves_the_string() {
    evloop::block_on(async {
        let mut text = String::from("kept");
        let mut reader: &[u8] = b"ok \xc3\x28";
        let err = reader.read_to_string(&mut text).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(text, "kept");

        let mut reader: &[u8] = " and more: é".as_bytes();
        let n = reader.read_to_string(&mut text).await.unwrap();
        assert_eq!(n, " and more: é".len());
        assert_eq!(text, "kept and more: é");
    });
}

#[test]
fn chain_reads_the_first_reader_then_the_second() {
    evloop::block_on(async {
        let mut chained = (&b"ab"[..]).chain(&b"cd"[..]);
        let mut buf = [0; 4];
        // One read never crosses from the first reader to the second.
        assert_eq!(chained.read(&mut buf).await.unwrap(), 2);
        chained.read_exact(&mut buf[2..]).await.unwrap();
        assert_eq!(&buf, b"abcd");
        assert_eq!(chained.read(&mut buf).await.unwrap(), 0);

        let mut lines = (&b"one\ntw"[..]).chain(&b"o\n"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn take_stops_at_the_limit_and_set_limit_reopens() {
    evloop::block_on(async {
        let mut limited = (&b"0123456789"[..]).take(3);
        let mut buf = Vec::new();
        assert_eq!(limited.read_to_end(&mut buf).await.unwrap(), 3);
        assert_eq!(buf, b"012");
        assert_eq!(limited.limit(), 0);
        limited.set_limit(2);
        let mut line = Vec::new();
        limited.read_until(b'9', &mut line).await.unwrap();
        assert_eq!(line, b"34");
        assert_eq!(limited.into_inner(), b"56789");
    });
}

/// A reader and writer whose every other call fails with `Interrupted`, as
/// a syscall cut short by a signal does.
struct Jumpy {
    data: Vec<u8>,
    interrupt_next: bool,
}

impl Jumpy {
    fn interrupted(&mut self) -> bool {
        self.interrupt_next = !self.interrupt_next;
        !self.interrupt_next
    }
}

impl AsyncRead for Jumpy {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.interrupted() {
            return Poll::Ready(Err(ErrorKind::Interrupted.into()));
        }
        let n = buf.len().min(self.data.len()).min(3);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data.drain(..n);
        Poll::Ready(Ok(n))
    }
}

impl io::AsyncWrite for Jumpy {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.interrupted() {
            return Poll::Ready(Err(ErrorKind::Interrupted.into()));
        }
        let n = buf.len().min(3);
        self.data.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn interrupted_calls_are_retried_by_the_looping_methods() {
    evloop::block_on(async {
        let mut jumpy = Jumpy {
            data: Vec::new(),
            interrupt_next: true,
        };
        jumpy.write_all(b"0123456789\nrest").await.unwrap();
        jumpy.write_u32(7).await.unwrap();
        assert_eq!(jumpy.data.len(), 19);

        let mut buf = [0; 4];
        jumpy.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"0123");
        let mut reader = BufReader::with_capacity(2, jumpy);
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "456789\n");
        let mut rest = [0; 4];
        reader.read_exact(&mut rest).await.unwrap();
        assert_eq!(reader.read_u32().await.unwrap(), 7);
        let mut end = Vec::new();
        assert_eq!(reader.read_to_end(&mut end).await.unwrap(), 0);
    });
}

/// Writes `$value` with `$write`, checks the bytes against `$bytes`, and
/// reads it back with `$read`.
macro_rules! round_trip {
    ($($write:ident / $read:ident: $value:expr => $bytes:ident;)*) => {$(
        let mut out = Vec::new();
        out.$write($value).await.unwrap();
        assert_eq!(out, $value.$bytes(), stringify!($write));
        let mut reader = &out[..];
        assert_eq!(reader.$read().await.unwrap(), $value, stringify!($read));
        assert!(reader.is_empty());
    )*};
}

#[test]
fn every_number_round_trips_big_endian_by_default_and_little_endian_with_le() {
    evloop::block_on(async {
        round_trip! {
            write_u8 / read_u8: 0xfeu8 => to_be_bytes;
            write_i8 / read_i8: -2i8 => to_be_bytes;
            write_u16 / read_u16: 0x0102u16 => to_be_bytes;
            write_i16 / read_i16: -0x0102i16 => to_be_bytes;
            write_u32 / read_u32: 0x0102_0304u32 => to_be_bytes;
            write_i32 / read_i32: -0x0102_0304i32 => to_be_bytes;
            write_u64 / read_u64: 0x0102_0304_0506_0708u64 => to_be_bytes;
            write_i64 / read_i64: -0x0102_0304_0506_0708i64 => to_be_bytes;
            write_u128 / read_u128: u128::MAX / 3 => to_be_bytes;
            write_i128 / read_i128: i128::MIN / 3 => to_be_bytes;
            write_f32 / read_f32: -1.5f32 => to_be_bytes;
            write_f64 / read_f64: std::f64::consts::PI => to_be_bytes;
            write_u16_le / read_u16_le: 0x0102u16 => to_le_bytes;
            write_i16_le / read_i16_le: -0x0102i16 => to_le_bytes;
            write_u32_le / read_u32_le: 0x0102_0304u32 => to_le_bytes;
            write_i32_le / read_i32_le: -0x0102_0304i32 => to_le_bytes;
            write_u64_le / read_u64_le: 0x0102_0304_0506_0708u64 => to_le_bytes;
            write_i64_le / read_i64_le: -0x0102_0304_0506_0708i64 => to_le_bytes;
            write_u128_le / read_u128_le: u128::MAX / 3 => to_le_bytes;
            write_i128_le / read_i128_le: i128::MIN / 3 => to_le_bytes;
            write_f32_le / read_f32_le: -1.5f32 => to_le_bytes;
            write_f64_le / read_f64_le: std::f64::consts::PI => to_le_bytes;
        }
        // Spelled out once: big-endian is network order.
        let mut out = Vec::new();
        out.write_u32(0x0102_0304).await.unwrap();
        out.write_u32_le(0x0102_0304).await.unwrap();
        assert_eq!(out, [1, 2, 3, 4, 4, 3, 2, 1]);
    });
}

#[test]
fn numbers_survive_a_pipe_that_passes_one_byte_at_a_time() {
    run_paused(async {
        let (mut a, mut b) = io::duplex(1);
        evloop::spawn(async move {
            a.write_u64(u64::MAX - 1).await.unwrap();
            a.write_i16_le(-300).await.unwrap();
        });
        let big = timeout(STUCK, b.read_u64())
            .await
            .expect("read_u64 got stuck");
        assert_eq!(big.unwrap(), u64::MAX - 1);
        let small = timeout(STUCK, b.read_i16_le())
            .await
            .expect("read_i16_le got stuck");
        assert_eq!(small.unwrap(), -300);
    });
}

// ---- AsyncWriteExt ------------------------------------------------------

#[test]
fn write_and_write_vectored_report_what_they_took() {
    run_paused(async {
        let (mut a, mut b) = io::duplex(4);
        assert_eq!(a.write(b"abcdef").await.unwrap(), 4);
        let bufs = [IoSlice::new(b"xy"), IoSlice::new(b"z")];
        // The pipe is full: the vectored write waits for room.
        assert!(stays_pending(a.write_vectored(&bufs)).await);
        let mut buf = [0; 4];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abcd");
        assert_eq!(a.write_vectored(&bufs).await.unwrap(), 2);
        assert_eq!(b.read(&mut buf).await.unwrap(), 2);
        assert_eq!(&buf[..2], b"xy");
    });
}

#[test]
fn write_all_of_a_zero_room_writer_is_write_zero() {
    struct Full;
    impl io::AsyncWrite for Full {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(0))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }
    evloop::block_on(async {
        let err = Full.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
        let err = Full.write_u16(1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
        // Nothing to write is not an error.
        Full.write_all(b"").await.unwrap();
    });
}

#[test]
fn flush_and_shutdown_reach_the_inner_writer() {
    run_paused(async {
        let (a, mut b) = io::duplex(64);
        let mut out = BufWriter::new(a);
        out.write_all(b"held").await.unwrap();
        let mut buf = [0; 4];
        assert!(
            stays_pending(b.read(&mut buf)).await,
            "BufWriter held nothing back"
        );
        out.flush().await.unwrap();
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"held");
        out.write_all(b"last").await.unwrap();
        out.shutdown().await.unwrap();
        let mut rest = Vec::new();
        b.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"last");
    });
}

// ---- AsyncBufReadExt, Lines, Split --------------------------------------

#[test]
fn read_until_keeps_the_delimiter_and_counts_each_call() {
    evloop::block_on(async {
        let mut reader = BufReader::with_capacity(2, &b"a-bcd-e"[..]);
        let mut buf = Vec::new();
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 2);
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 4);
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 1);
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 0);
        assert_eq!(buf, b"a-bcd-e");
    });
}

#[test]
fn fill_buf_waits_for_bytes_and_consume_moves_past_them() {
    run_paused(async {
        let (mut a, b) = io::duplex(64);
        let mut reader = BufReader::new(b);
        let filler = evloop::spawn(async move {
            let head = reader.fill_buf().await.unwrap().to_vec();
            reader.consume(2);
            let rest = reader.fill_buf().await.unwrap().to_vec();
            (head, rest)
        });
        // Let `fill_buf` meet the empty pipe and wait first.
        evloop::task::yield_now().await;
        assert!(!filler.is_finished());
        a.write_all(b"abcd").await.unwrap();
        let (head, rest) = timeout(STUCK, filler)
            .await
            .expect("fill_buf was not woken")
            .unwrap();
        assert_eq!(
            (head.as_slice(), rest.as_slice()),
            (&b"abcd"[..], &b"cd"[..])
        );
    });
}

#[test]
fn read_line_keeps_the_newline_and_appends() {
    evloop::block_on(async {
        let mut reader: &[u8] = b"one\r\ntwo";
        let mut line = String::from(">");
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 5);
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 3);
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 0);
        assert_eq!(line, ">one\r\ntwo");
    });
}

#[test]
fn read_line_of_invalid_utf8_is_invalid_data_and_leaves_the_string() {
    evloop::block_on(async {
        let mut reader: &[u8] = b"bad \xff line\nnext\n";
        let mut line = String::from("kept");
        let err = reader.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(line, "kept");
        // The bad line is gone from the reader; the next one reads.
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "next\n");
    });
}

#[test]
fn a_cancelled_read_line_leaves_the_partial_line_in_the_buffer() {
    run_paused(async {
        let (mut a, b) = io::duplex(64);
        let mut reader = BufReader::new(b);
        let mut line = String::new();
        a.write_all("half a li".as_bytes()).await.unwrap();
        assert!(stays_pending(reader.read_line(&mut line)).await);
        assert_eq!(line, "half a li");
        a.write_all(b"ne\n").await.unwrap();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "half a line\n");
    });
}

#[test]
fn a_read_line_cancelled_inside_a_character_loses_only_that_character() {
    run_paused(async {
        let (mut a, b) = io::duplex(64);
        let mut reader = BufReader::new(b);
        let mut line = String::new();
        // "café" cut between the two bytes of "é".
        a.write_all(b"caf\xc3").await.unwrap();
        assert!(stays_pending(reader.read_line(&mut line)).await);
        assert_eq!(line, "caf");
        // The documented limit: the character's tail now starts the line,
        // which is not UTF-8, and says so rather than passing garbage on.
        a.write_all(b"\xa9\n").await.unwrap();
        let err = reader.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(line, "caf");
    });
}

#[test]
fn lines_strip_lf_and_crlf_across_buffer_boundaries() {
    evloop::block_on(async {
        let text = b"first\r\nsecond\nthird\r\n\r\nlast";
        // Every capacity from 1 byte puts the CR and LF, or a line, on
        // both sides of a refill somewhere.
        for capacity in 1..=text.len() + 1 {
            let mut lines = BufReader::with_capacity(capacity, &text[..]).lines();
            let mut all = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                all.push(line);
            }
            assert_eq!(
                all,
                ["first", "second", "third", "", "last"],
                "capacity {capacity}"
            );
        }
    });
}

#[test]
fn lines_over_a_tcp_stream() {
    evloop::block_on(async {
        let (client, server) = tcp_pair().await;
        let writer = evloop::spawn(async move {
            for i in 0..1000 {
                client
                    .write_all(format!("line {i}\r\n").as_bytes())
                    .await
                    .unwrap();
            }
            client.shutdown().await.unwrap();
        });
        let mut lines = BufReader::new(server).lines();
        let mut count = 0;
        while let Some(line) = lines.next_line().await.unwrap() {
            assert_eq!(line, format!("line {count}"));
            count += 1;
        }
        assert_eq!(count, 1000);
        writer.await.unwrap();
    });
}

#[test]
fn lines_over_a_duplex_stream_wait_for_each_line() {
    run_paused(async {
        let (mut a, b) = io::duplex(16);
        let mut lines = BufReader::new(b).lines();
        a.write_all(b"ready\nparti").await.unwrap();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ready"));
        // Cancel safe: the dropped call's "parti" stays in `lines`.
        assert!(stays_pending(lines.next_line()).await);
        a.write_all(b"al\n").await.unwrap();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("partial"));
        drop(a);
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

/// `StreamExt::next`, without a dependency for it.
async fn next_item<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[test]
fn lines_and_split_are_streams_too() {
    evloop::block_on(async {
        let mut lines = (&b"a\nb\n"[..]).lines();
        assert_eq!(next_item(&mut lines).await.unwrap().unwrap(), "a");
        assert_eq!(next_item(&mut lines).await.unwrap().unwrap(), "b");
        assert!(next_item(&mut lines).await.is_none());

        let mut segments = BufReader::new(&b"x:y"[..]).split(b':');
        assert_eq!(next_item(&mut segments).await.unwrap().unwrap(), b"x");
        assert_eq!(next_item(&mut segments).await.unwrap().unwrap(), b"y");
        assert!(next_item(&mut segments).await.is_none());
    });
}

#[test]
fn a_line_of_invalid_utf8_is_an_error_and_the_next_line_reads() {
    evloop::block_on(async {
        let mut lines = (&b"\xfe\xff\nfine\n"[..]).lines();
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("fine"));
    });
}

#[test]
fn split_gives_segments_without_the_delimiter() {
    evloop::block_on(async {
        let mut segments = BufReader::with_capacity(3, &b"k1=v1;k2=v2;;end;"[..]).split(b';');
        let mut all = Vec::new();
        while let Some(segment) = segments.next_segment().await.unwrap() {
            all.push(String::from_utf8(segment).unwrap());
        }
        assert_eq!(all, ["k1=v1", "k2=v2", "", "end"]);
    });
}

// ---- AsyncSeekExt -------------------------------------------------------

/// An in-memory file: futures-io implements its traits for no std type
/// that can seek.
struct MemFile(Cursor<Vec<u8>>);

impl AsyncRead for MemFile {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(std::io::Read::read(&mut self.0, buf))
    }
}

impl AsyncSeek for MemFile {
    fn poll_seek(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        Poll::Ready(std::io::Seek::seek(&mut self.0, pos))
    }
}

#[test]
fn seek_rewind_and_stream_position() {
    evloop::block_on(async {
        let mut file = MemFile(Cursor::new(b"0123456789".to_vec()));
        assert_eq!(file.seek(SeekFrom::Start(4)).await.unwrap(), 4);
        assert_eq!(file.read_u8().await.unwrap(), b'4');
        assert_eq!(file.stream_position().await.unwrap(), 5);
        assert_eq!(file.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        assert_eq!(file.rewind().await.unwrap(), 0);
        assert_eq!(file.read_u8().await.unwrap(), b'0');
    });
}

#[test]
fn a_buf_reader_seeks_from_the_position_its_caller_sees() {
    evloop::block_on(async {
        let mut file = BufReader::new(MemFile(Cursor::new(b"0123456789".to_vec())));
        assert_eq!(file.read_u8().await.unwrap(), b'0');
        // The inner file is at 10 (the buffer took it all); the caller at 1.
        assert_eq!(file.stream_position().await.unwrap(), 1);
        assert_eq!(file.seek(SeekFrom::Current(2)).await.unwrap(), 3);
        assert_eq!(file.read_u8().await.unwrap(), b'3');
    });
}

// ---- BufReader, BufWriter -----------------------------------------------

#[test]
fn buf_reader_serves_small_reads_from_one_inner_read() {
    /// Counts the reads that reach it.
    struct Counting<'a>(&'a [u8], usize);
    impl AsyncRead for Counting<'_> {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            self.1 += 1;
            Pin::new(&mut self.0).poll_read(cx, buf)
        }
    }
    evloop::block_on(async {
        let data = [9u8; 100];
        let mut reader = BufReader::with_capacity(64, Counting(&data, 0));
        for _ in 0..64 {
            reader.read_u8().await.unwrap();
        }
        assert_eq!(reader.get_ref().1, 1);
        assert!(reader.buffer().is_empty());
        // A read as large as the buffer skips it.
        let mut big = [0; 64];
        assert_eq!(reader.read(&mut big).await.unwrap(), 36);
        assert_eq!(reader.get_ref().1, 2);
        assert!(reader.buffer().is_empty());
    });
}

#[test]
fn buf_writer_gathers_small_writes_and_passes_large_ones_through() {
    evloop::block_on(async {
        let mut out = BufWriter::with_capacity(8, Vec::new());
        out.write_all(b"abcd").await.unwrap();
        out.write_all(b"efgh").await.unwrap();
        assert!(out.get_ref().is_empty());
        assert_eq!(out.buffer(), b"abcdefgh");
        out.write_all(b"i").await.unwrap();
        assert_eq!(out.get_ref(), b"abcdefgh");
        out.write_all(b"0123456789").await.unwrap();
        assert_eq!(out.get_ref(), b"abcdefghi0123456789");
        assert!(out.buffer().is_empty());
        let bufs = [IoSlice::new(b"x"), IoSlice::new(b"yz")];
        assert_eq!(out.write_vectored(&bufs).await.unwrap(), 3);
        out.flush().await.unwrap();
        assert_eq!(out.into_inner(), b"abcdefghi0123456789xyz");
    });
}

#[test]
fn buf_stream_buffers_both_ways_over_tcp() {
    evloop::block_on(async {
        let (client, server) = tcp_pair().await;
        let echo = evloop::spawn(async move {
            let mut server = io::BufStream::new(server);
            let mut lines = 0;
            let mut line = String::new();
            while server.read_line(&mut line).await.unwrap() > 0 {
                server
                    .write_all(line.to_uppercase().as_bytes())
                    .await
                    .unwrap();
                line.clear();
                lines += 1;
            }
            server.shutdown().await.unwrap();
            lines
        });
        let mut client = io::BufStream::with_capacity(64, 64, client);
        for i in 0..100 {
            client
                .write_all(format!("line {i}\n").as_bytes())
                .await
                .unwrap();
        }
        // Flushes the write buffer, then ends the client's direction.
        client.shutdown().await.unwrap();
        let mut reply = String::new();
        client.read_to_string(&mut reply).await.unwrap();
        let expected: String = (0..100).map(|i| format!("LINE {i}\n")).collect();
        assert_eq!(reply, expected);
        assert_eq!(echo.await.unwrap(), 100);
    });
}

// ---- copy, copy_buf, copy_bidirectional ---------------------------------

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn copy_of_a_mebibyte_through_a_small_duplex_keeps_its_pace() {
    run_paused(async {
        let data = pattern(1 << 20);
        let (mut in_a, mut in_b) = io::duplex(1000);
        let (mut out_a, mut out_b) = io::duplex(700);
        let source = data.clone();
        evloop::spawn(async move {
            in_a.write_all(&source).await.unwrap();
            in_a.shutdown().await.unwrap();
        });
        let copier = evloop::spawn(async move {
            let n = io::copy(&mut in_b, &mut out_a).await.unwrap();
            out_a.shutdown().await.unwrap();
            n
        });
        let mut got = Vec::new();
        // Should the back-pressure deadlock, the paused clock jumps to the
        // deadline at once and this fails instead of hanging.
        timeout(STUCK, out_b.read_to_end(&mut got))
            .await
            .expect("copy got stuck")
            .unwrap();
        assert_eq!(copier.await.unwrap(), data.len() as u64);
        assert!(got == data, "the copy changed the bytes");
    });
}

#[test]
fn copy_flushes_a_buffered_writer_while_the_reader_waits() {
    run_paused(async {
        let (mut source, mut source_end) = io::duplex(64);
        let (sink, mut sink_end) = io::duplex(64);
        evloop::spawn(async move {
            let mut out = BufWriter::new(sink);
            io::copy(&mut source_end, &mut out).await.unwrap();
        });
        source.write_all(b"request").await.unwrap();
        // `source` stays open: only the flush while waiting delivers this.
        let mut buf = [0; 7];
        let read = timeout(STUCK, sink_end.read_exact(&mut buf)).await;
        read.expect("copy sat on buffered bytes").unwrap();
        assert_eq!(&buf, b"request");
    });
}

#[test]
fn copy_buf_moves_a_buf_readers_bytes() {
    run_paused(async {
        let data = pattern(100_000);
        let source = data.clone();
        let (mut a, mut b) = io::duplex(512);
        let copier = evloop::spawn(async move {
            let mut reader = BufReader::with_capacity(333, &source[..]);
            let n = io::copy_buf(&mut reader, &mut a).await.unwrap();
            a.shutdown().await.unwrap();
            n
        });
        let mut got = Vec::new();
        timeout(STUCK, b.read_to_end(&mut got))
            .await
            .expect("copy_buf got stuck")
            .unwrap();
        assert_eq!(copier.await.unwrap(), 100_000);
        assert!(got == data);
    });
}

#[test]
fn copy_bidirectional_returns_each_directions_count_and_passes_on_each_eof() {
    run_paused(async {
        let (mut client, mut a) = io::duplex(100);
        let (mut b, mut server) = io::duplex(100);
        let proxy = evloop::spawn(async move { io::copy_bidirectional(&mut a, &mut b).await });

        let request = pattern(5_000);
        let sent = request.clone();
        let client_task = evloop::spawn(async move {
            client.write_all(&sent).await.unwrap();
            client.shutdown().await.unwrap();
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            reply
        });
        // The server sees the client's end of file through the proxy...
        let mut got = Vec::new();
        timeout(STUCK, server.read_to_end(&mut got))
            .await
            .expect("no EOF at the server")
            .unwrap();
        assert!(got == request);
        // ...and the client sees the server's.
        server.write_all(&[1; 3_333]).await.unwrap();
        server.shutdown().await.unwrap();
        let reply = timeout(STUCK, client_task)
            .await
            .expect("no EOF at the client")
            .unwrap();
        assert_eq!(reply, vec![1; 3_333]);
        assert_eq!(proxy.await.unwrap().unwrap(), (5_000, 3_333));
    });
}

#[test]
fn a_copy_between_always_ready_ends_yields_to_other_tasks() {
    evloop::block_on(async {
        let other_ran = std::rc::Rc::new(std::cell::Cell::new(false));
        let seen = other_ran.clone();
        let copier = evloop::spawn(async move {
            let mut source = io::repeat(0).take(1 << 20);
            let copied = io::copy(&mut source, &mut io::sink()).await.unwrap();
            // Without an I/O budget all of it happens in the first poll,
            // before the task spawned next is polled at all.
            (copied, seen.get())
        });
        evloop::spawn(async move { other_ran.set(true) });
        assert_eq!(copier.await.unwrap(), (1 << 20, true));
    });
}

// ---- duplex -------------------------------------------------------------

#[test]
fn duplex_shutdown_gives_the_peer_end_of_file_after_the_data() {
    run_paused(async {
        let (mut a, mut b) = io::duplex(64);
        a.write_all(b"last words").await.unwrap();
        a.shutdown().await.unwrap();
        let mut got = String::new();
        b.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "last words");
        // Only a's direction closed: b can still talk to a.
        b.write_all(b"reply").await.unwrap();
        let mut buf = [0; 5];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"reply");
        // And a itself can no longer write.
        assert_eq!(
            a.write(b"x").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
    });
}

#[test]
fn a_dropped_duplex_half_gives_its_peer_eof_and_broken_pipe() {
    run_paused(async {
        let (mut a, mut b) = io::duplex(64);
        a.write_all(b"bye").await.unwrap();
        drop(a);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"bye");
        assert_eq!(
            b.write(b"anyone?").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );
    });
}

#[test]
fn a_duplex_writer_waits_while_the_buffer_is_full_and_wakes_on_a_read() {
    run_paused(async {
        let (mut a, mut b) = io::duplex(4);
        a.write_all(b"1234").await.unwrap();
        assert!(stays_pending(a.write_all(b"5")).await);
        let writer = evloop::spawn(async move {
            a.write_all(b"5678").await.unwrap();
            a
        });
        // Let the writer run into the full pipe first.
        evloop::task::yield_now().await;
        assert!(!writer.is_finished());
        let mut buf = [0; 8];
        timeout(STUCK, b.read_exact(&mut buf))
            .await
            .expect("the writer was not woken")
            .unwrap();
        assert_eq!(&buf, b"12345678");
        writer.await.unwrap();
    });
}

#[test]
fn a_blocked_duplex_writer_is_woken_by_its_peers_drop() {
    run_paused(async {
        let (mut a, b) = io::duplex(2);
        let writer = evloop::spawn(async move { a.write_all(b"too much").await });
        evloop::task::yield_now().await;
        drop(b);
        let result = timeout(STUCK, writer)
            .await
            .expect("the writer was not woken")
            .unwrap();
        assert_eq!(result.unwrap_err().kind(), ErrorKind::BrokenPipe);
    });
}

// ---- io::split ----------------------------------------------------------

#[test]
fn split_halves_read_and_write_from_two_tasks_at_once() {
    run_paused(async {
        let (stream, peer) = io::duplex(16);
        let (mut reader, mut writer) = io::split(stream);
        let (mut peer_reader, mut peer_writer) = io::split(peer);
        let data = pattern(10_000);
        // Four tasks, each direction at once: with a 16-byte pipe neither
        // finishes unless the halves interleave.
        let sent = data.clone();
        let w1 = evloop::spawn(async move {
            writer.write_all(&sent).await.unwrap();
            writer.shutdown().await.unwrap();
            writer
        });
        let sent = data.clone();
        let w2 = evloop::spawn(async move {
            peer_writer.write_all(&sent).await.unwrap();
            peer_writer.shutdown().await.unwrap();
            peer_writer
        });
        let r1 = evloop::spawn(async move {
            let mut got = Vec::new();
            peer_reader.read_to_end(&mut got).await.unwrap();
            (peer_reader, got)
        });
        let mut got = Vec::new();
        timeout(STUCK, reader.read_to_end(&mut got))
            .await
            .expect("split halves got stuck")
            .unwrap();
        assert!(got == data);
        let (peer_reader, peer_got) = r1.await.unwrap();
        assert!(peer_got == data);
        let writer = w1.await.unwrap();
        let peer_writer = w2.await.unwrap();
        assert!(reader.is_pair_of(&writer) && writer.is_pair_of(&reader));
        assert!(!reader.is_pair_of(&peer_writer));
        let _stream = reader.unsplit(writer);
        let _peer = peer_reader.unsplit(peer_writer);
    });
}

#[test]
#[should_panic(expected = "belongs to another stream")]
fn unsplit_of_halves_of_two_streams_panics() {
    let (a, b) = io::duplex(1);
    let (a_read, _a_write) = io::split(a);
    let (_b_read, b_write) = io::split(b);
    a_read.unsplit(b_write);
}

// ---- evloop::net's halves and the utilities -----------------------------

#[test]
fn net_split_halves_work_with_the_extension_traits() {
    evloop::block_on(async {
        let (mut client, server) = tcp_pair().await;
        let (server_read, server_write) = server.into_split();
        // An echo through the owned halves, with the generic helpers.
        let echo = evloop::spawn(async move {
            let mut reader = BufReader::new(server_read);
            let mut writer = server_write;
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            writer.write_all(line.as_bytes()).await.unwrap();
            writer.write_u32(line.len() as u32).await.unwrap();
            io::copy(&mut reader, &mut writer).await.unwrap()
        });
        let (mut read, mut write) = client.split();
        write.write_all(b"hello\nrest").await.unwrap();
        let mut buf = [0; 6];
        read.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello\n");
        assert_eq!(read.read_u32().await.unwrap(), 6);
        let mut rest = [0; 4];
        let n = read.read(&mut rest).await.unwrap();
        read.read_exact(&mut rest[n..]).await.unwrap();
        assert_eq!(&rest, b"rest");
        write.shutdown().await.unwrap();
        assert_eq!(echo.await.unwrap(), 4);
    });
}

// ---- empty, sink, repeat ------------------------------------------------

#[test]
fn empty_sink_and_repeat() {
    evloop::block_on(async {
        let mut buf = Vec::new();
        assert_eq!(io::empty().read_to_end(&mut buf).await.unwrap(), 0);
        let mut line = String::new();
        assert_eq!(io::empty().read_line(&mut line).await.unwrap(), 0);
        assert_eq!(io::sink().write(&[0; 99]).await.unwrap(), 99);
        let mut repeated = io::repeat(7).take(10_000);
        assert_eq!(
            io::copy(&mut repeated, &mut io::sink()).await.unwrap(),
            10_000
        );
        let mut five = [0; 5];
        io::repeat(b'a').read_exact(&mut five).await.unwrap();
        assert_eq!(&five, b"aaaaa");
    });
}
