//! `evloop::rq` against Python RQ 3.0 itself, both directions, on a private
//! redis-server (tests/util/redis_server.rs) with RQ from a cached
//! virtualenv (tests/util/python_rq.rs). Without redis-server or pip these
//! tests print a skip line and pass, unless EVLOOP_REQUIRE_REDIS=1.
#![cfg(feature = "rq")]

mod util;

use std::time::Duration;

use evloop::redis::Client;
use evloop::rq::{EnqueueOptions, Job, JobResult, JobStatus, Queue, Worker};
use serde_json::{json, Value};
use util::bounded;
use util::http_server::{ok, TestServer};
use util::python_rq::{self, ModuleDir, PythonRq, PREAMBLE};
use util::redis_server::{self, unique_key};

/// A page of 7 words on a loopback server, for count_words_at_url.
fn page() -> TestServer {
    TestServer::start(|_| ok("one two three\nfour five  six seven"))
}

struct Setup {
    url: String,
    rq: PythonRq,
}

fn setup() -> Option<Setup> {
    let server = redis_server::shared()?;
    let rq = python_rq::python_rq()?;
    Some(Setup {
        url: server.url(),
        rq,
    })
}

/// The worker every test uses: the note's functions, on the loop.
fn evloop_worker(url: &str, queue: &str) -> Worker {
    let mut worker = Worker::new([queue], Client::open(url).unwrap());
    worker
        .log(false)
        .register("mymodule.count_words_at_url", |args, _| async move {
            let url = args
                .first()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let text = evloop::http::Client::new()
                .get(&url)
                .send()
                .await?
                .text()
                .await?;
            Ok::<_, evloop::http::Error>(text.split_whitespace().count())
        })
        .register("mymodule.echo", |args, _| async move {
            Ok::<_, String>(args.into_iter().next())
        })
        .register("mymodule.fail", |args, _| async move {
            Err::<(), _>(
                args.first()
                    .and_then(Value::as_str)
                    .unwrap_or("failed")
                    .to_owned(),
            )
        })
        .register("mymodule.slow", |args, _| async move {
            let seconds = args.first().and_then(Value::as_f64).unwrap_or(0.0);
            evloop::time::sleep(Duration::from_secs_f64(seconds)).await;
            Ok::<_, String>(seconds)
        })
        .register("mymodule.panics", |_, _| async move {
            if true {
                panic!("a handler panicked");
            }
            Ok::<(), String>(())
        });
    worker
}

#[test]
fn python_enqueues_and_an_evloop_worker_runs_the_jobs() {
    let Some(Setup { url, rq }) = setup() else {
        return;
    };
    let page = page();
    let queue = unique_key("py-to-evloop").replace(':', "-");
    let env = [("REDIS_URL", url.as_str()), ("RQ_QUEUE", queue.as_str())];
    rq.python_ok(
        &format!(
            "{PREAMBLE}
q.enqueue('mymodule.count_words_at_url', '{page}', job_id='words')
q.enqueue('mymodule.echo', {{'a': [1, 2.5, None, True]}}, job_id='echo')
q.enqueue('mymodule.fail', 'boom', job_id='fail')
q.enqueue('mymodule.nosuch', job_id='unknown')
q.enqueue('mymodule.slow', 3, job_id='timeout', job_timeout=1)
q.enqueue('mymodule.panics', job_id='panic')
q.enqueue('mymodule.echo', 'kept', job_id='ttl', result_ttl=100, failure_ttl=200)
",
            page = page.url("/page")
        ),
        &env,
    );
    let summary = bounded(Duration::from_secs(60), {
        let (url, queue) = (url.clone(), queue.clone());
        move || {
            evloop::block_on(
                async move { evloop_worker(&url, &queue).concurrency(4).work(true).await },
            )
        }
    })
    .value
    .unwrap();
    assert_eq!((summary.finished, summary.failed), (3, 4));
    let out = rq.python_ok(
        &format!(
            "{PREAMBLE}
out = {{}}
for id in ['words', 'echo', 'fail', 'unknown', 'timeout', 'panic', 'ttl']:
    job = Job.fetch(id, connection=r, serializer=JSONSerializer)
    out[id] = [str(job.get_status().value), job.return_value(), job.exc_info, job.description]
out['ttl_left'] = r.ttl('rq:job:ttl')
out['finished'] = FinishedJobRegistry(queue=q).get_job_ids()
out['failed'] = sorted(FailedJobRegistry(queue=q).get_job_ids())
out['started'] = StartedJobRegistry(queue=q).get_job_ids()
out['intermediate'] = r.llen(q.key + ':intermediate')
print(json.dumps(out))
"
        ),
        &env,
    );
    let out: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(out["words"][0], "finished");
    assert_eq!(out["words"][1], 7, "{out}");
    assert_eq!(
        out["words"][3],
        format!("mymodule.count_words_at_url('{}')", page.url("/page"))
    );
    assert_eq!(out["echo"][1], json!({"a": [1, 2.5, null, true]}));
    assert_eq!(out["fail"][0], "failed");
    assert!(out["fail"][2].as_str().unwrap().contains("boom"), "{out}");
    assert!(
        out["unknown"][2]
            .as_str()
            .unwrap()
            .contains("mymodule.nosuch"),
        "{out}"
    );
    let timeout = out["timeout"][2].as_str().unwrap();
    assert!(
        timeout.contains("JobTimeoutException: Task exceeded maximum timeout value (1 seconds)"),
        "{out}"
    );
    assert!(
        out["panic"][2]
            .as_str()
            .unwrap()
            .contains("a handler panicked"),
        "{out}"
    );
    let ttl = out["ttl_left"].as_i64().unwrap();
    assert!((90..=100).contains(&ttl), "result_ttl of the job: {ttl}");
    assert_eq!(out["finished"].as_array().unwrap().len(), 3, "{out}");
    assert_eq!(
        out["failed"],
        json!(["fail", "panic", "timeout", "unknown"])
    );
    assert_eq!(out["started"], json!([]), "nothing left as started");
    assert_eq!(
        out["intermediate"], 0,
        "nothing left in the intermediate list"
    );
}

