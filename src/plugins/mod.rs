//! Task types. A plugin checks its config when a workflow is defined and
//! runs one attempt of a task when asked; the engine does everything around
//! the call (templates, conditions, caching, retries, timeouts, recording).
//!
//! Cancellation and timeouts drop the future returned by `execute`, so a
//! plugin must release what it holds on drop (child processes are killed by
//! their guard, sockets close).

pub mod breaker;
mod echo;
mod grpc;
mod host_limit;
mod http;
mod kafka;
mod model;
mod process;
mod python;
mod sandbox;
pub mod secrets;
mod shell;
mod sleep;
mod slots;
mod sql;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use breaker::{BreakerOptions, Breakers, CircuitState};
pub use echo::EchoPlugin;
pub use grpc::{GrpcPlugin, MAX_CACHED_TARGETS};
pub use http::{HttpOptions, HttpPlugin, install_crypto_provider};
pub use kafka::KafkaPlugin;
pub use model::{ModelError, ModelOptions, ModelPlugin, ModelStats};
pub use process::{become_subreaper, kill_all_groups, wait_for_reaping};
pub use python::{PythonOptions, PythonPlugin};
pub use sandbox::{landlock_abi, set_non_dumpable};
pub use secrets::Secrets;
pub use shell::{ShellOptions, ShellPlugin};
pub use sleep::SleepPlugin;
pub use slots::Slots;
pub use sql::SqlPlugin;

use crate::config::Config;

/// What a plugin gets for one attempt.
#[derive(Debug, Clone)]
pub struct TaskContext {
    /// The execution this task belongs to.
    pub execution_id: Arc<str>,
    /// The execution's input parameters (for plugins that hand a context to
    /// user code, such as `python`; the rest read inputs through templates).
    pub input: Arc<Value>,
    /// The task's id.
    pub task_id: Arc<str>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The task's config with templates rendered.
    pub config: Value,
    /// The per-attempt timeout, if any (the engine enforces it; plugins may
    /// pass it on, e.g. as an HTTP request timeout).
    pub timeout: Option<std::time::Duration>,
    /// Where a plugin records what must be audited (a SQL write, say).
    pub audit: Audit,
    /// The server's cap on what a task hands back, in bytes
    /// (`MAX_OUTPUT_BYTES`): a task's own cap may lower it, never raise it.
    pub max_output_bytes: u64,
}

impl TaskContext {
    /// `execution/task/attempt`: the same for a re-run of an attempt that
    /// another replica started before it stopped, so a peer that
    /// remembers keys can do the work once. Sent as `Idempotency-Key`
    /// (http), `idempotency-key` metadata (grpc), `idempotency_key` in a
    /// python script's context and `ORCHESTRATOR_IDEMPOTENCY_KEY` (shell).
    pub fn idempotency_key(&self) -> String {
        format!("{}/{}/{}", self.execution_id, self.task_id, self.attempt)
    }
}

/// The cap a task works under: its own (`0`: none given), never above the
/// server's (output bytes, SQL rows).
pub fn output_cap(task: u64, server: u64) -> u64 {
    match task {
        0 => server,
        n => n.min(server),
    }
}

/// Records audit entries about this task: `(action, detail)`; the engine
/// adds the time, the execution and task as target, and the caller.
#[derive(Clone, Default)]
pub struct Audit(Option<Arc<RecordFn>>);

/// Records one `(action, detail)` audit entry.
type RecordFn = dyn Fn(&str, &str) + Send + Sync;

impl Audit {
    /// An audit trail that calls `record(action, detail)`.
    pub fn new(record: impl Fn(&str, &str) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(record)))
    }

    /// Records one entry (nothing when there is no trail, as in unit tests).
    pub fn record(&self, action: &str, detail: &str) {
        if let Some(f) = &self.0 {
            f(action, detail);
        }
    }
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Audit")
    }
}

/// A successful attempt's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskOutput {
    /// The output, visible to later tasks by the task's id.
    pub output: Value,
    /// Side facts, visible as `tasks.<id>.<key>` (http: status_code, headers).
    pub meta: Map<String, Value>,
}

impl TaskOutput {
    /// An output without side facts.
    pub fn new(output: Value) -> Self {
        Self {
            output,
            meta: Map::new(),
        }
    }
}

/// A failed attempt.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TaskError {
    /// What went wrong, for people.
    pub message: String,
    /// Whether trying again may succeed (timeouts, connection errors, 5xx).
    pub retryable: bool,
    /// Side facts of the failed attempt (e.g. the HTTP status).
    pub meta: Map<String, Value>,
}

