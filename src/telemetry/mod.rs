//! Observability: the brief's Prometheus metrics (`swarm_workflow_*`),
//! exported through OpenTelemetry's Prometheus exporter.

mod metered;
mod metrics;

pub use metered::MeteredStore;
pub use metrics::{Metrics, MetricsError};
