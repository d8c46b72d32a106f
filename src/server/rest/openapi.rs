//! The REST contract: the OpenAPI 3.1 document served at
//! `/v1/openapi.json`. Paths come from the handlers' `#[utoipa::path]`
//! descriptions as the router registers them; REST-only shapes from the
//! structs the handlers serialize; proto messages from the descriptors
//! compiled into the binary (`proto_schema`); who may call what from the
//! auth table. Nothing in it is written twice.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{OpenApi, PartialSchema, ToSchema};

use super::ErrorBody;
use super::streams::FeedChange;
use crate::server::auth::permissions::{self, Rule};

/// The top of the document: what the paths are added to.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Orchestrator",
        description = "A DAG workflow engine for security response playbooks. The REST \
            gateway over the gRPC API (`proto/orchestrator/v1`): proto messages in the proto3 \
            JSON mapping with the proto's field names, states in lower case, execution ids \
            named `workflow_id` as in the product brief. Every error is `{code, message, \
            details}` with the gRPC code's name.",
    ),
    tags(
        (name = "workflows", description = "Workflow definitions and their versions"),
        (name = "executions", description = "Runs, their results and live events"),
        (name = "schedules", description = "Cron schedules"),
        (name = "events", description = "Events, triggers and signed webhooks"),
        (name = "approvals", description = "Approval tasks waiting for people, and their decisions"),
        (name = "operations", description = "Health, metrics, the store and the audit trail"),
    ),
    components(schemas(ErrorBody, FeedChange, proto_json::ExecutionEvent))
)]
struct Base;

/// The document's top, for the router to add the paths to.
pub fn base() -> utoipa::openapi::OpenApi {
    Base::openapi()
}

/// The document as served, built once.
pub fn document_text() -> &'static str {
    static TEXT: LazyLock<String> =
        LazyLock::new(|| document(super::routes().into_openapi()).to_string());
    &TEXT
}

/// Marks a component whose schema is not utoipa's to give: `document`
/// replaces it with the one derived where the shape is defined.
const FILLED_IN: &str = "x-filled-in";

/// The proto messages REST answers with, as the JSON the handlers write.
/// Each wraps the message's JSON; its schema comes from the descriptors.
pub mod proto_json {
    use super::*;

    macro_rules! proto_json {
        ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
            $(#[$doc])*
            #[derive(Serialize)]
            #[serde(transparent)]
            pub struct $name(pub Value);

            impl PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    filled_in(stringify!($name))
                }
            }

            impl ToSchema for $name {}
        )*};
    }

    proto_json! {
        /// `orchestrator.v1.Workflow`.
        Workflow,
        /// `orchestrator.v1.ListWorkflowsResponse`.
        ListWorkflowsResponse,
        /// `orchestrator.v1.ValidateWorkflowResponse`.
        ValidateWorkflowResponse,
        /// `orchestrator.v1.ListAuditResponse`.
        ListAuditResponse,
        /// `orchestrator.v1.CompactResponse`.
        CompactResponse,
        /// `orchestrator.v1.BackupResponse`.
        BackupResponse,
        /// `orchestrator.v1.ExecutionEvent`: an SSE event's data.
        ExecutionEvent,
    }
}

/// A workflow definition document as the loader reads it (the brief's
/// form); its schema is the loader's (`spec::document_schemas`).
pub struct Definition;

impl PartialSchema for Definition {
    fn schema() -> RefOr<Schema> {
        filled_in("WorkflowDefinition")
    }
}

impl ToSchema for Definition {
    fn name() -> std::borrow::Cow<'static, str> {
        "WorkflowDefinition".into()
    }
}

/// A placeholder component `document` fills in.
fn filled_in(what: &str) -> RefOr<Schema> {
    let placeholder = utoipa::openapi::schema::ObjectBuilder::new()
        .extensions(Some(
            utoipa::openapi::extensions::ExtensionsBuilder::new()
                .add(FILLED_IN, what)
                .build(),
        ))
        .build();
    RefOr::T(Schema::Object(placeholder))
}

