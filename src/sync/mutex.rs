//! [`Mutex`]: a lock whose guard may be held across `.await`, handed out
//! first come, first served.
//!
//! It is a [`Semaphore`] of one permit in front of the value. The semaphore
//! brings the queue of waiting lockers, its FIFO order and its cancel
//! safety; the value sits in a `RefCell`, whose borrow the guard holds, so
//! the borrow checker and not a line of `unsafe` proves that the guard is
//! the only way in.
//!
//! Local (`!Send`): the lock serialises tasks of one runtime, which all run
//! on one thread, so it needs no atomics; tokio's `Mutex` works across
//! threads and pays for it.

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use super::semaphore::Acquire;
use super::{Semaphore, SemaphorePermit};

/// An async mutex for the tasks of one runtime.
///
/// [`lock`](Mutex::lock) waits for the lock and returns a [`MutexGuard`];
/// dropping the guard unlocks. Unlike `std::sync::Mutex`, the guard may be
/// held across an `.await`: other tasks wanting the lock wait (they do not
/// block the thread) and get it in the order they asked. There is no
/// poisoning: a task that panics while holding the guard unlocks as the
/// guard drops.
///
/// `Mutex` is `!Send` and `!Sync` (a `RefCell` and a local semaphore
/// inside); so are its guards:
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// must_be_send(evloop::sync::Mutex::new(0));
/// ```
///
/// Unlike tokio's, `T` must be `Sized`: an
/// [`OwnedMutexGuard`] carries the value out of the mutex while it holds it.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::sync::Mutex;
///
/// evloop::block_on(async {
///     let count = Rc::new(Mutex::new(0));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let count = count.clone();
///             evloop::spawn(async move {
///                 let mut n = count.lock().await;
///                 evloop::task::yield_now().await; // still locked here
///                 *n += 1;
///             })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     assert_eq!(*count.lock().await, 3);
/// });
/// ```
pub struct Mutex<T> {
    /// One permit: whoever holds it holds the lock. Never closed.
    sem: Semaphore,
    /// The value; `None` only while an [`OwnedMutexGuard`] has carried it
    /// out (and then nobody else can reach the slot: the permit is taken).
    value: RefCell<Option<T>>,
}

/// [`Mutex::try_lock`] (or a `try_read`/`try_write` of an
/// [`RwLock`](crate::sync::RwLock)) found the lock taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

/// What a lock guard finds in the slot: the value, unless an owned guard
/// holds it, which the permit rules out.
const HELD_ELSEWHERE: &str = "a lock guard holds the permit, so the value is in its slot";

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::Mutex::new(5);
    /// assert_eq!(*lock.try_lock().unwrap(), 5);
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: Semaphore::new(1),
            value: RefCell::new(Some(value)),
        }
    }

    /// Waits for the lock; the guard unlocks when dropped.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue; if the lock had
    /// just been handed to it, it goes on to the next waiter, so nobody is
    /// left waiting for a lock that is free.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let lock = evloop::sync::Mutex::new(vec![1]);
    ///     lock.lock().await.push(2);
    ///     assert_eq!(*lock.lock().await, [1, 2]);
    /// });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        let Ok(permit) = self.sem.acquire().await else {
            unreachable!("a mutex never closes its semaphore")
        };
        self.guard(permit)
    }

    /// Takes the lock if it is free and nobody waits for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::Mutex::new(1);
    /// let guard = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_err());
    /// drop(guard);
    /// assert!(lock.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire() {
            Ok(permit) => Ok(self.guard(permit)),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The guard for a taken permit.
    fn guard<'a>(&'a self, permit: SemaphorePermit<'a>) -> MutexGuard<'a, T> {
        let value = RefMut::map(self.value.borrow_mut(), |v| {
            v.as_mut().expect(HELD_ELSEWHERE)
        });
        MutexGuard {
            value,
            _permit: permit,
            lock: self,
        }
    }

    /// Waits for the lock of a shared mutex and returns a guard that owns
    /// the `Rc`, so it can move into another task or outlive the borrow.
    ///
    /// # Cancel safety
    ///
    /// As for [`lock`](Mutex::lock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use evloop::sync::Mutex;
    ///
    /// evloop::block_on(async {
    ///     let lock = Rc::new(Mutex::new(0));
    ///     let mut guard = lock.clone().lock_owned().await;
    ///     evloop::spawn(async move { *guard += 1 }).await.unwrap();
    ///     assert_eq!(*lock.lock().await, 1);
    /// });
    /// ```
    pub async fn lock_owned(self: Rc<Self>) -> OwnedMutexGuard<T> {
        if Acquire::new(&self.sem, 1).await.is_err() {
            unreachable!("a mutex never closes its semaphore");
        }
        OwnedMutexGuard::new(self)
    }

    /// [`try_lock`](Mutex::try_lock) for a shared mutex, returning an
    /// owned guard.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let lock = Rc::new(evloop::sync::Mutex::new(1));
    /// let guard = lock.clone().try_lock_owned().unwrap();
    /// assert!(lock.try_lock().is_err());
    /// drop(guard);
    /// ```
    pub fn try_lock_owned(self: Rc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.sem.try_take(1) {
            Ok(()) => Ok(OwnedMutexGuard::new(self)),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through exclusive access: no locking needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = evloop::sync::Mutex::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // `&mut self` proves that no guard exists, borrowed or owned (an
        // owned guard holds an `Rc`, and `Rc` hands out no `&mut`).
        self.value.get_mut().as_mut().expect(HELD_ELSEWHERE)
    }

    /// Consumes the mutex and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::Mutex::new("value");
    /// assert_eq!(lock.into_inner(), "value");
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner().expect(HELD_ELSEWHERE)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// The lock of a [`Mutex`], from [`lock`](Mutex::lock) or
/// [`try_lock`](Mutex::try_lock): derefs to the value; dropping it unlocks.
///
/// ```
/// evloop::block_on(async {
///     let lock = evloop::sync::Mutex::new(String::from("a"));
///     let mut guard = lock.lock().await;
///     guard.push('b'); // DerefMut
///     assert_eq!(guard.len(), 2); // Deref
/// });
/// ```
#[must_use = "dropping the guard unlocks at once"]
pub struct MutexGuard<'a, T> {
    /// The borrow of the value. Declared first so it ends before the permit
    /// goes back: fields drop in declaration order.
    value: RefMut<'a, T>,
    /// The lock itself; dropping it wakes the next waiter.
    _permit: SemaphorePermit<'a>,
    /// For [`MutexGuard::mutex`].
    lock: &'a Mutex<T>,
}

