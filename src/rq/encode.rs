//! What RQ stores in Redis, encoded as Python RQ encodes it: zlib-compressed
//! JSON job data, base64 results, zlib+base64 exception text, and the
//! job description `mymodule.f('arg')` in Python's `repr` style.

use base64::Engine;
use serde_json::{Map, Value};

/// The most a compressed field may inflate to: job data and exception text
/// come from other machines, and must not become a zip bomb.
const MAX_INFLATED: usize = 64 * 1024 * 1024;

/// `zlib.compress(bytes)` (default level, as Python's).
pub(crate) fn zlib(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(bytes, 6)
}

/// `zlib.decompress(bytes)`, or the bytes as they are if they are not zlib
/// (RQ reads both).
pub(crate) fn unzlib(bytes: &[u8]) -> Result<Vec<u8>, String> {
    // A zlib stream starts with 0x78 (deflate, 32 KiB window).
    if bytes.first() != Some(&0x78) {
        return Ok(bytes.to_vec());
    }
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(bytes, MAX_INFLATED)
        .map_err(|e| format!("corrupt zlib data ({:?})", e.status))
}

pub(crate) fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn unbase64(text: &[u8]) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("bad base64: {e}"))
}

/// A job's `data` field: zlib of JSON `[func_name, null, args, kwargs]`.
pub(crate) fn job_data(func_name: &str, args: &[Value], kwargs: &Map<String, Value>) -> Vec<u8> {
    let json = Value::Array(vec![
        Value::String(func_name.to_owned()),
        Value::Null,
        Value::Array(args.to_vec()),
        Value::Object(kwargs.clone()),
    ]);
    zlib(json.to_string().as_bytes())
}

/// A call: function name, positional and keyword arguments.
pub(crate) type Call = (String, Vec<Value>, Map<String, Value>);

/// The call a job's `data` field stands for.
pub(crate) fn parse_job_data(data: &[u8]) -> Result<Call, String> {
    let json = unzlib(data)?;
    let value: Value = serde_json::from_slice(&json).map_err(|e| {
        format!("job data is not JSON ({e}): was it enqueued with RQ's JSONSerializer?")
    })?;
    match value {
        Value::Array(mut parts) if parts.len() == 4 => {
            let kwargs = match parts.pop() {
                Some(Value::Object(kwargs)) => kwargs,
                Some(Value::Null) => Map::new(),
                other => return Err(format!("job kwargs are not an object: {other:?}")),
            };
            let args = match parts.pop() {
                Some(Value::Array(args)) => args,
                Some(Value::Null) => Vec::new(),
                other => return Err(format!("job args are not an array: {other:?}")),
            };
            match parts.swap_remove(0) {
                Value::String(func_name) => Ok((func_name, args, kwargs)),
                other => Err(format!("job function name is not a string: {other}")),
            }
        }
        other => Err(format!(
            "job data is not [func_name, instance, args, kwargs]: {}",
            truncate(&other.to_string(), 200)
        )),
    }
}

/// `exc_string` in a result: base64 of zlib of the text.
pub(crate) fn exc_string(text: &str) -> String {
    base64(&zlib(text.as_bytes()))
}

pub(crate) fn parse_exc_string(field: &[u8]) -> Result<String, String> {
    let bytes = unzlib(&unbase64(field)?)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The description RQ shows for a call: `func(arg_reprs…, k=v…)`, each
/// value in Python's `repr` and cut at 75 characters (as RQ's
/// `get_call_string`), keyword arguments sorted as whole strings.
pub(crate) fn description(func_name: &str, args: &[Value], kwargs: &Map<String, Value>) -> String {
    const MAX: usize = 75;
    let cut = |s: String| match s.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &s[..at]),
        None => s,
    };
    let mut parts: Vec<String> = args.iter().map(|a| cut(python_repr(a))).collect();
    let mut named: Vec<String> = kwargs
        .iter()
        .map(|(k, v)| format!("{k}={}", cut(python_repr(v))))
        .collect();
    named.sort();
    parts.extend(named);
    format!("{func_name}({})", parts.join(", "))
}

