//! `orchestrator run FILE` and `orchestrator resume`: run a workflow (or
//! continue unfinished ones) to the end in this process, with live progress
//! or one JSON (YAML) summary.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::broadcast::error::RecvError;

use super::prompt::{self, Prompter};
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, Output, progress, read_file};
use crate::config::Config;
use crate::engine::{Engine, EngineConfig, EngineError, ExecutionHandle, RunRequest, summary};
use crate::plugins::Registry;
use crate::proto::{Execution, ExecutionState, execution_event::Kind};
use crate::spec::{self, Format, Limits};
use crate::store::{self, MemoryStore, RocksOptions, RocksStore, Store};

/// Where executions are recorded.
#[derive(Debug, Clone)]
pub enum StoreChoice {
    /// RocksDB in this directory.
    Dir(PathBuf),
    /// In memory; nothing survives the process.
    Ephemeral,
}

/// Arguments of `run`.
#[derive(Debug, Clone)]
pub struct RunArgs {
    /// The definition file.
    pub file: PathBuf,
    /// Parameters.
    pub inputs: Map<String, Value>,
    /// Where to record.
    pub store: StoreChoice,
    /// A line per task transition and a summary line, or only the ended
    /// execution as `POST /v1/run` returns it (JSON or YAML).
    pub output: Output,
}

/// Builds parameters from `--input-json` (an object) and `--input KEY=VALUE`
/// pairs (later wins). A VALUE that is valid JSON (`5`, `true`, `[1]`) keeps
/// its type; anything else is a string.
pub fn parse_inputs(pairs: &[String], json: Option<&str>) -> Result<Map<String, Value>, String> {
    let mut inputs = match json {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err("--input-json: expected a JSON object".into()),
            Err(e) => return Err(format!("--input-json: {e}")),
        },
    };
    for pair in pairs {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("--input {pair:?}: expected KEY=VALUE"))?;
        if k.is_empty() {
            return Err(format!("--input {pair:?}: empty KEY"));
        }
        let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_owned()));
        inputs.insert(k.to_owned(), value);
    }
    Ok(inputs)
}

fn open_store(choice: &StoreChoice) -> Result<Arc<dyn Store>, store::StoreError> {
    Ok(match choice {
        StoreChoice::Ephemeral => Arc::new(MemoryStore::new()),
        StoreChoice::Dir(dir) => Arc::new(RocksStore::open(dir, RocksOptions::default())?),
    })
}

/// Runs a workflow file to its end; returns the exit code.
pub async fn run(args: RunArgs, config: &Config, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let text = match read_file(&args.file) {
        Ok(t) => t,
        Err(m) => {
            let _ = writeln!(err, "{m}");
            return EXIT_USAGE;
        }
    };
    let registry = Arc::new(Registry::builtin(config));
    let (spec, _) = match spec::load(
        &text,
        Format::from_path(&args.file),
        &registry,
        &Limits::from(config),
    ) {
        Ok(loaded) => loaded,
        Err(e) => {
            for p in &e.problems {
                let _ = writeln!(err, "{}: {p}", args.file.display());
            }
            return EXIT_USAGE;
        }
    };
    // Refused before anything is stored: a run nobody could finish.
    let terminal = std::io::stdin().is_terminal();
    if let Some(m) = prompt::undecidable(&spec).filter(|_| !terminal) {
        let _ = writeln!(err, "{}: {m}", args.file.display());
        return EXIT_USAGE;
    }
    let store = match open_store(&args.store) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_USAGE;
        }
    };
    let engine = Engine::new(store.clone(), registry, &EngineConfig::from(config));
    let plan = match store::save_if_changed(store.as_ref(), spec).await {
        Ok(w) => engine.plan(&w),
        Err(e) => Err(EngineError::Store(e)),
    };
    let plan = match plan {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_USAGE;
        }
    };
    let prompter = terminal.then(|| Prompter::start(engine.clone()));
    // Listen for Ctrl-C before anything runs, so that no interrupt falls
    // through to the default handler (which would kill the run unrecorded).
    let mut interrupts = match interrupts() {
        Ok(s) => s,
        Err(m) => {
            let _ = writeln!(err, "error: {m}");
            return EXIT_USAGE;
        }
    };
    let handle = engine.start(
        plan,
        RunRequest {
            input: crate::proto::json_map_to_struct(&args.inputs),
            started_by: "cli".to_owned(),
            ..Default::default()
        },
    );
    let ended = follow(handle, args.output, prompter.as_ref(), &mut interrupts, out).await;
    if let Some(p) = &prompter {
        p.settle().await;
    }
    report(ended, args.output, out, err)
}

