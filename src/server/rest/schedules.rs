//! `/v1/schedules`: the brief's flat schedule body
//! (`{"workflow_name", "cron_expr", "enabled", "max_concurrent", "timeout"}`
//! plus `id`, `timezone`, `parameters`, `concurrency_policy`, `catch_up`)
//! and the schedule as REST shows it: flat, policies in lower case, times
//! in RFC 3339.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::schema::Object;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, Gateway, HttpError, Reply, body, ok, rfc3339};
use crate::engine::summary::labels;
use crate::proto::{self, CatchUp, ConcurrencyPolicy, Schedule, ScheduleSpec};
use crate::server::auth::Identity;

/// The schedule routes.
pub(super) fn routes() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(fetch, update, remove))
        .routes(routes!(pause))
        .routes(routes!(resume))
}

/// A schedule as it is defined (create and update).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    /// Its id; `sched-` and random hex digits when left out.
    #[serde(default)]
    id: String,
    /// The workflow it runs.
    #[serde(default)]
    workflow_name: String,
    /// When: five or six cron fields (seconds first), or a macro such as
    /// `@hourly` or `@daily`.
    #[serde(default)]
    cron_expr: String,
    /// Whether it fires (default true).
    enabled: Option<bool>,
    /// Runs of it at once (default 0: no bound).
    #[serde(default)]
    max_concurrent: u32,
    /// A run's time limit, as a duration (`10m`).
    #[serde(default)]
    timeout: String,
    /// An IANA time zone for the cron fields (default UTC).
    #[serde(default)]
    timezone: String,
    /// Each run's input.
    #[serde(default)]
    #[schema(value_type = Object)]
    parameters: Map<String, Value>,
    /// What a tick does while `max_concurrent` runs are going.
    #[serde(default)]
    #[schema(schema_with = policies)]
    concurrency_policy: String,
    /// Which missed ticks run after a downtime.
    #[serde(default)]
    #[schema(schema_with = catch_ups)]
    catch_up: String,
}

/// Concurrency policies by their REST names.
pub(super) const POLICIES: [(&str, ConcurrencyPolicy); 3] = [
    ("skip", ConcurrencyPolicy::Skip),
    ("queue", ConcurrencyPolicy::Queue),
    ("replace", ConcurrencyPolicy::Replace),
];
const CATCH_UPS: [(&str, CatchUp); 3] = [
    ("none", CatchUp::None),
    ("latest", CatchUp::Latest),
    ("all", CatchUp::All),
];

/// The value `name` stands for in `table`, or a 400 listing the choices.
pub(super) fn one_of<T: Copy>(
    field: &str,
    name: &str,
    table: &[(&str, T)],
) -> Result<T, HttpError> {
    table
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            HttpError::bad_request(format!(
                "{field}: unknown value {name:?}; expected one of {}",
                names.join(", ")
            ))
        })
}

/// The schema of a concurrency policy's name.
pub(super) fn policies() -> Object {
    labels(POLICIES.iter().map(|(n, _)| *n).collect())
}

fn catch_ups() -> Object {
    labels(CATCH_UPS.iter().map(|(n, _)| *n).collect())
}

