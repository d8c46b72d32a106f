//! The `orchestrator` command: validate, run, resume and draw workflows,
//! serve them, drive a running server (`workflow`, `exec`, ...), load
//! one, and check cron expressions.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use orchestrator::cli::{self, ClientArgs, GraphFormat, RunArgs, StoreChoice};
use orchestrator::config::Config;
use orchestrator::server::{self, ServeOptions};

// The engine allocates many small, short-lived values (events, JSON);
// mimalloc serves them markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (its position in `mi_option_t`, which
/// the crate does not name).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory for 10 s before handing it back to the OS (mimalloc's
/// default is 1 s; jemalloc's decay is 10 s). A server that is busy every
/// second (10,000 schedules firing) otherwise returns a burst's pages just
/// as the next burst needs them again, and pays in page faults and TLB
/// shootdowns on every core. `MIMALLOC_PURGE_DELAY` still decides when set.
fn keep_freed_memory_longer() {
    // SAFETY: called first in main, before any other thread exists (the
    // option table is not synchronised); set_default leaves a value taken
    // from the environment alone.
    unsafe { libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, 10_000) }
}

#[derive(Parser)]
#[command(
    name = "orchestrator",
    version,
    about = "A DAG workflow engine for security response playbooks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The flags of every command that calls a server, and the output
    /// format; accepted anywhere on the line.
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Check workflow files; one line per problem on stderr.
    Validate {
        /// YAML or JSON definition files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a workflow file to its end.
    Run {
        /// YAML or JSON definition file.
        file: PathBuf,
        /// A parameter, KEY=VALUE (VALUE is JSON when it parses as JSON, else text).
        #[arg(long = "input", value_name = "KEY=VALUE")]
        inputs: Vec<String>,
        /// Parameters as one JSON object (--input pairs override its keys).
        #[arg(long, value_name = "JSON")]
        input_json: Option<String>,
        /// RocksDB directory [env: ROCKSDB_PATH, default ./data].
        #[arg(long, value_name = "DIR", conflicts_with = "ephemeral")]
        data_dir: Option<PathBuf>,
        /// Keep nothing: record in memory only.
        #[arg(long)]
        ephemeral: bool,
    },
    /// Continue the unfinished executions of a data directory.
    Resume {
        /// RocksDB directory [env: ROCKSDB_PATH, default ./data].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Serve the gRPC API over the embedded store; resumes unfinished runs.
    Serve {
        /// gRPC listen address.
        #[arg(long, env = "GRPC_ADDR", default_value = "127.0.0.1:50051")]
        grpc_addr: std::net::SocketAddr,
        /// REST/HTTP listen address.
        #[arg(long, env = "HTTP_ADDR", default_value = "127.0.0.1:8080")]
        http_addr: std::net::SocketAddr,
        /// RocksDB directory [env: ROCKSDB_PATH, default ./data].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Keep everything in PostgreSQL instead (postgres://user@host/db).
        #[arg(long = "store", env = "DATABASE_URL", value_name = "URL", value_parser = parse_store_url)]
        store_url: Option<String>,
        /// How long running executions may take to finish at shutdown.
        #[arg(long, env = "SHUTDOWN_GRACE", default_value = "30s", value_parser = parse_duration)]
        grace: std::time::Duration,
        #[command(flatten)]
        auth: Box<AuthArgs>,
        /// TLS certificate chain (PEM) for both ports; with --tls-key.
        #[arg(long, env = "TLS_CERT_FILE", value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM); with --tls-cert.
        #[arg(long, env = "TLS_KEY_FILE", value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// CA certificates client certificates must chain to (mutual TLS).
        #[arg(
            long,
            env = "TLS_CLIENT_CA_FILE",
            value_name = "FILE",
            requires = "tls_cert"
        )]
        tls_client_ca: Option<PathBuf>,
        /// Serve on a non-loopback address without authentication.
        #[arg(long)]
        insecure_no_auth: bool,
    },
    /// Load a running server: N clients run a workflow, figures as text and JSON.
    Bench {
        /// Define and run through the REST gateway at this base URL; no gRPC.
        #[arg(long, value_name = "URL")]
        rest: Option<String>,
        /// Workflow to run.
        #[arg(long)]
        workflow: String,
        /// Create (or update) the workflow from this file first.
        #[arg(long, value_name = "FILE")]
        define: Option<PathBuf>,
        /// Clients running at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// How long to run.
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        duration: std::time::Duration,
        /// Runs per second in all (open loop); default: as fast as answers come.
        #[arg(long)]
        rate: Option<f64>,
        /// A parameter of every run (repeatable); `{n}` in VALUE becomes the
        /// run's number, e.g. `indicator=198.51.100.{n}`.
        #[arg(long = "input", value_name = "KEY=VALUE")]
        inputs: Vec<String>,
        /// Also follow the live feed (WatchExecutions) with N watchers and
        /// report each change's delivery delay.
        #[arg(long, default_value_t = 0)]
        watchers: usize,
    },
    /// Mint an HS256 token for a server with AUTH_JWT_SECRET_FILE (local use, tests).
    Token {
        /// The server's HS256 secret.
        #[arg(long, value_name = "FILE")]
        secret_file: PathBuf,
        /// Who the token names (`sub`).
        #[arg(long)]
        sub: String,
        /// Permissions, comma-separated (workflows:read, workflows:write,
        /// workflows:run, workflows:cancel, schedules:admin, events:publish,
        /// approvals:decide, admin).
        #[arg(long, value_delimiter = ',')]
        permissions: Vec<String>,
        /// How long it is valid.
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        ttl: std::time::Duration,
        /// `iss`, for a server with AUTH_ISSUER.
        #[arg(long)]
        issuer: Option<String>,
        /// `aud`, for a server with AUTH_AUDIENCE.
        #[arg(long)]
        audience: Option<String>,
    },
    #[command(flatten)]
    Remote(cli::remote::RemoteCommand),
    /// A shell completion script on standard output.
    Completions {
        /// The shell.
        shell: cli::Shell,
    },
    /// Load a running server with N schedules firing every second; tick latency.
    BenchSchedules {
        /// Schedules to create.
        #[arg(long, default_value_t = 10_000)]
        schedules: usize,
        /// How long to let them fire.
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        duration: std::time::Duration,
    },
    /// Load a running server with events to 100 triggers with filters.
    BenchEvents {
        /// Events per second in all.
        #[arg(long, default_value_t = 10_000.0)]
        rate: f64,
        /// Publishing clients.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// How long to publish.
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        duration: std::time::Duration,
    },
    /// Write a server's workflows (every version), schedules and triggers
    /// as one YAML document, JSON with -o json (webhook secrets read as ***).
    Export {
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        to: Option<PathBuf>,
    },
    /// Apply an export document to a server: checked whole first, then
    /// only what differs is written (a second import writes nothing).
    Import {
        /// The document (YAML or JSON).
        file: PathBuf,
        /// List the writes without making them.
        #[arg(long)]
        dry_run: bool,
    },
    /// A RocksDB checkpoint: of the running server of --server (written
    /// under its BACKUP_DIR; the token needs the admin permission), or of a
    /// stopped server's data directory (--data-dir and --to). A server
    /// starts on it as its data directory.
    Backup {
        /// The backup's name under the server's BACKUP_DIR (default: by time).
        #[arg(long, default_value = "", conflicts_with = "data_dir")]
        name: String,
        /// The stopped server's data directory.
        #[arg(long, value_name = "DIR", requires = "to")]
        data_dir: Option<PathBuf>,
        /// Where the offline backup goes (a new directory).
        #[arg(long, value_name = "DIR", requires = "data_dir")]
        to: Option<PathBuf>,
    },
    /// Print a workflow's DAG.
    Graph {
        /// YAML or JSON definition file.
        file: PathBuf,
        /// Output syntax.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
    },
}

