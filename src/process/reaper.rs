//! Reaping children without a thread per child: one `SIGCHLD` listener per
//! runtime, and a process-wide list of orphans.
//!
//! The kernel keeps an exited child as a zombie until its parent collects
//! the exit status with `waitpid`. A blocking `waitpid` would stop the
//! loop, and a thread per child would be wasteful, so evloop waits for the
//! kernel's `SIGCHLD` instead, which arrives through the signal module's
//! self-pipe like any other signal. The first child spawned on a runtime
//! starts a small task, the runtime's reaper, that turns each `SIGCHLD`
//! into a [`Notify::notify_waiters`]: every `Child::wait` parked on it
//! wakes and asks for its own child with `waitpid(WNOHANG)` (std's
//! `Child::try_wait`).
//!
//! Signals coalesce: two children that exit close together may produce one
//! `SIGCHLD`. That is why the reaper wakes *every* waiter, never "the one
//! child that exited": each checks its own pid, and those still running
//! wait again. The cost is one `waitpid` per waiting child per `SIGCHLD`.
//!
//! A `Child` dropped before it was reaped (without `kill_on_drop` it runs
//! on) goes to [`ORPHANS`]; every `SIGCHLD` seen by any runtime's reaper,
//! and every spawn, tries to reap the orphans, so none stays a zombie for
//! longer than until the next child event of the process.

use std::cell::RefCell;
use std::process::Child as StdChild;
use std::rc::{Rc, Weak};
use std::sync::{Mutex, PoisonError};

use crate::runtime::context;
use crate::signal::{signal, SignalKind};
use crate::sync::Notify;

/// Children dropped before they were reaped. Process-wide, because a pid
/// is: an orphan from a runtime that is gone is reaped by another one.
static ORPHANS: Mutex<Vec<StdChild>> = Mutex::new(Vec::new());

thread_local! {
    /// Each runtime's reaper on this thread, by runtime id. Weak: the
    /// reaper task owns its reaper and dies with its runtime.
    static REAPERS: RefCell<Vec<(u64, Weak<Reaper>)>> = const { RefCell::new(Vec::new()) };
}

/// One runtime's `SIGCHLD` listener, as the waiting children see it.
#[derive(Debug)]
pub(crate) struct Reaper {
    /// Notified once per `SIGCHLD` delivery (or several coalesced ones).
    child_events: Notify,
}

impl Reaper {
    /// The running runtime's reaper, started on first use. `SIGCHLD` is
    /// listened for from here on, so a child spawned after this call
    /// cannot exit unseen.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming `what`.
    #[track_caller]
    pub(crate) fn current(what: &str) -> std::io::Result<Rc<Reaper>> {
        let runtime = context::expect_current(what).id;
        let found = REAPERS.with(|reapers| {
            let mut reapers = reapers.borrow_mut();
            // Forget the reapers of dropped runtimes while we are here.
            reapers.retain(|(_, reaper)| reaper.strong_count() > 0);
            reapers
                .iter()
                .find(|(id, _)| *id == runtime)
                .and_then(|(_, reaper)| reaper.upgrade())
        });
        if let Some(reaper) = found {
            return Ok(reaper);
        }
        let reaper = Reaper::start()?;
        REAPERS.with(|reapers| reapers.borrow_mut().push((runtime, Rc::downgrade(&reaper))));
        Ok(reaper)
    }

    /// Installs the `SIGCHLD` listener and spawns the task that serves it.
    fn start() -> std::io::Result<Rc<Reaper>> {
        let mut sigchld = signal(SignalKind::from_raw(signal_hook::consts::SIGCHLD))?;
        let reaper = Rc::new(Reaper {
            child_events: Notify::new(),
        });
        let owned = reaper.clone();
        // Detached: it lives as long as its runtime, which drops it (and
        // with it the signal action) on shutdown.
        drop(
            crate::task::Builder::new()
                .name("evloop::process reaper")
                .spawn(async move {
                    while sigchld.recv().await.is_some() {
                        reap_orphans();
                        owned.child_events.notify_waiters();
                    }
                }),
        );
        Ok(reaper)
    }

    /// The next child event. Create it *before* checking a child, then
    /// await it if the child still runs: an exit between the check and the
    /// await still completes it (Notify counts `notify_waiters` calls).
    pub(crate) fn child_event(&self) -> crate::sync::Notified<'_> {
        self.child_events.notified()
    }
}

/// Hands an unreaped child to whichever reaper sees the next `SIGCHLD`.
pub(crate) fn adopt_orphan(mut child: StdChild) {
    // Most often it has exited already: reap it now and keep no list entry.
    if let Ok(None) = child.try_wait() {
        lock_orphans().push(child);
    }
}

/// Reaps every orphan that has exited. An error means the pid is no
/// longer our child (someone else reaped it): forget it too.
pub(crate) fn reap_orphans() {
    lock_orphans().retain_mut(|child| matches!(child.try_wait(), Ok(None)));
}

fn lock_orphans() -> std::sync::MutexGuard<'static, Vec<StdChild>> {
    // Nothing panics while holding the lock; never poisoned in practice.
    ORPHANS.lock().unwrap_or_else(PoisonError::into_inner)
}
