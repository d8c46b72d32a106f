//! AdminService: storage statistics and compaction.

use std::time::Instant;

use tonic::{Request, Response, Status};

use super::error::ApiError;
use crate::engine::Engine;
use crate::proto::admin_service_server::AdminService;
use crate::proto::{
    CompactRequest, CompactResponse, ListAuditRequest, ListAuditResponse, StatsRequest,
    StatsResponse,
};

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

    /// The newest audit records (default 100, at most 1000).
    pub async fn audit(&self, limit: u32) -> Result<ListAuditResponse, ApiError> {
        let limit = match limit {
            0 => 100,
            n => n.min(1000) as usize,
        };
        let records = self.engine.store().audit_trail(limit).await?;
        Ok(ListAuditResponse { records })
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
        Ok(Response::new(self.audit(r.into_inner().limit).await?))
    }
}
