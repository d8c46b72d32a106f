//! Retention: ended executions with their events, the audit trail and
//! expired cached results are pruned once past their limits, in the three
//! stores; unfinished executions stay however old; a server prunes in the
//! background.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::pg::FreshDatabase;
use orchestrator::proto::{
    self, AuditRecord, CacheEntry, Execution, ExecutionEvent, ExecutionState, TaskStarted,
    execution_event::Kind,
};
use orchestrator::store::retention::{Policy, prune_periodically};
use orchestrator::store::{
    ExecutionQuery, MemoryStore, PgOptions, PgStore, Pruned, Retention, RocksOptions, RocksStore,
    Store, StoreError, Write,
};

const DAY_MS: i64 = 86_400_000;

fn now_ms() -> i64 {
    proto::timestamp_ms(&proto::now())
}

fn at(ms: i64) -> Option<pbjson_types::Timestamp> {
    Some(proto::timestamp_from(
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms as u64),
    ))
}

/// An execution started at `started_ms` in `state`, with `events` events.
fn execution(store: &dyn Store, id: &str, started_ms: i64, state: ExecutionState, events: u64) {
    store.append(Write::NewExecution(Arc::new(Execution {
        id: id.into(),
        workflow: "wf".into(),
        version: 1,
        status: state as i32,
        started_at: at(started_ms),
        ..Default::default()
    })));
    for seq in 1..=events {
        store.append(Write::Event(Arc::new(ExecutionEvent {
            execution_id: id.into(),
            seq,
            time: at(started_ms),
            kind: Some(Kind::TaskStarted(TaskStarted {
                task_id: format!("t{seq}"),
                attempt: 1,
            })),
        })));
    }
}

fn audit(store: &dyn Store, ms: i64, target: &str) {
    store.append(Write::Audit(AuditRecord {
        time: at(ms),
        actor: "test".into(),
        action: "execution.cancel".into(),
        target: target.into(),
        reason: String::new(),
    }));
}

fn cache(store: &dyn Store, key: u8, expires_at_ms: i64) {
    store.append(Write::Cache {
        key: [key; 32],
        entry: CacheEntry {
            expires_at_ms,
            ..Default::default()
        },
    });
}

