//! SQL Server through tiberius: `mssql://user:password@host[:port]/database`
//! (also `sqlserver://`), with `?encrypt=off|on|required` (default
//! required) and `?trust_cert=true` for a self-signed server certificate.
//! Connections are pooled by bb8 (size, idle timeout, acquire timeout).
//!
//! SQL Server has no read-only transaction, so the second guard is a
//! transaction that is always rolled back: whatever a read statement's
//! functions might write is undone. Parameters are bound as `@P1`, `@P2`, …
//!
//! A connection dropped with its transaction open (the task timed out or
//! was cancelled mid-statement) is reported broken to bb8, which closes it
//! instead of pooling it; SQL Server rolls back the transaction of a
//! session whose connection is gone. tiberius has no way to send an
//! attention (cancel) packet, so that close is the stop; with a task
//! timeout, `SET LOCK_TIMEOUT` also bounds waits on locks on the server.
//! No SQL Server runs where this was written: this path is untested.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use serde_json::{Map, Value, json};
use tiberius::{AuthMethod, Client, ColumnData, Config, EncryptionLevel, FromSql, ToSql};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

/// A connection, and whether a transaction may be open on it.
pub struct Conn {
    client: Client<Compat<TcpStream>>,
    /// Set before `BEGIN TRANSACTION` is sent, cleared once its end has
    /// been answered: while set, the pool treats the connection as broken.
    open: bool,
}

/// A pool of SQL Server connections, and why its last connection attempt
/// failed (bb8 connects in the background and only reports a timeout).
#[derive(Clone)]
pub struct MssqlPool {
    pool: bb8::Pool<Manager>,
    last_error: LastError,
}

/// Keeps the last connection error the pool met.
#[derive(Debug, Clone, Default)]
struct LastError(Arc<Mutex<Option<String>>>);

impl bb8::ErrorSink<MssqlError> for LastError {
    fn sink(&self, error: MssqlError) {
        let (MssqlError::Url(m) | MssqlError::Unavailable(m) | MssqlError::Database(m)) = error;
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(m);
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<MssqlError>> {
        Box::new(self.clone())
    }
}

/// Why a SQL Server call failed.
#[derive(Debug, thiserror::Error)]
pub enum MssqlError {
    /// The connection URL is unusable.
    #[error("connection: {0}")]
    Url(String),
    /// The server could not be reached or the pool gave no connection in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The server refused or failed the statement.
    #[error("database: {0}")]
    Database(String),
}

impl From<tiberius::error::Error> for MssqlError {
    fn from(e: tiberius::error::Error) -> Self {
        match e {
            tiberius::error::Error::Io { .. } => Self::Unavailable(e.to_string()),
            tiberius::error::Error::Server(s) => Self::Database(s.message().to_owned()),
            other => Self::Database(other.to_string()),
        }
    }
}

impl From<MssqlError> for crate::plugins::TaskError {
    fn from(e: MssqlError) -> Self {
        match e {
            MssqlError::Unavailable(_) => Self::retryable(e.to_string()),
            _ => Self::permanent(e.to_string()),
        }
    }
}

/// Opens connections for the pool.
#[derive(Debug, Clone)]
pub struct Manager(Config);

impl bb8::ManageConnection for Manager {
    type Connection = Conn;
    type Error = MssqlError;

    async fn connect(&self) -> Result<Conn, MssqlError> {
        let tcp = TcpStream::connect(self.0.get_addr())
            .await
            .map_err(|e| MssqlError::Unavailable(format!("{}: {e}", self.0.get_addr())))?;
        tcp.set_nodelay(true)
            .map_err(|e| MssqlError::Unavailable(e.to_string()))?;
        Ok(Conn {
            client: Client::connect(self.0.clone(), tcp.compat_write()).await?,
            open: false,
        })
    }

    async fn is_valid(&self, conn: &mut Conn) -> Result<(), MssqlError> {
        conn.client
            .simple_query("SELECT 1")
            .await?
            .into_results()
            .await?;
        Ok(())
    }

    /// Whether a task left it mid-transaction: bb8 then drops it (closing
    /// the socket) rather than hand it to the next task.
    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.open
    }
}

