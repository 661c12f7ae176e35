//! What only `SQLite` says: the shared SQL (`../sql`) asks here for the few phrases
//! the engines word differently.

use sqlx::QueryBuilder;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::engine::{Conn, Engine};
use super::filter::{Planned, TextPlan};
use crate::hub::{Hub, Published};
use crate::store::words::{Common, UNSURE_MASK};
use frontdesk_domain::OrgId;

/// The migrations, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../../migrations/sqlite/0001_init.sql")),
    (2, "event_seq", include_str!("../../../migrations/sqlite/0002_event_seq.sql")),
    (3, "copilot_quality", include_str!("../../../migrations/sqlite/0003_copilot_quality.sql")),
    (4, "search_by_number", include_str!("../../../migrations/sqlite/0004_search_by_number.sql")),
    (5, "search_terms", include_str!("../../../migrations/sqlite/0005_search_terms.sql")),
    (6, "common_words", include_str!("../../../migrations/sqlite/0006_common_words.sql")),
    (7, "ingest_places_search_rows", include_str!("../../../migrations/sqlite/0007_ingest_places_search_rows.sql")),
    (8, "events_without_id_index", include_str!("../../../migrations/sqlite/0008_events_without_id_index.sql")),
    (9, "counts_index", include_str!("../../../migrations/sqlite/0009_counts_index.sql")),
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

/// A conversation's place among the full-text index's rows: its rows are numbered
/// from `num << 24` (migration 0004).
pub const SEARCH_ORDER: &str = "coalesce(num, 0)";

/// Ingestion numbers the conversations it opens and places its messages' rows in the
/// full-text index itself, counting them into each conversation's summary (migration
/// 0007), where the triggers would update the conversation once a message.
pub const PLACES_SEARCH_ROWS: bool = true;

/// How many of a conversation's messages have rows in the full-text index.
pub const SEARCH_ROWS: &str = "search_rows";

/// `+c.org_id`: without it `SQLite` may walk an org index instead of the id lookups.
pub const ORG_NOT_BY_INDEX: &str = "+c.org_id";

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

/// Around a load's messages, in its transaction: while they go in, FTS5 merges the
/// segments they make only where 16 gather on a level (`crisismerge`), not at every 4,
/// and merges as before once they are in. A bulk load ends
/// by merging the whole index into one (`AFTER_BULK_LOAD`), so merging along the way
/// was the same work twice: seeding 100,000 conversations took 23.5–28.1 s against
/// 27.4–29.2 (6 pairs, alternated; means 26.0 and 28.2). The demo's own seed (992
/// messages, a statement's worth) makes a segment or two and has nothing to put off. 4 is
/// FTS5's default, which nothing here changes; in one transaction with the load, a
/// load that fails leaves it as it was.
pub const LOADING_MESSAGES: Option<(&str, &str)> = Some((
    "INSERT INTO search (search, rank) VALUES ('automerge', 0)",
    "INSERT INTO search (search, rank) VALUES ('automerge', 4)",
));

/// After a bulk load:
/// - the search index merged into one segment (some 3 s at 100,000 conversations),
///   or the writes that follow pay for merging the hundreds a load leaves;
/// - the planner's statistics, sampled (30 ms at that size), for this connection
///   and those opened from now on (open ones keep what they read: the SQL's hints,
///   `BY_CONTACT_INDEX`, `CROSS JOIN`, `overdue_index`, … do not wait for statistics).
///   Housekeeping's `PRAGMA optimize` keeps them current.
pub const AFTER_BULK_LOAD: Option<&str> =
    Some("INSERT INTO search (search) VALUES ('optimize'); PRAGMA analysis_limit = 400; ANALYZE");

/// Words as an FTS5 query: each quoted (FTS syntax neutralised) and a prefix.
pub fn text_query(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{}\"*", w.replace('"', ""))).collect::<Vec<_>>().join(" ")
}

/// Fewer matching search rows than this, and a page starts from the hits: each is a
/// lookup (about 1.5 µs), and a couple of thousand take a few milliseconds. More, and a page
/// walks the view testing each row against the hits gathered once: "order", in a
/// third of 100,000 conversations, fills a page within some 150 rows.
const FEW_HITS: i64 = 2_000;

/// More search rows than this hold the whole words, and they are common enough that
/// a page fills within a few dozen conversations: each conversation walked is tested
/// for them directly ([`TextPlan::Seek`]), where gathering the hits first costs
/// about 0.15 µs each (313,000 rows hold "the" in the demo's 100,000 conversations).
/// Where the rows walked first lack them after all, the seek gives way at a bound
/// on its work ([`SEEK_WORK`]) and the hits are gathered.
const MANY_HITS: i64 = 20_000;

