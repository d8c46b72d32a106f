//! Micro-batching: calls of one model that arrive within the batch window
//! of the first (up to the batch maximum of samples) are stacked along the
//! batch dimension into one inference, and each call gets its rows back.
//! A model whose inputs have no free batch dimension runs call by call.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::ModelError;
use super::session::Loaded;
use super::tensor::{Data, Input, Output};
use crate::plugins::Slots;

/// The outputs of the inference a call was part of, and the row of its
/// first sample.
pub type Rows = (Arc<Vec<Output>>, usize);

/// How calls are gathered.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    /// How long the first call of a batch waits for others.
    pub window: Duration,
    /// Most samples in one inference (a single call larger than this runs alone).
    pub max: usize,
}

/// Calls and inferences of one model, for metrics.
#[derive(Debug, Default)]
pub struct Counts {
    /// Tasks that asked for an inference.
    pub calls: AtomicU64,
    /// Inferences run.
    pub inferences: AtomicU64,
}

struct Call {
    inputs: Vec<Input>,
    reply: oneshot::Sender<Result<Rows, ModelError>>,
}

impl Call {
    fn samples(&self) -> usize {
        self.inputs.first().map_or(0, |i| i.samples)
    }

    /// Whether this call can be stacked under `other`: same dimensions
    /// after the batch dimension for every input.
    fn stacks_with(&self, other: &Call) -> bool {
        self.inputs
            .iter()
            .zip(&other.inputs)
            .all(|(a, b)| a.shape[1..] == b.shape[1..])
    }
}

/// The queue in front of one model.
#[derive(Debug, Clone)]
pub struct Batcher {
    calls: mpsc::UnboundedSender<Call>,
}

impl Batcher {
    /// Starts the gathering task of `model`; each inference holds one of
    /// `slots` while it runs.
    pub fn start(
        model: Arc<Loaded>,
        options: BatchOptions,
        counts: Arc<Counts>,
        slots: Arc<Slots>,
    ) -> Self {
        let (calls, rx) = mpsc::unbounded_channel();
        tokio::spawn(gather(model, rx, options, counts, slots));
        Self { calls }
    }

    /// One call: its checked inputs, in the model's input order.
    pub async fn infer(&self, inputs: Vec<Input>) -> Result<Rows, ModelError> {
        let (reply, answer) = oneshot::channel();
        self.calls
            .send(Call { inputs, reply })
            .map_err(|_| ModelError::Inference("the model's queue is closed".into()))?;
        answer
            .await
            .map_err(|_| ModelError::Inference("the model's queue dropped the call".into()))?
    }
}

async fn gather(
    model: Arc<Loaded>,
    mut rx: mpsc::UnboundedReceiver<Call>,
    options: BatchOptions,
    counts: Arc<Counts>,
    slots: Arc<Slots>,
) {
    let mut held: Option<Call> = None;
    loop {
        let first = match held.take() {
            Some(c) => c,
            None => match rx.recv().await {
                Some(c) => c,
                None => return,
            },
        };
        let mut samples = first.samples();
        let mut batch = vec![first];
        if model.batched {
            let deadline = tokio::time::Instant::now() + options.window;
            while samples < options.max {
                let next = match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(c)) => c,
                    Ok(None) | Err(_) => break,
                };
                if samples + next.samples() > options.max || !next.stacks_with(&batch[0]) {
                    held = Some(next);
                    break;
                }
                samples += next.samples();
                batch.push(next);
            }
        }
        counts
            .calls
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        counts.inferences.fetch_add(1, Ordering::Relaxed);
        run(&model, batch, samples, &slots).await;
    }
}

/// Stacks the calls' inputs, runs the inference off the async threads, and
/// answers every call.
async fn run(model: &Arc<Loaded>, mut batch: Vec<Call>, samples: usize, slots: &Slots) {
    let mut stacked = Vec::with_capacity(model.inputs.len());
    for i in 0..batch[0].inputs.len() {
        let mut shape = batch[0].inputs[i].shape.clone();
        let element = model.inputs[i].element;
        let mut data = std::mem::replace(&mut batch[0].inputs[i].data, Data::empty(element));
        for call in &batch[1..] {
            data.extend(&call.inputs[i].data);
        }
        if model.batched {
            shape[0] = samples as i64;
        }
        stacked.push((shape, data));
    }
    let m = model.clone();
    let slot = slots.acquire().await;
    let result = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        m.infer(stacked)
    })
    .await
    .unwrap_or_else(|e| Err(ModelError::Inference(format!("inference panicked: {e}"))));
    match result {
        Ok(outputs) => {
            let outputs = Arc::new(outputs);
            let mut row = 0;
            for call in batch {
                let n = call.samples();
                let _ = call.reply.send(Ok((outputs.clone(), row)));
                row += n;
            }
        }
        Err(e) => {
            for call in batch {
                let _ = call.reply.send(Err(e.clone()));
            }
        }
    }
}
