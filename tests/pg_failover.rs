//! A database failover under a running service: a primary and a hot
//! standby (two PostgreSQL clusters of this machine's PostgreSQL on free
//! loopback ports, synchronous streaming replication), two `orchestrator
//! serve` replicas given both hosts with `target_session_attrs=read-write`,
//! runs started steadily; the primary is stopped as a crash would stop it
//! (`pg_ctl stop -m immediate`) and the standby promoted. The replicas
//! must follow the new primary by themselves, every acknowledged run must
//! be there and complete, and the window in which starts were refused is
//! printed (`scripts/pg-failover.sh` shows it).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::server::{Server, client, send};
use reqwest::StatusCode;
use serde_json::json;

/// The newest installed PostgreSQL's programs.
fn pg_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (scripts/setup.sh)")
        .map(|e| e.unwrap().path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an initdb")
}

/// Runs a PostgreSQL program as the `postgres` user (the server refuses
/// to run as root); panics with its output when it fails.
fn pg(program: &str, args: &[&str]) {
    let bin = pg_bin().join(program);
    let mut c = if nix_is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let out = c.args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A cluster's data directory, stopped (immediately) when dropped.
struct Cluster {
    data: PathBuf,
    port: u16,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let bin = pg_bin().join("pg_ctl");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin)
            .args(["-D", &data, "stop", "-m", "immediate"])
            .output();
    }
}

