//! The client's rules, checked against scripted in-memory connections:
//! each connect takes the next script, and what the client wrote is kept.
//! (tests/http_*.rs check the same over real sockets.)

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use super::conn::tests::MockStream;
use super::connect::Connector;
use super::error::Error;
use super::io::BoxIo;
use super::{Client, ClientBuilder, IntoUrl, StatusCode};

/// Hands out scripted connections in order and counts connects.
#[derive(Clone, Default)]
struct Script {
    conns: Rc<RefCell<VecDeque<MockStream>>>,
    made: Rc<RefCell<Vec<MockStream>>>,
}

impl Script {
    /// One connection per entry; each entry is the bytes the server sends
    /// (then EOF), one read per response: a real server answers only what
    /// it was asked, and the client refuses to pool a connection with
    /// unasked-for bytes.
    fn new(conns: &[&[u8]]) -> Script {
        let script = Script::default();
        for wire in conns {
            let mut pieces: Vec<&[u8]> = Vec::new();
            let mut rest: &[u8] = wire;
            while let Some(i) = rest.windows(7).skip(1).position(|w| w == b"HTTP/1.") {
                pieces.push(&rest[..i + 1]);
                rest = &rest[i + 1..];
            }
            pieces.push(rest);
            pieces.push(b"");
            script
                .conns
                .borrow_mut()
                .push_back(MockStream::new(&pieces));
        }
        script
    }

    fn push(&self, mock: MockStream) {
        self.conns.borrow_mut().push_back(mock);
    }

    fn connector(&self) -> Connector {
        let script = self.clone();
        Rc::new(move |_url| {
            let next = script.conns.borrow_mut().pop_front();
            let made = script.made.clone();
            Box::pin(async move {
                let mock = next.ok_or_else(|| {
                    Error::new(
                        super::error::Kind::Connect,
                        Some(io::Error::from(io::ErrorKind::ConnectionRefused)),
                    )
                })?;
                made.borrow_mut().push(mock.clone());
                Ok(Box::new(mock) as BoxIo)
            })
        })
    }

    fn client(&self, builder: ClientBuilder) -> Client {
        builder.connector(self.connector()).build().unwrap()
    }

    fn connects(&self) -> usize {
        self.made.borrow().len()
    }

    /// What the client wrote on connection `i`.
    fn written(&self, i: usize) -> String {
        self.made.borrow()[i].written()
    }
}

/// GETs `url` and reads the whole body; panics on any error.
async fn get_bytes(client: &Client, url: impl IntoUrl) -> Vec<u8> {
    Vec::from(client.get(url).send().await.unwrap().bytes().await.unwrap())
}

/// GETs `url` and reads the body as text; panics on any error.
async fn get_text(client: &Client, url: impl IntoUrl) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    crate::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(f)
}

const OK_HELLO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

