//! Sockets on the reactor: TCP, UDP and Unix, against real OS sockets on
//! the loopback interface (port 0, never the internet).

mod util;

use std::cell::Cell;
use std::io::ErrorKind;
use std::rc::Rc;
use std::time::Duration;

use evloop::net::{lookup_host, TcpListener, TcpSocket, TcpStream, UdpSocket};
use evloop::time::{sleep, timeout, Instant};
use evloop::{Metrics, Runtime};

/// A listener on a free loopback port and its address.
async fn listener() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A connected client and server stream over loopback.
async fn connected_pair() -> (TcpStream, TcpStream) {
    let (listener, addr) = listener().await;
    let client = TcpStream::connect(addr).await.unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Spawns a server that echoes every connection until its client closes.
async fn echo_server() -> std::net::SocketAddr {
    let (listener, addr) = listener().await;
    evloop::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            evloop::spawn(async move {
                let mut buf = vec![0; 16 * 1024];
                loop {
                    let n = stream.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    stream.write_all(&buf[..n]).await.unwrap();
                }
            });
        }
    });
    addr
}

#[test]
fn echo_of_one_megabyte() {
    evloop::block_on(async {
        let addr = echo_server().await;
        let client = Rc::new(TcpStream::connect(addr).await.unwrap());
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        // Write and read concurrently: the kernel buffers are smaller than
        // a megabyte, so writing it all first would deadlock.
        let writer = evloop::spawn({
            let client = client.clone();
            let data = data.clone();
            async move {
                client.write_all(&data).await.unwrap();
                client.shutdown().await.unwrap();
            }
        });
        let mut back = Vec::new();
        let n = client.read_to_end(&mut back).await.unwrap();
        writer.await.unwrap();
        assert_eq!(n, data.len());
        assert!(back == data, "echoed bytes differ");
    });
}

#[test]
fn a_thousand_concurrent_connections() {
    let needed = 2 * 1000 + 64;
    if let Some(limit) = soft_fd_limit() {
        if limit < needed {
            eprintln!("skipped: the fd limit {limit} is below {needed}; raise `ulimit -n`");
            return;
        }
    }
    evloop::block_on(async {
        let addr = echo_server().await;
        let clients: Vec<_> = (0..1000u32)
            .map(|i| {
                evloop::spawn(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    let msg = i.to_be_bytes();
                    stream.write_all(&msg).await.unwrap();
                    let mut back = [0; 4];
                    stream.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, msg);
                    // Hold every connection open until all have echoed.
                    stream
                })
            })
            .collect();
        let mut open = Vec::new();
        for client in clients {
            open.push(client.await.unwrap());
        }
        assert_eq!(open.len(), 1000);
    });
}

fn soft_fd_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[test]
fn connect_refused_is_an_error_not_a_hang() {
    evloop::block_on(async {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let attempt = timeout(
            Duration::from_secs(10),
            TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        .expect("a refused connect must fail fast");
        assert_eq!(attempt.unwrap_err().kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn a_connect_nobody_answers_times_out() {
    // A loopback listener that never accepts, its backlog full: the kernel
    // drops further handshakes, so a connect waits for an answer that does
    // not come, as it would for a host that is down. (Only loopback: tests
    // never send a packet off this machine.)
    evloop::block_on(async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(1).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut queued = Vec::new();
        let mut timed_out = 0;
        for _ in 0..16 {
            let started = Instant::now();
            match timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
                Ok(stream) => queued.push(stream.unwrap()),
                Err(_) => {
                    let took = started.elapsed();
                    assert!(took >= Duration::from_millis(200), "early: {took:?}");
                    assert!(took < Duration::from_secs(5), "late: {took:?}");
                    timed_out += 1;
                    break;
                }
            }
        }
        assert_eq!(timed_out, 1, "{} connects went through", queued.len());
        assert!(queued.len() <= 8, "the backlog held {}", queued.len());
    });
}

#[test]
fn bad_addresses_are_errors() {
    evloop::block_on(async {
        let err = TcpStream::connect("no-port-here").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let err = TcpStream::connect("localhost:http").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        // A lookup that fails names what it looked up. The name holds a NUL
        // byte, which fails before any resolver is asked: a real name (even
        // `.invalid`) would send a DNS query off this machine.
        let err = lookup_host("bad\0name:80").await.unwrap_err();
        assert!(
            err.to_string().contains("DNS lookup of bad\0name:80"),
            "{err}"
        );
    });
}

#[test]
fn lookup_host_resolves_localhost_off_the_loop() {
    evloop::block_on(async {
        let addrs: Vec<_> = lookup_host("localhost:8080").await.unwrap().collect();
        assert!(!addrs.is_empty());
        assert!(addrs
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 8080));
    });
}

#[test]
fn half_close_lets_the_other_side_answer() {
    evloop::block_on(async {
        let (listener, addr) = listener().await;
        let server = evloop::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            stream.read_to_end(&mut request).await.unwrap();
            // Our write side is still open after the peer's shutdown.
            stream.write_all(&request.repeat(2)).await.unwrap();
        });
        let client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"abc").await.unwrap();
        client.shutdown().await.unwrap();
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, b"abcabc");
        server.await.unwrap();
    });
}

