//! [`Value`]: one reply from the server, in any of RESP2's and RESP3's kinds.

use std::fmt;

/// A reply from the server, as the protocol typed it (redis-rs's names).
///
/// RESP2 servers send the first five kinds (and errors); RESP3 (`HELLO 3`,
/// `?protocol=resp3` in the URL) adds maps, sets, doubles, booleans,
/// verbatim strings, big numbers and pushes. [`FromRedisValue`] turns a
/// `Value` into the type a caller asks for.
///
/// [`FromRedisValue`]: super::FromRedisValue
#[derive(Clone, PartialEq)]
pub enum Value {
    /// A null bulk string or array (RESP2), or a null (RESP3).
    Nil,
    /// An integer reply.
    Int(i64),
    /// A bulk string: binary safe.
    BulkString(Vec<u8>),
    /// An array of replies.
    Array(Vec<Value>),
    /// A simple string other than `OK`.
    SimpleString(String),
    /// The simple string `OK`.
    Okay,
    /// A RESP3 map, in the order the server sent it.
    Map(Vec<(Value, Value)>),
    /// A RESP3 set.
    Set(Vec<Value>),
    /// A RESP3 double.
    Double(f64),
    /// A RESP3 boolean.
    Boolean(bool),
    /// A RESP3 verbatim string: its format (`txt`, `mkd`) and text.
    VerbatimString {
        /// The three-letter format.
        format: String,
        /// The text.
        text: String,
    },
    /// A RESP3 big number, in decimal.
    BigNumber(String),
    /// A RESP3 push (out-of-band data, such as pub/sub messages): its kind
    /// and the rest of its items.
    Push {
        /// The first item, naming the push (`message`, `invalidate`, …).
        kind: String,
        /// The other items.
        data: Vec<Value>,
    },
    /// An error reply inside an aggregate (a transaction's `EXEC`, or a
    /// pipeline); a top-level error reply becomes an `Err` instead.
    ServerError(ServerError),
}

/// An error reply as the server sent it: code and detail.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The whole reply without its `-`: `WRONGTYPE Operation against…`.
    pub(crate) reply: String,
}

impl ServerError {
    /// The error code, the reply's first word (`ERR`, `WRONGTYPE`, …).
    pub fn code(&self) -> &str {
        self.reply.split(' ').next().unwrap_or("")
    }

    /// What follows the code.
    pub fn details(&self) -> &str {
        self.reply.split_once(' ').map_or("", |(_, detail)| detail)
    }
}

impl fmt::Debug for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerError({:?})", self.reply)
    }
}

impl From<ServerError> for super::RedisError {
    fn from(error: ServerError) -> super::RedisError {
        super::RedisError::from_server_reply(&error.reply)
    }
}

impl Value {
    /// True for [`Value::Nil`].
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The items of an array, a set or a push (RESP3 sends some replies as
    /// sets that RESP2 sent as arrays).
    pub fn as_sequence(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) | Value::Set(items) => Some(items),
            Value::Push { data, .. } => Some(data),
            _ => None,
        }
    }

    /// An error reply inside this value, as an error: the first one met.
    pub(crate) fn first_error(&self) -> Option<&ServerError> {
        match self {
            Value::ServerError(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Int(n) => write!(f, "int({n})"),
            Value::BulkString(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => write!(f, "bulk({text:?})"),
                Err(_) => write!(f, "bulk({bytes:?})"),
            },
            Value::Array(items) => f.debug_list().entries(items).finish(),
            Value::SimpleString(s) => write!(f, "status({s:?})"),
            Value::Okay => write!(f, "ok"),
            Value::Map(pairs) => f
                .debug_map()
                .entries(pairs.iter().map(|(k, v)| (k, v)))
                .finish(),
            Value::Set(items) => f.debug_set().entries(items).finish(),
            Value::Double(x) => write!(f, "double({x})"),
            Value::Boolean(b) => write!(f, "bool({b})"),
            Value::VerbatimString { format, text } => write!(f, "verbatim({format}:{text:?})"),
            Value::BigNumber(n) => write!(f, "bignum({n})"),
            Value::Push { kind, data } => write!(f, "push({kind}, {data:?})"),
            Value::ServerError(e) => write!(f, "{e:?}"),
        }
    }
}
