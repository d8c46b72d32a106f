//! The JSON summary of an execution that `orchestrator run --output json`
//! prints and `POST /v1/run` returns: the brief's shape, states in lower
//! case.

use serde_json::{Map, Value, json};

use crate::proto::{self, Execution, ExecutionState, TaskState};

/// `{status, workflow_id, workflow, version, duration_ms, error, task_results}`.
pub fn summary(e: &Execution) -> Value {
    let mut tasks = Map::new();
    for (id, r) in &e.task_results {
        let status = TaskState::try_from(r.status).unwrap_or_default();
        tasks.insert(
            id.clone(),
            json!({
                "status": status.label(),
                "output": r.output.as_ref().map_or(Value::Null, proto::pb_to_json),
                "error": r.error,
                "attempts": r.attempts,
                "cached": r.cached,
                "duration_ms": r.duration_ms,
            }),
        );
    }
    json!({
        "status": ExecutionState::try_from(e.status).unwrap_or_default().label(),
        "workflow_id": e.id,
        "workflow": e.workflow,
        "version": e.version,
        "duration_ms": e.duration_ms,
        "error": e.error,
        "task_results": tasks,
    })
}
