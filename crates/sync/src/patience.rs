//! Reads tried again when the server asks to slow down: a 429 on loading the list
//! or a thread is the server's pacing, not an answer, so the engine waits what it
//! says and asks again instead of showing a refusal the agent can do nothing about.

use std::future::Future;
use std::time::Duration;

use frontdesk_provider::{ProviderError, ProviderResult};

/// Tries in all, before the refusal is passed on.
const ATTEMPTS: u32 = 4;
/// The wait when the server names none.
const DEFAULT_WAIT: Duration = Duration::from_secs(1);
/// The longest wait taken here; past it the refusal is passed on and said.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// `read`, tried again after each 429 (the wait its `Retry-After` names), up to
/// [`ATTEMPTS`] in all.
pub(crate) async fn patiently<T, F, Fut>(mut read: F) -> ProviderResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<T>>,
{
    let mut attempt = 1;
    loop {
        match read().await {
            Err(ProviderError::RateLimited { retry_after }) if attempt < ATTEMPTS => {
                let wait = retry_after.unwrap_or(DEFAULT_WAIT);
                if wait > MAX_WAIT {
                    return Err(ProviderError::RateLimited { retry_after });
                }
                tracing::info!(?wait, attempt, "rate limited; reading again after the wait");
                // A little jitter, so reads refused together do not come back together;
                // a quarter of the wait at most, so a 20 ms pause stays short.
                let most = u64::try_from(wait.as_millis() / 4).unwrap_or(250).min(250);
                let jitter = Duration::from_millis(rand::random_range(0..=most));
                tokio::time::sleep(wait + jitter).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn limited(secs: u64) -> ProviderError {
        ProviderError::RateLimited { retry_after: Some(Duration::from_secs(secs)) }
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_is_waited_out_and_asked_again() {
        let calls = AtomicU32::new(0);
        let start = tokio::time::Instant::now();
        let got = patiently(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(limited(2)),
                _ => Ok("the page"),
            }
        })
        .await;
        assert_eq!(got, Ok("the page"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(4), "waited what the server said, twice: {waited:?}");
        assert!(waited <= Duration::from_millis(4500), "and a little jitter: {waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn it_gives_up_and_says_so() {
        let calls = AtomicU32::new(0);
        let got: ProviderResult<()> = patiently(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(limited(1))
        })
        .await;
        assert_eq!(got, Err(limited(1)));
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
        // A wait longer than is worth holding a read for is passed on at once.
        let calls = AtomicU32::new(0);
        let got: ProviderResult<()> = patiently(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(limited(600))
        })
        .await;
        assert_eq!(got, Err(limited(600)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Other errors are not this file's business.
        let got: ProviderResult<()> = patiently(|| async { Err(ProviderError::Network("down".into())) }).await;
        assert_eq!(got, Err(ProviderError::Network("down".into())));
    }
}
