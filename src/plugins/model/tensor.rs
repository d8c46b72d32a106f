//! JSON to tensors and back: a task's input value is checked against the
//! model's declared shape and element type (naming the input when it does
//! not fit), flattened for ONNX Runtime, and outputs are cut back into one
//! JSON value per sample.

use serde_json::{Number, Value};

/// The element types the plugin converts from and to JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// Boolean.
    Bool,
}

impl Element {
    /// The name used in `model.json` and in errors.
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "float32",
            Self::F64 => "float64",
            Self::I32 => "int32",
            Self::I64 => "int64",
            Self::Bool => "bool",
        }
    }

    /// The element type of a `model.json` name (`float` and `double` too).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "float32" | "float" => Self::F32,
            "float64" | "double" => Self::F64,
            "int32" => Self::I32,
            "int64" => Self::I64,
            "bool" => Self::Bool,
            _ => return None,
        })
    }
}

/// One input or output of a model: name, element type, shape (`-1` for a
/// dimension of any size; the first is the batch dimension when batching).
#[derive(Debug, Clone, PartialEq)]
pub struct TensorSpec {
    /// The name in the graph.
    pub name: String,
    /// Element type.
    pub element: Element,
    /// Dimensions; -1 where any size goes.
    pub shape: Vec<i64>,
}

/// Flat tensor data of one element type.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// float32 values.
    F32(Vec<f32>),
    /// float64 values.
    F64(Vec<f64>),
    /// int32 values.
    I32(Vec<i32>),
    /// int64 values.
    I64(Vec<i64>),
    /// Booleans.
    Bool(Vec<bool>),
}

impl Data {
    /// No elements of `element`'s type.
    pub fn empty(element: Element) -> Self {
        match element {
            Element::F32 => Self::F32(Vec::new()),
            Element::F64 => Self::F64(Vec::new()),
            Element::I32 => Self::I32(Vec::new()),
            Element::I64 => Self::I64(Vec::new()),
            Element::Bool => Self::Bool(Vec::new()),
        }
    }

    /// Appends `other` (of the same element type) to these.
    pub fn extend(&mut self, other: &Data) {
        match (self, other) {
            (Self::F32(a), Self::F32(b)) => a.extend_from_slice(b),
            (Self::F64(a), Self::F64(b)) => a.extend_from_slice(b),
            (Self::I32(a), Self::I32(b)) => a.extend_from_slice(b),
            (Self::I64(a), Self::I64(b)) => a.extend_from_slice(b),
            (Self::Bool(a), Self::Bool(b)) => a.extend_from_slice(b),
            _ => unreachable!("inputs of one model input share its element type"),
        }
    }

    /// The element at `i` as JSON.
    fn json(&self, i: usize) -> Value {
        match self {
            // The shortest text that reads back as the same f32: 0.9836975,
            // not 0.9836974740028381.
            Self::F32(v) => float(v[i].to_string().parse().unwrap_or(f64::NAN)),
            Self::F64(v) => float(v[i]),
            Self::I32(v) => Value::from(v[i]),
            Self::I64(v) => Value::from(v[i]),
            Self::Bool(v) => Value::Bool(v[i]),
        }
    }
}

fn float(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A task's value for one input, checked and flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Samples it holds (1 for a single sample).
    pub samples: usize,
    /// True when the task gave one sample without the batch dimension; its
    /// outputs are then given without it too.
    pub single: bool,
    /// The full shape, batch dimension included.
    pub shape: Vec<i64>,
    /// The elements.
    pub data: Data,
}

/// Checks `value` against `spec` and flattens it. With `batched`, the
/// first declared dimension is the batch: the value may be one sample (the
/// remaining dimensions) or a list of samples. Errors name the input.
pub fn input(spec: &TensorSpec, value: &Value, batched: bool) -> Result<Input, String> {
    let name = &spec.name;
    let got = shape_of(value).map_err(|e| format!("input '{name}': {e}"))?;
    let declared = &spec.shape;
    let fits = |dims: &[i64], got: &[usize]| {
        dims.len() == got.len() && dims.iter().zip(got).all(|(&d, &g)| d < 0 || d == g as i64)
    };
    let (samples, single, shape) = if batched && fits(&declared[1..], &got) {
        let mut shape = vec![1];
        shape.extend(got.iter().map(|&g| g as i64));
        (1, true, shape)
    } else if fits(declared, &got) {
        let samples = if batched { got[0] } else { 1 };
        (samples, !batched, got.iter().map(|&g| g as i64).collect())
    } else {
        let expected = if batched {
            format!(
                "{} (one sample) or {} (a list of samples)",
                dims(&declared[1..]),
                dims(declared)
            )
        } else {
            dims(declared)
        };
        return Err(format!(
            "input '{name}': expected shape {expected}, got {}",
            dims(&got.iter().map(|&g| g as i64).collect::<Vec<_>>())
        ));
    };
    if samples == 0 {
        return Err(format!("input '{name}': no samples"));
    }
    let mut data = Data::empty(spec.element);
    flatten(value, &mut data).map_err(|e| {
        format!(
            "input '{name}': {e} (the model takes {})",
            spec.element.name()
        )
    })?;
    Ok(Input {
        samples,
        single,
        shape,
        data,
    })
}

