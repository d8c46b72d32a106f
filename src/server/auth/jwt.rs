//! Verifying a bearer token: its signature with a key of the ring and that
//! key's one algorithm (so `alg: none` and HS/RS confusion cannot pass),
//! then `exp`, `nbf`, `iss` and `aud` within the leeway. A verified token
//! is remembered (bounded LRU, keyed by the whole token) until it expires,
//! so that a client sending the same token on every call pays for the
//! signature once.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Validation, decode, decode_header};
use lru::LruCache;
use serde_json::{Map, Value};

use super::keys::KeyRing;
use super::{AuthError, Identity, Permission};

/// Verified tokens remembered at most.
const CACHE_ENTRIES: usize = 4096;

/// What is checked besides the signature, and where the claims are.
#[derive(Debug, Clone)]
pub struct Checks {
    /// `iss` must be this, when set.
    pub issuer: Option<String>,
    /// `aud` must hold this, when set.
    pub audience: Option<String>,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_s: u64,
    /// The claim naming the caller (default `sub`).
    pub subject_claim: String,
    /// The claim listing permissions (default `permissions`; a string is
    /// read as space-separated, as OAuth's `scope` is).
    pub permissions_claim: String,
}

/// Checks tokens against the ring.
pub struct Verifier {
    keys: KeyRing,
    checks: Checks,
    cache: Mutex<LruCache<Box<str>, Remembered>>,
}

#[derive(Clone)]
struct Remembered {
    identity: Identity,
    exp: u64,
    nbf: u64,
}

impl Verifier {
    /// A verifier with these keys and checks.
    pub fn new(keys: KeyRing, checks: Checks) -> Self {
        Verifier {
            keys,
            checks,
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(CACHE_ENTRIES).expect("not zero"),
            )),
        }
    }

    /// The identity a valid token carries.
    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let now = jsonwebtoken::get_current_timestamp();
        let leeway = self.checks.leeway_s;
        if let Some(r) = self.lock().get(token).cloned() {
            if now > r.exp.saturating_add(leeway) {
                return Err(refused("the token has expired"));
            }
            if r.nbf > now.saturating_add(leeway) {
                return Err(refused("the token is not valid yet (nbf)"));
            }
            return Ok(r.identity);
        }
        let header = decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::Json(_) => refused("unsupported or missing token algorithm"),
            _ => refused(&format!("malformed token: {e}")),
        })?;
        let mut last = refused("no key verifies the token");
        for key in self.keys.candidates(&header).await? {
            let mut v = Validation::new(key.alg);
            v.leeway = leeway;
            v.validate_nbf = true;
            v.set_required_spec_claims(&["exp"]);
            match &self.checks.audience {
                Some(aud) => v.set_audience(&[aud]),
                None => v.validate_aud = false,
            }
            if let Some(iss) = &self.checks.issuer {
                v.set_issuer(&[iss]);
            }
            match decode::<Map<String, Value>>(token, &key.key, &v) {
                Ok(data) => {
                    let remembered = self.identity_of(&data.claims)?;
                    let identity = remembered.identity.clone();
                    self.lock().put(token.into(), remembered);
                    return Ok(identity);
                }
                Err(e) => last = why(e.kind()),
            }
        }
        Err(last)
    }

    fn identity_of(&self, claims: &Map<String, Value>) -> Result<Remembered, AuthError> {
        let subject = match claims.get(&self.checks.subject_claim) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                return Err(refused(&format!(
                    "the token has no {} claim",
                    self.checks.subject_claim
                )));
            }
        };
        let granted: Vec<&str> = match claims.get(&self.checks.permissions_claim) {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(s)) => s.split_whitespace().collect(),
            _ => Vec::new(),
        };
        let permissions = granted
            .into_iter()
            .filter_map(Permission::from_name)
            .collect();
        let number = |name: &str| claims.get(name).and_then(Value::as_u64).unwrap_or(0);
        Ok(Remembered {
            identity: Identity::new(&subject, permissions),
            exp: number("exp"),
            nbf: number("nbf"),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Box<str>, Remembered>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn refused(why: &str) -> AuthError {
    AuthError::Unauthenticated(why.to_owned())
}

/// A verification failure in words a client can act on.
fn why(kind: &ErrorKind) -> AuthError {
    refused(match kind {
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
        ErrorKind::InvalidAudience => "the token is for another audience",
        ErrorKind::InvalidIssuer => "the token is from another issuer",
        ErrorKind::InvalidSignature => "the token's signature does not verify",
        ErrorKind::InvalidAlgorithm => "the token's algorithm is not its key's",
        ErrorKind::MissingRequiredClaim(_) => "the token has no exp claim",
        _ => "the token is malformed",
    })
}
