//! Conversions: Rust values into command arguments ([`ToRedisArgs`]) and
//! replies into Rust values ([`FromRedisValue`]), with redis-rs's names and
//! rules, so code written for redis-rs converts the same way.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use super::error::{RedisError, RedisResult};
use super::value::Value;

/// Where arguments are written: a command being built.
pub trait RedisWrite {
    /// Adds one argument (any bytes: arguments are length-prefixed).
    fn write_arg(&mut self, arg: &[u8]);

    /// Adds one argument formatted with `Display`.
    fn write_arg_fmt(&mut self, arg: impl std::fmt::Display)
    where
        Self: Sized,
    {
        self.write_arg(arg.to_string().as_bytes());
    }
}

impl RedisWrite for Vec<Vec<u8>> {
    fn write_arg(&mut self, arg: &[u8]) {
        self.push(arg.to_vec());
    }
}

/// A value that becomes zero or more command arguments.
///
/// Strings and byte slices are one argument each; numbers are written in
/// decimal; `Option::None` writes nothing; sequences, tuples and maps write
/// their items in order (a map as key, value, key, value, as `HSET` wants).
///
/// # Examples
///
/// ```
/// use evloop::redis::ToRedisArgs;
///
/// assert_eq!(("key", 42, 1.5).to_redis_args(), [b"key".to_vec(), b"42".to_vec(), b"1.5".to_vec()]);
/// assert_eq!(b"raw\r\nbytes".to_redis_args(), [b"raw\r\nbytes".to_vec()]);
/// assert!(None::<i32>.to_redis_args().is_empty());
/// ```
pub trait ToRedisArgs {
    /// Writes this value's arguments to `out`.
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W);

    /// The arguments, each as bytes.
    fn to_redis_args(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        self.write_redis_args(&mut out);
        out
    }

    /// How a slice of these is written. Each item by default; `u8` overrides
    /// it so that `&[u8]` and `Vec<u8>` are one binary argument, not one
    /// argument a byte.
    #[doc(hidden)]
    fn write_slice_args<W: ?Sized + RedisWrite>(items: &[Self], out: &mut W)
    where
        Self: Sized,
    {
        for item in items {
            item.write_redis_args(out);
        }
    }
}

macro_rules! display_args {
    ($($t:ty),*) => {$(
        impl ToRedisArgs for $t {
            fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
                out.write_arg(self.to_string().as_bytes());
            }
        }
    )*};
}

display_args!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize, f32, f64, char);

impl ToRedisArgs for u8 {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        out.write_arg(self.to_string().as_bytes());
    }

    fn write_slice_args<W: ?Sized + RedisWrite>(items: &[u8], out: &mut W) {
        out.write_arg(items);
    }
}

impl ToRedisArgs for bool {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        out.write_arg(if *self { b"1" } else { b"0" });
    }
}

impl ToRedisArgs for str {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        out.write_arg(self.as_bytes());
    }
}

impl ToRedisArgs for String {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        out.write_arg(self.as_bytes());
    }
}

impl<T: ToRedisArgs> ToRedisArgs for [T] {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        T::write_slice_args(self, out);
    }
}

impl<T: ToRedisArgs, const N: usize> ToRedisArgs for [T; N] {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        T::write_slice_args(self, out);
    }
}

impl<T: ToRedisArgs> ToRedisArgs for Vec<T> {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        T::write_slice_args(self, out);
    }
}

impl<T: ToRedisArgs + ?Sized> ToRedisArgs for &T {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        (**self).write_redis_args(out);
    }
}

impl<T: ToRedisArgs> ToRedisArgs for Option<T> {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        if let Some(value) = self {
            value.write_redis_args(out);
        }
    }
}

impl<K: ToRedisArgs, V: ToRedisArgs, S> ToRedisArgs for HashMap<K, V, S> {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        for (key, value) in self {
            key.write_redis_args(out);
            value.write_redis_args(out);
        }
    }
}

