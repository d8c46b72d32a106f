//! The ticking half of the scheduler: the task that sleeps until the
//! earliest timer, the ticks of each second (in parallel chunks), what a
//! tick does under the schedule's concurrency policy, catch-up after
//! downtime, and the record of every tick.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::schedules::{Entry, Scheduler, State, rfc3339, timestamp};
use super::slots::Decision;
use super::spec::{Compiled, MAX_BACKLOG};
use crate::engine::{Prepared, RunRequest};
use crate::proto::{self, CatchUp, ScheduleTick};

/// Ticks kept in a schedule's `recent` list.
const RECENT: usize = 10;

/// What one batch of ticks gathers: the workflows planned (every tick of a
/// second runs the same latest version, read once), and the runs prepared,
/// launched together once every tick of the batch has been decided.
#[derive(Default)]
struct Batch {
    plans: HashMap<String, Result<Arc<crate::spec::Plan>, String>>,
    /// Each prepared run, with its schedule when that one waits for its
    /// runs to end (a bounded `max_concurrent`).
    runs: Vec<(Prepared, Option<String>)>,
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

    /// Ticks everything due now, in chunks on parallel tasks (10,000
    /// schedules firing on the same second must not wait for each other
    /// on one core), and re-arms each schedule. Every run is prepared
    /// (started, running) before any is launched and before the store
    /// writes their records: both would otherwise take the cores from the
    /// starting of the rest.
    async fn tick_all(&self, due: Vec<(String, DateTime<Utc>, u64)>) {
        const CHUNK: usize = 256;
        if due.len() <= CHUNK {
            let batch = self.tick_chunk(due).await;
            return self.launch(vec![batch]);
        }
        let mut chunks = tokio::task::JoinSet::new();
        let mut due = due.into_iter();
        while due.len() > 0 {
            let (me, chunk) = (self.clone(), due.by_ref().take(CHUNK).collect());
            chunks.spawn(async move { me.tick_chunk(chunk).await });
        }
        let mut batches = Vec::new();
        while let Some(batch) = chunks.join_next().await {
            match batch {
                Ok(batch) => batches.push(batch),
                Err(e) => tracing::error!(error = %e, "a chunk of ticks failed"),
            }
        }
        self.launch(batches);
    }

    async fn tick_chunk(&self, due: Vec<(String, DateTime<Utc>, u64)>) -> Batch {
        let mut batch = Batch::default();
        let ticks = due.into_iter().map(|(id, at, g)| (id, at, Some(g)));
        self.tick_many(ticks, &mut batch).await;
        batch
    }

    /// Launches the prepared runs of batches together; a bounded schedule
    /// learns when each ends.
    fn launch(&self, batches: Vec<Batch>) {
        let (runs, bounded): (Vec<_>, Vec<_>) = batches.into_iter().flat_map(|b| b.runs).unzip();
        let handles = self.inner.engine.launch_all(runs);
        for (handle, bounded) in handles.into_iter().zip(bounded) {
            if let Some(id) = bounded {
                let execution = handle.id().to_owned();
                let me = self.clone();
                tokio::spawn(async move {
                    let _ = handle.wait().await;
                    me.run_ended(id, execution).await;
                });
            }
        }
    }

    /// Runs the ticks missed while down, by the schedule's catch-up rule.
    pub(super) async fn catch_up(&self, id: &str, missed: Vec<DateTime<Utc>>) {
        self.catch_up_ticks(id, missed).await;
        self.save_tick_records();
    }

