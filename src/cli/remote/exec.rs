//! `orchestrator exec`: executions on a server. `start` runs a stored
//! workflow (and with `--watch` follows it live, exiting as `run` does),
//! `watch` follows one, `get`, `list` and `active` read them, `cancel` and
//! `retry` act on them.

use std::io::Write;
use std::time::Duration;

use clap::Subcommand;

use super::{Ctx, Output, RemoteError, table, time};
use crate::proto::{
    ActiveExecution, CancelRequest, Execution, ExecutionState, ListActiveRequest,
    ListExecutionsRequest, RetryRequest, RunRequest, TaskResult, TaskState,
};

/// `orchestrator exec ...`
#[derive(Subcommand, Debug)]
pub enum ExecCommand {
    /// Start a stored workflow; prints the execution id (or, with --watch,
    /// follows it and exits 0 only when it completes).
    Start {
        /// Workflow name.
        workflow: String,
        /// A parameter, KEY=VALUE (VALUE is JSON when it parses as JSON, else text).
        #[arg(long = "input", value_name = "KEY=VALUE")]
        inputs: Vec<String>,
        /// Parameters as one JSON object (--input pairs override its keys).
        #[arg(long, value_name = "JSON")]
        input_json: Option<String>,
        /// Run this version instead of the latest.
        #[arg(long)]
        version: Option<u32>,
        /// Follow the run live until it ends.
        #[arg(long)]
        watch: bool,
    },
    /// Follow an execution live until it ends; exits as `run` does.
    Watch {
        /// Execution id.
        id: String,
    },
    /// An execution with its tasks' results.
    Get {
        /// Execution id.
        id: String,
    },
    /// Executions, newest first.
    List {
        /// Only this workflow's.
        #[arg(long)]
        workflow: Option<String>,
        /// Only those in this state (running, completed, failed, ...).
        #[arg(long, value_parser = parse_state)]
        status: Option<ExecutionState>,
        /// Only those started this recently (e.g. 1h, 30m).
        #[arg(long, value_name = "DURATION", value_parser = super::super::parse_duration_arg)]
        since: Option<Duration>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Stop an execution, recording why.
    Cancel {
        /// Execution id.
        id: String,
        /// Why (recorded in the execution and the audit trail).
        #[arg(long)]
        reason: String,
    },
    /// Run again an ended execution's failed, cancelled and timed-out tasks
    /// and what depends on them (same id; succeeded tasks keep their outputs).
    Retry {
        /// Execution id.
        id: String,
        /// Follow the new run live until it ends.
        #[arg(long)]
        watch: bool,
    },
    /// What runs now, and the task pools' use.
    Active,
}

/// An execution state from its label (`running`).
fn parse_state(s: &str) -> Result<ExecutionState, String> {
    (0..16)
        .filter_map(|n| ExecutionState::try_from(n).ok())
        .find(|st| st.label() == s)
        .ok_or_else(|| {
            format!(
                "unknown state {s:?}; one of {}",
                ExecutionState::labels()[1..].join(", ")
            )
        })
}

/// Runs one `exec` command; the exit code.
pub async fn run(command: ExecCommand, ctx: &mut Ctx<'_>) -> Result<i32, RemoteError> {
    let mut ex = ctx.client.executions();
    match command {
        ExecCommand::Start {
            workflow,
            inputs,
            input_json,
            version,
            watch,
        } => {
            let parameters = super::inputs(&inputs, input_json.as_deref())?;
            let r = ex
                .run(RunRequest {
                    workflow,
                    version: version.unwrap_or(0),
                    parameters: Some(parameters),
                    wait: false,
                })
                .await?
                .into_inner();
            let e = r.execution.unwrap_or_default();
            return started(e, watch, ctx).await;
        }
        ExecCommand::Watch { id } => return super::watch::follow(&id, ctx).await,
        ExecCommand::Get { id } => {
            let e = ctx.client.get_execution(&id).await?;
            ctx.emit(&e, |out| describe(&e, out))?;
        }
        ExecCommand::List {
            workflow,
            status,
            since,
            limit,
        } => {
            let r = ex
                .list_executions(ListExecutionsRequest {
                    from: since.map(super::since),
                    workflow: workflow.unwrap_or_default(),
                    status: status.map(|s| s as i32).unwrap_or(0),
                    page_size: limit,
                    ..Default::default()
                })
                .await?
                .into_inner();
            ctx.emit(&r, |out| {
                let rows: Vec<Vec<String>> = r.executions.iter().map(row).collect();
                table::write(
                    out,
                    &["ID", "WORKFLOW", "VERSION", "STATUS", "STARTED", "DURATION"],
                    &rows,
                    "no executions",
                )
            })?;
        }
        ExecCommand::Cancel { id, reason } => {
            let r = ex
                .cancel(CancelRequest {
                    execution_id: id,
                    reason,
                })
                .await?
                .into_inner();
            ctx.emit(&r, |out| writeln!(out, "cancelled {}", r.execution_id))?;
        }
        ExecCommand::Retry { id, watch } => {
            let r = ex
                .retry(RetryRequest {
                    execution_id: id,
                    wait: false,
                })
                .await?
                .into_inner();
            return started(r.execution.unwrap_or_default(), watch, ctx).await;
        }
        ExecCommand::Active => {
            let r = ex.list_active(ListActiveRequest {}).await?.into_inner();
            ctx.emit(&r, |out| {
                let rows: Vec<Vec<String>> = r.executions.iter().map(active_row).collect();
                table::write(
                    out,
                    &["ID", "WORKFLOW", "VERSION", "STATUS", "STARTED", "RUNNING"],
                    &rows,
                    "nothing running",
                )?;
                writeln!(out)?;
                let pools: Vec<Vec<String>> = r
                    .pools
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            p.size.to_string(),
                            p.busy.to_string(),
                            p.queued.to_string(),
                        ]
                    })
                    .collect();
                table::write(out, &["POOL", "SIZE", "BUSY", "QUEUED"], &pools, "no pools")
            })?;
        }
    }
    Ok(super::super::EXIT_OK)
}

