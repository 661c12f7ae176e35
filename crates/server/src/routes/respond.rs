//! Shared pieces of handlers: clamping page sizes, parsing ids, and the idempotent
//! write that every sending endpoint goes through.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::store::{IdempotencyRecord, Tx, keys};
use futures::future::BoxFuture;

/// The most items a page may hold.
pub const MAX_LIMIT: u32 = 100;

#[must_use]
pub fn page_limit(limit: Option<u32>, default: u32) -> u32 {
    limit.unwrap_or(default).clamp(1, MAX_LIMIT)
}

/// A JSON answer from already-serialised text.
fn json_text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Runs `job` on the writer under the request's `Idempotency-Key`, if any: a retry
/// with the same key gets the first answer back (marked `Idempotent-Replayed: true`)
/// and writes nothing.
pub async fn idempotent<T, F>(
    st: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    route: &str,
    raw: &[u8],
    status: StatusCode,
    job: F,
) -> ApiResult<Response>
where
    T: Serialize + Send + 'static,
    F: for<'c> FnOnce(&'c mut dyn Tx) -> BoxFuture<'c, ApiResult<T>> + Send + 'static,
{
    let key = headers.get("idempotency-key").map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    if let Some(k) = &key {
        keys::validate_idempotency_key(k)?;
    }
    let fingerprint = keys::fingerprint(route, raw);
    let org = caller.org.clone();
    let (replayed, code, body) = st
        .db
        .write(move |w| {
            Box::pin(async move {
                if let Some(k) = &key
                    && let Some(stored) = w.idempotency_lookup(&org, k, &fingerprint).await?
                {
                    return Ok((true, stored.status, stored.body));
                }
                let value = job(w).await?;
                let body = serde_json::to_string(&value)?;
                let record = IdempotencyRecord { status: status.as_u16(), body };
                if let Some(k) = &key {
                    w.idempotency_store(&org, k, &fingerprint, &record).await?;
                }
                Ok((false, record.status, record.body))
            })
        })
        .await?;
    let mut response = json_text(StatusCode::from_u16(code).unwrap_or(status), body);
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}
