//! [`task_local!`](crate::task_local) and [`LocalKey`]: a value that each
//! task (or each future) sees as its own.
//!
//! A task-local value is a `thread_local!` slot that a scope fills only
//! while its future is being polled: [`LocalKey::scope`] swaps its value
//! into the slot before each poll of the inner future and swaps it back out
//! after, so the value travels with the future, and two tasks that
//! interleave on the one thread each see their own. A guard swaps back
//! even when the poll panics.
//!
//! ```text
//!   poll(TaskLocalFuture)         slot (thread-local)    the future's own
//!     swap in ─────────────────▶  Some(value)            None
//!     inner.poll(cx)              (with/get read it)
//!     swap out (guard's Drop) ◀── previous value         Some(value)
//! ```

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local values (tokio's `tokio::task_local!`): each one a
/// `static` [`LocalKey`], set for a future by [`LocalKey::scope`] or for a
/// closure by [`LocalKey::sync_scope`].
///
/// # Examples
///
/// ```
/// evloop::task_local! {
///     static REQUEST_ID: u32;
///     pub static USER: String;
/// }
///
/// evloop::block_on(async {
///     REQUEST_ID
///         .scope(7, async {
///             assert_eq!(REQUEST_ID.get(), 7);
///         })
///         .await;
///     USER.sync_scope("ada".to_owned(), || USER.with(|user| assert_eq!(user, "ada")));
/// });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of [`task_local!`]: a `thread_local!` slot wrapped in a
/// [`LocalKey`](crate::task::LocalKey). Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_inner {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __EVLOOP_TASK_LOCAL: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey {
                inner: __EVLOOP_TASK_LOCAL,
            }
        };
    };
}

/// A key for task-local values, made by [`task_local!`](crate::task_local)
/// (tokio's `tokio::task::LocalKey`).
///
/// The value is there only inside a scope: [`scope`](LocalKey::scope) for
/// a future (set during each of its polls), [`sync_scope`](LocalKey::sync_scope)
/// for a closure. [`with`](LocalKey::with), [`try_with`](LocalKey::try_with)
/// and [`get`](LocalKey::get) read it.
///
/// # Examples
///
/// ```
/// evloop::task_local! {
///     static DEPTH: usize;
/// }
///
/// evloop::block_on(async {
///     assert!(DEPTH.try_with(|_| ()).is_err(), "no scope yet");
///     DEPTH.scope(1, async { assert_eq!(DEPTH.get(), 1) }).await;
/// });
/// ```
pub struct LocalKey<T: 'static> {
    /// The thread's slot; `Some` only inside a scope. Public for the macro
    /// only.
    #[doc(hidden)]
    pub inner: std::thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// Wraps `future` so that this key holds `value` while it is polled.
    /// Between polls (when other tasks run) the value is kept in the
    /// returned future and the outer value, if any, is back in place.
    ///
    /// The inner future is dropped inside the scope too, so its
    /// destructors see the value.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::task_local! {
    ///     static NAME: &'static str;
    /// }
    ///
    /// evloop::block_on(async {
    ///     let a = evloop::spawn(NAME.scope("a", async {
    ///         evloop::task::yield_now().await; // b runs meanwhile
    ///         NAME.get()
    ///     }));
    ///     let b = evloop::spawn(NAME.scope("b", async { NAME.get() }));
    ///     assert_eq!((a.await.unwrap(), b.await.unwrap()), ("a", "b"));
    /// });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Runs `f` with this key holding `value`, then puts back what it held
    /// before (even if `f` panics).
    ///
    /// # Panics
    ///
    /// If called inside [`with`](LocalKey::with) of the same key, whose
    /// borrow the swap would break.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::task_local! {
    ///     static LEVEL: u8;
    /// }
    ///
    /// let seen = LEVEL.sync_scope(1, || {
    ///     let inner = LEVEL.sync_scope(2, || LEVEL.get());
    ///     (inner, LEVEL.get())
    /// });
    /// assert_eq!(seen, (2, 1));
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        let _entered = self.enter(&mut slot);
        f()
    }

    /// Swaps `slot` into the thread's slot until the guard drops.
    #[track_caller]
    fn enter<'a>(&'static self, slot: &'a mut Option<T>) -> Entered<'a, T> {
        if let Err(error) = self.swap(slot) {
            panic!("{error}");
        }
        Entered { key: self, slot }
    }

    /// Exchanges `slot` with the thread's slot.
    fn swap(&'static self, slot: &mut Option<T>) -> Result<(), ScopeError> {
        self.inner
            .try_with(|cell| {
                let mut held = cell.try_borrow_mut().map_err(|_| ScopeError::Borrowed)?;
                std::mem::swap(&mut *held, slot);
                Ok(())
            })
            .map_err(|_| ScopeError::Destroyed)?
    }

    /// Runs `f` with a reference to the value.
    ///
    /// # Panics
    ///
    /// Outside a scope of this key, with a message naming the fix;
    /// [`try_with`](LocalKey::try_with) says so with an error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::task_local! {
    ///     static NAMES: Vec<&'static str>;
    /// }
    ///
    /// let count = NAMES.sync_scope(vec!["a", "b"], || NAMES.with(|names| names.len()));
    /// assert_eq!(count, 2);
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(result) => result,
            Err(_) => panic!(
                "task-local value read outside its scope: set it for a future \
                 with `LocalKey::scope(value, future)` (or for a closure with \
                 `LocalKey::sync_scope`) and read it inside"
            ),
        }
    }

    /// Runs `f` with a reference to the value, or gives an [`AccessError`]
    /// if no scope of this key is running (or the thread is being torn
    /// down).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::task_local! {
    ///     static ANSWER: u32;
    /// }
    ///
    /// assert!(ANSWER.try_with(|v| *v).is_err());
    /// assert_eq!(ANSWER.sync_scope(42, || ANSWER.try_with(|v| *v)), Ok(42));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        self.inner
            .try_with(|cell| {
                // A scope's swap never runs while `f` does, unless `f`
                // enters a scope of this very key, which `enter` reports.
                let held = cell.borrow();
                held.as_ref().map(f).ok_or(AccessError { _private: () })
            })
            .unwrap_or(Err(AccessError { _private: () }))
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value.
    ///
    /// # Panics
    ///
    /// Outside a scope of this key, like [`with`](LocalKey::with).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::task_local! {
    ///     static ID: u64;
    /// }
    ///
    /// assert_eq!(ID.sync_scope(9, || ID.get()), 9);
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A clone of the value, or an [`AccessError`] outside a scope.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::task_local! {
    ///     static ID: u64;
    /// }
    ///
    /// assert!(ID.try_get().is_err());
    /// assert_eq!(ID.sync_scope(9, || ID.try_get()), Ok(9));
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKey { .. }")
    }
}

