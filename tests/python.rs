//! The `python` plugin against the real `python3`: context in, result out,
//! tracebacks as errors, and hostile scripts (fork loops, huge allocations,
//! writes outside the working directory, endless loops, snooping on the
//! server's environment) stopped or seeing nothing, while the engine keeps
//! serving.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Probe, memory_engine, output, run_yaml, state, task};
use orchestrator::proto::TaskState;
use serde_json::json;

/// A one-task workflow running `script` (indented into YAML) with `extra`
/// config lines.
fn workflow(script: &str, extra: &str) -> String {
    let body: String = script.lines().map(|l| format!("      {l}\n")).collect();
    format!(
        "name: py\ntasks:\n  - id: s\n    type: python\n    body: {{indicator: '{{{{ input.indicator }}}}', n: 3}}\n{extra}    script: |\n{body}"
    )
}

#[tokio::test]
async fn a_script_gets_its_context_and_returns_a_result() {
    let engine = memory_engine(&Arc::new(Probe::default()));
    let yaml = workflow(
        "import json\nprint('working on', context['body']['indicator'])\nresult = {'risk': 0.25 * context['body']['n'], 'ioc': context['body']['indicator'], 'task': context['task_id'], 'source': context['input']['source']}",
        "",
    );
    let e = run_yaml(
        &engine,
        &yaml,
        json!({"indicator": "1.2.3.4; rm -rf /", "source": "ids"}),
    )
    .await;
    assert_eq!(
        state(&e, "s"),
        TaskState::Succeeded,
        "{}",
        task(&e, "s").error
    );
    assert_eq!(
        output(&e, "s"),
        json!({"risk": 0.75, "ioc": "1.2.3.4; rm -rf /", "task": "s", "source": "ids"})
    );
}

#[tokio::test]
async fn a_printed_json_object_is_the_result_and_exceptions_fail_with_the_traceback() {
    let engine = memory_engine(&Arc::new(Probe::default()));
    let e = run_yaml(
        &engine,
        &workflow("print('{\"blocked\": true}')", ""),
        json!({}),
    )
    .await;
    assert_eq!(output(&e, "s"), json!({"blocked": true}));

    let e = run_yaml(
        &engine,
        &workflow("def score(x):\n    return x['missing']\nscore({})", ""),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "s"), TaskState::Failed);
    let error = &task(&e, "s").error;
    assert!(error.contains("KeyError: 'missing'"), "{error}");
    assert!(error.contains("in score"), "{error}");
}

#[tokio::test]
async fn hostile_scripts_are_stopped_and_the_engine_keeps_serving() {
    let engine = memory_engine(&Arc::new(Probe::default()));
    let started = Instant::now();
    // SAFETY: geteuid only reads this process's credentials.
    let root = unsafe { libc::geteuid() } == 0;

    // A fork loop hits the process limit.
    let fork = "import os\nkids = 0\nwhile True:\n    if os.fork() == 0:\n        import time\n        time.sleep(30)\n        os._exit(0)\n    kids += 1";
    let limit = if root { "" } else { "    processes: 400\n" };
    let e = run_yaml(
        &engine,
        &workflow(fork, &format!("    timeout: 20s\n{limit}")),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "s"), TaskState::Failed);
    assert!(
        task(&e, "s").error.contains("BlockingIOError")
            || task(&e, "s")
                .error
                .contains("Resource temporarily unavailable"),
        "{}",
        task(&e, "s").error
    );

    // 10 GB does not fit in the address space limit.
    let e = run_yaml(
        &engine,
        &workflow("x = bytearray(10 * 1024**3)", ""),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "s"), TaskState::Failed);
    assert!(
        task(&e, "s").error.contains("MemoryError"),
        "{}",
        task(&e, "s").error
    );

    // Outside its own directory it cannot write: it runs as a user of its
    // own (a server that is not root cannot switch users; see the guide).
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("owned.txt");
    let write = format!("open({:?}, 'w').write('x')", target.display().to_string());
    let e = run_yaml(&engine, &workflow(&write, ""), json!({})).await;
    assert_eq!(state(&e, "s"), TaskState::Failed);
    assert!(
        task(&e, "s").error.contains("PermissionError"),
        "{}",
        task(&e, "s").error
    );
    assert!(!target.exists());

    // An endless loop runs into the CPU limit.
    let e = run_yaml(
        &engine,
        &workflow("while True:\n    pass", "    cpu_seconds: 1\n"),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "s"), TaskState::Failed);
    assert!(
        task(&e, "s").error.contains("CPU limit of 1s"),
        "{}",
        task(&e, "s").error
    );

    // The server's environment is not there to read.
    let e = run_yaml(
        &engine,
        &workflow(
            "import os\nresult = {'env': sorted(os.environ), 'uid': os.getuid()}",
            "",
        ),
        json!({}),
    )
    .await;
    let seen = output(&e, "s");
    let names: Vec<&str> = seen["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    assert!(!names.iter().any(|n| n.starts_with("CARGO")), "{names:?}");
    assert_eq!(
        names,
        ["HOME", "LANG", "PATH", "PYTHONDONTWRITEBYTECODE", "TMPDIR"]
    );

    // And the engine still runs ordinary work.
    let e = run_yaml(&engine, &workflow("result = {'ok': 1}", ""), json!({})).await;
    assert_eq!(output(&e, "s"), json!({"ok": 1}));
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test]
async fn network_false_has_no_network_and_timeouts_kill_the_process() {
    let engine = memory_engine(&Arc::new(Probe::default()));
    let probe = "import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(('127.0.0.1', 9))\n    result = {'net': 'connected'}\nexcept OSError as e:\n    result = {'net': type(e).__name__, 'errno': e.errno}";
    let e = run_yaml(&engine, &workflow(probe, "    network: false\n"), json!({})).await;
    assert_eq!(
        state(&e, "s"),
        TaskState::Succeeded,
        "{}",
        task(&e, "s").error
    );
    // No interfaces at all, not even loopback: ENETUNREACH (101).
    assert_eq!(output(&e, "s")["errno"], 101, "{}", output(&e, "s"));

    let started = Instant::now();
    let e = run_yaml(
        &engine,
        &workflow("import time\ntime.sleep(60)", "    timeout: 500ms\n"),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "s"), TaskState::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(10));
}
