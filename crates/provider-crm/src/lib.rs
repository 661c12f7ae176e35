//! The adapter for Iron, a CRM whose inbox is a view over its activity timeline
//! (`vendors/crm-inbox-conversations.txt` and the Iron notes in `vendors/NOTES.md`).
//! Everything lives under `{host}/api/v1`; auth is a Supabase session (see `auth`),
//! `X-Org-Id` picks the sub-account. There is no push: the engine polls (the view
//! counts are the cheap probe). Suggestions are the AI setter's draft rows in the
//! timeline; they are sent or dismissed by activity id. Iron has no snooze, tags,
//! notes to write, handoff, presence or search in its published API. The object
//! shapes and paging are not published: see `wire` for what is assumed.
//!
//! Files go out with a reply through the media upload (see `media`); views are
//! written back and conversations opened for a contact in `saved`. The user's orgs
//! cannot be listed (no endpoint on the page): the config names them.

mod auth;
mod media;
mod paging;
mod retry;
mod saved;
mod sla;
mod timeline;
mod views;
mod wire;

use std::time::Duration;

use futures::stream::BoxStream;
use jiff::Timestamp;
use reqwest::{Method, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use frontdesk_domain::{
    Agent, AgentId, AgentRole, AssigneeFilter, Change, Clean, Conversation, ConversationId, Message, Op, Page,
    ReplyKind, Suggestion, SuggestionId, ViewWithCount,
};
use frontdesk_provider::http::{answer_body, by_status, network, retry_after, urlencode};
use frontdesk_provider::{
    Applied, Capabilities, Identity, ListQuery, Provider, ProviderError, ProviderFuture, ProviderResult, Update,
};
pub use media::MAX_FILE_BYTES;
use wire::{Activity, Conv, Ctx, Row};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_PAGE: u32 = 25;
const MAX_PAGE: u32 = 100;

pub struct CrmProvider {
    name: String,
    /// `{host}/api/v1`.
    api: String,
    org_id: Option<String>,
    auth: auth::Auth,
    http: reqwest::Client,
    caps: Capabilities,
}

/// What a request carries.
#[derive(Clone, Copy)]
enum Payload<'a> {
    None,
    Json(&'a Value),
    /// A file as `multipart/form-data`.
    File(&'a media::Upload),
}

/// A failed answer, kept raw until we know whether a refresh may fix it.
struct Failure {
    status: StatusCode,
    wait: Option<Duration>,
    body: Vec<u8>,
}

fn permanent(code: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::Permanent { code: code.to_owned(), message: message.into() }
}

fn http_url(raw: &str, what: &str) -> ProviderResult<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    reqwest::Url::parse(trimmed)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|_| trimmed.to_owned())
        .ok_or_else(|| permanent("CONFIG", format!("the Iron {what} {raw:?} is not an http(s) URL")))
}

