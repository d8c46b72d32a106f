//! What keeps tasks inside their bounds, with the real binary and real
//! processes: `shell`'s `env` cannot change which code runs, a program is
//! run by its path in the server's PATH, a python script of a server that
//! is not root cannot read the server's secrets or data, and `orchestrator
//! run` leaves no process of a killed script behind, whichever way it ends.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use common::server::{Server, client, json_of};
use orchestrator::plugins::{Audit, Registry, TaskContext};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

fn write_exe(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn shell_env_that_changes_the_code_run_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with_env(&dir.path().join("data"), &[], &[("SHELL_ALLOWLIST", "sh")]);
    let c = client();
    for (i, var) in ["LD_PRELOAD", "PATH", "BASH_ENV", "PYTHONPATH"]
        .iter()
        .enumerate()
    {
        let name = format!("env-{i}");
        let wf = json!({"name": name, "tasks": [{"id": "a", "type": "shell", "program": "sh",
            "args": ["-c", "true"], "env": {"GREETING": "hi", *var: "/tmp/x"}}]});
        let (status, body) = json_of(
            c.post(s.url("/v1/workflows"))
                .json(&wf)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{var}: {body}");
        assert_eq!(body["code"], "INVALID_ARGUMENT");
        let details = body["details"].as_array().unwrap();
        assert_eq!(details.len(), 1, "{body}");
        let line = details[0].as_str().unwrap();
        assert!(
            line.starts_with(&format!("task 'a': env.{var}: may not be set")),
            "{line}"
        );
        let (status, _) = json_of(
            c.get(s.url(&format!("/v1/workflows/{name}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{var}: nothing is stored");
    }
    // The same workflow with only an ordinary variable is accepted.
    let ok = json!({"name": "env-ok", "tasks": [{"id": "a", "type": "shell", "program": "sh",
        "args": ["-c", "true"], "env": {"GREETING": "hi"}}]});
    let r = c
        .post(s.url("/v1/workflows"))
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_stored_definition_with_path_in_env_cannot_run_another_program() {
    // A definition stored before the check existed reaches the plugin as is.
    let evil = tempfile::tempdir().unwrap();
    let marker = evil.path().join("ran");
    write_exe(
        &evil.path().join("sh"),
        &format!("#!/bin/sh\ntouch {}\n", marker.display()),
    );
    let config = orchestrator::config::Config::from_lookup(|name| {
        (name == "SHELL_ALLOWLIST").then(|| "sh".to_owned())
    })
    .unwrap();
    let registry = Registry::builtin(&config);
    let shell = registry.get("shell").unwrap();
    let ctx = TaskContext {
        execution_id: Arc::from("e"),
        input: Arc::new(json!({})),
        task_id: Arc::from("a"),
        attempt: 1,
        config: json!({"program": "sh", "args": ["-c", "true"],
            "env": {"PATH": evil.path().display().to_string()}}),
        timeout: None,
        audit: Audit::default(),
        max_output_bytes: 1 << 20,
    };
    let err = shell.execute(ctx).await.unwrap_err();
    assert!(
        err.message.starts_with("env.PATH: may not be set"),
        "{}",
        err.message
    );
    assert!(
        !marker.exists(),
        "the program found through the task's PATH ran"
    );
}

#[test]
fn a_program_runs_from_the_servers_path_never_from_its_working_directory() {
    // A relative entry in the server's PATH would be searched from the
    // child's working directory, which tasks can write to.
    let root = tempfile::tempdir().unwrap();
    write_exe(&root.path().join("sh"), "#!/bin/sh\necho shadowed\n");
    let wf = root.path().join("wf.yaml");
    std::fs::write(
        &wf,
        "name: p\ntasks:\n  - {id: a, type: shell, program: sh, args: ['-c', 'echo real']}\n",
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(["run", "--ephemeral", "--output", "json"])
        .arg(&wf)
        .env_remove("ROCKSDB_PATH")
        .env("PATH", ".:/usr/bin:/bin")
        .env("SHELL_ALLOWLIST", "sh")
        .env("SHELL_WORKDIR_ROOT", root.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(
        summary["task_results"]["a"]["output"]["stdout"], "real\n",
        "{summary}"
    );
}

/// A user with no rights to anything here, and its group.
const NOBODY: u32 = 65534;

fn chown_nobody(path: &Path) {
    std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
}

/// A copy of the server binary that `nobody` can run (the build directory
/// may sit under a home it cannot enter).
fn reachable_binary(dir: &Path) -> PathBuf {
    let bin = dir.join("orchestrator");
    let built = env!("CARGO_BIN_EXE_orchestrator");
    if std::fs::hard_link(built, &bin).is_err() {
        std::fs::copy(built, &bin).unwrap();
    }
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[tokio::test(flavor = "multi_thread")]
async fn python_scripts_of_a_non_root_server_cannot_read_its_secrets_or_data() {
    // SAFETY: geteuid only reads this process's credentials.
    let root = unsafe { libc::geteuid() } == 0;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = d.join("data");
    std::fs::create_dir(&data).unwrap();
    let secrets = d.join("secrets");
    std::fs::write(&secrets, "TOKEN=file-secret-value\n").unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let log = d.join("server.log");
    std::fs::File::create(&log).unwrap();
    let bin = reachable_binary(d);
    if root {
        for p in [d, data.as_path(), secrets.as_path(), log.as_path()] {
            chown_nobody(p);
        }
    }
    // As root, the server is started as nobody; otherwise it is not root
    // already.
    let mut command = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    command
        .current_dir(d)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", d)
        .env("RUST_LOG", "info")
        .env("SECRET_API_TOKEN", "env-secret-value")
        .env("SECRETS_FILE", &secrets)
        .stderr(std::fs::File::options().append(true).open(&log).unwrap());
    let s = Server::start_command(command, &data, &[]);
    let server_pid = s.child.id();
    let current = data.join("CURRENT");
    assert!(current.exists(), "the store has written its files");

    let script = r#"
import os
def attempt(path):
    try:
        with open(path, 'rb') as f:
            return 'read: ' + f.read(300).decode('latin-1')
    except OSError as e:
        return 'denied: %s %s' % (type(e).__name__, e.errno)
result = {name: attempt(path) for name, path in context['body']['paths'].items()}
with open('own.txt', 'w') as f:
    f.write('mine')
result['own'] = attempt('own.txt')
result['system'] = attempt(os.__file__)[:5]
result['uid'] = os.getuid()
"#;
    let paths = json!({
        "environ": format!("/proc/{server_pid}/environ"),
        "secrets": secrets.display().to_string(),
        "data": current.display().to_string(),
    });
    let wf = json!({"name": "snoop", "tasks": [{"id": "s", "type": "python", "script": script,
        "body": {"paths": paths}}]});
    let c = client();
    let r = c
        .post(s.url("/v1/workflows"))
        .json(&wf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (status, run) = json_of(
        c.post(s.url("/v1/run"))
            .json(&json!({"workflow": "snoop"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let seen = &run["task_results"]["s"]["output"];
    assert_eq!(run["task_results"]["s"]["status"], "succeeded", "{run}");
    let uid = seen["uid"].as_u64().unwrap();
    if root {
        assert_eq!(
            uid,
            u64::from(NOBODY),
            "the script runs as the server's user"
        );
    }
    assert_eq!(seen["own"], "read: mine", "{seen}");
    assert_eq!(seen["system"], "read:", "{seen}");
    // Non-dumpable: the server's environment is not there to read.
    assert_eq!(seen["environ"], "denied: PermissionError 13", "{seen}");

    let logged = std::fs::read_to_string(&log).unwrap();
    match orchestrator::plugins::landlock_abi() {
        Ok(_) => {
            assert!(
                logged.contains("python scripts are confined with landlock"),
                "{logged}"
            );
            assert_eq!(seen["secrets"], "denied: PermissionError 13", "{seen}");
            assert_eq!(seen["data"], "denied: PermissionError 13", "{seen}");
        }
        Err(_) => {
            // The documented fallback: file permissions alone, said at start-up.
            assert!(logged.contains("landlock is not available"), "{logged}");
            assert!(
                seen["secrets"]
                    .as_str()
                    .unwrap()
                    .contains("file-secret-value"),
                "{seen}"
            );
        }
    }
}

/// What is left of a process: its state line while it is still in the
/// process table, even as a zombie nobody has reaped. Looked at right after
/// the command exited, without waiting: the command must have reaped
/// everything before exiting (an init that reaps orphans later, as most
/// do, must not make this pass).
fn left(pid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(
        status
            .lines()
            .find(|l| l.starts_with("State:"))
            .unwrap_or("State: ?")
            .to_owned(),
    )
}

/// Starts `orchestrator run` on a python task that starts a child, reports
/// both pids over TCP and sleeps; returns the command and the two pids.
async fn run_a_sleeping_script(
    timeout: &str,
) -> (tokio::process::Child, u32, u32, tempfile::TempDir) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("wf.yaml");
    std::fs::write(
        &wf,
        format!(
            r#"name: sleepy
tasks:
  - id: s
    type: python
    timeout: {timeout}
    body: {{port: {port}}}
    script: |
      import os, socket, subprocess, time
      child = subprocess.Popen(['sleep', '600'])
      s = socket.create_connection(('127.0.0.1', context['body']['port']))
      s.sendall(('%d %d\n' % (os.getpid(), child.pid)).encode())
      s.close()
      time.sleep(600)
"#
        ),
    )
    .unwrap();
    let cli = tokio::process::Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(["run", "--ephemeral"])
        .arg(&wf)
        .env_remove("ROCKSDB_PATH")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (conn, _) = tokio::time::timeout(Duration::from_secs(60), listener.accept())
        .await
        .expect("the script reports its pids")
        .unwrap();
    let mut line = String::new();
    tokio::io::BufReader::new(conn)
        .read_line(&mut line)
        .await
        .unwrap();
    let mut pids = line.split_whitespace().map(|p| p.parse::<u32>().unwrap());
    let (script, child) = (pids.next().unwrap(), pids.next().unwrap());
    assert!(Path::new(&format!("/proc/{child}")).exists());
    (cli, script, child, dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn run_leaves_no_process_of_a_timed_out_script_behind() {
    let (mut cli, script, child, _dir) = run_a_sleeping_script("5s").await;
    let status = tokio::time::timeout(Duration::from_secs(60), cli.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(1), "the run failed on its timeout");
    assert_eq!(left(script), None, "the script {script} is left");
    assert_eq!(left(child), None, "the script's child {child} is left");
}

#[tokio::test(flavor = "multi_thread")]
async fn run_interrupted_by_ctrl_c_leaves_no_process_of_the_script_behind() {
    let (mut cli, script, child, _dir) = run_a_sleeping_script("10m").await;
    // SAFETY: kill only sends a signal to the command this test started.
    unsafe { libc::kill(cli.id().unwrap() as i32, libc::SIGINT) };
    let status = tokio::time::timeout(Duration::from_secs(60), cli.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(1), "the run ended as cancelled");
    assert_eq!(left(script), None, "the script {script} is left");
    assert_eq!(left(child), None, "the script's child {child} is left");
}
