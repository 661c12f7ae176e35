//! The common words' bits on SQLite only: a clear bit means the index holds no word
//! beginning with it, a marked seek passes conversations without the word within its
//! bound, and bits given count for the writer only once committed.

use std::collections::HashSet;

use sqlx::{AssertSqlSafe, Connection as _};

use super::dialect::limit_work;
use super::engine::Conn;
use super::filter::TextPlan;
use super::search_tests::{seed, seed_parcels, try_page_of};
use super::test_connection;
use super::word_bits::{give_bits_on, read_some_on};
use super::word_bits_tests::keep;
use super::writer::Writer;
use crate::error::ApiError;
use crate::hub::Hub;
use crate::store::Inbound;
use crate::store::words::{Common, UNSURE_MASK};
use frontdesk_domain::{Channel, OrgId, ViewFilter};

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
async fn a_new_conversation_may_hold_any_word_until_it_is_read() {
    let mut conn = test_connection().await;
    seed(&mut conn, 400).await;
    let common = keep(&mut conn).await;
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
    let fresh: i64 = sqlx::query_scalar("SELECT words FROM conversations WHERE id = 'fresh'")
        .fetch_one(&mut conn)
        .await
        .expect("bits");
    assert_ne!(fresh, -1, "read");
}

/// A page of "the" for org `a` by the seek, under a bound of `ops` of the engine's
/// instructions.
async fn bounded_page(conn: &mut Conn, ops: u64) -> Result<Vec<String>, ApiError> {
    let filter = ViewFilter { q: Some("the".to_owned()), ..ViewFilter::default() };
    let limit = limit_work(conn, ops).await.expect("bounded");
    let page = try_page_of(conn, &filter, TextPlan::Seek, None, (false, false)).await;
    drop(limit);
    page.map(|p| p.items.iter().map(|c| c.id.as_str().to_owned()).collect())
}

/// A writer on a migrated database file of its own (in `dir`), and the file's URL
/// for a reader.
pub(super) async fn writer_on_file(dir: &tempfile::TempDir, first: &str) -> (Writer, String) {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
    let mut conn = Conn::connect(&url).await.expect("a database");
    super::migrate::run(&mut conn).await.expect("migrated");
    sqlx::raw_sql(AssertSqlSafe(first.to_owned())).execute(&mut conn).await.expect("the first rows");
    (Writer::start(conn, Hub::default(), None), url)
}

/// Thousands of conversations without "the" on top of the view: the bits pass them
/// by where each cost a seek for every word "the" begins.
#[tokio::test]
async fn a_marked_seek_passes_conversations_without_the_word_by_their_bits() {
    let mut conn = test_connection().await;
    seed_parcels(&mut conn, 6_000, 3_000, "the parcel their thermos").await;
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
    let (writer, _) = writer_on_file(&dir, "").await;
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

/// A conversation inbound traffic opens has its bits from the start: its subject and
/// its contact as stored (an existing contact keeps its name), then its message's.
#[tokio::test]
async fn a_conversation_the_ingest_opens_has_its_bits_at_once() {
    let dir = tempfile::tempdir().expect("a directory");
    let (writer, url) = writer_on_file(
        &dir,
        "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
         INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('kt', 'a', 'Theodore', '+100', 0);",
    )
    .await;
    let common = Common::new([(0, "the".to_owned()), (1, "refund".to_owned()), (2, "order".to_owned())]);
    let given = common.clone();
    writer
        .submit(move |w| {
            Box::pin(async move {
                w.give_common(given);
                Ok(())
            })
        })
        .await
        .expect("given");
    let org = OrgId::from("a".to_owned());
    let inbound = vec![
        Inbound::text(Channel::Sms, "+100", "a refund please"),
        Inbound { name: Some("Ted".to_owned()), ..Inbound::text(Channel::Sms, "+200", "where is my order") },
    ];
    writer
        .submit(move |w| Box::pin(async move { super::ingest::ingest_many(w, &org, inbound).await }))
        .await
        .expect("ingested");
    let mut reader = Conn::connect(&url).await.expect("a reader");
    let words: Vec<(String, i64)> = sqlx::query_as(
        "SELECT ct.handle, c.words FROM conversations c JOIN contacts ct ON ct.id = c.contact_id ORDER BY ct.handle",
    )
    .fetch_all(&mut reader)
    .await
    .expect("bits");
    let others = !0b111_i64 & !UNSURE_MASK;
    // The stored contact's name, Theodore, begins with "the"; the message says refund.
    assert_eq!(words, [("+100".to_owned(), others | 0b011), ("+200".to_owned(), others | 0b100)]);
}

/// After the reading, a conversation opened with the words as they are is not read
/// again (the ingest gave it its bits); one a bulk load made, at -1, is.
#[tokio::test]
async fn the_keeper_reads_again_only_what_was_opened_without_its_bits() {
    let mut conn = test_connection().await;
    seed(&mut conn, 400).await;
    let common = keep(&mut conn).await;
    // Bits no text would give: read again, they would change.
    let opened = !0b1010_i64 & !UNSURE_MASK;
    sqlx::query(
        "INSERT INTO conversations (id, org_id, contact_id, channel, subject, status, activity_at, created_at, \
         updated_at, words) VALUES ('opened', 'a', 'ka', 'email', 'the refund', 'open', 99, 0, 0, $1), \
         ('bulk', 'a', 'ka', 'email', 'the refund', 'open', 98, 0, 0, -1)",
    )
    .bind(opened)
    .execute(&mut conn)
    .await
    .expect("two conversations");
    assert!(!read_some_on(&mut conn, &common, 10).await.expect("read"));
    let words: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, words FROM conversations WHERE id IN ('opened', 'bulk') ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .expect("bits");
    assert_eq!(words[1], ("opened".to_owned(), opened), "not read again");
    assert_eq!(words[0].1, common.mask(["the refund", "Kim Ode", "kim@a.test", "", ""]), "read");
    // Nothing new: nothing read, nothing written.
    assert!(!read_some_on(&mut conn, &common, 10).await.expect("read"));
}
