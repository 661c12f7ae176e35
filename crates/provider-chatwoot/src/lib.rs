//! The adapter for a (self-hosted) Chatwoot, by its `OpenAPI` document
//! (`vendors/chatwoot/application_swagger.json`). Auth is the `api_access_token`
//! header; everything lives under `/api/v1/accounts/{account_id}`; `/profile` says
//! who "me" is. Live updates are polled (the list comes freshest first). Chatwoot has
//! no star and no read marks for an agent: those are kept on this machine.

mod list;
mod wire;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use futures::stream::BoxStream;
use reqwest::{Method, RequestBuilder, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use frontdesk_domain::{
    Agent, AssigneeFilter, BuiltinView, Change, Clean, Conversation, ConversationId, Message, Op, Page, ReplyKind,
    Status, View, ViewFilter, ViewId, ViewKind, ViewWithCount,
};
use frontdesk_provider::http::{answer_body, by_status, network, retry_after, secret_header, urlencode};
use frontdesk_provider::{
    Applied, Capabilities, Identity, ListQuery, Provider, ProviderError, ProviderFuture, ProviderResult, Update,
};
use wire::{Conv, Msg};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Chatwoot's page size for conversations.
const PAGE: usize = 25;
/// Older message pages walked to fill a thread.
const THREAD_PAGES: usize = 5;

pub struct ChatwootProvider {
    name: String,
    /// `{url}/api/v1/accounts/{account_id}`.
    account: String,
    profile: String,
    key: SecretString,
    http: reqwest::Client,
    caps: Capabilities,
    /// Labels seen in lists, offered as views.
    labels: Mutex<BTreeSet<String>>,
}

impl ChatwootProvider {
    pub fn new(name: &str, url: &str, account_id: u64, key: SecretString) -> ProviderResult<Self> {
        let (http, _) = frontdesk_provider::http::clients(REQUEST_TIMEOUT, REQUEST_TIMEOUT)?;
        let base = url.trim().trim_end_matches('/');
        Ok(Self {
            name: name.to_owned(),
            account: format!("{base}/api/v1/accounts/{account_id}"),
            profile: format!("{base}/api/v1/profile"),
            key,
            http,
            caps: Capabilities {
                streaming: false,
                saved_views: true,
                copilot: false,
                handoff: false,
                bulk: true,
                snooze: true,
                tags: true,
                notes: true,
                search: true,
                urgency_sort: false,
                // The last page by the view's count (`list.rs`).
                list_upward: true,
                presence: false,
                star: false,
                read: false,
                create: false,
                attachments: false,
                delete: false,
                bot: false,
                close: true,
                reopen: true,
                pending: true,
                assign: true,
                priority: true,
                archive: false,
                edit_views: false,
                // The API document's priority enum: urgent, high, medium, low, none.
                own_priorities: &["medium"],
            },
            labels: Mutex::new(BTreeSet::new()),
        })
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        secret_header(
            self.http.request(method, format!("{}{path}", self.account)),
            "api_access_token",
            self.key.expose_secret(),
        )
    }

    async fn call<T: DeserializeOwned>(&self, req: RequestBuilder) -> ProviderResult<T> {
        let resp = req.send().await.map_err(|e| network(&e))?;
        let status = resp.status();
        let wait = resp.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
        let bytes = answer_body(resp).await?;
        if !status.is_success() {
            let message = wire::error_text(&bytes).unwrap_or_else(|| format!("HTTP {status}"));
            let error = if status == StatusCode::UNAUTHORIZED {
                ProviderError::Auth(format!("the Chatwoot access token is wrong or revoked ({message})"))
            } else {
                by_status(status, wait, status.as_u16().to_string(), message)
            };
            return Err(error.redacted(self.key.expose_secret()));
        }
        let body = if bytes.is_empty() { &b"null"[..] } else { &bytes[..] };
        serde_json::from_slice(body).map_err(|e| ProviderError::Malformed(format!("Chatwoot: {e}")))
    }

    fn path(id: &ConversationId, rest: &str) -> String {
        format!("/conversations/{}{rest}", urlencode(id.as_str()))
    }

    async fn get(&self, id: &ConversationId) -> ProviderResult<Conversation> {
        let c: Conv = self.call(self.request(Method::GET, &Self::path(id, ""))).await?;
        let mut c = c.into_domain().ok_or_else(|| ProviderError::Malformed("no id".into()))?;
        c.clean();
        Ok(c)
    }

    /// `meta` counts for a status (and labels).
    async fn counts(&self, status: &str, labels: &[String]) -> ProviderResult<wire::Counts> {
        let mut params = vec![("status", status.to_owned())];
        // `labels`, as Chatwoot's document names it.
        params.extend(labels.iter().map(|l| ("labels", l.clone())));
        let m: wire::MetaAnswer = self.call(self.request(Method::GET, "/conversations/meta").query(&params)).await?;
        Ok(m.meta)
    }

    async fn change(&self, id: &ConversationId, change: &Change) -> ProviderResult<Conversation> {
        let status = |s: &str| (Method::POST, "/toggle_status", json!({ "status": s }));
        let (method, rest, body) = match change {
            Change::Close => status("resolved"),
            Change::Reopen => status("open"),
            Change::Pending => status("pending"),
            Change::Snooze { until } => {
                (Method::POST, "/toggle_status", json!({ "status": "snoozed", "snoozed_until": until.as_second() }))
            }
            Change::SetPriority { priority } => {
                (Method::POST, "/toggle_priority", json!({ "priority": wire::priority_name(priority) }))
            }
            Change::Assign { agent_id: Some(agent), .. } => {
                (Method::POST, "/assignments", json!({ "assignee_id": number(agent.as_str())? }))
            }
            Change::Assign { agent_id: None, team: Some(team) } => {
                (Method::POST, "/assignments", json!({ "team_id": self.team_id(team).await? }))
            }
            // No one: an id that is no user's (the document has no null here; Chatwoot's
            // controller unassigns for any id it cannot find).
            Change::Assign { agent_id: None, team: None } | Change::Unassign => {
                (Method::POST, "/assignments", json!({ "assignee_id": 0 }))
            }
            Change::SetTags { .. } | Change::AddTags { .. } | Change::RemoveTags { .. } => {
                // The endpoint replaces the list: read it now, merge, write it whole,
                // so a label another agent added a second ago is kept.
                let now: wire::Labels = self.call(self.request(Method::GET, &Self::path(id, "/labels"))).await?;
                let mut labels = now.payload;
                match change {
                    Change::SetTags { tags } => labels.clone_from(tags),
                    Change::AddTags { tags } => {
                        for t in tags {
                            if !labels.contains(t) {
                                labels.push(t.clone());
                            }
                        }
                    }
                    Change::RemoveTags { tags } => labels.retain(|l| !tags.contains(l)),
                    _ => {}
                }
                (Method::POST, "/labels", json!({ "labels": labels }))
            }
            Change::Star | Change::Unstar => return Err(ProviderError::Unsupported("starring (Chatwoot has no star)")),
            Change::Read | Change::Unread => return Err(ProviderError::Unsupported("read marks")),
            Change::Archive | Change::Unarchive => {
                return Err(ProviderError::Unsupported("archiving (resolve instead)"));
            }
            Change::RequestHandoff { .. } | Change::Handoff { .. } | Change::ResolveHandoff => {
                return Err(ProviderError::Unsupported("AI handoff"));
            }
        };
        self.call::<Value>(self.request(method, &Self::path(id, rest)).json(&body)).await?;
        self.get(id).await
    }

    async fn team_id(&self, name: &str) -> ProviderResult<u64> {
        if let Ok(n) = name.parse() {
            return Ok(n);
        }
        let teams: Vec<wire::Team> = self.call(self.request(Method::GET, "/teams")).await?;
        teams
            .into_iter()
            .find(|t| t.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .and_then(|t| t.id)
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| ProviderError::Permanent {
                code: "NO_TEAM".into(),
                message: format!("no team named {name}"),
            })
    }

    async fn send_message(&self, id: &ConversationId, kind: ReplyKind, body: &str) -> ProviderResult<Message> {
        let req = self.request(Method::POST, &Self::path(id, "/messages")).json(&json!({
            "content": body,
            "message_type": "outgoing",
            "private": kind == ReplyKind::Note,
        }));
        let m: Msg = self.call(req).await?;
        let mut m = m
            .into_domain(id)
            .ok_or_else(|| ProviderError::Malformed("Chatwoot answered a message without an id".into()))?;
        if m.body.is_empty() {
            body.clone_into(&mut m.body);
        }
        // Sent just now, whatever the answer leaves out.
        m.created_at = frontdesk_domain::known_or(m.created_at, jiff::Timestamp::now());
        m.clean();
        Ok(m)
    }
}

/// Chatwoot's ids are numbers.
fn number(id: &str) -> ProviderResult<u64> {
    id.parse()
        .map_err(|_| ProviderError::Permanent { code: "BAD_ID".into(), message: format!("{id} is not a Chatwoot id") })
}

/// The label views' ids carry this.
const LABEL: &str = "label:";

/// Mine, Unassigned, All, then one per status: what Chatwoot's list can answer.
fn builtin_views() -> Vec<View> {
    // Open only, as Chatwoot's own tabs and the counts in its `meta` are.
    let open = || vec![Status::Open];
    let view = |id: &str, name: &str, filter: ViewFilter| View {
        id: ViewId::from(id),
        name: name.to_owned(),
        kind: ViewKind::Builtin,
        filter,
    };
    vec![
        View {
            filter: ViewFilter { assignee: Some(AssigneeFilter::Me), status: open(), ..ViewFilter::default() },
            ..BuiltinView::Mine.view()
        },
        view(
            "unassigned",
            "Unassigned",
            ViewFilter { assignee: Some(AssigneeFilter::Unassigned), status: open(), ..ViewFilter::default() },
        ),
        view("all", "All", ViewFilter { status: open(), ..ViewFilter::default() }),
        view("pending", "Pending", ViewFilter { status: vec![Status::Pending], ..ViewFilter::default() }),
        view("snoozed", "Snoozed", ViewFilter { status: vec![Status::Snoozed], ..ViewFilter::default() }),
        view("resolved", "Resolved", ViewFilter { status: vec![Status::Closed], ..ViewFilter::default() }),
    ]
}

impl Provider for ChatwootProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn me(&self) -> ProviderFuture<'_, Identity> {
        Box::pin(async move {
            let req = secret_header(self.http.get(&self.profile), "api_access_token", self.key.expose_secret());
            let user: wire::User = self.call(req).await?;
            let agent = user.agent().ok_or_else(|| ProviderError::Malformed("the profile has no id".into()))?;
            Ok(Identity { agent, org_name: "Chatwoot".to_owned() })
        })
    }

    fn teams(&self) -> ProviderFuture<'_, Vec<String>> {
        Box::pin(async move {
            let teams: Vec<wire::Team> = self.call(self.request(Method::GET, "/teams")).await?;
            let mut names: Vec<String> = teams
                .into_iter()
                .filter_map(|t| t.name.map(|n| frontdesk_domain::text::sanitize_line(&n)))
                .filter(|n| !n.trim().is_empty())
                .collect();
            names.sort();
            names.dedup();
            Ok(names)
        })
    }

    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        Box::pin(async move {
            let users: Vec<wire::User> = self.call(self.request(Method::GET, "/agents")).await?;
            let mut agents: Vec<Agent> = users.into_iter().filter_map(wire::User::agent).collect();
            agents.clean();
            Ok(agents)
        })
    }

    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        Box::pin(async move {
            let labels: Vec<String> = self.labels.lock().map(|l| l.iter().cloned().collect()).unwrap_or_default();
            let statuses = ["open", "pending", "snoozed", "resolved"];
            let counted = futures::future::join_all(statuses.iter().map(|s| self.counts(s, &[]))).await;
            let by_label =
                futures::future::join_all(labels.iter().map(|l| self.counts("open", std::slice::from_ref(l)))).await;
            let mut counts = [wire::Counts::default(); 4];
            for (i, c) in counted.into_iter().enumerate() {
                counts[i] = c?;
            }
            let open = counts[0];
            let mut out = Vec::new();
            for v in builtin_views() {
                let count = match v.id.as_str() {
                    "mine" => open.of("me"),
                    "unassigned" => open.of("unassigned"),
                    "all" => open.of("all"),
                    "pending" => counts[1].of("all"),
                    "snoozed" => counts[2].of("all"),
                    _ => counts[3].of("all"),
                }
                .unwrap_or(0);
                out.push(ViewWithCount { view: v, count });
            }
            for (label, c) in labels.into_iter().zip(by_label) {
                let view = View {
                    id: ViewId::from(format!("{LABEL}{label}")),
                    name: format!("#{label}"),
                    kind: ViewKind::Saved,
                    filter: ViewFilter { tags: vec![label], status: vec![Status::Open], ..ViewFilter::default() },
                };
                out.push(ViewWithCount { view, count: c.ok().and_then(|c| c.of("all")).unwrap_or(0) });
            }
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

    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        Box::pin(async move {
            let keep = usize::try_from(limit).unwrap_or(usize::MAX);
            let mut messages: Vec<Message> = Vec::new();
            let mut before: Option<String> = None;
            // Newest page first; older ones (`before` the oldest so far) until full.
            for _ in 0..THREAD_PAGES {
                let mut req = self.request(Method::GET, &Self::path(&id, "/messages"));
                if let Some(b) = &before {
                    req = req.query(&[("before", b)]);
                }
                let page: wire::MessageList = self.call(req).await?;
                let mut older: Vec<Message> = page
                    .payload
                    .into_iter()
                    .filter_map(|v| serde_json::from_value::<Msg>(v).ok()?.into_domain(&id))
                    .collect();
                older.retain(|m| !messages.iter().any(|x| x.id == m.id));
                if older.is_empty() {
                    break;
                }
                before = older
                    .iter()
                    .map(|m| m.id.as_str())
                    .min_by_key(|s| s.parse::<u64>().unwrap_or(u64::MAX))
                    .map(str::to_owned);
                older.append(&mut messages);
                messages = older;
                if messages.len() >= keep {
                    break;
                }
            }
            frontdesk_provider::json::newest(&mut messages, limit);
            messages.clean();
            Ok(messages)
        })
    }

    fn thread_page(&self, id: ConversationId, cursor: Option<String>, limit: u32) -> ProviderFuture<'_, Page<Message>> {
        Box::pin(async move {
            let Some(before) = cursor else {
                // The first page is as full as `thread` makes it; older ones follow.
                let items = self.thread(id, limit).await?;
                // Fewer than asked means `thread` walked back to an empty page: the
                // beginning. Only a full page may have older messages above it.
                let full = items.len() >= usize::try_from(limit).unwrap_or(usize::MAX);
                let next_cursor = items.first().filter(|_| full).map(|m| m.id.to_string());
                return Ok(Page { items, next_cursor, prev_cursor: None });
            };
            let req = self.request(Method::GET, &Self::path(&id, "/messages")).query(&[("before", &before)]);
            let page: wire::MessageList = self.call(req).await?;
            let mut items: Vec<Message> = page
                .payload
                .into_iter()
                .filter_map(|v| serde_json::from_value::<Msg>(v).ok()?.into_domain(&id))
                .collect();
            frontdesk_provider::json::oldest_first(&mut items);
            items.clean();
            // Chatwoot says nothing of "more": an empty page is the beginning.
            let next_cursor = items.first().map(|m| m.id.to_string());
            Ok(Page { items, next_cursor, prev_cursor: None })
        })
    }

    fn apply(&self, op: Op, _idempotency_key: String) -> ProviderFuture<'_, Applied> {
        Box::pin(async move {
            match op {
                Op::Change { conversation, change } => {
                    Ok(Applied::Conversation(Box::new(self.change(&conversation, &change).await?)))
                }
                Op::Bulk { conversations, change } => {
                    let change = &change;
                    Ok(frontdesk_provider::one_by_one(
                        conversations,
                        |id| async move { self.change(&id, change).await },
                    )
                    .await)
                }
                Op::Send { conversation, kind, body, .. } => {
                    Ok(Applied::Message(Box::new(self.send_message(&conversation, kind, &body).await?)))
                }
                Op::SendSuggestion { .. } | Op::DismissSuggestion { .. } | Op::RequestSuggestion { .. } => {
                    Err(ProviderError::Unsupported("copilot suggestions"))
                }
            }
        })
    }

    fn updates(&self, _resume: Option<String>) -> BoxStream<'static, Update> {
        // No stream: the engine polls (see `capabilities`).
        Box::pin(futures::stream::once(async { Update::Unavailable("Chatwoot is polled".into()) }))
    }
}

#[cfg(test)]
mod tests;
