//! ApprovalService: the approvals waiting for a person, and their
//! decisions. The caller needs `approvals:decide`; an approval may narrow
//! who decides it to named subjects or to holders of another permission.

use tonic::{Request, Response, Status};

use super::auth::{Identity, Permission};
use super::error::ApiError;
use crate::engine::{ApprovalError, Engine, Verdict};
use crate::proto::approval_service_server::ApprovalService;
use crate::proto::{
    self, Approval, DecideRequest, DecideResponse, Decision, ListApprovalsRequest,
    ListApprovalsResponse,
};

/// Longest reason kept, in bytes.
const MAX_REASON_BYTES: usize = 4096;

/// Approvals over the engine.
#[derive(Clone)]
pub struct ApprovalApi {
    engine: Engine,
}

impl ApprovalApi {
    /// The API over an engine.
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    /// The pending approvals `r` selects, oldest first.
    pub async fn list(&self, r: &ListApprovalsRequest) -> Result<ListApprovalsResponse, ApiError> {
        let given = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let (workflow, execution) = (given(&r.workflow), given(&r.execution_id));
        let approvals = match self
            .engine
            .approvals(workflow.as_deref(), execution.as_deref())
            .await
        {
            // An execution that does not exist waits for nothing.
            Err(crate::engine::EngineError::Store(
                crate::store::StoreError::ExecutionNotFound(_),
            )) => Vec::new(),
            other => other?,
        };
        Ok(ListApprovalsResponse { approvals })
    }

    /// Records `by`'s decision on a pending approval, once durable.
    pub async fn decide(
        &self,
        r: DecideRequest,
        by: &Identity,
    ) -> Result<DecideResponse, ApiError> {
        ApiError::require("execution_id", &r.execution_id)?;
        ApiError::require("task_id", &r.task_id)?;
        let decision = Decision::try_from(r.decision).unwrap_or_default();
        if decision == Decision::Unspecified {
            return Err(ApiError::invalid("decision: required, approve or reject"));
        }
        if r.reason.len() > MAX_REASON_BYTES {
            return Err(ApiError::invalid(format!(
                "reason: {} bytes; at most {MAX_REASON_BYTES}",
                r.reason.len()
            )));
        }
        let input = r
            .input
            .as_ref()
            .map(proto::struct_to_json_map)
            .unwrap_or_default();
        let verdict = Verdict {
            decision,
            by: by.subject().to_owned(),
            reason: r.reason.clone(),
            input,
        };
        self.engine
            .decide(&r.execution_id, &r.task_id, verdict, |a| may_decide(by, a))
            .await?;
        Ok(DecideResponse {
            execution_id: r.execution_id,
            task_id: r.task_id,
            decision: decision as i32,
            decided_by: by.subject().to_owned(),
            reason: r.reason,
            input: r.input,
        })
    }
}

/// Whether `by` may decide `a`: named among its approvers, if it names
/// any, and holding its permission, if it asks for one. A server without
/// auth names nobody, so everyone may.
fn may_decide(by: &Identity, a: &Approval) -> Result<(), ApprovalError> {
    if !by.is_named() {
        return Ok(());
    }
    let who = by.subject();
    if !a.approvers.is_empty() && !a.approvers.iter().any(|s| s == who) {
        return Err(ApprovalError::Denied(format!(
            "'{who}' is not among the approvers of task '{}' ({})",
            a.task_id,
            a.approvers.join(", ")
        )));
    }
    if !a.permission.is_empty() && !Permission::from_name(&a.permission).is_some_and(|p| by.may(p))
    {
        return Err(ApprovalError::Denied(format!(
            "deciding the approval of task '{}' needs the {} permission",
            a.task_id, a.permission
        )));
    }
    Ok(())
}

#[tonic::async_trait]
impl ApprovalService for ApprovalApi {
    async fn list_approvals(
        &self,
        r: Request<ListApprovalsRequest>,
    ) -> Result<Response<ListApprovalsResponse>, Status> {
        Ok(Response::new(self.list(r.get_ref()).await?))
    }

    async fn decide(&self, r: Request<DecideRequest>) -> Result<Response<DecideResponse>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            ApprovalApi::decide(self, r.into_inner(), &by).await?,
        ))
    }
}
