//! [`File`]: an open file whose reads, writes and seeks run on the
//! blocking pool, one at a time, with tokio's semantics.
//!
//! A `File` is a small state machine. Idle, it holds a buffer; an
//! operation moves the buffer into a pool job (the job owns it, so the
//! caller's slice need not outlive the poll) and the file becomes busy
//! until the job hands the buffer back:
//!
//! ```text
//!             poll_read: job reads ≤ 2 MiB into buf; caller copies out of buf
//!   Idle(buf) ───────────────────────────────────────────────▶ Busy(job)
//!      ▲      poll_write: copy ≤ 2 MiB into buf, Ready(n) at once;   │
//!      │                   job writes buf out later                   │
//!      │      poll_seek: job seeks                                    │
//!      └──────────────── job done: buf back, outcome kept ◀──────────┘
//! ```
//!
//! So a write returns before the bytes reach the kernel (as with a
//! `BufWriter`): its error, if any, comes from the next write, `flush`,
//! `close` or seek. Bytes read ahead (a job may read more than the caller
//! took) are handed out by later reads, and the kernel's file position is
//! moved back over them before a write or a seek, so the position the
//! caller sees is always the logical one.

use std::cell::RefCell;
use std::fs::{Metadata, Permissions};
use std::future::{poll_fn, Future};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::{asyncify, join_error, OpenOptions};
use crate::sync::Semaphore;
use crate::task::{spawn_blocking, JoinHandle};

/// The most bytes one job reads or writes: a bound on the buffer a file
/// keeps, and on how long one job holds a pool thread (tokio's figure).
const MAX_BUF: usize = 2 * 1024 * 1024;

/// Why an idle `File` has no buffer: only a panic between taking it and
/// starting the job (`spawn_blocking` outside a runtime) leaves it so.
const TAKEN: &str = "evloop::fs::File: an earlier operation panicked before starting its job";

/// An open file on the blocking pool, with tokio's methods; it implements
/// futures-io's `AsyncRead`, `AsyncWrite` and `AsyncSeek`.
///
/// Writes are buffered: `poll_write` copies the bytes and returns, and a
/// job writes them out. **Flush before dropping** (or call
/// [`sync_all`](File::sync_all)) to see a write's error: a file dropped
/// with a write in flight finishes it in the background and the error is
/// lost. See the [module docs](super) for why files use the pool.
///
/// A `File` is `!Send`: it serializes its `&self` operations with a
/// local semaphore. Move the std file ([`into_std`](File::into_std)) to
/// hand it to another thread.
///
/// ```compile_fail
/// fn must_be_send<T: Send>(_: T) {}
/// evloop::block_on(async {
///     let file = evloop::fs::File::open("/dev/null").await.unwrap();
///     must_be_send(file); // error: `File` is not `Send`
/// });
/// ```
///
/// # Examples
///
/// ```
/// use std::io::SeekFrom;
/// use evloop::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
///
/// evloop::block_on(async {
///     let path = std::env::temp_dir().join(format!("evloop-file-doc-{}", std::process::id()));
///     let mut file = evloop::fs::File::options()
///         .read(true).write(true).create(true).truncate(true)
///         .open(&path).await?;
///     file.write_all(b"hello").await?;
///     file.seek(SeekFrom::Start(1)).await?;
///     let mut rest = String::new();
///     file.read_to_string(&mut rest).await?;
///     assert_eq!(rest, "ello");
///     evloop::fs::remove_file(&path).await
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct File {
    /// Shared with the job in flight, which needs it on its thread.
    std: Arc<std::fs::File>,
    /// Borrowed only within one poll, never across an await.
    inner: RefCell<Inner>,
    /// One permit: the `&self` methods that wait for the job in flight
    /// take it, so two tasks never poll the same job (a `JoinHandle` wakes
    /// one waiter). The `&mut self` polls need none: while one runs, no
    /// `&self` future can exist.
    exclusive: Semaphore,
}

#[derive(Debug)]
struct Inner {
    state: State,
    /// The error of a write whose `poll_write` had already returned
    /// `Ready(Ok)`, for the next write, flush or seek to report.
    last_write_err: Option<io::Error>,
    /// What the seek in flight was asked for, so that a `poll_seek` with
    /// another target does not take its result.
    seek_target: Option<SeekFrom>,
}

