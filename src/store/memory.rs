//! An in-process store: the same contract as RocksDB without the disk, for
//! tests, benchmarks and `orchestrator run --ephemeral`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{
    AuditPage, AuditQuery, ExecutionQuery, Pruned, Refused, Retention, Store, StoreError, Write,
    fold_events, next_version,
};
use crate::proto::{
    self, AuditRecord, CacheEntry, Execution, ExecutionEvent, Schedule, Trigger, Workflow,
    WorkflowSpec,
};

#[derive(Default)]
struct Inner {
    /// (name, version) → workflow.
    workflows: BTreeMap<(String, u32), Workflow>,
    /// name → archived flag.
    archived: HashMap<String, bool>,
    executions: HashMap<String, Arc<Execution>>,
    events: HashMap<String, Vec<Arc<ExecutionEvent>>>,
    cache: HashMap<[u8; 32], CacheEntry>,
    audit: Vec<AuditRecord>,
    schedules: BTreeMap<String, Arc<Schedule>>,
    triggers: BTreeMap<String, Arc<Trigger>>,
    refused: Refused,
}

/// A store that keeps everything in memory.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data; keep serving it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn versions(&self, name: &str) -> impl DoubleEndedIterator<Item = &Workflow> {
        self.workflows
            .range((name.to_owned(), 0)..=(name.to_owned(), u32::MAX))
            .map(|(_, w)| w)
    }

    /// A copy of a stored version with the workflow's archived flag.
    fn with_flag(&self, w: &Workflow) -> Workflow {
        let name = w.spec.as_ref().map_or("", |s| s.name.as_str());
        Workflow {
            archived: self.archived.get(name).copied().unwrap_or(false),
            ..w.clone()
        }
    }

    fn latest(&self, name: &str) -> Result<Workflow, StoreError> {
        self.versions(name)
            .next_back()
            .map(|w| self.with_flag(w))
            .ok_or_else(|| StoreError::WorkflowNotFound(name.to_owned()))
    }

    fn full_execution(&self, e: &Execution) -> Execution {
        let mut e = e.clone();
        if let Some(evs) = self.events.get(&e.id).filter(|_| e.task_results.is_empty()) {
            fold_events(&mut e, evs.iter().map(|ev| &**ev));
        }
        e
    }
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    async fn save_workflow(&self, spec: WorkflowSpec) -> Result<Workflow, StoreError> {
        let mut g = self.lock();
        let name = spec.name.clone();
        let w = next_version(g.latest(&name).ok(), spec)?;
        g.workflows.insert((name, w.version), w.clone());
        Ok(w)
    }

    async fn get_workflow(&self, name: &str, version: Option<u32>) -> Result<Workflow, StoreError> {
        let g = self.lock();
        let latest = g.latest(name)?;
        match version {
            None => Ok(latest),
            Some(v) => g
                .workflows
                .get(&(name.to_owned(), v))
                .map(|w| g.with_flag(w))
                .ok_or(StoreError::VersionNotFound {
                    name: name.to_owned(),
                    version: v,
                }),
        }
    }

    async fn list_workflows(&self, include_archived: bool) -> Result<Vec<Workflow>, StoreError> {
        let g = self.lock();
        let mut names: Vec<&String> = g.workflows.keys().map(|(n, _)| n).collect();
        names.dedup();
        Ok(names
            .into_iter()
            .filter_map(|n| g.latest(n).ok())
            .filter(|w| include_archived || !w.archived)
            .collect())
    }

    async fn list_versions(&self, name: &str) -> Result<Vec<Workflow>, StoreError> {
        let g = self.lock();
        g.latest(name)?;
        Ok(g.versions(name).map(|w| g.with_flag(w)).collect())
    }

    async fn set_archived(&self, name: &str, archived: bool) -> Result<Workflow, StoreError> {
        let mut g = self.lock();
        g.latest(name)?;
        g.archived.insert(name.to_owned(), archived);
        g.latest(name)
    }

    async fn purge_workflow(&self, name: &str) -> Result<u32, StoreError> {
        let mut g = self.lock();
        let versions: Vec<_> = g.versions(name).map(|w| w.version).collect();
        if versions.is_empty() {
            return Err(StoreError::WorkflowNotFound(name.to_owned()));
        }
        for v in &versions {
            g.workflows.remove(&(name.to_owned(), *v));
        }
        g.archived.remove(name);
        Ok(versions.len() as u32)
    }

    fn append(&self, write: Write) {
        let mut g = self.lock();
        if g.refused.drops(&write) {
            return;
        }
        match write {
            Write::NewExecution(e) if g.executions.contains_key(&e.id) => g.refused.refuse(&e.id),
            Write::NewExecution(e) | Write::Execution(e) => {
                g.executions.insert(e.id.clone(), e);
            }
            Write::Event(ev) => g
                .events
                .entry(ev.execution_id.clone())
                .or_default()
                .push(ev),
            Write::Cache { key, entry } => {
                g.cache.insert(key, entry);
            }
            Write::Audit(record) => g.audit.push(record),
            Write::Schedule(sch) => {
                let id = sch.spec.as_ref().map_or("", |s| s.id.as_str()).to_owned();
                g.schedules.insert(id, sch);
            }
            Write::DeleteSchedule(id) => {
                g.schedules.remove(&id);
            }
            Write::Trigger(t) => {
                let id = t.spec.as_ref().map_or("", |s| s.id.as_str()).to_owned();
                g.triggers.insert(id, t);
            }
            Write::DeleteTrigger(id) => {
                g.triggers.remove(&id);
            }
        }
    }

    async fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn get_execution(&self, id: &str) -> Result<Execution, StoreError> {
        let g = self.lock();
        let e = g
            .executions
            .get(id)
            .ok_or_else(|| StoreError::ExecutionNotFound(id.to_owned()))?;
        Ok(g.full_execution(e))
    }

    async fn events(&self, id: &str, from_seq: u64) -> Result<Vec<ExecutionEvent>, StoreError> {
        let g = self.lock();
        if !g.executions.contains_key(id) {
            return Err(StoreError::ExecutionNotFound(id.to_owned()));
        }
        Ok(g.events
            .get(id)
            .map(|evs| {
                evs.iter()
                    .filter(|e| e.seq >= from_seq)
                    .map(|e| (**e).clone())
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn list_executions(&self, q: &ExecutionQuery) -> Result<Vec<Execution>, StoreError> {
        let g = self.lock();
        let started = |e: &Execution| e.started_at.as_ref().map_or(0, proto::timestamp_ms);
        let mut v: Vec<&Arc<Execution>> = g
            .executions
            .values()
            .filter(|e| q.in_range(started(e), &e.id) && q.matches(e))
            .collect();
        v.sort_by(|a, b| started(b).cmp(&started(a)).then_with(|| b.id.cmp(&a.id)));
        if q.limit > 0 {
            v.truncate(q.limit);
        }
        Ok(v.into_iter().map(|e| g.full_execution(e)).collect())
    }

    async fn unfinished_executions(&self) -> Result<Vec<Execution>, StoreError> {
        let g = self.lock();
        Ok(g.executions
            .values()
            .filter(|e| !proto::ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final()))
            .map(|e| g.full_execution(e))
            .collect())
    }

    async fn get_cache(&self, key: &[u8; 32]) -> Result<Option<CacheEntry>, StoreError> {
        Ok(self.lock().cache.get(key).cloned())
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        Ok(self
            .lock()
            .schedules
            .values()
            .map(|s| Schedule::clone(s))
            .collect())
    }

    async fn list_triggers(&self) -> Result<Vec<Trigger>, StoreError> {
        Ok(self
            .lock()
            .triggers
            .values()
            .map(|t| Trigger::clone(t))
            .collect())
    }

    async fn audit_page(&self, q: &AuditQuery) -> Result<AuditPage, StoreError> {
        let g = self.lock();
        // The cursor is the position (hex) of the last record of the
        // previous page; records are only appended (pruning aside).
        let end = match &q.before {
            None => g.audit.len(),
            Some(c) => hex::decode(c)
                .ok()
                .and_then(|b| b.try_into().ok())
                .map(|b: [u8; 8]| u64::from_be_bytes(b) as usize)
                .ok_or_else(|| {
                    StoreError::Backend(format!("audit cursor {c:?} is not one this store made"))
                })?
                .min(g.audit.len()),
        };
        let ms = |r: &AuditRecord| r.time.as_ref().map_or(0, proto::timestamp_ms);
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        let mut page = AuditPage::default();
        for (i, r) in g.audit[..end].iter().enumerate().rev() {
            if q.from_ms.is_some_and(|f| ms(r) < f) || q.to_ms.is_some_and(|t| ms(r) >= t) {
                continue;
            }
            if !q.matches(r) {
                continue;
            }
            if page.records.len() == limit {
                page.next = Some(hex::encode(((i + 1) as u64).to_be_bytes()));
                break;
            }
            page.records.push(r.clone());
        }
        Ok(page)
    }

    async fn stats(&self) -> Result<BTreeMap<String, String>, StoreError> {
        let g = self.lock();
        let events: usize = g.events.values().map(Vec::len).sum();
        let keys = g.workflows.len() + g.executions.len() + events + g.cache.len();
        Ok(BTreeMap::from([
            ("backend".to_owned(), "memory".to_owned()),
            ("rocksdb.estimate-num-keys".to_owned(), keys.to_string()),
            ("workflows".to_owned(), g.workflows.len().to_string()),
            ("executions".to_owned(), g.executions.len().to_string()),
            ("events".to_owned(), events.to_string()),
        ]))
    }

    async fn compact(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn prune(&self, r: &Retention) -> Result<Pruned, StoreError> {
        let mut g = self.lock();
        let mut pruned = Pruned::default();
        if let Some(before) = r.executions_before_ms {
            let doomed: Vec<String> = g
                .executions
                .values()
                .filter(|e| {
                    proto::ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final())
                        && e.started_at.as_ref().map_or(0, proto::timestamp_ms) < before
                })
                .map(|e| e.id.clone())
                .collect();
            for id in doomed {
                g.executions.remove(&id);
                pruned.executions += 1;
                pruned.events += g.events.remove(&id).map_or(0, |v| v.len() as u64);
            }
        }
        if let Some(before) = r.audit_before_ms {
            let n = g.audit.len();
            g.audit
                .retain(|a| a.time.as_ref().map_or(0, proto::timestamp_ms) >= before);
            pruned.audit = (n - g.audit.len()) as u64;
        }
        let n = g.cache.len();
        g.cache.retain(|_, c| c.expires_at_ms > r.now_ms);
        pruned.cache = (n - g.cache.len()) as u64;
        Ok(pruned)
    }
}
