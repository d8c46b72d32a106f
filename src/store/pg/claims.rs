//! Starts made once across replicas, without a leader: every replica arms
//! every schedule, and the first to claim a tick starts its run. A batch
//! of claims is one transaction that locks the schedules' rows (`FOR
//! UPDATE SKIP LOCKED`: a row another replica holds is its to decide, and
//! the claim is asked again shortly), compares-and-sets each schedule's
//! last tick, inserts each tick's unique row, counts the schedule's runs
//! in flight on every replica for its `max_concurrent` (asking the oldest
//! to cancel under `replace`, leaving a `queued` row under `queue`), and
//! stores the runs that start. A delivery of an event with an id inserts
//! its unique `(trigger, key)` row beside its run. So a tick or delivery
//! starts at most one run, and a run is stored only with its claim.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat};
use sqlx::{PgPool, Postgres, Row, Transaction};

use super::ownership::Ownership;
use super::tick_rows::{
    Held, TickRow, insert_ticks, look_up_taken, mark_dequeued, move_schedules, ticks_of,
};
use super::writer::{self, Group, Retry};
use super::{backend, notify};
use crate::proto::ConcurrencyPolicy;
use crate::scheduler::spec::MAX_BACKLOG;
use crate::store::{Claim, Claimed, Once, Refused, Starter, StoreError};

/// Makes a batch of claims, again and again while the database is out of
/// reach. Tried again, a claim the lost commit made answers as made.
pub(super) async fn make(
    pool: &PgPool,
    ownership: &Ownership,
    claims: Vec<Claim>,
) -> Result<Vec<Claimed>, StoreError> {
    let mut retry = Retry::new("claims");
    loop {
        let tried = attempt(pool, ownership, &claims).await;
        if let Some(done) = retry.settle(tried).await {
            return done.map(|answers| own_commit(&claims, answers));
        }
    }
}

/// Claims "taken" by their own run: a try whose answer was lost did it.
fn own_commit(claims: &[Claim], answers: Vec<Claimed>) -> Vec<Claimed> {
    claims
        .iter()
        .zip(answers)
        .map(|(c, a)| match a {
            Claimed::Taken { execution_id, .. }
                if c.run
                    .as_ref()
                    .is_some_and(|r| r.execution_id == execution_id) =>
            {
                Claimed::Started { replaced: None }
            }
            a => a,
        })
        .collect()
}

