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

// ---------------------------------------------------------------------------------
// 3. conversation and thread
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_conversation_reads_from_get_conversations_id() {
    let (server, p) = orbit().await;
    let body = with(
        conv("conv_1"),
        &json!({
            "subject": "Order 1042",
            "assignee": { "id": "usr_2", "name": "Bo Agent", "email": "bo@acme.test" },
            "team": { "id": "team_b", "name": "Billing" },
            "tags": ["vip", "refund"],
            "ai_state": "ai_led",
            "ai_agent": { "id": "agt_abc123", "name": "Support Bot" }
        }),
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1"))
        .respond_with(ok(body))
        .expect(1)
        .mount(&server)
        .await;
    let c = within(p.conversation(cid("conv_1"))).await.expect("conversation");
    assert_eq!(c.id.as_str(), "conv_1");
    assert_eq!(c.channel, Channel::Whatsapp);
    assert_eq!(c.status, Status::Open);
    assert_eq!(c.contact.name, "Jane Doe");
    assert_eq!(c.contact.handle, "+14155550123");
    assert_eq!(c.subject.as_deref(), Some("Order 1042"));
    assert_eq!(c.assignee.as_ref().map(|a| a.id.as_str()), Some("usr_2"));
    assert_eq!(c.team.as_deref(), Some("Billing"));
    assert_eq!(c.tags, ["vip", "refund"]);
    assert!(c.unread);
    assert_eq!(c.ai_state, AiState::AiLed);
    assert_eq!(c.ai_agent.as_deref(), Some("Support Bot"));
    assert_eq!(c.last_message.as_ref().map(|m| m.preview.as_str()), Some("Is my order on its way?"));
    server.verify().await;
}

#[tokio::test]
async fn a_thread_is_oldest_first_across_pages_with_internal_notes_merged() {
    let (server, p) = orbit().await;
    // Orbit's order is not promised: the first page here is newest first.
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1/messages"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok_page(
            json!([
                msg("m3", "outbound", "user", "Refunded.", "2026-11-24T09:03:00Z"),
                msg("m1", "inbound", "contact", "Where is my order?", "2026-11-24T09:00:00Z"),
            ]),
            Some("cur_m2"),
            true,
            3,
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1/messages"))
        .and(query_param("cursor", "cur_m2"))
        .respond_with(ok_page(
            json!([msg("m2", "outbound", "ai", "Let me check.", "2026-11-24T09:01:00Z")]),
            None,
            false,
            3,
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inbox/conv_1/internal-notes"))
        .respond_with(ok_page(
            json!([{
                "id": "note_1", "body": "Customer is a VIP: refund without asking.",
                "author": { "type": "user", "id": "usr_2", "name": "Bo Agent" },
                "created_at": "2026-11-24T09:02:00Z"
            }]),
            None,
            false,
            1,
        ))
        .expect(2)
        .mount(&server)
        .await;

    let thread = within(p.thread(cid("conv_1"), 50)).await.expect("thread");
    let ids: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "note_1", "m3"], "oldest first, the note in its place");
    assert!(thread.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    assert_eq!(thread[0].direction, Direction::Inbound);
    assert_eq!(thread[0].author.kind, AuthorKind::Contact);
    assert_eq!(thread[1].author.kind, AuthorKind::Ai);
    assert_eq!(thread[2].kind, MessageKind::Note);
    assert_eq!(thread[2].body, "Customer is a VIP: refund without asking.");
    assert_eq!(thread[2].author.name, "Bo Agent");
    assert!(thread.iter().filter(|m| m.id.as_str() != "note_1").all(|m| m.kind == MessageKind::Reply));
    assert!(thread.iter().all(|m| m.conversation_id.as_str() == "conv_1"));

    // The newest `limit` are kept.
    let tail = within(p.thread(cid("conv_1"), 2)).await.expect("thread tail");
    let ids: Vec<&str> = tail.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["note_1", "m3"]);
    server.verify().await;
}

#[tokio::test]
async fn refused_internal_notes_leave_the_thread_and_are_not_asked_again() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1/messages"))
        .respond_with(ok_page(
            json!([msg("m1", "inbound", "contact", "Where is my order?", "2026-11-24T09:00:00Z")]),
            None,
            false,
            1,
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inbox/conv_1/internal-notes"))
        .respond_with(orbit_error(403, "FORBIDDEN", "This endpoint requires a session token", None))
        .expect(1)
        .mount(&server)
        .await;

    for round in 0..2 {
        let thread = within(p.thread(cid("conv_1"), 50)).await.expect("the thread loads without notes");
        let ids: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m1"], "round {round}");
    }
    server.verify().await;
}

// ---------------------------------------------------------------------------------
// 4. Writes, with the bodies the adapter sends
// ---------------------------------------------------------------------------------

/// Mounts `verb /api/v1/conversations/conv_1{rest}` matching `sent`, answering
/// `answer`, applies `what` and checks the endpoint was called once.
async fn write_contract(what: Change, verb: &str, rest: &str, sent: Value, answer: Value) -> Conversation {
    let (server, p) = orbit().await;
    Mock::given(method(verb))
        .and(path(format!("/api/v1/conversations/conv_1{rest}")))
        .and(body_partial_json(sent))
        .respond_with(ok(answer))
        .expect(1)
        .mount(&server)
        .await;
    let c = applied_conversation(&p, change("conv_1", what), "key-write").await;
    server.verify().await;
    c
}

#[tokio::test]
async fn reply_posts_the_body_and_answers_the_message() {
    let (server, p) = orbit().await;
    let text = "Thanks — I just refunded that order.";
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/reply"))
        .and(body_json(json!({ "body": text })))
        .respond_with(ok(json!({
            "id": "msg_77", "conversation_id": "conv_1", "direction": "outbound", "type": "text",
            "body": text, "status": "queued", "created_at": TS
        })))
        .expect(1)
        .mount(&server)
        .await;
    let m = applied_message(&p, reply("conv_1", text), "key-reply").await;
    assert_eq!(m.body, text);
    assert_eq!(m.id.as_str(), "msg_77");
    assert_eq!(m.conversation_id.as_str(), "conv_1");
    assert_eq!(m.direction, Direction::Outbound);
    assert_eq!(m.kind, MessageKind::Reply);
    server.verify().await;
}

#[tokio::test]
async fn reply_answered_with_only_an_id_is_still_the_message_sent() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/reply"))
        .respond_with(ok(json!({ "id": "msg_78" })))
        .expect(1)
        .mount(&server)
        .await;
    let m = applied_message(&p, reply("conv_1", "On its way."), "key-reply").await;
    assert_eq!(m.body, "On its way.");
    assert_eq!(m.id.as_str(), "msg_78");
    assert_eq!(m.direction, Direction::Outbound);
    server.verify().await;
}

#[tokio::test]
async fn assign_to_an_agent_posts_assignee_id() {
    let answer = with(conv("conv_1"), &json!({ "assignee": { "id": "usr_2", "name": "Bo Agent" } }));
    let c = write_contract(
        Change::Assign { agent_id: Some(AgentId::from("usr_2")), team: None },
        "POST",
        "/assign",
        json!({ "assignee_id": "usr_2" }),
        answer,
    )
    .await;
    assert_eq!(c.assignee.map(|a| a.name.clone()), Some("Bo Agent".to_owned()));
}

#[tokio::test]
async fn assign_to_a_team_posts_team_id() {
    let answer = with(conv("conv_1"), &json!({ "team": { "id": "team_billing", "name": "Billing" } }));
    let c = write_contract(
        Change::Assign { agent_id: None, team: Some("team_billing".to_owned()) },
        "POST",
        "/assign",
        json!({ "team_id": "team_billing" }),
        answer,
    )
    .await;
    assert_eq!(c.team.as_deref(), Some("Billing"));
}

#[tokio::test]
async fn set_tags_puts_the_whole_list() {
    let answer = with(conv("conv_1"), &json!({ "tags": ["billing", "refund"] }));
    let (server, p) = orbit().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/conversations/conv_1/tags"))
        .and(body_json(json!({ "tags": ["billing", "refund"] })))
        .respond_with(ok(answer))
        .expect(1)
        .mount(&server)
        .await;
    let op = change("conv_1", Change::SetTags { tags: vec!["billing".into(), "refund".into()] });
    let c = applied_conversation(&p, op, "key-tags").await;
    assert_eq!(c.tags, ["billing", "refund"]);
    server.verify().await;
}

#[tokio::test]
async fn add_tags_reads_then_puts_the_merged_list_keeping_a_tag_another_agent_added() {
    let (server, p) = orbit().await;
    // Bo added "bo-added" a moment ago: the list on Orbit is newer than ours.
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1"))
        .respond_with(ok(with(conv("conv_1"), &json!({ "tags": ["vip", "bo-added"] }))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/conversations/conv_1/tags"))
        .and(body_json(json!({ "tags": ["vip", "bo-added", "refund"] })))
        .respond_with(ok(with(conv("conv_1"), &json!({ "tags": ["vip", "bo-added", "refund"] }))))
        .expect(1)
        .mount(&server)
        .await;
    let op = change("conv_1", Change::AddTags { tags: vec!["refund".into(), "vip".into()] });
    let c = applied_conversation(&p, op, "key-add-tags").await;
    assert_eq!(c.tags, ["vip", "bo-added", "refund"]);
    server.verify().await;
    let order: Vec<String> = requests(&server).await.iter().map(|r| r.method.to_string()).collect();
    assert_eq!(order, ["GET", "PUT"], "read before the write");
}

#[tokio::test]
async fn close_posts_close() {
    let c = write_contract(
        Change::Close,
        "POST",
        "/close",
        json!({}),
        with(conv("conv_1"), &json!({ "status": "closed" })),
    )
    .await;
    assert_eq!(c.status, Status::Closed);
}

#[tokio::test]
async fn a_write_answered_without_the_conversation_reads_it_back() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/close"))
        .respond_with(ok(json!({ "success": true })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1"))
        .respond_with(ok(with(conv("conv_1"), &json!({ "status": "resolved" }))))
        .expect(1)
        .mount(&server)
        .await;
    let c = applied_conversation(&p, change("conv_1", Change::Close), "key-close").await;
    assert_eq!(c.status, Status::Closed);
    server.verify().await;
}

#[tokio::test]
async fn snooze_posts_until() {
    let until: jiff::Timestamp = "2026-12-01T09:00:00Z".parse().expect("timestamp");
    let answer = with(conv("conv_1"), &json!({ "status": "snoozed", "snoozed_until": "2026-12-01T09:00:00Z" }));
    let c =
        write_contract(Change::Snooze { until }, "POST", "/snooze", json!({ "until": "2026-12-01T09:00:00Z" }), answer)
            .await;
    assert_eq!(c.status, Status::Snoozed);
    assert_eq!(c.snoozed_until, Some(until));
}

#[tokio::test]
async fn reopen_posts_reopen() {
    let answer = with(conv("conv_1"), &json!({ "status": "open" }));
    let c = write_contract(Change::Reopen, "POST", "/reopen", json!({}), answer).await;
    assert_eq!(c.status, Status::Open);
}

#[tokio::test]
async fn handoff_posts_the_reason() {
    let answer = with(conv("conv_1"), &json!({ "ai_state": "human" }));
    let reason = "customer asked for a person";
    let c = write_contract(
        Change::Handoff { reason: Some(reason.to_owned()) },
        "POST",
        "/handoff",
        json!({ "reason": reason }),
        answer,
    )
    .await;
    assert_eq!(c.ai_state, AiState::Human);
}

#[tokio::test]
async fn resolve_handoff_posts_handoff_resolve() {
    let answer = with(conv("conv_1"), &json!({ "ai_state": "ai_led" }));
    let c = write_contract(Change::ResolveHandoff, "POST", "/handoff/resolve", json!({}), answer).await;
    assert_eq!(c.ai_state, AiState::AiLed);
}

#[tokio::test]
async fn bulk_posts_ids_and_action_and_answers_per_id() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/bulk"))
        .and(body_partial_json(json!({ "action": "close", "ids": ["conv_1", "conv_2", "conv_3"] })))
        .respond_with(ok(json!({
            "succeeded": ["conv_1", "conv_3"],
            "failed": [{ "id": "conv_2", "error": { "code": "CONVERSATION_LOCKED", "message": "Bo is replying" } }]
        })))
        .expect(1)
        .mount(&server)
        .await;
    for id in ["conv_1", "conv_3"] {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/conversations/{id}")))
            .respond_with(ok(with(conv(id), &json!({ "status": "closed" }))))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_2"))
        .respond_with(ok(conv("conv_2")))
        .expect(0)
        .mount(&server)
        .await;

    let op = Op::Bulk { conversations: vec![cid("conv_1"), cid("conv_2"), cid("conv_3")], change: Change::Close };
    let Applied::Bulk(results) = applied(&p, op, "key-bulk").await else { panic!("expected a bulk answer") };
    let ids: Vec<&str> = results.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["conv_1", "conv_2", "conv_3"]);
    for (id, result) in &results {
        match (id.as_str(), result) {
            ("conv_2", Err(why)) => assert!(why.contains("Bo is replying"), "the failure says why: {why}"),
            (_, Ok(c)) => {
                assert_eq!(c.id, *id);
                assert_eq!(c.status, Status::Closed, "read back after the bulk");
            }
            other => panic!("unexpected bulk row {other:?}"),
        }
    }
    server.verify().await;
}

// ---------------------------------------------------------------------------------
// 5. Copilot
// ---------------------------------------------------------------------------------

async fn mount_suggest(server: &MockServer, id: &str, body: &str) {
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/copilot/suggest"))
        .respond_with(ok(json!({
            "id": id,
            "reply": body,
            "next_best_actions": [
                { "action": "close", "label": "Close the conversation" },
                "escalate_to_billing"
            ]
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn copilot_suggests_keeps_and_sends_the_draft_as_a_reply() {
    let (server, p) = orbit().await;
    let draft = "Your refund was issued today; expect it in 3–5 days.";
    mount_suggest(&server, "sug_orbit_1", draft).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/reply"))
        .and(body_json(json!({ "body": draft })))
        .respond_with(ok(json!({ "id": "msg_90", "direction": "outbound", "body": draft })))
        .expect(1)
        .mount(&server)
        .await;

    let s = applied_suggestion(&p, Op::RequestSuggestion { conversation: cid("conv_1") }, "key-ask").await;
    assert_eq!(s.status, SuggestionStatus::Pending);
    assert_eq!(s.body, draft);
    assert_eq!(s.conversation_id.as_str(), "conv_1");
    assert_eq!(
        s.actions,
        [
            NextAction { action: "close".into(), label: "Close the conversation".into() },
            NextAction { action: "escalate_to_billing".into(), label: "escalate to billing".into() },
        ]
    );
    let suggest = requests(&server).await.into_iter().next().expect("the suggest request");
    assert_eq!(suggest.url.path(), "/api/v1/conversations/conv_1/copilot/suggest");
    assert!(header_of(&suggest, "idempotency-key").is_some(), "a POST carries an Idempotency-Key");

    let kept = within(p.suggestions(cid("conv_1"))).await.expect("suggestions");
    assert_eq!(kept, std::slice::from_ref(&s), "the pending draft is given back");

    let m = applied_message(&p, Op::SendSuggestion { suggestion: s.id.clone() }, "key-send-sug").await;
    assert_eq!(m.body, draft);
    let sent = requests(&server).await;
    let reply_req = sent.iter().find(|r| r.url.path().ends_with("/reply")).expect("a reply was posted");
    assert_eq!(header_of(reply_req, "idempotency-key").as_deref(), Some("key-send-sug"));
    let left = within(p.suggestions(cid("conv_1"))).await.expect("suggestions");
    assert!(left.is_empty(), "a sent draft is no longer pending: {left:?}");
    server.verify().await;
}

#[tokio::test]
async fn dismissing_a_suggestion_makes_no_call() {
    let (server, p) = orbit().await;
    mount_suggest(&server, "sug_orbit_2", "Happy to help!").await;
    let s = applied_suggestion(&p, Op::RequestSuggestion { conversation: cid("conv_1") }, "key-ask").await;
    let before = requests(&server).await.len();

    let d = applied_suggestion(&p, Op::DismissSuggestion { suggestion: s.id.clone() }, "key-dismiss").await;
    assert_eq!(d.id, s.id);
    assert_eq!(d.status, SuggestionStatus::Dismissed);
    assert_eq!(requests(&server).await.len(), before, "no HTTP call for a dismissal");
    let left = within(p.suggestions(cid("conv_1"))).await.expect("suggestions");
    assert!(left.is_empty(), "a dismissed draft is no longer pending: {left:?}");
}

// ---------------------------------------------------------------------------------
// 6. Errors
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_401_invalid_api_key_is_auth_saying_the_key_is_wrong_or_revoked() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(orbit_error(401, "INVALID_API_KEY", "The API key provided is invalid", None))
        .mount(&server)
        .await;
    let e = within(p.list(query("all"))).await.expect_err("refused");
    let ProviderError::Auth(text) = &e else { panic!("expected Auth, got {e:?}") };
    assert!(text.contains("wrong or revoked"), "{text}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_429_with_retry_after_waits_that_long() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(
            orbit_error(429, "RATE_LIMITED", "Too many requests", None)
                .insert_header("Retry-After", "7")
                .insert_header("X-RateLimit-Limit", "100")
                .insert_header("X-RateLimit-Remaining", "0"),
        )
        .mount(&server)
        .await;
    let e = within(p.list(query("all"))).await.expect_err("limited");
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(7)) });
    assert!(e.is_transient());
}

#[tokio::test]
async fn a_429_with_details_retry_after_in_the_body_waits_that_long() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(
            orbit_error(429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded", Some(json!({ "retry_after": 12 })))
                .insert_header("X-RateLimit-Limit", "100")
                .insert_header("X-RateLimit-Remaining", "0"),
        )
        .mount(&server)
        .await;
    let e = within(p.list(query("all"))).await.expect_err("limited");
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(12)) });
}

#[tokio::test]
async fn a_reply_outside_the_whatsapp_window_is_permanent_and_says_to_use_a_template() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/reply"))
        .respond_with(orbit_error(
            422,
            "WHATSAPP_OUTSIDE_24H_WINDOW",
            "The 24-hour customer care window has closed",
            None,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let e = apply_err(&p, reply("conv_1", "Your parcel left today")).await;
    let ProviderError::Permanent { code, message } = &e else { panic!("expected Permanent, got {e:?}") };
    assert_eq!(code, "WHATSAPP_OUTSIDE_24H_WINDOW");
    assert!(message.contains("24-hour window"), "{message}");
    assert!(message.contains("template"), "{message}");
    assert!(!e.is_transient());
    server.verify().await;
}

#[tokio::test]
async fn a_validation_error_is_permanent_with_code_and_message() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/snooze"))
        .respond_with(orbit_error(
            422,
            "VALIDATION_ERROR",
            "until must be in the future",
            Some(json!({ "field": "until" })),
        ))
        .mount(&server)
        .await;
    let until: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
    let e = apply_err(&p, change("conv_1", Change::Snooze { until })).await;
    let ProviderError::Permanent { code, message } = &e else { panic!("expected Permanent, got {e:?}") };
    assert_eq!(code, "VALIDATION_ERROR");
    assert!(message.contains("until must be in the future"), "{message}");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_500_is_transient() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/conv_1/close"))
        .respond_with(orbit_error(500, "INTERNAL_ERROR", "Something went wrong", None))
        .mount(&server)
        .await;
    let e = apply_err(&p, change("conv_1", Change::Close)).await;
    assert!(e.is_transient(), "a 500 is worth retrying: {e:?}");
}

#[tokio::test]
async fn a_malformed_200_body_is_malformed() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/conv_1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"data": {"id": "conv_1", "#, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"))
        .mount(&server)
        .await;
    let e = within(p.conversation(cid("conv_1"))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
    let e = within(p.list(query("all"))).await.expect_err("unreadable");
    assert!(matches!(e, ProviderError::Malformed(_)), "{e:?}");
}

