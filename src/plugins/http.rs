//! `http`: one request through a shared, pooled client. The output is the
//! parsed response body (JSON when it is JSON, else text); the status code
//! and headers are side facts (`tasks.<id>.status_code`, `.headers`).
//!
//! Retry classification: connection errors, timeouts, 5xx and 429 are
//! retryable; other 4xx are not (sending the same request again will not
//! help). Connection errors, timeouts and 5xx also count against the
//! host's circuit breaker (`breaker`), which fails calls fast while open.
//!
//! An attempt builds its whole request first (a bad header, CA file or
//! secret fails it without touching the host), then waits for a slot
//! under the host's limit of requests in flight (`host_limit`), then asks
//! the breaker, then sends: the breaker's permit is taken only for a
//! request that really goes out.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lru::LruCache;
use reqwest::{Certificate, Client, Method, Url, redirect};
use serde_json::{Map, Value, json};

use super::breaker::Breakers;
use super::host_limit::HostLimits;
use super::secrets::Secrets;
use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin, is_templated};
use crate::config::Config;
use crate::proto::HttpConfig;

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 10;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The `http` plugin's server-wide settings.
#[derive(Debug, Clone, Copy)]
pub struct HttpOptions {
    /// Requests in flight at once to one `host:port`
    /// (`HTTP_MAX_CONNS_PER_HOST`); a task may only ask for fewer.
    pub max_conns_per_host: usize,
}

impl From<&Config> for HttpOptions {
    fn from(c: &Config) -> Self {
        Self {
            max_conns_per_host: c.http_max_conns_per_host,
        }
    }
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self::from(&Config::default())
    }
}

/// Clients kept at most (one per redirect, CA and verification setting).
const MAX_CLIENTS: usize = 64;

/// The `http` plugin.
#[derive(Debug)]
pub struct HttpPlugin {
    /// Pooled clients by TLS and redirect settings; most tasks share the
    /// default one. Bounded: `ca_file` may be templated.
    clients: Mutex<LruCache<ClientKey, Client>>,
    breakers: Arc<Breakers>,
    limits: HostLimits,
    secrets: Secrets,
}

/// The settings that need a client of their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    follow_redirects: bool,
    ca_file: String,
    tls_verify: bool,
}

impl HttpPlugin {
    /// A plugin with its own connection pools, guarded by `breakers`, with
    /// credentials from `secrets`.
    pub fn new(breakers: Arc<Breakers>, secrets: Secrets, options: HttpOptions) -> Self {
        install_crypto_provider();
        Self {
            clients: Mutex::new(LruCache::new(
                NonZeroUsize::new(MAX_CLIENTS).expect("not zero"),
            )),
            breakers,
            limits: HostLimits::new(options.max_conns_per_host),
            secrets,
        }
    }

    /// The pooled client for a task's settings.
    async fn client(&self, cfg: &HttpConfig) -> Result<Client, TaskError> {
        let key = ClientKey {
            follow_redirects: cfg.follow_redirects.unwrap_or(true),
            ca_file: cfg.ca_file.clone(),
            tls_verify: cfg.tls_verify.unwrap_or(true),
        };
        if let Some(c) = self
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(c.clone());
        }
        let mut b = Client::builder()
            .pool_idle_timeout(Duration::from_secs(90))
            // No more idle connections than may ever be busy at once.
            .pool_max_idle_per_host(self.limits.effective(0))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("orchestrator/", env!("CARGO_PKG_VERSION")))
            .redirect(if key.follow_redirects {
                redirect::Policy::limited(MAX_REDIRECTS)
            } else {
                redirect::Policy::none()
            })
            .tls_danger_accept_invalid_certs(!key.tls_verify);
        if !key.ca_file.is_empty() {
            let pem = tokio::fs::read(&key.ca_file).await.map_err(|e| {
                TaskError::permanent(format!("config: ca_file {}: {e}", key.ca_file))
            })?;
            let certs = Certificate::from_pem_bundle(&pem).map_err(|e| {
                TaskError::permanent(format!(
                    "config: ca_file {}: not PEM certificates: {e}",
                    key.ca_file
                ))
            })?;
            b = b.tls_certs_merge(certs);
        }
        let client = b.build().map_err(|e| {
            TaskError::permanent(format!("config: cannot build the HTTP client: {e}"))
        })?;
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(key, client.clone());
        Ok(client)
    }
}

