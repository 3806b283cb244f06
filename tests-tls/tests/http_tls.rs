//! HTTPS round trips against a local TLS server, with a CA made at test
//! time by rcgen: nothing is read from the system or the network.
#![cfg(feature = "tls")]

mod util;

use std::time::Duration;

use evloop::http::{Certificate, Client, ClientBuilder};
use util::http_server::{ok, TestServer};
use util::tls_server::{start_tls_server, test_pki, test_pki_expired};

fn hello(_target: &str) -> String {
    let body = "hello over TLS";
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn https_round_trip_with_a_test_ca() {
    let (ca_pem, config) = test_pki();
    let port = start_tls_server(config, hello);
    let client = Client::builder()
        .tls_built_in_roots(false)
        .add_root_certificate(Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    evloop::block_on(async {
        for _ in 0..2 {
            let response = client
                .get(format!("https://localhost:{port}/"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.text().await.unwrap(), "hello over TLS");
        }
    });
}

#[test]
fn unknown_ca_is_a_tls_error() {
    let (_, config) = test_pki();
    let port = start_tls_server(config, hello);
    let err = evloop::block_on(async {
        Client::new()
            .get(format!("https://localhost:{port}/"))
            .send()
            .await
            .unwrap_err()
    });
    assert!(err.is_tls(), "{err}");
    assert!(
        err.to_string()
            .starts_with("TLS handshake failed for https://localhost:"),
        "{err}"
    );
}

#[test]
fn bad_pem_is_a_builder_error() {
    assert!(Certificate::from_pem(b"not a certificate")
        .unwrap_err()
        .is_builder());
}

/// Answers `/to/<port>/<status>` with a `<status>` redirect to
/// `http://127.0.0.1:<port>/landed`.
fn redirect_to_plain_http(target: &str) -> String {
    let mut parts = target.split('/').skip(2);
    let (port, status) = (parts.next().unwrap(), parts.next().unwrap());
    format!(
        "HTTP/1.1 {status} Redirect\r\nLocation: http://127.0.0.1:{port}/landed\r\nContent-Length: 0\r\n\r\n"
    )
}

/// A client trusting the test CA, configured by `f`.
fn trusting(ca_pem: &str, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
    let builder = Client::builder()
        .tls_built_in_roots(false)
        .add_root_certificate(Certificate::from_pem(ca_pem.as_bytes()).unwrap());
    f(builder).build().unwrap()
}

#[test]
fn a_redirect_from_https_to_http_is_refused_and_sends_nothing_in_plaintext() {
    let (ca_pem, config) = test_pki();
    let port = start_tls_server(config, redirect_to_plain_http);
    let plain = TestServer::start(|_| ok("landed"));
    let client = trusting(&ca_pem, |b| b);
    evloop::block_on(async {
        let get = client
            .get(format!("https://localhost:{port}/to/{}/302", plain.port()))
            .header("x-api-key", "secret-key");
        let post = client
            .post(format!("https://localhost:{port}/to/{}/307", plain.port()))
            .header("x-api-key", "secret-key")
            .body("secret-body");
        for request in [get, post] {
            let err = request.send().await.unwrap_err();
            assert!(err.is_redirect(), "{err}");
            let text = err.to_string();
            assert!(text.contains("from https to http://127.0.0.1:"), "{err}");
            assert!(text.contains("redirect_https_to_http"), "{err}");
        }
    });
    assert_eq!(plain.connections(), 0, "nothing reached the plain server");
}

#[test]
fn a_redirect_from_https_to_http_is_followed_when_allowed_without_credentials() {
    let (ca_pem, config) = test_pki();
    let port = start_tls_server(config, redirect_to_plain_http);
    let plain = TestServer::start(|_| ok("landed"));
    let client = trusting(&ca_pem, |b| b.redirect_https_to_http(true));
    let text = evloop::block_on(async {
        let response = client
            .get(format!("https://localhost:{port}/to/{}/302", plain.port()))
            .header("x-api-key", "opted-in")
            .header("authorization", "Bearer t")
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    });
    assert_eq!(text, "landed");
    let seen = &plain.requests()[0];
    assert_eq!(seen.target, "/landed");
    assert_eq!(seen.header("x-api-key"), Some("opted-in"));
    assert_eq!(seen.header("authorization"), None);
}

/// A client trusting only the test CA, with a timeout so that a handshake
/// that hangs fails the test.
fn client_trusting(ca_pem: &str) -> Client {
    trusting(ca_pem, |b| b.timeout(Duration::from_secs(10)))
}

#[test]
fn certificate_for_another_name_is_a_tls_error() {
    let (ca_pem, config) = test_pki();
    let port = start_tls_server(config, hello);
    let err = evloop::block_on(async {
        // The certificate names `localhost`; we ask for 127.0.0.1.
        let url = format!("https://127.0.0.1:{port}/");
        client_trusting(&ca_pem).get(url).send().await.unwrap_err()
    });
    assert!(err.is_tls(), "{err}");
    let text = err.to_string().to_lowercase();
    assert!(text.contains("name"), "{err}");
    // The same CA and server, under the right name, work. (A client of
    // its own: one that outlived the first runtime would keep its idle
    // connection, and the pool's reaper task, in that runtime.)
    let body = evloop::block_on(async {
        let url = format!("https://localhost:{port}/");
        let client = client_trusting(&ca_pem);
        client.get(url).send().await.unwrap().text().await.unwrap()
    });
    assert_eq!(body, "hello over TLS");
}

#[test]
fn expired_certificate_is_a_tls_error() {
    let (ca_pem, config) = test_pki_expired();
    let port = start_tls_server(config, hello);
    let client = client_trusting(&ca_pem);
    let err = evloop::block_on(async {
        let url = format!("https://localhost:{port}/");
        client.get(url).send().await.unwrap_err()
    });
    assert!(err.is_tls(), "{err}");
    assert!(err.to_string().to_lowercase().contains("expired"), "{err}");
}
