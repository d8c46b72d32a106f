//! The Rust client (`orchestrator::client`) against the real server: the
//! flow every language's client is tested on.

mod common;

use std::time::Duration;

use common::server::Server;
use futures::StreamExt;
use orchestrator::client::Client;
use orchestrator::proto::execution_event::Kind;
use orchestrator::proto::{ChangeKind, ExecutionState};
use serde_json::{Map, json};
use tonic::Code;

const HELLO: &str = "
name: hello
tasks:
  - {id: greet, type: echo, body: {hi: '{{input.who}}'}}
  - {id: shout, type: echo, body: {loud: '{{greet.hi}}!'}, depends_on: [greet]}
";

#[tokio::test(flavor = "multi_thread")]
async fn define_run_watch_cancel_and_not_found_through_the_rust_client() {
    let server = Server::start();
    let client = Client::connect(&server.grpc, None).await.unwrap();

    let playbook = include_str!("../examples/auto_threat_response.yaml");
    assert_eq!(client.define(playbook).await.unwrap().version, 1);
    assert_eq!(client.define(HELLO).await.unwrap().version, 1);
    // Defining again is a new version, not an error.
    assert_eq!(client.define(HELLO).await.unwrap().version, 2);

    let mut feed = client.watch_executions(&["hello"], "").await.unwrap();
    let input = json!({"who": "world"});
    let run = client
        .run("hello", input.as_object().unwrap())
        .await
        .unwrap();
    let mut events = client.watch(&run.id).await.unwrap();
    let mut kinds = Vec::new();
    while let Some(event) = events.next().await {
        kinds.push(event.unwrap().kind.unwrap());
    }
    assert!(matches!(kinds.first(), Some(Kind::ExecutionStarted(_))));
    let Some(Kind::ExecutionEnded(end)) = kinds.last() else {
        panic!("{kinds:?}")
    };
    assert_eq!(end.status(), ExecutionState::Completed);
    let done = client.get_execution(&run.id).await.unwrap();
    let shout = done.task_results["shout"].output.clone().unwrap();
    assert_eq!(
        orchestrator::proto::pb_to_json(&shout),
        json!({"loud": "world!"})
    );
    let first = feed.next().await.unwrap().unwrap();
    assert_eq!(first.kind(), ChangeKind::ExecutionStarted);
    assert_eq!(first.execution_id, run.id);

    client
        .define("name: slow\ntasks:\n  - {id: nap, type: sleep, duration: 1h}\n")
        .await
        .unwrap();
    let slow = client.run("slow", &Map::new()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    client.cancel(&slow.id, "false positive").await.unwrap();
    let mut ended = client.get_execution(&slow.id).await.unwrap();
    for _ in 0..100 {
        if ended.status() != ExecutionState::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        ended = client.get_execution(&slow.id).await.unwrap();
    }
    assert_eq!(ended.status(), ExecutionState::Cancelled);
    assert!(ended.error.contains("false positive"), "{}", ended.error);

    let missing = client.get_execution("no-such-run").await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
}
