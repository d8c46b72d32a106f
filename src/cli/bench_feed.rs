//! `orchestrator bench --watchers N`: dashboards on the live feed while the
//! load runs. Each watcher follows `WatchExecutions` for the benchmarked
//! workflow and measures every change's delivery delay: from the moment
//! the engine recorded it (its `time`) to its arrival here. Server and
//! load generator share a clock on one machine; across machines the
//! figures include the clocks' offset.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::client::Authed;
use crate::proto::WatchExecutionsRequest;
use crate::proto::execution_service_client::ExecutionServiceClient;

/// How long watchers keep reading after the load stops, for the changes
/// of the last runs.
const DRAIN: Duration = Duration::from_secs(2);

/// Watchers following the feed in the background.
pub struct FeedWatchers {
    tasks: JoinSet<Result<Vec<u64>, String>>,
    stop: watch::Sender<bool>,
}

/// What the watchers saw.
#[derive(Debug, Default)]
pub struct FeedReport {
    /// Watchers that followed the feed to the end.
    pub watchers: usize,
    /// Changes each watcher received (the fewest of any).
    pub changes_each: usize,
    /// Every change's delivery delay to every watcher, in µs, sorted.
    pub delays_us: Vec<u64>,
}

impl FeedWatchers {
    /// Opens `n` subscriptions to `workflow`'s changes, each positioned
    /// before this returns, so no change of the load is missed.
    pub async fn start(channel: &Authed, workflow: &str, n: usize) -> Result<Self, String> {
        let (stop, _) = watch::channel(false);
        let mut tasks = JoinSet::new();
        for _ in 0..n {
            let mut stream = ExecutionServiceClient::new(channel.clone())
                .watch_executions(WatchExecutionsRequest {
                    workflows: vec![workflow.to_owned()],
                    ..Default::default()
                })
                .await
                .map_err(|s| format!("WatchExecutions: {}", s.message()))?
                .into_inner();
            let mut stopped = stop.subscribe();
            tasks.spawn(async move {
                let mut delays = Vec::new();
                loop {
                    tokio::select! {
                        _ = stopped.wait_for(|s| *s) => return Ok(delays),
                        change = stream.next() => match change {
                            Some(Ok(c)) => delays.push(delay_us(c.time.as_ref())),
                            Some(Err(s)) => return Err(format!("the feed failed: {}", s.message())),
                            None => return Ok(delays),
                        }
                    }
                }
            });
        }
        Ok(Self { tasks, stop })
    }

    /// Lets the watchers drain the last changes, stops them, and gathers
    /// their figures.
    pub async fn finish(mut self) -> Result<FeedReport, String> {
        tokio::time::sleep(DRAIN).await;
        let _ = self.stop.send(true);
        let mut report = FeedReport::default();
        let mut fewest = usize::MAX;
        while let Some(joined) = self.tasks.join_next().await {
            let delays = joined.map_err(|e| e.to_string())??;
            fewest = fewest.min(delays.len());
            report.watchers += 1;
            report.delays_us.extend(delays);
        }
        report.changes_each = if report.watchers == 0 { 0 } else { fewest };
        report.delays_us.sort_unstable();
        Ok(report)
    }
}

/// Microseconds from `time` to now (0 when the clocks disagree).
fn delay_us(time: Option<&pbjson_types::Timestamp>) -> u64 {
    let Some(t) = time else { return 0 };
    let sent = t.seconds as i128 * 1_000_000 + t.nanos as i128 / 1000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i128);
    (now - sent).max(0) as u64
}

impl FeedReport {
    /// The delay at percentile `p`, in ms.
    pub fn percentile(&self, p: f64) -> f64 {
        super::bench::percentile_ms(&self.delays_us, p)
    }

    /// The figures as JSON.
    pub fn json(&self) -> Value {
        json!({
            "watchers": self.watchers,
            "changes_each": self.changes_each,
            "delay_ms": {
                "p50": self.percentile(50.0),
                "p99": self.percentile(99.0),
                "max": self.percentile(100.0),
            }
        })
    }
}
