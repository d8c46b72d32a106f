//! `orchestrator bench`: a load generator for a running server. N clients
//! run a workflow over gRPC (or REST with `--rest`) for a while, closed-loop
//! or at a fixed rate, and the figures come out as text and one JSON line:
//! runs/s, tasks/s, latency p50/p95/p99/max. With `--rest` nothing goes
//! over gRPC: the workflow is defined and run through the REST gateway.
//! At a fixed rate a run's latency counts from when it was due to start
//! once the client is behind by more than a timer tick, so a server that
//! falls behind shows it in the figures rather than slowing the load down
//! (no coordinated omission).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use super::ClientArgs;
use super::bench_feed::FeedWatchers;
pub(super) use crate::client::Authed;
use crate::client::ClientError;
use crate::config::Config;
use crate::plugins::Registry;
use crate::proto::execution_service_client::ExecutionServiceClient;
use crate::proto::workflow_service_client::WorkflowServiceClient;
use crate::proto::{CreateWorkflowRequest, ExecutionState, RunRequest, UpdateWorkflowRequest};
use crate::spec::{self, Format, Limits};

/// How late the timer may wake a client before the delay counts as the
/// server's (tokio's timer has millisecond ticks).
const TIMER_SLACK: Duration = Duration::from_millis(2);

/// What to run, how hard, for how long.
#[derive(Debug, Clone)]
pub struct BenchArgs {
    /// The server (`server`: host:port, or several replicas' addresses,
    /// comma-separated, which the clients take in turn; not dialled with
    /// `rest`), the token and TLS.
    pub client: ClientArgs,
    /// Base URL of the REST gateway; when set, the definition and the runs
    /// go through REST only.
    pub rest: Option<String>,
    /// Workflow to run.
    pub workflow: String,
    /// A definition to create (or update) first.
    pub define: Option<PathBuf>,
    /// Clients running at once.
    pub concurrency: usize,
    /// How long to run.
    pub duration: Duration,
    /// Runs started per second in all (open loop); None: each client starts
    /// its next run when the last ended.
    pub rate: Option<f64>,
    /// Parameters of every run; `{n}` in a string value becomes the run's
    /// number, so that runs can differ (a cacheable task then misses).
    pub inputs: Map<String, Value>,
    /// Dashboards following the live feed during the run (gRPC only).
    pub watchers: usize,
}

/// The parameters of run `n`: `{n}` in string values replaced by `n`.
fn numbered(inputs: &Map<String, Value>, n: u64) -> Map<String, Value> {
    inputs
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) if s.contains("{n}") => {
                    Value::String(s.replace("{n}", &n.to_string()))
                }
                v => v.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

/// The figures of one bench run.
#[derive(Debug, Clone, Default)]
pub struct BenchReport {
    /// Runs that completed.
    pub runs: u64,
    /// Runs that failed or got an error.
    pub errors: u64,
    /// Tasks of the completed runs.
    pub tasks: u64,
    /// Wall time of the measurement.
    pub seconds: f64,
    /// Latencies of completed runs, sorted, in microseconds.
    pub latencies_us: Vec<u64>,
}

impl BenchReport {
    /// Notes one call: its tasks (None when it failed) and latency.
    pub fn note(&mut self, tasks: Option<u64>, us: u64) {
        match tasks {
            Some(tasks) => {
                self.runs += 1;
                self.tasks += tasks;
                self.latencies_us.push(us);
            }
            None => self.errors += 1,
        }
    }

    /// The report of the load `clients` added to, once they all ended.
    pub async fn collect(
        mut clients: tokio::task::JoinSet<()>,
        report: Arc<Mutex<BenchReport>>,
        started: Instant,
    ) -> Result<BenchReport, String> {
        while clients.join_next().await.is_some() {}
        let mut report = Arc::try_unwrap(report)
            .map_err(|_| "clients still running")?
            .into_inner();
        report.seconds = started.elapsed().as_secs_f64();
        report.latencies_us.sort_unstable();
        Ok(report)
    }

    /// The `p`th percentile latency in milliseconds.
    pub fn percentile(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }

    /// The report as one JSON object.
    pub fn json(&self) -> serde_json::Value {
        json!({
            "runs": self.runs,
            "errors": self.errors,
            "tasks": self.tasks,
            "seconds": self.seconds,
            "runs_per_s": self.runs as f64 / self.seconds,
            "tasks_per_s": self.tasks as f64 / self.seconds,
            "latency_ms": {
                "p50": self.percentile(50.0),
                "p95": self.percentile(95.0),
                "p99": self.percentile(99.0),
                "max": self.percentile(100.0),
            }
        })
    }
}