/// `[n, 3]`-style text of a shape; `n` for any size.
pub fn dims(shape: &[i64]) -> String {
    let parts: Vec<String> = shape
        .iter()
        .map(|&d| if d < 0 { "n".to_owned() } else { d.to_string() })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// The shape of a nested JSON list; every list at one depth must have the
/// same length, and the leaves must be numbers or booleans.
fn shape_of(value: &Value) -> Result<Vec<usize>, String> {
    match value {
        Value::Array(items) => {
            let Some(first) = items.first() else {
                return Ok(vec![0]);
            };
            let inner = shape_of(first)?;
            for item in &items[1..] {
                if shape_of(item)? != inner {
                    return Err("lists of different lengths (the value must be rectangular)".into());
                }
            }
            let mut shape = vec![items.len()];
            shape.extend(inner);
            Ok(shape)
        }
        Value::Number(_) | Value::Bool(_) => Ok(Vec::new()),
        Value::String(s) => Err(format!("expected numbers, got the text '{s}'")),
        Value::Null => Err("expected numbers, got null".into()),
        Value::Object(_) => Err("expected numbers, got an object".into()),
    }
}

fn flatten(value: &Value, out: &mut Data) -> Result<(), String> {
    if let Value::Array(items) = value {
        return items.iter().try_for_each(|v| flatten(v, out));
    }
    let wrong = || format!("{value} does not fit");
    match out {
        Data::F32(v) => v.push(value.as_f64().ok_or_else(wrong)? as f32),
        Data::F64(v) => v.push(value.as_f64().ok_or_else(wrong)?),
        Data::I32(v) => v.push(
            value
                .as_i64()
                .and_then(|x| i32::try_from(x).ok())
                .ok_or_else(wrong)?,
        ),
        Data::I64(v) => v.push(value.as_i64().ok_or_else(wrong)?),
        Data::Bool(v) => v.push(value.as_bool().ok_or_else(wrong)?),
    }
    Ok(())
}

/// One output of a batched inference: full shape and elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The name in the graph.
    pub name: String,
    /// Shape, batch dimension first.
    pub shape: Vec<i64>,
    /// The elements.
    pub data: Data,
}

impl Output {
    /// The samples `from..from + n` as JSON, one value per sample (a
    /// sample of one element is a plain number).
    pub fn samples(&self, from: usize, n: usize) -> Vec<Value> {
        let per: usize = self.shape[1..].iter().map(|&d| d.max(0) as usize).product();
        (from..from + n)
            .map(|s| nest(&self.data, s * per, &self.shape[1..]))
            .collect()
    }

    /// The whole output as JSON (for models without a batch dimension).
    pub fn whole(&self) -> Value {
        nest(&self.data, 0, &self.shape)
    }
}

fn nest(data: &Data, at: usize, shape: &[i64]) -> Value {
    let count: usize = shape.iter().map(|&d| d.max(0) as usize).product();
    if count == 1 {
        return data.json(at);
    }
    match shape.split_first() {
        None => data.json(at),
        Some((&n, rest)) => {
            let per: usize = rest.iter().map(|&d| d.max(0) as usize).product();
            Value::Array(
                (0..n.max(0) as usize)
                    .map(|i| nest(data, at + i * per, rest))
                    .collect(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn features() -> TensorSpec {
        TensorSpec {
            name: "features".into(),
            element: Element::F32,
            shape: vec![-1, 3],
        }
    }

    #[test]
    fn one_sample_or_a_list_of_samples() {
        let one = input(&features(), &json!([0.9, 0.8, 0.95]), true).unwrap();
        assert_eq!((one.samples, one.single, one.shape), (1, true, vec![1, 3]));
        let two = input(&features(), &json!([[1, 2, 3], [4, 5, 6]]), true).unwrap();
        assert_eq!((two.samples, two.single), (2, false));
        assert_eq!(two.data, Data::F32(vec![1., 2., 3., 4., 5., 6.]));
    }

    #[test]
    fn misfits_name_the_input_and_the_shape() {
        let e = input(&features(), &json!([0.9, 0.8]), true).unwrap_err();
        assert_eq!(
            e,
            "input 'features': expected shape [3] (one sample) or [n, 3] (a list of samples), got [2]"
        );
        let e = input(&features(), &json!([[1, 2, 3], [4, 5]]), true).unwrap_err();
        assert!(e.contains("rectangular"), "{e}");
        let e = input(&features(), &json!(["a", "b", "c"]), true).unwrap_err();
        assert!(e.contains("input 'features': expected numbers"), "{e}");
        let ints = TensorSpec {
            element: Element::I64,
            ..features()
        };
        let e = input(&ints, &json!([1.5, 2, 3]), true).unwrap_err();
        assert!(e.contains("1.5 does not fit") && e.contains("int64"), "{e}");
    }

    #[test]
    fn outputs_are_cut_per_sample_and_single_values_unwrapped() {
        let out = Output {
            name: "risk".into(),
            shape: vec![3, 1],
            data: Data::F32(vec![0.9836975, 0.1, 0.5]),
        };
        assert_eq!(out.samples(1, 2), vec![json!(0.1), json!(0.5)]);
        assert_eq!(out.samples(0, 1), vec![json!(0.9836975)]);
        let probs = Output {
            name: "p".into(),
            shape: vec![2, 2],
            data: Data::I64(vec![1, 2, 3, 4]),
        };
        assert_eq!(probs.samples(1, 1), vec![json!([3, 4])]);
        assert_eq!(probs.whole(), json!([[1, 2], [3, 4]]));
    }
}
