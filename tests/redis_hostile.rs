//! `evloop::redis` against servers that misbehave on purpose: each answer
//! is scripted bytes from a loopback listener (no redis-server needed).
//! Every case must end in a clear error, in bounded time, without a panic
//! and without allocating what the server claims.
#![cfg(feature = "redis")]

mod util;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use evloop::redis::{cmd, AsyncCommands, AsyncConnectionConfig, Client, ErrorKind, RedisError};
use util::bounded;

/// What the scripted server does after its answer.
#[derive(Clone, Copy)]
enum Then {
    /// Closes the connection.
    Close,
    /// Keeps it open, silent, until the client goes.
    Hang,
    /// Keeps sending `bytes` until the client goes (or 64 MiB went).
    Stream(&'static [u8]),
}

/// A server that answers the first request on each connection with
/// `answer`, then does `then`. Returns its URL.
fn scripted(answer: &'static [u8], then: Then) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0u8; 1024];
                if stream.read(&mut request).unwrap_or(0) == 0 {
                    return;
                }
                let _ = stream.write_all(answer);
                match then {
                    Then::Close => {}
                    Then::Hang => {
                        // Until the client closes (read returns 0 or fails).
                        let mut sink = [0u8; 1024];
                        while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                    }
                    Then::Stream(bytes) => {
                        let mut sent = 0;
                        while sent < 64 << 20 && stream.write_all(bytes).is_ok() {
                            sent += bytes.len();
                        }
                    }
                }
            });
        }
    });
    format!("redis://{addr}/")
}

/// Sends one GET to a scripted server with `config`, and returns the error
/// plus what a second request on the same connection got.
fn one_get(url: String, config: AsyncConnectionConfig) -> (RedisError, RedisError) {
    bounded(Duration::from_secs(20), move || {
        evloop::block_on(async move {
            let client = Client::open(url).unwrap();
            let mut con = client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .unwrap();
            let first = con.get::<_, Option<String>>("k").await.unwrap_err();
            let second = con.get::<_, Option<String>>("k").await.unwrap_err();
            (first, second)
        })
    })
    .value
}

fn default_config() -> AsyncConnectionConfig {
    AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_millis(400)))
}

#[test]
fn garbage_is_a_parse_error_and_breaks_the_connection() {
    for garbage in [
        &b"hello world\r\n"[..],
        b"\x00\x01\x02\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n",
    ] {
        let (first, second) = one_get(scripted(garbage, Then::Hang), default_config());
        assert_eq!(first.kind(), ErrorKind::ParseError, "{first}");
        assert!(first.to_string().contains("invalid reply"), "{first}");
        // The stream is out of step: the connection is done, and says so.
        assert_eq!(second.kind(), ErrorKind::ParseError, "{second}");
    }
}

#[test]
fn bad_lengths_are_errors_at_once() {
    for bad in [
        &b"$-5\r\n"[..],
        b"$abc\r\n",
        b"$99999999999999999999999\r\n",
        b"*-7\r\n",
        b":12x\r\n",
        b"$3\r\nabcdef\r\n",
    ] {
        let (first, _) = one_get(scripted(bad, Then::Hang), default_config());
        assert_eq!(
            first.kind(),
            ErrorKind::ParseError,
            "{:?}: {first}",
            String::from_utf8_lossy(bad)
        );
        assert!(!first.is_timeout(), "{first}");
    }
}

#[test]
fn a_huge_claimed_size_allocates_nothing_and_is_refused() {
    // 4 GiB claimed, with a 1 MiB limit: refused on the header, before a
    // byte of it is read or reserved.
    let config = default_config().set_max_reply_size(1 << 20);
    let (first, _) = one_get(scripted(b"$4294967296\r\n", Then::Hang), config.clone());
    assert_eq!(first.kind(), ErrorKind::ParseError);
    assert!(first.to_string().contains("limit"), "{first}");
    // A huge count is only a number: elements are charged as they come,
    // so a server that streams them hits the limit, not our memory.
    let (first, _) = one_get(
        scripted(
            b"*2147483647\r\n",
            Then::Stream(b":1\r\n:2\r\n:3\r\n:4\r\n"),
        ),
        config,
    );
    assert_eq!(first.kind(), ErrorKind::ParseError);
    assert!(first.to_string().contains("limit"), "{first}");
}