#[test]
fn readiness_is_not_lost_by_partial_reads() {
    evloop::block_on(async {
        let (client, server) = connected_pair().await;
        client.write_all(b"0123456789").await.unwrap();
        // Read in 3-byte pieces: the reactor must keep the readiness until
        // a read comes back short or says WouldBlock.
        let mut got = Vec::new();
        while got.len() < 10 {
            let mut buf = [0; 3];
            let n = server.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            evloop::task::yield_now().await;
        }
        assert_eq!(got, b"0123456789");
        // Drained: the next read waits for new data, which wakes it.
        let reader = evloop::spawn(async move {
            let mut buf = [0; 8];
            let n = server.read(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        evloop::task::yield_now().await;
        assert!(!reader.is_finished());
        client.write_all(b"late").await.unwrap();
        assert_eq!(reader.await.unwrap(), b"late");
    });
}

#[test]
fn peek_leaves_the_data() {
    evloop::block_on(async {
        let (listener, addr) = listener().await;
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
        client.write_all(b"peek").await.unwrap();
        let mut buf = [0; 4];
        let n = server.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], &b"peek"[..n]);
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"peek");
    });
}

#[test]
fn read_exact_reports_early_eof() {
    evloop::block_on(async {
        let (client, server) = connected_pair().await;
        client.write_all(b"ab").await.unwrap();
        drop(client);
        let mut buf = [0; 4];
        let err = server.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    });
}

#[test]
fn two_tasks_read_and_write_one_stream() {
    evloop::block_on(async {
        let addr = echo_server().await;
        let stream = Rc::new(TcpStream::connect(addr).await.unwrap());
        let reader = evloop::spawn({
            let stream = stream.clone();
            async move {
                let mut buf = [0; 300];
                stream.read_exact(&mut buf).await.unwrap();
                buf.iter().map(|&b| b as u32).sum::<u32>()
            }
        });
        for _ in 0..3 {
            stream.write_all(&[1; 100]).await.unwrap();
            evloop::task::yield_now().await;
        }
        assert_eq!(reader.await.unwrap(), 300);
    });
}

#[test]
fn owned_halves_move_into_tasks_and_reunite() {
    use futures_io_helpers::{read_some, write_all};

    evloop::block_on(async {
        let addr = echo_server().await;
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut read, mut write) = stream.into_split();
        let writer = evloop::spawn(async move {
            write_all(&mut write, b"halves").await;
            write
        });
        let mut buf = [0; 6];
        let mut got = 0;
        while got < 6 {
            got += read_some(&mut read, &mut buf[got..]).await;
        }
        assert_eq!(&buf, b"halves");
        let write = writer.await.unwrap();
        let stream = read.reunite(write).expect("same stream");
        stream.write_all(b"!").await.unwrap();
        let mut one = [0];
        stream.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"!");

        // Halves of different streams do not reunite.
        let (a_read, _a_write) = TcpStream::connect(addr).await.unwrap().into_split();
        let (_b_read, b_write) = TcpStream::connect(addr).await.unwrap().into_split();
        assert!(a_read.reunite(b_write).is_err());
    });
}

#[test]
fn dropping_the_owned_write_half_shuts_down() {
    evloop::block_on(async {
        let (client, server) = connected_pair().await;
        let (_read, write) = client.into_split();
        drop(write);
        let mut rest = Vec::new();
        assert_eq!(server.read_to_end(&mut rest).await.unwrap(), 0);
    });
}

/// Minimal futures-io drivers, so the test needs no futures-util.
mod futures_io_helpers {
    use std::pin::Pin;

