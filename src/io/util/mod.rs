//! tokio's I/O utilities over the futures-io traits: the extension traits,
//! the buffered wrappers, copying, and the in-memory streams.
//!
//! One concept per file:
//!
//! | file | what |
//! | --- | --- |
//! | `read_ext.rs` | [`AsyncReadExt`] and its futures |
//! | `write_ext.rs` | [`AsyncWriteExt`] and its futures |
//! | `buf_read_ext.rs` | [`AsyncBufReadExt`]: `read_until`, `read_line` |
//! | `lines.rs` | [`Lines`] and [`Split`], cancel safe |
//! | `seek_ext.rs` | [`AsyncSeekExt`] |
//! | `adapters.rs` | [`Chain`] and [`Take`] |
//! | `buf_reader.rs`, `buf_writer.rs`, `buf_stream.rs` | [`BufReader`], [`BufWriter`], [`BufStream`] (both) |
//! | `copy.rs` | [`copy`], [`copy_buf`], [`copy_bidirectional`] |
//! | `duplex.rs` | [`duplex`]: an in-memory stream pair |
//! | `split.rs` | [`split`]: any stream into two halves |
//! | `mem.rs` | [`empty`], [`sink`], [`repeat`] |
//!
//! Written here rather than taken from futures-util: its io module has
//! other shapes in the places that matter for a port from tokio (`Lines` is
//! a `Stream`, `read_exact` returns `()`, no `read_u32`, `close` for
//! `shutdown`), so the traits would be ours anyway, and the rest is less
//! code than the dependency (Cargo.toml has the measurement).

use std::task::{Context, Poll};

mod adapters;
mod buf_read_ext;
mod buf_reader;
mod buf_stream;
mod buf_writer;
mod copy;
mod duplex;
mod lines;
mod mem;
mod read_ext;
mod seek_ext;
mod split;
mod write_ext;

pub use adapters::{Chain, Take};
pub use buf_read_ext::{AsyncBufReadExt, FillBuf, ReadLine, ReadUntil};
pub use buf_reader::BufReader;
pub use buf_stream::BufStream;
pub use buf_writer::BufWriter;
pub use copy::{copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf};
pub use duplex::{duplex, DuplexStream};
pub use lines::{Lines, Split};
pub use mem::{empty, repeat, sink, Empty, Repeat, Sink};
pub use read_ext::{
    AsyncReadExt, Read, ReadExact, ReadF32, ReadF32Le, ReadF64, ReadF64Le, ReadI128, ReadI128Le,
    ReadI16, ReadI16Le, ReadI32, ReadI32Le, ReadI64, ReadI64Le, ReadI8, ReadToEnd, ReadToString,
    ReadU128, ReadU128Le, ReadU16, ReadU16Le, ReadU32, ReadU32Le, ReadU64, ReadU64Le, ReadU8,
};
pub use seek_ext::{AsyncSeekExt, Seek};
pub use split::{split, ReadHalf, WriteHalf};
pub use write_ext::{
    AsyncWriteExt, Flush, Shutdown, Write, WriteAll, WriteF32, WriteF32Le, WriteF64, WriteF64Le,
    WriteI128, WriteI128Le, WriteI16, WriteI16Le, WriteI32, WriteI32Le, WriteI64, WriteI64Le,
    WriteI8, WriteU128, WriteU128Le, WriteU16, WriteU16Le, WriteU32, WriteU32Le, WriteU64,
    WriteU64Le, WriteU8, WriteVectored,
};

/// Takes one unit of the running task's I/O budget, as a socket's poll
/// does (`Core::consume_budget`): the in-memory readers and writers here
/// are always ready, and without it `copy(&mut repeat(0), &mut sink())`
/// would never let another task or timer run. Pending (and woken) once the
/// budget is spent; outside an evloop runtime there is no budget to spend.
fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
    match crate::runtime::context::with_current(|core| core.consume_budget()) {
        Some(false) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        _ => Poll::Ready(()),
    }
}
