//! Loading messages puts off the search index's merges while they go in, and gives
//! them back with the load (`dialect::LOADING_MESSAGES`).

use sqlx::{Connection as _, SqliteConnection};

use super::load;
use super::test_connection as migrated;
use crate::store::rows::MessageRow;
use frontdesk_domain::OrgId;

/// The index's `automerge` as stored; none where FTS5's default (4) was never changed.
async fn automerge(conn: &mut SqliteConnection) -> Option<i64> {
    sqlx::query_scalar("SELECT v FROM search_config WHERE k = 'automerge'")
        .fetch_optional(conn)
        .await
        .expect("the index's settings")
}

async fn one_conversation(conn: &mut SqliteConnection) {
    sqlx::raw_sql(
        "INSERT INTO orgs (id, name, created_at) VALUES ('a', 'A', 0);
         INSERT INTO contacts (id, org_id, name, handle, created_at) VALUES ('k', 'a', 'Kim', 'kim', 0);
         INSERT INTO conversations (id, org_id, contact_id, channel, status, activity_at, created_at, updated_at)
         VALUES ('c', 'a', 'k', 'email', 'open', 0, 0, 0);",
    )
    .execute(conn)
    .await
    .expect("a conversation");
}

/// `n` replies to conversation `c`, ids from `from`.
fn replies(from: usize, n: usize) -> Vec<MessageRow> {
    (from..from + n)
        .map(|i| MessageRow {
            id: format!("m{i}"),
            conversation_id: "c".to_owned(),
            direction: "inbound",
            author_kind: "contact",
            author_id: Some("k".to_owned()),
            author_name: "Kim".to_owned(),
            kind: "reply",
            body: format!("where is parcel{i}"),
            attachments: "[]".to_owned(),
            call: None,
            delivery: "delivered",
            created_at: i64::try_from(i).unwrap_or(i64::MAX),
        })
        .collect()
}

/// Several statements' worth of messages: each is found by its words, and the index
/// merges again once the load is in, before it commits.
#[tokio::test]
async fn a_load_gives_the_index_its_merges_back() {
    let mut conn = migrated().await;
    one_conversation(&mut conn).await;
    let org = OrgId::from("a".to_owned());
    let mut tx = conn.begin().await.expect("a transaction");
    load::messages(&mut tx, &org, &replies(0, 2_500)).await.expect("loaded");
    // FTS5's default (none stored) or the same set again: merging, not put off.
    assert!(matches!(automerge(&mut tx).await, None | Some(4)), "merging again before the commit");
    tx.commit().await.expect("committed");
    assert!(matches!(automerge(&mut conn).await, None | Some(4)));
    for word in ["parcel0", "parcel1234", "parcel2499"] {
        let found: i64 = sqlx::query_scalar("SELECT count(*) FROM search WHERE search MATCH ?")
            .bind(word)
            .fetch_one(&mut conn)
            .await
            .expect("a search");
        assert_eq!(found, 1, "{word}");
    }
}

/// A load that fails part way leaves the index's merges as they were: it is
/// rolled back with the load, not left put off.
#[tokio::test]
async fn a_failed_load_leaves_the_merges_as_they_were() {
    let mut conn = migrated().await;
    one_conversation(&mut conn).await;
    let org = OrgId::from("a".to_owned());
    // The second statement's rows repeat the first's ids.
    let mut rows = replies(0, 1_500);
    rows.extend(replies(0, 10));
    let mut tx = conn.begin().await.expect("a transaction");
    load::messages(&mut tx, &org, &rows).await.expect_err("a repeated id");
    tx.rollback().await.expect("rolled back");
    assert_eq!(automerge(&mut conn).await, None);
}
