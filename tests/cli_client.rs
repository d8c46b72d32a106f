//! The client commands as users run them: the real `orchestrator` binary
//! against a live `orchestrator serve` — workflows and executions, each
//! command's answer and its failures (unknown names, bad tokens, a server
//! that is down, TLS) with their exit codes, and the live view piped.

mod common;

use std::process::Output;

use common::cli::*;
use common::server::Server;
use serde_json::Value;

#[test]
fn workflow_apply_shows_created_then_the_diff_then_unchanged() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(
        dir.path(),
        "v1.yaml",
        "name: pair\ntasks:\n  - {id: a, type: echo, body: {n: 1}}\n  - {id: b, type: echo, depends_on: [a]}\n",
    );
    let o = cli(&s.grpc, &["workflow", "apply", v1.to_str().unwrap()]);
    code(&o, 0);
    assert_eq!(out(&o), "created pair v1\n");

    let v2 = write(
        dir.path(),
        "v2.yaml",
        "name: pair\ntasks:\n  - {id: a, type: echo, body: {n: 2}}\n  - {id: b, type: echo, depends_on: [a]}\n",
    );
    let o = cli(&s.grpc, &["workflow", "apply", v2.to_str().unwrap()]);
    code(&o, 0);
    let text = out(&o);
    assert!(
        text.starts_with("updated pair v2 (replaces v1)\n"),
        "{text}"
    );
    assert!(text.contains("\n-       n: 1\n+       n: 2\n"), "{text}");

    let o = cli(&s.grpc, &["workflow", "apply", v2.to_str().unwrap()]);
    code(&o, 0);
    assert_eq!(out(&o), "unchanged pair v2\n");

    // -o json: the API's Workflow.
    let o = cli(&s.grpc, &["workflow", "apply", "-o", "json", &diamond()]);
    code(&o, 0);
    assert_eq!(json(&o)["spec"]["name"], "diamond");
}

#[test]
fn workflow_list_get_history_archive_restore() {
    let s = Server::start();
    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);

    let o = cli(&s.grpc, &["workflow", "list"]);
    code(&o, 0);
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("NAME     VERSION  TASKS  UPDATED"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("diamond  1        4      "),
        "{lines:?}"
    );

    let o = cli(&s.grpc, &["workflow", "get", "diamond", "-o", "yaml"]);
    code(&o, 0);
    let doc: Value = serde_norway::from_str(&out(&o)).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["spec"]["tasks"][3]["id"], "bottom");

    let o = cli(&s.grpc, &["workflow", "get", "diamond", "--version", "1"]);
    code(&o, 0);
    assert!(out(&o).starts_with("# diamond v1, created "), "{}", out(&o));
    assert!(out(&o).contains("name: diamond"), "{}", out(&o));

    let o = cli(
        &s.grpc,
        &["workflow", "history", "diamond", "--output", "json"],
    );
    code(&o, 0);
    assert_eq!(json(&o)["workflows"].as_array().unwrap().len(), 1);

    let o = cli(&s.grpc, &["workflow", "archive", "diamond"]);
    code(&o, 0);
    assert_eq!(out(&o), "archived diamond\n");
    // Archived: not listed, not runnable.
    assert_eq!(out(&cli(&s.grpc, &["workflow", "list"])), "no workflows\n");
    let o = cli(&s.grpc, &["exec", "start", "diamond"]);
    assert_ne!(o.status.code(), Some(0), "{}", out(&o));
    let o = cli(&s.grpc, &["workflow", "list", "--all"]);
    assert!(out(&o).contains("diamond  1"), "{}", out(&o));

    let o = cli(&s.grpc, &["workflow", "restore", "diamond"]);
    code(&o, 0);
    assert_eq!(out(&o), "restored diamond v1\n");
}

