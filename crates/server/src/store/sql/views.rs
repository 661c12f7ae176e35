//! Views: the five built in (computed, undeletable) and the org's saved ones.

use super::engine::{Conn, Engine};
use jiff::Timestamp;
use sqlx::Executor;

use crate::error::{ApiError, ApiResult};
use frontdesk_domain::{BuiltinView, OrgId, View, ViewFilter, ViewId, ViewKind};

use super::{found, to_ms};
use crate::store::json_or_default;

/// Every view of the org: built-ins first, then saved ones by name.
pub async fn all<'e, E: Executor<'e, Database = Engine>>(db: E, org: &OrgId) -> ApiResult<Vec<View>> {
    let mut views: Vec<View> = BuiltinView::ALL.into_iter().map(BuiltinView::view).collect();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, name, filter FROM saved_views WHERE org_id = $1 ORDER BY name, id")
            .bind(org.as_str())
            .fetch_all(db)
            .await?;
    views.extend(rows.into_iter().map(|(id, name, filter)| View {
        id: ViewId::from(id),
        name,
        kind: ViewKind::Saved,
        filter: json_or_default(&filter, "saved_views.filter"),
    }));
    Ok(views)
}

/// The filter of a view by id.
pub async fn filter<'e, E: Executor<'e, Database = Engine>>(db: E, org: &OrgId, id: &str) -> ApiResult<ViewFilter> {
    if let Some(builtin) = BuiltinView::parse(id) {
        return Ok(builtin.filter());
    }
    let row: Option<String> = sqlx::query_scalar("SELECT filter FROM saved_views WHERE org_id = $1 AND id = $2")
        .bind(org.as_str())
        .bind(id)
        .fetch_optional(db)
        .await?;
    found(row, "view").map(|f| json_or_default(&f, "saved_views.filter"))
}

fn check_name(name: &str) -> ApiResult<String> {
    let name = frontdesk_domain::text::sanitize_line(name);
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid("name", "a view name must be 1 to 80 characters"));
    }
    if BuiltinView::ALL.iter().any(|b| b.name().eq_ignore_ascii_case(&name)) {
        return Err(ApiError::conflict("VIEW_EXISTS", format!("{name} is a built-in view")));
    }
    Ok(name)
}

/// Two views of one name would be told apart by nobody in the sidebar.
async fn refuse_taken(conn: &mut Conn, org: &OrgId, name: &str, other_than: &str) -> ApiResult<()> {
    let taken: Option<String> =
        sqlx::query_scalar("SELECT id FROM saved_views WHERE org_id = $1 AND lower(name) = lower($2) AND id <> $3")
            .bind(org.as_str())
            .bind(name)
            .bind(other_than)
            .fetch_optional(conn)
            .await?;
    match taken {
        Some(_) => Err(ApiError::conflict("VIEW_EXISTS", format!("a view named {name} exists already"))),
        None => Ok(()),
    }
}

pub async fn create(conn: &mut Conn, org: &OrgId, name: &str, filter: &ViewFilter) -> ApiResult<View> {
    let name = check_name(name)?;
    refuse_taken(&mut *conn, org, &name, "").await?;
    let id = ViewId::generate();
    sqlx::query("INSERT INTO saved_views (id, org_id, name, filter, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.as_str())
        .bind(org.as_str())
        .bind(&name)
        .bind(serde_json::to_string(filter)?)
        .bind(to_ms(Timestamp::now()))
        .execute(conn)
        .await?;
    Ok(View { id, name, kind: ViewKind::Saved, filter: filter.clone() })
}

fn refuse_builtin(id: &str) -> ApiResult<()> {
    if BuiltinView::parse(id).is_some() {
        return Err(ApiError::conflict("BUILTIN_VIEW", format!("the built-in view {id} cannot be changed or deleted")));
    }
    Ok(())
}

pub async fn update(
    conn: &mut Conn,
    org: &OrgId,
    id: &str,
    name: Option<&str>,
    filter: Option<&ViewFilter>,
) -> ApiResult<View> {
    refuse_builtin(id)?;
    let name = name.map(check_name).transpose()?;
    if let Some(n) = &name {
        refuse_taken(&mut *conn, org, n, id).await?;
    }
    let filter = filter.map(serde_json::to_string).transpose()?;
    let done = sqlx::query(
        "UPDATE saved_views SET name = coalesce($1, name), filter = coalesce($2, filter) WHERE org_id = $3 AND id = $4",
    )
    .bind(name)
    .bind(filter)
    .bind(org.as_str())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found("view"));
    }
    all(&mut *conn, org).await?.into_iter().find(|v| v.id.as_str() == id).ok_or_else(|| ApiError::not_found("view"))
}

pub async fn delete(conn: &mut Conn, org: &OrgId, id: &str) -> ApiResult<()> {
    refuse_builtin(id)?;
    let done = sqlx::query("DELETE FROM saved_views WHERE org_id = $1 AND id = $2")
        .bind(org.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found("view"));
    }
    Ok(())
}
