//! Bancroft's JSON (`vendors/helpdesk-conversations.txt`), read tolerantly: the page
//! shows a few examples and no schema, so every field is optional, a field of an
//! unexpected type reads as absent instead of failing the row, unknown fields and
//! enum values are kept out of the way, and times are RFC 3339 (unix seconds are
//! accepted too).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use frontdesk_domain::UNKNOWN_TIME;
use frontdesk_domain::text::{sanitize, sanitize_line};
use frontdesk_domain::{
    Author, AuthorKind, Channel, Contact, ContactId, Conversation, ConversationId, Delivery, Direction, Message,
    MessageId, MessageKind, Priority, Status,
};
use frontdesk_provider::json::{lenient, text, time};
use frontdesk_provider::{ProviderError, ProviderResult};

/// One page of a list. The page documents `limit`/`offset` but not the envelope; a
/// `{count, next, previous, results}` (Django REST framework's) is expected and a
/// bare array is accepted.
#[derive(Debug, Default)]
pub struct ListPage {
    pub rows: Vec<Value>,
    /// Everything the filter matches, when the envelope says.
    pub count: Option<u64>,
    /// `next` as sent: `None` when the envelope has no such key (or is an array).
    pub next: Option<Value>,
}

impl ListPage {
    pub fn read(v: Value) -> ProviderResult<Self> {
        match v {
            Value::Array(rows) => Ok(Self { rows, count: None, next: None }),
            Value::Object(mut o) => {
                let Some(Value::Array(rows)) = o.remove("results") else {
                    return Err(ProviderError::Malformed("Bancroft sent a list without results".into()));
                };
                let count = o.get("count").and_then(Value::as_u64);
                Ok(Self { rows, count, next: o.remove("next") })
            }
            _ => Err(ProviderError::Malformed("Bancroft sent a list that is not one".into())),
        }
    }

    /// Whether the envelope says there is nothing after this page.
    pub fn says_last(&self) -> bool {
        matches!(self.next, Some(Value::Null))
    }

    /// The `next` link, when there is one.
    pub fn next_link(&self) -> Option<&str> {
        self.next.as_ref().and_then(Value::as_str).filter(|s| !s.trim().is_empty())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Requester {
    #[serde(default, deserialize_with = "text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub last_name: Option<String>,
}

/// A conversation. Only `id` is needed to act on it.
#[derive(Debug, Deserialize)]
pub struct Conv {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub number: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub priority: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub channel: Option<String>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default, deserialize_with = "lenient")]
    pub requester: Option<Requester>,
    #[serde(default, deserialize_with = "time")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "time")]
    pub updated_at: Option<Timestamp>,
}

/// Bancroft's status names for ours: resolving answers `closed`, and `resolved`
/// is the same state by its other name. Nothing is snoozed in Bancroft, and a state
/// of its own that we kept is asked for by its name.
pub fn status_names(s: &Status) -> Vec<&str> {
    match s {
        Status::Open => vec!["open"],
        Status::Pending => vec!["pending"],
        Status::Closed => vec!["resolved", "closed"],
        Status::Snoozed => Vec::new(),
        Status::Other(name) => vec![name.as_str()],
    }
}

/// A missing status reads as open, in front of an agent; one the page does not list
/// is kept as Bancroft said it.
fn status_of(s: Option<&str>) -> Status {
    let Some(s) = s.map(str::trim) else { return Status::Open };
    match s.to_ascii_lowercase().as_str() {
        "open" | "" => Status::Open,
        "pending" => Status::Pending,
        "resolved" | "closed" => Status::Closed,
        _ => Status::from_wire(s),
    }
}

/// `normal` is the page's default, for a missing one too; another level is kept.
fn priority_of(s: Option<&str>) -> Priority {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Priority::Normal,
        Some(s) => Priority::parse(&s.to_ascii_lowercase()).unwrap_or_else(|| Priority::from_wire(s)),
    }
}

