//! `orchestrator schedule`: cron schedules on a server (`create`, `list`,
//! `get`, `pause`, `resume`, `delete`), and `next`, which checks a cron
//! expression here, with no server.

use std::io::Write;

use clap::{Args, Subcommand};

use super::{Ctx, RemoteError, table, time};
use crate::proto::{
    CatchUp, ConcurrencyPolicy, CreateScheduleRequest, ListSchedulesRequest, Schedule, ScheduleId,
    ScheduleSpec,
};

/// `orchestrator schedule ...`
#[derive(Subcommand, Debug)]
pub enum ScheduleCommand {
    /// Print the next fire times of a cron expression, one RFC 3339 time a
    /// line (local; no server).
    Next(NextArgs),
    /// Run a workflow on a cron schedule.
    Create(CreateArgs),
    /// The schedules.
    List,
    /// A schedule, its recent ticks and next fire times.
    Get {
        /// Schedule id.
        id: String,
    },
    /// Stop a schedule firing (it is kept).
    Pause {
        /// Schedule id.
        id: String,
    },
    /// Let a paused schedule fire again.
    Resume {
        /// Schedule id.
        id: String,
    },
    /// Remove a schedule.
    Delete {
        /// Schedule id.
        id: String,
    },
}

/// `schedule next`'s arguments.
#[derive(Args, Debug)]
pub struct NextArgs {
    /// 6 fields (second first) or 5, or a macro such as @hourly.
    expr: String,
    /// Start after this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    from: Option<String>,
    /// How many fire times.
    #[arg(long, default_value_t = 5)]
    count: usize,
    /// IANA time zone the expression is read in (and times printed in); default UTC.
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
}

/// `schedule create`'s arguments.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Workflow to run.
    workflow: String,
    /// When: 6 fields (second first) or 5, or a macro such as @hourly.
    #[arg(long)]
    cron: String,
    /// The schedule's id (default: one the server makes up).
    #[arg(long)]
    id: Option<String>,
    /// IANA time zone the expression is read in; default UTC.
    #[arg(long, value_name = "ZONE")]
    timezone: Option<String>,
    /// A parameter of every run, KEY=VALUE.
    #[arg(long = "input", value_name = "KEY=VALUE")]
    inputs: Vec<String>,
    /// Parameters as one JSON object.
    #[arg(long, value_name = "JSON")]
    input_json: Option<String>,
    /// Runs of this schedule at once (0: no bound).
    #[arg(long, default_value_t = 0)]
    max_concurrent: u32,
    /// What a tick does when max-concurrent runs are going.
    #[arg(long, value_enum)]
    policy: Option<Policy>,
    /// Ticks missed while the server was down: none, the latest, or all.
    #[arg(long, value_enum)]
    catch_up: Option<Missed>,
    /// Each run's timeout (e.g. 10m).
    #[arg(long)]
    timeout: Option<String>,
    /// Create it paused.
    #[arg(long)]
    paused: bool,
}

/// `--policy`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Policy {
    /// Skip the tick.
    Skip,
    /// Start it when a run ends.
    Queue,
    /// Cancel the oldest run and start.
    Replace,
}

/// `--catch-up`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Missed {
    /// Fire none of them.
    None,
    /// Fire the latest once.
    Latest,
    /// Fire every one.
    All,
}

impl From<Policy> for ConcurrencyPolicy {
    fn from(p: Policy) -> Self {
        match p {
            Policy::Skip => Self::Skip,
            Policy::Queue => Self::Queue,
            Policy::Replace => Self::Replace,
        }
    }
}

impl From<Missed> for CatchUp {
    fn from(m: Missed) -> Self {
        match m {
            Missed::None => Self::None,
            Missed::Latest => Self::Latest,
            Missed::All => Self::All,
        }
    }
}

/// `schedule next`; the exit code.
pub fn next(a: &NextArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    super::super::schedule_next(
        &a.expr,
        a.from.as_deref(),
        a.count,
        a.tz.as_deref(),
        out,
        err,
    )
}

