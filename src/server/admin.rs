//! AdminService: storage statistics and compaction.

use std::time::Instant;

use tonic::{Request, Response, Status};

use super::error::ApiError;
use crate::engine::Engine;
use crate::proto::admin_service_server::AdminService;
use crate::proto::{
    self, CompactRequest, CompactResponse, ListAuditRequest, ListAuditResponse, StatsRequest,
    StatsResponse,
};
use crate::store::AuditQuery;

/// Store maintenance over the engine's store.
#[derive(Clone)]
pub struct AdminApi {
    engine: Engine,
}

impl AdminApi {
    /// The API over an engine.
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    /// Storage statistics.
    pub async fn stats(&self) -> Result<StatsResponse, ApiError> {
        let properties = self.engine.store().stats().await?.into_iter().collect();
        Ok(StatsResponse { properties })
    }

    /// A page of the audit records `r` selects, newest first (default 100
    /// a page, at most 1000).
    pub async fn audit(&self, r: &ListAuditRequest) -> Result<ListAuditResponse, ApiError> {
        let limit = match r.limit {
            0 => 100,
            n => n.min(1000) as usize,
        };
        let from_ms = r.from.as_ref().map(proto::timestamp_ms);
        let to_ms = r.to.as_ref().map(proto::timestamp_ms);
        if let (Some(from), Some(to)) = (from_ms, to_ms)
            && from > to
        {
            return Err(ApiError::invalid("from: after to; the range is empty"));
        }
        if hex::decode(&r.page_token).is_err() {
            return Err(ApiError::invalid(format!(
                "page_token: {:?} is not a token this server issued",
                r.page_token
            )));
        }
        let given = |s: &String| (!s.is_empty()).then(|| s.clone());
        let q = AuditQuery {
            from_ms,
            to_ms,
            actor: given(&r.actor),
            action: given(&r.action),
            target: given(&r.target),
            before: given(&r.page_token),
            limit,
        };
        let page = self.engine.store().audit_page(&q).await?;
        Ok(ListAuditResponse {
            records: page.records,
            next_page_token: page.next.unwrap_or_default(),
        })
    }

    /// Compacts the store; returns how long it took.
    pub async fn compact(&self) -> Result<CompactResponse, ApiError> {
        let t = Instant::now();
        self.engine.store().compact().await?;
        Ok(CompactResponse {
            duration_ms: t.elapsed().as_millis() as u64,
        })
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn stats(&self, _: Request<StatsRequest>) -> Result<Response<StatsResponse>, Status> {
        Ok(Response::new(AdminApi::stats(self).await?))
    }

    async fn compact(
        &self,
        _: Request<CompactRequest>,
    ) -> Result<Response<CompactResponse>, Status> {
        Ok(Response::new(AdminApi::compact(self).await?))
    }

    async fn list_audit(
        &self,
        r: Request<ListAuditRequest>,
    ) -> Result<Response<ListAuditResponse>, Status> {
        Ok(Response::new(self.audit(r.get_ref()).await?))
    }
}
