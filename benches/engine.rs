//! Engine and store benchmarks (criterion). Targets from issue 2:
//! - 10,000 `echo` tasks in a wide DAG, in-memory store: ≥ 200,000 tasks/s
//! - a chain of 40 `echo` tasks, RocksDB with synced writes: ≤ 10 ms to durable completion
//! - fan-out 1 → 1,000 → 1 `echo` tasks with RocksDB: ≤ 50 ms
//! - validate and compile a 100,000-task random DAG: ≤ 200 ms
//!
//! and the same chain and fan-out on the PostgreSQL store (a fresh database
//! `orchestrator_bench` on this machine's server), for comparison.
//!
//! Run: `cargo bench --bench engine` (figures in README.md).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use orchestrator::config::Config;
use orchestrator::engine::{Engine, EngineConfig, RunRequest};
use orchestrator::plugins::Registry;
use orchestrator::proto::ExecutionState;
use orchestrator::spec::{self, Limits, Plan};
use orchestrator::store::{MemoryStore, PgOptions, PgStore, RocksOptions, RocksStore, Store};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

// As in the `orchestrator` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn registry() -> Arc<Registry> {
    Arc::new(Registry::builtin(&Config::default()))
}

fn plan(spec: &Value) -> Arc<Plan> {
    let (spec, problems) = spec::from_value(spec.clone(), &Limits::default()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    Arc::new(spec::compile(&spec, 1, &registry()).unwrap())
}

fn echo(id: &str, deps: &[String]) -> Value {
    json!({"id": id, "type": "echo", "body": {"task": id}, "depends_on": deps})
}

/// Root → `width` parallel tasks → sink.
fn fan_out(width: usize) -> Value {
    let mut tasks = vec![echo("root", &[])];
    let mids: Vec<String> = (0..width).map(|i| format!("m{i}")).collect();
    tasks.extend(mids.iter().map(|m| echo(m, &["root".into()])));
    tasks.push(echo("sink", &mids));
    json!({"name": format!("fan_{width}"), "tasks": tasks})
}

fn chain(n: usize) -> Value {
    let tasks: Vec<Value> = (0..n)
        .map(|i| {
            let deps = if i == 0 {
                vec![]
            } else {
                vec![format!("t{}", i - 1)]
            };
            echo(&format!("t{i}"), &deps)
        })
        .collect();
    json!({"name": format!("chain_{n}"), "tasks": tasks})
}

fn random_dag(n: usize) -> Value {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let tasks: Vec<Value> = (0..n)
        .map(|i| {
            let deps: Vec<String> = if i == 0 {
                vec![]
            } else {
                let mut d: Vec<usize> = (0..rng.random_range(0..=3usize))
                    .map(|_| rng.random_range(0..i))
                    .collect();
                d.sort_unstable();
                d.dedup();
                d.into_iter().map(|j| format!("t{j}")).collect()
            };
            json!({"id": format!("t{i}"), "type": "echo", "body": {"n": i}, "depends_on": deps})
        })
        .collect();
    json!({"name": "random", "tasks": tasks})
}

async fn run_once(engine: &Engine, plan: &Arc<Plan>) -> Duration {
    let t = Instant::now();
    let e = engine
        .start(plan.clone(), RunRequest::default())
        .wait()
        .await
        .unwrap();
    let elapsed = t.elapsed();
    assert_eq!(e.status, ExecutionState::Completed as i32);
    elapsed
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn engine_wide_memory(c: &mut Criterion) {
    let rt = runtime();
    let plan = plan(&fan_out(9_998));
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(plan.tasks.len() as u64));
    g.sample_size(20);
    g.bench_function("wide_10k_echo_memory", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let plan = plan.clone();
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // A fresh store each run: history does not pile up across samples.
                    let engine = Engine::new(
                        Arc::new(MemoryStore::new()),
                        registry(),
                        &EngineConfig::default(),
                    );
                    total += run_once(&engine, &plan).await;
                }
                total
            }
        })
    });
    g.finish();
}

fn rocks_engine(dir: &std::path::Path) -> Engine {
    let store: Arc<dyn Store> = Arc::new(RocksStore::open(dir, RocksOptions::default()).unwrap());
    Engine::new(store, registry(), &EngineConfig::default())
}

fn engine_rocksdb(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let engine = rt.block_on(async { rocks_engine(dir.path()) });
    durable_runs(c, &rt, "rocksdb_synced", &engine);
}

/// The database the PostgreSQL benchmark starts afresh each time.
const PG_BENCH_DB: &str = "orchestrator_bench";

async fn postgres_engine() -> Engine {
    use sqlx::Connection;
    let admin_url = "postgres://postgres@127.0.0.1:5432/postgres";
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    for sql in [
        format!("DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)"),
        format!("CREATE DATABASE {PG_BENCH_DB}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    let url = format!("postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}");
    let store: Arc<dyn Store> =
        Arc::new(PgStore::connect(&url, PgOptions::default()).await.unwrap());
    Engine::new(store, registry(), &EngineConfig::default())
}

fn engine_postgres(c: &mut Criterion) {
    let rt = runtime();
    let engine = rt.block_on(postgres_engine());
    durable_runs(c, &rt, "postgres", &engine);
}

/// A chain of 40 and a fan-out of 1,000 on `engine`, each run durable.
fn durable_runs(c: &mut Criterion, rt: &tokio::runtime::Runtime, group: &str, engine: &Engine) {
    let mut g = c.benchmark_group(group);
    g.sample_size(50);
    for (name, plan) in [
        ("chain_40_echo", plan(&chain(40))),
        ("fan_out_1_1000_1_echo", plan(&fan_out(1_000))),
    ] {
        g.bench_function(name, |b| {
            b.to_async(rt).iter_custom(|iters| {
                let (engine, plan) = (engine.clone(), plan.clone());
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += run_once(&engine, &plan).await;
                    }
                    total
                }
            })
        });
    }
    g.finish();
}

fn compile_random_dag(c: &mut Criterion) {
    let spec = random_dag(100_000);
    let registry = registry();
    let mut g = c.benchmark_group("spec");
    g.sample_size(10);
    g.bench_function("validate_compile_100k_random_dag", |b| {
        b.iter_batched(
            || spec.clone(),
            |spec| {
                let (s, problems) = spec::from_value(spec, &Limits::default()).unwrap();
                assert!(problems.is_empty());
                spec::compile(&s, 1, &registry).unwrap()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(
    benches,
    engine_wide_memory,
    engine_rocksdb,
    engine_postgres,
    compile_random_dag
);
criterion_main!(benches);
