//! No file descriptor survives a socket: 10,000 connect/accept/drop cycles.
//! Alone in its own test binary, so no other test opens fds meanwhile.

use evloop::net::{TcpListener, TcpStream};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
fn ten_thousand_cycles_leave_no_fd_open() {
    if !std::path::Path::new("/proc/self/fd").exists() {
        eprintln!("skipped: no /proc/self/fd on this system");
        return;
    }
    let rt = evloop::Runtime::new().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let before = open_fds();
        for i in 0..10_000u32 {
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            if i % 2 == 0 {
                // Half the time, talk first and close from the server side.
                client.write_all(b"x").await.unwrap();
                let mut b = [0];
                server.read_exact(&mut b).await.unwrap();
                drop(server);
                drop(client);
            } else {
                drop(client);
                drop(server);
            }
        }
        assert_eq!(open_fds(), before, "file descriptors leaked");
    });
    let m = rt.metrics();
    assert_eq!(m.alive_tasks, 0);
}
