use std::collections::HashSet;

use jiff::Timestamp;
use sqlx::{AssertSqlSafe, Connection as _};

use super::conversations::list_as;
use super::dialect::{Terms, limit_work, seek_query};
use super::engine::Conn;
use super::filter::{TextPlan, text_query};
use super::search_tests::{pages, seed};
use super::test_connection;
use super::word_bits::{give_bits_on, read_some_on};
use super::writer::Writer;
use crate::error::ApiError;
use crate::hub::Hub;
use crate::store::ListSpec;
use crate::store::words::Common;
use frontdesk_domain::{AgentId, OrgId, Status, ViewFilter};

/// Gives the bits and reads every conversation, as the keeper does.
async fn keep(conn: &mut Conn) -> Common {
    let common = give_bits_on(conn, &Common::default()).await.expect("sampled").expect("bits given");
    while read_some_on(conn, &common, 97).await.expect("read") {}
    common
}

/// The conversations (by number) whose search rows hold a word beginning with `word`.
async fn holding(conn: &mut Conn, word: &str) -> HashSet<i64> {
    sqlx::query_scalar("SELECT DISTINCT rowid >> 24 FROM search WHERE search MATCH $1")
        .bind(format!("\"{word}\"*"))
        .fetch_all(conn)
        .await
        .expect("hits")
        .into_iter()
        .collect()
}

/// Every conversation's bits, by number.
async fn bits(conn: &mut Conn) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT num, words FROM conversations ORDER BY num").fetch_all(conn).await.expect("bits")
}

/// The invariant: a conversation whose bit for a word is clear holds no word
/// beginning with it.
async fn assert_bits_hold(conn: &mut Conn, common: &Common, words: &[&str]) {
    let all = bits(conn).await;
    for word in words {
        let bit = common.bit(word).unwrap_or_else(|| panic!("{word} has a bit"));
        let holding = holding(conn, word).await;
        for (num, mask) in &all {
            if holding.contains(num) {
                assert_ne!(mask & (1 << bit), 0, "conversation {num} holds {word:?} but its bit is clear");
            }
        }
    }
}

#[tokio::test]
async fn the_most_common_words_get_bits_and_each_conversation_its_own() {
    let mut conn = test_connection().await;
    seed(&mut conn, 400).await;
    let common = keep(&mut conn).await;
    for word in ["the", "order", "hello", "about", "kim", "ode"] {
        assert!(common.bit(word).is_some(), "{word} has a bit: {common:?}");
    }
    // Nor one or two letters: a prefix of too much to be sought.
    assert_eq!(common.bit("or"), None);
    assert_bits_hold(&mut conn, &common, &["the", "order", "refund", "thanks"]).await;
    // Read, not left at "any word": most conversations lack "refund".
    let refund = common.bit("refund").expect("refund has a bit");
    let lacking = bits(&mut conn).await.iter().filter(|(_, m)| m & (1 << refund) == 0).count();
    assert!(lacking > 100, "{lacking} conversations lack refund");
    // Given once: a second sample has nothing new to give.
    assert!(give_bits_on(&mut conn, &common).await.expect("sampled").is_none_or(|c| c.len() > common.len()));
}

#[tokio::test]
async fn a_new_message_adds_its_bits_and_a_new_conversation_may_hold_any_word() {
    let mut conn = test_connection().await;
    seed(&mut conn, 400).await;
    let common = keep(&mut conn).await;
    let refund = common.bit("refund").expect("refund has a bit");
    let (num, id): (i64, String) = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT num, id FROM conversations WHERE words & {} = 0 ORDER BY num LIMIT 1",
        1_i64 << refund
    )))
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
    let mask: i64 = sqlx::query_scalar("SELECT words FROM conversations WHERE num = $1")
        .bind(num)
        .fetch_one(&mut conn)
        .await
        .expect("bits");
    assert_ne!(mask & (1 << refund), 0);
    sqlx::raw_sql(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at) \
         VALUES ('fresh', 'a', 'ka', 'email', 'a refund', 'open', 99, 0, 0)",
    )
    .execute(&mut conn)
    .await
    .expect("a conversation");
    let fresh: i64 = sqlx::query_scalar("SELECT words FROM conversations WHERE id = 'fresh'")
        .fetch_one(&mut conn)
        .await
        .expect("bits");
    assert_eq!(fresh, -1, "unread: any word");
    assert!(!read_some_on(&mut conn, &common, 10).await.expect("read"));
    assert_bits_hold(&mut conn, &common, &["refund", "the", "order"]).await;
}

