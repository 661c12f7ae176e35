//! Copilot suggestions as stored: at most one pending per conversation (a new one
//! supersedes the old), resolved by sending, editing or dismissing; and the training
//! pairs recorded when an agent sends while one was pending.

use jiff::Timestamp;
use sqlx::AssertSqlSafe;
use sqlx::{Executor, FromRow, Sqlite};

use crate::error::ApiResult;
use frontdesk_domain::{
    Agent, ConversationId, EventKind, NextAction, OrgId, Suggestion, SuggestionId, SuggestionStatus,
};

use super::codec::{json_or_default, opt_from_ms};
use super::conversations::get as get_conversation;
use super::{WriteCtx, found, from_ms, to_ms};

#[derive(FromRow)]
struct Row {
    id: String,
    conversation_id: String,
    body: String,
    actions: String,
    status: String,
    engine: String,
    sources: String,
    created_at: i64,
    resolved_at: Option<i64>,
}

impl From<Row> for Suggestion {
    fn from(r: Row) -> Self {
        Suggestion {
            id: SuggestionId::from(r.id),
            conversation_id: ConversationId::from(r.conversation_id),
            body: r.body,
            actions: json_or_default(&r.actions, "suggestions.actions"),
            status: SuggestionStatus::parse(&r.status).unwrap_or(SuggestionStatus::Dismissed),
            engine: r.engine,
            sources: json_or_default(&r.sources, "suggestions.sources"),
            created_at: from_ms(r.created_at),
            resolved_at: opt_from_ms(r.resolved_at),
        }
    }
}

const SELECT: &str =
    "SELECT id, conversation_id, body, actions, status, engine, sources, created_at, resolved_at FROM suggestions";

pub async fn get<'e, E: Executor<'e, Database = Sqlite>>(
    db: E,
    org: &OrgId,
    id: &SuggestionId,
) -> ApiResult<Suggestion> {
    let row: Option<Row> = sqlx::query_as(AssertSqlSafe(format!("{SELECT} WHERE org_id = $1 AND id = $2")))
        .bind(org.as_str())
        .bind(id.as_str())
        .fetch_optional(db)
        .await?;
    found(row, "suggestion").map(Suggestion::from)
}

pub async fn pending_for<'e, E: Executor<'e, Database = Sqlite>>(
    db: E,
    org: &OrgId,
    conversation: &ConversationId,
) -> ApiResult<Option<Suggestion>> {
    let row: Option<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT} WHERE org_id = $1 AND conversation_id = $2 AND status = 'pending' ORDER BY created_at DESC LIMIT 1"
    )))
    .bind(org.as_str())
    .bind(conversation.as_str())
    .fetch_optional(db)
    .await?;
    Ok(row.map(Suggestion::from))
}

/// Suggestions of the org, newest first; optionally one status, one conversation.
pub async fn list<'e, E: Executor<'e, Database = Sqlite>>(
    db: E,
    org: &OrgId,
    status: Option<SuggestionStatus>,
    conversation: Option<&ConversationId>,
    limit: u32,
) -> ApiResult<Vec<Suggestion>> {
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT} WHERE org_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR conversation_id = $3) \
         ORDER BY created_at DESC LIMIT $4"
    )))
    .bind(org.as_str())
    .bind(status.map(SuggestionStatus::as_str))
    .bind(conversation.map(ConversationId::as_str))
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Suggestion::from).collect())
}

/// A drafted suggestion to store.
pub struct NewSuggestion {
    pub body: String,
    pub actions: Vec<NextAction>,
    pub sources: Vec<String>,
    pub engine: String,
}

