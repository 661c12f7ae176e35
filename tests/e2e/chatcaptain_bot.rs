//! The bot builder's calls as the client makes them (through the engine), against a
//! wiremock ChatCaptain: the conversation read for its channel ids, the page's
//! bodies, the bot's answer read into messages of that conversation; finding by
//! external ids; deleting.

#![allow(clippy::doc_markdown, reason = "ChatCaptain is a name, not code")]

use std::sync::Arc;

use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use frontdesk_domain::{AuthorKind, ConversationId};
use frontdesk_provider::bot::{BotCall, BotReply, Step};
use frontdesk_provider::{Provider, ProviderError};
use frontdesk_provider_chatcaptain::ChatCaptainProvider;
use frontdesk_sync::{self as sync, SyncCommand, SyncEvent};

use crate::support::next_event;

const KEY: &str = "cc_bot_key_77a0";
const BOT: &str = "bot_abc123xyz";
const CONVS: &str = "/v1/chatbots/bot_abc123xyz/conversations";

fn ok(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn keyed(verb: &str, p: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb)).and(path(p.to_owned())).and(header("x-chatcaptain-key", KEY))
}

fn provider(server: &MockServer) -> ChatCaptainProvider {
    ChatCaptainProvider::new("captain", &server.uri(), BOT, secrecy::SecretString::from(KEY.to_owned()))
        .expect("provider builds")
}

/// The page's example conversation, with the channel's name and the contact's
/// id on it (field names assumed: the page publishes no conversation body).
async fn conversation(server: &MockServer) {
    let c = json!({ "id": "conv_def456uvw", "contactId": "ct_1", "channelId": "channel_def456",
        "channelName": "WhatsApp Business", "providerId": "49123456789", "archived": false, "name": "Jo" });
    keyed("GET", &format!("{CONVS}/conv_def456uvw")).respond_with(ok(&c)).mount(server).await;
}

#[tokio::test]
async fn a_message_handed_to_the_bot_through_the_engine_comes_back_as_its_messages() {
    let server = MockServer::start().await;
    conversation(&server).await;
    let body = json!({ "chatbotId": BOT, "channelId": "channel_def456", "channelName": "WhatsApp Business",
        "providerId": "49123456789", "async": false, "text": "Where is my order?" });
    keyed("POST", &format!("{CONVS}/handle"))
        .and(body_json(body))
        .respond_with(ok(&json!({ "messages": [{ "id": "b1", "text": "It ships tomorrow.", "extra": [1] }] })))
        .expect(1)
        .mount(&server)
        .await;
    let store = sync::store::Store::memory().await.expect("store");
    let cache = sync::cache::Cache::memory().await.expect("cache");
    let (engine, mut events) = sync::spawn(sync::Account::new(Arc::new(provider(&server)), store, cache));
    assert!(engine.capabilities().bot && engine.capabilities().delete);
    let conversation = ConversationId::from("conv_def456uvw");
    engine.send(SyncCommand::Bot {
        conversation: conversation.clone(),
        call: BotCall::Message("Where is my order?".into()),
    });
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::Bot { .. })).await;
    let SyncEvent::Bot { conversation: of, result: Ok(BotReply::Messages(m)), .. } = e else { panic!("{e:?}") };
    assert_eq!(of, conversation);
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].body.as_str(), &m[0].author.kind), ("It ships tomorrow.", &AuthorKind::Ai));
    assert_eq!(m[0].conversation_id, conversation, "the answer named no conversation: it is the one called");
}

#[tokio::test]
async fn events_custom_events_and_steps_send_the_pages_bodies() {
    let server = MockServer::start().await;
    conversation(&server).await;
    keyed("POST", &format!("{CONVS}/event"))
        .and(body_partial_json(json!({ "chatbotId": BOT, "channelId": "channel_def456", "providerId": "49123456789",
            "event": "user_seen_message" })))
        .respond_with(ok(&json!({ "status": "accepted" })))
        .expect(1)
        .mount(&server)
        .await;
    keyed("POST", &format!("{CONVS}/custom-event"))
        .and(body_json(json!({ "chatbotId": BOT, "conversationId": "conv_def456uvw", "event": "order_completed" })))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    keyed("POST", &format!("{CONVS}/payload"))
        .and(body_json(json!({ "chatbotId": BOT, "conversationId": "conv_def456uvw", "flowId": "flow_ghi789",
            "eventPayload": "{\"orderId\": \"12345\"}", "async": false })))
        .respond_with(ok(&json!({ "messages": [{ "id": "b2", "sender": "bot", "text": "Order found." }] })))
        .expect(1)
        .mount(&server)
        .await;
    let p = provider(&server);
    let bot = p.bot().expect("ChatCaptain has a bot");
    let c = ConversationId::from("conv_def456uvw");
    let said = bot.call(c.clone(), BotCall::Event("user_seen_message".into())).await;
    assert_eq!(said, Ok(BotReply::Said("accepted".into())));
    assert_eq!(
        bot.call(c.clone(), BotCall::CustomEvent("order_completed".into())).await,
        Ok(BotReply::Said(String::new()))
    );
    let step = Step {
        flow_id: Some("flow_ghi789".into()),
        payload: Some("{\"orderId\": \"12345\"}".into()),
        ..Step::default()
    };
    let Ok(BotReply::Messages(m)) = bot.call(c, BotCall::Step(step)).await else { panic!("messages") };
    assert_eq!(m[0].body, "Order found.");
}

