//! evloop::sync::mpsc: order, closing from either side, back-pressure,
//! FIFO senders and cancel safety.

mod util;

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;

use evloop::sync::mpsc::{
    self,
    error::{TryRecvError, TrySendError},
};
use futures_core::Stream;
use util::{counting_waker, poll_once, poll_with, DropCount};

#[test]
fn messages_arrive_in_the_order_they_were_sent() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel(4);
        let tx2 = tx.clone();
        let a = evloop::spawn(async move {
            for i in 0..50 {
                tx.send(i).await.unwrap();
            }
        });
        let b = evloop::spawn(async move {
            for i in 100..150 {
                tx2.send(i).await.unwrap();
            }
        });
        let mut from_a = Vec::new();
        let mut from_b = Vec::new();
        while let Some(i) = rx.recv().await {
            if i < 100 {
                from_a.push(i)
            } else {
                from_b.push(i)
            }
        }
        a.await.unwrap();
        b.await.unwrap();
        assert_eq!(from_a, (0..50).collect::<Vec<_>>());
        assert_eq!(from_b, (100..150).collect::<Vec<_>>());
    });
}

#[test]
fn the_receiver_drains_the_queue_before_seeing_the_end() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel(3);
        let tx2 = tx.clone();
        tx.send(1).await.unwrap();
        tx2.send(2).await.unwrap();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok(1));
        drop(tx2);
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn the_last_sender_dropping_wakes_a_waiting_receiver() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let (waker, wakes) = counting_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(poll_with(recv.as_mut(), &waker).is_pending());
    let tx2 = tx.clone();
    drop(tx);
    assert_eq!(wakes.count(), 0);
    drop(tx2);
    assert_eq!(wakes.count(), 1);
    assert_eq!(poll_once(recv.as_mut()), std::task::Poll::Ready(None));
}

#[test]
fn sends_after_the_receiver_dropped_give_the_message_back() {
    evloop::block_on(async {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(5).await.unwrap_err().0, 5);
        assert_eq!(tx.try_send(6), Err(TrySendError::Closed(6)));
        let (utx, urx) = mpsc::unbounded_channel();
        drop(urx);
        assert_eq!(utx.send(7).unwrap_err().0, 7);
    });
}

#[test]
fn close_keeps_queued_messages_and_fails_blocked_senders() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let blocked = evloop::spawn({
            let tx = tx.clone();
            async move { tx.send(2).await.map_err(|e| e.0) }
        });
        evloop::task::yield_now().await; // `blocked` now waits for a slot
        rx.close();
        assert_eq!(blocked.await.unwrap(), Err(2));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn capacity_one_applies_back_pressure() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        assert_eq!(tx.capacity(), 0);
        let sent = Rc::new(Cell::new(false));
        let sender = evloop::spawn({
            let sent = sent.clone();
            async move {
                tx.send(2).await.unwrap();
                sent.set(true);
            }
        });
        for _ in 0..3 {
            evloop::task::yield_now().await;
        }
        assert!(!sent.get(), "a full channel must hold the sender back");
        assert_eq!(rx.recv().await, Some(1));
        sender.await.unwrap();
        assert!(sent.get());
        assert_eq!(rx.recv().await, Some(2));
    });
}

#[test]
fn blocked_senders_get_slots_in_the_order_they_waited() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(usize::MAX).await.unwrap();
        let senders: Vec<_> = (0..5)
            .map(|i| {
                let tx = tx.clone();
                evloop::spawn(async move { tx.send(i).await.unwrap() })
            })
            .collect();
        drop(tx);
        let mut got = Vec::new();
        while let Some(i) = rx.recv().await {
            got.push(i);
        }
        assert_eq!(got, [usize::MAX, 0, 1, 2, 3, 4]);
        for s in senders {
            s.await.unwrap();
        }
    });
}

#[test]
fn a_dropped_send_future_loses_no_slot_and_sends_nothing() {
    let drops = Rc::new(Cell::new(0));
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(DropCount(drops.clone())).unwrap();
    let mut first = Box::pin(tx.send(DropCount(drops.clone())));
    let mut second = Box::pin(tx.send(DropCount(drops.clone())));
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(second.as_mut()).is_pending());
    drop(rx.try_recv().unwrap()); // frees the slot: handed to `first`
    assert_eq!(drops.get(), 1);
    drop(first); // its message is dropped, its slot passes to `second`
    assert_eq!(drops.get(), 2);
    assert!(poll_once(second.as_mut()).is_ready());
    drop(second);
    drop(rx.try_recv().unwrap());
    assert_eq!(drops.get(), 3);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    assert_eq!(tx.capacity(), 1, "every slot is back");
}

#[test]
fn a_permit_holds_a_slot_until_used_or_dropped() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        let permit = tx.reserve().await.unwrap();
        assert!(matches!(tx.try_send(0), Err(TrySendError::Full(0))));
        drop(permit);
        let permit = tx.reserve().await.unwrap();
        permit.send(1);
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(tx.capacity(), 1);
    });
}

