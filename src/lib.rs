//! evloop is a single-threaded async runtime written from scratch on mio
//! readiness: one thread, one hand-written event loop, a slab of tasks. It is
//! small enough to read in an afternoon, and its public API is tokio's and
//! reqwest's where a user would expect them, so programs move between them
//! by changing imports.
//!
//! # A tour of the loop
//!
//! The steps follow [the guide](guide) (`docs/EVENT_LOOP.md`), which traces
//! each one through the source; every step here is a doctest that runs.
//!
//! **1. A runtime drives a future.** [`block_on`] creates a [`Runtime`] and
//! runs one future to completion on the calling thread:
//!
//! ```
//! let answer = evloop::block_on(async { 6 * 7 });
//! assert_eq!(answer, 42);
//! ```
//!
//! **2. Tasks are futures the runtime owns.** [`spawn`] puts a future in the
//! runtime's task slab and returns a [`JoinHandle`](task::JoinHandle). Tasks
//! never leave the thread, so they need not be `Send`:
//!
//! ```
//! use std::rc::Rc;
//!
//! evloop::block_on(async {
//!     let name = Rc::new(String::from("evloop"));
//!     let task = evloop::spawn(async move { name.len() });
//!     assert_eq!(task.await.unwrap(), 6);
//! });
//! ```
//!
//! **3. One tick of the loop** runs the ready tasks (at most
//! `event_interval` of them), then asks mio for I/O events: without
//! waiting if work is ready, otherwise until the next timer, or until an
//! event or a wake from another thread arrives; then it wakes the tasks the
//! events and the due timers concern. [`Runtime::metrics`] counts it all,
//! and [`Builder::trace`] (or `EVLOOP_TRACE=1`) prints one line per tick:
//!
//! ```
//! let rt = evloop::Runtime::new()?;
//! rt.block_on(async {
//!     evloop::spawn(async {}).await.unwrap();
//! });
//! let m = rt.metrics();
//! assert_eq!((m.spawned_tasks, m.alive_tasks), (1, 0));
//! assert!(m.ticks >= 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! **4. A task runs when it is woken.** Polling a task hands it a `Waker`.
//! A pending future keeps it; calling `wake` on the loop's thread puts the
//! task's id on the run queue (once, however often it is woken), and the
//! loop polls it at its next turn. [`task::yield_now`] wakes itself, so the
//! task goes to the back of the queue:
//!
//! ```
//! evloop::block_on(async {
//!     let a = evloop::spawn(async {
//!         for _ in 0..3 {
//!             evloop::task::yield_now().await;
//!         }
//!     });
//!     a.await.unwrap();
//! });
//! ```
//!
//! **5. Other threads use a [`Handle`].** It is `Send + Sync`: its wakes and
//! spawns go through a mutex-protected queue and interrupt the loop's wait
//! through a `mio::Waker`:
//!
//! ```
//! let rt = evloop::Runtime::new()?;
//! let handle = rt.handle();
//! std::thread::spawn(move || {
//!     handle.spawn(async { println!("spawned from another thread") });
//!     handle.stop();
//! });
//! rt.run_forever();
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! **6. Sockets wait for readiness.** [`net`]'s sockets are non-blocking
//! and registered with the loop's reactor: a read that would block leaves
//! the task's waker there, and the poller's next "readable" event wakes it.
//! Here a listener and a client share one thread:
//!
//! ```
//! use evloop::net::{TcpListener, TcpStream};
//!
//! evloop::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let echo = evloop::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let mut buf = [0; 4];
//!         stream.read_exact(&mut buf).await?;
//!         stream.write_all(&buf).await
//!     });
//!     let client = TcpStream::connect(addr).await?;
//!     client.write_all(b"ping").await?;
//!     let mut reply = [0; 4];
//!     client.read_exact(&mut reply).await?;
//!     assert_eq!(&reply, b"ping");
//!     echo.await.unwrap()
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! **7. Timers decide how long the loop sleeps.** A [`time::sleep`] puts a
//! deadline in the runtime's timer store; with nothing else to do, the loop
//! waits in the poller exactly until the earliest one. [`time::timeout`]
//! races a future against a deadline:
//!
//! ```
//! use std::time::Duration;
//! use evloop::time::{sleep, timeout, Instant};
//!
//! evloop::block_on(async {
//!     let start = Instant::now();
//!     sleep(Duration::from_millis(10)).await;
//!     assert!(start.elapsed() >= Duration::from_millis(10));
//!     let late = timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
//!     assert!(late.is_err());
//! });
//! ```
//!
//! **8. `event_interval` keeps I/O flowing.** At most this many polls run
//! before the loop looks at I/O and timers again, so tasks that keep waking
//! each other cannot starve a socket:
//!
//! ```
//! let rt = evloop::Runtime::builder().event_interval(2).build()?;
//! rt.block_on(async {
//!     let tasks: Vec<_> = (0..4).map(|_| evloop::spawn(async {})).collect();
//!     for task in tasks {
//!         task.await.unwrap();
//!     }
//! });
//! // Four tasks, at most two polls per tick: two ticks at least.
//! let m = rt.metrics();
//! assert_eq!(m.polls, 4);
//! assert!(m.ticks >= 2);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! **9. Blocking work goes to the pool.** [`task::spawn_blocking`] runs a
//! closure on a pool thread; its result wakes the awaiting task from there,
//! through the same remote queue a [`Handle`] uses:
//!
//! ```
//! evloop::block_on(async {
//!     let sum = evloop::task::spawn_blocking(|| (1..=100u64).sum::<u64>());
//!     assert_eq!(sum.await.unwrap(), 5050);
//! });
//! ```
//!
//! **10. Abort goes through the scheduler.** [`JoinHandle::abort`](task::JoinHandle::abort)
//! only marks the task; the loop drops its future at its next turn, on the
//! loop's thread:
//!
//! ```
//! evloop::block_on(async {
//!     let task = evloop::spawn(std::future::pending::<()>());
//!     task.abort();
//!     assert!(task.await.unwrap_err().is_cancelled());
//! });
//! ```
//!
//! **11. Tasks talk through [`sync`].** Channels (`oneshot`, `mpsc`,
//! `watch`, `broadcast`), `Notify`, `Semaphore`, `Mutex`, `RwLock`,
//! `Barrier` and `OnceCell` for tasks of one runtime, with tokio's names
//! and plain wakers (no atomics, since every task is on one thread):
//!
//! ```
//! use evloop::sync::mpsc;
//!
//! evloop::block_on(async {
//!     let (tx, mut rx) = mpsc::channel(8);
//!     let producer = evloop::spawn(async move {
//!         for n in 1..=3 {
//!             tx.send(n).await.unwrap();
//!         }
//!     });
//!     let mut got = Vec::new();
//!     while let Some(n) = rx.recv().await {
//!         got.push(n);
//!     }
//!     producer.await.unwrap();
//!     assert_eq!(got, [1, 2, 3]);
//! });
//! ```
//!
//! **12. An HTTP client on the same loop.** `evloop::http` (feature
//! `http`, on by default) speaks HTTP/1.1 over the same sockets; here it
//! talks to a one-shot server that is a task on the same thread:
//!
//! ```
//! # #[cfg(feature = "http")]
//! # {
//! use evloop::net::TcpListener;
//!
//! evloop::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let url = format!("http://{}/hello", listener.local_addr()?);
//!     evloop::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let mut buf = [0; 1024];
//!         let _request = stream.read(&mut buf).await?; // small: one read
//!         stream
//!             .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
//!             .await
//!     });
//!     let body = evloop::http::Client::new().get(&url).send().await.unwrap().text().await.unwrap();
//!     assert_eq!(body, "hello");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! **13. A Redis client on the same loop.** `evloop::redis` (feature
//! `redis`) has redis-rs's names. Tasks share one
//! [`MultiplexedConnection`](redis::MultiplexedConnection): commands from
//! tasks that run in the same tick leave in one write, and the replies are
//! matched to them in order, so concurrent tasks pipeline without asking
//! (`examples/redis_counter.rs` runs this against a real server):
//!
//! ```no_run
//! # #[cfg(feature = "redis")]
//! # {
//! use evloop::redis::{AsyncCommands, Client};
//!
//! evloop::block_on(async {
//!     let con = Client::open("redis://127.0.0.1/")?.get_multiplexed_async_connection().await?;
//!     let tasks: Vec<_> = (0..100)
//!         .map(|_| {
//!             let mut con = con.clone();
//!             evloop::spawn(async move { con.incr::<_, _, i64>("hits", 1).await })
//!         })
//!         .collect();
//!     for task in tasks {
//!         task.await.unwrap()?;
//!     }
//!     Ok::<(), evloop::redis::RedisError>(())
//! })?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **14. The rest of a tokio program's kit.** [`io`] has the extension
//! traits, buffered readers, `copy` and an in-memory `duplex` pipe;
//! [`select!`], [`join!`], [`try_join!`] and [`pin!`] are tokio's macros;
//! [`task::JoinSet`] joins tasks as they finish; `fs` puts files on the
//! blocking pool and `process` child processes on the reactor;
//! `#[evloop::main]` and `#[evloop::test]` (feature `macros`) build the
//! runtime around an `async fn`:
//!
//! ```
//! use std::time::Duration;
//! use evloop::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! evloop::block_on(async {
//!     let (mut tx, rx) = evloop::io::duplex(64);
//!     let writer = evloop::spawn(async move {
//!         tx.write_all(b"one\ntwo\n").await?;
//!         tx.shutdown().await
//!     });
//!     let mut lines = BufReader::new(rx).lines();
//!     let mut got = Vec::new();
//!     loop {
//!         evloop::select! {
//!             line = lines.next_line() => match line.unwrap() {
//!                 Some(line) => got.push(line),
//!                 None => break,
//!             },
//!             _ = evloop::time::sleep(Duration::from_secs(5)) => panic!("too slow"),
//!         }
//!     }
//!     writer.await.unwrap().unwrap();
//!     assert_eq!(got, ["one", "two"]);
//! });
//! ```
//!
//! **See inside.** `EVLOOP_TRACE=1` prints a line per tick (run
//! `examples/trace_tour.rs` with it, and read its trace explained in
//! [the guide](guide)); [`Runtime::dump`] lists the live tasks; debug
//! builds warn about polls that block the loop
//! ([`Builder::slow_poll_threshold`]).
//!
//! **Coming from tokio?** [`docs/COMING_FROM_TOKIO.md`](https://github.com/evloop/evloop/blob/main/docs/COMING_FROM_TOKIO.md)
//! maps each tokio item to evloop's, or says why it is not there.
//!
//! # Misuse
//!
//! Calling [`spawn`] outside a runtime, or `block_on` inside one, panics
//! with a message that says what to do instead.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `http` | yes | the HTTP/1.1 client |
//! | `signal` | yes | `ctrl_c` and signal streams (unix) |
//! | `process` | yes | child processes on the loop (unix; needs `signal`) |
//! | `macros` | yes | `#[evloop::main]` and `#[evloop::test]` (`select!`, `join!`, `try_join!` and `pin!` need no feature) |
//! | `tls` | no | HTTPS for the client (rustls) |
//! | `json` | no | JSON bodies (serde) |
//! | `redis` | no | a Redis client with redis-rs's names |
//! | `rq` | no | RQ-compatible queues and workers (Python RQ's format) |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]
// On docs.rs (nightly rustdoc, `--cfg docsrs`): each feature-gated item
// says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod guide {
    //! The guide to the event loop, `docs/EVENT_LOOP.md`, included here so
    //! that it ships with the documentation. Its links point at the source
    //! files of the repository (`../src/...`), to read beside it.
    //!
    //! ---
    //!
    #![doc = include_str!("../docs/EVENT_LOOP.md")]
}
pub mod fs;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
pub mod io;
// `select!`, `join!`, `try_join!`, `pin!` (exported at the crate root) and
// what their expansions use; hidden.
#[doc(hidden)]
pub mod macros;
pub mod net;
#[cfg(all(unix, feature = "process"))]
pub mod process;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
#[cfg(feature = "rq")]
#[cfg_attr(docsrs, doc(cfg(feature = "rq")))]
pub mod rq;
pub mod runtime;
#[cfg(all(unix, feature = "signal"))]
#[cfg_attr(docsrs, doc(cfg(all(unix, feature = "signal"))))]
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use runtime::{block_on, Builder, Handle, Metrics, Runtime, UnhandledPanic};
pub use task::spawn;

