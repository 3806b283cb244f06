//! `evloop::fs`: every function against a real temporary directory, and
//! `File`'s reads, buffered writes and seeks through futures-io's traits.
//!
//! The small `poll_fn` helpers below stand in for `evloop::io`'s
//! `AsyncReadExt`/`AsyncWriteExt`/`AsyncSeekExt`, which live on another
//! branch; at merge they become those traits' methods.

#![cfg(unix)]

mod util;

use std::future::poll_fn;
use std::io::{ErrorKind, SeekFrom};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::pin::{pin, Pin};
use std::rc::Rc;

use evloop::fs::{self, File, OpenOptions};
use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

/// A fresh directory, removed (with what is in it) when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("evloop-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn write_all(file: &mut File, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *file).poll_write(cx, bytes)).await?;
        assert!(n > 0);
        bytes = &bytes[n..];
    }
    Ok(())
}

async fn flush(file: &mut File) -> std::io::Result<()> {
    poll_fn(|cx| Pin::new(&mut *file).poll_flush(cx)).await
}

async fn read(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    poll_fn(|cx| Pin::new(&mut *file).poll_read(cx, buf)).await
}

async fn read_to_end(file: &mut File, chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0; chunk];
    loop {
        let n = read(file, &mut buf).await.unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

async fn seek(file: &mut File, to: SeekFrom) -> std::io::Result<u64> {
    poll_fn(|cx| Pin::new(&mut *file).poll_seek(cx, to)).await
}

/// A runtime whose blocking pool has one thread, for [`hold_the_pool`].
fn pool_of_one() -> evloop::Runtime {
    evloop::Runtime::builder()
        .max_blocking_threads(1)
        .build()
        .unwrap()
}

/// Keeps the one pool thread of [`pool_of_one`] busy until the returned
/// sender drops: a file job queued meanwhile cannot finish, so the first
/// poll of its operation is surely `Pending` (an "abandoned" operation).
fn hold_the_pool() -> std::sync::mpsc::Sender<()> {
    let (release, held) = std::sync::mpsc::channel::<()>();
    drop(evloop::task::spawn_blocking(move || {
        let _ = held.recv();
    }));
    release
}

/// Bytes that are not all alike, so an offset error shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn write_then_read_and_read_to_string() {
    let dir = TempDir::new("write-read");
    evloop::block_on(async {
        let path = dir.join("a.txt");
        fs::write(&path, "héllo").await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), "héllo".as_bytes());
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "héllo");
        // write truncates what was there.
        fs::write(&path, b"x").await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"x");
    });
}

#[test]
fn read_to_string_of_invalid_utf8_is_invalid_data() {
    let dir = TempDir::new("utf8");
    evloop::block_on(async {
        let path = dir.join("bin");
        fs::write(&path, [0xff, 0xfe]).await.unwrap();
        let err = fs::read_to_string(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
    });
}

#[test]
fn missing_paths_are_not_found() {
    let dir = TempDir::new("missing");
    evloop::block_on(async {
        let missing = dir.join("missing");
        let other = dir.join("other");
        let kinds = [
            fs::read(&missing).await.map(drop),
            fs::read_to_string(&missing).await.map(drop),
            File::open(&missing).await.map(drop),
            fs::metadata(&missing).await.map(drop),
            fs::symlink_metadata(&missing).await.map(drop),
            fs::read_link(&missing).await.map(drop),
            fs::canonicalize(&missing).await.map(drop),
            fs::read_dir(&missing).await.map(drop),
            fs::copy(&missing, &other).await.map(drop),
            fs::rename(&missing, &other).await,
            fs::hard_link(&missing, &other).await,
            fs::remove_file(&missing).await,
            fs::remove_dir(&missing).await,
            fs::remove_dir_all(&missing).await,
            fs::create_dir(missing.join("child")).await,
            fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o644)).await,
        ];
        for (i, result) in kinds.into_iter().enumerate() {
            assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound, "call {i}");
        }
    });
}

