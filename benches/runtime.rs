//! Spawning and yielding: the scheduler's fixed costs.
//!
//! Each workload runs on evloop and, in the same criterion group, on tokio's
//! current_thread runtime. They mirror tokio's own `rt_current_thread`
//! benches (`spawn_many_local`, `spawn_many_remote_idle`, `yield_many`) and
//! evloop's issue #2:
//!
//! - `spawn_many_local`: 1,000 empty tasks spawned from a task, then awaited.
//! - `spawn_many_remote_idle`: 1,000 `Handle::spawn` calls from outside
//!   `block_on` (the runtime idle), then all awaited inside it.
//! - `spawn_work`: spawn one task that yields once and returns 2; await it.
//! - `yield_many`: 200 tasks, each yielding 1,000 times.

use criterion::{criterion_group, criterion_main, Criterion};
use evloop_benches::{evloop_rt, tokio_rt};

const NUM_SPAWN: usize = 1_000;
const NUM_YIELD_TASKS: usize = 200;
const NUM_YIELDS: usize = 1_000;

fn spawn_many_local(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_many_local");
    let rt = evloop_rt();
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..NUM_SPAWN {
                    handles.push(evloop::spawn(async {}));
                }
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    });
    let rt = tokio_rt();
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                for _ in 0..NUM_SPAWN {
                    handles.push(tokio::spawn(async {}));
                }
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    });
    group.finish();
}

fn spawn_many_remote_idle(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_many_remote_idle");
    let rt = evloop_rt();
    let handle = rt.handle();
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    group.bench_function("evloop", |b| {
        b.iter(|| {
            for _ in 0..NUM_SPAWN {
                handles.push(handle.spawn(async {}));
            }
            rt.block_on(async {
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    });
    let rt = tokio_rt();
    let handle = rt.handle().clone();
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    group.bench_function("tokio", |b| {
        b.iter(|| {
            for _ in 0..NUM_SPAWN {
                handles.push(handle.spawn(async {}));
            }
            rt.block_on(async {
                for handle in handles.drain(..) {
                    handle.await.unwrap();
                }
            })
        })
    });
    group.finish();
}

fn spawn_work(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_work");
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                evloop::spawn(async {
                    evloop::task::yield_now().await;
                    2
                })
                .await
                .unwrap()
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                tokio::spawn(async {
                    tokio::task::yield_now().await;
                    2
                })
                .await
                .unwrap()
            })
        })
    });
    group.finish();
}

fn yield_many(c: &mut Criterion) {
    let mut group = c.benchmark_group("yield_many");
    group.sample_size(20);
    let rt = evloop_rt();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..NUM_YIELD_TASKS)
                    .map(|_| {
                        evloop::spawn(async {
                            for _ in 0..NUM_YIELDS {
                                evloop::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            })
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..NUM_YIELD_TASKS)
                    .map(|_| {
                        tokio::spawn(async {
                            for _ in 0..NUM_YIELDS {
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
            })
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    spawn_many_local,
    spawn_many_remote_idle,
    spawn_work,
    yield_many
);
criterion_main!(benches);
