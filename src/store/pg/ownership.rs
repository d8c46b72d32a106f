//! Which replica runs which execution when several share one database.
//! PostgreSQL is the only coordinator: each replica heartbeats a row of
//! `replicas` on the database's clock, from a connection of its own; an
//! unfinished execution names its owner, and a replica claims the ones
//! whose owner stopped heartbeating (or handed them back) with
//! `FOR UPDATE SKIP LOCKED`, raising their epoch. The writer commits an
//! owner's history only while the row still names it at the epoch it
//! holds (`writer`), so a replica that was paused or cut off cannot add to
//! a history another one continues: its writes are fenced and the engine
//! drops the execution.
//!
//! A replica whose heartbeat fails closes its lease: no task attempt
//! starts until it heartbeats again, and when it does after a lapse it
//! first checks which of its executions are still its own.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use sqlx::{PgConnection, PgPool, Row};
use tokio::sync::{Notify, mpsc};

use super::backend;
use super::hosts::Hosts;
use crate::store::StoreError;

/// Most executions claimed by one statement.
const CLAIM_BATCH: i64 = 500;

/// Replica rows kept this long after their last heartbeat, for operators
/// reading the table; older ones are removed by claims.
const FORGET_REPLICAS_AFTER: &str = "1 hour";

/// Heartbeat timing of a replica.
#[derive(Debug, Clone, Copy)]
pub struct LeaseTiming {
    /// How often the replica heartbeats.
    pub interval: Duration,
    /// How long after its last heartbeat a replica's executions may be
    /// claimed by others.
    pub ttl: Duration,
}

impl Default for LeaseTiming {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(2),
            ttl: Duration::from_secs(15),
        }
    }
}

/// Counts of what ownership did, for metrics.
#[derive(Debug, Default)]
pub struct OwnershipFigures {
    /// Executions claimed from a replica that stopped or handed them back.
    pub takeovers: AtomicU64,
    /// Writes dropped because their execution is no longer this replica's.
    pub fenced_writes: AtomicU64,
    /// Executions this replica lost to another.
    pub lost: AtomicU64,
}

/// Called with each claim's duration and how many executions it took.
type ClaimHook = Box<dyn Fn(Duration, usize) + Send + Sync>;

/// A decision on an approval, asked of the replica that runs it.
#[derive(Debug, Clone)]
pub struct AskedDecision {
    /// The execution.
    pub execution_id: String,
    /// The approval task.
    pub task_id: String,
    /// `orchestrator.v1.Decision`.
    pub decision: i32,
    /// Who decided.
    pub decided_by: String,
    /// Why.
    pub reason: String,
    /// The input given (`google.protobuf.Struct`, encoded).
    pub input: Vec<u8>,
}

/// This replica's part in sharing a database: its identity, its lease,
/// and the executions it holds with their epochs.
pub struct Ownership {
    me: String,
    pool: PgPool,
    timing: LeaseTiming,
    /// Executions this replica owns, by id, with the epoch it holds.
    held: Mutex<HashMap<String, i64>>,
    /// Executions lost since the engine last asked (bounded by what the
    /// engine has not yet dropped).
    lost: Mutex<HashSet<String>>,
    lost_tx: mpsc::UnboundedSender<String>,
    lost_rx: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    /// Milliseconds since `base` until which side effects may start.
    lease_until_ms: AtomicU64,
    base: Instant,
    renewed: Notify,
    released: AtomicBool,
    figures: OwnershipFigures,
    on_claim: OnceLock<ClaimHook>,
    /// Dead rows of the hot tables, as last sampled.
    dead_tuples: Mutex<Vec<(String, i64)>>,
}

