//! The Store contract on PostgreSQL, for teams that run several replicas on
//! a database they already operate (`serve --store postgres://…`). Records
//! are the protobuf encodings the RocksDB store keeps, with the columns
//! queries need beside them; the schema comes from the migrations in
//! `migrations/postgres`, applied at start under sqlx's advisory lock, so
//! replicas starting together migrate once. Writes go through one writer
//! task that commits each group of queued writes as one transaction
//! (`writer`); reads go straight to the pool. Every store is a replica
//! (`ownership`): it owns the executions it starts or claims, and its
//! writes of them are fenced by their epoch; schedule ticks and event
//! deliveries are claimed through it (`claims`), so they start once
//! however many replicas serve.

mod claims;
mod definitions;
mod errors;
mod hosts;
mod notify;
mod ownership;
mod prune;
mod tick_rows;
mod writer;

use std::sync::Arc;

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row, SqlSafeStr};
use tokio::sync::{mpsc, oneshot};

use super::{
    AuditPage, AuditQuery, Claim, Claimed, ExecutionQuery, Pruned, Retention, Store, StoreError,
    Write, decode, encode, fold_events, next_version,
};
use crate::proto::{
    AuditRecord, CacheEntry, Execution, ExecutionEvent, ExecutionState, Schedule, Trigger,
    Workflow, WorkflowSpec,
};
use errors::backend;
use hosts::Hosts;
pub use notify::{Changes, Notice};
pub use ownership::{AskedDecision, LeaseTiming, Ownership, OwnershipFigures};
use writer::Msg;

/// The schema, in order; each applied once per database.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "store",
        include_str!("../../../migrations/postgres/0001_store.sql"),
    ),
    (
        2,
        "ownership",
        include_str!("../../../migrations/postgres/0002_ownership.sql"),
    ),
    (
        3,
        "cancel_requests",
        include_str!("../../../migrations/postgres/0003_cancel_requests.sql"),
    ),
    (
        4,
        "fire_once",
        include_str!("../../../migrations/postgres/0004_fire_once.sql"),
    ),
    (
        5,
        "approval_decisions",
        include_str!("../../../migrations/postgres/0005_approval_decisions.sql"),
    ),
];

/// How long one statement of the service may run.
const STATEMENT_TIMEOUT: &str = "30s";
/// How long a request waits for a connection before the store answers
/// that it is unavailable (the database out of reach).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of a PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Pooled connections for reads and the writer.
    pub max_connections: u32,
    /// How often this replica heartbeats, and when others may take its
    /// executions over.
    pub lease: LeaseTiming,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            lease: LeaseTiming::default(),
        }
    }
}

