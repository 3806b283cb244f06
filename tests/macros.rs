//! The declarative macros: `select!` (cancellation, fairness, `biased;`,
//! preconditions, pattern fall-through, `else`), `join!`, `try_join!` and
//! `pin!`, used as a user crate would, under `#![forbid(unsafe_code)]`.
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::future::{pending, ready, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use evloop::sync::mpsc;
use evloop::task::yield_now;
use evloop::time::{sleep, Instant};
use evloop::Runtime;

fn paused() -> Runtime {
    Runtime::builder().start_paused(true).build().unwrap()
}

/// A future that counts its drops into a shared counter and is ready with
/// `output` after `pending_polls` pending polls (never, with `None`).
struct Tracked {
    drops: Rc<Cell<u32>>,
    pending_polls: Option<u32>,
    output: u32,
}

impl Tracked {
    fn new(drops: &Rc<Cell<u32>>, pending_polls: Option<u32>, output: u32) -> Tracked {
        Tracked {
            drops: drops.clone(),
            pending_polls,
            output,
        }
    }
}

impl Future for Tracked {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        match self.pending_polls {
            Some(0) => Poll::Ready(self.output),
            Some(n) => {
                self.pending_polls = Some(n - 1);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

#[test]
fn select_drops_every_branch_future_before_the_handler_runs() {
    evloop::block_on(async {
        let drops = Rc::new(Cell::new(0));
        let winner = evloop::select! {
            n = Tracked::new(&drops, Some(2), 1) => {
                // The loser and the winner are both gone already.
                assert_eq!(drops.get(), 3);
                n
            }
            n = Tracked::new(&drops, None, 2) => n,
            n = Tracked::new(&drops, None, 3) => n,
        };
        assert_eq!(winner, 1);
        assert_eq!(drops.get(), 3);
    });
}

#[test]
fn handler_may_use_what_the_futures_borrowed() {
    evloop::block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send(5).unwrap();
        let got = evloop::select! {
            // `rx.recv()` borrows `rx` mutably; the handler uses it again.
            Some(n) = rx.recv() => {
                tx.send(6).unwrap();
                n + rx.recv().await.unwrap()
            }
        };
        assert_eq!(got, 11);
    });
}

#[test]
fn unbiased_select_picks_each_ready_branch_often() {
    evloop::block_on(async {
        let (mut first, mut second) = (0, 0);
        for _ in 0..1000 {
            evloop::select! {
                _ = ready(()) => first += 1,
                _ = ready(()) => second += 1,
            }
        }
        assert_eq!(first + second, 1000);
        assert!(
            first >= 100 && second >= 100,
            "first {first}, second {second}"
        );
    });
}

#[test]
fn biased_select_always_picks_the_first_ready_branch() {
    evloop::block_on(async {
        for _ in 0..200 {
            let picked = evloop::select! {
                biased;
                n = pending::<u32>() => n,
                n = ready(2) => n,
                n = ready(3) => n,
            };
            assert_eq!(picked, 2);
        }
    });
}

#[test]
fn a_false_precondition_disables_its_branch_without_polling_it() {
    evloop::block_on(async {
        let drops = Rc::new(Cell::new(0));
        let polled = Rc::new(Cell::new(false));
        for _ in 0..50 {
            let picked = evloop::select! {
                n = async { polled.set(true); 1 }, if false => n,
                n = Tracked::new(&drops, Some(1), 2), if 1 + 1 == 2 => n,
            };
            assert_eq!(picked, 2);
        }
        assert!(!polled.get(), "a disabled branch was polled");
        assert_eq!(drops.get(), 50);
    });
}

#[test]
fn a_mismatched_pattern_disables_its_branch_and_the_select_goes_on() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        drop(tx); // `recv` is ready at once, with `None`
        let picked = evloop::select! {
            biased;
            Some(n) = rx.recv() => n,
            _ = sleep(Duration::from_secs(5)) => 99,
        };
        assert_eq!(picked, 99);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    });
}

#[test]
fn patterns_with_mut_and_ref_bindings_work() {
    evloop::block_on(async {
        let got = evloop::select! {
            (mut text, ref n) = ready((String::from("a"), 1)) => {
                text.push('b');
                format!("{text}{n}")
            }
        };
        assert_eq!(got, "ab1");
        let got = evloop::select! {
            Ok(Some(mut v)) | Err(mut v) = ready(Ok::<_, Vec<u8>>(Some(vec![1]))) => {
                v.push(2);
                v
            }
        };
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn else_runs_when_every_branch_is_disabled() {
    evloop::block_on(async {
        let disabled = evloop::select! {
            n = ready(1), if false => n,
            else => 0,
        };
        assert_eq!(disabled, 0);
        // Every output mismatches: the same `else`.
        let mismatched = evloop::select! {
            Some(n) = ready(None::<u32>) => n,
            Ok(n) = ready(Err::<u32, ()>(())) => n,
            else => 7,
        };
        assert_eq!(mismatched, 7);
    });
}

#[test]
fn all_branches_disabled_without_else_panics_with_tokios_message() {
    let result = catch_unwind(AssertUnwindSafe(|| {
        evloop::block_on(async {
            evloop::select! {
                Some(n) = ready(None::<u32>) => n,
            }
        })
    }));
    let payload = result.unwrap_err();
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert_eq!(
        message,
        "all branches are disabled and there is no else branch"
    );
}

#[test]
fn select_in_a_loop_takes_messages_until_a_pinned_timer_fires() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let (tx, mut rx) = mpsc::channel(4);
        evloop::spawn(async move {
            for n in 1..=10 {
                sleep(Duration::from_millis(300)).await;
                if tx.send(n).await.is_err() {
                    return;
                }
            }
        });
        let deadline = sleep(Duration::from_millis(1000));
        evloop::pin!(deadline);
        let mut got = Vec::new();
        let mut ticks = 0;
        loop {
            evloop::select! {
                Some(n) = rx.recv() => got.push(n),
                _ = &mut deadline => break,
                // A branch that finishes each time, so the loop spins:
                // the timer must still fire at its deadline.
                _ = yield_now(), if ticks < 3 => ticks += 1,
            }
        }
        assert_eq!(got, [1, 2, 3]);
        assert_eq!(ticks, 3);
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    });
}

