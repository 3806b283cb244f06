//! [`Queue`]: enqueues jobs in RQ's format (`rq:queue:NAME`, `rq:job:ID`).

use serde::Serialize;
use serde_json::{Map, Value};

use super::job::Job;
use super::{encode, keys, time, RqError, RqResult};
use crate::redis::{cmd, pipe, MultiplexedConnection};

/// RQ's default job timeout, in seconds.
pub(crate) const DEFAULT_TIMEOUT: i64 = 180;

/// A queue (Python RQ's `Queue`, with its JSON serializer).
///
/// # Examples
///
/// ```no_run
/// use evloop::rq::Queue;
///
/// evloop::block_on(async {
///     let client = evloop::redis::Client::open("redis://127.0.0.1/")?;
///     let queue = Queue::new("default", client.get_multiplexed_async_connection().await?);
///     let job = queue.enqueue("mymodule.count_words_at_url", ("http://nvie.com",)).await?;
///     println!("{} ({})", job.description(), job.id());
///     Ok::<(), evloop::rq::RqError>(())
/// })?;
/// # Ok::<(), evloop::rq::RqError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Queue {
    name: String,
    con: MultiplexedConnection,
}

/// The fuller form of [`Queue::enqueue`]: Python RQ's keyword arguments.
#[derive(Clone, Debug, Default)]
pub struct EnqueueOptions {
    kwargs: Map<String, Value>,
    job_id: Option<String>,
    job_timeout: Option<i64>,
    result_ttl: Option<i64>,
    failure_ttl: Option<i64>,
    description: Option<String>,
    at_front: bool,
}

impl EnqueueOptions {
    /// The defaults: no keyword arguments, a fresh id, RQ's defaults.
    pub fn new() -> EnqueueOptions {
        EnqueueOptions::default()
    }

    /// Keyword arguments for the function.
    pub fn kwargs(mut self, kwargs: Map<String, Value>) -> EnqueueOptions {
        self.kwargs = kwargs;
        self
    }

    /// The job's id (letters, digits, `-` and `_`; default a random UUID).
    pub fn job_id(mut self, id: impl Into<String>) -> EnqueueOptions {
        self.job_id = Some(id.into());
        self
    }

    /// How long the job may run, in seconds (RQ's default 180; -1: no limit).
    pub fn job_timeout(mut self, seconds: i64) -> EnqueueOptions {
        self.job_timeout = Some(seconds);
        self
    }

    /// How long its result is kept, in seconds (the worker's default, 500,
    /// if not given; 0: not kept; -1: for ever).
    pub fn result_ttl(mut self, seconds: i64) -> EnqueueOptions {
        self.result_ttl = Some(seconds);
        self
    }

    /// How long a failed job is kept, in seconds (default a year).
    pub fn failure_ttl(mut self, seconds: i64) -> EnqueueOptions {
        self.failure_ttl = Some(seconds);
        self
    }

    /// The description shown in logs (default `func(args…)`, as RQ makes it).
    pub fn description(mut self, description: impl Into<String>) -> EnqueueOptions {
        self.description = Some(description.into());
        self
    }

    /// Puts the job at the front of the queue instead of the back.
    pub fn at_front(mut self, at_front: bool) -> EnqueueOptions {
        self.at_front = at_front;
        self
    }
}