/// Runs the load; prints the report (text, then one JSON line).
pub async fn bench(
    args: BenchArgs,
    config: &Config,
    out: &mut dyn Write,
) -> Result<BenchReport, String> {
    crate::plugins::install_crypto_provider();
    let mut feed = None;
    let targets = match &args.rest {
        Some(_) if args.watchers > 0 => {
            return Err("--watchers follows the gRPC feed; drop --rest".into());
        }
        Some(base) => {
            let http = rest_client(args.client.token.as_deref())?;
            if let Some(path) = &args.define {
                define_rest(&http, base, path, config).await?;
            }
            vec![Target::Rest(http, base.trim_end_matches('/').to_owned())]
        }
        None => {
            let mut targets = Vec::new();
            for addr in args
                .client
                .server
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                let channel = connect(&args.client, addr).await?;
                if targets.is_empty() {
                    if let Some(path) = &args.define {
                        define(channel.clone(), path, config).await?;
                    }
                    if args.watchers > 0 {
                        let watchers = FeedWatchers::start(&channel, &args.workflow, args.watchers);
                        feed = Some(watchers.await?);
                    }
                }
                targets.push(Target::Grpc(ExecutionServiceClient::new(channel)));
            }
            if targets.is_empty() {
                return Err("--server: no address".into());
            }
            targets
        }
    };
    let report = Arc::new(Mutex::new(BenchReport::default()));
    let started = Instant::now();
    let deadline = started + args.duration;
    let interval = args
        .rate
        .map(|r| Duration::from_secs_f64(args.concurrency as f64 / r.max(0.001)));
    let numbers = Arc::new(AtomicU64::new(0));
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..args.concurrency {
        let mut target = targets[c % targets.len()].clone();
        let (args, report) = (args.clone(), report.clone());
        let numbers = numbers.clone();
        clients.spawn(async move {
            // Open loop: each client keeps its share of the rate, offset so
            // that starts spread evenly.
            let mut next = Instant::now()
                + interval.map_or(Duration::ZERO, |i| {
                    i.mul_f64(c as f64 / args.concurrency as f64)
                });
            while Instant::now() < deadline {
                let due = match interval {
                    Some(i) => {
                        tokio::time::sleep_until(next.into()).await;
                        next += i;
                        let due = next - i;
                        // The timer wakes up to a tick late: that is the
                        // load generator's lag, not the server's. A start
                        // later than that is a backlog, and counts.
                        let sent = Instant::now();
                        if sent.duration_since(due) > TIMER_SLACK {
                            due
                        } else {
                            sent
                        }
                    }
                    None => Instant::now(),
                };
                let inputs = numbered(&args.inputs, numbers.fetch_add(1, Ordering::Relaxed));
                let outcome = match &mut target {
                    Target::Rest(http, base) => run_rest(http, base, &args.workflow, inputs).await,
                    Target::Grpc(grpc) => run_grpc(grpc, &args.workflow, &inputs).await,
                };
                let us = due.elapsed().as_micros() as u64;
                report.lock().await.note(outcome.ok(), us);
            }
        });
    }
    let report = BenchReport::collect(clients, report, started).await?;
    let mut j = report.json();
    let _ = writeln!(
        out,
        "{} runs ({} errors) in {:.1} s: {:.0} runs/s, {:.0} tasks/s; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        report.runs,
        report.errors,
        report.seconds,
        j["runs_per_s"].as_f64().unwrap_or(0.0),
        j["tasks_per_s"].as_f64().unwrap_or(0.0),
        report.percentile(50.0),
        report.percentile(95.0),
        report.percentile(99.0),
        report.percentile(100.0),
    );
    if let Some(feed) = feed {
        let f = feed.finish().await?;
        let _ = writeln!(
            out,
            "feed: {} watchers, {} changes each; delivery delay p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            f.watchers,
            f.changes_each,
            f.percentile(50.0),
            f.percentile(99.0),
            f.percentile(100.0),
        );
        j["feed"] = f.json();
    }
    let _ = writeln!(out, "{j}");
    Ok(report)
}

/// Percentile `p` of sorted microseconds, in ms (0 when there are none).
pub(super) fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * (sorted_us.len() - 1) as f64).round() as usize;
    sorted_us[i] as f64 / 1000.0
}

