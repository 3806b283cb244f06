//! A snapshot of a runtime's live tasks: [`Runtime::dump`] and
//! [`Handle::dump`].
//!
//! [`Runtime::dump`]: crate::Runtime::dump
//! [`Handle::dump`]: crate::Handle::dump

use std::fmt;
use std::time::{Duration, Instant};

/// The live tasks of a runtime at one moment. `Display` prints a table.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new()?;
/// let _idle = evloop::task::Builder::new()
///     .name("waits forever")
///     .spawn_on(std::future::pending::<()>(), &rt);
/// rt.block_on(evloop::task::yield_now());
/// let dump = rt.dump();
/// assert_eq!(dump.tasks().len(), 1);
/// assert_eq!(dump.tasks()[0].name(), Some("waits forever"));
/// println!("{dump}");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Dump {
    pub(crate) tasks: Vec<TaskDump>,
}

impl Dump {
    /// The tasks, oldest first.
    pub fn tasks(&self) -> &[TaskDump] {
        &self.tasks
    }
}

/// One live task in a [`Dump`].
#[derive(Debug, Clone)]
pub struct TaskDump {
    pub(crate) id: u64,
    pub(crate) name: Option<String>,
    pub(crate) location: String,
    pub(crate) polls: u64,
    pub(crate) busy: Duration,
    pub(crate) state: TaskState,
    pub(crate) waiting_on: Option<String>,
}

impl TaskDump {
    /// The task's id: unique for the life of its runtime.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The name given with [`task::Builder::name`](crate::task::Builder::name).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where it was spawned, as `file:line:column`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// How often it was polled.
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// Total time spent in its polls. Measured only while slow-poll
    /// detection or the trace is on (the default in debug builds); zero
    /// otherwise.
    pub fn busy(&self) -> Duration {
        self.busy
    }

    /// Whether it is queued to run, waiting, or running right now.
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// What it waits on, where evloop knows it (a timer, a socket), as
    /// text: `timer in 1.2s`, `readable (io #3)`.
    pub fn waiting_on(&self) -> Option<&str> {
        self.waiting_on.as_deref()
    }
}

/// The state of a task in a [`Dump`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// Woken and in the run queue.
    Scheduled,
    /// Waiting to be woken.
    Idle,
    /// Being polled: it is the task that asked for the dump.
    Running,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            TaskState::Scheduled => "scheduled",
            TaskState::Idle => "idle",
            TaskState::Running => "running",
        })
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} live task(s)", self.tasks.len())?;
        writeln!(
            f,
            "{:>6}  {:<10} {:>7} {:>10}  {:<24} waiting on",
            "id", "state", "polls", "busy", "task"
        )?;
        for task in &self.tasks {
            let label = match &task.name {
                Some(name) => format!("\"{name}\" ({})", task.location),
                None => task.location.clone(),
            };
            writeln!(
                f,
                "{:>6}  {:<10} {:>7} {:>10}  {:<24} {}",
                task.id,
                task.state,
                task.polls,
                format!("{:.1?}", task.busy),
                label,
                task.waiting_on.as_deref().unwrap_or("-"),
            )?;
        }
        Ok(())
    }
}

/// Text for a [`WaitingOn`](super::diagnostics::WaitingOn), relative to now.
pub(crate) fn describe_wait(wait: super::diagnostics::WaitingOn, now: Instant) -> String {
    use super::diagnostics::WaitingOn;
    match wait {
        WaitingOn::Timer(deadline) => {
            format!("timer in {:.1?}", deadline.saturating_duration_since(now))
        }
        WaitingOn::Readable(key) => format!("readable (io #{key})"),
        WaitingOn::Writable(key) => format!("writable (io #{key})"),
    }
}
