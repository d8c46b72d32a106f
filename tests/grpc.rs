//! The gRPC API end to end: the real `orchestrator serve` process on a free
//! port with a temporary data directory, driven by the generated clients.

mod common;

use std::time::Duration;

use common::server::Server;

use orchestrator::proto::admin_service_client::AdminServiceClient;
use orchestrator::proto::execution_service_client::ExecutionServiceClient;
use orchestrator::proto::workflow_service_client::WorkflowServiceClient;
use orchestrator::proto::{
    self, CancelRequest, CreateWorkflowRequest, ExecutionState, GetExecutionRequest,
    GetWorkflowRequest, ListActiveRequest, ListExecutionsRequest, ListWorkflowVersionsRequest,
    ListWorkflowsRequest, RunRequest, StatsRequest, TaskState, UpdateWorkflowRequest,
    ValidateWorkflowRequest, WatchExecutionsRequest, WatchRequest, WorkflowName, WorkflowSpec,
    execution_event::Kind,
};
use orchestrator::spec::{Format, Limits};
use serde_json::json;
use tonic::Code;
use tonic::transport::Channel;

fn start() -> Server {
    Server::start()
}

fn start_at(data: &std::path::Path, extra: &[&str]) -> Server {
    Server::start_at(data, extra)
}

/// Polls an execution until it reaches `state` (10 s at most).
async fn until_status(
    ex: &mut ExecutionServiceClient<Channel>,
    id: &str,
    state: ExecutionState,
) -> proto::Execution {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let e = ex
            .get_execution(GetExecutionRequest {
                execution_id: id.to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        if e.status == state as i32 {
            return e;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never {state:?}: {e:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A spec from YAML, through the same loader the CLI uses.
fn spec(yaml: &str) -> WorkflowSpec {
    let registry = orchestrator::plugins::Registry::builtin(&Default::default());
    orchestrator::spec::load(yaml, Format::Yaml, &registry, &Limits::default())
        .unwrap()
        .0
}

fn params(v: serde_json::Value) -> Option<pbjson_types::Struct> {
    v.as_object().map(proto::json_map_to_struct)
}

#[tokio::test(flavor = "multi_thread")]
async fn workflows_are_created_versioned_archived_and_purged() {
    let s = start();
    let mut wf = WorkflowServiceClient::new(s.channel().await);
    let v1 = spec("name: w\ntasks:\n  - {id: a, type: echo, body: 1}\n");
    let created = wf
        .create_workflow(CreateWorkflowRequest {
            spec: Some(v1.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.version, 1);
    let again = wf
        .create_workflow(CreateWorkflowRequest {
            spec: Some(v1),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);

    let v2 = spec("name: w\ntasks:\n  - {id: a, type: echo, body: 2}\n");
    assert_eq!(
        wf.update_workflow(UpdateWorkflowRequest {
            spec: Some(v2),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .version,
        2
    );
    let got = wf
        .get_workflow(GetWorkflowRequest {
            name: "w".into(),
            version: 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.version, 1);
    let versions = wf
        .list_workflow_versions(ListWorkflowVersionsRequest { name: "w".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(versions.workflows.len(), 2);

    wf.archive_workflow(WorkflowName { name: "w".into() })
        .await
        .unwrap();
    let listed = wf
        .list_workflows(ListWorkflowsRequest {
            include_archived: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(listed.workflows.is_empty());
    let mut ex = ExecutionServiceClient::new(s.channel().await);
    let archived = ex
        .run(RunRequest {
            workflow: "w".into(),
            wait: true,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(archived.code(), Code::FailedPrecondition);
    wf.restore_workflow(WorkflowName { name: "w".into() })
        .await
        .unwrap();
    let purged = wf
        .purge_workflow(WorkflowName { name: "w".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(purged.versions_removed, 2);
    let gone = wf
        .get_workflow(GetWorkflowRequest {
            name: "w".into(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_definitions_are_refused_with_every_problem_and_nothing_is_stored() {
    let s = start();
    let mut wf = WorkflowServiceClient::new(s.channel().await);
    let mut bad = spec("name: bad\ntasks:\n  - {id: a, type: echo}\n  - {id: b, type: echo}\n");
    bad.tasks[0].depends_on = vec!["zz".into()];
    bad.tasks[1].r#type = "teleport".into();
    let err = wf
        .create_workflow(CreateWorkflowRequest {
            spec: Some(bad.clone()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message()
            .contains("task 'a': depends_on: unknown task 'zz'"),
        "{}",
        err.message()
    );
    assert!(
        err.message()
            .contains("task 'b': type: unknown task type 'teleport'"),
        "{}",
        err.message()
    );
    let gone = wf
        .get_workflow(GetWorkflowRequest {
            name: "bad".into(),
            version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    let check = wf
        .validate_workflow(ValidateWorkflowRequest {
            spec: Some(bad),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!check.valid);
    assert_eq!(check.problems.len(), 2);
    assert_eq!(check.problems[0].task_id, "a");
    assert_eq!(check.problems[0].field, "depends_on");
    let missing = wf
        .create_workflow(CreateWorkflowRequest {
            spec: None,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread")]
async fn run_waits_for_the_result_or_returns_at_once() {
    let s = start();
    let ch = s.channel().await;
    let mut wf = WorkflowServiceClient::new(ch.clone());
    let mut ex = ExecutionServiceClient::new(ch);
    wf.create_workflow(CreateWorkflowRequest {
        spec: Some(spec(
            "name: r\ntasks:\n  - {id: a, type: echo, body: {ip: '{{ input.indicator }}'}}\n  - {id: b, type: sleep, duration: 50ms, depends_on: [a]}\n",
        )),
        ..Default::default()
    })
    .await
    .unwrap();
    let done = ex
        .run(RunRequest {
            workflow: "r".into(),
            parameters: params(json!({"indicator": "192.168.1.100"})),
            wait: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .execution
        .unwrap();
    assert_eq!(done.status, ExecutionState::Completed as i32);
    let a = &done.task_results["a"];
    assert_eq!(
        proto::pb_to_json(a.output.as_ref().unwrap()),
        json!({"ip": "192.168.1.100"})
    );

    let started = ex
        .run(RunRequest {
            workflow: "r".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .execution
        .unwrap();
    assert_eq!(started.status, ExecutionState::Running as i32);
    assert!(started.id.starts_with("r-"));
    // The accepted run is durable and visible at once; poll until it ends.
    until_status(&mut ex, &started.id, ExecutionState::Completed).await;
    let unknown = ex
        .run(RunRequest {
            workflow: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    let missing = ex
        .get_execution(GetExecutionRequest {
            execution_id: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);

    // Paging: newest first, two per page.
    ex.run(RunRequest {
        workflow: "r".into(),
        wait: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let page1 = ex
        .list_executions(ListExecutionsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page1.executions.len(), 2);
    assert!(!page1.next_page_token.is_empty());
    // A run started between pages does not shift the next page.
    ex.run(RunRequest {
        workflow: "r".into(),
        wait: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let page2 = ex
        .list_executions(ListExecutionsRequest {
            page_size: 2,
            page_token: page1.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page2.executions.len(), 1);
    assert!(page2.next_page_token.is_empty());
    assert!(
        page1
            .executions
            .iter()
            .all(|e| e.id != page2.executions[0].id)
    );
    let bad = ex
        .list_executions(ListExecutionsRequest {
            page_token: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_delivers_every_event_once_live_and_after_the_end() {
    let s = start();
    let ch = s.channel().await;
    let mut wf = WorkflowServiceClient::new(ch.clone());
    let mut ex = ExecutionServiceClient::new(ch);
    wf.create_workflow(CreateWorkflowRequest {
        spec: Some(spec("name: wt\ntasks:\n  - {id: a, type: sleep, duration: 100ms}\n  - {id: b, type: echo, body: 1, depends_on: [a]}\n")),
        ..Default::default()
    })
    .await
    .unwrap();
    let id = ex
        .run(RunRequest {
            workflow: "wt".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .execution
        .unwrap()
        .id;
    let collect = |mut stream: tonic::Streaming<proto::ExecutionEvent>| async move {
        let mut seqs = Vec::new();
        let mut ended = false;
        while let Some(ev) = stream.message().await.unwrap() {
            ended |= matches!(ev.kind, Some(Kind::ExecutionEnded(_)));
            seqs.push(ev.seq);
        }
        (seqs, ended)
    };
    let live = ex
        .watch(WatchRequest {
            execution_id: id.clone(),
            from_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let (seqs, ended) = collect(live).await;
    assert!(ended, "the stream closes after the end");
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "every event once, in order"
    );
    let after = ex
        .watch(WatchRequest {
            execution_id: id.clone(),
            from_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        collect(after).await.0,
        seqs,
        "a late watcher gets the whole history"
    );
    let resumed = ex
        .watch(WatchRequest {
            execution_id: id.clone(),
            from_seq: 3,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        collect(resumed).await.0,
        seqs[2..].to_vec(),
        "reconnecting from a seq misses nothing"
    );

    let stream = ex
        .run_stream(RunRequest {
            workflow: "wt".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let (seqs, ended) = collect(stream).await;
    assert!(ended);
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let missing = ex
        .watch(WatchRequest {
            execution_id: "nope".into(),
            from_seq: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn active_executions_are_listed_and_cancelled_with_a_reason() {
    let s = start();
    let ch = s.channel().await;
    let mut wf = WorkflowServiceClient::new(ch.clone());
    let mut ex = ExecutionServiceClient::new(ch);
    wf.create_workflow(CreateWorkflowRequest {
        spec: Some(spec(
            "name: long\ntasks:\n  - {id: wait, type: sleep, duration: 1h}\n",
        )),
        ..Default::default()
    })
    .await
    .unwrap();
    let id = ex
        .run(RunRequest {
            workflow: "long".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .execution
        .unwrap()
        .id;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let active = ex
            .list_active(ListActiveRequest {})
            .await
            .unwrap()
            .into_inner()
            .executions;
        if active
            .iter()
            .any(|a| a.execution_id == id && a.running_tasks == ["wait"])
        {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{active:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ex.cancel(CancelRequest {
        execution_id: id.clone(),
        reason: "False positive detected".into(),
    })
    .await
    .unwrap();
    let e = ex.run(RunRequest::default()).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let done = until_status(&mut ex, &id, ExecutionState::Cancelled).await;
    assert_eq!(done.error, "False positive detected");
    assert_eq!(done.cancelled_by, "grpc");
    assert_eq!(
        done.task_results["wait"].status,
        TaskState::Cancelled as i32
    );
    let again = ex
        .cancel(CancelRequest {
            execution_id: id,
            reason: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn health_reports_serving_and_stats_count_keys() {
    let s = start();
    let ch = s.channel().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(ch.clone());
    for service in ["", "orchestrator.v1.ExecutionService"] {
        let r = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            r.status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );
    }
    let stats = AdminServiceClient::new(ch)
        .stats(StatsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.properties["backend"], "rocksdb");
    assert!(stats.properties.contains_key("rocksdb.estimate-num-keys"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_cancels_what_outlives_the_grace_period_and_a_restart_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut s = start_at(&data, &["--grace", "200ms"]);
    let ch = s.channel().await;
    let mut wf = WorkflowServiceClient::new(ch.clone());
    let mut ex = ExecutionServiceClient::new(ch);
    wf.create_workflow(CreateWorkflowRequest {
        spec: Some(spec(
            "name: long\ntasks:\n  - {id: wait, type: sleep, duration: 1h}\n",
        )),
        ..Default::default()
    })
    .await
    .unwrap();
    let id = ex
        .run(RunRequest {
            workflow: "long".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .execution
        .unwrap()
        .id;
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let status = tokio::task::spawn_blocking(move || s.child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let store = orchestrator::store::RocksStore::open(&data, Default::default()).unwrap();
    use orchestrator::store::Store;
    let e = store.get_execution(&id).await.unwrap();
    assert_eq!(e.status, ExecutionState::Cancelled as i32);
    assert_eq!(e.error, "shutdown");
    assert!(store.unfinished_executions().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_ends_open_streams_and_answers_waiting_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start_at(&dir.path().join("data"), &["--grace", "200ms"]);
    let ch = s.channel().await;
    let mut wf = WorkflowServiceClient::new(ch.clone());
    let mut ex = ExecutionServiceClient::new(ch);
    wf.create_workflow(CreateWorkflowRequest {
        spec: Some(spec(
            "name: long\ntasks:\n  - {id: wait, type: sleep, duration: 1h}\n",
        )),
        ..Default::default()
    })
    .await
    .unwrap();
    let run = |wait: bool| RunRequest {
        workflow: "long".into(),
        wait,
        ..Default::default()
    };
    let id = ex
        .run(run(false))
        .await
        .unwrap()
        .into_inner()
        .execution
        .unwrap()
        .id;
    // A watcher of that run, a dashboard on the whole feed, and a caller
    // waiting on a run that would take an hour: none may hold shutdown.
    let mut events = ex
        .watch(WatchRequest {
            execution_id: id.clone(),
            from_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let mut feed = ex
        .watch_executions(WatchExecutionsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut waiting = ex.clone();
    let waited = tokio::spawn(async move { waiting.run(run(true)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;

    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let exited = tokio::task::spawn_blocking(move || s.child.wait().unwrap());
    // A hang detector, not a timing check: before the fix this never ended.
    let status = tokio::time::timeout(Duration::from_secs(60), exited)
        .await
        .expect("the server did not stop with streams open")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    while let Some(e) = events.message().await.transpose() {
        if e.is_err() {
            break;
        }
    }
    while let Some(c) = feed.message().await.transpose() {
        if c.is_err() {
            break;
        }
    }
    let answer = waited.await.unwrap().expect("the waiting run was answered");
    let e = answer.into_inner().execution.unwrap();
    assert_eq!(
        (e.status, e.error.as_str()),
        (ExecutionState::Cancelled as i32, "shutdown")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_simultaneous_runs_all_complete() {
    let s = start();
    let ch = s.channel().await;
    WorkflowServiceClient::new(ch.clone())
        .create_workflow(CreateWorkflowRequest {
            spec: Some(spec(
                &std::fs::read_to_string("examples/diamond.yaml").unwrap(),
            )),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let mut ex = ExecutionServiceClient::new(ch.clone());
        runs.spawn(async move {
            ex.run(RunRequest {
                workflow: "diamond".into(),
                wait: true,
                ..Default::default()
            })
            .await
            .map(|r| r.into_inner().execution.unwrap().status)
        });
    }
    let mut completed = 0;
    while let Some(r) = runs.join_next().await {
        assert_eq!(r.unwrap().unwrap(), ExecutionState::Completed as i32);
        completed += 1;
    }
    assert_eq!(completed, 1000);
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.child.id())).unwrap();
    let rss_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap();
    eprintln!(
        "1,000 simultaneous runs: server peak RSS {} MiB",
        rss_kib / 1024
    );
    // Generous: a debug build; the point is that nothing grows per run held.
    assert!(rss_kib < 512 * 1024, "server peak RSS {rss_kib} KiB");
}
