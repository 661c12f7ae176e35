//! Contract tests for the Bancroft helpdesk adapter against a wiremock Bancroft.
//!
//! The create answer, the messages list and the resolve answer are the vendor page's
//! own examples (`vendors/helpdesk-conversations.txt`), field for field; the 401 body
//! is the one in `vendors/NOTES.md`. The page shows no list envelope, no send answer
//! and no 403/422/429 bodies: those fixtures follow the notes (Django REST
//! framework's `{count, next, previous, results}`, `{"detail": …}`) and `FastAPI`'s
//! validation shape, and are marked where they are assumed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use frontdesk_domain::{
    AuthorKind, Change, Channel, Conversation, ConversationId, Direction, EventKind, Message, Op, Priority, ReplyKind,
    Status, ViewFilter, ViewId,
};
use frontdesk_provider::{Applied, ListQuery, Provider, ProviderError, Update};
use frontdesk_provider_helpdesk::{HelpdeskProvider, NewConversation};

/// Every endpoint's refusals, the same way.
mod errors;
/// Section 2: lists and views.
mod lists;
/// `G`, and paging both ways through a list that changes between reads.
mod paging;
/// Paging to the end, and answers past what the page shows.
mod reads;
/// Sections 4 (replies and resolving) and 5 (errors).
mod writes;

const SERVER_KEY: &str = "bnc_sv_contract_7f3a91";
const CLIENT_KEY: &str = "bnc_cl_contract_2c8e04";
/// The page's own agent address.
const AGENT: &str = "agent@yourcompany.com";
/// The page's example id, as printed.
const ID: &str = "a1b2c3d4-...";
const LIST: &str = "/api/v1/conversations/";
const T0: &str = "2026-02-26T10:00:00Z";

// ---------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------

fn at(minutes: i64) -> String {
    let t0: Timestamp = T0.parse().expect("T0 is RFC 3339");
    t0.checked_add(SignedDuration::from_mins(minutes)).expect("in range").to_string()
}

fn conv_path(id: &str, rest: &str) -> String {
    format!("{LIST}{id}/{rest}")
}

/// The page's `Response 201` of create, verbatim.
fn page_conversation() -> Value {
    json!({ "id": "a1b2c3d4-...", "number": 42, "subject": "Help with order #1234", "status": "open", "priority": "normal", "channel": "web", "metadata": {}, "requester": { "email": "customer@example.com", "first_name": "Jane", "last_name": "Doe" }, "created_at": "2026-02-26T10:00:00Z", "updated_at": "2026-02-26T10:00:00Z" })
}

/// Another conversation of the same shape.
fn conv(n: u32, status: &str, updated_minutes: i64) -> Value {
    json!({
        "id": format!("a1b2c3d4-0000-4000-8000-{n:012}"), "number": n, "subject": format!("Question {n}"),
        "status": status, "priority": "normal", "channel": "email", "metadata": {},
        "requester": { "email": format!("customer{n}@example.com"), "first_name": "Jane", "last_name": "Doe" },
        "created_at": T0, "updated_at": at(updated_minutes)
    })
}

fn cid(n: u32) -> String {
    format!("a1b2c3d4-0000-4000-8000-{n:012}")
}

/// The list envelope the notes expect (not shown on the page).
fn envelope(count: usize, next: Option<&str>, rows: &[Value]) -> Value {
    json!({ "count": count, "next": next, "previous": null, "results": rows })
}

/// The page's messages `Response 200`, verbatim.
fn page_messages() -> Value {
    json!({ "count": 3, "results": [ { "id": "m1-uuid", "sender_email": "customer@example.com", "body": "I need help with my order", "message_type": "reply", "created_at": "2026-02-26T10:00:00Z" }, { "id": "m2-uuid", "sender_email": "agent@yourcompany.com", "body": "Sure! Let me look into that.", "message_type": "reply", "created_at": "2026-02-26T10:05:00Z" } ] })
}

/// The page's resolve `Response 200`, without the elided rest.
fn page_resolved_thin() -> Value {
    json!({ "id": "a1b2c3d4-...", "number": 42, "subject": "Help with order #1234", "status": "closed" })
}

/// The resolve answer with the rest filled in as a conversation reads.
fn page_resolved_full() -> Value {
    let mut c = page_conversation();
    c["status"] = json!("closed");
    c["updated_at"] = json!(at(30));
    c
}

fn ok(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn detail(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "detail": text }))
}

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

async fn bancroft_with(key: &str) -> (MockServer, HelpdeskProvider) {
    let server = MockServer::start().await;
    let p = HelpdeskProvider::new("helpdesk", &server.uri(), SecretString::from(key.to_owned()), AGENT)
        .expect("provider builds");
    (server, p)
}

