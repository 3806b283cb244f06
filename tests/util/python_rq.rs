//! Python RQ 3.0.0 for the interop tests: a virtualenv made once, cached
//! under `target/rq-venv-3.0.0`, and helpers to run Python RQ scripts and
//! `rq worker --serializer json --burst` against a test's redis-server.
//!
//! ```ignore
//! let Some(server) = redis_server::start() else { return };
//! let Some(rq) = python_rq::python_rq() else { return };
//! let module = python_rq::ModuleDir::mymodule();
//! let url = server.url();
//! rq.python_ok(
//!     &format!("{}q.enqueue('mymodule.echo', 'hi', job_id='j1')", python_rq::PREAMBLE),
//!     &[("REDIS_URL", url.as_str()), ("RQ_QUEUE", "q")],
//! );
//! let worker = rq.worker(&url, "q", module.path(), &["--name", "w1"]);
//! let log = rq.wait(worker, Duration::from_secs(60)); // stdout: RQ's log lines
//! ```
//!
//! The venv is `$CARGO_TARGET_DIR/rq-venv-3.0.0` (relative to the package
//! root if relative), else `<package root>/target/rq-venv-3.0.0`, made with
//! `$EVLOOP_PYTHON` (default `python3`) `-m venv` and `pip install
//! rq==3.0.0`. It is ready once it holds the marker file `.evloop-ready`,
//! written last with an atomic rename; `.ci/run` prepares the same path and
//! marker so that tests do not pay for pip. Concurrent test threads share one
//! attempt (a `OnceLock`); concurrent test processes take turns on the lock
//! file `target/rq-venv-3.0.0.lock` (made with `create_new`, holding the
//! maker's pid, so a lock left by a killed process is taken over).
//!
//! Without python3, venv or pip (or without network for pip), `python_rq()`
//! prints one skip line and returns `None`; under `EVLOOP_REQUIRE_REDIS=1`
//! (CI) that is a panic instead, so CI never passes by testing nothing.
//!
//! Everything talks to loopback only: the redis URL is the test server's,
//! and `mymodule.count_words_at_url` refuses non-loopback hosts.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The Python RQ release the tests speak to.
pub const RQ_VERSION: &str = "3.0.0";

/// How long one `python()` script may run.
pub const SCRIPT_LIMIT: Duration = Duration::from_secs(60);

/// How long making the venv may take (pip downloads rq, redis and click).
const SETUP_LIMIT: Duration = Duration::from_secs(600);

/// The file whose presence says "this venv is complete".
const READY_MARKER: &str = ".evloop-ready";

/// Imports and a connection, to start a script with: `r` (redis-py, from
/// `$REDIS_URL`), `q` (a JSON-serializer `Queue` named `$RQ_QUEUE`, default
/// `default`), and `Job`, `Queue`, `JSONSerializer`, `StartedJobRegistry`,
/// `FailedJobRegistry`, `FinishedJobRegistry`. Deprecation warnings (e.g.
/// `job.exc_info`) are silenced so that stderr stays clean.
pub const PREAMBLE: &str = "\
import json, os, sys, time, warnings
warnings.simplefilter('ignore', DeprecationWarning)
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer
r = Redis.from_url(os.environ['REDIS_URL'])
q = Queue(os.environ.get('RQ_QUEUE', 'default'), connection=r, serializer=JSONSerializer)
";

/// The test module the Python side runs: `mymodule.py`, as in the study
/// note, plus `echo`, `fail` and `slow`.
pub const MYMODULE_PY: &str = r#""""Functions for the RQ interop tests (written by tests/util/python_rq.rs)."""
import time
import urllib.parse
import urllib.request

LOOPBACK = ('127.0.0.1', 'localhost', '::1')


def count_words_at_url(url):
    """GETs url (loopback only) and counts its whitespace-separated words."""
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f'count_words_at_url: {url!r} is not on loopback')
    with urllib.request.urlopen(url, timeout=30) as resp:
        text = resp.read().decode('utf-8', 'replace')
    return len(text.split())


def echo(x):
    """Returns its argument."""
    return x


def fail(msg):
    """Raises Exception(msg): the failure's last line is `Exception: <msg>`."""
    raise Exception(msg)


