//! The event ids one trigger started runs for, remembered so that an
//! event delivered again starts nothing twice. On a store shared by
//! replicas the store's unique delivery rows are what decide; this memory
//! answers a repeat to the same replica at once, and is all a store one
//! process holds has (bounded: the oldest ids are forgotten first).

use std::collections::{HashMap, VecDeque};

/// Event ids remembered per trigger at most.
const REMEMBERED: usize = 10_000;

/// Event id → the run it started, oldest first out.
#[derive(Debug, Default)]
pub struct Deliveries {
    runs: HashMap<String, String>,
    order: VecDeque<String>,
}

impl Deliveries {
    /// The run `key` started, if it is remembered.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.runs.get(key).map(String::as_str)
    }

    /// Remembers that `key` started `run` (replacing what was remembered).
    pub fn remember(&mut self, key: &str, run: &str) {
        if self.runs.insert(key.to_owned(), run.to_owned()).is_none() {
            self.order.push_back(key.to_owned());
            if self.order.len() > REMEMBERED
                && let Some(old) = self.order.pop_front()
            {
                self.runs.remove(&old);
            }
        }
    }

    /// Forgets `key` (its run could not be started).
    pub fn forget(&mut self, key: &str) {
        if self.runs.remove(key).is_some() {
            self.order.retain(|k| k != key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_first_run_of_a_key_and_forgets_the_oldest_beyond_the_bound() {
        let mut d = Deliveries::default();
        d.remember("a", "run-1");
        assert_eq!(d.get("a"), Some("run-1"));
        d.forget("a");
        assert_eq!(d.get("a"), None);
        for i in 0..=REMEMBERED {
            d.remember(&format!("k{i}"), "r");
        }
        assert_eq!(d.get("k0"), None);
        assert_eq!(d.get(&format!("k{REMEMBERED}")), Some("r"));
        assert_eq!(d.runs.len(), REMEMBERED);
    }
}
