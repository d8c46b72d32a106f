//! The expression language of templates and conditions: minijinja
//! expressions, compiled once at definition time, evaluated against a scope
//! of the names a task may see (`input`, `workflow`, `event`, earlier tasks'
//! outputs by id, `tasks.<id>` records).
//!
//! Lives in `spec` because checking a definition needs it (syntax, the names
//! an expression refers to); the engine only evaluates compiled forms.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, LazyLock};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value as MjValue, ValueKind};
use minijinja::{Environment, Expression, UndefinedBehavior};
use serde_json::Value;

/// Fuel per evaluation: bounds the work one expression may do (a loop over
/// `range(10**9)` runs out of fuel instead of hanging a worker).
const FUEL: u64 = 100_000;

/// Largest JSON or text one expression may render to. Fuel bounds the
/// work inside an evaluation, but a lazy value (`range(100000) * 1000`, a
/// hundred million items) costs nothing there and grows only when turned
/// into JSON or text; legitimate results are far smaller (task outputs
/// are capped at `MAX_OUTPUT_BYTES`, 1 MiB by default).
pub const MAX_RESULT_BYTES: usize = 16 << 20;

/// Deepest nesting of a rendered config value accepted by `compile`.
const MAX_DEPTH: usize = 64;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A missing field, or the output of a skipped task, reads as null rather
    // than failing the task (`{{ block.status }}` after a skipped `block`).
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(64);
    env
});

/// A compiled expression with its source text.
#[derive(Clone)]
pub struct Expr {
    source: Arc<str>,
    compiled: Arc<Expression<'static, 'static>>,
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

/// A name an expression reads: its first segment and, when there is one,
/// the second (`tasks.enrich.status` → `tasks`, `enrich`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NameRef {
    /// Top-level name.
    pub root: String,
    /// The attribute read from it, if any.
    pub attr: Option<String>,
}

impl Expr {
    /// Compiles an expression; the error is minijinja's message.
    pub fn compile(source: &str) -> Result<Self, String> {
        // As in `eval`: minijinja's debug build panics on some inputs (a
        // syntax error past column 65,535 overflows its span).
        let compiled = std::panic::catch_unwind(|| ENV.compile_expression_owned(source.to_owned()))
            .map_err(|panic| format!("cannot be compiled: {}", crate::panics::message(&*panic)))?
            .map_err(|e| describe(&e))?;
        Ok(Self {
            source: source.into(),
            compiled: Arc::new(compiled),
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The names the expression reads from its scope.
    pub fn names(&self) -> BTreeSet<NameRef> {
        self.compiled
            .undeclared_variables(true)
            .into_iter()
            .map(|path| {
                let mut parts = path.splitn(3, '.');
                NameRef {
                    root: parts.next().unwrap_or_default().to_owned(),
                    attr: parts.next().map(str::to_owned),
                }
            })
            .collect()
    }

    /// Evaluates against a scope. A panic inside minijinja (its debug
    /// build overflows on `s[::-9223372036854775808]`) is this expression's
    /// error, not the run's crash.
    pub fn eval(&self, scope: &MjValue) -> Result<MjValue, String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.compiled.eval(scope)))
            .map_err(|panic| {
                let why = crate::panics::message(&*panic);
                format!("cannot be evaluated: {why}")
            })?
            .map_err(|e| describe(&e))
    }

    /// Evaluates and converts the result to JSON (undefined becomes null).
    pub fn eval_json(&self, scope: &MjValue) -> Result<Value, String> {
        let v = self.eval(scope)?;
        if let Some(node) = v.downcast_object_ref::<JsonNode>() {
            return Ok(node.get().cloned().unwrap_or(Value::Null));
        }
        let not_json = |e: serde_json::Error| format!("result is not JSON: {e}");
        match v.kind() {
            // Strings were paid for with fuel; only containers can be lazy.
            ValueKind::Seq | ValueKind::Map | ValueKind::Iterable | ValueKind::Plain => {
                let mut out = Capped::new();
                if let Err(e) = serde_json::to_writer(&mut out, &v) {
                    return Err(if out.over { too_large() } else { not_json(e) });
                }
                serde_json::from_slice(&out.buf).map_err(not_json)
            }
            _ => serde_json::to_value(&v).map_err(not_json),
        }
    }
}

