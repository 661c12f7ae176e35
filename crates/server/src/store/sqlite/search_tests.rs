//! Full-text search on `SQLite`: every plan finds the same pages, and the search
//! table's numbering (migration 0004) names the right conversation, old rows and new.

use std::fmt::Write as _;

use jiff::Timestamp;
use sqlx::{AssertSqlSafe, Connection as _, SqliteConnection};

use super::conversations::{SEEKS_GIVEN_WAY, list_as};
use super::dialect::{MIGRATIONS, Terms, limit_work, plan_text, seek_query};
use super::filter::{TextPlan, text_query};
use super::migrate::run;
use crate::store::ListSpec;
use frontdesk_domain::{AgentId, Conversation, OrgId, Page, Status, ViewFilter};

const WORDS: &[&str] =
    &["order", "ordered", "refund", "the", "ship", "or", "café", "delay", "ana@example.com", "invoice", "thanks"];

/// A small deterministic generator: the data is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

async fn migrated() -> SqliteConnection {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("memory");
    run(&mut conn).await.expect("migrated");
    conn
}

/// Two orgs, `n` conversations between them, with 0–4 messages of random words, many
/// sharing an activity time (the cursor's tie-break is walked too).
async fn seed(conn: &mut SqliteConnection, n: u64) {
    let mut rng = Lcg(7);
    let mut sql = String::from(
        "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0), ('b', 'B', 0);
         INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES
             ('ka', 'a', 'Kim Ode', 'kim@a.test', 0), ('kb', 'b', 'Kim Ode', 'kim@b.test', 0);",
    );
    let mut msg = 0;
    for i in 0..n {
        let org = if rng.next(4) == 0 { "b" } else { "a" };
        let subject = WORDS[usize::try_from(rng.next(WORDS.len() as u64)).unwrap_or(0)];
        let status = ["open", "pending", "closed"][usize::try_from(rng.next(3)).unwrap_or(0)];
        let activity = rng.next(40);
        let (starred, archived) = (rng.next(3) == 0, rng.next(8) == 0);
        let _ = write!(
            sql,
            "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, starred, archived, \
             activity_at, created_at, updated_at) VALUES ('c{i:04}', '{org}', 'k{org}', 'email', 'about {subject}', \
             '{status}', {starred}, {archived}, {activity}, 0, 0);"
        );
        for _ in 0..rng.next(5) {
            let body: Vec<&str> =
                (0..3).map(|_| WORDS[usize::try_from(rng.next(WORDS.len() as u64)).unwrap_or(0)]).collect();
            let kind = if rng.next(6) == 0 { "event" } else { "reply" };
            let _ = write!(
                sql,
                "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_name, kind, body, \
                 delivery, created_at) VALUES ('m{msg}', '{org}', 'c{i:04}', 'inbound', 'contact', 'Kim', '{kind}', \
                 'hello {}', 'delivered', 0);",
                body.join(" ")
            );
            msg += 1;
        }
    }
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await.expect("seeded");
}

/// One page of 7 of `filter` for org `a`: from `cursor`, or from the end; by
/// `plan`, or by the plan the planner picks.
async fn page_of(
    conn: &mut SqliteConnection,
    filter: &ViewFilter,
    plan: impl Into<Option<TextPlan>>,
    cursor: Option<&str>,
    (from_end, urgent): (bool, bool),
) -> Page<Conversation> {
    let (org, me) = (OrgId::from("a".to_owned()), AgentId::from("ag".to_owned()));
    let spec = ListSpec {
        org: &org,
        me: &me,
        my_team: None,
        filter,
        updated_since: None,
        cursor,
        from_end,
        limit: 7,
        now: Timestamp::UNIX_EPOCH,
        urgent,
    };
    list_as(conn, &spec, plan.into(), &Terms::default()).await.expect("a page")
}

/// Every page of `filter` for org `a`, 7 at a time, as ids.
async fn pages(conn: &mut SqliteConnection, filter: &ViewFilter, plan: TextPlan, urgent: bool) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = page_of(conn, filter, plan, cursor.as_deref(), (false, urgent)).await;
        ids.extend(page.items.iter().map(|c| c.id.as_str().to_owned()));
        match page.next_cursor {
            Some(next) if !urgent => cursor = Some(next),
            _ => return ids,
        }
    }
}

/// Every page of `filter` for org `a` read from the end up (`from=end`, then each
/// `prev_cursor`), put back in the list's order.
async fn pages_up(conn: &mut SqliteConnection, filter: &ViewFilter, plan: TextPlan) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = page_of(conn, filter, plan, cursor.as_deref(), (cursor.is_none(), false)).await;
        assert_eq!(page.next_cursor.is_none(), cursor.is_none(), "only the last page has nothing below");
        let above: Vec<String> = page.items.iter().map(|c| c.id.as_str().to_owned()).collect();
        ids.splice(0..0, above);
        match page.prev_cursor {
            Some(prev) => cursor = Some(prev),
            None => return ids,
        }
    }
}

