//! Runs plans. An execution is one async state machine (see `executor`)
//! spawned on the tokio runtime; tasks of all executions share one worker
//! pool (`WORKERS` slots). Every transition is an `ExecutionEvent` sent to
//! the store and to live watchers. The engine knows no transport: the CLI
//! and the servers call it the same way.

mod approval;
mod attempt;
mod cache;
mod ending;
mod executor;
pub mod feed;
mod handle;
mod pools;
mod recorder;
mod records;
mod redact;
pub mod retry;
pub mod summary;

use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use lru::LruCache;
use serde_json::Value;
use tokio::sync::broadcast;
use tracing::Instrument;

pub use approval::{ApprovalError, Verdict};
pub use cache::{CachedResult, ResultCache};
use ending::{Listing, end_failed, record_crash, resume_delay};
use feed::{Feed, FeedTap};
use handle::{Active, Ready, Records, lock_active};
pub use handle::{Canceller, ExecutionHandle, Prepared};
pub use recorder::WATCH_BUFFER;
use recorder::{Watch, Watchers};

use crate::config::Config;
use crate::plugins::{Registry, Slots};
use crate::proto::{
    self, ActiveExecution, AuditRecord, Execution, ExecutionEvent, ExecutionResumed,
    ExecutionStarted, ExecutionState, TaskPool, TaskState, Workflow, execution_event::Kind,
};
use crate::spec::{self, Plan, SpecError};
use crate::store::{Store, StoreError, Write};
use crate::telemetry::{CacheKind, Metrics};
use executor::{Control, Live, Run, Shared};
use recorder::Recorder;

/// Why the engine could not start, resume or finish an execution.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored workflow no longer compiles (e.g. its plugin is gone).
    #[error("workflow '{workflow}' version {version} cannot run: {source}")]
    Plan {
        /// Workflow name.
        workflow: String,
        /// Workflow version.
        version: u32,
        /// The problems.
        source: SpecError,
    },
    /// The request does not fit the execution's state (e.g. retrying one
    /// that is still running).
    #[error("{0}")]
    State(String),
    /// The execution's work panicked (a bug) or was dropped; a panicked
    /// one is recorded as failed.
    #[error("execution {0} stopped unexpectedly: {1}")]
    Crashed(String, String),
    /// A decision on an approval was not taken.
    #[error(transparent)]
    Approval(#[from] ApprovalError),
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Slots for tasks that burn CPU.
    pub workers: usize,
    /// Slots for tasks that wait on a service.
    pub max_inflight_tasks: usize,
    /// In-memory result cache entries.
    pub result_cache_size: usize,
    /// Bytes the in-memory result cache may take.
    pub result_cache_bytes: usize,
    /// Default validity of cached results.
    pub result_cache_ttl: Duration,
    /// Largest task output, in bytes of JSON.
    pub max_output_bytes: usize,
    /// Compiled plans kept.
    pub plan_cache_size: usize,
    /// Ended executions' records kept in memory (0: none).
    pub execution_cache_size: usize,
    /// How long ended executions stay in the active table.
    pub active_retention: Duration,
    /// Resumed runs started per second (0: all at once).
    pub resume_rate: usize,
    /// The timeout of tasks that set none (None: no limit).
    pub default_task_timeout: Option<Duration>,
    /// Changes the server-wide feed keeps for watchers that reconnect.
    pub feed_buffer: usize,
}

impl From<&Config> for EngineConfig {
    fn from(c: &Config) -> Self {
        Self {
            workers: c.workers,
            max_inflight_tasks: c.max_inflight_tasks,
            result_cache_size: c.result_cache_size,
            result_cache_bytes: c.result_cache_bytes,
            result_cache_ttl: c.result_cache_ttl,
            max_output_bytes: c.max_output_bytes,
            plan_cache_size: c.workflow_cache_size,
            execution_cache_size: c.execution_cache_size,
            active_retention: c.active_retention,
            resume_rate: c.resume_rate,
            default_task_timeout: (!c.default_task_timeout.is_zero())
                .then_some(c.default_task_timeout),
            feed_buffer: c.feed_buffer,
        }
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self::from(&Config::default())
    }
}

