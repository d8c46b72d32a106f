//! Schedules and triggers on a store shared by replicas (one fresh
//! PostgreSQL database per test, several engines each with its own store
//! on it, the real clock): every replica ticks every schedule, and each
//! tick starts one run; `max_concurrent` counts the runs of every replica;
//! ticks missed while all were down are caught up once; an event id starts
//! one run however often and wherever it is delivered; and edits made on
//! one replica reach the others, which claim nothing on a definition they
//! have not caught up with.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::pg::FreshDatabase;
use common::{Probe, engine, plan};
use orchestrator::engine::{Engine, EngineConfig};
use orchestrator::proto::{
    CatchUp, ConcurrencyPolicy, Event, ExecutionState, ScheduleSpec, TriggerSpec,
};
use orchestrator::scheduler::{ScheduleError, Scheduler, SystemClock, Triggers};
use orchestrator::store::{LeaseTiming, PgOptions, PgStore};

/// An engine on its own store of `db` (heartbeating every 200 ms) whose
/// store holds workflow `w`: one probe task with `config`.
async fn replica(db: &FreshDatabase, config: &str) -> Engine {
    let options = PgOptions {
        lease: LeaseTiming {
            interval: Duration::from_millis(200),
            ttl: Duration::from_secs(60),
        },
        ..Default::default()
    };
    let store = PgStore::connect(&db.url(), options).await.unwrap();
    let engine = engine(
        Arc::new(store),
        &Arc::new(Probe::default()),
        &EngineConfig::default(),
    );
    plan(
        &engine,
        &format!("name: w\ntasks:\n  - {{id: a, type: probe{config}}}\n"),
    )
    .await;
    engine
}

async fn replicas(db: &FreshDatabase, n: usize, config: &str) -> Vec<Engine> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(replica(db, config).await);
    }
    out
}

async fn schedulers(engines: &[Engine]) -> Vec<Scheduler> {
    let mut out = Vec::new();
    for e in engines {
        out.push(
            Scheduler::start(e.clone(), Arc::new(SystemClock), None, Vec::new())
                .await
                .unwrap(),
        );
    }
    out
}

fn every_second(id: &str) -> ScheduleSpec {
    ScheduleSpec {
        id: id.into(),
        workflow_name: "w".into(),
        cron_expr: "* * * * * *".into(),
        ..Default::default()
    }
}

