//! [`Rx`]: what the bounded and the unbounded receiver both are, written
//! once; each public receiver wraps one and only adds its docs.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::chan::Chan;
use super::error::TryRecvError;

/// The receiving end of a channel of either flavour.
pub(super) struct Rx<T> {
    chan: Rc<Chan<T>>,
}

impl<T> Rx<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> Rx<T> {
        Rx { chan }
    }

    pub(super) async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    pub(super) async fn recv_many(&mut self, buf: &mut Vec<T>, limit: usize) -> usize {
        poll_fn(|cx| self.chan.poll_recv_many(cx, buf, limit)).await
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    pub(super) fn close(&mut self) {
        self.chan.close();
    }

    pub(super) fn len(&self) -> usize {
        self.chan.len()
    }

    /// The `Debug` of the public receiver named `name`.
    pub(super) fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name).field("chan", &self.chan).finish()
    }
}

impl<T> Stream for Rx<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        self.chan.close_and_drain();
    }
}
