//! Changes to a conversation's state, as data: one [`Change`] enum serves the
//! per-conversation endpoints and bulk alike. Each change updates the row, leaves an
//! event line in the thread where a person would want one, and emits
//! `conversation_updated`.

use jiff::Timestamp;
use sqlx::AssertSqlSafe;

use crate::error::{ApiError, ApiResult};
pub use frontdesk_domain::Change;
use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{Agent, AgentId, AiState, Conversation, ConversationId, EventKind, OrgId, Status};

use super::WriteCtx;
use super::conversations::get;
use super::messages::{event_line, human_until, require_future};
use super::orgs::agent;
use super::to_ms;

/// Longest tag, and most tags on one conversation.
const MAX_TAG_LEN: usize = 64;
const MAX_TAGS: usize = 32;

/// Applies `change` to conversation `id` on behalf of `actor`.
// One arm per change: the match is the table of what each does, and reads best whole.
#[allow(clippy::too_many_lines)]
pub async fn apply(
    w: &mut WriteCtx,
    org: &OrgId,
    actor: &Agent,
    id: &ConversationId,
    change: &Change,
) -> ApiResult<Conversation> {
    let before = get(w.conn(), org, id).await?;
    let now = Timestamp::now();
    let line = match change {
        Change::Star => set(w, org, id, "starred = TRUE").await.map(|()| None)?,
        Change::Unstar => set(w, org, id, "starred = FALSE").await.map(|()| None)?,
        Change::Read => set(w, org, id, "unread = FALSE").await.map(|()| None)?,
        Change::Unread => set(w, org, id, "unread = TRUE").await.map(|()| None)?,
        Change::Archive => {
            set(w, org, id, "archived = TRUE").await?;
            Some("Archived".to_owned())
        }
        Change::Unarchive => {
            set(w, org, id, "archived = FALSE").await?;
            Some("Unarchived".to_owned())
        }
        Change::Close => {
            set(w, org, id, "status = 'closed', snoozed_until = NULL").await?;
            w.reschedule();
            (before.status != Status::Closed).then(|| "Closed".to_owned())
        }
        Change::Reopen => {
            set(w, org, id, "status = 'open', snoozed_until = NULL").await?;
            w.reschedule();
            (before.status != Status::Open).then(|| "Reopened".to_owned())
        }
        Change::Pending => {
            set(w, org, id, "status = 'pending', snoozed_until = NULL").await?;
            w.reschedule();
            (before.status != Status::Pending).then(|| "Marked pending".to_owned())
        }
        Change::Snooze { until } => {
            require_future(*until, now)?;
            sqlx::query("UPDATE conversations SET status = 'snoozed', snoozed_until = $1, updated_at = $2 WHERE org_id = $3 AND id = $4")
                .bind(to_ms(*until))
                .bind(to_ms(now))
                .bind(org.as_str())
                .bind(id.as_str())
                .execute(w.conn())
                .await?;
            w.reschedule();
            Some(format!("Snoozed until {}", human_until(*until)))
        }
        Change::Assign { agent_id: Some(agent_id), team } => {
            let assignee = agent(w.conn(), org, agent_id).await?;
            let team = team.as_deref().map(sanitize_line).or_else(|| assignee.team.clone());
            sqlx::query(
                "UPDATE conversations SET assignee_id = $1, team = $2, updated_at = $3 WHERE org_id = $4 AND id = $5",
            )
            .bind(assignee.id.as_str())
            .bind(team)
            .bind(to_ms(now))
            .bind(org.as_str())
            .bind(id.as_str())
            .execute(w.conn())
            .await?;
            (before.assignee.as_ref().map(|a| &a.id) != Some(&assignee.id)).then(|| {
                if assignee.id == actor.id {
                    "Assigned to themselves".to_owned()
                } else {
                    format!("Assigned to {}", assignee.name)
                }
            })
        }
        Change::Assign { agent_id: None, team: Some(team) } => {
            sqlx::query(
                "UPDATE conversations SET assignee_id = NULL, team = $1, updated_at = $2 WHERE org_id = $3 AND id = $4",
            )
            .bind(sanitize_line(team))
            .bind(to_ms(now))
            .bind(org.as_str())
            .bind(id.as_str())
            .execute(w.conn())
            .await?;
            Some(format!("Assigned to team {}", sanitize_line(team)))
        }
        Change::Assign { agent_id: None, team: None } | Change::Unassign => {
            set(w, org, id, "assignee_id = NULL").await?;
            before.assignee.as_ref().map(|a| format!("Unassigned from {}", a.name))
        }
        Change::SetTags { tags } => {
            write_tags(w, org, id, clean_tags(tags)?, now).await?;
            None
        }
        Change::AddTags { tags } => {
            let mut all = before.tags.clone();
            all.extend(clean_tags(tags)?);
            write_tags(w, org, id, clean_tags(&all)?, now).await?;
            None
        }
        Change::RemoveTags { tags } => {
            let drop = clean_tags(tags)?;
            let kept: Vec<String> = before.tags.iter().filter(|t| !drop.contains(t)).cloned().collect();
            write_tags(w, org, id, kept, now).await?;
            None
        }
        Change::SetPriority { priority } => {
            sqlx::query("UPDATE conversations SET priority = $1, updated_at = $2 WHERE org_id = $3 AND id = $4")
                .bind(priority.as_str())
                .bind(to_ms(now))
                .bind(org.as_str())
                .bind(id.as_str())
                .execute(w.conn())
                .await?;
            (before.priority != *priority).then(|| format!("Priority set to {}", priority.as_str()))
        }
        Change::RequestHandoff { reason } => {
            if before.ai_state != AiState::AiLed {
                return Err(ApiError::conflict(
                    "NOT_AI_LED",
                    "only a conversation led by an AI agent can ask for a human",
                ));
            }
            set(w, org, id, "ai_state = 'handoff_requested'").await?;
            let who = before.ai_agent.as_deref().unwrap_or("The AI agent");
            Some(match reason.as_deref().map(sanitize_line).filter(|r| !r.is_empty()) {
                Some(r) => format!("{who} asked for a human: {r}"),
                None => format!("{who} asked for a human"),
            })
        }
        Change::Handoff { reason } => {
            if before.ai_state == AiState::Human {
                return Err(ApiError::conflict("NOT_AI_LED", "this conversation is not led by an AI agent"));
            }
            // The human has it now: the AI pauses, and the conversation is theirs if
            // nobody held it.
            set(w, org, id, "ai_state = 'human'").await?;
            if before.assignee.is_none() {
                assign_to(w, org, id, &actor.id).await?;
            }
            let from = before.ai_agent.as_deref().unwrap_or("the AI agent");
            Some(match reason.as_deref().map(sanitize_line).filter(|r| !r.is_empty()) {
                Some(r) => format!("Took over from {from}: {r}"),
                None => format!("Took over from {from}"),
            })
        }
        Change::ResolveHandoff => {
            let Some(ai) = before.ai_agent.clone().filter(|_| before.ai_state != AiState::AiLed) else {
                return Err(ApiError::conflict("NO_HANDOFF", "this conversation has no AI handoff to resolve"));
            };
            set(w, org, id, "ai_state = 'ai_led'").await?;
            Some(format!("Handed back to {ai}"))
        }
    };
    if let Some(text) = line {
        // The AI agent's own request is not something the calling agent did.
        let by = if matches!(change, Change::RequestHandoff { .. }) { None } else { Some(actor) };
        event_line(w, org, id, by, text).await?;
    }
    let after = get(w.conn(), org, id).await?;
    w.emit(org, EventKind::ConversationUpdated(Box::new(after.clone()))).await?;
    Ok(after)
}

