//! docs/COMING_FROM_TOKIO.md names evloop's counterpart of each tokio
//! item; this file imports every one of them, and calls the methods whose
//! shape the page describes, so the page cannot name what does not exist.
//! A few runtime checks pin down the differences it warns about.
//!
#![allow(unused_imports, dead_code)]

use std::rc::Rc;
use std::time::Duration;

// The sync additions of issue 18.
use evloop::sync::broadcast::error::{
    RecvError as BroadcastRecvError, SendError as BroadcastSendError,
    TryRecvError as BroadcastTryRecvError,
};
use evloop::sync::watch::error::{RecvError as WatchRecvError, SendError as WatchSendError};
use evloop::sync::{
    broadcast, watch, Barrier, BarrierWaitResult, Mutex, MutexGuard, OnceCell, OwnedMutexGuard,
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    SetError, TryLockError,
};

// Runtime.
use evloop::runtime::{Dump, TaskDump, TaskState};
use evloop::{block_on, spawn, Builder, Handle, Metrics, Runtime, UnhandledPanic};

// Tasks.
use evloop::task::futures::TaskLocalFuture;
use evloop::task::{
    id, spawn_blocking, spawn_local, try_id, yield_now, AbortHandle, AccessError, Id, JoinError,
    JoinHandle, JoinSet, LocalKey, YieldNow,
};

// Time.
use evloop::time::{
    advance, interval, interval_at, pause, resume, sleep, sleep_until, timeout, timeout_at,
    Elapsed, Instant, Interval, MissedTickBehavior, Sleep, Timeout,
};

// Networking.
#[cfg(unix)]
use evloop::net::unix::{UnixDatagram, UnixListener, UnixStream};
use evloop::net::{
    lookup_host, Incoming, OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, TcpListener,
    TcpSocket, TcpStream, ToSocketAddrs, UdpSocket, WriteHalf,
};

// I/O.
#[cfg(unix)]
use evloop::io::unix::{AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
use evloop::io::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty, repeat, sink,
    split, AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt,
    AsyncWrite, AsyncWriteExt, BufReader, BufStream, BufWriter, Chain, DuplexStream, Error,
    ErrorKind, Interest, Lines, Result, SeekFrom, Split, Take,
};

// Files, processes, signals.
#[cfg(unix)]
use evloop::fs::symlink;
use evloop::fs::{
    canonicalize, create_dir, create_dir_all, hard_link, metadata, read, read_dir, read_link,
    read_to_string, remove_dir, remove_dir_all, remove_file, rename, set_permissions,
    symlink_metadata, try_exists, write, DirEntry, File, OpenOptions, ReadDir,
};
#[cfg(all(unix, feature = "process"))]
use evloop::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
#[cfg(all(unix, feature = "signal"))]
use evloop::signal::{ctrl_c, signal, Signal, SignalKind};

// Synchronization (what `main` has; see the list above for `syncmore`).
use evloop::sync::mpsc::error::{SendError, TryRecvError, TrySendError};
use evloop::sync::mpsc::{
    channel, unbounded_channel, Permit, Receiver, Sender, UnboundedReceiver, UnboundedSender,
};
use evloop::sync::oneshot::error::RecvError as OneshotRecvError;
use evloop::sync::oneshot::error::TryRecvError as OneshotTryRecvError;
use evloop::sync::{
    mpsc, oneshot, AcquireError, Notified, Notify, OwnedSemaphorePermit, Semaphore,
    SemaphorePermit, TryAcquireError,
};

// Macros.
use evloop::{join, pin, select, task_local, try_join};
#[cfg(feature = "macros")]
use evloop::{main as evloop_main, test as evloop_test}; // `test` would shadow `#[test]`

// reqwest and redis-rs.
#[cfg(feature = "http")]
use evloop::http::{get, Client, ClientBuilder, RequestBuilder, Response};
#[cfg(feature = "redis")]
use evloop::redis::aio::{Connection, MultiplexedConnection, PubSub};
#[cfg(feature = "redis")]
use evloop::redis::{
    cmd, pipe, AsyncCommands, AsyncConnectionConfig, FromRedisValue, Msg, RedisError, ToRedisArgs,
    Value,
};

