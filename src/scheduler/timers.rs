//! The scheduler's timers: for every fire time, the schedules armed for it
//! with their generation. A change to a schedule bumps its generation, so a
//! timer armed before the change is dropped when it comes due. Schedules
//! firing on the same second share one entry, so taking 10,000 of them due
//! is one move, not 10,000 heap pops.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// Timers by fire time.
#[derive(Debug, Default)]
pub struct Timers {
    by_time: BTreeMap<DateTime<Utc>, Vec<(Arc<str>, u64)>>,
}

impl Timers {
    /// Arms a timer for schedule `id` at `at`.
    pub fn push(&mut self, id: Arc<str>, at: DateTime<Utc>, generation: u64) {
        self.by_time.entry(at).or_default().push((id, generation));
    }

    /// Takes the timers due at `now`, earliest first, as (schedule, fire
    /// time, generation); whether each is still current is the caller's
    /// to check.
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Vec<(Arc<str>, DateTime<Utc>, u64)> {
        let mut due = Vec::new();
        while let Some(entry) = self.by_time.first_entry() {
            if *entry.key() > now {
                break;
            }
            let (at, armed) = entry.remove_entry();
            due.reserve(armed.len());
            due.extend(armed.into_iter().map(|(id, g)| (id, at, g)));
        }
        due
    }

    /// When the earliest timer is due.
    pub fn next_at(&self) -> Option<DateTime<Utc>> {
        self.by_time.keys().next().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_timers_come_out_in_time_order_and_later_ones_stay() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let mut timers = Timers::default();
        timers.push("b".into(), t(20), 1);
        timers.push("a".into(), t(10), 1);
        timers.push("c".into(), t(20), 2);
        timers.push("later".into(), t(99), 1);
        assert_eq!(timers.next_at(), Some(t(10)));
        let due = timers.pop_due(t(30));
        assert_eq!(
            due,
            [
                (Arc::from("a"), t(10), 1),
                (Arc::from("b"), t(20), 1),
                (Arc::from("c"), t(20), 2)
            ]
        );
        assert_eq!(timers.next_at(), Some(t(99)));
        assert!(timers.pop_due(t(98)).is_empty());
        assert_eq!(timers.pop_due(t(99)).len(), 1);
        assert_eq!(timers.next_at(), None);
    }
}
