//! Property tests of the expression language: any expression or template
//! compiles or is refused with a message, and evaluating a compiled one
//! against any scope ends, never panics, and yields at most
//! `MAX_RESULT_BYTES` per expression (fuel bounds the work inside an
//! evaluation; the size check bounds what leaves it).

mod common;

use std::sync::Arc;

use common::fuzz;
use minijinja::value::Value as MjValue;
use orchestrator::spec::template::{Expr, MAX_RESULT_BYTES, Scope, Template, json_value};
use proptest::prelude::*;
use serde_json::Value;

/// Names an expression may read; the scope binds most of them.
const NAMES: &[&str] = &[
    "input",
    "a",
    "b",
    "tasks",
    "event",
    "workflow",
    "loop",
    "x",
    "range",
    "dict",
    "namespace",
    "debug",
    "self",
    "none",
];

/// Filters, the built-in ones with arguments that stress them, and a few
/// that do not exist.
const FILTERS: &[&str] = &[
    "length",
    "list",
    "join",
    "join(', ')",
    "string",
    "int",
    "float",
    "abs",
    "reverse",
    "sort",
    "unique",
    "first",
    "last",
    "min",
    "max",
    "sum",
    "map('string')",
    "map('length')",
    "map(attribute='x')",
    "select",
    "reject('odd')",
    "selectattr('x')",
    "batch(3)",
    "batch(0)",
    "slice(3)",
    "slice(0)",
    "items",
    "dictsort",
    "tojson",
    "tojson(indent=100000)",
    "indent(100000)",
    "replace('', 'xx')",
    "replace('1', '1111111111')",
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "round(2)",
    "round(-1000000)",
    "default('d')",
    "d",
    "count",
    "format(1, 2)",
    "format('%99999999d')",
    "split",
    "split('')",
    "lines",
    "groupby('x')",
    "attr('x')",
    "pprint",
    "escape",
    "safe",
    "bool",
    "wordcount",
    "chain(range(5))",
    "zip(range(5))",
    "no_such_filter",
];

/// Tests (`x is ...`).
const TESTS: &[&str] = &[
    "defined",
    "undefined",
    "none",
    "number",
    "string",
    "sequence",
    "mapping",
    "odd",
    "even",
    "divisibleby(0)",
    "divisibleby(3)",
    "in([1, 2])",
    "true",
    "safe",
    "no_such_test",
];

const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in",
    "not in",
];

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(NAMES).prop_map(str::to_owned),
        prop::sample::select(vec![
            "0",
            "1",
            "-1",
            "2",
            "100000",
            "1000000000",
            "9223372036854775807",
            "-9223372036854775808",
            "170141183460469231731687303715884105727",
            "99999999999999999999999999999999999999999",
            "0.5",
            "1e308",
            "1e309",
            "-0.0",
            "''",
            "'x'",
            "\"é🦀\"",
            "'{{'",
            "none",
            "true",
            "false",
            "[]",
            "{}",
            "range(100000)",
            "range(10)",
            "range(-5)",
            "range(0, 100000, 0)",
            "range(9223372036854775807)",
            "range(-9223372036854775808, 9223372036854775807, 4611686018427387904)",
            "dict(a=1)",
            "namespace()",
            "input.items",
            "a.b.c.d",
            "tasks.a.status",
            "input[0]",
            "input[-9223372036854775808]",
        ])
        .prop_map(str::to_owned),
        (-1000i64..1000).prop_map(|n| n.to_string()),
        "[a-z_]{1,6}",
        fuzz::nasty_string().prop_map(|s| format!("{s:?}")),
    ]
}

/// Expressions built from atoms by operators, filters, tests, attribute,
/// item and slice access, calls, lists, dicts and conditionals.
fn expression() -> impl Strategy<Value = String> {
    atom().prop_recursive(5, 40, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(OPERATORS),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            (inner.clone(), prop::sample::select(FILTERS)).prop_map(|(a, f)| format!("{a} | {f}")),
            (inner.clone(), prop::sample::select(TESTS)).prop_map(|(a, t)| format!("({a} is {t})")),
            inner.clone().prop_map(|a| format!("(not {a})")),
            inner.clone().prop_map(|a| format!("(-{a})")),
            (inner.clone(), "[a-z_]{1,5}").prop_map(|(a, k)| format!("{a}.{k}")),
            (inner.clone(), inner.clone()).prop_map(|(a, i)| format!("{a}[{i}]")),
            (
                inner.clone(),
                prop::option::of(inner.clone()),
                prop::option::of(inner.clone()),
                prop::option::of(inner.clone())
            )
                .prop_map(|(a, x, y, z)| {
                    let o = |v: Option<String>| v.unwrap_or_default();
                    format!("{a}[{}:{}:{}]", o(x), o(y), o(z))
                }),
            (inner.clone(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec((inner.clone(), inner.clone()), 0..3).prop_map(|kv| {
                let kv: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", kv.join(", "))
            }),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, c, b)| format!("({a} if {c} else {b})")),
        ]
    })
}