#[test]
fn a_dropped_reserve_future_passes_its_slot_on() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut first = Box::pin(tx.reserve());
    let mut second = Box::pin(tx.reserve());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(second.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    drop(first);
    match poll_once(second.as_mut()) {
        std::task::Poll::Ready(Ok(permit)) => permit.send(1),
        _ => panic!("the slot should have passed to the second reserve"),
    }
    drop(second);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn a_hundred_thousand_messages_pass_through_a_bounded_one_channel() {
    const N: u64 = 100_000;
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        let producer = evloop::spawn(async move {
            for i in 0..N {
                tx.send(i).await.unwrap();
            }
        });
        let mut expected = 0;
        while let Some(i) = rx.recv().await {
            assert_eq!(i, expected);
            expected += 1;
        }
        assert_eq!(expected, N);
        producer.await.unwrap();
    });
}

#[test]
fn recv_many_takes_at_most_limit_and_zero_at_the_end() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..5 {
            tx.send(i).unwrap();
        }
        let mut buf = vec![-1];
        assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
        assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
        assert_eq!(rx.recv_many(&mut buf, 10).await, 2);
        assert_eq!(buf, [-1, 0, 1, 2, 3, 4]);
        drop(tx);
        assert_eq!(rx.recv_many(&mut buf, 10).await, 0);
    });
}

#[test]
fn recv_many_frees_slots_for_blocked_senders() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel(2);
        let producer = evloop::spawn(async move {
            for i in 0..10 {
                tx.send(i).await.unwrap();
            }
        });
        let mut buf = Vec::new();
        while rx.recv_many(&mut buf, 2).await > 0 {}
        assert_eq!(buf, (0..10).collect::<Vec<_>>());
        producer.await.unwrap();
    });
}

#[test]
fn the_receiver_is_a_stream() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send('a').unwrap();
        drop(tx);
        assert_eq!(
            poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await,
            Some('a')
        );
        assert_eq!(poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await, None);
    });
}

#[test]
fn queued_messages_drop_with_the_receiver() {
    let drops = Rc::new(Cell::new(0));
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(DropCount(drops.clone())).unwrap();
    tx.send(DropCount(drops.clone())).unwrap();
    drop(rx);
    assert_eq!(drops.get(), 2);
}

#[test]
fn a_message_holding_a_sender_of_its_own_channel_drops_cleanly() {
    struct Loop(
        #[allow(dead_code)] mpsc::Sender<Loop>,
        #[allow(dead_code)] DropCount,
    );
    let drops = Rc::new(Cell::new(0));
    let (tx, rx) = mpsc::channel(2);
    tx.try_send(Loop(tx.clone(), DropCount(drops.clone())))
        .unwrap();
    drop(tx);
    assert_eq!(drops.get(), 0, "queued while the receiver lives");
    drop(rx); // drops the message, whose sender is the last one
    assert_eq!(
        drops.get(),
        1,
        "the message was dropped, not leaked in a cycle"
    );
    // The unbounded channel the same way.
    struct Unbounded(
        #[allow(dead_code)] mpsc::UnboundedSender<Unbounded>,
        #[allow(dead_code)] DropCount,
    );
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(Unbounded(tx.clone(), DropCount(drops.clone())))
        .unwrap();
    drop(tx);
    drop(rx);
    assert_eq!(drops.get(), 2);
}

#[test]
fn unbounded_try_recv_reports_empty_and_disconnected() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn a_dropped_recv_future_loses_no_message() {
    let (tx, mut rx) = mpsc::channel(1);
    {
        let mut recv = Box::pin(rx.recv());
        assert!(poll_once(recv.as_mut()).is_pending());
    }
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
#[should_panic(expected = "capacity > 0")]
fn a_bounded_channel_of_capacity_zero_is_refused() {
    let _ = mpsc::channel::<u8>(0);
}

#[test]
fn errors_have_messages() {
    assert_eq!(TrySendError::Full(1).to_string(), "no available capacity");
    assert_eq!(TrySendError::Closed(1).into_inner(), 1);
    assert_eq!(mpsc::error::SendError(1).to_string(), "channel closed");
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty channel"
    );
    let log = RefCell::new(String::new());
    log.borrow_mut()
        .push_str(&format!("{:?}", TrySendError::Full(vec![0u8])));
    assert_eq!(*log.borrow(), "Full(..)");
}

#[test]
fn sender_closed_completes_when_the_receiver_closes() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let (utx, urx) = mpsc::unbounded_channel::<u8>();
        let watcher = evloop::spawn(async move {
            tx.closed().await;
            utx.closed().await;
            tx.is_closed() && utx.is_closed()
        });
        evloop::task::yield_now().await; // the watcher now waits
        assert!(!watcher.is_finished());
        rx.close();
        drop(urx);
        assert!(watcher.await.unwrap());
    });
}