impl<K: ToRedisArgs, V: ToRedisArgs> ToRedisArgs for BTreeMap<K, V> {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        for (key, value) in self {
            key.write_redis_args(out);
            value.write_redis_args(out);
        }
    }
}

impl<T: ToRedisArgs, S> ToRedisArgs for HashSet<T, S> {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        for item in self {
            item.write_redis_args(out);
        }
    }
}

impl<T: ToRedisArgs> ToRedisArgs for BTreeSet<T> {
    fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
        for item in self {
            item.write_redis_args(out);
        }
    }
}

/// A type a reply converts into.
///
/// The rules are redis-rs's: integers parse from integer replies and from
/// decimal strings; strings come from bulk and simple strings (and from
/// numbers); `Option` is `None` for nil; `Vec` and sets take arrays (a nil
/// is empty), and `Vec<u8>` a bulk string; tuples take arrays of their
/// arity (and a `Vec` of tuples takes a flat array, as `HGETALL` sends);
/// maps take flat key/value arrays or RESP3 maps; `()` takes anything.
///
/// # Examples
///
/// ```
/// use evloop::redis::{FromRedisValue, Value};
///
/// let reply = Value::Array(vec![Value::BulkString(b"a".to_vec()), Value::Int(1)]);
/// let pair: (String, i64) = FromRedisValue::from_redis_value(&reply)?;
/// assert_eq!(pair, ("a".to_string(), 1));
/// assert_eq!(Option::<String>::from_redis_value(&Value::Nil)?, None);
/// assert!(i64::from_redis_value(&Value::BulkString(b"x".to_vec())).is_err());
/// # Ok::<(), evloop::redis::RedisError>(())
/// ```
pub trait FromRedisValue: Sized {
    /// Converts a reply.
    fn from_redis_value(value: &Value) -> RedisResult<Self>;

    /// Converts a reply it may consume (saves copying bulk strings).
    fn from_owned_redis_value(value: Value) -> RedisResult<Self> {
        Self::from_redis_value(&value)
    }

    /// Converts the items of a sequence: each by default; tuples override
    /// it to take a flat array in chunks of their arity.
    #[doc(hidden)]
    fn from_redis_values(items: &[Value]) -> RedisResult<Vec<Self>> {
        items.iter().map(Self::from_redis_value).collect()
    }

    /// How a bulk string converts into `Vec<Self>`: only `u8` says yes.
    #[doc(hidden)]
    fn from_byte_vec(_bytes: &[u8]) -> Option<Vec<Self>> {
        None
    }

    /// [`from_byte_vec`](FromRedisValue::from_byte_vec) taking the bytes,
    /// so `Vec<u8>` is the reply's own buffer; the bytes come back if not.
    #[doc(hidden)]
    fn from_owned_byte_vec(bytes: Vec<u8>) -> Result<Vec<Self>, Vec<u8>> {
        Err(bytes)
    }
}

/// Converts a reply, redis-rs's free function.
pub fn from_redis_value<T: FromRedisValue>(value: &Value) -> RedisResult<T> {
    T::from_redis_value(value)
}

impl FromRedisValue for Value {
    fn from_redis_value(value: &Value) -> RedisResult<Value> {
        Ok(value.clone())
    }

    fn from_owned_redis_value(value: Value) -> RedisResult<Value> {
        Ok(value)
    }
}

impl FromRedisValue for () {
    fn from_redis_value(_: &Value) -> RedisResult<()> {
        Ok(())
    }
}

/// The text of a string-like reply, for numbers and strings to parse.
fn text_of(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::BulkString(bytes) => std::str::from_utf8(bytes).ok().map(Into::into),
        Value::SimpleString(s) => Some(s.as_str().into()),
        Value::VerbatimString { text, .. } => Some(text.as_str().into()),
        Value::BigNumber(n) => Some(n.as_str().into()),
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

macro_rules! integer_from {
    ($($t:ty),*) => {$(
        impl FromRedisValue for $t {
            fn from_redis_value(value: &Value) -> RedisResult<$t> {
                let parsed = match value {
                    Value::Int(n) => <$t>::try_from(*n).ok(),
                    Value::Boolean(b) => Some(<$t>::from(*b)),
                    other => text_of(other).and_then(|s| s.parse().ok()),
                };
                parsed.ok_or_else(|| RedisError::type_error(stringify!($t), value))
            }
        }
    )*};
}

integer_from!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);