impl Ownership {
    /// Registers a new replica and starts its heartbeat on a connection of
    /// its own.
    /// Registers this replica, heartbeating on `conn` (a connection of
    /// its own, out of the pool) and reconnecting through `hosts`.
    pub(super) async fn start(
        pool: PgPool,
        mut conn: PgConnection,
        hosts: Hosts,
        timing: LeaseTiming,
    ) -> Result<Arc<Self>, StoreError> {
        let (lost_tx, lost_rx) = mpsc::unbounded_channel();
        let me = Arc::new(Self {
            me: replica_id(),
            pool,
            timing,
            held: Mutex::default(),
            lost: Mutex::default(),
            lost_tx,
            lost_rx: Mutex::new(Some(lost_rx)),
            lease_until_ms: AtomicU64::new(0),
            base: Instant::now(),
            renewed: Notify::new(),
            released: AtomicBool::new(false),
            figures: OwnershipFigures::default(),
            on_claim: OnceLock::new(),
            dead_tuples: Mutex::default(),
        });
        let sent = Instant::now();
        me.beat(&mut conn).await?;
        me.renew(sent);
        forget_replicas(&me.pool).await?;
        tracing::info!(replica = %me.me, "registered as a replica");
        tokio::spawn(heartbeat_loop(Arc::downgrade(&me), conn, hosts));
        Ok(me)
    }

    /// This replica's id in the `replicas` table.
    pub fn replica(&self) -> &str {
        &self.me
    }

    /// What ownership did so far.
    pub fn figures(&self) -> &OwnershipFigures {
        &self.figures
    }

