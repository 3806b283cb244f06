//! `JoinSet`, `AbortHandle` and task ids: completion order, aborting
//! (on drop, all at once, from another thread), detaching, shutdown.

mod util;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::mpsc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use evloop::task::{self, AbortHandle, JoinSet};
use evloop::time::sleep;
use evloop::Runtime;
use util::{panic_message, poll_once, DropCount};

fn paused() -> Runtime {
    Runtime::builder().start_paused(true).build().unwrap()
}

#[test]
fn dropping_a_join_set_aborts_its_tasks() {
    let rt = Runtime::new().unwrap();
    let drops = Rc::new(Cell::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..5 {
            let guard = DropCount(drops.clone());
            set.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
        }
        task::yield_now().await; // every task is parked now
        drop(set);
        task::yield_now().await; // the loop drops the aborted futures
        assert_eq!(drops.get(), 5);
    });
    assert_eq!(rt.metrics().alive_tasks, 0);
}

#[test]
fn join_next_gives_results_in_completion_order_not_spawn_order() {
    let rt = paused();
    let order = rt.block_on(async {
        let mut set = JoinSet::new();
        for ms in [30u64, 10, 40, 20] {
            set.spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            });
        }
        let mut order = Vec::new();
        while let Some(result) = set.join_next().await {
            order.push(result.unwrap());
        }
        order
    });
    assert_eq!(order, [10, 20, 30, 40]);
}

#[test]
fn a_join_set_is_send_when_its_output_is_like_tokios() {
    fn send<T: Send>() {}
    send::<JoinSet<u32>>();
}

#[test]
fn join_next_on_an_empty_set_is_none_at_once() {
    let mut set = JoinSet::<u8>::new();
    {
        let next = pin!(set.join_next());
        assert!(matches!(poll_once(next), Poll::Ready(None)));
    }
    assert!(set.try_join_next().is_none());
}

#[test]
fn abort_all_gives_every_pending_task_a_cancelled_error() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..3 {
            set.spawn(std::future::pending::<()>());
        }
        task::yield_now().await;
        set.abort_all();
        assert_eq!(set.len(), 3, "aborted tasks stay until joined");
        for _ in 0..3 {
            assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
        }
        assert!(set.join_next().await.is_none());
    });
}

#[test]
fn detach_all_lets_the_tasks_run_on() {
    let rt = paused();
    let done = Rc::new(Cell::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for ms in 1..=3 {
            let done = done.clone();
            set.spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                done.set(done.get() + 1);
            });
        }
        set.detach_all();
        assert!(set.is_empty());
        drop(set); // aborts nothing: the set is empty
        sleep(Duration::from_millis(10)).await;
    });
    assert_eq!(done.get(), 3);
}

#[test]
fn shutdown_returns_once_every_task_is_gone() {
    let rt = paused();
    let drops = Rc::new(Cell::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..4 {
            let guard = DropCount(drops.clone());
            set.spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
            });
        }
        task::yield_now().await;
        set.shutdown().await;
        assert!(set.is_empty());
        assert_eq!(
            drops.get(),
            4,
            "every future dropped before shutdown returned"
        );
    });
}

#[test]
fn a_finished_task_is_joined_even_after_abort_all() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { 1 });
        task::yield_now().await; // it finished
        set.abort_all();
        assert_eq!(set.join_next().await.unwrap().unwrap(), 1);
    });
}

#[test]
fn try_join_next_gives_only_what_has_finished() {
    let rt = paused();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { 0 });
        set.spawn(async {
            sleep(Duration::from_millis(5)).await;
            5
        });
        assert!(set.try_join_next().is_none(), "nothing ran yet");
        task::yield_now().await;
        assert_eq!(set.try_join_next().unwrap().unwrap(), 0);
        assert!(set.try_join_next().is_none(), "the sleeper still sleeps");
        sleep(Duration::from_millis(10)).await;
        assert_eq!(set.try_join_next().unwrap().unwrap(), 5);
        assert!(set.is_empty());
    });
}

