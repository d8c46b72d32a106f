//! `orchestrator serve --store postgres://…`: the real server keeping
//! everything in the machine's PostgreSQL (a fresh database per test)
//! instead of a data directory, and a second server refused the database
//! the first one holds.

mod common;

use common::pg::FreshDatabase;
use common::server::{Server, client, send};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_server_on_postgres_runs_and_remembers_across_a_restart() {
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("unused");
    let url = db.url();
    let c = client();
    let id = {
        let s = Server::start_at(&data, &["--store", &url]);
        let (status, w) = send(
            c.post(s.url("/v1/workflows"))
                .header("Content-Type", "application/yaml")
                .body(std::fs::read_to_string("examples/diamond.yaml").unwrap()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{w}");
        let (status, run) = send(
            c.post(s.url("/v1/run"))
                .json(&json!({"workflow": "diamond"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{run}");
        assert_eq!(run["status"], "completed");
        run["workflow_id"].as_str().unwrap().to_owned()
    };
    assert!(!data.exists(), "nothing is kept in a data directory");

    let s = Server::start_with_env(&data, &[], &[("DATABASE_URL", url.as_str())]);
    let (status, e) = send(c.get(s.url(&format!("/v1/executions/{id}")))).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["status"], "completed");
    assert_eq!(e["task_results"].as_object().unwrap().len(), 4);
    let (_, audit) = send(c.get(s.url("/v1/audit"))).await;
    let actions: Vec<&str> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"workflow.create"), "{actions:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_server_on_the_same_database_is_refused_with_a_clear_error() {
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url();
    let _first = Server::start_at(&dir.path().join("a"), &["--store", &url]);
    let stderr = Server::refused(&dir.path().join("b"), &["--store", &url]);
    assert!(stderr.contains("another server uses it"), "{stderr}");

    let stderr = Server::refused(
        &dir.path().join("c"),
        &["--store", "mysql://root@127.0.0.1/test"],
    );
    assert!(stderr.contains("expected a PostgreSQL URL"), "{stderr}");
}
