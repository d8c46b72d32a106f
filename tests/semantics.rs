//! The engine's semantics (ARCHITECTURE.md, "Semantics"), one test per rule,
//! through a real engine and store. Timers run on paused tokio time where
//! the rule is about time.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{CountingServer, Probe, memory_engine, output, run_yaml, state, task};
use orchestrator::engine::{EngineConfig, RunRequest};
use orchestrator::proto::{ExecutionState, TaskState, execution_event::Kind};
use orchestrator::spec::{self, Format, Limits};
use orchestrator::store::{self, MemoryStore, Store};
use serde_json::json;

fn status(e: &orchestrator::proto::Execution) -> ExecutionState {
    ExecutionState::try_from(e.status).unwrap()
}

#[tokio::test]
async fn skipped_dependency_still_runs_dependent() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: skip
tasks:
  - {id: score, type: echo, body: {risk: 0.2}}
  - {id: block, type: probe, depends_on: [score], condition: "score.risk > 0.8"}
  - id: audit
    type: echo
    depends_on: [block]
    body: {result: "{{ block.status }}", text: "r={{ block.status }}"}
"#,
        json!({}),
    )
    .await;
    assert_eq!(status(&e), ExecutionState::Completed);
    assert_eq!(state(&e, "block"), TaskState::Skipped);
    assert!(task(&e, "block").error.contains("score.risk > 0.8"));
    assert_eq!(probe.calls("block"), 0);
    assert_eq!(state(&e, "audit"), TaskState::Succeeded);
    assert_eq!(output(&e, "audit"), json!({"result": null, "text": "r="}));
}

#[tokio::test]
async fn failed_dependency_cancels_downstream_and_fails_execution() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: fail
tasks:
  - {id: a, type: probe, fail_times: 1, retryable: false}
  - {id: b, type: probe, depends_on: [a]}
  - {id: c, type: probe, depends_on: [b]}
"#,
        json!({}),
    )
    .await;
    assert_eq!(status(&e), ExecutionState::Failed);
    assert!(e.error.contains("task 'a' failed"), "{}", e.error);
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert_eq!(state(&e, "b"), TaskState::Cancelled);
    assert!(
        task(&e, "b").error.contains("upstream task 'a' failed"),
        "{}",
        task(&e, "b").error
    );
    assert_eq!(state(&e, "c"), TaskState::Cancelled);
    assert_eq!(probe.calls("b") + probe.calls("c"), 0);
}

#[tokio::test]
async fn allow_failure_lets_dependents_run() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: allow
tasks:
  - {id: a, type: probe, fail_times: 1, retryable: false, allow_failure: true}
  - {id: b, type: probe, depends_on: [a]}
"#,
        json!({}),
    )
    .await;
    assert_eq!(status(&e), ExecutionState::Completed);
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert_eq!(state(&e, "b"), TaskState::Succeeded);
}

#[tokio::test]
async fn run_if_always_runs_after_upstream_failure() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: always
tasks:
  - {id: a, type: probe, fail_times: 1, retryable: false}
  - {id: b, type: probe, depends_on: [a]}
  - id: cleanup
    type: echo
    depends_on: [b]
    run_if: always
    body: {a: "{{ tasks.a.status }}", b: "{{ tasks.b.status }}"}
"#,
        json!({}),
    )
    .await;
    assert_eq!(status(&e), ExecutionState::Failed);
    assert_eq!(state(&e, "b"), TaskState::Cancelled);
    assert_eq!(state(&e, "cleanup"), TaskState::Succeeded);
    assert_eq!(
        output(&e, "cleanup"),
        json!({"a": "failed", "b": "cancelled"})
    );
}

#[tokio::test]
async fn failure_cancels_independent_tasks_not_yet_started() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: branches
max_parallel: 1
tasks:
  - {id: a, type: probe, fail_times: 1, retryable: false}
  - {id: x, type: probe, depends_on: [a]}
  - {id: other, type: probe}
  - {id: other2, type: probe, depends_on: [other]}
"#,
        json!({}),
    )
    .await;
    assert_eq!(status(&e), ExecutionState::Failed);
    // `a` runs first (max_parallel 1, declaration order); `other` had not started.
    assert_eq!(state(&e, "other"), TaskState::Cancelled);
    assert_eq!(state(&e, "other2"), TaskState::Cancelled);
    assert!(task(&e, "other").error.contains("execution failed"));
}

