//! What every socket type shares, written once: the conversions from and
//! to std, the `Debug` output, the file descriptor traits, and the
//! [`Incoming`] stream of a listener.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use mio::event::Source;
use socket2::SockRef;

use super::TcpListener;
use crate::io::IoSource;

/// Takes a std socket into the current runtime as the mio socket `M`:
/// switches it to non-blocking mode, then registers it.
///
/// # Errors
///
/// Outside a runtime (`from_std` returns an error there rather than
/// panicking: it returns `io::Result` anyway), or if registration fails.
pub(crate) fn from_std<M>(socket: impl AsFd + Into<OwnedFd>) -> io::Result<IoSource<M>>
where
    M: Source + From<OwnedFd>,
{
    SockRef::from(&socket).set_nonblocking(true)?;
    IoSource::try_new(M::from(socket.into()))
}

/// Deregisters a socket and gives it back as the std type `T`, still in
/// non-blocking mode.
pub(crate) fn into_std<T: From<OwnedFd>>(
    io: IoSource<impl Source + Into<OwnedFd>>,
) -> io::Result<T> {
    Ok(T::from(io.into_inner()?.into()))
}

/// Every socket's `Debug`: its type, its local address, and its peer's
/// for a connected stream (`None` where the OS could not say).
pub(crate) fn fmt_socket<A: fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    local_addr: io::Result<A>,
    peer_addr: Option<io::Result<A>>,
) -> fmt::Result {
    let mut out = f.debug_struct(name);
    out.field("local_addr", &local_addr.ok());
    if let Some(peer_addr) = peer_addr {
        out.field("peer_addr", &peer_addr.ok());
    }
    out.finish()
}

/// `AsFd` and `AsRawFd` for a socket type, through its field `$field`
/// (any `AsFd` value). A macro only because the orphan rule forbids one
/// generic impl of std's traits for all our types; the optional `[...]`
/// carries an impl's generic parameters.
macro_rules! impl_fd {
    ([$($generics:tt)*] $ty:ty, $field:ident) => {
        impl<$($generics)*> std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(&self.$field)
            }
        }

        impl<$($generics)*> std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(self))
            }
        }
    };
    ($ty:ty, $field:ident) => {
        $crate::net::socket::impl_fd!([] $ty, $field);
    };
}
pub(crate) use impl_fd;

pub(crate) mod sealed {
    use std::io;
    use std::task::{Context, Poll};

    /// A listening socket ([`TcpListener`](crate::net::TcpListener),
    /// [`UnixListener`](crate::net::unix::UnixListener)), for [`Incoming`](super::Incoming).
    pub trait Listener {
        /// The connection type it accepts.
        #[doc(hidden)]
        type Stream;
        /// `poll_accept` without the peer's address.
        #[doc(hidden)]
        fn poll_accept_stream(&self, cx: &mut Context<'_>) -> Poll<io::Result<Self::Stream>>;
    }
}

/// The connections a listener accepts, as a `Stream`: from
/// [`TcpListener::incoming`] (`Incoming<'_>`) or
/// [`UnixListener::incoming`](crate::net::unix::UnixListener::incoming)
/// ([`UnixIncoming`](crate::net::unix::UnixIncoming), an alias of
/// `Incoming<'_, UnixListener>`). It never ends; errors are items.
///
/// # Examples
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
/// use evloop::net::{TcpListener, TcpStream};
///
/// evloop::block_on(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let _client = TcpStream::connect(listener.local_addr()?).await?;
///     let mut incoming = listener.incoming();
///     let next = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
///     let server = next.expect("never ends")?;
///     assert_eq!(server.local_addr()?, listener.local_addr()?);
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Incoming<'a, L: sealed::Listener = TcpListener> {
    listener: &'a L,
}

impl<'a, L: sealed::Listener> Incoming<'a, L> {
    pub(crate) fn new(listener: &'a L) -> Incoming<'a, L> {
        Incoming { listener }
    }
}

impl<L: sealed::Listener> Stream for Incoming<'_, L> {
    type Item = io::Result<L::Stream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener.poll_accept_stream(cx).map(Some)
    }
}