impl<'a, T> MutexGuard<'a, T> {
    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::Mutex::new(0);
    /// let guard = lock.try_lock().unwrap();
    /// assert!(std::ptr::eq(evloop::sync::MutexGuard::mutex(&guard), &lock));
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}

impl<T: fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.value, f)
    }
}

/// The lock of an `Rc<Mutex<T>>`, from [`lock_owned`](Mutex::lock_owned):
/// it owns the `Rc`, so it has no lifetime and can move into a spawned task.
///
/// It holds the value itself while it lives (a guard cannot borrow from an
/// `Rc` it owns without `unsafe`) and puts it back when dropped.
///
/// ```
/// use std::rc::Rc;
///
/// evloop::block_on(async {
///     let lock = Rc::new(evloop::sync::Mutex::new(1));
///     let mut guard = lock.clone().lock_owned().await;
///     *guard += 1;
///     assert!(Rc::ptr_eq(guard.mutex(), &lock));
///     drop(guard);
///     assert_eq!(*lock.lock().await, 2);
/// });
/// ```
#[must_use = "dropping the guard unlocks at once"]
pub struct OwnedMutexGuard<T> {
    /// The value, carried out of the mutex; `None` only inside `drop`.
    value: Option<T>,
    /// The mutex, whose permit this guard holds.
    lock: Rc<Mutex<T>>,
}

impl<T> OwnedMutexGuard<T> {
    /// The guard for a mutex whose permit the caller has taken.
    fn new(lock: Rc<Mutex<T>>) -> Self {
        let value = lock.value.borrow_mut().take();
        OwnedMutexGuard { value, lock }
    }

    /// The mutex this guard locks.
    pub fn mutex(&self) -> &Rc<Mutex<T>> {
        &self.lock
    }
}

impl<T> Deref for OwnedMutexGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_ref().expect(HELD_ELSEWHERE)
    }
}

impl<T> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect(HELD_ELSEWHERE)
    }
}

impl<T> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        // Put the value back before the permit: the next locker finds it.
        *self.lock.value.borrow_mut() = self.value.take();
        self.lock.sem.add_permits(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owned_guard_puts_the_value_back() {
        let lock = Rc::new(Mutex::new(vec![1]));
        let mut guard = lock.clone().try_lock_owned().unwrap();
        guard.push(2);
        assert!(lock.try_lock().is_err());
        drop(guard);
        assert_eq!(*lock.try_lock().unwrap(), [1, 2]);
        assert_eq!(format!("{lock:?}"), "Mutex { data: [1, 2] }");
    }

    #[test]
    fn debug_shows_a_taken_lock_as_locked() {
        let lock = Mutex::new(1);
        let _guard = lock.try_lock().unwrap();
        assert_eq!(format!("{lock:?}"), "Mutex { data: <locked> }");
    }
}
