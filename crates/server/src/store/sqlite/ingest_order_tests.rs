//! A batch of inbound messages goes into the full-text index in the order of its
//! rows, each conversation's messages in the order they came.

use frontdesk_domain::{Channel, OrgId};

use super::SqliteStore;
use super::ingest::ingest_many;
use crate::hub::Hub;
use crate::store::Inbound;

/// Conversations, each opened by a message of its own, before the batch.
const CONVERSATIONS: usize = 40;

async fn ingest(store: &SqliteStore, org: &OrgId, inbound: Vec<Inbound>) {
    let org = org.clone();
    store.writer.submit(move |w| Box::pin(async move { ingest_many(w, &org, inbound).await })).await.expect("ingested");
}

async fn index_rows(store: &SqliteStore) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM search_data").fetch_one(&store.pool).await.expect("counted")
}

/// Messages arriving newest conversation first (the search rows' order backwards):
/// the index writes them out once, at commit, not once a message.
#[tokio::test]
async fn a_batch_arriving_against_the_index_order_is_written_out_once() {
    let dir = tempfile::tempdir().expect("a directory");
    let url = format!("sqlite://{}", dir.path().join("order.db").display());
    let store = SqliteStore::open(&url, Hub::default()).await.expect("opened");
    store
        .writer
        .submit(|w| {
            Box::pin(async move {
                sqlx::query("INSERT INTO orgs (id, name, created_at) VALUES ('o', 'Order', 0)")
                    .execute(w.conn())
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("an org");
    let org = OrgId::from("o".to_owned());
    let handle = |n: usize| format!("+1555000{n:04}");
    for n in 0..CONVERSATIONS {
        ingest(&store, &org, vec![Inbound::text(Channel::Sms, &handle(n), &format!("opening {n}"))]).await;
    }
    let before = index_rows(&store).await;
    // Newest conversation first, the first one twice (its two in the order they came),
    // and a new one among them.
    let mut batch: Vec<Inbound> =
        (0..CONVERSATIONS).rev().map(|n| Inbound::text(Channel::Sms, &handle(n), &format!("again {n}"))).collect();
    batch.insert(3, Inbound::text(Channel::Sms, &handle(0), "first of two"));
    batch.insert(7, Inbound::text(Channel::Sms, "+15559999999", "a new one"));
    ingest(&store, &org, batch).await;
    let written = index_rows(&store).await - before;
    // Written out once, a segment of a row or two; in arrival order it was 11 rows.
    assert!(written <= 3, "the batch added {written} rows to the index: it wrote out what it held more than once");

    let thread: Vec<String> = sqlx::query_scalar(
        "SELECT m.body FROM messages m JOIN contacts ct ON ct.id = m.author_id \
         WHERE ct.handle = $1 ORDER BY m.seq",
    )
    .bind(handle(0))
    .fetch_all(&store.pool)
    .await
    .expect("a thread");
    assert_eq!(thread, ["opening 0", "first of two", "again 0"]);
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM search WHERE search MATCH 'again'")
        .fetch_one(&store.pool)
        .await
        .expect("searched");
    assert_eq!(found, i64::try_from(CONVERSATIONS).expect("small"));
}
