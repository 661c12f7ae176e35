//! The durable event log behind `GET /v1/events`: reading a backlog after a
//! `Last-Event-ID`, and pruning what is past retention (remembering how far, so a
//! client asking for a pruned id is told to resync instead of silently missing events).

use super::engine::Pool;
use jiff::{SignedDuration, Timestamp};

use crate::error::ApiResult;
use crate::hub::Published;
use frontdesk_domain::OrgId;

use super::{WriteCtx, to_ms};

/// The stored events of the org after number `after`, oldest first, at most `limit`.
pub async fn after(pool: &Pool, org: &OrgId, after: i64, limit: i64) -> ApiResult<Vec<Published>> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT seq, kind, payload FROM events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
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

/// The org's newest event number, and the highest it pruned (a `Last-Event-ID`
/// below that cannot be resumed).
pub async fn newest_and_pruned(pool: &Pool, org: &OrgId) -> ApiResult<(i64, i64)> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT last_seq, pruned_through FROM event_sequences WHERE org_id = $1")
            .bind(org.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(row.unwrap_or((0, 0)))
}

/// Deletes events older than `keep`; returns how many. Each org remembers the
/// highest number it lost.
pub async fn prune(w: &mut WriteCtx, now: Timestamp, keep: SignedDuration) -> ApiResult<u64> {
    let cutoff = to_ms(now - keep);
    sqlx::query(
        "UPDATE event_sequences SET pruned_through = \
             (SELECT max(v) FROM (SELECT event_sequences.pruned_through AS v UNION ALL \
              SELECT max(seq) FROM events e WHERE e.org_id = event_sequences.org_id AND e.created_at < $1) t) \
         WHERE EXISTS (SELECT 1 FROM events e WHERE e.org_id = event_sequences.org_id AND e.created_at < $1)",
    )
    .bind(cutoff)
    .execute(w.conn())
    .await?;
    // Each org loses a prefix of its log: everything up to the number recorded.
    let done = sqlx::query(
        "DELETE FROM events WHERE seq <= (SELECT pruned_through FROM event_sequences s WHERE s.org_id = events.org_id)",
    )
    .execute(w.conn())
    .await?;
    Ok(done.rows_affected())
}
