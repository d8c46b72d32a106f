//! The keys tokens are verified with, each pinned to one algorithm: an
//! HS256 secret, a PEM public key, a JWKS file, and a JWKS URL that is
//! fetched at start and again (at most once per `REFETCH_EVERY`) when a
//! token names a key id the ring does not hold, so that a rotated key is
//! picked up without a restart.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Header};
use tokio::sync::Mutex;

use super::AuthError;

/// The shortest time between two fetches of the JWKS URL, however many
/// unknown key ids arrive: a stream of made-up ids must not turn the
/// server into a load generator against the identity provider.
pub const REFETCH_EVERY: Duration = Duration::from_secs(10);

/// One verification key and the one algorithm it verifies.
pub struct Key {
    /// Its id (`kid`), if it has one.
    pub kid: Option<String>,
    /// The only algorithm tokens checked with it may use.
    pub alg: Algorithm,
    /// The key itself.
    pub key: DecodingKey,
}

/// Every key of the configuration.
pub struct KeyRing {
    fixed: Vec<Arc<Key>>,
    remote: Option<Remote>,
}

/// The JWKS URL's keys, and when they were last fetched.
struct Remote {
    url: String,
    http: reqwest::Client,
    state: Mutex<RemoteState>,
}

struct RemoteState {
    keys: Vec<Arc<Key>>,
    fetched: Option<Instant>,
}

impl KeyRing {
    /// The keys of these sources; the JWKS URL is fetched once here (a
    /// failure is logged, and tried again when a token arrives).
    pub async fn load(
        secret_file: Option<&Path>,
        public_key_file: Option<&Path>,
        jwks_file: Option<&Path>,
        jwks_url: Option<&str>,
    ) -> Result<Self, AuthError> {
        let mut fixed = Vec::new();
        if let Some(path) = secret_file {
            let secret = hs256_secret(path)?;
            fixed.push(Arc::new(Key {
                kid: None,
                alg: Algorithm::HS256,
                key: DecodingKey::from_secret(&secret).map_err(|e| config(path, e))?,
            }));
        }
        if let Some(path) = public_key_file {
            fixed.push(Arc::new(pem_key(path, &read(path)?)?));
        }
        if let Some(path) = jwks_file {
            let set: JwkSet = serde_json::from_slice(&read(path)?).map_err(|e| config(path, e))?;
            for jwk in &set.keys {
                fixed.push(Arc::new(jwk_key(jwk, true).map_err(|e| config(path, e))?));
            }
        }
        if jwks_url.is_some() {
            crate::plugins::install_crypto_provider();
        }
        let remote = jwks_url.map(|url| Remote {
            url: url.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            state: Mutex::new(RemoteState {
                keys: Vec::new(),
                fetched: None,
            }),
        });
        let ring = KeyRing { fixed, remote };
        if let Some(remote) = &ring.remote
            && let Err(e) = remote.refetch(&mut *remote.state.lock().await).await
        {
            tracing::warn!(url = %remote.url, error = %e, "could not fetch the JWKS; trying again when a token arrives");
        }
        Ok(ring)
    }

    /// The keys a token with this header may have been signed with: the
    /// one of its `kid`, or without a `kid` every key of its algorithm.
    /// An unknown `kid` makes the JWKS URL be fetched again (rate limited).
    pub async fn candidates(&self, header: &Header) -> Result<Vec<Arc<Key>>, AuthError> {
        let pick = |keys: &[Arc<Key>]| -> Vec<Arc<Key>> {
            keys.iter()
                .filter(|k| match &header.kid {
                    Some(kid) => k.kid.as_deref() == Some(kid),
                    None => k.alg == header.alg,
                })
                .cloned()
                .collect()
        };
        let mut found = pick(&self.fixed);
        if let Some(remote) = &self.remote {
            let mut state = remote.state.lock().await;
            let mut theirs = pick(&state.keys);
            let stale = state.fetched.is_none_or(|t| t.elapsed() >= REFETCH_EVERY);
            if theirs.is_empty() && found.is_empty() && header.kid.is_some() && stale {
                if let Err(e) = remote.refetch(&mut state).await {
                    tracing::warn!(url = %remote.url, error = %e, "could not fetch the JWKS");
                }
                theirs = pick(&state.keys);
            }
            found.extend(theirs);
        }
        if found.is_empty() {
            return Err(AuthError::Unauthenticated(match &header.kid {
                Some(kid) => format!("no key with id {kid:?}"),
                None => format!("no key for algorithm {:?}", header.alg),
            }));
        }
        Ok(found)
    }
}

