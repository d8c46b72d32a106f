//! The command line as users run it: the real `orchestrator` binary.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::CountingServer;
use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_orchestrator"));
    c.env_remove("ROCKSDB_PATH")
        .env("SHELL_ALLOWLIST", "echo,sh");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn validate_prints_file_task_field_message_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.yaml",
        "name: g\ntasks:\n  - {id: a, type: echo}\n",
    );
    let bad = write(
        dir.path(),
        "bad.yaml",
        "name: b\ntimeout: never\ntasks:\n  - {id: a, type: http}\n  - {id: b, type: echo, depends_on: [zz]}\n",
    );
    let o = bin().arg("validate").arg(&good).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty());

    let o = bin().arg("validate").arg(&good).arg(&bad).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<String> = stderr(&o).lines().map(String::from).collect();
    let b = bad.display();
    assert!(lines.contains(&format!("{b}: timeout: bad duration \"never\": expected a number and a unit, like 250ms, 5s, 2m or 1h")), "{lines:#?}");
    assert!(
        lines.contains(&format!("{b}: task 'a': url: required")),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&format!("{b}: task 'b': depends_on: unknown task 'zz'")),
        "{lines:#?}"
    );
    assert_eq!(lines.len(), 3);

    let o = bin()
        .arg("validate")
        .arg(dir.path().join("missing.yaml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.yaml: cannot read"));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_json_output_is_one_object_in_the_briefs_shape() {
    let server = CountingServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "wf.yaml",
        &format!(
            r#"
name: threat_response
tasks:
  - {{id: enrich, type: http, method: POST, url: "{}", body: {{indicator: "{{{{ input.indicator }}}}"}}}}
  - {{id: score, type: echo, depends_on: [enrich], body: {{risk: "{{{{ input.risk }}}}"}}}}
  - {{id: block, type: echo, depends_on: [score], condition: "score.risk > 0.8", body: blocked}}
"#,
            server.url("/enrich")
        ),
    );
    let data = dir.path().join("data");
    let o = tokio::task::spawn_blocking(move || {
        bin()
            .args([
                "run",
                "--output",
                "json",
                "--input",
                "indicator=192.168.1.100",
            ])
            .args(["--input-json", r#"{"risk": 0.5}"#, "--data-dir"])
            .arg(&data)
            .arg(&wf)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).expect("stdout is one JSON object");
    assert_eq!(v["status"], "completed");
    assert!(
        v["workflow_id"]
            .as_str()
            .unwrap()
            .starts_with("threat_response-")
    );
    assert_eq!(v["workflow"], "threat_response");
    assert_eq!(v["version"], 1);
    assert!(v["duration_ms"].is_u64());
    let enrich = &v["task_results"]["enrich"];
    assert_eq!(enrich["status"], "succeeded");
    assert_eq!(enrich["output"]["body"]["indicator"], "192.168.1.100");
    assert_eq!(enrich["attempts"], 1);
    assert_eq!(enrich["cached"], false);
    assert!(enrich["duration_ms"].is_u64());
    assert_eq!(v["task_results"]["score"]["output"]["risk"], 0.5);
    assert_eq!(v["task_results"]["block"]["status"], "skipped");
    assert_eq!(server.count("enrich"), 1);
}

#[test]
fn run_exit_codes_are_0_1_and_2() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(
        dir.path(),
        "ok.yaml",
        "name: ok\ntasks:\n  - {id: a, type: shell, program: echo, args: ['{\"n\": 1}']}\n",
    );
    let fails = write(
        dir.path(),
        "fails.yaml",
        "name: f\ntasks:\n  - {id: a, type: shell, program: sh, args: ['-c', 'echo boom >&2; exit 3']}\n",
    );
    let invalid = write(
        dir.path(),
        "invalid.yaml",
        "name: i\ntasks:\n  - {id: a, type: nope}\n",
    );

    let o = bin()
        .args(["run", "--ephemeral", "--output", "json"])
        .arg(&ok)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["task_results"]["a"]["output"]["stdout"]["n"], 1,
        "JSON stdout is parsed"
    );

    let o = bin()
        .args(["run", "--ephemeral", "--output", "json"])
        .arg(&fails)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["task_results"]["a"]["error"], "exit code 3: boom");

    let o = bin()
        .args(["run", "--ephemeral"])
        .arg(&invalid)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("task 'a': type: unknown task type 'nope'"));
    assert!(stdout(&o).is_empty());

    let o = bin()
        .args(["run", "--ephemeral", "--input", "novalue"])
        .arg(&ok)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected KEY=VALUE"));

    let o = bin()
        .args(["run", "--ephemeral", "--input-json", "[1]"])
        .arg(&ok)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_text_output_shows_each_task_transition() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "wf.yaml",
        "name: t\ntasks:\n  - {id: a, type: echo, body: 1}\n  - {id: b, type: echo, depends_on: [a], condition: 'false'}\n",
    );
    let o = bin()
        .args(["run", "--ephemeral"])
        .arg(&wf)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("a                        running"), "{text}");
    assert!(text.contains("✓ a"), "{text}");
    assert!(
        text.contains("↷ b                        skipped"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().starts_with("completed t-"),
        "{text}"
    );
}

