//! Tasks and their handles: abort, panics, detaching, wakers from anywhere.

mod util;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread;

use evloop::task::yield_now;
use evloop::{Runtime, UnhandledPanic};
use util::{panic_message, DropFlag, Gate};

/// Lets the loop tick `n` times: each yield is one trip through the run
/// queue, the mio poll and the remote queue.
async fn yield_times(n: usize) {
    for _ in 0..n {
        yield_now().await;
    }
}

#[test]
fn abort_before_the_first_poll_never_runs_the_future() {
    let rt = Runtime::new().unwrap();
    let ran = Rc::new(Cell::new(false));
    let task = rt.spawn({
        let ran = ran.clone();
        async move { ran.set(true) }
    });
    task.abort();
    let err = rt.block_on(task).unwrap_err();
    assert!(err.is_cancelled());
    assert!(!ran.get());
}

#[test]
fn abort_of_a_pending_task_drops_its_future_at_once() {
    let rt = Runtime::new().unwrap();
    let dropped = Arc::new(Mutex::new(false));
    let flag = DropFlag(dropped.clone());
    let task = rt.spawn(async move {
        let _flag = flag;
        std::future::pending::<()>().await
    });
    rt.block_on(yield_now());
    assert!(!*dropped.lock().unwrap());
    task.abort();
    rt.block_on(async {
        while !task.is_finished() {
            yield_now().await;
        }
    });
    assert!(*dropped.lock().unwrap(), "abort released the future");
    assert!(task.is_finished());
    assert!(rt.block_on(task).unwrap_err().is_cancelled());
    assert_eq!(rt.metrics().alive_tasks, 0);
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let rt = Runtime::new().unwrap();
    let task = rt.spawn(async { 5 });
    rt.block_on(yield_now());
    assert!(task.is_finished());
    task.abort();
    assert_eq!(rt.block_on(task).unwrap(), 5);
}

#[test]
fn abort_from_another_thread_cancels_the_task() {
    let rt = Runtime::new().unwrap();
    let task = rt.handle().spawn(std::future::pending::<()>());
    rt.block_on(yield_now());
    let task = thread::spawn(move || {
        task.abort();
        task
    })
    .join()
    .unwrap();
    assert!(rt.block_on(task).unwrap_err().is_cancelled());
}

#[test]
fn a_panicking_task_reports_its_panic_and_the_loop_goes_on() {
    let rt = Runtime::new().unwrap();
    let bad = rt.spawn(async {
        yield_now().await;
        panic!("boom in a task");
    });
    let good = rt.spawn(async {
        for _ in 0..3 {
            yield_now().await;
        }
        "still running"
    });
    let err = rt.block_on(bad).unwrap_err();
    assert!(err.is_panic());
    assert!(!err.is_cancelled());
    assert_eq!(err.to_string(), "task panicked: boom in a task");
    assert_eq!(panic_message(err.into_panic()), "boom in a task");
    assert_eq!(rt.block_on(good).unwrap(), "still running");
}

#[test]
fn try_into_panic_gives_back_a_cancellation() {
    let rt = Runtime::new().unwrap();
    let task = rt.spawn(async {});
    task.abort();
    let err = rt.block_on(task).unwrap_err();
    let err = err.try_into_panic().unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(err.to_string(), "task was cancelled");
}

#[test]
fn shutdown_runtime_resumes_a_task_panic_in_block_on() {
    let rt = Runtime::builder()
        .unhandled_panic(UnhandledPanic::ShutdownRuntime)
        .build()
        .unwrap();
    let result = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            drop(evloop::spawn(async { panic!("unhandled") }));
            std::future::pending::<()>().await
        })
    }));
    assert_eq!(panic_message(result.unwrap_err()), "unhandled");
}

#[test]
fn a_panicking_destructor_is_reported_as_a_panic() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("destructor");
        }
    }
    let rt = Runtime::new().unwrap();
    let task = rt.spawn(async {
        let _guard = PanicOnDrop;
        1
    });
    let err = rt.block_on(task).unwrap_err();
    assert_eq!(panic_message(err.into_panic()), "destructor");
}

#[test]
fn dropping_the_join_handle_detaches_the_task() {
    let rt = Runtime::new().unwrap();
    let gate = Gate::new();
    let done = Rc::new(Cell::new(false));
    drop(rt.spawn({
        let (gate, done) = (gate.clone(), done.clone());
        async move {
            gate.wait().await;
            done.set(true);
        }
    }));
    rt.block_on(yield_now());
    gate.open();
    rt.block_on(async {
        while !done.get() {
            yield_now().await;
        }
    });
    assert_eq!(
        rt.metrics().alive_tasks,
        0,
        "a detached task runs to completion"
    );
}

