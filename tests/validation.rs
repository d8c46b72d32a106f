//! Bad definitions: every validation rule reports a clear problem naming
//! the task and field, all problems come at once, and nothing is stored.

mod common;

use std::sync::Arc;

use orchestrator::config::Config;
use orchestrator::plugins::Registry;
use orchestrator::spec::{self, Format, Limits, SpecError};

fn load(yaml: &str) -> Result<(), SpecError> {
    let registry = common::registry(&Arc::new(common::Probe::default()), &["echo"]);
    spec::load(yaml, Format::Yaml, &registry, &Limits::default()).map(|_| ())
}

/// The problems of an invalid definition, one string each.
fn problems(yaml: &str) -> Vec<String> {
    match load(yaml) {
        Ok(()) => panic!("expected problems, the definition loaded:\n{yaml}"),
        Err(e) => e.problems.iter().map(ToString::to_string).collect(),
    }
}

fn has(problems: &[String], needle: &str) {
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "no problem contains {needle:?}; got:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_briefs_example_and_its_local_twin_load_unchanged() {
    let text = std::fs::read_to_string("examples/auto_threat_response.yaml").unwrap();
    load(&text).unwrap();
    let local = std::fs::read_to_string("examples/auto_threat_response.local.yaml").unwrap();
    load(&local).unwrap();
}

#[test]
fn duplicate_ids_are_reported() {
    let p = problems("name: w\ntasks:\n  - {id: a, type: echo}\n  - {id: a, type: echo}\n");
    has(&p, "task 'a': id: duplicate id");
}

#[test]
fn empty_or_missing_ids_are_reported_by_position() {
    let p = problems("name: w\ntasks:\n  - {id: '', type: echo}\n  - {type: echo}\n");
    has(&p, "tasks[0].id: required");
    has(&p, "tasks[1].id: required");
}

#[test]
fn unknown_dependency_is_reported() {
    let p = problems("name: w\ntasks:\n  - {id: a, type: echo, depends_on: [ghost]}\n");
    assert_eq!(p, ["task 'a': depends_on: unknown task 'ghost'"]);
}

#[test]
fn cycle_is_reported_with_its_path() {
    let p = problems(
        "name: w\ntasks:\n  - {id: a, type: echo, depends_on: [c]}\n  - {id: b, type: echo, depends_on: [a]}\n  - {id: c, type: echo, depends_on: [b]}\n",
    );
    has(&p, "dependency cycle: a -> c -> b -> a");
}

#[test]
fn unknown_task_type_is_reported() {
    let p = problems("name: w\ntasks:\n  - {id: a, type: teleport}\n");
    has(
        &p,
        "task 'a': type: unknown task type 'teleport'; known types: approval, echo, grpc, http, kafka, model",
    );
}

#[test]
fn missing_plugin_config_is_reported() {
    let p = problems(
        "name: w\ntasks:\n  - {id: a, type: http, method: POST}\n  - {id: s, type: sleep}\n",
    );
    has(&p, "task 'a': url: required");
    has(&p, "task 's': duration: required");
}

#[test]
fn wrong_typed_plugin_config_names_each_field() {
    let p = problems(
        "name: w\ntasks:\n  - {id: a, type: shell, program: echo, args: hello, env: [1], max_output_bytes: lots}\n",
    );
    has(&p, "task 'a': args: invalid type");
    has(&p, "task 'a': env: invalid type");
    has(&p, "task 'a': max_output_bytes:");
}

#[test]
fn unknown_plugin_field_is_reported() {
    let p = problems("name: w\ntasks:\n  - {id: a, type: http, url: 'http://x/', verb: POST}\n");
    has(&p, "task 'a': verb: unknown field `verb`");
}

#[test]
fn flat_and_typed_forms_cannot_be_mixed() {
    let p = problems(
        "name: w\ntasks:\n  - {id: a, type: http, url: 'http://x/', http: {method: GET}}\n",
    );
    has(&p, "task 'a': url: put these inside the `http:` block");
}

#[test]
fn typed_form_loads_like_the_flat_form() {
    load("name: w\ntasks:\n  - {id: a, type: http, http: {url: 'http://127.0.0.1/', method: POST, body: {x: 1}}}\n").unwrap();
}