/// Never called: it only has to compile, so that every method the page
/// names exists with the shape the page gives it.
// `let _: Type = ...` is the check; nothing here runs, so the futures and
// handles it makes are never meant to be awaited.
#[allow(clippy::let_underscore_future)]
async fn methods_the_page_names(rt: &Runtime, handle: &Handle, stream: &TcpStream) {
    // Runtime, Builder, Handle.
    let _: std::io::Result<Runtime> = Builder::new()
        .event_interval(61)
        .start_paused(true)
        .max_blocking_threads(4)
        .blocking_keep_alive(Duration::from_secs(10))
        .unhandled_panic(UnhandledPanic::ShutdownRuntime)
        .trace(false)
        .slow_poll_threshold(Some(Duration::from_millis(10)))
        .build();
    let _: Builder = Runtime::builder();
    let _: Metrics = rt.metrics();
    let _: Dump = rt.dump();
    let _: Dump = handle.dump().await;
    let _: JoinHandle<()> = rt.spawn(async {});
    let _: Handle = rt.handle();
    let _: fn(&Runtime) = Runtime::run_forever;
    handle.stop();
    let _: Option<Handle> = Handle::try_current();
    let _: Handle = Handle::current();
    let _: JoinHandle<()> = handle.spawn(async {});
    // task::Builder.
    let _: JoinHandle<()> = evloop::task::Builder::new().name("a").spawn(async {});
    let _: JoinHandle<()> = evloop::task::Builder::new().spawn_on(async {}, rt);
    let _: JoinHandle<()> = evloop::task::Builder::new().spawn_with_handle(async {}, handle);
    // JoinHandle, JoinError, JoinSet.
    let task = spawn(async {});
    let _: AbortHandle = task.abort_handle();
    let _: (bool, Id) = (task.is_finished(), task.id());
    task.abort();
    if let Err(e) = task.await {
        let _ = (e.is_cancelled(), e.is_panic());
        let _ = e.try_into_panic();
    }
    let mut set = JoinSet::new();
    let _: AbortHandle = set.spawn(async { 1 });
    let _: AbortHandle = set.spawn_local(async { 2 });
    let _: AbortHandle = set.spawn_blocking(|| 3);
    let _: Option<std::result::Result<(Id, i32), JoinError>> = set.join_next_with_id().await;
    let _ = set.try_join_next();
    set.abort_all();
    set.detach_all();
    set.shutdown().await;
    let _: Vec<i32> = set.join_all().await;
    // Time.
    let mut sleep = sleep(Duration::from_secs(1));
    sleep.reset(Instant::now());
    let mut every = interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let _: Instant = every.tick().await;
    // Networking: the inherent methods take `&self`; `read_exact` gives the
    // byte count, as tokio's `AsyncReadExt::read_exact` does.
    let mut buf = [0; 4];
    let _: std::io::Result<usize> = stream.read_exact(&mut buf).await;
    let _: std::io::Result<usize> = stream.peek(&mut buf).await;
    let _: std::io::Result<()> = stream.write_all(b"ping").await;
    let _: std::io::Result<()> = stream.shutdown().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let _: Incoming<'_> = listener.incoming();
    let mut owned = TcpStream::connect("127.0.0.1:1").await.unwrap();
    let (_r, _w): (ReadHalf<'_, TcpStream>, WriteHalf<'_, TcpStream>) = owned.split();
    let (r, w): (OwnedReadHalf<TcpStream>, OwnedWriteHalf<TcpStream>) = owned.into_split();
    let _: std::result::Result<TcpStream, ReuniteError<TcpStream>> = r.reunite(w);
    // I/O utilities.
    let (a, b) = duplex(64);
    let (reader, writer) = split(a);
    let _: DuplexStream = reader.unsplit(writer);
    let mut lines: Lines<BufReader<DuplexStream>> = BufReader::new(b).lines();
    let _: std::io::Result<Option<String>> = lines.next_line().await;
    // Processes and signals.
    #[cfg(all(unix, feature = "process"))]
    {
        let mut child: Child = Command::new("true").kill_on_drop(true).spawn().unwrap();
        let _ = child.try_wait();
        let _ = child.start_kill();
        let _ = child.wait().await;
        let _: &mut std::process::Command = Command::new("true").as_std_mut();
    }
    #[cfg(all(unix, feature = "signal"))]
    {
        let _ = SignalKind::from_raw(SignalKind::interrupt().as_raw_value());
        let _ = [SignalKind::terminate(), SignalKind::hangup()];
        let _ = [SignalKind::user_defined1(), SignalKind::user_defined2()];
    }
    // Sync.
    let sem = Rc::new(Semaphore::new(1));
    let _: std::result::Result<OwnedSemaphorePermit, AcquireError> =
        sem.clone().acquire_owned().await;
    let _: std::result::Result<OwnedSemaphorePermit, AcquireError> =
        sem.clone().acquire_many_owned(1).await;
    let _: std::result::Result<OwnedSemaphorePermit, TryAcquireError> = sem.try_acquire_owned();
    let notify = Notify::new();
    let _: Notified<'_> = notify.notified();
    notify.notify_one();
    notify.notify_waiters();
    let (tx, mut rx) = channel::<u8>(1);
    let _: std::result::Result<Permit<'_, u8>, SendError<()>> = tx.reserve().await;
    let mut many = Vec::new();
    let _: usize = rx.recv_many(&mut many, 8).await;
}

