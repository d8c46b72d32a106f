//! Schedules through the real server: REST with the brief's body, gRPC,
//! firing every second, firing again after a restart, and bad definitions
//! refused with the field named.

mod common;

use std::time::Duration;

use common::server::{Server, client, send};
use orchestrator::proto::schedule_service_client::ScheduleServiceClient;
use orchestrator::proto::{
    CreateScheduleRequest, ListSchedulesRequest, ScheduleId, ScheduleSpec, UpdateScheduleRequest,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tonic::Code;

async fn define_threat_scan(s: &Server, c: &reqwest::Client) {
    let wf = json!({"name": "threat_scan", "tasks": [{"id": "scan", "type": "echo", "body": {"at": "{{input.scheduled_at}}"}}]});
    let (status, _) = send(c.post(s.url("/v1/workflows")).json(&wf)).await;
    assert_eq!(status, StatusCode::CREATED);
}

/// The `scheduled_at` inputs of the runs of threat_scan, sorted.
async fn scheduled_runs(s: &Server, c: &reqwest::Client) -> Vec<String> {
    let (_, list) = send(c.get(s.url("/v1/executions?workflow=threat_scan&page_size=1000"))).await;
    let mut at: Vec<String> = list["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["input"]["scheduled_at"].as_str().unwrap().to_owned())
        .collect();
    at.sort();
    at
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_fires_every_second_and_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let c = client();
    let first_runs = {
        let s = Server::start_at(&data, &[]);
        define_threat_scan(&s, &c).await;
        let (status, created) = send(c.post(s.url("/v1/schedules")).json(&json!({
            "id": "every-second",
            "workflow_name": "threat_scan",
            "cron_expr": "* * * * * *",
            "enabled": true
        })))
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["next_fires"].as_array().unwrap().len(), 5);
        tokio::time::sleep(Duration::from_millis(2_600)).await;
        let runs = scheduled_runs(&s, &c).await;
        assert!(runs.len() >= 2, "{runs:?}");
        // One run per second, on the second.
        for pair in runs.windows(2) {
            let (a, b) = (
                chrono::DateTime::parse_from_rfc3339(&pair[0]).unwrap(),
                chrono::DateTime::parse_from_rfc3339(&pair[1]).unwrap(),
            );
            assert_eq!((b - a).num_seconds(), 1, "{runs:?}");
        }
        let (_, got) = send(c.get(s.url("/v1/schedules/every-second"))).await;
        assert_eq!(got["recent"][0]["outcome"], "started");
        runs
    };
    // The server is gone; a new one on the same data fires on.
    let s = Server::start_at(&data, &[]);
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let runs = scheduled_runs(&s, &c).await;
    let last_before = first_runs.last().unwrap();
    let after: Vec<&String> = runs.iter().filter(|r| *r > last_before).collect();
    assert!(after.len() >= 2, "before {first_runs:?}, now {runs:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_briefs_body_creates_a_schedule_and_bad_ones_name_the_field() {
    let s = Server::start();
    let c = client();
    define_threat_scan(&s, &c).await;
    let (status, created) = send(c.post(s.url("/v1/schedules")).json(&json!({
        "workflow_name": "threat_scan",
        "cron_expr": "0 */5 * * * *",
        "enabled": true,
        "max_concurrent": 3,
        "timeout": "5m"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["id"].as_str().unwrap().starts_with("sched-"));
    assert_eq!(created["max_concurrent"], 3);
    assert_eq!(created["timeout"], "5m");
    assert_eq!(created["concurrency_policy"], "skip");
    assert_eq!(created["catch_up"], "none");
    assert_eq!(created["timezone"], "UTC");
    let first = created["next_fires"][0].as_str().unwrap();
    assert!(
        first.ends_with(":00Z") && first[14..16].parse::<u32>().unwrap() % 5 == 0,
        "{first}"
    );

    let good = json!({"workflow_name": "threat_scan", "cron_expr": "@hourly"});
    let bad = |field: &str, value: Value| {
        let mut b = good.clone();
        b[field] = value;
        b
    };
    let cases = [
        (bad("cron_expr", json!("61 * * * * *")), "cron_expr: "),
        (bad("workflow_name", json!("nobody")), "workflow_name: "),
        (bad("timezone", json!("Mars/Base")), "timezone: "),
        (bad("timeout", json!("soon")), "timeout: "),
        (
            bad("concurrency_policy", json!("panic")),
            "concurrency_policy: ",
        ),
        (bad("catch_up", json!("some")), "catch_up: "),
        (bad("max_concurrent", json!("three")), "max_concurrent: "),
        (bad("colour", json!("red")), "unknown field `colour`"),
    ];
    for (body, want) in cases {
        let (status, e) = send(c.post(s.url("/v1/schedules")).json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {e}");
        assert_eq!(e["code"], "INVALID_ARGUMENT");
        assert!(e["message"].as_str().unwrap().contains(want), "{body}: {e}");
    }
    let (_, list) = send(c.get(s.url("/v1/schedules"))).await;
    assert_eq!(list["schedules"].as_array().unwrap().len(), 1);
    let (status, _) = send(c.get(s.url("/v1/schedules/nope"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Pause, resume, change, delete; each change is audited.
    let id = created["id"].as_str().unwrap();
    let (_, paused) = send(c.post(s.url(&format!("/v1/schedules/{id}/pause")))).await;
    assert_eq!(paused["enabled"], false);
    assert!(paused["next_fires"].as_array().unwrap().is_empty());
    let (_, resumed) = send(c.post(s.url(&format!("/v1/schedules/{id}/resume")))).await;
    assert_eq!(resumed["enabled"], true);
    let (status, changed) = send(
        c.put(s.url(&format!("/v1/schedules/{id}")))
            .json(&json!({"workflow_name": "threat_scan", "cron_expr": "@daily", "timezone": "Europe/Berlin"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert!(
        changed["next_fires"][0]
            .as_str()
            .unwrap()
            .ends_with("T23:00:00Z")
    );
    let (status, _) = send(c.delete(s.url(&format!("/v1/schedules/{id}")))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, audit) = send(c.get(s.url("/v1/audit"))).await;
    let actions: Vec<&str> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .filter(|a| a.starts_with("schedule."))
        .collect();
    assert_eq!(
        actions,
        [
            "schedule.delete",
            "schedule.update",
            "schedule.resume",
            "schedule.pause",
            "schedule.create"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn schedule_service_over_grpc() {
    let s = Server::start();
    let c = client();
    define_threat_scan(&s, &c).await;
    let mut sch = ScheduleServiceClient::new(s.channel().await);
    let spec = ScheduleSpec {
        id: "nightly".into(),
        workflow_name: "threat_scan".into(),
        cron_expr: "0 0 2 * * *".into(),
        timezone: "America/New_York".into(),
        ..Default::default()
    };
    let created = sch
        .create_schedule(CreateScheduleRequest {
            spec: Some(spec.clone()),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.spec.unwrap().enabled, None);
    assert_eq!(created.next_fires.len(), 5);
    let again = sch
        .create_schedule(CreateScheduleRequest {
            spec: Some(spec.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    let mut bad = spec.clone();
    bad.cron_expr = "whenever".into();
    let e = sch
        .update_schedule(UpdateScheduleRequest { spec: Some(bad) })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("cron_expr: "), "{}", e.message());
    let paused = sch
        .pause_schedule(ScheduleId {
            id: "nightly".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paused.spec.unwrap().enabled, Some(false));
    let listed = sch
        .list_schedules(ListSchedulesRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.schedules.len(), 1);
    sch.delete_schedule(ScheduleId {
        id: "nightly".into(),
    })
    .await
    .unwrap();
    let gone = sch
        .get_schedule(ScheduleId {
            id: "nightly".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    let empty = sch
        .get_schedule(ScheduleId { id: String::new() })
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
}

/// The runs of `workflow` in start order: (scheduled_at, status, started,
/// finished).
async fn runs_of(s: &Server, c: &reqwest::Client, workflow: &str) -> Vec<Value> {
    let url = s.url(&format!(
        "/v1/executions?workflow={workflow}&page_size=1000"
    ));
    let (_, list) = send(c.get(url)).await;
    let mut runs = list["executions"].as_array().unwrap().clone();
    runs.sort_by_key(|e| e["input"]["scheduled_at"].as_str().unwrap().to_owned());
    runs
}

#[tokio::test(flavor = "multi_thread")]
async fn queued_ticks_and_the_bound_survive_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let c = client();
    let queued = {
        let s = Server::start_at(&data, &[]);
        let wf = json!({"name": "slow_scan", "tasks": [{"id": "nap", "type": "sleep", "duration": "4s"}]});
        let (status, _) = send(c.post(s.url("/v1/workflows")).json(&wf)).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, created) = send(c.post(s.url("/v1/schedules")).json(&json!({
            "id": "one-at-a-time",
            "workflow_name": "slow_scan",
            "cron_expr": "* * * * * *",
            "max_concurrent": 1,
            "concurrency_policy": "queue",
        })))
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        // One run holds the slot; the ticks after it wait.
        let mut got = Value::Null;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            got = send(c.get(s.url("/v1/schedules/one-at-a-time"))).await.1;
            if got["queued"].as_array().is_some_and(|q| q.len() >= 2) {
                break;
            }
        }
        // Paused, it adds no more: what waits is what must survive.
        let (status, paused) = send(c.post(s.url("/v1/schedules/one-at-a-time/pause"))).await;
        assert_eq!(status, StatusCode::OK, "{paused}");
        let queued = paused["queued"].as_array().cloned().unwrap_or_default();
        assert!(queued.len() >= 2, "{got}");
        assert_eq!(runs_of(&s, &c, "slow_scan").await.len(), 1);
        queued
        // Dropped: killed, as a crash would.
    };
    let s = Server::start_at(&data, &[]);
    // The resumed run still holds the slot: nothing queued starts beside it.
    let (_, got) = send(c.get(s.url("/v1/schedules/one-at-a-time"))).await;
    assert_eq!(got["queued"].as_array().unwrap(), &queued, "{got}");
    assert_eq!(runs_of(&s, &c, "slow_scan").await.len(), 1);
    // Then each queued tick runs, one after another.
    let want = 1 + queued.len();
    let mut runs = Vec::new();
    for _ in 0..600 {
        runs = runs_of(&s, &c, "slow_scan").await;
        let ended = runs.iter().filter(|r| r["status"] == "completed").count();
        if ended == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(runs.len(), want, "{runs:?}");
    assert!(runs.iter().all(|r| r["status"] == "completed"), "{runs:?}");
    let scheduled: Vec<&Value> = runs[1..]
        .iter()
        .map(|r| &r["input"]["scheduled_at"])
        .collect();
    assert_eq!(scheduled, queued.iter().collect::<Vec<_>>());
    let time = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    for pair in runs.windows(2) {
        let (ended, next) = (time(&pair[0]["finished_at"]), time(&pair[1]["started_at"]));
        assert!(next >= ended, "two at once: {pair:?}");
    }
    let (_, got) = send(c.get(s.url("/v1/schedules/one-at-a-time"))).await;
    assert!(
        got["queued"].as_array().is_none_or(|q| q.is_empty()),
        "{got}"
    );
}