/// Stores a pending suggestion, superseding any older pending one.
pub async fn create(
    w: &mut WriteCtx,
    org: &OrgId,
    conversation: &ConversationId,
    draft: NewSuggestion,
) -> ApiResult<Suggestion> {
    get_conversation(w.conn(), org, conversation).await?;
    if let Some(old) = pending_for(w.conn(), org, conversation).await? {
        resolve(w, org, &old.id, SuggestionStatus::Superseded).await?;
    }
    let id = SuggestionId::generate();
    let now = Timestamp::now();
    sqlx::query(
        "INSERT INTO suggestions (id, org_id, conversation_id, body, actions, status, engine, sources, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)",
    )
    .bind(id.as_str())
    .bind(org.as_str())
    .bind(conversation.as_str())
    .bind(&draft.body)
    .bind(serde_json::to_string(&draft.actions)?)
    .bind(&draft.engine)
    .bind(serde_json::to_string(&draft.sources)?)
    .bind(to_ms(now))
    .execute(w.conn())
    .await?;
    set_pending_flag(w, org, conversation, true).await?;
    let suggestion = get(w.conn(), org, &id).await?;
    w.emit(org, EventKind::SuggestionCreated(Box::new(suggestion.clone()))).await?;
    let conversation = get_conversation(w.conn(), org, conversation).await?;
    w.emit(org, EventKind::ConversationUpdated(Box::new(conversation))).await?;
    Ok(suggestion)
}

/// Moves a pending suggestion to its final status. Resolving one that is no longer
/// pending answers 409, so a double click cannot send twice.
pub async fn resolve(
    w: &mut WriteCtx,
    org: &OrgId,
    id: &SuggestionId,
    status: SuggestionStatus,
) -> ApiResult<Suggestion> {
    let current = get(w.conn(), org, id).await?;
    if current.status != SuggestionStatus::Pending {
        return Err(crate::error::ApiError::conflict(
            "SUGGESTION_RESOLVED",
            format!("this suggestion was already {}", current.status.as_str()),
        ));
    }
    sqlx::query("UPDATE suggestions SET status = $1, resolved_at = $2 WHERE org_id = $3 AND id = $4")
        .bind(status.as_str())
        .bind(to_ms(Timestamp::now()))
        .bind(org.as_str())
        .bind(id.as_str())
        .execute(w.conn())
        .await?;
    if status != SuggestionStatus::Superseded {
        set_pending_flag(w, org, &current.conversation_id, false).await?;
    }
    let resolved = get(w.conn(), org, id).await?;
    w.emit(org, EventKind::SuggestionResolved(Box::new(resolved.clone()))).await?;
    Ok(resolved)
}

async fn set_pending_flag(w: &mut WriteCtx, org: &OrgId, conversation: &ConversationId, on: bool) -> ApiResult<()> {
    sqlx::query("UPDATE conversations SET pending_suggestion = $1, updated_at = $2 WHERE org_id = $3 AND id = $4")
        .bind(on)
        .bind(to_ms(Timestamp::now()))
        .bind(org.as_str())
        .bind(conversation.as_str())
        .execute(w.conn())
        .await?;
    Ok(())
}

/// Records what the agent sent against what was suggested.
pub async fn record_pair(
    w: &mut WriteCtx,
    org: &OrgId,
    suggestion: &Suggestion,
    sent: &str,
    agent: &Agent,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO training_pairs (org_id, suggestion_id, conversation_id, agent_id, draft, sent, edited, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(org.as_str())
    .bind(suggestion.id.as_str())
    .bind(suggestion.conversation_id.as_str())
    .bind(agent.id.as_str())
    .bind(&suggestion.body)
    .bind(sent)
    .bind(suggestion.body.trim() != sent.trim())
    .bind(to_ms(Timestamp::now()))
    .execute(w.conn())
    .await?;
    Ok(())
}

/// One exported training pair.
#[derive(Debug, serde::Serialize, FromRow)]
pub struct TrainingPair {
    pub org_id: String,
    pub suggestion_id: String,
    pub conversation_id: String,
    pub agent_id: Option<String>,
    pub draft: String,
    pub sent: String,
    pub edited: bool,
    pub created_at: i64,
}

pub async fn training_pairs<'e, E: Executor<'e, Database = Sqlite>>(
    db: E,
    org: Option<&OrgId>,
) -> ApiResult<Vec<TrainingPair>> {
    Ok(sqlx::query_as(
        "SELECT org_id, suggestion_id, conversation_id, agent_id, draft, sent, edited, created_at FROM training_pairs \
         WHERE ($1 IS NULL OR org_id = $1) ORDER BY id",
    )
    .bind(org.map(OrgId::as_str))
    .fetch_all(db)
    .await?)
}
