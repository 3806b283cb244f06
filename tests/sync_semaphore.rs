//! evloop::sync::Semaphore: permits, fairness, closing and cancel safety.

mod util;

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Poll;

use evloop::sync::{Semaphore, TryAcquireError};
use util::{counting_waker, poll_once, poll_with};

#[test]
fn permits_come_back_when_dropped() {
    let sem = Semaphore::new(2);
    let a = sem.try_acquire().unwrap();
    let b = sem.try_acquire().unwrap();
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    drop(a);
    drop(b);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn waiters_are_served_in_fifo_order_even_if_later_ones_ask_for_less() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut big = Box::pin(sem.acquire_many(2));
    let mut small = Box::pin(sem.acquire());
    assert!(poll_once(big.as_mut()).is_pending());
    assert!(poll_once(small.as_mut()).is_pending());
    drop(held); // one permit free: not enough for `big`, and `small` must wait behind it
    assert!(poll_once(small.as_mut()).is_pending());
    assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    sem.add_permits(1);
    let big_permit = match poll_once(big.as_mut()) {
        Poll::Ready(Ok(p)) => p,
        _ => panic!("`big` should hold two permits now"),
    };
    assert_eq!(big_permit.num_permits(), 2);
    drop(big_permit);
    assert!(poll_once(small.as_mut()).is_ready());
}

#[test]
fn tasks_contending_for_one_permit_take_turns() {
    evloop::block_on(async {
        let sem = Rc::new(Semaphore::new(1));
        let log = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (sem, log) = (sem.clone(), log.clone());
                evloop::spawn(async move {
                    for _ in 0..3 {
                        let _permit = sem.acquire().await.unwrap();
                        log.borrow_mut().push(i);
                        evloop::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*log.borrow(), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
    });
}

#[test]
fn acquire_many_beyond_the_total_waits_until_permits_are_added() {
    let sem = Semaphore::new(2);
    let (waker, wakes) = counting_waker();
    let mut many = Box::pin(sem.acquire_many(5));
    assert!(poll_with(many.as_mut(), &waker).is_pending());
    sem.add_permits(2);
    assert_eq!(wakes.count(), 0);
    sem.add_permits(1);
    assert_eq!(wakes.count(), 1);
    assert!(poll_once(many.as_mut()).is_ready());
}

#[test]
fn close_fails_waiters_and_later_acquires_but_not_held_permits() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let (waker, wakes) = counting_waker();
    let mut waiting = Box::pin(sem.acquire());
    assert!(poll_with(waiting.as_mut(), &waker).is_pending());
    sem.close();
    assert!(sem.is_closed());
    assert_eq!(wakes.count(), 1);
    match poll_once(waiting.as_mut()) {
        Poll::Ready(Err(err)) => assert_eq!(err.to_string(), "semaphore closed"),
        _ => panic!("a waiter must fail when the semaphore closes"),
    }
    assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::Closed));
    assert!(poll_once(Box::pin(sem.acquire()).as_mut()).is_ready());
    drop(held);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_dropped_acquire_gives_back_permits_it_was_handed() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut first = Box::pin(sem.acquire());
    let (waker, wakes) = counting_waker();
    let mut second = Box::pin(sem.acquire());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_with(second.as_mut(), &waker).is_pending());
    drop(held); // handed to `first`
    assert_eq!(sem.available_permits(), 0);
    drop(first); // passes it to `second`
    assert_eq!(wakes.count(), 1);
    assert!(poll_once(second.as_mut()).is_ready());
    drop(second);
    assert_eq!(sem.available_permits(), 1, "no permit lost");
}

#[test]
fn a_dropped_front_waiter_lets_the_next_one_in() {
    let sem = Semaphore::new(1);
    let mut big = Box::pin(sem.acquire_many(2));
    let mut small = Box::pin(sem.acquire());
    assert!(poll_once(big.as_mut()).is_pending());
    assert!(poll_once(small.as_mut()).is_pending());
    drop(big);
    assert!(poll_once(small.as_mut()).is_ready());
}

#[test]
fn a_forgotten_permit_stays_out() {
    let sem = Semaphore::new(3);
    sem.try_acquire_many(2).unwrap().forget();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn an_owned_permit_moves_into_a_task_and_returns_there() {
    evloop::block_on(async {
        let sem = Rc::new(Semaphore::new(1));
        let permit = sem.clone().acquire_owned().await.unwrap();
        assert!(Rc::ptr_eq(permit.semaphore(), &sem));
        assert!(sem.clone().try_acquire_owned().is_err());
        evloop::spawn(async move { drop(permit) }).await.unwrap();
        assert_eq!(sem.available_permits(), 1);
        let two = sem.clone().acquire_many_owned(1).await.unwrap();
        assert_eq!(two.num_permits(), 1);
    });
}

#[test]
#[should_panic(expected = "MAX_PERMITS")]
fn adding_beyond_max_permits_is_refused() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    sem.add_permits(1);
}

#[test]
fn errors_have_messages() {
    assert_eq!(
        TryAcquireError::NoPermits.to_string(),
        "no permits available"
    );
    assert_eq!(TryAcquireError::Closed.to_string(), "semaphore closed");
}

#[test]
fn try_acquire_many_owned_takes_all_or_nothing() {
    let sem = Rc::new(Semaphore::new(3));
    let two = sem.clone().try_acquire_many_owned(2).unwrap();
    assert_eq!(two.num_permits(), 2);
    assert_eq!(
        sem.clone().try_acquire_many_owned(2).err(),
        Some(TryAcquireError::NoPermits)
    );
    assert_eq!(sem.available_permits(), 1, "a failed try takes nothing");
    drop(two);
    sem.close();
    assert_eq!(
        sem.clone().try_acquire_many_owned(1).err(),
        Some(TryAcquireError::Closed)
    );
}
