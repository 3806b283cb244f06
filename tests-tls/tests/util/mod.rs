//! Helpers for the HTTPS tests: the root package's scriptable HTTP server
//! and example finder (shared by path, not copied), and the TLS server with
//! its test CA.
#![allow(dead_code)] // each test file uses a different subset

#[path = "../../../tests/util/example.rs"]
pub mod example;
#[path = "../../../tests/util/http_server.rs"]
pub mod http_server;
pub mod tls_server;
