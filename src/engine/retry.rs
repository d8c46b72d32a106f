//! Backoff between attempts: exponential growth of the bound, full jitter
//! (a uniform draw from zero to the bound), so that many tasks failing
//! together do not retry in lock-step.

use std::time::Duration;

use rand::Rng;

use crate::spec::Retry;

/// The delay after failed attempt number `attempt` (1-based).
pub fn backoff(policy: &Retry, attempt: u32, rng: &mut impl Rng) -> Duration {
    let bound = bound(policy, attempt);
    if bound.is_zero() {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(rng.random_range(0.0..=bound.as_secs_f64()))
}

/// The upper bound of the delay after attempt `attempt`:
/// `min(max_backoff, initial_backoff * multiplier^(attempt-1))`.
pub fn bound(policy: &Retry, attempt: u32) -> Duration {
    let exp = policy
        .multiplier
        .powi(attempt.saturating_sub(1).min(1000) as i32);
    let secs = policy.initial_backoff.as_secs_f64() * exp;
    if !secs.is_finite() || secs >= policy.max_backoff.as_secs_f64() {
        policy.max_backoff
    } else {
        Duration::from_secs_f64(secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn policy() -> Retry {
        Retry {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            multiplier: 2.0,
        }
    }

    #[test]
    fn bound_grows_exponentially_up_to_the_cap() {
        let p = policy();
        assert_eq!(bound(&p, 1), Duration::from_millis(100));
        assert_eq!(bound(&p, 2), Duration::from_millis(200));
        assert_eq!(bound(&p, 4), Duration::from_millis(800));
        assert_eq!(bound(&p, 5), Duration::from_secs(1));
        assert_eq!(bound(&p, 500), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_within_the_bound_and_varies() {
        let p = policy();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let draws: Vec<Duration> = (0..200).map(|_| backoff(&p, 3, &mut rng)).collect();
        assert!(draws.iter().all(|d| *d <= Duration::from_millis(400)));
        let distinct: std::collections::BTreeSet<_> = draws.iter().collect();
        assert!(distinct.len() > 100, "full jitter draws should differ");
        assert!(draws.iter().any(|d| *d < Duration::from_millis(100)));
        assert!(draws.iter().any(|d| *d > Duration::from_millis(300)));
    }
}
