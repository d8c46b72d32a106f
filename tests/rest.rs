//! The REST gateway end to end with the brief's own paths and bodies,
//! against the real server process.

mod common;

use std::time::Duration;

use common::server::{Server, client, json_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The brief's create body, with its services replaced by local echo tasks.
fn threat_response() -> Value {
    json!({
        "name": "threat_response",
        "description": "Automated threat response",
        "tasks": [
            {"id": "enrich", "type": "echo", "body": {"ip": "{{input.indicator}}", "features": [0.9, 0.8]}},
            {"id": "score", "type": "echo", "body": {"risk": 0.93}, "depends_on": ["enrich"]},
            {"id": "block", "type": "echo", "body": {"status": "blocked"}, "depends_on": ["score"],
             "condition": "score.risk > 0.8", "allow_failure": true},
            {"id": "audit", "type": "echo", "body": {"result": "{{block.status}}", "workflow": "{{workflow.id}}"},
             "depends_on": ["block"]}
        ]
    })
}

/// POSTs a JSON body; the status and the JSON answer.
async fn post(c: &reqwest::Client, url: String, body: &Value) -> (StatusCode, Value) {
    json_of(c.post(url).json(body).send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_briefs_requests_get_the_briefs_responses() {
    let s = Server::start();
    let c = client();
    let (status, w) = post(&c, s.url("/v1/workflows"), &threat_response()).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["version"], 1);
    assert_eq!(w["spec"]["name"], "threat_response");

    let (status, run) = post(
        &c,
        s.url("/v1/run"),
        &json!({"workflow": "threat_response", "parameters": {"indicator": "192.168.1.100"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "completed");
    let id = run["workflow_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("threat_response-"));
    assert!(run["duration_ms"].is_u64());
    let t = &run["task_results"];
    assert_eq!(t["enrich"]["output"]["ip"], "192.168.1.100");
    assert_eq!(t["block"]["status"], "succeeded");
    assert_eq!(
        t["audit"]["output"],
        json!({"result": "blocked", "workflow": id})
    );

    let (status, got) = json_of(
        c.get(s.url(&format!("/v1/executions/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["status"], "completed");
    assert_eq!(got["input"], json!({"indicator": "192.168.1.100"}));

    let (status, stats) = json_of(c.get(s.url("/v1/stats/db")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(stats["rocksdb.estimate-num-keys"].is_u64(), "{stats}");
    let (status, compact) = json_of(c.post(s.url("/v1/admin/compact")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        compact["duration_ms"].is_u64() || compact["duration_ms"].is_string(),
        "{compact}"
    );
    let (status, health) = json_of(c.get(s.url("/healthz")).send().await.unwrap()).await;
    assert_eq!((status, health), (StatusCode::OK, json!({"status": "ok"})));
}

#[tokio::test(flavor = "multi_thread")]
async fn yaml_definitions_no_wait_runs_active_list_and_cancel_with_a_reason() {
    let s = Server::start();
    let c = client();
    let yaml = "name: long\ntasks:\n  - {id: wait, type: sleep, duration: 1h}\n";
    let r = c
        .post(s.url("/v1/workflows"))
        .header("Content-Type", "application/yaml")
        .body(yaml)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (status, accepted) = post(
        &c,
        s.url("/v1/run"),
        &json!({"workflow": "long", "wait": false}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(accepted["status"], "running");
    let id = accepted["workflow_id"].as_str().unwrap().to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, active) =
            json_of(c.get(s.url("/v1/executions/active")).send().await.unwrap()).await;
        let listed = active["executions"].as_array().unwrap();
        if listed
            .iter()
            .any(|a| a["workflow_id"] == id.as_str() && a["running_tasks"] == json!(["wait"]))
        {
            // Both bounds, and what holds them: the sleep a wait slot.
            let cores = std::thread::available_parallelism().unwrap().get();
            assert_eq!(active["pools"]["cpu"]["size"], cores, "{active}");
            assert_eq!(active["pools"]["wait"]["size"], 10_000, "{active}");
            assert!(
                active["pools"]["wait"]["busy"].as_u64().unwrap() >= 1,
                "{active}"
            );
            assert_eq!(active["pools"]["wait"]["queued"], 0, "{active}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{active}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, _) = post(
        &c,
        s.url(&format!("/v1/cancel/{id}")),
        &json!({"reason": "False positive detected"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, e) = json_of(
            c.get(s.url(&format!("/v1/executions/{id}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        if e["status"] == "cancelled" {
            assert_eq!(e["error"], "False positive detected");
            assert_eq!(e["cancelled_by"], "rest");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{e}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, listed) = json_of(
        c.get(s.url("/v1/executions?status=cancelled&workflow=long&page_size=10"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["executions"][0]["workflow_id"], id.as_str());

    // The ended run stays in the active table, with its final state.
    let (_, active) = json_of(c.get(s.url("/v1/executions/active")).send().await.unwrap()).await;
    let row = active["executions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["workflow_id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["status"], "cancelled");
    assert!(row["finished_at"].is_string(), "{row}");

    // The cancellation is in the audit trail, newest first, after the
    // workflow's creation.
    let (status, audit) = json_of(c.get(s.url("/v1/audit?limit=10")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let records = audit["records"].as_array().unwrap();
    assert_eq!(records[0]["action"], "execution.cancel");
    assert_eq!(records[0]["actor"], "rest");
    assert_eq!(records[0]["target"], id.as_str());
    assert_eq!(records[0]["reason"], "False positive detected");
    assert!(
        records
            .iter()
            .any(|r| r["action"] == "workflow.create" && r["target"] == "long")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_versions_archive_restore_and_purge_over_rest() {
    let s = Server::start();
    let c = client();
    let v = |n: i64| json!({"name": "w", "tasks": [{"id": "a", "type": "echo", "body": n}]});
    c.post(s.url("/v1/workflows"))
        .json(&v(1))
        .send()
        .await
        .unwrap();
    let (status, w2) = json_of(
        c.put(s.url("/v1/workflows/w"))
            .json(&v(2))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, w2["version"].clone()), (StatusCode::OK, json!(2)));
    let (_, w1) = json_of(
        c.get(s.url("/v1/workflows/w?version=1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(w1["spec"]["tasks"][0]["echo"]["body"], 1);
    let (_, versions) = json_of(
        c.get(s.url("/v1/workflows/w/versions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(versions["workflows"].as_array().unwrap().len(), 2);
    let (status, archived) =
        json_of(c.delete(s.url("/v1/workflows/w")).send().await.unwrap()).await;
    assert_eq!(
        (status, archived["archived"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (_, listed) = json_of(c.get(s.url("/v1/workflows")).send().await.unwrap()).await;
    assert_eq!(listed["workflows"], json!([]));
    let (status, e) = post(&c, s.url("/v1/run"), &json!({"workflow": "w"})).await;
    assert_eq!(
        (status, e["code"].clone()),
        (
            StatusCode::PRECONDITION_FAILED,
            json!("FAILED_PRECONDITION")
        )
    );
    c.post(s.url("/v1/workflows/w/restore"))
        .send()
        .await
        .unwrap();
    let (status, purged) = json_of(
        c.delete(s.url("/v1/workflows/w?purge=true"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, purged["versions_removed"].clone()),
        (StatusCode::OK, json!(2))
    );
    let (status, _) = json_of(c.get(s.url("/v1/workflows/w")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_clear_errors_and_change_nothing() {
    let s = Server::start();
    let c = client();
    let err = |r: (StatusCode, Value)| {
        (
            r.0,
            r.1["code"].as_str().unwrap_or("").to_owned(),
            r.1["message"].as_str().unwrap_or("").to_owned(),
            r.1["details"].clone(),
        )
    };

    let (st, code, msg, _) = err(json_of(
        c.post(s.url("/v1/workflows"))
            .header("Content-Type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap(),
    )
    .await);
    assert_eq!(
        (st, code.as_str()),
        (StatusCode::BAD_REQUEST, "INVALID_ARGUMENT")
    );
    assert!(msg.contains("invalid JSON"), "{msg}");

    let bad = json!({"name": "bad", "tasks": [{"id": "a", "type": "echo", "depends_on": ["zz"]}, {"id": "b", "type": "teleport"}]});
    let (st, _, msg, details) = err(post(&c, s.url("/v1/workflows"), &bad).await);
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(msg, "invalid workflow: 2 problems");
    assert_eq!(
        details,
        json!([
            "task 'a': depends_on: unknown task 'zz'",
            "task 'b': type: unknown task type 'teleport'; known types: approval, echo, grpc, http, kafka, model, python, shell, sleep, sql"
        ])
    );
    let (st, ..) = err(json_of(c.get(s.url("/v1/workflows/bad")).send().await.unwrap()).await);
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "an invalid definition is not stored"
    );

    let (st, _, msg, _) = err(post(&c, s.url("/v1/run"), &json!({"workflow": 5})).await);
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(msg.contains("invalid type"), "{msg}");
    let (st, _, msg, _) = err(post(
        &c,
        s.url("/v1/run"),
        &json!({"workflow": "x", "params": {}}),
    )
    .await);
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(msg.contains("unknown field `params`"), "{msg}");
    let (st, code, msg, _) = err(post(&c, s.url("/v1/run"), &json!({"workflow": "nope"})).await);
    assert_eq!((st, code.as_str()), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    assert_eq!(msg, "workflow 'nope' not found");

    // A body over the limit: the server answers 413 once it has read past
    // the limit and closes. A raw socket lets the test read that answer
    // while its writer is still sending.
    let size = 10 << 20;
    let head = format!(
        "POST /v1/workflows HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n",
        s.http
    );
    let tcp = tokio::net::TcpStream::connect(&s.http).await.unwrap();
    let (mut rd, mut wr) = tcp.into_split();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(head.as_bytes()).await;
        let chunk = vec![b'x'; 64 << 10];
        for _ in 0..size / chunk.len() {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        while let Ok(n) = rd.read(&mut buf).await {
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
            if reply.windows(4).any(|w| w == b"\r\n\r\n") && reply.ends_with(b"}") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer to an oversized body");
    writer.abort();
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"code\":\"RESOURCE_EXHAUSTED\""), "{reply}");

    let ok = json!({"name": "dup", "tasks": [{"id": "a", "type": "echo"}]});
    c.post(s.url("/v1/workflows"))
        .json(&ok)
        .send()
        .await
        .unwrap();
    let (st, code, ..) = err(post(&c, s.url("/v1/workflows"), &ok).await);
    assert_eq!(
        (st, code.as_str()),
        (StatusCode::CONFLICT, "ALREADY_EXISTS")
    );
    let (st, ..) = err(json_of(
        c.get(s.url("/v1/executions?status=sleeping"))
            .send()
            .await
            .unwrap(),
    )
    .await);
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, ..) = err(json_of(
        c.get(s.url("/v1/executions?from=yesterday"))
            .send()
            .await
            .unwrap(),
    )
    .await);
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, code, ..) = err(post(&c, s.url("/v1/cancel/nope"), &json!({"reason": "x"})).await);
    assert_eq!((st, code.as_str()), (StatusCode::NOT_FOUND, "NOT_FOUND"));
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_axum_gives_by_itself_are_json_errors_too() {
    let s = Server::start();
    let c = client();
    for (method, path, status, code) in [
        ("PUT", "/v1/workflows/", StatusCode::NOT_FOUND, "NOT_FOUND"),
        ("GET", "/v1/nope", StatusCode::NOT_FOUND, "NOT_FOUND"),
        (
            "PATCH",
            "/v1/run",
            StatusCode::METHOD_NOT_ALLOWED,
            "UNIMPLEMENTED",
        ),
        (
            "GET",
            "/v1/workflows/%ff",
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
        ),
        (
            "POST",
            "/v1/cancel/%c3%28",
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
        ),
    ] {
        let request = c.request(method.parse().unwrap(), s.url(path)).body("{}");
        let answer = request.send().await.unwrap();
        let allow = answer.headers().get("allow").cloned();
        let (st, body) = json_of(answer).await;
        assert_eq!(
            (st, body["code"].as_str()),
            (status, Some(code)),
            "{method} {path}: {body}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert_eq!(allow.unwrap(), "POST");
        }
    }
}

/// Reads a whole SSE response (it ends after the execution's end).
async fn sse(
    c: &reqwest::Client,
    url: String,
    last_event_id: Option<u64>,
) -> Vec<(u64, String, Value)> {
    let mut req = c.get(url);
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = r.text().await.unwrap();
    text.split("\n\n")
        .filter(|block| block.contains("data:"))
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            (
                field("id:").parse().unwrap(),
                field("event:"),
                serde_json::from_str(&field("data:")).unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sse_streams_every_event_once_and_resumes_from_last_event_id() {
    let s = Server::start();
    let c = client();
    let wf = json!({"name": "s", "tasks": [
        {"id": "a", "type": "sleep", "duration": "100ms"},
        {"id": "b", "type": "echo", "body": {"n": 1}, "depends_on": ["a"]}]});
    c.post(s.url("/v1/workflows"))
        .json(&wf)
        .send()
        .await
        .unwrap();
    let (_, accepted) = post(
        &c,
        s.url("/v1/run"),
        &json!({"workflow": "s", "wait": false}),
    )
    .await;
    let id = accepted["workflow_id"].as_str().unwrap().to_owned();
    let url = s.url(&format!("/v1/executions/{id}/events"));

    let live = sse(&c, url.clone(), None).await;
    let seqs: Vec<u64> = live.iter().map(|e| e.0).collect();
    assert_eq!(
        seqs,
        (1..=live.len() as u64).collect::<Vec<_>>(),
        "every event once, in order"
    );
    assert_eq!(live.first().unwrap().1, "execution_started");
    assert_eq!(live.last().unwrap().1, "execution_ended");
    let ended = live
        .iter()
        .find(|e| e.1 == "task_ended" && e.2["task_ended"]["result"]["task_id"] == "b")
        .unwrap();
    assert_eq!(ended.2["task_ended"]["result"]["output"], json!({"n": 1}));

    let resumed = sse(&c, url.clone(), Some(3)).await;
    assert_eq!(
        resumed.iter().map(|e| e.0).collect::<Vec<_>>(),
        seqs[3..].to_vec(),
        "Last-Event-ID: 3 resumes at 4"
    );
    let (st, _) = json_of(
        c.get(s.url("/v1/executions/nope/events"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_beyond_the_in_flight_limit_get_429_not_a_queue() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with_env(
        &dir.path().join("data"),
        &[],
        &[("MAX_ACTIVE_EXECUTIONS", "1")],
    );
    let c = client();
    let wf = json!({"name": "long", "tasks": [{"id": "wait", "type": "sleep", "duration": "1h"}]});
    c.post(s.url("/v1/workflows"))
        .json(&wf)
        .send()
        .await
        .unwrap();
    let (st, first) = post(
        &c,
        s.url("/v1/run"),
        &json!({"workflow": "long", "wait": false}),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let (st, e) = post(
        &c,
        s.url("/v1/run"),
        &json!({"workflow": "long", "wait": false}),
    )
    .await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(e["code"], "RESOURCE_EXHAUSTED");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("MAX_ACTIVE_EXECUTIONS")
    );
    // Once the first ends, runs are accepted again.
    let id = first["workflow_id"].as_str().unwrap();
    c.post(s.url(&format!("/v1/cancel/{id}")))
        .json(&json!({"reason": "make room"}))
        .send()
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = c
            .post(s.url("/v1/run"))
            .json(&json!({"workflow": "long", "wait": false}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::ACCEPTED {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_over_rest_reruns_the_failed_part() {
    let peer = common::CountingServer::start().await;
    let s = Server::start();
    let c = client();
    let wf = json!({"name": "r", "tasks": [
        {"id": "ok", "type": "http", "url": peer.url("/fine")},
        {"id": "down", "type": "http", "url": peer.url("/status/503"), "depends_on": ["ok"]}]});
    c.post(s.url("/v1/workflows"))
        .json(&wf)
        .send()
        .await
        .unwrap();
    let (_, run) = post(&c, s.url("/v1/run"), &json!({"workflow": "r"})).await;
    assert_eq!(run["status"], "failed");
    let id = run["workflow_id"].as_str().unwrap();
    let (st, again) = json_of(
        c.post(s.url(&format!("/v1/executions/{id}/retry")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(again["workflow_id"], id);
    assert_eq!(again["status"], "failed");
    assert_eq!(peer.count("fine"), 1, "the succeeded task kept its output");
    assert_eq!(peer.count("status/503"), 2);
    let (st, e) = json_of(
        c.post(s.url("/v1/executions/nope/retry"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (st, e["code"].clone()),
        (StatusCode::NOT_FOUND, json!("NOT_FOUND"))
    );
}
