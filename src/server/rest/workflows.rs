//! Workflow definitions over REST: create (JSON, or YAML with a YAML
//! content type), new versions, validation, listing, archive, restore and
//! purge. Workflows are shown in the proto JSON mapping.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{Definition, proto_json};
use super::{ErrorBody, Gateway, HttpError, Reply, ok, query, to_json};
use crate::proto::{self, Workflow};
use crate::server::auth::Identity;
use crate::server::error::ApiError;
use crate::spec::Format;

/// The workflow routes.
pub(super) fn routes() -> OpenApiRouter<Gateway> {
    OpenApiRouter::new()
        .routes(routes!(create_workflow, list_workflows))
        .routes(routes!(validate_workflow))
        .routes(routes!(get_workflow, update_workflow, delete_workflow))
        .routes(routes!(list_versions))
        .routes(routes!(archive_workflow))
        .routes(routes!(restore_workflow))
}

/// A definition document's text and syntax: JSON, or YAML with a YAML
/// content type.
fn document<'a>(headers: &HeaderMap, bytes: &'a Bytes) -> Result<(&'a str, Format), HttpError> {
    if bytes.trim_ascii().is_empty() {
        return Err(HttpError::bad_request(
            "the body is empty: send a workflow definition",
        ));
    }
    let yaml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("yaml"));
    let text =
        std::str::from_utf8(bytes).map_err(|_| HttpError::bad_request("the body is not UTF-8"))?;
    Ok((text, if yaml { Format::Yaml } else { Format::Json }))
}

/// A definition from a request body.
fn definition(
    g: &Gateway,
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<proto::WorkflowSpec, HttpError> {
    let bytes = bytes?;
    let (text, format) = document(headers, &bytes)?;
    Ok(g.workflows.parse(text, format).map_err(ApiError::from)?)
}

fn workflows_json(ws: &[Workflow]) -> proto_json::ListWorkflowsResponse {
    let list: Vec<_> = ws.iter().map(|w| workflow_json(w).0).collect();
    proto_json::ListWorkflowsResponse(serde_json::json!({ "workflows": list }))
}

fn workflow_json(w: &Workflow) -> proto_json::Workflow {
    let mut v = to_json(w);
    proto::whole_numbers_as_integers(&mut v);
    proto_json::Workflow(v)
}

/// Defines a new workflow (version 1).
#[utoipa::path(post, path = "/v1/workflows", tag = "workflows",
    request_body(content(
        (Definition = "application/json"),
        (String = "application/yaml"),
    )),
    responses(
        (status = 201, description = "Stored as version 1", body = proto_json::Workflow),
        (status = 400, description = "The definition's problems, one per line in `details`",
            body = ErrorBody),
        (status = 409, description = "A workflow of that name exists", body = ErrorBody),
    ))]
async fn create_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let spec = definition(&g, &headers, b)?;
    let w = g.workflows.create(Some(spec), by.subject()).await?;
    Ok((StatusCode::CREATED, axum::Json(workflow_json(&w))).into_response())
}

/// Stores a new version of a workflow.
#[utoipa::path(put, path = "/v1/workflows/{name}", tag = "workflows",
    params(("name" = String, Path, description = "The workflow's name, as in the body", example = "diamond")),
    request_body(content(
        (Definition = "application/json"),
        (String = "application/yaml"),
    )),
    responses(
        (status = 200, description = "The new version", body = proto_json::Workflow),
        (status = 400, description = "The definition's problems", body = ErrorBody),
        (status = 404, description = "No such workflow", body = ErrorBody),
    ))]
async fn update_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(name): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let spec = definition(&g, &headers, b)?;
    if spec.name != name {
        return Err(HttpError::bad_request(format!(
            "name: the body names '{}' but the path names '{name}'",
            spec.name
        )));
    }
    ok(workflow_json(
        &g.workflows.update(Some(spec), by.subject()).await?,
    ))
}

/// Checks a definition without storing it.
///
/// A definition that does not even load is answered like any other invalid
/// one: `valid: false` with its problems.
#[utoipa::path(post, path = "/v1/workflows/validate", tag = "workflows",
    request_body(content(
        (Definition = "application/json"),
        (String = "application/yaml"),
    )),
    responses((status = 200, description = "What is wrong, if anything",
        body = proto_json::ValidateWorkflowResponse)))]
async fn validate_workflow(
    State(g): State<Gateway>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Reply {
    let bytes = b?;
    let (text, format) = document(&headers, &bytes)?;
    let answer = g.workflows.validate_text(text, format);
    let mut v = to_json(&answer);
    // Said even when false, which the proto JSON mapping leaves out.
    v["valid"] = answer.valid.into();
    ok(proto_json::ValidateWorkflowResponse(v))
}

/// Which workflows to list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListWorkflowsQuery {
    /// Also the archived ones.
    #[serde(default, alias = "includeArchived")]
    include_archived: bool,
}

