//! Child processes on the event loop, with tokio's [`Command`] and
//! [`Child`] (unix, feature `process`).
//!
//! Two things about a child need waiting for, and neither takes a thread:
//!
//! - **Its pipes.** The parent's ends of a piped stdin, stdout or stderr
//!   are non-blocking file descriptors on the reactor, like sockets:
//!   [`ChildStdout`] implements `AsyncRead`, [`ChildStdin`] `AsyncWrite`.
//! - **Its exit.** The kernel tells a parent that a child exited with the
//!   `SIGCHLD` signal. The first child spawned on a runtime starts that
//!   runtime's reaper: a `SIGCHLD` listener from [`signal`](crate::signal),
//!   served by a small task named `evloop::process reaper`. Every
//!   [`Child::wait`] parks on it and, at each `SIGCHLD`, asks the kernel
//!   about its own child without blocking.
//!
//! ```text
//!   child exits ─▶ kernel: SIGCHLD ─▶ handler writes 1 byte ─▶ self-pipe
//!                                                                 │ readable
//!   reaper task ◀── reactor wakes it ◀─────────────────────────────┘
//!        │ reap orphans; notify_waiters()
//!        ▼
//!   every Child::wait ─▶ waitpid(pid, WNOHANG) ─▶ exited? Ready(status)
//!                                                   still running? wait again
//! ```
//!
//! # No zombies
//!
//! An exited child stays a zombie until its parent reaps it. [`Child::wait`]
//! (and [`output`](Command::output), [`status`](Command::status),
//! [`kill`](Child::kill)) reap. A [`Child`] dropped unreaped goes to a
//! process-wide orphan list, which every `SIGCHLD` and every spawn sweeps;
//! without [`kill_on_drop`](Command::kill_on_drop) the child runs on until
//! it exits by itself, as in tokio.
//!
//! # Caveats
//!
//! - Signals coalesce: several exits may arrive as one `SIGCHLD`, so each
//!   one wakes every waiting child, and each checks its own pid: one
//!   `waitpid` per waiting child per `SIGCHLD`.
//! - The `SIGCHLD` handler, once installed, stays for the life of the
//!   process (see [`signal`](crate::signal)); it only writes a byte.
//! - Code elsewhere in the process that reaps *any* child
//!   (`waitpid(-1, ..)`) steals the statuses: `wait` then fails with the
//!   kernel's "no child processes".
//! - Orphans of a runtime that was dropped are reaped by the next child
//!   event of another runtime, or the next spawn.
//!
//! # Examples
//!
//! ```
//! use evloop::process::Command;
//!
//! evloop::block_on(async {
//!     let output = Command::new("echo").arg("hello").output().await?;
//!     assert!(output.status.success());
//!     assert_eq!(output.stdout, b"hello\n");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod child;
mod pipe;
mod reaper;

use std::ffi::OsStr;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

pub use child::Child;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};

/// A process builder with std's methods, whose [`spawn`](Command::spawn)
/// gives a [`Child`] waited for on the event loop.
///
/// # Examples
///
/// ```
/// use evloop::process::Command;
///
/// evloop::block_on(async {
///     let status = Command::new("sh")
///         .arg("-c")
///         .arg("test \"$GREETING\" = hi")
///         .env("GREETING", "hi")
///         .status()
///         .await?;
///     assert!(status.success());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// Which of stdin, stdout and stderr the caller set: `output` fills in
    /// its own defaults (null, piped, piped) only for the others, as std's
    /// `output` does.
    stdio_set: [bool; 3],
}

