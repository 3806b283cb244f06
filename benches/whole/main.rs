//! `workload <runtime> <name>`: one workload, once, in a process of its own.
//!
//! The figures users pay are whole-process ones: start-up, the runtime's
//! threads (if any) and its teardown included. This binary runs exactly one
//! workload on exactly one runtime and exits, so that the CPU time the
//! kernel charges the process (measured from outside by
//! `benches/scripts/whole_process.sh`) is that workload's and nothing else's.
//!
//! Runtimes, each single-threaded:
//!
//! - `evloop`: `evloop::Runtime` with the settings of the criterion benches
//!   (`evloop_benches::evloop_rt`).
//! - `tokio`: tokio's `current_thread` runtime, everything enabled.
//! - `smol`: smol's parts: `async-executor`'s `LocalExecutor`, `async-io`
//!   (reactor, timers, TCP), `futures-lite` and `async-channel`. async-io
//!   starts a helper thread ("async-io") that drives the reactor when no
//!   `block_on` does and, while one does, wakes up with a backoff of up to
//!   10 ms; its CPU counts, as it would for any smol user.
//!
//! Workloads (`whole/rt_evloop.rs`, `rt_tokio.rs` and `rt_smol.rs` each
//! have all of them; the shapes are those of benches/runtime.rs, sync.rs,
//! time.rs and net.rs, an "iteration" being one criterion iteration, i.e.
//! one `block_on`):
//!
//! | name | work |
//! | --- | --- |
//! | `spawn_many_local` | 1,000 iterations: spawn 1,000 empty tasks, await them all |
//! | `yield_many` | 50 iterations: 200 tasks each yielding 1,000 times |
//! | `timer_fire` | 100,000 tasks each sleeping 1–5 ms, 10 times |
//! | `chained_spawn` | 1,000 iterations: a chain of 1,000 spawns, the last sending on a oneshot |
//! | `timer_cancel` | 1,000,000 × `timeout(1 s, yield_now())` |
//! | `request_reply` | 1,000 iterations: 1,000 oneshots sent over an mpsc(10) to a server task, one at a time |
//! | `spawn_work` | 1,000,000 iterations: spawn a task that yields once and returns 2, await it |
//! | `tcp_echo` | 32 loopback connections × 5,000 round trips of 64 bytes |
//! | `sleep_lateness` | 1,000 sequential 1 ms sleeps; prints the mean lateness in µs (real clock) |
//! | `mem_pending` | 200,000 tasks each polled once, then parked on `std::future::pending()`; prints bytes a task |
//! | `mem_sleep` | the same, parked on a one-hour sleep of the runtime; prints bytes a task |
//! | `mem_empty` | nothing after start-up (a 1 ms sleep); prints the peak RSS in KiB |
//! | `select_loop` | 1,000,000 messages over an mpsc(128), each taken by a `select!` of `recv()` and a new 1 s sleep |
//! | `process` | 1,000 sequential spawns of `/bin/true`, each awaited (`Command::status`) |
//! | `fs_read` | 1,000 `fs::read`s of a 1 MiB file made once in the temp dir (and removed) |
//! | `join_set` | 10 iterations: 100,000 tasks returning their index, spawned into a `JoinSet` and joined with `join_next` |
//!
//! These last four are evloop issue #18's (benches/kit.rs has them in
//! criterion). smol has no twin of `process` and `fs_read` here
//! (async-process and async-fs are not dependencies) nor of `join_set`
//! (smol has no `JoinSet`): [`SMOL_NA`]; `workload smol <one of them>` says
//! so and fails. `join_set` exists only when the package's feature
//! `joinset` is on (it needs `evloop::task::JoinSet`). `process` charges
//! the children's CPU too (the kernel adds a reaped child's times to its
//! parent's), the same `/bin/true`s on every runtime.
//!
//! `WP_SCALE` (default 1) multiplies the counts that set a workload's size
//! (iterations, sleepers, timeouts, round trips, tasks); not the shape of one
//! iteration. Workloads that measure print one line, `figure <value>
//! <unit>`; the others print nothing.
//!
//! Memory: the RSS baseline (`VmRSS`) is read after the runtime is built
//! and has run one 1 ms sleep, so that its lazily made parts (the reactor,
//! the timer store, async-io's thread) are in the baseline on every runtime;
//! the peak is `VmHWM` once every task has been polled. Both come from
//! /proc/self/status (Linux only).

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

mod rt_evloop;
mod rt_smol;
mod rt_tokio;

/// The counts that size each workload, `WP_SCALE` applied.
pub struct Counts {
    pub spawn_iterations: usize,
    pub spawns: usize,
    pub yield_iterations: usize,
    pub yield_tasks: usize,
    pub yields: usize,
    pub sleepers: usize,
    pub sleep_rounds: usize,
    pub chain_iterations: usize,
    pub chain: usize,
    pub cancels: usize,
    pub request_iterations: usize,
    pub requests: usize,
    pub spawn_work_iterations: usize,
    pub echo_conns: usize,
    pub echo_round_trips: usize,
    pub lateness_sleeps: u32,
    pub mem_tasks: usize,
    pub select_messages: u64,
    pub select_channel: usize,
    pub processes: usize,
    pub file_reads: usize,
    pub file_len: usize,
    pub join_set_iterations: usize,
    pub join_tasks: usize,
}

