//! The workloads on smol's parts: `rt_evloop.rs` line for line, with these
//! differences (each the way a smol program does it):
//!
//! - `spawn` and `Runtime::block_on` below are a few lines of glue: a
//!   thread-local `LocalExecutor` (as tokio's and evloop's `spawn` find
//!   their runtime through the thread) driven by `async_io::block_on`.
//! - Dropping a smol `Task` cancels it, so tasks that run on unawaited are
//!   `detach()`ed where evloop and tokio just drop the handle; awaiting a
//!   `Task` gives its output directly, not a `Result`.
//! - Channels are `async-channel`'s; smol has no oneshot, so a `bounded(1)`
//!   channel (`try_send`, `recv`) stands in for one. It is a heavier
//!   object than the others' oneshots: that is what a smol user pays.
//! - `timeout` is `future::or` of the future and a `Timer` (futures-lite and
//!   async-io have no `timeout` of their own); like tokio's, it polls the
//!   future first and registers the timer when it is first polled, and
//!   dropping it unregisters the timer.
//! - async-io's reactor has a helper thread (see main.rs); its CPU counts.
//! - smol has no `select!`: `select_loop` races the two futures with
//!   `future::race`, which polls them in a random order as `select!` does.
//! - No `process`, `fs_read` or `join_set` here (`crate::SMOL_NA` says why;
//!   main.rs turns them away before `run`).

use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use async_executor::{LocalExecutor, Task};
use async_io::{Async, Timer};
use futures_lite::future::{self, yield_now};

use crate::{Counts, Figure, ECHO_MSG, SELECT_TIMEOUT};

thread_local! {
    /// The executor that `spawn` puts tasks on and `block_on` runs.
    static EXECUTOR: LocalExecutor<'static> = const { LocalExecutor::new() };
}

/// Spawns `future` on this thread's executor.
fn spawn<T: 'static>(future: impl Future<Output = T> + 'static) -> Task<T> {
    EXECUTOR.with(|ex| ex.spawn(future))
}

/// smol's runtime: the thread's executor run inside async-io's `block_on`,
/// which also drives the reactor while the thread would wait.
struct Runtime;

impl Runtime {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        EXECUTOR.with(|ex| async_io::block_on(ex.run(future)))
    }
}

/// `timeout` for smol: `Err(())` if `duration` passes first.
async fn timeout<F: Future>(duration: Duration, future: F) -> Result<F::Output, ()> {
    future::or(async { Ok(future.await) }, async {
        Timer::after(duration).await;
        Err(())
    })
    .await
}

