//! `/v1/events` (the brief's `{"event_type", "event_data"}`), trigger CRUD
//! under `/v1/triggers`, and signed webhooks at `/v1/webhooks/{name}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::schedules::{POLICIES, Removed, name_of, one_of, policies};
use super::{ErrorBody, Gateway, HttpError, Reply, body, ok, rfc3339};
use crate::proto::{self, ConcurrencyPolicy, Event, Trigger, TriggerOutcome, TriggerSpec};
use crate::scheduler::webhook::SignedRequest;
use crate::server::auth::Identity;

/// The header a webhook request is signed in.
const SIGNATURE_HEADER: &str = "x-signature-256";
/// The header of the signed timestamp (unix seconds), when there is one.
const TIMESTAMP_HEADER: &str = "x-signature-timestamp";

/// The event and trigger routes.
pub(super) fn routes() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(publish))
        .routes(routes!(create, list))
        .routes(routes!(fetch, update, remove))
        .routes(routes!(webhook))
}

/// The brief's event.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EventBody {
    /// Matched against triggers' `event_type`.
    #[serde(default)]
    event_type: String,
    /// The started runs' input, and what trigger filters read.
    #[serde(default)]
    #[schema(value_type = Object)]
    event_data: Map<String, Value>,
    /// Optional id: delivered again, the event starts no second run of a
    /// trigger (outcome `duplicate`).
    #[serde(default)]
    event_id: String,
}

/// A trigger as it is defined (create and update).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TriggerBody {
    /// Its id; `trig-` and random hex digits when left out.
    #[serde(default)]
    id: String,
    /// The workflow it starts.
    #[serde(default)]
    workflow_name: String,
    /// The events it answers.
    #[serde(default)]
    event_type: String,
    /// A template expression over `event`; runs only when true.
    #[serde(default)]
    filter: String,
    /// Runs of it at once (default 0: no bound).
    #[serde(default)]
    max_concurrent: u32,
    /// What an event does while `max_concurrent` runs are going.
    #[serde(default)]
    #[schema(schema_with = policies)]
    concurrency_policy: String,
    /// Whether it fires (default true).
    enabled: Option<bool>,
    /// An HMAC-SHA256 key: events may then come as signed webhooks.
    #[serde(default)]
    webhook_secret: String,
    /// Webhooks must also sign a timestamp (replay protection).
    #[serde(default)]
    webhook_require_timestamp: bool,
}

impl TriggerBody {
    fn into_spec(self) -> Result<TriggerSpec, HttpError> {
        let policy = match self.concurrency_policy.as_str() {
            "" => ConcurrencyPolicy::Unspecified,
            p => one_of("concurrency_policy", p, &POLICIES)?,
        };
        Ok(TriggerSpec {
            id: self.id,
            workflow_name: self.workflow_name,
            event_type: self.event_type,
            filter: self.filter,
            max_concurrent: self.max_concurrent,
            concurrency_policy: policy as i32,
            enabled: self.enabled,
            webhook_secret: self.webhook_secret,
            webhook_require_timestamp: self.webhook_require_timestamp,
        })
    }
}

/// A trigger as REST shows it (the secret redacted).
#[derive(Serialize, ToSchema)]
struct TriggerView {
    /// Its id.
    id: String,
    /// The workflow it starts.
    workflow_name: String,
    /// The events it answers.
    event_type: String,
    /// The filter expression; empty for none.
    filter: String,
    /// Runs of it at once.
    max_concurrent: u32,
    /// What an event does while `max_concurrent` runs are going.
    #[schema(schema_with = policies)]
    concurrency_policy: &'static str,
    /// Whether it fires.
    enabled: bool,
    /// `***` when a secret is set, empty otherwise.
    webhook_secret: String,
    /// Webhooks must also sign a timestamp.
    webhook_require_timestamp: bool,
    /// When it was defined.
    #[schema(format = DateTime)]
    created_at: Option<String>,
    /// When it last changed.
    #[schema(format = DateTime)]
    updated_at: Option<String>,
}

