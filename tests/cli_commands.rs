//! The client commands for schedules, triggers and events, and approvals,
//! run as users run them against a live `orchestrator serve`.

mod common;

use common::cli::*;
use common::server::Server;

#[test]
fn schedule_create_list_get_pause_resume_delete() {
    let s = Server::start();
    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);
    let o = cli(
        &s.grpc,
        &[
            "schedule",
            "create",
            "diamond",
            "--cron",
            "0 3 * * *",
            "--id",
            "nightly",
            "--input",
            "x=1",
        ],
    );
    code(&o, 0);
    assert_eq!(out(&o), "created nightly (diamond 0 3 * * *)\n");
    let o = cli(
        &s.grpc,
        &[
            "schedule", "create", "diamond", "--cron", "@hourly", "--id", "nightly",
        ],
    );
    code(&o, CONFLICT);
    one_error_line(&o, "ALREADY_EXISTS: ");
    let o = cli(&s.grpc, &["schedule", "list"]);
    let text = out(&o);
    assert!(
        text.lines()
            .any(|l| l.starts_with("nightly") && l.contains("diamond") && l.contains("yes")),
        "{text}"
    );
    let o = cli(&s.grpc, &["schedule", "pause", "nightly"]);
    code(&o, 0);
    let o = cli(&s.grpc, &["schedule", "get", "nightly"]);
    assert!(out(&o).contains("enabled:   no (paused)"), "{}", out(&o));
    code(&cli(&s.grpc, &["schedule", "resume", "nightly"]), 0);
    let o = cli(&s.grpc, &["schedule", "get", "nightly", "-o", "json"]);
    assert_eq!(json(&o)["spec"]["enabled"], true);
    assert!(!json(&o)["next_fires"].as_array().unwrap().is_empty());
    code(&cli(&s.grpc, &["schedule", "delete", "nightly"]), 0);
    let o = cli(&s.grpc, &["schedule", "get", "nightly"]);
    code(&o, NOT_FOUND);
    one_error_line(&o, "NOT_FOUND: ");

    let o = cli(
        &s.grpc,
        &["schedule", "create", "nope", "--cron", "@hourly"],
    );
    assert_ne!(o.status.code(), Some(0));
    let o = cli(
        &s.grpc,
        &["schedule", "create", "diamond", "--cron", "every day"],
    );
    code(&o, 2);
    one_error_line(&o, "INVALID_ARGUMENT: ");
    // `schedule next` needs no server.
    let o = bin()
        .args([
            "schedule",
            "next",
            "@daily",
            "--count",
            "2",
            "--from",
            "2030-01-01T00:00:00Z",
        ])
        .output()
        .unwrap();
    code(&o, 0);
    assert_eq!(out(&o), "2030-01-02T00:00:00Z\n2030-01-03T00:00:00Z\n");
}

#[test]
fn trigger_create_list_delete_and_event_publish() {
    let s = Server::start();
    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);
    let o = cli(
        &s.grpc,
        &[
            "trigger",
            "create",
            "diamond",
            "--event",
            "alert.*",
            "--id",
            "on-alert",
            "--filter",
            "event.severity == \"high\"",
        ],
    );
    code(&o, 0);
    assert_eq!(out(&o), "created on-alert (diamond on alert.*)\n");
    let o = cli(&s.grpc, &["trigger", "list"]);
    assert!(
        out(&o)
            .lines()
            .any(|l| l.starts_with("on-alert") && l.contains("alert.*")),
        "{}",
        out(&o)
    );

    let o = cli(
        &s.grpc,
        &[
            "event",
            "publish",
            "alert.raised",
            "--data",
            r#"{"severity": "high"}"#,
        ],
    );
    code(&o, 0);
    let text = out(&o);
    assert!(
        text.lines()
            .any(|l| l.starts_with("on-alert") && l.contains("diamond-")),
        "{text}"
    );
    let o = cli(&s.grpc, &["event", "publish", "other", "--data", "{}"]);
    assert_eq!(out(&o), "no trigger matched\n");
    let o = cli(
        &s.grpc,
        &["event", "publish", "alert.raised", "--data", "[1]"],
    );
    code(&o, 2);
    one_error_line(&o, "--data: expected a JSON object");

    code(&cli(&s.grpc, &["trigger", "delete", "on-alert"]), 0);
    let o = cli(&s.grpc, &["trigger", "delete", "on-alert"]);
    code(&o, NOT_FOUND);
}

#[test]
fn approval_list_approve_and_reject() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "gate.yaml",
        "name: gate\ntasks:\n  - {id: ask, type: approval, message: 'Block it?', input: {ticket: {type: string, required: true}}}\n  - {id: after, type: echo, depends_on: [ask]}\n",
    );
    code(
        &cli(&s.grpc, &["workflow", "apply", wf.to_str().unwrap()]),
        0,
    );
    let first = out(&cli(&s.grpc, &["exec", "start", "gate"]))
        .trim()
        .to_owned();
    let second = out(&cli(&s.grpc, &["exec", "start", "gate"]))
        .trim()
        .to_owned();
    until("both wait", || {
        out(&cli(&s.grpc, &["approval", "list", "--workflow", "gate"]))
            .lines()
            .count()
            == 3
    });
    let o = cli(&s.grpc, &["approval", "list", "--execution", &first]);
    let text = out(&o);
    assert!(
        text.lines()
            .any(|l| l.starts_with(&first) && l.contains("ask") && l.contains("Block it?")),
        "{text}"
    );

    // The required input is checked by the server.
    let o = cli(
        &s.grpc,
        &["approval", "approve", &first, "ask", "--reason", "ok"],
    );
    code(&o, 2);
    one_error_line(&o, "INVALID_ARGUMENT: ");
    let o = cli(
        &s.grpc,
        &[
            "approval",
            "approve",
            &first,
            "ask",
            "--reason",
            "ok",
            "--input",
            "ticket=CHG-1",
        ],
    );
    code(&o, 0);
    assert!(
        out(&o).starts_with(&format!("approved {first} ask as ")),
        "{}",
        out(&o)
    );
    let o = cli(
        &s.grpc,
        &["approval", "reject", &second, "ask", "--reason", "not now"],
    );
    code(&o, 0);
    assert!(
        out(&o).starts_with(&format!("rejected {second} ask")),
        "{}",
        out(&o)
    );
    // Decided: no longer pending.
    let o = cli(
        &s.grpc,
        &["approval", "reject", &first, "ask", "--reason", "late"],
    );
    code(&o, NOT_FOUND);
    let o = cli(&s.grpc, &["exec", "watch", &first]);
    code(&o, 0);
    let o = cli(&s.grpc, &["exec", "watch", &second]);
    code(&o, 1);
}
