//! The adapter for ChatCaptain, a chatbot platform with a human inbox
//! (`vendors/chatcaptain-conversations.txt` and the ChatCaptain notes in
//! `vendors/NOTES.md`). Auth is `x-chatcaptain-key`; a key belongs to one chatbot,
//! so the account is that chatbot. Conversations live under
//! `/v1/chatbots/{chatbotId}/conversations`, the agent's side (replies, views,
//! who is online) under `/v1/inbox/{chatbotId}`. There is no paging, no stream, no
//! assignment or status change, no notes, and no "who am I". Stars and read marks
//! are kept on this machine.
//!
//! Besides the [`Provider`] calls, the conversation management and bot-builder
//! endpoints are offered as methods for palette commands (see [`bot`]).

#![allow(clippy::doc_markdown, reason = "ChatCaptain and WhatsApp are names, not code")]

mod answers;
pub mod bot;
mod dedupe;
mod wire;

use std::time::Duration;

use futures::stream::BoxStream;
use jiff::Timestamp;
use reqwest::{Method, RequestBuilder, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use answers::{conversation_from, conversations_from, error, search_from};
use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{
    Agent, AgentId, AgentRole, Author, AuthorKind, Change, Clean, Conversation, ConversationId, Delivery, Direction,
    Message, MessageId, MessageKind, NewConversation, Op, Page, View, ViewFilter, ViewId, ViewKind, ViewWithCount,
};
use frontdesk_provider::http::{answer_body, network, retry_after, secret_header, urlencode};
use frontdesk_provider::{
    Applied, Capabilities, Identity, ListQuery, Provider, ProviderError, ProviderFuture, ProviderResult, Update,
};

pub use bot::{BotEvent, BotReply, HandleMessage, StepPayload};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const KEY_HEADER: &str = "x-chatcaptain-key";
/// The sidebar entry for the plain list; every other view is the chatbot's own.
const ALL: &str = "all";

/// A conversation for `POST /v1/chatbots/{chatbotId}/conversations` (the bot side:
/// a contact on a channel). Blank fields are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatbotConversation {
    pub contact_id: Option<String>,
    pub channel_id: Option<String>,
    pub channel_type: Option<String>,
    pub name: Option<String>,
    pub environment: Option<String>,
    pub language: Option<String>,
}

/// A conversation an agent opens from the inbox (`POST /v1/inbox/{chatbotId}/conversations`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxConversation {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub channel_id: String,
}

pub struct ChatCaptainProvider {
    name: String,
    /// The host, without a trailing slash.
    base: String,
    chatbot_id: String,
    key: SecretString,
    agent: Agent,
    http: reqwest::Client,
    caps: Capabilities,
}

fn permanent(code: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::Permanent { code: code.to_owned(), message: message.into() }
}

