//! The note's job queue (RQ on Redis), retold on one event loop: a queue of
//! `count_words_at_url` jobs, a few worker tasks that take them in turn,
//! job log lines, and results kept for a while and then dropped.
//!
//! ```sh
//! cargo run --example job_queue                          # offline (below)
//! cargo run --example job_queue -- --workers 3 --result-ttl 2
//! cargo run --example job_queue -- http://127.0.0.1:8000/ http://127.0.0.1:8000/about
//! ```
//!
//! # The real thing: RQ through Redis (`--features rq`)
//!
//! ```sh
//! job_queue worker  --redis URL [--queue Q] [--burst] [--concurrency N] [--name NAME]
//! job_queue enqueue --redis URL [--queue Q] [--no-wait] FUNC ARG...
//! ```
//!
//! `worker` is an RQ-compatible worker (`evloop::rq::Worker`) with the
//! note's `mymodule.count_words_at_url(url)` plus `mymodule.echo(x)` and
//! `mymodule.fail(msg)`; `enqueue` puts one job per ARG on the queue in
//! Python RQ's format and prints `ID: <return value as JSON>` as each
//! result comes (`ID: failed: <exception>`, exit status 1 if any failed),
//! or just the ids with `--no-wait`. Python RQ (`Queue(...,
//! serializer=JSONSerializer)`, `rq worker --serializer json`) shares the
//! same queue from either side, and many workers on many machines split
//! the work, each job run once.
//!
//! By default nothing leaves the machine: the example starts a small HTTP
//! server on 127.0.0.1 (a free port) on the same event loop, the one
//! `reddit_top` uses (`examples/support/fixture_server.rs`), and enqueues
//! one job per page it serves. Each page answers after a different delay,
//! so two workers visibly overlap. URLs on the command line replace those
//! pages (plain `http://`; HTTPS needs `--features tls`).
//!
//! # How it maps onto the Python original
//!
//! | RQ program | here |
//! | --- | --- |
//! | `def count_words_at_url(url)`: `requests.get`, `len(text.split())` | [`count_words_at_url`]: `evloop::http::Client`, `split_whitespace().count()` |
//! | Redis list `default` (the queue) | an unbounded `evloop::sync::mpsc` channel of [`Job`]s |
//! | `q.enqueue(count_words_at_url, url)` | `queue.send(Job { .. })` |
//! | `rq worker` processes (one per server) | `--workers N` tasks on one thread, named `worker 1`, `worker 2`, ... |
//! | a worker's `BLPOP` on the queue | the worker whose turn it is awaits `recv` (a one-permit FIFO `Semaphore` makes the turns: `mpsc` has one receiver) |
//! | log `default: count_words_at_url('...') (id)`, then `default: Job OK (id)` | the same lines, with `started` and the worker's name |
//! | `Result is kept for 500 seconds` (`result_ttl`, a Redis key expiry) | `--result-ttl SECONDS` (default 0.5, so the run ends quickly): an `evloop::time::sleep` task per result, which then drops it |
//! | `job.result` | the shared result map, printed once every job is done |
//!
//! What does not carry over: RQ's point was spreading jobs over several
//! machines. Here every worker shares one thread, which suits jobs that
//! wait on the network; CPU-heavy jobs would go to
//! `evloop::task::spawn_blocking`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::poll_fn;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use evloop::http::Client;
use evloop::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use evloop::sync::Semaphore;
use evloop::task::{Builder, JoinHandle};

#[path = "support/fixture_server.rs"]
mod fixture_server;

#[cfg(feature = "rq")]
#[path = "support/rq_mode.rs"]
mod rq_mode;

use fixture_server::Page;

const TEXT: &str = "text/plain; charset=utf-8";

/// The pages of the offline run: short texts with known word counts
/// (15, 19 and 13), answered after different delays.
const PAGES: [Page; 3] = [
    Page {
        path: "/python",
        delay_ms: 60,
        content_type: TEXT,
        body: "Python is a programming language that lets you work quickly \
               and integrate systems more effectively.\n",
    },
    Page {
        path: "/rq",
        delay_ms: 20,
        content_type: TEXT,
        body: "RQ (Redis Queue) is a simple Python library for queueing jobs \
               and processing them in the background with workers.\n",
    },
    Page {
        path: "/evloop",
        delay_ms: 40,
        content_type: TEXT,
        body: "evloop runs every job of this queue on one thread, one event loop.\n",
    },
];

/// One queued call of [`count_words_at_url`].
struct Job {
    /// Numbered in enqueue order (RQ uses a UUID).
    id: u32,
    url: String,
}

/// Finished jobs' results by job id, until their time is up (RQ keeps
/// them in Redis under a key that expires).
type Results = Rc<RefCell<BTreeMap<u32, usize>>>;

/// The queue's consumer side, shared by the workers. `mpsc` has a single
/// receiver and remembers one waiting task, so the workers take turns: the
/// one holding the semaphore's only permit waits on the channel, the others
/// wait (first come, first served) for the permit.
struct Queue {
    turn: Semaphore,
    jobs: RefCell<UnboundedReceiver<Job>>,
}

