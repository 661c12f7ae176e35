//! The bot-builder calls: feeding the chatbot an incoming message, an event, a
//! custom event, or a step of a flow, as a channel integration does. Paths and
//! bodies are the page's (`/v1/chatbots/{chatbotId}/conversations/handle`,
//! `/event`, `/payload`, `/custom-event`; `chatbotId` is repeated in the body as
//! the page requires). The page publishes no answers: when one carries the bot's
//! messages (`messages`, with a conversation id) they are read as domain messages,
//! otherwise the answer is handed back as sent.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{ChatCaptainProvider, given, permanent, wire};
use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{AuthorKind, Clean, Conversation, ConversationId, Message};
use frontdesk_provider::bot::{self as shared, BotBuilder, BotCall};
use frontdesk_provider::{ProviderFuture, ProviderResult};

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

/// Where a conversation lives on its channel, as the bot-side calls name it.
struct ChannelOf {
    channel_id: String,
    channel_name: String,
    provider_id: String,
}

impl ChatCaptainProvider {
    /// Reads the conversation as sent (the domain keeps none of these ids). Field
    /// names past `channelId` are unpublished: `channelName` (else the type), and
    /// `providerId` (else the contact's phone or email).
    async fn channel_of(&self, id: &ConversationId) -> ProviderResult<ChannelOf> {
        let v = self.call(self.request(Method::GET, &self.conversation_url(id, ""))).await?;
        let v = wire::unwrap_object(v, "conversation");
        let o = v.as_object();
        let contact = o.and_then(|o| o.get("contact")).and_then(Value::as_object);
        let channel = o.and_then(|o| o.get("channel")).and_then(Value::as_object);
        let pick = |keys: &[&str]| o.and_then(|o| wire::text(o, keys));
        let channel_id = pick(&["channelId"]).or_else(|| channel.and_then(|c| wire::text(c, &["id"])));
        let provider_id = pick(&["providerId", "externalId"])
            .or_else(|| contact.and_then(|c| wire::text(c, &["providerId", "phone", "phoneNumber", "email"])));
        let (Some(channel_id), Some(provider_id)) = (channel_id, provider_id) else {
            return Err(permanent(
                "BOT_CHANNEL",
                "this conversation names no channel id or contact id on its channel, which the bot needs",
            ));
        };
        let channel_name = pick(&["channelName", "channelType"])
            .or_else(|| channel.and_then(|c| wire::text(c, &["name", "type"])))
            .unwrap_or_else(|| channel_id.clone());
        Ok(ChannelOf { channel_id, channel_name, provider_id })
    }

    async fn bot_answer(&self, conversation: ConversationId, call: BotCall) -> ProviderResult<shared::BotReply> {
        let reply = match call {
            BotCall::Message(text) => {
                let ch = self.channel_of(&conversation).await?;
                // The page names no field for the message itself: `text`, as sent
                // elsewhere in the API (`/v1/inbox/{chatbotId}/messages`).
                let mut extra = Map::new();
                extra.insert("text".into(), Value::String(text));
                let m = HandleMessage {
                    channel_id: ch.channel_id,
                    channel_name: ch.channel_name,
                    provider_id: ch.provider_id,
                    callee: None,
                    // Wait for the bot, so its answer can be shown.
                    asynchronous: Some(false),
                    extra,
                };
                self.handle_message(m).await?
            }
            BotCall::Event(event) => {
                let ch = self.channel_of(&conversation).await?;
                let e = BotEvent {
                    channel_id: ch.channel_id,
                    channel_name: ch.channel_name,
                    provider_id: ch.provider_id,
                    event,
                    callee: None,
                    asynchronous: Some(false),
                };
                self.send_event(e).await?
            }
            BotCall::CustomEvent(event) => self.send_custom_event(&conversation, &event).await?,
            BotCall::Step(s) => {
                let step = StepPayload {
                    conversation_id: conversation.to_string(),
                    flow_id: s.flow_id,
                    step_id: s.step_id,
                    event: s.event,
                    event_payload: s.payload,
                    asynchronous: Some(false),
                    is_debug: None,
                };
                self.post_step(step).await?
            }
        };
        Ok(match reply {
            BotReply::Messages(m) => shared::BotReply::Messages(m),
            // The handle and event answers name no conversation: this is the one.
            BotReply::Raw(v) => match reply_of(v, Some(conversation.as_str())) {
                BotReply::Messages(m) => shared::BotReply::Messages(m),
                BotReply::Raw(v) => shared::BotReply::Said(said(&v)),
            },
        })
    }
}

/// An answer that is not messages, as one short clean line.
fn said(v: &Value) -> String {
    let line = match v {
        Value::Null => String::new(),
        Value::Object(o) if o.is_empty() => String::new(),
        Value::String(s) => s.clone(),
        v => ["message", "text", "status", "result"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| v.to_string()),
    };
    let line = sanitize_line(&line);
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

impl BotBuilder for ChatCaptainProvider {
    fn call(&self, conversation: ConversationId, call: BotCall) -> ProviderFuture<'_, shared::BotReply> {
        Box::pin(self.bot_answer(conversation, call))
    }

    fn find(&self, channel_id: String, provider_id: String) -> ProviderFuture<'_, Option<Conversation>> {
        Box::pin(async move { self.find_by_external_id(&channel_id, &provider_id).await })
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
    let mut messages: Vec<Message> = rows.iter().filter_map(|m| wire::message(m, &id, AuthorKind::Ai)).collect();
    if messages.is_empty() && !rows.is_empty() {
        return BotReply::Raw(v);
    }
    messages.clean();
    BotReply::Messages(messages)
}
