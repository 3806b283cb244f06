//! `#[evloop::main]`: an `async fn main` that runs on an evloop runtime.
//! A timer and a task, as in `hello.rs`, without writing the runtime out.
//!
//! Run it with `cargo run --example hello_main`.

use std::time::Duration;

#[evloop::main]
async fn main() -> Result<(), evloop::task::JoinError> {
    let greeter = evloop::spawn(async {
        evloop::time::sleep(Duration::from_millis(10)).await;
        "hello from a task"
    });
    println!("{}", greeter.await?);
    Ok(())
}
