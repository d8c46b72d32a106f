//! Two bounds for two kinds of work: tasks that wait on a service hold no
//! CPU slot, so hundreds of them wait at once; tasks that burn CPU are
//! still bounded by `WORKERS`.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::{Probe, memory_engine};
use orchestrator::engine::{EngineConfig, RunRequest};
use orchestrator::proto::ExecutionState;
use orchestrator::spec::{self, Format, Limits};
use orchestrator::store::{self, MemoryStore};

#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_waiting_tasks_do_not_queue_behind_the_cpu_slots() {
    // The default configuration: WORKERS is the number of cores (2 here).
    let engine = memory_engine(&Arc::new(Probe::default()));
    let (spec, _) = spec::load(
        "name: wait\ntasks:\n  - {id: nap, type: sleep, duration: 200ms}\n",
        Format::Yaml,
        engine.registry(),
        &Limits::default(),
    )
    .unwrap();
    let wf = store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let plan = engine.plan(&wf).unwrap();
    let handles: Vec<_> = (0..500)
        .map(|_| engine.start(plan.clone(), RunRequest::default()))
        .collect();
    for h in handles {
        let e = h.wait().await.unwrap();
        assert_eq!(e.status, ExecutionState::Completed as i32);
        // With 8 slots for everything the last of them took 500 × 200 ms
        // / 8 = 12.5 s from its start; each now takes about its sleep.
        assert!(
            e.duration_ms < 2_000,
            "a run took {} ms: it queued for a slot",
            e.duration_ms
        );
    }
}

#[tokio::test]
async fn cpu_bound_tasks_are_still_bounded_by_workers() {
    let probe = Arc::new(Probe::default());
    let config = EngineConfig {
        workers: 2,
        ..Default::default()
    };
    let engine = common::engine(Arc::new(MemoryStore::new()), &probe, &config);
    let mut yaml = String::from("name: cpu\ntasks:\n");
    for i in 0..8 {
        yaml.push_str(&format!("  - {{id: t{i}, type: probe, sleep_ms: 20}}\n"));
    }
    let e = common::run_yaml(&engine, &yaml, serde_json::json!({})).await;
    assert_eq!(e.status, ExecutionState::Completed as i32);
    assert_eq!(probe.max_running.load(Ordering::SeqCst), 2);
}
