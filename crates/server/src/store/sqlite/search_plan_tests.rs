//! Full-text search on `SQLite` only: how its plans are chosen from FTS5's own
//! rows, the seek's prefixes spelled out from the index, the work bound, and the
//! search table's numbering (migration 0004), old rows and new.

use std::fmt::Write as _;

use sqlx::{AssertSqlSafe, Connection as _, SqliteConnection};

use super::dialect::{MIGRATIONS, Terms, limit_work, plan_text, seek_bound, seek_query};
use super::filter::{Planned, TextPlan, text_query};
use super::migrate::run;
use super::search_tests::{pages, seed};
use super::test_connection as migrated;
use frontdesk_domain::ViewFilter;

#[tokio::test]
async fn a_rare_word_is_planned_from_its_hits() {
    let mut conn = migrated().await;
    let known = Terms::default();
    seed(&mut conn, 50).await;
    let q = text_query("ana@example.com").expect("a query");
    assert_eq!(plan_text(&mut conn, &q, &known).await.expect("planned").plan, TextPlan::Hits);
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
        assert_eq!(plan_text(&mut conn, &expr, &known).await.expect("planned").plan, plan, "{q}");
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
    let Planned { query: terms, plan, rows, .. } =
        plan_text(&mut conn, &text_query("THE").expect("a query"), &known).await.expect("planned");
    assert_eq!(plan, TextPlan::Seek);
    assert_eq!(terms, "(\"the\" OR \"them\" OR \"there\")", "folded, whole words of the index, in order");
    assert_eq!(rows, Some(35_000.0), "what gathering would read: 21,000 rows hold the, 7,000 them, 7,000 there");
    let Planned { query: terms, plan, rows, .. } =
        plan_text(&mut conn, &text_query("the cafe").expect("a query"), &known).await.expect("planned");
    assert_eq!((terms.as_str(), plan), ("(\"the\" OR \"them\" OR \"there\") AND (\"cafe\")", TextPlan::Seek));
    assert_eq!(rows, Some(56_000.0), "and 21,000 cafe");
    // Together the words are rarer: counted together, gathered.
    let Planned { plan, .. } =
        plan_text(&mut conn, &text_query("the 3").expect("a query"), &known).await.expect("planned");
    assert_eq!(plan, TextPlan::Walk, "3 thousand rows hold both");
    // A word the index folds in its own way, or that begins too many words, is walked.
    let Planned { plan, .. } =
        plan_text(&mut conn, &text_query("the café").expect("a query"), &known).await.expect("planned");
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
    assert_eq!(the.map(|(q, _)| q).as_deref(), Some("(\"the\" OR \"them\" OR \"there\")"));
    sqlx::raw_sql(AssertSqlSafe(format!("INSERT INTO search (rowid, body) VALUES ({}, 'thermal')", 40_000_i64 << 24)))
        .execute(&mut conn)
        .await
        .expect("a new word");
    let the = seek_query(&mut conn, "\"the\"*", &known).await.expect("looked up");
    assert_eq!(the.map(|(q, _)| q).as_deref(), Some("(\"the\" OR \"them\" OR \"there\" OR \"thermal\")"));
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

/// A seek works as long as gathering the hits would take, and never less than the
/// floor or more than the ceiling.
#[test]
fn a_seek_may_work_as_long_as_gathering_would_take() {
    assert_eq!(seek_bound(None, false), 100_000);
    assert_eq!(seek_bound(Some(35_000.0), false), 100_000);
    assert_eq!(seek_bound(Some(313_763.0), false), 313_763);
    assert_eq!(seek_bound(Some(50_000_000.0), false), 2_000_000);
    assert_eq!(seek_bound(Some(f64::NAN), false), 100_000);
    // Tested by the bits first, a walk's instructions are quicker.
    assert_eq!(seek_bound(Some(91_000.0), true), 400_000);
    assert_eq!(seek_bound(Some(313_763.0), true), 1_255_052);
}