#[test]
fn join_next_with_id_names_the_task_its_abort_handle_names() {
    let rt = paused();
    rt.block_on(async {
        let mut set = JoinSet::new();
        let slow = set.spawn(async {
            sleep(Duration::from_millis(2)).await;
            "slow"
        });
        let fast = set.spawn(async { "fast" });
        assert_eq!(
            set.join_next_with_id().await.unwrap().unwrap(),
            (fast.id(), "fast")
        );
        assert_eq!(
            set.join_next_with_id().await.unwrap().unwrap(),
            (slow.id(), "slow")
        );
    });
}

#[test]
fn an_abort_handle_from_spawn_cancels_that_task_only() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        let doomed = set.spawn(async {
            std::future::pending::<()>().await;
            "never"
        });
        set.spawn(async { "kept" });
        doomed.abort();
        let mut got = Vec::new();
        while let Some(result) = set.join_next().await {
            got.push(result.map_err(|e| e.is_cancelled()));
        }
        got.sort();
        assert_eq!(got, [Ok("kept"), Err(true)]);
    });
}

#[test]
fn a_blocking_job_in_the_set_wakes_join_next_from_its_thread() {
    let rt = Runtime::new().unwrap();
    let (go, wait) = mpsc::channel::<()>();
    let value = rt.block_on(async move {
        let mut set = JoinSet::new();
        set.spawn_blocking(move || {
            wait.recv().unwrap();
            7
        });
        assert!(set.try_join_next().is_none());
        go.send(()).unwrap();
        set.join_next().await.unwrap().unwrap()
    });
    assert_eq!(value, 7);
}

#[test]
fn dropping_a_pending_join_next_loses_no_result() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async {
            task::yield_now().await;
            3
        });
        {
            let next = pin!(set.join_next());
            assert!(poll_once(next).is_pending());
        }
        assert_eq!(set.join_next().await.unwrap().unwrap(), 3);
    });
}

#[test]
fn join_all_gives_every_output_and_resumes_a_panic() {
    let rt = Runtime::new().unwrap();
    let mut outputs = rt.block_on(async {
        let set: JoinSet<_> = (0..5).map(|n| async move { n }).collect();
        set.join_all().await
    });
    outputs.sort();
    assert_eq!(outputs, [0, 1, 2, 3, 4]);
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { panic!("task failed") });
            set.join_all().await
        })
    }));
    assert_eq!(panic_message(panicked.unwrap_err()), "task failed");
}

#[test]
fn extend_spawns_every_future() {
    let rt = Runtime::new().unwrap();
    let sum: u32 = rt.block_on(async {
        let mut set = JoinSet::default();
        set.extend((1..=4).map(|n| async move { n }));
        set.join_all().await.into_iter().sum()
    });
    assert_eq!(sum, 10);
}

// AbortHandle

#[test]
fn an_abort_handle_is_send_and_sync() {
    fn send_sync<T: Send + Sync + Clone>() {}
    send_sync::<AbortHandle>();
}

#[test]
fn an_abort_handle_aborts_a_local_task_from_another_thread() {
    let rt = Runtime::new().unwrap();
    let drops = Rc::new(Cell::new(0));
    rt.block_on(async {
        let guard = DropCount(drops.clone()); // Rc: the task is not Send
        let task = evloop::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        task::yield_now().await;
        let abort = task.abort_handle();
        thread::spawn(move || abort.abort()).join().unwrap();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(drops.get(), 1);
}

#[test]
fn an_abort_handle_cancels_a_remote_spawn_before_the_loop_takes_it_in() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let (join, ran) = thread::spawn(move || {
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = ran.clone();
        let join =
            handle.spawn(async move { flag.store(true, std::sync::atomic::Ordering::SeqCst) });
        join.abort_handle().abort();
        (join, ran)
    })
    .join()
    .unwrap();
    assert!(rt.block_on(join).unwrap_err().is_cancelled());
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn an_abort_handle_cancels_a_queued_blocking_job() {
    let rt = Runtime::builder().max_blocking_threads(1).build().unwrap();
    let (go, wait) = mpsc::channel::<()>();
    let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ran.clone();
    rt.block_on(async move {
        let first = task::spawn_blocking(move || wait.recv().unwrap());
        let second =
            task::spawn_blocking(move || flag.store(true, std::sync::atomic::Ordering::SeqCst));
        second.abort_handle().abort();
        go.send(()).unwrap();
        first.await.unwrap();
        assert!(second.await.unwrap_err().is_cancelled());
    });
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn an_abort_handle_sees_the_task_finish_and_outlives_its_join_handle() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let task = evloop::spawn(async { task::yield_now().await });
        let abort = task.abort_handle();
        assert!(!abort.is_finished());
        drop(task); // detached: it runs on
        task::yield_now().await;
        task::yield_now().await;
        assert!(abort.is_finished());
        abort.abort(); // a finished task: nothing happens
        let done = evloop::spawn(async {});
        task::yield_now().await;
        assert!(done.abort_handle().is_finished(), "made after the finish");
    });
}