/// `callback` is a customer asking to be called: the phone is the channel. A missing
/// one is the web form, the page's default source; one the page does not list is
/// kept as Bancroft named it.
fn channel_of(s: Option<&str>) -> Channel {
    let Some(s) = s.map(str::trim) else { return Channel::Web };
    match s.to_ascii_lowercase().as_str() {
        "email" => Channel::Email,
        "api" => Channel::Api,
        "callback" => Channel::Voice,
        "web" | "" => Channel::Web,
        _ => Channel::from_wire(s),
    }
}

/// A phone number in the free-form metadata, under the names people use for it.
fn phone_of(metadata: Option<&Value>) -> Option<String> {
    let m = metadata?;
    ["phone", "phone_number", "callback_number"]
        .iter()
        .find_map(|k| m.get(k).and_then(Value::as_str))
        .map(sanitize_line)
        .filter(|p| !p.is_empty())
}

impl Conv {
    pub fn read(v: Value) -> Option<Self> {
        serde_json::from_value(v)
            .inspect_err(|e| tracing::warn!(error = %e, "skipped a conversation Bancroft sent unreadable"))
            .ok()
    }

    pub fn into_domain(self) -> Option<Conversation> {
        let Some(id) = self.id else {
            tracing::warn!("skipped a conversation Bancroft sent without an id");
            return None;
        };
        let requester = self.requester.unwrap_or_default();
        let email = requester.email.as_deref().map(sanitize_line).filter(|e| !e.is_empty());
        let phone = phone_of(self.metadata.as_ref());
        let full = [requester.first_name.as_deref(), requester.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(sanitize_line)
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let handle = email.clone().or_else(|| phone.clone()).unwrap_or_default();
        let name = if full.is_empty() { email.clone().unwrap_or_else(|| "Anonymous".to_owned()) } else { full };
        // The domain has no ticket number: it leads the subject, as agents quote it.
        let subject = self.subject.as_deref().map(sanitize_line).filter(|s| !s.is_empty());
        let subject = match (self.number.as_deref().map(sanitize_line), subject) {
            (Some(n), Some(s)) => Some(format!("#{n} {s}")),
            (Some(n), None) => Some(format!("#{n}")),
            (None, s) => s,
        };
        let updated_at = self.updated_at.or(self.created_at).unwrap_or(UNKNOWN_TIME);
        Some(Conversation {
            id: ConversationId::from(id),
            contact: Contact {
                id: ContactId::from(email.clone().unwrap_or_default()),
                name,
                handle,
                email,
                phone,
                company: None,
            },
            channel: channel_of(self.channel.as_deref()),
            subject,
            status: status_of(self.status.as_deref()),
            snoozed_until: None,
            assignee: None,
            team: None,
            tags: Vec::new(),
            starred: false,
            unread: false,
            archived: false,
            priority: priority_of(self.priority.as_deref()),
            // Rows carry no last message; list rows fall back to `updated_at`.
            last_message: None,
            waiting_since: None,
            sla_due_at: None,
            ai_state: frontdesk_domain::AiState::Human,
            ai_agent: None,
            has_pending_suggestion: false,
            origin: None,
            message_count: 0,
            created_at: self.created_at.unwrap_or(updated_at),
            updated_at,
        })
    }
}

/// A message. `message_type` is "reply" on the page; other values are not published.
#[derive(Debug, Deserialize)]
pub struct Msg {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub sender_email: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub message_type: Option<String>,
    #[serde(default, deserialize_with = "time")]
    pub created_at: Option<Timestamp>,
}

/// Who "we" are in a thread: the agent's address, as configured.
pub struct Me<'a> {
    pub email: &'a str,
    pub name: &'a str,
    /// The conversation's requester, when known: any other address that is not
    /// ours is a colleague's.
    pub requester: Option<&'a str>,
}

impl Msg {
    pub fn read(v: Value) -> Option<Self> {
        serde_json::from_value(v)
            .inspect_err(|e| tracing::warn!(error = %e, "skipped a message Bancroft sent unreadable"))
            .ok()
    }

