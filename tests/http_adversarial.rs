//! The HTTP client against servers that misbehave on purpose (issue 8,
//! "Adversarial servers"). Each server is a few lines on std threads bound to
//! 127.0.0.1:0, writing raw bytes no correct server would.
//!
//! For every case the client must return an error of the right kind (or the
//! correct response), never panic, never hang past its timeout, and never
//! buffer more than its limits allow. Servers that flood report how much they
//! managed to write before the client let go; that figure is bounded by the
//! client's limit plus the kernel's socket buffers, not by the flood.
//!
//! Every test runs under [`run`]: an overall `evloop::time::timeout`, and a
//! watchdog thread that aborts the process if the loop itself is stuck in a
//! poll that never returns (which no timer could interrupt).
#![cfg(feature = "http")]

mod util;

use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use evloop::http::{Client, StatusCode};
use util::http_server::{redirect, TestServer};

/// The longest any test body may take before it fails as hung.
const GUARD: Duration = Duration::from_secs(20);

/// Past this, a request timeout (all of 300-500 ms below) did not work: it
/// is 20-30 times the limits, so a loaded 2-core machine cannot make a
/// working one that late, while a broken one runs into the servers below,
/// which take longer than the guard to finish. (The client's timeouts run
/// on evloop's clock, but a paused clock would jump to them as soon as the
/// loop waited for these servers' threads: these tests need real time,
/// and `src/http/tests.rs` checks the exact deadlines on the paused clock.)
const LATE: Duration = Duration::from_secs(10);

/// How much a flooding server may get written before the client lets go:
/// the client's own limit (at most 1 MiB here) plus loopback socket buffers
/// (a few MiB with autotuning). A client that kept reading would let the
/// flood run until the guard.
const FLOOD_BOUND: usize = 32 << 20;

/// Runs `f` on a fresh runtime under the guard; see the module docs.
fn run<F: Future>(f: F) -> F::Output {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let name = thread::current().name().unwrap_or("test").to_owned();
    thread::spawn(move || {
        if let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(GUARD * 2) {
            eprintln!("{name}: the event loop is stuck in one poll past the guard; aborting");
            std::process::abort();
        }
    });
    let rt = evloop::Runtime::new().unwrap();
    let out = rt.block_on(async {
        evloop::time::timeout(GUARD, f)
            .await
            .expect("the guard elapsed: the client hung")
    });
    // A client dropped with idle connections aborts its pool's reaper
    // task, which leaves at the loop's next turn: give it that turn.
    rt.block_on(evloop::task::yield_now());
    let m = rt.metrics();
    drop(rt);
    assert_eq!(m.alive_tasks, 0, "tasks left behind");
    drop(done_tx);
    out
}

/// A server that hands each accepted connection, and its index, to
/// `handler` on a thread of its own.
struct Raw {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Raw {
    fn start(handler: impl Fn(TcpStream, usize) + Send + Sync + 'static) -> Raw {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let handler = Arc::new(handler);
        let counter = accepted.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let index = counter.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                thread::spawn(move || handler(stream, index));
            }
        });
        Raw { addr, accepted }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Reads one request (head, then a Content-Length body) and returns its
/// target; `None` at EOF.
fn read_request(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    s.read_exact(&mut body).ok()?;
    head.split(' ').nth(1).map(str::to_owned)
}

/// Holds the connection open, reading and discarding, until the client
/// closes it.
fn stall(mut s: TcpStream) {
    let mut sink = [0; 1024];
    while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
}

/// Writes `piece` again and again until the client goes away; returns the
/// bytes written.
fn flood(s: &mut TcpStream, piece: &[u8]) -> usize {
    let mut written = 0;
    while s.write_all(piece).is_ok() {
        written += piece.len();
    }
    written
}

/// A server that answers the first request with `head`, then floods with
/// `piece` and sends how much it wrote on the returned channel.
fn flooding_server(head: &'static [u8], piece: Vec<u8>) -> (Raw, mpsc::Receiver<usize>) {
    let (tx, rx) = mpsc::channel();
    let server = Raw::start(move |mut s, _| {
        read_request(&mut s);
        if s.write_all(head).is_ok() {
            let _ = tx.send(flood(&mut s, &piece));
        }
    });
    (server, rx)
}

/// What a flooding server wrote, once the client let go.
fn flooded(rx: &mpsc::Receiver<usize>) -> usize {
    let written = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server is still writing: the client never let go");
    assert!(written < FLOOD_BOUND, "the client took {written} bytes");
    written
}