#[test]
fn an_unknown_workflow_is_not_found_with_exit_3() {
    let s = Server::start();
    for args in [
        &["workflow", "get", "nope"][..],
        &["workflow", "history", "nope"],
        &["workflow", "archive", "nope"],
        &["exec", "start", "nope"],
    ] {
        let o = cli(&s.grpc, args);
        code(&o, NOT_FOUND);
        one_error_line(&o, "NOT_FOUND: workflow 'nope' not found");
        assert!(out(&o).is_empty());
    }
    let o = cli(&s.grpc, &["exec", "get", "no-such-run"]);
    code(&o, NOT_FOUND);
    one_error_line(&o, "NOT_FOUND: execution 'no-such-run' not found");
}

#[test]
fn an_invalid_file_or_input_is_exit_2_and_stores_nothing() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.yaml",
        "name: bad\ntasks:\n  - {id: a, type: echo, depends_on: [zz]}\n",
    );
    let o = cli(&s.grpc, &["workflow", "apply", bad.to_str().unwrap()]);
    code(&o, 2);
    assert!(err(&o).contains("INVALID_ARGUMENT"), "{}", err(&o));
    assert!(
        err(&o).contains("depends_on: unknown task 'zz'"),
        "{}",
        err(&o)
    );
    code(&cli(&s.grpc, &["workflow", "get", "bad"]), NOT_FOUND);

    let o = cli(&s.grpc, &["workflow", "apply", "/nonexistent.yaml"]);
    code(&o, 2);
    assert!(
        err(&o).contains("/nonexistent.yaml: cannot read"),
        "{}",
        err(&o)
    );

    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);
    let o = cli(&s.grpc, &["exec", "start", "diamond", "--input", "novalue"]);
    code(&o, 2);
    one_error_line(&o, "--input \"novalue\": expected KEY=VALUE");
    let o = cli(&s.grpc, &["exec", "list", "--status", "bogus"]);
    code(&o, 2);
    assert!(err(&o).contains("unknown state \"bogus\""), "{}", err(&o));
}

#[test]
fn a_server_that_is_down_is_one_clear_line_and_exit_5() {
    // A port nothing listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    for args in [
        &["workflow", "list"][..],
        &["exec", "start", "diamond", "--watch"],
        &["schedule", "list"],
        &["audit"],
    ] {
        let o = cli(&addr, args);
        code(&o, UNREACHABLE);
        one_error_line(&o, &format!("cannot connect to {addr}: "));
        assert!(err(&o).to_lowercase().contains("refused"), "{}", err(&o));
    }
    // The environment names the server too.
    let o = bin()
        .args(["workflow", "list"])
        .env("ORCHESTRATOR_SERVER", &addr)
        .output()
        .unwrap();
    code(&o, UNREACHABLE);
}

#[test]
fn tokens_bad_missing_or_short_of_a_permission_are_refused_with_exit_4() {
    let secured = common::auth::Secured::start(&[]);
    let grpc = secured.server.grpc.clone();
    let o = cli(&grpc, &["workflow", "list", "--token", "not-a-jwt"]);
    code(&o, REFUSED);
    one_error_line(&o, "UNAUTHENTICATED: ");

    let o = cli(&grpc, &["workflow", "list"]);
    code(&o, REFUSED);
    one_error_line(&o, "UNAUTHENTICATED: ");

    let reader = secured.token("reader", &["workflows:read"]);
    let o = cli(
        &grpc,
        &["workflow", "apply", &diamond(), "--token", &reader],
    );
    code(&o, REFUSED);
    assert!(err(&o).contains("PERMISSION_DENIED: "), "{}", err(&o));

    // ORCHESTRATOR_TOKEN is read as --token is.
    let admin = secured.admin();
    let o = bin()
        .args(["workflow", "apply", &diamond(), "--server", &grpc])
        .env("ORCHESTRATOR_TOKEN", &admin)
        .output()
        .unwrap();
    code(&o, 0);
    let o = cli(&grpc, &["workflow", "list", "--token", &reader]);
    code(&o, 0);
    assert!(out(&o).contains("diamond"), "{}", out(&o));

    // The audit trail names the caller.
    let o = cli(&grpc, &["audit", "--since", "1h", "--token", &admin]);
    code(&o, 0);
    assert!(
        out(&o)
            .lines()
            .any(|l| l.contains("root") && l.contains("workflow.create") && l.contains("diamond")),
        "{}",
        out(&o)
    );
}

