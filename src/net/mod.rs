//! Sockets on the event loop: TCP, UDP, Unix, and name lookup.
//!
//! Every socket here is a non-blocking OS socket registered with the
//! runtime's reactor (see the `io` module's notes on readiness). Methods
//! that would block wait instead: the task sleeps until the reactor sees
//! the socket ready. Names (`"localhost:80"`) are resolved on the blocking
//! pool, never on the loop's thread; IP literals need no lookup at all.
//!
//! Sockets are not `Send`: each belongs to the runtime that created it.
//! The API follows tokio's, so code ports by changing imports.

mod addr;
mod read_ahead;
mod socket;
pub(crate) mod split;
mod stream;
mod tcp;
mod udp;
#[cfg(unix)]
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use socket::Incoming;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
