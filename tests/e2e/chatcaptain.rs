//! Contract tests for the ChatCaptain adapter against a wiremock ChatCaptain.
//!
//! Paths, query parameters and request bodies are the vendor page's
//! (`vendors/chatcaptain-conversations.txt`) and the notes' (`vendors/NOTES.md`),
//! with the page's example values (`bot_abc123xyz`, `channel_def456`,
//! `49123456789`, `conv_def456uvw`). The page publishes no answer bodies beyond the
//! envelopes (`{conversations}`, `{messages}`, `{views}`, `{deleted}`, `error`): the
//! rows inside use the known fields (`id, contactId, archived, channelId`, `sender`)
//! and assumed camelCase others, marked where they matter.

#![allow(clippy::doc_markdown, reason = "ChatCaptain is a name, not code")]

use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{
    AuthorKind, Change, Channel, ConversationId, Direction, NewConversation, Op, ReplyKind, Status, ViewFilter, ViewId,
};
use frontdesk_provider::{Applied, ListQuery, Provider, ProviderError, Update};
use frontdesk_provider_chatcaptain::{
    BotEvent, BotReply, ChatCaptainProvider, ChatbotConversation, HandleMessage, StepPayload,
};

/// The views' own endpoints, delete and patch answers, and rows past the page.
mod answers;
/// Every endpoint's refusals, the same way.
mod errors;

const KEY: &str = "cc_contract_key_5d1e";
const BOT: &str = "bot_abc123xyz";
const CONVS: &str = "/v1/chatbots/bot_abc123xyz/conversations";
const INBOX: &str = "/v1/inbox/bot_abc123xyz";

fn conv(id: &str, archived: bool, updated: &str) -> Value {
    json!({ "id": id, "contactId": format!("ct_{id}"), "channelId": "channel_def456", "channelType": "whatsapp",
        "archived": archived, "name": format!("Contact {id}"), "updatedAt": updated })
}

fn ok(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn captain() -> (MockServer, ChatCaptainProvider) {
    let server = MockServer::start().await;
    let p = ChatCaptainProvider::new("captain", &server.uri(), BOT, secrecy::SecretString::from(KEY.to_owned()))
        .expect("provider builds");
    (server, p)
}

/// Every request carried the key (the mocks match on it too).
async fn all_keyed(server: &MockServer) {
    let reqs = server.received_requests().await.expect("recording is on");
    assert!(!reqs.is_empty(), "no request was made");
    for r in reqs {
        let key = r.headers.get("x-chatcaptain-key").and_then(|v| v.to_str().ok());
        assert_eq!(key, Some(KEY), "{} {} without the key", r.method, r.url);
    }
}

fn get(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET")).and(path(p.to_owned())).and(header("x-chatcaptain-key", KEY))
}

fn post(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(p.to_owned())).and(header("x-chatcaptain-key", KEY))
}

