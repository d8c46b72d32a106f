//! `orchestrator bench`, the load generator, against the real `orchestrator
//! serve` process: its figures over both transports, and runs that differ
//! by their `--input` parameters.

mod common;

use common::server::Server;
use orchestrator::proto::execution_service_client::ExecutionServiceClient;
use orchestrator::proto::{
    GetExecutionRequest, ListExecutionsRequest, pb_to_json, struct_to_json_map,
};

/// `orchestrator bench` with these arguments; its exit status and output.
fn bench(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .arg("bench")
        .args(args)
        .output()
        .unwrap()
}

/// The JSON report, the last line a successful bench prints.
fn report(out: std::process::Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_load_generator_reports_runs_and_latencies_over_grpc_and_rest() {
    let s = Server::start();
    let (grpc, rest) = (s.grpc.clone(), s.url(""));
    let outs = tokio::task::spawn_blocking(move || {
        let diamond = |extra: &[&str]| {
            let args = [
                "--grpc",
                &grpc,
                "--workflow",
                "diamond",
                "--define",
                "examples/diamond.yaml",
            ];
            let load = ["--concurrency", "4", "--duration", "300ms"];
            bench(&[&args[..], &load, extra].concat())
        };
        [diamond(&[]), diamond(&["--rest", &rest])]
    })
    .await
    .unwrap();
    for out in outs {
        let report = report(out);
        assert!(report["runs"].as_u64().unwrap() > 0, "{report}");
        assert_eq!(report["errors"], 0);
        assert_eq!(
            report["tasks"].as_u64().unwrap(),
            4 * report["runs"].as_u64().unwrap()
        );
        assert!(
            report["latency_ms"]["p99"].as_f64().unwrap()
                >= report["latency_ms"]["p50"].as_f64().unwrap()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_run_gets_the_inputs_with_its_own_number() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("numbered.yaml");
    std::fs::write(
        &file,
        "name: numbered\ntasks:\n  - {id: say, type: echo, body: {tag: '{{input.tag}}'}}\n",
    )
    .unwrap();
    let grpc = s.grpc.clone();
    let file = file.to_str().unwrap().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        bench(&[
            "--grpc",
            &grpc,
            "--workflow",
            "numbered",
            "--define",
            &file,
            "--concurrency",
            "3",
            "--duration",
            "200ms",
            "--rate",
            "50",
            "--input",
            "tag=run-{n}",
            "--input",
            "fixed=5",
        ])
    })
    .await
    .unwrap();
    let runs = report(out)["runs"].as_u64().unwrap();
    assert!(runs > 1);
    let mut ex = ExecutionServiceClient::new(s.channel().await);
    let listed = ex
        .list_executions(ListExecutionsRequest {
            workflow: "numbered".into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .executions;
    assert_eq!(listed.len() as u64, runs);
    let mut tags = std::collections::BTreeSet::new();
    for e in listed {
        let e = ex
            .get_execution(GetExecutionRequest { execution_id: e.id })
            .await
            .unwrap()
            .into_inner();
        let input = struct_to_json_map(e.input.as_ref().unwrap());
        assert_eq!(
            input["fixed"].as_f64(),
            Some(5.0),
            "a JSON value keeps its type"
        );
        let tag = input["tag"].as_str().unwrap().to_owned();
        let said = pb_to_json(e.task_results["say"].output.as_ref().unwrap());
        assert_eq!(said["tag"], tag.as_str());
        tags.insert(tag);
    }
    assert_eq!(
        tags.len() as u64,
        runs,
        "every run has its own number: {tags:?}"
    );
    assert!(tags.iter().all(|t| t.starts_with("run-")), "{tags:?}");
}

#[test]
fn an_input_without_a_value_is_refused_before_any_load() {
    let out = bench(&["--grpc", "127.0.0.1:1", "--workflow", "w", "--input", "tag"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--input \"tag\": expected KEY=VALUE"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_load_tools_send_a_token_to_a_server_that_wants_one() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef").unwrap();
    let s = Server::start_with_env(
        &dir.path().join("data"),
        &[],
        &[("AUTH_JWT_SECRET_FILE", secret.to_str().unwrap())],
    );
    let minted = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args([
            "token",
            "--secret-file",
            secret.to_str().unwrap(),
            "--sub",
            "loader",
        ])
        .args([
            "--permissions",
            "workflows:write,workflows:run,schedules:admin,events:publish,workflows:read",
        ])
        .output()
        .unwrap();
    let token = String::from_utf8(minted.stdout).unwrap().trim().to_owned();
    let grpc = s.grpc.clone();
    let (runs, events, refused) = tokio::task::spawn_blocking(move || {
        let load = ["--concurrency", "2", "--duration", "300ms"];
        let diamond = [
            "--grpc",
            &grpc,
            "--workflow",
            "diamond",
            "--define",
            "examples/diamond.yaml",
        ];
        let runs = bench(&[&diamond[..], &load, &["--token", &token]].concat());
        let events = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
            .args(["bench-events", "--grpc", &grpc, "--rate", "50"])
            .args(load)
            .args(["--token", &token])
            .output()
            .unwrap();
        let refused = bench(&[&diamond[..], &load].concat());
        (runs, events, refused)
    })
    .await
    .unwrap();
    assert!(report(runs)["runs"].as_u64().unwrap() > 0);
    let events = report(events);
    assert!(events["runs"].as_u64().unwrap() > 0, "{events}");
    assert_eq!(events["errors"], 0, "{events}");
    assert_ne!(refused.status.code(), Some(0));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("bearer token is required"), "{err}");
}
