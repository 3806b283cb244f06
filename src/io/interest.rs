//! [`Interest`]: which readiness an [`AsyncFd`](super::unix::AsyncFd) waits on.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// The readiness a registration asks the OS to report: readable, writable
/// or both, combined with `|`. Tokio's name and constants.
///
/// evloop's own type rather than a re-export of mio's, so that a new mio
/// version never changes evloop's public API, and so that it offers only
/// what the reactor tracks (no priority or AIO interest).
///
/// # Examples
///
/// ```
/// use evloop::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// assert_eq!(Interest::READABLE.add(Interest::WRITABLE), both);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

impl Interest {
    /// Readable: data to read, a connection to accept, end of file.
    pub const READABLE: Interest = Interest(0b01);
    /// Writable: room to write.
    pub const WRITABLE: Interest = Interest(0b10);

    /// Whether it includes [`READABLE`](Interest::READABLE).
    pub const fn is_readable(self) -> bool {
        self.0 & Interest::READABLE.0 != 0
    }

    /// Whether it includes [`WRITABLE`](Interest::WRITABLE).
    pub const fn is_writable(self) -> bool {
        self.0 & Interest::WRITABLE.0 != 0
    }

    /// Both interests: the same as `self | other`, usable in a `const`.
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// The same interest in mio's terms, for the registration.
    pub(crate) fn to_mio(self) -> mio::Interest {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => mio::Interest::READABLE | mio::Interest::WRITABLE,
            (false, true) => mio::Interest::WRITABLE,
            // There is no empty Interest: READABLE and WRITABLE are all
            // the values one can build, alone or together.
            _ => mio::Interest::READABLE,
        }
    }
}

impl BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, _) => f.write_str("WRITABLE"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Interest;

    #[test]
    fn each_interest_maps_to_the_same_mio_interest() {
        let cases = [
            (Interest::READABLE, mio::Interest::READABLE, "READABLE"),
            (Interest::WRITABLE, mio::Interest::WRITABLE, "WRITABLE"),
            (
                Interest::READABLE | Interest::WRITABLE,
                mio::Interest::READABLE | mio::Interest::WRITABLE,
                "READABLE | WRITABLE",
            ),
        ];
        for (ours, mio, debug) in cases {
            assert_eq!(ours.to_mio(), mio);
            assert_eq!(format!("{ours:?}"), debug);
        }
        let mut both = Interest::WRITABLE;
        both |= Interest::READABLE;
        assert_eq!(both, Interest::READABLE.add(Interest::WRITABLE));
    }
}
