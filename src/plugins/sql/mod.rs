//! `sql`: one statement against PostgreSQL, MySQL/MariaDB or SQLite (sqlx)
//! or SQL Server (tiberius, `mssql.rs`), chosen by the connection URL, which
//! comes from a named secret, never the spec. Pools are kept per connection
//! URL.
//!
//! Read-only is enforced twice: the statement is parsed (sqlparser) and
//! only one read statement is accepted (SELECT, WITH … SELECT, EXPLAIN,
//! SHOW), and it runs in a read-only transaction (PostgreSQL's `BEGIN READ
//! ONLY`, MySQL's `START TRANSACTION READ ONLY`, SQLite's `query_only`, a
//! transaction always rolled back on SQL Server), so that a function with
//! side effects cannot write either.
//! `allow_write: true` lifts both, per task, and each such run is an
//! audit record (`sql.write`, the statement). Parameters are
//! bound, never spliced into the SQL text.
//!
//! Every statement runs in a transaction the plugin opens and ends. A task
//! stopped in the middle of one (timeout, cancel) leaves no open
//! transaction on a pooled connection: its statement is stopped on the
//! server and the connection closed, not reused (`held.rs`). The task's
//! timeout is also given to the server (`statement_timeout`,
//! `max_statement_time`, `LOCK_TIMEOUT`), so the statement ends there even
//! if this process does not live to stop it.

mod held;
mod mssql;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use serde_json::{Map, Value, json};
use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, MsSqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use sqlx::mysql::{MySqlPool, MySqlPoolOptions, MySqlRow};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use self::held::{Held, Stop};
use super::secrets::Secrets;
use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin};
use crate::proto::SqlConfig;

/// How much longer than the task's own timeout the server is told to
/// allow: the engine's timeout comes first, so the task ends as timed out
/// (and the statement is stopped as it is dropped); the server's limit
/// only acts when nothing else does (this process killed, say).
const SERVER_GRACE: Duration = Duration::from_secs(1);

/// SQLite virtual-machine steps between two looks at the stop flag.
const PROGRESS_STEPS: i32 = 1000;

/// A pool of one engine.
#[derive(Clone)]
enum Pool {
    Postgres(PgPool),
    /// With whether the server is MariaDB (asked once, at first use): the
    /// two name their statement time limit differently.
    MySql(MySqlPool, Arc<tokio::sync::OnceCell<bool>>),
    Sqlite(SqlitePool),
    Mssql(mssql::MssqlPool),
}

/// The `sql` plugin.
pub struct SqlPlugin {
    secrets: Secrets,
    pools: Mutex<HashMap<String, Pool>>,
    /// Rows a task gets at most (`SQL_MAX_ROWS`); its `max_rows` may lower it.
    max_rows: usize,
}

impl std::fmt::Debug for SqlPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqlPlugin")
    }
}

impl SqlPlugin {
    /// A plugin that finds connection URLs among `secrets` and returns at
    /// most `max_rows` rows a query.
    pub fn new(secrets: Secrets, max_rows: usize) -> Self {
        Self {
            secrets,
            pools: Mutex::default(),
            max_rows,
        }
    }

    /// The pool for a connection URL (made lazily: no connection until use).
    fn pool(&self, url: &str) -> Result<Pool, TaskError> {
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = pools.get(url) {
            return Ok(p.clone());
        }
        let bad = |e: sqlx::Error| TaskError::permanent(format!("connection: {e}"));
        let (acquire, idle) = (Duration::from_secs(5), Duration::from_secs(60));
        let pool = match url.split_once("://").map(|(s, _)| s) {
            Some("postgres" | "postgresql") => Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(acquire)
                    .idle_timeout(idle)
                    .connect_lazy(url)
                    .map_err(bad)?,
            ),
            Some("mysql" | "mariadb") => Pool::MySql(
                MySqlPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(acquire)
                    .idle_timeout(idle)
                    .connect_lazy(&url.replacen("mariadb://", "mysql://", 1))
                    .map_err(bad)?,
                Arc::default(),
            ),
            Some("sqlite") => Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(acquire)
                    .idle_timeout(idle)
                    .connect_lazy(url)
                    .map_err(bad)?,
            ),
            Some("mssql" | "sqlserver") => Pool::Mssql(mssql::pool(url, 8, acquire, idle)?),
            _ => {
                return Err(TaskError::permanent(
                    "connection: the URL must start with postgres://, mysql://, sqlite:// or mssql://",
                ));
            }
        };
        pools.insert(url.to_owned(), pool.clone());
        Ok(pool)
    }
}