/// One try at a batch, in one transaction.
async fn attempt(
    pool: &PgPool,
    ownership: &Ownership,
    claims: &[Claim],
) -> Result<Vec<Claimed>, StoreError> {
    let mut tx = pool.begin().await.map_err(backend)?;
    let mut held = lock_schedules(&mut tx, claims).await?;
    let busy = locked_elsewhere(&mut tx, claims, &held).await?;
    let mut running = in_flight(&mut tx, claims).await?;
    let mut queued = queued_counts(&mut tx, claims).await?;
    let waiting = waiting_ticks(&mut tx, claims).await?;
    let mut delivered = deliver(&mut tx, claims).await?;

    let mut answers = Vec::with_capacity(claims.len());
    let mut rows: Vec<TickRow> = Vec::new();
    let mut dequeued: Vec<(String, i64, String)> = Vec::new();
    let mut taken: Vec<(usize, String, i64)> = Vec::new();
    let mut group = Group::default();
    let mut refused = Refused::default();
    for c in claims {
        let answer = match (&c.starter, &c.once) {
            (Starter::Schedule(id), once) => {
                let Some(h) = held.get_mut(id) else {
                    answers.push(if busy.contains(id) {
                        Claimed::Busy
                    } else {
                        Claimed::Stale
                    });
                    continue;
                };
                if h.updated_ms != 0 && h.updated_ms != c.revision_ms {
                    Claimed::Stale
                } else {
                    match once {
                        Once::Tick(t) if *t <= h.last_tick => {
                            taken.push((answers.len(), id.clone(), *t));
                            Claimed::Taken {
                                outcome: String::new(),
                                execution_id: String::new(),
                            }
                        }
                        Once::Tick(t) => {
                            h.last_tick = *t;
                            h.moved = true;
                            let (answer, row) =
                                tick(&mut tx, c, id, *t, &mut running, &mut queued).await?;
                            if matches!(answer, Claimed::Skipped(_)) {
                                h.skipped += 1;
                            }
                            rows.push(row);
                            answer
                        }
                        Once::Queued(t) => match waiting.get(&(id.clone(), *t)) {
                            Some((outcome, _)) if outcome == "queued" => {
                                let by = c.starter.started_by();
                                let n = running.entry(by).or_default();
                                match &c.run {
                                    Some(run) if *n < i64::from(c.max_concurrent) => {
                                        *n += 1;
                                        dequeued.push((id.clone(), *t, run.execution_id.clone()));
                                        Claimed::Started { replaced: None }
                                    }
                                    _ => Claimed::Queued,
                                }
                            }
                            Some((outcome, execution_id)) => Claimed::Taken {
                                outcome: outcome.clone(),
                                execution_id: execution_id.clone(),
                            },
                            None => Claimed::Stale,
                        },
                        Once::Delivery(_) => Claimed::Stale,
                    }
                }
            }
            (Starter::Trigger(id), Once::Delivery(key)) => {
                match delivered.get_mut(&(id.clone(), key.clone())) {
                    // The first claim of a key in the batch inserted it.
                    Some(Delivery::Inserted) => {
                        let run = c.run.as_ref().map_or("", |r| r.execution_id.as_str());
                        delivered
                            .insert((id.clone(), key.clone()), Delivery::Stored(run.to_owned()));
                        Claimed::Started { replaced: None }
                    }
                    Some(Delivery::Stored(execution_id)) => Claimed::Taken {
                        outcome: "started".into(),
                        execution_id: execution_id.clone(),
                    },
                    None => Claimed::Stale,
                }
            }
            (Starter::Trigger(_), _) => Claimed::Stale,
        };
        if matches!(answer, Claimed::Started { .. })
            && let Some(run) = &c.run
        {
            for w in run.writes.iter().cloned() {
                group.add(w, &HashSet::new(), &mut refused);
            }
        }
        answers.push(answer);
    }
    look_up_taken(&mut tx, &mut answers, taken).await?;
    insert_ticks(&mut tx, rows).await?;
    mark_dequeued(&mut tx, dequeued).await?;
    move_schedules(&mut tx, &held).await?;
    let written = writer::write(&mut tx, ownership, group, false).await?;
    tx.commit().await.map_err(backend)?;
    written.settle(ownership);
    Ok(answers)
}

/// What one new tick does under its schedule's bound, and its row.
async fn tick(
    tx: &mut Transaction<'_, Postgres>,
    c: &Claim,
    schedule: &str,
    t: i64,
    running: &mut HashMap<String, i64>,
    queued: &mut HashMap<String, i64>,
) -> Result<(Claimed, TickRow), StoreError> {
    let row = |outcome, execution: &str, detail: String| TickRow {
        schedule: schedule.to_owned(),
        tick: t,
        outcome,
        execution: execution.to_owned(),
        detail,
    };
    let Some(run) = &c.run else {
        let (outcome, detail) = &c.note;
        return Ok((Claimed::Noted, row(outcome, "", detail.clone())));
    };
    let by = c.starter.started_by();
    let max = i64::from(c.max_concurrent);
    let n = running.entry(by.clone()).or_default();
    if max == 0 || *n < max {
        *n += 1;
        let started = Claimed::Started { replaced: None };
        return Ok((started, row("started", &run.execution_id, String::new())));
    }
    let skipped = |why: String| (Claimed::Skipped(why.clone()), row("skipped", "", why));
    Ok(match c.policy {
        ConcurrencyPolicy::Replace => {
            let reason = format!("replaced by the schedule's tick at {}", rfc3339(t));
            match cancel_oldest(tx, &by, &reason).await? {
                Some(oldest) => (
                    Claimed::Started {
                        replaced: Some(oldest),
                    },
                    row("replaced", &run.execution_id, String::new()),
                ),
                None => skipped(format!(
                    "the {max} runs max_concurrent allows are still starting"
                )),
            }
        }
        ConcurrencyPolicy::Queue => {
            let q = queued.entry(schedule.to_owned()).or_default();
            if *q < MAX_BACKLOG as i64 {
                *q += 1;
                (Claimed::Queued, row("queued", "", String::new()))
            } else {
                skipped(format!("{MAX_BACKLOG} are already queued"))
            }
        }
        _ => skipped(format!("{max} runs already in flight (max_concurrent)")),
    })
}

