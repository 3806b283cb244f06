//! [`Pool`]: idle keep-alive connections, keyed by scheme, host and port.
//!
//! A connection enters the pool only when its last response's body was read
//! to the end (see `response.rs`), so the next request on it starts at a
//! clean message boundary. Connections leave it newest first (the newest is
//! the least likely to have been closed by the server).
//!
//! Two things close idle connections that must not be reused:
//!
//! - **A sweep of every key** whenever the pool is touched (checkout or
//!   checkin) drops connections idle past the timeout and connections
//!   opened in another runtime (their sockets are registered with that
//!   runtime's reactor, which may be gone: reused here they would never
//!   become ready).
//! - **A reaper task**, spawned on the current runtime when a connection is
//!   checked in, sleeps until the earliest expiry and sweeps, so that the
//!   connections of a host never visited again are closed too (otherwise
//!   they sit in CLOSE_WAIT until the client is dropped). It holds only a
//!   `Weak` reference, so it never keeps the pool alive; it exits when the
//!   pool is gone or holds no idle connection, and there is at most one per
//!   pool. Dropping the pool aborts it (it then leaves at the loop's next
//!   turn).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::{Rc, Weak};
use std::time::Duration;

use super::conn::{current_runtime, Conn};
use super::io::BoxIo;
use super::Url;
use crate::task::JoinHandle;
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

/// A connection out on loan, carrying its way home: the pool and key it
/// returns to once its response was read, if it may carry another request.
/// The response that reads the body holds one of these, so it needs nothing
/// of the client (as ureq's pooled connections know their pool).
pub(crate) struct Pooled {
    pub(crate) conn: Conn<BoxIo>,
    home: Option<(Rc<Pool>, PoolKey)>,
}

impl Pooled {
    /// `conn`, to go back to `pool` under `key` when `reusable`.
    pub(crate) fn new(conn: Conn<BoxIo>, pool: &Rc<Pool>, key: PoolKey, reusable: bool) -> Pooled {
        Pooled {
            conn,
            home: reusable.then(|| (Rc::clone(pool), key)),
        }
    }

    /// Hands the connection back to its pool, or closes it. Call only once
    /// the response's body was read to the end. Bytes past the end of the
    /// body are an answer nobody asked for: such a connection is out of
    /// step and is closed too.
    pub(crate) fn release(self) {
        if let Some((pool, key)) = self.home {
            if !self.conn.has_buffered() {
                pool.checkin(key, self.conn);
            }
        }
    }
}

/// An idle connection and since when it idles.
struct Idle {
    conn: Conn<BoxIo>,
    since: Instant,
}

/// The reaper task and the runtime it runs in.
struct Reaper {
    runtime: u64,
    task: JoinHandle<()>,
}

/// The idle connections of one client (and its clones).
pub(crate) struct Pool {
    /// Per key, oldest first (so expired ones are a prefix, and `pop`
    /// gives the newest).
    idle: RefCell<HashMap<PoolKey, Vec<Idle>>>,
    /// Idle connections older than this are closed instead of reused.
    idle_timeout: Option<Duration>,
    /// At most this many idle connections per key; more are closed.
    max_idle_per_host: usize,
    /// The task closing expired connections, if one was started: replaced
    /// when it finished or belongs to another runtime.
    reaper: RefCell<Option<Reaper>>,
    /// Whether checkin may start a reaper (the unit tests of the sweep
    /// turn it off, to see the sweep alone).
    reaping: bool,
    /// When the sweep has work: the earliest expiry among the idle
    /// connections (never later than the true one; `None`: none expires),
    /// and the runtime every idle connection belongs to. A touch sweeps
    /// only when one of them says so, so a request costs no walk over
    /// every host's connections (a crawler's pool holds many).
    next_expiry: Cell<Option<Instant>>,
    runtime: Cell<Option<u64>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("idle", &self.idle_total())
            .field("idle_timeout", &self.idle_timeout)
            .field("max_idle_per_host", &self.max_idle_per_host)
            .finish()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // The reaper would find the pool gone when it wakes; abort it so it
        // leaves at the next turn instead of holding a timer until then.
        if let Some(reaper) = self.reaper.get_mut().take() {
            reaper.task.abort();
        }
    }
}

impl Pool {
    pub(crate) fn new(idle_timeout: Option<Duration>, max_idle_per_host: usize) -> Pool {
        Pool {
            idle: RefCell::new(HashMap::new()),
            idle_timeout,
            max_idle_per_host,
            reaper: RefCell::new(None),
            reaping: true,
            next_expiry: Cell::new(None),
            runtime: Cell::new(None),
        }
    }