#[async_trait::async_trait]
impl TaskPlugin for SqlPlugin {
    fn kind(&self) -> &'static str {
        "sql"
    }

    fn load(&self) -> crate::plugins::Load {
        crate::plugins::Load::Wait
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cfg = match super::decode::<SqlConfig>(config) {
            Ok(c) => c,
            Err(e) => return vec![(String::new(), e.message)],
        };
        let mut p = Vec::new();
        if cfg.connection.is_empty() {
            p.push((
                "connection".into(),
                "required: the name of a secret holding the connection URL".into(),
            ));
        } else if cfg.connection.contains("://") {
            p.push((
                "connection".into(),
                "name a secret (SECRET_<NAME> or SECRETS_FILE); never put the URL in the spec"
                    .into(),
            ));
        }
        if cfg.query.trim().is_empty() {
            p.push(("query".into(), "required".into()));
        } else if super::is_templated(&cfg.query) {
            p.push((
                "query".into(),
                "no {{ templates }} in SQL: pass values as params ($1 or ?)".into(),
            ));
        } else if !cfg.allow_write
            && let Err(m) = read_only(&cfg.query, &PostgreSqlDialect {})
                .or_else(|_| read_only(&cfg.query, &MySqlDialect {}))
                .or_else(|_| read_only(&cfg.query, &MsSqlDialect {}))
        {
            p.push(("query".into(), m));
        }
        p
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        // The engine's timer started just before this call.
        let deadline = ctx.timeout.map(|t| Instant::now() + t);
        let cfg: SqlConfig = super::decode(&ctx.config)?;
        let url = self
            .secrets
            .get(&cfg.connection)
            .map_err(TaskError::permanent)?;
        let pool = self.pool(&url)?;
        let max = super::output_cap(cfg.max_rows.into(), self.max_rows as u64) as usize;
        let params: Vec<Value> = cfg.params.iter().map(crate::proto::pb_to_json).collect();
        if cfg.allow_write {
            // The opt-in is explicit in the definition; each use is on record.
            ctx.audit.record("sql.write", &cfg.query);
        } else {
            let dialect: &dyn Dialect = match pool {
                Pool::Postgres(_) => &PostgreSqlDialect {},
                Pool::MySql(..) => &MySqlDialect {},
                Pool::Sqlite(_) => &SQLiteDialect {},
                Pool::Mssql(_) => &MsSqlDialect {},
            };
            read_only(&cfg.query, dialect)
                .map_err(|m| TaskError::permanent(format!("query: {m}")))?;
        }
        let run = Run {
            cfg: &cfg,
            params: &params,
            max,
            deadline,
        };
        let (columns, rows, truncated) = match pool {
            Pool::Postgres(p) => postgres(&p, &run).await.map_err(db_error),
            Pool::MySql(p, mariadb) => mysql(&p, &mariadb, &run).await.map_err(db_error),
            Pool::Sqlite(p) => sqlite(&p, &run).await.map_err(db_error),
            Pool::Mssql(p) => mssql::query(&p, &cfg.query, &params, cfg.allow_write, max, deadline)
                .await
                .map_err(TaskError::from),
        }?;
        let mut out = Map::new();
        out.insert("row_count".into(), json!(rows.len()));
        out.insert("columns".into(), json!(columns));
        out.insert("rows".into(), Value::Array(rows));
        if truncated {
            out.insert("truncated".into(), Value::Bool(true));
        }
        Ok(TaskOutput::new(Value::Object(out)))
    }
}

/// Accepts exactly one read statement.
fn read_only(sql: &str, dialect: &dyn Dialect) -> Result<(), String> {
    let statements = Parser::parse_sql(dialect, sql).map_err(|e| format!("does not parse: {e}"))?;
    let [one] = statements.as_slice() else {
        return Err(format!(
            "exactly one statement is allowed, found {}",
            statements.len()
        ));
    };
    let read = match one {
        Statement::Query(q) => !query_writes(q),
        Statement::Explain { .. } | Statement::ExplainTable { .. } => true,
        // The SHOW family has many variants; every one of them only reads.
        other => format!("{other:?}").starts_with("Show"),
    };
    if read {
        Ok(())
    } else {
        Err("only a read statement (SELECT, WITH … SELECT, EXPLAIN, SHOW) is allowed; set allow_write: true to write".into())
    }
}

