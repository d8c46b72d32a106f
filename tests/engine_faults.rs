//! An execution that goes wrong in the engine's own work — a panic outside
//! any plugin, a stored timeout beyond the clock, a plugin that will not
//! stop — ends recorded and unlisted, and never holds shutdown forever.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::faulty::FaultyStore;
use common::{Probe, memory_engine, plan};
use orchestrator::engine::{EngineConfig, EngineError, RunRequest};
use orchestrator::proto::{
    Execution, ExecutionState, TaskSpec, TaskState, WorkflowSpec, execution_event::Kind,
};
use orchestrator::store::{MemoryStore, Store, Write};

fn status(e: &Execution) -> ExecutionState {
    ExecutionState::try_from(e.status).unwrap()
}

#[tokio::test]
async fn a_run_whose_own_work_panics_is_unlisted_and_recorded_failed() {
    // The store panics when the run records task b starting: inside the
    // execution's work, where no plugin's catch applies.
    let store = Arc::new(FaultyStore::new(|w| {
        matches!(w, Write::Event(ev)
            if matches!(&ev.kind, Some(Kind::TaskStarted(s)) if s.task_id == "b"))
    }));
    let probe = Arc::new(Probe::default());
    let engine = common::engine(store.clone(), &probe, &EngineConfig::default());
    let plan = plan(
        &engine,
        "name: crash\ntasks:\n  - {id: a, type: probe}\n  - {id: b, type: probe, depends_on: [a]}\n",
    )
    .await;
    let handle = engine.start(plan, RunRequest::default());
    let id = handle.id().to_owned();
    let err = handle.wait().await.unwrap_err();
    assert!(matches!(err, EngineError::Crashed(..)), "{err}");
    assert!(engine.active().is_empty(), "a crashed run stays listed");
    let stored = store.get_execution(&id).await.unwrap();
    assert_eq!(status(&stored), ExecutionState::Failed);
    assert_eq!(
        stored.error,
        "execution stopped unexpectedly: the store was told to panic"
    );
    let last = store.events(&id, 0).await.unwrap().pop().unwrap();
    assert!(
        matches!(last.kind, Some(Kind::ExecutionEnded(_))),
        "{last:?}"
    );
    assert!(
        store.unfinished_executions().await.unwrap().is_empty(),
        "a crashed run would be resumed, to crash again"
    );
    assert_eq!(engine.drain(Duration::ZERO, Duration::ZERO).await, 0);
}

#[tokio::test]
async fn a_stored_timeout_beyond_the_clock_fails_the_resumed_run_cleanly() {
    // A definition stored before durations were bounded: its timeout of
    // 300000000000y overflowed `Instant + Duration` in the executor, a
    // panic at every start that left the run listed and unfinished.
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let probe = Arc::new(Probe::default());
    let engine = common::engine(store.clone(), &probe, &EngineConfig::default());
    let wf = store
        .save_workflow(WorkflowSpec {
            name: "far".into(),
            timeout: "300000000000y".into(),
            tasks: vec![TaskSpec {
                id: "a".into(),
                r#type: "probe".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    store.append(Write::Execution(Arc::new(Execution {
        id: "far-1".into(),
        workflow: "far".into(),
        version: wf.version,
        status: ExecutionState::Running as i32,
        started_at: Some(orchestrator::proto::now()),
        timeout_ms: u64::MAX,
        ..Default::default()
    })));
    let handles = engine.resume_unfinished().await.unwrap();
    assert!(handles.is_empty());
    assert!(engine.active().is_empty());
    let e = store.get_execution("far-1").await.unwrap();
    assert_eq!(status(&e), ExecutionState::Failed);
    assert!(
        e.error
            .contains("timeout: duration \"300000000000y\" is longer than the maximum of 366d"),
        "{}",
        e.error
    );
    assert_eq!(probe.calls("a"), 0);
    assert!(store.unfinished_executions().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_gives_up_on_a_run_that_does_not_stop() {
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let plan = plan(
        &engine,
        "name: stuck\ntasks:\n  - {id: a, type: probe, block_ms: 1500}\n",
    )
    .await;
    let handle = engine.start(plan, RunRequest::default());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while probe.running.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The task blocks its thread: cancellation cannot reach it in time.
    let left = engine
        .drain(Duration::ZERO, Duration::from_millis(100))
        .await;
    assert_eq!(left, 1);
    // Once the thread is free the run sees the cancellation and ends.
    let e = handle.wait().await.unwrap();
    assert_eq!(status(&e), ExecutionState::Cancelled);
    assert!(engine.active().is_empty());
}

#[tokio::test(start_paused = true)]
async fn runs_resumed_after_a_crash_start_on_a_ramp_not_at_once() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let probe = Arc::new(Probe::default());
    let config = EngineConfig {
        resume_rate: 10,
        ..Default::default()
    };
    let engine = common::engine(store.clone(), &probe, &config);
    let plan = plan(&engine, "name: herd\ntasks:\n  - {id: a, type: probe}\n").await;
    for i in 0..30 {
        store.append(Write::Execution(Arc::new(Execution {
            id: format!("herd-{i}"),
            workflow: "herd".into(),
            version: plan.version,
            status: ExecutionState::Running as i32,
            started_at: Some(orchestrator::proto::now()),
            ..Default::default()
        })));
    }
    let handles = engine.resume_unfinished().await.unwrap();
    assert_eq!(handles.len(), 30);
    assert_eq!(engine.active_count(), 30, "all are listed at once");
    // Paused time: at 10 a second, runs 0..=10 have started by 1.05 s.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(probe.calls("a"), 11);
    for h in handles {
        assert_eq!(status(&h.wait().await.unwrap()), ExecutionState::Completed);
    }
    assert_eq!(probe.calls("a"), 30);
}

#[tokio::test(start_paused = true)]
async fn a_task_without_a_timeout_gets_the_default_one() {
    let probe = Arc::new(Probe::default());
    let config = EngineConfig {
        default_task_timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    let engine = common::engine(Arc::new(MemoryStore::new()), &probe, &config);
    let plan = plan(
        &engine,
        "name: hung\ntasks:\n  - {id: hung, type: probe, sleep_ms: 3600000, allow_failure: true}\n  - {id: patient, type: probe, sleep_ms: 120000, timeout: 5m}\n",
    )
    .await;
    let e = engine
        .start(plan, RunRequest::default())
        .wait()
        .await
        .unwrap();
    let task = |id: &str| e.task_results.get(id).unwrap().clone();
    assert_eq!(task("hung").status, TaskState::TimedOut as i32);
    assert_eq!(task("hung").error, "timed out after 1m");
    assert_eq!(task("patient").status, TaskState::Succeeded as i32);
}
