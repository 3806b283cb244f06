//! `job_queue worker` and `job_queue enqueue`: the note's RQ program for
//! real, through a Redis server, in Python RQ's own format (so Python's
//! `rq worker --serializer json` and `Queue(..., serializer=JSONSerializer)`
//! share the queue with these).
//!
//! ```text
//! job_queue worker  --redis URL [--queue Q] [--burst] [--concurrency N] [--name NAME]
//! job_queue enqueue --redis URL [--queue Q] [--no-wait] FUNC ARG...
//! ```

use std::process::ExitCode;
use std::time::Duration;

use evloop::redis::Client;
use evloop::rq::{JobResult, Queue, Worker};
use serde_json::Value;

/// The settings both modes share, and each one's own.
struct Settings {
    redis: String,
    queue: String,
    burst: bool,
    concurrency: usize,
    name: Option<String>,
    no_wait: bool,
    rest: Vec<String>,
}

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut settings = Settings {
        redis: String::new(),
        queue: "default".into(),
        burst: false,
        concurrency: 1,
        name: None,
        no_wait: false,
        rest: Vec::new(),
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |what: &str| iter.next().cloned().ok_or(format!("{arg} needs {what}"));
        match arg.as_str() {
            "--redis" => settings.redis = value("a URL (redis://HOST:PORT/)")?,
            "--queue" => settings.queue = value("a queue name")?,
            "--name" => settings.name = Some(value("a worker name")?),
            "--concurrency" => {
                let n = value("a number")?;
                settings.concurrency = n
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or(format!("--concurrency: `{n}` is not a positive number"))?;
            }
            "--burst" => settings.burst = true,
            "--no-wait" => settings.no_wait = true,
            other if other.starts_with("--") => return Err(format!("unknown option `{other}`")),
            other => settings.rest.push(other.to_owned()),
        }
    }
    if settings.redis.is_empty() {
        return Err("--redis URL is required (e.g. redis://127.0.0.1:6379/)".into());
    }
    Ok(settings)
}

/// Runs `job_queue worker ...` or `job_queue enqueue ...`.
pub fn main(mode: &str, args: &[String]) -> ExitCode {
    let settings = match parse(args) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            eprintln!("usage: job_queue worker --redis URL [--queue Q] [--burst] [--concurrency N] [--name NAME]");
            eprintln!("       job_queue enqueue --redis URL [--queue Q] [--no-wait] FUNC ARG...");
            return ExitCode::from(2);
        }
    };
    let client = match Client::open(settings.redis.as_str()) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("job_queue: {e}");
            return ExitCode::from(2);
        }
    };
    evloop::block_on(async move {
        match mode {
            "worker" => worker(client, settings).await,
            _ => enqueue(client, settings).await,
        }
    })
}

/// An RQ worker with the note's three functions.
async fn worker(client: Client, settings: Settings) -> ExitCode {
    let mut worker = Worker::new([settings.queue.as_str()], client);
    worker.concurrency(settings.concurrency);
    if let Some(name) = &settings.name {
        worker.name(name.as_str());
    }
    let http = evloop::http::Client::new();
    worker
        .register("mymodule.count_words_at_url", move |args, _| {
            let http = http.clone();
            async move {
                let url = args
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let text = http.get(&url).send().await?.text().await?;
                let words = text.split_whitespace().count();
                // The note's function prints its count, then returns it.
                println!("{words}");
                Ok::<_, evloop::http::Error>(words)
            }
        })
        .register("mymodule.echo", |args, _| async move {
            Ok::<_, String>(args.into_iter().next())
        })
        .register("mymodule.fail", |args, _| async move {
            let message = args
                .first()
                .and_then(Value::as_str)
                .unwrap_or("failed")
                .to_owned();
            Err::<(), _>(message)
        });
    match worker.work(settings.burst).await {
        Ok(summary) => {
            println!(
                "Worker done: {} finished, {} failed",
                summary.finished, summary.failed
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("job_queue worker: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Enqueues one job per ARG; waits for each result unless `--no-wait`.
async fn enqueue(client: Client, settings: Settings) -> ExitCode {
    let Some((func, args)) = settings.rest.split_first() else {
        eprintln!("job_queue enqueue: name a function and its arguments (FUNC ARG...)");
        return ExitCode::from(2);
    };
    let con = match client.get_multiplexed_async_connection().await {
        Ok(con) => con,
        Err(e) => {
            eprintln!("job_queue enqueue: {e}");
            return ExitCode::FAILURE;
        }
    };
    let queue = Queue::new(settings.queue.as_str(), con);
    let mut jobs = Vec::new();
    for arg in args {
        match queue.enqueue(func, (arg,)).await {
            Ok(job) => {
                if settings.no_wait {
                    println!("{}", job.id());
                }
                jobs.push(job);
            }
            Err(e) => {
                eprintln!("job_queue enqueue: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if settings.no_wait {
        return ExitCode::SUCCESS;
    }
    let mut failed = false;
    for job in jobs {
        // A worker may take a while to come: wait up to a minute a job.
        match job.wait_result(&client, Duration::from_secs(60)).await {
            Ok(Some(JobResult::Success { return_value, .. })) => {
                println!("{}: {}", job.id(), return_value.unwrap_or(Value::Null));
            }
            Ok(Some(JobResult::Failure { exc_string, .. })) => {
                failed = true;
                println!("{}: failed: {}", job.id(), exc_string.trim_end());
            }
            Ok(Some(JobResult::Other(kind))) => {
                failed = true;
                println!("{}: ended with result type {kind}", job.id());
            }
            Ok(None) => {
                failed = true;
                println!("{}: no result within 60 s (is a worker running?)", job.id());
            }
            Err(e) => {
                failed = true;
                println!("{}: {e}", job.id());
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
