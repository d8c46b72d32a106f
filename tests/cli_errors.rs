//! Every client command's error paths against a live `orchestrator
//! serve`: what it names when its target is unknown, when the caller may
//! not, and when its input is wrong — one `error:` line and the exit code
//! docs/cli.md documents — and where on the line the global client flags
//! are accepted.

mod common;

use common::cli::*;
use common::server::Server;

/// Runs each `(args, exit code, start of the error line)` against `addr`.
#[track_caller]
fn refused_as(addr: &str, token: Option<&str>, cases: &[(&[&str], i32, &str)]) {
    for (args, want, starts) in cases {
        let mut c = bin();
        c.args(*args).args(["--server", addr]);
        if let Some(t) = token {
            c.args(["--token", t]);
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(*want), "{args:?}: {}", err(&o));
        one_error_line(&o, starts);
        assert!(out(&o).is_empty(), "{args:?}: {}", out(&o));
    }
}

#[test]
fn each_command_names_what_it_does_not_find_with_exit_3() {
    let s = Server::start();
    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["workflow", "restore", "nope"],
            NOT_FOUND,
            "NOT_FOUND: workflow 'nope'",
        ),
        (
            &["workflow", "get", "diamond", "--version", "9"],
            NOT_FOUND,
            "NOT_FOUND: workflow 'diamond' has no version 9",
        ),
        (
            &["exec", "watch", "no-run"],
            NOT_FOUND,
            "NOT_FOUND: execution 'no-run'",
        ),
        (
            &["exec", "retry", "no-run"],
            NOT_FOUND,
            "NOT_FOUND: execution 'no-run'",
        ),
        (
            &["exec", "cancel", "no-run", "--reason", "r"],
            NOT_FOUND,
            "NOT_FOUND: execution 'no-run'",
        ),
        (&["schedule", "get", "nope"], NOT_FOUND, "NOT_FOUND: "),
        (&["schedule", "pause", "nope"], NOT_FOUND, "NOT_FOUND: "),
        (&["schedule", "resume", "nope"], NOT_FOUND, "NOT_FOUND: "),
        (&["schedule", "delete", "nope"], NOT_FOUND, "NOT_FOUND: "),
        (&["trigger", "delete", "nope"], NOT_FOUND, "NOT_FOUND: "),
        (
            &["approval", "approve", "no-run", "ask", "--reason", "r"],
            NOT_FOUND,
            "NOT_FOUND: ",
        ),
        (
            &["approval", "reject", "no-run", "ask", "--reason", "r"],
            NOT_FOUND,
            "NOT_FOUND: ",
        ),
    ];
    refused_as(&s.grpc, None, cases);
}

#[test]
fn wrong_input_is_exit_2_naming_the_field_and_changes_nothing() {
    let s = Server::start();
    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["schedule", "create", "nope", "--cron", "@hourly"],
            2,
            "INVALID_ARGUMENT: ",
        ),
        (
            &[
                "schedule",
                "create",
                "diamond",
                "--cron",
                "@hourly",
                "--timezone",
                "Mars/Base",
            ],
            2,
            "INVALID_ARGUMENT: ",
        ),
        (
            &["trigger", "create", "nope", "--event", "alert.*"],
            2,
            "INVALID_ARGUMENT: ",
        ),
        (
            &[
                "trigger",
                "create",
                "diamond",
                "--event",
                "a",
                "--filter",
                "event.x ==",
            ],
            2,
            "INVALID_ARGUMENT: ",
        ),
        (
            &["event", "publish", "alert", "--data", "not json"],
            2,
            "--data: ",
        ),
        (
            &["exec", "start", "diamond", "--input-json", "[1]"],
            2,
            "--input-json: expected a JSON object",
        ),
        (
            &[
                "approval", "approve", "x", "ask", "--reason", "r", "--input", "k",
            ],
            2,
            "--input \"k\": expected KEY=VALUE",
        ),
    ];
    refused_as(&s.grpc, None, cases);
    // Nothing of the refused creations was stored.
    assert_eq!(out(&cli(&s.grpc, &["schedule", "list"])), "no schedules\n");
    assert_eq!(out(&cli(&s.grpc, &["trigger", "list"])), "no triggers\n");
    assert_eq!(out(&cli(&s.grpc, &["exec", "list"])), "no executions\n");
}

