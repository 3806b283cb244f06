//! The workloads on evloop. `rt_tokio.rs` and `rt_smol.rs` are the same
//! functions, line for line where the APIs allow it.

use std::time::{Duration, Instant};

use evloop::process::Command;
use evloop::sync::{mpsc, oneshot};
use evloop::task::yield_now;
use evloop_benches::{evloop_rt, TempFile};

use crate::{Counts, Figure, ECHO_MSG, SELECT_TIMEOUT};

/// Runs workload `name` once; `Some` for those that measure.
pub fn run(name: &str, n: &Counts) -> Option<Figure> {
    let rt = evloop_rt();
    match name {
        "spawn_many_local" => {
            let mut handles = Vec::with_capacity(n.spawns);
            for _ in 0..n.spawn_iterations {
                rt.block_on(async {
                    for _ in 0..n.spawns {
                        handles.push(evloop::spawn(async {}));
                    }
                    for handle in handles.drain(..) {
                        handle.await.unwrap();
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
                            evloop::spawn(async move {
                                for _ in 0..yields {
                                    yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.unwrap();
                    }
                });
            }
        }
        "timer_fire" => rt.block_on(async {
            let rounds = n.sleep_rounds;
            let tasks: Vec<_> = (0..n.sleepers)
                .map(|i| {
                    evloop::spawn(async move {
                        for _ in 0..rounds {
                            let ms = 1 + (i % 5) as u64;
                            evloop::time::sleep(Duration::from_millis(ms)).await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        }),
        "chained_spawn" => {
            fn link(done: oneshot::Sender<()>, n: usize) {
                if n == 0 {
                    done.send(()).unwrap();
                } else {
                    // The handle is dropped: the task runs on, detached.
                    evloop::spawn(async move { link(done, n - 1) });
                }
            }
            for _ in 0..n.chain_iterations {
                rt.block_on(async {
                    let (done_tx, done_rx) = oneshot::channel();
                    link(done_tx, n.chain);
                    done_rx.await.unwrap();
                });
            }
        }
        "timer_cancel" => rt.block_on(async {
            for _ in 0..n.cancels {
                let out = evloop::time::timeout(Duration::from_secs(1), yield_now()).await;
                assert!(out.is_ok());
            }
        }),
        "request_reply" => {
            // The server outlives the iterations, as in benches/sync.rs.
            let tx = rt.block_on(async {
                let (tx, mut rx) = mpsc::channel::<oneshot::Sender<()>>(10);
                evloop::spawn(async move {
                    while let Some(reply) = rx.recv().await {
                        reply.send(()).unwrap();
                    }
                });
                tx
            });
            for _ in 0..n.request_iterations {
                let tx = tx.clone();
                rt.block_on(async move {
                    for _ in 0..n.requests {
                        let (o_tx, o_rx) = oneshot::channel();
                        tx.send(o_tx).await.unwrap();
                        o_rx.await.unwrap();
                    }
                });
            }
        }
        "spawn_work" => {
            for _ in 0..n.spawn_work_iterations {
                let two = rt.block_on(async {
                    evloop::spawn(async {
                        yield_now().await;
                        2
                    })
                    .await
                    .unwrap()
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
                    evloop::time::sleep(Duration::from_millis(1)).await;
                    late += Instant::now() - deadline;
                }
                crate::mean_lateness_us(late, n.lateness_sleeps)
            }));
        }
        "mem_pending" | "mem_sleep" => {
            let sleep = name == "mem_sleep";
            return Some(rt.block_on(async {
                evloop::time::sleep(Duration::from_millis(1)).await;
                let baseline = crate::status_kib("VmRSS:");
                for _ in 0..n.mem_tasks {
                    // Dropping the handle detaches the task.
                    evloop::spawn(async move {
                        crate::polled_once();
                        if sleep {
                            evloop::time::sleep(Duration::from_secs(3600)).await;
                        } else {
                            std::future::pending::<()>().await;
                        }
                    });
                }
                while !crate::all_polled(n.mem_tasks) {
                    yield_now().await;
                }
                crate::bytes_per_task(baseline, n.mem_tasks)
            }));
        }
        "mem_empty" => {
            rt.block_on(async {
                evloop::time::sleep(Duration::from_millis(1)).await;
            });
            return Some(crate::peak_kib());
        }
        "select_loop" => rt.block_on(select_loop(n)),
        "process" => rt.block_on(async {
            for _ in 0..n.processes {
                let status = Command::new("/bin/true").status().await.unwrap();
                assert!(status.success());
            }
        }),
        "fs_read" => {
            let file = TempFile::new(n.file_len).expect("the file in the temp dir");
            rt.block_on(async {
                for _ in 0..n.file_reads {
                    let data = evloop::fs::read(file.path()).await.unwrap();
                    assert_eq!(data.len(), n.file_len);
                }
            });
        }
        #[cfg(feature = "joinset")]
        "join_set" => {
            for _ in 0..n.join_set_iterations {
                rt.block_on(async {
                    let mut set = evloop::task::JoinSet::new();
                    for i in 0..n.join_tasks {
                        set.spawn(async move { i });
                    }
                    let mut sum = 0;
                    while let Some(i) = set.join_next().await {
                        sum += i.unwrap();
                    }
                    assert_eq!(sum, (0..n.join_tasks).sum::<usize>());
                });
            }
        }
        other => unreachable!("main checked the name, not {other}"),
    }
    None
}

async fn tcp_echo(n: &Counts) {
    use evloop::net::{TcpListener, TcpStream};

    let (conns, round_trips) = (n.echo_conns, n.echo_round_trips);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = evloop::spawn(async move {
        for _ in 0..conns {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            evloop::spawn(async move {
                let mut buf = [0u8; ECHO_MSG];
                loop {
                    match stream.read(&mut buf).await.unwrap() {
                        0 => break,
                        n => stream.write_all(&buf[..n]).await.unwrap(),
                    }
                }
            });
        }
    });
    let clients: Vec<_> = (0..conns)
        .map(|_| {
            evloop::spawn(async move {
                let stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
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
        client.await.unwrap();
    }
    server.await.unwrap();
}

async fn select_loop(n: &Counts) {
    let (tx, mut rx) = mpsc::channel(n.select_channel);
    let messages = n.select_messages;
    let producer = evloop::spawn(async move {
        for v in 0..messages {
            tx.send(v).await.unwrap();
        }
    });
    let mut sum = 0u64;
    for _ in 0..messages {
        evloop::select! {
            Some(v) = rx.recv() => sum += v,
            _ = evloop::time::sleep(SELECT_TIMEOUT) => panic!("select_loop: no message for 1 s"),
        }
    }
    producer.await.unwrap();
    assert_eq!(sum, messages * (messages - 1) / 2);
}
