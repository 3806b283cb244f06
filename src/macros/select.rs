//! `select!`: wait on several futures at once and run the handler of the
//! first one that finishes.
//!
//! The macro works in two passes, as a compiler would:
//!
//! 1. **Normalise** (`__select_parse!`): a muncher walks the input one
//!    branch at a time and turns each `pattern = future, if cond =>
//!    handler,` (in any of its spellings: with or without the condition,
//!    a block or an expression as handler, with or without the comma) into
//!    one uniform record, and gives it the next free slot: a number and a
//!    name. The pattern is kept as raw tokens, because the poll loop needs
//!    a copy of it with `mut` and `ref` taken out (`__select_clean!`), and
//!    a `$p:pat` fragment could not be taken apart again.
//! 2. **Expand** (`__select_expand!`): one block of ordinary Rust from the
//!    records: an output enum with a variant per branch, a bit mask of the
//!    disabled branches, the futures pinned on the stack, a `poll_fn` that
//!    polls them from a random start, and a `match` that runs the handler.

/// Waits on several futures at once and runs the handler of the first one
/// that finishes; the others are dropped (cancelled). tokio's `select!`,
/// with the same syntax and meaning.
///
/// ```text
/// evloop::select! {
///     [biased;]
///     <pattern> = <future> [, if <precondition>] => <handler>,
///     ...
///     [else => <expression>]
/// }
/// ```
///
/// What happens, in order:
///
/// 1. Every precondition is evaluated; a branch whose precondition is
///    `false` is *disabled*.
/// 2. Every future expression is evaluated (those of disabled branches
///    too, but they are never polled), turned into a future with
///    [`IntoFuture`](std::future::IntoFuture), and pinned on the stack.
/// 3. The enabled futures are polled, starting at a random branch (from a
///    cheap per-thread generator) so that one always-ready branch cannot
///    starve the others; with `biased;` from top to bottom. When one
///    finishes, its branch is disabled, and its output is matched against
///    its pattern: if it matches, the select is over; if not, the select
///    goes on waiting on the other branches.
/// 4. Every future is dropped, and then the handler of the winning branch
///    runs, with the pattern's bindings. The handler may therefore use what
///    the futures borrowed, and it may `break`, `continue`, `return` or
///    `.await`: it runs in the enclosing function, not in a closure.
/// 5. If every branch is (or becomes) disabled, the `else` expression is
///    the select's value; without `else`, the select panics with "all
///    branches are disabled and there is no else branch".
///
/// Up to 64 branches, as in tokio. Written with `macro_rules!` alone, the
/// macro takes two expansion steps per branch, so past 56 branches it
/// reaches the compiler's default recursion limit (128): a crate with a
/// longer select adds `#![recursion_limit = "256"]`.
///
/// A future may be a `&mut` of a future
/// that is already pinned, to keep it across several selects (a timer that
/// keeps running while a loop selects, below).
///
/// # Examples
///
/// A loop that takes messages until a deadline passes:
///
/// ```
/// use std::time::Duration;
/// use evloop::sync::mpsc;
/// use evloop::time::sleep;
///
/// let rt = evloop::Runtime::builder().start_paused(true).build()?;
/// rt.block_on(async {
///     let (tx, mut rx) = mpsc::channel(8);
///     evloop::spawn(async move {
///         for n in 0.. {
///             if tx.send(n).await.is_err() {
///                 break;
///             }
///             sleep(Duration::from_secs(1)).await;
///         }
///     });
///     let deadline = sleep(Duration::from_millis(3500));
///     evloop::pin!(deadline);
///     let mut got = Vec::new();
///     loop {
///         evloop::select! {
///             Some(n) = rx.recv() => got.push(n),
///             _ = &mut deadline => break,
///         }
///     }
///     assert_eq!(got, [0, 1, 2, 3]);
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// Preconditions, `biased;` and `else`: a branch whose channel has closed
/// is switched off, and when both are off the `else` ends the loop.
///
/// ```
/// use evloop::sync::mpsc;
///
/// evloop::block_on(async {
///     let (a_tx, mut a) = mpsc::unbounded_channel();
///     let (b_tx, mut b) = mpsc::unbounded_channel();
///     a_tx.send(1).unwrap();
///     b_tx.send(2).unwrap();
///     drop((a_tx, b_tx));
///     let (mut a_open, mut b_open) = (true, true);
///     let mut sum = 0;
///     loop {
///         evloop::select! {
///             biased;
///             v = a.recv(), if a_open => match v {
///                 Some(v) => sum += v,
///                 None => a_open = false,
///             },
///             v = b.recv(), if b_open => match v {
///                 Some(v) => sum += v,
///                 None => b_open = false,
///             },
///             else => break,
///         }
///     }
///     assert_eq!(sum, 3);
/// });
/// ```
///
/// # Panics
///
/// When every branch is disabled and there is no `else` branch.
#[macro_export]
macro_rules! select {
    // `biased;` comes first if at all; then each branch is normalised,
    // starting with no branches and an empty pattern, and 64 free slots.
    (biased; $($input:tt)*) => {
        $crate::__slots!(__select_parse!(true [] [] $($input)*))
    };
    ($($input:tt)*) => {
        $crate::__slots!(__select_parse!(false [] [] $($input)*))
    };
}

