//! What only PostgreSQL says: the shared SQL (`../sql`) asks here for the few phrases
//! the engines word differently.

use sqlx::QueryBuilder;

use std::collections::HashSet;
use std::time::Duration;

use super::engine::{Conn, Engine};
use super::filter::{Planned, TextPlan};
use crate::hub::Hub;
use crate::store::words::Common;
use frontdesk_domain::OrgId;

/// The migrations, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../../migrations/postgres/0001_init.sql")),
    (2, "provider_id_first", include_str!("../../../migrations/postgres/0002_provider_id_first.sql")),
    (3, "common_words", include_str!("../../../migrations/postgres/0003_common_words.sql")),
    (4, "common_words_kept", include_str!("../../../migrations/postgres/0004_common_words_kept.sql")),
    (5, "events_without_id_index", include_str!("../../../migrations/postgres/0005_events_without_id_index.sql")),
];

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

/// The order the index wants rows written in: any (a GIN index takes them as they come).
pub const SEARCH_ORDER: &str = "0::bigint";

/// A message's search row is made by its trigger, from its text alone.
pub const PLACES_SEARCH_ROWS: bool = false;

/// Nothing to count (see `PLACES_SEARCH_ROWS`).
pub const SEARCH_ROWS: &str = "0::bigint";

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

/// Around a load's messages: nothing (PostgreSQL's search index has no merges to put off).
pub const LOADING_MESSAGES: Option<(&str, &str)> = None;

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

/// Shares of the search rows a query's words are estimated to match, past which a
/// page is sought ([`TextPlan::Seek`]) or walked ([`TextPlan::Walk`]) rather than
/// started from the hits. Measured at 100,000 conversations (PostgreSQL 15, a page of
/// 51): a word in 1.4% of the rows was sought sooner than walked, one in 1.1% walked
/// sooner; from about 0.3% gathering the hits once and walking beats looking each up.
const SEEK_SHARE: f64 = 0.012;
const WALK_SHARE: f64 = 0.003;

/// The most hits a walk gathers. It tests each row against a hash of them, which
/// PostgreSQL builds only if it expects the hash to fit in `work_mem` (4 MB by
/// default); past that the test would run the search once per row walked (395 s for
/// "the" at 100,000). 20,000 conversation ids take about 2 MB.
const WALK_MAX_ROWS: f64 = 20_000.0;

/// Plans by the planner's own estimate of the rows the words match: its statistics
/// (`ANALYZE`, autovacuum) know each word's frequency. A table never analysed has no
/// estimate worth the name, and is started from the hits.
pub async fn plan_text(conn: &mut Conn, query: &str, _: &Terms) -> Result<Planned, sqlx::Error> {
    let estimate = estimated_share(conn, query).await?;
    let plan = choose(estimate);
    let marks = if plan == TextPlan::Seek { marks(conn, query).await? } else { None };
    Ok(Planned { query: query.to_owned(), plan, rows: estimate.map(|(_, rows)| rows), marks })
}

/// The plan for words estimated to match a share of the search rows, so many rows.
fn choose(estimate: Option<(f64, f64)>) -> TextPlan {
    match estimate {
        Some((share, _)) if share >= SEEK_SHARE => TextPlan::Seek,
        Some((share, rows)) if share >= WALK_SHARE && rows <= WALK_MAX_ROWS => TextPlan::Walk,
        Some((share, _)) if share >= WALK_SHARE => TextPlan::Seek,
        _ => TextPlan::Hits,
    }
}

/// The share of the search rows the planner expects `query` to match, and those
/// rows, if the table has statistics.
async fn estimated_share(conn: &mut Conn, query: &str) -> Result<Option<(f64, f64)>, sqlx::Error> {
    // -1 until the table is first analysed.
    let total: Option<f32> = sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = 'search'::regclass")
        .fetch_optional(&mut *conn)
        .await?;
    let total = f64::from(total.unwrap_or(-1.0));
    if total < 1.0 {
        return Ok(None);
    }
    Ok(estimated_rows(conn, query).await?.map(|rows| (rows / total, rows)))
}

/// The search rows the planner expects `query` to match.
async fn estimated_rows(conn: &mut Conn, query: &str) -> Result<Option<f64>, sqlx::Error> {
    let plan: serde_json::Value =
        sqlx::query_scalar("EXPLAIN (FORMAT JSON) SELECT 1 FROM search WHERE doc @@ to_tsquery('frontdesk', $1)")
            .bind(query)
            .fetch_one(&mut *conn)
            .await?;
    Ok(plan.pointer("/0/Plan/Plan Rows").and_then(serde_json::Value::as_f64))
}

/// The query every plan runs: `tsquery` needs no spelling out word by word.
#[allow(clippy::unused_async, reason = "the same call as the engines that spell out prefixes")]
pub async fn seek_query(
    conn: &mut Conn,
    query: &str,
    _: &Terms,
) -> Result<Option<(String, Option<Marks>)>, sqlx::Error> {
    let marks = marks(conn, query).await?;
    Ok(Some((query.to_owned(), marks)))
}

