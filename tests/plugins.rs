//! The first four plugins against real peers: a real HTTP server on
//! 127.0.0.1 and real programs for `shell`.

mod common;

use std::sync::Arc;

use common::{CountingServer, Probe, memory_engine, output, run_yaml, state, task};
use orchestrator::engine::EngineConfig;
use orchestrator::proto::TaskState;
use orchestrator::store::MemoryStore;
use serde_json::json;

#[tokio::test]
async fn http_output_is_the_parsed_body_with_status_and_headers_beside_it() {
    let server = CountingServer::start().await;
    let probe = Arc::new(Probe::default());
    let yaml = format!(
        r#"
name: h
tasks:
  - id: call
    type: http
    method: POST
    url: "{}"
    query: {{q: "{{{{ input.q }}}}", n: "{{{{ input.n }}}}"}}
    headers: {{X-Trace: abc}}
    body: {{indicator: "{{{{ input.q }}}}"}}
  - id: use
    type: echo
    depends_on: [call]
    body: {{code: "{{{{ tasks.call.status_code }}}}", type: "{{{{ tasks.call.headers['content-type'] }}}}", ind: "{{{{ call.body.indicator }}}}"}}
"#,
        server.url("/echo/x")
    );
    let e = run_yaml(
        &memory_engine(&probe),
        &yaml,
        json!({"q": "1.2.3.4; rm -rf /", "n": 5}),
    )
    .await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "{}",
        task(&e, "call").error
    );
    assert_eq!(
        output(&e, "call")["body"],
        json!({"indicator": "1.2.3.4; rm -rf /"})
    );
    assert_eq!(
        output(&e, "use"),
        json!({"code": 200, "type": "application/json", "ind": "1.2.3.4; rm -rf /"})
    );
    assert_eq!(server.count("echo/x"), 1);
}

#[tokio::test]
async fn http_5xx_and_429_are_retried_other_4xx_are_not() {
    let server = CountingServer::start().await;
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let yaml = |code: u16| {
        format!(
            "name: s{code}\ntasks:\n  - {{id: a, type: http, url: \"{}\", retry: {{max_attempts: 3, initial_backoff: 1ms}}}}\n",
            server.url(&format!("/status/{code}"))
        )
    };
    for (code, calls) in [(503, 3), (429, 3), (404, 1), (400, 1)] {
        let e = run_yaml(&engine, &yaml(code), json!({})).await;
        assert_eq!(state(&e, "a"), TaskState::Failed);
        assert!(
            task(&e, "a").error.starts_with(&format!("HTTP {code}")),
            "{}",
            task(&e, "a").error
        );
        assert_eq!(
            server.count(&format!("status/{code}")),
            calls,
            "status {code}"
        );
        assert_eq!(task(&e, "a").attempts, calls as u32);
    }
}

#[tokio::test]
async fn http_connection_refused_is_retryable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        &format!("name: c\ntasks:\n  - {{id: a, type: http, url: \"http://127.0.0.1:{port}/\", retry: {{max_attempts: 2, initial_backoff: 1ms}}}}\n"),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert_eq!(task(&e, "a").attempts, 2);
    assert!(
        task(&e, "a").error.contains("connection failed"),
        "{}",
        task(&e, "a").error
    );
}

#[tokio::test]
async fn http_timeout_is_enforced() {
    let server = CountingServer::start().await;
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        &format!(
            "name: t\ntasks:\n  - {{id: a, type: http, url: \"{}\", timeout: 100ms}}\n",
            server.url("/slow/5000")
        ),
        json!({}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::TimedOut);
    assert!(task(&e, "a").duration_ms < 4000);
}

