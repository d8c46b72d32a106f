//! Turns transitions into numbered `ExecutionEvent`s and sends each to the
//! store (in order, group-committed) and to live watchers.
//!
//! All of one execution's work runs on one tokio task, so taking a sequence
//! number and appending happen with no await between them: the store sees
//! events in sequence order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::broadcast;

use super::feed::FeedTap;
use crate::proto::{self, ExecutionEvent, execution_event::Kind};
use crate::spec::Plan;
use crate::store::{Store, Write};
use crate::telemetry::Metrics;

/// Events buffered per watcher; a watcher further behind reads history
/// from the store instead of slowing the engine. A watched execution
/// allocates this many slots (about 40 bytes each), so it stays small.
pub const WATCH_BUFFER: usize = 128;

/// The live watchers of one execution. The channel is made by the first
/// subscription: most runs (scheduled, triggered) are never watched live,
/// and making a channel costs more than the rest of starting a run.
#[derive(Clone, Default)]
pub struct Watchers(Arc<OnceLock<broadcast::Sender<Arc<ExecutionEvent>>>>);

impl Watchers {
    /// Watchers with the channel made now, and its first receiver (which
    /// sees every event from here on).
    pub fn eager() -> Watch {
        let (tx, rx) = broadcast::channel(WATCH_BUFFER);
        (Self(Arc::new(OnceLock::from(tx))), Some(rx))
    }

    /// Watchers whose channel waits for the first subscription.
    pub fn lazy() -> Watch {
        (Self::default(), None)
    }

    /// A receiver of the events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ExecutionEvent>> {
        self.0
            .get_or_init(|| broadcast::channel(WATCH_BUFFER).0)
            .subscribe()
    }

    fn send(&self, ev: Arc<ExecutionEvent>) {
        if let Some(tx) = self.0.get() {
            // No watcher is not an error.
            let _ = tx.send(ev);
        }
    }
}

/// An execution's watchers, and the receiver its handle hands out first.
pub type Watch = (Watchers, Option<broadcast::Receiver<Arc<ExecutionEvent>>>);

/// Numbers and publishes one execution's events.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    execution_id: String,
    last_seq: AtomicU64,
    store: Arc<dyn Store>,
    watchers: Watchers,
    metrics: Option<(Arc<Metrics>, Arc<Plan>)>,
    feed: Option<FeedTap>,
}

impl Recorder {
    /// A recorder whose next event gets `last_seq + 1`.
    pub fn new(
        execution_id: String,
        last_seq: u64,
        store: Arc<dyn Store>,
        watchers: Watchers,
        metrics: Option<(Arc<Metrics>, Arc<Plan>)>,
        feed: Option<FeedTap>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                execution_id,
                last_seq: AtomicU64::new(last_seq),
                store,
                watchers,
                metrics,
                feed,
            }),
        }
    }

    /// Records one transition.
    pub fn emit(&self, kind: Kind) {
        let ev = self.number(kind);
        self.inner.store.append(Write::Event(ev.clone()));
        self.publish(ev);
    }

    /// Numbers one transition but leaves storing it to the caller, who
    /// must append it before any later event of the execution, and
    /// telling of it to `announce`: a prepared execution may never run
    /// (another replica won its tick), and must leave no trace then.
    pub fn number_unstored(&self, kind: Kind) -> Arc<ExecutionEvent> {
        self.number(kind)
    }

    /// Tells watchers, metrics and the feed of an event numbered by
    /// `number_unstored`.
    pub fn announce(&self, ev: Arc<ExecutionEvent>) {
        self.publish(ev);
    }

    /// Records the execution's last transition and stores it with the
    /// final record, durably, before anyone hears of it: a watcher told
    /// that the execution ended finds it ended when it reads it back.
    pub async fn end(&self, kind: Kind, record: Write) -> Result<(), crate::store::StoreError> {
        let ev = self.number(kind);
        let store = &self.inner.store;
        store.append(Write::Event(ev.clone()));
        store.append(record);
        let mut flushed = store.flush().await;
        // An end fenced off because another replica runs the execution
        // now did not happen.
        if flushed.is_ok()
            && store
                .ownership()
                .is_some_and(|o| o.has_lost(&self.inner.execution_id))
        {
            flushed = Err(crate::store::StoreError::OwnershipLost(
                self.inner.execution_id.clone(),
            ));
        }
        // Watchers hear of the end even when the flush failed: they must
        // not wait for an execution that is over here.
        self.publish(ev);
        flushed
    }

    fn number(&self, kind: Kind) -> Arc<ExecutionEvent> {
        let seq = self.inner.last_seq.fetch_add(1, Ordering::Relaxed) + 1;
        Arc::new(ExecutionEvent {
            execution_id: self.inner.execution_id.clone(),
            seq,
            time: Some(proto::now()),
            kind: Some(kind),
        })
    }

    /// Counts an event and sends it to the live watchers and the feed.
    fn publish(&self, ev: Arc<ExecutionEvent>) {
        if let Some((metrics, plan)) = &self.inner.metrics {
            metrics.observe(plan, &ev);
        }
        if let Some(feed) = &self.inner.feed {
            feed.event(&ev);
        }
        self.inner.watchers.send(ev);
    }
}