/// Where the clients send their runs.
#[derive(Clone)]
enum Target {
    /// The gRPC ExecutionService.
    Grpc(ExecutionServiceClient<Authed>),
    /// The REST gateway at this base URL (no trailing `/`).
    Rest(reqwest::Client, String),
}

/// Creates (or updates) the workflow of `path` through the REST gateway.
async fn define_rest(
    http: &reqwest::Client,
    base: &str,
    path: &PathBuf,
    config: &Config,
) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let format = Format::from_path(path);
    // Checked here as over gRPC, so a bad file fails before any request;
    // its name says where an update goes.
    let registry = Registry::builtin(config);
    let (spec, _) = spec::load(&text, format, &registry, &Limits::from(config))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let content_type = match format {
        Format::Yaml => "application/yaml",
        Format::Json => "application/json",
    };
    let base = base.trim_end_matches('/');
    let send = |request: reqwest::RequestBuilder| {
        request
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(text.clone())
            .send()
    };
    let unreachable = |e: reqwest::Error| format!("cannot reach {base}: {e}");
    let mut answer = send(http.post(format!("{base}/v1/workflows")))
        .await
        .map_err(unreachable)?;
    if answer.status() == reqwest::StatusCode::CONFLICT {
        answer = send(http.put(format!("{base}/v1/workflows/{}", spec.name)))
            .await
            .map_err(unreachable)?;
    }
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    let text = answer.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or(text);
    Err(format!("{}: {status}: {message}", path.display()))
}

async fn define(channel: Authed, path: &PathBuf, config: &Config) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    define_text(channel, &text, Format::from_path(path), config)
        .await
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// An HTTP client that sends `Authorization: Bearer …` when there is a token.
fn rest_client(token: Option<&str>) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}"))
            .map_err(|_| "--token: not a valid header value".to_owned())?;
        v.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .map_err(|e| e.to_string())
}

/// A gRPC channel to `addr` (one of `--server`'s host:port), with the
/// flags' token and TLS; errors name the flag to fix.
pub(super) async fn connect(client: &ClientArgs, addr: &str) -> Result<Authed, String> {
    client.channel_to(addr).await.map_err(|e| match e {
        ClientError::Token => "--token: not a valid header value".to_owned(),
        ClientError::Address(_) => format!("--server: {e}"),
        ClientError::Connect(..) | ClientError::TlsFile(..) | ClientError::Tls(_) => e.to_string(),
    })
}

/// Creates (or updates) a workflow on the server from its definition.
pub(super) async fn define_text(
    channel: Authed,
    text: &str,
    format: Format,
    config: &Config,
) -> Result<(), String> {
    let registry = Registry::builtin(config);
    let (spec, _) =
        spec::load(text, format, &registry, &Limits::from(config)).map_err(|e| e.to_string())?;
    let mut wf = WorkflowServiceClient::new(channel);
    match wf
        .create_workflow(CreateWorkflowRequest {
            spec: Some(spec.clone()),
            ..Default::default()
        })
        .await
    {
        Ok(_) => Ok(()),
        Err(s) if s.code() == tonic::Code::AlreadyExists => wf
            .update_workflow(UpdateWorkflowRequest {
                spec: Some(spec),
                ..Default::default()
            })
            .await
            .map(|_| ())
            .map_err(|s| s.message().to_owned()),
        Err(s) => Err(s.message().to_owned()),
    }
}

async fn run_grpc(
    client: &mut ExecutionServiceClient<Authed>,
    workflow: &str,
    inputs: &Map<String, Value>,
) -> Result<u64, String> {
    let r = client
        .run(RunRequest {
            workflow: workflow.to_owned(),
            wait: true,
            parameters: (!inputs.is_empty()).then(|| crate::proto::json_map_to_struct(inputs)),
            ..Default::default()
        })
        .await
        .map_err(|s| s.message().to_owned())?
        .into_inner();
    let e = r.execution.ok_or("no execution in the reply")?;
    if e.status != ExecutionState::Completed as i32 {
        return Err(e.error);
    }
    Ok(e.task_results.len() as u64)
}

async fn run_rest(
    http: &reqwest::Client,
    base: &str,
    workflow: &str,
    inputs: Map<String, Value>,
) -> Result<u64, String> {
    let r = http
        .post(format!("{base}/v1/run"))
        .json(&json!({"workflow": workflow, "parameters": inputs}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    if v["status"] != "completed" {
        return Err(v.to_string());
    }
    Ok(v["task_results"].as_object().map_or(0, |m| m.len() as u64))
}
