//! `orchestrator workflow`: definitions on a server. `apply` stores files
//! (a new workflow, or a new version when the name is taken) and shows the
//! diff from the version it replaces; `list`, `get`, `history`, `archive`
//! and `restore` read and retire them.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{Ctx, RemoteError, table, time};
use crate::proto::{
    GetWorkflowRequest, ListWorkflowVersionsRequest, ListWorkflowsRequest, Workflow, WorkflowName,
    WorkflowSpec,
};

/// Largest answer read (tonic's default is 4 MiB; a catalogue of big
/// definitions comes back in one ListWorkflows).
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// `orchestrator workflow ...`
#[derive(Subcommand, Debug)]
pub enum WorkflowCommand {
    /// Store definition files: a new workflow, or a new version of one
    /// (showing the diff from the version it replaces).
    Apply {
        /// YAML or JSON definition files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// The workflows, each at its latest version.
    List {
        /// Archived workflows too.
        #[arg(long)]
        all: bool,
    },
    /// A workflow's definition (the latest version, or --version N).
    Get {
        /// Workflow name.
        name: String,
        /// This version instead of the latest.
        #[arg(long)]
        version: Option<u32>,
    },
    /// Keep a workflow but stop it from running (schedules and triggers too).
    Archive {
        /// Workflow name.
        name: String,
    },
    /// Make an archived workflow runnable again.
    Restore {
        /// Workflow name.
        name: String,
    },
    /// Every version of a workflow, oldest first.
    History {
        /// Workflow name.
        name: String,
    },
}

/// Runs one `workflow` command; the exit code.
pub async fn run(command: WorkflowCommand, ctx: &mut Ctx<'_>) -> Result<i32, RemoteError> {
    let mut wf = ctx
        .client
        .workflows()
        .max_decoding_message_size(MAX_MESSAGE_BYTES);
    match command {
        WorkflowCommand::Apply { files } => {
            // Every file is tried; the first failure decides the exit code.
            let mut code = super::super::EXIT_OK;
            for file in &files {
                if let Err(e) = apply(file, ctx).await {
                    let _ = writeln!(ctx.err, "error: {}: {e}", file.display());
                    if code == super::super::EXIT_OK {
                        code = e.exit_code();
                    }
                }
            }
            return Ok(code);
        }
        WorkflowCommand::List { all } => {
            let r = wf
                .list_workflows(ListWorkflowsRequest {
                    include_archived: all,
                })
                .await?
                .into_inner();
            ctx.emit(&r, |out| {
                versions(out, &r.workflows, "UPDATED", "no workflows")
            })?;
        }
        WorkflowCommand::Get { name, version } => {
            let w = wf
                .get_workflow(GetWorkflowRequest {
                    name,
                    version: version.unwrap_or(0),
                })
                .await?
                .into_inner();
            ctx.emit(&w, |out| {
                writeln!(
                    out,
                    "# {} v{}, created {}{}",
                    name_of(&w),
                    w.version,
                    time(&w.created_at),
                    if w.archived { ", archived" } else { "" }
                )?;
                out.write_all(definition(&w).as_bytes())
            })?;
        }
        WorkflowCommand::History { name } => {
            let r = wf
                .list_workflow_versions(ListWorkflowVersionsRequest { name })
                .await?
                .into_inner();
            ctx.emit(&r, |out| {
                versions(out, &r.workflows, "CREATED", "no versions")
            })?;
        }
        WorkflowCommand::Archive { name } => {
            let w = wf
                .archive_workflow(WorkflowName { name })
                .await?
                .into_inner();
            ctx.emit(&w, |out| writeln!(out, "archived {}", name_of(&w)))?;
        }
        WorkflowCommand::Restore { name } => {
            let w = wf
                .restore_workflow(WorkflowName { name })
                .await?
                .into_inner();
            ctx.emit(&w, |out| {
                writeln!(out, "restored {} v{}", name_of(&w), w.version)
            })?;
        }
    }
    Ok(super::super::EXIT_OK)
}

/// Stores one file and reports what changed.
async fn apply(file: &Path, ctx: &mut Ctx<'_>) -> Result<(), RemoteError> {
    let text = super::super::read_file(file).map_err(RemoteError::Usage)?;
    // The version this one replaces, read first: after the write the
    // latest is the new one (or the same, when nothing changed).
    let local = local_spec(&text);
    let before = match local.as_ref().map(|s| s.name.clone()) {
        Some(name) => {
            let got = ctx
                .client
                .workflows()
                .get_workflow(GetWorkflowRequest { name, version: 0 })
                .await;
            match got {
                Ok(w) => Some(w.into_inner()),
                Err(s) if s.code() == tonic::Code::NotFound => None,
                Err(s) => return Err(s.into()),
            }
        }
        None => None,
    };
    // The server stores every write as a new version; an unchanged file
    // is not written, so that applying it again is a no-op.
    let after = match (&before, &local) {
        (Some(b), Some(l)) if b.spec.as_ref() == Some(l) => b.clone(),
        _ => ctx.client.define(&text).await?,
    };
    let colour = ctx.terminal;
    ctx.emit(&after, |out| match &before {
        None => writeln!(out, "created {} v{}", name_of(&after), after.version),
        Some(b) if b.version == after.version => {
            writeln!(out, "unchanged {} v{}", name_of(&after), after.version)
        }
        Some(b) => {
            writeln!(
                out,
                "updated {} v{} (replaces v{})",
                name_of(&after),
                after.version,
                b.version
            )?;
            super::diff::write(&definition(b), &definition(&after), colour, out).map(|_| ())
        }
    })
}

/// The spec a definition document reads as, when it reads cleanly here
/// (the server still checks it; this only names it and spots no-ops).
fn local_spec(text: &str) -> Option<WorkflowSpec> {
    let doc: serde_json::Value = serde_norway::from_str(text).ok()?;
    super::super::transfer::version_spec(&doc).ok()
}

/// A stored workflow's name.
fn name_of(w: &Workflow) -> &str {
    w.spec.as_ref().map(|s| s.name.as_str()).unwrap_or("")
}

/// A version's definition as YAML, the API's form of it (what `get`
/// prints and `apply` diffs).
fn definition(w: &Workflow) -> String {
    let spec: WorkflowSpec = w.spec.clone().unwrap_or_default();
    let json = serde_json::to_value(&spec).unwrap_or_default();
    serde_norway::to_string(&whole_numbers(json)).unwrap_or_default()
}

/// The JSON with whole floats as integers: proto's `Value` holds every
/// number as a double, and `n: 1` reads better than `n: 1.0`.
fn whole_numbers(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(whole_numbers).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, whole_numbers(v))).collect())
        }
        other => other,
    }
}

/// A table of workflow versions; `when` heads the column of the time the
/// version was stored (the latest's: when the workflow was last updated).
fn versions(
    out: &mut dyn Write,
    workflows: &[Workflow],
    when: &str,
    empty: &str,
) -> std::io::Result<()> {
    let header = ["NAME", "VERSION", "TASKS", when, "ARCHIVED", "DESCRIPTION"];
    let rows: Vec<Vec<String>> = workflows.iter().map(row).collect();
    table::write(out, &header, &rows, empty)
}

/// A table row of a workflow version.
fn row(w: &Workflow) -> Vec<String> {
    let spec = w.spec.clone().unwrap_or_default();
    vec![
        spec.name,
        w.version.to_string(),
        spec.tasks.len().to_string(),
        time(&w.created_at),
        if w.archived { "yes" } else { "no" }.to_owned(),
        spec.description.lines().next().unwrap_or("").to_owned(),
    ]
}