/// Whether a query writes: `SELECT … INTO` (a new table, or variables and
/// files) or a data-modifying statement in a CTE or set operation.
fn query_writes(q: &sqlparser::ast::Query) -> bool {
    use sqlparser::ast::SetExpr;
    fn body_writes(body: &SetExpr) -> bool {
        match body {
            SetExpr::Select(s) => s.into.is_some(),
            SetExpr::Query(q) => query_writes(q),
            SetExpr::SetOperation { left, right, .. } => body_writes(left) || body_writes(right),
            SetExpr::Values(_) | SetExpr::Table(_) => false,
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                true
            }
        }
    }
    q.with
        .as_ref()
        .is_some_and(|w| w.cte_tables.iter().any(|c| query_writes(&c.query)))
        || body_writes(&q.body)
}

/// Connection and statement failures: the database's own message; lost
/// connections and pool timeouts may be met by another attempt.
fn db_error(e: sqlx::Error) -> TaskError {
    match &e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            TaskError::retryable(format!("database unavailable: {e}"))
        }
        sqlx::Error::Database(d) => TaskError::permanent(format!("database: {}", d.message())),
        _ => TaskError::permanent(format!("database: {e}")),
    }
}

/// Column names, rows as objects, and whether rows were left out.
type Rows = (Vec<String>, Vec<Value>, bool);

/// The statement as written in the definition. It holds no templates
/// (`validate` refuses them), so no run-time value is ever part of it:
/// values travel only as bound parameters.
fn sql_text(cfg: &SqlConfig) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(cfg.query.clone())
}

/// Binds JSON values as parameters of the query `$q`.
macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for v in $params {
            q = match v {
                Value::Null => q.bind(None::<String>),
                Value::Bool(b) => q.bind(*b),
                Value::Number(n) if n.is_i64() => q.bind(n.as_i64()),
                Value::Number(n) => q.bind(n.as_f64()),
                Value::String(s) => q.bind(s.clone()),
                other => q.bind(sqlx::types::Json(other.clone())),
            };
        }
        q
    }};
}

/// Reads at most `max` rows of a fetch stream; whether there were more.
macro_rules! collect_rows {
    ($stream:expr, $max:expr, $decode:path) => {{
        let mut stream = $stream;
        let (mut columns, mut rows, mut truncated) = (Vec::new(), Vec::new(), false);
        while let Some(row) = stream.try_next().await? {
            if columns.is_empty() {
                columns = row.columns().iter().map(|c| c.name().to_owned()).collect();
            }
            if rows.len() == $max {
                truncated = true;
                break;
            }
            rows.push(row_json(&row, $decode)?);
        }
        (columns, rows, truncated)
    }};
}

/// One task's statement, as the engine functions run it.
struct Run<'a> {
    cfg: &'a SqlConfig,
    params: &'a [Value],
    /// Rows kept at most.
    max: usize,
    /// When the engine gives up on the task, if it has a timeout.
    deadline: Option<Instant>,
}

/// How long the server may run the statement from now, given the task's
/// deadline (asked when the transaction opens, after the pool's wait).
fn server_limit(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()) + SERVER_GRACE)
}

async fn postgres(pool: &PgPool, run: &Run<'_>) -> Result<Rows, sqlx::Error> {
    let mut held = Held::new(pool.acquire().await?);
    // One round trip opens the transaction (read-only unless writing),
    // bounds its statements and learns whom to cancel.
    let mut begin = String::from(if run.cfg.allow_write {
        "BEGIN"
    } else {
        "BEGIN READ ONLY"
    });
    if let Some(limit) = server_limit(run.deadline) {
        // 0 would mean no limit.
        begin += &format!(
            "; SET LOCAL statement_timeout = {}",
            limit.as_millis().max(1)
        );
    }
    begin += "; SELECT pg_backend_pid()";
    held.open = true;
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(begin))
        .fetch_all(held.conn())
        .await?;
    let pid = rows
        .first()
        .ok_or_else(|| sqlx::Error::Protocol("no backend pid".into()))?
        .try_get::<i32, _>(0)?;
    held.stop = Stop::Postgres {
        pool: pool.clone(),
        pid,
    };
    let result = async {
        let q = bind_all!(sqlx::query(sql_text(run.cfg)), run.params);
        Ok(collect_rows!(q.fetch(held.conn()), run.max, pg_cell))
    }
    .await;
    held.finish(run.cfg, result).await
}

