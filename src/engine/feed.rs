//! The server-wide feed of execution state changes, for dashboards: every
//! execution's started, task and ended events, numbered in one sequence
//! and kept in a bounded ring so that a watcher who reconnects with the
//! last cursor it saw gets every change after it, none twice.
//!
//! The engine pushes from each execution's own task, so one execution's
//! changes enter the ring in the order they happened. Pushing never waits
//! for a watcher: a watcher that falls further behind than the ring holds
//! is told so (`FeedError::Expired`) and must catch up from the store.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::proto::{
    ChangeKind, ExecutionChange, ExecutionEvent, ExecutionState, TaskState, execution_event::Kind,
};

/// Why a cursor cannot be followed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeedError {
    /// The cursor is not one this feed hands out.
    #[error("after: '{0}' is not a feed cursor")]
    Malformed(String),
    /// The changes after the cursor are no longer all held: it is older
    /// than the ring, or from before the server restarted.
    #[error(
        "after: cursor '{0}' is older than the feed holds (the last {1} changes since this server started); list executions to catch up, then watch from now"
    )]
    Expired(String, usize),
}

/// A change and its number in the feed.
pub type Numbered = (u64, Arc<ExecutionChange>);

/// The feed: a ring of the latest changes and a signal for new ones.
pub struct Feed {
    ring: Mutex<Ring>,
    /// The number of the latest change (0: none yet).
    latest: watch::Sender<u64>,
    /// Tells this process's cursors from an earlier one's.
    epoch: u64,
    capacity: usize,
    /// Cursors below this number are expired although the ring may hold
    /// them: the feed did not get every change after them.
    floor: AtomicU64,
    /// Cancelled when the server shuts down: every follower and watcher
    /// ends, so their connections do not hold the shutdown open.
    closing: tokio_util::sync::CancellationToken,
}

struct Ring {
    changes: VecDeque<Numbered>,
    last: u64,
}

