//! One task's attempts: the result-cache lookup, then plugin calls under
//! the worker pool, the per-attempt timeout and the retry policy, each
//! attempt recorded. Dropping the future stops the attempt in flight (the
//! plugin's child processes are killed by their guards).

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::FutureExt;
use tracing::Instrument;

use serde_json::{Map, Value};

use super::executor::Shared;
use super::recorder::Recorder;
use super::retry;
use crate::plugins::{Audit, TaskContext, TaskError, TaskOutput, TaskPlugin};
use crate::proto::{
    self, AuditRecord, TaskAttemptFailed, TaskStarted, TaskState, execution_event::Kind,
};
use crate::spec::Retry;
use crate::store::Write;

/// How an attempt sequence ended.
pub(crate) struct Outcome {
    pub state: TaskState,
    pub output: Option<Value>,
    pub meta: Map<String, Value>,
    pub error: String,
    pub attempts: u32,
    pub cached: bool,
}

/// One task's attempts: cache lookup, then plugin calls under the worker
/// pool, timeout and retry policy.
pub(crate) struct Attempt {
    pub index: u32,
    pub plugin: Arc<dyn TaskPlugin>,
    pub task_id: Arc<str>,
    pub execution_id: Arc<str>,
    pub input: Arc<Value>,
    pub config: Value,
    pub cache_key: Option<[u8; 32]>,
    pub cache_ttl: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retry: Retry,
    pub first_attempt: u32,
    pub shared: Arc<Shared>,
    pub rec: Recorder,
    /// Per task of the execution, the attempt last started (read when the
    /// execution is aborted while this attempt runs).
    pub started: Arc<[AtomicU32]>,
}

impl Attempt {
    /// Runs the attempts; yields the task index with the outcome.
    pub async fn run(mut self) -> super::executor::Done {
        let index = self.index;
        (index, self.attempts().await, None)
    }

    async fn attempts(&mut self) -> Outcome {
        if let Some(key) = &self.cache_key
            && let Some(hit) = self.shared.cache.get(key).await
        {
            return Outcome {
                state: TaskState::Succeeded,
                output: Some(hit.output),
                meta: hit.meta,
                error: String::new(),
                attempts: self.first_attempt - 1,
                cached: true,
            };
        }
        // After a restart the interrupted attempt is run again even if it
        // was the last one allowed.
        let last = self.retry.max_attempts.max(self.first_attempt);
        let mut attempt = self.first_attempt;
        loop {
            // No side effect starts while this replica's lease is lapsed
            // (another may be taking its executions over), nor once
            // another has.
            if let Some(o) = &self.shared.ownership {
                o.may_start(&self.execution_id).await;
            }
            // A task waiting on a service holds no CPU slot.
            let permit = self.shared.pools.of(self.plugin.load()).acquire().await;
            self.started[self.index as usize].store(attempt, Ordering::Relaxed);
            self.rec.emit(Kind::TaskStarted(TaskStarted {
                task_id: self.task_id.to_string(),
                attempt,
            }));
            let config = if attempt == last {
                std::mem::take(&mut self.config)
            } else {
                self.config.clone()
            };
            let ctx = TaskContext {
                execution_id: self.execution_id.clone(),
                input: self.input.clone(),
                task_id: self.task_id.clone(),
                attempt,
                config,
                timeout: self.timeout,
                audit: self.audit(),
                max_output_bytes: self.shared.max_output_bytes as u64,
            };
            // A panicking plugin fails its task; it must not take the whole
            // execution down (and with it, on every restart, the resume).
            // A span per attempt, the execution's child: what `http` and
            // `grpc` tasks send on as `traceparent`.
            let span = tracing::info_span!(
                "task",
                execution_id = %self.execution_id,
                task_id = %self.task_id,
                plugin = self.plugin.kind(),
                attempt,
                otel.status_code = tracing::field::Empty,
            );
            let call = AssertUnwindSafe(self.plugin.execute(ctx).instrument(span.clone()))
                .catch_unwind()
                .map(|r| r.unwrap_or_else(|panic| Err(panicked(self.plugin.kind(), &*panic))));
            let (result, timed_out) = match self.timeout {
                None => (call.await, false),
                Some(t) => match tokio::time::timeout(t, call).await {
                    Ok(r) => (r, false),
                    Err(_) => (
                        Err(TaskError::retryable(format!(
                            "timed out after {}",
                            humantime::format_duration(t)
                        ))),
                        true,
                    ),
                },
            };
            drop(permit);
            let result = self.redacted(result);
            let err = match result.and_then(|out| self.check_size(out)) {
                Ok(out) => {
                    if let Some(key) = self.cache_key {
                        self.shared
                            .cache
                            .put(key, &out.output, &out.meta, self.cache_ttl);
                    }
                    return Outcome {
                        state: TaskState::Succeeded,
                        output: Some(out.output),
                        meta: out.meta,
                        error: String::new(),
                        attempts: attempt,
                        cached: false,
                    };
                }
                Err(e) => {
                    span.record("otel.status_code", "error");
                    span.in_scope(|| {
                        tracing::info!(error = %e.message, retryable = e.retryable, "task attempt failed")
                    });
                    e
                }
            };
            if err.retryable && attempt < last {
                let delay = retry::backoff(&self.retry, attempt, &mut rand::rng());
                self.rec.emit(Kind::TaskAttemptFailed(TaskAttemptFailed {
                    task_id: self.task_id.to_string(),
                    attempt,
                    error: err.message,
                    backoff_ms: delay.as_millis() as u64,
                }));
                tokio::time::sleep(delay).await;
                attempt += 1;
                continue;
            }
            return Outcome {
                state: if timed_out {
                    TaskState::TimedOut
                } else {
                    TaskState::Failed
                },
                output: None,
                meta: err.meta,
                error: err.message,
                attempts: attempt,
                cached: false,
            };
        }
    }

