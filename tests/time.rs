//! Timers: order, reset, cancel, timeout, interval, the paused clock.
//!
//! Almost every test runs on a paused clock: deterministic, and an hour of
//! timers costs no real time.

mod util;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use evloop::task::yield_now;
use evloop::time::{self, Instant, MissedTickBehavior};
use evloop::Runtime;
use util::{panic_message, poll_once};

fn paused() -> Runtime {
    Runtime::builder().start_paused(true).build().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn sleeps_end_in_deadline_order_and_equal_deadlines_in_start_order() {
    let rt = paused();
    let order = Rc::new(RefCell::new(Vec::new()));
    rt.block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for (id, delay) in [(0, 30), (1, 10), (2, 20), (3, 10), (4, 20)] {
            let order = order.clone();
            tasks.push(evloop::spawn(async move {
                time::sleep(ms(delay)).await;
                order.borrow_mut().push((id, start.elapsed()));
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(
        *order.borrow(),
        [
            (1, ms(10)),
            (3, ms(10)),
            (2, ms(20)),
            (4, ms(20)),
            (0, ms(30))
        ]
    );
}

#[test]
fn an_hour_of_sleeps_passes_instantly_on_a_paused_clock() {
    let rt = paused();
    let real = std::time::Instant::now();
    let virtual_elapsed = rt.block_on(async {
        let start = Instant::now();
        for _ in 0..3_600 {
            time::sleep(Duration::from_secs(1)).await;
        }
        start.elapsed()
    });
    assert_eq!(virtual_elapsed, Duration::from_secs(3_600));
    assert!(
        real.elapsed() < Duration::from_secs(30),
        "{:?}",
        real.elapsed()
    );
    assert_eq!(rt.metrics().timers_fired, 3_600);
}

#[test]
fn reset_moves_a_sleep_earlier_and_later() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let mut nap = time::sleep(Duration::from_secs(10));
        // Register it, then move it earlier.
        assert!(poll_once(Pin::new(&mut nap)).is_pending());
        nap.reset(start + ms(5));
        (&mut nap).await;
        assert_eq!(start.elapsed(), ms(5));
        assert!(nap.is_elapsed());

        // After completion, a later reset makes it wait again.
        nap.reset(start + ms(50));
        assert!(!nap.is_elapsed());
        assert_eq!(nap.deadline(), start + ms(50));
        nap.await;
        assert_eq!(start.elapsed(), ms(50));
    });
    assert_eq!(rt.metrics().pending_timers, 0);
}

#[test]
fn dropping_a_sleep_cancels_its_timer_and_its_wake() {
    let rt = paused();
    let polls = Rc::new(Cell::new(0));
    let task = rt.spawn({
        let polls = polls.clone();
        async move {
            let mut nap = Some(time::sleep(ms(10)));
            std::future::poll_fn(|cx| {
                polls.set(polls.get() + 1);
                if let Some(nap) = nap.as_mut() {
                    assert!(Pin::new(nap).poll(cx).is_pending());
                }
                nap = None; // dropped after registering
                Poll::<()>::Pending
            })
            .await
        }
    });
    rt.block_on(yield_now());
    assert_eq!(polls.get(), 1);
    assert_eq!(rt.metrics().pending_timers, 0, "the drop removed the timer");
    rt.block_on(time::sleep(ms(100)));
    assert_eq!(polls.get(), 1, "no wake for a dropped sleep");
    assert_eq!(
        rt.metrics().timers_fired,
        1,
        "only block_on's own sleep fired"
    );
    task.abort();
}

/// A waker that counts its wakes and passes them on to the task's own.
struct Relay {
    wakes: std::sync::atomic::AtomicUsize,
    task: std::task::Waker,
}

impl futures_task::ArcWake for Relay {
    fn wake_by_ref(arc_self: &std::sync::Arc<Self>) {
        arc_self
            .wakes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        arc_self.task.wake_by_ref();
    }
}

/// Awaits a 10 ms sleep that is polled through a [`Relay`], as a
/// combinator would poll it; with `direct_first`, its first poll uses the
/// task's own waker. Returns how often the relay was woken.
async fn sleep_through_a_relay(direct_first: bool) -> usize {
    let mut nap = time::sleep(ms(10));
    let mut relay = None;
    let mut direct = direct_first;
    std::future::poll_fn(|cx| {
        if std::mem::take(&mut direct) {
            assert!(Pin::new(&mut nap).poll(cx).is_pending());
            cx.waker().wake_by_ref(); // come back at once
            return Poll::Pending;
        }
        let relay = relay.get_or_insert_with(|| {
            std::sync::Arc::new(Relay {
                wakes: Default::default(),
                task: cx.waker().clone(),
            })
        });
        let waker = futures_task::waker(relay.clone());
        let mut inner = std::task::Context::from_waker(&waker);
        Pin::new(&mut nap).poll(&mut inner)
    })
    .await;
    relay
        .unwrap()
        .wakes
        .load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn a_sleep_polled_with_a_combinators_waker_wakes_that_waker() {
    // A combinator (FuturesUnordered, a select) polls with a waker of its
    // own: the timer must wake it, not just the task underneath.
    let rt = paused();
    let relayed = rt.block_on(sleep_through_a_relay(false));
    assert_eq!(relayed, 1, "the combinator's waker got the wake");
    // The same inside a spawned task, where a direct poll names the task.
    let relayed = rt.block_on(rt.spawn(sleep_through_a_relay(false)));
    assert_eq!(relayed.unwrap(), 1);
}

#[test]
fn a_sleep_polled_first_directly_then_through_a_combinator_wakes_the_combinator() {
    // The timer first names the task (a direct poll), then the poll comes
    // through another waker: the timer must switch to that waker.
    let rt = paused();
    let relayed = rt.block_on(rt.spawn(sleep_through_a_relay(true)));
    assert_eq!(relayed.unwrap(), 1);
}

#[test]
fn a_sleep_handed_to_another_task_wakes_that_task() {
    let rt = paused();
    let (tx, rx) = evloop::sync::oneshot::channel();
    let first = rt.spawn(async move {
        let mut nap = time::sleep(ms(10));
        // Registered under this task, then given away.
        let once = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut nap).poll(cx)));
        assert!(once.await.is_pending());
        tx.send(nap).unwrap();
    });
    let second = rt.spawn(async move {
        let nap = rx.await.unwrap();
        nap.await;
        Instant::now()
    });
    let start = rt.block_on(async { Instant::now() });
    rt.block_on(first).unwrap();
    let woke_at = rt.block_on(second).unwrap();
    assert_eq!(woke_at - start, ms(10));
}

