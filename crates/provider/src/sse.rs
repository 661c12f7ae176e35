//! A live event stream over Server-Sent Events, the same for every vendor that has
//! one: reconnect with exponential backoff and jitter, honour the server's `retry:`,
//! resume with `Last-Event-ID`.
//!
//! The stream says only what is true. It is [`Update::Connected`] once the server
//! answers 200 with `text/event-stream` (an HTML page from a proxy is a failure
//! with its reason), and every drop says why in [`Update::Reconnecting`], whose
//! `after` is the wait that really follows. What one connection may do is bounded
//! by [`Limits`]: no byte at all (keep-alives count) for [`Limits::silence`] is a
//! stall; no answer within [`Limits::answer`] a dead connect; an event larger than
//! [`Limits::max_event`], or [`Limits::max_unreadable`] unreadable events in a row,
//! a server sending garbage. Each drops the connection and makes a new one. An
//! unreadable event on its own is skipped, counted, and logged at most once a second.
//! A stream the server refuses outright (no such endpoint, not for this key) ends
//! with [`Update::Unavailable`], and the engine polls instead.
//!
//! To add a limit, add it to [`Limits`] and to [`Cut`] (for what is found while
//! reading the bytes) or to the loop in [`updates`] (for what is found in events).

use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use reqwest::{StatusCode, header};
use tokio::time::Instant;

use super::Update;
use super::http::{CONNECT_TIMEOUT, network, size};
use frontdesk_domain::Event;
use frontdesk_domain::text::sanitize_line;

const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(60);
/// Unreadable events are logged at most this often, with how many there were.
const LOG_EVERY: Duration = Duration::from_secs(1);
/// The longest reason shown for a drop (it may quote the server).
const MAX_REASON_CHARS: usize = 200;

/// Refusals that trying again will not change (a 204 is the SSE way of saying
/// "stop reconnecting").
fn refused(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::NO_CONTENT
            | StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::NOT_IMPLEMENTED
    )
}

/// Reads one SSE event (`event:` name, `data:`) into a domain event: `Ok(None)` for
/// one that was read but means nothing to the inbox, `Err(why)` for one that could
/// not be read (counted; a burst of them drops the connection).
pub type Parse = Box<dyn Fn(Option<&str>, &str) -> Result<Option<Event>, String> + Send + Sync>;

/// What one connection may do before it is dropped and made again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// No byte at all for this long (a keep-alive comment counts): the link is stalled.
    pub silence: Duration,
    /// How long the server may take to answer a connection (connect and headers).
    pub answer: Duration,
    /// The most bytes one event may take; a line that never ends is such an event.
    pub max_event: usize,
    /// Unreadable events in a row that mean the server is sending garbage.
    pub max_unreadable: u32,
    /// A response header in which the server states its keep-alive interval in
    /// seconds; when present, the silence of that connection is twice it (within
    /// [`MAX_SILENCE`]).
    pub announced_by: Option<&'static str>,
}

/// The longest silence a server may announce: a stream quiet longer than this is
/// taken as stalled whatever it says. A stream client's read timeout must not be
/// shorter when a server may announce its keep-alive.
pub const MAX_SILENCE: Duration = Duration::from_secs(600);

impl Limits {
    /// For a server that sends a keep-alive every `every`: two missed in a row and
    /// the stream is stalled. Use the same silence as the stream client's
    /// `read_timeout` ([`super::http::clients`]).
    pub fn keep_alive(every: Duration) -> Self {
        let silence = every.saturating_mul(2);
        Self {
            silence,
            // The client's read timeout (the silence) also bounds the wait for headers.
            answer: silence.min(Duration::from_secs(10)),
            max_event: 1 << 20,
            max_unreadable: 100,
            announced_by: None,
        }
    }

    /// These limits with the silence the answer announces, if it does.
    fn announced(self, resp: &reqwest::Response) -> Self {
        let every = self
            .announced_by
            .and_then(|name| resp.headers().get(name))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|secs| *secs > 0);
        match every {
            Some(secs) => Self { silence: Duration::from_secs(secs).saturating_mul(2).min(MAX_SILENCE), ..self },
            None => self,
        }
    }
}

