//! How a verb ends when it does not succeed: one line on standard error and an exit
//! code a script can branch on, and the retries a write gets before it gives up.

use std::fmt;
use std::time::Duration;

use frontdesk_domain::Op;
use frontdesk_provider::{Applied, Provider, ProviderError};

/// Exit codes, stable for scripts (the README lists them).
pub mod code {
    /// Any other failure: a config mistake, an answer that could not be read.
    pub const OTHER: u8 = 1;
    /// The command line itself is wrong (clap uses it too).
    pub const USAGE: u8 = 2;
    /// The key or the sign-in was refused.
    pub const AUTH: u8 = 3;
    pub const NOT_FOUND: u8 = 4;
    /// The account cannot do that (named in the message).
    pub const UNSUPPORTED: u8 = 5;
    /// Already done otherwise (a suggestion sent twice, a state that moved on).
    pub const CONFLICT: u8 = 6;
    /// Try again later: the network, a rate limit (BSD's `EX_TEMPFAIL`).
    pub const TEMPORARY: u8 = 75;
}

/// A verb that did not succeed.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self { code: code::USAGE, message: message.into() }
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self { code: code::OTHER, message: message.into() }
    }

    /// A provider's error, with what was being done.
    pub fn provider(doing: &str, e: &ProviderError) -> Self {
        let code = match e {
            ProviderError::Auth(_) => code::AUTH,
            ProviderError::NotFound(_) => code::NOT_FOUND,
            ProviderError::Unsupported(_) => code::UNSUPPORTED,
            ProviderError::Conflict(_) => code::CONFLICT,
            ProviderError::Network(_) | ProviderError::RateLimited { .. } => code::TEMPORARY,
            ProviderError::Permanent { .. } | ProviderError::Malformed(_) => code::OTHER,
        };
        Self { code, message: format!("{doing}: {e}") }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Self::other(format!("{e:#}"))
    }
}

/// How many times a transient failure is tried again, and the first wait.
const RETRIES: u32 = 3;
const FIRST_WAIT: Duration = Duration::from_millis(500);

/// Applies `op` exactly once, as far as the backend allows: the same idempotency key
/// on every try; before a retry, a backend that honours no key is asked whether the
/// lost try landed (the check the outbox uses). Transient failures are retried with
/// backoff, then reported as temporary (exit 75).
pub async fn apply_once(p: &dyn Provider, op: &Op, key: &str, doing: &str) -> Result<Applied, Failure> {
    let since = jiff::Timestamp::now();
    let mut wait = FIRST_WAIT;
    // Only a try lost on the network may have landed; a 429 was refused.
    let mut maybe_landed = false;
    for attempt in 0..=RETRIES {
        if maybe_landed && let Ok(Some(applied)) = p.already_applied(op, since).await {
            return Ok(applied);
        }
        match p.apply(op.clone(), key.to_owned()).await {
            Ok(applied) => return Ok(applied),
            Err(e) if e.is_transient() && attempt < RETRIES => {
                // Once a try may have landed, every later one asks first.
                maybe_landed |= matches!(e, ProviderError::Network(_));
                tracing::info!(error = %e, attempt, "script: trying again");
                tokio::time::sleep(pause(&e, wait)).await;
                wait *= 2;
            }
            Err(e) => return Err(Failure::provider(doing, &e)),
        }
    }
    Err(Failure { code: code::TEMPORARY, message: format!("{doing}: gave up after {RETRIES} retries") })
}

/// How long to wait before the next try: what a 429 asks (at most 30 s), else the
/// doubling wait.
fn pause(e: &ProviderError, wait: Duration) -> Duration {
    match e {
        ProviderError::RateLimited { retry_after: Some(after) } => (*after).min(Duration::from_secs(30)),
        _ => wait,
    }
}

/// Reads are safe to repeat: a transient failure is tried again the same way.
pub async fn read<T, F, Fut>(doing: &str, mut call: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let mut wait = FIRST_WAIT;
    for attempt in 0..=RETRIES {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_transient() && attempt < RETRIES => {
                tokio::time::sleep(pause(&e, wait)).await;
                wait *= 2;
            }
            Err(e) => return Err(Failure::provider(doing, &e)),
        }
    }
    Err(Failure { code: code::TEMPORARY, message: format!("{doing}: gave up after {RETRIES} retries") })
}
