//! Turning what the user wrote into socket addresses, without blocking.
//!
//! `std::net::ToSocketAddrs` calls `getaddrinfo`, which blocks for as long
//! as DNS takes. evloop's [`ToSocketAddrs`] parses literal addresses on the
//! spot (the common case costs no thread hop) and sends only real names to
//! the blocking pool.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::task::spawn_blocking;

/// What can name one or more socket addresses: a [`SocketAddr`], an
/// `(IpAddr, u16)` pair, a `"host:port"` string, a `(&str, u16)` pair, or a
/// slice of addresses. Names are resolved on the blocking pool; IP literals
/// are parsed at once.
///
/// The trait is sealed: evloop decides how each form is resolved.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await?;
///     let port = listener.local_addr()?.port();
///     let _ = evloop::net::TcpStream::connect(("127.0.0.1", port)).await?;
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait ToSocketAddrs: sealed::Resolve {}

pub(crate) mod sealed {
    use std::net::SocketAddr;

    /// How a [`ToSocketAddrs`](super::ToSocketAddrs) value resolves.
    pub trait Resolve {
        /// Addresses known without DNS, or the `host:port` to look up.
        #[doc(hidden)]
        fn resolve(&self) -> Resolution;
    }

    /// The answer of [`Resolve::resolve`].
    #[doc(hidden)]
    #[derive(Debug)]
    pub enum Resolution {
        /// Literal addresses, ready.
        Ready(Vec<SocketAddr>),
        /// A name to hand to `getaddrinfo`, as `host:port`.
        Lookup(String),
        /// The input cannot be an address.
        Invalid(&'static str),
    }
}

use sealed::{Resolution, Resolve};

macro_rules! literal_addrs {
    ($($ty:ty => |$v:ident| $addr:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Resolve for $ty {
            fn resolve(&self) -> Resolution {
                let $v = self;
                Resolution::Ready(vec![$addr])
            }
        }
    )*};
}

literal_addrs! {
    SocketAddr => |a| *a;
    SocketAddrV4 => |a| SocketAddr::V4(*a);
    SocketAddrV6 => |a| SocketAddr::V6(*a);
    (IpAddr, u16) => |a| SocketAddr::new(a.0, a.1);
    (Ipv4Addr, u16) => |a| SocketAddr::new(IpAddr::V4(a.0), a.1);
    (Ipv6Addr, u16) => |a| SocketAddr::new(IpAddr::V6(a.0), a.1);
}

impl ToSocketAddrs for (&str, u16) {}
impl Resolve for (&str, u16) {
    fn resolve(&self) -> Resolution {
        let (host, port) = *self;
        // `[::1]` is how URLs write IPv6 hosts; accept it here too.
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        match bare.parse::<IpAddr>() {
            Ok(ip) => Resolution::Ready(vec![SocketAddr::new(ip, port)]),
            Err(_) if host.is_empty() => Resolution::Invalid("empty host name"),
            Err(_) => Resolution::Lookup(format!("{host}:{port}")),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Resolve for (String, u16) {
    fn resolve(&self) -> Resolution {
        (self.0.as_str(), self.1).resolve()
    }
}

impl ToSocketAddrs for str {}
impl Resolve for str {
    fn resolve(&self) -> Resolution {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolution::Ready(vec![addr]);
        }
        match self.rsplit_once(':') {
            Some((host, port)) => match port.parse::<u16>() {
                Ok(port) => (host, port).resolve(),
                Err(_) => Resolution::Invalid("invalid port number"),
            },
            None => Resolution::Invalid("invalid socket address: expected host:port"),
        }
    }
}

impl ToSocketAddrs for String {}
impl Resolve for String {
    fn resolve(&self) -> Resolution {
        self.as_str().resolve()
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl Resolve for [SocketAddr] {
    fn resolve(&self) -> Resolution {
        Resolution::Ready(self.to_vec())
    }
}

impl ToSocketAddrs for Vec<SocketAddr> {}
impl Resolve for Vec<SocketAddr> {
    fn resolve(&self) -> Resolution {
        Resolution::Ready(self.clone())
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Resolve + ?Sized> Resolve for &T {
    fn resolve(&self) -> Resolution {
        (**self).resolve()
    }
}

/// Resolves `addr` to its addresses, in the resolver's order; at least one.
pub(crate) async fn resolve<A: ToSocketAddrs + ?Sized>(addr: &A) -> io::Result<Vec<SocketAddr>> {
    let addrs = match addr.resolve() {
        Resolution::Ready(addrs) => addrs,
        Resolution::Invalid(why) => return Err(io::Error::new(io::ErrorKind::InvalidInput, why)),
        Resolution::Lookup(host_port) => {
            let lookup = host_port.clone();
            let found = spawn_blocking(move || {
                std::net::ToSocketAddrs::to_socket_addrs(&lookup).map(Iterator::collect)
            })
            .await
            .map_err(|e| io::Error::other(format!("DNS lookup of {host_port} failed: {e}")))?;
            found.map_err(|e| {
                io::Error::new(e.kind(), format!("DNS lookup of {host_port} failed: {e}"))
            })?
        }
    };
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no addresses to connect to",
        ));
    }
    Ok(addrs)
}

/// Tries `op` on each address in turn; the first success wins, otherwise
/// the last error is returned.
pub(crate) async fn try_each<T, F, Fut>(addrs: Vec<SocketAddr>, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addrs {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("resolve returns at least one address"))
}

/// Resolves a host name (or literal) and port to socket addresses without
/// blocking the loop: names go to `getaddrinfo` on the blocking pool.
///
/// # Errors
///
/// Invalid input (no port, a bad port) or a failed lookup; the message
/// names the host.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let addrs: Vec<_> = evloop::net::lookup_host("127.0.0.1:8080").await?.collect();
///     assert_eq!(addrs, ["127.0.0.1:8080".parse().unwrap()]);
///     let local: Vec<_> = evloop::net::lookup_host(("localhost", 80)).await?.collect();
///     assert!(local.iter().all(|a| a.ip().is_loopback()));
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn lookup_host<A: ToSocketAddrs>(host: A) -> io::Result<std::vec::IntoIter<SocketAddr>> {
    resolve(&host).await.map(Vec::into_iter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(r: Resolution) -> Vec<SocketAddr> {
        match r {
            Resolution::Ready(a) => a,
            other => panic!("expected literal addresses, got {other:?}"),
        }
    }

    #[test]
    fn literals_need_no_lookup() {
        assert_eq!(
            ready("127.0.0.1:80".resolve()),
            ["127.0.0.1:80".parse().unwrap()]
        );
        assert_eq!(ready("[::1]:80".resolve()), ["[::1]:80".parse().unwrap()]);
        assert_eq!(ready(("::1", 80).resolve()), ["[::1]:80".parse().unwrap()]);
        assert_eq!(
            ready(("[::1]", 80).resolve()),
            ["[::1]:80".parse().unwrap()]
        );
        assert_eq!(
            ready(("10.0.0.1".to_string(), 1).resolve()),
            ["10.0.0.1:1".parse().unwrap()]
        );
    }

    #[test]
    fn names_are_looked_up_and_garbage_is_refused() {
        assert!(
            matches!("example.com:443".resolve(), Resolution::Lookup(s) if s == "example.com:443")
        );
        assert!(matches!("example.com".resolve(), Resolution::Invalid(_)));
        assert!(matches!(
            "example.com:99999".resolve(),
            Resolution::Invalid(_)
        ));
        assert!(matches!(("", 80).resolve(), Resolution::Invalid(_)));
    }
}