/// Asks the oldest run of `by` not yet asked to cancel, on whichever
/// replica runs it, to cancel; its id, or None when every run in flight
/// is still being started.
async fn cancel_oldest(
    tx: &mut Transaction<'_, Postgres>,
    by: &str,
    reason: &str,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar(
        "WITH oldest AS (
             SELECT id FROM executions
             WHERE started_by = $1 AND NOT finished AND cancel_reason IS NULL
             ORDER BY started_ms, id LIMIT 1 FOR UPDATE
         ), asked AS (
             UPDATE executions e SET cancel_reason = $2, cancel_by = $1
             FROM oldest WHERE e.id = oldest.id RETURNING e.id
         )
         SELECT asked.id FROM asked, LATERAL (SELECT pg_notify($3, asked.id)) AS notice",
    )
    .bind(by)
    .bind(reason)
    .bind(notify::CANCEL_CHANNEL)
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend)
}

/// The distinct schedules of a batch, sorted (rows are locked in id
/// order, so two replicas' batches cannot deadlock).
fn schedules_of(claims: &[Claim]) -> Vec<&str> {
    let mut ids: Vec<&str> = claims.iter().filter_map(|c| c.starter.schedule()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Locks the rows of the batch's schedules that no other replica holds.
async fn lock_schedules(
    tx: &mut Transaction<'_, Postgres>,
    claims: &[Claim],
) -> Result<HashMap<String, Held>, StoreError> {
    let ids = schedules_of(claims);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(
        "SELECT id, updated_ms, last_tick_ms FROM schedules
         WHERE id = ANY($1) ORDER BY id FOR UPDATE SKIP LOCKED",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(rows
        .iter()
        .map(|r| {
            let held = Held {
                updated_ms: r.get("updated_ms"),
                last_tick: r.get("last_tick_ms"),
                skipped: 0,
                moved: false,
            };
            (r.get("id"), held)
        })
        .collect())
}

/// The batch's schedules that exist but another replica holds.
async fn locked_elsewhere(
    tx: &mut Transaction<'_, Postgres>,
    claims: &[Claim],
    held: &HashMap<String, Held>,
) -> Result<HashSet<String>, StoreError> {
    let others: Vec<&str> = schedules_of(claims)
        .into_iter()
        .filter(|id| !held.contains_key(*id))
        .collect();
    if others.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM schedules WHERE id = ANY($1)")
        .bind(&others)
        .fetch_all(&mut **tx)
        .await
        .map_err(backend)?;
    Ok(ids.into_iter().collect())
}

/// Runs in flight (and not asked to cancel) of each bounded starter in
/// the batch, on every replica.
async fn in_flight(
    tx: &mut Transaction<'_, Postgres>,
    claims: &[Claim],
) -> Result<HashMap<String, i64>, StoreError> {
    let by: Vec<String> = claims
        .iter()
        .filter(|c| c.max_concurrent > 0)
        .map(|c| c.starter.started_by())
        .collect();
    let sql = "SELECT started_by AS k, count(*) AS n FROM executions
               WHERE started_by = ANY($1) AND NOT finished AND cancel_reason IS NULL
               GROUP BY started_by";
    counted(tx, sql, by).await
}

/// What `sql` counts per key of `keys` (bound as `$1`; columns `k`, `n`).
async fn counted(
    tx: &mut Transaction<'_, Postgres>,
    sql: &'static str,
    mut keys: Vec<String>,
) -> Result<HashMap<String, i64>, StoreError> {
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(sql)
        .bind(&keys)
        .fetch_all(&mut **tx)
        .await
        .map_err(backend)?;
    Ok(rows.iter().map(|r| (r.get("k"), r.get("n"))).collect())
}

/// Ticks queued now of each schedule in the batch that queues.
async fn queued_counts(
    tx: &mut Transaction<'_, Postgres>,
    claims: &[Claim],
) -> Result<HashMap<String, i64>, StoreError> {
    let ids = claims
        .iter()
        .filter(|c| c.policy == ConcurrencyPolicy::Queue && c.max_concurrent > 0)
        .filter_map(|c| c.starter.schedule().map(str::to_owned))
        .collect();
    let sql = "SELECT schedule_id AS k, count(*) AS n FROM schedule_ticks
               WHERE schedule_id = ANY($1) AND outcome = 'queued' GROUP BY schedule_id";
    counted(tx, sql, ids).await
}

/// The stored rows of the queued ticks the batch would start: (schedule,
/// tick) → (outcome, execution).
async fn waiting_ticks(
    tx: &mut Transaction<'_, Postgres>,
    claims: &[Claim],
) -> Result<HashMap<(String, i64), (String, String)>, StoreError> {
    let (ids, ticks): (Vec<&str>, Vec<i64>) = claims
        .iter()
        .filter_map(|c| match (&c.starter, &c.once) {
            (Starter::Schedule(id), Once::Queued(t)) => Some((id.as_str(), *t)),
            _ => None,
        })
        .unzip();
    ticks_of(tx, &ids, &ticks).await
}

/// A delivery key as the batch found it.
enum Delivery {
    /// This batch inserted it: its first claim of the key starts.
    Inserted,
    /// Stored already, by the run with this id.
    Stored(String),
}

/// Inserts the batch's delivery rows; which were new, and the run of the
/// others.
async fn deliver(
    tx: &mut Transaction<'_, Postgres>,
    claims: &[Claim],
) -> Result<HashMap<(String, String), Delivery>, StoreError> {
    let (mut triggers, mut keys, mut runs) = (Vec::new(), Vec::new(), Vec::new());
    for c in claims {
        if let (Starter::Trigger(id), Once::Delivery(key)) = (&c.starter, &c.once) {
            triggers.push(id.as_str());
            keys.push(key.as_str());
            runs.push(c.run.as_ref().map_or("", |r| r.execution_id.as_str()));
        }
    }
    if triggers.is_empty() {
        return Ok(HashMap::new());
    }
    let now = chrono::Utc::now().timestamp_millis();
    // Of two claims of one key in the batch, the first row stands.
    let inserted = sqlx::query(
        "INSERT INTO trigger_deliveries (trigger_id, key, execution_id, at_ms)
         SELECT t, k, r, $4 FROM UNNEST($1::text[], $2::text[], $3::text[]) AS d(t, k, r)
         ON CONFLICT (trigger_id, key) DO NOTHING RETURNING trigger_id, key",
    )
    .bind(&triggers)
    .bind(&keys)
    .bind(&runs)
    .bind(now)
    .fetch_all(&mut **tx)
    .await
    .map_err(backend)?;
    let mut out: HashMap<(String, String), Delivery> = inserted
        .iter()
        .map(|r| ((r.get("trigger_id"), r.get("key")), Delivery::Inserted))
        .collect();
    let stored = sqlx::query(
        "SELECT d.trigger_id, d.key, d.execution_id FROM trigger_deliveries d
         JOIN UNNEST($1::text[], $2::text[]) AS k(t, k) ON d.trigger_id = k.t AND d.key = k.k",
    )
    .bind(&triggers)
    .bind(&keys)
    .fetch_all(&mut **tx)
    .await
    .map_err(backend)?;
    for r in stored {
        out.entry((r.get("trigger_id"), r.get("key")))
            .or_insert_with(|| Delivery::Stored(r.get("execution_id")));
    }
    Ok(out)
}

fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}