    use futures_io::{AsyncRead, AsyncWrite};

    pub async fn read_some<R: AsyncRead + Unpin>(r: &mut R, buf: &mut [u8]) -> usize {
        std::future::poll_fn(|cx| Pin::new(&mut *r).poll_read(cx, buf))
            .await
            .unwrap()
    }

    pub async fn write_all<W: AsyncWrite + Unpin>(w: &mut W, mut buf: &[u8]) {
        while !buf.is_empty() {
            let n = std::future::poll_fn(|cx| Pin::new(&mut *w).poll_write(cx, buf))
                .await
                .unwrap();
            buf = &buf[n..];
        }
    }
}

#[test]
fn futures_io_traits_work_on_stream_and_reference() {
    use futures_io_helpers::{read_some, write_all};

    evloop::block_on(async {
        let addr = echo_server().await;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        write_all(&mut stream, b"via trait").await;
        let mut by_ref = &stream;
        let mut buf = [0; 9];
        let mut got = 0;
        while got < 9 {
            got += read_some(&mut by_ref, &mut buf[got..]).await;
        }
        assert_eq!(&buf, b"via trait");
    });
}

#[test]
fn options_and_std_conversions() {
    evloop::block_on(async {
        let (listener, addr) = listener().await;
        let client = TcpStream::connect(addr).await.unwrap();
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_keepalive(true).unwrap();
        assert!(client.keepalive().unwrap());
        client.set_ttl(42).unwrap();
        assert_eq!(client.ttl().unwrap(), 42);
        let (server, _) = listener.accept().await.unwrap();

        // Out to std and back in: the connection survives.
        let std_client = client.into_std().unwrap();
        let client = TcpStream::from_std(std_client).unwrap();
        client.write_all(b"x").await.unwrap();
        let mut buf = [0];
        server.read_exact(&mut buf).await.unwrap();

        let std_listener = listener.into_std().unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        assert_eq!(listener.local_addr().unwrap(), addr);
    });
}

#[test]
fn incoming_is_a_stream_of_connections() {
    use futures_core::Stream;
    use std::pin::Pin;

    evloop::block_on(async {
        let (listener, addr) = listener().await;
        let _a = TcpStream::connect(addr).await.unwrap();
        let _b = TcpStream::connect(addr).await.unwrap();
        let mut incoming = listener.incoming();
        for _ in 0..2 {
            let next = std::future::poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
            assert!(next.unwrap().is_ok());
        }
    });
}

#[test]
fn tcp_socket_sets_options_before_listen_and_connect() {
    evloop::block_on(async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.set_reuseport(true).unwrap();
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        socket.set_send_buffer_size(64 * 1024).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(16).unwrap();
        let addr = listener.local_addr().unwrap();

        let outgoing = TcpSocket::new_v4().unwrap();
        outgoing.set_nodelay(true).unwrap();
        let stream = outgoing.connect(addr).await.unwrap();
        assert!(stream.nodelay().unwrap());
        let (_server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, stream.local_addr().unwrap());
    });
}

#[test]
fn udp_round_trip_connected_and_not() {
    evloop::block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());

        a.send_to(b"ping", b_addr).await.unwrap();
        let mut buf = [0; 16];
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], a_addr));
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], a_addr));

        b.connect(a_addr).await.unwrap();
        assert_eq!(b.peer_addr().unwrap(), a_addr);
        b.send(b"pong").await.unwrap();
        let (n, _) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"pong");

        a.set_broadcast(true).unwrap();
        assert!(a.broadcast().unwrap());

        // A receive waits (without blocking the loop) until a datagram comes.
        let waiter = evloop::spawn(async move {
            let mut buf = [0; 8];
            let n = b.recv(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        evloop::task::yield_now().await;
        assert!(!waiter.is_finished());
        a.send_to(b"late", b_addr).await.unwrap();
        assert_eq!(waiter.await.unwrap(), b"late");
    });
}

