//! The smallest evloop program: three tasks take turns on one thread.
//!
//! Run it with `cargo run --example hello`.

fn main() {
    evloop::block_on(async {
        let tasks: Vec<_> = ["python", "programming", "compsci"]
            .into_iter()
            .map(|name| {
                evloop::spawn(async move {
                    for step in 1..=2 {
                        println!("{name}: step {step}");
                        // Give the other tasks a turn, as an `await` on I/O would.
                        evloop::task::yield_now().await;
                    }
                    println!("DONE: {name}");
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task finished");
        }
    });
}
