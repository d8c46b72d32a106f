//! The rows schedule claims read and write (`claims`): the schedules'
//! last ticks and skipped counts, and `schedule_ticks`, one row per tick
//! with what it did.

use std::collections::HashMap;

use sqlx::{PgPool, Postgres, Row, Transaction};

use super::backend;
use crate::store::{Claimed, StoreError};

/// A locked schedule row as the batch moves it.
pub(super) struct Held {
    pub(super) updated_ms: i64,
    pub(super) last_tick: i64,
    pub(super) skipped: i64,
    pub(super) moved: bool,
}

/// A tick's row to insert.
pub(super) struct TickRow {
    pub(super) schedule: String,
    pub(super) tick: i64,
    pub(super) outcome: &'static str,
    pub(super) execution: String,
    pub(super) detail: String,
}

/// Rows of `schedule_ticks` by (schedule, tick) → (outcome, execution).
pub(super) async fn ticks_of(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[&str],
    ticks: &[i64],
) -> Result<HashMap<(String, i64), (String, String)>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(
        "SELECT t.schedule_id, t.tick_ms, t.outcome, t.execution_id
         FROM schedule_ticks t JOIN UNNEST($1::text[], $2::bigint[]) AS k(id, tick)
           ON t.schedule_id = k.id AND t.tick_ms = k.tick",
    )
    .bind(ids)
    .bind(ticks)
    .fetch_all(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                (r.get("schedule_id"), r.get("tick_ms")),
                (r.get("outcome"), r.get("execution_id")),
            )
        })
        .collect())
}

/// Fills in what the claims of ticks made already did.
pub(super) async fn look_up_taken(
    tx: &mut Transaction<'_, Postgres>,
    answers: &mut [Claimed],
    taken: Vec<(usize, String, i64)>,
) -> Result<(), StoreError> {
    let ids: Vec<&str> = taken.iter().map(|(_, id, _)| id.as_str()).collect();
    let ticks: Vec<i64> = taken.iter().map(|(_, _, t)| *t).collect();
    let found = ticks_of(tx, &ids, &ticks).await?;
    for (i, id, t) in &taken {
        if let Some((outcome, execution_id)) = found.get(&(id.clone(), *t)) {
            answers[*i] = Claimed::Taken {
                outcome: outcome.clone(),
                execution_id: execution_id.clone(),
            };
        }
    }
    Ok(())
}

/// Inserts the rows of the ticks claimed.
pub(super) async fn insert_ticks(
    tx: &mut Transaction<'_, Postgres>,
    rows: Vec<TickRow>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let schedules: Vec<&str> = rows.iter().map(|r| r.schedule.as_str()).collect();
    let ticks: Vec<i64> = rows.iter().map(|r| r.tick).collect();
    let outcomes: Vec<&str> = rows.iter().map(|r| r.outcome).collect();
    let executions: Vec<&str> = rows.iter().map(|r| r.execution.as_str()).collect();
    let details: Vec<&str> = rows.iter().map(|r| r.detail.as_str()).collect();
    sqlx::query(
        "INSERT INTO schedule_ticks (schedule_id, tick_ms, outcome, execution_id, detail)
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (schedule_id, tick_ms) DO NOTHING",
    )
    .bind(&schedules)
    .bind(&ticks)
    .bind(&outcomes)
    .bind(&executions)
    .bind(&details)
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Marks queued ticks started, by their runs.
pub(super) async fn mark_dequeued(
    tx: &mut Transaction<'_, Postgres>,
    dequeued: Vec<(String, i64, String)>,
) -> Result<(), StoreError> {
    if dequeued.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = dequeued.iter().map(|(id, _, _)| id.as_str()).collect();
    let ticks: Vec<i64> = dequeued.iter().map(|(_, t, _)| *t).collect();
    let runs: Vec<&str> = dequeued.iter().map(|(_, _, r)| r.as_str()).collect();
    sqlx::query(
        "UPDATE schedule_ticks t SET outcome = 'started', execution_id = v.r
         FROM UNNEST($1::text[], $2::bigint[], $3::text[]) AS v(id, tick, r)
         WHERE t.schedule_id = v.id AND t.tick_ms = v.tick",
    )
    .bind(&ids)
    .bind(&ticks)
    .bind(&runs)
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Stores the schedules' new last ticks and skipped counts.
pub(super) async fn move_schedules(
    tx: &mut Transaction<'_, Postgres>,
    held: &HashMap<String, Held>,
) -> Result<(), StoreError> {
    let moved: Vec<(&String, &Held)> = held.iter().filter(|(_, h)| h.moved).collect();
    if moved.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = moved.iter().map(|(id, _)| id.as_str()).collect();
    let last: Vec<i64> = moved.iter().map(|(_, h)| h.last_tick).collect();
    let skipped: Vec<i64> = moved.iter().map(|(_, h)| h.skipped).collect();
    sqlx::query(
        "UPDATE schedules s SET last_tick_ms = v.t, skipped = s.skipped + v.k
         FROM UNNEST($1::text[], $2::bigint[], $3::bigint[]) AS v(id, t, k) WHERE s.id = v.id",
    )
    .bind(&ids)
    .bind(&last)
    .bind(&skipped)
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// The ticks waiting under the `queue` policy, oldest first per schedule.
pub(super) async fn queued(pool: &PgPool) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT schedule_id, tick_ms FROM schedule_ticks
         WHERE outcome = 'queued' ORDER BY schedule_id, tick_ms",
    )
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(rows
        .iter()
        .map(|r| (r.get("schedule_id"), r.get("tick_ms")))
        .collect())
}
