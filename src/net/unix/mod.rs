//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`].
//!
//! The same shape as the TCP and UDP types, with filesystem paths (or
//! unnamed sockets) as addresses. Binding needs no name resolution, so
//! `bind` is not async.

mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::{UnixIncoming, UnixListener};
pub use stream::UnixStream;