#[tokio::test]
async fn shell_arguments_stay_literal_argv_elements() {
    let probe = Arc::new(Probe::default());
    let yaml = r#"
name: argv
tasks:
  - id: a
    type: shell
    program: sh
    args: ["-c", 'printf "%s\n" "$@"', "argv0", "{{ input.ip }}", "{{ input.sub }}", "{{ input.tick }}", "a b"]
"#;
    let e = run_yaml(
        &memory_engine(&probe),
        yaml,
        json!({"ip": "1.2.3.4; rm -rf /", "sub": "$(id)", "tick": "`id`"}),
    )
    .await;
    assert_eq!(
        state(&e, "a"),
        TaskState::Succeeded,
        "{}",
        task(&e, "a").error
    );
    assert_eq!(
        output(&e, "a")["stdout"],
        json!("1.2.3.4; rm -rf /\n$(id)\n`id`\na b\n"),
        "each templated value is one argument, never interpreted"
    );
}

#[tokio::test]
async fn shell_gets_env_and_stdin_but_not_the_servers_environment() {
    // SAFETY: set before any thread of this test reads the environment.
    unsafe { std::env::set_var("ORCH_TEST_SECRET", "hunter2") };
    let probe = Arc::new(Probe::default());
    let yaml = r#"
name: env
tasks:
  - id: a
    type: shell
    program: sh
    args: ["-c", 'read line; echo "$line|$GREETING|${ORCH_TEST_SECRET:-unset}"']
    env: {GREETING: "{{ input.g }}"}
    stdin: "{{ input.line }}"
"#;
    let e = run_yaml(&memory_engine(&probe), yaml, json!({"g": "hi", "line": 42})).await;
    assert_eq!(output(&e, "a")["stdout"], json!("42|hi|unset\n"));
}

#[tokio::test]
async fn tasks_hand_their_peers_an_idempotency_key_of_execution_task_and_attempt() {
    let server = CountingServer::start().await;
    let probe = Arc::new(Probe::default());
    let engine = memory_engine(&probe);
    let yaml = format!(
        r#"
name: keys
tasks:
  - id: call
    type: http
    url: "{url}"
  - id: own
    type: http
    url: "{url}"
    headers: {{Idempotency-Key: "mine-{{{{ workflow.id }}}}"}}
  - id: sh
    type: shell
    program: sh
    args: ["-c", 'echo "$ORCHESTRATOR_IDEMPOTENCY_KEY"']
  - id: flaky
    type: probe
    fail_times: 1
    retry: {{max_attempts: 2, initial_backoff: 10ms}}
"#,
        url = server.url("/keys"),
    );
    let e = run_yaml(&engine, &yaml, json!({})).await;
    let id = &e.id;
    assert_eq!(
        output(&e, "call")["idempotency_key"],
        format!("{id}/call/1")
    );
    // A key the task sets itself is the one sent.
    assert_eq!(output(&e, "own")["idempotency_key"], format!("mine-{id}"));
    assert_eq!(output(&e, "sh")["stdout"], format!("{id}/sh/1\n"));
    // Each attempt is its own call, with its own key.
    assert_eq!(
        *probe.keys.lock().unwrap(),
        [format!("{id}/flaky/1"), format!("{id}/flaky/2")]
    );
}

#[tokio::test]
async fn shell_output_is_capped_and_non_zero_exit_fails() {
    let probe = Arc::new(Probe::default());
    let yaml = r#"
name: cap
tasks:
  - id: big
    type: shell
    program: sh
    args: ["-c", "head -c 100000 /dev/zero | tr '\\0' x"]
    max_output_bytes: 1000
  - id: bad
    type: shell
    program: sh
    args: ["-c", "echo out; echo err >&2; exit 7"]
    allow_failure: true
"#;
    let e = run_yaml(&memory_engine(&probe), yaml, json!({})).await;
    let big = output(&e, "big");
    assert_eq!(big["stdout"].as_str().unwrap().len(), 1000);
    assert_eq!(big["truncated"], true);
    assert_eq!(state(&e, "bad"), TaskState::Failed);
    assert_eq!(task(&e, "bad").error, "exit code 7: err");
}

