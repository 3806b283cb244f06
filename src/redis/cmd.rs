//! [`Cmd`] and [`Pipeline`]: requests built argument by argument, and the
//! [`ConnectionLike`] trait every connection implements to send them.

use std::future::Future;
use std::time::Duration;

use super::error::{ErrorKind, RedisError, RedisResult};
use super::resp;
use super::types::{FromRedisValue, RedisWrite, ToRedisArgs};
use super::value::Value;

/// What sends requests and reads their replies: implemented by
/// [`MultiplexedConnection`](super::MultiplexedConnection) and
/// [`aio::Connection`](super::aio::Connection), used by
/// [`Cmd::query_async`], [`Pipeline::query_async`] and
/// [`AsyncCommands`](super::AsyncCommands).
///
/// The futures it returns are not `Send`: a connection lives on its
/// runtime's thread, as every evloop socket does.
pub trait ConnectionLike {
    /// Sends one command and returns its reply (an error reply is `Err`).
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a Cmd,
    ) -> impl Future<Output = RedisResult<Value>> + 'a;

    /// Sends a pipeline's commands in one write and returns `count` of
    /// their replies from `offset` on, error replies included as
    /// [`Value::ServerError`].
    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> impl Future<Output = RedisResult<Vec<Value>>> + 'a;

    /// The database this connection selected.
    fn get_db(&self) -> i64;
}

/// One command's reply as `req_packed_command` returns it: an error reply
/// becomes `Err`.
pub(crate) fn single_reply(reply: Value) -> RedisResult<Value> {
    match reply {
        Value::ServerError(e) => Err(e.into()),
        reply => Ok(reply),
    }
}

/// The `count` replies from `offset` on, as `req_packed_commands` returns
/// them (in place: no second vector).
pub(crate) fn reply_window(mut replies: Vec<Value>, offset: usize, count: usize) -> Vec<Value> {
    replies.truncate(offset.saturating_add(count));
    replies.drain(..offset.min(replies.len()));
    replies
}

/// A command and its arguments, encoded as they are added.
///
/// # Examples
///
/// ```
/// let mut set = evloop::redis::cmd("SET");
/// set.arg("greeting").arg("hello\r\nDEL everything");
/// // Length-prefixed: the CR/LF in the value cannot start a command.
/// assert_eq!(
///     set.get_packed_command(),
///     b"*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$21\r\nhello\r\nDEL everything\r\n"
/// );
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cmd {
    /// The arguments, each already a RESP bulk string.
    data: Vec<u8>,
    /// How many arguments `data` holds.
    args: usize,
}

/// A new command named `name` (`"GET"`, `"HSET"`, …), redis-rs's
/// shorthand for `Cmd::new().arg(name)`.
pub fn cmd(name: &str) -> Cmd {
    let mut cmd = Cmd {
        // Room for a name and a few short arguments: most commands never
        // grow it (a command's reallocations were a tenth of a pipelined
        // SET's cost).
        data: Vec::with_capacity(64),
        args: 0,
    };
    cmd.arg(name);
    cmd
}

impl Cmd {
    /// An empty command: the first argument is its name.
    pub fn new() -> Cmd {
        Cmd::default()
    }

    /// Adds an argument (or several: a tuple, a slice, a map).
    pub fn arg<T: ToRedisArgs>(&mut self, arg: T) -> &mut Cmd {
        arg.write_redis_args(self);
        self
    }

    /// Sends the command on `con` and converts its reply.
    ///
    /// # Errors
    ///
    /// An error reply, a failed connection, no reply within the response
    /// timeout, or a reply that does not convert to `T`.
    pub async fn query_async<T: FromRedisValue>(
        &self,
        con: &mut impl ConnectionLike,
    ) -> RedisResult<T> {
        T::from_owned_redis_value(con.req_packed_command(self).await?)
    }

