//! `shell`: runs one program from an allow-list with an argv built from the
//! rendered `args`, never through a shell, so a templated value such as
//! `1.2.3.4; rm -rf /` stays one literal argument.
//!
//! The child leads its own process group; when the attempt ends for any
//! reason (done, timeout, cancel) the whole group is killed, so nothing it
//! started outlives the task.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::process::{GroupGuard, read_capped, wait_then_kill_group};
use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin, is_templated};
use crate::config::Config;
use crate::proto::ShellConfig;

/// Default cap on captured stdout and stderr, each.
const DEFAULT_MAX_OUTPUT: u64 = 1 << 20;

/// Settings of the shell plugin.
#[derive(Debug, Clone, Default)]
pub struct ShellOptions {
    /// Programs allowed: bare names (resolved through PATH) or absolute paths.
    pub allowlist: Vec<String>,
    /// Variables of the server's environment children inherit; everything
    /// else (credentials included) stays out.
    pub env_allowlist: Vec<String>,
    /// Where children run; their `workdir` must stay inside it.
    pub workdir_root: PathBuf,
}

impl From<&Config> for ShellOptions {
    fn from(c: &Config) -> Self {
        Self {
            allowlist: c.shell_allowlist.clone(),
            env_allowlist: c.shell_env_allowlist.clone(),
            workdir_root: c.shell_workdir_root.clone(),
        }
    }
}

/// The `shell` plugin.
#[derive(Debug)]
pub struct ShellPlugin {
    options: ShellOptions,
}

impl ShellPlugin {
    /// A plugin with the given allow-list.
    pub fn new(options: ShellOptions) -> Self {
        Self { options }
    }

    /// The directory a task asks for, resolved and checked to be inside
    /// the root (after following links: `..` and symlinks cannot escape).
    fn workdir(&self, requested: &str) -> Result<PathBuf, String> {
        let root = &self.options.workdir_root;
        let path = root.join(requested);
        let real = path
            .canonicalize()
            .map_err(|e| format!("workdir {}: {e}", path.display()))?;
        let real_root = root
            .canonicalize()
            .map_err(|e| format!("SHELL_WORKDIR_ROOT {}: {e}", root.display()))?;
        if !real.starts_with(&real_root) {
            return Err(format!(
                "workdir {}: outside SHELL_WORKDIR_ROOT ({})",
                path.display(),
                real_root.display()
            ));
        }
        Ok(real)
    }

    /// Why a program may not run, if it may not.
    fn refuse(&self, program: &str) -> Option<String> {
        let allowed = &self.options.allowlist;
        if allowed.is_empty() {
            return Some(format!(
                "program '{program}' is not allowed: the shell allow-list is empty (set SHELL_ALLOWLIST)"
            ));
        }
        let is_path = program.contains('/');
        if is_path && !Path::new(program).is_absolute() {
            return Some(format!(
                "program '{program}': use a bare name or an absolute path"
            ));
        }
        // A bare name allows only that name through PATH; an absolute path
        // allows exactly that file.
        if allowed.iter().any(|a| a == program) {
            None
        } else {
            Some(format!(
                "program '{program}' is not on the shell allow-list ({})",
                allowed.join(", ")
            ))
        }
    }
}

#[async_trait::async_trait]
impl TaskPlugin for ShellPlugin {
    fn kind(&self) -> &'static str {
        "shell"
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cfg = match super::decode::<ShellConfig>(config) {
            Ok(c) => c,
            Err(e) => return vec![(String::new(), e.message)],
        };
        let mut p = Vec::new();
        if cfg.program.is_empty() {
            p.push(("program".into(), "required".into()));
        } else if !is_templated(&cfg.program)
            && let Some(m) = self.refuse(&cfg.program)
        {
            p.push(("program".into(), m));
        }
        let escapes = Path::new(&cfg.workdir)
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
        let outside = Path::new(&cfg.workdir).is_absolute()
            && !Path::new(&cfg.workdir).starts_with(&self.options.workdir_root);
        if !is_templated(&cfg.workdir) && (escapes || outside) {
            p.push((
                "workdir".into(),
                format!(
                    "must stay inside SHELL_WORKDIR_ROOT ({})",
                    self.options.workdir_root.display()
                ),
            ));
        }
        p
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        let mut config = ctx.config;
        for field in ["args", "env", "stdin"] {
            if let Some(v) = config.get_mut(field) {
                super::stringify_scalars(v);
            }
        }
        let cfg: ShellConfig = super::decode(&config)?;
        if let Some(m) = self.refuse(&cfg.program) {
            return Err(TaskError::permanent(m));
        }
        let workdir = self.workdir(&cfg.workdir).map_err(TaskError::permanent)?;
        run(cfg, workdir, &self.options.env_allowlist).await
    }
}

