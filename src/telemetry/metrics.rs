//! The brief's metric names, fed from execution events. Labels have bounded
//! cardinality: workflow name, task id and type, status, and a reason class
//! (never execution ids or free-text reasons).

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider};
use opentelemetry_sdk::metrics::SdkMeterProvider;

use crate::proto::{ExecutionEvent, ExecutionState, TaskPool, TaskState, execution_event::Kind};
use crate::spec::Plan;

/// The exporter could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(String);

/// The process's metrics.
pub struct Metrics {
    registry: prometheus::Registry,
    _provider: SdkMeterProvider,
    meter: Meter,
    runs: Counter<u64>,
    duration: Histogram<f64>,
    task_duration: Histogram<f64>,
    retries: Counter<u64>,
    failures: Counter<u64>,
    cancellations: Counter<u64>,
    cache_hits: Counter<u64>,
    cache_misses: Counter<u64>,
    db_read: Histogram<f64>,
    db_write: Histogram<f64>,
    schedule_runs: Counter<u64>,
    schedule_skipped: Counter<u64>,
    schedule_lag: Histogram<f64>,
    event_triggers: Counter<u64>,
}

/// Bucket bounds of the `_seconds` histograms: 1 ms to 10 min, so the
/// brief's p99 panels resolve both a 5 ms playbook and a stuck one.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0, 600.0,
];

/// Bucket bounds of the `_ms` histograms: from 0.1 ms (an in-process task,
/// a RocksDB read) to 10 min.
const MS_BUCKETS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 2_500.0,
    5_000.0, 10_000.0, 30_000.0, 60_000.0, 300_000.0, 600_000.0,
];

/// Bucket bounds of the schedule lag: a tick started on time is late by
/// milliseconds; one after an outage by up to an hour of catch-up.
const LAG_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
    3_600.0,
];

/// What a cache lookup was for: the `type` label of
/// `swarm_workflow_cache_hits_total` / `_misses_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKind {
    /// Compiled workflow plans (`WORKFLOW_CACHE_SIZE`).
    Workflow,
    /// Ended executions' records (`EXECUTION_CACHE_SIZE`).
    Execution,
    /// Cacheable tasks' results (`RESULT_CACHE_SIZE`).
    Result,
}

