//! The real `orchestrator serve` process on free ports with a temporary
//! data directory; killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running server.
pub struct Server {
    pub child: Child,
    /// gRPC address (host:port).
    pub grpc: String,
    /// HTTP address (host:port).
    pub http: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts a server on `data` with extra arguments.
    pub fn start_at(data: &Path, extra: &[&str]) -> Server {
        Self::start_with_env(data, extra, &[])
    }

    /// Starts a server on `data` with extra arguments and environment.
    pub fn start_with_env(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_orchestrator"));
        command.env_remove("ROCKSDB_PATH").envs(env.iter().copied());
        Self::start_command(command, data, extra)
    }

    /// Runs `serve` on `data` with extra arguments, expecting it to refuse
    /// to start; its standard error.
    pub fn refused(data: &Path, extra: &[&str]) -> String {
        let mut command = Command::new(env!("CARGO_BIN_EXE_orchestrator"));
        command.env_remove("ROCKSDB_PATH");
        let out = serve_on(&mut command, data, extra)
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success(), "serve started");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Starts `command` (the binary, or a wrapper such as `setpriv` that
    /// runs it) with `serve` and its arguments appended, on `data`.
    pub fn start_command(mut command: Command, data: &Path, extra: &[&str]) -> Server {
        let mut child = serve_on(&mut command, data, extra)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = |key: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .unwrap_or_else(|| panic!("no {key} in the first line {line:?}"))
                .to_owned()
        };
        let (grpc, http) = (addr("grpc="), addr("http="));
        Server {
            child,
            grpc,
            http,
            _dir: None,
        }
    }

    /// Starts a server on a fresh temporary directory.
    pub fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Server::start_at(&dir.path().join("data"), &[]);
        s._dir = Some(dir);
        s
    }

    /// A connected gRPC channel to the server.
    pub async fn channel(&self) -> tonic::transport::Channel {
        tonic::transport::Channel::from_shared(format!("http://{}", self.grpc))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    /// `http://HOST:PORT/path` of the REST gateway.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }
}

/// `command` with `serve` on free loopback ports, on `data`, and `extra`.
fn serve_on<'a>(command: &'a mut Command, data: &Path, extra: &[&str]) -> &'a mut Command {
    command
        .args([
            "serve",
            "--grpc-addr",
            "127.0.0.1:0",
            "--http-addr",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data)
        .args(extra)
}

/// An HTTP client for the REST gateway.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The status and the JSON body of an answer (panics, showing the text,
/// when the body is not JSON).
pub async fn json_of(r: reqwest::Response) -> (reqwest::StatusCode, serde_json::Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")),
    )
}

/// Sends a request; the status and the JSON answer.
pub async fn send(r: reqwest::RequestBuilder) -> (reqwest::StatusCode, serde_json::Value) {
    json_of(r.send().await.unwrap()).await
}
