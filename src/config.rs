//! One configuration tree for the whole process: defaults in one place,
//! overridden by environment variables (names from the product brief), then
//! by command-line flags (applied by `main`).

use std::path::PathBuf;
use std::time::Duration;

/// A configuration value that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An environment variable holds something unusable.
    #[error("{name}: {message}")]
    Invalid {
        /// The variable's name.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// RocksDB directory (`ROCKSDB_PATH`).
    pub data_dir: PathBuf,
    /// Tasks that burn this machine's CPU (python, shell, model) running at
    /// once across all executions (`WORKERS`; default the number of cores).
    pub workers: usize,
    /// Tasks that wait on a service (http, grpc, sql, kafka, sleep, echo)
    /// running at once across all executions (`MAX_INFLIGHT_TASKS`).
    pub max_inflight_tasks: usize,
    /// Entries of the in-memory result cache (`RESULT_CACHE_SIZE`).
    pub result_cache_size: usize,
    /// Bytes the in-memory result cache may take (`RESULT_CACHE_BYTES`).
    pub result_cache_bytes: usize,
    /// Entries of the compiled-plan cache (`WORKFLOW_CACHE_SIZE`).
    pub workflow_cache_size: usize,
    /// RocksDB's block cache in bytes (`ROCKSDB_BLOCK_CACHE_BYTES`).
    pub rocksdb_block_cache_bytes: usize,
    /// RocksDB's memtable size per column family in bytes
    /// (`ROCKSDB_WRITE_BUFFER_BYTES`).
    pub rocksdb_write_buffer_bytes: usize,
    /// Where the Backup RPC writes (`BACKUP_DIR`; default `backups` beside
    /// the data directory).
    pub backup_dir: Option<PathBuf>,
    /// Ended executions' records kept in memory (`EXECUTION_CACHE_SIZE`;
    /// 0 none; RocksDB only).
    pub execution_cache_size: usize,
    /// How long a cached result stays valid unless the task says otherwise (`RESULT_CACHE_TTL`).
    pub result_cache_ttl: Duration,
    /// Programs the shell plugin may run: names or absolute paths
    /// (`SHELL_ALLOWLIST`, comma-separated, plus the lines of the file at
    /// `SHELL_ALLOWLIST_FILE`).
    pub shell_allowlist: Vec<String>,
    /// Variables of the server's environment shell children inherit
    /// (`SHELL_ENV_ALLOWLIST`, comma-separated).
    pub shell_env_allowlist: Vec<String>,
    /// The directory shell tasks run in, and the root their `workdir` must
    /// stay inside (`SHELL_WORKDIR_ROOT`; default the system temp directory).
    pub shell_workdir_root: PathBuf,
    /// Largest task output kept, in bytes of JSON (`MAX_OUTPUT_BYTES`).
    pub max_output_bytes: usize,
    /// Rows an `sql` task returns at most; its `max_rows` may lower it
    /// (`SQL_MAX_ROWS`).
    pub sql_max_rows: usize,
    /// Largest workflow definition accepted, in bytes (`MAX_SPEC_BYTES`).
    pub max_spec_bytes: usize,
    /// Most tasks in one workflow (`MAX_TASKS`).
    pub max_tasks: usize,
    /// Most executions in flight on a server; further runs are refused with
    /// RESOURCE_EXHAUSTED / 429 rather than queued without bound
    /// (`MAX_ACTIVE_EXECUTIONS`).
    pub max_active_executions: usize,
    /// How long ended executions stay in the active table (`ACTIVE_RETENTION`).
    pub active_retention: Duration,
    /// Browser origins (`https://host[:port]`, or `*` for any) that may call
    /// REST, SSE and gRPC-Web from another origin; none by default
    /// (`CORS_ALLOWED_ORIGINS`, comma-separated).
    pub cors_allowed_origins: Vec<String>,
    /// State changes the server-wide feed keeps, so that a watcher that
    /// reconnects misses none (`FEED_BUFFER`).
    pub feed_buffer: usize,
    /// The timeout of tasks that set none, so that a hung call cannot hold
    /// a worker slot forever; 0 means none (`DEFAULT_TASK_TIMEOUT`).
    pub default_task_timeout: Duration,
    /// How long ended executions and their events are kept; 0 keeps them
    /// forever (`EXECUTION_RETENTION`).
    pub execution_retention: Duration,
    /// How long audit records are kept; 0 keeps them forever (`AUDIT_RETENTION`).
    pub audit_retention: Duration,
    /// How often records past their retention are pruned (`PRUNE_INTERVAL`).
    pub prune_interval: Duration,
    /// On PostgreSQL, how often this replica heartbeats
    /// (`HEARTBEAT_INTERVAL`).
    pub heartbeat_interval: Duration,
    /// On PostgreSQL, how long after its last heartbeat another replica
    /// takes this one's executions over (`LEASE_TTL`).
    pub lease_ttl: Duration,
    /// Runs resumed after a restart start at this many a second, evenly
    /// spaced, so that 200 runs interrupted by a crash do not all call the
    /// same services in the same instant; 0 starts them at once
    /// (`RESUME_RATE`).
    pub resume_rate: usize,
    /// Consecutive failures that open an `http` host's circuit; 0 disables
    /// the breaker (`HTTP_BREAKER_FAILURES`).
    pub http_breaker_failures: u32,
    /// How long an open circuit fails calls fast before one probe
    /// (`HTTP_BREAKER_COOLDOWN`).
    pub http_breaker_cooldown: Duration,
    /// Requests of `http` tasks in flight at once to one `host:port`; the
    /// others wait their turn, and a task may only ask for fewer
    /// (`HTTP_MAX_CONNS_PER_HOST`).
    pub http_max_conns_per_host: usize,
    /// The interpreter of `python` tasks (`PYTHON_PATH`).
    pub python_path: PathBuf,
    /// A file of `NAME=value` secrets plugins may name (`SECRETS_FILE`).
    pub secrets_file: Option<PathBuf>,
    /// Where the audit trail is also appended as JSON lines
    /// (`AUDIT_LOG_FILE`), for a SIEM.
    pub audit_log_file: Option<PathBuf>,
    /// Brokers the `kafka` plugin publishes to (`KAFKA_BROKERS`, `host:port,…`).
    pub kafka_brokers: String,
    /// Topics whose messages become `kafka.<topic>` events for the triggers
    /// (`KAFKA_TRIGGER_TOPICS`, comma-separated; none by default).
    pub kafka_trigger_topics: Vec<String>,
    /// The consumer group that reads them (`KAFKA_GROUP_ID`).
    pub kafka_group_id: String,
    /// The local model registry, `<name>/<version>/model.onnx` + `model.json`;
    /// models fetched from `MODEL_REGISTRY_URL` are cached here too (`MODEL_DIR`).
    pub model_dir: PathBuf,
    /// A model registry served over HTTP, for models `MODEL_DIR` lacks
    /// (`MODEL_REGISTRY_URL`).
    pub model_registry_url: Option<String>,
    /// The ONNX Runtime shared library to load (`ORT_DYLIB_PATH`; by default
    /// `libonnxruntime.so` on the loader's search path).
    pub ort_dylib_path: PathBuf,
    /// How long the first call of a model batch waits for others (`MODEL_BATCH_WINDOW`).
    pub model_batch_window: Duration,
    /// Most samples in one inference (`MODEL_BATCH_MAX`).
    pub model_batch_max: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_inflight_tasks: 10_000,
            result_cache_size: 10_000,
            result_cache_bytes: 64 << 20,
            workflow_cache_size: 1_000,
            execution_cache_size: 1_000,
            backup_dir: None,
            rocksdb_block_cache_bytes: crate::store::RocksOptions::default().block_cache_bytes,
            rocksdb_write_buffer_bytes: crate::store::RocksOptions::default().write_buffer_bytes,
            result_cache_ttl: Duration::from_secs(3600),
            shell_allowlist: Vec::new(),
            shell_env_allowlist: ["PATH", "LANG", "LC_ALL", "TZ"].map(String::from).to_vec(),
            shell_workdir_root: std::env::temp_dir(),
            max_output_bytes: 1 << 20,
            sql_max_rows: 1000,
            max_spec_bytes: 4 << 20,
            max_tasks: 100_000,
            max_active_executions: 10_000,
            active_retention: Duration::from_secs(3600),
            feed_buffer: 65_536,
            cors_allowed_origins: Vec::new(),
            resume_rate: 100,
            default_task_timeout: Duration::from_secs(300),
            execution_retention: Duration::from_secs(30 * 24 * 3600),
            audit_retention: Duration::from_secs(366 * 24 * 3600),
            prune_interval: Duration::from_secs(3600),
            heartbeat_interval: Duration::from_secs(2),
            lease_ttl: Duration::from_secs(15),
            http_breaker_failures: 5,
            http_breaker_cooldown: Duration::from_secs(30),
            http_max_conns_per_host: 256,
            python_path: PathBuf::from("python3"),
            secrets_file: None,
            audit_log_file: None,
            kafka_brokers: "localhost:9092".to_owned(),
            kafka_trigger_topics: Vec::new(),
            kafka_group_id: "orchestrator".to_owned(),
            model_dir: PathBuf::from("./models"),
            model_registry_url: None,
            ort_dylib_path: PathBuf::from("libonnxruntime.so"),
            model_batch_window: Duration::from_millis(2),
            model_batch_max: 64,
        }
    }
}