/// The lower-case name of `value` in `table`.
pub(super) fn name_of<T: PartialEq + Copy>(value: T, table: &[(&'static str, T)]) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map_or(table[0].0, |(n, _)| n)
}

impl ScheduleBody {
    fn into_spec(self) -> Result<ScheduleSpec, HttpError> {
        let policy = match self.concurrency_policy.as_str() {
            "" => ConcurrencyPolicy::Unspecified,
            p => one_of("concurrency_policy", p, &POLICIES)?,
        };
        let catch_up = match self.catch_up.as_str() {
            "" => CatchUp::Unspecified,
            c => one_of("catch_up", c, &CATCH_UPS)?,
        };
        Ok(ScheduleSpec {
            id: self.id,
            workflow_name: self.workflow_name,
            cron_expr: self.cron_expr,
            enabled: self.enabled,
            max_concurrent: self.max_concurrent,
            timeout: self.timeout,
            timezone: self.timezone,
            parameters: (!self.parameters.is_empty())
                .then(|| proto::json_map_to_struct(&self.parameters)),
            concurrency_policy: policy as i32,
            catch_up: catch_up as i32,
        })
    }
}

/// A schedule as REST shows it: its definition with the defaults filled
/// in, and what it did and will do.
#[derive(Serialize, ToSchema)]
struct ScheduleView {
    /// Its id.
    id: String,
    /// The workflow it runs.
    workflow_name: String,
    /// When.
    cron_expr: String,
    /// Whether it fires.
    enabled: bool,
    /// Runs of it at once.
    max_concurrent: u32,
    /// A run's time limit; empty for the workflow's own.
    timeout: String,
    /// The cron fields' time zone.
    timezone: String,
    /// Each run's input.
    #[schema(value_type = Object)]
    parameters: Map<String, Value>,
    /// What a tick does while `max_concurrent` runs are going.
    #[schema(schema_with = policies)]
    concurrency_policy: &'static str,
    /// Which missed ticks run after a downtime.
    #[schema(schema_with = catch_ups)]
    catch_up: &'static str,
    /// When it was defined.
    #[schema(format = DateTime)]
    created_at: Option<String>,
    /// When it last changed.
    #[schema(format = DateTime)]
    updated_at: Option<String>,
    /// The last tick handled.
    #[schema(format = DateTime)]
    last_tick: Option<String>,
    /// Ticks skipped so far: at the bound under `skip`, beyond the queue's
    /// length under `queue`, and those `replace` could not make room for.
    skipped: u64,
    /// The next few fire times.
    next_fires: Vec<String>,
    /// The ticks waiting for a run to end (`queue`), oldest first; kept
    /// across restarts (on PostgreSQL they are rows of their own, not
    /// listed here).
    queued: Vec<String>,
    /// The latest ticks (at most 10) and what came of them, newest first.
    recent: Vec<TickView>,
}

/// One tick of a schedule and what came of it.
#[derive(Serialize, ToSchema)]
struct TickView {
    /// The tick's time.
    #[schema(format = DateTime)]
    scheduled_at: Option<String>,
    /// `started`, `skipped`, `queued`, or `replaced` (started after
    /// cancelling the oldest run).
    outcome: String,
    /// The run it started, if any.
    execution_id: String,
    /// Why, for a tick that started nothing.
    detail: String,
}

impl From<&Schedule> for ScheduleView {
    fn from(s: &Schedule) -> Self {
        let spec = s.spec.clone().unwrap_or_default();
        let policy = crate::scheduler::spec::policy(spec.concurrency_policy)
            .unwrap_or(ConcurrencyPolicy::Skip);
        let catch_up = CatchUp::try_from(spec.catch_up)
            .ok()
            .filter(|c| *c != CatchUp::Unspecified)
            .unwrap_or(CatchUp::None);
        let recent = s
            .recent
            .iter()
            .map(|t| TickView {
                scheduled_at: t.scheduled_at.as_ref().and_then(rfc3339),
                outcome: t.outcome.clone(),
                execution_id: t.execution_id.clone(),
                detail: t.detail.clone(),
            })
            .collect();
        Self {
            id: spec.id,
            workflow_name: spec.workflow_name,
            cron_expr: spec.cron_expr,
            enabled: spec.enabled.unwrap_or(true),
            max_concurrent: spec.max_concurrent,
            timeout: spec.timeout,
            timezone: if spec.timezone.is_empty() {
                "UTC".to_owned()
            } else {
                spec.timezone
            },
            parameters: spec
                .parameters
                .as_ref()
                .map_or(Map::new(), proto::struct_to_json_map),
            concurrency_policy: name_of(policy, &POLICIES),
            catch_up: name_of(catch_up, &CATCH_UPS),
            created_at: s.created_at.as_ref().and_then(rfc3339),
            updated_at: s.updated_at.as_ref().and_then(rfc3339),
            last_tick: s.last_tick.as_ref().and_then(rfc3339),
            skipped: s.skipped,
            next_fires: s.next_fires.iter().filter_map(rfc3339).collect(),
            queued: s.queued.iter().filter_map(rfc3339).collect(),
            recent,
        }
    }
}

/// The schedules.
#[derive(Serialize, ToSchema)]
struct ScheduleList {
    /// Every schedule.
    schedules: Vec<ScheduleView>,
}

/// A schedule or trigger removed.
#[derive(Serialize, ToSchema)]
pub(super) struct Removed {
    /// Its id.
    pub id: String,
    /// Always true.
    pub deleted: bool,
}

/// Defines a schedule.
#[utoipa::path(post, path = "/v1/schedules", tag = "schedules",
    request_body = ScheduleBody,
    responses(
        (status = 201, description = "Defined", body = ScheduleView),
        (status = 400, description = "A bad field, named in the message", body = ErrorBody),
        (status = 409, description = "A schedule of that id exists", body = ErrorBody),
    ))]
