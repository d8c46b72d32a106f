//! ONNX Runtime for the model plugin: the runtime library is loaded once
//! per process from `ORT_DYLIB_PATH` (a missing library is an error that
//! says so, not a panic), and each model becomes one session whose inputs
//! and outputs are read from the graph and checked against `model.json`.

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::Session;
use ort::value::{DynValue, Tensor, TensorElementType, ValueType};

use super::ModelError;
use super::registry::{Declared, Located, Metadata};
use super::tensor::{Data, Element, Output, TensorSpec};

/// The process's ONNX Runtime: ort allows one environment per process, so
/// the first library path asked for is the one used.
static RUNTIME: OnceLock<Result<Environment, String>> = OnceLock::new();

fn runtime(dylib: &Path) -> Result<&'static Environment, ModelError> {
    RUNTIME
        .get_or_init(|| {
            let builder = ort::init_from(dylib).map_err(|e| {
                format!(
                    "cannot load ONNX Runtime from '{}' (set ORT_DYLIB_PATH to a libonnxruntime.so, 1.23 or newer): {e}",
                    dylib.display()
                )
            })?;
            builder.with_name("orchestrator").build().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| ModelError::Runtime(e.clone()))
}

/// A loaded model: its session and what it takes and gives.
pub struct Loaded {
    /// `name/version`, for errors and metrics.
    pub id: String,
    /// Inputs, in graph order.
    pub inputs: Vec<TensorSpec>,
    /// Outputs, in graph order.
    pub outputs: Vec<TensorSpec>,
    /// True when every input's first dimension is free: calls can be
    /// stacked into one inference.
    pub batched: bool,
    /// The metadata file.
    pub meta: Metadata,
    // ort runs need `&mut Session`: one inference at a time per model,
    // which the batcher arranges anyway.
    session: Mutex<Session>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Loaded({})", self.id)
    }
}

impl Loaded {
    /// Loads `found` with the runtime at `dylib` (blocking: reads and
    /// optimises the graph).
    pub fn load(name: &str, found: Located, dylib: &Path) -> Result<Self, ModelError> {
        let id = format!("{name}/{}", found.version);
        let env = runtime(dylib)?;
        let failed = |e: String| ModelError::Load(format!("{id}: {e}"));
        // One thread per inference: the engine runs many tasks at once,
        // and batching gives each run enough work.
        let mut builder = Session::builder(env)
            .map_err(|e| failed(e.to_string()))?
            .with_intra_threads(1)
            .map_err(|e| failed(e.to_string()))?;
        let session = builder
            .commit_from_file(&found.path)
            .map_err(|e| failed(e.to_string()))?;
        let mut inputs = specs(session.inputs().iter().map(|o| (o.name(), o.dtype())))
            .map_err(|e| failed(format!("input {e}")))?;
        if inputs.is_empty() {
            return Err(failed("the model takes no inputs".into()));
        }
        let outputs = specs(session.outputs().iter().map(|o| (o.name(), o.dtype())))
            .map_err(|e| failed(format!("output {e}")))?;
        agree("input", &found.meta.inputs, &inputs).map_err(failed)?;
        agree("output", &found.meta.outputs, &outputs).map_err(failed)?;
        // A declared shape may pin what the graph leaves free: check
        // inputs against it.
        for input in &mut inputs {
            if let Some(d) = found.meta.inputs.get(&input.name) {
                input.shape = d.shape.clone();
            }
        }
        let meta = found.meta;
        if !meta.score_output.is_empty() && !outputs.iter().any(|o| o.name == meta.score_output) {
            return Err(failed(format!(
                "model.json: score_output '{}' is not an output of the model",
                meta.score_output
            )));
        }
        let batched = inputs.iter().all(|i| i.shape.first() == Some(&-1));
        Ok(Self {
            id,
            inputs,
            outputs,
            batched,
            meta,
            session: Mutex::new(session),
        })
    }

