//! The provider contract: every backend (our reference server, each hosted vendor)
//! sits behind [`Provider`]. This crate holds the trait, its errors and capabilities,
//! the helpers adapters share (`http`, `json`, `sse`, `dedupe`), polling for backends
//! without a stream (`poll`), and the unified inbox over several accounts (`unified`).
//! Each adapter is a crate of its own (`frontdesk-provider-orbit`, …) that keeps its
//! wire types private: the rest of the program sees only `domain` values. To add a
//! vendor, add such a crate that implements the trait and declares its
//! [`Capabilities`] honestly, and wire it in the binary's `setup`.

pub mod agents;
pub mod anchor;
pub mod bot;
pub mod dedupe;
pub mod http;
pub mod json;
#[cfg(test)]
mod loopback;
pub mod poll;
pub mod sse;
mod tls;
pub mod unified;

use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;

use frontdesk_domain::{
    Agent, Conversation, ConversationId, Event, Message, Op, Page, PresenceState, Suggestion, ViewFilter, ViewId,
    ViewWithCount,
};

/// What went wrong, by what the caller can do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("not authorised: {0}")]
    Auth(String),
    #[error("rate limited{}", retry_after.map(|d| format!(", retry in {}s", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    #[error("network: {0}")]
    Network(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// The server refused for good (validation, a closed messaging window).
    #[error("{message}")]
    Permanent { code: String, message: String },
    /// The answer could not be read.
    #[error("unexpected answer: {0}")]
    Malformed(String),
    /// The backend has no such operation.
    #[error("{0} is not supported by this account")]
    Unsupported(&'static str),
}

impl ProviderError {
    /// Whether trying again later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Network(_) | Self::RateLimited { .. })
    }

    /// The error with `secret` taken out of its words: a server that quotes the key
    /// it refused ("invalid key fd_…") must not put it on screen or in the log.
    #[must_use]
    pub fn redacted(self, secret: &str) -> Self {
        // A secret this short would match ordinary words; none is that short.
        if secret.len() < 8 {
            return self;
        }
        let r = |s: String| if s.contains(secret) { s.replace(secret, "[the key]") } else { s };
        match self {
            Self::Auth(s) => Self::Auth(r(s)),
            Self::Network(s) => Self::Network(r(s)),
            Self::NotFound(s) => Self::NotFound(r(s)),
            Self::Conflict(s) => Self::Conflict(r(s)),
            Self::Permanent { code, message } => Self::Permanent { code: r(code), message: r(message) },
            Self::Malformed(s) => Self::Malformed(r(s)),
            other @ (Self::RateLimited { .. } | Self::Unsupported(_)) => other,
        }
    }
}

pub type ProviderResult<T> = Result<T, ProviderError>;
pub type ProviderFuture<'a, T> = BoxFuture<'a, ProviderResult<T>>;

/// What a backend can do; the client hides or explains what is missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Updates arrive on a stream (SSE) rather than by polling.
    pub streaming: bool,
    pub saved_views: bool,
    pub copilot: bool,
    pub handoff: bool,
    pub bulk: bool,
    pub snooze: bool,
    pub tags: bool,
    pub notes: bool,
    /// Full-text search on the server (`q`).
    pub search: bool,
    /// A "most urgent first" listing.
    pub urgency_sort: bool,
    /// A view's last page can be asked for first (`G` without reading every page),
    /// and the pages above a page by its `prev_cursor` ([`Towards::Up`]).
    pub list_upward: bool,
    /// Who is viewing or typing, shared with the team.
    pub presence: bool,
    /// A star kept on the server; without it the star is kept on this machine.
    pub star: bool,
    /// Read and unread marks kept on the server; without them, kept here.
    pub read: bool,
    /// New conversations can be opened from here.
    pub create: bool,
    /// Files can go out with a reply (uploaded first, then sent with it).
    pub attachments: bool,
    /// Conversations can be deleted for good (asked first).
    pub delete: bool,
    /// The conversation's chatbot takes calls from here (see [`bot`]).
    pub bot: bool,
    /// Close (resolve) a conversation.
    pub close: bool,
    /// Open a closed conversation again.
    pub reopen: bool,
    /// Set a conversation pending (waiting on the customer).
    pub pending: bool,
    /// Assign to an agent, or unassign.
    pub assign: bool,
    pub priority: bool,
    pub archive: bool,
    /// Views can be saved for the team, and saved ones deleted (built-in ones never).
    pub edit_views: bool,
    /// Priority levels the backend has beyond ours, by their names there (Chatwoot's
    /// "medium"): the priority picker offers them between high and normal.
    pub own_priorities: &'static [&'static str],
}