#[test]
fn endless_header_line_stops_at_the_head_limit() {
    let (server, rx) = flooding_server(b"HTTP/1.1 200 OK\r\nX-Endless: ", vec![b'a'; 8192]);
    let err = run(async { Client::new().get(server.url("/")).send().await.unwrap_err() });
    assert!(err.is_request(), "{err}");
    assert!(err.to_string().contains("larger than 64 KiB"), "{err}");
    eprintln!("endless header line: server wrote {} bytes", flooded(&rx));
}

#[test]
fn ten_thousand_headers_are_refused() {
    let server = Raw::start(|mut s, _| {
        read_request(&mut s);
        let mut wire = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..10_000 {
            wire.extend_from_slice(format!("X-Header-{i}: value\r\n").as_bytes());
        }
        wire.extend_from_slice(b"Content-Length: 2\r\n\r\nok");
        let _ = s.write_all(&wire);
        stall(s);
    });
    let err = run(async { Client::new().get(server.url("/")).send().await.unwrap_err() });
    assert!(err.is_request(), "{err}");
    assert!(
        err.to_string().contains("more than 100 header fields"),
        "{err}"
    );
}

/// A 1 GB Content-Length, 10 bytes, then close.
fn gigabyte_liar() -> Raw {
    Raw::start(|mut s, _| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n0123456789");
    })
}

#[test]
fn gigabyte_content_length_then_close() {
    let server = gigabyte_liar();
    run(async {
        // The default 64 MiB limit refuses the announcement before reading.
        let response = Client::new().get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.content_length(), Some(1_000_000_000));
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_body(), "{err}");
        assert!(err.to_string().contains("67108864-byte limit"), "{err}");

        // Without a limit, `bytes` reserves at most 1 MiB of the promised
        // gigabyte, reads the 10 bytes and reports the truncation.
        let client = Client::builder()
            .max_response_body(u64::MAX)
            .build()
            .unwrap();
        let err = client
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap_err();
        assert!(err.is_body(), "{err}");
        assert!(
            err.to_string().contains("before the end of the body"),
            "{err}"
        );

        // Streamed: the 10 bytes, then the same error.
        let mut response = client.get(server.url("/")).send().await.unwrap();
        let mut got = Vec::new();
        let err = loop {
            match response.chunk().await {
                Ok(Some(piece)) => got.extend(piece),
                Ok(None) => panic!("a truncated body ended cleanly"),
                Err(e) => break e,
            }
        };
        assert_eq!(got, b"0123456789");
        assert!(err.is_body(), "{err}");
    });
    assert_eq!(server.accepted(), 3);
}

/// A server answering each request with the response `pick(target)`, then
/// closing.
fn scripted(pick: fn(&str) -> Vec<u8>) -> Raw {
    Raw::start(move |mut s, _| {
        if let Some(target) = read_request(&mut s) {
            let _ = s.write_all(&pick(&target));
        }
    })
}

#[test]
fn two_different_content_lengths_are_a_body_error() {
    let server = scripted(|_| {
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello".to_vec()
    });
    let err = run(async { Client::new().get(server.url("/")).send().await.unwrap_err() });
    assert!(err.is_body(), "{err}");
    assert!(
        err.to_string().contains("conflicting Content-Length"),
        "{err}"
    );
}

#[test]
fn content_length_plus_chunked_is_a_body_error() {
    // The request-smuggling classic: two framings, two readings of the body.
    let server = scripted(|_| {
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            .to_vec()
    });
    let err = run(async { Client::new().get(server.url("/")).send().await.unwrap_err() });
    assert!(err.is_body(), "{err}");
    assert!(
        err.to_string()
            .contains("both Content-Length and Transfer-Encoding"),
        "{err}"
    );
}

/// Chunk-size lines that are not hex, and ones that overflow 64 bits.
const BAD_CHUNK_SIZES: [&str; 6] = [
    "zz",
    "-1",
    "0x10",
    "5 5",
    "10000000000000000",
    "ffffffffffffffffffffffffffffffff",
];

#[test]
fn invalid_and_overflowing_chunk_sizes_are_body_errors() {
    let server = scripted(|target| {
        let i: usize = target.trim_start_matches('/').parse().unwrap();
        format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{}\r\nhello\r\n0\r\n\r\n",
            BAD_CHUNK_SIZES[i]
        )
        .into_bytes()
    });
    run(async {
        let client = Client::new();
        for (i, size) in BAD_CHUNK_SIZES.iter().enumerate() {
            let response = client.get(server.url(&format!("/{i}"))).send().await;
            let err = response.unwrap().bytes().await.unwrap_err();
            assert!(err.is_body(), "{size}: {err}");
            assert!(
                err.to_string().contains("invalid chunk size"),
                "{size}: {err}"
            );
        }
    });
}

