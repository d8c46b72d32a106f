//! Bad input on every gRPC RPC: each gets the right status code and a
//! message naming the field or thing at fault, and stored data is left as
//! it was. Runs against the real `orchestrator serve` process.

mod common;

use common::server::Server;

use orchestrator::proto::admin_service_client::AdminServiceClient;
use orchestrator::proto::execution_service_client::ExecutionServiceClient;
use orchestrator::proto::workflow_service_client::WorkflowServiceClient;
use orchestrator::proto::{
    CancelRequest, CreateWorkflowRequest, ExecutionState, GetExecutionRequest, GetWorkflowRequest,
    ListAuditRequest, ListExecutionsRequest, ListWorkflowVersionsRequest, RetryRequest, RunRequest,
    UpdateWorkflowRequest, ValidateWorkflowRequest, WatchRequest, WorkflowName, WorkflowSpec,
};
use orchestrator::spec::{Format, Limits};
use tonic::{Code, Status};

/// A spec from YAML, through the same loader the CLI uses.
fn spec(yaml: &str) -> WorkflowSpec {
    let registry = orchestrator::plugins::Registry::builtin(&Default::default());
    orchestrator::spec::load(yaml, Format::Yaml, &registry, &Limits::default())
        .unwrap()
        .0
}

/// Asserts a call failed with `code` and a message containing `needle`.
#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, Status>, code: Code, needle: &str) {
    let e = r.expect_err("the call should have been refused");
    assert_eq!(e.code(), code, "{e:?}");
    assert!(
        e.message().contains(needle),
        "{:?} does not mention {needle:?}",
        e.message()
    );
}

