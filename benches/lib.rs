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

/// User and system CPU time of this process so far, from /proc/self/stat
/// (fields 14 and 15, in clock ticks of 10 ms); `None` off Linux.
pub fn cpu_times() -> Option<(std::time::Duration, std::time::Duration)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may contain spaces; the fields start after its ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)?
            .parse::<u64>()
            .ok()
            .map(|t| std::time::Duration::from_millis(t * 10))
    };
    Some((tick(11)?, tick(12)?))
}
