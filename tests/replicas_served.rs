//! Several real `orchestrator serve` processes on one PostgreSQL database
//! (a fresh one per test), with a short lease (heartbeat 250 ms, TTL
//! 1.5 s) so that takeovers happen within the test: a replica killed with
//! SIGKILL under load, one stopped with SIGSTOP for twice its lease, and
//! replicas killed and restarted while fifty schedules fire every second,
//! and watchers on one replica of runs on the others while every
//! listener connection is cut. What each must show is read back from the
//! database itself. The tests take turns: a dozen debug servers at once
//! on two cores would miss heartbeats for want of CPU, not of design.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::CountingServer;
use common::pg::FreshDatabase;
use common::server::{Server, client, send};
use orchestrator::proto::{ExecutionEvent, execution_event::Kind};
use prost::Message;
use reqwest::StatusCode;
use serde_json::json;

const HEARTBEAT: &str = "250ms";
const TTL: Duration = Duration::from_millis(1500);

/// Held by each test while it runs.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A replica on `db`, its data directory (unused) under `dir`.
fn replica(db: &FreshDatabase, dir: &Path, name: &str) -> Server {
    let url = db.url();
    Server::start_with_env(
        &dir.join(name),
        &["--store", &url],
        &[("HEARTBEAT_INTERVAL", HEARTBEAT), ("LEASE_TTL", "1500ms")],
    )
}

