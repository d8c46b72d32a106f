//! The writer task of the PostgreSQL store: it takes everything queued and
//! applies it as one transaction (a group commit) with one statement per
//! kind of record, arrays bound as parameters, then answers the flushes
//! that were waiting on it. Within a group the last write of a record wins,
//! which is what applying them one by one would leave; a new execution
//! whose id is taken is refused with its later writes, as in the other
//! stores.
//!
//! Writes of executions created before the group are fenced: inside the
//! transaction their rows are locked, and only those that still name this
//! replica as owner at the epoch it holds, with the history standing
//! exactly where the group's first event continues it, are written. The
//! writes of the others are dropped and the execution reported lost
//! (`Ownership::settle`), so a history never forks between two replicas.
//!
//! While the database is out of reach (a lost connection, a failover) the
//! writer tries the same writes again until they land, and flushes wait.
//! A commit whose answer was lost may have landed: applied again, its
//! executions are its own and its events are stored once; only an audit
//! record of that group may be stored twice.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use sqlx::{PgPool, Row};
use tokio::sync::{mpsc, oneshot};

use super::ownership::Ownership;
use super::{backend, claims, definitions, notify};
use crate::proto::{
    self, AuditRecord, CacheEntry, Execution, ExecutionEvent, ExecutionState, Schedule, Trigger,
};
use crate::store::{Claim, Claimed, Refused, StoreError, Write, encode};

/// Most writes folded into one transaction.
const MAX_GROUP: usize = 8192;

/// A request to the writer.
pub(super) enum Msg {
    Write(Write),
    /// Writes handed over together, applied in order.
    Writes(Vec<Write>),
    Flush(oneshot::Sender<Result<(), StoreError>>),
    /// Starts to make once (`claims`), after the writes queued before them.
    Claim(
        Vec<Claim>,
        oneshot::Sender<Result<Vec<Claimed>, StoreError>>,
    ),
}

/// One group's writes, folded.
#[derive(Default)]
pub(super) struct Group {
    /// Execution headers by id: the last one, and whether the group creates it.
    executions: HashMap<String, (Arc<Execution>, bool)>,
    events: Vec<Arc<ExecutionEvent>>,
    audit: Vec<AuditRecord>,
    /// Schedules by id: the record, or None to delete.
    schedules: HashMap<String, Option<Arc<Schedule>>>,
    /// Triggers by id: the record, or None to delete.
    triggers: HashMap<String, Option<Arc<Trigger>>>,
    cache: HashMap<[u8; 32], CacheEntry>,
}

impl Group {
    fn is_empty(&self) -> bool {
        self.executions.is_empty()
            && self.events.is_empty()
            && self.audit.is_empty()
            && self.schedules.is_empty()
            && self.triggers.is_empty()
            && self.cache.is_empty()
    }

    /// Adds a write. A new execution whose id is stored already (`stored`)
    /// or was created earlier in this group is refused, and so is every
    /// later write of that id (the caller asks `refused` before adding).
    pub(super) fn add(&mut self, w: Write, stored: &HashSet<String>, refused: &mut Refused) {
        match w {
            Write::NewExecution(e) => {
                let created_here = self.executions.get(&e.id).is_some_and(|(_, new)| *new);
                if created_here || stored.contains(&e.id) {
                    refused.refuse(&e.id);
                } else {
                    self.executions.insert(e.id.clone(), (e, true));
                }
            }
            Write::Execution(e) => {
                let new = self.executions.get(&e.id).is_some_and(|(_, new)| *new);
                self.executions.insert(e.id.clone(), (e, new));
            }
            Write::Event(ev) => self.events.push(ev),
            Write::Audit(r) => self.audit.push(r),
            Write::Schedule(s) => {
                let id = s.spec.as_ref().map_or("", |s| s.id.as_str()).to_owned();
                self.schedules.insert(id, Some(s));
            }
            Write::DeleteSchedule(id) => {
                self.schedules.insert(id, None);
            }
            Write::Trigger(t) => {
                let id = t.spec.as_ref().map_or("", |s| s.id.as_str()).to_owned();
                self.triggers.insert(id, Some(t));
            }
            Write::DeleteTrigger(id) => {
                self.triggers.insert(id, None);
            }
            Write::Cache { key, entry } => {
                self.cache.insert(key, entry);
            }
        }
    }
}

