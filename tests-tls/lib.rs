//! Nothing here: evloop's HTTPS tests are in `tests/`, run by
//! `cargo test --all-features` at the workspace root (see Cargo.toml).
