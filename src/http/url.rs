//! [`Url`]: the small URL parser the client needs, and redirect resolution.
//!
//! Only what an HTTP/1.1 client sends is modelled: a scheme (`http` or
//! `https`), a host (a name, an IPv4 address or a bracketed IPv6 address), a
//! port, and the request target (path and query). Percent-encoding is kept
//! exactly as given: the client never decodes or re-encodes a path, so what
//! the user wrote is what the server sees. The fragment is dropped, as a
//! browser does; it is never sent. Userinfo (`user:pass@`) becomes an
//! `Authorization: Basic` header (see [`Url::basic_auth`]).

use std::fmt;

/// A parsed `http` or `https` URL.
///
/// # Examples
///
/// ```
/// use evloop::http::Url;
///
/// let url = Url::parse("https://www.reddit.com/r/python/top.json?t=day#top")?;
/// assert_eq!(url.scheme(), "https");
/// assert_eq!(url.host(), "www.reddit.com");
/// assert_eq!(url.port(), 443);
/// assert_eq!(url.path_and_query(), "/r/python/top.json?t=day");
/// assert_eq!(url.as_str(), "https://www.reddit.com/r/python/top.json?t=day");
/// # Ok::<(), evloop::http::UrlError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Url {
    /// The whole URL without userinfo and fragment: what `as_str` shows and
    /// what errors name (so a password never lands in a log line).
    serialized: String,
    /// True for `https`.
    tls: bool,
    /// Lower-cased host; an IPv6 address keeps its brackets, as it appears
    /// in the `Host` header.
    host: String,
    /// The port, explicit or the scheme's default.
    port: u16,
    /// Whether the port was written out; the `Host` header repeats it then.
    explicit_port: bool,
    /// The origin-form request target: path (at least `/`) and query.
    target: String,
    /// `user:password`, still percent-encoded, if the URL carried one.
    userinfo: Option<String>,
}

/// Why a string is not a URL the client can fetch.
///
/// # Examples
///
/// ```
/// let err = evloop::http::Url::parse("ftp://example.com/").unwrap_err();
/// assert_eq!(err.to_string(), "unsupported URL scheme `ftp` (only http and https)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// No `scheme://` at the start.
    MissingScheme,
    /// A scheme other than `http` and `https`.
    UnsupportedScheme(String),
    /// Nothing between `//` and the path.
    EmptyHost,
    /// A host with characters no host name or address has.
    InvalidHost(String),
    /// A port that is not a number from 1 to 65535.
    InvalidPort(String),
    /// A space or control character: the URL would break the request line.
    InvalidCharacter,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::MissingScheme => {
                f.write_str("URL has no scheme (expected http:// or https://)")
            }
            UrlError::UnsupportedScheme(s) => {
                write!(f, "unsupported URL scheme `{s}` (only http and https)")
            }
            UrlError::EmptyHost => f.write_str("URL has no host"),
            UrlError::InvalidHost(h) => write!(f, "invalid host `{h}` in URL"),
            UrlError::InvalidPort(p) => write!(f, "invalid port `{p}` in URL"),
            UrlError::InvalidCharacter => f.write_str("URL contains a space or control character"),
        }
    }
}

impl std::error::Error for UrlError {}