impl TaskError {
    /// A failure that another attempt will not fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
            meta: Map::new(),
        }
    }

    /// A failure another attempt may not meet.
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: true,
            meta: Map::new(),
        }
    }
}

/// What bounds how many attempts of a plugin run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Local CPU or processes for the whole attempt (python, shell): a
    /// slot of the worker pool, sized to the machine.
    Cpu,
    /// Waiting on a service (http, grpc, sql, kafka, sleep) or nothing
    /// (echo): a slot of the much larger in-flight pool, besides the
    /// plugin's own per-host or per-connection limits, or its own bound
    /// on CPU work it does in part: the model plugin waits for its batch
    /// to fill, then runs at most `WORKERS` inferences at once.
    Wait,
}

/// A config problem: the field (dotted path inside the config) and message.
pub type ConfigProblem = (String, String);

/// A task type.
#[async_trait::async_trait]
pub trait TaskPlugin: Send + Sync + 'static {
    /// The `type:` name that selects it.
    fn kind(&self) -> &'static str;

    /// What an attempt mostly does: burn this machine's CPU (a slot of
    /// `WORKERS`), or wait on something elsewhere (a slot of
    /// `MAX_INFLIGHT_TASKS`).
    fn load(&self) -> Load;

    /// Checks a task's config at definition time. Strings may still hold
    /// `{{ templates }}`; check those fields only where they are literal.
    fn validate(&self, config: &Value) -> Vec<ConfigProblem>;

    /// Runs one attempt.
    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError>;
}

/// The plugins known to this process, by type name.
#[derive(Clone, Default)]
pub struct Registry {
    plugins: BTreeMap<&'static str, Arc<dyn TaskPlugin>>,
    breakers: Arc<Breakers>,
    models: Arc<ModelStats>,
    secrets: Secrets,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.plugins.keys()).finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in plugins, configured from `config`.
    pub fn builtin(config: &Config) -> Self {
        let mut r = Self::new();
        r.secrets = Secrets::new(config.secrets_file.clone());
        r.breakers = Arc::new(Breakers::new(BreakerOptions {
            failures: config.http_breaker_failures,
            cooldown: config.http_breaker_cooldown,
        }));
        r.register(Arc::new(EchoPlugin));
        r.register(Arc::new(SleepPlugin));
        r.register(Arc::new(ShellPlugin::new(ShellOptions::from(config))));
        r.register(Arc::new(HttpPlugin::new(
            r.breakers.clone(),
            r.secrets.clone(),
            HttpOptions::from(config),
        )));
        r.register(Arc::new(PythonPlugin::new(PythonOptions::from(config))));
        r.register(Arc::new(GrpcPlugin::new()));
        r.register(Arc::new(KafkaPlugin::new(config.kafka_brokers.clone())));
        let model = ModelPlugin::new(ModelOptions::from(config));
        r.models = model.stats();
        r.register(Arc::new(model));
        r.register(Arc::new(SqlPlugin::new(
            r.secrets.clone(),
            config.sql_max_rows,
        )));
        r
    }

    /// Where the plugins' secrets come from (the engine redacts them).
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// The `http` plugin's circuit breakers (for metrics).
    pub fn http_breakers(&self) -> Arc<Breakers> {
        self.breakers.clone()
    }

    /// The `model` plugin's calls and inferences per model (for metrics).
    pub fn model_stats(&self) -> Arc<ModelStats> {
        self.models.clone()
    }

    /// Adds or replaces a plugin.
    pub fn register(&mut self, plugin: Arc<dyn TaskPlugin>) {
        self.plugins.insert(plugin.kind(), plugin);
    }

    /// The plugin for a type name.
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn TaskPlugin>> {
        self.plugins.get(kind)
    }

    /// The known type names, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.plugins.keys().copied().collect()
    }
}

/// Decodes a rendered config into a plugin's typed config; the error names
/// the field when serde does.
pub fn decode<T: DeserializeOwned>(config: &Value) -> Result<T, TaskError> {
    T::deserialize(config).map_err(|e| TaskError::permanent(format!("config: {e}")))
}

/// Turns numbers and booleans in string positions into strings: a template
/// like `"{{ input.port }}"` renders typed, but an argv element, header or
/// query value is text.
pub fn stringify_scalars(value: &mut Value) {
    match value {
        Value::Number(n) => *value = Value::String(n.to_string()),
        Value::Bool(b) => *value = Value::String(b.to_string()),
        Value::Array(items) => items.iter_mut().for_each(stringify_scalars),
        Value::Object(map) => map.values_mut().for_each(stringify_scalars),
        _ => {}
    }
}

/// True when a config string holds a template, so its value is known only at run time.
pub fn is_templated(s: &str) -> bool {
    s.contains("{{")
}
