//! The HTTP client against reqwest, both on one thread.
//!
//! - `keepalive_get_17k`: 8 concurrent tasks each make 25 GETs (200 in
//!   all) of a ~17 KB JSON body (the size of a 5-post Reddit listing) from
//!   a local keep-alive server, reading each body to the end. evloop's
//!   `Client` on an evloop runtime beside `reqwest::Client` on tokio's
//!   current_thread runtime. The server runs on std threads (one per
//!   connection) and is the same for both; its cost is in both figures.
//!
//! The issue's target is evloop ≤ 0.7× reqwest's CPU time per request;
//! wall time here is a proxy (one client thread, the server on others), and
//! `docs/BENCHMARKS.md` records how CPU time and syscalls were taken.

use std::io::{Read, Write};
use std::net::TcpListener;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use evloop_benches::{evloop_rt, tokio_rt};

const TASKS: usize = 8;
const REQUESTS_PER_TASK: usize = 25;

/// A JSON body of about 17 KB.
fn body() -> String {
    let post = r#"{"kind":"t3","data":{"subreddit":"programming","title":"Which hashing algorithm is best for uniqueness and speed?","score":1191,"url":"https://softwareengineering.stackexchange.com/questions/49550/"}}"#;
    let children = vec![post; 17_000 / post.len()].join(",");
    format!(r#"{{"kind":"Listing","data":{{"children":[{children}]}}}}"#)
}

/// Serves `body` to every GET on every connection, keep-alive; returns the
/// base URL.
fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/listing.json", listener.local_addr().unwrap());
    let body = body();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let response = response.clone();
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut buf = Vec::new();
                let mut chunk = [0; 4096];
                loop {
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        if stream.write_all(response.as_bytes()).is_err() {
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
    url
}

fn keepalive_get_17k(c: &mut Criterion) {
    let url = start_server();
    let mut group = c.benchmark_group("keepalive_get_17k");
    group.throughput(Throughput::Elements((TASKS * REQUESTS_PER_TASK) as u64));

    let rt = evloop_rt();
    let client = evloop::http::Client::new();
    group.bench_function("evloop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let (client, url) = (client.clone(), url.clone());
                        evloop::spawn(async move {
                            for _ in 0..REQUESTS_PER_TASK {
                                let body = client
                                    .get(&url)
                                    .send()
                                    .await
                                    .unwrap()
                                    .bytes()
                                    .await
                                    .unwrap();
                                assert!(body.len() > 16_000);
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        })
    });

    let rt = tokio_rt();
    let client = reqwest::Client::new();
    group.bench_function("reqwest", |b| {
        b.iter(|| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let (client, url) = (client.clone(), url.clone());
                        tokio::spawn(async move {
                            for _ in 0..REQUESTS_PER_TASK {
                                let body = client
                                    .get(&url)
                                    .send()
                                    .await
                                    .unwrap()
                                    .bytes()
                                    .await
                                    .unwrap();
                                assert!(body.len() > 16_000);
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, keepalive_get_17k);
criterion_main!(benches);
