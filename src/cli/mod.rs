//! The command line's work, kept out of `main.rs` so it can be tested:
//! `validate`, `run`, `resume`, `graph`, `schedule next`, the `bench` load
//! generator, and `export`, `import` and `backup` against a server. Each returns the process exit
//! code: 0 success, 1 a run that did not complete (or an invalid file for
//! `validate`), 2 invalid input or usage.

mod backup;
mod bench;
mod bench_feed;
mod bench_triggers;
mod graph;
mod progress;
mod run;
mod schedule;
mod token;
mod transfer;
mod validate;

use std::path::Path;

pub use backup::{backup_offline, backup_served};
pub use bench::{BenchArgs, BenchReport, bench};
pub use bench_triggers::{bench_events, bench_schedules};
pub use graph::{GraphFormat, graph};
pub use run::{OutputFormat, RunArgs, StoreChoice, parse_inputs, resume, run};
pub use schedule::schedule_next;
pub use token::{TokenArgs, mint};
pub use transfer::{DocFormat, Export, ExportedWorkflow, ServerArgs, export, import, parse};
pub use validate::validate;

/// Exit code of a completed run or a valid file.
pub const EXIT_OK: i32 = 0;
/// Exit code of a run that failed, was cancelled or timed out, or of an invalid file.
pub const EXIT_FAILED: i32 = 1;
/// Exit code for invalid input or usage.
pub const EXIT_USAGE: i32 = 2;

/// Writes `error: message` and gives back the exit code `code`.
fn fail(err: &mut dyn std::io::Write, message: &str, code: i32) -> i32 {
    let _ = writeln!(err, "error: {message}");
    code
}

/// A server's refusal as the API words it (`NotFound: workflow 'x' ...`).
fn refusal(s: &tonic::Status) -> String {
    format!("{:?}: {}", s.code(), s.message())
}

/// Reads a definition file, with the file name in the error.
fn read_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}