    /// The audit trail of this task: entries name the execution and task,
    /// with secrets hidden.
    fn audit(&self) -> Audit {
        let shared = self.shared.clone();
        let target = format!("{}/{}", self.execution_id, self.task_id);
        Audit::new(move |action, detail| {
            let mut reason = detail.to_owned();
            shared.redactor.text(&mut reason);
            shared.store.append(Write::Audit(AuditRecord {
                time: Some(proto::now()),
                actor: "workflow".to_owned(),
                action: action.to_owned(),
                target: target.clone(),
                reason,
            }));
        })
    }

    /// An attempt's result with secrets hidden: before it is recorded,
    /// cached, or read by a later task.
    fn redacted(&self, result: Result<TaskOutput, TaskError>) -> Result<TaskOutput, TaskError> {
        let r = &self.shared.redactor;
        match result {
            Ok(mut out) => {
                r.value(&mut out.output);
                r.map(&mut out.meta);
                Ok(out)
            }
            Err(mut e) => {
                r.text(&mut e.message);
                r.map(&mut e.meta);
                Err(e)
            }
        }
    }

    fn check_size(&self, out: TaskOutput) -> Result<TaskOutput, TaskError> {
        let size = json_size(&out.output);
        let max = self.shared.max_output_bytes;
        if size > max {
            return Err(TaskError::permanent(format!(
                "output is about {size} bytes; the limit is {max} (MAX_OUTPUT_BYTES)"
            )));
        }
        Ok(out)
    }
}

fn panicked(kind: &str, panic: &(dyn Any + Send)) -> TaskError {
    let what = crate::panics::message(panic);
    TaskError::permanent(format!("plugin '{kind}' panicked: {what}"))
}

/// Approximate size of a value as JSON text, without serialising it.
fn json_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 12,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|i| json_size(i) + 1).sum::<usize>(),
        Value::Object(m) => {
            2 + m
                .iter()
                .map(|(k, v)| k.len() + 4 + json_size(v))
                .sum::<usize>()
        }
    }
}