impl From<&Trigger> for TriggerView {
    fn from(t: &Trigger) -> Self {
        let spec = t.spec.clone().unwrap_or_default();
        let policy = crate::scheduler::spec::policy(spec.concurrency_policy)
            .unwrap_or(ConcurrencyPolicy::Skip);
        Self {
            id: spec.id,
            workflow_name: spec.workflow_name,
            event_type: spec.event_type,
            filter: spec.filter,
            max_concurrent: spec.max_concurrent,
            concurrency_policy: name_of(policy, &POLICIES),
            enabled: spec.enabled.unwrap_or(true),
            webhook_secret: spec.webhook_secret,
            webhook_require_timestamp: spec.webhook_require_timestamp,
            created_at: t.created_at.as_ref().and_then(rfc3339),
            updated_at: t.updated_at.as_ref().and_then(rfc3339),
        }
    }
}

/// The triggers.
#[derive(Serialize, ToSchema)]
struct TriggerList {
    /// Every trigger.
    triggers: Vec<TriggerView>,
}

/// What one trigger did with an event.
#[derive(Serialize, ToSchema)]
struct OutcomeView {
    /// The trigger.
    trigger_id: String,
    /// Its workflow.
    workflow: String,
    /// `started`, `skipped`, `queued`, `replaced`, `filtered`, `duplicate`
    /// (the event's id started a run already; `execution_id` names it) or
    /// `failed`.
    outcome: String,
    /// The run it started, if any.
    execution_id: String,
    /// Why, for an event that started nothing.
    detail: String,
}

impl From<&TriggerOutcome> for OutcomeView {
    fn from(o: &TriggerOutcome) -> Self {
        Self {
            trigger_id: o.trigger_id.clone(),
            workflow: o.workflow.clone(),
            outcome: o.outcome.clone(),
            execution_id: o.execution_id.clone(),
            detail: o.detail.clone(),
        }
    }
}

/// What an event started.
#[derive(Serialize, ToSchema)]
struct Published {
    /// The event's type.
    event_type: String,
    /// The ids of the runs it started.
    executions: Vec<String>,
    /// What each matching trigger did.
    outcomes: Vec<OutcomeView>,
}

/// Publishes an event: every enabled trigger of its type whose filter
/// holds starts its workflow.
#[utoipa::path(post, path = "/v1/events", tag = "events",
    request_body = EventBody,
    responses(
        (status = 200, description = "What the triggers did", body = Published),
        (status = 400, description = "A bad field, named in the message", body = ErrorBody),
    ))]
async fn publish(State(g): State<Gateway>, b: Result<Bytes, BytesRejection>) -> Reply {
    let e: EventBody = body(b)?;
    let event = Event {
        event_type: e.event_type.clone(),
        event_data: Some(proto::json_map_to_struct(&e.event_data)),
        event_id: e.event_id.clone(),
    };
    let outcomes = g.events.publish(Some(event)).await?;
    let executions = outcomes
        .iter()
        .filter(|o| !o.execution_id.is_empty())
        .map(|o| o.execution_id.clone())
        .collect();
    ok(Published {
        event_type: e.event_type,
        executions,
        outcomes: outcomes.iter().map(OutcomeView::from).collect(),
    })
}

