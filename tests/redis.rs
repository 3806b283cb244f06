//! `evloop::redis` against a real redis-server (tests/util/redis_server.rs
//! starts a private one on a loopback port; without redis-server these
//! tests print a skip line and pass, unless EVLOOP_REQUIRE_REDIS=1).
#![cfg(feature = "redis")]

mod util;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use evloop::redis::{
    cmd, pipe, AsyncCommands, AsyncConnectionConfig, Client, Direction, ErrorKind, Msg,
    RedisResult, StreamMaxlen, Value,
};
use futures_core::Stream;
use util::bounded;
use util::redis_server::{self, unique_key};

/// Runs `f` against the shared server under a watchdog.
fn with_server<F, Fut>(f: F)
where
    F: FnOnce(String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = RedisResult<()>>,
{
    let Some(server) = redis_server::shared() else {
        return;
    };
    let url = server.url();
    bounded(Duration::from_secs(30), move || evloop::block_on(f(url)))
        .value
        .unwrap();
}

async fn next_message(messages: &mut std::pin::Pin<&mut impl Stream<Item = Msg>>) -> Option<Msg> {
    std::future::poll_fn(|cx| messages.as_mut().poll_next(cx)).await
}

#[test]
fn strings_keys_and_counters() {
    with_server(|url| async move {
        let mut con = Client::open(url)?
            .get_multiplexed_async_connection()
            .await?;
        let (k, n) = (unique_key("s"), unique_key("n"));
        con.set::<_, _, ()>(&k, "v1").await?;
        assert_eq!(con.get::<_, String>(&k).await?, "v1");
        assert_eq!(
            con.get::<_, Option<String>>(unique_key("missing")).await?,
            None
        );
        let bytes: Vec<u8> = con.get(&k).await?;
        assert_eq!(bytes, b"v1");
        assert_eq!(con.incr::<_, _, i64>(&n, 5).await?, 5);
        assert_eq!(con.decr::<_, _, i64>(&n, 2).await?, 3);
        assert!(con.exists::<_, bool>(&k).await?);
        assert!(con.expire::<_, bool>(&k, 100).await?);
        let ttl: i64 = con.ttl(&k).await?;
        assert!((1..=100).contains(&ttl), "{ttl}");
        assert!(con.persist::<_, bool>(&k).await?);
        assert_eq!(con.ttl::<_, i64>(&k).await?, -1);
        con.set_ex::<_, _, ()>(&k, 42, 60).await?;
        assert_eq!(con.get::<_, i64>(&k).await?, 42);
        assert!(!con.set_nx::<_, _, bool>(&k, 1).await?);
        let (a, b) = (unique_key("a"), unique_key("b"));
        con.mset::<_, _, ()>(&[(&a, "1"), (&b, "2")]).await?;
        let both: Vec<i32> = con.mget(&[&a, &b]).await?;
        assert_eq!(both, [1, 2]);
        // Two keys to `get` become MGET, as redis-rs does.
        let both: (i32, Option<i32>) = con.get(&[&a, &unique_key("none")]).await?;
        assert_eq!(both, (1, None));
        assert_eq!(con.del::<_, i32>(&[&a, &b, &k]).await?, 3);
        // Binary-safe: a value holding CR/LF and a whole command is one value.
        let evil = b"x\r\n*1\r\n$8\r\nFLUSHALL\r\n".to_vec();
        con.set::<_, _, ()>(&k, &evil).await?;
        assert_eq!(con.get::<_, Vec<u8>>(&k).await?, evil);
        assert!(con.exists::<_, bool>(&n).await?, "no second command ran");
        let renamed = unique_key("renamed");
        con.rename::<_, _, ()>(&k, &renamed).await?;
        let keys: Vec<String> = con.keys(&renamed).await?;
        assert_eq!(keys, std::slice::from_ref(&renamed));
        assert!(con.pexpire::<_, bool>(&renamed, 50_000).await?);
        Ok(())
    });
}

#[test]
fn hashes_lists_sets_sorted_sets_and_streams() {
    with_server(|url| async move {
        let mut con = Client::open(url)?
            .get_multiplexed_async_connection()
            .await?;
        let h = unique_key("h");
        assert_eq!(con.hset::<_, _, _, i32>(&h, "f1", "a").await?, 1);
        con.hset_multiple::<_, _, _, ()>(&h, &[("f2", "b"), ("f3", "c")])
            .await?;
        assert!(!con.hset_nx::<_, _, _, bool>(&h, "f1", "z").await?);
        assert_eq!(con.hget::<_, _, String>(&h, "f2").await?, "b");
        let two: Vec<String> = con.hget(&h, &["f1", "f3"]).await?;
        assert_eq!(two, ["a", "c"]);
        let all: HashMap<String, String> = con.hgetall(&h).await?;
        assert_eq!(all.len(), 3);
        let sorted: BTreeMap<String, String> = con.hgetall(&h).await?;
        assert_eq!(sorted.keys().next().map(String::as_str), Some("f1"));
        assert_eq!(con.hincr::<_, _, _, i64>(&h, "count", 7).await?, 7);
        assert!(con.hexists::<_, _, bool>(&h, "count").await?);
        assert_eq!(con.hdel::<_, _, i32>(&h, "count").await?, 1);
        assert_eq!(con.hlen::<_, i32>(&h).await?, 3);
        let keys: HashSet<String> = con.hkeys(&h).await?;
        assert!(keys.contains("f3"));

        let l = unique_key("l");
        assert_eq!(con.rpush::<_, _, i32>(&l, &["b", "c", "b"]).await?, 3);
        assert_eq!(con.lpush::<_, _, i32>(&l, "a").await?, 4);
        assert_eq!(
            con.lrange::<_, Vec<String>>(&l, 0, -1).await?,
            ["a", "b", "c", "b"]
        );
        assert_eq!(con.lrem::<_, _, i32>(&l, 0, "b").await?, 2);
        assert_eq!(con.llen::<_, i32>(&l).await?, 2);
        assert_eq!(con.lindex::<_, String>(&l, -1).await?, "c");
        let other = unique_key("l2");
        let moved: String = con
            .lmove(&l, &other, Direction::Left, Direction::Right)
            .await?;
        assert_eq!(moved, "a");
        con.rpush::<_, _, ()>(&l, &["x", "y", "z"]).await?;
        con.ltrim::<_, ()>(&l, 0, 1).await?;
        assert_eq!(con.lpop::<_, String>(&l, None).await?, "c");
        assert_eq!(
            con.rpop::<_, Vec<String>>(&l, std::num::NonZeroUsize::new(5))
                .await?,
            ["x"]
        );

        let s = unique_key("set");
        assert_eq!(con.sadd::<_, _, i32>(&s, &["m1", "m2", "m1"]).await?, 2);
        assert!(con.sismember::<_, _, bool>(&s, "m2").await?);
        assert_eq!(con.srem::<_, _, i32>(&s, "m2").await?, 1);
        assert_eq!(con.scard::<_, i32>(&s).await?, 1);
        assert_eq!(
            con.smembers::<_, HashSet<String>>(&s).await?,
            HashSet::from(["m1".to_string()])
        );

        let z = unique_key("z");
        assert_eq!(con.zadd::<_, _, _, i32>(&z, "one", 1).await?, 1);
        con.zadd_multiple::<_, _, _, ()>(&z, &[(2.5, "two"), (3.0, "three")])
            .await?;
        assert_eq!(
            con.zrange::<_, Vec<String>>(&z, 0, -1).await?,
            ["one", "two", "three"]
        );
        let scored: Vec<(String, f64)> = con.zrange_withscores(&z, 0, 0).await?;
        assert_eq!(scored, [("one".to_string(), 1.0)]);
        assert_eq!(
            con.zrangebyscore::<_, _, _, Vec<String>>(&z, 2, "+inf")
                .await?,
            ["two", "three"]
        );
        assert_eq!(
            con.zrangebyscore_limit::<_, _, _, Vec<String>>(&z, "-inf", "+inf", 1, 1)
                .await?,
            ["two"]
        );
        assert_eq!(con.zscore::<_, _, f64>(&z, "two").await?, 2.5);
        assert_eq!(con.zrem::<_, _, i32>(&z, "one").await?, 1);
        assert_eq!(con.zrembyscore::<_, _, _, i32>(&z, "(2.5", 10).await?, 1);
        assert_eq!(con.zcard::<_, i32>(&z).await?, 1);

        let x = unique_key("x");
        let id: String = con.xadd(&x, "*", &[("type", "1"), ("worker", "w")]).await?;
        assert!(id.contains('-'), "{id}");
        for n in 0..20 {
            con.xadd_maxlen::<_, _, _, _, ()>(&x, StreamMaxlen::Equals(5), "*", &[("n", n)])
                .await?;
        }
        assert_eq!(con.xlen::<_, i32>(&x).await?, 5);
        let entries: Vec<(String, Vec<(String, i32)>)> = con.xrange_all(&x).await?;
        assert_eq!(entries.len(), 5);
        assert_eq!(entries[4].1, [("n".to_string(), 19)]);
        let last: Vec<(String, HashMap<String, String>)> = con.xrevrange(&x, "+", "-").await?;
        assert_eq!(last[0].1["n"], "19");
        let some: Vec<Value> = con.xrange(&x, "-", "+").await?;
        assert_eq!(some.len(), 5);
        Ok(())
    });
}

#[test]
fn wrong_types_and_bad_commands_are_server_errors_with_codes() {
    with_server(|url| async move {
        let mut con = Client::open(url)?
            .get_multiplexed_async_connection()
            .await?;
        let k = unique_key("wrongtype");
        con.rpush::<_, _, ()>(&k, "x").await?;
        let err = con.get::<_, String>(&k).await.unwrap_err();
        assert_eq!(
            (err.kind(), err.code()),
            (ErrorKind::ResponseError, Some("WRONGTYPE"))
        );
        assert!(err.detail().unwrap().contains("wrong kind"), "{err}");
        let err = cmd("NOSUCHCOMMAND")
            .query_async::<()>(&mut con)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("ERR"), "{err}");
        // A reply that does not convert is a type error, and the connection
        // goes on.
        let err = con.lrange::<_, i64>(&k, 0, -1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TypeError);
        assert_eq!(cmd("PING").query_async::<String>(&mut con).await?, "PONG");
        Ok(())
    });
}