#[derive(Debug)]
enum State {
    /// `None` only inside a poll that is moving the buffer into a job.
    Idle(Option<Buf>),
    /// A job owns the buffer; it gives it back with its outcome.
    Busy(JoinHandle<(Operation, Buf)>),
}

/// What a finished job did.
#[derive(Debug)]
enum Operation {
    /// Bytes read into the buffer (0: end of file).
    Read(io::Result<usize>),
    Write(io::Result<()>),
    /// The new position.
    Seek(io::Result<u64>),
    /// `sync_all`, `set_len` and the like, run by `run_exclusive`.
    Other(io::Result<()>),
}

/// Bytes in transit: read ahead and not yet taken (`data[pos..]`), or
/// waiting to be written.
#[derive(Debug, Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn len(&self) -> usize {
        self.data.len() - self.pos
    }

    fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }

    /// Forgets the unread bytes and returns how many there were: the
    /// kernel's position is that far ahead of the caller's.
    fn discard_read(&mut self) -> i64 {
        let unread = self.len() as i64;
        self.clear();
        unread
    }

    /// Hands unread bytes to the caller.
    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.len());
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.data.len() {
            self.clear();
        }
        n
    }

    /// Takes up to [`MAX_BUF`] of the caller's bytes, to write later.
    fn copy_from(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(MAX_BUF);
        self.data.extend_from_slice(&src[..n]);
        n
    }

    /// On a pool thread: one read of up to `len` bytes.
    fn read_from(&mut self, mut file: &std::fs::File, len: usize) -> io::Result<usize> {
        self.data.resize(len, 0);
        let result = loop {
            match file.read(&mut self.data) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => break result,
            }
        };
        self.data.truncate(*result.as_ref().unwrap_or(&0));
        result
    }

    /// On a pool thread: writes everything out (or fails).
    fn write_to(&mut self, mut file: &std::fs::File) -> io::Result<()> {
        let result = file.write_all(&self.data[self.pos..]);
        self.clear();
        result
    }
}

impl File {
    /// Opens a file for reading, like [`std::fs::File::open`].
    ///
    /// # Errors
    ///
    /// `NotFound` if there is no such file, `PermissionDenied`, ...
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let err = evloop::fs::File::open("/no/such/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Creates a file for writing, truncating it if it exists, like
    /// [`std::fs::File::create`].
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        options.open(path).await
    }

