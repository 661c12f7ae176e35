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
use super::error::ApiError;
use super::store::keys;

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
    let Some((org, agent)) = state.db.authenticate(hash).await? else {
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

/// Recently authenticated keys, by hash (never the key itself), and recently
/// refused ones.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Instant, Caller)>>,
    refused: Mutex<HashMap<String, Instant>>,
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

    /// Whether the key was refused within [`KEY_TTL`] (a new key works within that).
    fn refused(&self, hash: &str) -> bool {
        self.refused.lock().is_ok_and(|r| r.get(hash).is_some_and(|at| at.elapsed() < KEY_TTL))
    }

    fn refuse(&self, hash: String) {
        if let Ok(mut refused) = self.refused.lock() {
            if refused.len() >= KEY_CACHE_MAX {
                refused.retain(|_, at| at.elapsed() < KEY_TTL);
            }
            refused.insert(hash, Instant::now());
        }
    }

    /// Whether the key worked within [`VOUCHED_FOR`]: not a guess, whatever its
    /// address has been up to (it is still looked up).
    fn vouched(&self, hash: &str) -> bool {
        self.entries.lock().is_ok_and(|e| e.get(hash).is_some_and(|(at, _)| at.elapsed() < VOUCHED_FOR))
    }
}

/// How long a key that worked is taken for no guess.
const VOUCHED_FOR: Duration = Duration::from_secs(3600);

/// Key lookups by client address. Guessing keys would cost a database query a
/// guess: each lookup of a key not known takes a token from its address's bucket
/// ([`GUESS_BURST`], refilled at [`GUESSES_PER_SECOND`]) before the query, and a key
/// that turns out valid gives it back, so only failures count and a team behind one
/// address is not slowed by its own traffic. Taking before asking keeps many guesses
/// sent at once to the same count as guesses sent one by one. IPv6 addresses count
/// by their /64, which one host can rotate through.
///
/// Lookups of one key already under way share its token: a client opening with
/// fifty requests at once is one lookup's worth, not fifty.
#[derive(Default)]
pub struct Guesses {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
    /// Key hashes being looked up, and how many requests wait on each.
    pending: Mutex<HashMap<String, usize>>,
}

/// A lookup under way, as [`Guesses::begin`] let it through.
struct Lookup {
    hash: String,
    /// The address whose token it took, if it took one.
    took: Option<IpAddr>,
}

pub const GUESS_BURST: u32 = 20;
pub const GUESSES_PER_SECOND: u32 = 1;
/// Addresses remembered at most; past it, the buckets back to full are forgotten
/// first (they hold nothing), so a flood of addresses cannot reset a guesser's.
const GUESSERS_MAX: usize = 100_000;

impl Guesses {
    /// Lets a lookup of `hash` from `ip` through: with a token of the address's,
    /// or free when the same key is already being looked up. Or says how long to
    /// wait.
    fn begin(&self, ip: Option<IpAddr>, hash: &str) -> Result<Lookup, Duration> {
        let Ok(mut pending) = self.pending.lock() else { return Ok(Lookup { hash: hash.to_owned(), took: None }) };
        if let Some(n) = pending.get_mut(hash) {
            *n += 1;
            return Ok(Lookup { hash: hash.to_owned(), took: None });
        }
        if let Some(ip) = ip {
            self.take(ip)?;
        }
        pending.insert(hash.to_owned(), 1);
        Ok(Lookup { hash: hash.to_owned(), took: ip })
    }

    /// The lookup is done; a real key gives its token back.
    fn end(&self, lookup: &Lookup, valid: bool) {
        if let Ok(mut pending) = self.pending.lock()
            && let Some(n) = pending.get_mut(&lookup.hash)
        {
            *n -= 1;
            if *n == 0 {
                pending.remove(&lookup.hash);
            }
        }
        if let (Some(ip), true) = (lookup.took, valid) {
            self.give_back(ip);
        }
    }

    /// Takes a token for a lookup from `ip`, or says how long until there is one.
    fn take(&self, ip: IpAddr) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        let who = network(ip);
        if buckets.len() >= GUESSERS_MAX && !buckets.contains_key(&who) {
            buckets.retain(|_, (tokens, at)| refilled(*tokens, *at) < f64::from(GUESS_BURST));
            if buckets.len() >= GUESSERS_MAX {
                // All of them guessing at once: the oldest memory goes.
                buckets.clear();
            }
        }
        let (tokens, at) = buckets.get(&who).copied().unwrap_or((f64::from(GUESS_BURST), Instant::now()));
        let now = refilled(tokens, at);
        if now < 1.0 {
            return Err(Duration::from_secs_f64((1.0 - now) / f64::from(GUESSES_PER_SECOND)));
        }
        buckets.insert(who, (now - 1.0, Instant::now()));
        Ok(())
    }

    /// The key `ip` presented was a real one: its token comes back.
    fn give_back(&self, ip: IpAddr) {
        if let Ok(mut buckets) = self.buckets.lock()
            && let Some((tokens, at)) = buckets.get_mut(&network(ip))
        {
            *tokens = (refilled(*tokens, *at) + 1.0).min(f64::from(GUESS_BURST));
            *at = Instant::now();
        }
    }
}

