//! The service: gRPC (with health and reflection) over the engine, and its
//! life cycle. Start-up opens the store and resumes unfinished executions;
//! shutdown stops accepting, lets running executions finish for a grace
//! period, cancels the rest with reason "shutdown" and flushes the store.
//! On a store shared by replicas it also takes over the executions of
//! replicas that stopped, and at shutdown hands its own back instead of
//! cancelling them.
//!
//! Every API call goes through one implementation per service
//! (`WorkflowApi`, `ExecutionApi`, `AdminApi`, `ScheduleApi`, `EventApi`,
//! `ApprovalApi`); the
//! transports only translate. The scheduler starts with the server and
//! stops ticking first at shutdown.

mod admin;
mod approvals;
pub mod auth;
mod cors;
mod error;
mod events;
mod executions;
mod feed;
mod feed_relay;
mod readiness;
pub mod rest;
mod schedules;
mod sync;
mod takeover;
pub mod tls;
pub mod watch;
mod workflows;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use readiness::Readiness;

pub use admin::{AdminApi, size_of_dir};
pub use approvals::ApprovalApi;
pub use error::ApiError;
pub use events::EventApi;
pub use executions::ExecutionApi;
pub use schedules::ScheduleApi;
pub use workflows::WorkflowApi;

use crate::config::Config;
use crate::engine::{Engine, EngineConfig, EngineError};
use crate::plugins::Registry;
use crate::proto::admin_service_server::AdminServiceServer;
use crate::proto::approval_service_server::ApprovalServiceServer;
use crate::proto::event_service_server::EventServiceServer;
use crate::proto::execution_service_server::ExecutionServiceServer;
use crate::proto::schedule_service_server::ScheduleServiceServer;
use crate::proto::workflow_service_server::WorkflowServiceServer;
use crate::scheduler::{
    KafkaSource, ScheduleError, Scheduler, SystemClock, TriggerError, Triggers,
};
use crate::store::{
    LeaseTiming, PgOptions, PgStore, RocksOptions, RocksStore, Store, StoreError, retention,
};
use crate::telemetry::{MeteredStore, Metrics, MetricsError};

/// The services' names, as health checks know them.
const SERVICES: &[&str] = &[
    "orchestrator.v1.WorkflowService",
    "orchestrator.v1.ExecutionService",
    "orchestrator.v1.AdminService",
    "orchestrator.v1.ScheduleService",
    "orchestrator.v1.EventService",
    "orchestrator.v1.ApprovalService",
];

/// The caller of a gRPC request, as the auth layer admitted it (a request
/// that did not pass the layer, as in tests calling a service directly, is
/// the local caller "grpc").
fn caller<T>(r: &tonic::Request<T>) -> auth::Identity {
    r.extensions()
        .get::<auth::Identity>()
        .cloned()
        .unwrap_or_else(|| auth::Identity::local("grpc"))
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Unfinished executions could not be resumed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The stored schedules could not be loaded.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// The stored triggers could not be loaded.
    #[error(transparent)]
    Trigger(#[from] TriggerError),
    /// The Kafka trigger source could not start.
    #[error("{0}")]
    Kafka(String),
    /// An address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The gRPC server failed.
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The metrics exporter could not be set up.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// Reflection could not be built from the descriptor set.
    #[error("reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The auth keys could not be loaded.
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    /// The TLS files could not be loaded.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// Serving beyond loopback with nobody's identity checked.
    #[error(
        "refusing to serve on {addr} without authentication: configure JWT keys \
         (AUTH_JWT_SECRET_FILE, AUTH_PUBLIC_KEY_FILE, AUTH_JWKS_FILE or AUTH_JWKS_URL; \
         see README, \"Access control\"), bind to 127.0.0.1, or pass --insecure-no-auth"
    )]
    Insecure {
        /// The address that is not loopback.
        addr: SocketAddr,
    },
}

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// gRPC listen address.
    pub grpc_addr: SocketAddr,
    /// REST/HTTP listen address.
    pub http_addr: SocketAddr,
    /// RocksDB directory.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL: keep everything there instead of in `data_dir`.
    pub store_url: Option<String>,
    /// How long running executions may take to finish at shutdown.
    pub grace: Duration,
    /// How callers prove who they are.
    pub auth: auth::AuthOptions,
    /// Serve beyond loopback without auth (logged as a warning).
    pub insecure_no_auth: bool,
    /// Serve both transports over TLS (and with a client CA, mutual TLS).
    pub tls: Option<tls::TlsFiles>,
}

