//! Seeing inside the loop: the trace, slow-poll warnings, the task dump.
//!
//! The trace and the warnings go to stderr, so those tests run their
//! scripted program in a child process (this test binary, re-executed with
//! the test's name) and read what it printed.

use std::process::Command;
use std::time::Duration;

use evloop::runtime::TaskState;
use evloop::task::{yield_now, Builder as TaskBuilder};
use evloop::Runtime;

/// Set in the child process: run the scripted program instead of checking.
const CHILD: &str = "EVLOOP_DIAGNOSTICS_CHILD";

/// Re-runs the test `name` in a child with `env`, returns its stderr.
fn run_child(name: &str, env: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env_remove("EVLOOP_TRACE")
        .env_remove("EVLOOP_SLOW_POLL_MS");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "child failed:\n{stderr}");
    stderr
}

fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

#[test]
fn the_trace_prints_one_line_per_tick() {
    if in_child() {
        // EVLOOP_TRACE=1 turns the trace on without touching the builder.
        let rt = Runtime::new().unwrap();
        rt.block_on(async {
            let worker = TaskBuilder::new().name("worker").spawn(async {
                yield_now().await;
            });
            worker.await.unwrap();
        });
        return;
    }
    let stderr = run_child(
        "the_trace_prints_one_line_per_tick",
        &[("EVLOOP_TRACE", "1")],
    );
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("evloop: tick"))
        .collect();
    assert_eq!(
        lines,
        // block_on's future spawns the worker and waits; the worker yields
        // to the back of the queue and runs again in the same batch; its end
        // wakes block_on, so the wait is 0; block_on's last poll returns
        // without another tick.
        [
            "evloop: tick 1 | polled 3: block_on, \"worker\", \"worker\" \
          | wait 0ns (ready work) | io 0 | timers 0 | remote wakes 0, spawns 0"
        ],
        "whole stderr:\n{stderr}"
    );
}

#[test]
fn the_trace_shows_unnamed_tasks_by_location_and_remote_spawns() {
    if in_child() {
        let rt = Runtime::builder().trace(true).build().unwrap();
        let handle = rt.handle();
        let remote = std::thread::spawn(move || handle.spawn(async {}))
            .join()
            .unwrap();
        rt.block_on(remote).unwrap();
        let local = rt.spawn(async {});
        rt.block_on(local).unwrap();
        return;
    }
    let stderr = run_child(
        "the_trace_shows_unnamed_tasks_by_location_and_remote_spawns",
        &[],
    );
    assert!(
        stderr.contains("remote wakes 0, spawns 1"),
        "the remote spawn is counted:\n{stderr}"
    );
    assert!(
        stderr.contains("polled 1: tests/diagnostics.rs:"),
        "an unnamed task is shown by where it was spawned:\n{stderr}"
    );
}

#[test]
fn the_trace_is_silent_when_off() {
    if in_child() {
        let rt = Runtime::builder().trace(true).build().unwrap();
        rt.block_on(async {});
        return;
    }
    let stderr = run_child("the_trace_is_silent_when_off", &[("EVLOOP_TRACE", "0")]);
    assert!(!stderr.contains("evloop: tick"), "{stderr}");
}