    /// The sender is only an address: the agent's own is ours, the requester's is
    /// the customer's, and any other is a colleague's (an agent, not the customer).
    /// With the requester unknown, any other address is taken for the customer's.
    pub fn into_domain(self, conversation: &ConversationId, me: &Me<'_>) -> Option<Message> {
        let Some(id) = self.id else {
            tracing::warn!(%conversation, "skipped a message Bancroft sent without an id");
            return None;
        };
        let sender = self.sender_email.as_deref().map(sanitize_line).filter(|s| !s.is_empty());
        let ours = sender.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(me.email));
        let colleague =
            !ours && matches!((sender.as_deref(), me.requester), (Some(s), Some(r)) if !s.eq_ignore_ascii_case(r));
        let author = if ours {
            Author { kind: AuthorKind::Agent, id: sender, name: sanitize_line(me.name) }
        } else if colleague {
            Author { kind: AuthorKind::Agent, name: sender.clone().unwrap_or_default(), id: sender }
        } else {
            Author {
                kind: AuthorKind::Contact,
                name: sender.clone().unwrap_or_else(|| "customer".to_owned()),
                id: sender,
            }
        };
        // Not published, but a note shown as a reply would look sent to the customer.
        let kind = match self.message_type.map(|t| t.to_ascii_lowercase()).as_deref() {
            Some("note" | "internal" | "internal_note" | "private") => MessageKind::Note,
            _ => MessageKind::Reply,
        };
        Some(Message {
            id: MessageId::from(id),
            conversation_id: conversation.clone(),
            direction: if ours || colleague { Direction::Outbound } else { Direction::Inbound },
            author,
            kind,
            body: sanitize(self.body.as_deref().unwrap_or_default()),
            attachments: Vec::new(),
            call: None,
            created_at: self.created_at.unwrap_or(UNKNOWN_TIME),
            delivery: Delivery::Sent,
        })
    }
}

pub use frontdesk_provider::json::unwrap_object;

/// What an error body says: `FastAPI`'s `{"detail": "…"}` or `{"detail": [{loc, msg}]}`,
/// Django REST framework's `{"detail": "…"}` or `{"field": ["…"]}`, a JSON string,
/// or short plain text.
pub fn error_text(body: &[u8]) -> Option<String> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        return (!text.is_empty() && !text.starts_with('<')).then(|| cut(&sanitize_line(text)));
    };
    let mut parts = Vec::new();
    describe(None, &v, &mut parts);
    (!parts.is_empty()).then(|| cut(&sanitize_line(&parts.join("; "))))
}

fn describe(field: Option<&str>, v: &Value, out: &mut Vec<String>) {
    let say = |m: &str, out: &mut Vec<String>| match field {
        Some(f) => out.push(format!("{f}: {m}")),
        None => out.push(m.to_owned()),
    };
    match v {
        Value::String(s) => say(s, out),
        Value::Array(items) => items.iter().for_each(|i| describe(field, i, out)),
        // FastAPI's validation item: where (`loc`, past "body"/"query") and what (`msg`).
        Value::Object(o) if o.contains_key("msg") => {
            let loc: Vec<String> = o
                .get("loc")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(|p| p.as_str().map(str::to_owned).or_else(|| p.as_u64().map(|n| n.to_string())))
                        .filter(|p| !matches!(p.as_str(), "body" | "query" | "path"))
                        .collect()
                })
                .unwrap_or_default();
            let msg = o.get("msg").and_then(Value::as_str).unwrap_or_default();
            let field = if loc.is_empty() { field.map(str::to_owned) } else { Some(loc.join(".")) };
            describe(field.as_deref(), &Value::String(msg.to_owned()), out);
        }
        Value::Object(o) => {
            // A `detail` is the whole story; codes and hints beside it are not for people.
            if let Some(detail) = o.get("detail") {
                return describe(field, detail, out);
            }
            for (k, v) in o {
                let named = !matches!(k.as_str(), "non_field_errors" | "message" | "error" | "errors");
                describe(if named { Some(k) } else { field }, v, out);
            }
        }
        Value::Number(_) | Value::Bool(_) | Value::Null => {}
    }
}

/// An error message is one line on the status bar, not a page.
fn cut(s: &str) -> String {
    const MAX: usize = 300;
    if s.chars().count() <= MAX { s.to_owned() } else { format!("{}…", s.chars().take(MAX - 1).collect::<String>()) }
}
