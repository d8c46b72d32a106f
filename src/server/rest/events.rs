//! `/v1/events` (the brief's `{"event_type", "event_data"}`), trigger CRUD
//! under `/v1/triggers`, and signed webhooks at `/v1/webhooks/{name}`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::schedules::{POLICIES, name_of, one_of, rfc3339};
use super::{Gateway, HttpError, Reply, body, ok};
use crate::proto::{self, ConcurrencyPolicy, Event, Trigger, TriggerOutcome, TriggerSpec};
use crate::scheduler::webhook::SignedRequest;
use crate::server::auth::Identity;

/// The header a webhook request is signed in.
const SIGNATURE_HEADER: &str = "x-signature-256";
/// The header of the signed timestamp (unix seconds), when there is one.
const TIMESTAMP_HEADER: &str = "x-signature-timestamp";

/// The event and trigger routes.
pub(super) fn routes() -> Router<Gateway> {
    Router::new()
        .route("/v1/events", post(publish))
        .route("/v1/triggers", post(create).get(list))
        .route("/v1/triggers/{id}", get(fetch).put(update).delete(remove))
        .route("/v1/webhooks/{name}", post(webhook))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    event_data: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggerBody {
    #[serde(default)]
    id: String,
    #[serde(default)]
    workflow_name: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    max_concurrent: u32,
    #[serde(default)]
    concurrency_policy: String,
    enabled: Option<bool>,
    #[serde(default)]
    webhook_secret: String,
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

/// A trigger as REST shows it (the secret already redacted).
fn trigger_json(t: &Trigger) -> Value {
    let spec = t.spec.clone().unwrap_or_default();
    let policy =
        crate::scheduler::spec::policy(spec.concurrency_policy).unwrap_or(ConcurrencyPolicy::Skip);
    json!({
        "id": spec.id,
        "workflow_name": spec.workflow_name,
        "event_type": spec.event_type,
        "filter": spec.filter,
        "max_concurrent": spec.max_concurrent,
        "concurrency_policy": name_of(policy, &POLICIES),
        "enabled": spec.enabled.unwrap_or(true),
        "webhook_secret": spec.webhook_secret,
        "webhook_require_timestamp": spec.webhook_require_timestamp,
        "created_at": t.created_at.as_ref().map_or(Value::Null, rfc3339),
        "updated_at": t.updated_at.as_ref().map_or(Value::Null, rfc3339),
    })
}

fn outcome_json(o: &TriggerOutcome) -> Value {
    json!({
        "trigger_id": o.trigger_id,
        "workflow": o.workflow,
        "outcome": o.outcome,
        "execution_id": o.execution_id,
        "detail": o.detail,
    })
}

async fn publish(State(g): State<Gateway>, b: Result<Bytes, BytesRejection>) -> Reply {
    let e: EventBody = body(b)?;
    let event = Event {
        event_type: e.event_type.clone(),
        event_data: Some(proto::json_map_to_struct(&e.event_data)),
    };
    let outcomes = g.events.publish(Some(event)).await?;
    let started: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.execution_id.is_empty())
        .map(|o| o.execution_id.as_str())
        .collect();
    ok(json!({
        "event_type": e.event_type,
        "executions": started,
        "outcomes": outcomes.iter().map(outcome_json).collect::<Vec<_>>(),
    }))
}

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
    Ok((status, axum::Json(outcome_json(&o))).into_response())
}

async fn create(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let spec = body::<TriggerBody>(b)?.into_spec()?;
    let t = g.events.create(Some(spec), by.subject()).await?;
    Ok((StatusCode::CREATED, axum::Json(trigger_json(&t))).into_response())
}

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
    ok(trigger_json(
        &g.events.update(Some(spec), by.subject()).await?,
    ))
}

async fn list(State(g): State<Gateway>) -> Reply {
    let all: Vec<Value> = g.events.list().iter().map(trigger_json).collect();
    ok(json!({ "triggers": all }))
}

async fn fetch(State(g): State<Gateway>, Path(id): Path<String>) -> Reply {
    ok(trigger_json(&g.events.get(&id)?))
}

async fn remove(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    g.events.delete(&id, by.subject()).await?;
    ok(json!({ "id": id, "deleted": true }))
}
