//! evloop's reddit_top example over HTTPS, against a local TLS server whose
//! certificate a test CA (given with `--ca-file`) signed.
//!
//! The example binary is evloop's, not this package's: cargo builds it into
//! `target/<profile>/examples/` when the root package is tested in the same
//! command, so run this from the workspace root (`cargo test
//! --all-features`, which builds it with `tls`).
#![cfg(feature = "tls")]

mod util;

use std::process::Command;

use util::example::example_path;
use util::tls_server::{start_tls_server, test_pki};

/// Runs evloop's example `name` with `args`; its stdout, once it exited
/// with success.
fn run_example(name: &str, args: &[&str]) -> String {
    let path = example_path(name);
    let output = Command::new(&path).args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run {}: {e}; `cargo test --all-features` at the workspace root builds \
             evloop's examples before it runs this test",
            path.display()
        )
    });
    let stdout = String::from_utf8(output.stdout).expect("examples print UTF-8");
    assert!(
        output.status.success(),
        "{name} failed (built without `tls`? run from the workspace root with \
         --all-features):\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The example's listing blocks (each ends in a blank line), sorted.
fn sorted_blocks(out: &str) -> Vec<&str> {
    let mut blocks: Vec<&str> = out.split_inclusive("\n\n").collect();
    blocks.sort_unstable();
    blocks
}

#[test]
fn reddit_top_over_tls_with_a_ca_file() {
    fn listing(target: &str) -> String {
        let json = match target.split('?').next().unwrap() {
            "/r/python/top.json" => include_str!("../../examples/fixtures/python.json"),
            "/r/programming/top.json" => include_str!("../../examples/fixtures/programming.json"),
            "/r/compsci/top.json" => include_str!("../../examples/fixtures/compsci.json"),
            _ => return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_owned(),
        };
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        )
    }

    let (ca_pem, config) = test_pki();
    let port = start_tls_server(config, listing);
    let ca_file = std::env::temp_dir().join(format!("evloop-test-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, ca_pem).unwrap();
    let base_url = format!("https://localhost:{port}");
    let args = [
        "--base-url",
        &base_url,
        "--ca-file",
        ca_file.to_str().unwrap(),
    ];
    let over_tls = run_example("reddit_top", &args);
    let _ = std::fs::remove_file(&ca_file);
    // The same three listings as the offline run (tests/examples.rs checks
    // those against the note's); without the embedded server's delays the
    // order is the network's, so compare them sorted.
    let offline = run_example("reddit_top", &[]);
    assert_eq!(
        sorted_blocks(&over_tls),
        sorted_blocks(&offline),
        "{over_tls}"
    );
    assert_eq!(sorted_blocks(&over_tls).len(), 3, "{over_tls}");
}
