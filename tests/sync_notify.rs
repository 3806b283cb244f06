//! evloop::sync::Notify: stored permits, FIFO waking, notify_waiters, and
//! cancel safety.

mod util;

use std::cell::RefCell;
use std::rc::Rc;

use evloop::sync::Notify;
use util::{counting_waker, poll_once, poll_with};

#[test]
fn notify_one_without_waiters_stores_a_single_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    assert!(poll_once(Box::pin(notify.notified()).as_mut()).is_ready());
    assert!(poll_once(Box::pin(notify.notified()).as_mut()).is_pending());
}

#[test]
fn notify_one_wakes_waiters_in_the_order_they_waited() {
    evloop::block_on(async {
        let notify = Rc::new(Notify::new());
        let log = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (notify, log) = (notify.clone(), log.clone());
                evloop::spawn(async move {
                    notify.notified().await;
                    log.borrow_mut().push(i);
                })
            })
            .collect();
        evloop::task::yield_now().await; // all three wait now
        for expected_len in 1..=3 {
            notify.notify_one();
            evloop::task::yield_now().await;
            assert_eq!(log.borrow().len(), expected_len);
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*log.borrow(), [0, 1, 2]);
    });
}

#[test]
fn notify_waiters_wakes_every_waiter_and_stores_nothing() {
    let notify = Notify::new();
    let (waker, wakes) = counting_waker();
    let mut a = Box::pin(notify.notified());
    let mut b = Box::pin(notify.notified());
    assert!(poll_with(a.as_mut(), &waker).is_pending());
    assert!(poll_with(b.as_mut(), &waker).is_pending());
    notify.notify_waiters();
    assert_eq!(wakes.count(), 2);
    assert!(poll_once(a.as_mut()).is_ready());
    assert!(poll_once(b.as_mut()).is_ready());
    assert!(poll_once(Box::pin(notify.notified()).as_mut()).is_pending());
}

#[test]
fn a_notified_created_before_notify_waiters_completes_unpolled() {
    let notify = Notify::new();
    let mut early = Box::pin(notify.notified());
    notify.notify_waiters();
    let mut late = Box::pin(notify.notified());
    assert!(poll_once(early.as_mut()).is_ready());
    assert!(poll_once(late.as_mut()).is_pending());
}

#[test]
fn a_dropped_chosen_waiter_passes_its_notification_on() {
    let notify = Notify::new();
    let mut first = Box::pin(notify.notified());
    let mut second = Box::pin(notify.notified());
    let (waker, wakes) = counting_waker();
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_with(second.as_mut(), &waker).is_pending());
    notify.notify_one(); // chooses `first`
    drop(first);
    assert_eq!(wakes.count(), 1, "the notification moved to `second`");
    assert!(poll_once(second.as_mut()).is_ready());
}

#[test]
fn a_dropped_chosen_waiter_with_no_successor_leaves_a_permit() {
    let notify = Notify::new();
    let mut only = Box::pin(notify.notified());
    assert!(poll_once(only.as_mut()).is_pending());
    notify.notify_one();
    drop(only);
    assert!(poll_once(Box::pin(notify.notified()).as_mut()).is_ready());
}

#[test]
fn a_dropped_waiting_future_leaves_the_queue() {
    let notify = Notify::new();
    let mut gone = Box::pin(notify.notified());
    let mut stays = Box::pin(notify.notified());
    assert!(poll_once(gone.as_mut()).is_pending());
    assert!(poll_once(stays.as_mut()).is_pending());
    drop(gone);
    notify.notify_one();
    assert!(poll_once(stays.as_mut()).is_ready());
}

#[test]
fn a_completed_notified_stays_ready() {
    let notify = Notify::new();
    notify.notify_one();
    let mut n = Box::pin(notify.notified());
    assert!(poll_once(n.as_mut()).is_ready());
    assert!(poll_once(n.as_mut()).is_ready());
}
