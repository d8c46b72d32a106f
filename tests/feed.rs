//! The server-wide feed of execution changes: `WatchExecutions` over gRPC
//! and `GET /v1/executions/stream` over SSE, against the real server.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::server::{Server, client};
use futures::StreamExt;
use orchestrator::proto::execution_service_client::ExecutionServiceClient;
use orchestrator::proto::workflow_service_client::WorkflowServiceClient;
use orchestrator::proto::{
    ChangeKind, CreateWorkflowRequest, ExecutionChange, ExecutionState, RunRequest,
    WatchExecutionsRequest, WatchRequest,
};
use tonic::Code;
use tonic::transport::Channel;

/// Three tasks, eight events a run: started, two per task, ended.
const THREE_STEPS: &str = "
name: NAME
tasks:
  - {id: a, type: echo, body: {n: '{{input.n}}'}}
  - {id: nap, type: sleep, duration: 20ms, depends_on: [a]}
  - {id: b, type: echo, body: {done: true}, depends_on: [nap]}
";

async fn define(channel: &Channel, name: &str) {
    WorkflowServiceClient::new(channel.clone())
        .create_workflow(CreateWorkflowRequest {
            definition: THREE_STEPS.replace("NAME", name),
            ..Default::default()
        })
        .await
        .unwrap();
}

