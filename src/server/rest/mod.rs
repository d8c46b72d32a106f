//! The REST/JSON gateway: the brief's paths over the same service
//! implementations as gRPC. JSON uses the proto field names; states are
//! lower case (`"completed"`); errors are `{code, message, details}` with
//! the HTTP status of the one code table in `http_status`.

mod events;
mod executions;
pub mod proto_schema;
mod schedules;

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::auth::{Authenticator, Identity};
use super::error::ApiError;
use super::{AdminApi, EventApi, ExecutionApi, ScheduleApi, WorkflowApi};
use crate::proto::{self, Workflow};
use crate::spec::{Format, Limits};

/// The services the gateway translates to.
#[derive(Clone)]
pub struct Gateway {
    /// Workflow definitions.
    pub workflows: WorkflowApi,
    /// Executions.
    pub executions: ExecutionApi,
    /// Store maintenance.
    pub admin: AdminApi,
    /// Cron schedules.
    pub schedules: ScheduleApi,
    /// Events and triggers.
    pub events: EventApi,
    /// Bounds on definitions (and so on request bodies).
    pub limits: Limits,
    /// The Prometheus metrics.
    pub metrics: std::sync::Arc<crate::telemetry::Metrics>,
}

/// The routes, each behind the auth guard.
pub fn router(gateway: Gateway, auth: std::sync::Arc<Authenticator>) -> Router {
    let body_limit = gateway.limits.max_bytes + 1024;
    Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route("/metrics", get(metrics))
        .route("/v1/workflows", post(create_workflow).get(list_workflows))
        .route("/v1/workflows/validate", post(validate_workflow))
        .route(
            "/v1/workflows/{name}",
            get(get_workflow)
                .put(update_workflow)
                .delete(delete_workflow),
        )
        .route("/v1/workflows/{name}/versions", get(list_versions))
        .route("/v1/workflows/{name}/archive", post(archive_workflow))
        .route("/v1/workflows/{name}/restore", post(restore_workflow))
        .route("/v1/stats/db", get(stats))
        .route("/v1/admin/compact", post(compact))
        .route("/v1/audit", get(audit))
        .merge(executions::routes())
        .merge(schedules::routes())
        .merge(events::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            auth,
            super::auth::rest_guard,
        ))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(json_errors))
        .with_state(gateway)
}

async fn no_route(method: Method, uri: Uri) -> HttpError {
    HttpError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no route for {method} {}", uri.path()),
    )
}

async fn wrong_method(method: Method, uri: Uri) -> HttpError {
    HttpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "UNIMPLEMENTED",
        format!("{} does not take {method}", uri.path()),
    )
}

/// Gives the answers axum makes by itself (a path segment that is not
/// UTF-8, a bad query, a missing body) the `{code, message, details}`
/// body every other error has; they come as plain text.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    // axum's own messages are one line; a longer body is cut, not kept.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let message = match String::from_utf8_lossy(&text).trim() {
        "" => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
        t => t.to_owned(),
    };
    let code = match status {
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::METHOD_NOT_ALLOWED => "UNIMPLEMENTED",
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::TOO_MANY_REQUESTS => "RESOURCE_EXHAUSTED",
        StatusCode::REQUEST_TIMEOUT => "DEADLINE_EXCEEDED",
        s if s.is_client_error() => "INVALID_ARGUMENT",
        _ => "INTERNAL",
    };
    let mut answer = HttpError::new(status, code, message).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    answer
}

/// An HTTP error: a status and the `{code, message, details}` body.
pub struct HttpError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Vec<String>,
}

impl HttpError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
    }
}

/// The one table from API errors to HTTP statuses.
fn http_status(e: &ApiError) -> (StatusCode, &'static str) {
    match e {
        ApiError::InvalidArgument { .. } => (StatusCode::BAD_REQUEST, "INVALID_ARGUMENT"),
        ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
        ApiError::AlreadyExists(_) => (StatusCode::CONFLICT, "ALREADY_EXISTS"),
        ApiError::FailedPrecondition(_) => (StatusCode::PRECONDITION_FAILED, "FAILED_PRECONDITION"),
        ApiError::OutOfRange(_) => (StatusCode::BAD_REQUEST, "OUT_OF_RANGE"),
        ApiError::ResourceExhausted(_) => (StatusCode::TOO_MANY_REQUESTS, "RESOURCE_EXHAUSTED"),
        ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        ApiError::PermissionDenied(_) => (StatusCode::FORBIDDEN, "PERMISSION_DENIED"),
        ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
    }
}

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        let (status, code) = http_status(&e);
        let details = match &e {
            ApiError::InvalidArgument { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        Self {
            status,
            code,
            message: e.to_string(),
            details,
        }
    }
}

impl From<BytesRejection> for HttpError {
    fn from(r: BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RESOURCE_EXHAUSTED",
                "request body is too large",
            )
        } else {
            Self::bad_request(format!("cannot read the request body: {r}"))
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code, "message": self.message, "details": self.details});
        (self.status, axum::Json(body)).into_response()
    }
}

type Reply = Result<Response, HttpError>;

fn ok(v: Value) -> Reply {
    Ok(axum::Json(v).into_response())
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Parses a JSON body into `T`; an error names the field at fault.
fn body<T: DeserializeOwned>(bytes: Result<Bytes, BytesRejection>) -> Result<T, HttpError> {
    let bytes = bytes?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            HttpError::bad_request(format!("invalid JSON body: {inner}"))
        } else {
            HttpError::bad_request(format!("{path}: {inner}"))
        }
    })
}

