//! Change notices between replicas, so that a watcher on one replica
//! follows an execution another one runs. Each commit that adds events
//! sends `NOTIFY` with only execution ids and their last sequence numbers
//! (never bodies; split to stay under PostgreSQL's 8,000-byte payload
//! limit), delivered when the transaction commits. One listener
//! connection per replica receives them and wakes the watchers of those
//! executions, which read what is new from the store as they always do.
//!
//! Each notice starts with the line `@<replica>` naming its sender, so that
//! a replica can bring the others' changes into its own server-wide feed
//! (`Changes::notices`) without repeating its own.
//!
//! Notices are a shortcut, not the source of truth: watchers also look at
//! the store every second, so a lost notice (the listener reconnecting,
//! a pooler in transaction mode that drops them) only delays an event.
//! At start the listener sends itself a probe and warns loudly when it
//! does not arrive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, broadcast, watch};

/// The channel notices go on.
pub(super) const CHANNEL: &str = "orchestrator_events";
/// The channel cancellations and approval decisions asked of another
/// replica go on (the execution's id; what is asked is read from the
/// tables).
pub(super) const CANCEL_CHANNEL: &str = "orchestrator_cancel";
/// Most bytes of one notice (PostgreSQL refuses 8,000 and more).
const MAX_PAYLOAD: usize = 7_900;
/// How long the start-up probe waits for its own notice.
const PROBE_WAIT: Duration = Duration::from_secs(3);
/// Notices held for a slow follower of every notice.
const FOLLOW_BUFFER: usize = 4096;

/// One notice: the replica that wrote, and each execution's last
/// sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The writing replica's id.
    pub from: String,
    /// (execution id, last sequence number written).
    pub last: Vec<(String, u64)>,
}

/// The executions watched on this replica, each with the last sequence
/// number a notice announced.
#[derive(Default)]
pub struct Changes {
    watched: Mutex<HashMap<String, watch::Sender<u64>>>,
    /// Whether the start-up probe's notice arrived.
    notices_arrive: AtomicBool,
    /// Woken when a cancellation is asked of some replica.
    cancel_asked: Notify,
    /// Every notice, for whoever follows them all.
    all: Mutex<Option<broadcast::Sender<Arc<Notice>>>>,
}

impl Changes {
    /// A receiver that changes whenever a notice announces new events of
    /// `id` (or notices may have been lost and its history should be read
    /// again).
    pub fn subscribe(&self, id: &str) -> watch::Receiver<u64> {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        // Watchers that went away leave their entries behind: swept now
        // and then, as the table grows.
        if watched.len() >= 64 && watched.len().is_power_of_two() {
            watched.retain(|_, tx| tx.receiver_count() > 0);
        }
        watched
            .entry(id.to_owned())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Every notice from now on, whoever sent it; a follower that falls
    /// more than a few thousand behind is told it lagged.
    pub fn notices(&self) -> broadcast::Receiver<Arc<Notice>> {
        let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        all.get_or_insert_with(|| broadcast::channel(FOLLOW_BUFFER).0)
            .subscribe()
    }

    /// Waits until a cancellation is asked of some replica (maybe this one).
    pub async fn cancel_asked(&self) {
        self.cancel_asked.notified().await;
    }

    /// Whether notices reach this replica (the start-up probe's did).
    pub fn notices_arrive(&self) -> bool {
        self.notices_arrive.load(Ordering::Relaxed)
    }

    /// Wakes the watchers of the executions a notice names, and hands
    /// the notice to its followers.
    fn announce(&self, payload: &str) {
        let notice = parse(payload);
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        for (id, seq) in &notice.last {
            let (id, seq) = (id.as_str(), *seq);
            if let Some(tx) = watched.get(id) {
                if tx.receiver_count() == 0 {
                    watched.remove(id);
                } else {
                    tx.send_if_modified(|last| {
                        let newer = seq > *last;
                        *last = (*last).max(seq);
                        newer
                    });
                }
            }
        }
        drop(watched);
        let all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = all.as_ref().filter(|tx| tx.receiver_count() > 0) {
            let _ = tx.send(Arc::new(notice));
        }
    }

    /// Wakes every watcher: notices may have been lost.
    fn announce_all(&self) {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        watched.retain(|_, tx| tx.receiver_count() > 0);
        for tx in watched.values() {
            tx.send_modify(|_| {});
        }
    }
}

/// The notices replica `from` sends announcing `last` (execution id →
/// last sequence number written), each under the payload limit.
pub(super) fn payloads<'a>(from: &str, last: impl Iterator<Item = (&'a str, u64)>) -> Vec<String> {
    let head = format!("@{from}\n");
    let mut out = vec![head.clone()];
    for (id, seq) in last {
        let line = format!("{id} {seq}\n");
        if out
            .last()
            .is_some_and(|p| p.len() + line.len() > MAX_PAYLOAD)
        {
            out.push(head.clone());
        }
        out.last_mut().expect("one at least").push_str(&line);
    }
    out.retain(|p| p.len() > head.len());
    out
}

