//! [`SendError`]: the one error a send into a closed channel gives, shared
//! by `mpsc`, `broadcast` and `watch` (each module's `error` re-exports it
//! under tokio's path).

use std::fmt;

/// Nobody will receive what was sent (the receiver of an `mpsc` channel is
/// closed or gone, every `broadcast` or `watch` receiver is gone); the
/// value that was not sent comes back in `.0`.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let (tx, rx) = evloop::sync::mpsc::channel(1);
///     drop(rx);
///     let err = tx.send("lost").await.unwrap_err();
///     assert_eq!(err.0, "lost");
///     assert_eq!(err.to_string(), "channel closed");
/// });
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T> std::error::Error for SendError<T> {}
