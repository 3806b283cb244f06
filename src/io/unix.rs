//! Unix-only I/O: [`AsyncFd`], any file descriptor on the event loop.
//!
//! evloop's sockets (`evloop::net`) register themselves. Other file
//! descriptors can wait on the same reactor through [`AsyncFd`]: a pipe,
//! a terminal, an `inotify` or `eventfd` descriptor, a device, a socket
//! made by another library. `AsyncFd` does no I/O itself; it tells a task
//! *when* to try the non-blocking syscall, and the task tells it back when
//! the syscall said `WouldBlock`.
//!
//! # Edge-triggered readiness, and the one rule that follows
//!
//! The reactor registers descriptors edge-triggered: the OS reports
//! "became readable" once, not again while the descriptor stays readable.
//! So the reactor remembers that readiness until told it is used up, and
//! only a `WouldBlock` proves that. The rule for users:
//!
//! - after [`readable`](AsyncFd::readable) or [`writable`](AsyncFd::writable),
//!   do the syscall in [`try_io`](AsyncFdReadyGuard::try_io): it clears the
//!   readiness exactly when the syscall returned `WouldBlock`, and the next
//!   `readable` waits for a new edge;
//! - or call [`clear_ready`](AsyncFdReadyGuard::clear_ready) yourself, but
//!   only after a `WouldBlock`. Cleared too early (data still queued), no
//!   new edge ever comes and the task waits forever; never cleared,
//!   `readable` keeps answering at once and the task spins on `WouldBlock`.
//!
//! Hence the descriptor must be in non-blocking mode (`O_NONBLOCK`): a
//! blocking read would stop the whole loop instead of saying `WouldBlock`.
//!
//! # Examples
//!
//! A socketpair, one end read through `AsyncFd` while a task writes the
//! other:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::os::unix::net::UnixStream;
//! use evloop::io::unix::AsyncFd;
//!
//! evloop::block_on(async {
//!     let (ours, mut theirs) = UnixStream::pair()?;
//!     ours.set_nonblocking(true)?; // so that a read says WouldBlock, not waits
//!     let fd = AsyncFd::new(ours)?;
//!
//!     let writer = evloop::spawn(async move { theirs.write_all(b"hello") });
//!
//!     let mut buf = [0; 5];
//!     let n = loop {
//!         let mut guard = fd.readable().await?;
//!         match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
//!             Ok(result) => break result?,
//!             // WouldBlock: the readiness is cleared, wait for the next edge.
//!             Err(_would_block) => continue,
//!         }
//!     };
//!     assert_eq!(&buf[..n], &b"hello"[..n]);
//!     writer.await.unwrap()?;
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! An `AsyncFd` belongs to the runtime that created it and is not `Send`:
//!
//! ```compile_fail
//! use std::os::unix::net::UnixStream;
//! fn assert_send<T: Send>(_: &T) {}
//! evloop::block_on(async {
//!     let (a, _b) = UnixStream::pair().unwrap();
//!     let fd = evloop::io::unix::AsyncFd::new(a).unwrap();
//!     assert_send(&fd);
//! });
//! ```

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::task::{Context, Poll};

use mio::event::Source;
use mio::unix::SourceFd;
use mio::{Registry, Token};

use super::{Interest, IoSource};
use crate::runtime::context;
use crate::runtime::io_driver::Direction;

/// A raw descriptor as a mio source. It only registers: the descriptor
/// itself is owned (and closed) by the `AsyncFd`'s inner value.
#[derive(Debug)]
struct FdSource(RawFd);

impl Source for FdSource {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interest: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0).register(registry, token, interest)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interest: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0).reregister(registry, token, interest)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        SourceFd(&self.0).deregister(registry)
    }
}

