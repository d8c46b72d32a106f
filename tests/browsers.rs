//! What a browser on another origin needs: CORS on REST/SSE and on the
//! gRPC port (allowed origins configured, none by default), and gRPC-Web
//! over HTTP/1.1 on the gRPC port.

mod common;

use common::server::{Server, client};
use reqwest::header::{HeaderMap, HeaderValue};

const DASHBOARD: &str = "http://dashboard.example:3000";

fn with_origins(origins: &str) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with_env(
        &dir.path().join("data"),
        &[],
        &[("CORS_ALLOWED_ORIGINS", origins)],
    );
    (server, dir)
}

/// A browser's preflight for `method` on `url` from `origin`.
async fn preflight(url: &str, origin: &str, method: &str) -> reqwest::Response {
    client()
        .request(reqwest::Method::OPTIONS, url)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

fn allowed_origin(h: &HeaderMap) -> Option<&HeaderValue> {
    h.get("access-control-allow-origin")
}

#[tokio::test(flavor = "multi_thread")]
async fn only_configured_origins_get_cors_answers_on_both_ports() {
    let (server, _dir) = with_origins(&format!("{DASHBOARD}, https://ops.example"));
    let grpc_url = format!(
        "http://{}/orchestrator.v1.WorkflowService/ListWorkflows",
        server.grpc
    );
    for url in [server.url("/v1/workflows"), grpc_url.clone()] {
        let ok = preflight(&url, DASHBOARD, "POST").await;
        assert!(ok.status().is_success(), "{url}: {}", ok.status());
        assert_eq!(allowed_origin(ok.headers()).unwrap(), DASHBOARD, "{url}");
        let allowed_headers = ok.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap();
        assert!(
            allowed_headers.contains("authorization"),
            "{allowed_headers}"
        );

        let other = preflight(&url, "http://evil.example", "POST").await;
        assert!(
            allowed_origin(other.headers()).is_none(),
            "{url}: {:?}",
            other.headers()
        );
    }
    // A simple GET from an allowed origin carries the header too.
    let r = client()
        .get(server.url("/v1/workflows"))
        .header("Origin", "https://ops.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(allowed_origin(r.headers()).unwrap(), "https://ops.example");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_origin_is_allowed_by_default_and_bad_origins_stop_the_server() {
    let server = Server::start();
    let r = preflight(&server.url("/v1/workflows"), DASHBOARD, "POST").await;
    assert!(allowed_origin(r.headers()).is_none(), "{:?}", r.headers());
    let r = client()
        .get(server.url("/v1/workflows"))
        .header("Origin", DASHBOARD)
        .send()
        .await
        .unwrap();
    assert!(allowed_origin(r.headers()).is_none(), "{:?}", r.headers());

    for bad in [
        "dashboard.example",
        "http://dash.example/app",
        "ftp://x.example",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
            .args([
                "serve",
                "--grpc-addr",
                "127.0.0.1:0",
                "--http-addr",
                "127.0.0.1:0",
            ])
            .env("CORS_ALLOWED_ORIGINS", bad)
            .env("ROCKSDB_PATH", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // A server that accepted the origin would run on: give it 20 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success(), "{bad} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("CORS_ALLOWED_ORIGINS"), "{bad}: {err}");
    }
}

/// A gRPC-Web frame: flag byte, big-endian length, payload.
fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![flag];
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_web_over_http1_answers_with_a_trailer_frame() {
    use prost::Message;

    let (server, _dir) = with_origins(DASHBOARD);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http1 = reqwest::Client::builder().http1_only().build().unwrap();
    let call = |path: &str, body: Vec<u8>| {
        http1
            .post(format!("http://{}{path}", server.grpc))
            .header("content-type", "application/grpc-web+proto")
            .header("x-grpc-web", "1")
            .header("origin", DASHBOARD)
            .body(frame(0, &body))
            .send()
    };

    let r = call("/orchestrator.v1.WorkflowService/ListWorkflows", Vec::new())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), reqwest::Version::HTTP_11);
    assert_eq!(allowed_origin(r.headers()).unwrap(), DASHBOARD);
    let body = r.bytes().await.unwrap();
    // A data frame (an empty list) and then the trailers frame.
    assert_eq!(body[0], 0);
    let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
    orchestrator::proto::ListWorkflowsResponse::decode(&body[5..5 + len]).unwrap();
    let trailers = &body[5 + len..];
    assert_eq!(trailers[0], 0x80, "{body:?}");
    assert!(String::from_utf8_lossy(&trailers[5..]).contains("grpc-status:0"));

    // An error travels the same way: NOT_FOUND for an unknown execution.
    let request = orchestrator::proto::GetExecutionRequest {
        execution_id: "no-such-run".into(),
    };
    let r = call(
        "/orchestrator.v1.ExecutionService/GetExecution",
        request.encode_to_vec(),
    )
    .await
    .unwrap();
    let status = r
        .headers()
        .get("grpc-status")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = r.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&body);
    assert!(
        status.as_deref() == Some("5") || text.contains("grpc-status:5"),
        "{status:?} {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preflights_need_no_token_but_grpc_web_calls_do() {
    use common::auth::Secured;

    let s = Secured::start(&[("CORS_ALLOWED_ORIGINS", DASHBOARD)]);
    let grpc = format!(
        "http://{}/orchestrator.v1.WorkflowService/ListWorkflows",
        s.server.grpc
    );
    // A browser sends its preflight without the token.
    for url in [s.server.url("/v1/workflows"), grpc.clone()] {
        let r = preflight(&url, DASHBOARD, "POST").await;
        assert!(r.status().is_success(), "{url}: {}", r.status());
        assert_eq!(allowed_origin(r.headers()).unwrap(), DASHBOARD, "{url}");
    }
    let http1 = reqwest::Client::builder().http1_only().build().unwrap();
    let call = |token: Option<String>| {
        let mut r = http1
            .post(&grpc)
            .header("content-type", "application/grpc-web+proto")
            .header("origin", DASHBOARD)
            .body(frame(0, &[]));
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.send()
    };
    // Refused in gRPC-Web's own terms, readable by the page.
    let refused = call(None).await.unwrap();
    assert_eq!(allowed_origin(refused.headers()).unwrap(), DASHBOARD);
    let status = refused.headers().get("grpc-status").cloned();
    let body = refused.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&body);
    assert!(
        status.as_ref().is_some_and(|v| v == "16") || text.contains("grpc-status:16"),
        "{status:?} {text}"
    );
    let reader = s.token("dash", &["workflows:read"]);
    let ok = call(Some(reader)).await.unwrap();
    let body = ok.bytes().await.unwrap();
    assert!(
        String::from_utf8_lossy(&body).contains("grpc-status:0"),
        "{body:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_is_served_at_ui_without_a_token_and_kept_to_its_origin() {
    let s = common::auth::Secured::start(&[]);
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = c.get(s.server.url("/ui/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers().clone();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    // Every asset the page names is served, typed, from the binary.
    let assets: Vec<&str> = html
        .split('"')
        .filter(|p| p.starts_with("./assets/"))
        .collect();
    assert!(!assets.is_empty(), "{html}");
    for a in assets {
        let r = c
            .get(s.server.url(&format!("/ui/{}", &a[2..])))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{a}");
        assert!(
            r.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
    }
    let bare = c.get(s.server.url("/ui")).send().await.unwrap();
    assert_eq!(bare.status(), 308);
    assert_eq!(bare.headers()["location"], "/ui/");
    let missing = c.get(s.server.url("/ui/nope.js")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    // The API it calls still wants a token.
    let api = c.get(s.server.url("/v1/workflows")).send().await.unwrap();
    assert_eq!(api.status(), 401);
}
