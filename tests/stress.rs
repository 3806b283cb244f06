//! Stress and soak (issue 8): big counts on one runtime, then proof that
//! nothing is left: no file descriptor, no task, no timer, no I/O source,
//! and resident memory back near where it started.
//!
//! Every test is `#[ignore]`d: they take seconds to minutes and want a
//! release build. `.ci/run` runs them:
//!
//! ```text
//! cargo test --release --all-features --test stress -- --ignored --test-threads=1
//! ```
//!
//! They also take a lock each, so they never overlap even without
//! `--test-threads=1`: the fd and RSS figures are per process.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use evloop::net::{TcpListener, TcpStream};
use evloop::Runtime;

/// Serializes the tests of this binary: they count the process's fds.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("these tests need /proc")
        .count()
}

/// Resident set size in KiB, from /proc/self/status.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// The soft limit on open files, from /proc/self/limits.
fn soft_fd_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let soft = line["Max open files".len()..].split_whitespace().next();
    soft.and_then(|s| s.parse().ok()).unwrap_or(u64::MAX)
}

/// What a test starts from; `check` asserts it got back there.
struct Baseline {
    name: &'static str,
    fds: usize,
    rss: u64,
    start: Instant,
}

/// How far RSS may stay above its start: allocators keep some freed memory.
const RSS_MARGIN_KIB: u64 = 64 * 1024;

impl Baseline {
    fn take(name: &'static str) -> Baseline {
        Baseline {
            name,
            fds: open_fds(),
            rss: rss_kib(),
            start: Instant::now(),
        }
    }

    /// Asserts that the runtime is empty, no fd is left and, if a ceiling
    /// is given, that RSS is back under it (plus the margin); prints the
    /// figures.
    fn check(&self, metrics: evloop::Metrics, peak_rss: u64, rss_ceiling: Option<u64>) {
        assert_eq!(metrics.alive_tasks, 0, "{}: tasks left", self.name);
        assert_eq!(metrics.pending_timers, 0, "{}: timers left", self.name);
        assert_eq!(metrics.io_sources, 0, "{}: I/O sources left", self.name);
        let (fds, rss) = (open_fds(), rss_kib());
        println!(
            "{}: {:.2?}; RSS {} MiB at start, {} MiB at peak, {} MiB after; fds {} before, {} after",
            self.name,
            self.start.elapsed(),
            self.rss / 1024,
            peak_rss / 1024,
            rss / 1024,
            self.fds,
            fds,
        );
        assert_eq!(fds, self.fds, "{}: file descriptors leaked", self.name);
        if let Some(ceiling) = rss_ceiling {
            assert!(
                rss < ceiling + RSS_MARGIN_KIB,
                "{}: RSS {rss} KiB did not come back near {ceiling} KiB",
                self.name,
            );
        }
    }
}

/// Fails a test that hangs instead of letting it stall CI.
async fn guarded<F: Future>(limit: Duration, f: F) -> F::Output {
    evloop::time::timeout(limit, f)
        .await
        .expect("stress test exceeded its time limit")
}

const CONNECTIONS: usize = 10_000;

/// Set in the child process that serves `ten_thousand_concurrent_connections`.
const CHILD_ENV: &str = "EVLOOP_STRESS_ECHO_CHILD";

