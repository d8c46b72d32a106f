//! The ticking half of the scheduler: the task that sleeps until the
//! earliest timer, the ticks of each second (in parallel chunks), what a
//! tick does under the schedule's concurrency policy, catch-up after
//! downtime, and the record of every tick.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::schedules::{Scheduler, rfc3339, timestamp};
use super::slots::Decision;
use super::spec::MAX_BACKLOG;
use crate::engine::RunRequest;
use crate::proto::{self, CatchUp, ScheduleTick};

/// Ticks kept in a schedule's `recent` list.
const RECENT: usize = 10;

/// Workflows planned during one batch of ticks: every tick of a second
/// runs the same latest version, read once.
type Plans = HashMap<String, Result<Arc<crate::spec::Plan>, String>>;

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
    pub(super) async fn catch_up(&self, id: &str, mut missed: Vec<DateTime<Utc>>) {
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
                .inner
                .engine
                .latest_plan(&spec.workflow_name)
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
}
