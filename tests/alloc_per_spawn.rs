//! How many heap allocations a spawn makes, counted by a counting global
//! allocator (this file is its own test binary, with one test, so nothing
//! else allocates meanwhile).
//!
//! A spawn of a task whose output is `()` allocates once, for the box that
//! holds its future and stats: its waker header and its join cell come
//! from the runtime's pools. Other outputs take a second allocation, for
//! their join cell.

use std::alloc::System;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const N: usize = 1000;

/// Spawns `N` tasks of `output`, keeps their JoinHandles and awaits them:
/// the JoinHandle is then each cell's last owner.
async fn spawn_and_join<T: 'static>(
    output: fn() -> T,
    handles: &mut Vec<evloop::task::JoinHandle<T>>,
) {
    for _ in 0..N {
        handles.push(evloop::spawn(async move { output() }));
    }
    for handle in handles.drain(..) {
        handle.await.unwrap();
    }
}

/// Spawns `N` tasks and drops their JoinHandles at once; each task yields
/// once, so it is parked when the loop gets it, then finishes.
async fn spawn_detached() {
    let done = std::rc::Rc::new(std::cell::Cell::new(0));
    for _ in 0..N {
        let done = done.clone();
        drop(evloop::spawn(async move {
            evloop::task::yield_now().await;
            done.set(done.get() + 1);
        }));
    }
    // A tick polls at most `event_interval` tasks: wait for all of them.
    while done.get() < N {
        evloop::task::yield_now().await;
    }
}

#[test]
fn a_spawn_of_a_unit_task_allocates_once() {
    // Slow-poll detection (on by default in debug builds) times every poll
    // and keeps the time beside the task's stats, in an allocation of its
    // own: off, as in release builds.
    let rt = evloop::Runtime::builder()
        .slow_poll_threshold(None)
        .build()
        .unwrap();
    rt.block_on(async {
        let mut units = Vec::with_capacity(N);
        let mut words = Vec::with_capacity(N);
        // Warm up: the slab, the run queue and the pools reach their size.
        for _ in 0..3 {
            spawn_and_join(|| (), &mut units).await;
            spawn_and_join(|| 7u64, &mut words).await;
            spawn_detached().await;
        }

        let region = Region::new(GLOBAL);
        spawn_and_join(|| (), &mut units).await;
        let kept = region.change().allocations;

        let region = Region::new(GLOBAL);
        spawn_detached().await;
        let detached = region.change().allocations;

        let region = Region::new(GLOBAL);
        spawn_and_join(|| 7u64, &mut words).await;
        let word = region.change().allocations;

        assert_eq!(kept, N, "a kept () task: its future's box only");
        // One more: the counter `spawn_detached` itself makes.
        assert_eq!(detached, N + 1, "a detached () task: its future's box only");
        assert_eq!(word, 2 * N, "a u64 task: the box and a join cell");
    });
    assert_eq!(rt.metrics().alive_tasks, 0);
}