/// The tiberius configuration of a `mssql://` or `sqlserver://` URL.
pub fn config(url: &str) -> Result<Config, MssqlError> {
    let bad = |m: &str| MssqlError::Url(m.to_owned());
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&format!("not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "mssql" | "sqlserver") {
        return Err(bad("the scheme must be mssql:// or sqlserver://"));
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("no host"))?;
    let mut c = Config::new();
    c.host(host);
    c.port(parsed.port().unwrap_or(1433));
    c.application_name("orchestrator");
    let database = parsed.path().trim_start_matches('/');
    if !database.is_empty() {
        c.database(decode(database));
    }
    if parsed.username().is_empty() {
        return Err(bad("no user: mssql://user:password@host/database"));
    }
    c.authentication(AuthMethod::sql_server(
        decode(parsed.username()),
        decode(parsed.password().unwrap_or("")),
    ));
    c.encryption(EncryptionLevel::Required);
    for (key, value) in parsed.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("encrypt", "off" | "false") => c.encryption(EncryptionLevel::Off),
            ("encrypt", "on" | "true") => c.encryption(EncryptionLevel::On),
            ("encrypt", "required") => c.encryption(EncryptionLevel::Required),
            ("trust_cert", "true") => c.trust_cert(),
            ("trust_cert", "false") => {}
            (k, v) => {
                return Err(bad(&format!(
                    "unknown option {k}={v} (encrypt, trust_cert)"
                )));
            }
        }
    }
    Ok(c)
}

/// A URL part with its `%XX` escapes decoded.
fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A pool for `url`; no connection is made until the first use.
pub fn pool(
    url: &str,
    size: u32,
    acquire: Duration,
    idle: Duration,
) -> Result<MssqlPool, MssqlError> {
    let config = config(url)?;
    let last_error = LastError::default();
    let pool = bb8::Pool::builder()
        .max_size(size)
        .connection_timeout(acquire)
        .idle_timeout(idle)
        // A refused connection is not retried inside the pool: the task's
        // retry policy decides whether to try again.
        .retry_connection(false)
        .error_sink(Box::new(last_error.clone()))
        .build_unchecked(Manager(config));
    Ok(MssqlPool { pool, last_error })
}

/// Runs one statement and reads at most `max` rows; whether there were
/// more. Without `allow_write` it runs in a transaction that is rolled back.
/// Lock waits on the server end by the task's `deadline` (and a grace).
pub async fn query(
    pool: &MssqlPool,
    sql: &str,
    params: &[Value],
    allow_write: bool,
    max: usize,
    deadline: Option<std::time::Instant>,
) -> Result<super::Rows, MssqlError> {
    let mut conn = pool.pool.get().await.map_err(|e| match e {
        bb8::RunError::User(e) => e,
        bb8::RunError::TimedOut => {
            let last = pool.last_error.0.lock().unwrap_or_else(|e| e.into_inner());
            let why = last.as_deref().unwrap_or("no error reported");
            MssqlError::Unavailable(format!("no connection within the acquire timeout ({why})"))
        }
    })?;
    // Set on every run: the session keeps it from the previous task
    // (-1, the default, waits for ever).
    let lock_timeout = super::server_limit(deadline)
        .map_or(-1, |l| l.as_millis().clamp(1, i32::MAX as u128) as i64);
    conn.open = true;
    conn.client
        .simple_query(format!(
            "SET XACT_ABORT ON; SET LOCK_TIMEOUT {lock_timeout}; BEGIN TRANSACTION"
        ))
        .await?
        .into_results()
        .await?;
    let result = rows(&mut conn.client, sql, params, max).await;
    let end = if allow_write && result.is_ok() {
        "COMMIT TRANSACTION"
    } else {
        "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION"
    };
    let ended = match conn.client.simple_query(end).await {
        Ok(stream) => stream.into_results().await.map(drop),
        Err(e) => Err(e),
    };
    // Only an answered end makes the connection reusable; the statement's
    // own error wins over a failed rollback.
    if ended.is_ok() {
        conn.open = false;
    }
    let rows = result?;
    ended?;
    Ok(rows)
}

