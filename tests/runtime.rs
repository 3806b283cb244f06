//! The runtime's contract: block_on, run_forever, stop, Handle, misuse, drop.

mod util;

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex};
use std::task::Poll;
use std::thread;

use evloop::{Handle, Runtime};
use util::{panic_message, DropFlag, Gate};

#[test]
fn block_on_returns_the_futures_output() {
    let rt = Runtime::new().unwrap();
    assert_eq!(rt.block_on(async { 40 + 2 }), 42);
    assert_eq!(evloop::block_on(async { "free function" }), "free function");
}

#[test]
fn tasks_spawned_before_block_on_run_inside_it() {
    let rt = Runtime::new().unwrap();
    let ran = Rc::new(Cell::new(false));
    let task = rt.spawn({
        let ran = ran.clone();
        async move { ran.set(true) }
    });
    assert!(!ran.get(), "nothing runs outside the loop");
    rt.block_on(task).unwrap();
    assert!(ran.get());
}

#[test]
fn unfinished_tasks_wait_for_the_next_block_on() {
    let rt = Runtime::new().unwrap();
    let gate = Gate::new();
    let task = rt.spawn({
        let gate = gate.clone();
        async move {
            gate.wait().await;
            7
        }
    });
    rt.block_on(async { evloop::task::yield_now().await });
    assert!(!task.is_finished());
    assert_eq!(rt.metrics().alive_tasks, 1);
    gate.open();
    assert_eq!(rt.block_on(task).unwrap(), 7);
    assert_eq!(rt.metrics().alive_tasks, 0);
}

#[test]
fn nested_block_on_panics_with_advice() {
    let rt = Runtime::new().unwrap();
    let result = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let inner = Runtime::new().unwrap();
            inner.block_on(async {});
        })
    }));
    let message = panic_message(result.unwrap_err());
    assert!(message.contains("within a runtime"), "{message}");
    assert!(message.contains(".await"), "{message}");
    // The outer runtime is still usable afterwards.
    assert_eq!(rt.block_on(async { 1 }), 1);
}

#[test]
fn spawn_outside_a_runtime_panics_with_advice() {
    let result = catch_unwind(|| drop(evloop::spawn(async {})));
    let message = panic_message(result.unwrap_err());
    assert!(
        message.contains("outside of an evloop runtime"),
        "{message}"
    );
    assert!(message.contains("Runtime::spawn"), "{message}");
}

#[test]
fn handle_current_outside_a_runtime_panics_and_try_current_is_none() {
    assert!(Handle::try_current().is_none());
    let message = panic_message(catch_unwind(Handle::current).unwrap_err());
    assert!(message.contains("Handle::current"), "{message}");
}

#[test]
fn handle_is_send_sync_and_clone() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Handle>();
}

#[test]
fn join_handle_is_send_when_the_output_is() {
    fn assert_send<T: Send>() {}
    assert_send::<evloop::task::JoinHandle<u32>>();
    assert_send::<evloop::task::JoinError>();
    fn assert_sync<T: Sync>() {}
    assert_sync::<evloop::task::JoinError>();
}

#[test]
fn run_forever_returns_after_stop_from_a_task() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let count = Rc::new(Cell::new(0));
    rt.spawn({
        let count = count.clone();
        async move {
            for _ in 0..3 {
                count.set(count.get() + 1);
                evloop::task::yield_now().await;
            }
            handle.stop();
        }
    });
    rt.run_forever();
    assert_eq!(count.get(), 3);
}

#[test]
fn run_forever_returns_after_stop_from_another_thread() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let (ran_tx, ran_rx) = mpsc::channel();
    rt.spawn(async move { ran_tx.send(()).unwrap() });
    // The stopper waits (blocking only its own thread) until the loop ran
    // the task, so the stop arrives while run_forever is parked in mio.
    let stopper = thread::spawn(move || {
        ran_rx.recv().unwrap();
        handle.stop();
    });
    rt.run_forever();
    stopper.join().unwrap();
}

#[test]
fn a_stop_before_run_forever_makes_it_return_at_once() {
    let rt = Runtime::new().unwrap();
    rt.handle().stop();
    rt.run_forever();
    // The request was consumed: a later stop is needed for the next run.
    let handle = rt.handle();
    rt.spawn(async move { handle.stop() });
    rt.run_forever();
}

