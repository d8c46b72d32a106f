//! Generators for the property tests that feed arbitrary input to the
//! parsers and the REST gateway: JSON values shaped like workflow documents
//! (the real field names, wrong types, deep nesting, huge numbers, unicode,
//! duplicate ids, cycles), and the case count every such test runs.
//!
//! Random bytes alone only ever reach the first parse error; most of the
//! weight here goes to documents that parse and reach the checks behind.

use orchestrator::spec::{TASK_FIELDS, WORKFLOW_FIELDS};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};

/// The config of a property test: `cases` cases unless `PROPTEST_CASES`
/// says otherwise (proptest reads it into `Config::default()`). Failures
/// are not saved to files: a failure found becomes a named regression test.
pub fn config(cases: u32) -> Config {
    let mut c = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = cases;
    }
    c
}

/// Fields of the plugins' configs (all types together).
pub const PLUGIN_FIELDS: &[&str] = &[
    "body",
    "duration",
    "program",
    "args",
    "env",
    "stdin",
    "max_output_bytes",
    "workdir",
    "retry_on_exit_codes",
    "url",
    "method",
    "headers",
    "query",
    "auth",
    "follow_redirects",
    "max_response_bytes",
    "ca_file",
    "tls_verify",
    "script",
    "file",
    "cpu_seconds",
    "memory_mb",
    "network",
    "target",
    "metadata",
    "descriptor_set",
    "connection",
    "params",
    "allow_write",
    "max_rows",
    "topic",
    "key",
    "value",
    "compression",
    "version",
];

/// Task types: the built-in ones and a few that do not exist.
pub const TASK_TYPES: &[&str] = &[
    "echo", "sleep", "shell", "http", "python", "grpc", "sql", "kafka", "model", "probe",
    "teleport", "", "ECHO",
];

/// A few ids, so that generated tasks collide and depend on each other
/// (duplicates, cycles, self-dependencies), with some that are not ids.
pub const IDS: &[&str] = &[
    "a", "b", "c", "d", "", "input", "tasks", "secrets", "a.b", "x y", "é", "-", "range",
];

/// Strings that tend to find the corners of parsers: empty, blank, control
/// characters, unicode, templates and expressions, durations in and out of
/// range, and a long one.
fn nasty_literal() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        " ",
        "\0",
        "\n\t",
        "é",
        "🦀",
        "\u{202e}",
        "\u{feff}x",
        "{{",
        "}}",
        "{{}}",
        "{{ x }}",
        "{{ a.output }}",
        "{{ tasks.a.status }}",
        "{{ input.x }} and {{ event }}",
        "{{ 1 + }}",
        "{{ secrets.k }}",
        "{{ range(100000) | join }}",
        "{{ 'x' * 1000000000 }}",
        "{% for i in range(10) %}x{% endfor %}",
        "a.b > 1",
        "true",
        "5s",
        "0s",
        "250ms",
        "-1s",
        "1h30m",
        "18446744073709551615s",
        "99999999999999999999999h",
        "1000000000000000h",
        "always",
        "all_done",
        "RUN_IF_ALWAYS",
        "http://127.0.0.1:9/",
        "GET",
        "*/5 * * * *",
        "Europe/Berlin",
    ])
    .prop_map(str::to_owned)
}

/// Any string, weighted towards the interesting ones.
pub fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => nasty_literal(),
        2 => "[a-zA-Z0-9_. -]{0,16}",
        2 => any::<String>(),
        1 => (nasty_literal(), 1usize..3000).prop_map(|(s, n)| s.repeat(n)),
    ]
}

/// A field name: the real ones (also in lowerCamelCase, as proto3 JSON
/// spells them) and odd ones.
pub fn key() -> impl Strategy<Value = String> {
    let real: Vec<&'static str> = WORKFLOW_FIELDS
        .iter()
        .chain(TASK_FIELDS)
        .chain(PLUGIN_FIELDS)
        .chain(TASK_TYPES)
        .copied()
        .collect();
    prop_oneof![
        6 => prop::sample::select(real).prop_map(str::to_owned),
        1 => Just("dependsOn".to_owned()),
        1 => Just("maxAttempts".to_owned()),
        1 => Just("allowFailure".to_owned()),
        1 => Just("A".to_owned()),
        2 => nasty_string(),
    ]
}

/// A scalar JSON value, with numbers at their limits.
pub fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => (0i64..5).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => Just(Value::from(u64::MAX)),
        1 => Just(Value::from(i64::MIN)),
        1 => prop::sample::select(vec![0.5, -0.0, 1e308, -1e308, 1.5, 100.0, 1e-310])
            .prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        4 => nasty_string().prop_map(Value::String),
    ]
}

