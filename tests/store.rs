//! The `Store` contract, run against the three implementations (memory,
//! RocksDB, and PostgreSQL on the machine's server, a fresh database per
//! test): workflow versions, archive and purge, executions with their event
//! history, the time index, cached results, and durability across reopen.

mod common;

use std::sync::Arc;

use common::pg::FreshDatabase;
use orchestrator::proto::{
    self, CacheEntry, Execution, ExecutionEvent, ExecutionState, TaskEnded, TaskResult,
    TaskStarted, TaskState, WorkflowSpec, execution_event::Kind,
};
use orchestrator::store::{
    ExecutionQuery, MemoryStore, PgOptions, PgStore, RocksOptions, RocksStore, Store, StoreError,
    Write, save_if_changed,
};

fn spec(name: &str, description: &str) -> WorkflowSpec {
    WorkflowSpec {
        name: name.into(),
        description: description.into(),
        ..Default::default()
    }
}

fn execution(id: &str, workflow: &str, started_ms: i64, status: ExecutionState) -> Arc<Execution> {
    Arc::new(Execution {
        id: id.into(),
        workflow: workflow.into(),
        version: 1,
        status: status as i32,
        started_at: Some(pbjson_types::Timestamp {
            seconds: started_ms / 1000,
            nanos: ((started_ms % 1000) * 1_000_000) as i32,
        }),
        ..Default::default()
    })
}

fn event(id: &str, seq: u64, kind: Kind) -> Arc<ExecutionEvent> {
    Arc::new(ExecutionEvent {
        execution_id: id.into(),
        seq,
        time: Some(proto::now()),
        kind: Some(kind),
    })
}

async fn workflows_are_versioned_archived_restored_and_purged(store: &dyn Store) {
    let v1 = store.save_workflow(spec("wf", "first")).await.unwrap();
    let v2 = store.save_workflow(spec("wf", "second")).await.unwrap();
    store.save_workflow(spec("other", "x")).await.unwrap();
    assert_eq!((v1.version, v2.version), (1, 2));
    assert_eq!(v2.first_created_at, v1.created_at);
    assert_eq!(
        store
            .get_workflow("wf", None)
            .await
            .unwrap()
            .spec
            .unwrap()
            .description,
        "second"
    );
    assert_eq!(
        store
            .get_workflow("wf", Some(1))
            .await
            .unwrap()
            .spec
            .unwrap()
            .description,
        "first"
    );
    assert!(matches!(
        store.get_workflow("wf", Some(9)).await,
        Err(StoreError::VersionNotFound { version: 9, .. })
    ));
    assert!(matches!(
        store.get_workflow("nope", None).await,
        Err(StoreError::WorkflowNotFound(_))
    ));
    let versions = store.list_versions("wf").await.unwrap();
    assert_eq!(
        versions.iter().map(|w| w.version).collect::<Vec<_>>(),
        [1, 2]
    );

    // Saving an unchanged spec does not add a version.
    let same = save_if_changed(store, spec("wf", "second")).await.unwrap();
    assert_eq!(same.version, 2);

    let archived = store.set_archived("wf", true).await.unwrap();
    assert!(archived.archived);
    assert!(store.get_workflow("wf", Some(1)).await.unwrap().archived);
    let names = |ws: Vec<orchestrator::proto::Workflow>| -> Vec<String> {
        ws.into_iter().map(|w| w.spec.unwrap().name).collect()
    };
    assert_eq!(names(store.list_workflows(false).await.unwrap()), ["other"]);
    assert_eq!(
        names(store.list_workflows(true).await.unwrap()),
        ["other", "wf"]
    );
    assert!(matches!(
        store.save_workflow(spec("wf", "third")).await,
        Err(StoreError::Archived(_))
    ));
    assert!(!store.set_archived("wf", false).await.unwrap().archived);
    assert_eq!(
        store
            .save_workflow(spec("wf", "third"))
            .await
            .unwrap()
            .version,
        3
    );

    assert_eq!(store.purge_workflow("wf").await.unwrap(), 3);
    assert!(matches!(
        store.get_workflow("wf", None).await,
        Err(StoreError::WorkflowNotFound(_))
    ));
    assert_eq!(names(store.list_workflows(true).await.unwrap()), ["other"]);
    assert!(matches!(
        store.purge_workflow("wf").await,
        Err(StoreError::WorkflowNotFound(_))
    ));
}

