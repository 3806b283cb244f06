//! [`Pool`]: idle keep-alive connections, keyed by scheme, host and port.
//!
//! A connection enters the pool only when its last response's body was read
//! to the end (see `response.rs`), so the next request on it starts at a
//! clean message boundary. Connections leave it newest first (the newest is
//! the least likely to have been closed by the server), and ones idle past
//! the timeout are dropped when they are found.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use super::conn::Conn;
use super::connect::BoxIo;
use super::Url;
use crate::time::Instant;

/// Where a connection goes: connections are shared only between requests
/// to the same scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PoolKey {
    https: bool,
    host: String,
    port: u16,
}

impl PoolKey {
    pub(crate) fn of(url: &Url) -> PoolKey {
        PoolKey {
            https: url.is_https(),
            host: url.host().to_owned(),
            port: url.port(),
        }
    }
}

/// An idle connection and since when it idles.
struct Idle {
    conn: Conn<BoxIo>,
    since: Instant,
}

/// The idle connections of one client (and its clones).
pub(crate) struct Pool {
    idle: RefCell<HashMap<PoolKey, Vec<Idle>>>,
    /// Idle connections older than this are closed instead of reused.
    idle_timeout: Option<Duration>,
    /// At most this many idle connections per key; more are closed.
    max_idle_per_host: usize,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let idle: usize = self.idle.borrow().values().map(Vec::len).sum();
        f.debug_struct("Pool")
            .field("idle", &idle)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_idle_per_host", &self.max_idle_per_host)
            .finish()
    }
}

impl Pool {
    pub(crate) fn new(idle_timeout: Option<Duration>, max_idle_per_host: usize) -> Pool {
        Pool {
            idle: RefCell::new(HashMap::new()),
            idle_timeout,
            max_idle_per_host,
        }
    }

    /// The newest idle connection for `key` that has not timed out.
    pub(crate) fn checkout(&self, key: &PoolKey) -> Option<Conn<BoxIo>> {
        let now = Instant::now();
        // Take what we need, end the borrow, and only then drop the
        // expired connections (dropping a socket deregisters it; nothing
        // should run under our borrow).
        let (found, expired) = {
            let mut idle = self.idle.borrow_mut();
            let list = idle.get_mut(key)?;
            let mut expired = Vec::new();
            let mut found = None;
            while let Some(entry) = list.pop() {
                if self.is_expired(&entry, now) {
                    expired.push(entry);
                    // Older ones below it are expired too.
                    expired.append(list);
                } else {
                    found = Some(entry.conn);
                    break;
                }
            }
            if list.is_empty() {
                idle.remove(key);
            }
            (found, expired)
        };
        drop(expired);
        found
    }

    /// Puts a connection whose exchange ended cleanly back.
    pub(crate) fn checkin(&self, key: PoolKey, conn: Conn<BoxIo>) {
        if self.max_idle_per_host == 0 {
            return;
        }
        let evicted = {
            let mut idle = self.idle.borrow_mut();
            let list = idle.entry(key).or_default();
            list.push(Idle {
                conn,
                since: Instant::now(),
            });
            if list.len() > self.max_idle_per_host {
                Some(list.remove(0))
            } else {
                None
            }
        };
        drop(evicted);
    }

    fn is_expired(&self, entry: &Idle, now: Instant) -> bool {
        self.idle_timeout
            .is_some_and(|timeout| now.saturating_duration_since(entry.since) >= timeout)
    }

    /// How many idle connections the pool holds for `key`.
    #[cfg(test)]
    pub(crate) fn idle_count(&self, key: &PoolKey) -> usize {
        self.idle.borrow().get(key).map_or(0, Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::conn::tests::MockStream;

    fn conn() -> Conn<BoxIo> {
        Conn::new(Box::new(MockStream::default()))
    }

    #[test]
    fn newest_first_and_bounded_per_host() {
        let pool = Pool::new(None, 2);
        let key = PoolKey::of(&Url::parse("http://h/").unwrap());
        let other = PoolKey::of(&Url::parse("https://h/").unwrap());
        for _ in 0..3 {
            pool.checkin(key.clone(), conn());
        }
        assert_eq!(pool.idle_count(&key), 2);
        assert!(pool.checkout(&other).is_none());
        assert!(pool.checkout(&key).is_some());
        assert!(pool.checkout(&key).is_some());
        assert!(pool.checkout(&key).is_none());
    }

    #[test]
    fn idle_timeout_drops_old_connections() {
        let rt = crate::Runtime::builder()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let pool = Pool::new(Some(Duration::from_secs(30)), 8);
            let key = PoolKey::of(&Url::parse("http://h/").unwrap());
            pool.checkin(key.clone(), conn());
            crate::time::advance(Duration::from_secs(20)).await;
            pool.checkin(key.clone(), conn());
            crate::time::advance(Duration::from_secs(15)).await;
            assert!(pool.checkout(&key).is_some(), "15 s old: kept");
            pool.checkin(key.clone(), conn());
            crate::time::advance(Duration::from_secs(31)).await;
            assert!(pool.checkout(&key).is_none(), "31 s old: dropped");
            assert_eq!(pool.idle_count(&key), 0);
        });
    }
}
