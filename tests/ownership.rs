//! Replicas sharing one PostgreSQL database (a fresh one per test, on the
//! machine's server): each test runs two or three engines in this process,
//! each on a store of its own — its own pool, heartbeat and writer, as a
//! separate server would have. A replica whose heartbeat stops has its
//! executions claimed by another, and whatever it writes of them after is
//! fenced off; one that shuts down hands its executions back at once; a
//! replica whose lease lapsed starts no task.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::pg::FreshDatabase;
use common::{Probe, engine, eventually, plan};
use orchestrator::engine::{Engine, EngineConfig, EngineError, RunRequest};
use orchestrator::proto::{ExecutionState, TaskState, execution_event::Kind};
use orchestrator::store::{LeaseTiming, PgOptions, PgStore, Store, StoreError};

/// A replica that heartbeats once, when it starts, and then never again,
/// as if it had hung: its lease lapses a TTL (`ttl`) later.
fn stalling(ttl: Duration) -> PgOptions {
    PgOptions {
        lease: LeaseTiming {
            interval: Duration::from_secs(3600),
            ttl,
        },
        ..Default::default()
    }
}

/// A replica that heartbeats every 100 ms.
fn healthy(ttl: Duration) -> PgOptions {
    PgOptions {
        lease: LeaseTiming {
            interval: Duration::from_millis(100),
            ttl,
        },
        ..Default::default()
    }
}

/// An engine on its own store of `db`, with its own probe.
async fn replica(db: &FreshDatabase, options: PgOptions) -> (Engine, Arc<Probe>) {
    let probe = Arc::new(Probe::default());
    let store = PgStore::connect(&db.url(), options).await.unwrap();
    (
        engine(Arc::new(store), &probe, &EngineConfig::default()),
        probe,
    )
}

/// An execution's end, or a failure after a minute: a replica that keeps
/// a run it should have lost would otherwise hang the test.
async fn end_of(
    h: orchestrator::engine::ExecutionHandle,
) -> Result<Arc<orchestrator::proto::Execution>, EngineError> {
    tokio::time::timeout(Duration::from_secs(60), h.wait())
        .await
        .expect("the execution ended within a minute")
}

/// The sequence numbers a watcher on `engine` gets of `id`, until the
/// stream ends.
async fn watched(engine: &Engine, id: &str) -> tokio::task::JoinHandle<Vec<u64>> {
    use futures::StreamExt;
    let stream = orchestrator::server::watch::watch(engine.clone(), id.to_owned(), 0, None);
    tokio::spawn(async move {
        let seqs = stream
            .map(|e| e.expect("a watched event").seq)
            .collect::<Vec<_>>();
        tokio::time::timeout(Duration::from_secs(60), seqs)
            .await
            .expect("the watch ended within a minute")
    })
}

fn ownership_of(engine: &Engine) -> Arc<orchestrator::store::Ownership> {
    engine
        .store()
        .ownership()
        .expect("a PostgreSQL store is a replica")
}

/// Kinds of an execution's stored events, checking the history is whole:
/// numbered 1, 2, 3… with no gap and no repeat.
async fn history(store: &dyn Store, id: &str) -> Vec<Kind> {
    let events = store.events(id, 0).await.unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<u64> = (1..=events.len() as u64).collect();
    assert_eq!(seqs, expected, "the history has a gap or a fork");
    events.into_iter().filter_map(|e| e.kind).collect()
}

