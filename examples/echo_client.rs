//! A TCP echo client: sends each message, waits for its echo, and prints it
//! with the round-trip time.
//!
//! Run `cargo run --example echo_server` first, then
//! `cargo run --example echo_client [ADDR] [MESSAGE...]` (default address
//! `127.0.0.1:7878`, default messages `hello` and `world`).

use std::time::Duration;

use evloop::net::TcpStream;
use evloop::time::{timeout, Instant};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7878".into());
    let mut messages: Vec<String> = args.collect();
    if messages.is_empty() {
        messages = vec!["hello".into(), "world".into()];
    }
    evloop::block_on(async {
        // A connect to a host that never answers would hang for minutes;
        // give it five seconds.
        let stream = timeout(Duration::from_secs(5), TcpStream::connect(&addr))
            .await
            .map_err(std::io::Error::from)??;
        stream.set_nodelay(true)?;
        for message in &messages {
            let start = Instant::now();
            stream.write_all(message.as_bytes()).await?;
            let mut echo = vec![0; message.len()];
            stream.read_exact(&mut echo).await?;
            println!(
                "echo: {} ({} µs)",
                String::from_utf8_lossy(&echo),
                start.elapsed().as_micros()
            );
        }
        Ok(())
    })
}
