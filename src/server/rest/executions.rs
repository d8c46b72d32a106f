//! Executions over REST: `POST /v1/run` (the brief's body and answer),
//! cancel and retry, the listing, one execution, the active table with the
//! task pools, and the live events as Server-Sent Events.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Gateway, HttpError, Reply, body, ok, query, time_param, to_json};
use crate::engine::summary::summary;
use crate::proto::{self, ExecutionState, ListExecutionsRequest, RunRequest};
use crate::server::auth::Identity;

/// The execution routes.
pub(super) fn routes() -> Router<Gateway> {
    Router::new()
        .route("/v1/run", post(run))
        .route("/v1/cancel/{id}", post(cancel))
        .route("/v1/executions", get(list_executions))
        .route("/v1/executions/active", get(list_active))
        .route("/v1/executions/stream", get(stream))
        .route("/v1/executions/{id}", get(get_execution))
        .route("/v1/executions/{id}/events", get(events))
        .route("/v1/executions/{id}/retry", post(retry))
}

/// 202 for a run accepted without waiting.
fn accepted(e: &proto::Execution) -> Reply {
    let body = json!({"status": "running", "workflow_id": e.id, "workflow": e.workflow, "version": e.version});
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
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

fn state_param(v: Option<String>) -> Result<i32, HttpError> {
    v.map_or(Ok(0), |v| state_named("status", &v))
}

/// An execution state by its lower-case name, or a 400 naming `field`.
fn state_named(field: &str, v: &str) -> Result<i32, HttpError> {
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
                "{field}: unknown state {v:?}; expected one of {}",
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
    let stream = crate::server::watch::watch(g.executions.engine().clone(), id, from_seq, None)
        .map(|item| {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamQuery {
    /// Workflow names, comma-separated.
    workflow: Option<String>,
    /// Execution states, comma-separated.
    status: Option<String>,
    /// Resume after this cursor (a browser's reconnect sends Last-Event-ID).
    after: Option<String>,
    /// Read by the auth guard (EventSource cannot set headers).
    #[serde(default, rename = "access_token")]
    _access_token: Option<String>,
}

/// `GET /v1/executions/stream`: the server-wide feed of state changes as
/// Server-Sent Events, each with its cursor as the event id.
async fn stream(
    State(g): State<Gateway>,
    headers: HeaderMap,
    q: Result<Query<StreamQuery>, QueryRejection>,
) -> Reply {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures::StreamExt;

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
                .event(
                    proto::ChangeKind::try_from(c.kind)
                        .unwrap_or_default()
                        .label(),
                )
                .data(change_json(&c).to_string()),
            Err(e) => Event::default().event("error").data(e.to_string()),
        })
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// A feed change as REST shows it: the brief's names (`workflow_id` is
/// the execution's id), states in lower case.
fn change_json(c: &proto::ExecutionChange) -> Value {
    let mut v = json!({
        "cursor": c.cursor,
        "kind": proto::ChangeKind::try_from(c.kind).unwrap_or_default().label(),
        "workflow_id": c.execution_id,
        "workflow": c.workflow,
        "version": c.version,
        "seq": c.seq,
        "time": to_json(&c.time),
        "status": ExecutionState::try_from(c.state).unwrap_or_default().label(),
    });
    if !c.task_id.is_empty() {
        v["task_id"] = json!(c.task_id);
        v["task_status"] = json!(
            proto::TaskState::try_from(c.task_state)
                .unwrap_or_default()
                .label()
        );
        v["attempt"] = json!(c.attempt);
    }
    if !c.error.is_empty() {
        v["error"] = json!(c.error);
    }
    v
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