#[test]
fn a_huge_count_that_never_comes_is_a_timeout() {
    // Over the limit, a count is refused at once (as a bulk length is).
    let (first, _) = one_get(scripted(b"*2147483647\r\n", Then::Hang), default_config());
    assert_eq!(first.kind(), ErrorKind::ParseError, "{first}");
    // Under it, the elements that do not come are waited for, within the
    // response timeout.
    let (first, second) = one_get(
        scripted(b"*1000000\r\n:1\r\n", Then::Hang),
        default_config(),
    );
    assert!(first.is_timeout(), "{first}");
    // The connection is still waiting for the rest of that reply: the next
    // request times out too (it is not answered by a part of the old one).
    assert!(second.is_timeout(), "{second}");
}

#[test]
fn deep_nesting_is_refused() {
    let deep: &'static [u8] = "*1\r\n".repeat(10_000).leak().as_bytes();
    let (first, _) = one_get(scripted(deep, Then::Hang), default_config());
    assert_eq!(first.kind(), ErrorKind::ParseError);
    assert!(first.to_string().contains("nested deeper"), "{first}");
}

#[test]
fn a_server_that_stops_mid_reply() {
    // ... and closes: the connection is dropped.
    let (first, second) = one_get(scripted(b"$10\r\nabc", Then::Close), default_config());
    assert!(first.is_connection_dropped(), "{first}");
    assert!(
        first.to_string().contains("in the middle of a reply"),
        "{first}"
    );
    assert!(second.is_connection_dropped(), "{second}");
    // ... and stays silent: the response timeout.
    let (first, _) = one_get(
        scripted(b"*3\r\n:1\r\n$5\r\nab", Then::Hang),
        default_config(),
    );
    assert!(first.is_timeout(), "{first}");
}

#[test]
fn a_reply_nobody_asked_for_breaks_the_connection() {
    // Two replies for one request: the second has no request to go to.
    let url = scripted(b"$1\r\na\r\n+EXTRA\r\n", Then::Hang);
    let report = bounded(Duration::from_secs(20), move || {
        evloop::block_on(async move {
            let client = Client::open(url).unwrap();
            let mut con = client.get_multiplexed_async_connection().await.unwrap();
            let first: String = con.get("k").await.unwrap();
            // Let the driver read the stray reply.
            evloop::time::sleep(Duration::from_millis(50)).await;
            let second = cmd("PING")
                .query_async::<String>(&mut con)
                .await
                .unwrap_err();
            (first, second)
        })
    });
    let (first, second) = report.value;
    assert_eq!(first, "a");
    assert_eq!(second.kind(), ErrorKind::ParseError, "{second}");
    assert!(second.to_string().contains("nobody asked for"), "{second}");
}

#[test]
fn nothing_listening_is_refused_and_a_silent_listener_times_out_the_connect() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let report = bounded(Duration::from_secs(20), move || {
        evloop::block_on(async move {
            let refused = Client::open(format!("redis://127.0.0.1:{port}/"))
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap_err();
            // A listener that accepts but never answers the handshake.
            let silent = scripted(b"", Then::Hang);
            let config = default_config();
            let handshake = Client::open(format!("{silent}5"))
                .unwrap()
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .unwrap_err();
            (refused, handshake)
        })
    });
    let (refused, handshake) = report.value;
    assert!(
        refused.is_connection_refusal() && refused.is_io_error(),
        "{refused}"
    );
    assert!(handshake.is_timeout(), "{handshake}");
}