    /// Runs one inference (blocking). `inputs` are in graph order with full
    /// shapes.
    pub fn infer(&self, inputs: Vec<(Vec<i64>, Data)>) -> Result<Vec<Output>, ModelError> {
        let failed = |e: ort::Error| ModelError::Inference(format!("{}: {e}", self.id));
        let mut values: Vec<(String, DynValue)> = Vec::with_capacity(inputs.len());
        for (spec, (shape, data)) in self.inputs.iter().zip(inputs) {
            let value = match data {
                Data::F32(v) => Tensor::from_array((shape, v)).map(Tensor::into_dyn),
                Data::F64(v) => Tensor::from_array((shape, v)).map(Tensor::into_dyn),
                Data::I32(v) => Tensor::from_array((shape, v)).map(Tensor::into_dyn),
                Data::I64(v) => Tensor::from_array((shape, v)).map(Tensor::into_dyn),
                Data::Bool(v) => Tensor::from_array((shape, v)).map(Tensor::into_dyn),
            }
            .map_err(failed)?;
            values.push((spec.name.clone(), value));
        }
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let results = session.run(values).map_err(failed)?;
        self.outputs
            .iter()
            .map(|spec| {
                let value = results.get(&spec.name).ok_or_else(|| {
                    ModelError::Inference(format!("{}: no output '{}'", self.id, spec.name))
                })?;
                let (shape, data) = match spec.element {
                    Element::F32 => extract(value, Data::F32),
                    Element::F64 => extract(value, Data::F64),
                    Element::I32 => extract(value, Data::I32),
                    Element::I64 => extract(value, Data::I64),
                    Element::Bool => extract(value, Data::Bool),
                }
                .map_err(failed)?;
                Ok(Output {
                    name: spec.name.clone(),
                    shape,
                    data,
                })
            })
            .collect()
    }
}

fn extract<T: ort::value::PrimitiveTensorElementType + Clone>(
    value: &DynValue,
    wrap: fn(Vec<T>) -> Data,
) -> Result<(Vec<i64>, Data), ort::Error> {
    let (shape, data) = value.try_extract_tensor::<T>()?;
    Ok((shape.to_vec(), wrap(data.to_vec())))
}

/// The tensor inputs or outputs of the graph; other kinds (maps,
/// sequences) and element types without a JSON form are refused.
fn specs<'a>(
    outlets: impl Iterator<Item = (&'a str, &'a ValueType)>,
) -> Result<Vec<TensorSpec>, String> {
    outlets
        .map(|(name, dtype)| {
            let ValueType::Tensor { ty, shape, .. } = dtype else {
                return Err(format!(
                    "'{name}' is not a tensor; only tensor models are supported"
                ));
            };
            let element = match ty {
                TensorElementType::Float32 => Element::F32,
                TensorElementType::Float64 => Element::F64,
                TensorElementType::Int32 => Element::I32,
                TensorElementType::Int64 => Element::I64,
                TensorElementType::Bool => Element::Bool,
                other => {
                    return Err(format!(
                        "'{name}' has element type {other:?}, which JSON cannot carry"
                    ));
                }
            };
            Ok(TensorSpec {
                name: name.to_owned(),
                element,
                shape: shape.to_vec(),
            })
        })
        .collect()
}

/// Checks what model.json declares against the graph.
fn agree(
    kind: &str,
    declared: &std::collections::BTreeMap<String, Declared>,
    actual: &[TensorSpec],
) -> Result<(), String> {
    for (name, d) in declared {
        let Some(a) = actual.iter().find(|a| &a.name == name) else {
            let names: Vec<&str> = actual.iter().map(|a| a.name.as_str()).collect();
            return Err(format!(
                "model.json: {kind} '{name}' is not an {kind} of the model ({kind}s: {})",
                names.join(", ")
            ));
        };
        if Element::parse(&d.element) != Some(a.element) {
            return Err(format!(
                "model.json: {kind} '{name}' is declared {} but the model has {}",
                d.element,
                a.element.name()
            ));
        }
        let fits = d.shape.len() == a.shape.len()
            && d.shape.iter().zip(&a.shape).all(|(&d, &a)| d == a || a < 0);
        if !fits {
            return Err(format!(
                "model.json: {kind} '{name}' is declared {} but the model has {}",
                super::tensor::dims(&d.shape),
                super::tensor::dims(&a.shape)
            ));
        }
    }
    Ok(())
}
