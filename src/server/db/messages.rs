//! Writing messages: customer messages coming in (with dedupe and threading), agent
//! replies and notes going out, and the quiet event lines actions leave in a thread.
//! Each keeps the conversation's summary (preview, unread, SLA clock) in step.

use jiff::{SignedDuration, Timestamp};
use sqlx::AssertSqlSafe;
use sqlx::SqliteConnection;

use crate::domain::text::{preview, sanitize, sanitize_line};
use crate::domain::{
    Agent, Attachment, Author, AuthorKind, CallInfo, Channel, ContactId, Conversation, ConversationId, Delivery,
    Direction, EventKind, Message, MessageId, MessageKind, OrgId, Status,
};
use crate::server::error::{ApiError, ApiResult};

use super::WriteCtx;
use super::conversations::{get, message};
use super::to_ms;

/// The longest preview kept on a conversation row.
const PREVIEW_CHARS: usize = 140;

/// A message about to be written.
pub struct NewMessage {
    pub conversation_id: ConversationId,
    pub direction: Direction,
    pub author: Author,
    pub kind: MessageKind,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub call: Option<CallInfo>,
    pub at: Timestamp,
    pub provider_message_id: Option<String>,
}

/// Inserts a message and updates its conversation's summary. Emits `message_created`;
/// the caller emits `conversation_updated` once all its changes are in.
pub async fn insert(w: &mut WriteCtx, org: &OrgId, m: NewMessage) -> ApiResult<Message> {
    let id = MessageId::generate();
    let attachments = serde_json::to_string(&m.attachments)?;
    let call = m.call.as_ref().map(serde_json::to_string).transpose()?;
    let direction = match m.direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    };
    let delivery = if m.direction == Direction::Outbound && m.kind == MessageKind::Reply {
        Delivery::Sent
    } else {
        Delivery::Delivered
    };
    sqlx::query(
        "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_id, author_name, kind, body, \
         attachments, call, delivery, provider_message_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id.as_str())
    .bind(org.as_str())
    .bind(m.conversation_id.as_str())
    .bind(direction)
    .bind(m.author.kind.as_str())
    .bind(m.author.id.as_deref())
    .bind(&m.author.name)
    .bind(m.kind.as_str())
    .bind(&m.body)
    .bind(attachments)
    .bind(call)
    .bind(delivery.as_str())
    .bind(m.provider_message_id.as_deref())
    .bind(to_ms(m.at))
    .execute(w.conn())
    .await?;
    summarise(w.conn(), org, &m).await?;
    let message = message(w.conn(), org, &id).await?;
    w.emit(org, EventKind::MessageCreated(Box::new(message.clone()))).await?;
    Ok(message)
}

