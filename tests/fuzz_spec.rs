//! Property tests of the definition loader: any text, in either format,
//! loads or is refused, never panics, and every refusal names what is
//! wrong.
//!
//! The property checked of a refusal: each problem has a non-empty message
//! and a non-empty field, with one exception: a document that cannot be
//! read as a workflow at all (unparsable, too large, not a mapping) is
//! refused with exactly one problem that names no field and no task, whose
//! message says which of these it is (and, for a parse error, where). A
//! problem that names a task names it by id or, without one, by position
//! (`#2`), never as an empty string.

mod common;

use std::sync::{Arc, LazyLock};

use common::fuzz;
use orchestrator::plugins::Registry;
use orchestrator::spec::{self, Format, Limits, Problem};
use proptest::prelude::*;
use serde_json::Value;

static REGISTRY: LazyLock<Registry> =
    LazyLock::new(|| common::registry(&Arc::new(common::Probe::default()), &["echo"]));

/// Messages of the refusals of a whole document.
const WHOLE_DOCUMENT: &[&str] = &[
    "invalid JSON: ",
    "invalid YAML: ",
    "definition is ",
    "a workflow must be a mapping",
];

/// Loads `text`; checks the property above of a refusal, and the shape of
/// the plan of a definition that loads.
fn check(text: &str, format: Format) -> Result<(), TestCaseError> {
    match spec::load(text, format, &REGISTRY, &Limits::default()) {
        Ok((spec, plan)) => {
            let n = spec.tasks.len();
            prop_assert_eq!(plan.tasks.len(), n);
            // Dependencies come first in the topological order.
            let mut pos = vec![usize::MAX; n];
            for (i, &t) in plan.topological.iter().enumerate() {
                pos[t as usize] = i;
            }
            prop_assert!(pos.iter().all(|&p| p < n), "not a permutation");
            for (t, deps) in plan.dependencies.iter().enumerate() {
                for &d in deps {
                    prop_assert!(pos[d as usize] < pos[t]);
                }
            }
        }
        Err(e) => check_problems(&e.problems)?,
    }
    Ok(())
}

fn check_problems(problems: &[Problem]) -> Result<(), TestCaseError> {
    prop_assert!(!problems.is_empty(), "a refusal without problems");
    for p in problems {
        prop_assert!(!p.message.is_empty(), "no message: {:?}", p);
        if let Some(task) = &p.task {
            prop_assert!(!task.is_empty(), "an empty task name: {:?}", p);
        }
        if p.field.is_empty() {
            prop_assert!(
                problems.len() == 1
                    && p.task.is_none()
                    && WHOLE_DOCUMENT.iter().any(|m| p.message.starts_with(m)),
                "a problem naming no field: {:?} (all: {:?})",
                p,
                problems
            );
        }
    }
    Ok(())
}

fn yaml(v: &Value) -> String {
    serde_norway::to_string(v).expect("a JSON value is YAML")
}

proptest! {
    #![proptest_config(fuzz::config(1024))]

    /// Documents shaped like workflows, as JSON and as YAML.
    #[test]
    fn workflow_shaped_documents_load_or_name_each_problem(doc in fuzz::workflow()) {
        check(&doc.to_string(), Format::Json)?;
        check(&yaml(&doc), Format::Yaml)?;
    }

    /// Any value at all, even when it is not a mapping.
    #[test]
    fn arbitrary_values_load_or_name_each_problem(doc in fuzz::json(4)) {
        check(&doc.to_string(), Format::Json)?;
        check(&yaml(&doc), Format::Yaml)?;
    }

    /// Text edits of a definition that loads: YAML and JSON punctuation,
    /// anchors, aliases, tags and unicode in random places.
    #[test]
    fn edited_definitions_load_or_name_each_problem(
        text in (1usize..5).prop_flat_map(|n| fuzz::mutated(fuzz::valid_workflow_text(n))),
    ) {
        check(&text, Format::Yaml)?;
        check(&text, Format::Json)?;
    }

    /// Arbitrary text.
    #[test]
    fn arbitrary_text_loads_or_names_each_problem(text in any::<String>()) {
        check(&text, Format::Yaml)?;
        check(&text, Format::Json)?;
    }
}

#[test]
fn the_base_of_the_edits_loads() {
    let text = fuzz::valid_workflow_text(3);
    spec::load(&text, Format::Yaml, &REGISTRY, &Limits::default()).unwrap();
}

#[test]
fn deeply_nested_and_aliased_yaml_is_refused_without_a_panic() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_map = format!(
        "name: w\ntasks:\n  - {{id: a, type: echo, body: {}1{}}}\n",
        "{x: ".repeat(10_000),
        "}".repeat(10_000)
    );
    // Each level refers to the one before it nine times: expanded, 9^9
    // nodes ("billion laughs").
    let mut laughs = String::from("a0: &a0 [x]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let refs = vec![prev; 9].join(", ");
        laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    laughs.push_str("name: w\ntasks: [{id: a, type: echo, body: *a9}]\n");
    for text in [deep.as_str(), deep_map.as_str(), laughs.as_str()] {
        for format in [Format::Yaml, Format::Json] {
            check(text, format).unwrap();
        }
    }
}
