//! The `model` plugin on a real ONNX model (models/threat_scoring_v2, a
//! logistic regression written by scripts/make_test_model.py) in the real
//! ONNX Runtime: scores, micro-batching seen in the metrics, inputs that do
//! not fit, and models fetched from a registry over HTTP on loopback.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use common::ort::ort_dylib;
use common::{output, run_yaml, state, task};
use orchestrator::engine::{Engine, RunRequest};
use orchestrator::plugins::Registry;
use orchestrator::proto::TaskState;
use orchestrator::spec::{self, Format, Limits};
use orchestrator::store::{self, MemoryStore};
use orchestrator::telemetry::Metrics;
use serde_json::{Value, json};

/// The test model's own formula: sigmoid(features . [3, 2, 4] - 4).
fn risk(f: [f64; 3]) -> f64 {
    let logit = 3.0 * f[0] + 2.0 * f[1] + 4.0 * f[2] - 4.0;
    1.0 / (1.0 + (-logit).exp())
}

fn config(model_dir: &Path) -> orchestrator::config::Config {
    orchestrator::config::Config {
        model_dir: model_dir.to_owned(),
        ort_dylib_path: ort_dylib(),
        ..Default::default()
    }
}

fn engine_with(config: &orchestrator::config::Config) -> (Engine, Arc<Registry>) {
    let registry = Arc::new(Registry::builtin(config));
    let engine = Engine::new(
        Arc::new(MemoryStore::new()),
        registry.clone(),
        &Default::default(),
    );
    (engine, registry)
}

const SCORE: &str = r#"
name: score
tasks:
  - id: score
    type: model
    script: "threat_scoring_v2"
    body:
      features: "{{ input.features }}"