/// Continues every unfinished execution in a data directory; returns 0
/// when all of them (or none) completed.
pub async fn resume(
    dir: PathBuf,
    output: Output,
    config: &Config,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let store = match open_store(&StoreChoice::Dir(dir)) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_USAGE;
        }
    };
    let engine = Engine::new(
        store,
        Arc::new(Registry::builtin(config)),
        &EngineConfig::from(config),
    );
    let mut interrupts = match interrupts() {
        Ok(s) => s,
        Err(m) => {
            let _ = writeln!(err, "error: {m}");
            return EXIT_USAGE;
        }
    };
    let handles = match engine.resume_unfinished().await {
        Ok(h) => h,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_FAILED;
        }
    };
    if handles.is_empty() && output == Output::Text {
        let _ = writeln!(out, "nothing to resume");
    }
    // A resumed approval nobody can decide here waits until its timeout,
    // or until Ctrl-C: the run is kept for a server to resume.
    let prompter = std::io::stdin()
        .is_terminal()
        .then(|| Prompter::start(engine.clone()));
    let mut code = EXIT_OK;
    for h in handles {
        code = code.max(report(
            follow(h, output, prompter.as_ref(), &mut interrupts, out).await,
            output,
            out,
            err,
        ));
    }
    code
}

fn interrupts() -> Result<Signal, String> {
    signal(SignalKind::interrupt()).map_err(|e| format!("cannot listen for Ctrl-C: {e}"))
}

/// Prints progress until the execution ends; Ctrl-C cancels it with reason
/// "interrupted", a second Ctrl-C exits at once (after killing and reaping
/// the tasks' process groups).
async fn follow(
    handle: ExecutionHandle,
    output: Output,
    prompter: Option<&Prompter>,
    interrupts: &mut Signal,
    out: &mut dyn Write,
) -> Result<Arc<Execution>, EngineError> {
    let mut events = handle.events();
    let canceller = handle.canceller();
    let id = handle.id().to_owned();
    let wait = handle.wait();
    tokio::pin!(wait);
    let mut interrupted = false;
    let text = output == Output::Text;
    let result = loop {
        tokio::select! {
            r = &mut wait => break r,
            ev = events.recv() => match ev {
                Ok(ev) => {
                    if text {
                        progress::line(&ev, out);
                    }
                    if let (Some(p), Some(a)) = (prompter, prompt::requested(&ev)) {
                        p.ask(&id, a);
                    }
                }
                Err(RecvError::Lagged(n)) if text => { let _ = writeln!(out, "  … {n} events not shown"); }
                Err(_) => {}
            },
            _ = interrupts.recv() => {
                if interrupted {
                    // Out at once, but not leaving the tasks' processes behind.
                    crate::plugins::kill_all_groups();
                    crate::plugins::wait_for_reaping(std::time::Duration::from_secs(10));
                    std::process::exit(130);
                }
                interrupted = true;
                canceller.cancel("interrupted", "cli");
            }
        }
    };
    while let Ok(ev) = events.try_recv() {
        if text && !matches!(ev.kind, Some(Kind::ExecutionEnded(_))) {
            progress::line(&ev, out);
        }
    }
    result
}

fn report(
    result: Result<Arc<Execution>, EngineError>,
    output: Output,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let e = match result {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_FAILED;
        }
    };
    let state = ExecutionState::try_from(e.status).unwrap_or_default();
    if let Ok(false) = output.write_document(out, &summary::summary(&e)) {
        let _ = write!(out, "{} {} in {}ms", state.label(), e.id, e.duration_ms);
        if !e.error.is_empty() {
            let _ = write!(out, ": {}", e.error);
        }
        let _ = writeln!(out);
    }
    if state == ExecutionState::Completed {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}
