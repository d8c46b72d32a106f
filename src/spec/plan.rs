//! Compiling a checked `WorkflowSpec` into a `Plan`: dense task indices,
//! adjacency lists, dependency counts, pre-compiled templates and
//! conditions, and for each task the names its expressions read (so the
//! engine builds a scope of just those).

use std::sync::Arc;
use std::time::Duration;

use super::approval;
use super::graph::{self, Graph};
use super::template::{Expr, NameRef, Template};
use super::{Problem, SpecError, parse_duration, task_label, typed_config_json};
use crate::plugins::{Registry, TaskPlugin};
use crate::proto::{RunIf, TaskSpec, WorkflowSpec};

/// Names every expression may read besides upstream task ids.
const GLOBAL_NAMES: &[&str] = &["input", "workflow", "execution", "event"];

/// Names a task id may not take (they would shadow the globals).
const RESERVED_NAMES: &[&str] = &[
    "input",
    "workflow",
    "execution",
    "event",
    "tasks",
    "secrets",
];

/// Functions minijinja provides; an expression may call them.
const BUILTIN_FUNCTIONS: &[&str] = &["range", "dict", "namespace", "debug"];

/// A workflow ready to run.
#[derive(Debug)]
pub struct Plan {
    /// Workflow name.
    pub name: Arc<str>,
    /// Workflow version (0 for a definition that was never stored).
    pub version: u32,
    /// Tasks by dense index.
    pub tasks: Vec<PlanTask>,
    /// Per task, the indices it waits for.
    pub dependencies: Vec<Vec<u32>>,
    /// Per task, the indices that wait for it.
    pub dependents: Vec<Vec<u32>>,
    /// Tasks in dependency order.
    pub topological: Vec<u32>,
    /// Bound on the whole execution.
    pub timeout: Option<Duration>,
    /// Most tasks of one execution running at once (0: no own limit).
    pub max_parallel: usize,
    /// Task id → index, built on first lookup (compiling does not pay for it).
    by_id: std::sync::OnceLock<std::collections::HashMap<Arc<str>, u32>>,
}

/// One task, compiled.
pub struct PlanTask {
    /// The task's id.
    pub id: Arc<str>,
    /// Its type name.
    pub kind: Arc<str>,
    /// What runs it.
    pub runner: Runner,
    /// The plugin config with templates compiled.
    pub config: Template,
    /// When false at run time, the task is skipped.
    pub condition: Option<Expr>,
    /// Bound on one attempt.
    pub timeout: Option<Duration>,
    /// Retry schedule.
    pub retry: Retry,
    /// Results may be cached.
    pub cacheable: bool,
    /// How long a cached result is valid (None: the server default).
    pub cache_ttl: Option<Duration>,
    /// A failure does not fail the execution.
    pub allow_failure: bool,
    /// Runs once its dependencies end, whatever they did.
    pub run_always: bool,
    /// What the task's expressions read.
    pub reads: Reads,
}

impl Plan {
    /// The index of a task id.
    pub fn task_index(&self, id: &str) -> Option<u32> {
        let by_id = self.by_id.get_or_init(|| {
            self.tasks
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id.clone(), i as u32))
                .collect()
        });
        by_id.get(id).copied()
    }
}

impl std::fmt::Debug for PlanTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanTask")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// What runs a task.
#[derive(Clone)]
pub enum Runner {
    /// A plugin's attempts.
    Plugin(Arc<dyn TaskPlugin>),
    /// A person's decision: an `approval` task, which the engine waits on.
    Approval,
}

/// The names a task's expressions read, resolved.
#[derive(Debug, Clone, Default)]
pub struct Reads {
    /// Global names read (`input`, `workflow`, ...).
    pub globals: Vec<&'static str>,
    /// Upstream tasks whose outputs are read by id.
    pub outputs: Vec<u32>,
    /// Upstream tasks whose records are read as `tasks.<id>`.
    pub records: Vec<u32>,
    /// `tasks` is read without a literal id: expose every upstream record.
    pub all_records: bool,
}

/// Retry schedule with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// Attempts in all, at least 1.
    pub max_attempts: u32,
    /// Bound of the first delay.
    pub initial_backoff: Duration,
    /// Bound of every delay.
    pub max_backoff: Duration,
    /// Growth of the bound per attempt.
    pub multiplier: f64,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            max_attempts: 1,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(30),
            multiplier: 2.0,
        }
    }
}

