//! `join!` and `try_join!`: poll several futures concurrently, in the
//! calling task, until all are done (or, for `try_join!`, one fails).
//!
//! Both share one normaliser (`__join_parse!`: each future takes the next
//! slot) and one expansion (`__join_expand!`). Each future sits in a
//! pinned `Option` next to the place for its output: when it finishes,
//! `Pin::set(None)` drops it at once, where it is, and its output waits
//! there for the others. That needs no unsafe pin projection.

/// Polls several futures concurrently, in the current task, until every
/// one has finished; its value is the tuple of their outputs, in order.
/// tokio's `join!`.
///
/// The futures run *concurrently*, not in parallel: each time the task is
/// woken, every future that has not finished yet is polled once, in the
/// order written. A future is dropped as soon as it finishes. To run them
/// as separate tasks, [`spawn`](crate::spawn) them instead. Up to 64
/// futures; any [`IntoFuture`](std::future::IntoFuture) will do.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time::{sleep, Instant};
///
/// let rt = evloop::Runtime::builder().start_paused(true).build()?;
/// rt.block_on(async {
///     let start = Instant::now();
///     let (a, b) = evloop::join!(
///         async { sleep(Duration::from_secs(2)).await; "two" },
///         async { sleep(Duration::from_secs(3)).await; 3 },
///     );
///     assert_eq!((a, b), ("two", 3));
///     // Both sleeps ran at once: three seconds, not five.
///     assert_eq!(start.elapsed(), Duration::from_secs(3));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[macro_export]
macro_rules! join {
    ($($future:expr),* $(,)?) => {
        $crate::__slots!(__join_parse!(join [] $($future,)*))
    };
}

/// Polls several futures that return `Result`s concurrently, in the
/// current task, until all are `Ok` or one is `Err`; its value is
/// `Ok((outputs...))` or that first error. tokio's `try_join!`.
///
/// At the first `Err`, the futures that have not finished are dropped
/// (cancelled) and the error is returned. The futures must share one error
/// type. Otherwise as [`join!`](crate::join).
///
/// # Examples
///
/// ```
/// async fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
///     text.parse()
/// }
///
/// evloop::block_on(async {
///     assert_eq!(evloop::try_join!(parse("1"), parse("2")), Ok((1, 2)));
///     assert!(evloop::try_join!(parse("1"), parse("two")).is_err());
/// });
/// ```
#[macro_export]
macro_rules! try_join {
    ($($future:expr),* $(,)?) => {
        $crate::__slots!(__join_parse!(try_join [] $($future,)*))
    };
}

/// `join!`'s and `try_join!`'s first pass: gives each future a slot. Its
/// state: `[free slots] kind [futures done] rest`. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_parse {
    ($slots:tt $kind:ident $done:tt) => {
        $crate::__join_expand!($kind $done)
    };
    ([($n:tt $name:ident) $($slots:tt)*] $kind:ident [$($done:tt)*] $future:tt, $($rest:tt)*) => {
        $crate::__join_parse!([$($slots)*] $kind [$($done)* ($name $future)] $($rest)*)
    };
    ([] $kind:ident $done:tt $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(::core::stringify!($kind), "! supports at most 64 futures"))
    };
}

/// `join!`'s and `try_join!`'s code. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_expand {
    // Nothing to wait for.
    (join []) => {
        ()
    };
    (try_join []) => {
        $crate::macros::support::Ok(())
    };
    ($kind:ident [$( ($name:ident $future:tt) )+]) => {{
        // `.0`: the future, until it finishes; `.1`: its output, after.
        $(
            let mut $name = (
                $crate::macros::support::pin!($crate::macros::support::Some(
                    $crate::macros::support::IntoFuture::into_future($future),
                )),
                $crate::macros::support::None,
            );
        )+
        $crate::macros::support::poll_fn(|cx| {
            let mut all_done = true;
            $(
                if let $crate::macros::support::Some(future) = $name.0.as_mut().as_pin_mut() {
                    match $crate::macros::support::Future::poll(future, cx) {
                        $crate::macros::support::Poll::Ready(output) => {
                            $crate::__join_store!($kind $name output);
                            // Drop the finished future now, in place.
                            $name.0.set($crate::macros::support::None);
                        }
                        $crate::macros::support::Poll::Pending => all_done = false,
                    }
                }
            )+
            if !all_done {
                return $crate::macros::support::Poll::Pending;
            }
            let outputs = ($(
                $name.1.take().expect("join!: every future has finished once"),
            )+);
            $crate::__join_ready!($kind outputs)
        })
        .await
        // Here the futures are dropped: for `try_join!` after an error,
        // those still running are cancelled.
    }};
}

/// Where a finished future's output goes: `join!` keeps it; `try_join!`
/// keeps an `Ok`'s value and returns an `Err` from the poll at once. Not
/// public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_store {
    (join $slot:ident $output:ident) => {
        $slot.1 = $crate::macros::support::Some($output)
    };
    (try_join $slot:ident $output:ident) => {
        match $output {
            $crate::macros::support::Ok(value) => $slot.1 = $crate::macros::support::Some(value),
            $crate::macros::support::Err(error) => {
                return $crate::macros::support::Poll::Ready($crate::macros::support::Err(error));
            }
        }
    };
}

/// The value of a `join!` (the tuple) or a `try_join!` (`Ok` of it). Not
/// public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_ready {
    (join $outputs:ident) => {
        $crate::macros::support::Poll::Ready($outputs)
    };
    (try_join $outputs:ident) => {
        $crate::macros::support::Poll::Ready($crate::macros::support::Ok($outputs))
    };
}
