//! The flags every command that calls a server shares — where the server
//! is, the token, TLS, and the output format — defined once on the root
//! command as global flags, so that they are accepted before or after any
//! subcommand (`orchestrator --server h:50051 exec list`, `orchestrator exec
//! list --server h:50051`).

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::client::{Authed, Client, ClientError, TlsOptions};

/// How a command prints what it has to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Tables and lines for people.
    Text,
    /// The API's proto3 JSON, one document per line.
    Json,
    /// The same as YAML.
    Yaml,
}

impl Output {
    /// Prints `value` as one JSON line or one YAML document (`---` first);
    /// false for [`Output::Text`], which the caller words itself.
    pub fn write_document<T: Serialize>(
        self,
        out: &mut dyn Write,
        value: &T,
    ) -> std::io::Result<bool> {
        match self {
            Self::Text => return Ok(false),
            Self::Json => {
                let json = serde_json::to_string(value).map_err(std::io::Error::other)?;
                writeln!(out, "{json}")?;
            }
            Self::Yaml => {
                let yaml = serde_norway::to_string(value).map_err(std::io::Error::other)?;
                write!(out, "---\n{yaml}")?;
            }
        }
        Ok(true)
    }
}

/// Which server to call, how, and the output format.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Client options")]
pub struct ClientArgs {
    /// The server's gRPC address (host:port; `bench`: several, comma-separated).
    #[arg(
        long,
        global = true,
        alias = "grpc",
        env = "ORCHESTRATOR_SERVER",
        default_value = "127.0.0.1:50051"
    )]
    pub server: String,
    /// Bearer token sent with every call (see `orchestrator token`).
    #[arg(
        long,
        global = true,
        env = "ORCHESTRATOR_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Speak TLS, trusting the public web roots (implied by --ca-file).
    #[arg(long, global = true, env = "ORCHESTRATOR_TLS")]
    pub tls: bool,
    /// Speak TLS, trusting the CA certificates (PEM) in this file.
    #[arg(long, global = true, env = "ORCHESTRATOR_CA_FILE", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// This client's certificate (PEM), for a server wanting mutual TLS.
    #[arg(long, global = true, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// This client's private key (PEM); with --client-cert.
    #[arg(long, global = true, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// What to print: text for people, or the API's JSON or YAML.
    #[arg(long, short = 'o', global = true, value_enum, default_value = "text")]
    pub output: Output,
}

impl ClientArgs {
    /// The TLS settings the flags ask for; none for plain HTTP/2.
    pub fn tls(&self) -> Option<TlsOptions> {
        (self.tls || self.ca_file.is_some()).then(|| TlsOptions {
            ca_file: self.ca_file.clone(),
            identity: self.client_cert.clone().zip(self.client_key.clone()),
        })
    }

    /// A channel to `server` (one of `--server`'s addresses) with the flags'
    /// token and TLS.
    pub async fn channel_to(&self, server: &str) -> Result<Authed, ClientError> {
        crate::client::connect_with(server, self.token.as_deref(), self.tls().as_ref()).await
    }

    /// A channel to the flags' server.
    pub async fn channel(&self) -> Result<Authed, ClientError> {
        self.channel_to(&self.server).await
    }

    /// A client of the flags' server.
    pub async fn client(&self) -> Result<Client, ClientError> {
        Client::connect_with(&self.server, self.token.as_deref(), self.tls().as_ref()).await
    }
}