fn main() -> ExitCode {
    keep_freed_memory_longer();
    let cli = Cli::parse();
    let _telemetry = match orchestrator::telemetry::init() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(cli::EXIT_USAGE as u8);
        }
    };
    match real_main(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(cli::EXIT_USAGE as u8)
        }
    }
}

/// How long an exiting command waits for killed process groups to be
/// reaped (a process stuck in the kernel can outlast SIGKILL).
const REAP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Before a command that runs tasks: the process becomes non-dumpable (no
/// core dump, no `/proc/<pid>/environ` for scripts of the same user to
/// read the secrets from), and the command line also a subreaper, so the
/// orphans of a killed script come back to it to be reaped before it exits.
fn harden(subreaper: bool) {
    if let Err(e) = orchestrator::plugins::set_non_dumpable() {
        tracing::warn!(error = %e, "cannot make the process non-dumpable");
    }
    if subreaper && let Err(e) = orchestrator::plugins::become_subreaper() {
        tracing::warn!(error = %e, "cannot become a child subreaper");
    }
    match orchestrator::plugins::landlock_abi() {
        Ok(abi) => tracing::info!(abi, "python scripts are confined with landlock"),
        Err(e) => tracing::warn!(
            error = %e,
            "landlock is not available: python scripts' file access is limited by file permissions only"
        ),
    }
}

/// After the runtime is gone: waits for the process groups its tasks left
/// to be killed and reaped, so that nothing of a run outlives the command.
fn reap_before_exit() {
    if !orchestrator::plugins::wait_for_reaping(REAP_TIMEOUT) {
        tracing::warn!("some killed task processes were not reaped in time");
    }
}

fn real_main(cli: Cli) -> anyhow::Result<i32> {
    let mut config = Config::from_env()?;
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let code = match cli.command {
        Command::Validate { files } => cli::validate(&files, &config, &mut err),
        Command::Graph { file, format } => match cli::graph(&file, format, &config) {
            Ok(text) => {
                out.write_all(text.as_bytes())?;
                cli::EXIT_OK
            }
            Err(lines) => {
                for l in lines {
                    writeln!(err, "{l}")?;
                }
                cli::EXIT_USAGE
            }
        },
        Command::BenchSchedules {
            schedules,
            duration,
        } => bench_exit(
            runtime()?.block_on(cli::bench_schedules(
                &cli.client,
                schedules,
                duration,
                &config,
                &mut out,
            )),
            &mut err,
        ),
        Command::BenchEvents {
            rate,
            concurrency,
            duration,
        } => bench_exit(
            runtime()?.block_on(cli::bench_events(
                &cli.client,
                rate,
                concurrency,
                duration,
                &config,
                &mut out,
            )),
            &mut err,
        ),
        Command::Export { to } => match to {
            None => runtime()?.block_on(cli::export(&cli.client, &mut out, &mut err)),
            Some(path) => {
                let mut file = std::fs::File::create(&path)
                    .with_context(|| format!("{}: cannot create", path.display()))?;
                runtime()?.block_on(cli::export(&cli.client, &mut file, &mut err))
            }
        },
        Command::Import { file, dry_run } => {
            runtime()?.block_on(cli::import(&cli.client, &file, dry_run, &mut out, &mut err))
        }
        Command::Backup { name, data_dir, to } => match data_dir.zip(to) {
            Some((data, to)) => {
                runtime()?.block_on(cli::backup_offline(&data, &to, &mut out, &mut err))
            }
            None => runtime()?.block_on(cli::backup_served(&cli.client, &name, &mut out, &mut err)),
        },
        Command::Token {
            secret_file,
            sub,
            permissions,
            ttl,
            issuer,
            audience,
        } => {
            let args = cli::TokenArgs {
                secret_file: &secret_file,
                subject: &sub,
                permissions: &permissions,
                ttl,
                issuer: issuer.as_deref(),
                audience: audience.as_deref(),
            };
            match cli::mint(&args) {
                Ok(token) => {
                    writeln!(out, "{token}")?;
                    0
                }
                Err(m) => {
                    writeln!(err, "error: {m}")?;
                    cli::EXIT_USAGE
                }
            }
        }
        Command::Remote(command) => cli::remote::dispatch(command, &cli.client, &mut out, &mut err),
        Command::Completions { shell } => cli::completions(shell, Cli::command(), &mut out),
        Command::Run {
            file,
            inputs,
            input_json,
            data_dir,
            ephemeral,
        } => {
            let inputs = match cli::parse_inputs(&inputs, input_json.as_deref()) {
                Ok(i) => i,
                Err(m) => {
                    writeln!(err, "error: {m}")?;
                    return Ok(cli::EXIT_USAGE);
                }
            };
            let store = if ephemeral {
                StoreChoice::Ephemeral
            } else {
                let dir = data_dir.unwrap_or_else(|| config.data_dir.clone());
                // Scripts are kept out of the data directory actually used.
                config.data_dir = dir.clone();
                StoreChoice::Dir(dir)
            };
            let args = RunArgs {
                file,
                inputs,
                store,
                output: cli.client.output,
            };
            harden(true);
            let code = runtime()?.block_on(cli::run(args, &config, &mut out, &mut err));
            reap_before_exit();
            code
        }
        Command::Serve {
            grpc_addr,
            http_addr,
            data_dir,
            store_url,
            grace,
            auth,
            tls_cert,
            tls_key,
            tls_client_ca,
            insecure_no_auth,
        } => {
            let tls = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| server::tls::TlsFiles {
                    cert,
                    key,
                    client_ca: tls_client_ca,
                });
            let options = ServeOptions {
                grpc_addr,
                http_addr,
                data_dir: data_dir.unwrap_or_else(|| config.data_dir.clone()),
                store_url,
                grace,
                auth: (*auth).into(),
                insecure_no_auth,
                tls,
            };
            config.data_dir = options.data_dir.clone();
            if std::env::var_os("POLICY_SERVICE_URL").is_some() {
                tracing::warn!(
                    "POLICY_SERVICE_URL is set but not read by the server: pass the policy service's URL to the playbooks that call it as a parameter"
                );
            }
            harden(false);
            let served = runtime()?.block_on(async {
                let ready = |grpc, http| {
                    // Scripts and tests read the bound addresses from here.
                    println!("listening grpc={grpc} http={http}");
                };
                server::serve(&config, options, shutdown_signal(), ready).await
            });
            reap_before_exit();
            served?;
            cli::EXIT_OK
        }
        Command::Bench {
            rest,
            workflow,
            define,
            concurrency,
            duration,
            rate,
            inputs,
            watchers,
        } => {
            let inputs = match cli::parse_inputs(&inputs, None) {
                Ok(i) => i,
                Err(m) => {
                    writeln!(err, "error: {m}")?;
                    return Ok(cli::EXIT_USAGE);
                }
            };
            let args = cli::BenchArgs {
                client: cli.client.clone(),
                rest,
                workflow,
                define,
                concurrency: concurrency.max(1),
                duration,
                rate,
                inputs,
                watchers,
            };
            bench_exit(
                runtime()?.block_on(cli::bench(args, &config, &mut out)),
                &mut err,
            )
        }
        Command::Resume { data_dir } => {
            let dir = data_dir.unwrap_or_else(|| config.data_dir.clone());
            config.data_dir = dir.clone();
            harden(true);
            let code = runtime()?.block_on(cli::resume(
                dir,
                cli.client.output,
                &config,
                &mut out,
                &mut err,
            ));
            reap_before_exit();
            code
        }
    };
    match out.flush() {
        // The reader of the output went away (`| head`): not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(code),
    }
}