/// The echo server for `ten_thousand_concurrent_connections`, run in a
/// child process (this test binary again) so that the server's 10,000
/// sockets do not count against this process's fd limit. Without the
/// environment variable it does nothing.
#[test]
#[ignore = "the child process of ten_thousand_concurrent_connections"]
fn stress_echo_server_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("PORT={}", listener.local_addr().unwrap().port());
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            evloop::spawn(async move {
                let mut buf = [0; 64];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
}

#[test]
#[ignore = "stress: run with --release -- --ignored"]
fn ten_thousand_concurrent_connections() {
    let _serial = serial();
    // This process holds one end of each connection, the child the other.
    let needed = CONNECTIONS as u64 + 256;
    let limit = soft_fd_limit();
    if limit < needed {
        println!(
            "SKIPPED ten_thousand_concurrent_connections: the soft fd limit is {limit}, \
             {needed} are needed; raise it first (ulimit -n $(ulimit -Hn))"
        );
        return;
    }
    let base = Baseline::take("10,000 concurrent connections");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "stress_echo_server_child",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let port: u16 = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("PORT=").and_then(|p| p.parse().ok()))
        .expect("the child server printed its port");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));

    let rt = Runtime::new().unwrap();
    let (peak_fds, peak_rss) = rt.block_on(guarded(Duration::from_secs(300), async {
        // Connect in waves (the listen backlog is 1,024), keeping each open.
        let mut streams = Vec::with_capacity(CONNECTIONS);
        while streams.len() < CONNECTIONS {
            let wave: Vec<_> = (0..500)
                .map(|_| evloop::spawn(TcpStream::connect(addr)))
                .collect();
            for task in wave {
                streams.push(task.await.unwrap().unwrap());
            }
        }
        // Every connection at once: a task each, one echo round trip each.
        let tasks: Vec<_> = streams
            .into_iter()
            .enumerate()
            .map(|(i, stream)| {
                evloop::spawn(async move {
                    let message = (i as u64).to_le_bytes();
                    stream.write_all(&message).await.unwrap();
                    let mut back = [0; 8];
                    stream.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, message);
                    stream
                })
            })
            .collect();
        let mut streams = Vec::with_capacity(CONNECTIONS);
        for task in tasks {
            streams.push(task.await.unwrap());
        }
        let peak = (open_fds(), rss_kib());
        drop(streams);
        peak
    }));
    let metrics = rt.metrics();
    drop(rt);
    println!("peak: {peak_fds} fds open");
    assert!(peak_fds >= base.fds + CONNECTIONS, "all were open at once");
    // The child is ours; end it by its id.
    child.kill().unwrap();
    child.wait().unwrap();
    drop(child);
    base.check(metrics, peak_rss, Some(base.rss));
}

/// Runs `workload` twice, each time on a fresh runtime, and checks both.
/// The first round lets the allocator reach its high-water mark (memory
/// it keeps after a free is not a leak, and whether glibc hands freed
/// memory back depends on what happens to sit at the top of its heap), so
/// only the second round's RSS is held to the margin, over the first
/// round's peak: a leak would show as growth over the first round.
fn soak(name: &'static str, workload: impl Fn(&Runtime) -> u64) {
    let mut warm_peak = None;
    for round in ["warm-up round", "measured round"] {
        let base = Baseline::take(name);
        let rt = Runtime::new().unwrap();
        let peak_rss = workload(&rt);
        let metrics = rt.metrics();
        drop(rt);
        print!("[{round}] ");
        let ceiling = warm_peak.map(|peak: u64| peak.max(base.rss));
        base.check(metrics, peak_rss, ceiling);
        warm_peak = Some(peak_rss);
    }
}

#[test]
#[ignore = "stress: run with --release -- --ignored"]
fn a_million_tasks() {
    let _serial = serial();
    const TASKS: usize = 1_000_000;
    soak("1,000,000 tasks", |rt| {
        let peak_rss = rt.block_on(guarded(Duration::from_secs(300), async {
            // All alive at once: each yields once before it finishes.
            let handles: Vec<_> = (0..TASKS)
                .map(|i| {
                    evloop::spawn(async move {
                        evloop::task::yield_now().await;
                        i as u64
                    })
                })
                .collect();
            assert_eq!(rt.metrics().alive_tasks, TASKS);
            let peak = rss_kib();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await.unwrap();
            }
            assert_eq!(sum, (TASKS as u64 - 1) * TASKS as u64 / 2);
            peak
        }));
        assert_eq!(rt.metrics().spawned_tasks, TASKS as u64);
        peak_rss
    });
}

