//! Orchestrator: a DAG workflow engine for security response playbooks.
//!
//! The crate is laid out as the architecture: `spec` turns YAML/JSON
//! definitions into validated, compiled plans; `engine` runs plans as
//! durable state machines; `plugins` are the task types; `store` keeps
//! workflows, executions and their event histories; `server` serves it all
//! over gRPC; `scheduler` starts workflows from cron schedules and events; `cli` is the command line's presentation; `client` is the Rust client of a running server. `proto` holds the one schema everything shares.

#![warn(missing_docs)]

pub mod cli;
pub mod client;
pub mod config;
pub mod engine;
mod panics;
pub mod plugins;
pub mod proto;
pub mod scheduler;
pub mod server;
pub mod spec;
pub mod store;
pub mod telemetry;
