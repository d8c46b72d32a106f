//! From text to a `WorkflowSpec`: parses YAML or JSON, normalises the
//! brief's flat task form into the typed form, and checks every field's
//! type, collecting all problems instead of stopping at the first.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Problem, SpecError, key_name};
use crate::proto::{
    self, EchoConfig, GrpcConfig, HttpConfig, KafkaConfig, ModelConfig, PythonConfig, RetryPolicy,
    RunIf, ShellConfig, SleepConfig, SqlConfig, TaskSpec, WorkflowSpec, task_spec::Config,
};

/// The text's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML (a superset of JSON, so JSON text loads too).
    Yaml,
    /// JSON.
    Json,
}

impl Format {
    /// The format a file name suggests: `.json` is JSON, anything else YAML.
    pub fn from_path(path: &std::path::Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// Bounds on what a definition may hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted text, in bytes.
    pub max_bytes: usize,
    /// Most tasks.
    pub max_tasks: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let c = crate::config::Config::default();
        Self::from(&c)
    }
}

impl From<&crate::config::Config> for Limits {
    fn from(c: &crate::config::Config) -> Self {
        Self {
            max_bytes: c.max_spec_bytes,
            max_tasks: c.max_tasks,
        }
    }
}

/// Workflow-level fields; anything else at the top level is refused.
pub const WORKFLOW_FIELDS: &[&str] = &[
    "name",
    "description",
    "tasks",
    "timeout",
    "max_parallel",
    "labels",
];

/// Task fields that belong to the engine; everything else configures the plugin.
pub const TASK_FIELDS: &[&str] = &[
    "id",
    "type",
    "description",
    "depends_on",
    "condition",
    "timeout",
    "retry",
    "cacheable",
    "cache_ttl",
    "allow_failure",
    "run_if",
];

/// The fields of a task's `retry` mapping.
pub const RETRY_FIELDS: &[&str] = &[
    "max_attempts",
    "initial_backoff",
    "max_backoff",
    "multiplier",
];

/// Parses a definition. A fatal problem (unreadable text, too large, not an
/// object) is an error; field problems come back beside the spec built from
/// the fields that were fine, so compiling can add its own.
pub fn parse(
    text: &str,
    format: Format,
    limits: &Limits,
) -> Result<(WorkflowSpec, Vec<Problem>), SpecError> {
    if text.len() > limits.max_bytes {
        return Err(vec![Problem::workflow(
            "",
            format!(
                "definition is {} bytes; the limit is {} bytes (MAX_SPEC_BYTES)",
                text.len(),
                limits.max_bytes
            ),
        )]
        .into());
    }
    let value: Value = match format {
        Format::Json => {
            serde_json::from_str(text).map_err(|e| fatal(format!("invalid JSON: {e}")))?
        }
        Format::Yaml => {
            serde_norway::from_str(text).map_err(|e| fatal(format!("invalid YAML: {e}")))?
        }
    };
    from_value(value, limits)
}

fn fatal(message: String) -> SpecError {
    vec![Problem::workflow("", message)].into()
}

/// Builds a spec from an already parsed JSON value.
pub fn from_value(
    value: Value,
    limits: &Limits,
) -> Result<(WorkflowSpec, Vec<Problem>), SpecError> {
    let Value::Object(obj) = value else {
        return Err(fatal(format!(
            "a workflow must be a mapping with name and tasks, not {}",
            kind_of(&value)
        )));
    };
    let mut obj = snake_case_keys(obj);
    let mut p = Vec::new();
    let mut spec = WorkflowSpec::default();
    unknown_fields(&obj, WORKFLOW_FIELDS, None, &mut p);

    match obj.get("name") {
        Some(Value::String(n)) => spec.name = n.clone(),
        Some(v) => p.push(Problem::workflow("name", wrong_type("a string", v))),
        // Compiling reports a missing name or empty task list.
        None => {}
    }
    if let Some(v) = obj.get("description") {
        spec.description = string_field(v, None, "description", &mut p);
    }
    if let Some(v) = obj.get("timeout") {
        spec.timeout = duration_field(v, None, "timeout", &mut p);
    }
    if let Some(v) = obj.get("max_parallel") {
        spec.max_parallel = uint_field(v, None, "max_parallel", &mut p);
    }
    if let Some(v) = obj.get("labels") {
        spec.labels = decode_or_report(v, None, "labels", &mut p).unwrap_or_default();
    }
    match obj.remove("tasks") {
        Some(Value::Array(items)) if items.len() > limits.max_tasks => p.push(Problem::workflow(
            "tasks",
            format!(
                "{} tasks; the limit is {} (MAX_TASKS)",
                items.len(),
                limits.max_tasks
            ),
        )),
        Some(Value::Array(items)) => {
            spec.tasks = items
                .into_iter()
                .enumerate()
                .map(|(i, t)| task_from_value(i, t, &mut p))
                .collect();
        }
        Some(v) => p.push(Problem::workflow("tasks", wrong_type("a list", &v))),
        None => {}
    }
    Ok((spec, p))
}

