//! How executions end outside their own course: a run whose work
//! panicked is recorded failed and unlisted (never left listed, nor resumed
//! to panic again), one that cannot resume is recorded failed, resumed runs
//! start on a ramp, and shutdown drains with a deadline.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::handle::{Active, live, lock_active};
use super::recorder::Recorder;
use super::{Ended, Engine, EngineError, live_entry};
use crate::proto::{self, Execution, ExecutionEnded, ExecutionState, execution_event::Kind};
use crate::store::{Changes, Ownership, Store, Write};

impl Engine {
    /// Lets running executions finish for `grace`, then cancels the rest
    /// with reason "shutdown" and waits up to `cancel_wait` for them to
    /// record it. Returns how many were still running then: a run that
    /// does not stop (a plugin blocking its thread) must not hold shutdown
    /// forever; left unfinished in the store, it resumes at the next start.
    /// A run waiting for a person's approval is never cancelled: it stops
    /// here unrecorded (at once, when nothing else of it runs) and waits
    /// again after the restart.
    ///
    /// On a store shared by replicas nothing is cancelled: see
    /// [`Engine::hand_back`].
    pub async fn drain(&self, grace: Duration, cancel_wait: Duration) -> usize {
        if let Some(ownership) = self.shared.ownership.clone() {
            return self.hand_back(&ownership, grace, cancel_wait).await;
        }
        if self.within(grace, |e| e.park_waiting(false)).await {
            return 0;
        }
        self.park_waiting(true);
        let left = self.active();
        tracing::warn!(
            count = left.len(),
            "cancelling executions still running at shutdown"
        );
        for a in &left {
            self.cancel(&a.execution_id, "shutdown", "server");
        }
        if self.within(cancel_wait, |e| e.active_count() == 0).await {
            return 0;
        }
        let stuck = self.active_count();
        tracing::error!(
            count = stuck,
            "executions did not stop after cancellation; leaving them to resume at the next start"
        );
        stuck
    }

    /// Hands this replica's executions to the others at shutdown: no new
    /// task attempt starts, those in flight have `grace` to end (and be
    /// recorded), then every execution still here is stopped unrecorded
    /// and, once the store has its last writes, released for another
    /// replica to claim at once rather than after the lease's TTL.
    async fn hand_back(&self, ownership: &Ownership, grace: Duration, wait: Duration) -> usize {
        ownership.close();
        let deadline = tokio::time::Instant::now().checked_add(grace);
        while self.shared.pools.figures().iter().any(|p| p.busy > 0)
            && deadline.is_none_or(|d| tokio::time::Instant::now() < d)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let left = self.active();
        if !left.is_empty() {
            tracing::info!(
                count = left.len(),
                "handing executions back to the other replicas"
            );
        }
        for a in &left {
            self.abandon(&a.execution_id);
        }
        let stuck = if self.within(wait, |e| e.active_count() == 0).await {
            0
        } else {
            self.active_count()
        };
        if let Err(e) = self.shared.store.flush().await {
            tracing::error!(error = %e, "last writes failed before handing executions back");
        }
        if let Err(e) = ownership.release().await {
            tracing::error!(error = %e, "cannot hand executions back; others take them over when the lease expires");
        }
        stuck
    }

    /// Stops, unrecorded, the executions that wait for approvals and (unless
    /// `all`) do nothing else; whether none runs here any more.
    fn park_waiting(&self, all: bool) -> bool {
        let active = lock_active(&self.active);
        let mut parked = 0;
        for live in active.values() {
            let waiting = live.waiting.load(Ordering::Relaxed) as usize;
            let busy = live
                .running
                .iter()
                .filter(|r| r.load(Ordering::Relaxed))
                .count();
            if waiting > 0 && (all || busy == waiting) && !live.control.token.is_cancelled() {
                live.control.abandon();
                parked += 1;
            }
        }
        let none_left = active.is_empty();
        drop(active);
        if parked > 0 {
            tracing::info!(
                count = parked,
                "executions waiting for approvals stop here and wait again after the restart"
            );
        }
        none_left
    }

