//! The child's end of its standard streams, as evloop streams.
//!
//! A pipe is a file descriptor like a socket, and the kernel reports its
//! readiness the same way, so the parent's ends go on the reactor: each is
//! made non-blocking and registered through the same readiness wrapper the
//! sockets use. A read that finds the pipe empty parks the task until the
//! child writes; no thread is involved.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use mio::unix::pipe::{Receiver, Sender};

use crate::io::IoSource;
use crate::runtime::io_driver::Direction;

/// Takes a pipe end off the reactor and hands it back to std, blocking
/// again, for another child's stdio.
fn into_stdio<P>(io: IoSource<P>, blocking: impl FnOnce(&P) -> io::Result<()>) -> io::Result<Stdio>
where
    P: mio::event::Source + Into<std::os::fd::OwnedFd>,
{
    let pipe = io.into_inner()?;
    blocking(&pipe)?;
    Ok(Stdio::from(pipe.into()))
}

/// The write end of a child's standard input, from
/// [`Child::stdin`](super::Child::stdin) when the command asked for
/// [`Stdio::piped`]. It implements futures-io's `AsyncWrite`.
///
/// Dropping it closes the pipe: the child reads end of file. (`poll_close`
/// closes nothing, as in tokio; drop the value.) Like the sockets it is
/// registered with the runtime that spawned the child and works in that
/// runtime only.
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use evloop::io::AsyncWriteExt;
/// use evloop::process::Command;
///
/// evloop::block_on(async {
///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     let mut stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"meow").await?;
///     drop(stdin); // end of file for cat
///     let output = child.wait_with_output().await?;
///     assert_eq!(output.stdout, b"meow");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct ChildStdin {
    io: IoSource<Sender>,
}

/// The read end of a child's standard output, from
/// [`Child::stdout`](super::Child::stdout) when the command asked for
/// [`Stdio::piped`]. It implements futures-io's `AsyncRead`; a read waits
/// on the reactor until the child writes or closes its end.
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use evloop::io::{AsyncBufReadExt, BufReader};
/// use evloop::process::Command;
///
/// evloop::block_on(async {
///     let mut child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
///     let stdout = child.stdout.take().unwrap();
///     let mut lines = BufReader::new(stdout).lines();
///     assert_eq!(lines.next_line().await?.as_deref(), Some("hi"));
///     assert!(child.wait().await?.success());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct ChildStdout {
    io: IoSource<Receiver>,
}

/// The read end of a child's standard error, from
/// [`Child::stderr`](super::Child::stderr) when the command asked for
/// [`Stdio::piped`]; like [`ChildStdout`].
#[derive(Debug)]
pub struct ChildStderr {
    io: IoSource<Receiver>,
}

impl ChildStdin {
    /// Registers std's pipe end with the running runtime.
    pub(crate) fn from_std_pipe(pipe: std::process::ChildStdin) -> io::Result<ChildStdin> {
        let pipe = Sender::from(pipe);
        pipe.set_nonblocking(true)?;
        Ok(ChildStdin {
            io: IoSource::new(pipe, "evloop::process::Command::spawn")?,
        })
    }
}

/// Reads and the read-side traits, shared by stdout and stderr.
macro_rules! reader {
    ($ty:ident, $std:ty) => {
        impl $ty {
            /// Registers std's pipe end with the running runtime.
            pub(crate) fn from_std_pipe(pipe: $std) -> io::Result<$ty> {
                let pipe = Receiver::from(pipe);
                pipe.set_nonblocking(true)?;
                Ok($ty {
                    io: IoSource::new(pipe, "evloop::process::Command::spawn")?,
                })
            }

            /// Polls for a read into `buf`: `Ready(Ok(0))` is end of file
            /// (the child closed its end, usually by exiting).
            fn poll_read_pipe(
                &self,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                let len = buf.len();
                self.io
                    .poll_stream_io(Direction::Read, cx, Some(len), |pipe| (&*pipe).read(buf))
            }
        }

        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_pipe(cx, buf)
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }

        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;

            /// Takes the pipe off the reactor, blocking again, to become
            /// another child's standard input (a shell pipeline).
            fn try_from(pipe: $ty) -> io::Result<Stdio> {
                into_stdio(pipe.io, |p| p.set_nonblocking(false))
            }
        }
    };
}

reader!(ChildStdout, std::process::ChildStdout);
reader!(ChildStderr, std::process::ChildStderr);

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.io
            .poll_stream_io(Direction::Write, cx, Some(len), |pipe| (&*pipe).write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered in user space.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no half-close; dropping the value closes it.
        Poll::Ready(Ok(()))
    }
}

impl AsRawFd for ChildStdin {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for ChildStdin {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl TryFrom<ChildStdin> for Stdio {
    type Error = io::Error;

    /// Takes the pipe off the reactor, blocking again, to become another
    /// child's standard output.
    fn try_from(pipe: ChildStdin) -> io::Result<Stdio> {
        into_stdio(pipe.io, |p| p.set_nonblocking(false))
    }
}
