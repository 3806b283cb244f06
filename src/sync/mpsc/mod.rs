//! Multi-producer, single-consumer channels: [`channel`] (bounded, senders
//! wait for room) and [`unbounded_channel`].
//!
//! Messages arrive in the order they were sent. Senders are `Clone`; when
//! the last one drops, the receiver gets the queued messages and then
//! `None`. When the receiver closes or drops, sends fail and return the
//! message. Blocked senders of a bounded channel get free slots in the order
//! they started waiting.
//!
//! A bounded channel keeps one `VecDeque` of messages and a
//! [`Semaphore`](crate::sync::Semaphore) of free slots: a send takes a slot,
//! a receive gives one back. No allocation per message beyond the queue.

mod bounded;
mod chan;
pub mod error;
mod rx;
mod unbounded;

pub use bounded::{channel, Permit, Receiver, Sender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender};
