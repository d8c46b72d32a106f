//! The ticking half of the scheduler: the task that sleeps until the
//! earliest timer, the ticks of each second (decided by one task, their
//! runs prepared in parallel chunks), what a tick does under the
//! schedule's concurrency policy, and the record of every tick.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::schedules::{Entry, Scheduler, State, rfc3339, timestamp};
use super::slots::Decision;
use super::spec::{Compiled, SCHEDULED_AT};
use crate::engine::{ExecutionHandle, Prepared, RunRequest};
use crate::proto::{self, ScheduleTick};
use crate::spec::Plan;

/// Ticks kept in a schedule's `recent` list.
const RECENT: usize = 10;

/// The workflows the ticks of a second run, planned once: each tick runs
/// its workflow's latest version.
pub(super) type Plans = foldhash::HashMap<String, Result<Arc<Plan>, String>>;

/// A tick whose run is prepared (or failed to be), with its record.
struct Prepped {
    id: Arc<str>,
    tick: ScheduleTick,
    run: Option<Prepared>,
}

impl Scheduler {
    /// Sleeps until the earliest timer, ticks what is due, repeats.
    pub(super) async fn run(self) {
        loop {
            let now = self.now();
            let due = self.lock().due(now);
            if !due.is_empty() {
                let (count, first) = (due.len(), due[0].1);
                let t = std::time::Instant::now();
                self.tick_all(due).await;
                self.save_tick_records();
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

    /// Ticks everything due now, and re-arms each schedule. One task
    /// decides the ticks, a chunk at a time, and hands each chunk to a task
    /// of its own that prepares its runs (the run is started there: that
    /// is the tick's latency), so 10,000 schedules firing on the same
    /// second use both cores and never wait for each other's lock. The
    /// ticks are noted and their runs launched once all are prepared:
    /// launched runs and the store writing their records would otherwise
    /// take the cores from the starting of the rest.
    async fn tick_all(&self, due: Vec<(Arc<str>, DateTime<Utc>, u64)>) {
        const CHUNK: usize = 256;
        let mut due = due.into_iter().map(|(id, at, g)| (id, at, Some(g)));
        if self.inner.shared {
            return self.claim_ticks(due).await;
        }
        if due.len() <= CHUNK {
            return self.tick_some(due).await;
        }
        let mut plans = Plans::default();
        let mut chunks = tokio::task::JoinSet::new();
        while due.len() > 0 {
            let fires = self.decide(due.by_ref().take(CHUNK));
            let plans = self.plans_for(&fires, &mut plans).await;
            let me = self.clone();
            chunks.spawn(async move { me.prepare_fires(fires, &plans) });
        }
        let mut prepped = Vec::new();
        while let Some(chunk) = chunks.join_next().await {
            match chunk {
                Ok(chunk) => prepped.extend(chunk),
                Err(e) => tracing::error!(error = %e, "a chunk of ticks failed"),
            }
        }
        self.launch(self.note_started(prepped));
    }

    /// Decides, prepares and launches ticks of schedules (with the
    /// generation to re-arm at, for timer ticks).
    pub(super) async fn tick_some(
        &self,
        ticks: impl Iterator<Item = (Arc<str>, DateTime<Utc>, Option<u64>)>,
    ) {
        if self.inner.shared {
            return self.claim_ticks(ticks).await;
        }
        let fires = self.decide(ticks);
        self.start_fires(fires).await;
    }

    /// Prepares, notes and launches the runs of ticks that start one.
    async fn start_fires(&self, fires: Vec<Fire>) {
        let plans = self.plans_for(&fires, &mut Plans::default()).await;
        let prepped = self.prepare_fires(fires, &plans);
        self.launch(self.note_started(prepped));
    }

    /// What each tick does, decided under one lock (thousands of ticks on
    /// one second must not queue for it thousands of times each): the ticks
    /// that start a run come back, the others are noted.
    fn decide(
        &self,
        ticks: impl Iterator<Item = (Arc<str>, DateTime<Utc>, Option<u64>)>,
    ) -> Vec<Fire> {
        let (mut fires, mut held) = (Vec::new(), Vec::new());
        let mut tally = Tally::default();
        let mut evicted = Vec::new();
        {
            let mut st = self.lock();
            for (id, at, generation) in ticks {
                let e = match generation {
                    Some(generation) => st.rearm(&id, at, generation),
                    None => st.entries.get_mut(&*id),
                };
                let Some(e) = e else {
                    continue;
                };
                let max = e.spec().max_concurrent;
                let (outcome, detail) = match e.slots.decide(at, max, e.compiled.policy) {
                    Decision::Start(at) => {
                        fires.push(Fire::of(e, id, at, "started"));
                        continue;
                    }
                    Decision::Replace(oldest, at) => {
                        oldest.cancel(
                            &format!("replaced by the schedule's tick at {}", rfc3339(at)),
                            &e.compiled.started_by,
                        );
                        fires.push(Fire::of(e, id, at, "replaced"));
                        continue;
                    }
                    Decision::Queued => ("queued", String::new()),
                    Decision::Skip(why) => ("skipped", why),
                };
                tally.add(&e.compiled.workflow, outcome);
                held.push((id, tick(at, outcome, String::new(), detail)));
            }
            for (id, t) in held {
                evicted.extend(st.note(&id, t));
            }
        }
        self.count(tally);
        fires
    }

    /// The plans of the workflows `fires` run, from `known` or else read.
    pub(super) async fn plans_for(&self, fires: &[Fire], known: &mut Plans) -> Plans {
        let mut plans = Plans::default();
        for fire in fires {
            let workflow = &fire.compiled.workflow;
            if plans.contains_key(workflow) {
                continue;
            }
            if !known.contains_key(workflow) {
                let plan = self.inner.engine.latest_plan(workflow).await;
                known.insert(workflow.clone(), plan.map_err(|e| e.to_string()));
            }
            plans.insert(workflow.clone(), known[workflow].clone());
        }
        plans
    }

    /// Prepares the runs of ticks that start one, without the lock, and
    /// makes each tick's record.
    fn prepare_fires(&self, fires: Vec<Fire>, plans: &Plans) -> Vec<Prepped> {
        let mut stamp = Stamp::default();
        let mut tally = Tally::default();
        let now = self.now();
        let prepped = fires
            .into_iter()
            .map(|fire| match &plans[&fire.compiled.workflow] {
                Ok(plan) => {
                    let request = fire.request(&mut stamp);
                    let run = self.inner.engine.prepare(plan.clone(), request);
                    let execution = run.id().to_owned();
                    tally.started(&fire.compiled.workflow, fire.outcome, fire.at, now);
                    Prepped {
                        tick: tick(fire.at, fire.outcome, execution, String::new()),
                        id: fire.id,
                        run: Some(run),
                    }
                }
                Err(e) => {
                    tracing::warn!(schedule = %fire.id, error = %e, "scheduled run not started");
                    tally.add(&fire.compiled.workflow, "failed");
                    Prepped {
                        tick: tick(fire.at, "failed", String::new(), e.clone()),
                        id: fire.id,
                        run: None,
                    }
                }
            })
            .collect();
        self.count(tally);
        prepped
    }

    /// Notes prepared ticks under one lock; returns their runs, each with
    /// its schedule when that one waits for its runs to end (a bounded
    /// `max_concurrent`). The ticks pushed out of `recent` are dropped
    /// after the lock.
    fn note_started(&self, prepped: Vec<Prepped>) -> Vec<(Prepared, Option<Arc<str>>)> {
        let mut runs = Vec::with_capacity(prepped.len());
        let mut evicted = Vec::with_capacity(prepped.len());
        let mut st = self.lock();
        let st = &mut *st;
        for Prepped { id, tick, run } in prepped {
            let mut bounded = None;
            // A schedule deleted since its tick was decided still has
            // that tick's run started.
            if let Some(e) = st.entries.get_mut(&*id) {
                let held = run.as_ref().filter(|_| e.spec().max_concurrent > 0);
                e.slots
                    .settle(held.map(|run| (tick.execution_id.clone(), run.canceller())));
                if held.is_some() {
                    bounded = Some(id);
                }
                evicted.extend(e.note(tick, &mut st.unsaved));
            }
            runs.extend(run.map(|run| (run, bounded)));
        }
        runs
    }

    /// Launches prepared runs together; a bounded schedule learns when
    /// each ends.
    fn launch(&self, runs: Vec<(Prepared, Option<Arc<str>>)>) {
        let (runs, bounded): (Vec<_>, Vec<_>) = runs.into_iter().unzip();
        let handles = self.inner.engine.launch_all(runs);
        for (handle, bounded) in handles.into_iter().zip(bounded) {
            if let Some(id) = bounded {
                self.free_slot_when_done(id, handle);
            }
        }
    }

    /// Counts the runs schedules started before a restart (resumed since)
    /// as in flight, each learning when it ends, then starts the ticks
    /// queued before the restart that have room.
    pub(super) async fn adopt(&self, resumed: Vec<(String, ExecutionHandle)>) {
        let oldest = {
            let st = self.lock();
            st.entries
                .values()
                .filter_map(|e| e.slots.queued().next().copied())
                .min()
        };
        // A queued tick whose run was stored but whose record (no longer
        // listing it) was not: found by its input, and not run again.
        let mut found = match oldest {
            Some(since) => self.started_since(since).await,
            None => Default::default(),
        };
        let mut waiting = Vec::new();
        let fires = {
            let mut st = self.lock();
            let st = &mut *st;
            for e in st.entries.values_mut() {
                let Some(started) =
                    found.remove(&(e.id.to_string(), e.spec().workflow_name.clone()))
                else {
                    continue;
                };
                e.slots
                    .retain_queued(|at| !started.iter().any(|(t, _)| t == at));
            }
            for (id, handle) in resumed {
                let Some(e) = st.entries.get_mut(&id) else {
                    continue;
                };
                if e.spec().max_concurrent == 0 {
                    continue;
                }
                e.slots.adopt(handle.id().to_owned(), handle.canceller());
                waiting.push((e.id.clone(), handle));
            }
            let mut fires = Vec::new();
            for e in st.entries.values_mut() {
                let max = e.spec().max_concurrent;
                while let Some(at) = e.slots.next_queued(max) {
                    fires.push(Fire::of(e, e.id.clone(), at, "started"));
                }
            }
            fires
        };
        for (id, handle) in waiting {
            self.free_slot_when_done(id, handle);
        }
        if !fires.is_empty() {
            self.start_fires(fires).await;
            self.save_tick_records();
        }
    }

    /// Frees schedule `id`'s slot once the run of `handle` ends.
    fn free_slot_when_done(&self, id: Arc<str>, handle: ExecutionHandle) {
        let execution = handle.id().to_owned();
        let me = self.clone();
        tokio::spawn(async move {
            let _ = handle.wait().await;
            me.run_ended(id, execution).await;
        });
    }

    /// A run of a schedule ended: its slot is free for a queued tick.
    fn run_ended(
        self,
        id: Arc<str>,
        execution: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        // Boxed: starting a queued run spawns a task that ends up here.
        Box::pin(async move {
            let fire = {
                let mut st = self.lock();
                let Some(e) = st.entries.get_mut(&*id) else {
                    return;
                };
                let max = e.spec().max_concurrent;
                e.slots
                    .ended(&execution, max)
                    .map(|at| Fire::of(e, id.clone(), at, "started"))
            };
            if let Some(fire) = fire {
                self.start_fires(vec![fire]).await;
                self.save_tick_records();
            }
        })
    }

    /// Notes one tick in the schedule's record and counts it.
    pub(super) fn record(
        &self,
        id: &str,
        at: DateTime<Utc>,
        outcome: &'static str,
        execution: &str,
        detail: &str,
    ) {
        let t = tick(at, outcome, execution.to_owned(), detail.to_owned());
        let mut tally = Tally::default();
        let _evicted = {
            let mut st = self.lock();
            if let Some(e) = st.entries.get(id) {
                tally.add(&e.compiled.workflow, outcome);
            }
            st.note(id, t)
        };
        self.count(tally);
    }

    /// Adds counted ticks to the metrics.
    pub(super) fn count(&self, tally: Tally) {
        if let Some(m) = &self.inner.metrics {
            for (workflow, outcomes) in tally.outcomes {
                for (outcome, n) in outcomes {
                    m.schedule_ticks(&workflow, outcome, n);
                }
            }
            for (workflow, lags) in tally.lags {
                m.schedule_lag(&workflow, &lags);
            }
        }
    }
}

/// Ticks counted per workflow and outcome, and how late the started ones
/// began, added to the metrics at once.
#[derive(Default)]
pub(super) struct Tally {
    outcomes: foldhash::HashMap<String, foldhash::HashMap<&'static str, u64>>,
    /// Per workflow: seconds between each started tick's due time and its start.
    lags: foldhash::HashMap<String, Vec<f64>>,
}

impl Tally {
    /// Counts a tick of `workflow` with `outcome`.
    pub(super) fn add(&mut self, workflow: &str, outcome: &'static str) {
        match self.outcomes.get_mut(workflow) {
            Some(outcomes) => *outcomes.entry(outcome).or_default() += 1,
            None => {
                self.outcomes
                    .insert(workflow.to_owned(), [(outcome, 1)].into_iter().collect());
            }
        }
    }

    /// Counts a tick due at `at` whose run starts `now` (started or replaced).
    pub(super) fn started(
        &mut self,
        workflow: &str,
        outcome: &'static str,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        self.add(workflow, outcome);
        let late = (now - at).num_microseconds().unwrap_or(i64::MAX).max(0) as f64 / 1e6;
        match self.lags.get_mut(workflow) {
            Some(lags) => lags.push(late),
            None => {
                self.lags.insert(workflow.to_owned(), vec![late]);
            }
        }
    }
}

/// A tick that starts a run, with its schedule's compiled definition.
pub(super) struct Fire {
    pub(super) id: Arc<str>,
    pub(super) at: DateTime<Utc>,
    pub(super) outcome: &'static str,
    pub(super) compiled: Arc<Compiled>,
    /// When the schedule's definition last changed (Unix ms).
    pub(super) revision_ms: i64,
}

impl Fire {
    pub(super) fn of(e: &Entry, id: Arc<str>, at: DateTime<Utc>, outcome: &'static str) -> Self {
        Self {
            id,
            at,
            outcome,
            compiled: e.compiled.clone(),
            revision_ms: e.record.updated_at.as_ref().map_or(0, proto::timestamp_ms),
        }
    }

    /// The run to start: the schedule's input with `scheduled_at`.
    pub(super) fn request(&self, stamp: &mut Stamp) -> RunRequest {
        let mut input = self.compiled.input.clone();
        if let Some(at) = input.fields.get_mut(SCHEDULED_AT) {
            *at = stamp.rfc3339(self.at).into();
        }
        RunRequest {
            input,
            timeout: self.compiled.timeout,
            started_by: self.compiled.started_by.clone(),
            ..Default::default()
        }
    }
}

/// The last tick time written out: the ticks of one batch mostly share it.
#[derive(Default)]
pub(super) struct Stamp(Option<(DateTime<Utc>, String)>);

impl Stamp {
    pub(super) fn rfc3339(&mut self, at: DateTime<Utc>) -> String {
        match &self.0 {
            Some((t, s)) if *t == at => s.clone(),
            _ => self.0.insert((at, rfc3339(at))).1.clone(),
        }
    }
}

/// A tick as its schedule's record lists it.
pub(super) fn tick(
    at: DateTime<Utc>,
    outcome: &str,
    execution: String,
    detail: String,
) -> ScheduleTick {
    ScheduleTick {
        scheduled_at: Some(timestamp(at)),
        outcome: outcome.to_owned(),
        execution_id: execution,
        detail,
    }
}

impl State {
    /// Notes a tick in its schedule's record; returns the tick it pushed
    /// out of `recent`.
    pub(super) fn note(&mut self, id: &str, tick: ScheduleTick) -> Option<ScheduleTick> {
        self.entries.get_mut(id)?.note(tick, &mut self.unsaved)
    }
}

impl Entry {
    /// Notes a tick in the record (stored by `save_tick_records`, which
    /// `unsaved` lines it up for); returns the tick it pushed out of
    /// `recent`, for the caller to drop once the lock is released.
    fn note(&mut self, tick: ScheduleTick, unsaved: &mut Vec<Arc<str>>) -> Option<ScheduleTick> {
        let r = &mut self.record;
        let at = tick.scheduled_at.as_ref().map_or(0, proto::timestamp_ms);
        if r.last_tick
            .as_ref()
            .is_none_or(|t| proto::timestamp_ms(t) < at)
        {
            r.last_tick = tick.scheduled_at;
        }
        if tick.outcome == "skipped" {
            r.skipped += 1;
        }
        if !self.unsaved {
            self.unsaved = true;
            unsaved.push(self.id.clone());
        }
        self.recent.push_front(tick);
        (self.recent.len() > RECENT)
            .then(|| self.recent.pop_back())
            .flatten()
    }
}