/// A definition from a request body: JSON, or YAML with a YAML content type.
fn definition(
    g: &Gateway,
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<proto::WorkflowSpec, HttpError> {
    let bytes = bytes?;
    let yaml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("yaml"));
    let text =
        std::str::from_utf8(&bytes).map_err(|_| HttpError::bad_request("the body is not UTF-8"))?;
    let format = if yaml { Format::Yaml } else { Format::Json };
    Ok(g.workflows.parse(text, format).map_err(ApiError::from)?)
}

/// A query string's parameters, or a 400 naming the bad one.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, HttpError> {
    q.map(|Query(t)| t)
        .map_err(|e| HttpError::bad_request(e.body_text()))
}

fn workflows_json(ws: &[Workflow]) -> Value {
    json!({ "workflows": ws.iter().map(workflow_json).collect::<Vec<_>>() })
}

fn workflow_json(w: &Workflow) -> Value {
    let mut v = to_json(w);
    proto::whole_numbers_as_integers(&mut v);
    v
}

async fn create_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let spec = definition(&g, &headers, b)?;
    let w = g.workflows.create(Some(spec), by.subject()).await?;
    Ok((StatusCode::CREATED, axum::Json(workflow_json(&w))).into_response())
}

async fn update_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(name): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let spec = definition(&g, &headers, b)?;
    if spec.name != name {
        return Err(HttpError::bad_request(format!(
            "name: the body names '{}' but the path names '{name}'",
            spec.name
        )));
    }
    ok(workflow_json(
        &g.workflows.update(Some(spec), by.subject()).await?,
    ))
}

async fn validate_workflow(
    State(g): State<Gateway>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let problems = match definition(&g, &headers, b) {
        Ok(spec) => g.workflows.validate(Some(spec)),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            return ok(json!({"valid": false, "problems": e.details, "message": e.message}));
        }
        Err(e) => return Err(e),
    };
    ok(to_json(&problems))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListWorkflowsQuery {
    #[serde(default, alias = "includeArchived")]
    include_archived: bool,
}

async fn list_workflows(
    State(g): State<Gateway>,
    q: Result<Query<ListWorkflowsQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    ok(workflows_json(&g.workflows.list(q.include_archived).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionQuery {
    #[serde(default)]
    version: u32,
}

async fn get_workflow(
    State(g): State<Gateway>,
    Path(name): Path<String>,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    ok(workflow_json(&g.workflows.get(&name, q.version).await?))
}

async fn list_versions(State(g): State<Gateway>, Path(name): Path<String>) -> Reply {
    ok(workflows_json(&g.workflows.versions(&name).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteQuery {
    #[serde(default)]
    purge: bool,
}

/// DELETE archives (soft delete); `?purge=true` removes every version.
async fn delete_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(name): Path<String>,
    q: Result<Query<DeleteQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    if q.purge {
        let n = g.workflows.purge(&name, by.subject()).await?;
        return ok(json!({"name": name, "versions_removed": n}));
    }
    ok(workflow_json(
        &g.workflows.set_archived(&name, true, by.subject()).await?,
    ))
}

async fn archive_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(name): Path<String>,
) -> Reply {
    ok(workflow_json(
        &g.workflows.set_archived(&name, true, by.subject()).await?,
    ))
}

async fn restore_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(name): Path<String>,
) -> Reply {
    ok(workflow_json(
        &g.workflows.set_archived(&name, false, by.subject()).await?,
    ))
}

/// An RFC 3339 query parameter.
fn time_param(name: &str, v: Option<String>) -> Result<Option<pbjson_types::Timestamp>, HttpError> {
    let Some(v) = v else { return Ok(None) };
    let t = humantime::parse_rfc3339_weak(&v).map_err(|_| {
        HttpError::bad_request(format!("{name}: expected an RFC 3339 time, got {v:?}"))
    })?;
    Ok(Some(proto::timestamp_from(t)))
}

async fn stats(State(g): State<Gateway>) -> Reply {
    let s = g.admin.stats().await?;
    let props: BTreeMap<String, Value> = s
        .properties
        .into_iter()
        .map(|(k, v)| {
            // Numbers stay numbers, so `jq '.["rocksdb.estimate-num-keys"]'` gives one.
            let n = v
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(v));
            (k, n)
        })
        .collect();
    ok(to_json(&props))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    #[serde(default)]
    limit: u32,
    from: Option<String>,
    to: Option<String>,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default, alias = "pageToken")]
    page_token: String,
}

async fn audit(State(g): State<Gateway>, q: Result<Query<AuditQuery>, QueryRejection>) -> Reply {
    let q = query(q)?;
    let request = proto::ListAuditRequest {
        limit: q.limit,
        from: time_param("from", q.from)?,
        to: time_param("to", q.to)?,
        actor: q.actor,
        action: q.action,
        target: q.target,
        page_token: q.page_token,
    };
    ok(to_json(&g.admin.audit(&request).await?))
}

/// Prometheus text format.
async fn metrics(State(g): State<Gateway>) -> Response {
    let content_type = [(
        header::CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8",
    )];
    (content_type, g.metrics.render()).into_response()
}

async fn compact(State(g): State<Gateway>) -> Reply {
    ok(to_json(&g.admin.compact().await?))
}