/// Keeps the conversation row's summary in step with a new message.
async fn summarise(conn: &mut SqliteConnection, org: &OrgId, m: &NewMessage) -> ApiResult<()> {
    let at = to_ms(m.at);
    let (org, id) = (org.as_str(), m.conversation_id.as_str());
    if m.kind == MessageKind::Event {
        sqlx::query("UPDATE conversations SET updated_at = $1 WHERE org_id = $2 AND id = $3")
            .bind(at)
            .bind(org)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    // Every message moves the conversation up the list; a note (internal) leaves the
    // preview of the customer-facing thread alone.
    if m.kind == MessageKind::Note {
        sqlx::query(
            "UPDATE conversations SET activity_at = max(activity_at, $1), updated_at = $1, \
             message_count = message_count + 1 WHERE org_id = $2 AND id = $3",
        )
        .bind(at)
        .bind(org)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        return Ok(());
    }
    let text = if m.body.trim().is_empty() {
        m.call.as_ref().and_then(|c| c.summary.as_deref()).unwrap_or("")
    } else {
        &m.body
    };
    let direction = if m.direction == Direction::Inbound { "inbound" } else { "outbound" };
    sqlx::query(
        "UPDATE conversations SET activity_at = max(activity_at, $1), updated_at = $1, \
         message_count = message_count + 1, last_preview = $4, last_direction = $5, last_message_at = $1 \
         WHERE org_id = $2 AND id = $3",
    )
    .bind(at)
    .bind(org)
    .bind(id)
    .bind(preview(text, PREVIEW_CHARS))
    .bind(direction)
    .execute(&mut *conn)
    .await?;
    match (m.direction, m.author.kind) {
        // A customer message starts the first-response clock if it is not running,
        // and wakes a snoozed or pending conversation.
        (Direction::Inbound, _) => {
            sqlx::query(
                "UPDATE conversations SET unread = 1, waiting_since = coalesce(waiting_since, $1), \
                 sla_due_at = coalesce(sla_due_at, coalesce(waiting_since, $1) \
                   + (SELECT first_response_secs * 1000 FROM orgs WHERE id = $2)), \
                 status = CASE WHEN status IN ('snoozed', 'pending') THEN 'open' ELSE status END, \
                 snoozed_until = NULL WHERE org_id = $2 AND id = $3",
            )
            .bind(at)
            .bind(org)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        // An answer from us stops the clock; an agent answering has read the thread.
        (Direction::Outbound, AuthorKind::Agent | AuthorKind::Ai) => {
            let read = if m.author.kind == AuthorKind::Agent { ", unread = 0" } else { "" };
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE conversations SET waiting_since = NULL, sla_due_at = NULL{read} WHERE org_id = $1 AND id = $2"
            )))
            .bind(org)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A quiet line in the thread recording what someone did.
pub async fn event_line(
    w: &mut WriteCtx,
    org: &OrgId,
    conversation: &ConversationId,
    actor: Option<&Agent>,
    text: String,
) -> ApiResult<Message> {
    let author = match actor {
        Some(a) => Author { kind: AuthorKind::Agent, id: Some(a.id.0.clone()), name: a.name.clone() },
        None => Author { kind: AuthorKind::System, id: None, name: "frontdesk".to_owned() },
    };
    insert(
        w,
        org,
        NewMessage {
            conversation_id: conversation.clone(),
            direction: Direction::Outbound,
            author,
            kind: MessageKind::Event,
            body: text,
            attachments: Vec::new(),
            call: None,
            at: Timestamp::now(),
            provider_message_id: None,
        },
    )
    .await
}

/// A customer message arriving from a channel.
#[derive(Clone, Debug)]
pub struct Inbound {
    pub channel: Channel,
    pub handle: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub provider_message_id: Option<String>,
    pub received_at: Option<Timestamp>,
    /// An AI agent leads the conversation this opens (AI-agent channels).
    pub ai_agent: Option<String>,
}

/// What ingesting did.
pub struct Ingested {
    pub message: Message,
    pub conversation: Conversation,
    /// A new conversation was opened for it.
    pub opened: bool,
    /// The provider message id was seen before: nothing was written.
    pub duplicate: bool,
}

/// Ingests a customer message: dedupes by provider message id, threads it into the
/// contact's live conversation on that channel or opens one. Text is sanitised here,
/// where it enters.
pub async fn ingest(w: &mut WriteCtx, org: &OrgId, inbound: Inbound) -> ApiResult<Ingested> {
    let handle = sanitize_line(&inbound.handle);
    if handle.is_empty() {
        return Err(ApiError::invalid("contact.handle", "contact.handle must not be empty"));
    }
    if let Some(pid) = inbound.provider_message_id.as_deref() {
        let seen: Option<(String, String)> =
            sqlx::query_as("SELECT id, conversation_id FROM messages WHERE org_id = $1 AND provider_message_id = $2")
                .bind(org.as_str())
                .bind(pid)
                .fetch_optional(w.conn())
                .await?;
        if let Some((mid, cid)) = seen {
            let message = message(w.conn(), org, &MessageId(mid)).await?;
            let conversation = get(w.conn(), org, &ConversationId(cid)).await?;
            return Ok(Ingested { message, conversation, opened: false, duplicate: true });
        }
    }
    let now = Timestamp::now();
    // A claimed receive time in the future (a skewed clock) would pin the row to the top.
    let at = inbound.received_at.map_or(now, |t| t.min(now));
    let name = inbound.name.as_deref().map(sanitize_line).filter(|n| !n.is_empty()).unwrap_or_else(|| handle.clone());
    let contact_id = upsert_contact(w.conn(), org, &handle, &name, &inbound, now).await?;
    let live: Option<String> = sqlx::query_scalar(
        // INDEXED BY: before ANALYZE has run, SQLite prefers the list index for the ORDER
        // BY and walks the whole org.
        "SELECT id FROM conversations INDEXED BY conversations_contact WHERE contact_id = $2 AND channel = $3 \
         AND status != 'closed' AND org_id = $1 AND archived = 0 ORDER BY activity_at DESC LIMIT 1",
    )
    .bind(org.as_str())
    .bind(contact_id.as_str())
    .bind(inbound.channel.as_str())
    .fetch_optional(w.conn())
    .await?;
    let (conversation_id, opened) = if let Some(id) = live {
        (ConversationId(id), false)
    } else {
        let id = ConversationId::generate();
        let subject = inbound.subject.as_deref().map(sanitize_line).filter(|s| !s.is_empty());
        let ai_agent = inbound.ai_agent.as_deref().map(sanitize_line).filter(|s| !s.is_empty());
        let ai_state = if ai_agent.is_some() { "ai_led" } else { "human" };
        sqlx::query(
            "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, ai_state, ai_agent, \
             activity_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'open', $7, $8, $6, $6, $6)",
        )
        .bind(id.as_str())
        .bind(org.as_str())
        .bind(contact_id.as_str())
        .bind(inbound.channel.as_str())
        .bind(subject)
        .bind(to_ms(at))
        .bind(ai_state)
        .bind(ai_agent)
        .execute(w.conn())
        .await?;
        (id, true)
    };
    let was_snoozed = !opened && get(w.conn(), org, &conversation_id).await?.status == Status::Snoozed;
    let message = insert(
        w,
        org,
        NewMessage {
            conversation_id: conversation_id.clone(),
            direction: Direction::Inbound,
            author: Author { kind: AuthorKind::Contact, id: Some(contact_id.0.clone()), name },
            kind: MessageKind::Reply,
            body: sanitize(&inbound.body),
            attachments: inbound.attachments.iter().map(sanitize_attachment).collect(),
            call: None,
            at,
            provider_message_id: inbound.provider_message_id,
        },
    )
    .await?;
    if was_snoozed {
        event_line(w, org, &conversation_id, None, "Woken from snooze by a new message".to_owned()).await?;
    }
    let conversation = get(w.conn(), org, &conversation_id).await?;
    w.emit(org, EventKind::ConversationUpdated(Box::new(conversation.clone()))).await?;
    w.reschedule();
    Ok(Ingested { message, conversation, opened, duplicate: false })
}

fn sanitize_attachment(a: &Attachment) -> Attachment {
    Attachment {
        name: sanitize_line(&a.name),
        content_type: sanitize_line(&a.content_type),
        size: a.size,
        url: a.url.as_deref().map(sanitize_line),
    }
}

async fn upsert_contact(
    conn: &mut SqliteConnection,
    org: &OrgId,
    handle: &str,
    name: &str,
    inbound: &Inbound,
    now: Timestamp,
) -> ApiResult<ContactId> {
    let existing: Option<String> = sqlx::query_scalar("SELECT id FROM contacts WHERE org_id = $1 AND handle = $2")
        .bind(org.as_str())
        .bind(handle)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = existing {
        return Ok(ContactId(id));
    }
    let id = ContactId::generate();
    let email = inbound.email.as_deref().map(sanitize_line).or_else(|| handle.contains('@').then(|| handle.to_owned()));
    let phone =
        inbound.phone.as_deref().map(sanitize_line).or_else(|| handle.starts_with('+').then(|| handle.to_owned()));
    sqlx::query(
        "INSERT INTO contacts (id, org_id, name, handle, email, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.as_str())
    .bind(org.as_str())
    .bind(name)
    .bind(handle)
    .bind(email)
    .bind(phone)
    .bind(to_ms(now))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// How long ago, for event lines' wording.
#[must_use]
pub fn human_until(until: Timestamp) -> String {
    until.strftime("%a %d %b %H:%M UTC").to_string()
}

/// Unused-duration guard: callers snoozing must pick a time in the future.
pub fn require_future(until: Timestamp, now: Timestamp) -> ApiResult<()> {
    if until <= now + SignedDuration::from_secs(1) {
        return Err(ApiError::invalid("until", "until must be in the future"));
    }
    Ok(())
}