/// The org's conversations whose subject or messages hold `word`, read from the
/// rows themselves: what every plan must find (words of one token, no accents).
async fn holding(conn: &mut SqliteConnection, word: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.id FROM conversations c WHERE c.org_id = 'a' AND c.archived = 0 AND (c.subject LIKE $1 OR EXISTS \
         (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.kind = 'reply' AND m.body LIKE $1)) \
         ORDER BY c.activity_at DESC, c.id DESC",
    )
    .bind(format!("% {word}%"))
    .fetch_all(conn)
    .await
    .expect("holding")
}

#[tokio::test]
async fn every_plan_finds_the_same_pages_as_the_rows_hold() {
    let mut conn = migrated().await;
    seed(&mut conn, 400).await;
    let views = [
        ViewFilter::default(),
        ViewFilter { starred: Some(true), ..ViewFilter::default() },
        ViewFilter { archived: true, ..ViewFilter::default() },
        ViewFilter { status: vec![Status::Open], ..ViewFilter::default() },
    ];
    let queries = ["order", "or", "the", "refund order", "cafe", "ana@example.com", "zzz", "o", "thanks the"];
    for view in &views {
        for q in queries {
            let filter = ViewFilter { q: Some(q.to_owned()), ..view.clone() };
            let hits = pages(&mut conn, &filter, TextPlan::Hits, false).await;
            let walked = pages(&mut conn, &filter, TextPlan::Walk, false).await;
            assert_eq!(walked, hits, "the walk differs from the hits for {q:?} in {view:?}");
            let sought = pages(&mut conn, &filter, TextPlan::Seek, false).await;
            assert_eq!(sought, hits, "the seek differs from the hits for {q:?} in {view:?}");
            for plan in [TextPlan::Hits, TextPlan::Walk, TextPlan::Seek] {
                let up = pages_up(&mut conn, &filter, plan).await;
                assert_eq!(up, hits, "read from the end, {plan:?} differs for {q:?} in {view:?}");
            }
            let urgent = pages(&mut conn, &filter, TextPlan::Hits, true).await;
            assert_eq!(urgent, pages(&mut conn, &filter, TextPlan::Walk, true).await, "urgent {q:?}");
            assert!(hits.iter().all(|id| !id.is_empty()));
        }
    }
    // What the rows hold, for single plain words in the default view.
    for word in ["order", "refund", "the", "ship", "invoice"] {
        let filter = ViewFilter { q: Some(word.to_owned()), ..ViewFilter::default() };
        let found = pages(&mut conn, &filter, TextPlan::Hits, false).await;
        let expected = holding(&mut conn, word).await;
        assert!(expected.len() > 20, "{word} is common in the seed");
        assert_eq!(found, expected, "{word}");
    }
    // Org b's conversations hold the same words and never show for org a.
    let filter = ViewFilter { q: Some("the".to_owned()), ..ViewFilter::default() };
    for plan in [TextPlan::Hits, TextPlan::Walk] {
        let found = pages(&mut conn, &filter, plan, false).await;
        let orgs: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT DISTINCT org_id FROM conversations WHERE id IN ('{}')",
            found.join("','")
        )))
        .fetch_all(&mut conn)
        .await
        .expect("orgs");
        assert_eq!(orgs, ["a"], "{plan:?}");
    }
}

#[tokio::test]
async fn a_rare_word_is_planned_from_its_hits() {
    let mut conn = migrated().await;
    let known = Terms::default();
    seed(&mut conn, 50).await;
    let q = text_query("ana@example.com").expect("a query");
    assert_eq!(plan_text(&mut conn, &q, &known).await.expect("planned").1, TextPlan::Hits);
}

/// 2,000 matching rows make a word common, whether as a whole word or only as the
/// beginning of others.
#[tokio::test]
async fn a_common_word_or_prefix_is_walked() {
    let mut conn = migrated().await;
    let known = Terms::default();
    let mut sql = String::from("INSERT INTO search (rowid, body) VALUES ");
    for i in 0..2_100_i64 {
        let word = if i < 1_000 { "parcel" } else { "parcels" };
        let _ = write!(
            sql,
            "{}({}, '{word} {}')",
            if i == 0 { "" } else { ", " },
            i << 24,
            if i % 2 == 0 { "lamp" } else { "" }
        );
    }
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await.expect("search rows");
    for (q, plan) in [
        ("parcel", TextPlan::Walk),
        ("parcels", TextPlan::Hits),
        ("lamp", TextPlan::Hits),
        ("lamp parcel", TextPlan::Hits),
        ("pa", TextPlan::Walk),
    ] {
        let expr = text_query(q).expect("a query");
        assert_eq!(plan_text(&mut conn, &expr, &known).await.expect("planned").1, plan, "{q}");
    }
}

