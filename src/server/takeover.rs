//! Takes over the executions of replicas that stopped: on a store shared
//! by replicas, every heartbeat interval this server claims the unfinished
//! executions whose replica's lease expired (or that were handed back)
//! and resumes them, until shutdown.

use std::time::Duration;

use tokio::sync::watch;

use crate::engine::Engine;

/// Dead rows are sampled for the metrics once every this many claims.
const SAMPLE_EVERY: u32 = 15;

/// Claims and resumes orphaned executions every heartbeat interval until
/// `stop` turns true. Does nothing on a store one process holds alone.
pub async fn take_over_periodically(engine: Engine, mut stop: watch::Receiver<bool>) {
    let Some(ownership) = engine.store().ownership() else {
        return;
    };
    let mut ticks = tokio::time::interval(ownership.interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n = 0u32;
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = ticks.tick() => {}
        }
        match engine.resume_unfinished().await {
            Ok(taken) if !taken.is_empty() => {
                tracing::info!(
                    count = taken.len(),
                    "took over executions of stopped replicas"
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim executions of stopped replicas; trying again");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        if n.is_multiple_of(SAMPLE_EVERY)
            && let Err(e) = ownership.sample_dead_tuples().await
        {
            tracing::debug!(error = %e, "cannot sample dead rows");
        }
        n = n.wrapping_add(1);
    }
}
