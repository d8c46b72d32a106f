//! The client commands: `orchestrator workflow`, `exec`, `schedule`,
//! `trigger`, `event`, `audit` and `approval` drive a running server
//! through the crate's own gRPC client ([`crate::client`]), so that the
//! command line is that client's first user. This module owns what they
//! share: the context a handler works in and the one table from a failure
//! to an exit code that scripts can rely on; the connection and output
//! flags are the root command's ([`super::ClientArgs`]).

mod approval;
mod audit;
mod diff;
mod exec;
mod schedule;
mod table;
mod trigger;
mod watch;
mod workflow;

use std::io::{IsTerminal, Write};

use clap::Subcommand;
use serde::Serialize;

pub use approval::ApprovalCommand;
pub use exec::ExecCommand;
pub use schedule::ScheduleCommand;
pub use trigger::{EventCommand, TriggerCommand};
pub use workflow::WorkflowCommand;

use super::{ClientArgs, Output};
use super::{
    EXIT_CONFLICT, EXIT_FAILED, EXIT_NOT_FOUND, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_USAGE,
};
use crate::client::{Client, ClientError};

/// The command groups that call a server.
#[derive(Subcommand, Debug)]
pub enum RemoteCommand {
    /// Workflow definitions on a server: apply files, list, read, archive.
    Workflow {
        /// What to do.
        #[command(subcommand)]
        command: WorkflowCommand,
    },
    /// Executions: start (and watch live), read, list, cancel, retry.
    Exec {
        /// What to do.
        #[command(subcommand)]
        command: ExecCommand,
    },
    /// Schedules on a server; `schedule next` checks a cron expression locally.
    Schedule {
        /// What to do.
        #[command(subcommand)]
        command: ScheduleCommand,
    },
    /// Event triggers: which event type starts which workflow.
    Trigger {
        /// What to do.
        #[command(subcommand)]
        command: TriggerCommand,
    },
    /// Publish an event to the server's triggers.
    Event {
        /// What to do.
        #[command(subcommand)]
        command: EventCommand,
    },
    /// The audit trail: who did what, newest first.
    Audit {
        /// Only records this recent (e.g. 1h, 30m).
        #[arg(long, value_name = "DURATION", value_parser = super::parse_duration_arg)]
        since: Option<std::time::Duration>,
        /// Only this caller's records.
        #[arg(long)]
        actor: Option<String>,
        /// Only this action (e.g. workflow.create, execution.cancel).
        #[arg(long)]
        action: Option<String>,
        /// At most this many records.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Approval tasks waiting for a person: list, approve, reject.
    Approval {
        /// What to do.
        #[command(subcommand)]
        command: ApprovalCommand,
    },
}

/// Why a client command failed; each kind has its own exit code.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// No client could be made: unreachable server, bad address or TLS files.
    #[error("{0}")]
    Client(#[from] ClientError),
    /// The server refused the call.
    #[error("{}", super::refusal(.0))]
    Refused(#[from] tonic::Status),
    /// Bad arguments or a file that cannot be read.
    #[error("{0}")]
    Usage(String),
    /// Standard output could not be written.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl RemoteError {
    /// The exit code a script sees (README, "Exit codes").
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Client(ClientError::Connect(..)) => EXIT_UNREACHABLE,
            Self::Client(_) | Self::Usage(_) => EXIT_USAGE,
            Self::Refused(s) => status_exit_code(s.code()),
            Self::Output(_) => EXIT_FAILED,
        }
    }
}

/// The exit code of a gRPC status code.
pub fn status_exit_code(code: tonic::Code) -> i32 {
    use tonic::Code;
    match code {
        Code::Ok => super::EXIT_OK,
        Code::NotFound => EXIT_NOT_FOUND,
        Code::Unauthenticated | Code::PermissionDenied => EXIT_REFUSED,
        // Unavailable is also what a call gets when the server went away
        // after the connection was made.
        Code::Unavailable | Code::DeadlineExceeded => EXIT_UNREACHABLE,
        Code::InvalidArgument | Code::OutOfRange => EXIT_USAGE,
        Code::AlreadyExists | Code::FailedPrecondition | Code::Aborted => EXIT_CONFLICT,
        _ => EXIT_FAILED,
    }
}

/// What every command handler works with: the client, the output format
/// and where to write.
pub(crate) struct Ctx<'a> {
    /// The connected client.
    pub client: Client,
    /// The output format.
    pub output: Output,
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error (notes that are not the answer).
    pub err: &'a mut dyn Write,
    /// Whether standard output is a terminal (live view, colours).
    pub terminal: bool,
}

impl Ctx<'_> {
    /// Prints `value` as JSON or YAML, or runs `text` for the text format.
    pub fn emit<T: Serialize>(
        &mut self,
        value: &T,
        text: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), RemoteError> {
        if !self.output.write_document(&mut *self.out, value)? {
            text(&mut *self.out)?;
        }
        Ok(())
    }
}

/// Runs a client command to its end; the process exit code. Errors are one
/// line on `err`, `error: CODE: message`, as the API words them.
pub fn dispatch(
    command: RemoteCommand,
    remote: &ClientArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return super::fail(err, &format!("cannot start the runtime: {e}"), EXIT_FAILED),
    };
    let terminal = std::io::stdout().is_terminal();
    let result = runtime.block_on(async {
        // `schedule next` is local: it needs no server.
        if let RemoteCommand::Schedule {
            command: ScheduleCommand::Next(next),
        } = &command
        {
            return Ok(schedule::next(next, out, err));
        }
        let client = remote.client().await?;
        let mut ctx = Ctx {
            client,
            output: remote.output,
            out: &mut *out,
            err: &mut *err,
            terminal,
        };
        match command {
            RemoteCommand::Workflow { command } => workflow::run(command, &mut ctx).await,
            RemoteCommand::Exec { command } => exec::run(command, &mut ctx).await,
            RemoteCommand::Schedule { command } => schedule::run(command, &mut ctx).await,
            RemoteCommand::Trigger { command } => trigger::run(command, &mut ctx).await,
            RemoteCommand::Event { command } => trigger::publish(command, &mut ctx).await,
            RemoteCommand::Audit {
                since,
                actor,
                action,
                limit,
            } => audit::run(since, actor, action, limit, &mut ctx).await,
            RemoteCommand::Approval { command } => approval::run(command, &mut ctx).await,
        }
    });
    match result {
        Ok(code) => code,
        // The reader went away (`| head`): nothing more to say to anyone.
        Err(RemoteError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => super::EXIT_OK,
        Err(e) => super::fail(err, &e.to_string(), e.exit_code()),
    }
}

/// A timestamp as people read it (UTC, to the second); `-` when unset.
fn time(ts: &Option<pbjson_types::Timestamp>) -> String {
    ts.as_ref()
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".to_owned())
}

/// The timestamp `ago` before now.
fn since(ago: std::time::Duration) -> pbjson_types::Timestamp {
    let t = std::time::SystemTime::now()
        .checked_sub(ago)
        .unwrap_or(std::time::UNIX_EPOCH);
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    pbjson_types::Timestamp {
        seconds: d.as_secs() as i64,
        nanos: d.subsec_nanos() as i32,
    }
}

/// Parameters from `--input K=V` and `--input-json`, as a proto Struct.
fn inputs(pairs: &[String], json: Option<&str>) -> Result<pbjson_types::Struct, RemoteError> {
    super::parse_inputs(pairs, json)
        .map(|m| crate::proto::json_map_to_struct(&m))
        .map_err(RemoteError::Usage)
}