impl Config {
    /// Defaults overridden by the environment of this process.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Defaults overridden by `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut c = Self::default();
        if let Some(v) = lookup("ROCKSDB_PATH").filter(|v| !v.is_empty()) {
            c.data_dir = PathBuf::from(v);
        }
        number(&lookup, "WORKERS", &mut c.workers)?;
        number(&lookup, "MAX_INFLIGHT_TASKS", &mut c.max_inflight_tasks)?;
        number(&lookup, "RESULT_CACHE_SIZE", &mut c.result_cache_size)?;
        number(&lookup, "RESULT_CACHE_BYTES", &mut c.result_cache_bytes)?;
        number(&lookup, "WORKFLOW_CACHE_SIZE", &mut c.workflow_cache_size)?;
        number(&lookup, "EXECUTION_CACHE_SIZE", &mut c.execution_cache_size)?;
        number(
            &lookup,
            "ROCKSDB_BLOCK_CACHE_BYTES",
            &mut c.rocksdb_block_cache_bytes,
        )?;
        number(
            &lookup,
            "ROCKSDB_WRITE_BUFFER_BYTES",
            &mut c.rocksdb_write_buffer_bytes,
        )?;
        number(&lookup, "MAX_OUTPUT_BYTES", &mut c.max_output_bytes)?;
        number(&lookup, "SQL_MAX_ROWS", &mut c.sql_max_rows)?;
        number(&lookup, "MAX_SPEC_BYTES", &mut c.max_spec_bytes)?;
        number(&lookup, "MAX_TASKS", &mut c.max_tasks)?;
        number(
            &lookup,
            "MAX_ACTIVE_EXECUTIONS",
            &mut c.max_active_executions,
        )?;
        duration(&lookup, "RESULT_CACHE_TTL", &mut c.result_cache_ttl)?;
        duration(&lookup, "ACTIVE_RETENTION", &mut c.active_retention)?;
        number(&lookup, "FEED_BUFFER", &mut c.feed_buffer)?;
        number(&lookup, "RESUME_RATE", &mut c.resume_rate)?;
        duration(&lookup, "DEFAULT_TASK_TIMEOUT", &mut c.default_task_timeout)?;
        duration(&lookup, "EXECUTION_RETENTION", &mut c.execution_retention)?;
        duration(&lookup, "AUDIT_RETENTION", &mut c.audit_retention)?;
        duration(&lookup, "PRUNE_INTERVAL", &mut c.prune_interval)?;
        duration(&lookup, "HEARTBEAT_INTERVAL", &mut c.heartbeat_interval)?;
        duration(&lookup, "LEASE_TTL", &mut c.lease_ttl)?;
        duration(
            &lookup,
            "HTTP_BREAKER_COOLDOWN",
            &mut c.http_breaker_cooldown,
        )?;
        number(
            &lookup,
            "HTTP_MAX_CONNS_PER_HOST",
            &mut c.http_max_conns_per_host,
        )?;
        let mut failures = c.http_breaker_failures as usize;
        number(&lookup, "HTTP_BREAKER_FAILURES", &mut failures)?;
        c.http_breaker_failures = u32::try_from(failures).map_err(|_| ConfigError::Invalid {
            name: "HTTP_BREAKER_FAILURES",
            message: format!("{failures} is too large"),
        })?;
        if let Some(v) = lookup("KAFKA_BROKERS").filter(|v| !v.is_empty()) {
            c.kafka_brokers = v;
        }
        if let Some(v) = lookup("KAFKA_TRIGGER_TOPICS") {
            c.kafka_trigger_topics = list(&v, ',');
        }
        if let Some(v) = lookup("KAFKA_GROUP_ID").filter(|v| !v.is_empty()) {
            c.kafka_group_id = v;
        }
        if let Some(v) = lookup("MODEL_DIR").filter(|v| !v.is_empty()) {
            c.model_dir = PathBuf::from(v);
        }
        c.model_registry_url = lookup("MODEL_REGISTRY_URL").filter(|v| !v.is_empty());
        if let Some(v) = lookup("ORT_DYLIB_PATH").filter(|v| !v.is_empty()) {
            c.ort_dylib_path = PathBuf::from(v);
        }
        duration(&lookup, "MODEL_BATCH_WINDOW", &mut c.model_batch_window)?;
        number(&lookup, "MODEL_BATCH_MAX", &mut c.model_batch_max)?;
        if let Some(v) = lookup("SECRETS_FILE").filter(|v| !v.is_empty()) {
            c.secrets_file = Some(PathBuf::from(v));
        }
        if let Some(v) = lookup("BACKUP_DIR").filter(|v| !v.is_empty()) {
            c.backup_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = lookup("AUDIT_LOG_FILE").filter(|v| !v.is_empty()) {
            c.audit_log_file = Some(PathBuf::from(v));
        }
        if let Some(v) = lookup("PYTHON_PATH").filter(|v| !v.is_empty()) {
            c.python_path = PathBuf::from(v);
        }
        if let Some(v) = lookup("SHELL_ALLOWLIST") {
            c.shell_allowlist = list(&v, ',');
        }
        if let Some(path) = lookup("SHELL_ALLOWLIST_FILE").filter(|v| !v.is_empty()) {
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Invalid {
                name: "SHELL_ALLOWLIST_FILE",
                message: format!("{path}: {e}"),
            })?;
            c.shell_allowlist.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(String::from),
            );
        }
        if let Some(v) = lookup("CORS_ALLOWED_ORIGINS") {
            c.cors_allowed_origins = list(&v, ',');
            if let Some(message) = c
                .cors_allowed_origins
                .iter()
                .find_map(|o| origin_problem(o))
            {
                return Err(ConfigError::Invalid {
                    name: "CORS_ALLOWED_ORIGINS",
                    message,
                });
            }
        }
        if let Some(v) = lookup("SHELL_ENV_ALLOWLIST") {
            c.shell_env_allowlist = list(&v, ',');
        }
        if let Some(v) = lookup("SHELL_WORKDIR_ROOT").filter(|v| !v.is_empty()) {
            c.shell_workdir_root = PathBuf::from(v);
        }
        c.validate()?;
        Ok(c)
    }

    /// Checks values that parse but cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.workers == 0 {
            return Err(ConfigError::Invalid {
                name: "WORKERS",
                message: "must be at least 1".into(),
            });
        }
        if self.max_inflight_tasks == 0 {
            return Err(ConfigError::Invalid {
                name: "MAX_INFLIGHT_TASKS",
                message: "must be at least 1".into(),
            });
        }
        if self.model_batch_max == 0 {
            return Err(ConfigError::Invalid {
                name: "MODEL_BATCH_MAX",
                message: "must be at least 1".into(),
            });
        }
        if self.http_max_conns_per_host == 0 {
            return Err(ConfigError::Invalid {
                name: "HTTP_MAX_CONNS_PER_HOST",
                message: "must be at least 1".into(),
            });
        }
        if self.rocksdb_write_buffer_bytes < 64 << 10 {
            return Err(ConfigError::Invalid {
                name: "ROCKSDB_WRITE_BUFFER_BYTES",
                message: "must be at least 65536".into(),
            });
        }
        if self.workflow_cache_size == 0 {
            return Err(ConfigError::Invalid {
                name: "WORKFLOW_CACHE_SIZE",
                message: "must be at least 1".into(),
            });
        }
        if self.heartbeat_interval.is_zero() {
            return Err(ConfigError::Invalid {
                name: "HEARTBEAT_INTERVAL",
                message: "must be more than 0".into(),
            });
        }
        // A lease must outlive a late heartbeat or two, or a replica that
        // is merely slow loses its executions.
        if self.lease_ttl < 3 * self.heartbeat_interval {
            return Err(ConfigError::Invalid {
                name: "LEASE_TTL",
                message: format!(
                    "must be at least 3 heartbeat intervals ({:?})",
                    3 * self.heartbeat_interval
                ),
            });
        }
        Ok(())
    }
}

