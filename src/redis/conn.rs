//! The wire under every connection: a TCP or Unix socket, the reply
//! reader, the handshake (`AUTH`, `SELECT`, `HELLO`), response deadlines,
//! and [`Connection`], the dedicated (not multiplexed) connection.

use std::future::{poll_fn, Future};
use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

use super::client::{AsyncConnectionConfig, ConnectionAddr, ConnectionInfo, ProtocolVersion};
use super::cmd::{cmd, reply_window, single_reply, Cmd, ConnectionLike, Pipeline};
use super::error::{ErrorKind, RedisError, RedisResult};
use super::resp::{Limits, Parser};
use super::value::Value;
#[cfg(unix)]
use crate::net::unix::UnixStream;
use crate::net::TcpStream;
use crate::time::{timeout_at, Instant};

/// A connected socket to the server.
#[derive(Debug)]
pub(crate) enum Transport {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Transport {
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Tcp(s) => s.poll_read(cx, buf),
            #[cfg(unix)]
            Transport::Unix(s) => s.poll_read(cx, buf),
        }
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Transport::Tcp(s) => s.poll_write(cx, buf),
            #[cfg(unix)]
            Transport::Unix(s) => s.poll_write(cx, buf),
        }
    }

    /// Writes all of `bytes`.
    pub(crate) async fn write_all(&self, mut bytes: &[u8]) -> RedisResult<()> {
        while !bytes.is_empty() {
            match poll_fn(|cx| self.poll_write(cx, bytes)).await {
                Ok(0) => return Err(RedisError::dropped("the server closed the connection")),
                Ok(n) => bytes = &bytes[n..],
                Err(e) => return Err(RedisError::io("writing a request", e)),
            }
        }
        Ok(())
    }
}

/// The first read buffer's size; it doubles when a reply needs more.
const READ_BUFFER: usize = 16 * 1024;

/// The least room a read asks the socket to fill: smaller reads would go
/// through the socket's own read-ahead buffer, a copy for nothing.
const MIN_READ: usize = 4096;

/// Reads replies: a buffer of bytes from the socket and the parser that
/// has used a prefix of them.
#[derive(Debug)]
pub(crate) struct Reader {
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    parser: Parser,
}

impl Reader {
    pub(crate) fn new(limits: Limits) -> Reader {
        Reader {
            buf: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
            parser: Parser::new(limits),
        }
    }

    /// The next reply, reading from `io` as needed.
    pub(crate) fn poll_reply(
        &mut self,
        io: &Transport,
        cx: &mut Context<'_>,
    ) -> Poll<RedisResult<Value>> {
        loop {
            if self.start < self.end {
                let parsed = self.parser.parse(&self.buf[self.start..self.end]);
                let (used, reply) = parsed.map_err(|e| {
                    RedisError::client(
                        ErrorKind::ParseError,
                        format!("the server sent an invalid reply: {e}"),
                    )
                })?;
                self.start += used;
                if let Some(reply) = reply {
                    return Poll::Ready(Ok(reply));
                }
            }
            self.make_room();
            let read = std::task::ready!(io.poll_read(cx, &mut self.buf[self.end..]));
            match read {
                Ok(0) => {
                    let mid_reply = self.start < self.end;
                    return Poll::Ready(Err(RedisError::dropped(if mid_reply {
                        "the server closed the connection in the middle of a reply"
                    } else {
                        "the server closed the connection"
                    })));
                }
                Ok(n) => self.end += n,
                Err(e) => return Poll::Ready(Err(RedisError::io("reading a reply", e))),
            }
        }
    }

    /// Makes room for a read of at least [`MIN_READ`] bytes: moves the
    /// unread bytes to the front, and doubles the buffer when they fill
    /// most of it (a reply larger than the buffer: the parser's limit
    /// bounds how far this goes).
    fn make_room(&mut self) {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.buf.len() - self.end >= MIN_READ {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        if self.buf.len() - self.end < MIN_READ {
            let bigger = self.buf.len() * 2;
            self.buf.resize(bigger, 0);
        }
    }

    /// The next reply (for the handshake and dedicated connections).
    pub(crate) async fn reply(&mut self, io: &Transport) -> RedisResult<Value> {
        poll_fn(|cx| self.poll_reply(io, cx)).await
    }
}

/// What a connection was configured with, after defaults.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) limits: Limits,
}

impl Settings {
    /// When a request sent now must have its reply: the response timeout,
    /// plus the time a blocking command may hold it back on purpose.
    /// `None`: no limit.
    pub(crate) fn deadline(&self, blocking: Option<Option<Duration>>) -> Option<Instant> {
        let limit = self.response_timeout?;
        let extra = match blocking {
            None => Duration::ZERO,
            Some(None) => return None,
            Some(Some(time)) => time,
        };
        Some(Instant::now().saturating_add(limit.saturating_add(extra)))
    }
}

