//! [`Client`]: where the server is and how to log in, parsed from a URL;
//! and the connections it opens.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::conn::{self, Connection};
use super::error::{ErrorKind, RedisError, RedisResult};
use super::multiplexed::MultiplexedConnection;
use super::pubsub::PubSub;

/// Where the server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionAddr {
    /// A host name or IP address, and a port.
    Tcp(String, u16),
    /// A Unix socket's path.
    Unix(PathBuf),
}

impl fmt::Display for ConnectionAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionAddr::Tcp(host, port) if host.contains(':') => write!(f, "[{host}]:{port}"),
            ConnectionAddr::Tcp(host, port) => write!(f, "{host}:{port}"),
            ConnectionAddr::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Which protocol to speak.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProtocolVersion {
    /// RESP2, every server's (the default).
    #[default]
    RESP2,
    /// RESP3 (Redis 6 and later), asked for with `HELLO 3`.
    RESP3,
}

/// How to log in once connected.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedisConnectionInfo {
    /// The database to `SELECT` (0, the default, is not selected).
    pub db: i64,
    /// The ACL user (Redis 6); `None` is the default user.
    pub username: Option<String>,
    /// The password for `AUTH`.
    pub password: Option<String>,
    /// The protocol.
    pub protocol: ProtocolVersion,
}

impl fmt::Debug for RedisConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the password.
        f.debug_struct("RedisConnectionInfo")
            .field("db", &self.db)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("protocol", &self.protocol)
            .finish()
    }
}

/// Where to connect and how to log in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The server's address.
    pub addr: ConnectionAddr,
    /// The login.
    pub redis: RedisConnectionInfo,
}

/// What [`Client::open`] accepts: a URL, or a [`ConnectionInfo`].
pub trait IntoConnectionInfo {
    /// Parses or converts.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::InvalidClientConfig`] error naming what is wrong.
    fn into_connection_info(self) -> RedisResult<ConnectionInfo>;
}

impl IntoConnectionInfo for ConnectionInfo {
    fn into_connection_info(self) -> RedisResult<ConnectionInfo> {
        Ok(self)
    }
}

impl IntoConnectionInfo for &str {
    fn into_connection_info(self) -> RedisResult<ConnectionInfo> {
        parse_url(self)
    }
}

impl IntoConnectionInfo for String {
    fn into_connection_info(self) -> RedisResult<ConnectionInfo> {
        parse_url(&self)
    }
}

impl IntoConnectionInfo for &String {
    fn into_connection_info(self) -> RedisResult<ConnectionInfo> {
        parse_url(self)
    }
}

impl IntoConnectionInfo for (&str, u16) {
    fn into_connection_info(self) -> RedisResult<ConnectionInfo> {
        Ok(ConnectionInfo {
            addr: ConnectionAddr::Tcp(self.0.to_owned(), self.1),
            redis: RedisConnectionInfo::default(),
        })
    }
}

fn invalid(url: &str, why: &str) -> RedisError {
    // The URL may hold a password: say what is wrong without it.
    let shown = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    };
    RedisError::client(ErrorKind::InvalidClientConfig, format!("{why}: {shown:?}"))
}

/// Parses `redis://[user[:pass]@]host[:port][/db][?protocol=resp3]` and
/// `unix:///path[?db=N&user=U&pass=P&protocol=resp3]` (or `redis+unix://`).
fn parse_url(url: &str) -> RedisResult<ConnectionInfo> {
    let url = url.trim();
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid(url, "not a URL (expected redis://host:port/db)"))?;
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let mut redis = RedisConnectionInfo::default();
    let addr = match scheme.to_ascii_lowercase().as_str() {
        "redis" => {
            let (authority, path) = match rest.find('/') {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, ""),
            };
            let (userinfo, hostport) = match authority.rfind('@') {
                Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
                None => (None, authority),
            };
            if let Some(userinfo) = userinfo {
                let (user, pass) = match userinfo.split_once(':') {
                    Some((user, pass)) => (user, Some(pass)),
                    None => (userinfo, None),
                };
                let user = percent_decode(user).ok_or_else(|| invalid(url, "bad %-escape in the user name"))?;
                redis.username = (!user.is_empty()).then_some(user);
                if let Some(pass) = pass {
                    redis.password =
                        Some(percent_decode(pass).ok_or_else(|| invalid(url, "bad %-escape in the password"))?);
                }
                if redis.password.is_none() && redis.username.is_some() {
                    // redis://secret@host: a lone userinfo is the password,
                    // as redis-cli and redis-rs read it.
                    redis.password = redis.username.take();
                }
            }
            let (host, port) = split_host_port(hostport).ok_or_else(|| invalid(url, "bad host or port"))?;
            if !path.is_empty() {
                redis.db = path.parse().map_err(|_| invalid(url, "the path must be a database number"))?;
            }
            ConnectionAddr::Tcp(host, port)
        }
        "unix" | "redis+unix" => {
            if rest.is_empty() {
                return Err(invalid(url, "no socket path"));
            }
            ConnectionAddr::Unix(PathBuf::from(percent_decode(rest).ok_or_else(|| invalid(url, "bad %-escape"))?))
        }
        "rediss" => {
            return Err(invalid(
                url,
                "TLS (rediss://) is not supported by evloop's Redis client; use redis:// on a trusted network or a unix socket",
            ))
        }
        _ => return Err(invalid(url, "unknown scheme (expected redis:// or unix://)")),
    };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value =
            percent_decode(value).ok_or_else(|| invalid(url, "bad %-escape in the query"))?;
        match key {
            "db" => {
                redis.db = value
                    .parse()
                    .map_err(|_| invalid(url, "db must be a number"))?
            }
            "user" => redis.username = Some(value),
            "pass" | "password" => redis.password = Some(value),
            "protocol" => {
                redis.protocol = match value.to_ascii_lowercase().as_str() {
                    "resp2" | "2" => ProtocolVersion::RESP2,
                    "resp3" | "3" => ProtocolVersion::RESP3,
                    _ => return Err(invalid(url, "protocol must be resp2 or resp3")),
                }
            }
            _ => return Err(invalid(url, &format!("unknown URL parameter {key:?}"))),
        }
    }
    if redis.db < 0 {
        return Err(invalid(url, "the database number is negative"));
    }
    Ok(ConnectionInfo { addr, redis })
}