impl Capabilities {
    pub const ALL: Self = Self {
        streaming: true,
        saved_views: true,
        copilot: true,
        handoff: true,
        bulk: true,
        snooze: true,
        tags: true,
        notes: true,
        search: true,
        urgency_sort: true,
        list_upward: true,
        presence: true,
        star: true,
        read: true,
        create: false,
        attachments: false,
        delete: false,
        bot: false,
        close: true,
        reopen: true,
        pending: true,
        assign: true,
        priority: true,
        archive: true,
        edit_views: true,
        own_priorities: &[],
    };

    /// Whether `op` can go to this backend at all. Refused here, before it is
    /// queued, what an adapter would otherwise drop without a word: files sent to
    /// a backend that takes none.
    pub fn check(&self, op: &Op) -> ProviderResult<()> {
        match op {
            Op::Send { attachments, .. } if !attachments.is_empty() && !self.attachments => {
                Err(ProviderError::Unsupported("attachments"))
            }
            Op::Change { change, .. } | Op::Bulk { change, .. } => self.change(change),
            _ => Ok(()),
        }
    }

    /// Whether the backend takes `change`. Stars and read marks always pass: where
    /// the backend keeps none they are kept on this machine.
    fn change(&self, change: &frontdesk_domain::Change) -> ProviderResult<()> {
        use frontdesk_domain::Change as C;
        let (able, what) = match change {
            C::Close => (self.close, "closing"),
            C::Reopen => (self.reopen, "reopening"),
            C::Pending => (self.pending, "setting pending"),
            C::Snooze { .. } => (self.snooze, "snoozing"),
            C::SetTags { .. } | C::AddTags { .. } | C::RemoveTags { .. } => (self.tags, "tags"),
            C::Assign { .. } | C::Unassign => (self.assign, "assigning"),
            C::SetPriority { .. } => (self.priority, "priorities"),
            C::Archive | C::Unarchive => (self.archive, "archiving"),
            C::Handoff { .. } | C::RequestHandoff { .. } | C::ResolveHandoff => (self.handoff, "AI handoff"),
            C::Star | C::Unstar | C::Read | C::Unread => (true, ""),
        };
        if able { Ok(()) } else { Err(ProviderError::Unsupported(what)) }
    }
}

/// Who the key belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub agent: Agent,
    pub org_name: String,
}

/// How a list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Activity,
    Urgency,
}

/// One page of a conversation list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub view: Option<ViewId>,
    /// Extra conditions on top of the view (a status, a search).
    pub filter: ViewFilter,
    pub sort: Sort,
    pub cursor: Option<String>,
    /// Down from the top (or from `cursor`, a `next_cursor`), or up from the
    /// bottom (or from `cursor`, a `prev_cursor`): only with [`Capabilities::list_upward`].
    pub towards: Towards,
    pub limit: u32,
    /// Only what changed after this instant: a poller's watermark. Adapters that
    /// cannot filter by it may ignore it and list freshest first.
    pub updated_since: Option<jiff::Timestamp>,
}

/// Which way a listing reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Towards {
    /// The first page, or the one below a `next_cursor`.
    #[default]
    Down,
    /// The last page, or the one above a `prev_cursor`.
    Up,
}

