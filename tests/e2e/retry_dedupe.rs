//! A retried reply must not post twice on backends that honour no idempotency key
//! (Bancroft, `ChatCaptain`): `Provider::already_applied` finds a reply that arrived
//! though its answer was lost, and the outbox takes it for the answer.
//!
//! Here each adapter's check against its wiremock vendor (the thread shapes are the
//! contract tests'), the unified inbox's routing of it, and (in [`outbox`]) the
//! outbox retrying a reply whose first answer was lost, or that never left.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{ConversationId, Op, ReplyKind};
use frontdesk_provider::unified::{Member, Unified};
use frontdesk_provider::{Applied, Provider};
use frontdesk_provider_chatcaptain::ChatCaptainProvider;
use frontdesk_provider_helpdesk::HelpdeskProvider;

/// The outbox retrying against a Bancroft that keeps what is posted.
mod outbox;

const AGENT: &str = "agent@yourcompany.com";
const ID: &str = "a1b2c3d4-0000-4000-8000-000000000042";
const BODY: &str = "It ships today.";
/// When the retried reply was queued (less the outbox's margin).
const SINCE: &str = "2026-02-26T10:00:00Z";

fn since() -> Timestamp {
    SINCE.parse().expect("RFC 3339")
}

/// `minutes` after [`SINCE`] (before it when negative).
fn at(minutes: i64) -> String {
    since().checked_add(SignedDuration::from_mins(minutes)).expect("in range").to_string()
}