#[test]
fn is_finished_turns_true_only_when_the_task_is_done() {
    let rt = Runtime::new().unwrap();
    let gate = Gate::new();
    let task = rt.spawn(gate.wait());
    rt.block_on(yield_now());
    assert!(!task.is_finished());
    gate.open();
    rt.block_on(async {
        while gate.polls() < 2 {
            yield_now().await;
        }
    });
    assert!(task.is_finished());
}

#[test]
fn a_wake_from_another_thread_reaches_the_task() {
    let rt = Runtime::new().unwrap();
    let gate = Gate::new();
    let task = rt.spawn({
        let gate = gate.clone();
        async move {
            gate.wait().await;
            "woken"
        }
    });
    rt.block_on(yield_now());
    let opener = thread::spawn({
        let gate = gate.clone();
        move || gate.open()
    });
    assert_eq!(rt.block_on(task).unwrap(), "woken");
    opener.join().unwrap();
    assert_eq!(gate.polls(), 2, "one pending poll, one ready poll");
}

#[test]
fn a_stale_waker_does_not_wake_the_slots_next_task() {
    let rt = Runtime::new().unwrap();
    let first = Gate::new();
    let task = rt.spawn(first.wait());
    rt.block_on(yield_now());
    let stale = first.waker().expect("the task parked its waker");
    first.open();
    rt.block_on(task).unwrap();

    let second = Gate::new();
    let task = rt.spawn(second.wait());
    rt.block_on(yield_now());
    assert_eq!(second.polls(), 1);
    stale.wake_by_ref();
    thread::spawn(move || stale.wake()).join().unwrap();
    // A few ticks: enough for the local and the remote wake to be drained.
    rt.block_on(yield_times(4));
    assert_eq!(second.polls(), 1, "the stale wakes did not poll it");
    second.waker().unwrap().wake();
    rt.block_on(yield_times(4));
    assert_eq!(second.polls(), 2, "its own waker still works");
    task.abort();
}

#[test]
fn a_wake_after_the_runtime_dropped_is_a_no_op() {
    let rt = Runtime::new().unwrap();
    let gate = Gate::new();
    let dropped = Arc::new(Mutex::new(false));
    let flag = DropFlag(dropped.clone());
    let wait = gate.wait();
    let join = rt.spawn(async move {
        let _flag = flag;
        wait.await
    });
    rt.block_on(yield_now());
    let waker = gate.waker().unwrap();
    drop(rt);
    assert!(*dropped.lock().unwrap(), "the runtime dropped the task");
    waker.wake_by_ref();
    let remote = waker.clone();
    thread::spawn(move || remote.wake()).join().unwrap();
    // Nothing was polled again, and nothing queued: a new runtime sees a
    // clean slate, and the old task stays cancelled.
    assert_eq!(gate.polls(), 1, "the task was never polled after the drop");
    let rt = Runtime::new().unwrap();
    assert!(rt.block_on(join).unwrap_err().is_cancelled());
    assert_eq!(
        rt.metrics().remote_wakes,
        0,
        "no wake reached the new runtime"
    );
    drop(waker);
}

#[test]
fn many_wakes_before_a_poll_poll_the_task_once() {
    let rt = Runtime::new().unwrap();
    let gate = Gate::new();
    let task = rt.spawn(gate.wait());
    rt.block_on(yield_now());
    let waker = gate.waker().unwrap();
    for _ in 0..10 {
        waker.wake_by_ref();
    }
    let remote = waker.clone();
    thread::spawn(move || {
        for _ in 0..10 {
            remote.wake_by_ref();
        }
    })
    .join()
    .unwrap();
    rt.block_on(yield_times(4));
    assert_eq!(gate.polls(), 2, "twenty wakes, one extra poll");
    task.abort();
}

#[test]
fn spawn_accepts_futures_that_are_not_send() {
    let rt = Runtime::new().unwrap();
    let shared = Rc::new(Cell::new(1));
    let task = rt.spawn({
        let shared = shared.clone();
        async move {
            yield_now().await;
            shared.set(shared.get() * 10);
        }
    });
    rt.block_on(task).unwrap();
    assert_eq!(shared.get(), 10);
}

#[test]
fn a_join_handle_polled_after_ready_panics_with_a_message() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::Poll;
    let rt = Runtime::new().unwrap();
    let mut task = rt.spawn(async {});
    rt.block_on(std::future::poll_fn(|cx| {
        let first = Pin::new(&mut task).poll(cx);
        if first.is_pending() {
            return Poll::Pending;
        }
        let again = catch_unwind(AssertUnwindSafe(|| Pin::new(&mut task).poll(cx)));
        let message = panic_message(again.unwrap_err());
        assert!(message.contains("after it returned"), "{message}");
        Poll::Ready(())
    }));
}
