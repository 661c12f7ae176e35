//! Idempotency keys (as Stripe does them): the first successful answer to a key is
//! stored in the same transaction as the write it describes, and replayed for every
//! retry with that key. The same key with a different request is refused with 422.
//! Keys are kept at least 24 hours.

use jiff::Timestamp;

use crate::error::{ApiError, ApiResult};
use frontdesk_domain::OrgId;

use super::{WriteCtx, to_ms};
use crate::store::IdempotencyRecord as Stored;
use crate::store::keys::IDEMPOTENCY_RETENTION as RETENTION;

pub async fn lookup(w: &mut WriteCtx, org: &OrgId, key: &str, fingerprint: &str) -> ApiResult<Option<Stored>> {
    let row: Option<(String, i64, String)> =
        sqlx::query_as("SELECT request_hash, status, response FROM idempotency_keys WHERE org_id = $1 AND key = $2")
            .bind(org.as_str())
            .bind(key)
            .fetch_optional(w.conn())
            .await?;
    match row {
        None => Ok(None),
        Some((hash, _, _)) if hash != fingerprint => Err(ApiError {
            field: Some("Idempotency-Key".to_owned()),
            ..ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was used for a different request",
            )
        }),
        Some((_, status, body)) => Ok(Some(Stored { status: u16::try_from(status).unwrap_or(200), body })),
    }
}

pub async fn store(
    w: &mut WriteCtx,
    org: &OrgId,
    key: &str,
    fingerprint: &str,
    status: u16,
    body: &str,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (org_id, key, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org.as_str())
    .bind(key)
    .bind(fingerprint)
    .bind(i64::from(status))
    .bind(body)
    .bind(to_ms(Timestamp::now()))
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Forgets keys past retention; returns how many.
pub async fn prune(w: &mut WriteCtx, now: Timestamp) -> ApiResult<u64> {
    let cutoff = to_ms(now - RETENTION);
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(cutoff).execute(w.conn()).await?;
    Ok(done.rows_affected())
}
