//! The plugins that talk to real engines (criterion), each beside the bare
//! client call it wraps: `model` tasks with and without micro-batching,
//! `sql` reads on this machine's PostgreSQL against a bare sqlx query, and
//! `kafka` publishes to a tansu broker against a bare rdkafka producer.
//!
//! Run: `cargo bench --bench backends` (figures in README.md). Needs what
//! scripts/setup.sh installs: onnxruntime (ORT_DYLIB_PATH, or found through
//! scripts/ort-dylib.sh), PostgreSQL on 127.0.0.1:5432, tansu.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{plan, run};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use orchestrator::config::Config;
use orchestrator::engine::{Engine, EngineConfig};
use orchestrator::plugins::Registry;
use orchestrator::spec::Plan;
use orchestrator::store::MemoryStore;
use serde_json::{Value, json};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tasks per measured workflow, and how many run at once.
const WIDE: usize = 1000;
const IN_FLIGHT: usize = 64;

fn engine(config: Config) -> Engine {
    let config = Config {
        workers: IN_FLIGHT,
        ..config
    };
    Engine::new(
        Arc::new(MemoryStore::new()),
        Arc::new(Registry::builtin(&config)),
        &EngineConfig::from(&config),
    )
}

/// One workflow of `WIDE` copies of `task` (its id replaced), `IN_FLIGHT`
/// at a time.
fn wide(engine: &Engine, task: Value) -> Arc<Plan> {
    let tasks: Vec<Value> = (0..WIDE)
        .map(|i| {
            let mut t = task.clone();
            t["id"] = json!(format!("t{i}"));
            t
        })
        .collect();
    plan(
        engine,
        json!({"name": "wide", "max_parallel": IN_FLIGHT, "tasks": tasks}),
    )
}

/// `WIDE` bare calls, `IN_FLIGHT` at a time.
async fn bare<F, Fut>(call: F)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use futures::StreamExt;
    futures::stream::iter(0..WIDE)
        .map(call)
        .buffer_unordered(IN_FLIGHT)
        .collect::<()>()
        .await;
}

fn model(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let task = json!({"type": "model", "script": "threat_scoring_v2",
                      "body": {"features": [0.9, 0.8, 0.95]}});
    let mut g = c.benchmark_group("model");
    g.throughput(Throughput::Elements(WIDE as u64));
    g.sample_size(10);
    for (name, max) in [("1000 tasks, batched", 64), ("1000 tasks, unbatched", 1)] {
        let engine = engine(Config {
            ort_dylib_path: common::ort::ort_dylib(),
            model_batch_max: max,
            ..Default::default()
        });
        let p = wide(&engine, task.clone());
        g.bench_function(name, |b| b.to_async(&rt).iter(|| run(&engine, &p)));
    }
    g.finish();
}

fn sql(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = "postgres://postgres@127.0.0.1:5432/test";
    // SAFETY: set before any thread of this benchmark reads the environment.
    unsafe { std::env::set_var("SECRET_BENCH_PG", url) };
    let engine = engine(Config::default());
    let query = "SELECT $1::int + 1 AS n";
    let p = wide(
        &engine,
        json!({"type": "sql", "connection": "BENCH_PG", "query": query, "params": [41]}),
    );
    let pool = rt.block_on(async {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(8)
            .connect(url)
            .await
            .unwrap()
    });
    let mut g = c.benchmark_group("sql");
    g.throughput(Throughput::Elements(WIDE as u64));
    g.sample_size(10);
    g.bench_function("1000 read tasks, PostgreSQL", |b| {
        b.to_async(&rt).iter(|| run(&engine, &p))
    });
    g.bench_function("1000 bare sqlx queries", |b| {
        b.to_async(&rt).iter(|| {
            bare(|_| {
                let pool = pool.clone();
                async move {
                    let n: i32 = sqlx::query_scalar(query)
                        .bind(41)
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                    assert_eq!(n, 42);
                }
            })
        })
    });
    g.finish();
}

fn kafka(c: &mut Criterion) {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let broker = common::broker::Broker::start();
    broker.create_topic("bench");
    let engine = engine(Config {
        kafka_brokers: broker.addr.clone(),
        ..Default::default()
    });
    let p = wide(
        &engine,
        json!({"type": "kafka", "topic": "bench", "key": "k", "value": {"indicator": "203.0.113.7"}}),
    );
    // The plugin's producer settings: acks=all, idempotent, linger 5 ms.
    let producer: FutureProducer = rt.block_on(async {
        rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &broker.addr)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("linger.ms", "5")
            .create()
            .unwrap()
    });
    let payload = serde_json::to_vec(&json!({"indicator": "203.0.113.7"})).unwrap();
    let mut g = c.benchmark_group("kafka");
    g.throughput(Throughput::Elements(WIDE as u64));
    g.sample_size(10);
    g.bench_function("1000 publish tasks", |b| {
        b.to_async(&rt).iter(|| run(&engine, &p))
    });
    g.bench_function("1000 bare rdkafka sends", |b| {
        b.to_async(&rt).iter(|| {
            bare(|_| {
                let (producer, payload) = (producer.clone(), payload.clone());
                async move {
                    let record = FutureRecord::to("bench").key("k").payload(&payload);
                    producer
                        .send(record, Duration::from_secs(30))
                        .await
                        .unwrap();
                }
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = model, sql, kafka
}
criterion_main!(benches);