/// 20,000 rows holding a whole word make it very common: each conversation walked is
/// tested for the whole words its prefix begins, spelled out from the index.
#[tokio::test]
async fn a_very_common_word_is_sought_as_the_whole_words_it_begins() {
    let mut conn = migrated().await;
    let known = Terms::default();
    let mut sql = String::from("INSERT INTO search (rowid, body) VALUES ");
    for i in 0..21_000_i64 {
        let word = ["", "there", "Them"][usize::try_from(i % 3).unwrap_or(0)];
        let _ = write!(sql, "{}({}, 'the {word} café {}')", if i == 0 { "" } else { ", " }, i << 24, i % 7);
    }
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await.expect("search rows");
    let (terms, plan) = plan_text(&mut conn, &text_query("THE").expect("a query"), &known).await.expect("planned");
    assert_eq!(plan, TextPlan::Seek);
    assert_eq!(terms, "(\"the\" OR \"them\" OR \"there\")", "folded, whole words of the index, in order");
    let (terms, plan) = plan_text(&mut conn, &text_query("the cafe").expect("a query"), &known).await.expect("planned");
    assert_eq!((terms.as_str(), plan), ("(\"the\" OR \"them\" OR \"there\") AND (\"cafe\")", TextPlan::Seek));
    // Together the words are rarer: counted together, gathered.
    let (_, plan) = plan_text(&mut conn, &text_query("the 3").expect("a query"), &known).await.expect("planned");
    assert_eq!(plan, TextPlan::Walk, "3 thousand rows hold both");
    // A word the index folds in its own way, or that begins too many words, is walked.
    let (_, plan) = plan_text(&mut conn, &text_query("the café").expect("a query"), &known).await.expect("planned");
    assert_eq!(plan, TextPlan::Walk, "café: not spelled out here");
    let mut many = String::from("INSERT INTO search (rowid, body) VALUES ");
    for i in 0..70_i64 {
        let _ = write!(many, "{}({}, 'thx{i}')", if i == 0 { "" } else { ", " }, (30_000 + i) << 24);
    }
    sqlx::raw_sql(AssertSqlSafe(many)).execute(&mut conn).await.expect("more words");
    assert!(seek_query(&mut conn, "\"th\"*", &known).await.expect("looked up").is_none(), "th begins 73 words");
    assert!(seek_query(&mut conn, "\"thx1\"*", &known).await.expect("looked up").is_some(), "thx1 begins 11");
    // Kept while the index is unchanged; a word written after is in the next one.
    let the = seek_query(&mut conn, "\"the\"*", &known).await.expect("looked up");
    assert_eq!(the.as_deref(), Some("(\"the\" OR \"them\" OR \"there\")"));
    sqlx::raw_sql(AssertSqlSafe(format!("INSERT INTO search (rowid, body) VALUES ({}, 'thermal')", 40_000_i64 << 24)))
        .execute(&mut conn)
        .await
        .expect("a new word");
    let the = seek_query(&mut conn, "\"the\"*", &known).await.expect("looked up");
    assert_eq!(the.as_deref(), Some("(\"the\" OR \"them\" OR \"there\" OR \"thermal\")"));
}

