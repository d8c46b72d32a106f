//! A store that panics, once, on a chosen write: the way to make an
//! execution's own work (not a plugin, whose panics are caught per task)
//! panic in a test.

use std::collections::BTreeMap;
use std::sync::Mutex;

use orchestrator::proto::{
    CacheEntry, Execution, ExecutionEvent, Schedule, Trigger, Workflow, WorkflowSpec,
};
use orchestrator::store::{
    AuditPage, AuditQuery, ExecutionQuery, MemoryStore, Pruned, Retention, Store, StoreError, Write,
};

/// Which write to panic on.
type Trap = Box<dyn Fn(&Write) -> bool + Send + Sync>;

/// A [`MemoryStore`] whose `append` panics the first time `trap` matches.
pub struct FaultyStore {
    inner: MemoryStore,
    trap: Mutex<Option<Trap>>,
}

impl FaultyStore {
    /// Panics on the first write that `trap` matches, then behaves.
    pub fn new(trap: impl Fn(&Write) -> bool + Send + Sync + 'static) -> Self {
        Self {
            inner: MemoryStore::new(),
            trap: Mutex::new(Some(Box::new(trap))),
        }
    }
}

#[async_trait::async_trait]
impl Store for FaultyStore {
    async fn save_workflow(&self, spec: WorkflowSpec) -> Result<Workflow, StoreError> {
        self.inner.save_workflow(spec).await
    }
    async fn get_workflow(&self, name: &str, version: Option<u32>) -> Result<Workflow, StoreError> {
        self.inner.get_workflow(name, version).await
    }
    async fn list_workflows(&self, include_archived: bool) -> Result<Vec<Workflow>, StoreError> {
        self.inner.list_workflows(include_archived).await
    }
    async fn list_versions(&self, name: &str) -> Result<Vec<Workflow>, StoreError> {
        self.inner.list_versions(name).await
    }
    async fn set_archived(&self, name: &str, archived: bool) -> Result<Workflow, StoreError> {
        self.inner.set_archived(name, archived).await
    }
    async fn purge_workflow(&self, name: &str) -> Result<u32, StoreError> {
        self.inner.purge_workflow(name).await
    }
    fn append(&self, write: Write) {
        let mut trap = self.trap.lock().unwrap();
        if trap.as_ref().is_some_and(|t| t(&write)) {
            trap.take();
            drop(trap);
            panic!("the store was told to panic");
        }
        drop(trap);
        self.inner.append(write)
    }
    async fn flush(&self) -> Result<(), StoreError> {
        self.inner.flush().await
    }
    async fn get_execution(&self, id: &str) -> Result<Execution, StoreError> {
        self.inner.get_execution(id).await
    }
    async fn events(&self, id: &str, from_seq: u64) -> Result<Vec<ExecutionEvent>, StoreError> {
        self.inner.events(id, from_seq).await
    }
    async fn list_executions(&self, query: &ExecutionQuery) -> Result<Vec<Execution>, StoreError> {
        self.inner.list_executions(query).await
    }
    async fn unfinished_executions(&self) -> Result<Vec<Execution>, StoreError> {
        self.inner.unfinished_executions().await
    }
    async fn get_cache(&self, key: &[u8; 32]) -> Result<Option<CacheEntry>, StoreError> {
        self.inner.get_cache(key).await
    }
    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        self.inner.list_schedules().await
    }
    async fn list_triggers(&self) -> Result<Vec<Trigger>, StoreError> {
        self.inner.list_triggers().await
    }
    async fn audit_page(&self, q: &AuditQuery) -> Result<AuditPage, StoreError> {
        self.inner.audit_page(q).await
    }
    async fn stats(&self) -> Result<BTreeMap<String, String>, StoreError> {
        self.inner.stats().await
    }
    async fn compact(&self) -> Result<(), StoreError> {
        self.inner.compact().await
    }
    async fn prune(&self, retention: &Retention) -> Result<Pruned, StoreError> {
        self.inner.prune(retention).await
    }
}
