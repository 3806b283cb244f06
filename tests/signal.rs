//! Signals through the self-pipe: real signals sent to this test process.
#![cfg(all(unix, feature = "signal"))]

use std::process::Command;
use std::time::Duration;

use evloop::signal::{ctrl_c, signal, SignalKind};
use evloop::time::timeout;

/// Sends `sig` to this process with the `kill` command, as a user would.
fn kill_self(sig: &str) {
    let status = Command::new("kill")
        .args([sig, &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

#[test]
fn ctrl_c_completes_on_a_real_sigint() {
    evloop::block_on(async {
        // The handler is installed here, before the first poll: the signal
        // sent right after must not be lost.
        let interrupted = ctrl_c();
        kill_self("-INT");
        timeout(Duration::from_secs(10), interrupted)
            .await
            .expect("SIGINT was not seen")
            .unwrap();
    });
}

#[test]
fn a_signal_stream_sees_each_delivery() {
    evloop::block_on(async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        for _ in 0..3 {
            kill_self("-USR1");
            let got = timeout(Duration::from_secs(10), usr1.recv()).await;
            assert_eq!(got.expect("SIGUSR1 was not seen"), Some(()));
        }
        // Nothing more was sent: the stream waits.
        let nothing = timeout(Duration::from_millis(20), usr1.recv()).await;
        assert!(nothing.is_err());
    });
}

#[test]
fn uncatchable_signals_are_errors() {
    evloop::block_on(async {
        let err = signal(SignalKind::from_raw(9)).unwrap_err(); // SIGKILL
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("signal 9"), "{err}");
        assert!(signal(SignalKind::from_raw(12345)).is_err());
    });
}