"#;

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-6)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_threat_scorer_gives_its_formulas_scores_labels_and_batches() {
    let (engine, _) = engine_with(&config(Path::new("models")));
    for (features, label) in [
        ([0.9, 0.8, 0.95], "malicious"),
        ([0.1, 0.2, 0.05], "benign"),
        ([0.5, 0.5, 0.25], "benign"),
    ] {
        let e = run_yaml(&engine, SCORE, json!({"features": features})).await;
        assert_eq!(
            state(&e, "score"),
            TaskState::Succeeded,
            "{}",
            task(&e, "score").error
        );
        let out = output(&e, "score");
        assert!(close(&out["risk"], risk(features)), "{features:?}: {out}");
        assert!(close(&out["score"], risk(features)), "{out}");
        assert_eq!(out["label"], label, "{out}");
        let logit = 3.0 * features[0] + 2.0 * features[1] + 4.0 * features[2] - 4.0;
        assert!(
            (out["logit"].as_f64().unwrap() - logit).abs() < 1e-5,
            "{out}"
        );
    }

    // A list of samples gives a list per output.
    let batch = json!([[0.9, 0.8, 0.95], [0.1, 0.2, 0.05]]);
    let e = run_yaml(&engine, SCORE, json!({"features": batch})).await;
    let out = output(&e, "score");
    assert_eq!(out["label"], json!(["malicious", "benign"]), "{out}");
    assert!(close(&out["risk"][1], risk([0.1, 0.2, 0.05])), "{out}");
    assert_eq!(
        task(&e, "score")
            .meta
            .as_ref()
            .map(|m| m.fields.contains_key("model")),
        Some(true)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_concurrent_calls_take_fewer_inferences_as_the_metrics_show() {
    let mut config = config(Path::new("models"));
    config.model_batch_window = std::time::Duration::from_millis(20);
    let (engine, registry) = engine_with(&config);
    let metrics = Metrics::new().unwrap();
    metrics.watch_models(registry.model_stats());

    let (spec, _) = spec::load(SCORE, Format::Yaml, engine.registry(), &Limits::default()).unwrap();
    let wf = store::save_if_changed(engine.store().as_ref(), spec)
        .await
        .unwrap();
    let plan = engine.plan(&wf).unwrap();
    let handles: Vec<_> = (0..100)
        .map(|i| {
            let f = [i as f64 / 100.0, 0.5, 0.25];
            let input = json!({"features": f}).as_object().unwrap().clone();
            (
                f,
                engine.start(
                    plan.clone(),
                    RunRequest {
                        input: orchestrator::proto::json_map_to_struct(&input),
                        ..Default::default()
                    },
                ),
            )
        })
        .collect();
    for (f, h) in handles {
        let e = h.wait().await.unwrap();
        let out = output(&e, "score");
        // Every call got its own row back.
        assert!(close(&out["risk"], risk(f)), "{f:?}: {out}");
    }

    let text = metrics.render();
    let read = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(name)?
                    .strip_prefix("{model=\"threat_scoring_v2/1\"")?
                    .rsplit(' ')
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    };
    let calls = read("swarm_workflow_model_calls_total");
    let inferences = read("swarm_workflow_model_inferences_total");
    assert_eq!(calls, 100.0);
    assert!(
        inferences < calls,
        "{inferences} inferences for {calls} calls"
    );
    println!("100 concurrent calls: {inferences} inferences");
}

#[tokio::test(flavor = "multi_thread")]
async fn model_calls_hold_no_cpu_slot_while_their_batch_fills() {
    // One CPU slot, held for an hour by a python task: a model task that
    // took a slot per call would wait behind it (and batch at most one).
    let mut config = config(Path::new("models"));
    config.workers = 1;
    config.model_batch_window = std::time::Duration::from_millis(20);
    let registry = Arc::new(Registry::builtin(&config));
    let engine = Engine::new(
        Arc::new(MemoryStore::new()),
        registry.clone(),
        &orchestrator::engine::EngineConfig::from(&config),
    );
    let load = |yaml: &str| {
        let (spec, _) =
            spec::load(yaml, Format::Yaml, engine.registry(), &Limits::default()).unwrap();
        let engine = engine.clone();
        async move {
            let wf = store::save_if_changed(engine.store().as_ref(), spec)
                .await
                .unwrap();
            engine.plan(&wf).unwrap()
        }
    };
    let hog = load("name: hog\ntasks:\n  - id: burn\n    type: python\n    script: |\n      import time\n      time.sleep(3600)\n").await;
    let hog = engine.start(hog, RunRequest::default());
    while engine.pools()[0].busy < 1 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let score = load(SCORE).await;
    let runs: Vec<_> = (0..50)
        .map(|i| {
            let input = json!({"features": [i as f64 / 50.0, 0.5, 0.25]});
            let request = RunRequest {
                input: orchestrator::proto::json_map_to_struct(input.as_object().unwrap()),
                ..Default::default()
            };
            engine.start(score.clone(), request)
        })
        .collect();
    for run in runs {
        let e = tokio::time::timeout(std::time::Duration::from_secs(60), run.wait())
            .await
            .expect("a model task waited behind the busy CPU slot")
            .unwrap();
        assert_eq!(
            state(&e, "score"),
            TaskState::Succeeded,
            "{}",
            task(&e, "score").error
        );
    }
    let (_, calls, inferences) = registry.model_stats().snapshot().remove(0);
    assert_eq!(calls, 50);
    assert!(
        inferences < calls,
        "{inferences} inferences: the batches did not fill"
    );
    hog.cancel("enough", "test");
    hog.wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_that_do_not_fit_and_missing_models_get_errors_naming_them() {
    let (engine, registry) = engine_with(&config(Path::new("models")));
    let cases = [
        (
            json!({"features": [0.9, 0.8]}),
            "input 'features': expected shape [3] (one sample) or [n, 3] (a list of samples), got [2]",
        ),
        (
            json!({"features": ["a", "b", "c"]}),
            "input 'features': expected numbers",
        ),
        (
            json!({}),
            "input 'features': required by threat_scoring_v2/1",
        ),
    ];
    for (input, message) in cases {
        let yaml = format!(
            "name: s\ntasks:\n  - id: score\n    type: model\n    script: threat_scoring_v2\n    body: {}\n",
            serde_json::to_string(&input).unwrap()
        );
        let e = run_yaml(&engine, &yaml, json!({})).await;
        assert_eq!(state(&e, "score"), TaskState::Failed);
        let error = &task(&e, "score").error;
        assert!(error.contains(message), "{error}\nwanted: {message}");
        assert_eq!(task(&e, "score").attempts, 1, "not retried: {error}");
    }
    let e = run_yaml(
        &engine,
        "name: s\ntasks:\n  - {id: score, type: model, script: threat_scoring_v2, body: {features: [1, 2, 3], extra: 1}}\n",
        json!({}),
    )
    .await;
    assert!(
        task(&e, "score")
            .error
            .contains("input 'extra': threat_scoring_v2/1 has no such input (inputs: features)"),
        "{}",
        task(&e, "score").error
    );

    let e = run_yaml(
        &engine,
        "name: s\ntasks:\n  - {id: score, type: model, script: no_such_model, body: {features: [1, 2, 3]}}\n",
        json!({}),
    )
    .await;
    let error = &task(&e, "score").error;
    assert!(
        error.contains("model 'no_such_model' is not in MODEL_DIR")
            && error.contains("no MODEL_REGISTRY_URL"),
        "{error}"
    );
    let e = run_yaml(
        &engine,
        "name: s\ntasks:\n  - {id: score, type: model, script: threat_scoring_v2, version: '7', body: {features: [1, 2, 3]}}\n",
        json!({}),
    )
    .await;
    assert!(
        task(&e, "score")
            .error
            .contains("version 7 is not in MODEL_DIR"),
        "{}",
        task(&e, "score").error
    );

    // Refused at definition: a name that is a path, a body that is a list.
    for (bad, message) in [
        (
            "script: ../../etc/passwd",
            "script: '../../etc/passwd' is not a plain name",
        ),
        ("body: [1, 2]", "body: must be an object of inputs by name"),
        (
            "version: a/b\n    script: m",
            "version: 'a/b' is not a plain name",
        ),
    ] {
        let yaml = format!("name: s\ntasks:\n  - id: score\n    type: model\n    {bad}\n");
        let yaml = if yaml.contains("script:") {
            yaml
        } else {
            format!("{yaml}    script: m\n")
        };
        let err = spec::load(&yaml, Format::Yaml, &registry, &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(message), "{err}\nwanted: {message}");
    }
}

/// `python3 -m http.server` serving `root` on a free loopback port.
struct RegistryServer(Child, u16);

impl Drop for RegistryServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(root: &Path) -> RegistryServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 serves the registry");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    RegistryServer(child, port)
}

/// Publishes the test model in `root` as `name`/`version` (and as
/// `latest`), with `sha256` in its model.json.
fn publish(root: &Path, name: &str, version: &str, sha256: &str) {
    let model = std::fs::read("models/threat_scoring_v2/1/model.onnx").unwrap();
    let mut meta: Value =
        serde_json::from_slice(&std::fs::read("models/threat_scoring_v2/1/model.json").unwrap())
            .unwrap();
    meta["version"] = json!(version);
    meta["sha256"] = json!(sha256);
    for dir in [version, "latest"] {
        let d = root.join(name).join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("model.onnx"), &model).unwrap();
        std::fs::write(d.join("model.json"), meta.to_string()).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_from_the_registry_url_is_verified_cached_and_refused_when_its_hash_differs() {
    use sha2::Digest;
    let remote = tempfile::tempdir().unwrap();
    let digest = hex::encode(sha2::Sha256::digest(
        std::fs::read("models/threat_scoring_v2/1/model.onnx").unwrap(),
    ));
    publish(remote.path(), "scorer", "3", &digest);
    publish(remote.path(), "tampered", "1", &"0".repeat(64));
    let server = serve(remote.path());

    let cache = tempfile::tempdir().unwrap();
    let mut config = config(cache.path());
    config.model_registry_url = Some(format!("http://127.0.0.1:{}", server.1));
    let (engine, _) = engine_with(&config);
    let yaml = "name: s\ntasks:\n  - {id: score, type: model, script: scorer, body: {features: [0.9, 0.8, 0.95]}}\n";
    let e = run_yaml(&engine, yaml, json!({})).await;
    assert_eq!(
        state(&e, "score"),
        TaskState::Succeeded,
        "{}",
        task(&e, "score").error
    );
    assert!(close(&output(&e, "score")["risk"], risk([0.9, 0.8, 0.95])));
    // Cached under the version the registry named for "latest".
    let cached = cache.path().join("scorer/3/model.onnx");
    assert_eq!(
        hex::encode(sha2::Sha256::digest(std::fs::read(&cached).unwrap())),
        digest
    );

    let yaml = "name: t\ntasks:\n  - {id: score, type: model, script: tampered, body: {features: [0.9, 0.8, 0.95]}}\n";
    let e = run_yaml(&engine, yaml, json!({})).await;
    let error = &task(&e, "score").error;
    assert!(
        error.contains(&format!(
            "SHA-256 is {digest}, model.json says {}; not used",
            "0".repeat(64)
        )),
        "{error}"
    );
    assert!(!cache.path().join("tampered/1").exists(), "nothing cached");
    let leftovers: Vec<_> = std::fs::read_dir(cache.path().join("scorer"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("3")]);

    // The registry gone, the cached model still serves.
    drop(server);
    let (engine, _) = engine_with(&config);
    let yaml = "name: s\ntasks:\n  - {id: score, type: model, script: scorer, version: '3', body: {features: [0.1, 0.2, 0.05]}}\n";
    let e = run_yaml(&engine, yaml, json!({})).await;
    assert_eq!(
        output(&e, "score")["label"],
        "benign",
        "{}",
        task(&e, "score").error
    );
}

#[tokio::test]
async fn a_registry_that_sends_without_end_is_cut_off_at_the_size_bound() {
    // The server streams a body with no length that never ends: the
    // download is counted as it arrives, not buffered whole first.
    let server = common::CountingServer::start().await;
    let cache = tempfile::tempdir().unwrap();
    let mut config = config(cache.path());
    config.model_registry_url = Some(server.url("endless"));
    let (engine, _) = engine_with(&config);
    let yaml = "name: s\ntasks:\n  - {id: score, type: model, script: scorer, body: {features: [0.9, 0.8, 0.95]}}\n";
    let e = run_yaml(&engine, yaml, json!({})).await;
    assert_eq!(state(&e, "score"), TaskState::Failed);
    let error = &task(&e, "score").error;
    assert!(
        error.contains("model.json: larger than 1048576 bytes"),
        "{error}"
    );
}
