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

/// A shared connection to the test server.
async fn connect(url: &str) -> evloop::redis::MultiplexedConnection {
    Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

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
                let con = connect(&url).await;
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
            let con = connect(&url).await;
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

/// The `job_queue` example's binary (plain `cargo test` builds it; with
/// `--all-features` it has the `worker` and `enqueue` modes).
fn job_queue() -> std::process::Command {
    let mut path = std::env::current_exe().unwrap();
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    std::process::Command::new(path.join("examples").join("job_queue"))
}

/// Starts `job_queue worker` with its log in `log`.
fn worker_process(
    url: &str,
    queue: &str,
    name: &str,
    args: &[&str],
    log: &std::path::Path,
) -> std::process::Child {
    job_queue()
        .args(["worker", "--redis", url, "--queue", queue, "--name", name])
        .args(args)
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("run job_queue (plain `cargo test --all-features` builds it)")
}

/// Waits for a child at most `limit`; kills it and panics past that.
fn wait_child(mut child: std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("a worker did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Enqueues `n` `mymodule.echo(i)` jobs from 50 tasks (auto-pipelined).
fn enqueue_echoes(url: &str, queue: &str, n: usize) -> Vec<String> {
    let (url, queue) = (url.to_owned(), queue.to_owned());
    bounded(Duration::from_secs(60), move || {
        evloop::block_on(async move {
            let con = connect(&url).await;
            let q = Queue::new(queue, con);
            let tasks: Vec<_> = (0..50)
                .map(|t| {
                    let q = q.clone();
                    evloop::spawn(async move {
                        let mut ids = Vec::new();
                        for i in (t..n).step_by(50) {
                            ids.push(
                                q.enqueue("mymodule.echo", (i,))
                                    .await
                                    .unwrap()
                                    .id()
                                    .to_owned(),
                            );
                        }
                        ids
                    })
                })
                .collect();
            let mut ids = Vec::new();
            for task in tasks {
                ids.extend(task.await.unwrap());
            }
            ids
        })
    })
    .value
}

/// Results per job (`XLEN rq:results:ID`), statuses, and what is left in
/// the started registry and the intermediate list.
fn audit(url: &str, queue: &str, ids: &[String]) -> (Vec<i64>, Vec<Option<String>>, usize, usize) {
    let (url, queue, ids) = (url.to_owned(), queue.to_owned(), ids.to_vec());
    bounded(Duration::from_secs(60), move || {
        evloop::block_on(async move {
            let mut con = connect(&url).await;
            let mut lens = evloop::redis::pipe();
            let mut statuses = evloop::redis::pipe();
            for id in &ids {
                lens.cmd("XLEN").arg(format!("rq:results:{id}"));
                statuses
                    .cmd("HGET")
                    .arg(format!("rq:job:{id}"))
                    .arg("status");
            }
            let lens: Vec<i64> = lens.query_async(&mut con).await.unwrap();
            let statuses: Vec<Option<String>> = statuses.query_async(&mut con).await.unwrap();
            let wip: usize = evloop::redis::cmd("ZCARD")
                .arg(format!("rq:wip:{queue}"))
                .query_async(&mut con)
                .await
                .unwrap();
            let intermediate: usize = evloop::redis::cmd("LLEN")
                .arg(format!("rq:queue:{queue}:intermediate"))
                .query_async(&mut con)
                .await
                .unwrap();
            (lens, statuses, wip, intermediate)
        })
    })
    .value
}

#[test]
fn three_worker_processes_share_three_thousand_jobs_each_run_once() {
    let Some(server) = redis_server::shared() else {
        return;
    };
    let url = server.url();
    let queue = unique_key("shared-3000").replace(':', "-");
    let ids = enqueue_echoes(&url, &queue, 3000);
    let dir = ModuleDir::mymodule(); // a temp dir for the logs
    let workers: Vec<_> = (0..3)
        .map(|n| {
            let log = dir.path().join(format!("w{n}.log"));
            let child = worker_process(
                &url,
                &queue,
                &format!("{queue}-w{n}"),
                &["--burst", "--concurrency", "8"],
                &log,
            );
            (child, log)
        })
        .collect();
    let mut total = 0;
    for (child, log) in workers {
        assert!(wait_child(child, Duration::from_secs(120)).success());
        let log = std::fs::read_to_string(log).unwrap();
        let done = log
            .lines()
            .find(|l| l.starts_with("Worker done:"))
            .expect("a summary line")
            .to_owned();
        let finished: usize = done.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert!(finished > 0, "one worker got no job: {done}");
        total += finished;
    }
    assert_eq!(total, 3000);
    let (lens, statuses, wip, intermediate) = audit(&url, &queue, &ids);
    assert!(lens.iter().all(|&n| n == 1), "a job ran twice or never");
    assert!(statuses.iter().all(|s| s.as_deref() == Some("finished")));
    assert_eq!((wip, intermediate), (0, 0));
}

#[test]
fn a_warm_shutdown_finishes_the_running_jobs_and_loses_none() {
    let Some(server) = redis_server::shared() else {
        return;
    };
    let url = server.url();
    let queue = unique_key("warm").replace(':', "-");
    let slow = TestServer::start(|_| {
        std::thread::sleep(Duration::from_millis(40));
        ok("three little words")
    });
    let page = slow.url("/slow");
    let ids = bounded(Duration::from_secs(30), {
        let (url, queue) = (url.clone(), queue.clone());
        move || {
            evloop::block_on(async move {
                let con = connect(&url).await;
                let q = Queue::new(queue, con);
                let mut ids = Vec::new();
                for _ in 0..200 {
                    ids.push(
                        q.enqueue("mymodule.count_words_at_url", (&page,))
                            .await
                            .unwrap()
                            .id()
                            .to_owned(),
                    );
                }
                ids
            })
        }
    })
    .value;
    let dir = ModuleDir::mymodule();
    let log = dir.path().join("warm.log");
    let name = format!("{queue}-w");
    let child = worker_process(&url, &queue, &name, &["--concurrency", "4"], &log);
    // Let it get going, then SIGTERM it mid-run.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&log)
        .unwrap()
        .matches("Job OK")
        .count()
        < 10
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker does not run jobs"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        wait_child(child, Duration::from_secs(30)).success(),
        "a warm shutdown exits 0"
    );
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("Warm shut down requested"), "{log}");
    let (lens, statuses, wip, intermediate) = audit(&url, &queue, &ids);
    let finished = statuses
        .iter()
        .filter(|s| s.as_deref() == Some("finished"))
        .count();
    let queued = statuses
        .iter()
        .filter(|s| s.as_deref() == Some("queued"))
        .count();
    assert!((10..200).contains(&finished), "{finished} finished");
    assert_eq!(
        finished + queued,
        200,
        "every job either ran or still waits"
    );
    assert_eq!((wip, intermediate), (0, 0), "nothing left half-taken");
    assert_eq!(lens.iter().filter(|&&n| n == 1).count(), finished);
    // The worker deregistered.
    let info = server.query(&["SISMEMBER", "rq:workers", &format!("rq:worker:{name}")]);
    assert_eq!(info, redis_server::Reply::Int(0));
    // Another worker takes the rest: each job ran exactly once.
    let rest = worker_process(
        &url,
        &queue,
        &format!("{name}2"),
        &["--burst", "--concurrency", "8"],
        &dir.path().join("rest.log"),
    );
    assert!(wait_child(rest, Duration::from_secs(60)).success());
    let (lens, statuses, ..) = audit(&url, &queue, &ids);
    assert!(lens.iter().all(|&n| n == 1));
    assert!(statuses.iter().all(|s| s.as_deref() == Some("finished")));
}

#[test]
fn a_killed_worker_s_job_is_found_by_rq_s_own_cleanup() {
    let Some(Setup { url, rq }) = setup() else {
        return;
    };
    let queue = unique_key("killed").replace(':', "-");
    let stuck = TestServer::start(|_| {
        std::thread::sleep(Duration::from_secs(20));
        ok("too late")
    });
    let env = [("REDIS_URL", url.as_str()), ("RQ_QUEUE", queue.as_str())];
    rq.python_ok(
        &format!(
            "{PREAMBLE}q.enqueue('mymodule.count_words_at_url', '{}', job_id='{queue}-job')",
            stuck.url("/stuck")
        ),
        &env,
    );
    let dir = ModuleDir::mymodule();
    let mut child = worker_process(
        &url,
        &queue,
        &format!("{queue}-w"),
        &[],
        &dir.path().join("killed.log"),
    );
    let job = format!("{queue}-job");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = rq.python_ok(
            &format!("{PREAMBLE}print(Job.fetch('{job}', connection=r, serializer=JSONSerializer).get_status().value)"),
            &env,
        );
        if status.trim() == "started" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job never started: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL: no goodbye, the job stays "started"
    child.wait().unwrap();
    let out = rq.python_ok(
        &format!(
            "{PREAMBLE}
reg = StartedJobRegistry(queue=q)
before = reg.get_job_ids(cleanup=False)
reg.cleanup(timestamp=time.time() + 1000)
job = Job.fetch('{job}', connection=r, serializer=JSONSerializer)
print(json.dumps([before, str(job.get_status().value), job.exc_info, FailedJobRegistry(queue=q).get_job_ids()]))
"
        ),
        &env,
    );
    let out: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        out[0].as_array().unwrap().len(),
        1,
        "the job was in the started registry: {out}"
    );
    assert_eq!(out[1], "failed", "{out}");
    assert!(
        out[2].as_str().unwrap().contains("AbandonedJobError"),
        "{out}"
    );
    assert_eq!(out[3], json!([job]));
}

