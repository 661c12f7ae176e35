//! The adapter for Orbit by Devotel (`vendors/orbit-conversations.txt`, and
//! `NOTES.md` for what the page leaves out). Auth is `X-API-Key`; answers come in
//! Orbit's `{ data, meta }` envelope and errors in its `{ error }` body, read in
//! [`wire`]. Every request that changes something carries an `Idempotency-Key`, as
//! Orbit's own SDK does.
//!
//! What Orbit lacks is said, not faked: no star, read flag, archive, pending or
//! priority change (those ops answer `Unsupported`); copilot suggestions cannot be
//! read back, sent or dismissed on the server, so the ones drafted here are kept here
//! and sent as ordinary replies. The inbox companion endpoints (presence, internal
//! notes, saved views) may need a session login: refused once, they are not asked
//! again this run, and what depends on them says why.

mod agents;
mod ops;
mod views;
pub mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use futures::stream::BoxStream;
use reqwest::{Method, RequestBuilder, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use frontdesk_domain::{
    Agent, Clean, Conversation, ConversationId, Event, EventKind, Message, Op, Page, PresenceState, Suggestion,
    SuggestionId, View, ViewFilter, ViewId, ViewKind, ViewWithCount,
};
use frontdesk_provider::http::{answer_body, by_status, network, retry_after, secret_header, urlencode};
use frontdesk_provider::{
    Applied, Capabilities, Identity, ListQuery, Provider, ProviderError, ProviderFuture, ProviderResult, Towards,
    Update,
};
use views::{SAVED, builtin_views, filter_params, saved_filter};
use wire::{Conv, Envelope, ErrorEnvelope, Msg};

/// The newer documentation's base, and the official SDK's.
pub const DEFAULT_URL: &str = "https://api.orbit.devotel.io/api/v1";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(90);
/// Never ask for more: the two documentation sites disagree on the maximum.
const MAX_PAGE: u32 = 100;
/// Pages of a thread walked to find its newest messages.
const THREAD_PAGES: usize = 10;

/// The companion endpoints that may refuse an API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Companion {
    Presence,
    Notes,
    Views,
}

impl Companion {
    fn why(self) -> &'static str {
        match self {
            Self::Presence => "Orbit refused presence for this API key (it may need a session login)",
            Self::Notes => "Orbit refused internal notes for this API key (they may need a session login)",
            Self::Views => "Orbit refused saved views for this API key (they may need a session login)",
        }
    }
}

pub struct OrbitProvider {
    name: String,
    base: String,
    key: SecretString,
    http: reqwest::Client,
    stream_http: reqwest::Client,
    caps: Capabilities,
    /// Suggestions drafted this run: Orbit cannot give them back.
    suggestions: Mutex<HashMap<SuggestionId, Suggestion>>,
    refused: Mutex<HashSet<Companion>>,
}

impl OrbitProvider {
    pub fn new(name: &str, base_url: &str, key: SecretString) -> ProviderResult<Self> {
        let (http, stream_http) = frontdesk_provider::http::clients(REQUEST_TIMEOUT, STREAM_READ_TIMEOUT)?;
        let base = base_url.trim().trim_end_matches('/');
        let base = if base.is_empty() { DEFAULT_URL.to_owned() } else { base.to_owned() };
        // Paths here start at `/conversations`: the base names the version.
        let base = if base.ends_with("/v1") { base } else { format!("{base}/v1") };
        Ok(Self {
            name: name.to_owned(),
            base,
            key,
            http,
            stream_http,
            caps: Capabilities {
                streaming: true,
                saved_views: true,
                copilot: true,
                handoff: true,
                bulk: true,
                snooze: true,
                tags: true,
                notes: true,
                search: false,
                urgency_sort: false,
                // The list sorted ascending is the view read from its end.
                list_upward: true,
                presence: true,
                // Kept on this machine: Orbit has neither.
                star: false,
                read: false,
                create: false,
                attachments: false,
                delete: false,
                bot: false,
                close: true,
                reopen: true,
                pending: false,
                assign: true,
                priority: false,
                archive: false,
                edit_views: false,
                own_priorities: &[],
            },
            suggestions: Mutex::new(HashMap::new()),
            refused: Mutex::new(HashSet::new()),
        })
    }