impl Url {
    /// Parses an absolute `http` or `https` URL.
    ///
    /// # Errors
    ///
    /// A [`UrlError`] saying what is wrong: another scheme, no host, a bad
    /// port, or whitespace and control characters anywhere.
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        let input = trim_ascii(input);
        if input.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError::InvalidCharacter);
        }
        let (scheme, rest) = input.split_once("://").ok_or(UrlError::MissingScheme)?;
        let tls = if scheme.eq_ignore_ascii_case("http") {
            false
        } else if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Err(UrlError::MissingScheme);
        } else {
            return Err(UrlError::UnsupportedScheme(scheme.to_ascii_lowercase()));
        };
        // The authority ends at the first `/`, `?` or `#`.
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(end);
        let rest = rest.split('#').next().unwrap_or("");
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((info, hp)) => (Some(info.to_owned()), hp),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport)?;
        let default_port = if tls { 443 } else { 80 };
        let explicit_port = port.is_some();
        let port = port.unwrap_or(default_port);
        let target = if rest.starts_with('/') {
            rest.to_owned()
        } else {
            // "http://host?q" has an empty path: the request target is "/?q".
            format!("/{rest}")
        };
        let mut url = Url {
            serialized: String::new(),
            tls,
            host,
            port,
            explicit_port: explicit_port && port != default_port,
            target,
            userinfo,
        };
        url.serialize();
        Ok(url)
    }

    fn serialize(&mut self) {
        let scheme = self.scheme();
        self.serialized = format!("{scheme}://{}{}", self.authority(), self.target);
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        if self.tls {
            "https"
        } else {
            "http"
        }
    }

    /// True for `https` URLs.
    pub fn is_https(&self) -> bool {
        self.tls
    }

    /// The host, lower-cased; an IPv6 address keeps its brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The host as a DNS name or address literal: IPv6 without brackets.
    pub fn host_unbracketed(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    /// The port: explicit, or 80 for `http` and 443 for `https`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The request target: the path (at least `/`) and the query.
    pub fn path_and_query(&self) -> &str {
        &self.target
    }

    /// `host` or `host:port` (the port only when it is not the scheme's
    /// default): the value of the `Host` header.
    pub fn authority(&self) -> String {
        if self.explicit_port {
            format!("{}:{}", self.host, self.port)
        } else {
            self.host.clone()
        }
    }

    /// The whole URL, without userinfo and fragment.
    pub fn as_str(&self) -> &str {
        &self.serialized
    }

    /// The decoded user name and password from `user:password@`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let url = evloop::http::Url::parse("http://ann:s%40cret@example.com/")?;
    /// assert_eq!(url.basic_auth(), Some(("ann".to_owned(), Some("s@cret".to_owned()))));
    /// assert_eq!(url.as_str(), "http://example.com/");
    /// # Ok::<(), evloop::http::UrlError>(())
    /// ```
    pub fn basic_auth(&self) -> Option<(String, Option<String>)> {
        let info = self.userinfo.as_deref()?;
        let (user, pass) = match info.split_once(':') {
            Some((u, p)) => (u, Some(percent_decode(p))),
            None => (info, None),
        };
        Some((percent_decode(user), pass))
    }

    /// Whether `other` has the same scheme, host and port: the same origin,
    /// to which credentials may follow a redirect.
    pub fn same_origin(&self, other: &Url) -> bool {
        self.tls == other.tls && self.host == other.host && self.port == other.port
    }

    /// Appends `key=value` pairs to the query, percent-encoding them (the
    /// `application/x-www-form-urlencoded` way: space becomes `+`).
    pub(crate) fn append_query<K: AsRef<str>, V: AsRef<str>>(&mut self, pairs: &[(K, V)]) {
        if pairs.is_empty() {
            return;
        }
        if !self.target.contains('?') {
            self.target.push('?');
        } else if !(self.target.ends_with('?') || self.target.ends_with('&')) {
            self.target.push('&');
        }
        self.target.push_str(&form_urlencoded(pairs));
        self.serialize();
    }

    /// Resolves a `Location` header against this URL: absolute
    /// (`https://b/x`), scheme-relative (`//b/x`), absolute-path (`/x`) or
    /// relative (`x`, `../x`, `?q`).
    ///
    /// # Examples
    ///
    /// ```
    /// let base = evloop::http::Url::parse("http://a.example/r/python/top.json?t=day")?;
    /// assert_eq!(base.join("/login")?.as_str(), "http://a.example/login");
    /// assert_eq!(base.join("../go")?.as_str(), "http://a.example/r/go");
    /// assert_eq!(base.join("//b.example/x")?.as_str(), "http://b.example/x");
    /// assert_eq!(base.join("https://c.example")?.as_str(), "https://c.example/");
    /// # Ok::<(), evloop::http::UrlError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The [`UrlError`] of the resolved URL, if it is not one the client
    /// can fetch.
    pub fn join(&self, location: &str) -> Result<Url, UrlError> {
        let location = trim_ascii(location);
        if location.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(UrlError::InvalidCharacter);
        }
        if has_scheme(location) {
            return Url::parse(location);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme()));
        }
        let location = location.split('#').next().unwrap_or("");
        let base_path = self.target.split('?').next().unwrap_or("/");
        let target = if location.is_empty() {
            self.target.clone()
        } else if location.starts_with('/') {
            remove_dot_segments_target(location)
        } else if location.starts_with('?') {
            format!("{base_path}{location}")
        } else {
            // Relative: replace the last segment of the base path.
            let dir = &base_path[..=base_path.rfind('/').unwrap_or(0)];
            remove_dot_segments_target(&format!("{dir}{location}"))
        };
        let mut url = self.clone();
        url.userinfo = None;
        url.target = target;
        url.serialize();
        Ok(url)
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialized)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Url({:?})", self.serialized)
    }
}

