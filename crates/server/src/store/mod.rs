//! The server's storage, behind one boundary: [`Store`] answers reads and runs write
//! jobs; a job sees the transaction it runs in as a [`Tx`]. The routes, the scheduler,
//! the counts, the demo and the admin verbs speak only these two traits, so an engine
//! is one implementation beside the others (`sqlite` today) and no SQL lives outside
//! its engine's module.
//!
//! A write job is a closure over `&mut dyn Tx`: everything it does commits together
//! or not at all (an idempotency record with the message it describes, a bulk
//! change item by item), and the events it emits are published only once committed.

mod codec;
pub mod copy;
mod input;
pub mod keys;
// Each engine compiles the shared SQL (`sql/`) against its own driver types.
#[allow(clippy::duplicate_mod)]
pub mod postgres;
pub mod rows;
#[allow(clippy::duplicate_mod)]
pub mod sqlite;
pub mod words;

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use jiff::{SignedDuration, Timestamp};

use crate::counts::OrgCounts;
use crate::error::{ApiError, ApiResult};
use crate::hub::{Hub, Published};
use frontdesk_domain::{
    Agent, AgentId, AgentRole, Change, Conversation, ConversationId, EventKind, Message, OrgId, Page, Suggestion,
    SuggestionId, SuggestionStatus, View, ViewFilter,
};

pub use codec::{from_ms, hex, json_or_default, opt_from_ms, to_ms};
pub use input::{
    IdempotencyRecord, Inbound, Ingested, ListSpec, NewMessage, NewSuggestion, Outgoing, PREVIEW_CHARS, TrainingPair,
};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The reason is the driver's message, kept as text: the driver's own error chain
    /// repeats it, and the CLI prints chains.
    #[error("cannot open the database {url}: {reason}")]
    Open { url: String, reason: String },
    #[error("database migration failed: {0}")]
    Migrate(String),
}

/// Reads, and the door to writes. Every method is scoped to an org where the data is.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // Orgs, agents and keys.
    async fn org_name(&self, org: &OrgId) -> ApiResult<String>;
    /// An org by its id or its name; 404 when neither matches.
    async fn find_org(&self, name_or_id: &str) -> ApiResult<OrgId>;
    /// The org and agent of a live key, by the key's hash.
    async fn authenticate(&self, key_hash: &str) -> ApiResult<Option<(OrgId, Agent)>>;
    async fn agents(&self, org: &OrgId) -> ApiResult<Vec<Agent>>;
    async fn first_response_secs(&self, org: &OrgId) -> ApiResult<i64>;

    // Conversations and threads.
    async fn conversation(&self, org: &OrgId, id: &ConversationId) -> ApiResult<Conversation>;
    async fn conversations(&self, spec: &ListSpec<'_>) -> ApiResult<Page<Conversation>>;
    async fn thread(
        &self,
        org: &OrgId,
        id: &ConversationId,
        cursor: Option<&str>,
        limit: u32,
        newest_first: bool,
    ) -> ApiResult<Page<Message>>;

    // Views and their counts.
    /// The built-in views followed by the org's saved ones.
    async fn views(&self, org: &OrgId) -> ApiResult<Vec<View>>;
    async fn view_filter(&self, org: &OrgId, id: &str) -> ApiResult<ViewFilter>;
    /// Every view's count in one pass, per assignee where a view means "mine".
    async fn count_views(&self, org: &OrgId, now: Timestamp) -> ApiResult<OrgCounts>;
    /// How many conversations `filter` holds for `me`.
    async fn count_matching(&self, org: &OrgId, filter: &ViewFilter, me: &AgentId, now: Timestamp) -> ApiResult<u64>;

    // The copilot.
    async fn suggestions(
        &self,
        org: &OrgId,
        status: Option<SuggestionStatus>,
        conversation: Option<&ConversationId>,
        limit: u32,
    ) -> ApiResult<Vec<Suggestion>>;
    async fn training_pairs(&self, org: Option<&OrgId>) -> ApiResult<Vec<TrainingPair>>;
    async fn suggestion_outcomes(&self, org: Option<&OrgId>) -> ApiResult<Vec<crate::copilot::report::Outcome>>;

    // The event log.
    /// Up to `limit` events of the org after number `after`, oldest first.
    async fn events_after(&self, org: &OrgId, after: i64, limit: i64) -> ApiResult<Vec<Published>>;
    /// The org's newest event number, and the highest one pruned.
    async fn event_bounds(&self, org: &OrgId) -> ApiResult<(i64, i64)>;

    // The clock's questions.
    /// When the earliest snooze ends.
    async fn next_snooze(&self) -> ApiResult<Option<Timestamp>>;
    /// The earliest SLA deadline of a live conversation after `after`.
    async fn next_sla_deadline(&self, after: Timestamp) -> ApiResult<Option<Timestamp>>;
    /// Orgs with a live conversation whose SLA deadline is in (from, to].
    async fn orgs_crossing_sla(&self, from: Timestamp, to: Timestamp) -> ApiResult<Vec<OrgId>>;

    /// Publishes a presence event (not stored) to every stream of the org: this
    /// server's, or every instance's where instances share the database.
    async fn publish_presence(&self, org: &OrgId, data: String) -> ApiResult<()>;

    /// Runs a type-erased write job; [`Db::write`] is the typed door.
    fn run(&self, job: Job) -> BoxFuture<'_, ApiResult<Box<dyn Any + Send>>>;
}

