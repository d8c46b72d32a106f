//! The examples as a new user runs them: the local twin of the brief's
//! playbook against the real stub services (python3), through the real
//! binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

struct Stub(Child);

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts scripts/stub_server.py on a free port; returns it and the port.
fn stub() -> (Stub, u16) {
    let mut child = Command::new("python3")
        .args(["scripts/stub_server.py", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the stub services");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .parse()
        .unwrap();
    (Stub(child), port)
}

fn run_twin(port: u16, indicator: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string("examples/auto_threat_response.local.yaml")
        .unwrap()
        .replace("127.0.0.1:18080", &format!("127.0.0.1:{port}"));
    let wf = dir.path().join("twin.yaml");
    std::fs::write(&wf, yaml).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(["run", "--output", "json", "--input"])
        .arg(format!("indicator={indicator}"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("ORT_DYLIB_PATH", common::ort::ort_dylib())
        .arg(&wf)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_briefs_playbook_blocks_a_high_risk_indicator_and_audits_it() {
    let (_stub, port) = stub();
    let v = run_twin(port, "203.0.113.7");
    assert_eq!(v["status"], "completed");
    let t = &v["task_results"];
    assert_eq!(t["enrich"]["output"]["ip"], "203.0.113.7");
    // The model's sigmoid(features . [3, 2, 4] - 4) of the stub's features.
    let risk = t["score"]["output"]["risk"].as_f64().unwrap();
    assert!((risk - 0.9836975).abs() < 1e-6, "{risk}");
    assert_eq!(t["score"]["output"]["label"], "malicious");
    assert_eq!(t["block"]["status"], "succeeded");
    assert_eq!(
        t["block"]["output"],
        serde_json::json!({"status": "blocked", "ip": "203.0.113.7"})
    );
    assert_eq!(t["audit"]["status"], "succeeded");
}

#[test]
fn the_briefs_playbook_skips_blocking_a_low_risk_indicator_and_still_audits() {
    let (_stub, port) = stub();
    let v = run_twin(port, "10.0.0.1");
    assert_eq!(v["status"], "completed");
    let t = &v["task_results"];
    assert_eq!(t["block"]["status"], "skipped");
    assert_eq!(t["audit"]["status"], "succeeded");
    assert_eq!(t["audit"]["output"]["status"], "logged");
}
