//! HTTPS round trips against a local TLS server, with a CA made at test
//! time by rcgen: nothing is read from the system or the network.
#![cfg(feature = "tls")]

mod util;

use evloop::http::{Certificate, Client};
use util::tls_server::{start_tls_server, test_pki};

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
