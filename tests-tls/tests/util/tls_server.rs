//! A test CA made at test time (rcgen) and a TLS server on std threads
//! whose certificate for `localhost` it signed.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use futures_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use futures_rustls::rustls::{self, ServerConfig, ServerConnection, StreamOwned};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

/// A CA (as PEM) and a server config whose certificate it signed for
/// `localhost`.
pub fn test_pki() -> (String, Arc<ServerConfig>) {
    test_pki_with(CertificateParams::new(vec!["localhost".to_owned()]).unwrap())
}

/// As [`test_pki`], but for a certificate for `localhost` that expired in
/// 2001 (valid from 2000-01-01 to 2001-01-01).
pub fn test_pki_expired() -> (String, Arc<ServerConfig>) {
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.not_before = rcgen::date_time_ymd(2000, 1, 1);
    leaf.not_after = rcgen::date_time_ymd(2001, 1, 1);
    test_pki_with(leaf)
}

/// A CA (as PEM) and a server config whose certificate, made from
/// `leaf_params`, it signed.
pub fn test_pki_with(leaf_params: CertificateParams) -> (String, Arc<ServerConfig>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "evloop test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();

    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    (ca.pem(), Arc::new(config))
}

/// A keep-alive TLS server on 127.0.0.1 (a free port) that answers every
/// request with `respond(target)`, a whole HTTP response. Returns the port.
pub fn start_tls_server(config: Arc<ServerConfig>, respond: fn(&str) -> String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let config = config.clone();
            std::thread::spawn(move || {
                let conn = ServerConnection::new(config).unwrap();
                let mut tls = StreamOwned::new(conn, tcp);
                let mut buf = Vec::new();
                let mut chunk = [0; 4096];
                loop {
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        buf.drain(..end + 4);
                        let target = head.split(' ').nth(1).unwrap_or("/");
                        let reply = respond(target);
                        if tls
                            .write_all(reply.as_bytes())
                            .and_then(|_| tls.flush())
                            .is_err()
                        {
                            return;
                        }
                    }
                    match tls.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    port
}
