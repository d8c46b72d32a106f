//! Secrets through a real engine and a real HTTP server on loopback: a
//! secret limited to hosts is sent only there, and no secret's value
//! reaches a task's stored record, its events or the audit trail.

mod common;

use std::sync::Arc;

use common::{CountingServer, output, run_yaml, state, task};
use orchestrator::engine::Engine;
use orchestrator::proto::TaskState;
use serde_json::json;

fn engine_with_secrets(text: &str) -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secrets.json");
    std::fs::write(&file, text).unwrap();
    let config = orchestrator::config::Config {
        secrets_file: Some(file),
        ..Default::default()
    };
    let engine = Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(orchestrator::plugins::Registry::builtin(&config)),
        &Default::default(),
    );
    (engine, dir)
}

fn bearer_call(url: &str, secret: &str) -> String {
    format!(
        "name: h\ntasks:\n  - id: call\n    type: http\n    url: \"{url}\"\n    auth: {{type: bearer, secret: {secret}}}\n"
    )
}

#[tokio::test]
async fn a_secret_limited_to_hosts_is_sent_only_there() {
    let server = CountingServer::start().await;
    let (engine, _dir) = engine_with_secrets(
        r#"{"LOCAL": {"value": "l0cal-t0k3n", "hosts": ["127.0.0.1"]},
            "INTEL": {"value": "1ntel-t0k3n", "hosts": ["intel.example"]}}"#,
    );
    let e = run_yaml(
        &engine,
        &bearer_call(&server.url("/here"), "LOCAL"),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "call"), TaskState::Succeeded);
    assert_eq!(output(&e, "call")["authorization"], "Bearer ***");

    let e = run_yaml(
        &engine,
        &bearer_call(&server.url("/there"), "INTEL"),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert_eq!(
        task(&e, "call").error,
        "secret 'INTEL' may not be sent to host '127.0.0.1' (its hosts: intel.example)"
    );
    assert_eq!(server.count("there"), 0, "no request carried it");
}

#[tokio::test]
async fn no_secret_value_reaches_records_events_or_the_audit_trail() {
    let server = CountingServer::start().await;
    let (engine, _dir) = engine_with_secrets(r#"{"TOKEN": "s3cr3t-t0k3n-value"}"#);
    // The server echoes the header; a later task reads the first's output.
    let yaml = format!(
        "name: leak\ntasks:\n  - id: call\n    type: http\n    url: \"{}\"\n    auth: {{type: bearer, secret: TOKEN}}\n  - id: copy\n    type: echo\n    depends_on: [call]\n    body: {{seen: \"{{{{ call.authorization }}}}\"}}\n",
        server.url("/echo")
    );
    let e = run_yaml(&engine, &yaml, json!({})).await;
    assert_eq!(output(&e, "copy"), json!({"seen": "Bearer ***"}));
    let store = engine.store();
    let mut seen = format!("{:?}", store.get_execution(&e.id).await.unwrap());
    for ev in store.events(&e.id, 0).await.unwrap() {
        seen.push_str(&format!("{ev:?}"));
    }
    seen.push_str(&format!("{:?}", store.audit_trail(100).await.unwrap()));
    assert!(!seen.contains("s3cr3t-t0k3n-value"), "{seen}");
}