    /// Dead rows of the hot tables, as last sampled.
    pub fn dead_tuples(&self) -> Vec<(String, i64)> {
        self.dead_tuples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Samples the dead rows of the hot tables (the statistics collector's
    /// figures: no table is scanned).
    pub async fn sample_dead_tuples(&self) -> Result<(), StoreError> {
        let rows = sqlx::query(
            "SELECT relname::text AS name, n_dead_tup AS dead FROM pg_stat_user_tables
             WHERE relname = ANY($1)",
        )
        .bind([
            "executions",
            "events",
            "replicas",
            "cache",
            "schedules",
            "schedule_ticks",
        ])
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        *self.dead_tuples.lock().unwrap_or_else(|e| e.into_inner()) = rows
            .iter()
            .map(|r| (r.get("name"), r.get("dead")))
            .collect();
        Ok(())
    }

    /// How often this replica heartbeats (and claims).
    pub fn interval(&self) -> Duration {
        self.timing.interval
    }

    /// Calls `hook` with every claim's duration and count.
    pub fn on_claim(&self, hook: impl Fn(Duration, usize) + Send + Sync + 'static) {
        let _ = self.on_claim.set(Box::new(hook));
    }

    /// The ids of executions this replica lost, as it learns of them;
    /// handed out once (the engine drops each it hears of).
    pub fn lost_executions(&self) -> Option<mpsc::UnboundedReceiver<String>> {
        self.lost_rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Whether this replica lost `id` to another (its writes were fenced).
    pub fn has_lost(&self, id: &str) -> bool {
        self.lost
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(id)
    }

    /// Holds `id` at `epoch` (claimed): no longer lost, if it was.
    fn hold(&self, id: String, epoch: i64) {
        self.lost
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, epoch);
    }

    /// Waits until this replica may start side effects: its heartbeat is
    /// live. After [`Ownership::release`] it never may again.
    async fn live(&self) {
        loop {
            if self.released.load(Ordering::Acquire) {
                std::future::pending::<()>().await;
            }
            let now = self.base.elapsed().as_millis() as u64;
            if now < self.lease_until_ms.load(Ordering::Acquire) {
                return;
            }
            // Woken by a renewal, or checks again: a lease can also open
            // between the check and the wait.
            let _ = tokio::time::timeout(Duration::from_millis(500), self.renewed.notified()).await;
        }
    }

    /// Waits until this replica may start a side effect of execution
    /// `id`: its lease is live and `id` is still its own. One lost to
    /// another replica never may again: the wait does not end, and the
    /// engine drops the execution. A lapse's re-check marks what was lost
    /// before the lease opens again, so a task waiting on the lease of a
    /// run taken over meanwhile does not start.
    pub async fn may_start(&self, id: &str) {
        self.live().await;
        if self.has_lost(id) {
            std::future::pending::<()>().await;
        }
    }

    /// Whether the lease is live now.
    pub fn is_live(&self) -> bool {
        !self.released.load(Ordering::Acquire)
            && (self.base.elapsed().as_millis() as u64)
                < self.lease_until_ms.load(Ordering::Acquire)
    }

    /// Claims unfinished executions whose owner stopped heartbeating or
    /// handed them back, raising each one's epoch; returns their ids. Rows
    /// another replica is claiming at the same moment are skipped, not
    /// waited for.
    pub async fn claim_orphans(&self) -> Result<Vec<String>, StoreError> {
        if !self.is_live() {
            return Ok(Vec::new());
        }
        let started = Instant::now();
        let rows = sqlx::query(
            "UPDATE executions e SET owner = $1, epoch = e.epoch + 1
             FROM (SELECT x.id FROM executions x
                   WHERE NOT x.finished
                     AND (x.owner IS NULL OR (x.owner <> $1 AND NOT EXISTS (
                          SELECT 1 FROM replicas r WHERE r.id = x.owner
                            AND r.heartbeat_at > now() - make_interval(secs => $2))))
                   ORDER BY x.id LIMIT $3
                   FOR UPDATE OF x SKIP LOCKED) c
             WHERE e.id = c.id
             RETURNING e.id, e.epoch",
        )
        .bind(&self.me)
        .bind(self.timing.ttl.as_secs_f64())
        .bind(CLAIM_BATCH)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let claimed: Vec<(String, i64)> =
            rows.iter().map(|r| (r.get("id"), r.get("epoch"))).collect();
        if let Some(hook) = self.on_claim.get() {
            hook(started.elapsed(), claimed.len());
        }
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        self.figures
            .takeovers
            .fetch_add(claimed.len() as u64, Ordering::Relaxed);
        tracing::info!(
            count = claimed.len(),
            "claimed executions of replicas that stopped"
        );
        let ids = claimed.iter().map(|(id, _)| id.clone()).collect();
        for (id, epoch) in claimed {
            self.hold(id, epoch);
        }
        Ok(ids)
    }

    /// Takes an ended execution over to run it again (a retry), whoever
    /// ran it before; refused while it has not ended.
    pub async fn claim_ended(&self, id: &str) -> Result<bool, StoreError> {
        let epoch: Option<i64> = sqlx::query_scalar(
            "UPDATE executions SET owner = $1, epoch = epoch + 1
             WHERE id = $2 AND finished RETURNING epoch",
        )
        .bind(&self.me)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some(epoch) = epoch else {
            return Ok(false);
        };
        self.hold(id.to_owned(), epoch);
        Ok(true)
    }

    /// Closes the lease for good: no task attempt starts here any more
    /// (the first step of leaving).
    pub fn close(&self) {
        self.released.store(true, Ordering::Release);
        self.renewed.notify_waiters();
    }

    /// Asks whichever replica runs `id` to cancel it, with `reason` in
    /// `by`'s name; false when no unfinished execution has that id. The
    /// owner hears of it at once through a notice, or at its next look.
    pub async fn request_cancel(
        &self,
        id: &str,
        reason: &str,
        by: &str,
    ) -> Result<bool, StoreError> {
        let asked: Option<String> = sqlx::query_scalar(
            "WITH asked AS (
                 UPDATE executions SET cancel_reason = coalesce(cancel_reason, $2),
                        cancel_by = coalesce(cancel_by, $3)
                 WHERE id = $1 AND NOT finished RETURNING id)
             SELECT asked.id FROM asked, LATERAL (SELECT pg_notify($4, asked.id)) AS notice",
        )
        .bind(id)
        .bind(reason)
        .bind(by)
        .bind(super::notify::CANCEL_CHANNEL)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(asked.is_some())
    }

    /// The cancellations asked of executions this replica runs: id,
    /// reason, who asked.
    pub async fn cancel_requests(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, cancel_reason, coalesce(cancel_by, '') AS cancel_by FROM executions
             WHERE owner = $1 AND NOT finished AND cancel_reason IS NOT NULL",
        )
        .bind(&self.me)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| (r.get("id"), r.get("cancel_reason"), r.get("cancel_by")))
            .collect())
    }

    /// Asks whichever replica runs `d.execution_id` to hand decision `d`
    /// to its waiting approval; false when the execution has ended or a
    /// decision on that task was asked already.
    pub async fn request_decision(&self, d: &AskedDecision) -> Result<bool, StoreError> {
        let asked: Option<String> = sqlx::query_scalar(
            "WITH asked AS (
                 INSERT INTO approval_decisions
                     (execution_id, task_id, decision, decided_by, reason, input, asked_ms)
                 SELECT $1, $2, $3, $4, $5, $6, $7
                 WHERE EXISTS (SELECT 1 FROM executions WHERE id = $1 AND NOT finished)
                 ON CONFLICT DO NOTHING RETURNING execution_id)
             SELECT asked.execution_id FROM asked,
                 LATERAL (SELECT pg_notify($8, asked.execution_id)) AS notice",
        )
        .bind(&d.execution_id)
        .bind(&d.task_id)
        .bind(d.decision)
        .bind(&d.decided_by)
        .bind(&d.reason)
        .bind(&d.input)
        .bind(chrono::Utc::now().timestamp_millis())
        .bind(super::notify::CANCEL_CHANNEL)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(asked.is_some())
    }

    /// The decisions asked of approvals of executions this replica runs;
    /// those of ended executions are dropped on the way.
    pub async fn decision_requests(&self) -> Result<Vec<AskedDecision>, StoreError> {
        sqlx::query(
            "DELETE FROM approval_decisions d USING executions e
             WHERE e.id = d.execution_id AND e.finished",
        )
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        let rows = sqlx::query(
            "SELECT d.execution_id, d.task_id, d.decision, d.decided_by, d.reason, d.input
             FROM approval_decisions d JOIN executions e ON e.id = d.execution_id
             WHERE e.owner = $1 AND NOT e.finished",
        )
        .bind(&self.me)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| AskedDecision {
                execution_id: r.get("execution_id"),
                task_id: r.get("task_id"),
                decision: r.get("decision"),
                decided_by: r.get("decided_by"),
                reason: r.get("reason"),
                input: r.get("input"),
            })
            .collect())
    }

    /// Forgets a decision once its approval has it (or has ended).
    pub async fn forget_decision(&self, execution: &str, task: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM approval_decisions WHERE execution_id = $1 AND task_id = $2")
            .bind(execution)
            .bind(task)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// Hands every unfinished execution this replica holds back, so that
    /// the others claim them at once rather than after the TTL, and
    /// leaves the table; nothing may start here afterwards.
    pub async fn release(&self) -> Result<u64, StoreError> {
        self.close();
        let handed =
            sqlx::query("UPDATE executions SET owner = NULL WHERE owner = $1 AND NOT finished")
                .bind(&self.me)
                .execute(&self.pool)
                .await
                .map_err(backend)?
                .rows_affected();
        sqlx::query("DELETE FROM replicas WHERE id = $1")
            .bind(&self.me)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        self.held.lock().unwrap_or_else(|e| e.into_inner()).clear();
        tracing::info!(replica = %self.me, handed_back = handed, "left the replicas");
        Ok(handed)
    }

    /// The epoch this replica holds `id` at, if it holds it.
    pub fn epoch_of(&self, id: &str) -> Option<i64> {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .copied()
    }

    /// Notes executions this replica created (epoch 1).
    pub(super) fn hold_new<'a>(&self, ids: impl Iterator<Item = &'a str>) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            held.insert(id.to_owned(), 1);
        }
    }

    /// After a commit: lets go of executions that ended, and reports those
    /// whose writes were fenced (`dropped` writes in all).
    pub(super) fn settle(&self, ended: &[&str], fenced: &[String], dropped: u64) {
        if ended.is_empty() && fenced.is_empty() {
            return;
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        for id in ended {
            held.remove(*id);
        }
        for id in fenced {
            held.remove(id);
        }
        drop(held);
        if !fenced.is_empty() {
            self.lose(fenced);
            self.figures
                .fenced_writes
                .fetch_add(dropped, Ordering::Relaxed);
        }
    }

    /// Notes executions lost to another replica; each is reported (and
    /// counted) once, however many of its writes are fenced after.
    fn lose(&self, ids: &[String]) {
        let mut lost = self.lost.lock().unwrap_or_else(|e| e.into_inner());
        let mut newly = 0;
        for id in ids {
            if lost.insert(id.clone()) {
                tracing::warn!(execution = %id, "execution is run by another replica now; dropping it here");
                let _ = self.lost_tx.send(id.clone());
                newly += 1;
            }
        }
        self.figures.lost.fetch_add(newly, Ordering::Relaxed);
    }

    /// Heartbeats once; whether the replica was live (had heartbeated
    /// within the TTL) just before.
    async fn beat(&self, conn: &mut PgConnection) -> Result<bool, StoreError> {
        let live: Option<bool> = sqlx::query_scalar(
            "WITH prev AS (
                 SELECT heartbeat_at > now() - make_interval(secs => $2) AS live
                 FROM replicas WHERE id = $1)
             INSERT INTO replicas (id) VALUES ($1)
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
             RETURNING (SELECT live FROM prev)",
        )
        .bind(&self.me)
        .bind(self.timing.ttl.as_secs_f64())
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
        Ok(live.unwrap_or(false))
    }

    /// After a lapse: drops every held execution another replica took.
    async fn recheck(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let held: Vec<(String, i64)> = self
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(id, e)| (id.clone(), *e))
            .collect();
        if held.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = held.iter().map(|(id, _)| id.as_str()).collect();
        let rows =
            sqlx::query("SELECT id, epoch FROM executions WHERE id = ANY($1) AND owner = $2")
                .bind(&ids)
                .bind(&self.me)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
        let still: HashMap<String, i64> =
            rows.iter().map(|r| (r.get("id"), r.get("epoch"))).collect();
        let gone: Vec<String> = held
            .into_iter()
            .filter(|(id, epoch)| still.get(id) != Some(epoch))
            .map(|(id, _)| id)
            .collect();
        self.settle(&[], &gone, 0);
        Ok(())
    }

    /// Opens the lease until a TTL after `sent`, less a margin for the
    /// clocks' drift and the statement's time (one heartbeat, at most a
    /// quarter of the TTL).
    fn renew(&self, sent: Instant) {
        let margin = self.timing.interval.min(self.timing.ttl / 4);
        let until = sent.duration_since(self.base) + self.timing.ttl.saturating_sub(margin);
        self.lease_until_ms
            .store(until.as_millis() as u64, Ordering::Release);
        self.renewed.notify_waiters();
    }
}