fn ok(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn reply(conversation: &str, body: &str) -> Op {
    Op::Send {
        conversation: ConversationId::from(conversation),
        kind: ReplyKind::Reply,
        body: body.to_owned(),
        suggestion: None,
        attachments: Vec::new(),
    }
}

/// The found message's id and conversation, or `None`.
fn found(answer: Option<Applied>) -> Option<(String, String)> {
    match answer {
        Some(Applied::Message(m)) => Some((m.id.to_string(), m.conversation_id.to_string())),
        None => None,
        Some(other) => panic!("expected a message, got {other:?}"),
    }
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.expect("recording is on")
}

// ---------------------------------------------------------------------------------
// Bancroft
// ---------------------------------------------------------------------------------

/// A Bancroft message as the vendor page shows one.
fn bancroft_msg(id: &str, sender: &str, body: &str, created_at: &str) -> Value {
    json!({ "id": id, "sender_email": sender, "body": body, "message_type": "reply", "created_at": created_at })
}

fn bancroft_thread(rows: &[Value]) -> Value {
    json!({ "count": rows.len(), "next": null, "previous": null, "results": rows })
}

async fn bancroft() -> (MockServer, HelpdeskProvider) {
    let server = MockServer::start().await;
    let key = SecretString::from("bnc_sv_dedupe_7f3a91".to_owned());
    let p = HelpdeskProvider::new("desk", &server.uri(), key, AGENT).expect("provider builds");
    (server, p)
}

async fn mount_bancroft_thread(server: &MockServer, rows: &[Value]) {
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/conversations/{ID}/messages/")))
        .respond_with(ok(&bancroft_thread(rows)))
        .mount(server)
        .await;
}

#[tokio::test]
async fn bancroft_finds_the_agents_reply_posted_after_since() {
    let (server, p) = bancroft().await;
    mount_bancroft_thread(
        &server,
        &[
            bancroft_msg("m1", "customer@example.com", "Where is my parcel?", &at(-30)),
            // The customer quoting it is not the agent's reply.
            bancroft_msg("m2", "customer@example.com", BODY, &at(1)),
            bancroft_msg("m3", AGENT, &format!("  {BODY}\n"), &at(2)),
            bancroft_msg("m4", AGENT, BODY, &at(3)),
        ],
    )
    .await;
    let answer = p.already_applied(&reply(ID, BODY), since()).await.expect("the thread reads");
    assert_eq!(found(answer), Some(("m3".to_owned(), ID.to_owned())), "the first match, bodies trimmed");
    let asked = requests(&server).await;
    assert!(asked.iter().all(|r| r.method == wiremock::http::Method::GET), "nothing posted");
    let messages = format!("/api/v1/conversations/{ID}/messages/");
    assert_eq!(asked.iter().filter(|r| r.url.path() == messages).count(), 1, "the thread read once");
}

#[tokio::test]
async fn bancroft_does_not_take_an_older_identical_reply_for_this_one() {
    let (server, p) = bancroft().await;
    mount_bancroft_thread(
        &server,
        &[
            bancroft_msg("m1", AGENT, BODY, &at(-5)),
            bancroft_msg("m2", "customer@example.com", "Thanks!", &at(-4)),
            bancroft_msg("m3", AGENT, "It ships tomorrow.", &at(1)),
        ],
    )
    .await;
    let answer = p.already_applied(&reply(ID, BODY), since()).await.expect("the thread reads");
    assert_eq!(found(answer), None);
}

#[tokio::test]
async fn bancroft_follows_the_thread_to_its_last_page() {
    let (server, p) = bancroft().await;
    let url = format!("/api/v1/conversations/{ID}/messages/");
    let next = format!("{}{url}?limit=100&offset=100", server.uri());
    Mock::given(method("GET"))
        .and(path(url.as_str()))
        .and(wiremock::matchers::query_param_is_missing("offset"))
        .respond_with(ok(&json!({ "count": 2, "next": next, "previous": null,
            "results": [bancroft_msg("m1", "customer@example.com", "Hello?", &at(-30))] })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(url.as_str()))
        .and(wiremock::matchers::query_param("offset", "100"))
        .respond_with(ok(&bancroft_thread(&[bancroft_msg("m2", AGENT, BODY, &at(0))])))
        .mount(&server)
        .await;
    let answer = p.already_applied(&reply(ID, BODY), since()).await.expect("the thread reads");
    assert_eq!(found(answer).map(|(id, _)| id).as_deref(), Some("m2"), "stamped at `since` counts");
}

#[tokio::test]
async fn bancroft_checks_only_replies_and_says_so_without_a_request() {
    let (server, p) = bancroft().await;
    let note = Op::Send {
        conversation: ConversationId::from(ID),
        kind: ReplyKind::Note,
        body: BODY.into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    let close = Op::Change { conversation: ConversationId::from(ID), change: frontdesk_domain::Change::Close };
    for op in [note, close] {
        assert_eq!(p.already_applied(&op, since()).await, Ok(None), "{op:?}");
    }
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn bancroft_cannot_tell_when_the_thread_does_not_read() {
    let (server, p) = bancroft().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/conversations/{ID}/messages/")))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let e = p.already_applied(&reply(ID, BODY), since()).await.expect_err("no answer");
    assert!(e.is_transient(), "{e:?}");
}

// ---------------------------------------------------------------------------------
// ChatCaptain
// ---------------------------------------------------------------------------------

const BOT: &str = "bot_abc123xyz";
const CONV: &str = "conv_def456uvw";

async fn captain_with_thread(messages: &[Value]) -> (MockServer, ChatCaptainProvider) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/chatbots/{BOT}/conversations/{CONV}/messages")))
        .respond_with(ok(&json!({ "messages": messages })))
        .mount(&server)
        .await;
    let key = SecretString::from("cc_dedupe_key_5d1e".to_owned());
    let p = ChatCaptainProvider::new("captain", &server.uri(), BOT, key).expect("provider builds");
    (server, p)
}

fn captain_msg(id: &str, sender: &str, text: &str, created_at: &str) -> Value {
    json!({ "id": id, "sender": sender, "text": text, "createdAt": created_at })
}

#[tokio::test]
async fn chatcaptain_finds_the_agents_message_sent_after_since() {
    let (server, p) = captain_with_thread(&[
        captain_msg("m1", "contact", "Where is my order?", &at(-10)),
        captain_msg("m2", "bot", BODY, &at(1)),
        captain_msg("m3", "contact", BODY, &at(1)),
        captain_msg("m4", "agent", BODY, &at(2)),
    ])
    .await;
    let answer = p.already_applied(&reply(CONV, BODY), since()).await.expect("the thread reads");
    assert_eq!(found(answer), Some(("m4".to_owned(), CONV.to_owned())), "the bot's and the contact's are not ours");
    assert!(requests(&server).await.iter().all(|r| r.method.as_str() == "GET"), "nothing posted");
}

#[tokio::test]
async fn chatcaptain_does_not_take_an_older_identical_message_for_this_one() {
    let (_server, p) = captain_with_thread(&[
        captain_msg("m1", "agent", BODY, &at(-3)),
        captain_msg("m2", "contact", "ok", &at(-2)),
        captain_msg("m3", "agent", "Anything else?", &at(1)),
    ])
    .await;
    let answer = p.already_applied(&reply(CONV, BODY), since()).await.expect("the thread reads");
    assert_eq!(found(answer), None);
}

// ---------------------------------------------------------------------------------
// The unified inbox
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_unified_inbox_asks_the_account_that_owns_the_conversation() {
    let (desk_server, desk) = bancroft().await;
    mount_bancroft_thread(&desk_server, &[bancroft_msg("m7", AGENT, BODY, &at(1))]).await;
    let (captain_server, captain) = captain_with_thread(&[captain_msg("x1", "agent", BODY, &at(1))]).await;
    let member = |name: &str, provider: Arc<dyn Provider>| Member {
        name: name.to_owned(),
        provider,
        poll_every: Duration::from_secs(20),
    };
    let members = vec![member("desk", Arc::new(desk)), member("captain", Arc::new(captain))];
    let unified = Unified::new(members, frontdesk_sync::poll::Clock::default().watch());

    let answer = unified.already_applied(&reply(&format!("desk/{ID}"), BODY), since()).await.expect("asked");
    let Some(Applied::Message(m)) = answer else { panic!("expected the message, got {answer:?}") };
    assert_eq!((m.id.as_str(), m.conversation_id.as_str()), ("desk/m7", format!("desk/{ID}").as_str()));
    assert!(requests(&captain_server).await.is_empty(), "the other account is not asked");

    let nothing = unified.already_applied(&reply(&format!("desk/{ID}"), "Not sent"), since()).await;
    assert_eq!(nothing, Ok(None));
    let unknown = unified.already_applied(&reply("nowhere/c1", BODY), since()).await;
    assert!(unknown.is_err(), "an account not in the config: {unknown:?}");
}

async fn iron_with_timeline(rows: &[Value]) -> (MockServer, frontdesk_provider_crm::CrmProvider) {
    let (server, p) = crate::crm::setup().await;
    Mock::given(method("GET"))
        .and(path(crate::crm::conv_path("/messages")))
        .respond_with(ok(&json!({ "items": rows })))
        .mount(&server)
        .await;
    (server, p)
}

fn iron_msg(id: &str, actor: &str, body: &str, created_at: &str) -> Value {
    json!({ "id": id, "type": "sms", "direction": "outbound", "actor": actor, "body": body, "created_at": created_at })
}

#[tokio::test]
async fn iron_finds_my_own_reply_after_since_and_not_a_colleagues_or_an_older_one() {
    let me = format!("user:{}", crate::crm::ME);
    let rows = [
        iron_msg("old", &me, "On its way", &at(-5)),
        iron_msg("colleague", "user:99999999-0000-4000-8000-000000000009", "On its way", &at(1)),
        iron_msg("setter", "agent:setter", "On its way", &at(1)),
        iron_msg("mine", &me, " On its way ", &at(2)),
    ];
    let (_server, p) = iron_with_timeline(&rows).await;
    let answer = p.already_applied(&reply(crate::crm::C1, "On its way"), since()).await.expect("checked");
    assert_eq!(found(answer), Some(("mine".to_owned(), crate::crm::C1.to_owned())));

    let (_server, p) = iron_with_timeline(&rows[..3]).await;
    let answer = p.already_applied(&reply(crate::crm::C1, "On its way"), since()).await.expect("checked");
    assert_eq!(found(answer), None, "only an older one of mine, and others'");
}
