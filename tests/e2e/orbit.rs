//! Contract tests for the Orbit adapter against a wiremock Orbit.
//!
//! The envelope (`{data, meta: {request_id, timestamp, pagination}}`), the error body
//! (`{error: {code, message, status, details?}, meta}`), the rate-limit headers and the
//! endpoint paths are Orbit's own (`vendors/orbit-*.txt`, `vendors/NOTES.md`). The
//! conversation, message, bulk and copilot objects were never published: the fixtures
//! use the field names the adapter models in `crates/provider-orbit/src/wire.rs`, so they are
//! the ones to correct when Orbit documents them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use futures::stream::BoxStream;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_partial_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use frontdesk_domain::{
    AgentId, AiState, AuthorKind, Change, Channel, Conversation, ConversationId, Direction, EventKind, Message,
    MessageKind, NextAction, Op, PresenceState, Priority, ReplyKind, Status, Suggestion, SuggestionStatus, ViewId,
    ViewKind,
};
use frontdesk_provider::{Applied, ListQuery, Provider, ProviderError, Update};
use frontdesk_provider_orbit::OrbitProvider;

/// Sections 6 and 7: error bodies, and what Orbit lacks.
mod errors;
/// Sections 8 and 9: presence and the event stream.
mod live;
/// Section 3: a conversation and its thread.
mod reads;
/// Sections 4 and 5: writes and the copilot.
mod writes;

const KEY: &str = "dv_test_sk_contract_7f3a";
const TS: &str = "2026-11-25T10:00:00Z";

// ---------------------------------------------------------------------------------
// Fixtures: Orbit's envelope and error body, as its pages show them.
// ---------------------------------------------------------------------------------

/// `meta` of a single object (no pagination), as the agents page shows it.
fn meta() -> Value {
    json!({ "request_id": "req_contract_001", "timestamp": TS })
}

/// `meta` of a list page.
fn paged_meta(cursor: Option<&str>, has_more: bool, total: u64) -> Value {
    json!({
        "request_id": "req_contract_002",
        "timestamp": TS,
        "pagination": { "cursor": cursor, "has_more": has_more, "total": total }
    })
}

fn ok(data: Value) -> ResponseTemplate {
    let mut body = json!({ "meta": meta() });
    body["data"] = data;
    ResponseTemplate::new(200).set_body_json(body)
}

pub(crate) fn ok_page(data: Value, cursor: Option<&str>, has_more: bool, total: u64) -> ResponseTemplate {
    let mut body = json!({ "meta": paged_meta(cursor, has_more, total) });
    body["data"] = data;
    ResponseTemplate::new(200).set_body_json(body)
}

/// Orbit's error body; `status` repeats the HTTP status, as the docs say it does.
fn orbit_error(status: u16, code: &str, message: &str, details: Option<Value>) -> ResponseTemplate {
    let mut error = json!({ "code": code, "message": message, "status": status });
    if let Some(d) = details {
        error["details"] = d;
    }
    ResponseTemplate::new(status).set_body_json(json!({
        "error": error,
        "meta": { "request_id": "req_contract_err", "timestamp": TS, "docs_url": "https://docs.orbit.devotel.io/errors" }
    }))
}

/// ASSUMED conversation object: Orbit's pages publish the endpoints, not the
/// object's shape, so this is a reading (the fields an inbox row needs, in Orbit's
/// naming where the pages use it), not a fact; the adapter also reads the other
/// spellings a real server may send (`assigned_agent`, `assignee` as an id, …).
pub(crate) fn conv(id: &str) -> Value {
    json!({
        "id": id,
        "channel": "whatsapp",
        "status": "open",
        "unread": true,
        "contact": { "id": "cnt_1", "name": "Jane Doe", "phone": "+14155550123" },
        "assignee": null,
        "tags": ["vip"],
        "last_message": {
            "body": "Is my order on its way?", "direction": "inbound", "created_at": "2026-11-24T09:00:00Z"
        },
        "message_count": 3,
        "created_at": "2026-11-24T09:00:00Z",
        "updated_at": "2026-11-24T09:00:00Z"
    })
}