// ---------------------------------------------------------------------------------
// 7. What Orbit lacks
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn star_is_unsupported_without_a_call() {
    let (server, p) = orbit().await;
    let e = apply_err(&p, change("conv_1", Change::Star)).await;
    assert!(matches!(e, ProviderError::Unsupported(_)), "{e:?}");
    let e = within(p.list(query("starred"))).await.expect_err("no starred view on Orbit");
    assert!(matches!(e, ProviderError::Unsupported(_)), "{e:?}");
    assert!(requests(&server).await.is_empty(), "nothing was sent");
}

// ---------------------------------------------------------------------------------
// 8. Presence
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn presence_posts_viewing_and_typing_and_deletes_viewing() {
    let (server, p) = orbit().await;
    for (verb, rest) in [("POST", "viewing"), ("POST", "typing"), ("DELETE", "viewing")] {
        Mock::given(method(verb))
            .and(path(format!("/api/v1/inbox/conv_1/{rest}")))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
    }
    for state in [PresenceState::Viewing, PresenceState::Typing, PresenceState::Left] {
        within(p.presence(cid("conv_1"), state)).await.expect("presence");
    }
    server.verify().await;
    for r in requests(&server).await {
        assert_eq!(header_of(&r, "x-api-key").as_deref(), Some(KEY), "{} {}", r.method, r.url);
        assert!(header_of(&r, "idempotency-key").is_some(), "a non-GET carries a key: {} {}", r.method, r.url);
    }
}

