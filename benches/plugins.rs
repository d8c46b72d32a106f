//! Plugin overhead (criterion): each task type run as a one-task workflow
//! through the engine (in-memory store) beside the raw operation it wraps,
//! against real local peers, and sustained `http` tasks/s. Targets from
//! issue 5: the overhead per task over the raw operation, reported.
//!
//! Run: `cargo bench --bench plugins` (figures in README.md).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{plan, run};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use orchestrator::config::Config;
use orchestrator::engine::{Engine, EngineConfig};
use orchestrator::plugins::Registry;
use orchestrator::store::MemoryStore;
use serde_json::{Value, json};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn engine() -> Engine {
    let config = Config {
        shell_allowlist: vec!["true".into()],
        workers: 64,
        ..Default::default()
    };
    Engine::new(
        Arc::new(MemoryStore::new()),
        Arc::new(Registry::builtin(&config)),
        &EngineConfig::from(&config),
    )
}

/// A local HTTP server answering `{"ok": true}`; its address.
async fn http_server() -> String {
    let app = axum::Router::new().route(
        "/ok",
        axum::routing::any(|| async { axum::Json(json!({"ok": true})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr.to_string()
}

/// A tonic health service with reflection; its address.
async fn grpc_server() -> String {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("intel", tonic_health::ServingStatus::Serving)
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(health)
            .add_service(reflection)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
            .await
            .unwrap();
    });
    addr.to_string()
}

fn task(spec: Value) -> Value {
    json!({"name": "bench", "tasks": [spec]})
}

fn http(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = rt.block_on(http_server());
    let engine = engine();
    let url = format!("http://{addr}/ok");
    let p = plan(
        &engine,
        task(json!({"id": "t", "type": "http", "url": url})),
    );
    orchestrator::plugins::install_crypto_provider();
    let client = reqwest::Client::new();
    let mut g = c.benchmark_group("http");
    g.bench_function("task", |b| b.to_async(&rt).iter(|| run(&engine, &p)));
    g.bench_function("raw reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let v: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
            assert_eq!(v["ok"], true);
        })
    });
    // Sustained: 1,000 http tasks in one workflow, 64 at a time.
    let tasks: Vec<Value> = (0..1000)
        .map(|i| json!({"id": format!("t{i}"), "type": "http", "url": url}))
        .collect();
    let wide = plan(
        &engine,
        json!({"name": "wide", "max_parallel": 64, "tasks": tasks}),
    );
    g.throughput(Throughput::Elements(1000));
    g.sample_size(20);
    g.bench_function("1000 tasks, 64 in flight", |b| {
        b.to_async(&rt).iter(|| run(&engine, &wide))
    });
    g.finish();
}

fn processes(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let engine = engine();
    let mut g = c.benchmark_group("process");
    g.sample_size(30);
    let sh = plan(
        &engine,
        task(json!({"id": "t", "type": "shell", "program": "true"})),
    );
    g.bench_function("shell task (true)", |b| {
        b.to_async(&rt).iter(|| run(&engine, &sh))
    });
    g.bench_function("raw spawn (true)", |b| {
        b.to_async(&rt).iter(|| async {
            let s = tokio::process::Command::new("true").status().await.unwrap();
            assert!(s.success());
        })
    });
    g.bench_function("raw spawn (true), output captured", |b| {
        b.to_async(&rt).iter(|| async {
            let o = tokio::process::Command::new("true")
                .process_group(0)
                .output()
                .await
                .unwrap();
            assert!(o.status.success());
        })
    });
    let py = plan(
        &engine,
        task(json!({"id": "t", "type": "python", "script": "result = {'ok': 1}"})),
    );
    g.bench_function("python task", |b| {
        b.to_async(&rt).iter(|| run(&engine, &py))
    });
    g.bench_function("raw python3 -I -c pass", |b| {
        b.to_async(&rt).iter(|| async {
            // The interpreter the task finds: python3 on the clean PATH.
            let s = tokio::process::Command::new("python3")
                .env_clear()
                .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                .args(["-I", "-c", "pass"])
                .status()
                .await
                .unwrap();
            assert!(s.success());
        })
    });
    g.finish();
}

fn grpc(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = rt.block_on(grpc_server());
    let engine = engine();
    let p = plan(
        &engine,
        task(
            json!({"id": "t", "type": "grpc", "target": addr, "method": "grpc.health.v1.Health/Check", "body": {"service": "intel"}}),
        ),
    );
    let channel = rt.block_on(async {
        tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap()
    });
    let mut g = c.benchmark_group("grpc");
    g.bench_function("task", |b| b.to_async(&rt).iter(|| run(&engine, &p)));
    g.bench_function("raw tonic client", |b| {
        b.to_async(&rt).iter(|| async {
            let mut client = tonic_health::pb::health_client::HealthClient::new(channel.clone());
            let r = client
                .check(tonic_health::pb::HealthCheckRequest {
                    service: "intel".into(),
                })
                .await
                .unwrap();
            assert_eq!(r.into_inner().status, 1);
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = http, processes, grpc
}
criterion_main!(benches);
