//! [`Child`]: a running child process, waited for on the reactor.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::process::{ExitStatus, Output};
use std::task::{Context, Poll};

use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::reaper::{self, Reaper};

/// A child process spawned by [`Command::spawn`](super::Command::spawn),
/// with tokio's fields and methods.
///
/// Take the pipes out of the public fields to talk to the child; then
/// [`wait`](Child::wait) for it, which parks the task until a `SIGCHLD`
/// says some child changed state (see the [module docs](super)).
///
/// Dropped before it was reaped, the child runs on and is reaped by the
/// next `SIGCHLD` the process sees, so it never stays a zombie; with
/// [`kill_on_drop(true)`](super::Command::kill_on_drop) it is killed
/// first.
///
/// A `Child` is `!Send`: its pipes are registered with the reactor of the
/// runtime that spawned it, on that runtime's thread.
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// evloop::block_on(async {
///     let child = evloop::process::Command::new("true").spawn().unwrap();
///     must_be_send(child); // error: `Child` is not `Send`
/// });
/// ```
///
/// # Examples
///
/// ```
/// use evloop::process::Command;
///
/// evloop::block_on(async {
///     let mut child = Command::new("true").spawn()?;
///     assert!(child.id().is_some());
///     assert!(child.wait().await?.success());
///     assert_eq!(child.id(), None); // reaped
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Child {
    /// The child's standard input, if it was [`Stdio::piped`](std::process::Stdio::piped).
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if it was piped.
    pub stderr: Option<ChildStderr>,
    /// Running, or reaped with its status.
    state: State,
    /// Kill the child when this value drops unreaped.
    kill_on_drop: bool,
}

/// Where the child stands, as far as we have asked the kernel.
#[derive(Debug)]
enum State {
    /// Not reaped yet (it may have exited: a zombie until we ask). Std's
    /// `Child` with its pipes taken out: it is the pid and `waitpid`.
    Running(std::process::Child),
    /// Reaped: the pid is free for the kernel to reuse, so it is gone.
    Reaped(ExitStatus),
}

impl Child {
    /// Wraps a std child whose pipes were already taken out.
    pub(crate) fn new(
        child: std::process::Child,
        (stdin, stdout, stderr): (Option<ChildStdin>, Option<ChildStdout>, Option<ChildStderr>),
        kill_on_drop: bool,
    ) -> Child {
        Child {
            stdin,
            stdout,
            stderr,
            state: State::Running(child),
            kill_on_drop,
        }
    }

    /// The child's process id, or `None` once it was reaped (the kernel
    /// may have given the number to another process since).
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(child) => Some(child.id()),
            State::Reaped(_) => None,
        }
    }

    /// Reaps the child if it has exited, without waiting: `Ok(None)` while
    /// it runs, its status once it exited (and from then on).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::Command;
    ///
    /// evloop::block_on(async {
    ///     let mut child = Command::new("sleep").arg("10").spawn()?;
    ///     assert_eq!(child.try_wait()?, None);
    ///     child.kill().await?;
    ///     assert!(child.try_wait()?.is_some());
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.state {
            State::Reaped(status) => Ok(Some(*status)),
            State::Running(child) => {
                let status = child.try_wait()?;
                if let Some(status) = status {
                    self.state = State::Reaped(status);
                }
                Ok(status)
            }
        }
    }

    /// Waits for the child to exit and reaps it. Closes the child's stdin
    /// first (if we hold it), so a child that reads until end of file can
    /// finish instead of waiting for us forever.
    ///
    /// The task sleeps until the runtime's reaper sees a `SIGCHLD`; no
    /// thread blocks. Cancel safe: dropped early, nothing is lost, and a
    /// later `wait` (or the drop of the `Child`) takes over.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::Command;
    ///
    /// evloop::block_on(async {
    ///     let status = Command::new("sh").args(["-c", "exit 3"]).spawn()?.wait().await?;
    ///     assert_eq!(status.code(), Some(3));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        if let State::Reaped(status) = self.state {
            return Ok(status);
        }
        let reaper = Reaper::current("evloop::process::Child::wait")?;
        loop {
            // Created before the check: a SIGCHLD in between still counts.
            let event = reaper.child_event();
            if let Some(status) = self.try_wait()? {
                return Ok(status);
            }
            event.await;
        }
    }

    /// Waits for the child while reading all of its stdout and stderr
    /// (those that were piped), concurrently: a child that fills one pipe
    /// while we wait on the other cannot block. Closes stdin first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use evloop::process::Command;
    ///
    /// evloop::block_on(async {
    ///     let child = Command::new("sh")
    ///         .args(["-c", "echo out; echo err >&2"])
    ///         .stdout(Stdio::piped())
    ///         .stderr(Stdio::piped())
    ///         .spawn()?;
    ///     let output = child.wait_with_output().await?;
    ///     assert_eq!((&output.stdout[..], &output.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        let mut stdout = Drain::new(self.stdout.take());
        let mut stderr = Drain::new(self.stderr.take());
        let mut status = None;
        let mut wait = pin!(self.wait());
        poll_fn(|cx| {
            stdout.poll(cx)?;
            stderr.poll(cx)?;
            if status.is_none() {
                if let Poll::Ready(exited) = wait.as_mut().poll(cx) {
                    status = Some(exited?);
                }
            }
            match status {
                Some(status) if stdout.done && stderr.done => Poll::Ready(Ok(status)),
                _ => Poll::Pending,
            }
        })
        .await
        .map(|status| Output {
            status,
            stdout: stdout.bytes,
            stderr: stderr.bytes,
        })
    }

    /// Sends `SIGKILL` to the child, without waiting for it to die; an
    /// error if it was already reaped.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(child) => child.kill(),
            State::Reaped(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid argument: can't kill an exited process",
            )),
        }
    }

    /// Kills the child with `SIGKILL` and waits for it, so it is reaped
    /// when this returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// use evloop::process::Command;
    ///
    /// evloop::block_on(async {
    ///     let mut child = Command::new("sleep").arg("10").spawn()?;
    ///     child.kill().await?;
    ///     assert_eq!(child.wait().await?.signal(), Some(9));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let reaped = State::Reaped(ExitStatus::default());
        if let State::Running(mut child) = std::mem::replace(&mut self.state, reaped) {
            if self.kill_on_drop {
                // It may have exited already: then there is nothing to kill.
                let _ = child.kill();
            }
            reaper::adopt_orphan(child);
        }
    }
}

/// One output pipe read to its end, for `wait_with_output`.
struct Drain<R> {
    pipe: Option<R>,
    bytes: Vec<u8>,
    /// End of file seen (or there was no pipe).
    done: bool,
}

impl<R: futures_io::AsyncRead + Unpin> Drain<R> {
    fn new(pipe: Option<R>) -> Drain<R> {
        Drain {
            done: pipe.is_none(),
            pipe,
            bytes: Vec::new(),
        }
    }

    /// Reads until the pipe is empty (`Ok` with the waker left) or closed.
    fn poll(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let Some(pipe) = &mut self.pipe else {
            return Ok(());
        };
        let mut chunk = [0u8; 8192];
        loop {
            match std::pin::Pin::new(&mut *pipe).poll_read(cx, &mut chunk) {
                Poll::Ready(Ok(0)) => {
                    self.done = true;
                    self.pipe = None;
                    return Ok(());
                }
                Poll::Ready(Ok(n)) => self.bytes.extend_from_slice(&chunk[..n]),
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(()),
            }
        }
    }
}
