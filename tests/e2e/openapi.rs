//! The `OpenAPI` document describes every route, and every documented route exists.

use reqwest::{Method, StatusCode};

use crate::support::TestServer;

#[tokio::test]
async fn the_document_is_served_and_every_documented_route_answers() {
    let s = TestServer::start().await;
    let (status, doc) = s.call_as(None, Method::GET, "/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for m in ["get", "post", "put", "patch", "delete"] {
            if item.get(m).is_none() {
                continue;
            }
            operations += 1;
            let op = &item[m];
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{m} {path} documents no response");
            if path == "/v1/events" {
                continue; // a stream: its answer never ends
            }
            let concrete = path.replace("{id}", "does_not_exist");
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).expect("method");
            let (status, body) = s.call_as(Some(&s.key), method, &concrete, Some(serde_json::json!({}))).await;
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{m} {path} is documented but not routed");
            let unrouted = status == StatusCode::NOT_FOUND && body["error"]["message"] == "route not found";
            assert!(!unrouted, "{m} {path} is documented but not routed");
        }
    }
    assert!(operations >= 35, "only {operations} operations documented");
}

#[test]
fn every_route_of_the_router_is_in_the_document() {
    // The router and the document come from one `routes!` list; this pins the list.
    let doc = frontdesk_server::routes::openapi();
    let mut documented: Vec<String> = doc.paths.paths.keys().cloned().collect();
    documented.sort();
    let expected = [
        "/v1/agents",
        "/v1/conversations",
        "/v1/conversations/bulk",
        "/v1/conversations/{id}",
        "/v1/conversations/{id}/archive",
        "/v1/conversations/{id}/assign",
        "/v1/conversations/{id}/close",
        "/v1/conversations/{id}/copilot/suggest",
        "/v1/conversations/{id}/handoff",
        "/v1/conversations/{id}/handoff/request",
        "/v1/conversations/{id}/handoff/resolve",
        "/v1/conversations/{id}/messages",
        "/v1/conversations/{id}/pending",
        "/v1/conversations/{id}/presence",
        "/v1/conversations/{id}/priority",
        "/v1/conversations/{id}/read",
        "/v1/conversations/{id}/reopen",
        "/v1/conversations/{id}/snooze",
        "/v1/conversations/{id}/star",
        "/v1/conversations/{id}/suggestions",
        "/v1/conversations/{id}/tags",
        "/v1/conversations/{id}/unarchive",
        "/v1/conversations/{id}/unassign",
        "/v1/conversations/{id}/unread",
        "/v1/conversations/{id}/unstar",
        "/v1/events",
        "/v1/inbound",
        "/v1/me",
        "/v1/openapi.json",
        "/v1/sla",
        "/v1/suggestions",
        "/v1/suggestions/{id}/dismiss",
        "/v1/suggestions/{id}/send",
        "/v1/views",
        "/v1/views/counts",
        "/v1/views/{id}",
    ];
    assert_eq!(documented, expected);
}
