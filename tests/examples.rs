//! Every example runs and prints what its doc comment promises.
//!
//! `cargo test` builds the examples before it runs tests, into
//! `target/<profile>/examples/`, beside this test's own `deps/` folder.

use std::path::PathBuf;
use std::process::Command;

/// Runs the example `name` with `args`, returns its stdout (and checks it
/// exited with success).
fn run_example(name: &str, args: &[&str]) -> String {
    let mut path: PathBuf = std::env::current_exe().unwrap();
    path.pop(); // the test binary
    if path.ends_with("deps") {
        path.pop();
    }
    path.push("examples");
    path.push(name);
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