impl Command {
    /// A command that runs `program` (looked up in `PATH` if it has no
    /// slash), with no arguments, the parent's environment and working
    /// directory, and inherited stdio.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's standard input: [`Stdio::piped`] makes
    /// [`Child::stdin`] a [`ChildStdin`].
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self.stdio_set[0] = true;
        self
    }

    /// The child's standard output: [`Stdio::piped`] makes
    /// [`Child::stdout`] a [`ChildStdout`].
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self.stdio_set[1] = true;
        self
    }

    /// The child's standard error: [`Stdio::piped`] makes
    /// [`Child::stderr`] a [`ChildStderr`].
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self.stdio_set[2] = true;
        self
    }

    /// Whether dropping the [`Child`] unreaped kills it (`SIGKILL`) before
    /// it is reaped in the background. Off by default, as in tokio: a
    /// dropped child runs on.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::Command;
    ///
    /// evloop::block_on(async {
    ///     let child = Command::new("sleep").arg("100").kill_on_drop(true).spawn()?;
    ///     drop(child); // killed now, reaped at the SIGCHLD that follows
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Runs the child as user `id` (`setuid`; needs the privilege to).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Runs the child as group `id` (`setgid`).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Sets the child's `argv[0]`, which the program sees as its own name.
    pub fn arg0(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group led by the
    /// child), so that a terminal's Ctrl-C for our group does not reach it.
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// The std command inside, to read its settings.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std command inside, for settings this type does not wrap.
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the child. Its piped stdio go on the running runtime's
    /// reactor, and the runtime's `SIGCHLD` listener starts if this is its
    /// first child: a task named `evloop::process reaper`, which lives as
    /// long as the runtime (so [`Runtime::metrics`](crate::Runtime::metrics)
    /// and [`Runtime::dump`](crate::Runtime::dump) show it).
    ///
    /// # Errors
    ///
    /// If the program cannot be started (not found: `NotFound`), or the
    /// pipes cannot be registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::Command;
    ///
    /// evloop::block_on(async {
    ///     let mut child = Command::new("true").spawn()?;
    ///     assert!(child.wait().await?.success());
    ///     let missing = Command::new("/nonexistent/program").spawn().unwrap_err();
    ///     assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        // Listen before the child exists, so its exit cannot go unseen.
        reaper::Reaper::current("evloop::process::Command::spawn")?;
        reaper::reap_orphans();
        let mut child = self.std.spawn()?;
        let pipes = (
            child.stdin.take().map(ChildStdin::from_std_pipe),
            child.stdout.take().map(ChildStdout::from_std_pipe),
            child.stderr.take().map(ChildStderr::from_std_pipe),
        );
        // The Child owns the process from here: if a pipe cannot be
        // registered, its drop hands the process to the reaper.
        let mut spawned = Child::new(child, (None, None, None), self.kill_on_drop);
        spawned.stdin = pipes.0.transpose()?;
        spawned.stdout = pipes.1.transpose()?;
        spawned.stderr = pipes.2.transpose()?;
        Ok(spawned)
    }

    /// Runs the child to its end and collects its output. Stdout and stderr
    /// are captured and stdin is null, unless set otherwise on this command
    /// (std's defaults for `output`); the command's own settings stay as
    /// they were for a later `spawn`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::Command;
    ///
    /// evloop::block_on(async {
    ///     let output = Command::new("sh").args(["-c", "echo to stderr >&2; exit 1"]).output().await?;
    ///     assert_eq!(output.status.code(), Some(1));
    ///     assert_eq!(output.stderr, b"to stderr\n");
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        self.fill_unset_stdio(Stdio::null(), Stdio::piped(), Stdio::piped());
        let child = self.spawn();
        // Back to what `spawn` does by default.
        self.fill_unset_stdio(Stdio::inherit(), Stdio::inherit(), Stdio::inherit());
        child?.wait_with_output().await
    }

    /// Runs the child to its end and returns its exit status. Stdio is
    /// inherited unless set otherwise; pipes asked for are closed at once.
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        let mut child = self.spawn()?;
        // A child blocked writing to a pipe nobody reads would never exit.
        drop((child.stdin.take(), child.stdout.take(), child.stderr.take()));
        child.wait().await
    }
}

impl Command {
    /// Sets stdin, stdout and stderr, each only if the caller did not.
    fn fill_unset_stdio(&mut self, stdin: Stdio, stdout: Stdio, stderr: Stdio) {
        let [stdin_set, stdout_set, stderr_set] = self.stdio_set;
        if !stdin_set {
            self.std.stdin(stdin);
        }
        if !stdout_set {
            self.std.stdout(stdout);
        }
        if !stderr_set {
            self.std.stderr(stderr);
        }
    }
}

impl From<std::process::Command> for Command {
    /// Wraps a std command. Std does not say which stdio it set, so
    /// [`output`](Command::output) puts its own defaults on all three.
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdio_set: [false; 3],
        }
    }
}
