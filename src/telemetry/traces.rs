//! Logs and traces. Logs go to stderr as text, or as JSON lines with
//! `LOG_FORMAT=json` (each line carrying its span's fields: the execution
//! and task ids). Spans — one per request, per execution, per task
//! attempt — are exported over OTLP/gRPC when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
//! is set, by OpenTelemetry's own environment conventions (`OTEL_SERVICE_NAME`,
//! `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, …). W3C `traceparent` comes in
//! with requests and goes out with `http` and `grpc` tasks, so a
//! playbook's calls join its caller's trace.
//!
//! Without an exporter and with text logs no layer wants the spans, and
//! `tracing` skips them at their call site: the engine's hot path pays
//! nothing for them.

use std::task::{Context, Poll};

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

/// Logging or tracing could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// An environment variable holds something unusable.
    #[error("{name}: {message}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The OTLP exporter could not be built.
    #[error("OTLP exporter: {0}")]
    Exporter(String),
}

/// Keeps the span exporter running; flushes what it holds when dropped.
#[must_use = "spans are exported only while this lives"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
    /// The exporter's own runtime: its gRPC channel must outlive whatever
    /// runtime a command builds, and is needed before any exists.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("warning: traces not all exported: {e}");
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Installs the process's subscriber from the environment: logs filtered by
/// `RUST_LOG` (default `warn`) in `LOG_FORMAT`, and OTLP export of spans
/// when an endpoint is configured.
pub fn init() -> Result<Telemetry, TelemetryError> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let json = match var("LOG_FORMAT").as_deref() {
        None | Some("text") => false,
        Some("json") => true,
        Some(other) => {
            return Err(TelemetryError::Invalid {
                name: "LOG_FORMAT",
                message: format!("{other:?} is neither text nor json"),
            });
        }
    };
    let levels = || EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let logs: Box<dyn Layer<Registry> + Send + Sync> = if json {
        fmt.json()
            .with_current_span(true)
            .with_span_list(false)
            .with_filter(levels())
            .boxed()
    } else {
        // Text lines carry their ids as fields; a span prefix on each
        // would cost every run its spans.
        fmt.with_filter(levels().and(filter_fn(|m| !m.is_span())))
            .boxed()
    };

    let endpoint = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or(var("OTEL_EXPORTER_OTLP_ENDPOINT"));
    let (mut provider, mut runtime) = (None, None);
    if endpoint.is_some() {
        let protocol =
            var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").or(var("OTEL_EXPORTER_OTLP_PROTOCOL"));
        if let Some(p) = protocol.filter(|p| p != "grpc") {
            return Err(TelemetryError::Invalid {
                name: "OTEL_EXPORTER_OTLP_PROTOCOL",
                message: format!("{p:?}: traces are exported over grpc only"),
            });
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otlp")
            .enable_all()
            .build()
            .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        let exporter = {
            let _in_runtime = rt.enter();
            opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .build()
                .map_err(|e| TelemetryError::Exporter(e.to_string()))?
        };
        let mut resource = opentelemetry_sdk::Resource::builder();
        if var("OTEL_SERVICE_NAME").is_none() {
            resource = resource.with_service_name("orchestrator");
        }
        provider = Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(resource.build())
                .build(),
        );
        runtime = Some(rt);
    }
    // Two stacks rather than an `Option` layer: a `None` layer answers
    // "always" for every call site, which would make the registry build
    // every span no layer records.
    let registry = tracing_subscriber::registry().with(logs);
    let installed = match &provider {
        Some(p) => registry
            .with(
                tracing_opentelemetry::layer()
                    .with_tracer(p.tracer("orchestrator"))
                    .with_filter(filter_fn(|m| {
                        m.is_span()
                            && m.target().starts_with("orchestrator")
                            && *m.level() <= tracing::Level::INFO
                    })),
            )
            .try_init(),
        None => registry.try_init(),
    };
    installed.map_err(|e| TelemetryError::Exporter(e.to_string()))?;
    Ok(Telemetry { provider, runtime })
}

/// The W3C trace context of the current span (`traceparent`, and
/// `tracestate` when there is one), for an outgoing call; empty when the
/// span is not traced.
pub fn trace_headers() -> Vec<(String, String)> {
    let cx = tracing::Span::current().context();
    if !cx.span().span_context().is_valid() {
        return Vec::new();
    }
    let mut headers = Headers::default();
    TraceContextPropagator::new().inject_context(&cx, &mut headers);
    headers.0
}

#[derive(Default)]
struct Headers(Vec<(String, String)>);

impl Injector for Headers {
    fn set(&mut self, key: &str, value: String) {
        self.0.push((key.to_owned(), value));
    }
}

/// An incoming request's headers, read for its trace context.
struct Incoming<'a>(&'a axum::http::HeaderMap);

impl Extractor for Incoming<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// A tower layer giving each request (REST or gRPC: both are HTTP) a span,
/// the child of the caller's `traceparent` when it sends one; whatever the
/// request starts — an execution — is the span's child.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpans;

impl<S> tower::Layer<S> for RequestSpans {
    type Service = RequestSpan<S>;

    fn layer(&self, inner: S) -> RequestSpan<S> {
        RequestSpan { inner }
    }
}

/// A service whose calls each run in a request span.
#[derive(Debug, Clone)]
pub struct RequestSpan<S> {
    inner: S,
}

impl<S, B> tower::Service<axum::http::Request<B>> for RequestSpan<S>
where
    S: tower::Service<axum::http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = tracing::instrument::Instrumented<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::http::Request<B>) -> Self::Future {
        let span = tracing::info_span!(
            "request",
            otel.name = tracing::field::Empty,
            otel.kind = "server",
            method = %request.method(),
            path = %request.uri().path(),
        );
        if !span.is_disabled() {
            span.record(
                "otel.name",
                format!("{} {}", request.method(), request.uri().path()),
            );
            if request.headers().contains_key("traceparent") {
                let parent = TraceContextPropagator::new().extract(&Incoming(request.headers()));
                // Refused only when no OpenTelemetry layer is installed.
                let _ = span.set_parent(parent);
            }
        }
        self.inner.call(request).instrument(span)
    }
}