/// After a run was accepted: its id (or the execution), or the live view.
async fn started(e: Execution, watch: bool, ctx: &mut Ctx<'_>) -> Result<i32, RemoteError> {
    if watch {
        if ctx.output == Output::Text && !ctx.terminal {
            // Piped, the first line says what is being followed.
            writeln!(ctx.out, "started {} ({} v{})", e.id, e.workflow, e.version)?;
        }
        return super::watch::follow(&e.id, ctx).await;
    }
    ctx.emit(&e, |out| writeln!(out, "{}", e.id))?;
    Ok(super::super::EXIT_OK)
}

/// An execution's state label.
pub(super) fn state(e: &Execution) -> ExecutionState {
    ExecutionState::try_from(e.status).unwrap_or_default()
}

/// `1.2s`, `340ms`, `2m05s`.
pub(super) fn duration(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms}ms"),
        1_000..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => format!("{}m{:02}s", ms / 60_000, ms / 1000 % 60),
    }
}

/// The text form of `exec get`: a header, then a line per task.
fn describe(e: &Execution, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "id:        {}", e.id)?;
    writeln!(out, "workflow:  {} v{}", e.workflow, e.version)?;
    writeln!(out, "status:    {}", state(e).label())?;
    writeln!(
        out,
        "started:   {} by {}",
        time(&e.started_at),
        e.started_by
    )?;
    if e.finished_at.is_some() {
        writeln!(
            out,
            "finished:  {} ({})",
            time(&e.finished_at),
            duration(e.duration_ms)
        )?;
    }
    if !e.error.is_empty() {
        writeln!(out, "error:     {}", e.error)?;
    }
    if !e.cancelled_by.is_empty() {
        writeln!(out, "cancelled: by {}", e.cancelled_by)?;
    }
    writeln!(out)?;
    let mut tasks: Vec<&TaskResult> = e.task_results.values().collect();
    tasks.sort_by_key(|t| {
        (
            t.started_at.map(|s| (s.seconds, s.nanos)),
            t.task_id.clone(),
        )
    });
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            let mut st = TaskState::try_from(t.status)
                .unwrap_or_default()
                .label()
                .to_owned();
            if t.cached {
                st.push_str(" (cached)");
            }
            vec![
                t.task_id.clone(),
                st,
                t.attempts.to_string(),
                duration(t.duration_ms),
                t.error.lines().next().unwrap_or("").to_owned(),
            ]
        })
        .collect();
    table::write(
        out,
        &["TASK", "STATE", "ATTEMPTS", "DURATION", "ERROR"],
        &rows,
        "no tasks ran",
    )
}

/// A table row of an execution.
fn row(e: &Execution) -> Vec<String> {
    vec![
        e.id.clone(),
        e.workflow.clone(),
        e.version.to_string(),
        state(e).label().to_owned(),
        time(&e.started_at),
        if e.finished_at.is_some() {
            duration(e.duration_ms)
        } else {
            "-".to_owned()
        },
    ]
}

/// A table row of a running execution.
fn active_row(a: &ActiveExecution) -> Vec<String> {
    vec![
        a.execution_id.clone(),
        a.workflow.clone(),
        a.version.to_string(),
        ExecutionState::try_from(a.status)
            .unwrap_or_default()
            .label()
            .to_owned(),
        time(&a.started_at),
        a.running_tasks.join(","),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_from_their_labels_only() {
        assert_eq!(parse_state("failed"), Ok(ExecutionState::Failed));
        assert!(
            parse_state("FAILED")
                .unwrap_err()
                .contains("one of pending")
        );
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(duration(340), "340ms");
        assert_eq!(duration(1_260), "1.3s");
        assert_eq!(duration(125_000), "2m05s");
    }
}