#[test]
fn largest_chunk_size_then_close_allocates_nothing_and_is_truncated() {
    let server = scripted(|_| {
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab".to_vec()
    });
    let err = run(async {
        let client = Client::builder()
            .max_response_body(u64::MAX)
            .build()
            .unwrap();
        let response = client.get(server.url("/")).send().await.unwrap();
        response.bytes().await.unwrap_err()
    });
    assert!(err.is_body(), "{err}");
    assert!(
        err.to_string().contains("before the end of the body"),
        "{err}"
    );
}

#[test]
fn chunk_size_line_without_end() {
    let (server, rx) = flooding_server(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1",
        vec![b'0'; 8192],
    );
    let err = run(async {
        let response = Client::new().get(server.url("/")).send().await.unwrap();
        response.bytes().await.unwrap_err()
    });
    assert!(err.is_body(), "{err}");
    assert!(err.to_string().contains("invalid chunk size"), "{err}");
    eprintln!(
        "endless chunk-size line: server wrote {} bytes",
        flooded(&rx)
    );
}

#[test]
fn endless_chunked_body_hits_max_response_body() {
    let mut chunk = b"1000\r\n".to_vec();
    chunk.extend_from_slice(&[b'x'; 0x1000]);
    chunk.extend_from_slice(b"\r\n");
    let (server, rx) = flooding_server(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        chunk,
    );
    let err = run(async {
        let client = Client::builder()
            .max_response_body(1 << 20)
            .build()
            .unwrap();
        let response = client.get(server.url("/")).send().await.unwrap();
        response.bytes().await.unwrap_err()
    });
    assert!(err.is_body(), "{err}");
    assert!(err.to_string().contains("1048576-byte limit"), "{err}");
    eprintln!("endless chunked body: server wrote {} bytes", flooded(&rx));
}

#[test]
fn endless_body_read_by_chunk_stops_at_the_request_timeout() {
    // `chunk` has no size limit: only the request's timeout ends an endless
    // stream, even one that always has data ready.
    let (server, rx) = flooding_server(b"HTTP/1.1 200 OK\r\n\r\n", vec![b'x'; 64 * 1024]);
    let limit = Duration::from_millis(300);
    let (err, read, elapsed) = run(async {
        let client = Client::builder().timeout(limit).build().unwrap();
        let start = Instant::now();
        let mut response = client.get(server.url("/")).send().await.unwrap();
        let mut read = 0;
        let err = loop {
            match response.chunk().await {
                Ok(Some(piece)) => read += piece.len(),
                Ok(None) => panic!("an endless body ended"),
                Err(e) => break e,
            }
        };
        (err, read, start.elapsed())
    });
    assert!(err.is_timeout(), "{err}");
    assert!(read > 0);
    assert!(elapsed >= limit && elapsed < LATE, "{elapsed:?}");
    let written = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    eprintln!("endless body by chunk(): read {read} of {written} bytes in {elapsed:?}");
}

/// A server that writes `wire` one byte every 100 ms, after the first
/// `head_at_once` bytes at once.
fn dripping(wire: Vec<u8>, head_at_once: usize) -> Raw {
    Raw::start(move |mut s, _| {
        read_request(&mut s);
        if s.write_all(&wire[..head_at_once]).is_err() {
            return;
        }
        for byte in &wire[head_at_once..] {
            thread::sleep(Duration::from_millis(100));
            if s.write_all(std::slice::from_ref(byte)).is_err() {
                return;
            }
        }
    })
}

/// A response whose head and body each take longer than the guard to
/// drip (over 250 bytes at 100 ms), and the length of its head.
fn drip() -> (Vec<u8>, usize) {
    let pad = "p".repeat(250);
    let head = format!("HTTP/1.1 200 OK\r\nX-Pad: {pad}\r\nContent-Length: 250\r\n\r\n");
    let mut wire = head.clone().into_bytes();
    wire.extend_from_slice(pad.as_bytes());
    (wire, head.len())
}