/// `Some(trimmed)` when not blank.
fn given(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl ChatCaptainProvider {
    /// `base_url` is the API's host (`https://api.chatcaptain.com`; a trailing `/v1`
    /// is accepted too); `chatbot_id` the chatbot the key belongs to.
    pub fn new(name: &str, base_url: &str, chatbot_id: &str, key: SecretString) -> ProviderResult<Self> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let trimmed = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
        reqwest::Url::parse(trimmed)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| permanent("CONFIG", format!("the ChatCaptain URL {base_url:?} is not an http(s) URL")))?;
        let chatbot_id = chatbot_id.trim();
        if chatbot_id.is_empty() {
            return Err(permanent("CONFIG", "a ChatCaptain account needs the chatbot id its key belongs to"));
        }
        if key.expose_secret().trim().is_empty() {
            return Err(permanent("CONFIG", "the ChatCaptain key is empty"));
        }
        let (http, _) = frontdesk_provider::http::clients(REQUEST_TIMEOUT, REQUEST_TIMEOUT)?;
        Ok(Self {
            name: name.to_owned(),
            base: trimmed.to_owned(),
            chatbot_id: chatbot_id.to_owned(),
            key,
            // The API has no profile endpoint and a key is the chatbot's, not a
            // person's: replies go out as the inbox of this chatbot, so "me" is it.
            agent: Agent {
                id: AgentId::from(format!("chatbot:{chatbot_id}")),
                name: sanitize_line(if name.trim().is_empty() { chatbot_id } else { name }),
                email: String::new(),
                role: AgentRole::Agent,
                team: None,
            },
            http,
            caps: Capabilities {
                streaming: false,
                saved_views: true,
                copilot: false,
                handoff: false,
                bulk: true,
                snooze: false,
                tags: false,
                notes: false,
                search: true,
                urgency_sort: false,
                // Its list comes whole: read from the end it is the same one page.
                list_upward: true,
                presence: false,
                star: false,
                read: false,
                // The inbox's create call; `NewConversation::channel` carries the
                // ChatCaptain channel id it needs.
                create: true,
                attachments: false,
                delete: true,
                bot: true,
                close: false,
                reopen: false,
                pending: false,
                assign: false,
                priority: false,
                archive: true,
                edit_views: false,
                own_priorities: &[],
            },
        })
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        secret_header(self.http.request(method, url), KEY_HEADER, self.key.expose_secret())
    }

    /// `/v1/chatbots/{chatbotId}/conversations{rest}`.
    fn conversations_url(&self, rest: &str) -> String {
        format!("{}/v1/chatbots/{}/conversations{rest}", self.base, urlencode(&self.chatbot_id))
    }

    fn conversation_url(&self, id: &ConversationId, rest: &str) -> String {
        self.conversations_url(&format!("/{}{rest}", urlencode(id.as_str())))
    }

    /// `/v1/inbox/{chatbotId}/{rest}`.
    fn inbox_url(&self, rest: &str) -> String {
        format!("{}/v1/inbox/{}/{rest}", self.base, urlencode(&self.chatbot_id))
    }

    /// One request, its failure read into a [`ProviderError`]; an `error` string in
    /// a successful answer is a refusal too.
    async fn call(&self, req: RequestBuilder) -> ProviderResult<Value> {
        let resp = req.send().await.map_err(|e| network(&e))?;
        let status = resp.status();
        let wait = resp.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
        let bytes = answer_body(resp).await?;
        if !status.is_success() {
            return Err(error(status, wait, &bytes).redacted(self.key.expose_secret()));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| ProviderError::Malformed(format!("ChatCaptain: {e}")))?;
        match wire::error_in(&v) {
            Some(message) => Err(permanent("CHATCAPTAIN", message).redacted(self.key.expose_secret())),
            None => Ok(v),
        }
    }

    async fn get(&self, id: &ConversationId) -> ProviderResult<Conversation> {
        conversation_from(&self.call(self.request(Method::GET, &self.conversation_url(id, ""))).await?)
    }

    /// The chatbot's conversations, all of them (the list has no paging), narrowed
    /// by contact and channel id as the API filters.
    pub async fn list_conversations(
        &self,
        contact_id: Option<&str>,
        channel_id: Option<&str>,
    ) -> ProviderResult<Vec<Conversation>> {
        let mut params = Vec::new();
        if let Some(c) = given(contact_id) {
            params.push(("contactId", c));
        }
        if let Some(c) = given(channel_id) {
            params.push(("channelId", c));
        }
        let v = self.call(self.request(Method::GET, &self.conversations_url("")).query(&params)).await?;
        conversations_from(v)
    }

    /// The search endpoint: a phrase (may be empty) within a view (none: all).
    pub async fn search(&self, query: &str, view: Option<&str>) -> ProviderResult<Vec<Conversation>> {
        // Both parameters are required, and an empty `query=` is not a phrase: the
        // whole view is `*` (the search engine's own "everything").
        let phrase = match query.trim() {
            "" => "*".to_owned(),
            q => q.to_owned(),
        };
        let params = [("query", phrase), ("viewId", view.unwrap_or_default().to_owned())];
        let v = self.call(self.request(Method::GET, &self.conversations_url("/search")).query(&params)).await?;
        search_from(v)
    }

    /// A conversation found by the channel's own ids (`providerId` is the contact's
    /// address on the channel, a phone number on WhatsApp); none when there is none.
    pub async fn find_by_external_id(
        &self,
        channel_id: &str,
        provider_id: &str,
    ) -> ProviderResult<Option<Conversation>> {
        let params = [("channelId", channel_id.trim()), ("providerId", provider_id.trim())];
        let req = self.request(Method::GET, &self.conversations_url("/find")).query(&params);
        match self.call(req).await {
            Ok(Value::Null) | Err(ProviderError::NotFound(_)) => Ok(None),
            Ok(v) => match wire::unwrap_object(v, "conversation") {
                Value::Object(o) if o.is_empty() => Ok(None),
                Value::Null => Ok(None),
                v => conversation_from(&v).map(Some),
            },
            Err(e) => Err(e),
        }
    }

    /// Opens a conversation on the bot side.
    pub async fn create_chatbot_conversation(&self, new: ChatbotConversation) -> ProviderResult<Conversation> {
        let mut body = Map::new();
        let fields = [
            ("contactId", new.contact_id),
            ("channelId", new.channel_id),
            ("channelType", new.channel_type),
            ("name", new.name),
            ("environment", new.environment),
            ("language", new.language),
        ];
        for (key, value) in fields {
            if let Some(v) = given(value.as_deref()) {
                body.insert(key.into(), Value::String(v));
            }
        }
        let req = self.request(Method::POST, &self.conversations_url("")).json(&json!({ "conversation": body }));
        let v = self.call(req).await?;
        self.read_back(v).await
    }

    /// Opens a conversation from the inbox, as an agent does.
    pub async fn create_inbox_conversation(&self, new: InboxConversation) -> ProviderResult<Conversation> {
        let name = new.name.trim();
        let channel = new.channel_id.trim();
        if name.is_empty() || channel.is_empty() {
            return Err(permanent("MISSING_FIELD", "a ChatCaptain conversation needs a name and a channel id"));
        }
        let mut body = json!({ "name": name, "channelId": channel });
        for (key, value) in [("email", new.email), ("phone", new.phone)] {
            if let Some(v) = given(value.as_deref()) {
                body[key] = Value::String(v);
            }
        }
        let v = self.call(self.request(Method::POST, &self.inbox_url("conversations")).json(&body)).await?;
        self.read_back(v).await
    }

    /// Updates a conversation with the fields given (wrapped in `conversation` as
    /// the API takes them, unless already wrapped) and returns it as it now is.
    pub async fn patch_conversation(&self, id: &ConversationId, fields: Value) -> ProviderResult<Conversation> {
        let body = if fields.get("conversation").is_some() { fields } else { json!({ "conversation": fields }) };
        let v = self.call(self.request(Method::PATCH, &self.conversation_url(id, "")).json(&body)).await?;
        match self.read_back(v).await {
            Err(ProviderError::Malformed(_)) => self.get(id).await,
            other => other,
        }
    }

    /// Deletes a conversation: whether ChatCaptain says it did. An answer without
    /// `deleted` (and without `error`) is taken as done: the call succeeded.
    pub async fn delete_conversation(&self, id: &ConversationId) -> ProviderResult<bool> {
        let v = self.call(self.request(Method::DELETE, &self.conversation_url(id, ""))).await?;
        Ok(v.get("deleted").and_then(Value::as_bool).unwrap_or(true))
    }

    /// A conversation from a write's answer; an answer without one (the page does
    /// not publish these answers) is read back by its id, when it has one.
    async fn read_back(&self, v: Value) -> ProviderResult<Conversation> {
        let v = wire::unwrap_object(v, "conversation");
        let id = v.as_object().and_then(|o| wire::text(o, &["id", "_id", "conversationId"]));
        match id {
            Some(_) if v.as_object().is_some_and(|o| o.len() > 1) => conversation_from(&v),
            Some(id) => self.get(&ConversationId::from(id)).await,
            None => Err(ProviderError::Malformed("ChatCaptain answered without the conversation".into())),
        }
    }

    /// The chatbot's saved inbox views, as sent (the raw answer, for editing).
    pub async fn inbox_view(&self, id: &str) -> ProviderResult<Value> {
        let url = self.inbox_url(&format!("views/{}", urlencode(id)));
        Ok(wire::unwrap_object(self.call(self.request(Method::GET, &url)).await?, "view"))
    }

    /// Creates a view (`{name, filters: {unread, selfAssigned, open, closed,
    /// inProgress}, sorting, direction}`); the answer as sent.
    pub async fn create_view(&self, view: Value) -> ProviderResult<Value> {
        let v = self.call(self.request(Method::POST, &self.inbox_url("views")).json(&view)).await?;
        Ok(wire::unwrap_object(v, "view"))
    }

    /// Replaces a view; the answer as sent.
    pub async fn update_view(&self, id: &str, view: Value) -> ProviderResult<Value> {
        let url = self.inbox_url(&format!("views/{}", urlencode(id)));
        Ok(wire::unwrap_object(self.call(self.request(Method::PUT, &url).json(&view)).await?, "view"))
    }

    async fn change(&self, id: &ConversationId, change: &Change) -> ProviderResult<Conversation> {
        let unsupported = match change {
            Change::Archive => return self.patch_conversation(id, json!({ "archived": true })).await,
            Change::Unarchive => return self.patch_conversation(id, json!({ "archived": false })).await,
            Change::Close | Change::Reopen | Change::Pending => "changing the status (ChatCaptain has no status call)",
            Change::Snooze { .. } => "snoozing",
            Change::Assign { .. } | Change::Unassign => "assigning (ChatCaptain has no assignment call)",
            Change::SetTags { .. } | Change::AddTags { .. } | Change::RemoveTags { .. } => "tags",
            Change::SetPriority { .. } => "changing the priority",
            Change::Star | Change::Unstar => "starring on ChatCaptain (stars are kept on this machine)",
            Change::Read | Change::Unread => "read marks on ChatCaptain (they are kept on this machine)",
            Change::RequestHandoff { .. } | Change::Handoff { .. } | Change::ResolveHandoff => "AI handoff",
        };
        Err(ProviderError::Unsupported(unsupported))
    }

    /// A reply sent as an agent of the chatbot's inbox.
    async fn send(&self, id: &ConversationId, text: &str) -> ProviderResult<Message> {
        if text.trim().is_empty() {
            return Err(permanent("EMPTY_MESSAGE", "an empty message is not sent"));
        }
        let body = json!({ "conversationId": id.as_str(), "text": text });
        let v = self.call(self.request(Method::POST, &self.inbox_url("messages")).json(&body)).await?;
        let now = Timestamp::now();
        // The answer is not published: whatever it leaves out, the request says.
        let answered = wire::message(&wire::unwrap_object(v, "message"), id, AuthorKind::Agent);
        let mut m = answered.unwrap_or_else(|| Message {
            id: MessageId::generate(),
            conversation_id: id.clone(),
            direction: Direction::Outbound,
            author: Author { kind: AuthorKind::Agent, id: None, name: String::new() },
            kind: MessageKind::Reply,
            body: String::new(),
            attachments: Vec::new(),
            call: None,
            created_at: now,
            delivery: Delivery::Sent,
        });
        // We sent it: it is ours whatever the answer calls its sender, and it went now.
        m.direction = Direction::Outbound;
        m.created_at = frontdesk_domain::known_or(m.created_at, now);
        if m.author.kind == AuthorKind::Contact {
            m.author.kind = AuthorKind::Agent;
        }
        if m.author.id.is_none() {
            m.author =
                Author { kind: AuthorKind::Agent, id: Some(self.agent.id.to_string()), name: self.agent.name.clone() };
        }
        if m.body.trim().is_empty() {
            text.clone_into(&mut m.body);
        }
        m.clean();
        Ok(m)
    }

    /// A view's conversations: the search endpoint with an empty phrase.
    async fn view_count(&self, view: &View, given: Option<u64>) -> ProviderResult<u64> {
        if let Some(n) = given {
            return Ok(n);
        }
        Ok(self.search("", Some(view.id.as_str())).await?.len() as u64)
    }
}

