//! The adapter for our own reference server (`frontdesk serve`). The native API
//! speaks the `domain` types themselves, so the wire types here are only the
//! request bodies and the few envelopes the server wraps answers in.

use std::time::Duration;

use futures::stream::BoxStream;
use reqwest::{Method, RequestBuilder, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use frontdesk_domain::KEEP_ALIVE_HEADER;
use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{
    Agent, Change, Clean, Conversation, ConversationId, Event, Message, Op, Page, PresenceState, ReplyKind, Suggestion,
    ViewWithCount,
};
use frontdesk_provider::http::{answer_body, by_status, network, retry_after, urlencode};
use frontdesk_provider::sse::{Limits, MAX_SILENCE};
use frontdesk_provider::{
    Applied, Capabilities, Identity, ListQuery, Provider, ProviderError, ProviderFuture, ProviderResult, Sort, Towards,
    Update,
};

/// How long one ordinary request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The server's keep-alive on the event stream, by default (`event_keep_alive_secs`):
/// two missed in a row, 30 s without a byte, and the stream is stalled.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub struct NativeProvider {
    name: String,
    base: String,
    key: SecretString,
    http: reqwest::Client,
    stream_http: reqwest::Client,
    /// What the event stream may do; its silence is also `stream_http`'s read timeout.
    limits: Limits,
    caps: Capabilities,
}

impl NativeProvider {
    pub fn new(name: &str, base_url: &str, key: SecretString) -> ProviderResult<Self> {
        let limits = Limits { announced_by: Some(KEEP_ALIVE_HEADER), ..Limits::keep_alive(KEEP_ALIVE) };
        // The silence is the stream's to judge (it follows what the server
        // announces); the client's read timeout is only the outer bound.
        let (http, stream_http) = frontdesk_provider::http::clients(REQUEST_TIMEOUT, MAX_SILENCE)?;
        Ok(Self {
            name: name.to_owned(),
            base: base_url.trim_end_matches('/').to_owned(),
            key,
            http,
            stream_http,
            limits,
            caps: Capabilities::ALL,
        })
    }

