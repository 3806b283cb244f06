//! Task-local values: a scope's value is there exactly while its future is
//! polled, tasks that interleave each see their own, and every way out of
//! a scope puts the outer value back.

mod util;

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;

use evloop::task;
use evloop::Runtime;
use util::{panic_message, poll_once};

evloop::task_local! {
    static NAME: &'static str;
    pub static DEPTH: u32;
}

evloop::task_local! {
    /// A key whose value is not `Clone`, read by reference.
    static LOG: RefCell<Vec<String>>;
}

#[test]
fn two_tasks_that_yield_each_see_their_own_value() {
    let rt = Runtime::new().unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    rt.block_on(async {
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let seen = seen.clone();
                evloop::spawn(NAME.scope(name, async move {
                    for _ in 0..3 {
                        seen.borrow_mut().push(NAME.get());
                        task::yield_now().await; // the other task runs
                    }
                }))
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert!(NAME.try_get().is_err(), "nothing leaks out of the scopes");
    });
    assert_eq!(*seen.borrow(), ["a", "b", "a", "b", "a", "b"]);
}

#[test]
fn a_nested_scope_shadows_the_outer_one_and_gives_it_back() {
    let rt = Runtime::new().unwrap();
    let depths = rt.block_on(DEPTH.scope(1, async {
        let outer = DEPTH.get();
        let inner = DEPTH
            .scope(2, async {
                task::yield_now().await;
                DEPTH.get()
            })
            .await;
        (outer, inner, DEPTH.get())
    }));
    assert_eq!(depths, (1, 2, 1));
}

#[test]
fn the_value_is_set_only_while_the_scope_is_polled() {
    let mut scoped = pin!(DEPTH.scope(5, async {
        assert_eq!(DEPTH.get(), 5);
        std::future::pending::<()>().await;
    }));
    assert!(poll_once(scoped.as_mut()).is_pending());
    assert!(DEPTH.try_with(|_| ()).is_err(), "between polls: unset");
}

#[test]
fn with_outside_a_scope_panics_with_a_message_naming_the_fix() {
    let panicked = catch_unwind(|| NAME.with(|name| name.len()));
    let message = panic_message(panicked.unwrap_err());
    assert!(message.contains("outside its scope"), "{message}");
    assert!(message.contains("LocalKey::scope"), "{message}");
    assert_eq!(
        NAME.try_with(|name| name.len()).unwrap_err().to_string(),
        "task-local value not set"
    );
}

#[test]
fn sync_scope_sets_the_value_for_the_closure_only() {
    let logged = LOG.sync_scope(RefCell::new(Vec::new()), || {
        LOG.with(|log| log.borrow_mut().push("one".to_owned()));
        LOG.with(|log| log.borrow_mut().push("two".to_owned()));
        LOG.with(|log| log.borrow().clone())
    });
    assert_eq!(logged, ["one", "two"]);
    assert!(LOG.try_with(|_| ()).is_err());
}

#[test]
fn a_panic_inside_a_scope_restores_the_outer_value() {
    let outer = DEPTH.sync_scope(1, || {
        let panicked = catch_unwind(|| DEPTH.sync_scope(2, || panic!("inner")));
        assert!(panicked.is_err());
        DEPTH.get()
    });
    assert_eq!(outer, 1);
    // The same for a future whose poll panics.
    let rt = Runtime::new().unwrap();
    let after = rt.block_on(DEPTH.scope(1, async {
        let failing = DEPTH.scope(2, async { panic!("in the poll") });
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            let mut failing = pin!(failing);
            poll_once(failing.as_mut())
        }));
        assert_eq!(panic_message(panicked.unwrap_err()), "in the poll");
        DEPTH.get()
    }));
    assert_eq!(after, 1);
}

#[test]
fn the_inner_future_is_dropped_inside_its_scope() {
    struct SeesName(Rc<RefCell<Option<&'static str>>>);
    impl Drop for SeesName {
        fn drop(&mut self) {
            *self.0.borrow_mut() = NAME.try_get().ok();
        }
    }
    let seen = Rc::new(RefCell::new(None));
    let guard = SeesName(seen.clone());
    let mut scoped = Box::pin(NAME.scope("mine", async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
    assert!(poll_once(scoped.as_mut()).is_pending());
    drop(scoped); // dropped before it finished
    assert_eq!(*seen.borrow(), Some("mine"));
}

#[test]
fn entering_a_scope_inside_with_of_the_same_key_panics_clearly() {
    let panicked = catch_unwind(|| {
        DEPTH.sync_scope(1, || DEPTH.with(|_| DEPTH.sync_scope(2, || ())));
    });
    let message = panic_message(panicked.unwrap_err());
    assert!(message.contains("inside `LocalKey::with`"), "{message}");
    assert!(DEPTH.try_get().is_err(), "every scope was left");
}
