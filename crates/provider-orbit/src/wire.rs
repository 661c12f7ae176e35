//! Orbit's JSON, read tolerantly and turned into `domain` values here, nowhere else.
//!
//! Orbit publishes its envelope, its error body and the agents' objects, but not the
//! conversation or message objects (see `vendors/NOTES.md`). Those are modelled on
//! its other objects: every field optional, names with the aliases the docs and the
//! SDK use, unknown fields ignored, unknown enum values kept as text and mapped to
//! the nearest domain value. When Orbit publishes the shapes, this file is the one
//! to correct.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use frontdesk_domain::UNKNOWN_TIME;
use frontdesk_domain::{
    Agent, AgentId, AgentRole, AiState, Author, AuthorKind, Channel, Contact, ContactId, Conversation, ConversationId,
    Delivery, Direction, LastMessage, Message, MessageId, MessageKind, Priority, Status,
};

/// A list Orbit may send as `null`: empty, like a missing one.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// `{ "data": …, "meta": { "pagination": { "cursor", "has_more", "total" } } }`.
#[derive(Deserialize)]
pub struct Envelope<T> {
    pub data: T,
    #[serde(default)]
    pub meta: Meta,
}

#[derive(Default, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Default, Deserialize)]
pub struct Pagination {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub total: Option<u64>,
}

impl Meta {
    /// The cursor of the next page, if there is one.
    pub fn next(&self) -> Option<String> {
        self.pagination.as_ref().filter(|p| p.has_more).and_then(|p| p.cursor.clone())
    }

    pub fn total(&self) -> Option<u64> {
        self.pagination.as_ref().and_then(|p| p.total)
    }
}

/// `{ "error": { "code", "message", "status", "details" } }`.
#[derive(Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    /// Authoritative over the HTTP status, says the documentation.
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub details: Option<Value>,
}

impl ErrorBody {
    /// `details.retry_after`, in seconds, on a 429.
    pub fn retry_after(&self) -> Option<u64> {
        self.details.as_ref()?.get("retry_after")?.as_u64()
    }
}

/// A person or a team, as Orbit nests them.
#[derive(Default, Deserialize)]
pub struct Person {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, alias = "full_name", alias = "display_name")]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

/// An agent as an object or as a bare id; both are met.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum PersonOrId {
    Person(Person),
    Id(String),
}

impl PersonOrId {
    fn agent(self) -> Option<Agent> {
        match self {
            Self::Person(p) => p.agent(),
            Self::Id(id) => id_only(id),
        }
    }
}

/// An agent known by id alone (the client shows a known colleague's name).
fn id_only(id: String) -> Option<Agent> {
    (!id.trim().is_empty()).then(|| Agent {
        name: id.clone(),
        id: AgentId::from(id),
        email: String::new(),
        role: AgentRole::Agent,
        team: None,
    })
}

/// `GET /v1/me`: the user, the tenant and the orgs.
#[derive(Deserialize)]
pub struct Me {
    #[serde(default)]
    pub user: Option<Person>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, alias = "full_name")]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub tenant: Option<Person>,
}

impl Me {
    pub fn agent(self) -> Agent {
        let user = self.user.unwrap_or_default();
        let id = user.id.or(self.id).unwrap_or_default();
        let email = user.email.or(self.email).unwrap_or_default();
        let name = user.name.or(self.name).unwrap_or_else(|| email.clone());
        Agent { id: AgentId::from(id), name, email, role: role(user.role.as_deref()), team: None }
    }

    pub fn org_name(&self) -> String {
        self.tenant.as_ref().and_then(|t| t.name.clone()).unwrap_or_else(|| "Orbit".to_owned())
    }
}

fn role(r: Option<&str>) -> AgentRole {
    match r {
        Some("admin" | "owner") => AgentRole::Admin,
        _ => AgentRole::Agent,
    }
}

impl Person {
    pub fn agent(self) -> Option<Agent> {
        let id = self.id?;
        let email = self.email.unwrap_or_default();
        let name = self.name.unwrap_or_else(|| if email.is_empty() { id.clone() } else { email.clone() });
        Some(Agent { id: AgentId::from(id), name, email, role: role(self.role.as_deref()), team: None })
    }
}

