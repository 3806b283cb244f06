//! Misuse and shutdown (issue 8): dropping a runtime whose tasks are blocked
//! on sockets, timers, channels and the blocking pool runs every task's
//! destructor, closes every fd and lets the pool's threads finish their job
//! and exit; misuse after the drop is a clear panic or error, never a hang.
//!
//! A test binary of its own, its tests serialized by a lock, because it
//! counts the process's file descriptors. (Nested `block_on`, `spawn`
//! outside a runtime and `Handle::spawn` after the drop are in
//! tests/runtime.rs; this file does not repeat them.)

mod util;

use std::cell::RefCell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};
use evloop::{Handle, Runtime};
use util::panic_message;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("this test needs /proc")
        .count()
}

/// Counts its drops; `Send`, so a blocking job may hold one too.
struct Dropped(Arc<AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Sends its message when dropped: in a thread-local, when its thread exits.
struct OnThreadExit(mpsc::Sender<&'static str>, &'static str);

impl Drop for OnThreadExit {
    fn drop(&mut self) {
        let _ = self.0.send(self.1);
    }
}

thread_local! {
    static EXIT: RefCell<Option<OnThreadExit>> = const { RefCell::new(None) };
}

/// Arranges for `what` to be sent on `tx` when the current thread exits.
fn report_exit(tx: &mpsc::Sender<&'static str>, what: &'static str) {
    EXIT.with(|e| *e.borrow_mut() = Some(OnThreadExit(tx.clone(), what)));
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn dropping_a_runtime_mid_everything_leaves_nothing_behind() {
    let _serial = serial();
    let fds_before = open_fds();
    let drops = Arc::new(AtomicUsize::new(0));
    let (exit_tx, exit_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (job_done_tx, job_done_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();

    let rt = Runtime::new().unwrap();
    let tasks = rt.block_on(async {
        let guard = || Dropped(drops.clone());
        let mut tasks = 0;
        let mut spawn = |f: std::pin::Pin<Box<dyn Future<Output = ()>>>| {
            tasks += 1;
            drop(evloop::spawn(f));
        };

        // Sockets: a read that never gets data, an accept nobody connects
        // to, and a write into a peer that never reads (buffers full).
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let idle_client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (deaf_server, _) = listener.accept().await.unwrap();
        let g = guard();
        spawn(Box::pin(async move {
            let _g = g;
            let _keep = idle_client;
            let mut buf = [0; 16];
            let _ = server.read(&mut buf).await;
            unreachable!("nobody writes");
        }));
        let g = guard();
        spawn(Box::pin(async move {
            let _g = g;
            let _ = listener.accept().await;
            unreachable!("nobody connects");
        }));
        let g = guard();
        spawn(Box::pin(async move {
            let _g = g;
            let big = vec![0; 1 << 20];
            loop {
                client.write_all(&big).await.unwrap();
            }
        }));

        // A timer an hour away.
        let g = guard();
        spawn(Box::pin(async move {
            let _g = g;
            let _never_reads = deaf_server;
            evloop::time::sleep(Duration::from_secs(3600)).await;
            unreachable!("the hour never comes");
        }));

        // Channels: a oneshot, an mpsc receive and a send into a full one,
        // a Notify. Each other end lives in another blocked task.
        let (once_tx, once_rx) = evloop::sync::oneshot::channel::<u8>();
        let (full_tx, mut full_rx) = evloop::sync::mpsc::channel::<Dropped>(1);
        full_tx.try_send(guard()).unwrap();
        let (empty_tx, mut empty_rx) = evloop::sync::mpsc::unbounded_channel::<u8>();
        let notify = std::rc::Rc::new(evloop::sync::Notify::new());
        let g = guard();
        spawn(Box::pin(async move {
            let _g = g;
            let _ = once_rx.await;
            unreachable!();
        }));
        let g = guard();
        let full = guard();
        spawn(Box::pin(async move {
            let _g = g;
            let _keep = (once_tx, empty_tx);
            let _ = full_tx.send(full).await;
            unreachable!("the channel stays full");
        }));
        let g = guard();
        let n = notify.clone();
        spawn(Box::pin(async move {
            let _g = g;
            let _ = empty_rx.recv().await;
            n.notified().await;
            unreachable!();
        }));
        let g = guard();
        spawn(Box::pin(async move {
            let _g = g;
            let _keep = &mut full_rx;
            notify.notified().await;
            unreachable!();
        }));

        // The blocking pool: a job that runs until the test says go (after
        // the drop), and one that finished, leaving its thread idle.
        let busy_job = {
            let (exit_tx, done) = (exit_tx.clone(), job_done_tx.clone());
            let g = guard();
            evloop::task::spawn_blocking(move || {
                let _g = g;
                report_exit(&exit_tx, "busy thread");
                started_tx.send(()).unwrap();
                go_rx.recv().unwrap();
                done.send(()).unwrap();
            })
        };
        let idle_job = {
            let exit_tx = exit_tx.clone();
            evloop::task::spawn_blocking(move || report_exit(&exit_tx, "idle thread"))
        };
        idle_job.await.unwrap();
        started_rx.recv_timeout(WAIT).unwrap();
        let g = guard();
        spawn(Box::pin(async move {
            let _g = g;
            let _ = busy_job.await;
            unreachable!("the job waits for the drop");
        }));

        // Let every task reach its wait.
        for _ in 0..8 {
            evloop::task::yield_now().await;
        }
        tasks
    });
    let m = rt.metrics();
    assert_eq!(m.alive_tasks, tasks);
    assert!(m.io_sources >= 3, "{m:?}");
    assert_eq!(m.pending_timers, 1, "{m:?}");
    assert_eq!(m.blocking_threads, 2, "{m:?}");
    // Every task, the message queued in the full channel, the one its
    // sender waits to send, and the blocking job each own a guard.
    let guards = tasks + 2 + 1;
    assert_eq!(drops.load(Ordering::SeqCst), 0);

    drop(rt);

    // The running job cannot be interrupted: its guard drops when it ends.
    assert_eq!(
        drops.load(Ordering::SeqCst),
        guards - 1,
        "every task's destructor ran"
    );
    // Every socket, the epoll fd and the eventfd that wakes the loop
    // closed, although the running job still holds the runtime's `Send`
    // half (a job's end is reported through it).
    assert_eq!(
        open_fds(),
        fds_before,
        "sockets, the poller and its eventfd closed"
    );
    // The idle thread exits at once; the busy one after its job.
    assert_eq!(exit_rx.recv_timeout(WAIT), Ok("idle thread"));
    go_tx.send(()).unwrap();
    job_done_rx.recv_timeout(WAIT).unwrap();
    assert_eq!(exit_rx.recv_timeout(WAIT), Ok("busy thread"));
    assert_eq!(drops.load(Ordering::SeqCst), guards);
    assert_eq!(open_fds(), fds_before, "every fd closed");
}

#[test]
fn wakers_handles_and_join_handles_outlive_their_runtime_harmlessly() {
    let _serial = serial();
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
    let join = rt.spawn({
        let waker = waker.clone();
        std::future::poll_fn(move |cx| {
            *waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::<u8>::Pending
        })
    });
    rt.block_on(evloop::task::yield_now());
    drop(rt);

    let waker = waker.lock().unwrap().take().unwrap();
    // A wake, here or from another thread, goes nowhere and does not panic.
    waker.wake_by_ref();
    std::thread::spawn(move || waker.wake()).join().unwrap();
    // The handle: stop does nothing, dump is empty, spawn is cancelled.
    handle.stop();
    let other = Runtime::new().unwrap();
    other.block_on(async {
        assert!(handle.dump().await.tasks().is_empty());
        assert!(join.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn a_timer_polled_outside_a_runtime_panics_with_advice() {
    let _serial = serial();
    // A Sleep can be made anywhere; polling it outside a runtime is the
    // mistake, and the panic names it.
    let mut sleep = Box::pin(evloop::time::sleep(Duration::from_millis(1)));
    let message = panic_message(
        catch_unwind(AssertUnwindSafe(|| util::poll_once(sleep.as_mut()))).unwrap_err(),
    );
    assert!(
        message.contains("outside of an evloop runtime"),
        "{message}"
    );
    assert!(message.contains("timer"), "{message}");
}

#[test]
fn sockets_made_outside_a_runtime_are_errors_not_panics() {
    let _serial = serial();
    let fds_before = open_fds();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    let err = TcpListener::from_std(std_listener).unwrap_err();
    assert!(err.to_string().contains("no evloop runtime"), "{err}");
    let std_stream = std::net::TcpStream::connect(addr).unwrap_err();
    // The listener was consumed and closed by the failed conversion.
    assert_eq!(std_stream.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(open_fds(), fds_before, "the failed conversion closed it");
}

#[test]
fn handle_spawn_racing_the_drop_never_leaks_a_future() {
    let _serial = serial();
    // Other threads spawn through a Handle while the runtime drops: each
    // future either ran, or was dropped (by the runtime or by the refused
    // spawn). None is left alive.
    let drops = Arc::new(AtomicUsize::new(0));
    for _ in 0..100 {
        let rt = Runtime::new().unwrap();
        let handle = rt.handle();
        let spawners: Vec<_> = (0..4)
            .map(|_| {
                let (handle, drops) = (handle.clone(), drops.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let guard = Dropped(drops.clone());
                        drop(handle.spawn(async move {
                            let _guard = guard;
                            std::future::pending::<()>().await;
                        }));
                    }
                })
            })
            .collect();
        rt.block_on(evloop::task::yield_now());
        drop(rt);
        for spawner in spawners {
            spawner.join().unwrap();
        }
    }
    assert_eq!(drops.load(Ordering::SeqCst), 100 * 4 * 50);
}

#[test]
fn handle_used_from_a_task_of_another_runtime_after_the_drop() {
    let _serial = serial();
    let first = Runtime::new().unwrap();
    let handle = first.handle();
    drop(first);
    // Handle::current inside the second runtime is the second's, and the
    // stale handle does not confuse it with the first.
    let second = Runtime::new().unwrap();
    let out = second.block_on(async move {
        let stale = handle.spawn(async { 1 });
        let live = Handle::current().spawn(async { 2 });
        (stale.await.is_err(), live.await.unwrap())
    });
    assert_eq!(out, (true, 2));
}

/// Open descriptors whose link names `kind` (`anon_inode:[eventpoll]`,
/// `anon_inode:[eventfd]`, `anon_inode:[timerfd]`, `socket:`).
fn open_fds_of(kind: &str) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("this test needs /proc")
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().contains(kind))
        .count()
}

#[test]
fn a_dropped_runtime_closes_its_poller_and_eventfd_whatever_outlives_it() {
    let _serial = serial();
    let (polls, eventfds) = (open_fds_of("[eventpoll]"), open_fds_of("[eventfd]"));
    let timerfds = open_fds_of("[timerfd]");
    let rt = Runtime::new().unwrap();
    assert_eq!(open_fds_of("[eventpoll]"), polls + 1);
    if cfg!(target_os = "linux") {
        // The precise timer that ends timed waits (runtime/precise_timer.rs).
        assert_eq!(open_fds_of("[timerfd]"), timerfds + 1);
    }
    let handle = rt.handle();
    let (stream, join, waker) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let join = evloop::spawn(std::future::pending::<()>());
        let waker = std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
        (stream, join, waker)
    });
    drop(rt);
    // A socket, a handle, a JoinHandle and a waker all outlive it.
    assert_eq!(open_fds_of("[eventpoll]"), polls, "the poller closed");
    assert_eq!(open_fds_of("[eventfd]"), eventfds, "the eventfd closed");
    assert_eq!(open_fds_of("[timerfd]"), timerfds, "the timerfd closed");
    waker.wake();
    handle.stop();
    drop((stream, join, handle));
}

#[test]
fn a_socket_used_outside_its_runtime_is_an_error_not_a_hang() {
    let _serial = serial();
    let report = util::bounded(Duration::from_secs(10), || {
        let first = Runtime::new().unwrap();
        let (stream, peer) = first.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let stream = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (peer, _) = listener.accept().await.unwrap();
            (stream, peer)
        });
        // The peer's end is closed, so a read would find EOF at once: with
        // the readiness never reported to the running loop, it hung, and
        // once the first runtime's budget was spent it spun.
        drop(peer);
        let second = Runtime::new().unwrap();
        let mut buf = [0; 16];
        let alive = second
            .block_on(stream.read(&mut buf))
            .unwrap_err()
            .to_string();
        let written = second.block_on(stream.write(b"x")).unwrap_err().to_string();
        drop(first);
        let dropped = second
            .block_on(stream.read(&mut buf))
            .unwrap_err()
            .to_string();
        // Made in the running runtime, the same calls work.
        let works = second.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let stream = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            drop(listener.accept().await.unwrap());
            stream.read(&mut buf).await.unwrap()
        });
        (alive, written, dropped, works)
    });
    let (alive, written, dropped, works) = &report.value;
    assert!(alive.contains("belongs to evloop runtime"), "{alive}");
    assert!(alive.contains("not running"), "{alive}");
    assert!(written.contains("belongs to evloop runtime"), "{written}");
    assert!(dropped.contains("was dropped"), "{dropped}");
    assert_eq!(*works, 0, "EOF in the runtime that made the socket");
    report.assert_cpu_below(Duration::from_millis(500));
}

