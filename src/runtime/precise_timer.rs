//! Waking the loop on time, to the microsecond.
//!
//! `epoll_wait` takes its timeout in whole milliseconds, which mio rounds
//! up so that no timer fires early; the kernel then adds its timer slack
//! (50 µs for an ordinary thread). A 1 ms sleep came back about 100 µs
//! late that way. So on Linux the loop also arms a timerfd for the exact
//! wait, registered with the same epoll: the wait ends when it fires,
//! with no rounding and no slack, and the millisecond timeout stays behind
//! it as a backstop. It costs one `timerfd_settime` per wait that has a
//! timeout, which the `timer_fire` and `sleep_lateness` benchmarks measure
//! (docs/PERFORMANCE.md).
//!
//! A timerfd left armed by a wait that ended early (an event came first)
//! fires later into a wait that did not ask for it: one spare tick, which
//! the next arming overwrites anyway. Elsewhere than Linux there is no
//! timerfd, and waits keep mio's whole milliseconds.

use std::io;
use std::time::Duration;

use mio::{Interest, Registry, Token};

/// The token of the timerfd's readiness; never a slab index.
pub(crate) const TIMER_TOKEN: Token = Token(usize::MAX - 1);

/// The timerfd, registered with the runtime's poller.
#[cfg(target_os = "linux")]
pub(crate) struct PreciseTimer {
    fd: std::os::fd::OwnedFd,
}

#[cfg(target_os = "linux")]
impl PreciseTimer {
    /// A disarmed timerfd on the monotonic clock (the clock of
    /// `std::time::Instant`), registered with `registry`.
    pub(crate) fn new(registry: &Registry) -> io::Result<PreciseTimer> {
        use rustix::time::{timerfd_create, TimerfdClockId, TimerfdFlags};
        use std::os::fd::AsRawFd;

        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        registry.register(
            &mut mio::unix::SourceFd(&fd.as_raw_fd()),
            TIMER_TOKEN,
            Interest::READABLE,
        )?;
        Ok(PreciseTimer { fd })
    }

    /// Arms the timer to fire `wait` from now (a zero wait needs no timer),
    /// and returns the timeout to give `epoll_wait` behind it: a
    /// millisecond more than `wait`, so that the timerfd, not the rounded
    /// timeout, ends the wait.
    pub(crate) fn arm(&self, wait: Duration) -> Duration {
        use rustix::time::{timerfd_settime, Itimerspec, TimerfdTimerFlags, Timespec};

        if wait.is_zero() {
            return wait;
        }
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: wait.as_secs().try_into().unwrap_or(i64::MAX),
                tv_nsec: wait.subsec_nanos().into(),
            },
        };
        match timerfd_settime(&self.fd, TimerfdTimerFlags::empty(), &spec) {
            Ok(_) => wait.saturating_add(Duration::from_millis(1)),
            // Not armed: the millisecond timeout alone ends the wait.
            Err(_) => wait,
        }
    }
}

/// Without a timerfd, waits keep mio's whole milliseconds.
#[cfg(not(target_os = "linux"))]
pub(crate) struct PreciseTimer;

#[cfg(not(target_os = "linux"))]
impl PreciseTimer {
    pub(crate) fn new(_: &Registry) -> io::Result<PreciseTimer> {
        Ok(PreciseTimer)
    }

    pub(crate) fn arm(&self, wait: Duration) -> Duration {
        wait
    }
}
