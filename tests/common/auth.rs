//! A server whose callers need tokens: HS256 with a secret of its own, an
//! issuer and an audience; tokens valid, and tokens wrong in every way a
//! token can be wrong.

use jsonwebtoken::{EncodingKey, Header, encode};
use orchestrator::server::auth::permissions::Permission;
use serde_json::{Value, json};

use super::server::{Server, client};

/// The `iss` the server wants.
pub const ISSUER: &str = "https://idp.test";
/// The `aud` the server wants.
pub const AUDIENCE: &str = "orchestrator";

/// A server whose tokens are HS256 with a secret of its own.
pub struct Secured {
    /// The server.
    pub server: Server,
    secret: Vec<u8>,
    _dir: tempfile::TempDir,
}

/// Now, in Unix seconds.
pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

impl Secured {
    /// Starts one, with more environment.
    pub fn start(env: &[(&str, &str)]) -> Secured {
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
    pub fn token_with(
        &self,
        sub: &str,
        permissions: &[&str],
        edit: impl FnOnce(&mut Value),
    ) -> String {
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

    /// A valid token for `sub` holding `permissions`.
    pub fn token(&self, sub: &str, permissions: &[&str]) -> String {
        self.token_with(sub, permissions, |_| {})
    }

    /// Creates a workflow from YAML as the holder of `token`; the status.
    pub async fn define(&self, token: &str, yaml: &str) -> reqwest::StatusCode {
        client()
            .post(self.server.url("/v1/workflows"))
            .bearer_auth(token)
            .header("content-type", "application/yaml")
            .body(yaml.to_owned())
            .send()
            .await
            .unwrap()
            .status()
    }

    /// A token holding every permission.
    pub fn admin(&self) -> String {
        let all: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
        self.token("root", &all)
    }

    /// Tokens that must all be refused as unauthenticated, by what is wrong.
    pub fn bad_tokens(&self) -> Vec<(&'static str, Option<String>)> {
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

/// GET /v1/workflows with `token`: the status.
pub async fn lists_workflows(s: &Server, token: &str) -> reqwest::StatusCode {
    client()
        .get(s.url("/v1/workflows"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}
