//! Access control end to end, on the real `orchestrator serve` process over
//! gRPC and REST. Every RPC and every route is taken from the one table
//! (`server::auth::permissions`), not listed here: each refuses bad tokens
//! with UNAUTHENTICATED / 401 and changes nothing, refuses a token without
//! its permission with PERMISSION_DENIED / 403, and admits one with it.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::server::{Server, client, json_of};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use orchestrator::server::auth::permissions::{Permission, ROUTES, RPCS, Rule};
use serde_json::{Value, json};
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;

const ISSUER: &str = "https://idp.test";
const AUDIENCE: &str = "orchestrator";

/// A server whose tokens are HS256 with a secret of its own.
struct Secured {
    server: Server,
    secret: Vec<u8>,
    _dir: tempfile::TempDir,
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

impl Secured {
    fn start(env: &[(&str, &str)]) -> Secured {
        let dir = tempfile::tempdir().unwrap();
        let secret = b"0123456789abcdef0123456789abcdef-test".to_vec();
        let file = dir.path().join("secret");
        std::fs::write(&file, &secret).unwrap();
        let mut all = vec![
            ("AUTH_JWT_SECRET_FILE", file.to_str().unwrap()),
            ("AUTH_ISSUER", ISSUER),
            ("AUTH_AUDIENCE", AUDIENCE),
        ];
        all.extend_from_slice(env);
        let server = Server::start_with_env(&dir.path().join("data"), &[], &all);
        Secured {
            server,
            secret,
            _dir: dir,
        }
    }

    /// A valid token for `sub` holding `permissions`, changed by `edit`.
    fn token_with(&self, sub: &str, permissions: &[&str], edit: impl FnOnce(&mut Value)) -> String {
        let mut claims = json!({
            "sub": sub, "permissions": permissions, "iss": ISSUER, "aud": AUDIENCE,
            "iat": now(), "exp": now() + 600,
        });
        edit(&mut claims);
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(&self.secret).unwrap(),
        )
        .unwrap()
    }

    fn token(&self, sub: &str, permissions: &[&str]) -> String {
        self.token_with(sub, permissions, |_| {})
    }

    /// A token holding every permission.
    fn admin(&self) -> String {
        let all: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
        self.token("root", &all)
    }

    /// Tokens that must all be refused as unauthenticated, by what is wrong.
    fn bad_tokens(&self) -> Vec<(&'static str, Option<String>)> {
        let all: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
        let b64 = |v: &Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let valid = self.token("mallory", &["workflows:read"]);
        let parts: Vec<&str> = valid.split('.').collect();
        let payload = json!({"sub": "mallory", "permissions": all, "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600});
        vec![
            ("no token", None),
            (
                "expired",
                Some(self.token_with("a", &all, |c| c["exp"] = json!(now() - 120))),
            ),
            (
                "not yet valid",
                Some(self.token_with("a", &all, |c| c["nbf"] = json!(now() + 120))),
            ),
            (
                "wrong audience",
                Some(self.token_with("a", &all, |c| c["aud"] = json!("other"))),
            ),
            (
                "wrong issuer",
                Some(self.token_with("a", &all, |c| c["iss"] = json!("https://evil.test"))),
            ),
            (
                "another key",
                Some(
                    encode(
                        &Header::default(),
                        &payload,
                        &EncodingKey::from_secret(b"another-secret-another-secret-another")
                            .unwrap(),
                    )
                    .unwrap(),
                ),
            ),
            (
                "alg none",
                Some(format!(
                    "{}.{}.",
                    b64(&json!({"alg": "none", "typ": "JWT"})),
                    b64(&payload)
                )),
            ),
            (
                "tampered payload",
                Some(format!("{}.{}.{}", parts[0], b64(&payload), parts[2])),
            ),
        ]
    }
}

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
        let others: Vec<&str> = Permission::ALL
            .iter()
            .filter(|o| **o != p && !(*rule == Rule::ReadOrOwn && **o == Permission::WorkflowsRun))
            .map(|o| o.name())
            .collect();
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
        let others: Vec<&str> = Permission::ALL
            .iter()
            .filter(|o| **o != p && !(*rule == Rule::ReadOrOwn && **o == Permission::WorkflowsRun))
            .map(|o| o.name())
            .collect();
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

/// Runs `openssl` with these arguments.
fn openssl(args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh private key (PEM, PKCS#8) of `algorithm` ("RSA" or "EC").
fn private_key(dir: &Path, name: &str, algorithm: &str) -> PathBuf {
    let path = dir.join(name);
    let p = path.to_str().unwrap();
    match algorithm {
        "RSA" => openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            p,
        ]),
        _ => openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            p,
        ]),
    }
    path
}

