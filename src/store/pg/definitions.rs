//! Schedules and triggers in PostgreSQL, shared by replicas. Every write
//! of a definition takes a new revision from one sequence, so a replica
//! learns of another's edits by polling one small aggregate. A schedule's
//! tick record lives apart from its definition — its last tick and
//! skipped count in columns, its ticks in `schedule_ticks` — because the
//! replicas claiming ticks must not rewrite (and so revert) a definition
//! another replica just changed.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::{PgPool, Postgres, Row, Transaction};

use super::backend;
use crate::proto::{self, Schedule, ScheduleTick, Trigger};
use crate::store::{StoreError, decode, encode};

/// Ticks a schedule's record lists (`recent`).
const RECENT: i64 = 10;

/// Stores and removes schedules. A stored record's `last_tick` only ever
/// moves forward (creating or resuming a schedule sets it; claims move
/// it), and its `recent` ticks are rows of their own.
pub(super) async fn schedules(
    tx: &mut Transaction<'_, Postgres>,
    writes: HashMap<String, Option<Arc<Schedule>>>,
) -> Result<(), StoreError> {
    let (put, gone): (Vec<_>, Vec<_>) = writes.into_iter().partition(|(_, s)| s.is_some());
    if !put.is_empty() {
        let (mut ids, mut records, mut updated, mut last) = (vec![], vec![], vec![], vec![]);
        for (id, s) in put {
            let Some(s) = s else { continue };
            let mut record = Schedule::clone(&s);
            record.recent.clear();
            updated.push(record.updated_at.as_ref().map_or(0, proto::timestamp_ms));
            last.push(record.last_tick.as_ref().map_or(0, proto::timestamp_ms));
            records.push(encode(&record));
            ids.push(id);
        }
        sqlx::query(
            "INSERT INTO schedules (id, record, updated_ms, last_tick_ms)
             SELECT * FROM UNNEST($1::text[], $2::bytea[], $3::bigint[], $4::bigint[])
             ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record,
                 updated_ms = EXCLUDED.updated_ms,
                 last_tick_ms = greatest(schedules.last_tick_ms, EXCLUDED.last_tick_ms),
                 revision = nextval('definition_revisions')",
        )
        .bind(&ids)
        .bind(&records)
        .bind(&updated)
        .bind(&last)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    if !gone.is_empty() {
        let ids: Vec<String> = gone.into_iter().map(|(id, _)| id).collect();
        sqlx::query(
            "WITH gone AS (DELETE FROM schedules WHERE id = ANY($1))
             DELETE FROM schedule_ticks WHERE schedule_id = ANY($1)",
        )
        .bind(&ids)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

/// Stores and removes triggers.
pub(super) async fn triggers(
    tx: &mut Transaction<'_, Postgres>,
    writes: HashMap<String, Option<Arc<Trigger>>>,
) -> Result<(), StoreError> {
    let (put, gone): (Vec<_>, Vec<_>) = writes.into_iter().partition(|(_, t)| t.is_some());
    if !put.is_empty() {
        let (ids, records): (Vec<String>, Vec<Vec<u8>>) = put
            .into_iter()
            .filter_map(|(id, t)| Some((id, encode(&*t?))))
            .unzip();
        sqlx::query(
            "INSERT INTO triggers (id, record) SELECT * FROM UNNEST($1::text[], $2::bytea[])
             ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record,
                 revision = nextval('definition_revisions')",
        )
        .bind(&ids)
        .bind(&records)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    if !gone.is_empty() {
        let ids: Vec<String> = gone.into_iter().map(|(id, _)| id).collect();
        sqlx::query(
            "WITH gone AS (DELETE FROM triggers WHERE id = ANY($1))
             DELETE FROM trigger_deliveries WHERE trigger_id = ANY($1)",
        )
        .bind(&ids)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

/// Every schedule by id, with its last tick, skipped count and latest
/// ticks as the replicas claimed them.
pub(super) async fn list_schedules(pool: &PgPool) -> Result<Vec<Schedule>, StoreError> {
    let rows = sqlx::query("SELECT id, record, last_tick_ms, skipped FROM schedules ORDER BY id")
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    let ticks = sqlx::query(
        "SELECT s.id, t.tick_ms, t.outcome, t.execution_id, t.detail
         FROM schedules s CROSS JOIN LATERAL (
             SELECT * FROM schedule_ticks WHERE schedule_id = s.id ORDER BY tick_ms DESC LIMIT $1
         ) t ORDER BY s.id, t.tick_ms DESC",
    )
    .bind(RECENT)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let mut recent: HashMap<String, Vec<ScheduleTick>> = HashMap::new();
    for t in &ticks {
        recent.entry(t.get("id")).or_default().push(tick_of(t));
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.get("id");
        let mut s: Schedule = decode(&id, row.get::<&[u8], _>("record"))?;
        let last: i64 = row.get("last_tick_ms");
        if s.last_tick.as_ref().map_or(0, proto::timestamp_ms) < last {
            s.last_tick = Some(proto::timestamp_from_ms(last));
        }
        s.skipped = s.skipped.max(row.get::<i64, _>("skipped") as u64);
        if let Some(ticks) = recent.remove(&id) {
            s.recent = ticks;
        }
        out.push(s);
    }
    Ok(out)
}

/// A tick from a row of `schedule_ticks`.
pub(super) fn tick_of(row: &sqlx::postgres::PgRow) -> ScheduleTick {
    ScheduleTick {
        scheduled_at: Some(proto::timestamp_from_ms(row.get("tick_ms"))),
        outcome: row.get("outcome"),
        execution_id: row.get("execution_id"),
        detail: row.get("detail"),
    }
}

/// Every trigger, by id.
pub(super) async fn list_triggers(pool: &PgPool) -> Result<Vec<Trigger>, StoreError> {
    let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT record FROM triggers ORDER BY id")
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode("trigger", r)).collect()
}

/// A token that changes whenever a schedule or trigger is stored or
/// removed: the newest revision and the count of each table.
pub(super) async fn revision(pool: &PgPool) -> Result<String, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT coalesce(max(revision), 0) FROM schedules) AS s,
                (SELECT count(*) FROM schedules) AS sn,
                (SELECT coalesce(max(revision), 0) FROM triggers) AS t,
                (SELECT count(*) FROM triggers) AS tn",
    )
    .fetch_one(pool)
    .await
    .map_err(backend)?;
    Ok(format!(
        "{}/{} {}/{}",
        row.get::<i64, _>("s"),
        row.get::<i64, _>("sn"),
        row.get::<i64, _>("t"),
        row.get::<i64, _>("tn")
    ))
}
