//! grpcurl, with no .proto files, through server reflection: lists and
//! describes the services, checks health, defines, runs and watches a
//! workflow. grpcurl comes from scripts/setup.sh.

mod common;

use std::process::Command;

use common::server::Server;
use serde_json::Value;

/// `grpcurl -plaintext FLAGS... ADDRESS COMMAND...`
fn grpcurl(s: &Server, flags: &[&str], command: &[&str]) -> String {
    let o = Command::new("grpcurl")
        .arg("-plaintext")
        .args(flags)
        .arg(&s.grpc)
        .args(command)
        .output()
        .expect("grpcurl is installed by scripts/setup.sh");
    assert!(
        o.status.success(),
        "grpcurl {command:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn grpcurl_lists_describes_runs_and_watches_through_reflection() {
    let s = Server::start();
    let services = grpcurl(&s, &[], &["list"]);
    for name in [
        "orchestrator.v1.WorkflowService",
        "orchestrator.v1.ExecutionService",
        "orchestrator.v1.AdminService",
        "grpc.health.v1.Health",
    ] {
        assert!(services.lines().any(|l| l == name), "{services}");
    }
    let described = grpcurl(
        &s,
        &[],
        &["describe", "orchestrator.v1.ExecutionService.Watch"],
    );
    assert!(
        described.contains("then live events until it ends"),
        "{described}"
    );
    assert!(grpcurl(&s, &[], &["grpc.health.v1.Health/Check"]).contains("SERVING"));

    let spec = r#"{"spec": {"name": "g", "tasks": [
        {"id": "a", "type": "echo", "echo": {"body": {"ip": "{{ input.ip }}"}}},
        {"id": "b", "type": "sleep", "sleep": {"duration": "20ms"}, "depends_on": ["a"]}]}}"#;
    grpcurl(
        &s,
        &["-d", spec],
        &["orchestrator.v1.WorkflowService/CreateWorkflow"],
    );
    let request = r#"{"workflow": "g", "wait": true, "parameters": {"ip": "10.1.2.3"}}"#;
    let run = grpcurl(
        &s,
        &["-d", request],
        &["orchestrator.v1.ExecutionService/Run"],
    );
    let run: Value = serde_json::from_str(&run).unwrap();
    assert_eq!(run["execution"]["status"], "EXECUTION_STATE_COMPLETED");
    assert_eq!(
        run["execution"]["taskResults"]["a"]["output"]["ip"],
        "10.1.2.3"
    );
    let id = run["execution"]["id"].as_str().unwrap();
    let request = format!(r#"{{"execution_id": "{id}"}}"#);
    let watch = grpcurl(
        &s,
        &["-d", &request],
        &["orchestrator.v1.ExecutionService/Watch"],
    );
    assert!(watch.contains("executionStarted"), "{watch}");
    assert!(watch.contains("executionEnded"), "{watch}");
}