/// Any JSON value up to `depth` levels of lists and objects.
pub fn json(depth: u32) -> impl Strategy<Value = Value> {
    leaf().prop_recursive(depth, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A value nested `n` lists deep around a leaf (deeper than any generated
/// by `json`).
pub fn deep() -> impl Strategy<Value = Value> {
    (1usize..200, leaf(), any::<bool>()).prop_map(|(n, leaf, objects)| {
        let mut v = leaf;
        for _ in 0..n {
            v = if objects {
                Value::Object(Map::from_iter([("body".to_owned(), v)]))
            } else {
                Value::Array(vec![v])
            };
        }
        v
    })
}

fn some_value() -> impl Strategy<Value = Value> {
    prop_oneof![6 => json(3), 1 => deep()]
}

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::sample::select(list).prop_map(Value::from)
}

/// A task: mostly a mapping with an id and a type from small pools,
/// dependencies among the same ids, and a few other fields with values of
/// any type.
pub fn task() -> impl Strategy<Value = Value> {
    let id = prop_oneof![8 => pick(IDS), 1 => leaf()];
    let kind = prop_oneof![8 => pick(TASK_TYPES), 1 => leaf()];
    let deps = prop_oneof![
        4 => prop::collection::vec(pick(IDS), 0..4).prop_map(Value::Array),
        1 => pick(IDS),
        1 => some_value(),
    ];
    let retry = prop::collection::vec(
        (
            prop::sample::select(vec![
                "max_attempts",
                "initial_backoff",
                "max_backoff",
                "multiplier",
                "maxAttempts",
                "jitter",
            ])
            .prop_map(str::to_owned),
            leaf(),
        ),
        0..4,
    )
    .prop_map(|kv| Value::Object(kv.into_iter().collect()));
    let mapping = (
        prop::option::weighted(0.9, id),
        prop::option::weighted(0.9, kind),
        prop::option::of(deps),
        prop::option::weighted(0.2, retry),
        prop::collection::vec((key(), some_value()), 0..5),
    )
        .prop_map(|(id, kind, deps, retry, rest)| {
            let mut m = Map::new();
            for (k, v) in rest {
                m.insert(k, v);
            }
            for (k, v) in [
                ("id", id),
                ("type", kind),
                ("depends_on", deps),
                ("retry", retry),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            Value::Object(m)
        });
    prop_oneof![12 => mapping, 1 => some_value()]
}

/// A workflow document: mostly a mapping with a name and a list of tasks,
/// plus other fields of any type; sometimes not a mapping at all.
pub fn workflow() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        4 => "[a-z][a-z0-9_.-]{0,10}".prop_map(Value::from),
        1 => leaf(),
    ];
    let tasks = prop_oneof![
        8 => prop::collection::vec(task(), 0..8).prop_map(Value::Array),
        1 => some_value(),
    ];
    let mapping = (
        prop::option::weighted(0.9, name),
        prop::option::weighted(0.95, tasks),
        prop::collection::vec((key(), some_value()), 0..3),
    )
        .prop_map(|(name, tasks, rest)| {
            let mut m: Map<String, Value> = rest.into_iter().collect();
            if let Some(n) = name {
                m.insert("name".into(), n);
            }
            if let Some(t) = tasks {
                m.insert("tasks".into(), t);
            }
            Value::Object(m)
        });
    prop_oneof![12 => mapping, 1 => some_value()]
}

/// A workflow that loads: `n` echo tasks in a chain, each reading its
/// predecessor's output. The base that byte mutations start from.
pub fn valid_workflow_text(n: usize) -> String {
    let mut s = String::from("name: fuzz\ntasks:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  - id: t{i}\n    type: echo\n    body: {{x: \"{{{{ input.x }}}}\"}}\n"
        ));
        if i > 0 {
            s.push_str(&format!("    depends_on: [t{}]\n", i - 1));
        }
    }
    s
}

/// Text mutations of `base`: bytes replaced, inserted and deleted at
/// arbitrary (char-boundary) positions, with YAML and JSON punctuation
/// weighted up.
pub fn mutated(base: String) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ":",
            "- ",
            "&a ",
            "*a",
            "!!binary ",
            "!!str ",
            "? ",
            "|",
            ">",
            "\"",
            "'",
            "#",
            "\n",
            "  ",
            "\t",
            "{{",
            "}}",
            "%",
            "@",
            ",",
            "<<: *a",
            "---",
            "...",
            "~",
            "\\u0000",
            "\u{0}",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, piece), 1..6).prop_map(
        move |edits| {
            let mut s = base.clone();
            for (at, cut, piece) in edits {
                let mut i = at.index(s.len() + 1);
                while !s.is_char_boundary(i) {
                    i -= 1;
                }
                let mut j = (i + cut).min(s.len());
                while !s.is_char_boundary(j) {
                    j += 1;
                }
                s.replace_range(i..j, &piece);
            }
            s
        },
    )
}
