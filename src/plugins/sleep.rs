//! `sleep`: waits for `duration`, then outputs null. For tests, and for
//! playbooks that must give a remote system time to settle.

use serde_json::Value;

use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin, is_templated};
use crate::proto::SleepConfig;
use crate::spec::parse_duration;

/// The `sleep` plugin.
#[derive(Debug, Default)]
pub struct SleepPlugin;

#[async_trait::async_trait]
impl TaskPlugin for SleepPlugin {
    fn kind(&self) -> &'static str {
        "sleep"
    }

    fn load(&self) -> super::Load {
        super::Load::Wait
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cfg = match super::decode::<SleepConfig>(config) {
            Ok(c) => c,
            Err(e) => return vec![(String::new(), e.message)],
        };
        if cfg.duration.is_empty() {
            return vec![("duration".into(), "required".into())];
        }
        match is_templated(&cfg.duration) {
            true => Vec::new(),
            false => parse_duration(&cfg.duration)
                .err()
                .map(|m| ("duration".to_owned(), m))
                .into_iter()
                .collect(),
        }
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        let cfg: SleepConfig = super::decode(&ctx.config)?;
        let d = parse_duration(&cfg.duration).map_err(TaskError::permanent)?;
        tokio::time::sleep(d).await;
        Ok(TaskOutput::new(Value::Null))
    }
}