/// What to run with.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Parameters, visible as `input`; in the form they are stored in, so
    /// that an API call's input is not converted there and back.
    pub input: pbjson_types::Struct,
    /// The triggering event, visible as `event`.
    pub event: Option<Value>,
    /// A bound on the whole run besides the workflow's own timeout.
    pub timeout: Option<Duration>,
    /// What started it (`api`, `schedule:<id>`, ...); empty means `api`.
    pub started_by: String,
}

/// Why an execution is armed, with the last event number it has.
#[derive(Clone, Copy)]
enum Arming {
    /// Just created: its header is stored with its first event.
    New,
    /// Resumed after a restart: its stored header stands.
    Resumed(u64),
    /// Retried: its header is stored again, its timeout counts from now.
    Retried(u64),
}

/// Compiled plans by (workflow, version).
type PlanCache = Mutex<LruCache<(String, u32), Arc<Plan>>>;

/// The workflow engine.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
    registry: Arc<Registry>,
    plans: Arc<PlanCache>,
    /// Ended executions' records, for readers asking again.
    records: Arc<records::EndedRecords>,
    /// Executions running now, by id.
    active: Arc<Active>,
    /// Executions that ended within the retention, oldest first.
    ended: Arc<Mutex<Ended>>,
    /// Where execution events are counted, if anywhere.
    metrics: Option<Arc<Metrics>>,
    /// Every execution's state changes, for dashboards.
    feed: Arc<Feed>,
    /// Resumed runs started per second (0: all at once).
    resume_rate: usize,
}

/// The ended part of the active table: bounded in time and in size, so a
/// busy server does not keep an hour of runs in memory.
struct Ended {
    entries: std::collections::VecDeque<(std::time::Instant, ActiveExecution)>,
    retention: Duration,
}

/// Most ended executions kept, whatever the retention.
const MAX_ENDED: usize = 10_000;

impl Ended {
    fn push(&mut self, entry: ActiveExecution) {
        self.entries.push_back((std::time::Instant::now(), entry));
        self.trim();
    }

    fn trim(&mut self) {
        while self.entries.len() > MAX_ENDED
            || self
                .entries
                .front()
                .is_some_and(|(t, _)| t.elapsed() > self.retention)
        {
            self.entries.pop_front();
        }
    }
}

impl Engine {
    /// An engine over a store with a set of plugins.
    pub fn new(store: Arc<dyn Store>, registry: Arc<Registry>, config: &EngineConfig) -> Self {
        let cache = ResultCache::new(
            config.result_cache_size,
            config.result_cache_bytes,
            config.result_cache_ttl,
            store.clone(),
        );
        let ownership = store.ownership();
        // On a shared store another replica may retry a run unseen.
        let records = match ownership {
            Some(_) => 0,
            None => config.execution_cache_size,
        };
        let engine = Self {
            shared: Arc::new(Shared {
                ownership: ownership.clone(),
                store,
                pools: Arc::new(pools::Pools {
                    cpu: Slots::new(config.workers),
                    wait: Slots::new(config.max_inflight_tasks),
                }),
                cache,
                max_output_bytes: config.max_output_bytes,
                redactor: redact::Redactor::new(registry.secrets().clone()),
                default_task_timeout: config.default_task_timeout,
                desk: Arc::default(),
            }),
            registry,
            active: Arc::default(),
            metrics: None,
            feed: Arc::new(Feed::new(config.feed_buffer)),
            resume_rate: config.resume_rate,
            ended: Arc::new(Mutex::new(Ended {
                entries: Default::default(),
                retention: config.active_retention,
            })),
            plans: Arc::new(Mutex::new(LruCache::new(
                NonZeroUsize::new(config.plan_cache_size.max(1)).expect("at least 1"),
            ))),
            records: Arc::new(records::EndedRecords::new(records)),
        };
        if let Some(lost) = ownership.as_ref().and_then(|o| o.lost_executions()) {
            tokio::spawn(ending::drop_lost(Arc::downgrade(&engine.active), lost));
        }
        if let (Some(ownership), Some(changes)) = (ownership, engine.shared.store.changes()) {
            tokio::spawn(ending::follow_requests(
                Arc::downgrade(&engine.active),
                engine.shared.desk.clone(),
                ownership,
                changes,
            ));
        }
        engine
    }