/// `select!`'s first pass: normalises the branches. Not public API.
///
/// Its input is its state: `[free slots] biased [branches done] [pattern
/// so far] rest of the input`. Each finished branch becomes
/// `(number name [pattern tokens] future [precondition?] handler)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // --- The end of the input: hand the branches to the expansion. ---
    ($slots:tt $biased:tt [] []) => {
        ::core::compile_error!("select! needs at least one branch")
    };
    ($slots:tt $biased:tt [] [] else => $else:expr $(,)?) => {
        ::core::compile_error!("select! needs at least one branch besides `else`")
    };
    ($slots:tt $biased:tt $branches:tt []) => {
        $crate::__select_expand!($biased $branches {
            $crate::macros::support::all_branches_disabled()
        })
    };
    // `else` can only be last, as in tokio.
    ($slots:tt $biased:tt $branches:tt [] else => $else:expr $(,)?) => {
        $crate::__select_expand!($biased $branches { $else })
    };

    ($slots:tt $biased:tt $branches:tt [] else => $($rest:tt)*) => {
        ::core::compile_error!("select!: `else` must be the last branch")
    };

    // --- A complete pattern, then `= future [, if cond] => handler`. ---
    // Four spellings of the handler, tried in this order: a block with a
    // comma, a block without one, an expression with a comma, and the
    // last branch's expression. Each takes the next free slot.
    (
        [($n:tt $name:ident) $($slots:tt)*] $biased:tt [$($done:tt)*] [$($pat:tt)+]
        = $fut:expr $(, if $cond:expr)? => $handler:block, $($rest:tt)*
    ) => {
        $crate::__select_parse!(
            [$($slots)*] $biased [$($done)* ($n $name [$($pat)+] $fut [$($cond)?] $handler)] []
            $($rest)*
        )
    };
    (
        [($n:tt $name:ident) $($slots:tt)*] $biased:tt [$($done:tt)*] [$($pat:tt)+]
        = $fut:expr $(, if $cond:expr)? => $handler:block $($rest:tt)*
    ) => {
        $crate::__select_parse!(
            [$($slots)*] $biased [$($done)* ($n $name [$($pat)+] $fut [$($cond)?] $handler)] []
            $($rest)*
        )
    };
    (
        [($n:tt $name:ident) $($slots:tt)*] $biased:tt [$($done:tt)*] [$($pat:tt)+]
        = $fut:expr $(, if $cond:expr)? => $handler:expr, $($rest:tt)*
    ) => {
        $crate::__select_parse!(
            [$($slots)*] $biased [$($done)* ($n $name [$($pat)+] $fut [$($cond)?] { $handler })] []
            $($rest)*
        )
    };
    (
        [($n:tt $name:ident) $($slots:tt)*] $biased:tt [$($done:tt)*] [$($pat:tt)+]
        = $fut:expr $(, if $cond:expr)? => $handler:expr
    ) => {
        $crate::__select_parse!(
            [$($slots)*] $biased [$($done)* ($n $name [$($pat)+] $fut [$($cond)?] { $handler })] []
        )
    };
    // A complete pattern but no free slot, or a branch none of the above
    // could read.
    ([] $biased:tt $done:tt [$($pat:tt)+] = $($rest:tt)*) => {
        ::core::compile_error!("select! supports at most 64 branches")
    };
    ($slots:tt $biased:tt $done:tt [$($pat:tt)+] = $($rest:tt)*) => {
        ::core::compile_error!(
            "select!: expected `= <future> => <handler>` or `= <future>, if <condition> => <handler>` after the pattern"
        )
    };
    ($slots:tt $biased:tt $done:tt [$($pat:tt)+]) => {
        ::core::compile_error!("select!: the last branch has no `= <future> => <handler>`")
    };

    // --- Inside a pattern: move tokens into it up to the `=`. ---
    // Up to four at a time, to keep the recursion shallow (most patterns
    // take one step): a rule that takes `k` tokens is only reached when
    // none of them is the `=`, since the rules before it looked for the
    // `=` at each of those places.
    ($slots:tt $biased:tt $done:tt [$($pat:tt)*] $a:tt = $($rest:tt)*) => {
        $crate::__select_parse!($slots $biased $done [$($pat)* $a] = $($rest)*)
    };
    ($slots:tt $biased:tt $done:tt [$($pat:tt)*] $a:tt $b:tt = $($rest:tt)*) => {
        $crate::__select_parse!($slots $biased $done [$($pat)* $a $b] = $($rest)*)
    };
    ($slots:tt $biased:tt $done:tt [$($pat:tt)*] $a:tt $b:tt $c:tt = $($rest:tt)*) => {
        $crate::__select_parse!($slots $biased $done [$($pat)* $a $b $c] = $($rest)*)
    };
    ($slots:tt $biased:tt $done:tt [$($pat:tt)*] $a:tt $b:tt $c:tt $d:tt $($rest:tt)*) => {
        $crate::__select_parse!($slots $biased $done [$($pat)* $a $b $c $d] $($rest)*)
    };
    ($slots:tt $biased:tt $done:tt [$($pat:tt)*] $a:tt $($rest:tt)*) => {
        $crate::__select_parse!($slots $biased $done [$($pat)* $a] $($rest)*)
    };
}

