//! The adapter for Bancroft, a hosted helpdesk (`vendors/helpdesk-conversations.txt`
//! and the Bancroft notes in `vendors/NOTES.md`). Auth is an API key in `X-API-Key`:
//! `bnc_sv_…` (server: everything) or `bnc_cl_…` (client: no resolving). Every path
//! ends with a slash. There is no stream, no assignment, tags, snooze, notes or
//! suggestions, and no "who am I": the agent is the email address in the config,
//! and replies are sent as that address. Stars and read marks are kept on this
//! machine (see `sync::local`).

mod dedupe;
mod list;
mod wire;

use std::time::Duration;

use futures::stream::BoxStream;
use jiff::Timestamp;
use reqwest::{Method, RequestBuilder, StatusCode, Url, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use frontdesk_domain::text::sanitize_line;
use frontdesk_domain::{
    Agent, AgentId, AgentRole, Change, Clean, Conversation, ConversationId, Message, MessageId, Op, Page, Status, View,
    ViewFilter, ViewId, ViewKind, ViewWithCount,
};
use frontdesk_provider::http::{answer_body, by_status, network, retry_after, secret_header, urlencode};
use frontdesk_provider::{
    Applied, Capabilities, Identity, ListQuery, Provider, ProviderError, ProviderFuture, ProviderResult, Update,
};
use wire::{Conv, ListPage, Me, Msg};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The page's maximum `limit`.
const MAX_PAGE: u32 = 100;
/// What a list asks for when the caller does not say.
const DEFAULT_PAGE: u32 = 25;
/// Message pages followed through `next`; a longer thread shows its beginning.
const THREAD_PAGES: usize = 20;
/// The page's limit on a subject.
const MAX_SUBJECT: usize = 500;

/// What the key may do, by its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    Server,
    Client,
    /// Neither prefix: left to the server to judge.
    Unknown,
}

pub struct HelpdeskProvider {
    name: String,
    /// `{base}/api/v1/conversations/`.
    conversations: String,
    /// Where `next` links may lead: the key is never sent anywhere else.
    base: Url,
    key: SecretString,
    kind: KeyKind,
    agent: Agent,
    http: reqwest::Client,
    caps: Capabilities,
    /// Each conversation's requester address, as lists and reads gave it: a thread
    /// tells the customer's replies from a colleague's by it without asking again.
    requesters: std::sync::Mutex<std::collections::HashMap<ConversationId, String>>,
}

/// Requesters remembered at most; past it the memory starts over.
const REQUESTERS_MAX: usize = 10_000;

pub use frontdesk_domain::NewConversation;

fn permanent(code: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::Permanent { code: code.to_owned(), message: message.into() }
}

/// `local@domain`, loosely: enough to tell an address from a search phrase.
fn is_email(s: &str) -> bool {
    let s = s.trim();
    !s.contains(char::is_whitespace)
        && s.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty() && !domain.contains('@'))
}

