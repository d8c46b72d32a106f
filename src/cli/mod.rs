//! The command line's work, kept out of `main.rs` so it can be tested:
//! `validate`, `run`, `resume`, `graph`, `schedule next`, the `bench` load
//! generator, `export`, `import` and `backup` against a server, the client
//! commands of [`remote`] and shell completions. Each returns the process
//! exit code: 0 success, 1 a run that did not complete (or an invalid file
//! for `validate`), 2 invalid input or usage; the client commands add 3-6
//! (docs/cli.md, "Exit codes").

mod backup;
mod bench;
mod bench_feed;
mod bench_triggers;
mod client_args;
mod completions;
mod graph;
mod progress;
mod prompt;
pub mod remote;
mod run;
mod schedule;
mod token;
mod transfer;
mod validate;

use std::path::Path;

pub use backup::{backup_offline, backup_served};
pub use bench::{BenchArgs, BenchReport, bench};
pub use bench_triggers::{bench_events, bench_schedules};
pub use client_args::{ClientArgs, Output};
pub use completions::{Shell, completions};
pub use graph::{GraphFormat, graph};
pub use run::{RunArgs, StoreChoice, parse_inputs, resume, run};
pub use schedule::schedule_next;
pub use token::{TokenArgs, mint};
pub use transfer::{Export, ExportedWorkflow, export, import, parse};
pub use validate::validate;

/// Exit code of a completed run or a valid file.
pub const EXIT_OK: i32 = 0;
/// Exit code of a run that failed, was cancelled or timed out, or of an invalid file.
pub const EXIT_FAILED: i32 = 1;
/// Exit code for invalid input or usage.
pub const EXIT_USAGE: i32 = 2;
/// Exit code of a client command whose workflow, execution, schedule,
/// trigger or approval the server does not know (NOT_FOUND).
pub const EXIT_NOT_FOUND: i32 = 3;
/// Exit code of a client command the server refused: no or a bad token
/// (UNAUTHENTICATED), or a missing permission (PERMISSION_DENIED).
pub const EXIT_REFUSED: i32 = 4;
/// Exit code of a client command that could not reach the server (or the
/// server was unavailable or too slow).
pub const EXIT_UNREACHABLE: i32 = 5;
/// Exit code of a client command asking for what the target's state does
/// not allow: it exists already, has ended, was decided (ALREADY_EXISTS,
/// FAILED_PRECONDITION, ABORTED).
pub const EXIT_CONFLICT: i32 = 6;

/// Writes `error: message` and gives back the exit code `code`.
fn fail(err: &mut dyn std::io::Write, message: &str, code: i32) -> i32 {
    let _ = writeln!(err, "error: {message}");
    code
}

/// A server's refusal as the API words it (`NOT_FOUND: workflow 'x' ...`,
/// the code as REST bodies and grpcurl name it).
fn refusal(s: &tonic::Status) -> String {
    // The server puts a definition's problems on the lines after the
    // message; one problem is also the message, and is said once.
    let mut lines = s.message().lines();
    let first = lines.next().unwrap_or("");
    let rest: Vec<&str> = lines.filter(|l| *l != first).collect();
    let code = code_name(s.code());
    if rest.is_empty() {
        format!("{code}: {first}")
    } else {
        format!("{code}: {first}\n  {}", rest.join("\n  "))
    }
}

/// The canonical name of a gRPC code (`NOT_FOUND`).
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// A duration flag (`30s`, `1h`), read as workflow files read them.
fn parse_duration_arg(s: &str) -> Result<std::time::Duration, String> {
    crate::spec::parse_duration(s)
}

/// Reads a definition file, with the file name in the error.
fn read_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}
