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

mod mssql;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use futures::TryStreamExt;
use serde_json::{Map, Value, json};
use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, MsSqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use sqlx::mysql::{MySqlPool, MySqlPoolOptions, MySqlRow};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Column, Row, TypeInfo, ValueRef};

use super::secrets::Secrets;
use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin};
use crate::proto::SqlConfig;

/// Rows returned at most unless the task says otherwise.
const MAX_ROWS: usize = 1000;

/// A pool of one engine.
#[derive(Clone)]
enum Pool {
    Postgres(PgPool),
    MySql(MySqlPool),
    Sqlite(SqlitePool),
    Mssql(mssql::MssqlPool),
}

/// The `sql` plugin.
pub struct SqlPlugin {
    secrets: Secrets,
    pools: Mutex<HashMap<String, Pool>>,
}

impl std::fmt::Debug for SqlPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqlPlugin")
    }
}

impl SqlPlugin {
    /// A plugin that finds connection URLs among `secrets`.
    pub fn new(secrets: Secrets) -> Self {
        Self {
            secrets,
            pools: Mutex::default(),
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
        let cfg: SqlConfig = super::decode(&ctx.config)?;
        let url = self
            .secrets
            .get(&cfg.connection)
            .map_err(TaskError::permanent)?;
        let pool = self.pool(&url)?;
        let max = match cfg.max_rows {
            0 => MAX_ROWS,
            n => n as usize,
        };
        let params: Vec<Value> = cfg.params.iter().map(crate::proto::pb_to_json).collect();
        if cfg.allow_write {
            // The opt-in is explicit in the definition; each use is on record.
            ctx.audit.record("sql.write", &cfg.query);
        } else {
            let dialect: &dyn Dialect = match pool {
                Pool::Postgres(_) => &PostgreSqlDialect {},
                Pool::MySql(_) => &MySqlDialect {},
                Pool::Sqlite(_) => &SQLiteDialect {},
                Pool::Mssql(_) => &MsSqlDialect {},
            };
            read_only(&cfg.query, dialect)
                .map_err(|m| TaskError::permanent(format!("query: {m}")))?;
        }
        let (columns, rows, truncated) = match pool {
            Pool::Postgres(p) => postgres(&p, &cfg, &params, max).await.map_err(db_error),
            Pool::MySql(p) => mysql(&p, &cfg, &params, max).await.map_err(db_error),
            Pool::Sqlite(p) => sqlite(&p, &cfg, &params, max).await.map_err(db_error),
            Pool::Mssql(p) => mssql::query(&p, &cfg.query, &params, cfg.allow_write, max)
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

async fn postgres(
    pool: &PgPool,
    cfg: &SqlConfig,
    params: &[Value],
    max: usize,
) -> Result<Rows, sqlx::Error> {
    // One round trip opens the transaction, read-only unless writing.
    let mut tx = if cfg.allow_write {
        pool.begin().await?
    } else {
        pool.begin_with("BEGIN READ ONLY").await?
    };
    let result = {
        let q = bind_all!(sqlx::query(sql_text(cfg)), params);
        collect_rows!(q.fetch(&mut *tx), max, pg_cell)
    };
    if cfg.allow_write {
        tx.commit().await?;
    }
    Ok(result)
}

async fn mysql(
    pool: &MySqlPool,
    cfg: &SqlConfig,
    params: &[Value],
    max: usize,
) -> Result<Rows, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let start = if cfg.allow_write {
        "START TRANSACTION"
    } else {
        "START TRANSACTION READ ONLY"
    };
    sqlx::raw_sql(start).execute(&mut *conn).await?;
    let result = async {
        let q = bind_all!(sqlx::query(sql_text(cfg)), params);
        Ok::<_, sqlx::Error>(collect_rows!(q.fetch(&mut *conn), max, my_cell))
    }
    .await;
    let end = if cfg.allow_write && result.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    sqlx::raw_sql(end).execute(&mut *conn).await?;
    result
}

async fn sqlite(
    pool: &SqlitePool,
    cfg: &SqlConfig,
    params: &[Value],
    max: usize,
) -> Result<Rows, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let only = if cfg.allow_write {
        "PRAGMA query_only = OFF"
    } else {
        "PRAGMA query_only = ON"
    };
    sqlx::raw_sql(only).execute(&mut *conn).await?;
    let q = bind_all!(sqlx::query(sql_text(cfg)), params);
    Ok(collect_rows!(q.fetch(&mut *conn), max, lite_cell))
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
