//! [`JoinError`]: why a task gave no output.

use std::any::Any;
use std::fmt;
use std::sync::Mutex;

/// A task did not produce its output: it was cancelled, or it panicked.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let err = evloop::spawn(async { panic!("boom") }).await.unwrap_err();
///     assert!(err.is_panic());
///     assert_eq!(err.to_string(), "task panicked: boom");
///     let payload = err.into_panic();
///     assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
/// });
/// ```
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    /// The mutex only makes the `Send` payload `Sync`, so that a JoinError
    /// fits in `Box<dyn Error + Send + Sync>`; it is never contended. Boxed,
    /// so that a JoinError is one word: every task's join cell has room
    /// for one, and panics are rare.
    Panic(Box<Mutex<Box<dyn Any + Send>>>),
}

impl JoinError {
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send>) -> JoinError {
        JoinError {
            repr: Repr::Panic(Box::new(Mutex::new(payload))),
        }
    }

    /// The task was cancelled: aborted, or dropped with its runtime.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic's payload, to inspect it or pass it to
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// Panics if the task was cancelled; check [`is_panic`](Self::is_panic)
    /// or use [`try_into_panic`](Self::try_into_panic).
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(_) => panic!("JoinError::into_panic called on a cancelled task's error"),
        }
    }

    /// The panic's payload, or the error back if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send>, JoinError> {
        match self.repr {
            Repr::Panic(payload) => Ok((*payload)
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)),
            Repr::Cancelled => Err(self),
        }
    }

    fn panic_message(&self) -> Option<String> {
        let Repr::Panic(payload) = &self.repr else {
            return None;
        };
        let payload = payload
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(s) = payload.downcast_ref::<&str>() {
            Some((*s).to_owned())
        } else {
            payload.downcast_ref::<String>().cloned()
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => f.write_str("task was cancelled"),
            (Repr::Panic(_), Some(message)) => write!(f, "task panicked: {message}"),
            (Repr::Panic(_), None) => f.write_str("task panicked"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => f.write_str("JoinError::Cancelled"),
            (Repr::Panic(_), Some(message)) => write!(f, "JoinError::Panic({message:?})"),
            (Repr::Panic(_), None) => f.write_str("JoinError::Panic(..)"),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(error: JoinError) -> std::io::Error {
        std::io::Error::other(error)
    }
}
