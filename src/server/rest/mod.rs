//! The REST/JSON gateway: the brief's paths over the same service
//! implementations as gRPC. JSON uses the proto field names; states are
//! lower case (`"completed"`); errors are `{code, message, details}` with
//! the HTTP status of the one code table in `http_status`.

mod events;
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
use serde_json::{Map, Value, json};

use super::auth::{Authenticator, Identity};
use super::error::ApiError;
use super::{AdminApi, EventApi, ExecutionApi, ScheduleApi, WorkflowApi};
use crate::engine::summary::summary;
use crate::proto::{self, ExecutionState, ListExecutionsRequest, RunRequest, Workflow};
use crate::spec::{self, Format, Limits};

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
        .route("/v1/run", post(run))
        .route("/v1/cancel/{id}", post(cancel))
        .route("/v1/executions", get(list_executions))
        .route("/v1/executions/active", get(list_active))
        .route("/v1/executions/{id}", get(get_execution))
        .route("/v1/executions/{id}/events", get(events))
        .route("/v1/executions/{id}/retry", post(retry))
        .route("/v1/stats/db", get(stats))
        .route("/v1/admin/compact", post(compact))
        .route("/v1/audit", get(audit))
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
    let (spec, problems) = spec::parse(text, format, &g.limits).map_err(ApiError::from)?;
    if !problems.is_empty() {
        return Err(ApiError::from(spec::SpecError { problems }).into());
    }
    Ok(spec)
}

/// A query string's parameters, or a 400 naming the bad one.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, HttpError> {
    q.map(|Query(t)| t)
        .map_err(|e| HttpError::bad_request(e.body_text()))
}

fn workflows_json(ws: &[Workflow]) -> Value {
    json!({ "workflows": ws.iter().map(workflow_json).collect::<Vec<_>>() })
}

/// 202 for a run accepted without waiting.
fn accepted(e: &proto::Execution) -> Reply {
    let body = json!({"status": "running", "workflow_id": e.id, "workflow": e.workflow, "version": e.version});
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    workflow: String,
    #[serde(default)]
    version: u32,
    #[serde(default)]
    parameters: Map<String, Value>,
    #[serde(default = "yes")]
    wait: bool,
}

fn yes() -> bool {
    true
}