#[test]
fn many_timers_due_at_once_wake_their_tasks_in_deadline_order() {
    // More than a tick's batch (event_interval): the rest are woken at the
    // next ticks, still earliest first, before the clock moves on.
    let rt = paused();
    let woke = Rc::new(RefCell::new(Vec::new()));
    for n in 0..500u64 {
        let woke = woke.clone();
        drop(rt.spawn(async move {
            // Spawned in one order, due in the reverse one.
            time::sleep(ms(10) + Duration::from_micros(500 - n)).await;
            woke.borrow_mut().push((n, Instant::now()));
        }));
    }
    let start = rt.block_on(async { Instant::now() });
    rt.block_on(time::sleep(ms(20)));
    let woke = woke.borrow();
    let order: Vec<u64> = woke.iter().map(|&(n, _)| n).collect();
    assert_eq!(order, (0..500).rev().collect::<Vec<_>>());
    for &(n, at) in woke.iter() {
        assert_eq!(
            at - start,
            ms(10) + Duration::from_micros(500 - n),
            "on time"
        );
    }
}

#[test]
fn timers_that_fell_due_all_run_before_the_paused_clock_moves_on() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let naps: Vec<_> = (0..500)
            .map(|_| evloop::spawn(time::sleep(Duration::from_secs(5))))
            .collect();
        // Where the clock would jump to if it moved on too early.
        let later = evloop::spawn(time::sleep(Duration::from_secs(3600)));
        yield_now().await; // all registered
        time::advance(Duration::from_secs(5)).await;
        // More than one tick's worth of tasks: they run over a few ticks,
        // and the clock must not jump while any is left.
        for nap in naps {
            nap.await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        later.abort();
    });
}

#[test]
fn a_million_timers_registered_and_cancelled_leave_the_store_empty() {
    let rt = paused();
    rt.block_on(async {
        let mut naps: Vec<_> = (0..1_000_000u64)
            .map(|i| time::sleep(Duration::from_micros(1 + i % 5_000)))
            .collect();
        std::future::poll_fn(|cx| {
            for nap in &mut naps {
                assert!(Pin::new(nap).poll(cx).is_pending());
            }
            Poll::Ready(())
        })
        .await;
        assert_eq!(evloop::Handle::current().dump().await.tasks().len(), 0);
        drop(naps);
    });
    let m = rt.metrics();
    assert_eq!(m.pending_timers, 0);
    assert_eq!(m.timers_fired, 0);
}

