//! The `sql` plugin against real engines: this machine's PostgreSQL and
//! MariaDB on loopback, and SQLite in a temporary file. Connection URLs come
//! from a secrets file; values are bound; reads run read-only twice over.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{output, run_yaml, state, task};
use orchestrator::engine::Engine;
use orchestrator::proto::TaskState;
use serde_json::{Value, json};
use sqlx::Connection;

/// This machine's PostgreSQL and MariaDB.
const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const MARIA_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// An engine whose secrets file names the three databases.
fn engine(dir: &std::path::Path) -> Engine {
    let secrets = dir.join("secrets");
    let sqlite = dir.join("intel.db");
    std::fs::write(
        &secrets,
        format!(
            "PG={PG_URL}\nMARIA={MARIA_URL}\nLITE=sqlite://{}?mode=rwc\n",
            sqlite.display()
        ),
    )
    .unwrap();
    let config = orchestrator::config::Config {
        secrets_file: Some(secrets),
        ..Default::default()
    };
    Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(orchestrator::plugins::Registry::builtin(&config)),
        &Default::default(),
    )
}

/// One sql task; its execution.
async fn sql(
    engine: &Engine,
    db: &str,
    query: &str,
    params: Value,
    extra: &str,
) -> Arc<orchestrator::proto::Execution> {
    let yaml = format!(
        "name: q\ntasks:\n  - id: q\n    type: sql\n    connection: {db}\n    query: {}\n    params: {params}\n{extra}",
        serde_json::to_string(query).unwrap()
    );
    run_yaml(engine, &yaml, json!({"ip": "10.0.0.1'; DROP TABLE x; --"})).await
}

