//! The command line's work, kept out of `main.rs` so it can be tested:
//! `validate`, `run`, `resume`, `graph`, `schedule next` and the `bench` load
//! generator. Each returns the process exit
//! code: 0 success, 1 a run that did not complete (or an invalid file for
//! `validate`), 2 invalid input or usage.

mod bench;
mod bench_feed;
mod bench_triggers;
mod graph;
mod progress;
mod run;
mod schedule;
mod token;
mod validate;

use std::path::Path;

pub use bench::{BenchArgs, BenchReport, bench};
pub use bench_triggers::{bench_events, bench_schedules};
pub use graph::{GraphFormat, graph};
pub use run::{OutputFormat, RunArgs, StoreChoice, parse_inputs, resume, run};
pub use schedule::schedule_next;
pub use token::{TokenArgs, mint};
pub use validate::validate;

/// Exit code of a completed run or a valid file.
pub const EXIT_OK: i32 = 0;
/// Exit code of a run that failed, was cancelled or timed out, or of an invalid file.
pub const EXIT_FAILED: i32 = 1;
/// Exit code for invalid input or usage.
pub const EXIT_USAGE: i32 = 2;

/// Reads a definition file, with the file name in the error.
fn read_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}
