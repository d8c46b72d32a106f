//! `orchestrator token`: mints an HS256 token for local use and tests,
//! signed with the secret a server reads from `AUTH_JWT_SECRET_FILE`.

use std::path::Path;
use std::time::Duration;

use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::server::auth::{Permission, hs256_secret};

/// What the token says, and for how long.
#[derive(Debug, Clone)]
pub struct TokenArgs<'a> {
    /// The HS256 secret's file.
    pub secret_file: &'a Path,
    /// The caller's name (`sub`).
    pub subject: &'a str,
    /// Permission names.
    pub permissions: &'a [String],
    /// How long it is valid.
    pub ttl: Duration,
    /// `iss`, when the server checks one.
    pub issuer: Option<&'a str>,
    /// `aud`, when the server checks one.
    pub audience: Option<&'a str>,
}

/// The signed token, or why it cannot be made (an unknown permission, an
/// unreadable or short secret).
pub fn mint(a: &TokenArgs<'_>) -> Result<String, String> {
    if a.subject.is_empty() {
        return Err("--sub: required".into());
    }
    for p in a.permissions {
        if Permission::from_name(p).is_none() {
            let known: Vec<_> = Permission::ALL.iter().map(|p| p.name()).collect();
            return Err(format!(
                "--permissions: unknown {p:?} (known: {})",
                known.join(", ")
            ));
        }
    }
    let secret = hs256_secret(a.secret_file).map_err(|e| e.to_string())?;
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = json!({
        "sub": a.subject,
        "permissions": a.permissions,
        "iat": now,
        "exp": now + a.ttl.as_secs().max(1),
    });
    if let Some(iss) = a.issuer {
        claims["iss"] = Value::from(iss);
    }
    if let Some(aud) = a.audience {
        claims["aud"] = Value::from(aud);
    }
    let key = EncodingKey::from_secret(&secret).map_err(|e| e.to_string())?;
    encode(&Header::default(), &claims, &key).map_err(|e| e.to_string())
}