async fn executions_fold_their_events_and_index_by_time(store: &dyn Store) {
    store.append(Write::Execution(execution(
        "e1",
        "wf",
        1_000,
        ExecutionState::Running,
    )));
    store.append(Write::Event(event(
        "e1",
        1,
        Kind::TaskStarted(TaskStarted {
            task_id: "a".into(),
            attempt: 1,
        }),
    )));
    store.append(Write::Event(event(
        "e1",
        2,
        Kind::TaskEnded(TaskEnded {
            result: Some(TaskResult {
                task_id: "a".into(),
                status: TaskState::Succeeded as i32,
                attempts: 1,
                output: Some(proto::json_to_pb(&serde_json::json!({"x": 1}))),
                ..Default::default()
            }),
        }),
    )));
    store.append(Write::Event(event(
        "e1",
        3,
        Kind::TaskStarted(TaskStarted {
            task_id: "b".into(),
            attempt: 1,
        }),
    )));
    store.append(Write::Execution(execution(
        "e2",
        "wf",
        2_000,
        ExecutionState::Completed,
    )));
    store.append(Write::Execution(execution(
        "e3",
        "other",
        3_000,
        ExecutionState::Failed,
    )));
    store.flush().await.unwrap();

    let e1 = store.get_execution("e1").await.unwrap();
    assert_eq!(e1.task_results["a"].status, TaskState::Succeeded as i32);
    assert_eq!(e1.task_results["b"].status, TaskState::Running as i32);
    assert_eq!(
        store
            .events("e1", 2)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        [2, 3]
    );
    assert!(matches!(
        store.get_execution("zz").await,
        Err(StoreError::ExecutionNotFound(_))
    ));
    assert!(matches!(
        store.events("zz", 0).await,
        Err(StoreError::ExecutionNotFound(_))
    ));

    let ids = |v: Vec<Execution>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store
            .list_executions(&ExecutionQuery::default())
            .await
            .unwrap()),
        ["e3", "e2", "e1"]
    );
    let range = ExecutionQuery {
        from_ms: Some(1_500),
        to_ms: Some(3_000),
        ..Default::default()
    };
    assert_eq!(ids(store.list_executions(&range).await.unwrap()), ["e2"]);
    let by_wf = ExecutionQuery {
        workflow: Some("wf".into()),
        limit: 1,
        ..Default::default()
    };
    assert_eq!(ids(store.list_executions(&by_wf).await.unwrap()), ["e2"]);
    let by_status = ExecutionQuery {
        status: Some(ExecutionState::Failed),
        ..Default::default()
    };
    assert_eq!(
        ids(store.list_executions(&by_status).await.unwrap()),
        ["e3"]
    );
    // The page cursor: strictly after (started, id), newest first.
    let after_e2 = ExecutionQuery {
        after: Some((2_000, "e2".into())),
        ..Default::default()
    };
    assert_eq!(ids(store.list_executions(&after_e2).await.unwrap()), ["e1"]);
    assert_eq!(ids(store.unfinished_executions().await.unwrap()), ["e1"]);

    // Ending e1 takes it off the unfinished list.
    store.append(Write::Execution(execution(
        "e1",
        "wf",
        1_000,
        ExecutionState::Completed,
    )));
    store.flush().await.unwrap();
    assert!(store.unfinished_executions().await.unwrap().is_empty());

    for (i, action) in ["a.first", "a.second", "a.third"].into_iter().enumerate() {
        store.append(Write::Audit(orchestrator::proto::AuditRecord {
            time: Some(pbjson_types::Timestamp {
                seconds: 100,
                nanos: i as i32,
            }),
            actor: "test".into(),
            action: action.into(),
            ..Default::default()
        }));
    }
    store.flush().await.unwrap();
    let trail = store.audit_trail(2).await.unwrap();
    assert_eq!(
        trail.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["a.third", "a.second"]
    );

    let key = [7u8; 32];
    assert!(store.get_cache(&key).await.unwrap().is_none());
    store.append(Write::Cache {
        key,
        entry: CacheEntry {
            expires_at_ms: 99,
            ..Default::default()
        },
    });
    store.flush().await.unwrap();
    assert_eq!(
        store.get_cache(&key).await.unwrap().unwrap().expires_at_ms,
        99
    );
}

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    let store = MemoryStore::new();
    workflows_are_versioned_archived_restored_and_purged(&store).await;
    executions_fold_their_events_and_index_by_time(&store).await;
}