/// Lists the latest version of each workflow.
#[utoipa::path(get, path = "/v1/workflows", tag = "workflows",
    params(ListWorkflowsQuery),
    responses((status = 200, description = "The workflows",
        body = proto_json::ListWorkflowsResponse)))]
async fn list_workflows(
    State(g): State<Gateway>,
    q: Result<Query<ListWorkflowsQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    ok(workflows_json(&g.workflows.list(q.include_archived).await?))
}

/// Which version to get.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct VersionQuery {
    /// A version; 0 or absent for the latest.
    #[serde(default)]
    version: u32,
}

/// One workflow, at its latest or a given version.
#[utoipa::path(get, path = "/v1/workflows/{name}", tag = "workflows",
    params(("name" = String, Path, description = "The workflow's name", example = "diamond"), VersionQuery),
    responses(
        (status = 200, description = "The workflow", body = proto_json::Workflow),
        (status = 404, description = "No such workflow or version", body = ErrorBody),
    ))]
async fn get_workflow(
    State(g): State<Gateway>,
    Path(name): Path<String>,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    ok(workflow_json(&g.workflows.get(&name, q.version).await?))
}

/// Every version of a workflow, oldest first.
#[utoipa::path(get, path = "/v1/workflows/{name}/versions", tag = "workflows",
    params(("name" = String, Path, description = "The workflow's name", example = "diamond")),
    responses(
        (status = 200, description = "The versions", body = proto_json::ListWorkflowsResponse),
        (status = 404, description = "No such workflow", body = ErrorBody),
    ))]
async fn list_versions(State(g): State<Gateway>, Path(name): Path<String>) -> Reply {
    ok(workflows_json(&g.workflows.versions(&name).await?))
}

/// Archive (the default) or purge.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DeleteQuery {
    /// Remove every version instead of archiving.
    #[serde(default)]
    purge: bool,
}

/// What a purge removed.
#[derive(Serialize, ToSchema)]
struct Purged {
    /// The workflow's name.
    name: String,
    /// How many versions were removed.
    versions_removed: u32,
}

/// The answer to a delete: the archived workflow, or what a purge removed.
#[derive(Serialize)]
#[serde(untagged)]
enum Deleted {
    Archived(proto_json::Workflow),
    Purged(Purged),
}

// By hand for `anyOf`: utoipa gives an untagged enum `oneOf`, which a purge's
// answer fails, since it also reads as a Workflow (whose fields are all
// optional).
impl utoipa::PartialSchema for Deleted {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let any_of = utoipa::openapi::schema::AnyOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name(
                proto_json::Workflow::name(),
            ))
            .item(utoipa::openapi::Ref::from_schema_name(Purged::name()))
            .description(Some("The archived workflow, or what a purge removed"))
            .build();
        utoipa::openapi::schema::Schema::AnyOf(any_of).into()
    }
}

impl ToSchema for Deleted {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push((
            proto_json::Workflow::name().into(),
            proto_json::Workflow::schema(),
        ));
        schemas.push((Purged::name().into(), Purged::schema()));
    }
}

/// Archives a workflow (a soft delete); `?purge=true` removes every version.
#[utoipa::path(delete, path = "/v1/workflows/{name}", tag = "workflows",
    params(("name" = String, Path, description = "The workflow's name", example = "diamond"), DeleteQuery),
    responses(
        (status = 200, description = "Archived, or purged", body = Deleted),
        (status = 404, description = "No such workflow", body = ErrorBody),
    ))]
async fn delete_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(name): Path<String>,
    q: Result<Query<DeleteQuery>, QueryRejection>,
) -> Reply {
    let q = query(q)?;
    if q.purge {
        let versions_removed = g.workflows.purge(&name, by.subject()).await?;
        return ok(Deleted::Purged(Purged {
            name,
            versions_removed,
        }));
    }
    let w = g.workflows.set_archived(&name, true, by.subject()).await?;
    ok(Deleted::Archived(workflow_json(&w)))
}

/// Archives a workflow: it can no longer be run until restored.
#[utoipa::path(post, path = "/v1/workflows/{name}/archive", tag = "workflows",
    params(("name" = String, Path, description = "The workflow's name", example = "diamond")),
    responses(
        (status = 200, description = "Archived", body = proto_json::Workflow),
        (status = 404, description = "No such workflow", body = ErrorBody),
    ))]
async fn archive_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(name): Path<String>,
) -> Reply {
    ok(workflow_json(
        &g.workflows.set_archived(&name, true, by.subject()).await?,
    ))
}

/// Restores an archived workflow.
#[utoipa::path(post, path = "/v1/workflows/{name}/restore", tag = "workflows",
    params(("name" = String, Path, description = "The workflow's name", example = "diamond")),
    responses(
        (status = 200, description = "Restored", body = proto_json::Workflow),
        (status = 404, description = "No such workflow", body = ErrorBody),
    ))]
async fn restore_workflow(
    State(g): State<Gateway>,
    Extension(by): Extension<Identity>,
    Path(name): Path<String>,
) -> Reply {
    ok(workflow_json(
        &g.workflows.set_archived(&name, false, by.subject()).await?,
    ))
}