/// A file descriptor registered with the runtime's reactor, so that tasks
/// can wait until it is readable or writable. See the [module docs](self)
/// for what it is for and the rule it comes with.
///
/// `T` owns the descriptor (a `File`, a std `UnixStream`, an `OwnedFd`);
/// it must be in non-blocking mode. Dropping the `AsyncFd` deregisters the
/// descriptor, then drops `T` (which closes it); [`into_inner`](AsyncFd::into_inner)
/// deregisters and gives `T` back instead.
///
/// Not `Send`: it belongs to the runtime that created it (tokio's `AsyncFd`
/// is `Send`; evloop's runtime is single-threaded).
pub struct AsyncFd<T: AsRawFd> {
    /// The registration. Declared before `inner`, so that it drops first:
    /// the descriptor leaves the poller while it is still open.
    io: IoSource<FdSource>,
    /// What it was registered for: waiting on anything else is an error,
    /// not a wait for an event the OS was never asked to report.
    interest: Interest,
    /// The value that owns the descriptor.
    inner: T,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor for reading and writing.
    ///
    /// # Errors
    ///
    /// If the OS refuses to poll it: a regular file or a directory
    /// (`EPERM` with epoll), a descriptor already registered (`EEXIST`).
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::new(a)?;
    ///     fd.writable().await?.retain_ready(); // an empty socket has room
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        AsyncFd::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner`'s descriptor for `interest` only (a write-only
    /// pipe end wants [`Interest::WRITABLE`], say).
    ///
    /// # Errors
    ///
    /// As [`new`](AsyncFd::new).
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{unix::AsyncFd, Interest};
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::with_interest(a, Interest::WRITABLE)?;
    ///     assert!(fd.readable().await.is_err(), "never asked to report reads");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        let core = context::expect_current("AsyncFd::new");
        let source = FdSource(inner.as_raw_fd());
        Ok(AsyncFd {
            io: IoSource::register_for(core, source, interest.to_mio())?,
            interest,
            inner,
        })
    }

    /// The inner value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let raw = a.as_raw_fd();
    ///     let fd = AsyncFd::new(a)?;
    ///     assert_eq!(fd.get_ref().as_raw_fd(), raw);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The inner value, mutably (for I/O methods that take `&mut self`).
    /// Do not swap the descriptor out: the registration is for the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let mut fd = AsyncFd::new(a)?;
    ///     fd.get_mut().write_all(b"x")?;
    ///     let mut buf = [0];
    ///     std::io::Read::read_exact(&mut &b, &mut buf)?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Deregisters the descriptor and gives the inner value back, open
    /// (and still non-blocking): it can be used directly, or registered
    /// again.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::new(a)?;
    ///     let a = fd.into_inner();
    ///     let again = AsyncFd::new(a)?; // registering twice would fail
    ///     drop(again);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> T {
        let AsyncFd { io, inner, .. } = self;
        // Dropping the registration deregisters; a failure means the
        // descriptor is already out of the poller, which is what we want.
        drop(io);
        inner
    }

    /// Polls for read readiness: `Ready(Ok(guard))` once the reactor has
    /// seen the descriptor readable (or closed, or failed), otherwise the
    /// task's waker is kept for the next event.
    ///
    /// # Errors
    ///
    /// If it was registered without [`Interest::READABLE`], or its runtime
    /// is not the one running.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::Write;
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::new(a)?;
    ///     b.write_all(b"x")?;
    ///     let guard = poll_fn(|cx| fd.poll_read_ready(cx)).await?;
    ///     drop(guard);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_ready(Direction::Read, cx)
            .map_ok(|()| AsyncFdReadyGuard {
                async_fd: self,
                direction: Direction::Read,
            })
    }

    /// Polls for write readiness, as [`poll_read_ready`](AsyncFd::poll_read_ready)
    /// does for reads.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::new(a)?;
    ///     poll_fn(|cx| fd.poll_write_ready(cx)).await?.retain_ready();
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_ready(Direction::Write, cx)
            .map_ok(|()| AsyncFdReadyGuard {
                async_fd: self,
                direction: Direction::Write,
            })
    }

    /// [`poll_read_ready`](AsyncFd::poll_read_ready) with a guard that
    /// lends the inner value mutably: the building block of an
    /// `AsyncRead` impl over a `T` that reads through `&mut self`.
    ///
    /// # Examples
    ///
    /// A read written as a `poll` function:
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::{Read, Write};
    /// use std::task::{ready, Poll};
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let mut fd = AsyncFd::new(a)?;
    ///     b.write_all(b"x")?;
    ///     let mut buf = [0; 8];
    ///     let n = poll_fn(|cx| loop {
    ///         let mut guard = ready!(fd.poll_read_ready_mut(cx))?;
    ///         if let Ok(result) = guard.try_io(|inner| inner.get_mut().read(&mut buf)) {
    ///             return Poll::Ready(result);
    ///         }
    ///         // WouldBlock: readiness cleared; the next poll keeps the waker.
    ///     })
    ///     .await?;
    ///     assert_eq!(&buf[..n], b"x");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        std::task::ready!(self.poll_ready(Direction::Read, cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard {
            async_fd: self,
            direction: Direction::Read,
        }))
    }

    /// [`poll_write_ready`](AsyncFd::poll_write_ready) with a guard that
    /// lends the inner value mutably: the building block of an
    /// `AsyncWrite` impl over a `T` that writes through `&mut self`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::Write;
    /// use std::task::{ready, Poll};
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let mut fd = AsyncFd::new(a)?;
    ///     let n = poll_fn(|cx| loop {
    ///         let mut guard = ready!(fd.poll_write_ready_mut(cx))?;
    ///         if let Ok(result) = guard.try_io(|inner| inner.get_mut().write(b"x")) {
    ///             return Poll::Ready(result);
    ///         }
    ///     })
    ///     .await?;
    ///     assert_eq!(n, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        std::task::ready!(self.poll_ready(Direction::Write, cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard {
            async_fd: self,
            direction: Direction::Write,
        }))
    }

    /// Waits until the descriptor may be readable. Do the read in the
    /// guard's [`try_io`](AsyncFdReadyGuard::try_io) (see the module docs).
    ///
    /// # Errors
    ///
    /// As [`poll_read_ready`](AsyncFd::poll_read_ready).
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    /// Waits until the descriptor may be writable.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::new(a)?;
    ///     let mut guard = fd.writable().await?;
    ///     let n = guard.try_io(|inner| inner.get_ref().write(b"hi")).expect("room")?;
    ///     assert_eq!(n, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        std::future::poll_fn(|cx| self.poll_write_ready(cx)).await
    }

    /// [`readable`](AsyncFd::readable), for I/O through `&mut T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let mut fd = AsyncFd::new(a)?;
    ///     b.write_all(b"x")?;
    ///     let mut buf = [0];
    ///     let mut guard = fd.readable_mut().await?;
    ///     let n = guard.try_io(|inner| inner.get_mut().read(&mut buf)).expect("ready")?;
    ///     assert_eq!(n, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        std::future::poll_fn(|cx| self.poll_ready(Direction::Read, cx)).await?;
        Ok(AsyncFdReadyMutGuard {
            async_fd: self,
            direction: Direction::Read,
        })
    }

    /// [`writable`](AsyncFd::writable), for I/O through `&mut T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let mut fd = AsyncFd::new(a)?;
    ///     let mut guard = fd.writable_mut().await?;
    ///     let n = guard.try_io(|inner| inner.get_mut().write(b"x")).expect("room")?;
    ///     assert_eq!(n, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        std::future::poll_fn(|cx| self.poll_ready(Direction::Write, cx)).await?;
        Ok(AsyncFdReadyMutGuard {
            async_fd: self,
            direction: Direction::Write,
        })
    }

    /// Ready once the reactor has seen `direction`'s readiness; an error
    /// for a direction it was not registered for.
    fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (registered, wanted) = match direction {
            Direction::Read => (self.interest.is_readable(), "READABLE"),
            Direction::Write => (self.interest.is_writable(), "WRITABLE"),
        };
        if !registered {
            return Poll::Ready(Err(io::Error::other(format!(
                "this AsyncFd was registered for {:?} only, so it never becomes \
                 {wanted}: create it with `AsyncFd::new`, or with `with_interest` \
                 and an interest that includes Interest::{wanted}",
                self.interest
            ))));
        }
        self.io.poll_ready(direction, cx)
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .field("interest", &self.interest)
            .finish()
    }
}

