//! [`AsyncCommands`]: the common commands as methods, with redis-rs's names
//! and argument orders, on every connection.

use std::future::Future;

use super::cmd::{cmd, Cmd, ConnectionLike};
use super::error::RedisResult;
use super::types::{FromRedisValue, RedisWrite, ToRedisArgs};

/// A list's end, for `LMOVE` and `BLMOVE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The head.
    Left,
    /// The tail.
    Right,
}

impl ToRedisArgs for Direction {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        out.write_arg(match self {
            Direction::Left => b"LEFT",
            Direction::Right => b"RIGHT",
        });
    }
}

/// How `XADD` trims a stream: to exactly a length, or about it (`~`, which
/// the server does cheaply in whole nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamMaxlen {
    /// `MAXLEN = n`.
    Equals(usize),
    /// `MAXLEN ~ n`.
    Approx(usize),
}

impl ToRedisArgs for StreamMaxlen {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        let (sign, n) = match self {
            StreamMaxlen::Equals(n) => ("=", n),
            StreamMaxlen::Approx(n) => ("~", n),
        };
        out.write_arg(b"MAXLEN");
        out.write_arg(sign.as_bytes());
        out.write_arg(n.to_string().as_bytes());
    }
}

/// How many arguments a value writes.
fn arg_count<T: ToRedisArgs + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl RedisWrite for Count {
        fn write_arg(&mut self, _: &[u8]) {
            self.0 += 1;
        }
    }
    let mut count = Count(0);
    value.write_redis_args(&mut count);
    count.0
}

/// Builds a command from its name and arguments.
fn build(name: &str, args: impl FnOnce(&mut Cmd) -> &mut Cmd) -> Cmd {
    let mut cmd = cmd(name);
    args(&mut cmd);
    cmd
}