/// Waits for `reply` until `deadline`.
pub(crate) async fn before<T>(
    deadline: Option<Instant>,
    reply: impl Future<Output = RedisResult<T>>,
) -> RedisResult<T> {
    match deadline {
        None => reply.await,
        Some(deadline) => match timeout_at(deadline, reply).await {
            Ok(result) => result,
            Err(_) => Err(RedisError::timeout(
                "no reply within the response timeout (AsyncConnectionConfig::set_response_timeout)",
            )),
        },
    }
}

/// Connects to the server and makes the handshake: `HELLO 3` for RESP3,
/// `AUTH`, `SELECT`, all in one write.
pub(crate) async fn open(
    info: &ConnectionInfo,
    config: &AsyncConnectionConfig,
) -> RedisResult<(Transport, Reader, Settings)> {
    let settings = Settings {
        response_timeout: config.response_timeout,
        limits: Limits {
            max_reply: config.max_reply_size,
            ..Limits::default()
        },
    };
    let transport = match config.connection_timeout {
        Some(limit) => {
            let deadline = Instant::now().saturating_add(limit);
            match timeout_at(deadline, connect(&info.addr)).await {
                Ok(result) => result?,
                Err(_) => {
                    return Err(RedisError::timeout(format!(
                        "connecting to {} took longer than {limit:?}",
                        info.addr
                    )))
                }
            }
        }
        None => connect(&info.addr).await?,
    };
    let mut reader = Reader::new(settings.limits);
    let mut handshake: Vec<(Cmd, ErrorKind)> = Vec::new();
    let redis = &info.redis;
    match (redis.protocol, &redis.password) {
        (ProtocolVersion::RESP3, password) => {
            let mut hello = cmd("HELLO");
            hello.arg(3);
            if let Some(password) = password {
                hello
                    .arg("AUTH")
                    .arg(redis.username.as_deref().unwrap_or("default"))
                    .arg(password);
            }
            handshake.push((hello, ErrorKind::AuthenticationFailed));
        }
        (ProtocolVersion::RESP2, Some(password)) => {
            let mut auth = cmd("AUTH");
            auth.arg(redis.username.as_deref()).arg(password);
            handshake.push((auth, ErrorKind::AuthenticationFailed));
        }
        (ProtocolVersion::RESP2, None) => {}
    }
    if redis.db != 0 {
        let mut select = cmd("SELECT");
        select.arg(redis.db);
        handshake.push((select, ErrorKind::ResponseError));
    }
    if !handshake.is_empty() {
        let mut out = Vec::new();
        for (cmd, _) in &handshake {
            cmd.write_packed(&mut out);
        }
        let deadline = settings.deadline(None);
        before(deadline, async {
            transport.write_all(&out).await?;
            for (cmd, kind) in &handshake {
                if let Value::ServerError(e) = reader.reply(&transport).await? {
                    let name = String::from_utf8_lossy(cmd.args_iter().next().unwrap_or_default())
                        .into_owned();
                    let err = RedisError::from_server_reply(&e.reply);
                    let kind = if *kind == ErrorKind::AuthenticationFailed {
                        *kind
                    } else {
                        err.kind()
                    };
                    return Err(RedisError::client(
                        kind,
                        format!("{name} while connecting: {}", e.reply),
                    ));
                }
            }
            Ok(())
        })
        .await?;
    }
    Ok((transport, reader, settings))
}

async fn connect(addr: &ConnectionAddr) -> RedisResult<Transport> {
    match addr {
        ConnectionAddr::Tcp(host, port) => {
            let stream = TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(|e| RedisError::io(&format!("connecting to {host}:{port}"), e))?;
            // Requests are small and latency is the point.
            stream
                .set_nodelay(true)
                .map_err(|e| RedisError::io("setting TCP_NODELAY", e))?;
            Ok(Transport::Tcp(stream))
        }
        #[cfg(unix)]
        ConnectionAddr::Unix(path) => UnixStream::connect(path)
            .await
            .map(Transport::Unix)
            .map_err(|e| RedisError::io(&format!("connecting to {}", path.display()), e)),
    }
}

/// The id of the runtime running here, for connections that must only be
/// used in the runtime their socket is registered with.
pub(crate) fn current_runtime() -> Option<u64> {
    crate::runtime::context::with_current(|core| core.id)
}

/// The error for a connection used in another runtime than its own.
pub(crate) fn foreign_runtime() -> RedisError {
    RedisError::client(
        ErrorKind::ClientError,
        "this Redis connection belongs to another evloop runtime (its socket is registered \
         there): open a new connection from the Client in the runtime that uses it",
    )
}

