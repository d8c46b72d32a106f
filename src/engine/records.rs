//! Ended executions' records, kept in memory for the readers that ask for
//! the same finished run again (a dashboard, a client polling a result):
//! a RocksDB read folds every event of the run, this is a map lookup.
//!
//! Only ended records are kept, and only while this process is the one
//! writer (RocksDB): a retry here drops its entry, but on a shared
//! PostgreSQL store another replica could retry the run unseen. Entries
//! expire after [`TTL`], so a record retention pruned is not served for
//! long after.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;

use crate::proto::{Execution, ExecutionState};

/// How long an entry is served.
const TTL: Duration = Duration::from_secs(60);

/// Largest record kept, encoded: one bigger is read from the store each time.
const MAX_RECORD_BYTES: usize = 1 << 20;

/// Records by execution id, with when each was kept.
type Entries = Mutex<LruCache<String, (Instant, Arc<Execution>)>>;

/// Ended executions' records by id.
pub(super) struct EndedRecords {
    entries: Option<Entries>,
}

impl EndedRecords {
    /// Keeps up to `size` records; 0 keeps none.
    pub(super) fn new(size: usize) -> Self {
        Self {
            entries: NonZeroUsize::new(size).map(|n| Mutex::new(LruCache::new(n))),
        }
    }

    /// Whether records are kept at all.
    pub(super) fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The record of `id`, if kept and fresh.
    pub(super) fn get(&self, id: &str) -> Option<Arc<Execution>> {
        let mut entries = self
            .entries
            .as_ref()?
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match entries.get(id) {
            Some((at, e)) if at.elapsed() < TTL => Some(e.clone()),
            Some(_) => {
                entries.pop(id);
                None
            }
            None => None,
        }
    }

    /// Keeps `e` if it has ended and is not too big.
    pub(super) fn put(&self, e: &Arc<Execution>) {
        let Some(entries) = &self.entries else { return };
        let ended = ExecutionState::try_from(e.status).is_ok_and(ExecutionState::is_final);
        if !ended || prost::Message::encoded_len(e.as_ref()) > MAX_RECORD_BYTES {
            return;
        }
        entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(e.id.clone(), (Instant::now(), e.clone()));
    }

    /// Forgets `id` (it runs again).
    pub(super) fn forget(&self, id: &str) {
        if let Some(entries) = &self.entries {
            entries.lock().unwrap_or_else(|e| e.into_inner()).pop(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution(id: &str, status: ExecutionState) -> Arc<Execution> {
        Arc::new(Execution {
            id: id.into(),
            status: status as i32,
            ..Default::default()
        })
    }

    #[test]
    fn keeps_ended_records_only_and_forgets_on_retry() {
        let records = EndedRecords::new(2);
        records.put(&execution("running", ExecutionState::Running));
        assert!(records.get("running").is_none(), "a running record changes");
        records.put(&execution("done", ExecutionState::Failed));
        assert_eq!(records.get("done").unwrap().id, "done");
        records.forget("done");
        assert!(
            records.get("done").is_none(),
            "a retried record is read again"
        );
    }

    #[test]
    fn bounded_by_count_and_off_at_zero() {
        let records = EndedRecords::new(2);
        for id in ["a", "b", "c"] {
            records.put(&execution(id, ExecutionState::Completed));
        }
        assert!(records.get("a").is_none(), "the least recent is evicted");
        assert!(records.get("c").is_some());
        let off = EndedRecords::new(0);
        off.put(&execution("a", ExecutionState::Completed));
        assert!(!off.enabled() && off.get("a").is_none());
    }
}
