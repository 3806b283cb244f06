//! evloop::sync::Mutex and RwLock: guards across awaits, FIFO turns, and
//! cancelled waiters that pass their turn on.

mod util;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use evloop::sync::{Mutex, RwLock};
use evloop::time::{sleep, Instant};
use util::{counting_waker, poll_once, poll_with};

fn paused() -> evloop::Runtime {
    evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Counts how often the wrapped future is polled: a waiter that is polled
/// again and again while nothing changes is spinning.
struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: Rc<Cell<usize>>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

fn count_polls<F: Future>(fut: F) -> (CountPolls<F>, Rc<Cell<usize>>) {
    let polls = Rc::new(Cell::new(0));
    let counted = CountPolls {
        inner: Box::pin(fut),
        polls: polls.clone(),
    };
    (counted, polls)
}

#[test]
fn a_guard_held_across_an_await_blocks_the_next_locker_until_dropped() {
    paused().block_on(async {
        let lock = Rc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let holder = evloop::spawn({
            let lock = lock.clone();
            async move {
                let mut guard = lock.lock().await;
                guard.push("holder in");
                sleep(Duration::from_millis(100)).await; // still locked
                guard.push("holder out");
            }
        });
        evloop::task::yield_now().await; // the holder takes the lock first
        let (waiting, polls) = count_polls({
            let lock = lock.clone();
            async move {
                let mut guard = lock.lock().await;
                guard.push("next");
                start.elapsed()
            }
        });
        let next = evloop::spawn(waiting);
        assert_eq!(next.await.unwrap(), Duration::from_millis(100));
        holder.await.unwrap();
        assert_eq!(*lock.lock().await, ["holder in", "holder out", "next"]);
        // First poll queues it, the release wakes it once: no spinning.
        assert_eq!(polls.get(), 2);
    });
}

#[test]
fn three_waiters_get_the_lock_in_the_order_they_asked() {
    evloop::block_on(async {
        let lock = Rc::new(Mutex::new(()));
        let order = Rc::new(RefCell::new(Vec::new()));
        let held = lock.lock().await;
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (lock, order) = (lock.clone(), order.clone());
            tasks.push(evloop::spawn(async move {
                let _guard = lock.lock().await;
                order.borrow_mut().push(i);
                evloop::task::yield_now().await; // give the others a chance to cut in
            }));
            evloop::task::yield_now().await; // task i queues before task i + 1 starts
        }
        drop(held);
        // The lock went straight to the first waiter: no barging.
        assert!(lock.try_lock().is_err());
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.borrow(), [0, 1, 2]);
    });
}

#[test]
fn dropping_a_pending_lock_future_passes_the_turn_on() {
    let lock = Mutex::new(0);
    let held = lock.try_lock().unwrap();
    let mut first = Box::pin(lock.lock());
    let (waker, wakes) = counting_waker();
    let mut second = Box::pin(lock.lock());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_with(second.as_mut(), &waker).is_pending());
    drop(held); // handed to `first`, which will never run
    assert_eq!(wakes.count(), 0);
    drop(first);
    assert_eq!(wakes.count(), 1, "the turn goes to `second`");
    match poll_once(second.as_mut()) {
        Poll::Ready(mut guard) => *guard += 1,
        Poll::Pending => panic!("`second` should hold the lock"),
    }
    drop(second);
    assert_eq!(*lock.try_lock().unwrap(), 1);
}

#[test]
fn a_cancelled_waiter_in_the_middle_does_not_block_the_one_behind_it() {
    let lock = Mutex::new(());
    let held = lock.try_lock().unwrap();
    let mut a = Box::pin(lock.lock());
    let mut b = Box::pin(lock.lock());
    let mut c = Box::pin(lock.lock());
    for fut in [&mut a, &mut b, &mut c] {
        assert!(poll_once(fut.as_mut()).is_pending());
    }
    drop(b);
    drop(held);
    let guard_a = match poll_once(a.as_mut()) {
        Poll::Ready(guard) => guard,
        Poll::Pending => panic!("`a` is first"),
    };
    assert!(poll_once(c.as_mut()).is_pending());
    drop(guard_a);
    assert!(poll_once(c.as_mut()).is_ready());
}