async fn records_past_their_retention_are_pruned(store: &dyn Store) {
    let now = now_ms();
    execution(
        store,
        "old-ended",
        now - 40 * DAY_MS,
        ExecutionState::Completed,
        3,
    );
    execution(
        store,
        "old-failed",
        now - 31 * DAY_MS,
        ExecutionState::Failed,
        2,
    );
    execution(
        store,
        "old-running",
        now - 40 * DAY_MS,
        ExecutionState::Running,
        1,
    );
    execution(store, "recent", now - DAY_MS, ExecutionState::Completed, 1);
    audit(store, now - 400 * DAY_MS, "ancient");
    audit(store, now - DAY_MS, "recent");
    cache(store, 1, now - 1);
    cache(store, 2, now + 3_600_000);
    store.flush().await.unwrap();

    let retention = Retention {
        executions_before_ms: Some(now - 30 * DAY_MS),
        audit_before_ms: Some(now - 366 * DAY_MS),
        now_ms: now,
    };
    let pruned = store.prune(&retention).await.unwrap();
    assert_eq!(
        pruned,
        Pruned {
            executions: 2,
            events: 5,
            audit: 1,
            cache: 1
        }
    );
    for gone in ["old-ended", "old-failed"] {
        assert!(matches!(
            store.get_execution(gone).await,
            Err(StoreError::ExecutionNotFound(_))
        ));
        assert!(store.events(gone, 0).await.is_err());
    }
    assert_eq!(store.events("old-running", 0).await.unwrap().len(), 1);
    assert_eq!(store.unfinished_executions().await.unwrap().len(), 1);
    let listed: Vec<String> = store
        .list_executions(&ExecutionQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(listed, ["recent", "old-running"]);
    let trail: Vec<String> = store
        .audit_trail(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.target)
        .collect();
    assert_eq!(trail, ["recent"]);
    assert!(store.get_cache(&[1; 32]).await.unwrap().is_none());
    assert!(store.get_cache(&[2; 32]).await.unwrap().is_some());

    // Nothing more to prune; no limits keep everything.
    assert_eq!(store.prune(&retention).await.unwrap(), Pruned::default());
    let forever = Retention {
        now_ms: now,
        ..Default::default()
    };
    assert_eq!(store.prune(&forever).await.unwrap(), Pruned::default());
    assert_eq!(store.events("recent", 0).await.unwrap().len(), 1);
}

/// `n` runs started 50 days ago, one in seven still running, each with two
/// events: the ended ones go, the others stay.
async fn old_runs_among_unfinished_ones_are_pruned(store: &dyn Store, n: i64) {
    let now = now_ms();
    for i in 0..n {
        let state = if i % 7 == 0 {
            ExecutionState::Running
        } else {
            ExecutionState::Completed
        };
        execution(
            store,
            &format!("bulk-{i:05}"),
            now - 50 * DAY_MS + i,
            state,
            2,
        );
    }
    store.flush().await.unwrap();
    let retention = Retention {
        executions_before_ms: Some(now - 30 * DAY_MS),
        audit_before_ms: None,
        now_ms: now,
    };
    let pruned = store.prune(&retention).await.unwrap();
    let running = (n + 6) / 7;
    let ended = (n - running) as u64;
    assert_eq!((pruned.executions, pruned.events), (ended, 2 * ended));
    let unfinished = store.unfinished_executions().await.unwrap().len();
    assert_eq!(unfinished as i64, running);
}

#[tokio::test]
async fn the_memory_store_prunes_past_retention() {
    records_past_their_retention_are_pruned(&MemoryStore::new()).await;
}

#[tokio::test]
async fn the_rocksdb_store_prunes_past_retention_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path(), RocksOptions::default()).unwrap();
    // More old ended runs than one chunk.
    old_runs_among_unfinished_ones_are_pruned(&store, 700).await;
    let stats = store.stats().await.unwrap();
    assert_eq!(stats["orchestrator.pruned-executions"], "600");
    assert!(stats.contains_key("rocksdb.estimate-num-keys"));
    assert_eq!(stats["rocksdb.is-write-stopped"], "0");
    let stall: f64 = stats["orchestrator.write-stall-seconds"].parse().unwrap();
    assert!(stall >= 0.0);

    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path(), RocksOptions::default()).unwrap();
    records_past_their_retention_are_pruned(&store).await;
}

#[tokio::test]
async fn the_postgres_store_prunes_past_retention_in_batches() {
    let db = FreshDatabase::create().await;
    let store = PgStore::connect(&db.url(), PgOptions::default())
        .await
        .unwrap();
    // More old ended runs than two batches.
    old_runs_among_unfinished_ones_are_pruned(&store, 2_450).await;
    store.compact().await.unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!(stats["backend"], "postgres");
    assert_eq!(stats["executions"], "350", "{stats:?}");
    drop(store);

    let db = FreshDatabase::create().await;
    let store = PgStore::connect(&db.url(), PgOptions::default())
        .await
        .unwrap();
    records_past_their_retention_are_pruned(&store).await;
}

#[tokio::test(start_paused = true)]
async fn a_server_prunes_in_the_background_until_stopped() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let now = now_ms();
    execution(
        store.as_ref(),
        "old",
        now - 40 * DAY_MS,
        ExecutionState::Completed,
        1,
    );
    let policy = Policy {
        executions: Some(Duration::from_secs(30 * 86_400)),
        audit: None,
        interval: Duration::from_secs(3600),
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let pruner = tokio::spawn(prune_periodically(store.clone(), policy, stopped));
    // The first pruning comes at start; paused time lets it run.
    for _ in 0..100 {
        if store.get_execution("old").await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(store.get_execution("old").await.is_err(), "not pruned");
    // A run that ends later is pruned at a later interval, not before.
    execution(
        store.as_ref(),
        "later",
        now - 31 * DAY_MS,
        ExecutionState::Completed,
        1,
    );
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(store.get_execution("later").await.is_ok());
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(store.get_execution("later").await.is_err());
    stop.send(true).unwrap();
    pruner.await.unwrap();
}
