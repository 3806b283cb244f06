//! [`spawn_blocking`]: the public face of the runtime's blocking pool
//! (`runtime/blocking.rs` holds the pool itself).

use super::JoinHandle;
use crate::runtime::context;

/// Runs the blocking function `f` on the runtime's thread pool and returns a
/// [`JoinHandle`] for its result, so the event loop keeps turning meanwhile.
///
/// Use it for anything that blocks: file and DNS calls, `std::process`
/// waits, heavy computation. Threads start on demand, at most
/// [`Builder::max_blocking_threads`](crate::Builder::max_blocking_threads)
/// at once (further jobs queue in order), and exit after
/// [`Builder::blocking_keep_alive`](crate::Builder::blocking_keep_alive)
/// without work. A panic in `f` becomes a panic [`JoinError`](super::JoinError).
///
/// [`JoinHandle::abort`] cancels a job that has not started; a running
/// job cannot be interrupted and runs to its end. When the runtime drops,
/// queued jobs are cancelled and running ones finish on their threads
/// without being waited for.
///
/// # Panics
///
/// Panics outside a runtime, with a message naming the fix.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let sum = evloop::task::spawn_blocking(|| (1..=100u64).sum::<u64>());
///     assert_eq!(sum.await.unwrap(), 5050);
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let core = context::expect_current("evloop::task::spawn_blocking");
    core.spawn_blocking(f)
}