#[tokio::test]
async fn a_tasks_output_cap_may_lower_the_servers_never_raise_it() {
    // The server keeps at most 2,000 bytes of a task's output; a task
    // asking for 10 MB still reads at most that much, on success and on
    // failure alike (the rest is drained, never buffered).
    let probe = Arc::new(Probe::default());
    let config = EngineConfig {
        max_output_bytes: 2_000,
        ..Default::default()
    };
    let engine = common::engine(Arc::new(MemoryStore::new()), &probe, &config);
    let yaml = r#"
name: caps
tasks:
  - id: raise
    type: shell
    program: sh
    args: ["-c", "head -c 5000000 /dev/zero | tr '\\0' x"]
    max_output_bytes: 10000000
    allow_failure: true
  - id: fail
    type: shell
    program: sh
    args: ["-c", "head -c 5000000 /dev/zero | tr '\\0' y >&2; exit 3"]
    max_output_bytes: 10000000
    allow_failure: true
  - id: lower
    type: shell
    program: sh
    args: ["-c", "head -c 5000 /dev/zero | tr '\\0' z"]
    max_output_bytes: 100
"#;
    let e = run_yaml(&engine, yaml, json!({})).await;
    // stdout read to 2,000 bytes: the output then just exceeds the
    // server's limit, and says so with its real (small) size.
    let raise = task(&e, "raise");
    assert_eq!(state(&e, "raise"), TaskState::Failed);
    assert!(
        raise.error.starts_with("output is about 20"),
        "{}",
        raise.error
    );
    let fail = task(&e, "fail");
    assert!(fail.error.starts_with("exit code 3: yyy"), "{}", fail.error);
    let meta = orchestrator::proto::struct_to_json_map(fail.meta.as_ref().unwrap());
    assert_eq!(meta["stderr"].as_str().unwrap().len(), 2_000);
    assert_eq!(output(&e, "lower")["stdout"].as_str().unwrap().len(), 100);
}