fn too_large() -> String {
    format!("result is larger than {} MiB", MAX_RESULT_BYTES >> 20)
}

/// A buffer that takes at most [`MAX_RESULT_BYTES`] bytes, then fails
/// the write: turning a value into JSON or text stops as soon as the
/// result is too large instead of after it has been built.
struct Capped {
    buf: Vec<u8>,
    over: bool,
}

impl Capped {
    fn new() -> Self {
        Self {
            buf: Vec::new(),
            over: false,
        }
    }

    fn take(&mut self, bytes: &[u8]) -> bool {
        if self.buf.len() + bytes.len() > MAX_RESULT_BYTES {
            self.over = true;
            return false;
        }
        self.buf.extend_from_slice(bytes);
        true
    }
}

impl std::io::Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.take(bytes) {
            Ok(bytes.len())
        } else {
            Err(std::io::Error::other("result too large"))
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl fmt::Write for Capped {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.take(s.as_bytes()) {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

fn describe(e: &minijinja::Error) -> String {
    let mut msg = e.kind().to_string();
    if let Some(detail) = e.detail() {
        msg.push_str(": ");
        msg.push_str(detail);
    }
    msg
}

/// A config value with its templates compiled: rendering yields JSON.
#[derive(Debug, Clone)]
pub enum Template {
    /// A subtree with no templates: cloned as is.
    Literal(Value),
    /// A string that is exactly one `{{ expr }}`: the expression's typed value.
    Typed(Expr),
    /// Text with `{{ expr }}` parts: interpolated into a string.
    Text(Vec<TextPart>),
    /// A list with templates somewhere inside.
    List(Vec<Template>),
    /// An object with templates somewhere inside.
    Object(Vec<(String, Template)>),
}

/// A piece of an interpolated string.
#[derive(Debug, Clone)]
pub enum TextPart {
    /// Text as written.
    Lit(String),
    /// An expression rendered with its display form.
    Expr(Expr),
}

/// A template problem: JSON path inside the config and the message.
pub type TemplateProblem = (String, String);

impl Template {
    /// Compiles every `{{ expr }}` in a JSON value; problems name the path
    /// (`body.indicator`) of each string that does not compile.
    pub fn compile(value: Value) -> Result<Self, Vec<TemplateProblem>> {
        let mut problems = Vec::new();
        let t = compile_at(value, &mut String::new(), 0, &mut problems);
        if problems.is_empty() {
            Ok(t)
        } else {
            Err(problems)
        }
    }

    /// The value of a literal template (null for any other).
    fn into_literal(self) -> Value {
        match self {
            Template::Literal(v) => v,
            _ => Value::Null,
        }
    }

    /// True when rendering needs no scope.
    pub fn is_literal(&self) -> bool {
        matches!(self, Template::Literal(_))
    }

    /// Adds the expressions of this template to `out`.
    pub fn exprs<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match self {
            Template::Literal(_) => {}
            Template::Typed(e) => out.push(e),
            Template::Text(parts) => out.extend(parts.iter().filter_map(|p| match p {
                TextPart::Expr(e) => Some(e),
                TextPart::Lit(_) => None,
            })),
            Template::List(items) => items.iter().for_each(|t| t.exprs(out)),
            Template::Object(fields) => fields.iter().for_each(|(_, t)| t.exprs(out)),
        }
    }

    /// Renders to JSON against a scope; the error names the expression.
    pub fn render(&self, scope: &MjValue) -> Result<Value, String> {
        Ok(match self {
            Template::Literal(v) => v.clone(),
            Template::Typed(e) => e
                .eval_json(scope)
                .map_err(|m| format!("{{{{ {} }}}}: {m}", e.source()))?,
            Template::Text(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        TextPart::Lit(t) => s.push_str(t),
                        TextPart::Expr(e) => {
                            let v = e
                                .eval(scope)
                                .map_err(|m| format!("{{{{ {} }}}}: {m}", e.source()))?;
                            if !v.is_undefined() {
                                let mut out = Capped::new();
                                if fmt::Write::write_fmt(&mut out, format_args!("{v}")).is_err() {
                                    let m = if out.over {
                                        too_large()
                                    } else {
                                        "cannot be shown as text".into()
                                    };
                                    return Err(format!("{{{{ {} }}}}: {m}", e.source()));
                                }
                                // Only whole `str`s were written.
                                s.push_str(&String::from_utf8_lossy(&out.buf));
                            }
                        }
                    }
                }
                Value::String(s)
            }
            Template::List(items) => Value::Array(
                items
                    .iter()
                    .map(|t| t.render(scope))
                    .collect::<Result<_, _>>()?,
            ),
            Template::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, t)| Ok((k.clone(), t.render(scope)?)))
                    .collect::<Result<_, String>>()?,
            ),
        })
    }
}