impl HelpdeskProvider {
    /// `base_url` is the API's host (`https://api.bancrofthq.com`; a trailing `/api/v1`
    /// is accepted too); `agent_email` is who replies are sent as.
    pub fn new(name: &str, base_url: &str, key: SecretString, agent_email: &str) -> ProviderResult<Self> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let trimmed = trimmed.strip_suffix("/api/v1").unwrap_or(trimmed);
        let base = Url::parse(&format!("{trimmed}/"))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| permanent("CONFIG", format!("the helpdesk URL {base_url:?} is not an http(s) URL")))?;
        let email = agent_email.trim();
        if !is_email(email) {
            return Err(permanent("CONFIG", format!("the helpdesk agent email {email:?} is not an email address")));
        }
        let secret = key.expose_secret();
        let kind = if secret.starts_with("bnc_sv_") {
            KeyKind::Server
        } else if secret.starts_with("bnc_cl_") {
            KeyKind::Client
        } else {
            tracing::warn!(
                account = name,
                "the helpdesk key is neither bnc_sv_ nor bnc_cl_: the server judges each call"
            );
            KeyKind::Unknown
        };
        let (http, _) = frontdesk_provider::http::clients(REQUEST_TIMEOUT, REQUEST_TIMEOUT)?;
        let local = email.split('@').next().unwrap_or(email);
        Ok(Self {
            name: name.to_owned(),
            conversations: format!("{trimmed}/api/v1/conversations/"),
            base,
            key,
            kind,
            // The API has no profile endpoint: the agent is who the config says.
            agent: Agent {
                id: AgentId::from(email.to_ascii_lowercase()),
                name: sanitize_line(local),
                email: sanitize_line(email),
                role: AgentRole::Agent,
                team: None,
            },
            http,
            caps: Capabilities {
                streaming: false,
                saved_views: false,
                copilot: false,
                handoff: false,
                bulk: true,
                snooze: false,
                tags: false,
                notes: false,
                search: false,
                urgency_sort: false,
                // `G` by the count; the pages above by offset (`list.rs`).
                list_upward: true,
                presence: false,
                star: false,
                read: false,
                // Tickets are opened from here (a form in $EDITOR).
                create: true,
                attachments: false,
                delete: false,
                bot: false,
                close: true,
                reopen: false,
                pending: false,
                assign: false,
                priority: false,
                archive: false,
                edit_views: false,
                own_priorities: &[],
            },
            requesters: std::sync::Mutex::default(),
        })
    }

    fn me(&self) -> Me<'_> {
        Me { email: &self.agent.email, name: &self.agent.name, requester: None }
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        secret_header(self.http.request(method, url), "X-API-Key", self.key.expose_secret())
    }

    /// `…/conversations/{id}/{rest}`; `rest` ends with a slash or is empty.
    fn at(&self, id: &ConversationId, rest: &str) -> String {
        format!("{}{}/{rest}", self.conversations, urlencode(id.as_str()))
    }

    async fn call(&self, req: RequestBuilder) -> ProviderResult<Value> {
        let resp = req.send().await.map_err(|e| network(&e))?;
        let status = resp.status();
        let wait = resp.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
        let bytes = answer_body(resp).await?;
        if !status.is_success() {
            return Err(error(status, wait, &bytes).redacted(self.key.expose_secret()));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| ProviderError::Malformed(format!("Bancroft: {e}")))
    }

    async fn get(&self, id: &ConversationId) -> ProviderResult<Conversation> {
        let v = self.call(self.request(Method::GET, &self.at(id, ""))).await?;
        let c = conversation_from(v)?;
        self.remember(std::slice::from_ref(&c));
        Ok(c)
    }

    /// Keeps the requesters of `conversations` for their threads.
    fn remember(&self, conversations: &[Conversation]) {
        if let Ok(mut known) = self.requesters.lock() {
            if known.len() >= REQUESTERS_MAX {
                known.clear();
            }
            for c in conversations {
                if let Some(email) = &c.contact.email {
                    known.insert(c.id.clone(), email.clone());
                }
            }
        }
    }

    /// A conversation's requester: remembered from a list, or read (one request).
    async fn requester(&self, id: &ConversationId) -> Option<String> {
        let known = self.requesters.lock().ok().and_then(|k| k.get(id).cloned());
        match known {
            Some(email) => Some(email),
            None => self.get(id).await.ok().and_then(|c| c.contact.email),
        }
    }

    /// One page of the list, with Bancroft's own filters.
    async fn page(&self, params: &[(&str, String)]) -> ProviderResult<ListPage> {
        ListPage::read(self.call(self.request(Method::GET, &self.conversations).query(params)).await?)
    }

    /// How many conversations have this status: the envelope's `count`, or (without
    /// one) the rows of a full page.
    async fn count(&self, status: &str) -> ProviderResult<u64> {
        let page = self.page(&[("status", status.to_owned()), ("limit", "1".to_owned())]).await?;
        if let Some(n) = page.count {
            return Ok(n);
        }
        let page = self.page(&[("status", status.to_owned()), ("limit", MAX_PAGE.to_string())]).await?;
        Ok(page.rows.len() as u64)
    }

    /// Opens a conversation for an end user (looked up by email, or created).
    async fn create(&self, new: NewConversation) -> ProviderResult<Conversation> {
        let subject = new.subject.trim();
        if subject.is_empty() {
            return Err(permanent("SUBJECT_REQUIRED", "a conversation needs a subject"));
        }
        let length = subject.chars().count();
        if length > MAX_SUBJECT {
            let message = format!("the subject is {length} characters long; Bancroft takes at most {MAX_SUBJECT}");
            return Err(permanent("SUBJECT_TOO_LONG", message));
        }
        let mut body = Map::new();
        body.insert("subject".into(), json!(subject));
        let optional = [
            ("user_email", new.user_email),
            ("user_first_name", new.user_first_name),
            ("user_last_name", new.user_last_name),
            ("description", new.description),
            ("priority", new.priority.map(|p| p.as_str().to_owned())),
            ("channel", new.channel),
        ];
        for (key, value) in optional {
            if let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                body.insert(key.into(), Value::String(v));
            }
        }
        if !new.metadata.is_empty() {
            // A table of plain values serialises whole (a float that is not a number
            // becomes null, as JSON has it).
            body.insert("metadata".into(), serde_json::to_value(&new.metadata).unwrap_or_default());
        }
        let url = format!("{}create/", self.conversations);
        let v = self.call(self.request(Method::POST, &url).json(&body)).await?;
        conversation_from(wire::unwrap_object(v, "conversation"))
    }

    async fn change(&self, id: &ConversationId, change: &Change) -> ProviderResult<Conversation> {
        let unsupported = match change {
            Change::Close => return self.resolve(id).await,
            Change::Reopen => "reopening (Bancroft can only resolve)",
            Change::Pending => "setting a conversation pending",
            Change::Snooze { .. } => "snoozing",
            Change::Assign { .. } | Change::Unassign => "assigning",
            Change::SetTags { .. } | Change::AddTags { .. } | Change::RemoveTags { .. } => "tags",
            Change::SetPriority { .. } => "changing the priority",
            Change::Star | Change::Unstar => "starring on Bancroft (stars are kept on this machine)",
            Change::Read | Change::Unread => "read marks on Bancroft (they are kept on this machine)",
            Change::Archive | Change::Unarchive => "archiving (resolve instead)",
            Change::RequestHandoff { .. } | Change::Handoff { .. } | Change::ResolveHandoff => "AI handoff",
        };
        Err(ProviderError::Unsupported(unsupported))
    }

    async fn resolve(&self, id: &ConversationId) -> ProviderResult<Conversation> {
        if self.kind == KeyKind::Client {
            return Err(permanent(
                "SERVER_KEY_NEEDED",
                "resolving needs a Bancroft server key (bnc_sv_…); this account is set up with a client key (bnc_cl_…)",
            ));
        }
        let v = self.call(self.request(Method::POST, &self.at(id, "resolve/")).json(&json!({}))).await?;
        // The page elides the rest of the answer: a thin one is read back in full.
        let v = wire::unwrap_object(v, "conversation");
        if v.get("id").is_some() && v.get("requester").is_some_and(Value::is_object) {
            conversation_from(v)
        } else {
            self.get(id).await
        }
    }

    async fn send(&self, id: &ConversationId, body: &str) -> ProviderResult<Message> {
        if body.trim().is_empty() {
            return Err(permanent("EMPTY_MESSAGE", "an empty message is not sent"));
        }
        let req = self
            .request(Method::POST, &self.at(id, "messages/create/"))
            .json(&json!({ "body": body, "user_email": self.agent.email }));
        let v = self.call(req).await?;
        let now = Timestamp::now();
        // The answer is not published: whatever it leaves out, the request says.
        let answered = Msg::read(wire::unwrap_object(v, "message")).filter(|m| m.id.is_some());
        let msg = answered.unwrap_or_else(|| Msg {
            id: Some(MessageId::generate().to_string()),
            sender_email: None,
            body: Some(body.to_owned()),
            message_type: Some("reply".to_owned()),
            created_at: Some(now),
        });
        let msg = Msg { sender_email: Some(self.agent.email.clone()), ..msg };
        let mut m = msg
            .into_domain(id, &self.me())
            .ok_or_else(|| ProviderError::Malformed("Bancroft sent a message without an id".into()))?;
        if m.body.trim().is_empty() {
            body.clone_into(&mut m.body);
        }
        m.clean();
        Ok(m)
    }

    /// Follows a `next` link only back to Bancroft: it carries the key.
    fn follow(&self, next: &str) -> Option<String> {
        let url = self.base.join(next).ok()?;
        if url.origin() == self.base.origin() {
            Some(url.into())
        } else {
            tracing::warn!(next, "not following a Bancroft next link to another host");
            None
        }
    }
}

