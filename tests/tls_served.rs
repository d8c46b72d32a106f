//! `serve` over TLS on both ports, on the real process: mutual TLS refuses
//! a client without a certificate and one from another CA, and names the
//! caller by its certificate when no JWT keys are configured; a renewed
//! certificate is served without a restart.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::server::Server;
use common::tls::Ca;
use orchestrator::proto::ListWorkflowsRequest;
use orchestrator::proto::workflow_service_client::WorkflowServiceClient;
use serde_json::Value;

/// Writes the server's certificate and key (and the client CA) into `dir`.
fn server_files(dir: &Path, ca: &Ca, cn: &str) -> Vec<String> {
    let (cert, key) = ca.issue(&["127.0.0.1"], cn);
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.cert.pem()).unwrap();
    ["cert.pem", "key.pem"]
        .iter()
        .map(|f| dir.join(f).to_str().unwrap().to_owned())
        .collect()
}

fn https(ca: &Ca, identity: Option<(String, String)>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.cert.pem().as_bytes()).unwrap()]);
    if let Some((cert, key)) = identity {
        b = b.identity(reqwest::Identity::from_pem(format!("{cert}{key}").as_bytes()).unwrap());
    }
    b.build().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn mutual_tls_names_the_caller_and_refuses_strangers() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let files = server_files(dir.path(), &ca, "orchestrator");
    let client_ca = dir.path().join("ca.pem");
    let s = Server::start_at(
        &dir.path().join("data"),
        &[
            "--tls-cert",
            &files[0],
            "--tls-key",
            &files[1],
            "--tls-client-ca",
            client_ca.to_str().unwrap(),
        ],
    );
    let alice = ca.issue(&[], "alice");
    let url = |path: &str| format!("https://{}{path}", s.http);

    let r = https(&ca, Some(alice.clone()))
        .post(url("/v1/workflows"))
        .header("content-type", "application/yaml")
        .body("name: hi\ntasks:\n  - {id: a, type: echo}\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let audit: Value = https(&ca, Some(alice.clone()))
        .get(url("/v1/audit?action=workflow.create"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["records"][0]["actor"], "alice", "{audit}");

    // No certificate, and one from another CA: the handshake fails.
    assert!(
        https(&ca, None)
            .get(url("/v1/workflows"))
            .send()
            .await
            .is_err()
    );
    let stranger = Ca::new().issue(&[], "mallory");
    assert!(
        https(&ca, Some(stranger.clone()))
            .get(url("/v1/workflows"))
            .send()
            .await
            .is_err()
    );
    // Plain HTTP to the TLS port gets no answer.
    assert!(
        reqwest::get(format!("http://{}/healthz", s.http))
            .await
            .is_err()
    );

    // gRPC the same way.
    let grpc = |identity: Option<(String, String)>| {
        let mut tls = tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(ca.cert.pem()));
        if let Some((cert, key)) = identity {
            tls = tls.identity(tonic::transport::Identity::from_pem(cert, key));
        }
        let endpoint = tonic::transport::Channel::from_shared(format!("https://{}", s.grpc))
            .unwrap()
            .tls_config(tls)
            .unwrap();
        async move {
            let channel = endpoint.connect().await?;
            WorkflowServiceClient::new(channel)
                .list_workflows(ListWorkflowsRequest::default())
                .await
                .map(|r| r.into_inner().workflows.len())
                .map_err(|e| e.to_string().into())
        }
    };
    let listed: Result<usize, Box<dyn std::error::Error>> = grpc(Some(alice)).await;
    assert_eq!(listed.unwrap(), 1);
    let refused: Result<usize, Box<dyn std::error::Error>> = grpc(None).await;
    assert!(refused.is_err());
    let refused: Result<usize, Box<dyn std::error::Error>> = grpc(Some(stranger)).await;
    assert!(refused.is_err());
}

/// The certificate the server at `addr` presents now.
async fn served_certificate(ca: &Ca, addr: &str) -> Vec<u8> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renewed_certificate_is_served_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let files = server_files(dir.path(), &ca, "first");
    let s = Server::start_at(
        &dir.path().join("data"),
        &["--tls-cert", &files[0], "--tls-key", &files[1]],
    );
    let first = served_certificate(&ca, &s.http).await;
    assert_eq!(first, served_certificate(&ca, &s.grpc).await);
    server_files(dir.path(), &ca, "second");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = served_certificate(&ca, &s.http).await;
        if now != first {
            assert_eq!(now, served_certificate(&ca, &s.grpc).await);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the old certificate is still served"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn a_key_without_its_certificate_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(["serve", "--tls-key", "/nonexistent/key.pem", "--data-dir"])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
    let bad = dir.path().join("cert.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let bad = bad.to_str().unwrap();
    let err = Server::refused(
        &dir.path().join("data"),
        &["--tls-cert", bad, "--tls-key", bad],
    );
    assert!(err.contains("TLS") && err.contains("cert.pem"), "{err}");
}
