//! Event triggers: every trigger in memory with its compiled pattern and
//! filter. Publishing an event starts the workflow of each enabled trigger
//! whose pattern matches and whose filter is true, within the trigger's
//! concurrency bound; a signed webhook does the same for one trigger, once
//! per signature (see `webhook.rs` for the scheme).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};

use super::changes::diff_json;
use super::deliveries::Deliveries;
use super::slots::{Decision, Slots};
use super::spec::{SpecProblem, workflow_exists};
use super::trigger_claims::NotStarted;
use super::trigger_spec::{CompiledTrigger, compile_trigger};
use super::webhook::{self, ReplayMemory, SignedRequest, WebhookError};
use crate::engine::{Engine, RunRequest};
use crate::proto::{self, Event, Trigger, TriggerOutcome, TriggerSpec};
use crate::spec::template::{Scope, json_value};
use crate::store::{StoreError, Write};
use crate::telemetry::Metrics;

/// What reads show instead of a webhook secret.
const REDACTED: &str = "***";

/// Why a trigger call failed.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// A field of the definition or the event is wrong.
    #[error(transparent)]
    Invalid(#[from] SpecProblem),
    /// No trigger with that id (or, for a webhook, none with a secret).
    #[error("{0}")]
    NotFound(String),
    /// The id is taken.
    #[error("trigger '{0}' already exists")]
    Exists(String),
    /// A webhook request refused: bad or missing signature or timestamp,
    /// or a replay.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Starts workflows from events; cheap to clone.
#[derive(Clone)]
pub struct Triggers {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) engine: Engine,
    metrics: Option<Arc<Metrics>>,
    entries: Mutex<HashMap<String, Entry>>,
    /// Whether replicas share the store: deliveries are claimed there.
    pub(super) shared: bool,
    /// Held by an edit until it is durable, and by `sync` while it
    /// reconciles: a sync must not undo an edit not yet stored.
    pub(super) edits: tokio::sync::Mutex<()>,
}

pub(super) struct Entry {
    pub(super) record: Trigger,
    compiled: CompiledTrigger,
    /// Runs in flight; a queued event waits with its data and id.
    slots: Slots<(Arc<Value>, Option<String>)>,
    /// Webhook signatures accepted recently, to refuse their replays.
    replay: ReplayMemory,
    /// The event ids it started runs for.
    pub(super) delivered: Deliveries,
}

impl Entry {
    pub(super) fn new(record: Trigger, compiled: CompiledTrigger) -> Self {
        Self {
            record,
            compiled,
            slots: Slots::default(),
            replay: ReplayMemory::default(),
            delivered: Deliveries::default(),
        }
    }

    fn spec(&self) -> &TriggerSpec {
        self.record
            .spec
            .as_ref()
            .expect("stored triggers have a spec")
    }

    fn enabled(&self) -> bool {
        self.spec().enabled.unwrap_or(true)
    }

    /// The record as reads show it: the secret redacted.
    fn view(&self) -> Trigger {
        let mut t = self.record.clone();
        if let Some(s) = t.spec.as_mut()
            && !s.webhook_secret.is_empty()
        {
            s.webhook_secret = REDACTED.to_owned();
        }
        t
    }
}

/// One trigger chosen for an event, with what deciding about it needs.
struct Fire {
    id: String,
    workflow: String,
    /// The trigger's event type (or pattern): the metrics' label.
    event_type: String,
    filter: Option<crate::spec::template::Expr>,
}

