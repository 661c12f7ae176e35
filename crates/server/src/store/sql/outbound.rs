//! What agents send: replies and internal notes. A reply sent while a copilot
//! suggestion is pending resolves it (sent as drafted, or edited) and records the
//! pair for training.

use jiff::Timestamp;

use crate::error::{ApiError, ApiResult};
use frontdesk_domain::text::sanitize;
use frontdesk_domain::{
    Agent, Author, AuthorKind, ConversationId, EventKind, Message, MessageKind, OrgId, SuggestionStatus,
};

use super::WriteCtx;
use super::conversations::get;
use super::messages::insert;
use super::suggestions;
use crate::store::{NewMessage, Outgoing};

pub async fn send(
    w: &mut WriteCtx,
    org: &OrgId,
    agent: &Agent,
    conversation: &ConversationId,
    out: Outgoing,
) -> ApiResult<Message> {
    if !matches!(out.kind, MessageKind::Reply | MessageKind::Note) {
        return Err(ApiError::invalid("kind", "kind must be reply or note"));
    }
    let mut body = sanitize(&out.body);
    if body.trim().is_empty() && out.attachments.is_empty() {
        return Err(ApiError::invalid("body", "body must not be empty"));
    }
    get(w.conn(), org, conversation).await?;
    if out.suggestion.is_some() && out.kind == MessageKind::Reply {
        // A draft is signed by whoever asked for it; it goes out under the sender.
        let colleagues: Vec<String> = super::orgs::agents(w.conn(), org)
            .await?
            .into_iter()
            .map(|a| a.name)
            .filter(|n| *n != agent.name)
            .collect();
        // Drafts hold the sender's placeholder; older ones a name.
        body = crate::copilot::fill::sign(&body, &agent.name);
        body = crate::copilot::fill::resign(&body, &agent.name, &colleagues);
    }
    let pending = suggestions::pending_for(w.conn(), org, conversation).await?;
    if let Some(asked) = &out.suggestion
        && pending.as_ref().map(|p| &p.id) != Some(asked)
    {
        // Sent, dismissed or superseded already: sending it again would double-send.
        let current = suggestions::get(w.conn(), org, asked).await?;
        return Err(ApiError::conflict(
            "SUGGESTION_RESOLVED",
            format!("this suggestion was already {}", current.status.as_str()),
        ));
    }
    let message = insert(
        w,
        org,
        NewMessage {
            conversation_id: conversation.clone(),
            author: Author { kind: AuthorKind::Agent, id: Some(agent.id.0.to_string()), name: agent.name.clone() },
            kind: out.kind,
            body,
            attachments: out.attachments,
            call: None,
            at: Timestamp::now(),
            provider_message_id: None,
        },
    )
    .await?;
    if out.kind == MessageKind::Reply
        && let Some(pending) = pending.as_ref().filter(|p| p.withheld.is_some())
    {
        // The copilot had no draft: the reply is the agent's own, not an edit of one.
        suggestions::retire(w, org, &pending.id, agent).await?;
    } else if out.kind == MessageKind::Reply
        && let Some(pending) = pending
    {
        let drafted = crate::copilot::fill::sign(&pending.body, &agent.name);
        let as_drafted = out.suggestion.as_ref() == Some(&pending.id) && drafted.trim() == message.body.trim();
        suggestions::record_pair(w, org, &pending, &message.body, agent).await?;
        let status = if as_drafted { SuggestionStatus::Sent } else { SuggestionStatus::Edited };
        suggestions::resolve(w, org, &pending.id, status, Some(agent)).await?;
    }
    let after = get(w.conn(), org, conversation).await?;
    w.emit(org, EventKind::ConversationUpdated(Box::new(after))).await?;
    w.reschedule();
    Ok(message)
}
