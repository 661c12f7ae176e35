//! Bad input gets a clear error in the envelope, and nothing is stored.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::support::{TestServer, code, config};

async fn raw_post(s: &TestServer, path: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    let resp = s
        .client
        .post(s.path(path))
        .bearer_auth(&s.key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn message_count(s: &TestServer, id: &str) -> u64 {
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    c["message_count"].as_u64().expect("count")
}

#[tokio::test]
async fn malformed_json_is_400_and_stores_nothing() {
    let s = TestServer::start().await;
    let id = s.conversation("+15557000001").await;
    let (status, err) = raw_post(&s, &format!("/v1/conversations/{id}/messages"), "{\"body\": \"unterminated").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&err), "MALFORMED_JSON");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("not valid JSON")), "{err}");
    assert_eq!(message_count(&s, &id).await, 1);
}

#[tokio::test]
async fn a_wrong_type_is_422_naming_the_field() {
    let s = TestServer::start().await;
    let id = s.conversation("+15557000002").await;
    let (status, err) = raw_post(&s, &format!("/v1/conversations/{id}/messages"), r#"{"body": 42}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&err), "VALIDATION_ERROR");
    assert_eq!(err["error"]["field"], "body");
    let (status, err) =
        raw_post(&s, "/v1/inbound", r#"{"channel": "sms", "contact": {"handle": 5}, "body": "x"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["field"], "contact.handle");
    let (status, err) = raw_post(&s, &format!("/v1/conversations/{id}/snooze"), r#"{"until": "next tuesday"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["field"], "until");
    let (status, err) = raw_post(&s, "/v1/conversations/bulk", r#"{"ids": "all", "action": {"type": "star"}}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["field"], "ids");
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["status"], "open");
    assert_eq!(message_count(&s, &id).await, 1);
}

#[tokio::test]
async fn unknown_fields_are_tolerated() {
    let s = TestServer::start().await;
    let id = s.conversation("+15557000003").await;
    let (status, m) =
        s.post(&format!("/v1/conversations/{id}/messages"), json!({"body": "hi", "from_the_future": {"x": 1}})).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
}

#[tokio::test]
async fn an_oversized_body_is_413_and_stores_nothing() {
    let mut cfg = config();
    cfg.server.body_limit_bytes = 64 * 1024;
    let s = TestServer::start_with(cfg).await;
    let id = s.conversation("+15557000004").await;
    let huge = json!({"body": "x".repeat(10 * 1024 * 1024)}).to_string();
    let (status, err) = raw_post(&s, &format!("/v1/conversations/{id}/messages"), huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&err), "PAYLOAD_TOO_LARGE");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("65536")), "{err}");
    assert_eq!(message_count(&s, &id).await, 1);
    // The server keeps serving after it.
    let (status, _) = s.get("/v1/me").await;
    assert_eq!(status, StatusCode::OK);
}

/// The client keeps a vendor's unknown channel or status as it came; the server takes
/// only the names its API documents, so one it does not know is a 422 naming the
/// field, nested ones included, and nothing is stored.
#[tokio::test]
async fn an_unknown_enum_name_is_422_naming_the_field() {
    let s = TestServer::start().await;
    let id = s.conversation("+15557000003").await;
    let (status, err) =
        raw_post(&s, "/v1/inbound", r#"{"channel": "rcs", "contact": {"handle": "+15557000003"}, "body": "x"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["field"], "channel");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("`rcs`") && m.contains("`sms`")), "{err}");
    let resp = s
        .client
        .put(s.path(&format!("/v1/conversations/{id}/priority")))
        .bearer_auth(&s.key)
        .json(&json!({ "priority": "medium" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = resp.json().await.expect("the envelope");
    assert_eq!(err["error"]["field"], "priority");
    let (status, err) =
        raw_post(&s, "/v1/views", r#"{"name": "Odd", "filter": {"status": ["open", "escalated"]}}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["field"], "filter.status[1]");
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!((&c["priority"], &c["message_count"]), (&json!("normal"), &json!(1)));
    let (_, views) = s.get("/v1/views").await;
    assert!(!views.to_string().contains("Odd"), "{views}");
}

#[tokio::test]
async fn an_unknown_route_is_404_in_the_envelope() {
    let s = TestServer::start().await;
    let (status, err) = s.get("/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&err), "NOT_FOUND");
}

#[tokio::test]
async fn agent_text_is_sanitised_too() {
    let s = TestServer::start().await;
    let id = s.conversation("+15557000005").await;
    let (status, m) = s
        .post(&format!("/v1/conversations/{id}/messages"), json!({"body": "ok\u{1b}]52;c;aGk=\u{7}\u{202e}done"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let body = m["body"].as_str().expect("body");
    assert!(!body.contains('\u{1b}') && !body.contains('\u{202e}'), "{body:?}");
    assert!(body.starts_with("ok") && body.ends_with("done"));
}

/// A value of the wrong type for a property of `schema` (by its `OpenAPI` type), or
/// `None` where anything goes.
fn wrong_value(schema: &Value) -> Option<Value> {
    let ty = match &schema["type"] {
        Value::String(t) => Some(t.as_str()),
        // `["string", "null"]`: an optional field.
        Value::Array(types) => types.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    };
    match ty {
        Some("string") => Some(json!(5)),
        Some("integer" | "number" | "boolean" | "array" | "object") => Some(json!("x")),
        // A reference (an enum's names or a struct) takes neither a bare number…
        None if schema.get("$ref").is_some() => Some(json!(5)),
        // …nor does a choice between them; anything else is free-form.
        None if schema.get("oneOf").is_some() || schema.get("allOf").is_some() => Some(json!(5)),
        _ => None,
    }
}

/// Every property of every JSON request body in the API document, sent with a
/// value of the wrong type (valid JSON): always 422 naming that property, never
/// "not valid JSON".
#[tokio::test]
async fn every_wrong_type_in_every_body_is_422_naming_the_field() {
    let s = TestServer::start().await;
    let id = s.conversation("+15557000010").await;
    let (_, doc) = s.get("/v1/openapi.json").await;
    let schemas = &doc["components"]["schemas"];
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let Some(body) = op["requestBody"]["content"]["application/json"]["schema"].as_object() else { continue };
            let name = body.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next());
            let Some(props) = name.and_then(|n| schemas[n]["properties"].as_object()) else { continue };
            let url = path.replace("{id}", &id);
            for (prop, schema) in props {
                let Some(wrong) = wrong_value(schema) else { continue };
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                let resp = s
                    .client
                    .request(method.clone(), s.path(&url))
                    .bearer_auth(&s.key)
                    .json(&json!({ prop.as_str(): wrong }))
                    .send()
                    .await
                    .expect("sent");
                let status = resp.status();
                let err: Value = resp.json().await.unwrap_or(Value::Null);
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path} {prop} = {wrong}: {err}");
                assert_eq!(err["error"]["field"], prop.as_str(), "{method} {path} {prop} = {wrong}: {err}");
                tried += 1;
            }
        }
    }
    assert!(tried >= 20, "the document lists the bodies' properties: {tried} tried");
}
