//! The schedule runner: every schedule in memory with its compiled cron
//! expression, one timer heap, and one task that sleeps until the earliest
//! fire time, ticks what is due and re-arms it. API changes edit the same
//! table and wake the task, so they take effect at once (hot reload); a
//! timer armed before a change carries an older generation and is dropped.
//!
//! Every tick is recorded in the schedule's stored record (`last_tick`,
//! `recent`), which is what catch-up after a restart counts from.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::changes::{diff_json, json_fields};
use super::clock::Clock;
use super::cron::LastNext;
use super::slots::Slots;
use super::spec::{Compiled, STARTED_BY, SpecProblem, compile, workflow_exists};
use super::timers::Timers;
use crate::engine::{Engine, ExecutionHandle};
use crate::proto::{self, Schedule, ScheduleSpec, ScheduleTick};
use crate::store::{StoreError, Write};
use crate::telemetry::Metrics;

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

/// Runs stored schedules; cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) engine: Engine,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) metrics: Option<Arc<Metrics>>,
    pub(super) state: Mutex<State>,
    pub(super) wake: Notify,
    pub(super) stop: CancellationToken,
    /// Whether replicas share the store: ticks are claimed through it.
    pub(super) shared: bool,
    /// Held by an edit until it is durable, and by `sync` while it
    /// reconciles: a sync must not undo an edit not yet stored.
    pub(super) edits: tokio::sync::Mutex<()>,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) entries: foldhash::HashMap<String, Entry>,
    timers: Timers,
    generation: u64,
    /// Schedules whose tick record changed since it was last stored (each
    /// once: its entry's `unsaved` says whether it is here).
    pub(super) unsaved: Vec<Arc<str>>,
    last_next: LastNext,
}

pub(super) struct Entry {
    /// The schedule's id, shared with its timers and ticks.
    pub(super) id: Arc<str>,
    /// The stored record, but for `recent`, which is kept in `recent`.
    pub(super) record: Schedule,
    /// The last ticks, newest first (a ring: noting a tick moves nothing).
    pub(super) recent: VecDeque<ScheduleTick>,
    pub(super) compiled: Arc<Compiled>,
    pub(super) generation: u64,
    pub(super) slots: Slots<DateTime<Utc>>,
    /// Its tick record changed since it was last stored.
    pub(super) unsaved: bool,
}

impl Entry {
    pub(super) fn spec(&self) -> &ScheduleSpec {
        self.record
            .spec
            .as_ref()
            .expect("stored schedules have a spec")
    }

    fn enabled(&self) -> bool {
        self.spec().enabled.unwrap_or(true)
    }

    /// The record as stored.
    fn stored(&self) -> Schedule {
        let mut s = self.record.clone();
        s.recent = self.recent.iter().cloned().collect();
        s.queued = self.slots.queued().map(|at| timestamp(*at)).collect();
        s
    }