#[test]
#[ignore = "stress: run with --release -- --ignored"]
fn a_million_timers() {
    let _serial = serial();
    const TIMERS: usize = 1_000_000;
    soak("1,000,000 timers fired + 1,000,000 cancelled", |rt| {
        let peak_rss = rt.block_on(guarded(Duration::from_secs(300), async {
            // Far enough ahead that none is due before all are registered;
            // deadlines spread over 500 ms, in order, so that they can be
            // awaited one after the other while all are pending at once.
            let start = evloop::time::Instant::now() + Duration::from_secs(2);
            let deadline =
                |i: usize| start + Duration::from_micros((i as u64 * 500_000) / TIMERS as u64);
            let mut fired: Vec<_> = (0..TIMERS)
                .map(|i| Box::pin(evloop::time::sleep_until(deadline(i))))
                .collect();
            let mut cancelled: Vec<_> = (0..TIMERS)
                .map(|i| {
                    let late = deadline(i) + Duration::from_secs(3600);
                    Box::pin(evloop::time::sleep_until(late))
                })
                .collect();
            // One poll each registers them all.
            std::future::poll_fn(|cx| {
                for sleep in fired.iter_mut().chain(cancelled.iter_mut()) {
                    let _ = sleep.as_mut().poll(cx);
                }
                Poll::Ready(())
            })
            .await;
            assert_eq!(
                rt.metrics().pending_timers,
                2 * TIMERS,
                "all pending at once"
            );
            let peak = rss_kib();
            drop(cancelled);
            for sleep in fired.iter_mut() {
                sleep.as_mut().await;
            }
            peak
        }));
        // Each sleep completed; the store fired those still registered when
        // their deadline came (a sleep polled after its deadline completes
        // without a fire), and dropped the cancelled ones.
        let fired = rt.metrics().timers_fired;
        assert!(fired > 0 && fired <= TIMERS as u64, "{fired}");
        println!("{fired} fired by the timer store");
        peak_rss
    });
}

/// A keep-alive server on std threads that answers every request with a
/// 4-byte body and records nothing but counts (the shared test server keeps
/// every request it saw, which would be 100,000 here).
fn pong_server() -> (std::net::SocketAddr, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (connections, requests) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, r) = (connections.clone(), requests.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            c.fetch_add(1, Ordering::SeqCst);
            let r = r.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0; 4096];
                loop {
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        r.fetch_add(1, Ordering::SeqCst);
                        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong";
                        if stream.write_all(reply).is_err() {
                            return;
                        }
                    }
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    (addr, connections, requests)
}

