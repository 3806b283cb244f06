//! [`sleep`], [`sleep_until`] and the [`Sleep`] future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;
use super::{target::Target, wheel::TimerKey};
use crate::runtime::context;
use crate::runtime::diagnostics::WaitingOn;
use crate::runtime::scheduler::Core;

/// Waits until `duration` has passed on the runtime's clock.
///
/// The timer is exact: it fires at the first loop wake-up at or after the
/// deadline, never before (the OS wait is rounded up to whole milliseconds,
/// so it may be up to that much late). `Duration::MAX` sleeps for about
/// 30 years instead of overflowing.
///
/// # Panics
///
/// When polled outside an evloop runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::block_on(async {
///     let start = evloop::time::Instant::now();
///     evloop::time::sleep(Duration::from_millis(5)).await;
///     assert!(start.elapsed() >= Duration::from_millis(5));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now().saturating_add(duration))
}

/// Waits until `deadline` on the runtime's clock; at once if it has passed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time::{sleep_until, Instant};
///
/// evloop::block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(2);
///     sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        registration: None,
    }
}

/// The future [`sleep`] and [`sleep_until`] return.
///
/// It registers its timer on its first pending poll, and dropping it
/// cancels the timer. Unlike tokio's, it is `Unpin`: it can be polled
/// through `&mut` without pinning.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    /// When it completes.
    deadline: Instant,
    /// Its timer, once registered: which runtime's store, and where.
    registration: Option<Registration>,
}

#[derive(Debug, Clone, Copy)]
struct Registration {
    runtime_id: u64,
    key: TimerKey,
}

impl Sleep {
    /// When the sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the deadline has passed on the runtime's clock.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline, earlier or later, even after the sleep
    /// completed; the next poll waits for the new deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::time::{sleep, Instant};
    ///
    /// evloop::block_on(async {
    ///     let mut nap = sleep(Duration::from_secs(3600));
    ///     nap.reset(Instant::now() + Duration::from_millis(1));
    ///     nap.await; // an hour became a millisecond
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        if let Some(registration) = self.registration.take() {
            let moved = context::with_home(registration.runtime_id, |core| {
                core.timers
                    .borrow_mut()
                    .reset(registration.key, deadline.into_std())
            });
            // Fired already, or not reachable from here: register anew on
            // the next poll.
            match moved {
                Some(key) => {
                    self.registration = key.map(|key| Registration {
                        key,
                        ..registration
                    })
                }
                None => registration.cancel_from_afar(),
            }
        }
    }

    /// Cancels the timer, in `core` if that is the runtime that holds it,
    /// else from afar.
    fn cancel_in(&mut self, core: &Core) {
        if let Some(registration) = self.registration.take() {
            if registration.runtime_id == core.id {
                core.timers.borrow_mut().cancel(registration.key);
            } else {
                registration.cancel_from_afar();
            }
        }
    }
}

impl Registration {
    /// Cancels this timer from outside its runtime's loop: the `Sleep`
    /// moved to another runtime, or is dropped where its own does not run.
    /// Its runtime cancels it at its next tick; left in place, the timer
    /// would keep a waker (and a wake-up) until its deadline, an hour
    /// later perhaps. Nothing to do if that runtime is gone.
    fn cancel_from_afar(self) {
        if let Some(shared) = crate::runtime::waker::shared_of(self.runtime_id) {
            shared.cancel_timer_remote(self.key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let core = context::expect_current("a timer (evloop::time)");
        let deadline = self.deadline.into_std();
        // The clock's latest reading is never ahead of it, so it is enough
        // to say "passed", and saves reading the clock again. A deadline it
        // misses is filed as due, and fires with the next timers the loop
        // hands out.
        if core.clock.latest() >= deadline {
            self.cancel_in(&core);
            return Poll::Ready(());
        }
        // Polled by its task directly, the timer can name the task instead
        // of keeping a waker (see `target.rs`).
        let own = core.own_task(cx.waker());
        let mut timers = core.timers.borrow_mut();
        let kept = match self.registration {
            Some(reg) if reg.runtime_id == core.id => match timers.target_mut(reg.key) {
                Some(target) => {
                    target.update(own, cx.waker());
                    true
                }
                None => false,
            },
            Some(elsewhere) => {
                // Moved here from another runtime: that one's timer goes.
                elsewhere.cancel_from_afar();
                false
            }
            None => false,
        };
        if !kept {
            let key = timers.insert(deadline, Target::for_poll(own, cx.waker()));
            self.registration = Some(Registration {
                runtime_id: core.id,
                key,
            });
        }
        drop(timers);
        core.note_waiting_on(WaitingOn::Timer(deadline));
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(registration) = self.registration {
            if context::with_current(|core| self.cancel_in(core)).is_none() {
                // No runtime runs here (after its `block_on`, another thread).
                registration.cancel_from_afar();
            }
        }
    }
}
