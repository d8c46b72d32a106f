//! Catch-up after downtime: the ticks a schedule missed while the server
//! was down run (or are recorded as missed) by its `catch_up` rule, and a
//! run that started just before a crash is not started again.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::schedules::Scheduler;
use super::spec::{MAX_BACKLOG, SCHEDULED_AT};
use crate::proto::{self, CatchUp};

/// Runs a restart found started, by (schedule, workflow): (tick, execution).
type Found = HashMap<(String, String), Vec<(DateTime<Utc>, String)>>;

impl Scheduler {
    /// Runs the ticks each schedule missed while down, by its catch-up
    /// rule. The runs started before the restart are read once for all
    /// schedules, not once each.
    pub(super) async fn catch_up(&self, missed: Vec<(String, Vec<DateTime<Utc>>)>) {
        let Some(since) = missed.iter().filter_map(|(_, ticks)| ticks.first()).min() else {
            return;
        };
        // On a shared store a run is stored only with its tick's claim:
        // there is nothing to find.
        let mut found = if self.inner.shared {
            Found::default()
        } else {
            self.started_since(*since).await
        };
        for (id, ticks) in missed {
            self.catch_up_ticks(&id, ticks, &mut found).await;
        }
        self.save_tick_records();
    }

    async fn catch_up_ticks(&self, id: &str, mut missed: Vec<DateTime<Utc>>, found: &mut Found) {
        if missed.is_empty() {
            return;
        }
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
        for (at, execution) in found.remove(&(id.to_owned(), workflow)).unwrap_or_default() {
            if let Ok(i) = missed.binary_search(&at) {
                missed.remove(i);
                self.record(id, at, "started", &execution, "found after a restart");
            }
        }
        let Some(&latest) = missed.last() else { return };
        match rule {
            CatchUp::Latest => {
                self.tick_some(std::iter::once((id.into(), latest, None)))
                    .await;
            }
            CatchUp::All => {
                let start = missed.len().saturating_sub(MAX_BACKLOG);
                let id: Arc<str> = id.into();
                let ticks = missed[start..].iter().map(|&at| (id.clone(), at, None));
                self.tick_some(ticks).await;
            }
            CatchUp::None | CatchUp::Unspecified => {
                let detail = format!(
                    "{} ticks missed while the server was down (catch_up: none)",
                    missed.len()
                );
                if self.inner.shared {
                    self.claim_note(id, latest, "missed", detail).await;
                } else {
                    self.record(id, latest, "missed", "", &detail);
                }
            }
        }
    }

    /// The runs schedules started at or after `since`.
    pub(super) async fn started_since(&self, since: DateTime<Utc>) -> Found {
        let query = crate::store::ExecutionQuery {
            from_ms: Some(since.timestamp_millis()),
            ..Default::default()
        };
        let listed = match self.inner.engine.store().list_executions(&query).await {
            Ok(listed) => listed,
            Err(e) => {
                tracing::warn!(error = %e, "cannot check for runs started before a restart");
                return Found::default();
            }
        };
        let mut found = Found::default();
        for e in listed {
            let Some(input) = e.input.as_ref().map(proto::struct_to_json_map) else {
                continue;
            };
            let (Some(schedule), Some(at)) = (
                input.get("schedule").and_then(|v| v.as_str()),
                input.get(SCHEDULED_AT).and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            let Ok(at) = DateTime::parse_from_rfc3339(at) else {
                continue;
            };
            found
                .entry((schedule.to_owned(), e.workflow))
                .or_default()
                .push((at.with_timezone(&Utc), e.id));
        }
        found
    }
}