async fn bancroft() -> (MockServer, HelpdeskProvider) {
    bancroft_with(SERVER_KEY).await
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("request recording is on")
}

fn query_of(r: &Request, key: &str) -> Option<String> {
    r.url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

fn line(r: &Request) -> String {
    format!("{} {}", r.method, r.url.path())
}

/// A hang guard, not a timing assertion.
async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f).await.expect("no answer in 20 s (hang guard)")
}

fn change(id: &str, change: Change) -> Op {
    Op::Change { conversation: ConversationId::from(id), change }
}

fn reply(id: &str, body: &str) -> Op {
    Op::Send {
        conversation: ConversationId::from(id),
        kind: ReplyKind::Reply,
        body: body.to_owned(),
        suggestion: None,
        attachments: Vec::new(),
    }
}

fn query(view: &str, limit: u32) -> ListQuery {
    ListQuery { view: Some(ViewId::from(view)), limit, ..ListQuery::default() }
}

fn ids(items: &[Conversation]) -> Vec<&str> {
    items.iter().map(|c| c.id.as_str()).collect()
}

async fn applied(p: &HelpdeskProvider, op: Op) -> Applied {
    within(p.apply(op, "key-contract".to_owned())).await.expect("the op applies")
}

async fn applied_conversation(p: &HelpdeskProvider, op: Op) -> Conversation {
    match applied(p, op).await {
        Applied::Conversation(c) => *c,
        other => panic!("expected a conversation, got {other:?}"),
    }
}

async fn applied_message(p: &HelpdeskProvider, op: Op) -> Message {
    match applied(p, op).await {
        Applied::Message(m) => *m,
        other => panic!("expected a message, got {other:?}"),
    }
}

async fn apply_err(p: &HelpdeskProvider, op: Op) -> ProviderError {
    within(p.apply(op, "key-err".to_owned())).await.expect_err("the op must fail")
}

// ---------------------------------------------------------------------------------
// 1. Create
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn create_posts_the_pages_fields_and_reads_its_201() {
    let (server, p) = bancroft().await;
    let sent = json!({
        "subject": "Help with order #1234", "user_email": "customer@example.com", "user_first_name": "Jane",
        "user_last_name": "Doe", "description": "Where is my parcel?", "priority": "high", "channel": "callback",
        "metadata": { "phone": "+14155550123", "preferred_callback_time": "afternoon" }
    });
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/create/"))
        .and(header("X-API-Key", SERVER_KEY))
        .and(body_json(&sent))
        .respond_with(ResponseTemplate::new(201).set_body_json(page_conversation()))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewConversation {
        subject: "Help with order #1234".into(),
        user_email: Some("customer@example.com".into()),
        user_first_name: Some("Jane".into()),
        user_last_name: Some("Doe".into()),
        description: Some("Where is my parcel?".into()),
        priority: Some(Priority::High),
        channel: Some("callback".into()),
        metadata: [("phone", "+14155550123"), ("preferred_callback_time", "afternoon")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), frontdesk_domain::Data::Text(v.to_owned())))
            .collect(),
        contact_id: None,
    };
    let c = within(p.create_conversation(new)).await.expect("created");
    assert_eq!(c.id.as_str(), ID);
    assert_eq!(c.subject.as_deref(), Some("#42 Help with order #1234"));
    assert_eq!((c.status, c.priority, c.channel), (Status::Open, Priority::Normal, Channel::Web));
    assert_eq!(c.contact.name, "Jane Doe");
    assert_eq!(c.contact.handle, "customer@example.com");
    assert_eq!(c.contact.email.as_deref(), Some("customer@example.com"));
    assert_eq!(c.created_at.to_string(), T0);
    assert_eq!(c.updated_at.to_string(), T0);
    server.verify().await;
}