fn compile_at(
    value: Value,
    path: &mut String,
    depth: usize,
    problems: &mut Vec<TemplateProblem>,
) -> Template {
    if depth > MAX_DEPTH {
        problems.push((
            path.clone(),
            format!("nested deeper than {MAX_DEPTH} levels"),
        ));
        return Template::Literal(Value::Null);
    }
    if !has_template(&value) {
        return Template::Literal(value);
    }
    match value {
        Value::String(s) if s.contains("{{") => match compile_text(&s) {
            Ok(t) => t,
            Err(m) => {
                problems.push((path.clone(), m));
                Template::Literal(Value::Null)
            }
        },
        Value::Array(items) => {
            let parts: Vec<Template> = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    let t = compile_at(v, path, depth + 1, problems);
                    path.truncate(len);
                    t
                })
                .collect();
            if parts.iter().all(Template::is_literal) {
                Template::Literal(Value::Array(
                    parts.into_iter().map(Template::into_literal).collect(),
                ))
            } else {
                Template::List(parts)
            }
        }
        Value::Object(map) => {
            let fields: Vec<(String, Template)> = map
                .into_iter()
                .map(|(k, v)| {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(super::key_name(&k));
                    let t = compile_at(v, path, depth + 1, problems);
                    path.truncate(len);
                    (k, t)
                })
                .collect();
            if fields.iter().all(|(_, t)| t.is_literal()) {
                Template::Literal(Value::Object(
                    fields
                        .into_iter()
                        .map(|(k, t)| (k, t.into_literal()))
                        .collect(),
                ))
            } else {
                Template::Object(fields)
            }
        }
        literal => Template::Literal(literal),
    }
}

/// Whether any string inside holds `{{`.
fn has_template(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{"),
        Value::Array(items) => items.iter().any(has_template),
        Value::Object(map) => map.values().any(has_template),
        _ => false,
    }
}

/// Splits text into literal and `{{ expr }}` parts and compiles the latter.
fn compile_text(s: &str) -> Result<Template, String> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed '{{{{' in {s:?}"))?;
        if start > 0 {
            parts.push(TextPart::Lit(rest[..start].to_owned()));
        }
        let source = after[..end].trim();
        if source.is_empty() {
            return Err(format!("empty '{{{{ }}}}' in {s:?}"));
        }
        let expr = Expr::compile(source).map_err(|m| format!("{{{{ {source} }}}}: {m}"))?;
        parts.push(TextPart::Expr(expr));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(TextPart::Lit(rest.to_owned()));
    }
    Ok(match parts.as_slice() {
        [TextPart::Expr(e)] => Template::Typed(e.clone()),
        _ => Template::Text(parts),
    })
}

/// The names visible to one evaluation. Lookups of names not in the scope
/// are undefined (read as null).
#[derive(Debug, Default)]
pub struct Scope {
    entries: Vec<(Arc<str>, MjValue)>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `name` to a value.
    pub fn bind(&mut self, name: impl Into<Arc<str>>, value: MjValue) {
        self.entries.push((name.into(), value));
    }