#[cfg(feature = "http")]
async fn http_methods_the_page_names(url: &str) -> std::result::Result<(), evloop::http::Error> {
    let client: Client = Client::builder()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(1))
        .max_redirects(3)
        .max_response_body(1 << 20)
        .redirect_https_to_http(false)
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(2)
        .build()?;
    let request: RequestBuilder = client
        .get(url)
        .header("x-a", "1")
        .headers(evloop::http::HeaderMap::new())
        .query(&[("q", "1")])
        .form(&[("k", "v")])
        .body("raw")
        .bearer_auth("token")
        .timeout(Duration::from_secs(1));
    let mut response: Response = request.basic_auth("u", Some("p")).send().await?;
    let _: evloop::http::StatusCode = response.status();
    let _: &evloop::http::HeaderMap = response.headers();
    let _: Option<Vec<u8>> = response.chunk().await?;
    // reqwest's `bytes::Bytes` (the tests do not depend on `bytes`).
    let body = response.error_for_status()?.bytes().await?;
    let _: Vec<u8> = body.to_vec();
    let _: String = get(url).await?.text().await?;
    let _ = get(url).await?.bytes_stream();
    Ok(())
}

#[cfg(feature = "redis")]
async fn redis_methods_the_page_names() -> std::result::Result<(), RedisError> {
    let client = evloop::redis::Client::open("redis://127.0.0.1/")?;
    let _: MultiplexedConnection = client.get_multiplexed_async_connection().await?;
    let _: Connection = client.get_async_connection().await?;
    let mut pubsub: PubSub = client.get_async_pubsub().await?;
    let _ = pubsub.on_message();
    Ok(())
}

#[test]
fn tcp_read_exact_counts_inherent_or_through_the_ext_trait() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        client.write_all(b"pingpong").await?;
        let mut buf = [0; 4];
        // The inherent method (what `stream.read_exact` finds first) has
        // tokio's shape too: the byte count.
        let n = server.read_exact(&mut buf).await?;
        assert_eq!((n, &buf), (4, b"ping"));
        // tokio's shape, through the extension trait: the byte count.
        let n = AsyncReadExt::read_exact(&mut &server, &mut buf).await?;
        assert_eq!((n, &buf), (4, b"pong"));
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
}

#[test]
fn try_current_is_an_option_and_spawn_local_needs_no_local_set() {
    assert!(Handle::try_current().is_none());
    block_on(async {
        assert!(Handle::try_current().is_some());
        let shared = Rc::new(String::from("not Send"));
        let mut set = JoinSet::new();
        set.spawn({
            let shared = shared.clone();
            async move { shared.len() }
        });
        let local = spawn_local(async move { shared.len() * 2 });
        assert_eq!(set.join_next().await.unwrap().unwrap(), 8);
        assert_eq!(local.await.unwrap(), 16);
    });
}

#[test]
fn sleep_is_unpin_and_the_paused_clock_needs_no_feature() {
    fn unpin<T: Unpin>(t: T) -> T {
        t
    }
    let rt = Runtime::builder().start_paused(true).build().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        // No `pin!`: a `Sleep` can be polled by `&mut` as it is.
        let mut nap = unpin(sleep(Duration::from_secs(3600)));
        (&mut nap).await;
        assert!(nap.is_elapsed());
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        let late: std::result::Result<(), Elapsed> =
            timeout(Duration::from_secs(1), std::future::pending()).await;
        assert!(late.is_err());
    });
}

evloop::task_local! {
    static REQUEST: u32;
}

#[test]
fn the_macros_and_task_locals_keep_tokios_syntax() {
    block_on(async {
        let (a, b) = join!(async { 1 }, async { 2 });
        let sum = try_join!(async { Ok::<_, ()>(a) }, async { Ok::<_, ()>(b) }).map(|(a, b)| a + b);
        assert_eq!(sum, Ok(3));
        let never = std::future::pending::<()>();
        pin!(never);
        let winner = select! {
            biased;
            _ = &mut never => "never",
            n = async { 7 }, if sum.is_ok() => if n == 7 { "ready" } else { "wrong" },
            else => "all disabled",
        };
        assert_eq!(winner, "ready");
        let seen = REQUEST.scope(42, async { REQUEST.get() }).await;
        assert_eq!(seen, 42);
        assert!(REQUEST.try_with(|_| ()).is_err()); // outside its scope
    });
}
