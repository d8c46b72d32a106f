//! Stand-ins for the brief's threat-intel, api-gateway and audit-trail
//! services with realistic latencies, for benchmarking the example playbook
//! (scripts/playbook-bench.sh). They answer as scripts/stub_server.py does,
//! after a delay per path, and stay cheap at thousands of requests a second
//! so that the figures measure the engine, not the stand-ins.
//!
//! ```text
//! cargo run --release --example standins -- [--enrich 150ms] [--block 80ms] [--audit 20ms]
//! ```
//! Each service listens on its own free port of 127.0.0.1, as the three
//! would be three hosts, and it prints `enrich=PORT block=PORT audit=PORT`.

use std::time::Duration;

use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The delay of each path, from `--enrich`, `--block` and `--audit`.
struct Delays {
    enrich: Duration,
    block: Duration,
    audit: Duration,
}

impl Delays {
    /// Delays from the command line; the brief's defaults for the rest.
    fn from_args() -> Result<Self, String> {
        let mut d = Delays {
            enrich: Duration::from_millis(150),
            block: Duration::from_millis(80),
            audit: Duration::from_millis(20),
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .ok_or_else(|| format!("{flag}: expected a duration"))?;
            let value = humantime::parse_duration(&value).map_err(|e| format!("{flag}: {e}"))?;
            match flag.as_str() {
                "--enrich" => d.enrich = value,
                "--block" => d.block = value,
                "--audit" => d.audit = value,
                _ => return Err(format!("{flag}: unknown (--enrich, --block, --audit)")),
            }
        }
        Ok(d)
    }
}

/// Indicators starting with "10." score low; the rest high, so the
/// playbook's block step runs.
async fn enrich(delay: Duration, Json(body): Json<Value>) -> Json<Value> {
    tokio::time::sleep(delay).await;
    let indicator = body["indicator"].as_str().unwrap_or_default().to_owned();
    let low = indicator.starts_with("10.");
    Json(json!({
        "ip": indicator,
        "features": if low { [0.1, 0.2, 0.05] } else { [0.9, 0.8, 0.95] },
        "reputation": if low { 0.12 } else { 0.93 },
    }))
}

/// Serves `app` on a free loopback port; returns the port.
async fn serve(app: Router) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let port = listener.local_addr().expect("a bound address").port();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("a stand-in serves") });
    port
}

#[tokio::main]
async fn main() {
    let d = match Delays::from_args() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("standins: {e}");
            std::process::exit(2);
        }
    };
    let (block, audit) = (d.block, d.audit);
    let enrich =
        serve(Router::new().route("/v1/enrich", post(move |body| enrich(d.enrich, body)))).await;
    let block = serve(Router::new().route(
        "/v1/block",
        post(move |Json(body): Json<Value>| async move {
            tokio::time::sleep(block).await;
            Json(json!({"status": "blocked", "ip": body["ip"]}))
        }),
    ))
    .await;
    let audit = serve(Router::new().route(
        "/v1/log",
        post(move || async move {
            tokio::time::sleep(audit).await;
            Json(json!({"status": "logged"}))
        }),
    ))
    .await;
    println!("enrich={enrich} block={block} audit={audit}");
    std::future::pending::<()>().await;
}
