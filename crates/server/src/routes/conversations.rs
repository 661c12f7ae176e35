//! Conversations: listing with filters and cursors, one by id, and every change to
//! one (or many, in bulk).

use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorEnvelope};
use crate::extract::{JsonBody, Query};
use crate::store::ListSpec;
use frontdesk_domain::Change;
use frontdesk_domain::{
    AgentId, AiState, AssigneeFilter, Channel, Conversation, ConversationId, Page, Presence, PresenceState, Priority,
    Status, ViewFilter,
};

use super::respond::page_limit;

/// Filters for listing. Lists take comma-separated values (`status=open,pending`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A view id: `unread`, `starred`, `mine`, `all`, `overdue`, or a saved view's id.
    pub view: Option<String>,
    /// `mine` (assigned to me) or `team` (my team's).
    pub scope: Option<String>,
    /// Statuses: open, pending, snoozed, closed.
    pub status: Option<String>,
    /// `me`, `unassigned`, or an agent id.
    pub assignee: Option<String>,
    /// Any of these tags.
    pub tag: Option<String>,
    /// Channels: sms, whatsapp, email, web, voice, api.
    pub channel: Option<String>,
    pub starred: Option<bool>,
    pub unread: Option<bool>,
    /// `ai_led`, `handoff_requested` or human.
    pub ai_state: Option<String>,
    /// Archived conversations instead of live ones.
    pub archived: Option<bool>,
    /// Full text over subject, contact and messages.
    pub q: Option<String>,
    /// Only conversations changed after this time (RFC 3339), oldest change first:
    /// the feed a poller follows.
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_since: Option<Timestamp>,
    /// A page's `next_cursor` (the page below it) or `prev_cursor` (the page above).
    pub cursor: Option<String>,
    /// `end`: the view's last page (its oldest activity), for a client going to
    /// the bottom without reading every page; the pages above follow from its
    /// `prev_cursor`. Not with a cursor, `updated_since` or `sort=urgency`.
    pub from: Option<String>,
    /// Page size, at most 100 (default 50).
    pub limit: Option<u32>,
    /// `activity` (newest activity first, the default) or `urgency`: SLA breached,
    /// then at risk, then the longest-waiting customer; one page, no cursor.
    pub sort: Option<String>,
}

fn csv<T>(field: &str, value: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> ApiResult<Vec<T>> {
    let Some(value) = value else { return Ok(Vec::new()) };
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| ApiError::invalid(field, format!("{field}: unknown value {s:?}"))))
        .collect()
}

/// The view's filter narrowed by the explicit parameters.
async fn resolve_filter(st: &AppState, caller: &Caller, p: &ListParams) -> ApiResult<ViewFilter> {
    let mut f = match p.view.as_deref() {
        Some(v) => st.db.view_filter(&caller.org, v).await?,
        None => ViewFilter::default(),
    };
    match p.scope.as_deref() {
        None => {}
        Some("mine") => f.assignee = Some(AssigneeFilter::Me),
        Some("team") => f.team = Some("mine".to_owned()),
        Some(other) => {
            return Err(ApiError::invalid("scope", format!("scope: unknown value {other:?} (mine or team)")));
        }
    }
    let status = csv("status", p.status.as_deref(), Status::parse)?;
    if !status.is_empty() {
        f.status = status;
    }
    if let Some(a) = p.assignee.as_deref() {
        f.assignee = Some(match a {
            "me" => AssigneeFilter::Me,
            "unassigned" | "none" => AssigneeFilter::Unassigned,
            id => AssigneeFilter::Agent(id.to_owned()),
        });
    }
    let tags = csv("tag", p.tag.as_deref(), |t| Some(t.to_lowercase()))?;
    if !tags.is_empty() {
        f.tags = tags;
    }
    let channels = csv("channel", p.channel.as_deref(), Channel::parse)?;
    if !channels.is_empty() {
        f.channels = channels;
    }
    f.starred = p.starred.or(f.starred);
    f.unread = p.unread.or(f.unread);
    if let Some(state) = p.ai_state.as_deref() {
        f.ai_state = Some(
            AiState::parse(state)
                .ok_or_else(|| ApiError::invalid("ai_state", format!("ai_state: unknown value {state:?}")))?,
        );
    }
    if let Some(archived) = p.archived {
        f.archived = archived;
    }
    if let Some(q) = p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        f.q = Some(q.to_owned());
    }
    Ok(f)
}