#[tokio::test]
async fn create_with_only_a_subject_sends_only_the_subject() {
    let (server, p) = bancroft_with(CLIENT_KEY).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/create/"))
        .and(body_json(json!({ "subject": "Call me back" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(page_conversation()))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewConversation { subject: "  Call me back ".into(), ..NewConversation::default() };
    within(p.create_conversation(new)).await.expect("a client key may create");
    server.verify().await;
}

#[tokio::test]
async fn create_refuses_an_empty_or_overlong_subject_without_a_request() {
    let (server, p) = bancroft().await;
    for subject in [String::new(), "   ".to_owned(), "é".repeat(501)] {
        let e = within(p.create_conversation(NewConversation { subject, ..NewConversation::default() }))
            .await
            .expect_err("refused here");
        assert!(matches!(e, ProviderError::Permanent { .. }), "{e:?}");
    }
    let fits = NewConversation { subject: "é".repeat(500), ..NewConversation::default() };
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/create/"))
        .respond_with(ResponseTemplate::new(201).set_body_json(page_conversation()))
        .mount(&server)
        .await;
    within(p.create_conversation(fits)).await.expect("500 characters fit");
    assert_eq!(requests(&server).await.len(), 1, "only the one that fits was sent");
}

// ---------------------------------------------------------------------------------
// 3. One conversation, its thread
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_conversation_reads_from_get_with_a_trailing_slash() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET")).and(path(conv_path(ID, ""))).respond_with(ok(&page_conversation())).mount(&server).await;
    let c = within(p.conversation(ConversationId::from(ID))).await.expect("conversation");
    assert_eq!(c.subject.as_deref(), Some("#42 Help with order #1234"));
    assert_eq!(requests(&server).await.iter().map(line).collect::<Vec<_>>(), [format!("GET {LIST}{ID}/")]);
}

#[tokio::test]
async fn the_thread_is_the_pages_messages_oldest_first_the_agents_own_outbound() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET"))
        .and(path(conv_path(ID, "messages/")))
        .respond_with(ok(&page_messages()))
        .expect(2)
        .mount(&server)
        .await;
    let thread = within(p.thread(ConversationId::from(ID), 20)).await.expect("thread");
    let got: Vec<(&str, Direction, AuthorKind, &str)> =
        thread.iter().map(|m| (m.id.as_str(), m.direction, m.author.kind.clone(), m.body.as_str())).collect();
    assert_eq!(
        got,
        [
            ("m1-uuid", Direction::Inbound, AuthorKind::Contact, "I need help with my order"),
            ("m2-uuid", Direction::Outbound, AuthorKind::Agent, "Sure! Let me look into that."),
        ]
    );
    assert_eq!(thread[0].author.name, "customer@example.com");
    assert_eq!(thread[1].author.name, "agent");
    assert_eq!(thread[1].created_at.to_string(), "2026-02-26T10:05:00Z");
    assert_eq!(thread[0].conversation_id.as_str(), ID);
    let newest = within(p.thread(ConversationId::from(ID), 1)).await.expect("thread");
    assert_eq!(newest.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["m2-uuid"], "the newest `limit`");
}

#[tokio::test]
async fn a_paged_thread_follows_next_on_bancroft_only() {
    let (server, p) = bancroft().await;
    let url = conv_path(ID, "messages/");
    let msg = |id: &str, minutes: i64| json!({ "id": id, "sender_email": "customer@example.com", "body": id, "message_type": "reply", "created_at": at(minutes) });
    let next = format!("{}{url}?limit=2&offset=2", server.uri());
    Mock::given(method("GET"))
        .and(path(url.as_str()))
        .and(query_param_is_missing("offset"))
        .respond_with(ok(&envelope(3, Some(next.as_str()), &[msg("m1", 0), msg("m2", 1)])))
        .mount(&server)
        .await;
    // Its `next` points elsewhere: the key must not follow it.
    Mock::given(method("GET"))
        .and(path(url.as_str()))
        .and(query_param("offset", "2"))
        .respond_with(ok(&envelope(3, Some("https://elsewhere.example/steal/"), &[msg("m3", 2)])))
        .mount(&server)
        .await;
    let thread = within(p.thread(ConversationId::from(ID), 50)).await.expect("thread");
    assert_eq!(thread.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["m1", "m2", "m3"]);
    // Two pages, and the conversation (its requester tells the customer's replies
    // from a colleague's); nothing sent elsewhere.
    let asked = requests(&server).await;
    assert_eq!(asked.iter().filter(|r| r.url.path() == url.as_str()).count(), 2);
    assert_eq!(asked.len(), 3);
}

// ---------------------------------------------------------------------------------
// 6. Every request; identity; updates
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn every_request_carries_x_api_key_and_every_path_ends_with_a_slash() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ok(&envelope(1, None, &[page_conversation()])))
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(conv_path(ID, ""))).respond_with(ok(&page_conversation())).mount(&server).await;
    Mock::given(method("GET"))
        .and(path(conv_path(ID, "messages/")))
        .respond_with(ok(&page_messages()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "messages/create/")))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path(ID, "resolve/")))
        .respond_with(ok(&page_resolved_full()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/conversations/create/"))
        .respond_with(ResponseTemplate::new(201).set_body_json(page_conversation()))
        .mount(&server)
        .await;
    within(p.list(query("open", 25))).await.expect("list");
    within(p.views()).await.expect("views");
    within(p.conversation(ConversationId::from(ID))).await.expect("conversation");
    within(p.thread(ConversationId::from(ID), 20)).await.expect("thread");
    applied(&p, reply(ID, "Hi")).await;
    applied(&p, change(ID, Change::Close)).await;
    within(p.create_conversation(NewConversation { subject: "Hi".into(), ..NewConversation::default() }))
        .await
        .expect("create");
    let reqs = requests(&server).await;
    // list, 4 counts, show, messages (the requester known from the show), send,
    // resolve, create.
    assert_eq!(reqs.len(), 10, "{:?}", reqs.iter().map(line).collect::<Vec<_>>());
    for r in &reqs {
        let key = r.headers.get("X-API-Key").and_then(|v| v.to_str().ok());
        assert_eq!(key, Some(SERVER_KEY), "the key on {}", line(r));
        assert!(r.url.path().ends_with('/'), "a trailing slash on {}", line(r));
    }
}

#[tokio::test]
async fn me_is_the_configured_agent_updates_are_polled_and_capabilities_are_honest() {
    let (server, p) = bancroft().await;
    let me = within(p.me()).await.expect("me");
    assert_eq!((me.agent.name.as_str(), me.agent.email.as_str()), ("agent", AGENT));
    let agents = within(p.agents()).await.expect("agents");
    assert_eq!(agents.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(), [AGENT]);
    let first = within(p.updates(None).next()).await;
    assert!(matches!(first, Some(Update::Unavailable(_))), "{first:?}");
    let caps = p.capabilities();
    assert!(!caps.streaming && caps.bulk && !caps.star && !caps.read && !caps.notes && !caps.search);
    assert!(!caps.snooze && !caps.tags && !caps.copilot && !caps.handoff && !caps.presence && !caps.saved_views);
    assert!(requests(&server).await.is_empty(), "no API call says who the agent is");
}

/// Another agent resolves a conversation between two polls; the engine's poller
/// (which lists every status, freshest first) must hear of it.
#[tokio::test]
async fn polling_sees_a_conversation_resolved_elsewhere() {
    const EVERY: Duration = Duration::from_millis(200);
    let (server, p) = bancroft().await;
    let clock = frontdesk_sync::poll::Clock::default();
    let mut updates = crate::support::changes(frontdesk_sync::poll::updates(Arc::new(p), EVERY, clock.watch()));
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ok(&envelope(1, None, &[conv(1, "open", 0)])))
        .mount(&server)
        .await;
    assert_eq!(within(updates.next()).await, Some(Update::Polling { every: EVERY }));
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ok(&envelope(1, None, &[conv(1, "closed", 5)])))
        .mount(&server)
        .await;
    let Some(Update::Event(e)) = within(updates.next()).await else { panic!("expected an event") };
    let EventKind::ConversationUpdated(c) = &e.kind else { panic!("expected a conversation, got {:?}", e.kind) };
    assert_eq!((c.id.as_str(), c.status.clone()), (cid(1).as_str(), Status::Closed));
    drop(updates);
    // (The thread of the changed row is looked at too: its row says nothing of its last message.)
    for r in requests(&server).await.into_iter().filter(|r| r.url.path() == LIST) {
        assert_eq!(query_of(&r, "status"), None, "every status is asked at once");
        assert_eq!(query_of(&r, "ordering").as_deref(), Some("-updated_at"));
    }
}