/// A conversation from an answer, or why not.
fn conversation_from(v: Value) -> ProviderResult<Conversation> {
    let mut c = Conv::read(v)
        .and_then(wire::Conv::into_domain)
        .ok_or_else(|| ProviderError::Malformed("Bancroft sent a conversation without an id".into()))?;
    c.clean();
    Ok(c)
}

/// What a failed answer means, with Bancroft's own words in it.
fn error(status: StatusCode, wait: Option<Duration>, body: &[u8]) -> ProviderError {
    let detail = wire::error_text(body);
    match status {
        StatusCode::UNAUTHORIZED => ProviderError::Auth(format!(
            "the helpdesk API key is wrong or revoked ({})",
            detail.as_deref().unwrap_or("HTTP 401")
        )),
        StatusCode::FORBIDDEN => ProviderError::Auth(format!(
            "the helpdesk refused this key: {}",
            detail.as_deref().unwrap_or("not allowed (a client key where a server key is needed?)")
        )),
        _ => by_status(status, wait, status.as_u16().to_string(), detail.unwrap_or_else(|| format!("HTTP {status}"))),
    }
}

/// What Bancroft's status filter can answer: All is every conversation, whatever
/// its status (as "All" says everywhere else), Resolved both names of the closed
/// state.
fn builtin_views() -> Vec<View> {
    let view = |id: &str, name: &str, status: Vec<Status>| View {
        id: ViewId::from(id),
        name: name.to_owned(),
        kind: ViewKind::Builtin,
        filter: ViewFilter { status, ..ViewFilter::default() },
    };
    vec![
        view("all", "All", Status::ALL.to_vec()),
        view("open", "Open", vec![Status::Open]),
        view("pending", "Pending", vec![Status::Pending]),
        view("resolved", "Resolved", vec![Status::Closed]),
    ]
}

