//! Keeps a replica's schedules and triggers in step with the others': on
//! a store shared by replicas, every heartbeat interval this server asks
//! the store whether any definition changed and, when one did, re-reads
//! them; it also starts the ticks queued under the `queue` policy whose
//! slot a run ending on any replica freed. Until shutdown.

use tokio::sync::watch;

use crate::engine::Engine;
use crate::scheduler::{Scheduler, Triggers};

/// Re-reads the definitions when they change and starts queued ticks,
/// every heartbeat interval until `stop` turns true. Does nothing on a
/// store one process holds alone.
pub async fn sync_periodically(
    engine: Engine,
    scheduler: Scheduler,
    triggers: Triggers,
    mut stop: watch::Receiver<bool>,
) {
    let Some(ownership) = engine.store().ownership() else {
        return;
    };
    let mut ticks = tokio::time::interval(ownership.interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen = None;
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = ticks.tick() => {}
        }
        let revision = match engine.store().definitions_revision().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "cannot check for schedule and trigger changes");
                continue;
            }
        };
        if revision != seen {
            let (s, t) = tokio::join!(scheduler.sync(), triggers.sync());
            match (s, t) {
                (Ok(()), Ok(())) => seen = revision,
                (s, t) => {
                    let error = s.err().map(|e| e.to_string());
                    let error = error.or(t.err().map(|e| e.to_string()));
                    tracing::warn!(error, "cannot re-read schedules and triggers; trying again");
                }
            }
        }
        scheduler.start_queued().await;
    }
}
