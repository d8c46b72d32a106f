//! The live streams as Server-Sent Events: one execution's events
//! (`/v1/executions/{id}/events`) and the server-wide feed of state changes
//! (`/v1/executions/stream`). Both resume after a reconnect from the
//! browser's `Last-Event-ID`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::StreamExt;
use pbjson_types::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::executions::state_named;
use super::openapi::proto_json;
use super::{ErrorBody, Gateway, HttpError, Reply, query, to_json};
use crate::engine::summary::{execution_states, labels, task_states};
use crate::proto::{self, ChangeKind, ExecutionState, TaskState};
use crate::server::auth::Identity;

/// The stream routes.
pub(super) fn routes() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(stream))
        .routes(routes!(events))
}

/// Where an execution's event stream starts.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// The first event's sequence number (default 0, the whole history).
    #[serde(default, alias = "fromSeq")]
    from_seq: u64,
    /// A bearer token, for browsers' EventSource, which cannot set headers.
    #[serde(default, rename = "access_token")]
    _access_token: Option<String>,
}

/// One execution's events, live, as Server-Sent Events.
///
/// Each event's `id:` is its sequence number, `event:` its kind
/// (`task_ended`, ...), `data:` the event as JSON (`ExecutionEvent`). A
/// reconnecting client's `Last-Event-ID` resumes after that event; the
/// stream ends after the execution's end.
#[utoipa::path(get, path = "/v1/executions/{id}/events", tag = "executions",
    params(("id" = String, Path, description = "The execution's id"), EventsQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event")),
    responses(
        (status = 200, description = "The events, until the execution ends",
            content_type = "text/event-stream", body = String),
        (status = 404, description = "No such execution", body = ErrorBody),
    ))]
async fn events(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<EventsQuery>, QueryRejection>,
) -> Reply {
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
    let stream = crate::server::watch::watch(g.executions.engine().clone(), id, from_seq, None)
        .map(|item| {
            Ok::<_, std::convert::Infallible>(match item {
                Ok(ev) => {
                    let kind = ev.kind.as_ref().map_or("unknown", event_name);
                    let mut data = to_json(&ev);
                    proto::whole_numbers_as_integers(&mut data);
                    let data = proto_json::ExecutionEvent(data);
                    Event::default()
                        .id(ev.seq.to_string())
                        .event(kind)
                        .data(to_json(&data).to_string())
                }
                Err(status) => Event::default().event("error").data(status.message()),
            })
        });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// Which changes the feed carries, and from where.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct StreamQuery {
    /// Only these workflows' executions (names, comma-separated).
    workflow: Option<String>,
    /// Only changes leaving an execution in these states (lower case,
    /// comma-separated).
    status: Option<String>,
    /// Resume after this cursor (a browser's reconnect sends Last-Event-ID).
    after: Option<String>,
    /// A bearer token, for browsers' EventSource, which cannot set headers.
    #[serde(default, rename = "access_token")]
    _access_token: Option<String>,
}

/// The server-wide feed of executions' state changes, as Server-Sent Events.
///
/// Each event's `id:` is its cursor, `event:` its kind
/// (`execution_started`, `task_ended`, ...), `data:` the change as JSON
/// (`FeedChange`). The stream does not end; a cursor too old for the
/// server's buffer is refused with 400 `OUT_OF_RANGE`.
#[utoipa::path(get, path = "/v1/executions/stream", tag = "executions",
    params(StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this cursor")),
    responses(
        (status = 200, description = "The changes, live",
            content_type = "text/event-stream", body = String),
        (status = 400, description = "A bad filter, or a cursor that is malformed or too old",
            body = ErrorBody),
    ))]
async fn stream(
    State(g): State<Gateway>,
    headers: HeaderMap,
    q: Result<Query<StreamQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    let listed = |v: &Option<String>| -> Vec<String> {
        v.iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let filter = crate::server::feed::Filter {
        workflows: listed(&q.workflow).into_iter().collect(),
        states: listed(&q.status)
            .iter()
            .map(|s| state_named("status", s))
            .collect::<Result<_, _>>()?,
    };
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| HttpError::bad_request("Last-Event-ID: not a feed cursor"))?
                .to_owned(),
        ),
    };
    let after = last_event_id.or(q.after);
    let feed = g.executions.engine().feed().clone();
    let changes = crate::server::feed::follow(feed, filter, after.as_deref())?;
    let events = changes.map(|item| {
        Ok::<_, std::convert::Infallible>(match item {
            Ok(c) => Event::default()
                .id(c.cursor.clone())
                .event(ChangeKind::try_from(c.kind).unwrap_or_default().label())
                .data(to_json(&FeedChange::from(&c)).to_string()),
            Err(e) => Event::default().event("error").data(e.to_string()),
        })
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// A feed change as REST shows it (the SSE `data:`): the brief's names
/// (`workflow_id` is the execution's id), states in lower case.
#[derive(Serialize, ToSchema)]
pub struct FeedChange {
    /// Where a reconnect resumes.
    cursor: String,
    /// What happened.
    #[schema(schema_with = change_kinds)]
    kind: &'static str,
    /// The execution's id.
    workflow_id: String,
    /// The workflow's name.
    workflow: String,
    /// Its version.
    version: u32,
    /// The history event's sequence number.
    seq: u64,
    /// When it happened.
    #[schema(value_type = Option<String>, format = DateTime)]
    time: Option<Timestamp>,
    /// The execution's state after the change.
    #[schema(schema_with = execution_states)]
    status: &'static str,
    /// The task, for task changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    task_id: Option<String>,
    /// The task's state after the change, for task changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = task_states)]
    task_status: Option<&'static str>,
    /// The task's attempt, for task changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt: Option<u32>,
    /// Why a task or the execution failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn change_kinds() -> utoipa::openapi::schema::Object {
    labels(ChangeKind::labels())
}

impl From<&proto::ExecutionChange> for FeedChange {
    fn from(c: &proto::ExecutionChange) -> Self {
        let task = !c.task_id.is_empty();
        Self {
            cursor: c.cursor.clone(),
            kind: ChangeKind::try_from(c.kind).unwrap_or_default().label(),
            workflow_id: c.execution_id.clone(),
            workflow: c.workflow.clone(),
            version: c.version,
            seq: c.seq,
            time: c.time,
            status: ExecutionState::try_from(c.state)
                .unwrap_or_default()
                .label(),
            task_id: task.then(|| c.task_id.clone()),
            task_status: task.then(|| {
                TaskState::try_from(c.task_state)
                    .unwrap_or_default()
                    .label()
            }),
            attempt: task.then_some(c.attempt),
            error: (!c.error.is_empty()).then(|| c.error.clone()),
        }
    }
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
        Kind::ApprovalRequested(_) => "approval_requested",
    }
}
