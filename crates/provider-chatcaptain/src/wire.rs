//! ChatCaptain's JSON (`vendors/chatcaptain-conversations.txt`), read tolerantly. The
//! page publishes paths and request bodies but almost no answer fields: a
//! conversation is known to have `id, contactId, archived, channelId`, a message
//! `id, sender`, a view its filters. So rows are read field by field from a JSON
//! object (serde aliases would fail a row that carries both spellings), every field
//! is optional, a value of an unexpected type reads as absent, unknown fields and
//! enum values are ignored, ids may be strings or numbers, and times may be RFC 3339,
//! unix seconds or milliseconds, or a Firestore `{_seconds}` object.

use jiff::Timestamp;
use serde_json::{Map, Value};

use frontdesk_domain::UNKNOWN_TIME;
use frontdesk_domain::text::{sanitize, sanitize_line};
use frontdesk_domain::{
    Agent, AgentId, AgentRole, AssigneeFilter, Author, AuthorKind, Channel, Contact, ContactId, Conversation,
    ConversationId, Delivery, Direction, Message, MessageId, MessageKind, Priority, Status, View, ViewFilter, ViewId,
    ViewKind,
};
use frontdesk_provider::{ProviderError, ProviderResult};

type Obj = Map<String, Value>;

/// The first of `keys` that holds a non-blank string or a number, as text.
pub fn text(o: &Obj, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match o.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// [`text`], sanitised to one line.
fn line(o: &Obj, keys: &[&str]) -> Option<String> {
    text(o, keys).map(|s| sanitize_line(&s)).filter(|s| !s.is_empty())
}

/// A bool, or its usual spellings (`"true"`, `1`).
fn flag(o: &Obj, keys: &[&str]) -> Option<bool> {
    keys.iter().find_map(|k| match o.get(*k)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// A time in any of the shapes a JavaScript backend writes one.
pub fn time_of(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            s.parse().ok().or_else(|| s.parse::<i64>().ok().and_then(unix))
        }
        Value::Number(n) => n.as_i64().and_then(unix),
        Value::Object(o) => o.get("_seconds").or_else(|| o.get("seconds")).and_then(Value::as_i64).and_then(unix),
        _ => None,
    }
}

/// Unix seconds, or milliseconds (anything past 10^11 s would be the year 5138).
fn unix(n: i64) -> Option<Timestamp> {
    if n.abs() >= 100_000_000_000 { Timestamp::from_millisecond(n).ok() } else { Timestamp::from_second(n).ok() }
}

fn time(o: &Obj, keys: &[&str]) -> Option<Timestamp> {
    keys.iter().find_map(|k| o.get(*k).and_then(time_of))
}

/// The rows of a list: `{key: [...]}` as the notes say, a bare array, or `data`.
pub fn rows(v: Value, key: &str) -> ProviderResult<Vec<Value>> {
    match v {
        Value::Array(rows) => Ok(rows),
        Value::Object(mut o) => {
            let empty = o.is_empty();
            match o.remove(key).or_else(|| o.remove("data")) {
                Some(Value::Array(rows)) => Ok(rows),
                // An empty list is sometimes sent as null, or as `{}`.
                Some(Value::Null) => Ok(Vec::new()),
                None if empty => Ok(Vec::new()),
                _ => Err(ProviderError::Malformed(format!("ChatCaptain sent no {key} list"))),
            }
        }
        Value::Null => Ok(Vec::new()),
        _ => Err(ProviderError::Malformed(format!("ChatCaptain sent a {key} list that is not one"))),
    }
}

pub use frontdesk_provider::json::unwrap_object;

/// The `error` string a 200 answer may carry (the page lists it on every answer).
pub fn error_in(v: &Value) -> Option<String> {
    match v.get("error")? {
        Value::String(s) => Some(sanitize_line(s)).filter(|s| !s.is_empty()),
        Value::Object(o) => line(o, &["message", "error"]),
        _ => None,
    }
}

/// What an error body says: `{error}`, `{message}`, a JSON string, or short text.
pub fn error_text(body: &[u8]) -> Option<String> {
    let said = match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(s)) => Some(s),
        Ok(v @ Value::Object(_)) => {
            error_in(&v).or_else(|| v.as_object().and_then(|o| text(o, &["message", "detail"])))
        }
        Ok(_) => None,
        Err(_) => {
            let t = String::from_utf8_lossy(body);
            let t = t.trim();
            (!t.is_empty() && !t.starts_with('<')).then(|| t.to_owned())
        }
    };
    said.map(|s| cut(&sanitize_line(&s))).filter(|s| !s.is_empty())
}

/// An error message is one line on the status bar, not a page.
fn cut(s: &str) -> String {
    const MAX: usize = 300;
    if s.chars().count() <= MAX { s.to_owned() } else { format!("{}…", s.chars().take(MAX - 1).collect::<String>()) }
}