/// The readiness an [`AsyncFd`] reported, from [`readable`](AsyncFd::readable)
/// or [`writable`](AsyncFd::writable). Dropping it keeps the readiness
/// (the next wait answers at once); [`try_io`](AsyncFdReadyGuard::try_io)
/// or [`clear_ready`](AsyncFdReadyGuard::clear_ready) forget it.
///
/// Do not hold it across an `.await`: an edge that arrives meanwhile is
/// merged into the readiness it holds, and a later `clear_ready` would
/// forget that edge too.
#[must_use = "readiness is only used up by try_io or clear_ready"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    direction: Direction,
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// Forgets the readiness: the next wait waits for a new edge. Call it
    /// only after the syscall said `WouldBlock` (or use [`try_io`](AsyncFdReadyGuard::try_io),
    /// which does exactly that).
    ///
    /// # Examples
    ///
    /// Draining the descriptor, then clearing:
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::new(a)?;
    ///     b.write_all(b"some bytes")?;
    ///     let mut guard = fd.readable().await?;
    ///     let mut buf = [0; 4];
    ///     loop {
    ///         match guard.get_inner().read(&mut buf) {
    ///             Ok(_) => continue,
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
    ///             Err(e) => return Err(e),
    ///         }
    ///     }
    ///     guard.clear_ready(); // proven stale: the next `readable` waits
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn clear_ready(&mut self) {
        self.async_fd.io.clear_ready(self.direction);
    }

    /// Keeps the readiness, saying so (the same as dropping the guard).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::new(a)?;
    ///     fd.writable().await?.retain_ready();
    ///     fd.writable().await?.retain_ready(); // still ready: answers at once
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn retain_ready(&mut self) {}

    /// Runs the non-blocking `f` on the `AsyncFd`. If it returns
    /// `WouldBlock`, clears the readiness and returns `Err(TryIoError)`:
    /// wait again. Any other result comes back in `Ok`.
    ///
    /// # Examples
    ///
    /// See the [module docs](self).
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        cleared_on_would_block(&self.async_fd.io, self.direction, result)
    }

    /// The `AsyncFd` this guard came from.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd`'s inner value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let fd = AsyncFd::new(a)?;
    ///     let guard = fd.writable().await?;
    ///     guard.get_inner().write_all(b"x")?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

