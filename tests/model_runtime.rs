//! Without ONNX Runtime, `model` tasks fail with a message that says where
//! the library was looked for — the process does not crash. (Its own test
//! binary: the runtime is loaded once per process.)

mod common;

use std::sync::Arc;

use common::{run_yaml, state, task};
use orchestrator::engine::Engine;
use orchestrator::proto::TaskState;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_onnx_runtime_fails_the_task_naming_the_library() {
    let config = orchestrator::config::Config {
        ort_dylib_path: "/nonexistent/libonnxruntime.so".into(),
        ..Default::default()
    };
    let engine = Engine::new(
        Arc::new(orchestrator::store::MemoryStore::new()),
        Arc::new(orchestrator::plugins::Registry::builtin(&config)),
        &Default::default(),
    );
    let yaml = "name: s\ntasks:\n  - {id: score, type: model, script: threat_scoring_v2, body: {features: [1, 2, 3]}}\n  - {id: after, type: echo, body: 1}\n";
    for _ in 0..2 {
        let e = run_yaml(&engine, yaml, json!({})).await;
        assert_eq!(state(&e, "score"), TaskState::Failed);
        let error = &task(&e, "score").error;
        assert!(
            error.contains("cannot load ONNX Runtime from '/nonexistent/libonnxruntime.so'")
                && error.contains("ORT_DYLIB_PATH"),
            "{error}"
        );
        assert_eq!(state(&e, "after"), TaskState::Succeeded);
    }
}