#[test]
fn dripping_head_times_out() {
    let server = dripping(drip().0, 0);
    let limit = Duration::from_millis(500);
    let (err, elapsed) = run(async {
        let client = Client::builder().timeout(limit).build().unwrap();
        let start = Instant::now();
        let err = client.get(server.url("/")).send().await.unwrap_err();
        (err, start.elapsed())
    });
    assert!(err.is_timeout() && !err.is_connect(), "{err}");
    assert!(elapsed >= limit && elapsed < LATE, "{elapsed:?}");
}

#[test]
fn dripping_body_times_out() {
    let (wire, head) = drip();
    let server = dripping(wire, head);
    let limit = Duration::from_millis(500);
    let (err, elapsed) = run(async {
        let client = Client::builder().timeout(limit).build().unwrap();
        let start = Instant::now();
        let response = client.get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let err = response.bytes().await.unwrap_err();
        (err, start.elapsed())
    });
    assert!(err.is_timeout(), "{err}");
    assert!(elapsed >= limit && elapsed < LATE, "{elapsed:?}");
}

#[test]
fn server_that_accepts_and_never_answers_times_out() {
    let server = Raw::start(|s, _| stall(s));
    let limit = Duration::from_millis(300);
    let (err, elapsed) = run(async {
        let client = Client::builder()
            .timeout(limit)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let start = Instant::now();
        let err = client.get(server.url("/")).send().await.unwrap_err();
        (err, start.elapsed())
    });
    // The request's timeout, not the connect timeout: the connect succeeded.
    assert!(err.is_timeout() && !err.is_connect(), "{err}");
    assert!(err.to_string().contains("request timeout"), "{err}");
    assert!(elapsed >= limit && elapsed < LATE, "{elapsed:?}");
}

#[test]
fn reset_mid_body_is_a_body_error() {
    let (reset_tx, reset_rx) = mpsc::channel::<()>();
    let reset_rx = std::sync::Mutex::new(reset_rx);
    let server = Raw::start(move |mut s, _| {
        read_request(&mut s);
        let mut wire = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec();
        wire.extend_from_slice(&[b'x'; 100]);
        s.write_all(&wire).unwrap();
        // Wait until the client has the 100 bytes, then reset: SO_LINGER 0
        // makes close send RST instead of FIN.
        reset_rx.lock().unwrap().recv().unwrap();
        socket2::SockRef::from(&s)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(s);
    });
    let err = run(async {
        let mut response = Client::new().get(server.url("/")).send().await.unwrap();
        let mut got = 0;
        while got < 100 {
            got += response.chunk().await.unwrap().unwrap().len();
        }
        assert_eq!(got, 100);
        reset_tx.send(()).unwrap();
        response.chunk().await.unwrap_err()
    });
    assert!(err.is_body(), "{err}");
    let io = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    assert_eq!(io, Some(std::io::ErrorKind::ConnectionReset), "{err}");
}

#[test]
fn non_http_banners_are_request_errors_without_waiting_for_close() {
    const BANNERS: [&[u8]; 3] = [
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"220 mail.example.com ESMTP ready\r\n",
        // A TLS alert record: what an HTTPS port says to plain HTTP.
        b"\x15\x03\x01\x00\x02\x02\x50",
    ];
    let server = Raw::start(|mut s, index| {
        // Banner first, as SSH and SMTP servers do, then hold the line open.
        let _ = s.write_all(BANNERS[index]);
        stall(s);
    });
    run(async {
        let client = Client::new();
        for banner in BANNERS {
            let err = client.get(server.url("/")).send().await.unwrap_err();
            assert!(err.is_request(), "{banner:?}: {err}");
            assert!(err.to_string().contains("malformed response head"), "{err}");
        }
    });
}

#[test]
fn http_0_9_bare_body_is_a_request_error() {
    let server = scripted(|_| b"<html><body>hello from 1991</body></html>\n".to_vec());
    let err = run(async { Client::new().get(server.url("/")).send().await.unwrap_err() });
    assert!(err.is_request(), "{err}");
    assert!(err.to_string().contains("malformed response head"), "{err}");
}

