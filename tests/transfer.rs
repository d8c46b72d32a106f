//! `orchestrator export` / `import` between two live servers: a round trip
//! gives back the same document, a second import writes nothing, and a
//! wrong document is refused whole with the field named.

mod common;

use std::path::Path;
use std::process::Output;

use common::server::{Server, client, send};
use common::{orchestrator, text};
use orchestrator::cli::parse;
use reqwest::StatusCode;
use serde_json::json;

/// Exports `s` into `file`; the document.
fn export(s: &Server, file: &Path, format: &str) -> orchestrator::cli::Export {
    let out = orchestrator(&[
        "export",
        "--server",
        &s.grpc,
        "-o",
        format,
        "--to",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut doc = parse(&std::fs::read_to_string(file).unwrap()).unwrap();
    doc.exported_at.clear();
    doc
}

fn import(s: &Server, file: &Path) -> Output {
    orchestrator(&["import", file.to_str().unwrap(), "--server", &s.grpc])
}

async fn post(s: &Server, path: &str, body: serde_json::Value) {
    let (status, b) = send(client().post(s.url(path)).json(&body)).await;
    assert!(status.is_success(), "{path}: {status} {b}");
}

async fn workflow_count(s: &Server) -> usize {
    let (status, w) = send(client().get(s.url("/v1/workflows?include_archived=true"))).await;
    assert_eq!(status, StatusCode::OK);
    w["workflows"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn definitions_move_between_servers_and_come_back_the_same() {
    let (a, b) = (Server::start(), Server::start());
    let dir = tempfile::tempdir().unwrap();
    let echo = |v: u32| json!({"name": "enrich", "tasks": [{"id": "e", "type": "echo", "body": {"v": v}}]});
    post(&a, "/v1/workflows", echo(1)).await;
    let (status, _) = send(client().put(a.url("/v1/workflows/enrich")).json(&echo(2))).await;
    assert_eq!(status, StatusCode::OK);
    post(
        &a,
        "/v1/workflows",
        json!({"name": "old", "tasks": [{"id": "x", "type": "echo", "body": {}}]}),
    )
    .await;
    post(&a, "/v1/workflows/old/archive", json!({})).await;
    post(
        &a,
        "/v1/schedules",
        json!({
            "id": "nightly", "workflow_name": "enrich", "cron_expr": "0 0 2 * * *",
            "timezone": "Europe/Paris", "enabled": false
        }),
    )
    .await;
    post(
        &a,
        "/v1/triggers",
        json!({
            "id": "on-threat", "workflow_name": "enrich", "event_type": "kafka.threat_*",
            "filter": "event.severity == \"high\""
        }),
    )
    .await;
    post(
        &a,
        "/v1/triggers",
        json!({
            "id": "hook", "workflow_name": "enrich", "event_type": "webhook.hook",
            "webhook_secret": "a-secret-of-some-length"
        }),
    )
    .await;

    let file = dir.path().join("a.yaml");
    let exported = export(&a, &file, "yaml");
    assert_eq!(exported.workflows.len(), 2);
    let enrich = exported
        .workflows
        .iter()
        .find(|w| w.name == "enrich")
        .unwrap();
    assert_eq!(enrich.versions.len(), 2, "every version");
    assert!(
        exported
            .workflows
            .iter()
            .any(|w| w.name == "old" && w.archived)
    );
    assert_eq!((exported.schedules.len(), exported.triggers.len()), (1, 2));
    let hook = exported.triggers.iter().find(|t| t.id == "hook").unwrap();
    assert_eq!(hook.webhook_secret, "***", "secrets never leave the server");

    // The target lacks the webhook's secret: nothing at all is written.
    let out = import(&b, &file);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("triggers[0] ('hook').webhook_secret"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        workflow_count(&b).await,
        0,
        "a refused import writes nothing"
    );

    // With the secret filled in, everything lands: versions in order.
    let mut filled = parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for t in filled.triggers.iter_mut().filter(|t| t.id == "hook") {
        t.webhook_secret = "a-secret-of-some-length".into();
    }
    std::fs::write(&file, serde_norway::to_string(&filled).unwrap()).unwrap();
    let out = import(&b, &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (_, v) = send(client().get(b.url("/v1/workflows/enrich"))).await;
    assert_eq!(v["version"], 2, "{v}");
    let again = export(&b, &dir.path().join("b.yaml"), "yaml");
    assert_eq!(again, exported, "the round trip gives back the document");
    // And the JSON form reads back the same.
    assert_eq!(export(&b, &dir.path().join("b.json"), "json"), exported);

    // A second import has nothing to do.
    let out = import(&b, &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "no writes the second time");
    let (_, v) = send(client().get(b.url("/v1/workflows/enrich"))).await;
    assert_eq!(v["version"], 2, "no new version: {v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_document_is_refused_whole_with_the_field_named() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "orchestrator_export: 1\nworkflows: []\nsurprise: 1\n",
            "unknown field `surprise`",
        ),
        ("orchestrator_export: 9\n", "orchestrator_export: format 9"),
        (
            "orchestrator_export: 1\nworkflows:\n  - name: w\n    versions:\n      - {name: w, tasks: [{id: a, type: echo, body: {}}]}\n      - {name: w, tasks: [{id: a, type: nosuch}]}\n",
            "workflows[0] ('w').versions[1]",
        ),
        (
            "orchestrator_export: 1\nschedules:\n  - {id: s, workflow_name: w, cron_expr: '61 * * * * *'}\n",
            "schedules[0] ('s').cron_expr",
        ),
        (
            "orchestrator_export: 1\ntriggers:\n  - {id: t, workflow_name: missing, event_type: x.y}\n",
            "triggers[0] ('t').workflow_name: workflow 'missing'",
        ),
        (
            "orchestrator_export: 1\nworkflows:\n  - name: w\n    versions: [{name: v, tasks: [{id: a, type: echo, body: {}}]}]\n",
            "versions[0].name",
        ),
    ];
    for (i, (doc, says)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("{i}.yaml"));
        std::fs::write(&file, doc).unwrap();
        let out = import(&s, &file);
        assert_eq!(out.status.code(), Some(2), "{doc}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(says),
            "{doc}: {}",
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).contains("panicked"));
    }
    assert_eq!(workflow_count(&s).await, 0, "nothing was written");

    // A version written as a workflow file is (the brief's flat form) is read too.
    let file = dir.path().join("flat.yaml");
    std::fs::write(
        &file,
        "orchestrator_export: 1\nworkflows:\n  - name: w\n    versions:\n      - {name: w, tasks: [{id: a, type: echo, body: {x: 1}}]}\n",
    )
    .unwrap();
    let out = import(&s, &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "create workflow 'w'\n");
    assert_eq!(workflow_count(&s).await, 1);

    // No server: a clear message and exit code 1.
    let file = dir.path().join("empty.yaml");
    std::fs::write(&file, "orchestrator_export: 1\n").unwrap();
    let out = orchestrator(&["import", file.to_str().unwrap(), "--server", "127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot connect to 127.0.0.1:9"),
        "{}",
        text(&out.stderr)
    );
    let out = orchestrator(&["export", "--server", "127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(1));
}
