//! What the benchmarks share: compiling a workflow for an engine, running
//! it to its end, and the test peers of tests/common (a Kafka broker, the
//! ONNX Runtime library).
#![allow(dead_code)]

#[path = "../../tests/common/broker.rs"]
pub mod broker;
#[path = "../../tests/common/ort.rs"]
pub mod ort;

use std::sync::Arc;

use orchestrator::engine::{Engine, RunRequest};
use orchestrator::proto::ExecutionState;
use orchestrator::spec::{self, Limits, Plan};
use serde_json::Value;

/// A workflow definition (JSON) compiled for `engine`.
pub fn plan(engine: &Engine, spec: Value) -> Arc<Plan> {
    let (spec, problems) = spec::from_value(spec, &Limits::default()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    Arc::new(spec::compile(&spec, 1, engine.registry()).unwrap())
}

/// Runs `plan` to its end; it must complete.
pub async fn run(engine: &Engine, plan: &Arc<Plan>) {
    let e = engine
        .start(plan.clone(), RunRequest::default())
        .wait()
        .await
        .unwrap();
    assert_eq!(
        e.status,
        ExecutionState::Completed as i32,
        "{:?}",
        e.task_results.values().find(|r| !r.error.is_empty())
    );
}
