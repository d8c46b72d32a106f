//! Handles on executions: `Prepared` (started, its records, its listing
//! in the active table and its work held back until launched),
//! `ExecutionHandle` (its work spawned), and `Canceller`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::EngineError;
use super::executor::Live;
use crate::proto::{Execution, ExecutionEvent};
use crate::store::{Store, Write};

/// The executions running now, by id: the engine's active table.
pub(super) type Active = Mutex<foldhash::HashMap<String, Arc<Live>>>;

/// The active table, locked (usable after a panic elsewhere held it).
pub(super) fn lock_active(active: &Active) -> MutexGuard<'_, foldhash::HashMap<String, Arc<Live>>> {
    active.lock().unwrap_or_else(|e| e.into_inner())
}

/// The execution `id` running here, if it is (the table is not held).
pub(super) fn live(active: &Active, id: &str) -> Option<Arc<Live>> {
    lock_active(active).get(id).cloned()
}

/// How many executions run, and for how long (seconds) the oldest has.
pub(super) fn figures(active: &Active) -> (u64, f64) {
    let table = lock_active(active);
    let oldest = table
        .values()
        .filter_map(|l| l.started_at.as_ref().map(crate::proto::timestamp_ms))
        .min();
    let now = crate::proto::timestamp_ms(&crate::proto::now());
    let age = oldest.map_or(0.0, |started| (now - started).max(0) as f64 / 1000.0);
    (table.len() as u64, age)
}

/// An execution's work, not spawned yet.
pub(super) type Work = Pin<Box<dyn Future<Output = Result<Arc<Execution>, EngineError>> + Send>>;

/// An execution created by [`super::Engine::prepare`]: started and
/// cancellable, its records, its listing and its work waiting for
/// [`Prepared::launch`] (or [`super::Engine::launch_all`]).
pub struct Prepared {
    pub(super) records: Records,
    pub(super) ready: Ready,
}

/// What a prepared execution hands to the store when launched, before any
/// later event of it: its header when new (or retried), its first event.
pub(super) struct Records {
    pub(super) store: Arc<dyn Store>,
    /// The header to store first: a new execution's (`NewExecution`) or
    /// a retried one's.
    pub(super) header: Option<Write>,
    pub(super) first: Arc<ExecutionEvent>,
    /// A new execution's audit record: who started what.
    pub(super) audit: Option<Write>,
}

impl Records {
    pub(super) fn into_writes(self) -> impl Iterator<Item = Write> {
        self.header
            .into_iter()
            .chain(std::iter::once(Write::Event(self.first)))
            .chain(self.audit)
    }
}

/// A prepared execution's work, ready to spawn.
pub(super) struct Ready {
    pub(super) id: String,
    /// The table it is listed in when launched; its work unlists it.
    pub(super) active: Arc<Active>,
    pub(super) live: Arc<Live>,
    pub(super) first_rx: Option<broadcast::Receiver<Arc<ExecutionEvent>>>,
    pub(super) work: Work,
}

impl Ready {
    /// Lists the execution as active and spawns its work; its records
    /// must be in the store's queue already.
    pub(super) fn spawn(self) -> ExecutionHandle {
        lock_active(&self.active).insert(self.id.clone(), self.live.clone());
        self.spawn_listed()
    }

    /// Spawns the work of an execution listed already (listed first, as
    /// its end unlists it).
    pub(super) fn spawn_listed(self) -> ExecutionHandle {
        ExecutionHandle {
            id: self.id,
            live: self.live,
            first_rx: Mutex::new(self.first_rx),
            join: tokio::spawn(self.work),
        }
    }
}

impl Prepared {
    /// The execution's id.
    pub fn id(&self) -> &str {
        &self.ready.id
    }

    /// A cloneable way to cancel this execution from elsewhere.
    pub fn canceller(&self) -> Canceller {
        Canceller(self.ready.live.clone())
    }

    /// Like [`Prepared::launch`], but its work begins after `delay`
    /// (sooner if cancelled): listed, watchable and cancellable meanwhile.
    pub(super) fn launch_after(mut self, delay: std::time::Duration) -> ExecutionHandle {
        if !delay.is_zero() {
            let (work, live) = (self.ready.work, self.ready.live.clone());
            self.ready.work = Box::pin(async move {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = live.control.token.cancelled() => {}
                }
                work.await
            });
        }
        self.launch()
    }

    /// The records that create it, for a claim to store with it
    /// ([`crate::store::Store::claim`]); launch it with
    /// [`super::Engine::launch_claimed`] once the claim won.
    pub fn records(&self) -> Vec<Write> {
        let r = &self.records;
        r.header
            .iter()
            .cloned()
            .chain(std::iter::once(Write::Event(r.first.clone())))
            .chain(r.audit.iter().cloned())
            .collect()
    }

    /// Hands the execution's records to the store and spawns its work.
    pub fn launch(self) -> ExecutionHandle {
        let store = self.records.store.clone();
        for write in self.records.into_writes() {
            store.append(write);
        }
        self.ready.spawn()
    }
}

/// A running execution.
pub struct ExecutionHandle {
    id: String,
    live: Arc<Live>,
    first_rx: Mutex<Option<broadcast::Receiver<Arc<ExecutionEvent>>>>,
    join: JoinHandle<Result<Arc<Execution>, EngineError>>,
}

impl ExecutionHandle {
    /// The execution's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Live events. The first call gets every event from the start; later
    /// calls get events from now on (read history from the store).
    pub fn events(&self) -> broadcast::Receiver<Arc<ExecutionEvent>> {
        self.first_rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(|| self.live.watchers.subscribe())
    }

    /// Asks the execution to stop: running tasks are stopped and every
    /// unfinished task is recorded as cancelled with `reason`.
    pub fn cancel(&self, reason: &str, by: &str) {
        self.live.control.cancel(reason, by);
    }

    /// A cloneable way to cancel this execution from elsewhere.
    pub fn canceller(&self) -> Canceller {
        Canceller(self.live.clone())
    }

    /// Waits for the end; the result is durable when this returns.
    pub async fn wait(self) -> Result<Arc<Execution>, EngineError> {
        match self.join.await {
            Ok(r) => r,
            Err(e) => Err(EngineError::Crashed(self.id, e.to_string())),
        }
    }
}

/// Cancels one execution.
#[derive(Clone)]
pub struct Canceller(pub(super) Arc<Live>);

impl Canceller {
    /// See [`ExecutionHandle::cancel`].
    pub fn cancel(&self, reason: &str, by: &str) {
        self.0.control.cancel(reason, by);
    }
}