#[test]
fn bad_durations_are_reported() {
    let p = problems(
        "name: w\ntimeout: forever\ntasks:\n  - {id: a, type: echo, timeout: 5, cache_ttl: 3 parsecs, retry: {initial_backoff: 0s}}\n",
    );
    has(&p, "timeout: bad duration \"forever\"");
    has(&p, "task 'a': timeout: expected a duration like \"5s\"");
    has(&p, "task 'a': cache_ttl: bad duration");
    has(
        &p,
        "task 'a': retry.initial_backoff: must be greater than zero",
    );
}

#[test]
fn durations_longer_than_a_year_and_a_day_are_refused() {
    // 300000000000y parses, and once overflowed the executor's clock.
    let p = problems(
        "name: w\ntimeout: 400d\ntasks:\n  - {id: a, type: echo, timeout: 300000000000y, cache_ttl: 367d, retry: {max_attempts: 2, max_backoff: 9999999h}}\n",
    );
    has(
        &p,
        "timeout: duration \"400d\" is longer than the maximum of 366d",
    );
    has(
        &p,
        "task 'a': timeout: duration \"300000000000y\" is longer than the maximum of 366d",
    );
    has(&p, "task 'a': cache_ttl: duration \"367d\" is longer");
    has(
        &p,
        "task 'a': retry.max_backoff: duration \"9999999h\" is longer",
    );
    load("name: w\ntasks:\n  - {id: a, type: echo, timeout: 366d}\n").unwrap();
}

#[test]
fn templates_that_do_not_compile_are_reported() {
    let p = problems("name: w\ntasks:\n  - {id: a, type: echo, body: {x: [ok, '{{ 1 + }}']}}\n");
    has(&p, "task 'a': body.x[1]: {{ 1 + }}: syntax error");
}

#[test]
fn conditions_that_do_not_compile_are_reported() {
    let p = problems("name: w\ntasks:\n  - {id: a, type: echo, condition: 'score.risk >'}\n");
    has(&p, "task 'a': condition: syntax error");
}

#[test]
fn reference_to_a_task_that_is_not_upstream_is_reported() {
    let p = problems(
        "name: w\ntasks:\n  - {id: a, type: echo, body: '{{ b.x }}'}\n  - {id: b, type: echo}\n  - {id: c, type: echo, depends_on: [a], condition: 'tasks.b.status == \"ok\"'}\n",
    );
    has(
        &p,
        "task 'a': config: 'b' is not an upstream task of 'a'; add 'b' to depends_on",
    );
    has(
        &p,
        "task 'c': condition: 'tasks.b' is not an upstream task of 'c'",
    );
}

#[test]
fn reference_to_an_unknown_name_is_reported() {
    let p = problems("name: w\ntasks:\n  - {id: a, type: echo, body: '{{ inptu.indicator }}'}\n");
    assert_eq!(p, ["task 'a': config: unknown name 'inptu'"]);
}

#[test]
fn reserved_and_malformed_ids_are_reported() {
    let p = problems(
        "name: 'bad name'\ntasks:\n  - {id: input, type: echo}\n  - {id: a.b, type: echo}\n",
    );
    has(&p, "name: ' ' is not allowed");
    has(&p, "task 'input': id: 'input' is a reserved name");
    has(&p, "task 'a.b': id: '.' is not allowed");
}

#[test]
fn wrong_types_of_task_fields_are_reported() {
    let p = problems(
        "name: w\ntasks:\n  - {id: a, type: echo, cacheable: 'yes', depends_on: 3, retry: {max_attempts: -1, jitter: full}, run_if: sometimes}\n",
    );
    has(
        &p,
        "task 'a': cacheable: expected true or false, got a string",
    );
    has(&p, "task 'a': depends_on: invalid type");
    has(&p, "task 'a': retry.max_attempts: expected a whole number");
    has(&p, "task 'a': retry.jitter: unknown field");
    has(&p, "task 'a': run_if: expected \"all_done\" or \"always\"");
}

#[test]
fn every_problem_is_reported_at_once() {
    let p = problems(
        "name: w\nextra: 1\ntasks:\n  - {id: a, type: teleport}\n  - {id: b, type: echo, depends_on: [zz]}\n  - {id: c, type: http}\n",
    );
    assert_eq!(p.len(), 4, "{p:#?}");
    has(&p, "extra: unknown field");
}

#[test]
fn malformed_yaml_is_reported_with_its_position() {
    let p = problems("name: w\ntasks:\n  - {id: a, type: echo\n");
    has(&p, "invalid YAML");
    has(&p, "line");
}

