//! `orchestrator serve --store postgres://…`: the real server keeping
//! everything in the machine's PostgreSQL (a fresh database per test)
//! instead of a data directory, and two servers sharing one database.

mod common;

use common::pg::FreshDatabase;
use common::server::{Server, client, send};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_server_on_postgres_runs_and_remembers_across_a_restart() {
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("unused");
    let url = db.url();
    let c = client();
    let id = {
        let s = Server::start_at(&data, &["--store", &url]);
        let (status, w) = send(
            c.post(s.url("/v1/workflows"))
                .header("Content-Type", "application/yaml")
                .body(std::fs::read_to_string("examples/diamond.yaml").unwrap()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{w}");
        let (status, run) = send(
            c.post(s.url("/v1/run"))
                .json(&json!({"workflow": "diamond"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{run}");
        assert_eq!(run["status"], "completed");
        run["workflow_id"].as_str().unwrap().to_owned()
    };
    assert!(!data.exists(), "nothing is kept in a data directory");
    let s = Server::start_at(&data, &["--store", &url]);
    let (status, e) = send(c.post(s.url("/v1/admin/backup")).json(&json!({}))).await;
    assert_eq!(
        (status, &e["code"]),
        (
            StatusCode::PRECONDITION_FAILED,
            &json!("FAILED_PRECONDITION")
        ),
        "PostgreSQL is backed up by the database: {e}"
    );
    drop(s);

    let s = Server::start_with_env(&data, &[], &[("DATABASE_URL", url.as_str())]);
    let (status, e) = send(c.get(s.url(&format!("/v1/executions/{id}")))).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["status"], "completed");
    assert_eq!(e["task_results"].as_object().unwrap().len(), 4);
    let (_, audit) = send(c.get(s.url("/v1/audit"))).await;
    let actions: Vec<&str> = audit["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"workflow.create"), "{actions:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_database_share_runs_and_fire_each_tick_once() {
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url();
    let a = Server::start_at(&dir.path().join("a"), &["--store", &url]);
    let b = Server::start_at(&dir.path().join("b"), &["--store", &url]);
    let c = client();
    let (status, w) = send(
        c.post(a.url("/v1/workflows"))
            .header("Content-Type", "application/yaml")
            .body(std::fs::read_to_string("examples/diamond.yaml").unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    // Saved on one, run on the other, read back on the first.
    let (status, run) = send(
        c.post(b.url("/v1/run"))
            .json(&json!({"workflow": "diamond"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let id = run["workflow_id"].as_str().unwrap();
    let (status, e) = send(c.get(a.url(&format!("/v1/executions/{id}")))).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["status"], "completed");

    // A schedule made on one fires on both: each tick starts one run.
    let (status, made) = send(c.post(a.url("/v1/schedules")).json(&json!({
        "id": "every-second", "workflow_name": "diamond", "cron_expr": "* * * * * *"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let known = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while send(c.get(b.url("/v1/schedules/every-second"))).await.0 != StatusCode::OK {
        assert!(
            tokio::time::Instant::now() < known,
            "the other server never saw it"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let (status, _) = send(c.post(b.url("/v1/schedules/every-second/pause"))).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let ticks: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT tick_ms, outcome, execution_id FROM schedule_ticks
         WHERE schedule_id = 'every-second' ORDER BY tick_ms",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let runs: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM executions WHERE started_by = 'schedule:every-second' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(ticks.len() >= 5, "{ticks:?}");
    assert!(ticks.iter().all(|(_, o, _)| o == "started"), "{ticks:?}");
    assert!(
        ticks.windows(2).all(|w| w[1].0 - w[0].0 == 1000),
        "a tick was missed: {ticks:?}"
    );
    let mut started: Vec<String> = ticks.into_iter().map(|(_, _, e)| e).collect();
    started.sort();
    assert_eq!(
        started, runs,
        "one run per tick, and no run without its tick"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_is_refused_a_store_url_it_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = Server::refused(
        &dir.path().join("c"),
        &["--store", "mysql://root@127.0.0.1/test"],
    );
    assert!(stderr.contains("expected a PostgreSQL URL"), "{stderr}");
}

/// The server's readiness as a Kubernetes gRPC probe asks for it.
async fn health(s: &Server) -> tonic_health::pb::health_check_response::ServingStatus {
    let mut health = tonic_health::pb::health_client::HealthClient::new(s.channel().await);
    let r = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    r.status()
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_follows_the_store_lease() {
    use tonic_health::pb::health_check_response::ServingStatus;
    let db = FreshDatabase::create().await;
    let proxy = common::proxy::Proxy::start("127.0.0.1:5432").await;
    let url = db.url().replace(":5432/", &format!(":{}/", proxy.port()));
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with_env(
        &dir.path().join("a"),
        &["--store", &url],
        &[("HEARTBEAT_INTERVAL", "200ms"), ("LEASE_TTL", "1s")],
    );
    assert_eq!(health(&s).await, ServingStatus::Serving);

    // Cut from the database, the lease lapses: not ready, yet alive.
    proxy.cut();
    let until = |want: ServingStatus| {
        let s = &s;
        async move {
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
            while health(s).await != want {
                assert!(tokio::time::Instant::now() < deadline, "never {want:?}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    until(ServingStatus::NotServing).await;
    let (status, _) = send(client().get(s.url("/healthz"))).await;
    assert_eq!(status, StatusCode::OK, "liveness does not follow the lease");

    // Back: the heartbeat renews the lease, and the replica is ready again.
    proxy.restore();
    until(ServingStatus::Serving).await;
}
