//! `model`: ONNX inference (ort, ONNX Runtime loaded from `ORT_DYLIB_PATH`).
//! The brief's form: `script:` names the model, `body:` gives its inputs by
//! name. Models come from the registry (`MODEL_DIR`, then
//! `MODEL_REGISTRY_URL`), are loaded once and shared by every task, and
//! concurrent calls to one model are micro-batched into one inference.
//! The output has every model output by name (one value per sample), plus
//! `label` and `score` where `model.json` names labels and a score output.

mod batcher;
mod registry;
mod session;
mod tensor;

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use serde_json::{Map, Value, json};
use tokio::sync::OnceCell;

pub use batcher::{BatchOptions, Counts};
use batcher::{Batcher, Rows};
use registry::Registry;
use session::Loaded;
use tensor::Input;

use super::{ConfigProblem, Slots, TaskContext, TaskError, TaskOutput, TaskPlugin};
use crate::config::Config;
use crate::proto::ModelConfig;

/// Why a model call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ModelError {
    /// The task's config is unusable.
    #[error("{0}")]
    Config(String),
    /// The registry does not hold the model.
    #[error("{0}")]
    NotFound(String),
    /// The registry could not be reached (retryable).
    #[error("model registry: {0}")]
    Registry(String),
    /// The model or its metadata could not be loaded.
    #[error("cannot load model {0}")]
    Load(String),
    /// ONNX Runtime itself is missing or unusable.
    #[error("{0}")]
    Runtime(String),
    /// The task's inputs do not fit the model.
    #[error("{0}")]
    Input(String),
    /// ONNX Runtime refused or failed the inference.
    #[error("inference failed: {0}")]
    Inference(String),
}

impl From<ModelError> for TaskError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::Registry(_) => TaskError::retryable(e.to_string()),
            _ => TaskError::permanent(e.to_string()),
        }
    }
}

/// Where models come from and how calls are batched.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// `MODEL_DIR`.
    pub dir: PathBuf,
    /// `MODEL_REGISTRY_URL`.
    pub url: Option<String>,
    /// `ORT_DYLIB_PATH`.
    pub dylib: PathBuf,
    /// `MODEL_BATCH_WINDOW` and `MODEL_BATCH_MAX`.
    pub batch: BatchOptions,
    /// Inferences running at once, all models together (`WORKERS`).
    pub workers: usize,
}

impl From<&Config> for ModelOptions {
    fn from(c: &Config) -> Self {
        Self {
            dir: c.model_dir.clone(),
            url: c.model_registry_url.clone(),
            dylib: c.ort_dylib_path.clone(),
            batch: BatchOptions {
                window: c.model_batch_window,
                max: c.model_batch_max,
            },
            workers: c.workers,
        }
    }
}

/// Calls and inferences per model (`name/version`), for metrics.
#[derive(Debug, Default)]
pub struct ModelStats(Mutex<BTreeMap<String, Arc<Counts>>>);

impl ModelStats {
    /// `(model, calls, inferences)` of every model loaded so far.
    pub fn snapshot(&self) -> Vec<(String, u64, u64)> {
        let models = self.0.lock().unwrap_or_else(|e| e.into_inner());
        models
            .iter()
            .map(|(id, c)| {
                (
                    id.clone(),
                    c.calls.load(std::sync::atomic::Ordering::Relaxed),
                    c.inferences.load(std::sync::atomic::Ordering::Relaxed),
                )
            })
            .collect()
    }

    fn counts(&self, id: &str) -> Arc<Counts> {
        let mut models = self.0.lock().unwrap_or_else(|e| e.into_inner());
        models.entry(id.to_owned()).or_default().clone()
    }
}

struct Model {
    loaded: Arc<Loaded>,
    batcher: Batcher,
}

/// Models (name and version asked for) kept loaded at most; the least
/// recently used is unloaded first.
const MAX_MODELS: usize = 64;