/// A prefix that begins more words than this is not searched as those words.
const MAX_TERMS: i64 = 64;

/// Picks the plan from a count of the matching search rows (every org's: the index
/// does not know orgs), stopped where the answer no longer changes, and returns the
/// query to run with it. Every search row's rowid is its conversation's number
/// shifted left 24 bits (migration 0004), so no plan reads a row to learn its
/// conversation.
pub async fn plan_text(conn: &mut Conn, query: &str, known: &Terms) -> Result<Planned, sqlx::Error> {
    let planned = |query: String, plan| Planned { query, plan, rows: None, marks: None };
    // Whole words first: at least as many rows hold their prefixes, and counting
    // whole words merges nothing, where `"order"*` merges every word "order" begins.
    let whole = query.replace("\"*", "\"");
    let hits = count_hits(conn, &whole, MANY_HITS).await?;
    if hits >= MANY_HITS
        && let Some(spelled) = spelled(conn, query, known).await?
    {
        let marks = marks(conn, &spelled.words).await?;
        // What gathering the hits would read: the seek's bound follows from it.
        #[allow(clippy::cast_precision_loss, reason = "an estimate")]
        return Ok(Planned { query: spelled.query(), plan: TextPlan::Seek, rows: Some(spelled.rows as f64), marks });
    }
    if hits >= FEW_HITS || count_hits(conn, query, FEW_HITS).await? >= FEW_HITS {
        return Ok(planned(query.to_owned(), TextPlan::Walk));
    }
    Ok(planned(query.to_owned(), TextPlan::Hits))
}

/// A bound on the work of the statements run while it is held: past it, the
/// statement stops (`SQLITE_INTERRUPT`) and [`WorkLimit::spent`] says so. Counted in
/// the engine's own instructions, not in time, so the bound is the same on a busy
/// machine. Dropping it lifts the bound (a request given up halfway cannot leave
/// its connection bounded for the next).
pub struct WorkLimit {
    armed: Arc<AtomicBool>,
    spent: Arc<AtomicBool>,
}

impl WorkLimit {
    pub fn spent(&self) -> bool {
        self.spent.load(Ordering::Relaxed)
    }
}

impl Drop for WorkLimit {
    fn drop(&mut self) {
        self.armed.store(false, Ordering::Relaxed);
    }
}

/// Work a seek may take before it gives way to gathering the hits, in the engine's
/// instructions: a page of "order" at 100,000 takes about 56,000, so this is some
/// 270 conversations walked. Where the rows walked first lack a very common word
/// (inbound traffic that never says "the", on top of the view), each row walked
/// costs a seek per word its prefix begins: after 300,000 such messages, "the"
/// took 4.2 s, 56 million instructions, and now gives way within 100,000.
const SEEK_WORK: u64 = 100_000;

/// The seek's bound grows with what gathering the hits would cost instead: one of
/// the engine's instructions of seeking a search row gathering would read (a seek
/// does some 13,000 a millisecond; gathering the 313,000 rows "the" begins takes
/// 67–80 ms at 100,000 conversations, so it may seek for some 24 ms). Before, a
/// few dozen new conversations without "the" on top of the view (a seek per word it
/// begins, some 3,000 instructions each) made every search for it gather: 70 ms
/// against 15. Where thousands lack it, a page costs the seek and then the
/// gathering (about 1.5 times the gathering alone); at 2 a row, twice.
const SEEK_WORK_PER_ROW: f64 = 1.0;

/// The most a seek may work, whatever its words match (about 150 ms of seeking).
const SEEK_WORK_MAX: u64 = 2_000_000;

/// A statement run under the seek's bound ([`SEEK_WORK`]), on the caller's
/// connection; the bound is lifted when this is dropped.
pub struct Bounded<'c> {
    conn: &'c mut Conn,
    limit: WorkLimit,
}

/// What a seek that gave way does instead: walk, testing each row against the hits
/// gathered once (`IN` builds them into an index of its own, whatever their number).
pub const AFTER_SEEK: TextPlan = TextPlan::Walk;

/// A seek whose words are tested by their bits first ([`Marks`]) walks the view
/// doing some 48 of the engine's instructions a microsecond (16,000 conversations
/// without "your" in 81,000 instructions, 1.7 ms), where a seek in the index does 13:
/// it may take this many times the instructions for the same time. At the unmarked
/// bound, that walk gave way after 16,000 rows, and gathering "your" took 25 ms.
const MARKED_WORK_FACTOR: u64 = 4;

