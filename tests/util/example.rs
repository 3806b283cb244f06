//! Where the examples' binaries are, for the tests that run them.

use std::path::PathBuf;

/// Where cargo put evloop's example binary `name`: `cargo test` builds the
/// examples into `target/<profile>/examples/`, beside the test binaries'
/// `deps/` folder.
pub fn example_path(name: &str) -> PathBuf {
    let mut path: PathBuf = std::env::current_exe().unwrap();
    path.pop(); // the test binary
    if path.ends_with("deps") {
        path.pop();
    }
    path.push("examples");
    path.push(name);
    path
}
