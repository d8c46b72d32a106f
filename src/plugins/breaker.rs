//! A circuit breaker per host for the `http` plugin. After `failures`
//! consecutive failed calls to a host (transport errors and 5xx answers)
//! calls to it fail fast for `cooldown`; then one probe call is let
//! through (half-open): its success closes the circuit, its failure opens
//! it for another cool-down. A playbook hammering a dead service would
//! otherwise tie up workers for every attempt's whole timeout.
//!
//! Admission hands out a [`Permit`], to be taken just before the request
//! goes out. The probe's permit records a failure when it is dropped
//! without an outcome (the attempt timed out or was cancelled mid-call),
//! so a lost probe reopens the circuit for a cool-down instead of leaving
//! it half-open, failing every call, for good.

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

/// Leave to make one call to a host, from [`Breakers::admit`]. Say how the
/// call went with [`Permit::record`]. Dropped without that, the probe of a
/// half-open circuit counts as failed (nobody else may probe while it is
/// out); an ordinary call counts as nothing, because a cancelled run says
/// nothing about the host and must not open a healthy host's circuit.
#[derive(Debug)]
#[must_use = "a permit records the call's outcome; dropping it fails a probe"]
pub struct Permit<'a> {
    /// `None` when the breakers are off.
    breakers: Option<&'a Breakers>,
    host: String,
    probe: bool,
}

impl Permit<'_> {
    /// Whether this call is the probe of a half-open circuit.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Records how the call went: `ok` false for a transport error or a
    /// 5xx answer.
    pub fn record(mut self, ok: bool) {
        if let Some(b) = self.breakers.take() {
            b.record(&self.host, self.probe, ok);
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.breakers.take()
            && self.probe
        {
            tracing::warn!(host = self.host, "probe call abandoned; counted as failed");
            b.record(&self.host, true, false);
        }
    }
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
    /// Ask just before sending: the permit must reach the outcome.
    pub fn admit(&self, host: &str) -> Result<Permit<'_>, String> {
        let permit = |probe| Permit {
            breakers: Some(self),
            host: host.to_owned(),
            probe,
        };
        if self.options.failures == 0 {
            return Ok(Permit {
                breakers: None,
                host: String::new(),
                probe: false,
            });
        }
        let mut hosts = self.lock();
        let Some(state) = hosts.get_mut(host) else {
            return Ok(permit(false));
        };
        match state {
            Host::Closed { .. } => Ok(permit(false)),
            Host::Open { until } if Instant::now() >= *until => {
                *state = Host::HalfOpen;
                Ok(permit(true))
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

    /// Records the outcome of a call `admit` let through.
    fn record(&self, host: &str, probe: bool, ok: bool) {
        let mut hosts = self.lock();
        if ok {
            // While a probe is out, only the probe decides: a call let
            // through before the circuit opened ends late and says nothing
            // about the host now.
            if probe || !matches!(hosts.get(host), Some(Host::HalfOpen)) {
                hosts.remove(host);
            }
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
            Host::HalfOpen if !probe => {}
            Host::HalfOpen | Host::Open { .. } => {
                tracing::warn!(host, "call failed; circuit open for another cool-down");
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

    /// One call to `host` that goes out and ends with `ok`.
    fn call(b: &Breakers, host: &str, ok: bool) {
        b.admit(host).expect("admitted").record(ok);
    }

    fn state(b: &Breakers, host: &str) -> Option<CircuitState> {
        b.states()
            .into_iter()
            .find(|(h, _)| h == host)
            .map(|(_, s)| s)
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_consecutive_failures_then_one_probe_decides() {
        let b = breakers();
        call(&b, "h:80", false);
        call(&b, "h:80", false);
        let e = b.admit("h:80").unwrap_err();
        assert!(
            e.starts_with("circuit open for h:80 after 2 consecutive failures"),
            "{e}"
        );
        assert_eq!(b.states(), [("h:80".to_owned(), CircuitState::Open)]);
        assert!(b.admit("other:80").is_ok(), "circuits are per host");

        tokio::time::advance(Duration::from_secs(10)).await;
        let probe = b.admit("h:80").expect("the probe");
        assert!(probe.is_probe());
        assert!(b.admit("h:80").unwrap_err().contains("half-open"));
        probe.record(false);
        assert!(b.admit("h:80").is_err(), "a failed probe opens it again");

        tokio::time::advance(Duration::from_secs(10)).await;
        b.admit("h:80").unwrap().record(true);
        assert!(!b.admit("h:80").unwrap().is_probe());
        assert!(b.states().is_empty(), "closed again");
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_probe_reopens_the_circuit_and_a_later_call_probes_again() {
        let b = breakers();
        call(&b, "h:80", false);
        call(&b, "h:80", false);
        tokio::time::advance(Duration::from_secs(10)).await;
        let probe = b.admit("h:80").expect("the probe");
        assert_eq!(state(&b, "h:80"), Some(CircuitState::HalfOpen));
        // The attempt timed out or was cancelled mid-call.
        drop(probe);
        assert_eq!(state(&b, "h:80"), Some(CircuitState::Open));
        assert!(b.admit("h:80").unwrap_err().starts_with("circuit open"));

        tokio::time::advance(Duration::from_secs(10)).await;
        let probe = b.admit("h:80").expect("probed again after the cool-down");
        assert!(probe.is_probe());
        probe.record(true);
        assert!(b.states().is_empty());
    }

    #[test]
    fn a_dropped_ordinary_call_counts_as_nothing() {
        let b = breakers();
        call(&b, "h:80", false);
        for _ in 0..5 {
            drop(b.admit("h:80").unwrap());
        }
        assert_eq!(
            state(&b, "h:80"),
            Some(CircuitState::Closed),
            "cancelled calls do not open a healthy host's circuit"
        );
        call(&b, "h:80", false);
        assert!(b.admit("h:80").is_err(), "the second real failure opens it");
    }

    #[tokio::test(start_paused = true)]
    async fn only_the_probe_decides_a_half_open_circuit() {
        let b = breakers();
        let early_ok = b.admit("h:80").unwrap();
        let early_fail = b.admit("h:80").unwrap();
        call(&b, "h:80", false);
        call(&b, "h:80", false);
        tokio::time::advance(Duration::from_secs(10)).await;
        let probe = b.admit("h:80").expect("the probe");
        // Calls let through before the circuit opened end now.
        early_ok.record(true);
        early_fail.record(false);
        assert_eq!(state(&b, "h:80"), Some(CircuitState::HalfOpen));
        probe.record(true);
        assert!(b.states().is_empty());
    }

    #[test]
    fn a_success_resets_the_count_and_zero_disables() {
        let b = breakers();
        call(&b, "h:80", false);
        call(&b, "h:80", true);
        call(&b, "h:80", false);
        assert!(b.admit("h:80").is_ok());
        let off = Breakers::new(BreakerOptions {
            failures: 0,
            cooldown: Duration::from_secs(10),
        });
        for _ in 0..10 {
            call(&off, "h:80", false);
        }
        assert!(off.admit("h:80").is_ok());
        assert!(off.states().is_empty());
    }
}
