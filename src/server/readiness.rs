//! Readiness as load balancers and Kubernetes probes see it, through
//! `grpc.health.v1`: SERVING while this process can do its work;
//! NOT_SERVING once it shuts down, and — on a shared PostgreSQL store —
//! while its lease has lapsed (its writes are refused until the heartbeat
//! renews it, so callers are better sent to another replica).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::store::Ownership;

/// How often the lease is looked at.
const CHECK_EVERY: Duration = Duration::from_millis(500);

/// The health reporter, and what it follows.
pub(super) struct Readiness {
    reporter: HealthReporter,
    services: &'static [&'static str],
    ownership: Option<Arc<Ownership>>,
    live: bool,
}

impl Readiness {
    /// Reports `services` (and the server as a whole, "") as serving, or
    /// not while the lease of `ownership` (a shared store's) has lapsed.
    pub(super) async fn new(
        reporter: HealthReporter,
        services: &'static [&'static str],
        ownership: Option<Arc<Ownership>>,
    ) -> Self {
        let mut me = Self {
            reporter,
            services,
            ownership,
            live: true,
        };
        me.live = me.lease_live();
        me.set(serving(me.live)).await;
        me
    }

    /// Follows the lease until `shutdown`, then reports not serving before
    /// telling the servers to stop (`stop`). One task owns the reporter,
    /// so a lease renewed during shutdown cannot report SERVING again.
    pub(super) async fn follow(
        mut self,
        shutdown: impl Future<Output = ()>,
        stop: tokio::sync::watch::Sender<bool>,
    ) {
        let mut every = tokio::time::interval(CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = every.tick(), if self.ownership.is_some() => {
                    let live = self.lease_live();
                    if live != self.live {
                        self.live = live;
                        let lease = if live { "renewed" } else { "lapsed" };
                        tracing::warn!(ready = live, "store lease {lease}");
                        self.set(serving(live)).await;
                    }
                }
            }
        }
        // Load balancers see NOT_SERVING before the port closes.
        self.set(ServingStatus::NotServing).await;
        let _ = stop.send(true);
    }

    /// False only while a shared store's lease has lapsed.
    fn lease_live(&self) -> bool {
        self.ownership.as_ref().is_none_or(|o| o.is_live())
    }

    async fn set(&self, status: ServingStatus) {
        for name in self.services.iter().chain(&[""]) {
            self.reporter.set_service_status(*name, status).await;
        }
    }
}

fn serving(live: bool) -> ServingStatus {
    if live {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}
