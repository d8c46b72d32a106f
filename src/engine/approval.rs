//! Approval tasks: the execution waits, holding no slot, until a person
//! decides through the API or the task's timeout decides for them. The
//! desk lists the approvals waiting in this process and hands each
//! decision to its waiting task; the wait is a plain future of the
//! execution's state machine, so cancelling or abandoning the execution
//! drops it (and its desk entry with it). Nothing about a wait lives only
//! in memory: its request is an event of the execution's history, and a
//! resumed execution waits again until the same deadline.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pbjson_types::Timestamp;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

use super::attempt::Outcome;
use crate::proto::{self, Approval, ApprovalDefault, Decision, TaskState};

/// Why a decision was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// No approval of that task waits (here).
    #[error("no approval is pending for task '{task}' of execution '{execution}'")]
    NotPending {
        /// The execution.
        execution: String,
        /// The task.
        task: String,
    },
    /// The caller may not decide this approval.
    #[error("{0}")]
    Denied(String),
    /// The decision or its input is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The approval waits, but its execution is still being resumed here
    /// or runs on another replica: asking again later may succeed.
    #[error("{0}")]
    Elsewhere(String),
}

impl ApprovalError {
    /// No approval of `task` in `execution` waits.
    fn not_pending(execution: &str, task: &str) -> Self {
        Self::NotPending {
            execution: execution.to_owned(),
            task: task.to_owned(),
        }
    }
}

/// A person's decision, on its way to the waiting task.
pub struct Verdict {
    /// Approve or reject.
    pub decision: Decision,
    /// Who decided.
    pub by: String,
    /// Why.
    pub reason: String,
    /// What they entered.
    pub input: Map<String, Value>,
}

impl Verdict {
    /// Checks that `allowed` lets the caller decide `approval` and that the
    /// input is what the approval asks for (required fields only when
    /// approving).
    fn admit(
        &self,
        approval: &Approval,
        allowed: impl FnOnce(&Approval) -> Result<(), ApprovalError>,
    ) -> Result<(), ApprovalError> {
        allowed(approval)?;
        let approving = self.decision == Decision::Approve;
        crate::spec::approval::check_input(&approval.input, &self.input, approving)
            .map_err(ApprovalError::Invalid)
    }
}

/// A verdict with the way to tell the decider that it was recorded.
struct Delivery {
    verdict: Verdict,
    recorded: oneshot::Sender<()>,
}

type Key = (Arc<str>, Arc<str>);

/// A waiting approval: its request, where its decision goes, and the
/// number of the wait that listed it.
type Waiting = (Arc<Approval>, oneshot::Sender<Delivery>, u64);

/// The approvals waiting in this process, by (execution, task).
#[derive(Default)]
pub(crate) struct Desk {
    pending: Mutex<HashMap<Key, Waiting>>,
    /// Numbers waits, so that one ending removes its own entry only (a
    /// run taken back may wait again before its old wait is dropped).
    waits: std::sync::atomic::AtomicU64,
}

impl Desk {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Waiting>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The approval of `task` in `execution`, if it waits here.
    pub fn get(&self, execution: &str, task: &str) -> Option<Arc<Approval>> {
        self.lock()
            .get(&(execution.into(), task.into()))
            .map(|(a, _, _)| a.clone())
    }

    /// Hands a verdict to the waiting task once `allowed` accepts it;
    /// resolves when the task's end is recorded (queued for the store).
    pub async fn decide(
        &self,
        execution: &str,
        task: &str,
        verdict: Verdict,
        allowed: impl FnOnce(&Approval) -> Result<(), ApprovalError>,
    ) -> Result<Arc<Approval>, ApprovalError> {
        let (recorded, done) = oneshot::channel();
        let approval = {
            let mut pending = self.lock();
            let key: Key = (execution.into(), task.into());
            let Some((approval, _, _)) = pending.get(&key) else {
                return Err(ApprovalError::not_pending(execution, task));
            };
            verdict.admit(approval, allowed)?;
            let (approval, tx, _) = pending.remove(&key).expect("looked up above");
            // The wait went away in between (cancelled): nothing to decide.
            if tx.send(Delivery { verdict, recorded }).is_err() {
                return Err(ApprovalError::not_pending(execution, task));
            }
            approval
        };
        done.await
            .map_err(|_| ApprovalError::not_pending(execution, task))?;
        Ok(approval)
    }