impl Remote {
    /// Fetches the key set again; keeps the old keys when it fails.
    async fn refetch(&self, state: &mut RemoteState) -> Result<(), String> {
        state.fetched = Some(Instant::now());
        let answer = self
            .http
            .get(&self.url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| e.to_string())?;
        let set: JwkSet = answer.json().await.map_err(|e| e.to_string())?;
        // Keys a server hands out are public: no shared secrets from a URL.
        let keys: Result<Vec<_>, _> = set.keys.iter().map(|j| jwk_key(j, false)).collect();
        state.keys = keys?.into_iter().map(Arc::new).collect();
        tracing::info!(url = %self.url, keys = state.keys.len(), "fetched the JWKS");
        Ok(())
    }
}

fn read(path: &Path) -> Result<Vec<u8>, AuthError> {
    std::fs::read(path).map_err(|e| config(path, e))
}

fn config(path: &Path, e: impl std::fmt::Display) -> AuthError {
    AuthError::Config(format!("{}: {e}", path.display()))
}

/// The HS256 secret in the file at `path`, without a final newline; at
/// least 32 bytes (RFC 7518: a key as long as the hash).
pub fn hs256_secret(path: &Path) -> Result<Vec<u8>, AuthError> {
    let mut secret = read(path)?;
    for end in [b"\n".as_slice(), b"\r"] {
        if secret.ends_with(end) {
            secret.pop();
        }
    }
    if secret.len() < 32 {
        return Err(AuthError::Config(format!(
            "{}: an HS256 secret needs at least 32 bytes, this has {}",
            path.display(),
            secret.len()
        )));
    }
    Ok(secret)
}

/// A PEM public key, its algorithm told by its type: RSA → RS256, EC
/// P-256 → ES256, EC P-384 → ES384, Ed25519 → EdDSA.
fn pem_key(path: &Path, pem: &[u8]) -> Result<Key, AuthError> {
    let (alg, key) = if let Ok(k) = DecodingKey::from_rsa_pem(pem) {
        (Algorithm::RS256, k)
    } else if let Ok(k) = DecodingKey::from_ed_pem(pem) {
        (Algorithm::EdDSA, k)
    } else if let Ok(k) = DecodingKey::from_ec_pem(pem) {
        let alg = if on_p384(pem) {
            Algorithm::ES384
        } else {
            Algorithm::ES256
        };
        (alg, k)
    } else {
        return Err(config(
            path,
            "not a PEM RSA, EC (P-256, P-384) or Ed25519 public key",
        ));
    };
    Ok(Key {
        kid: None,
        alg,
        key,
    })
}

/// Whether a PEM EC public key's curve (its parameters' OID) is P-384.
fn on_p384(pem: &[u8]) -> bool {
    use x509_parser::prelude::FromDer;
    let Ok((_, pem)) = x509_parser::pem::parse_x509_pem(pem) else {
        return false;
    };
    let Ok((_, spki)) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&pem.contents) else {
        return false;
    };
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok());
    curve.is_some_and(|oid| oid == x509_parser::oid_registry::OID_NIST_EC_P384)
}

/// A JWK's key, pinned to its `alg` or, without one, to what its type
/// implies (RSA: RS256). Symmetric (`oct`) keys only when `secrets_ok`.
fn jwk_key(jwk: &Jwk, secrets_ok: bool) -> Result<Key, String> {
    let kid = jwk.common.key_id.clone();
    let name = kid.as_deref().unwrap_or("(no kid)");
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => Algorithm::ES256,
            EllipticCurve::P384 => Algorithm::ES384,
            ref c => return Err(format!("key {name}: curve {c:?} is not supported")),
        },
        AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
        AlgorithmParameters::OctetKey(_) if secrets_ok => Algorithm::HS256,
        AlgorithmParameters::OctetKey(_) => {
            return Err(format!(
                "key {name}: shared secrets are not taken from a URL"
            ));
        }
        _ => return Err(format!("key {name}: unknown key type")),
    };
    let alg = match jwk.common.key_algorithm {
        Some(a) => Algorithm::try_from(a).map_err(|e| format!("key {name}: {e}"))?,
        None => implied,
    };
    if alg.family() != implied.family() {
        return Err(format!("key {name}: alg {alg:?} does not fit its key type"));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("key {name}: {e}"))?;
    Ok(Key { kid, alg, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pem_keys_algorithm_follows_its_type_and_curve() {
        let path = Path::new("key.pem");
        for (alg, want) in [
            (&rcgen::PKCS_ECDSA_P256_SHA256, Algorithm::ES256),
            (&rcgen::PKCS_ECDSA_P384_SHA384, Algorithm::ES384),
            (&rcgen::PKCS_ED25519, Algorithm::EdDSA),
        ] {
            let public = rcgen::KeyPair::generate_for(alg).unwrap().public_key_pem();
            assert_eq!(pem_key(path, public.as_bytes()).unwrap().alg, want);
        }
        assert!(pem_key(path, b"not a key").is_err());
    }
}
