//! The copilot and AI handoff: drafting a suggestion, listing them, sending or
//! dismissing one, and moving a conversation between its AI agent and a human.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::copilot::{ContextMessage, SuggestContext};
use crate::error::{ApiError, ApiResult, ErrorEnvelope};
use crate::extract::{Query, RawBody, parse_optional_json};
use crate::store::{NewSuggestion, Outgoing};
use frontdesk_domain::Change;
use frontdesk_domain::{
    Conversation, ConversationId, Message, MessageKind, Suggestion, SuggestionId, SuggestionStatus,
};

use super::conversations::change;
use super::respond::{idempotent, page_limit};

/// How much of the thread the copilot reads.
const CONTEXT_MESSAGES: u32 = 30;

/// Drafts a reply and next-best actions for the conversation, replacing any pending
/// suggestion.
#[utoipa::path(post, path = "/v1/conversations/{id}/copilot/suggest", tag = "copilot", params(("id" = String, Path)),
    responses((status = 201, body = Suggestion), (status = 404, body = ErrorEnvelope), (status = 502, body = ErrorEnvelope)))]
pub async fn suggest(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Suggestion>)> {
    let id = ConversationId::from(id);
    let conversation = st.db.conversation(&caller.org, &id).await?;
    let mut recent = st.db.thread(&caller.org, &id, None, CONTEXT_MESSAGES, true).await?.items;
    recent.reverse();
    // What was already offered since the customer last wrote: asked again (`c`),
    // the next-best article, not the same draft.
    let asked_at =
        recent.iter().rev().find(|m| m.author.kind == frontdesk_domain::AuthorKind::Contact).map(|m| m.created_at);
    let given: Vec<String> = st
        .db
        .suggestions(&caller.org, None, Some(&id), 20)
        .await?
        .into_iter()
        .filter(|s| asked_at.is_none_or(|at| s.created_at >= at))
        .flat_map(|s| s.sources)
        .collect();
    let ctx = SuggestContext {
        contact_name: conversation.contact.name.clone(),
        agent_name: caller.agent.name.clone(),
        channel: conversation.channel,
        subject: conversation.subject.clone(),
        messages: recent
            .into_iter()
            .filter(|m| m.kind != MessageKind::Event)
            .map(|m| {
                let summary = m.call.as_ref().and_then(|c| c.summary.as_deref());
                ContextMessage::read(m.author.kind, m.kind, &m.body, summary)
            })
            .collect(),
    };
    // Drafting may take seconds (an LLM): it runs outside the writer.
    let draft = st
        .copilot
        .suggest_other_than(&ctx, &given)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "COPILOT_FAILED", e.to_string()))?;
    let org = caller.org;
    let suggestion = st
        .db
        .write(move |w| Box::pin(async move { w.create_suggestion(&org, &id, NewSuggestion::from(draft)).await }))
        .await?;
    Ok((StatusCode::CREATED, Json(suggestion)))
}

/// The conversation's suggestions, newest first.
#[utoipa::path(get, path = "/v1/conversations/{id}/suggestions", tag = "copilot", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Suggestion>), (status = 404, body = ErrorEnvelope)))]
pub async fn for_conversation(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Suggestion>>> {
    let id = ConversationId::from(id);
    st.db.conversation(&caller.org, &id).await?;
    Ok(Json(st.db.suggestions(&caller.org, None, Some(&id), 100).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionParams {
    /// pending (default), sent, edited, dismissed, superseded, or `any`.
    pub status: Option<String>,
    pub limit: Option<u32>,
}

/// The org's suggestions, newest first: by default the pending ones.
#[utoipa::path(get, path = "/v1/suggestions", tag = "copilot", params(SuggestionParams),
    responses((status = 200, body = Vec<Suggestion>), (status = 422, body = ErrorEnvelope)))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(p): Query<SuggestionParams>,
) -> ApiResult<Json<Vec<Suggestion>>> {
    let status = match p.status.as_deref() {
        None => Some(SuggestionStatus::Pending),
        Some("any") => None,
        Some(s) => Some(
            SuggestionStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", format!("status: unknown value {s:?}")))?,
        ),
    };
    Ok(Json(st.db.suggestions(&caller.org, status, None, page_limit(p.limit, 100)).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct SendSuggestion {
    /// The text to send, when the agent edited the draft; the draft otherwise.
    #[serde(default)]
    pub body: Option<String>,
}

/// Sends the suggestion as a reply (as drafted, or edited). Idempotent with an
/// `Idempotency-Key`; a suggestion already resolved answers 409.
#[utoipa::path(post, path = "/v1/suggestions/{id}/send", tag = "copilot",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body(content = Option<SendSuggestion>),
    responses((status = 201, body = Message), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn send(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(raw): RawBody,
) -> ApiResult<Response> {
    let body: SendSuggestion = parse_optional_json(&raw)?;
    let route = format!("suggestion:{id}");
    let (org, agent) = (caller.org.clone(), caller.agent.clone());
    idempotent(&st, &caller, &headers, &route, &raw, StatusCode::CREATED, move |w| {
        Box::pin(async move {
            let suggestion = w.suggestion(&org, &SuggestionId::from(id)).await?;
            if let Some(why) = &suggestion.withheld {
                return Err(ApiError::conflict(
                    "SUGGESTION_EMPTY",
                    format!("this suggestion has no draft to send: {why}"),
                ));
            }
            let out = Outgoing {
                kind: MessageKind::Reply,
                body: body.body.unwrap_or_else(|| suggestion.body.clone()),
                attachments: Vec::new(),
                suggestion: Some(suggestion.id.clone()),
            };
            w.send(&org, &agent, &suggestion.conversation_id, out).await
        })
    })
    .await
}

/// Dismisses the suggestion.
#[utoipa::path(post, path = "/v1/suggestions/{id}/dismiss", tag = "copilot", params(("id" = String, Path)),
    responses((status = 200, body = Suggestion), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn dismiss(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Suggestion>> {
    let (org, agent) = (caller.org, caller.agent);
    let suggestion = st
        .db
        .write(move |w| {
            Box::pin(async move {
                w.resolve_suggestion(&org, &SuggestionId::from(id), SuggestionStatus::Dismissed, Some(&agent)).await
            })
        })
        .await?;
    Ok(Json(suggestion))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct HandoffBody {
    #[serde(default)]
    pub reason: Option<String>,
}

/// A human takes the conversation over from its AI agent, which pauses.
#[utoipa::path(post, path = "/v1/conversations/{id}/handoff", tag = "copilot", params(("id" = String, Path)),
    request_body(content = Option<HandoffBody>),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn handoff(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawBody(raw): RawBody,
) -> ApiResult<Json<Conversation>> {
    let b: HandoffBody = parse_optional_json(&raw)?;
    change(&st, caller, id, Change::Handoff { reason: b.reason }).await
}

/// The AI agent asks for a human (for AI integrations).
#[utoipa::path(post, path = "/v1/conversations/{id}/handoff/request", tag = "copilot", params(("id" = String, Path)),
    request_body(content = Option<HandoffBody>),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn request_handoff(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawBody(raw): RawBody,
) -> ApiResult<Json<Conversation>> {
    let b: HandoffBody = parse_optional_json(&raw)?;
    change(&st, caller, id, Change::RequestHandoff { reason: b.reason }).await
}

/// Resolves the handoff: the AI pause ends and the AI agent leads again.
#[utoipa::path(post, path = "/v1/conversations/{id}/handoff/resolve", tag = "copilot", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn resolve_handoff(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Conversation>> {
    change(&st, caller, id, Change::ResolveHandoff).await
}
