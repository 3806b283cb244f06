//! [`RedisError`], its [`ErrorKind`], and [`RedisResult`].
//!
//! An error says which of three places it came from: the server answered
//! with an error reply (`-WRONGTYPE …`: [`code`](RedisError::code) and
//! [`detail`](RedisError::detail) hold its two parts), the connection failed
//! (I/O, a close, a timeout), or the client refused something before or
//! after the wire (a bad URL, a reply that does not convert to the type
//! asked for, a malformed reply).

use std::fmt;
use std::io;
use std::sync::Arc;

/// `Result<T, RedisError>`, as redis-rs names it.
pub type RedisResult<T> = Result<T, RedisError>;

/// What kind of failure a [`RedisError`] is (redis-rs's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with an error reply whose code has no kind of
    /// its own here (`ERR`, `WRONGTYPE`, …: see [`RedisError::code`]).
    ResponseError,
    /// The server refused the credentials (`NOAUTH`, `WRONGPASS`, or an
    /// `AUTH` that failed while connecting).
    AuthenticationFailed,
    /// A reply did not convert to the type asked for.
    TypeError,
    /// A transaction was discarded because a queued command was invalid
    /// (`EXECABORT`).
    ExecAbortError,
    /// The server is loading its data set (`LOADING`).
    BusyLoadingError,
    /// `EVALSHA` named a script the server does not have (`NOSCRIPT`).
    NoScriptError,
    /// The server is a read-only replica (`READONLY`).
    ReadOnly,
    /// The URL or the connection settings are not usable.
    InvalidClientConfig,
    /// The connection failed: an I/O error, a close, or a timeout.
    IoError,
    /// The client refused to go on: the connection is closed, or belongs to
    /// another runtime.
    ClientError,
    /// The server sent bytes that are not a valid reply, or a reply over
    /// the size or nesting limits.
    ParseError,
}

/// An error from the Redis client.
///
/// Cheap to clone (a pipeline's or a closed connection's error reaches
/// every request that waited on it).
///
/// # Examples
///
/// ```
/// use evloop::redis::{ErrorKind, RedisError};
///
/// let err = RedisError::from_server_reply("WRONGTYPE Operation against a key holding the wrong kind of value");
/// assert_eq!(err.kind(), ErrorKind::ResponseError);
/// assert_eq!(err.code(), Some("WRONGTYPE"));
/// assert_eq!(err.detail(), Some("Operation against a key holding the wrong kind of value"));
/// assert!(!err.is_io_error());
/// ```
#[derive(Clone)]
pub struct RedisError {
    repr: Arc<Repr>,
}

struct Repr {
    kind: ErrorKind,
    /// What went wrong, in words (for a server error: the whole reply).
    message: String,
    /// For a server error reply: where the code ends in `message`.
    code_len: Option<usize>,
    /// The I/O error underneath, if any.
    io: Option<io::Error>,
    /// A timeout, not another I/O failure.
    timeout: bool,
    /// The connection is gone (closed by the server, reset, or broken
    /// earlier): nothing more will come on it.
    dropped: bool,
}

