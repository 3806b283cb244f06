//! [`Worker`]: takes jobs from RQ queues, runs the registered handlers on
//! the loop, and does RQ's bookkeeping so that Python RQ's readers and its
//! maintenance see exactly what its own workers leave.
//!
//! ```text
//!   taker (dedicated connection)        job tasks (shared connection)
//!   ─────────────────────────────       ───────────────────────────────────
//!   permit ◀── at most `concurrency` ── each running job holds one
//!   BLMOVE queue → queue:intermediate    MULTI: execution, rq:wip:Q score,
//!   HGETALL rq:job:ID  ───── spawn ────▶   status started, LREM intermediate
//!                                        run the handler under its timeout
//!   heartbeat task: every interval,      MULTI: result XADD, status, TTLs,
//!   the worker key and each running        finished/failed registry,
//!   job's rq:wip:Q score (ZADD XX)         drop execution and wip entry
//! ```
//!
//! A job whose worker dies keeps its `rq:wip:Q` entry, whose score stops
//! moving; once it is in the past, RQ's `StartedJobRegistry` cleanup fails
//! the job as abandoned, as it does for its own workers.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::queue::{uuid4, DEFAULT_TIMEOUT};
use super::{encode, keys, time, RqError, RqResult};
use crate::redis::{cmd, pipe, AsyncCommands, Client, Direction, MultiplexedConnection, Pipeline};
use crate::sync::{Notify, Semaphore};

/// How long a result is kept when the job does not say (RQ's default).
const DEFAULT_RESULT_TTL: i64 = 500;
/// How long a failed job is kept when it does not say (RQ's: a year).
const DEFAULT_FAILURE_TTL: i64 = 31_536_000;
/// The worker key's TTL, refreshed by every heartbeat (RQ: 420 + 60).
const WORKER_TTL: i64 = 480;
/// How long one wait for a job blocks before the taker looks at the stop
/// flag again: a warm shutdown is noticed within this.
const TAKE_BLOCK: f64 = 1.0;

/// What a handler gets: the job's positional and keyword arguments.
type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, String>>>>;
type Handler = Rc<dyn Fn(Vec<Value>, Map<String, Value>) -> HandlerFuture>;

/// Runs jobs from RQ queues (Python RQ's `Worker`, JSON serializer).
///
/// Handlers are registered by function name (`mymodule.echo`) and get the
/// job's JSON `args` and `kwargs`; what they return (any `Serialize`) is
/// the job's return value, an `Err` (anything `Display`) or a panic fails
/// that job only. Up to [`concurrency`](Worker::concurrency) jobs run at
/// once on the loop (RQ runs one a process); each is cut off at its
/// `timeout` (180 s by default) and fails as RQ's timed-out jobs do. A job
/// for a function nobody registered fails with a message that names it.
///
/// It takes `Client` rather than a connection: waiting for jobs blocks a
/// connection (`BLMOVE`), so the worker opens one for that and one for its
/// jobs' bookkeeping.
///
/// # Examples
///
/// ```no_run
/// use evloop::rq::Worker;
///
/// evloop::block_on(async {
///     let client = evloop::redis::Client::open("redis://127.0.0.1/")?;
///     let mut worker = Worker::new(["default"], client);
///     worker.register("mymodule.echo", |args, _kwargs| async move {
///         Ok::<_, String>(args.into_iter().next().unwrap_or_default())
///     });
///     let done = worker.work(true).await?; // burst: until the queue is empty
///     println!("{} jobs", done.finished + done.failed);
///     Ok::<(), evloop::rq::RqError>(())
/// })?;
/// # Ok::<(), evloop::rq::RqError>(())
/// ```
pub struct Worker {
    queues: Vec<String>,
    client: Client,
    handlers: HashMap<String, Handler>,
    name: String,
    concurrency: usize,
    heartbeat: Duration,
    log: bool,
    stop: Rc<StopFlag>,
}

/// What [`Worker::work`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkSummary {
    /// Jobs that returned.
    pub finished: usize,
    /// Jobs that failed (errors, panics, timeouts, unknown functions).
    pub failed: usize,
}

