//! A thousand spawn-and-wait cycles leave no zombie and no file descriptor.
//! Alone in its own test binary, so no other test spawns or opens fds
//! meanwhile.
#![cfg(all(unix, feature = "process"))]

mod util;

use std::time::Duration;

use evloop::process::Command;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// Children of this process that are zombies, from /proc.
fn zombie_children() -> Vec<u32> {
    let me = std::process::id().to_string();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    procs
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // After the name in parentheses: state, then the parent's pid.
            let mut fields = stat[stat.rfind(')')? + 2..].split(' ');
            let (state, ppid) = (fields.next()?, fields.next()?);
            (state == "Z" && ppid == me).then_some(pid)
        })
        .collect()
}

#[test]
fn a_thousand_spawns_and_waits_leave_no_zombie_and_no_fd() {
    if !std::path::Path::new("/proc/self/fd").exists() {
        eprintln!("skipped: no /proc/self/fd on this system");
        return;
    }
    util::bounded(Duration::from_secs(120), || {
        evloop::block_on(async {
            // The first child starts the runtime's SIGCHLD listener (its
            // self-pipe is two fds that stay): count after it.
            Command::new("/bin/true").status().await.unwrap();
            let before = open_fds();
            for _ in 0..1000 {
                let mut child = Command::new("/bin/true").spawn().unwrap();
                assert!(child.wait().await.unwrap().success());
            }
            assert_eq!(open_fds(), before, "file descriptors leaked");
            assert_eq!(zombie_children(), Vec::<u32>::new(), "zombies left");
        });
    });
}
