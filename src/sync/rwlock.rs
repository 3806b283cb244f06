//! [`RwLock`]: many readers or one writer, handed out first come, first
//! served, with guards that may be held across `.await`.
//!
//! Like tokio's, it is a [`Semaphore`] of `max_readers` permits: a reader
//! takes one, a writer takes them all. The semaphore's FIFO queue makes it
//! fair: a waiting writer is not overtaken by readers that come after it,
//! so a stream of readers cannot starve it.
//!
//! The value lives in an `Rc<T>` inside a `RefCell`. Borrowed guards hold
//! a `RefCell` borrow; an owned read guard holds a clone of the `Rc` (it
//! cannot borrow from the lock it owns without `unsafe`); a writer reaches
//! `&mut T` through `Rc::get_mut`, which succeeds because the permits prove
//! that no reader holds a clone. One allocation for the value, made once.
//!
//! Local (`!Send`): every task of a runtime runs on its thread, so no
//! atomics are needed.

use std::cell::{Ref, RefCell, RefMut};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use super::semaphore::Acquire;
use super::{Semaphore, SemaphorePermit, TryLockError};

/// An async reader-writer lock for the tasks of one runtime.
///
/// [`read`](RwLock::read) waits for shared access, [`write`](RwLock::write)
/// for exclusive access; dropping the guard releases it. Waiters are served
/// in the order they asked.
///
/// `!Send` and `!Sync`, like the guards:
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// must_be_send(evloop::sync::RwLock::new(0));
/// ```
///
/// # Examples
///
/// ```
/// use evloop::sync::RwLock;
///
/// evloop::block_on(async {
///     let lock = RwLock::new(5);
///     {
///         let (r1, r2) = (lock.read().await, lock.read().await);
///         assert_eq!(*r1 + *r2, 10); // readers share
///     }
///     *lock.write().await += 1;
///     assert_eq!(*lock.read().await, 6);
/// });
/// ```
pub struct RwLock<T> {
    /// `max_readers` permits: a reader holds one, a writer all. Never closed.
    sem: Semaphore,
    /// How many permits a writer takes.
    max_readers: u32,
    /// The value; `None` only while an [`OwnedRwLockWriteGuard`] has
    /// carried it out (it holds every permit then, so nobody looks).
    value: RefCell<Option<Rc<T>>>,
}

/// The value is in its slot whenever a guard holds permits, except during
/// an owned write, which holds them all.
const IN_SLOT: &str = "permits are held, so the value is in its slot";
/// A writer holds every permit, so no reader holds a clone of the value.
const NO_READERS: &str = "a writer holds every permit, so no reader shares the value";

impl<T> RwLock<T> {
    /// The most readers a lock admits at once (tokio's bound), and the
    /// default of [`new`](RwLock::new).
    pub const MAX_READS: u32 = u32::MAX >> 3;