    /// Counts every execution's events in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        let pools = self.shared.pools.clone();
        metrics.watch_pools(move || pools.figures());
        let active = Arc::downgrade(&self.active);
        metrics.watch_active(move || {
            active
                .upgrade()
                .map_or((0, 0.0), |active| handle::figures(&active))
        });
        self.metrics = Some(metrics);
        self
    }

    /// The server-wide feed of state changes.
    pub fn feed(&self) -> &Arc<Feed> {
        &self.feed
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.shared.store
    }

    /// The plugins.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The latest version of a workflow, planned; refused while archived.
    pub async fn latest_plan(&self, workflow: &str) -> Result<Arc<Plan>, EngineError> {
        let wf = self.shared.store.get_workflow(workflow, None).await?;
        if wf.archived {
            return Err(StoreError::Archived(workflow.to_owned()).into());
        }
        self.plan(&wf)
    }

    /// The compiled plan of a stored workflow version (cached).
    pub fn plan(&self, workflow: &Workflow) -> Result<Arc<Plan>, EngineError> {
        let spec = workflow.spec.clone().unwrap_or_default();
        let key = (spec.name.clone(), workflow.version);
        let cached = self
            .plans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        if let Some(m) = &self.metrics {
            m.cache(CacheKind::Workflow, cached.is_some());
        }
        if let Some(p) = cached {
            return Ok(p);
        }
        let plan = Arc::new(
            spec::compile(&spec, workflow.version, &self.registry).map_err(|source| {
                EngineError::Plan {
                    workflow: spec.name.clone(),
                    version: workflow.version,
                    source,
                }
            })?,
        );
        self.plans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(key, plan.clone());
        Ok(plan)
    }

    /// An execution's record; an ended one from memory when kept there.
    pub async fn execution(&self, id: &str) -> Result<Arc<Execution>, StoreError> {
        if self.records.enabled() {
            let kept = self.records.get(id);
            if let Some(m) = &self.metrics {
                m.cache(CacheKind::Execution, kept.is_some());
            }
            if let Some(e) = kept {
                return Ok(e);
            }
        }
        let e = Arc::new(self.shared.store.get_execution(id).await?);
        // Read before a retry of it started here: not kept.
        if !self.lock_active().contains_key(id) {
            self.records.put(&e);
        }
        Ok(e)
    }

    /// Starts an execution of `plan`. Its first records are queued for the
    /// store before this returns; `store().flush()` makes them durable.
    pub fn start(&self, plan: Arc<Plan>, request: RunRequest) -> ExecutionHandle {
        self.create(plan, request, Watchers::eager()).launch()
    }

    /// Creates an execution of `plan` — started, running, cancellable —
    /// whose records go to the store, and which is listed in the active
    /// table and begins its work, when the result is launched (see
    /// [`Engine::launch_all`]); one dropped unlaunched leaves no trace. A
    /// burst of starts (10,000 schedules firing on one second) prepares
    /// them all first, so that neither the runs already started nor the
    /// store writing their records slow down the starting of the rest. It
    /// must be launched. Live watchers see its events from their
    /// subscription on (history is in the store).
    pub fn prepare(&self, plan: Arc<Plan>, request: RunRequest) -> Prepared {
        self.create(plan, request, Watchers::lazy())
    }

    /// Launches prepared executions, their records handed to the store in
    /// one piece first; the handles come back in the same order.
    pub fn launch_all(&self, runs: Vec<Prepared>) -> Vec<ExecutionHandle> {
        let mut writes = Vec::with_capacity(2 * runs.len());
        let mut works = Vec::with_capacity(runs.len());
        for run in runs {
            writes.extend(run.records.into_writes());
            works.push(run.ready);
        }
        self.shared.store.append_all(writes);
        let mut active = self.lock_active();
        for work in &works {
            active.insert(work.id.clone(), work.live.clone());
        }
        drop(active);
        works.into_iter().map(Ready::spawn_listed).collect()
    }

    /// Launches prepared executions whose records a claim stored already
    /// ([`Prepared::records`]); the handles come back in the same order.
    pub fn launch_claimed(&self, runs: Vec<Prepared>) -> Vec<ExecutionHandle> {
        runs.into_iter().map(|run| run.ready.spawn()).collect()
    }

    fn create(&self, plan: Arc<Plan>, request: RunRequest, watch: Watch) -> Prepared {
        let header = Execution {
            id: new_execution_id(&plan.name),
            workflow: plan.name.to_string(),
            version: plan.version,
            status: ExecutionState::Running as i32,
            input: Some(request.input),
            started_at: Some(proto::now()),
            event: request.event.as_ref().map(proto::json_to_pb),
            timeout_ms: request.timeout.map_or(0, |t| t.as_millis() as u64),
            started_by: if request.started_by.is_empty() {
                "api".to_owned()
            } else {
                request.started_by
            },
            ..Default::default()
        };
        self.arm(plan, Arc::new(header), Arming::New, watch)
    }

    /// Resumes every execution the store holds as unfinished. Tasks that
    /// ended keep their results; tasks that were running run again. All
    /// are listed at once; their work starts at `resume_rate` a second.
    ///
    /// On a store shared by replicas, "unfinished" means claimed: the
    /// executions whose replica stopped heartbeating or handed them back,
    /// which this one takes over; a server calls this periodically.
    pub async fn resume_unfinished(&self) -> Result<Vec<ExecutionHandle>, EngineError> {
        let store = &self.shared.store;
        let mut handles = Vec::new();
        let unfinished = match &self.shared.ownership {
            None => store.unfinished_executions().await?,
            Some(ownership) => {
                let mut claimed = Vec::new();
                for id in ownership.claim_orphans().await? {
                    if !self.lock_active().contains_key(&id) {
                        claimed.push(store.get_execution(&id).await?);
                    }
                }
                claimed
            }
        };
        for mut exec in unfinished {
            let events = store.events(&exec.id, 0).await?;
            let last_seq = events.last().map_or(0, |e| e.seq);
            let plan = match store.get_workflow(&exec.workflow, Some(exec.version)).await {
                Ok(w) => self.plan(&w),
                Err(e) => Err(EngineError::Store(e)),
            };
            match plan {
                Ok(plan) => {
                    tracing::info!(execution = %exec.id, workflow = %exec.workflow, "resuming");
                    rerun_interrupted_attempts(&mut exec, &events);
                    let how = Arming::Resumed(last_seq);
                    let armed = self.arm(plan, Arc::new(exec), how, Watchers::eager());
                    let delay = resume_delay(handles.len(), self.resume_rate);
                    handles.push(armed.launch_after(delay));
                }
                // One execution that cannot continue (its workflow was purged,
                // its plugin is gone) must not hold back the others: record
                // why it ended.
                Err(e) => {
                    tracing::error!(execution = %exec.id, error = %e, "cannot resume; marking it failed");
                    self.fail_unresumable(exec, last_seq, &e.to_string())
                        .await?;
                }
            }
        }
        Ok(handles)
    }

    /// Runs again the tasks of an ended execution that failed, were
    /// cancelled or timed out, and everything downstream of them; tasks that
    /// succeeded (or were skipped) upstream keep their outputs. The
    /// execution keeps its id and its history goes on.
    pub async fn retry(&self, id: &str, by: &str) -> Result<ExecutionHandle, EngineError> {
        let store = &self.shared.store;
        let mut exec = store.get_execution(id).await?;
        let state = ExecutionState::try_from(exec.status).unwrap_or_default();
        if !state.is_final() || self.lock_active().contains_key(id) {
            return Err(EngineError::State(format!(
                "execution '{id}' is still running"
            )));
        }
        if state == ExecutionState::Completed
            && exec
                .task_results
                .values()
                .all(|r| r.status != TaskState::Failed as i32)
        {
            return Err(EngineError::State(format!(
                "execution '{id}' completed; nothing to retry"
            )));
        }
        let workflow = store
            .get_workflow(&exec.workflow, Some(exec.version))
            .await?;
        let plan = self.plan(&workflow)?;
        // Whoever ran it last, this replica runs it again.
        if let Some(o) = &self.shared.ownership
            && !o.claim_ended(id).await?
        {
            return Err(EngineError::State(format!(
                "execution '{id}' is running on another replica"
            )));
        }
        let last_seq = store.events(id, 0).await?.last().map_or(0, |e| e.seq);
        // Tasks to run again: every one that did not succeed or get
        // skipped, and everything downstream of those.
        let mut again = vec![false; plan.tasks.len()];
        for &i in &plan.topological {
            let i = i as usize;
            let ok = exec.task_results.get(&*plan.tasks[i].id).is_some_and(|r| {
                r.status == TaskState::Succeeded as i32 || r.status == TaskState::Skipped as i32
            });
            again[i] = !ok || plan.dependencies[i].iter().any(|&d| again[d as usize]);
        }
        for (i, t) in plan.tasks.iter().enumerate() {
            if again[i] {
                exec.task_results.remove(&*t.id);
            }
        }
        exec.status = ExecutionState::Running as i32;
        exec.error.clear();
        exec.cancelled_by.clear();
        exec.finished_at = None;
        exec.duration_ms = 0;
        let rerun = again.iter().filter(|a| **a).count();
        self.audit(
            by,
            "execution.retry",
            id,
            &format!("{rerun} tasks run again"),
        );
        tracing::info!(execution = id, tasks = rerun, "retrying");
        let how = Arming::Retried(last_seq);
        let handle = self
            .arm(plan, Arc::new(exec), how, Watchers::eager())
            .launch();
        // In the active table now, so no reader keeps the old record again.
        self.records.forget(id);
        Ok(handle)
    }

    async fn fail_unresumable(
        &self,
        exec: Execution,
        last_seq: u64,
        why: &str,
    ) -> Result<(), EngineError> {
        let store = &self.shared.store;
        let rec = Recorder::new(
            exec.id.clone(),
            last_seq,
            store.clone(),
            Watchers::default(),
            None,
            Some(FeedTap::new(
                self.feed.clone(),
                exec.workflow.clone(),
                exec.version,
            )),
        );
        end_failed(&rec, exec, format!("cannot resume: {why}")).await?;
        Ok(())
    }

    /// Makes an execution live: its first event recorded (stored at launch,
    /// after its header unless resumed), its work ready to launch.
    fn arm(
        &self,
        plan: Arc<Plan>,
        header: Arc<Execution>,
        how: Arming,
        (watchers, first_rx): Watch,
    ) -> Prepared {
        let (last_seq, first) = match how {
            Arming::New => (
                0,
                Kind::ExecutionStarted(ExecutionStarted {
                    workflow: header.workflow.clone(),
                    version: header.version,
                }),
            ),
            Arming::Resumed(seq) | Arming::Retried(seq) => {
                let ownership = self.shared.ownership.as_ref();
                let resumed = ExecutionResumed {
                    replica: ownership
                        .map(|o| o.replica().to_owned())
                        .unwrap_or_default(),
                    epoch: ownership
                        .and_then(|o| o.epoch_of(&header.id))
                        .map_or(0, |e| e as u64),
                };
                (seq, Kind::ExecutionResumed(resumed))
            }
        };
        let fresh_timeout = matches!(how, Arming::Retried(_));
        let rec = Recorder::new(
            header.id.clone(),
            last_seq,
            self.shared.store.clone(),
            watchers.clone(),
            self.metrics.clone().map(|m| (m, plan.clone())),
            Some(FeedTap::new(
                self.feed.clone(),
                header.workflow.clone(),
                header.version,
            )),
        );
        let records = Records {
            store: self.shared.store.clone(),
            header: match how {
                Arming::New => Some(Write::NewExecution(header.clone())),
                Arming::Retried(_) => Some(Write::Execution(header.clone())),
                Arming::Resumed(_) => None,
            },
            first: rec.number_unstored(first),
            audit: matches!(how, Arming::New).then(|| {
                Write::Audit(AuditRecord {
                    time: header.started_at,
                    actor: header.started_by.clone(),
                    action: "execution.start".to_owned(),
                    target: header.id.clone(),
                    reason: format!("workflow {} version {}", header.workflow, header.version),
                })
            }),
        };
        let live = Arc::new(Live {
            running: plan.tasks.iter().map(|_| AtomicBool::new(false)).collect(),
            waiting: Default::default(),
            plan: plan.clone(),
            version: header.version,
            started_at: header.started_at,
            control: Control::default(),
            watchers,
        });
        let id = header.id.clone();
        let listing = Listing {
            active: self.active.clone(),
            ended: self.ended.clone(),
            id: id.clone(),
            end: None,
        };
        let (shared, run_live, crash_rec) = (self.shared.clone(), live.clone(), rec.clone());
        let first = records.first.clone();
        // Its span is the child of whatever starts it: a request's, so a
        // caller's trace goes on through the run.
        let span = tracing::info_span!(
            "execution",
            execution_id = %id,
            workflow = %plan.name,
            status = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        // The run is built inside its task, and its (large) state machine
        // boxed there: a burst of starts costs the starter only the durable
        // record and a small allocation.
        let work = Box::pin(
            async move {
                // Told of once it runs: one dropped unlaunched leaves no trace.
                crash_rec.announce(first);
                let mut listing = listing;
                // The store has usually written the header by now: no copy.
                let header = Arc::unwrap_or_clone(header);
                let store = shared.store.clone();
                let mut run = Run::new(plan, shared, run_live, rec, header);
                if fresh_timeout {
                    run = run.restart_timeout_window();
                }
                let result = match AssertUnwindSafe(boxed(run)).catch_unwind().await {
                    Ok(result) => result,
                    Err(panic) => {
                        let why = crate::panics::message(&*panic);
                        record_crash(&store, &crash_rec, &listing.id, why).await
                    }
                };
                if let Ok(e) = &result {
                    listing.end = Some((e.status, e.finished_at));
                    let state = ExecutionState::try_from(e.status).unwrap_or_default();
                    let span = tracing::Span::current();
                    span.record("status", state.label());
                    if state != ExecutionState::Completed {
                        span.record("otel.status_code", "error");
                    }
                    if e.status == ExecutionState::Failed as i32 {
                        store.append(Write::Audit(AuditRecord {
                            time: e.finished_at,
                            actor: "engine".to_owned(),
                            action: "execution.failed".to_owned(),
                            target: e.id.clone(),
                            reason: e.error.clone(),
                        }));
                    }
                }
                result
            }
            .instrument(span),
        );
        Prepared {
            records,
            ready: Ready {
                id,
                active: self.active.clone(),
                live,
                first_rx,
                work,
            },
        }
    }

    fn lock_active(&self) -> std::sync::MutexGuard<'_, foldhash::HashMap<String, Arc<Live>>> {
        lock_active(&self.active)
    }

    /// The executions running in this engine now, oldest first.
    pub fn active(&self) -> Vec<ActiveExecution> {
        let mut v: Vec<ActiveExecution> = self
            .lock_active()
            .iter()
            .map(|(id, live)| live_entry(id, live))
            .collect();
        v.sort_by_key(|a| a.started_at.map(|t| (t.seconds, t.nanos)));
        v
    }

    /// The active table: executions that ended within the retention (oldest
    /// first), then those running now.
    pub fn active_table(&self) -> Vec<ActiveExecution> {
        let live = self.active();
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        ended.trim();
        // A retried run is listed once: running, not also as it ended.
        let mut v: Vec<ActiveExecution> = ended
            .entries
            .iter()
            .filter(|(_, e)| !live.iter().any(|l| l.execution_id == e.execution_id))
            .map(|(_, e)| e.clone())
            .collect();
        drop(ended);
        v.extend(live);
        v
    }

    /// The task pools' bounds, and what holds and waits for their slots.
    pub fn pools(&self) -> Vec<TaskPool> {
        self.shared.pools.figures().into()
    }

    /// How many executions run in this engine now.
    pub fn active_count(&self) -> usize {
        self.lock_active().len()
    }

    /// Cancels a running execution, and audits it; false when none with
    /// that id runs here.
    pub fn cancel(&self, id: &str, reason: &str, by: &str) -> bool {
        let live = handle::live(&self.active, id);
        let found = live.map(|l| l.control.cancel(reason, by)).is_some();
        if found {
            self.audit(by, "execution.cancel", id, reason);
        }
        found
    }

    /// Cancels an execution wherever it runs: here at once, or — on a
    /// store replicas share — by asking the replica that runs it through
    /// the database (it cancels within a heartbeat, at once when notices
    /// arrive). Audited here; false when no unfinished execution has that
    /// id.
    pub async fn cancel_anywhere(
        &self,
        id: &str,
        reason: &str,
        by: &str,
    ) -> Result<bool, EngineError> {
        if self.cancel(id, reason, by) {
            return Ok(true);
        }
        let Some(ownership) = &self.shared.ownership else {
            return Ok(false);
        };
        let asked = ownership.request_cancel(id, reason, by).await?;
        if asked {
            self.audit(by, "execution.cancel", id, reason);
        }
        Ok(asked)
    }

    /// Stops a running execution here without recording anything, for
    /// another replica to continue; false when none with that id runs here.
    pub fn abandon(&self, id: &str) -> bool {
        let live = handle::live(&self.active, id);
        live.map(|l| l.control.abandon()).is_some()
    }

    /// Adds a record to the audit trail.
    pub fn audit(&self, actor: &str, action: &str, target: &str, reason: &str) {
        self.shared.store.append(Write::Audit(AuditRecord {
            time: Some(proto::now()),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            reason: reason.to_owned(),
        }));
    }

    /// Live events of a running execution (None when it does not run here).
    /// Events from before the call are read from the store.
    pub fn subscribe(&self, id: &str) -> Option<broadcast::Receiver<Arc<ExecutionEvent>>> {
        self.lock_active().get(id).map(|l| l.watchers.subscribe())
    }
}

