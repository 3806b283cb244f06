//! [`timeout`], [`timeout_at`] and the [`Elapsed`] error.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{sleep_until, Instant, Sleep};

/// Runs `future` for at most `duration`: its output, or [`Elapsed`].
///
/// The future is polled first, so one that is ready at once never touches
/// the timer store; the timer is registered only if it is pending. Dropping
/// the `Timeout` drops the future and cancels the timer.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time::{sleep, timeout};
///
/// evloop::block_on(async {
///     assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///     let slow = sleep(Duration::from_secs(60));
///     assert!(timeout(Duration::from_millis(1), slow).await.is_err());
/// });
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(Instant::now().saturating_add(duration), future)
}

/// Runs `future` until `deadline` at the latest: its output, or [`Elapsed`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time::{timeout_at, Instant};
///
/// evloop::block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(1);
///     let never = std::future::pending::<()>();
///     assert!(timeout_at(deadline, never).await.is_err());
/// });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        deadline,
        sleep: None,
    }
}

pin_project_lite::pin_project! {
    /// The future [`timeout`] and [`timeout_at`] return.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        deadline: Instant,
        // Made on the first pending poll: a future that is ready at once
        // costs no timer.
        sleep: Option<Sleep>,
    }
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Gives back the wrapped future.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let deadline = *this.deadline;
        let sleep = this.sleep.get_or_insert_with(|| sleep_until(deadline));
        match Pin::new(sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The error of a [`timeout`] whose deadline passed first.
///
/// # Examples
///
/// ```
/// let err: std::io::Error = evloop::block_on(async {
///     evloop::time::timeout(std::time::Duration::ZERO, std::future::pending::<()>())
///         .await
///         .unwrap_err()
///         .into()
/// });
/// assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}
