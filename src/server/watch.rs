//! Watching an execution: its history from a sequence number, then live
//! events until it ends, each event exactly once. A watcher that falls
//! behind the live buffer reads the gap from the store; it never slows the
//! engine. On a store replicas share, every execution — run here or by
//! another replica — is followed through the store: read again whenever a
//! change notice names it, and every second whatever arrives.

use std::sync::Arc;

use futures::Stream;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::error::ApiError;
use crate::engine::Engine;
use crate::proto::{ExecutionEvent, execution_event::Kind};

/// Events buffered per watcher between the engine and a slow client.
const CLIENT_BUFFER: usize = 256;
/// How often a watcher of an execution run elsewhere reads the store when
/// no notice arrives.
const POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// The events of `id` from `from_seq` on, live until the execution ends
/// (or the server shuts down).
/// `live` is a receiver taken before the execution started, if the caller
/// has one (RunStream); otherwise the watcher subscribes now.
pub fn watch(
    engine: Engine,
    id: String,
    from_seq: u64,
    live: Option<broadcast::Receiver<Arc<ExecutionEvent>>>,
) -> impl Stream<Item = Result<ExecutionEvent, Status>> + Send + 'static {
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    let closed = engine.feed().closed();
    // The task ends when the execution ends or the client goes away (its
    // sends fail).
    tokio::spawn(async move {
        if let Err(e) = pump(&engine, &id, from_seq, live, &tx).await {
            let _ = tx.send(Err(e.into())).await;
        }
    });
    futures::StreamExt::take_until(ReceiverStream::new(rx), closed)
}

type Sink = mpsc::Sender<Result<ExecutionEvent, Status>>;

/// Sends events after `next - 1`; returns false when the client is gone.
/// Marks the end when it sends the ExecutionEnded event.
async fn send(tx: &Sink, ev: ExecutionEvent, next: &mut u64, ended: &mut bool) -> bool {
    if ev.seq < *next {
        return true;
    }
    *next = ev.seq + 1;
    *ended |= matches!(ev.kind, Some(Kind::ExecutionEnded(_)));
    tx.send(Ok(ev)).await.is_ok()
}

async fn pump(
    engine: &Engine,
    id: &str,
    from_seq: u64,
    live: Option<broadcast::Receiver<Arc<ExecutionEvent>>>,
    tx: &Sink,
) -> Result<(), ApiError> {
    // Subscribe before reading history, so nothing falls between the two.
    let notices = engine.store().changes().map(|c| c.subscribe(id));
    // On a store replicas share, watchers see only what is stored: a
    // replica that loses an execution may have announced events of it
    // that were then fenced off.
    let mut live = match notices {
        Some(_) => None,
        None => live.or_else(|| engine.subscribe(id)),
    };
    let mut next = from_seq.max(1);
    let mut ended = false;
    if !catch_up(engine, id, tx, &mut next, &mut ended).await? {
        return Ok(());
    }
    if let Some(rx) = live.as_mut()
        && !follow_live(engine, id, tx, rx, &mut next, &mut ended).await?
    {
        return Ok(());
    }
    match notices {
        // Run by another replica (or handed to one): followed through the
        // store until it ends.
        Some(notices) if !ended => {
            follow_store(engine, id, tx, notices, &mut next, &mut ended).await
        }
        // Not running here, on a store no one else writes: the history is
        // all there is.
        _ => Ok(()),
    }
}

/// Sends the live events of an execution running here until it ends or
/// stops running here; false when the client is gone.
async fn follow_live(
    engine: &Engine,
    id: &str,
    tx: &Sink,
    rx: &mut broadcast::Receiver<Arc<ExecutionEvent>>,
    next: &mut u64,
    ended: &mut bool,
) -> Result<bool, ApiError> {
    while !*ended {
        match rx.recv().await {
            Ok(ev) if ev.seq > *next => {
                // A gap (this watcher lagged): fill it from the store. The
                // event itself is read there too.
                if !catch_up(engine, id, tx, next, ended).await? {
                    return Ok(false);
                }
            }
            Ok(ev) => {
                if !send(tx, (*ev).clone(), next, ended).await {
                    return Ok(false);
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                if !catch_up(engine, id, tx, next, ended).await? {
                    return Ok(false);
                }
            }
            Err(broadcast::error::RecvError::Closed) => {
                // It ended here, or stopped running here (another replica
                // took it over): its last events here are in the store.
                return catch_up(engine, id, tx, next, ended).await;
            }
        }
    }
    Ok(true)
}

/// Sends an execution's events as the store gets them until it ends,
/// woken by change notices and reading every `POLL` regardless.
async fn follow_store(
    engine: &Engine,
    id: &str,
    tx: &Sink,
    mut notices: tokio::sync::watch::Receiver<u64>,
    next: &mut u64,
    ended: &mut bool,
) -> Result<(), ApiError> {
    while !*ended {
        match tokio::time::timeout(POLL, notices.changed()).await {
            Ok(Ok(())) | Err(_) => {}
            // The notices are gone (the store is closing): poll.
            Ok(Err(_)) => tokio::time::sleep(POLL).await,
        }
        if !catch_up(engine, id, tx, next, ended).await? {
            return Ok(());
        }
    }
    Ok(())
}

/// Sends what the store holds from `next` on. Flushes first: events the
/// engine has emitted may still be on their way to disk. Returns false
/// when the client is gone.
async fn catch_up(
    engine: &Engine,
    id: &str,
    tx: &Sink,
    next: &mut u64,
    ended: &mut bool,
) -> Result<bool, ApiError> {
    engine.store().flush().await?;
    for ev in engine.store().events(id, *next).await? {
        if !send(tx, ev, next, ended).await {
            return Ok(false);
        }
    }
    Ok(true)
}