/// `select!`'s second pass: the code. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_expand {
    (
        $biased:tt
        [$( ($n:tt $name:ident [$($pat:tt)+] $fut:tt [$($cond:tt)?] $handler:tt) )+]
        $else:tt
    ) => {{
        // The output of the branch that won, or `Disabled` when none did.
        // One type parameter per branch: the output of its future. (The
        // user's handlers are inside this block and see the item, hence
        // the name nobody else would choose; the locals are hygienic.)
        enum __SelectOut<$($name,)+> {
            $($name($name),)+
            Disabled,
        }
        let branches = <[u8]>::len(&[$($n),+]) as u32;

        // Bit `n` is set while branch `n` must not be polled: its
        // precondition was false, or its future has finished.
        let mut disabled: u64 = 0;
        // Step 1: every precondition, before any future is made.
        $($(
            if !$cond {
                disabled |= 1 << $n;
            }
        )?)+

        // Steps 2 and 3, in a block of their own: when it ends, every
        // future is dropped, before a handler runs.
        let out = {
            $(
                let mut $name = $crate::macros::support::pin!(
                    $crate::macros::support::IntoFuture::into_future($fut)
                );
            )+
            $crate::macros::support::poll_fn(|cx| {
                // Whether some enabled future is still pending: if none is
                // and none finished, every branch is disabled.
                let mut pending = false;
                let start = if $biased { 0 } else { $crate::macros::support::random_below(branches) };
                for i in 0..branches {
                    match (start + i) % branches {
                        $(
                            $n => {
                                if disabled & (1 << $n) != 0 {
                                    continue;
                                }
                                let output = match $crate::macros::support::Future::poll($name.as_mut(), cx) {
                                    $crate::macros::support::Poll::Ready(output) => output,
                                    $crate::macros::support::Poll::Pending => {
                                        pending = true;
                                        continue;
                                    }
                                };
                                // A finished future is never polled again,
                                // whether its output matches or not.
                                disabled |= 1 << $n;
                                // Look at the output through a reference,
                                // with the pattern's `mut` and `ref` taken
                                // out, so that a mismatch leaves it intact.
                                #[allow(unused_variables, unreachable_patterns)]
                                match &output {
                                    $crate::__select_clean!($($pat)+) => {}
                                    _ => continue,
                                }
                                return $crate::macros::support::Poll::Ready(__SelectOut::$name(output));
                            }
                        )+
                        _ => ::core::unreachable!("select!: branch number out of range"),
                    }
                }
                if pending {
                    $crate::macros::support::Poll::Pending
                } else {
                    $crate::macros::support::Poll::Ready(__SelectOut::Disabled)
                }
            })
            .await
        };

        // Step 4 (or 5): the futures are gone; run the winner's handler
        // with the pattern's bindings, by value this time.
        match out {
            $( __SelectOut::$name($($pat)+) => $handler, )+
            __SelectOut::Disabled => $else,
            // The poll loop matched this very value against the same
            // pattern, so this arm is never taken; it is needed because
            // the compiler cannot know that.
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("select!: a branch's output matched its pattern once but not twice"),
        }
    }};
}

