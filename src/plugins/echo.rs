//! `echo`: the task's output is its rendered `body`. Shapes data between
//! tasks, and gives tests and benchmarks a task with no I/O.

use serde_json::Value;

use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin};
use crate::proto::EchoConfig;

/// The `echo` plugin.
#[derive(Debug, Default)]
pub struct EchoPlugin;

#[async_trait::async_trait]
impl TaskPlugin for EchoPlugin {
    fn kind(&self) -> &'static str {
        "echo"
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        match super::decode::<EchoConfig>(config) {
            Ok(_) => Vec::new(),
            Err(e) => vec![(String::new(), e.message)],
        }
    }

    async fn execute(&self, mut ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        // The rendered config is ours; take the body without copying it.
        let body = ctx
            .config
            .as_object_mut()
            .and_then(|m| m.remove("body"))
            .unwrap_or(Value::Null);
        Ok(TaskOutput::new(body))
    }
}