impl std::str::FromStr for Url {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<Url, UrlError> {
        Url::parse(s)
    }
}

/// `s` without leading and trailing ASCII spaces and control characters
/// (what a browser strips from a URL, WHATWG URL's "C0 control or space").
///
/// Not `str::trim`: it also strips Unicode spaces such as U+0085 and
/// U+00A0, which are legal (if unusual) in a path. `http://h/a\u{a0}#f`
/// then parsed to the path `/a\u{a0}`, whose serialization
/// `http://h/a\u{a0}` parsed again to `/a`: the URL changed on a round
/// trip (found by the `url` fuzz target).
fn trim_ascii(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ' || c == '\x7f')
}

/// Whether `s` starts with `scheme:` (RFC 3986: a letter, then letters,
/// digits, `+`, `-`, `.`).
fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) if i > 0 => {
            let scheme = &s.as_bytes()[..i];
            scheme[0].is_ascii_alphabetic()
                && scheme
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b))
        }
        _ => false,
    }
}

/// Splits `host[:port]` or `[v6][:port]`, validating both.
fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), UrlError> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (addr, after) = rest
            .split_once(']')
            .ok_or_else(|| UrlError::InvalidHost(hostport.to_owned()))?;
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(UrlError::InvalidHost(hostport.to_owned()));
        }
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| UrlError::InvalidHost(hostport.to_owned()))?,
            ),
        };
        (format!("[{}]", addr.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        if host.is_empty() {
            return Err(UrlError::EmptyHost);
        }
        let valid = host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b));
        if !valid {
            return Err(UrlError::InvalidHost(host.to_owned()));
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        // "http://host:/" means the default port (RFC 3986, 3.2.3).
        None | Some("") => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(UrlError::InvalidPort(p.to_owned())),
        },
    };
    Ok((host, port))
}

/// Removes `.` and `..` segments from a path (RFC 3986, 5.2.4), keeping
/// the query untouched.
fn remove_dot_segments_target(target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut result = String::with_capacity(target.len());
    for seg in &out {
        result.push('/');
        result.push_str(seg);
    }
    if result.is_empty() {
        result.push('/');
    }
    if let Some(q) = query {
        result.push('?');
        result.push_str(q);
    }
    result
}

/// Decodes `%XX` escapes; invalid escapes stay as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `key=value` pairs joined by `&`, each side form-urlencoded: a query, or
/// the body of an `application/x-www-form-urlencoded` form (the WHATWG URL
/// standard's urlencoded serializer, which browsers use for forms).
pub(crate) fn form_urlencoded<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode_into(k.as_ref(), &mut out);
        out.push('=');
        form_encode_into(v.as_ref(), &mut out);
    }
    out
}

