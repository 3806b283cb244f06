//! Timers against tokio's, both on one thread.
//!
//! - `timer_cancel`: 1,000,000 × `timeout(1 s, yield_now())`: each registers
//!   a timer (the inner future is pending once) and cancels it when the
//!   inner future finishes. The cost of a timeout that does not fire.
//! - `timer_fire`: 100,000 tasks each sleep 1–5 ms, 10 rounds. The cost of
//!   timers that fire, dominated by the waits (both runtimes wait alike).
//! - `register_with_1m_pending`: 1,000 `timeout(1 s, yield_now())` while
//!   1,000,000 other timers wait: insert and cancel in a full store.
//! - `sleep_1ms_lateness`: how late a 1 ms sleep comes back, measured from
//!   the deadline; criterion's "time" here is the mean lateness per sleep
//!   (`iter_custom` returns summed lateness), and the figure over 200
//!   sequential sleeps is also printed.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use evloop_benches::{cpu_times, evloop_rt, tokio_rt};

const CANCELS: usize = 1_000_000;
const SLEEPERS: usize = 100_000;
const ROUNDS: usize = 10;
const PENDING: usize = 1_000_000;
const REGISTERS: usize = 1_000;
const LATENESS_SLEEPS: u32 = 200;

fn timer_cancel(c: &mut Criterion) {
    let mut group = c.benchmark_group("timer_cancel");
    group.sample_size(10);
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..CANCELS {
                    let out =
                        evloop::time::timeout(Duration::from_secs(1), evloop::task::yield_now())
                            .await;
                    assert!(out.is_ok());
                }
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..CANCELS {
                    let out =
                        tokio::time::timeout(Duration::from_secs(1), tokio::task::yield_now())
                            .await;
                    assert!(out.is_ok());
                }
            })
        })
    });
    group.finish();
}

async fn evloop_timer_fire(sleepers: usize) {
    let tasks: Vec<_> = (0..sleepers)
        .map(|i| {
            evloop::spawn(async move {
                for _ in 0..ROUNDS {
                    let ms = 1 + (i % 5) as u64;
                    evloop::time::sleep(Duration::from_millis(ms)).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

async fn tokio_timer_fire(sleepers: usize) {
    let tasks: Vec<_> = (0..sleepers)
        .map(|i| {
            tokio::spawn(async move {
                for _ in 0..ROUNDS {
                    let ms = 1 + (i % 5) as u64;
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

fn timer_fire(c: &mut Criterion) {
    let mut group = c.benchmark_group("timer_fire");
    group.sample_size(10);
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| rt.block_on(evloop_timer_fire(SLEEPERS)))
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| rt.block_on(tokio_timer_fire(SLEEPERS)))
    });
    group.finish();
}

/// Polls every future once, so each registers its timer.
async fn register_all<F: Future + Unpin>(futures: &mut [F]) {
    std::future::poll_fn(|cx| {
        for future in futures.iter_mut() {
            assert!(Pin::new(future).poll(cx).is_pending());
        }
        Poll::Ready(())
    })
    .await
}

fn register_with_1m_pending(c: &mut Criterion) {
    let mut group = c.benchmark_group("register_with_1m_pending");
    group.sample_size(20);
    let rt = evloop_rt();
    let mut waiting: Vec<_> = (0..PENDING)
        .map(|i| evloop::time::sleep(Duration::from_secs(3600) + Duration::from_micros(i as u64)))
        .collect();
    rt.block_on(register_all(&mut waiting));
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..REGISTERS {
                    let out =
                        evloop::time::timeout(Duration::from_secs(1), evloop::task::yield_now())
                            .await;
                    assert!(out.is_ok());
                }
            })
        })
    });
    drop(waiting);
    let rt = tokio_rt();
    let mut waiting: Vec<_> = rt.block_on(async {
        (0..PENDING)
            .map(|i| {
                Box::pin(tokio::time::sleep(
                    Duration::from_secs(3600) + Duration::from_micros(i as u64),
                ))
            })
            .collect()
    });
    rt.block_on(register_all(&mut waiting));
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..REGISTERS {
                    let out =
                        tokio::time::timeout(Duration::from_secs(1), tokio::task::yield_now())
                            .await;
                    assert!(out.is_ok());
                }
            })
        })
    });
    drop(waiting);
    group.finish();
}

/// Sums the lateness of `n` sequential 1 ms sleeps made by `sleep`.
async fn lateness<S, F>(n: u32, sleep: S) -> Duration
where
    S: Fn(Duration) -> F,
    F: Future<Output = ()>,
{
    let mut late = Duration::ZERO;
    for _ in 0..n {
        let deadline = Instant::now() + Duration::from_millis(1);
        sleep(Duration::from_millis(1)).await;
        late += Instant::now() - deadline;
    }
    late
}

fn sleep_1ms_lateness(c: &mut Criterion) {
    let evloop = evloop_rt();
    let tokio = tokio_rt();
    let mean = |total: Duration| total / LATENESS_SLEEPS;
    let e = mean(evloop.block_on(lateness(LATENESS_SLEEPS, evloop::time::sleep)));
    let t = mean(tokio.block_on(lateness(LATENESS_SLEEPS, tokio::time::sleep)));
    println!(
        "sleep_1ms_lateness over {LATENESS_SLEEPS} sleeps: evloop {e:?}, tokio {t:?} (mean, from the deadline)"
    );
    let mut group = c.benchmark_group("sleep_1ms_lateness");
    group.sample_size(10);
    group.bench_function("evloop", |b| {
        b.iter_custom(|iters| evloop.block_on(lateness(iters as u32, evloop::time::sleep)))
    });
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| tokio.block_on(lateness(iters as u32, tokio::time::sleep)))
    });
    group.finish();
}

criterion_group!(
    benches,
    timer_cancel,
    timer_fire,
    register_with_1m_pending,
    sleep_1ms_lateness
);
/// `TIME_BENCH_ONCE=evloop|tokio [TIME_BENCH_SLEEPERS=n]`: runs
/// `timer_fire` five times on one runtime and prints wall and CPU time, to
/// tell CPU cost from waiting (and, with fewer sleepers, cache misses from
/// the rest).
fn run_once(which: &str) {
    let sleepers = std::env::var("TIME_BENCH_SLEEPERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SLEEPERS);
    let start = Instant::now();
    let before = cpu_times();
    match which {
        "evloop" => {
            let rt = evloop_rt();
            (0..5).for_each(|_| rt.block_on(evloop_timer_fire(sleepers)));
        }
        "tokio" => {
            let rt = tokio_rt();
            (0..5).for_each(|_| rt.block_on(tokio_timer_fire(sleepers)));
        }
        other => panic!("TIME_BENCH_ONCE must be evloop or tokio, not {other}"),
    }
    if let (Some((u0, s0)), Some((u1, s1))) = (before, cpu_times()) {
        println!(
            "{which}: 5 x timer_fire of {sleepers} sleepers, wall {:?}, user {:?}, sys {:?}",
            start.elapsed(),
            u1 - u0,
            s1 - s0
        );
    }
}

fn main() {
    if let Ok(which) = std::env::var("TIME_BENCH_ONCE") {
        run_once(&which);
        return;
    }
    // What `criterion_main!` expands to, plus the mode above.
    benches();
    Criterion::default().configure_from_args().final_summary();
}
