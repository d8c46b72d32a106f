//! Property test of the REST gateway: arbitrary requests to the real
//! server (bodies shaped like each endpoint's, arbitrary bytes, content
//! types, path segments and query strings) each get a complete HTTP answer:
//! never a dropped connection (what a panicking handler gives), never a
//! 5xx, a JSON body for every answer and `{code, message}` for every 4xx.
//!
//! Workflows created here only ever hold `echo` tasks (or tasks of a type
//! that does not exist), so whatever runs touches nothing outside the test.

mod common;

use std::time::Duration;

use common::fuzz;
use common::server::{Server, client};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// A request as sent.
#[derive(Debug, Clone)]
struct Request {
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

/// What a body of an endpoint looks like.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    Definition,
    Run,
    Cancel,
    Retry,
    Schedule,
    Trigger,
    Event,
}

/// The endpoints: method, path (`{}` stands for an arbitrary segment), body.
const ENDPOINTS: &[(&str, &str, Body)] = &[
    ("POST", "/v1/workflows", Body::Definition),
    ("POST", "/v1/workflows/validate", Body::Definition),
    ("PUT", "/v1/workflows/{}", Body::Definition),
    ("GET", "/v1/workflows", Body::None),
    ("GET", "/v1/workflows/{}", Body::None),
    ("DELETE", "/v1/workflows/{}", Body::None),
    ("GET", "/v1/workflows/{}/versions", Body::None),
    ("POST", "/v1/workflows/{}/archive", Body::None),
    ("POST", "/v1/workflows/{}/restore", Body::None),
    ("POST", "/v1/run", Body::Run),
    ("POST", "/v1/cancel/{}", Body::Cancel),
    ("GET", "/v1/executions", Body::None),
    ("GET", "/v1/executions/{}", Body::None),
    ("POST", "/v1/executions/{}/retry", Body::Retry),
    ("POST", "/v1/schedules", Body::Schedule),
    ("PUT", "/v1/schedules/{}", Body::Schedule),
    ("GET", "/v1/schedules/{}", Body::None),
    ("POST", "/v1/schedules/{}/pause", Body::None),
    ("POST", "/v1/schedules/{}/resume", Body::None),
    ("DELETE", "/v1/schedules/{}", Body::None),
    ("POST", "/v1/events", Body::Event),
    ("POST", "/v1/triggers", Body::Trigger),
    ("PUT", "/v1/triggers/{}", Body::Trigger),
    ("GET", "/v1/triggers/{}", Body::None),
    ("DELETE", "/v1/triggers/{}", Body::None),
    ("POST", "/v1/webhooks/{}", Body::Event),
    ("GET", "/v1/audit", Body::None),
    // Wrong methods and paths no route serves.
    ("PATCH", "/v1/run", Body::Run),
    ("GET", "/v1/run", Body::None),
    ("DELETE", "/v1/events", Body::Event),
    ("POST", "/v1/nope/{}", Body::None),
    ("GET", "/v1/workflows/{}/{}/x", Body::None),
];

/// Names that exist (created before the cases run) or nearly do.
const NAMES: &[&str] = &[
    "fuzz",
    "fuzz-trigger",
    "fuzz-schedule",
    "ghost",
    "",
    "é",
    "a.b",
];

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/json"),
    Some("application/json"),
    Some("application/yaml"),
    Some("text/yaml; charset=utf-8"),
    Some("text/plain"),
    Some("application/x-www-form-urlencoded"),
    Some("multipart/form-data; boundary=x"),
    Some("application/json; charset=latin1"),
];

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One path segment: a name, an encoded arbitrary string, or raw
/// escapes that do not decode to UTF-8.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(NAMES).prop_map(encode),
        // Long enough to matter, short enough for a URL the client sends.
        3 => fuzz::nasty_string().prop_map(|s| encode(&s.chars().take(500).collect::<String>())),
        1 => prop::sample::select(vec![
            "%ff", "%c3%28", "%00", "%", "%zz", "..", "%2F", "%2e%2e", "a%20b", "fuzz-1%ff",
        ])
        .prop_map(str::to_owned),
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        2 => prop::sample::select(vec![
            "?include_archived=true",
            "?include_archived=maybe",
            "?includeArchived=1",
            "?version=-1",
            "?version=99999999999",
            "?purge=x",
            "?purge=true",
            "?limit=99999999999",
            "?limit=5",
            "?from=yesterday",
            "?from=2026-01-01T00:00:00Z&to=1900-01-01T00:00:00Z",
            "?status=zzz",
            "?status=COMPLETED",
            "?page_size=abc",
            "?page_size=4294967295",
            "?page_token=%ff",
            "?page_token=zzzz",
            "?workflow=%ff",
            "?unknown=1",
            "?&&==",
            "?from_seq=-1",
        ])
        .prop_map(str::to_owned),
        1 => fuzz::nasty_string().prop_map(|s| {
            let s: String = s.chars().take(500).collect();
            format!("?{}={}", encode(&s), encode(&s))
        }),
    ]
}