/// Arbitrary text in the alphabet of expressions, which mostly fails to
/// parse in interesting places.
fn expression_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ a-z0-9()\\[\\]{}|.,:'\"+*/%~<>=!_-]{0,40}",
        any::<String>(),
    ]
}

/// A scope binding a few of the names to arbitrary JSON.
fn scope() -> impl Strategy<Value = Vec<(&'static str, Value)>> {
    prop::collection::vec(
        (
            prop::sample::select(&["input", "a", "b", "tasks", "event", "x"][..]),
            fuzz::json(3),
        ),
        0..5,
    )
}

fn bind(pairs: &[(&'static str, Value)]) -> MjValue {
    let mut s = Scope::new();
    for (k, v) in pairs {
        s.bind(*k, json_value(Arc::new(v.clone())));
    }
    s.into_value()
}

/// Compiles and, when that works, evaluates `src` against `scope`: an
/// error has a message, a result's JSON has a bounded size.
fn check_expression(src: &str, scope: &MjValue) -> Result<(), TestCaseError> {
    let e = match Expr::compile(src) {
        Ok(e) => e,
        Err(m) => {
            prop_assert!(!m.is_empty());
            return Ok(());
        }
    };
    let _ = e.names();
    // Conditions and trigger filters only ask whether the value is true.
    if let Ok(v) = e.eval(scope) {
        let _ = v.is_true();
    }
    match e.eval_json(scope) {
        Ok(v) => prop_assert!(v.to_string().len() <= MAX_RESULT_BYTES),
        Err(m) => prop_assert!(!m.is_empty()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(fuzz::config(512))]

    /// Expressions built from the grammar.
    #[test]
    fn built_expressions_compile_or_fail_and_evaluate_within_bounds(
        src in expression(),
        scope in scope(),
    ) {
        check_expression(&src, &bind(&scope))?;
    }

    /// Arbitrary text as an expression.
    #[test]
    fn arbitrary_text_compiles_or_fails_and_evaluates_within_bounds(
        src in expression_text(),
        scope in scope(),
    ) {
        check_expression(&src, &bind(&scope))?;
    }

    /// Config values with `{{ expr }}` strings anywhere inside: compiling
    /// names the path of every bad one; rendering yields at most
    /// `MAX_RESULT_BYTES` per expression on top of the literal text.
    #[test]
    fn templates_compile_or_name_the_path_and_render_within_bounds(
        config in fuzz::json(3),
        exprs in prop::collection::vec(expression(), 1..4),
        glue in fuzz::nasty_string(),
        scope in scope(),
    ) {
        let text = exprs.iter().map(|e| format!("{{{{ {e} }}}}")).collect::<Vec<_>>().join(&glue);
        let config = serde_json::json!({"body": config, "text": text, "typed": format!("{{{{ {} }}}}", exprs[0])});
        let literal = config.to_string().len();
        match Template::compile(config) {
            Err(problems) => {
                for (path, message) in problems {
                    prop_assert!(!path.is_empty() && !message.is_empty());
                }
            }
            Ok(t) => {
                let mut all = Vec::new();
                t.exprs(&mut all);
                if let Ok(v) = t.render(&bind(&scope)) {
                    let bound = literal + all.len() * MAX_RESULT_BYTES;
                    prop_assert!(v.to_string().len() <= bound);
                }
            }
        }
    }
}

/// Loops inside loops run out of fuel instead of running for hours.
#[test]
fn nested_loops_run_out_of_fuel() {
    let scope = bind(&[]);
    for src in [
        "range(100000) | map('string') | map('length') | sum",
        "range(100000) | map('string') | list | map('list') | list | length",
        "(range(100000) * 100) | list | length",
        "(range(100000) * 100) | sort | first",
        "(range(100000) * 100) | join | length",
        "(range(100000) * 100) | unique | list | length",
        "((range(100000) * 100) | tojson) | length",
    ] {
        let err = Expr::compile(src).unwrap().eval(&scope).unwrap_err();
        assert!(
            err.contains("fuel") || err.contains("too many") || err.contains("too large"),
            "{src}: {err}"
        );
    }
}