impl CrmProvider {
    /// `base_url` is the installation's API host (a trailing `/api/v1` is accepted);
    /// `auth_url` its Supabase project URL (a trailing `/auth/v1` is accepted);
    /// `org_id` the sub-account, or none for the one the user joined first.
    pub fn new(
        name: &str,
        base_url: &str,
        auth_url: &str,
        email: &str,
        password: SecretString,
        org_id: Option<String>,
    ) -> ProviderResult<Self> {
        let base = http_url(base_url, "URL")?;
        let base = base.strip_suffix("/api/v1").unwrap_or(&base);
        let auth_base = http_url(auth_url, "auth URL")?;
        if email.trim().is_empty() || password.expose_secret().is_empty() {
            return Err(permanent("CONFIG", "Iron needs the email and password the agent signs in with"));
        }
        let (http, _) = frontdesk_provider::http::clients(REQUEST_TIMEOUT, REQUEST_TIMEOUT)?;
        Ok(Self {
            name: name.to_owned(),
            api: format!("{base}/api/v1"),
            org_id: org_id.map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()),
            auth: auth::Auth::new(&auth_base, email, password, http.clone()),
            http,
            caps: Capabilities {
                streaming: false,
                saved_views: true,
                copilot: true,
                handoff: false,
                // No bulk endpoint: `apply` goes one by one.
                bulk: true,
                snooze: false,
                tags: false,
                // Notes appear in the timeline, but there is no endpoint to write one.
                notes: false,
                search: false,
                urgency_sort: false,
                list_upward: false,
                presence: false,
                star: true,
                read: true,
                // For a CRM contact (the form's `contact`): see `saved`.
                create: true,
                attachments: true,
                delete: false,
                bot: false,
                close: false,
                reopen: false,
                pending: false,
                assign: true,
                priority: false,
                archive: true,
                edit_views: true,
                own_priorities: &[],
            },
        })
    }

    /// The Supabase project's public anon key, for the `apikey` header its gateway
    /// requires on sign-in and refresh.
    #[must_use]
    pub fn with_anon_key(mut self, key: SecretString) -> Self {
        self.auth.set_anon_key(key);
        self
    }

    async fn once(
        &self,
        token: &SecretString,
        method: &Method,
        url: &str,
        query: &[(&str, String)],
        payload: Payload<'_>,
    ) -> ProviderResult<Result<Value, Failure>> {
        let mut req = self.http.request(method.clone(), url).bearer_auth(token.expose_secret());
        if let Some(org) = &self.org_id {
            req = req.header("X-Org-Id", org);
        }
        if !query.is_empty() {
            req = req.query(query);
        }
        req = match payload {
            Payload::None => req,
            Payload::Json(b) => req.json(b),
            Payload::File(f) => req.multipart(f.form()?).timeout(media::UPLOAD_TIMEOUT),
        };
        let resp = req.send().await.map_err(|e| network(&e))?;
        let status = resp.status();
        let wait = resp.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
        let bytes = answer_body(resp).await?;
        if !status.is_success() {
            return Ok(Err(Failure { status, wait, body: bytes }));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Ok(Value::Null));
        }
        Ok(Ok(serde_json::from_slice(&bytes).map_err(|e| ProviderError::Malformed(format!("Iron: {e}")))?))
    }

    /// One API call with a JSON body (or none).
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> ProviderResult<Value> {
        self.request(method, path, query, body.map_or(Payload::None, Payload::Json)).await
    }

    /// One API call; a 401 refreshes the session once and tries again.
    async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        payload: Payload<'_>,
    ) -> ProviderResult<Value> {
        let url = format!("{}{path}", self.api);
        let token = self.auth.token().await?;
        let failure = match self.once(&token, &method, &url, query, payload).await? {
            Ok(v) => return Ok(v),
            Err(f) if f.status == StatusCode::UNAUTHORIZED => {
                let token = self.auth.renew(&token).await?;
                match self.once(&token, &method, &url, query, payload).await? {
                    Ok(v) => return Ok(v),
                    Err(f) => f,
                }
            }
            Err(f) => f,
        };
        Err(self.error(&failure))
    }

    fn error(&self, f: &Failure) -> ProviderError {
        let detail = wire::error_text(&f.body).unwrap_or_else(|| format!("HTTP {}", f.status));
        match f.status {
            StatusCode::UNAUTHORIZED => ProviderError::Auth(format!("Iron refused the session: {detail}")),
            StatusCode::FORBIDDEN => ProviderError::Auth(match &self.org_id {
                Some(org) => format!("Iron refused access to org {org}: {detail}"),
                None => format!("Iron refused access: {detail}"),
            }),
            s => by_status(s, f.wait, s.as_u16().to_string(), detail),
        }
    }

    fn conv_path(id: &ConversationId, rest: &str) -> String {
        format!("/conversations/{}{rest}", urlencode(id.as_str()))
    }

    async fn ctx_user(&self) -> auth::User {
        self.auth.user().await.unwrap_or_default()
    }

    fn conversation_from(v: Value, me: &auth::User) -> ProviderResult<Conversation> {
        let ctx = Ctx { me };
        let mut c = Conv::read(wire::unwrap_object(v, "conversation"))
            .and_then(|c| c.into_domain(&ctx))
            .ok_or_else(|| ProviderError::Malformed("Iron sent a conversation without an id".into()))?;
        c.clean();
        Ok(c)
    }

    async fn get(&self, id: &ConversationId) -> ProviderResult<Conversation> {
        let v = self.call(Method::GET, &Self::conv_path(id, ""), &[], None).await?;
        Self::conversation_from(v, &self.ctx_user().await)
    }

    /// The answer to an action when it is the conversation; otherwise read back.
    async fn after(&self, id: &ConversationId, answer: Value) -> ProviderResult<Conversation> {
        let v = wire::unwrap_object(answer, "conversation");
        if v.get("id").is_some() && (v.get("contact").is_some() || v.get("contact_id").is_some()) {
            Self::conversation_from(v, &self.ctx_user().await)
        } else {
            self.get(id).await
        }
    }

    /// Opens (or finds) the conversation for a CRM contact.
    pub async fn open_conversation(&self, contact_id: &str, channel: Option<&str>) -> ProviderResult<Conversation> {
        let path = format!("/contacts/{}/conversations", urlencode(contact_id.trim()));
        let body = channel.map_or_else(|| json!({}), |c| json!({ "channel": c }));
        let v = self.call(Method::POST, &path, &[], Some(&body)).await?;
        Self::conversation_from(v, &self.ctx_user().await)
    }

    async fn change(&self, id: &ConversationId, change: &Change) -> ProviderResult<Conversation> {
        let (method, rest, body) = match change {
            Change::Star => (Method::POST, "/star", None),
            Change::Unstar => (Method::DELETE, "/star", None),
            Change::Read => (Method::POST, "/read", None),
            Change::Unread => (Method::POST, "/unread", None),
            Change::Archive => (Method::POST, "/archive", Some(json!({ "archived": true }))),
            Change::Unarchive => (Method::POST, "/archive", Some(json!({ "archived": false }))),
            Change::Assign { agent_id, .. } => {
                (Method::POST, "/assign", Some(json!({ "assigned_to": agent_id.as_ref().map(AgentId::as_str) })))
            }
            Change::Unassign => (Method::POST, "/assign", Some(json!({ "assigned_to": null }))),
            Change::Close | Change::Reopen | Change::Pending => {
                return Err(ProviderError::Unsupported("status changes (archive instead)"));
            }
            Change::Snooze { .. } => return Err(ProviderError::Unsupported("snoozing")),
            Change::SetTags { .. } | Change::AddTags { .. } | Change::RemoveTags { .. } => {
                return Err(ProviderError::Unsupported("tags"));
            }
            Change::SetPriority { .. } => return Err(ProviderError::Unsupported("priorities")),
            Change::RequestHandoff { .. } | Change::Handoff { .. } | Change::ResolveHandoff => {
                return Err(ProviderError::Unsupported("AI handoff"));
            }
        };
        let answer = self.call(method, &Self::conv_path(id, rest), &[], body.as_ref()).await?;
        self.after(id, answer).await
    }

    async fn send(&self, id: &ConversationId, body: &str) -> ProviderResult<Message> {
        if body.trim().is_empty() {
            return Err(permanent("EMPTY_MESSAGE", "an empty message is not sent"));
        }
        // No channel: Iron answers on the thread's own channel (SMS or email).
        let v = self.call(Method::POST, &Self::conv_path(id, "/messages"), &[], Some(&json!({ "body": body }))).await?;
        self.message_answer(id, v, Some(body)).await
    }

    /// A sent message from an answer; a thin answer is filled in from what was sent.
    async fn message_answer(&self, id: &ConversationId, v: Value, sent: Option<&str>) -> ProviderResult<Message> {
        let me = self.ctx_user().await;
        let ctx = Ctx { me: &me };
        let mut v = wire::unwrap_object(v, "message");
        if let (Value::Object(o), Some(uid)) = (&mut v, &me.id) {
            o.entry("actor").or_insert_with(|| json!(format!("user:{uid}")));
            o.entry("direction").or_insert_with(|| json!("outbound"));
            if let Some(b) = sent {
                o.entry("body").or_insert_with(|| json!(b));
            }
        }
        match Activity::read(v).and_then(|a| a.into_row(id, &ctx)) {
            Some(Row::Message(mut m)) => {
                // Sent just now, whatever the answer leaves out.
                m.created_at = frontdesk_domain::known_or(m.created_at, jiff::Timestamp::now());
                m.clean();
                Ok(*m)
            }
            _ => Err(ProviderError::Malformed("Iron answered a send without the message".into())),
        }
    }

    /// The conversation and activity a suggestion id names.
    fn split_suggestion(id: &SuggestionId) -> ProviderResult<(ConversationId, String)> {
        id.as_str()
            .rsplit_once(wire::SUGGESTION_SEP)
            .filter(|(c, a)| !c.is_empty() && !a.is_empty())
            .map(|(c, a)| (ConversationId::from(c), a.to_owned()))
            .ok_or_else(|| ProviderError::NotFound(format!("{id} is not an Iron suggestion")))
    }

    async fn suggestion_action(&self, id: &SuggestionId, action: &str) -> ProviderResult<(ConversationId, Value)> {
        let (conversation, activity) = Self::split_suggestion(id)?;
        let path = Self::conv_path(&conversation, &format!("/suggestions/{}/{action}", urlencode(&activity)));
        let v = self.call(Method::POST, &path, &[], None).await?;
        Ok((conversation, v))
    }

    /// The list's query for a view and filter: what Iron filters itself.
    fn list_params(query: &ListQuery) -> Vec<(&'static str, String)> {
        let view = query.view.as_ref().map(|v| v.as_str().to_ascii_lowercase());
        let mut params = Vec::new();
        let mine = view.as_deref() == Some("mine") || query.filter.assignee == Some(AssigneeFilter::Me);
        params.push(("scope", if mine { "mine" } else { "team" }.to_owned()));
        if query.filter.archived {
            params.push(("archived", "true".to_owned()));
        }
        if query.filter.overdue || view.as_deref() == Some("overdue") {
            params.push(("overdue", "true".to_owned()));
        }
        // A saved view is named to the server (an assumption: the page lists no such
        // parameter; a server that does not know it ignores it).
        if let Some(v) = view.as_deref().filter(|v| !matches!(*v, "mine" | "overdue" | "all" | "recents")) {
            params.push(("view", v.to_owned()));
        }
        params
    }
}

