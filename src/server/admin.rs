//! AdminService: storage statistics and compaction.

use std::time::Instant;

use tonic::{Request, Response, Status};

use super::error::ApiError;
use crate::engine::Engine;
use crate::proto::admin_service_server::AdminService;
use crate::proto::{CompactRequest, CompactResponse, StatsRequest, StatsResponse};

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
}
