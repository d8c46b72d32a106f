//! Durable state: workflow versions, executions, their event histories,
//! schedules, event triggers, the audit trail and cached task results. `Store` is the only thing the engine and the
//! API know of storage; `rocks` is the embedded default and `memory` serves
//! tests, benchmarks and `--ephemeral` runs; `pg` keeps it all in
//! PostgreSQL, for several replicas on one database.
//!
//! Execution writes are appended in order and group-committed: `append`
//! never blocks the engine, and `flush` waits until everything appended
//! before it is durable. An execution's task results are derived from its
//! events (`fold_events`), so a crash can lose at most a suffix of history,
//! never leave it inconsistent.

mod claim;
mod memory;
mod pg;
pub mod retention;
mod rocks;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use claim::{Claim, Claimed, Once, Run, Starter};
pub use memory::MemoryStore;
pub use pg::{
    AskedDecision, Changes, LeaseTiming, Notice, Ownership, OwnershipFigures, PgOptions, PgStore,
};
pub use retention::{Pruned, Retention};
pub use rocks::{RocksOptions, RocksStore, WriteStats};

use crate::proto::{
    AuditRecord, CacheEntry, Execution, ExecutionEvent, ExecutionState, Schedule, TaskResult,
    TaskState, Trigger, Workflow, WorkflowSpec, execution_event::Kind,
};

/// A storage failure or a missing record.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// No workflow of that name (or it was purged).
    #[error("workflow '{0}' not found")]
    WorkflowNotFound(String),
    /// The workflow exists but not in that version.
    #[error("workflow '{name}' has no version {version}")]
    VersionNotFound {
        /// Workflow name.
        name: String,
        /// The version asked for.
        version: u32,
    },
    /// The workflow is archived: restore it before saving or running it.
    #[error("workflow '{0}' is archived; restore it first")]
    Archived(String),
    /// No execution with that id.
    #[error("execution '{0}' not found")]
    ExecutionNotFound(String),
    /// Another process has the data directory open.
    #[error("data directory {0} is in use by another process")]
    Locked(String),
    /// Another replica runs the execution now: this one's writes of it
    /// were fenced.
    #[error("execution '{0}' is run by another replica now")]
    OwnershipLost(String),
    /// The store cannot do what was asked (a backup of PostgreSQL).
    #[error("{0}")]
    Unsupported(String),
    /// The database cannot be reached now (connection lost, a failover
    /// under way); the same request may succeed later.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The storage engine failed (disk full, I/O error, ...).
    #[error("storage failure: {0}")]
    Backend(String),
    /// A stored record could not be decoded.
    #[error("corrupt record {key}: {message}")]
    Corrupt {
        /// Which record.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// One ordered write of execution state.
#[derive(Debug, Clone)]
pub enum Write {
    /// Create a new execution's header. Refused when an execution with
    /// that id exists, and so is every later write of the refused one: a
    /// duplicate id can never overwrite another run's header or history.
    NewExecution(Arc<Execution>),
    /// Replace an execution's header (status, times, and when it has
    /// ended, its task results).
    Execution(Arc<Execution>),
    /// Add one event to an execution's history.
    Event(Arc<ExecutionEvent>),
    /// Add a record to the audit trail.
    Audit(AuditRecord),
    /// Create or replace a schedule (keyed by its spec's id).
    Schedule(Arc<Schedule>),
    /// Remove a schedule.
    DeleteSchedule(String),
    /// Create or replace an event trigger (keyed by its spec's id).
    Trigger(Arc<Trigger>),
    /// Remove an event trigger.
    DeleteTrigger(String),
    /// Cache a task result under its key.
    Cache {
        /// SHA-256 of the task type and rendered config.
        key: [u8; 32],
        /// The result.
        entry: CacheEntry,
    },
}

/// The executions whose creation a store refused because their id was
/// taken. Later writes under such an id are dropped too, so the stored
/// history of the execution that holds it stays whole. The writes of the
/// two runs cannot be told apart, so the holder's later writes go as
/// well; left unfinished, it is resumed after a restart. Ids are unique
/// by construction, so this is a guard against a bug, not a path.
#[derive(Default)]
pub(crate) struct Refused(std::collections::HashSet<String>);

impl Refused {
    /// Notes a refused creation.
    pub(crate) fn refuse(&mut self, id: &str) {
        tracing::error!(
            execution = id,
            "an execution with this id exists; the new run's records are refused"
        );
        self.0.insert(id.to_owned());
    }

    /// Whether `write` belongs to a refused execution.
    pub(crate) fn drops(&self, write: &Write) -> bool {
        // Empty but for a bug or a clash between processes: one check.
        if self.0.is_empty() {
            return false;
        }
        match write {
            Write::NewExecution(e) | Write::Execution(e) => self.0.contains(&e.id),
            Write::Event(ev) => self.0.contains(&ev.execution_id),
            _ => false,
        }
    }
}

/// Which audit records to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Made at or after, Unix milliseconds.
    pub from_ms: Option<i64>,
    /// Made before, Unix milliseconds.
    pub to_ms: Option<i64>,
    /// Only records of this actor.
    pub actor: Option<String>,
    /// Only records of this action.
    pub action: Option<String>,
    /// Only records about this execution id or workflow name.
    pub target: Option<String>,
    /// Only records older than this cursor (a page's `next`).
    pub before: Option<String>,
    /// At most this many (0: no limit).
    pub limit: usize,
}