/// The last message as a list row carries it.
#[derive(Default, Deserialize)]
pub struct LastMsg {
    #[serde(default, alias = "content", alias = "text")]
    pub body: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default, alias = "sent_at")]
    pub created_at: Option<Timestamp>,
}

/// A conversation. Only `id` is required: without one there is nothing to act on.
#[derive(Deserialize)]
pub struct Conv {
    pub id: String,
    #[serde(default)]
    pub contact: Option<Person>,
    #[serde(default)]
    pub contact_id: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub snoozed_until: Option<Timestamp>,
    #[serde(default)]
    pub assignee: Option<PersonOrId>,
    /// The legacy name Orbit's list filter still takes, which a server may answer
    /// with too.
    #[serde(default)]
    pub assigned_agent: Option<PersonOrId>,
    #[serde(default, alias = "assigned_to")]
    pub assignee_id: Option<String>,
    #[serde(default)]
    pub team: Option<Person>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub unread: Option<bool>,
    #[serde(default)]
    pub unread_count: Option<u32>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub last_message: Option<LastMsg>,
    #[serde(default)]
    pub last_message_at: Option<Timestamp>,
    /// The AI side: `ai_state` or `handoff_status`, and the agent leading.
    #[serde(default, alias = "handoff_status")]
    pub ai_state: Option<String>,
    #[serde(default)]
    pub ai_agent: Option<Person>,
    #[serde(default)]
    pub message_count: Option<u32>,
    #[serde(default)]
    pub sla_due_at: Option<Timestamp>,
    #[serde(default)]
    pub waiting_since: Option<Timestamp>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
}

/// Orbit's channels. Those the domain has no name for (rcs, viber, instagram,
/// messenger, line…) are kept as Orbit named them: an RCS thread is not an SMS one.
/// None at all reads as `Api`, the generic one.
pub fn channel(s: Option<&str>) -> Channel {
    let Some(s) = s.map(str::trim) else { return Channel::Api };
    match s {
        "sms" => Channel::Sms,
        "whatsapp" => Channel::Whatsapp,
        "email" => Channel::Email,
        "web" | "webchat" | "chat" => Channel::Web,
        "voice" | "call" => Channel::Voice,
        "api" | "" => Channel::Api,
        _ => Channel::from_wire(s),
    }
}

/// The list filter's names (NOTES.md): open, closed, pending, snoozed, active,
/// archived. Active is open under another name, archived a closed one. Missing reads
/// as open; a state Orbit adds later is kept as it said it.
pub(crate) fn status(s: Option<&str>) -> Status {
    let Some(s) = s.map(str::trim) else { return Status::Open };
    match s {
        "open" | "active" | "" => Status::Open,
        "pending" => Status::Pending,
        "snoozed" => Status::Snoozed,
        "closed" | "resolved" | "archived" | "completed" => Status::Closed,
        _ => Status::from_wire(s),
    }
}

fn ai_state(s: Option<&str>) -> AiState {
    match s.unwrap_or_default() {
        "ai_led" | "ai" | "bot" | "active" => AiState::AiLed,
        "handoff_requested" | "requested" | "pending_handoff" => AiState::HandoffRequested,
        _ => AiState::Human,
    }
}

