//! `/v1/schedules`: the brief's flat schedule body
//! (`{"workflow_name", "cron_expr", "enabled", "max_concurrent", "timeout"}`
//! plus `id`, `timezone`, `parameters`, `concurrency_policy`, `catch_up`)
//! and the schedule as REST shows it: flat, policies in lower case, times
//! in RFC 3339.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Gateway, HttpError, Reply, body, ok};
use crate::proto::{self, CatchUp, ConcurrencyPolicy, Schedule, ScheduleSpec};
use crate::server::auth::Identity;

/// The schedule routes.
pub(super) fn routes() -> Router<Gateway> {
    Router::new()
        .route("/v1/schedules", post(create).get(list))
        .route("/v1/schedules/{id}", get(fetch).put(update).delete(remove))
        .route("/v1/schedules/{id}/pause", post(pause))
        .route("/v1/schedules/{id}/resume", post(resume))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    #[serde(default)]
    id: String,
    #[serde(default)]
    workflow_name: String,
    #[serde(default)]
    cron_expr: String,
    enabled: Option<bool>,
    #[serde(default)]
    max_concurrent: u32,
    #[serde(default)]
    timeout: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    parameters: Map<String, Value>,
    #[serde(default)]
    concurrency_policy: String,
    #[serde(default)]
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

/// A timestamp as RFC 3339 text (whole seconds, UTC).
pub(super) fn rfc3339(t: &pbjson_types::Timestamp) -> Value {
    let ms = proto::timestamp_ms(t);
    chrono::DateTime::from_timestamp_millis(ms).map_or(Value::Null, |d| {
        Value::String(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    })
}

/// A schedule as REST shows it.
fn schedule_json(s: &Schedule) -> Value {
    let spec = s.spec.clone().unwrap_or_default();
    let policy =
        crate::scheduler::spec::policy(spec.concurrency_policy).unwrap_or(ConcurrencyPolicy::Skip);
    let catch_up = CatchUp::try_from(spec.catch_up)
        .ok()
        .filter(|c| *c != CatchUp::Unspecified)
        .unwrap_or(CatchUp::None);
    let recent: Vec<Value> = s
        .recent
        .iter()
        .map(|t| {
            json!({
                "scheduled_at": t.scheduled_at.as_ref().map_or(Value::Null, rfc3339),
                "outcome": t.outcome,
                "execution_id": t.execution_id,
                "detail": t.detail,
            })
        })
        .collect();
    json!({
        "id": spec.id,
        "workflow_name": spec.workflow_name,
        "cron_expr": spec.cron_expr,
        "enabled": spec.enabled.unwrap_or(true),
        "max_concurrent": spec.max_concurrent,
        "timeout": spec.timeout,
        "timezone": if spec.timezone.is_empty() { "UTC".to_owned() } else { spec.timezone },
        "parameters": spec.parameters.as_ref().map_or(Map::new(), proto::struct_to_json_map),
        "concurrency_policy": name_of(policy, &POLICIES),
        "catch_up": name_of(catch_up, &CATCH_UPS),
        "created_at": s.created_at.as_ref().map_or(Value::Null, rfc3339),
        "updated_at": s.updated_at.as_ref().map_or(Value::Null, rfc3339),
        "last_tick": s.last_tick.as_ref().map_or(Value::Null, rfc3339),
        "skipped": s.skipped,
        "next_fires": s.next_fires.iter().map(rfc3339).collect::<Vec<_>>(),
        "recent": recent,
    })
}

async fn create(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let spec = body::<ScheduleBody>(b)?.into_spec()?;
    let s = g.schedules.create(Some(spec), by.subject()).await?;
    Ok((StatusCode::CREATED, axum::Json(schedule_json(&s))).into_response())
}

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
    ok(schedule_json(
        &g.schedules.update(Some(spec), by.subject()).await?,
    ))
}

async fn list(State(g): State<Gateway>) -> Reply {
    let all: Vec<Value> = g.schedules.list().iter().map(schedule_json).collect();
    ok(json!({ "schedules": all }))
}

async fn fetch(State(g): State<Gateway>, Path(id): Path<String>) -> Reply {
    ok(schedule_json(&g.schedules.get(&id)?))
}

async fn remove(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    g.schedules.delete(&id, by.subject()).await?;
    ok(json!({ "id": id, "deleted": true }))
}

async fn pause(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    ok(schedule_json(
        &g.schedules.set_enabled(&id, false, by.subject()).await?,
    ))
}

async fn resume(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(id): Path<String>,
) -> Reply {
    ok(schedule_json(
        &g.schedules.set_enabled(&id, true, by.subject()).await?,
    ))
}