#[async_trait::async_trait]
impl TaskPlugin for HttpPlugin {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn load(&self) -> super::Load {
        super::Load::Wait
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cfg = match super::decode::<HttpConfig>(config) {
            Ok(c) => c,
            Err(e) => return vec![(String::new(), e.message)],
        };
        let mut p = Vec::new();
        if cfg.url.is_empty() {
            p.push(("url".into(), "required".into()));
        } else if !is_templated(&cfg.url)
            && let Err(m) = parse_url(&cfg.url)
        {
            p.push(("url".into(), m));
        }
        if !cfg.method.is_empty()
            && !is_templated(&cfg.method)
            && !METHODS.contains(&cfg.method.to_ascii_uppercase().as_str())
        {
            p.push((
                "method".into(),
                format!(
                    "unknown method '{}'; expected one of {}",
                    cfg.method,
                    METHODS.join(", ")
                ),
            ));
        }
        if let Some(auth) = &cfg.auth {
            if !matches!(auth.r#type.as_str(), "bearer" | "basic") {
                p.push((
                    "auth.type".into(),
                    format!("unknown type '{}'; expected bearer or basic", auth.r#type),
                ));
            }
            if auth.secret.is_empty() {
                p.push((
                    "auth.secret".into(),
                    "required: the name of a secret (SECRET_<NAME> or SECRETS_FILE)".into(),
                ));
            }
        }
        if !cfg.ca_file.is_empty() && !std::path::Path::new(&cfg.ca_file).is_absolute() {
            p.push(("ca_file".into(), "must be an absolute path".into()));
        }
        p
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        let server_cap = ctx.max_output_bytes;
        let key = ctx.idempotency_key();
        let mut config = ctx.config;
        for field in ["headers", "query", "url", "method"] {
            if let Some(v) = config.get_mut(field) {
                super::stringify_scalars(v);
            }
        }
        let cfg: HttpConfig = super::decode(&config)?;
        let url = parse_url(&cfg.url).map_err(TaskError::permanent)?;
        let host = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        );
        let method = match cfg.method.to_ascii_uppercase().as_str() {
            "" => Method::GET,
            m if METHODS.contains(&m) => Method::from_bytes(m.as_bytes()).expect("known method"),
            m => {
                return Err(TaskError::permanent(format!(
                    "config: unknown method '{m}'"
                )));
            }
        };
        let client = self.client(&cfg).await?;
        let mut headers = header_map(&cfg.headers)?;
        // The task's own key, if it sets one, is the one sent.
        if let Ok(key) = reqwest::header::HeaderValue::from_str(&key) {
            headers.entry("idempotency-key").or_insert(key);
        }
        // The run's trace goes on at the peer, unless the task sends its own.
        for (name, value) in crate::telemetry::trace_headers() {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(&value),
            ) {
                headers.entry(name).or_insert(value);
            }
        }
        let mut req = client.request(method, url).headers(headers);
        if let Some(auth) = &cfg.auth {
            let secret = self
                .secrets
                .secret(&auth.secret)
                .map_err(TaskError::permanent)?;
            // Sent only where its definition allows (`hosts`).
            secret
                .allow(&auth.secret, &host)
                .map_err(TaskError::permanent)?;
            let secret = secret.value;
            req = match auth.r#type.as_str() {
                "bearer" => req.bearer_auth(secret),
                "basic" => match secret.split_once(':') {
                    Some((user, password)) => req.basic_auth(user, Some(password)),
                    None => req.basic_auth(secret, None::<&str>),
                },
                other => {
                    return Err(TaskError::permanent(format!(
                        "config: auth.type: unknown type '{other}'"
                    )));
                }
            };
        }
        if !cfg.query.is_empty() {
            req = req.query(&cfg.query.iter().collect::<Vec<_>>());
        }
        match cfg.body.as_ref().map(crate::proto::pb_to_json) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => req = req.body(text),
            Some(v) => req = req.json(&v),
        }
        // The builder keeps its errors (a secret that is no header value,
        // say) until the request is built: built here, they fail the task
        // before it touches the host's limit or circuit.
        let req = req.build().map_err(|e| {
            TaskError::permanent(format!("config: cannot build the request{}", sources(&e)))
        })?;
        // Held until the response body is read: the connection is busy
        // until then.
        let _slot = self.limits.acquire(&host, cfg.max_conns_per_host).await;
        // Retryable: the circuit may close by the next attempt. Asked only
        // now, so that a probe is a request that goes out; if the attempt
        // ends before the answer, the permit's drop fails the probe.
        let permit = self.breakers.admit(&host).map_err(TaskError::retryable)?;
        let resp = match client.execute(req).await {
            Ok(r) => r,
            Err(e) => {
                permit.record(false);
                return Err(TaskError::retryable(describe(&e)));
            }
        };
        permit.record(!resp.status().is_server_error());
        // The body becomes the output: the server's output cap bounds it.
        let max = super::output_cap(cfg.max_response_bytes, server_cap);
        respond(resp, max).await
    }
}