/// A signed webhook: the body is the event's data for the trigger named,
/// signed with its secret.
///
/// `X-Signature-256: sha256=<hex HMAC-SHA256 of the body>` (or, with
/// `X-Signature-Timestamp`, of `<timestamp>.<body>`). 202 when it started a
/// run, 200 when the trigger's policy or filter started none.
#[utoipa::path(post, path = "/v1/webhooks/{name}", tag = "events",
    params(("name" = String, Path, description = "The trigger's id", example = "on-alert"),
        ("X-Signature-256" = String, Header, description = "sha256=<hex HMAC-SHA256>"),
        ("X-Signature-Timestamp" = Option<String>, Header, description = "Unix seconds, when signed")),
    request_body(content = Object, description = "The event's data", content_type = "application/json"),
    responses(
        (status = 202, description = "A run started", body = OutcomeView),
        (status = 200, description = "No run started", body = OutcomeView),
        (status = 401, description = "A missing or bad signature", body = ErrorBody),
        (status = 404, description = "No such trigger with a secret", body = ErrorBody),
    ))]
async fn webhook(
    State(g): State<Gateway>,
    Path(name): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let bytes = b?;
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    // A timestamp that is not text still counts as sent, so it is refused
    // rather than taken for the body-only scheme.
    let timestamp = headers
        .get(TIMESTAMP_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()));
    let request = SignedRequest {
        body: &bytes,
        signature,
        timestamp: timestamp.as_deref(),
    };
    let o = g.events.webhook(&name, request).await?;
    let status = if o.execution_id.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, axum::Json(OutcomeView::from(&o))).into_response())
}

/// Defines a trigger.
#[utoipa::path(post, path = "/v1/triggers", tag = "events",
    request_body = TriggerBody,
    responses(
        (status = 201, description = "Defined", body = TriggerView),
        (status = 400, description = "A bad field, named in the message", body = ErrorBody),
        (status = 409, description = "A trigger of that id exists", body = ErrorBody),
    ))]
async fn create(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let spec = body::<TriggerBody>(b)?.into_spec()?;
    let t = g.events.create(Some(spec), by.subject()).await?;
    Ok((StatusCode::CREATED, axum::Json(TriggerView::from(&t))).into_response())
}

/// Redefines a trigger.
#[utoipa::path(put, path = "/v1/triggers/{id}", tag = "events",
    params(("id" = String, Path, description = "The trigger's id", example = "on-alert")),
    request_body = TriggerBody,
    responses(
        (status = 200, description = "Redefined", body = TriggerView),
        (status = 400, description = "A bad field, named in the message", body = ErrorBody),
        (status = 404, description = "No such trigger", body = ErrorBody),
    ))]
async fn update(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let mut spec = body::<TriggerBody>(b)?.into_spec()?;
    if !spec.id.is_empty() && spec.id != id {
        return Err(HttpError::bad_request(format!(
            "id: the body names '{}' but the path names '{id}'",
            spec.id
        )));
    }
    spec.id = id;
    ok(TriggerView::from(
        &g.events.update(Some(spec), by.subject()).await?,
    ))
}

/// Lists the triggers.
#[utoipa::path(get, path = "/v1/triggers", tag = "events",
    responses((status = 200, description = "The triggers", body = TriggerList)))]
async fn list(State(g): State<Gateway>) -> Reply {
    let triggers = g.events.list().iter().map(TriggerView::from).collect();
    ok(TriggerList { triggers })
}

/// One trigger.
#[utoipa::path(get, path = "/v1/triggers/{id}", tag = "events",
    params(("id" = String, Path, description = "The trigger's id", example = "on-alert")),
    responses(
        (status = 200, description = "The trigger", body = TriggerView),
        (status = 404, description = "No such trigger", body = ErrorBody),
    ))]
async fn fetch(State(g): State<Gateway>, Path(id): Path<String>) -> Reply {
    ok(TriggerView::from(&g.events.get(&id)?))
}

/// Deletes a trigger.
#[utoipa::path(delete, path = "/v1/triggers/{id}", tag = "events",
    params(("id" = String, Path, description = "The trigger's id", example = "on-alert")),
    responses(
        (status = 200, description = "Deleted", body = Removed),
        (status = 404, description = "No such trigger", body = ErrorBody),
    ))]
async fn remove(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    g.events.delete(&id, by.subject()).await?;
    ok(Removed { id, deleted: true })
}