/// Runs the server until `shutdown` completes; `ready` is told the bound
/// gRPC and HTTP addresses once the store is open and the ports listen.
pub async fn serve(
    config: &Config,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(SocketAddr, SocketAddr),
) -> Result<(), ServeError> {
    let authenticator = Arc::new(auth::Authenticator::new(&options.auth).await?);
    let tls = options
        .tls
        .clone()
        .map(tls::Tls::load)
        .transpose()?
        .map(Arc::new);
    // Client certificates name callers too.
    if !authenticator.requires_tokens() && !tls.as_ref().is_some_and(|t| t.mutual()) {
        let exposed = [options.grpc_addr, options.http_addr]
            .into_iter()
            .find(|a| !a.ip().is_loopback());
        match exposed {
            Some(addr) if !options.insecure_no_auth => return Err(ServeError::Insecure { addr }),
            Some(addr) => tracing::warn!(
                %addr,
                "serving beyond loopback WITHOUT authentication (--insecure-no-auth): anyone who reaches the port can run workflows"
            ),
            None => {}
        }
    }
    let store: Arc<dyn Store> = match &options.store_url {
        Some(url) => {
            let options = PgOptions {
                lease: LeaseTiming {
                    interval: config.heartbeat_interval,
                    ttl: config.lease_ttl,
                },
                ..PgOptions::default()
            };
            Arc::new(PgStore::connect(url, options).await?)
        }
        None => Arc::new(RocksStore::open(
            &options.data_dir,
            RocksOptions {
                audit_log: config.audit_log_file.clone(),
                block_cache_bytes: config.rocksdb_block_cache_bytes,
                write_buffer_bytes: config.rocksdb_write_buffer_bytes,
                ..RocksOptions::default()
            },
        )?),
    };
    let metrics = Arc::new(Metrics::new()?);
    let store = Arc::new(MeteredStore::new(store, metrics.clone()));
    let registry = Registry::builtin(config);
    metrics.watch_breakers(registry.http_breakers());
    metrics.watch_models(registry.model_stats());
    let engine = Engine::new(store, Arc::new(registry), &EngineConfig::from(config))
        .with_metrics(metrics.clone());
    if let Some(ownership) = engine.store().ownership() {
        metrics.watch_ownership(ownership);
    }
    let resumed = engine.resume_unfinished().await?;
    if !resumed.is_empty() {
        tracing::info!(count = resumed.len(), "resumed unfinished executions");
    }
    let scheduler = Scheduler::start(
        engine.clone(),
        Arc::new(SystemClock),
        Some(metrics.clone()),
        resumed,
    )
    .await?;
    let triggers = Triggers::start(engine.clone(), Some(metrics.clone())).await?;

    let kafka = if config.kafka_trigger_topics.is_empty() {
        None
    } else {
        let source = KafkaSource::start(
            triggers.clone(),
            &config.kafka_brokers,
            &config.kafka_group_id,
            &config.kafka_trigger_topics,
        )
        .map_err(ServeError::Kafka)?;
        metrics.watch_kafka_lag(source.lag());
        Some(Arc::new(source))
    };

    let (listener, grpc_addr) = bind(options.grpc_addr).await?;
    let (http_listener, http_addr) = bind(options.http_addr).await?;

    let (health, health_service) = tonic_health::server::health_reporter();
    let readiness = Readiness::new(health, SERVICES, engine.store().ownership()).await;
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let feed = engine.feed().clone();
    let shutdown = async move {
        shutdown.await;
        // Live streams end now: an open watcher would otherwise hold its
        // connection, and with it the servers' graceful stop, forever.
        feed.close();
    };
    tokio::spawn(readiness.follow(shutdown, stop_tx));
    // Records past their retention go in the background until shutdown.
    let pruner = tokio::spawn(retention::prune_periodically(
        engine.store().clone(),
        retention::Policy::from(config),
        stop_rx.clone(),
    ));
    let takeover = tokio::spawn(takeover::take_over_periodically(
        engine.clone(),
        stop_rx.clone(),
    ));
    let relay = tokio::spawn(feed_relay::relay_until(engine.clone(), stop_rx.clone()));
    let sync = tokio::spawn(sync::sync_periodically(
        engine.clone(),
        scheduler.clone(),
        triggers.clone(),
        stop_rx.clone(),
    ));
    let stopped = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|s| *s).await;
    };

    // One implementation per service, shared by both transports.
    let limits = crate::spec::Limits::from(config);
    let workflows = WorkflowApi::new(engine.clone(), limits.clone());
    let executions = ExecutionApi::new(engine.clone(), config.max_active_executions);
    let backup_dir = config.backup_dir.clone().unwrap_or_else(|| {
        let parent = options
            .data_dir
            .parent()
            .unwrap_or(std::path::Path::new("."));
        parent.join("backups")
    });
    let admin = AdminApi::new(engine.clone(), backup_dir);
    let approvals = ApprovalApi::new(engine.clone());
    let schedules = ScheduleApi::new(scheduler.clone());
    let events = EventApi::new(triggers);
    let gateway = rest::Gateway {
        workflows: workflows.clone(),
        executions: executions.clone(),
        admin: admin.clone(),
        approvals: approvals.clone(),
        schedules: schedules.clone(),
        events: events.clone(),
        limits,
        metrics,
    };
    let cors = cors::layer(&config.cors_allowed_origins);
    let router = rest::router(gateway, authenticator.clone());
    let router = match cors.clone() {
        Some(cors) => router.layer(cors),
        None => router,
    };
    let http_stop = stopped(stop_rx.clone());
    let http = match &tls {
        None => tokio::spawn(async move {
            axum::serve(http_listener, router)
                .with_graceful_shutdown(http_stop)
                .await
        }),
        Some(tls) => {
            let listener = tls::TlsListener::new(tls.clone(), http_listener).map_err(|source| {
                ServeError::Bind {
                    addr: http_addr,
                    source,
                }
            })?;
            let service = router.into_make_service_with_connect_info::<tls::Peer>();
            tokio::spawn(async move {
                axum::serve(listener, service)
                    .with_graceful_shutdown(http_stop)
                    .await
            })
        }
    };

    // At the stop, while the servers finish the requests in flight (some
    // of them waiting on runs): no more ticks or consumed events, and the
    // running executions get their grace, then are cancelled or handed
    // back, so that no request waits on a run past the grace.
    let draining = {
        let (engine, scheduler, kafka) = (engine.clone(), scheduler.clone(), kafka.clone());
        let (mut stop, grace) = (stop_rx.clone(), options.grace);
        tokio::spawn(async move {
            let _ = stop.wait_for(|s| *s).await;
            scheduler.stop();
            if let Some(k) = &kafka {
                k.stop();
            }
            engine.drain(grace, DRAIN_CANCEL_WAIT).await;
        })
    };

    ready(grpc_addr, http_addr);
    tracing::info!(%grpc_addr, %http_addr, data_dir = %options.data_dir.display(), "serving");
    // Browsers speak gRPC-Web over HTTP/1.1 on the same port; the CORS
    // layer answers their preflights before anything asks for a token.
    let grpc = tonic::transport::Server::builder()
        .accept_http1(true)
        .layer(crate::telemetry::RequestSpans)
        .layer(tower::util::option_layer(cors))
        .layer(tonic_web::GrpcWebLayer::new())
        .layer(auth::GrpcAuthLayer(authenticator))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(WorkflowServiceServer::new(workflows))
        .add_service(ExecutionServiceServer::new(executions))
        .add_service(AdminServiceServer::new(admin))
        .add_service(ScheduleServiceServer::new(schedules))
        .add_service(EventServiceServer::new(events))
        .add_service(ApprovalServiceServer::new(approvals));
    match tls {
        None => {
            grpc.serve_with_incoming_shutdown(incoming(listener), stopped(stop_rx))
                .await?
        }
        Some(tls) => {
            use tokio_stream::StreamExt;
            let accepted = tokio_stream::wrappers::ReceiverStream::new(tls.accept(listener))
                .map(|(stream, _)| Ok::<_, std::io::Error>(stream));
            grpc.serve_with_incoming_shutdown(accepted, stopped(stop_rx))
                .await?
        }
    }
    match http.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "HTTP server failed"),
        Err(e) => tracing::error!(error = %e, "HTTP server stopped unexpectedly"),
    }

    let tasks = [
        ("pruning", pruner),
        ("takeover", takeover),
        ("sync", sync),
        ("feed relay", relay),
    ];
    for (what, task) in tasks {
        if let Err(e) = task.await {
            tracing::error!(error = %e, "the {what} task failed");
        }
    }
    if let Err(e) = draining.await {
        tracing::error!(error = %e, "the drain at shutdown failed");
    }
    engine.store().flush().await?;
    tracing::info!("stopped");
    Ok(())
}

/// How long shutdown waits for cancelled runs to record their end; runs
/// still going after it stay unfinished in the store and resume at the
/// next start.
const DRAIN_CANCEL_WAIT: Duration = Duration::from_secs(10);

/// gRPC connections without Nagle's delay: small replies must not wait for
/// the client's delayed ACK (40 ms per run otherwise).
fn incoming(listener: TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}

async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), ServeError> {
    let fail = |source| ServeError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(fail)?;
    let bound = listener.local_addr().map_err(fail)?;
    Ok((listener, bound))
}