    /// The request as it goes on the wire.
    pub fn get_packed_command(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 8);
        self.write_packed(&mut out);
        out
    }

    /// How many arguments (the name included).
    pub fn arg_count(&self) -> usize {
        self.args
    }

    /// The arguments, each as bytes.
    pub fn args_iter(&self) -> impl Iterator<Item = &[u8]> {
        ArgIter {
            data: &self.data,
            left: self.args,
        }
    }

    /// Appends the request to `out`.
    pub(crate) fn write_packed(&self, out: &mut Vec<u8>) {
        resp::write_header(out, b'*', self.args);
        out.extend_from_slice(&self.data);
    }

    /// How long the server may hold the reply back on purpose: for the
    /// blocking commands (`BLPOP`, `BLMOVE`, `XREAD … BLOCK`, `WAIT`, …),
    /// the timeout they carry. `None`: not a blocking command.
    /// `Some(None)`: it may block for ever (a timeout of 0).
    pub(crate) fn blocking_time(&self) -> Option<Option<Duration>> {
        // Every request asks, so answer the common case from the name's
        // first letter, read straight from the encoding (`$3\r\nGET…`):
        // only B…, X… and W… commands can block.
        let first = self
            .data
            .iter()
            .position(|&b| b == b'\n')
            .and_then(|at| self.data.get(at + 1))?;
        if !matches!(first.to_ascii_uppercase(), b'B' | b'X' | b'W') {
            return None;
        }
        let mut args = self.args_iter();
        let name = args.next()?.to_ascii_uppercase();
        let rest: Vec<&[u8]> = args.collect();
        let (value, unit_ms) = match name.as_slice() {
            b"BLPOP" | b"BRPOP" | b"BRPOPLPUSH" | b"BLMOVE" | b"BZPOPMIN" | b"BZPOPMAX" => {
                (*rest.last()?, false)
            }
            b"BLMPOP" | b"BZMPOP" => (*rest.first()?, false),
            b"WAIT" | b"WAITAOF" => (*rest.last()?, true),
            b"XREAD" | b"XREADGROUP" => {
                let at = rest.iter().position(|a| a.eq_ignore_ascii_case(b"BLOCK"))?;
                (*rest.get(at + 1)?, true)
            }
            _ => return None,
        };
        // A timeout that does not parse: the server will refuse it at once.
        let number: f64 = std::str::from_utf8(value).ok()?.parse().ok()?;
        if number <= 0.0 {
            return Some(None);
        }
        let seconds = if unit_ms { number / 1000.0 } else { number };
        Some(Duration::try_from_secs_f64(seconds).ok())
    }
}

impl RedisWrite for Cmd {
    fn write_arg(&mut self, arg: &[u8]) {
        resp::write_bulk(&mut self.data, arg);
        self.args += 1;
    }
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let args: Vec<_> = self.args_iter().map(String::from_utf8_lossy).collect();
        f.debug_tuple("Cmd").field(&args).finish()
    }
}

/// Walks the bulk strings `Cmd::data` holds (written by this module, so
/// well formed).
struct ArgIter<'a> {
    data: &'a [u8],
    left: usize,
}

impl<'a> Iterator for ArgIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let line_end = self.data.iter().position(|&b| b == b'\r')?;
        let len: usize = std::str::from_utf8(&self.data[1..line_end])
            .ok()?
            .parse()
            .ok()?;
        let start = line_end + 2;
        let arg = &self.data[start..start + len];
        self.data = &self.data[start + len + 2..];
        self.left -= 1;
        Some(arg)
    }
}

/// Several commands sent in one write, their replies read together.
///
/// Without [`atomic`](Pipeline::atomic), the commands run one after the
/// other but other clients' commands may run between them; with it, they
/// are wrapped in `MULTI`/`EXEC` and run as one transaction. Replies of
/// commands marked [`ignore`](Pipeline::ignore) are left out of the
/// result, so `T` is usually a tuple of the others, or `()`.
///
/// # Examples
///
/// ```
/// let mut p = evloop::redis::pipe();
/// p.atomic().cmd("INCR").arg("hits").cmd("EXPIRE").arg("hits").arg(60).ignore();
/// assert_eq!(p.len(), 2);
/// // let (hits,): (i64,) = p.query_async(&mut con).await?;
/// ```
#[derive(Clone, Default, Debug)]
pub struct Pipeline {
    commands: Vec<Cmd>,
    ignored: Vec<bool>,
    atomic: bool,
}

