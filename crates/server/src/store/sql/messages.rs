//! Writing what we put in a thread: agents' replies and notes, AI agents' answers, and
//! the quiet event lines actions leave. Each keeps the conversation's summary
//! (preview, SLA clock, unread) in step. Customer messages come in through `ingest`,
//! which does the same for a whole batch at once.

use super::engine::Conn;
use jiff::{SignedDuration, Timestamp};
use sqlx::AssertSqlSafe;

use crate::error::{ApiError, ApiResult};
use frontdesk_domain::text::preview;
use frontdesk_domain::{
    Agent, Author, AuthorKind, ConversationId, Delivery, EventKind, Message, MessageId, MessageKind, OrgId,
};

use super::WriteCtx;
use super::conversations::message;
use super::to_ms;
use crate::store::{NewMessage, PREVIEW_CHARS};

/// Inserts a message and updates its conversation's summary. Emits `message_created`;
/// the caller emits `conversation_updated` once all its changes are in.
pub async fn insert(w: &mut WriteCtx, org: &OrgId, m: NewMessage) -> ApiResult<Message> {
    let id = MessageId::generate();
    let attachments = serde_json::to_string(&m.attachments)?;
    let call = m.call.as_ref().map(serde_json::to_string).transpose()?;

    let delivery = if m.kind == MessageKind::Reply { Delivery::Sent } else { Delivery::Delivered };
    let summary = m.call.as_ref().and_then(|c| c.summary.as_deref()).unwrap_or_default();
    let words = w.common().await?.mask([m.body.as_str(), summary]);
    sqlx::query(
        "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_id, author_name, kind, body, \
         attachments, call, delivery, provider_message_id, created_at, words) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id.as_str())
    .bind(org.as_str())
    .bind(m.conversation_id.as_str())
    .bind("outbound")
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
    .bind(words)
    .execute(w.conn())
    .await?;
    summarise(w.conn(), org, &m).await?;
    let message = message(w.conn(), org, &id).await?;
    w.emit(org, EventKind::MessageCreated(Box::new(message.clone()))).await?;
    Ok(message)
}

/// Keeps the conversation row's summary in step with a new message.
async fn summarise(conn: &mut Conn, org: &OrgId, m: &NewMessage) -> ApiResult<()> {
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
            "UPDATE conversations SET activity_at = CASE WHEN activity_at > $1 THEN activity_at ELSE $1 END, \
             updated_at = $1, message_count = message_count + 1 WHERE org_id = $2 AND id = $3",
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
    sqlx::query(
        "UPDATE conversations SET activity_at = CASE WHEN activity_at > $1 THEN activity_at ELSE $1 END, \
         updated_at = $1, message_count = message_count + 1, last_preview = $4, last_direction = $5, \
         last_message_at = $1 \
         WHERE org_id = $2 AND id = $3",
    )
    .bind(at)
    .bind(org)
    .bind(id)
    .bind(preview(text, PREVIEW_CHARS))
    .bind("outbound")
    .execute(&mut *conn)
    .await?;
    match m.author.kind {
        // An answer from us stops the clock; an agent answering has read the thread.
        AuthorKind::Agent | AuthorKind::Ai => {
            let read = if m.author.kind == AuthorKind::Agent { ", unread = FALSE" } else { "" };
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
        Some(a) => Author { kind: AuthorKind::Agent, id: Some(a.id.0.to_string()), name: a.name.clone() },
        None => Author { kind: AuthorKind::System, id: None, name: "frontdesk".to_owned() },
    };
    insert(
        w,
        org,
        NewMessage {
            conversation_id: conversation.clone(),
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

/// A time as event lines word it (in UTC: the server does not know the reader's zone).
#[must_use]
pub fn human_until(until: Timestamp) -> String {
    until.strftime("%a %d %b %H:%M UTC").to_string()
}

/// A snooze must end in the future (a second of slack for the request in flight).
pub fn require_future(until: Timestamp, now: Timestamp) -> ApiResult<()> {
    if until <= now + SignedDuration::from_secs(1) {
        return Err(ApiError::invalid("until", "until must be in the future"));
    }
    Ok(())
}
