//! Watching an execution: its history from a sequence number, then live
//! events until it ends, each event exactly once. A watcher that falls
//! behind the live buffer reads the gap from the store; it never slows the
//! engine.

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

/// The events of `id` from `from_seq` on, live until the execution ends.
/// `live` is a receiver taken before the execution started, if the caller
/// has one (RunStream); otherwise the watcher subscribes now.
pub fn watch(
    engine: Engine,
    id: String,
    from_seq: u64,
    live: Option<broadcast::Receiver<Arc<ExecutionEvent>>>,
) -> impl Stream<Item = Result<ExecutionEvent, Status>> + Send + 'static {
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    // The task ends when the execution ends or the client goes away (its
    // sends fail).
    tokio::spawn(async move {
        if let Err(e) = pump(&engine, &id, from_seq, live, &tx).await {
            let _ = tx.send(Err(e.into())).await;
        }
    });
    ReceiverStream::new(rx)
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
    let mut live = live.or_else(|| engine.subscribe(id));
    let mut next = from_seq.max(1);
    let mut ended = false;
    if !catch_up(engine, id, tx, &mut next, &mut ended).await? {
        return Ok(());
    }
    let Some(rx) = live.as_mut() else {
        // Not running here: the history is all there is.
        return Ok(());
    };
    while !ended {
        match rx.recv().await {
            Ok(ev) if ev.seq > next => {
                // A gap (this watcher lagged): fill it from the store. The
                // event itself is read there too.
                if !catch_up(engine, id, tx, &mut next, &mut ended).await? {
                    return Ok(());
                }
            }
            Ok(ev) => {
                if !send(tx, (*ev).clone(), &mut next, &mut ended).await {
                    return Ok(());
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                if !catch_up(engine, id, tx, &mut next, &mut ended).await? {
                    return Ok(());
                }
            }
            Err(broadcast::error::RecvError::Closed) => {
                // The execution is over; its last events are in the store.
                catch_up(engine, id, tx, &mut next, &mut ended).await?;
                return Ok(());
            }
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