/// How a seek tests the words that have bits (`store/words.rs`): a conversation read
/// plain whose bit for a word is clear holds no word beginning with it. The bits are
/// read as `SQLite`'s tokenizer reads; PostgreSQL's `unaccent` spells out more
/// characters (`¼` as `1/4`), so a conversation read unsure (bit 63, the sign) is
/// sought whatever its bits. Where a bit is set, the conversation's search rows are
/// still sought too: PostgreSQL's parser makes words of its own (an address, a host,
/// a hyphenated word whole) that the bits do not read.
#[derive(Clone, Debug)]
pub struct Marks {
    /// Each marked word's bit, as a mask.
    bits: Vec<i64>,
}

/// The marks of `query`'s words (from [`text_query`]); none when no word has a bit.
async fn marks(conn: &mut Conn, query: &str) -> Result<Option<Marks>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT bit, word FROM common_words").fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let common = Common::new(rows);
    let bits: Vec<i64> = query
        .split(" & ")
        .filter_map(|w| w.strip_prefix('\'')?.strip_suffix("':*"))
        .filter_map(|w| common.bit(&w.to_lowercase()))
        .map(|b| 1_i64 << b)
        .collect();
    Ok((!bits.is_empty()).then_some(Marks { bits }))
}

/// ` AND` the conversation `c` holds the seek's words, each marked word tested by its
/// bit first.
pub fn push_marked_seek(qb: &mut QueryBuilder<Engine>, query: String, marks: &Marks) {
    for bits in &marks.bits {
        qb.push(" AND ((c.words & ").push_bind(*bits).push(") <> 0 OR c.words < 0)");
    }
    push_seek(qb, query);
}

/// ` AND` the conversation's own search rows match `query`, by `search_conversation`;
/// `LIMIT` keeps it a test run per row walked.
fn push_seek(qb: &mut QueryBuilder<Engine>, query: String) {
    qb.push(" AND (SELECT TRUE FROM search s WHERE s.conversation_id = c.id AND s.doc @@ to_tsquery('frontdesk', ")
        .push_bind(query)
        .push(") LIMIT 1)");
}

/// How long a seek may take before it gives way to gathering the hits, at least. On
/// PostgreSQL the bound is time: it has no count of the work a statement did. A page
/// of a word in 2% of 100,000 conversations is sought in about 15 ms here; a seek
/// through rows that lack a common word could go on for seconds. In tests, short
/// enough that a seek through a few thousand rows always gives way.
const SEEK_TIME: Duration = Duration::from_millis(if cfg!(test) { 1 } else { 60 });

/// What gathering the hits costs per row the planner expects, about (measured at
/// 100,000 conversations: "the", 376,000 rows, 650 ms). A seek may take as long as
/// gathering would: one that gives way then costs at most about twice the cheaper
/// plan, and one through many rows without a very common word, which finishes
/// sooner than gathering its hits, is not cut short.
const GATHER_PER_ROW: Duration = Duration::from_micros(2);

/// What a seek that gave way does instead: look up the hits. Not a walk, whose hash
/// of every hit of a word common enough to be sought may not fit in memory.
pub const AFTER_SEEK: TextPlan = TextPlan::Hits;

/// A seek's bound: `least`, or what gathering `rows` hits would take if longer (up
/// to 10 million rows: 20 s).
fn seek_time(rows: Option<f64>, least: Duration, per_row: Duration) -> Duration {
    let rows = rows.unwrap_or(0.0);
    let rows = if rows.is_finite() { rows.clamp(0.0, 10_000_000.0) } else { 0.0 };
    least.max(per_row.mul_f64(rows))
}

/// A statement run under the seek's bound, in a read transaction of its own whose
/// `statement_timeout` is the bound ([`seek_time`]). Past it the statement is cancelled; the
/// transaction ends with the bound (or, dropped halfway, when the connection is next
/// used), so the timeout never outlives it.
pub struct Bounded<'c> {
    tx: sqlx::Transaction<'c, Engine>,
}

/// Bounds a seek by [`SEEK_TIME`], or longer where gathering the `rows` its words
/// are estimated to match would take longer.
pub async fn bound_seek(conn: &mut Conn, rows: Option<f64>, _marked: bool) -> Result<Bounded<'_>, sqlx::Error> {
    // In tests the bound stays at its least, for the test that gives way.
    let rows = if cfg!(test) { None } else { rows };
    let mut tx = sqlx::Connection::begin(conn).await?;
    sqlx::query("SELECT set_config('statement_timeout', $1, true)")
        .bind(format!("{}ms", seek_time(rows, SEEK_TIME, GATHER_PER_ROW).as_millis()))
        .execute(&mut *tx)
        .await?;
    Ok(Bounded { tx })
}

