//! [`Lines`] and [`Split`]: a buffered reader cut into lines or segments.
//!
//! Both keep the unfinished line inside themselves, not in a future, so a
//! `next_line()` dropped half way (a `select!` branch that lost) loses
//! nothing: the next call carries on where it stopped.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use futures_io::AsyncBufRead;

use super::buf_read_ext::poll_read_until;
use super::read_ext::invalid_utf8;

pin_project_lite::pin_project! {
    /// The lines of a reader, from
    /// [`AsyncBufReadExt::lines`](super::AsyncBufReadExt::lines).
    ///
    /// Each line comes without its `\n` or `\r\n`. Also a [`Stream`] of
    /// `io::Result<String>`, for stream combinators.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncBufReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut lines = (&b"a\nb"[..]).lines();
    /// let mut all = Vec::new();
    /// while let Some(line) = lines.next_line().await? {
    ///     all.push(line);
    /// }
    /// assert_eq!(all, ["a", "b"]);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Lines<R> {
        #[pin]
        reader: R,
        // The line read so far, kept across polls and dropped futures.
        bytes: Vec<u8>,
        // What this line has read so far (`poll_read_until`'s counter).
        read: usize,
    }
}

impl<R> Lines<R> {
    pub(super) fn new(reader: R) -> Lines<R> {
        Lines {
            reader,
            bytes: Vec::new(),
            read: 0,
        }
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The reader, pinned.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().reader
    }

    /// Gives the reader back; a line read only in part is lost.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// The next line, or `None` at end of file.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidData`](io::ErrorKind::InvalidData) for a line
    /// that is not UTF-8 (the line is skipped; the next call reads the one
    /// after it), or the reader's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the part of a line read so far stays in `Lines`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncBufReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut lines = (&b"only\r\n"[..]).lines();
    /// assert_eq!(lines.next_line().await?, Some("only".to_string()));
    /// assert_eq!(lines.next_line().await?, None);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>>
    where
        R: Unpin,
    {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }

    /// Polls for the next line: what [`next_line`](Lines::next_line) awaits.
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        let this = self.project();
        let n = ready!(poll_read_until(
            this.reader,
            cx,
            b'\n',
            this.bytes,
            this.read
        ))?;
        if n == 0 && this.bytes.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut bytes = std::mem::take(this.bytes);
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        let line = String::from_utf8(bytes).map_err(|_| invalid_utf8())?;
        Poll::Ready(Ok(Some(line)))
    }
}

impl<R: AsyncBufRead> Stream for Lines<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_line(cx).map(Result::transpose)
    }
}

pin_project_lite::pin_project! {
    /// The segments of a reader between delimiter bytes, from
    /// [`AsyncBufReadExt::split`](super::AsyncBufReadExt::split).
    ///
    /// Each segment comes without its delimiter. Also a [`Stream`] of
    /// `io::Result<Vec<u8>>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncBufReadExt, BufReader};
    ///
    /// # evloop::block_on(async {
    /// let mut records = BufReader::new(&b"one\0two\0"[..]).split(0);
    /// assert_eq!(records.next_segment().await?, Some(b"one".to_vec()));
    /// assert_eq!(records.next_segment().await?, Some(b"two".to_vec()));
    /// assert_eq!(records.next_segment().await?, None);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Split<R> {
        #[pin]
        reader: R,
        delimiter: u8,
        // The segment read so far, kept across polls and dropped futures.
        buf: Vec<u8>,
        // What this segment has read so far (`poll_read_until`'s counter).
        read: usize,
    }
}

impl<R> Split<R> {
    pub(super) fn new(reader: R, delimiter: u8) -> Split<R> {
        Split {
            reader,
            delimiter,
            buf: Vec::new(),
            read: 0,
        }
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// The next segment, or `None` at end of file.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the part of a segment read so far stays in `Split`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::{AsyncBufReadExt, BufReader};
    ///
    /// # evloop::block_on(async {
    /// let mut words = BufReader::new(&b"hi there"[..]).split(b' ');
    /// assert_eq!(words.next_segment().await?.as_deref(), Some(&b"hi"[..]));
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>>
    where
        R: Unpin,
    {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next_segment(cx)).await
    }

    /// Polls for the next segment: what
    /// [`next_segment`](Split::next_segment) awaits.
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        let this = self.project();
        let delimiter = *this.delimiter;
        let n = ready!(poll_read_until(
            this.reader,
            cx,
            delimiter,
            this.buf,
            this.read
        ))?;
        if n == 0 && this.buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut segment = std::mem::take(this.buf);
        if segment.last() == Some(&delimiter) {
            segment.pop();
        }
        Poll::Ready(Ok(Some(segment)))
    }
}

impl<R: AsyncBufRead> Stream for Split<R> {
    type Item = io::Result<Vec<u8>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_segment(cx).map(Result::transpose)
    }
}
