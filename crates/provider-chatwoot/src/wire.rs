//! Chatwoot's JSON (its `OpenAPI` document, `vendors/chatwoot/application_swagger.json`),
//! read tolerantly: every field the document marks optional is optional, unknown
//! fields are ignored, ids are numbers that become text, times are unix seconds.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use frontdesk_domain::UNKNOWN_TIME;
use frontdesk_domain::text::{sanitize, sanitize_line};
use frontdesk_domain::{
    Agent, AgentId, AgentRole, AiState, Author, AuthorKind, Channel, Contact, ContactId, Conversation, ConversationId,
    Delivery, Direction, LastMessage, Message, MessageId, MessageKind, Priority, Status,
};
use frontdesk_provider::json::{text, time};

fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// `GET /conversations`: `{ data: { meta: {…_count}, payload: [...] } }`.
#[derive(Deserialize)]
pub struct ConversationList {
    #[serde(default)]
    pub data: ListData,
}

#[derive(Default, Deserialize)]
pub struct ListData {
    /// The view's size, for the paging in both directions (`list.rs`).
    #[serde(default)]
    pub meta: Counts,
    #[serde(default)]
    pub payload: Vec<Value>,
}

/// The counts Chatwoot returns beside a list (`meta`).
#[derive(Clone, Copy, Default, Deserialize)]
#[allow(clippy::struct_field_names)] // Chatwoot's own names.
pub struct Counts {
    #[serde(default)]
    pub mine_count: Option<f64>,
    #[serde(default)]
    pub unassigned_count: Option<f64>,
    #[serde(default)]
    pub all_count: Option<f64>,
}

impl Counts {
    /// The count for one `assignee_type`. Counts come as JSON numbers; a negative
    /// or fractional one is nonsense.
    /// The name of that count in Chatwoot's answer.
    pub fn field(assignee: &str) -> &'static str {
        match assignee {
            "me" => "mine_count",
            "unassigned" => "unassigned_count",
            _ => "all_count",
        }
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn of(&self, assignee: &str) -> Option<u64> {
        let n = match assignee {
            "me" => self.mine_count,
            "unassigned" => self.unassigned_count,
            _ => self.all_count,
        };
        n.map(|v| v.max(0.0) as u64)
    }
}

/// `GET /conversations/meta`.
#[derive(Deserialize)]
pub struct MetaAnswer {
    #[serde(default)]
    pub meta: Counts,
}

/// A user (`/profile`) or an agent (`/agents`), or an assignee.
#[derive(Default, Deserialize)]
pub struct User {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub available_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

impl User {
    pub fn agent(self) -> Option<Agent> {
        let id = self.id?;
        let email = sanitize_line(self.email.as_deref().unwrap_or_default());
        let name = self.available_name.or(self.name).map(|n| sanitize_line(&n)).filter(|n| !n.is_empty());
        Some(Agent {
            name: name.unwrap_or_else(|| if email.is_empty() { id.clone() } else { email.clone() }),
            id: AgentId::from(id),
            email,
            role: if self.role.as_deref() == Some("administrator") { AgentRole::Admin } else { AgentRole::Agent },
            team: None,
        })
    }
}

#[derive(Deserialize)]
pub struct Team {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// The person on the other side, from `meta.sender`.
#[derive(Default, Deserialize)]
pub struct Sender {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct ConvMeta {
    #[serde(default)]
    pub sender: Option<Sender>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub assignee: Option<User>,
    #[serde(default)]
    pub team: Option<Team>,
}

/// A conversation. Only `id` is needed to act on it.
#[derive(Deserialize)]
pub struct Conv {
    #[serde(deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default)]
    pub meta: Option<ConvMeta>,
    #[serde(default, deserialize_with = "strings")]
    pub labels: Vec<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default, deserialize_with = "time")]
    pub snoozed_until: Option<Timestamp>,
    #[serde(default)]
    pub unread_count: Option<f64>,
    #[serde(default)]
    pub last_non_activity_message: Option<Msg>,
    #[serde(default, deserialize_with = "time")]
    pub last_activity_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "time")]
    pub waiting_since: Option<Timestamp>,
    #[serde(default, deserialize_with = "time")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "time")]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub additional_attributes: Option<Value>,
}