async fn assign_to(w: &mut WriteCtx, org: &OrgId, id: &ConversationId, agent: &AgentId) -> ApiResult<()> {
    sqlx::query("UPDATE conversations SET assignee_id = $1 WHERE org_id = $2 AND id = $3")
        .bind(agent.as_str())
        .bind(org.as_str())
        .bind(id.as_str())
        .execute(w.conn())
        .await?;
    Ok(())
}

/// Sets columns given as trusted SQL (never user input) and bumps `updated_at`.
async fn set(w: &mut WriteCtx, org: &OrgId, id: &ConversationId, assignments: &'static str) -> ApiResult<()> {
    let sql = format!("UPDATE conversations SET {assignments}, updated_at = $1 WHERE org_id = $2 AND id = $3");
    sqlx::query(AssertSqlSafe(sql))
        .bind(to_ms(Timestamp::now()))
        .bind(org.as_str())
        .bind(id.as_str())
        .execute(w.conn())
        .await?;
    Ok(())
}

async fn write_tags(
    w: &mut WriteCtx,
    org: &OrgId,
    id: &ConversationId,
    tags: Vec<String>,
    now: Timestamp,
) -> ApiResult<()> {
    sqlx::query("UPDATE conversations SET tags = $1, updated_at = $2 WHERE org_id = $3 AND id = $4")
        .bind(serde_json::to_string(&tags)?)
        .bind(to_ms(now))
        .bind(org.as_str())
        .bind(id.as_str())
        .execute(w.conn())
        .await?;
    Ok(())
}

/// Tags are trimmed, lower-cased, deduplicated and kept in first-seen order.
fn clean_tags(tags: &[String]) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = sanitize_line(tag).trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > MAX_TAG_LEN {
            return Err(ApiError::invalid("tags", format!("a tag may be at most {MAX_TAG_LEN} characters")));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(ApiError::invalid("tags", format!("at most {MAX_TAGS} tags per conversation")));
    }
    Ok(out)
}

/// Reopens every snoozed conversation whose time has come; returns how many.
pub async fn wake_snoozed(w: &mut WriteCtx, now: Timestamp) -> ApiResult<usize> {
    let due: Vec<(String, String)> = sqlx::query_as(
        "SELECT org_id, id FROM conversations WHERE status = 'snoozed' AND snoozed_until <= $1 ORDER BY snoozed_until LIMIT 500",
    )
    .bind(to_ms(now))
    .fetch_all(w.conn())
    .await?;
    for (org, id) in &due {
        let (org, id) = (OrgId::from(org.clone()), ConversationId::from(id.clone()));
        set(w, &org, &id, "status = 'open', snoozed_until = NULL, unread = TRUE").await?;
        event_line(w, &org, &id, None, "Snooze ended: back in the queue".to_owned()).await?;
        let after = get(w.conn(), &org, &id).await?;
        w.emit(&org, EventKind::ConversationUpdated(Box::new(after))).await?;
    }
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_cleaned_and_deduplicated() {
        let tags = clean_tags(&["  Refund ".into(), "refund".into(), String::new(), "VIP".into()]).ok();
        assert_eq!(tags, Some(vec!["refund".to_owned(), "vip".to_owned()]));
    }

    #[test]
    fn overlong_tags_are_refused() {
        assert!(clean_tags(&["x".repeat(65)]).is_err());
    }

    #[test]
    fn changes_read_as_tagged_json() {
        let c: Change =
            serde_json::from_str(r#"{"type":"snooze","until":"2030-01-01T09:00:00Z"}"#).unwrap_or(Change::Star);
        assert!(matches!(c, Change::Snooze { .. }));
        let c: Change = serde_json::from_str(r#"{"type":"assign","agent_id":null}"#).unwrap_or(Change::Star);
        assert_eq!(c, Change::Assign { agent_id: None, team: None });
    }
}
