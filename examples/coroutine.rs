//! The note's generator coroutine, retold as a task fed through a channel.
//!
//! Run it with `cargo run --example coroutine`. It prints:
//!
//! ```text
//! Searching prefix:Dear
//! Dear James
//! Closing coroutine!!
//! ```
//!
//! How it maps onto the Python original:
//!
//! | Python                              | evloop                                     |
//! | ----------------------------------- | ------------------------------------------ |
//! | `def print_name(prefix)` with `yield` | `async fn print_name(prefix, names)`     |
//! | `corou = print_name("Dear")`        | `evloop::spawn(print_name("Dear", rx))`    |
//! | `corou.__next__()` (prime it)       | nothing: a task starts by itself           |
//! | `name = (yield)`                    | `names.recv().await`                       |
//! | `corou.send("James")`               | `tx.send("James")`                         |
//! | `corou.close()` → `GeneratorExit`   | `drop(tx)` → `recv()` returns `None`       |
//!
//! A generator runs only while its caller is inside `send`; the task runs
//! whenever the loop gets to it, so the main task yields after each send to
//! let it take the name, as the Python caller implicitly does.

use evloop::sync::mpsc;
use evloop::task::yield_now;

/// Prints every name that contains `prefix`, until the channel closes.
async fn print_name(prefix: &str, mut names: mpsc::UnboundedReceiver<String>) {
    println!("Searching prefix:{prefix}");
    while let Some(name) = names.recv().await {
        if name.contains(prefix) {
            println!("{name}");
        }
    }
    // The channel closed: all senders are gone, like `close()` on the
    // generator raising GeneratorExit inside it.
    println!("Closing coroutine!!");
}

fn main() {
    evloop::block_on(async {
        let (tx, rx) = mpsc::unbounded_channel();
        let coroutine = evloop::spawn(print_name("Dear", rx));
        for name in ["James", "Dear James"] {
            tx.send(name.to_owned())
                .expect("the coroutine is listening");
            yield_now().await;
        }
        drop(tx); // corou.close()
        coroutine.await.expect("the coroutine ran to its end");
    });
}