/// Streams `request` (built anew for each connection) as updates, within `limits`.
pub fn updates(
    request: impl Fn(Option<&str>) -> reqwest::RequestBuilder + Send + 'static,
    resume: Option<String>,
    parse: Parse,
    limits: Limits,
) -> BoxStream<'static, Update> {
    Box::pin(async_stream::stream! {
        let mut last_id = resume;
        let mut retry = Duration::from_secs(1);
        let mut failures: u32 = 0;
        // Across connections, so that the log stays at a line a second however
        // often a garbage-sending server is reconnected to.
        let mut unreadable = Unreadable::default();
        loop {
            let id = last_id.as_deref().filter(|id| !id.is_empty());
            let req = request(id).header(header::ACCEPT, "text/event-stream");
            let reason = match tokio::time::timeout(limits.answer, req.send()).await {
                Err(_) => format!("no answer within {}", secs(limits.answer)),
                Ok(Err(e)) => not_sent(&e, limits),
                Ok(Ok(resp)) if resp.status() == StatusCode::OK => {
                    if let Some(why) = not_a_stream(&resp) {
                        why
                    } else {
                        yield Update::Connected;
                        let limits = limits.announced(&resp);
                        let opened = Instant::now();
                        let mut healthy = false;
                        unreadable.in_a_row = 0;
                        let mut events = pin!(sse_stream::SseByteStream::new(guard(resp.bytes_stream(), limits)));
                        let mut reason = "the server closed the stream".to_owned();
                        while let Some(item) = events.next().await {
                            let sse = match item {
                                Ok(sse) => sse,
                                Err(e) => {
                                    reason = cut_reason(e);
                                    break;
                                }
                            };
                            if let Some(ms) = sse.retry {
                                retry = Duration::from_millis(ms.clamp(100, 60_000));
                            }
                            if let Some(id) = sse.id.filter(|id| !id.is_empty()) {
                                last_id = Some(id);
                            }
                            let Some(data) = sse.data else { continue };
                            match parse(sse.event.as_deref(), &data) {
                                Ok(event) => {
                                    healthy = true;
                                    unreadable.in_a_row = 0;
                                    if let Some(event) = event {
                                        yield Update::Event(Box::new(event));
                                    }
                                }
                                // One bad event must not stop the stream; a burst of them does.
                                Err(why) => {
                                    if let Some(count) = unreadable.skipped(Instant::now()) {
                                        tracing::warn!(count, last = %sanitize_line(&why), event = ?sse.event, "skipped unreadable events");
                                    }
                                    if unreadable.in_a_row >= limits.max_unreadable {
                                        reason = format!("{} unreadable events in a row (the last: {why})", unreadable.in_a_row);
                                        break;
                                    }
                                }
                            }
                        }
                        if let Some(count) = unreadable.due(Instant::now()) {
                            tracing::warn!(count, "skipped unreadable events");
                        }
                        // A connection that served well (or long) starts the backoff
                        // afresh; one that only failed (garbage at once) backs off further.
                        if healthy || opened.elapsed() >= limits.silence {
                            failures = 0;
                        }
                        reason
                    }
                }
                Ok(Ok(resp)) if refused(resp.status()) => {
                    yield Update::Unavailable(format!("the event stream answered {}", resp.status()));
                    return;
                }
                Ok(Ok(resp)) => format!("the server answered {}", resp.status()),
            };
            failures = failures.saturating_add(1);
            let backoff = retry.saturating_mul(1 << failures.min(6)).min(MAX_RECONNECT_DELAY);
            let cap = u64::try_from(backoff.as_millis().min(1000)).unwrap_or(1000) / 4;
            let after = backoff + Duration::from_millis(rand::random_range(0..=cap));
            // The reason may quote the server: shown in the status bar and the log.
            let reason: String = sanitize_line(&reason).chars().take(MAX_REASON_CHARS).collect();
            tracing::info!(%reason, ?after, "event stream dropped");
            yield Update::Reconnecting { after, reason };
            // Exactly the `after` just announced, so the countdown on screen is true.
            tokio::time::sleep(after).await;
        }
    })
}

/// Why a request for the stream got no answer.
fn not_sent(e: &reqwest::Error, limits: Limits) -> String {
    if e.is_connect() && e.is_timeout() {
        format!("no connection within {}", secs(CONNECT_TIMEOUT))
    } else if e.is_timeout() {
        // The client's read timeout, seen while waiting for the headers.
        format!("no answer within {}", secs(limits.answer))
    } else {
        network(e).to_string()
    }
}