/// Runs one `schedule` command against the server; the exit code.
pub async fn run(command: ScheduleCommand, ctx: &mut Ctx<'_>) -> Result<i32, RemoteError> {
    let mut s = ctx.client.schedules();
    let one = match command {
        // Handled before connecting.
        ScheduleCommand::Next(_) => return Ok(super::super::EXIT_OK),
        ScheduleCommand::Create(a) => {
            let parameters = super::inputs(&a.inputs, a.input_json.as_deref())?;
            let spec = ScheduleSpec {
                id: a.id.unwrap_or_default(),
                workflow_name: a.workflow,
                cron_expr: a.cron,
                enabled: Some(!a.paused),
                max_concurrent: a.max_concurrent,
                timeout: a.timeout.unwrap_or_default(),
                timezone: a.timezone.unwrap_or_default(),
                parameters: Some(parameters),
                concurrency_policy: a
                    .policy
                    .map(|p| ConcurrencyPolicy::from(p) as i32)
                    .unwrap_or(0),
                catch_up: a.catch_up.map(|m| CatchUp::from(m) as i32).unwrap_or(0),
            };
            let created = s
                .create_schedule(CreateScheduleRequest { spec: Some(spec) })
                .await?
                .into_inner();
            ("created", created)
        }
        ScheduleCommand::List => {
            let r = s
                .list_schedules(ListSchedulesRequest {})
                .await?
                .into_inner();
            ctx.emit(&r, |out| {
                let rows: Vec<Vec<String>> = r.schedules.iter().map(row).collect();
                table::write(
                    out,
                    &["ID", "WORKFLOW", "CRON", "ENABLED", "LAST TICK", "NEXT"],
                    &rows,
                    "no schedules",
                )
            })?;
            return Ok(super::super::EXIT_OK);
        }
        ScheduleCommand::Get { id } => {
            let got = s.get_schedule(ScheduleId { id }).await?.into_inner();
            ctx.emit(&got, |out| describe(&got, out))?;
            return Ok(super::super::EXIT_OK);
        }
        ScheduleCommand::Pause { id } => (
            "paused",
            s.pause_schedule(ScheduleId { id }).await?.into_inner(),
        ),
        ScheduleCommand::Resume { id } => (
            "resumed",
            s.resume_schedule(ScheduleId { id }).await?.into_inner(),
        ),
        ScheduleCommand::Delete { id } => {
            let r = s.delete_schedule(ScheduleId { id }).await?.into_inner();
            ctx.emit(&r, |out| writeln!(out, "deleted {}", r.id))?;
            return Ok(super::super::EXIT_OK);
        }
    };
    let (verb, schedule) = one;
    ctx.emit(&schedule, |out| {
        let spec = schedule.spec.clone().unwrap_or_default();
        writeln!(
            out,
            "{verb} {} ({} {})",
            spec.id, spec.workflow_name, spec.cron_expr
        )
    })?;
    Ok(super::super::EXIT_OK)
}

/// A schedule's table row.
fn row(s: &Schedule) -> Vec<String> {
    let spec = s.spec.clone().unwrap_or_default();
    vec![
        spec.id,
        spec.workflow_name,
        spec.cron_expr,
        if spec.enabled.unwrap_or(true) {
            "yes"
        } else {
            "paused"
        }
        .to_owned(),
        time(&s.last_tick),
        time(&s.next_fires.first().copied()),
    ]
}

/// The text form of `schedule get`.
fn describe(s: &Schedule, out: &mut dyn Write) -> std::io::Result<()> {
    let spec = s.spec.clone().unwrap_or_default();
    writeln!(out, "id:        {}", spec.id)?;
    writeln!(out, "workflow:  {}", spec.workflow_name)?;
    let zone = if spec.timezone.is_empty() {
        "UTC"
    } else {
        &spec.timezone
    };
    writeln!(out, "cron:      {} ({zone})", spec.cron_expr)?;
    let enabled = spec.enabled.unwrap_or(true);
    writeln!(
        out,
        "enabled:   {}",
        if enabled { "yes" } else { "no (paused)" }
    )?;
    writeln!(out, "skipped:   {} ticks", s.skipped)?;
    let next: Vec<String> = s.next_fires.iter().map(|t| time(&Some(*t))).collect();
    writeln!(out, "next:      {}", next.join(", "))?;
    writeln!(out)?;
    let rows: Vec<Vec<String>> = s
        .recent
        .iter()
        .map(|t| {
            vec![
                time(&t.scheduled_at),
                t.outcome.clone(),
                t.execution_id.clone(),
                t.detail.clone(),
            ]
        })
        .collect();
    table::write(
        out,
        &["TICK", "OUTCOME", "EXECUTION", "DETAIL"],
        &rows,
        "no ticks yet",
    )
}
