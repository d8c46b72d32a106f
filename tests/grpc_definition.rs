//! Definitions posted over gRPC as documents: `CreateWorkflow`,
//! `UpdateWorkflow` and `ValidateWorkflow` take the YAML or JSON text in
//! `definition`, through the loader REST and workflow files use, so a
//! client in any language can post the brief's playbook unchanged.

mod common;

use common::server::Server;
use orchestrator::proto::workflow_service_client::WorkflowServiceClient;
use orchestrator::proto::{
    CreateWorkflowRequest, GetWorkflowRequest, UpdateWorkflowRequest, ValidateWorkflowRequest,
    WorkflowSpec,
};
use tonic::Code;

const PLAYBOOK: &str = include_str!("../examples/auto_threat_response.yaml");

#[tokio::test(flavor = "multi_thread")]
async fn the_briefs_playbook_posts_unchanged_as_a_definition() {
    let server = Server::start();
    let mut wf = WorkflowServiceClient::new(server.channel().await);

    let check = wf
        .validate_workflow(ValidateWorkflowRequest {
            definition: PLAYBOOK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(check.valid, "{check:?}");

    let created = wf
        .create_workflow(CreateWorkflowRequest {
            definition: PLAYBOOK.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let spec = created.spec.unwrap();
    assert_eq!(spec.name, "auto_threat_response");
    assert_eq!(created.version, 1);
    let ids: Vec<&str> = spec.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["enrich", "score", "block", "audit"]);

    // The same document as JSON is a second version.
    let value: serde_json::Value = serde_norway::from_str(PLAYBOOK).unwrap();
    let updated = wf
        .update_workflow(UpdateWorkflowRequest {
            definition: value.to_string(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.spec.unwrap().tasks.len(), 4);

    // YAML's flow style starts with a brace too, and is still YAML.
    let flow = wf
        .create_workflow(CreateWorkflowRequest {
            definition: "{name: flowy, tasks: [{id: a, type: echo, body: {x: 1}}]}".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(flow.spec.unwrap().name, "flowy");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_definitions_are_refused_naming_the_field_and_nothing_is_stored() {
    let server = Server::start();
    let mut wf = WorkflowServiceClient::new(server.channel().await);
    let create = |definition: &str, spec: Option<WorkflowSpec>| CreateWorkflowRequest {
        definition: definition.into(),
        spec,
    };

    let cases = [
        (create("", None), "spec: required"),
        (
            create(
                "name: both\ntasks: [{id: a, type: echo}]",
                Some(WorkflowSpec {
                    name: "both".into(),
                    ..Default::default()
                }),
            ),
            "definition: give either spec or definition",
        ),
        (create("name: [unclosed", None), "invalid YAML"),
        (create("{\"name\": ", None), "invalid JSON"),
        (
            create("name: typo\ntasks:\n  - {id: a, type: ech}\n", None),
            "task 'a'",
        ),
    ];
    for (request, needle) in cases {
        let e = wf.create_workflow(request.clone()).await.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{request:?}: {e:?}");
        assert!(e.message().contains(needle), "{needle:?} not in {e:?}");
    }
    for name in ["both", "typo"] {
        let e = wf
            .get_workflow(GetWorkflowRequest {
                name: name.into(),
                version: 0,
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{name} was stored: {e:?}");
    }

    // Validation answers problems rather than failing the call.
    let check = wf
        .validate_workflow(ValidateWorkflowRequest {
            definition: "name: typo\ntasks:\n  - {id: a, type: ech}\n".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!check.valid);
    assert_eq!(check.problems[0].task_id, "a", "{check:?}");
    let check = wf
        .validate_workflow(ValidateWorkflowRequest {
            definition: "tasks: [".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!check.valid);
    assert!(
        check.problems[0].message.contains("invalid YAML"),
        "{check:?}"
    );
}
