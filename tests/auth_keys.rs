//! Where token keys come from: RS256 and ES256 keys in a JWKS file, each
//! pinned to its algorithm, and a JWKS URL whose rotated key is picked up
//! without a restart; on the real `orchestrator serve`.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::auth::{lists_workflows, now};
use common::server::Server;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

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
