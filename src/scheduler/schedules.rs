//! The schedule runner: every schedule in memory with its compiled cron
//! expression, one timer heap, and one task that sleeps until the earliest
//! fire time, ticks what is due and re-arms it. API changes edit the same
//! table and wake the task, so they take effect at once (hot reload); a
//! timer armed before a change carries an older generation and is dropped.
//!
//! Every tick is recorded in the schedule's stored record (`last_tick`,
//! `recent`), which is what catch-up after a restart counts from.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::clock::Clock;
use super::slots::{Decision, Slots};
use super::spec::{Compiled, MAX_BACKLOG, SpecProblem, compile};
use crate::engine::{Engine, EngineError, RunRequest};
use crate::proto::{self, CatchUp, Schedule, ScheduleSpec, ScheduleTick};
use crate::store::{StoreError, Write};
use crate::telemetry::Metrics;

/// Ticks kept in a schedule's `recent` list.
const RECENT: usize = 10;
/// Next fire times shown with a schedule.
const SHOWN_NEXT: usize = 5;
/// Missed ticks counted at start-up at most (a `* * * * * *` schedule
/// down for a day has 86,400).
const MAX_MISSED_SCAN: usize = 1_000_000;

/// Why a schedule call failed.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// A field of the definition is wrong.
    #[error(transparent)]
    Invalid(#[from] SpecProblem),
    /// No schedule with that id.
    #[error("schedule '{0}' not found")]
    NotFound(String),
    /// The id is taken.
    #[error("schedule '{0}' already exists")]
    Exists(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Workflows planned during one batch of ticks: every tick of a second
/// runs the same latest version, read once.
type Plans = HashMap<String, Result<Arc<crate::spec::Plan>, String>>;

/// Runs stored schedules; cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    clock: Arc<dyn Clock>,
    metrics: Option<Arc<Metrics>>,
    state: Mutex<State>,
    wake: Notify,
    stop: CancellationToken,
}

#[derive(Default)]
struct State {
    entries: HashMap<String, Entry>,
    timers: BinaryHeap<Reverse<Timer>>,
    generation: u64,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Timer {
    at: DateTime<Utc>,
    generation: u64,
    id: String,
}

struct Entry {
    record: Schedule,
    compiled: Compiled,
    generation: u64,
    slots: Slots<DateTime<Utc>>,
}

impl Entry {
    fn spec(&self) -> &ScheduleSpec {
        self.record
            .spec
            .as_ref()
            .expect("stored schedules have a spec")
    }

    fn enabled(&self) -> bool {
        self.spec().enabled.unwrap_or(true)
    }

    /// The record as the API shows it: with its next fire times.
    fn view(&self, now: DateTime<Utc>) -> Schedule {
        let mut s = self.record.clone();
        if self.enabled() {
            s.next_fires = self
                .compiled
                .cron
                .upcoming(now, &self.compiled.tz, SHOWN_NEXT)
                .into_iter()
                .map(timestamp)
                .collect();
        }
        s
    }
}

impl Scheduler {
    /// Loads the stored schedules, runs the ticks missed while the server
    /// was down (by each schedule's `catch_up`), and starts ticking.
    pub async fn start(
        engine: Engine,
        clock: Arc<dyn Clock>,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Self, ScheduleError> {
        let stored = engine.store().list_schedules().await?;
        let scheduler = Self {
            inner: Arc::new(Inner {
                engine,
                clock,
                metrics,
                state: Mutex::default(),
                wake: Notify::new(),
                stop: CancellationToken::new(),
            }),
        };
        let now = scheduler.now();
        let mut missed_ticks = Vec::new();
        {
            let mut st = scheduler.lock();
            for record in stored {
                let spec = record.spec.clone().unwrap_or_default();
                let compiled = match compile(&spec) {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(schedule = spec.id, error = %e, "stored schedule no longer compiles; not running it");
                        continue;
                    }
                };
                let mut entry = Entry {
                    record,
                    compiled,
                    generation: 0,
                    slots: Slots::default(),
                };
                if entry.enabled() {
                    missed_ticks.push((spec.id.clone(), missed(&entry, now)));
                }
                entry.generation = st.next_generation();
                st.entries.insert(spec.id.clone(), entry);
                st.arm(&spec.id, now);
            }
        }
        for (id, ticks) in missed_ticks {
            scheduler.catch_up(&id, ticks).await;
        }
        let runner = scheduler.clone();
        tokio::spawn(async move { runner.run().await });
        Ok(scheduler)
    }

    /// Stops ticking (runs already started go on).
    pub fn stop(&self) {
        self.inner.stop.cancel();
    }

    /// Creates a schedule; it ticks from now on.
    pub async fn create(
        &self,
        mut spec: ScheduleSpec,
        by: &str,
    ) -> Result<Schedule, ScheduleError> {
        if spec.id.is_empty() {
            spec.id = format!("sched-{:08x}", rand::random::<u32>());
        }
        let compiled = self.check(&spec).await?;
        let now = self.now();
        let view = {
            let mut st = self.lock();
            if st.entries.contains_key(&spec.id) {
                return Err(ScheduleError::Exists(spec.id));
            }
            let entry = Entry {
                record: Schedule {
                    spec: Some(spec.clone()),
                    created_at: Some(timestamp(now)),
                    updated_at: Some(timestamp(now)),
                    last_tick: Some(timestamp(now)),
                    ..Default::default()
                },
                compiled,
                generation: st.next_generation(),
                slots: Slots::default(),
            };
            self.persist(&entry);
            let view = entry.view(now);
            st.entries.insert(spec.id.clone(), entry);
            st.arm(&spec.id, now);
            view
        };
        self.changed("schedule.create", &spec.id, by, &describe(&spec))
            .await?;
        Ok(view)
    }

    /// Replaces a schedule's definition; the new one ticks from now on.
    pub async fn update(&self, spec: ScheduleSpec, by: &str) -> Result<Schedule, ScheduleError> {
        let compiled = self.check(&spec).await?;
        let id = spec.id.clone();
        let (view, what) = self.edit(&id, |e| {
            let what = diff_json(e.spec(), &spec);
            e.record.spec = Some(spec);
            e.compiled = compiled;
            what
        })?;
        self.changed("schedule.update", &id, by, &what).await?;
        Ok(view)
    }

    /// Pauses (`false`) or resumes (`true`) a schedule. Resuming does not
    /// catch up the ticks of the pause.
    pub async fn set_enabled(
        &self,
        id: &str,
        enabled: bool,
        by: &str,
    ) -> Result<Schedule, ScheduleError> {
        let now = self.now();
        let (view, _) = self.edit(id, |e| {
            if let Some(s) = e.record.spec.as_mut() {
                s.enabled = Some(enabled);
            }
            if enabled {
                e.record.last_tick = Some(timestamp(now));
            }
        })?;
        let action = if enabled {
            "schedule.resume"
        } else {
            "schedule.pause"
        };
        self.changed(action, id, by, "").await?;
        Ok(view)
    }

    /// Removes a schedule; runs it started go on.
    pub async fn delete(&self, id: &str, by: &str) -> Result<(), ScheduleError> {
        let removed = self.lock().entries.remove(id);
        let Some(entry) = removed else {
            return Err(ScheduleError::NotFound(id.to_owned()));
        };
        self.inner
            .engine
            .store()
            .append(Write::DeleteSchedule(id.to_owned()));
        self.changed("schedule.delete", id, by, &describe(entry.spec()))
            .await
    }

    /// One schedule with its next fire times.
    pub fn get(&self, id: &str) -> Result<Schedule, ScheduleError> {
        let now = self.now();
        self.lock()
            .entries
            .get(id)
            .map(|e| e.view(now))
            .ok_or_else(|| ScheduleError::NotFound(id.to_owned()))
    }

    /// Every schedule, by id.
    pub fn list(&self) -> Vec<Schedule> {
        let now = self.now();
        let st = self.lock();
        let mut ids: Vec<&String> = st.entries.keys().collect();
        ids.sort();
        ids.into_iter().map(|id| st.entries[id].view(now)).collect()
    }

    /// Checks a definition, including that its workflow exists.
    async fn check(&self, spec: &ScheduleSpec) -> Result<Compiled, ScheduleError> {
        let compiled = compile(spec)?;
        match self
            .inner
            .engine
            .store()
            .get_workflow(&spec.workflow_name, None)
            .await
        {
            Ok(_) => Ok(compiled),
            Err(StoreError::WorkflowNotFound(name)) => Err(SpecProblem {
                field: "workflow_name",
                message: format!("workflow '{name}' not found"),
            }
            .into()),
            Err(e) => Err(e.into()),
        }
    }

    /// Applies `change` to a schedule, stores it and re-arms its timer.
    fn edit<R>(
        &self,
        id: &str,
        change: impl FnOnce(&mut Entry) -> R,
    ) -> Result<(Schedule, R), ScheduleError> {
        let now = self.now();
        let mut st = self.lock();
        let generation = st.next_generation();
        let entry = st
            .entries
            .get_mut(id)
            .ok_or_else(|| ScheduleError::NotFound(id.to_owned()))?;
        let r = change(entry);
        entry.record.updated_at = Some(timestamp(now));
        entry.generation = generation;
        self.persist(entry);
        let view = entry.view(now);
        st.arm(id, now);
        Ok((view, r))
    }

    /// Audits a change, makes it durable and wakes the ticking task.
    async fn changed(
        &self,
        action: &str,
        id: &str,
        by: &str,
        what: &str,
    ) -> Result<(), ScheduleError> {
        self.inner.engine.audit(by, action, id, what);
        self.inner.wake.notify_one();
        self.inner.engine.store().flush().await?;
        Ok(())
    }

    /// Sleeps until the earliest timer, ticks what is due, repeats.
    async fn run(self) {
        loop {
            let now = self.now();
            let due = self.lock().due(now);
            if !due.is_empty() {
                let (count, first) = (due.len(), due[0].1);
                let t = std::time::Instant::now();
                self.tick_all(due).await;
                tracing::debug!(
                    count,
                    woke_late_ms = (now - first).num_milliseconds(),
                    took_ms = t.elapsed().as_millis() as u64,
                    "ticked"
                );
            }
            let next = self.lock().next_at();
            let sleep = match next {
                Some(at) => match (at - self.now()).to_std() {
                    Ok(d) if !d.is_zero() => d,
                    // Due already: ticking took a while.
                    _ => continue,
                },
                None => Duration::from_secs(3600),
            };
            tokio::select! {
                _ = self.inner.stop.cancelled() => return,
                _ = self.inner.wake.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Ticks everything due now, in chunks on parallel tasks (10,000
    /// schedules firing on the same second must not wait for each other
    /// on one core), and re-arms each schedule.
    async fn tick_all(&self, due: Vec<(String, DateTime<Utc>, u64)>) {
        const CHUNK: usize = 256;
        if due.len() <= CHUNK {
            return self.tick_chunk(due).await;
        }
        let mut chunks = tokio::task::JoinSet::new();
        for chunk in due.chunks(CHUNK) {
            let (me, chunk) = (self.clone(), chunk.to_vec());
            chunks.spawn(async move { me.tick_chunk(chunk).await });
        }
        while chunks.join_next().await.is_some() {}
    }

    async fn tick_chunk(&self, due: Vec<(String, DateTime<Utc>, u64)>) {
        let mut plans = Plans::default();
        for (id, at, generation) in due {
            self.tick(&id, at, &mut plans).await;
            self.lock().rearm(&id, at, generation);
        }
    }

    /// Runs the ticks missed while down, by the schedule's catch-up rule.
    async fn catch_up(&self, id: &str, missed: Vec<DateTime<Utc>>) {
        let Some(&latest) = missed.last() else { return };
        let rule = self
            .lock()
            .entries
            .get(id)
            .map_or(CatchUp::None, |e| e.compiled.catch_up);
        match rule {
            CatchUp::Latest => self.tick(id, latest, &mut Plans::default()).await,
            CatchUp::All => {
                let mut plans = Plans::default();
                for &at in missed.iter().rev().take(MAX_BACKLOG).rev() {
                    self.tick(id, at, &mut plans).await;
                }
            }
            CatchUp::None | CatchUp::Unspecified => {
                let detail = format!(
                    "{} ticks missed while the server was down (catch_up: none)",
                    missed.len()
                );
                self.record(id, latest, "missed", "", &detail);
            }
        }
    }

    /// One fire time of a schedule: start, queue, replace or skip.
    async fn tick(&self, id: &str, at: DateTime<Utc>, plans: &mut Plans) {
        let decision = {
            let mut st = self.lock();
            let Some(e) = st.entries.get_mut(id) else {
                return;
            };
            let max = e.spec().max_concurrent;
            e.slots.decide(at, max, e.compiled.policy)
        };
        match decision {
            Decision::Start(at) => self.start_run(id, at, "started", plans).await,
            Decision::Replace(oldest, at) => {
                oldest.cancel(
                    &format!("replaced by the schedule's tick at {}", rfc3339(at)),
                    &format!("schedule:{id}"),
                );
                self.start_run(id, at, "replaced", plans).await;
            }
            Decision::Queued => self.record(id, at, "queued", "", ""),
            Decision::Skip(why) => self.record(id, at, "skipped", "", &why),
        }
    }

    /// Starts the schedule's workflow for the tick at `at`.
    async fn start_run(&self, id: &str, at: DateTime<Utc>, outcome: &str, plans: &mut Plans) {
        let Some((spec, timeout)) = self
            .lock()
            .entries
            .get(id)
            .map(|e| (e.spec().clone(), e.compiled.timeout))
        else {
            return;
        };
        if !plans.contains_key(&spec.workflow_name) {
            let plan = self
                .plan(&spec.workflow_name)
                .await
                .map_err(|e| e.to_string());
            plans.insert(spec.workflow_name.clone(), plan);
        }
        let plan = match &plans[&spec.workflow_name] {
            Ok(p) => p.clone(),
            Err(e) => {
                tracing::warn!(schedule = id, error = %e, "scheduled run not started");
                self.record(id, at, "failed", "", e);
                return;
            }
        };
        let mut input = spec
            .parameters
            .as_ref()
            .map(proto::struct_to_json_map)
            .unwrap_or_default();
        input.insert("schedule".into(), Value::String(id.to_owned()));
        input.insert("scheduled_at".into(), Value::String(rfc3339(at)));
        let handle = self.inner.engine.start(
            plan,
            RunRequest {
                input,
                timeout,
                started_by: format!("schedule:{id}"),
                ..Default::default()
            },
        );
        let execution = handle.id().to_owned();
        // Only a bounded schedule needs to know when its runs end.
        let bounded = match self.lock().entries.get_mut(id) {
            Some(e) if e.spec().max_concurrent > 0 => {
                e.slots.started(execution.clone(), handle.canceller());
                true
            }
            _ => false,
        };
        self.record(id, at, outcome, &execution, "");
        if bounded {
            let (me, id) = (self.clone(), id.to_owned());
            tokio::spawn(async move {
                let _ = handle.wait().await;
                me.run_ended(id, execution).await;
            });
        }
    }

    /// A run of a schedule ended: its slot is free for a queued tick.
    fn run_ended(
        self,
        id: String,
        execution: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        // Boxed: starting a queued run spawns a task that ends up here.
        Box::pin(async move {
            let queued = {
                let mut st = self.lock();
                let Some(e) = st.entries.get_mut(&id) else {
                    return;
                };
                let max = e.spec().max_concurrent;
                e.slots.ended(&execution, max)
            };
            if let Some(at) = queued {
                self.start_run(&id, at, "started", &mut Plans::default())
                    .await;
            }
        })
    }

    /// The latest version of a workflow, planned.
    async fn plan(&self, workflow: &str) -> Result<Arc<crate::spec::Plan>, EngineError> {
        let wf = self
            .inner
            .engine
            .store()
            .get_workflow(workflow, None)
            .await?;
        if wf.archived {
            return Err(EngineError::Store(StoreError::Archived(
                workflow.to_owned(),
            )));
        }
        self.inner.engine.plan(&wf)
    }

    /// Notes a tick in the schedule's record, stores it, counts it.
    fn record(&self, id: &str, at: DateTime<Utc>, outcome: &str, execution: &str, detail: &str) {
        let workflow = {
            let mut st = self.lock();
            let Some(e) = st.entries.get_mut(id) else {
                return;
            };
            let r = &mut e.record;
            if r.last_tick
                .as_ref()
                .is_none_or(|t| proto::timestamp_ms(t) < at.timestamp_millis())
            {
                r.last_tick = Some(timestamp(at));
            }
            if outcome == "skipped" {
                r.skipped += 1;
            }
            r.recent.insert(
                0,
                ScheduleTick {
                    scheduled_at: Some(timestamp(at)),
                    outcome: outcome.to_owned(),
                    execution_id: execution.to_owned(),
                    detail: detail.to_owned(),
                },
            );
            r.recent.truncate(RECENT);
            self.persist(e);
            e.spec().workflow_name.clone()
        };
        if let Some(m) = &self.inner.metrics {
            m.schedule_tick(&workflow, outcome);
        }
    }

    fn persist(&self, e: &Entry) {
        self.inner
            .engine
            .store()
            .append(Write::Schedule(Arc::new(e.record.clone())));
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Arms a schedule's timer for its first fire time after `after`.
    fn arm(&mut self, id: &str, after: DateTime<Utc>) {
        let Some(e) = self.entries.get(id) else {
            return;
        };
        if !e.enabled() {
            return;
        }
        if let Some(at) = e.compiled.cron.next_after(after, &e.compiled.tz) {
            self.timers.push(Reverse(Timer {
                at,
                generation: e.generation,
                id: id.to_owned(),
            }));
        }
    }

    /// Re-arms after a tick at `at`, unless the schedule changed meanwhile
    /// (the change armed it already).
    fn rearm(&mut self, id: &str, at: DateTime<Utc>, generation: u64) {
        if self
            .entries
            .get(id)
            .is_some_and(|e| e.generation == generation)
        {
            self.arm(id, at);
        }
    }

    /// Pops the timers due at `now` whose schedule is unchanged since they
    /// were armed.
    fn due(&mut self, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>, u64)> {
        let mut due = Vec::new();
        while let Some(Reverse(t)) = self.timers.peek() {
            if t.at > now {
                break;
            }
            let Reverse(t) = self.timers.pop().expect("peeked");
            let current = self
                .entries
                .get(&t.id)
                .is_some_and(|e| e.generation == t.generation && e.enabled());
            if current {
                due.push((t.id, t.at, t.generation));
            }
        }
        due
    }

    /// When the earliest timer is due.
    fn next_at(&self) -> Option<DateTime<Utc>> {
        self.timers.peek().map(|Reverse(t)| t.at)
    }
}

/// The fire times of an entry after its last tick, up to `now`.
fn missed(e: &Entry, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let from = e
        .record
        .last_tick
        .as_ref()
        .or(e.record.updated_at.as_ref())
        .map(|t| DateTime::from_timestamp_millis(proto::timestamp_ms(t)).unwrap_or(now))
        .unwrap_or(now);
    let mut out = Vec::new();
    let mut t = from;
    while out.len() < MAX_MISSED_SCAN {
        match e.compiled.cron.next_after(t, &e.compiled.tz) {
            Some(next) if next <= now => {
                out.push(next);
                t = next;
            }
            _ => break,
        }
    }
    out
}

/// The changed fields of a definition, `field: old -> new`.
pub(super) fn diff_json<T: serde::Serialize>(old: &T, new: &T) -> String {
    let (a, b) = (json_fields(old), json_fields(new));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            let show = |v: Option<&Value>| v.map_or("(unset)".to_owned(), Value::to_string);
            format!("{k}: {} -> {}", show(a.get(k)), show(b.get(k)))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A definition in one line for the audit trail.
fn describe(spec: &ScheduleSpec) -> String {
    Value::Object(json_fields(spec)).to_string()
}

fn json_fields<T: serde::Serialize>(v: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

fn timestamp(t: DateTime<Utc>) -> pbjson_types::Timestamp {
    pbjson_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
