//! Workflow versions in the embedded store: free functions over the
//! database, so that the store can run them on a blocking thread (saves
//! are synced writes). Keys are `name \0 version` (big-endian) in
//! `workflows`, the archived flag in `workflow_flags`.

use rocksdb::{DB, Direction, IteratorMode, WriteBatch, WriteOptions};

use super::{
    CF_WORKFLOW_FLAGS, CF_WORKFLOWS, backend, cf_handle, encode, name_prefix, printable, read,
    version_key,
};
use crate::proto::{Workflow, WorkflowSpec};
use crate::store::{StoreError, decode, next_version};

/// Saves the next version of `spec` (the caller serialises saves).
pub(super) fn save(db: &DB, spec: WorkflowSpec) -> Result<Workflow, StoreError> {
    let prev = match latest(db, &spec.name) {
        Ok(w) => Some(w),
        Err(StoreError::WorkflowNotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let name = spec.name.clone();
    let w = next_version(prev, spec)?;
    let mut batch = WriteBatch::default();
    batch.put_cf(
        cf_handle(db, CF_WORKFLOWS),
        version_key(&name, w.version),
        encode(&w),
    );
    write_sync(db, batch)?;
    Ok(w)
}

/// A workflow's given version, or its latest, with its archived flag.
pub(super) fn get(db: &DB, name: &str, version: Option<u32>) -> Result<Workflow, StoreError> {
    let latest = latest(db, name)?;
    let Some(v) = version else {
        return Ok(latest);
    };
    let mut w: Workflow =
        read::get(db, CF_WORKFLOWS, &version_key(name, v))?.ok_or(StoreError::VersionNotFound {
            name: name.to_owned(),
            version: v,
        })?;
    w.archived = latest.archived;
    Ok(w)
}

/// The latest version of every workflow, by name.
pub(super) fn list(db: &DB, include_archived: bool) -> Result<Vec<Workflow>, StoreError> {
    // Walk names by seeking past each name's versions.
    let mut out = Vec::new();
    let mut seek: Vec<u8> = Vec::new();
    loop {
        let mut iter = db.iterator_cf(
            cf_handle(db, CF_WORKFLOWS),
            IteratorMode::From(&seek, Direction::Forward),
        );
        let Some(item) = iter.next() else { break };
        let (k, _) = item.map_err(backend)?;
        let Some(end) = k.iter().position(|&b| b == 0) else {
            break;
        };
        let name = String::from_utf8_lossy(&k[..end]).into_owned();
        let w = latest(db, &name)?;
        if include_archived || !w.archived {
            out.push(w);
        }
        seek = k[..end].to_vec();
        seek.push(1);
    }
    Ok(out)
}

/// Every version of a workflow, oldest first, with the archived flag.
pub(super) fn versions_flagged(db: &DB, name: &str) -> Result<Vec<Workflow>, StoreError> {
    let archived = latest(db, name)?.archived;
    let mut v = versions(db, name)?;
    v.iter_mut().for_each(|w| w.archived = archived);
    Ok(v)
}

/// Archives or restores a workflow; its latest version after.
pub(super) fn set_archived(db: &DB, name: &str, archived: bool) -> Result<Workflow, StoreError> {
    latest(db, name)?;
    let mut batch = WriteBatch::default();
    batch.put_cf(
        cf_handle(db, CF_WORKFLOW_FLAGS),
        name.as_bytes(),
        [u8::from(archived)],
    );
    write_sync(db, batch)?;
    latest(db, name)
}

/// Removes every version of a workflow; how many there were.
pub(super) fn purge(db: &DB, name: &str) -> Result<u32, StoreError> {
    let versions = versions(db, name)?;
    if versions.is_empty() {
        return Err(StoreError::WorkflowNotFound(name.to_owned()));
    }
    let mut batch = WriteBatch::default();
    for w in &versions {
        batch.delete_cf(cf_handle(db, CF_WORKFLOWS), version_key(name, w.version));
    }
    batch.delete_cf(cf_handle(db, CF_WORKFLOW_FLAGS), name.as_bytes());
    write_sync(db, batch)?;
    Ok(versions.len() as u32)
}

fn archived(db: &DB, name: &str) -> Result<bool, StoreError> {
    let flag = db
        .get_pinned_cf(cf_handle(db, CF_WORKFLOW_FLAGS), name.as_bytes())
        .map_err(backend)?;
    Ok(flag.is_some_and(|b| b.first() == Some(&1)))
}

/// Every stored version of a workflow, oldest first (no archived flag).
fn versions(db: &DB, name: &str) -> Result<Vec<Workflow>, StoreError> {
    let prefix = name_prefix(name);
    read::with_prefix(db, CF_WORKFLOWS, &prefix, &prefix)
}

fn latest(db: &DB, name: &str) -> Result<Workflow, StoreError> {
    let mut upper = name_prefix(name);
    upper.extend_from_slice(&u32::MAX.to_be_bytes());
    let mut iter = db.iterator_cf(
        cf_handle(db, CF_WORKFLOWS),
        IteratorMode::From(&upper, Direction::Reverse),
    );
    let prefix = name_prefix(name);
    match iter.next() {
        Some(Ok((k, v))) if k.starts_with(&prefix) => {
            let mut w: Workflow = decode(&printable(&k), &v)?;
            w.archived = archived(db, name)?;
            Ok(w)
        }
        Some(Err(e)) => Err(backend(e)),
        _ => Err(StoreError::WorkflowNotFound(name.to_owned())),
    }
}

fn write_sync(db: &DB, batch: WriteBatch) -> Result<(), StoreError> {
    let mut wo = WriteOptions::default();
    wo.set_sync(true);
    db.write_opt(batch, &wo).map_err(backend)
}
