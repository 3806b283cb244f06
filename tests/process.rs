//! Child processes on the loop: output, exit codes, pipes on the reactor,
//! reaping (after wait, after drop, after kill_on_drop), kill, try_wait.
//!
//! A child runs in real time, so these tests cannot use the paused clock;
//! each runs under the watchdog of `util::bounded`, so a lost wake-up
//! fails the test instead of hanging the suite.
#![cfg(all(unix, feature = "process"))]

mod util;

use std::cell::RefCell;
use std::future::poll_fn;
use std::os::unix::process::ExitStatusExt;
use std::pin::Pin;
use std::process::Stdio;
use std::rc::Rc;
use std::time::Duration;

use evloop::process::{ChildStdout, Command};
use evloop::time::{sleep, timeout};
use futures_io::{AsyncRead, AsyncWrite};

/// Generous: a loaded machine is slow to start processes.
const LIMIT: Duration = Duration::from_secs(30);

/// Runs `body` in a fresh runtime under the watchdog.
fn run<F: std::future::Future<Output = ()> + 'static>(body: impl FnOnce() -> F + Send + 'static) {
    util::bounded(LIMIT, move || evloop::block_on(body()));
}

/// Writes all of `bytes` (futures-io's trait through `poll_fn`; the lead
/// switches these helpers to `evloop::io`'s ext traits at merge).
async fn write_all(w: &mut (impl AsyncWrite + Unpin), mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *w).poll_write(cx, bytes))
            .await
            .unwrap();
        assert!(n > 0, "write returned 0");
        bytes = &bytes[n..];
    }
}

/// Reads to end of file.
async fn read_to_end(r: &mut (impl AsyncRead + Unpin)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let n = poll_fn(|cx| Pin::new(&mut *r).poll_read(cx, &mut chunk))
            .await
            .unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// Splits a child's stdout into lines, as a `BufReader::lines` would.
struct Lines {
    pipe: ChildStdout,
    pending: Vec<u8>,
}

impl Lines {
    /// The next line without its newline; `None` at end of file.
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return Some(String::from_utf8(line[..end].to_vec()).unwrap());
            }
            let mut chunk = [0; 256];
            let n = poll_fn(|cx| Pin::new(&mut self.pipe).poll_read(cx, &mut chunk))
                .await
                .unwrap();
            if n == 0 {
                return None;
            }
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }
}

/// The state letter of process `pid` from /proc (`Z` for a zombie), or
/// `None` if there is no such process (it was reaped).
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces.
    stat[stat.rfind(')')? + 2..].chars().next()
}

/// Waits (polling /proc, bounded) until `pid` is gone: reaped, not a zombie.
async fn until_reaped(pid: u32) {
    let gone = timeout(Duration::from_secs(20), async {
        while proc_state(pid).is_some() {
            sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        gone.is_ok(),
        "pid {pid} still there: state {:?}",
        proc_state(pid)
    );
}

#[test]
fn output_of_echo_is_captured() {
    run(|| async {
        let output = Command::new("echo")
            .args(["hello", "world"])
            .output()
            .await
            .unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout, b"hello world\n");
        assert!(output.stderr.is_empty());
    });
}

#[test]
fn output_of_sh_has_stdout_stderr_and_the_exit_code() {
    run(|| async {
        let output = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 7"])
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(7));
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"err\n");
    });
}

#[test]
fn output_gives_the_child_a_null_stdin() {
    run(|| async {
        // `cat` of an inherited stdin could wait forever; null ends at once.
        let output = Command::new("cat").output().await.unwrap();
        assert!(output.status.success());
        assert!(output.stdout.is_empty());
    });
}

#[test]
fn status_reports_exit_codes_and_env() {
    run(|| async {
        for code in [0, 1, 42] {
            let status = Command::new("sh")
                .args(["-c", "exit $CODE"])
                .env("CODE", code.to_string())
                .status()
                .await
                .unwrap();
            assert_eq!(status.code(), Some(code));
            assert_eq!(status.success(), code == 0);
        }
    });
}

#[test]
fn current_dir_and_env_clear_reach_the_child() {
    run(|| async {
        let output = Command::new("/bin/sh")
            .args(["-c", "pwd; echo \"[$HOME]\""])
            .current_dir("/")
            .env_clear()
            .output()
            .await
            .unwrap();
        assert_eq!(output.stdout, b"/\n[]\n");
    });
}

