//! [`Job`]: a job's hash (`rq:job:ID`) and its results stream
//! (`rq:results:ID`), read as Python RQ reads them.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use super::encode;
use super::{keys, RqError, RqResult};
use crate::redis::{cmd, MultiplexedConnection, Value as RedisValue};

/// Where a job is in its life (RQ's `JobStatus`, the hash's `status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting in its queue.
    Queued,
    /// A worker runs it.
    Started,
    /// It returned; its result is kept for `result_ttl`.
    Finished,
    /// It failed (an error, a timeout, or its worker died).
    Failed,
    /// Waiting for the jobs it depends on.
    Deferred,
    /// Scheduled for later.
    Scheduled,
    /// Stopped by a command.
    Stopped,
    /// Canceled.
    Canceled,
    /// Made, not enqueued.
    Created,
    /// A status this version does not know, as stored.
    Other(String),
}

impl JobStatus {
    /// The value RQ stores.
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Started => "started",
            JobStatus::Finished => "finished",
            JobStatus::Failed => "failed",
            JobStatus::Deferred => "deferred",
            JobStatus::Scheduled => "scheduled",
            JobStatus::Stopped => "stopped",
            JobStatus::Canceled => "canceled",
            JobStatus::Created => "created",
            JobStatus::Other(other) => other,
        }
    }

    fn parse(text: &str) -> JobStatus {
        match text {
            "queued" => JobStatus::Queued,
            "started" => JobStatus::Started,
            "finished" => JobStatus::Finished,
            "failed" => JobStatus::Failed,
            "deferred" => JobStatus::Deferred,
            "scheduled" => JobStatus::Scheduled,
            "stopped" => JobStatus::Stopped,
            "canceled" => JobStatus::Canceled,
            "created" => JobStatus::Created,
            other => JobStatus::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finished or failed execution left (RQ's `Result`).
#[derive(Debug, Clone, PartialEq)]
pub enum JobResult {
    /// It returned this (`None` for Python's `None`).
    Success {
        /// The return value, decoded from JSON.
        return_value: Option<Value>,
        /// The worker that ran it.
        worker_name: String,
    },
    /// It failed: the exception text (a traceback from Python, one line
    /// from evloop).
    Failure {
        /// The exception's text.
        exc_string: String,
        /// The worker that ran it (empty when RQ's maintenance failed it).
        worker_name: String,
    },
    /// Stopped, retried, or past its retries (types 3 to 5).
    Other(i64),
}

/// A job in Redis (Python RQ's `Job`, with its JSON serializer).
///
/// The call it stands for is read once, by [`Job::fetch`] or at enqueue;
/// [`get_status`](Job::get_status), [`return_value`](Job::return_value) and
/// [`exc_info`](Job::exc_info) ask Redis each time.
#[derive(Clone)]
pub struct Job {
    pub(crate) id: String,
    pub(crate) con: MultiplexedConnection,
    pub(crate) func_name: String,
    pub(crate) args: Vec<Value>,
    pub(crate) kwargs: Map<String, Value>,
    pub(crate) origin: String,
    pub(crate) description: String,
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("description", &self.description)
            .field("origin", &self.origin)
            .finish()
    }
}

impl Job {
    /// Reads job `id` (`HGETALL rq:job:ID`).
    ///
    /// # Errors
    ///
    /// [`RqError::NoSuchJob`] if it does not exist (or expired); an error
    /// if its data is not RQ's JSON format; Redis errors.
    pub async fn fetch(id: &str, con: &MultiplexedConnection) -> RqResult<Job> {
        let mut con = con.clone();
        let hash: HashMap<String, Vec<u8>> = cmd("HGETALL")
            .arg(keys::job(id))
            .query_async(&mut con)
            .await?;
        Job::from_hash(id, con, &hash)
    }

    pub(crate) fn from_hash(
        id: &str,
        con: MultiplexedConnection,
        hash: &HashMap<String, Vec<u8>>,
    ) -> RqResult<Job> {
        if hash.is_empty() {
            return Err(RqError::NoSuchJob(id.to_owned()));
        }
        let data = hash
            .get("data")
            .ok_or_else(|| RqError::Format(format!("job {id} has no data field")))?;
        let (func_name, args, kwargs) =
            encode::parse_job_data(data).map_err(|e| RqError::Format(format!("job {id}: {e}")))?;
        let text = |field: &str| {
            hash.get(field)
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        Ok(Job {
            id: id.to_owned(),
            con,
            description: text("description")
                .unwrap_or_else(|| encode::description(&func_name, &args, &kwargs)),
            func_name,
            args,
            kwargs,
            origin: text("origin").unwrap_or_default(),
        })
    }

    /// The job's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The function's name (`mymodule.count_words_at_url`).
    pub fn func_name(&self) -> &str {
        &self.func_name
    }

    /// The positional arguments.
    pub fn args(&self) -> &[Value] {
        &self.args
    }

    /// The keyword arguments.
    pub fn kwargs(&self) -> &Map<String, Value> {
        &self.kwargs
    }

    /// The queue it was enqueued on.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How RQ shows it: `mymodule.f('arg')`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Its status now (`HGET rq:job:ID status`); `None` once the job is
    /// gone (its result expired).
    ///
    /// # Errors
    ///
    /// Redis errors.
    pub async fn get_status(&self) -> RqResult<Option<JobStatus>> {
        let mut con = self.con.clone();
        let status: Option<String> = cmd("HGET")
            .arg(keys::job(&self.id))
            .arg("status")
            .query_async(&mut con)
            .await?;
        Ok(status.map(|s| JobStatus::parse(&s)))
    }

    /// The latest execution's result, if any (`XREVRANGE rq:results:ID + - COUNT 1`).
    ///
    /// # Errors
    ///
    /// Redis errors, or a result not in RQ's format.
    pub async fn latest_result(&self) -> RqResult<Option<JobResult>> {
        let mut con = self.con.clone();
        let entries: RedisValue = cmd("XREVRANGE")
            .arg(keys::results(&self.id))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut con)
            .await?;
        parse_latest(&entries)
    }

    /// Waits until the job has a result, at most `limit` (`XREAD BLOCK` on
    /// its results stream, as Python's `latest_result(timeout=…)`), on a
    /// connection of its own opened from `client`, since the wait blocks
    /// the connection.
    ///
    /// # Errors
    ///
    /// Redis errors, or a result not in RQ's format.
    pub async fn wait_result(
        &self,
        client: &crate::redis::Client,
        limit: Duration,
    ) -> RqResult<Option<JobResult>> {
        if let Some(result) = self.latest_result().await? {
            return Ok(Some(result));
        }
        let mut blocking = client.get_async_connection().await?;
        let millis = limit.as_millis().clamp(1, u128::from(u32::MAX)) as u64;
        let read: RedisValue = cmd("XREAD")
            .arg("BLOCK")
            .arg(millis)
            .arg("STREAMS")
            .arg(keys::results(&self.id))
            .arg("0-0")
            .query_async(&mut blocking)
            .await?;
        if read.is_nil() {
            return Ok(None);
        }
        self.latest_result().await
    }

    /// The return value of the latest successful execution, if it succeeded
    /// (Python's `job.return_value()`); `None` also for a job that returned
    /// nothing.
    ///
    /// # Errors
    ///
    /// As [`latest_result`](Job::latest_result).
    pub async fn return_value(&self) -> RqResult<Option<Value>> {
        Ok(match self.latest_result().await? {
            Some(JobResult::Success { return_value, .. }) => return_value,
            _ => None,
        })
    }

    /// The exception text of the latest execution, if it failed (Python's
    /// `job.exc_info`).
    ///
    /// # Errors
    ///
    /// As [`latest_result`](Job::latest_result).
    pub async fn exc_info(&self) -> RqResult<Option<String>> {
        Ok(match self.latest_result().await? {
            Some(JobResult::Failure { exc_string, .. }) => Some(exc_string),
            _ => None,
        })
    }
}

/// Reads `[[id, [field, value, …]]]` from XREVRANGE.
fn parse_latest(entries: &RedisValue) -> RqResult<Option<JobResult>> {
    let Some(entry) = entries.as_sequence().and_then(|e| e.first()) else {
        return Ok(None);
    };
    let bad = || RqError::Format(format!("a result not in RQ's format: {entry:?}"));
    let fields = entry
        .as_sequence()
        .and_then(|parts| parts.get(1))
        .and_then(RedisValue::as_sequence)
        .ok_or_else(bad)?;
    let mut map: HashMap<String, Vec<u8>> = HashMap::new();
    for pair in fields.chunks(2) {
        if let [RedisValue::BulkString(k), RedisValue::BulkString(v)] = pair {
            map.insert(String::from_utf8_lossy(k).into_owned(), v.clone());
        }
    }
    let text = |f: &str| {
        map.get(f)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    };
    let kind: i64 = text("type").parse().map_err(|_| bad())?;
    Ok(Some(match kind {
        1 => JobResult::Success {
            return_value: match map.get("return_value") {
                None => None,
                Some(b64) => {
                    let json = encode::unbase64(b64).map_err(RqError::Format)?;
                    Some(serde_json::from_slice(&json).map_err(|e| {
                        RqError::Format(format!("a return value that is not JSON: {e}"))
                    })?)
                }
            },
            worker_name: text("worker_name"),
        },
        2 => JobResult::Failure {
            exc_string: match map.get("exc_string") {
                Some(field) => encode::parse_exc_string(field).map_err(RqError::Format)?,
                None => String::new(),
            },
            worker_name: text("worker_name"),
        },
        other => JobResult::Other(other),
    }))
}