/// Why a 200 answer is not an event stream (an HTML page from a proxy or a
/// captive portal), or `None` when it is one.
fn not_a_stream(resp: &reqwest::Response) -> Option<String> {
    let Some(value) = resp.headers().get(header::CONTENT_TYPE) else {
        return Some("the server answered without a content type, not an event stream".to_owned());
    };
    let mime = value.to_str().unwrap_or_default().split(';').next().unwrap_or_default().trim();
    if mime.eq_ignore_ascii_case("text/event-stream") {
        return None;
    }
    let shown: String = sanitize_line(mime).chars().take(60).collect();
    let shown = if shown.is_empty() { "an unreadable content type".to_owned() } else { shown };
    Some(format!("the server answered {shown}, not an event stream"))
}

/// Why a connection was cut while its bytes were read.
#[derive(Debug, thiserror::Error)]
enum Cut {
    #[error("no data for {}", secs(*.0))]
    Silent(Duration),
    #[error("an event was larger than {}", size(*.0))]
    TooLarge(usize),
    #[error("{0}")]
    Broken(String),
}

/// The reason an SSE decoding error gives for dropping the connection.
fn cut_reason(e: sse_stream::Error) -> String {
    match e {
        sse_stream::Error::Body(inner) => match inner.downcast::<Cut>() {
            Ok(cut) => cut.to_string(),
            Err(other) => other.to_string(),
        },
        other => format!("the stream could not be read: {other}"),
    }
}

/// The body's bytes, cut off (with the reason as the stream's error) when nothing
/// has come for `limits.silence` or an event grows past `limits.max_event`. The SSE
/// parser buffers an event until its blank line, so this is what bounds its memory.
fn guard(
    body: impl Stream<Item = reqwest::Result<Bytes>> + Send + 'static,
    limits: Limits,
) -> impl Stream<Item = Result<Bytes, Cut>> + Send {
    async_stream::stream! {
        let mut body = pin!(body);
        let mut event = EventSize::default();
        loop {
            let cut = match tokio::time::timeout(limits.silence, body.next()).await {
                Err(_) => Cut::Silent(limits.silence),
                Ok(None) => break,
                Ok(Some(Ok(chunk))) => {
                    if !event.grows_past(&chunk, limits.max_event) {
                        yield Ok(chunk);
                        continue;
                    }
                    Cut::TooLarge(limits.max_event)
                }
                // The stream client's own read timeout: the same silence, seen by reqwest first.
                Ok(Some(Err(e))) if e.is_timeout() => Cut::Silent(limits.silence),
                Ok(Some(Err(e))) => Cut::Broken(network(&e).to_string()),
            };
            yield Err(cut);
            break;
        }
    }
}

/// The size of the event being received: bytes since the last blank line (the end
/// of an event), whatever line ending the server uses (`\n`, `\r\n` or `\r`).
#[derive(Debug, Default)]
struct EventSize {
    event: usize,
    line: usize,
    after_cr: bool,
}

impl EventSize {
    /// Takes in `chunk`; whether the event grew past `max` bytes on the way.
    fn grows_past(&mut self, chunk: &[u8], max: usize) -> bool {
        for &b in chunk {
            match b {
                // The `\n` of a `\r\n`: the line already ended at the `\r`.
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    if self.line == 0 {
                        self.event = 0;
                    }
                    self.line = 0;
                    self.after_cr = b == b'\r';
                }
                _ => {
                    self.after_cr = false;
                    self.line += 1;
                    self.event += 1;
                    if self.event > max {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Unreadable events: how many in a row on this connection, and how many not yet
/// logged (the log gets at most a line a second, with the count).
#[derive(Debug, Default)]
struct Unreadable {
    in_a_row: u32,
    unlogged: u64,
    logged_at: Option<Instant>,
}

impl Unreadable {
    /// One more, at `now`; the count to log now, if it is time for a log line.
    fn skipped(&mut self, now: Instant) -> Option<u64> {
        self.in_a_row = self.in_a_row.saturating_add(1);
        self.unlogged = self.unlogged.saturating_add(1);
        self.due(now)
    }

    /// The count not yet logged, if there is one and a log line is allowed at `now`.
    fn due(&mut self, now: Instant) -> Option<u64> {
        if self.unlogged == 0 || self.logged_at.is_some_and(|at| now.duration_since(at) < LOG_EVERY) {
            return None;
        }
        self.logged_at = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }
}

/// "30 s", or "0.5 s" for what is not whole seconds.
fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{} s", d.as_secs()) } else { format!("{:.1} s", d.as_secs_f64()) }
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;
