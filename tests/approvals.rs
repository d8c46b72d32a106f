//! Approval tasks end to end against the real server: a run waits (state
//! `waiting`) until someone approves or rejects it over REST or gRPC, or
//! its timeout decides; the decision, who made it and why are in the
//! history and the audit trail; a pending approval survives a restart;
//! parallel approvals are independent; callers without the right are
//! refused; bad decisions and definitions are refused naming the field.

mod common;

use std::time::Duration;

use common::auth::Secured;
use common::server::{Server, client, json_of, send};
use orchestrator::proto::approval_service_client::ApprovalServiceClient;
use orchestrator::proto::{DecideRequest, Decision, ListApprovalsRequest};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `a` → `confirm` (an approval asking for a ticket) → `block` (reads its
/// output), and `always` (runs whatever `confirm` did).
const GATED: &str = r#"
name: gated
tasks:
  - id: a
    type: echo
    body: {ip: "{{ input.ip }}"}
  - id: confirm
    type: approval
    depends_on: [a]
    message: "Block {{ a.ip }}/16?"
    approvers: [alice, rest]
    input:
      ticket: {type: string, required: true, description: "Change ticket"}
      hours: {type: integer}
    timeout: 1h
    on_timeout: reject
  - id: block
    type: echo
    depends_on: [confirm]
    body: {by: "{{ confirm.by }}", ticket: "{{ confirm.input.ticket }}"}
  - id: always
    type: echo
    depends_on: [confirm]
    run_if: always
    body: {decision: "{{ tasks.confirm.decision }}"}
"#;

/// A client that sends `token`, if any.
struct Api<'a> {
    s: &'a Server,
    token: Option<String>,
}