/// How callers of `serve` prove who they are; see README, "Access control".
#[derive(clap::Args, Debug)]
struct AuthArgs {
    /// HS256 secret (32 bytes or more) tokens are signed with.
    #[arg(long, env = "AUTH_JWT_SECRET_FILE", value_name = "FILE")]
    auth_jwt_secret_file: Option<PathBuf>,
    /// PEM public key (RSA: RS256, EC: ES256/ES384, Ed25519: EdDSA).
    #[arg(long, env = "AUTH_PUBLIC_KEY_FILE", value_name = "FILE")]
    auth_public_key_file: Option<PathBuf>,
    /// JSON Web Key Set file.
    #[arg(long, env = "AUTH_JWKS_FILE", value_name = "FILE")]
    auth_jwks_file: Option<PathBuf>,
    /// JSON Web Key Set URL, fetched again when a token names an unknown kid.
    #[arg(long, env = "AUTH_JWKS_URL", value_name = "URL")]
    auth_jwks_url: Option<String>,
    /// The `iss` tokens must carry.
    #[arg(long, env = "AUTH_ISSUER")]
    auth_issuer: Option<String>,
    /// The `aud` tokens must carry.
    #[arg(long, env = "AUTH_AUDIENCE")]
    auth_audience: Option<String>,
    /// The claim listing permissions (an array, or a space-separated string).
    #[arg(long, env = "AUTH_PERMISSIONS_CLAIM", default_value = "permissions")]
    auth_permissions_claim: String,
    /// The claim naming the caller.
    #[arg(long, env = "AUTH_SUBJECT_CLAIM", default_value = "sub")]
    auth_subject_claim: String,
    /// Clock skew allowed on exp and nbf.
    #[arg(long, env = "AUTH_LEEWAY", default_value = "30s", value_parser = parse_duration)]
    auth_leeway: std::time::Duration,
    /// /metrics needs a token with the admin permission.
    #[arg(long, env = "METRICS_AUTH")]
    metrics_auth: bool,
}