/// Bounds a seek by [`SEEK_WORK`], or by what gathering the `rows` its words
/// match would cost ([`SEEK_WORK_PER_ROW`]) where that is more; a `marked` one by
/// [`MARKED_WORK_FACTOR`] times that.
pub async fn bound_seek(conn: &mut Conn, rows: Option<f64>, marked: bool) -> Result<Bounded<'_>, sqlx::Error> {
    let limit = limit_work(&mut *conn, seek_bound(rows, marked)).await?;
    Ok(Bounded { conn, limit })
}

/// The instructions a seek may take for words that match `rows` search rows.
pub(super) fn seek_bound(rows: Option<f64>, marked: bool) -> u64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to a bound")]
    let bound = rows.map_or(SEEK_WORK, |r| ((r * SEEK_WORK_PER_ROW).max(0.0) as u64).clamp(SEEK_WORK, SEEK_WORK_MAX));
    if marked { bound * MARKED_WORK_FACTOR } else { bound }
}

impl Bounded<'_> {
    pub fn conn(&mut self) -> &mut Conn {
        self.conn
    }

    /// Whether the statement that failed was stopped by the bound.
    pub fn gave_way(&self, _: &sqlx::Error) -> bool {
        self.limit.spent()
    }

    /// Lifts the bound.
    #[allow(clippy::unused_async, reason = "the same call as the engines whose bound is a transaction")]
    pub async fn end(self) -> Result<(), sqlx::Error> {
        Ok(())
    }
}

/// Instructions between two looks at the bound.
const WORK_STEP: i32 = 1_000;

/// Bounds the work of what runs next on `conn` to about `ops` instructions.
pub async fn limit_work(conn: &mut Conn, ops: u64) -> Result<WorkLimit, sqlx::Error> {
    let armed = Arc::new(AtomicBool::new(true));
    let spent = Arc::new(AtomicBool::new(false));
    let (on, out) = (Arc::clone(&armed), Arc::clone(&spent));
    let mut left = ops / u64::from(WORK_STEP.unsigned_abs());
    conn.lock_handle().await?.set_progress_handler(WORK_STEP, move || {
        if !on.load(Ordering::Relaxed) {
            return true;
        }
        if left == 0 {
            out.store(true, Ordering::Relaxed);
            return false;
        }
        left -= 1;
        true
    });
    Ok(WorkLimit { armed, spent })
}

/// How many search rows match `query`, counted up to `most`.
async fn count_hits(conn: &mut Conn, query: &str, most: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM search WHERE search MATCH $1 LIMIT $2)")
        .bind(query)
        .bind(most)
        .fetch_one(&mut *conn)
        .await
}

/// `query` (each word a prefix, as [`text_query`] makes it) with each word spelled
/// out as the whole words of the index it begins: `("the" OR "them" OR …) AND …`,
/// which FTS5 can test against one conversation's rows without merging anything.
/// None when a word is not plain ASCII letters and digits (the index folds others
/// in ways not redone here) or begins more than [`MAX_TERMS`] words.
pub async fn seek_query(
    conn: &mut Conn,
    query: &str,
    known: &Terms,
) -> Result<Option<(String, Option<Marks>)>, sqlx::Error> {
    let Some(spelled) = spelled(conn, query, known).await? else { return Ok(None) };
    let marks = marks(conn, &spelled.words).await?;
    Ok(Some((spelled.query(), marks)))
}

/// Each of a query's words as the index's whole words it begins, each with the
/// search rows holding it.
struct Spelled {
    /// Each word (lower case), with the index's words it begins.
    words: Vec<(String, Vec<(String, i64)>)>,
    /// The search rows the words hold, summed: what gathering the hits would read.
    rows: i64,
}

impl Spelled {
    /// As [`seek_query`] says.
    fn query(&self) -> String {
        self.words.iter().map(|(_, terms)| format!("({})", either(terms))).collect::<Vec<_>>().join(" AND ")
    }
}

/// Any of `terms`, as an FTS5 query.
fn either<'a>(terms: impl IntoIterator<Item = &'a (String, i64)>) -> String {
    terms.into_iter().map(|(t, _)| format!("\"{}\"", t.replace('"', ""))).collect::<Vec<_>>().join(" OR ")
}