async fn mysql(
    pool: &MySqlPool,
    mariadb: &tokio::sync::OnceCell<bool>,
    run: &Run<'_>,
) -> Result<Rows, sqlx::Error> {
    let mut held = Held::new(pool.acquire().await?);
    let mariadb = *mariadb
        .get_or_try_init(|| async {
            let version: String = sqlx::query_scalar("SELECT VERSION()")
                .fetch_one(held.conn())
                .await?;
            Ok::<_, sqlx::Error>(version.contains("MariaDB"))
        })
        .await?;
    // Set on every run: the session keeps it from the previous task.
    // MariaDB's limit covers every statement (seconds); MySQL's only
    // SELECT (milliseconds): a write is stopped by KILL QUERY alone.
    let limit = match (mariadb, server_limit(run.deadline)) {
        (true, Some(l)) => format!("SET SESSION max_statement_time = {:.3}", l.as_secs_f64()),
        (true, None) => "SET SESSION max_statement_time = DEFAULT".to_owned(),
        (false, Some(l)) => format!("SET SESSION max_execution_time = {}", l.as_millis().max(1)),
        (false, None) => "SET SESSION max_execution_time = DEFAULT".to_owned(),
    };
    let start = if run.cfg.allow_write {
        "START TRANSACTION"
    } else {
        "START TRANSACTION READ ONLY"
    };
    held.open = true;
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "{limit}; {start}; SELECT CONNECTION_ID()"
    )))
    .fetch_all(held.conn())
    .await?;
    let id = rows
        .first()
        .ok_or_else(|| sqlx::Error::Protocol("no connection id".into()))?
        .try_get::<u64, _>(0)?;
    held.stop = Stop::MySql {
        pool: pool.clone(),
        id,
    };
    let result = async {
        let q = bind_all!(sqlx::query(sql_text(run.cfg)), run.params);
        Ok(collect_rows!(q.fetch(held.conn()), run.max, my_cell))
    }
    .await;
    held.finish(run.cfg, result).await
}

async fn sqlite(pool: &SqlitePool, run: &Run<'_>) -> Result<Rows, sqlx::Error> {
    let mut held = Held::new(pool.acquire().await?);
    // SQLite runs in this process, on sqlx's thread: a dropped task stops
    // its statement through this flag, read between VM steps.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    held.conn()
        .lock_handle()
        .await?
        .set_progress_handler(PROGRESS_STEPS, move || !flag.load(Ordering::Relaxed));
    held.stop = Stop::Sqlite(stop);
    // IMMEDIATE takes the write lock up front: a deferred transaction that
    // reads, then writes, can fail on a lock another writer holds.
    let begin = if run.cfg.allow_write {
        "PRAGMA query_only = OFF; BEGIN IMMEDIATE"
    } else {
        "PRAGMA query_only = ON; BEGIN"
    };
    held.open = true;
    sqlx::raw_sql(begin).execute(held.conn()).await?;
    let result = async {
        let q = bind_all!(sqlx::query(sql_text(run.cfg)), run.params);
        Ok(collect_rows!(q.fetch(held.conn()), run.max, lite_cell))
    }
    .await;
    held.finish(run.cfg, result).await
}

/// A row as a JSON object, by column name.
fn row_json<R: Row>(
    row: &R,
    cell: fn(&R, usize) -> Result<Value, sqlx::Error>,
) -> Result<Value, sqlx::Error> {
    let mut m = Map::new();
    for (i, c) in row.columns().iter().enumerate() {
        m.insert(c.name().to_owned(), cell(row, i)?);
    }
    Ok(Value::Object(m))
}

/// A column type this plugin cannot turn into JSON; the SQL can cast it.
fn unsupported(row_type: &str, column: &str) -> sqlx::Error {
    sqlx::Error::Decode(
        format!("column {column} of type {row_type}: cast it to text or a number in the query")
            .into(),
    )
}

