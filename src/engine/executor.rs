//! One execution as one async state machine. It owns the DAG state (no
//! shared locks on the hot path): per-task slots with counts of ended
//! dependencies, a queue of ready tasks and the set of running attempts.
//! A task's end updates its dependents at once and queues the ready ones.
//!
//! Dependency rules: a task runs when every dependency succeeded, was
//! skipped, or failed with `allow_failure`. A dependency that ended any
//! other way cancels it ("upstream task did not succeed"); a failure
//! without `allow_failure` fails the execution, and tasks not yet started
//! are cancelled. `run_if: always` tasks run once their dependencies have
//! ended, whatever happened.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use minijinja::Value as MjValue;
use pbjson_types::Timestamp;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::EngineError;
use super::approval::{self, Verdict};
use super::attempt::{Attempt, Outcome};
use super::cache::ResultCache;
use super::recorder::Recorder;
use crate::proto::{
    self, Approval, Decision, Execution, ExecutionEnded, ExecutionState, TaskEnded, TaskResult,
    TaskState, execution_event::Kind,
};
use crate::spec::approval::ApprovalConfig;
use crate::spec::template::{Scope, json_value};
use crate::spec::{Plan, PlanTask, Runner};

/// What every execution of one engine shares.
pub(crate) struct Shared {
    pub store: Arc<dyn crate::store::Store>,
    /// This replica's lease when it shares the store: attempts start
    /// only while it is live.
    pub ownership: Option<Arc<crate::store::Ownership>>,
    /// Slots of tasks: CPU work (`WORKERS`) and waiting work
    /// (`MAX_INFLIGHT_TASKS`).
    pub pools: Arc<super::pools::Pools>,
    pub cache: ResultCache,
    pub max_output_bytes: usize,
    /// Hides secrets in what tasks hand back.
    pub redactor: super::redact::Redactor,
    /// The timeout of tasks that set none, so that a hung call cannot
    /// hold a worker slot forever.
    pub default_task_timeout: Option<Duration>,
    /// The approvals waiting for a decision.
    pub desk: Arc<super::approval::Desk>,
}

/// How an execution is asked to stop, and why.
#[derive(Default)]
pub(crate) struct Control {
    pub token: CancellationToken,
    /// (reason, who asked).
    pub reason: Mutex<Option<(String, String)>>,
    /// Stop without recording anything: another replica runs it now, or
    /// this one hands it back.
    pub abandoned: std::sync::atomic::AtomicBool,
}

impl Control {
    /// Stops the execution here, recording nothing: its tasks in flight
    /// are dropped (their child processes killed).
    pub fn abandon(&self) {
        self.abandoned.store(true, Ordering::Release);
        self.token.cancel();
    }

    pub fn cancel(&self, reason: &str, by: &str) {
        let mut r = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        if r.is_none() {
            *r = Some((reason.to_owned(), by.to_owned()));
        }
        drop(r);
        self.token.cancel();
    }

    fn reason(&self) -> (String, String) {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(|| ("cancelled".into(), String::new()))
    }
}

/// What the rest of the process sees of a running execution: the active
/// table lists it, Cancel reaches it, watchers subscribe to it.
pub(crate) struct Live {
    pub plan: Arc<Plan>,
    pub version: u32,
    pub started_at: Option<Timestamp>,
    pub control: Control,
    pub watchers: super::recorder::Watchers,
    /// Per task: an attempt of it is under way.
    pub running: Box<[std::sync::atomic::AtomicBool]>,
    /// Approvals of it waiting for a decision.
    pub waiting: AtomicU32,
}

/// A task's state within the run.
#[derive(Debug, Default)]
struct Slot {
    state: TaskState,
    output: Option<Arc<Value>>,
    meta: Map<String, Value>,
    error: String,
    attempts: u32,
    cached: bool,
    started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
    ended_deps: u32,
    /// The first dependency that ended without success.
    blocker: Option<u32>,
    /// Put on the ready queue (decided, not yet final).
    queued: bool,
}

