//! CPU time and syscalls per request, for `docs/BENCHMARKS.md`: one client
//! process makes `N` keep-alive GETs (8 concurrent tasks) to a server in
//! *another* process, so `perf stat` and `strace -c` see the client alone.
//!
//! ```sh
//! python3 benches/http_server.py 8099 &      # ~17 KB JSON, keep-alive
//! cargo build -p evloop-benches --release --example http_cost
//! perf stat -e task-clock target/release/examples/http_cost evloop http://127.0.0.1:8099/ 20000
//! strace -f -c target/release/examples/http_cost reqwest http://127.0.0.1:8099/ 20000
//! ```

const TASKS: usize = 8;

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: http_cost evloop|reqwest URL REQUESTS";
    let client = args.next().expect(usage);
    let url = args.next().expect(usage);
    let total: usize = args.next().expect(usage).parse().expect(usage);
    let per_task = total / TASKS;
    let started = std::time::Instant::now();
    match client.as_str() {
        "evloop" => evloop_benches::evloop_rt().block_on(async {
            let client = evloop::http::Client::new();
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let (client, url) = (client.clone(), url.clone());
                    evloop::spawn(async move {
                        for _ in 0..per_task {
                            let response = client.get(&url).send().await.unwrap();
                            assert!(response.bytes().await.unwrap().len() > 16_000);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        }),
        "reqwest" => evloop_benches::tokio_rt().block_on(async {
            let client = reqwest::Client::new();
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let (client, url) = (client.clone(), url.clone());
                    tokio::spawn(async move {
                        for _ in 0..per_task {
                            let response = client.get(&url).send().await.unwrap();
                            assert!(response.bytes().await.unwrap().len() > 16_000);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        }),
        _ => panic!("{usage}"),
    }
    eprintln!(
        "{client}: {} requests in {:?}",
        per_task * TASKS,
        started.elapsed()
    );
}
