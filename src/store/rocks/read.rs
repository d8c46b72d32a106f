//! Reads of the RocksDB store: records, an execution with its task results
//! folded from its events, and the time-ordered listing of executions.
//! Free functions over the database, so a long read can run on a blocking
//! thread with its own handle.

use rocksdb::{DB, Direction, IteratorMode};

use super::{
    CF_ACTIVE, CF_AUDIT, CF_EVENTS, CF_EXEC_TIME, CF_EXECUTIONS, backend, cf_handle, event_key,
    name_prefix, printable, time_key,
};
use crate::proto::{AuditRecord, Execution, ExecutionEvent, ExecutionState};
use crate::store::{AuditPage, AuditQuery, ExecutionQuery, StoreError, decode, fold_events};

/// A record of column family `cf`, if present.
pub(super) fn get<M: prost::Message + Default>(
    db: &DB,
    cf: &str,
    key: &[u8],
) -> Result<Option<M>, StoreError> {
    let handle = cf_handle(db, cf);
    match db.get_pinned_cf(handle, key).map_err(backend)? {
        None => Ok(None),
        Some(bytes) => decode(&printable(key), &bytes).map(Some),
    }
}

/// An execution with its task results (folded from its events while it runs).
pub(super) fn full_execution(db: &DB, mut e: Execution) -> Result<Execution, StoreError> {
    let ended = ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final());
    if !ended || e.task_results.is_empty() {
        let events = events_from(db, &e.id, 0)?;
        fold_events(&mut e, &events);
    }
    Ok(e)
}

/// An execution's events from `from_seq` on.
pub(super) fn events_from(
    db: &DB,
    id: &str,
    from_seq: u64,
) -> Result<Vec<ExecutionEvent>, StoreError> {
    with_prefix(db, CF_EVENTS, &name_prefix(id), &event_key(id, from_seq))
}

/// The records of `cf` whose keys start with `prefix`, in key order from
/// key `start` on.
pub(super) fn with_prefix<M: prost::Message + Default>(
    db: &DB,
    cf: &str,
    prefix: &[u8],
    start: &[u8],
) -> Result<Vec<M>, StoreError> {
    let iter = db.iterator_cf(
        cf_handle(db, cf),
        IteratorMode::From(start, Direction::Forward),
    );
    let mut out = Vec::new();
    for item in iter {
        let (k, v) = item.map_err(backend)?;
        if !k.starts_with(prefix) {
            break;
        }
        out.push(decode(&printable(&k), &v)?);
    }
    Ok(out)
}

/// Every unfinished execution, with its task results.
pub(super) fn unfinished(db: &DB) -> Result<Vec<Execution>, StoreError> {
    let mut out = Vec::new();
    for item in db.iterator_cf(cf_handle(db, CF_ACTIVE), IteratorMode::Start) {
        let (k, _) = item.map_err(backend)?;
        if let Some(e) = get::<Execution>(db, CF_EXECUTIONS, &k)? {
            out.push(full_execution(db, e)?);
        }
    }
    Ok(out)
}

/// Every execution waiting on an approval (headers, as stored).
pub(super) fn waiting(db: &DB) -> Result<Vec<Execution>, StoreError> {
    let mut out = Vec::new();
    for item in db.iterator_cf(cf_handle(db, CF_ACTIVE), IteratorMode::Start) {
        let (k, _) = item.map_err(backend)?;
        if let Some(e) = get::<Execution>(db, CF_EXECUTIONS, &k)?
            && e.status == ExecutionState::Waiting as i32
        {
            out.push(e);
        }
    }
    Ok(out)
}

/// The audit records `q` selects, newest first. The cursor is the hex key
/// of the last record of the previous page: keys are time, then a counter,
/// so pages neither repeat nor skip records while new ones are made.
pub(super) fn audit_page(db: &DB, q: &AuditQuery) -> Result<AuditPage, StoreError> {
    let mut upper = time_key(q.to_ms.unwrap_or(i64::MAX), "");
    if let Some(cursor) = &q.before {
        let key = hex::decode(cursor).map_err(|_| {
            StoreError::Backend(format!(
                "audit cursor {cursor:?} is not one this store made"
            ))
        })?;
        upper = upper.min(key);
    }
    let lower = q.from_ms.map(|f| time_key(f, ""));
    let iter = db.iterator_cf(
        cf_handle(db, CF_AUDIT),
        IteratorMode::From(&upper, Direction::Reverse),
    );
    let limit = if q.limit == 0 { usize::MAX } else { q.limit };
    let mut page = AuditPage::default();
    let mut last_key = Vec::new();
    for item in iter {
        let (k, v) = item.map_err(backend)?;
        if lower.as_ref().is_some_and(|l| *k < **l) {
            break;
        }
        // `From` starts at the cursor itself, which the last page had.
        if *k >= *upper {
            continue;
        }
        let record: AuditRecord = decode(&printable(&k), &v)?;
        if !q.matches(&record) {
            continue;
        }
        if page.records.len() == limit {
            page.next = Some(hex::encode(&last_key));
            break;
        }
        last_key = k.to_vec();
        page.records.push(record);
    }
    Ok(page)
}

/// The executions `q` selects, newest first.
pub(super) fn list_executions(db: &DB, q: &ExecutionQuery) -> Result<Vec<Execution>, StoreError> {
    let mut upper = time_key(q.to_ms.unwrap_or(i64::MAX), "");
    if let Some((ms, id)) = &q.after {
        upper = upper.min(time_key(*ms, id));
    }
    let lower = q.from_ms.map(|f| time_key(f, ""));
    let iter = db.iterator_cf(
        cf_handle(db, CF_EXEC_TIME),
        IteratorMode::From(&upper, Direction::Reverse),
    );
    let mut out = Vec::new();
    for item in iter {
        let (k, _) = item.map_err(backend)?;
        if k.as_ref() >= upper.as_slice() {
            continue;
        }
        if lower.as_ref().is_some_and(|l| k.as_ref() < l.as_slice()) {
            break;
        }
        let id = String::from_utf8_lossy(&k[9..]).into_owned();
        let Some(e) = get::<Execution>(db, CF_EXECUTIONS, id.as_bytes())? else {
            continue;
        };
        if q.matches(&e) {
            out.push(full_execution(db, e)?);
            if q.limit > 0 && out.len() >= q.limit {
                break;
            }
        }
    }
    Ok(out)
}
