//! RQ on evloop (feature `rq`): workers and a queue that speak Python RQ's
//! own Redis format (RQ 3.x with its `JSONSerializer`), so an evloop worker
//! runs jobs a Python program enqueued, Python's `rq worker` runs jobs
//! evloop enqueued, and many workers on many machines share one queue.
//!
//! ```no_run
//! use evloop::rq::{Queue, Worker};
//!
//! evloop::block_on(async {
//!     let client = evloop::redis::Client::open("redis://127.0.0.1/")?;
//!     // The note's program: enqueue...
//!     let queue = Queue::new("default", client.get_multiplexed_async_connection().await?);
//!     let job = queue.enqueue("mymodule.count_words_at_url", ("http://nvie.com",)).await?;
//!     // ...and a worker (here in the same program, usually elsewhere).
//!     let mut worker = Worker::new(["default"], client.clone());
//!     worker.register("mymodule.count_words_at_url", |args, _kwargs| async move {
//!         let url = args[0].as_str().unwrap_or_default().to_owned();
//!         let text = evloop::http::Client::new().get(&url).send().await?.text().await?;
//!         Ok::<_, evloop::http::Error>(text.split_whitespace().count())
//!     });
//!     worker.work(true).await?;
//!     println!("{:?}", job.return_value().await?);
//!     Ok::<(), evloop::rq::RqError>(())
//! })?;
//! # Ok::<(), evloop::rq::RqError>(())
//! ```
//!
//! # The Redis layout (RQ's)
//!
//! | key | what |
//! | --- | --- |
//! | `rq:queues` | set of the queues' keys |
//! | `rq:queue:Q` | list of waiting job ids; `rq:queue:Q:intermediate` holds the ones a worker took and has not started yet |
//! | `rq:job:ID` | hash: `data` (zlib of JSON `[func, null, args, kwargs]`), `status`, `origin`, `description`, `timeout`, TTLs, times |
//! | `rq:wip:Q` | sorted set of `ID:EXECUTION` being run, scored by when its worker must have sent a heartbeat |
//! | `rq:execution:ID:EXECUTION`, `rq:executions:ID` | one execution of a job |
//! | `rq:results:ID` | stream of results: `type` 1 with `return_value` (base64 of JSON), or 2 with `exc_string` (base64 of zlib of the text) |
//! | `rq:finished:Q`, `rq:failed:Q` | sorted sets of ended jobs, scored by expiry |
//! | `rq:worker:NAME`, `rq:workers`, `rq:workers:Q` | the workers and what they listen on |
//!
//! An evloop worker writes what RQ's own workers write, in one transaction
//! per step, so RQ's readers (`Job.fetch`, `job.return_value()`,
//! `job.get_status()`), its maintenance (a job whose worker died is failed
//! once its `rq:wip:Q` score passes) and its dashboards see no difference.
//! It does not implement job dependencies, retries, scheduling or RQ's
//! worker commands (`rq:pubsub:NAME`).

mod encode;
mod job;
mod queue;
mod time;
mod worker;

use std::fmt;

pub use job::{Job, JobResult, JobStatus};
pub use queue::{EnqueueOptions, Queue};
pub use worker::{StopHandle, WorkSummary, Worker};

use crate::redis::RedisError;

/// `Result<T, RqError>`.
pub type RqResult<T> = Result<T, RqError>;

/// An error from RQ's layer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RqError {
    /// Redis refused or the connection failed.
    Redis(RedisError),
    /// No job has this id (it never existed, or its result expired).
    NoSuchJob(String),
    /// Something in Redis is not in RQ's format, or an argument that RQ
    /// would refuse.
    Format(String),
}

impl fmt::Display for RqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RqError::Redis(e) => write!(f, "rq: {e}"),
            RqError::NoSuchJob(id) => write!(f, "rq: no such job: {id}"),
            RqError::Format(why) => write!(f, "rq: {why}"),
        }
    }
}

impl std::error::Error for RqError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RqError::Redis(e) => Some(e),
            _ => None,
        }
    }
}

impl From<RedisError> for RqError {
    fn from(error: RedisError) -> RqError {
        RqError::Redis(error)
    }
}

/// RQ's key names (the default `rq` prefix).
mod keys {
    pub(crate) const QUEUES: &str = "rq:queues";
    pub(crate) const WORKERS: &str = "rq:workers";
    pub(crate) const QUEUE_PREFIX: &str = "rq:queue:";

    pub(crate) fn queue(name: &str) -> String {
        format!("{QUEUE_PREFIX}{name}")
    }
    pub(crate) fn intermediate(queue: &str) -> String {
        format!("rq:queue:{queue}:intermediate")
    }
    pub(crate) fn job(id: &str) -> String {
        format!("rq:job:{id}")
    }
    pub(crate) fn results(id: &str) -> String {
        format!("rq:results:{id}")
    }
    pub(crate) fn execution(id: &str, exec: &str) -> String {
        format!("rq:execution:{id}:{exec}")
    }
    pub(crate) fn executions(id: &str) -> String {
        format!("rq:executions:{id}")
    }
    pub(crate) fn started(queue: &str) -> String {
        format!("rq:wip:{queue}")
    }
    pub(crate) fn finished(queue: &str) -> String {
        format!("rq:finished:{queue}")
    }
    pub(crate) fn failed(queue: &str) -> String {
        format!("rq:failed:{queue}")
    }
    pub(crate) fn worker(name: &str) -> String {
        format!("rq:worker:{name}")
    }
    pub(crate) fn worker_executions(name: &str) -> String {
        format!("rq:worker:{name}:executions")
    }
    pub(crate) fn workers_of(queue: &str) -> String {
        format!("rq:workers:{queue}")
    }
}