#[tokio::test]
async fn presence_refused_once_is_unsupported_without_calling_again() {
    for status in [401, 403] {
        let (server, p) = orbit().await;
        let code = if status == 401 { "UNAUTHORIZED" } else { "FORBIDDEN" };
        Mock::given(method("POST"))
            .and(path("/api/v1/inbox/conv_1/viewing"))
            .respond_with(orbit_error(status, code, "Session token required", None))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/v1/inbox/conv_1/typing"))
            .respond_with(ResponseTemplate::new(204))
            .expect(0)
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/api/v1/inbox/conv_1/viewing"))
            .respond_with(ResponseTemplate::new(204))
            .expect(0)
            .mount(&server)
            .await;
        for state in [PresenceState::Viewing, PresenceState::Typing, PresenceState::Left, PresenceState::Viewing] {
            let e = within(p.presence(cid("conv_1"), state)).await.expect_err("refused");
            assert!(matches!(e, ProviderError::Unsupported(_)), "{status} {state:?}: {e:?}");
        }
        server.verify().await;
    }
}

// ---------------------------------------------------------------------------------
// 9. Streaming
// ---------------------------------------------------------------------------------

async fn next_update(updates: &mut BoxStream<'static, Update>) -> Update {
    within(updates.next()).await.expect("the stream is open")
}