/// `channelType` for ours. One the domain has no name for (Messenger, Instagram,
/// Telegram) is kept as ChatCaptain named it; none at all is the web widget.
fn channel_of(s: Option<&str>) -> Channel {
    let Some(s) = s.map(str::trim) else { return Channel::Web };
    match s.to_ascii_lowercase().as_str() {
        "whatsapp" | "whatsapp_business" | "whatsappbusiness" => Channel::Whatsapp,
        "sms" => Channel::Sms,
        "email" | "mail" => Channel::Email,
        "voice" | "phone" | "call" | "telephony" => Channel::Voice,
        "api" => Channel::Api,
        "web" | "webchat" | "widget" | "chat" | "" => Channel::Web,
        _ => Channel::from_wire(s),
    }
}

/// Not published: the view filters' names (open, inProgress, closed) are used. A
/// missing status reads as open, in front of an agent; an unknown one is kept as said.
fn status_of(s: Option<&str>) -> Status {
    let Some(s) = s.map(str::trim) else { return Status::Open };
    match s.to_ascii_lowercase().as_str() {
        "open" | "new" | "" => Status::Open,
        "inprogress" | "in_progress" | "in-progress" | "pending" => Status::Pending,
        "closed" | "resolved" | "done" | "finished" => Status::Closed,
        _ => Status::from_wire(s),
    }
}

/// A conversation, or none without an id.
pub fn conversation(v: &Value) -> Option<Conversation> {
    let Some(o) = v.as_object() else {
        tracing::warn!("skipped a ChatCaptain conversation that is not an object");
        return None;
    };
    let Some(id) = text(o, &["id", "_id", "conversationId"]) else {
        tracing::warn!("skipped a ChatCaptain conversation without an id");
        return None;
    };
    let contact = o.get("contact").and_then(Value::as_object);
    let from_contact = |keys: &[&str]| contact.and_then(|c| line(c, keys));
    let email = line(o, &["email"]).or_else(|| from_contact(&["email"]));
    let phone = line(o, &["phone", "phoneNumber"]).or_else(|| from_contact(&["phone", "phoneNumber"]));
    let contact_id = text(o, &["contactId"]).or_else(|| contact.and_then(|c| text(c, &["id"])));
    let provider_id = line(o, &["providerId"]);
    let name = line(o, &["name", "contactName"])
        .or_else(|| from_contact(&["name", "displayName"]))
        .or_else(|| email.clone())
        .or_else(|| phone.clone())
        .unwrap_or_else(|| "Anonymous".to_owned());
    let handle = email.clone().or_else(|| phone.clone()).or(provider_id).unwrap_or_default();
    // ChatCaptain's own sample bodies say `created` / `updated`.
    let updated_at = time(o, &["updatedAt", "updated_at", "updated", "lastActivityAt", "lastMessageAt"])
        .or_else(|| time(o, &["createdAt", "created_at", "created"]))
        .unwrap_or(UNKNOWN_TIME);
    let status = status_of(text(o, &["status", "state"]).as_deref());
    Some(Conversation {
        id: ConversationId::from(id),
        contact: Contact {
            id: ContactId::from(contact_id.unwrap_or_default()),
            name,
            handle,
            email,
            phone,
            company: None,
        },
        channel: channel_of(text(o, &["channelType", "channel"]).as_deref()),
        subject: line(o, &["subject", "title"]),
        status,
        snoozed_until: None,
        assignee: None,
        team: None,
        tags: Vec::new(),
        starred: false,
        // Read marks are kept on this machine (capabilities say so).
        unread: false,
        archived: flag(o, &["archived"]).unwrap_or(false),
        priority: Priority::Normal,
        last_message: None,
        waiting_since: None,
        sla_due_at: None,
        ai_state: frontdesk_domain::AiState::Human,
        ai_agent: None,
        has_pending_suggestion: false,
        origin: None,
        message_count: 0,
        created_at: time(o, &["createdAt", "created_at", "created"]).unwrap_or(updated_at),
        updated_at,
    })
}