impl FromRedisValue for u8 {
    fn from_redis_value(value: &Value) -> RedisResult<u8> {
        let parsed = match value {
            Value::Int(n) => u8::try_from(*n).ok(),
            Value::Boolean(b) => Some(u8::from(*b)),
            other => text_of(other).and_then(|s| s.parse().ok()),
        };
        parsed.ok_or_else(|| RedisError::type_error("u8", value))
    }

    fn from_byte_vec(bytes: &[u8]) -> Option<Vec<u8>> {
        Some(bytes.to_vec())
    }

    fn from_owned_byte_vec(bytes: Vec<u8>) -> Result<Vec<u8>, Vec<u8>> {
        Ok(bytes)
    }
}

macro_rules! float_from {
    ($($t:ty),*) => {$(
        impl FromRedisValue for $t {
            fn from_redis_value(value: &Value) -> RedisResult<$t> {
                let parsed = match value {
                    Value::Int(n) => Some(*n as $t),
                    Value::Double(x) => Some(*x as $t),
                    other => text_of(other).and_then(|s| s.parse().ok()),
                };
                parsed.ok_or_else(|| RedisError::type_error(stringify!($t), value))
            }
        }
    )*};
}

float_from!(f32, f64);

impl FromRedisValue for bool {
    fn from_redis_value(value: &Value) -> RedisResult<bool> {
        let parsed = match value {
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            Value::Boolean(b) => Some(*b),
            Value::Okay => Some(true),
            Value::Nil => Some(false),
            other => match text_of(other).as_deref() {
                Some("0") => Some(false),
                Some("1") => Some(true),
                _ => None,
            },
        };
        parsed.ok_or_else(|| RedisError::type_error("bool", value))
    }
}

impl FromRedisValue for String {
    fn from_redis_value(value: &Value) -> RedisResult<String> {
        match value {
            Value::Int(n) => Ok(n.to_string()),
            Value::Double(x) => Ok(x.to_string()),
            other => text_of(other)
                .map(|s| s.into_owned())
                .ok_or_else(|| RedisError::type_error("a UTF-8 string", value)),
        }
    }

    fn from_owned_redis_value(value: Value) -> RedisResult<String> {
        match value {
            Value::BulkString(bytes) => String::from_utf8(bytes).map_err(|e| {
                RedisError::type_error("a UTF-8 string", &Value::BulkString(e.into_bytes()))
            }),
            Value::SimpleString(s) => Ok(s),
            other => String::from_redis_value(&other),
        }
    }
}

impl<T: FromRedisValue> FromRedisValue for Option<T> {
    fn from_redis_value(value: &Value) -> RedisResult<Option<T>> {
        match value {
            Value::Nil => Ok(None),
            other => T::from_redis_value(other).map(Some),
        }
    }

    fn from_owned_redis_value(value: Value) -> RedisResult<Option<T>> {
        match value {
            Value::Nil => Ok(None),
            other => T::from_owned_redis_value(other).map(Some),
        }
    }
}

impl<T: FromRedisValue> FromRedisValue for Vec<T> {
    fn from_redis_value(value: &Value) -> RedisResult<Vec<T>> {
        match value {
            Value::BulkString(bytes) => {
                T::from_byte_vec(bytes).ok_or_else(|| RedisError::type_error("an array", value))
            }
            Value::Nil => Ok(Vec::new()),
            Value::Map(pairs) => {
                let flat: Vec<Value> = pairs
                    .iter()
                    .flat_map(|(k, v)| [k.clone(), v.clone()])
                    .collect();
                T::from_redis_values(&flat)
            }
            other => match other.as_sequence() {
                Some(items) => T::from_redis_values(items),
                None => Err(RedisError::type_error("an array", value)),
            },
        }
    }