/// How a seek tests the words that have bits (`migrations/sqlite/0006`): a
/// conversation whose bit for a word is clear holds no word beginning with it.
#[derive(Clone, Debug)]
pub struct Marks {
    /// Each marked word's bit, as a mask.
    bits: Vec<i64>,
    /// The query is one word, and it has a bit.
    alone: bool,
}

/// The marks of a query's words; none when no word has a bit.
async fn marks(conn: &mut Conn, words: &[(String, Vec<(String, i64)>)]) -> Result<Option<Marks>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT bit, word FROM common_words").fetch_all(&mut *conn).await?;
    let common = Common::new(rows);
    let bits: Vec<i64> = words.iter().filter_map(|(word, _)| common.bit(word)).map(|b| 1_i64 << b).collect();
    let alone = words.len() == 1 && bits.len() == 1;
    Ok((!bits.is_empty()).then_some(Marks { bits, alone }))
}

/// ` AND` the conversation `c` holds the seek's words (`query`, spelled), each
/// marked word tested by its bit first. A query of one word is then taken at the
/// bits' word where the conversation's text was read plain: the bits are what the
/// index holds. Else, and for several words (which one search row must hold
/// together), the index is sought.
pub fn push_marked_seek(qb: &mut QueryBuilder<Engine>, query: String, marks: &Marks) {
    for bits in &marks.bits {
        qb.push(" AND (c.words & ").push_bind(*bits).push(") <> 0");
    }
    if marks.alone {
        qb.push(" AND ((c.words & ").push_bind(UNSURE_MASK).push(") = 0");
        qb.push(" OR EXISTS (SELECT 1 FROM search WHERE search MATCH ").push_bind(query).push(SEEK_ROWS).push(")");
        return;
    }
    push_seek(qb, query);
}

/// The search rows of conversation `c`, as a condition on `search.rowid`.
const SEEK_ROWS: &str = " AND search.rowid BETWEEN c.num << 24 AND (c.num << 24) + 16777215)";

/// ` AND` the conversation `c` has a search row matching `query`: a seek in each of
/// its words' lists.
fn push_seek(qb: &mut QueryBuilder<Engine>, query: String) {
    qb.push(" AND EXISTS (SELECT 1 FROM search WHERE search MATCH ").push_bind(query).push(SEEK_ROWS);
}

/// [`seek_query`]'s words, with the search rows each holds.
async fn spelled(conn: &mut Conn, query: &str, known: &Terms) -> Result<Option<Spelled>, sqlx::Error> {
    // The index's structure record is rewritten by every write to it: while it is
    // the same, so are the words a prefix begins.
    let stamp: Vec<u8> = sqlx::query_scalar("SELECT block FROM search_data WHERE id = 10")
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or_default();
    let mut words = Vec::new();
    let mut rows = 0_i64;
    for word in query.split(' ') {
        let Some(word) = word.strip_prefix('"').and_then(|w| w.strip_suffix("\"*")) else { return Ok(None) };
        if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(None);
        }
        let word = word.to_ascii_lowercase();
        let terms = if let Some(terms) = known.get(&stamp, &word) {
            terms
        } else {
            let terms = begun(conn, &word).await?;
            known.put(&stamp, &word, terms.clone());
            terms
        };
        if terms.is_empty() {
            return Ok(None);
        }
        rows = rows.saturating_add(terms.iter().map(|(_, n)| *n).sum());
        words.push((word, terms));
    }
    Ok((!words.is_empty()).then_some(Spelled { words, rows }))
}

/// The index's words that begin with `word`, each with the search rows holding it;
/// none when there are none or more than
/// [`MAX_TERMS`]. FTS5 reads each one's list of rows to count them (15 ms for the
/// words "the" begins at 100,000 conversations), hence [`Terms`].
async fn begun(conn: &mut Conn, word: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    // Every term beginning with `word` sorts from it to it followed by the last
    // character there is. `doc` is how many search rows hold it.
    let mut terms: Vec<(String, i64)> =
        sqlx::query_as("SELECT term, doc FROM search_terms WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3")
            .bind(word)
            .bind(format!("{word}{}", char::MAX))
            .bind(MAX_TERMS + 1)
            .fetch_all(&mut *conn)
            .await?;
    if terms.len() > usize::try_from(MAX_TERMS).unwrap_or(usize::MAX) {
        terms.clear();
    }
    Ok(terms)
}

/// Prefixes kept at most; past it the kept ones are dropped and the count starts again.
const KEPT_PREFIXES: usize = 1_024;

