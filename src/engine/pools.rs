//! The two pools of task slots: one sized to the machine for work that
//! burns its CPU (`WORKERS`), one much larger for work that waits on a
//! service (`MAX_INFLIGHT_TASKS`). Each counts the attempts queued for a
//! slot, so that a queue building up behind either shows in the metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::plugins::Load;
use crate::proto::TaskPool;

/// One pool of slots.
pub(crate) struct Pool {
    slots: Arc<Semaphore>,
    size: usize,
    queued: AtomicU64,
}

impl Pool {
    /// A pool of `size` slots (at least one).
    pub fn new(size: usize) -> Self {
        let size = size.max(1);
        Self {
            slots: Arc::new(Semaphore::new(size)),
            size,
            queued: AtomicU64::new(0),
        }
    }

    /// A slot, held until the permit is dropped; the attempt counts as
    /// queued while it waits, however the wait ends.
    pub async fn acquire(&self) -> OwnedSemaphorePermit {
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
            .expect("the task pools are never closed")
    }

    /// Its bound, what is held and what waits, now.
    fn figures(&self, name: &str) -> TaskPool {
        TaskPool {
            name: name.to_owned(),
            size: self.size as u64,
            busy: self.size.saturating_sub(self.slots.available_permits()) as u64,
            queued: self.queued.load(Ordering::Relaxed),
        }
    }
}

/// Both pools.
pub(crate) struct Pools {
    /// `WORKERS`: python, shell, model.
    pub cpu: Pool,
    /// `MAX_INFLIGHT_TASKS`: http, grpc, sql, kafka, sleep, echo.
    pub wait: Pool,
}

impl Pools {
    /// The pool a plugin of this load takes its slots from.
    pub fn of(&self, load: Load) -> &Pool {
        match load {
            Load::Cpu => &self.cpu,
            Load::Wait => &self.wait,
        }
    }

    /// Each pool's figures, for the metrics and the active table.
    pub fn figures(&self) -> [TaskPool; 2] {
        [self.cpu.figures("cpu"), self.wait.figures("wait")]
    }
}