/// [`AsyncFdReadyGuard`] for an `AsyncFd` borrowed mutably, from
/// [`readable_mut`](AsyncFd::readable_mut) or [`writable_mut`](AsyncFd::writable_mut):
/// for inner values whose I/O methods take `&mut self`.
#[must_use = "readiness is only used up by try_io or clear_ready"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    direction: Direction,
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    /// Forgets the readiness, as [`AsyncFdReadyGuard::clear_ready`].
    pub fn clear_ready(&mut self) {
        self.async_fd.io.clear_ready(self.direction);
    }

    /// Keeps the readiness, as [`AsyncFdReadyGuard::retain_ready`].
    pub fn retain_ready(&mut self) {}

    /// Runs the non-blocking `f`, clearing the readiness on `WouldBlock`,
    /// as [`AsyncFdReadyGuard::try_io`].
    ///
    /// # Examples
    ///
    /// See [`readable_mut`](AsyncFd::readable_mut).
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(&mut *self.async_fd);
        cleared_on_would_block(&self.async_fd.io, self.direction, result)
    }

    /// The `AsyncFd` this guard came from.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd` this guard came from, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd`'s inner value.
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The `AsyncFd`'s inner value, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use evloop::io::unix::AsyncFd;
    ///
    /// evloop::block_on(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     a.set_nonblocking(true)?;
    ///     let mut fd = AsyncFd::new(a)?;
    ///     let mut guard = fd.writable_mut().await?;
    ///     guard.get_inner_mut().write_all(b"x")?;
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

/// What both guards' `try_io` do with `f`'s result: a `WouldBlock` clears
/// the readiness (it proves it stale) and becomes `TryIoError`.
fn cleared_on_would_block<R>(
    io: &IoSource<FdSource>,
    direction: Direction,
    result: io::Result<R>,
) -> Result<io::Result<R>, TryIoError> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            io.clear_ready(direction);
            Err(TryIoError(()))
        }
        result => Ok(result),
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_guard(f, "AsyncFdReadyGuard", self.async_fd, self.direction)
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_guard(f, "AsyncFdReadyMutGuard", self.async_fd, self.direction)
    }
}

/// Both guards' `Debug`: the descriptor and the direction they hold.
fn fmt_guard(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    fd: &impl AsRawFd,
    direction: Direction,
) -> fmt::Result {
    f.debug_struct(name)
        .field("fd", &fd.as_raw_fd())
        .field("direction", &direction)
        .finish()
}

/// The operation in `try_io` said `WouldBlock`: the readiness was cleared,
/// wait for it again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block; readiness was cleared")
    }
}

impl std::error::Error for TryIoError {}