/// A copy of a pattern with the binding modes `mut` and `ref` taken out,
/// for looking at a value through a shared reference without moving out
/// of it: `Some(mut x)` becomes `Some(x)`, which binds `x` as `&T` there.
/// (A `&mut` reference pattern loses its `mut` too, as in tokio; the
/// handler's match still uses the pattern as written.) Not public API.
///
/// A tt-muncher with an explicit stack, so that it can go inside groups:
/// its state is `@ [stack] [cleaned so far] rest`. Entering a group pushes
/// (delimiter, cleaned so far, rest after the group) and starts on the
/// group's contents; at the end of them, the frame is popped and the
/// cleaned contents, in their delimiter, join the enclosing level.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_clean {
    // The end of the pattern: the cleaned tokens are the result.
    (@ [] [$($done:tt)*]) => {
        $($done)*
    };
    // The end of a group's contents: back to the enclosing level.
    (@ [(paren [$($outer:tt)*] [$($after:tt)*]) $($stack:tt)*] [$($done:tt)*]) => {
        $crate::__select_clean!(@ [$($stack)*] [$($outer)* ($($done)*)] $($after)*)
    };
    (@ [(bracket [$($outer:tt)*] [$($after:tt)*]) $($stack:tt)*] [$($done:tt)*]) => {
        $crate::__select_clean!(@ [$($stack)*] [$($outer)* [$($done)*]] $($after)*)
    };
    (@ [(brace [$($outer:tt)*] [$($after:tt)*]) $($stack:tt)*] [$($done:tt)*]) => {
        $crate::__select_clean!(@ [$($stack)*] [$($outer)* {$($done)*}] $($after)*)
    };
    // The two binding modes: dropped.
    (@ $stack:tt $done:tt mut $($rest:tt)*) => {
        $crate::__select_clean!(@ $stack $done $($rest)*)
    };
    (@ $stack:tt $done:tt ref $($rest:tt)*) => {
        $crate::__select_clean!(@ $stack $done $($rest)*)
    };
    // A group: clean its contents first.
    (@ [$($stack:tt)*] $done:tt ($($inner:tt)*) $($rest:tt)*) => {
        $crate::__select_clean!(@ [(paren $done [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    (@ [$($stack:tt)*] $done:tt [$($inner:tt)*] $($rest:tt)*) => {
        $crate::__select_clean!(@ [(bracket $done [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    (@ [$($stack:tt)*] $done:tt {$($inner:tt)*} $($rest:tt)*) => {
        $crate::__select_clean!(@ [(brace $done [$($rest)*]) $($stack)*] [] $($inner)*)
    };
    // Any other token is kept.
    (@ $stack:tt [$($done:tt)*] $token:tt $($rest:tt)*) => {
        $crate::__select_clean!(@ $stack [$($done)* $token] $($rest)*)
    };
    // The entry point.
    ($($pattern:tt)+) => {
        $crate::__select_clean!(@ [] [] $($pattern)+)
    };
}

/// Misuse that `select!` turns into a `compile_error!` of its own.
///
/// No branch: "select! needs at least one branch".
///
/// ```compile_fail
/// evloop::block_on(async { evloop::select! {} });
/// ```
///
/// A branch without a handler: "select!: expected `= <future> =>
/// <handler>` or `= <future>, if <condition> => <handler>` after the
/// pattern".
///
/// ```compile_fail
/// evloop::block_on(async { evloop::select! { n = async { 1 } } });
/// ```
///
/// `else` before another branch: "select!: `else` must be the last
/// branch".
///
/// ```compile_fail
/// evloop::block_on(async {
///     evloop::select! { else => 0, n = async { 1 } => n }
/// });
/// ```
///
/// A select in a plain function: `.await` outside `async`.
///
/// ```compile_fail
/// fn not_async() -> u32 {
///     evloop::select! { n = async { 1 } => n }
/// }
/// ```
#[cfg(doctest)]
pub struct SelectErrors;
