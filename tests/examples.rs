//! Every example runs and prints what its doc comment promises.
//!
//! `cargo test` builds the examples before it runs tests, into
//! `target/<profile>/examples/`, beside this test's own `deps/` folder.

mod util;

use std::process::{Command, Stdio};

use util::example::example_path;
use util::http_server::{ok, Reply, TestServer};

/// A command that runs the example `name`.
fn example_command(name: &str) -> Command {
    Command::new(example_path(name))
}

/// Runs the example `name` with `args`, returns its stdout (and checks it
/// exited with success).
fn run_example(name: &str, args: &[&str]) -> String {
    let path = example_path(name);
    let output = Command::new(&path).args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run {}: {e}; plain `cargo test` builds the examples first, \
                 `cargo test --test examples` alone does not (run `cargo build --examples`)",
            path.display()
        )
    });
    let stdout = String::from_utf8(output.stdout).expect("examples print UTF-8");
    assert!(
        output.status.success(),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn hello_interleaves_three_tasks() {
    let out = run_example("hello", &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..3],
        ["python: step 1", "programming: step 1", "compsci: step 1"],
        "each task runs to its first yield, in spawn order:\n{out}"
    );
    for name in ["python", "programming", "compsci"] {
        assert!(lines.contains(&format!("DONE: {name}").as_str()), "{out}");
    }
}

#[cfg(feature = "macros")]
#[test]
fn hello_main_runs_its_async_main_on_a_runtime() {
    assert_eq!(run_example("hello_main", &[]), "hello from a task\n");
}

#[test]
fn coroutine_prints_matching_names_then_closes() {
    let out = run_example("coroutine", &[]);
    assert_eq!(
        out,
        "Searching prefix:Dear\nDear James\nClosing coroutine!!\n"
    );
}

#[test]
fn threads_prints_square_cube_done() {
    assert_eq!(
        run_example("threads", &[]),
        "Square: 100\nCube: 1000\nDone!\n"
    );
}

#[test]
fn echo_client_talks_to_echo_server_which_stops_on_sigint() {
    use std::io::{BufRead, BufReader};

    let mut server = Command::new(example_path("echo_server"))
        .arg("127.0.0.1:0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run echo_server (plain `cargo test` builds it)");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("echo server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_string();

    let out = run_example("echo_client", &[&addr, "one", "two"]);
    let echoed: Vec<&str> = out.lines().map(|l| l.split(" (").next().unwrap()).collect();
    assert_eq!(echoed, ["echo: one", "echo: two"]);

    // Ctrl-C, as a terminal would send it: the server stops cleanly.
    let status = Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "echo_server exited with {status}");
    assert_eq!(lines.next().unwrap().unwrap(), "stopping");
}

#[test]
fn processes_prints_each_continent() {
    assert_eq!(
        run_example("processes", &[]),
        "The name of continent is :  Asia\n\
         The name of continent is :  America\n\
         The name of continent is :  Europe\n\
         The name of continent is :  Africa\n"
    );
}

