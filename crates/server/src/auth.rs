//! Who is calling: an API key (`Authorization: Bearer …` or `X-API-Key: …`) names an
//! agent of one org, and every query of the request is scoped to that org. Keys are
//! rate-limited each on their own.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
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
#[derive(Clone)]
pub struct Caller {
    pub org: OrgId,
    pub agent: Agent,
    /// The hash of the key presented, to ask again whether it still stands (an
    /// open event stream does, every [`KEY_TTL`]).
    key_hash: String,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller").field("org", &self.org).field("agent", &self.agent).finish_non_exhaustive()
    }
}

impl Caller {
    /// Whether the key this caller presented still names the same agent of the
    /// same org: not revoked, its agent not removed, its org not gone. Through the
    /// key cache, so every stream of one key costs one query a second at most.
    pub async fn still_stands(&self, state: &AppState) -> Result<bool, ApiError> {
        let now = lookup(state, &self.key_hash).await?;
        Ok(now.is_some_and(|c| c.org == self.org && c.agent.id == self.agent.id))
    }
}

/// The caller a key hash names, if any (remembered for [`KEY_TTL`]).
async fn lookup(state: &AppState, hash: &str) -> Result<Option<Caller>, ApiError> {
    if let Some(caller) = state.keys.get(hash) {
        return Ok(Some(caller));
    }
    let Some((org, agent)) = orgs::authenticate_hash(&state.db.pool, hash).await? else {
        return Ok(None);
    };
    let caller = Caller { org, agent, key_hash: hash.to_owned() };
    state.keys.put(hash.to_owned(), caller.clone());
    Ok(Some(caller))
}

pub type Limiter = DefaultKeyedRateLimiter<String>;

/// How long a key's owner is remembered without asking the database again: a revoked
/// key stops working within this long (open event streams included). It spares
/// every request a database round trip.
pub const KEY_TTL: Duration = Duration::from_secs(1);
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

/// Failed key lookups by client address. Guessing keys would cost a database query
/// a guess: past [`GUESS_BURST`] failures from one address (refilled at
/// [`GUESSES_PER_SECOND`]) it is answered 429 before its key is looked up. Only
/// failures count, so a team behind one address is not slowed by its own traffic.
#[derive(Default)]
pub struct Guesses {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

pub const GUESS_BURST: u32 = 20;
pub const GUESSES_PER_SECOND: u32 = 1;
/// Past this many addresses remembered the table starts over, so it cannot grow
/// without bound.
const GUESSERS_MAX: usize = 100_000;

impl Guesses {
    /// How long `ip` must wait before its next key is looked up, if it must.
    fn wait(&self, ip: IpAddr) -> Option<Duration> {
        let buckets = self.buckets.lock().ok()?;
        let (tokens, at) = *buckets.get(&ip)?;
        let now = refilled(tokens, at);
        (now < 1.0).then(|| Duration::from_secs_f64((1.0 - now) / f64::from(GUESSES_PER_SECOND)))
    }

    /// `ip` presented a key that is not one.
    fn failed(&self, ip: IpAddr) {
        if let Ok(mut buckets) = self.buckets.lock() {
            if buckets.len() >= GUESSERS_MAX {
                buckets.clear();
            }
            let (tokens, at) = buckets.get(&ip).copied().unwrap_or((f64::from(GUESS_BURST), Instant::now()));
            let now = refilled(tokens, at);
            buckets.insert(ip, ((now - 1.0).max(0.0), Instant::now()));
        }
    }
}

/// A bucket's tokens now: what it held at `at`, refilled since, up to the burst.
fn refilled(tokens: f64, at: Instant) -> f64 {
    (tokens + at.elapsed().as_secs_f64() * f64::from(GUESSES_PER_SECOND)).min(f64::from(GUESS_BURST))
}

/// The client's address, as the server's listener saw the connection.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, crate::refusals::Listener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, crate::refusals::Listener>) -> Self {
        Self(*stream.remote_addr())
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
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<Peer>>().map(|c| c.0.0.ip());
        // A key already known is no guess; anything else from a guessing address
        // is turned away before it costs a query.
        let known = state.keys.get(&hash);
        if known.is_none()
            && let Some(wait) = peer.and_then(|ip| state.guesses.wait(ip))
        {
            return Err(ApiError::rate_limited(wait.as_secs().max(1)));
        }
        let caller = match known {
            Some(caller) => caller,
            None => lookup(state, &hash).await?.ok_or_else(|| {
                if let Some(ip) = peer {
                    state.guesses.failed(ip);
                }
                ApiError::unauthorized("the API key is not valid or has been revoked")
            })?,
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
