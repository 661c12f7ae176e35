//! Contract tests for the Iron CRM inbox adapter against a wiremock Iron (API and
//! Supabase Auth on one mock host).
//!
//! The paths, methods and request bodies are the vendor page's
//! (`vendors/crm-inbox-conversations.txt`); auth, `X-Org-Id`, actors and the
//! `{"detail": …}` error body follow `vendors/NOTES.md`. The page publishes no
//! object shapes, envelopes or paging: every response fixture below is an
//! ASSUMPTION shaped from the page's vocabulary (activities, actors, `assigned_to`,
//! `archived`) and Supabase's documented token answer.

use futures::StreamExt as _;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{
    AgentId, AuthorKind, Change, Channel, ConversationId, Direction, MessageKind, Op, ReplyKind, SuggestionId,
    SuggestionStatus, ViewFilter, ViewId, ViewKind,
};
use frontdesk_provider::{Applied, ListQuery, Provider, ProviderError, Update};
use frontdesk_provider_crm::CrmProvider;

const EMAIL: &str = "ana@acme.test";
const PASSWORD: &str = "correct horse";
pub(super) const ORG: &str = "0b6f7c1e-1111-4a4a-9b9b-000000000001";
pub(super) const ME: &str = "5d1c0a2e-2222-4b4b-8c8c-000000000002";
pub(super) const C1: &str = "c0000000-0000-4000-8000-000000000001";

/// Supabase's password/refresh grant answer (documented by Supabase, not Iron).
pub(super) fn token(access: &str, refresh: &str, expires_in: u64) -> Value {
    json!({
        "access_token": access, "token_type": "bearer", "expires_in": expires_in,
        "expires_at": 1_900_000_000, "refresh_token": refresh,
        "user": { "id": ME, "email": EMAIL, "aud": "authenticated", "user_metadata": { "full_name": "Ana Lima" } }
    })
}

async fn sign_in(server: &MockServer, access: &str, expires_in: u64) {
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "password"))
        .and(body_json(json!({ "email": EMAIL, "password": PASSWORD })))
        .respond_with(ResponseTemplate::new(200).set_body_json(token(access, "refresh-1", expires_in)))
        .mount(server)
        .await;
}

pub(super) fn provider(server: &MockServer, org: Option<&str>) -> CrmProvider {
    CrmProvider::new(
        "iron",
        &format!("{}/api/v1", server.uri()),
        &server.uri(),
        EMAIL,
        SecretString::from(PASSWORD.to_owned()),
        org.map(str::to_owned),
    )
    .expect("builds")
}

pub(super) async fn setup() -> (MockServer, CrmProvider) {
    let server = MockServer::start().await;
    sign_in(&server, "tok-1", 3600).await;
    let p = provider(&server, None);
    (server, p)
}

/// ASSUMED conversation row: the page's fields plus what an inbox row needs, and
/// fields and enum values no version of this adapter knows.
pub(super) fn conv(id: &str) -> Value {
    json!({
        "id": id, "contact_id": "k1",
        "contact": { "id": "k1", "first_name": "Jane", "last_name": "Doe", "phone": "+15550100", "email": "jane@x.test" },
        "channel": "sms", "status": "brand_new_state", "starred": true, "unread_count": 2, "archived": false,
        "assigned_to": ME, "last_message": { "body": "Is it\u{1b}[31m still available?", "direction": "inbound", "created_at": "2026-03-01T10:00:00Z" },
        "sla_due_at": "2026-03-01T10:15:00Z", "created_at": "2026-03-01T09:00:00Z", "updated_at": "2026-03-01T10:00:00Z",
        "pipeline_stage": { "id": 4, "name": "Qualified" }, "setter_mode": "suggestive"
    })
}

pub(super) fn conv_path(rest: &str) -> String {
    format!("/api/v1/conversations/{C1}{rest}")
}

async fn get_conv(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(conv_path("")))
        .respond_with(ResponseTemplate::new(200).set_body_json(conv(C1)))
        .mount(server)
        .await;
}

