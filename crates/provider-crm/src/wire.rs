//! Iron's JSON, read tolerantly. The vendor page lists endpoints but publishes no
//! object shapes, so every field is optional, a field of an unexpected type reads
//! as absent instead of failing the row, unknown fields and enum values are ignored,
//! ids are strings (numbers accepted), and times are RFC 3339 (unix seconds too).
//! The field names are assumptions from the page's vocabulary (activities, actors,
//! `assigned_to`, `archived`, SLA) and common FastAPI/Supabase naming; where two
//! names are plausible both are read as separate fields (an alias would fail the
//! row when a server sends both).

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::auth::User;
use frontdesk_domain::UNKNOWN_TIME;
use frontdesk_domain::text::{preview, sanitize, sanitize_line};
use frontdesk_domain::{
    Agent, AgentId, AgentRole, Author, AuthorKind, CallInfo, Channel, Contact, ContactId, Conversation, ConversationId,
    Delivery, Direction, LastMessage, Message, MessageId, MessageKind, Status, Suggestion, SuggestionId,
    SuggestionStatus,
};

/// Joins a conversation id and an activity id into one suggestion id: the send and
/// dismiss paths need both, and an `Op` carries only the suggestion's id.
pub const SUGGESTION_SEP: char = ':';

fn clean(s: Option<&str>) -> Option<String> {
    s.map(sanitize_line).filter(|s| !s.is_empty())
}

/// Rows of a list answer: a bare array, or one under a usual envelope key.
pub fn rows_of(v: &mut Value, keys: &[&str]) -> Option<Vec<Value>> {
    match v {
        Value::Array(rows) => Some(std::mem::take(rows)),
        Value::Object(o) => keys.iter().find_map(|k| match o.remove(*k) {
            Some(Value::Array(rows)) => Some(rows),
            _ => None,
        }),
        _ => None,
    }
}

pub use frontdesk_provider::json::{count_of, unwrap_object};
use frontdesk_provider::json::{flag, lenient, number, text, time};

/// Supabase's `user`: `{id, email, user_metadata: {full_name | name}}`.
pub fn user_of(v: &Value) -> User {
    let s = |v: Option<&Value>| clean(v.and_then(Value::as_str));
    let meta = v.get("user_metadata");
    User {
        id: s(v.get("id")),
        email: s(v.get("email")),
        name: s(meta.and_then(|m| m.get("full_name"))).or_else(|| s(meta.and_then(|m| m.get("name")))),
    }
}

/// A person: the contact of a conversation, or an assignee.
#[derive(Debug, Default, Deserialize)]
pub struct Person {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub company: Option<String>,
}

impl Person {
    fn display(&self) -> Option<String> {
        let joined = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|n| clean(Some(n)))
            .collect::<Vec<_>>()
            .join(" ");
        clean(self.name.as_deref())
            .or_else(|| clean(self.full_name.as_deref()))
            .or_else(|| (!joined.is_empty()).then_some(joined))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Last {
    #[serde(default, deserialize_with = "text")]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub direction: Option<String>,
    #[serde(default, deserialize_with = "time")]
    pub created_at: Option<Timestamp>,
}

/// A conversation row. Only `id` is needed.
#[derive(Debug, Default, Deserialize)]
pub struct Conv {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub contact_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub contact: Option<Person>,
    #[serde(default, deserialize_with = "text")]
    pub contact_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub channel: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub starred: Option<bool>,
    #[serde(default, deserialize_with = "flag")]
    pub is_starred: Option<bool>,
    #[serde(default, deserialize_with = "flag")]
    pub unread: Option<bool>,
    #[serde(default, deserialize_with = "flag")]
    pub is_read: Option<bool>,
    #[serde(default, deserialize_with = "number")]
    pub unread_count: Option<u64>,
    #[serde(default, deserialize_with = "flag")]
    pub archived: Option<bool>,
    #[serde(default, deserialize_with = "text")]
    pub assigned_to: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub assignee: Option<Person>,
    #[serde(default, deserialize_with = "lenient")]
    pub last_message: Option<Last>,
    #[serde(default, deserialize_with = "text")]
    pub last_message_preview: Option<String>,
    #[serde(default, deserialize_with = "time")]
    pub last_activity_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "time")]
    pub sla_due_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "flag")]
    pub has_pending_suggestion: Option<bool>,
    #[serde(default, deserialize_with = "number")]
    pub message_count: Option<u64>,
    #[serde(default, deserialize_with = "time")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "time")]
    pub updated_at: Option<Timestamp>,
}

