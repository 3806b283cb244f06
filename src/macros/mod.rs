//! The declarative macros: [`select!`](crate::select), [`join!`](crate::join),
//! [`try_join!`](crate::try_join) and [`pin!`](crate::pin), with tokio's
//! syntax and meaning, written with `macro_rules!` alone.
//!
//! A macro's expansion runs in the user's crate, so every name it uses
//! goes through `$crate::macros::support`, this module's public but hidden
//! corner: the expansion never depends on what the user imported, and it
//! contains no `unsafe` (a user crate with `#![forbid(unsafe_code)]` can
//! use all four macros).
//!
//! `select!` and `join!` need a name and a number for each branch (a
//! variant of the output enum, a bit of the disabled mask, an arm of the
//! dispatch `match`); `macro_rules!` cannot count or make names, so
//! [`__slots!`](crate::__slots) hands them a fixed list of 64 pairs
//! `(0 _0) (1 _1) ...`, and each branch takes the next one.

mod join;
mod pin;
mod select;

/// What the expansions of the macros use, under names the user's imports
/// cannot shadow. Not public API.
#[doc(hidden)]
pub mod support {
    pub use core::future::{poll_fn, Future, IntoFuture};
    pub use core::option::Option::{self, None, Some};
    pub use core::pin::{pin, Pin};
    pub use core::result::Result::{self, Err, Ok};
    pub use core::task::Poll;

    use std::cell::Cell;
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};

    thread_local! {
        /// The state of this thread's xorshift generator: seeded once per
        /// thread (the first `select!` on it), never zero.
        static RNG: Cell<u64> = Cell::new(seed());
    }

    /// A seed that differs between threads and between runs: std's
    /// `RandomState` is keyed from the OS once per thread and changes with
    /// every instance, so a hash of nothing through it is random enough
    /// for fairness (nothing here needs to be unpredictable to an attacker).
    fn seed() -> u64 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x9e37_79b9_7f4a_7c15);
        // xorshift is stuck at zero forever; any other seed cycles through
        // every non-zero state.
        hasher.finish() | 1
    }

    /// A random number in `0..n` (`n >= 1`): where a non-`biased`
    /// `select!` starts polling, so that an always-ready first branch
    /// cannot starve the others. One xorshift64 step (Marsaglia's 13/7/17
    /// triple), then the high bits are scaled to the range by a
    /// multiplication, which is fairer and cheaper than `%`.
    pub fn random_below(n: u32) -> u32 {
        RNG.with(|rng| {
            let mut x = rng.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            rng.set(x);
            (((x >> 32) * u64::from(n)) >> 32) as u32
        })
    }

    /// What a `select!` does when its branches are all disabled and it has
    /// no `else` (tokio's words, so a port's tests still match).
    #[track_caller]
    pub fn all_branches_disabled() -> ! {
        panic!("all branches are disabled and there is no else branch")
    }

    #[cfg(test)]
    mod tests {
        use super::random_below;

        #[test]
        fn random_below_stays_in_range_and_reaches_every_value() {
            let mut seen = [0u32; 5];
            for _ in 0..1000 {
                seen[random_below(5) as usize] += 1;
            }
            assert!(seen.iter().all(|&n| n > 100), "{seen:?}");
            assert!((0..100).all(|_| random_below(1) == 0));
        }
    }
}

/// The 64 branch slots of `select!` and `join!`: calls
/// `$crate::$callback!` with the list `[(0 _0) (1 _1) ... (63 _63)]`
/// followed by its arguments. Each pair is a branch's number (its
/// bit, its arm of the dispatch `match`, its tuple index) and its name (a
/// variant, a type parameter, a local variable). The names are hygienic
/// locals of the expansion, so they never meet the user's. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __slots {
    ($callback:ident ! ( $($args:tt)* )) => {
        $crate::$callback! { [
            (0 _0) (1 _1) (2 _2) (3 _3) (4 _4) (5 _5) (6 _6) (7 _7)
            (8 _8) (9 _9) (10 _10) (11 _11) (12 _12) (13 _13) (14 _14) (15 _15)
            (16 _16) (17 _17) (18 _18) (19 _19) (20 _20) (21 _21) (22 _22) (23 _23)
            (24 _24) (25 _25) (26 _26) (27 _27) (28 _28) (29 _29) (30 _30) (31 _31)
            (32 _32) (33 _33) (34 _34) (35 _35) (36 _36) (37 _37) (38 _38) (39 _39)
            (40 _40) (41 _41) (42 _42) (43 _43) (44 _44) (45 _45) (46 _46) (47 _47)
            (48 _48) (49 _49) (50 _50) (51 _51) (52 _52) (53 _53) (54 _54) (55 _55)
            (56 _56) (57 _57) (58 _58) (59 _59) (60 _60) (61 _61) (62 _62) (63 _63)
        ] $($args)* }
    };
}

/// The mistakes `#[evloop::main]` and `#[evloop::test]` refuse, each with
/// a `compile_error!` of its own at the offending tokens (tested here,
/// since a proc-macro crate's doctests cannot use its macros).
///
/// Not `async`: "the `async` keyword is missing from the function
/// declaration".
///
/// ```compile_fail
/// #[evloop::main]
/// fn main() {}
/// ```
///
/// Arguments: "the `main` function cannot take arguments (read them with
/// `std::env::args`)", and for a test "a test function cannot take
/// arguments".
///
/// ```compile_fail
/// #[evloop::main]
/// async fn main(args: Vec<String>) {}
/// ```
///
/// ```compile_fail
/// #[evloop::test]
/// async fn takes_an_argument(n: u32) {}
/// # fn main() {}
/// ```
///
/// An unknown option, named, with the valid ones: "unknown option
/// `worker_threads`: the options are `start_paused` and `event_interval`
/// (...)".
///
/// ```compile_fail
/// #[evloop::main(worker_threads = 4)]
/// async fn main() {}
/// ```
///
/// A bad value: "`start_paused` takes `true` or `false`, not `\"yes\"`",
/// "`event_interval` must be at least 1".
///
/// ```compile_fail
/// #[evloop::main(start_paused = "yes")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[evloop::main(event_interval = 0)]
/// async fn main() {}
/// ```
///
/// A second `#[test]`.
///
/// ```compile_fail
/// #[evloop::test]
/// #[test]
/// async fn twice() {}
/// # fn main() {}
/// ```
///
/// And the one that compiles, to show the others fail for their reason:
///
/// ```
/// #[evloop::main(start_paused = true, event_interval = 7)]
/// async fn main() {}
/// ```
#[cfg(all(doctest, feature = "macros"))]
pub struct AttributeErrors;
