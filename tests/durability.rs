//! Crash safety: a run killed with SIGKILL resumes from its data directory,
//! and no task that had succeeded before the kill is called again.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::CountingServer;
use orchestrator::proto::TaskState;
use orchestrator::store::{RocksStore, Store};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_then_resume_completes_without_repeating_succeeded_tasks() {
    let server = CountingServer::start().await;
    server.hold("t4");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut yaml = String::from("name: chain\ntasks:\n");
    for i in 1..=6 {
        let path = if i == 4 {
            "hold/t4".to_owned()
        } else {
            format!("step/t{i}")
        };
        let dep = if i == 1 {
            String::new()
        } else {
            format!(", depends_on: [t{}]", i - 1)
        };
        yaml.push_str(&format!(
            "  - {{id: t{i}, type: http, method: POST, url: \"{}\", body: {{n: {i}}}{dep}}}\n",
            server.url(&path)
        ));
    }
    let wf = dir.path().join("chain.yaml");
    std::fs::write(&wf, yaml).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(["run", "--output", "json", "--data-dir"])
        .arg(&data)
        .arg(&wf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.count("hold/t4") == 0 {
        assert!(Instant::now() < deadline, "t4 was never called");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // t4 holds the run; the ends of t1..t3 are group-committed behind it.
    // A second lets a writer slowed by a loaded machine catch up, so that
    // they ended well before the kill.
    tokio::time::sleep(Duration::from_secs(1)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // What the store holds as succeeded at the moment of the kill.
    let succeeded: Vec<String> = {
        let store = RocksStore::open(&data, Default::default()).unwrap();
        let unfinished = store.unfinished_executions().await.unwrap();
        assert_eq!(
            unfinished.len(),
            1,
            "the killed run is unfinished in the store"
        );
        unfinished[0]
            .task_results
            .values()
            .filter(|r| r.status == TaskState::Succeeded as i32)
            .map(|r| r.task_id.clone())
            .collect()
    };
    assert!(
        succeeded.len() >= 2,
        "tasks ended well before the kill are durable: {succeeded:?}"
    );
    assert!(!succeeded.contains(&"t4".to_owned()));

    server.release("t4");
    let data2 = data.clone();
    let o = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_orchestrator"))
            .args(["resume", "--output", "json", "--data-dir"])
            .arg(&data2)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "completed");
    for i in 1..=6 {
        assert_eq!(v["task_results"][format!("t{i}")]["status"], "succeeded");
    }
    for id in &succeeded {
        assert_eq!(
            server.count(&format!("step/{id}")),
            1,
            "{id} succeeded before the kill and must not run again"
        );
    }
    assert_eq!(
        server.count("hold/t4"),
        2,
        "the interrupted task ran again (at-least-once)"
    );
    assert_eq!(server.count("step/t5"), 1);
    assert_eq!(server.count("step/t6"), 1);
}