#[test]
fn state_that_does_not_allow_it_is_exit_6() {
    let s = Server::start();
    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);
    let o = cli(
        &s.grpc,
        &["exec", "start", "diamond", "--watch", "-o", "json"],
    );
    code(&o, 0);
    let id = json(&o)["id"].as_str().unwrap().to_owned();
    code(
        &cli(
            &s.grpc,
            &["trigger", "create", "diamond", "--event", "a", "--id", "t1"],
        ),
        0,
    );
    let cases: &[(&[&str], i32, &str)] = &[
        // Nothing failed: nothing to retry.
        (&["exec", "retry", &id], CONFLICT, "FAILED_PRECONDITION: "),
        (
            &["trigger", "create", "diamond", "--event", "b", "--id", "t1"],
            CONFLICT,
            "ALREADY_EXISTS: ",
        ),
    ];
    refused_as(&s.grpc, None, cases);
}

#[test]
fn a_caller_short_of_a_permission_is_refused_with_exit_4_by_every_group() {
    let secured = common::auth::Secured::start(&[]);
    let grpc = secured.server.grpc.clone();
    code(
        &bin()
            .args(["workflow", "apply", &diamond(), "--server", &grpc])
            .args(["--token", &secured.admin()])
            .output()
            .unwrap(),
        0,
    );
    let reader = secured.token("reader", &["workflows:read"]);
    let denied = "PERMISSION_DENIED: ";
    let cases: &[(&[&str], i32, &str)] = &[
        (&["workflow", "archive", "diamond"], REFUSED, denied),
        (&["exec", "start", "diamond"], REFUSED, denied),
        (
            &["schedule", "create", "diamond", "--cron", "@hourly"],
            REFUSED,
            denied,
        ),
        (
            &["trigger", "create", "diamond", "--event", "a"],
            REFUSED,
            denied,
        ),
        (&["event", "publish", "a", "--data", "{}"], REFUSED, denied),
        (
            &["approval", "approve", "x", "ask", "--reason", "r"],
            REFUSED,
            denied,
        ),
        (&["audit"], REFUSED, denied),
    ];
    refused_as(&grpc, Some(&reader), cases);
    // No token at all: every group says so.
    let unauthenticated = "UNAUTHENTICATED: ";
    let cases: &[(&[&str], i32, &str)] = &[
        (&["exec", "list"], REFUSED, unauthenticated),
        (&["schedule", "list"], REFUSED, unauthenticated),
        (&["trigger", "list"], REFUSED, unauthenticated),
        (&["approval", "list"], REFUSED, unauthenticated),
    ];
    refused_as(&grpc, None, cases);
}

#[test]
fn the_client_flags_are_global_before_or_after_the_command() {
    let s = Server::start();
    code(&cli(&s.grpc, &["workflow", "apply", &diamond()]), 0);
    for args in [
        &["--server", &s.grpc, "-o", "json", "workflow", "list"][..],
        &["workflow", "--server", &s.grpc, "-o", "json", "list"],
        &["workflow", "list", "--server", &s.grpc, "--output", "json"],
    ] {
        let o = bin().args(args).output().unwrap();
        code(&o, 0);
        assert_eq!(
            json(&o)["workflows"][0]["spec"]["name"],
            "diamond",
            "{args:?}"
        );
    }
    // `run` reads the same -o, YAML included.
    let o = bin()
        .args(["-o", "yaml", "run", "--ephemeral", &diamond()])
        .output()
        .unwrap();
    code(&o, 0);
    let doc: serde_json::Value = serde_norway::from_str(&out(&o)).unwrap();
    assert_eq!(doc["status"], "completed", "{}", out(&o));
    // A flag's value is still checked wherever it stands.
    let o = bin()
        .args(["-o", "xml", "workflow", "list"])
        .output()
        .unwrap();
    code(&o, 2);
    assert!(err(&o).contains("invalid value 'xml'"), "{}", err(&o));
}