/// What the contract's checks left behind, read by another handle on the
/// same storage (a reopened directory, a new connection).
async fn what_the_contract_wrote_is_still_there(store: &dyn Store) {
    assert_eq!(store.get_workflow("other", None).await.unwrap().version, 1);
    assert_eq!(store.events("e1", 0).await.unwrap().len(), 3);
    let cached = store.get_cache(&[7u8; 32]).await.unwrap().unwrap();
    assert_eq!(cached.expires_at_ms, 99);
}

#[tokio::test]
async fn rocksdb_store_keeps_the_contract_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = RocksStore::open(dir.path(), RocksOptions::default()).unwrap();
        workflows_are_versioned_archived_restored_and_purged(&store).await;
        executions_fold_their_events_and_index_by_time(&store).await;
    }
    let store = RocksStore::open(dir.path(), RocksOptions::default()).unwrap();
    what_the_contract_wrote_is_still_there(&store).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_contract_and_survives_reconnect() {
    let db = FreshDatabase::create().await;
    {
        let store = PgStore::connect(&db.url(), PgOptions::default())
            .await
            .unwrap();
        workflows_are_versioned_archived_restored_and_purged(&store).await;
        executions_fold_their_events_and_index_by_time(&store).await;
        writes_handed_over_together_apply_in_order(&store).await;
        a_new_execution_never_overwrites_one_with_its_id(&store).await;
    }
    // A second connection (a restart, or another replica) reads it all and
    // finds the schema migrated already.
    let store = PgStore::connect(&db.url(), PgOptions::default())
        .await
        .unwrap();
    what_the_contract_wrote_is_still_there(&store).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_starting_together_migrate_the_schema_once() {
    let db = FreshDatabase::create().await;
    let url = db.url();
    let starts = (0..3).map(|_| {
        let (url, options) = (url.clone(), PgOptions::default());
        tokio::spawn(async move { PgStore::connect(&url, options).await })
    });
    let stores: Vec<PgStore> = futures::future::join_all(starts)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    stores[0]
        .save_workflow(spec("wf", "from one"))
        .await
        .unwrap();
    let seen = stores[2].get_workflow("wf", None).await.unwrap();
    assert_eq!(seen.spec.unwrap().description, "from one");
}

#[tokio::test]
async fn a_bad_postgres_url_or_an_unreachable_server_is_a_clear_error() {
    let e = PgStore::connect("postgres://[::1", PgOptions::default())
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("bad PostgreSQL URL"), "{e}");
    let e = PgStore::connect(
        "postgres://postgres@127.0.0.1:1/none?connect_timeout=2",
        PgOptions::default(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        e.to_string().contains("cannot connect to PostgreSQL"),
        "{e}"
    );
}

#[tokio::test]
async fn a_second_process_cannot_open_the_same_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let _first = RocksStore::open(dir.path(), RocksOptions::default()).unwrap();
    match RocksStore::open(dir.path(), RocksOptions::default()) {
        Err(StoreError::Locked(p)) => assert!(p.contains(&dir.path().display().to_string())),
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("opened twice"),
    }
}

#[tokio::test]
async fn appends_are_group_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path(), RocksOptions::default()).unwrap();
    store.append(Write::Execution(execution(
        "g",
        "wf",
        1,
        ExecutionState::Running,
    )));
    for seq in 1..=10_000 {
        store.append(Write::Event(event(
            "g",
            seq,
            Kind::TaskStarted(TaskStarted {
                task_id: "t".into(),
                attempt: 1,
            }),
        )));
    }
    store.flush().await.unwrap();
    let stats = store.write_stats();
    assert_eq!(stats.writes, 10_001);
    assert!(
        stats.commits * 10 <= stats.writes,
        "{} synced commits for {} writes: writes were not grouped",
        stats.commits,
        stats.writes
    );
    assert_eq!(store.events("g", 0).await.unwrap().len(), 10_000);
}