/// open, pending, snoozed, resolved; missing reads as open, another is kept.
pub fn status_of(s: Option<&str>) -> Status {
    let Some(s) = s.map(str::trim) else { return Status::Open };
    match s {
        "open" | "" => Status::Open,
        "pending" => Status::Pending,
        "snoozed" => Status::Snoozed,
        "resolved" | "closed" => Status::Closed,
        _ => Status::from_wire(s),
    }
}

pub fn status_name(s: &Status) -> &str {
    match s {
        Status::Closed => "resolved",
        other => other.as_str(),
    }
}

/// Chatwoot's priorities (the API document's enum): urgent, high, medium, low, none.
/// "none" and null are our normal; "medium", which we have no name for, is kept.
pub fn priority_of(s: Option<&str>) -> Priority {
    match s.map(str::trim) {
        None | Some("none" | "") => Priority::Normal,
        Some(s) => Priority::from_wire(s),
    }
}

pub fn priority_name(p: &Priority) -> &str {
    match p {
        Priority::Normal => "none",
        other => other.as_str(),
    }
}

/// The inbox's channel type (`Channel::Email`…). The web widget is web chat; those
/// we have no name for (Facebook, Instagram, Telegram, Line…) are kept, as
/// `facebookpage` from `Channel::FacebookPage`.
fn channel(s: Option<&str>) -> Channel {
    let Some(s) = s.map(str::trim) else { return Channel::Web };
    match s {
        "Channel::Email" => Channel::Email,
        "Channel::Whatsapp" => Channel::Whatsapp,
        "Channel::Sms" | "Channel::TwilioSms" => Channel::Sms,
        "Channel::Api" => Channel::Api,
        "Channel::Voice" => Channel::Voice,
        "Channel::WebWidget" | "" => Channel::Web,
        other => Channel::from_wire(&other.trim_start_matches("Channel::").to_ascii_lowercase()),
    }
}

impl Conv {
    pub fn into_domain(self) -> Option<Conversation> {
        let id = self.id?;
        let meta = self.meta.unwrap_or_default();
        let sender = meta.sender.unwrap_or_default();
        let handle = sender
            .phone_number
            .clone()
            .or_else(|| sender.email.clone())
            .or_else(|| sender.identifier.clone())
            .map(|h| sanitize_line(&h))
            .unwrap_or_default();
        let name =
            sender.name.as_deref().map(sanitize_line).filter(|n| !n.is_empty()).unwrap_or_else(|| handle.clone());
        let last = self.last_non_activity_message;
        let last_at = last.as_ref().and_then(|m| m.created_at).or(self.last_activity_at);
        let updated_at = self.updated_at.or(self.last_activity_at).or(self.created_at).unwrap_or(UNKNOWN_TIME);
        let status = status_of(self.status.as_deref());
        let subject = self
            .additional_attributes
            .as_ref()
            .and_then(|a| a.get("mail_subject"))
            .and_then(Value::as_str)
            .map(sanitize_line);
        Some(Conversation {
            id: ConversationId::from(id),
            contact: Contact {
                id: ContactId::from(sender.id.unwrap_or_default()),
                name,
                handle,
                email: sender.email.map(|e| sanitize_line(&e)),
                phone: sender.phone_number.map(|p| sanitize_line(&p)),
                company: None,
            },
            channel: channel(meta.channel.as_deref()),
            subject,
            // (Read before `status` moves into the row.)
            snoozed_until: self.snoozed_until.filter(|_| status == Status::Snoozed),
            status,
            assignee: meta.assignee.and_then(User::agent).map(std::sync::Arc::new),
            team: meta.team.and_then(|t| t.name).map(|n| sanitize_line(&n)),
            tags: self.labels.iter().map(|l| sanitize_line(l)).collect(),
            starred: false,
            unread: self.unread_count.is_some_and(|n| n > 0.0),
            archived: false,
            priority: priority_of(self.priority.as_deref()),
            last_message: last.map(|m| LastMessage {
                preview: sanitize_line(m.content.as_deref().unwrap_or_default()),
                direction: if m.message_type == Some(0) { Direction::Inbound } else { Direction::Outbound },
                at: last_at.unwrap_or(updated_at),
            }),
            waiting_since: self.waiting_since,
            sla_due_at: None,
            ai_state: AiState::Human,
            ai_agent: None,
            has_pending_suggestion: false,
            origin: None,
            message_count: 0,
            created_at: self.created_at.unwrap_or(updated_at),
            updated_at,
        })
    }
}

