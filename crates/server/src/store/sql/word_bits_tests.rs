//! The common words' bits, on each engine (compiled once per engine, as `../sql`
//! is): the keeper reads them, a message adds its own through its trigger, and a
//! marked seek finds the pages the hits find.

use super::dialect::{Terms, seek_query};
use super::engine::Conn;
use super::filter::{TextPlan, text_query};
use super::search_tests::{pages, seed};
use super::test_connection;
use super::word_bits::{give_bits_on, read_some_on};
use crate::store::words::Common;
use frontdesk_domain::{Status, ViewFilter};

/// Gives the bits and reads every conversation, as the keeper does.
pub(super) async fn keep(conn: &mut Conn) -> Common {
    let common = give_bits_on(conn, &Common::default()).await.expect("sampled").expect("bits given");
    while read_some_on(conn, &common, 97).await.expect("read") {}
    common
}

#[tokio::test]
async fn marked_seeks_find_the_same_pages_as_the_hits() {
    let mut conn = test_connection().await;
    seed(&mut conn, 400).await;
    sqlx::raw_sql(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
         VALUES ('odd1', 'a', 'ka', 'email', 'Thé ORDER’s the-end', 'open', 7, 0, 0),
                ('odd2', 'a', 'ka', 'email', 'the\u{301}re www.the.example', 'open', 8, 0, 0);
         INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_name, kind, body, delivery,
                               created_at)
         VALUES ('odd', 'a', 'odd1', 'inbound', 'contact', 'Kim', 'reply', 'ｔｈｅ 订单the 🙂ok', 'delivered', 0);",
    )
    .execute(&mut conn)
    .await
    .expect("odd words");
    let common = keep(&mut conn).await;
    let refund = common.bit("refund").expect("refund has a bit");
    let lacking: i64 = sqlx::query_scalar("SELECT count(*) FROM conversations WHERE words & $1 = 0")
        .bind(1_i64 << refund)
        .fetch_one(&mut conn)
        .await
        .expect("counted");
    assert!(lacking > 100, "read, not left at any word: {lacking} lack refund");
    // Added after the read: bits of any word.
    sqlx::raw_sql(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
         VALUES ('late1', 'a', 'ka', 'email', 'the late one', 'open', 41, 0, 0);",
    )
    .execute(&mut conn)
    .await
    .expect("a late conversation");
    let the = text_query("the").expect("a query");
    let (_, marks) = seek_query(&mut conn, &the, &Terms::default()).await.expect("planned").expect("a seek");
    assert!(marks.is_some(), "the is sought by its bit");
    let views = [
        ViewFilter::default(),
        ViewFilter { starred: Some(true), ..ViewFilter::default() },
        ViewFilter { status: vec![Status::Open], ..ViewFilter::default() },
    ];
    for view in &views {
        for q in ["order", "the", "refund order", "thanks the", "kim", "there", "th", "example"] {
            let filter = ViewFilter { q: Some(q.to_owned()), ..view.clone() };
            let hits = pages(&mut conn, &filter, TextPlan::Hits, false).await;
            let sought = pages(&mut conn, &filter, TextPlan::Seek, false).await;
            assert_eq!(sought, hits, "the marked seek differs from the hits for {q:?} in {view:?}");
        }
    }
}

#[tokio::test]
async fn a_new_message_adds_its_bits_to_its_conversation() {
    let mut conn = test_connection().await;
    seed(&mut conn, 400).await;
    let common = keep(&mut conn).await;
    let refund = 1_i64 << common.bit("refund").expect("refund has a bit");
    let id: String = sqlx::query_scalar("SELECT id FROM conversations WHERE words & $1 = 0 ORDER BY id LIMIT 1")
        .bind(refund)
        .fetch_one(&mut conn)
        .await
        .expect("a conversation without refund");
    sqlx::query(
        "INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_name, kind, body, \
         delivery, created_at, words) VALUES ('new', 'a', $1, 'inbound', 'contact', 'Kim', 'reply', $2, 'delivered', 0, $3)",
    )
    .bind(&id)
    .bind("a REFUND please")
    .bind(common.mask(["a REFUND please"]))
    .execute(&mut conn)
    .await
    .expect("a message");
    let words: i64 = sqlx::query_scalar("SELECT words FROM conversations WHERE id = $1")
        .bind(&id)
        .fetch_one(&mut conn)
        .await
        .expect("bits");
    assert_ne!(words & refund, 0);
}