#[cfg(unix)]
#[test]
fn unix_stream_listener_and_datagram() {
    use evloop::net::unix::{UnixDatagram, UnixListener, UnixStream};

    let dir = std::env::temp_dir().join(format!("evloop-net-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stream_path = dir.join("s.sock");
    let (dgram_a, dgram_b) = (dir.join("a.sock"), dir.join("b.sock"));
    evloop::block_on(async {
        let listener = UnixListener::bind(&stream_path).unwrap();
        let server = evloop::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            stream.read_to_end(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        });
        let client = UnixStream::connect(&stream_path).await.unwrap();
        client.write_all(b"over a path").await.unwrap();
        client.shutdown().await.unwrap();
        let mut back = Vec::new();
        client.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, b"over a path");
        server.await.unwrap();

        let a = UnixDatagram::bind(&dgram_a).unwrap();
        let b = UnixDatagram::bind(&dgram_b).unwrap();
        a.send_to(b"dgram", &dgram_b).await.unwrap();
        let mut buf = [0; 16];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"dgram");
        assert_eq!(from.as_pathname(), Some(dgram_a.as_path()));

        let (x, y) = UnixStream::pair().unwrap();
        x.write_all(b"pair").await.unwrap();
        let mut buf = [0; 4];
        y.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pair");
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dropping_sockets_deregisters_them() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let (listener, addr) = listener().await;
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        drop((listener, client, server));
    });
    assert_eq!(rt.metrics().io_sources, 0);
    // Nothing is left registered: the next sockets reuse the slots, and
    // the runtime still works.
    rt.block_on(async {
        let addr = echo_server().await;
        let c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"again").await.unwrap();
        let mut b = [0; 5];
        c.read_exact(&mut b).await.unwrap();
    });
    let m: Metrics = rt.metrics();
    assert!(m.io_events > 0);
    // The echo server's listener and its connection's socket live on in
    // their pending tasks; nothing else.
    assert_eq!(m.io_sources, 2);
}

#[test]
fn auto_advance_does_not_skip_ready_io() {
    let rt = Runtime::builder().start_paused(true).build().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let (client, server) = connected_pair().await;
        // A long timer is pending while the I/O happens.
        let fired = Rc::new(Cell::new(false));
        evloop::spawn({
            let fired = fired.clone();
            async move {
                sleep(Duration::from_secs(3600)).await;
                fired.set(true);
            }
        });
        client.write_all(b"now").await.unwrap();
        let mut buf = [0; 3];
        server.read_exact(&mut buf).await.unwrap();
        assert!(!fired.get(), "the clock jumped past ready I/O");
        assert!(start.elapsed() < Duration::from_secs(3600));
    });
}

#[test]
fn sockets_outside_a_runtime_panic_or_fail_clearly() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = TcpListener::from_std(std_listener).unwrap_err();
    assert!(err.to_string().contains("no evloop runtime"), "{err}");
}

#[test]
fn small_reads_keep_order_through_the_read_ahead_buffer() {
    evloop::block_on(async {
        let (client, server) = connected_pair().await;
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 253) as u8).collect();
        let writer = evloop::spawn({
            let data = data.clone();
            async move {
                client.write_all(&data).await.unwrap();
                client
            }
        });
        // Mix tiny reads (served from read-ahead), a peek, and big reads
        // (straight from the socket): the bytes must come in order.
        let mut got = Vec::new();
        let mut step = 0;
        while got.len() < data.len() {
            let size = [1, 7, 100, 5000][step % 4];
            step += 1;
            if step % 5 == 0 {
                let mut peeked = [0; 3];
                let n = server.peek(&mut peeked).await.unwrap();
                assert_eq!(&peeked[..n], &data[got.len()..got.len() + n]);
            }
            let mut buf = vec![0; size.min(data.len() - got.len())];
            let n = server.read(&mut buf).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got == data, "bytes reordered or lost");
        drop(writer.await.unwrap());
    });
}

#[test]
fn into_std_refuses_to_lose_read_ahead_bytes() {
    evloop::block_on(async {
        let (client, server) = connected_pair().await;
        client.write_all(b"abcdef").await.unwrap();
        let mut two = [0; 2];
        server.read_exact(&mut two).await.unwrap();
        // "cdef" sits in the read-ahead buffer now.
        let err = server
            .into_std()
            .expect_err("into_std dropped read-ahead bytes");
        assert!(err.to_string().contains("4 bytes"), "{err}");
    });
}

