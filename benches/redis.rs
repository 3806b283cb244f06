//! The Redis client against redis-rs's, each on its own single-threaded
//! runtime (evloop's; tokio `current_thread` for redis-rs), both against a
//! private redis-server on 127.0.0.1.
//!
//! - `redis_get_concurrent`: 50 tasks × 20,000 GETs of one 64-byte value on
//!   ONE multiplexed connection: what auto-pipelining of concurrent callers
//!   buys. The reference is `redis-benchmark -c 50 -P 1 -t get` (C, 50
//!   connections, one request per round trip each).
//! - `redis_set_pipelined`: 1,000,000 SETs in explicit pipelines of 100 from
//!   one task. The reference is `redis-benchmark -c 1 -P 100 -t set`.
//!
//! The two sides are the same code but for the crate path: a redis-rs user
//! ports by changing `redis::` to `evloop::redis::`.
//!
//! Under criterion the sizes are cut (50 × 400 GETs, 10,000 SETs) so that
//! `cargo test --benches` stays quick; the bench starts its own redis-server
//! (`$EVLOOP_REDIS_SERVER` or `redis-server` on PATH) and, without one,
//! prints a skip line and exits 0 (a failure under `EVLOOP_REQUIRE_REDIS=1`).
//!
//! Whole process, full size, once: `REDIS_BENCH_ONCE=evloop|redis-rs
//! REDIS_BENCH=get|set [REDIS_URL=redis://127.0.0.1:PORT/]` prints
//! requests/s and the process's user and system CPU; without REDIS_URL it
//! starts a server of its own. `benches/scripts/redis.sh` alternates the
//! two clients against one server, beside redis-benchmark.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use evloop_benches::{cpu_times, evloop_rt, tokio_rt};

const TASKS: usize = 50;
const GETS_PER_TASK: usize = 20_000;
const SETS: usize = 1_000_000;
const PIPELINE: usize = 100;
const VALUE_LEN: usize = 64;
const GET_KEY: &str = "evloop-bench:get";

/// Criterion's sizes: a criterion sample must be short.
const CRIT_GETS_PER_TASK: usize = 400;
const CRIT_SETS: usize = 10_000;

/// The 64-byte value both workloads write.
fn value() -> Vec<u8> {
    vec![b'v'; VALUE_LEN]
}

/// The pipeline's keys, built once: a SET's cost should be the client's,
/// not `format!`'s. One key per slot, like redis-benchmark's few keys.
fn set_keys() -> Vec<String> {
    (0..PIPELINE)
        .map(|i| format!("evloop-bench:set:{i}"))
        .collect()
}

// ---------------------------------------------------------------- evloop

async fn evloop_connect(
    url: &str,
) -> evloop::redis::RedisResult<evloop::redis::MultiplexedConnection> {
    let client = evloop::redis::Client::open(url)?;
    client.get_multiplexed_async_connection().await
}

/// `tasks` tasks, each `gets` GETs of one key, all on clones of `con`.
async fn evloop_get(
    con: &evloop::redis::MultiplexedConnection,
    tasks: usize,
    gets: usize,
) -> evloop::redis::RedisResult<()> {
    use evloop::redis::AsyncCommands;

    con.clone().set::<_, _, ()>(GET_KEY, value()).await?;
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let mut con = con.clone();
            evloop::spawn(async move {
                for _ in 0..gets {
                    let v: Option<Vec<u8>> = evloop::redis::cmd("GET")
                        .arg(GET_KEY)
                        .query_async(&mut con)
                        .await?;
                    assert_eq!(v.map(|v| v.len()), Some(VALUE_LEN));
                }
                Ok::<_, evloop::redis::RedisError>(())
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("GET task panicked")?;
    }
    Ok(())
}

/// `sets` SETs in pipelines of [`PIPELINE`], one pipeline in flight.
async fn evloop_set(
    con: &evloop::redis::MultiplexedConnection,
    sets: usize,
) -> evloop::redis::RedisResult<()> {
    let mut con = con.clone();
    let (keys, value) = (set_keys(), value());
    for _ in 0..sets / PIPELINE {
        let mut pipe = evloop::redis::pipe();
        for key in &keys {
            pipe.cmd("SET").arg(key).arg(&value).ignore();
        }
        pipe.query_async::<()>(&mut con).await?;
    }
    Ok(())
}

// -------------------------------------------------------------- redis-rs

async fn redisrs_connect(url: &str) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
    let client = redis::Client::open(url)?;
    client.get_multiplexed_async_connection().await
}