fn task_from_value(index: usize, value: Value, p: &mut Vec<Problem>) -> TaskSpec {
    let mut t = TaskSpec::default();
    let Value::Object(obj) = value else {
        p.push(Problem::workflow(
            format!("tasks[{index}]"),
            wrong_type("a mapping", &value),
        ));
        return t;
    };
    let mut obj = snake_case_keys(obj);
    // Problems before the id is known are reported by position.
    let label = match obj.get("id") {
        Some(Value::String(id)) if !id.is_empty() => {
            t.id = id.clone();
            id.clone()
        }
        Some(
            v @ (Value::Null
            | Value::Bool(_)
            | Value::Number(_)
            | Value::Array(_)
            | Value::Object(_)),
        ) => {
            p.push(Problem::workflow(
                format!("tasks[{index}].id"),
                wrong_type("a string", v),
            ));
            format!("#{index}")
        }
        // Compiling reports a missing or empty id.
        _ => format!("#{index}"),
    };
    let task = Some(label.as_str());

    match obj.get("type") {
        Some(Value::String(k)) if !k.is_empty() => t.r#type = k.clone(),
        Some(Value::String(_)) | None => p.push(Problem::task(&label, "type", "required")),
        Some(v) => p.push(Problem::task(&label, "type", wrong_type("a string", v))),
    }
    if let Some(v) = obj.get("description") {
        t.description = string_field(v, task, "description", p);
    }
    if let Some(v) = obj.get("depends_on") {
        t.depends_on = match v {
            // `depends_on: enrich` is a common shorthand for a single dependency.
            Value::String(s) => vec![s.clone()],
            _ => decode_or_report(v, task, "depends_on", p).unwrap_or_default(),
        };
    }
    if let Some(v) = obj.get("condition") {
        t.condition = match v {
            Value::Bool(b) => b.to_string(),
            _ => string_field(v, task, "condition", p),
        };
    }
    if let Some(v) = obj.get("timeout") {
        t.timeout = duration_field(v, task, "timeout", p);
    }
    if let Some(v) = obj.get("cache_ttl") {
        t.cache_ttl = duration_field(v, task, "cache_ttl", p);
    }
    if let Some(v) = obj.get("cacheable") {
        t.cacheable = bool_field(v, task, "cacheable", p);
    }
    if let Some(v) = obj.get("allow_failure") {
        t.allow_failure = bool_field(v, task, "allow_failure", p);
    }
    if let Some(v) = obj.get("run_if") {
        match v.as_str() {
            Some("always" | "RUN_IF_ALWAYS") => t.run_if = RunIf::Always as i32,
            Some("all_done" | "RUN_IF_ALL_DONE") => t.run_if = RunIf::AllDone as i32,
            _ => p.push(Problem::task(
                &label,
                "run_if",
                format!("expected \"all_done\" or \"always\", got {v}"),
            )),
        }
    }
    if let Some(v) = obj.get("retry") {
        t.retry = retry_from_value(v, task, p);
    }

    // Plugin config: the typed block named after the type, or the flat
    // fields on the task, not both.
    let kind = t.r#type.clone();
    let typed = if kind.is_empty() {
        None
    } else {
        obj.remove(&kind)
    };
    let mut flat = Map::new();
    for (k, v) in obj {
        if !TASK_FIELDS.contains(&k.as_str()) {
            flat.insert(k, v);
        }
    }
    let config = match (typed, flat.is_empty()) {
        (Some(Value::Object(m)), true) => Some(m),
        (Some(Value::Object(_)), false) => {
            let names: Vec<_> = flat.keys().map(|k| key_name(k)).collect();
            p.push(Problem::task(
                &label,
                names.join(", "),
                format!("put these inside the `{kind}:` block, or drop the block and keep all fields flat"),
            ));
            None
        }
        (Some(v), _) => {
            p.push(Problem::task(
                &label,
                kind.clone(),
                wrong_type("a mapping", &v),
            ));
            None
        }
        (None, _) => Some(flat),
    };
    if let Some(cfg) = config.filter(|_| !kind.is_empty()) {
        match typed_config(&kind, cfg) {
            Ok(c) => t.config = Some(c),
            Err(errs) => p.extend(errs.into_iter().map(|(f, m)| Problem::task(&label, f, m))),
        }
    }
    t
}