/// Checks a spec against the plugins and compiles it. Every problem found
/// is reported.
pub fn compile(spec: &WorkflowSpec, version: u32, registry: &Registry) -> Result<Plan, SpecError> {
    let mut p = Vec::new();
    if let Err(m) = check_name(&spec.name, true) {
        p.push(Problem::workflow("name", m));
    }
    let timeout = duration(&spec.timeout, None, "timeout", &mut p);
    if spec.tasks.is_empty() {
        p.push(Problem::workflow("tasks", "at least one task is required"));
    }
    for (i, t) in spec.tasks.iter().enumerate() {
        if t.id.is_empty() {
            p.push(Problem::workflow(format!("tasks[{i}].id"), "required"));
        }
    }
    for t in &spec.tasks {
        if t.id.is_empty() {
            continue;
        }
        if let Err(m) = check_name(&t.id, false) {
            p.push(Problem::task(&t.id, "id", m));
        } else if RESERVED_NAMES.contains(&t.id.as_str()) {
            p.push(Problem::task(
                &t.id,
                "id",
                format!(
                    "'{}' is a reserved name in expressions; choose another id",
                    t.id
                ),
            ));
        }
    }
    let g = graph::build(&spec.tasks, &mut p);
    let mut mark = vec![0u32; spec.tasks.len()];
    let mut stamp = 0u32;
    let mut tasks = Vec::with_capacity(spec.tasks.len());
    for (i, t) in spec.tasks.iter().enumerate() {
        if let Some(task) = compile_task(i as u32, t, &g, registry, &mut p, &mut mark, &mut stamp) {
            tasks.push(task);
        }
    }
    if !p.is_empty() {
        return Err(p.into());
    }
    Ok(Plan {
        name: spec.name.as_str().into(),
        version,
        tasks,
        dependencies: g.dependencies,
        dependents: g.dependents,
        topological: g.topological,
        timeout,
        max_parallel: spec.max_parallel as usize,
        by_id: Default::default(),
    })
}

/// An approval's config problems, and the task fields that make no sense
/// for a person's decision.
fn approval_problems(t: &TaskSpec, config: &serde_json::Value) -> Vec<(String, String)> {
    let mut p = approval::validate(config);
    if t.retry.as_ref().is_some_and(|r| r.max_attempts > 1) {
        p.push((
            "retry".into(),
            "an approval is decided once; it cannot be retried".into(),
        ));
    }
    if t.cacheable {
        p.push((
            "cacheable".into(),
            "an approval's decision is never taken from the cache".into(),
        ));
    }
    p
}

fn compile_task(
    index: u32,
    t: &TaskSpec,
    g: &Graph<'_>,
    registry: &Registry,
    p: &mut Vec<Problem>,
    mark: &mut [u32],
    stamp: &mut u32,
) -> Option<PlanTask> {
    // Tasks without an id were reported when parsed; name them by position.
    let label = task_label(index as usize, &t.id);
    let id = &*label;
    let before = p.len();
    let timeout = duration(&t.timeout, Some(id), "timeout", p);
    let cache_ttl = duration(&t.cache_ttl, Some(id), "cache_ttl", p);
    let retry = retry(id, t, p);

    let runner = match registry.get(&t.r#type) {
        Some(plugin) => Some(Runner::Plugin(plugin.clone())),
        None if t.r#type == approval::KIND => Some(Runner::Approval),
        None if t.r#type.is_empty() => None,
        None => {
            let mut known = registry.kinds();
            known.push(approval::KIND);
            known.sort_unstable();
            p.push(Problem::task(
                id,
                "type",
                format!(
                    "unknown task type '{}'; known types: {}",
                    t.r#type,
                    known.join(", ")
                ),
            ));
            None
        }
    };
    let config_json = typed_config_json(t);
    // Plugins whose config arrives as a typed message were type-checked when
    // it was decoded; validate() adds their semantic checks.
    let problems = match &runner {
        Some(Runner::Plugin(plugin)) => plugin.validate(&config_json),
        Some(Runner::Approval) => approval_problems(t, &config_json),
        None => Vec::new(),
    };
    for (field, message) in problems {
        p.push(Problem::task(id, field, message));
    }
    let config = Template::compile(config_json)
        .map_err(|errs| {
            for (field, message) in errs {
                p.push(Problem::task(id, field, message));
            }
        })
        .ok();
    let condition = match t.condition.trim() {
        "" => None,
        c => Expr::compile(c)
            .map_err(|m| p.push(Problem::task(id, "condition", m)))
            .ok(),
    };

    let mut reads = Reads::default();
    let mut exprs = Vec::new();
    if let Some(c) = &config {
        c.exprs(&mut exprs);
    }
    let fields = exprs
        .iter()
        .map(|_| "config")
        .chain(condition.iter().map(|_| "condition"));
    let all: Vec<(&Expr, &str)> = exprs
        .iter()
        .copied()
        .chain(condition.iter())
        .zip(fields)
        .collect();
    for (expr, field) in all {
        for name in expr.names() {
            resolve(index, id, field, &name, g, &mut reads, p, mark, stamp);
        }
    }
    for v in [&mut reads.outputs, &mut reads.records] {
        v.sort_unstable();
        v.dedup();
    }
    reads.globals.sort_unstable();
    reads.globals.dedup();

    if p.len() > before {
        return None;
    }
    Some(PlanTask {
        id: id.into(),
        kind: t.r#type.as_str().into(),
        runner: runner?,
        config: config?,
        condition,
        timeout,
        retry,
        cacheable: t.cacheable,
        cache_ttl,
        allow_failure: t.allow_failure,
        run_always: t.run_if == RunIf::Always as i32,
        reads,
    })
}