#[test]
fn an_abort_handle_of_a_dropped_join_handle_still_aborts() {
    let rt = Runtime::new().unwrap();
    let drops = Rc::new(Cell::new(0));
    rt.block_on(async {
        let guard = DropCount(drops.clone());
        let task = evloop::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let abort = task.abort_handle();
        drop(task);
        task::yield_now().await;
        abort.abort();
        task::yield_now().await;
        assert!(abort.is_finished());
    });
    assert_eq!(drops.get(), 1);
}

// Ids

#[test]
fn task_id_inside_a_task_equals_its_join_handle_id() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let task = evloop::spawn(async { task::id() });
        let id = task.id();
        assert_eq!(task.abort_handle().id(), id);
        assert_eq!(task.await.unwrap(), id);
        assert_eq!(id, id.clone(), "Copy and Eq");
    });
}

#[test]
fn ids_are_unique_among_tasks_and_blocking_jobs() {
    let rt = Runtime::new().unwrap();
    let ids = rt.block_on(async {
        let mut ids = HashSet::new();
        for _ in 0..100 {
            // Finished at once, so slots (and headers) are reused.
            let task = evloop::spawn(async { task::id() });
            let id = task.id();
            assert!(ids.insert(id));
            assert_eq!(task.await.unwrap(), id);
        }
        let job = task::spawn_blocking(|| ());
        assert!(ids.insert(job.id()), "a blocking job has an id of its own");
        job.await.unwrap();
        ids
    });
    assert_eq!(ids.len(), 101);
}

#[test]
fn ids_of_two_runtimes_never_compare_equal() {
    let first = Runtime::new().unwrap();
    let second = Runtime::new().unwrap();
    let a = first.block_on(first.spawn(async { task::id() })).unwrap();
    let b = second.block_on(second.spawn(async { task::id() })).unwrap();
    assert_eq!(
        a.to_string(),
        b.to_string(),
        "the same number in each runtime"
    );
    assert_ne!(a, b);
}

#[test]
fn try_id_is_none_outside_a_task_and_id_panics_there() {
    assert_eq!(task::try_id(), None);
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        assert_eq!(task::try_id(), None, "block_on's future is no task");
        let inside = evloop::spawn(async { task::try_id() }).await.unwrap();
        assert!(inside.is_some());
    });
    let panicked = catch_unwind(AssertUnwindSafe(|| rt.block_on(async { task::id() })));
    let message = panic_message(panicked.unwrap_err());
    assert!(message.contains("outside of a task"), "{message}");
}

#[test]
fn a_remote_spawn_has_its_id_once_the_loop_took_it_in() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let join = thread::spawn(move || handle.spawn(async { task::id() }))
        .join()
        .unwrap();
    let seen = RefCell::new(None);
    let inside = rt.block_on(async {
        task::yield_now().await; // the loop takes the spawn in
        *seen.borrow_mut() = Some(join.id());
        join.await.unwrap()
    });
    assert_eq!(seen.into_inner(), Some(inside));
}
