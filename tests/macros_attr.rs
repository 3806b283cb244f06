//! `#[evloop::test]` (and so `#[evloop::main]`, the same rewrite): the
//! options reach the runtime, results come back, attributes stay.

use std::error::Error;
use std::time::Duration;

use evloop::time::{sleep, Instant};

#[evloop::test]
async fn a_plain_test_runs_on_an_evloop_runtime() {
    // `spawn` panics outside a runtime: this one is inside.
    let task = evloop::spawn(async { 6 * 7 });
    assert_eq!(task.await.unwrap(), 42);
    assert!(evloop::Handle::try_current().is_some());
}

#[evloop::test(start_paused = true)]
async fn start_paused_runs_an_hour_of_sleep_in_no_real_time() {
    let real = std::time::Instant::now();
    let start = Instant::now();
    sleep(Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
    assert!(
        real.elapsed() < Duration::from_secs(1),
        "took {:?}",
        real.elapsed()
    );
}

#[evloop::test(start_paused = false)]
async fn start_paused_false_keeps_the_real_clock() {
    let real = std::time::Instant::now();
    sleep(Duration::from_millis(20)).await;
    assert!(real.elapsed() >= Duration::from_millis(20));
}

#[evloop::test(event_interval = 3, start_paused = true)]
async fn event_interval_and_start_paused_together() {
    // The interval cannot be read back from inside; that the options
    // combine and the paused clock holds is what this checks.
    let start = Instant::now();
    sleep(Duration::from_secs(60)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(60));
}

#[evloop::test]
async fn a_test_may_return_a_result_and_use_the_question_mark() -> Result<(), Box<dyn Error>> {
    let n: u32 = "17".parse()?;
    assert_eq!(n, 17);
    Ok(())
}

#[evloop::test]
#[should_panic(expected = "from the body")]
async fn attributes_stay_on_the_function() {
    panic!("from the body");
}

#[evloop::test]
#[ignore = "only runs when asked: checks that `#[ignore]` is kept"]
async fn ignored_tests_stay_ignored() {
    panic!("an ignored test ran");
}

mod inner {
    // Visibility and an early `return` from the body pass through.
    #[evloop::test]
    pub(crate) async fn visibility_and_return_pass_through() -> Result<(), String> {
        if 1 + 1 == 2 {
            return Ok(());
        }
        Err("unreachable".into())
    }
}