impl Queue {
    /// The queue `name` on `con`'s server.
    pub fn new(name: impl Into<String>, con: MultiplexedConnection) -> Queue {
        Queue {
            name: name.into(),
            con,
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Enqueues a call of `func_name` with positional `args` (a tuple, an
    /// array or a `Vec` of anything that serializes to JSON), as Python's
    /// `q.enqueue('mymodule.f', *args)` does.
    ///
    /// # Errors
    ///
    /// `args` that do not serialize to a JSON array, or Redis errors.
    pub async fn enqueue<A: Serialize>(&self, func_name: &str, args: A) -> RqResult<Job> {
        self.enqueue_with(func_name, args, EnqueueOptions::new())
            .await
    }

    /// [`enqueue`](Queue::enqueue) with keyword arguments, id, timeouts and
    /// TTLs.
    ///
    /// # Errors
    ///
    /// As [`enqueue`](Queue::enqueue), and a job id RQ would refuse.
    pub async fn enqueue_with<A: Serialize>(
        &self,
        func_name: &str,
        args: A,
        options: EnqueueOptions,
    ) -> RqResult<Job> {
        let args = match serde_json::to_value(args) {
            Ok(Value::Array(args)) => args,
            // `()`: no arguments.
            Ok(Value::Null) => Vec::new(),
            Ok(other) => {
                return Err(RqError::Format(format!(
                "job arguments must serialize to a JSON array (a tuple, array or Vec), not {other}"
            )))
            }
            Err(e) => {
                return Err(RqError::Format(format!(
                    "job arguments do not serialize to JSON: {e}"
                )))
            }
        };
        let id = match options.job_id {
            Some(id) => {
                if id.is_empty()
                    || !id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(RqError::Format(format!(
                        "job id {id:?}: RQ takes letters, digits, '-' and '_' only"
                    )));
                }
                id
            }
            None => uuid4(),
        };
        let description = options
            .description
            .unwrap_or_else(|| encode::description(func_name, &args, &options.kwargs));
        let now = time::now_utc();
        let mut fields: Vec<(&str, Vec<u8>)> = vec![
            ("status", b"queued".to_vec()),
            ("created_at", now.clone().into_bytes()),
            ("data", encode::job_data(func_name, &args, &options.kwargs)),
            ("origin", self.name.clone().into_bytes()),
            ("description", description.clone().into_bytes()),
            ("enqueued_at", now.into_bytes()),
            (
                "timeout",
                options
                    .job_timeout
                    .unwrap_or(DEFAULT_TIMEOUT)
                    .to_string()
                    .into_bytes(),
            ),
        ];
        if let Some(ttl) = options.result_ttl {
            fields.push(("result_ttl", ttl.to_string().into_bytes()));
        }
        if let Some(ttl) = options.failure_ttl {
            fields.push(("failure_ttl", ttl.to_string().into_bytes()));
        }
        let mut hset = cmd("HSET");
        hset.arg(keys::job(&id));
        for (field, value) in &fields {
            hset.arg(*field).arg(value.as_slice());
        }
        // One transaction: RQ's two (SADD, then the rest) in one round trip.
        let mut p = pipe();
        p.atomic()
            .cmd("SADD")
            .arg(keys::QUEUES)
            .arg(keys::queue(&self.name))
            .ignore()
            .add_command(hset)
            .ignore()
            .cmd(if options.at_front { "LPUSH" } else { "RPUSH" })
            .arg(keys::queue(&self.name))
            .arg(&id)
            .ignore();
        let mut con = self.con.clone();
        p.query_async::<()>(&mut con).await?;
        Ok(Job {
            id,
            con,
            func_name: func_name.to_owned(),
            args,
            kwargs: options.kwargs,
            origin: self.name.clone(),
            description,
        })
    }

    /// How many jobs wait in the queue (`LLEN`).
    ///
    /// # Errors
    ///
    /// Redis errors.
    pub async fn count(&self) -> RqResult<usize> {
        let mut con = self.con.clone();
        Ok(cmd("LLEN")
            .arg(keys::queue(&self.name))
            .query_async(&mut con)
            .await?)
    }

    /// The ids of the jobs waiting, oldest first.
    ///
    /// # Errors
    ///
    /// Redis errors.
    pub async fn job_ids(&self) -> RqResult<Vec<String>> {
        let mut con = self.con.clone();
        Ok(cmd("LRANGE")
            .arg(keys::queue(&self.name))
            .arg(0)
            .arg(-1)
            .query_async(&mut con)
            .await?)
    }
}

/// A random (version 4) UUID, as Python's `str(uuid4())`. Random enough for
/// ids: std's `RandomState` is seeded from the OS for every instance.
pub(crate) fn uuid4() -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&random_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&random_u64().to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// 64 random bits from the OS-seeded hasher keys (no `rand` dependency).
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_look_like_python_s_and_differ() {
        let a = uuid4();
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4', "{a}");
        assert!(matches!(a.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "{a}");
        let many: std::collections::HashSet<String> = (0..1000).map(|_| uuid4()).collect();
        assert_eq!(many.len(), 1000);
    }
}
