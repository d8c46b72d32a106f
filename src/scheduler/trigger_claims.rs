//! Triggers on a store shared by replicas, and deliveries with an id on
//! any store: an event id starts at most one run of a trigger (remembered
//! here, and claimed as a unique delivery row where replicas share the
//! store), and each replica picks up the triggers the others edit.

use std::sync::Arc;

use super::trigger_spec::compile_trigger;
use super::triggers::{Entry, TriggerError, Triggers};
use crate::engine::{ExecutionHandle, RunRequest};
use crate::proto::ConcurrencyPolicy;
use crate::spec::Plan;
use crate::store::{Claim, Claimed, Once, Run, Starter};

/// Why a delivery with an id started no run.
pub(super) enum NotStarted {
    /// The id started this run already.
    Duplicate(String),
    /// It could not be claimed, for this reason.
    Failed(String),
}

impl Triggers {
    /// Starts a run for the event with id `key`, unless that id started
    /// one already: here, or on a shared store on any replica.
    pub(super) async fn start_once(
        &self,
        trigger: &str,
        key: &str,
        plan: Arc<Plan>,
        request: RunRequest,
    ) -> Result<ExecutionHandle, NotStarted> {
        let run = self.inner.engine.prepare(plan, request);
        {
            let mut all = self.lock();
            let e = all
                .get_mut(trigger)
                .ok_or_else(|| NotStarted::Failed("the trigger was deleted".into()))?;
            if let Some(first) = e.delivered.get(key) {
                return Err(NotStarted::Duplicate(first.to_owned()));
            }
            e.delivered.remember(key, run.id());
        }
        if !self.inner.shared {
            return Ok(run.launch());
        }
        let claim = Claim {
            starter: Starter::Trigger(trigger.to_owned()),
            revision_ms: 0,
            once: Once::Delivery(key.to_owned()),
            max_concurrent: 0,
            policy: ConcurrencyPolicy::Unspecified,
            run: Some(Run {
                execution_id: run.id().to_owned(),
                writes: run.records(),
            }),
            note: ("started", String::new()),
        };
        let answer = self.inner.engine.store().claim(vec![claim]).await;
        let mut all = self.lock();
        let delivered = all.get_mut(trigger).map(|e| &mut e.delivered);
        match answer.map(|mut a| a.pop()) {
            Ok(Some(Claimed::Started { .. })) => {
                drop(all);
                let mut launched = self.inner.engine.launch_claimed(vec![run]);
                launched
                    .pop()
                    .ok_or_else(|| NotStarted::Failed("the run was not launched".into()))
            }
            Ok(Some(Claimed::Taken { execution_id, .. })) => {
                if let Some(d) = delivered {
                    d.remember(key, &execution_id);
                }
                Err(NotStarted::Duplicate(execution_id))
            }
            other => {
                if let Some(d) = delivered {
                    d.forget(key);
                }
                Err(NotStarted::Failed(match other {
                    Err(e) => e.to_string(),
                    _ => "the trigger was deleted".into(),
                }))
            }
        }
    }

    /// Picks up the triggers other replicas created, changed or removed.
    pub async fn sync(&self) -> Result<(), TriggerError> {
        let _edits = self.inner.edits.lock().await;
        let stored = self.inner.engine.store().list_triggers().await?;
        let mut all = self.lock();
        let mut seen = std::collections::HashSet::new();
        for record in stored {
            let spec = record.spec.clone().unwrap_or_default();
            seen.insert(spec.id.clone());
            if all
                .get(&spec.id)
                .is_some_and(|e| e.record.updated_at == record.updated_at)
            {
                continue;
            }
            match compile_trigger(&spec) {
                Ok(compiled) => {
                    all.insert(spec.id.clone(), Entry::new(record, compiled));
                }
                Err(e) => {
                    tracing::error!(trigger = spec.id, error = %e, "stored trigger does not compile; ignoring it");
                    all.remove(&spec.id);
                }
            }
        }
        all.retain(|id, _| seen.contains(id));
        Ok(())
    }
}