/// A database from before migration 0004: its conversations get numbers, its search
/// rows are rebuilt under them, and what comes after is numbered on.
#[tokio::test]
async fn search_rows_are_renumbered_and_new_ones_numbered_on() {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("memory");
    let mut setup = String::from(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);",
    );
    for (version, name, sql) in &MIGRATIONS[..3] {
        setup.push_str(sql);
        let _ = write!(setup, "INSERT INTO schema_migrations VALUES ({version}, '{name}', 0);");
    }
    setup.push_str(
        "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
         INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('k', 'a', 'Zoë Quill', 'zq', 0);
         INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
             VALUES ('old1', 'a', 'k', 'email', 'Parcel', 'open', 1, 0, 0),
                    ('old2', 'a', 'k', 'email', 'Invoice', 'open', 2, 0, 0);
         INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_name, kind, body, delivery, created_at)
             VALUES ('m1', 'a', 'old1', 'inbound', 'contact', 'Zoë', 'reply', 'crumpled box', 'delivered', 0),
                    ('m2', 'a', 'old2', 'inbound', 'contact', 'Zoë', 'event', 'assigned lighthouse', 'delivered', 0),
                    ('m3', 'a', 'old2', 'inbound', 'contact', 'Zoë', 'reply', 'double charge', 'delivered', 0);",
    );
    sqlx::raw_sql(AssertSqlSafe(setup)).execute(&mut conn).await.expect("a version 3 database");
    run(&mut conn).await.expect("migrated");
    sqlx::raw_sql(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
             VALUES ('new1', 'a', 'k', 'email', 'Hinge', 'open', 3, 0, 0);
         INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_name, kind, body, delivery, created_at)
             VALUES ('m4', 'a', 'new1', 'inbound', 'contact', 'Zoë', 'reply', 'squeaky door', 'delivered', 0),
                    ('m5', 'a', 'old1', 'inbound', 'contact', 'Zoë', 'note', 'courier photo', 'delivered', 0),
                    ('m6', 'a', 'new1', 'inbound', 'contact', 'Zoë', 'reply', 'double fixed', 'delivered', 0);",
    )
    .execute(&mut conn)
    .await
    .expect("written after");
    let cases: [(&str, &[&str]); 9] = [
        ("crumpled", &["old1"]),
        ("courier", &["old1"]),
        ("charge", &["old2"]),
        ("lighthouse", &[]),
        ("squeaky", &["new1"]),
        ("double", &["new1", "old2"]),
        ("zoe", &["new1", "old2", "old1"]),
        ("parcel", &["old1"]),
        ("hinge", &["new1"]),
    ];
    for (word, expected) in cases {
        let filter = ViewFilter { q: Some(word.to_owned()), ..ViewFilter::default() };
        for plan in [TextPlan::Hits, TextPlan::Walk] {
            assert_eq!(pages(&mut conn, &filter, plan, false).await, expected, "{word} {plan:?}");
        }
    }
    let numbers: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT id, num, search_rows FROM conversations ORDER BY num")
            .fetch_all(&mut conn)
            .await
            .expect("numbers");
    assert_eq!(numbers, [("old1".into(), 1, 2), ("old2".into(), 2, 1), ("new1".into(), 3, 2)]);
}

/// A bound on a statement's work stops it past the bound and says so; dropped, it
/// bounds nothing more on that connection.
#[tokio::test]
async fn a_work_limit_stops_a_statement_past_it_and_is_lifted_when_dropped() {
    let mut conn = migrated().await;
    let count =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT count(*) FROM n";
    let bound = limit_work(&mut conn, 50_000).await.expect("bounded");
    let small: i64 = sqlx::query_scalar("SELECT 7").fetch_one(&mut conn).await.expect("within the bound");
    assert!(small == 7 && !bound.spent());
    assert!(sqlx::query_scalar::<_, i64>(count).fetch_one(&mut conn).await.is_err(), "stopped past the bound");
    assert!(bound.spent());
    drop(bound);
    let n: i64 = sqlx::query_scalar(count).fetch_one(&mut conn).await.expect("no bound once dropped");
    assert_eq!(n, 200_000);
}

/// A very common word that the newest conversations lack: walking them one seek
/// each took seconds at 100,000. The seek gives way at its bound to gathering the
/// hits, and the page is the same.
#[tokio::test]
async fn a_seek_through_rows_without_the_word_gives_way_to_the_hits() {
    let mut conn = migrated().await;
    let mut sql = String::from(
        "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
         INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('ka', 'a', 'Kim Ode', 'kim@a.test', 0);",
    );
    for i in 0..24_000 {
        // The newest 3,000 (the top of the view) say "a parcel", the rest "the parcel".
        let subject = if i < 21_000 { "the parcel" } else { "a parcel" };
        let _ = write!(
            sql,
            "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, \
             updated_at) VALUES ('c{i:05}', 'a', 'ka', 'email', '{subject}', 'open', {i}, 0, 0);"
        );
    }
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await.expect("seeded");
    let the = text_query("the").expect("a query");
    assert_eq!(plan_text(&mut conn, &the, &Terms::default()).await.expect("planned").1, TextPlan::Seek);
    let gave_way = SEEKS_GIVEN_WAY.load(std::sync::atomic::Ordering::Relaxed);
    let filter = ViewFilter { q: Some("the".into()), ..ViewFilter::default() };
    let page = page_of(&mut conn, &filter, None, None, (false, false)).await;
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c20999", "c20998", "c20997", "c20996", "c20995", "c20994", "c20993"]);
    assert!(page.next_cursor.is_some());
    assert!(SEEKS_GIVEN_WAY.load(std::sync::atomic::Ordering::Relaxed) > gave_way, "the seek gave way");
}