/// A model, once its first call has loaded it.
type Slot = Arc<OnceCell<Arc<Model>>>;

/// The `model` plugin.
pub struct ModelPlugin {
    registry: Registry,
    options: ModelOptions,
    /// By (name, version asked for): loaded at the first call, then shared;
    /// bounded, since the name may be templated.
    models: Mutex<LruCache<(String, String), Slot>>,
    stats: Arc<ModelStats>,
    /// One per inference running: model inference is CPU work, bounded by
    /// the cores like the worker pool, but its own, so that a 2 ms
    /// inference never queues behind python tasks of seconds.
    inferences: Arc<Slots>,
}

impl std::fmt::Debug for ModelPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ModelPlugin({})", self.options.dir.display())
    }
}

impl ModelPlugin {
    /// A plugin over the registry and runtime of `options`.
    pub fn new(options: ModelOptions) -> Self {
        let inferences = Arc::new(Slots::new(options.workers));
        Self {
            registry: Registry::new(options.dir.clone(), options.url.clone()),
            options,
            models: Mutex::new(LruCache::new(
                NonZeroUsize::new(MAX_MODELS).expect("not zero"),
            )),
            stats: Arc::default(),
            inferences,
        }
    }

    /// Calls and inferences per model.
    pub fn stats(&self) -> Arc<ModelStats> {
        self.stats.clone()
    }

    /// The model, loaded at its first use; a failed load is tried again by
    /// the next call (the model may be deployed meanwhile).
    async fn model(&self, name: &str, version: &str) -> Result<Arc<Model>, ModelError> {
        let cell = {
            let mut models = self.models.lock().unwrap_or_else(|e| e.into_inner());
            models
                .get_or_insert((name.to_owned(), version.to_owned()), Slot::default)
                .clone()
        };
        cell.get_or_try_init(|| async {
            let found = self.registry.locate(name, version).await?;
            let (owned, dylib) = (name.to_owned(), self.options.dylib.clone());
            let loaded = tokio::task::spawn_blocking(move || Loaded::load(&owned, found, &dylib))
                .await
                .map_err(|e| ModelError::Load(format!("{name}: loader panicked: {e}")))??;
            tracing::info!(
                model = %loaded.id,
                batched = loaded.batched,
                description = %loaded.meta.description,
                "model loaded"
            );
            let loaded = Arc::new(loaded);
            let counts = self.stats.counts(&loaded.id);
            let batcher = Batcher::start(
                loaded.clone(),
                self.options.batch,
                counts,
                self.inferences.clone(),
            );
            Ok(Arc::new(Model { loaded, batcher }))
        })
        .await
        .cloned()
    }
}

#[async_trait::async_trait]
impl TaskPlugin for ModelPlugin {
    fn kind(&self) -> &'static str {
        "model"
    }

    /// Waiting for a batch to fill holds no worker slot (the batch would
    /// never fill past WORKERS calls); inferences are bounded by the
    /// plugin's own slots, one per batched inference.
    fn load(&self) -> crate::plugins::Load {
        crate::plugins::Load::Wait
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cfg = match super::decode::<ModelConfig>(config) {
            Ok(c) => c,
            Err(e) => return vec![(String::new(), e.message)],
        };
        let mut p = Vec::new();
        if cfg.script.is_empty() {
            p.push(("script".into(), "required: the model's name".into()));
        }
        for (field, value) in [("script", &cfg.script), ("version", &cfg.version)] {
            if !value.is_empty()
                && !super::is_templated(value)
                && let Err(e) = registry::check_name(value)
            {
                p.push((field.into(), e));
            }
        }
        match config.get("body") {
            None | Some(Value::Object(_)) => {}
            Some(Value::String(s)) if super::is_templated(s) => {}
            Some(_) => p.push(("body".into(), "must be an object of inputs by name".into())),
        }
        p
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        let cfg: ModelConfig = super::decode(&ctx.config)?;
        let model = self.model(&cfg.script, &cfg.version).await?;
        let body = match cfg.body.as_ref().map(crate::proto::pb_to_json) {
            Some(Value::Object(m)) => m,
            None | Some(Value::Null) => Map::new(),
            Some(other) => {
                return Err(TaskError::permanent(format!(
                    "body: must be an object of inputs by name, got {other}"
                )));
            }
        };
        let inputs = inputs(&model.loaded, &body)?;
        let (single, samples) = (inputs[0].single, inputs[0].samples);
        let rows = model.batcher.infer(inputs).await?;
        let mut output = outputs(&model.loaded, &rows, single, samples);
        output.meta.insert("model".into(), json!(model.loaded.id));
        Ok(output)
    }
}