    /// Polls instead of holding the event stream open.
    #[must_use]
    pub fn polling(mut self) -> Self {
        self.caps.streaming = false;
        self
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let write = method != Method::GET;
        let req = secret_header(
            self.http.request(method, format!("{}{path}", self.base)),
            "X-API-Key",
            self.key.expose_secret(),
        );
        if write { req.header("Idempotency-Key", uuid::Uuid::now_v7().to_string()) } else { req }
    }

    /// A write that must not happen twice: the outbox entry's own key.
    fn write(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        secret_header(self.http.request(method, format!("{}{path}", self.base)), "X-API-Key", self.key.expose_secret())
            .header("Idempotency-Key", key)
    }

    async fn send(&self, req: RequestBuilder) -> ProviderResult<Vec<u8>> {
        let resp = req.send().await.map_err(|e| network(&e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = answer_body(resp).await?;
        if status.is_success() {
            return Ok(bytes);
        }
        Err(error_for(status, &headers, &bytes).redacted(self.key.expose_secret()))
    }

    async fn call<T: DeserializeOwned>(&self, req: RequestBuilder) -> ProviderResult<Envelope<T>> {
        let bytes = self.send(req).await?;
        serde_json::from_slice(&bytes).map_err(|e| ProviderError::Malformed(format!("Orbit: {e}")))
    }

    fn path(id: &ConversationId, rest: &str) -> String {
        format!("/conversations/{}{rest}", urlencode(id.as_str()))
    }

    fn inbox_path(id: &ConversationId, rest: &str) -> String {
        format!("/inbox/{}{rest}", urlencode(id.as_str()))
    }

    fn is_refused(&self, c: Companion) -> bool {
        self.refused.lock().is_ok_and(|r| r.contains(&c))
    }

    /// A companion endpoint answered: a refusal is remembered (and said once).
    fn companion<T>(&self, c: Companion, result: ProviderResult<T>) -> ProviderResult<T> {
        match result {
            Err(ProviderError::Auth(why)) => {
                if let Ok(mut r) = self.refused.lock()
                    && r.insert(c)
                {
                    tracing::warn!(account = %self.name, %why, "{}", c.why());
                }
                Err(ProviderError::Unsupported(c.why()))
            }
            other => other,
        }
    }

    async fn get_conversation(&self, id: &ConversationId) -> ProviderResult<Conversation> {
        let e: Envelope<Conv> = self.call(self.request(Method::GET, &Self::path(id, ""))).await?;
        let mut c = e.data.into_domain();
        c.has_pending_suggestion = self.pending_suggestion(&c.id).is_some();
        c.clean();
        Ok(c)
    }

    fn pending_suggestion(&self, id: &ConversationId) -> Option<Suggestion> {
        let map = self.suggestions.lock().ok()?;
        map.values()
            .filter(|s| &s.conversation_id == id && s.status == frontdesk_domain::SuggestionStatus::Pending)
            .max_by_key(|s| s.created_at)
            .cloned()
    }

    /// A page of conversations with Orbit's filters.
    async fn page(&self, params: &[(&str, String)]) -> ProviderResult<Page<Conversation>> {
        let e: Envelope<Vec<Value>> = self.call(self.request(Method::GET, "/conversations").query(params)).await?;
        let mut items = Vec::with_capacity(e.data.len());
        for v in e.data {
            // One row Orbit cannot describe does not hide the others.
            match serde_json::from_value::<Conv>(v) {
                Ok(c) => {
                    let mut c = c.into_domain();
                    c.has_pending_suggestion = self.pending_suggestion(&c.id).is_some();
                    items.push(c);
                }
                Err(err) => tracing::warn!(error = %err, "skipped a conversation Orbit sent unreadable"),
            }
        }
        items.clean();
        Ok(Page { items, next_cursor: e.meta.next(), prev_cursor: None })
    }

    async fn count(&self, filter: &ViewFilter) -> ProviderResult<u64> {
        let mut params = filter_params(filter);
        params.push(("limit", MAX_PAGE.to_string()));
        let e: Envelope<Vec<Value>> = self.call(self.request(Method::GET, "/conversations").query(&params)).await?;
        Ok(e.meta.total().unwrap_or(e.data.len() as u64))
    }

    async fn saved_views(&self) -> ProviderResult<Vec<View>> {
        if self.is_refused(Companion::Views) {
            return Ok(Vec::new());
        }
        let result = self.call::<Vec<wire::SavedView>>(self.request(Method::GET, "/inbox/views")).await;
        let views = match self.companion(Companion::Views, result) {
            Ok(e) => e.data,
            Err(e) => {
                // The built-in views still work without the saved ones.
                tracing::debug!(error = %e, "no saved views this time");
                return Ok(Vec::new());
            }
        };
        Ok(views
            .into_iter()
            .map(|v| View {
                id: ViewId::from(format!("{SAVED}{}", v.id)),
                name: v.name.unwrap_or_else(|| v.id.clone()),
                kind: ViewKind::Saved,
                filter: saved_filter(&v.filters),
            })
            .collect())
    }
}

/// Orbit's error body, its `status` preferred to HTTP's, with the codes a user can
/// act on said plainly.
fn error_for(status: StatusCode, headers: &header::HeaderMap, body: &[u8]) -> ProviderError {
    let parsed = serde_json::from_slice::<ErrorEnvelope>(body).ok().map(|e| e.error);
    let status = parsed.as_ref().and_then(|e| e.status).and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(status);
    // Every string the vendor sends passes the sanitiser, the code too (it is shown).
    let code = parsed
        .as_ref()
        .map(|e| frontdesk_domain::text::sanitize_line(&e.code).chars().take(64).collect::<String>())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| status.to_string());
    let message = parsed
        .as_ref()
        .map(|e| frontdesk_domain::text::sanitize_line(&e.message))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("HTTP {status}"));
    let wait = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after)
        .or_else(|| {
            parsed.as_ref().and_then(wire::ErrorBody::retry_after).map(|s| Duration::from_secs(s.clamp(1, 600)))
        })
        .or_else(|| reset_in(headers));
    match code.as_str() {
        "WHATSAPP_OUTSIDE_24H_WINDOW" => ProviderError::Permanent {
            code,
            message: "the customer's WhatsApp 24-hour window is closed: only an approved template can reach them now \
                      (send one from Orbit's Messaging API)"
                .to_owned(),
        },
        "UNAUTHORIZED" | "INVALID_API_KEY" | "EXPIRED_TOKEN" => {
            ProviderError::Auth(format!("the Orbit API key is wrong or revoked ({message})"))
        }
        "RATE_LIMITED" | "RATE_LIMIT_EXCEEDED" => ProviderError::RateLimited { retry_after: wait },
        _ if status == StatusCode::UNAUTHORIZED => {
            ProviderError::Auth(format!("the Orbit API key is wrong or revoked ({message})"))
        }
        _ if status == StatusCode::FORBIDDEN => ProviderError::Auth(format!("{code}: {message}")),
        _ if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS => {
            by_status(status, wait, code.clone(), format!("{code}: {message}"))
        }
        _ => by_status(status, wait, code, message),
    }
}