/// A write job with its result type erased, as engines receive it.
pub type Job = Box<dyn for<'c> FnOnce(&'c mut dyn Tx) -> BoxFuture<'c, ApiResult<Box<dyn Any + Send>>> + Send>;

/// What a write job may do inside its transaction.
#[async_trait]
pub trait Tx: Send {
    /// Records an event in the durable log, numbered in the org's own gap-free
    /// sequence; it is published after commit.
    async fn emit(&mut self, org: &OrgId, kind: EventKind) -> ApiResult<i64>;
    /// Opens a savepoint for one item of a bulk job; pass the mark to [`Tx::end_item`].
    async fn begin_item(&mut self) -> ApiResult<usize>;
    /// Closes an item's savepoint, rolling the item back (events included) unless `ok`.
    async fn end_item(&mut self, mark: usize, ok: bool) -> ApiResult<()>;
    /// Marks the org's view counts as possibly changed.
    fn touch(&mut self, org: &OrgId);
    /// Asks the scheduler to look again for its next wake (a snooze or SLA time moved).
    fn reschedule(&mut self);

    // Orgs, agents and keys.
    async fn create_org(&mut self, name: &str, first_response_secs: i64) -> ApiResult<OrgId>;
    async fn create_agent(
        &mut self,
        org: &OrgId,
        name: &str,
        email: &str,
        role: AgentRole,
        team: Option<&str>,
    ) -> ApiResult<Agent>;
    /// A new key for the agent; the key itself is returned once and never stored.
    async fn create_key(&mut self, org: &OrgId, agent: &AgentId, label: &str) -> ApiResult<String>;
    /// Revokes every live key whose listed prefix is `prefix`; returns how many.
    async fn revoke_keys(&mut self, prefix: &str) -> ApiResult<u64>;
    async fn set_first_response_secs(&mut self, org: &OrgId, secs: i64) -> ApiResult<()>;

    // Conversations.
    async fn conversation(&mut self, org: &OrgId, id: &ConversationId) -> ApiResult<Conversation>;
    /// Applies `change` on behalf of `actor`; emits `conversation_updated`.
    async fn apply(
        &mut self,
        org: &OrgId,
        actor: &Agent,
        id: &ConversationId,
        change: &Change,
    ) -> ApiResult<Conversation>;
    /// Reopens every conversation whose snooze ended by `now`; returns how many.
    async fn wake_snoozed(&mut self, now: Timestamp) -> ApiResult<usize>;
    /// An agent's reply or note, resolving the copilot suggestion it sends.
    async fn send(&mut self, org: &OrgId, agent: &Agent, id: &ConversationId, out: Outgoing) -> ApiResult<Message>;
    /// A message written as given (an AI agent's answer); emits `message_created`.
    async fn insert_message(&mut self, org: &OrgId, message: NewMessage) -> ApiResult<Message>;
    /// Customer messages from channels, deduplicated by provider id.
    async fn ingest(&mut self, org: &OrgId, inbound: Vec<Inbound>) -> ApiResult<Vec<Ingested>>;

