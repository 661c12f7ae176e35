//! Full-text search on PostgreSQL only: plans chosen from the planner's own estimate,
//! and the seek's bound, a timeout that ends with its transaction.

use jiff::Timestamp;

use super::conversations::list_as;
use super::dialect::{AFTER_BULK_LOAD, Terms, bound_seek, plan_text};
use super::filter::{TextPlan, text_query};
use super::test_connection;
use crate::store::ListSpec;
use frontdesk_domain::{AgentId, OrgId, ViewFilter};

/// 20,000 conversations, one search row each: "common" in every one, "middling" in
/// one in a hundred, "rare" in two, and one of 500 filler words in each (so the
/// statistics hold many words, as a real inbox's do).
const SEED: &str = "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
     INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('ka', 'a', 'Kim Ode', 'kim@a.test', 0);
     INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
     SELECT 'c' || (100000 + i), 'a', 'ka', 'email',
            'common filler' || (i % 500)
                || CASE WHEN i % 100 = 7 THEN ' middling' ELSE '' END
                || CASE WHEN i IN (5, 15005) THEN ' rare' ELSE '' END,
            'open', i, 0, 0
     FROM generate_series(0, 19999) AS i;";

async fn page_ids(conn: &mut super::engine::Conn, q: &str, plan: Option<TextPlan>) -> Vec<String> {
    let (org, me) = (OrgId::from("a".to_owned()), AgentId::from("ag".to_owned()));
    let filter = ViewFilter { q: Some(q.to_owned()), ..ViewFilter::default() };
    let spec = ListSpec {
        org: &org,
        me: &me,
        my_team: None,
        filter: &filter,
        updated_since: None,
        cursor: None,
        from_end: false,
        limit: 50,
        now: Timestamp::UNIX_EPOCH,
        urgent: false,
    };
    let page = list_as(conn, &spec, plan, &Terms::default()).await.expect("a page");
    page.items.iter().map(|c| c.id.as_str().to_owned()).collect()
}

#[tokio::test]
async fn each_word_is_planned_by_the_planners_estimate_of_its_rows() {
    let mut conn = test_connection().await;
    let known = Terms::default();
    let plan = async |conn: &mut super::engine::Conn, q: &str| {
        plan_text(conn, &text_query(q).expect("a query"), &known).await.expect("planned").plan
    };
    // Never analysed: no estimate to go by, so from the hits.
    assert_eq!(plan(&mut conn, "common").await, TextPlan::Hits);
    let unknown = plan_text(&mut conn, &text_query("common").expect("a query"), &known).await.expect("planned");
    assert_eq!(unknown.rows, None);
    sqlx::raw_sql(SEED).execute(&mut conn).await.expect("seeded");
    sqlx::raw_sql(AFTER_BULK_LOAD.expect("PostgreSQL analyses after a load"))
        .execute(&mut conn)
        .await
        .expect("ANALYZE");
    // The estimate comes with the plan: a seek's bound follows from it.
    let common = plan_text(&mut conn, &text_query("common").expect("a query"), &known).await.expect("planned");
    assert!(common.rows.is_some_and(|rows| rows > 15_000.0), "{common:?}");
    for (q, expected) in [
        ("common", TextPlan::Seek),
        ("comm", TextPlan::Seek),
        ("middling", TextPlan::Walk),
        ("rare", TextPlan::Hits),
        ("absent", TextPlan::Hits),
        ("common rare", TextPlan::Hits),
    ] {
        assert_eq!(plan(&mut conn, q).await, expected, "{q}");
    }
    // Whatever the plan, the page is the one the hits give.
    for q in ["common", "middling", "rare", "absent", "common middling"] {
        let chosen = page_ids(&mut conn, q, None).await;
        assert_eq!(chosen, page_ids(&mut conn, q, Some(TextPlan::Hits)).await, "{q}");
        assert_eq!(chosen, page_ids(&mut conn, q, Some(TextPlan::Walk)).await, "{q}");
        assert_eq!(chosen, page_ids(&mut conn, q, Some(TextPlan::Seek)).await, "{q}");
    }
    assert_eq!(page_ids(&mut conn, "rare", None).await, ["c115005", "c100005"]);
    assert_eq!(page_ids(&mut conn, "middling", None).await.first().map(String::as_str), Some("c119907"));
}

/// The bound is a timeout inside a transaction of its own: it stops a statement past
/// it, says so, and is gone once the bound ends, or is dropped halfway.
#[tokio::test]
async fn the_seek_bound_stops_a_statement_and_ends_with_its_transaction() {
    let mut conn = test_connection().await;
    let timeout = async |conn: &mut super::engine::Conn| -> String {
        sqlx::query_scalar("SHOW statement_timeout").fetch_one(conn).await.expect("shown")
    };
    let before = timeout(&mut conn).await;
    let mut bound = bound_seek(&mut conn, None, false).await.expect("bounded");
    let quick: i32 = sqlx::query_scalar("SELECT 7").fetch_one(bound.conn()).await.expect("within the bound");
    assert_eq!(quick, 7);
    let err = sqlx::query("SELECT pg_sleep(2)").execute(bound.conn()).await.expect_err("stopped past the bound");
    assert!(bound.gave_way(&err), "{err}");
    bound.end().await.expect("ended");
    assert_eq!(timeout(&mut conn).await, before, "the timeout ended with the bound");
    sqlx::query("SELECT pg_sleep(0.05)").execute(&mut conn).await.expect("no bound once ended");
    // Dropped halfway (a request given up): the next use finds no transaction.
    let mut bound = bound_seek(&mut conn, None, false).await.expect("bounded");
    let other = sqlx::query("SELECT 1 / 0").execute(bound.conn()).await.expect_err("division by zero");
    assert!(!bound.gave_way(&other), "another error is not the bound");
    drop(bound);
    assert_eq!(timeout(&mut conn).await, before, "the timeout went with the dropped bound");
    sqlx::query("SELECT pg_sleep(0.05)").execute(&mut conn).await.expect("no bound once dropped");
}