/// The task's inputs checked against the model, in its input order.
fn inputs(model: &Loaded, body: &Map<String, Value>) -> Result<Vec<Input>, ModelError> {
    let names = || {
        model
            .inputs
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(unknown) = body
        .keys()
        .find(|k| !model.inputs.iter().any(|i| &i.name == *k))
    {
        return Err(ModelError::Input(format!(
            "input '{unknown}': {} has no such input (inputs: {})",
            model.id,
            names()
        )));
    }
    let mut checked = Vec::with_capacity(model.inputs.len());
    for spec in &model.inputs {
        let value = body.get(&spec.name).ok_or_else(|| {
            ModelError::Input(format!(
                "input '{}': required by {} (inputs: {})",
                spec.name,
                model.id,
                names()
            ))
        })?;
        checked.push(tensor::input(spec, value, model.batched).map_err(ModelError::Input)?);
    }
    let first = &checked[0];
    if let Some((i, other)) = checked
        .iter()
        .enumerate()
        .find(|(_, c)| (c.samples, c.single) != (first.samples, first.single))
    {
        return Err(ModelError::Input(format!(
            "input '{}': {} samples where '{}' has {}",
            model.inputs[i].name, other.samples, model.inputs[0].name, first.samples
        )));
    }
    Ok(checked)
}

/// The call's rows of every output, plus `label` and `score`.
fn outputs(model: &Loaded, (all, row): &Rows, single: bool, samples: usize) -> TaskOutput {
    let mut out = Map::new();
    let mut scores = None;
    for o in all.iter() {
        let values = if model.batched {
            o.samples(*row, samples)
        } else {
            vec![o.whole()]
        };
        if o.name == model.meta.score_output {
            scores = Some(values.clone());
        }
        let value = if single {
            values.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(values)
        };
        out.insert(o.name.clone(), value);
    }
    if let (Some(scores), false) = (scores, model.meta.labels.is_empty()) {
        let (labels, best): (Vec<Value>, Vec<Value>) =
            scores.iter().map(|s| label(&model.meta.labels, s)).unzip();
        let pick = |v: Vec<Value>| {
            if single {
                v.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Array(v)
            }
        };
        out.insert("label".into(), pick(labels));
        out.insert("score".into(), pick(best));
    }
    TaskOutput::new(Value::Object(out))
}

/// The label and score of one sample's score output: one probability picks
/// between two labels at 0.5; several pick the highest.
fn label(labels: &[String], scores: &Value) -> (Value, Value) {
    let values: Vec<&Value> = match scores {
        Value::Array(v) => v.iter().collect(),
        v => vec![v],
    };
    let of = |v: &Value| v.as_f64().unwrap_or(f64::NEG_INFINITY);
    let index = match values.as_slice() {
        [p] => usize::from(of(p) >= 0.5),
        many => many
            .iter()
            .enumerate()
            .max_by(|a, b| of(a.1).total_cmp(&of(b.1)))
            .map_or(0, |(i, _)| i),
    };
    let score = values
        .get(if values.len() == 1 { 0 } else { index })
        .map_or(Value::Null, |v| (*v).clone());
    let name = labels
        .get(index)
        .cloned()
        .map_or(Value::Null, Value::String);
    (name, score)
}