/// Whether a list keeps a conversation, by the filter's archived, status and channel.
fn keeps(filter: &ViewFilter, c: &Conversation) -> bool {
    c.archived == filter.archived
        && filter.takes_status(&c.status)
        && (filter.channels.is_empty() || filter.channels.contains(&c.channel))
}

impl Provider for ChatCaptainProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn me(&self) -> ProviderFuture<'_, Identity> {
        // No profile endpoint: the identity is the chatbot the key belongs to.
        Box::pin(async move { Ok(Identity { agent: self.agent.clone(), org_name: "ChatCaptain".to_owned() }) })
    }

    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        // Only who is online is published; that is the roster the palette can offer.
        Box::pin(async move {
            let v = self.call(self.request(Method::GET, &self.inbox_url("agents/online"))).await?;
            let mut agents: Vec<Agent> = wire::rows(v, "agents")?.iter().filter_map(wire::agent).collect();
            agents.clean();
            Ok(agents)
        })
    }

    /// "All" (the plain list) and the chatbot's saved views. A view's count is the
    /// one its answer gives; without one (the page shows none) it is the length of
    /// the view's list, one search per view.
    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        Box::pin(async move {
            let v = self.call(self.request(Method::GET, &self.inbox_url("views"))).await?;
            let saved: Vec<(View, Option<u64>)> = wire::rows(v, "views")?.iter().filter_map(wire::view).collect();
            let all = self.list_conversations(None, None).await?;
            let counts = futures::future::join_all(saved.iter().map(|(view, n)| self.view_count(view, *n))).await;
            let all_view = View {
                id: ViewId::from(ALL),
                name: "All".to_owned(),
                kind: ViewKind::Builtin,
                filter: ViewFilter::default(),
            };
            let live = all.iter().filter(|c| !c.archived).count() as u64;
            let mut out = vec![ViewWithCount { view: all_view, count: live }];
            for ((view, _), count) in saved.into_iter().zip(counts) {
                out.push(ViewWithCount { view, count: count? });
            }
            out.clean();
            Ok(out)
        })
    }

    /// No view (or "all", or another built-in name the engine keeps itself) is the
    /// plain list; a saved view, or a search phrase, goes to the search endpoint.
    /// There is no paging: the first page is everything, freshest first; archived,
    /// status and channel are filtered here, and `updated_since` is left to the
    /// poller.
    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        Box::pin(async move {
            if query.cursor.is_some() {
                return Ok(Page { items: Vec::new(), next_cursor: None, prev_cursor: None });
            }
            let view = query
                .view
                .as_ref()
                .map(ViewId::as_str)
                .filter(|v| *v != ALL && frontdesk_domain::BuiltinView::parse(v).is_none());
            let q = given(query.filter.q.as_deref());
            let mut items = match (&q, view) {
                (None, None) => self.list_conversations(None, None).await?,
                (q, view) => self.search(q.as_deref().unwrap_or_default(), view).await?,
            };
            items.retain(|c| keeps(&query.filter, c));
            items.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
            Ok(Page { items, next_cursor: None, prev_cursor: None })
        })
    }

    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
        Box::pin(async move { self.get(&id).await })
    }

    /// `GET …/conversations/{id}/messages` (`{messages: [...]}` per the notes; the
    /// path itself is not on the page), the newest `limit` kept, oldest first.
    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        Box::pin(async move {
            let v = self.call(self.request(Method::GET, &self.conversation_url(&id, "/messages"))).await?;
            let mut messages: Vec<Message> =
                wire::rows(v, "messages")?.iter().filter_map(|m| wire::message(m, &id, AuthorKind::Contact)).collect();
            frontdesk_provider::json::newest(&mut messages, limit);
            messages.clean();
            Ok(messages)
        })
    }

    /// ChatCaptain documents no idempotency: a retried reply may post twice, unless
    /// [`Self::already_applied`] finds it first.
    fn apply(&self, op: Op, _idempotency_key: String) -> ProviderFuture<'_, Applied> {
        Box::pin(frontdesk_provider::apply_plain(
            op,
            "internal notes (ChatCaptain has none)",
            move |id, change| async move { self.change(&id, &change).await },
            move |id, body| async move { self.send(&id, &body).await },
        ))
    }

    /// The inbox's create call: the name from the person's name (or the subject, or
    /// the address), the channel id from `channel`, a phone from the metadata.
    fn create_conversation(&self, new: NewConversation) -> ProviderFuture<'_, Conversation> {
        Box::pin(async move {
            let person = [new.user_first_name.as_deref(), new.user_last_name.as_deref()]
                .into_iter()
                .filter_map(|s| given(s))
                .collect::<Vec<_>>()
                .join(" ");
            let name = given(Some(&person))
                .or_else(|| given(Some(&new.subject)))
                .or_else(|| given(new.user_email.as_deref()))
                .unwrap_or_default();
            let phone = ["phone", "phone_number", "phoneNumber"]
                .iter()
                .find_map(|k| new.metadata.get(*k).and_then(frontdesk_domain::Data::as_text))
                .map(str::to_owned);
            let channel_id = given(new.channel.as_deref()).unwrap_or_default();
            self.create_inbox_conversation(InboxConversation { name, email: new.user_email, phone, channel_id }).await
        })
    }

    fn bot(&self) -> Option<&dyn frontdesk_provider::bot::BotBuilder> {
        Some(self)
    }

    fn delete_conversation(&self, id: ConversationId) -> ProviderFuture<'_, ()> {
        Box::pin(async move {
            if ChatCaptainProvider::delete_conversation(self, &id).await? {
                Ok(())
            } else {
                Err(permanent("NOT_DELETED", "ChatCaptain answered that it did not delete the conversation"))
            }
        })
    }

    /// A reply already in the thread, for a retry after a lost answer (see `dedupe`).
    fn already_applied(&self, op: &Op, since: Timestamp) -> ProviderFuture<'_, Option<Applied>> {
        dedupe::already_applied(self, op, since)
    }

    fn updates(&self, _resume: Option<String>) -> BoxStream<'static, Update> {
        // No realtime API (webhooks at most, to a server): the engine polls the list.
        Box::pin(futures::stream::once(async { Update::Unavailable("ChatCaptain is polled".into()) }))
    }
}

#[cfg(test)]
mod tests;