async fn run(
    cfg: ShellConfig,
    workdir: PathBuf,
    inherit: &[String],
) -> Result<TaskOutput, TaskError> {
    let cap = if cfg.max_output_bytes == 0 {
        DEFAULT_MAX_OUTPUT
    } else {
        cfg.max_output_bytes
    };
    let mut cmd = Command::new(&cfg.program);
    cmd.args(&cfg.args)
        .env_clear()
        .envs(
            inherit
                .iter()
                .filter_map(|k| Some((k, std::env::var_os(k)?))),
        )
        .envs(&cfg.env)
        .stdin(if cfg.stdin.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    cmd.current_dir(workdir);
    let mut child = cmd
        .spawn()
        .map_err(|e| TaskError::permanent(format!("cannot start '{}': {e}", cfg.program)))?;
    let group = child.id().map(|pid| GroupGuard(pid as i32));

    let stdin = child.stdin.take();
    let input = cfg.stdin.into_bytes();
    let feed = async move {
        if let Some(mut w) = stdin {
            // A child that exits without reading its input is not an error.
            let _ = w.write_all(&input).await;
        }
    };
    let stdout = read_capped(child.stdout.take(), cap);
    let stderr = read_capped(child.stderr.take(), cap);
    let (_, out, err, status) = tokio::join!(
        feed,
        stdout,
        stderr,
        wait_then_kill_group(&mut child, group.as_ref())
    );
    let status = status.map_err(|e| TaskError::permanent(format!("waiting for child: {e}")))?;

    let stdout_text = String::from_utf8_lossy(&out.0).into_owned();
    let stderr_text = String::from_utf8_lossy(&err.0).into_owned();
    let parsed = serde_json::from_str::<Value>(stdout_text.trim())
        .ok()
        .filter(|_| !stdout_text.trim().is_empty());
    let mut output = Map::new();
    output.insert("exit_code".into(), json!(status.code()));
    output.insert(
        "stdout".into(),
        parsed.unwrap_or(Value::String(stdout_text)),
    );
    output.insert("stderr".into(), Value::String(stderr_text.clone()));
    if out.1 || err.1 {
        output.insert("truncated".into(), Value::Bool(true));
    }
    if status.success() {
        return Ok(TaskOutput::new(Value::Object(output)));
    }
    let why = match status.code() {
        Some(c) => format!("exit code {c}"),
        None => {
            use std::os::unix::process::ExitStatusExt;
            format!("killed by signal {}", status.signal().unwrap_or(0))
        }
    };
    let tail: String = stderr_text
        .trim()
        .chars()
        .rev()
        .take(500)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let message = if tail.is_empty() {
        why
    } else {
        format!("{why}: {tail}")
    };
    let retryable = status
        .code()
        .is_some_and(|c| cfg.retry_on_exit_codes.contains(&c));
    Err(TaskError {
        message,
        retryable,
        meta: output,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(allow: &[&str]) -> ShellPlugin {
        ShellPlugin::new(ShellOptions {
            allowlist: allow.iter().map(|s| s.to_string()).collect(),
            ..ShellOptions::from(&Config::default())
        })
    }

    #[test]
    fn workdir_stays_inside_the_root() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("cases")).unwrap();
        let sh = ShellPlugin::new(ShellOptions {
            workdir_root: root.path().to_owned(),
            ..ShellOptions::default()
        });
        assert!(sh.workdir("cases").unwrap().ends_with("cases"));
        assert!(sh.workdir("").is_ok());
        assert!(
            sh.workdir("cases/../..")
                .unwrap_err()
                .contains("outside SHELL_WORKDIR_ROOT")
        );
        assert!(
            sh.workdir("/etc")
                .unwrap_err()
                .contains("outside SHELL_WORKDIR_ROOT")
        );
        std::os::unix::fs::symlink("/etc", root.path().join("link")).unwrap();
        assert!(sh.workdir("link").unwrap_err().contains("outside"));
        let p = sh.validate(&json!({"program": "x", "workdir": "../up"}));
        assert!(p.iter().any(|(f, _)| f == "workdir"), "{p:?}");
    }

    #[test]
    fn empty_allow_list_refuses_everything() {
        let p = plugin(&[]).validate(&json!({"program": "echo"}));
        assert!(p[0].1.contains("allow-list is empty"), "{p:?}");
    }

    #[test]
    fn bare_name_does_not_allow_a_path_with_that_name() {
        let sh = plugin(&["echo"]);
        assert!(sh.refuse("echo").is_none());
        assert!(sh.refuse("/tmp/evil/echo").is_some());
        assert!(sh.refuse("./echo").is_some());
        assert!(plugin(&["/bin/echo"]).refuse("/bin/echo").is_none());
    }
}