#[test]
fn a_runtime_in_a_thread_local_drops_when_its_thread_exits() {
    let _serial = serial();
    thread_local! {
        static RT: RefCell<Option<Runtime>> = const { RefCell::new(None) };
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let fds_before = open_fds();
    let thread_drops = drops.clone();
    std::thread::spawn(move || {
        // Stored before the runtime first runs, so that this thread-local
        // is torn down after evloop's own (thread-locals go in reverse
        // order of first use): RT then drops with CURRENT gone, which
        // aborted the process.
        RT.with(|slot| *slot.borrow_mut() = Some(Runtime::new().unwrap()));
        RT.with(|slot| {
            let slot = slot.borrow();
            let rt = slot.as_ref().unwrap();
            let guard = Dropped(thread_drops);
            let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
            drop(rt.spawn(async move {
                let _guard = guard;
                let _listener = listener;
                std::future::pending::<()>().await
            }));
            rt.block_on(evloop::task::yield_now());
        });
    })
    .join()
    .unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 1, "its task was dropped");
    assert_eq!(open_fds(), fds_before, "its listener and poller closed");
}

#[test]
fn a_panicking_task_destructor_still_lets_the_runtime_close_everything() {
    let _serial = serial();
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("a task's destructor panicked");
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let fds_before = open_fds();
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    for n in 0..3 {
        let guard = Dropped(drops.clone());
        drop(rt.spawn(async move {
            let _guard = guard;
            // The middle task panics while dropped.
            let _bomb = (n == 1).then_some(PanicOnDrop);
            std::future::pending::<()>().await
        }));
    }
    rt.block_on(evloop::task::yield_now());
    let payload = catch_unwind(AssertUnwindSafe(|| drop(rt))).unwrap_err();
    assert_eq!(panic_message(payload), "a task's destructor panicked");
    assert_eq!(drops.load(Ordering::SeqCst), 3, "every task was dropped");
    assert_eq!(open_fds(), fds_before, "the poller and eventfd closed");
    // The remote queue was closed: a late spawn is dropped and cancelled.
    let late = Dropped(drops.clone());
    let join = std::thread::spawn(move || {
        handle.spawn(async move {
            let _late = late;
        })
    })
    .join()
    .unwrap();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        4,
        "the late future was dropped"
    );
    let report = util::bounded(Duration::from_secs(10), move || evloop::block_on(join));
    assert!(report.value.unwrap_err().is_cancelled());
}
