//! Read-ahead: one syscall fewer per small read.
//!
//! A read that fills the caller's buffer cannot tell whether more data
//! waits, so readiness must be kept, and the next read usually pays a
//! `recv` that only says `WouldBlock`. In a request/response exchange of
//! small messages that is a third of all syscalls. So a small read (a
//! buffer under [`SMALL_READ`] bytes) asks the kernel for up to
//! [`READ_AHEAD`] bytes into the stream's own buffer instead: the answer
//! is almost always short of that, which proves the socket drained (see the
//! `io` module), and the bytes beyond the caller's buffer wait for the next
//! read. Large reads go straight into the caller's buffer.

use std::io;
use std::task::Poll;

/// Reads into buffers smaller than this go through the read-ahead buffer.
pub(crate) const SMALL_READ: usize = 1024;

/// Size of a stream's read-ahead buffer, allocated on its first small read.
pub(crate) const READ_AHEAD: usize = 4096;

/// Bytes read from the kernel that the caller has not taken yet.
#[derive(Debug, Default)]
pub(crate) struct ReadAhead {
    /// Empty until the first small read; then `READ_AHEAD` bytes.
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl ReadAhead {
    /// Bytes waiting.
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Moves waiting bytes into `out`; `None` if there are none.
    pub(crate) fn take_into(&mut self, out: &mut [u8]) -> Option<usize> {
        let n = self.peek_into(out)?;
        self.start += n;
        Some(n)
    }

    /// Copies waiting bytes into `out` without taking them.
    pub(crate) fn peek_into(&self, out: &mut [u8]) -> Option<usize> {
        if self.start == self.end {
            return None;
        }
        let n = out.len().min(self.len());
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        Some(n)
    }

    /// Refills the (empty) buffer with `read`, then serves `out` from it.
    pub(crate) fn fill_and_take(
        &mut self,
        out: &mut [u8],
        read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if self.buf.is_empty() {
            self.buf = vec![0; READ_AHEAD];
        }
        let n = std::task::ready!(read(&mut self.buf))?;
        (self.start, self.end) = (0, n);
        Poll::Ready(Ok(self.take_into(out).unwrap_or(0)))
    }

    /// Refuses to hand a socket back to std while bytes wait here: they
    /// would be lost.
    pub(crate) fn check_empty(&self) -> io::Result<()> {
        match self.len() {
            0 => Ok(()),
            n => Err(io::Error::other(format!(
                "{n} bytes were read ahead from this socket and not consumed; \
                 read them before calling into_std"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_ahead_are_served_in_order_then_none() {
        let mut ahead = ReadAhead::default();
        let mut out = [0; 2];
        let first = ahead.fill_and_take(&mut out, |space| {
            space[..5].copy_from_slice(b"hello");
            Poll::Ready(Ok(5))
        });
        assert!(matches!(first, Poll::Ready(Ok(2))));
        assert_eq!(&out, b"he");
        assert_eq!(ahead.len(), 3);
        assert!(ahead.check_empty().is_err());
        let mut peeked = [0; 8];
        assert_eq!(ahead.peek_into(&mut peeked), Some(3));
        assert_eq!(ahead.take_into(&mut peeked), Some(3));
        assert_eq!(&peeked[..3], b"llo");
        assert_eq!(ahead.take_into(&mut peeked), None);
        assert!(ahead.check_empty().is_ok());
    }
}
