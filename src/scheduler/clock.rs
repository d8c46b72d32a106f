//! Where the scheduler reads the time. The server uses the wall clock;
//! tests use one that follows tokio's (pausable) clock, so an hour of
//! ticks runs in milliseconds and to the exact second.

use chrono::{DateTime, TimeDelta, Utc};

/// The current time.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A wall time that advances with `tokio::time`: paused in tests, it
/// moves only when the runtime auto-advances or a test advances it.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start: DateTime<Utc>,
    at: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that reads `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            start,
            at: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now() - self.at;
        self.start + TimeDelta::from_std(elapsed).unwrap_or(TimeDelta::MAX)
    }
}