#[test]
fn copy_rename_and_remove_file() {
    let dir = TempDir::new("copy");
    evloop::block_on(async {
        let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
        fs::write(&a, pattern(1000)).await.unwrap();
        assert_eq!(fs::copy(&a, &b).await.unwrap(), 1000);
        assert_eq!(fs::read(&b).await.unwrap(), pattern(1000));
        fs::rename(&b, &c).await.unwrap();
        assert!(!fs::try_exists(&b).await.unwrap());
        assert_eq!(fs::read(&c).await.unwrap(), pattern(1000));
        fs::remove_file(&c).await.unwrap();
        assert!(!fs::try_exists(&c).await.unwrap());
        assert!(fs::try_exists(&a).await.unwrap());
    });
}

#[test]
fn create_and_remove_directories() {
    let dir = TempDir::new("dirs");
    evloop::block_on(async {
        let one = dir.join("one");
        fs::create_dir(&one).await.unwrap();
        let err = fs::create_dir(&one).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        let deep = dir.join("x/y/z");
        fs::create_dir_all(&deep).await.unwrap();
        fs::create_dir_all(&deep).await.unwrap(); // exists: fine
        assert!(fs::metadata(&deep).await.unwrap().is_dir());
        fs::write(deep.join("f"), "f").await.unwrap();
        // Not empty: remove_dir refuses, remove_dir_all does it all.
        assert!(fs::remove_dir(dir.join("x")).await.is_err());
        fs::remove_dir_all(dir.join("x")).await.unwrap();
        assert!(!fs::try_exists(dir.join("x")).await.unwrap());
        fs::remove_dir(&one).await.unwrap();
        assert!(!fs::try_exists(&one).await.unwrap());
    });
}

#[test]
fn links_metadata_and_canonicalize() {
    let dir = TempDir::new("links");
    evloop::block_on(async {
        let target = dir.join("target");
        let soft = dir.join("soft");
        let hard = dir.join("hard");
        fs::write(&target, "12345").await.unwrap();
        fs::symlink(&target, &soft).await.unwrap();
        fs::hard_link(&target, &hard).await.unwrap();

        assert_eq!(fs::metadata(&soft).await.unwrap().len(), 5); // followed
        assert!(fs::symlink_metadata(&soft)
            .await
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_link(&soft).await.unwrap(), target);
        assert_eq!(
            fs::canonicalize(&soft).await.unwrap(),
            std::fs::canonicalize(&target).unwrap()
        );
        assert_eq!(fs::metadata(&hard).await.unwrap().nlink(), 2);
        assert_eq!(fs::read_to_string(&hard).await.unwrap(), "12345");

        // A broken symlink does not exist.
        fs::remove_file(&target).await.unwrap();
        assert!(!fs::try_exists(&soft).await.unwrap());
    });
}

#[test]
fn set_permissions_on_a_path_and_on_a_file() {
    let dir = TempDir::new("perms");
    evloop::block_on(async {
        let path = dir.join("p");
        fs::write(&path, "p").await.unwrap();
        fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .await
            .unwrap();
        assert_eq!(
            fs::metadata(&path).await.unwrap().permissions().mode() & 0o777,
            0o600
        );
        let file = File::open(&path).await.unwrap();
        file.set_permissions(std::fs::Permissions::from_mode(0o640))
            .await
            .unwrap();
        assert_eq!(
            file.metadata().await.unwrap().permissions().mode() & 0o777,
            0o640
        );
    });
}

#[test]
fn read_dir_lists_every_entry_with_its_type() {
    let dir = TempDir::new("read-dir");
    evloop::block_on(async {
        // More than one batch of entries.
        for i in 0..40 {
            fs::write(dir.join(&format!("file{i}")), vec![0; i])
                .await
                .unwrap();
        }
        fs::create_dir(dir.join("sub")).await.unwrap();
        let mut entries = fs::read_dir(&dir.0).await.unwrap();
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            let name = entry.file_name().into_string().unwrap();
            assert_eq!(entry.path(), dir.join(&name));
            let file_type = entry.file_type().await.unwrap();
            if file_type.is_dir() {
                dirs.push(name);
            } else {
                assert!(file_type.is_file());
                let len = entry.metadata().await.unwrap().len();
                assert_eq!(name, format!("file{len}"));
                files.push(name);
            }
        }
        // Done: it stays done.
        assert!(entries.next_entry().await.unwrap().is_none());
        files.sort();
        let mut expected: Vec<String> = (0..40).map(|i| format!("file{i}")).collect();
        expected.sort();
        assert_eq!(files, expected);
        assert_eq!(dirs, ["sub"]);
    });
}