/// A message: `message_type` 0 incoming, 1 outgoing, 2 activity, 3 template.
#[derive(Deserialize)]
pub struct Msg {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub conversation_id: Option<String>,
    #[serde(default, deserialize_with = "message_type")]
    pub message_type: Option<i64>,
    #[serde(default, deserialize_with = "time")]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub private: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub sender_type: Option<String>,
    #[serde(default)]
    pub sender: Option<User>,
}

/// The document says an integer; Chatwoot also answers with the names.
fn message_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => match s.as_str() {
            "incoming" => Some(0),
            "outgoing" => Some(1),
            "activity" => Some(2),
            "template" => Some(3),
            _ => None,
        },
        _ => None,
    })
}

impl Msg {
    pub fn into_domain(self, conversation: &ConversationId) -> Option<Message> {
        let id = self.id?;
        let kind = match (self.message_type, self.private) {
            (Some(2), _) => MessageKind::Event,
            (_, Some(true)) => MessageKind::Note,
            _ => MessageKind::Reply,
        };
        let inbound = self.message_type == Some(0);
        let sender_type = self.sender_type.as_deref().map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty());
        let author_kind = match (kind, sender_type.as_deref()) {
            (MessageKind::Event, _) => AuthorKind::System,
            (_, Some("contact")) => AuthorKind::Contact,
            (_, Some("agent_bot" | "agentbot" | "captain_assistant" | "captain::assistant")) => AuthorKind::Ai,
            (_, Some("agent" | "user")) => AuthorKind::Agent,
            // A sender type the API document does not list is kept as said.
            (_, Some(other)) => AuthorKind::from_wire(other),
            _ if inbound => AuthorKind::Contact,
            _ => AuthorKind::Agent,
        };
        let sender = self.sender.unwrap_or_default();
        let name = sender.available_name.or(sender.name).map(|n| sanitize_line(&n)).filter(|n| !n.is_empty());
        Some(Message {
            id: MessageId::from(id),
            conversation_id: self.conversation_id.map_or_else(|| conversation.clone(), ConversationId::from),
            direction: if inbound { Direction::Inbound } else { Direction::Outbound },
            author: Author {
                id: sender.id,
                name: name.unwrap_or_else(|| match &author_kind {
                    AuthorKind::Contact => "customer".to_owned(),
                    AuthorKind::Ai => "bot".to_owned(),
                    AuthorKind::System => "Chatwoot".to_owned(),
                    AuthorKind::Agent => "agent".to_owned(),
                    AuthorKind::Other(kind) => kind.clone(),
                }),
                kind: author_kind,
            },
            kind,
            body: sanitize(self.content.as_deref().unwrap_or_default()),
            attachments: Vec::new(),
            call: None,
            created_at: self.created_at.unwrap_or(UNKNOWN_TIME),
            delivery: match self.status.as_deref() {
                Some("delivered") => Delivery::Delivered,
                Some("read") => Delivery::Read,
                Some("failed") => Delivery::Failed,
                Some("progress") => Delivery::Queued,
                _ => Delivery::Sent,
            },
        })
    }
}

/// `GET /messages`: `{ meta, payload: [...] }`, oldest first.
#[derive(Deserialize)]
pub struct MessageList {
    #[serde(default)]
    pub payload: Vec<Value>,
}

#[derive(Deserialize)]
pub struct Labels {
    #[serde(default, deserialize_with = "strings")]
    pub payload: Vec<String>,
}

/// Chatwoot's error bodies: `{ description, errors: [{ field, message, code }] }`,
/// or `{ error: "…" }`, or `{ message: "…" }`.
pub fn error_text(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let mut parts = Vec::new();
    for key in ["description", "error", "message"] {
        if let Some(s) = v.get(key).and_then(Value::as_str) {
            parts.push(s.to_owned());
        }
    }
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        for e in errors {
            match (e.get("field").and_then(Value::as_str), e.get("message").and_then(Value::as_str), e.as_str()) {
                (Some(f), Some(m), _) => parts.push(format!("{f}: {m}")),
                (None, Some(m), _) | (_, _, Some(m)) => parts.push(m.to_owned()),
                _ => {}
            }
        }
    }
    (!parts.is_empty()).then(|| sanitize_line(&parts.join("; ")))
}