/// A task's end: its index, its outcome and, for an approval a person
/// decided, their verdict with the way to tell them it was recorded.
pub(crate) type Done = (u32, Outcome, Option<Decided>);
type Decided = (Verdict, tokio::sync::oneshot::Sender<()>);
type Attempts = Pin<Box<dyn Future<Output = Done> + Send>>;

/// One execution being driven.
pub(crate) struct Run {
    plan: Arc<Plan>,
    shared: Arc<Shared>,
    live: Arc<Live>,
    rec: Recorder,
    header: Execution,
    input: Arc<Value>,
    event: Arc<Value>,
    workflow_info: Arc<Value>,
    slots: Vec<Slot>,
    ready: VecDeque<u32>,
    running: FuturesUnordered<Attempts>,
    /// Per task, the attempt last started by a running `Attempt`.
    started: Arc<[AtomicU32]>,
    /// Where the workflow timeout counts from: the start, or a retry.
    window_start: Option<Timestamp>,
    failure: Option<String>,
}

impl Run {
    /// A run of `plan` described by `header`; `prior` holds task results
    /// recorded before a restart (empty for a new execution).
    pub fn new(
        plan: Arc<Plan>,
        shared: Arc<Shared>,
        live: Arc<Live>,
        rec: Recorder,
        header: Execution,
    ) -> Self {
        let input = Arc::new(Value::Object(
            header
                .input
                .as_ref()
                .map(proto::struct_to_json_map)
                .unwrap_or_default(),
        ));
        let event = Arc::new(header.event.as_ref().map_or(Value::Null, proto::pb_to_json));
        let workflow_info = Arc::new(json!({
            "id": header.id,
            "name": header.workflow,
            "version": header.version,
        }));
        let mut slots: Vec<Slot> = (0..plan.tasks.len()).map(|_| Slot::default()).collect();
        for (i, t) in plan.tasks.iter().enumerate() {
            if let Some(r) = header.task_results.get(&*t.id) {
                slots[i] = slot_from_record(r);
            }
        }
        Self {
            window_start: header.started_at,
            plan,
            shared,
            live,
            rec,
            header,
            input,
            event,
            workflow_info,
            started: (0..slots.len()).map(|_| AtomicU32::new(0)).collect(),
            slots,
            ready: VecDeque::new(),
            running: FuturesUnordered::new(),
            failure: None,
        }
    }

    /// Counts the workflow timeout from now (a retry gets a full window).
    pub fn restart_timeout_window(mut self) -> Self {
        self.window_start = Some(proto::now());
        self
    }