fn name(n: &str) -> WorkflowName {
    WorkflowName { name: n.into() }
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_rpcs_refuse_bad_input_and_keep_what_is_stored() {
    let s = Server::start();
    let mut wf = WorkflowServiceClient::new(s.channel().await);
    let good = spec("name: w\ntasks:\n  - {id: a, type: echo}\n");
    wf.create_workflow(CreateWorkflowRequest {
        spec: Some(good.clone()),
        ..Default::default()
    })
    .await
    .unwrap();

    refused(
        wf.create_workflow(CreateWorkflowRequest {
            spec: Some(good.clone()),
            ..Default::default()
        })
        .await,
        Code::AlreadyExists,
        "'w'",
    );
    refused(
        wf.update_workflow(UpdateWorkflowRequest {
            spec: None,
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "spec: required",
    );
    let mut broken = good.clone();
    broken.tasks[0].depends_on = vec!["a".into()];
    refused(
        wf.update_workflow(UpdateWorkflowRequest {
            spec: Some(broken),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "task 'a'",
    );
    let mut unknown = good.clone();
    unknown.name = "nobody".into();
    refused(
        wf.update_workflow(UpdateWorkflowRequest {
            spec: Some(unknown),
            ..Default::default()
        })
        .await,
        Code::NotFound,
        "'nobody'",
    );
    refused(
        wf.get_workflow(GetWorkflowRequest {
            name: String::new(),
            version: 0,
        })
        .await,
        Code::InvalidArgument,
        "name: required",
    );
    refused(
        wf.get_workflow(GetWorkflowRequest {
            name: "w".into(),
            version: 7,
        })
        .await,
        Code::NotFound,
        "7",
    );
    refused(
        wf.list_workflow_versions(ListWorkflowVersionsRequest {
            name: "nobody".into(),
        })
        .await,
        Code::NotFound,
        "'nobody'",
    );
    refused(
        wf.archive_workflow(name("")).await,
        Code::InvalidArgument,
        "name: required",
    );
    refused(
        wf.archive_workflow(name("nobody")).await,
        Code::NotFound,
        "'nobody'",
    );
    refused(
        wf.restore_workflow(name("nobody")).await,
        Code::NotFound,
        "'nobody'",
    );
    refused(
        wf.purge_workflow(name("")).await,
        Code::InvalidArgument,
        "name: required",
    );
    refused(
        wf.purge_workflow(name("nobody")).await,
        Code::NotFound,
        "'nobody'",
    );
    // Validate answers with the problems rather than failing.
    let check = wf
        .validate_workflow(ValidateWorkflowRequest {
            spec: None,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!check.valid);
    assert_eq!(
        (
            check.problems[0].field.as_str(),
            check.problems[0].message.as_str()
        ),
        ("spec", "required")
    );

    // Nothing above changed what is stored: one version, as created.
    let versions = wf
        .list_workflow_versions(ListWorkflowVersionsRequest { name: "w".into() })
        .await
        .unwrap()
        .into_inner()
        .workflows;
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].spec.as_ref(), Some(&good));
    assert!(!versions[0].archived);
}

#[tokio::test(flavor = "multi_thread")]
async fn execution_rpcs_refuse_bad_input_with_the_field_named() {
    let s = Server::start();
    let ch = s.channel().await;
    let mut wf = WorkflowServiceClient::new(ch.clone());
    let mut ex = ExecutionServiceClient::new(ch.clone());
    for yaml in [
        "name: quick\ntasks:\n  - {id: a, type: echo}\n",
        "name: slow\ntasks:\n  - {id: a, type: sleep, duration: 30s}\n",
        "name: shelved\ntasks:\n  - {id: a, type: echo}\n",
    ] {
        wf.create_workflow(CreateWorkflowRequest {
            spec: Some(spec(yaml)),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    wf.archive_workflow(name("shelved")).await.unwrap();

    let run = |workflow: &str, version: u32| RunRequest {
        workflow: workflow.into(),
        version,
        wait: true,
        ..Default::default()
    };
    refused(
        ex.run(run("", 0)).await,
        Code::InvalidArgument,
        "workflow: required",
    );
    refused(ex.run(run("nobody", 0)).await, Code::NotFound, "'nobody'");
    refused(ex.run(run("quick", 9)).await, Code::NotFound, "9");
    refused(
        ex.run(run("shelved", 0)).await,
        Code::FailedPrecondition,
        "archived",
    );
    refused(
        ex.run_stream(run("nobody", 0)).await,
        Code::NotFound,
        "'nobody'",
    );
    refused(
        ex.watch(WatchRequest {
            execution_id: "nope".into(),
            from_seq: 0,
        })
        .await,
        Code::NotFound,
        "'nope'",
    );
    refused(
        ex.get_execution(GetExecutionRequest {
            execution_id: String::new(),
        })
        .await,
        Code::InvalidArgument,
        "execution_id: required",
    );
    refused(
        ex.get_execution(GetExecutionRequest {
            execution_id: "nope".into(),
        })
        .await,
        Code::NotFound,
        "'nope'",
    );
    let list = |f: fn(&mut ListExecutionsRequest)| {
        let mut r = ListExecutionsRequest::default();
        f(&mut r);
        r
    };
    refused(
        ex.list_executions(list(|r| r.page_token = "garbage".into()))
            .await,
        Code::InvalidArgument,
        "page_token",
    );
    refused(
        ex.list_executions(list(|r| r.status = 99)).await,
        Code::InvalidArgument,
        "status",
    );
    refused(
        ex.list_executions(list(|r| {
            r.from = Some(pbjson_types::Timestamp {
                seconds: 2_000,
                nanos: 0,
            });
            r.to = Some(pbjson_types::Timestamp {
                seconds: 1_000,
                nanos: 0,
            });
        }))
        .await,
        Code::InvalidArgument,
        "from",
    );

    // Cancel and Retry against executions in the wrong state.
    let done = ex.run(run("quick", 0)).await.unwrap().into_inner();
    let done_id = done.execution.unwrap().id;
    refused(
        ex.cancel(CancelRequest {
            execution_id: done_id.clone(),
            reason: "too late".into(),
        })
        .await,
        Code::NotFound,
        "not running",
    );
    refused(
        ex.cancel(CancelRequest::default()).await,
        Code::InvalidArgument,
        "execution_id: required",
    );
    refused(
        ex.retry(RetryRequest {
            execution_id: done_id.clone(),
            wait: true,
        })
        .await,
        Code::FailedPrecondition,
        "nothing to retry",
    );
    refused(
        ex.retry(RetryRequest {
            execution_id: "nope".into(),
            wait: true,
        })
        .await,
        Code::NotFound,
        "'nope'",
    );
    let slow = ex
        .run(RunRequest {
            wait: false,
            ..run("slow", 0)
        })
        .await
        .unwrap()
        .into_inner()
        .execution
        .unwrap();
    refused(
        ex.retry(RetryRequest {
            execution_id: slow.id.clone(),
            wait: false,
        })
        .await,
        Code::FailedPrecondition,
        "still running",
    );
    ex.cancel(CancelRequest {
        execution_id: slow.id.clone(),
        reason: "test over".into(),
    })
    .await
    .unwrap();

    // The refused calls left the completed run as it was.
    let after = ex
        .get_execution(GetExecutionRequest {
            execution_id: done_id,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.status, ExecutionState::Completed as i32);
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_rpcs_cap_what_they_return() {
    let s = Server::start();
    let ch = s.channel().await;
    let mut wf = WorkflowServiceClient::new(ch.clone());
    let mut admin = AdminServiceClient::new(ch);
    wf.create_workflow(CreateWorkflowRequest {
        spec: Some(spec("name: w\ntasks:\n  - {id: a, type: echo}\n")),
        ..Default::default()
    })
    .await
    .unwrap();
    // A huge limit is capped, not an error; the one record is returned.
    let audit = admin
        .list_audit(ListAuditRequest {
            limit: u32::MAX,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(audit.records.len(), 1);
    assert_eq!(audit.records[0].action, "workflow.create");
}