#[test]
fn pipelines_and_transactions() {
    with_server(|url| async move {
        let mut con = Client::open(url)?
            .get_multiplexed_async_connection()
            .await?;
        let k = unique_key("p");
        let (set, got, n): ((), String, i64) = pipe()
            .cmd("SET")
            .arg(&k)
            .arg("v")
            .cmd("GET")
            .arg(&k)
            .cmd("STRLEN")
            .arg(&k)
            .query_async(&mut con)
            .await?;
        assert_eq!((set, got.as_str(), n), ((), "v", 1));
        let (only,): (String,) = pipe()
            .cmd("SET")
            .arg(&k)
            .arg("w")
            .ignore()
            .cmd("GET")
            .arg(&k)
            .query_async(&mut con)
            .await?;
        assert_eq!(only, "w");
        // A transaction runs as one, and its results are EXEC's.
        let c = unique_key("counter");
        let (a, b): (i64, i64) = pipe()
            .atomic()
            .cmd("INCR")
            .arg(&c)
            .cmd("INCR")
            .arg(&c)
            .cmd("EXPIRE")
            .arg(&c)
            .arg(60)
            .ignore()
            .query_async(&mut con)
            .await?;
        assert_eq!((a, b), (1, 2));
        // A command refused while queued aborts the whole transaction.
        let err = pipe()
            .atomic()
            .cmd("INCR")
            .arg(&c)
            .cmd("NOSUCHCOMMAND")
            .query_async::<()>(&mut con)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ExecAbortError, "{err}");
        assert_eq!(con.get::<_, i64>(&c).await?, 2, "nothing of it ran");
        // An error in a plain pipeline is the pipeline's error.
        let list = unique_key("list");
        con.rpush::<_, _, ()>(&list, 1).await?;
        let err = pipe()
            .cmd("GET")
            .arg(&list)
            .cmd("PING")
            .query_async::<((), String)>(&mut con)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("WRONGTYPE"));
        // WATCH on a dedicated connection, then a change from elsewhere:
        // EXEC returns nil, which converts to None.
        let client = Client::open(con_url(&con))?;
        let mut watcher = client.get_async_connection().await?;
        cmd("WATCH").arg(&c).query_async::<()>(&mut watcher).await?;
        con.incr::<_, _, ()>(&c, 1).await?;
        let aborted: Option<(i64,)> = pipe()
            .atomic()
            .cmd("INCR")
            .arg(&c)
            .query_async(&mut watcher)
            .await?;
        assert_eq!(aborted, None);
        // 10,000 commands in one pipeline.
        let mut big = pipe();
        for i in 0..10_000 {
            big.cmd("RPUSH").arg(&list).arg(i).ignore();
        }
        big.cmd("LLEN").arg(&list);
        let (len,): (usize,) = big.query_async(&mut con).await?;
        assert_eq!(len, 10_001);
        Ok(())
    });
}

