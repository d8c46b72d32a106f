//! ExecutionService: the one implementation behind gRPC and REST.

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use tonic::{Request, Response, Status};

use super::auth::Identity;
use super::error::ApiError;
use super::{feed, watch};
use crate::engine::{Engine, RunRequest as EngineRun};
use crate::proto::execution_service_server::ExecutionService;
use crate::proto::{
    self, CancelRequest, CancelResponse, Execution, ExecutionChange, ExecutionEvent,
    ExecutionState, GetExecutionRequest, ListActiveRequest, ListActiveResponse,
    ListExecutionsRequest, ListExecutionsResponse, RetryRequest, RunRequest, RunResponse,
    WatchExecutionsRequest, WatchRequest,
};
use crate::store::ExecutionQuery;

/// Default and largest page of ListExecutions.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 1000;

/// Executions over the engine.
#[derive(Clone)]
pub struct ExecutionApi {
    engine: Engine,
    max_active: usize,
}

/// A stream of events for gRPC.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<ExecutionEvent, Status>> + Send>>;

impl ExecutionApi {
    /// The API over an engine; at most `max_active` executions in flight.
    pub fn new(engine: Engine, max_active: usize) -> Self {
        Self { engine, max_active }
    }

    /// The engine behind the API.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Starts a run for `by`; with `wait`, returns once it has ended and
    /// is durable, else once its start is durable.
    pub async fn run(&self, r: RunRequest, by: &str) -> Result<Arc<Execution>, ApiError> {
        let (id, handle) = self.start(&r, by).await?;
        if r.wait {
            return Ok(handle.wait().await?);
        }
        Ok(Arc::new(self.engine.store().get_execution(&id).await?))
    }

    /// Starts a run and makes its start durable.
    async fn start(
        &self,
        r: &RunRequest,
        by: &str,
    ) -> Result<(String, crate::engine::ExecutionHandle), ApiError> {
        ApiError::require("workflow", &r.workflow)?;
        let active = self.engine.active_count();
        if active >= self.max_active {
            return Err(ApiError::ResourceExhausted(format!(
                "{active} executions are in flight (MAX_ACTIVE_EXECUTIONS); try again later"
            )));
        }
        let store = self.engine.store();
        let wf = store
            .get_workflow(&r.workflow, (r.version > 0).then_some(r.version))
            .await?;
        if wf.archived {
            return Err(ApiError::FailedPrecondition(format!(
                "workflow '{}' is archived; restore it to run it",
                r.workflow
            )));
        }
        let plan = self.engine.plan(&wf)?;
        let handle = self.engine.start(
            plan,
            EngineRun {
                input: r.parameters.clone().unwrap_or_default(),
                started_by: by.to_owned(),
                ..Default::default()
            },
        );
        store.flush().await?;
        Ok((handle.id().to_owned(), handle))
    }

    /// One execution, if `by` may read it: with `workflows:read` any, with
    /// only `workflows:run` those they started.
    pub async fn get(&self, id: &str, by: &Identity) -> Result<Arc<Execution>, ApiError> {
        ApiError::require("execution_id", id)?;
        let e = self.engine.execution(id).await?;
        by.may_read(id, &e.started_by)?;
        Ok(e)
    }

    /// A page of executions, newest first. The page token names the last
    /// execution of the previous page, so pages neither repeat nor skip
    /// runs while new ones start.
    pub async fn list(
        &self,
        r: &ListExecutionsRequest,
    ) -> Result<ListExecutionsResponse, ApiError> {
        let after = match r.page_token.as_str() {
            "" => None,
            t => Some(parse_page_token(t).ok_or_else(|| {
                ApiError::invalid(format!(
                    "page_token: {t:?} is not a token this server issued"
                ))
            })?),
        };
        let size = match r.page_size as usize {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let status = match ExecutionState::try_from(r.status) {
            Ok(ExecutionState::Unspecified) => None,
            Ok(s) => Some(s),
            Err(_) => {
                return Err(ApiError::invalid(format!(
                    "status: unknown state {}",
                    r.status
                )));
            }
        };
        let from_ms = r.from.as_ref().map(proto::timestamp_ms);
        let to_ms = r.to.as_ref().map(proto::timestamp_ms);
        if let (Some(from), Some(to)) = (from_ms, to_ms)
            && from > to
        {
            return Err(ApiError::invalid("from: after to; the range is empty"));
        }
        let query = ExecutionQuery {
            from_ms,
            to_ms,
            workflow: (!r.workflow.is_empty()).then(|| r.workflow.clone()),
            status,
            after,
            limit: size + 1,
        };
        let mut executions = self.engine.store().list_executions(&query).await?;
        let more = executions.len() > size;
        executions.truncate(size);
        let next_page_token = match executions.last() {
            Some(last) if more => page_token(last),
            _ => String::new(),
        };
        Ok(ListExecutionsResponse {
            executions,
            next_page_token,
        })
    }

    /// Retries an ended execution's failed part; with `wait`, returns once
    /// it has ended again.
    pub async fn retry(&self, id: &str, wait: bool, by: &str) -> Result<Arc<Execution>, ApiError> {
        ApiError::require("execution_id", id)?;
        let handle = self.engine.retry(id, by).await?;
        self.engine.store().flush().await?;
        if wait {
            return Ok(handle.wait().await?);
        }
        Ok(Arc::new(self.engine.store().get_execution(id).await?))
    }

    /// Cancels a running execution, whichever replica runs it.
    pub async fn cancel(&self, id: &str, reason: &str, by: &str) -> Result<(), ApiError> {
        ApiError::require("execution_id", id)?;
        let reason = if reason.is_empty() {
            "cancelled"
        } else {
            reason
        };
        if self.engine.cancel_anywhere(id, reason, by).await? {
            tracing::info!(execution = id, reason, by, "cancel requested");
            Ok(())
        } else {
            Err(ApiError::NotFound(format!(
                "execution '{id}' is not running"
            )))
        }
    }
}

#[tonic::async_trait]
impl ExecutionService for ExecutionApi {
    async fn run(&self, r: Request<RunRequest>) -> Result<Response<RunResponse>, Status> {
        let by = super::caller(&r);
        let e = self.run(r.into_inner(), by.subject()).await?;
        Ok(Response::new(RunResponse {
            execution: Some(Arc::unwrap_or_clone(e)),
        }))
    }

