//! Starts that must happen once however many replicas try them: a
//! schedule's tick (every replica arms every schedule) and a trigger's
//! delivery of an event with an id (a message delivered twice, or to two
//! replicas). A claim carries the run it would start; the store decides,
//! in one step with creating that run, whether it starts, and under the
//! schedule's concurrency bound, counted over every replica's runs.

use crate::proto::ConcurrencyPolicy;

use super::Write;

/// What started a run, as executions' `started_by` names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Starter {
    /// A schedule, by id.
    Schedule(String),
    /// An event trigger, by id.
    Trigger(String),
}

impl Starter {
    /// The schedule's id, when it is one.
    pub fn schedule(&self) -> Option<&str> {
        match self {
            Starter::Schedule(id) => Some(id),
            Starter::Trigger(_) => None,
        }
    }

    /// The `started_by` of its runs.
    pub fn started_by(&self) -> String {
        match self {
            Starter::Schedule(id) => format!("schedule:{id}"),
            Starter::Trigger(id) => format!("trigger:{id}"),
        }
    }
}

/// What a start happens once per.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Once {
    /// A schedule's tick, Unix milliseconds.
    Tick(i64),
    /// A tick that was queued (by the `queue` policy), started now.
    Queued(i64),
    /// A trigger's delivery of an event, by the event's key.
    Delivery(String),
}

/// A run a claim starts when it wins.
#[derive(Debug, Clone)]
pub struct Run {
    /// The execution's id.
    pub execution_id: String,
    /// Its first writes (header, first event, audit), stored with the claim.
    pub writes: Vec<Write>,
}

/// One start to make once.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Whose start it is.
    pub starter: Starter,
    /// When the starter's definition last changed, as this replica knows
    /// it (Unix ms): a claim made on an older definition is refused.
    pub revision_ms: i64,
    /// What it is once per.
    pub once: Once,
    /// The runs of the starter allowed in flight at once (0: no bound).
    pub max_concurrent: u32,
    /// What a start at that bound does.
    pub policy: ConcurrencyPolicy,
    /// The run to start, or None to record the tick only, as `note`.
    pub run: Option<Run>,
    /// The outcome and detail recorded when there is no run (`missed`,
    /// `failed`).
    pub note: (&'static str, String),
}

/// What became of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// Its run starts; `replaced` names the oldest run asked to cancel to
    /// make room for it (the `replace` policy).
    Started {
        /// The run asked to cancel.
        replaced: Option<String>,
    },
    /// Its note was recorded.
    Noted,
    /// It waits for a run of the starter to end (the `queue` policy).
    Queued,
    /// It was dropped at the bound, for this reason.
    Skipped(String),
    /// Made already (by another replica, or an earlier delivery): what
    /// that one did.
    Taken {
        /// `started`, `queued`, ... ; empty when it is not known.
        outcome: String,
        /// The run it started, if any.
        execution_id: String,
    },
    /// Another replica holds the starter's row now: ask again shortly.
    Busy,
    /// The starter is gone, or changed since this replica last read it.
    Stale,
}
