//! [`yield_now`]: give the loop back to the other tasks for one turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Lets every other ready task run before this one continues.
///
/// The task wakes itself and returns `Pending` once, which puts it at the
/// back of the run queue. Use it in a long computation that must not keep
/// the loop from its other tasks.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// evloop::block_on(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let other = evloop::spawn({
///         let log = log.clone();
///         async move { log.borrow_mut().push("other") }
///     });
///     log.borrow_mut().push("before");
///     evloop::task::yield_now().await; // `other` runs here
///     log.borrow_mut().push("after");
///     other.await.unwrap();
///     assert_eq!(*log.borrow(), ["before", "other", "after"]);
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
