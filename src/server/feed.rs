//! Following the server-wide feed of execution changes: the one stream
//! behind `WatchExecutions` (gRPC) and `GET /v1/executions/stream` (SSE),
//! filtered by workflow and state, from a cursor or from now.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use futures::Stream;
use tokio::sync::watch;

use super::error::ApiError;
use crate::engine::feed::{Feed, FeedError, Numbered};
use crate::proto::ExecutionChange;

/// Changes read from the ring at a time, so one watcher holds the feed's
/// lock only briefly however far behind it is.
const BATCH: usize = 512;

/// Which changes a watcher wants.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Only these workflows (all when empty).
    pub workflows: HashSet<String>,
    /// Only changes that leave the execution in these states (all when empty).
    pub states: HashSet<i32>,
}

impl Filter {
    fn admits(&self, c: &ExecutionChange) -> bool {
        (self.workflows.is_empty() || self.workflows.contains(&c.workflow))
            && (self.states.is_empty() || self.states.contains(&c.state))
    }
}

impl From<FeedError> for ApiError {
    fn from(e: FeedError) -> Self {
        match e {
            FeedError::Malformed(_) => ApiError::invalid(e.to_string()),
            FeedError::Expired(..) => ApiError::OutOfRange(e.to_string()),
        }
    }
}

/// The changes after `after` (a cursor; None or empty: from now on) that
/// pass `filter`, with their cursors, until the client goes away. A bad
/// or expired cursor is refused here, before the stream starts; a watcher
/// that later falls behind the ring gets `OutOfRange` as its last item.
pub fn follow(
    feed: Arc<Feed>,
    filter: Filter,
    after: Option<&str>,
) -> Result<impl Stream<Item = Result<ExecutionChange, ApiError>> + Send + 'static, ApiError> {
    // Subscribe before reading the position, so no change falls between.
    let wake = feed.subscribe();
    let closed = feed.closed();
    let next = match after.map(str::trim).filter(|a| !a.is_empty()) {
        Some(cursor) => feed.resolve(cursor)?,
        None => feed.last(),
    };
    let state = Follower {
        feed,
        filter,
        wake,
        next,
        ready: VecDeque::new(),
        failed: false,
    };
    let changes = futures::stream::unfold(state, |mut f| async move {
        let item = f.next_change().await?;
        Some((item, f))
    });
    Ok(futures::StreamExt::take_until(changes, closed))
}

struct Follower {
    feed: Arc<Feed>,
    filter: Filter,
    wake: watch::Receiver<u64>,
    /// The number of the last change read from the ring.
    next: u64,
    ready: VecDeque<Numbered>,
    failed: bool,
}

impl Follower {
    /// The next admitted change; None when the feed or the stream has ended.
    async fn next_change(&mut self) -> Option<Result<ExecutionChange, ApiError>> {
        if self.failed {
            return None;
        }
        loop {
            while let Some((n, change)) = self.ready.pop_front() {
                if self.filter.admits(&change) {
                    let mut change = (*change).clone();
                    change.cursor = self.feed.cursor(n);
                    return Some(Ok(change));
                }
            }
            match self.feed.after(self.next, BATCH) {
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e.into()));
                }
                Ok(batch) if batch.is_empty() => {
                    // Marks what has been seen, then waits for more.
                    self.wake.borrow_and_update();
                    if self.feed.last() > self.next {
                        continue;
                    }
                    self.wake.changed().await.ok()?;
                }
                Ok(batch) => {
                    self.next = batch.last().map_or(self.next, |(n, _)| *n);
                    self.ready.extend(batch);
                }
            }
        }
    }
}