/// Runs workload `name` once; `Some` for those that measure.
pub fn run(name: &str, n: &Counts) -> Option<Figure> {
    let rt = Runtime;
    match name {
        "spawn_many_local" => {
            let mut handles = Vec::with_capacity(n.spawns);
            for _ in 0..n.spawn_iterations {
                rt.block_on(async {
                    for _ in 0..n.spawns {
                        handles.push(spawn(async {}));
                    }
                    for handle in handles.drain(..) {
                        handle.await;
                    }
                });
            }
        }
        "yield_many" => {
            for _ in 0..n.yield_iterations {
                rt.block_on(async {
                    let yields = n.yields;
                    let handles: Vec<_> = (0..n.yield_tasks)
                        .map(|_| {
                            spawn(async move {
                                for _ in 0..yields {
                                    yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await;
                    }
                });
            }
        }
        "timer_fire" => rt.block_on(async {
            let rounds = n.sleep_rounds;
            let tasks: Vec<_> = (0..n.sleepers)
                .map(|i| {
                    spawn(async move {
                        for _ in 0..rounds {
                            let ms = 1 + (i % 5) as u64;
                            Timer::after(Duration::from_millis(ms)).await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await;
            }
        }),
        "chained_spawn" => {
            fn link(done: async_channel::Sender<()>, n: usize) {
                if n == 0 {
                    done.try_send(()).unwrap();
                } else {
                    spawn(async move { link(done, n - 1) }).detach();
                }
            }
            for _ in 0..n.chain_iterations {
                rt.block_on(async {
                    let (done_tx, done_rx) = async_channel::bounded(1);
                    link(done_tx, n.chain);
                    done_rx.recv().await.unwrap();
                });
            }
        }
        "timer_cancel" => rt.block_on(async {
            for _ in 0..n.cancels {
                let out = timeout(Duration::from_secs(1), yield_now()).await;
                assert!(out.is_ok());
            }
        }),
        "request_reply" => {
            // The server outlives the iterations, as in benches/sync.rs.
            let tx = rt.block_on(async {
                let (tx, rx) = async_channel::bounded::<async_channel::Sender<()>>(10);
                spawn(async move {
                    while let Ok(reply) = rx.recv().await {
                        reply.try_send(()).unwrap();
                    }
                })
                .detach();
                tx
            });
            for _ in 0..n.request_iterations {
                let tx = tx.clone();
                rt.block_on(async move {
                    for _ in 0..n.requests {
                        let (o_tx, o_rx) = async_channel::bounded(1);
                        tx.send(o_tx).await.unwrap();
                        o_rx.recv().await.unwrap();
                    }
                });
            }
        }
        "spawn_work" => {
            for _ in 0..n.spawn_work_iterations {
                let two = rt.block_on(async {
                    spawn(async {
                        yield_now().await;
                        2
                    })
                    .await
                });
                assert_eq!(two, 2);
            }
        }
        "tcp_echo" => rt.block_on(tcp_echo(n)),
        "sleep_lateness" => {
            return Some(rt.block_on(async {
                let mut late = Duration::ZERO;
                for _ in 0..n.lateness_sleeps {
                    let deadline = Instant::now() + Duration::from_millis(1);
                    Timer::after(Duration::from_millis(1)).await;
                    late += Instant::now() - deadline;
                }
                crate::mean_lateness_us(late, n.lateness_sleeps)
            }));
        }
        "mem_pending" | "mem_sleep" => {
            let sleep = name == "mem_sleep";
            return Some(rt.block_on(async {
                Timer::after(Duration::from_millis(1)).await;
                let baseline = crate::status_kib("VmRSS:");
                for _ in 0..n.mem_tasks {
                    spawn(async move {
                        crate::polled_once();
                        if sleep {
                            Timer::after(Duration::from_secs(3600)).await;
                        } else {
                            std::future::pending::<()>().await;
                        }
                    })
                    .detach();
                }
                while !crate::all_polled(n.mem_tasks) {
                    yield_now().await;
                }
                crate::bytes_per_task(baseline, n.mem_tasks)
            }));
        }
        "mem_empty" => {
            rt.block_on(async {
                Timer::after(Duration::from_millis(1)).await;
            });
            return Some(crate::peak_kib());
        }
        "select_loop" => rt.block_on(select_loop(n)),
        other => unreachable!("main checked the name, not {other}"),
    }
    None
}

async fn tcp_echo(n: &Counts) {
    use futures_lite::io::{AsyncReadExt, AsyncWriteExt};

    let (conns, round_trips) = (n.echo_conns, n.echo_round_trips);
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
    let addr = listener.get_ref().local_addr().unwrap();
    let server = spawn(async move {
        for _ in 0..conns {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.get_ref().set_nodelay(true).unwrap();
            spawn(async move {
                let mut buf = [0u8; ECHO_MSG];
                loop {
                    match stream.read(&mut buf).await.unwrap() {
                        0 => break,
                        n => stream.write_all(&buf[..n]).await.unwrap(),
                    }
                }
            })
            .detach();
        }
    });
    let clients: Vec<_> = (0..conns)
        .map(|_| {
            spawn(async move {
                let mut stream = Async::<TcpStream>::connect(addr).await.unwrap();
                stream.get_ref().set_nodelay(true).unwrap();
                let msg = [7u8; ECHO_MSG];
                let mut buf = [0u8; ECHO_MSG];
                for _ in 0..round_trips {
                    stream.write_all(&msg).await.unwrap();
                    stream.read_exact(&mut buf).await.unwrap();
                }
                assert_eq!(buf, msg);
            })
        })
        .collect();
    for client in clients {
        client.await;
    }
    server.await;
}

/// smol has no `select!`: `future::race` of the two is the way, and like
/// `select!` it polls them in a random order each time.
async fn select_loop(n: &Counts) {
    let (tx, rx) = async_channel::bounded(n.select_channel);
    let messages = n.select_messages;
    let producer = spawn(async move {
        for v in 0..messages {
            tx.send(v).await.unwrap();
        }
    });
    let mut sum = 0u64;
    for _ in 0..messages {
        let got = future::race(async { rx.recv().await.ok() }, async {
            Timer::after(SELECT_TIMEOUT).await;
            None
        })
        .await;
        match got {
            Some(v) => sum += v,
            None => panic!("select_loop: no message for 1 s"),
        }
    }
    producer.await;
    assert_eq!(sum, messages * (messages - 1) / 2);
}
