//! Many tasks count on one Redis key, through one shared connection, then a
//! publish/subscribe round trip.
//!
//! ```sh
//! cargo run --example redis_counter --features redis                 # starts its own redis-server
//! cargo run --example redis_counter --features redis -- --url redis://127.0.0.1:6379/
//! ```
//!
//! Without `--url` it starts a private `redis-server` (from PATH) on a free
//! loopback port, with persistence off, and stops it at the end; if there is
//! none, it says what to install.
//!
//! 100 tasks each `INCR` the same key 100 times on one
//! `MultiplexedConnection`: commands from tasks that run in the same tick
//! leave in one write, so the 10,000 increments take about 100 round trips,
//! not 10,000. Then a subscriber on its own connection receives what a
//! publisher sends.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use evloop::redis::{AsyncCommands, Client, RedisResult};
use futures_core::Stream;

const TASKS: usize = 100;
const INCREMENTS: usize = 100;

fn main() {
    let url = std::env::args().skip_while(|a| a != "--url").nth(1);
    let (url, _server) = match url {
        Some(url) => (url, None),
        None => match PrivateServer::start() {
            Some(server) => (server.url(), Some(server)),
            None => {
                eprintln!(
                    "redis_counter: no redis-server on PATH. Install one (Debian/Ubuntu: \
                     apt-get install redis-server; macOS: brew install redis), or pass \
                     --url redis://HOST:PORT/ of a server you run"
                );
                std::process::exit(1);
            }
        },
    };
    if let Err(e) = evloop::block_on(run(&url)) {
        eprintln!("redis_counter: {e}");
        std::process::exit(1);
    }
}

async fn run(url: &str) -> RedisResult<()> {
    let client = Client::open(url)?;
    let mut con = client.get_multiplexed_async_connection().await?;
    let key = format!("evloop:counter:{}", std::process::id());
    con.del::<_, ()>(&key).await?;

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            // A clone per task: all share one socket.
            let (mut con, key) = (con.clone(), key.clone());
            evloop::spawn(async move {
                for _ in 0..INCREMENTS {
                    con.incr::<_, _, i64>(&key, 1).await?;
                }
                RedisResult::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a counting task panicked")?;
    }
    let total: i64 = con.get(&key).await?;
    println!(
        "{TASKS} tasks x {INCREMENTS} INCR on one connection: {key} = {total} in {:?}",
        started.elapsed()
    );
    assert_eq!(total, (TASKS * INCREMENTS) as i64);
    con.del::<_, ()>(&key).await?;

    // Pub/sub: a subscriber has a connection of its own.
    let channel = format!("evloop:news:{}", std::process::id());
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(&channel).await?;
    let receivers: i64 = con.publish(&channel, "hello from evloop").await?;
    let mut messages = std::pin::pin!(pubsub.on_message());
    let message = std::future::poll_fn(|cx| messages.as_mut().poll_next(cx))
        .await
        .expect("the subscription ended");
    println!(
        "published to {receivers} subscriber(s); received on {}: {:?}",
        message.get_channel_name(),
        message.get_payload::<String>()?
    );
    Ok(())
}

/// A redis-server of this run's own: a free loopback port, a temp dir, no
/// persistence. Killed when dropped.
struct PrivateServer {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl PrivateServer {
    fn start() -> Option<PrivateServer> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir = std::env::temp_dir().join(format!("evloop-redis-counter-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let server = PrivateServer { child, port, dir };
        // Up when it accepts a connection (within 5 s).
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                eprintln!("redis_counter: redis-server did not start on port {port}");
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