#[tokio::test]
async fn condition_error_fails_task_with_expression() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: cond
tasks:
  - {id: a, type: echo, body: {n: 1}}
  - {id: b, type: probe, depends_on: [a], condition: "a.n + 'x'"}
"#,
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "b"), TaskState::Failed);
    let err = &task(&e, "b").error;
    assert!(err.contains("condition `a.n + 'x'`"), "{err}");
    assert_eq!(probe.calls("b"), 0);
}

#[tokio::test]
async fn whole_string_templates_keep_json_types_and_text_interpolates() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: types
tasks:
  - {id: enrich, type: echo, body: {features: [1, 2.5, "x"], ip: "1.2.3.4", score: 0.93}}
  - id: out
    type: echo
    depends_on: [enrich]
    body:
      list: "{{ enrich.features }}"
      number: "{{ enrich.score }}"
      text: "ip={{ enrich.ip }} n={{ input.n }}"
      wf: "{{ workflow.name }}"
      id_prefix: "{{ workflow.id is startingwith('types-') }}"
      missing: "{{ enrich.nothing.deeper }}"
"#,
        json!({"n": 7}),
    )
    .await;
    assert_eq!(
        state(&e, "out"),
        TaskState::Succeeded,
        "{}",
        task(&e, "out").error
    );
    assert_eq!(
        output(&e, "out"),
        json!({"list": [1, 2.5, "x"], "number": 0.93, "text": "ip=1.2.3.4 n=7",
               "wf": "types", "id_prefix": true, "missing": null})
    );
}

#[tokio::test(start_paused = true)]
async fn retry_stops_at_max_attempts_with_jittered_backoff() {
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let start = tokio::time::Instant::now();
    let e = run_yaml(
        &engine,
        r#"
name: retry
tasks:
  - id: a
    type: probe
    fail_times: 10
    retry: {max_attempts: 4, initial_backoff: 1s, max_backoff: 3s, multiplier: 2}
"#,
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert_eq!(task(&e, "a").attempts, 4);
    assert_eq!(probe.calls("a"), 4);
    let events = engine.store().events(&e.id, 0).await.unwrap();
    let backoffs: Vec<u64> = events
        .iter()
        .filter_map(|ev| match &ev.kind {
            Some(Kind::TaskAttemptFailed(f)) => Some(f.backoff_ms),
            _ => None,
        })
        .collect();
    assert_eq!(
        backoffs.len(),
        3,
        "every failed attempt before the last is recorded"
    );
    // Bounds: 1s, 2s, then capped at 3s; full jitter draws below them.
    for (b, bound) in backoffs.iter().zip([1000, 2000, 3000]) {
        assert!(*b <= bound, "backoff {b}ms over its bound {bound}ms");
    }
    let waited = start.elapsed().as_millis() as u64;
    assert!(
        waited >= backoffs.iter().sum::<u64>(),
        "the engine really waited"
    );
    let started = events
        .iter()
        .filter(|ev| matches!(ev.kind, Some(Kind::TaskStarted(_))))
        .count();
    assert_eq!(started, 4, "every attempt is recorded");
}

#[tokio::test(start_paused = true)]
async fn retry_succeeds_once_the_failure_clears() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        "name: r\ntasks:\n  - {id: a, type: probe, fail_times: 2, retry: {max_attempts: 5}}\n",
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::Succeeded);
    assert_eq!(task(&e, "a").attempts, 3);
}

#[tokio::test(start_paused = true)]
async fn non_retryable_error_is_not_retried() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        "name: r\ntasks:\n  - {id: a, type: probe, fail_times: 3, retryable: false, retry: {max_attempts: 5}}\n",
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert_eq!(probe.calls("a"), 1);
}

#[tokio::test(start_paused = true)]
async fn task_timeout_stops_the_attempt_and_is_retried() {
    let probe = Arc::new(Probe::default());
    let start = tokio::time::Instant::now();
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: t
tasks:
  - {id: slow, type: probe, sleep_ms: 3600000, timeout: 2s, retry: {max_attempts: 2, initial_backoff: 10ms}}
  - {id: after, type: probe, depends_on: [slow]}
"#,
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "slow"), TaskState::TimedOut);
    assert_eq!(task(&e, "slow").attempts, 2);
    assert!(task(&e, "slow").error.contains("timed out after 2s"));
    assert_eq!(state(&e, "after"), TaskState::Cancelled);
    assert_eq!(status(&e), ExecutionState::Failed);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "the hour-long sleep was stopped"
    );
    assert_eq!(
        probe.running.load(Ordering::SeqCst),
        0,
        "no attempt is left running"
    );
}

