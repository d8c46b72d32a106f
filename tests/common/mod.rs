//! Shared test peers: a real HTTP server on 127.0.0.1 that counts calls,
//! a probe plugin that records how the engine calls it, and helpers to run
//! YAML workflows through a real engine.
#![allow(dead_code)]

pub mod auth;
pub mod broker;
pub mod cli;
pub mod faulty;
pub mod fuzz;
pub mod ort;
pub mod pg;
pub mod proxy;
pub mod server;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::any;
use serde_json::{Map, Value, json};

use orchestrator::engine::{Engine, EngineConfig, RunRequest};
use orchestrator::plugins::{
    ConfigProblem, Registry, TaskContext, TaskError, TaskOutput, TaskPlugin,
};
use orchestrator::proto::{Execution, TaskResult, TaskState};
use orchestrator::spec::{self, Format, Limits};
use orchestrator::store::{self, MemoryStore, Store};

/// A real HTTP server on 127.0.0.1 that counts requests per path.
///
/// Paths: `/status/{code}` answers with that status; `/slow/{ms}` waits;
/// `/hold/{name}` waits while `name` is held; `/gate/{name}` is counted
/// in flight and waits until the test lets it through ([`Self::let_through`]);
/// `/redirect/{path}` sends a 302 to `/{path}`; `/endless` streams a body
/// that never ends; anything else echoes the request as `{"path", "body",
/// "n", "authorization", "idempotency_key"}`.
pub struct CountingServer {
    pub addr: SocketAddr,
    state: Arc<ServerState>,
}

#[derive(Default)]
struct ServerState {
    counts: Mutex<HashMap<String, usize>>,
    held: Mutex<std::collections::HashSet<String>>,
    released: tokio::sync::Notify,
    gate: Gate,
}

/// `/gate` requests: in flight now, most at once, ended so far, and the
/// passes the test handed out.
struct Gate {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    ended: AtomicUsize,
    passes: tokio::sync::Semaphore,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            ended: AtomicUsize::new(0),
            passes: tokio::sync::Semaphore::new(0),
        }
    }
}

/// One `/gate` request in flight; leaves the count when the request ends,
/// answered or abandoned by the client.
struct InFlight<'a>(&'a Gate);

impl<'a> InFlight<'a> {
    fn enter(gate: &'a Gate) -> Self {
        let now = gate.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        gate.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(gate)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        // In this order, so that a test that sees one more ended sees it
        // out of flight too.
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.ended.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingServer {
    /// Starts the server on an ephemeral port of 127.0.0.1.
    pub async fn start() -> Self {
        let state = Arc::new(ServerState::default());
        let app = Router::new()
            .route("/{*path}", any(handle))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, state }
    }

    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// Requests seen for a path (without the leading slash).
    pub fn count(&self, path: &str) -> usize {
        *self
            .state
            .counts
            .lock()
            .unwrap()
            .get(path.trim_start_matches('/'))
            .unwrap_or(&0)
    }

    /// Makes `/hold/{name}` wait until released.
    pub fn hold(&self, name: &str) {
        self.state.held.lock().unwrap().insert(name.to_owned());
    }

    /// Lets waiting and future `/hold/{name}` requests through.
    pub fn release(&self, name: &str) {
        self.state.held.lock().unwrap().remove(name);
        self.state.released.notify_waiters();
    }

    /// `/gate` requests that arrived and are not answered yet.
    pub fn in_flight(&self) -> usize {
        self.state.gate.in_flight.load(Ordering::SeqCst)
    }

    /// The most `/gate` requests ever in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.gate.max_in_flight.load(Ordering::SeqCst)
    }

    /// `/gate` requests that ended so far, answered or abandoned.
    pub fn ended(&self) -> usize {
        self.state.gate.ended.load(Ordering::SeqCst)
    }

    /// Lets `n` more `/gate` requests through, waiting or future.
    pub fn let_through(&self, n: usize) {
        self.state.gate.passes.add_permits(n);
    }
}

/// Polls `cond` every few milliseconds until it holds; panics naming
/// `what` after 30 seconds.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn handle(
    State(state): State<Arc<ServerState>>,
    Path(path): Path<String>,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::response::Response {
    let n = {
        let mut c = state.counts.lock().unwrap();
        let e = c.entry(path.clone()).or_default();
        *e += 1;
        *e
    };
    let body_json: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    let mut parts = path.splitn(2, '/');
    let (head, arg) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    match head {
        "status" => {
            let code = StatusCode::from_u16(arg.parse().unwrap_or(500)).unwrap();
            (code, axum::Json(json!({"code": code.as_u16(), "n": n}))).into_response()
        }
        "slow" => {
            tokio::time::sleep(Duration::from_millis(arg.parse().unwrap_or(100))).await;
            axum::Json(json!({"slept": arg, "n": n})).into_response()
        }
        "hold" => {
            loop {
                let released = state.released.notified();
                if !state.held.lock().unwrap().contains(arg) {
                    break;
                }
                released.await;
            }
            axum::Json(json!({"task": arg, "n": n})).into_response()
        }
        "gate" => {
            let _in_flight = InFlight::enter(&state.gate);
            state.gate.passes.acquire().await.unwrap().forget();
            axum::Json(json!({"gate": arg, "n": n})).into_response()
        }
        "redirect" => (
            StatusCode::FOUND,
            [(axum::http::header::LOCATION, format!("/{arg}"))],
        )
            .into_response(),
        "endless" => {
            let chunk = axum::body::Bytes::from(vec![b'x'; 64 * 1024]);
            let stream =
                futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            axum::body::Body::from_stream(stream).into_response()
        }
        _ => axum::Json(json!({
            "path": path,
            "body": body_json,
            "n": n,
            "authorization": headers
                .get("authorization")
                .and_then(|v| v.to_str().ok()),
            "idempotency_key": headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok()),
        }))
        .into_response(),
    }
}