    /// A new, unlocked lock holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new("value");
    /// assert_eq!(*lock.try_read().unwrap(), "value");
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, Self::MAX_READS)
    }

    /// A lock that admits at most `max_readers` readers at once; more wait.
    ///
    /// # Panics
    ///
    /// If `max_readers` is 0 or exceeds [`RwLock::MAX_READS`].
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::with_max_readers(0, 1);
    /// let _reader = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    pub fn with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        assert!(
            max_readers > 0 && max_readers <= Self::MAX_READS,
            "an RwLock admits between 1 and RwLock::MAX_READS readers"
        );
        RwLock {
            sem: Semaphore::new(max_readers as usize),
            max_readers,
            value: RefCell::new(Some(Rc::new(value))),
        }
    }

    /// Waits for shared access.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue, and a permit it
    /// had just been handed goes on to the next waiter: nobody is left
    /// waiting behind a reader that is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let lock = evloop::sync::RwLock::new(1);
    ///     assert_eq!(*lock.read().await, 1);
    /// });
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        let Ok(permit) = self.sem.acquire().await else {
            unreachable!("an RwLock never closes its semaphore")
        };
        self.read_guard(permit)
    }

    /// Takes shared access if no writer holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(1);
    /// let writer = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// drop(writer);
    /// assert!(lock.try_read().is_ok());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire() {
            Ok(permit) => Ok(self.read_guard(permit)),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Waits for exclusive access.
    ///
    /// # Cancel safety
    ///
    /// As for [`read`](RwLock::read).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let lock = evloop::sync::RwLock::new(vec![1]);
    ///     lock.write().await.push(2);
    ///     assert_eq!(*lock.read().await, [1, 2]);
    /// });
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        let Ok(permit) = self.sem.acquire_many(self.max_readers).await else {
            unreachable!("an RwLock never closes its semaphore")
        };
        self.write_guard(permit)
    }

    /// Takes exclusive access if nobody holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(1);
    /// let reader = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// drop(reader);
    /// *lock.try_write().unwrap() = 2;
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire_many(self.max_readers) {
            Ok(permit) => Ok(self.write_guard(permit)),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Waits for shared access to a shared lock and returns a guard that
    /// owns the `Rc`, so it can move into another task.
    ///
    /// # Cancel safety
    ///
    /// As for [`read`](RwLock::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// evloop::block_on(async {
    ///     let lock = Rc::new(evloop::sync::RwLock::new(3));
    ///     let reader = lock.clone().read_owned().await;
    ///     let task = evloop::spawn(async move { *reader * 2 });
    ///     assert_eq!(task.await.unwrap(), 6);
    /// });
    /// ```
    pub async fn read_owned(self: Rc<Self>) -> OwnedRwLockReadGuard<T> {
        if Acquire::new(&self.sem, 1).await.is_err() {
            unreachable!("an RwLock never closes its semaphore");
        }
        let value = Rc::clone(self.value.borrow().as_ref().expect(IN_SLOT));
        OwnedRwLockReadGuard {
            value,
            release: Release {
                lock: self,
                permits: 1,
            },
        }
    }

    /// Waits for exclusive access to a shared lock and returns a guard that
    /// owns the `Rc`.
    ///
    /// # Cancel safety
    ///
    /// As for [`read`](RwLock::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// evloop::block_on(async {
    ///     let lock = Rc::new(evloop::sync::RwLock::new(3));
    ///     let mut writer = lock.clone().write_owned().await;
    ///     evloop::spawn(async move { *writer += 1 }).await.unwrap();
    ///     assert_eq!(*lock.read().await, 4);
    /// });
    /// ```
    pub async fn write_owned(self: Rc<Self>) -> OwnedRwLockWriteGuard<T> {
        let permits = self.max_readers;
        if Acquire::new(&self.sem, permits as usize).await.is_err() {
            unreachable!("an RwLock never closes its semaphore");
        }
        let value = self.value.borrow_mut().take();
        OwnedRwLockWriteGuard {
            value,
            release: Release {
                lock: self,
                permits,
            },
        }
    }

    /// [`try_read`](RwLock::try_read) for a shared lock, returning an
    /// owned guard.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let lock = Rc::new(evloop::sync::RwLock::new(1));
    /// let reader = lock.clone().try_read_owned().unwrap();
    /// assert!(lock.try_write().is_err());
    /// drop(reader);
    /// ```
    pub fn try_read_owned(self: Rc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        if self.sem.try_take(1).is_err() {
            return Err(TryLockError(()));
        }
        let value = Rc::clone(self.value.borrow().as_ref().expect(IN_SLOT));
        Ok(OwnedRwLockReadGuard {
            value,
            release: Release {
                lock: self,
                permits: 1,
            },
        })
    }

    /// [`try_write`](RwLock::try_write) for a shared lock, returning an
    /// owned guard.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let lock = Rc::new(evloop::sync::RwLock::new(1));
    /// *lock.clone().try_write_owned().unwrap() = 2;
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn try_write_owned(self: Rc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        let permits = self.max_readers;
        if self.sem.try_take(permits as usize).is_err() {
            return Err(TryLockError(()));
        }
        let value = self.value.borrow_mut().take();
        Ok(OwnedRwLockWriteGuard {
            value,
            release: Release {
                lock: self,
                permits,
            },
        })
    }

    /// The value, through exclusive access: no locking needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = evloop::sync::RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // `&mut self` proves that no guard exists (owned ones hold an `Rc`
        // of the lock), so neither permits nor clones of the value are out.
        let slot = self.value.get_mut().as_mut().expect(IN_SLOT);
        Rc::get_mut(slot).expect(NO_READERS)
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(String::from("v"));
    /// assert_eq!(lock.into_inner(), "v");
    /// ```
    pub fn into_inner(self) -> T {
        let shared = self.value.into_inner().expect(IN_SLOT);
        Rc::try_unwrap(shared).ok().expect(NO_READERS)
    }

    /// The guard for a taken read permit.
    fn read_guard<'a>(&'a self, permit: SemaphorePermit<'a>) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            value: Ref::map(self.value.borrow(), |slot| &**slot.as_ref().expect(IN_SLOT)),
            _permit: permit,
        }
    }

    /// The guard for taken write permits.
    fn write_guard<'a>(&'a self, permit: SemaphorePermit<'a>) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            value: RefMut::map(self.value.borrow_mut(), |slot| {
                Rc::get_mut(slot.as_mut().expect(IN_SLOT)).expect(NO_READERS)
            }),
            permit,
            lock: self,
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.field("max_readers", &self.max_readers).finish()
    }
}

