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
use crate::spec::{self, Format, Limits, SpecError};
use crate::store::StoreError;

/// Workflow definitions over the engine's store.
#[derive(Clone)]
pub struct WorkflowApi {
    engine: Engine,
    limits: Limits,
}

impl WorkflowApi {
    /// The API over an engine; definitions given as text are bounded by
    /// `limits`.
    pub fn new(engine: Engine, limits: Limits) -> Self {
        Self { engine, limits }
    }

    /// Reads a definition document (YAML, or JSON, which YAML also reads)
    /// with the loader workflow files and REST bodies go through. Field
    /// problems are errors here: compiling would only repeat them.
    pub fn parse(&self, text: &str, format: Format) -> Result<WorkflowSpec, SpecError> {
        whole(spec::parse(text, format, &self.limits)?)
    }

    /// Reads a document of either syntax: a JSON object is read as JSON
    /// first, for JSON's own error messages, then as YAML, whose flow
    /// style (`{name: x, tasks: [...]}`) also starts with a brace.
    fn parse_document(&self, text: &str) -> Result<WorkflowSpec, SpecError> {
        if !text.trim_start().starts_with('{') {
            return self.parse(text, Format::Yaml);
        }
        match spec::parse(text, Format::Json, &self.limits) {
            Ok(parsed) => whole(parsed),
            Err(json) => self.parse(text, Format::Yaml).map_err(|_| json),
        }
    }

    /// The definition a gRPC request gives: its typed `spec`, or its
    /// `definition` document, never both.
    fn given(&self, spec: Option<WorkflowSpec>, document: &str) -> Result<WorkflowSpec, ApiError> {
        match (spec, document.trim().is_empty()) {
            (Some(_), false) => Err(ApiError::invalid(
                "definition: give either spec or definition, not both",
            )),
            (Some(spec), true) => Ok(spec),
            (None, false) => Ok(self.parse_document(document)?),
            (None, true) => Err(ApiError::invalid(
                "spec: required (or definition, the YAML or JSON document)",
            )),
        }
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
            Some(spec) => self.compile_problems(&spec),
        };
        answer(problems)
    }

    /// What compiling `spec` against the plugins finds wrong.
    fn compile_problems(&self, spec: &WorkflowSpec) -> Vec<Problem> {
        match spec::compile(spec, 0, self.engine.registry()) {
            Ok(_) => Vec::new(),
            Err(e) => problems(e),
        }
    }

    /// Checks a gRPC request's definition (typed or a document) without
    /// storing it; a document that does not load is answered with its
    /// problems like any other invalid definition.
    fn validate_given(
        &self,
        spec: Option<WorkflowSpec>,
        document: &str,
    ) -> ValidateWorkflowResponse {
        if document.trim().is_empty() {
            return self.validate(spec);
        }
        if spec.is_some() {
            return answer(vec![Problem {
                field: "definition".into(),
                message: "give either spec or definition, not both".into(),
                ..Default::default()
            }]);
        }
        self.validate_parsed(self.parse_document(document))
    }

    /// Checks a definition document of a known syntax without storing it:
    /// one that does not load is answered with its problems, like any
    /// other invalid definition.
    pub fn validate_text(&self, text: &str, format: Format) -> ValidateWorkflowResponse {
        self.validate_parsed(self.parse(text, format))
    }

    fn validate_parsed(&self, parsed: Result<WorkflowSpec, SpecError>) -> ValidateWorkflowResponse {
        answer(match parsed {
            Ok(spec) => self.compile_problems(&spec),
            Err(e) => problems(e),
        })
    }
}

/// A validation's answer: valid when nothing was found.
fn answer(problems: Vec<Problem>) -> ValidateWorkflowResponse {
    ValidateWorkflowResponse {
        valid: problems.is_empty(),
        problems,
    }
}

/// A parsed definition, or its field problems as the error.
fn whole((spec, problems): (WorkflowSpec, Vec<spec::Problem>)) -> Result<WorkflowSpec, SpecError> {
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(SpecError { problems })
    }
}

/// A definition's problems as the API reports them.
fn problems(e: SpecError) -> Vec<Problem> {
    e.problems
        .into_iter()
        .map(|p| Problem {
            task_id: p.task.unwrap_or_default(),
            field: p.field,
            message: p.message,
        })
        .collect()
}

#[tonic::async_trait]
impl WorkflowService for WorkflowApi {
    async fn create_workflow(
        &self,
        r: Request<CreateWorkflowRequest>,
    ) -> Result<Response<Workflow>, Status> {
        let by = super::caller(&r);
        let r = r.into_inner();
        let spec = self.given(r.spec, &r.definition)?;
        Ok(Response::new(self.create(Some(spec), by.subject()).await?))
    }

    async fn update_workflow(
        &self,
        r: Request<UpdateWorkflowRequest>,
    ) -> Result<Response<Workflow>, Status> {
        let by = super::caller(&r);
        let r = r.into_inner();
        let spec = self.given(r.spec, &r.definition)?;
        Ok(Response::new(self.update(Some(spec), by.subject()).await?))
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
        let r = r.into_inner();
        Ok(Response::new(self.validate_given(r.spec, &r.definition)))
    }
}
