//! Files and directories with tokio's names: [`File`], [`OpenOptions`],
//! [`read_dir`] and free functions such as [`read`] and [`write()`], each
//! run on the blocking pool.
//!
//! # Why files use the blocking pool
//!
//! Sockets and pipes wait on the reactor: the kernel says when they become
//! readable, and until then the task sleeps. Regular files have no such
//! state. epoll refuses them outright, and `poll`/`kqueue` report them as
//! always ready, yet a read of a file whose pages are not cached still
//! blocks the thread on the disk (and `open`, `stat` or `fsync` have no
//! non-blocking form at all). Readiness cannot help, so each operation runs
//! as a [`spawn_blocking`](crate::task::spawn_blocking) job instead, and the
//! loop turns while it runs:
//!
//! ```text
//!   fs::read(path).await ──▶ job on a pool thread: std::fs::read(path)
//!          │ Pending                                   │
//!          ▼                                           ▼
//!   the loop runs other tasks       result ──▶ remote wake (mio::Waker)
//! ```
//!
//! # What it costs
//!
//! A thread hop per operation: queueing the job, waking a pool thread, and
//! the wake back to the loop, some microseconds each time. Read and write
//! large chunks (a [`File`] moves at most 2 MiB per job), or, for many
//! small calls in a row, do them all in one `spawn_blocking` closure with
//! `std::fs` (see [`File::into_std`]).
//!
//! # Examples
//!
//! ```
//! evloop::block_on(async {
//!     let dir = std::env::temp_dir().join(format!("evloop-fs-doc-{}", std::process::id()));
//!     evloop::fs::create_dir_all(&dir).await?;
//!     let path = dir.join("hello.txt");
//!     evloop::fs::write(&path, "hello").await?;
//!     assert_eq!(evloop::fs::read_to_string(&path).await?, "hello");
//!     evloop::fs::remove_dir_all(&dir).await?;
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod file;
mod open_options;
mod read_dir;

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

pub use file::File;
pub use open_options::OpenOptions;
pub use read_dir::{read_dir, DirEntry, ReadDir};

/// Runs the blocking `f` on the pool and waits for it: the one road every
/// operation of this module takes.
pub(crate) async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match crate::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => Err(join_error(e)),
    }
}

/// A job that did not finish: the runtime shut down first, or it panicked.
pub(crate) fn join_error(e: crate::task::JoinError) -> io::Error {
    io::Error::other(format!("evloop::fs: the blocking job did not finish: {e}"))
}

/// Reads the whole file into a vector, like [`std::fs::read`].
///
/// # Errors
///
/// `NotFound` if there is no such file; any error of opening or reading.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let err = evloop::fs::read("/no/such/file").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads the whole file into a string, like [`std::fs::read_to_string`];
/// `InvalidData` if it is not UTF-8.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Creates or truncates the file and writes `contents`, like
/// [`std::fs::write`]. The bytes are copied first: the job owns them.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Copies a file's contents and permissions to another (created or
/// truncated), like [`std::fs::copy`]; returns the bytes copied.
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// Renames a file or directory, replacing `to` if it is a file, like
/// [`std::fs::rename`].
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Removes a file, like [`std::fs::remove_file`].
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Removes an empty directory, like [`std::fs::remove_dir`].
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it, like
/// [`std::fs::remove_dir_all`] (in one job: one hop, however many files).
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Creates a directory whose parent exists, like [`std::fs::create_dir`].
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates a directory and any missing parents, like
/// [`std::fs::create_dir_all`].
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// Metadata of a path, following symlinks, like [`std::fs::metadata`].
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// Metadata of a path itself, not following a symlink, like
/// [`std::fs::symlink_metadata`].
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}

/// Where a symlink points, like [`std::fs::read_link`].
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_link(path)).await
}

/// Makes `link` a new name of the file `original`, like
/// [`std::fs::hard_link`].
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::fs::hard_link(original, link)).await
}

/// Makes `link` a symlink to `original` (unix), like
/// [`std::os::unix::fs::symlink`].
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::os::unix::fs::symlink(original, link)).await
}

/// The absolute path with every symlink, `.` and `..` resolved, like
/// [`std::fs::canonicalize`].
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::canonicalize(path)).await
}

/// `Ok(true)` if the path exists, `Ok(false)` if it certainly does not, and
/// an error if that cannot be told (no permission to look), like
/// [`Path::try_exists`]. A broken symlink does not exist.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     assert!(evloop::fs::try_exists("/").await?);
///     assert!(!evloop::fs::try_exists("/no/such/path").await?);
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}

/// Sets a path's permissions, like [`std::fs::set_permissions`].
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}
