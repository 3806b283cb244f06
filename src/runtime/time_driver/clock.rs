//! The runtime's clock: real time, or a paused clock that tests move by hand.
//!
//! Paused, the clock stands still until `time::advance` moves
//! it or the loop jumps it to the next timer because nothing else can
//! happen (auto-advance). Resumed, it runs at real speed again from where it
//! stood, so time never goes backwards.

use std::cell::Cell;

/// The loop's view of time, owned by the runtime's core.
#[derive(Debug)]
pub(crate) struct Clock {
    /// Paused: the time the clock shows.
    frozen: Cell<Option<std::time::Instant>>,
    /// Running: the clock shows `virtual_base + (real now - real_base)`.
    /// Both bases are equal until the clock was first paused.
    real_base: Cell<std::time::Instant>,
    virtual_base: Cell<std::time::Instant>,
    /// False until the first pause: the clock is the real clock, and `now`
    /// is one `Instant::now()` with no arithmetic.
    shifted: Cell<bool>,
    /// What `now` last returned.
    last: Cell<std::time::Instant>,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        let now = std::time::Instant::now();
        let clock = Clock {
            frozen: Cell::new(None),
            real_base: Cell::new(now),
            virtual_base: Cell::new(now),
            shifted: Cell::new(false),
            last: Cell::new(now),
        };
        if start_paused {
            clock.pause();
        }
        clock
    }

    /// What the clock shows now.
    pub(crate) fn now(&self) -> std::time::Instant {
        let now = match self.frozen.get() {
            Some(frozen) => frozen,
            None if !self.shifted.get() => std::time::Instant::now(),
            None => self.virtual_base.get() + (std::time::Instant::now() - self.real_base.get()),
        };
        self.last.set(now);
        now
    }

    /// The clock's latest reading, without reading it again: never later
    /// than [`now`](Clock::now). The loop reads the clock at least once a
    /// tick (to fire timers), so this is at most a tick old: good enough to
    /// tell that a deadline passed, not to say when.
    pub(crate) fn latest(&self) -> std::time::Instant {
        self.frozen.get().unwrap_or_else(|| self.last.get())
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.frozen.get().is_some()
    }

    /// Stops the clock where it stands.
    pub(crate) fn pause(&self) {
        if !self.is_paused() {
            self.frozen.set(Some(self.now()));
            self.shifted.set(true);
        }
    }

    /// Lets the clock run again from where it stood.
    pub(crate) fn resume(&self) {
        if let Some(frozen) = self.frozen.take() {
            self.real_base.set(std::time::Instant::now());
            self.virtual_base.set(frozen);
        }
    }

    /// Moves a paused clock forward to `to` (never backwards).
    pub(crate) fn advance_to(&self, to: std::time::Instant) {
        if let Some(frozen) = self.frozen.get() {
            self.frozen.set(Some(frozen.max(to)));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_paused_clock_stands_still_and_advances_by_hand() {
        let clock = Clock::new(true);
        let t0 = clock.now();
        std::thread::yield_now();
        assert_eq!(clock.now(), t0);
        clock.advance_to(t0 + Duration::from_secs(5));
        assert_eq!(clock.now(), t0 + Duration::from_secs(5));
        clock.advance_to(t0);
        assert_eq!(clock.now(), t0 + Duration::from_secs(5), "never backwards");
    }

    #[test]
    fn resume_runs_on_from_where_the_clock_stood() {
        let clock = Clock::new(true);
        let t0 = clock.now();
        clock.advance_to(t0 + Duration::from_secs(3600));
        clock.resume();
        assert!(!clock.is_paused());
        assert!(clock.now() >= t0 + Duration::from_secs(3600));
        assert!(clock.now() < t0 + Duration::from_secs(3700));
    }

    #[test]
    fn an_unpaused_clock_is_the_real_clock() {
        let clock = Clock::new(false);
        let before = std::time::Instant::now();
        let now = clock.now();
        assert!(now >= before && now <= std::time::Instant::now());
    }
}
