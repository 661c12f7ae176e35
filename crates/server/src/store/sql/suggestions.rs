//! Copilot suggestions as stored: at most one pending per conversation (a new one
//! supersedes the old), resolved by sending, editing or dismissing; and the training
//! pairs recorded when an agent sends while one was pending.

use super::engine::Engine;
use jiff::Timestamp;
use sqlx::AssertSqlSafe;
use sqlx::{Executor, FromRow};

use crate::error::ApiResult;
use frontdesk_domain::{Agent, ConversationId, EventKind, OrgId, Suggestion, SuggestionId, SuggestionStatus};

use super::conversations::get as get_conversation;
use super::{WriteCtx, found, from_ms, to_ms};
use crate::store::{NewSuggestion, TrainingPair};
use crate::store::{json_or_default, opt_from_ms};

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
    confidence: Option<i64>,
    lang: Option<String>,
    before_sending: Option<String>,
    withheld: Option<String>,
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
            confidence: r.confidence.and_then(|c| u8::try_from(c.clamp(0, 100)).ok()),
            lang: r.lang,
            before_sending: r.before_sending,
            withheld: r.withheld,
        }
    }
}

const SELECT: &str = "SELECT id, conversation_id, body, actions, status, engine, sources, created_at, resolved_at, \
     confidence, lang, before_sending, withheld FROM suggestions";

