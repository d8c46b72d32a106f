//! The Rust client: the crate's own tonic clients of every service, over a
//! channel that sends a bearer token with each call, and a few typed calls
//! for the common path (define, run, follow, cancel). Errors are
//! `tonic::Status`: `status.code() == tonic::Code::NotFound` and so on.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures::StreamExt;
//! use orchestrator::client::Client;
//! use orchestrator::proto::execution_event::Kind;
//!
//! let client = Client::connect("127.0.0.1:50051", None).await?;
//! client
//!     .define("name: hello\ntasks:\n  - {id: greet, type: echo, body: {hi: '{{input.who}}'}}\n")
//!     .await?;
//! let input = serde_json::json!({"who": "world"});
//! let run = client.run("hello", input.as_object().unwrap()).await?;
//! let mut events = client.watch(&run.id).await?;
//! while let Some(event) = events.next().await {
//!     if let Some(Kind::ExecutionEnded(end)) = event?.kind {
//!         println!("{} ended: {:?}", run.id, end.status());
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use serde_json::{Map, Value};
use tonic::codec::Streaming;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::proto::execution_service_client::ExecutionServiceClient;
use crate::proto::workflow_service_client::WorkflowServiceClient;
use crate::proto::{
    CancelRequest, CreateWorkflowRequest, Execution, ExecutionChange, ExecutionEvent,
    GetExecutionRequest, RunRequest, UpdateWorkflowRequest, WatchExecutionsRequest, WatchRequest,
    Workflow,
};

/// Why a client could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The address is not `host:port`.
    #[error("{0}: not a host:port address")]
    Address(String),
    /// The token cannot travel in a header.
    #[error("the token is not a valid header value")]
    Token,
    /// Nothing answered at the address.
    #[error("cannot connect to {0}: {1}")]
    Connect(String, tonic::transport::Error),
}

/// Puts `authorization: Bearer …` on every call, when there is a token.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Bearer {
    /// The interceptor for `token` (None: calls go without one).
    pub fn new(token: Option<&str>) -> Result<Self, ClientError> {
        token
            .map(|t| {
                format!("Bearer {t}")
                    .parse()
                    .map_err(|_| ClientError::Token)
            })
            .transpose()
            .map(Bearer)
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut r: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        if let Some(v) = &self.0 {
            r.metadata_mut().insert("authorization", v.clone());
        }
        Ok(r)
    }
}

/// A gRPC channel whose calls carry the bearer token, if any.
pub type Authed = InterceptedService<Channel, Bearer>;

/// A channel to `addr` (host:port, plain HTTP/2), sending `token` with
/// every call.
pub async fn connect(addr: &str, token: Option<&str>) -> Result<Authed, ClientError> {
    let bearer = Bearer::new(token)?;
    let channel = Channel::from_shared(format!("http://{addr}"))
        .map_err(|_| ClientError::Address(addr.to_owned()))?
        .connect()
        .await
        .map_err(|e| ClientError::Connect(addr.to_owned(), e))?;
    Ok(InterceptedService::new(channel, bearer))
}

/// A connected client; cheap to clone, safe to share.
#[derive(Clone)]
pub struct Client {
    channel: Authed,
}

impl Client {
    /// Connects to a server's gRPC port.
    pub async fn connect(addr: &str, token: Option<&str>) -> Result<Self, ClientError> {
        Ok(Self {
            channel: connect(addr, token).await?,
        })
    }

    /// WorkflowService, for what the typed calls do not cover.
    pub fn workflows(&self) -> WorkflowServiceClient<Authed> {
        WorkflowServiceClient::new(self.channel.clone())
    }

    /// ExecutionService, for what the typed calls do not cover.
    pub fn executions(&self) -> ExecutionServiceClient<Authed> {
        ExecutionServiceClient::new(self.channel.clone())
    }

    /// Stores a workflow from its YAML or JSON document: a new workflow,
    /// or a new version when the name is taken.
    pub async fn define(&self, definition: &str) -> Result<Workflow, Status> {
        let mut wf = self.workflows();
        let created = wf
            .create_workflow(CreateWorkflowRequest {
                definition: definition.to_owned(),
                ..Default::default()
            })
            .await;
        match created {
            Err(s) if s.code() == Code::AlreadyExists => wf
                .update_workflow(UpdateWorkflowRequest {
                    definition: definition.to_owned(),
                    ..Default::default()
                })
                .await
                .map(tonic::Response::into_inner),
            other => other.map(tonic::Response::into_inner),
        }
    }

    /// Starts the latest version of `workflow`; answers once the run is
    /// accepted (durably), without waiting for it.
    pub async fn run(
        &self,
        workflow: &str,
        input: &Map<String, Value>,
    ) -> Result<Execution, Status> {
        let r = self
            .executions()
            .run(RunRequest {
                workflow: workflow.to_owned(),
                parameters: Some(crate::proto::json_map_to_struct(input)),
                ..Default::default()
            })
            .await?;
        r.into_inner()
            .execution
            .ok_or_else(|| Status::internal("the server answered a run without its execution"))
    }

    /// An execution's events from the first, live until it ends.
    pub async fn watch(&self, execution_id: &str) -> Result<Streaming<ExecutionEvent>, Status> {
        let r = self
            .executions()
            .watch(WatchRequest {
                execution_id: execution_id.to_owned(),
                from_seq: 0,
            })
            .await?;
        Ok(r.into_inner())
    }

    /// Every execution's state changes (of `workflows`; all when empty),
    /// after the cursor `after` (empty: from now on).
    pub async fn watch_executions(
        &self,
        workflows: &[&str],
        after: &str,
    ) -> Result<Streaming<ExecutionChange>, Status> {
        let r = self
            .executions()
            .watch_executions(WatchExecutionsRequest {
                workflows: workflows.iter().map(|w| (*w).to_owned()).collect(),
                after: after.to_owned(),
                ..Default::default()
            })
            .await?;
        Ok(r.into_inner())
    }

    /// One execution with its task results.
    pub async fn get_execution(&self, execution_id: &str) -> Result<Execution, Status> {
        let r = self
            .executions()
            .get_execution(GetExecutionRequest {
                execution_id: execution_id.to_owned(),
            })
            .await?;
        Ok(r.into_inner())
    }

    /// Stops an execution, recording why.
    pub async fn cancel(&self, execution_id: &str, reason: &str) -> Result<(), Status> {
        self.executions()
            .cancel(CancelRequest {
                execution_id: execution_id.to_owned(),
                reason: reason.to_owned(),
            })
            .await?;
        Ok(())
    }
}
