//! WorkflowService: the one implementation behind gRPC and REST.

use tonic::{Request, Response, Status};

use super::error::ApiError;
use crate::engine::Engine;
use crate::proto::workflow_service_server::WorkflowService;
use crate::proto::{
    CreateWorkflowRequest, GetWorkflowRequest, ListWorkflowVersionsRequest, ListWorkflowsRequest,
    ListWorkflowsResponse, Problem, PurgeWorkflowResponse, UpdateWorkflowRequest,
    ValidateWorkflowRequest, ValidateWorkflowResponse, Workflow, WorkflowName, WorkflowSpec,
};
use crate::spec;
use crate::store::StoreError;

/// Workflow definitions over the engine's store.
#[derive(Clone)]
pub struct WorkflowApi {
    engine: Engine,
}

impl WorkflowApi {
    /// The API over an engine.
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    /// Checks a definition against the plugins; every problem is reported.
    pub fn check(&self, spec: &WorkflowSpec) -> Result<(), ApiError> {
        spec::compile(spec, 0, self.engine.registry())?;
        Ok(())
    }

    /// Stores a new workflow (version 1).
    pub async fn create(&self, spec: Option<WorkflowSpec>, by: &str) -> Result<Workflow, ApiError> {
        let spec = spec.ok_or_else(|| ApiError::invalid("spec: required"))?;
        self.check(&spec)?;
        match self.engine.store().get_workflow(&spec.name, None).await {
            Ok(_) => Err(ApiError::AlreadyExists(format!(
                "workflow '{}' already exists; update it to add a version",
                spec.name
            ))),
            Err(StoreError::WorkflowNotFound(_)) => {
                let w = self.engine.store().save_workflow(spec).await?;
                self.audited(by, "workflow.create", &w).await?;
                Ok(w)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Stores a new version of an existing workflow.
    pub async fn update(&self, spec: Option<WorkflowSpec>, by: &str) -> Result<Workflow, ApiError> {
        let spec = spec.ok_or_else(|| ApiError::invalid("spec: required"))?;
        self.check(&spec)?;
        self.engine.store().get_workflow(&spec.name, None).await?;
        let w = self.engine.store().save_workflow(spec).await?;
        self.audited(by, "workflow.update", &w).await?;
        Ok(w)
    }

    /// One version (0: the latest).
    pub async fn get(&self, name: &str, version: u32) -> Result<Workflow, ApiError> {
        ApiError::require("name", name)?;
        Ok(self
            .engine
            .store()
            .get_workflow(name, (version > 0).then_some(version))
            .await?)
    }

    /// The latest version of each workflow.
    pub async fn list(&self, include_archived: bool) -> Result<Vec<Workflow>, ApiError> {
        Ok(self.engine.store().list_workflows(include_archived).await?)
    }

    /// Every version of a workflow.
    pub async fn versions(&self, name: &str) -> Result<Vec<Workflow>, ApiError> {
        ApiError::require("name", name)?;
        Ok(self.engine.store().list_versions(name).await?)
    }

    /// Archives (true) or restores (false).
    pub async fn set_archived(
        &self,
        name: &str,
        archived: bool,
        by: &str,
    ) -> Result<Workflow, ApiError> {
        ApiError::require("name", name)?;
        let w = self.engine.store().set_archived(name, archived).await?;
        self.audited(
            by,
            if archived {
                "workflow.archive"
            } else {
                "workflow.restore"
            },
            &w,
        )
        .await?;
        Ok(w)
    }

    /// Removes every version.
    pub async fn purge(&self, name: &str, by: &str) -> Result<u32, ApiError> {
        ApiError::require("name", name)?;
        let n = self.engine.store().purge_workflow(name).await?;
        self.engine
            .audit(by, "workflow.purge", name, &format!("{n} versions removed"));
        self.engine.store().flush().await?;
        Ok(n)
    }

    /// Audits a change of a workflow by `by`; durable before the change is
    /// answered.
    async fn audited(&self, by: &str, action: &str, w: &Workflow) -> Result<(), ApiError> {
        let name = w.spec.as_ref().map_or("", |s| s.name.as_str());
        self.engine
            .audit(by, action, name, &format!("version {}", w.version));
        Ok(self.engine.store().flush().await?)
    }

    /// Checks without storing.
    pub fn validate(&self, spec: Option<WorkflowSpec>) -> ValidateWorkflowResponse {
        let problems = match spec {
            None => vec![Problem {
                field: "spec".into(),
                message: "required".into(),
                ..Default::default()
            }],
            Some(spec) => match spec::compile(&spec, 0, self.engine.registry()) {
                Ok(_) => Vec::new(),
                Err(e) => e
                    .problems
                    .into_iter()
                    .map(|p| Problem {
                        task_id: p.task.unwrap_or_default(),
                        field: p.field,
                        message: p.message,
                    })
                    .collect(),
            },
        };
        ValidateWorkflowResponse {
            valid: problems.is_empty(),
            problems,
        }
    }
}

#[tonic::async_trait]
impl WorkflowService for WorkflowApi {
    async fn create_workflow(
        &self,
        r: Request<CreateWorkflowRequest>,
    ) -> Result<Response<Workflow>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            self.create(r.into_inner().spec, by.subject()).await?,
        ))
    }

    async fn update_workflow(
        &self,
        r: Request<UpdateWorkflowRequest>,
    ) -> Result<Response<Workflow>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(
            self.update(r.into_inner().spec, by.subject()).await?,
        ))
    }

    async fn get_workflow(
        &self,
        r: Request<GetWorkflowRequest>,
    ) -> Result<Response<Workflow>, Status> {
        let r = r.into_inner();
        Ok(Response::new(self.get(&r.name, r.version).await?))
    }

    async fn list_workflows(
        &self,
        r: Request<ListWorkflowsRequest>,
    ) -> Result<Response<ListWorkflowsResponse>, Status> {
        let workflows = self.list(r.into_inner().include_archived).await?;
        Ok(Response::new(ListWorkflowsResponse { workflows }))
    }

    async fn list_workflow_versions(
        &self,
        r: Request<ListWorkflowVersionsRequest>,
    ) -> Result<Response<ListWorkflowsResponse>, Status> {
        let workflows = self.versions(&r.into_inner().name).await?;
        Ok(Response::new(ListWorkflowsResponse { workflows }))
    }

    async fn archive_workflow(
        &self,
        r: Request<WorkflowName>,
    ) -> Result<Response<Workflow>, Status> {
        Ok(Response::new(
            self.set_archived(&r.get_ref().name, true, super::caller(&r).subject())
                .await?,
        ))
    }

    async fn restore_workflow(
        &self,
        r: Request<WorkflowName>,
    ) -> Result<Response<Workflow>, Status> {
        Ok(Response::new(
            self.set_archived(&r.get_ref().name, false, super::caller(&r).subject())
                .await?,
        ))
    }

    async fn purge_workflow(
        &self,
        r: Request<WorkflowName>,
    ) -> Result<Response<PurgeWorkflowResponse>, Status> {
        let versions_removed = self
            .purge(&r.get_ref().name, super::caller(&r).subject())
            .await?;
        Ok(Response::new(PurgeWorkflowResponse { versions_removed }))
    }

    async fn validate_workflow(
        &self,
        r: Request<ValidateWorkflowRequest>,
    ) -> Result<Response<ValidateWorkflowResponse>, Status> {
        Ok(Response::new(self.validate(r.into_inner().spec)))
    }
}
