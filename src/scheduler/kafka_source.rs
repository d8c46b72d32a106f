//! Kafka as a source of events: a consumer group reads the configured
//! topics and publishes each message to the trigger rules as an event of
//! type `kafka.<topic>`. A message's offset is committed only after
//! `publish` returned, that is after the workflows it started are durable:
//! a restart loses no message, and no message in the committed range is
//! started twice (one delivered but not yet committed when the server died
//! is delivered again). rdkafka reconnects after broker restarts by itself.
//! The lag of every assigned partition is kept for the metrics. The
//! synchronous calls (the commit, the watermarks) run on blocking threads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::Triggers;
use crate::proto::{self, Event};

/// Lag per (topic, partition): messages not yet consumed.
pub type Lag = Arc<Mutex<HashMap<(String, i32), i64>>>;

/// How often partition lag is measured.
const LAG_EVERY: Duration = Duration::from_secs(5);
/// Pause before trying a message again when publishing it failed.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A running consumer; stops when `stop` is called.
pub struct KafkaSource {
    stop: CancellationToken,
    lag: Lag,
}

impl KafkaSource {
    /// Joins `group` on `brokers` and consumes `topics` into `triggers`.
    pub fn start(
        triggers: Triggers,
        brokers: &str,
        group: &str,
        topics: &[String],
    ) -> Result<Self, String> {
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            .create()
            .map_err(|e| format!("kafka consumer: {e}"))?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer
            .subscribe(&names)
            .map_err(|e| format!("kafka subscribe {topics:?}: {e}"))?;
        let (stop, lag) = (CancellationToken::new(), Lag::default());
        let (token, lag_out) = (stop.clone(), lag.clone());
        let consumer = Arc::new(consumer);
        tokio::spawn(async move { consume(consumer, triggers, token, lag_out).await });
        Ok(Self { stop, lag })
    }

    /// Lag per partition, as last measured.
    pub fn lag(&self) -> Lag {
        self.lag.clone()
    }

    /// Stops consuming (the offsets committed so far stand).
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

impl Drop for KafkaSource {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn consume(
    consumer: Arc<StreamConsumer>,
    triggers: Triggers,
    stop: CancellationToken,
    lag: Lag,
) {
    let mut measured = tokio::time::Instant::now();
    loop {
        let message = tokio::select! {
            _ = stop.cancelled() => return,
            m = consumer.recv() => m,
        };
        let m = match message {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "kafka consumer");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        // Until the workflows are durably started, the offset stays where
        // it is: try the same message again.
        loop {
            match triggers.publish(event(&m)).await {
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = %e, topic = m.topic(), offset = m.offset(), "cannot start the workflows of a kafka message; retrying");
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(RETRY_AFTER) => {}
                    }
                }
            }
        }
        if let Err(e) = commit(&consumer, &m).await {
            tracing::warn!(error = %e, "kafka commit failed; the message may be delivered again");
        }
        if measured.elapsed() >= LAG_EVERY {
            measured = tokio::time::Instant::now();
            let (c, lag) = (consumer.clone(), lag.clone());
            let _ = tokio::task::spawn_blocking(move || measure_lag(&c, &lag)).await;
        }
    }
}

/// Commits the offset after `m`, synchronously, on a blocking thread.
async fn commit(consumer: &Arc<StreamConsumer>, m: &BorrowedMessage<'_>) -> Result<(), String> {
    let mut next = TopicPartitionList::new();
    next.add_partition_offset(m.topic(), m.partition(), Offset::Offset(m.offset() + 1))
        .map_err(|e| e.to_string())?;
    let c = consumer.clone();
    tokio::task::spawn_blocking(move || c.commit(&next, CommitMode::Sync))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// The event of a message: its JSON object payload as the data (any other
/// payload as `{"value": text}`), with `_kafka` = where it came from.
fn event(m: &BorrowedMessage<'_>) -> Event {
    let payload = m.payload().unwrap_or_default();
    let mut data = match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(o)) => o,
        _ => Map::from_iter([(
            "value".to_owned(),
            Value::String(String::from_utf8_lossy(payload).into_owned()),
        )]),
    };
    let headers: Map<String, Value> = m
        .headers()
        .map(|hs| {
            hs.iter()
                .map(|h| {
                    let v = h.value.map(|v| String::from_utf8_lossy(v).into_owned());
                    (h.key.to_owned(), json!(v))
                })
                .collect()
        })
        .unwrap_or_default();
    data.insert(
        "_kafka".into(),
        json!({
            "topic": m.topic(),
            "partition": m.partition(),
            "offset": m.offset(),
            "key": m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
            "headers": headers,
        }),
    );
    Event {
        event_type: format!("kafka.{}", m.topic()),
        event_data: Some(proto::json_map_to_struct(&data)),
        // A message read again (after a crash before its offset was
        // committed, or by another replica) starts nothing twice.
        event_id: format!("kafka:{}/{}/{}", m.topic(), m.partition(), m.offset()),
    }
}

/// Lag of each assigned partition: high watermark minus the position.
fn measure_lag(consumer: &StreamConsumer, lag: &Lag) {
    let Ok(positions) = consumer.position() else {
        return;
    };
    let mut out = HashMap::new();
    for p in positions.elements() {
        let Ok((_, high)) =
            consumer.fetch_watermarks(p.topic(), p.partition(), Duration::from_secs(1))
        else {
            continue;
        };
        let at = p.offset().to_raw().unwrap_or(0).max(0);
        out.insert((p.topic().to_owned(), p.partition()), (high - at).max(0));
    }
    *lag.lock().unwrap_or_else(|e| e.into_inner()) = out;
}
