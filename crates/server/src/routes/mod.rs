//! The native API under `/v1`: one file per resource. Every handler is registered
//! through utoipa-axum's `routes!`, so a route cannot exist without its `OpenAPI` entry
//! (served at `/v1/openapi.json`).

mod conversations;
mod copilot;
mod events;
mod inbound;
mod messages;
mod meta;
mod respond;
mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiError;
use super::extract::BodyLimit;

#[derive(OpenApi)]
#[openapi(
    info(title = "frontdesk native API", description = "The reference inbox server of frontdesk."),
    modifiers(&Security),
    security(("bearer" = []), ("api_key" = [])),
    tags(
        (name = "conversations", description = "The queue and its threads"),
        (name = "views", description = "Built-in and saved views, counts, SLA"),
        (name = "copilot", description = "AI suggestions and handoff"),
        (name = "events", description = "Live updates (Server-Sent Events)"),
        (name = "inbound", description = "Customer messages from channels"),
        (name = "meta", description = "Who am I, the team, this document"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
    }
}

/// The API's routes with their `OpenAPI` document.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(meta::me))
        .routes(routes!(meta::agents))
        .routes(routes!(meta::sla_get, meta::sla_put))
        .routes(routes!(conversations::list))
        .routes(routes!(conversations::get))
        .routes(routes!(conversations::star))
        .routes(routes!(conversations::unstar))
        .routes(routes!(conversations::read))
        .routes(routes!(conversations::unread))
        .routes(routes!(conversations::archive))
        .routes(routes!(conversations::unarchive))
        .routes(routes!(conversations::close))
        .routes(routes!(conversations::reopen))
        .routes(routes!(conversations::pending))
        .routes(routes!(conversations::snooze))
        .routes(routes!(conversations::assign))
        .routes(routes!(conversations::unassign))
        .routes(routes!(conversations::tags))
        .routes(routes!(conversations::priority))
        .routes(routes!(conversations::presence))
        .routes(routes!(conversations::bulk))
        .routes(routes!(messages::list, messages::send))
        .routes(routes!(views::list, views::create))
        .routes(routes!(views::update, views::delete))
        .routes(routes!(views::counts))
        .routes(routes!(copilot::suggest))
        .routes(routes!(copilot::for_conversation))
        .routes(routes!(copilot::list))
        .routes(routes!(copilot::send))
        .routes(routes!(copilot::dismiss))
        .routes(routes!(copilot::handoff))
        .routes(routes!(copilot::request_handoff))
        .routes(routes!(copilot::resolve_handoff))
        .routes(routes!(events::stream))
        .routes(routes!(inbound::ingest))
}

/// The `OpenAPI` document, as served.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api().split_for_parts();
    doc.paths.paths.entry("/v1/openapi.json".to_owned()).or_default();
    doc
}

pub fn router(state: AppState) -> Router {
    let (router, mut doc) = api().split_for_parts();
    doc.paths.paths.entry("/v1/openapi.json".to_owned()).or_default();
    let doc = std::sync::Arc::new(doc);
    let limit = state.body_limit;
    router
        .route("/v1/openapi.json", axum::routing::get(move || async move { axum::Json(doc.as_ref().clone()) }))
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(|| async { ApiError::not_found("route") })
        .with_state(state)
        .layer(axum::Extension(BodyLimit(limit)))
        .layer(DefaultBodyLimit::max(limit))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "internal server error").into_response()
        }))
        .layer(axum::middleware::map_response(super::refusals::envelope))
}
