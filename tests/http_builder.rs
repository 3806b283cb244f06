//! reqwest's everyday pieces over real sockets: `evloop::http::get`,
//! `Client::patch`, `basic_auth`, `bearer_auth`, `form`, `default_headers`,
//! `Response::bytes` and `bytes_stream`, and the error for `https` without
//! the `tls` feature. The server is tests/util/http_server.rs, on std
//! threads, on 127.0.0.1.
#![cfg(feature = "http")]

mod util;

use std::future::poll_fn;
use std::io::Write;
use std::pin::Pin;
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use evloop::http::header::{HeaderMap, HeaderValue};
use evloop::http::{Client, StatusCode};
use futures_core::Stream;
use util::http_server::{ok, redirect, Reply, TestServer};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    evloop::Runtime::new().unwrap().block_on(f)
}

/// The next item of a stream, without a `StreamExt`.
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[test]
fn free_get_uses_a_default_client() {
    let server = TestServer::start(|_| ok("one-off"));
    let text = block_on(async {
        let response = evloop::http::get(server.url("/x")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    });
    assert_eq!(text, "one-off");
    let seen = &server.requests()[0];
    assert_eq!((seen.method.as_str(), seen.target.as_str()), ("GET", "/x"));
    assert_eq!(
        seen.header("user-agent"),
        Some(concat!("evloop/", env!("CARGO_PKG_VERSION")))
    );

    let err = block_on(evloop::http::get("not a url")).unwrap_err();
    assert!(err.is_builder(), "{err}");
}

#[test]
fn patch_sends_its_method_and_body() {
    let server = TestServer::start(|_| ok(""));
    block_on(async {
        let client = Client::new();
        let response = client.patch(server.url("/item/7")).body("x=1").send();
        assert_eq!(response.await.unwrap().status(), StatusCode::OK);
    });
    let seen = &server.requests()[0];
    assert_eq!(
        (seen.method.as_str(), seen.target.as_str()),
        ("PATCH", "/item/7")
    );
    assert_eq!(seen.header("content-length"), Some("3"));
    assert_eq!(seen.body, b"x=1");
}

#[test]
fn basic_auth_encodes_user_and_optional_password() {
    let server = TestServer::start(|_| ok(""));
    block_on(async {
        let client = Client::new();
        // RFC 7617's example; then no password (a bare `user:`), a Display
        // value that is not a string, and a later call replacing an
        // earlier header.
        let url = server.url("/");
        let requests = [
            client.get(&url).basic_auth("Aladdin", Some("open sesame")),
            client.get(&url).basic_auth("user", None::<&str>),
            client.get(&url).basic_auth(42, Some(7)),
            client
                .get(&url)
                .header("authorization", "Bearer old")
                .basic_auth("a", Some("b")),
        ];
        for request in requests {
            request.send().await.unwrap().bytes().await.unwrap();
        }
    });
    let seen: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(
        seen,
        [
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", // Aladdin:open sesame
            "Basic dXNlcjo=",                     // user:
            "Basic NDI6Nw==",                     // 42:7
            "Basic YTpi",                         // a:b
        ]
    );
    for request in server.requests() {
        let count = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .count();
        assert_eq!(count, 1, "one Authorization field, not two");
    }
}

#[test]
fn credentials_are_hidden_from_debug_output() {
    let client = Client::new();
    let basic = client
        .get("http://127.0.0.1:1/")
        .basic_auth("user", Some("hunter2"));
    let bearer = client.get("http://127.0.0.1:1/").bearer_auth("s3cr3t");
    let (basic, bearer) = (format!("{basic:?}"), format!("{bearer:?}"));
    assert!(basic.contains("authorization") && bearer.contains("authorization"));
    // base64("user:hunter2") and the token itself.
    assert!(!basic.contains("dXNlcjpodW50ZXIy"), "{basic}");
    assert!(!bearer.contains("s3cr3t"), "{bearer}");
}

#[test]
fn bearer_auth_sets_the_header_and_refuses_a_line_break() {
    let server = TestServer::start(|_| ok(""));
    let err = block_on(async {
        let client = Client::new();
        let url = server.url("/");
        client
            .get(&url)
            .bearer_auth("abc.def")
            .send()
            .await
            .unwrap();
        client
            .get(&url)
            .bearer_auth("abc\r\nx-injected: 1")
            .send()
            .await
            .unwrap_err()
    });
    assert!(err.is_builder(), "{err}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "the bad request was never sent");
    assert_eq!(requests[0].header("authorization"), Some("Bearer abc.def"));
}

#[test]
fn form_sends_an_urlencoded_body() {
    let server = TestServer::start(|_| ok(""));
    block_on(async {
        let client = Client::new();
        let url = server.url("/");
        let pairs = [
            ("name", "Ada Lovelace"),
            ("note", "1+1=2 & 50%"),
            ("é", "~"),
        ];
        client.post(&url).form(&pairs).send().await.unwrap();
        // Owned strings work too, and a Content-Type set before stays.
        let owned = vec![(String::from("k"), String::from("v w"))];
        client
            .post(&url)
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .form(&owned)
            .send()
            .await
            .unwrap();
    });
    let requests = server.requests();
    assert_eq!(
        requests[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8_lossy(&requests[0].body),
        "name=Ada+Lovelace&note=1%2B1%3D2+%26+50%25&%C3%A9=%7E"
    );
    assert_eq!(
        requests[0].header("content-length"),
        Some(requests[0].body.len().to_string().as_str())
    );
    assert_eq!(
        requests[1].header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    assert_eq!(requests[1].body, b"k=v+w");
}

#[test]
fn default_headers_go_with_every_request_unless_it_sets_its_own() {
    let server = TestServer::start(|_| ok(""));
    let mut first = HeaderMap::new();
    first.insert("x-api-key", HeaderValue::from_static("old"));
    first.insert("x-team", HeaderValue::from_static("core"));
    let mut second = HeaderMap::new();
    second.insert("x-api-key", HeaderValue::from_static("k1"));
    second.append("x-api-key", HeaderValue::from_static("k2"));
    block_on(async {
        let client = Client::builder()
            .default_headers(first)
            .default_headers(second)
            .build()
            .unwrap();
        let url = server.url("/");
        client.get(&url).send().await.unwrap();
        client
            .get(&url)
            .header("x-team", "mine")
            .send()
            .await
            .unwrap();
    });
    let values = |request: &util::http_server::SeenRequest, name: &str| -> Vec<String> {
        request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    };
    let requests = server.requests();
    // The second map replaced the first's key, both of its values kept.
    assert_eq!(values(&requests[0], "x-api-key"), ["k1", "k2"]);
    assert_eq!(values(&requests[0], "x-team"), ["core"]);
    assert_eq!(values(&requests[1], "x-team"), ["mine"], "the request wins");
    assert_eq!(values(&requests[1], "x-api-key"), ["k1", "k2"]);
}

#[test]
fn a_default_authorization_stays_behind_on_a_redirect_to_another_origin() {
    let other = TestServer::start(|_| ok("arrived"));
    let other_url = other.url("/end");
    let first = TestServer::start(move |req| match req.target.as_str() {
        "/start" => redirect(302, "/middle"),
        _ => redirect(307, &other_url),
    });
    let mut defaults = HeaderMap::new();
    defaults.insert("authorization", HeaderValue::from_static("Bearer secret"));
    let text = block_on(async {
        let client = Client::builder().default_headers(defaults).build().unwrap();
        let response = client.get(first.url("/start")).send().await.unwrap();
        response.text().await.unwrap()
    });
    assert_eq!(text, "arrived");
    let same_origin = first.requests();
    assert_eq!(same_origin.len(), 2);
    for request in &same_origin {
        assert_eq!(request.header("authorization"), Some("Bearer secret"));
    }
    // Another port is another origin.
    assert_eq!(other.requests()[0].header("authorization"), None);
}

#[test]
fn bytes_returns_the_whole_body() {
    let server = TestServer::start(|_| ok("some bytes"));
    let body = block_on(async {
        let response = evloop::http::get(server.url("/")).await.unwrap();
        response.bytes().await.unwrap()
    });
    assert_eq!(body, "some bytes");
    assert_eq!(Vec::from(body), b"some bytes");
}

#[test]
fn bytes_stream_yields_pieces_as_they_arrive() {
    // The server sends the head and a first chunk, then waits until the
    // test saw that chunk come out of the stream before it sends the rest:
    // a stream that waited for the whole body would never get it (and the
    // watchdog fails the test instead of hanging).
    let (saw_first, wait_first) = mpsc::channel::<()>();
    let wait_first = Mutex::new(Some(wait_first));
    let server = TestServer::start(move |_| {
        let wait = wait_first.lock().unwrap().take().expect("one request");
        Reply::BytesThen(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n".to_vec(),
            Box::new(move |stream| {
                if wait.recv_timeout(Duration::from_secs(10)).is_ok() {
                    let _ = stream.write_all(b"6\r\nsecond\r\n0\r\n\r\n");
                }
            }),
        )
    });
    let url = server.url("/");
    let pieces = util::bounded(Duration::from_secs(20), move || {
        block_on(async move {
            let response = evloop::http::get(&url).await.unwrap();
            let mut stream = response.bytes_stream();
            let first = next(&mut stream).await.unwrap().unwrap();
            saw_first.send(()).unwrap();
            let mut pieces = vec![first];
            while let Some(piece) = next(&mut stream).await {
                pieces.push(piece.unwrap());
            }
            // Ended: it stays ended.
            assert!(next(&mut stream).await.is_none());
            pieces
        })
    })
    .value;
    assert_eq!(pieces, ["first", "second"]);
}

#[test]
fn bytes_stream_ends_after_an_error() {
    let server = TestServer::start(|_| {
        Reply::BytesThenClose(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort".to_vec())
    });
    block_on(async {
        let response = evloop::http::get(server.url("/")).await.unwrap();
        let mut stream = response.bytes_stream();
        let mut got = Vec::new();
        let err = loop {
            match next(&mut stream).await.expect("an error before the end") {
                Ok(piece) => got.extend_from_slice(&piece),
                Err(e) => break e,
            }
        };
        assert!(err.is_body(), "{err}");
        assert_eq!(got, b"short");
        assert!(next(&mut stream).await.is_none());
    });
}

/// Without the `tls` feature, an `https` URL fails at once with the line
/// to add to Cargo.toml, before any connection is tried.
#[cfg(not(feature = "tls"))]
#[test]
fn https_without_the_tls_feature_names_the_cargo_toml_line() {
    let server = TestServer::start(|_| ok(""));
    let url = format!("https://127.0.0.1:{}/", server.port());
    let err = block_on(evloop::http::get(&url)).unwrap_err();
    assert!(err.is_builder(), "{err}");
    let message = err.to_string();
    let version = env!("CARGO_PKG_VERSION").rsplit_once('.').unwrap().0;
    let line = format!("evloop = {{ version = \"{version}\", features = [\"tls\"] }}");
    assert!(message.contains(&line), "{message}");
    assert_eq!(server.connections(), 0, "nothing was connected");
}