#[tokio::test]
async fn shell_refuses_programs_off_the_allow_list_at_run_time() {
    let probe = Arc::new(Probe::default());
    let e = run_yaml(
        &memory_engine(&probe),
        "name: deny\ntasks:\n  - {id: a, type: shell, program: '{{ input.p }}'}\n",
        json!({"p": "/usr/bin/id"}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert!(task(&e, "a").error.contains("not on the shell allow-list"));
}

#[tokio::test(start_paused = true)]
async fn sleep_waits_for_its_duration() {
    let probe = Arc::new(Probe::default());
    let start = tokio::time::Instant::now();
    let e = run_yaml(
        &memory_engine(&probe),
        "name: s\ntasks:\n  - {id: a, type: sleep, duration: '{{ input.d }}'}\n",
        json!({"d": "90s"}),
    )
    .await;
    assert_eq!(state(&e, "a"), TaskState::Succeeded);
    assert!(start.elapsed() >= std::time::Duration::from_secs(90));
}

#[tokio::test]
async fn http_circuit_opens_fails_fast_and_recovers_after_a_probe() {
    let server = CountingServer::start().await;
    let config = orchestrator::config::Config {
        http_breaker_failures: 2,
        http_breaker_cooldown: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let registry = orchestrator::plugins::Registry::builtin(&config);
    let breakers = registry.http_breakers();
    let engine = orchestrator::engine::Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(registry),
        &Default::default(),
    );
    let call = |path: &str| {
        format!(
            "name: c\ntasks:\n  - {{id: call, type: http, url: \"{}\"}}\n",
            server.url(path)
        )
    };
    // Two failing calls open the circuit for the host.
    for _ in 0..2 {
        let e = run_yaml(&engine, &call("/status/503"), json!({})).await;
        assert_eq!(state(&e, "call"), TaskState::Failed);
    }
    // The next call fails fast: the server never sees it.
    let e = run_yaml(&engine, &call("/status/200"), json!({})).await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert!(
        task(&e, "call")
            .error
            .starts_with("circuit open for 127.0.0.1:"),
        "{}",
        task(&e, "call").error
    );
    assert_eq!(server.count("status/200"), 0);
    assert_eq!(
        breakers.states()[0].1,
        orchestrator::plugins::CircuitState::Open
    );
    // After the cool-down one probe goes through; it succeeds and closes it.
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    let e = run_yaml(&engine, &call("/status/200"), json!({})).await;
    assert_eq!(state(&e, "call"), TaskState::Succeeded);
    let e = run_yaml(&engine, &call("/status/200"), json!({})).await;
    assert_eq!(state(&e, "call"), TaskState::Succeeded);
    assert_eq!(server.count("status/200"), 2);
    assert!(breakers.states().is_empty());
}

/// One http task with extra config lines; the execution.
async fn http_task(
    engine: &orchestrator::engine::Engine,
    url: String,
    extra: &str,
) -> Arc<orchestrator::proto::Execution> {
    let yaml =
        format!("name: h\ntasks:\n  - id: call\n    type: http\n    url: \"{url}\"\n{extra}");
    run_yaml(engine, &yaml, json!({})).await
}

#[tokio::test]
async fn http_credentials_come_from_named_secrets_never_the_spec() {
    let server = CountingServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secrets");
    std::fs::write(&file, "INTEL_TOKEN=t0k3n\nSIEM_LOGIN=svc:pa:ss\n").unwrap();
    let config = orchestrator::config::Config {
        secrets_file: Some(file),
        ..Default::default()
    };
    let engine = orchestrator::engine::Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(orchestrator::plugins::Registry::builtin(&config)),
        &Default::default(),
    );
    let e = http_task(
        &engine,
        server.url("/who"),
        "    auth: {type: bearer, secret: INTEL_TOKEN}\n",
    )
    .await;
    // The server echoes the header it got; the record hides the secret.
    assert_eq!(output(&e, "call")["authorization"], "Bearer ***");
    let stored =
        serde_json::to_string(&engine.store().get_execution(&e.id).await.unwrap()).unwrap();
    assert!(!stored.contains("t0k3n"), "{stored}");
    for ev in engine.store().events(&e.id, 0).await.unwrap() {
        assert!(!format!("{ev:?}").contains("t0k3n"), "{ev:?}");
    }
    let e = http_task(
        &engine,
        server.url("/who"),
        "    auth: {type: basic, secret: SIEM_LOGIN}\n",
    )
    .await;
    // svc:pa:ss → user "svc", password "pa:ss", sent as base64, which is
    // hidden too.
    assert_eq!(output(&e, "call")["authorization"], "Basic ***");
    let e = http_task(
        &engine,
        server.url("/who"),
        "    auth: {type: bearer, secret: NOPE}\n",
    )
    .await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert!(
        task(&e, "call")
            .error
            .starts_with("secret 'NOPE' not found"),
        "{}",
        task(&e, "call").error
    );
    assert_eq!(server.count("who"), 2, "no request without its credentials");
}

#[tokio::test]
async fn http_redirects_size_caps_and_endless_bodies() {
    let server = CountingServer::start().await;
    let engine = memory_engine(&Arc::new(Probe::default()));
    let e = http_task(&engine, server.url("/redirect/landed"), "").await;
    assert_eq!(output(&e, "call")["path"], "landed");
    let e = http_task(
        &engine,
        server.url("/redirect/landed"),
        "    follow_redirects: false\n",
    )
    .await;
    assert_eq!(state(&e, "call"), TaskState::Succeeded);
    assert_eq!(
        e.task_results["call"].meta.as_ref().unwrap().fields["status_code"],
        orchestrator::proto::json_to_pb(&json!(302))
    );

    let e = http_task(
        &engine,
        server.url("/endless"),
        "    max_response_bytes: 1000000\n",
    )
    .await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert_eq!(
        task(&e, "call").error,
        "response body exceeds 1000000 bytes (max_response_bytes)"
    );
    // The default cap is the server's MAX_OUTPUT_BYTES (1 MiB), and a
    // task cannot raise it.
    for extra in ["", "    max_response_bytes: 20000000\n"] {
        let e = http_task(&engine, server.url("/endless"), extra).await;
        assert!(
            task(&e, "call")
                .error
                .starts_with("response body exceeds 1048576 bytes"),
            "{}",
            task(&e, "call").error
        );
    }
}

#[tokio::test]
async fn shell_env_allow_list_workdir_root_and_retry_on_exit_codes() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("case-7")).unwrap();
    let list = root.path().join("allowed");
    std::fs::write(&list, "# shells for the tests\nsh\n").unwrap();
    let config = orchestrator::config::Config::from_lookup(|name| match name {
        "SHELL_ALLOWLIST_FILE" => Some(list.display().to_string()),
        "SHELL_ENV_ALLOWLIST" => Some("PATH,CARGO_PKG_NAME".into()),
        "SHELL_WORKDIR_ROOT" => Some(root.path().display().to_string()),
        _ => None,
    })
    .unwrap();
    let engine = orchestrator::engine::Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(orchestrator::plugins::Registry::builtin(&config)),
        &Default::default(),
    );
    let yaml = r#"
