//! Operations over REST: the Prometheus metrics, the store's statistics,
//! compaction, backups and the audit trail.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Extension, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::proto_json;
use super::{ErrorBody, Gateway, Reply, ok, optional_body, query, time_param, to_json};
use crate::proto;
use crate::server::auth::Identity;

/// The operations routes.
pub(super) fn routes() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(metrics))
        .routes(routes!(stats))
        .routes(routes!(compact))
        .routes(routes!(backup))
        .routes(routes!(audit))
}

/// The metrics, in Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format",
        content_type = "text/plain", body = String)))]
async fn metrics(State(g): State<Gateway>) -> Response {
    let content_type = [(
        header::CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8",
    )];
    (content_type, g.metrics.render()).into_response()
}

/// The store's statistics: RocksDB properties by name.
///
/// Numeric properties are JSON numbers, so
/// `jq '.["rocksdb.estimate-num-keys"]'` gives one.
#[utoipa::path(get, path = "/v1/stats/db", tag = "operations",
    responses((status = 200, description = "Property name to value",
        body = BTreeMap<String, Value>)))]
async fn stats(State(g): State<Gateway>) -> Reply {
    let s = g.admin.stats().await?;
    let props: BTreeMap<String, Value> = s
        .properties
        .into_iter()
        .map(|(k, v)| {
            let n = v
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(v));
            (k, n)
        })
        .collect();
    ok(props)
}

/// Compacts the store now.
#[utoipa::path(post, path = "/v1/admin/compact", tag = "operations",
    responses((status = 200, description = "How long it took",
        body = proto_json::CompactResponse)))]
async fn compact(State(g): State<Gateway>) -> Reply {
    ok(proto_json::CompactResponse(to_json(
        &g.admin.compact().await?,
    )))
}

/// A backup's name.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BackupBody {
    /// Its directory under BACKUP_DIR (letters, digits, `.`, `_`, `-`);
    /// default `backup-<UTC time>`.
    #[serde(default)]
    name: String,
}

/// Writes a consistent copy of the store (a RocksDB checkpoint) into a new
/// directory under BACKUP_DIR; a server started on it has everything
/// acknowledged before the call.
#[utoipa::path(post, path = "/v1/admin/backup", tag = "operations",
    request_body(content = Option<BackupBody>, description = "Optional: the backup's name"),
    responses(
        (status = 200, description = "Where it is, its size, how long it took",
            body = proto_json::BackupResponse),
        (status = 400, description = "A bad name", body = ErrorBody),
        (status = 409, description = "A backup of that name exists", body = ErrorBody),
        (status = 412, description = "A PostgreSQL store (use the database's backups)", body = ErrorBody),
    ))]
async fn backup(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let BackupBody { name } = optional_body(b)?;
    let r = g
        .admin
        .backup(&proto::BackupRequest { name }, by.subject())
        .await?;
    ok(proto_json::BackupResponse(to_json(&r)))
}

/// Which audit records to list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// At most this many (default 100).
    #[serde(default)]
    limit: u32,
    /// At or after (RFC 3339).
    from: Option<String>,
    /// Before (RFC 3339).
    to: Option<String>,
    /// Only this caller's.
    #[serde(default)]
    actor: String,
    /// Only this action (`workflow.create`, `execution.cancel`, ...).
    #[serde(default)]
    action: String,
    /// Only about this workflow, execution, schedule or trigger.
    #[serde(default)]
    target: String,
    /// The previous page's `next_page_token`.
    #[serde(default, alias = "pageToken")]
    page_token: String,
}

/// The audit trail: who changed what, newest first.
#[utoipa::path(get, path = "/v1/audit", tag = "operations",
    params(AuditQuery),
    responses((status = 200, description = "One page of records",
        body = proto_json::ListAuditResponse)))]
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
    ok(proto_json::ListAuditResponse(to_json(
        &g.admin.audit(&request).await?,
    )))
}
