//! The writer thread of the embedded store: it takes everything queued,
//! writes it as one batch with one fsync (a group commit), then answers the
//! flushes that were waiting on that batch. It is also where a new
//! execution's id is checked against those stored: the one place every
//! write passes, in order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use rocksdb::{DB, WriteBatch, WriteOptions};
use tokio::sync::oneshot;

use super::audit_log::AuditLog;
use super::prune::{self, Doomed};
use super::{
    CF_ACTIVE, CF_AUDIT, CF_CACHE, CF_EVENTS, CF_EXEC_TIME, CF_EXECUTIONS, CF_SCHEDULES,
    CF_TRIGGERS, backend, cf_handle, event_key, time_key,
};
use crate::proto::{self, AuditRecord, ExecutionState};
use crate::store::{Pruned, Refused, StoreError, Write, encode};

/// Most writes folded into one group commit.
const MAX_GROUP: usize = 8192;

/// What the writer has done.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) writes: AtomicU64,
    pub(super) commits: AtomicU64,
}

/// A request to the writer.
pub(super) enum Msg {
    Write(Write),
    /// Writes handed over together, applied in order.
    Writes(Vec<Write>),
    Flush(oneshot::Sender<Result<(), StoreError>>),
    /// Ended executions to delete, after the writes queued before them.
    Prune(Vec<Doomed>, oneshot::Sender<Result<Pruned, StoreError>>),
}

/// Applies queued writes in group commits until the channel closes.
pub(super) fn write_loop(
    db: &DB,
    rx: &Receiver<Msg>,
    sync: bool,
    counters: &Counters,
    mut audit_log: Option<AuditLog>,
) {
    let mut wo = WriteOptions::default();
    wo.set_sync(sync);
    // After a failed write nothing later may be written: history must not
    // have holes. Every later flush reports the first failure.
    let mut failed: Option<StoreError> = None;
    let mut batcher = Batcher {
        db,
        refused: Refused::default(),
        created: Default::default(),
        exported: audit_log.as_ref().map(|_| Vec::new()),
    };
    while let Ok(first) = rx.recv() {
        let mut batch = WriteBatch::default();
        batcher.created.clear();
        if let Some(records) = &mut batcher.exported {
            records.clear();
        }
        let mut waiters = Vec::new();
        let mut pruning = None;
        let mut count = 0;
        let mut msg = Some(first);
        while let Some(m) = msg.take() {
            match m {
                // A batch boundary: the deletions see every write before them.
                Msg::Prune(doomed, tx) => {
                    pruning = Some((doomed, tx));
                    break;
                }
                Msg::Write(w) => {
                    batcher.add(&mut batch, w, &mut failed);
                    count += 1;
                }
                Msg::Writes(ws) => {
                    count += ws.len();
                    for w in ws {
                        batcher.add(&mut batch, w, &mut failed);
                    }
                }
                Msg::Flush(tx) => waiters.push(tx),
            }
            if count < MAX_GROUP {
                msg = rx.try_recv().ok();
            }
        }
        if failed.is_none() && !batch.is_empty() {
            match db.write_opt(batch, &wo) {
                Ok(()) => {
                    counters.writes.fetch_add(count as u64, Ordering::Relaxed);
                    counters.commits.fetch_add(1, Ordering::Relaxed);
                    if let (Some(log), Some(records)) = (&mut audit_log, &batcher.exported) {
                        log.append(records);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "store write failed; no further writes are accepted");
                    failed = Some(backend(e));
                }
            }
        }
        for w in waiters {
            let _ = w.send(failed.clone().map_or(Ok(()), Err));
        }
        if let Some((doomed, tx)) = pruning {
            let _ = tx.send(match &failed {
                Some(e) => Err(e.clone()),
                None => prune_now(db, doomed, &wo),
            });
        }
    }
}

fn prune_now(db: &DB, doomed: Vec<Doomed>, wo: &WriteOptions) -> Result<Pruned, StoreError> {
    let mut batch = WriteBatch::default();
    let pruned = prune::delete(db, doomed, &mut batch)?;
    db.write_opt(batch, wo).map_err(backend)?;
    Ok(pruned)
}

