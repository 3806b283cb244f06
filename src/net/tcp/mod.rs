//! TCP: [`TcpListener`], [`TcpStream`] and [`TcpSocket`] for options set
//! before `bind` or `connect`.

mod listener;
mod socket;
mod stream;

pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use stream::TcpStream;
