//! The audit trail names the token's subject (a run, a cancel, a schedule
//! change), filters and pages, and its JSON-lines export holds the same
//! records; on the real `orchestrator serve`.

mod common;

use std::time::Duration;

use common::auth::Secured;
use common::server::{client, json_of};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_trail_names_the_tokens_subject_and_the_export_matches() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("audit.jsonl");
    let s = Secured::start(&[("AUDIT_LOG_FILE", export.to_str().unwrap())]);
    let c = client();
    let alice = s.token(
        "alice",
        &[
            "workflows:write",
            "workflows:run",
            "workflows:cancel",
            "schedules:admin",
        ],
    );
    assert_eq!(
        s.define(
            &alice,
            "name: nap\ntasks:\n  - {id: z, type: sleep, duration: 1h}\n"
        )
        .await,
        201
    );
    let (_, run) = json_of(
        c.post(s.server.url("/v1/run"))
            .bearer_auth(&alice)
            .json(&json!({"workflow": "nap", "wait": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = run["workflow_id"].as_str().unwrap().to_owned();
    let cancel = c
        .post(s.server.url(&format!("/v1/cancel/{id}")))
        .bearer_auth(&alice)
        .json(&json!({"reason": "False positive detected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 200);
    let schedule = c
        .post(s.server.url("/v1/schedules"))
        .bearer_auth(&alice)
        .json(&json!({"id": "nightly", "workflow_name": "nap", "cron_expr": "0 0 3 * * *"}))
        .send()
        .await
        .unwrap();
    assert_eq!(schedule.status(), 201, "{}", schedule.text().await.unwrap());

    let admin = s.admin();
    let (_, trail) = json_of(
        c.get(s.server.url("/v1/audit?actor=alice"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let records = trail["records"].as_array().unwrap();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for want in [
        "workflow.create",
        "execution.start",
        "execution.cancel",
        "schedule.create",
    ] {
        assert!(actions.contains(&want), "{want} missing: {trail}");
    }
    assert!(records.iter().all(|r| r["actor"] == "alice"), "{trail}");
    let cancel = records
        .iter()
        .find(|r| r["action"] == "execution.cancel")
        .unwrap();
    assert_eq!(cancel["target"], id.as_str());
    assert_eq!(cancel["reason"], "False positive detected");
    // The execution names who started it.
    let (_, e) = json_of(
        c.get(s.server.url(&format!("/v1/executions/{id}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(e["started_by"], "alice", "{e}");

    // Filters: one action, and pages that neither repeat nor skip.
    let (_, one) = json_of(
        c.get(s.server.url("/v1/audit?action=execution.cancel"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(one["records"].as_array().unwrap().len(), 1, "{one}");
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let (_, page) = json_of(
            c.get(
                s.server
                    .url(&format!("/v1/audit?actor=alice&limit=1&page_token={token}")),
            )
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
        )
        .await;
        paged.extend(page["records"].as_array().unwrap().iter().cloned());
        token = page["next_page_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(&paged, records);

    // The export has the same records, oldest first, once each.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let exported: Vec<Value> = loop {
        let text = std::fs::read_to_string(&export).unwrap_or_default();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if lines.iter().filter(|l| l["actor"] == "alice").count() >= records.len() {
            break lines;
        }
        assert!(tokio::time::Instant::now() < deadline, "export: {text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let theirs: Vec<(&Value, &Value, &Value)> = exported
        .iter()
        .filter(|l| l["actor"] == "alice")
        .map(|l| (&l["action"], &l["target"], &l["reason"]))
        .collect();
    let ours: Vec<(&Value, &Value, &Value)> = records
        .iter()
        .rev()
        .map(|r| (&r["action"], &r["target"], &r["reason"]))
        .collect();
    assert_eq!(theirs, ours);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_execution_is_audited_with_its_error() {
    let s = Secured::start(&[]);
    let c = client();
    let alice = s.token("alice", &["workflows:write", "workflows:run"]);
    assert_eq!(
        s.define(
            &alice,
            "name: slow\ntasks:\n  - {id: z, type: sleep, duration: 10s, timeout: 20ms}\n"
        )
        .await,
        201
    );
    let (_, run) = json_of(
        c.post(s.server.url("/v1/run"))
            .bearer_auth(&alice)
            .json(&json!({"workflow": "slow"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(run["status"], "failed", "{run}");
    let id = run["workflow_id"].as_str().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, trail) = json_of(
            c.get(
                s.server
                    .url(&format!("/v1/audit?action=execution.failed&target={id}")),
            )
            .bearer_auth(s.admin())
            .send()
            .await
            .unwrap(),
        )
        .await;
        if let Some(r) = trail["records"].as_array().and_then(|r| r.first()) {
            assert_eq!(r["actor"], "engine");
            assert!(r["reason"].as_str().unwrap().contains("timed out"), "{r}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{trail}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
