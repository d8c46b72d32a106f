//! Backups: a RocksDB checkpoint through the Backup RPC (REST and the
//! `backup --server` command) and of a stopped server's data directory
//! (`backup --data-dir --to`); a server started on one has the runs.

mod common;

use std::path::Path;

use common::server::{Server, client, send};
use common::{orchestrator, text};
use reqwest::StatusCode;
use serde_json::json;

/// Defines and runs a workflow on `s`; the execution's id.
async fn one_run(s: &Server) -> String {
    let c = client();
    let (status, w) = send(c.post(s.url("/v1/workflows")).json(&json!({
        "name": "kept", "tasks": [{"id": "a", "type": "echo", "body": {"n": 1}}]
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    let (_, run) = send(c.post(s.url("/v1/run")).json(&json!({"workflow": "kept"}))).await;
    assert_eq!(run["status"], "completed", "{run}");
    run["workflow_id"].as_str().unwrap().to_owned()
}

/// A server on `data` has execution `id`, completed.
async fn has_run(data: &Path, id: &str) {
    let s = Server::start_at(data, &[]);
    let (status, e) = send(client().get(s.url(&format!("/v1/executions/{id}")))).await;
    assert_eq!(
        (status, &e["status"]),
        (StatusCode::OK, &json!("completed")),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_of_a_running_server_starts_a_server_with_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = Server::start_at(&data, &[]);
    let id = one_run(&s).await;
    let c = client();

    let (status, b) = send(
        c.post(s.url("/v1/admin/backup"))
            .json(&json!({"name": "first"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let first = dir.path().join("backups/first");
    assert_eq!(
        b["path"],
        first.display().to_string(),
        "beside the data directory"
    );
    // uint64 is a string in proto3's JSON mapping.
    let bytes: u64 = b["bytes"].as_str().unwrap().parse().unwrap();
    assert!(bytes > 0, "{b}");

    // Bad and taken names are refused; the name is the field at fault.
    for (name, status, says) in [
        ("first", StatusCode::CONFLICT, "exists"),
        ("../escape", StatusCode::BAD_REQUEST, "name: "),
        (".hidden", StatusCode::BAD_REQUEST, "name: "),
    ] {
        let (got, e) = send(
            c.post(s.url("/v1/admin/backup"))
                .json(&json!({"name": name})),
        )
        .await;
        assert_eq!(got, status, "{name}: {e}");
        assert!(e["message"].as_str().unwrap().contains(says), "{name}: {e}");
    }
    assert!(!dir.path().join("escape").exists());

    // The command line, through the gRPC call; the default name is the time.
    let out = orchestrator(&["backup", "--server", &s.grpc]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("backups/backup-"),
        "{}",
        text(&out.stdout)
    );
    let (_, audit) = send(c.get(s.url("/v1/audit?action=store.backup"))).await;
    assert_eq!(audit["records"].as_array().unwrap().len(), 2, "{audit}");

    // Offline backup of a running server's directory is refused: it is in use.
    let out = orchestrator(&[
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        "--to",
        dir.path().join("offline").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--server"),
        "{}",
        text(&out.stderr)
    );
    drop(s);

    has_run(&first, &id).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_servers_data_directory_is_backed_up_offline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = {
        let s = Server::start_at(&data, &[]);
        one_run(&s).await
    };
    let to = dir.path().join("copy");
    let out = orchestrator(&[
        "backup",
        "--data-dir",
        data.to_str().unwrap(),
        "--to",
        to.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    has_run(&to, &id).await;

    // Again to the same place, or from a directory that holds no store.
    for (from, into, says) in [
        (&data, &to, "exists"),
        (
            &dir.path().join("nothing"),
            &dir.path().join("x"),
            "not a data directory",
        ),
    ] {
        let out = orchestrator(&[
            "backup",
            "--data-dir",
            from.to_str().unwrap(),
            "--to",
            into.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
    // A name is for a served backup only.
    let out = orchestrator(&[
        "backup",
        "--name",
        "n",
        "--data-dir",
        data.to_str().unwrap(),
        "--to",
        dir.path().join("y").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // Without --data-dir it is the served kind, of --server's server: one
    // that is not there is said so.
    let out = orchestrator(&["backup", "--server", "127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot connect to 127.0.0.1:9"),
        "{}",
        text(&out.stderr)
    );
}
