//! evloop::sync::oneshot: one value, either side may give up first.

mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;

use evloop::sync::oneshot::{self, error::TryRecvError};
use util::{counting_waker, poll_once, poll_with, DropCount};

#[test]
fn value_sent_before_the_receiver_waits_is_received() {
    let (tx, rx) = oneshot::channel();
    tx.send(7).unwrap();
    assert_eq!(evloop::block_on(rx), Ok(7));
}

#[test]
fn a_waiting_receiver_is_woken_by_send() {
    evloop::block_on(async {
        let (tx, rx) = oneshot::channel();
        let receiver = evloop::spawn(rx);
        evloop::task::yield_now().await; // the receiver now waits
        tx.send("hi").unwrap();
        assert_eq!(receiver.await.unwrap(), Ok("hi"));
    });
}

#[test]
fn dropping_the_sender_wakes_the_receiver_with_an_error() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let (waker, wakes) = counting_waker();
    assert!(poll_with(std::pin::Pin::new(&mut rx), &waker).is_pending());
    drop(tx);
    assert_eq!(wakes.count(), 1);
    match poll_once(std::pin::Pin::new(&mut rx)) {
        Poll::Ready(Err(err)) => assert_eq!(err.to_string(), "channel closed"),
        other => panic!("expected RecvError, got {other:?}"),
    }
}

#[test]
fn send_after_the_receiver_dropped_gives_the_value_back() {
    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(String::from("back")), Err(String::from("back")));
}

#[test]
fn close_refuses_later_sends_but_keeps_an_earlier_value() {
    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert_eq!(tx.send(1), Err(1));

    let (tx, mut rx) = oneshot::channel();
    tx.send(2).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn try_recv_reports_empty_then_value_then_closed() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn sender_closed_completes_when_the_receiver_drops() {
    evloop::block_on(async {
        let (mut tx, rx) = oneshot::channel::<()>();
        assert!(!tx.is_closed());
        let dropper = evloop::spawn(async move {
            evloop::task::yield_now().await;
            drop(rx);
        });
        tx.closed().await;
        assert!(tx.is_closed());
        dropper.await.unwrap();
    });
}

#[test]
fn an_unreceived_value_is_dropped_with_the_receiver() {
    let drops = Rc::new(Cell::new(0));
    let (tx, rx) = oneshot::channel();
    tx.send(DropCount(drops.clone())).unwrap();
    assert_eq!(drops.get(), 0);
    drop(rx);
    assert_eq!(drops.get(), 1);
}

#[test]
fn a_receiver_dropped_while_pending_closes_the_channel() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    assert!(poll_once(std::pin::Pin::new(&mut rx)).is_pending());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(9), Err(9));
}

#[test]
fn errors_have_messages() {
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
}