    /// The newest idle connection for `key` that has not timed out and
    /// belongs to the current runtime.
    pub(crate) fn checkout(&self, key: &PoolKey) -> Option<Conn<BoxIo>> {
        // Take what we need, end the borrow, and only then drop the swept
        // connections (dropping a socket deregisters it; nothing should
        // run under our borrow).
        let (found, swept) = {
            let mut idle = self.idle.borrow_mut();
            let swept = self.sweep(&mut idle);
            let list = idle.get_mut(key);
            let found = list.and_then(Vec::pop).map(|entry| entry.conn);
            if idle.get(key).is_some_and(Vec::is_empty) {
                idle.remove(key);
            }
            (found, swept)
        };
        drop(swept);
        found
    }

    /// Puts a connection whose exchange ended cleanly back, and makes sure
    /// a reaper will close it once it expires.
    pub(crate) fn checkin(self: &Rc<Self>, key: PoolKey, conn: Conn<BoxIo>) {
        if self.max_idle_per_host == 0 || conn.runtime() != current_runtime() {
            // Keep-alive is off, or the body was read in another runtime
            // than the connection's: no runtime here could reuse it.
            return;
        }
        let swept = {
            let mut idle = self.idle.borrow_mut();
            let mut swept = self.sweep(&mut idle);
            let since = Instant::now();
            if let (None, Some(timeout)) = (self.next_expiry.get(), self.idle_timeout) {
                // The first to expire, if nothing idled before it.
                self.next_expiry.set(Some(since.saturating_add(timeout)));
            }
            let list = idle.entry(key).or_default();
            list.push(Idle { conn, since });
            if list.len() > self.max_idle_per_host {
                swept.push(list.remove(0));
            }
            swept
        };
        drop(swept);
        self.ensure_reaper();
    }

    /// Takes out every connection that expired or belongs to another
    /// runtime, for the caller to drop once its borrow ended; nothing (and
    /// no walk) unless one may have.
    fn sweep(&self, idle: &mut HashMap<PoolKey, Vec<Idle>>) -> Vec<Idle> {
        let now = Instant::now();
        let here = current_runtime();
        let expired_some = self.next_expiry.get().is_some_and(|at| now >= at);
        if !expired_some && self.runtime.get() == here {
            return Vec::new();
        }
        self.runtime.set(here);
        let mut swept = Vec::new();
        for list in idle.values_mut() {
            let mut i = 0;
            while i < list.len() {
                if list[i].conn.runtime() != here || self.is_expired(&list[i], now) {
                    swept.push(list.remove(i));
                } else {
                    i += 1;
                }
            }
        }
        if !swept.is_empty() {
            idle.retain(|_, list| !list.is_empty());
        }
        // Each list is oldest first: its first entry expires first.
        let oldest = idle
            .values()
            .filter_map(|list| list.first())
            .map(|e| e.since);
        let next = self
            .idle_timeout
            .and_then(|timeout| oldest.min().map(|since| since.saturating_add(timeout)));
        self.next_expiry.set(next);
        swept
    }

    /// Sweeps, and says when the next idle connection expires (`None`:
    /// nothing left to wait for).
    fn sweep_and_next_expiry(&self) -> Option<Instant> {
        let swept = self.sweep(&mut self.idle.borrow_mut());
        drop(swept);
        self.next_expiry.get()
    }

    /// Starts a reaper on the current runtime unless one runs there.
    fn ensure_reaper(self: &Rc<Self>) {
        let (Some(_), Some(runtime), true) = (self.idle_timeout, current_runtime(), self.reaping)
        else {
            return;
        };
        let running = self
            .reaper
            .borrow()
            .as_ref()
            .is_some_and(|r| r.runtime == runtime && !r.task.is_finished());
        if running {
            return;
        }
        let task = crate::spawn(reap(Rc::downgrade(self)));
        let old = self.reaper.replace(Some(Reaper { runtime, task }));
        // One reaper per pool: the one in another runtime goes.
        if let Some(old) = old {
            old.task.abort();
        }
    }

    fn is_expired(&self, entry: &Idle, now: Instant) -> bool {
        self.idle_timeout
            .is_some_and(|timeout| now.saturating_duration_since(entry.since) >= timeout)
    }