    /// The scope as a value to evaluate against.
    pub fn into_value(self) -> MjValue {
        MjValue::from_object(self)
    }
}

impl Object for Scope {
    fn get_value(self: &Arc<Self>, key: &MjValue) -> Option<MjValue> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<MjValue> {
        self.entries
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.entries
                .iter()
                .map(|(k, _)| MjValue::from(&**k))
                .collect(),
        )
    }
}

/// Exposes a JSON value to expressions without copying it: objects and
/// lists are walked lazily, scalars converted on access.
pub fn json_value(value: Arc<Value>) -> MjValue {
    node_value(value, String::new())
}

fn node_value(root: Arc<Value>, pointer: String) -> MjValue {
    let v = if pointer.is_empty() {
        Some(&*root)
    } else {
        root.pointer(&pointer)
    };
    match v {
        None => MjValue::UNDEFINED,
        Some(Value::Null) => MjValue::from(()),
        Some(Value::Bool(b)) => MjValue::from(*b),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                MjValue::from(i)
            } else if let Some(u) = n.as_u64() {
                MjValue::from(u)
            } else {
                MjValue::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Some(Value::String(s)) => MjValue::from(s.as_str()),
        Some(Value::Array(_) | Value::Object(_)) => {
            MjValue::from_object(JsonNode { root, pointer })
        }
    }
}

/// A list or object inside a shared JSON value, addressed by JSON pointer.
#[derive(Debug)]
struct JsonNode {
    root: Arc<Value>,
    pointer: String,
}

impl JsonNode {
    fn get(&self) -> Option<&Value> {
        if self.pointer.is_empty() {
            Some(&self.root)
        } else {
            self.root.pointer(&self.pointer)
        }
    }

    fn child(&self, key: &str) -> MjValue {
        let mut pointer = String::with_capacity(self.pointer.len() + key.len() + 1);
        pointer.push_str(&self.pointer);
        pointer.push('/');
        for c in key.chars() {
            match c {
                '~' => pointer.push_str("~0"),
                '/' => pointer.push_str("~1"),
                c => pointer.push(c),
            }
        }
        node_value(self.root.clone(), pointer)
    }
}

