//! What a write job may do: each call runs inside the writer's open transaction.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::error::ApiResult;
use crate::store::rows::{ContactRow, ConversationRow, MessageRow};
use crate::store::{IdempotencyRecord, Inbound, Ingested, NewMessage, NewSuggestion, Outgoing, Tx};
use frontdesk_domain::{
    Agent, AgentId, AgentRole, Change, Conversation, ConversationId, EventKind, Message, OrgId, Suggestion,
    SuggestionId, SuggestionStatus, View, ViewFilter,
};

use super::{
    WriteCtx, conversations, dialect, events, idempotency, ingest, load, messages, mutations, orgs, outbound,
    suggestions, views,
};

#[async_trait]
impl Tx for WriteCtx {
    async fn emit(&mut self, org: &OrgId, kind: EventKind) -> ApiResult<i64> {
        WriteCtx::emit(self, org, kind).await
    }

    async fn begin_item(&mut self) -> ApiResult<usize> {
        WriteCtx::begin_item(self).await
    }

    async fn end_item(&mut self, mark: usize, ok: bool) -> ApiResult<()> {
        WriteCtx::end_item(self, mark, ok).await
    }

    fn touch(&mut self, org: &OrgId) {
        WriteCtx::touch(self, org);
    }

    fn reschedule(&mut self) {
        WriteCtx::reschedule(self);
    }

    async fn create_org(&mut self, name: &str, first_response_secs: i64) -> ApiResult<OrgId> {
        orgs::create_org(self.conn(), name, first_response_secs).await
    }

    async fn create_agent(
        &mut self,
        org: &OrgId,
        name: &str,
        email: &str,
        role: AgentRole,
        team: Option<&str>,
    ) -> ApiResult<Agent> {
        orgs::create_agent(self.conn(), org, name, email, role, team).await
    }

    async fn create_key(&mut self, org: &OrgId, agent: &AgentId, label: &str) -> ApiResult<String> {
        orgs::create_key(self.conn(), org, agent, label).await
    }

    async fn revoke_keys(&mut self, prefix: &str) -> ApiResult<u64> {
        orgs::revoke_keys(self.conn(), prefix).await
    }

    async fn set_first_response_secs(&mut self, org: &OrgId, secs: i64) -> ApiResult<()> {
        orgs::set_first_response_secs(self.conn(), org, secs).await
    }

    async fn conversation(&mut self, org: &OrgId, id: &ConversationId) -> ApiResult<Conversation> {
        conversations::get(self.conn(), org, id).await
    }

    async fn apply(
        &mut self,
        org: &OrgId,
        actor: &Agent,
        id: &ConversationId,
        change: &Change,
    ) -> ApiResult<Conversation> {
        mutations::apply(self, org, actor, id, change).await
    }

    async fn wake_snoozed(&mut self, now: Timestamp) -> ApiResult<usize> {
        mutations::wake_snoozed(self, now).await
    }

    async fn send(&mut self, org: &OrgId, agent: &Agent, id: &ConversationId, out: Outgoing) -> ApiResult<Message> {
        outbound::send(self, org, agent, id, out).await
    }

    async fn insert_message(&mut self, org: &OrgId, message: NewMessage) -> ApiResult<Message> {
        messages::insert(self, org, message).await
    }

    async fn ingest(&mut self, org: &OrgId, inbound: Vec<Inbound>) -> ApiResult<Vec<Ingested>> {
        ingest::ingest_many(self, org, inbound).await
    }

    async fn suggestion(&mut self, org: &OrgId, id: &SuggestionId) -> ApiResult<Suggestion> {
        suggestions::get(self.conn(), org, id).await
    }

    async fn create_suggestion(
        &mut self,
        org: &OrgId,
        conversation: &ConversationId,
        draft: NewSuggestion,
    ) -> ApiResult<Suggestion> {
        suggestions::create(self, org, conversation, draft).await
    }

    async fn resolve_suggestion(
        &mut self,
        org: &OrgId,
        id: &SuggestionId,
        status: SuggestionStatus,
        by: Option<&Agent>,
    ) -> ApiResult<Suggestion> {
        suggestions::resolve(self, org, id, status, by).await
    }

    async fn create_view(&mut self, org: &OrgId, name: &str, filter: &ViewFilter) -> ApiResult<View> {
        views::create(self.conn(), org, name, filter).await
    }

    async fn update_view(
        &mut self,
        org: &OrgId,
        id: &str,
        name: Option<&str>,
        filter: Option<&ViewFilter>,
    ) -> ApiResult<View> {
        views::update(self.conn(), org, id, name, filter).await
    }

    async fn delete_view(&mut self, org: &OrgId, id: &str) -> ApiResult<()> {
        views::delete(self.conn(), org, id).await
    }

    async fn idempotency_lookup(
        &mut self,
        org: &OrgId,
        key: &str,
        fingerprint: &str,
    ) -> ApiResult<Option<IdempotencyRecord>> {
        idempotency::lookup(self, org, key, fingerprint).await
    }

    async fn idempotency_store(
        &mut self,
        org: &OrgId,
        key: &str,
        fingerprint: &str,
        record: &IdempotencyRecord,
    ) -> ApiResult<()> {
        idempotency::store(self, org, key, fingerprint, record.status, &record.body).await
    }

    async fn housekeeping(&mut self, now: Timestamp, keep: SignedDuration) -> ApiResult<(u64, u64)> {
        let events = events::prune(self, now, keep).await?;
        let keys = idempotency::prune(self, now).await?;
        // Keeps the planner's statistics current as the tables grow.
        if let Some(sql) = dialect::REFRESH_STATISTICS {
            sqlx::raw_sql(sql).execute(self.conn()).await?;
        }
        Ok((events, keys))
    }

    async fn bulk_loaded(&mut self) -> ApiResult<()> {
        if let Some(sql) = dialect::AFTER_BULK_LOAD {
            sqlx::raw_sql(sql).execute(self.conn()).await?;
        }
        Ok(())
    }

    async fn load_contacts(&mut self, org: &OrgId, rows: &[ContactRow]) -> ApiResult<()> {
        load::contacts(self.conn(), org, rows).await
    }

    async fn load_conversations(&mut self, org: &OrgId, rows: &[ConversationRow]) -> ApiResult<()> {
        load::conversations(self.conn(), org, rows).await
    }

    async fn load_messages(&mut self, org: &OrgId, rows: &[MessageRow]) -> ApiResult<()> {
        load::messages(self.conn(), org, rows).await
    }

    async fn shift_times(&mut self, org: &OrgId, by: i64) -> ApiResult<()> {
        load::shift_times(self.conn(), org, by).await
    }

    async fn resnooze(&mut self, org: &OrgId, num: i64, until: Option<i64>, line: Option<&str>) -> ApiResult<()> {
        load::resnooze(self.conn(), org, num, until, line).await
    }
}