/// The common commands as methods on any connection (redis-rs's names and
/// argument orders).
///
/// Each builds its command at once (so its arguments need not outlive the
/// call) and returns a future of the reply, converted to the type the
/// caller asks for:
///
/// ```no_run
/// use evloop::redis::{AsyncCommands, Client};
///
/// evloop::block_on(async {
///     let mut con = Client::open("redis://127.0.0.1/")?.get_multiplexed_async_connection().await?;
///     con.set::<_, _, ()>("greeting", "hello").await?;
///     let greeting: String = con.get("greeting").await?;
///     let missing: Option<String> = con.get("no such key").await?;
///     let hits: i64 = con.incr("hits", 1).await?;
///     println!("{greeting} {missing:?} {hits}");
///     Ok::<(), evloop::redis::RedisError>(())
/// })?;
/// # Ok::<(), evloop::redis::RedisError>(())
/// ```
///
/// A command not listed here is one [`cmd`] away:
/// `cmd("OBJECT").arg("ENCODING").arg("k").query_async::<String>(&mut con)`.
pub trait AsyncCommands: ConnectionLike + Sized {
    /// `GET key` (`MGET` for several keys).
    fn get<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        let name = if arg_count(&key) == 1 { "GET" } else { "MGET" };
        run(self, build(name, |c| c.arg(key)))
    }

    /// `MGET key…`.
    fn mget<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        keys: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("MGET", |c| c.arg(keys)))
    }

    /// `SET key value`.
    fn set<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        value: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("SET", |c| c.arg(key).arg(value)))
    }

    /// `SET key value EX seconds`.
    fn set_ex<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        value: V,
        seconds: u64,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("SET", |c| c.arg(key).arg(value).arg("EX").arg(seconds)),
        )
    }

    /// `SET key value NX`: only if the key does not exist.
    fn set_nx<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        value: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("SETNX", |c| c.arg(key).arg(value)))
    }

    /// `MSET key value…`, from pairs.
    fn mset<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        items: &[(K, V)],
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("MSET", |c| c.arg(items)))
    }

    /// `DEL key…`.
    fn del<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("DEL", |c| c.arg(key)))
    }

    /// `EXISTS key…`.
    fn exists<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("EXISTS", |c| c.arg(key)))
    }

    /// `EXPIRE key seconds`.
    fn expire<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        seconds: i64,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("EXPIRE", |c| c.arg(key).arg(seconds)))
    }

    /// `PEXPIRE key milliseconds`.
    fn pexpire<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        ms: i64,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("PEXPIRE", |c| c.arg(key).arg(ms)))
    }

    /// `PERSIST key`: removes its expiry.
    fn persist<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("PERSIST", |c| c.arg(key)))
    }

    /// `TTL key`, in seconds (-1: no expiry, -2: no key).
    fn ttl<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("TTL", |c| c.arg(key)))
    }

    /// `INCRBY key delta` (`INCRBYFLOAT` for a float delta is a `cmd` away).
    fn incr<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        delta: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("INCRBY", |c| c.arg(key).arg(delta)))
    }

    /// `DECRBY key delta`.
    fn decr<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        delta: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("DECRBY", |c| c.arg(key).arg(delta)))
    }

    /// `KEYS pattern`.
    fn keys<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        pattern: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("KEYS", |c| c.arg(pattern)))
    }

    /// `RENAME key new_key`.
    fn rename<K: ToRedisArgs, N: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        new_key: N,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("RENAME", |c| c.arg(key).arg(new_key)))
    }

    /// `HSET key field value`.
    fn hset<K: ToRedisArgs, F: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        field: F,
        value: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HSET", |c| c.arg(key).arg(field).arg(value)))
    }

    /// `HSET key field value…`, from pairs.
    fn hset_multiple<K: ToRedisArgs, F: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        items: &[(F, V)],
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HSET", |c| c.arg(key).arg(items)))
    }

    /// `HSETNX key field value`.
    fn hset_nx<K: ToRedisArgs, F: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        field: F,
        value: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HSETNX", |c| c.arg(key).arg(field).arg(value)))
    }

    /// `HGET key field` (`HMGET` for several fields).
    fn hget<K: ToRedisArgs, F: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        field: F,
    ) -> impl Future<Output = RedisResult<RV>> {
        let name = if arg_count(&field) == 1 {
            "HGET"
        } else {
            "HMGET"
        };
        run(self, build(name, |c| c.arg(key).arg(field)))
    }

    /// `HGETALL key`: converts to a map, or a `Vec` of pairs.
    fn hgetall<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HGETALL", |c| c.arg(key)))
    }

    /// `HDEL key field…`.
    fn hdel<K: ToRedisArgs, F: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        field: F,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HDEL", |c| c.arg(key).arg(field)))
    }

    /// `HEXISTS key field`.
    fn hexists<K: ToRedisArgs, F: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        field: F,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HEXISTS", |c| c.arg(key).arg(field)))
    }

    /// `HINCRBY key field delta`.
    fn hincr<K: ToRedisArgs, F: ToRedisArgs, D: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        field: F,
        delta: D,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HINCRBY", |c| c.arg(key).arg(field).arg(delta)))
    }

    /// `HKEYS key`.
    fn hkeys<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HKEYS", |c| c.arg(key)))
    }

    /// `HLEN key`.
    fn hlen<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("HLEN", |c| c.arg(key)))
    }

    /// `LPUSH key value…`.
    fn lpush<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        value: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("LPUSH", |c| c.arg(key).arg(value)))
    }

    /// `RPUSH key value…`.
    fn rpush<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        value: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("RPUSH", |c| c.arg(key).arg(value)))
    }

    /// `LPOP key [count]`.
    fn lpop<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        count: Option<std::num::NonZeroUsize>,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("LPOP", |c| c.arg(key).arg(count.map(|n| n.get()))),
        )
    }

    /// `RPOP key [count]`.
    fn rpop<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        count: Option<std::num::NonZeroUsize>,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("RPOP", |c| c.arg(key).arg(count.map(|n| n.get()))),
        )
    }

    /// `BLPOP key… timeout` (seconds; 0 waits for ever). Blocks the
    /// connection: see [`MultiplexedConnection`](super::MultiplexedConnection).
    fn blpop<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        timeout: f64,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("BLPOP", |c| c.arg(key).arg(timeout)))
    }

    /// `BRPOP key… timeout`.
    fn brpop<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        timeout: f64,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("BRPOP", |c| c.arg(key).arg(timeout)))
    }

    /// `LLEN key`.
    fn llen<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("LLEN", |c| c.arg(key)))
    }

    /// `LRANGE key start stop`.
    fn lrange<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        start: isize,
        stop: isize,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("LRANGE", |c| c.arg(key).arg(start).arg(stop)))
    }

    /// `LREM key count value`.
    fn lrem<K: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        count: isize,
        value: V,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("LREM", |c| c.arg(key).arg(count).arg(value)))
    }

    /// `LTRIM key start stop`.
    fn ltrim<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        start: isize,
        stop: isize,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("LTRIM", |c| c.arg(key).arg(start).arg(stop)))
    }

    /// `LINDEX key index`.
    fn lindex<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        index: isize,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("LINDEX", |c| c.arg(key).arg(index)))
    }

    /// `LMOVE source destination from to`.
    fn lmove<S: ToRedisArgs, D: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        source: S,
        destination: D,
        from: Direction,
        to: Direction,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("LMOVE", |c| {
                c.arg(source).arg(destination).arg(from).arg(to)
            }),
        )
    }

    /// `BLMOVE source destination from to timeout` (seconds; 0 waits for
    /// ever). Blocks the connection.
    fn blmove<S: ToRedisArgs, D: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        source: S,
        destination: D,
        from: Direction,
        to: Direction,
        timeout: f64,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("BLMOVE", |c| {
                c.arg(source)
                    .arg(destination)
                    .arg(from)
                    .arg(to)
                    .arg(timeout)
            }),
        )
    }

    /// `SADD key member…`.
    fn sadd<K: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        member: M,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("SADD", |c| c.arg(key).arg(member)))
    }

    /// `SREM key member…`.
    fn srem<K: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        member: M,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("SREM", |c| c.arg(key).arg(member)))
    }

    /// `SMEMBERS key`.
    fn smembers<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("SMEMBERS", |c| c.arg(key)))
    }

    /// `SISMEMBER key member`.
    fn sismember<K: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        member: M,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("SISMEMBER", |c| c.arg(key).arg(member)))
    }

    /// `SCARD key`.
    fn scard<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("SCARD", |c| c.arg(key)))
    }

    /// `ZADD key score member` (redis-rs's order: member, then score).
    fn zadd<K: ToRedisArgs, S: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        member: M,
        score: S,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("ZADD", |c| c.arg(key).arg(score).arg(member)))
    }

    /// `ZADD key score member…`, from (score, member) pairs.
    fn zadd_multiple<K: ToRedisArgs, S: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        items: &[(S, M)],
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("ZADD", |c| c.arg(key).arg(items)))
    }

    /// `ZREM key member…`.
    fn zrem<K: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        members: M,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("ZREM", |c| c.arg(key).arg(members)))
    }

    /// `ZRANGE key start stop`.
    fn zrange<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        start: isize,
        stop: isize,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("ZRANGE", |c| c.arg(key).arg(start).arg(stop)))
    }

    /// `ZRANGE key start stop WITHSCORES`: converts to `Vec<(member, score)>`.
    fn zrange_withscores<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        start: isize,
        stop: isize,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("ZRANGE", |c| {
                c.arg(key).arg(start).arg(stop).arg("WITHSCORES")
            }),
        )
    }

    /// `ZRANGEBYSCORE key min max` (`"-inf"`, `"+inf"`, `"(5"` work as bounds).
    fn zrangebyscore<K: ToRedisArgs, MM: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        min: M,
        max: MM,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("ZRANGEBYSCORE", |c| c.arg(key).arg(min).arg(max)),
        )
    }

    /// `ZRANGEBYSCORE key min max LIMIT offset count`.
    fn zrangebyscore_limit<K: ToRedisArgs, MM: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        min: M,
        max: MM,
        offset: isize,
        count: isize,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("ZRANGEBYSCORE", |c| {
                c.arg(key)
                    .arg(min)
                    .arg(max)
                    .arg("LIMIT")
                    .arg(offset)
                    .arg(count)
            }),
        )
    }

    /// `ZREMRANGEBYSCORE key min max`.
    fn zrembyscore<K: ToRedisArgs, MM: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        min: M,
        max: MM,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("ZREMRANGEBYSCORE", |c| c.arg(key).arg(min).arg(max)),
        )
    }

    /// `ZCARD key`.
    fn zcard<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("ZCARD", |c| c.arg(key)))
    }

    /// `ZSCORE key member`.
    fn zscore<K: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        member: M,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("ZSCORE", |c| c.arg(key).arg(member)))
    }

    /// `XADD key id field value…` (`"*"` lets the server pick the id).
    fn xadd<K: ToRedisArgs, ID: ToRedisArgs, F: ToRedisArgs, V: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        id: ID,
        items: &[(F, V)],
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("XADD", |c| c.arg(key).arg(id).arg(items)))
    }

    /// `XADD key MAXLEN [=|~] n id field value…`.
    fn xadd_maxlen<
        K: ToRedisArgs,
        ID: ToRedisArgs,
        F: ToRedisArgs,
        V: ToRedisArgs,
        RV: FromRedisValue,
    >(
        &mut self,
        key: K,
        maxlen: StreamMaxlen,
        id: ID,
        items: &[(F, V)],
    ) -> impl Future<Output = RedisResult<RV>> {
        run(
            self,
            build("XADD", |c| c.arg(key).arg(maxlen).arg(id).arg(items)),
        )
    }

    /// `XRANGE key start end` (`"-"` and `"+"` for the ends).
    fn xrange<K: ToRedisArgs, S: ToRedisArgs, E: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        start: S,
        end: E,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("XRANGE", |c| c.arg(key).arg(start).arg(end)))
    }

    /// `XRANGE key - +`.
    fn xrange_all<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("XRANGE", |c| c.arg(key).arg("-").arg("+")))
    }

    /// `XREVRANGE key end start`.
    fn xrevrange<K: ToRedisArgs, E: ToRedisArgs, S: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
        end: E,
        start: S,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("XREVRANGE", |c| c.arg(key).arg(end).arg(start)))
    }

    /// `XLEN key`.
    fn xlen<K: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        key: K,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("XLEN", |c| c.arg(key)))
    }

    /// `PUBLISH channel message`: returns how many subscribers got it.
    fn publish<C: ToRedisArgs, M: ToRedisArgs, RV: FromRedisValue>(
        &mut self,
        channel: C,
        message: M,
    ) -> impl Future<Output = RedisResult<RV>> {
        run(self, build("PUBLISH", |c| c.arg(channel).arg(message)))
    }
}

impl<T: ConnectionLike> AsyncCommands for T {}

/// Sends `cmd` on `con` and converts the reply.
async fn run<C: ConnectionLike, RV: FromRedisValue>(con: &mut C, cmd: Cmd) -> RedisResult<RV> {
    cmd.query_async(con).await
}