/// Stores a workflow through `s`.
async fn create(s: &Server, yaml: &str) {
    let (status, w) = send(
        client()
            .post(s.url("/v1/workflows"))
            .header("Content-Type", "application/yaml")
            .body(yaml.to_owned()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
}

/// Starts a run on `s` without waiting for it; its id, or None when `s`
/// did not acknowledge it (it is down).
async fn start(s: &Server, workflow: &str, n: usize) -> Option<String> {
    let r = client()
        .post(s.url("/v1/run"))
        .json(&json!({"workflow": workflow, "parameters": {"n": n}, "wait": false}))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    if r.status() != StatusCode::ACCEPTED {
        return None;
    }
    let body: serde_json::Value = r.json().await.ok()?;
    Some(body["workflow_id"].as_str()?.to_owned())
}

/// An execution's stored history, in order.
async fn history(pool: &sqlx::PgPool, id: &str) -> Vec<ExecutionEvent> {
    let rows: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT record FROM events WHERE execution_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(pool)
            .await
            .unwrap();
    rows.iter()
        .map(|r| ExecutionEvent::decode(r.as_slice()).unwrap())
        .collect()
}

/// Waits until every execution of `ids` has ended, as `s` reads them.
async fn all_ended(s: &Server, ids: &[String], within: Duration) {
    let deadline = Instant::now() + within;
    for id in ids {
        loop {
            let (status, e) = send(client().get(s.url(&format!("/v1/executions/{id}")))).await;
            if status == StatusCode::OK && e["status"] != "running" {
                assert_eq!(e["status"], "completed", "{e}");
                break;
            }
            assert!(Instant::now() < deadline, "{id} never ended: {e}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Checks that a history is whole: numbered 1..n with no gap, started
/// once and ended once. Returns the times (Unix ms) its takeovers resumed it.
fn whole(id: &str, events: &[ExecutionEvent]) -> Vec<i64> {
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>(), "{id}");
    let count = |f: fn(&Kind) -> bool| {
        events
            .iter()
            .filter(|e| e.kind.as_ref().is_some_and(f))
            .count()
    };
    assert_eq!(count(|k| matches!(k, Kind::ExecutionStarted(_))), 1, "{id}");
    assert_eq!(count(|k| matches!(k, Kind::ExecutionEnded(_))), 1, "{id}");
    events
        .iter()
        .filter(|e| matches!(e.kind, Some(Kind::ExecutionResumed(_))))
        .map(|e| e.time.as_ref().map_or(0, orchestrator::proto::timestamp_ms))
        .collect()
}

/// A counter of a replica's `/metrics`, 0 when absent.
async fn counter(s: &Server, name: &str) -> f64 {
    let text = client()
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn signal(s: &Server, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &s.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_killed_under_load_loses_no_run_and_forks_no_history() {
    let _turn = TURN.lock().await;
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let peer = CountingServer::start().await;
    let mut fleet: Vec<Server> = ["a", "b", "c"]
        .iter()
        .map(|n| replica(&db, dir.path(), n))
        .collect();
    create(
        &fleet[0],
        &format!(
            r#"
name: steady
tasks:
  - {{id: first, type: http, method: POST, url: "{0}/first/{{{{ input.n }}}}"}}
  - {{id: pause, type: sleep, duration: 700ms, depends_on: [first]}}
  - {{id: last, type: http, method: POST, url: "{0}/last/{{{{ input.n }}}}", depends_on: [pause]}}
"#,
            peer.url("").trim_end_matches('/')
        ),
    )
    .await;
    // 20 runs a second across the three for four seconds; the first one
    // is killed after two.
    let mut ids: Vec<(usize, String)> = Vec::new();
    let mut killed_at = None;
    let t0 = Instant::now();
    for n in 0..80 {
        if n == 40 {
            fleet[0].child.kill().unwrap();
            killed_at = Some(now_ms());
        }
        if let Some(id) = start(&fleet[n % 3], "steady", n).await {
            ids.push((n, id));
        }
        tokio::time::sleep_until((t0 + Duration::from_millis(50 * n as u64 + 50)).into()).await;
    }
    let killed_at = killed_at.unwrap();
    let ids_only: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
    assert!(ids.len() >= 60, "only {} of 80 acknowledged", ids.len());
    all_ended(&fleet[1], &ids_only, Duration::from_secs(60)).await;

    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    let mut takeovers = Vec::new();
    for (n, id) in &ids {
        let resumed = whole(id, &history(&pool, id).await);
        takeovers.extend(resumed.iter().map(|at| at - killed_at));
        // Calls repeat only for runs taken over, and only once.
        for task in ["first", "last"] {
            let calls = peer.count(&format!("{task}/{n}"));
            let most = if resumed.is_empty() { 1 } else { 2 };
            assert!(
                (1..=most).contains(&calls),
                "{task} of run {n} ({id}): {calls} calls"
            );
        }
    }
    assert!(!takeovers.is_empty(), "the killed replica ran nothing");
    takeovers.sort_unstable();
    let pick = |q: f64| takeovers[((takeovers.len() - 1) as f64 * q) as usize];
    eprintln!(
        "takeover after kill -9 (TTL {TTL:?}): {} runs, min {} ms, median {} ms, p90 {} ms, max {} ms",
        takeovers.len(),
        pick(0.0),
        pick(0.5),
        pick(0.9),
        pick(1.0)
    );
    assert!(
        pick(1.0) < (TTL + Duration::from_secs(5)).as_millis() as i64,
        "{takeovers:?}"
    );
    drop(fleet.remove(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_stopped_for_twice_its_lease_is_fenced_then_carries_on() {
    let _turn = TURN.lock().await;
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let peer = CountingServer::start().await;
    let zombie = replica(&db, dir.path(), "zombie");
    let other = replica(&db, dir.path(), "other");
    create(
        &zombie,
        &format!(
            r#"
name: nap
tasks:
  - {{id: nap, type: sleep, duration: 1s}}
  - {{id: after, type: http, method: POST, url: "{0}/after/{{{{ input.n }}}}", depends_on: [nap]}}
"#,
            peer.url("").trim_end_matches('/')
        ),
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(start(&zombie, "nap", n).await.unwrap());
    }
    signal(&zombie, "-STOP");
    tokio::time::sleep(2 * TTL + Duration::from_millis(500)).await;
    signal(&zombie, "-CONT");
    all_ended(&other, &ids, Duration::from_secs(30)).await;
    // What the zombie did after waking was fenced or dropped: every run
    // called its peer once, and its history is whole.
    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(whole(id, &history(&pool, id).await).len(), 1, "{id}");
        assert_eq!(peer.count(&format!("after/{n}")), 1, "run {n}");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let (fenced, lost) = loop {
        let fenced = counter(&zombie, "swarm_workflow_fenced_writes_total").await;
        let lost = counter(&zombie, "swarm_workflow_executions_lost_total").await;
        if lost >= 5.0 || Instant::now() > deadline {
            break (fenced, lost);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!("zombie after SIGSTOP for 2 x TTL: {fenced} writes fenced, {lost} executions lost");
    assert_eq!(lost, 5.0, "it let go of every run it had");
    // It heartbeats again and runs what it is given.
    let id = start(&zombie, "nap", 99).await.unwrap();
    all_ended(&zombie, &[id], Duration::from_secs(30)).await;
    assert_eq!(peer.count("after/99"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_schedules_fire_each_tick_once_while_replicas_are_killed_and_restarted() {
    let _turn = TURN.lock().await;
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let mut fleet: Vec<Server> = (0..3)
        .map(|i| replica(&db, dir.path(), &format!("r{i}")))
        .collect();
    create(
        &fleet[0],
        "name: tick\ntasks:\n  - {id: nap, type: sleep, duration: 10ms}\n",
    )
    .await;
    for i in 0..50 {
        let (status, s) = send(
            client()
                .post(fleet[i % 3].url("/v1/schedules"))
                .json(&json!({
                    "id": format!("s{i:02}"), "workflow_name": "tick", "cron_expr": "* * * * * *",
                    "catch_up": "all",
                })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
    }
    // Seconds of churn: every 3 s one replica is killed and, a second
    // later, started again; the others go on.
    let seconds: u64 = std::env::var("CHURN_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let mut seed = 0x9e37_79b9_u32;
    let mut restarts = 0;
    let end = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_secs(2)).await;
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let i = seed as usize % fleet.len();
        fleet[i].child.kill().unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        fleet[i] = replica(&db, dir.path(), &format!("r{i}-{restarts}"));
        restarts += 1;
    }
    drop(fleet);

    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT schedule_id, tick_ms, outcome, execution_id FROM schedule_ticks
         ORDER BY schedule_id, tick_ms",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut by_schedule: HashMap<String, Vec<(i64, String, String)>> = HashMap::new();
    for (s, t, o, e) in rows {
        by_schedule.entry(s).or_default().push((t, o, e));
    }
    assert_eq!(by_schedule.len(), 50);
    let mut ticks = 0;
    for (s, t) in &by_schedule {
        assert!(t.len() as u64 >= seconds - 2, "{s}: {} ticks", t.len());
        assert!(
            t.windows(2).all(|w| w[1].0 - w[0].0 == 1000),
            "{s} missed a tick: {t:?}"
        );
        assert!(t.iter().all(|(_, o, _)| o == "started"), "{s}: {t:?}");
        ticks += t.len();
    }
    let (runs, distinct): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT id) FROM executions WHERE started_by LIKE 'schedule:%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM schedule_ticks t JOIN executions e ON e.id = t.execution_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    eprintln!(
        "{ticks} ticks of 50 schedules over {seconds} s with {restarts} kill -9 and restarts: {runs} runs"
    );
    assert_eq!(
        (runs, distinct, linked),
        (ticks as i64, ticks as i64, ticks as i64)
    );
}

/// The sequence numbers of an execution's events as its SSE stream on
/// `s` sends them, until the stream ends.
async fn sse_ids(s: &Server, id: &str) -> Vec<u64> {
    let mut r = client()
        .get(s.url(&format!("/v1/executions/{id}/events")))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut text = String::new();
    while let Some(chunk) = r.chunk().await.unwrap() {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().parse().unwrap())
        .collect()
}

/// Follows the server-wide feed of `s` from now until it has shown
/// `runs` executions end; each execution's sequence numbers as shown.
async fn feed_of(
    s: &Server,
    runs: usize,
) -> impl std::future::Future<Output = HashMap<String, Vec<u64>>> + use<> {
    let mut r = client()
        .get(s.url("/v1/executions/stream?workflow=steps"))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    async move {
        let (mut seen, mut ended, mut text) =
            (HashMap::<String, Vec<u64>>::new(), 0, String::new());
        while ended < runs {
            let chunk = r.chunk().await.unwrap().expect("the feed went on");
            text.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(at) = text.find("\n\n") {
                let frame: String = text.drain(..at + 2).collect();
                let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:")) else {
                    continue;
                };
                let change: serde_json::Value = serde_json::from_str(data.trim()).unwrap();
                let id = change["workflow_id"].as_str().unwrap().to_owned();
                seen.entry(id)
                    .or_default()
                    .push(change["seq"].as_u64().unwrap());
                ended += usize::from(change["kind"] == "execution_ended");
            }
        }
        seen
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn watchers_on_one_replica_see_every_event_of_the_others_runs_once_in_order() {
    let _turn = TURN.lock().await;
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let fleet: Vec<Server> = ["a", "b", "c"]
        .iter()
        .map(|n| replica(&db, dir.path(), n))
        .collect();
    create(
        &fleet[0],
        "name: steps\ntasks:\n  - {id: one, type: sleep, duration: 300ms}\n  - {id: two, type: sleep, duration: 300ms, depends_on: [one]}\n  - {id: three, type: sleep, duration: 300ms, depends_on: [two]}\n",
    )
    .await;
    let feed = feed_of(&fleet[0], 6).await;
    let mut watchers = Vec::new();
    for n in 0..6 {
        let id = start(&fleet[1 + n % 2], "steps", n).await.unwrap();
        let a = &fleet[0];
        watchers.push(async move { (id.clone(), sse_ids(a, &id).await) });
    }
    let watching = futures::future::join_all(watchers);
    let cut = async {
        // Mid-run, every replica's listener connection is cut.
        tokio::time::sleep(Duration::from_millis(400)).await;
        common::pg::cut_listeners(&db.url()).await
    };
    let (seen, cut, fed) = tokio::join!(watching, cut, feed);
    assert!(cut >= 3, "only {cut} listeners cut");
    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    assert_eq!(fed.len(), seen.len(), "{fed:?}");
    for (id, seqs) in seen {
        let n = history(&pool, &id).await.len() as u64;
        assert_eq!(seqs, (1..=n).collect::<Vec<_>>(), "{id}");
        // The feed of the replica that ran none of them shows them all,
        // once, in order.
        assert_eq!(fed[&id], seqs, "{id} in the feed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decision_sent_to_another_replica_reaches_the_approval_where_it_waits() {
    let _turn = TURN.lock().await;
    let db = FreshDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (replica(&db, dir.path(), "a"), replica(&db, dir.path(), "b"));
    create(
        &a,
        "name: gate\ntasks:\n  - {id: ok, type: approval, message: \"go?\", input: {ticket: {required: true}}}\n  - {id: after, type: echo, depends_on: [ok], body: {t: \"{{ ok.input.ticket }}\"}}\n",
    )
    .await;
    let id = start(&a, "gate", 0).await.expect("a accepted the run");
    // b lists it from the store, though a runs it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, list) = send(client().get(b.url("/v1/approvals"))).await;
        if list["approvals"][0]["execution_id"] == id.as_str() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "b never listed the approval: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = b.url(&format!("/v1/approvals/{id}/ok"));
    // b checks the input against the stored request before asking a.
    let (status, e) = send(client().post(&url).json(&json!({"decision": "approve"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["message"], "input.ticket: required to approve");
    let body = json!({"decision": "approve", "reason": "via b", "input": {"ticket": "T-1"}});
    let (status, d) = send(client().post(&url).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["decided_by"], "rest");
    let (status, e) = send(client().get(a.url(&format!("/v1/executions/{id}")))).await;
    assert_eq!(status, StatusCode::OK);
    // Answered once recorded: the approval's end is stored already.
    assert_eq!(e["task_results"]["ok"]["status"], "succeeded", "{e}");
    assert_eq!(e["task_results"]["ok"]["output"]["reason"], "via b");
    all_ended(&a, std::slice::from_ref(&id), Duration::from_secs(10)).await;
    let (_, e) = send(client().get(a.url(&format!("/v1/executions/{id}")))).await;
    assert_eq!(e["task_results"]["after"]["output"], json!({"t": "T-1"}));
    // A second decision finds nothing waiting, on either replica.
    let (status, _) = send(client().post(&url).json(&body)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM approval_decisions")
            .fetch_one(&pool)
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the handed decision is never forgotten"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
