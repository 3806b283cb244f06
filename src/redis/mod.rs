//! A Redis client on the event loop, with redis-rs's names (feature
//! `redis`): a program written for redis-rs's async API ports by changing
//! `redis::` to `evloop::redis::`.
//!
//! ```no_run
//! use evloop::redis::{AsyncCommands, Client};
//!
//! evloop::block_on(async {
//!     let client = Client::open("redis://127.0.0.1/")?;
//!     let mut con = client.get_multiplexed_async_connection().await?;
//!     con.set::<_, _, ()>("answer", 42).await?;
//!     let answer: i64 = con.get("answer").await?;
//!     assert_eq!(answer, 42);
//!
//!     // Any command, and several in one round trip:
//!     let n: i64 = evloop::redis::cmd("INCR").arg("hits").query_async(&mut con).await?;
//!     let (hits, answer): (i64, i64) = evloop::redis::pipe()
//!         .cmd("INCR").arg("hits")
//!         .cmd("GET").arg("answer")
//!         .query_async(&mut con)
//!         .await?;
//!     assert_eq!((hits, answer), (n + 1, 42));
//!     Ok::<(), evloop::redis::RedisError>(())
//! })?;
//! # Ok::<(), evloop::redis::RedisError>(())
//! ```
//!
//! # The pieces
//!
//! - [`Client`] parses a URL (`redis://[user[:pass]@]host[:port][/db]`,
//!   `unix:///path.sock[?db=N]`, `?protocol=resp3`) and opens connections;
//!   it does no I/O until asked to.
//! - [`MultiplexedConnection`]: one socket shared by many tasks. Commands
//!   issued by tasks that run in the same tick go out in one write, and
//!   replies are matched to them in order: pipelining for free. Every
//!   request fails if no reply comes within the response timeout (500 ms by
//!   default; a blocking command gets its own timeout on top).
//! - [`aio::Connection`]: a dedicated connection, for blocking commands
//!   (`BLPOP`, `BLMOVE`, `XREAD BLOCK`), which on a shared connection hold
//!   back every reply behind them.
//! - [`aio::PubSub`]: subscribe mode, with a `Stream` of [`Msg`]s.
//! - [`cmd`], [`pipe`] (with [`Pipeline::atomic`] for `MULTI`/`EXEC`) and
//!   [`AsyncCommands`] build requests; [`FromRedisValue`] converts replies
//!   ([`Value`]) into Rust types, [`ToRedisArgs`] arguments into bytes.
//!
//! # What the client trusts
//!
//! Nothing the server sends about sizes: replies are parsed incrementally
//! (`resp.rs`), counts never preallocate more than a little, a reply over
//! [`AsyncConnectionConfig::set_max_reply_size`] (512 MiB by default) or
//! nested deeper than 128 levels is an error, and garbage is an error that
//! closes the connection. Arguments are length-prefixed, so no value can
//! inject a second command.
//!
//! # When things fail
//!
//! A server that goes away fails every request waiting on the connection,
//! and every later one, with an error for which
//! [`RedisError::is_connection_dropped`] is true: connections fail fast and
//! do not reconnect; open a new one from the [`Client`]. A connection
//! belongs to the runtime that opened it (its socket is registered there);
//! used in another, a request is an error that says so.

mod client;
mod cmd;
mod commands;
mod conn;
mod error;
mod multiplexed;
mod pubsub;
mod resp;
mod types;
mod value;

pub use client::{
    AsyncConnectionConfig, Client, ConnectionAddr, ConnectionInfo, IntoConnectionInfo,
    ProtocolVersion, RedisConnectionInfo,
};
pub use cmd::{cmd, pipe, Cmd, ConnectionLike, Pipeline};
pub use commands::{AsyncCommands, Direction, StreamMaxlen};
pub use error::{ErrorKind, RedisError, RedisResult};
pub use multiplexed::MultiplexedConnection;
pub use pubsub::{Msg, PubSub};
pub use types::{from_redis_value, FromRedisValue, RedisWrite, ToRedisArgs};
pub use value::{ServerError, Value};

/// The async connection types under redis-rs's paths
/// (`redis::aio::MultiplexedConnection`, …).
pub mod aio {
    pub use super::cmd::ConnectionLike;
    pub use super::conn::Connection;
    pub use super::multiplexed::MultiplexedConnection;
    pub use super::pubsub::PubSub;
}

/// The parser's entry point for the `resp` fuzz target and its regression
/// tests (feature `fuzzing`). Hidden and unstable.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzz {
    pub use super::resp::check_resp;
}