/// Adds writes to the group commit being built.
struct Batcher<'a> {
    db: &'a DB,
    refused: Refused,
    /// Executions created by the batch being built (not readable yet).
    created: foldhash::HashSet<String>,
    /// The batch's audit records, when they are exported.
    exported: Option<Vec<AuditRecord>>,
}

impl Batcher<'_> {
    /// Adds one write, unless it belongs to a refused execution; a failed
    /// existence check is a failed write.
    fn add(&mut self, batch: &mut WriteBatch, w: Write, failed: &mut Option<StoreError>) {
        if self.refused.drops(&w) {
            return;
        }
        if let Write::NewExecution(e) = &w {
            match self.exists(&e.id) {
                Ok(false) => {
                    self.created.insert(e.id.clone());
                }
                Ok(true) => return self.refused.refuse(&e.id),
                Err(err) => {
                    failed.get_or_insert(err);
                    return;
                }
            }
        }
        if let (Write::Audit(r), Some(records)) = (&w, &mut self.exported) {
            records.push(r.clone());
        }
        add_write(self.db, batch, w);
    }

    /// Whether an execution with this id is stored or about to be.
    fn exists(&self, id: &str) -> Result<bool, StoreError> {
        if self.created.contains(id) {
            return Ok(true);
        }
        let found = self
            .db
            .get_pinned_cf(cf_handle(self.db, CF_EXECUTIONS), id.as_bytes())
            .map_err(backend)?;
        Ok(found.is_some())
    }
}

fn add_write(db: &DB, batch: &mut WriteBatch, w: Write) {
    match w {
        Write::NewExecution(e) | Write::Execution(e) => {
            let started = e.started_at.as_ref().map_or(0, proto::timestamp_ms);
            batch.put_cf(cf_handle(db, CF_EXECUTIONS), e.id.as_bytes(), encode(&*e));
            batch.put_cf(cf_handle(db, CF_EXEC_TIME), time_key(started, &e.id), []);
            let ended = ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final());
            if ended {
                batch.delete_cf(cf_handle(db, CF_ACTIVE), e.id.as_bytes());
            } else {
                batch.put_cf(cf_handle(db, CF_ACTIVE), e.id.as_bytes(), []);
            }
        }
        Write::Event(ev) => {
            batch.put_cf(
                cf_handle(db, CF_EVENTS),
                event_key(&ev.execution_id, ev.seq),
                encode(&*ev),
            );
        }
        Write::Cache { key, entry } => batch.put_cf(cf_handle(db, CF_CACHE), key, encode(&entry)),
        Write::Schedule(sch) => {
            let id = sch.spec.as_ref().map_or("", |s| s.id.as_str());
            batch.put_cf(cf_handle(db, CF_SCHEDULES), id.as_bytes(), encode(&*sch));
        }
        Write::DeleteSchedule(id) => batch.delete_cf(cf_handle(db, CF_SCHEDULES), id.as_bytes()),
        Write::Trigger(t) => {
            let id = t.spec.as_ref().map_or("", |s| s.id.as_str());
            batch.put_cf(cf_handle(db, CF_TRIGGERS), id.as_bytes(), encode(&*t));
        }
        Write::DeleteTrigger(id) => batch.delete_cf(cf_handle(db, CF_TRIGGERS), id.as_bytes()),
        Write::Audit(record) => {
            // Time, then a process-wide counter: records of one millisecond
            // keep their order and never overwrite each other.
            static SEQ: AtomicU64 = AtomicU64::new(0);
            let ms = record.time.as_ref().map_or(0, proto::timestamp_ms);
            let mut key = time_key(ms, "");
            key.extend_from_slice(&SEQ.fetch_add(1, Ordering::Relaxed).to_be_bytes());
            batch.put_cf(cf_handle(db, CF_AUDIT), key, encode(&record));
        }
    }
}
