//! evloop::sync::OnceCell and Barrier: one initialiser among many callers,
//! a cancelled one handing over, and rounds of tasks meeting.

mod util;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use evloop::sync::{Barrier, OnceCell, SetError};
use evloop::time::{sleep, Instant};
use util::{counting_waker, poll_once, poll_with};

fn paused() -> evloop::Runtime {
    evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn init_runs_once_among_concurrent_callers() {
    paused().block_on(async {
        let cell = Rc::new(OnceCell::new());
        let runs = Rc::new(Cell::new(0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (cell, runs) = (cell.clone(), runs.clone());
                evloop::spawn(async move {
                    let value = cell
                        .get_or_init(|| async {
                            runs.set(runs.get() + 1);
                            sleep(Duration::from_millis(50)).await;
                            format!("made by {i}")
                        })
                        .await;
                    (value.clone(), start.elapsed())
                })
            })
            .collect();
        for task in tasks {
            let (value, at) = task.await.unwrap();
            assert_eq!(value, "made by 0");
            assert_eq!(at, Duration::from_millis(50), "the others waited for it");
        }
        assert_eq!(runs.get(), 1);
    });
}

#[test]
fn if_the_running_init_is_cancelled_the_next_waiter_runs_its_own() {
    let cell = OnceCell::new();
    let mut first = Box::pin(cell.get_or_init(std::future::pending::<u32>));
    let (waker, wakes) = counting_waker();
    let mut second = Box::pin(cell.get_or_init(|| async { 2 }));
    assert!(
        poll_once(first.as_mut()).is_pending(),
        "first runs its init"
    );
    assert!(
        poll_with(second.as_mut(), &waker).is_pending(),
        "second waits"
    );
    drop(first);
    assert_eq!(wakes.count(), 1, "the turn passes to second");
    assert_eq!(poll_once(second.as_mut()), Poll::Ready(&2));
    drop(second);
    assert_eq!(cell.get(), Some(&2));
}

#[test]
fn a_failed_init_leaves_the_cell_empty_for_the_next_waiter() {
    paused().block_on(async {
        let cell = Rc::new(OnceCell::<u32>::new());
        let log = Rc::new(RefCell::new(Vec::new()));
        let failing = evloop::spawn({
            let (cell, log) = (cell.clone(), log.clone());
            async move {
                let result = cell
                    .get_or_try_init(|| async {
                        sleep(Duration::from_millis(10)).await;
                        log.borrow_mut().push("fail");
                        Err("refused")
                    })
                    .await
                    .copied();
                result
            }
        });
        evloop::task::yield_now().await;
        let value = cell
            .get_or_try_init(|| async {
                log.borrow_mut().push("retry");
                Ok::<u32, &str>(7)
            })
            .await;
        assert_eq!(value, Ok(&7));
        assert_eq!(failing.await.unwrap(), Err("refused"));
        assert_eq!(*log.borrow(), ["fail", "retry"]);
    });
}

#[test]
fn set_fails_while_an_init_runs_and_once_a_value_is_in() {
    let cell = OnceCell::new();
    let mut init = Box::pin(cell.get_or_init(std::future::pending::<u8>));
    assert!(poll_once(init.as_mut()).is_pending());
    let err = cell.set(1).unwrap_err();
    assert!(err.is_initializing_err());
    assert_eq!(err.to_string(), "InitializingError");
    drop(init);
    cell.set(2).unwrap();
    assert_eq!(cell.set(3), Err(SetError::AlreadyInitializedError(3)));
    assert_eq!(cell.get(), Some(&2));
}

#[test]
fn a_get_or_init_first_polled_after_set_returns_the_set_value() {
    let cell = OnceCell::new();
    let mut running = Box::pin(cell.get_or_init(|| async { 1 }));
    // Nobody initialises yet: `set` wins, and a later caller reads it.
    cell.set(5).unwrap();
    assert_eq!(poll_once(running.as_mut()), Poll::Ready(&5));
}

#[test]
fn take_empties_the_cell_for_a_new_value() {
    let mut cell = OnceCell::from(1);
    assert_eq!(cell.take(), Some(1));
    assert!(!cell.initialized());
    evloop::block_on(async {
        assert_eq!(*cell.get_or_init(|| async { 2 }).await, 2);
    });
    assert_eq!(cell.into_inner(), Some(2));
}

#[test]
fn a_barrier_holds_everyone_until_the_last_arrives_and_names_one_leader() {
    paused().block_on(async {
        let barrier = Rc::new(Barrier::new(3));
        let start = Instant::now();
        let tasks: Vec<_> = (1..=3u64)
            .map(|i| {
                let barrier = barrier.clone();
                evloop::spawn(async move {
                    sleep(Duration::from_millis(10 * i)).await;
                    let result = barrier.wait().await;
                    (result.is_leader(), start.elapsed())
                })
            })
            .collect();
        let mut leaders = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            let (leader, at) = task.await.unwrap();
            assert_eq!(at, Duration::from_millis(30), "released with the last");
            if leader {
                leaders.push(i);
            }
        }
        assert_eq!(leaders, [2], "the last to arrive leads");
    });
}

#[test]
fn a_barrier_is_ready_for_the_next_round_at_once() {
    evloop::block_on(async {
        let barrier = Rc::new(Barrier::new(2));
        let other = evloop::spawn({
            let barrier = barrier.clone();
            async move {
                let mut leads = 0;
                for _ in 0..3 {
                    leads += barrier.wait().await.is_leader() as u32;
                }
                leads
            }
        });
        let mut leads = 0;
        for _ in 0..3 {
            leads += barrier.wait().await.is_leader() as u32;
        }
        assert_eq!(leads + other.await.unwrap(), 3, "one leader per round");
    });
}

#[test]
fn a_barrier_of_zero_or_one_never_waits() {
    evloop::block_on(async {
        assert!(Barrier::new(0).wait().await.is_leader());
        assert!(Barrier::new(1).wait().await.is_leader());
    });
}
