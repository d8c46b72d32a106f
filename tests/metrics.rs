//! Metrics fed by a real engine, read back from the Prometheus exposition.

mod common;

use std::sync::Arc;

use common::{Probe, memory_engine};
use orchestrator::engine::RunRequest;
use orchestrator::proto::{ExecutionState, execution_event::Kind};
use orchestrator::spec::{self, Format, Limits};
use orchestrator::store;
use orchestrator::telemetry::Metrics;

/// The value of an unlabelled metric in the exposition.
fn value(metrics: &Metrics, name: &str) -> f64 {
    let text = metrics.render();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn parallelism_counts_attempts_running_now_even_when_a_retry_is_cancelled() {
    let probe = Arc::new(Probe::default());
    let metrics = Arc::new(Metrics::new().unwrap());
    let engine = memory_engine(&probe).with_metrics(metrics.clone());
    assert_eq!(value(&metrics, "swarm_workflow_parallelism"), 0.0);

    // `a` runs for an hour; `b` fails once and waits a minute to retry.
    let (spec, _) = spec::load(
        "name: p\ntasks:\n  - {id: a, type: probe, sleep_ms: 3600000}\n  - {id: b, type: probe, fail_times: 9, retry: {max_attempts: 3, initial_backoff: 60s, max_backoff: 60s}}\n",
        Format::Yaml,
        engine.registry(),
        &Limits::default(),
    )
    .unwrap();
    let wf = store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let handle = engine.start(engine.plan(&wf).unwrap(), RunRequest::default());
    let mut events = handle.events();
    let (mut a_started, mut b_backing_off) = (false, false);
    while !(a_started && b_backing_off) {
        match &events.recv().await.unwrap().kind {
            Some(Kind::TaskStarted(s)) if s.task_id == "a" => a_started = true,
            Some(Kind::TaskAttemptFailed(f)) if f.task_id == "b" => b_backing_off = true,
            _ => {}
        }
    }
    assert_eq!(
        value(&metrics, "swarm_workflow_parallelism"),
        1.0,
        "only `a` is running; `b` is waiting between attempts"
    );

    handle.cancel("enough", "test");
    let e = handle.wait().await.unwrap();
    assert_eq!(e.status, ExecutionState::Cancelled as i32);
    assert_eq!(value(&metrics, "swarm_workflow_parallelism"), 0.0);
}

/// The value of a metric with one `pool` label.
fn pool_value(metrics: &Metrics, name: &str, pool: &str) -> f64 {
    value(metrics, &format!("{name}{{pool=\"{pool}\"}}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queue_behind_the_cpu_slots_shows_per_pool() {
    let probe = Arc::new(Probe::default());
    let metrics = Arc::new(Metrics::new().unwrap());
    let config = orchestrator::engine::EngineConfig {
        workers: 1,
        ..Default::default()
    };
    let engine = common::engine(
        Arc::new(orchestrator::store::MemoryStore::new()),
        &probe,
        &config,
    )
    .with_metrics(metrics.clone());
    // Two CPU-bound tasks for one slot, and a sleep that takes a wait slot.
    let plan = common::plan(
        &engine,
        "name: q\ntasks:\n  - {id: a, type: probe, sleep_ms: 3600000}\n  - {id: b, type: probe, sleep_ms: 3600000}\n  - {id: nap, type: sleep, duration: 1h}\n",
    )
    .await;
    let handle = engine.start(plan, RunRequest::default());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while pool_value(&metrics, "swarm_workflow_slots_queued", "cpu") < 1.0
        || pool_value(&metrics, "swarm_workflow_slots_busy", "wait") < 1.0
    {
        assert!(std::time::Instant::now() < deadline, "{}", metrics.render());
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(
        pool_value(&metrics, "swarm_workflow_slots_busy", "cpu"),
        1.0
    );
    assert_eq!(
        pool_value(&metrics, "swarm_workflow_slots_queued", "wait"),
        0.0
    );
    assert_eq!(value(&metrics, "swarm_workflow_parallelism"), 2.0);
    assert_eq!(pool_value(&metrics, "swarm_workflow_slots", "cpu"), 1.0);
    assert_eq!(
        pool_value(&metrics, "swarm_workflow_slots", "wait"),
        10_000.0
    );
    // The active table shows the same figures.
    let pools: Vec<_> = engine
        .pools()
        .into_iter()
        .map(|p| (p.name, p.size, p.busy, p.queued))
        .collect();
    assert_eq!(
        pools,
        [
            ("cpu".to_owned(), 1, 1, 1),
            ("wait".to_owned(), 10_000, 1, 0)
        ]
    );
    handle.cancel("enough", "test");
    handle.wait().await.unwrap();
    assert_eq!(
        pool_value(&metrics, "swarm_workflow_slots_queued", "cpu"),
        0.0
    );
    assert_eq!(value(&metrics, "swarm_workflow_parallelism"), 0.0);
}

#[test]
fn http_circuit_states_are_exported_per_host() {
    use orchestrator::plugins::{BreakerOptions, Breakers};
    let metrics = Metrics::new().unwrap();
    let breakers = Arc::new(Breakers::new(BreakerOptions {
        failures: 1,
        cooldown: std::time::Duration::from_secs(60),
    }));
    metrics.watch_breakers(breakers.clone());
    assert!(
        !metrics
            .render()
            .contains("swarm_workflow_http_circuit_state{")
    );
    breakers.admit("intel.example:443").unwrap().record(false);
    let text = metrics.render();
    assert!(
        text.contains("swarm_workflow_http_circuit_state{host=\"intel.example:443\"} 2"),
        "{text}"
    );
}