#[test]
fn exec_start_watch_of_the_diamond_piped_shows_every_task_ending_and_exits_0() {
    let s = Server::start();
    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);
    let o = cli(
        &s.grpc,
        &["exec", "start", "diamond", "--watch", "--input", "who=me"],
    );
    code(&o, 0);
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("started diamond-"), "{text}");
    for task in ["top", "left", "right", "bottom"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("✓ {task:<24} succeeded"))),
            "{task}: {text}"
        );
    }
    assert!(
        lines.last().unwrap().starts_with("completed diamond-"),
        "{text}"
    );
    // Plain lines: nothing for a terminal.
    assert!(!text.contains('\x1b'), "{text:?}");

    // -o json: the ended execution, once.
    let o = cli(
        &s.grpc,
        &["exec", "start", "diamond", "--watch", "-o", "json"],
    );
    code(&o, 0);
    let e = json(&o);
    assert_eq!(e["status"], "EXECUTION_STATE_COMPLETED");
    assert_eq!(e["task_results"].as_object().unwrap().len(), 4);

    // Watching an ended run replays it.
    let id = e["id"].as_str().unwrap();
    let o = cli(&s.grpc, &["exec", "watch", id]);
    code(&o, 0);
    assert!(out(&o).contains("✓ bottom"), "{}", out(&o));
    // A completed run has nothing to retry: a conflict, exit 6.
    let o = cli(&s.grpc, &["exec", "retry", id]);
    code(&o, CONFLICT);
    one_error_line(
        &o,
        &format!("FAILED_PRECONDITION: execution '{id}' completed; nothing to retry"),
    );
}

#[test]
fn a_failing_run_watched_exits_1_as_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with_env(&dir.path().join("data"), &[], &[("SHELL_ALLOWLIST", "sh")]);
    let wf = write(
        dir.path(),
        "fails.yaml",
        "name: fails\ntasks:\n  - {id: boom, type: shell, program: sh, args: ['-c', 'exit 3']}\n",
    );
    code(
        &cli(&s.grpc, &["workflow", "apply", wf.to_str().unwrap()]),
        0,
    );
    let o = cli(&s.grpc, &["exec", "start", "fails", "--watch"]);
    code(&o, 1);
    assert!(out(&o).contains("✗ boom"), "{}", out(&o));
    assert!(
        out(&o).lines().last().unwrap().starts_with("failed fails-"),
        "{}",
        out(&o)
    );
}