#[tokio::test]
async fn the_event_stream_yields_webhook_shaped_events_and_skips_an_unreadable_one() {
    let (server, p) = orbit().await;
    let received = json!({
        "id": "evt_1", "type": "message.received", "created_at": "2026-11-25T10:00:00Z",
        "data": { "id": "msg_1", "conversation_id": "conv_1", "direction": "inbound", "body": "hi" }
    });
    let closed_event = json!({
        "id": "evt_3", "type": "conversation.updated", "created_at": "2026-11-25T10:00:05Z",
        "data": with(conv("conv_1"), &json!({ "status": "closed", "updated_at": "2026-11-25T10:00:05Z" }))
    });
    let body = format!(
        "event: message.received\nid: evt_1\ndata: {received}\n\n\
         event: message.received\nid: evt_2\ndata: {{\"id\":\"evt_2\",\"type\":\n\n\
         event: conversation.updated\nid: evt_3\ndata: {closed_event}\n\n"
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/events/stream"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/event-stream"))
        .mount(&server)
        .await;

    let mut updates = p.updates(None);
    assert_eq!(next_update(&mut updates).await, Update::Connected);
    let Update::Event(first) = next_update(&mut updates).await else { panic!("expected the message event") };
    let EventKind::MessageCreated(m) = &first.kind else { panic!("expected a message, got {:?}", first.kind) };
    assert_eq!(m.id.as_str(), "msg_1");
    assert_eq!(m.conversation_id.as_str(), "conv_1");
    assert_eq!(m.body, "hi");
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(first.at, "2026-11-25T10:00:00Z".parse::<jiff::Timestamp>().expect("timestamp"));
    let second = next_update(&mut updates).await;
    let Update::Event(second) = second else { panic!("the unreadable event is skipped, got {second:?}") };
    let EventKind::ConversationUpdated(c) = &second.kind else {
        panic!("expected a conversation, got {:?}", second.kind)
    };
    assert_eq!(c.id.as_str(), "conv_1");
    assert_eq!(c.status, Status::Closed);

    let r = requests(&server).await.into_iter().next().expect("the stream request");
    assert_eq!(header_of(&r, "x-api-key").as_deref(), Some(KEY));
    assert_eq!(header_of(&r, "accept").as_deref(), Some("text/event-stream"));
}

