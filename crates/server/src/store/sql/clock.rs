//! The questions the scheduler asks: when the next snooze ends, when the next SLA
//! deadline passes, which orgs just crossed one.

use super::engine::Pool;
use jiff::Timestamp;

use crate::error::ApiResult;
use frontdesk_domain::OrgId;

use super::{from_ms, to_ms};

pub async fn orgs_crossing_sla(pool: &Pool, from: Timestamp, to: Timestamp) -> ApiResult<Vec<OrgId>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM conversations WHERE sla_due_at > $1 AND sla_due_at <= $2 AND status IN ('open', 'pending')",
    )
    .bind(to_ms(from))
    .bind(to_ms(to))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(OrgId::from).collect())
}

pub async fn next_snooze(pool: &Pool) -> ApiResult<Option<Timestamp>> {
    // `snoozed_until IS NOT NULL` lets SQLite answer from the partial index.
    let snooze: Option<i64> = sqlx::query_scalar(
        "SELECT min(snoozed_until) FROM conversations WHERE snoozed_until IS NOT NULL AND status = 'snoozed'",
    )
    .fetch_one(pool)
    .await?;
    Ok(snooze.map(from_ms))
}

pub async fn next_sla_deadline(pool: &Pool, after: Timestamp) -> ApiResult<Option<Timestamp>> {
    let sla: Option<i64> = sqlx::query_scalar(
        "SELECT min(sla_due_at) FROM conversations WHERE sla_due_at > $1 AND status IN ('open', 'pending')",
    )
    .bind(to_ms(after))
    .fetch_one(pool)
    .await?;
    Ok(sla.map(from_ms))
}
