//! [`PubSub`]: a connection in subscribe mode, and the [`Msg`]s it receives.
//!
//! Once a connection subscribes, the server pushes messages at any time and
//! the connection may only (un)subscribe or ping, so pub/sub has its own
//! connection type. Publishing is an ordinary command
//! ([`AsyncCommands::publish`](super::AsyncCommands::publish)) on any other
//! connection.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::cmd::cmd;
use super::conn::{before, current_runtime, foreign_runtime, Reader, Settings, Transport};
use super::error::{ErrorKind, RedisError, RedisResult};
use super::types::{FromRedisValue, ToRedisArgs};
use super::value::Value;

/// A message from a channel the connection subscribed to (redis-rs's
/// names).
#[derive(Clone)]
pub struct Msg {
    channel: Vec<u8>,
    payload: Value,
    pattern: Option<Vec<u8>>,
}

impl Msg {
    /// The channel it was published to (`"?"` if not UTF-8; see
    /// [`get_channel`](Msg::get_channel)).
    pub fn get_channel_name(&self) -> &str {
        std::str::from_utf8(&self.channel).unwrap_or("?")
    }

    /// The channel, converted.
    ///
    /// # Errors
    ///
    /// If it does not convert to `T`.
    pub fn get_channel<T: FromRedisValue>(&self) -> RedisResult<T> {
        T::from_redis_value(&Value::BulkString(self.channel.clone()))
    }

    /// The payload, converted (`String`, `Vec<u8>`, a number, …).
    ///
    /// # Errors
    ///
    /// If it does not convert to `T`.
    pub fn get_payload<T: FromRedisValue>(&self) -> RedisResult<T> {
        T::from_redis_value(&self.payload)
    }

    /// The payload's bytes.
    pub fn get_payload_bytes(&self) -> &[u8] {
        match &self.payload {
            Value::BulkString(bytes) => bytes,
            _ => b"",
        }
    }

    /// True if it came through a pattern subscription (`PSUBSCRIBE`).
    pub fn from_pattern(&self) -> bool {
        self.pattern.is_some()
    }

    /// The pattern it matched, for a pattern subscription.
    ///
    /// # Errors
    ///
    /// If it did not come through a pattern, or it does not convert.
    pub fn get_pattern<T: FromRedisValue>(&self) -> RedisResult<T> {
        match &self.pattern {
            Some(pattern) => T::from_redis_value(&Value::BulkString(pattern.clone())),
            None => T::from_redis_value(&Value::Nil),
        }
    }

    /// Reads a pushed message (`message` or `pmessage`, RESP2 array or RESP3
    /// push); `None` for the other kinds of push.
    fn from_push(kind: &[u8], items: &[Value]) -> Option<Msg> {
        let bytes = |v: &Value| match v {
            Value::BulkString(b) => Some(b.clone()),
            Value::SimpleString(s) => Some(s.clone().into_bytes()),
            _ => None,
        };
        match (kind, items) {
            (b"message", [channel, payload]) => Some(Msg {
                channel: bytes(channel)?,
                payload: payload.clone(),
                pattern: None,
            }),
            (b"pmessage", [pattern, channel, payload]) => Some(Msg {
                channel: bytes(channel)?,
                payload: payload.clone(),
                pattern: Some(bytes(pattern)?),
            }),
            _ => None,
        }
    }
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Msg")
            .field("channel", &String::from_utf8_lossy(&self.channel))
            .field("payload", &self.payload)
            .field(
                "pattern",
                &self.pattern.as_deref().map(String::from_utf8_lossy),
            )
            .finish()
    }
}

/// A push's kind and items, from a RESP2 array or a RESP3 push.
fn push_parts(reply: &Value) -> Option<(Vec<u8>, &[Value])> {
    match reply {
        Value::Push { kind, data } => Some((kind.as_bytes().to_ascii_lowercase(), data)),
        Value::Array(items) => match items.split_first() {
            Some((Value::BulkString(kind), rest)) => Some((kind.to_ascii_lowercase(), rest)),
            _ => None,
        },
        _ => None,
    }
}

/// A connection in subscribe mode (redis-rs's `aio::PubSub`).
///
/// [`subscribe`](PubSub::subscribe) and [`psubscribe`](PubSub::psubscribe)
/// return once the server confirmed; messages that arrive meanwhile are
/// kept for [`on_message`](PubSub::on_message), a `Stream` that ends when
/// the connection closes.
///
/// # Examples
///
/// ```no_run
/// use evloop::redis::{AsyncCommands, Client};
/// use futures_core::Stream;
///
/// evloop::block_on(async {
///     let client = Client::open("redis://127.0.0.1/")?;
///     let mut pubsub = client.get_async_pubsub().await?;
///     pubsub.subscribe("news").await?;
///     let mut con = client.get_multiplexed_async_connection().await?;
///     let _: i64 = con.publish("news", "hello").await?;
///     let mut messages = std::pin::pin!(pubsub.on_message());
///     let msg = std::future::poll_fn(|cx| messages.as_mut().poll_next(cx)).await.unwrap();
///     assert_eq!(msg.get_payload::<String>()?, "hello");
///     Ok::<(), evloop::redis::RedisError>(())
/// })?;
/// # Ok::<(), evloop::redis::RedisError>(())
/// ```
#[derive(Debug)]
pub struct PubSub {
    transport: Transport,
    reader: Reader,
    settings: Settings,
    runtime: Option<u64>,
    /// Messages read while waiting for a confirmation.
    queued: VecDeque<Msg>,
    /// The connection failed or closed: the stream has ended.
    closed: Option<RedisError>,
}