/// The finished document: the placeholders filled in with the proto and
/// definition schemas (and the proto messages they reach), a bearer
/// security scheme, each operation's permission from the auth table, and
/// the error body as every operation's default answer.
pub fn document(api: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(&api).expect("an OpenAPI document serializes");
    let mut schemas = take_schemas(&mut doc);
    let protos = super::proto_schema::proto_schemas();
    let mut known = protos.clone();
    known.extend(
        crate::spec::document_schemas()
            .into_iter()
            .map(|(name, schema)| (name.to_owned(), schema)),
    );
    for (name, schema) in schemas.iter_mut() {
        if schema.get(FILLED_IN).is_some() {
            *schema = known
                .get(name)
                .unwrap_or_else(|| panic!("no schema for {name}"))
                .clone();
        }
    }
    add_reachable(&mut schemas, &known);
    doc["components"]["schemas"] = Value::Object(schemas);
    doc["components"]["securitySchemes"] = json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A JWT when the server has keys (JWT_SECRET_FILE, JWT_PUBLIC_KEY_FILE, \
                JWKS_FILE or JWKS_URL); without keys every call is admitted."
        }
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                guard(path, method, operation);
            }
        }
    }
    doc
}

fn take_schemas(doc: &mut Value) -> Map<String, Value> {
    match doc.pointer_mut("/components/schemas").map(Value::take) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Adds every component a schema refers to that utoipa did not give (proto
/// messages, the task definition), and those they refer to.
fn add_reachable(schemas: &mut Map<String, Value>, protos: &Map<String, Value>) {
    let mut todo: Vec<String> = schemas.values().flat_map(refs).collect();
    let mut seen: BTreeSet<String> = schemas.keys().cloned().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = protos.get(&name) {
            todo.extend(refs(schema));
            schemas.insert(name, schema.clone());
        }
    }
}

/// The component names a schema refers to.
fn refs(v: &Value) -> Vec<String> {
    match v {
        Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| match (k.as_str(), v) {
                ("$ref", Value::String(r)) => r
                    .strip_prefix("#/components/schemas/")
                    .map(str::to_owned)
                    .into_iter()
                    .collect(),
                _ => refs(v),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(refs).collect(),
        _ => Vec::new(),
    }
}

/// Adds what the auth table says an operation needs, and the error body
/// as its default answer.
fn guard(path: &str, method: &str, operation: &mut Value) {
    let Ok(http_method) = method.to_ascii_uppercase().parse::<axum::http::Method>() else {
        return;
    };
    let rule = permissions::route_rule(&http_method, path);
    let needs = match rule {
        None | Some(Rule::Open) => None,
        Some(Rule::Need(p)) => Some(format!("Needs the `{}` permission.", p.name())),
        Some(Rule::ReadOrOwn) => Some(format!(
            "Needs the `{}` permission, or to have started the execution.",
            permissions::Permission::WorkflowsRead.name()
        )),
        Some(Rule::Authenticated) => Some("Needs any valid token.".to_owned()),
        Some(Rule::Signed) => None,
    };
    let error = json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}});
    operation["responses"]["default"] = json!({"description": "An error", "content": error});
    if let Some(needs) = needs {
        operation["security"] = json!([{"bearer": []}]);
        let text = operation["description"].as_str().unwrap_or_default();
        operation["description"] = Value::String(if text.is_empty() {
            needs
        } else {
            format!("{text}\n\n{needs}")
        });
        let responses = &mut operation["responses"];
        responses["401"] = json!({"description": "No valid token", "content": error});
        responses["403"] =
            json!({"description": "The token lacks the permission", "content": error});
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves_and_nothing_is_left_to_fill() {
        let doc: Value = serde_json::from_str(document_text()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for name in refs(&doc) {
            assert!(
                schemas.contains_key(&name),
                "{name} is referenced but not defined"
            );
        }
        assert!(!document_text().contains(FILLED_IN));
        assert!(schemas["Workflow"]["properties"]["spec"].is_object());
        assert_eq!(
            schemas["WorkflowDefinition"]["required"],
            json!(["name", "tasks"])
        );
    }

    #[test]
    fn the_document_lists_exactly_the_routes_the_auth_table_lists() {
        let doc: Value = serde_json::from_str(document_text()).unwrap();
        let mut documented: Vec<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(|m| (m.to_ascii_uppercase(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut table: Vec<(String, String)> = permissions::ROUTES
            .iter()
            .map(|(m, p, _)| (m.to_string(), (*p).to_owned()))
            .collect();
        documented.sort();
        table.sort();
        assert_eq!(documented, table);
    }

    #[test]
    fn guarded_operations_name_their_permission() {
        let doc: Value = serde_json::from_str(document_text()).unwrap();
        let run = &doc["paths"]["/v1/run"]["post"];
        assert_eq!(run["security"], json!([{"bearer": []}]));
        assert!(
            run["description"]
                .as_str()
                .unwrap()
                .contains("`workflows:run`")
        );
        assert!(run["responses"]["403"].is_object());
        let health = &doc["paths"]["/healthz"]["get"];
        assert!(health.get("security").is_none());
        assert!(health["responses"]["default"].is_object());
    }
}