impl RedisError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> RedisError {
        RedisError {
            repr: Arc::new(Repr {
                kind,
                message: message.into(),
                code_len: None,
                io: None,
                timeout: false,
                dropped: false,
            }),
        }
    }

    /// An error of `kind` with a description.
    pub(crate) fn client(kind: ErrorKind, message: impl Into<String>) -> RedisError {
        RedisError::new(kind, message)
    }

    /// The error a server's error reply (`-CODE detail`, without the `-`)
    /// stands for; the code picks the kind.
    pub fn from_server_reply(reply: &str) -> RedisError {
        let code_len = reply.find(' ').unwrap_or(reply.len());
        let kind = match &reply[..code_len] {
            "NOAUTH" | "WRONGPASS" => ErrorKind::AuthenticationFailed,
            "EXECABORT" => ErrorKind::ExecAbortError,
            "LOADING" => ErrorKind::BusyLoadingError,
            "NOSCRIPT" => ErrorKind::NoScriptError,
            "READONLY" => ErrorKind::ReadOnly,
            _ => ErrorKind::ResponseError,
        };
        let mut err = RedisError::new(kind, reply);
        Arc::get_mut(&mut err.repr).expect("fresh").code_len = Some(code_len);
        err
    }

    /// An I/O failure of the connection, saying what was being done.
    pub(crate) fn io(doing: &str, error: io::Error) -> RedisError {
        let dropped = matches!(
            error.kind(),
            io::ErrorKind::UnexpectedEof
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::NotConnected
        );
        let timeout = error.kind() == io::ErrorKind::TimedOut;
        let mut err = RedisError::new(ErrorKind::IoError, format!("{doing}: {error}"));
        let repr = Arc::get_mut(&mut err.repr).expect("fresh");
        (repr.io, repr.dropped, repr.timeout) = (Some(error), dropped, timeout);
        err
    }

    /// The server closed the connection (or it was closed earlier).
    pub(crate) fn dropped(message: impl Into<String>) -> RedisError {
        let mut err = RedisError::new(ErrorKind::IoError, message);
        Arc::get_mut(&mut err.repr).expect("fresh").dropped = true;
        err
    }

    /// No answer within `what`'s time limit.
    pub(crate) fn timeout(message: impl Into<String>) -> RedisError {
        let mut err = RedisError::new(ErrorKind::IoError, message);
        Arc::get_mut(&mut err.repr).expect("fresh").timeout = true;
        err
    }

    /// A reply that does not convert to the type asked for.
    pub(crate) fn type_error(wanted: &str, got: &super::Value) -> RedisError {
        RedisError::new(
            ErrorKind::TypeError,
            format!("response was of incompatible type: expected {wanted}, got {got:?}"),
        )
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// For an error reply from the server, its code: the first word
    /// (`WRONGTYPE`, `NOAUTH`, `ERR`, …).
    pub fn code(&self) -> Option<&str> {
        self.repr.code_len.map(|len| &self.repr.message[..len])
    }

    /// For an error reply from the server, what follows the code; otherwise
    /// the description.
    pub fn detail(&self) -> Option<&str> {
        match self.repr.code_len {
            Some(len) => Some(self.repr.message[len..].trim_start()),
            None => Some(&self.repr.message),
        }
    }

    /// True if no answer came within a time limit (connect or response).
    pub fn is_timeout(&self) -> bool {
        self.repr.timeout
    }

    /// True if the connection is gone: a new one is needed.
    pub fn is_connection_dropped(&self) -> bool {
        self.repr.dropped
    }

    /// True for failures of the connection itself (I/O, close, timeout).
    pub fn is_io_error(&self) -> bool {
        self.repr.kind == ErrorKind::IoError
    }

    /// True if the server refused the connection (nothing listens there).
    pub fn is_connection_refusal(&self) -> bool {
        self.repr
            .io
            .as_ref()
            .is_some_and(|e| e.kind() == io::ErrorKind::ConnectionRefused)
    }
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.repr.kind {
            ErrorKind::ResponseError => "server error",
            ErrorKind::AuthenticationFailed => "authentication failed",
            ErrorKind::TypeError => "type error",
            ErrorKind::ExecAbortError => "transaction aborted",
            ErrorKind::BusyLoadingError => "server is loading",
            ErrorKind::NoScriptError => "no such script",
            ErrorKind::ReadOnly => "read-only server",
            ErrorKind::InvalidClientConfig => "invalid client configuration",
            ErrorKind::IoError if self.repr.timeout => "timed out",
            ErrorKind::IoError => "connection error",
            ErrorKind::ClientError => "client error",
            ErrorKind::ParseError => "invalid reply",
        };
        write!(f, "redis: {what}: {}", self.repr.message)
    }
}

impl fmt::Debug for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisError")
            .field("kind", &self.repr.kind)
            .field("message", &self.repr.message)
            .field("timeout", &self.repr.timeout)
            .field("dropped", &self.repr.dropped)
            .finish()
    }
}

impl std::error::Error for RedisError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.repr
            .io
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<io::Error> for RedisError {
    fn from(error: io::Error) -> RedisError {
        RedisError::io("I/O", error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_codes_pick_kinds_and_split_code_from_detail() {
        let err = RedisError::from_server_reply("NOAUTH Authentication required.");
        assert_eq!(err.kind(), ErrorKind::AuthenticationFailed);
        assert_eq!(
            (err.code(), err.detail()),
            (Some("NOAUTH"), Some("Authentication required."))
        );
        let bare = RedisError::from_server_reply("ERR");
        assert_eq!((bare.code(), bare.detail()), (Some("ERR"), Some("")));
        assert_eq!(
            RedisError::from_server_reply("EXECABORT Transaction discarded").kind(),
            ErrorKind::ExecAbortError
        );
        assert!(err.to_string().contains("NOAUTH Authentication required."));
    }

    #[test]
    fn io_errors_say_dropped_or_timeout() {
        let reset = RedisError::io("reading", io::ErrorKind::ConnectionReset.into());
        assert!(reset.is_io_error() && reset.is_connection_dropped() && !reset.is_timeout());
        let late = RedisError::timeout("no reply within 500ms");
        assert!(late.is_timeout() && late.is_io_error() && !late.is_connection_dropped());
        assert_eq!(late.code(), None);
        assert!(late.to_string().contains("timed out"), "{late}");
    }
}