/// Asks a running [`Worker::work`] to stop taking jobs, finish the running
/// ones and deregister (a warm shutdown, as Ctrl-C or SIGTERM do).
#[derive(Clone)]
pub struct StopHandle {
    flag: Rc<StopFlag>,
}

#[derive(Default)]
struct StopFlag {
    requested: Cell<bool>,
    notify: Notify,
}

impl StopHandle {
    /// Requests the warm shutdown.
    pub fn stop(&self) {
        self.flag.requested.set(true);
        self.flag.notify.notify_waiters();
    }
}

impl fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopHandle")
            .field("requested", &self.flag.requested.get())
            .finish()
    }
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut functions: Vec<&String> = self.handlers.keys().collect();
        functions.sort();
        f.debug_struct("Worker")
            .field("name", &self.name)
            .field("queues", &self.queues)
            .field("functions", &functions)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

impl Worker {
    /// A worker for `queues` (taken in the order given) on `client`'s server.
    pub fn new<Q: Into<String>>(queues: impl IntoIterator<Item = Q>, client: Client) -> Worker {
        Worker {
            queues: queues.into_iter().map(Into::into).collect(),
            client,
            handlers: HashMap::new(),
            name: uuid4().replace('-', ""),
            concurrency: 1,
            heartbeat: Duration::from_secs(30),
            log: true,
            stop: Rc::default(),
        }
    }

    /// Registers the handler for jobs of `func_name`.
    pub fn register<F, Fut, T, E>(&mut self, func_name: &str, handler: F) -> &mut Worker
    where
        F: Fn(Vec<Value>, Map<String, Value>) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
        T: serde::Serialize,
        E: fmt::Display,
    {
        let handler: Handler = Rc::new(move |args, kwargs| {
            let call = handler(args, kwargs);
            Box::pin(async move {
                match call.await {
                    Ok(value) => serde_json::to_value(value)
                        .map_err(|e| format!("evloop.rq.UnserializableReturnValue: {e}")),
                    Err(e) => Err(e.to_string()),
                }
            })
        });
        self.handlers.insert(func_name.to_owned(), handler);
        self
    }

    /// The worker's name (default a random 32-hex id, as RQ's); its key is
    /// `rq:worker:NAME`.
    pub fn name(&mut self, name: impl Into<String>) -> &mut Worker {
        self.name = name.into();
        self
    }

    /// How many jobs may run at once (default 1).
    pub fn concurrency(&mut self, jobs: usize) -> &mut Worker {
        self.concurrency = jobs.max(1);
        self
    }

    /// How often the worker refreshes its key and its running jobs'
    /// started-registry entries (default 30 s, RQ's `job_monitoring_interval`).
    /// Each entry lasts three intervals, so a worker that dies leaves jobs
    /// that RQ's maintenance fails after at most that long.
    pub fn heartbeat_interval(&mut self, interval: Duration) -> &mut Worker {
        self.heartbeat = interval.max(Duration::from_millis(10));
        self
    }

    /// Whether to print RQ's log lines to stdout (default true).
    pub fn log(&mut self, log: bool) -> &mut Worker {
        self.log = log;
        self
    }

