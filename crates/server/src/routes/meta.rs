//! Who am I, the team, and the org's SLA target.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorEnvelope};
use crate::extract::JsonBody;
use frontdesk_domain::{Agent, AgentRole, BuiltinView, OrgId};

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub agent: Agent,
    pub org_id: OrgId,
    pub org_name: String,
}

/// The agent the key belongs to, and its org.
#[utoipa::path(get, path = "/v1/me", tag = "meta",
    responses((status = 200, body = Me), (status = 401, body = ErrorEnvelope)))]
pub async fn me(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let name = st.db.org_name(&caller.org).await?;
    Ok(Json(Me { agent: caller.agent, org_id: caller.org, org_name: name }))
}

/// Everyone on the team, by name.
#[utoipa::path(get, path = "/v1/agents", tag = "meta",
    responses((status = 200, body = Vec<Agent>), (status = 401, body = ErrorEnvelope)))]
pub async fn agents(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Agent>>> {
    Ok(Json(st.db.agents(&caller.org).await?))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Sla {
    /// The first-response target, in seconds.
    pub first_response_secs: i64,
    /// Conversations past it now.
    #[serde(default)]
    pub overdue: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct SetSla {
    pub first_response_secs: i64,
}

/// The org's first-response target and how many conversations are past it.
#[utoipa::path(get, path = "/v1/sla", tag = "views",
    responses((status = 200, body = Sla), (status = 401, body = ErrorEnvelope)))]
pub async fn sla_get(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Sla>> {
    let first_response_secs = st.db.first_response_secs(&caller.org).await?;
    let filter = BuiltinView::Overdue.filter();
    let overdue = st.db.count_matching(&caller.org, &filter, &caller.agent.id, jiff::Timestamp::now()).await?;
    Ok(Json(Sla { first_response_secs, overdue }))
}

/// Sets the first-response target (admins only); running SLA clocks move with it.
#[utoipa::path(put, path = "/v1/sla", tag = "views", request_body = SetSla,
    responses((status = 200, body = Sla), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn sla_put(
    State(st): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<SetSla>,
) -> ApiResult<Json<Sla>> {
    if caller.agent.role != AgentRole::Admin {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "only an admin may change the SLA target",
        ));
    }
    if !(60..=30 * 24 * 3600).contains(&body.first_response_secs) {
        return Err(ApiError::invalid("first_response_secs", "first_response_secs must be between 60 and 2592000"));
    }
    let org = caller.org.clone();
    let secs = body.first_response_secs;
    st.db
        .write(move |w| {
            Box::pin(async move {
                w.set_first_response_secs(&org, secs).await?;
                w.touch(&org);
                w.reschedule();
                Ok(())
            })
        })
        .await?;
    sla_get(State(st), caller).await
}