    /// The approvals waiting here, by execution.
    fn by_execution(&self) -> HashMap<Arc<str>, Vec<Arc<Approval>>> {
        let mut out: HashMap<Arc<str>, Vec<Arc<Approval>>> = HashMap::new();
        for ((execution, _), (approval, _, _)) in self.lock().iter() {
            out.entry(execution.clone())
                .or_default()
                .push(approval.clone());
        }
        out
    }

    /// Lists `approval` as waiting, before its request is recorded, so
    /// that a run seen waiting here has all its approvals on the desk.
    pub(crate) fn seat(self: &Arc<Self>, approval: &Arc<Approval>) -> Seat {
        let (entry, rx) = self.open(approval.clone());
        Seat { _entry: entry, rx }
    }

    /// Lists `approval` as waiting; the entry goes when the guard drops.
    fn open(self: &Arc<Self>, approval: Arc<Approval>) -> (Entry, oneshot::Receiver<Delivery>) {
        let (tx, rx) = oneshot::channel();
        let key: Key = (
            approval.execution_id.as_str().into(),
            approval.task_id.as_str().into(),
        );
        let wait = self
            .waits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock().insert(key.clone(), (approval, tx, wait));
        (
            Entry {
                desk: self.clone(),
                key,
                wait,
            },
            rx,
        )
    }
}

/// An approval's place on the desk, held by its wait.
pub(crate) struct Seat {
    _entry: Entry,
    rx: oneshot::Receiver<Delivery>,
}

/// A desk entry, removed when the wait ends or is dropped.
struct Entry {
    desk: Arc<Desk>,
    key: Key,
    wait: u64,
}

impl Drop for Entry {
    fn drop(&mut self) {
        let mut pending = self.desk.lock();
        if pending
            .get(&self.key)
            .is_some_and(|(_, _, w)| *w == self.wait)
        {
            pending.remove(&self.key);
        }
    }
}

