//! Sockets against tokio's, both on one thread, over loopback.
//!
//! - `tcp_echo`: 32 connections × 5,000 round trips of 64 bytes, client and
//!   server tasks on the same runtime. Syscall bound: per round trip the
//!   floor is two sends, two receives and a share of `epoll_wait`.
//! - `tcp_connect_accept`: 100 connections set up and torn down.
//! - `tcp_throughput`: 64 MiB sent as 1 MiB `write_all`s, read and dropped.
//! - `udp_ping_pong`: 5,000 round trips of a 64-byte datagram.
//!
//! CPU and syscalls: run one workload once, outside criterion, with
//! `NET_BENCH_ONCE=evloop` (or `tokio`) set; the binary then prints its user
//! and system CPU time from `/proc/self/stat`, and `strace -c -f` around it
//! counts the syscalls. docs/BENCHMARKS.md has the exact commands.

use criterion::{criterion_group, Criterion};
use evloop_benches::{cpu_times, evloop_rt, tokio_rt};

const CONNS: usize = 32;
const ROUND_TRIPS: usize = 5_000;
const MSG: usize = 64;
const SETUPS: usize = 100;
const CHUNK: usize = 1 << 20;
const CHUNKS: usize = 64;
const PINGS: usize = 5_000;

// ---------------------------------------------------------------- evloop

async fn evloop_echo() {
    use evloop::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = evloop::spawn(async move {
        for _ in 0..CONNS {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            evloop::spawn(async move {
                let mut buf = [0u8; MSG];
                loop {
                    match stream.read(&mut buf).await.unwrap() {
                        0 => break,
                        n => stream.write_all(&buf[..n]).await.unwrap(),
                    }
                }
            });
        }
    });
    let clients: Vec<_> = (0..CONNS)
        .map(|_| {
            evloop::spawn(async move {
                let stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let msg = [7u8; MSG];
                let mut buf = [0u8; MSG];
                for _ in 0..ROUND_TRIPS {
                    stream.write_all(&msg).await.unwrap();
                    stream.read_exact(&mut buf).await.unwrap();
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    server.await.unwrap();
}

async fn evloop_connect_accept() {
    use evloop::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    for _ in 0..SETUPS {
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        drop((client, server));
    }
}

async fn evloop_throughput() {
    use evloop::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let reader = evloop::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0;
        loop {
            match stream.read(&mut buf).await.unwrap() {
                0 => break total,
                n => total += n,
            }
        }
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    let chunk = vec![1u8; CHUNK];
    for _ in 0..CHUNKS {
        stream.write_all(&chunk).await.unwrap();
    }
    stream.shutdown().await.unwrap();
    assert_eq!(reader.await.unwrap(), CHUNK * CHUNKS);
}

async fn evloop_udp() {
    use evloop::net::UdpSocket;

    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();
    let echo = evloop::spawn(async move {
        let mut buf = [0u8; MSG];
        for _ in 0..PINGS {
            let n = b.recv(&mut buf).await.unwrap();
            b.send(&buf[..n]).await.unwrap();
        }
    });
    let mut buf = [0u8; MSG];
    for _ in 0..PINGS {
        a.send(&[3u8; MSG]).await.unwrap();
        a.recv(&mut buf).await.unwrap();
    }
    echo.await.unwrap();
}

// ----------------------------------------------------------------- tokio

async fn tokio_echo() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        for _ in 0..CONNS {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; MSG];
                loop {
                    match stream.read(&mut buf).await.unwrap() {
                        0 => break,
                        n => stream.write_all(&buf[..n]).await.unwrap(),
                    }
                }
            });
        }
    });
    let clients: Vec<_> = (0..CONNS)
        .map(|_| {
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let msg = [7u8; MSG];
                let mut buf = [0u8; MSG];
                for _ in 0..ROUND_TRIPS {
                    stream.write_all(&msg).await.unwrap();
                    stream.read_exact(&mut buf).await.unwrap();
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    server.await.unwrap();
}

async fn tokio_connect_accept() {
    use tokio::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    for _ in 0..SETUPS {
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        drop((client, server));
    }
}

async fn tokio_throughput() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let reader = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0;
        loop {
            match stream.read(&mut buf).await.unwrap() {
                0 => break total,
                n => total += n,
            }
        }
    });
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let chunk = vec![1u8; CHUNK];
    for _ in 0..CHUNKS {
        stream.write_all(&chunk).await.unwrap();
    }
    stream.shutdown().await.unwrap();
    assert_eq!(reader.await.unwrap(), CHUNK * CHUNKS);
}

async fn tokio_udp() {
    use tokio::net::UdpSocket;

    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();
    let echo = tokio::spawn(async move {
        let mut buf = [0u8; MSG];
        for _ in 0..PINGS {
            let n = b.recv(&mut buf).await.unwrap();
            b.send(&buf[..n]).await.unwrap();
        }
    });
    let mut buf = [0u8; MSG];
    for _ in 0..PINGS {
        a.send(&[3u8; MSG]).await.unwrap();
        a.recv(&mut buf).await.unwrap();
    }
    echo.await.unwrap();
}

// ------------------------------------------------------------- criterion

macro_rules! twin {
    ($name:ident, $group:literal, $samples:expr, $ev:ident, $tk:ident) => {
        fn $name(c: &mut Criterion) {
            let mut group = c.benchmark_group($group);
            group.sample_size($samples);
            let rt = evloop_rt();
            group.bench_function("evloop", |b| b.iter(|| rt.block_on($ev())));
            let rt = tokio_rt();
            group.bench_function("tokio", |b| b.iter(|| rt.block_on($tk())));
            group.finish();
        }
    };
}

twin!(tcp_echo, "tcp_echo", 10, evloop_echo, tokio_echo);
twin!(
    tcp_connect_accept,
    "tcp_connect_accept",
    20,
    evloop_connect_accept,
    tokio_connect_accept
);
twin!(
    tcp_throughput,
    "tcp_throughput",
    10,
    evloop_throughput,
    tokio_throughput
);
twin!(udp_ping_pong, "udp_ping_pong", 10, evloop_udp, tokio_udp);

criterion_group!(
    benches,
    tcp_echo,
    tcp_connect_accept,
    tcp_throughput,
    udp_ping_pong
);

/// `NET_BENCH_ONCE=evloop|tokio [NET_BENCH_RUNS=n]`: runs tcp_echo n times
/// (default 20) on one runtime and prints the CPU it took, for
/// `strace -c -f` and CPU comparisons outside criterion.
fn run_once(which: &str) {
    let runs: usize = std::env::var("NET_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let start = std::time::Instant::now();
    let before = cpu_times();
    match which {
        "evloop" => {
            let rt = evloop_rt();
            for _ in 0..runs {
                rt.block_on(evloop_echo());
            }
        }
        "tokio" => {
            let rt = tokio_rt();
            for _ in 0..runs {
                rt.block_on(tokio_echo());
            }
        }
        other => panic!("NET_BENCH_ONCE must be evloop or tokio, not {other}"),
    }
    let wall = start.elapsed();
    let round_trips = runs * CONNS * ROUND_TRIPS;
    if let (Some((u0, s0)), Some((u1, s1))) = (before, cpu_times()) {
        println!(
            "{which}: {round_trips} round trips, wall {wall:?}, user {:?}, sys {:?}",
            u1 - u0,
            s1 - s0
        );
    }
}

fn main() {
    if let Ok(which) = std::env::var("NET_BENCH_ONCE") {
        run_once(&which);
        return;
    }
    // What `criterion_main!` expands to, plus the mode above.
    benches();
    Criterion::default().configure_from_args().final_summary();
}
