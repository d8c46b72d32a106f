//! `python`: runs a script with the interpreter at `PYTHON_PATH` in a
//! separate process that can do little harm: isolated mode (`-I`: no user
//! site, no PYTHON* variables), a clean environment (nothing of the
//! server's), a fresh working directory removed afterwards, resource limits
//! (CPU seconds, address space, open files, processes, file size), an
//! unprivileged user of its own when the server runs as root (so the
//! process limit holds per script and the server's files stay out of
//! reach), and, with
//! `network: false`, its own empty network namespace. The process leads
//! its own group, which is killed when the attempt ends (done, timeout,
//! cancel) and reaped before the attempt is over. Where the kernel has
//! Landlock, the script sees the file system through a ruleset (see
//! `sandbox`): system paths read-only, its working directory read-write,
//! nothing of the data directory or the secrets file.
//!
//! The task's context (`input`, the rendered `body`, `execution_id`,
//! `task_id`, `attempt`) goes in as JSON on stdin; a small wrapper runs the
//! script with it as `context` and writes `result` back on the last line
//! of stdout behind a marker the script's own prints cannot fake by
//! accident.

use std::os::unix::fs::chown;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::process::{GroupChild, read_capped};
use super::sandbox::{self, FsPolicy};
use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin, is_templated};
use crate::config::Config;
use crate::proto::PythonConfig;

/// Marks the wrapper's result line (the wrapper writes the same bytes).
const RESULT_MARK: &str = "\u{1e}orchestrator-result ";

/// Runs the script with `context` and reports `result` behind `RESULT_MARK`.
const WRAPPER: &str = r#"
import json, sys, traceback
ctx = json.loads(sys.stdin.buffer.read())
path = ctx.pop("__file__", None)
source = ctx.pop("__source__", None)
ns = {"__name__": "__main__", "context": ctx, "result": None}
try:
    if path is not None:
        with open(path, "rb") as f:
            source = f.read()
    exec(compile(source, path or "<script>", "exec"), ns)
except SystemExit:
    raise
except BaseException:
    traceback.print_exc()
    sys.exit(1)
if ns.get("result") is not None:
    sys.stdout.write("\n\x1eorchestrator-result " + json.dumps(ns["result"], default=str) + "\n")
"#;

/// Default limits, each overridable per task.
const CPU_SECONDS: u32 = 30;
const MEMORY_MB: u32 = 512;
const OPEN_FILES: u32 = 64;
const PROCESSES: u32 = 16;
const FILE_SIZE: u64 = 64 << 20;
/// Scripts run, when the server is root, as a user of their own from this
/// range (no account needed): the process limit then counts one script's
/// processes only, and no script can signal or read another's.
const SANDBOX_UIDS: std::ops::Range<u32> = 1_900_000_000..1_901_000_000;

/// The next sandbox user.
fn sandbox_uid() -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    SANDBOX_UIDS.start + n % (SANDBOX_UIDS.end - SANDBOX_UIDS.start)
}

/// Where a bare `PYTHON_PATH` is looked for (scripts get the same PATH).
const SCRIPT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Settings of the python plugin.
#[derive(Debug, Clone)]
pub struct PythonOptions {
    /// The interpreter: an absolute path, or a name looked up in
    /// `/usr/local/bin:/usr/bin:/bin`.
    pub interpreter: PathBuf,
    /// The server's own files no script may read (data directory, secrets
    /// file), nor run as its `file`.
    pub private: Vec<PathBuf>,
}

impl From<&Config> for PythonOptions {
    fn from(c: &Config) -> Self {
        Self {
            interpreter: c.python_path.clone(),
            private: std::iter::once(c.data_dir.clone())
                .chain(c.secrets_file.clone())
                .collect(),
        }
    }
}

/// The `python` plugin.
#[derive(Debug)]
pub struct PythonPlugin {
    options: PythonOptions,
    /// The read grants of the sandbox, worked out at the first run.
    policy: Arc<OnceLock<FsPolicy>>,
}

impl PythonPlugin {
    /// A plugin running scripts with `options.interpreter`.
    pub fn new(options: PythonOptions) -> Self {
        Self {
            options,
            policy: Arc::default(),
        }
    }