async fn redisrs_get(
    con: &redis::aio::MultiplexedConnection,
    tasks: usize,
    gets: usize,
) -> redis::RedisResult<()> {
    use redis::AsyncCommands;

    con.clone().set::<_, _, ()>(GET_KEY, value()).await?;
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let mut con = con.clone();
            tokio::spawn(async move {
                for _ in 0..gets {
                    let v: Option<Vec<u8>> =
                        redis::cmd("GET").arg(GET_KEY).query_async(&mut con).await?;
                    assert_eq!(v.map(|v| v.len()), Some(VALUE_LEN));
                }
                Ok::<_, redis::RedisError>(())
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("GET task panicked")?;
    }
    Ok(())
}

async fn redisrs_set(
    con: &redis::aio::MultiplexedConnection,
    sets: usize,
) -> redis::RedisResult<()> {
    let mut con = con.clone();
    let (keys, value) = (set_keys(), value());
    for _ in 0..sets / PIPELINE {
        let mut pipe = redis::pipe();
        for key in &keys {
            pipe.cmd("SET").arg(key).arg(&value).ignore();
        }
        pipe.query_async::<()>(&mut con).await?;
    }
    Ok(())
}

// ------------------------------------------------------------- criterion

/// The URL of the server the criterion groups use (set in `main`).
static URL: OnceLock<String> = OnceLock::new();

fn url() -> &'static str {
    URL.get().expect("server started in main")
}

fn redis_get_concurrent(c: &mut Criterion) {
    let mut group = c.benchmark_group("redis_get_concurrent");
    group.sample_size(10);
    // One connection per client for the whole group: connecting is not
    // what is measured. It lives on the runtime that made it.
    let rt = evloop_rt();
    let con = rt.block_on(evloop_connect(url())).expect("evloop connect");
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(evloop_get(&con, TASKS, CRIT_GETS_PER_TASK))
                .unwrap()
        })
    });
    let rt = tokio_rt();
    let con = rt
        .block_on(redisrs_connect(url()))
        .expect("redis-rs connect");
    group.bench_function("redis-rs", |b| {
        b.iter(|| {
            rt.block_on(redisrs_get(&con, TASKS, CRIT_GETS_PER_TASK))
                .unwrap()
        })
    });
    group.finish();
}

