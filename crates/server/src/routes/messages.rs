//! A conversation's thread: reading it page by page, and sending replies and notes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorEnvelope};
use crate::extract::{Query, RawBody, parse_json};
use crate::store::Outgoing;
use frontdesk_domain::{Attachment, ConversationId, Message, MessageKind, Page, SuggestionId};

use super::respond::{idempotent, page_limit};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadParams {
    pub cursor: Option<String>,
    /// Page size, at most 100 (default 50).
    pub limit: Option<u32>,
    /// `asc` (oldest first, the default) or `desc` (newest first: open a long thread
    /// at its end and page back).
    pub order: Option<String>,
}

/// The thread, a page at a time.
#[utoipa::path(get, path = "/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = String, Path), ThreadParams),
    responses((status = 200, body = Page<Message>), (status = 404, body = ErrorEnvelope)))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<ThreadParams>,
) -> ApiResult<Json<Page<Message>>> {
    let newest_first = match p.order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => return Err(ApiError::invalid("order", format!("order: unknown value {other:?} (asc or desc)"))),
    };
    let page = st
        .db
        .thread(&caller.org, &ConversationId::from(id), p.cursor.as_deref(), page_limit(p.limit, 50), newest_first)
        .await?;
    Ok(Json(page))
}

#[derive(Deserialize, ToSchema, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SendKind {
    #[default]
    Reply,
    Note,
}

#[derive(Deserialize, ToSchema)]
pub struct SendBody {
    /// `reply` (to the customer, the default) or `note` (internal).
    #[serde(default)]
    pub kind: SendKind,
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Set when this reply sends (possibly edited) a copilot suggestion.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub suggestion_id: Option<SuggestionId>,
}

/// Sends a reply or an internal note. With an `Idempotency-Key` header, a retry
/// replays the first answer instead of sending twice.
#[utoipa::path(post, path = "/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body = SendBody,
    responses((status = 201, body = Message), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
              (status = 413, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn send(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(raw): RawBody,
) -> ApiResult<Response> {
    let body: SendBody = parse_json(&raw)?;
    let route = format!("messages:{id}");
    let (org, agent) = (caller.org.clone(), caller.agent.clone());
    idempotent(&st, &caller, &headers, &route, &raw, StatusCode::CREATED, move |w| {
        Box::pin(async move {
            let kind = match body.kind {
                SendKind::Reply => MessageKind::Reply,
                SendKind::Note => MessageKind::Note,
            };
            let out = Outgoing { kind, body: body.body, attachments: body.attachments, suggestion: body.suggestion_id };
            w.send(&org, &agent, &ConversationId::from(id), out).await
        })
    })
    .await
}
