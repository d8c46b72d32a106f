//! The runs in flight of one schedule or trigger, bounded by its
//! `max_concurrent` under its policy: skip the new one, queue it (at most
//! `MAX_BACKLOG`), or replace the oldest run. A request let through holds
//! its slot from that moment: its run is prepared and started outside the
//! lock, and the requests decided meanwhile (a catch-up batch, concurrent
//! events) must see that slot taken.

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

/// Runs in flight, runs being started, and requests waiting.
pub struct Slots<T> {
    in_flight: VecDeque<(String, Canceller)>,
    /// Requests let through whose run is not started yet: each is
    /// `settle`d once it is (or fails to be).
    starting: usize,
    queued: VecDeque<T>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self {
            in_flight: VecDeque::new(),
            starting: 0,
            queued: VecDeque::new(),
        }
    }
}

impl<T> Slots<T> {
    /// Decides about a new request under a bound (`max` 0: none). A
    /// request to start (or replace) holds a slot until it is `settle`d.
    pub fn decide(&mut self, request: T, max: u32, policy: ConcurrencyPolicy) -> Decision<T> {
        let max = max as usize;
        if max == 0 || self.in_flight.len() + self.starting < max {
            self.starting += 1;
            return Decision::Start(request);
        }
        match policy {
            ConcurrencyPolicy::Replace => match self.in_flight.pop_front() {
                Some((_, oldest)) => {
                    self.starting += 1;
                    Decision::Replace(oldest, request)
                }
                // Only a run not started yet could make room, and it
                // cannot be cancelled before it starts.
                None => Decision::Skip(format!(
                    "the {max} runs max_concurrent allows are still starting"
                )),
            },
            ConcurrencyPolicy::Queue if self.queued.len() < MAX_BACKLOG => {
                self.queued.push_back(request);
                Decision::Queued
            }
            ConcurrencyPolicy::Queue => Decision::Skip(format!("{MAX_BACKLOG} are already queued")),
            _ => Decision::Skip(format!("{max} runs already in flight (max_concurrent)")),
        }
    }

    /// Settles a request `decide` let through: `run` is its run, held in
    /// flight until `ended`, or None when it did not start or its
    /// schedule or trigger does not wait for its runs to end.
    pub fn settle(&mut self, run: Option<(String, Canceller)>) {
        self.starting = self.starting.saturating_sub(1);
        self.in_flight.extend(run);
    }

    /// Notes a run that ended; returns a queued request to start now (it
    /// holds a slot until it is `settle`d).
    pub fn ended(&mut self, execution: &str, max: u32) -> Option<T> {
        self.in_flight.retain(|(x, _)| x != execution);
        self.next_queued(max)
    }

    /// The oldest queued request, when a slot is free for it (it holds the
    /// slot until it is `settle`d).
    pub fn next_queued(&mut self, max: u32) -> Option<T> {
        if max != 0 && self.in_flight.len() + self.starting >= max as usize {
            return None;
        }
        let next = self.queued.pop_front();
        self.starting += usize::from(next.is_some());
        next
    }

    /// Counts a run started before this process (resumed after a
    /// restart) as in flight.
    pub fn adopt(&mut self, execution: String, canceller: Canceller) {
        self.in_flight.push_back((execution, canceller));
    }

    /// Puts back requests that were queued before a restart, oldest first.
    pub fn requeue(&mut self, requests: impl IntoIterator<Item = T>) {
        self.queued.extend(requests);
    }

    /// Keeps only the queued requests `keep` accepts.
    pub fn retain_queued(&mut self, keep: impl FnMut(&T) -> bool) {
        self.queued.retain(keep);
    }

    /// The requests waiting, oldest first.
    pub fn queued(&self) -> impl Iterator<Item = &T> {
        self.queued.iter()
    }
}