impl Conv {
    pub fn into_domain(self) -> Conversation {
        let contact = self.contact.unwrap_or_default();
        let handle = contact.phone.clone().or_else(|| contact.email.clone()).unwrap_or_default();
        let contact_id = contact.id.or(self.contact_id).unwrap_or_default();
        let name = contact.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| handle.clone());
        let assignee = self
            .assignee
            .and_then(PersonOrId::agent)
            .or_else(|| self.assigned_agent.and_then(PersonOrId::agent))
            .or_else(|| self.assignee_id.and_then(id_only));
        let last_at = self.last_message.as_ref().and_then(|m| m.created_at).or(self.last_message_at);
        let updated_at = self.updated_at.or(last_at).or(self.created_at).unwrap_or(UNKNOWN_TIME);
        let last_message = self.last_message.map(|m| LastMessage {
            preview: frontdesk_domain::text::sanitize_line(m.body.as_deref().unwrap_or_default()),
            direction: if m.direction.as_deref() == Some("inbound") { Direction::Inbound } else { Direction::Outbound },
            at: m.created_at.unwrap_or(updated_at),
        });
        let status = status(self.status.as_deref());
        Conversation {
            id: ConversationId::from(self.id),
            contact: Contact {
                id: ContactId::from(contact_id),
                name,
                handle,
                email: contact.email,
                phone: contact.phone,
                company: contact.company,
            },
            channel: channel(self.channel.as_deref()),
            subject: self.subject,
            // (Read before `status` moves into the row.)
            snoozed_until: self.snoozed_until.filter(|_| status == Status::Snoozed),
            status,
            assignee: assignee.map(std::sync::Arc::new),
            team: self.team.and_then(|t| t.name.or(t.id)),
            tags: self.tags,
            starred: false,
            unread: self.unread.unwrap_or(self.unread_count.is_some_and(|n| n > 0)),
            archived: self.status.as_deref() == Some("archived"),
            // Not published: low, normal, high, urgent are read; another is kept.
            priority: match self.priority.as_deref().map(str::trim) {
                None | Some("" | "none") => Priority::Normal,
                Some(p) => Priority::from_wire(p),
            },
            last_message,
            waiting_since: self.waiting_since,
            sla_due_at: self.sla_due_at,
            ai_state: ai_state(self.ai_state.as_deref()),
            ai_agent: self.ai_agent.and_then(|a| a.name),
            has_pending_suggestion: false,
            origin: None,
            message_count: self.message_count.unwrap_or(0),
            created_at: self.created_at.unwrap_or(updated_at),
            updated_at,
        }
    }
}

/// A message of a conversation (or an internal note).
#[derive(Deserialize)]
pub struct Msg {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    /// text, template, media, note, event, call…
    #[serde(default, alias = "message_type", alias = "kind")]
    pub r#type: Option<String>,
    #[serde(default, alias = "content", alias = "text")]
    pub body: Option<String>,
    /// Who wrote it: `{ type: contact|user|agent|ai|system, id, name }`.
    #[serde(default, alias = "author")]
    pub sender: Option<Sender>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, alias = "sent_at")]
    pub created_at: Option<Timestamp>,
}

#[derive(Default, Deserialize)]
pub struct Sender {
    #[serde(default, alias = "kind")]
    pub r#type: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

impl Msg {
    /// What was sent, when Orbit's answer does not describe it.
    pub fn sent(body: &str) -> Self {
        Self {
            id: None,
            conversation_id: None,
            direction: Some("outbound".to_owned()),
            r#type: None,
            body: Some(body.to_owned()),
            sender: None,
            status: None,
            created_at: None,
        }
    }

