//! The REST contract as a client meets it: the OpenAPI document served at
//! `/v1/openapi.json` (open even when every other route needs a token),
//! and the request rules it documents that serde alone would not enforce.
//! scripts/test-contract.sh checks every answer against the document.

mod common;

use common::server::{Server, client, send};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_document_is_served_to_anyone_and_describes_the_guarded_routes() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef\n").unwrap();
    let s = Server::start_with_env(
        &dir.path().join("data"),
        &[],
        &[("AUTH_JWT_SECRET_FILE", secret.to_str().unwrap())],
    );
    let c = client();
    let (status, doc) = send(c.get(s.url("/v1/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let run = &doc["paths"]["/v1/run"]["post"];
    assert_eq!(
        run["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/RunBody"
    );
    assert_eq!(
        run["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Summary"
    );
    assert_eq!(run["security"], json!([{"bearer": []}]));
    let create = &doc["paths"]["/v1/workflows"]["post"]["requestBody"]["content"];
    assert!(create["application/yaml"].is_object());
    let states = &doc["components"]["schemas"]["Summary"]["properties"]["status"]["enum"];
    assert!(states.as_array().unwrap().contains(&json!("timed_out")));

    // The routes it calls guarded are.
    let (status, _) = send(c.get(s.url("/v1/workflows"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_is_not_an_object_is_refused_not_read_field_by_field() {
    let s = Server::start();
    let c = client();
    for (path, body) in [
        ("/v1/run", json!(["diamond"])),
        ("/v1/events", json!(["alert", {}])),
        ("/v1/schedules", json!(["nightly", "diamond", "0 3 * * *"])),
        ("/v1/triggers", json!("on-alert")),
    ] {
        let (status, e) = send(c.post(s.url(path)).json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {e}");
        assert_eq!(
            e["message"], "invalid JSON body: expected an object",
            "{path}"
        );
    }
    let (_, schedules) = send(c.get(s.url("/v1/schedules"))).await;
    assert_eq!(schedules["schedules"], json!([]), "nothing was stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_answers_problems_even_for_a_document_that_does_not_load() {
    let s = Server::start();
    let c = client();
    let validate = |body: &'static str, content_type: &'static str| {
        c.post(s.url("/v1/workflows/validate"))
            .header("Content-Type", content_type)
            .body(body)
    };

    let (status, v) = send(validate("{\"name\": ", "application/json")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["valid"], false);
    let message = v["problems"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("invalid JSON: "), "{v}");

    let (_, v) = send(validate(
        "name: x\ntasks:\n  - id: a\n    type: teleport\n",
        "application/yaml",
    ))
    .await;
    assert_eq!(v["valid"], false);
    assert_eq!(
        v["problems"],
        json!([{"task_id": "a", "field": "type", "message": v["problems"][0]["message"]}])
    );

    let (_, v) = send(validate(
        "name: x\ntasks:\n  - id: a\n    type: echo\n",
        "application/yaml",
    ))
    .await;
    assert_eq!(v, json!({"valid": true}));

    let (status, e) = send(validate("  ", "application/json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        e["message"],
        "the body is empty: send a workflow definition"
    );
}
