//! The `http` plugin over TLS against a real TLS server on 127.0.0.1 whose
//! certificate a test CA (made here) signed: verified with `ca_file`,
//! refused without it, accepted unverified only with `tls_verify: false`.

mod common;

use std::sync::Arc;

use common::{Probe, memory_engine, output, run_yaml, state, task};
use orchestrator::proto::TaskState;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A CA, and an HTTPS server for 127.0.0.1 with a certificate it signed
/// answering every request with `{"tls": true}`; the CA's PEM and the port.
async fn tls_server() -> (String, u16) {
    let common::tls::TestCa { ca_pem, cert, key } = common::tls::test_ca();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = br#"{"tls": true}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (ca_pem, port)
}

#[tokio::test(flavor = "multi_thread")]
async fn https_is_verified_against_a_custom_ca_and_refused_without_it() {
    let (ca_pem, port) = tls_server().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let engine = memory_engine(&Arc::new(Probe::default()));
    let call = |extra: String| {
        format!(
            "name: t\ntasks:\n  - id: call\n    type: http\n    url: https://127.0.0.1:{port}/check\n{extra}"
        )
    };

    let e = run_yaml(
        &engine,
        &call(format!("    ca_file: {}\n", ca_file.display())),
        json!({}),
    )
    .await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "{}",
        task(&e, "call").error
    );
    assert_eq!(output(&e, "call"), json!({"tls": true}));

    // Verification is on by default: the test CA is not a system root.
    let e = run_yaml(&engine, &call(String::new()), json!({})).await;
    assert_eq!(state(&e, "call"), TaskState::Failed);
    assert!(
        task(&e, "call")
            .error
            .to_lowercase()
            .contains("certificate"),
        "{}",
        task(&e, "call").error
    );

    let e = run_yaml(&engine, &call("    tls_verify: false\n".into()), json!({})).await;
    assert_eq!(
        state(&e, "call"),
        TaskState::Succeeded,
        "{}",
        task(&e, "call").error
    );

    let e = run_yaml(
        &engine,
        &call("    ca_file: /nonexistent/ca.pem\n".into()),
        json!({}),
    )
    .await;
    assert!(
        task(&e, "call")
            .error
            .starts_with("config: ca_file /nonexistent/ca.pem"),
        "{}",
        task(&e, "call").error
    );
}