/// Lists conversations, latest activity first (or oldest change first with
/// `updated_since`).
#[utoipa::path(get, path = "/v1/conversations", tag = "conversations", params(ListParams),
    responses((status = 200, body = Page<Conversation>), (status = 400, body = ErrorEnvelope),
              (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Page<Conversation>>> {
    let filter = resolve_filter(&st, &caller, &p).await?;
    let spec = ListSpec {
        org: &caller.org,
        me: &caller.agent.id,
        my_team: caller.agent.team.as_deref(),
        filter: &filter,
        updated_since: p.updated_since,
        cursor: p.cursor.as_deref(),
        from_end: match p.from.as_deref() {
            None | Some("start") => false,
            Some("end") => true,
            Some(other) => {
                return Err(ApiError::invalid("from", format!("from: unknown value {other:?} (start or end)")));
            }
        },
        limit: page_limit(p.limit, 50),
        now: Timestamp::now(),
        urgent: match p.sort.as_deref() {
            None | Some("activity") => false,
            Some("urgency") => true,
            Some(other) => {
                return Err(ApiError::invalid("sort", format!("unknown sort '{other}': activity or urgency")));
            }
        },
    };
    Ok(Json(st.db.conversations(&spec).await?))
}

/// One conversation.
#[utoipa::path(get, path = "/v1/conversations/{id}", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope)))]
pub async fn get(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Conversation>> {
    Ok(Json(st.db.conversation(&caller.org, &ConversationId::from(id)).await?))
}

/// Applies one change on the writer.
pub async fn change(st: &AppState, caller: Caller, id: String, change: Change) -> ApiResult<Json<Conversation>> {
    let conversation = st
        .db
        .write(move |w| {
            Box::pin(async move { w.apply(&caller.org, &caller.agent, &ConversationId::from(id), &change).await })
        })
        .await?;
    Ok(Json(conversation))
}

macro_rules! simple_change {
    ($(#[$doc:meta])* $name:ident, $path:literal, $change:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "conversations", params(("id" = String, Path)),
            responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope)))]
        pub async fn $name(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Conversation>> {
            change(&st, caller, id, $change).await
        }
    };
}

simple_change!(/// Stars it.
    star, "/v1/conversations/{id}/star", Change::Star);
simple_change!(/// Removes the star.
    unstar, "/v1/conversations/{id}/unstar", Change::Unstar);
simple_change!(/// Marks it read.
    read, "/v1/conversations/{id}/read", Change::Read);
simple_change!(/// Marks it unread.
    unread, "/v1/conversations/{id}/unread", Change::Unread);
simple_change!(/// Archives it: out of every view but `archived=true` listings.
    archive, "/v1/conversations/{id}/archive", Change::Archive);
simple_change!(/// Brings it back from the archive.
    unarchive, "/v1/conversations/{id}/unarchive", Change::Unarchive);
simple_change!(/// Closes it (resolved).
    close, "/v1/conversations/{id}/close", Change::Close);
simple_change!(/// Reopens a closed, pending or snoozed conversation.
    reopen, "/v1/conversations/{id}/reopen", Change::Reopen);
simple_change!(/// Marks it pending: waiting on the customer.
    pending, "/v1/conversations/{id}/pending", Change::Pending);
simple_change!(/// Unassigns it.
    unassign, "/v1/conversations/{id}/unassign", Change::Unassign);

#[derive(Deserialize, ToSchema)]
pub struct SnoozeBody {
    /// When it reopens by itself (RFC 3339, in the future).
    #[schema(value_type = String, format = DateTime)]
    pub until: Timestamp,
}

/// Snoozes it until a time; it reopens by itself then, or when the customer writes.
#[utoipa::path(post, path = "/v1/conversations/{id}/snooze", tag = "conversations", params(("id" = String, Path)),
    request_body = SnoozeBody,
    responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn snooze(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<SnoozeBody>,
) -> ApiResult<Json<Conversation>> {
    change(&st, caller, id, Change::Snooze { until: b.until }).await
}

#[derive(Deserialize, ToSchema)]
pub struct AssignBody {
    /// The agent; null unassigns (or assigns to `team` alone).
    #[schema(value_type = Option<String>)]
    pub agent_id: Option<AgentId>,
    #[serde(default)]
    pub team: Option<String>,
}

/// Assigns it to an agent or a team.
#[utoipa::path(post, path = "/v1/conversations/{id}/assign", tag = "conversations", params(("id" = String, Path)),
    request_body = AssignBody,
    responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope)))]
