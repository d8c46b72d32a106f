//! The JSON summary of an execution that `orchestrator run --output json`
//! prints and `POST /v1/run` returns: the brief's shape, states in lower
//! case. The structs are what is serialized, so the REST contract's schema
//! of them (utoipa) is the shape written.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use crate::proto::{self, Execution, ExecutionState, TaskState};

/// `{status, workflow_id, workflow, version, duration_ms, error, task_results}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    /// The execution's state.
    #[schema(schema_with = execution_states)]
    pub status: &'static str,
    /// The execution's id (the brief's name for it).
    pub workflow_id: String,
    /// The workflow's name.
    pub workflow: String,
    /// The workflow version that ran.
    pub version: u32,
    /// Wall time so far, in milliseconds.
    pub duration_ms: u64,
    /// Why it failed; empty otherwise.
    pub error: String,
    /// Each task's result, by task id.
    pub task_results: BTreeMap<String, TaskSummary>,
}

/// One task's result in a summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskSummary {
    /// The task's state.
    #[schema(schema_with = task_states)]
    pub status: &'static str,
    /// What the task returned (any JSON), null when it returned nothing.
    pub output: Value,
    /// Why it failed; empty otherwise.
    pub error: String,
    /// Attempts made.
    pub attempts: u32,
    /// Whether the output came from the result cache.
    pub cached: bool,
    /// Wall time of its attempts, in milliseconds.
    pub duration_ms: u64,
}

/// The summary of `e`.
pub fn summary(e: &Execution) -> Summary {
    let task_results = e
        .task_results
        .iter()
        .map(|(id, r)| {
            let task = TaskSummary {
                status: TaskState::try_from(r.status).unwrap_or_default().label(),
                output: r.output.as_ref().map_or(Value::Null, proto::pb_to_json),
                error: r.error.clone(),
                attempts: r.attempts,
                cached: r.cached,
                duration_ms: r.duration_ms,
            };
            (id.clone(), task)
        })
        .collect();
    Summary {
        status: ExecutionState::try_from(e.status)
            .unwrap_or_default()
            .label(),
        workflow_id: e.id.clone(),
        workflow: e.workflow.clone(),
        version: e.version,
        duration_ms: e.duration_ms,
        error: e.error.clone(),
        task_results,
    }
}

/// The schema of an execution state's label.
pub fn execution_states() -> Object {
    labels(ExecutionState::labels())
}

/// The schema of a task state's label.
pub fn task_states() -> Object {
    labels(TaskState::labels())
}

/// A string that is one of `names`.
pub fn labels(names: Vec<&'static str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .build()
}