/// `base` with `patch`'s fields over it.
fn with(mut base: Value, patch: &Value) -> Value {
    if let (Some(b), Some(p)) = (base.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

/// ASSUMED message object, like [`conv`].
fn msg(id: &str, direction: &str, sender: &str, body: &str, at: &str) -> Value {
    json!({
        "id": id, "conversation_id": "conv_1", "direction": direction, "type": "text", "body": body,
        "sender": { "type": sender, "id": format!("{sender}_1"), "name": format!("{sender} one") },
        "status": "delivered", "created_at": at
    })
}

pub(crate) async fn orbit() -> (MockServer, OrbitProvider) {
    let server = MockServer::start().await;
    let url = format!("{}/api/v1", server.uri());
    let p = OrbitProvider::new("orbit", &url, SecretString::from(KEY.to_owned())).expect("provider builds");
    (server, p)
}

pub(crate) async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("request recording is on")
}

fn header_of(r: &Request, name: &str) -> Option<String> {
    r.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

pub(crate) fn query_of(r: &Request, key: &str) -> Option<String> {
    r.url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// A hang guard, not a timing assertion.
pub(crate) async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f).await.expect("no answer in 20 s (hang guard)")
}

fn cid(id: &str) -> ConversationId {
    ConversationId::from(id)
}

fn change(id: &str, change: Change) -> Op {
    Op::Change { conversation: cid(id), change }
}

fn reply(id: &str, body: &str) -> Op {
    Op::Send {
        conversation: cid(id),
        kind: ReplyKind::Reply,
        body: body.to_owned(),
        suggestion: None,
        attachments: Vec::new(),
    }
}

fn query(view: &str) -> ListQuery {
    ListQuery { view: Some(ViewId::from(view)), limit: 25, ..ListQuery::default() }
}

async fn applied(p: &OrbitProvider, op: Op, key: &str) -> Applied {
    within(p.apply(op, key.to_owned())).await.expect("the op applies")
}

async fn applied_conversation(p: &OrbitProvider, op: Op, key: &str) -> Conversation {
    match applied(p, op, key).await {
        Applied::Conversation(c) => *c,
        other => panic!("expected a conversation, got {other:?}"),
    }
}

async fn applied_message(p: &OrbitProvider, op: Op, key: &str) -> Message {
    match applied(p, op, key).await {
        Applied::Message(m) => *m,
        other => panic!("expected a message, got {other:?}"),
    }
}

async fn applied_suggestion(p: &OrbitProvider, op: Op, key: &str) -> Suggestion {
    match applied(p, op, key).await {
        Applied::Suggestion(s) => *s,
        other => panic!("expected a suggestion, got {other:?}"),
    }
}

async fn apply_err(p: &OrbitProvider, op: Op) -> ProviderError {
    within(p.apply(op, "key-err".to_owned())).await.expect_err("the op must fail")
}

// ---------------------------------------------------------------------------------
// 1. Auth and idempotency headers
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn every_request_carries_the_api_key_and_every_write_the_ops_idempotency_key() {
    let (server, p) = orbit().await;
    let closed = with(conv("conv_1"), &json!({ "status": "closed" }));
    let routes: [(&str, &str, ResponseTemplate); 9] = [
        ("GET", "/api/v1/conversations", ok_page(json!([conv("conv_1")]), None, false, 1)),
        ("GET", "/api/v1/conversations/conv_1", ok(conv("conv_1"))),
        (
            "GET",
            "/api/v1/conversations/conv_1/messages",
            ok_page(json!([msg("m1", "inbound", "contact", "hi", TS)]), None, false, 1),
        ),
        ("GET", "/api/v1/inbox/conv_1/internal-notes", ok_page(json!([]), None, false, 0)),
        ("POST", "/api/v1/conversations/conv_1/close", ok(closed.clone())),
        ("POST", "/api/v1/conversations/conv_1/reply", ok(msg("m2", "outbound", "user", "thanks", TS))),
        ("PUT", "/api/v1/conversations/conv_1/tags", ok(conv("conv_1"))),
        ("POST", "/api/v1/conversations/bulk", ok(json!({ "succeeded": ["conv_1"], "failed": [] }))),
        ("POST", "/api/v1/inbox/conv_1/viewing", ok(json!({}))),
    ];
    for (verb, route, answer) in routes {
        Mock::given(method(verb)).and(path(route)).respond_with(answer).mount(&server).await;
    }

    within(p.list(query("all"))).await.expect("list");
    within(p.conversation(cid("conv_1"))).await.expect("conversation");
    within(p.thread(cid("conv_1"), 50)).await.expect("thread");
    applied(&p, change("conv_1", Change::Close), "key-close-0001").await;
    applied(&p, reply("conv_1", "thanks"), "key-reply-0002").await;
    applied(&p, change("conv_1", Change::AddTags { tags: vec!["refund".into()] }), "key-tags-0003").await;
    let bulk = Op::Bulk { conversations: vec![cid("conv_1")], change: Change::Close };
    applied(&p, bulk, "key-bulk-0004").await;
    within(p.presence(cid("conv_1"), PresenceState::Viewing)).await.expect("presence");

    let reqs = requests(&server).await;
    assert!(reqs.len() >= 10, "every call reached the mock: {}", reqs.len());
    for r in &reqs {
        assert_eq!(header_of(r, "x-api-key").as_deref(), Some(KEY), "X-API-Key on {} {}", r.method, r.url);
        if r.method.as_str() != "GET" {
            let key = header_of(r, "idempotency-key");
            assert!(key.as_deref().is_some_and(|k| !k.trim().is_empty()), "Idempotency-Key on {} {}", r.method, r.url);
        }
    }
    let key_of = |verb: &str, route: &str| {
        let hits: Vec<_> = reqs.iter().filter(|r| r.method.as_str() == verb && r.url.path() == route).collect();
        assert_eq!(hits.len(), 1, "{verb} {route} sent once");
        header_of(hits[0], "idempotency-key")
    };
    assert_eq!(key_of("POST", "/api/v1/conversations/conv_1/close").as_deref(), Some("key-close-0001"));
    assert_eq!(key_of("POST", "/api/v1/conversations/conv_1/reply").as_deref(), Some("key-reply-0002"));
    assert_eq!(key_of("PUT", "/api/v1/conversations/conv_1/tags").as_deref(), Some("key-tags-0003"));
    assert_eq!(key_of("POST", "/api/v1/conversations/bulk").as_deref(), Some("key-bulk-0004"));
    let presence_key = key_of("POST", "/api/v1/inbox/conv_1/viewing").expect("presence has a key");
    assert!(!presence_key.starts_with("key-"), "presence is not an op: a fresh key ({presence_key})");
}

// ---------------------------------------------------------------------------------
// 2. list
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn list_pages_to_the_end_with_cursor_and_has_more() {
    let (server, p) = orbit().await;
    let rows = |ids: &[&str]| Value::Array(ids.iter().map(|id| conv(id)).collect());
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok_page(rows(&["conv_1", "conv_2"]), Some("cur_p2"), true, 5))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param("cursor", "cur_p2"))
        .respond_with(ok_page(rows(&["conv_3", "conv_4"]), Some("cur_p3"), true, 5))
        .expect(1)
        .mount(&server)
        .await;
    // The last page still names a cursor: `has_more: false` is what ends it.
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param("cursor", "cur_p3"))
        .respond_with(ok_page(rows(&["conv_5"]), Some("cur_p3_tail"), false, 5))
        .expect(1)
        .mount(&server)
        .await;

    let mut ids = Vec::new();
    let mut cursor = None;
    for _ in 0..10 {
        // Asks for more than Orbit's smaller documented maximum: it must be clamped.
        let q =
            ListQuery { view: Some(ViewId::from("all")), limit: 500, cursor: cursor.take(), ..ListQuery::default() };
        let page = within(p.list(q)).await.expect("a page");
        ids.extend(page.items.into_iter().map(|c| c.id.to_string()));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(ids, ["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"]);
    server.verify().await;
    for r in requests(&server).await {
        let limit: u32 = query_of(&r, "limit").expect("limit sent").parse().expect("limit is a number");
        assert!((1..=100).contains(&limit), "limit {limit} within Orbit's maximum");
    }
}

