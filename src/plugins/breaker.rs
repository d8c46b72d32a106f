//! A circuit breaker per host for the `http` plugin. After `failures`
//! consecutive failed calls to a host (transport errors and 5xx answers)
//! calls to it fail fast for `cooldown`; then one probe call is let
//! through (half-open): its success closes the circuit, its failure opens
//! it for another cool-down. A playbook hammering a dead service would
//! otherwise tie up workers for every attempt's whole timeout.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The breakers' settings.
#[derive(Debug, Clone, Copy)]
pub struct BreakerOptions {
    /// Consecutive failures that open a host's circuit; 0 disables it.
    pub failures: u32,
    /// How long an open circuit fails calls fast before a probe.
    pub cooldown: Duration,
}

impl Default for BreakerOptions {
    fn default() -> Self {
        Self {
            failures: 5,
            cooldown: Duration::from_secs(30),
        }
    }
}

/// A host's circuit as metrics show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls go through.
    Closed = 0,
    /// One probe call is in flight; the others fail fast.
    HalfOpen = 1,
    /// Calls fail fast until the cool-down ends.
    Open = 2,
}

#[derive(Debug)]
enum Host {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// The circuits of every host called so far.
#[derive(Debug, Default)]
pub struct Breakers {
    options: BreakerOptions,
    hosts: Mutex<HashMap<String, Host>>,
}

impl Breakers {
    /// Breakers with these settings.
    pub fn new(options: BreakerOptions) -> Self {
        Self {
            options,
            hosts: Mutex::default(),
        }
    }

    /// Whether a call to `host` may go out now; the error says why not.
    pub fn admit(&self, host: &str) -> Result<(), String> {
        if self.options.failures == 0 {
            return Ok(());
        }
        let mut hosts = self.lock();
        let Some(state) = hosts.get_mut(host) else {
            return Ok(());
        };
        match state {
            Host::Closed { .. } => Ok(()),
            Host::Open { until } if Instant::now() >= *until => {
                *state = Host::HalfOpen;
                Ok(())
            }
            Host::Open { until } => Err(format!(
                "circuit open for {host} after {} consecutive failures; calls fail fast for another {}",
                self.options.failures,
                humantime::format_duration(Duration::from_secs(
                    until.saturating_duration_since(Instant::now()).as_secs() + 1
                ))
            )),
            Host::HalfOpen => Err(format!(
                "circuit half-open for {host}: a probe call is deciding whether it recovered"
            )),
        }
    }

    /// Records how a call to `host` that `admit` let through went.
    pub fn record(&self, host: &str, ok: bool) {
        if self.options.failures == 0 {
            return;
        }
        let mut hosts = self.lock();
        if ok {
            hosts.remove(host);
            return;
        }
        let state = hosts
            .entry(host.to_owned())
            .or_insert(Host::Closed { failures: 0 });
        let open = Host::Open {
            until: Instant::now() + self.options.cooldown,
        };
        match state {
            Host::Closed { failures } => {
                *failures += 1;
                if *failures >= self.options.failures {
                    tracing::warn!(host, failures = *failures, "circuit opened");
                    *state = open;
                }
            }
            Host::HalfOpen | Host::Open { .. } => {
                tracing::warn!(host, "probe failed; circuit open again");
                *state = open;
            }
        }
    }

    /// The hosts whose circuit is not simply closed, with their state.
    pub fn states(&self) -> Vec<(String, CircuitState)> {
        self.lock()
            .iter()
            .map(|(h, s)| {
                let state = match s {
                    Host::Closed { .. } => CircuitState::Closed,
                    Host::HalfOpen => CircuitState::HalfOpen,
                    Host::Open { .. } => CircuitState::Open,
                };
                (h.clone(), state)
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Host>> {
        self.hosts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breakers() -> Breakers {
        Breakers::new(BreakerOptions {
            failures: 2,
            cooldown: Duration::from_secs(10),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_consecutive_failures_then_one_probe_decides() {
        let b = breakers();
        b.record("h:80", false);
        assert!(b.admit("h:80").is_ok());
        b.record("h:80", false);
        let e = b.admit("h:80").unwrap_err();
        assert!(
            e.starts_with("circuit open for h:80 after 2 consecutive failures"),
            "{e}"
        );
        assert_eq!(b.states(), [("h:80".to_owned(), CircuitState::Open)]);
        assert!(b.admit("other:80").is_ok(), "circuits are per host");

        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(b.admit("h:80").is_ok(), "the probe");
        assert!(b.admit("h:80").unwrap_err().contains("half-open"));
        b.record("h:80", false);
        assert!(b.admit("h:80").is_err(), "a failed probe opens it again");

        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(b.admit("h:80").is_ok());
        b.record("h:80", true);
        assert!(b.admit("h:80").is_ok());
        assert!(b.states().is_empty(), "closed again");
    }

    #[test]
    fn a_success_resets_the_count_and_zero_disables() {
        let b = breakers();
        b.record("h:80", false);
        b.record("h:80", true);
        b.record("h:80", false);
        assert!(b.admit("h:80").is_ok());
        let off = Breakers::new(BreakerOptions {
            failures: 0,
            cooldown: Duration::from_secs(10),
        });
        for _ in 0..10 {
            off.record("h:80", false);
        }
        assert!(off.admit("h:80").is_ok());
    }
}