fn retry_from_value(v: &Value, task: Option<&str>, p: &mut Vec<Problem>) -> Option<RetryPolicy> {
    let Value::Object(obj) = v else {
        push(p, task, "retry", wrong_type("a mapping", v));
        return None;
    };
    let obj = &snake_case_keys(obj.clone());
    unknown_fields(obj, RETRY_FIELDS, task.map(|t| (t, "retry.")), p);
    let mut r = RetryPolicy::default();
    if let Some(v) = obj.get("max_attempts") {
        r.max_attempts = uint_field(v, task, "retry.max_attempts", p);
    }
    if let Some(v) = obj.get("initial_backoff") {
        r.initial_backoff = duration_field(v, task, "retry.initial_backoff", p);
    }
    if let Some(v) = obj.get("max_backoff") {
        r.max_backoff = duration_field(v, task, "retry.max_backoff", p);
    }
    if let Some(v) = obj.get("multiplier") {
        match v.as_f64() {
            Some(m) => r.multiplier = m,
            None => push(p, task, "retry.multiplier", wrong_type("a number", v)),
        }
    }
    Some(r)
}

/// Turns a plugin's config object into the typed `oneof` of `TaskSpec`;
/// types without a typed message keep their config as a `Struct`. Errors
/// name each bad field.
fn typed_config(kind: &str, cfg: Map<String, Value>) -> Result<Config, Vec<(String, String)>> {
    Ok(match kind {
        "echo" => Config::Echo(decode_config::<EchoConfig>(cfg)?),
        "sleep" => Config::Sleep(decode_config::<SleepConfig>(cfg)?),
        "shell" => Config::Shell(decode_config::<ShellConfig>(cfg)?),
        "http" => Config::Http(decode_config::<HttpConfig>(cfg)?),
        "python" => Config::Python(decode_config::<PythonConfig>(cfg)?),
        "grpc" => Config::Grpc(decode_config::<GrpcConfig>(cfg)?),
        "sql" => Config::Sql(decode_config::<SqlConfig>(cfg)?),
        "kafka" => Config::Kafka(decode_config::<KafkaConfig>(cfg)?),
        "model" => Config::Model(decode_config::<ModelConfig>(cfg)?),
        _ => Config::Custom(proto::json_map_to_struct(&cfg)),
    })
}

/// The plugin config of a task as JSON (the typed block's fields).
pub fn typed_config_json(task: &TaskSpec) -> Value {
    let v = match &task.config {
        None => return Value::Object(Map::new()),
        // The most common type takes the short way round.
        Some(Config::Echo(c)) => {
            let body = c.body.as_ref().map_or(Value::Null, proto::pb_to_json);
            return Value::Object(Map::from_iter([("body".to_owned(), body)]));
        }
        Some(Config::Sleep(c)) => serde_json::to_value(c),
        Some(Config::Shell(c)) => serde_json::to_value(c),
        Some(Config::Http(c)) => serde_json::to_value(c),
        Some(Config::Python(c)) => serde_json::to_value(c),
        Some(Config::Grpc(c)) => serde_json::to_value(c),
        Some(Config::Sql(c)) => serde_json::to_value(c),
        Some(Config::Kafka(c)) => serde_json::to_value(c),
        Some(Config::Model(c)) => serde_json::to_value(c),
        Some(Config::Custom(s)) => return Value::Object(proto::struct_to_json_map(s)),
    };
    v.unwrap_or_else(|_| Value::Object(Map::new()))
}

