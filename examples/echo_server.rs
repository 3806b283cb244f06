//! A TCP echo server: every connection gets its own task, all on one thread.
//!
//! Run it with `cargo run --example echo_server [ADDR]` (default
//! `127.0.0.1:7878`), then talk to it with `cargo run --example
//! echo_client` or `nc 127.0.0.1 7878`. Ctrl-C stops it.

use evloop::net::TcpListener;

async fn serve(addr: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    println!("echo server listening on {}", listener.local_addr()?);
    // Flush now: a script (or our test) waits for this line.
    std::io::Write::flush(&mut std::io::stdout())?;
    loop {
        let (stream, peer) = listener.accept().await?;
        // One task per connection; tasks are cheap, and a slow client only
        // holds its own task.
        evloop::spawn(async move {
            let mut buf = vec![0; 8 * 1024];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) => break, // the client closed its side
                    Ok(n) => {
                        if let Err(e) = stream.write_all(&buf[..n]).await {
                            eprintln!("{peer}: write failed: {e}");
                            break;
                        }
                    }
                    Err(e) => {
                        eprintln!("{peer}: read failed: {e}");
                        break;
                    }
                }
            }
        });
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".into());
    evloop::block_on(async {
        // Installed before we serve, so no Ctrl-C is missed.
        let stop = evloop::signal::ctrl_c();
        evloop::spawn(async move {
            if let Err(e) = serve(&addr).await {
                eprintln!("echo server: {e}");
                std::process::exit(1);
            }
        });
        stop.await?;
        println!("stopping");
        Ok(())
    })
}