#[tokio::test]
async fn a_404_event_stream_is_unavailable() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/events/stream"))
        .respond_with(orbit_error(404, "NOT_FOUND", "Not found", None))
        .mount(&server)
        .await;
    let mut updates = p.updates(None);
    let u = next_update(&mut updates).await;
    assert!(matches!(u, Update::Unavailable(_)), "{u:?}");
    let end = within(updates.next()).await;
    assert!(end.is_none(), "the stream ends after Unavailable: {end:?}");
}

#[tokio::test]
async fn without_a_stream_the_engine_polls_the_list() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/events/stream"))
        .respond_with(orbit_error(404, "NOT_FOUND", "Not found", None))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ok_page(json!([conv("conv_1")]), None, false, 1))
        .expect(1..)
        .mount(&server)
        .await;
    let clock = frontdesk_sync::poll::Clock::default();
    let every = Duration::from_secs(30);
    let provider: Arc<dyn Provider> = Arc::new(p);
    let mut updates = frontdesk_sync::poll::stream_or_poll(provider, None, every, clock.watch());
    assert_eq!(next_update(&mut updates).await, Update::Polling { every });
    drop(updates);
    server.verify().await;
    let listed = requests(&server).await.iter().any(|r| r.url.path() == "/api/v1/conversations");
    assert!(listed, "the poller listed conversations");
}

