//! `shell`: runs one program from an allow-list with an argv built from the
//! rendered `args`, never through a shell, so a templated value such as
//! `1.2.3.4; rm -rf /` stays one literal argument.
//!
//! The program is resolved against the server's own PATH (never the
//! task's) and run by that absolute path, and `env` may not set the
//! variables that change which code a program loads or runs (PATH, the
//! loader's LD_*, BASH_ENV, PYTHON*, …): either would turn an allow-listed
//! program into any program.
//!
//! The child leads its own process group; when the attempt ends for any
//! reason (done, timeout, cancel) the whole group is killed and reaped, so
//! nothing it started outlives the task.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::process::{GroupChild, read_capped};
use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin, is_templated};
use crate::config::Config;
use crate::proto::ShellConfig;

/// Variables `env` may not set: each makes the loader, a shell or an
/// interpreter load or run code the task chose. Compared without case.
const REFUSED_ENV: &[&str] = &[
    "PATH",
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "IFS",
    "PS4",
    "CDPATH",
    "GLOBIGNORE",
    "PERL5LIB",
    "PERL5OPT",
    "PERLLIB",
    "PERL5DB",
    "RUBYLIB",
    "RUBYOPT",
    "NODE_OPTIONS",
    "NODE_PATH",
    "GCONV_PATH",
    "LOCPATH",
    "NLSPATH",
    "HOSTALIASES",
    "GLIBC_TUNABLES",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_EXEC_PATH",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "LESSOPEN",
    "LESSCLOSE",
];

/// Prefixes of refused variables (the loader's, glibc's allocator's,
/// Python's, exported bash functions).
const REFUSED_ENV_PREFIXES: &[&str] = &["LD_", "DYLD_", "MALLOC_", "PYTHON", "BASH_FUNC_"];

/// Why `env` may not set `name`, if it may not.
fn refuse_env(name: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    if name.is_empty() || name.contains(['=', '\0']) {
        return Some("not a variable name");
    }
    if upper == "PATH" {
        return Some(
            "may not be set: the program is found through the server's PATH, and its children would be found through this one",
        );
    }
    // `BASH_FUNC_name%%` is how bash exports a function.
    if name.contains("%%")
        || REFUSED_ENV.contains(&upper.as_str())
        || REFUSED_ENV_PREFIXES.iter().any(|p| upper.starts_with(p))
    {
        return Some(
            "may not be set: it makes the loader, a shell or an interpreter run code of the task's choosing",
        );
    }
    None
}

/// The problems of an `env` map, as `(env.NAME, message)`.
fn env_problems<'a>(names: impl Iterator<Item = &'a String>) -> Vec<ConfigProblem> {
    let mut p: Vec<ConfigProblem> = names
        .filter_map(|k| refuse_env(k).map(|m| (format!("env.{k}"), m.to_owned())))
        .collect();
    // The map's order is arbitrary; problems come out the same every time.
    p.sort();
    p
}

/// The directory a task asks for under `root`, resolved and checked to be
/// inside it (after following links: `..` and symlinks cannot escape).
fn workdir_in(root: &Path, requested: &str) -> Result<PathBuf, String> {
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

/// Finds a bare program name in `path` (the server's PATH): the first
/// executable file, skipping relative entries, which would be searched
/// from the child's working directory. An absolute name stays as it is.
fn resolve(program: &str, path: Option<&std::ffi::OsStr>) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    if Path::new(program).is_absolute() {
        return Ok(PathBuf::from(program));
    }
    let path = path.unwrap_or_default();
    std::env::split_paths(path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .ok_or_else(|| {
            format!(
                "program '{program}' not found in the server's PATH ({})",
                path.to_string_lossy()
            )
        })
}

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

    fn load(&self) -> super::Load {
        super::Load::Cpu
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
        p.extend(env_problems(cfg.env.keys()));
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
        let key = ctx.idempotency_key();
        let mut config = ctx.config;
        for field in ["args", "env", "stdin"] {
            if let Some(v) = config.get_mut(field) {
                super::stringify_scalars(v);
            }
        }
        let mut cfg: ShellConfig = super::decode(&config)?;
        cfg.env
            .entry("ORCHESTRATOR_IDEMPOTENCY_KEY".to_owned())
            .or_insert(key);
        if let Some(m) = self.refuse(&cfg.program) {
            return Err(TaskError::permanent(m));
        }
        // Definition time refused these already; a definition stored by an
        // older server did not go through that check.
        if let Some((field, m)) = env_problems(cfg.env.keys()).into_iter().next() {
            return Err(TaskError::permanent(format!("{field}: {m}")));
        }
        let (workdir, program) = self.locate(&cfg).await?;
        let cap = super::output_cap(cfg.max_output_bytes, ctx.max_output_bytes);
        run(cfg, program, workdir, &self.options.env_allowlist, cap).await
    }
}