#[test]
fn job_queue_enqueue_waits_for_each_result_and_says_which_failed() {
    let Some(server) = redis_server::shared() else {
        return;
    };
    let url = server.url();
    let queue = unique_key("cli").replace(':', "-");
    let run = |args: &[&str]| {
        job_queue()
            .args([
                "enqueue",
                "--redis",
                url.as_str(),
                "--queue",
                queue.as_str(),
            ])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let ok_jobs = run(&["mymodule.echo", "hello", "{\"not\": \"parsed\"}"]);
    let failing = run(&["mymodule.fail", "boom"]);
    let dir = ModuleDir::mymodule();
    let worker = worker_process(
        &url,
        &queue,
        &format!("{queue}-w"),
        &["--concurrency", "2"],
        &dir.path().join("cli.log"),
    );
    let collect = |child: std::process::Child| {
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok_status, ok_out) = collect(ok_jobs);
    let (fail_status, fail_out) = collect(failing);
    let mut worker = worker;
    worker.kill().unwrap();
    worker.wait().unwrap();
    assert!(ok_status, "{ok_out}");
    let lines: Vec<&str> = ok_out.lines().collect();
    assert_eq!(lines.len(), 2, "{ok_out}");
    assert!(lines[0].ends_with(": \"hello\""), "{ok_out}");
    assert!(
        lines[1].ends_with(r#": "{\"not\": \"parsed\"}""#),
        "arguments are strings: {ok_out}"
    );
    assert!(!fail_status, "a failed job makes the exit status non-zero");
    assert!(
        fail_out
            .trim_end()
            .ends_with(": failed: evloop.rq.JobFailed: boom"),
        "{fail_out}"
    );
    let log = std::fs::read_to_string(dir.path().join("cli.log")).unwrap();
    assert!(
        log.contains(&format!("RQ worker 'rq:worker:{queue}-w' started")),
        "{log}"
    );
    assert!(
        log.contains(&format!("*** Listening on {queue}...")),
        "{log}"
    );
    assert!(
        log.contains("mymodule.echo('hello')")
            && log.contains("Job OK")
            && log.contains("Result is kept for 500 seconds"),
        "{log}"
    );
    // --no-wait prints the ids only.
    let out = run(&["--no-wait", "mymodule.echo", "a", "b"])
        .wait_with_output()
        .unwrap();
    let ids = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(ids.lines().count(), 2, "{ids}");
    assert!(ids.lines().all(|id| id.len() == 36), "{ids}");
}