/// A store on a PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    writes: mpsc::UnboundedSender<Msg>,
    ownership: Arc<Ownership>,
    changes: Arc<Changes>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host/db`, or several hosts:
    /// `postgres://user@h1,h2/db?target_session_attrs=read-write`),
    /// applies the schema's migrations that are missing, and starts the
    /// writer.
    pub async fn connect(url: &str, options: PgOptions) -> Result<Self, StoreError> {
        let idle = idle_in_transaction(&options.lease);
        let hosts = Hosts::parse(url)?.map(|o| {
            o.options([
                ("statement_timeout", STATEMENT_TIMEOUT),
                ("idle_in_transaction_session_timeout", &idle),
            ])
        });
        let unreachable =
            |e: StoreError| StoreError::Backend(format!("cannot connect to PostgreSQL: {e}"));
        // The connection that found the host becomes the heartbeat's.
        let (heartbeat, connect) = hosts.connect().await.map_err(unreachable)?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(connect.clone())
            .await
            .map_err(|e| StoreError::Backend(format!("cannot connect to PostgreSQL: {e}")))?;
        migrator()
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot migrate the schema: {e}")))?;
        let ownership = Ownership::start(pool.clone(), heartbeat, hosts, options.lease).await?;
        let changes = notify::start(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot listen for changes: {e}")))?;
        let (writes, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer::write_loop(pool.clone(), ownership.clone(), rx));
        Ok(Self {
            pool,
            writes,
            ownership,
            changes,
        })
    }

    fn send(&self, msg: Msg) {
        // The writer lives as long as the store; a closed channel means
        // the runtime is going down, and flush reports it.
        let _ = self.writes.send(msg);
    }

    async fn latest(&self, name: &str) -> Result<Workflow, StoreError> {
        let row = sqlx::query(
            "SELECT w.record, coalesce(f.archived, false) AS archived
             FROM workflows w LEFT JOIN workflow_flags f USING (name)
             WHERE w.name = $1 ORDER BY w.version DESC LIMIT 1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::WorkflowNotFound(name.to_owned()))?;
        workflow_of(&row)
    }

    /// An execution with its task results (folded from its events while it
    /// runs, or when its header does not carry them).
    async fn full_execution(&self, mut e: Execution) -> Result<Execution, StoreError> {
        let ended = ExecutionState::try_from(e.status).is_ok_and(|s| s.is_final());
        if !ended || e.task_results.is_empty() {
            let events = self.events_from(&e.id, 0).await?;
            fold_events(&mut e, &events);
        }
        Ok(e)
    }

    async fn events_from(
        &self,
        id: &str,
        from_seq: u64,
    ) -> Result<Vec<ExecutionEvent>, StoreError> {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT record FROM events WHERE execution_id = $1 AND seq >= $2 ORDER BY seq",
        )
        .bind(id)
        .bind(from_seq as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| decode(id, r)).collect()
    }

    async fn executions_where(
        &self,
        query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<Vec<Execution>, StoreError> {
        let rows = query.fetch_all(&self.pool).await.map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.get("id");
            let e: Execution = decode(&id, row.get::<&[u8], _>("record"))?;
            out.push(self.full_execution(e).await?);
        }
        Ok(out)
    }
}

/// How long a session may sit idle inside a transaction: a third of the
/// lease. A replica paused mid-transaction (SIGSTOP, a stalled VM) holds
/// the row locks of the executions it writes, which claims skip; the
/// database ends that transaction well before the lease lapses, so the
/// others can take those executions over on time, and the replica's
/// commit, when it wakes, fails and is fenced when tried again.
fn idle_in_transaction(lease: &LeaseTiming) -> String {
    format!("{}ms", (lease.ttl / 3).as_millis().max(100))
}