impl Provider for CrmProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn me(&self) -> ProviderFuture<'_, Identity> {
        Box::pin(async move {
            let user = self.auth.user().await?;
            let email = user.email.clone().unwrap_or_default();
            let name = user.name.clone().or_else(|| email.split('@').next().map(str::to_owned)).unwrap_or_default();
            let mut agent = Agent {
                id: AgentId::from(user.id.as_deref().unwrap_or(email.as_str())),
                name,
                email,
                role: AgentRole::Agent,
                team: None,
            };
            agent.clean();
            Ok(Identity { agent, org_name: self.org_id.clone().unwrap_or_else(|| "Iron".to_owned()) })
        })
    }

    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        // No team roster on the page: the one agent known is the signed-in one.
        Box::pin(async move { Ok(vec![self.me().await?.agent]) })
    }

    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        Box::pin(async move {
            let (views, counts) = futures::future::join(
                self.call(Method::GET, "/conversations/views", &[], None),
                self.call(Method::GET, "/conversations/views/counts", &[], None),
            )
            .await;
            let counts = views::read_counts(counts?);
            let mut out: Vec<ViewWithCount> = views::read_views(views?)
                .into_iter()
                .map(|view| {
                    let count = counts
                        .get(&view.id.as_str().to_ascii_lowercase())
                        .or_else(|| counts.get(&view.name.to_ascii_lowercase()))
                        .copied()
                        .unwrap_or(0);
                    ViewWithCount { view, count }
                })
                .collect();
            out.clean();
            Ok(out)
        })
    }

    /// Pages by `cursor` when Iron hands one out, by `limit`/`offset` otherwise (see
    /// `paging`).
    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        Box::pin(async move {
            let limit = if query.limit == 0 { DEFAULT_PAGE } else { query.limit.min(MAX_PAGE) };
            let mut params = Self::list_params(&query);
            params.push(("limit", limit.to_string()));
            let start = paging::Start::from_cursor(query.cursor.as_deref());
            params.extend(start.param(query.cursor.is_some()));
            let mut v = self.call(Method::GET, "/conversations", &params, None).await?;
            let rows = wire::rows_of(&mut v, &["conversations", "items", "results", "data"])
                .ok_or_else(|| ProviderError::Malformed("Iron sent a conversation list that is not one".into()))?;
            let next = start.next(&v, rows.len() as u64, limit);
            let me = self.ctx_user().await;
            let ctx = Ctx { me: &me };
            let f = &query.filter;
            let view_filter = query.view.as_ref().map(|v| views::filter_for(v.as_str())).unwrap_or_default();
            let mut items: Vec<Conversation> = rows
                .into_iter()
                .filter_map(|r| Conv::read(r)?.into_domain(&ctx))
                .filter(|c| f.unread.or(view_filter.unread).is_none_or(|u| c.unread == u))
                .filter(|c| f.starred.or(view_filter.starred).is_none_or(|s| c.starred == s))
                .filter(|c| f.channels.is_empty() || f.channels.contains(&c.channel))
                .collect();
            items.clean();
            Ok(Page { items, next_cursor: next, prev_cursor: None })
        })
    }

    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
        Box::pin(async move { self.get(&id).await })
    }

    /// The whole timeline in one answer (paging unpublished), oldest first, the
    /// setter's unsent drafts left out (they are suggestions), the newest kept.
    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        Box::pin(async move {
            let mut messages: Vec<Message> = self
                .timeline(&id)
                .await?
                .into_iter()
                .filter_map(|r| match r {
                    Row::Message(m) => Some(*m),
                    Row::Suggestion(_) => None,
                })
                .collect();
            frontdesk_provider::json::newest(&mut messages, limit);
            messages.clean();
            Ok(messages)
        })
    }

    fn suggestions(&self, id: ConversationId) -> ProviderFuture<'_, Vec<Suggestion>> {
        Box::pin(async move {
            let mut out: Vec<Suggestion> = self
                .timeline(&id)
                .await?
                .into_iter()
                .filter_map(|r| match r {
                    Row::Suggestion(s) => Some(*s),
                    Row::Message(_) => None,
                })
                .collect();
            out.sort_by_key(|s| std::cmp::Reverse(s.created_at));
            out.clean();
            Ok(out)
        })
    }

    /// Iron documents no idempotency: a retried reply is looked for first
    /// (`already_applied`).
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
                Op::Send { kind: ReplyKind::Note, .. } => Err(ProviderError::Unsupported("internal notes")),
                Op::Send { conversation, body, attachments, .. } if !attachments.is_empty() => {
                    Ok(Applied::Message(Box::new(self.send_with_media(&conversation, &body, &attachments).await?)))
                }
                // A reply sent while a draft was pending: Iron pairs the two itself.
                Op::Send { conversation, body, .. } => {
                    Ok(Applied::Message(Box::new(self.send(&conversation, &body).await?)))
                }
                Op::SendSuggestion { suggestion } => {
                    let (conversation, v) = self.suggestion_action(&suggestion, "send").await?;
                    let has_id = wire::unwrap_object(v.clone(), "message").get("id").is_some();
                    if has_id {
                        Ok(Applied::Message(Box::new(self.message_answer(&conversation, v, None).await?)))
                    } else {
                        Ok(Applied::Done)
                    }
                }
                Op::DismissSuggestion { suggestion } => {
                    self.suggestion_action(&suggestion, "dismiss").await?;
                    Ok(Applied::Done)
                }
                Op::RequestSuggestion { .. } => {
                    Err(ProviderError::Unsupported("asking for a suggestion (Iron's setter drafts on its own)"))
                }
            }
        })
    }

    /// The view counts, as the poller's cheap change probe (`views::fingerprint`).
    fn probe(&self) -> ProviderFuture<'_, Option<String>> {
        Box::pin(async move {
            let v = self.call(Method::GET, "/conversations/views/counts", &[], None).await?;
            Ok(views::fingerprint(v))
        })
    }

    fn sla(&self) -> ProviderFuture<'_, Option<frontdesk_provider::Sla>> {
        Box::pin(self.sla_line())
    }

    /// A reply already in the timeline, for a retry after a lost answer (see `retry`).
    fn already_applied(&self, op: &Op, since: Timestamp) -> ProviderFuture<'_, Option<Applied>> {
        Box::pin(self.reply_already_sent(op.clone(), since))
    }

    fn create_conversation(&self, new: frontdesk_domain::NewConversation) -> ProviderFuture<'_, Conversation> {
        Box::pin(self.open_from_form(new))
    }

    fn save_view(
        &self,
        name: String,
        filter: frontdesk_domain::ViewFilter,
    ) -> ProviderFuture<'_, frontdesk_domain::View> {
        Box::pin(async move { self.put_new_view(&name, filter).await })
    }

    fn delete_view(&self, id: frontdesk_domain::ViewId) -> ProviderFuture<'_, ()> {
        Box::pin(async move { self.put_without_view(&id).await })
    }

    fn updates(&self, _resume: Option<String>) -> BoxStream<'static, Update> {
        // No client push in Iron: the engine polls (views/counts is the cheap probe).
        Box::pin(futures::stream::once(async { Update::Unavailable("Iron is polled".into()) }))
    }
}

#[cfg(test)]
mod tests;