#[test]
fn try_lock_fails_while_others_wait_even_between_holders() {
    let lock = Mutex::new(());
    let held = lock.try_lock().unwrap();
    let mut waiting = Box::pin(lock.lock());
    assert!(poll_once(waiting.as_mut()).is_pending());
    drop(held);
    let err = lock.try_lock().unwrap_err();
    assert_eq!(err.to_string(), "operation would block");
}

#[test]
fn an_owned_guard_moves_into_a_task_and_unlocks_there() {
    paused().block_on(async {
        let lock = Rc::new(Mutex::new(0));
        let mut guard = lock.clone().lock_owned().await;
        let task = evloop::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            *guard += 1;
        });
        let start = Instant::now();
        assert_eq!(*lock.lock().await, 1);
        assert_eq!(start.elapsed(), Duration::from_millis(5));
        task.await.unwrap();
    });
}

#[test]
fn a_panicking_holder_unlocks_as_its_guard_drops() {
    evloop::block_on(async {
        let lock = Rc::new(Mutex::new(1));
        let task = evloop::spawn({
            let lock = lock.clone();
            async move {
                let _guard = lock.lock().await;
                panic!("boom");
            }
        });
        assert!(task.await.unwrap_err().is_panic());
        assert_eq!(*lock.lock().await, 1, "no poisoning, no deadlock");
    });
}

#[test]
fn get_mut_and_into_inner_need_no_lock() {
    let mut lock = Mutex::new(String::from("a"));
    lock.get_mut().push('b');
    assert_eq!(lock.into_inner(), "ab");
}

#[test]
fn readers_share_and_a_writer_waits_for_all_of_them() {
    let lock = RwLock::new(1);
    let r1 = lock.try_read().unwrap();
    let r2 = lock.try_read().unwrap();
    let (waker, wakes) = counting_waker();
    let mut writer = Box::pin(lock.write());
    assert!(poll_with(writer.as_mut(), &waker).is_pending());
    drop(r1);
    assert_eq!(wakes.count(), 0, "one reader is still in");
    drop(r2);
    assert_eq!(wakes.count(), 1);
    match poll_once(writer.as_mut()) {
        Poll::Ready(mut guard) => *guard = 2,
        Poll::Pending => panic!("the writer should be in"),
    }
    drop(writer);
    assert_eq!(*lock.try_read().unwrap(), 2);
}

#[test]
fn a_waiting_writer_is_not_overtaken_by_later_readers() {
    let lock = RwLock::new(0);
    let reader = lock.try_read().unwrap();
    let mut writer = Box::pin(lock.write());
    assert!(poll_once(writer.as_mut()).is_pending());
    assert!(lock.try_read().is_err(), "a writer waits: readers queue");
    let mut late_reader = Box::pin(lock.read());
    assert!(poll_once(late_reader.as_mut()).is_pending());
    drop(reader);
    assert!(poll_once(late_reader.as_mut()).is_pending());
    let guard = match poll_once(writer.as_mut()) {
        Poll::Ready(guard) => guard,
        Poll::Pending => panic!("the writer goes before the late reader"),
    };
    drop(guard);
    drop(writer);
    assert!(poll_once(late_reader.as_mut()).is_ready());
}

#[test]
fn dropping_a_pending_write_lets_the_readers_behind_it_in() {
    let lock = RwLock::new(0);
    let reader = lock.try_read().unwrap();
    let mut writer = Box::pin(lock.write());
    let (waker, wakes) = counting_waker();
    let mut late_reader = Box::pin(lock.read());
    assert!(poll_once(writer.as_mut()).is_pending());
    assert!(poll_with(late_reader.as_mut(), &waker).is_pending());
    drop(writer); // cancelled: the reader behind it must not wait for it
    assert_eq!(wakes.count(), 1);
    assert!(poll_once(late_reader.as_mut()).is_ready());
    drop(reader);
}