impl Cluster {
    fn append(&self, file: &str, lines: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.data.join(file))
            .unwrap();
        writeln!(f, "{lines}").unwrap();
    }

    fn start(&self) {
        let data = self.data.display().to_string();
        let log = self.data.with_extension("log").display().to_string();
        pg("pg_ctl", &["-D", &data, "-l", &log, "-w", "start"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

/// A primary with a synchronous hot standby, under `dir`.
fn primary_and_standby(dir: &Path) -> (Cluster, Cluster) {
    let primary = Cluster {
        data: dir.join("primary"),
        port: free_port(),
    };
    let p = primary.data.display().to_string();
    pg(
        "initdb",
        &["-D", &p, "-U", "postgres", "--auth=trust", "-N"],
    );
    primary.append(
        "postgresql.conf",
        &format!(
            "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n\
             synchronous_standby_names = '*'",
            primary.port,
            dir.display()
        ),
    );
    primary.start();
    let standby = Cluster {
        data: dir.join("standby"),
        port: free_port(),
    };
    let s = standby.data.display().to_string();
    let from = primary.port.to_string();
    pg(
        "pg_basebackup",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &from,
            "-U",
            "postgres",
            "-D",
            &s,
            "-R",
            "-X",
            "stream",
        ],
    );
    // Promoted, it stands alone: it waits for no standby of its own.
    standby.append(
        "postgresql.auto.conf",
        &format!("port = {}\nsynchronous_standby_names = ''", standby.port),
    );
    standby.start();
    (primary, standby)
}

/// Waits until the primary commits only once the standby has the commit.
async fn synchronous(primary: &Cluster) {
    let pool = sqlx::PgPool::connect(&primary.url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state: Option<String> =
            sqlx::query_scalar("SELECT sync_state FROM pg_stat_replication LIMIT 1")
                .fetch_optional(&pool)
                .await
                .unwrap();
        if state.as_deref() == Some("sync") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the standby never became synchronous"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_follow_a_promoted_standby_and_lose_no_acknowledged_run() {
    let dir = tempfile::tempdir().unwrap();
    // The postgres user works in it.
    let _ = Command::new("chmod").arg("777").arg(dir.path()).status();
    let (primary, standby) = primary_and_standby(dir.path());
    synchronous(&primary).await;
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write",
        primary.port, standby.port
    );
    let env = [("HEARTBEAT_INTERVAL", "500ms"), ("LEASE_TTL", "15s")];
    let fleet = [
        Server::start_with_env(&dir.path().join("a"), &["--store", &url], &env),
        Server::start_with_env(&dir.path().join("b"), &["--store", &url], &env),
    ];
    let (status, w) = send(
        client()
            .post(fleet[0].url("/v1/workflows"))
            .header("Content-Type", "application/yaml")
            .body("name: steady\ntasks:\n  - {id: nap, type: sleep, duration: 200ms}\n"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");

    // Starts every 50 ms for 15 s; the primary crashes after 4.
    let t0 = Instant::now();
    let mut acknowledged = Vec::new();
    let mut refused: Vec<Duration> = Vec::new();
    // Starts that took longer than a normal one could: (sent, answered).
    let mut slow: Vec<(Duration, Duration)> = Vec::new();
    let mut crashed = None;
    let mut promoted = Duration::ZERO;
    for n in 0..300u64 {
        if n == 80 {
            crashed = Some(t0.elapsed());
            let p = primary.data.display().to_string();
            pg("pg_ctl", &["-D", &p, "stop", "-m", "immediate"]);
            let s = standby.data.display().to_string();
            pg("pg_ctl", &["-D", &s, "-w", "promote"]);
            promoted = t0.elapsed();
        }
        let sent = t0.elapsed();
        let r = client()
            .post(fleet[n as usize % 2].url("/v1/run"))
            .json(&json!({"workflow": "steady", "wait": false}))
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        if t0.elapsed() - sent > Duration::from_millis(500) {
            slow.push((sent, t0.elapsed()));
        }
        match r {
            Ok(r) if r.status() == StatusCode::ACCEPTED => {
                let body: serde_json::Value = r.json().await.unwrap();
                acknowledged.push(body["workflow_id"].as_str().unwrap().to_owned());
            }
            _ => refused.push(t0.elapsed()),
        }
        tokio::time::sleep_until((t0 + Duration::from_millis(50 * (n + 1))).into()).await;
    }
    let after = |t: &Duration| t.saturating_sub(crashed.unwrap_or_default()).as_millis();
    let crashed = crashed.unwrap();
    assert!(
        !slow.iter().any(|s| s.0 + Duration::from_secs(1) < crashed),
        "slow before the crash: {slow:?}"
    );

    // Every acknowledged run is on the new primary and ends there.
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in &acknowledged {
        loop {
            let (status, e) =
                send(client().get(fleet[1].url(&format!("/v1/executions/{id}")))).await;
            if status == StatusCode::OK && e["status"] != "running" {
                assert_eq!(e["status"], "completed", "{e}");
                break;
            }
            assert!(Instant::now() < deadline, "{id}: {status} {e}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let pool = sqlx::PgPool::connect(&standby.url()).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM executions WHERE id = ANY($1)")
        .bind(&acknowledged)
        .fetch_one(&pool)
        .await
        .unwrap();
    // Starts wait (the writer tries again) rather than fail while no
    // host takes writes: the window is how long they waited.
    let waited = match (slow.first(), slow.iter().map(|s| s.1).max()) {
        (Some(first), Some(last)) => format!(
            "{} starts waited, from {} ms to {} ms after the crash (longest {} ms)",
            slow.len(),
            after(&first.0),
            after(&last),
            slow.iter()
                .map(|s| (s.1 - s.0).as_millis())
                .max()
                .unwrap_or(0)
        ),
        _ => "no start waited".to_owned(),
    };
    eprintln!(
        "failover (standby promoted {} ms after the crash): {} runs acknowledged, {} lost, {} refused; {waited}",
        after(&promoted),
        acknowledged.len(),
        acknowledged.len() as i64 - stored,
        refused.len()
    );
    assert_eq!(stored, acknowledged.len() as i64, "acknowledged runs lost");
    assert!(
        acknowledged.len() > 200,
        "{} acknowledged",
        acknowledged.len()
    );
    assert!(
        refused.iter().all(|t| *t >= crashed),
        "refused before the crash"
    );
}