#[test]
fn handlers_can_break_continue_and_return() {
    async fn first_even(values: Vec<u32>) -> Option<u32> {
        let mut values = values.into_iter();
        loop {
            evloop::select! {
                v = ready(values.next()) => match v {
                    None => return None,
                    Some(v) if v % 2 == 1 => continue,
                    Some(v) => break Some(v),
                },
            }
        }
    }
    evloop::block_on(async {
        assert_eq!(first_even(vec![1, 3, 4, 5]).await, Some(4));
        assert_eq!(first_even(vec![1, 3]).await, None);
    });
}

#[test]
fn select_takes_into_future_values() {
    struct Later(u32);
    impl std::future::IntoFuture for Later {
        type Output = u32;
        type IntoFuture = std::future::Ready<u32>;
        fn into_future(self) -> Self::IntoFuture {
            ready(self.0)
        }
    }
    evloop::block_on(async {
        let n = evloop::select! { n = Later(4) => n };
        assert_eq!(n, 4);
        let (a, b) = evloop::join!(Later(1), async { 2 });
        assert_eq!((a, b), (1, 2));
    });
}

#[test]
fn select_with_56_branches_compiles_under_the_default_recursion_limit() {
    evloop::block_on(async {
        let n = evloop::select! {
            biased;
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            n = pending::<u32>() => n, n = pending::<u32>() => n, n = pending::<u32>() => n,
            Some(n) = ready(Some(0u32)), if false => n,
            Some(n) = ready(Some(56u32)) => n,
        };
        assert_eq!(n, 56);
    });
}

#[test]
fn join_returns_every_output_in_order_after_running_them_concurrently() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let (a, b, c) = evloop::join!(
            async {
                sleep(Duration::from_secs(3)).await;
                'a'
            },
            async {
                sleep(Duration::from_secs(1)).await;
                2
            },
            ready("c"),
        );
        assert_eq!((a, b, c), ('a', 2, "c"));
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        let () = evloop::join!();
    });
}

#[test]
fn join_drops_each_future_as_soon_as_it_finishes() {
    evloop::block_on(async {
        let drops = Rc::new(Cell::new(0));
        let seen = Rc::new(Cell::new(u32::MAX));
        let (a, b) = evloop::join!(Tracked::new(&drops, Some(0), 1), async {
            yield_now().await;
            // The first future finished at the first poll: it is gone.
            seen.set(drops.get());
            2
        });
        assert_eq!((a, b, seen.get()), (1, 2, 1));
    });
}

#[test]
fn try_join_returns_ok_of_all_outputs() {
    evloop::block_on(async {
        let ok: Result<(u32, &str), String> =
            evloop::try_join!(async { Ok(1) }, async { Ok("two") });
        assert_eq!(ok, Ok((1, "two")));
        let empty: Result<(), String> = evloop::try_join!();
        assert_eq!(empty, Ok(()));
    });
}

#[test]
fn try_join_returns_the_first_error_and_drops_the_rest() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let drops = Rc::new(Cell::new(0));
        let slow = Tracked::new(&drops, None, 0);
        let result: Result<(u32, u32, u32), &str> = evloop::try_join!(
            async {
                slow.await; // never finishes
                Ok(1)
            },
            async {
                sleep(Duration::from_secs(2)).await;
                Err("second")
            },
            async {
                sleep(Duration::from_secs(4)).await;
                Err("third")
            },
        );
        assert_eq!(result, Err("second"));
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        assert_eq!(drops.get(), 1, "the unfinished future was not dropped");
    });
}

#[test]
fn pin_shadows_the_binding_with_a_pinned_mutable_reference() {
    let rt = paused();
    rt.block_on(async {
        let start = Instant::now();
        let timer = sleep(Duration::from_secs(2));
        let work = async { 5 };
        evloop::pin!(timer, work);
        let timer_ref: &mut Pin<&mut evloop::time::Sleep> = &mut timer;
        assert!(!timer_ref.is_elapsed());
        assert_eq!((&mut work).await, 5);
        // Polled once through the `&mut`, then awaited to the end: the
        // same timer, two seconds in all.
        let first = evloop::select! {
            biased;
            _ = &mut timer => "timer",
            _ = ready(()) => "ready",
        };
        assert_eq!(first, "ready");
        timer.await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        evloop::pin! {
            let a = ready(1);
            let b = ready(2);
        }
        assert_eq!(a.await + b.await, 3);
    });
}
