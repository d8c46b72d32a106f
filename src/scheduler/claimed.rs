//! Ticks on a store shared by replicas. Every replica arms every schedule
//! and, when a tick comes due, prepares its run and claims the tick
//! through the store, which starts it at most once across replicas and
//! evaluates `max_concurrent` over every replica's runs (see
//! `store::pg::claims`); the losers drop their prepared runs unseen and
//! note what the winner did. Ticks queued under the `queue` policy wait
//! in the store, and any replica starts them when a run ends. Edits made
//! on other replicas are picked up by `sync`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::schedules::{Entry, Scheduler};
use super::slots::Slots;
use super::spec::compile;
use super::ticks::{Fire, Plans, Stamp, Tally, tick};
use crate::engine::Prepared;
use crate::proto::{ConcurrencyPolicy, ScheduleTick};
use crate::store::{Claim, Claimed, Once, Run, Starter};

/// Claims made in one transaction at most.
const BATCH: usize = 512;
/// Pause before claiming again a tick whose schedule another replica held.
const BUSY_RETRY: Duration = Duration::from_millis(300);
/// Pause before claiming again ticks the store could not take.
const FAILED_RETRY: Duration = Duration::from_secs(1);

impl Scheduler {
    /// Claims ticks (with the generation to re-arm at, for timer ticks)
    /// and starts the runs of those this replica won.
    pub(super) async fn claim_ticks(
        &self,
        ticks: impl Iterator<Item = (Arc<str>, DateTime<Utc>, Option<u64>)>,
    ) {
        let fires: Vec<Fire> = {
            let mut st = self.lock();
            ticks
                .filter_map(|(id, at, generation)| {
                    let e = match generation {
                        Some(generation) => st.rearm(&id, at, generation)?,
                        None => st.entries.get_mut(&*id)?,
                    };
                    Some(Fire::of(e, id, at, "started"))
                })
                .collect()
        };
        self.claim_fires(fires, Once::Tick).await;
    }

