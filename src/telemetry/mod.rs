//! Observability: the brief's Prometheus metrics (`swarm_workflow_*`),
//! exported through OpenTelemetry's Prometheus exporter, and logs and
//! traces (`tracing`, exported over OTLP when configured).

mod metered;
mod metrics;
mod traces;

pub use metered::MeteredStore;
pub use metrics::{CacheKind, Metrics, MetricsError};
pub use traces::{RequestSpan, RequestSpans, Telemetry, TelemetryError, init, trace_headers};