name: sh
tasks:
  - id: a
    type: shell
    program: sh
    workdir: case-7
    args: ["-c", 'echo "$(basename "$PWD")|${CARGO_PKG_NAME:-unset}|${HOME:-unset}"']
"#;
    let e = run_yaml(&engine, yaml, json!({})).await;
    assert_eq!(
        output(&e, "a")["stdout"],
        json!("case-7|orchestrator|unset\n"),
        "{}",
        task(&e, "a").error
    );

    let escape = "name: sh\ntasks:\n  - {id: a, type: shell, program: sh, args: ['-c', 'true'], workdir: '{{ input.dir }}'}\n";
    let e = run_yaml(&engine, escape, json!({"dir": "case-7/../.."})).await;
    assert_eq!(state(&e, "a"), TaskState::Failed);
    assert!(
        task(&e, "a").error.contains("outside SHELL_WORKDIR_ROOT"),
        "{}",
        task(&e, "a").error
    );

    let retry = |code: u32| {
        format!(
            "name: sh\ntasks:\n  - {{id: a, type: shell, program: sh, args: ['-c', 'exit {code}'], retry_on_exit_codes: [75], retry: {{max_attempts: 3, initial_backoff: 1ms}}}}\n"
        )
    };
    let e = run_yaml(&engine, &retry(75), json!({})).await;
    assert_eq!(task(&e, "a").attempts, 3, "exit 75 is retried");
    let e = run_yaml(&engine, &retry(1), json!({})).await;
    assert_eq!(task(&e, "a").attempts, 1, "other codes are not");
}

#[tokio::test]
async fn http_connection_reset_by_the_peer_is_retryable() {
    // A peer that accepts and hangs up without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    let probe = Arc::new(Probe::default());
    let yaml = format!(
        "name: r\ntasks:\n  - id: call\n    type: http\n    url: http://{addr}/x\n    retry: {{max_attempts: 2, initial_backoff: 1ms}}\n"
    );
    let e = run_yaml(&memory_engine(&probe), &yaml, json!({})).await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert_eq!(task(&e, "call").attempts, 2, "{}", task(&e, "call").error);
    assert!(accepted.load(std::sync::atomic::Ordering::SeqCst) >= 2);
}

/// An engine whose http breaker opens at the first failure and whose
/// cool-down is over at once, so each call after a failure is a probe;
/// its secrets file (kept by the directory) holds `BAD`, which no header
/// may carry.
fn probing_engine() -> (
    orchestrator::engine::Engine,
    Arc<orchestrator::plugins::Breakers>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secrets");
    std::fs::write(&file, "BAD=tok\u{1}en\n").unwrap();
    let config = orchestrator::config::Config {
        http_breaker_failures: 1,
        http_breaker_cooldown: std::time::Duration::ZERO,
        secrets_file: Some(file),
        ..Default::default()
    };
    let registry = orchestrator::plugins::Registry::builtin(&config);
    let breakers = registry.http_breakers();
    let engine = orchestrator::engine::Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(registry),
        &Default::default(),
    );
    (engine, breakers, dir)
}

fn circuit(
    breakers: &orchestrator::plugins::Breakers,
) -> Option<orchestrator::plugins::CircuitState> {
    breakers.states().first().map(|(_, s)| *s)
}