#[tokio::test(start_paused = true)]
async fn workflow_timeout_cancels_running_tasks() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: wt
timeout: 5s
tasks:
  - {id: quick, type: probe}
  - {id: slow, type: probe, sleep_ms: 3600000, depends_on: [quick]}
  - {id: never, type: probe, depends_on: [slow]}
"#,
        json!({}),
    )
    .await;
    assert_eq!(status(&e), ExecutionState::TimedOut);
    assert!(e.error.contains("workflow timeout of 5s"), "{}", e.error);
    assert_eq!(state(&e, "quick"), TaskState::Succeeded);
    assert_eq!(state(&e, "slow"), TaskState::TimedOut);
    assert_eq!(state(&e, "never"), TaskState::Cancelled);
    assert_eq!(probe.running.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn timeout_kills_shell_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let probe = Arc::new(Probe::default());
    let yaml = format!(
        r#"
name: kill
tasks:
  - id: sh
    type: shell
    program: sh
    args: ["-c", "sleep 300 & echo $! > {}; wait"]
    timeout: 500ms
"#,
        pidfile.display()
    );
    let e = run_yaml(&memory_engine(&probe), &yaml, json!({})).await;
    assert_eq!(state(&e, "sh"), TaskState::TimedOut);
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The grandchild (`sleep 300`) was in the task's process group: it must be gone.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let alive = unsafe { libc::kill(pid, 0) } == 0
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.contains(") Z "));
        if !alive {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "grandchild {pid} survived the timeout"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn cache_hit_skips_plugin_call() {
    let server = CountingServer::start().await;
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let yaml = format!(
        r#"
name: cache
tasks:
  - id: enrich
    type: http
    method: POST
    url: "{}"
    body: {{indicator: "{{{{ input.indicator }}}}"}}
    cacheable: true
"#,
        server.url("/enrich")
    );
    let first = run_yaml(&engine, &yaml, json!({"indicator": "1.2.3.4"})).await;
    let second = run_yaml(&engine, &yaml, json!({"indicator": "1.2.3.4"})).await;
    let other = run_yaml(&engine, &yaml, json!({"indicator": "5.6.7.8"})).await;
    assert!(!task(&first, "enrich").cached);
    assert!(task(&second, "enrich").cached);
    assert_eq!(task(&second, "enrich").attempts, 0);
    assert_eq!(output(&second, "enrich"), output(&first, "enrich"));
    assert!(
        !task(&other, "enrich").cached,
        "a different indicator is a different key"
    );
    assert_eq!(server.count("enrich"), 2);
}

#[tokio::test]
async fn cancellation_records_reason_and_caller() {
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let (spec, _) = spec::load(
        "name: c\ntasks:\n  - {id: a, type: probe, sleep_ms: 3600000}\n  - {id: b, type: probe, depends_on: [a]}\n",
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
    while let Ok(ev) = events.recv().await {
        if matches!(ev.kind, Some(Kind::TaskStarted(_))) {
            break;
        }
    }
    handle.cancel("False positive detected", "analyst@example");
    let e = handle.wait().await.unwrap();
    assert_eq!(status(&e), ExecutionState::Cancelled);
    assert_eq!(e.error, "False positive detected");
    assert_eq!(e.cancelled_by, "analyst@example");
    assert_eq!(state(&e, "a"), TaskState::Cancelled);
    assert_eq!(state(&e, "b"), TaskState::Cancelled);
    assert_eq!(
        probe.running.load(Ordering::SeqCst),
        0,
        "the running attempt was stopped"
    );
    let stored = engine.store().get_execution(&e.id).await.unwrap();
    assert_eq!(stored.error, "False positive detected");
}

#[tokio::test]
async fn max_parallel_bounds_one_execution() {
    let probe = Arc::new(Probe::default());
    let mut yaml = String::from("name: mp\nmax_parallel: 2\ntasks:\n");
    for i in 0..8 {
        yaml.push_str(&format!("  - {{id: t{i}, type: probe, sleep_ms: 20}}\n"));
    }
    let e = run_yaml(&memory_engine(&probe), &yaml, json!({})).await;
    assert_eq!(status(&e), ExecutionState::Completed);
    assert_eq!(probe.max_running.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn worker_pool_bounds_all_executions() {
    let probe = Arc::new(Probe::default());
    let config = EngineConfig {
        workers: 3,
        ..EngineConfig::default()
    };
    let engine = common::engine(Arc::new(MemoryStore::new()), &probe, &config);
    let mut yaml = String::from("name: wp\ntasks:\n");
    for i in 0..6 {
        yaml.push_str(&format!("  - {{id: t{i}, type: probe, sleep_ms: 20}}\n"));
    }
    let (a, b) = tokio::join!(
        run_yaml(&engine, &yaml, json!({})),
        run_yaml(&engine, &yaml, json!({}))
    );
    assert_eq!(status(&a), ExecutionState::Completed);
    assert_eq!(status(&b), ExecutionState::Completed);
    assert_eq!(probe.max_running.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn every_transition_is_an_event_numbered_without_gaps() {
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let e = run_yaml(
        &engine,
        "name: ev\ntasks:\n  - {id: a, type: echo, body: 1}\n  - {id: b, type: echo, depends_on: [a], condition: 'false'}\n",
        json!({}),
    )
    .await;
    let events = engine.store().events(&e.id, 0).await.unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e.kind.as_ref().unwrap() {
            Kind::ExecutionStarted(_) => "started",
            Kind::TaskStarted(_) => "task_started",
            Kind::TaskEnded(_) => "task_ended",
            Kind::ExecutionEnded(_) => "ended",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "task_started",
            "task_ended",
            "task_ended",
            "ended"
        ]
    );
    let tail = engine.store().events(&e.id, 4).await.unwrap();
    assert_eq!(
        tail.len(),
        2,
        "reading from a sequence number skips what came before"
    );
}

#[tokio::test]
async fn oversized_output_fails_the_task() {
    let probe = Arc::new(Probe::default());
    let config = EngineConfig {
        max_output_bytes: 100,
        ..EngineConfig::default()
    };
    let engine = common::engine(Arc::new(MemoryStore::new()), &probe, &config);
    let big = "x".repeat(500);
    let e = run_yaml(
        &engine,
        &format!("name: big\ntasks:\n  - {{id: a, type: echo, body: '{big}'}}\n"),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert!(task(&e, "a").error.contains("MAX_OUTPUT_BYTES"));
}

#[tokio::test]
async fn runaway_template_is_stopped_by_fuel() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        r#"
name: fuel
tasks:
  - id: a
    type: echo
    body: "{{ range(100000) | map('string') | join(',') | length }}"
"#,
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::Failed);
    let err = &task(&e, "a").error;
    assert!(err.starts_with("config: {{ range(100000)"), "{err}");
    assert!(err.ends_with("engine ran out of fuel"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn resume_keeps_completed_outputs_and_reruns_interrupted_tasks() {
    let server = CountingServer::start().await;
    server.hold("b");
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        r#"
name: resume
tasks:
  - {{id: a, type: probe, output: {{v: 41}}}}
  - {{id: b, type: http, url: "{}", depends_on: [a]}}
  - {{id: c, type: echo, depends_on: [b], body: {{from_a: "{{{{ a.v + 1 }}}}", from_b: "{{{{ b.task }}}}"}}}}
"#,
        server.url("/hold/b")
    );
    // First process: `a` has ended and `b` waits on the server when a
    // consistent snapshot of the store is taken: the state a crash at that
    // moment leaves on disk.
    let probe = Arc::new(Probe::default());
    let rocks = Arc::new(
        orchestrator::store::RocksStore::open(dir.path().join("first"), Default::default())
            .unwrap(),
    );
    let engine = common::engine(rocks.clone(), &probe, &EngineConfig::default());
    let (spec, _) = spec::load(&yaml, Format::Yaml, engine.registry(), &Limits::default()).unwrap();
    let wf = store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let handle = engine.start(engine.plan(&wf).unwrap(), RunRequest::default());
    let mut events = handle.events();
    while let Ok(ev) = events.recv().await {
        if let Some(Kind::TaskStarted(s)) = &ev.kind
            && s.task_id == "b"
        {
            break;
        }
    }
    let crashed = dir.path().join("crashed");
    rocks.backup(&crashed).await.unwrap();
    let id = handle.id().to_owned();
    handle.cancel("the first process is gone", "test");
    assert_eq!(probe.calls("a"), 1);

    // Second process: resume from the snapshot, with `b` released.
    server.release("b");
    let probe2 = Arc::new(Probe::default());
    let store: Arc<dyn Store> =
        Arc::new(orchestrator::store::RocksStore::open(&crashed, Default::default()).unwrap());
    let engine = common::engine(store, &probe2, &EngineConfig::default());
    let handles = engine.resume_unfinished().await.unwrap();
    assert_eq!(handles.len(), 1);
    assert_eq!(handles[0].id(), id);
    let e = handles.into_iter().next().unwrap().wait().await.unwrap();
    assert_eq!(status(&e), ExecutionState::Completed);
    assert_eq!(probe2.calls("a"), 0, "a completed task is not run again");
    assert_eq!(output(&e, "a"), json!({"v": 41}));
    assert_eq!(
        task(&e, "b").attempts,
        1,
        "the interrupted attempt runs again as itself, under the same idempotency key"
    );
    assert_eq!(output(&e, "c"), json!({"from_a": 42, "from_b": "b"}));
    assert!(
        engine.resume_unfinished().await.unwrap().is_empty(),
        "nothing left to resume"
    );
}

#[tokio::test]
async fn an_execution_whose_workflow_is_gone_is_marked_failed_and_others_resume() {
    let probe = Arc::new(Probe::default());
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let engine = common::engine(store.clone(), &probe, &EngineConfig::default());
    let (spec, _) = spec::load(
        "name: here\ntasks:\n  - {id: a, type: probe}\n",
        Format::Yaml,
        engine.registry(),
        &Limits::default(),
    )
    .unwrap();
    let wf = store::save_if_changed(store.as_ref(), spec).await.unwrap();
    let running = |id: &str, workflow: &str| {
        Arc::new(orchestrator::proto::Execution {
            id: id.into(),
            workflow: workflow.into(),
            version: wf.version,
            status: ExecutionState::Running as i32,
            started_at: Some(orchestrator::proto::now()),
            ..Default::default()
        })
    };
    store.append(store::Write::Execution(running("gone-1", "gone")));
    store.append(store::Write::Execution(running("here-1", "here")));
    let handles = engine.resume_unfinished().await.unwrap();
    assert_eq!(
        handles
            .iter()
            .map(|h| h.id().to_owned())
            .collect::<Vec<_>>(),
        ["here-1"]
    );
    let done = handles.into_iter().next().unwrap().wait().await.unwrap();
    assert_eq!(status(&done), ExecutionState::Completed);
    let gone = store.get_execution("gone-1").await.unwrap();
    assert_eq!(status(&gone), ExecutionState::Failed);
    assert_eq!(gone.error, "cannot resume: workflow 'gone' not found");
    assert!(store.unfinished_executions().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_panicking_plugin_fails_its_task_not_the_engine() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        "name: p\ntasks:\n  - {id: a, type: probe, panic: true, allow_failure: true}\n  - {id: b, type: probe, depends_on: [a]}\n",
        json!({}),
    )
    .await;
    assert_eq!(status(&e), ExecutionState::Completed);
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert_eq!(
        task(&e, "a").error,
        "plugin 'probe' panicked: probe told to panic"
    );
    assert_eq!(state(&e, "b"), TaskState::Succeeded);
}

#[tokio::test]
async fn cached_result_expires_after_its_ttl() {
    let server = CountingServer::start().await;
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let yaml = format!(
        "name: ttl\ntasks:\n  - {{id: a, type: http, url: \"{}\", cacheable: true, cache_ttl: 30ms}}\n",
        server.url("/ttl")
    );
    let first = run_yaml(&engine, &yaml, json!({})).await;
    let second = run_yaml(&engine, &yaml, json!({})).await;
    assert!(!task(&first, "a").cached);
    assert!(task(&second, "a").cached);
    // Expiry is wall-clock time: let 30 ms pass.
    std::thread::sleep(Duration::from_millis(40));
    let third = run_yaml(&engine, &yaml, json!({})).await;
    assert!(!task(&third, "a").cached, "an expired entry is not used");
    assert_eq!(server.count("ttl"), 2);
}

#[tokio::test]
async fn cached_results_survive_a_restart() {
    let server = CountingServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "name: persist\ntasks:\n  - {{id: a, type: http, url: \"{}\", cacheable: true}}\n",
        server.url("/persist")
    );
    for expect_cached in [false, true] {
        // A new store and engine each time: nothing is left in memory.
        let store: Arc<dyn Store> = Arc::new(
            orchestrator::store::RocksStore::open(dir.path(), Default::default()).unwrap(),
        );
        let probe = Arc::new(Probe::default());
        let e = run_yaml(
            &common::engine(store, &probe, &EngineConfig::default()),
            &yaml,
            json!({}),
        )
        .await;
        assert_eq!(task(&e, "a").cached, expect_cached);
    }
    assert_eq!(server.count("persist"), 1);
}

#[tokio::test]
async fn the_triggering_event_is_visible_as_event() {
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let (spec, _) = spec::load(
        "name: ev\ntasks:\n  - {id: a, type: echo, condition: \"event.severity == 'high'\", body: '{{ event.source }}'}\n",
        Format::Yaml,
        engine.registry(),
        &Limits::default(),
    )
    .unwrap();
    let wf = store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let request = RunRequest {
        event: Some(json!({"severity": "high", "source": "ids"})),
        ..Default::default()
    };
    let e = engine
        .start(engine.plan(&wf).unwrap(), request)
        .wait()
        .await
        .unwrap();
    assert_eq!(output(&e, "a"), json!("ids"));
}

#[tokio::test]
async fn retry_reruns_failed_tasks_and_downstream_keeping_succeeded_outputs() {
    let server = CountingServer::start().await;
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    // `flaky` fails once (non-retryable), then succeeds on the retry.
    let yaml = format!(
        r#"
name: again
tasks:
  - {{id: enrich, type: http, url: "{}"}}
  - {{id: flaky, type: probe, fail_times: 1, retryable: false, depends_on: [enrich]}}
  - {{id: after, type: echo, depends_on: [flaky], body: "{{{{ enrich.n }}}}"}}
  - {{id: side, type: probe, depends_on: [enrich]}}
"#,
        server.url("/enrich")
    );
    let first = run_yaml(&engine, &yaml, json!({})).await;
    assert_eq!(status(&first), ExecutionState::Failed);
    assert_eq!(state(&first, "after"), TaskState::Cancelled);
    let again = engine
        .retry(&first.id, "test")
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(again.id, first.id, "the execution keeps its id");
    assert_eq!(status(&again), ExecutionState::Completed);
    assert_eq!(state(&again, "flaky"), TaskState::Succeeded);
    assert_eq!(
        output(&again, "after"),
        json!(1),
        "downstream reads the kept output"
    );
    assert_eq!(
        server.count("enrich"),
        1,
        "succeeded tasks are not run again"
    );
    assert_eq!(probe.calls("side"), 1);
    assert_eq!(probe.calls("flaky"), 2);
    let events = engine.store().events(&first.id, 0).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=events.len() as u64).collect::<Vec<_>>()
    );
    let err = engine.retry(&first.id, "test").await.err().unwrap();
    assert!(err.to_string().contains("nothing to retry"), "{err}");
}

#[tokio::test]
async fn the_active_table_keeps_ended_runs_for_the_retention() {
    let probe = Arc::new(Probe::default());
    let yaml = "name: t\ntasks:\n  - {id: a, type: echo, body: 1}\n";
    for (retention, kept) in [(Duration::from_secs(3600), true), (Duration::ZERO, false)] {
        let config = EngineConfig {
            active_retention: retention,
            ..EngineConfig::default()
        };
        let engine = common::engine(Arc::new(MemoryStore::new()), &probe, &config);
        let e = run_yaml(&engine, yaml, json!({})).await;
        let table = engine.active_table();
        assert!(engine.active().is_empty(), "nothing runs any more");
        if kept {
            assert_eq!(table.len(), 1);
            assert_eq!(table[0].execution_id, e.id);
            assert_eq!(table[0].status, ExecutionState::Completed as i32);
            assert!(table[0].finished_at.is_some());
        } else {
            assert!(
                table.is_empty(),
                "past the retention the row is gone: {table:?}"
            );
        }
    }
}
