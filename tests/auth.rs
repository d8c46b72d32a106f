//! Access control end to end, on the real `orchestrator serve` process over
//! gRPC and REST. Every RPC and every route is taken from the one table
//! (`server::auth::permissions`), not listed here: each refuses bad tokens
//! with UNAUTHENTICATED / 401 and changes nothing, refuses a token without
//! its permission with PERMISSION_DENIED / 403, and admits one with it.
//! Keys are in auth_keys.rs, identities in the audit trail in auth_audit.rs.

mod common;

use std::time::Duration;

use common::auth::{Secured, lists_workflows};
use common::server::{Server, client, json_of};
use orchestrator::server::auth::permissions::{Permission, ROUTES, RPCS, Rule};
use serde_json::{Value, json};
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;

/// Bytes in, bytes out: any RPC called with an empty message (every field
/// at its default), its answer's bytes ignored.
#[derive(Clone, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf;
        let mut v = vec![0; src.remaining()];
        src.copy_to_slice(&mut v);
        Ok(Some(v))
    }
}

/// Calls the RPC at `path` with an empty message: OK, or the status code.
async fn call(channel: &Channel, path: &'static str, token: Option<&str>) -> Code {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    grpc.ready().await.unwrap();
    let mut request = tonic::Request::new(tokio_stream::once(Vec::new()));
    if let Some(t) = token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(path);
    let answer = grpc.streaming(request, path, RawCodec).await;
    match answer {
        Err(s) => s.code(),
        // A stream that stays open (a watch) got past the check.
        Ok(r) => match tokio::time::timeout(Duration::from_secs(2), r.into_inner().message()).await
        {
            Ok(Err(s)) => s.code(),
            _ => Code::Ok,
        },
    }
}

