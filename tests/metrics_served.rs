//! The brief's Prometheus metrics, from a served process: every metric the
//! brief lists, with its labels and the values its Grafana queries select,
//! the histogram buckets the p99 panels need, and every name the
//! dashboard and alerts of deploy/monitoring use.

mod common;

use std::time::Duration;

use common::server::{Server, client, send};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The exposition's lines.
async fn scrape(s: &Server) -> String {
    let r = client().get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    r.text().await.unwrap()
}

/// The value of the series `name{labels}` (labels as exposed: sorted), if any.
fn series(text: &str, name: &str, labels: &str) -> Option<f64> {
    let prefix = if labels.is_empty() {
        format!("{name} ")
    } else {
        format!("{name}{{{labels}}} ")
    };
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.parse().unwrap())
}

/// Scrapes until `name{labels}` is at least `min`.
async fn wait_for(s: &Server, name: &str, labels: &str, min: f64) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let text = scrape(s).await;
        if series(&text, name, labels).is_some_and(|v| v >= min) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {name}{{{labels}}} >= {min} in\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn define(s: &Server, workflow: Value) {
    let (status, body) = send(client().post(s.url("/v1/workflows")).json(&workflow)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn run(s: &Server, workflow: &str) -> Value {
    let (status, body) = send(
        client()
            .post(s.url("/v1/run"))
            .json(&json!({"workflow": workflow, "parameters": {"indicator": "198.51.100.7"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn every_metric_of_the_brief_is_exported_with_its_labels() {
    let peer = common::CountingServer::start().await;
    let s = Server::start();
    let c = client();
    define(
        &s,
        json!({"name": "threat_response", "tasks": [
            {"id": "enrich", "type": "echo", "body": {"ip": "{{input.indicator}}"}, "cacheable": true},
            {"id": "block", "type": "echo", "body": {"status": "blocked"}, "depends_on": ["enrich"]}]}),
    )
    .await;
    define(
        &s,
        json!({"name": "flaky", "tasks": [
            {"id": "score", "type": "http", "url": peer.url("/status/503"),
             "retry": {"max_attempts": 2, "initial_backoff": "10ms"}}]}),
    )
    .await;
    define(
        &s,
        json!({"name": "slow", "timeout": "50ms", "tasks": [
            {"id": "nap", "type": "sleep", "duration": "1h"}]}),
    )
    .await;
    define(
        &s,
        json!({"name": "threat_scan", "tasks": [{"id": "scan", "type": "echo", "body": {}}]}),
    )
    .await;

    // Two runs: the second finds the plan and the cacheable result cached.
    let first = run(&s, "threat_response").await;
    assert_eq!(first["status"], "completed", "{first}");
    run(&s, "threat_response").await;
    assert_eq!(run(&s, "flaky").await["status"], "failed");
    assert_eq!(run(&s, "slow").await["status"], "timed_out");
    // An ended execution read twice: the store once, then memory.
    let id = first["workflow_id"].as_str().unwrap();
    for _ in 0..2 {
        let (status, e) = send(c.get(s.url(&format!("/v1/executions/{id}")))).await;
        assert_eq!(
            (status, &e["status"]),
            (StatusCode::OK, &json!("completed"))
        );
    }
    let (status, body) = send(c.post(s.url("/v1/schedules")).json(&json!({
        "workflow_name": "threat_scan", "cron_expr": "* * * * * *"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // One run at a time of an hour-long nap, a tick a second: ticks skipped.
    define(
        &s,
        json!({"name": "nap", "tasks": [{"id": "z", "type": "sleep", "duration": "1h"}]}),
    )
    .await;
    let (status, body) = send(c.post(s.url("/v1/schedules")).json(&json!({
        "workflow_name": "nap", "cron_expr": "* * * * * *", "max_concurrent": 1
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = send(c.post(s.url("/v1/triggers")).json(&json!({
        "workflow_name": "threat_scan", "event_type": "kafka.threat_detected"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = send(c.post(s.url("/v1/events")).json(&json!({
        "event_type": "kafka.threat_detected", "event_data": {"severity": "high"}
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    wait_for(
        &s,
        "swarm_workflow_schedule_runs_total",
        "outcome=\"started\",workflow=\"threat_scan\"",
        1.0,
    )
    .await;
    wait_for(
        &s,
        "swarm_workflow_schedule_skipped_ticks_total",
        "workflow=\"nap\"",
        1.0,
    )
    .await;
    let text = wait_for(
        &s,
        "swarm_workflow_event_triggers_total",
        "event_type=\"kafka.threat_detected\",outcome=\"started\",workflow=\"threat_scan\"",
        1.0,
    )
    .await;
    let has = |name: &str, labels: &str| {
        series(&text, name, labels).unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{text}"))
    };

    // The brief's list, as its Grafana queries select them.
    assert_eq!(
        has(
            "swarm_workflow_runs_total",
            "status=\"success\",workflow=\"threat_response\""
        ),
        2.0
    );
    assert_eq!(
        has(
            "swarm_workflow_runs_total",
            "status=\"failed\",workflow=\"flaky\""
        ),
        1.0
    );
    assert_eq!(
        has(
            "swarm_workflow_runs_total",
            "status=\"timed_out\",workflow=\"slow\""
        ),
        1.0
    );
    assert_eq!(
        has(
            "swarm_workflow_duration_seconds_count",
            "workflow=\"threat_response\""
        ),
        2.0
    );
    assert!(
        has(
            "swarm_workflow_task_duration_ms_count",
            "task=\"enrich\",type=\"echo\""
        ) >= 1.0
    );
    assert_eq!(
        has("swarm_workflow_task_retries_total", "task=\"score\""),
        1.0
    );
    assert_eq!(
        has("swarm_workflow_task_failures_total", "task=\"score\""),
        1.0
    );
    assert!(
        has(
            "swarm_workflow_schedule_lag_seconds_count",
            "workflow=\"threat_scan\""
        ) >= 1.0
    );
    assert_eq!(
        has(
            "swarm_workflow_cancellations_total",
            "reason=\"timeout\",workflow=\"slow\""
        ),
        1.0
    );
    assert!(
        has(
            "swarm_workflow_db_read_ms_count",
            "operation=\"get_workflow\""
        ) >= 1.0
    );
    assert!(
        has(
            "swarm_workflow_db_write_ms_count",
            "operation=\"put_execution\""
        ) >= 1.0
    );
    assert!(has("swarm_workflow_cache_hits_total", "type=\"workflow\"") >= 1.0);
    assert_eq!(
        has("swarm_workflow_cache_misses_total", "type=\"execution\""),
        1.0
    );
    assert_eq!(
        has("swarm_workflow_cache_hits_total", "type=\"execution\""),
        1.0
    );
    assert!(has("swarm_workflow_cache_hits_total", "type=\"result\"") >= 1.0);
    assert_eq!(
        has("swarm_workflow_cache_misses_total", "type=\"result\""),
        1.0
    );
    has("swarm_workflow_executions_active", "");
    has("swarm_workflow_execution_oldest_seconds", "");

    // Buckets from 1 ms (seconds) and 0.1 ms (ms) up to ten minutes.
    for (name, low, high) in [
        ("swarm_workflow_duration_seconds_bucket", "0.001", "600"),
        ("swarm_workflow_task_duration_ms_bucket", "0.1", "600000"),
        ("swarm_workflow_db_write_ms_bucket", "0.1", "600000"),
    ] {
        for le in [low, high] {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(&format!("{name}{{"))
                        && l.contains(&format!("le=\"{le}\""))),
                "no {name} bucket le={le} in\n{text}"
            );
        }
    }

    // Every name the dashboard and alerts use, but those only a PostgreSQL
    // store, a Kafka source, a tripped circuit or a model task brings.
    let conditional = [
        "swarm_workflow_claim_duration_seconds",
        "swarm_workflow_takeovers_total",
        "swarm_workflow_fenced_writes_total",
        "swarm_workflow_executions_lost_total",
        "swarm_workflow_store_dead_tuples",
        "swarm_workflow_kafka_lag",
        "swarm_workflow_http_circuit_state",
        "swarm_workflow_model_calls_total",
        "swarm_workflow_model_inferences_total",
    ];
    let listed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/monitoring/metrics.txt"),
    )
    .unwrap();
    let names: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(names.len() > 20, "{listed}");
    for name in names.iter().filter(|n| !conditional.contains(n)) {
        assert!(
            text.contains(&format!("\n# TYPE {name} ")),
            "deploy/monitoring/metrics.txt lists {name}, not exported:\n{text}"
        );
    }
    for name in conditional {
        assert!(names.contains(&name), "{name} is not in metrics.txt");
    }

    // Prometheus' own checker parses it; the only lint it may raise is the
    // brief's millisecond units, which the brief's metric names fix.
    let unexpected: Vec<String> = promtool_check(&text)
        .into_iter()
        .filter(|l| {
            let name = l.split_whitespace().next().unwrap_or("");
            let briefs_ms = [
                "swarm_workflow_task_duration_ms",
                "swarm_workflow_db_read_ms",
                "swarm_workflow_db_write_ms",
            ];
            !(briefs_ms.contains(&name) && l.contains("unit"))
        })
        .collect();
    assert!(unexpected.is_empty(), "promtool: {unexpected:#?}");
}

/// What `promtool check metrics` says about an exposition, one problem per
/// line (promtool comes from scripts/setup.sh).
fn promtool_check(text: &str) -> Vec<String> {
    use std::io::Write;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool is installed by scripts/setup.sh");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    let problems: Vec<String> = said
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(out.status.success(), problems.is_empty(), "{said}");
    problems
}
