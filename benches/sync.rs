//! Local sync primitives against tokio::sync, both on one thread.
//!
//! Each workload runs on evloop (`evloop::sync`: `Rc<RefCell>`, no atomics)
//! and, in the same criterion group, on tokio's current_thread runtime with
//! `tokio::sync`. They mirror tokio's own benches:
//!
//! - `request_reply`: a server task answers 1,000 oneshots sent to it over
//!   an mpsc(10), one at a time (tokio `sync_mpsc_oneshot::request_reply`).
//! - `chained_spawn`: a chain of 1,000 spawns, each spawning the next, the
//!   last sending on a oneshot (tokio `rt_current_thread::chained_spawn`).
//! - `ping_pong`: 1,000 tasks, each spawning a partner and exchanging a
//!   oneshot ping and a oneshot pong with it (tokio `rt_multi_threaded::ping_pong`).
//! - `mpsc_uncontended`: 5,000 sends into a bounded channel, then 5,000
//!   receives (tokio `sync_mpsc::uncontended_bounded`).
//! - `semaphore_acquire`: 1,000 uncontended acquire/release pairs, then 10
//!   tasks sharing 2 permits, each acquiring 100 times with a yield while it
//!   holds one (tokio `sync_semaphore`, uncontended and contended).

use std::rc::Rc;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use evloop_benches::{evloop_rt, tokio_rt};

const NUM_REQUESTS: usize = 1_000;
const CHAIN: usize = 1_000;
const NUM_PINGS: usize = 1_000;
const NUM_MESSAGES: usize = 5_000;
const NUM_ACQUIRES: usize = 1_000;
const CONTENDING_TASKS: usize = 10;
const ACQUIRES_PER_TASK: usize = 100;

fn request_reply(c: &mut Criterion) {
    let mut group = c.benchmark_group("request_reply");
    let rt = evloop_rt();
    let tx = rt.block_on(async {
        let (tx, mut rx) = evloop::sync::mpsc::channel::<evloop::sync::oneshot::Sender<()>>(10);
        evloop::spawn(async move {
            while let Some(reply) = rx.recv().await {
                reply.send(()).unwrap();
            }
        });
        tx
    });
    group.bench_function("evloop", |b| {
        b.iter(|| {
            let tx = tx.clone();
            rt.block_on(async move {
                for _ in 0..NUM_REQUESTS {
                    let (o_tx, o_rx) = evloop::sync::oneshot::channel();
                    tx.send(o_tx).await.unwrap();
                    o_rx.await.unwrap();
                }
            })
        })
    });
    let rt = tokio_rt();
    let tx = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<tokio::sync::oneshot::Sender<()>>(10);
        tokio::spawn(async move {
            while let Some(reply) = rx.recv().await {
                reply.send(()).unwrap();
            }
        });
        tx
    });
    group.bench_function("tokio", |b| {
        b.iter(|| {
            let tx = tx.clone();
            rt.block_on(async move {
                for _ in 0..NUM_REQUESTS {
                    let (o_tx, o_rx) = tokio::sync::oneshot::channel();
                    tx.send(o_tx).await.unwrap();
                    o_rx.await.unwrap();
                }
            })
        })
    });
    group.finish();
}

fn chained_spawn(c: &mut Criterion) {
    fn evloop_link(done: evloop::sync::oneshot::Sender<()>, n: usize) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            evloop::spawn(async move { evloop_link(done, n - 1) });
        }
    }
    fn tokio_link(done: tokio::sync::oneshot::Sender<()>, n: usize) {
        if n == 0 {
            done.send(()).unwrap();
        } else {
            tokio::spawn(async move { tokio_link(done, n - 1) });
        }
    }
    let mut group = c.benchmark_group("chained_spawn");
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (done_tx, done_rx) = evloop::sync::oneshot::channel();
                evloop_link(done_tx, CHAIN);
                done_rx.await.unwrap();
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (done_tx, done_rx) = tokio::sync::oneshot::channel();
                tokio_link(done_tx, CHAIN);
                done_rx.await.unwrap();
            })
        })
    });
    group.finish();
}

fn ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("ping_pong");
    let rt = evloop_rt();
    let mut handles = Vec::with_capacity(NUM_PINGS);
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..NUM_PINGS {
                    handles.push(evloop::spawn(async {
                        let (ping_tx, ping_rx) = evloop::sync::oneshot::channel();
                        let (pong_tx, pong_rx) = evloop::sync::oneshot::channel();
                        evloop::spawn(async move {
                            ping_rx.await.unwrap();
                            pong_tx.send(()).unwrap();
                        });
                        ping_tx.send(()).unwrap();
                        pong_rx.await.unwrap();
                    }));
                }
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    });
    let rt = tokio_rt();
    let mut handles = Vec::with_capacity(NUM_PINGS);
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..NUM_PINGS {
                    handles.push(tokio::spawn(async {
                        let (ping_tx, ping_rx) = tokio::sync::oneshot::channel();
                        let (pong_tx, pong_rx) = tokio::sync::oneshot::channel();
                        tokio::spawn(async move {
                            ping_rx.await.unwrap();
                            pong_tx.send(()).unwrap();
                        });
                        ping_tx.send(()).unwrap();
                        pong_rx.await.unwrap();
                    }));
                }
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    });
    group.finish();
}

fn mpsc_uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("mpsc_uncontended");
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = evloop::sync::mpsc::channel::<usize>(1_000_000);
                for i in 0..NUM_MESSAGES {
                    tx.send(i).await.unwrap();
                }
                for _ in 0..NUM_MESSAGES {
                    rx.recv().await.unwrap();
                }
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::channel::<usize>(1_000_000);
                for i in 0..NUM_MESSAGES {
                    tx.send(i).await.unwrap();
                }
                for _ in 0..NUM_MESSAGES {
                    rx.recv().await.unwrap();
                }
            })
        })
    });
    group.finish();
}

fn semaphore_acquire(c: &mut Criterion) {
    let mut group = c.benchmark_group("semaphore_acquire");
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let sem = Rc::new(evloop::sync::Semaphore::new(1));
                for _ in 0..NUM_ACQUIRES {
                    drop(sem.acquire().await.unwrap());
                }
                let sem = Rc::new(evloop::sync::Semaphore::new(2));
                let tasks: Vec<_> = (0..CONTENDING_TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        evloop::spawn(async move {
                            for _ in 0..ACQUIRES_PER_TASK {
                                let _permit = sem.acquire().await.unwrap();
                                evloop::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let sem = Arc::new(tokio::sync::Semaphore::new(1));
                for _ in 0..NUM_ACQUIRES {
                    drop(sem.acquire().await.unwrap());
                }
                let sem = Arc::new(tokio::sync::Semaphore::new(2));
                let tasks: Vec<_> = (0..CONTENDING_TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        tokio::spawn(async move {
                            for _ in 0..ACQUIRES_PER_TASK {
                                let _permit = sem.acquire().await.unwrap();
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    request_reply,
    chained_spawn,
    ping_pong,
    mpsc_uncontended,
    semaphore_acquire
);
criterion_main!(benches);
