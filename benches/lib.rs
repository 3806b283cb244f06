//! Helpers shared by the side-by-side benchmarks.
//!
//! Each bench file puts an evloop workload and its tokio twin in one
//! criterion group, so one run gives both medians on the same machine at
//! the same moment; their ratio is what `docs/BENCHMARKS.md` records.

/// A tokio current_thread runtime with everything enabled: the twin of an
/// evloop `Runtime`.
pub fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// An evloop runtime with the default settings, except that slow-poll
/// detection is off in every build profile (it is on by default in debug
/// builds, which `cargo test --benches` uses), so both profiles measure the
/// same loop.
pub fn evloop_rt() -> evloop::Runtime {
    evloop::Runtime::builder()
        .slow_poll_threshold(None)
        .build()
        .expect("evloop runtime")
}
