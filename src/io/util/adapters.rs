//! [`Chain`] and [`Take`]: readers made from readers.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead};

pin_project_lite::pin_project! {
    /// Reads `first` to its end, then `second`: from
    /// [`AsyncReadExt::chain`](super::AsyncReadExt::chain).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut both = (&b"1"[..]).chain(&b"2"[..]);
    /// let mut buf = Vec::new();
    /// both.read_to_end(&mut buf).await?;
    /// assert_eq!(buf, b"12");
    /// let (first, second) = both.into_inner();
    /// assert!(first.is_empty() && second.is_empty());
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    #[must_use = "readers do nothing unless you read from them"]
    pub struct Chain<T, U> {
        #[pin]
        first: T,
        #[pin]
        second: U,
        // Set at `first`'s end of file: from then on only `second` is read.
        done_first: bool,
    }
}

pub(super) fn chain<T, U>(first: T, second: U) -> Chain<T, U> {
    Chain {
        first,
        second,
        done_first: false,
    }
}

impl<T, U> Chain<T, U> {
    /// The two readers.
    pub fn get_ref(&self) -> (&T, &U) {
        (&self.first, &self.second)
    }

    /// The two readers, mutably. Reading from them directly can confuse
    /// the chain.
    pub fn get_mut(&mut self) -> (&mut T, &mut U) {
        (&mut self.first, &mut self.second)
    }

    /// The two readers, pinned.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>) {
        let this = self.project();
        (this.first, this.second)
    }

    /// Gives the two readers back.
    pub fn into_inner(self) -> (T, U) {
        (self.first, self.second)
    }
}

impl<T: AsyncRead, U: AsyncRead> AsyncRead for Chain<T, U> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        if !*this.done_first {
            // An empty `buf` reads 0 without meaning end of file.
            match ready!(this.first.poll_read(cx, buf))? {
                0 if !buf.is_empty() => *this.done_first = true,
                n => return Poll::Ready(Ok(n)),
            }
        }
        this.second.poll_read(cx, buf)
    }
}

impl<T: AsyncBufRead, U: AsyncBufRead> AsyncBufRead for Chain<T, U> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        if !*this.done_first {
            match ready!(this.first.poll_fill_buf(cx))? {
                [] => *this.done_first = true,
                buf => return Poll::Ready(Ok(buf)),
            }
        }
        this.second.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        if *this.done_first {
            this.second.consume(amt)
        } else {
            this.first.consume(amt)
        }
    }
}

pin_project_lite::pin_project! {
    /// Reads at most a number of bytes from `inner`, then reports end of
    /// file: from [`AsyncReadExt::take`](super::AsyncReadExt::take).
    ///
    /// The way to bound what an untrusted peer can make
    /// [`read_to_end`](super::AsyncReadExt::read_to_end) allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// # evloop::block_on(async {
    /// let mut head = (&b"abcdef"[..]).take(2);
    /// let mut buf = Vec::new();
    /// head.read_to_end(&mut buf).await?;
    /// assert_eq!((buf.as_slice(), head.limit()), (&b"ab"[..], 0));
    /// assert_eq!(head.into_inner(), b"cdef");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    #[derive(Debug)]
    #[must_use = "readers do nothing unless you read from them"]
    pub struct Take<R> {
        #[pin]
        inner: R,
        // Bytes still allowed; 0 reads as end of file.
        limit: u64,
    }
}

pub(super) fn take<R>(inner: R, limit: u64) -> Take<R> {
    Take { inner, limit }
}

impl<R> Take<R> {
    /// The bytes that may still be read before end of file.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets the bytes that may still be read, whatever was read so far.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly does not count
    /// against the limit.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader, pinned.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Gives the inner reader back.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// `len` cut to `limit`.
fn capped(len: usize, limit: u64) -> usize {
    usize::try_from(limit).map_or(len, |limit| len.min(limit))
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        if *this.limit == 0 {
            return Poll::Ready(Ok(0));
        }
        let max = capped(buf.len(), *this.limit);
        let n = ready!(this.inner.poll_read(cx, &mut buf[..max]))?;
        *this.limit -= n as u64;
        Poll::Ready(Ok(n))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.project();
        if *this.limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let buf = ready!(this.inner.poll_fill_buf(cx))?;
        Poll::Ready(Ok(&buf[..capped(buf.len(), *this.limit)]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.project();
        // Never more than `poll_fill_buf` showed, which the limit capped.
        let amt = capped(amt, *this.limit);
        *this.limit -= amt as u64;
        this.inner.consume(amt);
    }
}