/// Decodes a config object; on failure decodes field by field so that each
/// bad field is named.
fn decode_config<T: DeserializeOwned>(cfg: Map<String, Value>) -> Result<T, Vec<(String, String)>> {
    let whole = Value::Object(cfg);
    let first = match T::deserialize(&whole) {
        Ok(t) => return Ok(t),
        Err(e) => e.to_string(),
    };
    let Value::Object(cfg) = whole else {
        unreachable!("built as an object above")
    };
    let mut errs = Vec::new();
    for (k, v) in cfg {
        let one = Value::Object(Map::from_iter([(k.clone(), v)]));
        if let Err(e) = serde_json::from_value::<T>(one) {
            errs.push((key_name(&k).to_owned(), clean_serde(&e.to_string())));
        }
    }
    if errs.is_empty() {
        errs.push((String::new(), clean_serde(&first)));
    }
    Err(errs)
}

fn clean_serde(msg: &str) -> String {
    // serde appends " at line 1 column 2" for text input; values have none,
    // but keep the message short either way.
    msg.split(" at line ").next().unwrap_or(msg).to_owned()
}

/// Accepts the proto3 JSON mapping's lowerCamelCase names (`dependsOn`)
/// for the proto field names (`depends_on`) in the keys of one mapping.
fn snake_case_keys(obj: Map<String, Value>) -> Map<String, Value> {
    if !obj
        .keys()
        .any(|k| k.chars().any(|c| c.is_ascii_uppercase()))
    {
        return obj;
    }
    obj.into_iter()
        .map(|(k, v)| {
            let mut snake = String::with_capacity(k.len() + 4);
            for c in k.chars() {
                if c.is_ascii_uppercase() {
                    snake.push('_');
                    snake.push(c.to_ascii_lowercase());
                } else {
                    snake.push(c);
                }
            }
            (snake, v)
        })
        .collect()
}

fn unknown_fields(
    obj: &Map<String, Value>,
    known: &[&str],
    task_and_prefix: Option<(&str, &str)>,
    p: &mut Vec<Problem>,
) {
    for k in obj.keys().filter(|k| !known.contains(&k.as_str())) {
        let msg = format!("unknown field; expected one of: {}", known.join(", "));
        match task_and_prefix {
            Some((task, prefix)) => {
                p.push(Problem::task(task, format!("{prefix}{}", key_name(k)), msg))
            }
            None => p.push(Problem::workflow(key_name(k), msg)),
        }
    }
}

fn push(p: &mut Vec<Problem>, task: Option<&str>, field: &str, message: String) {
    p.push(match task {
        Some(t) => Problem::task(t, field, message),
        None => Problem::workflow(field, message),
    });
}

fn string_field(v: &Value, task: Option<&str>, field: &str, p: &mut Vec<Problem>) -> String {
    match v {
        Value::String(s) => s.clone(),
        _ => {
            push(p, task, field, wrong_type("a string", v));
            String::new()
        }
    }
}

fn bool_field(v: &Value, task: Option<&str>, field: &str, p: &mut Vec<Problem>) -> bool {
    v.as_bool().unwrap_or_else(|| {
        push(p, task, field, wrong_type("true or false", v));
        false
    })
}

fn uint_field(v: &Value, task: Option<&str>, field: &str, p: &mut Vec<Problem>) -> u32 {
    match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
        Some(n) => n,
        None => {
            push(p, task, field, wrong_type("a whole number ≥ 0", v));
            0
        }
    }
}

fn duration_field(v: &Value, task: Option<&str>, field: &str, p: &mut Vec<Problem>) -> String {
    match v {
        Value::String(s) => s.clone(),
        _ => {
            push(
                p,
                task,
                field,
                format!("expected a duration like \"5s\" or \"250ms\", got {v}"),
            );
            String::new()
        }
    }
}

fn decode_or_report<T: DeserializeOwned>(
    v: &Value,
    task: Option<&str>,
    field: &str,
    p: &mut Vec<Problem>,
) -> Option<T> {
    T::deserialize(v)
        .map_err(|e| push(p, task, field, clean_serde(&e.to_string())))
        .ok()
}

fn wrong_type(expected: &str, got: &Value) -> String {
    format!("expected {expected}, got {}", kind_of(got))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