async fn start_runs(channel: &Channel, workflow: &str, n: usize) -> Vec<String> {
    let runs = (0..n).map(|i| {
        let mut ex = ExecutionServiceClient::new(channel.clone());
        let workflow = workflow.to_owned();
        async move {
            ex.run(RunRequest {
                workflow,
                parameters: Some(parameters(i)),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .execution
            .unwrap()
            .id
        }
    });
    futures::future::join_all(runs).await
}

fn parameters(i: usize) -> pbjson_types::Struct {
    orchestrator::proto::json_map_to_struct(serde_json::json!({ "n": i }).as_object().unwrap())
}

fn watch_request(workflow: &str, after: &str) -> WatchExecutionsRequest {
    WatchExecutionsRequest {
        workflows: vec![workflow.to_owned()],
        after: after.to_owned(),
        ..Default::default()
    }
}

/// Reads changes until `runs` executions have ended; when `reconnect_after`
/// is set, drops the stream after that many changes and resumes from the
/// last cursor it saw.
async fn subscriber(
    channel: Channel,
    workflow: String,
    runs: usize,
    reconnect_after: Option<usize>,
) -> Vec<ExecutionChange> {
    let mut ex = ExecutionServiceClient::new(channel);
    let mut seen: Vec<ExecutionChange> = Vec::new();
    let mut stream = ex
        .watch_executions(watch_request(&workflow, ""))
        .await
        .unwrap()
        .into_inner();
    let ended = |seen: &[ExecutionChange]| {
        seen.iter()
            .filter(|c| c.kind == ChangeKind::ExecutionEnded as i32)
            .count()
    };
    let mut reconnect = reconnect_after;
    while ended(&seen) < runs {
        if reconnect.is_some_and(|n| seen.len() >= n) {
            reconnect = None;
            drop(stream);
            // Runs go on while this watcher is away.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let last = seen.last().unwrap().cursor.clone();
            stream = ex
                .watch_executions(watch_request(&workflow, &last))
                .await
                .unwrap()
                .into_inner();
        }
        let change = tokio::time::timeout(Duration::from_secs(60), stream.next())
            .await
            .expect("the feed went quiet before every run ended")
            .expect("the feed closed")
            .unwrap();
        seen.push(change);
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_runs_three_watchers_one_reconnecting_each_see_every_change_once_in_order() {
    const RUNS: usize = 200;
    let server = Server::start();
    let channel = server.channel().await;
    define(&channel, "feedy").await;
    // Noise the filter must keep out.
    define(&channel, "other").await;

    let watchers: Vec<_> = [None, None, Some(300)]
        .into_iter()
        .map(|reconnect| tokio::spawn(subscriber(channel.clone(), "feedy".into(), RUNS, reconnect)))
        .collect();
    // Every watcher is positioned once its call has been answered; give
    // the spawned calls that long.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (ids, _) = tokio::join!(
        start_runs(&channel, "feedy", RUNS),
        start_runs(&channel, "other", 20)
    );

    // What the store recorded of each run: the truth every watcher must match.
    let mut ex = ExecutionServiceClient::new(channel.clone());
    let mut history: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for id in &ids {
        let events: Vec<u64> = ex
            .watch(WatchRequest {
                execution_id: id.clone(),
                from_seq: 0,
            })
            .await
            .unwrap()
            .into_inner()
            .map(|e| e.unwrap().seq)
            .collect()
            .await;
        history.insert(id.clone(), events);
    }

    for (w, watcher) in watchers.into_iter().enumerate() {
        let seen = watcher.await.unwrap();
        let mut per_run: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        let mut cursors = std::collections::HashSet::new();
        for c in &seen {
            assert_eq!(
                c.workflow, "feedy",
                "watcher {w}: the filter let {c:?} through"
            );
            assert!(
                cursors.insert(c.cursor.clone()),
                "watcher {w}: {} twice",
                c.cursor
            );
            per_run
                .entry(c.execution_id.clone())
                .or_default()
                .push(c.seq);
        }
        assert_eq!(per_run.len(), RUNS, "watcher {w}: runs seen");
        for (id, seqs) in &per_run {
            assert_eq!(
                Some(seqs),
                history.get(id),
                "watcher {w}: run {id}: changes seen vs the stored history"
            );
        }
        let last_of = |id: &str| seen.iter().rfind(|c| c.execution_id == id).unwrap();
        for id in &ids {
            let end = last_of(id);
            assert_eq!(end.kind, ChangeKind::ExecutionEnded as i32);
            assert_eq!(end.state, ExecutionState::Completed as i32, "{end:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cursors_that_are_bad_or_forgotten_are_refused_and_states_filter() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with_env(&dir.path().join("data"), &[], &[("FEED_BUFFER", "10")]);
    let channel = server.channel().await;
    define(&channel, "small").await;
    let mut ex = ExecutionServiceClient::new(channel.clone());

    let malformed = ex
        .watch_executions(watch_request("small", "not-a-cursor"))
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Code::InvalidArgument, "{malformed:?}");
    assert!(malformed.message().starts_with("after:"), "{malformed:?}");

    let mut live = ex
        .watch_executions(watch_request("small", ""))
        .await
        .unwrap()
        .into_inner();
    start_runs(&channel, "small", 1).await;
    let first = live.next().await.unwrap().unwrap();
    // Two more runs push the first one's changes out of a ring of ten.
    start_runs(&channel, "small", 2).await;
    let mut ended = 0;
    while ended < 3 {
        let c = live.next().await.unwrap().unwrap();
        ended += usize::from(c.kind == ChangeKind::ExecutionEnded as i32);
    }
    let expired = ex
        .watch_executions(watch_request("small", &first.cursor))
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Code::OutOfRange, "{expired:?}");
    assert!(expired.message().contains("list executions"), "{expired:?}");

    // Only the ended changes of failed runs: the completed ones stay out.
    let mut failed_only = ex
        .watch_executions(WatchExecutionsRequest {
            states: vec![ExecutionState::Failed as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    start_runs(&channel, "small", 1).await;
    let failing = start_failing_run(&channel).await;
    let c = tokio::time::timeout(Duration::from_secs(10), failed_only.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(c.execution_id, failing, "{c:?}");
    assert_eq!(c.kind, ChangeKind::ExecutionEnded as i32);
    assert_eq!(c.state, ExecutionState::Failed as i32);
}

/// Starts a run that fails: a call to a closed port.
async fn start_failing_run(channel: &Channel) -> String {
    WorkflowServiceClient::new(channel.clone())
        .create_workflow(CreateWorkflowRequest {
            definition: "name: fails\ntasks:\n  - {id: t, type: http, url: 'http://127.0.0.1:9/x', timeout: 1s}\n"
                .into(),
            ..Default::default()
        })
        .await
        .unwrap();
    start_runs(channel, "fails", 1).await.remove(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_feed_over_sse_carries_cursors_that_last_event_id_resumes_from() {
    let server = Server::start();
    let channel = server.channel().await;
    define(&channel, "sse").await;
    let http = client();

    let bad = http
        .get(server.url("/v1/executions/stream?status=finished"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("status: unknown state"));

    let open = |last: Option<String>| {
        let mut r =
            http.get(server.url("/v1/executions/stream?workflow=sse&status=running,completed"));
        if let Some(id) = last {
            r = r.header("Last-Event-ID", id);
        }
        r.send()
    };
    let response = open(None).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let id = start_runs(&channel, "sse", 1).await.remove(0);
    // Read the first three events, then go away and come back.
    let mut events = sse_events(response);
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.push(events.next().await.unwrap());
    }
    drop(events);
    let last = seen.last().unwrap().0.clone();
    let mut events = sse_events(open(Some(last)).await.unwrap());
    loop {
        let e = events.next().await.unwrap();
        let done = e.1 == "execution_ended";
        seen.push(e);
        if done {
            break;
        }
    }
    let kinds: Vec<&str> = seen.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "execution_started",
            "task_started",
            "task_ended",
            "task_started",
            "task_ended",
            "task_started",
            "task_ended",
            "execution_ended"
        ]
    );
    let seqs: Vec<u64> = seen.iter().map(|e| e.2["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    let end = &seen.last().unwrap().2;
    assert_eq!(end["workflow_id"], id.as_str());
    assert_eq!(end["workflow"], "sse");
    assert_eq!(end["status"], "completed");
    assert_eq!(seen[2].2["task_status"], "succeeded");
}

/// `(id, event name, data)` of each Server-Sent Event of a response.
fn sse_events(
    response: reqwest::Response,
) -> impl futures::Stream<Item = (String, String, serde_json::Value)> + Unpin {
    let lines = futures::stream::unfold(
        (response, String::new()),
        |(mut response, mut buffer)| async move {
            loop {
                if let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    return Some((block, (response, buffer)));
                }
                let chunk = response.chunk().await.ok()??;
                buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        },
    );
    Box::pin(lines.filter_map(|block| async move {
        let field = |name: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
        };
        let data = field("data:")?;
        Some((
            field("id:").unwrap_or_default(),
            field("event:").unwrap_or_default(),
            serde_json::from_str(&data).unwrap(),
        ))
    }))
}
