//! Full-text search, on each engine: every plan finds the same pages as the rows
//! hold, and a seek that runs past its bound gives way to the hits with the same
//! page. Compiled once per engine (as `../sql` is), against the connection its
//! `test_connection` gives.

use std::fmt::Write as _;

use jiff::Timestamp;
use sqlx::AssertSqlSafe;

use super::conversations::{SEEKS_GIVEN_WAY, list_as};
use super::dialect::{AFTER_BULK_LOAD, Terms, plan_text};
use super::engine::Conn;
use super::filter::{TextPlan, text_query};
use super::test_connection;
use crate::error::ApiResult;
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

/// Two orgs, `n` conversations between them, with 0–4 messages of random words, many
/// sharing an activity time (the cursor's tie-break is walked too).
pub(super) async fn seed(conn: &mut Conn, n: u64) {
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
    conn: &mut Conn,
    filter: &ViewFilter,
    plan: impl Into<Option<TextPlan>>,
    cursor: Option<&str>,
    ends: (bool, bool),
) -> Page<Conversation> {
    try_page_of(conn, filter, plan, cursor, ends).await.expect("a page")
}

/// [`page_of`], its error as it came.
pub(super) async fn try_page_of(
    conn: &mut Conn,
    filter: &ViewFilter,
    plan: impl Into<Option<TextPlan>>,
    cursor: Option<&str>,
    (from_end, urgent): (bool, bool),
) -> ApiResult<Page<Conversation>> {
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
    list_as(conn, &spec, plan.into(), &Terms::default()).await
}

/// Every page of `filter` for org `a`, 7 at a time, as ids.
pub(super) async fn pages(conn: &mut Conn, filter: &ViewFilter, plan: TextPlan, urgent: bool) -> Vec<String> {
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
async fn pages_up(conn: &mut Conn, filter: &ViewFilter, plan: TextPlan) -> Vec<String> {
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
async fn holding(conn: &mut Conn, word: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.id FROM conversations c WHERE c.org_id = 'a' AND c.archived = FALSE AND (c.subject LIKE $1 OR EXISTS \
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
    let mut conn = test_connection().await;
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

/// Org `a` with `n` conversations, `c10000` on, one newer than the last: the oldest
/// `below` about `subject`, the rest (the top of the view) about "a parcel".
pub(super) async fn seed_parcels(conn: &mut Conn, n: u32, below: u32, subject: &str) {
    sqlx::raw_sql(
        "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
         INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('ka', 'a', 'Kim Ode', 'kim@a.test', 0);",
    )
    .execute(&mut *conn)
    .await
    .expect("an org");
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1)
         INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
         SELECT 'c' || (10000 + i), 'a', 'ka', 'email', CASE WHEN i < $2 THEN $3 ELSE 'a parcel' END,
                'open', i, 0, 0 FROM n",
    )
    .bind(i64::from(n))
    .bind(i64::from(below))
    .bind(subject)
    .execute(&mut *conn)
    .await
    .expect("seeded");
}

/// A very common word that the newest conversations lack: walking them one seek
/// each took seconds at 100,000. The seek gives way at its bound to gathering the
/// hits, and the page is the same.
#[tokio::test]
async fn a_seek_through_rows_without_the_word_gives_way_to_the_hits() {
    let mut conn = test_connection().await;
    // The newest 3,000 (the top of the view) say "a parcel", the 21,000 before them
    // "the parcel".
    seed_parcels(&mut conn, 24_000, 21_000, "the parcel").await;
    if let Some(analyse) = AFTER_BULK_LOAD {
        sqlx::raw_sql(analyse).execute(&mut conn).await.expect("statistics");
    }
    let the = text_query("the").expect("a query");
    assert_eq!(plan_text(&mut conn, &the, &Terms::default()).await.expect("planned").plan, TextPlan::Seek);
    let gave_way = SEEKS_GIVEN_WAY.load(std::sync::atomic::Ordering::Relaxed);
    let filter = ViewFilter { q: Some("the".into()), ..ViewFilter::default() };
    let page = page_of(&mut conn, &filter, None, None, (false, false)).await;
    let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c30999", "c30998", "c30997", "c30996", "c30995", "c30994", "c30993"]);
    assert!(page.next_cursor.is_some());
    assert!(SEEKS_GIVEN_WAY.load(std::sync::atomic::Ordering::Relaxed) > gave_way, "the seek gave way");
}
