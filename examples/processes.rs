//! The note's multiprocessing program: several OS processes, waited for on
//! the event loop.
//!
//! The Python original starts one `multiprocessing.Process` per continent
//! (Asia by default, then America, Europe and Africa), each printing its
//! name, and joins them all. It prints:
//!
//! ```text
//! The name of continent is :  Asia
//! The name of continent is :  America
//! The name of continent is :  Europe
//! The name of continent is :  Africa
//! ```
//!
//! | Python                                   | evloop                                          |
//! | ---------------------------------------- | ----------------------------------------------- |
//! | `Process(target=print_func, args=(name,))` | this same binary, run with `child <name>`     |
//! | `proc.start()`                           | `evloop::process::Command::spawn`               |
//! | `proc.join()`                            | `child.wait_with_output().await`                |
//!
//! No thread waits for a child: each child's output pipe is on the reactor,
//! and its exit arrives as a `SIGCHLD` through the same self-pipe as any
//! signal, so the four waits are four tasks on the one loop thread. Each
//! child's output is captured and printed in start order, so the output
//! is the same on every run.
//!
//! Run it with `cargo run --example processes`.

use std::process::Stdio;

use evloop::process::Command;

/// The note's `print_func(continent='Asia')`, run inside a child process.
fn print_func(continent: &str) {
    println!("The name of continent is :  {continent}");
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        print_func(args.next().as_deref().unwrap_or("Asia"));
        return Ok(());
    }
    let me = std::env::current_exe()?;
    evloop::block_on(async {
        // `None` is the Python default argument: the child picks Asia.
        let names = [None, Some("America"), Some("Europe"), Some("Africa")];
        let mut waits = Vec::new();
        for name in names {
            let child = Command::new(&me)
                .arg("child")
                .args(name)
                .stdout(Stdio::piped())
                .spawn()?;
            waits.push(evloop::spawn(child.wait_with_output()));
        }
        for wait in waits {
            let output = wait.await.expect("wait task panicked")?;
            assert!(output.status.success(), "a child failed: {}", output.status);
            print!("{}", String::from_utf8_lossy(&output.stdout));
        }
        Ok(())
    })
}
