//! A `Store` decorator that times every storage call into
//! `swarm_workflow_db_read_ms` / `swarm_workflow_db_write_ms{operation}`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::Metrics;
use crate::proto::{
    CacheEntry, Execution, ExecutionEvent, Schedule, Trigger, Workflow, WorkflowSpec,
};
use crate::store::{
    AuditPage, AuditQuery, Changes, Claim, Claimed, ExecutionQuery, Ownership, Pruned, Retention,
    Store, StoreError, Write,
};

/// Times the calls of the store it wraps.
pub struct MeteredStore {
    inner: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl MeteredStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }
}

macro_rules! timed {
    ($self:ident, $kind:ident, $op:literal, $call:expr) => {{
        let t = Instant::now();
        let r = $call.await;
        $self.metrics.$kind($op, t.elapsed());
        r
    }};
}

#[async_trait::async_trait]
impl Store for MeteredStore {
    async fn save_workflow(&self, spec: WorkflowSpec) -> Result<Workflow, StoreError> {
        timed!(
            self,
            db_write,
            "save_workflow",
            self.inner.save_workflow(spec)
        )
    }
    async fn get_workflow(&self, name: &str, version: Option<u32>) -> Result<Workflow, StoreError> {
        timed!(
            self,
            db_read,
            "get_workflow",
            self.inner.get_workflow(name, version)
        )
    }
    async fn list_workflows(&self, include_archived: bool) -> Result<Vec<Workflow>, StoreError> {
        timed!(
            self,
            db_read,
            "list_workflows",
            self.inner.list_workflows(include_archived)
        )
    }
    async fn list_versions(&self, name: &str) -> Result<Vec<Workflow>, StoreError> {
        timed!(
            self,
            db_read,
            "list_versions",
            self.inner.list_versions(name)
        )
    }
    async fn set_archived(&self, name: &str, archived: bool) -> Result<Workflow, StoreError> {
        timed!(
            self,
            db_write,
            "set_archived",
            self.inner.set_archived(name, archived)
        )
    }
    async fn purge_workflow(&self, name: &str) -> Result<u32, StoreError> {
        timed!(
            self,
            db_write,
            "purge_workflow",
            self.inner.purge_workflow(name)
        )
    }
    fn ownership(&self) -> Option<Arc<Ownership>> {
        self.inner.ownership()
    }
    fn changes(&self) -> Option<Arc<Changes>> {
        self.inner.changes()
    }
    async fn events_after(
        &self,
        from: &[(String, u64)],
    ) -> Result<Vec<ExecutionEvent>, StoreError> {
        timed!(self, db_read, "events_after", self.inner.events_after(from))
    }
    async fn claim(&self, claims: Vec<Claim>) -> Result<Vec<Claimed>, StoreError> {
        timed!(self, db_write, "claim", self.inner.claim(claims))
    }
    async fn queued_ticks(&self) -> Result<Vec<(String, i64)>, StoreError> {
        timed!(self, db_read, "queued_ticks", self.inner.queued_ticks())
    }
    async fn definitions_revision(&self) -> Result<Option<String>, StoreError> {
        timed!(
            self,
            db_read,
            "definitions_revision",
            self.inner.definitions_revision()
        )
    }
    fn append(&self, write: Write) {
        // Enqueueing is not the write; `flush` measures durability.
        self.inner.append(write);
    }
    fn append_all(&self, writes: Vec<Write>) {
        self.inner.append_all(writes);
    }
    async fn flush(&self) -> Result<(), StoreError> {
        timed!(self, db_write, "put_execution", self.inner.flush())
    }
    async fn get_execution(&self, id: &str) -> Result<Execution, StoreError> {
        timed!(self, db_read, "get_execution", self.inner.get_execution(id))
    }
    async fn events(&self, id: &str, from_seq: u64) -> Result<Vec<ExecutionEvent>, StoreError> {
        timed!(self, db_read, "events", self.inner.events(id, from_seq))
    }
    async fn list_executions(&self, query: &ExecutionQuery) -> Result<Vec<Execution>, StoreError> {
        timed!(
            self,
            db_read,
            "list_executions",
            self.inner.list_executions(query)
        )
    }
    async fn unfinished_executions(&self) -> Result<Vec<Execution>, StoreError> {
        timed!(
            self,
            db_read,
            "unfinished_executions",
            self.inner.unfinished_executions()
        )
    }
    async fn get_cache(&self, key: &[u8; 32]) -> Result<Option<CacheEntry>, StoreError> {
        timed!(self, db_read, "get_cache", self.inner.get_cache(key))
    }
    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        timed!(self, db_read, "list_schedules", self.inner.list_schedules())
    }
    async fn list_triggers(&self) -> Result<Vec<Trigger>, StoreError> {
        timed!(self, db_read, "list_triggers", self.inner.list_triggers())
    }
    async fn audit_page(&self, q: &AuditQuery) -> Result<AuditPage, StoreError> {
        timed!(self, db_read, "audit_page", self.inner.audit_page(q))
    }
    async fn stats(&self) -> Result<BTreeMap<String, String>, StoreError> {
        self.inner.stats().await
    }
    async fn compact(&self) -> Result<(), StoreError> {
        timed!(self, db_write, "compact", self.inner.compact())
    }
    async fn backup(&self, dir: &std::path::Path) -> Result<(), StoreError> {
        timed!(self, db_write, "backup", self.inner.backup(dir))
    }
    async fn prune(&self, retention: &Retention) -> Result<Pruned, StoreError> {
        timed!(self, db_write, "prune", self.inner.prune(retention))
    }
}
