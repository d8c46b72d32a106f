//! Checking a schedule definition: every field that can be wrong is named
//! in the error, and a definition that passes is compiled once (cron
//! expression, zone, timeout) for the scheduler to use at every tick.

use std::time::Duration;

use chrono_tz::Tz;

use super::cron::{CronExpr, zone};
use crate::proto::{CatchUp, ConcurrencyPolicy, ScheduleSpec};

/// The input field a scheduled run finds its tick time in.
pub const SCHEDULED_AT: &str = "scheduled_at";

/// At most this many ticks wait under the `queue` policy, and at most this
/// many missed ticks are run under `catch_up: all`.
pub const MAX_BACKLOG: usize = 100;

/// What a schedule's runs are started by: this and the schedule's id.
pub const STARTED_BY: &str = "schedule:";

/// What is wrong with a definition: one field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecProblem {
    /// The field at fault.
    pub field: &'static str,
    /// Why.
    pub message: String,
}

/// A checked definition, ready for ticking.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The fire times.
    pub cron: CronExpr,
    /// The zone they are read in.
    pub tz: Tz,
    /// Bound on each run.
    pub timeout: Option<Duration>,
    /// Runs in flight at once (0: no bound).
    pub max_concurrent: u32,
    /// What a tick does at the concurrency bound.
    pub policy: ConcurrencyPolicy,
    /// What happens to ticks missed while down.
    pub catch_up: CatchUp,
    /// The workflow each tick runs.
    pub workflow: String,
    /// The input every run gets: the parameters, `schedule` (its id) and
    /// `scheduled_at` (each tick sets it), as protobuf made once, not per
    /// tick.
    pub input: pbjson_types::Struct,
    /// What its runs are started by (`schedule:<id>`).
    pub started_by: String,
}

/// Whether `workflow` exists: the store's error, or else the problem with
/// the `workflow_name` field.
pub async fn workflow_exists(
    engine: &crate::engine::Engine,
    workflow: &str,
) -> Result<Result<(), SpecProblem>, crate::store::StoreError> {
    match engine.store().get_workflow(workflow, None).await {
        Ok(_) => Ok(Ok(())),
        Err(crate::store::StoreError::WorkflowNotFound(name)) => Ok(Err(SpecProblem {
            field: "workflow_name",
            message: format!("workflow '{name}' not found"),
        })),
        Err(e) => Err(e),
    }
}

/// A concurrency policy as stored (unset means skip).
pub fn policy(value: i32) -> Result<ConcurrencyPolicy, SpecProblem> {
    match ConcurrencyPolicy::try_from(value) {
        Ok(ConcurrencyPolicy::Unspecified) => Ok(ConcurrencyPolicy::Skip),
        Ok(p) => Ok(p),
        Err(_) => Err(SpecProblem {
            field: "concurrency_policy",
            message: format!("unknown policy {value}"),
        }),
    }
}

/// Refuses ids that would not survive a URL path.
pub fn check_id(id: &str) -> Result<(), SpecProblem> {
    match id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Some(bad) => Err(SpecProblem {
            field: "id",
            message: format!("{bad:?} is not allowed; use letters, digits, '-', '_' and '.'"),
        }),
        None => Ok(()),
    }
}

/// Checks a definition; the first problem found, by field.
pub fn compile(spec: &ScheduleSpec) -> Result<Compiled, SpecProblem> {
    let problem = |field, message: String| SpecProblem { field, message };
    if spec.workflow_name.trim().is_empty() {
        return Err(problem("workflow_name", "required".into()));
    }
    check_id(&spec.id)?;
    let cron = CronExpr::parse(&spec.cron_expr).map_err(|e| problem("cron_expr", e.to_string()))?;
    let tz = zone(&spec.timezone).map_err(|e| problem("timezone", e.to_string()))?;
    let timeout = match spec.timeout.trim() {
        "" => None,
        t => match crate::spec::parse_duration(t) {
            Ok(d) if !d.is_zero() => Some(d),
            Ok(_) => return Err(problem("timeout", "must be more than 0".into())),
            Err(e) => return Err(problem("timeout", e)),
        },
    };
    let policy = policy(spec.concurrency_policy)?;
    let catch_up = match CatchUp::try_from(spec.catch_up) {
        Ok(CatchUp::Unspecified) => CatchUp::None,
        Ok(c) => c,
        Err(_) => {
            return Err(problem(
                "catch_up",
                format!("unknown rule {}", spec.catch_up),
            ));
        }
    };
    let mut input = spec.parameters.clone().unwrap_or_default();
    input
        .fields
        .insert("schedule".into(), spec.id.clone().into());
    // Held in place so that each tick sets it without growing the map.
    input.fields.insert(SCHEDULED_AT.into(), ().into());
    Ok(Compiled {
        cron,
        tz,
        timeout,
        max_concurrent: spec.max_concurrent,
        policy,
        catch_up,
        workflow: spec.workflow_name.clone(),
        input,
        started_by: format!("{STARTED_BY}{}", spec.id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ScheduleSpec {
        ScheduleSpec {
            workflow_name: "threat_scan".into(),
            cron_expr: "0 */5 * * * *".into(),
            enabled: Some(true),
            max_concurrent: 3,
            timeout: "5m".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_briefs_schedule_compiles_with_safe_defaults() {
        let c = compile(&spec()).unwrap();
        assert_eq!(c.timeout, Some(Duration::from_secs(300)));
        assert_eq!(c.policy, ConcurrencyPolicy::Skip);
        assert_eq!(c.catch_up, CatchUp::None);
        assert_eq!(c.tz, Tz::UTC);
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |f: fn(&mut ScheduleSpec)| {
            let mut s = spec();
            f(&mut s);
            compile(&s).unwrap_err().field
        };
        assert_eq!(field(|s| s.workflow_name.clear()), "workflow_name");
        assert_eq!(field(|s| s.id = "a b".into()), "id");
        assert_eq!(field(|s| s.cron_expr = "every minute".into()), "cron_expr");
        assert_eq!(field(|s| s.timezone = "Mars/Base".into()), "timezone");
        assert_eq!(field(|s| s.timeout = "soon".into()), "timeout");
        assert_eq!(field(|s| s.timeout = "0s".into()), "timeout");
        assert_eq!(field(|s| s.concurrency_policy = 9), "concurrency_policy");
        assert_eq!(field(|s| s.catch_up = 9), "catch_up");
    }
}