/// Sends the route's method to its path (parameters filled in) with an
/// empty JSON body: the status.
async fn request(
    s: &Server,
    method: &axum::http::Method,
    route: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let path = route
        .replace("{name}", "nothing")
        .replace("{id}", "nothing");
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
    let mut r = client().request(method, s.url(&path)).json(&json!({}));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

/// The store holds nothing a call could have made.
async fn nothing_changed(s: &Secured) {
    let admin = s.admin();
    for path in [
        "/v1/workflows?include_archived=true",
        "/v1/executions",
        "/v1/schedules",
        "/v1/triggers",
        "/v1/audit",
    ] {
        let (status, body) = json_of(
            client()
                .get(s.server.url(path))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{path}: {body}");
        // A list, or an object of lists (an empty one may be left out).
        let listed = match &body {
            Value::Array(a) => a.len(),
            other => other
                .as_object()
                .unwrap()
                .values()
                .filter_map(Value::as_array)
                .map(Vec::len)
                .sum(),
        };
        assert_eq!(listed, 0, "{path}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_refuses_bad_tokens_and_nothing_changes() {
    let s = Secured::start(&[]);
    let channel = s.server.channel().await;
    for (why, token) in s.bad_tokens() {
        for (path, rule) in RPCS {
            let code = call(&channel, path, token.as_deref()).await;
            match rule {
                Rule::Open => assert_ne!(code, Code::Unauthenticated, "{path}, {why}"),
                _ => assert_eq!(code, Code::Unauthenticated, "{path}, {why}"),
            }
        }
        for (method, route, rule) in ROUTES {
            let answer = request(&s.server, method, route, token.as_deref()).await;
            let status = answer.status();
            match rule {
                Rule::Open | Rule::Signed => assert_ne!(
                    answer
                        .headers()
                        .get("www-authenticate")
                        .map(|v| v.to_str().unwrap().to_owned()),
                    Some("Bearer realm=\"orchestrator\"".into()),
                    "{method} {route}, {why}"
                ),
                _ => {
                    assert_eq!(status, 401, "{method} {route}, {why}");
                    assert_eq!(
                        answer.headers()["www-authenticate"],
                        "Bearer realm=\"orchestrator\"",
                        "{method} {route}"
                    );
                    let (_, body) = json_of(answer).await;
                    assert_eq!(body["code"], "UNAUTHENTICATED", "{body}");
                }
            }
        }
    }
    nothing_changed(&s).await;
}

/// Every permission that does not admit a call needing `p` under `rule`.
fn all_but(p: Permission, rule: Rule) -> Vec<&'static str> {
    Permission::ALL
        .iter()
        .filter(|o| **o != p && !(rule == Rule::ReadOrOwn && **o == Permission::WorkflowsRun))
        .map(|o| o.name())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_call_needs_its_permission_and_is_admitted_with_it() {
    let s = Secured::start(&[]);
    let channel = s.server.channel().await;
    let needed = |rule: &Rule| match rule {
        Rule::Need(p) => Some(*p),
        Rule::ReadOrOwn => Some(Permission::WorkflowsRead),
        _ => None,
    };
    for (path, rule) in RPCS {
        let Some(p) = needed(rule) else { continue };
        let others = all_but(p, *rule);
        let without = call(&channel, path, Some(&s.token("eve", &others))).await;
        assert_eq!(
            without,
            Code::PermissionDenied,
            "{path} without {}",
            p.name()
        );
        let with = call(&channel, path, Some(&s.token("eve", &[p.name()]))).await;
        assert!(
            !matches!(with, Code::PermissionDenied | Code::Unauthenticated),
            "{path} with {}: {with:?}",
            p.name()
        );
    }
    for (method, route, rule) in ROUTES {
        let Some(p) = needed(rule) else { continue };
        let others = all_but(p, *rule);
        let answer = request(&s.server, method, route, Some(&s.token("eve", &others))).await;
        let (status, body) = json_of(answer).await;
        assert_eq!(status, 403, "{method} {route}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(p.name()),
            "the refusal names the permission: {body}"
        );
        let answer = request(&s.server, method, route, Some(&s.token("eve", &[p.name()]))).await;
        assert!(
            ![401, 403].contains(&answer.status().as_u16()),
            "{method} {route} with {}: {}",
            p.name(),
            answer.status()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_method_the_server_offers_is_in_the_table() {
    use orchestrator::proto::FILE_DESCRIPTOR_SET;
    // The methods reflection serves are those of these descriptor sets.
    let mut offered = Vec::new();
    for set in [FILE_DESCRIPTOR_SET, tonic_health::pb::FILE_DESCRIPTOR_SET] {
        let pool = prost_reflect::DescriptorPool::decode(set).unwrap();
        for service in pool.services() {
            for method in service.methods() {
                offered.push(format!("/{}/{}", service.full_name(), method.name()));
            }
        }
    }
    assert!(offered.len() > 30, "{offered:?}");
    for m in &offered {
        assert!(
            RPCS.iter().any(|(p, _)| p == m),
            "{m} is served but has no row in the permission table"
        );
    }
    // And the server lists the same services over reflection.
    let s = Secured::start(&[]);
    let out = std::process::Command::new("grpcurl")
        .args([
            "-plaintext",
            "-H",
            &format!("authorization: Bearer {}", s.admin()),
            &s.server.grpc,
            "list",
        ])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for service in listed.lines().filter(|l| !l.starts_with("grpc.reflection")) {
        assert!(
            offered
                .iter()
                .any(|m| m.starts_with(&format!("/{service}/"))),
            "reflection lists {service}, whose methods the table was not checked against"
        );
    }
}

#[test]
fn grpcurl_works_with_a_token_and_is_refused_without() {
    let s = Secured::start(&[]);
    let grpcurl = |extra: &[&str]| {
        std::process::Command::new("grpcurl")
            .arg("-plaintext")
            .args(extra)
            .args([
                &s.server.grpc,
                "orchestrator.v1.WorkflowService/ListWorkflows",
            ])
            .output()
            .unwrap()
    };
    let header = format!(
        "authorization: Bearer {}",
        s.token("alice", &["workflows:read"])
    );
    let ok = grpcurl(&["-H", &header]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let refused = grpcurl(&[]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("Unauthenticated"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_open_unless_guarded_then_they_need_admin() {
    let open = Secured::start(&[]);
    let r = client()
        .get(open.server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let guarded = Secured::start(&[("METRICS_AUTH", "true")]);
    let get = |token: Option<String>| {
        let mut r = client().get(guarded.server.url("/metrics"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    let reader = guarded.token("bob", &["workflows:read"]);
    assert_eq!(get(Some(reader)).await.unwrap().status(), 403);
    let admin = guarded.token("ops", &["admin"]);
    let r = get(Some(admin)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("swarm_workflow_slots"));
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_event_streams_take_a_token_in_the_query() {
    let s = Secured::start(&[]);
    let reader = s.token("bob", &["workflows:read"]);
    let c = client();
    let events = c
        .get(s.server.url(&format!(
            "/v1/executions/nothing/events?access_token={reader}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 404, "admitted, then not found");
    let feed = c
        .get(
            s.server
                .url(&format!("/v1/executions/stream?access_token={reader}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200, "the feed admits a query token");
    assert_eq!(
        feed.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    drop(feed);
    let no_token = c
        .get(s.server.url("/v1/executions/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    let list = c
        .get(
            s.server
                .url(&format!("/v1/workflows?access_token={reader}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_token_reads_its_own_executions_only() {
    let s = Secured::start(&[]);
    let c = client();
    let admin = s.admin();
    assert_eq!(
        s.define(&admin, "name: hi\ntasks:\n  - {id: a, type: echo}\n")
            .await,
        201
    );
    let run_as = |who: &str| {
        let token = s.token(who, &["workflows:run"]);
        let c = c.clone();
        let url = s.server.url("/v1/run");
        async move {
            let (_, e) = json_of(
                c.post(url)
                    .bearer_auth(&token)
                    .json(&json!({"workflow": "hi"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            (token, e["workflow_id"].as_str().unwrap().to_owned())
        }
    };
    let (carol, hers) = run_as("carol").await;
    let (_, daves) = run_as("dave").await;
    let get = |id: &str| {
        c.get(s.server.url(&format!("/v1/executions/{id}")))
            .bearer_auth(&carol)
            .send()
    };
    assert_eq!(get(&hers).await.unwrap().status(), 200);
    let (status, body) = json_of(get(&daves).await.unwrap()).await;
    assert_eq!(status, 403, "{body}");
}

#[test]
fn serve_refuses_a_public_address_without_auth_unless_told_to() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .env_remove("AUTH_JWT_SECRET_FILE")
        .args([
            "serve",
            "--grpc-addr",
            "0.0.0.0:0",
            "--http-addr",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("without authentication") && err.contains("--insecure-no-auth"),
        "{err}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was opened");
    let s = Server::start_at(&dir.path().join("data"), &["--insecure-no-auth"]);
    assert!(!s.grpc.is_empty());
}

#[test]
fn the_token_command_mints_what_the_server_accepts_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef\n").unwrap();
    let token = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
            .args(["token", "--secret-file", secret.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = token(&[
        "--sub",
        "alice",
        "--permissions",
        "workflows:read,workflows:run",
        "--ttl",
        "5m",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let minted = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let s = Server::start_with_env(
        &dir.path().join("data"),
        &[],
        &[("AUTH_JWT_SECRET_FILE", secret.to_str().unwrap())],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(rt.block_on(lists_workflows(&s, &minted)), 200);

    let unknown = token(&["--sub", "a", "--permissions", "workflows:everything"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown \"workflows:everything\""));
    std::fs::write(&secret, "short").unwrap();
    let short = token(&["--sub", "a"]);
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 32 bytes"));
}
