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

use crate::proto::admin_service_client::AdminServiceClient;
use crate::proto::approval_service_client::ApprovalServiceClient;
use crate::proto::event_service_client::EventServiceClient;
use crate::proto::execution_service_client::ExecutionServiceClient;
use crate::proto::schedule_service_client::ScheduleServiceClient;
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
    #[error("cannot connect to {}: {}", .0, cause(.1))]
    Connect(String, tonic::transport::Error),
    /// A TLS file could not be read.
    #[error("{0}: cannot read: {1}")]
    TlsFile(std::path::PathBuf, std::io::Error),
    /// The TLS settings were refused (a bad certificate, say).
    #[error("TLS: {}", cause(.0))]
    Tls(tonic::transport::Error),
}

/// An error with its causes, `outer: inner: innermost` (tonic's transport
/// error alone reads "transport error", which tells a user nothing).
fn cause(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        // hyper and tonic repeat a cause's text in their own; say it once.
        if !text.contains(&next) {
            text = format!("{text}: {next}");
        }
        source = s.source();
    }
    text
}

/// How to reach a server over TLS.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// CA certificates (PEM) the server's certificate must chain to; none:
    /// the public web roots.
    pub ca_file: Option<std::path::PathBuf>,
    /// This client's certificate and key (PEM), for a server that asks for
    /// one (mutual TLS).
    pub identity: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl TlsOptions {
    fn config(&self) -> Result<tonic::transport::ClientTlsConfig, ClientError> {
        let read = |p: &std::path::PathBuf| {
            std::fs::read(p).map_err(|e| ClientError::TlsFile(p.clone(), e))
        };
        let mut tls = tonic::transport::ClientTlsConfig::new();
        tls = match &self.ca_file {
            Some(ca) => tls.ca_certificate(tonic::transport::Certificate::from_pem(read(ca)?)),
            None => tls.with_webpki_roots(),
        };
        if let Some((cert, key)) = &self.identity {
            tls = tls.identity(tonic::transport::Identity::from_pem(
                read(cert)?,
                read(key)?,
            ));
        }
        Ok(tls)
    }
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
    connect_with(addr, token, None).await
}

/// A channel to `addr` (host:port), over TLS when `tls` is given,
/// sending `token` with every call.
pub async fn connect_with(
    addr: &str,
    token: Option<&str>,
    tls: Option<&TlsOptions>,
) -> Result<Authed, ClientError> {
    let bearer = Bearer::new(token)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut endpoint = Channel::from_shared(format!("{scheme}://{addr}"))
        .map_err(|_| ClientError::Address(addr.to_owned()))?;
    if let Some(tls) = tls {
        crate::plugins::install_crypto_provider();
        endpoint = endpoint
            .tls_config(tls.config()?)
            .map_err(ClientError::Tls)?;
    }
    let channel = endpoint
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

    /// Connects to a server's gRPC port, over TLS when `tls` is given.
    pub async fn connect_with(
        addr: &str,
        token: Option<&str>,
        tls: Option<&TlsOptions>,
    ) -> Result<Self, ClientError> {
        Ok(Self {
            channel: connect_with(addr, token, tls).await?,
        })
    }

    /// ScheduleService.
    pub fn schedules(&self) -> ScheduleServiceClient<Authed> {
        ScheduleServiceClient::new(self.channel.clone())
    }

    /// EventService: publishing events, and triggers.
    pub fn events(&self) -> EventServiceClient<Authed> {
        EventServiceClient::new(self.channel.clone())
    }

    /// ApprovalService.
    pub fn approvals(&self) -> ApprovalServiceClient<Authed> {
        ApprovalServiceClient::new(self.channel.clone())
    }

    /// AdminService: the audit trail, statistics, backups.
    pub fn admin(&self) -> AdminServiceClient<Authed> {
        AdminServiceClient::new(self.channel.clone())
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