/// Appends `s` form-urlencoded: unreserved bytes as they are, space as `+`,
/// everything else as `%XX`.
fn form_encode_into(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_parts() {
        // (input, scheme, host, port, target, serialized)
        let cases = [
            (
                "http://example.com",
                "http",
                "example.com",
                80,
                "/",
                "http://example.com/",
            ),
            (
                "HTTP://Example.COM:8080/a/b?c=d#frag",
                "http",
                "example.com",
                8080,
                "/a/b?c=d",
                "http://example.com:8080/a/b?c=d",
            ),
            ("https://h:443/x", "https", "h", 443, "/x", "https://h/x"),
            (
                "http://127.0.0.1:3000/p%20q?x=%2F",
                "http",
                "127.0.0.1",
                3000,
                "/p%20q?x=%2F",
                "http://127.0.0.1:3000/p%20q?x=%2F",
            ),
            (
                "http://[::1]:8080/",
                "http",
                "[::1]",
                8080,
                "/",
                "http://[::1]:8080/",
            ),
            (
                "http://[2001:DB8::1]/",
                "http",
                "[2001:db8::1]",
                80,
                "/",
                "http://[2001:db8::1]/",
            ),
            ("http://h?q=1", "http", "h", 80, "/?q=1", "http://h/?q=1"),
            ("http://h:/", "http", "h", 80, "/", "http://h/"),
            ("http://u:p@h/", "http", "h", 80, "/", "http://h/"),
        ];
        for (input, scheme, host, port, target, serialized) in cases {
            let url = Url::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(url.scheme(), scheme, "{input}");
            assert_eq!(url.host(), host, "{input}");
            assert_eq!(url.port(), port, "{input}");
            assert_eq!(url.path_and_query(), target, "{input}");
            assert_eq!(url.as_str(), serialized, "{input}");
        }
    }

    #[test]
    fn rejects_what_cannot_be_fetched() {
        let cases = [
            ("example.com/x", UrlError::MissingScheme),
            ("ftp://h/", UrlError::UnsupportedScheme("ftp".into())),
            ("http:///x", UrlError::EmptyHost),
            ("http://h:0/", UrlError::InvalidPort("0".into())),
            ("http://h:99999/", UrlError::InvalidPort("99999".into())),
            ("http://h:+80/", UrlError::InvalidPort("+80".into())),
            ("http://[::1/", UrlError::InvalidHost("[::1".into())),
            ("http://[zz]/", UrlError::InvalidHost("[zz]".into())),
            ("http://h/a b", UrlError::InvalidCharacter),
            ("http://h/a\r\nX: y", UrlError::InvalidCharacter),
            ("http://h<x>/", UrlError::InvalidHost("h<x>".into())),
        ];
        for (input, err) in cases {
            assert_eq!(Url::parse(input), Err(err), "{input}");
        }
    }

    #[test]
    fn userinfo_becomes_basic_auth_and_is_not_shown() {
        let url = Url::parse("http://user@h/").unwrap();
        assert_eq!(url.basic_auth(), Some(("user".into(), None)));
        assert_eq!(url.to_string(), "http://h/");
        assert_eq!(Url::parse("http://h/").unwrap().basic_auth(), None);
    }

    #[test]
    fn joins_locations() {
        let base = Url::parse("http://a.example:8080/r/python/top.json?t=day").unwrap();
        let cases = [
            ("https://b.example/x", "https://b.example/x"),
            ("//b.example/y?z", "http://b.example/y?z"),
            ("/abs?q", "http://a.example:8080/abs?q"),
            ("new.json", "http://a.example:8080/r/python/new.json"),
            ("./new.json", "http://a.example:8080/r/python/new.json"),
            ("../../up", "http://a.example:8080/up"),
            ("../../../../above-root", "http://a.example:8080/above-root"),
            ("?t=week", "http://a.example:8080/r/python/top.json?t=week"),
            ("", "http://a.example:8080/r/python/top.json?t=day"),
            ("/x#frag", "http://a.example:8080/x"),
            ("..", "http://a.example:8080/r/"),
        ];
        for (location, expected) in cases {
            assert_eq!(
                base.join(location).unwrap().as_str(),
                expected,
                "{location}"
            );
        }
        assert!(base.join("mailto:x@y").is_err());
    }

    #[test]
    fn query_pairs_are_form_encoded() {
        let mut url = Url::parse("http://h/top.json").unwrap();
        url.append_query(&[("sort", "top"), ("q", "a b&c/é")]);
        assert_eq!(
            url.path_and_query(),
            "/top.json?sort=top&q=a+b%26c%2F%C3%A9"
        );
        url.append_query(&[("t", "day")]);
        assert_eq!(
            url.path_and_query(),
            "/top.json?sort=top&q=a+b%26c%2F%C3%A9&t=day"
        );
    }

    #[test]
    fn form_urlencoding_matches_the_whatwg_serializer() {
        // What browsers send for these form fields (and Python's
        // `quote_plus(s, safe="*")` with `~` as `%7E`).
        let cases = [
            ("a b", "a+b"),
            ("a+b", "a%2Bb"),
            ("100%", "100%25"),
            ("x=1&y=2", "x%3D1%26y%3D2"),
            ("~*-._", "%7E*-._"),
            ("é€😀", "%C3%A9%E2%82%AC%F0%9F%98%80"),
            ("line\r\nbreak", "line%0D%0Abreak"),
            (
                "/?#[]@!$'(),;:",
                "%2F%3F%23%5B%5D%40%21%24%27%28%29%2C%3B%3A",
            ),
        ];
        for (raw, encoded) in cases {
            assert_eq!(
                form_urlencoded(&[(raw, raw)]),
                format!("{encoded}={encoded}")
            );
        }
        assert_eq!(form_urlencoded::<&str, &str>(&[]), "");
        assert_eq!(
            form_urlencoded(&[("name", "Ada Lovelace"), ("lang", "en"), ("", "")]),
            "name=Ada+Lovelace&lang=en&="
        );
    }

    #[test]
    fn percent_decoding_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