impl From<AuthArgs> for server::auth::AuthOptions {
    fn from(a: AuthArgs) -> Self {
        server::auth::AuthOptions {
            secret_file: a.auth_jwt_secret_file,
            public_key_file: a.auth_public_key_file,
            jwks_file: a.auth_jwks_file,
            jwks_url: a.auth_jwks_url,
            issuer: a.auth_issuer,
            audience: a.auth_audience,
            permissions_claim: Some(a.auth_permissions_claim),
            subject_claim: Some(a.auth_subject_claim),
            leeway: Some(a.auth_leeway),
            guard_metrics: a.metrics_auth,
        }
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    orchestrator::spec::parse_duration(s)
}

/// A store URL: PostgreSQL is the one database kept beside RocksDB.
fn parse_store_url(s: &str) -> Result<String, String> {
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        Ok(s.to_owned())
    } else {
        Err("expected a PostgreSQL URL: postgres://user@host:5432/database".to_owned())
    }
}

/// The exit code of a load run: 0 without errors, 1 with some, 2 when it
/// could not run.
fn bench_exit(r: Result<cli::BenchReport, String>, err: &mut impl Write) -> i32 {
    match r {
        Ok(r) if r.errors == 0 => cli::EXIT_OK,
        Ok(_) => cli::EXIT_FAILED,
        Err(m) => {
            let _ = writeln!(err, "error: {m}");
            cli::EXIT_USAGE
        }
    }
}

/// Resolves on the first SIGTERM or Ctrl-C; a second one exits at once.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot listen for signals; stop the server with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("shutting down");
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        orchestrator::plugins::kill_all_groups();
        reap_before_exit();
        std::process::exit(130);
    });
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
