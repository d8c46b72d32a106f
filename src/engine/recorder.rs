//! Turns transitions into numbered `ExecutionEvent`s and sends each to the
//! store (in order, group-committed) and to live watchers.
//!
//! All of one execution's work runs on one tokio task, so taking a sequence
//! number and appending happen with no await between them: the store sees
//! events in sequence order.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::broadcast;

use crate::proto::{self, ExecutionEvent, execution_event::Kind};
use crate::spec::Plan;
use crate::store::{Store, Write};
use crate::telemetry::Metrics;

/// Events buffered per watcher; a watcher further behind reads history
/// from the store instead of slowing the engine. Every execution allocates
/// this many slots at its start (about 40 bytes each), so it stays small:
/// 10,000 runs starting on one second must not take 400 MB.
pub const WATCH_BUFFER: usize = 128;

/// Numbers and publishes one execution's events.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    execution_id: String,
    last_seq: AtomicU64,
    store: Arc<dyn Store>,
    watchers: broadcast::Sender<Arc<ExecutionEvent>>,
    metrics: Option<(Arc<Metrics>, Arc<Plan>)>,
}

impl Recorder {
    /// A recorder whose next event gets `last_seq + 1`.
    pub fn new(
        execution_id: String,
        last_seq: u64,
        store: Arc<dyn Store>,
        watchers: broadcast::Sender<Arc<ExecutionEvent>>,
        metrics: Option<(Arc<Metrics>, Arc<Plan>)>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                execution_id,
                last_seq: AtomicU64::new(last_seq),
                store,
                watchers,
                metrics,
            }),
        }
    }

    /// Records one transition.
    pub fn emit(&self, kind: Kind) {
        let seq = self.inner.last_seq.fetch_add(1, Ordering::Relaxed) + 1;
        let ev = Arc::new(ExecutionEvent {
            execution_id: self.inner.execution_id.clone(),
            seq,
            time: Some(proto::now()),
            kind: Some(kind),
        });
        self.inner.store.append(Write::Event(ev.clone()));
        if let Some((metrics, plan)) = &self.inner.metrics {
            metrics.observe(plan, &ev);
        }
        // No watcher is not an error.
        let _ = self.inner.watchers.send(ev);
    }
}