/// The URL the shared server was opened with, for a second client.
fn con_url(_: &evloop::redis::MultiplexedConnection) -> String {
    redis_server::shared().expect("running").url()
}

#[test]
fn many_tasks_share_one_connection_and_their_commands_go_out_together() {
    with_server(|url| async move {
        let con = Client::open(url)?
            .get_multiplexed_async_connection()
            .await?;
        let key = unique_key("shared");
        let tasks: Vec<_> = (0..50)
            .map(|t| {
                let (mut con, key) = (con.clone(), key.clone());
                evloop::spawn(async move {
                    for i in 0..200 {
                        let field = format!("{t}:{i}");
                        con.hset::<_, _, _, ()>(&key, &field, i).await?;
                        let back: i32 = con.hget(&key, &field).await?;
                        assert_eq!(back, i, "a reply matched to the wrong request");
                    }
                    RedisResult::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap()?;
        }
        let mut con = con;
        assert_eq!(con.hlen::<_, usize>(&key).await?, 50 * 200);
        Ok(())
    });
    // The same from outside: 50 tasks' GETs take far fewer writes than 50.
    let Some(server) = redis_server::shared() else {
        return;
    };
    let url = server.url();
    let report = bounded(Duration::from_secs(30), move || {
        let rt = evloop::Runtime::new().unwrap();
        let rt = &rt;
        rt.block_on(async move {
            let con = Client::open(url)
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap();
            let before = rt.metrics().ticks;
            let tasks: Vec<_> = (0..50)
                .map(|_| {
                    let mut con = con.clone();
                    evloop::spawn(async move {
                        for _ in 0..100 {
                            let _: Option<String> = con.get("nothing-here").await.unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            rt.metrics().ticks - before
        })
    });
    // 5,000 GETs: one tick per round of 50, give or take; without
    // pipelining it would be at least one tick per GET.
    assert!(
        report.value < 1_000,
        "{} ticks for 5,000 GETs from 50 tasks",
        report.value
    );
}

#[test]
fn blocking_pops_time_out_and_are_answered() {
    with_server(|url| async move {
        let client = Client::open(url)?;
        let mut blocking = client.get_async_connection().await?;
        let mut con = client.get_multiplexed_async_connection().await?;
        let q = unique_key("queue");
        // Longer than the 500 ms response timeout: the pop's own 1 s counts.
        let started = evloop::time::Instant::now();
        let nothing: Option<(String, String)> = blocking.blpop(&q, 1.0).await?;
        assert_eq!(nothing, None);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(900), "{took:?}");
        // Answered while it waits.
        let pusher = {
            let (mut con, q) = (con.clone(), q.clone());
            evloop::spawn(async move {
                evloop::time::sleep(Duration::from_millis(100)).await;
                con.rpush::<_, _, ()>(&q, "job").await
            })
        };
        let got: (String, String) = blocking.blpop(&q, 5.0).await?;
        assert_eq!(got, (q.clone(), "job".into()));
        pusher.await.unwrap()?;
        // BLMOVE, RQ's way to take a job.
        let (src, dst) = (unique_key("src"), unique_key("dst"));
        con.rpush::<_, _, ()>(&src, "id1").await?;
        let id: Option<String> = blocking
            .blmove(&src, &dst, Direction::Left, Direction::Right, 1.0)
            .await?;
        assert_eq!(id.as_deref(), Some("id1"));
        let none: Option<String> = blocking
            .blmove(&src, &dst, Direction::Left, Direction::Right, 0.2)
            .await?;
        assert_eq!(none, None);
        // XREAD BLOCK in milliseconds.
        let stream = unique_key("stream");
        let read: Option<Value> = cmd("XREAD")
            .arg("BLOCK")
            .arg(700)
            .arg("STREAMS")
            .arg(&stream)
            .arg("$")
            .query_async(&mut blocking)
            .await?;
        assert_eq!(read, None);
        // A blocking pop on the multiplexed connection works too (it only
        // holds back what is queued behind it).
        let mut shared = con.clone();
        let r: Option<(String, String)> = shared.brpop(&q, 0.6).await?;
        assert_eq!(r, None);
        Ok(())
    });
}

#[test]
fn pubsub_with_several_channels_and_a_pattern() {
    with_server(|url| async move {
        let client = Client::open(url)?;
        let mut pubsub = client.get_async_pubsub().await?;
        let (a, b) = (unique_key("chan-a"), unique_key("chan-b"));
        let prefix = unique_key("pat");
        pubsub.subscribe(&[&a, &b]).await?;
        pubsub.psubscribe(format!("{prefix}.*")).await?;
        let mut con = client.get_multiplexed_async_connection().await?;
        assert_eq!(con.publish::<_, _, i32>(&a, "one").await?, 1);
        assert_eq!(con.publish::<_, _, i32>(&b, 2).await?, 1);
        assert_eq!(
            con.publish::<_, _, i32>(format!("{prefix}.x"), b"\x00bin".as_slice())
                .await?,
            1
        );
        assert_eq!(
            con.publish::<_, _, i32>(unique_key("nobody"), "lost")
                .await?,
            0
        );
        {
            let mut messages = std::pin::pin!(pubsub.on_message());
            let first = next_message(&mut messages).await.unwrap();
            assert_eq!(
                (
                    first.get_channel_name(),
                    first.get_payload::<String>()?.as_str()
                ),
                (a.as_str(), "one")
            );
            assert!(!first.from_pattern());
            let second = next_message(&mut messages).await.unwrap();
            assert_eq!(
                (
                    second.get_channel::<String>()?,
                    second.get_payload::<i32>()?
                ),
                (b.clone(), 2)
            );
            let third = next_message(&mut messages).await.unwrap();
            assert!(third.from_pattern());
            assert_eq!(third.get_pattern::<String>()?, format!("{prefix}.*"));
            assert_eq!(third.get_payload_bytes(), b"\x00bin");
        }
        pubsub.unsubscribe(&a).await?;
        pubsub.punsubscribe(format!("{prefix}.*")).await?;
        assert_eq!(con.publish::<_, _, i32>(&a, "gone").await?, 0);
        con.publish::<_, _, ()>(&b, "still").await?;
        let mut messages = std::pin::pin!(pubsub.into_on_message());
        let msg = next_message(&mut messages).await.unwrap();
        assert_eq!(msg.get_payload::<String>()?, "still");
        Ok(())
    });
}

#[test]
fn databases_unix_sockets_and_resp3() {
    let Some(server) = redis_server::Config::default().unix_socket().start() else {
        return;
    };
    let (url, db_url, unix) = (server.url(), server.url_db(3), server.unix_url().unwrap());
    bounded(Duration::from_secs(30), move || {
        evloop::block_on(async move {
            let mut zero = Client::open(url.as_str())?
                .get_multiplexed_async_connection()
                .await?;
            let mut three = Client::open(db_url)?
                .get_multiplexed_async_connection()
                .await?;
            use evloop::redis::ConnectionLike;
            assert_eq!(three.get_db(), 3);
            three.set::<_, _, ()>("where", "db3").await?;
            assert_eq!(zero.get::<_, Option<String>>("where").await?, None);
            let mut over_unix = Client::open(format!("{unix}?db=3"))?
                .get_multiplexed_async_connection()
                .await?;
            assert_eq!(over_unix.get::<_, String>("where").await?, "db3");
            let mut resp3 = Client::open(format!("{url}?protocol=resp3"))?
                .get_multiplexed_async_connection()
                .await?;
            resp3.hset::<_, _, _, ()>("h", "f", "v").await?;
            let raw: Value = cmd("HGETALL").arg("h").query_async(&mut resp3).await?;
            assert!(matches!(raw, Value::Map(_)), "RESP3 sends a map: {raw:?}");
            let map: HashMap<String, String> = resp3.hgetall("h").await?;
            assert_eq!(map["f"], "v");
            let mut pubsub3 = Client::open(format!("{url}?protocol=resp3"))?
                .get_async_pubsub()
                .await?;
            pubsub3.subscribe("c3").await?;
            zero.publish::<_, _, ()>("c3", "pushed").await?;
            let mut messages = std::pin::pin!(pubsub3.on_message());
            let msg = next_message(&mut messages).await.unwrap();
            assert_eq!(msg.get_payload::<String>()?, "pushed");
            RedisResult::Ok(())
        })
    })
    .value
    .unwrap();
}

#[test]
fn auth_failure_and_success() {
    let Some(server) = redis_server::RedisServer::start_with(&["--requirepass", "s3cret"]) else {
        return;
    };
    let port = server.port();
    bounded(Duration::from_secs(30), move || {
        evloop::block_on(async move {
            let wrong = Client::open(format!("redis://:nope@127.0.0.1:{port}/"))?;
            let err = wrong.get_multiplexed_async_connection().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AuthenticationFailed, "{err}");
            assert!(err.to_string().contains("AUTH"), "{err}");
            let none = Client::open(format!("redis://127.0.0.1:{port}/"))?;
            let mut con = none.get_multiplexed_async_connection().await?;
            let err = con.get::<_, Option<String>>("k").await.unwrap_err();
            assert_eq!(
                (err.kind(), err.code()),
                (ErrorKind::AuthenticationFailed, Some("NOAUTH"))
            );
            let right = Client::open(format!("redis://default:s3cret@127.0.0.1:{port}/"))?;
            let mut con = right.get_multiplexed_async_connection().await?;
            con.set::<_, _, ()>("k", "ok").await?;
            let resp3 = Client::open(format!("redis://:s3cret@127.0.0.1:{port}/?protocol=resp3"))?;
            let mut con = resp3.get_multiplexed_async_connection().await?;
            assert_eq!(con.get::<_, String>("k").await?, "ok");
            RedisResult::Ok(())
        })
    })
    .value
    .unwrap();
}

#[test]
fn a_server_that_never_answers_is_a_timeout() {
    let Some(server) = redis_server::start() else {
        return;
    };
    let report = bounded(Duration::from_secs(30), move || {
        evloop::block_on(async move {
            let config =
                AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_millis(300)));
            let client = Client::open(server.url())?;
            let mut con = client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            let mut dedicated = client.get_async_connection_with_config(&config).await?;
            con.set::<_, _, ()>("k", 1).await?;
            server.pause(); // SIGSTOP: the socket stays open, nothing answers
            let started = evloop::time::Instant::now();
            let err = con.get::<_, i32>("k").await.unwrap_err();
            assert!(err.is_timeout() && err.is_io_error(), "{err}");
            let took = started.elapsed();
            assert!(took >= Duration::from_millis(300), "{took:?}");
            let err = dedicated.get::<_, i32>("k").await.unwrap_err();
            assert!(err.is_timeout(), "{err}");
            // The handshake (here a SELECT) is held to the response timeout.
            let err = Client::open(server.url_db(1))?
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .unwrap_err();
            assert!(err.is_timeout(), "{err}");
            server.resume();
            // The late replies are dropped, and both connections go on.
            assert_eq!(con.get::<_, i32>("k").await?, 1);
            assert_eq!(dedicated.get::<_, i32>("k").await?, 1);
            con.set::<_, _, ()>("k", 2).await?;
            assert_eq!(dedicated.get::<_, i32>("k").await?, 2);
            RedisResult::Ok(())
        })
    });
    report.value.unwrap();
}

#[test]
fn a_server_killed_mid_pipeline_fails_every_waiting_request_then_fails_fast() {
    let Some(server) = redis_server::start() else {
        return;
    };
    let report = bounded(Duration::from_secs(30), move || {
        evloop::block_on(async move {
            let client = Client::open(server.url())?;
            let con = client.get_multiplexed_async_connection().await?;
            let mut dedicated = client.get_async_connection().await?;
            // Many tasks with requests in flight, one of them a big pipeline.
            let waiting: Vec<_> = (0..20)
                .map(|n| {
                    let mut con = con.clone();
                    evloop::spawn(async move {
                        if n == 0 {
                            let mut p = pipe();
                            for i in 0..50_000 {
                                p.cmd("SET").arg(i).arg(i).ignore();
                            }
                            p.query_async::<()>(&mut con).await
                        } else {
                            // Blocks on the server until the kill.
                            cmd("BLPOP")
                                .arg("never")
                                .arg(0)
                                .query_async::<()>(&mut con)
                                .await
                        }
                    })
                })
                .collect();
            evloop::time::sleep(Duration::from_millis(50)).await;
            server.kill();
            let started = evloop::time::Instant::now();
            for task in waiting {
                let err = task.await.unwrap().unwrap_err();
                assert!(err.is_connection_dropped() || err.is_io_error(), "{err}");
            }
            // Told at once, not at a timeout.
            assert!(started.elapsed() < Duration::from_millis(400));
            // The next request on the same connection fails fast too.
            let mut con = con;
            let err = con.get::<_, Option<String>>("k").await.unwrap_err();
            assert!(err.is_connection_dropped(), "{err}");
            let err = dedicated.get::<_, Option<String>>("k").await.unwrap_err();
            assert!(err.is_connection_dropped() || err.is_io_error(), "{err}");
            let err = dedicated.get::<_, Option<String>>("k").await.unwrap_err();
            assert!(err.is_connection_dropped(), "then fails fast: {err}");
            // A new connection to a dead server is refused, not hung.
            let err = client.get_multiplexed_async_connection().await.unwrap_err();
            assert!(err.is_connection_refusal(), "{err}");
            RedisResult::Ok(())
        })
    });
    report.value.unwrap();
}

#[test]
fn a_connection_from_another_runtime_says_so() {
    let Some(server) = redis_server::shared() else {
        return;
    };
    let url = server.url();
    bounded(Duration::from_secs(30), move || {
        let client = Client::open(url).unwrap();
        let first = evloop::Runtime::new().unwrap();
        let (mut con, mut dedicated) = first.block_on(async {
            (
                client.get_multiplexed_async_connection().await.unwrap(),
                client.get_async_connection().await.unwrap(),
            )
        });
        let second = evloop::Runtime::new().unwrap();
        let err = second
            .block_on(con.get::<_, Option<String>>("k"))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ClientError);
        assert!(err.to_string().contains("another evloop runtime"), "{err}");
        let err = second
            .block_on(dedicated.get::<_, Option<String>>("k"))
            .unwrap_err();
        assert!(err.to_string().contains("another evloop runtime"), "{err}");
        // Back home it works; and the Client works in any runtime.
        assert_eq!(
            first
                .block_on(con.get::<_, Option<String>>(unique_key("none")))
                .unwrap(),
            None
        );
        drop(first);
        let err = second
            .block_on(con.get::<_, Option<String>>("k"))
            .unwrap_err();
        assert!(
            err.is_connection_dropped() || err.kind() == ErrorKind::ClientError,
            "{err}"
        );
        second.block_on(async {
            let mut fresh = client.get_multiplexed_async_connection().await.unwrap();
            let _: Option<String> = fresh.get("k").await.unwrap();
        });
    });
}

#[test]
fn dropped_and_cancelled_requests_leave_the_connection_in_step() {
    with_server(|url| async move {
        let client = Client::open(url)?;
        let mut con = client.get_multiplexed_async_connection().await?;
        let mut dedicated = client.get_async_connection().await?;
        let k = unique_key("step");
        con.set::<_, _, ()>(&k, "value").await?;
        // A request polled once (sent) and then dropped: its reply arrives
        // later and must not be taken for the next request's.
        for connection in 0..2 {
            let mut once = std::pin::pin!(async {
                if connection == 0 {
                    con.get::<_, String>(&k).await
                } else {
                    dedicated.get::<_, String>(&k).await
                }
            });
            let polled = std::future::poll_fn(|cx| {
                std::task::Poll::Ready(once.as_mut().poll(cx).is_pending())
            })
            .await;
            assert!(polled, "sent, not answered yet");
        }
        let n: i64 = con.incr(&unique_key("n"), 7).await?;
        assert_eq!(n, 7);
        let n: i64 = dedicated.incr(&unique_key("n"), 8).await?;
        assert_eq!(n, 8);
        Ok(())
    });
}

use std::future::Future;

/// How many clients the server has connected, by `CLIENT LIST`.
fn client_count(server: &redis_server::RedisServer) -> usize {
    match server.query(&["CLIENT", "LIST"]) {
        redis_server::Reply::Bulk(Some(list)) => String::from_utf8_lossy(&list).lines().count(),
        other => panic!("CLIENT LIST: {other:?}"),
    }
}

#[test]
fn an_idle_connection_sleeps_and_the_last_clone_closes_it() {
    let Some(server) = redis_server::start() else {
        return;
    };
    let url = server.url();
    let server = std::sync::Arc::new(server);
    let watched = server.clone();
    let report = bounded(Duration::from_secs(30), move || {
        let rt = evloop::Runtime::new().unwrap();
        let con = rt.block_on(async {
            let client = Client::open(url).unwrap();
            let mut con = client.get_multiplexed_async_connection().await.unwrap();
            con.set::<_, _, ()>("k", 1).await.unwrap();
            con
        });
        // One client of ours, plus the query's own.
        assert_eq!(client_count(&watched), 2);
        // Idle for 300 ms: the driver waits in the one mio wait.
        let ticks = rt.metrics().ticks;
        rt.block_on(evloop::time::sleep(Duration::from_millis(300)));
        let idle_ticks = rt.metrics().ticks - ticks;
        // The clones go; the driver task ends and closes the socket.
        let clone = con.clone();
        drop(con);
        rt.block_on(evloop::task::yield_now());
        assert_eq!(
            rt.metrics().alive_tasks,
            1,
            "one clone left: the driver stays"
        );
        drop(clone);
        // The drop (outside the loop) wakes the driver through the remote
        // queue: it ends within a few turns.
        for _ in 0..5 {
            rt.block_on(evloop::task::yield_now());
        }
        let tasks_after = rt.metrics().alive_tasks;
        let sockets_after = rt.metrics().io_sources;
        (idle_ticks, tasks_after, sockets_after)
    });
    let (idle_ticks, tasks_after, sockets_after) = report.value;
    assert!(idle_ticks <= 3, "{idle_ticks} ticks while idle");
    report.assert_cpu_below(Duration::from_millis(200));
    assert_eq!(
        (tasks_after, sockets_after),
        (0, 0),
        "the driver ended and closed its socket"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while client_count(&server) > 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the server still sees our connection"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn requests_dropped_mid_flight_and_a_dropped_runtime_leave_nothing_behind() {
    let Some(server) = redis_server::shared() else {
        return;
    };
    let url = server.url();
    bounded(Duration::from_secs(30), move || {
        let rt = evloop::Runtime::new().unwrap();
        let client = Client::open(url).unwrap();
        rt.block_on(async {
            let con = client.get_multiplexed_async_connection().await.unwrap();
            // Tasks with requests in flight, aborted at once.
            let tasks: Vec<_> = (0..10)
                .map(|_| {
                    let mut con = con.clone();
                    evloop::spawn(async move {
                        let _: RedisResult<Option<String>> = con.get("k").await;
                    })
                })
                .collect();
            evloop::task::yield_now().await;
            for task in &tasks {
                task.abort();
            }
            drop(con);
            // Every owed reply is read, then the driver ends.
            for _ in 0..100 {
                evloop::time::sleep(Duration::from_millis(5)).await;
            }
        });
        assert_eq!(rt.metrics().alive_tasks, 0);
        assert_eq!(rt.metrics().io_sources, 0);
        // A connection alive when its runtime drops: the runtime takes the
        // driver and the socket with it; a request after that says so.
        let (mut con, mut pubsub) = rt.block_on(async {
            (
                client.get_multiplexed_async_connection().await.unwrap(),
                client.get_async_pubsub().await.unwrap(),
            )
        });
        drop(rt);
        let rt = evloop::Runtime::new().unwrap();
        let err = rt.block_on(con.get::<_, Option<String>>("k")).unwrap_err();
        assert!(
            err.is_connection_dropped() || err.kind() == ErrorKind::ClientError,
            "{err}"
        );
        let err = rt.block_on(pubsub.subscribe("c")).unwrap_err();
        assert!(err.to_string().contains("another evloop runtime"), "{err}");
    });
}
