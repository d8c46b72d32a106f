//! Traces and structured logs of a served process: its spans reach an OTLP
//! receiver (a tonic server on loopback with OpenTelemetry's protos) with
//! the right parent links, the caller's `traceparent` is their root, an
//! `http` task's peer sees the same trace, and `LOG_FORMAT=json` logs
//! carry execution and task ids.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::server::{Server, client, send};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Keeps every span exported to it.
#[derive(Default, Clone)]
struct Receiver(Arc<Mutex<Vec<Span>>>);

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let spans = request
            .into_inner()
            .resource_spans
            .into_iter()
            .flat_map(|r| r.scope_spans)
            .flat_map(|s| s.spans);
        self.0.lock().unwrap().extend(spans);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

impl Receiver {
    /// Serves OTLP/gRPC on a free loopback port; its address.
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = TraceServiceServer::new(self.clone());
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        format!("http://{addr}")
    }

    fn spans(&self) -> Vec<Span> {
        self.0.lock().unwrap().clone()
    }
}

/// A string attribute of a span.
fn attr<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    span.attributes.iter().find(|a| a.key == key).and_then(|a| {
        match a.value.as_ref()?.value.as_ref()? {
            Any::StringValue(s) => Some(s.as_str()),
            _ => None,
        }
    })
}

/// An HTTP peer on loopback that remembers the `traceparent` of each call.
async fn peer() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/enrich",
        axum::routing::get(move |headers: axum::http::HeaderMap| {
            let kept = kept.clone();
            async move {
                if let Some(v) = headers.get("traceparent") {
                    kept.lock().unwrap().push(v.to_str().unwrap().to_owned());
                }
                axum::Json(json!({"risk": 0.9}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/enrich", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread")]
async fn a_diamond_runs_in_its_callers_trace_and_the_peer_joins_it() {
    let receiver = Receiver::default();
    let endpoint = receiver.start().await;
    let (peer_url, peer_saw) = peer().await;
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with_env(
        &dir.path().join("data"),
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let c = client();
    let (status, body) = send(c.post(s.url("/v1/workflows")).json(&json!({
        "name": "diamond", "tasks": [
            {"id": "a", "type": "echo", "body": {}},
            {"id": "b", "type": "http", "url": peer_url, "depends_on": ["a"]},
            {"id": "c", "type": "echo", "body": {}, "depends_on": ["a"]},
            {"id": "d", "type": "echo", "body": {}, "depends_on": ["b", "c"]}]
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, run) = send(
        c.post(s.url("/v1/run"))
            .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
            .json(&json!({"workflow": "diamond"})),
    )
    .await;
    assert_eq!(
        (status, &run["status"]),
        (StatusCode::OK, &json!("completed")),
        "{run}"
    );
    let id = run["workflow_id"].as_str().unwrap().to_owned();

    // Exported in batches: wait for the execution's span and its tasks'.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let spans = loop {
        let spans: Vec<Span> = receiver
            .spans()
            .into_iter()
            .filter(|s| hex::encode(&s.trace_id) == TRACE)
            .collect();
        if spans.iter().filter(|s| s.name == "task").count() == 4
            && spans.iter().any(|s| s.name == "execution")
        {
            break spans;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "spans of trace {TRACE} so far: {:#?}",
            receiver.spans().iter().map(|s| &s.name).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let by_id: HashMap<Vec<u8>, &Span> = spans.iter().map(|s| (s.span_id.clone(), s)).collect();

    // caller → request → execution → each task attempt.
    let request = spans
        .iter()
        .find(|s| attr(s, "path") == Some("/v1/run"))
        .expect("the request's span");
    assert_eq!(hex::encode(&request.parent_span_id), CALLER_SPAN);
    let execution = spans.iter().find(|s| s.name == "execution").unwrap();
    assert_eq!(attr(execution, "execution_id"), Some(id.as_str()));
    assert_eq!(attr(execution, "workflow"), Some("diamond"));
    assert_eq!(attr(execution, "status"), Some("completed"));
    assert_eq!(execution.parent_span_id, request.span_id);
    let mut tasks: Vec<&str> = Vec::new();
    for task in spans.iter().filter(|s| s.name == "task") {
        assert_eq!(task.parent_span_id, execution.span_id, "{task:?}");
        assert_eq!(attr(task, "execution_id"), Some(id.as_str()));
        tasks.push(attr(task, "task_id").unwrap());
    }
    tasks.sort();
    assert_eq!(tasks, ["a", "b", "c", "d"]);
    assert!(by_id.contains_key(&execution.span_id));

    // The peer was called within b's span, in the caller's trace.
    let b = spans
        .iter()
        .find(|s| s.name == "task" && attr(s, "task_id") == Some("b"))
        .unwrap();
    let saw = peer_saw.lock().unwrap().clone();
    assert_eq!(
        saw,
        [format!("00-{TRACE}-{}-01", hex::encode(&b.span_id))],
        "the peer's traceparent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_the_execution_and_task_ids() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("stderr.log");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"));
    command
        .env_remove("ROCKSDB_PATH")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(std::fs::File::create(&log_path).unwrap());
    let s = Server::start_command(command, &dir.path().join("data"), &[]);
    let c = client();
    // A task that fails logs a warning inside its span.
    let (status, body) = send(c.post(s.url("/v1/workflows")).json(&json!({
        "name": "noisy", "tasks": [
            {"id": "call", "type": "http", "url": "http://127.0.0.1:9/closed"}]
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, run) = send(c.post(s.url("/v1/run")).json(&json!({"workflow": "noisy"}))).await;
    let id = run["workflow_id"].as_str().unwrap().to_owned();
    drop(s);

    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["fields"]["message"] == "serving"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["span"]["execution_id"] == id.as_str() && l["span"]["task_id"] == "call"),
        "no line in the task's span:\n{text}"
    );
}
