//! `evloop::io::unix::AsyncFd`: any file descriptor on the reactor, tested
//! with socketpairs (std's, non-blocking), one end registered and the other
//! written from a task or the test itself.

#![cfg(unix)]

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use evloop::io::unix::AsyncFd;
use evloop::io::Interest;
use evloop::sync::Notify;
use evloop::task::yield_now;
use evloop::time::timeout;
use evloop::Runtime;

/// A socketpair whose first end is non-blocking, ready for an `AsyncFd`.
fn pair() -> (UnixStream, UnixStream) {
    let (ours, theirs) = UnixStream::pair().unwrap();
    ours.set_nonblocking(true).unwrap();
    (ours, theirs)
}

/// Reads what `fd` holds, waiting for readiness and clearing it on
/// `WouldBlock` through `try_io`, as the docs teach.
async fn read_some(fd: &AsyncFd<UnixStream>, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        let mut guard = fd.readable().await?;
        if let Ok(result) = guard.try_io(|inner| inner.get_ref().read(buf)) {
            return result;
        }
    }
}

/// Whether polling `fd` for reads once, now, finds it ready.
async fn read_ready_now(fd: &AsyncFd<UnixStream>) -> bool {
    poll_fn(|cx| Poll::Ready(fd.poll_read_ready(cx).is_ready())).await
}

/// A future that counts how often it is polled.
struct CountPolls<F> {
    polls: Rc<Cell<u32>>,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.future.as_mut().poll(cx)
    }
}

#[test]
fn a_socketpair_written_by_another_task_becomes_readable() {
    evloop::block_on(async {
        let (ours, mut theirs) = pair();
        let fd = AsyncFd::new(ours).unwrap();
        assert!(!read_ready_now(&fd).await, "nothing written yet");
        let writer = evloop::spawn(async move {
            yield_now().await;
            theirs.write_all(b"from a task").unwrap();
            theirs
        });
        let mut buf = [0; 32];
        let n = read_some(&fd, &mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from a task");
        drop(writer.await.unwrap());
        assert_eq!(read_some(&fd, &mut buf).await.unwrap(), 0, "end of file");
    });
}

#[test]
fn try_io_clears_readiness_on_would_block_and_the_task_then_sleeps() {
    evloop::block_on(async {
        let (ours, mut theirs) = pair();
        let fd = AsyncFd::new(ours).unwrap();
        let got = Rc::new(Cell::new(0));
        let would_blocks = Rc::new(Cell::new(0));
        let progress = Rc::new(Notify::new());
        let polls = Rc::new(Cell::new(0));
        let reader = evloop::spawn(CountPolls {
            polls: polls.clone(),
            future: Box::pin({
                let (got, would_blocks, progress) =
                    (got.clone(), would_blocks.clone(), progress.clone());
                async move {
                    let mut buf = [0; 16];
                    loop {
                        let mut guard = fd.readable().await.unwrap();
                        match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
                            Ok(Ok(0)) => return,
                            Ok(Ok(n)) => got.set(got.get() + n),
                            Ok(Err(e)) => panic!("read failed: {e}"),
                            Err(_) => {
                                would_blocks.set(would_blocks.get() + 1);
                                progress.notify_one();
                            }
                        }
                    }
                }
            }),
        });

        theirs.write_all(b"x").unwrap();
        while would_blocks.get() == 0 {
            progress.notified().await;
        }
        assert_eq!(got.get(), 1, "the byte, then WouldBlock");
        let parked_at = polls.get();
        for _ in 0..100 {
            yield_now().await;
        }
        assert_eq!(
            polls.get(),
            parked_at,
            "after WouldBlock the reader waits for an event instead of spinning"
        );
        assert_eq!(would_blocks.get(), 1);

        // A new edge wakes it again.
        theirs.write_all(b"yz").unwrap();
        while would_blocks.get() == 1 {
            progress.notified().await;
        }
        assert_eq!(got.get(), 3);
        drop(theirs);
        reader.await.unwrap();
    });
}

