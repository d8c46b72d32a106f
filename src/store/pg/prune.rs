//! Retention on PostgreSQL: ended executions with their events in
//! batches (no statement holds many row locks for long), tick and
//! delivery records with the runs they started, audit records and expired
//! cached results.

use sqlx::{PgPool, Row};

use super::backend;
use crate::store::{Pruned, Retention, StoreError};

/// Ended executions deleted per statement.
const PRUNE_BATCH: i64 = 1000;

/// Removes what `r` lets go.
pub(super) async fn prune(pool: &PgPool, r: &Retention) -> Result<Pruned, StoreError> {
    let mut pruned = Pruned::default();
    if let Some(before) = r.executions_before_ms {
        // In batches, so no statement holds many row locks for long.
        loop {
            let row = sqlx::query(
                "WITH doomed AS (
                     SELECT id FROM executions WHERE finished AND started_ms < $1 LIMIT $2
                 ), gone_events AS (
                     DELETE FROM events WHERE execution_id IN (SELECT id FROM doomed) RETURNING 1
                 ), gone AS (
                     DELETE FROM executions WHERE id IN (SELECT id FROM doomed) RETURNING 1
                 )
                 SELECT (SELECT count(*) FROM gone) AS executions,
                        (SELECT count(*) FROM gone_events) AS events",
            )
            .bind(before)
            .bind(PRUNE_BATCH)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let (executions, events): (i64, i64) = (row.get("executions"), row.get("events"));
            pruned.executions += executions as u64;
            pruned.events += events as u64;
            if executions < PRUNE_BATCH {
                break;
            }
        }
    }
    if let Some(before) = r.executions_before_ms {
        // Tick and delivery records age with the runs they started;
        // a schedule's last tick stays in its row.
        for sql in [
            "DELETE FROM schedule_ticks WHERE tick_ms < $1 AND outcome <> 'queued'",
            "DELETE FROM trigger_deliveries WHERE at_ms < $1",
        ] {
            sqlx::query(sql)
                .bind(before)
                .execute(pool)
                .await
                .map_err(backend)?;
        }
    }
    if let Some(before) = r.audit_before_ms {
        pruned.audit = sqlx::query("DELETE FROM audit WHERE time_ms < $1")
            .bind(before)
            .execute(pool)
            .await
            .map_err(backend)?
            .rows_affected();
    }
    pruned.cache = sqlx::query("DELETE FROM cache WHERE expires_ms <= $1")
        .bind(r.now_ms)
        .execute(pool)
        .await
        .map_err(backend)?
        .rows_affected();
    Ok(pruned)
}