fn split_host_port(hostport: &str) -> Option<(String, u16)> {
    const DEFAULT_PORT: u16 = 6379;
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        return None;
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(port) => port.parse().ok().filter(|&p| p != 0)?,
    };
    Some((host.to_owned(), port))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Timeouts and limits for a new connection (redis-rs's
/// `AsyncConnectionConfig`, plus the reply size limit).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::redis::AsyncConnectionConfig;
///
/// let config = AsyncConnectionConfig::new()
///     .set_connection_timeout(Some(Duration::from_secs(2)))
///     .set_response_timeout(None); // wait as long as it takes
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct AsyncConnectionConfig {
    pub(crate) connection_timeout: Option<Duration>,
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) max_reply_size: usize,
}

impl Default for AsyncConnectionConfig {
    fn default() -> AsyncConnectionConfig {
        AsyncConnectionConfig {
            connection_timeout: Some(Duration::from_secs(1)),
            response_timeout: Some(Duration::from_millis(500)),
            max_reply_size: 512 * 1024 * 1024,
        }
    }
}

impl AsyncConnectionConfig {
    /// The defaults: connect within 1 s, every reply within 500 ms (plus
    /// its own timeout for a blocking command), replies up to 512 MiB.
    pub fn new() -> AsyncConnectionConfig {
        AsyncConnectionConfig::default()
    }

    /// How long connecting (and the handshake) may take; `None`: no limit.
    pub fn set_connection_timeout(mut self, timeout: Option<Duration>) -> AsyncConnectionConfig {
        self.connection_timeout = timeout;
        self
    }

    /// How long a reply may take; `None`: no limit. A blocking command
    /// (`BLPOP q 5`, `XREAD BLOCK 5000`) gets its own timeout on top; one
    /// that may block for ever (a timeout of 0) has no limit.
    pub fn set_response_timeout(mut self, timeout: Option<Duration>) -> AsyncConnectionConfig {
        self.response_timeout = timeout;
        self
    }

    /// The largest reply accepted (wire bytes plus decoded size); a larger
    /// one is an error, and its connection is closed. Default 512 MiB,
    /// Redis' own limit for a bulk string.
    pub fn set_max_reply_size(mut self, bytes: usize) -> AsyncConnectionConfig {
        self.max_reply_size = bytes;
        self
    }
}

/// Where a Redis server is and how to log in; it opens connections.
///
/// Making one does no I/O: [`open`](Client::open) only parses. A client can
/// be used in any runtime, one after another; each connection it opens
/// belongs to the runtime that opened it.
///
/// # Examples
///
/// ```
/// use evloop::redis::{Client, ConnectionAddr};
///
/// let client = Client::open("redis://:secret@127.0.0.1:6380/2")?;
/// let info = client.get_connection_info();
/// assert_eq!(info.addr, ConnectionAddr::Tcp("127.0.0.1".into(), 6380));
/// assert_eq!((info.redis.db, info.redis.password.as_deref()), (2, Some("secret")));
/// assert!(Client::open("redis://host:notaport").is_err());
/// # Ok::<(), evloop::redis::RedisError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    info: ConnectionInfo,
}