#[test]
fn exec_start_get_list_active_cancel_retry() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "slow.yaml",
        "name: slow\ntasks:\n  - {id: first, type: echo}\n  - {id: nap, type: sleep, duration: 60s, depends_on: [first]}\n",
    );
    code(
        &cli(&s.grpc, &["workflow", "apply", wf.to_str().unwrap()]),
        0,
    );
    let o = cli(
        &s.grpc,
        &["exec", "start", "slow", "--input-json", r#"{"n": 1}"#],
    );
    code(&o, 0);
    let id = out(&o).trim().to_owned();
    assert!(id.starts_with("slow-"), "{id}");

    until("the sleep runs", || {
        out(&cli(&s.grpc, &["exec", "active"])).contains("nap")
    });
    let o = cli(&s.grpc, &["exec", "active"]);
    let text = out(&o);
    assert!(
        text.lines()
            .any(|l| l.starts_with(&id) && l.contains("running")),
        "{text}"
    );
    assert!(text.contains("POOL"), "{text}");

    let o = cli(
        &s.grpc,
        &["exec", "cancel", &id, "--reason", "false positive"],
    );
    code(&o, 0);
    assert_eq!(out(&o), format!("cancelled {id}\n"));
    until("the run is cancelled", || {
        out(&cli(&s.grpc, &["exec", "get", &id])).contains("status:    cancelled")
    });
    let o = cli(&s.grpc, &["exec", "get", &id]);
    let text = out(&o);
    assert!(text.contains("workflow:  slow v1"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("first") && l.contains("succeeded")),
        "{text}"
    );
    // Cancelling what has ended is refused, not a silent success.
    let o = cli(&s.grpc, &["exec", "cancel", &id, "--reason", "again"]);
    code(&o, NOT_FOUND);
    one_error_line(&o, &format!("NOT_FOUND: execution '{id}' is not running"));
    let o = cli(&s.grpc, &["exec", "cancel", &id]);
    code(&o, 2);
    assert!(err(&o).contains("--reason"), "{}", err(&o));

    // Retry runs the cancelled task again, in the same execution.
    let o = cli(&s.grpc, &["exec", "retry", &id]);
    code(&o, 0);
    assert_eq!(out(&o).trim(), id);
    let running_again = |o: Output| {
        out(&o)
            .lines()
            .any(|l| l.starts_with(&id) && l.contains("running") && l.ends_with("nap"))
    };
    until("the retried run runs", || {
        running_again(cli(&s.grpc, &["exec", "active"]))
    });
    // It reads as running again, and is listed once.
    let o = cli(&s.grpc, &["exec", "get", &id]);
    assert!(out(&o).contains("status:    running"), "{}", out(&o));
    let active = out(&cli(&s.grpc, &["exec", "active"]));
    assert_eq!(
        active.lines().filter(|l| l.starts_with(&id)).count(),
        1,
        "{active}"
    );
    code(
        &cli(&s.grpc, &["exec", "cancel", &id, "--reason", "done"]),
        0,
    );
    until("the retried run is cancelled", || {
        !running_again(cli(&s.grpc, &["exec", "active"]))
    });

    let o = cli(
        &s.grpc,
        &["exec", "list", "--workflow", "slow", "--since", "1h"],
    );
    code(&o, 0);
    let text = out(&o);
    assert!(text.starts_with("ID "), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(&id) && l.contains("cancelled")),
        "{text}"
    );
    let o = cli(
        &s.grpc,
        &["exec", "list", "--status", "cancelled", "-o", "json"],
    );
    let listed = json(&o)["executions"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], id.as_str());
    let o = cli(&s.grpc, &["exec", "list", "--status", "completed"]);
    assert_eq!(out(&o), "no executions\n");
}

#[test]
fn tls_with_a_ca_file_connects_and_without_it_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let ca = common::tls::Ca::new();
    let (cert, key) = ca.issue(&["127.0.0.1"], "127.0.0.1");
    let cert_file = write(dir.path(), "cert.pem", &cert);
    let key_file = write(dir.path(), "key.pem", &key);
    let ca_file = write(dir.path(), "ca.pem", &ca.cert.pem());
    let s = Server::start_at(
        &dir.path().join("data"),
        &[
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
    );
    let o = cli(
        &s.grpc,
        &["workflow", "list", "--ca-file", ca_file.to_str().unwrap()],
    );
    code(&o, 0);
    assert_eq!(out(&o), "no workflows\n");
    // Trusting only the public roots, the test CA's certificate is refused.
    let o = cli(&s.grpc, &["workflow", "list", "--tls"]);
    code(&o, UNREACHABLE);
    one_error_line(&o, &format!("cannot connect to {}", s.grpc));
    let o = cli(
        &s.grpc,
        &["workflow", "list", "--ca-file", "/nonexistent/ca.pem"],
    );
    code(&o, 2);
    one_error_line(&o, "/nonexistent/ca.pem: cannot read");
}