#[test]
fn handle_spawn_from_another_thread_runs_on_the_loop() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let loop_thread = thread::current().id();
    let join = thread::spawn(move || handle.spawn(async move { thread::current().id() }))
        .join()
        .unwrap();
    assert_eq!(rt.block_on(join).unwrap(), loop_thread);
    assert_eq!(rt.metrics().remote_spawns, 1);
}

#[test]
fn handle_spawn_on_the_loop_thread_takes_the_local_path() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let out = rt.block_on(async move { handle.spawn(async { 3 }).await.unwrap() });
    assert_eq!(out, 3);
    assert_eq!(rt.metrics().remote_spawns, 0);
}

#[test]
fn handle_spawn_after_the_runtime_dropped_reports_cancelled() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    drop(rt);
    let join = handle.spawn(async { 1 });
    let err = evloop::block_on(join).unwrap_err();
    assert!(err.is_cancelled());
}

#[test]
fn a_join_handle_can_be_awaited_on_another_runtime_thread() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let gate = Gate::new();
    let join = handle.spawn({
        let gate = gate.clone();
        let handle = handle.clone();
        async move {
            gate.wait().await;
            handle.stop();
            "from the first loop"
        }
    });
    // A second runtime on another thread polls the JoinHandle once (pending,
    // the task has not run), says so, then awaits it: the first loop's
    // completion must wake it through its remote path.
    let (polled_tx, polled_rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        evloop::block_on(async move {
            let mut join = join;
            let early =
                std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut join).poll(cx).is_ready()))
                    .await;
            polled_tx.send(early).unwrap();
            join.await
        })
    });
    assert!(!polled_rx.recv().unwrap(), "finished before it ran");
    gate.open();
    rt.run_forever();
    assert_eq!(waiter.join().unwrap().unwrap(), "from the first loop");
}

#[test]
fn dropping_the_runtime_drops_its_tasks_inside_its_context() {
    let rt = Runtime::new().unwrap();
    let dropped = Arc::new(Mutex::new(false));
    let saw_runtime = Rc::new(Cell::new(false));
    struct CheckContext(Rc<Cell<bool>>);
    impl Drop for CheckContext {
        fn drop(&mut self) {
            self.0.set(Handle::try_current().is_some());
        }
    }
    let flag = DropFlag(dropped.clone());
    let check = CheckContext(saw_runtime.clone());
    let join = rt.spawn(async move {
        let _flag = flag;
        let _check = check;
        std::future::pending::<()>().await
    });
    rt.block_on(evloop::task::yield_now());
    drop(rt);
    assert!(*dropped.lock().unwrap(), "the task's future was dropped");
    assert!(saw_runtime.get(), "dropped inside the runtime's context");
    let err = evloop::block_on(join).unwrap_err();
    assert!(err.is_cancelled());
}

#[test]
fn a_destructor_may_spawn_while_the_runtime_drops() {
    let rt = Runtime::new().unwrap();
    struct SpawnOnDrop;
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            drop(evloop::spawn(async {}));
        }
    }
    let guard = SpawnOnDrop;
    drop(rt.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    }));
    rt.block_on(evloop::task::yield_now());
    drop(rt); // must neither panic nor hang
}

#[test]
fn event_interval_bounds_polls_between_io_checks() {
    let rt = Runtime::builder().event_interval(10).build().unwrap();
    rt.block_on(async {
        let task = evloop::spawn(async {
            for _ in 0..1_000 {
                evloop::task::yield_now().await;
            }
        });
        task.await.unwrap();
    });
    let m = rt.metrics();
    assert!(m.polls >= 1_000);
    assert!(
        m.ticks >= m.polls / 10,
        "{} ticks for {} polls: I/O must be checked every 10 polls",
        m.ticks,
        m.polls
    );
}

#[test]
fn metrics_count_spawns_polls_and_remote_wakes() {
    let rt = Runtime::new().unwrap();
    let gate = Gate::new();
    let task = rt.spawn({
        let gate = gate.clone();
        async move { gate.wait().await }
    });
    rt.block_on(evloop::task::yield_now());
    let opener = thread::spawn({
        let gate = gate.clone();
        move || gate.open()
    });
    opener.join().unwrap();
    rt.block_on(task).unwrap();
    let m = rt.metrics();
    assert_eq!(m.spawned_tasks, 1);
    assert_eq!(m.alive_tasks, 0);
    assert_eq!(m.polls, 2);
    assert_eq!(m.remote_wakes, 1);
    assert!(
        m.io_events >= 1,
        "the remote wake came through the mio waker"
    );
}
