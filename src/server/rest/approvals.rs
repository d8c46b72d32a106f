//! Approvals over REST: the pending ones (`GET /v1/approvals`) and a
//! person's decision (`POST /v1/approvals/{execution_id}/{task_id}`), in
//! the lower-case words of the rest of the REST API.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, Gateway, HttpError, Reply, body, ok, query, rfc3339};
use crate::engine::summary::labels;
use crate::proto::{self, ApprovalDefault, Decision};
use crate::server::auth::Identity;

/// The approval routes.
pub(super) fn routes() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(list_approvals))
        .routes(routes!(decide))
}

/// Which pending approvals to list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ApprovalsQuery {
    /// Only this workflow's.
    #[serde(default)]
    workflow: String,
    /// Only this execution's.
    #[serde(default)]
    execution_id: String,
}

/// The pending approvals, oldest first.
#[derive(Serialize, ToSchema)]
struct Approvals {
    /// One per waiting approval task.
    approvals: Vec<ApprovalBody>,
}

/// One approval waiting for a decision.
#[derive(Serialize, ToSchema)]
struct ApprovalBody {
    /// The execution that waits.
    execution_id: String,
    /// Its workflow.
    workflow: String,
    /// The approval task.
    task_id: String,
    /// What the approver is asked.
    message: String,
    /// Who may decide (token subjects); empty: anyone with `approvals:decide`.
    approvers: Vec<String>,
    /// A permission the approver must also hold; empty for none.
    permission: String,
    /// Input asked of the approver.
    input: Vec<FieldBody>,
    /// When it started waiting (RFC 3339).
    requested_at: Option<String>,
    /// When `on_timeout` decides (RFC 3339); null for never.
    deadline: Option<String>,
    /// What the deadline decides.
    #[schema(schema_with = defaults)]
    on_timeout: &'static str,
}

/// One field of input asked of the approver.
#[derive(Serialize, ToSchema)]
struct FieldBody {
    /// Its name in `input`.
    name: String,
    /// `string`, `number`, `integer` or `boolean`.
    #[serde(rename = "type")]
    kind: String,
    /// Needed to approve.
    required: bool,
    /// What to enter.
    description: String,
}

fn defaults() -> utoipa::openapi::schema::Object {
    labels(vec!["approve", "reject", "fail"])
}

fn decisions() -> utoipa::openapi::schema::Object {
    labels(vec!["approve", "reject"])
}

fn time(t: Option<&pbjson_types::Timestamp>) -> Option<String> {
    t.and_then(rfc3339)
}

impl From<proto::Approval> for ApprovalBody {
    fn from(a: proto::Approval) -> Self {
        ApprovalBody {
            on_timeout: ApprovalDefault::try_from(a.on_timeout)
                .unwrap_or_default()
                .label(),
            requested_at: time(a.requested_at.as_ref()),
            deadline: time(a.deadline.as_ref()),
            execution_id: a.execution_id,
            workflow: a.workflow,
            task_id: a.task_id,
            message: a.message,
            approvers: a.approvers,
            permission: a.permission,
            input: a
                .input
                .into_iter()
                .map(|f| FieldBody {
                    name: f.name,
                    kind: f.r#type,
                    required: f.required,
                    description: f.description,
                })
                .collect(),
        }
    }
}

/// The approvals waiting for a decision.
#[utoipa::path(get, path = "/v1/approvals", tag = "approvals",
    params(ApprovalsQuery),
    responses((status = 200, description = "Pending approvals, oldest first", body = Approvals)))]
async fn list_approvals(
    State(g): State<Gateway>,
    q: Result<Query<ApprovalsQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    let r = proto::ListApprovalsRequest {
        workflow: q.workflow,
        execution_id: q.execution_id,
    };
    let list = g.approvals.list(&r).await?;
    ok(Approvals {
        approvals: list.approvals.into_iter().map(ApprovalBody::from).collect(),
    })
}

/// A person's decision.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DecideBody {
    /// `approve` or `reject`.
    #[schema(schema_with = decisions)]
    decision: String,
    /// Why; kept in the history and the audit trail.
    #[serde(default)]
    reason: String,
    /// The input the approval asks for.
    #[serde(default)]
    #[schema(value_type = Object)]
    input: Map<String, Value>,
}

/// The decision as recorded.
#[derive(Serialize, ToSchema)]
struct Decided {
    /// The execution.
    execution_id: String,
    /// The approval task.
    task_id: String,
    /// `approve` or `reject`.
    #[schema(schema_with = decisions)]
    decision: &'static str,
    /// Who decided (the caller's token subject).
    decided_by: String,
    /// Why.
    reason: String,
    /// The input given.
    #[schema(value_type = Object)]
    input: Map<String, Value>,
}

/// Approves or rejects a pending approval; answers once the decision is
/// durable.
#[utoipa::path(post, path = "/v1/approvals/{execution_id}/{task_id}", tag = "approvals",
    params(("execution_id" = String, Path, description = "The execution"),
           ("task_id" = String, Path, description = "The approval task")),
    request_body = DecideBody,
    responses(
        (status = 200, description = "Recorded", body = Decided),
        (status = 400, description = "A bad decision or input (the field is named)", body = ErrorBody),
        (status = 403, description = "The caller is not among its approvers", body = ErrorBody),
        (status = 404, description = "No such approval is pending", body = ErrorBody),
        (status = 503, description = "Its execution is being resumed; ask again", body = ErrorBody),
    ))]
async fn decide(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path((execution_id, task_id)): Path<(String, String)>,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let d: DecideBody = body(b)?;
    let Some(decision) = Decision::from_label(&d.decision) else {
        return Err(HttpError::bad_request(format!(
            "decision: expected \"approve\" or \"reject\", got {:?}",
            d.decision
        )));
    };
    let r = proto::DecideRequest {
        execution_id,
        task_id,
        decision: decision as i32,
        reason: d.reason,
        input: Some(proto::json_map_to_struct(&d.input)),
    };
    let done = g.approvals.decide(r, &by).await?;
    ok(Decided {
        execution_id: done.execution_id,
        task_id: done.task_id,
        decision: decision.label(),
        decided_by: done.decided_by,
        reason: done.reason,
        input: d.input,
    })
}