/// Runs the same checks against one engine; `p(n)` is its n-th placeholder.
async fn exercise(db: &str, p: fn(usize) -> String) {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let table = format!("ioc_{}", rand::random::<u32>());
    let ok = |e: &Arc<orchestrator::proto::Execution>| {
        assert_eq!(
            state(e, "q"),
            TaskState::Succeeded,
            "{db}: {}",
            task(e, "q").error
        );
    };

    // Writing needs allow_write (without it the definition is refused:
    // see bad_definitions_are_refused_naming_the_field).
    let create = format!("CREATE TABLE {table} (ip VARCHAR(64), score INTEGER, seen TEXT)");
    ok(&sql(&engine, db, &create, json!([]), "    allow_write: true\n").await);
    let insert = format!("INSERT INTO {table} VALUES ({}, {}, {})", p(1), p(2), p(3));
    for (ip, score) in [
        ("10.0.0.1'; DROP TABLE x; --", 90),
        ("192.0.2.7", 40),
        ("198.51.100.9", 75),
    ] {
        ok(&sql(
            &engine,
            db,
            &insert,
            json!([ip, score, null]),
            "    allow_write: true\n",
        )
        .await);
    }

    // A templated value is bound, so the hostile-looking one is just data.
    let select = format!("SELECT ip, score, seen FROM {table} WHERE ip = {}", p(1));
    let e = sql(&engine, db, &select, json!(["{{ input.ip }}"]), "").await;
    ok(&e);
    assert_eq!(
        output(&e, "q"),
        json!({"row_count": 1, "columns": ["ip", "score", "seen"],
               "rows": [{"ip": "10.0.0.1'; DROP TABLE x; --", "score": 90, "seen": null}]}),
        "{db}"
    );

    // The row cap.
    let all = format!("SELECT ip FROM {table} ORDER BY score DESC");
    let e = sql(&engine, db, &all, json!([]), "    max_rows: 2\n").await;
    ok(&e);
    assert_eq!(output(&e, "q")["row_count"], 2);
    assert_eq!(output(&e, "q")["truncated"], true);

    // Writes without allow_write, past the definition check (a spec
    // stored before an upgrade, say): refused at run time, and a separate
    // connection (a new engine's pool) still counts every row.
    for write in [
        format!("DROP TABLE {table}"),
        format!("INSERT INTO {table} VALUES ('x', 1, NULL)"),
        format!("SELECT 1; DELETE FROM {table}"),
        format!("WITH d AS (DELETE FROM {table} RETURNING ip) SELECT * FROM d"),
        format!("SELECT * INTO {table}_copy FROM {table}"),
    ] {
        let e = attempt(engine.registry(), json!({"connection": db, "query": write}))
            .await
            .unwrap_err();
        assert!(
            e.message.starts_with("query: "),
            "{db}: {write}: {}",
            e.message
        );
    }
    let count = format!("SELECT COUNT(*) AS n FROM {table}");
    let fresh = self::engine(dir.path());
    let e = sql(&fresh, db, &count, json!([]), "").await;
    assert_eq!(output(&e, "q")["rows"][0]["n"], 3, "{db}");

    ok(&sql(
        &engine,
        db,
        &format!("DROP TABLE {table}"),
        json!([]),
        "    allow_write: true\n",
    )
    .await);
    // Every writing run is on the audit trail: create, 3 inserts, drop.
    let audit = engine.store().audit_trail(100).await.unwrap();
    let writes: Vec<&str> = audit
        .iter()
        .filter(|r| r.action == "sql.write")
        .map(|r| r.reason.as_str())
        .collect();
    assert_eq!(writes.len(), 5, "{db}: {writes:?}");
    assert!(writes[0].starts_with("DROP TABLE"), "{writes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgresql() {
    exercise("PG", |n| format!("${n}")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb() {
    exercise("MARIA", |_| "?".to_owned()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite() {
    exercise("LITE", |_| "?".to_owned()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_read_only_transaction_stops_what_the_parser_lets_through() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let seq = format!("seq_{}", rand::random::<u32>());
    let e = sql(
        &engine,
        "PG",
        &format!("CREATE SEQUENCE {seq}"),
        json!([]),
        "    allow_write: true\n",
    )
    .await;
    assert_eq!(
        state(&e, "q"),
        TaskState::Succeeded,
        "{}",
        task(&e, "q").error
    );
    // A SELECT that writes: nextval advances a sequence.
    let e = sql(
        &engine,
        "PG",
        &format!("SELECT nextval('{seq}') AS v"),
        json!([]),
        "",
    )
    .await;
    assert_eq!(state(&e, "q"), TaskState::Failed);
    assert!(
        task(&e, "q").error.contains("read-only transaction"),
        "{}",
        task(&e, "q").error
    );
    let e = sql(
        &engine,
        "PG",
        &format!("DROP SEQUENCE {seq}"),
        json!([]),
        "    allow_write: true\n",
    )
    .await;
    assert_eq!(state(&e, "q"), TaskState::Succeeded);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_definitions_are_refused_naming_the_field() {
    let registry = orchestrator::plugins::Registry::builtin(&Default::default());
    let load = |cfg: &str| {
        let yaml = format!("name: q\ntasks:\n  - {{id: q, type: sql, {cfg}}}\n");
        orchestrator::spec::load(
            &yaml,
            orchestrator::spec::Format::Yaml,
            &registry,
            &Default::default(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
    };
    assert!(
        load("connection: 'postgres://u:p@h/db', query: 'SELECT 1'")
            .contains("connection: name a secret")
    );
    assert!(
        load("connection: PG, query: 'SELECT * FROM t WHERE ip = ''{{ input.ip }}'''")
            .contains("query: no {{ templates }} in SQL")
    );
    assert!(
        load("connection: PG, query: 'DELETE FROM t'").contains("query: only a read statement")
    );
    assert!(load("connection: PG, query: 'DELETE FROM t', allow_write: true").is_empty());
}

/// A registry whose secret MS names a SQL Server URL.
fn mssql_registry(dir: &std::path::Path, url: &str) -> orchestrator::plugins::Registry {
    let secrets = dir.join("secrets");
    std::fs::write(&secrets, format!("MS={url}\n")).unwrap();
    let config = orchestrator::config::Config {
        secrets_file: Some(secrets),
        ..Default::default()
    };
    orchestrator::plugins::Registry::builtin(&config)
}

/// One attempt of the sql plugin with `config`, as the engine would make it
/// (called directly: the definition check would refuse some of these first).
async fn attempt(
    registry: &orchestrator::plugins::Registry,
    config: Value,
) -> Result<orchestrator::plugins::TaskOutput, orchestrator::plugins::TaskError> {
    let ctx = orchestrator::plugins::TaskContext {
        execution_id: "e".into(),
        input: Arc::new(json!({})),
        task_id: "q".into(),
        attempt: 1,
        config,
        timeout: None,
        audit: Default::default(),
        max_output_bytes: 1 << 20,
    };
    registry.get("sql").unwrap().execute(ctx).await
}

/// No SQL Server runs here: the tiberius path is checked as far as it goes
/// without one. The read-only guard refuses writes before any connection
/// (a listener on the URL's port sees none), an unreachable server is a
/// retryable error that says so, and a bad URL is named.
#[tokio::test(flavor = "multi_thread")]
async fn sql_server_urls_are_guarded_before_connecting_and_unreachable_servers_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let registry = mssql_registry(
        dir.path(),
        &format!("mssql://reader:s3cr%40t@127.0.0.1:{port}/soc?encrypt=off"),
    );
    for query in [
        "DELETE FROM ioc",
        "SELECT 1; DELETE FROM ioc",
        "SELECT * INTO ioc_copy FROM ioc",
        "EXEC sp_who",
    ] {
        let e = attempt(&registry, json!({"connection": "MS", "query": query}))
            .await
            .unwrap_err();
        assert!(e.message.starts_with("query: "), "{query}: {}", e.message);
        assert!(!e.retryable, "{query}");
    }
    assert!(
        listener.accept().is_err(),
        "the guard refused before connecting"
    );

    // A closed port: the connection error, retryable.
    drop(listener);
    let e = attempt(
        &registry,
        json!({"connection": "MS", "query": "SELECT TOP 10 ip FROM ioc WHERE score > @P1", "params": [50]}),
    )
    .await
    .unwrap_err();
    assert!(
        e.message.contains(&format!(
            "database unavailable: no connection within the acquire timeout (127.0.0.1:{port}: "
        )),
        "{}",
        e.message
    );
    assert!(e.retryable, "{}", e.message);

    let registry = mssql_registry(dir.path(), "mssql://127.0.0.1/soc");
    let e = attempt(&registry, json!({"connection": "MS", "query": "SELECT 1"}))
        .await
        .unwrap_err();
    assert!(e.message.contains("connection: no user"), "{}", e.message);
}

/// Whether `check` comes true within `within`, asked every 50 ms.
async fn within<F: std::future::Future<Output = bool>>(
    within: Duration,
    mut check: impl FnMut() -> F,
) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many statements whose text holds `marker` the server `db` is
/// running now, seen from a connection of the test's own.
async fn running(db: &str, marker: &str) -> i64 {
    let like = format!("%{marker}%");
    if db == "PG" {
        let mut c = sqlx::PgConnection::connect(PG_URL).await.unwrap();
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE $1",
        )
        .bind(like)
        .fetch_one(&mut c)
        .await
        .unwrap()
    } else {
        let mut c = sqlx::MySqlConnection::connect(MARIA_URL).await.unwrap();
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE ID <> CONNECTION_ID() AND INFO LIKE ?",
        )
        .bind(like)
        .fetch_one(&mut c)
        .await
        .unwrap()
    }
}

/// A task's timeout stops its statement on the server too: seen running
/// while the task waits, then gone within 3 s of the task's end (before,
/// `pg_sleep(600)` and `SLEEP(600)` ran on for ten minutes).
#[tokio::test(flavor = "multi_thread")]
async fn a_timed_out_query_stops_running_on_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    for (db, sleep) in [("PG", "pg_sleep(600)"), ("MARIA", "SLEEP(600)")] {
        let marker = format!("stuck_{}", rand::random::<u32>());
        let query = format!("SELECT {sleep} AS {marker}");
        let (e, seen) = tokio::join!(
            sql(&engine, db, &query, json!([]), "    timeout: 1s\n"),
            within(Duration::from_secs(5), || async {
                running(db, &marker).await == 1
            })
        );
        assert!(seen, "{db}: the statement was never seen running");
        assert_eq!(
            state(&e, "q"),
            TaskState::TimedOut,
            "{db}: {}",
            task(&e, "q").error
        );
        assert!(
            within(Duration::from_secs(3), || async {
                running(db, &marker).await == 0
            })
            .await,
            "{db}: {query} still runs on the server after its task timed out"
        );
    }
}

/// MariaDB: a write that times out (here waiting on a row lock) leaves
/// nothing behind. Before, the server carried on with the UPDATE in a
/// transaction that stayed open on a pooled connection; the next task's
/// `START TRANSACTION` committed it, so the retried write counted twice
/// (or, on another connection, waited on that transaction's lock).
#[tokio::test(flavor = "multi_thread")]
async fn a_timed_out_write_is_rolled_back_so_a_retry_writes_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let table = format!("ledger_{}", rand::random::<u32>());
    let mut admin = sqlx::MySqlConnection::connect(MARIA_URL).await.unwrap();
    for setup in [
        format!("CREATE TABLE {table} (id INT PRIMARY KEY, n INT) ENGINE=InnoDB"),
        format!("INSERT INTO {table} VALUES (1, 0)"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(setup))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    let bump = format!("UPDATE {table} SET n = n + 1 WHERE id = 1");

    // Another session holds the row, so the task's UPDATE waits past its timeout.
    let mut holder = sqlx::MySqlConnection::connect(MARIA_URL).await.unwrap();
    let lock = format!("START TRANSACTION; SELECT n FROM {table} WHERE id = 1 FOR UPDATE");
    sqlx::raw_sql(sqlx::AssertSqlSafe(lock))
        .execute(&mut holder)
        .await
        .unwrap();
    let e = sql(
        &engine,
        "MARIA",
        &bump,
        json!([]),
        "    allow_write: true\n    timeout: 1s\n",
    )
    .await;
    assert_eq!(
        state(&e, "q"),
        TaskState::TimedOut,
        "{}",
        task(&e, "q").error
    );
    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();

    // The retry, on the same pool.
    let e = sql(
        &engine,
        "MARIA",
        &bump,
        json!([]),
        "    allow_write: true\n    timeout: 10s\n",
    )
    .await;
    assert_eq!(
        state(&e, "q"),
        TaskState::Succeeded,
        "{}",
        task(&e, "q").error
    );
    let n: i32 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT n FROM {table} WHERE id = 1"
    )))
    .fetch_one(&mut admin)
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
        .execute(&mut admin)
        .await
        .unwrap();
    assert_eq!(
        n, 1,
        "the timed-out UPDATE was committed as well as the retry"
    );
}

/// SQLite: a write runs in a transaction too, and a task dropped in the
/// middle of one stops its statement and closes the connection, which
/// rolls back. Before, the INSERT ahead of the slow statement was already
/// committed, and the statement kept its lock until it finished.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_a_timed_out_write_is_rolled_back_so_a_retry_writes_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let write = "    allow_write: true\n    timeout: 10s\n";
    let e = sql(
        &engine,
        "LITE",
        "CREATE TABLE hits (n INTEGER)",
        json!([]),
        write,
    )
    .await;
    assert_eq!(
        state(&e, "q"),
        TaskState::Succeeded,
        "{}",
        task(&e, "q").error
    );
    let slow = "INSERT INTO hits VALUES (1); \
                WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000000) \
                SELECT COUNT(*) AS n FROM c";
    let e = sql(
        &engine,
        "LITE",
        slow,
        json!([]),
        "    allow_write: true\n    timeout: 1s\n",
    )
    .await;
    assert_eq!(
        state(&e, "q"),
        TaskState::TimedOut,
        "{}",
        task(&e, "q").error
    );
    let e = sql(
        &engine,
        "LITE",
        "INSERT INTO hits VALUES (1)",
        json!([]),
        write,
    )
    .await;
    assert_eq!(
        state(&e, "q"),
        TaskState::Succeeded,
        "{}",
        task(&e, "q").error
    );
    let e = sql(
        &engine,
        "LITE",
        "SELECT COUNT(*) AS n FROM hits",
        json!([]),
        "",
    )
    .await;
    assert_eq!(output(&e, "q")["rows"][0]["n"], 1);
}

#[tokio::test]
async fn a_tasks_max_rows_may_lower_the_servers_never_raise_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let rows = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) SELECT x FROM c";
    // SQL_MAX_ROWS is 1,000 by default: asking for 5,000 gets 1,000.
    let e = sql(&engine, "LITE", rows, json!([]), "    max_rows: 5000\n").await;
    let out = output(&e, "q");
    assert_eq!(out["row_count"], 1000, "{out}");
    assert_eq!(out["truncated"], true);
    let e = sql(&engine, "LITE", rows, json!([]), "    max_rows: 10\n").await;
    assert_eq!(output(&e, "q")["row_count"], 10);
}