def slow(seconds):
    """Sleeps, then returns its argument."""
    time.sleep(seconds)
    return seconds
"#;

/// A ready venv with Python RQ 3.0.0 in it.
#[derive(Clone, Debug)]
pub struct PythonRq {
    venv: PathBuf,
}

/// The venv, made on first use; `None` (after a skip line, once per test
/// binary) if python3, venv or pip fail; a panic instead under
/// `EVLOOP_REQUIRE_REDIS=1`.
pub fn python_rq() -> Option<PythonRq> {
    static VENV: OnceLock<Result<PythonRq, String>> = OnceLock::new();
    static WARNED: std::sync::Once = std::sync::Once::new();
    match VENV.get_or_init(|| prepare(&venv_dir())) {
        Ok(rq) => Some(rq.clone()),
        Err(why) => {
            let msg = format!(
                "skipped: Python RQ not available (python3 -m venv + pip install rq=={RQ_VERSION} failed: {why})"
            );
            if std::env::var("EVLOOP_REQUIRE_REDIS").as_deref() == Ok("1") {
                panic!("{msg}; EVLOOP_REQUIRE_REDIS=1 makes that a failure");
            }
            // Straight to stderr: the harness captures `eprintln!`.
            WARNED.call_once(|| {
                let _ = writeln!(std::io::stderr(), "{msg}");
            });
            None
        }
    }
}

impl PythonRq {
    /// The venv's root directory.
    pub fn venv(&self) -> &Path {
        &self.venv
    }

    /// The venv's interpreter.
    pub fn python_path(&self) -> PathBuf {
        self.venv.join("bin").join("python")
    }

    /// Runs `script` (`python -c`) with the venv's python and `env` added to
    /// the environment; stdout and stderr captured. Panics if it has not
    /// finished within 60 s (the child is killed first), not if it fails:
    /// check `status`, or use [`PythonRq::python_ok`].
    pub fn python(&self, script: &str, env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(self.python_path());
        cmd.arg("-c").arg(script);
        python_env(&mut cmd);
        cmd.envs(env.iter().copied());
        match run_bounded(&mut cmd, SCRIPT_LIMIT) {
            Ok(out) => out,
            Err(why) => panic!("python script: {why}\n--- script:\n{script}"),
        }
    }