/// The tick rows of schedule `id`: (tick ms, outcome, execution).
async fn ticks(db: &FreshDatabase, id: &str) -> Vec<(i64, String, String)> {
    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    sqlx::query_as(
        "SELECT tick_ms, outcome, execution_id FROM schedule_ticks
         WHERE schedule_id = $1 ORDER BY tick_ms",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap()
}

/// The runs schedule `id` started: (id, status, started ms, finished ms).
async fn runs_of(db: &FreshDatabase, id: &str) -> Vec<(String, i32, i64, bool)> {
    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    sqlx::query_as(
        "SELECT id, status, started_ms, finished FROM executions
         WHERE started_by = $1 ORDER BY started_ms, id",
    )
    .bind(format!("schedule:{id}"))
    .fetch_all(&pool)
    .await
    .unwrap()
}

/// Every tick's run is one run, each tick one second after the last.
async fn one_run_per_tick(db: &FreshDatabase, id: &str, at_least: usize) {
    let ticks = ticks(db, id).await;
    assert!(ticks.len() >= at_least, "{ticks:?}");
    assert!(
        ticks.windows(2).all(|w| w[1].0 - w[0].0 == 1000),
        "a tick was missed: {ticks:?}"
    );
    let mut started: Vec<String> = ticks
        .iter()
        .filter(|(_, o, _)| o == "started")
        .map(|(_, _, e)| e.clone())
        .collect();
    started.sort();
    let mut runs: Vec<String> = runs_of(db, id).await.into_iter().map(|r| r.0).collect();
    runs.sort();
    assert_eq!(
        started, runs,
        "one run per tick, and no run without its tick"
    );
}

fn stop(all: &[Scheduler]) {
    for s in all {
        s.stop();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_tick_starts_one_run_however_many_replicas_tick_it() {
    let db = FreshDatabase::create().await;
    let engines = replicas(&db, 3, "").await;
    let s = schedulers(&engines).await;
    s[0].create(every_second("s"), "test").await.unwrap();
    for other in &s[1..] {
        other.sync().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(4500)).await;
    stop(&s);
    tokio::time::sleep(Duration::from_millis(500)).await;
    one_run_per_tick(&db, "s", 3).await;
    let stored = ticks(&db, "s").await;
    // Every replica notes each tick as the one that made it did.
    for replica in &s {
        for t in replica.get("s").unwrap().recent {
            let ms = t
                .scheduled_at
                .as_ref()
                .map(orchestrator::proto::timestamp_ms);
            let row = stored.iter().find(|r| Some(r.0) == ms).unwrap();
            assert_eq!((&row.1, &row.2), (&t.outcome, &t.execution_id));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn max_concurrent_counts_the_runs_of_every_replica() {
    let db = FreshDatabase::create().await;
    let engines = replicas(&db, 2, ", sleep_ms: 600000").await;
    let s = schedulers(&engines).await;
    let skip = ScheduleSpec {
        max_concurrent: 1,
        concurrency_policy: ConcurrencyPolicy::Skip as i32,
        ..every_second("skip")
    };
    let replace = ScheduleSpec {
        max_concurrent: 1,
        concurrency_policy: ConcurrencyPolicy::Replace as i32,
        ..every_second("replace")
    };
    s[0].create(skip, "test").await.unwrap();
    s[1].create(replace, "test").await.unwrap();
    s[0].sync().await.unwrap();
    s[1].sync().await.unwrap();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    stop(&s);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let outcomes = |t: Vec<(i64, String, String)>| t.into_iter().map(|r| r.1).collect::<Vec<_>>();
    let skipped = outcomes(ticks(&db, "skip").await);
    assert!(skipped.len() >= 3, "{skipped:?}");
    assert_eq!(skipped[0], "started");
    assert!(skipped[1..].iter().all(|o| o == "skipped"), "{skipped:?}");
    let runs = runs_of(&db, "skip").await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(!runs[0].3, "the one run goes on");

    let replaced = outcomes(ticks(&db, "replace").await);
    assert!(replaced.len() >= 3, "{replaced:?}");
    assert_eq!(replaced[0], "started");
    assert!(
        replaced[1..].iter().all(|o| o == "replaced"),
        "{replaced:?}"
    );
    // Each newer tick cancelled the run before it, on whichever replica
    // ran it; the newest runs on.
    let runs = runs_of(&db, "replace").await;
    assert_eq!(runs.len(), replaced.len());
    let (last, older) = runs.split_last().unwrap();
    assert!(!last.3, "{runs:?}");
    for run in older {
        assert_eq!(run.1, ExecutionState::Cancelled as i32, "{runs:?}");
        let e = engines[0].store().get_execution(&run.0).await.unwrap();
        assert_eq!(e.cancelled_by, "schedule:replace");
        assert!(
            e.error.starts_with("replaced by the schedule's tick at"),
            "{}",
            e.error
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn queued_ticks_start_one_at_a_time_as_runs_end_on_any_replica() {
    let db = FreshDatabase::create().await;
    let engines = replicas(&db, 2, ", sleep_ms: 1300").await;
    let s = schedulers(&engines).await;
    let queue = ScheduleSpec {
        max_concurrent: 1,
        concurrency_policy: ConcurrencyPolicy::Queue as i32,
        ..every_second("q")
    };
    s[0].create(queue, "test").await.unwrap();
    s[1].sync().await.unwrap();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    stop(&s);
    // The queued ticks start as the runs before them end.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let waiting = ticks(&db, "q")
            .await
            .iter()
            .filter(|t| t.1 == "queued")
            .count();
        let running = runs_of(&db, "q").await.iter().filter(|r| !r.3).count();
        if waiting == 0 && running == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{waiting} queued, {running} running"
        );
        for r in &s {
            r.start_queued().await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ticks = ticks(&db, "q").await;
    assert!(ticks.len() >= 3, "{ticks:?}");
    assert!(ticks.iter().all(|t| t.1 == "started"), "{ticks:?}");
    // Never two at once: each run started after the one before it ended.
    let mut spans = Vec::new();
    for (id, status, ..) in runs_of(&db, "q").await {
        assert_eq!(status, ExecutionState::Completed as i32);
        let e = engines[0].store().get_execution(&id).await.unwrap();
        let ms =
            |t: Option<&pbjson_types::Timestamp>| t.map(orchestrator::proto::timestamp_ms).unwrap();
        spans.push((ms(e.started_at.as_ref()), ms(e.finished_at.as_ref())));
    }
    spans.sort();
    assert_eq!(spans.len(), ticks.len());
    assert!(
        spans.windows(2).all(|w| w[1].0 >= w[0].1),
        "overlapping runs: {spans:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ticks_missed_while_every_replica_was_down_run_once_each() {
    let db = FreshDatabase::create().await;
    let engines = replicas(&db, 3, "").await;
    let first = Scheduler::start(engines[0].clone(), Arc::new(SystemClock), None, Vec::new())
        .await
        .unwrap();
    let spec = ScheduleSpec {
        catch_up: CatchUp::All as i32,
        ..every_second("s")
    };
    first.create(spec, "test").await.unwrap();
    first.stop();
    tokio::time::sleep(Duration::from_millis(3200)).await;
    // Two replicas come up at once and both catch up.
    let (b, c) = tokio::join!(
        Scheduler::start(engines[1].clone(), Arc::new(SystemClock), None, Vec::new()),
        Scheduler::start(engines[2].clone(), Arc::new(SystemClock), None, Vec::new()),
    );
    let (b, c) = (b.unwrap(), c.unwrap());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop(&[b, c]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    one_run_per_tick(&db, "s", 4).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_reach_the_other_replicas_which_claim_nothing_on_an_old_definition() {
    let db = FreshDatabase::create().await;
    let engines = replicas(&db, 2, "").await;
    let s = schedulers(&engines).await;
    s[0].create(every_second("s"), "test").await.unwrap();
    s[1].sync().await.unwrap();
    // Moved to 3 a.m. on one replica; the other still ticks every second
    // until it syncs, and its claims are refused.
    let nightly = ScheduleSpec {
        cron_expr: "0 0 3 * * *".into(),
        ..every_second("s")
    };
    let changed_ms = chrono::Utc::now().timestamp_millis();
    s[0].update(nightly, "test").await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let late: Vec<_> = ticks(&db, "s")
        .await
        .into_iter()
        .filter(|t| t.0 > changed_ms + 1000)
        .collect();
    assert!(late.is_empty(), "ticks of the old definition: {late:?}");
    assert_eq!(
        s[1].get("s").unwrap().spec.unwrap().cron_expr,
        "* * * * * *"
    );
    s[1].sync().await.unwrap();
    assert_eq!(
        s[1].get("s").unwrap().spec.unwrap().cron_expr,
        "0 0 3 * * *"
    );

    s[1].delete("s", "test").await.unwrap();
    s[0].sync().await.unwrap();
    assert!(matches!(s[0].get("s"), Err(ScheduleError::NotFound(_))));
    stop(&s);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_id_starts_one_run_however_often_and_wherever_it_is_delivered() {
    let db = FreshDatabase::create().await;
    let engines = replicas(&db, 2, "").await;
    let t0 = Triggers::start(engines[0].clone(), None).await.unwrap();
    let t1 = Triggers::start(engines[1].clone(), None).await.unwrap();
    let spec = TriggerSpec {
        id: "t".into(),
        workflow_name: "w".into(),
        event_type: "ids.alert".into(),
        ..Default::default()
    };
    t0.create(spec, "test").await.unwrap();
    t1.sync().await.unwrap();
    let event = |id: &str| Event {
        event_type: "ids.alert".into(),
        event_id: id.into(),
        ..Default::default()
    };
    // The same message to both replicas at once.
    let (a, b) = tokio::join!(t0.publish(event("evt-1")), t1.publish(event("evt-1")));
    let (a, b) = (a.unwrap().remove(0), b.unwrap().remove(0));
    let mut outcomes = [a.outcome.as_str(), b.outcome.as_str()];
    outcomes.sort();
    assert_eq!(outcomes, ["duplicate", "started"], "{a:?} {b:?}");
    assert_eq!(
        a.execution_id, b.execution_id,
        "the duplicate names the run"
    );
    // Again, to either one: nothing new.
    for t in [&t0, &t1] {
        let again = t.publish(event("evt-1")).await.unwrap().remove(0);
        assert_eq!(again.outcome, "duplicate");
        assert_eq!(again.execution_id, a.execution_id);
    }
    // Other ids, and events without one, each start a run.
    let (c, d) = tokio::join!(t0.publish(event("evt-2")), t1.publish(event("")));
    assert_eq!(c.unwrap()[0].outcome, "started");
    assert_eq!(d.unwrap()[0].outcome, "started");
    let again = t0.publish(event("")).await.unwrap().remove(0);
    assert_eq!(again.outcome, "started");
}