#[test]
fn keep_alive_reuses_one_connection() {
    let script = Script::new(&[b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n"]);
    let client = script.client(Client::builder());
    run(async {
        assert_eq!(get_text(&client, "http://h/a").await, "hello");
        assert_eq!(get_text(&client, "http://h/b").await, "world");
    });
    assert_eq!(script.connects(), 1);
    let written = script.written(0);
    assert!(
        written.starts_with("GET /a HTTP/1.1\r\nhost: h\r\n"),
        "{written}"
    );
    assert!(written.contains("GET /b HTTP/1.1\r\n"), "{written}");
    assert!(
        written.contains(&format!(
            "user-agent: evloop/{}\r\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{written}"
    );
}

#[test]
fn stale_pooled_connection_is_retried_once_for_idempotent_methods() {
    // The first connection answers once, then the server closes it.
    let script = Script::new(&[OK_HELLO, OK_HELLO]);
    let client = script.client(Client::builder());
    run(async {
        get_bytes(&client, "http://h/").await;
        let text = get_text(&client, "http://h/").await;
        assert_eq!(text, "hello");
    });
    assert_eq!(script.connects(), 2);
}

#[test]
fn post_skips_a_pooled_connection_the_server_closed() {
    // The server closed the idle connection (EOF is waiting to be read):
    // the POST sees that before writing and takes a new connection.
    let script = Script::new(&[OK_HELLO, OK_HELLO]);
    let client = script.client(Client::builder());
    run(async {
        get_bytes(&client, "http://h/").await;
        let text = client
            .post("http://h/")
            .body("x")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text, "hello");
    });
    assert_eq!(script.connects(), 2);
}

#[test]
fn post_is_not_retried_when_the_close_crosses_the_request() {
    // The connection looks alive when checked (a read would block), and the
    // close arrives only after the request went out: a POST may have been
    // acted on, so the error goes to the caller.
    let script = Script::default();
    let mock = MockStream::default();
    for piece in [Some(OK_HELLO.to_vec()), None, Some(Vec::new())] {
        mock.reads.borrow_mut().push_back(piece);
    }
    script.push(mock);
    let client = script.client(Client::builder());
    run(async {
        get_bytes(&client, "http://h/").await;
        let err = client.post("http://h/").body("x").send().await.unwrap_err();
        assert!(err.is_request(), "{err}");
        assert!(
            err.to_string()
                .contains("connection closed before the response"),
            "{err}"
        );
    });
    assert_eq!(script.connects(), 1);
}

#[test]
fn failure_after_response_bytes_is_not_retried() {
    let script = Script::new(&[OK_HELLO, b"HTTP/1.1 200", OK_HELLO]);
    let client = script.client(Client::builder());
    run(async {
        get_bytes(&client, "http://h/").await;
        // Reused connection gets EOF: retried on connection 2, which
        // breaks mid-head: that is an error, not a second retry.
        let err = client.get("http://h/").send().await.unwrap_err();
        assert!(err.is_request(), "{err}");
        assert!(
            err.to_string()
                .contains("in the middle of the response head"),
            "{err}"
        );
    });
    assert_eq!(script.connects(), 2);
}

#[test]
fn head_and_204_ignore_a_lying_content_length() {
    let script = Script::new(&[b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\nHTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]);
    let client = script.client(Client::builder());
    run(async {
        let head = client.head("http://h/").send().await.unwrap();
        assert_eq!(head.content_length(), Some(100));
        assert!(head.bytes().await.unwrap().is_empty());
        let empty = client.get("http://h/").send().await.unwrap();
        assert_eq!(empty.status(), StatusCode::NO_CONTENT);
        assert!(empty.bytes().await.unwrap().is_empty());
        let not_modified = client.get("http://h/").send().await.unwrap();
        assert!(not_modified.bytes().await.unwrap().is_empty());
        assert_eq!(get_text(&client, "http://h/").await, "ok");
    });
    assert_eq!(script.connects(), 1);
}

#[test]
fn a_body_that_came_with_a_bodiless_response_is_not_pooled() {
    // The HEAD's "body" arrived in the same read as its head: already
    // buffered at checkin, so the connection is not pooled at all.
    let script = Script::new(&[
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh",
    ]);
    let client = script.client(Client::builder());
    run(async {
        let head = client.head("http://h/").send().await.unwrap();
        assert!(head.bytes().await.unwrap().is_empty());
        assert_eq!(get_text(&client, "http://h/").await, "fresh");
    });
    assert_eq!(script.connects(), 2);
}

#[test]
fn interim_100_continue_is_skipped() {
    let script = Script::new(&[b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"]);
    let client = script.client(Client::builder());
    let status = run(async {
        client
            .post("http://h/")
            .body("x")
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, StatusCode::CREATED);
}

#[test]
fn a_final_answer_to_expect_100_continue_without_a_100_is_not_pooled() {
    // The server answered before (perhaps instead of) reading the body:
    // the connection is not trusted with another request. After a 100 it
    // is, since the server then reads the body.
    let script = Script::new(&[
        b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh",
    ]);
    let client = script.client(Client::builder());
    run(async {
        for status in [StatusCode::EXPECTATION_FAILED, StatusCode::CREATED] {
            let post = client.post("http://h/").header("expect", "100-continue");
            let response = post.body("data").send().await.unwrap();
            assert_eq!(response.status(), status);
            response.bytes().await.unwrap();
        }
        assert_eq!(get_text(&client, "http://h/").await, "fresh");
    });
    assert_eq!(script.connects(), 2);
}

#[test]
fn conflicting_framing_is_a_body_error() {
    let script = Script::new(&[
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n",
    ]);
    let client = script.client(Client::builder());
    run(async {
        for _ in 0..3 {
            let err = client.get("http://h/").send().await.unwrap_err();
            assert!(err.is_body(), "{err}");
        }
    });
}

#[test]
fn truncated_body_is_a_body_error() {
    let script = Script::new(&[b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"]);
    let client = script.client(Client::builder());
    let err = run(async {
        client
            .get("http://h/x")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap_err()
    });
    assert!(err.is_body(), "{err}");
    assert_eq!(
        err.to_string(),
        "reading the response body failed for http://h/x: connection closed before the end of the body"
    );
}

#[test]
fn read_until_close_body_is_not_pooled() {
    let script = Script::new(&[b"HTTP/1.0 200 OK\r\n\r\nall of it", OK_HELLO]);
    let client = script.client(Client::builder());
    run(async {
        assert_eq!(get_text(&client, "http://h/").await, "all of it");
        get_bytes(&client, "http://h/").await;
    });
    assert_eq!(script.connects(), 2);
}

#[test]
fn http_1_0_with_transfer_encoding_is_not_pooled() {
    let script = Script::new(&[
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst",
        b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond",
    ]);
    let client = script.client(Client::builder());
    run(async {
        assert_eq!(get_text(&client, "http://h/").await, "one");
        assert_eq!(get_text(&client, "http://h/").await, "second");
    });
    assert_eq!(script.connects(), 2);
}

#[test]
fn connection_close_and_early_drop_are_not_pooled() {
    let script = Script::new(&[
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
        OK_HELLO,
    ]);
    let client = script.client(Client::builder());
    run(async {
        get_bytes(&client, "http://h/").await;
        drop(client.get("http://h/").send().await.unwrap());
        get_bytes(&client, "http://h/").await;
    });
    assert_eq!(script.connects(), 3);
}

#[test]
fn max_response_body_limits_bytes() {
    let script = Script::new(&[
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n",
    ]);
    let client = script.client(Client::builder().max_response_body(8));
    run(async {
        for _ in 0..2 {
            let err = client
                .get("http://h/")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap_err();
            assert!(err.is_body(), "{err}");
            assert!(err.to_string().contains("8-byte limit"), "{err}");
        }
    });
}

#[test]
fn redirects_change_method_and_keep_credentials_on_the_same_host() {
    let script = Script::new(&[
        b"HTTP/1.1 303 See Other\r\nLocation: /next\r\nContent-Length: 4\r\n\r\nmoveHTTP/1.1 307 Temporary Redirect\r\nLocation: http://other:8080/final?x=1\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone",
    ]);
    let client = script.client(Client::builder());
    run(async {
        let response = client
            .post("http://u:pw@h/start")
            .header("cookie", "c=1")
            .body("payload")
            .send()
            .await
            .unwrap();
        assert_eq!(response.url().as_str(), "http://other:8080/final?x=1");
        assert_eq!(response.text().await.unwrap(), "done");
    });
    let first = script.written(0);
    // POST with its body, then GET /next without it (303), same host: the
    // credentials stay; the 307 that follows repeats that GET.
    assert!(first.starts_with("POST /start HTTP/1.1\r\n"), "{first}");
    assert!(
        first.contains("authorization: Basic dTpwdw==\r\n"),
        "{first}"
    );
    assert!(first.contains("\r\n\r\npayload"), "{first}");
    let second = &first[first.find("GET /next").expect("followed the 303")..];
    assert!(
        second.contains("cookie: c=1\r\n") && second.contains("authorization: Basic"),
        "{second}"
    );
    assert!(
        !second.contains("content-length") && !second.contains("payload"),
        "{second}"
    );
    // Another host: neither Cookie nor Authorization goes there.
    let third = script.written(1);
    assert!(
        third.starts_with("GET /final?x=1 HTTP/1.1\r\nhost: other:8080\r\n"),
        "{third}"
    );
    assert!(
        !third.contains("cookie") && !third.contains("authorization"),
        "{third}"
    );
}

#[test]
fn redirect_307_keeps_method_and_body() {
    let script = Script::new(&[b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]);
    let client = script.client(Client::builder());
    run(async { client.put("http://h/").body("data").send().await.unwrap() });
    let written = script.written(0);
    assert_eq!(written.matches("PUT ").count(), 2, "{written}");
    assert_eq!(written.matches("data").count(), 2, "{written}");
}

#[test]
fn a_user_set_chunked_encoding_chunks_the_body_and_sends_no_length() {
    let script = Script::new(&[b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\nHTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]);
    let client = script.client(Client::builder());
    run(async {
        let post = client
            .post("http://h/")
            .header("transfer-encoding", "chunked");
        post.body("hello").send().await.unwrap()
    });
    let written = script.written(0);
    let requests: Vec<&str> = written.split_inclusive("0\r\n\r\n").collect();
    // The POST, and its repeat after the 307: chunked, no length.
    for post in &requests[..2] {
        assert!(post.starts_with("POST "), "{written}");
        assert!(post.contains("transfer-encoding: chunked\r\n"), "{post}");
        assert!(!post.contains("content-length"), "{post}");
        assert!(post.ends_with("\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), "{post}");
    }
    // The GET after the 303 has neither a body nor its framing.
    let get = requests[2];
    assert!(get.starts_with("GET /done "), "{written}");
    assert!(!get.contains("transfer-encoding"), "{get}");
    assert!(get.ends_with("\r\n\r\n") && !get.contains("hello"), "{get}");
}

#[test]
fn framing_headers_that_disagree_with_the_body_are_builder_errors() {
    let script = Script::new(&[OK_HELLO]);
    let client = script.client(Client::builder());
    run(async {
        let wrong_length = client.get("http://h/").header("content-length", "5");
        let both = client
            .post("http://h/")
            .header("content-length", "2")
            .header("transfer-encoding", "chunked")
            .body("hi");
        let gzip = client
            .post("http://h/")
            .header("transfer-encoding", "gzip")
            .body("hi");
        for request in [wrong_length, both, gzip] {
            let err = request.send().await.unwrap_err();
            assert!(err.is_builder(), "{err}");
        }
    });
    assert_eq!(script.connects(), 0, "nothing was sent");
}

#[test]
fn redirect_loop_is_a_redirect_error() {
    let hop = b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n".repeat(4);
    let script = Script::new(&[&hop]);
    let client = script.client(Client::builder().max_redirects(3));
    let err = run(async { client.get("http://h/loop").send().await.unwrap_err() });
    assert!(err.is_redirect(), "{err}");
    assert_eq!(
        err.to_string(),
        "redirect failed for http://h/loop: too many redirects (more than 3)"
    );
    assert_eq!(script.connects(), 1);
}

#[test]
fn max_redirects_zero_returns_the_redirect() {
    let script = Script::new(&[b"HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n"]);
    let client = script.client(Client::builder().max_redirects(0));
    let status = run(async { client.get("http://h/").send().await.unwrap().status() });
    assert_eq!(status, StatusCode::MOVED_PERMANENTLY);
}

#[test]
fn connect_timeout_is_connect_and_timeout() {
    let connector: Connector = Rc::new(|_url| Box::pin(std::future::pending()));
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .connector(connector)
        .build()
        .unwrap();
    let err = run(async { client.get("http://h/").send().await.unwrap_err() });
    assert!(err.is_timeout() && err.is_connect(), "{err}");
}

/// A connection that sends `wire` and then neither sends more nor closes.
fn stalling(wire: &[u8]) -> MockStream {
    let mock = MockStream::new(&[wire]);
    mock.stall.set(true);
    mock
}

#[test]
fn timeout_covers_the_head() {
    let script = Script::default();
    script.push(stalling(b"HTTP/1.1 200 OK\r\n"));
    let client = script.client(Client::builder().timeout(Duration::from_secs(5)));
    run(async {
        let start = crate::time::Instant::now();
        let err = client.get("http://h/").send().await.unwrap_err();
        assert!(err.is_timeout() && !err.is_connect(), "{err}");
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    });
}

#[test]
fn timeout_covers_the_body() {
    let script = Script::default();
    script.push(stalling(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel",
    ));
    let client = script.client(Client::builder());
    run(async {
        let start = crate::time::Instant::now();
        let response = client
            .get("http://h/")
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .unwrap();
        let err = response.bytes().await.unwrap_err();
        assert!(err.is_timeout(), "{err}");
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    });
}

#[test]
fn pool_idle_timeout_closes_idle_connections() {
    let script = Script::new(&[OK_HELLO, OK_HELLO]);
    let client = script.client(Client::builder().pool_idle_timeout(Duration::from_secs(10)));
    run(async {
        get_bytes(&client, "http://h/").await;
        crate::time::advance(Duration::from_secs(11)).await;
        get_bytes(&client, "http://h/").await;
    });
    assert_eq!(script.connects(), 2);
}

#[test]
fn text_uses_the_declared_charset() {
    let script = Script::new(&[b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Length: 4\r\n\r\ncaf\xe9HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbad\xff"]);
    let client = script.client(Client::builder());
    run(async {
        assert_eq!(get_text(&client, "http://h/").await, "café");
        assert_eq!(get_text(&client, "http://h/").await, "bad\u{fffd}");
    });
}

#[test]
fn builder_errors_surface_at_send() {
    let client = Client::builder()
        .connector(Script::default().connector())
        .build()
        .unwrap();
    run(async {
        let err = client
            .get("http://h/")
            .header("bad name", "x")
            .send()
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{err}");
        let err = client
            .get("http://h/")
            .header("x", "a\r\nb")
            .send()
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{err}");
        let err = client.get("not a url").send().await.unwrap_err();
        assert!(err.is_builder(), "{err}");
    });
    assert!(Client::builder()
        .user_agent("bad\nagent")
        .build()
        .unwrap_err()
        .is_builder());
}

#[test]
fn error_for_status_names_status_and_url() {
    let script = Script::new(&[b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n"]);
    let client = script.client(Client::builder());
    let err = run(async {
        client
            .get("http://h/r")
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap_err()
    });
    assert!(err.is_status());
    assert_eq!(
        err.to_string(),
        "HTTP status client error (429 Too Many Requests) for http://h/r"
    );
}

#[test]
fn chunk_streams_pieces() {
    let script = Script::default();
    let mock = MockStream::default();
    for piece in [
        &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"[..],
        b"2\r\nde\r\n0\r\n\r\n",
    ] {
        mock.reads.borrow_mut().push_back(Some(piece.to_vec()));
    }
    script.push(mock);
    let client = script.client(Client::builder());
    let pieces = run(async {
        let mut response = client.get("http://h/").send().await.unwrap();
        let mut pieces = Vec::new();
        while let Some(piece) = response.chunk().await.unwrap() {
            pieces.push(String::from_utf8(piece).unwrap());
        }
        pieces
    });
    assert_eq!(pieces, ["abc", "de"]);
}

#[cfg(feature = "json")]
#[test]
fn json_round_trip() {
    let script = Script::new(&[b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnot"]);
    let client = script.client(Client::builder());
    run(async {
        let value: serde_json::Value = client
            .post("http://h/")
            .json(&serde_json::json!({"q": 1}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(value["a"], 1);
        let err = client
            .get("http://h/")
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap_err();
        assert!(err.is_decode(), "{err}");
    });
    let written = script.written(0);
    assert!(written.contains("content-type: application/json\r\n") && written.ends_with("{\"q\":1}GET / HTTP/1.1\r\nhost: h\r\nuser-agent: evloop/0.1.0\r\naccept: */*\r\n\r\n"), "{written}");
}
