//! The runs in flight of one schedule or trigger, bounded by its
//! `max_concurrent` under its policy: skip the new one, queue it (at most
//! `MAX_BACKLOG`), or replace the oldest run.

use std::collections::VecDeque;

use super::spec::MAX_BACKLOG;
use crate::engine::Canceller;
use crate::proto::ConcurrencyPolicy;

/// What to do with a new start request `T` (a tick or an event).
pub enum Decision<T> {
    /// Start it.
    Start(T),
    /// Cancel this run (the oldest), then start it.
    Replace(Canceller, T),
    /// It waits for a run to end.
    Queued,
    /// Drop it, for this reason.
    Skip(String),
}

/// Runs in flight and requests waiting.
pub struct Slots<T> {
    in_flight: VecDeque<(String, Canceller)>,
    queued: VecDeque<T>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self {
            in_flight: VecDeque::new(),
            queued: VecDeque::new(),
        }
    }
}

impl<T> Slots<T> {
    /// Decides about a new request under a bound (`max` 0: none).
    pub fn decide(&mut self, request: T, max: u32, policy: ConcurrencyPolicy) -> Decision<T> {
        let max = max as usize;
        if max == 0 || self.in_flight.len() < max {
            return Decision::Start(request);
        }
        match policy {
            ConcurrencyPolicy::Replace => match self.in_flight.pop_front() {
                Some((_, oldest)) => Decision::Replace(oldest, request),
                None => Decision::Start(request),
            },
            ConcurrencyPolicy::Queue if self.queued.len() < MAX_BACKLOG => {
                self.queued.push_back(request);
                Decision::Queued
            }
            ConcurrencyPolicy::Queue => Decision::Skip(format!("{MAX_BACKLOG} are already queued")),
            _ => Decision::Skip(format!("{max} runs already in flight (max_concurrent)")),
        }
    }

    /// Notes a run that started.
    pub fn started(&mut self, execution: String, canceller: Canceller) {
        self.in_flight.push_back((execution, canceller));
    }

    /// Notes a run that ended; returns a queued request to start now.
    pub fn ended(&mut self, execution: &str, max: u32) -> Option<T> {
        self.in_flight.retain(|(x, _)| x != execution);
        if max == 0 || self.in_flight.len() < max as usize {
            self.queued.pop_front()
        } else {
            None
        }
    }
}
