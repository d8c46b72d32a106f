//! Retention for the embedded store. Candidates are found by reads on a
//! blocking thread, a chunk at a time, oldest first through the time
//! index; the writer thread deletes them after checking each is still
//! ended, between its group commits, so that a retry re-opening an old
//! execution is never half-deleted. Audit records and expired cached
//! results are deleted directly: audit keys only grow, and a result
//! cached again in between may go too, which costs one cache miss.

use rocksdb::{DB, Direction, IteratorMode, WriteBatch};

use super::{
    CF_AUDIT, CF_CACHE, CF_EVENTS, CF_EXEC_TIME, CF_EXECUTIONS, backend, cf_handle, name_prefix,
    read, time_key,
};
use crate::proto::{CacheEntry, Execution, ExecutionState};
use crate::store::{Pruned, StoreError, decode};

/// Executions examined per chunk: the writer deletes a chunk between two
/// group commits, so a chunk must stay small next to a commit's latency.
pub(super) const CHUNK: usize = 256;

/// An ended execution to delete, with the keys that hold it.
pub(super) struct Doomed {
    id: String,
    time_key: Vec<u8>,
    event_keys: Vec<Box<[u8]>>,
}

/// Ended executions started before `before_ms`, from time-index key
/// `from` on: at most [`CHUNK`] examined, and where the next chunk starts
/// (None when the range is done).
pub(super) fn ended_before(
    db: &DB,
    before_ms: i64,
    from: &[u8],
) -> Result<(Vec<Doomed>, Option<Vec<u8>>), StoreError> {
    let upper = time_key(before_ms, "");
    let iter = db.iterator_cf(
        cf_handle(db, CF_EXEC_TIME),
        IteratorMode::From(from, Direction::Forward),
    );
    let mut doomed = Vec::new();
    for (examined, item) in iter.enumerate() {
        let (k, _) = item.map_err(backend)?;
        if k.as_ref() >= upper.as_slice() {
            return Ok((doomed, None));
        }
        if examined == CHUNK {
            return Ok((doomed, Some(k.to_vec())));
        }
        let id = String::from_utf8_lossy(&k[9..]).into_owned();
        let ended = read::get::<Execution>(db, CF_EXECUTIONS, id.as_bytes())?
            .is_none_or(|e| ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final()));
        if ended {
            doomed.push(Doomed {
                event_keys: event_keys(db, &id)?,
                time_key: k.to_vec(),
                id,
            });
        }
    }
    Ok((doomed, None))
}

fn event_keys(db: &DB, id: &str) -> Result<Vec<Box<[u8]>>, StoreError> {
    let prefix = name_prefix(id);
    let mut keys = Vec::new();
    let iter = db.iterator_cf(
        cf_handle(db, CF_EVENTS),
        IteratorMode::From(&prefix, Direction::Forward),
    );
    for item in iter {
        let (k, _) = item.map_err(backend)?;
        if !k.starts_with(&prefix) {
            break;
        }
        keys.push(k);
    }
    Ok(keys)
}

/// Deletes the doomed executions that are still ended (run on the writer
/// thread, after its last commit). A missing header means a time-index
/// entry left behind: it goes too.
pub(super) fn delete(
    db: &DB,
    doomed: Vec<Doomed>,
    batch: &mut WriteBatch,
) -> Result<Pruned, StoreError> {
    let mut pruned = Pruned::default();
    for d in doomed {
        let header = read::get::<Execution>(db, CF_EXECUTIONS, d.id.as_bytes())?;
        if header.is_some_and(|e| !ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final())) {
            continue;
        }
        batch.delete_cf(cf_handle(db, CF_EXECUTIONS), d.id.as_bytes());
        batch.delete_cf(cf_handle(db, CF_EXEC_TIME), &d.time_key);
        for k in &d.event_keys {
            batch.delete_cf(cf_handle(db, CF_EVENTS), k);
        }
        pruned.executions += 1;
        pruned.events += d.event_keys.len() as u64;
    }
    Ok(pruned)
}

/// Deletes audit records made before `before_ms`.
pub(super) fn audit_before(db: &DB, before_ms: i64) -> Result<u64, StoreError> {
    let upper = time_key(before_ms, "");
    let cf = cf_handle(db, CF_AUDIT);
    let mut count = 0;
    for item in db.iterator_cf(cf, IteratorMode::Start) {
        let (k, _) = item.map_err(backend)?;
        if k.as_ref() >= upper.as_slice() {
            break;
        }
        count += 1;
    }
    if count > 0 {
        // One range tombstone rather than one per record.
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(cf, time_key(i64::MIN, ""), upper);
        db.write(batch).map_err(backend)?;
    }
    Ok(count)
}

/// Deletes cached results that expired at or before `now_ms`.
pub(super) fn expired_cache(db: &DB, now_ms: i64) -> Result<u64, StoreError> {
    let cf = cf_handle(db, CF_CACHE);
    let mut batch = WriteBatch::default();
    let mut count = 0;
    for item in db.iterator_cf(cf, IteratorMode::Start) {
        let (k, v) = item.map_err(backend)?;
        let entry: CacheEntry = decode("cache entry", &v)?;
        if entry.expires_at_ms <= now_ms {
            batch.delete_cf(cf, &k);
            count += 1;
        }
        if batch.len() >= 4096 {
            db.write(std::mem::take(&mut batch)).map_err(backend)?;
        }
    }
    if !batch.is_empty() {
        db.write(batch).map_err(backend)?;
    }
    Ok(count)
}