pub async fn assign(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AssignBody>,
) -> ApiResult<Json<Conversation>> {
    change(&st, caller, id, Change::Assign { agent_id: b.agent_id, team: b.team }).await
}

#[derive(Deserialize, ToSchema)]
pub struct TagsBody {
    pub tags: Vec<String>,
}

/// Replaces its tags.
#[utoipa::path(put, path = "/v1/conversations/{id}/tags", tag = "conversations", params(("id" = String, Path)),
    request_body = TagsBody,
    responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn tags(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<TagsBody>,
) -> ApiResult<Json<Conversation>> {
    change(&st, caller, id, Change::SetTags { tags: b.tags }).await
}

#[derive(Deserialize, ToSchema)]
pub struct PriorityBody {
    pub priority: Priority,
}

/// Sets its priority.
#[utoipa::path(put, path = "/v1/conversations/{id}/priority", tag = "conversations", params(("id" = String, Path)),
    request_body = PriorityBody,
    responses((status = 200, body = Conversation), (status = 404, body = ErrorEnvelope)))]
pub async fn priority(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PriorityBody>,
) -> ApiResult<Json<Conversation>> {
    change(&st, caller, id, Change::SetPriority { priority: b.priority }).await
}

#[derive(Deserialize, ToSchema)]
pub struct PresenceBody {
    pub state: PresenceState,
}

/// Says the caller is viewing, typing in, or has left the conversation; others see
/// it on the event stream (not stored).
#[utoipa::path(post, path = "/v1/conversations/{id}/presence", tag = "conversations", params(("id" = String, Path)),
    request_body = PresenceBody,
    responses((status = 204), (status = 404, body = ErrorEnvelope)))]
pub async fn presence(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PresenceBody>,
) -> ApiResult<axum::http::StatusCode> {
    let id = ConversationId::from(id);
    st.db.conversation(&caller.org, &id).await?;
    let presence = Presence {
        conversation_id: id,
        agent_id: caller.agent.id.clone(),
        agent_name: caller.agent.name.clone(),
        state: b.state,
    };
    let event = frontdesk_domain::Event {
        id: None,
        at: Timestamp::now(),
        kind: frontdesk_domain::EventKind::Presence(presence),
    };
    st.db.publish_presence(&caller.org, serde_json::to_string(&event)?).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Most conversations one bulk request may change.
const MAX_BULK: usize = 500;

#[derive(Deserialize, ToSchema)]
pub struct BulkBody {
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<ConversationId>,
    pub action: Change,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct BulkItem {
    #[schema(value_type = String)]
    pub id: ConversationId,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Conversation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::error::ErrorBody>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct BulkResult {
    pub results: Vec<BulkItem>,
}

/// Applies one change to many conversations in one transaction. Each id succeeds or
/// fails on its own; the answer says which.
#[utoipa::path(post, path = "/v1/conversations/bulk", tag = "conversations", request_body = BulkBody,
    responses((status = 200, body = BulkResult), (status = 422, body = ErrorEnvelope)))]
pub async fn bulk(
    State(st): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<BulkBody>,
) -> ApiResult<Json<BulkResult>> {
    if b.ids.is_empty() || b.ids.len() > MAX_BULK {
        return Err(ApiError::invalid("ids", format!("ids must hold 1 to {MAX_BULK} conversation ids")));
    }
    let results = st
        .db
        .write(move |w| {
            Box::pin(async move {
                let mut results = Vec::with_capacity(b.ids.len());
                for id in b.ids {
                    let mark = w.begin_item().await?;
                    let outcome = w.apply(&caller.org, &caller.agent, &id, &b.action).await;
                    w.end_item(mark, outcome.is_ok()).await?;
                    results.push(match outcome {
                        Ok(c) => BulkItem { id, ok: true, conversation: Some(c), error: None },
                        Err(e) => BulkItem {
                            id,
                            ok: false,
                            conversation: None,
                            error: Some(crate::error::ErrorBody {
                                code: e.code.to_owned(),
                                message: e.message,
                                field: e.field,
                            }),
                        },
                    });
                }
                Ok(results)
            })
        })
        .await?;
    Ok(Json(BulkResult { results }))
}