#[tokio::test]
async fn list_keeps_rows_with_unknown_fields_and_values_and_skips_only_a_row_without_id() {
    let (server, p) = orbit().await;
    let odd = with(
        conv("conv_odd"),
        &json!({
            "channel": "telegram",
            "status": "escalated",
            "ai_state": "quantum_handoff",
            "priority": "blocker",
            "custom_attributes": { "plan": { "tier": "gold", "seats": [1, 2, 3] } },
            "sla": { "policy": { "id": "sla_1", "targets": { "first_response": 300 } } },
            "brand_new_field": [{ "x": 1 }]
        }),
    );
    let mut no_id = conv("ignored");
    no_id.as_object_mut().expect("object").remove("id");
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ok_page(json!([conv("conv_1"), no_id, odd]), None, false, 3))
        .mount(&server)
        .await;

    let page = within(p.list(query("all"))).await.expect("the page still reads");
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["conv_1", "conv_odd"], "the row without id is skipped, the others come");
    let odd = &page.items[1];
    assert_eq!(odd.contact.name, "Jane Doe");
    // Values we have no name for are kept as Orbit sent them, not mapped to ours.
    assert_eq!(odd.status, Status::Other("escalated".into()));
    assert_eq!(odd.channel, Channel::Other("telegram".into()));
    assert_eq!(odd.priority, Priority::Other("blocker".into()));
    assert_eq!(odd.tags, ["vip"]);
    assert_eq!(page.next_cursor, None);
}

