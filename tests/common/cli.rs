//! Running the `orchestrator` binary as a client of a live server in
//! tests: its output, exit codes (the table docs/cli.md documents), and
//! small helpers the CLI test files share.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The exit codes docs/cli.md documents.
pub const NOT_FOUND: i32 = 3;
pub const REFUSED: i32 = 4;
pub const UNREACHABLE: i32 = 5;
pub const CONFLICT: i32 = 6;

/// The binary, with no server or token from the environment.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_orchestrator"));
    for var in [
        "ORCHESTRATOR_SERVER",
        "ORCHESTRATOR_TOKEN",
        "ORCHESTRATOR_TLS",
        "ORCHESTRATOR_CA_FILE",
    ] {
        c.env_remove(var);
    }
    c.env("RUST_BACKTRACE", "1");
    c
}

/// `orchestrator ARGS --server ADDR`.
pub fn cli(addr: &str, args: &[&str]) -> Output {
    bin().args(args).args(["--server", addr]).output().unwrap()
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code, showing both streams when it differs.
#[track_caller]
pub fn code(o: &Output, want: i32) {
    assert_eq!(
        o.status.code(),
        Some(want),
        "stdout:\n{}\nstderr:\n{}",
        out(o),
        err(o)
    );
}

/// Asserts a failure is one `error:` line: no panic, no backtrace.
#[track_caller]
pub fn one_error_line(o: &Output, starts: &str) {
    let e = err(o);
    assert!(e.starts_with(&format!("error: {starts}")), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(!e.contains("panicked") && !e.contains("backtrace"), "{e}");
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn json(o: &Output) -> Value {
    serde_json::from_str(out(o).trim()).unwrap_or_else(|e| panic!("{e}: {}", out(o)))
}

pub fn diamond() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/diamond.yaml").to_owned()
}

/// Waits, polling, until `cond` holds (30 s at most).
#[track_caller]
pub fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