    async fn catch_up_ticks(&self, id: &str, mut missed: Vec<DateTime<Utc>>) {
        let Some(&first) = missed.first() else { return };
        let Some((rule, workflow)) = self
            .lock()
            .entries
            .get(id)
            .map(|e| (e.compiled.catch_up, e.spec().workflow_name.clone()))
        else {
            return;
        };
        // A run whose start was durable but whose tick record was not (the
        // crash fell between the two writes) is found by its input, and its
        // tick is not run again.
        for (at, execution) in self.started_since(id, &workflow, first).await {
            if let Ok(i) = missed.binary_search(&at) {
                missed.remove(i);
                self.record(id, at, "started", &execution, "found after a restart");
            }
        }
        let Some(&latest) = missed.last() else { return };
        match rule {
            CatchUp::Latest => {
                let mut batch = Batch::default();
                let ticks = std::iter::once((id.to_owned(), latest, None));
                self.tick_many(ticks, &mut batch).await;
                self.launch(vec![batch]);
            }
            CatchUp::All => {
                let mut batch = Batch::default();
                let start = missed.len().saturating_sub(MAX_BACKLOG);
                let ticks = missed[start..].iter().map(|&at| (id.to_owned(), at, None));
                self.tick_many(ticks, &mut batch).await;
                self.launch(vec![batch]);
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

    /// The runs this schedule started at or after `since`: (tick, execution).
    async fn started_since(
        &self,
        id: &str,
        workflow: &str,
        since: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, String)> {
        let query = crate::store::ExecutionQuery {
            from_ms: Some(since.timestamp_millis()),
            workflow: Some(workflow.to_owned()),
            ..Default::default()
        };
        let found = match self.inner.engine.store().list_executions(&query).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(schedule = id, error = %e, "cannot check for runs started before a restart");
                return Vec::new();
            }
        };
        found
            .into_iter()
            .filter_map(|e| {
                let input = proto::struct_to_json_map(e.input.as_ref()?);
                (input.get("schedule")?.as_str()? == id).then_some(())?;
                let at = input.get("scheduled_at")?.as_str()?;
                let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
                Some((at, e.id))
            })
            .collect()
    }

    /// Ticks of schedules (with the generation to re-arm at, for timer
    /// ticks): every decision under one lock, the runs prepared without it,
    /// then noted under one lock again — thousands of ticks on one second
    /// must not queue for the lock thousands of times each.
    async fn tick_many(
        &self,
        ticks: impl Iterator<Item = (String, DateTime<Utc>, Option<u64>)>,
        batch: &mut Batch,
    ) {
        let mut fires = Vec::new();
        let mut tally = Tally::default();
        {
            let mut st = self.lock();
            for (id, at, generation) in ticks {
                let e = match generation {
                    Some(generation) => st.rearm(&id, at, generation),
                    None => st.entries.get_mut(&id),
                };
                let Some(e) = e else {
                    continue;
                };
                let max = e.spec().max_concurrent;
                match e.slots.decide(at, max, e.compiled.policy) {
                    Decision::Start(at) => fires.push(Fire::of(e, id, at, "started")),
                    Decision::Replace(oldest, at) => {
                        oldest.cancel(
                            &format!("replaced by the schedule's tick at {}", rfc3339(at)),
                            &e.compiled.started_by,
                        );
                        fires.push(Fire::of(e, id, at, "replaced"));
                    }
                    Decision::Queued => st.note(&id, at, "queued", "", "", &mut tally),
                    Decision::Skip(why) => st.note(&id, at, "skipped", "", &why, &mut tally),
                }
            }
        }
        self.start_fires(fires, batch, &mut tally).await;
        self.count(tally);
    }

    /// Prepares the runs of ticks that start one, then notes them.
    async fn start_fires(&self, fires: Vec<Fire>, batch: &mut Batch, tally: &mut Tally) {
        for fire in &fires {
            let workflow = &fire.compiled.workflow;
            if !batch.plans.contains_key(workflow) {
                let plan = self.inner.engine.latest_plan(workflow).await;
                let plan = plan.map_err(|e| e.to_string());
                batch.plans.insert(workflow.clone(), plan);
            }
        }
        let mut stamp = Stamp::default();
        let (mut ready, mut failed) = (Vec::with_capacity(fires.len()), Vec::new());
        for fire in fires {
            match &batch.plans[&fire.compiled.workflow] {
                Ok(plan) => {
                    let request = fire.request(&mut stamp);
                    ready.push((self.inner.engine.prepare(plan.clone(), request), fire));
                }
                Err(e) => {
                    tracing::warn!(schedule = %fire.id, error = %e, "scheduled run not started");
                    failed.push((fire, e.clone()));
                }
            }
        }
        let mut st = self.lock();
        for (fire, e) in failed {
            st.note(&fire.id, fire.at, "failed", "", &e, tally);
        }
        for (prepared, fire) in ready {
            let execution = prepared.id().to_owned();
            // Only a bounded schedule needs to know when its runs end.
            let bounded = match st.entries.get_mut(&fire.id) {
                Some(e) if e.spec().max_concurrent > 0 => {
                    e.slots.started(execution.clone(), prepared.canceller());
                    Some(fire.id.clone())
                }
                _ => None,
            };
            st.note(&fire.id, fire.at, fire.outcome, &execution, "", tally);
            batch.runs.push((prepared, bounded));
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
            let fire = {
                let mut st = self.lock();
                let Some(e) = st.entries.get_mut(&id) else {
                    return;
                };
                let max = e.spec().max_concurrent;
                e.slots
                    .ended(&execution, max)
                    .map(|at| Fire::of(e, id.clone(), at, "started"))
            };
            if let Some(fire) = fire {
                let (mut batch, mut tally) = (Batch::default(), Tally::default());
                self.start_fires(vec![fire], &mut batch, &mut tally).await;
                self.count(tally);
                self.launch(vec![batch]);
                self.save_tick_records();
            }
        })
    }