fn pg_cell(row: &PgRow, i: usize) -> Result<Value, sqlx::Error> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(Value::Null);
    }
    let name = row.columns()[i].type_info().name().to_owned();
    Ok(match name.as_str() {
        "BOOL" => json!(row.try_get::<bool, _>(i)?),
        "INT2" => json!(row.try_get::<i16, _>(i)?),
        "INT4" => json!(row.try_get::<i32, _>(i)?),
        "INT8" => json!(row.try_get::<i64, _>(i)?),
        "FLOAT4" => json!(row.try_get::<f32, _>(i)?),
        "FLOAT8" => json!(row.try_get::<f64, _>(i)?),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" => json!(row.try_get::<String, _>(i)?),
        "JSON" | "JSONB" => row.try_get::<Value, _>(i)?,
        "TIMESTAMPTZ" => json!(
            row.try_get::<chrono::DateTime<chrono::Utc>, _>(i)?
                .to_rfc3339()
        ),
        "TIMESTAMP" => json!(row.try_get::<chrono::NaiveDateTime, _>(i)?.to_string()),
        "DATE" => json!(row.try_get::<chrono::NaiveDate, _>(i)?.to_string()),
        other => return Err(unsupported(other, row.columns()[i].name())),
    })
}

fn my_cell(row: &MySqlRow, i: usize) -> Result<Value, sqlx::Error> {
    if row.try_get_raw(i)?.is_null() {
        return Ok(Value::Null);
    }
    let name = row.columns()[i].type_info().name().to_owned();
    Ok(match name.as_str() {
        "BOOLEAN" => json!(row.try_get::<bool, _>(i)?),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => json!(row.try_get::<i64, _>(i)?),
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" => json!(row.try_get::<u64, _>(i)?),
        "FLOAT" => json!(row.try_get::<f32, _>(i)?),
        "DOUBLE" => json!(row.try_get::<f64, _>(i)?),
        "VARCHAR" | "CHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" => {
            json!(row.try_get::<String, _>(i)?)
        }
        "JSON" => row.try_get::<Value, _>(i)?,
        "DATETIME" | "TIMESTAMP" => json!(row.try_get::<chrono::NaiveDateTime, _>(i)?.to_string()),
        "DATE" => json!(row.try_get::<chrono::NaiveDate, _>(i)?.to_string()),
        other => return Err(unsupported(other, row.columns()[i].name())),
    })
}

fn lite_cell(row: &SqliteRow, i: usize) -> Result<Value, sqlx::Error> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    // SQLite types values, not columns: decode by the value's own type.
    let name = raw.type_info().name().to_owned();
    Ok(match name.as_str() {
        "INTEGER" => json!(row.try_get::<i64, _>(i)?),
        "REAL" => json!(row.try_get::<f64, _>(i)?),
        "TEXT" => json!(row.try_get::<String, _>(i)?),
        "BOOLEAN" => json!(row.try_get::<bool, _>(i)?),
        other => return Err(unsupported(other, row.columns()[i].name())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_read_statement_passes_the_parser() {
        let pg = PostgreSqlDialect {};
        assert!(read_only("SELECT * FROM t WHERE ip = $1", &pg).is_ok());
        assert!(read_only("WITH x AS (SELECT 1) SELECT * FROM x", &pg).is_ok());
        assert!(read_only("EXPLAIN SELECT 1", &pg).is_ok());
        assert!(read_only("SHOW search_path", &pg).is_ok());
        assert!(
            read_only("DELETE FROM t", &pg)
                .unwrap_err()
                .contains("only a read statement")
        );
        assert!(
            read_only("SELECT 1; DROP TABLE t", &pg)
                .unwrap_err()
                .contains("exactly one")
        );
        for write in [
            "SELECT * INTO copy FROM t",
            "WITH d AS (DELETE FROM t RETURNING ip) SELECT * FROM d",
            "SELECT 1 UNION SELECT * INTO x FROM t",
        ] {
            assert!(
                read_only(write, &pg)
                    .unwrap_err()
                    .contains("only a read statement"),
                "{write}"
            );
        }
        assert!(
            read_only("SELEKT 1", &pg)
                .unwrap_err()
                .contains("does not parse")
        );
    }
}
