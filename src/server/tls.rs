//! TLS for both transports (rustls): one acceptor whose configuration is
//! built again when the certificate, key or client CA file changes, so a
//! renewed certificate is served without a restart. With a client CA it
//! requires client certificates (mutual TLS) and names each connection's
//! peer by its certificate's subject, which is the caller's identity when
//! no JWT keys are configured.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How often the files are looked at for a change, at most.
const RECHECK: Duration = Duration::from_secs(1);

/// How long a client may take over its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("TLS: {0}")]
pub struct TlsError(String);

/// The files (env and `serve` flags `TLS_CERT_FILE`, `TLS_KEY_FILE`,
/// `TLS_CLIENT_CA_FILE`).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, PEM.
    pub cert: PathBuf,
    /// Its private key, PEM.
    pub key: PathBuf,
    /// CA certificates that client certificates must chain to; none: no
    /// client certificates asked for.
    pub client_ca: Option<PathBuf>,
}

impl TlsFiles {
    fn paths(&self) -> impl Iterator<Item = &Path> {
        [Some(&self.cert), Some(&self.key), self.client_ca.as_ref()]
            .into_iter()
            .flatten()
            .map(PathBuf::as_path)
    }
}

/// A connection's peer: its address, and its certificate's subject (CN,
/// or the whole distinguished name) under mutual TLS.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The remote address.
    pub addr: SocketAddr,
    /// The client certificate's subject.
    pub subject: Option<String>,
}

/// The serving configuration, built again when its files change.
pub struct Tls {
    files: TlsFiles,
    state: Mutex<State>,
}

struct State {
    config: Arc<ServerConfig>,
    stamps: Vec<Option<SystemTime>>,
    checked: Instant,
}

impl Tls {
    /// Reads the files now; an unreadable or mismatched one is an error.
    pub fn load(files: TlsFiles) -> Result<Self, TlsError> {
        crate::plugins::install_crypto_provider();
        let config = build(&files)?;
        let stamps = stamps(&files);
        Ok(Tls {
            files,
            state: Mutex::new(State {
                config,
                stamps,
                checked: Instant::now(),
            }),
        })
    }

    /// Whether client certificates are required.
    pub fn mutual(&self) -> bool {
        self.files.client_ca.is_some()
    }

    /// The configuration to accept with: rebuilt when a file changed since
    /// the last look (at most once a second); a change that does not load
    /// keeps the last good one, and is logged.
    fn current(&self) -> Arc<ServerConfig> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.checked.elapsed() >= RECHECK {
            state.checked = Instant::now();
            let now = stamps(&self.files);
            if now != state.stamps {
                state.stamps = now;
                match build(&self.files) {
                    Ok(config) => {
                        state.config = config;
                        tracing::info!("TLS certificate files changed: reloaded");
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "TLS files changed but do not load; serving the previous ones")
                    }
                }
            }
        }
        state.config.clone()
    }

    /// Accepts on `listener` until it fails: each connection's handshake
    /// runs on its own task, the finished ones come out of the channel.
    pub fn accept(
        self: Arc<Self>,
        listener: TcpListener,
    ) -> mpsc::Receiver<(TlsStream<TcpStream>, Peer)> {
        let (tx, rx) = mpsc::channel(256);
        tokio::spawn(async move {
            loop {
                let (tcp, addr) = match listener.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                if tx.is_closed() {
                    return;
                }
                let (acceptor, tx) = (TlsAcceptor::from(self.current()), tx.clone());
                tokio::spawn(async move {
                    let shake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
                    let stream = match shake.await {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            return tracing::debug!(%addr, error = %e, "TLS handshake failed");
                        }
                        Err(_) => return tracing::debug!(%addr, "TLS handshake timed out"),
                    };
                    let subject = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .and_then(|c| subject(c));
                    let _ = tx.send((stream, Peer { addr, subject })).await;
                });
            }
        });
        rx
    }
}

fn stamps(files: &TlsFiles) -> Vec<Option<SystemTime>> {
    files
        .paths()
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}

fn build(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let fail =
        |path: &Path, e: &dyn std::fmt::Display| TlsError(format!("{}: {e}", path.display()));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| fail(&files.cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| fail(&files.cert, &e))?;
    if certs.is_empty() {
        return Err(fail(&files.cert, &"no certificate in it"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| fail(&files.key, &e))?;
    let builder = ServerConfig::builder();
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for ca in CertificateDer::pem_file_iter(path).map_err(|e| fail(path, &e))? {
                roots
                    .add(ca.map_err(|e| fail(path, &e))?)
                    .map_err(|e| fail(path, &e))?;
            }
            let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
                .build()
                .map_err(|e| fail(path, &e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| fail(&files.key, &e))?;
    // gRPC speaks HTTP/2; the REST gateway both.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A certificate's subject: its common name, else the whole name.
pub(crate) fn subject(cert: &CertificateDer<'_>) -> Option<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    let name = parsed.subject();
    let cn = name
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok());
    Some(cn.map_or_else(|| name.to_string(), str::to_owned)).filter(|s| !s.is_empty())
}

/// The REST gateway's listener over the acceptor.
pub struct TlsListener {
    connections: mpsc::Receiver<(TlsStream<TcpStream>, Peer)>,
    local: SocketAddr,
}

impl TlsListener {
    /// The listener for connections `tls` accepts on `listener`.
    pub fn new(tls: Arc<Tls>, listener: TcpListener) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        Ok(TlsListener {
            connections: tls.accept(listener),
            local,
        })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = Peer;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.connections.recv().await {
            Some(c) => c,
            // The acceptor only stops when the server does.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(Peer {
            addr: self.local,
            subject: None,
        })
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        stream.remote_addr().clone()
    }
}
