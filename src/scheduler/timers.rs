//! The scheduler's timers: one heap of (fire time, generation, schedule)
//! for every schedule. A change to a schedule bumps its generation, so a
//! timer armed before the change is dropped when it comes due.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Timer {
    at: DateTime<Utc>,
    generation: u64,
    id: String,
}

/// Timers, earliest first.
#[derive(Debug, Default)]
pub struct TimerHeap {
    heap: BinaryHeap<Reverse<Timer>>,
}

impl TimerHeap {
    /// Arms a timer for schedule `id` at `at`.
    pub fn push(&mut self, id: &str, at: DateTime<Utc>, generation: u64) {
        self.heap.push(Reverse(Timer {
            at,
            generation,
            id: id.to_owned(),
        }));
    }

    /// Pops the timers due at `now`; keeps those `current` accepts, as
    /// (schedule, fire time, generation).
    pub fn pop_due(
        &mut self,
        now: DateTime<Utc>,
        current: impl Fn(&str, u64) -> bool,
    ) -> Vec<(String, DateTime<Utc>, u64)> {
        let mut due = Vec::new();
        while self.heap.peek().is_some_and(|Reverse(t)| t.at <= now) {
            let Reverse(t) = self.heap.pop().expect("peeked");
            if current(&t.id, t.generation) {
                due.push((t.id, t.at, t.generation));
            }
        }
        due
    }

    /// When the earliest timer is due.
    pub fn next_at(&self) -> Option<DateTime<Utc>> {
        self.heap.peek().map(|Reverse(t)| t.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_timers_come_out_in_time_order_and_stale_ones_are_dropped() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let mut h = TimerHeap::default();
        h.push("b", t(20), 1);
        h.push("a", t(10), 1);
        h.push("stale", t(15), 1);
        h.push("later", t(99), 1);
        let due = h.pop_due(t(30), |id, _| id != "stale");
        assert_eq!(
            due,
            [("a".to_owned(), t(10), 1), ("b".to_owned(), t(20), 1)]
        );
        assert_eq!(h.next_at(), Some(t(99)));
    }
}
