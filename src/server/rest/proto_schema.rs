//! JSON Schemas (OpenAPI 3.1's dialect) of the proto messages, as the REST
//! gateway writes them: the proto3 JSON mapping with the proto's field
//! names. They are read from the descriptors compiled into the binary, so
//! the REST contract cannot drift from `proto/`.

use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Map, Value, json};

/// The package whose messages are documented.
const PACKAGE: &str = "orchestrator.v1";

/// Every message of the API's package, by its component name (`Workflow`,
/// nested ones as `Parent_Child`).
pub fn proto_schemas() -> Map<String, Value> {
    let pool = DescriptorPool::decode(crate::proto::FILE_DESCRIPTOR_SET)
        .expect("the descriptors compiled into the binary decode");
    pool.all_messages()
        .filter(|m| m.package_name() == PACKAGE && !m.is_map_entry())
        .map(|m| (component_name(&m), message(&m)))
        .collect()
}

/// `orchestrator.v1.Outer.Inner` → `Outer_Inner`.
pub fn component_name(m: &MessageDescriptor) -> String {
    m.full_name()
        .strip_prefix(&format!("{PACKAGE}."))
        .unwrap_or(m.full_name())
        .replace('.', "_")
}

fn message(m: &MessageDescriptor) -> Value {
    let properties: Map<String, Value> = m
        .fields()
        .map(|f| (f.name().to_owned(), field(&f)))
        .collect();
    json!({ "type": "object", "properties": properties })
}

fn field(f: &FieldDescriptor) -> Value {
    if f.is_map() {
        let Kind::Message(entry) = f.kind() else {
            unreachable!("a map field's kind is its entry message")
        };
        json!({ "type": "object", "additionalProperties": single(&entry.map_entry_value_field().kind()) })
    } else if f.is_list() {
        json!({ "type": "array", "items": single(&f.kind()) })
    } else {
        single(&f.kind())
    }
}

fn single(kind: &Kind) -> Value {
    match kind {
        // Non-finite numbers are written as "NaN", "Infinity".
        Kind::Double | Kind::Float => json!({ "type": ["number", "string"] }),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            json!({ "type": "integer", "format": "int32" })
        }
        Kind::Uint32 | Kind::Fixed32 => json!({ "type": "integer", "minimum": 0 }),
        // Proto3 JSON writes 64-bit integers as strings; the gateway turns
        // whole numbers back into JSON numbers where it can.
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 | Kind::Uint64 | Kind::Fixed64 => {
            json!({ "type": ["integer", "string"] })
        }
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::String => json!({ "type": "string" }),
        Kind::Bytes => json!({ "type": "string", "contentEncoding": "base64" }),
        Kind::Enum(e) => {
            let names: Vec<String> = e.values().map(|v| v.name().to_owned()).collect();
            json!({ "type": "string", "enum": names })
        }
        Kind::Message(m) => well_known(m.full_name()).unwrap_or_else(
            || json!({ "$ref": format!("#/components/schemas/{}", component_name(m)) }),
        ),
    }
}

/// The JSON forms the mapping gives Google's well-known types.
fn well_known(name: &str) -> Option<Value> {
    Some(match name {
        "google.protobuf.Timestamp" => json!({ "type": "string", "format": "date-time" }),
        "google.protobuf.Duration" => {
            json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$" })
        }
        "google.protobuf.Struct" => json!({ "type": "object" }),
        "google.protobuf.ListValue" => json!({ "type": "array" }),
        // Any JSON value, null included.
        "google.protobuf.Value" => json!({}),
        "google.protobuf.Empty" => json!({ "type": "object" }),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_map_to_the_proto3_json_forms() {
        let all = proto_schemas();
        let workflow = &all["Workflow"]["properties"];
        assert_eq!(
            workflow["spec"],
            json!({"$ref": "#/components/schemas/WorkflowSpec"})
        );
        assert_eq!(workflow["created_at"]["format"], "date-time");
        let task = &all["TaskSpec"]["properties"];
        assert_eq!(task["depends_on"]["type"], "array");
        assert!(
            task["run_if"]["enum"]
                .as_array()
                .unwrap()
                .contains(&json!("RUN_IF_ALWAYS"))
        );
        let execution = &all["Execution"]["properties"];
        assert_eq!(execution["task_results"]["type"], "object");
        assert_eq!(
            execution["task_results"]["additionalProperties"],
            json!({"$ref": "#/components/schemas/TaskResult"})
        );
        // Every reference resolves.
        let text = Value::Object(all.clone()).to_string();
        for (i, _) in text.match_indices("#/components/schemas/") {
            let rest = &text[i + "#/components/schemas/".len()..];
            let name = &rest[..rest.find('"').unwrap()];
            assert!(
                all.contains_key(name),
                "{name} is referenced but not defined"
            );
        }
    }
}