impl Feed {
    /// A feed that holds the latest `capacity` changes.
    pub fn new(capacity: usize) -> Self {
        Self {
            ring: Mutex::new(Ring {
                changes: VecDeque::with_capacity(capacity.min(4096)),
                last: 0,
            }),
            latest: watch::channel(0).0,
            epoch: rand::random::<u32>() as u64 | 1,
            capacity: capacity.max(1),
            floor: AtomicU64::new(0),
            closing: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// Ends every stream of changes and events served from this process.
    pub fn close(&self) {
        self.closing.cancel();
    }

    /// Completes once [`Feed::close`] has been called.
    pub fn closed(&self) -> tokio_util::sync::WaitForCancellationFutureOwned {
        self.closing.clone().cancelled_owned()
    }

    /// Whether anyone follows the feed now.
    pub fn watched(&self) -> bool {
        self.latest.receiver_count() > 0
    }

    /// Expires every cursor before change `n`: changes were left out
    /// after them (another replica's, relayed only while someone
    /// watches), so a client that comes back with one must catch up from
    /// the store.
    pub fn left_out_before(&self, n: u64) {
        self.floor.fetch_max(n, Ordering::Relaxed);
    }

    /// Numbers a change and hands it to the watchers.
    pub fn push(&self, change: ExecutionChange) {
        let n = {
            let mut ring = self.ring.lock().expect("feed lock");
            ring.last += 1;
            let n = ring.last;
            if ring.changes.len() == self.capacity {
                ring.changes.pop_front();
            }
            ring.changes.push_back((n, Arc::new(change)));
            n
        };
        self.latest.send_replace(n);
    }

    /// The number of the latest change: watching "from now" starts after it.
    pub fn last(&self) -> u64 {
        *self.latest.borrow()
    }

    /// A receiver that wakes when changes arrive.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// The cursor a client sees for change `n`.
    pub fn cursor(&self, n: u64) -> String {
        format!("{:x}-{n}", self.epoch)
    }

    /// The number a client's cursor stands for; a cursor of an earlier
    /// process, or one the ring no longer reaches back to, is expired.
    pub fn resolve(&self, cursor: &str) -> Result<u64, FeedError> {
        let malformed = || FeedError::Malformed(cursor.to_owned());
        let (epoch, n) = cursor.trim().split_once('-').ok_or_else(malformed)?;
        let epoch = u64::from_str_radix(epoch, 16).map_err(|_| malformed())?;
        let n: u64 = n.parse().map_err(|_| malformed())?;
        let expired = || FeedError::Expired(cursor.to_owned(), self.capacity);
        if epoch != self.epoch || n > self.last() || n < self.floor.load(Ordering::Relaxed) {
            return Err(expired());
        }
        // Asking for nothing after it still says whether it is held.
        self.after(n, 0).map_err(|_| expired())?;
        Ok(n)
    }

    /// Up to `max` changes after number `n`, oldest first; `Expired` when
    /// some of them have left the ring.
    pub fn after(&self, n: u64, max: usize) -> Result<Vec<Numbered>, FeedError> {
        let ring = self.ring.lock().expect("feed lock");
        let Some(&(first, _)) = ring.changes.front() else {
            return Ok(Vec::new());
        };
        if n + 1 < first || n < self.floor.load(Ordering::Relaxed) {
            return Err(FeedError::Expired(self.cursor(n), self.capacity));
        }
        let skip = (n + 1 - first) as usize;
        Ok(ring.changes.iter().skip(skip).take(max).cloned().collect())
    }
}

/// One execution's way into the feed: what every change of it carries.
#[derive(Clone)]
pub struct FeedTap {
    feed: Arc<Feed>,
    workflow: String,
    version: u32,
    /// The approval tasks waiting for a decision: while any does, every
    /// change says the execution is waiting, as its stored header does.
    waiting: Arc<Mutex<Vec<String>>>,
    /// An approval was ever requested (until then nothing can wait).
    asked: Arc<std::sync::atomic::AtomicBool>,
}

impl FeedTap {
    /// The tap of an execution of `workflow` at `version`.
    pub fn new(feed: Arc<Feed>, workflow: String, version: u32) -> Self {
        Self {
            feed,
            workflow,
            version,
            waiting: Default::default(),
            asked: Default::default(),
        }
    }

    /// The execution's state after `kind`, while it has not ended.
    fn state_after(&self, kind: &Kind) -> ExecutionState {
        // Most runs never wait for a person: no lock on their events.
        if !self.asked.load(Ordering::Relaxed) {
            if !matches!(kind, Kind::ApprovalRequested(_)) {
                return ExecutionState::Running;
            }
            self.asked.store(true, Ordering::Relaxed);
        }
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        match kind {
            Kind::ApprovalRequested(a) if !waiting.contains(&a.task_id) => {
                waiting.push(a.task_id.clone())
            }
            Kind::TaskEnded(t) => {
                let id = t.result.as_ref().map_or("", |r| r.task_id.as_str());
                waiting.retain(|w| w != id);
            }
            _ => {}
        }
        match waiting.is_empty() {
            true => ExecutionState::Running,
            false => ExecutionState::Waiting,
        }
    }

    /// Pushes the state change an event makes.
    pub fn event(&self, ev: &ExecutionEvent) {
        let Some(kind) = &ev.kind else { return };
        let mut change = ExecutionChange {
            execution_id: ev.execution_id.clone(),
            workflow: self.workflow.clone(),
            version: self.version,
            seq: ev.seq,
            time: ev.time,
            state: self.state_after(kind) as i32,
            ..Default::default()
        };
        match kind {
            Kind::ExecutionStarted(_) => change.kind = ChangeKind::ExecutionStarted as i32,
            Kind::ExecutionResumed(_) => change.kind = ChangeKind::ExecutionResumed as i32,
            Kind::TaskStarted(t) => {
                change.kind = ChangeKind::TaskStarted as i32;
                change.task_id = t.task_id.clone();
                change.task_state = TaskState::Running as i32;
                change.attempt = t.attempt;
            }
            Kind::TaskAttemptFailed(t) => {
                change.kind = ChangeKind::TaskRetrying as i32;
                change.task_id = t.task_id.clone();
                change.task_state = TaskState::Pending as i32;
                change.attempt = t.attempt;
                change.error = t.error.clone();
            }
            Kind::TaskEnded(t) => {
                let Some(r) = &t.result else { return };
                change.kind = ChangeKind::TaskEnded as i32;
                change.task_id = r.task_id.clone();
                change.task_state = r.status;
                change.attempt = r.attempts;
                change.error = r.error.clone();
            }
            Kind::ApprovalRequested(a) => {
                change.kind = ChangeKind::ApprovalRequested as i32;
                change.task_id = a.task_id.clone();
                change.task_state = TaskState::Waiting as i32;
                change.attempt = 1;
            }
            Kind::ExecutionEnded(e) => {
                change.kind = ChangeKind::ExecutionEnded as i32;
                change.state = e.status;
                change.error = e.error.clone();
            }
        }
        self.feed.push(change);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str) -> ExecutionChange {
        ExecutionChange {
            execution_id: id.into(),
            ..Default::default()
        }
    }

    #[test]
    fn while_an_approval_waits_every_change_says_the_execution_waits() {
        use crate::proto::{ApprovalRequested, TaskEnded, TaskResult, TaskStarted};
        let feed = Arc::new(Feed::new(16));
        let tap = FeedTap::new(feed.clone(), "w".into(), 1);
        let send = |kind: Kind| {
            tap.event(&ExecutionEvent {
                execution_id: "e".into(),
                kind: Some(kind),
                ..Default::default()
            })
        };
        let ended = |task: &str| {
            Kind::TaskEnded(TaskEnded {
                result: Some(TaskResult {
                    task_id: task.into(),
                    ..Default::default()
                }),
            })
        };
        let asked = |task: &str| {
            Kind::ApprovalRequested(ApprovalRequested {
                task_id: task.into(),
                ..Default::default()
            })
        };
        send(asked("gate"));
        send(Kind::TaskStarted(TaskStarted {
            task_id: "other".into(),
            attempt: 1,
        }));
        send(ended("other"));
        send(asked("second"));
        send(ended("gate"));
        send(ended("second"));
        let states: Vec<i32> = feed
            .after(0, 16)
            .unwrap()
            .iter()
            .map(|(_, c)| c.state)
            .collect();
        let (w, r) = (
            ExecutionState::Waiting as i32,
            ExecutionState::Running as i32,
        );
        assert_eq!(states, [w, w, w, w, w, r]);
    }

    #[test]
    fn changes_after_a_cursor_come_in_order_until_the_ring_forgets_them() {
        let feed = Feed::new(3);
        assert!(feed.after(0, 10).unwrap().is_empty());
        for id in ["a", "b", "c", "d"] {
            feed.push(change(id));
        }
        // "a" (1) has left the ring: after 0 is a gap; after 1 is not.
        assert!(matches!(feed.after(0, 10), Err(FeedError::Expired(..))));
        let ids = |v: Vec<Numbered>| -> Vec<String> {
            v.into_iter().map(|(_, c)| c.execution_id.clone()).collect()
        };
        assert_eq!(ids(feed.after(1, 10).unwrap()), ["b", "c", "d"]);
        assert_eq!(ids(feed.after(2, 1).unwrap()), ["c"]);
        assert!(feed.after(4, 10).unwrap().is_empty());
    }

    #[test]
    fn cursors_resolve_only_within_this_process_and_the_ring() {
        let feed = Feed::new(2);
        for id in ["a", "b", "c"] {
            feed.push(change(id));
        }
        assert_eq!(feed.resolve(&feed.cursor(3)), Ok(3));
        assert_eq!(feed.resolve(&feed.cursor(1)), Ok(1));
        assert!(matches!(
            feed.resolve(&feed.cursor(0)),
            Err(FeedError::Expired(..))
        ));
        // Ahead of the feed, or another process's: expired, not silently live.
        assert!(matches!(
            feed.resolve(&feed.cursor(9)),
            Err(FeedError::Expired(..))
        ));
        let other = Feed::new(2);
        assert!(matches!(
            other.resolve(&feed.cursor(1)),
            Err(FeedError::Expired(..))
        ));
        // Changes left out after a cursor expire it, and not the latest.
        feed.left_out_before(feed.last());
        assert!(matches!(
            feed.resolve(&feed.cursor(2)),
            Err(FeedError::Expired(..))
        ));
        assert_eq!(feed.resolve(&feed.cursor(3)), Ok(3));
        for bad in ["", "x", "zz-1", "1-", "-1"] {
            assert!(
                matches!(feed.resolve(bad), Err(FeedError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