pub async fn get<'e, E: Executor<'e, Database = Engine>>(
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

pub async fn pending_for<'e, E: Executor<'e, Database = Engine>>(
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
pub async fn list<'e, E: Executor<'e, Database = Engine>>(
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

/// Stores a pending suggestion, superseding any older pending one.
pub async fn create(
    w: &mut WriteCtx,
    org: &OrgId,
    conversation: &ConversationId,
    draft: NewSuggestion,
) -> ApiResult<Suggestion> {
    get_conversation(w.conn(), org, conversation).await?;
    if let Some(old) = pending_for(w.conn(), org, conversation).await? {
        resolve(w, org, &old.id, SuggestionStatus::Superseded, None).await?;
    }
    let id = SuggestionId::generate();
    let now = Timestamp::now();
    sqlx::query(
        "INSERT INTO suggestions (id, org_id, conversation_id, body, actions, status, engine, sources, created_at, \
         confidence, lang, before_sending, withheld) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.as_str())
    .bind(org.as_str())
    .bind(conversation.as_str())
    .bind(&draft.body)
    .bind(serde_json::to_string(&draft.actions)?)
    .bind(&draft.engine)
    .bind(serde_json::to_string(&draft.sources)?)
    .bind(to_ms(now))
    .bind(draft.confidence.map(i64::from))
    .bind(&draft.lang)
    .bind(&draft.before_sending)
    .bind(&draft.withheld)
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
    by: Option<&Agent>,
) -> ApiResult<Suggestion> {
    let current = get(w.conn(), org, id).await?;
    if current.status != SuggestionStatus::Pending {
        return Err(crate::error::ApiError::conflict(
            "SUGGESTION_RESOLVED",
            format!("this suggestion was already {}", current.status.as_str()),
        ));
    }
    sqlx::query("UPDATE suggestions SET status = $1, resolved_at = $2, resolved_by = $3 WHERE org_id = $4 AND id = $5")
        .bind(status.as_str())
        .bind(to_ms(Timestamp::now()))
        .bind(by.map(|a| a.id.as_str().to_owned()))
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

/// Retires a pending suggestion that held no draft when the agent replied on their
/// own: superseded (no training pair, not a dismissal), and the conversation no
/// longer waits on the copilot.
pub async fn retire(w: &mut WriteCtx, org: &OrgId, id: &SuggestionId, by: &Agent) -> ApiResult<Suggestion> {
    let retired = resolve(w, org, id, SuggestionStatus::Superseded, Some(by)).await?;
    set_pending_flag(w, org, &retired.conversation_id, false).await?;
    Ok(retired)
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
    let draft = crate::copilot::fill::sign(&suggestion.body, &agent.name);
    let distance = edit_distance(&draft, sent);
    let edited = draft.trim() != sent.trim();
    sqlx::query(
        "INSERT INTO training_pairs (org_id, suggestion_id, conversation_id, agent_id, draft, sent, edited, created_at, \
         edit_distance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(org.as_str())
    .bind(suggestion.id.as_str())
    .bind(suggestion.conversation_id.as_str())
    .bind(agent.id.as_str())
    .bind(&draft)
    .bind(sent)
    .bind(edited)
    .bind(to_ms(Timestamp::now()))
    .bind(distance.map(|d| i64::try_from(d).unwrap_or(i64::MAX)))
    .execute(w.conn())
    .await?;
    Ok(())
}

/// The most character pairs the distance compares: it runs in the database's one
/// writer, where a pasted log against a draft must not hold every other write.
const MAX_CELLS: usize = 4_000_000;

/// How many characters must be inserted, deleted or replaced to turn the draft
/// into what was sent (Levenshtein, over characters, ignoring whitespace at either
/// end): 0 when sent as drafted; none when the part that differs is too long to
/// measure here.
#[must_use]
pub fn edit_distance(draft: &str, sent: &str) -> Option<usize> {
    let a: Vec<char> = draft.trim().chars().collect();
    let b: Vec<char> = sent.trim().chars().collect();
    // What both share at the start and the end costs nothing.
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[head..], &b[head..]);
    let tail = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[..a.len() - tail], &b[..b.len() - tail]);
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        return None;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    Some(row[b.len()])
}

pub async fn training_pairs<'e, E: Executor<'e, Database = Engine>>(
    db: E,
    org: Option<&OrgId>,
) -> ApiResult<Vec<TrainingPair>> {
    Ok(sqlx::query_as(
        "SELECT org_id, suggestion_id, conversation_id, agent_id, draft, sent, edited, created_at, edit_distance \
         FROM training_pairs \
         WHERE ($1 IS NULL OR org_id = $1) ORDER BY id",
    )
    .bind(org.map(OrgId::as_str))
    .fetch_all(db)
    .await?)
}

#[derive(FromRow)]
struct OutcomeRow {
    sources: String,
    status: String,
    agent: Option<String>,
    edit_distance: Option<i64>,
    withheld: bool,
}

/// Every suggestion of the org (or all orgs) as the copilot report counts it: its
/// articles, what became of it, who acted on it and how much they changed.
pub async fn outcomes<'e, E: Executor<'e, Database = Engine>>(
    db: E,
    org: Option<&OrgId>,
) -> ApiResult<Vec<crate::copilot::report::Outcome>> {
    let rows: Vec<OutcomeRow> = sqlx::query_as(
        "SELECT s.sources, s.status, a.name AS agent, tp.edit_distance, s.withheld IS NOT NULL AS withheld \
         FROM suggestions s \
         LEFT JOIN agents a ON a.id = s.resolved_by \
         LEFT JOIN training_pairs tp ON tp.suggestion_id = s.id \
         WHERE ($1 IS NULL OR s.org_id = $1) ORDER BY s.created_at",
    )
    .bind(org.map(OrgId::as_str))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| crate::copilot::report::Outcome {
            sources: json_or_default(&r.sources, "suggestions.sources"),
            status: r.status,
            agent: r.agent,
            edit_distance: r.edit_distance,
            withheld: r.withheld,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn the_distance_counts_characters_changed_and_gives_up_on_a_huge_difference() {
        assert_eq!(edit_distance("Hi Ana, it ships today.", "  Hi Ana, it ships today.\n"), Some(0));
        assert_eq!(edit_distance("Hi Ana, it ships today.", "Hi Ana, it ships tomorrow."), Some(6));
        assert_eq!(edit_distance("kitten", "sitting"), Some(3));
        // A log pasted against a draft: not measured in the writer.
        let draft = "x".repeat(3_000);
        let pasted = format!("{}{}", "y".repeat(2_000), "z".repeat(2_000));
        assert_eq!(edit_distance(&draft, &pasted), None);
        // The same long text with a small change is measured: only the middle counts.
        let long = "a".repeat(100_000);
        assert_eq!(edit_distance(&long, &format!("{long}!")), Some(1));
    }
}
