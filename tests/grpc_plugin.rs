//! The `grpc` plugin against real servers: a small tonic service (health)
//! with reflection started here, and the orchestrator's own gRPC API. JSON
//! in, JSON out, field errors named, status codes classified.

mod common;

use std::sync::Arc;

use common::server::Server;
use common::{Probe, memory_engine, output, run_yaml, state, task};
use orchestrator::proto::TaskState;
use serde_json::json;

/// A health service with reflection on a free port, over TLS with
/// `identity` if given; its port.
async fn health_server(identity: Option<tonic::transport::Identity>) -> u16 {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("intel", tonic_health::ServingStatus::Serving)
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = tonic::transport::Server::builder();
    if let Some(identity) = identity {
        server = server
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .unwrap();
    }
    tokio::spawn(async move {
        server
            .add_service(health)
            .add_service(reflection)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
            .await
            .unwrap();
    });
    port
}

fn call(target: &str, method: &str, body: serde_json::Value) -> String {
    format!(
        "name: g\ntasks:\n  - id: call\n    type: grpc\n    target: \"{target}\"\n    method: {method}\n    body: {body}\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tonic_service_is_called_through_its_reflection() {
    let target = format!("127.0.0.1:{}", health_server(None).await);
    let engine = memory_engine(&Arc::new(Probe::default()));
    let e = run_yaml(
        &engine,
        &call(
            &target,
            "grpc.health.v1.Health/Check",
            json!({"service": "intel"}),
        ),
        json!({}),
    )
    .await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "{}",
        task(&e, "call").error
    );
    assert_eq!(output(&e, "call"), json!({"status": "SERVING"}));

    let e = run_yaml(
        &engine,
        &call(
            &target,
            "grpc.health.v1.Health/Check",
            json!({"service": "nope"}),
        ),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert!(
        task(&e, "call").error.starts_with("NotFound"),
        "{}",
        task(&e, "call").error
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_orchestrators_own_api_with_field_errors_named() {
    let s = Server::start();
    let c = reqwest::Client::new();
    let wf = json!({"name": "w", "tasks": [{"id": "a", "type": "echo"}]});
    c.post(s.url("/v1/workflows"))
        .json(&wf)
        .send()
        .await
        .unwrap();
    let engine = memory_engine(&Arc::new(Probe::default()));

    let e = run_yaml(
        &engine,
        &call(
            &s.grpc,
            "orchestrator.v1.WorkflowService/GetWorkflow",
            json!({"name": "w"}),
        ),
        json!({}),
    )
    .await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "{}",
        task(&e, "call").error
    );
    assert_eq!(output(&e, "call")["spec"]["name"], "w");
    assert_eq!(output(&e, "call")["version"], 1);

    let refused = [
        (json!({"nmae": "w"}), "body: unrecognized field name 'nmae'"),
        (json!({"name": "w", "version": "latest"}), "body: version: "),
    ];
    for (body, want) in refused {
        let e = run_yaml(
            &engine,
            &call(
                &s.grpc,
                "orchestrator.v1.WorkflowService/GetWorkflow",
                body.clone(),
            ),
            json!({}),
        )
        .await;
        assert_eq!(state(&e, "call"), TaskState::Failed);
        assert!(
            task(&e, "call").error.starts_with(want),
            "{body}: {}",
            task(&e, "call").error
        );
    }
    // The same call with the descriptors from a file instead of reflection.
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("orchestrator.pb");
    std::fs::write(&set, orchestrator::proto::FILE_DESCRIPTOR_SET).unwrap();
    let from_file = format!(
        "{}    descriptor_set: {}\n    metadata: {{x-request-id: abc}}\n",
        call(
            &s.grpc,
            "orchestrator.v1.WorkflowService/GetWorkflow",
            json!({"name": "w"})
        ),
        set.display()
    );
    let e = run_yaml(&engine, &from_file, json!({})).await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "{}",
        task(&e, "call").error
    );
    assert_eq!(output(&e, "call")["spec"]["name"], "w");
    let e = run_yaml(
        &engine,
        &call(
            &s.grpc,
            "orchestrator.v1.WorkflowService/Teleport",
            json!({}),
        ),
        json!({}),
    )
    .await;
    assert!(
        task(&e, "call").error.contains("has no method 'Teleport'"),
        "{}",
        task(&e, "call").error
    );
    let e = run_yaml(
        &engine,
        &call(
            &s.grpc,
            "orchestrator.v1.WorkflowService/GetWorkflow",
            json!({"name": "nobody"}),
        ),
        json!({}),
    )
    .await;
    assert!(
        task(&e, "call")
            .error
            .starts_with("NotFound: workflow 'nobody' not found"),
        "{}",
        task(&e, "call").error
    );
    assert_eq!(task(&e, "call").attempts, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_target_is_retryable() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = free.local_addr().unwrap().to_string();
    drop(free);
    let engine = memory_engine(&Arc::new(Probe::default()));
    let yaml = format!(
        "name: g\ntasks:\n  - id: call\n    type: grpc\n    target: \"{target}\"\n    method: grpc.health.v1.Health/Check\n    retry: {{max_attempts: 2, initial_backoff: 1ms}}\n"
    );
    let e = run_yaml(&engine, &yaml, json!({})).await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert_eq!(task(&e, "call").attempts, 2, "{}", task(&e, "call").error);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tls_target_is_verified_against_the_given_ca() {
    let ca = common::tls::test_ca();
    let identity = tonic::transport::Identity::from_pem(ca.cert.pem(), ca.key.serialize_pem());
    let port = health_server(Some(identity)).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    let engine = memory_engine(&Arc::new(Probe::default()));
    let target = format!("https://127.0.0.1:{port}");
    let with_ca = format!(
        "{}    ca_file: {}\n",
        call(
            &target,
            "grpc.health.v1.Health/Check",
            json!({"service": "intel"})
        ),
        ca_file.display()
    );
    let e = run_yaml(&engine, &with_ca, json!({})).await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "{}",
        task(&e, "call").error
    );
    assert_eq!(output(&e, "call"), json!({"status": "SERVING"}));

    let without = call(
        &target,
        "grpc.health.v1.Health/Check",
        json!({"service": "intel"}),
    );
    let e = run_yaml(&engine, &without, json!({})).await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_targets_leave_the_connection_cache_bounded() {
    use orchestrator::engine::{Engine, EngineConfig, RunRequest};
    use orchestrator::plugins::{GrpcPlugin, MAX_CACHED_TARGETS, Registry};
    use orchestrator::spec::{self, Format, Limits};
    use orchestrator::store::{self, MemoryStore};

    let plugin = Arc::new(GrpcPlugin::new());
    let mut registry = Registry::new();
    registry.register(plugin.clone());
    let engine = Engine::new(
        Arc::new(MemoryStore::new()),
        Arc::new(registry),
        &EngineConfig::default(),
    );
    // A templated target: every run names another one (nothing listens
    // there; each call fails fast).
    let yaml = "name: many\ntasks:\n  - {id: call, type: grpc, target: \"127.0.0.1:{{ input.port }}\", method: grpc.health.v1.Health/Check, body: {}, timeout: 2s, allow_failure: true}\n";
    let (spec, _) = spec::load(yaml, Format::Yaml, engine.registry(), &Limits::default()).unwrap();
    let wf = store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let plan = engine.plan(&wf).unwrap();
    for port in 41_000..42_000u32 {
        let input = serde_json::Map::from_iter([("port".to_owned(), json!(port))]);
        let handle = engine.start(
            plan.clone(),
            RunRequest {
                input: orchestrator::proto::json_map_to_struct(&input),
                ..Default::default()
            },
        );
        handle.wait().await.unwrap();
    }
    let (channels, pools) = plugin.cached();
    assert_eq!(channels, MAX_CACHED_TARGETS, "connections are an LRU");
    assert!(pools <= MAX_CACHED_TARGETS);
}
