//! `echo`: the task's output is its rendered `body`. Shapes data between
//! tasks, and gives tests and benchmarks a task with no I/O.

use serde_json::Value;

use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin};

/// The `echo` plugin.
#[derive(Debug, Default)]
pub struct EchoPlugin;

#[async_trait::async_trait]
impl TaskPlugin for EchoPlugin {
    fn kind(&self) -> &'static str {
        "echo"
    }

    fn load(&self) -> super::Load {
        super::Load::Wait
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        // `body` may be any JSON value: only unknown fields can be wrong.
        let unknown = config
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|k| *k != "body");
        unknown
            .map(|k| {
                (
                    k.clone(),
                    "unknown field; echo takes only `body`".to_owned(),
                )
            })
            .collect()
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