fn redis_set_pipelined(c: &mut Criterion) {
    let mut group = c.benchmark_group("redis_set_pipelined");
    group.sample_size(10);
    let rt = evloop_rt();
    let con = rt.block_on(evloop_connect(url())).expect("evloop connect");
    group.bench_function("evloop", |b| {
        b.iter(|| rt.block_on(evloop_set(&con, CRIT_SETS)).unwrap())
    });
    let rt = tokio_rt();
    let con = rt
        .block_on(redisrs_connect(url()))
        .expect("redis-rs connect");
    group.bench_function("redis-rs", |b| {
        b.iter(|| rt.block_on(redisrs_set(&con, CRIT_SETS)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, redis_get_concurrent, redis_set_pipelined);

// ------------------------------------------------------ whole process

/// `REDIS_BENCH_ONCE=evloop|redis-rs REDIS_BENCH=get|set`: the full-size
/// workload once, then one line of figures for benches/scripts/redis.sh.
/// CPU covers connecting too (what a user pays); requests/s only the
/// workload.
fn run_once(client: &str, url: &str) {
    let bench = std::env::var("REDIS_BENCH").unwrap_or_else(|_| "get".into());
    let requests = match bench.as_str() {
        "get" => TASKS * GETS_PER_TASK,
        "set" => SETS,
        other => panic!("REDIS_BENCH must be get or set, not {other}"),
    };
    let before = cpu_times();
    let wall = match client {
        "evloop" => evloop_rt().block_on(async {
            let con = evloop_connect(url).await.expect("evloop connect");
            let start = Instant::now();
            match bench.as_str() {
                "get" => evloop_get(&con, TASKS, GETS_PER_TASK).await,
                _ => evloop_set(&con, SETS).await,
            }
            .expect("evloop workload");
            start.elapsed()
        }),
        "redis-rs" => tokio_rt().block_on(async {
            let con = redisrs_connect(url).await.expect("redis-rs connect");
            let start = Instant::now();
            match bench.as_str() {
                "get" => redisrs_get(&con, TASKS, GETS_PER_TASK).await,
                _ => redisrs_set(&con, SETS).await,
            }
            .expect("redis-rs workload");
            start.elapsed()
        }),
        other => panic!("REDIS_BENCH_ONCE must be evloop or redis-rs, not {other}"),
    };
    let (user, sys) = match (before, cpu_times()) {
        (Some((u0, s0)), Some((u1, s1))) => ((u1 - u0).as_secs_f64(), (s1 - s0).as_secs_f64()),
        _ => (f64::NAN, f64::NAN),
    };
    println!(
        "client={client} bench={bench} requests={requests} wall_s={:.4} rps={:.0} user_s={user:.2} sys_s={sys:.2}",
        wall.as_secs_f64(),
        requests as f64 / wall.as_secs_f64()
    );
}

fn main() {
    let once = std::env::var("REDIS_BENCH_ONCE").ok();
    // A server of our own unless the caller named one; it lives (and is
    // stopped at the end of) this scope.
    let own = match std::env::var("REDIS_URL") {
        Ok(_) if once.is_some() => None,
        _ => match BenchServer::start() {
            Some(server) => Some(server),
            None => return,
        },
    };
    let url = match &own {
        Some(server) => server.url(),
        None => std::env::var("REDIS_URL").unwrap(),
    };
    if let Some(client) = once {
        run_once(&client, &url);
        return;
    }
    URL.set(url).unwrap();
    // What `criterion_main!` expands to, plus the server around it.
    benches();
    Criterion::default().configure_from_args().final_summary();
}

// --------------------------------------------------- a private server

/// A `redis-server` on a free 127.0.0.1 port, in a temp dir, persistence
/// off: the same recipe as tests/util/redis_server.rs (benches may not
/// depend on tests/), cut to what a benchmark needs. It runs under an `sh`
/// watchdog that kills it when our end of its stdin closes, so no server
/// outlives this process, however it ends.
struct BenchServer {
    port: u16,
    dir: PathBuf,
    watchdog: Option<(Child, ChildStdin)>,
}

impl BenchServer {
    /// `None` after a skip line when there is no redis-server (a panic
    /// under `EVLOOP_REQUIRE_REDIS=1`); a panic with the server's output if
    /// it does not answer PING within 10 s.
    fn start() -> Option<BenchServer> {
        let Some(binary) = server_binary() else {
            let msg = "skipped: redis-server not found (apt-get install redis-server, or set EVLOOP_REDIS_SERVER)";
            if std::env::var("EVLOOP_REQUIRE_REDIS").as_deref() == Ok("1") {
                panic!("{msg}; EVLOOP_REQUIRE_REDIS=1 makes that a failure");
            }
            println!("{msg}");
            return None;
        };
        let mut last = String::new();
        // Another process may take the probed port before the server binds
        // it: then try a fresh one.
        for _ in 0..5 {
            match BenchServer::spawn(&binary) {
                Ok(server) => return Some(server),
                Err(log) => last = log,
            }
        }
        panic!("redis-server could not bind a free port in 5 tries; last output:\n{last}");
    }

    fn spawn(binary: &std::path::Path) -> Result<BenchServer, String> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("bind 127.0.0.1:0")
            .port();
        let dir =
            std::env::temp_dir().join(format!("evloop-bench-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the server's temp dir");
        const WATCHDOG: &str = r#"dir="$1"; shift
"$@" >"$dir/redis.log" 2>&1 &
pid=$!
echo "$pid"
read -r _ || true
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$dir"
exit 0"#;
        let port_arg = port.to_string();
        let mut child = Command::new("sh")
            .args(["-c", WATCHDOG, "sh"])
            .arg(&dir)
            .arg(binary)
            .args(["--bind", "127.0.0.1", "--port", &port_arg, "--save", ""])
            .args(["--appendonly", "no", "--daemonize", "no", "--dir"])
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn sh");
        let stdin = child.stdin.take().unwrap();
        let mut pid = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut pid)
            .expect("the server's pid");
        let pid = pid.trim().to_owned();
        let server = BenchServer {
            port,
            dir,
            watchdog: Some((child, stdin)),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if answers_ping(port) {
                return Ok(server);
            }
            let log = std::fs::read_to_string(server.dir.join("redis.log")).unwrap_or_default();
            let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| !s.contains(") Z "))
                .unwrap_or(false);
            if !alive && log.contains("Address already in use") {
                return Err(log);
            }
            assert!(
                alive && Instant::now() < deadline,
                "redis-server ({}) on 127.0.0.1:{port} did not answer PING within 10 s; its output:\n{log}",
                binary.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.watchdog.take() {
            drop(stdin); // the watchdog kills and reaps the server
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `$EVLOOP_REDIS_SERVER`, else `redis-server` on PATH.
fn server_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("EVLOOP_REDIS_SERVER") {
        return Some(PathBuf::from(path));
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

/// One `PING` in RESP over std: `+PONG` means up.
fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut line = String::new();
    stream.write_all(b"*1\r\n$4\r\nPING\r\n").is_ok()
        && BufReader::new(stream).read_line(&mut line).is_ok()
        && line == "+PONG\r\n"
}