    // The copilot.
    async fn suggestion(&mut self, org: &OrgId, id: &SuggestionId) -> ApiResult<Suggestion>;
    /// Stores a pending suggestion, superseding any older pending one.
    async fn create_suggestion(
        &mut self,
        org: &OrgId,
        conversation: &ConversationId,
        draft: NewSuggestion,
    ) -> ApiResult<Suggestion>;
    /// Moves a pending suggestion to its final status; 409 when no longer pending.
    async fn resolve_suggestion(
        &mut self,
        org: &OrgId,
        id: &SuggestionId,
        status: SuggestionStatus,
        by: Option<&Agent>,
    ) -> ApiResult<Suggestion>;

    // Saved views.
    async fn create_view(&mut self, org: &OrgId, name: &str, filter: &ViewFilter) -> ApiResult<View>;
    async fn update_view(
        &mut self,
        org: &OrgId,
        id: &str,
        name: Option<&str>,
        filter: Option<&ViewFilter>,
    ) -> ApiResult<View>;
    async fn delete_view(&mut self, org: &OrgId, id: &str) -> ApiResult<()>;

    // Idempotency keys.
    /// The answer stored for `key`, if any; 422 when the key was used for another request.
    async fn idempotency_lookup(
        &mut self,
        org: &OrgId,
        key: &str,
        fingerprint: &str,
    ) -> ApiResult<Option<IdempotencyRecord>>;
    async fn idempotency_store(
        &mut self,
        org: &OrgId,
        key: &str,
        fingerprint: &str,
        record: &IdempotencyRecord,
    ) -> ApiResult<()>;

    /// Drops events older than `keep` and idempotency keys past their retention, and
    /// lets the engine refresh its statistics; returns (events, keys) dropped.
    async fn housekeeping(&mut self, now: Timestamp, keep: SignedDuration) -> ApiResult<(u64, u64)>;

    /// Tells the engine a bulk load just ended, so the planner's statistics are
    /// refreshed now rather than whenever the engine would next look (PostgreSQL's
    /// autovacuum, a minute or more away: until then its plans are guesses).
    async fn bulk_loaded(&mut self) -> ApiResult<()>;

    // Bulk loading: rows as stored, no events (the demo's starting state).
    async fn load_contacts(&mut self, org: &OrgId, rows: &[rows::ContactRow]) -> ApiResult<()>;
    async fn load_conversations(&mut self, org: &OrgId, rows: &[rows::ConversationRow]) -> ApiResult<()>;
    async fn load_messages(&mut self, org: &OrgId, rows: &[rows::MessageRow]) -> ApiResult<()>;
    /// Moves every time the org's rows hold by `by` milliseconds: a demo started
    /// from its snapshot, brought to now.
    async fn shift_times(&mut self, org: &OrgId, by: i64) -> ApiResult<()>;
    /// Sets the snooze of the org's conversation number `num` to `until` (unix ms),
    /// and its thread's "Snoozed until …" line to `line`: a snooze worded by the
    /// calendar ("tomorrow 09:00") that moving the times cannot carry.
    async fn resnooze(&mut self, org: &OrgId, num: i64, until: Option<i64>, line: Option<&str>) -> ApiResult<()>;
}

/// The handle every part of the server holds: cheap to clone.
#[derive(Clone)]
pub struct Db(Arc<dyn Store>);

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Db")
    }
}

impl std::ops::Deref for Db {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl Db {
    /// Opens (creating if needed) the database at `url`, runs its migrations and starts
    /// its writer: `sqlite://path`, `sqlite::memory:` or `postgres://user@host/db`.
    pub async fn open(url: &str, hub: Hub) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            return Ok(Self(Arc::new(sqlite::SqliteStore::open(url, hub).await?)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self(Arc::new(postgres::PgStore::open(url, hub).await?)));
        }
        Err(DbError::Open {
            url: redact(url),
            reason: "not a database URL this server reads (sqlite://PATH, sqlite::memory: or postgres://USER@HOST/DB)"
                .to_owned(),
        })
    }

    /// Opens a database file by path.
    pub async fn open_path(path: &std::path::Path, hub: Hub) -> Result<Self, DbError> {
        Self::open(&format!("sqlite://{}", path.display()), hub).await
    }