/// Makes each attempt that was in flight when the execution stopped here
/// (its last event is its start) run again under its own number, so the
/// peer sees the same idempotency key for the same attempt; a task that
/// was waiting to retry goes on with its next attempt.
fn rerun_interrupted_attempts(exec: &mut Execution, events: &[ExecutionEvent]) {
    let mut last: std::collections::HashMap<&str, Option<u32>> = Default::default();
    for ev in events {
        match &ev.kind {
            Some(Kind::TaskStarted(s)) => {
                last.insert(&s.task_id, Some(s.attempt));
            }
            Some(Kind::TaskAttemptFailed(f)) => {
                last.insert(&f.task_id, None);
            }
            _ => {}
        }
    }
    for (task, in_flight) in last {
        if let (Some(attempt), Some(r)) = (in_flight, exec.task_results.get_mut(task))
            && r.status == TaskState::Running as i32
        {
            r.attempts = attempt.saturating_sub(1);
        }
    }
}

/// A run's work on the heap. Boxed in a plain function, so that the
/// future of a prepared execution holds only a pointer to it and stays a
/// few hundred bytes until launched.
fn boxed(run: Run) -> handle::Work {
    Box::pin(run.drive())
}

/// A running execution's row of the active table.
fn live_entry(id: &str, live: &Live) -> ActiveExecution {
    ActiveExecution {
        execution_id: id.to_owned(),
        workflow: live.plan.name.to_string(),
        version: live.version,
        started_at: live.started_at,
        running_tasks: live
            .running
            .iter()
            .zip(&live.plan.tasks)
            .filter(|(r, _)| r.load(Ordering::Relaxed))
            .map(|(_, t)| t.id.to_string())
            .collect(),
        status: match live.waiting.load(Ordering::Relaxed) {
            0 => ExecutionState::Running,
            _ => ExecutionState::Waiting,
        } as i32,
        finished_at: None,
    }
}

/// `<workflow>-<UUIDv7>`: the brief's `<workflow>-` prefix, then an id
/// unique by construction — within this process each is greater than the
/// last (uuid's v7 counter), across processes 62 random bits apart — and
/// time-ordered, so a listing by id is a listing by start.
fn new_execution_id(workflow: &str) -> String {
    let mut buf = uuid::Uuid::encode_buffer();
    let uuid = uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buf);
    let mut id = String::with_capacity(workflow.len() + 1 + uuid.len());
    id.push_str(workflow);
    id.push('-');
    id.push_str(uuid);
    id
}

#[cfg(test)]
mod tests {
    use super::new_execution_id;

    #[test]
    fn execution_ids_made_at_once_are_unique_and_in_order() {
        // Far more than one millisecond's worth: the old 24 random bits met
        // a collision within a few thousand ids of one millisecond.
        let ids: Vec<String> = (0..200_000).map(|_| new_execution_id("wf")).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "not strictly ordered");
        assert!(ids[0].starts_with("wf-"));
        let uuid = uuid::Uuid::parse_str(&ids[0]["wf-".len()..]).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
    }
}