impl Object for JsonNode {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match self.get() {
            Some(Value::Array(_)) => ObjectRepr::Seq,
            _ => ObjectRepr::Map,
        }
    }

    fn get_value(self: &Arc<Self>, key: &MjValue) -> Option<MjValue> {
        match self.get()? {
            Value::Array(items) => {
                let len = items.len() as i64;
                let mut i = key.as_i64()?;
                if i < 0 {
                    i += len;
                }
                (0..len).contains(&i).then(|| self.child(&i.to_string()))
            }
            Value::Object(map) => {
                let k = key.as_str()?;
                map.contains_key(k).then(|| self.child(k))
            }
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.get() {
            Some(Value::Array(items)) => Enumerator::Seq(items.len()),
            Some(Value::Object(map)) => {
                Enumerator::Values(map.keys().map(|k| MjValue::from(k.as_str())).collect())
            }
            _ => Enumerator::Empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope(pairs: &[(&str, Value)]) -> MjValue {
        let mut s = Scope::new();
        for (k, v) in pairs {
            s.bind(*k, json_value(Arc::new(v.clone())));
        }
        s.into_value()
    }

    /// Debug builds check overflow (and panic); release builds wrap.
    #[cfg(debug_assertions)]
    #[test]
    fn a_panic_inside_minijinja_is_the_expressions_error() {
        // Found by tests/fuzz_templates.rs: the step's negation overflows.
        let e = Expr::compile("\"abc\"[::-9223372036854775808]").unwrap();
        let m = e.eval(&scope(&[])).unwrap_err();
        assert!(m.contains("cannot be evaluated"), "{m}");
        // And a syntax error past column 65,535 overflows the lexer's span.
        let long = format!(
            "\"{}\" + 99999999999999999999999999999999999999999",
            "x".repeat(70_000)
        );
        let m = Expr::compile(&long).err().unwrap();
        assert!(m.contains("cannot be compiled"), "{m}");
    }

    #[test]
    fn whole_string_template_keeps_the_json_type() {
        let t =
            Template::compile(json!({"f": "{{ enrich.features }}", "n": "{{ 1 + 2 }}"})).unwrap();
        let s = scope(&[("enrich", json!({"features": [1, 2.5, "x"]}))]);
        assert_eq!(t.render(&s).unwrap(), json!({"f": [1, 2.5, "x"], "n": 3}));
    }

    #[test]
    fn mixed_text_interpolates() {
        let t = Template::compile(json!("High risk score: {{score.risk}}!")).unwrap();
        let s = scope(&[("score", json!({"risk": 0.93}))]);
        assert_eq!(t.render(&s).unwrap(), json!("High risk score: 0.93!"));
    }

    #[test]
    fn missing_fields_and_skipped_tasks_render_as_null() {
        let t =
            Template::compile(json!({"r": "{{ block.status }}", "x": "{{ enrich.nope.deeper }}"}))
                .unwrap();
        let s = scope(&[("enrich", json!({"ip": "1.2.3.4"}))]);
        assert_eq!(t.render(&s).unwrap(), json!({"r": null, "x": null}));
    }

    #[test]
    fn strings_without_templates_stay_literal() {
        let t = Template::compile(json!({"a": "plain", "b": [1, 2]})).unwrap();
        assert!(t.is_literal());
    }

    #[test]
    fn compile_errors_name_the_path() {
        let err = Template::compile(json!({"body": {"x": ["ok", "{{ 1 + }}"]}})).unwrap_err();
        assert_eq!(err[0].0, "body.x[1]");
        let err = Template::compile(json!({"u": "{{ never closed"})).unwrap_err();
        assert!(err[0].1.contains("unclosed"), "{err:?}");
    }

    #[test]
    fn names_report_root_and_attribute() {
        let e =
            Expr::compile("score.risk > 0.8 and tasks.enrich.status == 'ok' and input").unwrap();
        let names: Vec<_> = e.names().into_iter().map(|n| (n.root, n.attr)).collect();
        assert!(names.contains(&("score".into(), Some("risk".into()))));
        assert!(names.contains(&("tasks".into(), Some("enrich".into()))));
        assert!(names.contains(&("input".into(), None)));
    }

    /// Work that fuel does not see: a lazily repeated list is cheap to
    /// make inside the evaluation and large once turned into JSON or text.
    #[test]
    fn a_result_too_large_to_render_is_refused() {
        // About 20 MB of JSON from a value that costs nothing to make.
        let e = Expr::compile("range(100000) * 30").unwrap();
        let shown = |r: Result<Value, String>| r.map(|v| v.to_string().len());
        let r = shown(e.eval_json(&scope(&[])));
        assert!(
            matches!(&r, Err(m) if m.contains("larger than 16 MiB")),
            "{r:?}"
        );
        let t = Template::compile(json!({"x": "items: {{ range(100000) * 30 }}"})).unwrap();
        let r = shown(t.render(&scope(&[])));
        assert!(
            matches!(&r, Err(m) if m.contains("larger than 16 MiB")),
            "{r:?}"
        );
        // Below the bound, the same kind of value renders.
        let e = Expr::compile("range(10) * 3").unwrap();
        assert_eq!(
            e.eval_json(&scope(&[])).unwrap().as_array().unwrap().len(),
            30
        );
    }

    #[test]
    fn runaway_expressions_are_stopped() {
        for (src, expected) in [
            (
                "range(100000) | map('string') | join | length",
                "ran out of fuel",
            ),
            ("range(1000000) | length", "range has too many elements"),
            ("'x' * 1000000000", "ran out of fuel"),
        ] {
            let e = Expr::compile(src).unwrap();
            let err = e.eval(&scope(&[])).unwrap_err();
            assert!(err.contains(expected), "{src}: {err}");
        }
    }
}