    fn from_owned_redis_value(value: Value) -> RedisResult<Vec<T>> {
        match value {
            // `Vec<u8>` takes the reply's bytes as they are, no copy.
            Value::BulkString(bytes) => T::from_owned_byte_vec(bytes)
                .map_err(|bytes| RedisError::type_error("an array", &Value::BulkString(bytes))),
            other => Vec::from_redis_value(&other),
        }
    }
}

/// Pairs from a flat key/value sequence or a RESP3 map.
fn pairs_of(value: &Value) -> RedisResult<Vec<(&Value, &Value)>> {
    match value {
        Value::Map(pairs) => Ok(pairs.iter().map(|(k, v)| (k, v)).collect()),
        Value::Nil => Ok(Vec::new()),
        other => match other.as_sequence() {
            Some(items) if items.len() % 2 == 0 => {
                Ok(items.chunks(2).map(|kv| (&kv[0], &kv[1])).collect())
            }
            _ => Err(RedisError::type_error("a map (key/value pairs)", value)),
        },
    }
}

impl<K: FromRedisValue + Eq + Hash, V: FromRedisValue, S: BuildHasher + Default> FromRedisValue
    for HashMap<K, V, S>
{
    fn from_redis_value(value: &Value) -> RedisResult<HashMap<K, V, S>> {
        pairs_of(value)?
            .into_iter()
            .map(|(k, v)| Ok((K::from_redis_value(k)?, V::from_redis_value(v)?)))
            .collect()
    }
}

impl<K: FromRedisValue + Ord, V: FromRedisValue> FromRedisValue for BTreeMap<K, V> {
    fn from_redis_value(value: &Value) -> RedisResult<BTreeMap<K, V>> {
        pairs_of(value)?
            .into_iter()
            .map(|(k, v)| Ok((K::from_redis_value(k)?, V::from_redis_value(v)?)))
            .collect()
    }
}

impl<T: FromRedisValue + Eq + Hash, S: BuildHasher + Default> FromRedisValue for HashSet<T, S> {
    fn from_redis_value(value: &Value) -> RedisResult<HashSet<T, S>> {
        Ok(Vec::<T>::from_redis_value(value)?.into_iter().collect())
    }
}

impl<T: FromRedisValue + Ord> FromRedisValue for BTreeSet<T> {
    fn from_redis_value(value: &Value) -> RedisResult<BTreeSet<T>> {
        Ok(Vec::<T>::from_redis_value(value)?.into_iter().collect())
    }
}

macro_rules! tuples {
    ($($n:literal: ($($name:ident),+);)*) => {$(
        impl<$($name: ToRedisArgs),+> ToRedisArgs for ($($name,)+) {
            #[allow(non_snake_case)]
            fn write_redis_args<W: ?Sized + RedisWrite>(&self, out: &mut W) {
                let ($($name,)+) = self;
                $($name.write_redis_args(out);)+
            }
        }

        #[allow(clippy::modulo_one)] // the 1-tuple's chunks of one
        impl<$($name: FromRedisValue),+> FromRedisValue for ($($name,)+) {
            fn from_redis_value(value: &Value) -> RedisResult<Self> {
                match value.as_sequence() {
                    Some(items) if items.len() == $n => {
                        let mut items = items.iter();
                        Ok(($($name::from_redis_value(items.next().expect("arity"))?,)+))
                    }
                    _ => Err(RedisError::type_error(concat!("an array of ", $n), value)),
                }
            }

            fn from_redis_values(items: &[Value]) -> RedisResult<Vec<Self>> {
                // An array of arrays: each is one tuple. A flat array (as
                // HGETALL or ZRANGE WITHSCORES send): chunks of the arity.
                if items.iter().all(|item| item.as_sequence().is_some()) {
                    return items.iter().map(Self::from_redis_value).collect();
                }
                if items.len() % $n != 0 {
                    return Err(RedisError::type_error(
                        concat!("a flat array of a multiple of ", $n, " items"),
                        &Value::Array(items.to_vec()),
                    ));
                }
                items
                    .chunks($n)
                    .map(|chunk| {
                        let mut items = chunk.iter();
                        Ok(($($name::from_redis_value(items.next().expect("arity"))?,)+))
                    })
                    .collect()
            }
        }
    )*};
}

