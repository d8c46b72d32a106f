//! Load for what starts workflows by itself, against a running server:
//! `bench-schedules` (N schedules firing every second; tick latency =
//! execution start minus scheduled time) and `bench-events` (events
//! published at a rate to triggers with filters; publish latency). Figures
//! as text and one JSON line.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Mutex;

use super::ClientArgs;
use super::bench::{Authed, BenchReport, connect, define_text};
use crate::config::Config;
use crate::proto::event_service_client::EventServiceClient;
use crate::proto::execution_service_client::ExecutionServiceClient;
use crate::proto::schedule_service_client::ScheduleServiceClient;
use crate::proto::{
    self, CreateScheduleRequest, CreateTriggerRequest, Event, ListExecutionsRequest,
    PublishRequest, ScheduleId, ScheduleSpec, TriggerId, TriggerSpec,
};
use crate::spec::Format;

/// Changes made at once while setting up or tearing down.
const SETUP_CONCURRENCY: usize = 32;

/// `bench-schedules`: `count` schedules `* * * * * *` for `duration`.
pub async fn bench_schedules(
    client: &ClientArgs,
    count: usize,
    duration: Duration,
    config: &Config,
    out: &mut dyn Write,
) -> Result<BenchReport, String> {
    let channel = connect(client, &client.server).await?;
    let workflow = format!("bench_tick_{}", std::process::id());
    let yaml = format!(
        "name: {workflow}\ntasks:\n  - {{id: tick, type: echo, body: {{at: '{{{{input.scheduled_at}}}}'}}}}\n"
    );
    define_text(channel.clone(), &yaml, Format::Yaml, config).await?;
    let ids: Vec<String> = (0..count).map(|i| format!("{workflow}-{i}")).collect();
    let created_by = Instant::now();
    for_each(&channel, &ids, |ch, id| {
        let workflow = workflow.clone();
        async move {
            ScheduleServiceClient::new(ch)
                .create_schedule(CreateScheduleRequest {
                    spec: Some(ScheduleSpec {
                        id,
                        workflow_name: workflow,
                        cron_expr: "* * * * * *".into(),
                        ..Default::default()
                    }),
                })
                .await
                .map(|_| ())
                .map_err(|s| s.message().to_owned())
        }
    })
    .await?;
    let setup = created_by.elapsed();
    // Count whole seconds that start after every schedule exists.
    let from = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    tokio::time::sleep(duration).await;
    let to = chrono::Utc::now();
    for_each(&channel, &ids, |ch, id| async move {
        ScheduleServiceClient::new(ch)
            .delete_schedule(ScheduleId { id })
            .await
            .map(|_| ())
            .map_err(|s| s.message().to_owned())
    })
    .await?;
    let mut report = BenchReport {
        seconds: (to - from).as_seconds_f64(),
        ..Default::default()
    };
    // The same, to the moment the run's task started running: what a
    // tick costs beyond creating the execution.
    let mut running = BenchReport::default();
    // Each second's ticks apart too: whether the slow ticks bunch in a
    // few seconds or spread over all.
    let mut by_second: BTreeMap<i64, BenchReport> = BTreeMap::new();
    let mut executions = ExecutionServiceClient::new(channel);
    let mut token = String::new();
    loop {
        let page = executions
            .list_executions(ListExecutionsRequest {
                workflow: workflow.clone(),
                page_size: 1000,
                page_token: token,
                ..Default::default()
            })
            .await
            .map_err(|s| s.message().to_owned())?
            .into_inner();
        for e in &page.executions {
            let input = e
                .input
                .as_ref()
                .map(proto::struct_to_json_map)
                .unwrap_or_default();
            let Some(at) = input
                .get("scheduled_at")
                .and_then(|v| v.as_str())
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            else {
                continue;
            };
            if at < from || at > to {
                continue;
            }
            let at_us = at.timestamp_micros();
            let late = |t: Option<&pbjson_types::Timestamp>| {
                t.map_or(0, |t| (micros(t) - at_us).max(0) as u64)
            };
            report.runs += 1;
            report.tasks += e.task_results.len() as u64;
            report.latencies_us.push(late(e.started_at.as_ref()));
            let second = by_second.entry(at.timestamp()).or_default();
            second.latencies_us.push(late(e.started_at.as_ref()));
            let task = e
                .task_results
                .get("tick")
                .and_then(|r| r.started_at.as_ref());
            running.latencies_us.push(late(task));
        }
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    report.latencies_us.sort_unstable();
    running.latencies_us.sort_unstable();
    // In time order for the JSON line (to set beside a profile), sorted
    // for the text.
    let in_order: Vec<(i64, f64)> = by_second
        .into_iter()
        .map(|(at, mut s)| {
            s.latencies_us.sort_unstable();
            (at, s.percentile(99.0))
        })
        .collect();
    let mut per_second: Vec<f64> = in_order.iter().map(|&(_, p99)| p99).collect();
    per_second.sort_by(f64::total_cmp);
    let per_second_p99 = |q: f64| match per_second.len() {
        0 => 0.0,
        n => per_second[((n - 1) as f64 * q).round() as usize],
    };
    let expected = count as f64 * report.seconds.floor();
    let _ = writeln!(
        out,
        "{count} schedules every second ({:.1} s to create): {} runs in {:.0} s ({:.0} runs/s, {:.1}% of the {expected:.0} ticks); tick latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; each second's p99 best {:.1} ms, median {:.1} ms, worst {:.1} ms; to the task running p50 {:.1} ms, p99 {:.1} ms",
        setup.as_secs_f64(),
        report.runs,
        report.seconds,
        report.runs as f64 / report.seconds,
        100.0 * report.runs as f64 / expected.max(1.0),
        report.percentile(50.0),
        report.percentile(95.0),
        report.percentile(99.0),
        report.percentile(100.0),
        per_second_p99(0.0),
        per_second_p99(0.5),
        per_second_p99(1.0),
        running.percentile(50.0),
        running.percentile(99.0),
    );
    let mut j = report.json();
    j["schedules"] = json!(count);
    j["second_p99_worst_ms"] = json!(per_second_p99(1.0));
    j["second_p99_ms"] = json!(in_order);
    j["task_running_p50_ms"] = json!(running.percentile(50.0));
    j["task_running_p99_ms"] = json!(running.percentile(99.0));
    let _ = writeln!(out, "{j}");
    Ok(report)
}

fn micros(t: &pbjson_types::Timestamp) -> i64 {
    t.seconds * 1_000_000 + i64::from(t.nanos) / 1000
}

/// `bench-events`: 100 triggers over 10 event types, each with a filter on
/// `severity` that one in ten events of its type passes, so every event is
/// matched by 10 triggers and starts one run; published at `rate` by
/// `concurrency` clients for `duration`.
pub async fn bench_events(
    client: &ClientArgs,
    rate: f64,
    concurrency: usize,
    duration: Duration,
    config: &Config,
    out: &mut dyn Write,
) -> Result<BenchReport, String> {
    let channel = connect(client, &client.server).await?;
    let workflow = format!("bench_respond_{}", std::process::id());
    let yaml = format!(
        "name: {workflow}\ntasks:\n  - {{id: note, type: echo, body: {{severity: '{{{{event.severity}}}}'}}}}\n"
    );
    define_text(channel.clone(), &yaml, Format::Yaml, config).await?;
    let ids: Vec<String> = (0..100).map(|i| format!("{workflow}-{i}")).collect();
    create_triggers(&channel, &ids, &workflow).await?;

    let report = Arc::new(Mutex::new(BenchReport::default()));
    let started = Instant::now();
    let deadline = started + duration;
    let interval = Duration::from_secs_f64(concurrency as f64 / rate.max(0.001));
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..concurrency {
        let (report, channel) = (report.clone(), channel.clone());
        clients.spawn(async move {
            let mut client = EventServiceClient::new(channel);
            let mut next = Instant::now() + interval.mul_f64(c as f64 / concurrency as f64);
            let mut n = c;
            while Instant::now() < deadline {
                tokio::time::sleep_until(next.into()).await;
                next += interval;
                let data = json!({"severity": format!("s{}", (n / 10) % 10)});
                let event = Event {
                    event_type: format!("bench.kind{}", n % 10),
                    event_data: data.as_object().map(proto::json_map_to_struct),
                    ..Default::default()
                };
                n += concurrency;
                let t = Instant::now();
                let r = client.publish(PublishRequest { event: Some(event) }).await;
                let us = t.elapsed().as_micros() as u64;
                let started = r.ok().map(|o| {
                    let outcomes = o.into_inner().outcomes;
                    outcomes
                        .iter()
                        .filter(|o| !o.execution_id.is_empty())
                        .count() as u64
                });
                report.lock().await.note(started, us);
            }
        });
    }
    let report = BenchReport::collect(clients, report, started).await?;
    for_each(&channel, &ids, |ch, id| async move {
        EventServiceClient::new(ch)
            .delete_trigger(TriggerId { id })
            .await
            .map(|_| ())
            .map_err(|s| s.message().to_owned())
    })
    .await?;
    let _ = writeln!(
        out,
        "{} events ({} errors) in {:.1} s: {:.0} events/s to 100 triggers with filters, {} runs started; publish latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        report.runs,
        report.errors,
        report.seconds,
        report.runs as f64 / report.seconds,
        report.tasks,
        report.percentile(50.0),
        report.percentile(95.0),
        report.percentile(99.0),
        report.percentile(100.0),
    );
    let _ = writeln!(out, "{}", report.json());
    Ok(report)
}

/// Creates the benchmark's triggers: trigger `i` takes type `bench.kind{i % 10}`
/// with severity `s{i / 10}`.
async fn create_triggers(channel: &Authed, ids: &[String], workflow: &str) -> Result<(), String> {
    for_each(channel, ids, |ch, id| {
        let workflow = workflow.to_owned();
        async move {
            let i: usize = id
                .rsplit('-')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            EventServiceClient::new(ch)
                .create_trigger(CreateTriggerRequest {
                    spec: Some(TriggerSpec {
                        id,
                        workflow_name: workflow,
                        event_type: format!("bench.kind{}", i % 10),
                        filter: format!("event.severity == \"s{}\"", i / 10),
                        ..Default::default()
                    }),
                })
                .await
                .map(|_| ())
                .map_err(|s| s.message().to_owned())
        }
    })
    .await
}

/// Runs `f` for every id, `SETUP_CONCURRENCY` at a time.
async fn for_each<F, Fut>(channel: &Authed, ids: &[String], f: F) -> Result<(), String>
where
    F: Fn(Authed, String) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    use futures::StreamExt;
    let results: Vec<Result<(), String>> = futures::stream::iter(ids.iter().cloned())
        .map(|id| f(channel.clone(), id))
        .buffer_unordered(SETUP_CONCURRENCY)
        .collect()
        .await;
    results.into_iter().collect()
}