#[tokio::test]
async fn crm_signs_in_sends_the_org_header_and_reads_a_tolerant_row() {
    let server = MockServer::start().await;
    sign_in(&server, "tok-1", 3600).await;
    Mock::given(method("GET"))
        .and(path(conv_path("")))
        .and(header("authorization", "Bearer tok-1"))
        .and(header("x-org-id", ORG))
        .respond_with(ResponseTemplate::new(200).set_body_json(conv(C1)))
        .expect(1)
        .mount(&server)
        .await;
    let p = provider(&server, Some(ORG));
    let c = p.conversation(ConversationId::from(C1)).await.expect("reads");
    assert_eq!(c.contact.name, "Jane Doe");
    assert_eq!(c.contact.handle, "+15550100");
    assert_eq!(c.channel, Channel::Sms);
    assert!(c.starred && c.unread && !c.archived);
    let assignee = c.assignee.expect("assigned");
    assert_eq!(assignee.id, AgentId::from(ME));
    assert_eq!(assignee.name, "Ana Lima", "my own id reads as my name");
    let last = c.last_message.expect("a last message");
    assert!(!last.preview.contains('\u{1b}'), "sanitised: {:?}", last.preview);
    let me = p.me().await.expect("me");
    assert_eq!((me.agent.id.as_str(), me.agent.email.as_str()), (ME, EMAIL));
}

#[tokio::test]
async fn crm_failed_sign_in_is_auth_with_the_servers_words() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({ "error": "invalid_grant", "error_description": "Invalid login credentials" })),
        )
        .mount(&server)
        .await;
    let err = provider(&server, None).conversation(ConversationId::from(C1)).await.expect_err("refused");
    assert!(matches!(&err, ProviderError::Auth(m) if m.contains("Invalid login credentials")), "{err:?}");
}