/// A dedicated connection: one socket, one request at a time, its reply
/// read by the request itself (no background task).
///
/// For blocking commands (`BLPOP`, `BLMOVE`, `XREAD BLOCK`): on a
/// [`MultiplexedConnection`](super::MultiplexedConnection) such a command
/// holds back every reply queued behind it, so give it a connection of its
/// own. Made by [`Client::get_async_connection`](super::Client::get_async_connection).
///
/// A request whose future is dropped (or times out) after it was sent
/// leaves its reply owed; the next request skips it. One dropped in the
/// middle of writing leaves the connection unusable, and later requests
/// say so.
#[derive(Debug)]
pub struct Connection {
    transport: Transport,
    reader: Reader,
    settings: Settings,
    db: i64,
    runtime: Option<u64>,
    /// Replies still to come for requests nobody waits for any more.
    owed: usize,
    /// A request was dropped in the middle of its write.
    torn: bool,
    /// The connection failed; every later request gets this.
    broken: Option<RedisError>,
}

impl Connection {
    pub(crate) fn new(
        transport: Transport,
        reader: Reader,
        settings: Settings,
        db: i64,
    ) -> Connection {
        Connection {
            transport,
            reader,
            settings,
            db,
            runtime: current_runtime(),
            owed: 0,
            torn: false,
            broken: None,
        }
    }

    /// Changes the response timeout of later requests.
    pub fn set_response_timeout(&mut self, timeout: Option<Duration>) {
        self.settings.response_timeout = timeout;
    }

    /// Sends `packed` and reads `count` replies.
    async fn request(
        &mut self,
        packed: Vec<u8>,
        count: usize,
        blocking: Option<Option<Duration>>,
    ) -> RedisResult<Vec<Value>> {
        if let Some(error) = &self.broken {
            return Err(error.clone());
        }
        if self.torn {
            return Err(RedisError::dropped(
                "an earlier request on this connection was cancelled in the middle of its write",
            ));
        }
        if self.runtime != current_runtime() {
            return Err(foreign_runtime());
        }
        let deadline = self.settings.deadline(blocking);
        // Count the replies as owed until read: a cancelled or timed-out
        // request leaves exactly those for the next one to skip.
        self.owed += count;
        let result = before(
            deadline,
            Exchange {
                con: self,
                packed: &packed,
                written: 0,
                count,
            }
            .run(),
        )
        .await;
        if let Err(error) = &result {
            if error.is_connection_dropped() || error.kind() == ErrorKind::ParseError {
                self.broken = Some(error.clone());
            }
        }
        result
    }
}

/// One request's write and reads, as a future that knows, when dropped,
/// whether it left a partial write behind.
struct Exchange<'a> {
    con: &'a mut Connection,
    packed: &'a [u8],
    written: usize,
    count: usize,
}

impl Exchange<'_> {
    async fn run(mut self) -> RedisResult<Vec<Value>> {
        poll_fn(|cx| self.poll_write(cx)).await?;
        let con = &mut *self.con;
        // First the replies of requests that gave up, then ours.
        while con.owed > self.count {
            con.reader.reply(&con.transport).await?;
            con.owed -= 1;
        }
        let mut replies = Vec::with_capacity(self.count);
        while replies.len() < self.count {
            replies.push(con.reader.reply(&con.transport).await?);
            con.owed -= 1;
        }
        self.count = 0;
        Ok(replies)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<RedisResult<()>> {
        while self.written < self.packed.len() {
            match std::task::ready!(self
                .con
                .transport
                .poll_write(cx, &self.packed[self.written..]))
            {
                Ok(0) => {
                    return Poll::Ready(Err(RedisError::dropped(
                        "the server closed the connection",
                    )))
                }
                Ok(n) => self.written += n,
                Err(e) => return Poll::Ready(Err(RedisError::io("writing a request", e))),
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for Exchange<'_> {
    fn drop(&mut self) {
        if self.written > 0 && self.written < self.packed.len() {
            self.con.torn = true;
        }
        if self.written == 0 {
            // Nothing went out: nothing is owed for it.
            self.con.owed -= self.count;
        }
    }
}

impl ConnectionLike for Connection {
    async fn req_packed_command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        let mut packed = Vec::new();
        cmd.write_packed(&mut packed);
        let mut replies = self.request(packed, 1, cmd.blocking_time()).await?;
        single_reply(replies.pop().expect("one reply was read"))
    }

    async fn req_packed_commands(
        &mut self,
        pipeline: &Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let mut packed = Vec::new();
        pipeline.write_packed(&mut packed);
        let replies = self
            .request(packed, pipeline.reply_count(), pipeline.blocking_time())
            .await?;
        Ok(reply_window(replies, offset, count))
    }

    fn get_db(&self) -> i64 {
        self.db
    }
}