impl AuditQuery {
    /// Whether a record passes the filters other than the time range.
    pub fn matches(&self, r: &AuditRecord) -> bool {
        let same = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        same(&self.actor, &r.actor)
            && same(&self.action, &r.action)
            && same(&self.target, &r.target)
    }
}

/// A page of audit records, and the cursor of the next page.
#[derive(Debug, Clone, Default)]
pub struct AuditPage {
    /// The records, newest first.
    pub records: Vec<AuditRecord>,
    /// Where the next page starts (the store's own cursor); None on the last.
    pub next: Option<String>,
}

/// Which executions to list.
#[derive(Debug, Clone, Default)]
pub struct ExecutionQuery {
    /// Started at or after, Unix milliseconds.
    pub from_ms: Option<i64>,
    /// Started before, Unix milliseconds.
    pub to_ms: Option<i64>,
    /// Only this workflow.
    pub workflow: Option<String>,
    /// Only this state.
    pub status: Option<ExecutionState>,
    /// Only executions listed after this (started ms, id) in newest-first
    /// order: the page cursor, stable while new runs start.
    pub after: Option<(i64, String)>,
    /// At most this many (0: no limit).
    pub limit: usize,
}

impl ExecutionQuery {
    /// Whether an execution passes the filters other than the time range.
    pub fn matches(&self, e: &Execution) -> bool {
        self.workflow.as_ref().is_none_or(|w| *w == e.workflow)
            && self.status.is_none_or(|s| s as i32 == e.status)
    }

    /// Whether an execution started at `started_ms` falls inside the time
    /// range and past the cursor.
    pub fn in_range(&self, started_ms: i64, id: &str) -> bool {
        self.from_ms.is_none_or(|f| started_ms >= f)
            && self.to_ms.is_none_or(|t| started_ms < t)
            && self
                .after
                .as_ref()
                .is_none_or(|(ms, after)| (started_ms, id) < (*ms, after.as_str()))
    }
}

