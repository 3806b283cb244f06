//! A small program to watch the event loop turn, one line per tick.
//!
//! ```sh
//! EVLOOP_TRACE=1 cargo run --example trace_tour
//! ```
//!
//! It does one thing of each kind, one after the other, so that each shows
//! up in the trace on its own:
//!
//! 1. **sockets**: two named tasks, `"echo"` and `"client"`, talk over a
//!    connected pair of Unix sockets: the client sends `ping`, the echo task
//!    sends it back. Readiness comes from the reactor (`io 1`).
//! 2. **a timer**: the task `"sleeper"` sleeps 20 ms; the loop waits exactly
//!    until its deadline (`wait 20ms (next timer)`, then `timers 1`).
//! 3. **the blocking pool**: `block_on`'s own future runs a closure on a
//!    pool thread, whose result comes back as a remote wake
//!    (`remote wakes 1`).
//!
//! Every trace line has the same shape (see `Builder::trace`):
//!
//! ```text
//! evloop: tick N | polled K: labels | wait T (why) | io E | timers F | remote wakes W, spawns S
//! ```
//!
//! `docs/EVENT_LOOP.md` walks through a captured run line by line. The
//! program's own lines go to stdout, the trace to stderr; without
//! `EVLOOP_TRACE=1` it only prints its own lines and a reminder.

use std::io;
use std::time::Duration;

use evloop::net::unix::UnixStream;
use evloop::task::{spawn_blocking, Builder};

fn main() -> io::Result<()> {
    if std::env::var_os("EVLOOP_TRACE").is_none() {
        eprintln!("(run with EVLOOP_TRACE=1 to see one line per tick of the loop)");
    }
    let rt = evloop::Runtime::new()?;
    rt.block_on(tour())?;
    let m = rt.metrics();
    println!(
        "done: {} ticks, {} task polls, {} I/O events, {} timer fired, {} remote wake",
        m.ticks, m.polls, m.io_events, m.timers_fired, m.remote_wakes
    );
    Ok(())
}

async fn tour() -> io::Result<()> {
    // 1. Sockets. Spawning only queues the tasks: they first run when this
    // future (`block_on` in the trace) awaits and gives the loop its turn.
    let (near, far) = UnixStream::pair()?;
    let echo = Builder::new().name("echo").spawn(async move {
        let mut buf = [0; 64];
        let n = far.read(&mut buf).await?;
        far.write_all(&buf[..n]).await
    });
    let client = Builder::new().name("client").spawn(async move {
        near.write_all(b"ping").await?;
        let mut reply = [0; 4];
        near.read_exact(&mut reply).await?;
        println!("client: got {:?} back", String::from_utf8_lossy(&reply));
        Ok::<(), io::Error>(())
    });
    client.await.map_err(io::Error::other)??;
    echo.await.map_err(io::Error::other)??;

    // 2. A timer: nothing else is ready, so the loop sleeps in the poller
    // until the deadline, and the timer's firing wakes the task.
    let sleeper = Builder::new().name("sleeper").spawn(async {
        evloop::time::sleep(Duration::from_millis(20)).await;
        println!("sleeper: 20 ms passed");
    });
    sleeper.await.map_err(io::Error::other)?;

    // 3. The blocking pool: the closure runs on another thread; its result
    // wakes this future from there, through the remote queue.
    let sum = spawn_blocking(|| (1..=1000u64).sum::<u64>())
        .await
        .map_err(io::Error::other)?;
    println!("block_on: a pool thread summed 1..=1000 = {sum}");
    Ok(())
}