impl Client {
    /// A client for the server the URL names (see [`IntoConnectionInfo`]).
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::InvalidClientConfig`] error for a URL that does not
    /// parse.
    pub fn open<T: IntoConnectionInfo>(params: T) -> RedisResult<Client> {
        Ok(Client {
            info: params.into_connection_info()?,
        })
    }

    /// Where it connects, and how it logs in.
    pub fn get_connection_info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// A connection that many tasks share: see [`MultiplexedConnection`].
    /// Default timeouts (see [`AsyncConnectionConfig::new`]).
    ///
    /// # Errors
    ///
    /// Connecting failed or timed out, or the server refused the login.
    pub async fn get_multiplexed_async_connection(&self) -> RedisResult<MultiplexedConnection> {
        self.get_multiplexed_async_connection_with_config(&AsyncConnectionConfig::new())
            .await
    }

    /// [`get_multiplexed_async_connection`](Client::get_multiplexed_async_connection)
    /// with other timeouts.
    ///
    /// # Errors
    ///
    /// As there.
    pub async fn get_multiplexed_async_connection_with_config(
        &self,
        config: &AsyncConnectionConfig,
    ) -> RedisResult<MultiplexedConnection> {
        let (transport, reader, settings) = conn::open(&self.info, config).await?;
        Ok(MultiplexedConnection::new(
            transport,
            reader,
            settings,
            self.info.redis.db,
        ))
    }

    /// A dedicated connection, for blocking commands: see
    /// [`aio::Connection`](super::aio::Connection).
    ///
    /// # Errors
    ///
    /// As [`get_multiplexed_async_connection`](Client::get_multiplexed_async_connection).
    pub async fn get_async_connection(&self) -> RedisResult<Connection> {
        self.get_async_connection_with_config(&AsyncConnectionConfig::new())
            .await
    }

    /// [`get_async_connection`](Client::get_async_connection) with other
    /// timeouts.
    ///
    /// # Errors
    ///
    /// As there.
    pub async fn get_async_connection_with_config(
        &self,
        config: &AsyncConnectionConfig,
    ) -> RedisResult<Connection> {
        let (transport, reader, settings) = conn::open(&self.info, config).await?;
        Ok(Connection::new(
            transport,
            reader,
            settings,
            self.info.redis.db,
        ))
    }

    /// A connection for publish/subscribe: see [`aio::PubSub`](super::aio::PubSub).
    ///
    /// # Errors
    ///
    /// As [`get_multiplexed_async_connection`](Client::get_multiplexed_async_connection).
    pub async fn get_async_pubsub(&self) -> RedisResult<PubSub> {
        let (transport, reader, settings) =
            conn::open(&self.info, &AsyncConnectionConfig::new()).await?;
        Ok(PubSub::new(transport, reader, settings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> ConnectionInfo {
        parse_url(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn tcp_urls() {
        let info = parse("redis://127.0.0.1");
        assert_eq!(info.addr, ConnectionAddr::Tcp("127.0.0.1".into(), 6379));
        assert_eq!(info.redis, RedisConnectionInfo::default());
        let info = parse("redis://user:p%40ss@localhost:7000/3?protocol=resp3");
        assert_eq!(info.addr, ConnectionAddr::Tcp("localhost".into(), 7000));
        assert_eq!(info.redis.username.as_deref(), Some("user"));
        assert_eq!(info.redis.password.as_deref(), Some("p@ss"));
        assert_eq!(
            (info.redis.db, info.redis.protocol),
            (3, ProtocolVersion::RESP3)
        );
        let info = parse("redis://:only-pass@[::1]:6380/");
        assert_eq!(info.addr, ConnectionAddr::Tcp("::1".into(), 6380));
        assert_eq!(
            (info.redis.username, info.redis.password.as_deref()),
            (None, Some("only-pass"))
        );
        assert_eq!(
            parse("redis://secret@h").redis.password.as_deref(),
            Some("secret")
        );
        assert_eq!(info.addr.to_string(), "[::1]:6380");
    }

    #[test]
    fn unix_urls() {
        let info = parse("unix:///tmp/redis.sock?db=2&pass=x");
        assert_eq!(info.addr, ConnectionAddr::Unix("/tmp/redis.sock".into()));
        assert_eq!(
            (info.redis.db, info.redis.password.as_deref()),
            (2, Some("x"))
        );
        assert_eq!(
            parse("redis+unix:///r.sock").addr,
            ConnectionAddr::Unix("/r.sock".into())
        );
    }

    #[test]
    fn bad_urls_are_errors_that_hide_the_password() {
        for url in [
            "127.0.0.1:6379",
            "http://host",
            "redis://",
            "redis://host:0",
            "redis://host:99999",
            "redis://host:port",
            "redis://host/db",
            "redis://host/-1",
            "redis://host?protocol=resp9",
            "redis://host?nonsense=1",
            "redis://u:p%zz@host",
            "rediss://host",
            "unix://",
        ] {
            let err = parse_url(url).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidClientConfig, "{url}");
        }
        let err = parse_url("redis://user:hunter2@host:bad").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let debug = format!("{:?}", parse("redis://u:hunter2@h").redis);
        assert!(!debug.contains("hunter2"), "{debug}");
    }
}