/// A thread opened from the list knows its requester from the list's row: the
/// messages are the only request, and a colleague's reply is still the team's.
#[tokio::test]
async fn a_thread_opened_from_the_list_asks_only_for_its_messages() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ok(&envelope(1, None, &[conv(1, "open", 0)])))
        .mount(&server)
        .await;
    let id = cid(1);
    let url = conv_path(&id, "messages/");
    let msg = |n: &str, sender: &str| json!({ "id": n, "sender_email": sender, "body": n, "message_type": "reply", "created_at": at(0) });
    Mock::given(method("GET"))
        .and(path(url.as_str()))
        .respond_with(ok(&envelope(2, None, &[msg("m1", "customer1@example.com"), msg("m2", "bo@yourcompany.com")])))
        .mount(&server)
        .await;
    within(p.list(query("open", 25))).await.expect("list");
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(url.as_str()))
        .respond_with(ok(&envelope(2, None, &[msg("m1", "customer1@example.com"), msg("m2", "bo@yourcompany.com")])))
        .mount(&server)
        .await;
    let thread = within(p.thread(ConversationId::from(id.as_str()), 50)).await.expect("thread");
    let asked: Vec<String> = requests(&server).await.iter().map(|r| r.url.path().to_owned()).collect();
    assert_eq!(asked, [url], "only the messages");
    assert_eq!(thread[0].author.kind, frontdesk_domain::AuthorKind::Contact);
    assert_eq!(thread[1].author.kind, frontdesk_domain::AuthorKind::Agent, "a colleague");
}