/// The result of applying an [`Op`].
#[derive(Clone, Debug, PartialEq)]
pub enum Applied {
    Conversation(Box<Conversation>),
    Message(Box<Message>),
    Suggestion(Box<Suggestion>),
    /// Per conversation: the new state, or why it failed.
    Bulk(Vec<(ConversationId, Result<Box<Conversation>, String>)>),
    Done,
}

/// One item of the live update stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// The stream is (re)connected.
    Connected,
    Event(Box<Event>),
    /// The connection dropped; the stream reconnects by itself after `after`.
    Reconnecting {
        after: Duration,
        reason: String,
    },
    /// Connected by polling every `every` (longer while the agent is away).
    Polling {
        every: Duration,
    },
    /// The backend has no usable stream (refused, or not offered to this key): the
    /// engine polls instead.
    Unavailable(String),
    /// A poll went through and found nothing new: the data is current as of now.
    Synced,
    /// The backend turned the key down. Trying again soon will not change that, so
    /// the next attempt is a long `after` away.
    Refused {
        reason: String,
        after: Duration,
    },
}

/// The SLA line of the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sla {
    pub overdue: u64,
    /// "first reply in 15 min", as far as the backend says.
    pub target: Option<String>,
}

/// A bulk change for backends without a bulk endpoint: one conversation after
/// another, each with its own answer (one failing does not stop the rest).
pub async fn one_by_one<F, Fut>(ids: Vec<ConversationId>, mut change: F) -> Applied
where
    F: FnMut(ConversationId) -> Fut,
    Fut: std::future::Future<Output = ProviderResult<Conversation>>,
{
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let r = change(id.clone()).await;
        out.push((id, r.map(Box::new).map_err(|e| e.to_string())));
    }
    Applied::Bulk(out)
}

