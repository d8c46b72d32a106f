//! AdminService: storage statistics, compaction, backups and the audit
//! trail.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tonic::{Request, Response, Status};

use super::error::ApiError;
use crate::engine::Engine;
use crate::proto::admin_service_server::AdminService;
use crate::proto::{
    self, BackupRequest, BackupResponse, CompactRequest, CompactResponse, ListAuditRequest,
    ListAuditResponse, StatsRequest, StatsResponse,
};
use crate::store::AuditQuery;

/// Store maintenance over the engine's store.
#[derive(Clone)]
pub struct AdminApi {
    engine: Engine,
    /// Where backups go.
    backup_dir: PathBuf,
}

impl AdminApi {
    /// The API over an engine, writing backups under `backup_dir`.
    pub fn new(engine: Engine, backup_dir: PathBuf) -> Self {
        Self { engine, backup_dir }
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

    /// Writes a backup named `r.name` (default `backup-<UTC time>`) under
    /// the backup directory, audited as `by`'s.
    pub async fn backup(&self, r: &BackupRequest, by: &str) -> Result<BackupResponse, ApiError> {
        let name = match r.name.as_str() {
            "" => chrono::Utc::now()
                .format("backup-%Y%m%dT%H%M%SZ")
                .to_string(),
            n => n.to_owned(),
        };
        let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if name.starts_with('.') || name.len() > 128 || !name.chars().all(fine) {
            return Err(ApiError::invalid(format!(
                "name: {name:?} is not a directory name (letters, digits, '.', '_', '-'; not starting with '.')"
            )));
        }
        let dir = self.backup_dir.join(&name);
        if dir.exists() {
            return Err(ApiError::AlreadyExists(format!(
                "backup '{name}' exists ({})",
                dir.display()
            )));
        }
        std::fs::create_dir_all(&self.backup_dir).map_err(|e| {
            ApiError::FailedPrecondition(format!("BACKUP_DIR {}: {e}", self.backup_dir.display()))
        })?;
        let t = Instant::now();
        self.engine.store().backup(&dir).await?;
        let took = t.elapsed();
        self.engine
            .audit(by, "store.backup", &name, &dir.display().to_string());
        self.engine.store().flush().await?;
        tracing::info!(path = %dir.display(), took_ms = took.as_millis() as u64, "backup written");
        Ok(BackupResponse {
            path: dir.display().to_string(),
            bytes: size_of_dir(&dir),
            duration_ms: took.as_millis() as u64,
        })
    }
}

/// Bytes of the files under `dir` (what a copy of it takes).
pub fn size_of_dir(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => size_of_dir(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
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

    async fn backup(&self, r: Request<BackupRequest>) -> Result<Response<BackupResponse>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            AdminApi::backup(self, r.get_ref(), by.subject()).await?,
        ))
    }

    async fn list_audit(
        &self,
        r: Request<ListAuditRequest>,
    ) -> Result<Response<ListAuditResponse>, Status> {
        Ok(Response::new(self.audit(r.get_ref()).await?))
    }
}