#[tokio::test]
async fn marked_seeks_find_the_same_pages_as_the_hits() {
    let mut conn = test_connection().await;
    seed(&mut conn, 400).await;
    // Accented and oddly written words, where readings differ.
    sqlx::raw_sql(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
         VALUES ('odd1', 'a', 'ka', 'email', 'Thé ORDER’s', 'open', 7, 0, 0),
                ('odd2', 'a', 'ka', 'email', 'the\u{301}re', 'open', 8, 0, 0);
         INSERT INTO messages (id, org_id, conversation_id, direction, author_kind, author_name, kind, body, delivery,
                               created_at)
         VALUES ('odd', 'a', 'odd1', 'inbound', 'contact', 'Kim', 'reply', 'ｔｈｅ 订单the', 'delivered', 0);",
    )
    .execute(&mut conn)
    .await
    .expect("odd words");
    let common = keep(&mut conn).await;
    // Conversations after the read: bits of any word.
    seed_more(&mut conn).await;
    let the = text_query("the").expect("a query");
    let (_, marks) = seek_query(&mut conn, &the, &Terms::default()).await.expect("spelled").expect("a seek");
    assert!(marks.is_some(), "the is sought by its bits");
    let views = [
        ViewFilter::default(),
        ViewFilter { starred: Some(true), ..ViewFilter::default() },
        ViewFilter { archived: true, ..ViewFilter::default() },
        ViewFilter { status: vec![Status::Open], ..ViewFilter::default() },
    ];
    let queries = ["order", "the", "refund order", "thanks the", "hello", "kim", "ship", "there", "th"];
    for view in &views {
        for q in queries {
            let filter = ViewFilter { q: Some(q.to_owned()), ..view.clone() };
            let hits = pages(&mut conn, &filter, TextPlan::Hits, false).await;
            let sought = pages(&mut conn, &filter, TextPlan::Seek, false).await;
            assert_eq!(sought, hits, "the marked seek differs from the hits for {q:?} in {view:?}");
        }
    }
    assert!(common.bit("the").is_some());
}

/// Conversations added after the read, their bits -1 as the migration leaves them.
async fn seed_more(conn: &mut Conn) {
    sqlx::raw_sql(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
         VALUES ('late1', 'a', 'ka', 'email', 'the late one', 'open', 41, 0, 0),
                ('late2', 'a', 'ka', 'email', 'no such word', 'open', 42, 0, 0);",
    )
    .execute(&mut *conn)
    .await
    .expect("late conversations");
}

/// A page of "the" for org `a` by the seek, under a bound of `ops` of the engine's
/// instructions.
async fn bounded_page(conn: &mut Conn, ops: u64) -> Result<Vec<String>, ApiError> {
    let (org, me) = (OrgId::from("a".to_owned()), AgentId::from("ag".to_owned()));
    let filter = ViewFilter { q: Some("the".to_owned()), ..ViewFilter::default() };
    let spec = ListSpec {
        org: &org,
        me: &me,
        my_team: None,
        filter: &filter,
        updated_since: None,
        cursor: None,
        from_end: false,
        limit: 7,
        now: Timestamp::UNIX_EPOCH,
        urgent: false,
    };
    let limit = limit_work(conn, ops).await.expect("bounded");
    let page = list_as(conn, &spec, Some(TextPlan::Seek), &Terms::default()).await;
    drop(limit);
    page.map(|p| p.items.iter().map(|c| c.id.as_str().to_owned()).collect())
}

/// Thousands of conversations without "the" on top of the view: the bits pass them
/// by where each cost a seek for every word "the" begins.
#[tokio::test]
async fn a_marked_seek_passes_conversations_without_the_word_by_their_bits() {
    let mut conn = test_connection().await;
    sqlx::raw_sql(
        "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
         INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('ka', 'a', 'Kim Ode', 'kim@a.test', 0);
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 5999)
         INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, updated_at)
         SELECT 'c' || (10000 + i), 'a', 'ka', 'email',
                CASE WHEN i < 3000 THEN 'the parcel their thermos' ELSE 'a parcel' END, 'open', i, 0, 0 FROM n;",
    )
    .execute(&mut conn)
    .await
    .expect("seeded");
    keep(&mut conn).await;
    let expected = ["c12999", "c12998", "c12997", "c12996", "c12995", "c12994", "c12993"];
    assert_eq!(bounded_page(&mut conn, 100_000).await.expect("within the bound"), expected);
    // Without the bits, the same page takes a seek per conversation on top: past the bound.
    sqlx::raw_sql("DELETE FROM common_words").execute(&mut conn).await.expect("no bits");
    assert!(bounded_page(&mut conn, 100_000).await.is_err(), "without the bits the seek runs past the bound");
}

/// Bits given by a job count for the writer's own writes once its batch commits, and
/// never where the job was rolled back.
#[tokio::test]
async fn bits_given_count_once_their_batch_commits() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
    let mut conn = Conn::connect(&url).await.expect("a database");
    super::migrate::run(&mut conn).await.expect("migrated");
    let writer = Writer::start(conn, Hub::default(), None);
    let the = || Common::new([(0, "the".to_owned())]);
    let failed: Result<(), ApiError> = writer
        .submit(move |w| {
            Box::pin(async move {
                w.give_common(the());
                Err(ApiError::internal("rolled back"))
            })
        })
        .await;
    assert!(failed.is_err());
    let common = writer.submit(|w| Box::pin(async move { w.common().await })).await.expect("the words");
    assert!(common.is_empty(), "a job rolled back gives nothing");
    writer
        .submit(move |w| {
            Box::pin(async move {
                w.give_common(the());
                Ok(())
            })
        })
        .await
        .expect("given");
    let common = writer.submit(|w| Box::pin(async move { w.common().await })).await.expect("the words");
    assert_eq!(common.bit("the"), Some(0));
}