/// Runs `async fn main` on an evloop runtime (feature `macros`): the
/// function becomes a plain `fn main` that builds a runtime and
/// [`block_on`]s the body. Options: `start_paused = true` (the paused
/// clock, [`Builder::start_paused`]) and `event_interval = N`
/// ([`Builder::event_interval`]). The return type stays, so `main` may
/// return a `Result`.
///
/// ```
/// #[evloop::main(event_interval = 31)]
/// async fn main() -> std::io::Result<()> {
///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await?;
///     println!("listening on {}", listener.local_addr()?);
///     Ok(())
/// }
/// ```
#[cfg(feature = "macros")]
pub use evloop_macros::main;

/// Runs an `async fn` test on a runtime of its own (feature `macros`): as
/// [`main`](macro@main), plus `#[test]`. With `start_paused = true`, an
/// hour of timers takes no time.
///
/// ```
/// #[evloop::test(start_paused = true)]
/// async fn an_hour_passes_at_once() {
///     let hour = std::time::Duration::from_secs(3600);
///     let start = evloop::time::Instant::now();
///     evloop::time::sleep(hour).await;
///     assert_eq!(start.elapsed(), hour);
/// }
/// # fn main() {}
/// ```
#[cfg(feature = "macros")]
pub use evloop_macros::test;

// The README's Rust examples compile and run as doctests, so the first code a
// newcomer reads cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
