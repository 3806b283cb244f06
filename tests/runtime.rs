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
use std::time::Duration;

use evloop::{Handle, Runtime};
use util::{bounded, panic_message, DropFlag, Gate};

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
    let report = bounded(Duration::from_secs(10), || {
        let rt = Runtime::new().unwrap();
        let handle = rt.handle();
        let (ran_tx, ran_rx) = mpsc::channel();
        rt.spawn(async move { ran_tx.send(()).unwrap() });
        // The stopper waits (blocking only its own thread) until the loop
        // ran the task, then a while longer, so the stop arrives while
        // run_forever is parked in mio.
        let stopper = thread::spawn(move || {
            ran_rx.recv().unwrap();
            thread::sleep(Duration::from_millis(100));
            handle.stop();
        });
        rt.run_forever();
        stopper.join().unwrap();
        rt.metrics().ticks
    });
    // Parked, not spinning: the task's tick, the wait, the stop's wake-up.
    assert!(
        report.value <= 4,
        "{} ticks for one task and a stop",
        report.value
    );
    report.assert_cpu_below(Duration::from_millis(60));
}

#[test]
fn a_stop_before_run_forever_makes_it_return_at_once() {
    let report = bounded(Duration::from_secs(10), || {
        let rt = Runtime::new().unwrap();
        rt.handle().stop();
        rt.run_forever();
        let first = rt.metrics().ticks;
        // The request was consumed: a later stop is needed for the next run.
        let handle = rt.handle();
        rt.spawn(async move { handle.stop() });
        rt.run_forever();
        (first, rt.metrics().ticks - first)
    });
    assert_eq!(
        report.value.0, 0,
        "a stop already asked for: no tick at all"
    );
    assert!(
        report.value.1 <= 2,
        "{} ticks to run one task",
        report.value.1
    );
}

/// A future that wakes itself and completes in the same poll: `block_on`
/// returns with its waker fired (as a timeout around a read loop at EOF
/// does).
fn wake_and_finish() -> impl Future<Output = ()> {
    std::future::poll_fn(|cx| {
        cx.waker().wake_by_ref();
        Poll::Ready(())
    })
}

#[test]
fn run_forever_after_a_block_on_that_ended_woken_sleeps_until_its_timer() {
    let report = bounded(Duration::from_secs(10), || {
        let rt = Runtime::new().unwrap();
        rt.block_on(wake_and_finish());
        // A waker kept from that block_on, woken later from another thread.
        let stale = rt.block_on(std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())));
        thread::spawn(move || stale.wake()).join().unwrap();
        let handle = rt.handle();
        rt.spawn(async move {
            evloop::time::sleep(Duration::from_millis(300)).await;
            handle.stop();
        });
        let before = rt.metrics().ticks;
        rt.run_forever();
        rt.metrics().ticks - before
    });
    // Two ticks are right (spawn and sleep; the timer fires); a spinning
    // loop made over a million.
    assert!(
        report.value <= 4,
        "{} ticks for one 300 ms timer",
        report.value
    );
    report.assert_cpu_below(Duration::from_millis(100));
}

#[test]
fn a_paused_clock_jumps_to_the_timer_after_a_block_on_that_ended_woken() {
    let report = bounded(Duration::from_secs(10), || {
        let rt = Runtime::builder().start_paused(true).build().unwrap();
        rt.block_on(wake_and_finish());
        let handle = rt.handle();
        rt.spawn(async move {
            evloop::time::sleep(Duration::from_secs(3600)).await;
            handle.stop();
        });
        rt.run_forever(); // hung: "work is ready" forever, so no jump
        rt.metrics().ticks
    });
    assert!(report.value <= 6, "{} ticks", report.value);
}

#[test]
fn a_stale_block_on_waker_does_not_poll_the_next_block_on_early() {
    let rt = Runtime::new().unwrap();
    let stale = rt.block_on(std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())));
    let polls = Rc::new(Cell::new(0));
    let gate = Gate::new();
    let opener = gate.clone();
    rt.spawn(async move {
        // Runs once the next block_on parked on its gate.
        evloop::task::yield_now().await;
        stale.wake(); // must not count as a wake of the new block_on
                      // A later tick (a yield may run again within this one).
        evloop::time::sleep(Duration::from_millis(1)).await;
        opener.open();
    });
    rt.block_on({
        let polls = polls.clone();
        let mut wait = gate.wait();
        std::future::poll_fn(move |cx| {
            polls.set(polls.get() + 1);
            Pin::new(&mut wait).poll(cx)
        })
    });
    assert_eq!(
        polls.get(),
        2,
        "the first poll, and the one its gate asked for"
    );
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
    let report = bounded(Duration::from_secs(10), || {
        let rt = Runtime::new().unwrap();
        let spawned_dropped = Arc::new(Mutex::new(false));
        let joins = Rc::new(std::cell::RefCell::new(Vec::new()));
        struct SpawnOnDrop(
            Arc<Mutex<bool>>,
            Rc<std::cell::RefCell<Vec<evloop::task::JoinHandle<()>>>>,
        );
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                let flag = DropFlag(self.0.clone());
                self.1.borrow_mut().push(evloop::spawn(async move {
                    let _flag = flag;
                    std::future::pending::<()>().await
                }));
            }
        }
        let guard = SpawnOnDrop(spawned_dropped.clone(), joins.clone());
        drop(rt.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
        rt.block_on(evloop::task::yield_now());
        drop(rt);
        let dropped = *spawned_dropped.lock().unwrap();
        let join = joins.borrow_mut().pop().expect("the destructor spawned");
        let cancelled = evloop::block_on(join).unwrap_err().is_cancelled();
        (dropped, cancelled)
    });
    assert_eq!(
        report.value,
        (true, true),
        "the late spawn was dropped, as cancelled"
    );
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