#[tokio::test]
async fn the_list_is_everything_live_freshest_first_with_unknown_fields_tolerated() {
    let (server, p) = captain().await;
    let mut odd = conv("c3", false, "2026-02-26T10:00:00Z");
    odd["channelType"] = json!("carrier_pigeon");
    odd["status"] = json!("galactic");
    odd["brandNewField"] = json!({ "nested": [1, 2] });
    let body = json!({ "conversations": [conv("c1", false, "2026-02-26T09:00:00Z"),
        conv("c2", true, "2026-02-26T11:00:00Z"), odd, { "contactId": "no id" }] });
    get(CONVS).respond_with(ok(&body)).expect(2).mount(&server).await;
    let page = p.list(ListQuery::default()).await.expect("lists");
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c3", "c1"]);
    // Values we have no name for are kept as they came, not made web and open.
    assert_eq!(
        (&page.items[0].channel, &page.items[0].status),
        (&Channel::Other("carrier_pigeon".into()), &Status::Other("galactic".into()))
    );
    assert_eq!(page.items[1].channel, Channel::Whatsapp);
    assert_eq!(page.next_cursor, None);
    let archived = p
        .list(ListQuery { filter: ViewFilter { archived: true, ..ViewFilter::default() }, ..ListQuery::default() })
        .await
        .expect("lists");
    assert_eq!(archived.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c2"]);
    all_keyed(&server).await;
}

#[tokio::test]
async fn contact_and_channel_filters_go_to_the_server() {
    let (server, p) = captain().await;
    get(CONVS)
        .and(query_param("contactId", "ct_c1"))
        .and(query_param("channelId", "channel_def456"))
        .respond_with(ok(&json!({ "conversations": [conv("c1", false, "2026-02-26T09:00:00Z")] })))
        .expect(1)
        .mount(&server)
        .await;
    let found = p.list_conversations(Some("ct_c1"), Some("channel_def456")).await.expect("lists");
    assert_eq!(found.len(), 1);
    all_keyed(&server).await;
}

#[tokio::test]
async fn a_search_or_a_saved_view_uses_the_search_endpoint() {
    let (server, p) = captain().await;
    // The search answers `{results: {found, facetCounts, hits}}` (its docs); each
    // hit read as the conversation or its `document`.
    get(&format!("{CONVS}/search"))
        .and(query_param("query", "refund"))
        .and(query_param("viewId", ""))
        .respond_with(ok(&json!({ "results": { "found": 1, "facetCounts": [],
            "hits": [{ "document": conv("c1", false, "2026-02-26T09:00:00Z") }] } })))
        .expect(1)
        .mount(&server)
        .await;
    // A whole view is never an empty `query=`.
    get(&format!("{CONVS}/search"))
        .and(query_param("query", "*"))
        .and(query_param("viewId", "v1"))
        .respond_with(ok(&json!({ "results": { "found": 1, "facetCounts": [],
            "hits": [conv("c2", false, "2026-02-26T09:00:00Z")] } })))
        .expect(1)
        .mount(&server)
        .await;
    assert!(p.capabilities().search);
    let q = ListQuery {
        filter: ViewFilter { q: Some(" refund ".into()), ..ViewFilter::default() },
        ..ListQuery::default()
    };
    assert_eq!(p.list(q).await.expect("searches").items[0].id.as_str(), "c1");
    let v = ListQuery { view: Some(ViewId::from("v1")), ..ListQuery::default() };
    assert_eq!(p.list(v).await.expect("lists the view").items[0].id.as_str(), "c2");
    all_keyed(&server).await;
}

#[tokio::test]
async fn a_conversation_and_its_thread_read_senders_tolerantly() {
    let (server, p) = captain().await;
    get(&format!("{CONVS}/conv_def456uvw"))
        .respond_with(ok(&json!({ "conversation": conv("conv_def456uvw", false, "2026-02-26T09:00:00Z") })))
        .mount(&server)
        .await;
    let messages = json!({ "messages": [
        { "id": "m3", "sender": "bot", "text": "Your order ships today.", "createdAt": "2026-02-26T10:02:00Z" },
        { "id": "m1", "sender": "contact", "text": "Where is my order?", "createdAt": "2026-02-26T10:00:00Z" },
        { "id": "m2", "sender": { "type": "agent", "id": "u1", "name": "Ana" }, "text": "Checking",
          "createdAt": 1_772_100_060 },
        { "id": "m4", "sender": "hologram", "text": "?", "createdAt": "2026-02-26T10:03:00Z", "reactions": [] }
    ] });
    get(&format!("{CONVS}/conv_def456uvw/messages")).respond_with(ok(&messages)).mount(&server).await;
    let c = p.conversation(ConversationId::from("conv_def456uvw")).await.expect("reads");
    assert_eq!(c.contact.id.as_str(), "ct_conv_def456uvw");
    let thread = p.thread(ConversationId::from("conv_def456uvw"), 3).await.expect("reads");
    let got: Vec<(&str, Direction, AuthorKind)> =
        thread.iter().map(|m| (m.id.as_str(), m.direction, m.author.kind.clone())).collect();
    assert_eq!(
        got,
        [
            ("m2", Direction::Outbound, AuthorKind::Agent),
            ("m3", Direction::Outbound, AuthorKind::Ai),
            // A sender kind we do not know is kept, on the customer's side.
            ("m4", Direction::Inbound, AuthorKind::Other("hologram".into())),
        ]
    );
    all_keyed(&server).await;
}

#[tokio::test]
async fn views_come_from_the_inbox_with_counts_given_or_counted() {
    let (server, p) = captain().await;
    let views = json!({ "views": [
        { "id": "v1", "name": "Open", "filters": { "open": true }, "count": 7 },
        { "id": "v2", "name": "Mine", "filters": { "selfAssigned": true, "inProgress": true }, "sorting": "x" }
    ] });
    get(&format!("{INBOX}/views")).respond_with(ok(&views)).expect(1).mount(&server).await;
    get(CONVS)
        .respond_with(ok(&json!({ "conversations": [conv("a", false, "2026-02-26T09:00:00Z"),
            conv("b", true, "2026-02-26T09:00:00Z")] })))
        .mount(&server)
        .await;
    get(&format!("{CONVS}/search"))
        .and(query_param("viewId", "v2"))
        .respond_with(ok(&json!({ "conversations": [conv("a", false, "2026-02-26T09:00:00Z"),
            conv("c", false, "2026-02-26T09:00:00Z")] })))
        .expect(1)
        .mount(&server)
        .await;
    let got = p.views().await.expect("views");
    let counts: Vec<(&str, u64)> = got.iter().map(|v| (v.view.id.as_str(), v.count)).collect();
    assert_eq!(counts, [("all", 1), ("v1", 7), ("v2", 2)]);
    assert_eq!(got[2].view.filter.status, [Status::Pending]);
    all_keyed(&server).await;
}

#[tokio::test]
async fn agents_are_who_is_online_and_me_is_the_chatbot() {
    let (server, p) = captain().await;
    let online = json!({ "agents": [{ "id": "u1", "name": "Ana", "email": "ana@acme.test", "status": "online" },
        { "uid": "u2", "firstName": "Bo", "lastName": "Li" }, { "nothing": true }] });
    get(&format!("{INBOX}/agents/online")).respond_with(ok(&online)).expect(1).mount(&server).await;
    let agents = p.agents().await.expect("agents");
    let names: Vec<&str> = agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Ana", "Bo Li"]);
    let me = p.me().await.expect("me");
    assert_eq!(me.agent.id.as_str(), "chatbot:bot_abc123xyz");
    all_keyed(&server).await;
}

#[tokio::test]
async fn a_reply_goes_out_as_an_agent_and_a_thin_answer_is_filled_in() {
    let (server, p) = captain().await;
    post(&format!("{INBOX}/messages"))
        .and(body_json(json!({ "conversationId": "conv_def456uvw", "text": "It ships today." })))
        .respond_with(ok(&json!({ "success": true })))
        .expect(1)
        .mount(&server)
        .await;
    let op = Op::Send {
        conversation: ConversationId::from("conv_def456uvw"),
        kind: ReplyKind::Reply,
        body: "It ships today.".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    let Applied::Message(m) = p.apply(op, "k1".into()).await.expect("sent") else { panic!("a message") };
    assert_eq!(
        (m.direction, m.author.kind, m.body.as_str()),
        (Direction::Outbound, AuthorKind::Agent, "It ships today.")
    );
    let note = Op::Send {
        conversation: ConversationId::from("c"),
        kind: ReplyKind::Note,
        body: "x".into(),
        suggestion: None,
        attachments: Vec::new(),
    };
    assert!(matches!(p.apply(note, "k2".into()).await, Err(ProviderError::Unsupported(_))));
    let close = Op::Change { conversation: ConversationId::from("c"), change: Change::Close };
    assert!(matches!(p.apply(close, "k3".into()).await, Err(ProviderError::Unsupported(s)) if s.contains("status")));
    all_keyed(&server).await;
}

#[tokio::test]
async fn archiving_patches_the_conversation_one_by_one_in_bulk() {
    let (server, p) = captain().await;
    Mock::given(method("PATCH"))
        .and(path(format!("{CONVS}/c1")))
        .and(header("x-chatcaptain-key", KEY))
        .and(body_json(json!({ "conversation": { "archived": true } })))
        .respond_with(ok(&json!({ "conversation": conv("c1", true, "2026-02-26T12:00:00Z") })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{CONVS}/gone")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "error": "Conversation not found." })))
        .mount(&server)
        .await;
    let op = Op::Change { conversation: ConversationId::from("c1"), change: Change::Archive };
    let Applied::Conversation(c) = p.apply(op, "k".into()).await.expect("archives") else { panic!("a conversation") };
    assert!(c.archived);
    let bulk = Op::Bulk {
        conversations: vec![ConversationId::from("c1"), ConversationId::from("gone")],
        change: Change::Archive,
    };
    let Applied::Bulk(out) = p.apply(bulk, "k".into()).await.expect("bulk") else { panic!("bulk") };
    assert!(out[0].1.is_ok());
    assert!(out[1].1.as_ref().is_err_and(|e| e.contains("Conversation not found.")));
    all_keyed(&server).await;
}

#[tokio::test]
async fn conversations_are_created_found_and_deleted() {
    let (server, p) = captain().await;
    let bot_body = json!({ "conversation": { "contactId": "ct_1", "channelId": "channel_def456",
        "channelType": "whatsapp", "name": "Jane", "environment": "production", "language": "de" } });
    post(CONVS)
        .and(body_json(bot_body))
        .respond_with(ok(&json!({ "conversation": conv("new1", false, "2026-02-26T09:00:00Z") })))
        .expect(1)
        .mount(&server)
        .await;
    post(&format!("{INBOX}/conversations"))
        .and(body_json(json!({ "name": "Jane Doe", "email": "jane@example.com", "channelId": "channel_def456" })))
        // A thin answer: the conversation is read back by its id.
        .respond_with(ok(&json!({ "id": "new2" })))
        .expect(1)
        .mount(&server)
        .await;
    get(&format!("{CONVS}/new2")).respond_with(ok(&conv("new2", false, "2026-02-26T09:00:00Z"))).mount(&server).await;
    get(&format!("{CONVS}/find"))
        .and(query_param("channelId", "channel_def456"))
        .and(query_param("providerId", "49123456789"))
        .respond_with(ok(&json!({ "conversation": conv("found", false, "2026-02-26T09:00:00Z") })))
        .mount(&server)
        .await;
    get(&format!("{CONVS}/find"))
        .and(query_param("providerId", "0000"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "error": "Not found" })))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{CONVS}/found")))
        .and(header("x-chatcaptain-key", KEY))
        .respond_with(ok(&json!({ "deleted": true })))
        .expect(1)
        .mount(&server)
        .await;
    let new = ChatbotConversation {
        contact_id: Some("ct_1".into()),
        channel_id: Some("channel_def456".into()),
        channel_type: Some("whatsapp".into()),
        name: Some("Jane".into()),
        environment: Some("production".into()),
        language: Some("de".into()),
    };
    assert_eq!(p.create_chatbot_conversation(new).await.expect("creates").id.as_str(), "new1");
    let inbox = NewConversation {
        user_first_name: Some("Jane".into()),
        user_last_name: Some("Doe".into()),
        user_email: Some("jane@example.com".into()),
        channel: Some("channel_def456".into()),
        ..NewConversation::default()
    };
    assert_eq!(p.create_conversation(inbox).await.expect("creates").id.as_str(), "new2");
    let found = p.find_by_external_id("channel_def456", "49123456789").await.expect("finds");
    assert_eq!(found.map(|c| c.id.to_string()).as_deref(), Some("found"));
    assert_eq!(p.find_by_external_id("channel_def456", "0000").await, Ok(None));
    assert_eq!(p.delete_conversation(&ConversationId::from("found")).await, Ok(true));
    all_keyed(&server).await;
}

#[tokio::test]
async fn the_bot_builder_calls_send_the_pages_bodies() {
    let (server, p) = captain().await;
    let channel = json!({ "chatbotId": BOT, "channelId": "channel_def456", "channelName": "WhatsApp Business",
        "providerId": "49123456789" });
    let mut handle = channel.clone();
    handle["callee"] = json!("+4930123456");
    handle["async"] = json!(false);
    handle["text"] = json!("Hello bot");
    post(&format!("{CONVS}/handle"))
        .and(body_json(handle))
        .respond_with(ok(&json!({ "conversationId": "conv_def456uvw", "messages": [
            { "id": "b1", "text": "Hi! How can I help?", "unknownKind": "carousel" }] })))
        .expect(1)
        .mount(&server)
        .await;
    let mut event = channel.clone();
    event["event"] = json!("user_seen_message");
    post(&format!("{CONVS}/event"))
        .and(body_json(event))
        .respond_with(ok(&json!({ "ok": true })))
        .expect(1)
        .mount(&server)
        .await;
    post(&format!("{CONVS}/custom-event"))
        .and(body_json(json!({ "chatbotId": BOT, "conversationId": "conv_def456uvw", "event": "order_completed" })))
        .respond_with(ok(&json!({})))
        .expect(1)
        .mount(&server)
        .await;
    post(&format!("{CONVS}/payload"))
        .and(body_json(json!({ "chatbotId": BOT, "conversationId": "conv_def456uvw", "flowId": "flow_ghi789",
            "stepId": "step_jkl012", "event": "custom_event", "eventPayload": "{\"orderId\": \"12345\"}",
            "async": false, "isDebug": false })))
        .respond_with(ok(&json!({ "messages": [{ "id": "b2", "sender": "bot", "text": "Order 12345 found." }] })))
        .expect(1)
        .mount(&server)
        .await;

    let mut extra = serde_json::Map::new();
    extra.insert("text".into(), json!("Hello bot"));
    let m = HandleMessage {
        channel_id: "channel_def456".into(),
        channel_name: "WhatsApp Business".into(),
        provider_id: "49123456789".into(),
        callee: Some("+4930123456".into()),
        asynchronous: Some(false),
        extra,
    };
    let BotReply::Messages(reply) = p.handle_message(m).await.expect("handled") else { panic!("messages") };
    assert_eq!((&reply[0].author.kind, reply[0].conversation_id.as_str()), (&AuthorKind::Ai, "conv_def456uvw"));
    let e = BotEvent {
        channel_id: "channel_def456".into(),
        channel_name: "WhatsApp Business".into(),
        provider_id: "49123456789".into(),
        event: "user_seen_message".into(),
        ..BotEvent::default()
    };
    assert_eq!(p.send_event(e).await, Ok(BotReply::Raw(json!({ "ok": true }))));
    let conv = ConversationId::from("conv_def456uvw");
    assert_eq!(p.send_custom_event(&conv, "order_completed").await, Ok(BotReply::Raw(json!({}))));
    let step = StepPayload {
        conversation_id: "conv_def456uvw".into(),
        flow_id: Some("flow_ghi789".into()),
        step_id: Some("step_jkl012".into()),
        event: Some("custom_event".into()),
        event_payload: Some("{\"orderId\": \"12345\"}".into()),
        asynchronous: Some(false),
        is_debug: Some(false),
    };
    let BotReply::Messages(reply) = p.post_step(step).await.expect("stepped") else { panic!("messages") };
    assert_eq!(reply[0].body, "Order 12345 found.");
    all_keyed(&server).await;
}

#[tokio::test]
async fn refusals_read_by_what_can_be_done() {
    let (server, p) = captain().await;
    let fail = |status: u16, body: Value| ResponseTemplate::new(status).set_body_json(body);
    get(&format!("{CONVS}/c401")).respond_with(fail(401, json!({ "error": "Invalid API key." }))).mount(&server).await;
    get(&format!("{CONVS}/c403"))
        .respond_with(fail(403, json!({ "error": "Insufficient permissions." })))
        .mount(&server)
        .await;
    get(&format!("{CONVS}/c422"))
        .respond_with(fail(422, json!({ "error": "conversationId is invalid" })))
        .mount(&server)
        .await;
    get(&format!("{CONVS}/c429"))
        .respond_with(fail(429, json!({ "error": "Too many requests" })).insert_header("Retry-After", "7"))
        .mount(&server)
        .await;
    get(&format!("{CONVS}/c503")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    get(&format!("{CONVS}/c200"))
        .respond_with(ok(&json!({ "error": "Chatbot is disabled.", "conversation": null })))
        .mount(&server)
        .await;
    let at = |id: &str| p.conversation(ConversationId::from(id));
    assert!(matches!(at("c401").await, Err(ProviderError::Auth(m)) if m.contains("wrong or revoked")));
    assert_eq!(
        at("c403").await,
        Err(ProviderError::Auth("ChatCaptain refused this key: Insufficient permissions.".into()))
    );
    assert!(
        matches!(at("c422").await, Err(ProviderError::Permanent { message, .. }) if message == "conversationId is invalid")
    );
    assert_eq!(
        at("c429").await,
        Err(ProviderError::RateLimited { retry_after: Some(std::time::Duration::from_secs(7)) })
    );
    assert!(matches!(at("c503").await, Err(ProviderError::Network(_))));
    assert!(
        matches!(at("c200").await, Err(ProviderError::Permanent { message, .. }) if message == "Chatbot is disabled.")
    );
    assert!(matches!(at("missing").await, Err(ProviderError::NotFound(_))));
    all_keyed(&server).await;
}

#[tokio::test]
async fn capabilities_are_honest_and_updates_are_polled() {
    use futures::StreamExt as _;
    let (_server, p) = captain().await;
    let caps = p.capabilities();
    assert!(!caps.streaming && !caps.star && !caps.read && !caps.notes && !caps.tags && !caps.snooze);
    assert!(caps.saved_views && caps.search && caps.bulk);
    let first = p.updates(None).next().await;
    assert!(matches!(first, Some(Update::Unavailable(m)) if m.contains("polled")));
}
