//! The `SQLite` engine: WAL mode, a pool of readers and one writer.
//!
//! Every write job goes to a single writer task. The writer runs queued jobs in one
//! transaction (each inside its own savepoint, so one failing job rolls back alone),
//! commits once, and only then answers the callers and publishes their events. One
//! writer means event ids are assigned in commit order, so the stream is gap-free;
//! batching means one fsync covers many writes. One process per database file: the
//! server holds a lock file beside it.

mod clock;
pub mod conversations;
mod counts;
pub mod events;
pub mod filter;
pub mod idempotency;
pub mod ingest;
mod load;
pub mod messages;
pub mod migrate;
pub mod mutations;
pub mod orgs;
pub mod outbound;
pub mod suggestions;
mod tx;
pub mod views;
mod writer;

use std::any::Any;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use jiff::Timestamp;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use writer::WriteCtx;

use super::{DbError, Job, ListSpec, Store, TrainingPair, Tx, found, from_ms, redact, to_ms};
use crate::counts::OrgCounts;
use crate::error::ApiResult;
use crate::hub::{Hub, Published};
use frontdesk_domain::{
    Agent, AgentId, Conversation, ConversationId, Message, OrgId, Page, Suggestion, SuggestionStatus, View, ViewFilter,
};

/// The `SQLite` store: readers from the pool, writes through the one writer.
pub struct SqliteStore {
    pool: SqlitePool,
    writer: writer::Writer,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or
    /// `sqlite::memory:`), runs the migrations and starts the writer.
    pub async fn open(url: &str, hub: Hub) -> Result<Self, DbError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| open_error(url, &e))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Sent messages are promises: a commit must survive power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000");
        let mut writer_conn = sqlx::ConnectOptions::connect(&options).await.map_err(|e| open_error(url, &e))?;
        migrate::run(&mut writer_conn).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options.read_only(true))
            .await
            .map_err(|e| open_error(url, &e))?;
        let writer = writer::Writer::start(writer_conn, hub);
        Ok(Self { pool, writer })
    }
}

fn open_error(url: &str, e: &sqlx::Error) -> DbError {
    let reason = match e {
        sqlx::Error::Database(d) => d.message().to_owned(),
        other => other.to_string(),
    };
    DbError::Open { url: redact(url), reason }
}

#[async_trait]
impl Store for SqliteStore {
    async fn org_name(&self, org: &OrgId) -> ApiResult<String> {
        orgs::name(&self.pool, org).await
    }

    async fn find_org(&self, name_or_id: &str) -> ApiResult<OrgId> {
        orgs::find_org(&self.pool, name_or_id).await
    }

    async fn authenticate(&self, key_hash: &str) -> ApiResult<Option<(OrgId, Agent)>> {
        orgs::authenticate_hash(&self.pool, key_hash).await
    }

    async fn agents(&self, org: &OrgId) -> ApiResult<Vec<Agent>> {
        orgs::agents(&self.pool, org).await
    }

    async fn first_response_secs(&self, org: &OrgId) -> ApiResult<i64> {
        orgs::first_response_secs(&self.pool, org).await
    }

    async fn conversation(&self, org: &OrgId, id: &ConversationId) -> ApiResult<Conversation> {
        conversations::get(&self.pool, org, id).await
    }

    async fn conversations(&self, spec: &ListSpec<'_>) -> ApiResult<Page<Conversation>> {
        let mut conn = self.pool.acquire().await?;
        conversations::list(&mut conn, spec).await
    }

    async fn thread(
        &self,
        org: &OrgId,
        id: &ConversationId,
        cursor: Option<&str>,
        limit: u32,
        newest_first: bool,
    ) -> ApiResult<Page<Message>> {
        let mut conn = self.pool.acquire().await?;
        conversations::thread(&mut conn, org, id, cursor, limit, newest_first).await
    }

    async fn views(&self, org: &OrgId) -> ApiResult<Vec<View>> {
        views::all(&self.pool, org).await
    }

    async fn view_filter(&self, org: &OrgId, id: &str) -> ApiResult<ViewFilter> {
        views::filter(&self.pool, org, id).await
    }

    async fn count_views(&self, org: &OrgId, now: Timestamp) -> ApiResult<OrgCounts> {
        counts::count_views(&self.pool, org, now).await
    }

    async fn count_matching(&self, org: &OrgId, filter: &ViewFilter, me: &AgentId, now: Timestamp) -> ApiResult<u64> {
        counts::count_matching(&self.pool, org, filter, me, now).await
    }

    async fn suggestions(
        &self,
        org: &OrgId,
        status: Option<SuggestionStatus>,
        conversation: Option<&ConversationId>,
        limit: u32,
    ) -> ApiResult<Vec<Suggestion>> {
        suggestions::list(&self.pool, org, status, conversation, limit).await
    }

    async fn training_pairs(&self, org: Option<&OrgId>) -> ApiResult<Vec<TrainingPair>> {
        suggestions::training_pairs(&self.pool, org).await
    }

    async fn suggestion_outcomes(&self, org: Option<&OrgId>) -> ApiResult<Vec<crate::copilot::report::Outcome>> {
        suggestions::outcomes(&self.pool, org).await
    }

    async fn events_after(&self, org: &OrgId, after: i64, limit: i64) -> ApiResult<Vec<Published>> {
        events::after(&self.pool, org, after, limit).await
    }

    async fn event_bounds(&self, org: &OrgId) -> ApiResult<(i64, i64)> {
        events::newest_and_pruned(&self.pool, org).await
    }

    async fn next_snooze(&self) -> ApiResult<Option<Timestamp>> {
        clock::next_snooze(&self.pool).await
    }

    async fn next_sla_deadline(&self, after: Timestamp) -> ApiResult<Option<Timestamp>> {
        clock::next_sla_deadline(&self.pool, after).await
    }

    async fn orgs_crossing_sla(&self, from: Timestamp, to: Timestamp) -> ApiResult<Vec<OrgId>> {
        clock::orgs_crossing_sla(&self.pool, from, to).await
    }

    fn run(&self, job: Job) -> BoxFuture<'_, ApiResult<Box<dyn Any + Send>>> {
        Box::pin(self.writer.submit(move |ctx: &mut WriteCtx| job(ctx as &mut dyn Tx)))
    }
}
