//! Events, triggers and webhooks through the real server: the brief's event
//! body, filters, signed webhooks (timestamps, replays), bad definitions,
//! and gRPC Publish.

mod common;

use std::time::Duration;

use common::server::{Server, client, send};
use hmac::{Hmac, Mac};
use orchestrator::proto::event_service_client::EventServiceClient;
use orchestrator::proto::{CreateTriggerRequest, Event, PublishRequest, TriggerSpec};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use tonic::Code;

/// Defines `respond`: one echo task that reports what it was started with.
async fn define(s: &Server, c: &reqwest::Client) {
    let wf = json!({"name": "respond", "tasks": [{"id": "note", "type": "echo",
        "body": {"severity": "{{event.severity}}", "source": "{{input.source}}", "type": "{{input.event_type}}"}}]});
    let (status, _) = send(c.post(s.url("/v1/workflows")).json(&wf)).await;
    assert_eq!(status, StatusCode::CREATED);
}

/// Waits for an execution to end; its REST view.
async fn ended(s: &Server, c: &reqwest::Client, id: &str) -> Value {
    for _ in 0..500 {
        let (_, e) = send(c.get(s.url(&format!("/v1/executions/{id}")))).await;
        if e["status"] != "running" {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{id} never ended");
}

async fn executions(s: &Server, c: &reqwest::Client) -> usize {
    let (_, list) = send(c.get(s.url("/v1/executions?workflow=respond"))).await;
    list["executions"].as_array().unwrap().len()
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The timestamped scheme: the HMAC of `<timestamp>.<body>`.
fn sign_at(secret: &str, timestamp: &str, body: &[u8]) -> String {
    sign(secret, &[timestamp.as_bytes(), b".", body].concat())
}

/// Unix seconds `offset` away from now, as the header carries them.
fn unix_time(offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (now + offset).to_string()
}

/// A webhook request to `name` with the given headers.
fn webhook(
    s: &Server,
    c: &reqwest::Client,
    name: &str,
    body: &[u8],
    signature: &str,
    timestamp: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut r = c
        .post(s.url(&format!("/v1/webhooks/{name}")))
        .header("X-Signature-256", signature)
        .body(body.to_vec());
    if let Some(t) = timestamp {
        r = r.header("X-Signature-Timestamp", t);
    }
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn the_briefs_event_starts_matching_triggers_and_filters_hold_back_the_rest() {
    let s = Server::start();
    let c = client();
    define(&s, &c).await;
    let (status, t) = send(c.post(s.url("/v1/triggers")).json(&json!({
        "id": "high-threats",
        "workflow_name": "respond",
        "event_type": "kafka.threat_*",
        "filter": "event.severity == \"high\""
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    // Another trigger on an unrelated type never fires here.
    let (status, _) = send(c.post(s.url("/v1/triggers")).json(&json!({
        "workflow_name": "respond", "event_type": "siem.login_failed"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // The brief's body, exactly.
    let (status, published) = send(c.post(s.url("/v1/events")).json(&json!({
        "event_type": "kafka.threat_detected",
        "event_data": {"severity": "high", "source": "ids"}
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    let started = published["executions"].as_array().unwrap();
    assert_eq!(started.len(), 1, "{published}");
    assert_eq!(published["outcomes"][0]["trigger_id"], "high-threats");
    let e = ended(&s, &c, started[0].as_str().unwrap()).await;
    assert_eq!(e["status"], "completed", "{e}");
    assert_eq!(
        e["task_results"]["note"]["output"],
        json!({"severity": "high", "source": "ids", "type": "kafka.threat_detected"})
    );

    // A non-matching filter starts nothing.
    let (status, published) = send(c.post(s.url("/v1/events")).json(&json!({
        "event_type": "kafka.threat_detected",
        "event_data": {"severity": "low", "source": "ids"}
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(published["executions"].as_array().unwrap().is_empty());
    assert_eq!(published["outcomes"][0]["outcome"], "filtered");
    // An event no trigger matches starts nothing either.
    let (_, published) = send(c.post(s.url("/v1/events")).json(&json!({
        "event_type": "kafka.heartbeat", "event_data": {}
    })))
    .await;
    assert!(published["outcomes"].as_array().unwrap().is_empty());
    assert_eq!(executions(&s, &c).await, 1);

    let (status, e) = send(c.post(s.url("/v1/events")).json(&json!({"event_data": {}}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        e["message"].as_str().unwrap().starts_with("event_type: "),
        "{e}"
    );

    let (_, metrics) = (
        (),
        c.get(s.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        metrics.contains(
            "swarm_workflow_event_triggers_total{event_type=\"kafka.threat_*\",outcome=\"filtered\",workflow=\"respond\"} 1"
        ),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_need_the_hmac_of_the_body() {
    let s = Server::start();
    let c = client();
    define(&s, &c).await;
    let secret = "a-long-shared-secret";
    let (status, t) = send(c.post(s.url("/v1/triggers")).json(&json!({
        "id": "siem", "workflow_name": "respond", "event_type": "webhook.siem", "webhook_secret": secret
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert_eq!(t["webhook_secret"], "***");

    let body = br#"{"severity": "high", "source": "splunk"}"#;
    let post = |sig: Option<String>| {
        let mut r = c.post(s.url("/v1/webhooks/siem")).body(body.to_vec());
        if let Some(sig) = sig {
            r = r.header("X-Signature-256", sig);
        }
        r
    };
    for bad in [
        None,
        Some("sha256=00".to_owned()),
        Some(sign("not-the-right-secret", body)),
        Some(sign(secret, b"{}")),
    ] {
        let (status, e) = send(post(bad.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad:?}: {e}");
        assert_eq!(e["code"], "UNAUTHENTICATED");
    }
    assert_eq!(
        executions(&s, &c).await,
        0,
        "a refused webhook starts nothing"
    );

    let (status, o) = send(post(Some(sign(secret, body)))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{o}");
    let e = ended(&s, &c, o["execution_id"].as_str().unwrap()).await;
    assert_eq!(e["task_results"]["note"]["output"]["source"], "splunk");
    assert_eq!(e["task_results"]["note"]["output"]["type"], "webhook.siem");

    let (status, _) = send(
        c.post(s.url("/v1/webhooks/nobody"))
            .header("X-Signature-256", sign(secret, body))
            .body(body.to_vec()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Disabled, the webhook answers its signed caller and starts nothing.
    let (status, t) = send(c.put(s.url("/v1/triggers/siem")).json(&json!({
        "workflow_name": "respond", "event_type": "webhook.siem", "enabled": false
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let other = br#"{"severity": "low"}"#;
    let (status, o) = send(
        c.post(s.url("/v1/webhooks/siem"))
            .header("X-Signature-256", sign(secret, other))
            .body(other.to_vec()),
    )
    .await;
    assert_eq!(
        (status, &o["outcome"]),
        (StatusCode::OK, &json!("skipped")),
        "{o}"
    );
    assert_eq!(o["detail"], "the trigger is disabled");
    assert_eq!(
        executions(&s, &c).await,
        1,
        "only the enabled webhook's run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_webhook_is_accepted_once_and_its_replay_starts_nothing() {
    let s = Server::start();
    let c = client();
    define(&s, &c).await;
    let secret = "a-long-shared-secret";
    let (status, t) = send(c.post(s.url("/v1/triggers")).json(&json!({
        "id": "siem", "workflow_name": "respond", "event_type": "webhook.siem", "webhook_secret": secret
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");

    // The older scheme (no timestamp) still works, once per signature.
    let body = br#"{"severity": "low", "source": "splunk"}"#;
    let (status, o) = send(webhook(&s, &c, "siem", body, &sign(secret, body), None)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{o}");
    let e = ended(&s, &c, o["execution_id"].as_str().unwrap()).await;
    assert_eq!(e["status"], "completed", "{e}");
    let (status, e) = send(webhook(&s, &c, "siem", body, &sign(secret, body), None)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["code"], "ALREADY_EXISTS");
    assert!(e["message"].as_str().unwrap().contains("replay"), "{e}");

    // Timestamped (Stripe/Slack style): accepted once, the same bytes refused.
    let body = br#"{"severity": "high", "source": "splunk"}"#;
    let at = unix_time(0);
    let signed = sign_at(secret, &at, body);
    let (status, o) = send(webhook(&s, &c, "siem", body, &signed, Some(&at))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{o}");
    let (status, e) = send(webhook(&s, &c, "siem", body, &signed, Some(&at))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    // The same signature written in upper case is the same signature.
    let upper = format!("sha256={}", signed[7..].to_uppercase());
    let (status, e) = send(webhook(&s, &c, "siem", body, &upper, Some(&at))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(executions(&s, &c).await, 2, "a replay starts nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_timestamps_must_be_signed_and_recent_and_can_be_required() {
    let s = Server::start();
    let c = client();
    define(&s, &c).await;
    let secret = "a-long-shared-secret";
    for (id, require) in [("siem", false), ("strict", true)] {
        let (status, t) = send(c.post(s.url("/v1/triggers")).json(&json!({
            "id": id, "workflow_name": "respond", "event_type": "webhook.siem",
            "webhook_secret": secret, "webhook_require_timestamp": require
        })))
        .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        assert_eq!(t["webhook_require_timestamp"], require);
    }
    let body = br#"{"severity": "high", "source": "splunk"}"#;
    let refused = |status: StatusCode, e: &Value, what: &str| {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {e}");
        assert_eq!(e["code"], "UNAUTHENTICATED", "{what}: {e}");
    };

    // Signed correctly, but 10 minutes old (or ahead): refused, naming it.
    for offset in [-600, 600] {
        let at = unix_time(offset);
        let signed = sign_at(secret, &at, body);
        let (status, e) = send(webhook(&s, &c, "siem", body, &signed, Some(&at))).await;
        refused(status, &e, "stale");
        let message = e["message"].as_str().unwrap();
        assert!(message.starts_with("X-Signature-Timestamp: "), "{e}");
        assert!(message.contains(&at), "{e}");
    }
    // The timestamp is part of what is signed: a body-only signature with
    // a timestamp, or a timestamp changed after signing, does not pass.
    let at = unix_time(0);
    let (status, e) = send(webhook(
        &s,
        &c,
        "siem",
        body,
        &sign(secret, body),
        Some(&at),
    ))
    .await;
    refused(status, &e, "body-only signature with a timestamp");
    let later = unix_time(1);
    let (status, e) = send(webhook(
        &s,
        &c,
        "siem",
        body,
        &sign_at(secret, &at, body),
        Some(&later),
    ))
    .await;
    refused(status, &e, "timestamp changed after signing");
    let (status, e) = send(webhook(
        &s,
        &c,
        "siem",
        body,
        &sign_at(secret, "x", body),
        Some("x"),
    ))
    .await;
    refused(status, &e, "not a number");
    // A wrong signature with a fresh timestamp is still a wrong signature.
    let (status, e) = send(webhook(
        &s,
        &c,
        "siem",
        body,
        &sign_at("not-the-right-secret", &at, body),
        Some(&at),
    ))
    .await;
    refused(status, &e, "wrong secret");

    // A trigger requiring timestamps refuses the older scheme.
    let (status, e) = send(webhook(&s, &c, "strict", body, &sign(secret, body), None)).await;
    refused(status, &e, "untimestamped");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("X-Signature-Timestamp"),
        "{e}"
    );
    assert_eq!(
        executions(&s, &c).await,
        0,
        "a refused webhook starts nothing"
    );
    let (status, o) = send(webhook(
        &s,
        &c,
        "strict",
        body,
        &sign_at(secret, &at, body),
        Some(&at),
    ))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{o}");
    assert_eq!(executions(&s, &c).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_triggers_are_refused_naming_the_field_and_nothing_is_stored() {
    let s = Server::start();
    let c = client();
    define(&s, &c).await;
    let good = json!({"workflow_name": "respond", "event_type": "kafka.*"});
    let with = |field: &str, value: Value| {
        let mut b = good.clone();
        b[field] = value;
        b
    };
    let cases = [
        (with("filter", json!("event.severity ==")), "filter: "),
        (
            with("filter", json!("input.x == 1")),
            "filter: unknown name 'input'",
        ),
        (
            with("workflow_name", json!("nobody")),
            "workflow_name: workflow 'nobody' not found",
        ),
        (with("event_type", json!("")), "event_type: required"),
        (with("webhook_secret", json!("short")), "webhook_secret: "),
        (
            with("webhook_require_timestamp", json!(true)),
            "webhook_require_timestamp: needs a webhook_secret",
        ),
        (
            with("webhook_require_timestamp", json!("yes")),
            "webhook_require_timestamp: ",
        ),
        (
            with("concurrency_policy", json!("later")),
            "concurrency_policy: ",
        ),
        (with("max_concurrent", json!(-1)), "max_concurrent: "),
    ];
    for (body, want) in cases {
        let (status, e) = send(c.post(s.url("/v1/triggers")).json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {e}");
        assert!(e["message"].as_str().unwrap().contains(want), "{body}: {e}");
    }
    let (_, list) = send(c.get(s.url("/v1/triggers"))).await;
    assert!(list["triggers"].as_array().unwrap().is_empty());
    let (status, _) = send(c.get(s.url("/v1/triggers/nope"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn event_service_over_grpc() {
    let s = Server::start();
    let c = client();
    define(&s, &c).await;
    let mut ev = EventServiceClient::new(s.channel().await);
    ev.create_trigger(CreateTriggerRequest {
        spec: Some(TriggerSpec {
            id: "t".into(),
            workflow_name: "respond".into(),
            event_type: "ids.alert".into(),
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let data = json!({"severity": "medium", "source": "zeek"});
    let out = ev
        .publish(PublishRequest {
            event: Some(Event {
                event_type: "ids.alert".into(),
                event_data: Some(orchestrator::proto::json_map_to_struct(
                    data.as_object().unwrap(),
                )),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(out.outcomes.len(), 1);
    assert_eq!(out.outcomes[0].outcome, "started");
    let none = ev
        .publish(PublishRequest { event: None })
        .await
        .unwrap_err();
    assert_eq!(none.code(), Code::InvalidArgument);
    let dup = ev
        .create_trigger(CreateTriggerRequest {
            spec: Some(TriggerSpec {
                id: "t".into(),
                workflow_name: "respond".into(),
                event_type: "ids.alert".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);
}
