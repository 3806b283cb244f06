//! The blocking pool: results, panics, cancellation, limits, and a loop
//! that keeps turning while jobs block.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::time::Duration;

use evloop::task::spawn_blocking;
use evloop::time::{sleep, Instant};
use evloop::Runtime;

mod util;

#[test]
fn results_come_back() {
    evloop::block_on(async {
        let handles: Vec<_> = (0..10u64).map(|i| spawn_blocking(move || i * i)).collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        assert_eq!(sum, (0..10u64).map(|i| i * i).sum::<u64>());
    });
}

#[test]
fn a_panic_becomes_a_panic_join_error_and_the_thread_lives_on() {
    let rt = Runtime::builder().max_blocking_threads(1).build().unwrap();
    rt.block_on(async {
        let err = spawn_blocking(|| -> u8 { panic!("boom in the pool") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(util::panic_message(err.into_panic()), "boom in the pool");
        // The single thread survived the panic and runs the next job.
        assert_eq!(spawn_blocking(|| 5).await.unwrap(), 5);
    });
}

#[test]
fn the_loop_keeps_ticking_while_a_job_blocks() {
    evloop::block_on(async {
        let (tx, rx) = mpsc::channel::<u32>();
        // The job blocks until a task on the loop sends it a value: if the
        // loop were blocked too, it would time out instead.
        let job = spawn_blocking(move || rx.recv_timeout(Duration::from_secs(10)));
        let ticker = evloop::spawn(async move {
            for i in 0..100 {
                evloop::task::yield_now().await;
                if i == 50 {
                    tx.send(7).unwrap();
                }
            }
        });
        assert_eq!(job.await.unwrap(), Ok(7));
        ticker.await.unwrap();
    });
}

#[test]
fn threads_are_capped_and_jobs_queue_in_order() {
    let rt = Runtime::builder().max_blocking_threads(2).build().unwrap();
    rt.block_on(async {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (running, peak, order) = (running.clone(), peak.clone(), order.clone());
                spawn_blocking(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    order.lock().unwrap().push(i);
                    std::thread::sleep(Duration::from_millis(2));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        assert!(peak.load(Ordering::SeqCst) <= 2);
        // Jobs start in submission order (two threads may swap neighbours'
        // pushes by a hair, so compare the order of starts loosely: each job
        // starts no later than two places after its turn).
        let order = order.lock().unwrap().clone();
        for (pos, job) in order.iter().enumerate() {
            assert!(pos <= job + 2, "job {job} started at position {pos}");
        }
    });
    let m = rt.metrics();
    assert!(m.blocking_threads <= 2);
    assert_eq!(m.blocking_queue_depth, 0);
}

#[test]
fn idle_threads_exit_after_keep_alive() {
    let rt = Runtime::builder()
        .blocking_keep_alive(Duration::from_millis(20))
        .build()
        .unwrap();
    rt.block_on(async {
        spawn_blocking(|| ()).await.unwrap();
    });
    assert_eq!(rt.metrics().blocking_threads, 1);
    // Wait (really) for the idle thread to give up; bounded, not hoped.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while rt.metrics().blocking_threads > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "idle thread never exited"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn abort_cancels_a_queued_job() {
    let rt = Runtime::builder().max_blocking_threads(1).build().unwrap();
    rt.block_on(async {
        let gate = Arc::new(Barrier::new(2));
        let busy = spawn_blocking({
            let gate = gate.clone();
            move || {
                gate.wait();
            }
        });
        let ran = Arc::new(AtomicUsize::new(0));
        let queued = spawn_blocking({
            let ran = ran.clone();
            move || {
                ran.fetch_add(1, Ordering::SeqCst);
            }
        });
        queued.abort();
        gate.wait();
        busy.await.unwrap();
        assert!(queued.await.unwrap_err().is_cancelled());
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn dropping_the_runtime_cancels_queued_jobs() {
    let rt = Runtime::builder().max_blocking_threads(1).build().unwrap();
    let gate = Arc::new(Barrier::new(2));
    let (started_tx, started) = mpsc::channel();
    let (busy, queued) = rt.block_on(async {
        let busy = spawn_blocking({
            let gate = gate.clone();
            move || {
                started_tx.send(()).unwrap();
                gate.wait();
                1
            }
        });
        let queued = spawn_blocking(|| 2);
        (busy, queued)
    });
    // The one thread holds the first job; the second is still queued.
    started.recv().unwrap();
    drop(rt);
    // The running job finishes on its thread; the queued one never runs.
    gate.wait();
    let rt2 = Runtime::new().unwrap();
    rt2.block_on(async {
        assert_eq!(busy.await.unwrap(), 1);
        assert!(queued.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn paused_clock_stands_still_while_a_job_runs() {
    let rt = Runtime::builder().start_paused(true).build().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let timer = evloop::spawn(async {
            sleep(Duration::from_secs(10)).await;
        });
        // Every task waits, but a blocking job is in flight: the clock must
        // not jump to the 10 s timer before the job is done.
        spawn_blocking(|| std::thread::sleep(Duration::from_millis(30)))
            .await
            .unwrap();
        assert!(start.elapsed() < Duration::from_secs(10));
        assert!(!timer.is_finished());
        // With the job done, auto-advance takes us there at once.
        timer.await.unwrap();
        assert!(start.elapsed() >= Duration::from_secs(10));
    });
}

#[test]
fn a_detached_job_still_lets_the_paused_clock_move_on() {
    let report = util::bounded(Duration::from_secs(10), || {
        let rt = Runtime::builder().start_paused(true).build().unwrap();
        let started = rt.block_on(async { Instant::now() });
        rt.block_on(async {
            drop(spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(5))
            }));
            // Nobody awaits the job; when it ends, the loop must notice and
            // jump to this sleep's deadline rather than wait forever.
            sleep(Duration::from_secs(60)).await;
        });
        let jumped = rt.block_on(async move { started.elapsed() });
        (jumped, rt.metrics().ticks)
    });
    let (jumped, ticks) = report.value;
    assert!(
        jumped >= Duration::from_secs(60),
        "the clock jumped to the deadline"
    );
    // Parked while the job runs (no polling of the clock), then one jump.
    assert!(ticks <= 6, "{ticks} ticks for one job and one sleep");
    report.assert_cpu_below(Duration::from_millis(60));
}

#[test]
#[should_panic(expected = "outside of an evloop runtime")]
fn spawn_blocking_outside_a_runtime_panics() {
    drop(spawn_blocking(|| ()));
}