#[test]
fn timeout_passes_a_ready_future_through_without_a_timer() {
    let rt = paused();
    let out = rt.block_on(time::timeout(Duration::from_secs(1), async { 5 }));
    assert_eq!(out, Ok(5));
    let m = rt.metrics();
    assert_eq!((m.pending_timers, m.timers_fired), (0, 0));
}

#[test]
fn timeout_returns_a_pending_future_that_finishes_in_time() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let out = time::timeout(ms(100), async {
            time::sleep(ms(30)).await;
            "in time"
        })
        .await;
        assert_eq!(out, Ok("in time"));
        assert_eq!(start.elapsed(), ms(30));
    });
    assert_eq!(
        rt.metrics().pending_timers,
        0,
        "the timeout's timer is gone"
    );
}

#[test]
fn timeout_of_a_future_that_never_finishes_elapses_at_its_deadline() {
    let rt = paused();
    rt.block_on(async {
        let deadline = Instant::now() + ms(250);
        let out = time::timeout_at(deadline, std::future::pending::<()>()).await;
        let err = out.unwrap_err();
        assert_eq!(err.to_string(), "deadline has elapsed");
        assert_eq!(Instant::now(), deadline, "not a nanosecond early or late");
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    });
}

/// Tick instants (ms since start) of a 10 ms interval whose task is busy
/// from 15 ms to 37 ms.
fn ticks_with_a_busy_stretch(behavior: MissedTickBehavior) -> Vec<u64> {
    let rt = paused();
    rt.block_on(async move {
        let start = Instant::now();
        let mut every = time::interval(ms(10));
        every.set_missed_tick_behavior(behavior);
        let mut seen = Vec::new();
        // When each tick is seen (not when it was due).
        let now = || (Instant::now() - start).as_millis() as u64;
        every.tick().await;
        seen.push(now()); // 0
        every.tick().await;
        seen.push(now()); // 10
        time::sleep(ms(5)).await; // 15
        time::advance(ms(22)).await; // busy until 37
        for _ in 0..4 {
            every.tick().await;
            seen.push(now());
        }
        seen
    })
}

#[test]
fn burst_fires_missed_ticks_at_once_then_keeps_the_schedule() {
    assert_eq!(
        ticks_with_a_busy_stretch(MissedTickBehavior::Burst),
        [0, 10, 37, 37, 40, 50]
    );
}

#[test]
fn delay_restarts_the_schedule_from_the_late_tick() {
    assert_eq!(
        ticks_with_a_busy_stretch(MissedTickBehavior::Delay),
        [0, 10, 37, 47, 57, 67]
    );
}

#[test]
fn skip_drops_missed_ticks_and_keeps_the_schedule() {
    assert_eq!(
        ticks_with_a_busy_stretch(MissedTickBehavior::Skip),
        [0, 10, 37, 40, 50, 60]
    );
}

#[test]
fn tick_returns_when_the_tick_was_due() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now() + ms(5);
        let mut every = time::interval_at(start, ms(10));
        assert_eq!(every.tick().await, start);
        assert_eq!(every.tick().await, start + ms(10));
        every.reset();
        let after_reset = every.tick().await;
        assert_eq!(after_reset, start + ms(20), "one period after the reset");
        assert_eq!(every.period(), ms(10));
    });
}

#[test]
fn an_interval_is_a_stream_of_ticks() {
    use futures_core::Stream;
    let rt = paused();
    rt.block_on(async {
        let mut every = time::interval(ms(3));
        let mut ticks = Vec::new();
        while ticks.len() < 3 {
            let next = std::future::poll_fn(|cx| Pin::new(&mut every).poll_next(cx)).await;
            ticks.push(next.unwrap());
        }
        assert_eq!(ticks[2] - ticks[0], ms(6));
    });
}

#[test]
fn advance_fires_due_timers_and_resume_runs_on_from_there() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        time::pause();
        let start = Instant::now();
        let nap = evloop::spawn(time::sleep(Duration::from_secs(60)));
        yield_now().await; // registers the timer
        time::advance(Duration::from_secs(60)).await;
        yield_now().await;
        assert!(nap.is_finished());
        time::resume();
        assert!(start.elapsed() >= Duration::from_secs(60));
    });
}