async fn rows(
    conn: &mut Client<Compat<TcpStream>>,
    sql: &str,
    params: &[Value],
    max: usize,
) -> Result<super::Rows, MssqlError> {
    let bound: Vec<Box<dyn ToSql>> = params.iter().map(bind).collect();
    let refs: Vec<&dyn ToSql> = bound.iter().map(|b| b.as_ref()).collect();
    let mut stream = conn.query(sql, &refs).await?.into_row_stream();
    let (mut columns, mut out, mut truncated) = (Vec::new(), Vec::new(), false);
    while let Some(row) = stream.try_next().await? {
        if columns.is_empty() {
            columns = row.columns().iter().map(|c| c.name().to_owned()).collect();
        }
        if out.len() == max {
            truncated = true;
            break;
        }
        let mut m = Map::new();
        for (name, cell) in columns.iter().zip(row) {
            m.insert(name.clone(), cell_json(name, &cell)?);
        }
        out.push(Value::Object(m));
    }
    Ok((columns, out, truncated))
}

fn bind(v: &Value) -> Box<dyn ToSql> {
    match v {
        Value::Null => Box::new(None::<String>),
        Value::Bool(b) => Box::new(*b),
        Value::Number(n) if n.is_i64() => Box::new(n.as_i64().unwrap_or_default()),
        Value::Number(n) => Box::new(n.as_f64().unwrap_or_default()),
        Value::String(s) => Box::new(s.clone()),
        other => Box::new(other.to_string()),
    }
}

fn cell_json(column: &str, cell: &ColumnData<'static>) -> Result<Value, MssqlError> {
    let time = |r: tiberius::Result<Option<chrono::NaiveDateTime>>| {
        r.map(|t| t.map_or(Value::Null, |t| json!(t.to_string())))
    };
    Ok(match cell {
        ColumnData::U8(v) => json!(v),
        ColumnData::I16(v) => json!(v),
        ColumnData::I32(v) => json!(v),
        ColumnData::I64(v) => json!(v),
        ColumnData::F32(v) => json!(v),
        ColumnData::F64(v) => json!(v),
        ColumnData::Bit(v) => json!(v),
        ColumnData::String(v) => json!(v.as_deref()),
        ColumnData::Guid(v) => json!(v.map(|g| g.to_string())),
        ColumnData::Numeric(v) => v.map_or(Value::Null, |n| {
            n.to_string()
                .parse::<f64>()
                .map_or(Value::Null, |f| json!(f))
        }),
        ColumnData::DateTime(_) | ColumnData::SmallDateTime(_) | ColumnData::DateTime2(_) => {
            time(chrono::NaiveDateTime::from_sql(cell))?
        }
        ColumnData::Date(_) => {
            chrono::NaiveDate::from_sql(cell)?.map_or(Value::Null, |d| json!(d.to_string()))
        }
        ColumnData::Time(_) => {
            chrono::NaiveTime::from_sql(cell)?.map_or(Value::Null, |t| json!(t.to_string()))
        }
        ColumnData::DateTimeOffset(_) => chrono::DateTime::<chrono::Utc>::from_sql(cell)?
            .map_or(Value::Null, |t| json!(t.to_rfc3339())),
        ColumnData::Xml(_) | ColumnData::Binary(_) => {
            return Err(MssqlError::Database(format!(
                "column {column}: cast it to text or a number in the query"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_port_database_and_encryption() {
        let c = config("mssql://sa:p%40ss@db.local:14330/soc?encrypt=off").unwrap();
        assert_eq!(c.get_addr(), "db.local:14330");
        let c = config("sqlserver://reader:x@10.0.0.5/intel?trust_cert=true").unwrap();
        assert_eq!(c.get_addr(), "10.0.0.5:1433");
        for (url, wanted) in [
            ("mssql://db.local/soc", "no user"),
            ("mssql://u:p@/soc", "empty host"),
            (
                "mssql://u:p@db/soc?encrypt=maybe",
                "unknown option encrypt=maybe",
            ),
            ("postgres://u:p@db/soc", "scheme must be mssql://"),
        ] {
            let e = config(url).unwrap_err().to_string();
            assert!(e.contains(wanted), "{url}: {e}");
        }
        assert_eq!(decode("p%40ss%2Fw"), "p@ss/w");
    }
}