#[test]
fn rwlock_turns_follow_arrival_across_tasks() {
    paused().block_on(async {
        let lock = Rc::new(RwLock::new(Vec::new()));
        let first_read = lock.clone().read_owned().await;
        let mut tasks = Vec::new();
        for (i, writes) in [(0, true), (1, false), (2, false), (3, true)] {
            let lock = lock.clone();
            tasks.push(evloop::spawn(async move {
                if writes {
                    let mut w = lock.write().await;
                    w.push(format!("w{i}"));
                    sleep(Duration::from_millis(10)).await;
                } else {
                    let r = lock.read().await;
                    let seen = r.len();
                    // Different lengths, so the two readers leave in order.
                    sleep(Duration::from_millis(10 * i)).await;
                    drop(r);
                    lock.write().await.push(format!("r{i} saw {seen}"));
                }
            }));
            evloop::task::yield_now().await;
        }
        sleep(Duration::from_millis(1)).await;
        drop(first_read);
        for task in tasks {
            task.await.unwrap();
        }
        // w0 first; r1 and r2 read together after it; w3 after them, then
        // the readers' own writes (queued behind w3).
        assert_eq!(*lock.read().await, ["w0", "w3", "r1 saw 1", "r2 saw 1"]);
    });
}

#[test]
fn owned_guards_of_an_rwlock_move_into_tasks() {
    evloop::block_on(async {
        let lock = Rc::new(RwLock::new(1));
        let mut writer = lock.clone().write_owned().await;
        let task = evloop::spawn(async move {
            *writer += 1;
        });
        let reader = lock.clone().read_owned().await; // waits for the task
        assert_eq!(*reader, 2);
        task.await.unwrap();
        drop(reader);
        assert_eq!(Rc::try_unwrap(lock).unwrap().into_inner(), 2);
    });
}

#[test]
fn max_readers_bounds_concurrent_readers() {
    let lock = RwLock::with_max_readers((), 2);
    let _a = lock.try_read().unwrap();
    let _b = lock.try_read().unwrap();
    assert!(lock.try_read().is_err());
}

#[test]
fn try_owned_guards_of_an_rwlock_follow_the_same_rules() {
    let lock = Rc::new(RwLock::new(0));
    let reader = lock.clone().try_read_owned().unwrap();
    assert!(lock.clone().try_write_owned().is_err());
    drop(reader);
    let mut writer = lock.clone().try_write_owned().unwrap();
    *writer = 1;
    assert!(lock.clone().try_read_owned().is_err());
    drop(writer);
    assert_eq!(*lock.try_read().unwrap(), 1);
}

#[test]
fn downgrading_lets_waiting_readers_in_but_not_a_waiting_writer() {
    let lock = RwLock::new(0);
    let mut writer = lock.try_write().unwrap();
    let (waker, wakes) = counting_waker();
    let mut reader = Box::pin(lock.read());
    assert!(poll_with(reader.as_mut(), &waker).is_pending());
    let mut next_writer = Box::pin(lock.write());
    assert!(poll_once(next_writer.as_mut()).is_pending());
    *writer = 1;
    let downgraded = writer.downgrade();
    assert_eq!(wakes.count(), 1, "the waiting reader is let in");
    match poll_once(reader.as_mut()) {
        Poll::Ready(guard) => assert_eq!(*guard, 1),
        Poll::Pending => panic!("the reader shares with the downgraded guard"),
    }
    drop(reader);
    assert!(poll_once(next_writer.as_mut()).is_pending());
    drop(downgraded);
    assert!(poll_once(next_writer.as_mut()).is_ready());
}

#[test]
fn an_owned_writer_downgrades_and_the_value_stays_put() {
    let lock = Rc::new(RwLock::new(vec![1]));
    let mut writer = lock.clone().try_write_owned().unwrap();
    writer.push(2);
    let reader = writer.downgrade();
    assert_eq!(*lock.try_read().unwrap(), [1, 2]);
    assert!(lock.try_write().is_err());
    drop(reader);
    lock.try_write().unwrap().push(3);
    assert_eq!(*lock.try_read().unwrap(), [1, 2, 3]);
}
