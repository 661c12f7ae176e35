//! What only PostgreSQL says: the shared SQL (`../sql`) asks here for the few phrases
//! the engines word differently.

use sqlx::QueryBuilder;

use std::collections::HashSet;

use super::engine::{Conn, Engine};
use super::filter::TextPlan;
use crate::hub::Hub;
use frontdesk_domain::OrgId;

/// The migrations, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "init", include_str!("../../../migrations/postgres/0001_init.sql"))];

pub const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
     (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// The advisory lock migrations run under (any constant of ours: "frontdesk").
const MIGRATION_LOCK: i64 = 0x6672_6f6e_7464_6573;

/// Instances starting together take turns: the first migrates, the others find it done.
pub async fn lock_migrations(conn: &mut Conn) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(conn).await.map(|_| ())
}

pub async fn unlock_migrations(conn: &mut Conn) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK).execute(conn).await.map(|_| ())
}

/// Row locks (the org's event counter) serialise what must be; no table lock needed.
pub const BEGIN: &str = "BEGIN";

/// PostgreSQL's planner needs no hint for the live-conversation lookup.
pub const BY_CONTACT_INDEX: &str = "";

/// Nor for reading conversations back by id.
pub const ORG_NOT_BY_INDEX: &str = "c.org_id";

/// A conversation's tags as rows with a `value` column, named as `SQLite` names them.
pub const TAG_VALUES: &str = "jsonb_array_elements_text(c.tags::jsonb) AS json_each(value)";

/// Autovacuum keeps the planner's statistics; housekeeping adds nothing.
pub const REFRESH_STATISTICS: Option<&str> = None;

/// Other instances write to this database too: every commit is announced (below) and
/// each instance's listener publishes what was committed, its own writes included, so
/// streams see one order whichever instance wrote.
pub const PUBLISHES_ON_COMMIT: bool = false;

/// The channel commits are announced on.
pub const CHANNEL: &str = "frontdesk_commits";

/// Announces, inside the transaction, which orgs it changed: `NOTIFY` is delivered at
/// commit and only if it commits. A payload is the org id, with `!` after it when a
/// snooze or SLA time moved (every instance's scheduler looks again).
pub async fn announce(conn: &mut Conn, orgs: &HashSet<OrgId>, reschedule: bool) -> Result<(), sqlx::Error> {
    if orgs.is_empty() && !reschedule {
        return Ok(());
    }
    let mark = if reschedule { "!" } else { "" };
    let payloads: Vec<String> = if orgs.is_empty() {
        vec![mark.to_owned()]
    } else {
        orgs.iter().map(|o| format!("{}{mark}", o.as_str())).collect()
    };
    sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
        .bind(CHANNEL)
        .bind(payloads)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Presence goes to every instance's listener, this one's included, which publish it
/// to their streams: `~org` and the event's JSON on the next line (`NOTIFY` carries
/// up to 8000 bytes; a presence event is a few hundred).
pub async fn publish_presence(
    pool: &super::engine::Pool,
    _: &Hub,
    org: &OrgId,
    data: String,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(format!("~{}\n{data}", org.as_str()))
        .execute(pool)
        .await
        .map(|_| ())
}

/// After a bulk load: statistics for the tables a load fills, at once.
pub const AFTER_BULK_LOAD: Option<&str> = Some("ANALYZE contacts, conversations, messages, search");

/// Words as a `tsquery`: each quoted (query syntax neutralised) and a prefix, all
/// required. `websearch_to_tsquery` would read the same words but cannot ask for
/// prefixes, and a search box is typed into word by word.
pub fn text_query(words: &[String]) -> String {
    words.iter().map(|w| format!("'{}':*", w.replace('\\', "\\\\").replace('\'', "''"))).collect::<Vec<_>>().join(" & ")
}

/// The planner reads the Overdue view as its statistics say: no hint.
#[allow(clippy::unused_async, reason = "the same call as the engines that hint")]
pub async fn overdue_index(_: &mut Conn, _: &OrgId, _: i64) -> Result<Option<&'static str>, sqlx::Error> {
    Ok(None)
}

/// Every query is written hits first: the planner has the words' statistics
/// (`ANALYZE`) and picks its own way from there.
#[allow(clippy::unused_async, reason = "the same call as the engines that estimate")]
pub async fn plan_text(_: &mut Conn, query: &str, _: &Terms) -> Result<(String, TextPlan), sqlx::Error> {
    Ok((query.to_owned(), TextPlan::Hits))
}

/// No query is spelled out word by word here: the one form serves every plan.
#[allow(clippy::unused_async, reason = "the same call as the engines that spell out prefixes")]
pub async fn seek_query(_: &mut Conn, _: &str, _: &Terms) -> Result<Option<String>, sqlx::Error> {
    Ok(None)
}

/// No plan here is bounded: the one form serves every plan.
pub struct WorkLimit {
    spent: bool,
}

impl WorkLimit {
    pub fn spent(&self) -> bool {
        self.spent
    }
}

#[allow(clippy::unused_async, reason = "the same call as the engines that bound a seek")]
pub async fn limit_work(_: &mut Conn, _: u64) -> Result<WorkLimit, sqlx::Error> {
    Ok(WorkLimit { spent: false })
}

/// Nothing spelled out, nothing kept.
pub struct Terms;

/// `FROM` the org's conversations matching `query` (from [`text_query`]).
pub fn push_hits(qb: &mut QueryBuilder<Engine>, query: String, org: &OrgId) {
    qb.push("(SELECT DISTINCT conversation_id AS hit ");
    push_search(qb, query, org);
    qb.push(") AS s JOIN conversations c ON c.id = s.hit");
}

/// ` AND` the conversation `c` matches `query`; one form whatever the plan.
pub fn push_text_condition(qb: &mut QueryBuilder<Engine>, query: String, org: &OrgId, _: TextPlan) {
    qb.push(" AND c.id IN (SELECT conversation_id ");
    push_search(qb, query, org);
    qb.push(")");
}

/// `FROM search WHERE …`: the org's search rows matching `query`.
fn push_search(qb: &mut QueryBuilder<Engine>, query: String, org: &OrgId) {
    qb.push("FROM search WHERE search.doc @@ to_tsquery('frontdesk', ")
        .push_bind(query)
        .push(") AND search.org_id = ")
        .push_bind(org.as_str().to_owned());
}

#[cfg(test)]
mod tests {
    use super::super::filter::text_query;

    #[test]
    fn every_word_is_a_required_prefix() {
        assert_eq!(text_query("refund order").as_deref(), Some("'refund':* & 'order':*"));
    }

    #[test]
    fn query_syntax_is_neutralised() {
        assert_eq!(text_query("'a' | !(b:*)").as_deref(), Some("'a':* & 'b':*"));
        assert_eq!(text_query("  ()*' "), None);
        assert_eq!(text_query("ana@example.com").as_deref(), Some("'ana@example.com':*"));
    }
}