/// The embedded migrations.
fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    (*name).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// A workflow version from a row of `record` and `archived`.
fn workflow_of(row: &sqlx::postgres::PgRow) -> Result<Workflow, StoreError> {
    let mut w: Workflow = decode("workflow", row.get::<&[u8], _>("record"))?;
    w.archived = row.get("archived");
    Ok(w)
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn save_workflow(&self, spec: WorkflowSpec) -> Result<Workflow, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        // Two replicas saving one name take turns, so versions stay dense.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('workflow:' || $1))")
            .bind(&spec.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let prev = sqlx::query(
            "SELECT w.record, coalesce(f.archived, false) AS archived
             FROM workflows w LEFT JOIN workflow_flags f USING (name)
             WHERE w.name = $1 ORDER BY w.version DESC LIMIT 1",
        )
        .bind(&spec.name)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?
        .map(|row| workflow_of(&row))
        .transpose()?;
        let name = spec.name.clone();
        let w = next_version(prev, spec)?;
        sqlx::query("INSERT INTO workflows (name, version, record) VALUES ($1, $2, $3)")
            .bind(&name)
            .bind(w.version as i32)
            .bind(encode(&w))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(w)
    }

    async fn get_workflow(&self, name: &str, version: Option<u32>) -> Result<Workflow, StoreError> {
        let latest = self.latest(name).await?;
        let Some(v) = version else {
            return Ok(latest);
        };
        let row = sqlx::query(
            "SELECT record, $3::bool AS archived FROM workflows WHERE name = $1 AND version = $2",
        )
        .bind(name)
        .bind(v as i32)
        .bind(latest.archived)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?
        .ok_or(StoreError::VersionNotFound {
            name: name.to_owned(),
            version: v,
        })?;
        workflow_of(&row)
    }

    async fn list_workflows(&self, include_archived: bool) -> Result<Vec<Workflow>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT ON (w.name) w.record, coalesce(f.archived, false) AS archived
             FROM workflows w LEFT JOIN workflow_flags f USING (name)
             WHERE $1 OR NOT coalesce(f.archived, false)
             ORDER BY w.name, w.version DESC",
        )
        .bind(include_archived)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(workflow_of).collect()
    }

    async fn list_versions(&self, name: &str) -> Result<Vec<Workflow>, StoreError> {
        let rows = sqlx::query(
            "SELECT w.record, coalesce(f.archived, false) AS archived
             FROM workflows w LEFT JOIN workflow_flags f USING (name)
             WHERE w.name = $1 ORDER BY w.version",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        if rows.is_empty() {
            return Err(StoreError::WorkflowNotFound(name.to_owned()));
        }
        rows.iter().map(workflow_of).collect()
    }

    async fn set_archived(&self, name: &str, archived: bool) -> Result<Workflow, StoreError> {
        self.latest(name).await?;
        sqlx::query(
            "INSERT INTO workflow_flags (name, archived) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET archived = EXCLUDED.archived",
        )
        .bind(name)
        .bind(archived)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        self.latest(name).await
    }

    async fn purge_workflow(&self, name: &str) -> Result<u32, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let removed = sqlx::query("DELETE FROM workflows WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::WorkflowNotFound(name.to_owned()));
        }
        sqlx::query("DELETE FROM workflow_flags WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(removed as u32)
    }

    fn ownership(&self) -> Option<Arc<Ownership>> {
        Some(self.ownership.clone())
    }

    fn changes(&self) -> Option<Arc<Changes>> {
        Some(self.changes.clone())
    }

    fn append(&self, write: Write) {
        self.send(Msg::Write(write));
    }

    fn append_all(&self, writes: Vec<Write>) {
        self.send(Msg::Writes(writes));
    }

    async fn flush(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Msg::Flush(tx));
        rx.await
            .map_err(|_| StoreError::Backend("the store's writer has stopped".into()))?
    }

    async fn get_execution(&self, id: &str) -> Result<Execution, StoreError> {
        let record: Vec<u8> = sqlx::query_scalar("SELECT record FROM executions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::ExecutionNotFound(id.to_owned()))?;
        self.full_execution(decode(id, &record)?).await
    }

    async fn events(&self, id: &str, from_seq: u64) -> Result<Vec<ExecutionEvent>, StoreError> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM executions WHERE id = $1)")
                .bind(id)
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?;
        if !exists {
            return Err(StoreError::ExecutionNotFound(id.to_owned()));
        }
        self.events_from(id, from_seq).await
    }

    async fn events_after(
        &self,
        from: &[(String, u64)],
    ) -> Result<Vec<ExecutionEvent>, StoreError> {
        if from.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, after): (Vec<&str>, Vec<i64>) = from
            .iter()
            .map(|(id, seq)| (id.as_str(), *seq as i64))
            .unzip();
        let rows = sqlx::query(
            "SELECT e.execution_id, e.record FROM events e
             JOIN UNNEST($1::text[], $2::bigint[]) AS k(id, after)
               ON e.execution_id = k.id AND e.seq > k.after
             ORDER BY e.execution_id, e.seq",
        )
        .bind(&ids)
        .bind(&after)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                decode(
                    r.get::<&str, _>("execution_id"),
                    r.get::<&[u8], _>("record"),
                )
            })
            .collect()
    }

    async fn list_executions(&self, q: &ExecutionQuery) -> Result<Vec<Execution>, StoreError> {
        let (after_ms, after_id) = q
            .after
            .clone()
            .map_or((None, None), |(ms, id)| (Some(ms), Some(id)));
        let query = sqlx::query(
            "SELECT id, record FROM executions
             WHERE ($1::bigint IS NULL OR started_ms >= $1)
               AND ($2::bigint IS NULL OR started_ms < $2)
               AND ($3::text IS NULL OR workflow = $3)
               AND ($4::int IS NULL OR status = $4)
               AND ($5::bigint IS NULL OR (started_ms, id) < ($5, $6::text))
             ORDER BY started_ms DESC, id DESC
             LIMIT $7",
        )
        .bind(q.from_ms)
        .bind(q.to_ms)
        .bind(q.workflow.as_deref())
        .bind(q.status.map(|s| s as i32))
        .bind(after_ms)
        .bind(after_id)
        .bind(if q.limit == 0 {
            i64::MAX
        } else {
            q.limit as i64
        });
        self.executions_where(query).await
    }

    async fn unfinished_executions(&self) -> Result<Vec<Execution>, StoreError> {
        self.executions_where(sqlx::query(
            "SELECT id, record FROM executions WHERE NOT finished ORDER BY id",
        ))
        .await
    }

    async fn get_cache(&self, key: &[u8; 32]) -> Result<Option<CacheEntry>, StoreError> {
        let record: Option<Vec<u8>> = sqlx::query_scalar("SELECT record FROM cache WHERE key = $1")
            .bind(key.as_slice())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        record.map(|r| decode("cache", &r)).transpose()
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        definitions::list_schedules(&self.pool).await
    }

    async fn list_triggers(&self) -> Result<Vec<Trigger>, StoreError> {
        definitions::list_triggers(&self.pool).await
    }

    async fn claim(&self, claims: Vec<Claim>) -> Result<Vec<Claimed>, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Msg::Claim(claims, tx));
        rx.await
            .map_err(|_| StoreError::Backend("the store's writer has stopped".into()))?
    }

    async fn queued_ticks(&self) -> Result<Vec<(String, i64)>, StoreError> {
        tick_rows::queued(&self.pool).await
    }

    async fn definitions_revision(&self) -> Result<Option<String>, StoreError> {
        definitions::revision(&self.pool).await.map(Some)
    }

    async fn audit_page(&self, q: &AuditQuery) -> Result<AuditPage, StoreError> {
        // The cursor is the id of the last record of the previous page.
        let before = q
            .before
            .as_deref()
            .map(|c| {
                c.parse::<i64>().map_err(|_| {
                    StoreError::Backend(format!("audit cursor {c:?} is not one this store made"))
                })
            })
            .transpose()?;
        let limit = if q.limit == 0 {
            i64::MAX - 1
        } else {
            q.limit as i64
        };
        let rows = sqlx::query(
            "SELECT id, record FROM audit
             WHERE ($1::bigint IS NULL OR id < $1)
               AND ($2::bigint IS NULL OR time_ms >= $2)
               AND ($3::bigint IS NULL OR time_ms < $3)
               AND ($4::text IS NULL OR actor = $4)
               AND ($5::text IS NULL OR action = $5)
               AND ($6::text IS NULL OR target = $6)
             ORDER BY id DESC LIMIT $7",
        )
        .bind(before)
        .bind(q.from_ms)
        .bind(q.to_ms)
        .bind(q.actor.as_deref())
        .bind(q.action.as_deref())
        .bind(q.target.as_deref())
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut page = AuditPage::default();
        for row in rows.iter().take(limit as usize) {
            page.records.push(decode::<AuditRecord>(
                "audit",
                row.get::<&[u8], _>("record"),
            )?);
        }
        if rows.len() as i64 > limit {
            let last: i64 = rows[limit as usize - 1].get("id");
            page.next = Some(last.to_string());
        }
        Ok(page)
    }

    async fn stats(&self) -> Result<BTreeMap<String, String>, StoreError> {
        // Planner estimates, not counts: a count of a big history table
        // would scan it.
        let rows = sqlx::query(
            "SELECT relname::text AS name, greatest(reltuples, 0)::bigint AS rows
             FROM pg_class WHERE relname = ANY($1) AND relkind = 'r'",
        )
        .bind(["workflows", "executions", "events", "cache", "audit"])
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut stats = BTreeMap::from([("backend".to_owned(), "postgres".to_owned())]);
        let mut total = 0i64;
        for row in rows {
            let n: i64 = row.get("rows");
            total += n;
            stats.insert(row.get("name"), n.to_string());
        }
        stats.insert("estimate-num-rows".to_owned(), total.to_string());
        Ok(stats)
    }

    async fn compact(&self) -> Result<(), StoreError> {
        sqlx::query("VACUUM (ANALYZE) executions, events, cache, audit")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn backup(&self, _: &std::path::Path) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "a PostgreSQL store is backed up by the database: pg_dump, or the provider's snapshots (docs/operations.md)".into(),
        ))
    }

    async fn prune(&self, r: &Retention) -> Result<Pruned, StoreError> {
        // Writes queued before the pruning land first, as in the other stores.
        self.flush().await?;
        prune::prune(&self.pool, r).await
    }
}