/// `X-RateLimit-Reset` (unix seconds) as a wait from now.
fn reset_in(headers: &header::HeaderMap) -> Option<Duration> {
    let reset: i64 = headers.get("x-ratelimit-reset")?.to_str().ok()?.trim().parse().ok()?;
    let secs = reset - jiff::Timestamp::now().as_second();
    u64::try_from(secs).ok().map(|s| Duration::from_secs(s.clamp(1, 600)))
}

impl Provider for OrbitProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn me(&self) -> ProviderFuture<'_, Identity> {
        Box::pin(async move {
            // `/me` is optional: a server without it is not an error to show.
            let e: Envelope<wire::Me> = self.call(self.request(Method::GET, "/me")).await.map_err(|e| match e {
                ProviderError::NotFound(_) => ProviderError::Unsupported("saying whose the key is (GET /me)"),
                other => other,
            })?;
            let org_name = frontdesk_domain::text::sanitize_line(&e.data.org_name());
            let mut agent = e.data.agent();
            agent.clean();
            Ok(Identity { agent, org_name })
        })
    }

    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        Box::pin(async move {
            // Orbit documents no team directory for API keys: "me" is who can be named.
            Ok(self.me().await.map(|me| vec![me.agent]).unwrap_or_default())
        })
    }

    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        Box::pin(async move {
            let mut views = builtin_views();
            views.extend(self.saved_views().await?);
            let counts = futures::future::join_all(views.iter().map(|v| self.count(&v.filter))).await;
            let mut out = Vec::with_capacity(views.len());
            for (mut view, count) in views.into_iter().zip(counts) {
                view.clean();
                out.push(ViewWithCount { view, count: count? });
            }
            Ok(out)
        })
    }

    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        Box::pin(async move {
            let view = query.view.as_ref().map_or("all", ViewId::as_str);
            let mut filter = match view.strip_prefix(SAVED) {
                Some(_) => self
                    .saved_views()
                    .await?
                    .into_iter()
                    .find(|v| v.id.as_str() == view)
                    .map(|v| v.filter)
                    .ok_or_else(|| ProviderError::NotFound(format!("no saved view {view}")))?,
                None => builtin_views()
                    .into_iter()
                    .find(|v| v.id.as_str() == view)
                    .map(|v| v.filter)
                    .ok_or(ProviderError::Unsupported("this view"))?,
            };
            let extra = &query.filter;
            if !extra.status.is_empty() {
                filter.status.clone_from(&extra.status);
            }
            filter.archived |= extra.archived;
            if extra.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
                return Err(ProviderError::Unsupported("search"));
            }
            let mut params = filter_params(&filter);
            params.push(("limit", query.limit.clamp(1, MAX_PAGE).to_string()));
            // Freshest first: a poller walks it until what it has seen. Read from the
            // end (`G`, then the pages above), the same order ascending: the oldest
            // first, turned round here, and Orbit's "more" is the page above.
            let up = query.towards == Towards::Up && query.updated_since.is_none();
            let sort = match (query.updated_since.is_some(), up) {
                (true, _) => "-updated_at",
                (false, false) => "-last_message_at",
                (false, true) => "last_message_at",
            };
            params.push(("sort", sort.to_owned()));
            let mut page = match &query.cursor {
                None => self.page(&params).await?,
                Some(cursor) => {
                    let mut with_cursor = params.clone();
                    with_cursor.push(("cursor", cursor.clone()));
                    match self.page(&with_cursor).await {
                        // Orbit's advice: start again without it (the client drops repeats).
                        Err(ProviderError::Permanent { code, .. }) if code == "INVALID_CURSOR" => {
                            self.page(&params).await?
                        }
                        other => other?,
                    }
                }
            };
            if up {
                page.items.reverse();
                // Orbit's cursors are its own: none reads down from this page's
                // last row, so the rows below are kept rather than read again.
                page.prev_cursor = page.next_cursor.take();
            }
            Ok(page)
        })
    }

    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
        Box::pin(async move { self.get_conversation(&id).await })
    }

    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        Box::pin(async move {
            let mut messages = Vec::new();
            let mut cursor: Option<String> = None;
            for page in 0..THREAD_PAGES {
                let mut req = self.request(Method::GET, &Self::path(&id, "/messages")).query(&[("limit", MAX_PAGE)]);
                if let Some(c) = &cursor {
                    req = req.query(&[("cursor", c)]);
                }
                let e: Envelope<Vec<Value>> = self.call(req).await?;
                for (n, v) in e.data.into_iter().enumerate() {
                    match serde_json::from_value::<Msg>(v) {
                        Ok(m) => messages.push(m.into_domain(&id, false, &format!("orbit-{page}-{n}"))),
                        Err(err) => tracing::warn!(error = %err, "skipped a message Orbit sent unreadable"),
                    }
                }
                cursor = e.meta.next();
                if cursor.is_none() {
                    break;
                }
            }
            if !self.is_refused(Companion::Notes) {
                let result =
                    self.call::<Vec<Value>>(self.request(Method::GET, &Self::inbox_path(&id, "/internal-notes"))).await;
                match self.companion(Companion::Notes, result) {
                    Ok(e) => {
                        for (n, v) in e.data.into_iter().enumerate() {
                            if let Ok(m) = serde_json::from_value::<Msg>(v) {
                                messages.push(m.into_domain(&id, true, &format!("orbit-note-{n}")));
                            }
                        }
                    }
                    // The thread still shows without its notes.
                    Err(e) => tracing::debug!(error = %e, "no internal notes"),
                }
            }
            frontdesk_provider::json::newest(&mut messages, limit);
            messages.clean();
            Ok(messages)
        })
    }

    fn suggestions(&self, id: ConversationId) -> ProviderFuture<'_, Vec<Suggestion>> {
        Box::pin(async move { Ok(self.pending_suggestion(&id).into_iter().collect()) })
    }

    fn presence(&self, id: ConversationId, state: PresenceState) -> ProviderFuture<'_, ()> {
        Box::pin(async move {
            if self.is_refused(Companion::Presence) {
                return Err(ProviderError::Unsupported(Companion::Presence.why()));
            }
            let req = match state {
                PresenceState::Viewing => self.request(Method::POST, &Self::inbox_path(&id, "/viewing")),
                PresenceState::Typing => self.request(Method::POST, &Self::inbox_path(&id, "/typing")),
                PresenceState::Left => self.request(Method::DELETE, &Self::inbox_path(&id, "/viewing")),
            };
            let result = self.send(req.json(&serde_json::json!({}))).await.map(|_| ());
            self.companion(Companion::Presence, result)
        })
    }

    fn apply(&self, op: Op, idempotency_key: String) -> ProviderFuture<'_, Applied> {
        Box::pin(self.apply_op(op, idempotency_key))
    }

    fn updates(&self, resume: Option<String>) -> BoxStream<'static, Update> {
        let http = self.stream_http.clone();
        let url = format!("{}/events/stream", self.base);
        let key = self.key.clone();
        let request = move |last: Option<&str>| {
            let req = secret_header(http.get(&url), "X-API-Key", key.expose_secret());
            match last {
                Some(id) => req.header("Last-Event-ID", id),
                None => req,
            }
        };
        // Orbit publishes no keep-alive interval: 90 s of silence is a stall, as before.
        let limits = frontdesk_provider::sse::Limits::keep_alive(STREAM_READ_TIMEOUT / 2);
        frontdesk_provider::sse::updates(request, resume, Box::new(event), limits)
    }

    fn ai_agents(&self) -> Option<&dyn frontdesk_provider::agents::AiAgents> {
        Some(self)
    }
}