async fn run(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let r: RunBody = body(b)?;
    let request = RunRequest {
        workflow: r.workflow,
        version: r.version,
        parameters: Some(proto::json_map_to_struct(&r.parameters)),
        wait: r.wait,
    };
    let e = g.executions.run(request, by.subject()).await?;
    if r.wait {
        return ok(summary(&e));
    }
    accepted(&e)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryBody {
    #[serde(default = "yes")]
    wait: bool,
}

async fn retry(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let bytes = b?;
    let wait = if bytes.is_empty() {
        true
    } else {
        body::<RetryBody>(Ok(bytes))?.wait
    };
    let e = g.executions.retry(&id, wait, by.subject()).await?;
    if wait {
        return ok(summary(&e));
    }
    accepted(&e)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    #[serde(default)]
    reason: String,
}

async fn cancel(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let bytes = b?;
    let c: CancelBody = if bytes.is_empty() {
        CancelBody::default()
    } else {
        body(Ok(bytes))?
    };
    g.executions.cancel(&id, &c.reason, by.subject())?;
    ok(json!({"workflow_id": id, "status": "cancelling", "reason": c.reason}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListExecutionsQuery {
    from: Option<String>,
    to: Option<String>,
    workflow: Option<String>,
    status: Option<String>,
    #[serde(alias = "pageSize")]
    page_size: Option<u32>,
    #[serde(alias = "pageToken")]
    page_token: Option<String>,
}

fn time_param(name: &str, v: Option<String>) -> Result<Option<pbjson_types::Timestamp>, HttpError> {
    let Some(v) = v else { return Ok(None) };
    let t = humantime::parse_rfc3339_weak(&v).map_err(|_| {
        HttpError::bad_request(format!("{name}: expected an RFC 3339 time, got {v:?}"))
    })?;
    Ok(Some(proto::timestamp_from(t)))
}

fn state_param(v: Option<String>) -> Result<i32, HttpError> {
    let Some(v) = v else { return Ok(0) };
    let all = [
        ExecutionState::Pending,
        ExecutionState::Running,
        ExecutionState::Completed,
        ExecutionState::Failed,
        ExecutionState::Cancelled,
        ExecutionState::TimedOut,
    ];
    all.iter()
        .find(|s| s.label() == v.to_ascii_lowercase())
        .map(|s| *s as i32)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|s| s.label()).collect();
            HttpError::bad_request(format!(
                "status: unknown state {v:?}; expected one of {}",
                names.join(", ")
            ))
        })
}

async fn list_executions(
    State(g): State<Gateway>,
    q: Result<Query<ListExecutionsQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    let request = ListExecutionsRequest {
        from: time_param("from", q.from)?,
        to: time_param("to", q.to)?,
        workflow: q.workflow.unwrap_or_default(),
        status: state_param(q.status)?,
        page_size: q.page_size.unwrap_or(0),
        page_token: q.page_token.unwrap_or_default(),
    };
    let page = g.executions.list(&request).await?;
    let list: Vec<Value> = page.executions.iter().map(execution_json).collect();
    ok(json!({"executions": list, "next_page_token": page.next_page_token}))
}

/// An execution as REST shows it: the run summary plus its times and input.
fn execution_json(e: &proto::Execution) -> Value {
    let mut v = summary(e);
    if let Value::Object(m) = &mut v {
        m.insert("started_at".into(), to_json(&e.started_at));
        m.insert("finished_at".into(), to_json(&e.finished_at));
        m.insert("cancelled_by".into(), json!(e.cancelled_by));
        m.insert("started_by".into(), json!(e.started_by));
        m.insert(
            "input".into(),
            Value::Object(
                e.input
                    .as_ref()
                    .map(proto::struct_to_json_map)
                    .unwrap_or_default(),
            ),
        );
    }
    v
}

async fn get_execution(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    ok(execution_json(&g.executions.get(&id, &by).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    #[serde(default, alias = "fromSeq")]
    from_seq: u64,
    /// Read by the auth guard (EventSource cannot set headers).
    #[serde(default, rename = "access_token")]
    _access_token: Option<String>,
}

/// Server-Sent Events: `id:` is the event's sequence number, `event:` its
/// kind, `data:` the event as JSON. A reconnecting client's `Last-Event-ID`
/// resumes after that event; the stream ends after the execution's end.
async fn events(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<EventsQuery>, QueryRejection>,
) -> Reply {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures::StreamExt;

    let q = query(q)?;
    let after_last = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    HttpError::bad_request("Last-Event-ID: expected a sequence number")
                })?
                + 1,
        ),
    };
    g.executions.get(&id, &by).await?;
    let from_seq = after_last.unwrap_or(q.from_seq);
    let stream =
        super::watch::watch(g.executions.engine().clone(), id, from_seq, None).map(|item| {
            Ok::<_, std::convert::Infallible>(match item {
                Ok(ev) => {
                    let kind = ev.kind.as_ref().map_or("unknown", event_name);
                    let mut data = to_json(&ev);
                    proto::whole_numbers_as_integers(&mut data);
                    Event::default()
                        .id(ev.seq.to_string())
                        .event(kind)
                        .data(data.to_string())
                }
                Err(status) => Event::default().event("error").data(status.message()),
            })
        });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

fn event_name(kind: &proto::execution_event::Kind) -> &'static str {
    use proto::execution_event::Kind;
    match kind {
        Kind::ExecutionStarted(_) => "execution_started",
        Kind::ExecutionResumed(_) => "execution_resumed",
        Kind::TaskStarted(_) => "task_started",
        Kind::TaskAttemptFailed(_) => "task_attempt_failed",
        Kind::TaskEnded(_) => "task_ended",
        Kind::ExecutionEnded(_) => "execution_ended",
    }
}

async fn list_active(State(g): State<Gateway>) -> Reply {
    let engine = g.executions.engine();
    let active: Vec<Value> = engine
        .active_table()
        .iter()
        .map(|a| {
            json!({
                "workflow_id": a.execution_id,
                "workflow": a.workflow,
                "version": a.version,
                "status": ExecutionState::try_from(a.status).unwrap_or_default().label(),
                "started_at": to_json(&a.started_at),
                "finished_at": to_json(&a.finished_at),
                "running_tasks": a.running_tasks,
            })
        })
        .collect();
    let pools: serde_json::Map<String, Value> = engine
        .pools()
        .into_iter()
        .map(|p| {
            let figures = json!({ "size": p.size, "busy": p.busy, "queued": p.queued });
            (p.name, figures)
        })
        .collect();
    ok(json!({ "executions": active, "pools": pools }))
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