#[test]
fn invalid_definition_leaves_the_store_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let invalid = write(
        dir.path(),
        "invalid.yaml",
        "name: i\ntasks:\n  - {id: a, type: echo, depends_on: [a]}\n",
    );
    let o = bin()
        .args(["run", "--data-dir"])
        .arg(&data)
        .arg(&invalid)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!data.exists(), "the data directory was not even created");
}

#[test]
fn ctrl_c_cancels_with_reason_interrupted_and_records_it() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let wf = write(
        dir.path(),
        "wf.yaml",
        "name: long\ntasks:\n  - {id: wait, type: sleep, duration: 1h}\n",
    );
    let mut child = bin()
        .args(["run", "--data-dir"])
        .arg(&data)
        .arg(&wf)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Interrupt once the task is running.
    for line in lines.by_ref() {
        if line.unwrap().contains("wait                     running") {
            break;
        }
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(
        rest.iter().any(|l| l.starts_with("✗ wait")
            && l.contains("cancelled")
            && l.ends_with("interrupted")),
        "{rest:#?}"
    );
    assert!(
        rest.last().unwrap().starts_with("cancelled long-"),
        "{rest:#?}"
    );
    assert!(rest.last().unwrap().ends_with(": interrupted"), "{rest:#?}");

    // Recorded in the store, with who asked.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use orchestrator::store::Store;
        let store = orchestrator::store::RocksStore::open(&data, Default::default()).unwrap();
        assert!(store.unfinished_executions().await.unwrap().is_empty());
        let runs = store.list_executions(&Default::default()).await.unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].error, "interrupted");
        assert_eq!(runs[0].cancelled_by, "cli");
        assert_eq!(
            runs[0].status,
            orchestrator::proto::ExecutionState::Cancelled as i32
        );
    });
}

#[test]
fn graph_prints_mermaid_and_dot() {
    let o = bin()
        .args(["graph", "examples/auto_threat_response.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("flowchart TD\n"));
    assert!(text.contains("t_enrich --> t_score"));
    assert!(text.contains("t_block[\"block (http)<br/>if score.risk > 0.8\"]"));
    let o = bin()
        .args([
            "graph",
            "--format",
            "dot",
            "examples/auto_threat_response.yaml",
        ])
        .output()
        .unwrap();
    let text = stdout(&o);
    assert!(text.contains("\"score\" -> \"block\";"), "{text}");
    assert!(text.contains("label=\"score\\n(model)\""), "{text}");
}

#[test]
fn bench_over_rest_defines_and_runs_without_any_grpc_listener() {
    let s = common::server::Server::start();
    // A port nothing listens on: with --rest, bench must not dial gRPC at
    // all (it used to connect there first, even to define the workflow).
    // `--grpc` is the old spelling of `--server`, kept for scripts.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let o = bin()
        .args(["bench", "--rest", &s.url(""), "--grpc", &closed.to_string()])
        .args(["--workflow", "diamond", "--define", "examples/diamond.yaml"])
        .args(["--concurrency", "2", "--duration", "200ms"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let report: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert!(report["runs"].as_u64().unwrap() > 0, "{text}");
    assert_eq!(report["errors"], 0, "{text}");
    // Defining it again updates the stored workflow over REST as well.
    let o = bin()
        .args([
            "bench",
            "--rest",
            &s.url("/"),
            "--grpc",
            &closed.to_string(),
        ])
        .args(["--workflow", "diamond", "--define", "examples/diamond.yaml"])
        .args(["--concurrency", "1", "--duration", "50ms"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_local_run_without_a_terminal_refuses_an_approval_nobody_could_decide() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let forever = write(
        dir.path(),
        "gate.yaml",
        "name: gate\ntasks:\n  - {id: ask, type: approval, message: 'Block it?'}\n",
    );
    // Standard input is not a terminal here (`output()` gives none).
    let o = bin()
        .arg("run")
        .arg(&forever)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("task 'ask': an approval task waits for a person"),
        "{}",
        stderr(&o)
    );
    assert!(!data.exists(), "nothing is stored for a refused run");

    // With a timeout the run decides itself: on_timeout says how.
    let timed = write(
        dir.path(),
        "timed.yaml",
        "name: timed\ntasks:\n  - {id: ask, type: approval, message: 'Block it?', timeout: 1s, on_timeout: approve}\n",
    );
    let o = bin()
        .args(["run", "--ephemeral", "-o", "json"])
        .arg(&timed)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["task_results"]["ask"]["output"]["decision"], "approve");
    assert_eq!(v["task_results"]["ask"]["output"]["by"], "timeout");
}
