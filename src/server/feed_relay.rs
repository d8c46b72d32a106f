//! Brings the other replicas' changes into this replica's server-wide
//! feed: on a store shared by replicas, every change notice another
//! replica sends names executions and their last sequence numbers; the
//! relay reads what is new of them from the store (one query per batch of
//! notices) and pushes it into the feed as this replica's own runs push
//! theirs, so a dashboard on any replica sees every run. Notices this
//! replica sent are skipped: its runs push their changes live. The relay
//! reads only while someone follows the feed; what it leaves out when no
//! one does expires the cursors handed out before (a client that comes
//! back with one is told to catch up from the store, as after a restart).
//!
//! A notice lost while the listener reconnects leaves a gap only for runs
//! that sent nothing after it: the next notice of a run brings every
//! event since the last one relayed. A run this replica lost to another
//! is relayed from the other's takeover on: what came before, this
//! replica's feed showed as it happened.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use tokio::sync::{broadcast, watch};

use crate::engine::Engine;
use crate::engine::feed::FeedTap;
use crate::proto::{ExecutionEvent, execution_event::Kind};
use crate::store::Notice;

/// Runs of other replicas followed at once at most (the oldest forgotten).
const FOLLOWED: usize = 100_000;
/// Notices read into one batch at most.
const BATCH: usize = 1024;

/// What the relay knows of a run: the last event relayed and its tap.
struct Followed {
    last: u64,
    tap: FeedTap,
    /// It ran here before another replica took it over: its events are
    /// relayed from that takeover on.
    ran_here: bool,
}

/// Relays the other replicas' changes until `stop` turns true. Does
/// nothing on a store one process holds alone.
pub async fn relay_until(engine: Engine, mut stop: watch::Receiver<bool>) {
    let (Some(changes), Some(ownership)) = (engine.store().changes(), engine.store().ownership())
    else {
        return;
    };
    let me = ownership.replica().to_owned();
    let mut notices = changes.notices();
    let mut followed: LruCache<String, Followed> =
        LruCache::new(NonZeroUsize::new(FOLLOWED).expect("not zero"));
    loop {
        let first = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            n = notices.recv() => n,
        };
        let mut batch: Vec<Arc<Notice>> = Vec::new();
        let mut next = Some(first);
        while let Some(n) = next.take() {
            match n {
                Ok(n) if n.from != me => batch.push(n),
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "the feed relay fell behind the change notices; some changes of other replicas' runs are missing from this feed"
                    );
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
            if batch.len() < BATCH {
                next = notices.try_recv().ok().map(Ok);
            }
        }
        // Reading every other replica's events costs each replica a read
        // per batch: done only while a dashboard follows this feed. The
        // changes left out meanwhile expire the cursors from before.
        // The position is read first: a watcher who comes meanwhile
        // starts after it and misses nothing.
        let now = engine.feed().last();
        if !engine.feed().watched() {
            if !batch.is_empty() {
                engine.feed().left_out_before(now);
                followed.clear();
            }
            continue;
        }
        if let Err(e) = relay(&engine, &me, &batch, &mut followed).await {
            tracing::warn!(error = %e, "cannot read other replicas' changes for the feed");
        }
    }
}

/// Reads and pushes what the notices announce beyond what was relayed.
async fn relay(
    engine: &Engine,
    me: &str,
    batch: &[Arc<Notice>],
    followed: &mut LruCache<String, Followed>,
) -> Result<(), crate::store::StoreError> {
    let mut wanted: HashMap<String, u64> = HashMap::new();
    for notice in batch {
        for (id, seq) in &notice.last {
            let last = followed.peek(id).map_or(0, |f| f.last);
            if *seq > last {
                wanted.entry(id.clone()).or_insert(last);
            }
        }
    }
    let wanted: Vec<(String, u64)> = wanted.into_iter().collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let events = engine.store().events_after(&wanted).await?;
    for ev in events {
        let id = ev.execution_id.clone();
        if followed.peek(&id).is_none() {
            let Some(tap) = tap_of(engine, &ev).await? else {
                continue;
            };
            let ran_here = engine.store().ownership().is_some_and(|o| o.has_lost(&id));
            followed.put(
                id.clone(),
                Followed {
                    last: 0,
                    tap,
                    ran_here,
                },
            );
        }
        let Some(f) = followed.get_mut(&id) else {
            continue;
        };
        if ev.seq <= f.last {
            continue;
        }
        f.last = ev.seq;
        if f.ran_here {
            match &ev.kind {
                Some(Kind::ExecutionResumed(r)) if r.replica != me => f.ran_here = false,
                _ => continue,
            }
        }
        f.tap.event(&ev);
        if matches!(ev.kind, Some(Kind::ExecutionEnded(_))) {
            followed.pop(&id);
        }
    }
    Ok(())
}

/// The feed tap of a run first seen at `ev`: its start names its workflow
/// and version, else its stored header does.
async fn tap_of(
    engine: &Engine,
    ev: &ExecutionEvent,
) -> Result<Option<FeedTap>, crate::store::StoreError> {
    let feed = engine.feed().clone();
    if let Some(Kind::ExecutionStarted(s)) = &ev.kind {
        return Ok(Some(FeedTap::new(feed, s.workflow.clone(), s.version)));
    }
    match engine.store().get_execution(&ev.execution_id).await {
        Ok(e) => Ok(Some(FeedTap::new(feed, e.workflow, e.version))),
        Err(crate::store::StoreError::ExecutionNotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
