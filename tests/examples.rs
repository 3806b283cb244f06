//! Every example runs and prints what its doc comment promises.
//!
//! `cargo test` builds the examples before it runs tests, into
//! `target/<profile>/examples/`, beside this test's own `deps/` folder.

use std::path::PathBuf;
use std::process::Command;

/// Where cargo put the example binary `name`.
fn example_path(name: &str) -> PathBuf {
    let mut path: PathBuf = std::env::current_exe().unwrap();
    path.pop(); // the test binary
    if path.ends_with("deps") {
        path.pop();
    }
    path.push("examples");
    path.push(name);
    path
}

/// Runs the example `name` with `args`, returns its stdout (and checks it
/// exited with success).
fn run_example(name: &str, args: &[&str]) -> String {
    let path = example_path(name);
    let output = Command::new(&path).args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run {}: {e}; plain `cargo test` builds the examples first, \
                 `cargo test --test examples` alone does not (run `cargo build --examples`)",
            path.display()
        )
    });
    let stdout = String::from_utf8(output.stdout).expect("examples print UTF-8");
    assert!(
        output.status.success(),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn hello_interleaves_three_tasks() {
    let out = run_example("hello", &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..3],
        ["python: step 1", "programming: step 1", "compsci: step 1"],
        "each task runs to its first yield, in spawn order:\n{out}"
    );
    for name in ["python", "programming", "compsci"] {
        assert!(lines.contains(&format!("DONE: {name}").as_str()), "{out}");
    }
}

#[test]
fn coroutine_prints_matching_names_then_closes() {
    let out = run_example("coroutine", &[]);
    assert_eq!(
        out,
        "Searching prefix:Dear\nDear James\nClosing coroutine!!\n"
    );
}

#[test]
fn threads_prints_square_cube_done() {
    assert_eq!(
        run_example("threads", &[]),
        "Square: 100\nCube: 1000\nDone!\n"
    );
}

#[test]
fn echo_client_talks_to_echo_server_which_stops_on_sigint() {
    use std::io::{BufRead, BufReader};

    let mut server = Command::new(example_path("echo_server"))
        .arg("127.0.0.1:0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run echo_server (plain `cargo test` builds it)");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("echo server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_string();

    let out = run_example("echo_client", &[&addr, "one", "two"]);
    let echoed: Vec<&str> = out.lines().map(|l| l.split(" (").next().unwrap()).collect();
    assert_eq!(echoed, ["echo: one", "echo: two"]);

    // Ctrl-C, as a terminal would send it: the server stops cleanly.
    let status = Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "echo_server exited with {status}");
    assert_eq!(lines.next().unwrap().unwrap(), "stopping");
}

#[test]
fn processes_prints_each_continent() {
    assert_eq!(
        run_example("processes", &[]),
        "The name of continent is :  Asia\n\
         The name of continent is :  America\n\
         The name of continent is :  Europe\n\
         The name of continent is :  Africa\n"
    );
}
