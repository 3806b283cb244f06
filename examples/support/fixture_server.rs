//! A few lines of HTTP/1.1 on the event loop that runs the example: the
//! offline server of `reddit_top` and `job_queue`, so that their default
//! run never leaves the machine.
//!
//! Not an example of its own: cargo only builds `examples/*.rs` and
//! `examples/*/main.rs`, and this folder has no `main.rs`. Each example
//! includes it with `#[path = "support/fixture_server.rs"] mod ...;`.

use std::rc::Rc;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};

/// One page the server knows.
pub struct Page {
    /// The request path it answers (the query string is ignored).
    pub path: &'static str,
    /// How long the server pretends the network takes to deliver it, so
    /// that concurrent fetches visibly overlap and finish in a known order.
    pub delay_ms: u64,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The body, sent as is.
    pub body: &'static str,
}

/// Starts the server on 127.0.0.1 (a free port) and returns its base URL,
/// such as `http://127.0.0.1:41234`. It runs as tasks on the current
/// runtime: one accepting connections, one per connection.
pub async fn serve(pages: &'static [Page]) -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    evloop::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            evloop::spawn(serve_connection(Rc::new(stream), pages));
        }
    });
    Ok(base_url)
}

/// Answers requests on one keep-alive connection until the client closes it.
async fn serve_connection(stream: Rc<TcpStream>, pages: &'static [Page]) {
    let mut buf = Vec::new();
    loop {
        // Read one request head (GETs only: no body to skip).
        let end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if buf.len() > 64 * 1024 {
                return;
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let path = head.split_whitespace().nth(1).unwrap_or("/");
        let path = path.split('?').next().unwrap_or(path);
        let response = match pages.iter().find(|page| page.path == path) {
            Some(page) => {
                evloop::time::sleep(Duration::from_millis(page.delay_ms)).await;
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}",
                    page.content_type,
                    page.body.len(),
                    page.body
                )
            }
            None => "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n".to_owned(),
        };
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}
