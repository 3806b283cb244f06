//! [`read_dir`]: a directory's entries, fetched in batches on the pool.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::{asyncify, join_error};
use crate::task::{spawn_blocking, JoinHandle};

/// Entries fetched per job: one thread hop per this many entries, not one
/// per entry.
const BATCH: usize = 32;

/// Opens a directory for listing, like [`std::fs::read_dir`]. The entries
/// come from [`ReadDir::next_entry`], in the order the OS gives (not
/// sorted), without `.` and `..`.
///
/// # Errors
///
/// `NotFound` if there is no such directory; an error if it is not one.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let mut names = Vec::new();
///     let mut entries = evloop::fs::read_dir("/").await?;
///     while let Some(entry) = entries.next_entry().await? {
///         names.push(entry.file_name());
///     }
///     assert!(!names.is_empty());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            entries: VecDeque::new(),
            std,
            done: false,
        })),
    })
}

/// The entries of a directory, from [`read_dir`].
#[derive(Debug)]
pub struct ReadDir {
    state: State,
}

#[derive(Debug)]
enum State {
    /// `None` once a job was lost with the batch in it.
    Idle(Option<Batch>),
    /// A job is reading the next batch.
    Busy(JoinHandle<Batch>),
}

/// Entries read ahead, and the std iterator that gives more.
#[derive(Debug)]
struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    /// The iterator ended.
    done: bool,
}

impl Batch {
    /// Reads up to [`BATCH`] entries (on a pool thread).
    fn fill(mut self) -> Batch {
        for _ in 0..BATCH {
            match self.std.next() {
                Some(entry) => self.entries.push_back(entry.map(DirEntry::new)),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        self
    }
}

impl ReadDir {
    /// The next entry, or `None` after the last one. An error for one entry
    /// does not end the listing: the next call goes on.
    ///
    /// Cancel safe: an entry is taken only when returned.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry.
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(batch) => {
                    // `None`: a job was lost with the listing in it (the
                    // runtime shut down): nothing more to list.
                    let Some(mut taken) = batch.take() else {
                        return Poll::Ready(Ok(None));
                    };
                    if let Some(entry) = taken.entries.pop_front() {
                        *batch = Some(taken);
                        return Poll::Ready(entry.map(Some));
                    }
                    if taken.done {
                        *batch = Some(taken);
                        return Poll::Ready(Ok(None));
                    }
                    self.state = State::Busy(spawn_blocking(move || taken.fill()));
                }
                State::Busy(job) => match std::task::ready!(Pin::new(job).poll(cx)) {
                    Ok(batch) => self.state = State::Idle(Some(batch)),
                    Err(e) => {
                        // The batch (and the iterator) went down with the job.
                        self.state = State::Idle(None);
                        return Poll::Ready(Err(join_error(e)));
                    }
                },
            }
        }
    }
}

/// One entry of a directory, from [`ReadDir::next_entry`].
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let mut entries = evloop::fs::read_dir("/").await?;
///     let entry = entries.next_entry().await?.expect("/ is not empty");
///     assert_eq!(entry.path(), std::path::Path::new("/").join(entry.file_name()));
///     let file_type = entry.file_type().await?;
///     assert_eq!(file_type.is_dir(), entry.metadata().await?.is_dir() && !file_type.is_symlink());
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// Shared with the jobs that ask for its metadata.
    std: Arc<std::fs::DirEntry>,
    /// Asked on the pool thread that read the entry (on Linux usually
    /// free: the directory listing carries it), so `file_type` costs no
    /// hop.
    file_type: Option<FileType>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        DirEntry {
            file_type: std.file_type().ok(),
            std: Arc::new(std),
        }
    }

    /// The directory's path joined with the entry's name.
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without the directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata, not following a symlink (like std's).
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's type, not following a symlink.
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = self.std.clone();
        asyncify(move || std.file_type()).await
    }
}
