//! The HTTP client over real sockets, against a scriptable server on std
//! threads (tests/util/http_server.rs). Scripted in-memory connections
//! check the same rules in src/http/tests.rs; here the pool, retries and
//! redirects meet the kernel's TCP.
#![cfg(feature = "http")]

mod util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use evloop::http::{Client, IntoUrl, StatusCode};
use util::http_server::{ok, redirect, Reply, TestServer};

/// GETs `url` and reads the whole body; panics on any error.
async fn get_bytes(client: &Client, url: impl IntoUrl) -> Vec<u8> {
    Vec::from(client.get(url).send().await.unwrap().bytes().await.unwrap())
}

/// GETs `url` and reads the body as text; panics on any error.
async fn get_text(client: &Client, url: impl IntoUrl) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    evloop::Runtime::new().unwrap().block_on(f)
}

#[test]
fn get_sends_a_well_formed_request_and_reads_the_body() {
    let server = TestServer::start(|_| ok("hello"));
    let text = block_on(async {
        let response = Client::new()
            .get(server.url("/a/b?c=%2F"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.content_length(), Some(5));
        response.text().await.unwrap()
    });
    assert_eq!(text, "hello");
    let seen = &server.requests()[0];
    assert_eq!(
        (seen.method.as_str(), seen.target.as_str()),
        ("GET", "/a/b?c=%2F")
    );
    assert_eq!(
        seen.header("host"),
        Some(format!("127.0.0.1:{}", server.port()).as_str())
    );
    assert_eq!(
        seen.header("user-agent"),
        Some(concat!("evloop/", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn post_sends_its_body_with_its_length() {
    let server = TestServer::start(|req| ok(&String::from_utf8_lossy(&req.body)));
    let echoed = block_on(async {
        let client = Client::new();
        let response = client
            .post(server.url("/echo"))
            .body("ping")
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    });
    assert_eq!(echoed, "ping");
    assert_eq!(server.requests()[0].header("content-length"), Some("4"));
}

#[test]
fn keep_alive_reuses_connections_counted_by_the_server() {
    let server = TestServer::start(|_| ok("x"));
    block_on(async {
        let client = Client::new();
        for _ in 0..5 {
            get_bytes(&client, server.url("/")).await;
        }
        assert_eq!(
            server.connections(),
            1,
            "five requests in sequence share one connection"
        );

        // Three at once need three connections; afterwards all three idle
        // in the pool and carry the next requests.
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let (client, url) = (client.clone(), server.url("/"));
                evloop::spawn(async move { get_bytes(&client, url).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(server.connections(), 3);
        for _ in 0..3 {
            get_bytes(&client, server.url("/")).await;
        }
        assert_eq!(server.connections(), 3);
    });
}

#[test]
fn a_connection_whose_body_was_not_read_is_not_reused() {
    let server = TestServer::start(|_| ok("unread"));
    block_on(async {
        let client = Client::new();
        drop(client.get(server.url("/")).send().await.unwrap());
        get_bytes(&client, server.url("/")).await;
    });
    assert_eq!(server.connections(), 2);
}

#[test]
fn stale_pooled_connection_is_retried_on_a_new_one() {
    // The server closes every connection after one answer, without saying
    // so: the pooled connection is dead when the second request uses it.
    let server = TestServer::start(|_| {
        Reply::BytesThenClose(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec())
    });
    block_on(async {
        let client = Client::new();
        for _ in 0..3 {
            let text = get_text(&client, server.url("/")).await;
            assert_eq!(text, "ok");
        }
    });
    assert_eq!(
        server.requests().len(),
        3,
        "each request reached the server once"
    );
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let server = TestServer::start(|_| {
        Reply::Bytes(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;lang=en\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Checksum: abc\r\n\r\n".to_vec(),
        )
    });
    block_on(async {
        let client = Client::new();
        for _ in 0..2 {
            let text = get_text(&client, server.url("/")).await;
            assert_eq!(text, "Wikipedia in\r\n\r\nchunks.");
        }
    });
    assert_eq!(
        server.connections(),
        1,
        "the connection is reused after the trailers"
    );
}

#[test]
fn head_and_204_with_a_lying_content_length_have_no_body() {
    let server = TestServer::start(|req| match (req.method.as_str(), req.target.as_str()) {
        ("HEAD", _) => Reply::Bytes(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec()),
        (_, "/empty") => {
            Reply::Bytes(b"HTTP/1.1 204 No Content\r\nContent-Length: 1000\r\n\r\n".to_vec())
        }
        _ => ok("after"),
    });
    block_on(async {
        let client = Client::new();
        let head = client.head(server.url("/")).send().await.unwrap();
        assert_eq!(head.content_length(), Some(1000));
        assert!(head.bytes().await.unwrap().is_empty());
        let empty = client.get(server.url("/empty")).send().await.unwrap();
        assert_eq!(empty.status(), StatusCode::NO_CONTENT);
        assert!(empty.bytes().await.unwrap().is_empty());
        assert_eq!(get_text(&client, server.url("/")).await, "after");
    });
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_body_sent_after_a_response_that_has_none_does_not_poison_the_next_request() {
    // The server answers HEAD, 204 and 304 with a head, then (once the
    // client has the response and pooled its connection) with a body the
    // framing says is not there. The next request on that connection would
    // read it as its response head.
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (written_tx, written_rx) = std::sync::mpsc::channel::<()>();
    let go_rx = Arc::new(std::sync::Mutex::new(go_rx));
    let server = TestServer::start(move |req| {
        let head: &[u8] = match (req.method.as_str(), req.target.as_str()) {
            ("HEAD", _) => b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            (_, "/204") => b"HTTP/1.1 204 No Content\r\n\r\n",
            (_, "/304") => b"HTTP/1.1 304 Not Modified\r\n\r\n",
            _ => return ok("after"),
        };
        let (go_rx, written_tx) = (go_rx.clone(), written_tx.clone());
        Reply::BytesThen(
            head.to_vec(),
            Box::new(move |stream| {
                go_rx.lock().unwrap().recv().unwrap();
                // Without Nagle's wait for the ACK of the head (which the
                // client may delay), the bytes are on the wire at once.
                stream.set_nodelay(true).unwrap();
                let _ = std::io::Write::write_all(stream, b"HTTP/1.1 late body");
                written_tx.send(()).unwrap();
            }),
        )
    });
    block_on(async {
        let client = Client::new();
        for (i, request) in [
            client.head(server.url("/")),
            client.get(server.url("/204")),
            client.get(server.url("/304")),
        ]
        .into_iter()
        .enumerate()
        {
            let response = request.send().await.unwrap();
            assert!(response.bytes().await.unwrap().is_empty());
            go_tx.send(()).unwrap();
            written_rx.recv().unwrap();
            // The late bytes wait on the pooled connection: it is dropped,
            // and the GET goes out on a new one.
            assert_eq!(get_text(&client, server.url("/after")).await, "after");
            assert_eq!(server.connections(), i + 2);
        }
    });
}

#[test]
fn redirect_chain_is_followed_and_credentials_stay_behind_on_another_host() {
    let other = TestServer::start(|_| ok("arrived"));
    let other_url = format!("http://localhost:{}/end", other.port());
    let first = TestServer::start(move |req| match req.target.as_str() {
        "/start" => redirect(301, "/middle"),
        "/middle" => redirect(308, &other_url),
        _ => ok("wrong"),
    });
    let response_url = block_on(async {
        let response = Client::new()
            .get(first.url("/start"))
            .header("authorization", "Bearer secret")
            .header("cookie", "session=1")
            .header("x-custom", "kept")
            .send()
            .await
            .unwrap();
        let url = response.url().to_string();
        assert_eq!(response.text().await.unwrap(), "arrived");
        url
    });
    assert_eq!(
        response_url,
        format!("http://localhost:{}/end", other.port())
    );
    let same_host = &first.requests()[1];
    assert_eq!(same_host.target, "/middle");
    assert_eq!(same_host.header("authorization"), Some("Bearer secret"));
    let moved = &other.requests()[0];
    assert_eq!(moved.header("authorization"), None);
    assert_eq!(moved.header("cookie"), None);
    assert_eq!(moved.header("x-custom"), Some("kept"));
    assert_eq!(
        moved.header("host"),
        Some(format!("localhost:{}", other.port()).as_str())
    );
}

#[test]
fn post_redirected_with_303_becomes_get_and_307_stays_post() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/see-other" => redirect(303, "/landing"),
        "/temporary" => redirect(307, "/landing"),
        _ => ok(&format!(
            "{} {}",
            req.method,
            String::from_utf8_lossy(&req.body)
        )),
    });
    block_on(async {
        let client = Client::new();
        let text = client
            .post(server.url("/see-other"))
            .body("form")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text, "GET ");
        let text = client
            .post(server.url("/temporary"))
            .body("form")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text, "POST form");
    });
}

#[test]
fn redirect_loop_ends_in_a_redirect_error() {
    let server = TestServer::start(|_| redirect(302, "/again"));
    let err = block_on(async {
        Client::new()
            .get(server.url("/again"))
            .send()
            .await
            .unwrap_err()
    });
    assert!(err.is_redirect(), "{err}");
    assert_eq!(
        server.requests().len(),
        11,
        "the first request and 10 redirects"
    );
    assert_eq!(err.url().unwrap().as_str(), server.url("/again"));
}

#[test]
fn timeout_while_waiting_for_the_head() {
    let server = TestServer::start(|_| Reply::BytesThenStall(Vec::new()));
    // Paused clock: the server never answers, so the loop jumps straight
    // to the deadline and the test takes no real time.
    let rt = evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap();
    let err = rt.block_on(async {
        let client = Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        client.get(server.url("/")).send().await.unwrap_err()
    });
    assert!(err.is_timeout() && !err.is_connect(), "{err}");
}

#[test]
fn timeout_while_reading_the_body() {
    let server = TestServer::start(|_| {
        Reply::BytesThenStall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial".to_vec())
    });
    block_on(async {
        // The real clock: the head must arrive before the deadline, so it
        // is generous, and the body stalls past it for sure.
        let client = Client::new();
        let response = client
            .get(server.url("/"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .unwrap();
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_timeout(), "{err}");
    });
}

#[test]
fn oversized_head_is_an_error() {
    let server = TestServer::start(|_| {
        let mut head = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
        head.resize(80 * 1024, b'a');
        head.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
        Reply::Bytes(head)
    });
    let err = block_on(async { Client::new().get(server.url("/")).send().await.unwrap_err() });
    assert!(err.is_request(), "{err}");
    assert!(
        err.to_string().contains("response head larger than 64 KiB"),
        "{err}"
    );
}

#[test]
fn truncated_body_is_a_body_error() {
    let server = TestServer::start(|_| {
        Reply::BytesThenClose(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this".to_vec())
    });
    let err = block_on(async {
        Client::new()
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap_err()
    });
    assert!(err.is_body(), "{err}");
    assert!(
        err.to_string()
            .contains("connection closed before the end of the body"),
        "{err}"
    );
}

#[test]
fn read_until_close_body() {
    let server = TestServer::start(|_| {
        Reply::BytesThenClose(b"HTTP/1.0 200 OK\r\n\r\nuntil the end".to_vec())
    });
    let text = block_on(async { get_text(&Client::new(), server.url("/")).await });
    assert_eq!(text, "until the end");
}

#[test]
fn refused_connection_is_a_connect_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The listener is dropped: nothing listens on the port any more.
    let err = block_on(async {
        Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err()
    });
    assert!(err.is_connect() && !err.is_timeout(), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot connect for http://127.0.0.1:{port}/")),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn many_concurrent_requests_on_one_client() {
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let server = TestServer::start(move |req| {
        count.fetch_add(1, Ordering::SeqCst);
        ok(&req.target)
    });
    block_on(async {
        let client = Client::builder().pool_max_idle_per_host(4).build().unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (client, url) = (client.clone(), server.url(&format!("/{i}")));
                evloop::spawn(async move { get_text(&client, url).await })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), format!("/{i}"));
        }
    });
    assert_eq!(served.load(Ordering::SeqCst), 20);
}