#[tokio::test]
async fn http_probe_that_times_out_or_is_cancelled_does_not_leave_the_circuit_half_open() {
    use orchestrator::plugins::CircuitState;
    let server = CountingServer::start().await;
    let (engine, breakers, _secrets) = probing_engine();
    server.hold("p");
    server.hold("q");

    let e = http_task(&engine, server.url("/status/503"), "").await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert_eq!(circuit(&breakers), Some(CircuitState::Open));
    // The probe goes out and the attempt times out waiting for the answer.
    let e = http_task(&engine, server.url("/hold/p"), "    timeout: 1s\n").await;
    assert_eq!(
        state(&e, "call"),
        TaskState::TimedOut,
        "{}",
        task(&e, "call").error
    );
    assert_eq!(server.count("hold/p"), 1, "the probe was sent");
    assert_eq!(
        circuit(&breakers),
        Some(CircuitState::Open),
        "the lost probe failed"
    );
    let e = http_task(&engine, server.url("/status/200"), "").await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "a later call is the next probe: {}",
        task(&e, "call").error
    );
    assert_eq!(circuit(&breakers), None, "closed");

    // Again, with the run cancelled while its probe waits for the answer.
    let e = http_task(&engine, server.url("/status/503"), "").await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    let yaml = format!(
        "name: q\ntasks:\n  - {{id: call, type: http, url: \"{}\"}}\n",
        server.url("/hold/q")
    );
    let (spec, _) = orchestrator::spec::load(
        &yaml,
        orchestrator::spec::Format::Yaml,
        engine.registry(),
        &Default::default(),
    )
    .unwrap();
    let wf = orchestrator::store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let run = engine.start(engine.plan(&wf).unwrap(), Default::default());
    common::eventually("the probe reaches the server", || {
        server.count("hold/q") == 1
    })
    .await;
    assert_eq!(circuit(&breakers), Some(CircuitState::HalfOpen));
    run.cancel("enough", "test");
    let e = run.wait().await.unwrap();
    assert_eq!(state(&e, "call"), TaskState::Cancelled);
    assert_eq!(
        circuit(&breakers),
        Some(CircuitState::Open),
        "the lost probe failed"
    );
    let e = http_task(&engine, server.url("/status/200"), "").await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "{}",
        task(&e, "call").error
    );
    server.release("p");
    server.release("q");
}

#[tokio::test]
async fn http_request_failing_before_it_is_sent_leaves_the_probe_to_the_next_request() {
    use orchestrator::plugins::CircuitState;
    let server = CountingServer::start().await;
    let (engine, breakers, _secrets) = probing_engine();
    let e = http_task(&engine, server.url("/status/503"), "").await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert_eq!(circuit(&breakers), Some(CircuitState::Open));

    // Each fails for its own reason, without touching the host or the circuit.
    let cases = [
        (
            "    headers: {X-Bad: \"{{ input.bad }}\"}\n",
            "config: headers.X-Bad: bad header value",
        ),
        (
            "    auth: {type: bearer, secret: NOPE}\n",
            "secret 'NOPE' not found",
        ),
        (
            "    ca_file: /nonexistent/ca.pem\n",
            "config: ca_file /nonexistent/ca.pem",
        ),
        (
            "    auth: {type: bearer, secret: BAD}\n",
            "config: cannot build the request",
        ),
    ];
    for (extra, error) in cases {
        let yaml = format!(
            "name: h\ntasks:\n  - id: call\n    type: http\n    url: \"{}\"\n{extra}",
            server.url("/echo/x")
        );
        let e = run_yaml(&engine, &yaml, json!({"bad": "a\nb"})).await;
        assert_eq!(state(&e, "call"), TaskState::Failed);
        assert!(
            task(&e, "call").error.starts_with(error),
            "{extra}: {}",
            task(&e, "call").error
        );
        assert_eq!(circuit(&breakers), Some(CircuitState::Open), "{extra}");
    }
    assert_eq!(server.count("echo/x"), 0);
    let e = http_task(&engine, server.url("/status/200"), "").await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "the next request is the probe: {}",
        task(&e, "call").error
    );
    assert_eq!(circuit(&breakers), None);
}