#[test]
fn a_storm_of_1xx_then_the_answer() {
    let server = scripted(|_| {
        let mut wire = Vec::new();
        for i in 0..10_000 {
            wire.extend_from_slice(match i % 3 {
                0 => &b"HTTP/1.1 100 Continue\r\n\r\n"[..],
                1 => b"HTTP/1.1 102 Processing\r\n\r\n",
                _ => b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n",
            });
        }
        wire.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
        wire
    });
    let text = run(async {
        let response = Client::new().get(server.url("/")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    });
    assert_eq!(text, "done");
}

#[test]
fn an_endless_1xx_storm_stops_at_the_timeout() {
    let (server, rx) = flooding_server(b"", b"HTTP/1.1 100 Continue\r\n\r\n".repeat(1000));
    let limit = Duration::from_millis(300);
    let (err, elapsed) = run(async {
        let client = Client::builder().timeout(limit).build().unwrap();
        let start = Instant::now();
        let err = client.get(server.url("/")).send().await.unwrap_err();
        (err, start.elapsed())
    });
    assert!(err.is_timeout(), "{err}");
    assert!(elapsed >= limit && elapsed < LATE, "{elapsed:?}");
    eprintln!(
        "endless 1xx storm: server wrote {} bytes in {elapsed:?}",
        flooded(&rx)
    );
}

#[test]
fn redirect_loop_between_two_urls_is_a_redirect_error() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/a" => redirect(302, "/b"),
        _ => redirect(307, "/a"),
    });
    let err = run(async {
        Client::new()
            .get(server.url("/a"))
            .send()
            .await
            .unwrap_err()
    });
    assert!(err.is_redirect(), "{err}");
    assert!(err.to_string().contains("too many redirects"), "{err}");
    assert_eq!(server.requests().len(), 11);
    assert_eq!(server.connections(), 1, "the hops shared one connection");
}

#[test]
fn redirects_to_unsupported_schemes_are_redirect_errors() {
    const LOCATIONS: [&str; 5] = [
        "ftp://127.0.0.1/file",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
        "http://",
    ];
    let server = TestServer::start(|req| {
        let i: usize = req.target.trim_start_matches('/').parse().unwrap();
        redirect(302, LOCATIONS[i])
    });
    run(async {
        let client = Client::new();
        for (i, location) in LOCATIONS.iter().enumerate() {
            let err = client
                .get(server.url(&format!("/{i}")))
                .send()
                .await
                .unwrap_err();
            assert!(err.is_redirect(), "{location}: {err}");
            assert_eq!(
                err.url().unwrap().as_str(),
                server.url(&format!("/{i}")),
                "the error names the URL that redirected"
            );
        }
        let err = client.get(server.url("/0")).send().await.unwrap_err();
        assert!(
            err.to_string().contains("unsupported URL scheme `ftp`"),
            "{err}"
        );
    });
    assert_eq!(
        server.requests().len(),
        LOCATIONS.len() + 1,
        "nothing else was fetched"
    );
}

/// A keep-alive server whose first connection answers one request, then
/// is closed by the server (FIN, no `Connection: close`) when the test
/// says so, and confirms. Later connections answer every request.
fn closes_between_requests() -> (Raw, mpsc::Sender<()>, mpsc::Receiver<()>) {
    let (close_tx, close_rx) = mpsc::channel::<()>();
    let (closed_tx, closed_rx) = mpsc::channel::<()>();
    let close_rx = std::sync::Mutex::new(close_rx);
    let server = Raw::start(move |mut s, index| {
        if index == 0 {
            read_request(&mut s);
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none")
                .unwrap();
            close_rx.lock().unwrap().recv().unwrap();
            drop(s);
            closed_tx.send(()).unwrap();
            return;
        }
        while read_request(&mut s).is_some() {
            if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo")
                .is_err()
            {
                return;
            }
        }
    });
    (server, close_tx, closed_rx)
}

#[test]
fn keep_alive_closed_between_requests_get_is_retried() {
    let (server, close, closed) = closes_between_requests();
    run(async {
        let client = Client::new();
        let one = client.get(server.url("/")).send().await.unwrap();
        assert_eq!(one.text().await.unwrap(), "one");
        // The pooled connection dies with no tick of the loop in between.
        close.send(()).unwrap();
        closed.recv().unwrap();
        let two = client.get(server.url("/")).send().await.unwrap();
        assert_eq!(two.text().await.unwrap(), "two");
    });
    assert_eq!(server.accepted(), 2);
}

#[test]
fn keep_alive_closed_between_requests_post_takes_a_fresh_connection() {
    let (server, close, closed) = closes_between_requests();
    run(async {
        let client = Client::new();
        let one = client.post(server.url("/")).body("1").send().await.unwrap();
        assert_eq!(one.text().await.unwrap(), "one");
        close.send(()).unwrap();
        closed.recv().unwrap();
        // A POST is never sent twice, so the client must see the close
        // before it writes.
        let two = client.post(server.url("/")).body("2").send().await.unwrap();
        assert_eq!(two.text().await.unwrap(), "two");
    });
    assert_eq!(server.accepted(), 2);
}
