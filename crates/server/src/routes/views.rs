//! Views and their counts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::counts;
use crate::error::{ApiResult, ErrorEnvelope};
use crate::extract::JsonBody;
use frontdesk_domain::{View, ViewCount, ViewFilter, ViewWithCount};

/// Every view (built-ins first) with its count as the caller sees it.
#[utoipa::path(get, path = "/v1/views", tag = "views",
    responses((status = 200, body = Vec<ViewWithCount>), (status = 401, body = ErrorEnvelope)))]
pub async fn list(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ViewWithCount>>> {
    let all = st.db.views(&caller.org).await?;
    let counts = counts::current(&st.db, &st.hub, &caller.org).await?.for_agent(&caller.agent.id);
    Ok(Json(
        all.into_iter()
            .map(|view| {
                let count = counts.iter().find(|c| c.view_id == view.id).map_or(0, |c| c.count);
                ViewWithCount { view, count }
            })
            .collect(),
    ))
}

/// Every view's count, as the caller sees it.
#[utoipa::path(get, path = "/v1/views/counts", tag = "views",
    responses((status = 200, body = Vec<ViewCount>), (status = 401, body = ErrorEnvelope)))]
pub async fn counts(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ViewCount>>> {
    Ok(Json(counts::current(&st.db, &st.hub, &caller.org).await?.for_agent(&caller.agent.id)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewView {
    pub name: String,
    #[serde(default)]
    pub filter: ViewFilter,
}

/// Saves a view for the whole team.
#[utoipa::path(post, path = "/v1/views", tag = "views", request_body = NewView,
    responses((status = 201, body = View), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<NewView>,
) -> ApiResult<(StatusCode, Json<View>)> {
    let org = caller.org;
    let view = st
        .db
        .write(move |w| {
            Box::pin(async move {
                let view = w.create_view(&org, &b.name, &b.filter).await?;
                w.touch(&org);
                Ok(view)
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, ToSchema)]
pub struct ViewPatch {
    pub name: Option<String>,
    pub filter: Option<ViewFilter>,
}

/// Renames a saved view or changes its filter. Built-in views answer 409.
#[utoipa::path(patch, path = "/v1/views/{id}", tag = "views", params(("id" = String, Path)), request_body = ViewPatch,
    responses((status = 200, body = View), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn update(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ViewPatch>,
) -> ApiResult<Json<View>> {
    let org = caller.org;
    let view = st
        .db
        .write(move |w| {
            Box::pin(async move {
                let view = w.update_view(&org, &id, b.name.as_deref(), b.filter.as_ref()).await?;
                w.touch(&org);
                Ok(view)
            })
        })
        .await?;
    Ok(Json(view))
}

/// Deletes a saved view. Built-in views answer 409.
#[utoipa::path(delete, path = "/v1/views/{id}", tag = "views", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn delete(State(st): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let org = caller.org;
    st.db
        .write(move |w| {
            Box::pin(async move {
                w.delete_view(&org, &id).await?;
                w.touch(&org);
                Ok(())
            })
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