impl ShellPlugin {
    /// The working directory and the program's absolute path, found on a
    /// blocking thread (both read the file system). The program is looked
    /// up once, in the server's PATH, and run by that path.
    async fn locate(&self, cfg: &ShellConfig) -> Result<(PathBuf, PathBuf), TaskError> {
        let root = self.options.workdir_root.clone();
        let requested = cfg.workdir.clone();
        let program = cfg.program.clone();
        let find = move || {
            let workdir = workdir_in(&root, &requested)?;
            let exe = resolve(&program, std::env::var_os("PATH").as_deref())?;
            Ok::<_, String>((workdir, exe))
        };
        tokio::task::spawn_blocking(find)
            .await
            .map_err(|e| TaskError::permanent(format!("locating the program: {e}")))?
            .map_err(TaskError::permanent)
    }
}

async fn run(
    cfg: ShellConfig,
    program: PathBuf,
    workdir: PathBuf,
    inherit: &[String],
    cap: u64,
) -> Result<TaskOutput, TaskError> {
    let mut cmd = Command::new(&program);
    // The program sees the name it was asked by, as from a shell.
    cmd.arg0(&cfg.program)
        .args(&cfg.args)
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
        .stderr(Stdio::piped());
    cmd.current_dir(workdir);
    let mut group = GroupChild::spawn(&mut cmd).map_err(|e| {
        TaskError::permanent(format!(
            "cannot start '{}' ({}): {e}",
            cfg.program,
            program.display()
        ))
    })?;

    let stdin = group.child().stdin.take();
    let input = cfg.stdin.into_bytes();
    let feed = async move {
        if let Some(mut w) = stdin {
            // A child that exits without reading its input is not an error.
            let _ = w.write_all(&input).await;
        }
    };
    let stdout = read_capped(group.child().stdout.take(), cap);
    let stderr = read_capped(group.child().stderr.take(), cap);
    let (_, out, err, status) = tokio::join!(feed, stdout, stderr, group.wait());
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
        let sh_workdir = |w: &str| workdir_in(root.path(), w);
        assert!(sh_workdir("cases").unwrap().ends_with("cases"));
        assert!(sh_workdir("").is_ok());
        assert!(
            sh_workdir("cases/../..")
                .unwrap_err()
                .contains("outside SHELL_WORKDIR_ROOT")
        );
        assert!(
            sh_workdir("/etc")
                .unwrap_err()
                .contains("outside SHELL_WORKDIR_ROOT")
        );
        std::os::unix::fs::symlink("/etc", root.path().join("link")).unwrap();
        assert!(sh_workdir("link").unwrap_err().contains("outside"));
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

    #[test]
    fn env_refuses_loader_shell_and_interpreter_variables_and_path() {
        for name in [
            "PATH",
            "path",
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "DYLD_INSERT_LIBRARIES",
            "BASH_ENV",
            "ENV",
            "BASH_FUNC_ls%%",
            "x%%",
            "SHELLOPTS",
            "IFS",
            "PS4",
            "PYTHONPATH",
            "PYTHONSTARTUP",
            "PYTHONHOME",
            "PERL5LIB",
            "PERL5OPT",
            "PERLLIB",
            "RUBYLIB",
            "RUBYOPT",
            "NODE_OPTIONS",
            "NODE_PATH",
            "GCONV_PATH",
            "LOCPATH",
            "MALLOC_CHECK_",
            "GLIBC_TUNABLES",
            "JAVA_TOOL_OPTIONS",
            "_JAVA_OPTIONS",
            "",
            "A=B",
        ] {
            assert!(refuse_env(name).is_some(), "{name} should be refused");
        }
        for name in [
            "GREETING",
            "LANG",
            "TZ",
            "HTTPS_PROXY",
            "MY_PATH",
            "LDAP_HOST",
        ] {
            assert!(refuse_env(name).is_none(), "{name} should pass");
        }
        let p = plugin(&["sh"])
            .validate(&json!({"program": "sh", "env": {"LD_PRELOAD": "/tmp/x.so", "OK": "1"}}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "env.LD_PRELOAD");
    }

    #[test]
    fn a_bare_name_is_resolved_in_the_given_path_skipping_relative_entries() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (plain, exe) = (dir.path().join("plain"), dir.path().join("exe"));
        for d in [&plain, &exe] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("tool"), "#!/bin/sh\n").unwrap();
        }
        std::fs::set_permissions(exe.join("tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::join_paths([Path::new("."), &plain, &exe]).unwrap();
        assert_eq!(resolve("tool", Some(&path)).unwrap(), exe.join("tool"));
        assert!(
            resolve("missing", Some(&path))
                .unwrap_err()
                .contains("not found in the server's PATH")
        );
        assert_eq!(resolve("/bin/sh", None).unwrap(), PathBuf::from("/bin/sh"));
    }
}