    /// Creates a new file for reading and writing; `AlreadyExists` if there
    /// is one.
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        options.open(path).await
    }

    /// A builder for other ways to open a file; the same as
    /// [`OpenOptions::new`].
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file. Needs no runtime: the first operation runs
    /// on the pool of the runtime that polls it.
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            inner: RefCell::new(Inner {
                state: State::Idle(Some(Buf::default())),
                last_write_err: None,
                seek_target: None,
            }),
            exclusive: Semaphore::new(1),
        }
    }

    /// Finishes the operation in flight and returns the std file, at the
    /// position the caller last saw (bytes read ahead are given back to the
    /// kernel by a seek). An error of the last write is dropped: flush
    /// first to see it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    ///
    /// evloop::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-into-std-doc-{}", std::process::id()));
    ///     evloop::fs::write(&path, "several small reads").await?;
    ///     let mut std = evloop::fs::File::open(&path).await?.into_std().await;
    ///     // Blocking reads now, all of them inside one pool job.
    ///     let words = evloop::task::spawn_blocking(move || {
    ///         let mut word = [0; 8];
    ///         std.read_exact(&mut word).map(|()| word)
    ///     });
    ///     assert_eq!(&words.await.unwrap()?, b"several ");
    ///     evloop::fs::remove_file(&path).await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn into_std(self) -> std::fs::File {
        let _ = self.complete_inflight().await;
        let _ = self.run_exclusive(|_| Ok(())).await;
        match Arc::try_unwrap(self.std) {
            Ok(std) => std,
            // Only a job still running could hold it, and none is; but if
            // one did, a duplicate of the descriptor is the next best.
            Err(shared) => shared
                .try_clone()
                .expect("evloop::fs::File::into_std: dup failed"),
        }
    }

    /// The std file, if nothing is in flight, buffered or unreported;
    /// otherwise the `File` back.
    // tokio's signature: the caller gets its File back whole.
    #[allow(clippy::result_large_err)]
    pub fn try_into_std(self) -> Result<std::fs::File, File> {
        let idle = {
            let inner = self.inner.borrow();
            let empty = matches!(&inner.state, State::Idle(Some(buf)) if buf.len() == 0);
            empty && inner.last_write_err.is_none()
        };
        if !idle {
            return Err(self);
        }
        let File {
            std,
            inner,
            exclusive,
        } = self;
        Arc::try_unwrap(std).map_err(|std| File {
            std,
            inner,
            exclusive,
        })
    }

    /// The file's metadata, like [`std::fs::File::metadata`].
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// A second `File` for the same open file description (shared position),
    /// like [`std::fs::File::try_clone`].
    pub async fn try_clone(&self) -> io::Result<File> {
        let std = self.std.clone();
        asyncify(move || std.try_clone()).await.map(File::from_std)
    }

    /// Sets the file's permissions, like [`std::fs::File::set_permissions`].
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(perm)).await
    }

    /// Writes out what is buffered, then asks the OS to put data and
    /// metadata on the disk (`fsync`), like [`std::fs::File::sync_all`].
    ///
    /// # Errors
    ///
    /// The error of a buffered write, or of the `fsync`.
    pub async fn sync_all(&self) -> io::Result<()> {
        let _permit = self.exclusive.acquire().await.expect("never closed");
        self.complete_inflight().await?;
        self.run_exclusive(|file| file.sync_all()).await
    }

    /// Like [`sync_all`](File::sync_all), but may skip metadata that a
    /// read does not need (`fdatasync`).
    pub async fn sync_data(&self) -> io::Result<()> {
        let _permit = self.exclusive.acquire().await.expect("never closed");
        self.complete_inflight().await?;
        self.run_exclusive(|file| file.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes after the buffered
    /// writes, like [`std::fs::File::set_len`]; the position stays.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::block_on(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-set-len-doc-{}", std::process::id()));
    ///     let file = evloop::fs::File::create(&path).await?;
    ///     file.set_len(10).await?;
    ///     assert_eq!(file.metadata().await?.len(), 10);
    ///     evloop::fs::remove_file(&path).await
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        let _permit = self.exclusive.acquire().await.expect("never closed");
        self.complete_inflight().await?;
        self.run_exclusive(move |file| file.set_len(size)).await
    }

    /// Waits for the job in flight; the error of a failed write, if one
    /// is unreported.
    async fn complete_inflight(&self) -> io::Result<()> {
        poll_fn(|cx| self.inner.borrow_mut().poll_flush(cx)).await
    }

    /// Runs `f` as the next job of an idle file, after moving the kernel's
    /// position back over bytes read ahead. The job goes through the state
    /// machine, so if this future is dropped the next operation finds it.
    async fn run_exclusive<F>(&self, f: F) -> io::Result<()>
    where
        F: FnOnce(&std::fs::File) -> io::Result<()> + Send + 'static,
    {
        {
            let mut inner = self.inner.borrow_mut();
            let State::Idle(slot) = &mut inner.state else {
                unreachable!("run_exclusive follows complete_inflight")
            };
            let mut buf = slot.take().expect(TAKEN);
            let unread = buf.discard_read();
            let std = self.std.clone();
            inner.state = State::Busy(spawn_blocking(move || {
                let mut file = &*std;
                let seek_back = match unread {
                    0 => Ok(()),
                    n => file.seek(SeekFrom::Current(-n)).map(drop),
                };
                (Operation::Other(seek_back.and_then(|()| f(file))), buf)
            }));
        }
        loop {
            let done = poll_fn(|cx| self.inner.borrow_mut().poll_busy(cx)).await?;
            if let Some(Operation::Other(result)) = done {
                return result;
            }
        }
    }
}