/// The listings the note printed (SEED.md), as the example prints them.
const REDDIT_BLOCKS: [&str; 3] = [
    "50: Undershoot: Parsing theory in 1965 (http://jeffreykegler.github.io/Ocean-of-Awareness-blog/individual/2018/07/knuth_1965_2.html)
12: Question about best-prefix/failure function/primal match table in kmp algorithm (https://www.reddit.com/r/compsci/comments/8xd3m2/question_about_bestprefixfailure_functionprimal/)
1: Question regarding calculating the probability of failure of a RAID system (https://www.reddit.com/r/compsci/comments/8xbkk2/question_regarding_calculating_the_probability_of/)
DONE: compsci
",
    "336: /r/thanosdidnothingwrong -- banning people with python (https://clips.twitch.tv/AstutePluckyCocoaLitty)
175: PythonRobotics: Python sample codes for robotics algorithms (https://atsushisakai.github.io/PythonRobotics/)
23: Python and Flask Tutorial in VS Code (https://code.visualstudio.com/docs/python/tutorial-flask)
17: Started a new blog on Celery - what would you like to read about? (https://www.python-celery.com)
14: A Simple Anomaly Detection Algorithm in Python (https://medium.com/@mathmare_/pyng-a-simple-anomaly-detection-algorithm-2f355d7dc054)
DONE: python
",
    "1360: git bundle (https://dev.to/gabeguz/git-bundle-2l5o)
1191: Which hashing algorithm is best for uniqueness and speed? Ian Boyd's answer (top voted) is one of the best comments I've seen on Stackexchange. (https://softwareengineering.stackexchange.com/questions/49550/which-hashing-algorithm-is-best-for-uniqueness-and-speed)
430: ARM launches “Facts” campaign against RISC-V (https://riscv-basics.com/)
244: Choice of search engine on Android nuked by “Anonymous Coward” (2009) (https://android.googlesource.com/platform/packages/apps/GlobalSearch/+/592150ac00086400415afe936d96f04d3be3ba0c)
209: Exploiting freely accessible WhatsApp data or “Why does WhatsApp web know my phone’s battery level?” (https://medium.com/@juan_cortes/exploiting-freely-accessible-whatsapp-data-or-why-does-whatsapp-know-my-battery-level-ddac224041b4)
DONE: programming
",
];

#[test]
fn reddit_top_prints_the_three_listings_offline() {
    let out = run_example("reddit_top", &[]);
    // Each listing is one block ending in a blank line; the embedded
    // server answers compsci first and programming last, as in the note.
    let blocks: Vec<&str> = out.split_inclusive("\n\n").collect();
    let expected: Vec<String> = REDDIT_BLOCKS.iter().map(|b| format!("{b}\n")).collect();
    assert_eq!(blocks, expected, "{out}");
    assert!(out.ends_with("DONE: programming\n\n"), "{out:?}");
}

#[test]
fn reddit_top_reports_a_refusal_in_one_line() {
    // A server that refuses the way Reddit does when it throttles.
    let server = TestServer::start(|_| {
        let body = "<!doctype html><title>whoa there, pardner!</title>";
        Reply::BytesThenClose(
            format!(
                "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    });
    let output = example_command("reddit_top")
        .args(["--base-url", &server.url("")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.lines().count(),
        3,
        "one line per subreddit:\n{stderr}"
    );
    for sub in ["python", "programming", "compsci"] {
        let line = stderr
            .lines()
            .find(|l| l.starts_with(&format!("r/{sub}: ")))
            .unwrap();
        assert!(
            line.contains("HTTP 429 Too Many Requests (text/html)") && line.contains("whoa there"),
            "{line}"
        );
    }
    // The three requests arrive in whatever order their connections made it.
    let mut targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            "/r/compsci/top.json?sort=top&t=day&limit=5",
            "/r/programming/top.json?sort=top&t=day&limit=5",
            "/r/python/top.json?sort=top&t=day&limit=5",
        ]
    );
}

#[test]
fn reddit_top_reports_a_non_json_answer_in_one_line() {
    let server = TestServer::start(|_| ok("<html>maintenance</html>"));
    let output = example_command("reddit_top")
        .args(["--base-url", &server.url("")])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    assert!(
        stderr.lines().all(|l| l.contains("not a Reddit listing")),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn reddit_top_stops_cleanly_on_ctrl_c() {
    // A server that takes the requests and never answers: the example
    // waits until SIGINT stops its loop.
    let server = TestServer::start(|_| Reply::BytesThenStall(Vec::new()));
    let child = example_command("reddit_top")
        .args(["--base-url", &server.url("")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the three requests arrived, the example's loop is running and
    // its Ctrl-C handler (installed before the fetches start) is in place.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server.requests().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the requests never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    assert_eq!(String::from_utf8(output.stderr).unwrap(), "interrupted\n");
    assert_eq!(output.stdout, b"");
}

#[test]
fn trace_tour_prints_one_trace_line_per_tick() {
    let output = example_command("trace_tour")
        .env("EVLOOP_TRACE", "1")
        // Only trace lines on stderr, even on a machine slow enough for a
        // poll to cross the debug build's 100 ms warning threshold.
        .env("EVLOOP_SLOW_POLL_MS", "0")
        .output()
        .expect("run trace_tour (plain `cargo test` builds it)");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("client: got \"ping\" back\n"), "{stdout}");
    assert!(stdout.contains("sleeper: 20 ms passed\n"), "{stdout}");
    assert!(
        stdout.contains("block_on: a pool thread summed 1..=1000 = 500500\n"),
        "{stdout}"
    );

    // Every stderr line is a trace line, numbered from 1 without gaps:
    // `evloop: tick N | polled K[: labels] | wait T (why) | io E | timers F | remote wakes W, spawns S`
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 5, "{stderr}");
    for (n, line) in (1..).zip(&lines) {
        let fields: Vec<&str> = line.split(" | ").collect();
        assert_eq!(fields.len(), 6, "{line}");
        assert_eq!(fields[0], format!("evloop: tick {n}"), "{line}");
        let polled = fields[1].strip_prefix("polled ").expect(line);
        let (count, labels) = polled.split_once(": ").unwrap_or((polled, ""));
        let count: usize = count.parse().expect(line);
        let labels: Vec<&str> = labels.split(", ").filter(|l| !l.is_empty()).collect();
        assert_eq!(labels.len(), count, "{line}");
        for label in labels {
            // Named tasks are quoted; `block_on` is the main future.
            assert!(
                label == "block_on" || (label.starts_with('"') && label.ends_with('"')),
                "{line}"
            );
        }
        let wait = fields[2].strip_prefix("wait ").expect(line);
        assert!(
            ["(ready work)", "(next timer)", "(nothing ready, no timer)"]
                .iter()
                .any(|why| wait.ends_with(why)),
            "{line}"
        );
        assert!(fields[3]
            .strip_prefix("io ")
            .expect(line)
            .parse::<usize>()
            .is_ok());
        assert!(fields[4]
            .strip_prefix("timers ")
            .expect(line)
            .parse::<usize>()
            .is_ok());
        assert!(fields[5].starts_with("remote wakes "), "{line}");
    }
    // The first tick polls the main future and the two socket tasks, in
    // spawn order; later, the sleeper's timer decides a wait and fires.
    assert!(
        lines[0].starts_with("evloop: tick 1 | polled 3: block_on, \"echo\", \"client\" |"),
        "{stderr}"
    );
    assert!(lines.iter().any(|l| l.contains("(next timer)")), "{stderr}");
    assert!(lines.iter().any(|l| l.contains("| timers 1 |")), "{stderr}");
}

#[test]
fn trace_tour_without_the_variable_prints_a_reminder_only() {
    let output = example_command("trace_tour")
        .env_remove("EVLOOP_TRACE")
        .env("EVLOOP_SLOW_POLL_MS", "0")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "(run with EVLOOP_TRACE=1 to see one line per tick of the loop)\n"
    );
}

#[test]
fn job_queue_runs_each_job_once_and_drops_the_results() {
    let out = run_example("job_queue", &["--workers", "2", "--result-ttl", "0.1"]);
    let lines: Vec<&str> = out.lines().collect();
    // Jobs 1..=3 are the embedded server's pages, with known word counts.
    for (id, page, words) in [(1, "python", 15), (2, "rq", 19), (3, "evloop", 13)] {
        let enqueued = format!("enqueued job {id}: count_words_at_url('http://127.0.0.1:");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with(&enqueued)).count(),
            1,
            "{out}"
        );
        let started = format!("/{page}') (job {id}) started");
        let started: Vec<&&str> = lines.iter().filter(|l| l.ends_with(&started)).collect();
        assert_eq!(started.len(), 1, "job {id} runs once:\n{out}");
        let worker = started[0].split(": ").next().unwrap();
        assert!(worker == "worker 1" || worker == "worker 2", "{out}");
        let ok = format!("{worker}: default: Job OK (job {id})");
        assert!(lines.contains(&ok.as_str()), "{out}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("count_words_at_url: {words} words at "))),
            "{out}"
        );
        assert!(
            lines.contains(&format!("job {id}: result = {words}").as_str()),
            "{out}"
        );
        assert!(
            lines.contains(&format!("job {id}: result expired, dropped").as_str()),
            "{out}"
        );
    }
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.ends_with("Result is kept for 100ms"))
            .count(),
        3,
        "{out}"
    );
    // Both workers got work: the pages answer slowly enough to overlap.
    assert!(out.contains("worker 1: default: Job OK"), "{out}");
    assert!(out.contains("worker 2: default: Job OK"), "{out}");
    assert_eq!(
        lines.last(),
        Some(&"0 results left after their time; 0 jobs failed"),
        "{out}"
    );
}

#[test]
fn job_queue_reports_a_failed_job_and_exits_nonzero() {
    // A port nobody listens on: the job fails, the worker goes on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = example_command("job_queue")
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(!output.status.success(), "{out}");
    assert!(out.contains("default: Job failed (job 1): "), "{out}");
    assert!(
        out.ends_with("0 results left after their time; 1 jobs failed\n"),
        "{out}"
    );
}

#[cfg(feature = "redis")]
#[test]
fn redis_counter_counts_ten_thousand_and_round_trips_a_message() {
    // Against the test binary's own private server (`--url`), so the run
    // does not depend on the example finding redis-server itself.
    let Some(server) = util::redis_server::shared() else {
        return;
    };
    let out = run_example("redis_counter", &["--url", &server.url()]);
    assert!(
        out.contains("100 tasks x 100 INCR on one connection") && out.contains(" = 10000 in "),
        "{out}"
    );
    assert!(
        out.contains("published to 1 subscriber(s)") && out.contains("\"hello from evloop\""),
        "{out}"
    );
}