    /// The tighter of the workflow's timeout and the one its starter set.
    fn timeout(&self) -> Option<Duration> {
        let starter =
            (self.header.timeout_ms > 0).then(|| Duration::from_millis(self.header.timeout_ms));
        match (self.plan.timeout, starter) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs to the end and returns the final execution, once durable.
    pub async fn drive(mut self) -> Result<Arc<Execution>, EngineError> {
        self.start_state();
        let timeout = self.timeout();
        // Checked: a stored timeout too far out for the clock (written
        // before definitions were bounded) means no deadline, not a panic.
        let deadline = timeout.and_then(|t| {
            let started = self.window_start.as_ref().map_or(0, proto::timestamp_ms);
            let elapsed = (proto::timestamp_ms(&proto::now()) - started).max(0) as u64;
            tokio::time::Instant::now()
                .checked_add(t.saturating_sub(Duration::from_millis(elapsed)))
        });
        let abort = loop {
            if self.live.control.token.is_cancelled() {
                break Some((ExecutionState::Cancelled, self.live.control.reason().0));
            }
            self.dispatch();
            if self.running.is_empty() {
                break None;
            }
            tokio::select! {
                biased;
                _ = self.live.control.token.cancelled() => {
                    break Some((ExecutionState::Cancelled, self.live.control.reason().0));
                }
                _ = sleep_until(deadline) => {
                    let t = timeout.unwrap_or_default();
                    break Some((ExecutionState::TimedOut, format!("workflow timeout of {} exceeded", humantime::format_duration(t))));
                }
                Some((i, outcome, decided)) = self.running.next() => self.task_done(i, outcome, decided),
            }
        };
        if self.live.control.abandoned.load(Ordering::Acquire) {
            let id = std::mem::take(&mut self.header.id);
            return Err(crate::store::StoreError::OwnershipLost(id).into());
        }
        if let Some((state, why)) = &abort {
            self.abort(*state, why);
        }
        self.finish(abort).await
    }

    /// Counts ended dependencies from recorded results and queues (or
    /// cancels) every task whose dependencies have all ended.
    fn start_state(&mut self) {
        let plan = self.plan.clone();
        for &i in &plan.topological {
            let i = i as usize;
            let st = self.slots[i].state;
            if st.is_final() {
                if self.fails_execution(i) && self.failure.is_none() {
                    self.failure = Some(self.failure_message(i));
                }
                for &d in &plan.dependents[i] {
                    let ok = self.satisfied(i);
                    let s = &mut self.slots[d as usize];
                    s.ended_deps += 1;
                    if !ok && s.blocker.is_none() {
                        s.blocker = Some(i as u32);
                    }
                }
            }
        }
        for &i in &plan.topological {
            let s = &self.slots[i as usize];
            let all_ended = s.ended_deps as usize == plan.dependencies[i as usize].len();
            if !s.state.is_final() && !s.queued && all_ended && self.deps_ended(i) {
                self.propagate(i);
            }
        }
    }

    fn satisfied(&self, i: usize) -> bool {
        match self.slots[i].state {
            TaskState::Succeeded | TaskState::Skipped => true,
            TaskState::Failed | TaskState::TimedOut => self.plan.tasks[i].allow_failure,
            _ => false,
        }
    }

    fn fails_execution(&self, i: usize) -> bool {
        matches!(self.slots[i].state, TaskState::Failed | TaskState::TimedOut)
            && !self.plan.tasks[i].allow_failure
    }

    fn failure_message(&self, i: usize) -> String {
        let s = &self.slots[i];
        format!(
            "task '{}' {}: {}",
            self.plan.tasks[i].id,
            s.state.label(),
            s.error
        )
    }

    /// Decides what happens to a task whose dependencies have all ended:
    /// queued, or cancelled (returns true: the caller propagates).
    fn deps_ended(&mut self, i: u32) -> bool {
        let t = &self.plan.tasks[i as usize];
        if t.run_always {
            self.slots[i as usize].queued = true;
            self.ready.push_back(i);
            return false;
        }
        if let Some(b) = self.slots[i as usize].blocker {
            let why = format!(
                "upstream task '{}' {}",
                self.plan.tasks[b as usize].id,
                self.slots[b as usize].state.label()
            );
            self.end_task(i, TaskState::Cancelled, why);
            return true;
        }
        if let Some(f) = &self.failure {
            let why = format!("execution failed: {f}");
            self.end_task(i, TaskState::Cancelled, why);
            return true;
        }
        self.slots[i as usize].queued = true;
        self.ready.push_back(i);
        false
    }

    /// Applies a task's end to its dependents, transitively through
    /// cancellations. Iterative: a long chain must not exhaust the stack.
    fn propagate(&mut self, first: u32) {
        let plan = self.plan.clone();
        let mut work = vec![first];
        while let Some(i) = work.pop() {
            let iu = i as usize;
            if self.fails_execution(iu) && self.failure.is_none() {
                self.failure = Some(self.failure_message(iu));
                // Tasks queued but not started will not start now.
                let queued: Vec<u32> = self.ready.drain(..).collect();
                for q in queued {
                    if plan.tasks[q as usize].run_always {
                        self.ready.push_back(q);
                    } else {
                        let why = format!(
                            "execution failed: {}",
                            self.failure.clone().unwrap_or_default()
                        );
                        self.end_task(q, TaskState::Cancelled, why);
                        work.push(q);
                    }
                }
            }
            let ok = self.satisfied(iu);
            for &d in &plan.dependents[iu] {
                let s = &mut self.slots[d as usize];
                s.ended_deps += 1;
                if !ok && s.blocker.is_none() {
                    s.blocker = Some(i);
                }
                if s.ended_deps as usize == plan.dependencies[d as usize].len()
                    && self.deps_ended(d)
                {
                    work.push(d);
                }
            }
        }
    }

    /// Starts every queued task the limits allow.
    fn dispatch(&mut self) {
        let max = self.plan.max_parallel;
        while max == 0 || self.running.len() < max {
            let Some(i) = self.ready.pop_front() else {
                break;
            };
            let plan = self.plan.clone();
            let t = &plan.tasks[i as usize];
            let scope = self.scope(t);
            if let Some(cond) = &t.condition {
                match cond.eval(&scope) {
                    Ok(v) if !v.is_true() => {
                        let why = format!("condition `{}` is false", cond.source());
                        self.end_task(i, TaskState::Skipped, why);
                        self.propagate(i);
                        continue;
                    }
                    Ok(_) => {}
                    Err(m) => {
                        let why = format!("condition `{}`: {m}", cond.source());
                        self.end_task(i, TaskState::Failed, why);
                        self.propagate(i);
                        continue;
                    }
                }
            }
            let config = match t.config.render(&scope) {
                Ok(c) => c,
                Err(m) => {
                    self.end_task(i, TaskState::Failed, format!("config: {m}"));
                    self.propagate(i);
                    continue;
                }
            };
            let plugin = match &t.runner {
                Runner::Plugin(p) => p.clone(),
                Runner::Approval => {
                    match ApprovalConfig::decode(&config) {
                        Ok(c) => self.request_approval(i, &c),
                        Err(m) => {
                            self.end_task(i, TaskState::Failed, m);
                            self.propagate(i);
                        }
                    }
                    continue;
                }
            };
            let slot = &mut self.slots[i as usize];
            slot.state = TaskState::Running;
            self.live.running[i as usize].store(true, Ordering::Relaxed);
            if slot.started_at.is_none() {
                slot.started_at = Some(proto::now());
            }
            let attempt = Attempt {
                index: i,
                plugin,
                task_id: t.id.clone(),
                execution_id: self.header.id.as_str().into(),
                input: self.input.clone(),
                cache_key: t.cacheable.then(|| ResultCache::key(&t.kind, &config)),
                cache_ttl: t.cache_ttl,
                config,
                timeout: t.timeout.or(self.shared.default_task_timeout),
                retry: t.retry.clone(),
                first_attempt: slot.attempts + 1,
                shared: self.shared.clone(),
                rec: self.rec.clone(),
                started: self.started.clone(),
            };
            self.running.push(Box::pin(attempt.run()));
        }
    }

    /// Puts approval task `i` on the desk: recorded as requested (again,
    /// after a restart, with its first deadline), the execution waiting.
    fn request_approval(&mut self, i: u32, c: &ApprovalConfig) {
        let t = &self.plan.tasks[i as usize];
        let slot = &mut self.slots[i as usize];
        slot.state = TaskState::Waiting;
        slot.attempts = 1;
        let requested_at = *slot.started_at.get_or_insert_with(proto::now);
        self.live.running[i as usize].store(true, Ordering::Relaxed);
        self.started[i as usize].store(1, Ordering::Relaxed);
        let timeout = t.timeout;
        let deadline = timeout.map(|d| {
            let ms = proto::timestamp_ms(&requested_at).saturating_add(d.as_millis() as i64);
            proto::timestamp_from_ms(ms)
        });
        let approval = Arc::new(Approval {
            execution_id: self.header.id.clone(),
            workflow: self.header.workflow.clone(),
            task_id: t.id.to_string(),
            message: c.message.clone(),
            approvers: c.approvers.clone(),
            permission: c.permission.clone(),
            input: c.fields(),
            requested_at: Some(requested_at),
            deadline,
            on_timeout: c.on_timeout() as i32,
        });
        let seat = self.shared.desk.seat(&approval);
        self.rec.emit(Kind::TaskStarted(proto::TaskStarted {
            task_id: approval.task_id.clone(),
            attempt: 1,
        }));
        self.rec.emit(Kind::ApprovalRequested(approval.request()));
        if self.live.waiting.fetch_add(1, Ordering::Relaxed) == 0 {
            self.store_status(ExecutionState::Waiting);
        }
        self.running.push(Box::pin(async move {
            let (outcome, decided) = approval::wait(seat, approval, timeout).await;
            (i, outcome, decided)
        }));
    }

    /// Stores the header with the execution's state while it runs
    /// (running or waiting), so listings filtered by state find it.
    fn store_status(&self, state: ExecutionState) {
        let header = Execution {
            status: state as i32,
            task_results: Default::default(),
            ..self.header.clone()
        };
        self.shared
            .store
            .append(crate::store::Write::Execution(Arc::new(header)));
    }

    /// The names task `t`'s expressions read, bound to their values now.
    fn scope(&self, t: &PlanTask) -> MjValue {
        let r = &t.reads;
        if r.globals.is_empty() && r.outputs.is_empty() && r.records.is_empty() && !r.all_records {
            return MjValue::UNDEFINED;
        }
        let mut scope = Scope::new();
        for g in &r.globals {
            let v = match *g {
                "input" => self.input.clone(),
                "event" => self.event.clone(),
                _ => self.workflow_info.clone(),
            };
            scope.bind(*g, json_value(v));
        }
        for &i in &r.outputs {
            let v = match &self.slots[i as usize].output {
                Some(o) => json_value(o.clone()),
                // A skipped or failed task's output reads as null.
                None => MjValue::UNDEFINED,
            };
            scope.bind(self.plan.tasks[i as usize].id.clone(), v);
        }
        if r.all_records || !r.records.is_empty() {
            let mut records = Map::new();
            let all: Vec<u32>;
            let which: &[u32] = if r.all_records {
                all = (0..self.slots.len() as u32)
                    .filter(|&i| self.slots[i as usize].state.is_final())
                    .collect();
                &all
            } else {
                &r.records
            };
            for &i in which {
                records.insert(
                    self.plan.tasks[i as usize].id.to_string(),
                    self.record_json(i),
                );
            }
            scope.bind("tasks", json_value(Arc::new(Value::Object(records))));
        }
        scope.into_value()
    }

    /// `tasks.<id>` as expressions see it.
    fn record_json(&self, i: u32) -> Value {
        let s = &self.slots[i as usize];
        let mut m = s.meta.clone();
        m.insert("status".into(), json!(s.state.label()));
        m.insert("attempts".into(), json!(s.attempts));
        m.insert("cached".into(), json!(s.cached));
        m.insert("error".into(), json!(s.error));
        m.insert(
            "duration_ms".into(),
            json!(proto::elapsed_ms(
                s.started_at.as_ref(),
                s.finished_at.as_ref()
            )),
        );
        m.insert(
            "output".into(),
            s.output.as_deref().cloned().unwrap_or(Value::Null),
        );
        Value::Object(m)
    }

    fn task_done(&mut self, i: u32, o: Outcome, decided: Option<Decided>) {
        let approval = matches!(self.plan.tasks[i as usize].runner, Runner::Approval);
        let s = &mut self.slots[i as usize];
        s.attempts = o.attempts;
        s.cached = o.cached;
        s.meta = o.meta;
        s.output = o.output.map(Arc::new);
        self.end_task(i, o.state, o.error);
        if approval {
            self.approval_ended(i, decided);
        }
        self.propagate(i);
    }

    /// After an approval's end is recorded: audited, the decider told, and
    /// the execution running again when no other approval waits.
    fn approval_ended(&mut self, i: u32, decided: Option<Decided>) {
        let target = format!("{}/{}", self.header.id, self.plan.tasks[i as usize].id);
        let (actor, action, reason) = match &decided {
            Some((v, _)) => {
                let action = match v.decision {
                    Decision::Approve => "approval.approve",
                    _ => "approval.reject",
                };
                (v.by.clone(), action, v.reason.clone())
            }
            None => {
                let meta = &self.slots[i as usize].meta;
                let why = meta
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                ("engine".to_owned(), "approval.timeout", why.to_owned())
            }
        };
        self.shared
            .store
            .append(crate::store::Write::Audit(proto::AuditRecord {
                time: Some(proto::now()),
                actor,
                action: action.to_owned(),
                target,
                reason,
            }));
        if let Some((_, recorded)) = decided {
            // The decider may have gone (a dropped request): nothing to tell.
            let _ = recorded.send(());
        }
        if self.live.waiting.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.store_status(ExecutionState::Running);
        }
    }

