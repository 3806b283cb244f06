//! A private `redis-server` for a test binary: on loopback, on a free port,
//! in a fresh temp dir, with persistence off, stopped at the end.
//!
//! ```ignore
//! let Some(server) = redis_server::start() else { return }; // fresh, owned
//! let Some(server) = redis_server::shared() else { return }; // one per binary
//! let client = evloop::redis::Client::open(server.url()).unwrap();
//! ```
//!
//! The binary is `$EVLOOP_REDIS_SERVER`, else `redis-server` on PATH. Without
//! one, `start` prints a skip line once and returns `None`, so that
//! `cargo test --all-features` passes on a fresh machine; with
//! `EVLOOP_REQUIRE_REDIS=1` (CI sets it) a missing server is a panic, so
//! CI never skips.
//!
//! The server runs under a small `sh` watchdog that holds the read end of a
//! pipe from this process: when the test binary exits, however it exits
//! (even killed, even with the `shared()` server in a static, which Rust
//! never drops), the pipe closes and the watchdog SIGKILLs the server. No
//! server outlives its test binary, and no `unsafe` (`prctl`) is needed.
//!
//! It speaks just enough RESP2 over a std `TcpStream` ([`RedisServer::query`])
//! to see that the server is up and to let a test check what the client
//! under test wrote through a path that does not share its code.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

const SKIP: &str =
    "skipped: redis-server not found (apt-get install redis-server, or set EVLOOP_REDIS_SERVER)";
/// How long a server may take to answer its first PING.
const STARTUP: Duration = Duration::from_secs(10);
/// Fresh ports to try when another process took ours between our probe
/// bind and the server's.
const PORT_TRIES: usize = 5;

/// A fresh server of this test's own, or `None` (skipped) without a binary.
pub fn start() -> Option<RedisServer> {
    RedisServer::start()
}

/// The test binary's shared server (started on first use, never restarted).
/// Tests that share it must use keys of their own ([`unique_key`]); a test
/// that kills, pauses or reconfigures its server starts a fresh one.
pub fn shared() -> Option<&'static RedisServer> {
    static SHARED: OnceLock<Option<RedisServer>> = OnceLock::new();
    SHARED.get_or_init(RedisServer::start).as_ref()
}

/// `prefix:N:PID`, distinct across the tests of a binary and across test
/// binaries sharing nothing but a habit of naming keys alike.
pub fn unique_key(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}:{n}:{}", std::process::id())
}

/// What to start: extra `redis-server` arguments and whether to listen on
/// a unix socket too.
#[derive(Default, Clone, Debug)]
pub struct Config {
    args: Vec<String>,
    unix_socket: bool,
}

impl Config {
    /// Adds `redis-server` arguments, e.g. `["--requirepass", "secret"]`.
    pub fn args(mut self, args: &[&str]) -> Config {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Also listens on `<tempdir>/redis.sock` (mode 700).
    pub fn unix_socket(mut self) -> Config {
        self.unix_socket = true;
        self
    }

    /// Starts the server: `None` (after a skip line) without a binary,
    /// a panic with its log if it does not come up within 10 s.
    pub fn start(self) -> Option<RedisServer> {
        let binary = server_binary()?;
        let mut last_log = String::new();
        for _ in 0..PORT_TRIES {
            match RedisServer::spawn(&binary, &self) {
                Ok(server) => return Some(server),
                // The port was taken before the server bound it: try another.
                Err(log) => last_log = log,
            }
        }
        panic!(
            "redis-server ({}) could not bind a free port in {PORT_TRIES} tries; last log:\n{last_log}",
            binary.display()
        );
    }
}

/// A running `redis-server` on 127.0.0.1. Dropping it kills the server,
/// waits for it and removes its temp dir.
pub struct RedisServer {
    port: u16,
    pid: u32,
    dir: PathBuf,
    unix: Option<PathBuf>,
    password: Option<String>,
    /// The watchdog shell and the write end of its pipe: closing that pipe
    /// is what stops the server.
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
}

impl RedisServer {
    /// A fresh server with the defaults.
    pub fn start() -> Option<RedisServer> {
        Config::default().start()
    }

    /// A fresh server with extra arguments, e.g. `&["--requirepass", "secret"]`.
    pub fn start_with(args: &[&str]) -> Option<RedisServer> {
        Config::default().args(args).start()
    }

    /// A builder, for a unix socket or several settings at once.
    pub fn config() -> Config {
        Config::default()
    }

    /// Its TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// `redis://127.0.0.1:PORT/DB`: tests sharing a server may each take a
    /// database (0..=15) of their own.
    pub fn url_db(&self, db: u32) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }

    /// The unix socket's path, if it was asked for ([`Config::unix_socket`]).
    pub fn unix_path(&self) -> Option<&Path> {
        self.unix.as_deref()
    }

