//! The schedule runner on paused tokio time: a real engine and store, a
//! clock that follows tokio's, and time advanced by sleeping (tokio jumps
//! straight to the next timer), so hours of ticks take milliseconds and
//! land to the exact second.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{Probe, memory_engine};
use orchestrator::engine::Engine;
use orchestrator::proto::{
    CatchUp, ConcurrencyPolicy, Execution, ExecutionState, Schedule, ScheduleSpec,
};
use orchestrator::scheduler::{ScheduleError, Scheduler, TokioClock};
use orchestrator::spec::{self, Format, Limits};
use orchestrator::store::{self, ExecutionQuery};

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// An engine whose store holds workflow `w`: one probe task with `config`.
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

async fn scheduler_at(engine: &Engine, now: &str) -> Scheduler {
    Scheduler::start(
        engine.clone(),
        Arc::new(TokioClock::starting_at(at(now))),
        None,
        Vec::new(),
    )
    .await
    .unwrap()
}

fn every(expr: &str) -> ScheduleSpec {
    ScheduleSpec {
        id: "s".into(),
        workflow_name: "w".into(),
        cron_expr: expr.into(),
        ..Default::default()
    }
}

/// Sleeps `ms` of (paused) tokio time; every timer due meanwhile fires.
async fn pass(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Executions so far, oldest first.
async fn runs(engine: &Engine) -> Vec<Execution> {
    let mut v = engine
        .store()
        .list_executions(&ExecutionQuery::default())
        .await
        .unwrap();
    v.sort_by_key(scheduled);
    v
}

fn scheduled(e: &Execution) -> String {
    let input = orchestrator::proto::struct_to_json_map(e.input.as_ref().unwrap());
    input["scheduled_at"].as_str().unwrap().to_owned()
}

fn outcomes(s: &Schedule) -> Vec<(String, String)> {
    s.recent
        .iter()
        .rev()
        .map(|t| {
            let when = DateTime::from_timestamp(t.scheduled_at.as_ref().unwrap().seconds, 0)
                .unwrap()
                .format("%H:%M:%S")
                .to_string();
            (when, t.outcome.clone())
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_every_second_schedule_fires_on_each_second_with_its_inputs() {
    let engine = engine_with("").await;
    let s = scheduler_at(&engine, "2026-01-01T00:00:00.400Z").await;
    let mut spec = every("* * * * * *");
    spec.parameters = Some(orchestrator::proto::json_map_to_struct(
        serde_json::json!({"scan": "full"}).as_object().unwrap(),
    ));
    let created = s.create(spec, "test").await.unwrap();
    assert_eq!(
        created.next_fires[0].seconds,
        at("2026-01-01T00:00:01Z").timestamp()
    );
    // 00:00:03.399: the ticks of :01, :02 and :03 have fired, no more.
    pass(2_999).await;
    let done = runs(&engine).await;
    assert_eq!(
        done.iter().map(scheduled).collect::<Vec<_>>(),
        [
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:02Z",
            "2026-01-01T00:00:03Z"
        ]
    );
    let input = orchestrator::proto::struct_to_json_map(done[0].input.as_ref().unwrap());
    assert_eq!(input["schedule"], "s");
    assert_eq!(input["scan"], "full");
    let got = s.get("s").unwrap();
    assert_eq!(
        got.last_tick.unwrap().seconds,
        at("2026-01-01T00:00:03Z").timestamp()
    );
    assert_eq!(outcomes(&got).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn skip_records_the_ticks_it_drops() {
    let engine = engine_with(", sleep_ms: 10000").await;
    let s = scheduler_at(&engine, "2026-01-01T00:00:00.500Z").await;
    let mut spec = every("* * * * * *");
    spec.max_concurrent = 1;
    s.create(spec, "test").await.unwrap();
    pass(3_000).await;
    assert_eq!(runs(&engine).await.len(), 1);
    let got = s.get("s").unwrap();
    assert_eq!(got.skipped, 2);
    assert_eq!(
        outcomes(&got),
        [
            ("00:00:01".into(), "started".into()),
            ("00:00:02".into(), "skipped".into()),
            ("00:00:03".into(), "skipped".into())
        ]
    );
    assert!(got.recent[0].detail.contains("max_concurrent"));
}

#[tokio::test(start_paused = true)]
async fn queue_starts_waiting_ticks_as_runs_end() {
    let engine = engine_with(", sleep_ms: 2500").await;
    let s = scheduler_at(&engine, "2026-01-01T00:00:00.500Z").await;
    let mut spec = every("* * * * * *");
    spec.max_concurrent = 1;
    spec.concurrency_policy = ConcurrencyPolicy::Queue as i32;
    s.create(spec, "test").await.unwrap();
    // The :01 run ends at 03.5; the :02 tick waited and starts then.
    pass(2_700).await;
    assert_eq!(runs(&engine).await.len(), 1);
    pass(500).await;
    let done = runs(&engine).await;
    assert_eq!(
        done.iter().map(scheduled).collect::<Vec<_>>(),
        ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"]
    );
    assert_eq!(done[0].status, ExecutionState::Completed as i32);
    assert_eq!(done[1].status, ExecutionState::Running as i32);
}

#[tokio::test(start_paused = true)]
async fn replace_cancels_the_oldest_run_with_a_reason() {
    let engine = engine_with(", sleep_ms: 3600000").await;
    let s = scheduler_at(&engine, "2026-01-01T00:00:00.500Z").await;
    let mut spec = every("* * * * * *");
    spec.max_concurrent = 1;
    spec.concurrency_policy = ConcurrencyPolicy::Replace as i32;
    s.create(spec, "test").await.unwrap();
    pass(2_100).await;
    let done = runs(&engine).await;
    assert_eq!(done.len(), 2);
    assert_eq!(done[0].status, ExecutionState::Cancelled as i32);
    assert_eq!(
        done[0].error,
        "replaced by the schedule's tick at 2026-01-01T00:00:02Z"
    );
    assert_eq!(done[0].cancelled_by, "schedule:s");
    assert_eq!(done[1].status, ExecutionState::Running as i32);
    assert_eq!(
        outcomes(&s.get("s").unwrap()),
        [
            ("00:00:01".into(), "started".into()),
            ("00:00:02".into(), "replaced".into())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn timeout_bounds_each_run() {
    let engine = engine_with(", sleep_ms: 3600000").await;
    let s = scheduler_at(&engine, "2026-01-01T00:00:00.500Z").await;
    let mut spec = every("@hourly");
    spec.timeout = "2s".into();
    s.create(spec, "test").await.unwrap();
    pass(3_600_000 + 2_500).await;
    let done = runs(&engine).await;
    assert_eq!(done[0].status, ExecutionState::TimedOut as i32);
    assert_eq!(done[0].error, "workflow timeout of 2s exceeded");
}

/// Creates an every-minute schedule of workflow `w` (a probe with
/// `config`) at 00:00:30 with `rule`, stops the server, and starts again at
/// 00:10:30: the runs after start-up.
async fn after_downtime_of(
    config: &str,
    rule: CatchUp,
    set: impl FnOnce(&mut ScheduleSpec),
) -> (Vec<Execution>, Schedule, Engine) {
    let engine = engine_with(config).await;
    let first = scheduler_at(&engine, "2026-01-01T00:00:30Z").await;
    let mut spec = every("0 * * * * *");
    spec.catch_up = rule as i32;
    set(&mut spec);
    first.create(spec, "test").await.unwrap();
    first.stop();
    let second = scheduler_at(&engine, "2026-01-01T00:10:30Z").await;
    pass(1).await;
    let record = second.get("s").unwrap();
    (runs(&engine).await, record, engine)
}

async fn after_downtime(rule: CatchUp) -> (Vec<String>, Schedule) {
    let (runs, record, _) = after_downtime_of("", rule, |_| {}).await;
    (runs.iter().map(scheduled).collect(), record)
}

#[tokio::test(start_paused = true)]
async fn catch_up_none_latest_and_all_after_downtime() {
    let (none, record) = after_downtime(CatchUp::None).await;
    assert!(none.is_empty());
    assert_eq!(record.recent[0].outcome, "missed");
    assert!(record.recent[0].detail.starts_with("10 ticks missed"));

    let (latest, _) = after_downtime(CatchUp::Latest).await;
    assert_eq!(latest, ["2026-01-01T00:10:00Z"]);

    let (all, _) = after_downtime(CatchUp::All).await;
    assert_eq!(all.len(), 10);
    assert_eq!(all[0], "2026-01-01T00:01:00Z");
    assert_eq!(all[9], "2026-01-01T00:10:00Z");
}

#[tokio::test(start_paused = true)]
async fn catch_up_all_keeps_to_max_concurrent() {
    // The ten missed ticks are decided together: the first one's run is
    // still starting when the rest are, and takes the only slot.
    let (skip, record, _) = after_downtime_of(", sleep_ms: 3600000", CatchUp::All, |s| {
        s.max_concurrent = 1;
    })
    .await;
    assert_eq!(
        skip.iter().map(scheduled).collect::<Vec<_>>(),
        ["2026-01-01T00:01:00Z"]
    );
    assert_eq!(record.skipped, 9);

    // Queued, they run one after another, never two at once.
    let (queued, _, engine) = after_downtime_of(", sleep_ms: 2000", CatchUp::All, |s| {
        s.max_concurrent = 1;
        s.concurrency_policy = ConcurrencyPolicy::Queue as i32;
    })
    .await;
    assert_eq!(queued.len(), 1);
    pass(5_000).await;
    let queued = runs(&engine).await;
    assert_eq!(
        queued.iter().map(scheduled).collect::<Vec<_>>(),
        [
            "2026-01-01T00:01:00Z",
            "2026-01-01T00:02:00Z",
            "2026-01-01T00:03:00Z"
        ]
    );
    for pair in queued.windows(2) {
        let ended = pair[0].finished_at.as_ref().unwrap();
        let next = pair[1].started_at.as_ref().unwrap();
        assert!((next.seconds, next.nanos) >= (ended.seconds, ended.nanos));
    }

    // Replacing cannot cancel a run that has not started: the first tick
    // runs, the others are skipped with the reason.
    let (replaced, record, _) = after_downtime_of(", sleep_ms: 3600000", CatchUp::All, |s| {
        s.max_concurrent = 1;
        s.concurrency_policy = ConcurrencyPolicy::Replace as i32;
    })
    .await;
    assert_eq!(replaced.len(), 1);
    assert_eq!(record.skipped, 9);
    let skipped = record
        .recent
        .iter()
        .find(|t| t.outcome == "skipped")
        .unwrap();
    assert!(skipped.detail.contains("still starting"), "{skipped:?}");
}

#[tokio::test(start_paused = true)]
async fn daylight_saving_changes_in_new_york() {
    let engine = engine_with("").await;
    let s = scheduler_at(&engine, "2026-03-07T12:00:00-05:00").await;
    let mut spring = every("0 30 2 * * *");
    spring.timezone = "America/New_York".into();
    s.create(spring, "test").await.unwrap();
    pass(2 * 86_400_000).await;
    // 02:30 does not exist on the 8th: it runs at 03:00 EDT (07:00Z).
    assert_eq!(
        runs(&engine)
            .await
            .iter()
            .map(scheduled)
            .collect::<Vec<_>>(),
        ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]
    );

    let engine = engine_with("").await;
    let s = scheduler_at(&engine, "2026-10-31T12:00:00-04:00").await;
    let mut fall = every("0 30 1 * * *");
    fall.timezone = "America/New_York".into();
    s.create(fall, "test").await.unwrap();
    pass(2 * 86_400_000).await;
    // 01:30 happens twice on 1 November: it runs once, at the first.
    assert_eq!(
        runs(&engine)
            .await
            .iter()
            .map(scheduled)
            .collect::<Vec<_>>(),
        ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]
    );
}

#[tokio::test(start_paused = true)]
async fn pause_stops_ticks_and_resume_does_not_catch_up() {
    let engine = engine_with("").await;
    let s = scheduler_at(&engine, "2026-01-01T00:00:00.500Z").await;
    s.create(every("* * * * * *"), "test").await.unwrap();
    pass(1_000).await;
    let paused = s.set_enabled("s", false, "test").await.unwrap();
    assert!(paused.next_fires.is_empty());
    pass(5_000).await;
    assert_eq!(runs(&engine).await.len(), 1);
    s.set_enabled("s", true, "test").await.unwrap();
    pass(1_000).await;
    assert_eq!(
        runs(&engine)
            .await
            .iter()
            .map(scheduled)
            .collect::<Vec<_>>(),
        ["2026-01-01T00:00:01Z", "2026-01-01T00:00:07Z"]
    );
}

#[tokio::test(start_paused = true)]
async fn an_update_takes_effect_while_the_scheduler_runs() {
    let engine = engine_with("").await;
    let s = scheduler_at(&engine, "2026-01-01T00:00:00.500Z").await;
    s.create(every("* * * * * *"), "test").await.unwrap();
    pass(2_000).await;
    s.update(every("*/5 * * * * *"), "test").await.unwrap();
    pass(10_000).await;
    assert_eq!(
        runs(&engine)
            .await
            .iter()
            .map(scheduled)
            .collect::<Vec<_>>(),
        [
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:02Z",
            "2026-01-01T00:00:05Z",
            "2026-01-01T00:00:10Z"
        ]
    );
    // Runs are audited too (execution.start); the change is there once.
    let audit = engine.store().audit_trail(100).await.unwrap();
    let updates: Vec<_> = audit
        .iter()
        .filter(|r| r.action == "schedule.update")
        .collect();
    assert_eq!(updates.len(), 1, "{audit:?}");
    assert_eq!(
        updates[0].reason,
        r#"cron_expr: "* * * * * *" -> "*/5 * * * * *""#
    );
}

#[tokio::test(start_paused = true)]
async fn bad_definitions_are_refused_naming_the_field() {
    let engine = engine_with("").await;
    let s = scheduler_at(&engine, "2026-01-01T00:00:00Z").await;
    let field = |e: ScheduleError| match e {
        ScheduleError::Invalid(p) => p.field,
        other => panic!("{other}"),
    };
    let mut unknown = every("* * * * * *");
    unknown.workflow_name = "nobody".into();
    assert_eq!(
        field(s.create(unknown, "test").await.unwrap_err()),
        "workflow_name"
    );
    assert_eq!(
        field(s.create(every("61 * * * * *"), "test").await.unwrap_err()),
        "cron_expr"
    );
    s.create(every("@daily"), "test").await.unwrap();
    assert!(matches!(
        s.create(every("@daily"), "test").await,
        Err(ScheduleError::Exists(_))
    ));
    let mut other = every("@daily");
    other.id = "nope".into();
    assert!(matches!(
        s.update(other, "test").await,
        Err(ScheduleError::NotFound(_))
    ));
    // Nothing refused was stored.
    assert_eq!(engine.store().list_schedules().await.unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_tick_whose_run_started_is_not_run_again_after_a_crash() {
    let engine = engine_with("").await;
    let first = scheduler_at(&engine, "2026-01-01T00:00:30Z").await;
    let mut spec = every("0 * * * * *");
    spec.catch_up = CatchUp::All as i32;
    let created = first.create(spec, "test").await.unwrap();
    pass(60_000).await;
    first.stop();
    assert_eq!(runs(&engine).await.len(), 1);
    // The crash lost the tick's record but not its run: the stored record
    // still says nothing has ticked.
    engine
        .store()
        .append(orchestrator::store::Write::Schedule(Arc::new(created)));
    let second = scheduler_at(&engine, "2026-01-01T00:03:30Z").await;
    pass(1).await;
    assert_eq!(
        runs(&engine)
            .await
            .iter()
            .map(scheduled)
            .collect::<Vec<_>>(),
        [
            "2026-01-01T00:01:00Z",
            "2026-01-01T00:02:00Z",
            "2026-01-01T00:03:00Z"
        ]
    );
    let got = second.get("s").unwrap();
    assert_eq!(got.recent.last().unwrap().detail, "found after a restart");
}