/// Applies queued writes in group commits until the channel closes.
pub(super) async fn write_loop(
    pool: PgPool,
    ownership: Arc<Ownership>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) {
    // After a failed write nothing later may be written: history must not
    // have holes. Every later flush reports the first failure.
    let mut failed: Option<StoreError> = None;
    let mut refused = Refused::default();
    while let Some(first) = rx.recv().await {
        let mut writes = Vec::new();
        let mut waiters = Vec::new();
        let mut claim = None;
        let mut msg = Some(first);
        while let Some(m) = msg.take() {
            match m {
                Msg::Write(w) => writes.push(w),
                Msg::Writes(ws) => writes.extend(ws),
                Msg::Flush(tx) => waiters.push(tx),
                // Made after the writes before it, before any after it.
                Msg::Claim(c, tx) => {
                    claim = Some((c, tx));
                    break;
                }
            }
            if writes.len() < MAX_GROUP {
                msg = rx.try_recv().ok();
            }
        }
        if failed.is_none()
            && !writes.is_empty()
            && let Err(e) = apply(&pool, &ownership, writes, &mut refused).await
        {
            tracing::error!(error = %e, "store write failed; no further writes are accepted");
            failed = Some(e);
        }
        for w in waiters {
            let _ = w.send(failed.clone().map_or(Ok(()), Err));
        }
        if let Some((claims, answer)) = claim {
            let made = match &failed {
                Some(e) => Err(e.clone()),
                None => claims::make(&pool, &ownership, claims).await,
            };
            let _ = answer.send(made);
        }
    }
}

/// Applies a batch of writes in one group commit, again and again while
/// the database is out of reach.
async fn apply(
    pool: &PgPool,
    ownership: &Ownership,
    writes: Vec<Write>,
    refused: &mut Refused,
) -> Result<(), StoreError> {
    let mut retry = Retry::new("writes");
    loop {
        let again = retry.again();
        let attempt = async {
            let stored = stored_ids(pool, &writes, again.then(|| ownership.replica())).await?;
            let mut group = Group::default();
            for w in writes.iter().cloned() {
                if !refused.drops(&w) {
                    group.add(w, &stored, refused);
                }
            }
            if group.is_empty() {
                return Ok(());
            }
            commit(pool, ownership, group, again).await
        };
        if let Some(done) = retry.settle(attempt.await).await {
            return done;
        }
    }
}

/// Tries of something the database must take, again and again while it
/// is out of reach (a lost connection, a failover), 100 ms to 2 s apart.
pub(super) struct Retry {
    what: &'static str,
    backoff: Duration,
    again: bool,
}

impl Retry {
    /// The tries of `what` (named in the logs).
    pub(super) fn new(what: &'static str) -> Self {
        Self {
            what,
            backoff: Duration::from_millis(100),
            again: false,
        }
    }

    /// Whether an earlier try failed, and so may have landed unseen.
    pub(super) fn again(&self) -> bool {
        self.again
    }

    /// The outcome of a try, or None (after a pause) to try again.
    pub(super) async fn settle<T>(
        &mut self,
        result: Result<T, StoreError>,
    ) -> Option<Result<T, StoreError>> {
        let what = self.what;
        match result {
            Err(StoreError::Unavailable(why)) => {
                if !self.again {
                    tracing::error!(error = %why, "the database is out of reach; {what} wait and are tried again");
                }
                self.again = true;
                tokio::time::sleep(self.backoff).await;
                self.backoff = (self.backoff * 2).min(Duration::from_secs(2));
                None
            }
            result => {
                if self.again && result.is_ok() {
                    tracing::info!("the database is back; the {what} that waited went through");
                }
                Some(result)
            }
        }
    }
}

/// Which of the executions `writes` create are stored already. Trying a
/// group again (`mine`), those this replica stored are not counted: the
/// commit that stored them may be the group's own first try.
async fn stored_ids(
    pool: &PgPool,
    writes: &[Write],
    mine: Option<&str>,
) -> Result<HashSet<String>, StoreError> {
    let new: Vec<&str> = writes
        .iter()
        .filter_map(|w| match w {
            Write::NewExecution(e) => Some(e.id.as_str()),
            _ => None,
        })
        .collect();
    if new.is_empty() {
        return Ok(HashSet::new());
    }
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM executions WHERE id = ANY($1) AND ($2::text IS NULL OR owner IS DISTINCT FROM $2)",
    )
    .bind(&new)
    .bind(mine)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(stored.into_iter().collect())
}

/// Writes one group in one transaction, fenced; `again` when the group
/// may have been committed by an earlier try whose answer was lost.
async fn commit(
    pool: &PgPool,
    ownership: &Ownership,
    g: Group,
    again: bool,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(backend)?;
    let written = write(&mut tx, ownership, g, again).await?;
    tx.commit().await.map_err(backend)?;
    written.settle(ownership);
    Ok(())
}

/// What a group's transaction did, for the ownership to learn once it
/// has committed.
pub(super) struct Written {
    created: Vec<String>,
    ended: Vec<String>,
    fenced: Fenced,
}