/// What prefixes spelled out to, for one version of the index.
#[derive(Default)]
pub struct Terms(Mutex<Kept>);

#[derive(Default)]
struct Kept {
    /// The index's structure record when these were read.
    stamp: Vec<u8>,
    /// Each prefix's words with their rows; empty when it is not spelled out.
    words: HashMap<String, Vec<(String, i64)>>,
}

impl Terms {
    fn get(&self, stamp: &[u8], word: &str) -> Option<Vec<(String, i64)>> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        (kept.stamp == stamp).then(|| kept.words.get(word).cloned()).flatten()
    }

    fn put(&self, stamp: &[u8], word: &str, terms: Vec<(String, i64)>) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.stamp != stamp || kept.words.len() >= KEPT_PREFIXES {
            *kept = Kept { stamp: stamp.to_vec(), words: HashMap::new() };
        }
        kept.words.insert(word.to_owned(), terms);
    }
}

/// How the keeper of the common words' bits (`word_bits`) reads conversations in
/// order: by number, which a new conversation takes next.
pub const WORDS_ORDER: &str = "c.num";

/// [`WORDS_ORDER`] as the text the keeper keeps.
pub const WORDS_AT: &str = "CAST(c.num AS TEXT)";

/// The conversation `c` comes after `at` ([`WORDS_AT`]; empty: any).
pub fn push_words_after(qb: &mut QueryBuilder<Engine>, at: String) {
    qb.push("c.num > CAST(").push_bind(at).push(" AS INTEGER)");
}

/// One writer: its reads need no lock.
pub const LOCK_WORDS_READ: &str = "";

/// A call's summary, from a message's `call` column.
pub const CALL_SUMMARY: &str = "json_extract(call, '$.summary')";

/// Whether this writer keeps the bits now: the only one.
#[allow(clippy::unused_async, reason = "the same call as the engines whose instances take turns")]
pub async fn words_turn(_: &mut Conn) -> Result<bool, sqlx::Error> {
    Ok(true)
}

/// Fewer overdue conversations than this, and the Overdue view is read from the SLA
/// index and sorted; more, and the list is walked (a page fills at once). Without
/// statistics, or with an open reader's stale ones, `SQLite` walks the whole list
/// for rows that are not there: 110 ms a page with nothing overdue.
const FEW_OVERDUE: i64 = 2_000;

/// How `FROM conversations c` is to read the Overdue view: from the SLA index while
/// the org has few conversations past their SLA time (closed and archived ones
/// counted too: an upper bound), else as the planner likes.
pub async fn overdue_index(conn: &mut Conn, org: &OrgId, now_ms: i64) -> Result<Option<&'static str>, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM conversations c INDEXED BY conversations_sla \
         WHERE c.sla_due_at <= $1 AND c.org_id = $2 LIMIT $3)",
    )
    .bind(now_ms)
    .bind(org.as_str())
    .bind(FEW_OVERDUE)
    .fetch_one(&mut *conn)
    .await?;
    Ok((n < FEW_OVERDUE).then_some("INDEXED BY conversations_sla"))
}

/// `FROM` the matching conversations, hits first (`SQLite` keeps the order of a
/// `CROSS JOIN`). Search rows of other orgs may be among the hits: the caller's
/// `WHERE c.org_id = …` leaves them out.
pub fn push_hits(qb: &mut QueryBuilder<Engine>, query: String, _org: &OrgId) {
    qb.push("(SELECT DISTINCT rowid >> 24 AS hit FROM search WHERE search MATCH ")
        .push_bind(query)
        .push(") AS s CROSS JOIN conversations c ON c.num = s.hit");
}

/// ` AND` the conversation `c` matches `query`, tested as `plan` says. The `WHERE`
/// already scopes `c` to the org.
pub fn push_text_condition(qb: &mut QueryBuilder<Engine>, query: String, _org: &OrgId, plan: TextPlan) {
    match plan {
        // The planner may start from the hits, or walk and test.
        TextPlan::Hits => qb.push(" AND c.num IN (SELECT rowid >> 24 FROM search WHERE search MATCH ").push_bind(query),
        // `+`: a test on each row walked, never a lookup driven by the hits.
        TextPlan::Walk => {
            qb.push(" AND +c.num IN (SELECT rowid >> 24 FROM search WHERE search MATCH ").push_bind(query)
        }
        // The conversation's own search rows: a seek in each word's list.
        TextPlan::Seek => {
            push_seek(qb, query);
            return;
        }
    };
    qb.push(")");
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
