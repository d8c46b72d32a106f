//! The server survives kill -9: 200 accepted runs, a SIGKILL mid-way, a
//! restart on the same data directory. Every accepted run reaches a final
//! state, none is lost, and no task that had succeeded before the kill is
//! called again.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::CountingServer;
use common::server::Server;
use orchestrator::proto::execution_service_client::ExecutionServiceClient;
use orchestrator::proto::workflow_service_client::WorkflowServiceClient;
use orchestrator::proto::{
    self, CreateWorkflowRequest, ExecutionState, GetExecutionRequest, RunRequest, TaskState,
};
use orchestrator::spec::{Format, Limits};
use orchestrator::store::{RocksStore, Store};
use serde_json::json;

const RUNS: usize = 200;

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_mid_way_loses_no_run_and_repeats_no_succeeded_task() {
    let peer = CountingServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let yaml = format!(
        r#"
name: crashy
tasks:
  - {{id: first, type: http, method: POST, url: "{0}/{{{{ input.n }}}}/first"}}
  - {{id: pause, type: sleep, duration: 20ms, depends_on: [first]}}
  - {{id: last, type: http, method: POST, url: "{0}/{{{{ input.n }}}}/last", depends_on: [pause]}}
"#,
        peer.url("/c")
    );
    let registry = orchestrator::plugins::Registry::builtin(&Default::default());
    let spec = orchestrator::spec::load(&yaml, Format::Yaml, &registry, &Limits::default())
        .unwrap()
        .0;

    let server = Server::start_at(&data, &[]);
    let ch = server.channel().await;
    WorkflowServiceClient::new(ch.clone())
        .create_workflow(CreateWorkflowRequest {
            spec: Some(spec),
            ..Default::default()
        })
        .await
        .unwrap();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(RUNS);
    for n in 0..RUNS {
        let mut ex = ExecutionServiceClient::new(ch.clone());
        let params = json!({"n": n});
        let e = ex
            .run(RunRequest {
                workflow: "crashy".into(),
                parameters: params.as_object().map(proto::json_map_to_struct),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .execution
            .unwrap();
        ids.push(e.id);
    }
    // Kill once some runs have finished, with most still in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    let finished = |peer: &CountingServer| {
        (0..RUNS)
            .filter(|n| peer.count(&format!("c/{n}/last")) > 0)
            .count()
    };
    while finished(&peer) < 20 {
        assert!(Instant::now() < deadline, "runs make no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let done_at_kill = finished(&peer);

    // What the store held as succeeded at the kill.
    let succeeded: HashMap<String, Vec<String>> = {
        let store = RocksStore::open(&data, Default::default()).unwrap();
        let mut m = HashMap::new();
        for id in &ids {
            let e = store
                .get_execution(id)
                .await
                .expect("every accepted run is in the store");
            let ok: Vec<String> = e
                .task_results
                .values()
                .filter(|r| r.status == TaskState::Succeeded as i32)
                .map(|r| r.task_id.clone())
                .collect();
            m.insert(id.clone(), ok);
        }
        m
    };

    let server = Server::start_at(&data, &[]);
    let mut ex = ExecutionServiceClient::new(server.channel().await);
    let deadline = Instant::now() + Duration::from_secs(120);
    for id in &ids {
        loop {
            let e = ex
                .get_execution(GetExecutionRequest {
                    execution_id: id.clone(),
                })
                .await
                .unwrap()
                .into_inner();
            if e.status == ExecutionState::Completed as i32 {
                break;
            }
            assert_ne!(e.status, ExecutionState::Failed as i32, "{e:?}");
            assert!(
                Instant::now() < deadline,
                "{id} never completed after the restart"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    for (n, id) in ids.iter().enumerate() {
        for task in &succeeded[id] {
            if task == "pause" {
                continue;
            }
            assert_eq!(
                peer.count(&format!("c/{n}/{task}")),
                1,
                "{id}: '{task}' had succeeded before the kill and ran again"
            );
        }
        assert!(peer.count(&format!("c/{n}/last")) >= 1);
    }
    let before: usize = succeeded.values().filter(|t| t.len() == 3).count();
    eprintln!(
        "crash test: {RUNS} runs accepted; {done_at_kill} had called their last task and {before} were durably complete at the kill; \
         all {RUNS} completed after the restart ({:.1} s in all)",
        started.elapsed().as_secs_f64()
    );
}