#[test]
fn malformed_json_is_reported() {
    let registry = Registry::builtin(&Config::default());
    let e = spec::load(
        "{\"name\": \"w\", \"tasks\": [}",
        Format::Json,
        &registry,
        &Limits::default(),
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("invalid JSON"), "{e}");
}

#[test]
fn a_document_that_is_not_a_mapping_is_reported() {
    has(
        &problems("- just\n- a list\n"),
        "a workflow must be a mapping",
    );
    has(
        &problems("name: w\ntasks: {a: 1}\n"),
        "tasks: expected a list, got a mapping",
    );
    has(
        &problems("name: w\ntasks: []\n"),
        "tasks: at least one task is required",
    );
}

#[test]
fn a_ten_megabyte_definition_is_refused_before_parsing() {
    let big = format!(
        "name: w\ndescription: '{}'\ntasks:\n  - {{id: a, type: echo}}\n",
        "x".repeat(10 << 20)
    );
    let p = problems(&big);
    has(&p, "the limit is 4194304 bytes (MAX_SPEC_BYTES)");
}

#[test]
fn deeply_nested_json_is_refused() {
    let depth = 10_000;
    let body = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let text = format!(
        "{{\"name\": \"w\", \"tasks\": [{{\"id\": \"a\", \"type\": \"echo\", \"body\": {body}}}]}}"
    );
    let registry = Registry::builtin(&Config::default());
    let e = spec::load(&text, Format::Json, &registry, &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("recursion limit"), "{e}");
    let yaml = format!("name: w\ntasks:\n  - {{id: a, type: echo, body: {body}}}\n");
    let e = spec::load(&yaml, Format::Yaml, &registry, &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("invalid YAML"), "{e}");
}

#[test]
fn too_many_tasks_are_refused() {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_tasks: 3,
    };
    let mut yaml = String::from("name: w\ntasks:\n");
    for i in 0..4 {
        yaml.push_str(&format!("  - {{id: t{i}, type: echo}}\n"));
    }
    let registry = Registry::builtin(&Config::default());
    let e = spec::load(&yaml, Format::Yaml, &registry, &limits).unwrap_err();
    assert!(
        e.to_string()
            .contains("4 tasks; the limit is 3 (MAX_TASKS)"),
        "{e}"
    );
}

#[test]
fn shell_program_must_be_on_the_allow_list() {
    let p =
        problems("name: w\ntasks:\n  - {id: a, type: shell, program: rm, args: ['-rf', '/']}\n");
    has(
        &p,
        "task 'a': program: program 'rm' is not on the shell allow-list (echo)",
    );
}

#[test]
fn lower_camel_case_field_names_are_accepted() {
    let json = r#"{"name": "w", "maxParallel": 2, "tasks": [
        {"id": "a", "type": "echo", "body": 1, "allowFailure": true, "cacheTtl": "5m", "retry": {"maxAttempts": 3, "initialBackoff": "1s"}},
        {"id": "b", "type": "shell", "program": "echo", "maxOutputBytes": 10, "dependsOn": ["a"], "runIf": "always"}]}"#;
    let registry = common::registry(&Arc::new(common::Probe::default()), &["echo"]);
    let (spec, _) = spec::load(json, Format::Json, &registry, &Limits::default()).unwrap();
    assert_eq!(spec.max_parallel, 2);
    assert!(spec.tasks[0].allow_failure);
    assert_eq!(spec.tasks[0].retry.as_ref().unwrap().max_attempts, 3);
    assert_eq!(spec.tasks[1].depends_on, ["a"]);
}

#[test]
fn a_task_without_an_id_is_named_by_position_in_every_problem() {
    let p = problems(
        "name: w\ntasks:\n  - {type: echo, depends_on: [ghost], retry: {max_attempts: 1000, multiplier: 0.5}}\n",
    );
    has(&p, "tasks[0].id: required");
    has(&p, "task '#0': depends_on: unknown task 'ghost'");
    has(&p, "task '#0': retry.max_attempts: at most 100");
    has(&p, "task '#0': retry.multiplier:");
    assert!(!p.iter().any(|l| l.contains("task ''")), "{p:?}");
}

#[test]
fn an_empty_field_name_is_shown_quoted() {
    let p = problems(
        "name: w\n'': 1\ntasks:\n  - {id: a, type: echo, '': 2}\n  - {id: b, type: sleep, duration: 1s, retry: {'': 3}}\n",
    );
    has(&p, "\"\": unknown field; expected one of: name,");
    has(&p, "task 'a': \"\": unknown field");
    has(&p, "task 'b': retry.\"\": unknown field");
}