#[cfg(feature = "http")]
#[test]
#[ignore = "stress: run with --release -- --ignored"]
fn a_hundred_thousand_keep_alive_requests() {
    use evloop::http::Client;

    let _serial = serial();
    const REQUESTS: usize = 100_000;
    const WORKERS: usize = 8;
    // The server's listener lives as long as the process: start it first.
    let (addr, connections, requests) = pong_server();
    let url = format!("http://{addr}/ping");
    soak("100,000 HTTP requests over keep-alive", |rt| {
        let (conns_before, requests_before) = (
            connections.load(Ordering::SeqCst),
            requests.load(Ordering::SeqCst),
        );
        let fds_before = open_fds();
        let peak_rss = rt.block_on(guarded(Duration::from_secs(600), async {
            let client = Client::new();
            let tasks: Vec<_> = (0..WORKERS)
                .map(|_| {
                    let (client, url) = (client.clone(), url.clone());
                    evloop::spawn(async move {
                        for _ in 0..REQUESTS / WORKERS {
                            let response = client.get(&url).send().await.unwrap();
                            assert_eq!(response.bytes().await.unwrap(), &b"pong"[..]);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            rss_kib()
        }));
        let (conns, served) = (
            connections.load(Ordering::SeqCst) - conns_before,
            requests.load(Ordering::SeqCst) - requests_before,
        );
        assert_eq!(served, REQUESTS);
        assert!(
            conns <= WORKERS,
            "{conns} connections for {WORKERS} workers: keep-alive failed"
        );
        println!("{conns} connections carried {REQUESTS} requests");
        // The client (and its pool) is gone with the block_on. Its pool's
        // reaper task was aborted then, and leaves at the loop's next turn.
        rt.block_on(evloop::task::yield_now());
        // The server's threads close their ends when they read EOF. Wait
        // for that, within a bound, before the fd count is checked.
        let deadline = Instant::now() + Duration::from_secs(10);
        while open_fds() > fds_before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        peak_rss
    });
}

/// A future parked until `count` reaches `target`; it leaves its waker in
/// `slot` on every poll, for other threads to wake.
fn parked(
    slot: Arc<Mutex<Option<Waker>>>,
    count: Arc<AtomicUsize>,
    target: usize,
) -> impl Future<Output = ()> + Send {
    std::future::poll_fn(move |cx| {
        *slot.lock().unwrap() = Some(cx.waker().clone());
        if count.load(Ordering::SeqCst) >= target {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

fn wake(slot: &Mutex<Option<Waker>>) {
    let waker = slot.lock().unwrap().clone();
    if let Some(waker) = waker {
        waker.wake();
    }
}

#[test]
#[ignore = "stress: run with --release -- --ignored"]
fn wakes_race_completion_and_abort_from_eight_threads() {
    let _serial = serial();
    const ROUNDS: usize = 1_000;
    const THREADS: usize = 8;
    let base = Baseline::take("wake races, 1,000 rounds x 8 threads");
    let rt = Runtime::new().unwrap();
    let (mut completed, mut cancelled) = (0, 0);
    for round in 0..ROUNDS {
        // T finishes once all 8 threads counted; a lost wake leaves it
        // parked for ever (and the guard fails the test).
        let (t_slot, t_count) = (Arc::new(Mutex::new(None)), Arc::new(AtomicUsize::new(0)));
        let t = rt.spawn(parked(t_slot.clone(), t_count.clone(), THREADS));
        // A would finish the same way, but thread 0 aborts it meanwhile.
        let (a_slot, a_count) = (Arc::new(Mutex::new(None)), Arc::new(AtomicUsize::new(0)));
        let a = Arc::new(Mutex::new(rt.spawn(parked(
            a_slot.clone(),
            a_count.clone(),
            THREADS,
        ))));
        // Both polled once, so their wakers are out.
        rt.block_on(evloop::task::yield_now());
        let start = Arc::new(Barrier::new(THREADS));
        // Passed once the slots of T and A hold a new task.
        let reused = Arc::new(Barrier::new(THREADS + 1));
        let threads: Vec<_> = (0..THREADS)
            .map(|k| {
                let (t_slot, t_count) = (t_slot.clone(), t_count.clone());
                let (a_slot, a_count, a) = (a_slot.clone(), a_count.clone(), a.clone());
                let (start, reused) = (start.clone(), reused.clone());
                std::thread::spawn(move || {
                    start.wait();
                    wake(&t_slot);
                    t_count.fetch_add(1, Ordering::SeqCst);
                    wake(&t_slot);
                    a_count.fetch_add(1, Ordering::SeqCst);
                    if k == 0 {
                        // Abort at a point that varies from round to round,
                        // so it lands before, during and after completion.
                        for _ in 0..(round % 64) * 200 {
                            std::hint::spin_loop();
                        }
                        a.lock().unwrap().abort();
                    }
                    wake(&a_slot);
                    wake(&t_slot);
                    // Stale wakes, once the slots belong to other tasks.
                    reused.wait();
                    wake(&t_slot);
                    wake(&a_slot);
                })
            })
            .collect();
        rt.block_on(guarded(Duration::from_secs(10), async {
            t.await.unwrap();
            let a_result =
                std::future::poll_fn(|cx| Pin::new(&mut *a.lock().unwrap()).poll(cx)).await;
            match a_result {
                Ok(()) => completed += 1,
                Err(e) => {
                    assert!(e.is_cancelled(), "{e}");
                    cancelled += 1;
                }
            }
        }));
        // New tasks take the freed slots; each must be polled exactly once.
        let polls = Arc::new(AtomicUsize::new(0));
        let victims: Vec<_> = (0..2)
            .map(|_| {
                let polls = polls.clone();
                rt.spawn(std::future::poll_fn(move |_| {
                    polls.fetch_add(1, Ordering::SeqCst);
                    Poll::<()>::Pending
                }))
            })
            .collect();
        rt.block_on(evloop::task::yield_now());
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        reused.wait();
        for thread in threads {
            thread.join().unwrap();
        }
        // Let the loop drain the remote queue the stale wakes went to.
        rt.block_on(async {
            for _ in 0..4 {
                evloop::task::yield_now().await;
            }
        });
        assert_eq!(
            polls.load(Ordering::SeqCst),
            2,
            "a stale waker woke a reused slot"
        );
        for victim in &victims {
            victim.abort();
        }
        for victim in victims {
            assert!(rt.block_on(victim).unwrap_err().is_cancelled());
        }
    }
    println!("abort won {cancelled} rounds, completion {completed}");
    let metrics = rt.metrics();
    drop(rt);
    base.check(metrics, rss_kib(), Some(base.rss));
}