// ---------------------------------------------------------------------------------
// 10. views()
// ---------------------------------------------------------------------------------

/// Count answers keyed by filter; each page holds one row while `total` says more,
/// so a count read from the rows would be wrong.
async fn mount_counts(server: &MockServer) {
    for (key, value, total) in
        [("unread", "true", 3), ("assignee", "me", 5), ("assignee", "unassigned", 2), ("tags", "vip", 4)]
    {
        Mock::given(method("GET"))
            .and(path("/api/v1/conversations"))
            .and(query_param(key, value))
            .respond_with(ok_page(json!([conv("conv_1")]), Some("cur_n"), true, total))
            .mount(server)
            .await;
    }
    // Everything else: the "All" count. Lowest priority, so matched last.
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ok_page(json!([conv("conv_1")]), Some("cur_n"), true, 42))
        .with_priority(10)
        .mount(server)
        .await;
}

fn counts(views: &[frontdesk_domain::ViewWithCount]) -> Vec<(String, ViewKind, u64)> {
    views.iter().map(|v| (v.view.id.to_string(), v.view.kind, v.count)).collect()
}

#[tokio::test]
async fn views_are_the_builtins_and_saved_views_with_counts_from_pagination_total() {
    let (server, p) = orbit().await;
    mount_counts(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inbox/views"))
        .respond_with(ok_page(
            json!([{ "id": "vw_9", "name": "VIP open", "filters": { "tags": ["vip"], "status": ["open"] } }]),
            None,
            false,
            1,
        ))
        .mount(&server)
        .await;

    let views = within(p.views()).await.expect("views");
    assert_eq!(
        counts(&views),
        [
            ("unread".to_owned(), ViewKind::Builtin, 3),
            ("mine".to_owned(), ViewKind::Builtin, 5),
            ("unassigned".to_owned(), ViewKind::Builtin, 2),
            ("all".to_owned(), ViewKind::Builtin, 42),
            ("saved:vw_9".to_owned(), ViewKind::Saved, 4),
        ]
    );
    assert_eq!(views[4].view.name, "VIP open");
    for r in requests(&server).await.iter().filter(|r| r.url.path() == "/api/v1/conversations") {
        let limit: u32 = query_of(r, "limit").expect("limit").parse().expect("number");
        assert!(limit <= 100, "count pages ask at most 100: {limit}");
    }

    // The saved view lists with its own filter.
    let page = within(p.list(query("saved:vw_9"))).await.expect("saved view list");
    assert_eq!(page.items.len(), 1);
    let last = requests(&server).await.into_iter().last().expect("the list request");
    assert_eq!(query_of(&last, "tags").as_deref(), Some("vip"));
    assert_eq!(query_of(&last, "status").as_deref(), Some("open"));
}

#[tokio::test]
async fn refused_saved_views_still_give_the_builtins() {
    let (server, p) = orbit().await;
    mount_counts(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/inbox/views"))
        .respond_with(orbit_error(403, "INSUFFICIENT_PERMISSIONS", "Session token required", None))
        .expect(1)
        .mount(&server)
        .await;
    let views = within(p.views()).await.expect("the built-ins come");
    assert_eq!(
        counts(&views),
        [
            ("unread".to_owned(), ViewKind::Builtin, 3),
            ("mine".to_owned(), ViewKind::Builtin, 5),
            ("unassigned".to_owned(), ViewKind::Builtin, 2),
            ("all".to_owned(), ViewKind::Builtin, 42),
        ]
    );
    // Refused once: not asked again.
    let again = within(p.views()).await.expect("views again");
    assert_eq!(again.len(), 4);
    server.verify().await;
}

/// `GET /me` is optional: a server without it (404) is an account that cannot say
/// whose the key is, not an error.
#[tokio::test]
async fn a_missing_me_is_unsupported_not_an_error() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/me"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "error": { "code": "NOT_FOUND", "message": "no such route", "status": 404 } })),
        )
        .mount(&server)
        .await;
    let got = p.me().await;
    assert!(matches!(got, Err(ProviderError::Unsupported(_))), "{:?}", got.map(|i| i.org_name));
}