    type RunStreamStream = EventStream;

    async fn run_stream(&self, r: Request<RunRequest>) -> Result<Response<EventStream>, Status> {
        let by = super::caller(&r);
        let (id, handle) = self.start(&r.into_inner(), by.subject()).await?;
        // The handle's first receiver has every event from the start.
        let stream = watch::watch(self.engine.clone(), id, 0, Some(handle.events()));
        Ok(Response::new(Box::pin(stream)))
    }

    type WatchExecutionsStream =
        Pin<Box<dyn Stream<Item = Result<ExecutionChange, Status>> + Send>>;

    async fn watch_executions(
        &self,
        r: Request<WatchExecutionsRequest>,
    ) -> Result<Response<Self::WatchExecutionsStream>, Status> {
        use futures::StreamExt;

        let r = r.into_inner();
        let filter = feed::Filter {
            workflows: r.workflows.into_iter().collect(),
            states: r.states.into_iter().collect(),
        };
        let stream = feed::follow(self.engine.feed().clone(), filter, Some(&r.after))?;
        Ok(Response::new(Box::pin(
            stream.map(|c| c.map_err(Status::from)),
        )))
    }

    type WatchStream = EventStream;

    async fn watch(&self, r: Request<WatchRequest>) -> Result<Response<EventStream>, Status> {
        let by = super::caller(&r);
        let r = r.into_inner();
        // NOT_FOUND up front rather than an empty stream.
        self.get(&r.execution_id, &by).await?;
        let stream = watch::watch(self.engine.clone(), r.execution_id, r.from_seq, None);
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get_execution(
        &self,
        r: Request<GetExecutionRequest>,
    ) -> Result<Response<Execution>, Status> {
        let by = super::caller(&r);
        Ok(Response::new(Arc::unwrap_or_clone(
            self.get(&r.into_inner().execution_id, &by).await?,
        )))
    }

    async fn list_executions(
        &self,
        r: Request<ListExecutionsRequest>,
    ) -> Result<Response<ListExecutionsResponse>, Status> {
        Ok(Response::new(self.list(&r.into_inner()).await?))
    }

    async fn list_active(
        &self,
        _: Request<ListActiveRequest>,
    ) -> Result<Response<ListActiveResponse>, Status> {
        Ok(Response::new(ListActiveResponse {
            executions: self.engine.active_table(),
            pools: self.engine.pools(),
        }))
    }

    async fn retry(&self, r: Request<RetryRequest>) -> Result<Response<RunResponse>, Status> {
        let by = super::caller(&r);
        let r = r.into_inner();
        let e = self.retry(&r.execution_id, r.wait, by.subject()).await?;
        Ok(Response::new(RunResponse {
            execution: Some(Arc::unwrap_or_clone(e)),
        }))
    }

    async fn cancel(&self, r: Request<CancelRequest>) -> Result<Response<CancelResponse>, Status> {
        let by = super::caller(&r);
        let r = r.into_inner();
        self.cancel(&r.execution_id, &r.reason, by.subject())
            .await?;
        Ok(Response::new(CancelResponse {
            execution_id: r.execution_id,
        }))
    }
}

/// The cursor after `e`: its start time and id.
fn page_token(e: &Execution) -> String {
    let ms = e.started_at.as_ref().map_or(0, proto::timestamp_ms);
    format!("{ms}:{}", e.id)
}

/// The cursor a page token names, if it is one.
fn parse_page_token(t: &str) -> Option<(i64, String)> {
    let (ms, id) = t.split_once(':')?;
    Some((ms.parse().ok()?, id.to_owned())).filter(|(_, id)| !id.is_empty())
}