    /// A domain message; `note` marks internal notes (from their own endpoint).
    pub fn into_domain(self, conversation: &ConversationId, note: bool, fallback_id: &str) -> Message {
        let sender = self.sender.unwrap_or_default();
        let author_kind = match sender.r#type.as_deref() {
            Some("contact" | "customer") => AuthorKind::Contact,
            Some("ai" | "bot" | "assistant" | "ai_agent") => AuthorKind::Ai,
            Some("system") => AuthorKind::System,
            Some("agent" | "user" | "member" | "human") => AuthorKind::Agent,
            // A sender type Orbit adds later is kept as it said it.
            Some(other) => AuthorKind::from_wire(other),
            None if self.direction.as_deref() == Some("inbound") => AuthorKind::Contact,
            None => AuthorKind::Agent,
        };
        let direction = match (self.direction.as_deref(), &author_kind) {
            (Some("inbound"), _) | (None, AuthorKind::Contact) => Direction::Inbound,
            _ => Direction::Outbound,
        };
        let kind = match self.r#type.as_deref() {
            _ if note => MessageKind::Note,
            Some("note" | "internal_note" | "private") => MessageKind::Note,
            Some("call" | "voice") => MessageKind::Call,
            Some("event" | "activity" | "system") => MessageKind::Event,
            _ => MessageKind::Reply,
        };
        Message {
            id: MessageId::from(self.id.unwrap_or_else(|| fallback_id.to_owned())),
            conversation_id: self.conversation_id.map_or_else(|| conversation.clone(), ConversationId::from),
            direction,
            author: Author {
                id: sender.id,
                name: sender.name.unwrap_or_else(|| match &author_kind {
                    AuthorKind::Contact => "customer".to_owned(),
                    AuthorKind::Ai => "AI agent".to_owned(),
                    AuthorKind::System => "Orbit".to_owned(),
                    AuthorKind::Agent => "agent".to_owned(),
                    AuthorKind::Other(kind) => kind.clone(),
                }),
                kind: author_kind,
            },
            kind,
            body: self.body.unwrap_or_default(),
            attachments: Vec::new(),
            call: None,
            created_at: self.created_at.unwrap_or(UNKNOWN_TIME),
            delivery: match self.status.as_deref() {
                Some("queued" | "pending" | "accepted") => Delivery::Queued,
                Some("delivered") => Delivery::Delivered,
                Some("read") => Delivery::Read,
                Some("failed" | "undelivered" | "rejected") => Delivery::Failed,
                _ => Delivery::Sent,
            },
        }
    }
}

/// `copilot/suggest`: the next reply and the next-best actions.
#[derive(Deserialize)]
pub struct Suggest {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, alias = "reply", alias = "suggested_reply", alias = "text", alias = "content")]
    pub suggestion: Option<String>,
    #[serde(default, alias = "next_best_actions", alias = "next_actions", deserialize_with = "null_as_empty")]
    pub actions: Vec<Value>,
}

impl Suggest {
    /// The actions as the domain names them: strings, or `{ action|type, label|description }`.
    pub fn actions(&self) -> Vec<frontdesk_domain::NextAction> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Value::String(s) => {
                    Some(frontdesk_domain::NextAction { action: s.clone(), label: s.replace('_', " ") })
                }
                Value::Object(o) => {
                    let action = o.get("action").or_else(|| o.get("type")).and_then(Value::as_str)?.to_owned();
                    let label = o
                        .get("label")
                        .or_else(|| o.get("description"))
                        .and_then(Value::as_str)
                        .map_or_else(|| action.replace('_', " "), str::to_owned);
                    Some(frontdesk_domain::NextAction { action, label })
                }
                _ => None,
            })
            .collect()
    }
}

/// `POST /v1/conversations/bulk`'s answer.
#[derive(Default, Deserialize)]
pub struct BulkAnswer {
    #[serde(default, alias = "updated", alias = "succeeded_ids", deserialize_with = "null_as_empty")]
    pub succeeded: Vec<Value>,
    #[serde(default, alias = "errors", deserialize_with = "null_as_empty")]
    pub failed: Vec<BulkFailure>,
}

#[derive(Deserialize)]
pub struct BulkFailure {
    #[serde(default, alias = "conversation_id")]
    pub id: String,
    #[serde(default)]
    pub error: Option<Value>,
}

impl BulkFailure {
    pub fn message(&self) -> String {
        match &self.error {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(o)) => {
                o.get("message").or_else(|| o.get("code")).and_then(Value::as_str).unwrap_or("refused").to_owned()
            }
            _ => "refused".to_owned(),
        }
    }
}

/// An event on `/v1/events/stream`, shaped as Orbit's webhooks are:
/// `{ id, type, created_at, data }`.
#[derive(Deserialize)]
pub struct WireEvent {
    #[serde(default)]
    pub r#type: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub data: Value,
}

/// A saved view from `/v1/inbox/views`.
#[derive(Deserialize)]
pub struct SavedView {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, alias = "filter")]
    pub filters: Value,
    #[serde(default)]
    pub count: Option<u64>,
}