/// `apply` for backends whose writes are a change to one conversation or a reply,
/// with no internal notes and no copilot (`notes` says why there are none): a
/// change, a bulk change one conversation at a time, a reply.
pub async fn apply_plain<C, CF, S, SF>(op: Op, notes: &'static str, change: C, send: S) -> ProviderResult<Applied>
where
    C: Fn(ConversationId, frontdesk_domain::Change) -> CF,
    CF: std::future::Future<Output = ProviderResult<Conversation>>,
    S: FnOnce(ConversationId, String) -> SF,
    SF: std::future::Future<Output = ProviderResult<Message>>,
{
    match op {
        Op::Change { conversation, change: c } => Ok(Applied::Conversation(Box::new(change(conversation, c).await?))),
        Op::Bulk { conversations, change: c } => Ok(one_by_one(conversations, |id| change(id, c.clone())).await),
        Op::Send { kind: frontdesk_domain::ReplyKind::Note, .. } => Err(ProviderError::Unsupported(notes)),
        Op::Send { conversation, body, .. } => Ok(Applied::Message(Box::new(send(conversation, body).await?))),
        Op::SendSuggestion { .. } | Op::DismissSuggestion { .. } | Op::RequestSuggestion { .. } => {
            Err(ProviderError::Unsupported("copilot suggestions"))
        }
    }
}

pub trait Provider: Send + Sync {
    /// A name for logs and the status bar.
    fn name(&self) -> &str;
    fn capabilities(&self) -> &Capabilities;
    fn me(&self) -> ProviderFuture<'_, Identity>;
    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>>;
    /// The teams a conversation can be assigned to, by name; none where the
    /// backend has no teams (or lists none).
    fn teams(&self) -> ProviderFuture<'_, Vec<String>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>>;
    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>>;
    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation>;
    /// The newest `limit` messages, oldest first.
    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>>;
    /// A thread a page at a time from its end: no cursor gives the newest messages,
    /// `next_cursor` the ones before them (oldest first within a page). Backends that
    /// cannot page back give everything they can in the first page.
    fn thread_page(&self, id: ConversationId, cursor: Option<String>, limit: u32) -> ProviderFuture<'_, Page<Message>> {
        Box::pin(async move {
            if cursor.is_some() {
                return Ok(Page { items: Vec::new(), next_cursor: None, prev_cursor: None });
            }
            Ok(Page { items: self.thread(id, limit).await?, next_cursor: None, prev_cursor: None })
        })
    }
    /// Suggestions for the conversation, newest first (none, for backends without
    /// a copilot).
    fn suggestions(&self, id: ConversationId) -> ProviderFuture<'_, Vec<Suggestion>> {
        let _ = id;
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Tells the team the caller is viewing, typing in, or has left a conversation.
    fn presence(&self, id: ConversationId, state: PresenceState) -> ProviderFuture<'_, ()> {
        let _ = (id, state);
        Box::pin(async { Err(ProviderError::Unsupported("presence")) })
    }
    /// Applies an op; the same key on a retry must not apply it twice.
    fn apply(&self, op: Op, idempotency_key: String) -> ProviderFuture<'_, Applied>;
    /// Live updates from `resume` (an event id or watermark) on. The stream ends only
    /// when the caller drops it.
    fn updates(&self, resume: Option<String>) -> BoxStream<'static, Update>;
    /// Opens a new conversation (a ticket, an outbound chat), where the backend can.
    fn create_conversation(&self, new: frontdesk_domain::NewConversation) -> ProviderFuture<'_, Conversation> {
        let _ = new;
        Box::pin(async { Err(ProviderError::Unsupported("opening conversations")) })
    }
    /// The account's SLA at a glance, for backends that keep one apart from the
    /// views: how many conversations are overdue, and the target as the backend
    /// words it. `None` when the backend has nothing of the kind.
    fn sla(&self) -> ProviderFuture<'_, Option<Sla>> {
        Box::pin(async { Ok(None) })
    }
    /// Parts of this provider that cannot be reached right now, and why (the
    /// accounts of the unified inbox); empty when all is well.
    fn trouble(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// A cheap fingerprint of what the account holds (Iron's view counts), for a
    /// poller to skip the list when nothing moved. `None`: no such probe, list.
    fn probe(&self) -> ProviderFuture<'_, Option<String>> {
        Box::pin(async { Ok(None) })
    }
    /// For backends that honour no idempotency key: whether `op`, tried before and
    /// lost on the way (a timeout, a dropped connection), did reach the server after
    /// `since`, and with what result, so a retry does not apply it twice. `None`:
    /// not seen (or the backend keeps its key, and the retry is safe anyway).
    fn already_applied(&self, op: &Op, since: jiff::Timestamp) -> ProviderFuture<'_, Option<Applied>> {
        let _ = (op, since);
        Box::pin(async { Ok(None) })
    }
    /// The AI agents console, when the vendor has one.
    fn ai_agents(&self) -> Option<&dyn agents::AiAgents> {
        None
    }
    /// The conversations' chatbot, for those who build it.
    fn bot(&self) -> Option<&dyn bot::BotBuilder> {
        None
    }
    /// Saves a view for the team: what the list shows now, under a name.
    fn save_view(&self, name: String, filter: ViewFilter) -> ProviderFuture<'_, frontdesk_domain::View> {
        let _ = (name, filter);
        Box::pin(async { Err(ProviderError::Unsupported("saving views")) })
    }
    /// Deletes a saved view (built-in ones are refused).
    fn delete_view(&self, id: ViewId) -> ProviderFuture<'_, ()> {
        let _ = id;
        Box::pin(async { Err(ProviderError::Unsupported("deleting views")) })
    }
    /// Deletes a conversation for good (the client asks first).
    fn delete_conversation(&self, id: ConversationId) -> ProviderFuture<'_, ()> {
        let _ = id;
        Box::pin(async { Err(ProviderError::Unsupported("deleting conversations")) })
    }
}