    /// Whether `file` is a literal path inside one of the private paths
    /// (textually: definition time reads no file system).
    fn names_private(&self, file: &str) -> bool {
        self.options
            .private
            .iter()
            .filter_map(|p| std::path::absolute(p).ok())
            .any(|p| Path::new(file).starts_with(p))
    }
}

/// The interpreter as an absolute path.
fn resolve_interpreter(interpreter: &Path) -> Result<PathBuf, String> {
    if interpreter.components().count() > 1 {
        return std::path::absolute(interpreter).map_err(|e| e.to_string());
    }
    std::env::split_paths(SCRIPT_PATH)
        .map(|dir| dir.join(interpreter))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("not found in {SCRIPT_PATH}"))
}

#[async_trait::async_trait]
impl TaskPlugin for PythonPlugin {
    fn kind(&self) -> &'static str {
        "python"
    }

    fn load(&self) -> super::Load {
        super::Load::Cpu
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cfg = match super::decode::<PythonConfig>(config) {
            Ok(c) => c,
            Err(e) => return vec![(String::new(), e.message)],
        };
        let mut p = Vec::new();
        match (cfg.script.is_empty(), cfg.file.is_empty()) {
            (true, true) => p.push(("script".into(), "required (or file)".into())),
            (false, false) => p.push(("file".into(), "give script or file, not both".into())),
            _ => {}
        }
        if !cfg.file.is_empty() && !is_templated(&cfg.file) {
            if !Path::new(&cfg.file).is_absolute() {
                p.push(("file".into(), "must be an absolute path".into()));
            } else if self.names_private(&cfg.file) {
                p.push((
                    "file".into(),
                    "is inside the server's data directory or secrets file".into(),
                ));
            }
        }
        p
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        let cfg: PythonConfig = super::decode(&ctx.config)?;
        let mut context = Map::new();
        context.insert(
            "body".into(),
            cfg.body
                .as_ref()
                .map_or(Value::Null, crate::proto::pb_to_json),
        );
        context.insert("input".into(), Value::clone(&ctx.input));
        context.insert("execution_id".into(), json!(&*ctx.execution_id));
        context.insert("task_id".into(), json!(&*ctx.task_id));
        context.insert("attempt".into(), json!(ctx.attempt));
        context.insert("idempotency_key".into(), json!(ctx.idempotency_key()));
        if cfg.file.is_empty() {
            context.insert("__source__".into(), Value::String(cfg.script.clone()));
        } else {
            context.insert("__file__".into(), Value::String(cfg.file.clone()));
        }
        let prepared = prepare(
            self.options.clone(),
            self.policy.clone(),
            &cfg,
            Limits::of(&cfg),
        )
        .await?;
        let cap = super::output_cap(cfg.max_output_bytes, ctx.max_output_bytes);
        run(prepared, Value::Object(context), cap).await
    }
}

/// The limits of one run.
#[derive(Debug, Clone, Copy)]
struct Limits {
    cpu_seconds: u64,
    memory_bytes: u64,
    open_files: u64,
    /// None: not limited (a server that is not root would count all of its
    /// own processes against it).
    processes: Option<u64>,
    network: bool,
    /// The user to switch to (when the server is root).
    uid: Option<u32>,
}

impl Limits {
    fn of(cfg: &PythonConfig) -> Self {
        let or = |v: u32, d: u32| u64::from(if v == 0 { d } else { v });
        // SAFETY: geteuid only reads the process's credentials.
        let uid = (unsafe { libc::geteuid() } == 0).then(sandbox_uid);
        Self {
            cpu_seconds: or(cfg.cpu_seconds, CPU_SECONDS),
            memory_bytes: or(cfg.memory_mb, MEMORY_MB) << 20,
            open_files: or(cfg.open_files, OPEN_FILES),
            processes: (uid.is_some() || cfg.processes > 0).then(|| or(cfg.processes, PROCESSES)),
            network: cfg.network.unwrap_or(true),
            uid,
        }
    }