    /// [`PythonRq::python`], failing the test (with the script's stderr)
    /// unless it exits 0; returns its stdout.
    #[track_caller]
    pub fn python_ok(&self, script: &str, env: &[(&str, &str)]) -> String {
        let out = self.python(script, env);
        assert!(
            out.status.success(),
            "python script exited with {}\n--- stderr:\n{}\n--- stdout:\n{}\n--- script:\n{script}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `rq worker --serializer json --burst --url URL [extra_args…] QUEUE`
    /// with `PYTHONPATH=module_dir`, not yet started: set its stdio (e.g.
    /// `Stdio::null()` for a benchmark) or add queues, then spawn it.
    /// `extra_args` go before the queue, e.g.
    /// `["--worker-class", "rq.worker.SimpleWorker"]` or `["--name", "w1"]`.
    pub fn worker_command(
        &self,
        redis_url: &str,
        queue: &str,
        module_dir: &Path,
        extra_args: &[&str],
    ) -> Command {
        let mut cmd = Command::new(self.python_path());
        cmd.args(["-m", "rq.cli", "worker", "--serializer", "json", "--burst"])
            .arg("--url")
            .arg(redis_url)
            .args(extra_args)
            .arg(queue)
            .env("PYTHONPATH", module_dir)
            .current_dir(module_dir)
            .stdin(Stdio::null());
        python_env(&mut cmd);
        cmd
    }

    /// [`PythonRq::worker_command`], spawned with stdout (RQ's INFO log
    /// lines) and stderr (errors, tracebacks) piped. Collect them with
    /// [`PythonRq::wait`] soon: a worker that fills a pipe (some 64 KiB,
    /// a few hundred jobs' lines) blocks until it is read.
    pub fn worker(
        &self,
        redis_url: &str,
        queue: &str,
        module_dir: &Path,
        extra_args: &[&str],
    ) -> Child {
        self.worker_command(redis_url, queue, module_dir, extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn rq worker ({}): {e}", self.python_path().display()))
    }

    /// Waits for a spawned child (a [`PythonRq::worker`]) and collects its
    /// piped output; kills it and panics with what it printed if it has not
    /// exited within `limit`.
    pub fn wait(&self, child: Child, limit: Duration) -> Output {
        match wait_bounded(child, limit) {
            Ok(out) => out,
            Err(why) => panic!("rq worker: {why}"),
        }
    }
}

/// A fresh temp dir holding `mymodule.py` ([`MYMODULE_PY`]), removed on
/// drop: the `module_dir` for [`PythonRq::worker`].
pub struct ModuleDir {
    dir: PathBuf,
}

impl ModuleDir {
    /// A new dir with `mymodule.py` in it.
    pub fn mymodule() -> ModuleDir {
        ModuleDir::with_module("mymodule", MYMODULE_PY)
    }

    /// A new dir with `NAME.py` holding `source`.
    pub fn with_module(name: &str, source: &str) -> ModuleDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "evloop-rq-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let file = dir.join(format!("{name}.py"));
        std::fs::write(&file, source).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
        ModuleDir { dir }
    }

    /// The directory (for `PYTHONPATH`).
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for ModuleDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Quiet, unbuffered, no `.pyc` files next to the test module, and no
/// user site-packages leaking into the venv.
fn python_env(cmd: &mut Command) {
    cmd.env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONNOUSERSITE", "1")
        .env_remove("PYTHONHOME")
        .env_remove("RQ_KEY_PREFIX");
}

/// `target/rq-venv-3.0.0`, absolute.
fn venv_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => manifest.join(dir), // join keeps an absolute dir as is
        _ => manifest.join("target"),
    };
    target.join(format!("rq-venv-{RQ_VERSION}"))
}

fn is_ready(venv: &Path) -> bool {
    venv.join(READY_MARKER).is_file() && venv.join("bin").join("python").exists()
}

/// Makes the venv unless it is ready, taking turns with other processes on
/// the lock file.
fn prepare(venv: &Path) -> Result<PythonRq, String> {
    let started = Instant::now();
    if is_ready(venv) {
        return Ok(PythonRq {
            venv: venv.to_owned(),
        });
    }
    let parent = venv.parent().expect("the venv dir has a parent");
    std::fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
    let mut lock_name = venv
        .file_name()
        .expect("the venv dir has a name")
        .to_owned();
    lock_name.push(".lock");
    let lock_path = parent.join(lock_name);
    let _lock = loop {
        match LockFile::acquire(&lock_path)? {
            Some(lock) => break lock,
            None => {
                if is_ready(venv) {
                    return Ok(PythonRq {
                        venv: venv.to_owned(),
                    });
                }
                if started.elapsed() > SETUP_LIMIT {
                    return Err(format!(
                        "{} is still held after {SETUP_LIMIT:?}",
                        lock_path.display()
                    ));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    // Another process may have finished while we waited for the lock.
    if is_ready(venv) {
        return Ok(PythonRq {
            venv: venv.to_owned(),
        });
    }
    make_venv(venv)?;
    Ok(PythonRq {
        venv: venv.to_owned(),
    })
}

/// `python3 -m venv`, `pip install rq==3.0.0`, a check that it imports,
/// then the marker (atomically). A partial venv from an earlier failed or
/// killed attempt is removed first.
fn make_venv(venv: &Path) -> Result<(), String> {
    if venv.exists() {
        std::fs::remove_dir_all(venv)
            .map_err(|e| format!("remove the partial venv {}: {e}", venv.display()))?;
    }
    let python3 = std::env::var_os("EVLOOP_PYTHON").unwrap_or_else(|| "python3".into());
    let mut cmd = Command::new(&python3);
    cmd.args(["-m", "venv"]).arg(venv);
    check(
        &format!("{} -m venv", python3.to_string_lossy()),
        run_bounded(&mut cmd, Duration::from_secs(120)),
    )?;
    let python = venv.join("bin").join("python");
    let mut cmd = Command::new(&python);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
    ])
    .arg(format!("rq=={RQ_VERSION}"));
    python_env(&mut cmd);
    check(
        &format!("pip install rq=={RQ_VERSION}"),
        run_bounded(&mut cmd, SETUP_LIMIT),
    )?;
    let mut cmd = Command::new(&python);
    cmd.arg("-c").arg(format!(
        "import rq, redis; assert rq.VERSION == '{RQ_VERSION}', rq.VERSION"
    ));
    python_env(&mut cmd);
    check("import rq", run_bounded(&mut cmd, Duration::from_secs(60)))?;
    let tmp = venv.join(format!("{READY_MARKER}.{}", std::process::id()));
    std::fs::write(&tmp, format!("rq {RQ_VERSION}\n"))
        .and_then(|()| std::fs::rename(&tmp, venv.join(READY_MARKER)))
        .map_err(|e| format!("write {}: {e}", venv.join(READY_MARKER).display()))
}

/// A command's outcome as `Ok` only if it exited 0; else its stderr's tail.
fn check(what: &str, outcome: Result<Output, String>) -> Result<(), String> {
    let out = outcome.map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.trim_end().lines().rev().take(3).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!("{what}: {}: {}", out.status, tail.join(" | ")))
}

/// The venv lock: a file made with `create_new` holding the maker's pid,
/// removed on drop (also when the maker panics).
struct LockFile {
    path: PathBuf,
}

impl LockFile {
    /// `Some` if we hold it now; `None` if a live process holds it. A lock
    /// whose process is gone (killed mid-setup) is removed and retaken.
    fn acquire(path: &Path) -> Result<Option<LockFile>, String> {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut file) => {
                let _ = writeln!(file, "{}", std::process::id());
                Ok(Some(LockFile {
                    path: path.to_owned(),
                }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(path)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok());
                let stale = match holder {
                    Some(pid) => !super::redis_server::process_alive(pid),
                    // Empty: its maker is between create and write, or died
                    // there; call it stale once it is a minute old.
                    None => std::fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Duration::from_secs(60)),
                };
                if stale {
                    let _ = std::fs::remove_file(path);
                }
                Ok(None)
            }
            Err(e) => Err(format!("create {}: {e}", path.display())),
        }
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Runs `cmd` with stdout and stderr captured (stdin closed), killing it
/// after `limit`.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn {:?}: {e}", cmd.get_program()))?;
    wait_bounded(child, limit)
}

/// Drains a child's piped stdout and stderr on threads of their own (so a
/// chatty child never blocks) and waits for it; after `limit` kills it
/// (by its own handle) and reports what it printed. A grandchild that
/// keeps a pipe open (a forking worker's horse) does not hold this up past
/// the limit: the output read so far is what is returned.
fn wait_bounded(mut child: Child, limit: Duration) -> Result<Output, String> {
    type Sink = Arc<Mutex<(Vec<u8>, bool)>>;
    fn drain(pipe: Option<impl Read + Send + 'static>) -> Sink {
        let sink: Sink = Arc::new(Mutex::new((Vec::new(), pipe.is_none())));
        if let Some(mut pipe) = pipe {
            let sink = sink.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                loop {
                    match pipe.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => sink.lock().unwrap().0.extend_from_slice(&chunk[..n]),
                    }
                }
                sink.lock().unwrap().1 = true;
            });
        }
        sink
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status: Option<ExitStatus> = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    // The pipes close when the child and anything it forked are gone: wait
    // for that until the limit (at least 2 s after the exit or the kill),
    // then take what was read.
    let grace = Instant::now().max(deadline) + Duration::from_secs(2);
    while !(stdout.lock().unwrap().1 && stderr.lock().unwrap().1) && Instant::now() < grace {
        std::thread::sleep(Duration::from_millis(5));
    }
    let stdout = std::mem::take(&mut stdout.lock().unwrap().0);
    let stderr = std::mem::take(&mut stderr.lock().unwrap().0);
    match status {
        Some(status) => Ok(Output {
            status,
            stdout,
            stderr,
        }),
        None => Err(format!(
            "did not finish within {limit:?} (killed)\n--- stdout:\n{}\n--- stderr:\n{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        )),
    }
}