async fn create(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let spec = body::<ScheduleBody>(b)?.into_spec()?;
    let s = g.schedules.create(Some(spec), by.subject()).await?;
    Ok((StatusCode::CREATED, axum::Json(ScheduleView::from(&s))).into_response())
}

/// Redefines a schedule.
#[utoipa::path(put, path = "/v1/schedules/{id}", tag = "schedules",
    params(("id" = String, Path, description = "The schedule's id", example = "nightly")),
    request_body = ScheduleBody,
    responses(
        (status = 200, description = "Redefined", body = ScheduleView),
        (status = 400, description = "A bad field, named in the message", body = ErrorBody),
        (status = 404, description = "No such schedule", body = ErrorBody),
    ))]
async fn update(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let mut spec = body::<ScheduleBody>(b)?.into_spec()?;
    if !spec.id.is_empty() && spec.id != id {
        return Err(HttpError::bad_request(format!(
            "id: the body names '{}' but the path names '{id}'",
            spec.id
        )));
    }
    spec.id = id;
    ok(ScheduleView::from(
        &g.schedules.update(Some(spec), by.subject()).await?,
    ))
}

/// Lists the schedules.
#[utoipa::path(get, path = "/v1/schedules", tag = "schedules",
    responses((status = 200, description = "The schedules", body = ScheduleList)))]
async fn list(State(g): State<Gateway>) -> Reply {
    let schedules = g.schedules.list().iter().map(ScheduleView::from).collect();
    ok(ScheduleList { schedules })
}

/// One schedule, with its next fire times and latest ticks.
#[utoipa::path(get, path = "/v1/schedules/{id}", tag = "schedules",
    params(("id" = String, Path, description = "The schedule's id", example = "nightly")),
    responses(
        (status = 200, description = "The schedule", body = ScheduleView),
        (status = 404, description = "No such schedule", body = ErrorBody),
    ))]
async fn fetch(State(g): State<Gateway>, Path(id): Path<String>) -> Reply {
    ok(ScheduleView::from(&g.schedules.get(&id)?))
}

/// Deletes a schedule.
#[utoipa::path(delete, path = "/v1/schedules/{id}", tag = "schedules",
    params(("id" = String, Path, description = "The schedule's id", example = "nightly")),
    responses(
        (status = 200, description = "Deleted", body = Removed),
        (status = 404, description = "No such schedule", body = ErrorBody),
    ))]
async fn remove(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    g.schedules.delete(&id, by.subject()).await?;
    ok(Removed { id, deleted: true })
}

/// Stops a schedule firing.
#[utoipa::path(post, path = "/v1/schedules/{id}/pause", tag = "schedules",
    params(("id" = String, Path, description = "The schedule's id", example = "nightly")),
    responses(
        (status = 200, description = "Paused", body = ScheduleView),
        (status = 404, description = "No such schedule", body = ErrorBody),
    ))]
async fn pause(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    ok(ScheduleView::from(
        &g.schedules.set_enabled(&id, false, by.subject()).await?,
    ))
}

/// Lets a paused schedule fire again.
#[utoipa::path(post, path = "/v1/schedules/{id}/resume", tag = "schedules",
    params(("id" = String, Path, description = "The schedule's id", example = "nightly")),
    responses(
        (status = 200, description = "Resumed", body = ScheduleView),
        (status = 404, description = "No such schedule", body = ErrorBody),
    ))]
async fn resume(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    ok(ScheduleView::from(
        &g.schedules.set_enabled(&id, true, by.subject()).await?,
    ))
}