tuples! {
    1: (A);
    2: (A, B);
    3: (A, B, C);
    4: (A, B, C, D);
    5: (A, B, C, D, E);
    6: (A, B, C, D, E, F);
    7: (A, B, C, D, E, F, G);
    8: (A, B, C, D, E, F, G, H);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn arguments() {
        assert_eq!(
            (
                "a",
                String::from("b"),
                7u8,
                -3i64,
                true,
                vec![1u32, 2],
                &b"\x00\xff"[..]
            )
                .to_redis_args(),
            vec![
                b"a".to_vec(),
                b"b".to_vec(),
                b"7".to_vec(),
                b"-3".to_vec(),
                b"1".to_vec(),
                b"1".to_vec(),
                b"2".to_vec(),
                vec![0, 255]
            ]
        );
        assert_eq!(vec![1u8, 2].to_redis_args(), vec![vec![1u8, 2]]);
        let map: BTreeMap<&str, i32> = [("f", 1), ("g", 2)].into_iter().collect();
        assert_eq!(map.to_redis_args().len(), 4);
    }

    #[test]
    fn scalars() {
        assert_eq!(i64::from_redis_value(&bulk("-12")).unwrap(), -12);
        assert_eq!(u8::from_redis_value(&Value::Int(255)).unwrap(), 255);
        assert!(u8::from_redis_value(&Value::Int(256)).is_err());
        assert_eq!(f64::from_redis_value(&bulk("1.5")).unwrap(), 1.5);
        assert!(bool::from_redis_value(&Value::Int(1)).unwrap());
        assert!(!bool::from_redis_value(&bulk("0")).unwrap());
        assert_eq!(String::from_redis_value(&Value::Okay).unwrap(), "OK");
        assert_eq!(String::from_redis_value(&Value::Int(5)).unwrap(), "5");
        assert!(String::from_owned_redis_value(Value::BulkString(vec![0xff])).is_err());
        assert_eq!(
            Vec::<u8>::from_owned_redis_value(bulk("raw")).unwrap(),
            b"raw"
        );
        let err = i32::from_redis_value(&Value::Array(vec![])).unwrap_err();
        assert_eq!(err.kind(), super::super::ErrorKind::TypeError);
    }

    #[test]
    fn aggregates() {
        let flat = Value::Array(vec![bulk("a"), bulk("1"), bulk("b"), bulk("2")]);
        let map: HashMap<String, i32> = from_redis_value(&flat).unwrap();
        assert_eq!(map["b"], 2);
        let pairs: Vec<(String, i32)> = from_redis_value(&flat).unwrap();
        assert_eq!(pairs, [("a".into(), 1), ("b".into(), 2)]);
        let resp3 = Value::Map(vec![(bulk("a"), Value::Int(1))]);
        let map: BTreeMap<String, i64> = from_redis_value(&resp3).unwrap();
        assert_eq!(map["a"], 1);
        let nested = Value::Array(vec![
            Value::Array(vec![bulk("x"), Value::Int(1)]),
            Value::Array(vec![bulk("y"), Value::Int(2)]),
        ]);
        let rows: Vec<(String, u32)> = from_redis_value(&nested).unwrap();
        assert_eq!(rows[1], ("y".into(), 2));
        assert!(Vec::<i32>::from_redis_value(&Value::Nil)
            .unwrap()
            .is_empty());
        let odd = Value::Array(vec![bulk("a")]);
        assert!(HashMap::<String, String>::from_redis_value(&odd).is_err());
        let set: HashSet<i32> = from_redis_value(&Value::Set(vec![Value::Int(3)])).unwrap();
        assert!(set.contains(&3));
        let triple: (i32, Option<String>, ()) =
            from_redis_value(&Value::Array(vec![Value::Int(1), Value::Nil, Value::Okay])).unwrap();
        assert_eq!(triple, (1, None, ()));
    }
}