#[tokio::test]
async fn crm_refreshes_a_token_close_to_expiry_before_using_it() {
    let server = MockServer::start().await;
    sign_in(&server, "tok-1", 30).await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "refresh_token"))
        .and(body_json(json!({ "refresh_token": "refresh-1" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-2", "refresh-2", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    for (tok, n) in [("tok-1", 1), ("tok-2", 2)] {
        Mock::given(method("GET"))
            .and(path(conv_path("")))
            .and(header("authorization", format!("Bearer {tok}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(conv(C1)))
            .expect(n)
            .mount(&server)
            .await;
    }
    let p = provider(&server, None);
    for _ in 0..3 {
        p.conversation(ConversationId::from(C1)).await.expect("reads");
    }
}

#[tokio::test]
async fn crm_a_401_refreshes_once_and_the_retry_carries_the_new_token() {
    let (server, p) = setup().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-2", "refresh-2", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path("")))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "detail": "Invalid or expired token" })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path("")))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(conv(C1)))
        .expect(1)
        .mount(&server)
        .await;
    p.conversation(ConversationId::from(C1)).await.expect("retried with the new token");
}

#[tokio::test]
async fn crm_a_second_401_is_auth_with_the_vendors_detail() {
    let (server, p) = setup().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-2", "refresh-2", 3600)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path("")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "detail": "Invalid or expired token" })))
        .expect(2)
        .mount(&server)
        .await;
    let err = p.conversation(ConversationId::from(C1)).await.expect_err("refused");
    assert!(matches!(&err, ProviderError::Auth(m) if m.contains("Invalid or expired token")), "{err:?}");
}

async fn failing(body: ResponseTemplate) -> ProviderError {
    let server = MockServer::start().await;
    sign_in(&server, "tok-1", 3600).await;
    Mock::given(method("GET")).and(path(conv_path(""))).respond_with(body).mount(&server).await;
    let p = provider(&server, Some(ORG));
    p.conversation(ConversationId::from(C1)).await.expect_err("fails")
}

#[tokio::test]
async fn crm_errors_map_by_status_with_detail_or_plain_text() {
    let e = failing(ResponseTemplate::new(403).set_body_json(json!({ "detail": "Not a member of this organization" })))
        .await;
    assert!(matches!(&e, ProviderError::Auth(m) if m.contains("Not a member") && m.contains(ORG)), "{e:?}");
    let e = failing(ResponseTemplate::new(400).set_body_string("Invalid X-Org-Id header")).await;
    assert!(matches!(&e, ProviderError::Permanent { message, .. } if message == "Invalid X-Org-Id header"), "{e:?}");
    let e = failing(ResponseTemplate::new(404).set_body_json(json!({ "detail": "Conversation not found" }))).await;
    assert_eq!(e, ProviderError::NotFound("Conversation not found".into()));
    let e = failing(ResponseTemplate::new(429).insert_header("retry-after", "7")).await;
    assert_eq!(e, ProviderError::RateLimited { retry_after: Some(std::time::Duration::from_secs(7)) });
    let e = failing(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>")).await;
    assert!(matches!(e, ProviderError::Network(_)), "{e:?}");
    let fastapi = json!({ "detail": [{ "loc": ["body", "assigned_to"], "msg": "value is not a valid uuid", "type": "type_error.uuid" }] });
    let e = failing(ResponseTemplate::new(422).set_body_json(fastapi)).await;
    assert!(
        matches!(&e, ProviderError::Permanent { message, .. } if message == "assigned_to: value is not a valid uuid"),
        "{e:?}"
    );
}

#[tokio::test]
async fn crm_assign_to_a_non_member_is_permanent_with_the_message() {
    let (server, p) = setup().await;
    Mock::given(method("POST"))
        .and(path(conv_path("/assign")))
        .and(body_json(json!({ "assigned_to": "99999999-0000-4000-8000-000000000000" })))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({ "detail": "assigned_to is not an org member" })))
        .mount(&server)
        .await;
    let op = Op::Change {
        conversation: ConversationId::from(C1),
        change: Change::Assign { agent_id: Some(AgentId::from("99999999-0000-4000-8000-000000000000")), team: None },
    };
    let err = p.apply(op, "k".into()).await.expect_err("refused");
    assert!(
        matches!(&err, ProviderError::Permanent { code, message } if code == "422" && message == "assigned_to is not an org member"),
        "{err:?}"
    );
}

#[tokio::test]
async fn crm_every_change_hits_its_endpoint_and_reads_the_conversation_back() {
    let (server, p) = setup().await;
    get_conv(&server).await;
    let cases: Vec<(Change, &str, &str, Option<Value>)> = vec![
        (Change::Star, "POST", "/star", None),
        (Change::Unstar, "DELETE", "/star", None),
        (Change::Read, "POST", "/read", None),
        (Change::Unread, "POST", "/unread", None),
        (Change::Archive, "POST", "/archive", Some(json!({ "archived": true }))),
        (Change::Unarchive, "POST", "/archive", Some(json!({ "archived": false }))),
        (
            Change::Assign { agent_id: Some(AgentId::from(ME)), team: None },
            "POST",
            "/assign",
            Some(json!({ "assigned_to": ME })),
        ),
        (Change::Unassign, "POST", "/assign", Some(json!({ "assigned_to": null }))),
    ];
    for (change, verb, rest, body) in cases {
        let mut mock = Mock::given(method(verb)).and(path(conv_path(rest)));
        if let Some(b) = body {
            mock = mock.and(body_json(b));
        }
        let guard = mock
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
            .expect(1)
            .mount_as_scoped(&server)
            .await;
        let applied =
            p.apply(Op::Change { conversation: ConversationId::from(C1), change: change.clone() }, "k".into()).await;
        assert!(matches!(applied, Ok(Applied::Conversation(ref c)) if c.id.as_str() == C1), "{change:?}: {applied:?}");
        drop(guard);
    }
    let bulk = Op::Bulk {
        conversations: vec![ConversationId::from(C1)],
        change: Change::Snooze { until: jiff::Timestamp::now() },
    };
    let Ok(Applied::Bulk(results)) = p.apply(bulk, "k".into()).await else { panic!("bulk answers per conversation") };
    assert!(results[0].1.is_err(), "snooze is unsupported");
}

/// ASSUMED timeline rows: one per touchpoint, with the NOTES' actors.
fn timeline() -> Value {
    json!({ "items": [
        { "id": "a1", "type": "sms", "direction": "inbound", "actor": "contact:k1", "body": "Hi, is the unit available?", "created_at": "2026-03-01T10:00:00Z" },
        { "id": "a3", "type": "call", "direction": "inbound", "actor": "contact:k1", "duration_seconds": 185,
          "ai_summary": "Caller wants a viewing on Friday.", "recording_url": "https://rec.test/a3", "created_at": "2026-03-01T10:10:00Z" },
        { "id": "a2", "type": "sms", "direction": "outbound", "actor": format!("user:{ME}"), "body": "Yes!", "status": "delivered", "created_at": "2026-03-01T10:05:00Z" },
        { "id": "a4", "type": "note", "actor": format!("user:{ME}"), "body": "Hot lead", "created_at": "2026-03-01T10:11:00Z" },
        { "id": "a5", "type": "sms", "actor": "agent:setter", "status": "sent", "body": "Friday at 3pm works.", "created_at": "2026-03-01T10:12:00Z" },
        { "id": "a9", "type": "sms", "actor": "agent:setter", "status": "pending", "body": "Shall I book it?", "created_at": "2026-03-01T10:13:00Z" },
        { "id": "a10", "type": "hologram", "actor": "system", "body": "Stage changed", "created_at": "2026-03-01T10:14:00Z", "novel": [1, 2] }
    ], "next_cursor": null })
}

#[tokio::test]
async fn crm_thread_renders_calls_inline_and_keeps_drafts_out() {
    let (server, p) = setup().await;
    Mock::given(method("GET"))
        .and(path(conv_path("/messages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(timeline()))
        .mount(&server)
        .await;
    let thread = p.thread(ConversationId::from(C1), 50).await.expect("thread");
    let ids: Vec<&str> = thread.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "a3", "a4", "a5", "a10"], "oldest first, draft a9 left out");
    let call = &thread[2];
    assert_eq!(call.kind, MessageKind::Call);
    let info = call.call.as_ref().expect("call info");
    assert_eq!((info.duration_secs, info.summary.as_deref()), (185, Some("Caller wants a viewing on Friday.")));
    assert_eq!((&thread[1].author.kind, thread[1].direction), (&AuthorKind::Agent, Direction::Outbound));
    assert_eq!(thread[3].kind, MessageKind::Note);
    assert_eq!(thread[4].author.kind, AuthorKind::Ai);
    assert_eq!(thread[0].author.kind, AuthorKind::Contact);
    let last_two = p.thread(ConversationId::from(C1), 2).await.expect("thread");
    assert_eq!(last_two.len(), 2);

    let suggestions = p.suggestions(ConversationId::from(C1)).await.expect("suggestions");
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0].status, SuggestionStatus::Pending);
    assert_eq!(suggestions[0].body, "Shall I book it?");
    assert_eq!(suggestions[0].id, SuggestionId::from(format!("{C1}:a9").as_str()));
}

#[tokio::test]
async fn crm_suggestions_are_sent_and_dismissed_by_activity_id() {
    let (server, p) = setup().await;
    Mock::given(method("POST"))
        .and(path(conv_path("/suggestions/a9/send")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({ "id": "a11", "type": "sms", "body": "Shall I book it?", "created_at": "2026-03-01T10:20:00Z" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path("/suggestions/a8/dismiss")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let sent =
        p.apply(Op::SendSuggestion { suggestion: SuggestionId::from(format!("{C1}:a9").as_str()) }, "k".into()).await;
    let Ok(Applied::Message(m)) = sent else { panic!("a message: {sent:?}") };
    assert_eq!((m.id.as_str(), m.direction), ("a11", Direction::Outbound));
    let dismissed = p
        .apply(Op::DismissSuggestion { suggestion: SuggestionId::from(format!("{C1}:a8").as_str()) }, "k".into())
        .await;
    assert_eq!(dismissed, Ok(Applied::Done));
    let asked = p.apply(Op::RequestSuggestion { conversation: ConversationId::from(C1) }, "k".into()).await;
    assert!(matches!(asked, Err(ProviderError::Unsupported(_))));
}

#[tokio::test]
async fn crm_sends_a_reply_and_refuses_notes() {
    let (server, p) = setup().await;
    Mock::given(method("POST"))
        .and(path(conv_path("/messages")))
        .and(body_json(json!({ "body": "See you Friday" })))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({ "id": "a12", "channel": "sms", "status": "queued" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let op = Op::Send {
        conversation: ConversationId::from(C1),
        kind: ReplyKind::Reply,
        body: "See you Friday".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    let Ok(Applied::Message(m)) = p.apply(op, "k".into()).await else { panic!("a message") };
    assert_eq!((m.id.as_str(), m.body.as_str(), m.author.kind), ("a12", "See you Friday", AuthorKind::Agent));
    let note = Op::Send {
        conversation: ConversationId::from(C1),
        kind: ReplyKind::Note,
        body: "x".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    assert!(matches!(p.apply(note, "k".into()).await, Err(ProviderError::Unsupported(_))));
}

#[tokio::test]
async fn crm_lists_page_by_offset_to_the_end_with_scope_and_flags() {
    let (server, p) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param("scope", "mine"))
        .and(query_param("overdue", "true"))
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("offset"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "items": [conv("c1"), conv("c2")], "total": 3 })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param("offset", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "items": [conv("c3"), { "no_id": true }], "total": 3 })),
        )
        .mount(&server)
        .await;
    let filter = ViewFilter { overdue: true, ..ViewFilter::default() };
    let mut q = ListQuery { view: Some(ViewId::from("mine")), filter, limit: 2, ..ListQuery::default() };
    let first = p.list(q.clone()).await.expect("page 1");
    assert_eq!(first.items.len(), 2);
    q.cursor = first.next_cursor;
    let second = p.list(q).await.expect("page 2");
    assert_eq!(second.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c3"]);
    assert_eq!(second.next_cursor, None, "the end");
}

#[tokio::test]
async fn crm_lists_follow_a_server_cursor_and_archived() {
    let (server, p) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param("archived", "true"))
        .and(query_param("scope", "team"))
        .and(query_param_is_missing("cursor"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "conversations": [conv("c1")], "next_cursor": "abc" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param("cursor", "abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([conv("c2")])))
        .mount(&server)
        .await;
    let mut q =
        ListQuery { filter: ViewFilter { archived: true, ..ViewFilter::default() }, limit: 10, ..ListQuery::default() };
    let first = p.list(q.clone()).await.expect("page 1");
    assert_eq!(first.next_cursor.as_deref(), Some("c:abc"));
    q.cursor = first.next_cursor;
    let second = p.list(q).await.expect("page 2");
    assert_eq!((second.items.len(), second.next_cursor), (1, None));
}

#[tokio::test]
async fn crm_views_come_with_counts_and_builtins_are_fixed() {
    let (server, p) = setup().await;
    let views = json!([
        { "id": "unread", "name": "Unread", "deletable": false },
        { "id": "recents", "name": "Recents", "deletable": false },
        { "id": "starred", "name": "Starred" },
        { "id": "all", "name": "All", "deletable": false },
        { "id": "v-77", "name": "Hot leads", "deletable": true, "filters": { "stage": "hot" }, "color": "red" }
    ]);
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/views"))
        .respond_with(ResponseTemplate::new(200).set_body_json(views))
        .mount(&server)
        .await;
    let counts =
        json!({ "counts": { "unread": { "unread": 4, "total": 4 }, "all": { "unread": 4, "total": 31 }, "v-77": 2 } });
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/views/counts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(counts))
        .mount(&server)
        .await;
    let got = p.views().await.expect("views");
    let by = |id: &str| got.iter().find(|v| v.view.id.as_str() == id).expect(id);
    assert_eq!((by("unread").count, by("all").count, by("v-77").count, by("recents").count), (4, 31, 2, 0));
    assert_eq!(by("starred").view.kind, ViewKind::Builtin);
    assert_eq!(by("v-77").view.kind, ViewKind::Saved);
    assert_eq!(by("unread").view.filter.unread, Some(true));
}

#[tokio::test]
async fn crm_overdue_sla_and_opening_for_a_contact() {
    let (server, p) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/overdue/count"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "count": 3 })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations/sla"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "first_response_minutes": 15 })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/contacts/k1/conversations"))
        .and(body_json(json!({ "channel": "sms" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "conversation": conv(C1) })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(p.overdue_count().await, Ok(3));
    assert_eq!(p.sla_config().await.expect("sla")["first_response_minutes"], 15);
    let line = Provider::sla(&p).await.expect("the status bar's SLA");
    assert_eq!(
        line,
        Some(frontdesk_provider::Sla { overdue: 3, target: Some("first reply in 15 min".into()) }),
        "overdue count and target for the status bar"
    );
    let c = p.open_conversation("k1", Some("sms")).await.expect("opened");
    assert_eq!(c.contact.id.as_str(), "k1");
}

#[tokio::test]
async fn crm_is_polled_and_says_what_it_can_do() {
    let server = MockServer::start().await;
    let p = provider(&server, None);
    let caps = p.capabilities();
    assert!(!caps.streaming && caps.star && caps.read && caps.saved_views && caps.copilot && caps.bulk);
    assert!(!caps.snooze && !caps.tags && !caps.notes && !caps.handoff && !caps.presence && !caps.search);
    let first = p.updates(None).next().await;
    assert!(matches!(first, Some(Update::Unavailable(ref m)) if m.contains("polled")), "{first:?}");
}

#[tokio::test]
async fn crm_probes_the_view_counts_for_a_fingerprint_that_ignores_order() {
    let (server, p) = setup().await;
    // ASSUMED shape (unpublished): one row per view with its unread and total.
    let row = |id: &str, unread: u64, total: u64| json!({ "view_id": id, "unread": unread, "total": total });
    let answers = [
        json!([row("unread", 4, 4), row("all", 4, 31), row("v-77", 0, 2)]),
        // The same counts in another order.
        json!({ "counts": [row("v-77", 0, 2), row("all", 4, 31), row("unread", 4, 4)] }),
        // Another agent's reply on a read thread: unread moves, totals do not.
        json!([row("unread", 5, 5), row("all", 5, 31), row("v-77", 0, 2)]),
        // Nothing readable: no fingerprint rather than one that never moves.
        json!({ "status": "ok" }),
    ];
    for answer in answers {
        Mock::given(method("GET"))
            .and(path("/api/v1/conversations/views/counts"))
            .and(header("authorization", "Bearer tok-1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
    }
    let first = p.probe().await.expect("probe").expect("a fingerprint");
    let reordered = p.probe().await.expect("probe").expect("a fingerprint");
    let moved = p.probe().await.expect("probe").expect("a fingerprint");
    assert_eq!(first, reordered, "the order of the views does not matter");
    assert_ne!(first, moved, "an unread count moved");
    assert_eq!(p.probe().await, Ok(None));
}

/// Supabase's gateway refuses a sign-in without the project's public anon key
/// (`apikey`, "No API key found in request"): with `auth_anon_key` set it goes on
/// the password grant.
#[tokio::test]
async fn crm_sends_the_anon_key_supabases_gateway_asks_for() {
    const ANON: &str = "eyJhbGciOiJIUzI1NiJ9.anon-public-key";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(header("apikey", ANON))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-anon", "refresh-1", 3600)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "message": "No API key found in request" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(conv_path("")))
        .and(header("authorization", "Bearer tok-anon"))
        .respond_with(ResponseTemplate::new(200).set_body_json(conv(C1)))
        .mount(&server)
        .await;
    // Without the key: refused, in the gateway's words.
    let err = provider(&server, None).conversation(C1.into()).await.expect_err("refused");
    assert!(err.to_string().contains("No API key found in request"), "{err}");
    // With it: signed in.
    let p = provider(&server, None).with_anon_key(SecretString::from(ANON.to_owned()));
    let c = p.conversation(C1.into()).await.expect("signed in with the anon key");
    assert_eq!(c.id.as_str(), C1);
}
