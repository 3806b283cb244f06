//! Unix signals on the event loop: [`ctrl_c`] and [`signal`] streams.
//!
//! A signal handler may run at any instruction of any thread, so it can
//! do almost nothing safely. evloop uses the self-pipe pattern: the handler
//! (installed by signal-hook) writes one byte into a socket pair, and the
//! other end is an ordinary socket on the reactor. The task that awaits the
//! signal wakes like any reader.
//!
//! ```text
//!   SIGINT ─▶ handler: send(1 byte) ─▶ socket pair ─▶ epoll: readable
//!                                                          │
//!                             Signal::recv() ◀── wake ◀────┘ (drains bytes)
//! ```
//!
//! The handler is installed when the [`Signal`] (or [`ctrl_c`]'s future) is
//! created, not when it is first polled, so a signal sent after that point
//! is never lost. Deliveries that arrive before the task reads them are
//! coalesced into one. Once installed, the handler stays for the life of
//! the process (signal-hook does not restore the default action): after the
//! first `ctrl_c()`, Ctrl-C no longer kills the program by itself.

use std::io::{self, Read};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use signal_hook::consts;
use signal_hook::SigId;

use crate::io::IoSource;
use crate::runtime::io_driver::Direction;

/// Which signal a [`Signal`] listens for.
///
/// # Examples
///
/// ```
/// use evloop::signal::SignalKind;
///
/// assert_eq!(SignalKind::interrupt().as_raw_value(), 2); // SIGINT
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// `SIGINT`: Ctrl-C in a terminal.
    pub const fn interrupt() -> SignalKind {
        SignalKind(consts::SIGINT)
    }

    /// `SIGTERM`: a polite request to exit (`kill`, service managers).
    pub const fn terminate() -> SignalKind {
        SignalKind(consts::SIGTERM)
    }

    /// `SIGHUP`: the terminal went away; daemons take it as "reload".
    pub const fn hangup() -> SignalKind {
        SignalKind(consts::SIGHUP)
    }

    /// `SIGUSR1`, for the program's own use.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(consts::SIGUSR1)
    }

    /// `SIGUSR2`, for the program's own use.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(consts::SIGUSR2)
    }

    /// Any signal by number. Signals that cannot be caught (`SIGKILL`,
    /// `SIGSTOP`) or that signal-hook forbids (`SIGSEGV`, ...) make
    /// [`signal`] return an error.
    pub const fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    pub const fn as_raw_value(&self) -> i32 {
        self.0
    }
}

/// A stream of deliveries of one signal; from [`signal`].
///
/// Each [`recv`](Signal::recv) (or stream item) stands for one or more
/// deliveries since the last one. Dropping it unregisters its action.
#[derive(Debug)]
pub struct Signal {
    /// The read end of the self-pipe, on the reactor.
    receiver: IoSource<mio::net::UnixStream>,
    /// The signal-hook action that writes to the other end.
    id: SigId,
}

/// Listens for `kind`: installs the handler now and returns the stream of
/// its deliveries.
///
/// # Errors
///
/// If the signal cannot be caught, or the socket pair cannot be made.
///
/// # Panics
///
/// Outside a runtime.
///
/// # Examples
///
/// ```
/// use evloop::signal::{signal, SignalKind};
///
/// evloop::block_on(async {
///     let mut hangups = signal(SignalKind::hangup())?;
///     // Send ourselves a SIGHUP; the stream sees it.
///     std::process::Command::new("kill")
///         .args(["-HUP", &std::process::id().to_string()])
///         .status()?;
///     assert_eq!(hangups.recv().await, Some(()));
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    if consts::FORBIDDEN.contains(&kind.0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "signal {} cannot be handled (SIGKILL and SIGSTOP cannot be \
                 caught; SIGSEGV, SIGILL and SIGFPE must not be)",
                kind.0
            ),
        ));
    }
    let (read_end, write_end) = StdUnixStream::pair()?;
    read_end.set_nonblocking(true)?;
    let receiver = IoSource::new(mio::net::UnixStream::from_std(read_end), "evloop::signal")?;
    let id = signal_hook::low_level::pipe::register(kind.0, write_end)?;
    Ok(Signal { receiver, id })
}

impl Signal {
    /// Waits for the next delivery. Never returns `None` (the `Option`
    /// matches tokio's signature and the `Stream` item).
    ///
    /// Cancel safe: a delivery is consumed only when this returns it.
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for a delivery.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let mut buf = [0u8; 64];
        let mut got = false;
        loop {
            match self
                .receiver
                .poll_io(Direction::Read, cx, |s| (&*s).read(&mut buf))
            {
                // Drained: report what we found, or wait for the next byte.
                Poll::Pending => {
                    return if got {
                        Poll::Ready(Some(()))
                    } else {
                        Poll::Pending
                    }
                }
                Poll::Ready(Ok(n)) if n > 0 => got = true,
                // The write end lives in signal-hook until we unregister,
                // so end of stream or an error here cannot happen; if it
                // does, report a delivery rather than spin.
                Poll::Ready(_) => return Poll::Ready(Some(())),
            }
        }
    }
}

impl Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        // Removes our action and closes the write end it owned.
        signal_hook::low_level::unregister(self.id);
    }
}

/// Completes when the process receives `SIGINT` (Ctrl-C). The handler is
/// installed when `ctrl_c()` is called, so a Ctrl-C after that point is
/// caught even before the first poll.
///
/// # Errors
///
/// If the handler cannot be installed.
///
/// # Panics
///
/// Outside a runtime.
///
/// # Examples
///
/// ```no_run
/// evloop::block_on(async {
///     println!("press Ctrl-C to stop");
///     evloop::signal::ctrl_c().await?;
///     println!("bye");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn ctrl_c() -> CtrlC {
    CtrlC {
        signal: Some(signal(SignalKind::interrupt())),
    }
}

/// The future [`ctrl_c`] returns.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct CtrlC {
    /// `None` once the result was returned.
    signal: Option<io::Result<Signal>>,
}

impl std::future::Future for CtrlC {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(Ok(signal)) = &mut self.signal {
            std::task::ready!(signal.poll_recv(cx));
            self.signal = None;
            return Poll::Ready(Ok(()));
        }
        match self.signal.take() {
            Some(Err(e)) => Poll::Ready(Err(e)),
            _ => panic!("CtrlC polled after it completed"),
        }
    }
}