/// One approval's wait: ends with the decision, or at the deadline with
/// the default outcome. Returns the outcome and, for a person's decision,
/// the way to tell them it was recorded (after the task's end is queued).
pub(crate) async fn wait(
    seat: Seat,
    approval: Arc<Approval>,
    timeout: Option<Duration>,
) -> (Outcome, Option<(Verdict, oneshot::Sender<()>)>) {
    let deadline = timeout.map(|t| remaining(approval.requested_at.as_ref(), t));
    let on_timeout = approval.on_timeout();
    let Seat { _entry, rx } = seat;
    let sleep = async {
        match deadline {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        delivered = rx => match delivered {
            Ok(Delivery { verdict, recorded }) => (decided(&verdict), Some((verdict, recorded))),
            // The sender went with the entry: only when the wait itself goes.
            Err(_) => std::future::pending().await,
        },
        _ = sleep => (timed_out(on_timeout, timeout.unwrap_or_default()), None),
    }
}

/// Time left until `requested_at + timeout` (none once past).
fn remaining(requested_at: Option<&Timestamp>, timeout: Duration) -> Duration {
    let since = requested_at.map_or(0, proto::timestamp_ms);
    let elapsed = (proto::timestamp_ms(&proto::now()) - since).max(0) as u64;
    timeout.saturating_sub(Duration::from_millis(elapsed))
}

/// The task's end for a person's decision.
fn decided(v: &Verdict) -> Outcome {
    let approved = v.decision == Decision::Approve;
    let label = v.decision.label();
    let mut meta = Map::new();
    meta.insert("decision".into(), json!(label));
    meta.insert("by".into(), json!(v.by));
    meta.insert("reason".into(), json!(v.reason));
    Outcome {
        state: if approved {
            TaskState::Succeeded
        } else {
            TaskState::Failed
        },
        output: approved
            .then(|| json!({"decision": label, "by": v.by, "reason": v.reason, "input": v.input})),
        error: match (approved, v.reason.is_empty()) {
            (true, _) => String::new(),
            (false, true) => format!("rejected by {}", v.by),
            (false, false) => format!("rejected by {}: {}", v.by, v.reason),
        },
        meta,
        attempts: 1,
        cached: false,
    }
}

/// The task's end when nobody decided within `timeout`.
fn timed_out(on_timeout: ApprovalDefault, timeout: Duration) -> Outcome {
    let after = format!("no decision within {}", humantime::format_duration(timeout));
    let label = on_timeout.label();
    let state = match on_timeout {
        ApprovalDefault::Approve => TaskState::Succeeded,
        ApprovalDefault::Reject => TaskState::Failed,
        ApprovalDefault::Fail | ApprovalDefault::Unspecified => TaskState::TimedOut,
    };
    let reason = format!("{after}; on_timeout: {label}");
    let mut meta = Map::new();
    meta.insert("decision".into(), json!(label));
    meta.insert("by".into(), json!("timeout"));
    meta.insert("reason".into(), json!(reason));
    Outcome {
        state,
        output: (state == TaskState::Succeeded)
            .then(|| json!({"decision": label, "by": "timeout", "reason": reason, "input": {}})),
        error: match state {
            TaskState::Succeeded => String::new(),
            TaskState::Failed => format!("rejected by default: {after}"),
            _ => after,
        },
        meta,
        attempts: 1,
        cached: false,
    }
}

impl super::Engine {
    /// The approvals waiting for a decision, oldest first, of one workflow
    /// or one execution if given. Read from the store, so that every
    /// replica, and a server still resuming its runs, lists the same.
    pub async fn approvals(
        &self,
        workflow: Option<&str>,
        execution: Option<&str>,
    ) -> Result<Vec<Approval>, super::EngineError> {
        let store = self.store();
        let waiting = match execution {
            Some(id) => vec![store.get_execution(id).await?],
            None => store.waiting_executions().await?,
        };
        let seated = self.shared.desk.by_execution();
        // How many approvals each run seated here counts as waiting, read
        // under one hold of the active table.
        let live_waiting: HashMap<&str, usize> = {
            let active = self.lock_active();
            seated
                .keys()
                .filter_map(|id| {
                    let l = active.get(&**id)?;
                    Some((&**id, l.waiting.load(Ordering::Relaxed) as usize))
                })
                .collect()
        };
        let mut out = Vec::new();
        for e in waiting {
            let unmatched = workflow.is_some_and(|w| w != e.workflow);
            if unmatched || e.status != proto::ExecutionState::Waiting as i32 {
                continue;
            }
            // A run waiting here with every approval seated needs no
            // history read; one resuming, ending a wait or elsewhere does.
            let here = seated
                .get(e.id.as_str())
                .filter(|seats| live_waiting.get(e.id.as_str()) == Some(&seats.len()));
            match here {
                Some(seats) => out.extend(seats.iter().map(|a| Approval::clone(a))),
                None => out.extend(pending(&e, &store.events(&e.id, 0).await?)),
            }
        }
        out.sort_by_key(|a| a.requested_at.as_ref().map(proto::timestamp_ms));
        Ok(out)
    }

    /// Decides a pending approval, if `allowed` accepts the caller;
    /// answers once the task's end is durable. An approval that waits in
    /// the store but not here is asked of the replica that runs it, when
    /// replicas share the store.
    pub async fn decide(
        &self,
        execution: &str,
        task: &str,
        verdict: Verdict,
        allowed: impl FnOnce(&Approval) -> Result<(), ApprovalError>,
    ) -> Result<Arc<Approval>, super::EngineError> {
        let desk = &self.shared.desk;
        if desk.get(execution, task).is_some() {
            let approval = desk.decide(execution, task, verdict, allowed).await?;
            self.store().flush().await?;
            return Ok(approval);
        }
        let stored = self.approvals(None, Some(execution)).await?;
        let Some(approval) = stored.into_iter().find(|a| a.task_id == task) else {
            return Err(ApprovalError::not_pending(execution, task).into());
        };
        let Some(ownership) = &self.shared.ownership else {
            return Err(ApprovalError::Elsewhere(format!(
                "the approval of task '{task}' waits, but execution '{execution}' is still \
                 being resumed; ask again shortly"
            ))
            .into());
        };
        verdict.admit(&approval, allowed)?;
        let asked = crate::store::AskedDecision {
            execution_id: execution.to_owned(),
            task_id: task.to_owned(),
            decision: verdict.decision as i32,
            decided_by: verdict.by.clone(),
            reason: verdict.reason.clone(),
            input: prost::Message::encode_to_vec(&proto::json_map_to_struct(&verdict.input)),
        };
        if !ownership.request_decision(&asked).await? {
            return Err(ApprovalError::not_pending(execution, task).into());
        }
        self.decided_elsewhere(execution, task, &verdict).await?;
        Ok(Arc::new(approval))
    }

    /// Waits until the replica running `execution` recorded the end of
    /// approval `task`, and checks it ended by `verdict`.
    async fn decided_elsewhere(
        &self,
        execution: &str,
        task: &str,
        verdict: &Verdict,
    ) -> Result<(), ApprovalError> {
        let deadline = tokio::time::Instant::now() + REMOTE_DECISION_WAIT;
        loop {
            let events = self.store().events(execution, 0).await.unwrap_or_default();
            let ended = events.iter().rev().find_map(|ev| match &ev.kind {
                Some(proto::execution_event::Kind::TaskEnded(t)) => {
                    t.result.as_ref().filter(|r| r.task_id == task)
                }
                _ => None,
            });
            if let Some(r) = ended {
                let meta = r
                    .meta
                    .as_ref()
                    .map(proto::struct_to_json_map)
                    .unwrap_or_default();
                let by = meta.get("by").and_then(Value::as_str).unwrap_or_default();
                return match by == verdict.by {
                    true => Ok(()),
                    false => Err(ApprovalError::not_pending(execution, task)),
                };
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ApprovalError::Elsewhere(format!(
                    "the decision on task '{task}' was handed to the replica running execution \
                     '{execution}', which has not recorded it yet; ask again to see"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// How long a decision handed to another replica is waited for.
const REMOTE_DECISION_WAIT: Duration = Duration::from_secs(30);

/// Hands the decisions asked of this replica's approvals to them, and
/// forgets each once handed.
pub(super) async fn deliver_asked(desk: &Arc<Desk>, ownership: &Arc<crate::store::Ownership>) {
    let asked = match ownership.decision_requests().await {
        Ok(asked) => asked,
        Err(e) => {
            tracing::debug!(error = %e, "cannot read the decisions asked");
            return;
        }
    };
    for d in asked {
        // Not waiting here (yet): the next look hands it over.
        if desk.get(&d.execution_id, &d.task_id).is_none() {
            continue;
        }
        let input = <pbjson_types::Struct as prost::Message>::decode(d.input.as_slice())
            .map(|s| proto::struct_to_json_map(&s))
            .unwrap_or_default();
        let verdict = Verdict {
            decision: Decision::try_from(d.decision).unwrap_or(Decision::Reject),
            by: d.decided_by,
            reason: d.reason,
            input,
        };
        let (desk, ownership) = (desk.clone(), ownership.clone());
        tokio::spawn(async move {
            // The asking replica checked the caller and the input.
            let handed = desk
                .decide(&d.execution_id, &d.task_id, verdict, |_| Ok(()))
                .await;
            if let Err(e) = &handed {
                tracing::warn!(execution = %d.execution_id, task = %d.task_id, error = %e, "a decision asked of this replica was not taken");
            }
            if let Err(e) = ownership.forget_decision(&d.execution_id, &d.task_id).await {
                tracing::debug!(error = %e, "cannot forget a decision handed over");
            }
        });
    }
}

/// The approvals of `e` its history shows waiting: requested, not ended.
fn pending(e: &proto::Execution, events: &[proto::ExecutionEvent]) -> Vec<Approval> {
    use proto::execution_event::Kind;
    let mut open: Vec<Approval> = Vec::new();
    for ev in events {
        match &ev.kind {
            Some(Kind::ApprovalRequested(r)) => {
                open.retain(|a| a.task_id != r.task_id);
                open.push(Approval::requested(e, r));
            }
            Some(Kind::TaskEnded(t)) => {
                let id = t.result.as_ref().map_or("", |r| r.task_id.as_str());
                open.retain(|a| a.task_id != id);
            }
            Some(Kind::ExecutionEnded(_)) => open.clear(),
            _ => {}
        }
    }
    open
}
