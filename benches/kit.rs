//! The kit around the scheduler: `select!`, child processes, file reads
//! and `JoinSet` (evloop issue #18).
//!
//! Each workload runs on evloop and, in the same criterion group, on tokio's
//! current_thread runtime with the same code under tokio's names:
//!
//! - `select_loop`: a producer task sends 1,000,000 numbers on a
//!   bounded(128) mpsc channel; the consumer takes each one with a
//!   `select!` of `rx.recv()` and a 1 s `sleep`, made anew in every
//!   iteration as typical code does (it never fires). One criterion
//!   iteration is all 1,000,000. Target: evloop ≤ 0.8× tokio.
//! - `process`: spawn `/bin/true` and wait for its exit status
//!   (`Command::new("/bin/true").status()`); one criterion iteration is one
//!   child. Most of it is the kernel's fork/exec/exit, so the target is
//!   only evloop ≤ 1.0× tokio.
//! - `fs_read`: `fs::read` of a 1 MiB file (made once in the temp dir,
//!   removed at the end); both runtimes run `std::fs::read` on their
//!   blocking pool. One criterion iteration is one read. Target: evloop ≤
//!   1.0× tokio.
//! - `join_set`: spawn 100,000 tasks that each return their index into a
//!   `JoinSet`, then `join_next` until it is empty. One criterion iteration
//!   is all 100,000. Target: evloop ≤ 0.8× tokio. evloop's side needs
//!   `evloop::task::JoinSet` and so the benches package's feature
//!   `joinset` (off by default); without it the group has tokio alone.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use evloop_benches::{evloop_rt, tokio_rt, TempFile};

const NUM_SELECTS: u64 = 1_000_000;
const SELECT_CHANNEL: usize = 128;
/// The select's timer: long enough never to fire.
const SELECT_TIMEOUT: Duration = Duration::from_secs(1);
const FILE_LEN: usize = 1024 * 1024;
const NUM_JOIN_TASKS: usize = 100_000;

/// The sum of 0..NUM_SELECTS, what the consumer must end with.
const SELECT_SUM: u64 = NUM_SELECTS * (NUM_SELECTS - 1) / 2;

fn select_loop(c: &mut Criterion) {
    let mut group = c.benchmark_group("select_loop");
    group.sample_size(10);
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = evloop::sync::mpsc::channel(SELECT_CHANNEL);
                let producer = evloop::spawn(async move {
                    for v in 0..NUM_SELECTS {
                        tx.send(v).await.unwrap();
                    }
                });
                let mut sum = 0u64;
                for _ in 0..NUM_SELECTS {
                    evloop::select! {
                        Some(v) = rx.recv() => sum += v,
                        _ = evloop::time::sleep(SELECT_TIMEOUT) => panic!("select_loop: no message for 1 s"),
                    }
                }
                producer.await.unwrap();
                assert_eq!(sum, SELECT_SUM);
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::channel(SELECT_CHANNEL);
                let producer = tokio::spawn(async move {
                    for v in 0..NUM_SELECTS {
                        tx.send(v).await.unwrap();
                    }
                });
                let mut sum = 0u64;
                for _ in 0..NUM_SELECTS {
                    tokio::select! {
                        Some(v) = rx.recv() => sum += v,
                        _ = tokio::time::sleep(SELECT_TIMEOUT) => panic!("select_loop: no message for 1 s"),
                    }
                }
                producer.await.unwrap();
                assert_eq!(sum, SELECT_SUM);
            })
        })
    });
    group.finish();
}

fn process(c: &mut Criterion) {
    let mut group = c.benchmark_group("process");
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let status = evloop::process::Command::new("/bin/true")
                    .status()
                    .await
                    .unwrap();
                assert!(status.success());
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let status = tokio::process::Command::new("/bin/true")
                    .status()
                    .await
                    .unwrap();
                assert!(status.success());
            })
        })
    });
    group.finish();
}

fn fs_read(c: &mut Criterion) {
    let mut group = c.benchmark_group("fs_read");
    let file = TempFile::new(FILE_LEN).expect("the 1 MiB file in the temp dir");
    let path = file.path();
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let data = evloop::fs::read(path).await.unwrap();
                assert_eq!(data.len(), FILE_LEN);
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let data = tokio::fs::read(path).await.unwrap();
                assert_eq!(data.len(), FILE_LEN);
            })
        })
    });
    group.finish();
    // `file` is dropped here, after both runtimes: the file goes with it.
}

fn join_set(c: &mut Criterion) {
    let mut group = c.benchmark_group("join_set");
    group.sample_size(10);
    let expected: usize = (0..NUM_JOIN_TASKS).sum();
    #[cfg(feature = "joinset")]
    {
        let rt = evloop_rt();
        group.bench_function("evloop", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut set = evloop::task::JoinSet::new();
                    for i in 0..NUM_JOIN_TASKS {
                        set.spawn(async move { i });
                    }
                    let mut sum = 0;
                    while let Some(i) = set.join_next().await {
                        sum += i.unwrap();
                    }
                    assert_eq!(sum, expected);
                })
            })
        });
    }
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for i in 0..NUM_JOIN_TASKS {
                    set.spawn(async move { i });
                }
                let mut sum = 0;
                while let Some(i) = set.join_next().await {
                    sum += i.unwrap();
                }
                assert_eq!(sum, expected);
            })
        })
    });
    group.finish();
}

criterion_group!(benches, select_loop, process, fs_read, join_set);
criterion_main!(benches);
