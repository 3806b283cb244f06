//! evloop is a single-threaded async runtime written from scratch on mio
//! readiness: one thread, one hand-written event loop, a slab of tasks. It is
//! small enough to read in an afternoon, and its public API is tokio's and
//! reqwest's where a user would expect them, so programs move between them
//! by changing imports.
//!
//! # A tour of the loop
//!
//! **1. A runtime drives a future.** [`block_on`] creates a [`Runtime`] and
//! runs one future to completion on the calling thread:
//!
//! ```
//! let answer = evloop::block_on(async { 6 * 7 });
//! assert_eq!(answer, 42);
//! ```
//!
//! **2. Tasks are futures the runtime owns.** [`spawn`] puts a future in the
//! runtime's task slab and returns a [`JoinHandle`](task::JoinHandle). Tasks
//! never leave the thread, so they need not be `Send`:
//!
//! ```
//! use std::rc::Rc;
//!
//! evloop::block_on(async {
//!     let name = Rc::new(String::from("evloop"));
//!     let task = evloop::spawn(async move { name.len() });
//!     assert_eq!(task.await.unwrap(), 6);
//! });
//! ```
//!
//! **3. A task runs when it is woken.** Polling a task hands it a `Waker`.
//! A pending future keeps it; calling `wake` puts the task's id on the run
//! queue (once, however often it is woken), and the loop polls it at its
//! next turn. [`task::yield_now`] wakes itself, so the task goes to the back
//! of the queue:
//!
//! ```
//! evloop::block_on(async {
//!     let a = evloop::spawn(async {
//!         for _ in 0..3 {
//!             evloop::task::yield_now().await;
//!         }
//!     });
//!     a.await.unwrap();
//! });
//! ```
//!
//! **4. One tick of the loop** runs the ready tasks (at most
//! `event_interval` of them), then asks mio for I/O events: without
//! waiting if work is ready, otherwise sleeping until an event or a wake from
//! another thread arrives; the events' wakers put their tasks on the queue.
//! [`Runtime::metrics`] counts it all:
//!
//! ```
//! let rt = evloop::Runtime::new()?;
//! rt.block_on(async {
//!     evloop::spawn(async {}).await.unwrap();
//! });
//! let m = rt.metrics();
//! assert_eq!((m.spawned_tasks, m.alive_tasks), (1, 0));
//! assert!(m.ticks >= 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! **5. Other threads use a [`Handle`].** It is `Send + Sync`: its wakes and
//! spawns go through a mutex-protected queue and interrupt the loop's wait
//! through a `mio::Waker`:
//!
//! ```
//! let rt = evloop::Runtime::new()?;
//! let handle = rt.handle();
//! std::thread::spawn(move || {
//!     handle.spawn(async { println!("spawned from another thread") });
//!     handle.stop();
//! });
//! rt.run_forever();
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Misuse
//!
//! Calling [`spawn`] outside a runtime, or `block_on` inside one, panics
//! with a message that says what to do instead.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `http` | yes | the HTTP/1.1 client |
//! | `signal` | yes | `ctrl_c` and signal streams (unix) |
//! | `tls` | no | HTTPS for the client (rustls) |
//! | `json` | no | JSON bodies (serde) |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "http")]
pub mod http;
pub(crate) mod io;
pub mod net;
pub mod runtime;
#[cfg(all(unix, feature = "signal"))]
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use runtime::{block_on, Builder, Handle, Metrics, Runtime, UnhandledPanic};
pub use task::spawn;

// The README's Rust examples compile and run as doctests, so the first code a
// newcomer reads cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