    /// A handle to ask for a warm shutdown.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            flag: self.stop.clone(),
        }
    }

    /// Takes and runs jobs. With `burst`, until every queue is empty and the
    /// last job ended; otherwise until a warm shutdown (a [`StopHandle`],
    /// or Ctrl-C / SIGTERM with the `signal` feature). Registers the worker
    /// first and deregisters it at the end.
    ///
    /// # Errors
    ///
    /// Redis errors of the worker's own connections (a job's failure is the
    /// job's, not the worker's).
    pub async fn work(&self, burst: bool) -> RqResult<WorkSummary> {
        if self.queues.is_empty() {
            return Err(RqError::Format("a worker needs at least one queue".into()));
        }
        let shared = self.client.get_multiplexed_async_connection().await?;
        let mut taker = self
            .client
            .get_async_connection_with_config(
                &crate::redis::AsyncConnectionConfig::new()
                    .set_response_timeout(Some(Duration::from_secs(10))),
            )
            .await?;
        let state = Rc::new(Running {
            worker: self.name.clone(),
            con: shared.clone(),
            heartbeat: self.heartbeat,
            jobs: RefCell::new(HashMap::new()),
            summary: Cell::new(WorkSummary::default()),
            log: self.log,
        });
        self.register_worker(&shared).await?;
        self.say(format!(
            "RQ worker '{}' started, version evloop {}",
            keys::worker(&self.name),
            env!("CARGO_PKG_VERSION")
        ));
        self.say(format!("*** Listening on {}...", self.queues.join(", ")));
        let _signals = self.watch_signals();
        let beat = crate::spawn(heartbeat(state.clone(), self.name.clone()));
        let slots = Rc::new(Semaphore::new(self.concurrency));
        let result = self.take_jobs(burst, &mut taker, &state, &slots).await;
        // Warm: the running jobs finish (each holds a slot until it ends).
        drop(slots.acquire_many(self.concurrency as u32).await);
        beat.abort();
        self.deregister_worker(&shared).await?;
        result?;
        Ok(state.summary.get())
    }

    /// The taking loop: free slots, then as many jobs as they hold (one
    /// round trip for all), then a task for each. A job's task reads its
    /// hash itself, so that the reads of many jobs share round trips on the
    /// shared connection and the taker only ever waits for `LMOVE`s.
    async fn take_jobs(
        &self,
        burst: bool,
        taker: &mut crate::redis::aio::Connection,
        state: &Rc<Running>,
        slots: &Rc<Semaphore>,
    ) -> RqResult<()> {
        while !self.stop.requested.get() {
            let first = slots.clone().acquire_owned().await.expect("never closed");
            if self.stop.requested.get() {
                break;
            }
            let mut permits = vec![first];
            while let Ok(permit) = slots.clone().try_acquire_owned() {
                permits.push(permit);
            }
            let taken = self.take_some(burst, taker, permits.len()).await?;
            if taken.is_empty() {
                drop(permits);
                if burst {
                    // Empty: wait for the running jobs, then look again
                    // (none of them enqueues, but another client may have).
                    drop(slots.acquire_many(self.concurrency as u32).await);
                    if self.take_peek(&state.con).await? {
                        continue;
                    }
                    return Ok(());
                }
                self.worker_heartbeat(&state.con).await?;
                continue;
            }
            for ((queue, id), permit) in taken.into_iter().zip(permits) {
                let task = JobRun {
                    state: state.clone(),
                    queue,
                    id,
                    hash: HashMap::new(),
                    handlers: self.handlers.clone(),
                    single_queue: self.queues.len() == 1,
                };
                drop(crate::spawn(async move {
                    let _permit = permit;
                    task.fetch_and_run().await;
                }));
            }
        }
        Ok(())
    }

    /// Up to `room` job ids. From one queue, one round trip of `LMOVE`s
    /// takes them all; if there were none (and not in burst mode) one
    /// `BLMOVE` waits for the next. From several queues, one at a time.
    async fn take_some(
        &self,
        burst: bool,
        con: &mut crate::redis::aio::Connection,
        room: usize,
    ) -> RqResult<Vec<(String, String)>> {
        let [queue] = self.queues.as_slice() else {
            return Ok(self.take_one(burst, con).await?.into_iter().collect());
        };
        if room > 1 || burst {
            let (from, to) = (keys::queue(queue), keys::intermediate(queue));
            let mut p = pipe();
            for _ in 0..room {
                p.cmd("LMOVE").arg(&from).arg(&to).arg("LEFT").arg("RIGHT");
            }
            let ids: Vec<Option<String>> = p.query_async(con).await?;
            let ids: Vec<(String, String)> = ids
                .into_iter()
                .flatten()
                .map(|id| (queue.clone(), id))
                .collect();
            if !ids.is_empty() || burst {
                return Ok(ids);
            }
        }
        Ok(self.take_one(burst, con).await?.into_iter().collect())
    }

    /// One job id, as RQ takes it: `BLMOVE` into the intermediate list for
    /// one queue (`LMOVE` in burst mode), `BLPOP` (or `LPOP`s) for several.
    async fn take_one(
        &self,
        burst: bool,
        con: &mut crate::redis::aio::Connection,
    ) -> RqResult<Option<(String, String)>> {
        if let [queue] = self.queues.as_slice() {
            let (from, to) = (keys::queue(queue), keys::intermediate(queue));
            let id: Option<String> = if burst {
                con.lmove(&from, &to, Direction::Left, Direction::Right)
                    .await?
            } else {
                con.blmove(&from, &to, Direction::Left, Direction::Right, TAKE_BLOCK)
                    .await?
            };
            return Ok(id.map(|id| (queue.clone(), id)));
        }
        if burst {
            for queue in &self.queues {
                let id: Option<String> = con.lpop(keys::queue(queue), None).await?;
                if let Some(id) = id {
                    return Ok(Some((queue.clone(), id)));
                }
            }
            return Ok(None);
        }
        let keys: Vec<String> = self.queues.iter().map(|q| keys::queue(q)).collect();
        let popped: Option<(String, String)> = con.blpop(&keys, TAKE_BLOCK).await?;
        Ok(popped.map(|(key, id)| (key.trim_start_matches(keys::QUEUE_PREFIX).to_owned(), id)))
    }

    /// True if any queue has a job waiting.
    async fn take_peek(&self, con: &MultiplexedConnection) -> RqResult<bool> {
        let mut con = con.clone();
        for queue in &self.queues {
            if con.llen::<_, usize>(keys::queue(queue)).await? > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn register_worker(&self, con: &MultiplexedConnection) -> RqResult<()> {
        let key = keys::worker(&self.name);
        let mut con = con.clone();
        if con.exists::<_, bool>(&key).await? {
            let dead: bool = con.hexists(&key, "death").await?;
            if !dead {
                return Err(RqError::Format(format!(
                    "there is already an active worker named {:?}",
                    self.name
                )));
            }
        }
        let now = time::now_utc();
        let mut p = pipe();
        p.atomic().cmd("DEL").arg(&key).ignore();
        p.cmd("HSET")
            .arg(&key)
            .arg("birth")
            .arg(&now)
            .arg("last_heartbeat")
            .arg(&now)
            .arg("queues")
            .arg(self.queues.join(","))
            .arg("pid")
            .arg(std::process::id())
            .arg("hostname")
            .arg(hostname())
            .arg("version")
            .arg(concat!("evloop ", env!("CARGO_PKG_VERSION")))
            .arg("python_version")
            .arg("")
            .arg("state")
            .arg("started")
            .ignore();
        p.cmd("SADD").arg(keys::WORKERS).arg(&key).ignore();
        for queue in &self.queues {
            p.cmd("SADD")
                .arg(keys::workers_of(queue))
                .arg(&key)
                .ignore();
        }
        p.cmd("EXPIRE").arg(&key).arg(WORKER_TTL).ignore();
        p.query_async::<()>(&mut con).await?;
        Ok(())
    }

    async fn deregister_worker(&self, con: &MultiplexedConnection) -> RqResult<()> {
        let key = keys::worker(&self.name);
        let mut p = pipe();
        p.atomic().cmd("SREM").arg(keys::WORKERS).arg(&key).ignore();
        for queue in &self.queues {
            p.cmd("SREM")
                .arg(keys::workers_of(queue))
                .arg(&key)
                .ignore();
        }
        p.cmd("HSET")
            .arg(&key)
            .arg("death")
            .arg(time::now_utc())
            .ignore();
        p.cmd("EXPIRE").arg(&key).arg(60).ignore();
        p.cmd("DEL")
            .arg(keys::worker_executions(&self.name))
            .ignore();
        p.query_async::<()>(&mut con.clone()).await?;
        Ok(())
    }

    async fn worker_heartbeat(&self, con: &MultiplexedConnection) -> RqResult<()> {
        let key = keys::worker(&self.name);
        let mut p = pipe();
        p.cmd("HSET")
            .arg(&key)
            .arg("last_heartbeat")
            .arg(time::now_utc())
            .ignore();
        p.cmd("EXPIRE").arg(&key).arg(WORKER_TTL).ignore();
        p.query_async::<()>(&mut con.clone()).await?;
        Ok(())
    }

    /// Ctrl-C and SIGTERM ask for a warm shutdown (with the `signal`
    /// feature); the returned task watches them until dropped.
    fn watch_signals(&self) -> Option<AbortOnDrop> {
        #[cfg(all(unix, feature = "signal"))]
        {
            use crate::signal::{signal, SignalKind};
            let stop = self.stop_handle();
            let name = self.name.clone();
            let log = self.log;
            let mut int = signal(SignalKind::interrupt()).ok()?;
            let mut term = signal(SignalKind::terminate()).ok()?;
            let task = crate::spawn(async move {
                std::future::poll_fn(|cx| {
                    let a = int.poll_recv(cx).is_ready();
                    let b = term.poll_recv(cx).is_ready();
                    if a || b {
                        std::task::Poll::Ready(())
                    } else {
                        std::task::Poll::Pending
                    }
                })
                .await;
                say(log, &format!("Warm shut down requested (worker {name})"));
                stop.stop();
            });
            Some(AbortOnDrop(task))
        }
        #[cfg(not(all(unix, feature = "signal")))]
        {
            None
        }
    }

    fn say(&self, line: String) {
        say(self.log, &line);
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(crate::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The state the worker's tasks share.
struct Running {
    worker: String,
    con: MultiplexedConnection,
    heartbeat: Duration,
    /// Running jobs: id → (queue, execution id).
    jobs: RefCell<HashMap<String, (String, String)>>,
    summary: Cell<WorkSummary>,
    log: bool,
}

impl Running {
    /// How long a started-registry entry stays valid without a heartbeat.
    fn entry_ttl(&self) -> i64 {
        (self.heartbeat.as_secs_f64() * 3.0).ceil().max(1.0) as i64
    }

    fn say(&self, line: String) {
        say(self.log, &line);
    }
}

/// Refreshes the worker key and every running job's entries, every
/// interval, in one transaction.
async fn heartbeat(state: Rc<Running>, name: String) {
    loop {
        crate::time::sleep(state.heartbeat).await;
        let ttl = state.entry_ttl();
        let now = time::now_utc();
        let until = time::unix_now() as i64 + ttl;
        let key = keys::worker(&name);
        let mut p = pipe();
        p.atomic()
            .cmd("HSET")
            .arg(&key)
            .arg("last_heartbeat")
            .arg(&now)
            .ignore();
        p.cmd("EXPIRE").arg(&key).arg(WORKER_TTL).ignore();
        p.cmd("EXPIRE")
            .arg(keys::worker_executions(&name))
            .arg(ttl + 60)
            .ignore();
        for (id, (queue, exec)) in state.jobs.borrow().iter() {
            let execution = keys::execution(id, exec);
            p.cmd("HSET")
                .arg(&execution)
                .arg("last_heartbeat")
                .arg(time::unix_now())
                .ignore();
            p.cmd("EXPIRE").arg(&execution).arg(ttl).ignore();
            p.cmd("ZADD")
                .arg(keys::started(queue))
                .arg("XX")
                .arg(until)
                .arg(format!("{id}:{exec}"))
                .ignore();
            p.cmd("ZADD")
                .arg(keys::executions(id))
                .arg("XX")
                .arg(until + 60)
                .arg(exec)
                .ignore();
            p.cmd("EXPIRE")
                .arg(keys::executions(id))
                .arg(ttl + 60)
                .ignore();
            p.cmd("HSET")
                .arg(keys::job(id))
                .arg("last_heartbeat")
                .arg(&now)
                .ignore();
        }
        // A failed heartbeat is retried at the next interval; the worker's
        // own requests report a broken connection.
        let _ = p.query_async::<()>(&mut state.con.clone()).await;
    }
}

/// One job, from "started" to its result.
struct JobRun {
    state: Rc<Running>,
    queue: String,
    id: String,
    hash: HashMap<String, Vec<u8>>,
    handlers: HashMap<String, Handler>,
    single_queue: bool,
}

impl JobRun {
    fn field(&self, name: &str) -> Option<String> {
        self.hash
            .get(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    fn number(&self, name: &str) -> Option<i64> {
        self.field(name).and_then(|v| v.trim().parse().ok())
    }

    /// Reads the job's hash, then runs it; a job deleted or expired while
    /// it was queued is skipped, as RQ skips it.
    async fn fetch_and_run(mut self) {
        let mut con = self.state.con.clone();
        let fetched: crate::redis::RedisResult<HashMap<String, Vec<u8>>> = cmd("HGETALL")
            .arg(keys::job(&self.id))
            .query_async(&mut con)
            .await;
        match fetched {
            Ok(hash) if hash.is_empty() => {
                if self.single_queue {
                    let _ = cmd("LREM")
                        .arg(keys::intermediate(&self.queue))
                        .arg(1)
                        .arg(&self.id)
                        .query_async::<()>(&mut con)
                        .await;
                }
            }
            Ok(hash) => {
                self.hash = hash;
                self.run().await;
            }
            Err(e) => {
                // Left in the intermediate list, where RQ's maintenance
                // finds it.
                self.state.say(format!(
                    "{}: could not read job {}: {e}",
                    self.queue, self.id
                ));
            }
        }
    }

    async fn run(self) {
        let state = self.state.clone();
        let exec = uuid4().replace('-', "");
        let description = self.field("description").unwrap_or_else(|| "None".into());
        let timeout = self.number("timeout").unwrap_or(DEFAULT_TIMEOUT);
        let started = Instant::now();
        let started_unix = time::unix_now();
        state
            .jobs
            .borrow_mut()
            .insert(self.id.clone(), (self.queue.clone(), exec.clone()));
        if let Err(e) = self.mark_started(&exec, started_unix).await {
            state.say(format!(
                "{}: could not mark job {} started: {e}",
                self.queue, self.id
            ));
        }
        state.say(format!("{}: {description} ({})", self.queue, self.id));
        let outcome = self.call(timeout).await;
        let ended = Ended {
            exec,
            started: started_unix,
            ended: time::unix_now(),
            took: started.elapsed(),
        };
        state.jobs.borrow_mut().remove(&self.id);
        let succeeded = outcome.is_ok();
        let result = match outcome {
            Ok(value) => {
                let ttl = self.number("result_ttl").unwrap_or(DEFAULT_RESULT_TTL);
                let done = self.finish(&ended, &value, ttl).await;
                state.say(format!("{}: Job OK ({})", self.queue, self.id));
                state.say(match ttl {
                    0 => "Result discarded immediately".into(),
                    t if t < 0 => "Result will never expire, clean up result key manually".into(),
                    t => format!("Result is kept for {t} seconds"),
                });
                done
            }
            Err(text) => {
                state.say(format!(
                    "{}: Job failed ({}): {}",
                    self.queue,
                    self.id,
                    text.trim_end()
                ));
                self.fail(&ended, &text).await
            }
        };
        // Counted after the awaits, in one step: other jobs end meanwhile.
        let mut summary = state.summary.get();
        if succeeded {
            summary.finished += 1;
        } else {
            summary.failed += 1;
        }
        state.summary.set(summary);
        if let Err(e) = result {
            state.say(format!(
                "{}: could not record the end of job {}: {e}",
                self.queue, self.id
            ));
        }
    }

    /// Runs the handler under the job's timeout; `Err` is the exception text.
    async fn call(&self, timeout: i64) -> Result<Value, String> {
        let data = self.hash.get("data").map(Vec::as_slice).unwrap_or_default();
        let (func_name, args, kwargs) = encode::parse_job_data(data)
            .map_err(|e| format!("evloop.rq.DeserializationError: {e}\n"))?;
        let Some(handler) = self.handlers.get(&func_name) else {
            let mut known: Vec<&String> = self.handlers.keys().collect();
            known.sort();
            return Err(format!(
                "evloop.rq.UnknownFunction: no handler for {func_name:?} in this worker (it runs: {})\n",
                known.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            ));
        };
        // Its own task: a panic fails this job only.
        let task = crate::spawn(handler(args, kwargs));
        let outcome = if timeout > 0 {
            match crate::time::timeout(Duration::from_secs(timeout as u64), &mut Box::pin(task)).await {
                Ok(joined) => joined,
                Err(_) => {
                    return Err(format!(
                        "rq.timeouts.JobTimeoutException: Task exceeded maximum timeout value ({timeout} seconds)\n"
                    ))
                }
            }
        } else {
            task.await
        };
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(message)) => Err(format!("evloop.rq.JobFailed: {message}\n")),
            Err(join) if join.is_panic() => {
                let payload = join.into_panic();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string panic".into());
                Err(format!("evloop.rq.JobPanicked: {message}\n"))
            }
            Err(_) => Err("evloop.rq.JobCancelled: the job's task was cancelled\n".into()),
        }
    }

    async fn mark_started(&self, exec: &str, started_unix: f64) -> RqResult<()> {
        let state = &self.state;
        let ttl = state.entry_ttl();
        let now = time::now_utc();
        let until = started_unix as i64 + ttl;
        let (job, execution) = (keys::job(&self.id), keys::execution(&self.id, exec));
        let mut p = pipe();
        p.atomic()
            .cmd("HSET")
            .arg(&execution)
            .arg("id")
            .arg(exec)
            .arg("job_id")
            .arg(&self.id)
            .arg("created_at")
            .arg(started_unix)
            .arg("last_heartbeat")
            .arg(started_unix)
            .arg("worker_name")
            .arg(&state.worker)
            .ignore();
        p.cmd("EXPIRE").arg(&execution).arg(ttl).ignore();
        p.cmd("ZADD")
            .arg(keys::executions(&self.id))
            .arg(until + 60)
            .arg(exec)
            .ignore();
        p.cmd("EXPIRE")
            .arg(keys::executions(&self.id))
            .arg(ttl + 60)
            .ignore();
        p.cmd("ZADD")
            .arg(keys::started(&self.queue))
            .arg(until)
            .arg(format!("{}:{exec}", self.id))
            .ignore();
        p.cmd("SADD")
            .arg(keys::worker_executions(&state.worker))
            .arg(format!("{}:{exec}", self.id))
            .ignore();
        p.cmd("EXPIRE")
            .arg(keys::worker_executions(&state.worker))
            .arg(ttl + 60)
            .ignore();
        p.cmd("HSET")
            .arg(keys::worker(&state.worker))
            .arg("state")
            .arg("busy")
            .arg("last_heartbeat")
            .arg(&now)
            .ignore();
        p.cmd("HSET")
            .arg(&job)
            .arg("status")
            .arg("started")
            .arg("started_at")
            .arg(&now)
            .arg("worker_name")
            .arg(&state.worker)
            .arg("last_heartbeat")
            .arg(&now)
            .ignore();
        p.cmd("PERSIST").arg(&job).ignore();
        if self.single_queue {
            p.cmd("LREM")
                .arg(keys::intermediate(&self.queue))
                .arg(1)
                .arg(&self.id)
                .ignore();
        }
        p.query_async::<()>(&mut state.con.clone()).await?;
        Ok(())
    }

    /// The transaction that ends an execution, either way: the job's
    /// status, its result in the results stream (`type` 1 or 2, with its
    /// `field`), the execution and its registry entries gone, the worker's
    /// counters moved. The caller adds what differs (TTLs, registries).
    fn end(&self, run: &Ended, status: &str, result: Option<(u8, &str, String)>) -> Pipeline {
        let (job, worker) = (keys::job(&self.id), keys::worker(&self.state.worker));
        let member = format!("{}:{}", self.id, run.exec);
        let now = time::now_utc();
        let mut p = pipe();
        p.atomic();
        p.cmd("HSET")
            .arg(&job)
            .arg("status")
            .arg(status)
            .arg("ended_at")
            .arg(&now)
            .arg("last_heartbeat")
            .arg(&now)
            .ignore();
        if let Some((kind, field, value)) = result {
            p.cmd("XADD")
                .arg(keys::results(&self.id))
                .arg("MAXLEN")
                .arg("~")
                .arg(10)
                .arg("*")
                .arg("type")
                .arg(kind)
                .arg("worker_name")
                .arg(&self.state.worker);
            if !field.is_empty() {
                p.arg(field).arg(value);
            }
            p.arg("execution_id")
                .arg(&run.exec)
                .arg("execution_started_at")
                .arg(run.started)
                .arg("execution_ended_at")
                .arg(run.ended)
                .ignore();
        }
        p.cmd("DEL")
            .arg(keys::execution(&self.id, &run.exec))
            .ignore();
        p.cmd("ZREM")
            .arg(keys::started(&self.queue))
            .arg(&member)
            .ignore();
        p.cmd("ZREM")
            .arg(keys::executions(&self.id))
            .arg(&run.exec)
            .ignore();
        p.cmd("SREM")
            .arg(keys::worker_executions(&self.state.worker))
            .arg(&member)
            .ignore();
        let counter = if status == "finished" {
            "successful_job_count"
        } else {
            "failed_job_count"
        };
        p.cmd("HINCRBY").arg(&worker).arg(counter).arg(1).ignore();
        p.cmd("HINCRBYFLOAT")
            .arg(&worker)
            .arg("total_working_time")
            .arg(run.took.as_secs_f64())
            .ignore();
        p.cmd("HSET").arg(&worker).arg("state").arg("idle").ignore();
        p
    }

    /// Records a job that returned `value`, kept for `ttl` seconds.
    async fn finish(&self, run: &Ended, value: &Value, ttl: i64) -> RqResult<()> {
        let (job, results) = (keys::job(&self.id), keys::results(&self.id));
        let mut p = if ttl == 0 {
            // Not kept: the job goes at once, as RQ's `cleanup(0)`.
            let mut p = self.end(run, "finished", None);
            p.cmd("DEL")
                .arg(&job)
                .arg(&results)
                .arg(keys::executions(&self.id))
                .ignore();
            p
        } else {
            // RQ leaves `return_value` out for a `None`.
            let value = match value {
                Value::Null => String::new(),
                value => encode::base64(value.to_string().as_bytes()),
            };
            let field = if value.is_empty() { "" } else { "return_value" };
            self.end(run, "finished", Some((1, field, value)))
        };
        if ttl > 0 {
            let until = time::unix_now() as i64 + ttl;
            p.cmd("EXPIRE").arg(&results).arg(ttl).ignore();
            p.cmd("ZADD")
                .arg(keys::finished(&self.queue))
                .arg(until)
                .arg(&self.id)
                .ignore();
            p.cmd("EXPIRE").arg(&job).arg(ttl).ignore();
        } else if ttl < 0 {
            p.cmd("PERSIST").arg(&results).ignore();
            p.cmd("ZADD")
                .arg(keys::finished(&self.queue))
                .arg("+inf")
                .arg(&self.id)
                .ignore();
        }
        p.query_async::<()>(&mut self.state.con.clone()).await?;
        Ok(())
    }

    /// Records a job that failed with `text`.
    async fn fail(&self, run: &Ended, text: &str) -> RqResult<()> {
        let explicit = self.number("failure_ttl");
        let ttl = explicit.unwrap_or(DEFAULT_FAILURE_TTL);
        let mut p = self.end(
            run,
            "failed",
            Some((2, "exc_string", encode::exc_string(text))),
        );
        p.cmd("EXPIRE").arg(keys::job(&self.id)).arg(ttl).ignore();
        p.cmd("ZADD")
            .arg(keys::failed(&self.queue))
            .arg(time::unix_now() as i64 + ttl)
            .arg(&self.id)
            .ignore();
        if explicit.is_some() {
            // As RQ: a failure's results expire only with an explicit TTL.
            p.cmd("EXPIRE")
                .arg(keys::results(&self.id))
                .arg(ttl)
                .ignore();
        }
        p.query_async::<()>(&mut self.state.con.clone()).await?;
        Ok(())
    }
}

/// An execution that ended: its id, start and end (unix seconds), and
/// how long it ran.
struct Ended {
    exec: String,
    started: f64,
    ended: f64,
    took: Duration,
}

/// Prints one of RQ's log lines, time first, if logging is on.
fn say(enabled: bool, line: &str) {
    if enabled {
        println!("{} {line}", clock());
    }
}

/// Local time of day, `HH:MM:SS`, as RQ's log lines start (UTC here: no
/// time zone database).
fn clock() -> String {
    let now = time::now_utc();
    now.get(11..19).unwrap_or("").to_owned()
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}