/// Shared access to an [`RwLock`], from [`read`](RwLock::read) or
/// [`try_read`](RwLock::try_read); dropping it releases.
///
/// ```
/// let lock = evloop::sync::RwLock::new(vec![1, 2]);
/// let guard = lock.try_read().unwrap();
/// assert_eq!(guard.len(), 2);
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockReadGuard<'a, T> {
    /// The shared borrow; declared first, so it ends before the permit
    /// goes back (fields drop in declaration order).
    value: Ref<'a, T>,
    /// The reader's permit.
    _permit: SemaphorePermit<'a>,
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}

/// Exclusive access to an [`RwLock`], from [`write`](RwLock::write) or
/// [`try_write`](RwLock::try_write); dropping it releases.
///
/// ```
/// let lock = evloop::sync::RwLock::new(vec![1]);
/// lock.try_write().unwrap().push(2);
/// assert_eq!(lock.into_inner(), [1, 2]);
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct RwLockWriteGuard<'a, T> {
    /// The exclusive borrow; declared first, so it ends before the
    /// permits go back.
    value: RefMut<'a, T>,
    /// Every permit of the lock.
    permit: SemaphorePermit<'a>,
    /// For [`downgrade`](RwLockWriteGuard::downgrade).
    lock: &'a RwLock<T>,
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    /// Turns exclusive access into shared access without letting a writer
    /// in between: readers waiting (and not queued behind a writer) come
    /// in at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(1);
    /// let mut writer = lock.try_write().unwrap();
    /// *writer = 2;
    /// let reader = writer.downgrade();
    /// assert_eq!(*reader, 2);
    /// assert!(lock.try_read().is_ok()); // others may read now
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let RwLockWriteGuard {
            value,
            mut permit,
            lock,
        } = self;
        drop(value); // the exclusive borrow ends before readers may come
        let reader = permit.split(1).expect("a writer holds at least one permit");
        drop(permit); // the other permits go back, to the waiting readers
        lock.read_guard(reader)
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}

/// Gives an owned guard's permits back when dropped; the last field of
/// each owned guard, so it runs after the guard has let go of the value.
struct Release<T> {
    /// The lock the permits belong to.
    lock: Rc<RwLock<T>>,
    /// 1 for a reader, `max_readers` for a writer.
    permits: u32,
}

impl<T> Drop for Release<T> {
    fn drop(&mut self) {
        self.lock.sem.add_permits(self.permits as usize);
    }
}

/// Shared access to an `Rc<RwLock<T>>`, from
/// [`read_owned`](RwLock::read_owned): no lifetime, so it can move into a
/// spawned task.
///
/// ```
/// use std::rc::Rc;
///
/// evloop::block_on(async {
///     let lock = Rc::new(evloop::sync::RwLock::new(1));
///     let reader = lock.clone().read_owned().await;
///     assert!(Rc::ptr_eq(reader.rwlock(), &lock));
///     assert_eq!(*reader, 1);
/// });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedRwLockReadGuard<T> {
    /// A clone of the value's `Rc`; dropped before the permit goes back,
    /// so a writer finds the value unshared.
    value: Rc<T>,
    /// The reader's permit.
    release: Release<T>,
}