/// A JSON value as Python's `repr` prints the value `json.loads` makes.
pub(crate) fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => python_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => python_str(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", python_str(k), python_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Python's `repr(float)`: the shortest digits that round-trip, fixed
/// notation for exponents from -4 to 15 (with `.0` if integral), else
/// `1e+16` style.
fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust's `{:e}` gives the same shortest round-trip digits.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("a decimal exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let fixed = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{fixed}")
    } else {
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{esign}{:02}", exp.abs())
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`.
fn python_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => match c as u32 {
                n if n <= 0xff => out.push_str(&format!("\\x{n:02x}")),
                n if n <= 0xffff => out.push_str(&format!("\\u{n:04x}")),
                n => out.push_str(&format!("\\U{n:08x}")),
            },
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn descriptions_read_like_rq_s() {
        let none = Map::new();
        assert_eq!(
            description("mymodule.echo", &[json!("hello")], &none),
            "mymodule.echo('hello')"
        );
        assert_eq!(description("mymodule.none", &[], &none), "mymodule.none()");
        assert_eq!(
            description(
                "mymodule.echo",
                &[json!({"a": [1, 2.5, null, true]})],
                &none
            ),
            "mymodule.echo({'a': [1, 2.5, None, True]})"
        );
        let kwargs: Map<String, Value> = serde_json::from_value(json!({"z": 1, "a": "q"})).unwrap();
        let long = "x".repeat(80);
        assert_eq!(
            description(
                "m.f",
                &[
                    json!("it's"),
                    json!(long),
                    json!(1e16),
                    json!(1.0),
                    json!(1e-5)
                ],
                &kwargs
            ),
            format!(
                "m.f(\"it's\", '{}..., 1e+16, 1.0, 1e-05, a='q', z=1)",
                "x".repeat(74)
            )
        );
    }

    #[test]
    fn python_reprs() {
        for (value, repr) in [
            (json!(0.1), "0.1"),
            (json!(100.0), "100.0"),
            (json!(123456789012345.6), "123456789012345.6"),
            (json!(1e15), "1000000000000000.0"),
            (json!(0.0001), "0.0001"),
            (json!(0.00001234), "1.234e-05"),
            (json!(-2.5e20), "-2.5e+20"),
            (json!("a\nb\\c\u{1}"), "'a\\nb\\\\c\\x01'"),
            (json!("both ' and \""), "'both \\' and \"'"),
            (json!("é"), "'é'"),
            (json!(u64::MAX), "18446744073709551615"),
        ] {
            assert_eq!(python_repr(&value), repr, "{value}");
        }
    }

    #[test]
    fn data_and_exceptions_round_trip_and_refuse_junk() {
        let kwargs: Map<String, Value> = serde_json::from_value(json!({"k": [1]})).unwrap();
        let data = job_data("mymodule.echo", &[json!("hi"), json!(2)], &kwargs);
        assert_eq!(
            data[..2],
            [0x78, 0x9c],
            "zlib at the default level, as Python's"
        );
        let (func, args, kw) = parse_job_data(&data).unwrap();
        assert_eq!(
            (func.as_str(), args, kw),
            ("mymodule.echo", vec![json!("hi"), json!(2)], kwargs)
        );
        // Uncompressed JSON is accepted, as RQ does.
        let plain = br#"["mymodule.echo", null, [42], {}]"#;
        assert_eq!(parse_job_data(plain).unwrap().1, [json!(42)]);
        for junk in [
            &b"\x78\x9cnot zlib"[..],
            b"not json",
            br#"["f", null, 1, {}]"#,
            br#"[1, null, [], {}]"#,
            b"[]",
        ] {
            assert!(parse_job_data(junk).is_err(), "{junk:?}");
        }
        let text = "ValueError: boom\n";
        assert_eq!(parse_exc_string(exc_string(text).as_bytes()).unwrap(), text);
        assert!(parse_exc_string(b"!!!").is_err());
        // A zip bomb stops at the limit.
        let bomb = zlib(&vec![0u8; MAX_INFLATED + 1]);
        assert!(unzlib(&bomb).is_err());
    }
}