/// Storage of workflows, executions, events and cached results.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Saves a new version of a workflow (version 1 for a new name).
    async fn save_workflow(&self, spec: WorkflowSpec) -> Result<Workflow, StoreError>;
    /// A workflow's given version, or its latest.
    async fn get_workflow(&self, name: &str, version: Option<u32>) -> Result<Workflow, StoreError>;
    /// The latest version of every workflow, by name.
    async fn list_workflows(&self, include_archived: bool) -> Result<Vec<Workflow>, StoreError>;
    /// Every version of a workflow, oldest first.
    async fn list_versions(&self, name: &str) -> Result<Vec<Workflow>, StoreError>;
    /// Archives (soft-deletes) or restores a workflow; returns its latest version.
    async fn set_archived(&self, name: &str, archived: bool) -> Result<Workflow, StoreError>;
    /// Removes every version of a workflow; returns how many there were.
    async fn purge_workflow(&self, name: &str) -> Result<u32, StoreError>;

    /// How this server shares the store with other replicas, when it
    /// does: which executions it owns, its lease. None for a store one
    /// process holds alone, which owns everything in it.
    fn ownership(&self) -> Option<Arc<Ownership>> {
        None
    }

    /// Notices of executions' new events written by other processes, when
    /// others write to this store. None when this process is its only
    /// writer (live watchers hear of its own runs from the engine).
    fn changes(&self) -> Option<Arc<Changes>> {
        None
    }

    /// Makes starts that must happen once across replicas (schedule
    /// ticks, deliveries of events with an id), each in one step with
    /// storing the run it starts; the answers come in the claims' order.
    /// A winning claim's run is stored: launch it without its records. A
    /// store one process holds alone has no one to race: every claim wins
    /// and its run's records are queued like any write.
    async fn claim(&self, claims: Vec<Claim>) -> Result<Vec<Claimed>, StoreError> {
        let mut answers = Vec::with_capacity(claims.len());
        for c in claims {
            answers.push(match c.run {
                Some(run) => {
                    self.append_all(run.writes);
                    Claimed::Started { replaced: None }
                }
                None => Claimed::Noted,
            });
        }
        Ok(answers)
    }

    /// The ticks waiting for a run of their schedule to end (the `queue`
    /// policy) on a store shared by replicas: (schedule, tick ms), oldest
    /// first. Empty elsewhere: there each scheduler queues in memory.
    async fn queued_ticks(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(Vec::new())
    }

    /// A token that changes whenever any replica stores or removes a
    /// schedule or trigger; None where this process is the only one to.
    async fn definitions_revision(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    /// Queues a write; writes are applied in the order appended.
    fn append(&self, write: Write);
    /// Queues writes in their order, as one hand-over: a burst of starts
    /// must not wake the writer once per record.
    fn append_all(&self, writes: Vec<Write>) {
        for w in writes {
            self.append(w);
        }
    }
    /// Waits until every write appended before this call is durable.
    async fn flush(&self) -> Result<(), StoreError>;
    /// An execution with its task results.
    async fn get_execution(&self, id: &str) -> Result<Execution, StoreError>;
    /// An execution's events from `from_seq` on.
    async fn events(&self, id: &str, from_seq: u64) -> Result<Vec<ExecutionEvent>, StoreError>;
    /// The events of several executions after the sequence number given
    /// for each, each execution's in order; executions not found are left
    /// out. (A replica reads the others' new events for its feed this way,
    /// in one query.)
    async fn events_after(
        &self,
        from: &[(String, u64)],
    ) -> Result<Vec<ExecutionEvent>, StoreError> {
        let mut out = Vec::new();
        for (id, after) in from {
            match self.events(id, after + 1).await {
                Ok(events) => out.extend(events),
                Err(StoreError::ExecutionNotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
    /// Executions by start time, newest first.
    async fn list_executions(&self, query: &ExecutionQuery) -> Result<Vec<Execution>, StoreError>;
    /// Executions that have not ended, with their task results.
    async fn unfinished_executions(&self) -> Result<Vec<Execution>, StoreError>;
    /// Executions waiting on an approval, newest first.
    async fn waiting_executions(&self) -> Result<Vec<Execution>, StoreError> {
        let q = ExecutionQuery {
            status: Some(ExecutionState::Waiting),
            ..Default::default()
        };
        self.list_executions(&q).await
    }
    /// A cached result, if present (expiry is the caller's concern).
    async fn get_cache(&self, key: &[u8; 32]) -> Result<Option<CacheEntry>, StoreError>;

    /// Every schedule, by id.
    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError>;
    /// Every event trigger, by id.
    async fn list_triggers(&self) -> Result<Vec<Trigger>, StoreError>;

    /// The newest `limit` audit records, newest first.
    async fn audit_trail(&self, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        let q = AuditQuery {
            limit,
            ..Default::default()
        };
        Ok(self.audit_page(&q).await?.records)
    }

    /// The audit records `q` selects, newest first, a page at a time.
    async fn audit_page(&self, q: &AuditQuery) -> Result<AuditPage, StoreError>;

    /// Storage statistics: property name → value.
    async fn stats(&self) -> Result<BTreeMap<String, String>, StoreError>;
    /// Compacts the whole store (reclaims space, speeds up reads).
    async fn compact(&self) -> Result<(), StoreError>;
    /// Writes a consistent copy of the store, with every write queued
    /// before the call, into `dir` (which must not exist): a data
    /// directory a server can start on.
    async fn backup(&self, dir: &std::path::Path) -> Result<(), StoreError> {
        let _ = dir;
        Err(StoreError::Unsupported(
            "this store has no backup of its own".into(),
        ))
    }
    /// Removes what `retention` lets go: ended executions (with their
    /// events), audit records and expired cached results older than its
    /// limits. Unfinished executions are kept, however old.
    async fn prune(&self, retention: &Retention) -> Result<Pruned, StoreError>;
}

/// The record of the version of `spec` that follows `prev` (its latest
/// version, if any); refused while the workflow is archived. Both stores
/// number versions this way.
pub(crate) fn next_version(
    prev: Option<Workflow>,
    spec: WorkflowSpec,
) -> Result<Workflow, StoreError> {
    if prev.as_ref().is_some_and(|w| w.archived) {
        return Err(StoreError::Archived(spec.name));
    }
    let now = crate::proto::now();
    Ok(Workflow {
        version: prev.as_ref().map_or(1, |w| w.version + 1),
        created_at: Some(now),
        first_created_at: prev.and_then(|w| w.first_created_at).or(Some(now)),
        archived: false,
        spec: Some(spec),
    })
}

/// Saves `spec` as a new version unless it equals the latest one, which is
/// returned instead: re-running an unchanged file does not pile up versions.
pub async fn save_if_changed(
    store: &dyn Store,
    spec: WorkflowSpec,
) -> Result<Workflow, StoreError> {
    match store.get_workflow(&spec.name, None).await {
        Ok(latest) if latest.archived => Err(StoreError::Archived(spec.name)),
        Ok(latest) if latest.spec.as_ref() == Some(&spec) => Ok(latest),
        Ok(_) | Err(StoreError::WorkflowNotFound(_)) => store.save_workflow(spec).await,
        Err(e) => Err(e),
    }
}

/// Applies events to an execution: task records, status and end time.
/// Events at or below the highest already applied sequence are ignored.
pub fn fold_events<'a>(exec: &mut Execution, events: impl IntoIterator<Item = &'a ExecutionEvent>) {
    for ev in events {
        match &ev.kind {
            Some(Kind::TaskStarted(s)) => {
                let r = exec
                    .task_results
                    .entry(s.task_id.clone())
                    .or_insert_with(|| TaskResult {
                        task_id: s.task_id.clone(),
                        started_at: ev.time,
                        ..Default::default()
                    });
                r.status = TaskState::Running as i32;
                r.attempts = s.attempt;
            }
            Some(Kind::TaskAttemptFailed(f)) => {
                if let Some(r) = exec.task_results.get_mut(&f.task_id) {
                    r.error = f.error.clone();
                }
            }
            Some(Kind::TaskEnded(end)) => {
                if let Some(r) = &end.result {
                    exec.task_results.insert(r.task_id.clone(), r.clone());
                }
            }
            Some(Kind::ExecutionEnded(end)) => {
                exec.status = end.status;
                exec.error = end.error.clone();
                exec.cancelled_by = end.cancelled_by.clone();
                exec.finished_at = ev.time;
                exec.duration_ms =
                    crate::proto::elapsed_ms(exec.started_at.as_ref(), exec.finished_at.as_ref());
            }
            Some(Kind::ApprovalRequested(a)) => {
                if let Some(r) = exec.task_results.get_mut(&a.task_id) {
                    r.status = TaskState::Waiting as i32;
                    // Its wait, and so its deadline, counts from here, across
                    // restarts.
                    r.started_at = a.requested_at;
                }
            }
            // Resumed after it ended: retried. It runs again, and the tasks
            // a retry runs again have no result until they end again.
            Some(Kind::ExecutionResumed(_))
                if ExecutionState::try_from(exec.status).is_ok_and(|s| s.is_final()) =>
            {
                exec.status = ExecutionState::Running as i32;
                exec.error.clear();
                exec.cancelled_by.clear();
                exec.finished_at = None;
                exec.duration_ms = 0;
                exec.task_results.retain(|_, r| {
                    r.status == TaskState::Succeeded as i32 || r.status == TaskState::Skipped as i32
                });
            }
            Some(Kind::ExecutionStarted(_) | Kind::ExecutionResumed(_)) | None => {}
        }
    }
    // Running or waiting, as the tasks say: the header may lag its events.
    let state = ExecutionState::try_from(exec.status).unwrap_or_default();
    if !state.is_final() && state != ExecutionState::Pending {
        let waits = exec
            .task_results
            .values()
            .any(|r| r.status == TaskState::Waiting as i32);
        exec.status = match waits {
            true => ExecutionState::Waiting,
            false => ExecutionState::Running,
        } as i32;
    }
}

/// Encodes a message for storage.
pub(crate) fn encode<M: prost::Message>(m: &M) -> Vec<u8> {
    m.encode_to_vec()
}

/// Decodes a stored message, naming the record when it is corrupt.
pub(crate) fn decode<M: prost::Message + Default>(
    key: &str,
    bytes: &[u8],
) -> Result<M, StoreError> {
    M::decode(bytes).map_err(|e| StoreError::Corrupt {
        key: key.to_owned(),
        message: e.to_string(),
    })
}