/// A plugin that records its calls: `probe` tasks take
/// `{fail_times, retryable, sleep_ms, block_ms, output, panic}`
/// (`block_ms` blocks its thread, deaf to cancellation).
#[derive(Default)]
pub struct Probe {
    pub calls: Mutex<HashMap<String, u32>>,
    /// The idempotency key of every call, in order.
    pub keys: Mutex<Vec<String>>,
    pub running: AtomicUsize,
    pub max_running: AtomicUsize,
}

impl Probe {
    pub fn calls(&self, task: &str) -> u32 {
        *self.calls.lock().unwrap().get(task).unwrap_or(&0)
    }
}

struct RunningGuard<'a>(&'a AtomicUsize);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The probe as a registered plugin (shares state through the Arc).
pub struct ProbePlugin(pub Arc<Probe>);

#[async_trait::async_trait]
impl TaskPlugin for ProbePlugin {
    fn kind(&self) -> &'static str {
        "probe"
    }

    /// Counted against the worker pool, as the pool tests expect.
    fn load(&self) -> orchestrator::plugins::Load {
        orchestrator::plugins::Load::Cpu
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        match config.get("fail_times") {
            Some(v) if !v.is_u64() => vec![("fail_times".into(), "expected a whole number".into())],
            _ => Vec::new(),
        }
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        let n = {
            let mut c = self.0.calls.lock().unwrap();
            let e = c.entry(ctx.task_id.to_string()).or_default();
            *e += 1;
            *e
        };
        self.0.keys.lock().unwrap().push(ctx.idempotency_key());
        let now = self.0.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.max_running.fetch_max(now, Ordering::SeqCst);
        let _guard = RunningGuard(&self.0.running);
        let cfg = &ctx.config;
        if cfg.get("panic").and_then(Value::as_bool) == Some(true) {
            panic!("probe told to panic");
        }
        if let Some(ms) = cfg.get("block_ms").and_then(Value::as_u64) {
            std::thread::sleep(Duration::from_millis(ms));
        }
        if let Some(ms) = cfg.get("sleep_ms").and_then(Value::as_u64) {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let fail_times = cfg.get("fail_times").and_then(Value::as_u64).unwrap_or(0) as u32;
        if n <= fail_times {
            let retryable = cfg
                .get("retryable")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let msg = format!("probe failure {n}");
            return Err(if retryable {
                TaskError::retryable(msg)
            } else {
                TaskError::permanent(msg)
            });
        }
        Ok(TaskOutput::new(
            cfg.get("output").cloned().unwrap_or(json!({"call": n})),
        ))
    }
}

/// The built-in plugins plus the probe; the shell allow-list holds `allow`.
pub fn registry(probe: &Arc<Probe>, allow: &[&str]) -> Registry {
    let config = orchestrator::config::Config {
        shell_allowlist: allow.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let mut r = Registry::builtin(&config);
    r.register(Arc::new(ProbePlugin(probe.clone())));
    r
}

/// An engine over `store` with the probe registered.
pub fn engine(store: Arc<dyn Store>, probe: &Arc<Probe>, config: &EngineConfig) -> Engine {
    Engine::new(
        store,
        Arc::new(registry(probe, &["sh", "sleep", "echo", "cat"])),
        config,
    )
}

/// An engine over a fresh in-memory store.
pub fn memory_engine(probe: &Arc<Probe>) -> Engine {
    engine(
        Arc::new(MemoryStore::new()),
        probe,
        &EngineConfig::default(),
    )
}

/// Loads and stores a YAML workflow; its plan.
pub async fn plan(engine: &Engine, yaml: &str) -> Arc<orchestrator::spec::Plan> {
    let (spec, _) = spec::load(yaml, Format::Yaml, engine.registry(), &Limits::default())
        .unwrap_or_else(|e| panic!("workflow does not load:\n{e}"));
    let wf = store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    engine.plan(&wf).unwrap()
}

/// Loads, stores and runs a YAML workflow to its end.
pub async fn run_yaml(engine: &Engine, yaml: &str, input: Value) -> Arc<Execution> {
    let (spec, _) = spec::load(yaml, Format::Yaml, engine.registry(), &Limits::default())
        .unwrap_or_else(|e| panic!("workflow does not load:\n{e}"));
    let wf = store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let plan = engine.plan(&wf).unwrap();
    let input: Map<String, Value> = match input {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    engine
        .start(
            plan,
            RunRequest {
                input: orchestrator::proto::json_map_to_struct(&input),
                ..Default::default()
            },
        )
        .wait()
        .await
        .unwrap()
}

/// A task's record in an ended execution.
pub fn task<'a>(e: &'a Execution, id: &str) -> &'a TaskResult {
    e.task_results
        .get(id)
        .unwrap_or_else(|| panic!("no task '{id}' in {:?}", e.task_results.keys()))
}

/// A task's state.
pub fn state(e: &Execution, id: &str) -> TaskState {
    TaskState::try_from(task(e, id).status).unwrap()
}

/// A task's output as JSON.
pub fn output(e: &Execution, id: &str) -> Value {
    task(e, id)
        .output
        .as_ref()
        .map_or(Value::Null, orchestrator::proto::pb_to_json)
}

/// Runs the `orchestrator` binary with `args` (no token from the
/// environment); its exit status and output.
pub fn orchestrator(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(args)
        .env_remove("ORCHESTRATOR_TOKEN")
        .output()
        .unwrap()
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