    /// Runs `job` on the writer, in a transaction with whatever else is queued, and
    /// returns its result once committed.
    pub async fn write<T, F>(&self, job: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Tx) -> BoxFuture<'c, ApiResult<T>> + Send + 'static,
    {
        let erased: Job = Box::new(move |tx| {
            Box::pin(async move { job(tx).await.map(|value| Box::new(value) as Box<dyn Any + Send>) })
        });
        let value = self.0.run(erased).await?;
        value.downcast::<T>().map(|b| *b).map_err(|_| ApiError::internal("a write job answered with the wrong type"))
    }
}

/// A database URL fit to print: any password replaced.
#[must_use]
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A database that would not open, its URL fit to print. The reason is the driver's
/// message, kept as text: the driver's own error chain repeats it.
pub(crate) fn open_error(url: &str, e: &sqlx::Error) -> DbError {
    let reason = match e {
        sqlx::Error::Database(d) => d.message().to_owned(),
        other => other.to_string(),
    };
    DbError::Open { url: redact(url), reason }
}

/// Maps "no row" to a 404 for the named thing.
pub fn found<T>(row: Option<T>, what: &str) -> ApiResult<T> {
    row.ok_or_else(|| ApiError::not_found(what))
}

#[cfg(test)]
mod tests {
    use super::redact;
    use super::{Db, Inbound};
    use crate::error::ApiError;
    use crate::hub::Hub;
    use frontdesk_domain::Channel;

    fn message(handle: &str) -> Inbound {
        Inbound::text(Channel::Sms, handle, "Where is my order?")
    }

    /// A write that fails after its statements ran: nothing of it is kept or
    /// announced, and the writer goes on.
    #[tokio::test]
    async fn a_write_that_fails_alone_leaves_nothing_and_the_next_one_lands() {
        let dir = tempfile::tempdir().expect("dir");
        let hub = Hub::default();
        let db = Db::open_path(&dir.path().join("writer.db"), hub.clone()).await.expect("a database");
        let org = crate::admin::create_org(&db, "Writer", "Ada", "ada@writer.test", 3600).await.expect("an org").org;
        let mut events = hub.subscribe();
        let failed = {
            let org = org.clone();
            db.write(move |tx| {
                Box::pin(async move {
                    tx.ingest(&org, vec![message("+15550001")]).await?;
                    Err::<(), _>(ApiError::bad_request("TEST", "refused after its statements ran"))
                })
            })
            .await
        };
        assert!(failed.is_err_and(|e| e.to_string().contains("refused after")), "the job's own error");
        let kept = {
            let org = org.clone();
            db.write(move |tx| Box::pin(async move { tx.ingest(&org, vec![message("+15550002")]).await })).await
        };
        let kept = kept.expect("the next write lands");
        let stored = db.conversation(&org, &kept[0].conversation.id).await.expect("stored");
        assert_eq!(stored.contact.handle, "+15550002");
        let all = frontdesk_domain::ViewFilter::default();
        let me = frontdesk_domain::AgentId::from("nobody".to_owned());
        let n = db.count_matching(&org, &all, &me, jiff::Timestamp::now()).await.expect("counted");
        assert_eq!(n, 1, "only the second write's conversation is stored");
        // Only the second write's events reach the streams.
        let mut published = Vec::new();
        while let Ok(e) = events.try_recv() {
            if let crate::hub::Payload::Json { data, .. } = &e.payload {
                published.push(data.to_string());
            }
        }
        assert!(!published.is_empty(), "the kept write is announced");
        assert!(published.iter().all(|e| !e.contains("+15550001")), "nothing of the failed write: {published:?}");
    }

    #[test]
    fn a_password_in_a_database_url_is_never_printed() {
        assert_eq!(
            redact("postgres://fd:s3cret@db.internal:5432/frontdesk"),
            "postgres://fd:***@db.internal:5432/frontdesk"
        );
        assert_eq!(redact("postgres://fd@db/x"), "postgres://fd@db/x");
        assert_eq!(redact("sqlite:///var/lib/fd.db"), "sqlite:///var/lib/fd.db");
        assert_eq!(redact("postgres://u:p@ss:w@h/db"), "postgres://u:***@h/db");
    }
}