#[test]
fn a_missing_program_is_not_found() {
    run(|| async {
        let err = Command::new("/nonexistent/evloop-test-program")
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
}

#[test]
fn stdin_piped_to_cat_comes_back_on_stdout() {
    run(|| async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        // 200 KiB: more than a pipe holds, so writer and reader must take
        // turns on the reactor.
        let sent: Vec<u8> = (0..200 * 1024).map(|i| (i % 251) as u8).collect();
        let writer = evloop::spawn({
            let sent = sent.clone();
            async move {
                write_all(&mut stdin, &sent).await;
                // Dropping stdin here: end of file for cat.
            }
        });
        let got = read_to_end(&mut stdout).await;
        writer.await.unwrap();
        assert_eq!(got.len(), sent.len());
        assert!(got == sent, "cat gave back other bytes");
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn wait_with_output_reads_both_pipes_concurrently() {
    run(|| async {
        // Each stream is several times a pipe's buffer: reading one to its
        // end before the other would deadlock with the child.
        let output = Command::new("sh")
            .args([
                "-c",
                "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2; echo done >&2",
            ])
            .output()
            .await
            .unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout.len(), 300_000);
        assert_eq!(output.stderr.len(), 300_005);
    });
}

#[test]
fn stdout_lines_arrive_while_the_loop_serves_a_timer() {
    run(|| async {
        let child = Command::new("sh")
            .args(["-c", "echo one; sleep 0.5; echo two"])
            .stdout(Stdio::piped())
            .spawn();
        let mut child = child.unwrap();
        let mut lines = Lines {
            pipe: child.stdout.take().unwrap(),
            pending: Vec::new(),
        };
        let events = Rc::new(RefCell::new(Vec::new()));
        assert_eq!(lines.next().await.as_deref(), Some("one"));
        events.borrow_mut().push("line one");
        // Started after the first line: due long before the child's second.
        let timer = evloop::spawn({
            let events = events.clone();
            async move {
                sleep(Duration::from_millis(20)).await;
                events.borrow_mut().push("timer");
            }
        });
        assert_eq!(lines.next().await.as_deref(), Some("two"));
        events.borrow_mut().push("line two");
        assert_eq!(lines.next().await, None);
        timer.await.unwrap();
        assert_eq!(*events.borrow(), ["line one", "timer", "line two"]);
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn wait_reaps_the_child_and_id_becomes_none() {
    run(|| async {
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id().expect("running children have an id");
        assert!(child.wait().await.unwrap().success());
        assert_eq!(child.id(), None);
        assert_ne!(proc_state(pid), Some('Z'), "a zombie after wait");
        // Waiting again gives the same status without asking the kernel.
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn try_wait_is_none_while_running_and_the_status_after() {
    run(|| async {
        let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
        assert_eq!(child.try_wait().unwrap(), None);
        assert!(child.id().is_some());
        drop(child.stdin.take()); // cat reads end of file and exits
        let status = child.wait().await.unwrap();
        assert!(status.success());
        assert_eq!(child.try_wait().unwrap(), Some(status));
        assert_eq!(child.id(), None);
    });
}

#[test]
fn kill_then_wait_gives_a_signal_exit() {
    run(|| async {
        let mut child = Command::new("sleep").arg("100").spawn().unwrap();
        let pid = child.id().unwrap();
        child.kill().await.unwrap();
        let status = child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9), "{status}");
        assert_eq!(status.code(), None);
        assert_ne!(proc_state(pid), Some('Z'));
        // Reaped: nothing left to kill.
        let err = child.start_kill().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}

#[test]
fn a_dropped_child_runs_on_and_is_reaped_when_it_exits() {
    run(|| async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        drop(child); // no kill_on_drop: cat goes on
        write_all(&mut stdin, b"still here\n").await;
        drop(stdin);
        assert_eq!(read_to_end(&mut stdout).await, b"still here\n");
        // cat exits at end of file; the reaper collects the orphan.
        until_reaped(pid).await;
    });
}

#[test]
fn kill_on_drop_kills_and_reaps_the_child() {
    run(|| async {
        let child = Command::new("sleep")
            .arg("100")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        drop(child);
        until_reaped(pid).await;
    });
}

#[test]
fn many_children_exiting_together_are_all_reaped() {
    run(|| async {
        // Their SIGCHLDs coalesce; every waiter still sees its own exit.
        let waits: Vec<_> = (0..20)
            .map(|i| {
                let mut child = Command::new("sh")
                    .args(["-c", &format!("exit {i}")])
                    .spawn()
                    .unwrap();
                evloop::spawn(async move { child.wait().await.unwrap().code() })
            })
            .collect();
        for (i, wait) in waits.into_iter().enumerate() {
            assert_eq!(wait.await.unwrap(), Some(i as i32));
        }
    });
}

#[test]
fn an_orphan_of_a_dropped_runtime_is_reaped_by_the_next_one() {
    util::bounded(LIMIT, || {
        let pid = evloop::block_on(async {
            let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
            let pid = child.id().unwrap();
            drop(child.stdin.take());
            pid
            // The child (maybe not yet exited) drops here, unreaped.
        });
        evloop::block_on(async {
            // Any child event of this runtime sweeps the orphans.
            Command::new("true").status().await.unwrap();
            until_reaped(pid).await;
        });
    });
}

#[test]
fn a_child_pipe_becomes_another_childs_stdin() {
    run(|| async {
        let mut echo = Command::new("echo")
            .arg("piped along")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout: Stdio = echo.stdout.take().unwrap().try_into().unwrap();
        let output = Command::new("cat").stdin(stdout).output().await.unwrap();
        assert_eq!(output.stdout, b"piped along\n");
        assert!(echo.wait().await.unwrap().success());
    });
}
