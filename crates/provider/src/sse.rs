//! A live event stream over Server-Sent Events, the same for every vendor that has
//! one: reconnect with exponential backoff and jitter, honour the server's `retry:`,
//! resume with `Last-Event-ID`, skip an event that cannot be read (logged) rather
//! than stop. A stream the server refuses outright (no such endpoint, not for this
//! key) ends with [`Update::Unavailable`], and the engine polls instead.

use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use reqwest::{StatusCode, header};

use super::Update;
use super::http::network;
use frontdesk_domain::Event;

const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(60);

/// Refusals that trying again will not change.
fn refused(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::NOT_IMPLEMENTED
    )
}

/// Reads one SSE event (`event:` name, `data:`) into a domain event; `None` skips it.
pub type Parse = Box<dyn Fn(Option<&str>, &str) -> Option<Event> + Send + Sync>;

/// Streams `request` (built anew for each connection) as updates.
pub fn updates(
    request: impl Fn(Option<&str>) -> reqwest::RequestBuilder + Send + 'static,
    resume: Option<String>,
    parse: Parse,
) -> BoxStream<'static, Update> {
    Box::pin(async_stream::stream! {
        let mut last_id = resume;
        let mut retry = Duration::from_secs(1);
        let mut failures: u32 = 0;
        loop {
            let id = last_id.as_deref().filter(|id| !id.is_empty());
            let req = request(id).header(header::ACCEPT, "text/event-stream");
            let reason = match req.send().await {
                Ok(resp) if resp.status() == StatusCode::OK => {
                    failures = 0;
                    yield Update::Connected;
                    let mut events = sse_stream::SseByteStream::new(resp.bytes_stream());
                    let mut reason = "the server closed the stream".to_owned();
                    while let Some(item) = events.next().await {
                        match item {
                            Ok(sse) => {
                                if let Some(ms) = sse.retry {
                                    retry = Duration::from_millis(ms.clamp(100, 60_000));
                                }
                                if let Some(id) = sse.id.filter(|id| !id.is_empty()) {
                                    last_id = Some(id);
                                }
                                let Some(data) = sse.data else { continue };
                                match parse(sse.event.as_deref(), &data) {
                                    Some(event) => yield Update::Event(Box::new(event)),
                                    // One bad event must not stop the stream.
                                    None => tracing::debug!(event = ?sse.event, "skipped an event"),
                                }
                            }
                            Err(e) => {
                                reason = e.to_string();
                                break;
                            }
                        }
                    }
                    reason
                }
                Ok(resp) if refused(resp.status()) => {
                    yield Update::Unavailable(format!("the event stream answered {}", resp.status()));
                    return;
                }
                Ok(resp) => format!("the server answered {}", resp.status()),
                Err(e) => network(&e).to_string(),
            };
            failures = failures.saturating_add(1);
            let backoff = retry.saturating_mul(1 << failures.min(6)).min(MAX_RECONNECT_DELAY);
            let cap = u64::try_from(backoff.as_millis().min(1000)).unwrap_or(1000) / 4;
            let after = backoff + Duration::from_millis(rand::random_range(0..=cap));
            tracing::info!(%reason, ?after, "event stream dropped");
            yield Update::Reconnecting { after, reason };
            tokio::time::sleep(after).await;
        }
    })
}
