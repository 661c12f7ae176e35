//! Who is calling: an API key (`Authorization: Bearer …` or `X-API-Key: …`) names an
//! agent of one org, and every query of the request is scoped to that org. Keys are
//! rate-limited each on their own.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use frontdesk_domain::{Agent, OrgId};

use super::AppState;
use super::db::orgs;
use super::error::ApiError;

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    pub org: OrgId,
    pub agent: Agent,
}

pub type Limiter = DefaultKeyedRateLimiter<String>;

/// How long a key's owner is remembered without asking the database again: a revoked
/// key stops working within this long. It spares every request a database round trip.
const KEY_TTL: Duration = Duration::from_secs(1);
/// Past this many remembered keys the cache starts over, so it cannot grow unbounded.
const KEY_CACHE_MAX: usize = 10_000;

/// Recently authenticated keys, by hash (never the key itself).
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Instant, Caller)>>,
}

impl KeyCache {
    fn get(&self, hash: &str) -> Option<Caller> {
        let entries = self.entries.lock().ok()?;
        entries.get(hash).filter(|(at, _)| at.elapsed() < KEY_TTL).map(|(_, c)| c.clone())
    }

    fn put(&self, hash: String, caller: Caller) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= KEY_CACHE_MAX {
                entries.clear();
            }
            entries.insert(hash, (Instant::now(), caller));
        }
    }
}

/// A limiter for `per_second` with `burst`, or none when `per_second` is 0.
#[must_use]
pub fn limiter(per_second: u32, burst: u32) -> Option<Arc<Limiter>> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    Some(Arc::new(governor::RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))))
}

fn presented_key(parts: &Parts) -> Option<&str> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        if let Some(token) = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")) {
            return Some(token.trim());
        }
    }
    parts.headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(str::trim)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = presented_key(parts).filter(|k| !k.is_empty()).ok_or_else(|| {
            ApiError::unauthorized("an API key is required: send Authorization: Bearer <key> or X-API-Key")
        })?;
        let hash = orgs::hash_key(key);
        let caller = if let Some(caller) = state.keys.get(&hash) {
            caller
        } else {
            let (org, agent) = orgs::authenticate_hash(&state.db.pool, &hash)
                .await?
                .ok_or_else(|| ApiError::unauthorized("the API key is not valid or has been revoked"))?;
            let caller = Caller { org, agent };
            state.keys.put(hash, caller.clone());
            caller
        };
        if let Some(limiter) = &state.limiter
            && let Err(not_until) = limiter.check_key(&caller.agent.id.0.to_string())
        {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(ApiError::rate_limited(wait.as_secs().max(1)));
        }
        Ok(caller)
    }
}