impl PubSub {
    pub(crate) fn new(transport: Transport, reader: Reader, settings: Settings) -> PubSub {
        PubSub {
            transport,
            reader,
            settings,
            runtime: current_runtime(),
            queued: VecDeque::new(),
            closed: None,
        }
    }

    /// Subscribes to one channel or several (a slice or a tuple of names).
    ///
    /// # Errors
    ///
    /// A failed connection, no confirmation within the response timeout,
    /// or the server's refusal.
    pub async fn subscribe<T: ToRedisArgs>(&mut self, channels: T) -> RedisResult<()> {
        self.command("SUBSCRIBE", b"subscribe", channels).await
    }

    /// Subscribes to channels matching a pattern (or several).
    ///
    /// # Errors
    ///
    /// As [`subscribe`](PubSub::subscribe).
    pub async fn psubscribe<T: ToRedisArgs>(&mut self, patterns: T) -> RedisResult<()> {
        self.command("PSUBSCRIBE", b"psubscribe", patterns).await
    }

    /// Unsubscribes from one channel or several.
    ///
    /// # Errors
    ///
    /// As [`subscribe`](PubSub::subscribe).
    pub async fn unsubscribe<T: ToRedisArgs>(&mut self, channels: T) -> RedisResult<()> {
        self.command("UNSUBSCRIBE", b"unsubscribe", channels).await
    }

    /// Unsubscribes from one pattern or several.
    ///
    /// # Errors
    ///
    /// As [`subscribe`](PubSub::subscribe).
    pub async fn punsubscribe<T: ToRedisArgs>(&mut self, patterns: T) -> RedisResult<()> {
        self.command("PUNSUBSCRIBE", b"punsubscribe", patterns)
            .await
    }

    /// Sends a (un)subscribe command and waits for one confirmation per
    /// name, queueing the messages that come first.
    async fn command<T: ToRedisArgs>(
        &mut self,
        name: &str,
        confirms: &[u8],
        names: T,
    ) -> RedisResult<()> {
        if let Some(error) = &self.closed {
            return Err(error.clone());
        }
        if self.runtime != current_runtime() {
            return Err(foreign_runtime());
        }
        let mut request = cmd(name);
        request.arg(names);
        let mut expected = request.arg_count() - 1;
        if expected == 0 {
            return Err(RedisError::client(
                ErrorKind::ClientError,
                format!("{name} needs at least one channel or pattern"),
            ));
        }
        let mut packed = Vec::new();
        request.write_packed(&mut packed);
        let deadline = self.settings.deadline(None);
        let result = before(deadline, async {
            self.transport.write_all(&packed).await?;
            while expected > 0 {
                let reply = self.reader.reply(&self.transport).await?;
                if let Value::ServerError(e) = &reply {
                    return Err(e.clone().into());
                }
                let Some((kind, items)) = push_parts(&reply) else {
                    continue;
                };
                if kind == confirms {
                    expected -= 1;
                } else if let Some(msg) = Msg::from_push(&kind, items) {
                    self.queued.push_back(msg);
                }
            }
            Ok(())
        })
        .await;
        if let Err(error) = &result {
            // A half-read confirmation leaves the stream out of step.
            self.closed = Some(error.clone());
        }
        result
    }

    /// The next message; `None` once the connection closed.
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Msg>> {
        if let Some(msg) = self.queued.pop_front() {
            return Poll::Ready(Some(msg));
        }
        if self.closed.is_some() || self.runtime != current_runtime() {
            return Poll::Ready(None);
        }
        loop {
            match std::task::ready!(self.reader.poll_reply(&self.transport, cx)) {
                Ok(reply) => {
                    if let Some((kind, items)) = push_parts(&reply) {
                        if let Some(msg) = Msg::from_push(&kind, items) {
                            return Poll::Ready(Some(msg));
                        }
                    }
                    // A confirmation or a pong: not a message.
                }
                Err(error) => {
                    self.closed = Some(error);
                    return Poll::Ready(None);
                }
            }
        }
    }

    /// The messages, as a `Stream` borrowing the connection.
    pub fn on_message(&mut self) -> impl Stream<Item = Msg> + '_ {
        Messages { pubsub: self }
    }

    /// The messages, as a `Stream` that owns the connection.
    pub fn into_on_message(self) -> impl Stream<Item = Msg> {
        OwnedMessages { pubsub: self }
    }
}

struct Messages<'a> {
    pubsub: &'a mut PubSub,
}

impl Stream for Messages<'_> {
    type Item = Msg;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Msg>> {
        self.pubsub.poll_message(cx)
    }
}

struct OwnedMessages {
    pubsub: PubSub,
}

impl Stream for OwnedMessages {
    type Item = Msg;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Msg>> {
        self.pubsub.poll_message(cx)
    }
}