#[test]
fn readable_then_try_read_sees_read_ahead_bytes() {
    evloop::block_on(async {
        let (client, server) = connected_pair().await;
        client.write_all(b"abcdef").await.unwrap();
        let mut two = [0; 2];
        server.read_exact(&mut two).await.unwrap();
        // The kernel queue is empty now; "cdef" waits in the read-ahead
        // buffer, and the readiness-then-try_read pattern must still see it.
        timeout(Duration::from_secs(5), server.readable())
            .await
            .expect("readable() hung with bytes read ahead")
            .unwrap();
        let mut rest = [0; 8];
        assert_eq!(server.try_read(&mut rest).unwrap(), 4);
        assert_eq!(&rest[..4], b"cdef");
        assert_eq!(
            server.try_read(&mut rest).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
    });
}

#[test]
fn a_task_whose_socket_is_always_ready_still_lets_timers_fire() {
    // A watchdog: without the I/O budget this test would spin forever.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            for _ in 0..600 {
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            eprintln!("the loop was starved by an always-ready socket");
            std::process::abort();
        })
    };
    evloop::block_on(async {
        let (client, server) = connected_pair().await;
        drop(server);
        // End of stream is always ready: this loop never meets `Pending`
        // from the socket itself.
        let spin = async {
            let mut buf = [0; 16];
            let mut reads = 0u64;
            loop {
                assert_eq!(client.read(&mut buf).await.unwrap(), 0);
                reads += 1;
                if reads == u64::MAX {
                    break;
                }
            }
        };
        let ticked = Rc::new(Cell::new(false));
        evloop::spawn({
            let ticked = ticked.clone();
            async move {
                sleep(Duration::from_millis(5)).await;
                ticked.set(true);
            }
        });
        assert!(timeout(Duration::from_millis(50), spin).await.is_err());
        assert!(ticked.get(), "another task's timer did not get a turn");
    });
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    watchdog.join().unwrap();
}

/// Writes `len` bytes as `len` one-byte slices through
/// `poll_write_vectored`, as many calls as it takes; returns the bytes sent.
async fn write_one_byte_slices<W: futures_io::AsyncWrite + Unpin>(
    writer: &mut W,
    len: usize,
) -> usize {
    let data = vec![7u8; len];
    let mut sent = 0;
    while sent < len {
        let slices: Vec<std::io::IoSlice<'_>> =
            data[sent..].chunks(1).map(std::io::IoSlice::new).collect();
        let n = std::future::poll_fn(|cx| {
            std::pin::Pin::new(&mut *writer).poll_write_vectored(cx, &slices)
        })
        .await
        .unwrap();
        assert!(n > 0, "a vectored write took nothing");
        sent += n;
    }
    sent
}

/// Reads until `len` bytes came; returns them.
async fn read_exactly<R: futures_io::AsyncRead + Unpin>(reader: &mut R, len: usize) -> usize {
    let mut got = 0;
    let mut buf = vec![0; 4096];
    while got < len {
        let n = std::future::poll_fn(|cx| std::pin::Pin::new(&mut *reader).poll_read(cx, &mut buf))
            .await
            .unwrap();
        assert!(n > 0, "EOF after {got} bytes");
        got += n;
    }
    got
}

#[test]
fn a_vectored_write_of_more_slices_than_iov_max_writes_them_all() {
    // writev takes at most 1,024 buffers (IOV_MAX): 2,000 one-byte slices
    // come back short at 1,024 with the send buffer far from full. Taking
    // that as "full" cleared the write readiness, and the next write waited
    // for an edge that never came.
    const LEN: usize = 2_000;
    let report = util::bounded(Duration::from_secs(10), || {
        evloop::block_on(async {
            let (mut client, mut server) = connected_pair().await;
            let tcp = write_one_byte_slices(&mut client, LEN).await;
            assert_eq!(read_exactly(&mut server, LEN).await, LEN);

            let (mut a, mut b) = evloop::net::unix::UnixStream::pair().unwrap();
            let unix = write_one_byte_slices(&mut a, LEN).await;
            assert_eq!(read_exactly(&mut b, LEN).await, LEN);

            let (client, mut server) = connected_pair().await;
            let (_read, mut write) = client.into_split();
            let half = write_one_byte_slices(&mut write, LEN).await;
            assert_eq!(read_exactly(&mut server, LEN).await, LEN);
            (tcp, unix, half)
        })
    });
    assert_eq!(report.value, (LEN, LEN, LEN));
}