    /// The record as the API shows it: with its next fire times.
    fn view(&self, now: DateTime<Utc>) -> Schedule {
        let mut s = self.stored();
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
    /// Loads the stored schedules, counts the `resumed` runs they started
    /// as in flight again, starts the ticks queued before the restart that
    /// have room, runs the ticks missed while the server was down (by each
    /// schedule's `catch_up`), and starts ticking.
    pub async fn start(
        engine: Engine,
        clock: Arc<dyn Clock>,
        metrics: Option<Arc<Metrics>>,
        resumed: Vec<ExecutionHandle>,
    ) -> Result<Self, ScheduleError> {
        let stored = engine.store().list_schedules().await?;
        let shared = engine.store().ownership().is_some();
        // On a shared store the claims keep the bounds and the queues.
        let resumed = match shared {
            true => Vec::new(),
            false => started_by_schedules(&engine, resumed).await,
        };
        let scheduler = Self {
            inner: Arc::new(Inner {
                engine,
                clock,
                metrics,
                state: Mutex::default(),
                wake: Notify::new(),
                stop: CancellationToken::new(),
                shared,
                edits: tokio::sync::Mutex::new(()),
            }),
        };
        let now = scheduler.now();
        let mut missed_ticks = Vec::new();
        {
            let mut st = scheduler.lock();
            for mut record in stored {
                let spec = record.spec.clone().unwrap_or_default();
                let compiled = match compile(&spec) {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(schedule = spec.id, error = %e, "stored schedule no longer compiles; not running it");
                        continue;
                    }
                };
                let mut slots = Slots::default();
                if !shared {
                    slots.requeue(record.queued.drain(..).map(|t| date_time(&t)));
                }
                let mut entry = Entry {
                    id: spec.id.as_str().into(),
                    recent: std::mem::take(&mut record.recent).into(),
                    record,
                    compiled: Arc::new(compiled),
                    generation: 0,
                    slots,
                    unsaved: false,
                };
                if entry.enabled() {
                    missed_ticks.push((spec.id.clone(), missed(&entry, now)));
                }
                entry.generation = st.next_generation();
                st.entries.insert(spec.id.clone(), entry);
                st.arm(&spec.id, now);
            }
        }
        scheduler.adopt(resumed).await;
        scheduler.catch_up(missed_ticks).await;
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
        let _edit = self.inner.edits.lock().await;
        let now = self.now();
        let view = {
            let mut st = self.lock();
            if st.entries.contains_key(&spec.id) {
                return Err(ScheduleError::Exists(spec.id));
            }
            let entry = Entry {
                id: spec.id.as_str().into(),
                record: Schedule {
                    spec: Some(spec.clone()),
                    created_at: Some(timestamp(now)),
                    updated_at: Some(timestamp(now)),
                    last_tick: Some(timestamp(now)),
                    ..Default::default()
                },
                recent: VecDeque::new(),
                compiled,
                generation: st.next_generation(),
                slots: Slots::default(),
                unsaved: false,
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
        let _edit = self.inner.edits.lock().await;
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
        let _edit = self.inner.edits.lock().await;
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
        let _edit = self.inner.edits.lock().await;
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
    async fn check(&self, spec: &ScheduleSpec) -> Result<Arc<Compiled>, ScheduleError> {
        let compiled = compile(spec)?;
        workflow_exists(&self.inner.engine, &spec.workflow_name).await??;
        Ok(Arc::new(compiled))
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

    /// Stores the tick records changed since the last call. Ticks only
    /// mark their schedule, so that a second on which thousands fire spends
    /// its time starting runs; the records follow right after. A record
    /// lost in a crash costs nothing: catch-up finds the runs by their input.
    pub(super) fn save_tick_records(&self) {
        let mut st = self.lock();
        let st = &mut *st;
        for id in st.unsaved.drain(..) {
            if let Some(e) = st.entries.get_mut(&*id) {
                e.unsaved = false;
                // On a shared store the claims stored the ticks, and the
                // definition is not this replica's to rewrite.
                if !self.inner.shared {
                    self.persist(e);
                }
            }
        }
    }

    pub(super) fn persist(&self, e: &Entry) {
        self.inner
            .engine
            .store()
            .append(Write::Schedule(Arc::new(e.stored())));
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    pub(super) fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Arms a schedule's timer for its first fire time after `after`.
    pub(super) fn arm(&mut self, id: &str, after: DateTime<Utc>) {
        let generation = self.entries.get(id).map(|e| e.generation);
        if let Some(generation) = generation {
            self.rearm(id, after, generation);
        }
    }

    /// The entry of a timer's tick at `at`, re-armed after it; None when
    /// the timer is stale: armed before a change (the change armed its
    /// own), or of a paused or deleted schedule.
    pub(super) fn rearm(
        &mut self,
        id: &str,
        at: DateTime<Utc>,
        generation: u64,
    ) -> Option<&mut Entry> {
        let e = self
            .entries
            .get_mut(id)
            .filter(|e| e.generation == generation && e.enabled())?;
        let c = &e.compiled;
        if let Some(next) = self.last_next.next_after(&c.cron, at, &c.tz) {
            self.timers.push(e.id.clone(), next, generation);
        }
        Some(e)
    }

    /// Takes the timers due at `now`; `rearm` tells which are current.
    pub(super) fn due(&mut self, now: DateTime<Utc>) -> Vec<(Arc<str>, DateTime<Utc>, u64)> {
        self.timers.pop_due(now)
    }

    /// When the earliest timer is due.
    pub(super) fn next_at(&self) -> Option<DateTime<Utc>> {
        self.timers.next_at()
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

/// A definition in one line for the audit trail.
fn describe(spec: &ScheduleSpec) -> String {
    Value::Object(json_fields(spec)).to_string()
}

pub(super) fn timestamp(t: DateTime<Utc>) -> pbjson_types::Timestamp {
    proto::timestamp_from(t.into())
}

/// A stored time as the scheduler reckons (the epoch if out of range).
fn date_time(t: &pbjson_types::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(proto::timestamp_ms(t)).unwrap_or_default()
}

/// The `resumed` runs that schedules started, with their schedule's id;
/// the others are left to run on their own.
async fn started_by_schedules(
    engine: &Engine,
    resumed: Vec<ExecutionHandle>,
) -> Vec<(String, ExecutionHandle)> {
    let mut out = Vec::new();
    for h in resumed {
        let header = match engine.execution(h.id()).await {
            Ok(header) => header,
            Err(e) => {
                tracing::warn!(execution = h.id(), error = %e, "cannot read a resumed run; its schedule does not count it");
                continue;
            }
        };
        if let Some(id) = header.started_by.strip_prefix(STARTED_BY) {
            out.push((id.to_owned(), h));
        }
    }
    out
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