/// The address that counts for `ip`: itself, or its /64 for IPv6.
fn network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
        v4 @ IpAddr::V4(_) => v4,
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
        let hash = keys::hash_key(key);
        let caller = if let Some(caller) = state.keys.get(&hash) {
            caller
        } else {
            let refused = || ApiError::unauthorized("the API key is not valid or has been revoked");
            // Refused a moment ago: the same answer, without asking again.
            if state.keys.refused(&hash) {
                return Err(refused());
            }
            // A key that worked lately is no guess; any other takes a token from
            // its address before it costs a query.
            let peer = parts.extensions.get::<axum::extract::ConnectInfo<Peer>>().map(|c| c.0.0.ip());
            let counted = peer.filter(|_| !state.keys.vouched(&hash));
            let ticket =
                state.guesses.begin(counted, &hash).map_err(|wait| ApiError::rate_limited(wait.as_secs().max(1)))?;
            let found = lookup(state, &hash).await;
            state.guesses.end(&ticket, matches!(found, Ok(Some(_))));
            let Some(caller) = found? else {
                state.keys.refuse(hash);
                return Err(refused());
            };
            caller
        };
        if let Some(limiter) = &state.limiter
            && let Err(not_until) = limiter.check_key(&caller.agent.id.0.to_string())
        {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(ApiError::rate_limited_for(wait));
        }
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn every_lookup_takes_a_token_first_and_a_real_key_gives_it_back() {
        let g = Guesses::default();
        // Twenty at once: each took its token before any answer came.
        for _ in 0..GUESS_BURST {
            assert!(g.take(ip("203.0.113.7")).is_ok());
        }
        assert!(g.take(ip("203.0.113.7")).is_err(), "the twenty-first waits");
        // One of them was a real key: its token is back, and one more may ask.
        g.give_back(ip("203.0.113.7"));
        assert!(g.take(ip("203.0.113.7")).is_ok());
        assert!(g.take(ip("203.0.113.8")).is_ok(), "another address has its own bucket");
    }

    #[test]
    fn an_ipv6_host_counts_by_its_64() {
        let g = Guesses::default();
        for n in 0..GUESS_BURST {
            assert!(g.take(ip(&format!("2001:db8:1:2::{n:x}"))).is_ok());
        }
        assert!(g.take(ip("2001:db8:1:2:ffff::1")).is_err(), "the same /64");
        assert!(g.take(ip("2001:db8:1:3::1")).is_ok(), "the next /64 is another network");
        assert_eq!(network(ip("::ffff:192.0.2.1")), ip("192.0.2.1"), "v4-mapped counts as v4");
    }

    #[test]
    fn a_flood_of_addresses_does_not_reset_a_guesser() {
        let g = Guesses::default();
        for _ in 0..GUESS_BURST {
            assert!(g.take(ip("198.51.100.1")).is_ok());
        }
        // Fill the table with buckets back to full (as a flood of one-off addresses
        // leaves them once refilled): they are forgotten first.
        if let Ok(mut b) = g.buckets.lock() {
            for n in 0..u32::try_from(GUESSERS_MAX).unwrap_or(u32::MAX) {
                b.insert(IpAddr::V4(std::net::Ipv4Addr::from(n)), (f64::from(GUESS_BURST), Instant::now()));
            }
        }
        assert!(g.take(ip("192.0.2.200")).is_ok(), "room is made");
        assert!(g.take(ip("198.51.100.1")).is_err(), "the guesser is still counted");
    }
}

#[cfg(test)]
mod pending_tests {
    use super::*;

    #[test]
    fn lookups_of_one_key_under_way_share_a_token() {
        let g = Guesses::default();
        let ip: IpAddr = "203.0.113.9".parse().expect("ip");
        let tickets: Vec<Lookup> = (0..50).map(|_| g.begin(Some(ip), "hash-a").expect("let through")).collect();
        assert_eq!(tickets.iter().filter(|t| t.took.is_some()).count(), 1, "one token for fifty");
        for t in &tickets {
            g.end(t, true);
        }
        assert!(g.pending.lock().expect("lock").is_empty());
        // Different keys are different guesses.
        for n in 0..GUESS_BURST {
            let t = g.begin(Some(ip), &format!("guess-{n}")).expect("let through");
            g.end(&t, false);
        }
        assert!(g.begin(Some(ip), "one-more").is_err());
    }
}