#[cfg(unix)]
#[test]
fn a_unix_listener_bound_outside_a_runtime_panics_before_making_its_file() {
    let dir = std::env::temp_dir().join(format!("evloop-bind-outside-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sock");
    let panicked = std::panic::catch_unwind(|| evloop::net::unix::UnixListener::bind(&path));
    let message = util::panic_message(panicked.unwrap_err());
    assert!(
        message.contains("outside of an evloop runtime"),
        "{message}"
    );
    assert!(!path.exists(), "the socket file was left behind");
    let datagram = std::panic::catch_unwind(|| evloop::net::unix::UnixDatagram::bind(&path));
    assert!(datagram.is_err());
    assert!(!path.exists(), "the datagram socket's file was left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `AsFd` / `AsRawFd`: each socket type lends the descriptor of its own
/// socket (asked through socket2, which sees only the fd); and `Debug`.
mod fds {
    use std::os::fd::{AsFd, AsRawFd};

    use evloop::net::unix::{UnixDatagram, UnixListener, UnixStream};
    use evloop::net::{TcpListener, TcpSocket, TcpStream, UdpSocket};
    use socket2::SockRef;

    /// The local address socket2 reads from `fd`'s descriptor, as an IP address.
    fn ip_addr_of(fd: &impl AsFd) -> std::net::SocketAddr {
        SockRef::from(fd).local_addr().unwrap().as_socket().unwrap()
    }

    /// Checks that `AsRawFd` and `AsFd` agree.
    fn same_fd(fd: &(impl AsFd + AsRawFd)) -> i32 {
        assert_eq!(fd.as_fd().as_raw_fd(), fd.as_raw_fd());
        fd.as_raw_fd()
    }

    #[test]
    fn tcp_listener_lends_its_fd() {
        evloop::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            same_fd(&listener);
            assert_eq!(ip_addr_of(&listener), listener.local_addr().unwrap());
        });
    }

    #[test]
    fn tcp_stream_and_its_owned_halves_lend_its_fd() {
        evloop::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let stream = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let raw = same_fd(&stream);
            assert_eq!(ip_addr_of(&stream), stream.local_addr().unwrap());
            let (read, write) = stream.into_split();
            assert_eq!((same_fd(&read), same_fd(&write)), (raw, raw));
        });
    }

    #[test]
    fn tcp_socket_lends_its_fd() {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        same_fd(&socket);
        assert_eq!(ip_addr_of(&socket), socket.local_addr().unwrap());
    }

    #[test]
    fn udp_socket_lends_its_fd() {
        evloop::block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            same_fd(&socket);
            assert_eq!(ip_addr_of(&socket), socket.local_addr().unwrap());
        });
    }

    #[test]
    fn unix_stream_and_its_owned_halves_lend_its_fd() {
        evloop::block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let raw = same_fd(&a);
            assert_ne!(raw, same_fd(&b));
            // The fd is a's: a write through it arrives at b.
            let std_a =
                std::os::unix::net::UnixStream::from(a.as_fd().try_clone_to_owned().unwrap());
            std::io::Write::write_all(&mut &std_a, b"via the fd").unwrap();
            let mut buf = [0; 10];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"via the fd");
            let (read, write) = a.into_split();
            assert_eq!((same_fd(&read), same_fd(&write)), (raw, raw));
        });
    }

    #[test]
    fn unix_listener_and_datagram_lend_their_fds() {
        let dir = std::env::temp_dir().join(format!("evloop-fds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("listener.sock");
        evloop::block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            same_fd(&listener);
            let named = SockRef::from(&listener).local_addr().unwrap();
            assert_eq!(named.as_pathname(), Some(path.as_path()));
            let (a, b) = UnixDatagram::pair().unwrap();
            assert_ne!(same_fd(&a), same_fd(&b));
            // The fd is a's: a datagram sent through it arrives at b.
            let owned = a.as_fd().try_clone_to_owned().unwrap();
            std::os::unix::net::UnixDatagram::from(owned)
                .send(b"dgram")
                .unwrap();
            let mut buf = [0; 8];
            assert_eq!(b.recv(&mut buf).await.unwrap(), 5);
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn debug_names_the_type_and_its_addresses() {
        evloop::block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let stream = TcpStream::connect(addr).await.unwrap();
            let local = stream.local_addr().unwrap();
            assert_eq!(
                format!("{stream:?}"),
                format!("TcpStream {{ local_addr: Some({local:?}), peer_addr: Some({addr:?}) }}")
            );
            assert_eq!(
                format!("{listener:?}"),
                format!("TcpListener {{ local_addr: Some({addr:?}) }}")
            );
            let (a, _b) = UnixStream::pair().unwrap();
            assert!(format!("{a:?}").starts_with("UnixStream { local_addr: Some("));
        });
    }
}
