//! A scriptable HTTP/1.1 server on std threads, for the client's tests.
//!
//! It runs beside the runtime under test, not on it, so a client bug can
//! never stall the server too. Each accepted connection gets a thread that
//! reads requests (head and Content-Length body) and answers each with what
//! the test's handler returns, written as raw bytes: a test can send
//! anything, including what no correct server would.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Header fields, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which accepted connection (0, 1, ...) carried it.
    pub connection: usize,
}

impl SeenRequest {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
pub enum Reply {
    /// Write these bytes and wait for the next request.
    Bytes(Vec<u8>),
    /// Write these bytes and close the connection.
    BytesThenClose(Vec<u8>),
    /// Write these bytes, then neither write nor close until the client
    /// goes away.
    BytesThenStall(Vec<u8>),
    /// Write these bytes, then hand the stream to the function (which may
    /// wait for the test and write more), then wait for the next request.
    BytesThen(Vec<u8>, Box<dyn FnOnce(&mut TcpStream) + Send>),
}

/// A `200 OK` with `body` and its Content-Length.
pub fn ok(body: &str) -> Reply {
    Reply::Bytes(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// A redirect with `status` to `location`.
pub fn redirect(status: u16, location: &str) -> Reply {
    Reply::Bytes(
        format!("HTTP/1.1 {status} Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
            .into_bytes(),
    )
}

type Handler = dyn Fn(&SeenRequest) -> Reply + Send + Sync;

/// A running server; it lives until the test process ends.
#[derive(Clone)]
pub struct TestServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<SeenRequest>>>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1 (a free port) answering with `handler`.
    pub fn start(handler: impl Fn(&SeenRequest) -> Reply + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = TestServer {
            addr: listener.local_addr().unwrap(),
            connections: Arc::default(),
            requests: Arc::default(),
        };
        let handler: Arc<Handler> = Arc::new(handler);
        let shared = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let index = shared.connections.fetch_add(1, Ordering::SeqCst);
                let (shared, handler) = (shared.clone(), handler.clone());
                std::thread::spawn(move || shared.serve(stream, index, &*handler));
            }
        });
        server
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Requests seen so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.requests.lock().unwrap().clone()
    }

    fn serve(&self, mut stream: TcpStream, connection: usize, handler: &Handler) {
        let mut buf = Vec::new();
        loop {
            let Some(request) = read_request(&mut stream, &mut buf, connection) else {
                return;
            };
            self.requests.lock().unwrap().push(request.clone());
            match handler(&request) {
                Reply::Bytes(bytes) => {
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                }
                Reply::BytesThenClose(bytes) => {
                    let _ = stream.write_all(&bytes);
                    return;
                }
                Reply::BytesThen(bytes, then) => {
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                    then(&mut stream);
                }
                Reply::BytesThenStall(bytes) => {
                    let _ = stream.write_all(&bytes);
                    // Hold the socket open until the client closes it.
                    let mut sink = [0; 1024];
                    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                    return;
                }
            }
        }
    }
}

/// Reads one request (head, then a Content-Length body); `None` at EOF.
fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    connection: usize,
) -> Option<SeenRequest> {
    let mut chunk = [0; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end);
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf.drain(..length).collect();
    Some(SeenRequest {
        method,
        target,
        headers,
        body,
        connection,
    })
}
