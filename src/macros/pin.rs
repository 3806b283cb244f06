//! `pin!`: pin futures on the stack, as tokio's `pin!` does, by way of
//! std's `core::pin::pin!`, so that no `unsafe` is needed here or in the
//! user's crate.

/// Pins values on the stack: `evloop::pin!(fut);` shadows `fut` with a
/// `Pin<&mut _>` to it. tokio's `pin!`, in both its forms.
///
/// A future must be pinned to be polled through `&mut`: this is how a
/// timer is kept across the iterations of a loop and given to
/// [`select!`](crate::select) as `&mut sleep` (which leaves it running),
/// or how a `!Unpin` future is polled by hand. The value is moved into the
/// macro and can no longer be reached except through the pin, which is
/// what makes pinning it safe. The expansion is std's
/// [`core::pin::pin!`], so it compiles under `#![forbid(unsafe_code)]`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time::sleep;
///
/// let rt = evloop::Runtime::builder().start_paused(true).build()?;
/// rt.block_on(async {
///     let work = async { 42 };
///     let timer = sleep(Duration::from_secs(1));
///     evloop::pin!(work, timer);
///     // `&mut work` and `&mut timer` are futures of their own.
///     let first = evloop::select! {
///         n = &mut work => n,
///         _ = &mut timer => 0,
///     };
///     assert_eq!(first, 42);
///     timer.await; // the same timer, still running
///
///     // The second form declares and pins in one statement.
///     evloop::pin! {
///         let later = async { 7 };
///     }
///     assert_eq!(later.as_mut().await, 7);
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[macro_export]
macro_rules! pin {
    ($($name:ident),+ $(,)?) => {
        $(
            // The pin borrows the value, which now lives on in the
            // temporary that `core::pin::pin!` makes (extended to this
            // block), under the old name's shadow.
            #[allow(unused_mut)]
            let mut $name = $crate::macros::support::pin!($name);
        )+
    };
    ($(let $name:ident = $init:expr;)+) => {
        $(
            #[allow(unused_mut)]
            let mut $name = $crate::macros::support::pin!($init);
        )+
    };
}
