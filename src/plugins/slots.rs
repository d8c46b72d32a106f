//! A pool of task slots that counts the attempts waiting for one, so that a
//! queue building up behind it shows (in the metrics and the active table).
//! The engine keeps two: the machine's CPU slots (`WORKERS`) and the
//! in-flight bound of waiting work (`MAX_INFLIGHT_TASKS`); the model plugin
//! bounds its batched inferences with one of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::proto::TaskPool;

/// One pool of slots.
#[derive(Debug)]
pub struct Slots {
    slots: Arc<Semaphore>,
    size: usize,
    queued: AtomicU64,
}

impl Slots {
    /// A pool of `size` slots (at least one).
    pub fn new(size: usize) -> Self {
        let size = size.max(1);
        Self {
            slots: Arc::new(Semaphore::new(size)),
            size,
            queued: AtomicU64::new(0),
        }
    }

    /// A slot, held until the permit is dropped; the caller counts as
    /// queued while it waits, however the wait ends.
    pub async fn acquire(&self) -> OwnedSemaphorePermit {
        // The common case, a free slot, touches no shared counter.
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return permit;
        }
        struct Queued<'a>(&'a AtomicU64);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        let _queued = Queued(&self.queued);
        self.slots
            .clone()
            .acquire_owned()
            .await
            .expect("task slots are never closed")
    }

    /// Its bound, what is held and what waits, now, under `name`.
    pub fn figures(&self, name: &str) -> TaskPool {
        TaskPool {
            name: name.to_owned(),
            size: self.size as u64,
            busy: self.size.saturating_sub(self.slots.available_permits()) as u64,
            queued: self.queued.load(Ordering::Relaxed),
        }
    }
}