#[test]
fn a_slow_poll_is_reported_once_with_the_task_and_a_hint() {
    if in_child() {
        let rt = Runtime::builder()
            .slow_poll_threshold(Some(Duration::from_millis(100)))
            .build()
            .unwrap();
        rt.block_on(async {
            let quick = TaskBuilder::new().name("quick").spawn(async {});
            let slow = TaskBuilder::new().name("sleeper").spawn(async {
                // Blocks the loop on purpose: what the warning is for.
                std::thread::sleep(Duration::from_millis(200));
            });
            quick.await.unwrap();
            slow.await.unwrap();
        });
        assert_eq!(rt.metrics().slow_polls, 1);
        let slow_bucket = rt.metrics().poll_time_histogram[5];
        assert_eq!(slow_bucket, 1, "the 200 ms poll is in the last bucket");
        return;
    }
    let stderr = run_child("a_slow_poll_is_reported_once_with_the_task_and_a_hint", &[]);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("slow poll"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    let warning = warnings[0];
    assert!(warning.contains("task sleeper"), "{warning}");
    assert!(warning.contains("tests/diagnostics.rs:"), "{warning}");
    assert!(warning.contains("spawn_blocking"), "{warning}");
    assert!(!stderr.contains("quick"), "{stderr}");
}

#[test]
fn evloop_slow_poll_ms_overrides_the_builder() {
    if in_child() {
        let rt = Runtime::builder()
            .slow_poll_threshold(Some(Duration::from_secs(60)))
            .build()
            .unwrap();
        rt.block_on(async {
            std::thread::sleep(Duration::from_millis(30));
        });
        assert_eq!(rt.metrics().slow_polls, 1);
        return;
    }
    let stderr = run_child(
        "evloop_slow_poll_ms_overrides_the_builder",
        &[("EVLOOP_SLOW_POLL_MS", "10")],
    );
    assert!(stderr.contains("task block_on"), "{stderr}");
}

#[test]
fn the_dump_lists_named_and_unnamed_tasks_with_their_states() {
    let rt = Runtime::new().unwrap();
    let idle = TaskBuilder::new()
        .name("waits forever")
        .spawn_on(std::future::pending::<()>(), &rt);
    rt.block_on(yield_now());
    let scheduled = rt.spawn(async {});
    let asker = rt.spawn(async { evloop::Handle::current().dump().await });

    let dump = rt.dump();
    let tasks = dump.tasks();
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[0].name(), Some("waits forever"));
    assert_eq!(tasks[0].state(), TaskState::Idle);
    assert_eq!(tasks[0].polls(), 1);
    assert_eq!(tasks[1].name(), None);
    assert!(tasks[1].location().starts_with("tests/diagnostics.rs:"));
    assert_eq!(tasks[1].state(), TaskState::Scheduled);
    assert_eq!(tasks[1].polls(), 0);
    assert!(tasks[0].id() < tasks[1].id(), "oldest first");

    // A task that dumps its own runtime sees itself running, with its
    // location and polls (the dump is taken right after its poll).
    let seen = rt.block_on(asker).unwrap();
    let me = seen.tasks().last().unwrap();
    assert_eq!(me.state(), TaskState::Running);
    assert!(me.location().starts_with("tests/diagnostics.rs:"), "{me:?}");
    assert_eq!(me.polls(), 1);
    assert_eq!(seen.tasks().len(), 2, "the scheduled task ran first");

    let table = dump.to_string();
    assert!(table.starts_with("3 live task(s)\n"), "{table}");
    assert!(table.contains("\"waits forever\""), "{table}");
    assert!(table.contains("scheduled"), "{table}");
    drop((idle, scheduled));
}

#[test]
fn handle_dump_from_another_thread_is_collected_on_the_loop() {
    let rt = Runtime::new().unwrap();
    let _idle = TaskBuilder::new()
        .name("idle")
        .spawn_on(std::future::pending::<()>(), &rt);
    let handle = rt.handle();
    let asker = std::thread::spawn(move || evloop::block_on(handle.dump()));
    rt.block_on(async {
        while !asker.is_finished() {
            yield_now().await;
        }
    });
    let dump = asker.join().unwrap();
    let names: Vec<_> = dump.tasks().iter().map(|t| t.name()).collect();
    assert_eq!(names, [Some("idle"), Some("Handle::dump")]);
}

#[test]
fn handle_dump_of_a_dropped_runtime_is_empty() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    drop(rt);
    assert!(evloop::block_on(handle.dump()).tasks().is_empty());
}

#[test]
fn the_poll_time_histogram_counts_every_timed_poll() {
    let rt = Runtime::builder()
        .slow_poll_threshold(Some(Duration::from_secs(10)))
        .build()
        .unwrap();
    rt.block_on(async {
        let task = evloop::spawn(async {
            for _ in 0..9 {
                yield_now().await;
            }
        });
        task.await.unwrap();
    });
    let m = rt.metrics();
    assert_eq!(m.polls, 10);
    let timed: u64 = m.poll_time_histogram.iter().sum();
    assert!(timed >= 10 + 2, "task polls plus block_on's polls: {timed}");
    assert_eq!(m.slow_polls, 0);
}
