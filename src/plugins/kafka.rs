//! `kafka`: publishes one message to `KAFKA_BROKERS` with rdkafka and
//! waits until the brokers acknowledged it: `acks=all` and the idempotent
//! producer are on, so a retried send neither loses nor duplicates. One
//! producer per compression, linger and batch size, shared by every task
//! (it batches what tasks send at the same time). The output is where the
//! message landed: `{partition, offset}`; a failed delivery is retryable.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::Duration;

use lru::LruCache;
use rdkafka::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::{Value, json};

use super::{ConfigProblem, TaskContext, TaskError, TaskOutput, TaskPlugin};
use crate::proto::KafkaConfig;

/// The codecs librdkafka is built with here.
const COMPRESSIONS: &[&str] = &["none", "gzip", "snappy", "lz4", "zstd"];
/// How long a delivery may take unless the task's timeout says otherwise.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a producer waits to fill a batch.
const LINGER_MS: u32 = 5;

/// Producers kept at most: each setting a task names gets its own, and
/// settings may be templated.
const MAX_PRODUCERS: usize = 16;

/// The `kafka` plugin.
pub struct KafkaPlugin {
    brokers: String,
    /// By (compression, linger, batch size).
    producers: Mutex<LruCache<(String, u32, u32), FutureProducer>>,
}

impl std::fmt::Debug for KafkaPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KafkaPlugin({})", self.brokers)
    }
}

impl KafkaPlugin {
    /// A plugin publishing to `brokers` (`host:port,host:port`).
    pub fn new(brokers: String) -> Self {
        Self {
            brokers,
            producers: Mutex::new(LruCache::new(
                NonZeroUsize::new(MAX_PRODUCERS).expect("not zero"),
            )),
        }
    }

    fn producer(
        &self,
        compression: &str,
        linger_ms: u32,
        batch_size: u32,
    ) -> Result<FutureProducer, TaskError> {
        let key = (compression.to_owned(), linger_ms, batch_size);
        let mut producers = self.producers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = producers.get(&key) {
            return Ok(p.clone());
        }
        let mut config = ClientConfig::new();
        if batch_size > 0 {
            config.set("batch.size", batch_size.to_string());
        }
        let producer: FutureProducer = config
            .set("bootstrap.servers", &self.brokers)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("compression.type", compression)
            .set("linger.ms", linger_ms.to_string())
            .set(
                "message.timeout.ms",
                DELIVERY_TIMEOUT.as_millis().to_string(),
            )
            .create()
            .map_err(|e| TaskError::permanent(format!("kafka producer: {e}")))?;
        if let Some((_, evicted)) = producers.push(key, producer.clone()) {
            // Dropping a producer flushes what it holds: not on this thread.
            tokio::task::spawn_blocking(move || drop(evicted));
        }
        Ok(producer)
    }
}

#[async_trait::async_trait]
impl TaskPlugin for KafkaPlugin {
    fn kind(&self) -> &'static str {
        "kafka"
    }

    fn load(&self) -> super::Load {
        super::Load::Wait
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let cfg = match super::decode::<KafkaConfig>(config) {
            Ok(c) => c,
            Err(e) => return vec![(String::new(), e.message)],
        };
        let mut p = Vec::new();
        if cfg.topic.is_empty() {
            p.push(("topic".into(), "required".into()));
        }
        if !cfg.compression.is_empty() && !COMPRESSIONS.contains(&cfg.compression.as_str()) {
            p.push((
                "compression".into(),
                format!(
                    "unknown '{}'; expected one of {}",
                    cfg.compression,
                    COMPRESSIONS.join(", ")
                ),
            ));
        }
        p
    }

    async fn execute(&self, ctx: TaskContext) -> Result<TaskOutput, TaskError> {
        let mut config = ctx.config;
        for field in ["headers", "key", "topic"] {
            if let Some(v) = config.get_mut(field) {
                super::stringify_scalars(v);
            }
        }
        let cfg: KafkaConfig = super::decode(&config)?;
        let compression = if cfg.compression.is_empty() {
            "none"
        } else {
            cfg.compression.as_str()
        };
        let linger = if cfg.linger_ms == 0 {
            LINGER_MS
        } else {
            cfg.linger_ms
        };
        let producer = self.producer(compression, linger, cfg.batch_size)?;
        let payload = match cfg.value.as_ref().map(crate::proto::pb_to_json) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s.into_bytes(),
            Some(v) => serde_json::to_vec(&v).unwrap_or_default(),
        };
        let mut headers = OwnedHeaders::new();
        let mut names: Vec<&String> = cfg.headers.keys().collect();
        names.sort();
        for name in names {
            headers = headers.insert(Header {
                key: name,
                value: Some(cfg.headers[name].as_bytes()),
            });
        }
        let mut record = FutureRecord::to(&cfg.topic)
            .payload(&payload)
            .headers(headers);
        if !cfg.key.is_empty() {
            record = record.key(&cfg.key);
        }
        let wait = ctx.timeout.unwrap_or(DELIVERY_TIMEOUT);
        match producer.send(record, wait).await {
            Ok(delivery) => Ok(TaskOutput::new(
                json!({"partition": delivery.partition, "offset": delivery.offset}),
            )),
            Err((e, _)) => Err(TaskError::retryable(format!(
                "kafka delivery to '{}' failed: {e}",
                cfg.topic
            ))),
        }
    }
}