impl Counts {
    fn new(scale: f64) -> Counts {
        let s = |n: usize| ((n as f64 * scale).round() as usize).max(1);
        Counts {
            spawn_iterations: s(1_000),
            spawns: 1_000,
            yield_iterations: s(50),
            yield_tasks: 200,
            yields: 1_000,
            sleepers: s(100_000),
            sleep_rounds: 10,
            chain_iterations: s(1_000),
            chain: 1_000,
            cancels: s(1_000_000),
            request_iterations: s(1_000),
            requests: 1_000,
            spawn_work_iterations: s(1_000_000),
            echo_conns: 32,
            echo_round_trips: s(5_000),
            lateness_sleeps: s(1_000) as u32,
            mem_tasks: s(200_000),
            select_messages: s(1_000_000) as u64,
            select_channel: 128,
            processes: s(1_000),
            file_reads: s(1_000),
            file_len: 1024 * 1024,
            join_set_iterations: s(10),
            join_tasks: 100_000,
        }
    }
}

/// `tcp_echo`'s message size, in bytes.
pub const ECHO_MSG: usize = 64;

/// `select_loop`'s timer: long enough never to fire.
pub const SELECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Every workload's name but `join_set`, in the order the script runs them
/// by default; [`workloads`] adds `join_set` when it is built.
const WORKLOADS: &[&str] = &[
    "spawn_many_local",
    "yield_many",
    "timer_fire",
    "chained_spawn",
    "timer_cancel",
    "request_reply",
    "spawn_work",
    "tcp_echo",
    "sleep_lateness",
    "mem_pending",
    "mem_sleep",
    "mem_empty",
    "select_loop",
    "process",
    "fs_read",
];

/// The workloads of this build: [`WORKLOADS`], and `join_set` with the
/// feature `joinset`.
fn workloads() -> Vec<&'static str> {
    let mut all = WORKLOADS.to_vec();
    if cfg!(feature = "joinset") {
        all.push("join_set");
    }
    all
}

/// The workloads smol has no twin of here, and why.
pub const SMOL_NA: &[(&str, &str)] = &[
    ("process", "async-process is not a dependency"),
    ("fs_read", "async-fs is not a dependency"),
    ("join_set", "smol has no JoinSet"),
];

/// What a measuring workload prints: a value and its unit.
pub struct Figure(pub f64, pub &'static str);

/// Tasks of `mem_*` that have been polled once. One counter for all three
/// runtimes (tokio's tasks must be `Send`, so not a `Cell`); its cost is the
/// same everywhere and is no part of the figure.
pub static POLLED: AtomicUsize = AtomicUsize::new(0);

/// Marks one `mem_*` task as polled.
pub fn polled_once() {
    POLLED.fetch_add(1, Ordering::Relaxed);
}

/// Whether all `n` `mem_*` tasks have been polled.
pub fn all_polled(n: usize) -> bool {
    POLLED.load(Ordering::Relaxed) >= n
}

/// A `VmRSS:`/`VmHWM:`-style line of /proc/self/status, in KiB.
pub fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Bytes a task: the peak RSS now minus `baseline_kib`, over `tasks`.
pub fn bytes_per_task(baseline_kib: u64, tasks: usize) -> Figure {
    let peak = status_kib("VmHWM:");
    Figure(
        peak.saturating_sub(baseline_kib) as f64 * 1024.0 / tasks as f64,
        "bytes/task",
    )
}

/// The mean lateness of sleeps that were `total` late in all, in µs.
pub fn mean_lateness_us(total: std::time::Duration, sleeps: u32) -> Figure {
    Figure(total.as_secs_f64() * 1e6 / f64::from(sleeps), "us")
}

/// The peak RSS so far, in KiB: `mem_empty`'s figure.
pub fn peak_kib() -> Figure {
    Figure(status_kib("VmHWM:") as f64, "KiB")
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: workload <evloop|tokio|smol> <name>\nnames: {}\nsmol n/a: {}",
        workloads().join(" "),
        SMOL_NA
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(" ")
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [runtime, name] = args.as_slice() else {
        return usage();
    };
    if !workloads().contains(&name.as_str()) {
        if name == "join_set" {
            eprintln!("join_set needs the feature joinset (cargo build --features joinset)");
        } else {
            eprintln!("unknown workload {name:?}");
        }
        return usage();
    }
    if runtime == "smol" {
        if let Some((_, why)) = SMOL_NA.iter().find(|(na, _)| na == name) {
            eprintln!("no smol twin of {name}: {why}");
            return ExitCode::from(2);
        }
    }
    let scale = match std::env::var("WP_SCALE") {
        Err(_) => 1.0,
        Ok(s) => match s.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 && x <= 100.0 => x,
            _ => {
                eprintln!("WP_SCALE must be a number in (0, 100], not {s:?}");
                return ExitCode::from(2);
            }
        },
    };
    let counts = Counts::new(scale);
    let figure = match runtime.as_str() {
        "evloop" => rt_evloop::run(name, &counts),
        "tokio" => rt_tokio::run(name, &counts),
        "smol" => rt_smol::run(name, &counts),
        other => {
            eprintln!("unknown runtime {other:?}");
            return usage();
        }
    };
    if let Some(Figure(value, unit)) = figure {
        println!("figure {value:.1} {unit}");
    }
    ExitCode::SUCCESS
}