    /// Claims the oldest queued ticks of every schedule that queues (as
    /// many as it may run at once), and starts those there is room for
    /// now. Called when a run of such a schedule ends here, and every
    /// sync: runs end on other replicas too.
    pub async fn start_queued(&self) {
        // Nothing to read while no schedule here queues.
        if !self.lock().entries.values().any(queues) {
            return;
        }
        let queued = match self.inner.engine.store().queued_ticks().await {
            Ok(q) => q,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the queued ticks");
                return;
            }
        };
        // The oldest of each schedule, as many as it may run at once (the
        // claims check the bound against the runs in flight).
        let fires: Vec<Fire> = {
            let st = self.lock();
            let mut fires: Vec<Fire> = Vec::new();
            let mut taken = 0;
            for (id, ms) in &queued {
                let Some(e) = st.entries.get(id) else {
                    continue;
                };
                let same = fires.last().is_some_and(|f| *f.id == **id);
                taken = if same { taken + 1 } else { 1 };
                if let Some(at) = DateTime::from_timestamp_millis(*ms)
                    && taken <= e.compiled.max_concurrent
                {
                    fires.push(Fire::of(e, e.id.clone(), at, "started"));
                }
            }
            fires
        };
        if !fires.is_empty() {
            self.claim_fires(fires, Once::Queued).await;
        }
    }

    /// Notes a tick claimed without a run (`missed`, `failed`) once across
    /// replicas.
    pub(super) async fn claim_note(
        &self,
        id: &str,
        at: DateTime<Utc>,
        outcome: &'static str,
        detail: String,
    ) {
        let claim = {
            let st = self.lock();
            let Some(e) = st.entries.get(id) else { return };
            let mut claim = claim_of(&Fire::of(e, e.id.clone(), at, outcome), Once::Tick, None);
            claim.note = (outcome, detail);
            claim
        };
        let pending = Pending {
            id: id.into(),
            at,
            note: claim.note.clone(),
            dequeue: false,
            run: None,
        };
        match self.inner.engine.store().claim(vec![claim]).await {
            Ok(answers) => self.settle(vec![pending], answers),
            Err(e) => tracing::warn!(schedule = id, error = %e, "cannot record a missed tick"),
        }
    }

    /// Prepares the fires' runs, claims them in batches, launches the
    /// winners and notes every outcome.
    async fn claim_fires(&self, fires: Vec<Fire>, once: fn(i64) -> Once) {
        let plans = self.plans_for(&fires, &mut Plans::default()).await;
        let mut stamp = Stamp::default();
        let mut fires = fires.into_iter().peekable();
        while fires.peek().is_some() {
            let mut claims = Vec::with_capacity(BATCH);
            let mut pending = Vec::with_capacity(BATCH);
            for fire in fires.by_ref().take(BATCH) {
                let (claim, run) = match &plans[&fire.compiled.workflow] {
                    Ok(plan) => {
                        let run = self
                            .inner
                            .engine
                            .prepare(plan.clone(), fire.request(&mut stamp));
                        (claim_of(&fire, once, Some(&run)), Some(run))
                    }
                    Err(e) => {
                        tracing::warn!(schedule = %fire.id, error = %e, "scheduled run not started");
                        let mut claim = claim_of(&fire, once, None);
                        claim.note = ("failed", e.clone());
                        (claim, None)
                    }
                };
                pending.push(Pending {
                    id: fire.id,
                    at: fire.at,
                    note: claim.note.clone(),
                    dequeue: matches!(claim.once, Once::Queued(_)),
                    run,
                });
                claims.push(claim);
            }
            match self.inner.engine.store().claim(claims).await {
                Ok(answers) => self.settle(pending, answers),
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim schedule ticks; trying again");
                    let ticks = pending.into_iter().filter(|p| !p.dequeue);
                    self.claim_later(ticks.map(|p| (p.id, p.at)), FAILED_RETRY);
                }
            }
        }
    }

    /// Launches the runs whose claims won and notes every claim's outcome.
    fn settle(&self, pending: Vec<Pending>, answers: Vec<Claimed>) {
        let mut launch = Vec::new();
        let mut waits = Vec::new();
        let mut busy = Vec::new();
        let mut tally = Tally::default();
        let now = self.now();
        let mut evicted: Vec<ScheduleTick> = Vec::new();
        {
            let mut st = self.lock();
            for (p, answer) in pending.into_iter().zip(answers) {
                let Pending {
                    id,
                    at,
                    note: (note, detail),
                    dequeue,
                    run,
                } = p;
                let Some(e) = st.entries.get(&*id) else {
                    continue;
                };
                let workflow = e.compiled.workflow.clone();
                let queues = queues(e);
                let t = match answer {
                    Claimed::Started { replaced } => {
                        let Some(run) = run else { continue };
                        let outcome = if replaced.is_some() {
                            "replaced"
                        } else {
                            "started"
                        };
                        tally.started(&workflow, outcome, at, now);
                        let t = tick(at, outcome, run.id().to_owned(), String::new());
                        if queues {
                            waits.push(launch.len());
                        }
                        launch.push(run);
                        t
                    }
                    Claimed::Noted => {
                        tally.add(&workflow, note);
                        tick(at, note, String::new(), detail)
                    }
                    // A dequeued tick that still waits was noted queued.
                    Claimed::Queued if !dequeue => {
                        tally.add(&workflow, "queued");
                        tick(at, "queued", String::new(), String::new())
                    }
                    Claimed::Skipped(why) => {
                        tally.add(&workflow, "skipped");
                        tick(at, "skipped", String::new(), why)
                    }
                    // Another replica's: noted as it did it, not counted.
                    Claimed::Taken {
                        outcome,
                        execution_id,
                    } if !outcome.is_empty() => tick(at, &outcome, execution_id, String::new()),
                    Claimed::Busy => {
                        busy.push((id, at));
                        continue;
                    }
                    Claimed::Queued | Claimed::Taken { .. } | Claimed::Stale => continue,
                };
                evicted.extend(st.note(&id, t));
            }
        }
        self.count(tally);
        let handles = self.inner.engine.launch_claimed(launch);
        let mut waits = waits.into_iter().peekable();
        for (i, handle) in handles.into_iter().enumerate() {
            if waits.next_if_eq(&i).is_some() {
                let me = self.clone();
                tokio::spawn(async move {
                    let _ = handle.wait().await;
                    me.start_queued().await;
                });
            }
        }
        if !busy.is_empty() {
            self.claim_later(busy.into_iter(), BUSY_RETRY);
        }
    }

    /// Claims ticks again after `pause`.
    fn claim_later(&self, ticks: impl Iterator<Item = (Arc<str>, DateTime<Utc>)>, pause: Duration) {
        let ticks: Vec<_> = ticks.map(|(id, at)| (id, at, None)).collect();
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(pause).await;
            me.claim_ticks(ticks.into_iter()).await;
        });
    }

    /// Picks up the schedules other replicas created, changed or removed:
    /// re-reads every schedule and re-arms those whose definition changed.
    /// Tick records come along as the store has them.
    pub async fn sync(&self) -> Result<(), crate::store::StoreError> {
        let _edits = self.inner.edits.lock().await;
        let stored = self.inner.engine.store().list_schedules().await?;
        let now = self.now();
        let mut st = self.lock();
        let mut seen = foldhash::HashSet::default();
        for mut record in stored {
            let spec = record.spec.clone().unwrap_or_default();
            seen.insert(spec.id.clone());
            if let Some(e) = st.entries.get_mut(&spec.id)
                && e.record.updated_at == record.updated_at
            {
                e.record.last_tick = record.last_tick;
                e.record.skipped = record.skipped;
                continue;
            }
            let compiled = match compile(&spec) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(schedule = spec.id, error = %e, "stored schedule does not compile; not running it");
                    st.entries.remove(&spec.id);
                    continue;
                }
            };
            let generation = st.next_generation();
            let entry = Entry {
                id: spec.id.as_str().into(),
                recent: std::mem::take(&mut record.recent).into(),
                record,
                compiled: Arc::new(compiled),
                generation,
                slots: Slots::default(),
                unsaved: false,
            };
            st.entries.insert(spec.id.clone(), entry);
            st.arm(&spec.id, now);
        }
        st.entries.retain(|id, _| seen.contains(id));
        drop(st);
        self.inner.wake.notify_one();
        Ok(())
    }
}

/// Whether a schedule queues its ticks at its bound.
fn queues(e: &Entry) -> bool {
    e.compiled.policy == ConcurrencyPolicy::Queue && e.compiled.max_concurrent > 0
}

/// A claim on its way, with what noting its outcome takes.
struct Pending {
    id: Arc<str>,
    at: DateTime<Utc>,
    /// The outcome and detail recorded when it has no run.
    note: (&'static str, String),
    /// It starts a queued tick.
    dequeue: bool,
    run: Option<Prepared>,
}

/// The claim of a fire's tick, with the run it would start.
fn claim_of(fire: &Fire, once: fn(i64) -> Once, run: Option<&Prepared>) -> Claim {
    let spec = &fire.compiled;
    Claim {
        starter: Starter::Schedule(fire.id.to_string()),
        revision_ms: fire.revision_ms,
        once: once(fire.at.timestamp_millis()),
        max_concurrent: spec.max_concurrent,
        policy: spec.policy,
        run: run.map(|r| Run {
            execution_id: r.id().to_owned(),
            writes: r.records(),
        }),
        note: ("started", String::new()),
    }
}