/// NOTES.md: every unpublished field is optional. JSON APIs say "absent" with `null`
/// as often as by leaving the key out; a `null` list must not drop the row.
#[tokio::test]
async fn list_keeps_a_row_whose_optional_fields_are_null() {
    let (server, p) = orbit().await;
    let nulls = with(
        conv("conv_nulls"),
        &json!({
            "tags": null, "subject": null, "assignee": null, "team": null, "unread": null,
            "priority": null, "last_message": null, "ai_state": null, "snoozed_until": null
        }),
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ok_page(json!([conv("conv_1"), nulls]), None, false, 2))
        .mount(&server)
        .await;
    let page = within(p.list(query("all"))).await.expect("the page reads");
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["conv_1", "conv_nulls"], "a row with null optional fields is kept");
    assert!(page.items[1].tags.is_empty());
}

#[tokio::test]
async fn list_views_send_orbits_filters() {
    let (server, p) = orbit().await;
    for (key, value, row) in
        [("assignee", "me", "conv_mine"), ("unread", "true", "conv_unread"), ("assignee", "unassigned", "conv_free")]
    {
        Mock::given(method("GET"))
            .and(path("/api/v1/conversations"))
            .and(query_param(key, value))
            .respond_with(ok_page(json!([conv(row)]), None, false, 1))
            .expect(1)
            .mount(&server)
            .await;
    }
    for (view, row) in [("mine", "conv_mine"), ("unread", "conv_unread"), ("unassigned", "conv_free")] {
        let page = within(p.list(query(view))).await.expect("list");
        let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, [row], "view {view}");
    }
    server.verify().await;
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 3);
    let (mine, unread, free) = (&reqs[0], &reqs[1], &reqs[2]);
    assert_eq!(query_of(mine, "assignee").as_deref(), Some("me"));
    assert_eq!(query_of(mine, "unread"), None);
    assert_eq!(query_of(unread, "unread").as_deref(), Some("true"));
    assert_eq!(query_of(unread, "assignee"), None);
    assert_eq!(query_of(free, "assignee").as_deref(), Some("unassigned"));
    assert_eq!(query_of(free, "unread"), None);
}