    fn idle_total(&self) -> usize {
        self.idle.borrow().values().map(Vec::len).sum()
    }

    /// How many idle connections the pool holds for `key`.
    #[cfg(test)]
    pub(crate) fn idle_count(&self, key: &PoolKey) -> usize {
        self.idle.borrow().get(key).map_or(0, Vec::len)
    }
}

/// The reaper: sleeps until the earliest expiry, sweeps, and goes on while
/// the pool exists and holds idle connections.
async fn reap(pool: Weak<Pool>) {
    loop {
        // The strong reference lives only for the sweep, never across the
        // sleep: the reaper must not keep the pool (and its sockets) alive.
        let next = match pool.upgrade() {
            Some(pool) => pool.sweep_and_next_expiry(),
            None => None,
        };
        match next {
            Some(deadline) => crate::time::sleep_until(deadline).await,
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::conn::tests::MockStream;

    fn conn() -> Conn<BoxIo> {
        Conn::new(Box::new(MockStream::default()))
    }

    fn key(url: &str) -> PoolKey {
        PoolKey::of(&Url::parse(url).unwrap())
    }

    fn paused() -> crate::Runtime {
        crate::Runtime::builder()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn newest_first_and_bounded_per_host() {
        let pool = Rc::new(Pool::new(None, 2));
        let (key, other) = (key("http://h/"), key("https://h/"));
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
        paused().block_on(async {
            let pool = Rc::new(Pool::new(Some(Duration::from_secs(30)), 8));
            let key = key("http://h/");
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

    #[test]
    fn any_touch_sweeps_expired_connections_of_every_host() {
        paused().block_on(async {
            let mut pool = Pool::new(Some(Duration::from_secs(30)), 8);
            pool.reaping = false;
            let pool = Rc::new(pool);
            for host in ["http://a/", "http://b/", "https://a/"] {
                pool.checkin(key(host), conn());
            }
            crate::time::advance(Duration::from_secs(31)).await;
            assert_eq!(pool.idle_total(), 3, "no reaper: nothing moved yet");
            // A checkout for a host never seen before closes the others.
            assert!(pool.checkout(&key("http://c/")).is_none());
            assert_eq!(pool.idle_total(), 0);
        });
    }

    #[test]
    fn one_reaper_closes_expired_connections_without_a_touch_then_exits() {
        let rt = paused();
        rt.block_on(async {
            let pool = Rc::new(Pool::new(Some(Duration::from_secs(30)), 8));
            for host in ["http://a/", "http://b/", "http://c/"] {
                pool.checkin(key(host), conn());
                crate::time::advance(Duration::from_secs(1)).await;
            }
            assert_eq!(rt.metrics().alive_tasks, 1, "one reaper per pool");
            // At 30 s the first has idled 30 s, the others 29 and 28.
            crate::time::advance(Duration::from_secs(27)).await;
            assert_eq!(pool.idle_total(), 2, "the first expired, the others not");
            crate::time::advance(Duration::from_secs(2)).await;
            assert_eq!(pool.idle_total(), 0);
            crate::task::yield_now().await;
            assert_eq!(rt.metrics().alive_tasks, 0, "the reaper exits when idle");
            assert_eq!(rt.metrics().pending_timers, 0);
        });
    }

    #[test]
    fn dropping_the_pool_ends_its_reaper() {
        let rt = paused();
        rt.block_on(async {
            let pool = Rc::new(Pool::new(Some(Duration::from_secs(30)), 8));
            pool.checkin(key("http://a/"), conn());
            drop(pool);
            crate::task::yield_now().await;
            assert_eq!(rt.metrics().alive_tasks, 0);
            assert_eq!(rt.metrics().pending_timers, 0);
        });
    }

    #[test]
    fn connections_of_another_runtime_are_dropped_not_reused() {
        let pool = Rc::new(Pool::new(Some(Duration::from_secs(30)), 8));
        let key = key("http://h/");
        let first = crate::Runtime::new().unwrap();
        first.block_on(async { pool.checkin(key.clone(), conn()) });
        assert_eq!(pool.idle_count(&key), 1);
        let made_there = first.block_on(async { conn() });
        let second = crate::Runtime::new().unwrap();
        second.block_on(async {
            assert!(pool.checkout(&key).is_none());
            assert_eq!(pool.idle_count(&key), 0);
            // One made in the first but read to the end here is not kept.
            pool.checkin(key.clone(), made_there);
            assert_eq!(pool.idle_count(&key), 0);
        });
    }
}
