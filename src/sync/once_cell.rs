//! [`OnceCell`]: a value set once, by whichever task gets there first,
//! possibly through an async initialiser.
//!
//! The value lives in a `std::cell::OnceCell`, which hands out `&T` safely.
//! Who may initialise is decided by a [`Semaphore`] of one permit, as in
//! tokio: the holder runs its initialiser while the others queue. If the
//! holder fails or is cancelled its permit goes back and the next waiter
//! runs its own initialiser; once the value is set, the semaphore closes,
//! which wakes every waiter to find it.
//!
//! Local (`!Send`): initialisers are tasks of one runtime, on one thread.

use std::fmt;
use std::future::Future;

use super::{Semaphore, TryAcquireError};

/// A cell written once, then read through `&T`; concurrent
/// [`get_or_init`](OnceCell::get_or_init) callers run one initialiser at a
/// time, and only until one succeeds.
///
/// `!Send` and `!Sync`:
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// must_be_send(evloop::sync::OnceCell::<u8>::new());
/// ```
///
/// # Examples
///
/// ```
/// use evloop::sync::OnceCell;
///
/// evloop::block_on(async {
///     let config: OnceCell<String> = OnceCell::new();
///     let value = config.get_or_init(|| async { String::from("loaded") }).await;
///     assert_eq!(value, "loaded");
///     // Later callers get the stored value; their initialiser never runs.
///     let again = config.get_or_init(|| async { unreachable!() }).await;
///     assert_eq!(again, "loaded");
/// });
/// ```
pub struct OnceCell<T> {
    /// The value, once set.
    value: std::cell::OnceCell<T>,
    /// The right to initialise: one permit, closed once the value is set.
    init: Semaphore,
}

/// Why [`OnceCell::set`] did not store the value; it comes back inside.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// An initialiser is running now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell already held a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = evloop::sync::OnceCell::new_with(Some(1));
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether an initialiser was running.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// evloop::block_on(async {
    ///     let cell = Rc::new(evloop::sync::OnceCell::<u8>::new());
    ///     let initialiser = evloop::spawn({
    ///         let cell = cell.clone();
    ///         async move {
    ///             cell.get_or_init(std::future::pending).await; // never finishes
    ///         }
    ///     });
    ///     evloop::task::yield_now().await; // it starts initialising
    ///     assert!(cell.set(1).unwrap_err().is_initializing_err());
    ///     initialiser.abort();
    /// });
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = evloop::sync::OnceCell::<u8>::new();
    /// assert!(!cell.initialized());
    /// ```
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value: std::cell::OnceCell::new(),
            init: Semaphore::new(1),
        }
    }

    /// A cell holding `value` if it is `Some`, empty otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = evloop::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        let cell = OnceCell::new();
        if let Some(value) = value {
            cell.store(value);
        }
        cell
    }

    /// Whether the cell holds a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = evloop::sync::OnceCell::new();
    /// cell.set(1).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// The value, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = evloop::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set("v").unwrap();
    /// assert_eq!(cell.get(), Some(&"v"));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, if set, through exclusive access.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = evloop::sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Stores `value` unless the cell is set or an initialiser is running;
    /// the value comes back in the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::{OnceCell, SetError};
    ///
    /// let cell = OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.init.try_acquire() {
            Ok(permit) => {
                permit.forget();
                self.store(value);
                Ok(())
            }
            // Closed means set in the meantime; no permits, that someone
            // initialises (or waits to).
            Err(TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
            Err(TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
        }
    }

    /// The value, running `f` to make it if the cell is empty.
    ///
    /// If another caller is initialising, this waits for it: when it
    /// succeeds, this returns its value; if it is cancelled (or, for
    /// [`get_or_try_init`](OnceCell::get_or_try_init), fails), the oldest
    /// waiter runs its own `f`. So `f` runs only while nobody else's does.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops `f`'s future with it, and the right to
    /// initialise passes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let cell = evloop::sync::OnceCell::new();
    ///     let v = cell.get_or_init(|| async { 1 + 1 }).await;
    ///     assert_eq!(*v, 2);
    /// });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let result: Result<&T, std::convert::Infallible> =
            self.get_or_try_init(|| async { Ok(f().await) }).await;
        match result {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_init`](OnceCell::get_or_init) with an initialiser that
    /// may fail: an `Err` is returned to this caller, the cell stays empty
    /// and the next waiter runs its own initialiser.
    ///
    /// # Cancel safety
    ///
    /// As for [`get_or_init`](OnceCell::get_or_init).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let cell = evloop::sync::OnceCell::new();
    ///     let failed = cell.get_or_try_init(|| async { Err::<u8, _>("down") }).await;
    ///     assert_eq!(failed, Err("down"));
    ///     assert!(!cell.initialized());
    ///     let ok = cell.get_or_try_init(|| async { Ok::<u8, &str>(7) }).await;
    ///     assert_eq!(ok, Ok(&7));
    /// });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        let permit = match self.init.acquire().await {
            Ok(permit) => permit,
            // Closed: someone else's initialiser succeeded while we waited.
            Err(_) => return Ok(self.get().expect("closed only once set")),
        };
        // The permit is ours, so nobody else initialises; a `set` that
        // happened before we queued closed the semaphore and we saw it above.
        let value = f().await?;
        permit.forget();
        Ok(self.store(value))
    }

    /// Stores the first value and wakes every waiting initialiser to
    /// find it. The caller holds (or has forgotten) the permit.
    fn store(&self, value: T) -> &T {
        let stored = self.value.get_or_init(|| value);
        self.init.close();
        stored
    }

    /// Consumes the cell and returns its value, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = evloop::sync::OnceCell::new_with(Some("v"));
    /// assert_eq!(cell.into_inner(), Some("v"));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// Takes the value out, leaving the cell empty and ready to be set
    /// again.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = evloop::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(cell.set(2).is_ok());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        // `&mut self`: nobody waits or initialises, so a fresh cell is exact.
        std::mem::take(self).into_inner()
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell::new_with(Some(value))
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}
