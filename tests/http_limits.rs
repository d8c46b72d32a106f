//! The `http` plugin's limit of requests in flight per host
//! (`HTTP_MAX_CONNS_PER_HOST`, a task's `max_conns_per_host`), against a
//! real server on 127.0.0.1 that holds each request until the test lets
//! it through and counts how many are in flight at once.

mod common;

use std::sync::Arc;

use common::{CountingServer, eventually, run_yaml, state, task};
use orchestrator::config::Config;
use orchestrator::engine::{Engine, EngineConfig};
use orchestrator::plugins::Registry;
use orchestrator::proto::TaskState;
use serde_json::json;

/// Runs `tasks` independent http tasks (each with `extra` in its config) to
/// one server whose limit per host is `server_limit`, on an engine with
/// workers for all of them at once. The test lets the requests through one
/// at a time, each only once the next ones had every chance to pile in.
/// Returns the most requests the server saw in flight at once.
async fn fan_out(server_limit: usize, tasks: usize, extra: &str, expected: usize) -> usize {
    let server = CountingServer::start().await;
    let config = Config {
        http_max_conns_per_host: server_limit,
        workers: tasks + 8,
        ..Default::default()
    };
    let engine = Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(Registry::builtin(&config)),
        &EngineConfig::from(&config),
    );
    let mut yaml = String::from("name: fan\ntasks:\n");
    for i in 0..tasks {
        yaml.push_str(&format!(
            "  - {{id: t{i}, type: http, url: \"{}\"{extra}}}\n",
            server.url(&format!("/gate/t{i}"))
        ));
    }
    let run = tokio::spawn(async move { run_yaml(&engine, &yaml, json!({})).await });
    for ended in 0..tasks {
        let waiting = expected.min(tasks - ended);
        eventually(&format!("{waiting} requests in flight"), || {
            server.ended() == ended && server.in_flight() >= waiting
        })
        .await;
        assert!(
            server.in_flight() <= expected,
            "{} requests in flight; the limit is {expected}",
            server.in_flight()
        );
        server.let_through(1);
    }
    let e = run.await.unwrap();
    for i in 0..tasks {
        let id = format!("t{i}");
        assert_eq!(
            state(&e, &id),
            TaskState::Succeeded,
            "{id}: {}",
            task(&e, &id).error
        );
    }
    server.max_in_flight()
}

#[tokio::test]
async fn http_requests_in_flight_to_one_host_never_exceed_the_server_limit() {
    assert_eq!(fan_out(4, 50, "", 4).await, 4);
}

#[tokio::test]
async fn http_task_may_lower_the_per_host_limit() {
    assert_eq!(fan_out(4, 12, ", max_conns_per_host: 2", 2).await, 2);
}

#[tokio::test]
async fn http_task_cannot_raise_the_per_host_limit() {
    assert_eq!(fan_out(4, 12, ", max_conns_per_host: 100", 4).await, 4);
}
