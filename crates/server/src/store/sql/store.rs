//! The [`Store`] an engine offers: reads on its pool, writes through its writer.

use std::any::Any;

use async_trait::async_trait;
use futures::future::BoxFuture;
use jiff::Timestamp;

use super::engine::Pool;
use super::{WriteCtx, clock, conversations, counts, dialect, events, orgs, suggestions, views, writer};
use crate::counts::OrgCounts;
use crate::error::ApiResult;
use crate::hub::{Hub, Published};
use crate::store::{Job, ListSpec, Store, TrainingPair, Tx};
use frontdesk_domain::{
    Agent, AgentId, Conversation, ConversationId, Message, OrgId, Page, Suggestion, SuggestionStatus, View, ViewFilter,
};

/// The engine's store: readers from the pool, writes through its one writer.
pub struct EngineStore {
    pub(super) pool: Pool,
    pub(super) writer: writer::Writer,
    /// Where this server's streams listen.
    pub(super) hub: Hub,
    /// What the full-text index's prefixes spell out, kept while the index is unchanged.
    pub(super) terms: dialect::Terms,
    pub(super) _background: Background,
}

/// The engine's own background tasks (a listener), stopped with the store.
pub struct Background(pub(super) Vec<tokio::task::AbortHandle>);

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

#[async_trait]
impl Store for EngineStore {
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
        conversations::list(&mut conn, spec, &self.terms).await
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

    async fn publish_presence(&self, org: &OrgId, data: String) -> ApiResult<()> {
        Ok(dialect::publish_presence(&self.pool, &self.hub, org, data).await?)
    }

    fn run(&self, job: Job) -> BoxFuture<'_, ApiResult<Box<dyn Any + Send>>> {
        Box::pin(self.writer.submit(move |ctx: &mut WriteCtx| job(ctx as &mut dyn Tx)))
    }
}