/// Heartbeats until the ownership is dropped or released, reconnecting
/// when the connection fails — to the host that accepts writes now, which
/// the pool then connects to as well (the replicas follow a failover).
async fn heartbeat_loop(me: Weak<Ownership>, conn: PgConnection, hosts: Hosts) {
    let interval = match me.upgrade() {
        Some(o) => o.timing.interval,
        None => return,
    };
    let mut conn = Some(conn);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    let mut failing = false;
    loop {
        ticks.tick().await;
        let Some(me) = me.upgrade() else {
            return;
        };
        if me.released.load(Ordering::Acquire) {
            return;
        }
        let sent = Instant::now();
        let beat = async {
            if conn.is_none() {
                let (c, target) = hosts.connect().await?;
                if hosts.several() {
                    me.pool.set_connect_options(target);
                }
                conn = Some(c);
            }
            let c = conn.as_mut().expect("connected above");
            let was_live = me.beat(c).await?;
            if !was_live {
                tracing::warn!(replica = %me.me, "heartbeat had lapsed; checking which executions are still ours");
                me.recheck(c).await?;
            }
            Ok::<_, StoreError>(())
        };
        match tokio::time::timeout(me.timing.ttl, beat).await {
            Ok(Ok(())) => {
                if failing {
                    tracing::info!(replica = %me.me, "heartbeat restored; starting tasks again");
                    failing = false;
                }
                me.renew(sent);
            }
            Ok(Err(e)) => {
                conn = None;
                if !failing {
                    tracing::error!(replica = %me.me, error = %e, "heartbeat failed; no new task attempts start until it succeeds");
                    failing = true;
                }
            }
            Err(_) => {
                conn = None;
                if !failing {
                    tracing::error!(replica = %me.me, "heartbeat timed out; no new task attempts start until it succeeds");
                    failing = true;
                }
            }
        }
    }
}

/// A replica id: the host, the process and a random part, so that a
/// restarted process is a new replica whose predecessor's runs are
/// claimed like any other stopped replica's.
fn replica_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".to_owned());
    let random = uuid::Uuid::now_v7().simple().to_string();
    format!(
        "{host}-{}-{}",
        std::process::id(),
        &random[random.len() - 8..]
    )
}

/// Removes replica rows nobody has heard of for long.
async fn forget_replicas(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM replicas WHERE heartbeat_at < now() - interval '{FORGET_REPLICAS_AFTER}'"
    )))
    .execute(pool)
    .await
    .map_err(backend)?;
    Ok(())
}