    /// Polls for changes instead of holding the event stream open.
    #[must_use]
    pub fn polling(mut self) -> Self {
        self.caps.streaming = false;
        self
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).bearer_auth(self.key.expose_secret())
    }

    async fn call<T: DeserializeOwned>(&self, req: RequestBuilder) -> ProviderResult<T> {
        let resp = req.send().await.map_err(|e| network(&e))?;
        let status = resp.status();
        let header = |name| resp.headers().get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
        let retry_after = header("retry-after-ms")
            .and_then(frontdesk_provider::http::retry_after_ms)
            .or_else(|| header(header::RETRY_AFTER.as_str()).and_then(retry_after));
        let bytes = answer_body(resp).await?;
        if !status.is_success() {
            return Err(error_for(status, retry_after, &bytes).redacted(self.key.expose_secret()));
        }
        let body = if bytes.is_empty() { &b"null"[..] } else { &bytes[..] };
        serde_json::from_slice(body).map_err(|e| ProviderError::Malformed(e.to_string()))
    }

    fn conversation_path(id: &ConversationId, rest: &str) -> String {
        format!("/v1/conversations/{}{rest}", urlencode(id.as_str()))
    }

    async fn change(&self, id: &ConversationId, change: &Change) -> ProviderResult<Conversation> {
        let simple = |verb: &str| self.request(Method::POST, &Self::conversation_path(id, &format!("/{verb}")));
        let req = match change {
            Change::Star => simple("star"),
            Change::Unstar => simple("unstar"),
            Change::Read => simple("read"),
            Change::Unread => simple("unread"),
            Change::Archive => simple("archive"),
            Change::Unarchive => simple("unarchive"),
            Change::Close => simple("close"),
            Change::Reopen => simple("reopen"),
            Change::Pending => simple("pending"),
            Change::Snooze { until } => simple("snooze").json(&serde_json::json!({ "until": until })),
            Change::Unassign => simple("unassign"),
            Change::Assign { agent_id, team } => {
                simple("assign").json(&serde_json::json!({ "agent_id": agent_id, "team": team }))
            }
            Change::SetTags { tags } => self
                .request(Method::PUT, &Self::conversation_path(id, "/tags"))
                .json(&serde_json::json!({ "tags": tags })),
            Change::SetPriority { priority } => self
                .request(Method::PUT, &Self::conversation_path(id, "/priority"))
                .json(&serde_json::json!({ "priority": priority })),
            Change::Handoff { reason } => simple("handoff").json(&serde_json::json!({ "reason": reason })),
            Change::RequestHandoff { reason } => {
                simple("handoff/request").json(&serde_json::json!({ "reason": reason }))
            }
            Change::ResolveHandoff => simple("handoff/resolve"),
            // No endpoint of its own: a bulk request of one.
            Change::AddTags { .. } | Change::RemoveTags { .. } => {
                let Applied::Bulk(mut results) = self.bulk(std::slice::from_ref(id), change, None).await? else {
                    return Err(ProviderError::Malformed("bulk answered something else".into()));
                };
                return match results.pop() {
                    Some((_, Ok(c))) => Ok(*c),
                    Some((_, Err(message))) => Err(ProviderError::Permanent { code: "BULK_ITEM".into(), message }),
                    None => Err(ProviderError::Malformed("bulk answered no item".into())),
                };
            }
        };
        let mut c: Conversation = self.call(req).await?;
        c.clean();
        Ok(c)
    }

    async fn bulk(&self, ids: &[ConversationId], change: &Change, key: Option<&str>) -> ProviderResult<Applied> {
        let body = serde_json::json!({ "ids": ids, "action": change });
        let mut req = self.request(Method::POST, "/v1/conversations/bulk").json(&body);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let result: BulkResult = self.call(req).await?;
        Ok(Applied::Bulk(
            result
                .results
                .into_iter()
                .map(|item| {
                    let outcome = match (item.ok, item.conversation) {
                        (true, Some(mut c)) => {
                            c.clean();
                            Ok(Box::new(c))
                        }
                        _ => Err(item.error.map_or_else(|| "failed".to_owned(), |e| sanitize_line(&e.message))),
                    };
                    (item.id, outcome)
                })
                .collect(),
        ))
    }

    async fn apply_op(&self, op: Op, key: String) -> ProviderResult<Applied> {
        let keyed = |req: RequestBuilder| req.header("Idempotency-Key", key.clone());
        Ok(match op {
            Op::Change { conversation, change } => {
                Applied::Conversation(Box::new(self.change(&conversation, &change).await?))
            }
            Op::Bulk { conversations, change } => self.bulk(&conversations, &change, Some(&key)).await?,
            Op::Send { conversation, kind, body, suggestion, .. } => {
                let kind = match kind {
                    ReplyKind::Reply => "reply",
                    ReplyKind::Note => "note",
                };
                let body = serde_json::json!({ "kind": kind, "body": body, "suggestion_id": suggestion });
                let req = self.request(Method::POST, &Self::conversation_path(&conversation, "/messages")).json(&body);
                let mut m: Message = self.call(keyed(req)).await?;
                m.clean();
                Applied::Message(Box::new(m))
            }
            Op::SendSuggestion { suggestion } => {
                let path = format!("/v1/suggestions/{}/send", urlencode(suggestion.as_str()));
                let mut m: Message = self.call(keyed(self.request(Method::POST, &path))).await?;
                m.clean();
                Applied::Message(Box::new(m))
            }
            Op::DismissSuggestion { suggestion } => {
                let path = format!("/v1/suggestions/{}/dismiss", urlencode(suggestion.as_str()));
                let mut s: Suggestion = self.call(self.request(Method::POST, &path)).await?;
                s.clean();
                Applied::Suggestion(Box::new(s))
            }
            Op::RequestSuggestion { conversation } => {
                let req = self.request(Method::POST, &Self::conversation_path(&conversation, "/copilot/suggest"));
                let mut s: Suggestion = self.call(req).await?;
                s.clean();
                Applied::Suggestion(Box::new(s))
            }
        })
    }
}