impl Triggers {
    /// Loads the stored triggers.
    pub async fn start(
        engine: Engine,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Self, TriggerError> {
        let mut entries = HashMap::new();
        for record in engine.store().list_triggers().await? {
            let spec = record.spec.clone().unwrap_or_default();
            match compile_trigger(&spec) {
                Ok(compiled) => {
                    entries.insert(spec.id.clone(), Entry::new(record, compiled));
                }
                Err(e) => {
                    tracing::error!(trigger = spec.id, error = %e, "stored trigger no longer compiles; ignoring it");
                }
            }
        }
        let shared = engine.store().ownership().is_some();
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                metrics,
                entries: Mutex::new(entries),
                shared,
                edits: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Creates a trigger.
    pub async fn create(&self, mut spec: TriggerSpec, by: &str) -> Result<Trigger, TriggerError> {
        if spec.id.is_empty() {
            spec.id = format!("trig-{:08x}", rand::random::<u32>());
        }
        let compiled = self.check(&spec).await?;
        let _edit = self.inner.edits.lock().await;
        let now = proto::now();
        let record = Trigger {
            spec: Some(spec.clone()),
            created_at: Some(now),
            updated_at: Some(now),
        };
        let entry = Entry::new(record, compiled);
        let view = {
            let mut all = self.lock();
            if all.contains_key(&spec.id) {
                return Err(TriggerError::Exists(spec.id));
            }
            self.persist(&entry);
            let view = entry.view();
            all.insert(spec.id.clone(), entry);
            view
        };
        let described = describe(view.spec.as_ref().unwrap_or(&spec));
        self.changed("trigger.create", &spec.id, by, &described)
            .await?;
        Ok(view)
    }

    /// Replaces a trigger's definition; an empty secret keeps the stored one.
    pub async fn update(&self, mut spec: TriggerSpec, by: &str) -> Result<Trigger, TriggerError> {
        let id = spec.id.clone();
        if spec.webhook_secret.is_empty() || spec.webhook_secret == REDACTED {
            spec.webhook_secret = self
                .lock()
                .get(&id)
                .map(|e| e.spec().webhook_secret.clone())
                .unwrap_or_default();
        }
        let compiled = self.check(&spec).await?;
        let _edit = self.inner.edits.lock().await;
        let (view, what) = {
            let mut all = self.lock();
            let e = all
                .get_mut(&id)
                .ok_or_else(|| TriggerError::NotFound(format!("trigger '{id}' not found")))?;
            let what = diff(e.spec(), &spec);
            e.record.spec = Some(spec);
            e.record.updated_at = Some(proto::now());
            e.compiled = compiled;
            self.persist(e);
            (e.view(), what)
        };
        self.changed("trigger.update", &id, by, &what).await?;
        Ok(view)
    }

    /// One trigger (secret redacted).
    pub fn get(&self, id: &str) -> Result<Trigger, TriggerError> {
        self.lock()
            .get(id)
            .map(Entry::view)
            .ok_or_else(|| TriggerError::NotFound(format!("trigger '{id}' not found")))
    }

    /// Every trigger, by id.
    pub fn list(&self) -> Vec<Trigger> {
        let all = self.lock();
        let mut ids: Vec<&String> = all.keys().collect();
        ids.sort();
        ids.into_iter().map(|id| all[id].view()).collect()
    }

    /// Removes a trigger; runs it started go on.
    pub async fn delete(&self, id: &str, by: &str) -> Result<(), TriggerError> {
        let _edit = self.inner.edits.lock().await;
        let Some(gone) = self.lock().remove(id) else {
            return Err(TriggerError::NotFound(format!("trigger '{id}' not found")));
        };
        self.inner
            .engine
            .store()
            .append(Write::DeleteTrigger(id.to_owned()));
        let described = describe(gone.view().spec.as_ref().unwrap_or(&TriggerSpec::default()));
        self.changed("trigger.delete", id, by, &described).await
    }

    /// Starts the workflow of every matching trigger; what each one did.
    pub async fn publish(&self, event: Event) -> Result<Vec<TriggerOutcome>, TriggerError> {
        if event.event_type.trim().is_empty() {
            return Err(SpecProblem {
                field: "event_type",
                message: "required".into(),
            }
            .into());
        }
        let fires: Vec<Fire> = {
            let all = self.lock();
            let mut ids: Vec<&String> = all
                .iter()
                .filter(|(_, e)| e.enabled() && e.compiled.pattern.matches(&event.event_type))
                .map(|(id, _)| id)
                .collect();
            ids.sort();
            ids.into_iter().map(|id| fire_of(id, &all[id])).collect()
        };
        // Converted once, shared by every matching trigger's filter and run.
        let data = Arc::new(Value::Object(
            event
                .event_data
                .as_ref()
                .map(proto::struct_to_json_map)
                .unwrap_or_default(),
        ));
        let key = Some(event.event_id.as_str()).filter(|k| !k.is_empty());
        let mut outcomes = Vec::with_capacity(fires.len());
        for f in fires {
            outcomes.push(self.fire(f, &event.event_type, data.clone(), key).await);
        }
        // The runs an answer names are durable before it is sent.
        self.inner.engine.store().flush().await?;
        Ok(outcomes)
    }

    /// A webhook request for trigger `id`: checks the signature (and
    /// timestamp), then fires that trigger with the body (a JSON object) as
    /// the event data, unless the same signature was accepted already.
    pub async fn webhook(
        &self,
        id: &str,
        request: SignedRequest<'_>,
    ) -> Result<TriggerOutcome, TriggerError> {
        let (secret, require_timestamp) = {
            let all = self.lock();
            let e = all.get(id).filter(|e| !e.spec().webhook_secret.is_empty());
            let Some(e) = e else {
                return Err(TriggerError::NotFound(format!(
                    "no webhook '{id}' (a trigger with a webhook_secret)"
                )));
            };
            let spec = e.spec();
            (spec.webhook_secret.clone(), spec.webhook_require_timestamp)
        };
        let now = webhook::unix_now();
        // The HMAC of a large body is computed outside the triggers' lock.
        let verified = webhook::verify(&secret, require_timestamp, request, now)
            .inspect_err(|e| tracing::warn!(webhook = id, error = %e, "webhook request refused"))?;
        let data: Map<String, Value> =
            serde_json::from_slice(request.body).map_err(|e| SpecProblem {
                field: "body",
                message: format!("expected a JSON object: {e}"),
            })?;
        let fire = {
            let mut all = self.lock();
            let Some(e) = all.get_mut(id) else {
                return Err(TriggerError::NotFound(format!("trigger '{id}' not found")));
            };
            // Checked and remembered in one step under the lock: of two
            // copies arriving together, one fires.
            e.replay.admit(&verified, now).inspect_err(|w| {
                tracing::warn!(webhook = id, error = %w, "webhook request refused");
            })?;
            let fire = fire_of(id, e);
            // A disabled trigger answers its signed callers, and starts nothing.
            if !e.enabled() {
                let outcome = TriggerOutcome {
                    trigger_id: id.to_owned(),
                    workflow: fire.workflow.clone(),
                    outcome: "skipped".into(),
                    detail: "the trigger is disabled".into(),
                    ..Default::default()
                };
                drop(all);
                return Ok(self.counted(&fire, outcome));
            }
            fire
        };
        let outcome = self
            .fire(
                fire,
                &format!("webhook.{id}"),
                Arc::new(Value::Object(data)),
                None,
            )
            .await;
        self.inner.engine.store().flush().await?;
        Ok(outcome)
    }

    /// One trigger and one event (with its id, if it has one): filter,
    /// bound, start.
    async fn fire(
        &self,
        f: Fire,
        event_type: &str,
        data: Arc<Value>,
        key: Option<&str>,
    ) -> TriggerOutcome {
        let mut outcome = TriggerOutcome {
            trigger_id: f.id.clone(),
            workflow: f.workflow.clone(),
            ..Default::default()
        };
        if let Some(filter) = &f.filter {
            let mut scope = Scope::new();
            scope.bind("event", json_value(data.clone()));
            scope.bind("event_type", event_type.into());
            match filter.eval(&scope.into_value()) {
                Ok(v) if v.is_true() => {}
                Ok(_) => {
                    outcome.outcome = "filtered".into();
                    outcome.detail = format!("filter `{}` is false", filter.source());
                    return self.counted(&f, outcome);
                }
                Err(m) => {
                    outcome.outcome = "failed".into();
                    outcome.detail = format!("filter `{}`: {m}", filter.source());
                    return self.counted(&f, outcome);
                }
            }
        }
        let decision = {
            let mut all = self.lock();
            let Some(e) = all.get_mut(&f.id) else {
                outcome.outcome = "failed".into();
                outcome.detail = "the trigger was deleted".into();
                return self.counted(&f, outcome);
            };
            // A copy of an event that started a run here already is not
            // queued, skipped or started again.
            if let Some((key, first)) = key.and_then(|k| Some((k, e.delivered.get(k)?))) {
                duplicate(&mut outcome, key, first);
                drop(all);
                return self.counted(&f, outcome);
            }
            let max = e.spec().max_concurrent;
            let policy = e.compiled.policy;
            e.slots.decide((data, key.map(str::to_owned)), max, policy)
        };
        match decision {
            Decision::Start((data, key)) => {
                let key = key.as_deref();
                self.start_run(&f, event_type, data, key, "started", outcome)
                    .await
            }
            Decision::Replace(oldest, (data, key)) => {
                oldest.cancel(
                    &format!("replaced by a newer {event_type} event"),
                    &format!("trigger:{}", f.id),
                );
                let key = key.as_deref();
                self.start_run(&f, event_type, data, key, "replaced", outcome)
                    .await
            }
            Decision::Queued => {
                outcome.outcome = "queued".into();
                self.counted(&f, outcome)
            }
            Decision::Skip(why) => {
                outcome.outcome = "skipped".into();
                outcome.detail = why;
                self.counted(&f, outcome)
            }
        }
    }

    /// Starts the trigger's workflow with the event (once per event id).
    async fn start_run(
        &self,
        f: &Fire,
        event_type: &str,
        data: Arc<Value>,
        key: Option<&str>,
        started: &str,
        mut outcome: TriggerOutcome,
    ) -> TriggerOutcome {
        let plan = match self.inner.engine.latest_plan(&f.workflow).await {
            Ok(p) => p,
            Err(e) => {
                if let Some(e) = self.lock().get_mut(&f.id) {
                    e.slots.settle(None);
                }
                outcome.outcome = "failed".into();
                outcome.detail = e.to_string();
                return self.counted(f, outcome);
            }
        };
        let mut input = data.as_object().cloned().unwrap_or_default();
        input.insert("event_type".into(), Value::String(event_type.to_owned()));
        input.insert("trigger".into(), Value::String(f.id.clone()));
        let request = RunRequest {
            input: proto::json_map_to_struct(&input),
            event: Some(Value::clone(&data)),
            started_by: format!("trigger:{}", f.id),
            ..Default::default()
        };
        let handle = match key {
            None => self.inner.engine.start(plan, request),
            Some(key) => match self.start_once(&f.id, key, plan, request).await {
                Ok(handle) => handle,
                Err(not) => {
                    if let Some(e) = self.lock().get_mut(&f.id) {
                        e.slots.settle(None);
                    }
                    match not {
                        NotStarted::Duplicate(first) => duplicate(&mut outcome, key, &first),
                        NotStarted::Failed(why) => {
                            outcome.outcome = "failed".into();
                            outcome.detail = why;
                        }
                    }
                    return self.counted(f, outcome);
                }
            },
        };
        let execution = handle.id().to_owned();
        if let Some(e) = self.lock().get_mut(&f.id) {
            e.slots
                .settle(Some((execution.clone(), handle.canceller())));
        }
        let (me, id, event_type) = (self.clone(), f.id.clone(), event_type.to_owned());
        let ended = execution.clone();
        tokio::spawn(async move {
            let _ = handle.wait().await;
            me.run_ended(id, event_type, ended).await;
        });
        outcome.outcome = started.into();
        outcome.execution_id = execution;
        self.counted(f, outcome)
    }

    /// A run of a trigger ended: its slot is free for a queued event.
    fn run_ended(
        self,
        id: String,
        event_type: String,
        execution: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        // Boxed: starting a queued run spawns a task that ends up here.
        Box::pin(async move {
            let next = {
                let mut all = self.lock();
                let Some(e) = all.get_mut(&id) else { return };
                let max = e.spec().max_concurrent;
                e.slots
                    .ended(&execution, max)
                    .map(|queued| (fire_of(&id, e), queued))
            };
            if let Some((fire, (data, key))) = next {
                let outcome = TriggerOutcome {
                    trigger_id: id.clone(),
                    workflow: fire.workflow.clone(),
                    ..Default::default()
                };
                let key = key.as_deref();
                self.start_run(&fire, &event_type, data, key, "started", outcome)
                    .await;
            }
        })
    }

    /// Checks a definition, including that its workflow exists.
    async fn check(&self, spec: &TriggerSpec) -> Result<CompiledTrigger, TriggerError> {
        let compiled = compile_trigger(spec)?;
        workflow_exists(&self.inner.engine, &spec.workflow_name).await??;
        Ok(compiled)
    }

    fn counted(&self, f: &Fire, outcome: TriggerOutcome) -> TriggerOutcome {
        if let Some(m) = &self.inner.metrics {
            m.event_trigger(&outcome.workflow, &f.event_type, &outcome.outcome);
        }
        outcome
    }

    /// Audits a change and makes it durable.
    async fn changed(
        &self,
        action: &str,
        id: &str,
        by: &str,
        what: &str,
    ) -> Result<(), TriggerError> {
        self.inner.engine.audit(by, action, id, what);
        self.inner.engine.store().flush().await?;
        Ok(())
    }

    fn persist(&self, e: &Entry) {
        self.inner
            .engine
            .store()
            .append(Write::Trigger(Arc::new(e.record.clone())));
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.inner.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Makes `outcome` say that event id `key` started run `first` already.
fn duplicate(outcome: &mut TriggerOutcome, key: &str, first: &str) {
    outcome.outcome = "duplicate".into();
    outcome.detail = format!("event id '{key}' started {first} already");
    outcome.execution_id = first.to_owned();
}

fn fire_of(id: &str, e: &Entry) -> Fire {
    Fire {
        id: id.to_owned(),
        workflow: e.spec().workflow_name.clone(),
        event_type: e.spec().event_type.clone(),
        filter: e.compiled.filter.clone(),
    }
}

/// The changed fields of a definition, `field: old -> new`; a secret
/// shows only that it changed.
fn diff(old: &TriggerSpec, new: &TriggerSpec) -> String {
    let redact = |s: &TriggerSpec| TriggerSpec {
        webhook_secret: String::new(),
        ..s.clone()
    };
    let mut what = diff_json(&redact(old), &redact(new));
    if old.webhook_secret != new.webhook_secret {
        if !what.is_empty() {
            what.push_str("; ");
        }
        what.push_str("webhook_secret: changed");
    }
    what
}

fn describe(spec: &TriggerSpec) -> String {
    serde_json::to_string(spec).unwrap_or_default()
}
