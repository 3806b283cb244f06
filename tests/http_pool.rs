//! The connection pool over real loopback sockets: idle connections are
//! closed when they expire even if their host is never visited again, and
//! a client used in several runtimes never reuses another runtime's
//! connection (issue 14).
//!
//! Each test runs on a thread of its own under [`within`]: a client that
//! hangs makes the test fail, not stall the suite.
#![cfg(feature = "http")]

mod util;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use evloop::http::Client;
use util::http_server::{ok, TestServer};

/// Runs `f` on its own thread and fails if it is not done within `limit`.
fn within(limit: Duration, f: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let worker = thread::spawn(move || {
        f();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(limit) {
        Ok(()) => worker.join().unwrap(),
        Err(RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(RecvTimeoutError::Timeout) => panic!("not done within {limit:?}: the client hung"),
    }
}

/// A server on 127.0.0.1 that answers one request on one connection with
/// `200 ok`, keeps the connection open, and sends its port on `closed`
/// once the client closed it. Returns the port.
fn answers_once_then_reports_close(closed: mpsc::Sender<u16>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0];
        while !head.ends_with(b"\r\n\r\n") {
            if s.read(&mut byte).unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
        let mut sink = [0; 64];
        while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
        let _ = closed.send(port);
    });
    port
}

#[test]
fn idle_connections_of_hosts_never_visited_again_are_closed_at_expiry() {
    const HOSTS: usize = 30;
    let (closed_tx, closed_rx) = mpsc::channel();
    let ports: Vec<u16> = (0..HOSTS)
        .map(|_| answers_once_then_reports_close(closed_tx.clone()))
        .collect();
    within(Duration::from_secs(30), move || {
        let rt = evloop::Runtime::builder()
            .start_paused(true)
            .build()
            .unwrap();
        let client = Client::builder()
            .pool_idle_timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        rt.block_on(async {
            for port in &ports {
                let url = format!("http://127.0.0.1:{port}/");
                let body = client.get(url).send().await.unwrap().text().await;
                assert_eq!(body.unwrap(), "ok");
            }
            evloop::time::advance(Duration::from_millis(200)).await;
            // The client is alive and never used again: only the pool's
            // own timer can close the 30 connections. Each server saw EOF.
            let mut seen = HashSet::new();
            while seen.len() < HOSTS {
                match closed_rx.recv_timeout(Duration::from_secs(10)) {
                    Ok(port) => seen.insert(port),
                    Err(_) => panic!(
                        "{} of {HOSTS} idle connections still open past their timeout",
                        HOSTS - seen.len()
                    ),
                };
            }
        });
        drop(client);
    });
}

#[test]
fn one_client_in_two_block_ons_does_not_reuse_the_first_runtimes_connection() {
    let server = TestServer::start(|_| ok("hi"));
    let url = server.url("/");
    within(Duration::from_secs(20), move || {
        let client = Client::new();
        for _ in 0..2 {
            let text = evloop::block_on(async { client.get(&url).send().await?.text().await });
            assert_eq!(text.unwrap(), "hi");
        }
    });
    assert_eq!(
        server.connections(),
        2,
        "the second block_on connected anew"
    );
}

#[test]
fn one_client_on_two_live_runtimes_used_alternately() {
    let server = TestServer::start(|_| ok("hi"));
    let url = server.url("/");
    let counted = server.clone();
    within(Duration::from_secs(20), move || {
        let client = Client::new();
        let (a, b) = (
            evloop::Runtime::new().unwrap(),
            evloop::Runtime::new().unwrap(),
        );
        let get = || async { client.get(&url).send().await?.text().await };
        // (runtime, connections the server has accepted after the request)
        for (rt, accepted) in [(&a, 1), (&a, 1), (&b, 2), (&a, 3), (&b, 4)] {
            assert_eq!(rt.block_on(get()).unwrap(), "hi");
            assert_eq!(counted.connections(), accepted);
        }
    });
    let seen = server.requests();
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[1].connection, 0, "reused within one runtime");
}