/// A notice's sender and lines; lines it cannot read are skipped.
fn parse(payload: &str) -> Notice {
    let mut notice = Notice {
        from: String::new(),
        last: Vec::new(),
    };
    for line in payload.lines() {
        if let Some(from) = line.strip_prefix('@') {
            notice.from = from.to_owned();
        } else if let Some((id, seq)) = line.rsplit_once(' ')
            && let Ok(seq) = seq.parse::<u64>()
        {
            notice.last.push((id.to_owned(), seq));
        }
    }
    notice
}

/// Starts listening on a connection of its own: probes that notices
/// arrive, then wakes watchers as they do, for as long as `changes` lives.
pub(super) async fn start(pool: &PgPool) -> Result<Arc<Changes>, sqlx::Error> {
    let changes = Arc::new(Changes::default());
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([CHANNEL, CANCEL_CHANNEL]).await?;
    let probe = format!("probe {}", uuid::Uuid::now_v7().simple());
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(&probe)
        .execute(pool)
        .await?;
    let arrived = tokio::time::timeout(PROBE_WAIT, async {
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) if n.payload() == probe => return true,
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return false,
            }
        }
    })
    .await
    .unwrap_or(false);
    changes.notices_arrive.store(arrived, Ordering::Relaxed);
    if !arrived {
        tracing::warn!(
            "NOTIFY does not reach this replica (a connection pooler in transaction mode?): \
             watchers of executions other replicas run look at the store every second instead"
        );
    }
    tokio::spawn(listen(Arc::downgrade(&changes), listener));
    Ok(changes)
}

/// Receives notices until `changes` is dropped.
async fn listen(changes: Weak<Changes>, mut listener: PgListener) {
    loop {
        let received = listener.try_recv().await;
        let Some(changes) = changes.upgrade() else {
            return;
        };
        match received {
            Ok(Some(notice)) if notice.channel() == CANCEL_CHANNEL => {
                changes.cancel_asked.notify_waiters();
            }
            Ok(Some(notice)) => changes.announce(notice.payload()),
            // The connection was lost and made again: what was sent
            // meanwhile is gone, so every watcher reads the store again.
            Ok(None) => {
                tracing::warn!("the change listener reconnected; watchers read the store again");
                changes.announce_all();
                changes.cancel_asked.notify_waiters();
            }
            Err(e) => {
                tracing::warn!(error = %e, "the change listener failed; trying again");
                changes.announce_all();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_stay_under_the_limit_and_name_every_execution() {
        let ids: Vec<String> = (0..2_000).map(|i| format!("workflow-{i:05}")).collect();
        let ps = payloads("r1", ids.iter().map(|id| (id.as_str(), 7)));
        assert!(ps.len() > 1);
        assert!(ps.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let notices: Vec<Notice> = ps.iter().map(|p| parse(p)).collect();
        assert!(notices.iter().all(|n| n.from == "r1"));
        let named: Vec<&str> = notices
            .iter()
            .flat_map(|n| n.last.iter().map(|(id, _)| id.as_str()))
            .collect();
        assert_eq!(named, ids);
        assert!(payloads("r1", std::iter::empty()).is_empty());
    }

    #[tokio::test]
    async fn a_notice_wakes_the_watchers_of_the_executions_it_names() {
        let changes = Changes::default();
        let mut a = changes.subscribe("a");
        let b = changes.subscribe("b");
        let mut all = changes.notices();
        changes.announce("@r2\na 3\nzz 9\n");
        let notice = all.try_recv().unwrap();
        assert_eq!(notice.from, "r2");
        assert_eq!(notice.last, [("a".to_owned(), 3), ("zz".to_owned(), 9)]);
        assert!(a.has_changed().unwrap());
        assert_eq!(*a.borrow_and_update(), 3);
        assert!(!b.has_changed().unwrap());
        // An older number wakes no one.
        changes.announce("a 2\n");
        assert!(!a.has_changed().unwrap());
        changes.announce_all();
        assert!(a.has_changed().unwrap() && b.has_changed().unwrap());
    }
}