impl Inner {
    /// Waits for the job in flight, takes its buffer back and returns what
    /// it did; `None` if the file was idle.
    fn poll_busy(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Operation>>> {
        let State::Busy(job) = &mut self.state else {
            return Poll::Ready(Ok(None));
        };
        let (operation, buf, result) = match ready!(Pin::new(job).poll(cx)) {
            Ok((operation, buf)) => (Some(operation), buf, Ok(())),
            // The runtime shut down or the job panicked: the position is
            // unknown, the buffer gone.
            Err(e) => (None, Buf::default(), Err(join_error(e))),
        };
        self.state = State::Idle(Some(buf));
        Poll::Ready(result.map(|()| operation))
    }

    /// Takes the idle buffer out, to move it into a job.
    fn take_idle_buf(&mut self) -> Buf {
        match &mut self.state {
            State::Idle(slot) => slot.take().expect(TAKEN),
            State::Busy(_) => unreachable!("only an idle File has a buffer to take"),
        }
    }

    fn poll_read(
        &mut self,
        std: &Arc<std::fs::File>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            if let State::Idle(slot) = &mut self.state {
                let buf = slot.as_mut().expect(TAKEN);
                // Bytes read ahead first; an empty `dst` needs no job.
                if buf.len() > 0 || dst.is_empty() {
                    return Poll::Ready(Ok(buf.copy_to(dst)));
                }
                let mut buf = self.take_idle_buf();
                let (std, len) = (std.clone(), dst.len().min(MAX_BUF));
                self.state = State::Busy(spawn_blocking(move || {
                    let result = buf.read_from(&std, len);
                    (Operation::Read(result), buf)
                }));
            }
            match ready!(self.poll_busy(cx))? {
                Some(Operation::Read(Ok(0))) => return Poll::Ready(Ok(0)),
                Some(Operation::Read(Err(e))) => return Poll::Ready(Err(e)),
                Some(Operation::Write(Err(e))) => self.last_write_err = Some(e),
                // Bytes now wait in the buffer; or an earlier, abandoned
                // job finished: go on.
                _ => {}
            }
        }
    }

    fn poll_write(
        &mut self,
        std: &Arc<std::fs::File>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            if let State::Idle(_) = self.state {
                if let Some(e) = self.last_write_err.take() {
                    return Poll::Ready(Err(e));
                }
                if src.is_empty() {
                    return Poll::Ready(Ok(0));
                }
                let mut buf = self.take_idle_buf();
                // Bytes read ahead: the kernel is past the caller's position.
                let seek_back = match buf.discard_read() {
                    0 => None,
                    n => Some(SeekFrom::Current(-n)),
                };
                let n = buf.copy_from(src);
                let std = std.clone();
                self.state = State::Busy(spawn_blocking(move || {
                    let mut file = &*std;
                    let result = match seek_back {
                        Some(to) => file.seek(to).and_then(|_| buf.write_to(file)),
                        None => buf.write_to(file),
                    };
                    (Operation::Write(result), buf)
                }));
                return Poll::Ready(Ok(n));
            }
            if let Some(Operation::Write(Err(e))) = ready!(self.poll_busy(cx))? {
                return Poll::Ready(Err(e));
            }
        }
    }

    /// Waits until idle, reporting a failed write.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(Operation::Write(Err(e))) = ready!(self.poll_busy(cx))? {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(self.last_write_err.take().map_or(Ok(()), Err))
    }

    fn poll_seek(
        &mut self,
        std: &Arc<std::fs::File>,
        cx: &mut Context<'_>,
        target: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        loop {
            if let State::Idle(_) = self.state {
                if let Some(e) = self.last_write_err.take() {
                    return Poll::Ready(Err(e));
                }
                let unread = match &self.state {
                    State::Idle(Some(buf)) => buf.len() as i64,
                    _ => 0,
                };
                let to = match target {
                    // Relative to the caller's position, not the kernel's,
                    // which is `unread` bytes ahead.
                    SeekFrom::Current(n) => match n.checked_sub(unread) {
                        Some(n) => SeekFrom::Current(n),
                        None => {
                            return Poll::Ready(Err(io::Error::new(
                                io::ErrorKind::InvalidInput,
                                "seek offset overflows",
                            )))
                        }
                    },
                    other => other,
                };
                let mut buf = self.take_idle_buf();
                buf.clear();
                let std = std.clone();
                self.seek_target = Some(target);
                self.state = State::Busy(spawn_blocking(move || {
                    (Operation::Seek((&*std).seek(to)), buf)
                }));
            }
            match ready!(self.poll_busy(cx))? {
                Some(Operation::Seek(result)) if self.seek_target == Some(target) => {
                    self.seek_target = None;
                    return Poll::Ready(result);
                }
                // A seek waits for the writes before it, and reports their error.
                Some(Operation::Write(Err(e))) => return Poll::Ready(Err(e)),
                _ => {}
            }
        }
    }
}

impl futures_io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.inner.get_mut().poll_read(&this.std, cx, buf)
    }
}

impl futures_io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.inner.get_mut().poll_write(&this.std, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A file has nothing to shut down beyond what is buffered.
        self.poll_flush(cx)
    }
}

impl futures_io::AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        this.inner.get_mut().poll_seek(&this.std, cx, pos)
    }
}

impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}