/// Channel names as a CRM writes them. A missing one reads as SMS, the channel this
/// inbox is mostly about (texting leads); one we have no name for is kept as said.
pub fn channel_of(s: Option<&str>) -> Channel {
    let Some(s) = s.map(str::trim) else { return Channel::Sms };
    match s.to_ascii_lowercase().as_str() {
        "sms" | "text" | "mms" | "" => Channel::Sms,
        "email" | "gmail" | "outlook" => Channel::Email,
        "call" | "voice" | "phone" => Channel::Voice,
        "whatsapp" => Channel::Whatsapp,
        "web" | "chat" | "webchat" | "widget" => Channel::Web,
        "api" => Channel::Api,
        _ => Channel::from_wire(s),
    }
}

/// A missing status reads as open, in front of an agent; an unknown one is kept.
fn status_of(s: Option<&str>) -> Status {
    let Some(s) = s.map(str::trim) else { return Status::Open };
    match s.to_ascii_lowercase().as_str() {
        "open" | "new" | "" => Status::Open,
        "pending" | "waiting" => Status::Pending,
        "closed" | "resolved" | "done" => Status::Closed,
        "snoozed" => Status::Snoozed,
        _ => Status::from_wire(s),
    }
}

fn direction_of(s: Option<&str>) -> Option<Direction> {
    match s.map(str::to_ascii_lowercase).as_deref() {
        Some("inbound" | "incoming" | "in") => Some(Direction::Inbound),
        Some("outbound" | "outgoing" | "out") => Some(Direction::Outbound),
        _ => None,
    }
}

/// Reading a row needs to know who "we" are (assignments and actors are user ids).
pub struct Ctx<'a> {
    pub me: &'a User,
}

impl Ctx<'_> {
    fn agent(&self, id: &str, person: Option<&Person>) -> Agent {
        let mine = self.me.id.as_deref() == Some(id);
        let name = person
            .and_then(Person::display)
            .or_else(|| if mine { self.me.name.clone().or_else(|| self.me.email.clone()) } else { None })
            .or_else(|| person.and_then(|p| clean(p.email.as_deref())))
            // Iron gives no roster: a colleague known by id alone is said as one,
            // never as a UUID (the id stays the agent's id).
            .unwrap_or_else(|| "a colleague".to_owned());
        let email =
            person.and_then(|p| clean(p.email.as_deref())).or_else(|| mine.then(|| self.me.email.clone()).flatten());
        Agent { id: AgentId::from(id), name, email: email.unwrap_or_default(), role: AgentRole::Agent, team: None }
    }
}

impl Conv {
    pub fn read(v: Value) -> Option<Self> {
        serde_json::from_value(v)
            .inspect_err(|e| tracing::warn!(error = %e, "skipped a conversation Iron sent unreadable"))
            .ok()
    }