#[test]
fn into_inner_deregisters_and_returns_a_usable_fd() {
    evloop::block_on(async {
        let (ours, mut theirs) = pair();
        let raw = ours.as_raw_fd();
        let fd = AsyncFd::new(ours).unwrap();
        let mut ours = fd.into_inner();
        assert_eq!(ours.as_raw_fd(), raw, "the same, still open descriptor");
        theirs.write_all(b"still works").unwrap();
        let mut buf = [0; 11];
        ours.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"still works");
        // Registering it again works only because into_inner deregistered
        // it: epoll refuses a descriptor it already holds.
        let again = AsyncFd::new(ours).unwrap();
        theirs.write_all(b"!").unwrap();
        let mut one = [0; 1];
        assert_eq!(read_some(&again, &mut one).await.unwrap(), 1);
    });
}

/// A descriptor borrowed by number, to register one descriptor twice.
#[derive(Debug)]
struct SameFd(RawFd);

impl AsRawFd for SameFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

#[test]
fn registering_a_descriptor_twice_is_an_error() {
    evloop::block_on(async {
        let (ours, _theirs) = pair();
        let first = AsyncFd::new(SameFd(ours.as_raw_fd())).unwrap();
        let second = AsyncFd::new(SameFd(ours.as_raw_fd())).unwrap_err();
        assert_eq!(second.kind(), ErrorKind::AlreadyExists);
        drop(first);
        assert!(AsyncFd::new(SameFd(ours.as_raw_fd())).is_ok(), "free again");
    });
}

#[test]
fn two_async_fds_on_different_fds_are_ready_independently() {
    evloop::block_on(async {
        let (first, mut first_peer) = pair();
        let (second, mut second_peer) = pair();
        let first = AsyncFd::new(first).unwrap();
        let second = AsyncFd::new(second).unwrap();
        second_peer.write_all(b"2").unwrap();
        let mut buf = [0; 1];
        assert_eq!(read_some(&second, &mut buf).await.unwrap(), 1);
        assert_eq!(&buf, b"2");
        assert!(!read_ready_now(&first).await, "the other fd saw no data");
        first_peer.write_all(b"1").unwrap();
        assert_eq!(read_some(&first, &mut buf).await.unwrap(), 1);
        assert_eq!(&buf, b"1");
    });
}

#[test]
fn waiting_for_a_direction_it_was_not_registered_for_is_an_error() {
    evloop::block_on(async {
        let (ours, _theirs) = pair();
        let fd = AsyncFd::with_interest(ours, Interest::WRITABLE).unwrap();
        fd.writable().await.unwrap().retain_ready();
        let err = fd.readable().await.unwrap_err();
        assert!(err.to_string().contains("Interest::READABLE"), "{err}");
    });
}

#[test]
fn a_regular_file_is_refused_with_an_error() {
    let path = std::env::temp_dir().join(format!("evloop-async-fd-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    evloop::block_on(async {
        // epoll cannot poll regular files (they are always ready).
        assert!(AsyncFd::new(file).is_err());
    });
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn new_outside_a_runtime_panics_naming_the_fix() {
    let (ours, _theirs) = pair();
    let panic = std::panic::catch_unwind(|| AsyncFd::new(ours)).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("AsyncFd::new called outside of an evloop runtime"),
        "{message}"
    );
    assert!(message.contains("block_on"), "{message}");
}

#[test]
fn used_in_another_runtime_it_errors_naming_its_own() {
    let first = Runtime::new().unwrap();
    let (ours, _theirs) = pair();
    let fd = first.block_on(async { AsyncFd::new(ours).unwrap() });
    let second = Runtime::new().unwrap();
    let err = second.block_on(async { fd.readable().await.map(drop).unwrap_err() });
    assert!(err.to_string().contains("which is not running"), "{err}");
}

#[test]
fn after_its_runtime_was_dropped_it_errors_instead_of_hanging() {
    let (ours, mut theirs) = pair();
    let fd = Runtime::new()
        .unwrap()
        .block_on(async { AsyncFd::new(ours).unwrap() });
    theirs.write_all(b"late").unwrap();
    let paused = Runtime::builder().start_paused(true).build().unwrap();
    let result = paused.block_on(timeout(Duration::from_secs(5), async {
        fd.readable().await.map(drop)
    }));
    let err = result
        .expect("answered at once, not timed out")
        .unwrap_err();
    assert!(err.to_string().contains("was dropped"), "{err}");
    // The descriptor itself is fine: take it back and read.
    let mut ours = fd.into_inner();
    let mut buf = [0; 4];
    ours.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"late");
}
