//! The bot-builder calls: feeding the chatbot an incoming message, an event, a
//! custom event, or a step of a flow, as a channel integration does. Paths and
//! bodies are the page's (`/v1/chatbots/{chatbotId}/conversations/handle`,
//! `/event`, `/payload`, `/custom-event`; `chatbotId` is repeated in the body as
//! the page requires). The page publishes no answers: when one carries the bot's
//! messages (`messages`, with a conversation id) they are read as domain messages,
//! otherwise the answer is handed back as sent.

use jiff::Timestamp;
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{ChatCaptainProvider, given, wire};
use crate::domain::{AuthorKind, Clean, ConversationId, Message};
use crate::provider::ProviderResult;

/// An incoming message from a channel (`…/conversations/handle`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HandleMessage {
    pub channel_id: String,
    /// The channel's display name ("WhatsApp Business").
    pub channel_name: String,
    /// The contact's address on the channel (a phone number on WhatsApp).
    pub provider_id: String,
    /// The number called, on voice channels.
    pub callee: Option<String>,
    /// Process in the background; the answer then carries no reply.
    pub asynchronous: Option<bool>,
    /// Fields the page does not list (it names none for the message itself, so
    /// the text goes here under whatever name the integration uses); merged into
    /// the body without overriding the documented ones.
    pub extra: Map<String, Value>,
}

/// An event from a channel ("user_seen_message"; `…/conversations/event`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BotEvent {
    pub channel_id: String,
    pub channel_name: String,
    pub provider_id: String,
    pub event: String,
    pub callee: Option<String>,
    pub asynchronous: Option<bool>,
}

/// A flow step to run in a conversation (`…/conversations/payload`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepPayload {
    pub conversation_id: String,
    pub flow_id: Option<String>,
    pub step_id: Option<String>,
    pub event: Option<String>,
    /// JSON, as a string (the page's type for it).
    pub event_payload: Option<String>,
    pub asynchronous: Option<bool>,
    pub is_debug: Option<bool>,
}

/// What the bot answered.
#[derive(Clone, Debug, PartialEq)]
pub enum BotReply {
    /// Its messages, oldest first.
    Messages(Vec<Message>),
    /// Anything else, as sent (nothing, for an asynchronous call).
    Raw(Value),
}

fn put_str(body: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = given(value) {
        body.insert(key.to_owned(), Value::String(v));
    }
}

fn put_bool(body: &mut Map<String, Value>, key: &str, value: Option<bool>) {
    if let Some(b) = value {
        body.insert(key.to_owned(), Value::Bool(b));
    }
}

impl ChatCaptainProvider {
    fn bot_body(&self) -> Map<String, Value> {
        let mut body = Map::new();
        body.insert("chatbotId".into(), json!(self.chatbot_id));
        body
    }

    async fn bot_call(
        &self,
        rest: &str,
        body: Map<String, Value>,
        conversation: Option<&str>,
    ) -> ProviderResult<BotReply> {
        let v = self.call(self.request(Method::POST, &self.conversations_url(rest)).json(&body)).await?;
        Ok(reply_of(v, conversation))
    }

    /// Feeds the chatbot a message from a channel.
    pub async fn handle_message(&self, m: HandleMessage) -> ProviderResult<BotReply> {
        let mut body = self.bot_body();
        put_str(&mut body, "channelId", Some(&m.channel_id));
        put_str(&mut body, "channelName", Some(&m.channel_name));
        put_str(&mut body, "providerId", Some(&m.provider_id));
        put_str(&mut body, "callee", m.callee.as_deref());
        put_bool(&mut body, "async", m.asynchronous);
        for (k, v) in m.extra {
            body.entry(k).or_insert(v);
        }
        self.bot_call("/handle", body, None).await
    }

    /// Feeds the chatbot a channel event.
    pub async fn send_event(&self, e: BotEvent) -> ProviderResult<BotReply> {
        let mut body = self.bot_body();
        put_str(&mut body, "channelId", Some(&e.channel_id));
        put_str(&mut body, "channelName", Some(&e.channel_name));
        put_str(&mut body, "providerId", Some(&e.provider_id));
        put_str(&mut body, "event", Some(&e.event));
        put_str(&mut body, "callee", e.callee.as_deref());
        put_bool(&mut body, "async", e.asynchronous);
        self.bot_call("/event", body, None).await
    }

    /// Triggers a custom event ("order_completed") in a conversation.
    pub async fn send_custom_event(&self, conversation: &ConversationId, event: &str) -> ProviderResult<BotReply> {
        let mut body = self.bot_body();
        put_str(&mut body, "conversationId", Some(conversation.as_str()));
        put_str(&mut body, "event", Some(event));
        self.bot_call("/custom-event", body, Some(conversation.as_str())).await
    }

    /// Runs a flow step (or triggers an event) in a conversation.
    pub async fn post_step(&self, s: StepPayload) -> ProviderResult<BotReply> {
        let mut body = self.bot_body();
        put_str(&mut body, "conversationId", Some(&s.conversation_id));
        put_str(&mut body, "flowId", s.flow_id.as_deref());
        put_str(&mut body, "stepId", s.step_id.as_deref());
        put_str(&mut body, "event", s.event.as_deref());
        put_str(&mut body, "eventPayload", s.event_payload.as_deref());
        put_bool(&mut body, "async", s.asynchronous);
        put_bool(&mut body, "isDebug", s.is_debug);
        self.bot_call("/payload", body, Some(&s.conversation_id)).await
    }
}

/// The bot's messages when the answer has them and says (or the call knows) whose
/// conversation they are in; a message without a sender is the bot's.
pub fn reply_of(v: Value, conversation: Option<&str>) -> BotReply {
    let Some(rows) = v.get("messages").and_then(Value::as_array) else { return BotReply::Raw(v) };
    let o = v.as_object();
    let id = o
        .and_then(|o| wire::text(o, &["conversationId"]))
        .or_else(|| v.get("conversation").and_then(Value::as_object).and_then(|c| wire::text(c, &["id"])))
        .or_else(|| given(conversation));
    let Some(id) = id.map(ConversationId::from) else { return BotReply::Raw(v) };
    let now = Timestamp::now();
    let mut messages: Vec<Message> = rows.iter().filter_map(|m| wire::message(m, &id, AuthorKind::Ai, now)).collect();
    if messages.is_empty() && !rows.is_empty() {
        return BotReply::Raw(v);
    }
    messages.clean();
    BotReply::Messages(messages)
}
