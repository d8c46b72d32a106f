//! `orchestrator approval`: the approval tasks waiting for a person
//! (`list`), and the decision on one (`approve`, `reject`), recorded with
//! its reason and the caller's name (docs/approvals.md).

use clap::{Args, Subcommand};

use super::{Ctx, RemoteError, table, time};
use crate::proto::{DecideRequest, Decision, ListApprovalsRequest};

/// `orchestrator approval ...`
#[derive(Subcommand, Debug)]
pub enum ApprovalCommand {
    /// The approvals waiting for a decision, oldest first.
    List {
        /// Only this workflow's.
        #[arg(long)]
        workflow: Option<String>,
        /// Only this execution's.
        #[arg(long)]
        execution: Option<String>,
    },
    /// Approve: the task succeeds and the run goes on.
    Approve(DecideArgs),
    /// Reject: the task fails (allow_failure and run_if decide what follows).
    Reject(DecideArgs),
}

/// The arguments of a decision.
#[derive(Args, Debug)]
pub struct DecideArgs {
    /// The execution waiting.
    execution: String,
    /// The approval task.
    task: String,
    /// Why (recorded in the history and the audit trail).
    #[arg(long)]
    reason: String,
    /// A field the approval asks for, KEY=VALUE (VALUE is JSON when it parses as JSON).
    #[arg(long = "input", value_name = "KEY=VALUE")]
    inputs: Vec<String>,
    /// The fields as one JSON object (--input pairs override its keys).
    #[arg(long, value_name = "JSON")]
    input_json: Option<String>,
}

/// Runs one `approval` command; the exit code.
pub async fn run(command: ApprovalCommand, ctx: &mut Ctx<'_>) -> Result<i32, RemoteError> {
    let mut ap = ctx.client.approvals();
    let (decision, a) = match command {
        ApprovalCommand::List {
            workflow,
            execution,
        } => {
            let r = ap
                .list_approvals(ListApprovalsRequest {
                    workflow: workflow.unwrap_or_default(),
                    execution_id: execution.unwrap_or_default(),
                })
                .await?
                .into_inner();
            ctx.emit(&r, |out| {
                let rows: Vec<Vec<String>> = r
                    .approvals
                    .iter()
                    .map(|a| {
                        vec![
                            a.execution_id.clone(),
                            a.task_id.clone(),
                            a.workflow.clone(),
                            time(&a.requested_at),
                            time(&a.deadline),
                            a.message.lines().next().unwrap_or("").to_owned(),
                        ]
                    })
                    .collect();
                table::write(
                    out,
                    &[
                        "EXECUTION",
                        "TASK",
                        "WORKFLOW",
                        "REQUESTED",
                        "DEADLINE",
                        "MESSAGE",
                    ],
                    &rows,
                    "no approvals waiting",
                )
            })?;
            return Ok(super::super::EXIT_OK);
        }
        ApprovalCommand::Approve(a) => (Decision::Approve, a),
        ApprovalCommand::Reject(a) => (Decision::Reject, a),
    };
    let input = super::inputs(&a.inputs, a.input_json.as_deref())?;
    let r = ap
        .decide(DecideRequest {
            execution_id: a.execution,
            task_id: a.task,
            decision: decision as i32,
            reason: a.reason,
            input: Some(input),
        })
        .await?
        .into_inner();
    ctx.emit(&r, |out| {
        let verb = match r.decision() {
            Decision::Approve => "approved",
            _ => "rejected",
        };
        writeln!(
            out,
            "{verb} {} {} as {}",
            r.execution_id, r.task_id, r.decided_by
        )
    })?;
    Ok(super::super::EXIT_OK)
}