    /// Records a task's final state (the caller propagates).
    fn end_task(&mut self, i: u32, state: TaskState, error: String) {
        self.live.running[i as usize].store(false, Ordering::Relaxed);
        let s = &mut self.slots[i as usize];
        s.state = state;
        s.error = error;
        s.finished_at = Some(proto::now());
        let result = self.result(i);
        self.rec.emit(Kind::TaskEnded(TaskEnded {
            result: Some(result),
        }));
    }

    fn result(&self, i: u32) -> TaskResult {
        let s = &self.slots[i as usize];
        TaskResult {
            task_id: self.plan.tasks[i as usize].id.to_string(),
            status: s.state as i32,
            output: s.output.as_deref().map(proto::json_to_pb),
            error: s.error.clone(),
            attempts: s.attempts,
            cached: s.cached,
            duration_ms: proto::elapsed_ms(s.started_at.as_ref(), s.finished_at.as_ref()),
            started_at: s.started_at,
            finished_at: s.finished_at,
            meta: (!s.meta.is_empty()).then(|| proto::json_map_to_struct(&s.meta)),
        }
    }

    /// Stops everything: running attempts are dropped (their child
    /// processes killed), the rest cancelled.
    fn abort(&mut self, state: ExecutionState, why: &str) {
        self.running = FuturesUnordered::new();
        self.ready.clear();
        for i in 0..self.slots.len() as u32 {
            let started = self.started[i as usize].load(Ordering::Relaxed);
            let s = &mut self.slots[i as usize];
            if s.state.is_final() {
                continue;
            }
            s.attempts = s.attempts.max(started);
            let under_way = matches!(s.state, TaskState::Running | TaskState::Waiting);
            let task_state = if under_way && state == ExecutionState::TimedOut {
                TaskState::TimedOut
            } else {
                TaskState::Cancelled
            };
            self.end_task(i, task_state, why.to_owned());
        }
    }