    /// Applies the limits in the child between fork and exec: only
    /// async-signal-safe calls.
    fn apply(&self) -> std::io::Result<()> {
        let set = |resource, soft: u64, hard: u64| {
            let lim = libc::rlimit {
                rlim_cur: soft,
                rlim_max: hard,
            };
            // SAFETY: setrlimit with a valid struct.
            if unsafe { libc::setrlimit(resource, &lim) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        };
        // The soft CPU limit sends SIGXCPU; the hard one a second later kills.
        set(libc::RLIMIT_CPU, self.cpu_seconds, self.cpu_seconds + 1)?;
        set(libc::RLIMIT_AS, self.memory_bytes, self.memory_bytes)?;
        set(libc::RLIMIT_NOFILE, self.open_files, self.open_files)?;
        if let Some(n) = self.processes {
            set(libc::RLIMIT_NPROC, n, n)?;
        }
        set(libc::RLIMIT_FSIZE, FILE_SIZE, FILE_SIZE)?;
        set(libc::RLIMIT_CORE, 0, 0)?;
        // SAFETY: plain syscalls on this (child) process only.
        unsafe {
            if !self.network && libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::other(format!(
                    "network: false needs a network namespace, which this kernel refused: {}",
                    std::io::Error::last_os_error()
                )));
            }
            if let Some(uid) = self.uid
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(uid) != 0
                    || libc::setuid(uid) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

/// What one run needs before the child starts: the interpreter's path, a
/// fresh working directory (the script's user owns it) and the sandbox.
struct Prepared {
    exe: PathBuf,
    dir: tempfile::TempDir,
    ruleset: Option<std::os::fd::OwnedFd>,
    limits: Limits,
}

/// Makes the working directory and the Landlock ruleset, on a blocking
/// thread: both touch the file system.
async fn prepare(
    options: PythonOptions,
    policy: Arc<OnceLock<FsPolicy>>,
    cfg: &PythonConfig,
    limits: Limits,
) -> Result<Prepared, TaskError> {
    let file = (!cfg.file.is_empty()).then(|| PathBuf::from(&cfg.file));
    let work = move || {
        let exe = resolve_interpreter(&options.interpreter).map_err(|e| {
            format!(
                "cannot start {} (PYTHON_PATH): {e}",
                options.interpreter.display()
            )
        })?;
        let policy = policy.get_or_init(|| FsPolicy::new(&exe, &options.private));
        if let Some(f) = &file
            && policy.is_private(f)
        {
            return Err(format!(
                "file {}: inside the server's data directory or secrets file",
                f.display()
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("orchestrator-python-")
            .tempdir()
            .map_err(|e| format!("cannot make a working directory: {e}"))?;
        if let Some(uid) = limits.uid {
            chown(dir.path(), Some(uid), Some(uid))
                .map_err(|e| format!("cannot hand the working directory over: {e}"))?;
        }
        let ruleset = policy.ruleset(dir.path(), file.as_deref())?;
        Ok(Prepared {
            exe,
            dir,
            ruleset,
            limits,
        })
    };
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| TaskError::permanent(format!("preparing the script: {e}")))?
        .map_err(TaskError::permanent)
}

async fn run(p: Prepared, context: Value, cap: u64) -> Result<TaskOutput, TaskError> {
    let Prepared {
        exe,
        dir,
        ruleset,
        limits,
    } = p;
    let mut cmd = Command::new(&exe);
    cmd.arg("-I")
        .arg("-c")
        .arg(WRAPPER)
        .env_clear()
        .env("PATH", SCRIPT_PATH)
        .env("LANG", "C.UTF-8")
        .env("HOME", dir.path())
        .env("TMPDIR", dir.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let landlock = sandbox::raw(&ruleset);
    // SAFETY: `apply` and `restrict_self` make only async-signal-safe
    // calls. The ruleset's descriptor stays open in this process until the
    // child has been spawned.
    unsafe {
        cmd.pre_exec(move || {
            limits.apply()?;
            if landlock >= 0 {
                sandbox::restrict_self(landlock)?;
            }
            Ok(())
        });
    }
    let spawned = GroupChild::spawn(&mut cmd);
    drop(ruleset);
    let mut group = spawned.map_err(|e| {
        TaskError::permanent(format!("cannot start {} (PYTHON_PATH): {e}", exe.display()))
    })?;
    let stdin = group.child().stdin.take();
    let stdout = group.child().stdout.take();
    let stderr = group.child().stderr.take();
    let input = serde_json::to_vec(&context).unwrap_or_default();
    let feed = async move {
        if let Some(mut w) = stdin {
            let _ = w.write_all(&input).await;
        }
    };
    let (_, out, err, status) = tokio::join!(
        feed,
        read_capped(stdout, cap),
        read_capped(stderr, cap),
        group.wait()
    );
    let status = status.map_err(|e| TaskError::permanent(format!("waiting for python: {e}")))?;
    drop(dir);
    let stdout = String::from_utf8_lossy(&out.0).into_owned();
    let stderr = String::from_utf8_lossy(&err.0).into_owned();
    let (printed, result) = split_result(&stdout);
    let mut meta = Map::new();
    meta.insert("stdout".into(), Value::String(printed));
    meta.insert("stderr".into(), Value::String(stderr.clone()));
    meta.insert("exit_code".into(), json!(status.code()));
    if status.success() {
        return Ok(TaskOutput {
            output: result,
            meta,
        });
    }
    Err(TaskError {
        message: failure(&status, &stderr, &limits),
        retryable: false,
        meta,
    })
}

/// The script's own output and its result: the marked line, else a JSON
/// object on the last line printed, else null.
fn split_result(stdout: &str) -> (String, Value) {
    if let Some(at) = stdout.rfind(RESULT_MARK) {
        let value =
            serde_json::from_str(stdout[at + RESULT_MARK.len()..].trim()).unwrap_or(Value::Null);
        return (stdout[..at].trim_end().to_owned(), value);
    }
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    match serde_json::from_str::<Value>(last.trim()) {
        Ok(v @ Value::Object(_)) => (stdout.to_owned(), v),
        _ => (stdout.to_owned(), Value::Null),
    }
}

/// Why the script failed: the traceback's last lines, or the limit that
/// stopped it.
fn failure(status: &std::process::ExitStatus, stderr: &str, limits: &Limits) -> String {
    use std::os::unix::process::ExitStatusExt;
    let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
    let tail: String = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    match status.signal() {
        Some(libc::SIGXCPU) => format!("stopped: CPU limit of {}s reached", limits.cpu_seconds),
        Some(libc::SIGKILL) if stderr.is_empty() => format!(
            "killed (CPU limit of {}s, or the process group was stopped)",
            limits.cpu_seconds
        ),
        Some(sig) => format!(
            "killed by signal {sig}{}",
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        ),
        None if tail.is_empty() => format!("exit code {}", status.code().unwrap_or(-1)),
        None => tail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_line_is_found_behind_the_mark_or_as_a_last_json_object() {
        let marked = format!("hello\n{RESULT_MARK}{{\"a\": 1}}\n");
        assert_eq!(split_result(&marked), ("hello".into(), json!({"a": 1})));
        assert_eq!(
            split_result("log line\n{\"risk\": 0.9}\n"),
            ("log line\n{\"risk\": 0.9}\n".into(), json!({"risk": 0.9}))
        );
        assert_eq!(split_result("just text\n").1, Value::Null);
    }

    #[test]
    fn script_or_file_is_required_and_not_both() {
        let p = PythonPlugin::new(PythonOptions {
            interpreter: "python3".into(),
            private: vec!["/srv/data".into()],
        });
        assert_eq!(p.validate(&json!({}))[0].0, "script");
        assert_eq!(
            p.validate(&json!({"script": "x", "file": "/a.py"}))[0].0,
            "file"
        );
        assert_eq!(p.validate(&json!({"file": "a.py"}))[0].0, "file");
        assert!(p.validate(&json!({"script": "result = 1"})).is_empty());
        assert_eq!(
            p.validate(&json!({"file": "/srv/data/000123.sst"}))[0],
            (
                "file".to_owned(),
                "is inside the server's data directory or secrets file".to_owned()
            )
        );
    }
}
