//! Who is calling, and whether they may: one authentication layer for both
//! transports. Every gRPC call and every REST route is looked up in the
//! one table of `permissions` before it reaches a service; a bearer token
//! (JWT, verified by `jwt` with the keys of `keys`) names the caller and
//! what they may do, and the caller's `Identity` travels with the request
//! to be the actor of audit records and the `started_by` of executions.
//!
//! Without keys configured every call is admitted, named by its transport
//! (`grpc`, `rest`): the local mode `serve` allows only on loopback.

mod grpc;
mod jwt;
mod keys;
pub mod permissions;
mod rest;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use grpc::GrpcAuthLayer;
pub use keys::hs256_secret;
pub use permissions::{Permission, Rule};
pub use rest::guard as rest_guard;

use super::ApiError;

/// Why a call was refused, or auth could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No token, or one that does not verify.
    #[error("{0}")]
    Unauthenticated(String),
    /// A valid token without the permission the call needs.
    #[error("this call needs the {} permission", .0.name())]
    Denied(Permission),
    /// A `workflows:run` token asking for someone else's execution.
    #[error("execution {0} was started by someone else; reading it needs workflows:read")]
    NotOwn(String),
    /// The configuration names keys that cannot be used.
    #[error("auth: {0}")]
    Config(String),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthenticated(m) => ApiError::Unauthenticated(m),
            AuthError::Denied(_) | AuthError::NotOwn(_) => {
                ApiError::PermissionDenied(e.to_string())
            }
            AuthError::Config(m) => ApiError::Internal(m),
        }
    }
}

/// A set of permissions, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions(u8);

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Permissions(iter.into_iter().fold(0, |bits, p| bits | p.bit()))
    }
}

/// The caller of a request: who, and what they may do.
#[derive(Debug, Clone)]
pub struct Identity {
    subject: Arc<str>,
    permissions: Permissions,
    /// The subject names someone (a token's or a certificate's), not
    /// just the transport of a server without auth.
    named: bool,
}

impl Identity {
    /// A caller named `subject` holding `permissions`.
    pub fn new(subject: &str, permissions: Permissions) -> Self {
        Identity {
            subject: subject.into(),
            permissions,
            named: true,
        }
    }

    /// A caller of a server without auth, named by its transport; it may
    /// do everything.
    pub fn local(transport: &str) -> Self {
        Identity {
            named: false,
            ..Identity::new(transport, Permission::ALL.into_iter().collect())
        }
    }

    /// A caller of a server without JWT keys that proved its name with a
    /// client certificate; it may do everything.
    pub fn certified(subject: &str) -> Self {
        Identity::new(subject, Permission::ALL.into_iter().collect())
    }

    /// Whether the subject names someone: false for the caller of a server
    /// without auth, whom no approver list can name.
    pub fn is_named(&self) -> bool {
        self.named
    }

    /// Who: the actor of audit records, the `started_by` of executions.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Whether the caller holds `p`.
    pub fn may(&self, p: Permission) -> bool {
        self.permissions.0 & p.bit() != 0
    }

    /// For a `ReadOrOwn` call: whether the caller may read the execution
    /// `id` that `started_by` started.
    pub fn may_read(&self, id: &str, started_by: &str) -> Result<(), AuthError> {
        if self.may(Permission::WorkflowsRead) || started_by == &*self.subject {
            Ok(())
        } else {
            Err(AuthError::NotOwn(id.to_owned()))
        }
    }
}

/// How callers prove who they are (env and `serve` flags of the same names).
#[derive(Debug, Clone, Default)]
pub struct AuthOptions {
    /// `AUTH_JWT_SECRET_FILE`: an HS256 secret (32 bytes or more).
    pub secret_file: Option<PathBuf>,
    /// `AUTH_PUBLIC_KEY_FILE`: a PEM public key (RSA, EC, Ed25519).
    pub public_key_file: Option<PathBuf>,
    /// `AUTH_JWKS_FILE`: a JSON Web Key Set on disk.
    pub jwks_file: Option<PathBuf>,
    /// `AUTH_JWKS_URL`: a JSON Web Key Set served by the identity provider.
    pub jwks_url: Option<String>,
    /// `AUTH_ISSUER`: the `iss` tokens must carry.
    pub issuer: Option<String>,
    /// `AUTH_AUDIENCE`: the `aud` tokens must carry.
    pub audience: Option<String>,
    /// `AUTH_PERMISSIONS_CLAIM`: where permissions are (default `permissions`).
    pub permissions_claim: Option<String>,
    /// `AUTH_SUBJECT_CLAIM`: who the caller is (default `sub`).
    pub subject_claim: Option<String>,
    /// `AUTH_LEEWAY`: clock skew allowed on `exp`/`nbf` (default 30 s).
    pub leeway: Option<Duration>,
    /// `METRICS_AUTH`: `/metrics` needs the `admin` permission.
    pub guard_metrics: bool,
}