fn ended(kinds: &[Kind], task: &str) -> usize {
    kinds
        .iter()
        .filter(|k| matches!(k, Kind::TaskEnded(e) if e.result.as_ref().is_some_and(|r| r.task_id == task)))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_replicas_execution_is_taken_over_and_its_late_writes_are_fenced() {
    let db = FreshDatabase::create().await;
    let ttl = Duration::from_secs(2);
    let (a, a_probe) = replica(&db, stalling(ttl)).await;
    let (b, b_probe) = replica(&db, healthy(ttl)).await;
    let p = plan(
        &a,
        "name: slow\ntasks:\n  - {id: first, type: probe, sleep_ms: 3000}\n  - {id: second, type: probe, depends_on: [first]}\n",
    )
    .await;
    let on_a = a.start(p, RunRequest::default());
    let id = on_a.id().to_owned();
    a.store().flush().await.unwrap();
    // Watched on a, which loses it: the watcher sees what is stored, not
    // what a announced and then had fenced off.
    let watcher = watched(&a, &id).await;
    eventually("the first task runs on a", || a_probe.calls("first") == 1).await;

    // While a's heartbeat is fresh, b takes nothing.
    assert!(b.resume_unfinished().await.unwrap().is_empty());
    tokio::time::sleep(ttl + Duration::from_millis(300)).await;
    let on_b = b.resume_unfinished().await.unwrap();
    assert_eq!(
        on_b.len(),
        1,
        "b claims the execution whose replica stopped"
    );
    assert_eq!(on_b[0].id(), id);

    // a's task ends after the takeover: its end is fenced, a drops the run.
    let lost = end_of(on_a).await;
    assert!(
        matches!(lost, Err(EngineError::Store(StoreError::OwnershipLost(ref lost))) if *lost == id),
        "{lost:?}"
    );
    let done = end_of(on_b.into_iter().next().unwrap()).await.unwrap();
    assert_eq!(done.status, ExecutionState::Completed as i32);

    let kinds = history(b.store().as_ref(), &id).await;
    let all: Vec<u64> = (1..=kinds.len() as u64).collect();
    assert_eq!(watcher.await.unwrap(), all);
    let resumed = kinds
        .iter()
        .position(|k| matches!(k, Kind::ExecutionResumed(_)))
        .expect("the takeover is recorded");
    let Kind::ExecutionResumed(boundary) = &kinds[resumed] else {
        unreachable!()
    };
    assert_eq!(boundary.replica, ownership_of(&b).replica());
    assert_eq!(boundary.epoch, 2, "the claim raised the epoch");
    assert!(matches!(kinds[0], Kind::ExecutionStarted(_)));
    assert_eq!(
        ended(&kinds[..resumed], "first"),
        0,
        "a's late end was fenced"
    );
    assert_eq!(ended(&kinds, "first"), 1);
    assert_eq!(ended(&kinds, "second"), 1);
    // The side effect repeats only for the task in flight at the takeover.
    assert_eq!((a_probe.calls("first"), a_probe.calls("second")), (1, 0));
    assert_eq!((b_probe.calls("first"), b_probe.calls("second")), (1, 1));
    // The attempt re-run after the takeover is the same attempt: a peer
    // that remembers idempotency keys does its work once.
    let first = format!("{id}/first/1");
    assert_eq!(*a_probe.keys.lock().unwrap(), std::slice::from_ref(&first));
    assert_eq!(
        *b_probe.keys.lock().unwrap(),
        [first, format!("{id}/second/1")]
    );
    let (fa, fb) = (ownership_of(&a), ownership_of(&b));
    assert!(fa.figures().fenced_writes.load(Ordering::Relaxed) >= 1);
    assert_eq!(fa.figures().lost.load(Ordering::Relaxed), 1);
    assert_eq!(fb.figures().takeovers.load(Ordering::Relaxed), 1);
    assert_eq!(fb.figures().fenced_writes.load(Ordering::Relaxed), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_shutting_down_finishes_its_attempts_and_hands_the_rest_back_at_once() {
    let db = FreshDatabase::create().await;
    // A TTL far longer than the test: only a hand-back lets b continue.
    let ttl = Duration::from_secs(600);
    let (a, a_probe) = replica(&db, healthy(ttl)).await;
    let (b, b_probe) = replica(&db, healthy(ttl)).await;
    let p = plan(
        &a,
        "name: two\ntasks:\n  - {id: first, type: probe, sleep_ms: 1000}\n  - {id: second, type: probe, depends_on: [first]}\n",
    )
    .await;
    let on_a = a.start(p, RunRequest::default());
    let id = on_a.id().to_owned();
    eventually("the first task runs on a", || a_probe.calls("first") == 1).await;
    assert!(b.resume_unfinished().await.unwrap().is_empty());

    let stuck = a
        .drain(Duration::from_secs(30), Duration::from_secs(5))
        .await;
    assert_eq!(stuck, 0);
    assert!(matches!(
        end_of(on_a).await,
        Err(EngineError::Store(StoreError::OwnershipLost(_)))
    ));
    let on_b = b.resume_unfinished().await.unwrap();
    assert_eq!(
        on_b.len(),
        1,
        "handed back, claimed without waiting for the TTL"
    );
    let done = end_of(on_b.into_iter().next().unwrap()).await.unwrap();
    assert_eq!(done.status, ExecutionState::Completed as i32);
    // The attempt in flight at shutdown ended on a and was kept; the next
    // task ran on b alone.
    assert_eq!((a_probe.calls("first"), a_probe.calls("second")), (1, 0));
    assert_eq!((b_probe.calls("first"), b_probe.calls("second")), (0, 1));
    let kinds = history(b.store().as_ref(), &id).await;
    assert_eq!(ended(&kinds, "first"), 1);
    assert_eq!(ended(&kinds, "second"), 1);
    assert_eq!(
        ownership_of(&a)
            .figures()
            .fenced_writes
            .load(Ordering::Relaxed),
        0
    );
    let replicas: Vec<String> = sqlx::query_scalar("SELECT id FROM replicas")
        .fetch_all(&sqlx::PgPool::connect(&db.url()).await.unwrap())
        .await
        .unwrap();
    assert!(
        !replicas.iter().any(|r| r == ownership_of(&a).replica()),
        "a left the replicas table: {replicas:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_claiming_at_once_take_each_orphan_exactly_once() {
    let db = FreshDatabase::create().await;
    let ttl = Duration::from_secs(1);
    let (a, _) = replica(&db, stalling(ttl)).await;
    let p = plan(
        &a,
        "name: many\ntasks:\n  - {id: only, type: sleep, duration: 2s}\n",
    )
    .await;
    let mut started = HashSet::new();
    for _ in 0..60 {
        started.insert(a.start(p.clone(), RunRequest::default()).id().to_owned());
    }
    a.store().flush().await.unwrap();
    let (b, _) = replica(&db, healthy(ttl)).await;
    let (c, _) = replica(&db, healthy(ttl)).await;
    tokio::time::sleep(ttl + Duration::from_millis(300)).await;
    let (on_b, on_c) = tokio::join!(b.resume_unfinished(), c.resume_unfinished());
    let (on_b, on_c) = (on_b.unwrap(), on_c.unwrap());
    let ids = |hs: &[orchestrator::engine::ExecutionHandle]| -> HashSet<String> {
        hs.iter().map(|h| h.id().to_owned()).collect()
    };
    let (by_b, by_c) = (ids(&on_b), ids(&on_c));
    assert!(by_b.is_disjoint(&by_c), "an execution was claimed twice");
    assert_eq!(&by_b | &by_c, started, "every orphan is claimed");
    for h in on_b.into_iter().chain(on_c) {
        let e = end_of(h).await.unwrap();
        assert_eq!(e.status, ExecutionState::Completed as i32);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_whose_lease_lapsed_starts_no_task_and_another_runs_it() {
    let db = FreshDatabase::create().await;
    let ttl = Duration::from_secs(1);
    let (a, a_probe) = replica(&db, stalling(ttl)).await;
    let p = plan(&a, "name: gated\ntasks:\n  - {id: only, type: probe}\n").await;
    eventually("a's lease lapses", || !ownership_of(&a).is_live()).await;
    let on_a = a.start(p, RunRequest::default());
    let id = on_a.id().to_owned();
    a.store().flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        a_probe.calls("only"),
        0,
        "no side effect while the lease is lapsed"
    );

    let (b, b_probe) = replica(&db, healthy(ttl)).await;
    let on_b = b.resume_unfinished().await.unwrap();
    assert_eq!(on_b.len(), 1);
    let done = end_of(on_b.into_iter().next().unwrap()).await.unwrap();
    assert_eq!(done.status, ExecutionState::Completed as i32);
    assert_eq!((a_probe.calls("only"), b_probe.calls("only")), (0, 1));
    let kinds = history(b.store().as_ref(), &id).await;
    assert_eq!(ended(&kinds, "only"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_ended_on_one_replica_is_retried_on_another() {
    let db = FreshDatabase::create().await;
    let ttl = Duration::from_secs(600);
    let probe = Arc::new(Probe::default());
    let on = |probe: &Arc<Probe>| {
        let probe = probe.clone();
        let url = db.url();
        async move {
            let store = PgStore::connect(&url, healthy(ttl)).await.unwrap();
            engine(Arc::new(store), &probe, &EngineConfig::default())
        }
    };
    // One probe for both: the task fails on its first call only.
    let (a, b) = (on(&probe).await, on(&probe).await);
    let p = plan(
        &a,
        "name: flaky\ntasks:\n  - {id: once, type: probe, fail_times: 1, retryable: false}\n",
    )
    .await;
    let failed = end_of(a.start(p, RunRequest::default())).await.unwrap();
    assert_eq!(failed.status, ExecutionState::Failed as i32);

    let again = end_of(b.retry(&failed.id, "tester").await.unwrap())
        .await
        .unwrap();
    assert_eq!(again.status, ExecutionState::Completed as i32);
    assert_eq!(
        again.task_results["once"].status,
        TaskState::Succeeded as i32
    );
    let kinds = history(b.store().as_ref(), &failed.id).await;
    assert_eq!(ended(&kinds, "once"), 2);
    // a no longer owns it: a retry there takes it back, and b's copy is
    // over, so nothing is fenced.
    assert_eq!(
        ownership_of(&b)
            .figures()
            .fenced_writes
            .load(Ordering::Relaxed),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watchers_on_one_replica_see_every_event_of_runs_on_others_once_in_order() {
    let db = FreshDatabase::create().await;
    let ttl = Duration::from_secs(600);
    let (a, _) = replica(&db, healthy(ttl)).await;
    let (b, _) = replica(&db, healthy(ttl)).await;
    let (c, _) = replica(&db, healthy(ttl)).await;
    let changes = a
        .store()
        .changes()
        .expect("a shared store sends change notices");
    assert!(
        changes.notices_arrive(),
        "the start-up probe's notice arrived"
    );
    let yaml = "name: steps\ntasks:\n  - {id: s1, type: probe, sleep_ms: 400}\n  - {id: s2, type: probe, sleep_ms: 400, depends_on: [s1]}\n  - {id: s3, type: probe, sleep_ms: 400, depends_on: [s2]}\n";
    let on_b = b.start(plan(&b, yaml).await, RunRequest::default());
    let on_c = c.start(plan(&c, yaml).await, RunRequest::default());
    let (id_b, id_c) = (on_b.id().to_owned(), on_c.id().to_owned());
    b.store().flush().await.unwrap();
    c.store().flush().await.unwrap();
    let (watch_b, watch_c) = (watched(&a, &id_b).await, watched(&a, &id_c).await);

    // Mid-run, every listener's connection is cut from the server side.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cut = common::pg::cut_listeners(&db.url()).await;
    assert_eq!(cut, 3, "one listener per replica");

    for (h, watcher, store) in [(on_b, watch_b, b.store()), (on_c, watch_c, c.store())] {
        let e = end_of(h).await.unwrap();
        assert_eq!(e.status, ExecutionState::Completed as i32);
        let n = history(store.as_ref(), &e.id).await.len() as u64;
        assert_eq!(watcher.await.unwrap(), (1..=n).collect::<Vec<_>>());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_asked_of_one_replica_stops_the_run_another_one_runs() {
    let db = FreshDatabase::create().await;
    let ttl = Duration::from_secs(600);
    let (a, a_probe) = replica(&db, healthy(ttl)).await;
    let (b, _) = replica(&db, healthy(ttl)).await;
    let p = plan(
        &a,
        "name: long\ntasks:\n  - {id: wait, type: probe, sleep_ms: 600000}\n  - {id: never, type: probe, depends_on: [wait]}\n",
    )
    .await;
    let on_a = a.start(p, RunRequest::default());
    let id = on_a.id().to_owned();
    // Acknowledged, as the API acknowledges a start: durable.
    a.store().flush().await.unwrap();
    eventually("the task runs on a", || a_probe.calls("wait") == 1).await;

    assert!(
        b.cancel_anywhere(&id, "contained by hand", "analyst")
            .await
            .unwrap()
    );
    let e = end_of(on_a).await.unwrap();
    assert_eq!(e.status, ExecutionState::Cancelled as i32);
    assert_eq!(e.error, "contained by hand");
    assert_eq!(e.cancelled_by, "analyst");
    assert_eq!(a_probe.calls("never"), 0);
    // Nothing left to cancel, and no such execution: refused alike.
    assert!(!b.cancel_anywhere(&id, "again", "analyst").await.unwrap());
    assert!(!b.cancel_anywhere("nope", "x", "analyst").await.unwrap());
    // The audit record goes through the writer like every write.
    b.store().flush().await.unwrap();
    let audit = b.store().audit_trail(10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == "execution.cancel" && r.target == id && r.actor == "analyst"),
        "{audit:?}"
    );
}