#[tokio::test]
async fn a_conversation_without_its_channel_ids_is_refused_before_the_bot_is_called() {
    let server = MockServer::start().await;
    keyed("GET", &format!("{CONVS}/c2"))
        .respond_with(ok(&json!({ "conversation": { "id": "c2", "name": "No channel" } })))
        .mount(&server)
        .await;
    let p = provider(&server);
    let e = p.bot().expect("bot").call("c2".into(), BotCall::Message("hi".into())).await;
    assert!(matches!(&e, Err(ProviderError::Permanent { code, .. }) if code == "BOT_CHANNEL"), "{e:?}");
    let posts = server.received_requests().await.unwrap_or_default();
    assert!(posts.iter().all(|r| r.method == wiremock::http::Method::GET), "nothing was posted");
}

#[tokio::test]
async fn a_refusal_reads_as_the_vendors_words() {
    let server = MockServer::start().await;
    conversation(&server).await;
    keyed("POST", &format!("{CONVS}/handle"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({ "error": "Insufficient permissions." })))
        .mount(&server)
        .await;
    let e = provider(&server).bot().expect("bot").call("conv_def456uvw".into(), BotCall::Message("hi".into())).await;
    let text = e.expect_err("refused").to_string();
    assert!(text.contains("Insufficient permissions."), "{text}");
}

#[tokio::test]
async fn find_by_external_ids_and_delete_through_the_engine() {
    let server = MockServer::start().await;
    keyed("GET", &format!("{CONVS}/find"))
        .and(query_param("channelId", "channel_def456"))
        .and(query_param("providerId", "49123456789"))
        .respond_with(ok(&json!({ "conversation": { "id": "found", "channelId": "channel_def456", "name": "Jo" } })))
        .mount(&server)
        .await;
    keyed("GET", &format!("{CONVS}/find"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "error": "Not found" })))
        .mount(&server)
        .await;
    keyed("DELETE", &format!("{CONVS}/found"))
        .respond_with(ok(&json!({ "deleted": true })))
        .expect(1)
        .mount(&server)
        .await;
    keyed("DELETE", &format!("{CONVS}/kept")).respond_with(ok(&json!({ "deleted": false }))).mount(&server).await;
    let store = sync::store::Store::memory().await.expect("store");
    let cache = sync::cache::Cache::memory().await.expect("cache");
    let (engine, mut events) = sync::spawn(sync::Account::new(Arc::new(provider(&server)), store, cache));

    engine.send(SyncCommand::Find { channel_id: "channel_def456".into(), provider_id: "49123456789".into() });
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::Found(_))).await;
    assert!(matches!(&e, SyncEvent::Found(Ok(Some(c))) if c.id.as_str() == "found"), "{e:?}");
    engine.send(SyncCommand::Find { channel_id: "channel_def456".into(), provider_id: "0000".into() });
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::Found(_))).await;
    assert!(matches!(e, SyncEvent::Found(Ok(None))), "{e:?}");

    engine.send(SyncCommand::Delete("found".into()));
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::Deleted { .. })).await;
    assert!(matches!(e, SyncEvent::Deleted { result: Ok(()), .. }), "{e:?}");
    engine.send(SyncCommand::Delete("kept".into()));
    let e = next_event(&mut events, |e| matches!(e, SyncEvent::Deleted { .. })).await;
    assert!(
        matches!(&e, SyncEvent::Deleted { result: Err(ProviderError::Permanent { code, .. }), .. } if code == "NOT_DELETED"),
        "{e:?}"
    );
}