    pub fn into_domain(self, ctx: &Ctx<'_>) -> Option<Conversation> {
        let Some(id) = self.id else {
            tracing::warn!("skipped a conversation Iron sent without an id");
            return None;
        };
        let person = self.contact.unwrap_or_default();
        let email = clean(person.email.as_deref());
        let phone = clean(person.phone.as_deref());
        let channel = channel_of(self.channel.as_deref());
        let handle =
            if channel == Channel::Email { email.clone().or(phone.clone()) } else { phone.clone().or(email.clone()) };
        let name = person
            .display()
            .or_else(|| clean(self.contact_name.as_deref()))
            .or_else(|| handle.clone())
            .unwrap_or_else(|| "Unknown contact".to_owned());
        let assignee_id = self.assignee.as_ref().and_then(|a| a.id.clone()).or(self.assigned_to);
        let assignee = assignee_id.map(|a| std::sync::Arc::new(ctx.agent(&a, self.assignee.as_ref())));
        let last = self.last_message.unwrap_or_default();
        let last_body = last.body.or(last.text).or(self.last_message_preview);
        let updated_at =
            self.updated_at.or(self.last_activity_at).or(last.created_at).or(self.created_at).unwrap_or(UNKNOWN_TIME);
        let last_message = last_body.map(|b| LastMessage {
            preview: preview(&b, 200),
            direction: direction_of(last.direction.as_deref()).unwrap_or(Direction::Inbound),
            at: last.created_at.or(self.last_activity_at).unwrap_or(updated_at),
        });
        let unread = self.unread.or(self.is_read.map(|r| !r)).unwrap_or(self.unread_count.is_some_and(|n| n > 0));
        Some(Conversation {
            id: ConversationId::from(id),
            contact: Contact {
                id: ContactId::from(person.id.or(self.contact_id).unwrap_or_default()),
                name,
                handle: handle.unwrap_or_default(),
                email,
                phone,
                company: clean(person.company.as_deref()),
            },
            channel,
            subject: clean(self.subject.as_deref()),
            status: status_of(self.status.as_deref()),
            snoozed_until: None,
            assignee,
            team: None,
            tags: Vec::new(),
            starred: self.starred.or(self.is_starred).unwrap_or(false),
            unread,
            archived: self.archived.unwrap_or(false),
            priority: frontdesk_domain::Priority::Normal,
            last_message,
            waiting_since: None,
            sla_due_at: self.sla_due_at,
            ai_state: frontdesk_domain::AiState::Human,
            ai_agent: None,
            has_pending_suggestion: self.has_pending_suggestion.unwrap_or(false),
            origin: None,
            message_count: self.message_count.and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
            created_at: self.created_at.unwrap_or(updated_at),
            updated_at,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CallRow {
    #[serde(default, deserialize_with = "number")]
    pub duration: Option<u64>,
    #[serde(default, deserialize_with = "number")]
    pub duration_seconds: Option<u64>,
    #[serde(default, deserialize_with = "text")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub ai_summary: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub recording_url: Option<String>,
}

/// One timeline activity row: a message, a call, a note, or (from `agent:setter`,
/// not yet sent) a suggestion.
#[derive(Debug, Default, Deserialize)]
pub struct Activity {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "text")]
    pub kind: Option<String>,
    #[serde(default, rename = "activity_type", deserialize_with = "text")]
    pub row_type: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub channel: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub direction: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub actor: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub actor_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub suggestion_status: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub is_suggestion: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub call: Option<CallRow>,
    #[serde(flatten)]
    pub call_fields: CallRow,
    #[serde(default, deserialize_with = "time")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "time")]
    pub occurred_at: Option<Timestamp>,
}

/// What a timeline row is to us.
#[derive(Debug)]
pub enum Row {
    Message(Box<Message>),
    Suggestion(Box<Suggestion>),
}

/// The actor's kind and the rest: `user:{uuid}`, `agent:{name}`, `api:{id}`,
/// `system`, and anything else (a contact, or unknown) as it is.
fn actor_of(s: Option<&str>) -> (&str, Option<&str>) {
    match s.map(str::trim) {
        Some(a) => a.split_once(':').map_or((a, None), |(k, rest)| (k, Some(rest))),
        None => ("", None),
    }
}

/// A setter row still waiting for a human (or settled without being sent).
fn suggestion_state(s: Option<&str>) -> Option<SuggestionStatus> {
    match s.map(str::to_ascii_lowercase).as_deref() {
        Some("pending" | "draft" | "suggested" | "proposed" | "awaiting_approval" | "suggestion") => {
            Some(SuggestionStatus::Pending)
        }
        Some("dismissed" | "rejected" | "discarded") => Some(SuggestionStatus::Dismissed),
        Some("superseded" | "expired") => Some(SuggestionStatus::Superseded),
        Some("edited") => Some(SuggestionStatus::Edited),
        _ => None,
    }
}

fn delivery_of(s: Option<&str>) -> Delivery {
    match s.map(str::to_ascii_lowercase).as_deref() {
        Some("queued" | "pending" | "scheduled" | "sending") => Delivery::Queued,
        Some("delivered") => Delivery::Delivered,
        Some("read" | "opened") => Delivery::Read,
        Some("failed" | "undelivered" | "bounced" | "error") => Delivery::Failed,
        _ => Delivery::Sent,
    }
}

impl Activity {
    pub fn read(v: Value) -> Option<Self> {
        serde_json::from_value(v)
            .inspect_err(|e| tracing::warn!(error = %e, "skipped a timeline row Iron sent unreadable"))
            .ok()
    }

    pub fn into_row(self, conversation: &ConversationId, ctx: &Ctx<'_>) -> Option<Row> {
        let Some(id) = self.id else {
            tracing::warn!(%conversation, "skipped a timeline row Iron sent without an id");
            return None;
        };
        let created_at = self.created_at.or(self.occurred_at).unwrap_or(UNKNOWN_TIME);
        let body = sanitize(self.body.as_deref().or(self.text.as_deref()).unwrap_or_default());
        let kind = self.kind.or(self.row_type).map(|k| k.to_ascii_lowercase());
        let (actor, rest) = actor_of(self.actor.as_deref());
        let setter = actor.eq_ignore_ascii_case("agent") && rest.is_some_and(|r| r.eq_ignore_ascii_case("setter"));
        let state = suggestion_state(self.suggestion_status.as_deref().or(self.status.as_deref())).or_else(|| {
            (kind.as_deref() == Some("suggestion") || self.is_suggestion == Some(true))
                .then_some(SuggestionStatus::Pending)
        });
        if setter && let Some(status) = state {
            let sid = format!("{conversation}{SUGGESTION_SEP}{id}");
            return Some(Row::Suggestion(Box::new(Suggestion {
                id: SuggestionId::from(sid.as_str()),
                conversation_id: conversation.clone(),
                body,
                actions: Vec::new(),
                status,
                engine: "setter".to_owned(),
                sources: Vec::new(),
                created_at,
                resolved_at: None,
                confidence: None,
                lang: None,
                before_sending: None,
                withheld: None,
            })));
        }
        let author = match (actor.to_ascii_lowercase().as_str(), rest) {
            ("user", Some(uid)) => {
                let a = ctx.agent(uid, None);
                Author {
                    kind: AuthorKind::Agent,
                    id: Some(a.id.to_string()),
                    name: clean(self.actor_name.as_deref()).unwrap_or(a.name),
                }
            }
            ("agent", name) => Author {
                kind: AuthorKind::Ai,
                id: name.map(str::to_owned),
                name: clean(self.actor_name.as_deref())
                    .or_else(|| clean(name))
                    .unwrap_or_else(|| "AI agent".to_owned()),
            },
            ("api", id) => Author { kind: AuthorKind::System, id: id.map(str::to_owned), name: "API".to_owned() },
            ("system", _) => Author { kind: AuthorKind::System, id: None, name: "system".to_owned() },
            // An actor kind the page does not name (`workflow:…`) is kept as said.
            (other, Some(_)) if other != "contact" && !other.is_empty() => Author {
                kind: AuthorKind::from_wire(other),
                id: self.actor.clone(),
                name: clean(self.actor_name.as_deref()).unwrap_or_else(|| other.to_owned()),
            },
            // No actor, `contact:…`, or a bare id (a contact's): the customer.
            (_, _) => Author {
                kind: AuthorKind::Contact,
                id: self.actor.clone(),
                name: clean(self.actor_name.as_deref()).unwrap_or_else(|| "contact".to_owned()),
            },
        };
        // An actor of a kind we do not know counts as the customer's side, where an
        // agent looks first.
        let customer_side = matches!(author.kind, AuthorKind::Contact | AuthorKind::Other(_));
        let direction = direction_of(self.direction.as_deref()).unwrap_or(if customer_side {
            Direction::Inbound
        } else {
            Direction::Outbound
        });
        let channel = kind.clone().or(self.channel.map(|c| c.to_ascii_lowercase()));
        let (kind, call) = match channel.as_deref() {
            Some("call" | "voice" | "phone" | "phone_call") => {
                let nested = self.call.unwrap_or_default();
                let flat = self.call_fields;
                let secs = nested.duration_seconds.or(nested.duration).or(flat.duration_seconds).or(flat.duration);
                let summary = nested.ai_summary.or(nested.summary).or(flat.ai_summary).or(flat.summary);
                let info = CallInfo {
                    duration_secs: secs.and_then(|s| u32::try_from(s).ok()).unwrap_or(0),
                    summary: summary.map(|s| sanitize(&s)),
                    recording_url: clean(nested.recording_url.or(flat.recording_url).as_deref()),
                };
                (MessageKind::Call, Some(info))
            }
            Some("note" | "internal_note" | "comment") => (MessageKind::Note, None),
            Some("system" | "event" | "status_change" | "assignment") => (MessageKind::Event, None),
            _ => (MessageKind::Reply, None),
        };
        Some(Row::Message(Box::new(Message {
            id: MessageId::from(id),
            conversation_id: conversation.clone(),
            direction,
            author,
            kind,
            body,
            attachments: Vec::new(),
            call,
            created_at,
            delivery: if direction == Direction::Outbound {
                delivery_of(self.status.as_deref())
            } else {
                Delivery::Sent
            },
        })))
    }
}

/// What an error body says: `{"detail": "…"}`, `FastAPI`'s `{"detail": [{loc, msg}]}`,
/// Supabase's `{"error_description"|"msg"|"message"|"error": "…"}`, a JSON string, or
/// short plain text (an HTML error page says nothing useful).
pub fn error_text(body: &[u8]) -> Option<String> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        return (!text.is_empty() && !text.starts_with('<')).then(|| cut(&sanitize_line(text)));
    };
    let said = describe(&v);
    (!said.is_empty()).then(|| cut(&sanitize_line(&said)))
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(describe).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; "),
        Value::Object(o) if o.contains_key("msg") && o.contains_key("loc") => {
            let loc: Vec<String> = o
                .get("loc")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(|p| p.as_str().map(str::to_owned).or_else(|| p.as_u64().map(|n| n.to_string())))
                        .filter(|p| !matches!(p.as_str(), "body" | "query" | "path" | "header"))
                        .collect()
                })
                .unwrap_or_default();
            let msg = o.get("msg").map(describe).unwrap_or_default();
            if loc.is_empty() { msg } else { format!("{}: {msg}", loc.join(".")) }
        }
        Value::Object(o) => ["detail", "error_description", "msg", "message", "error"]
            .iter()
            .find_map(|k| o.get(*k).map(describe).filter(|s| !s.is_empty()))
            .unwrap_or_default(),
        Value::Number(_) | Value::Bool(_) | Value::Null => String::new(),
    }
}

/// An error message is one line on the status bar, not a page.
fn cut(s: &str) -> String {
    const MAX: usize = 300;
    if s.chars().count() <= MAX { s.to_owned() } else { format!("{}…", s.chars().take(MAX - 1).collect::<String>()) }
}