    /// Waits until `done`, for at most `limit`; whether it came.
    async fn within(&self, limit: Duration, done: impl Fn(&Self) -> bool) -> bool {
        let deadline = tokio::time::Instant::now().checked_add(limit);
        while !done(self) {
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }
}

/// Keeps an execution in the active table while its work lives. However
/// the work ends — finished, panicked, or dropped with its runtime — the
/// execution is unlisted, so neither the table nor a drain waiting for it
/// to empty is held by a run that is gone; one that finished stays in the
/// ended part for the retention.
pub(super) struct Listing {
    pub active: Arc<Active>,
    pub ended: Arc<Mutex<Ended>>,
    pub id: String,
    /// The final status and end time, once finished.
    pub end: Option<(i32, Option<pbjson_types::Timestamp>)>,
}

impl Drop for Listing {
    fn drop(&mut self) {
        let live = lock_active(&self.active).remove(&self.id);
        if let (Some(live), Some((status, finished_at))) = (live, self.end.take()) {
            let mut row = live_entry(&self.id, &live);
            row.status = status;
            row.finished_at = finished_at;
            row.running_tasks.clear();
            self.ended
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(row);
        }
    }
}

/// Stops each execution the store reports lost to another replica, for
/// as long as the engine lives.
pub(super) async fn drop_lost(
    active: std::sync::Weak<Active>,
    mut lost: tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    while let Some(id) = lost.recv().await {
        let Some(active) = active.upgrade() else {
            return;
        };
        if let Some(live) = live(&active, &id) {
            live.control.abandon();
        }
    }
}

/// Cancels the executions running here that another replica was asked to
/// cancel (in the asker's name, audited there), and hands their approvals
/// the decisions asked of another replica, as notices of such requests
/// arrive and at every heartbeat interval, for as long as the engine lives.
pub(super) async fn follow_requests(
    active: std::sync::Weak<Active>,
    desk: Arc<super::approval::Desk>,
    ownership: Arc<Ownership>,
    changes: Arc<Changes>,
) {
    loop {
        tokio::select! {
            _ = changes.cancel_asked() => {}
            _ = tokio::time::sleep(ownership.interval()) => {}
        }
        if active.strong_count() == 0 {
            return;
        }
        let asked = match ownership.cancel_requests().await {
            Ok(asked) => asked,
            Err(e) => {
                tracing::debug!(error = %e, "cannot read the cancellations asked");
                continue;
            }
        };
        let Some(active) = active.upgrade() else {
            return;
        };
        for (id, reason, by) in asked {
            if let Some(live) = live(&active, &id) {
                live.control.cancel(&reason, &by);
            }
        }
        super::approval::deliver_asked(&desk, &ownership).await;
    }
}

/// Records an execution whose work panicked (a bug) as failed, so that it
/// is not left unfinished to panic again at every restart.
pub(super) async fn record_crash(
    store: &Arc<dyn Store>,
    rec: &Recorder,
    id: &str,
    why: String,
) -> Result<Arc<Execution>, EngineError> {
    tracing::error!(execution = id, panic = %why, "execution panicked; recording it as failed");
    store.flush().await?;
    let exec = store.get_execution(id).await?;
    end_failed(rec, exec, format!("execution stopped unexpectedly: {why}")).await?;
    Err(EngineError::Crashed(id.to_owned(), why))
}

/// Ends an execution as failed, durably: its last event, then its header.
pub(super) async fn end_failed(
    rec: &Recorder,
    mut exec: Execution,
    error: String,
) -> Result<Execution, EngineError> {
    exec.status = ExecutionState::Failed as i32;
    exec.error = error.clone();
    exec.finished_at = Some(proto::now());
    exec.duration_ms = proto::elapsed_ms(exec.started_at.as_ref(), exec.finished_at.as_ref());
    rec.end(
        Kind::ExecutionEnded(ExecutionEnded {
            status: ExecutionState::Failed as i32,
            error,
            ..Default::default()
        }),
        Write::Execution(Arc::new(exec.clone())),
    )
    .await?;
    Ok(exec)
}

/// When the `n`th resumed run (from 0) starts: evenly spaced at `rate` a
/// second, a bounded ramp rather than a herd.
pub(super) fn resume_delay(n: usize, rate: usize) -> Duration {
    if rate == 0 {
        return Duration::ZERO;
    }
    Duration::from_secs(1).mul_f64(n as f64 / rate as f64)
}