impl Bounded<'_> {
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.tx
    }

    /// Whether `err` is the bound stopping the statement (`query_canceled`).
    #[allow(clippy::unused_self, reason = "the same call as the engines whose bound keeps a flag")]
    pub fn gave_way(&self, err: &sqlx::Error) -> bool {
        err.as_database_error().and_then(sqlx::error::DatabaseError::code).is_some_and(|code| code == "57014")
    }

    /// Ends the transaction: it only read.
    pub async fn end(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// How the keeper of the common words' bits (`word_bits`) reads conversations in
/// order: by id, which sorts by creation (UUID v7). An id made on another instance
/// whose clock is behind may sort before the keeper's place: that conversation keeps
/// -1 ("any word"), which is slower to search, never wrong.
pub const WORDS_ORDER: &str = "c.id";

/// [`WORDS_ORDER`] as the text the keeper keeps.
pub const WORDS_AT: &str = "c.id";

/// The conversation `c` comes after `at` ([`WORDS_AT`]; empty: any).
pub fn push_words_after(qb: &mut QueryBuilder<Engine>, at: String) {
    qb.push("c.id > ").push_bind(at);
}

/// The rows read are locked until the bits are written: a message another instance
/// adds meanwhile waits, then adds its bits to the ones written (its trigger's
/// `UPDATE`), or was there to be read.
/// Rows another instance holds are passed over (keeping the bits they have, never
/// wrong), so the keeper never waits on a lock and no two writers wait on each other.
pub const LOCK_WORDS_READ: &str = " FOR UPDATE OF c SKIP LOCKED";

/// A call's summary, from a message's `call` column.
pub const CALL_SUMMARY: &str = "(call::jsonb ->> 'summary')";

/// The advisory lock the instances take turns keeping the bits under ("words").
const WORDS_LOCK: i64 = 0x0077_6f72_6473;

/// Whether this writer keeps the bits now: one instance at a time, for the rest of
/// its transaction.
pub async fn words_turn(conn: &mut Conn) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(WORDS_LOCK).fetch_one(conn).await
}

/// Nothing spelled out, nothing kept (a field, so it is made as the other engines'
/// `Terms` are: `Terms::default()`).
#[derive(Default)]
pub struct Terms(());

/// `FROM` the org's conversations matching `query` (from [`text_query`]), looked up
/// one by one from the hits gathered first. Written as a list, which the planner
/// cannot estimate from the words: a join it may cost as a scan of every
/// conversation, chosen even for a handful of hits (32 ms for 5 hits at 100,000,
/// against 0.7 ms looked up).
pub fn push_hits(qb: &mut QueryBuilder<Engine>, query: String, org: &OrgId) {
    qb.push("(SELECT unnest(ARRAY(SELECT DISTINCT conversation_id ");
    push_search(qb, query, org);
    qb.push(")) AS hit) AS s JOIN conversations c ON c.id = s.hit");
}

/// ` AND` the conversation `c` matches `query`, tested as `plan` says. The `WHERE`
/// already scopes `c` to the org.
pub fn push_text_condition(qb: &mut QueryBuilder<Engine>, query: String, org: &OrgId, plan: TextPlan) {
    match plan {
        // The planner's choice: a count may be best as a join with the hits.
        TextPlan::Hits => {
            qb.push(" AND c.id IN (SELECT conversation_id ");
            push_search(qb, query, org);
            qb.push(")");
        }
        // `IS TRUE` keeps the test from being turned into a join: the hits are
        // gathered once, into a hash each row walked is looked up in.
        TextPlan::Walk => {
            qb.push(" AND (c.id IN (SELECT conversation_id ");
            push_search(qb, query, org);
            qb.push(")) IS TRUE");
        }
        // The conversation's own search rows.
        TextPlan::Seek => push_seek(qb, query),
    }
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
    fn a_walk_never_gathers_more_hits_than_fit_in_memory() {
        use super::super::filter::TextPlan;
        use super::choose;
        assert_eq!(choose(Some((0.005, 2_900.0))), TextPlan::Walk);
        assert_eq!(choose(Some((0.005, 60_000.0))), TextPlan::Seek, "0.5% of 12 million rows");
        assert_eq!(choose(Some((0.02, 11_000.0))), TextPlan::Seek);
        assert_eq!(choose(Some((0.001, 600.0))), TextPlan::Hits);
        assert_eq!(choose(None), TextPlan::Hits);
    }

    #[test]
    fn a_seek_may_take_as_long_as_gathering_its_hits_would() {
        use std::time::Duration;
        let (least, per_row) = (Duration::from_millis(60), Duration::from_micros(2));
        assert_eq!(super::seek_time(None, least, per_row), least, "no estimate");
        assert_eq!(super::seek_time(Some(9_000.0), least, per_row), least, "gathering is quicker than the least");
        assert_eq!(super::seek_time(Some(376_000.0), least, per_row), Duration::from_millis(752), "\"the\" at 100,000");
        assert_eq!(super::seek_time(Some(1e12), least, per_row), Duration::from_secs(20), "at most 10 million rows");
        assert_eq!(super::seek_time(Some(f64::NAN), least, per_row), least);
        assert_eq!(super::seek_time(Some(-5.0), least, per_row), least);
    }

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