#[test]
fn read_dir_of_a_file_is_an_error() {
    let dir = TempDir::new("read-dir-file");
    evloop::block_on(async {
        fs::write(dir.join("f"), "").await.unwrap();
        assert!(fs::read_dir(dir.join("f")).await.is_err());
    });
}

#[test]
fn file_write_seek_read_round_trip() {
    let dir = TempDir::new("round-trip");
    evloop::block_on(async {
        let path = dir.join("f");
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        write_all(&mut file, b"hello ").await.unwrap();
        write_all(&mut file, b"world").await.unwrap();
        // The seek waits for the buffered writes.
        assert_eq!(seek(&mut file, SeekFrom::Start(6)).await.unwrap(), 6);
        let mut buf = [0; 5];
        assert_eq!(read(&mut file, &mut buf).await.unwrap(), 5);
        assert_eq!(&buf, b"world");
        assert_eq!(seek(&mut file, SeekFrom::Current(-5)).await.unwrap(), 6);
        write_all(&mut file, b"there").await.unwrap();
        assert_eq!(seek(&mut file, SeekFrom::End(-11)).await.unwrap(), 0);
        assert_eq!(read_to_end(&mut file, 3).await, b"hello there");
        flush(&mut file).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"hello there");
    });
}

#[test]
fn bytes_read_ahead_do_not_move_the_callers_position() {
    let dir = TempDir::new("read-ahead");
    pool_of_one().block_on(async {
        let path = dir.join("f");
        fs::write(&path, "abcdef").await.unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        // A read started and abandoned: its job still reads 4 bytes.
        {
            let mut buf = [0; 4];
            let held = hold_the_pool();
            let mut abandoned = pin!(read(&mut file, &mut buf));
            assert!(util::poll_once(abandoned.as_mut()).is_pending());
            drop(held);
        }
        // The caller never saw those bytes: it is still at 0...
        assert_eq!(seek(&mut file, SeekFrom::Current(0)).await.unwrap(), 0);
        // ...and a write after an abandoned read lands there too.
        {
            let mut buf = [0; 4];
            let held = hold_the_pool();
            let mut abandoned = pin!(read(&mut file, &mut buf));
            assert!(util::poll_once(abandoned.as_mut()).is_pending());
            drop(held);
        }
        write_all(&mut file, b"XY").await.unwrap();
        flush(&mut file).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"XYcdef");
        // The read-ahead bytes are handed out by the next read.
        let mut buf = [0; 2];
        assert_eq!(read(&mut file, &mut buf).await.unwrap(), 2);
        assert_eq!(&buf, b"cd");
    });
}

#[test]
fn a_failed_buffered_write_is_reported_by_flush() {
    let dir = TempDir::new("write-error");
    evloop::block_on(async {
        let path = dir.join("f");
        fs::write(&path, "").await.unwrap();
        let mut file = File::open(&path).await.unwrap(); // read only
                                                         // Buffered: the write itself says yes...
        let n = poll_fn(|cx| Pin::new(&mut file).poll_write(cx, b"no"))
            .await
            .unwrap();
        assert_eq!(n, 2);
        // ...and flush reports that the job could not write.
        assert!(flush(&mut file).await.is_err());
        // Reported once: the file is usable again.
        flush(&mut file).await.unwrap();
    });
}

#[test]
fn a_one_mib_file_reads_back_whole() {
    let dir = TempDir::new("one-mib");
    evloop::block_on(async {
        let path = dir.join("big");
        let data = pattern(1 << 20);
        fs::write(&path, &data).await.unwrap();
        assert!(fs::read(&path).await.unwrap() == data);
        let mut file = File::open(&path).await.unwrap();
        let got = read_to_end(&mut file, 64 * 1024).await;
        assert_eq!(got.len(), data.len());
        assert!(got == data);
    });
}

#[test]
fn a_large_write_is_taken_in_chunks_of_at_most_2_mib() {
    let dir = TempDir::new("chunks");
    evloop::block_on(async {
        let path = dir.join("big");
        let data = pattern(5 << 20);
        let mut file = File::create(&path).await.unwrap();
        let first = poll_fn(|cx| Pin::new(&mut file).poll_write(cx, &data))
            .await
            .unwrap();
        assert_eq!(first, 2 << 20);
        write_all(&mut file, &data[first..]).await.unwrap();
        file.sync_all().await.unwrap();
        assert!(fs::read(&path).await.unwrap() == data);
    });
}