    async fn finish(
        mut self,
        abort: Option<(ExecutionState, String)>,
    ) -> Result<Arc<Execution>, EngineError> {
        let (status, error) = match abort {
            Some((state, why)) => (state, why),
            None => match self.failure.take() {
                Some(f) => (ExecutionState::Failed, f),
                None => (ExecutionState::Completed, String::new()),
            },
        };
        let cancelled_by = if status == ExecutionState::Cancelled {
            self.live.control.reason().1
        } else {
            String::new()
        };
        let mut e = std::mem::take(&mut self.header);
        e.status = status as i32;
        e.error = error.clone();
        e.cancelled_by = cancelled_by.clone();
        e.finished_at = Some(proto::now());
        e.duration_ms = proto::elapsed_ms(e.started_at.as_ref(), e.finished_at.as_ref());
        e.task_results = (0..self.slots.len() as u32)
            .map(|i| (self.plan.tasks[i as usize].id.to_string(), self.result(i)))
            .collect();
        let duration_ms = e.duration_ms;
        let e = Arc::new(e);
        self.rec
            .end(
                Kind::ExecutionEnded(ExecutionEnded {
                    status: status as i32,
                    error,
                    cancelled_by,
                    duration_ms,
                }),
                crate::store::Write::Execution(e.clone()),
            )
            .await?;
        Ok(e)
    }
}

fn slot_from_record(r: &TaskResult) -> Slot {
    let state = TaskState::try_from(r.status).unwrap_or_default();
    Slot {
        // A task that was running when the process died runs again.
        state: if state.is_final() {
            state
        } else {
            TaskState::Pending
        },
        output: r
            .output
            .as_ref()
            .filter(|_| state == TaskState::Succeeded)
            .map(|o| Arc::new(proto::pb_to_json(o))),
        meta: r
            .meta
            .as_ref()
            .map(proto::struct_to_json_map)
            .unwrap_or_default(),
        error: r.error.clone(),
        attempts: r.attempts,
        cached: r.cached,
        started_at: r.started_at,
        finished_at: r.finished_at.filter(|_| state.is_final()),
        ended_deps: 0,
        blocker: None,
        queued: false,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
