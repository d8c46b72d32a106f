//! How long records are kept: ended executions with their events, the
//! audit trail and cached results would otherwise grow without end. The
//! stores implement [`super::Store::prune`]; [`prune_periodically`] calls
//! it in the background of a server.

use std::sync::Arc;
use std::time::Duration;

use super::Store;
use crate::config::Config;

/// What a pruning may remove: records older than these bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Ended executions started before this (Unix ms) go, with their
    /// events; None keeps them.
    pub executions_before_ms: Option<i64>,
    /// Audit records made before this (Unix ms) go; None keeps them.
    pub audit_before_ms: Option<i64>,
    /// Now (Unix ms): cached results that expired before it go.
    pub now_ms: i64,
}

/// What one pruning removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Ended executions.
    pub executions: u64,
    /// Their events.
    pub events: u64,
    /// Audit records.
    pub audit: u64,
    /// Expired cached results.
    pub cache: u64,
}

impl std::ops::AddAssign for Pruned {
    fn add_assign(&mut self, o: Self) {
        self.executions += o.executions;
        self.events += o.events;
        self.audit += o.audit;
        self.cache += o.cache;
    }
}

/// The retention settings of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// How long ended executions are kept (`EXECUTION_RETENTION`; None: forever).
    pub executions: Option<Duration>,
    /// How long audit records are kept (`AUDIT_RETENTION`; None: forever).
    pub audit: Option<Duration>,
    /// How often to prune (`PRUNE_INTERVAL`).
    pub interval: Duration,
}

impl From<&Config> for Policy {
    fn from(c: &Config) -> Self {
        let keep = |d: Duration| (!d.is_zero()).then_some(d);
        Self {
            executions: keep(c.execution_retention),
            audit: keep(c.audit_retention),
            interval: c.prune_interval,
        }
    }
}

impl Policy {
    /// The bounds as of `now_ms`.
    pub fn at(&self, now_ms: i64) -> Retention {
        let before = |d: Duration| now_ms.saturating_sub(d.as_millis() as i64);
        Retention {
            executions_before_ms: self.executions.map(before),
            audit_before_ms: self.audit.map(before),
            now_ms,
        }
    }
}

/// Prunes `store` every `policy.interval` until `stop` turns true; a
/// failed pruning is logged and tried again at the next interval.
pub async fn prune_periodically(
    store: Arc<dyn Store>,
    policy: Policy,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(policy.interval.max(Duration::from_secs(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = ticks.tick() => {}
        }
        let now_ms = crate::proto::timestamp_ms(&crate::proto::now());
        match store.prune(&policy.at(now_ms)).await {
            Ok(p) if p != Pruned::default() => tracing::info!(
                executions = p.executions,
                events = p.events,
                audit = p.audit,
                cache = p.cache,
                "pruned records past their retention"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "pruning failed; trying again at the next interval")
            }
        }
    }
}