#[test]
fn file_methods_sync_set_len_metadata_try_clone() {
    let dir = TempDir::new("methods");
    evloop::block_on(async {
        let path = dir.join("f");
        let mut file = File::create(&path).await.unwrap();
        write_all(&mut file, b"0123456789").await.unwrap();
        // sync_data writes the buffer out first.
        file.sync_data().await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 10);
        file.set_len(4).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"0123");
        // A clone shares the position: its write goes on at 10.
        let mut clone = file.try_clone().await.unwrap();
        write_all(&mut clone, b"!").await.unwrap();
        clone.sync_all().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"0123\0\0\0\0\0\0!");
    });
}

#[test]
fn into_std_and_from_std_keep_the_position() {
    let dir = TempDir::new("into-std");
    pool_of_one().block_on(async {
        use std::io::{Read, Seek};
        let path = dir.join("f");
        fs::write(&path, "abcdef").await.unwrap();
        let mut file = File::open(&path).await.unwrap();
        let mut buf = [0; 2];
        read(&mut file, &mut buf).await.unwrap();
        {
            // A read-ahead the caller did not take is given back.
            let mut more = [0; 3];
            let held = hold_the_pool();
            let mut abandoned = pin!(read(&mut file, &mut more));
            assert!(util::poll_once(abandoned.as_mut()).is_pending());
            drop(held);
        }
        let mut std = file.into_std().await;
        assert_eq!(std.stream_position().unwrap(), 2);
        let mut rest = String::new();
        std.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "cdef");
        std.rewind().unwrap();
        let mut file = File::from_std(std);
        assert_eq!(read_to_end(&mut file, 16).await, b"abcdef");
        assert!(file.try_into_std().is_ok());
    });
}

#[test]
fn open_options_append_truncate_and_create_new() {
    let dir = TempDir::new("options");
    evloop::block_on(async {
        let path = dir.join("f");
        let mut file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        write_all(&mut file, b"one").await.unwrap();
        flush(&mut file).await.unwrap();
        let again = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&path)
            .await;
        assert_eq!(again.unwrap_err().kind(), ErrorKind::AlreadyExists);
        assert_eq!(
            File::create_new(&path).await.unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );

        let mut file = OpenOptions::new().append(true).open(&path).await.unwrap();
        write_all(&mut file, b"two").await.unwrap();
        flush(&mut file).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"onetwo");

        OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"");
        // Nothing to open with: std's InvalidInput.
        let none = OpenOptions::new().open(&path).await.unwrap_err();
        assert_eq!(none.kind(), ErrorKind::InvalidInput);
    });
}

#[test]
fn two_tasks_syncing_one_file_both_finish() {
    let dir = TempDir::new("shared");
    let path = dir.join("f");
    util::bounded(std::time::Duration::from_secs(30), move || {
        evloop::block_on(async move {
            let mut file = File::create(&path).await.unwrap();
            write_all(&mut file, &pattern(1 << 20)).await.unwrap();
            let file = Rc::new(file);
            // Both wait for the same write in flight; neither may lose its wake.
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    let file = file.clone();
                    evloop::spawn(async move { file.sync_all().await })
                })
                .collect();
            for task in tasks {
                task.await.unwrap().unwrap();
            }
            assert_eq!(file.metadata().await.unwrap().len(), 1 << 20);
        });
    });
}

#[test]
fn the_loop_runs_other_tasks_while_a_file_job_runs() {
    let dir = TempDir::new("loop-turns");
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    util::bounded(std::time::Duration::from_secs(30), move || {
        evloop::block_on(async move {
            // Opening a FIFO for reading blocks until a writer opens it: the
            // read can only finish after the writer task has run, so the
            // loop must have turned while the read's job was in flight.
            let writer = evloop::spawn({
                let fifo = fifo.clone();
                async move { fs::write(&fifo, "through the fifo").await }
            });
            assert_eq!(fs::read_to_string(&fifo).await.unwrap(), "through the fifo");
            writer.await.unwrap().unwrap();
        });
    });
}