impl Queue {
    /// The next job, or `None` once the queue is closed and empty.
    async fn next(&self) -> Option<Job> {
        let _turn = self.turn.acquire().await.ok()?;
        // The RefCell is borrowed only inside each poll, never across an
        // await, and only the permit holder polls.
        poll_fn(|cx| self.jobs.borrow_mut().poll_recv(cx)).await
    }
}

/// Command-line settings.
struct Args {
    workers: usize,
    result_ttl: Duration,
    urls: Vec<String>,
}

fn main() -> ExitCode {
    // The real mode: through Redis, in Python RQ's format.
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if let Some(mode @ ("worker" | "enqueue")) = argv.first().map(String::as_str) {
        #[cfg(feature = "rq")]
        return rq_mode::main(mode, &argv[1..]);
        #[cfg(not(feature = "rq"))]
        {
            eprintln!(
                "job_queue {mode} talks to Redis and needs the rq feature: \
                 cargo run --example job_queue --features rq -- {mode} --redis URL ..."
            );
            return ExitCode::from(2);
        }
    }
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            eprintln!("usage: job_queue [--workers N] [--result-ttl SECONDS] [URL...]");
            return ExitCode::from(2);
        }
    };
    let rt = match evloop::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the event loop: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let urls = if args.urls.is_empty() {
        match fixture_server::serve(&PAGES).await {
            Ok(base) => PAGES.iter().map(|p| format!("{base}{}", p.path)).collect(),
            Err(e) => {
                eprintln!("cannot start the embedded server: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        args.urls
    };
    let client = match Client::builder().timeout(Duration::from_secs(30)).build() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("cannot build the HTTP client: {e}");
            return ExitCode::FAILURE;
        }
    };

    // The queue, and the workers that wait on it before anything is queued
    // (as `rq worker` runs before the jobs arrive).
    let (sender, receiver) = unbounded_channel();
    let queue = Rc::new(Queue {
        turn: Semaphore::new(1),
        jobs: RefCell::new(receiver),
    });
    let results: Results = Rc::default();
    let workers: Vec<_> = (1..=args.workers)
        .map(|n| {
            let name = format!("worker {n}");
            Builder::new().name(name.clone()).spawn(work(
                name,
                queue.clone(),
                client.clone(),
                results.clone(),
                args.result_ttl,
            ))
        })
        .collect();

    for (id, url) in (1..).zip(urls) {
        println!("enqueued job {id}: count_words_at_url('{url}')");
        if sender.send(Job { id, url }).is_err() {
            unreachable!("the receiver lives in `queue` until the end");
        }
    }
    // No more jobs: once the queue is empty, each worker's `next` is `None`.
    drop(sender);

    let mut expiries = Vec::new();
    let mut failed = 0;
    for worker in workers {
        let (kept, worker_failed) = worker.await.expect("a worker panicked");
        expiries.extend(kept);
        failed += worker_failed;
    }
    for (id, words) in results.borrow().iter() {
        println!("job {id}: result = {words}");
    }
    for expiry in expiries {
        let _ = expiry.await;
    }
    println!(
        "{} results left after their time; {failed} jobs failed",
        results.borrow().len()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A worker: takes jobs until the queue is closed and empty. Returns the
/// tasks that will drop its results, and how many of its jobs failed.
async fn work(
    name: String,
    queue: Rc<Queue>,
    client: Client,
    results: Results,
    ttl: Duration,
) -> (Vec<JoinHandle<()>>, usize) {
    let mut expiries = Vec::new();
    let mut failed = 0;
    while let Some(Job { id, url }) = queue.next().await {
        println!("{name}: default: count_words_at_url('{url}') (job {id}) started");
        match count_words_at_url(&client, &url).await {
            Ok(words) => {
                println!("{name}: default: Job OK (job {id})");
                println!("{name}: Result is kept for {ttl:?}");
                results.borrow_mut().insert(id, words);
                let results = results.clone();
                expiries.push(evloop::spawn(async move {
                    evloop::time::sleep(ttl).await;
                    results.borrow_mut().remove(&id);
                    println!("job {id}: result expired, dropped");
                }));
            }
            Err(e) => {
                println!("{name}: default: Job failed (job {id}): {e}");
                failed += 1;
            }
        }
    }
    (expiries, failed)
}

/// The job itself, as in RQ's documentation: fetch the page, print and
/// return how many words it has.
async fn count_words_at_url(client: &Client, url: &str) -> Result<usize, evloop::http::Error> {
    let text = client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let words = text.split_whitespace().count();
    println!("count_words_at_url: {words} words at {url}");
    Ok(words)
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        workers: 2,
        result_ttl: Duration::from_millis(500),
        urls: Vec::new(),
    };
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--workers" => {
                let n = iter.next().ok_or("--workers needs a number")?;
                args.workers = match n.parse() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(format!("--workers: `{n}` is not a positive number")),
                };
            }
            "--result-ttl" => {
                let secs = iter.next().ok_or("--result-ttl needs seconds")?;
                args.result_ttl = secs
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or(format!("--result-ttl: `{secs}` is not a number of seconds"))?;
            }
            url if !url.starts_with("--") => args.urls.push(url.to_owned()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}
