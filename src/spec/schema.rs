//! The JSON Schema of a definition document as `load` reads it, for the
//! REST contract: every field `load` knows, with the JSON types it takes.
//! The field lists are `load`'s own, so a field added there without a
//! schema here fails the test below.

use serde_json::{Map, Value, json};

use super::load::{RETRY_FIELDS, TASK_FIELDS, WORKFLOW_FIELDS};

/// A duration such as `30s`, `5m` or `1h30m`.
fn duration() -> Value {
    json!({"type": "string", "description": "A duration: `30s`, `5m`, `1h30m`"})
}

fn workflow_field(name: &str) -> Value {
    match name {
        "name" => {
            json!({"type": "string", "description": "Unique; names the workflow in every path"})
        }
        "description" => json!({"type": "string"}),
        "tasks" => {
            json!({"type": "array", "items": {"$ref": "#/components/schemas/TaskDefinition"}})
        }
        "timeout" => duration(),
        "max_parallel" => {
            json!({"type": "integer", "minimum": 0, "description": "Tasks running at once; 0 for no limit"})
        }
        "labels" => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        other => panic!("workflow field {other} has no schema"),
    }
}

fn task_field(name: &str) -> Value {
    match name {
        "id" => json!({"type": "string", "description": "Unique within the workflow"}),
        "type" => {
            json!({"type": "string", "description": "The plugin: http, grpc, python, shell, sql, kafka, model, echo, sleep, or a custom one"})
        }
        "description" => json!({"type": "string"}),
        "depends_on" => {
            json!({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})
        }
        "condition" => {
            json!({"type": ["string", "boolean"], "description": "A template expression; the task is skipped when false"})
        }
        "timeout" | "cache_ttl" => duration(),
        "retry" => {
            let fields: Map<String, Value> = RETRY_FIELDS
                .iter()
                .map(|f| ((*f).to_owned(), retry_field(f)))
                .collect();
            json!({"type": "object", "properties": fields, "additionalProperties": false})
        }
        "cacheable" | "allow_failure" => json!({"type": "boolean"}),
        "run_if" => {
            json!({"type": "string", "enum": ["all_done", "always", "RUN_IF_ALL_DONE", "RUN_IF_ALWAYS"]})
        }
        other => panic!("task field {other} has no schema"),
    }
}

fn retry_field(name: &str) -> Value {
    match name {
        "max_attempts" => json!({"type": "integer", "minimum": 0}),
        "initial_backoff" | "max_backoff" => duration(),
        "multiplier" => json!({"type": "number"}),
        other => panic!("retry field {other} has no schema"),
    }
}

/// `WorkflowDefinition` and `TaskDefinition`: a task's other fields
/// configure its plugin (the brief's flat form), or sit under `config`.
pub fn document_schemas() -> [(&'static str, Value); 2] {
    let workflow: Map<String, Value> = WORKFLOW_FIELDS
        .iter()
        .map(|f| ((*f).to_owned(), workflow_field(f)))
        .collect();
    let task: Map<String, Value> = TASK_FIELDS
        .iter()
        .map(|f| ((*f).to_owned(), task_field(f)))
        .collect();
    [
        (
            "WorkflowDefinition",
            json!({
                "type": "object",
                "description": "A workflow definition as YAML or JSON: the product brief's form",
                "properties": workflow,
                "required": ["name", "tasks"],
                "additionalProperties": false,
            }),
        ),
        (
            "TaskDefinition",
            json!({
                "type": "object",
                "description": "A task; fields other than these configure its plugin",
                "properties": task,
                "required": ["id", "type"],
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_the_loader_reads_has_a_schema() {
        let [(_, workflow), (_, task)] = document_schemas();
        assert_eq!(
            workflow["properties"].as_object().unwrap().len(),
            WORKFLOW_FIELDS.len()
        );
        assert_eq!(
            task["properties"].as_object().unwrap().len(),
            TASK_FIELDS.len()
        );
        assert_eq!(
            task["properties"]["retry"]["properties"]
                .as_object()
                .unwrap()
                .len(),
            RETRY_FIELDS.len()
        );
    }
}