/// A new, empty pipeline (redis-rs's shorthand for `Pipeline::new()`).
pub fn pipe() -> Pipeline {
    Pipeline::new()
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new() -> Pipeline {
        Pipeline::default()
    }

    /// Starts a new command named `name`; `arg` adds to it.
    pub fn cmd(&mut self, name: &str) -> &mut Pipeline {
        self.add_command(cmd(name))
    }

    /// Adds a command built elsewhere.
    pub fn add_command(&mut self, cmd: Cmd) -> &mut Pipeline {
        self.commands.push(cmd);
        self.ignored.push(false);
        self
    }

    /// Adds an argument to the last command.
    ///
    /// # Panics
    ///
    /// If no command was started: call [`cmd`](Pipeline::cmd) first.
    pub fn arg<T: ToRedisArgs>(&mut self, arg: T) -> &mut Pipeline {
        self.commands
            .last_mut()
            .expect("Pipeline::arg before any Pipeline::cmd: start a command first")
            .arg(arg);
        self
    }

    /// Leaves the last command's reply out of the result.
    pub fn ignore(&mut self) -> &mut Pipeline {
        if let Some(last) = self.ignored.last_mut() {
            *last = true;
        }
        self
    }

    /// Runs the commands as one transaction (`MULTI` … `EXEC`).
    pub fn atomic(&mut self) -> &mut Pipeline {
        self.atomic = true;
        self
    }

    /// How many commands (not counting `MULTI` and `EXEC`).
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// True if no command was added.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// The commands' replies on the wire: one each, plus `MULTI`'s and
    /// `EXEC`'s in a transaction.
    pub(crate) fn reply_count(&self) -> usize {
        self.commands.len() + if self.atomic { 2 } else { 0 }
    }

    /// The longest time one of its commands may block on the server.
    pub(crate) fn blocking_time(&self) -> Option<Option<Duration>> {
        let mut longest: Option<Option<Duration>> = None;
        for time in self.commands.iter().filter_map(Cmd::blocking_time) {
            longest = Some(match (longest, time) {
                (Some(None), _) | (_, None) => None,
                (Some(Some(a)), Some(b)) => Some(a.max(b)),
                (None, Some(b)) => Some(b),
            });
        }
        longest
    }

    /// Appends every request to `out`.
    pub(crate) fn write_packed(&self, out: &mut Vec<u8>) {
        if self.atomic {
            cmd("MULTI").write_packed(out);
        }
        for cmd in &self.commands {
            cmd.write_packed(out);
        }
        if self.atomic {
            cmd("EXEC").write_packed(out);
        }
    }

    /// The request as it goes on the wire.
    pub fn get_packed_pipeline(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_packed(&mut out);
        out
    }

    /// Sends the commands in one write and converts the replies of those
    /// not ignored, as one array, to `T`.
    ///
    /// # Errors
    ///
    /// The first error reply among the commands (in a transaction: a
    /// refused command makes `EXEC` fail with `EXECABORT`); a failed
    /// connection or timeout; a result that does not convert to `T`. A
    /// transaction that `WATCH` aborted gives `Nil`, which converts to
    /// `()`, an `Option` or an empty `Vec`.
    pub async fn query_async<T: FromRedisValue>(
        &self,
        con: &mut impl ConnectionLike,
    ) -> RedisResult<T> {
        if self.commands.is_empty() {
            return T::from_owned_redis_value(Value::Array(Vec::new()));
        }
        let replies = con.req_packed_commands(self, 0, self.reply_count()).await?;
        T::from_owned_redis_value(self.results(replies)?)
    }

    /// The result a pipeline's raw replies stand for.
    pub(crate) fn results(&self, replies: Vec<Value>) -> RedisResult<Value> {
        let replies = if self.atomic {
            let mut replies = replies.into_iter();
            // MULTI's +OK and each command's +QUEUED (or its refusal, which
            // EXEC reports as EXECABORT with the reason).
            let mut refusal = None;
            for reply in replies.by_ref().take(self.commands.len() + 1) {
                if let Value::ServerError(e) = reply {
                    refusal.get_or_insert(e);
                }
            }
            match replies.next() {
                Some(Value::Array(results)) => results,
                Some(Value::Nil) => return Ok(Value::Nil),
                Some(Value::ServerError(e)) => {
                    return Err(match refusal {
                        // Say which command EXEC's refusal was about.
                        Some(why) => RedisError::from_server_reply(&format!(
                            "{} (queued command refused: {})",
                            e.reply, why.reply
                        )),
                        None => e.into(),
                    });
                }
                other => {
                    return Err(RedisError::client(
                        ErrorKind::ParseError,
                        format!("EXEC answered {other:?}, not an array"),
                    ))
                }
            }
        } else {
            replies
        };
        if let Some(error) = replies.iter().find_map(Value::first_error) {
            return Err(error.clone().into());
        }
        let kept = replies
            .into_iter()
            .zip(&self.ignored)
            .filter(|(_, ignored)| !**ignored)
            .map(|(reply, _)| reply)
            .collect();
        Ok(Value::Array(kept))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_round_trip_through_the_encoding() {
        let mut c = cmd("SET");
        c.arg("k").arg(b"\r\n$3\r\n".as_slice()).arg(12);
        let args: Vec<&[u8]> = c.args_iter().collect();
        assert_eq!(args, [&b"SET"[..], b"k", b"\r\n$3\r\n", b"12"]);
        assert_eq!(c.arg_count(), 4);
    }

    #[test]
    fn blocking_commands_say_how_long_they_may_block() {
        let time = |c: &mut Cmd| c.blocking_time();
        assert_eq!(
            time(cmd("BLPOP").arg("q").arg(2)),
            Some(Some(Duration::from_secs(2)))
        );
        assert_eq!(
            time(
                cmd("blmove")
                    .arg("a")
                    .arg("b")
                    .arg("LEFT")
                    .arg("RIGHT")
                    .arg(0.5)
            ),
            Some(Some(Duration::from_millis(500)))
        );
        assert_eq!(time(cmd("BRPOP").arg("q").arg(0)), Some(None));
        assert_eq!(
            time(
                cmd("XREAD")
                    .arg("COUNT")
                    .arg(1)
                    .arg("BLOCK")
                    .arg(250)
                    .arg("STREAMS")
                    .arg("s")
                    .arg("$")
            ),
            Some(Some(Duration::from_millis(250)))
        );
        assert_eq!(time(cmd("XREAD").arg("STREAMS").arg("s").arg("0")), None);
        assert_eq!(
            time(cmd("BLMPOP").arg(3).arg(1).arg("q").arg("LEFT")),
            Some(Some(Duration::from_secs(3)))
        );
        assert_eq!(time(cmd("GET").arg("k")), None);
        let mut p = pipe();
        p.cmd("GET")
            .arg("a")
            .cmd("BLPOP")
            .arg("q")
            .arg(1)
            .cmd("BLPOP")
            .arg("q")
            .arg(3);
        assert_eq!(p.blocking_time(), Some(Some(Duration::from_secs(3))));
    }

    fn ok() -> Value {
        Value::Okay
    }

    fn err(s: &str) -> Value {
        Value::ServerError(super::super::value::ServerError { reply: s.into() })
    }

    #[test]
    fn pipeline_results_leave_out_ignored_and_surface_errors() {
        let mut p = pipe();
        p.cmd("SET").arg("a").arg(1).ignore().cmd("GET").arg("a");
        assert_eq!(
            p.results(vec![ok(), Value::Int(1)]).unwrap(),
            Value::Array(vec![Value::Int(1)])
        );
        let e = p
            .results(vec![err("WRONGTYPE no"), Value::Int(1)])
            .unwrap_err();
        assert_eq!(e.code(), Some("WRONGTYPE"));
    }

    #[test]
    fn transactions_take_exec_s_array() {
        let mut p = pipe();
        p.atomic()
            .cmd("INCR")
            .arg("n")
            .cmd("INCR")
            .arg("n")
            .ignore();
        let queued = || Value::SimpleString("QUEUED".into());
        let replies = vec![
            ok(),
            queued(),
            queued(),
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
        ];
        assert_eq!(
            p.results(replies).unwrap(),
            Value::Array(vec![Value::Int(1)])
        );
        let aborted = vec![ok(), queued(), queued(), Value::Nil];
        assert_eq!(p.results(aborted).unwrap(), Value::Nil);
        let refused = vec![
            ok(),
            err("ERR unknown command"),
            queued(),
            err("EXECABORT Transaction discarded"),
        ];
        let e = p.results(refused).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ExecAbortError);
        assert!(e.to_string().contains("unknown command"), "{e}");
        assert_eq!(p.reply_count(), 4);
    }
}