/// Resolves one name an expression reads, or reports why it cannot be read.
#[allow(clippy::too_many_arguments)]
fn resolve(
    index: u32,
    id: &str,
    field: &str,
    name: &NameRef,
    g: &Graph<'_>,
    reads: &mut Reads,
    p: &mut Vec<Problem>,
    mark: &mut [u32],
    stamp: &mut u32,
) {
    let mut upstream = |target: &str, what: &str, p: &mut Vec<Problem>| -> Option<u32> {
        let Some(&t) = g.index.get(target) else {
            p.push(Problem::task(id, field, format!("unknown name '{what}'")));
            return None;
        };
        *stamp += 1;
        if t != index && graph::is_ancestor(g, index, t, mark, *stamp) {
            Some(t)
        } else {
            p.push(Problem::task(
                id,
                field,
                format!(
                    "'{what}' is not an upstream task of '{id}'; add '{target}' to depends_on (directly or through another task)"
                ),
            ));
            None
        }
    };
    let root = name.root.as_str();
    if let Some(g) = GLOBAL_NAMES.iter().find(|g| **g == root) {
        reads.globals.push(g);
    } else if root == "tasks" {
        match &name.attr {
            Some(target) => {
                if let Some(t) = upstream(target, &format!("tasks.{target}"), p) {
                    reads.records.push(t);
                }
            }
            None => reads.all_records = true,
        }
    } else if root == "secrets" {
        p.push(Problem::task(
            id,
            field,
            "secrets are not available in this version",
        ));
    } else if BUILTIN_FUNCTIONS.contains(&root) {
    } else if let Some(t) = upstream(root, root, p) {
        reads.outputs.push(t);
    }
}

fn retry(label: &str, t: &TaskSpec, p: &mut Vec<Problem>) -> Retry {
    let mut r = Retry::default();
    let Some(spec) = &t.retry else {
        return r;
    };
    let id = Some(label);
    r.max_attempts = spec.max_attempts.max(1);
    if r.max_attempts > 100 {
        p.push(Problem::task(label, "retry.max_attempts", "at most 100"));
    }
    if let Some(d) = duration(&spec.initial_backoff, id, "retry.initial_backoff", p) {
        r.initial_backoff = d;
    }
    if let Some(d) = duration(&spec.max_backoff, id, "retry.max_backoff", p) {
        r.max_backoff = d;
    }
    if spec.multiplier != 0.0 {
        if (1.0..=100.0).contains(&spec.multiplier) {
            r.multiplier = spec.multiplier;
        } else {
            p.push(Problem::task(
                label,
                "retry.multiplier",
                "expected a number from 1 to 100",
            ));
        }
    }
    r
}

fn duration(text: &str, task: Option<&str>, field: &str, p: &mut Vec<Problem>) -> Option<Duration> {
    if text.is_empty() {
        return None;
    }
    match parse_duration(text) {
        Ok(d) if d.is_zero() => {
            p.push(match task {
                Some(t) => Problem::task(t, field, "must be greater than zero"),
                None => Problem::workflow(field, "must be greater than zero"),
            });
            None
        }
        Ok(d) => Some(d),
        Err(m) => {
            p.push(match task {
                Some(t) => Problem::task(t, field, m),
                None => Problem::workflow(field, m),
            });
            None
        }
    }
}

/// Checks an id or name: 1 to 128 letters, digits, `_`, `-` and, for
/// workflow names, `.` (task ids appear in expressions, where a dot reads
/// as attribute access).
fn check_name(name: &str, allow_dot: bool) -> Result<(), String> {
    if name.is_empty() {
        return Err("required".into());
    }
    if name.len() > 128 {
        return Err("longer than 128 characters".into());
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || (allow_dot && c == '.');
    if let Some(c) = name.chars().find(|&c| !ok(c)) {
        let allowed = if allow_dot {
            "letters, digits, '_', '-' and '.'"
        } else {
            "letters, digits, '_' and '-'"
        };
        return Err(format!("{c:?} is not allowed; use {allowed}"));
    }
    Ok(())
}