#[test]
fn evloop_enqueues_and_python_s_rq_worker_runs_the_jobs() {
    let Some(Setup { url, rq }) = setup() else {
        return;
    };
    let page = page();
    let module = ModuleDir::mymodule();
    let queue = unique_key("evloop-to-py").replace(':', "-");
    let (words, echo, fail) = bounded(Duration::from_secs(30), {
        let (url, queue, page) = (url.clone(), queue.clone(), page.url("/page"));
        move || {
            evloop::block_on(async move {
                let con = Client::open(url.as_str())?
                    .get_multiplexed_async_connection()
                    .await?;
                let q = Queue::new(queue, con);
                let words = q.enqueue("mymodule.count_words_at_url", (page,)).await?;
                let kwargs = serde_json::from_value(json!({"x": {"nested": ["é", 1e-5]}})).unwrap();
                let echo = q
                    .enqueue_with(
                        "mymodule.echo",
                        (),
                        EnqueueOptions::new().kwargs(kwargs).job_id("evloop-echo"),
                    )
                    .await?;
                let fail = q.enqueue("mymodule.fail", ("boom from python",)).await?;
                assert_eq!(q.count().await?, 3);
                assert_eq!(
                    echo.description(),
                    "mymodule.echo(x={'nested': ['é', 1e-05]})"
                );
                evloop::rq::RqResult::Ok((
                    words.id().to_owned(),
                    echo.id().to_owned(),
                    fail.id().to_owned(),
                ))
            })
        }
    })
    .value
    .unwrap();
    let worker = rq.worker(
        &url,
        &queue,
        module.path(),
        &["--name", &unique_key("py").replace(':', "-")],
    );
    let log = rq.wait(worker, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&log.stdout);
    assert!(
        log.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&log.stderr)
    );
    assert!(
        stdout.contains("mymodule.echo(x={'nested': ['é', 1e-05]}) (evloop-echo)"),
        "{stdout}"
    );
    bounded(Duration::from_secs(30), move || {
        evloop::block_on(async move {
            let con = Client::open(url.as_str())?
                .get_multiplexed_async_connection()
                .await?;
            let words = Job::fetch(&words, &con).await?;
            assert_eq!(words.get_status().await?, Some(JobStatus::Finished));
            assert_eq!(words.return_value().await?, Some(json!(7)));
            let echo = Job::fetch(&echo, &con).await?;
            // Python's echo(x=...) with no positional argument fails: echo
            // takes one positional `x`, given here by keyword.
            assert_eq!(
                echo.return_value().await?,
                Some(json!({"nested": ["é", 1e-5]}))
            );
            let fail = Job::fetch(&fail, &con).await?;
            assert_eq!(fail.get_status().await?, Some(JobStatus::Failed));
            let exc = fail.exc_info().await?.unwrap();
            assert!(exc.contains("Exception: boom from python"), "{exc}");
            match fail.latest_result().await? {
                Some(JobResult::Failure { worker_name, .. }) => assert!(!worker_name.is_empty()),
                other => panic!("{other:?}"),
            }
            let missing = Job::fetch("no-such-job", &con).await.unwrap_err();
            assert!(
                matches!(missing, evloop::rq::RqError::NoSuchJob(_)),
                "{missing}"
            );
            evloop::rq::RqResult::Ok(())
        })
    })
    .value
    .unwrap();
}