/// The non-empty, trimmed items of `v` split at `sep`.
fn list(v: &str, sep: char) -> Vec<String> {
    v.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Why `o` is not an origin a browser sends (`scheme://host[:port]`, no
/// path), if it is not; `*` stands for any origin.
fn origin_problem(o: &str) -> Option<String> {
    if o == "*" {
        return None;
    }
    let fine = o.parse::<axum::http::Uri>().ok().is_some_and(|u| {
        matches!(u.scheme_str(), Some("http" | "https"))
            && u.authority().is_some()
            && u.path_and_query()
                .is_none_or(|pq| matches!(pq.as_str(), "" | "/"))
            && !o.ends_with('/')
    });
    (!fine).then(|| {
        format!("{o:?} is not an origin such as https://dashboard.example:8443 (no path), or *")
    })
}

fn number(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    slot: &mut usize,
) -> Result<(), ConfigError> {
    if let Some(v) = lookup(name) {
        *slot = v.trim().parse().map_err(|_| ConfigError::Invalid {
            name,
            message: format!("expected a whole number, got {v:?}"),
        })?;
    }
    Ok(())
}

fn duration(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    slot: &mut Duration,
) -> Result<(), ConfigError> {
    if let Some(v) = lookup(name) {
        *slot = crate::spec::parse_duration(&v)
            .map_err(|message| ConfigError::Invalid { name, message })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn env_overrides_defaults() {
        let c = from(&[
            ("WORKERS", "3"),
            ("SHELL_ALLOWLIST", "echo, /bin/true,,"),
            ("ROCKSDB_PATH", "/tmp/x"),
        ])
        .unwrap();
        assert_eq!(c.workers, 3);
        assert_eq!(c.shell_allowlist, vec!["echo", "/bin/true"]);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(from(&[]).unwrap().workers, cores);
        assert_eq!(from(&[]).unwrap().max_inflight_tasks, 10_000);
        assert_eq!(from(&[]).unwrap().http_max_conns_per_host, 256);
        let c = from(&[("HTTP_MAX_CONNS_PER_HOST", "4")]).unwrap();
        assert_eq!(c.http_max_conns_per_host, 4);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = from(&[("WORKERS", "eight")]).unwrap_err().to_string();
        assert!(e.starts_with("WORKERS:"), "{e}");
        let e = from(&[("WORKERS", "0")]).unwrap_err().to_string();
        assert!(e.contains("at least 1"), "{e}");
        let e = from(&[("HTTP_MAX_CONNS_PER_HOST", "0")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("HTTP_MAX_CONNS_PER_HOST:"), "{e}");
        let e = from(&[("LEASE_TTL", "3s")]).unwrap_err().to_string();
        assert!(
            e.starts_with("LEASE_TTL:") && e.contains("3 heartbeat"),
            "{e}"
        );
        let e = from(&[("HEARTBEAT_INTERVAL", "0s")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("HEARTBEAT_INTERVAL:"), "{e}");
        let c = from(&[("HEARTBEAT_INTERVAL", "200ms"), ("LEASE_TTL", "1s")]).unwrap();
        assert_eq!(c.lease_ttl, Duration::from_secs(1));
        let e = from(&[("ROCKSDB_WRITE_BUFFER_BYTES", "1024")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("ROCKSDB_WRITE_BUFFER_BYTES:"), "{e}");
        let e = from(&[("EXECUTION_CACHE_SIZE", "-1")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("EXECUTION_CACHE_SIZE:"), "{e}");
    }

    #[test]
    fn store_and_cache_knobs_are_read() {
        let c = from(&[
            ("ROCKSDB_BLOCK_CACHE_BYTES", "1073741824"),
            ("ROCKSDB_WRITE_BUFFER_BYTES", "67108864"),
            ("EXECUTION_CACHE_SIZE", "0"),
            ("BACKUP_DIR", "/backups"),
        ])
        .unwrap();
        assert_eq!(c.rocksdb_block_cache_bytes, 1 << 30);
        assert_eq!(c.rocksdb_write_buffer_bytes, 64 << 20);
        assert_eq!(c.execution_cache_size, 0);
        assert_eq!(c.backup_dir, Some(PathBuf::from("/backups")));
    }
}
