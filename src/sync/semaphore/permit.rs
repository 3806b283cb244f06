//! The permits a [`Semaphore`] hands out: borrowed and owned.

use std::rc::Rc;

use super::Semaphore;

/// Permits borrowed from a [`Semaphore`]; dropping it gives them back.
#[must_use = "dropping the permit releases it at once"]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    /// Where the permits go back to.
    pub(super) sem: &'a Semaphore,
    /// How many permits this holds.
    pub(super) permits: usize,
}

impl SemaphorePermit<'_> {
    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Moves `n` of the permits into a new permit; `None` (and nothing
    /// moved) if this holds fewer than `n`.
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(3);
    /// let mut three = sem.try_acquire_many(3).unwrap();
    /// let one = three.split(1).unwrap();
    /// assert_eq!((three.num_permits(), one.num_permits()), (2, 1));
    /// assert!(three.split(5).is_none());
    /// drop(three);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        self.permits = self.permits.checked_sub(n)?;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.sem.add_permits(self.permits);
        }
    }
}

/// Permits of an `Rc<Semaphore>`, from
/// [`acquire_owned`](Semaphore::acquire_owned); dropping it gives them back.
#[must_use = "dropping the permit releases it at once"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    /// Where the permits go back to; owning it lets the permit move into
    /// another task.
    pub(super) sem: Rc<Semaphore>,
    /// How many permits this holds.
    pub(super) permits: usize,
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Moves `n` of the permits into a new permit; `None` (and nothing
    /// moved) if this holds fewer than `n`.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let sem = Rc::new(evloop::sync::Semaphore::new(2));
    /// let mut two = sem.clone().try_acquire_many_owned(2).unwrap();
    /// let one = two.split(1).unwrap();
    /// assert_eq!((two.num_permits(), one.num_permits()), (1, 1));
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        self.permits = self.permits.checked_sub(n)?;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            permits: n,
        })
    }

    /// The semaphore the permits came from.
    pub fn semaphore(&self) -> &Rc<Semaphore> {
        &self.sem
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.sem.add_permits(self.permits);
        }
    }
}
