//! What only `SQLite` says: the shared SQL (`../sql`) asks here for the few phrases
//! the engines word differently.

use sqlx::QueryBuilder;

use std::collections::HashSet;

use super::engine::{Conn, Engine};
use crate::hub::{Hub, Published};
use frontdesk_domain::OrgId;

/// The migrations, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../../migrations/sqlite/0001_init.sql")),
    (2, "event_seq", include_str!("../../../migrations/sqlite/0002_event_seq.sql")),
    (3, "copilot_quality", include_str!("../../../migrations/sqlite/0003_copilot_quality.sql")),
];

pub const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
     (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

/// One process per file: no one to take turns with.
#[allow(clippy::unused_async, reason = "the same call as the engines that lock")]
pub async fn lock_migrations(_: &mut Conn) -> Result<(), sqlx::Error> {
    Ok(())
}

#[allow(clippy::unused_async, reason = "the same call as the engines that lock")]
pub async fn unlock_migrations(_: &mut Conn) -> Result<(), sqlx::Error> {
    Ok(())
}

/// Takes the write lock at the start, so a batch never fails halfway on a busy database.
pub const BEGIN: &str = "BEGIN IMMEDIATE";

/// Before ANALYZE has run, `SQLite` prefers the list index for the ORDER BY of the
/// live-conversation lookup and walks the whole org.
pub const BY_CONTACT_INDEX: &str = "INDEXED BY conversations_contact";

/// `+c.org_id`: without it `SQLite` may walk an org index instead of the id lookups.
pub const ORG_NOT_BY_INDEX: &str = "+c.org_id";

/// Joins the full-text hits to conversations in that order: `SQLite` keeps the order
/// of a `CROSS JOIN`, so it starts from the (usually few) hits.
pub const HITS_FIRST: &str = "CROSS JOIN";

/// A conversation's tags as rows with a `value` column, named `json_each`.
pub const TAG_VALUES: &str = "json_each(c.tags)";

/// Keeps the planner's statistics current as the tables grow.
pub const REFRESH_STATISTICS: Option<&str> = Some("PRAGMA optimize");

/// One process per database: the writer publishes what it committed itself.
pub const PUBLISHES_ON_COMMIT: bool = true;

/// Nobody else writes to this database: nothing to announce.
#[allow(clippy::unused_async, reason = "the same call as the engines that announce")]
pub async fn announce(_: &mut Conn, _: &HashSet<OrgId>, _: bool) -> Result<(), sqlx::Error> {
    Ok(())
}

/// Presence goes straight to this server's streams: there is no other instance.
#[allow(clippy::unused_async, reason = "the same call as the engines that share")]
pub async fn publish_presence(
    _: &super::engine::Pool,
    hub: &Hub,
    org: &OrgId,
    data: String,
) -> Result<(), sqlx::Error> {
    hub.publish(Published::ephemeral(org.clone(), "presence", data));
    Ok(())
}

/// After a bulk load: nothing. The SQL's hints (`BY_CONTACT_INDEX`, `HITS_FIRST`, …)
/// keep `SQLite`'s plans right without statistics, which housekeeping's
/// `PRAGMA optimize` takes in its own time.
pub const AFTER_BULK_LOAD: Option<&str> = None;

/// Words as an FTS5 query: each quoted (FTS syntax neutralised) and a prefix.
pub fn text_query(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{}\"*", w.replace('"', ""))).collect::<Vec<_>>().join(" ")
}

/// `FROM search WHERE …`: the org's search rows matching `query` (from [`text_query`]).
pub fn push_search(qb: &mut QueryBuilder<Engine>, query: String, org: &OrgId) {
    qb.push("FROM search WHERE search MATCH ")
        .push_bind(query)
        .push(" AND search.org_id = ")
        .push_bind(org.as_str().to_owned());
}

#[cfg(test)]
mod tests {
    use super::super::filter::text_query;

    #[test]
    fn every_word_is_quoted_as_a_prefix() {
        assert_eq!(text_query("refund order").as_deref(), Some("\"refund\"* \"order\"*"));
    }

    #[test]
    fn fts_syntax_is_neutralised() {
        assert_eq!(text_query("\"a\" OR (b*)").as_deref(), Some("\"a\"* \"OR\"* \"b\"*"));
        assert_eq!(text_query("  ()*\" "), None);
    }

    #[test]
    fn emails_and_phones_stay_whole() {
        assert_eq!(text_query("ana@example.com").as_deref(), Some("\"ana@example.com\"*"));
    }
}