/// A value for a field: mostly one of `good`, otherwise anything.
fn field(good: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::sample::select(good).prop_map(Value::from),
        1 => fuzz::leaf(),
        1 => fuzz::json(2),
    ]
}

/// An object from optional fields and maybe an extra one.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> impl Strategy<Value = Value> {
    let parts: Vec<_> = fields
        .into_iter()
        .map(|(k, s)| prop::option::weighted(0.7, s).prop_map(move |v| (k, v)))
        .collect();
    (
        parts,
        prop::option::weighted(0.15, (fuzz::key(), fuzz::leaf())),
    )
        .prop_map(|(parts, extra)| {
            let mut m = Map::new();
            for (k, v) in parts {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
}

/// A workflow document whose tasks are all `echo` (or of a type that does
/// not exist): what gets created may run, and must run nothing else.
fn definition() -> impl Strategy<Value = Value> {
    (
        fuzz::workflow(),
        prop::option::of(prop::sample::select(NAMES)),
    )
        .prop_map(|(mut w, name)| {
            if let Value::Object(m) = &mut w {
                if let Some(n) = name {
                    m.insert("name".into(), n.into());
                }
                if let Some(Value::Array(tasks)) = m.get_mut("tasks") {
                    for t in tasks {
                        if let Some(Value::String(kind)) = t.get_mut("type")
                            && !matches!(kind.as_str(), "echo" | "teleport" | "")
                        {
                            *kind = "echo".into();
                        }
                    }
                }
            }
            w
        })
}

fn body(kind: Body) -> BoxedStrategy<(Option<&'static str>, Vec<u8>)> {
    let json = |s: BoxedStrategy<Value>| {
        s.prop_map(|v| (Some("application/json"), v.to_string().into_bytes()))
            .boxed()
    };
    let cron = &[
        "*/5 * * * *",
        "0 0 1 1 *",
        "@yearly",
        "61 * * * * *",
        "0 0 0 30 2 *",
        "",
    ];
    let typed = match kind {
        Body::None => Just((None, Vec::new())).boxed(),
        Body::Definition => prop_oneof![
            json(definition().boxed()),
            definition().prop_map(|v| (
                Some("application/yaml"),
                serde_norway::to_string(&v).unwrap().into_bytes()
            )),
        ]
        .boxed(),
        Body::Run => json(
            object(vec![
                ("workflow", field(NAMES).boxed()),
                ("version", fuzz::leaf().boxed()),
                ("parameters", fuzz::json(3).boxed()),
                (
                    "wait",
                    field(&["true", "false"])
                        .prop_map(|v| match v.as_str() {
                            Some("true") => Value::Bool(true),
                            Some("false") => Value::Bool(false),
                            _ => v,
                        })
                        .boxed(),
                ),
            ])
            .boxed(),
        ),
        Body::Cancel => json(object(vec![("reason", fuzz::leaf().boxed())]).boxed()),
        Body::Retry => json(object(vec![("wait", fuzz::leaf().boxed())]).boxed()),
        Body::Schedule => json(
            object(vec![
                ("id", field(NAMES).boxed()),
                ("workflow_name", field(NAMES).boxed()),
                ("cron_expr", field(cron).boxed()),
                ("enabled", fuzz::leaf().boxed()),
                ("max_concurrent", fuzz::leaf().boxed()),
                (
                    "timeout",
                    field(&["5s", "0s", "-1s", "99999999999999h"]).boxed(),
                ),
                (
                    "timezone",
                    field(&["UTC", "Europe/Berlin", "Mars/Base", ""]).boxed(),
                ),
                ("parameters", fuzz::json(2).boxed()),
                (
                    "concurrency_policy",
                    field(&["skip", "queue", "replace", "QUEUE", "x"]).boxed(),
                ),
                ("catch_up", field(&["none", "latest", "all", "x"]).boxed()),
            ])
            .boxed(),
        ),
        Body::Trigger => json(
            object(vec![
                ("id", field(NAMES).boxed()),
                ("workflow_name", field(NAMES).boxed()),
                ("event_type", field(&["fuzz", "", "é"]).boxed()),
                (
                    "filter",
                    field(&[
                        "event.x > 1",
                        "event.x",
                        "{{",
                        "range(100000) | join | length",
                        "range(100000) * 1000",
                        "1 +",
                        "",
                    ])
                    .boxed(),
                ),
                ("max_concurrent", fuzz::leaf().boxed()),
                (
                    "concurrency_policy",
                    field(&["skip", "queue", "replace", "x"]).boxed(),
                ),
                ("enabled", fuzz::leaf().boxed()),
                ("webhook_secret", field(&["", "s3cret"]).boxed()),
            ])
            .boxed(),
        ),
        Body::Event => json(
            object(vec![
                ("event_type", field(&["fuzz", "", "é"]).boxed()),
                ("event_data", fuzz::json(3).boxed()),
            ])
            .boxed(),
        ),
    };
    let raw = prop_oneof![
        Just(Vec::new()),
        any::<Vec<u8>>(),
        fuzz::json(3).prop_map(|v| v.to_string().into_bytes()),
        fuzz::deep().prop_map(|v| v.to_string().into_bytes()),
        Just(b"\xff\xfe{".to_vec()),
        (1usize..200_000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
    ];
    let any_type = prop::sample::select(CONTENT_TYPES);
    prop_oneof![
        6 => typed,
        1 => (any_type.clone(), yaml_definition()),
        2 => (any_type, raw),
    ]
    .boxed()
}

/// A definition as YAML text, to be sent with any content type.
fn yaml_definition() -> impl Strategy<Value = Vec<u8>> {
    definition().prop_map(|v| serde_norway::to_string(&v).unwrap().into_bytes())
}

fn request() -> impl Strategy<Value = Request> {
    prop::sample::select(ENDPOINTS).prop_flat_map(|(method, path, kind)| {
        (prop::collection::vec(segment(), 2), query(), body(kind)).prop_map(
            move |(segs, q, (content_type, body))| {
                let mut p = path.to_owned();
                for s in &segs {
                    p = p.replacen("{}", s, 1);
                }
                Request {
                    method: method.parse().unwrap(),
                    path: format!("{p}{q}"),
                    content_type,
                    body,
                }
            },
        )
    })
}

/// Sends `r`; the answer must be complete, not a 5xx, JSON, and for a 4xx
/// `{code, message}`.
async fn check(c: &reqwest::Client, s: &Server, r: Request) -> Result<(), TestCaseError> {
    let mut b = c
        .request(r.method.clone(), s.url(&r.path))
        .timeout(Duration::from_secs(120))
        .body(r.body.clone());
    if let Some(t) = r.content_type {
        b = b.header("content-type", t);
    }
    let shown = format!(
        "{} {} ({:?}, {} bytes: {:?})",
        r.method,
        r.path,
        r.content_type,
        r.body.len(),
        String::from_utf8_lossy(&r.body[..r.body.len().min(300)])
    );
    let answer = b
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("no answer to {shown}: {e:?}")))?;
    let status = answer.status();
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| TestCaseError::fail(format!("answer to {shown} cut off: {e:?}")))?;
    let text = String::from_utf8_lossy(&bytes);
    prop_assert!(
        !status.is_server_error(),
        "{} for {}: {}",
        status,
        shown,
        text
    );
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|_| TestCaseError::fail(format!("{status} for {shown} is not JSON: {text:?}")))?;
    if status.is_client_error() {
        prop_assert!(
            v["code"].is_string() && v["message"].is_string(),
            "{} for {} is not an error body: {}",
            status,
            shown,
            v
        );
    }
    Ok(())
}

