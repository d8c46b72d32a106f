//! Two bounds for two kinds of work: tasks that wait on a service hold no
//! CPU slot, so hundreds of them wait at once (that CPU work is still
//! bounded by `WORKERS` is `semantics::worker_pool_bounds_all_executions`).

mod common;

use std::sync::Arc;

use common::{Probe, memory_engine};
use orchestrator::engine::RunRequest;
use orchestrator::proto::ExecutionState;

#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_waiting_tasks_do_not_queue_behind_the_cpu_slots() {
    // The default configuration: WORKERS is the number of cores (2 here).
    let engine = memory_engine(&Arc::new(Probe::default()));
    let plan = common::plan(
        &engine,
        "name: wait\ntasks:\n  - {id: nap, type: sleep, duration: 200ms}\n",
    )
    .await;
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
