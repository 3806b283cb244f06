//! evloop::sync::broadcast: every receiver gets every value, lagging is
//! reported exactly, and the channel ends cleanly.

mod util;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use evloop::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use evloop::time::{sleep, Instant};
use util::{counting_waker, poll_once, poll_with};

#[test]
fn every_receiver_gets_every_value_in_order() {
    evloop::block_on(async {
        let (tx, rx) = broadcast::channel(8);
        let mut receivers = vec![rx, tx.subscribe(), tx.subscribe()];
        for v in 0..5 {
            assert_eq!(tx.send(v).unwrap(), 3, "send reports the receivers");
        }
        for rx in &mut receivers {
            for v in 0..5 {
                assert_eq!(rx.recv().await, Ok(v));
            }
        }
        assert!(tx.is_empty(), "read by all: nothing kept");
    });
}

#[test]
fn a_lagging_receiver_gets_the_exact_count_then_the_oldest_kept_values() {
    evloop::block_on(async {
        let (tx, mut slow) = broadcast::channel(4);
        let mut fast = tx.subscribe();
        for v in 0..10 {
            tx.send(v).unwrap();
            assert_eq!(fast.recv().await, Ok(v));
        }
        assert_eq!(tx.len(), 4, "the ring keeps the last four");
        assert_eq!(slow.len(), 10);
        let lagged = slow.recv().await.unwrap_err();
        assert_eq!(lagged, RecvError::Lagged(6));
        assert_eq!(lagged.to_string(), "channel lagged by 6");
        for v in 6..10 {
            assert_eq!(slow.recv().await, Ok(v));
        }
        assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn try_recv_reports_lag_once_and_lagging_again_counts_anew() {
    let (tx, mut rx) = broadcast::channel(2);
    for v in 0..5 {
        tx.send(v).unwrap();
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
    assert_eq!(rx.try_recv(), Ok(3));
    for v in 5..8 {
        tx.send(v).unwrap();
    }
    // Kept: 6 and 7; 4 and 5 were pushed out before `rx` read them.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(2)));
    assert_eq!(rx.try_recv(), Ok(6));
    assert_eq!(rx.try_recv(), Ok(7));
}

#[test]
fn after_the_last_sender_drops_receivers_drain_then_see_closed() {
    evloop::block_on(async {
        let (tx, mut rx) = broadcast::channel(4);
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        drop(tx);
        tx2.send(2).unwrap();
        drop(tx2);
        assert!(rx.is_closed());
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Ok(2));
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn a_waiting_receiver_wakes_once_per_send_and_when_the_sender_goes() {
    let (tx, mut rx) = broadcast::channel(4);
    let (waker, wakes) = counting_waker();
    {
        let mut recv = Box::pin(rx.recv());
        assert!(poll_with(recv.as_mut(), &waker).is_pending());
        assert!(poll_with(recv.as_mut(), &waker).is_pending());
        assert_eq!(wakes.count(), 0, "no send, no wake");
        tx.send(7).unwrap();
        assert_eq!(wakes.count(), 1);
        assert_eq!(poll_with(recv.as_mut(), &waker), Poll::Ready(Ok(7)));
    }
    let mut recv = Box::pin(rx.recv());
    assert!(poll_with(recv.as_mut(), &waker).is_pending());
    drop(tx);
    assert_eq!(wakes.count(), 2);
    assert_eq!(
        poll_once(recv.as_mut()),
        Poll::Ready(Err(RecvError::Closed))
    );
}

#[test]
fn a_receiving_task_sleeps_until_a_send() {
    let rt = evloop::Runtime::builder()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = broadcast::channel(4);
        let polls = Rc::new(Cell::new(0));
        let listener = evloop::spawn({
            let polls = polls.clone();
            async move {
                let start = Instant::now();
                let mut recv = Box::pin(rx.recv());
                let value = std::future::poll_fn(|cx| {
                    polls.set(polls.get() + 1);
                    recv.as_mut().poll(cx)
                })
                .await;
                (value, start.elapsed())
            }
        });
        sleep(Duration::from_secs(5)).await;
        tx.send("late").unwrap();
        let (value, waited) = listener.await.unwrap();
        assert_eq!(value, Ok("late"));
        assert_eq!(waited, Duration::from_secs(5));
        assert_eq!(
            polls.get(),
            2,
            "polled when started and when woken: no spin"
        );
    });
}

#[test]
fn send_without_receivers_fails_and_keeps_nothing() {
    let (tx, rx) = broadcast::channel(4);
    drop(rx);
    let err = tx.send(1).unwrap_err();
    assert_eq!(err.0, 1);
    assert_eq!(err.to_string(), "channel closed");
    assert!(tx.is_empty());
    let mut rx = tx.subscribe();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "1 was never sent");
}

#[test]
fn subscribe_and_resubscribe_start_at_the_next_send() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut late = tx.subscribe();
    let mut again = rx.resubscribe();
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(late.try_recv(), Ok(2));
    assert_eq!(again.try_recv(), Ok(2));
    assert_eq!(tx.receiver_count(), 3);
}

#[test]
fn a_dropped_receiver_stops_holding_values() {
    let (tx, mut rx) = broadcast::channel(4);
    let slow = tx.subscribe();
    tx.send(String::from("a")).unwrap();
    tx.send(String::from("b")).unwrap();
    assert_eq!(rx.try_recv().unwrap(), "a");
    assert_eq!(rx.try_recv().unwrap(), "b");
    assert_eq!(tx.len(), 2, "kept for `slow`");
    drop(slow);
    assert_eq!(tx.len(), 0);
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn capacity_zero_panics_as_tokio_does() {
    let _ = broadcast::channel::<u8>(0);
}

#[test]
fn a_huge_capacity_allocates_only_what_is_sent() {
    let (tx, mut rx) = broadcast::channel(usize::MAX >> 1);
    tx.send(1u8).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
}