/// Creates what the cases refer to: a workflow, a trigger and a schedule.
async fn seed(c: &reqwest::Client, s: &Server) {
    for (path, body) in [
        (
            "/v1/workflows",
            json!({"name": "fuzz", "tasks": [{"id": "a", "type": "echo", "body": {"x": "{{ input.x }}"}}]}),
        ),
        (
            "/v1/triggers",
            json!({"id": "fuzz-trigger", "workflow_name": "fuzz", "event_type": "fuzz"}),
        ),
        (
            "/v1/schedules",
            json!({"id": "fuzz-schedule", "workflow_name": "fuzz", "cron_expr": "0 0 1 1 *"}),
        ),
    ] {
        let r = c.post(s.url(path)).json(&body).send().await.unwrap();
        assert!(
            r.status().is_success(),
            "{path}: {}",
            r.text().await.unwrap()
        );
    }
}

#[test]
fn every_request_gets_a_complete_json_answer_and_no_5xx() {
    // Generating a request nests a dozen strategies, whose frames are large
    // in a debug build: more than the 2 MiB of a test thread.
    let cases = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run_cases)
        .unwrap();
    if let Err(e) = cases.join() {
        std::panic::resume_unwind(e);
    }
}

fn run_cases() {
    let mut s = Server::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // `client()` installs the TLS provider reqwest needs; its pool is not
    // wanted here. A connection per request: an answer lost is then this
    // request's, not a pooled connection the server closed after an earlier
    // one.
    let _ = client();
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    rt.block_on(seed(&c, &s));
    let mut runner = TestRunner::new(fuzz::config(1024));
    let result = runner.run(&request(), |r| rt.block_on(check(&c, &s, r)));
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        s.child.try_wait().unwrap().is_none(),
        "the server stopped during the cases"
    );
}