impl Written {
    /// Holds the executions created, forgets those ended or lost.
    pub(super) fn settle(self, ownership: &Ownership) {
        ownership.hold_new(self.created.iter().map(String::as_str));
        let ended: Vec<&str> = self.ended.iter().map(String::as_str).collect();
        ownership.settle(&ended, &self.fenced.ids, self.fenced.writes);
    }
}

/// Writes one group, fenced, inside `tx`.
pub(super) async fn write(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ownership: &Ownership,
    mut g: Group,
    again: bool,
) -> Result<Written, StoreError> {
    let fenced = fence(tx, ownership, &mut g, again).await?;
    let created: Vec<String> = g
        .executions
        .iter()
        .filter(|(_, (_, new))| *new)
        .map(|(id, _)| id.clone())
        .collect();
    if !g.executions.is_empty() {
        let rows = Rows::of(g.executions.values().map(|(e, _)| &**e));
        // A header replaces the stored one; a new execution's id was
        // checked against the stored ones before the group was made, and
        // this replica owns it from the start.
        sqlx::query(
            "INSERT INTO executions (id, workflow, status, started_ms, finished, record, started_by, owner, epoch)
             SELECT u.*, $8, 1 FROM UNNEST($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bool[], $6::bytea[], $7::text[]) u
             ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status,
                 finished = EXCLUDED.finished, record = EXCLUDED.record",
        )
        .bind(&rows.ids)
        .bind(&rows.workflows)
        .bind(&rows.statuses)
        .bind(&rows.started)
        .bind(&rows.finished)
        .bind(&rows.records)
        .bind(&rows.started_by)
        .bind(ownership.replica())
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    let events = &g.events;
    if !events.is_empty() {
        // Where each history now stands: one past its last event.
        let mut next: HashMap<&str, i64> = HashMap::new();
        for e in events {
            let n = next.entry(e.execution_id.as_str()).or_default();
            *n = (*n).max(e.seq as i64 + 1);
        }
        let (ids, seqs): (Vec<&str>, Vec<i64>) = next.iter().map(|(id, n)| (*id, *n)).unzip();
        sqlx::query(
            "UPDATE executions e SET next_seq = v.n
             FROM UNNEST($1::text[], $2::bigint[]) AS v(id, n) WHERE e.id = v.id",
        )
        .bind(&ids)
        .bind(&seqs)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
        // Watchers on other replicas hear of it when this commits.
        let notices = notify::payloads(
            ownership.replica(),
            next.iter().map(|(id, n)| (*id, *n as u64 - 1)),
        );
        sqlx::query("SELECT pg_notify($1, p) FROM UNNEST($2::text[]) AS p")
            .bind(notify::CHANNEL)
            .bind(&notices)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
        let ids: Vec<&str> = events.iter().map(|e| e.execution_id.as_str()).collect();
        let seqs: Vec<i64> = events.iter().map(|e| e.seq as i64).collect();
        let records: Vec<Vec<u8>> = events.iter().map(|e| encode(&**e)).collect();
        let written = sqlx::query(
            "INSERT INTO events (execution_id, seq, record)
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bytea[])
             ON CONFLICT (execution_id, seq) DO NOTHING",
        )
        .bind(&ids)
        .bind(&seqs)
        .bind(&records)
        .execute(&mut **tx)
        .await
        .map_err(backend)?
        .rows_affected();
        if written < events.len() as u64 {
            tracing::error!(
                kept = events.len() as u64 - written,
                "events whose sequence number was taken were not stored: the history keeps the first"
            );
        }
    }
    if !g.audit.is_empty() {
        let ms: Vec<i64> = g
            .audit
            .iter()
            .map(|r| r.time.as_ref().map_or(0, proto::timestamp_ms))
            .collect();
        let actors: Vec<&str> = g.audit.iter().map(|r| r.actor.as_str()).collect();
        let actions: Vec<&str> = g.audit.iter().map(|r| r.action.as_str()).collect();
        let targets: Vec<&str> = g.audit.iter().map(|r| r.target.as_str()).collect();
        let records: Vec<Vec<u8>> = g.audit.iter().map(encode).collect();
        sqlx::query(
            "INSERT INTO audit (time_ms, actor, action, target, record)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[])",
        )
        .bind(&ms)
        .bind(&actors)
        .bind(&actions)
        .bind(&targets)
        .bind(&records)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    definitions::schedules(tx, g.schedules).await?;
    definitions::triggers(tx, g.triggers).await?;
    if !g.cache.is_empty() {
        let keys: Vec<Vec<u8>> = g.cache.keys().map(|k| k.to_vec()).collect();
        let expires: Vec<i64> = g.cache.values().map(|c| c.expires_at_ms).collect();
        let records: Vec<Vec<u8>> = g.cache.values().map(encode).collect();
        sqlx::query(
            "INSERT INTO cache (key, expires_ms, record)
             SELECT * FROM UNNEST($1::bytea[], $2::bigint[], $3::bytea[])
             ON CONFLICT (key) DO UPDATE SET expires_ms = EXCLUDED.expires_ms, record = EXCLUDED.record",
        )
        .bind(&keys)
        .bind(&expires)
        .bind(&records)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    let ended = g
        .executions
        .values()
        .filter(|(e, _)| ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final()))
        .map(|(e, _)| e.id.clone())
        .collect();
    Ok(Written {
        created,
        ended,
        fenced,
    })
}

/// The executions of a group whose writes were dropped, and how many.
#[derive(Default)]
struct Fenced {
    ids: Vec<String>,
    writes: u64,
}

/// Locks the rows of the executions the group continues (not those it
/// creates) and drops the writes of every one this replica no longer
/// owns at the epoch it holds, or whose history does not stand where the
/// group's first event of it continues (or, tried `again`, just past its
/// last one: the earlier try landed).
async fn fence(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ownership: &Ownership,
    g: &mut Group,
    again: bool,
) -> Result<Fenced, StoreError> {
    // The first and last event of each continued execution in this group
    // (0 for none).
    let mut first: HashMap<&str, (u64, u64)> = HashMap::new();
    for (id, (_, new)) in &g.executions {
        if !new {
            first.entry(id.as_str()).or_insert((0, 0));
        }
    }
    for e in &g.events {
        if g.executions
            .get(&e.execution_id)
            .is_some_and(|(_, new)| *new)
        {
            continue;
        }
        let span = first.entry(e.execution_id.as_str()).or_insert((0, 0));
        if span.0 == 0 {
            span.0 = e.seq;
        }
        span.1 = e.seq;
    }
    if first.is_empty() {
        return Ok(Fenced::default());
    }
    let mut ids: Vec<&str> = first.keys().copied().collect();
    ids.sort_unstable();
    // In id order, so two replicas' transactions cannot deadlock.
    let rows = sqlx::query(
        "SELECT id, owner, epoch, next_seq FROM executions
         WHERE id = ANY($1) ORDER BY id FOR UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await
    .map_err(backend)?;
    let stored: HashMap<String, (Option<String>, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.get("id"),
                (r.get("owner"), r.get("epoch"), r.get("next_seq")),
            )
        })
        .collect();
    let me = ownership.replica();
    // A header of an execution no one stored creates it: no replica can
    // hold what is not there.
    let absent: HashSet<String> = first
        .keys()
        .filter(|id| !stored.contains_key(**id) && g.executions.contains_key(**id))
        .map(|id| (*id).to_owned())
        .collect();
    let lost: HashSet<String> = first
        .iter()
        .filter(|(id, (from, to))| {
            let held = ownership.epoch_of(id);
            let ok = stored.get(**id).is_some_and(|(owner, epoch, next)| {
                owner.as_deref() == Some(me)
                    && held == Some(*epoch)
                    && (*from == 0 || *from as i64 == *next || (again && *to as i64 + 1 == *next))
            });
            !ok && !absent.contains(**id)
        })
        .map(|(id, _)| (*id).to_owned())
        .collect();
    for id in absent {
        if let Some((_, new)) = g.executions.get_mut(&id) {
            *new = true;
        }
    }
    if lost.is_empty() {
        return Ok(Fenced::default());
    }
    let before = g.executions.len() + g.events.len();
    g.executions.retain(|id, _| !lost.contains(id));
    g.events.retain(|e| !lost.contains(&e.execution_id));
    let writes = (before - g.executions.len() - g.events.len()) as u64;
    Ok(Fenced {
        ids: lost.into_iter().collect(),
        writes,
    })
}

/// Execution headers as columns.
struct Rows {
    ids: Vec<String>,
    workflows: Vec<String>,
    statuses: Vec<i32>,
    started: Vec<i64>,
    finished: Vec<bool>,
    records: Vec<Vec<u8>>,
    started_by: Vec<String>,
}

impl Rows {
    fn of<'a>(executions: impl Iterator<Item = &'a Execution>) -> Self {
        let mut rows = Rows {
            ids: Vec::new(),
            workflows: Vec::new(),
            statuses: Vec::new(),
            started: Vec::new(),
            finished: Vec::new(),
            records: Vec::new(),
            started_by: Vec::new(),
        };
        for e in executions {
            rows.ids.push(e.id.clone());
            rows.workflows.push(e.workflow.clone());
            rows.statuses.push(e.status);
            rows.started
                .push(e.started_at.as_ref().map_or(0, proto::timestamp_ms));
            rows.finished
                .push(ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final()));
            rows.records.push(encode(e));
            rows.started_by.push(e.started_by.clone());
        }
        rows
    }
}