/// Who wrote a message, from `sender` as a word (`"contact"`) or an object
/// (`{type, id, name}`). Contact and user are the customer; agent a person on the
/// team; bot the chatbot; another word is kept as said. `fallback` is used when
/// nothing says.
fn author_of(o: &Obj, fallback: AuthorKind) -> Author {
    let sender = o.get("sender");
    let (word, id, name) = match sender {
        Some(Value::String(s)) => (Some(s.clone()), None, None),
        Some(Value::Object(s)) => {
            (text(s, &["type", "role", "kind"]), text(s, &["id", "uid"]), line(s, &["name", "displayName"]))
        }
        _ => (text(o, &["senderType", "role", "type"]), None, None),
    };
    let kind = match word.as_deref().map(str::trim) {
        None => fallback,
        Some(w) => match w.to_ascii_lowercase().as_str() {
            "agent" | "human" | "operator" | "admin" => AuthorKind::Agent,
            "bot" | "chatbot" | "ai" | "assistant" | "captain" => AuthorKind::Ai,
            "system" => AuthorKind::System,
            "contact" | "user" | "customer" | "visitor" | "" => AuthorKind::Contact,
            _ => AuthorKind::from_wire(w),
        },
    };
    let name = name.or_else(|| line(o, &["senderName", "authorName"])).unwrap_or_else(|| match &kind {
        AuthorKind::Contact => "customer".to_owned(),
        AuthorKind::Agent => "agent".to_owned(),
        AuthorKind::Ai => "bot".to_owned(),
        AuthorKind::System => "system".to_owned(),
        AuthorKind::Other(k) => k.clone(),
    });
    Author { kind, id: id.or_else(|| text(o, &["senderId", "userId", "agentId"])), name }
}

/// The body: `text`, `message`, `body` or `content`, as a string or `{text}`.
fn body_of(o: &Obj) -> String {
    ["text", "message", "body", "content"]
        .iter()
        .find_map(|k| match o.get(*k)? {
            Value::String(s) => Some(s.clone()),
            Value::Object(inner) => text(inner, &["text", "body"]),
            _ => None,
        })
        .map(|s| sanitize(&s))
        .unwrap_or_default()
}

/// A message, or none without an id. `fallback` is who wrote it when `sender` is
/// missing (a bot's answer carries its own messages).
pub fn message(v: &Value, conversation: &ConversationId, fallback: AuthorKind) -> Option<Message> {
    let o = v.as_object()?;
    let Some(id) = text(o, &["id", "_id", "messageId"]) else {
        tracing::warn!(%conversation, "skipped a ChatCaptain message without an id");
        return None;
    };
    let author = author_of(o, fallback);
    let system = author.kind == AuthorKind::System;
    Some(Message {
        id: MessageId::from(id),
        conversation_id: conversation.clone(),
        // A sender of a kind we do not know counts as the customer's side, where an
        // agent looks first.
        direction: if matches!(author.kind, AuthorKind::Contact | AuthorKind::Other(_)) {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        author,
        kind: if system { MessageKind::Event } else { MessageKind::Reply },
        body: body_of(o),
        attachments: Vec::new(),
        call: None,
        created_at: time(o, &["createdAt", "created_at", "created", "timestamp", "date", "sentAt"])
            .unwrap_or(UNKNOWN_TIME),
        delivery: Delivery::Sent,
    })
}

/// A saved inbox view and its count when the answer gives one. The filters (unread,
/// selfAssigned, open, closed, inProgress) may sit at the top or under `filters`.
pub fn view(v: &Value) -> Option<(View, Option<u64>)> {
    let o = v.as_object()?;
    let id = text(o, &["id", "_id", "viewId"])?;
    let filters = ["filters", "filter"].iter().find_map(|k| o.get(*k).and_then(Value::as_object)).unwrap_or(o);
    let on = |k: &str| flag(filters, &[k]).unwrap_or(false);
    let mut status = Vec::new();
    for (key, s) in [("open", Status::Open), ("inProgress", Status::Pending), ("closed", Status::Closed)] {
        if on(key) {
            status.push(s);
        }
    }
    let filter = ViewFilter {
        status,
        unread: on("unread").then_some(true),
        assignee: on("selfAssigned").then_some(AssigneeFilter::Me),
        ..ViewFilter::default()
    };
    let name = line(o, &["name", "title", "label"]).unwrap_or_else(|| sanitize_line(&id));
    let count = ["count", "total", "conversationCount"].iter().find_map(|k| o.get(*k).and_then(Value::as_u64));
    Some((View { id: ViewId::from(id), name, kind: ViewKind::Saved, filter }, count))
}

/// An agent from the online list.
pub fn agent(v: &Value) -> Option<Agent> {
    let o = v.as_object()?;
    let id = text(o, &["id", "uid", "_id", "userId", "email"])?;
    let full = [line(o, &["firstName"]), line(o, &["lastName"])].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let email = line(o, &["email"]).unwrap_or_default();
    let name = line(o, &["name", "displayName"])
        .or_else(|| (!full.is_empty()).then_some(full))
        .or_else(|| (!email.is_empty()).then(|| email.clone()))
        .unwrap_or_else(|| sanitize_line(&id));
    let role = match text(o, &["role"]).map(|r| r.to_ascii_lowercase()).as_deref() {
        Some("admin" | "owner") => AgentRole::Admin,
        _ => AgentRole::Agent,
    };
    Some(Agent { id: AgentId::from(id), name, email, role, team: line(o, &["team", "teamName"]) })
}