    /// `unix:///…/redis.sock`, if it was asked for.
    pub fn unix_url(&self) -> Option<String> {
        self.unix
            .as_ref()
            .map(|p| format!("unix://{}", p.display()))
    }

    /// The server's own process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Its temp dir (working directory; also holds `redis.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the server printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }

    /// SIGKILLs the server at once (connections reset, no reply to anything
    /// in flight) and returns once it is dead: for "server killed
    /// mid-pipeline" tests. Idempotent.
    pub fn kill(&self) {
        self.signal("KILL");
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.alive() {
            assert!(
                Instant::now() < deadline,
                "redis-server {} still alive 5 s after SIGKILL",
                self.pid
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGSTOPs the server: it keeps its sockets open and answers nothing,
    /// for response-timeout tests. [`RedisServer::resume`] undoes it.
    pub fn pause(&self) {
        self.signal("STOP");
    }

    /// SIGCONTs a paused server.
    pub fn resume(&self) {
        self.signal("CONT");
    }

    /// True while the server process runs (not yet dead or reaped).
    pub fn alive(&self) -> bool {
        process_alive(self.pid)
    }

    /// Sends one command over a fresh std connection (after AUTH, if the
    /// server has a password) and returns its reply, bounded at 5 s.
    pub fn query(&self, args: &[&str]) -> Reply {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.query_bytes(&args)
    }

    /// [`RedisServer::query`] with binary arguments.
    pub fn query_bytes(&self, args: &[&[u8]]) -> Reply {
        let stream = TcpStream::connect(self.addr())
            .unwrap_or_else(|e| panic!("connect to redis-server at {}: {e}", self.addr()));
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut reader = BufReader::new(stream);
        if let Some(password) = &self.password {
            match roundtrip(&mut reader, &[b"AUTH", password.as_bytes()]) {
                Ok(Reply::Status(_)) => {}
                other => panic!("AUTH to the test server: {other:?}"),
            }
        }
        roundtrip(&mut reader, args)
            .unwrap_or_else(|e| panic!("{:?} to redis-server at {}: {e}", args, self.addr()))
    }

    /// Removes every key of every database.
    pub fn flushall(&self) {
        assert_eq!(self.query(&["FLUSHALL"]), Reply::Status("OK".into()));
    }

    fn signal(&self, name: &str) {
        // std can only signal its own children; the server is the watchdog's.
        // A dead server's pid is a zombie until the watchdog reaps it, which
        // it does only after we close its pipe, so the pid is never reused
        // under us.
        let _ = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid.to_string())
            .stderr(Stdio::null())
            .status();
    }

    /// Starts one server on one probed port. `Err(log)`: the port was taken
    /// (try another). Panics on any other failure.
    fn spawn(binary: &Path, config: &Config) -> Result<RedisServer, String> {
        let port = free_port();
        let dir = temp_dir();
        let unix = config.unix_socket.then(|| dir.join("redis.sock"));
        let mut args: Vec<String> = [
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir.to_str().expect("temp dir path is UTF-8"),
            "--daemonize",
            "no",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(path) = &unix {
            args.extend([
                "--unixsocket".into(),
                path.to_str().expect("UTF-8").into(),
                "--unixsocketperm".into(),
                "700".into(),
            ]);
        }
        args.extend(config.args.iter().cloned());
        let password = config
            .args
            .iter()
            .position(|a| a == "--requirepass")
            .and_then(|i| config.args.get(i + 1).cloned());

        // The watchdog: start the server with its output in redis.log, say
        // its pid, wait for our end of stdin to close, then kill and reap it
        // and remove its dir (which `shared()`'s server, never dropped,
        // would otherwise leave behind).
        const WATCHDOG: &str = r#"dir="$1"; shift
"$@" >"$dir/redis.log" 2>&1 &
pid=$!
echo "$pid"
read -r _ || true
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$dir"
exit 0"#;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(&dir)
            .arg(binary)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn sh for {}: {e}", binary.display()));
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the server's pid from the watchdog");
        let pid: u32 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("watchdog printed {line:?}, not a pid"));
        let server = RedisServer {
            port,
            pid,
            dir,
            unix,
            password,
            watchdog: Mutex::new(Some((child, stdin))),
        };
        server.wait_ready(binary)
    }

    /// Polls PING until the server answers; `Err(log)` if it exited because
    /// its port was taken.
    fn wait_ready(self, binary: &Path) -> Result<RedisServer, String> {
        let deadline = Instant::now() + STARTUP;
        loop {
            if !self.alive() {
                let log = self.log();
                if log.contains("Address already in use") {
                    return Err(log);
                }
                panic!(
                    "redis-server ({}) exited at start-up; its output:\n{log}",
                    binary.display()
                );
            }
            if let Ok(stream) = TcpStream::connect_timeout(&self.addr(), Duration::from_secs(1)) {
                if self.answers_ping(stream) {
                    return Ok(self);
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "redis-server ({}) on 127.0.0.1:{} did not answer PING within {STARTUP:?}; its output:\n{}",
                    binary.display(),
                    self.port,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `+PONG`, or `-NOAUTH` from a server with a password, and (where we
    /// may ask) `INFO server` naming our pid: the port is ours, not a
    /// stranger's that bound it first.
    fn answers_ping(&self, stream: TcpStream) -> bool {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut reader = BufReader::new(stream);
        if reader.get_mut().write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
            return false;
        }
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return false;
        }
        if line.starts_with("-NOAUTH") {
            return true;
        }
        if line != "+PONG\r\n" {
            // `-LOADING` and the like: not ready yet.
            return false;
        }
        match roundtrip(&mut reader, &[b"INFO", b"server"]) {
            Ok(Reply::Bulk(Some(info))) => String::from_utf8_lossy(&info)
                .lines()
                .any(|l| l.trim() == format!("process_id:{}", self.pid)),
            _ => false,
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.watchdog.get_mut().unwrap().take() {
            // EOF on its stdin: the watchdog kills the server and reaps it.
            drop(stdin);
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One RESP2 reply, as [`RedisServer::query`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    /// `None`: the null bulk string (`$-1`).
    Bulk(Option<Vec<u8>>),
    /// `None`: the null array (`*-1`).
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// A bulk reply as UTF-8 text (`None` for nil); panics on other kinds.
    pub fn text(&self) -> Option<String> {
        match self {
            Reply::Bulk(b) => b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()),
            other => panic!("expected a bulk reply, got {other:?}"),
        }
    }
}

fn roundtrip(reader: &mut BufReader<TcpStream>, args: &[&[u8]]) -> std::io::Result<Reply> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    reader.get_mut().write_all(&out)?;
    read_reply(reader, 0)
}

/// A trusting RESP2 reader: the server is redis-server itself, and this is
/// test code, so lengths are taken as sent (depth is still bounded).
fn read_reply(reader: &mut impl BufRead, depth: usize) -> std::io::Result<Reply> {
    let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    if depth > 16 {
        return Err(bad("reply nested too deep".into()));
    }
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let body = line.trim_end_matches("\r\n");
    let mut chars = body.chars();
    let kind = chars.next();
    let rest = chars.as_str();
    let number = || {
        rest.parse::<i64>()
            .map_err(|_| bad(format!("bad line {line:?}")))
    };
    Ok(match kind {
        Some('+') => Reply::Status(rest.into()),
        Some('-') => Reply::Error(rest.into()),
        Some(':') => Reply::Int(number()?),
        Some('$') => match number()? {
            n if n < 0 => Reply::Bulk(None),
            n => {
                let mut data = vec![0; n as usize + 2];
                reader.read_exact(&mut data)?;
                data.truncate(n as usize);
                Reply::Bulk(Some(data))
            }
        },
        Some('*') => match number()? {
            n if n < 0 => Reply::Array(None),
            n => Reply::Array(Some(
                (0..n)
                    .map(|_| read_reply(reader, depth + 1))
                    .collect::<Result<_, _>>()?,
            )),
        },
        _ => return Err(bad(format!("not RESP2: {line:?}"))),
    })
}

/// `$EVLOOP_REDIS_SERVER`, else `redis-server` on PATH; `None` after the
/// skip line (once per binary), or a panic under `EVLOOP_REQUIRE_REDIS=1`.
fn server_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("EVLOOP_REDIS_SERVER") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "EVLOOP_REDIS_SERVER={} is not a file",
            path.display()
        );
        return Some(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        if std::env::var("EVLOOP_REQUIRE_REDIS").as_deref() == Ok("1") {
            panic!("{SKIP}; EVLOOP_REQUIRE_REDIS=1 makes that a failure");
        }
        static WARNED: Once = Once::new();
        // Straight to stderr, not `eprintln!`, which the test harness
        // captures: a skip should be seen.
        WARNED.call_once(|| {
            let _ = writeln!(std::io::stderr(), "{SKIP}");
        });
    }
    found
}

/// A port the kernel just called free on 127.0.0.1. Another process may
/// take it before the server binds it; [`Config::start`] retries then.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A new, empty directory under the system temp dir.
fn temp_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "evloop-redis-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return dir,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("create {}: {e}", dir.display()),
        }
    }
}

/// Linux: `/proc/PID/stat` exists and its state is not `Z` (zombie) or `X`.
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(
            stat.rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().next()),
            Some("Z" | "X")
        ),
        Err(_) => false,
    }
}