impl CacheKind {
    fn label(self) -> &'static str {
        match self {
            Self::Workflow => "workflow",
            Self::Execution => "execution",
            Self::Result => "result",
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// A registry with every instrument created (so all names show from the start).
    pub fn new() -> Result<Self, MetricsError> {
        let registry = prometheus::Registry::new();
        let exporter = opentelemetry_prometheus::exporter()
            .with_registry(registry.clone())
            .without_units()
            .without_target_info()
            .scope_info_enabled(false)
            .build()
            .map_err(|e| MetricsError(e.to_string()))?;
        let provider = SdkMeterProvider::builder().with_reader(exporter).build();
        let m = provider.meter("orchestrator");
        Ok(Self {
            runs: m
                .u64_counter("swarm_workflow_runs")
                .with_description("Workflow executions ended, by status")
                .build(),
            duration: m
                .f64_histogram("swarm_workflow_duration_seconds")
                .with_description("Execution wall time")
                .with_boundaries(SECONDS_BUCKETS.to_vec())
                .build(),
            task_duration: m
                .f64_histogram("swarm_workflow_task_duration_ms")
                .with_description("Task wall time")
                .with_boundaries(MS_BUCKETS.to_vec())
                .build(),
            retries: m
                .u64_counter("swarm_workflow_task_retries")
                .with_description("Task attempts after the first")
                .build(),
            failures: m
                .u64_counter("swarm_workflow_task_failures")
                .with_description("Tasks that failed or timed out")
                .build(),
            cancellations: m
                .u64_counter("swarm_workflow_cancellations")
                .with_description("Executions cancelled or timed out")
                .build(),
            cache_hits: m
                .u64_counter("swarm_workflow_cache_hits")
                .with_description("Cache hits, by type (workflow, execution, result)")
                .build(),
            cache_misses: m
                .u64_counter("swarm_workflow_cache_misses")
                .with_description("Cache misses, by type (workflow, execution, result)")
                .build(),
            db_read: m
                .f64_histogram("swarm_workflow_db_read_ms")
                .with_description("Store reads")
                .with_boundaries(MS_BUCKETS.to_vec())
                .build(),
            db_write: m
                .f64_histogram("swarm_workflow_db_write_ms")
                .with_description("Durable store writes")
                .with_boundaries(MS_BUCKETS.to_vec())
                .build(),
            schedule_runs: m
                .u64_counter("swarm_workflow_schedule_runs")
                .with_description("Schedule ticks, by workflow and outcome (started, replaced, queued, skipped, missed, failed)")
                .build(),
            schedule_skipped: m
                .u64_counter("swarm_workflow_schedule_skipped_ticks")
                .with_description("Schedule ticks skipped at the concurrency bound")
                .build(),
            schedule_lag: m
                .f64_histogram("swarm_workflow_schedule_lag_seconds")
                .with_description("How late a schedule tick's run started after the tick was due")
                .with_boundaries(LAG_BUCKETS.to_vec())
                .build(),
            event_triggers: m
                .u64_counter("swarm_workflow_event_triggers")
                .with_description("Triggers matched by an event, by workflow, the trigger's event_type and outcome (started, replaced, queued, skipped, filtered, failed)")
                .build(),
            registry,
            _provider: provider,
            meter: m,
        })
    }

    /// Reports the task pools at each scrape: `swarm_workflow_parallelism`
    /// (attempts running now, both pools), and per pool (`cpu`, `wait`)
    /// `swarm_workflow_slots` (its bound), `swarm_workflow_slots_busy` and
    /// `swarm_workflow_slots_queued` (attempts waiting for a slot). Read from the pools rather than
    /// summed from events, so a task cancelled between attempts can never
    /// leave them off by one.
    pub fn watch_pools(&self, figures: impl Fn() -> [TaskPool; 2] + Send + Sync + 'static) {
        let figures = std::sync::Arc::new(figures);
        let total = figures.clone();
        self.meter
            .i64_observable_gauge("swarm_workflow_parallelism")
            .with_description("Task attempts running now")
            .with_callback(move |o| o.observe(total().iter().map(|p| p.busy as i64).sum(), &[]))
            .build();
        let per_pool = |name: &'static str, what: &'static str, of: fn(&TaskPool) -> u64| {
            let figures = figures.clone();
            self.meter
                .i64_observable_gauge(name)
                .with_description(what)
                .with_callback(move |o| {
                    for pool in figures() {
                        o.observe(of(&pool) as i64, &[KeyValue::new("pool", pool.name)]);
                    }
                })
                .build();
        };
        per_pool(
            "swarm_workflow_slots",
            "Task slots, by pool (cpu: WORKERS, wait: MAX_INFLIGHT_TASKS)",
            |p| p.size,
        );
        per_pool(
            "swarm_workflow_slots_busy",
            "Task slots in use, by pool",
            |p| p.busy,
        );
        per_pool(
            "swarm_workflow_slots_queued",
            "Task attempts waiting for a slot, by pool",
            |p| p.queued,
        );
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        prometheus::TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }

    /// Records a store read of `operation`.
    pub fn db_read(&self, operation: &'static str, took: std::time::Duration) {
        self.db_read.record(
            took.as_secs_f64() * 1000.0,
            &[KeyValue::new("operation", operation)],
        );
    }

    /// Records a durable store write of `operation`.
    pub fn db_write(&self, operation: &'static str, took: std::time::Duration) {
        self.db_write.record(
            took.as_secs_f64() * 1000.0,
            &[KeyValue::new("operation", operation)],
        );
    }

    /// Reports each `http` host's circuit as
    /// `swarm_workflow_http_circuit_state{host}` at each scrape: 0 closed,
    /// 1 half-open, 2 open (hosts whose circuit never tripped are absent).
    pub fn watch_breakers(&self, breakers: std::sync::Arc<crate::plugins::Breakers>) {
        self.meter
            .i64_observable_gauge("swarm_workflow_http_circuit_state")
            .with_description("Circuit breaker state per http host: 0 closed, 1 half-open, 2 open")
            .with_callback(move |o| {
                for (host, state) in breakers.states() {
                    o.observe(state as i64, &[KeyValue::new("host", host)]);
                }
            })
            .build();
    }

    /// Reports the `model` plugin's calls and inferences per model as
    /// `swarm_workflow_model_calls_total` and
    /// `swarm_workflow_model_inferences_total` at each scrape: fewer
    /// inferences than calls is micro-batching at work.
    pub fn watch_models(&self, stats: std::sync::Arc<crate::plugins::ModelStats>) {
        let calls = stats.clone();
        self.meter
            .u64_observable_counter("swarm_workflow_model_calls")
            .with_description("Model tasks that asked for an inference")
            .with_callback(move |o| {
                for (model, calls, _) in calls.snapshot() {
                    o.observe(calls, &[KeyValue::new("model", model)]);
                }
            })
            .build();
        self.meter
            .u64_observable_counter("swarm_workflow_model_inferences")
            .with_description("ONNX Runtime inferences run (one per batch)")
            .with_callback(move |o| {
                for (model, _, inferences) in stats.snapshot() {
                    o.observe(inferences, &[KeyValue::new("model", model)]);
                }
            })
            .build();
    }

    /// Reports how this replica shares a PostgreSQL store:
    /// `swarm_workflow_claim_duration_seconds` (each claim of stopped
    /// replicas' executions), `swarm_workflow_takeovers_total`,
    /// `swarm_workflow_fenced_writes_total`, `swarm_workflow_executions_lost_total`
    /// and `swarm_workflow_store_dead_tuples{table}` of the hot tables.
    pub fn watch_ownership(&self, ownership: std::sync::Arc<crate::store::Ownership>) {
        let claims = self
            .meter
            .f64_histogram("swarm_workflow_claim_duration_seconds")
            .with_description("Claims of executions whose replica stopped")
            .with_boundaries(SECONDS_BUCKETS.to_vec())
            .build();
        ownership.on_claim(move |took, _| claims.record(took.as_secs_f64(), &[]));
        let count =
            |name: &'static str,
             what: &'static str,
             of: fn(&crate::store::OwnershipFigures) -> &std::sync::atomic::AtomicU64| {
                let o = ownership.clone();
                self.meter
                    .u64_observable_counter(name)
                    .with_description(what)
                    .with_callback(move |obs| {
                        obs.observe(
                            of(o.figures()).load(std::sync::atomic::Ordering::Relaxed),
                            &[],
                        )
                    })
                    .build();
            };
        count(
            "swarm_workflow_takeovers",
            "Executions claimed from a replica that stopped or handed them back",
            |f| &f.takeovers,
        );
        count(
            "swarm_workflow_fenced_writes",
            "Writes dropped because another replica runs their execution now",
            |f| &f.fenced_writes,
        );
        count(
            "swarm_workflow_executions_lost",
            "Executions this replica lost to another",
            |f| &f.lost,
        );
        self.meter
            .i64_observable_gauge("swarm_workflow_store_dead_tuples")
            .with_description("Dead rows of the store's hot tables, awaiting vacuum")
            .with_callback(move |o| {
                for (table, n) in ownership.dead_tuples() {
                    o.observe(n, &[KeyValue::new("table", table)]);
                }
            })
            .build();
    }

    /// Reports the Kafka trigger source's lag as
    /// `swarm_workflow_kafka_lag{topic, partition}` at each scrape.
    pub fn watch_kafka_lag(&self, lag: crate::scheduler::Lag) {
        self.meter
            .i64_observable_gauge("swarm_workflow_kafka_lag")
            .with_description("Messages of a triggering Kafka partition not consumed yet")
            .with_callback(move |o| {
                let lag = lag.lock().unwrap_or_else(|e| e.into_inner());
                for ((topic, partition), n) in lag.iter() {
                    o.observe(
                        *n,
                        &[
                            KeyValue::new("topic", topic.clone()),
                            KeyValue::new("partition", i64::from(*partition)),
                        ],
                    );
                }
            })
            .build();
    }

    /// Counts `n` schedule ticks of `workflow` with one outcome.
    pub fn schedule_ticks(&self, workflow: &str, outcome: &str, n: u64) {
        let labels = [
            KeyValue::new("workflow", workflow.to_owned()),
            KeyValue::new("outcome", outcome.to_owned()),
        ];
        self.schedule_runs.add(n, &labels);
        if outcome == "skipped" {
            self.schedule_skipped
                .add(n, &[KeyValue::new("workflow", workflow.to_owned())]);
        }
    }

    /// Records how late (seconds) the runs of a workflow's schedule ticks
    /// started after they were due.
    pub fn schedule_lag(&self, workflow: &str, lags: &[f64]) {
        let labels = [KeyValue::new("workflow", workflow.to_owned())];
        for lag in lags {
            self.schedule_lag.record(*lag, &labels);
        }
    }

    /// Counts one trigger matched by an event, with what it did.
    /// `event_type` is the trigger's (a pattern such as `kafka.threat_*`
    /// stays one series, whatever types publishers send).
    pub fn event_trigger(&self, workflow: &str, event_type: &str, outcome: &str) {
        self.event_triggers.add(
            1,
            &[
                KeyValue::new("workflow", workflow.to_owned()),
                KeyValue::new("event_type", event_type.to_owned()),
                KeyValue::new("outcome", outcome.to_owned()),
            ],
        );
    }

    /// Counts one cache lookup.
    pub fn cache(&self, kind: CacheKind, hit: bool) {
        let counter = if hit {
            &self.cache_hits
        } else {
            &self.cache_misses
        };
        counter.add(1, &[KeyValue::new("type", kind.label())]);
    }

    /// Reports the executions running here at each scrape:
    /// `swarm_workflow_executions_active` and
    /// `swarm_workflow_execution_oldest_seconds` (how long the oldest has
    /// run, 0 when none), what a stuck-run alert watches.
    pub fn watch_active(&self, figures: impl Fn() -> (u64, f64) + Send + Sync + 'static) {
        let figures = std::sync::Arc::new(figures);
        let count = figures.clone();
        self.meter
            .i64_observable_gauge("swarm_workflow_executions_active")
            .with_description("Unfinished executions this process runs")
            .with_callback(move |o| o.observe(count().0 as i64, &[]))
            .build();
        self.meter
            .f64_observable_gauge("swarm_workflow_execution_oldest_seconds")
            .with_description("How long the oldest unfinished execution here has run (0: none)")
            .with_callback(move |o| o.observe(figures().1, &[]))
            .build();
    }

    /// Updates the metrics for one event of an execution of `plan`.
    pub fn observe(&self, plan: &Plan, ev: &ExecutionEvent) {
        match &ev.kind {
            Some(Kind::TaskStarted(s)) if s.attempt > 1 => {
                self.retries
                    .add(1, &[KeyValue::new("task", s.task_id.clone())]);
            }
            Some(Kind::TaskEnded(end)) => {
                let Some(r) = &end.result else { return };
                let state = TaskState::try_from(r.status).unwrap_or_default();
                // Indexed: a linear search here would make big DAGs quadratic.
                let task = plan.task_index(&r.task_id).map(|i| &plan.tasks[i as usize]);
                let kind = task.map_or("unknown".to_owned(), |t| t.kind.to_string());
                let ran = r.attempts > 0 && !r.cached && state != TaskState::Skipped;
                if ran {
                    self.task_duration.record(
                        r.duration_ms as f64,
                        &[
                            KeyValue::new("task", r.task_id.clone()),
                            KeyValue::new("type", kind.clone()),
                        ],
                    );
                }
                if matches!(state, TaskState::Failed | TaskState::TimedOut) {
                    self.failures
                        .add(1, &[KeyValue::new("task", r.task_id.clone())]);
                }
                if task.is_some_and(|t| t.cacheable) && state == TaskState::Succeeded {
                    self.cache(CacheKind::Result, r.cached);
                }
            }
            Some(Kind::ExecutionEnded(end)) => {
                let state = ExecutionState::try_from(end.status).unwrap_or_default();
                let status = match state {
                    ExecutionState::Completed => "success",
                    other => other.label(),
                };
                let workflow = KeyValue::new("workflow", plan.name.to_string());
                self.runs
                    .add(1, &[workflow.clone(), KeyValue::new("status", status)]);
                self.duration.record(
                    end.duration_ms as f64 / 1000.0,
                    std::slice::from_ref(&workflow),
                );
                if matches!(state, ExecutionState::Cancelled | ExecutionState::TimedOut) {
                    // Free-text reasons would make unbounded series: classes only.
                    let reason = match (state, end.error.as_str()) {
                        (ExecutionState::TimedOut, _) => "timeout",
                        (_, "shutdown") => "shutdown",
                        (_, "interrupted") => "interrupted",
                        _ => "user",
                    };
                    self.cancellations
                        .add(1, &[workflow, KeyValue::new("reason", reason)]);
                }
            }
            _ => {}
        }
    }
}