/// Writes handed over together (a burst of starts) are applied in their
/// order, each counted, after the single writes queued before them; an
/// empty hand-over writes nothing.
async fn writes_handed_over_together_apply_in_order(store: &dyn Store) {
    store.append(Write::Execution(execution(
        "burst",
        "wf",
        1,
        ExecutionState::Running,
    )));
    let started = |seq| {
        Write::Event(event(
            "burst",
            seq,
            Kind::TaskStarted(TaskStarted {
                task_id: format!("t{seq}"),
                attempt: 1,
            }),
        ))
    };
    store.append_all((1..=500).map(started).collect());
    store.append_all(Vec::new());
    // A later header replaces the one in the batch before it.
    store.append_all(vec![Write::Execution(execution(
        "burst",
        "wf",
        1,
        ExecutionState::Completed,
    ))]);
    store.flush().await.unwrap();
    let events = store.events("burst", 0).await.unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=500).collect::<Vec<_>>());
    let exec = store.get_execution("burst").await.unwrap();
    assert_eq!(exec.status, ExecutionState::Completed as i32);
}

#[tokio::test]
async fn both_stores_apply_writes_handed_over_together_in_order() {
    writes_handed_over_together_apply_in_order(&MemoryStore::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path(), RocksOptions::default()).unwrap();
    writes_handed_over_together_apply_in_order(&store).await;
    assert_eq!(store.write_stats().writes, 502);
    assert!(store.unfinished_executions().await.unwrap().is_empty());
}

/// A new execution whose id is taken, whether stored earlier or earlier in
/// the same group commit, is refused with all of its later writes: the
/// execution that holds the id keeps its header and history.
async fn a_new_execution_never_overwrites_one_with_its_id(store: &dyn Store) {
    let started = |id: &str, task: &str| {
        Write::Event(event(
            id,
            1,
            Kind::TaskStarted(TaskStarted {
                task_id: task.into(),
                attempt: 1,
            }),
        ))
    };
    store.append(Write::NewExecution(execution(
        "taken",
        "first",
        1,
        ExecutionState::Running,
    )));
    store.append(started("taken", "first-task"));
    store.flush().await.unwrap();
    // Stored before, then twice in one hand-over.
    store.append_all(vec![
        Write::NewExecution(execution("taken", "second", 2, ExecutionState::Running)),
        started("taken", "second-task"),
        Write::Execution(execution("taken", "second", 2, ExecutionState::Failed)),
        Write::NewExecution(execution("fresh", "third", 3, ExecutionState::Running)),
        Write::NewExecution(execution("fresh", "fourth", 4, ExecutionState::Running)),
        started("fresh", "third-task"),
    ]);
    store.flush().await.unwrap();
    let kept = store.get_execution("taken").await.unwrap();
    assert_eq!(kept.workflow, "first");
    assert_eq!(kept.status, ExecutionState::Running as i32);
    let tasks: Vec<String> = store
        .events("taken", 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| match e.kind {
            Some(Kind::TaskStarted(s)) => s.task_id,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(tasks, ["first-task"]);
    assert_eq!(
        store.get_execution("fresh").await.unwrap().workflow,
        "third"
    );
    // Writes under a refused id are dropped whichever run made them: the
    // two cannot be told apart, and a holder left unfinished is resumed
    // after a restart rather than mixed with another run's history.
    assert!(store.events("fresh", 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn both_stores_refuse_to_overwrite_an_execution() {
    a_new_execution_never_overwrites_one_with_its_id(&MemoryStore::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path(), RocksOptions::default()).unwrap();
    a_new_execution_never_overwrites_one_with_its_id(&store).await;
}

/// A long store call runs off the runtime's threads: on a runtime with a
/// single thread, a timer task keeps ticking while the audit trail of
/// 50,000 records is read.
#[tokio::test(flavor = "current_thread")]
async fn a_long_store_read_does_not_hold_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(RocksStore::open(dir.path(), RocksOptions::default()).unwrap());
    for i in 0..50_000 {
        store.append(Write::Audit(orchestrator::proto::AuditRecord {
            time: Some(proto::now()),
            actor: "test".into(),
            action: "x".into(),
            target: format!("t{i}"),
            reason: "r".repeat(200),
        }));
    }
    store.flush().await.unwrap();
    let ticks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::task::yield_now().await;
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let before = ticks.load(std::sync::atomic::Ordering::Relaxed);
    let trail = store.audit_trail(50_000).await.unwrap();
    let during = ticks.load(std::sync::atomic::Ordering::Relaxed) - before;
    ticker.abort();
    assert_eq!(trail.len(), 50_000);
    assert!(during > 0, "the runtime's only thread was held by the read");
}
