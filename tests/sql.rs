//! The `sql` plugin against real engines: this machine's PostgreSQL and
//! MariaDB on loopback, and SQLite in a temporary file. Connection URLs come
//! from a secrets file; values are bound; reads run read-only twice over.

mod common;

use std::sync::Arc;

use common::{output, run_yaml, state, task};
use orchestrator::engine::Engine;
use orchestrator::proto::TaskState;
use serde_json::{Value, json};

/// An engine whose secrets file names the three databases.
fn engine(dir: &std::path::Path) -> Engine {
    let secrets = dir.join("secrets");
    let sqlite = dir.join("intel.db");
    std::fs::write(
        &secrets,
        format!(
            "PG=postgres://postgres@127.0.0.1:5432/test\nMARIA=mysql://root@127.0.0.1:3306/test\nLITE=sqlite://{}?mode=rwc\n",
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

    let count = format!("SELECT COUNT(*) AS n FROM {table}");
    let e = sql(&engine, db, &count, json!([]), "").await;
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