impl<T> OwnedRwLockReadGuard<T> {
    /// The lock this guard reads.
    pub fn rwlock(&self) -> &Rc<RwLock<T>> {
        &self.release.lock
    }
}

impl<T> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}

/// Exclusive access to an `Rc<RwLock<T>>`, from
/// [`write_owned`](RwLock::write_owned). It carries the value out of the
/// lock while it lives and puts it back when dropped.
///
/// ```
/// use std::rc::Rc;
///
/// evloop::block_on(async {
///     let lock = Rc::new(evloop::sync::RwLock::new(1));
///     let mut writer = lock.clone().write_owned().await;
///     *writer = 2;
///     assert!(Rc::ptr_eq(writer.rwlock(), &lock));
///     drop(writer);
///     assert_eq!(*lock.read().await, 2);
/// });
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct OwnedRwLockWriteGuard<T> {
    /// The value, out of its slot; `None` only inside `drop`.
    value: Option<Rc<T>>,
    /// Every permit of the lock; released after `drop` has put the value
    /// back.
    release: Release<T>,
}

impl<T> OwnedRwLockWriteGuard<T> {
    /// The lock this guard writes.
    pub fn rwlock(&self) -> &Rc<RwLock<T>> {
        &self.release.lock
    }
}

impl<T> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_ref().expect(IN_SLOT)
    }
}

impl<T> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        Rc::get_mut(self.value.as_mut().expect(IN_SLOT)).expect(NO_READERS)
    }
}

impl<T> OwnedRwLockWriteGuard<T> {
    /// Turns exclusive access into shared access without letting a writer
    /// in between; see [`RwLockWriteGuard::downgrade`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let lock = Rc::new(evloop::sync::RwLock::new(1));
    /// let mut writer = lock.clone().try_write_owned().unwrap();
    /// *writer = 2;
    /// let reader = writer.downgrade();
    /// assert_eq!(*reader, 2);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn downgrade(mut self) -> OwnedRwLockReadGuard<T> {
        let value = self.value.take().expect(IN_SLOT);
        let lock = Rc::clone(&self.release.lock);
        *lock.value.borrow_mut() = Some(Rc::clone(&value));
        // Keep one permit for the reader; dropping `self` gives back the rest.
        self.release.permits -= 1;
        drop(self);
        OwnedRwLockReadGuard {
            value,
            release: Release { lock, permits: 1 },
        }
    }
}

impl<T> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        // `None` after `downgrade`, which has put the value back itself.
        if let Some(value) = self.value.take() {
            *self.release.lock.value.borrow_mut() = Some(value);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_readers_let_a_writer_in_once_all_are_gone() {
        let lock = Rc::new(RwLock::new(1));
        let r1 = Rc::clone(&lock);
        let a = read_now(&r1);
        let b = read_now(&lock);
        assert!(lock.try_write().is_err());
        drop(a);
        assert!(lock.try_write().is_err());
        drop(b);
        *lock.try_write().unwrap() = 2;
        assert_eq!(*lock.try_read().unwrap(), 2);
    }

    /// An owned read guard taken without a runtime (the lock is free).
    fn read_now(lock: &Rc<RwLock<i32>>) -> OwnedRwLockReadGuard<i32> {
        let mut fut = Box::pin(Rc::clone(lock).read_owned());
        let waker = futures_task::noop_waker();
        match std::future::Future::poll(fut.as_mut(), &mut std::task::Context::from_waker(&waker)) {
            std::task::Poll::Ready(guard) => guard,
            std::task::Poll::Pending => panic!("a free lock is read at once"),
        }
    }

    #[test]
    fn debug_shows_a_written_lock_as_locked() {
        let lock = RwLock::with_max_readers(1, 4);
        assert_eq!(format!("{lock:?}"), "RwLock { data: 1, max_readers: 4 }");
        let _w = lock.try_write().unwrap();
        assert_eq!(
            format!("{lock:?}"),
            "RwLock { data: <locked>, max_readers: 4 }"
        );
    }
}