    /// Notes one tick in the schedule's record and counts it.
    fn record(
        &self,
        id: &str,
        at: DateTime<Utc>,
        outcome: &'static str,
        execution: &str,
        detail: &str,
    ) {
        let mut tally = Tally::default();
        self.lock()
            .note(id, at, outcome, execution, detail, &mut tally);
        self.count(tally);
    }

    /// Adds counted ticks to the metrics.
    fn count(&self, tally: Tally) {
        if let Some(m) = &self.inner.metrics {
            for (workflow, outcomes) in tally.0 {
                for (outcome, n) in outcomes {
                    m.schedule_ticks(&workflow, outcome, n);
                }
            }
        }
    }
}

/// Ticks counted per workflow and outcome, added to the metrics at once.
#[derive(Default)]
struct Tally(HashMap<String, HashMap<&'static str, u64>>);

impl Tally {
    fn add(&mut self, workflow: &str, outcome: &'static str) {
        match self.0.get_mut(workflow) {
            Some(outcomes) => *outcomes.entry(outcome).or_default() += 1,
            None => {
                self.0
                    .insert(workflow.to_owned(), HashMap::from([(outcome, 1)]));
            }
        }
    }
}

/// A tick that starts a run, with its schedule's compiled definition.
struct Fire {
    id: String,
    at: DateTime<Utc>,
    outcome: &'static str,
    compiled: Arc<Compiled>,
}

impl Fire {
    fn of(e: &Entry, id: String, at: DateTime<Utc>, outcome: &'static str) -> Self {
        Self {
            id,
            at,
            outcome,
            compiled: e.compiled.clone(),
        }
    }

    /// The run to start: the schedule's input with `scheduled_at`.
    fn request(&self, stamp: &mut Stamp) -> RunRequest {
        let mut input = self.compiled.input.clone();
        input.insert("scheduled_at".into(), Value::String(stamp.rfc3339(self.at)));
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
struct Stamp(Option<(DateTime<Utc>, String)>);

impl Stamp {
    fn rfc3339(&mut self, at: DateTime<Utc>) -> String {
        match &self.0 {
            Some((t, s)) if *t == at => s.clone(),
            _ => self.0.insert((at, rfc3339(at))).1.clone(),
        }
    }
}

impl State {
    /// Notes a tick in the schedule's record (stored by
    /// `save_tick_records`) and in `tally`.
    fn note(
        &mut self,
        id: &str,
        at: DateTime<Utc>,
        outcome: &'static str,
        execution: &str,
        detail: &str,
        tally: &mut Tally,
    ) {
        let Some(e) = self.entries.get_mut(id) else {
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
        e.recent.push_front(ScheduleTick {
            scheduled_at: Some(timestamp(at)),
            outcome: outcome.to_owned(),
            execution_id: execution.to_owned(),
            detail: detail.to_owned(),
        });
        e.recent.truncate(RECENT);
        tally.add(&e.compiled.workflow, outcome);
        if !self.unsaved.contains(id) {
            self.unsaved.insert(id.to_owned());
        }
    }
}