impl Provider for HelpdeskProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn me(&self) -> ProviderFuture<'_, Identity> {
        // Nothing in the API says whose a key is: the config does.
        Box::pin(async move { Ok(Identity { agent: self.agent.clone(), org_name: "Bancroft".to_owned() }) })
    }

    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        // No team roster in the API: the one agent known is the one configured.
        Box::pin(async move { Ok(vec![self.agent.clone()]) })
    }

    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        Box::pin(async move {
            let names = ["open", "pending", "resolved", "closed"];
            let counted = futures::future::join_all(names.iter().map(|s| self.count(s))).await;
            let mut n = [0u64; 4];
            for (slot, c) in n.iter_mut().zip(counted) {
                *slot = c?;
            }
            let [open, pending, resolved, closed] = n;
            let mut out: Vec<ViewWithCount> = builtin_views()
                .into_iter()
                .map(|view| {
                    let count = match view.id.as_str() {
                        "all" => open + pending + resolved + closed,
                        "open" => open,
                        "pending" => pending,
                        _ => resolved + closed,
                    };
                    ViewWithCount { view, count }
                })
                .collect();
            out.clean();
            Ok(out)
        })
    }

    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        Box::pin(self.list_page(query))
    }

    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
        Box::pin(async move { self.get(&id).await })
    }

    /// Bancroft lists a thread oldest first, all of it (paged by `next` if at all):
    /// walked to the end, the newest `limit` kept.
    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        Box::pin(async move {
            let mut messages: Vec<Message> = Vec::new();
            let mut url = Some(format!("{}?limit={MAX_PAGE}", self.at(&id, "messages/")));
            // The requester tells the customer's address from a colleague's: known
            // from the list, or asked beside the first page. Without it, any address
            // not ours is the customer's.
            let first = format!("{}?limit={MAX_PAGE}", self.at(&id, "messages/"));
            let (requester, first_page) =
                futures::join!(self.requester(&id), self.call(self.request(Method::GET, &first)));
            let me = Me { requester: requester.as_deref(), ..self.me() };
            let mut prefetched = Some(first_page);
            for _ in 0..THREAD_PAGES {
                let Some(next) = url.take() else { break };
                let answer = match prefetched.take() {
                    Some(answer) => answer,
                    None => self.call(self.request(Method::GET, &next)).await,
                };
                let page = ListPage::read(answer?)?;
                url = page.next_link().and_then(|n| self.follow(n));
                messages.extend(page.rows.into_iter().filter_map(|v| Msg::read(v)?.into_domain(&id, &me)));
            }
            if url.is_some() {
                tracing::warn!(%id, pages = THREAD_PAGES, "a Bancroft thread longer than shown");
            }
            frontdesk_provider::json::newest(&mut messages, limit);
            messages.clean();
            Ok(messages)
        })
    }

    /// Bancroft documents no idempotency: a retried reply may post twice, unless
    /// [`Self::already_applied`] finds it first.
    fn apply(&self, op: Op, _idempotency_key: String) -> ProviderFuture<'_, Applied> {
        Box::pin(frontdesk_provider::apply_plain(
            op,
            "internal notes (Bancroft has none)",
            move |id, change| async move { self.change(&id, &change).await },
            move |id, body| async move { self.send(&id, &body).await },
        ))
    }

    fn create_conversation(&self, new: NewConversation) -> ProviderFuture<'_, Conversation> {
        Box::pin(self.create(new))
    }

    /// A reply already in the thread, for a retry after a lost answer (see `dedupe`).
    fn already_applied(&self, op: &Op, since: Timestamp) -> ProviderFuture<'_, Option<Applied>> {
        dedupe::already_applied(self, op, since)
    }

    fn updates(&self, _resume: Option<String>) -> BoxStream<'static, Update> {
        // No stream (webhooks only, to a server): the engine polls the list.
        Box::pin(futures::stream::once(async { Update::Unavailable("Bancroft is polled".into()) }))
    }
}

#[cfg(test)]
mod tests;
