//! Event triggers over a real engine: per-trigger concurrency policies,
//! disabled triggers, filters that cannot be evaluated, and a restart that
//! reloads the stored triggers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Probe, memory_engine};
use orchestrator::engine::Engine;
use orchestrator::proto::{ConcurrencyPolicy, Event, ExecutionState, TriggerSpec};
use orchestrator::scheduler::Triggers;
use orchestrator::spec::{self, Format, Limits};
use orchestrator::store::{self, ExecutionQuery};
use serde_json::json;

async fn engine_with(config: &str) -> Engine {
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let yaml = format!("name: w\ntasks:\n  - {{id: a, type: probe{config}}}\n");
    let (spec, _) = spec::load(&yaml, Format::Yaml, engine.registry(), &Limits::default()).unwrap();
    store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    engine
}

fn trigger(policy: ConcurrencyPolicy) -> TriggerSpec {
    TriggerSpec {
        id: "t".into(),
        workflow_name: "w".into(),
        event_type: "ids.*".into(),
        max_concurrent: 1,
        concurrency_policy: policy as i32,
        ..Default::default()
    }
}

fn event(n: u32) -> Event {
    Event {
        event_type: "ids.alert".into(),
        event_data: Some(orchestrator::proto::json_map_to_struct(
            json!({"n": n}).as_object().unwrap(),
        )),
        ..Default::default()
    }
}

/// Publishes three events; the outcome of each.
async fn three(t: &Triggers) -> Vec<String> {
    let mut out = Vec::new();
    for n in 0..3 {
        let o = t.publish(event(n)).await.unwrap();
        out.push(o[0].outcome.clone());
    }
    out
}

async fn states(engine: &Engine) -> Vec<i32> {
    let mut v: Vec<i32> = engine
        .store()
        .list_executions(&ExecutionQuery::default())
        .await
        .unwrap()
        .iter()
        .map(|e| e.status)
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn skip_queue_and_replace_bound_a_triggers_runs() {
    let engine = engine_with(", sleep_ms: 3600000").await;
    let t = Triggers::start(engine.clone(), None).await.unwrap();
    t.create(trigger(ConcurrencyPolicy::Skip), "test")
        .await
        .unwrap();
    assert_eq!(three(&t).await, ["started", "skipped", "skipped"]);

    let engine = engine_with(", sleep_ms: 3600000").await;
    let t = Triggers::start(engine.clone(), None).await.unwrap();
    t.create(trigger(ConcurrencyPolicy::Replace), "test")
        .await
        .unwrap();
    assert_eq!(three(&t).await, ["started", "replaced", "replaced"]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cancelled = engine
        .store()
        .list_executions(&ExecutionQuery::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.status == ExecutionState::Cancelled as i32)
        .collect::<Vec<_>>();
    assert_eq!(cancelled.len(), 2);
    assert_eq!(cancelled[0].error, "replaced by a newer ids.alert event");
    assert_eq!(cancelled[0].cancelled_by, "trigger:t");

    let engine = engine_with(", sleep_ms: 100").await;
    let t = Triggers::start(engine.clone(), None).await.unwrap();
    t.create(trigger(ConcurrencyPolicy::Queue), "test")
        .await
        .unwrap();
    assert_eq!(three(&t).await, ["started", "queued", "queued"]);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(states(&engine).await, [ExecutionState::Completed as i32; 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn events_published_at_once_keep_to_max_concurrent() {
    // A run is started outside the trigger's lock: the events decided
    // meanwhile must see its slot taken.
    let engine = engine_with(", sleep_ms: 3600000").await;
    let t = Triggers::start(engine.clone(), None).await.unwrap();
    t.create(trigger(ConcurrencyPolicy::Skip), "test")
        .await
        .unwrap();
    let publishes: Vec<_> = (0..32)
        .map(|n| {
            let t = t.clone();
            tokio::spawn(async move { t.publish(event(n)).await.unwrap()[0].outcome.clone() })
        })
        .collect();
    let mut outcomes = Vec::new();
    for p in publishes {
        outcomes.push(p.await.unwrap());
    }
    outcomes.sort();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "started").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(outcomes.iter().filter(|o| *o == "skipped").count(), 31);
    assert_eq!(states(&engine).await, [ExecutionState::Running as i32]);
}

#[tokio::test(flavor = "multi_thread")]
async fn disabled_triggers_and_broken_filters_start_nothing() {
    let engine = engine_with("").await;
    let t = Triggers::start(engine.clone(), None).await.unwrap();
    let mut off = trigger(ConcurrencyPolicy::Skip);
    off.enabled = Some(false);
    t.create(off, "test").await.unwrap();
    assert!(t.publish(event(1)).await.unwrap().is_empty());

    let mut odd = trigger(ConcurrencyPolicy::Skip);
    odd.id = "odd".into();
    odd.filter = "event.n is divisibleby(0)".into();
    t.create(odd, "test").await.unwrap();
    let o = t.publish(event(1)).await.unwrap();
    assert_eq!(o[0].outcome, "failed", "{o:?}");
    assert!(
        o[0].detail
            .starts_with("filter `event.n is divisibleby(0)`")
    );
    assert!(states(&engine).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_triggers_are_reloaded_with_their_secrets() {
    let engine = engine_with("").await;
    let t = Triggers::start(engine.clone(), None).await.unwrap();
    let mut spec = trigger(ConcurrencyPolicy::Skip);
    spec.webhook_secret = "0123456789abcdef".into();
    t.create(spec, "test").await.unwrap();
    // An update without a secret keeps the stored one.
    let mut changed = trigger(ConcurrencyPolicy::Queue);
    changed.filter = "event.n > 0".into();
    let shown = t.update(changed, "test").await.unwrap();
    assert_eq!(shown.spec.unwrap().webhook_secret, "***");

    let again = Triggers::start(engine.clone(), None).await.unwrap();
    let got = again.get("t").unwrap().spec.unwrap();
    assert_eq!(got.filter, "event.n > 0");
    assert_eq!(got.concurrency_policy, ConcurrencyPolicy::Queue as i32);
    assert_eq!(
        engine.store().list_triggers().await.unwrap()[0]
            .spec
            .as_ref()
            .unwrap()
            .webhook_secret,
        "0123456789abcdef"
    );
    let audit = engine.store().audit_trail(5).await.unwrap();
    assert_eq!(audit[0].action, "trigger.update");
    assert!(
        !audit[0].reason.contains("0123456789abcdef"),
        "{}",
        audit[0].reason
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_id_starts_one_run_even_when_its_copies_wait_in_the_queue() {
    let engine = engine_with(", sleep_ms: 100").await;
    let t = Triggers::start(engine.clone(), None).await.unwrap();
    t.create(trigger(ConcurrencyPolicy::Queue), "test")
        .await
        .unwrap();
    let with_id = |n: u32, id: &str| Event {
        event_id: id.into(),
        ..event(n)
    };
    let first = t.publish(with_id(0, "a")).await.unwrap().remove(0);
    assert_eq!(first.outcome, "started");
    // A copy of a started event is a duplicate at once; copies of a
    // queued one wait, and start one run between them.
    let again = t.publish(with_id(1, "a")).await.unwrap().remove(0);
    assert_eq!(
        (again.outcome.as_str(), again.execution_id.as_str()),
        ("duplicate", first.execution_id.as_str())
    );
    for n in 2..4 {
        assert_eq!(
            t.publish(with_id(n, "b")).await.unwrap()[0].outcome,
            "queued"
        );
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(states(&engine).await, [ExecutionState::Completed as i32; 2]);
}
