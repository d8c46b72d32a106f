//! Executions over REST: `POST /v1/run` (the brief's body and answer),
//! cancel and retry, the listing, one execution, and the active table with
//! the task pools. The live streams are in `streams`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use pbjson_types::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, Gateway, HttpError, Reply, body, ok, optional_body, query, time_param};
use crate::engine::summary::{Summary, execution_states, labels, summary};
use crate::proto::{self, ExecutionState, ListExecutionsRequest, RunRequest};
use crate::server::auth::Identity;

/// The execution routes.
pub(super) fn routes() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(run))
        .routes(routes!(cancel))
        .routes(routes!(list_executions))
        .routes(routes!(list_active))
        .routes(routes!(get_execution))
        .routes(routes!(retry))
}

/// A run accepted without waiting for it.
#[derive(Serialize, ToSchema)]
struct Accepted {
    /// Always `running`.
    #[schema(schema_with = execution_states)]
    status: &'static str,
    /// The execution's id.
    workflow_id: String,
    /// The workflow's name.
    workflow: String,
    /// The version that runs.
    version: u32,
}

/// 202 for a run accepted without waiting.
fn accepted(e: &proto::Execution) -> Reply {
    let body = Accepted {
        status: ExecutionState::Running.label(),
        workflow_id: e.id.clone(),
        workflow: e.workflow.clone(),
        version: e.version,
    };
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
}

/// The brief's run request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RunBody {
    /// The workflow's name.
    #[schema(example = "diamond")]
    workflow: String,
    /// A version to run; 0 or absent for the latest.
    #[serde(default)]
    version: u32,
    /// The run's input, read by templates as `parameters`.
    #[serde(default)]
    #[schema(value_type = Object)]
    parameters: Map<String, Value>,
    /// Answer when the run ends (default) or at once with 202.
    #[serde(default = "yes")]
    #[schema(default = true)]
    wait: bool,
}

fn yes() -> bool {
    true
}

/// Runs a workflow.
///
/// With `wait` (the default) the answer is the run's summary once it
/// ended; without, a 202 as soon as it started.
#[utoipa::path(post, path = "/v1/run", tag = "executions",
    request_body = RunBody,
    responses(
        (status = 200, description = "The run ended", body = Summary),
        (status = 202, description = "The run started", body = Accepted),
        (status = 404, description = "No such workflow or version", body = ErrorBody),
    ))]
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

/// How to retry; the body may be left out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RetryBody {
    /// Answer when the retry ends (default) or at once with 202.
    #[serde(default = "yes")]
    #[schema(default = true)]
    wait: bool,
}

/// Runs an ended execution again from its failed tasks.
#[utoipa::path(post, path = "/v1/executions/{id}/retry", tag = "executions",
    params(("id" = String, Path, description = "The execution's id")),
    request_body(content = Option<RetryBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "The retry ended", body = Summary),
        (status = 202, description = "The retry started", body = Accepted),
        (status = 404, description = "No such execution", body = ErrorBody),
        (status = 412, description = "The execution has not ended", body = ErrorBody),
    ))]
async fn retry(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let wait = optional_body::<RetryBody>(b)?.wait;
    let e = g.executions.retry(&id, wait, by.subject()).await?;
    if wait {
        return ok(summary(&e));
    }
    accepted(&e)
}

/// Why a run is cancelled; the body may be left out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    /// Recorded in the history and the audit trail.
    #[serde(default)]
    reason: String,
}

/// A cancellation asked for.
#[derive(Serialize, ToSchema)]
struct Cancelling {
    /// The execution's id.
    workflow_id: String,
    /// Always `cancelling`: the run ends `cancelled` once its tasks stop.
    #[schema(schema_with = cancelling)]
    status: &'static str,
    /// The reason given.
    reason: String,
}

fn cancelling() -> utoipa::openapi::schema::Object {
    labels(vec!["cancelling"])
}

/// Cancels a running execution, with a reason.
#[utoipa::path(post, path = "/v1/cancel/{id}", tag = "executions",
    params(("id" = String, Path, description = "The execution's id")),
    request_body(content = Option<CancelBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelling", body = Cancelling),
        (status = 404, description = "No such running execution", body = ErrorBody),
    ))]
async fn cancel(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let c: CancelBody = optional_body(b)?;
    g.executions.cancel(&id, &c.reason, by.subject()).await?;
    ok(Cancelling {
        workflow_id: id,
        status: "cancelling",
        reason: c.reason,
    })
}

/// Which executions to list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListExecutionsQuery {
    /// Started at or after (RFC 3339).
    from: Option<String>,
    /// Started before (RFC 3339).
    to: Option<String>,
    /// Only this workflow's.
    workflow: Option<String>,
    /// Only in this state (lower case).
    #[param(schema_with = execution_states)]
    status: Option<String>,
    /// At most this many (default 100).
    #[serde(alias = "pageSize")]
    page_size: Option<u32>,
    /// The previous page's `next_page_token`.
    #[serde(alias = "pageToken")]
    page_token: Option<String>,
}

