//! Observability: the brief's Prometheus metrics (`swarm_workflow_*`),
//! exported through OpenTelemetry's Prometheus exporter.

mod metrics;

pub use metrics::{Metrics, MetricsError};