#[test]
fn a_real_sleep_is_never_early() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        for _ in 0..20 {
            let deadline = std::time::Instant::now() + Duration::from_micros(1_500);
            time::sleep_until(deadline.into()).await;
            assert!(std::time::Instant::now() >= deadline);
        }
    });
}

#[test]
fn the_dump_shows_a_task_waiting_on_a_timer() {
    let rt = paused();
    let _napper = rt.spawn(time::sleep(Duration::from_secs(90)));
    rt.block_on(yield_now());
    let dump = rt.dump();
    let waiting = dump.tasks()[0].waiting_on().unwrap();
    assert!(waiting.starts_with("timer in 90"), "{waiting}");
}

#[test]
fn misuse_panics_with_advice() {
    let message = panic_message(
        catch_unwind(|| {
            let mut nap = time::sleep(ms(1));
            poll_once(Pin::new(&mut nap))
        })
        .unwrap_err(),
    );
    assert!(
        message.contains("outside of an evloop runtime"),
        "{message}"
    );

    let rt = Runtime::new().unwrap();
    let message = panic_message(
        catch_unwind(AssertUnwindSafe(|| rt.block_on(time::advance(ms(1))))).unwrap_err(),
    );
    assert!(message.contains("time::pause()"), "{message}");

    let message = panic_message(catch_unwind(|| time::interval(Duration::ZERO)).unwrap_err());
    assert!(message.contains("greater than zero"), "{message}");
}

#[test]
fn advance_by_duration_max_saturates_and_fires_every_timer() {
    let report = util::bounded(Duration::from_secs(10), || {
        let rt = evloop::Runtime::builder()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let start = Instant::now();
            let hour = evloop::spawn(time::sleep(Duration::from_secs(3600)));
            let decade = evloop::spawn(time::sleep(Duration::from_secs(86_400 * 3650)));
            yield_now().await;
            time::advance(Duration::MAX).await; // panicked: Instant overflow
            yield_now().await;
            assert!(hour.is_finished() && decade.is_finished());
            let jumped = start.elapsed();
            assert!(
                jumped >= Duration::from_secs(86_400 * 365 * 29),
                "{jumped:?}"
            );
            // Again from there, and timers still work afterwards.
            time::advance(Duration::MAX).await;
            let before = Instant::now();
            time::sleep(Duration::from_millis(5)).await;
            assert_eq!(before.elapsed(), Duration::from_millis(5));
            let mut every = time::interval(Duration::from_secs(1));
            every.tick().await;
            every.tick().await;
            assert_eq!(before.elapsed(), Duration::from_millis(1005));
        });
    });
    assert!(report.wall < Duration::from_secs(5));
}

/// Polls `sleep` once inside `rt` (it registers its timer there).
fn poll_in(rt: &evloop::Runtime, sleep: &mut time::Sleep) {
    rt.block_on(async {
        let once = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *sleep).poll(cx)));
        assert!(once.await.is_pending());
    });
}

#[test]
fn a_sleep_that_moves_or_drops_away_from_its_runtime_takes_its_timer_along() {
    let a = evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap();
    let b = evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap();
    let mut nap = time::sleep(Duration::from_secs(3600));
    poll_in(&a, &mut nap);
    assert_eq!(a.metrics().pending_timers, 1);
    // Moved to b: its timer is there now, and a's is cancelled at a's next
    // tick, instead of holding a waker for the hour.
    poll_in(&b, &mut nap);
    assert_eq!(b.metrics().pending_timers, 1);
    a.block_on(yield_now());
    assert_eq!(a.metrics().pending_timers, 0, "a's timer was left behind");
    // Dropped where no runtime runs, then on another thread.
    drop(nap);
    b.block_on(yield_now());
    assert_eq!(b.metrics().pending_timers, 0);
    let mut nap = time::sleep(Duration::from_secs(3600));
    poll_in(&b, &mut nap);
    std::thread::spawn(move || drop(nap)).join().unwrap();
    b.block_on(yield_now());
    assert_eq!(b.metrics().pending_timers, 0);
    // Reset from afar, the same.
    let mut nap = time::sleep(Duration::from_secs(3600));
    poll_in(&b, &mut nap);
    nap.reset(Instant::now() + Duration::from_secs(7200));
    b.block_on(yield_now());
    assert_eq!(b.metrics().pending_timers, 0);
    poll_in(&b, &mut nap);
    assert_eq!(b.metrics().pending_timers, 1, "registered anew when polled");
}