#[derive(Deserialize)]
struct MeWire {
    agent: Agent,
    org_name: String,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

#[derive(Deserialize)]
struct BulkResult {
    results: Vec<BulkItem>,
}

#[derive(Deserialize)]
struct BulkItem {
    id: ConversationId,
    ok: bool,
    conversation: Option<Conversation>,
    error: Option<ErrorBody>,
}

fn error_for(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> ProviderError {
    let (code, message) = match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(e) => (e.error.code, frontdesk_domain::text::sanitize_line(&e.error.message)),
        Err(_) => (status.as_str().to_owned(), format!("HTTP {status}")),
    };
    by_status(status, retry_after, code, message)
}

impl Provider for NativeProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn me(&self) -> ProviderFuture<'_, Identity> {
        Box::pin(async move {
            let mut me: MeWire = self.call(self.request(Method::GET, "/v1/me")).await?;
            me.agent.clean();
            Ok(Identity { agent: me.agent, org_name: frontdesk_domain::text::sanitize_line(&me.org_name) })
        })
    }

    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        Box::pin(async move {
            let mut agents: Vec<Agent> = self.call(self.request(Method::GET, "/v1/agents")).await?;
            agents.clean();
            Ok(agents)
        })
    }

    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        Box::pin(async move {
            let mut views: Vec<ViewWithCount> = self.call(self.request(Method::GET, "/v1/views")).await?;
            views.clean();
            Ok(views)
        })
    }

    fn save_view(
        &self,
        name: String,
        filter: frontdesk_domain::ViewFilter,
    ) -> ProviderFuture<'_, frontdesk_domain::View> {
        Box::pin(async move {
            let body = serde_json::json!({ "name": name, "filter": filter });
            let mut view: frontdesk_domain::View =
                self.call(self.request(Method::POST, "/v1/views").json(&body)).await?;
            view.clean();
            Ok(view)
        })
    }

    fn delete_view(&self, id: frontdesk_domain::ViewId) -> ProviderFuture<'_, ()> {
        Box::pin(async move {
            let path = format!("/v1/views/{}", urlencode(id.as_str()));
            let _: serde_json::Value = self.call(self.request(Method::DELETE, &path)).await?;
            Ok(())
        })
    }

    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        Box::pin(async move {
            let mut params: Vec<(&str, String)> = vec![("limit", query.limit.clamp(1, 100).to_string())];
            if let Some(view) = &query.view {
                params.push(("view", view.to_string()));
            }
            let f = &query.filter;
            if !f.status.is_empty() {
                params.push((
                    "status",
                    f.status.iter().map(frontdesk_domain::Status::as_str).collect::<Vec<_>>().join(","),
                ));
            }
            if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
                params.push(("q", q.to_owned()));
            }
            if f.archived {
                params.push(("archived", "true".to_owned()));
            }
            if query.sort == Sort::Urgency {
                params.push(("sort", "urgency".to_owned()));
            }
            // A `prev_cursor` says itself which way it goes; without one, up starts at the end.
            match (&query.cursor, query.towards) {
                (Some(c), _) => params.push(("cursor", c.clone())),
                (None, Towards::Up) => params.push(("from", "end".to_owned())),
                (None, Towards::Down) => {}
            }
            if let Some(since) = query.updated_since {
                params.push(("updated_since", since.to_string()));
            }
            let mut page: Page<Conversation> =
                self.call(self.request(Method::GET, "/v1/conversations").query(&params)).await?;
            page.items.clean();
            Ok(page)
        })
    }

    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
        Box::pin(async move {
            let mut c: Conversation = self.call(self.request(Method::GET, &Self::conversation_path(&id, ""))).await?;
            c.clean();
            Ok(c)
        })
    }

    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        Box::pin(async move {
            let req = self
                .request(Method::GET, &Self::conversation_path(&id, "/messages"))
                .query(&[("order", "desc"), ("limit", &limit.clamp(1, 100).to_string())]);
            let page: Page<Message> = self.call(req).await?;
            let mut items = page.items;
            items.reverse();
            items.clean();
            Ok(items)
        })
    }

    fn thread_page(&self, id: ConversationId, cursor: Option<String>, limit: u32) -> ProviderFuture<'_, Page<Message>> {
        Box::pin(async move {
            let mut req = self
                .request(Method::GET, &Self::conversation_path(&id, "/messages"))
                .query(&[("order", "desc"), ("limit", &limit.clamp(1, 100).to_string())]);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let mut page: Page<Message> = self.call(req).await?;
            page.items.reverse();
            page.items.clean();
            Ok(page)
        })
    }

    fn suggestions(&self, id: ConversationId) -> ProviderFuture<'_, Vec<Suggestion>> {
        Box::pin(async move {
            let mut s: Vec<Suggestion> =
                self.call(self.request(Method::GET, &Self::conversation_path(&id, "/suggestions"))).await?;
            s.clean();
            Ok(s)
        })
    }

    fn presence(&self, id: ConversationId, state: PresenceState) -> ProviderFuture<'_, ()> {
        Box::pin(async move {
            let req = self
                .request(Method::POST, &Self::conversation_path(&id, "/presence"))
                .json(&serde_json::json!({ "state": state }));
            self.call::<()>(req).await
        })
    }

    fn apply(&self, op: Op, idempotency_key: String) -> ProviderFuture<'_, Applied> {
        Box::pin(self.apply_op(op, idempotency_key))
    }

    fn updates(&self, resume: Option<String>) -> BoxStream<'static, Update> {
        let http = self.stream_http.clone();
        let url = format!("{}/v1/events", self.base);
        let key = self.key.clone();
        let request = move |last: Option<&str>| {
            let req = http.get(&url).bearer_auth(key.expose_secret());
            match last {
                Some(id) => req.header("Last-Event-ID", id),
                None => req,
            }
        };
        let parse = |name: Option<&str>, data: &str| {
            match name {
                Some("ready") => return Ok(None),
                // The stream ends next; the reconnect is refused (401) and the
                // engine says "key refused".
                Some("revoked") => {
                    tracing::warn!(why = %frontdesk_domain::text::sanitize_line(data), "the server closed the event stream: key revoked");
                    return Ok(None);
                }
                _ => {}
            }
            // Counted and logged (at most once a second) by the stream, not here.
            let mut event = serde_json::from_str::<Event>(data).map_err(|e| e.to_string())?;
            event.clean();
            Ok(Some(event))
        };
        frontdesk_provider::sse::updates(request, resume, Box::new(parse), self.limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_kinds() {
        let body = br#"{"error":{"code":"VALIDATION","message":"body must not be empty"}}"#;
        assert_eq!(
            error_for(StatusCode::UNPROCESSABLE_ENTITY, None, body),
            ProviderError::Permanent { code: "VALIDATION".into(), message: "body must not be empty".into() }
        );
        assert!(matches!(error_for(StatusCode::UNAUTHORIZED, None, body), ProviderError::Auth(_)));
        assert!(error_for(StatusCode::BAD_GATEWAY, None, b"<html>").is_transient());
        let hostile = br#"{"error":{"code":"X","message":"\u001b[31mred"}}"#;
        assert_eq!(error_for(StatusCode::BAD_REQUEST, None, hostile).to_string(), "red");
    }

    /// A loopback server answering every request with `head`, then `chunk` until
    /// the client goes away (a body without a length runs until the connection closes).
    async fn endless(head: &'static [u8], chunk: Vec<u8>) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind on loopback");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let chunk = chunk.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    let _ = socket.write_all(head).await;
                    while socket.write_all(&chunk).await.is_ok() {}
                });
            }
        });
        url
    }

    #[tokio::test]
    async fn an_endless_answer_is_refused_at_16_mib() {
        let url = endless(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n[", vec![b' '; 64 << 10]).await;
        let p = NativeProvider::new("t", &url, SecretString::from("k".to_owned())).expect("provider");
        let e = p.me().await.expect_err("refused");
        assert_eq!(e, ProviderError::Malformed("the answer was larger than 16 MiB".into()));
        assert_eq!(e.to_string(), "unexpected answer: the answer was larger than 16 MiB");
    }

    #[tokio::test]
    async fn an_error_with_an_endless_body_is_still_known_by_its_status() {
        let url = endless(b"HTTP/1.1 503 Service Unavailable\r\n\r\n", vec![b'x'; 64 << 10]).await;
        let p = NativeProvider::new("t", &url, SecretString::from("k".to_owned())).expect("provider");
        let e = p.me().await.expect_err("refused");
        assert_eq!(e, ProviderError::Network("HTTP 503 Service Unavailable".into()));
    }
}
