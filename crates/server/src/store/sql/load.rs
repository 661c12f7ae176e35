//! Loading rows as stored, many a statement: one statement per row cost most of a
//! fresh demo's start. The search index fills through the schema's triggers.

use super::dialect;
use super::engine::{Conn, Engine};
use sqlx::{AssertSqlSafe, QueryBuilder};

use crate::error::ApiResult;
use crate::store::rows::{ContactRow, ConversationRow, MessageRow};
use frontdesk_domain::OrgId;

// Rows a statement: well under SQLite's 32,766 bound parameters at each width.
const CONTACTS: usize = 2_000;
const CONVERSATIONS: usize = 400;
const MESSAGES: usize = 1_000;

pub async fn contacts(conn: &mut Conn, org: &OrgId, rows: &[ContactRow]) -> ApiResult<()> {
    for chunk in rows.chunks(CONTACTS) {
        let mut qb: QueryBuilder<Engine> =
            QueryBuilder::new("INSERT INTO contacts (id, org_id, name, handle, email, phone, company, created_at) ");
        qb.push_values(chunk, |mut b, c| {
            b.push_bind(&c.id)
                .push_bind(org.as_str())
                .push_bind(&c.name)
                .push_bind(&c.handle)
                .push_bind(&c.email)
                .push_bind(&c.phone)
                .push_bind(&c.company)
                .push_bind(c.created_at);
        });
        qb.push(" ON CONFLICT (org_id, handle) DO NOTHING");
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn conversations(conn: &mut Conn, org: &OrgId, rows: &[ConversationRow]) -> ApiResult<()> {
    for chunk in rows.chunks(CONVERSATIONS) {
        let mut qb: QueryBuilder<Engine> = QueryBuilder::new(
            "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, snoozed_until, assignee_id, \
             team, tags, starred, unread, archived, priority, last_preview, last_direction, last_message_at, \
             waiting_since, sla_due_at, ai_state, ai_agent, message_count, activity_at, created_at, updated_at) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(&r.id)
                .push_bind(org.as_str())
                .push_bind(&r.contact_id)
                .push_bind(&r.channel)
                .push_bind(&r.subject)
                .push_bind(&r.status)
                .push_bind(r.snoozed_until)
                .push_bind(&r.assignee_id)
                .push_bind(&r.team)
                .push_bind(&r.tags)
                .push_bind(r.starred)
                .push_bind(r.unread)
                .push_bind(r.archived)
                .push_bind(&r.priority)
                .push_bind(&r.last_preview)
                .push_bind(r.last_direction)
                .push_bind(r.last_message_at)
                .push_bind(r.waiting_since)
                .push_bind(r.sla_due_at)
                .push_bind(&r.ai_state)
                .push_bind(&r.ai_agent)
                .push_bind(r.message_count)
                .push_bind(r.activity_at)
                .push_bind(r.created_at)
                .push_bind(r.updated_at);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn messages(conn: &mut Conn, org: &OrgId, rows: &[MessageRow]) -> ApiResult<()> {
    if let Some((before, _)) = dialect::LOADING_MESSAGES {
        sqlx::query(before).execute(&mut *conn).await?;
    }
    for chunk in rows.chunks(MESSAGES) {
        let mut qb: QueryBuilder<Engine> = QueryBuilder::new(
            "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_id, author_name, kind, \
             body, attachments, call, delivery, created_at) ",
        );
        qb.push_values(chunk, |mut b, m| {
            b.push_bind(&m.id)
                .push_bind(org.as_str())
                .push_bind(&m.conversation_id)
                .push_bind(m.direction)
                .push_bind(m.author_kind)
                .push_bind(&m.author_id)
                .push_bind(&m.author_name)
                .push_bind(m.kind)
                .push_bind(&m.body)
                .push_bind(&m.attachments)
                .push_bind(&m.call)
                .push_bind(m.delivery)
                .push_bind(m.created_at);
        });
        qb.build().execute(&mut *conn).await?;
    }
    if let Some((_, after)) = dialect::LOADING_MESSAGES {
        sqlx::query(after).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Every time an org's rows hold (unix milliseconds), by table, and the column
/// naming the org. The demo snapshot's test seeds afresh and compares: a time
/// column the schema gains and this list lacks fails it.
const TIMES: &[(&str, &str, &[&str])] = &[
    ("orgs", "id", &["created_at"]),
    ("agents", "org_id", &["created_at"]),
    ("api_keys", "org_id", &["created_at", "revoked_at"]),
    ("contacts", "org_id", &["created_at"]),
    (
        "conversations",
        "org_id",
        &["snoozed_until", "last_message_at", "waiting_since", "sla_due_at", "activity_at", "created_at", "updated_at"],
    ),
    ("messages", "org_id", &["created_at"]),
    ("suggestions", "org_id", &["created_at", "resolved_at"]),
    ("saved_views", "org_id", &["created_at"]),
    ("training_pairs", "org_id", &["created_at"]),
    ("idempotency_keys", "org_id", &["created_at"]),
    ("events", "org_id", &["created_at"]),
];

/// Moves every time of the org's rows by `by` milliseconds (a missing time stays
/// missing). Events keep the times inside their payloads: a snapshot has none.
pub async fn shift_times(conn: &mut Conn, org: &OrgId, by: i64) -> ApiResult<()> {
    for (table, key, columns) in TIMES {
        let set: Vec<String> = columns.iter().map(|c| format!("{c} = {c} + $1")).collect();
        let sql = format!("UPDATE {table} SET {} WHERE {key} = $2", set.join(", "));
        sqlx::query(AssertSqlSafe(sql)).bind(by).bind(org.as_str()).execute(&mut *conn).await?;
    }
    Ok(())
}

/// See [`crate::store::Tx::resnooze`].
pub async fn resnooze(conn: &mut Conn, org: &OrgId, num: i64, until: Option<i64>, line: Option<&str>) -> ApiResult<()> {
    if let Some(until) = until {
        sqlx::query("UPDATE conversations SET snoozed_until = $1 WHERE org_id = $2 AND num = $3")
            .bind(until)
            .bind(org.as_str())
            .bind(num)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(line) = line {
        sqlx::query(
            "UPDATE messages SET body = $1 WHERE org_id = $2 AND kind = 'event' AND body LIKE 'Snoozed until %' \
             AND conversation_id = (SELECT id FROM conversations WHERE org_id = $2 AND num = $3)",
        )
        .bind(line)
        .bind(org.as_str())
        .bind(num)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