impl AuthOptions {
    /// Whether any key source is configured.
    pub fn has_keys(&self) -> bool {
        self.secret_file.is_some()
            || self.public_key_file.is_some()
            || self.jwks_file.is_some()
            || self.jwks_url.is_some()
    }
}

/// Admits or refuses calls; shared by both transports.
pub struct Authenticator {
    verifier: Option<jwt::Verifier>,
    guard_metrics: bool,
}

impl Authenticator {
    /// Admits every call (a server without auth, on loopback).
    pub fn open() -> Self {
        Authenticator {
            verifier: None,
            guard_metrics: false,
        }
    }

    /// An authenticator with the keys and checks of `o`; the keys are read
    /// (and the JWKS URL fetched) now.
    pub async fn new(o: &AuthOptions) -> Result<Self, AuthError> {
        if !o.has_keys() {
            return Ok(Authenticator {
                guard_metrics: o.guard_metrics,
                ..Self::open()
            });
        }
        let keys = keys::KeyRing::load(
            o.secret_file.as_deref(),
            o.public_key_file.as_deref(),
            o.jwks_file.as_deref(),
            o.jwks_url.as_deref(),
        )
        .await?;
        let checks = jwt::Checks {
            issuer: o.issuer.clone(),
            audience: o.audience.clone(),
            leeway_s: o.leeway.unwrap_or(Duration::from_secs(30)).as_secs(),
            subject_claim: o.subject_claim.clone().unwrap_or_else(|| "sub".into()),
            permissions_claim: o
                .permissions_claim
                .clone()
                .unwrap_or_else(|| "permissions".into()),
        };
        Ok(Authenticator {
            verifier: Some(jwt::Verifier::new(keys, checks)),
            guard_metrics: o.guard_metrics,
        })
    }

    /// Whether calls need a token.
    pub fn requires_tokens(&self) -> bool {
        self.verifier.is_some()
    }

    /// What `/metrics` needs.
    pub fn metrics_rule(&self) -> Rule {
        if self.guard_metrics {
            Rule::Need(Permission::Admin)
        } else {
            Rule::Open
        }
    }

    /// The caller of a call that needs `rule`, given its bearer token and
    /// the subject of its client certificate (mutual TLS), if any. Without
    /// JWT keys the certificate's subject names the caller.
    pub async fn admit(
        &self,
        rule: Rule,
        token: Option<&str>,
        transport: &str,
        peer: Option<&str>,
    ) -> Result<Identity, AuthError> {
        let verifier = match (&self.verifier, rule) {
            (_, Rule::Open | Rule::Signed) | (None, _) => {
                return Ok(peer.map_or_else(|| Identity::local(transport), Identity::certified));
            }
            (Some(v), _) => v,
        };
        let token = token.ok_or_else(|| {
            AuthError::Unauthenticated(
                "a bearer token is required (authorization: Bearer …)".into(),
            )
        })?;
        let identity = verifier.verify(token).await?;
        match rule {
            Rule::Need(p) if !identity.may(p) => Err(AuthError::Denied(p)),
            Rule::ReadOrOwn
                if !identity.may(Permission::WorkflowsRead)
                    && !identity.may(Permission::WorkflowsRun) =>
            {
                Err(AuthError::Denied(Permission::WorkflowsRead))
            }
            _ => Ok(identity),
        }
    }
}

/// The token of an `authorization: Bearer …` value.
pub fn bearer(value: Option<&str>) -> Option<&str> {
    let v = value?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
