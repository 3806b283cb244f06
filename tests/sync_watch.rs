//! evloop::sync::watch: versions, what `changed` sees, and the ends of the
//! channel.

mod util;

use std::time::Duration;

use evloop::sync::watch;
use evloop::time::{sleep, Instant};
use util::{counting_waker, poll_once, poll_with};

#[test]
fn changed_returns_at_once_for_a_send_made_before_it() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    assert!(poll_once(Box::pin(rx.changed()).as_mut()).is_ready());
    assert_eq!(*rx.borrow(), 1);
    // Seen now: the next `changed` waits.
    assert!(poll_once(Box::pin(rx.changed()).as_mut()).is_pending());
}

#[test]
fn sends_between_two_looks_show_as_one_change_with_the_latest_value() {
    let (tx, mut rx) = watch::channel(0);
    for v in 1..=3 {
        tx.send(v).unwrap();
    }
    let mut changed = Box::pin(rx.changed());
    assert!(matches!(
        poll_once(changed.as_mut()),
        std::task::Poll::Ready(Ok(()))
    ));
    drop(changed);
    assert_eq!(*rx.borrow(), 3);
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn a_waiting_changed_is_woken_once_by_a_send() {
    let (tx, mut rx) = watch::channel(0);
    let (waker, wakes) = counting_waker();
    let mut changed = Box::pin(rx.changed());
    assert!(poll_with(changed.as_mut(), &waker).is_pending());
    assert!(poll_with(changed.as_mut(), &waker).is_pending());
    assert_eq!(wakes.count(), 0);
    tx.send(1).unwrap();
    assert_eq!(wakes.count(), 1);
    assert!(poll_with(changed.as_mut(), &waker).is_ready());
}

#[test]
fn changed_after_the_sender_drops_is_an_error_after_a_last_unseen_change() {
    let (tx, mut rx) = watch::channel("a");
    tx.send("b").unwrap();
    drop(tx);
    assert!(
        rx.has_changed().is_err(),
        "has_changed reports the end at once"
    );
    evloop::block_on(async {
        assert!(rx.changed().await.is_ok(), "the unseen \"b\" first");
        assert_eq!(*rx.borrow(), "b");
        let err = rx.changed().await.unwrap_err();
        assert_eq!(err.to_string(), "channel closed");
    });
}

#[test]
fn a_receiver_waiting_when_the_sender_drops_gets_an_error() {
    let rt = evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = watch::channel(());
        evloop::spawn(async move {
            sleep(Duration::from_millis(30)).await;
            drop(tx);
        });
        let start = Instant::now();
        assert!(rx.changed().await.is_err());
        assert_eq!(start.elapsed(), Duration::from_millis(30));
    });
}

#[test]
fn a_watcher_that_keeps_up_sees_every_value_then_the_end() {
    let rt = evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = watch::channel(0);
        let watcher = evloop::spawn(async move {
            let mut seen = Vec::new();
            while rx.changed().await.is_ok() {
                seen.push(*rx.borrow_and_update());
            }
            seen
        });
        for v in 1..=3 {
            sleep(Duration::from_millis(10)).await;
            tx.send(v).unwrap();
        }
        sleep(Duration::from_millis(10)).await;
        drop(tx);
        assert_eq!(watcher.await.unwrap(), [1, 2, 3]);
    });
}

#[test]
fn borrow_does_not_mark_seen_but_borrow_and_update_does() {
    let (tx, mut rx) = watch::channel(1);
    tx.send(2).unwrap();
    {
        let value = rx.borrow();
        assert!(value.has_changed());
        assert_eq!(*value, 2);
    }
    assert_eq!(rx.has_changed(), Ok(true));
    assert!(rx.borrow_and_update().has_changed());
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(!tx.borrow().has_changed());
}

#[test]
fn a_clone_has_seen_what_its_original_has_seen() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    let unseen = rx.clone();
    rx.borrow_and_update();
    let seen = rx.clone();
    assert_eq!(unseen.has_changed(), Ok(true));
    assert_eq!(seen.has_changed(), Ok(false));
    assert_eq!(tx.receiver_count(), 3);
}

#[test]
fn send_fails_without_receivers_and_leaves_the_value_but_send_replace_does_not() {
    let (tx, rx) = watch::channel(1);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(2).unwrap_err().0, 2);
    assert_eq!(*tx.borrow(), 1);
    assert_eq!(tx.send_replace(3), 1);
    tx.send_modify(|v| *v += 1);
    assert_eq!(*tx.borrow(), 4);
    // A new subscriber counts the current value as seen.
    let rx = tx.subscribe();
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(5).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
}

#[test]
fn closed_waits_for_the_last_receiver() {
    let rt = evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = watch::channel(());
        let rx2 = rx.clone();
        evloop::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            drop(rx);
            sleep(Duration::from_millis(10)).await;
            drop(rx2);
        });
        let start = Instant::now();
        tx.closed().await;
        assert_eq!(start.elapsed(), Duration::from_millis(20));
    });
}

#[test]
fn a_cloned_sender_keeps_the_channel_open() {
    let (tx, mut rx) = watch::channel(0);
    let tx2 = tx.clone();
    assert_eq!(tx.sender_count(), 2);
    drop(tx);
    assert_eq!(rx.has_changed(), Ok(false));
    tx2.send(1).unwrap();
    evloop::block_on(async {
        assert!(rx.changed().await.is_ok());
        drop(tx2);
        assert!(rx.changed().await.is_err());
    });
}

#[test]
#[should_panic(expected = "send while a watch::Ref of the same channel is alive")]
fn sending_while_a_ref_is_alive_panics_with_the_fix() {
    let (tx, rx) = watch::channel(0);
    let _held = rx.borrow();
    let _ = tx.send(1);
}

#[test]
fn wait_for_checks_the_current_value_first() {
    let (tx, mut rx) = watch::channel(5);
    evloop::block_on(async {
        assert_eq!(*rx.wait_for(|v| *v == 5).await.unwrap(), 5);
        drop(tx);
        assert!(rx.wait_for(|v| *v == 6).await.is_err());
    });
}