impl Api<'_> {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = client().request(method, self.s.url(path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn define(&self, yaml: &str) {
        let r = self
            .req(reqwest::Method::POST, "/v1/workflows")
            .header("content-type", "application/yaml")
            .body(yaml.to_owned());
        let (status, body) = send(r).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// Starts a run without waiting; its id.
    async fn start(&self, workflow: &str, parameters: Value) -> String {
        let body = json!({"workflow": workflow, "parameters": parameters, "wait": false});
        let (status, run) = send(self.req(reqwest::Method::POST, "/v1/run").json(&body)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{run}");
        run["workflow_id"].as_str().unwrap().to_owned()
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.req(reqwest::Method::GET, path)).await
    }

    async fn decide(&self, id: &str, task: &str, body: Value) -> (StatusCode, Value) {
        let path = format!("/v1/approvals/{id}/{task}");
        send(self.req(reqwest::Method::POST, &path).json(&body)).await
    }

    /// The pending approvals of execution `id`, once there are `n`.
    async fn pending(&self, id: &str, n: usize) -> Vec<Value> {
        for _ in 0..500 {
            let (status, list) = self.get(&format!("/v1/approvals?execution_id={id}")).await;
            assert_eq!(status, StatusCode::OK, "{list}");
            let list = list["approvals"].as_array().unwrap().clone();
            if list.len() == n {
                return list;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("execution {id} never had {n} pending approvals");
    }

    /// Execution `id` once it has ended.
    async fn ended(&self, id: &str) -> Value {
        for _ in 0..500 {
            let (status, e) = self.get(&format!("/v1/executions/{id}")).await;
            assert_eq!(status, StatusCode::OK, "{e}");
            if e["finished_at"].is_string() {
                return e;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("execution {id} did not end");
    }

    async fn audit(&self, action: &str) -> Vec<Value> {
        let (status, page) = self.get(&format!("/v1/audit?action={action}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["records"].as_array().unwrap().clone()
    }
}

fn local(s: &Server) -> Api<'_> {
    Api { s, token: None }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_pauses_the_run_until_approved_and_its_output_says_who_why_and_what() {
    let s = Server::start();
    let api = local(&s);
    api.define(GATED).await;
    let id = api.start("gated", json!({"ip": "10.1.0.0"})).await;

    let pending = api.pending(&id, 1).await;
    let p = &pending[0];
    assert_eq!(p["task_id"], "confirm");
    assert_eq!(p["workflow"], "gated");
    assert_eq!(p["message"], "Block 10.1.0.0/16?");
    assert_eq!(p["approvers"], json!(["alice", "rest"]));
    assert_eq!(p["on_timeout"], "reject");
    assert_eq!(
        p["input"],
        json!([
            {"name": "hours", "type": "integer", "required": false, "description": ""},
            {"name": "ticket", "type": "string", "required": true, "description": "Change ticket"}
        ])
    );
    assert!(
        p["deadline"].is_string() && p["requested_at"].is_string(),
        "{p}"
    );

    // Waiting, in the record and in the listing by state; no slot held.
    let (_, e) = api.get(&format!("/v1/executions/{id}")).await;
    assert_eq!(e["status"], "waiting", "{e}");
    assert_eq!(e["task_results"]["confirm"]["status"], "waiting");
    let (_, listed) = api.get("/v1/executions?status=waiting").await;
    assert_eq!(listed["executions"][0]["workflow_id"], id.as_str());
    let (_, active) = api.get("/v1/executions/active").await;
    let pools = active["pools"].as_object().unwrap();
    assert!(pools.values().all(|p| p["busy"] == 0), "{active}");
    assert_eq!(active["executions"][0]["status"], "waiting", "{active}");

    let (status, d) = api
        .decide(
            &id,
            "confirm",
            json!({"decision": "approve", "reason": "confirmed with the SOC",
            "input": {"ticket": "CHG-7", "hours": 4}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["decided_by"], "rest");
    assert_eq!(d["decision"], "approve");

    let e = api.ended(&id).await;
    assert_eq!(e["status"], "completed", "{e}");
    let t = &e["task_results"];
    assert_eq!(t["confirm"]["status"], "succeeded");
    assert_eq!(
        t["confirm"]["output"],
        json!({"decision": "approve", "by": "rest", "reason": "confirmed with the SOC",
            "input": {"ticket": "CHG-7", "hours": 4}})
    );
    assert_eq!(
        t["block"]["output"],
        json!({"by": "rest", "ticket": "CHG-7"})
    );
    assert_eq!(t["always"]["output"], json!({"decision": "approve"}));
    // Decided once: a second decision finds nothing pending.
    let (status, again) = api
        .decide(&id, "confirm", json!({"decision": "reject"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{again}");

    let audit = api.audit("approval.approve").await;
    assert_eq!(audit[0]["actor"], "rest");
    assert_eq!(audit[0]["target"], format!("{id}/confirm"));
    assert_eq!(audit[0]["reason"], "confirmed with the SOC");
    // The request is in the history.
    let events = client()
        .get(s.url(&format!("/v1/executions/{id}/events")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(events.contains("event: approval_requested"), "{events}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejection_fails_the_task_and_what_follows_goes_by_the_usual_rules() {
    let s = Server::start();
    let api = local(&s);
    api.define(GATED).await;
    let id = api.start("gated", json!({"ip": "10.2.0.0"})).await;
    api.pending(&id, 1).await;
    let (status, d) = api
        .decide(
            &id,
            "confirm",
            json!({"decision": "reject", "reason": "too broad"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let e = api.ended(&id).await;
    assert_eq!(e["status"], "failed", "{e}");
    let t = &e["task_results"];
    assert_eq!(t["confirm"]["status"], "failed");
    assert_eq!(t["confirm"]["error"], "rejected by rest: too broad");
    assert_eq!(t["block"]["status"], "cancelled");
    // run_if: always runs, and sees the decision.
    assert_eq!(t["always"]["output"], json!({"decision": "reject"}));
    let audit = api.audit("approval.reject").await;
    assert_eq!(audit[0]["reason"], "too broad");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undecided_approval_ends_as_its_timeout_says() {
    let s = Server::start();
    let api = local(&s);
    api.define(
        r#"
name: deadlines
tasks:
  - {id: approves, type: approval, message: "go?", timeout: 300ms, on_timeout: approve, allow_failure: true}
  - {id: rejects, type: approval, message: "go?", timeout: 300ms, on_timeout: reject, allow_failure: true}
  - {id: fails, type: approval, message: "go?", timeout: 300ms, allow_failure: true}
  - {id: after, type: echo, depends_on: [approves], body: {by: "{{ approves.by }}"}}
"#,
    )
    .await;
    let id = api.start("deadlines", json!({})).await;
    let e = api.ended(&id).await;
    assert_eq!(e["status"], "completed", "{e}");
    let t = &e["task_results"];
    assert_eq!(t["approves"]["status"], "succeeded");
    assert_eq!(t["approves"]["output"]["by"], "timeout");
    assert_eq!(t["after"]["output"], json!({"by": "timeout"}));
    assert_eq!(t["rejects"]["status"], "failed");
    assert_eq!(
        t["rejects"]["error"],
        "rejected by default: no decision within 300ms"
    );
    assert_eq!(t["fails"]["status"], "timed_out");
    assert_eq!(t["fails"]["error"], "no decision within 300ms");
    let audit = api.audit("approval.timeout").await;
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(audit.iter().all(|r| r["actor"] == "engine"));
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_approvals_wait_and_end_each_on_its_own() {
    let s = Server::start();
    let api = local(&s);
    api.define(
        r#"
name: twins
tasks:
  - {id: left, type: approval, message: "left?"}
  - {id: right, type: approval, message: "right?"}
  - {id: after_left, type: echo, depends_on: [left], body: {ok: true}}
  - {id: after_right, type: echo, depends_on: [right], body: {ok: true}}
"#,
    )
    .await;
    let id = api.start("twins", json!({})).await;
    let both = api.pending(&id, 2).await;
    let tasks: Vec<&str> = both
        .iter()
        .map(|a| a["task_id"].as_str().unwrap())
        .collect();
    assert!(
        tasks.contains(&"left") && tasks.contains(&"right"),
        "{tasks:?}"
    );

    // The second first: the first still waits, and so does the run.
    let (status, _) = api
        .decide(&id, "right", json!({"decision": "approve"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let one = api.pending(&id, 1).await;
    assert_eq!(one[0]["task_id"], "left");
    let (_, e) = api.get(&format!("/v1/executions/{id}")).await;
    assert_eq!(e["status"], "waiting", "{e}");
    assert_eq!(
        e["task_results"]["after_right"]["status"], "succeeded",
        "{e}"
    );
    assert_eq!(e["task_results"]["left"]["status"], "waiting");

    let (status, _) = api.decide(&id, "left", json!({"decision": "reject"})).await;
    assert_eq!(status, StatusCode::OK);
    let e = api.ended(&id).await;
    assert_eq!(e["status"], "failed", "{e}");
    assert_eq!(e["task_results"]["right"]["status"], "succeeded");
    assert_eq!(e["task_results"]["left"]["status"], "failed");
    assert_eq!(e["task_results"]["after_left"]["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_approval_survives_a_restart_and_is_decided_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = Server::start_at(&data, &[]);
    let api = local(&s);
    api.define(GATED).await;
    let id = api.start("gated", json!({"ip": "10.3.0.0"})).await;
    let before = api.pending(&id, 1).await.remove(0);

    // A graceful stop does not cancel a run that waits for a person (nor
    // wait out the grace for it).
    let mut s = s;
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    assert!(s.child.wait().unwrap().success());
    drop(s);

    let s = Server::start_at(&data, &[]);
    let api = local(&s);
    let after = api.pending(&id, 1).await.remove(0);
    assert_eq!(after, before, "the same request, with the same deadline");
    let body =
        json!({"decision": "approve", "reason": "after the restart", "input": {"ticket": "CHG-9"}});
    let mut answer = api.decide(&id, "confirm", body.clone()).await;
    // While the run is being resumed the server says to ask again.
    for _ in 0..100 {
        if answer.0 != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer = api.decide(&id, "confirm", body.clone()).await;
    }
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    let e = api.ended(&id).await;
    assert_eq!(e["status"], "completed", "{e}");
    assert_eq!(e["task_results"]["block"]["output"]["ticket"], "CHG-9");
    assert_eq!(e["task_results"]["confirm"]["attempts"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_approvers_may_decide() {
    let sec = Secured::start(&[]);
    let admin = Api {
        s: &sec.server,
        token: Some(sec.admin()),
    };
    admin
        .define(
            r#"
name: guarded
tasks:
  - {id: named, type: approval, message: "ok?", approvers: [alice]}
  - {id: admins, type: approval, message: "ok?", permission: admin}
"#,
        )
        .await;
    let id = admin.start("guarded", json!({})).await;
    admin.pending(&id, 2).await;
    let as_ = |sub: &str, perms: &[&str]| Api {
        s: &sec.server,
        token: Some(sec.token(sub, perms)),
    };
    let approve = json!({"decision": "approve"});

    // No approvals:decide at all.
    let (status, e) = as_("alice", &["workflows:read"])
        .decide(&id, "named", approve.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("approvals:decide"),
        "{e}"
    );
    // The permission, but not among the approvers.
    let (status, e) = as_("bob", &["approvals:decide"])
        .decide(&id, "named", approve.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(
        e["message"],
        "'bob' is not among the approvers of task 'named' (alice)"
    );
    // The approval asks for admin besides.
    let (status, e) = as_("bob", &["approvals:decide"])
        .decide(&id, "admins", approve.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("needs the admin permission")
    );
    // Refusals leave both waiting.
    assert_eq!(admin.pending(&id, 2).await.len(), 2);

    let (status, d) = as_("alice", &["approvals:decide"])
        .decide(&id, "named", approve.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["decided_by"], "alice");
    let (status, _) = as_("carol", &["approvals:decide", "admin"])
        .decide(&id, "admins", approve)
        .await;
    assert_eq!(status, StatusCode::OK);
    let e = admin.ended(&id).await;
    assert_eq!(e["status"], "completed", "{e}");
    assert_eq!(e["task_results"]["admins"]["output"]["by"], "carol");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_decisions_are_refused_naming_the_field_and_change_nothing() {
    let s = Server::start();
    let api = local(&s);
    api.define(GATED).await;
    let id = api.start("gated", json!({"ip": "10.4.0.0"})).await;
    api.pending(&id, 1).await;

    let cases = [
        (
            json!({"decision": "maybe"}),
            "decision: expected \"approve\" or \"reject\", got \"maybe\"",
        ),
        (
            json!({"decision": "approve"}),
            "input.ticket: required to approve",
        ),
        (
            json!({"decision": "approve", "input": {"ticket": "x", "hours": "four"}}),
            "input.hours: expected integer, got \"four\"",
        ),
        (
            json!({"decision": "approve", "input": {"ticket": "x", "color": "red"}}),
            "input.color: not asked for; asked: hours, ticket",
        ),
    ];
    for (body, message) in cases {
        let (status, e) = api.decide(&id, "confirm", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {e}");
        assert_eq!(e["message"], message, "{body}");
    }
    let (status, e) = api
        .decide(&id, "nope", json!({"decision": "approve"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    let (status, e) = api
        .decide("gated-none", "confirm", json!({"decision": "approve"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    // Still waiting, untouched.
    assert_eq!(api.pending(&id, 1).await[0]["task_id"], "confirm");

    // Definitions: each problem named.
    let bad = r#"
name: bad_gate
tasks:
  - id: g
    type: approval
    message: ""
    on_timeout: later
    permission: root
    retry: {max_attempts: 3}
    input: {n: {type: date}}
"#;
    let r = client()
        .post(s.url("/v1/workflows"))
        .header("content-type", "application/yaml")
        .body(bad);
    let (status, e) = json_of(r.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let details: Vec<&str> = e["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    for field in [
        "message",
        "on_timeout",
        "permission",
        "retry",
        "input.n.type",
    ] {
        assert!(
            details
                .iter()
                .any(|d| d.starts_with(&format!("task 'g': {field}: "))),
            "{field} not named in {details:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_lists_and_decides_approvals() {
    let s = Server::start();
    let api = local(&s);
    api.define(GATED).await;
    let id = api.start("gated", json!({"ip": "10.5.0.0"})).await;
    api.pending(&id, 1).await;
    let mut c = ApprovalServiceClient::new(s.channel().await);
    let list = c
        .list_approvals(ListApprovalsRequest {
            workflow: "gated".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.approvals.len(), 1);
    assert_eq!(list.approvals[0].message, "Block 10.5.0.0/16?");
    let err = c
        .decide(DecideRequest {
            execution_id: id.clone(),
            task_id: "confirm".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(err.message(), "decision: required, approve or reject");
    let done = c
        .decide(DecideRequest {
            execution_id: id.clone(),
            task_id: "confirm".into(),
            decision: Decision::Reject as i32,
            reason: "over gRPC".into(),
            input: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.decided_by, "grpc");
    let e = api.ended(&id).await;
    assert_eq!(
        e["task_results"]["confirm"]["error"],
        "rejected by grpc: over gRPC"
    );
}