async fn respond(mut resp: reqwest::Response, max: u64) -> Result<TaskOutput, TaskError> {
    let status = resp.status();
    let mut headers = Map::new();
    for (name, value) in resp.headers() {
        headers.insert(
            name.as_str().to_owned(),
            Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
        );
    }
    let is_json = headers
        .get("content-type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.contains("json"));
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| TaskError::retryable(format!("reading response: {}", describe(&e))))?
    {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(TaskError::permanent(format!(
                "response body exceeds {max} bytes (max_response_bytes)"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let output = parse_body(&body, is_json);
    let mut meta = Map::new();
    meta.insert("status_code".into(), json!(status.as_u16()));
    meta.insert("headers".into(), Value::Object(headers));
    if status.is_success() || status.is_redirection() || status.is_informational() {
        return Ok(TaskOutput { output, meta });
    }
    let snippet: String = match &output {
        Value::String(s) => s.chars().take(200).collect(),
        v => v.to_string().chars().take(200).collect(),
    };
    let retryable = status.is_server_error() || status.as_u16() == 429;
    Err(TaskError {
        message: format!("HTTP {status}: {snippet}"),
        retryable,
        meta,
    })
}

/// Makes ring the process's TLS crypto provider (reqwest is built without
/// one). Safe to call more than once: the first call wins.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn parse_body(body: &[u8], is_json: bool) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => v,
        Err(_) if is_json => Value::String(String::from_utf8_lossy(body).into_owned()),
        Err(_) => Value::String(String::from_utf8_lossy(body).into_owned()),
    }
}

fn header_map(headers: &HashMap<String, String>) -> Result<reqwest::header::HeaderMap, TaskError> {
    let mut map = reqwest::header::HeaderMap::new();
    for (k, v) in headers {
        let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| TaskError::permanent(format!("config: headers: bad header name {k:?}")))?;
        let value = reqwest::header::HeaderValue::from_str(v)
            .map_err(|_| TaskError::permanent(format!("config: headers.{k}: bad header value")))?;
        map.insert(name, value);
    }
    Ok(map)
}

fn parse_url(url: &str) -> Result<Url, String> {
    let u = Url::parse(url).map_err(|e| format!("bad URL {url:?}: {e}"))?;
    match u.scheme() {
        "http" | "https" => Ok(u),
        s => Err(format!(
            "bad URL {url:?}: scheme '{s}' is not http or https"
        )),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    format!("{kind}{}", sources(e))
}

/// The causes of `e`, each after ": ".
fn sources(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut msg = String::new();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