/// An event off Orbit's stream, shaped as its webhooks are (`{ type, data }`; the
/// stream's own shape is unpublished). Kinds with nothing for the inbox are
/// `Ok(None)`; what cannot be read is `Err(why)`, counted and logged by the stream.
fn event(name: Option<&str>, data: &str) -> Result<Option<Event>, String> {
    let w: wire::WireEvent = serde_json::from_str(data).map_err(|e| format!("Orbit: {e}"))?;
    let kind = w.r#type.as_deref().or(name).unwrap_or_default().to_owned();
    let at = w.created_at.unwrap_or_else(jiff::Timestamp::now);
    let body = |key: &str| w.data.get(key).cloned().unwrap_or_else(|| w.data.clone());
    // Only new messages: delivery receipts (message.delivered, .read, .failed) are not.
    let new_message = matches!(
        kind.as_str(),
        "message.received" | "message.created" | "message.sent" | "message.inbound" | "message.outbound"
    ) || kind.ends_with(".message_created");
    let event_kind = if new_message {
        let m: Msg = serde_json::from_value(body("message")).map_err(|e| format!("Orbit message: {e}"))?;
        let Some(conversation) = m.conversation_id.clone().map(ConversationId::from) else {
            return Err("Orbit message without its conversation".to_owned());
        };
        let fallback = format!("orbit-event-{}", at.as_millisecond());
        let mut m = m.into_domain(&conversation, false, &fallback);
        m.created_at = frontdesk_domain::known_or(m.created_at, at);
        EventKind::MessageCreated(Box::new(m))
    } else if kind.starts_with("conversation.") {
        let c: Conv = serde_json::from_value(body("conversation")).map_err(|e| format!("Orbit conversation: {e}"))?;
        let mut c = c.into_domain();
        c.updated_at = frontdesk_domain::known_or(c.updated_at, at);
        EventKind::ConversationUpdated(Box::new(c))
    } else {
        return Ok(None);
    };
    let mut e = Event { id: None, at, kind: event_kind };
    e.clean();
    Ok(Some(e))
}

#[cfg(test)]
mod tests;
