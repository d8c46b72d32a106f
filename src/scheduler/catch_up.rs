//! Catch-up after downtime: the ticks a schedule missed while the server
//! was down run (or are recorded as missed) by its `catch_up` rule, and a
//! run that started just before a crash is not started again.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::schedules::Scheduler;
use super::spec::MAX_BACKLOG;
use crate::proto::{self, CatchUp};

impl Scheduler {
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
}