/// A fresh signing key of `alg` (RS256 or ES256), in `dir`, and its
/// public JWK with `kid`.
fn signer(dir: &Path, alg: Algorithm, kid: &str) -> (EncodingKey, Value) {
    let (kind, from_pem): (_, fn(&[u8]) -> _) = match alg {
        Algorithm::RS256 => ("RSA", EncodingKey::from_rsa_pem),
        _ => ("EC", EncodingKey::from_ec_pem),
    };
    let pem = std::fs::read(private_key(dir, &format!("{kid}.pem"), kind)).unwrap();
    let key = from_pem(&pem).unwrap();
    let mut jwk =
        serde_json::to_value(jsonwebtoken::jwk::Jwk::from_encoding_key(&key, alg).unwrap())
            .unwrap();
    jwk["kid"] = json!(kid);
    (key, jwk)
}

fn signed(key: &EncodingKey, alg: Algorithm, kid: &str, sub: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    let claims = json!({"sub": sub, "permissions": ["workflows:read"], "exp": now() + 600});
    encode(&header, &claims, key).unwrap()
}

async fn lists_workflows(s: &Server, token: &str) -> reqwest::StatusCode {
    client()
        .get(s.url("/v1/workflows"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread")]
async fn rs256_and_es256_keys_come_from_a_jwks_file() {
    let dir = tempfile::tempdir().unwrap();
    let (rsa, rsa_jwk) = signer(dir.path(), Algorithm::RS256, "r1");
    let (ec, ec_jwk) = signer(dir.path(), Algorithm::ES256, "e1");
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, json!({"keys": [rsa_jwk, ec_jwk]}).to_string()).unwrap();
    let s = Server::start_with_env(
        &dir.path().join("data"),
        &[],
        &[("AUTH_JWKS_FILE", jwks.to_str().unwrap())],
    );
    assert_eq!(
        lists_workflows(&s, &signed(&rsa, Algorithm::RS256, "r1", "a")).await,
        200
    );
    assert_eq!(
        lists_workflows(&s, &signed(&ec, Algorithm::ES256, "e1", "b")).await,
        200
    );
    // A key is pinned to its algorithm: the RSA key's id on an ES256 token.
    assert_eq!(
        lists_workflows(&s, &signed(&ec, Algorithm::ES256, "r1", "c")).await,
        401
    );
    // HS/RS confusion: the RSA public key's bytes used as an HMAC secret.
    let public_pem = dir.path().join("r1.pub.pem");
    openssl(&[
        "pkey",
        "-in",
        dir.path().join("r1.pem").to_str().unwrap(),
        "-pubout",
        "-out",
        public_pem.to_str().unwrap(),
    ]);
    let public = std::fs::read(public_pem).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("r1".into());
    let forged = encode(
        &header,
        &json!({"sub": "x", "permissions": ["admin"], "exp": now() + 600}),
        &EncodingKey::from_secret(&public).unwrap(),
    )
    .unwrap();
    assert_eq!(lists_workflows(&s, &forged).await, 401);
}

/// A loopback HTTP server answering every GET with the current `body`.
async fn jwks_server(body: std::sync::Arc<std::sync::Mutex<String>>) -> String {
    let app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let body = body.lock().unwrap().clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/jwks.json")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_key_is_fetched_from_the_jwks_url_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (old, old_jwk) = signer(dir.path(), Algorithm::ES256, "2026-11");
    let (new, new_jwk) = signer(dir.path(), Algorithm::ES256, "2026-12");
    let body = std::sync::Arc::new(std::sync::Mutex::new(
        json!({"keys": [old_jwk]}).to_string(),
    ));
    let url = jwks_server(body.clone()).await;
    let s = Server::start_with_env(&dir.path().join("data"), &[], &[("AUTH_JWKS_URL", &url)]);
    assert_eq!(
        lists_workflows(&s, &signed(&old, Algorithm::ES256, "2026-11", "a")).await,
        200
    );
    // The identity provider rotates: the new key's id is unknown until the
    // server fetches the set again, which the first token with it causes.
    *body.lock().unwrap() = json!({"keys": [old_jwk, new_jwk]}).to_string();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = lists_workflows(&s, &signed(&new, Algorithm::ES256, "2026-12", "b")).await;
        if status == 200 {
            break;
        }
        // Refetches are at most one per 10 s: a token that came too soon
        // after the start waits for the next.
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new key was never picked up"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_trail_names_the_tokens_subject_and_the_export_matches() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("audit.jsonl");
    let s = Secured::start(&[("AUDIT_LOG_FILE", export.to_str().unwrap())]);
    let c = client();
    let alice = s.token(
        "alice",
        &[
            "workflows:write",
            "workflows:run",
            "workflows:cancel",
            "schedules:admin",
        ],
    );
    let r = c
        .post(s.server.url("/v1/workflows"))
        .bearer_auth(&alice)
        .header("content-type", "application/yaml")
        .body("name: nap\ntasks:\n  - {id: z, type: sleep, duration: 1h}\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, run) = json_of(
        c.post(s.server.url("/v1/run"))
            .bearer_auth(&alice)
            .json(&json!({"workflow": "nap", "wait": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = run["workflow_id"].as_str().unwrap().to_owned();
    let cancel = c
        .post(s.server.url(&format!("/v1/cancel/{id}")))
        .bearer_auth(&alice)
        .json(&json!({"reason": "False positive detected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 200);
    let schedule = c
        .post(s.server.url("/v1/schedules"))
        .bearer_auth(&alice)
        .json(&json!({"id": "nightly", "workflow_name": "nap", "cron_expr": "0 0 3 * * *"}))
        .send()
        .await
        .unwrap();
    assert_eq!(schedule.status(), 201, "{}", schedule.text().await.unwrap());

    let admin = s.admin();
    let (_, trail) = json_of(
        c.get(s.server.url("/v1/audit?actor=alice"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let records = trail["records"].as_array().unwrap();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for want in [
        "workflow.create",
        "execution.start",
        "execution.cancel",
        "schedule.create",
    ] {
        assert!(actions.contains(&want), "{want} missing: {trail}");
    }
    assert!(records.iter().all(|r| r["actor"] == "alice"), "{trail}");
    let cancel = records
        .iter()
        .find(|r| r["action"] == "execution.cancel")
        .unwrap();
    assert_eq!(cancel["target"], id.as_str());
    assert_eq!(cancel["reason"], "False positive detected");
    // The execution names who started it.
    let (_, e) = json_of(
        c.get(s.server.url(&format!("/v1/executions/{id}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(e["started_by"], "alice", "{e}");

    // Filters: one action, and pages that neither repeat nor skip.
    let (_, one) = json_of(
        c.get(s.server.url("/v1/audit?action=execution.cancel"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(one["records"].as_array().unwrap().len(), 1, "{one}");
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let (_, page) = json_of(
            c.get(
                s.server
                    .url(&format!("/v1/audit?actor=alice&limit=1&page_token={token}")),
            )
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
        )
        .await;
        paged.extend(page["records"].as_array().unwrap().iter().cloned());
        token = page["next_page_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(&paged, records);

    // The export has the same records, oldest first, once each.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let exported: Vec<Value> = loop {
        let text = std::fs::read_to_string(&export).unwrap_or_default();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if lines.iter().filter(|l| l["actor"] == "alice").count() >= records.len() {
            break lines;
        }
        assert!(tokio::time::Instant::now() < deadline, "export: {text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let theirs: Vec<(&Value, &Value, &Value)> = exported
        .iter()
        .filter(|l| l["actor"] == "alice")
        .map(|l| (&l["action"], &l["target"], &l["reason"]))
        .collect();
    let ours: Vec<(&Value, &Value, &Value)> = records
        .iter()
        .rev()
        .map(|r| (&r["action"], &r["target"], &r["reason"]))
        .collect();
    assert_eq!(theirs, ours);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_event_stream_takes_a_token_in_the_query() {
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
    let r = c
        .post(s.server.url("/v1/workflows"))
        .bearer_auth(&admin)
        .header("content-type", "application/yaml")
        .body("name: hi\ntasks:\n  - {id: a, type: echo}\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
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
