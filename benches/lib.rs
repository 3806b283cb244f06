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

/// A file of `len` bytes in [`std::env::temp_dir`], under a name no other
/// process or earlier file of this one uses, removed when dropped: the file
/// that the `fs_read` workloads read.
pub struct TempFile {
    path: std::path::PathBuf,
}

impl TempFile {
    /// Writes the file: `len` bytes of a repeating pattern (not zeros, so
    /// that no layer can treat it as a hole).
    pub fn new(len: usize) -> std::io::Result<TempFile> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "evloop-bench-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        // `create_new`: never truncate a file that someone else made.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        std::io::Write::write_all(&mut file, &data)?;
        Ok(TempFile { path })
    }

    /// Where the file is.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: a leftover file in the temp dir is no reason to panic.
        let _ = std::fs::remove_file(&self.path);
    }
}
