//! The REST/JSON gateway: the brief's paths over the same service
//! implementations as gRPC. JSON uses the proto field names; states are
//! lower case (`"completed"`); errors are `{code, message, details}` with
//! the HTTP status of the one code table in `http_status`. Every route is
//! registered with its OpenAPI description (utoipa), so the contract at
//! `/v1/openapi.json` lists exactly the routes served.

mod admin;
mod approvals;
mod events;
mod executions;
pub mod openapi;
pub mod proto_schema;
mod schedules;
mod streams;
mod ui;
mod workflows;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticator;
use super::error::ApiError;
use super::{AdminApi, ApprovalApi, EventApi, ExecutionApi, ScheduleApi, WorkflowApi};
use crate::proto;
use crate::spec::Limits;

/// The services the gateway translates to.
#[derive(Clone)]
pub struct Gateway {
    /// Workflow definitions.
    pub workflows: WorkflowApi,
    /// Executions.
    pub executions: ExecutionApi,
    /// Store maintenance.
    pub admin: AdminApi,
    /// Approvals waiting for people.
    pub approvals: ApprovalApi,
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
    let (router, _) = routes().split_for_parts();
    router
        .route_layer(axum::middleware::from_fn_with_state(
            auth,
            super::auth::rest_guard,
        ))
        .merge(ui::routes())
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(json_errors))
        .layer(crate::telemetry::RequestSpans)
        .with_state(gateway)
}

/// Every route with its OpenAPI description.
pub fn routes() -> OpenApiRouter<Gateway> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .merge(workflows::routes())
        .merge(executions::routes())
        .merge(streams::routes())
        .merge(schedules::routes())
        .merge(events::routes())
        .merge(admin::routes())
        .merge(approvals::routes())
}

/// The service answers.
#[derive(Serialize, ToSchema)]
struct Health {
    /// Always `ok`.
    status: &'static str,
}

/// Liveness: the process answers HTTP.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

/// This document: the REST contract (OpenAPI 3.1).
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
async fn openapi_json() -> Response {
    let content_type = [(header::CONTENT_TYPE, "application/json")];
    (content_type, openapi::document_text()).into_response()
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

/// Every error's body.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The gRPC code's name (`NOT_FOUND`, `INVALID_ARGUMENT`, ...).
    code: &'static str,
    /// What went wrong, naming the field or task at fault.
    message: String,
    /// One line per problem, for definitions with several.
    details: Vec<String>,
}

/// An HTTP error: a status and the `{code, message, details}` body.
pub struct HttpError {
    status: StatusCode,
    body: ErrorBody,
}

impl HttpError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        let body = ErrorBody {
            code,
            message: message.into(),
            details: Vec::new(),
        };
        Self { status, body }
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
        ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE"),
    }
}

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        let (status, code) = http_status(&e);
        let details = match &e {
            ApiError::InvalidArgument { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            code,
            message: e.to_string(),
            details,
        };
        Self { status, body }
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
        (self.status, axum::Json(self.body)).into_response()
    }
}

type Reply = Result<Response, HttpError>;

fn ok<T: Serialize>(v: T) -> Reply {
    Ok(axum::Json(v).into_response())
}

/// A timestamp as RFC 3339 text (whole seconds, UTC).
pub(super) fn rfc3339(t: &pbjson_types::Timestamp) -> Option<String> {
    let ms = crate::proto::timestamp_ms(t);
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Parses a JSON body into `T`; an error names the field at fault.
fn body<T: DeserializeOwned>(bytes: Result<Bytes, BytesRejection>) -> Result<T, HttpError> {
    let bytes = bytes?;
    // serde would also fill a struct from an array, field by field.
    if !bytes.trim_ascii_start().starts_with(b"{") {
        return Err(HttpError::bad_request(
            "invalid JSON body: expected an object",
        ));
    }
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

/// A JSON object body that may be left out: none reads as `{}`, so the
/// fields' defaults apply.
fn optional_body<T: DeserializeOwned>(
    bytes: Result<Bytes, BytesRejection>,
) -> Result<T, HttpError> {
    let bytes = bytes?;
    body(Ok(if bytes.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        bytes
    }))
}

/// A query string's parameters, or a 400 naming the bad one.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, HttpError> {
    q.map(|Query(t)| t)
        .map_err(|e| HttpError::bad_request(e.body_text()))
}

/// An RFC 3339 query parameter.
fn time_param(name: &str, v: Option<String>) -> Result<Option<pbjson_types::Timestamp>, HttpError> {
    let Some(v) = v else { return Ok(None) };
    let t = humantime::parse_rfc3339_weak(&v).map_err(|_| {
        HttpError::bad_request(format!("{name}: expected an RFC 3339 time, got {v:?}"))
    })?;
    Ok(Some(proto::timestamp_from(t)))
}