/// One page of executions.
#[derive(Serialize, ToSchema)]
struct ExecutionPage {
    /// Newest first.
    executions: Vec<ExecutionView>,
    /// Asks for the next page; empty on the last.
    next_page_token: String,
}

/// An execution as REST shows it: the run summary plus its times, who
/// started or cancelled it, and its input.
#[derive(Serialize, ToSchema)]
struct ExecutionView {
    #[serde(flatten)]
    summary: Summary,
    /// When it started.
    #[schema(value_type = Option<String>, format = DateTime)]
    started_at: Option<Timestamp>,
    /// When it ended; null while it runs.
    #[schema(value_type = Option<String>, format = DateTime)]
    finished_at: Option<Timestamp>,
    /// Who cancelled it, if anyone.
    cancelled_by: String,
    /// Who started it.
    started_by: String,
    /// The run's input.
    #[schema(value_type = Object)]
    input: Map<String, Value>,
}

impl From<&proto::Execution> for ExecutionView {
    fn from(e: &proto::Execution) -> Self {
        Self {
            summary: summary(e),
            started_at: e.started_at,
            finished_at: e.finished_at,
            cancelled_by: e.cancelled_by.clone(),
            started_by: e.started_by.clone(),
            input: e
                .input
                .as_ref()
                .map(proto::struct_to_json_map)
                .unwrap_or_default(),
        }
    }
}

fn state_param(v: Option<String>) -> Result<i32, HttpError> {
    v.map_or(Ok(0), |v| state_named("status", &v))
}

/// An execution state by its lower-case name, or a 400 naming `field`.
pub(super) fn state_named(field: &str, v: &str) -> Result<i32, HttpError> {
    let all = [
        ExecutionState::Pending,
        ExecutionState::Running,
        ExecutionState::Completed,
        ExecutionState::Failed,
        ExecutionState::Cancelled,
        ExecutionState::TimedOut,
        ExecutionState::Waiting,
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

/// Lists executions, newest first, a page at a time.
#[utoipa::path(get, path = "/v1/executions", tag = "executions",
    params(ListExecutionsQuery),
    responses((status = 200, description = "One page", body = ExecutionPage)))]
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
    ok(ExecutionPage {
        executions: page.executions.iter().map(ExecutionView::from).collect(),
        next_page_token: page.next_page_token,
    })
}

/// One execution.
#[utoipa::path(get, path = "/v1/executions/{id}", tag = "executions",
    params(("id" = String, Path, description = "The execution's id")),
    responses(
        (status = 200, description = "The execution", body = ExecutionView),
        (status = 404, description = "No such execution", body = ErrorBody),
    ))]
async fn get_execution(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    ok(ExecutionView::from(&*g.executions.get(&id, &by).await?))
}

/// What runs now, and the task pools.
#[derive(Serialize, ToSchema)]
struct ActiveList {
    /// Running executions, and those ended within the last moments.
    executions: Vec<ActiveView>,
    /// Each task pool's figures, by pool name.
    pools: BTreeMap<String, PoolView>,
}

/// A row of the active table.
#[derive(Serialize, ToSchema)]
struct ActiveView {
    /// The execution's id.
    workflow_id: String,
    /// The workflow's name.
    workflow: String,
    /// Its version.
    version: u32,
    /// The execution's state.
    #[schema(schema_with = execution_states)]
    status: &'static str,
    /// When it started.
    #[schema(value_type = Option<String>, format = DateTime)]
    started_at: Option<Timestamp>,
    /// When it ended; null while it runs.
    #[schema(value_type = Option<String>, format = DateTime)]
    finished_at: Option<Timestamp>,
    /// The ids of the tasks running now.
    running_tasks: Vec<String>,
}

/// A task pool's figures.
#[derive(Serialize, ToSchema)]
struct PoolView {
    /// Slots.
    size: u64,
    /// Slots in use.
    busy: u64,
    /// Tasks waiting for a slot.
    queued: u64,
}

/// The executions running now, and both task pools (size, busy, queued).
#[utoipa::path(get, path = "/v1/executions/active", tag = "executions",
    responses((status = 200, description = "The active table", body = ActiveList)))]
async fn list_active(State(g): State<Gateway>) -> Reply {
    let engine = g.executions.engine();
    let executions = engine
        .active_table()
        .into_iter()
        .map(|a| ActiveView {
            status: ExecutionState::try_from(a.status)
                .unwrap_or_default()
                .label(),
            workflow_id: a.execution_id,
            workflow: a.workflow,
            version: a.version,
            started_at: a.started_at,
            finished_at: a.finished_at,
            running_tasks: a.running_tasks,
        })
        .collect();
    let pools = engine
        .pools()
        .into_iter()
        .map(|p| {
            let figures = PoolView {
                size: p.size,
                busy: p.busy,
                queued: p.queued,
            };
            (p.name, figures)
        })
        .collect();
    ok(ActiveList { executions, pools })
}
