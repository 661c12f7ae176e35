//! The durable event log behind `GET /v1/events`: reading a backlog after a
//! `Last-Event-ID`, and pruning what is past retention (remembering how far, so a
//! client asking for a pruned id is told to resync instead of silently missing events).

use jiff::{SignedDuration, Timestamp};
use sqlx::SqlitePool;

use crate::error::ApiResult;
use crate::hub::Published;
use frontdesk_domain::OrgId;

use super::{WriteCtx, to_ms};

const PRUNED_KEY: &str = "events_pruned_through";

/// The stored events of the org after `after`, oldest first, at most `limit`.
pub async fn after(pool: &SqlitePool, org: &OrgId, after: i64, limit: i64) -> ApiResult<Vec<Published>> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, kind, payload FROM events WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3")
            .bind(org.as_str())
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, payload)| Published::stored(org.clone(), id, static_name(&kind), payload))
        .collect())
}

/// Event names are a closed set; mapping them back to statics keeps `Published` cheap.
fn static_name(kind: &str) -> &'static str {
    const NAMES: [&str; 7] = [
        "message_created",
        "conversation_updated",
        "suggestion_created",
        "suggestion_resolved",
        "view_counts_changed",
        "presence",
        "resync",
    ];
    NAMES.into_iter().find(|n| *n == kind).unwrap_or("unknown")
}

/// The newest event id of all orgs (ids are global, so this is a safe resume point).
pub async fn newest_id(pool: &SqlitePool) -> ApiResult<i64> {
    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT max(id) FROM events").fetch_one(pool).await?.unwrap_or(0))
}

/// The highest id ever pruned: a `Last-Event-ID` below it cannot be resumed.
pub async fn pruned_through(pool: &SqlitePool) -> ApiResult<i64> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(PRUNED_KEY).fetch_optional(pool).await?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Deletes events older than `keep`; returns how many.
pub async fn prune(w: &mut WriteCtx, now: Timestamp, keep: SignedDuration) -> ApiResult<u64> {
    let cutoff = to_ms(now - keep);
    let newest_old: Option<i64> =
        sqlx::query_scalar("SELECT max(id) FROM events WHERE created_at < $1").bind(cutoff).fetch_one(w.conn()).await?;
    let Some(through) = newest_old else { return Ok(0) };
    let done = sqlx::query("DELETE FROM events WHERE id <= $1").bind(through).execute(w.conn()).await?;
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(PRUNED_KEY)
        .bind(through.to_string())
        .execute(w.conn())
        .await?;
    Ok(done.rows_affected())
}
