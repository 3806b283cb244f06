//! The note's threads program, on evloop's blocking pool.
//!
//! The Python original starts two `threading.Thread`s, one printing the
//! square of 10 and one its cube, joins both and prints `Done!`:
//!
//! ```text
//! Square: 100
//! Cube: 1000
//! Done!
//! ```
//!
//! Here the threads are `spawn_blocking` jobs on the runtime's pool, and
//! "join" is awaiting their JoinHandles, which leaves the event loop free
//! meanwhile. Unlike CPython's threads under the GIL, these really run on
//! separate cores. The loop prints each result as its job finishes, in
//! the order the note shows (square first, then cube).
//!
//! Run it with `cargo run --example threads`.

use evloop::task::spawn_blocking;

/// The note's `calc_square`: the work happens on a pool thread.
fn calc_square(n: u64) -> String {
    format!("Square: {}", n * n)
}

/// The note's `calc_cube`.
fn calc_cube(n: u64) -> String {
    format!("Cube: {}", n * n * n)
}

fn main() {
    evloop::block_on(async {
        let n = 10;
        // Both jobs start at once, like `t1.start(); t2.start()`.
        let square = spawn_blocking(move || calc_square(n));
        let cube = spawn_blocking(move || calc_cube(n));
        // `t1.join(); t2.join()`: await them without blocking the loop.
        println!("{}", square.await.expect("square job panicked"));
        println!("{}", cube.await.expect("cube job panicked"));
        println!("Done!");
    });
}