/// Puts back the outer value when a scope ends, however it ends.
struct Entered<'a, T: 'static> {
    key: &'static LocalKey<T>,
    /// Where the scope's value goes back to (and the outer value came from).
    slot: &'a mut Option<T>,
}

impl<T: 'static> Drop for Entered<'_, T> {
    fn drop(&mut self) {
        // Only a thread being torn down can make this fail; then there is
        // no slot left to restore.
        let _ = self.key.swap(self.slot);
    }
}

/// Why a scope could not be entered.
#[derive(Debug)]
enum ScopeError {
    /// Inside `with` of the same key.
    Borrowed,
    /// The thread's slot is gone (the thread is being torn down).
    Destroyed,
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeError::Borrowed => f.write_str(
                "cannot enter a task-local scope inside `LocalKey::with` of the same key: \
                 end the `with` closure first",
            ),
            ScopeError::Destroyed => {
                f.write_str("cannot enter a task-local scope while the thread is being torn down")
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A future with a task-local value: the key holds the value while
    /// the inner future is polled (made by [`LocalKey::scope`]; tokio's
    /// `tokio::task::futures::TaskLocalFuture`).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::task::futures::TaskLocalFuture;
    ///
    /// evloop::task_local! {
    ///     static N: u8;
    /// }
    ///
    /// evloop::block_on(async {
    ///     let future: TaskLocalFuture<u8, _> = N.scope(3, async { N.get() });
    ///     assert_eq!(future.await, 3);
    /// });
    /// ```
    #[must_use = "futures do nothing unless you `.await` them"]
    pub struct TaskLocalFuture<T: 'static, F> {
        key: &'static LocalKey<T>,
        // The value while the future is not being polled; the outer
        // value (or `None`) while it is.
        slot: Option<T>,
        // `None` once it finished (dropped inside the scope).
        #[pin]
        future: Option<F>,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_some() {
                // The inner future's destructors run inside the scope, as
                // its polls did; if the slot cannot be entered, they run
                // without it.
                let key: &'static LocalKey<T> = this.key;
                let mut future = this.future;
                match key.swap(this.slot) {
                    Ok(()) => {
                        let _entered = Entered { key, slot: this.slot };
                        future.set(None);
                    }
                    Err(_) => future.set(None),
                }
            }
        }
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let key: &'static LocalKey<T> = this.key;
        let _entered = key.enter(this.slot);
        let mut future = this.future;
        let Some(inner) = future.as_mut().as_pin_mut() else {
            panic!("`TaskLocalFuture` polled after it completed");
        };
        let poll = inner.poll(cx);
        if poll.is_ready() {
            // Dropped inside the scope, like a drop before completion.
            future.set(None);
        }
        poll
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture").finish_non_exhaustive()
    }
}

/// A task-local value was read outside its scope (tokio's
/// `tokio::task::AccessError`).
///
/// # Examples
///
/// ```
/// evloop::task_local! {
///     static V: u8;
/// }
///
/// let error = V.try_with(|_| ()).unwrap_err();
/// assert_eq!(error.to_string(), "task-local value not set");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessError")
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl std::error::Error for AccessError {}
