//! A batch of inbound messages goes into the full-text index in the order of its
//! rows, each conversation's messages in the order they came; ingestion numbers and
//! places those rows itself, as the triggers would have.

use frontdesk_domain::{Author, AuthorKind, Channel, ConversationId, MessageKind, OrgId};
use jiff::Timestamp;

use super::SqliteStore;
use super::ingest::ingest_many;
use super::messages::insert;
use crate::hub::Hub;
use crate::store::{Inbound, Ingested, NewMessage};

/// Conversations, each opened by a message of its own, before the batch.
const CONVERSATIONS: usize = 40;

/// Writes `inbound` as one batch; returns its answers.
pub(super) async fn ingest(store: &SqliteStore, org: &OrgId, inbound: Vec<Inbound>) -> Vec<Ingested> {
    let org = org.clone();
    store.writer.submit(move |w| Box::pin(async move { ingest_many(w, &org, inbound).await })).await.expect("ingested")
}

async fn index_rows(store: &SqliteStore) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM search_data").fetch_one(&store.pool).await.expect("counted")
}

/// A store on `file` in `dir`, with an org of its own, its events published to `hub`.
pub(super) async fn store_with_org(dir: &tempfile::TempDir, file: &str, hub: Hub) -> (SqliteStore, OrgId) {
    let url = format!("sqlite://{}", dir.path().join(file).display());
    let store = SqliteStore::open(&url, hub).await.expect("opened");
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
    (store, OrgId::from("o".to_owned()))
}

/// Every conversation's rows as the triggers alone would have made them: its number
/// unique and after the ones before, its subject at row 0 and its messages at 1, 2, …
/// in the order they were stored, its count of rows and its bits its messages'.
/// `query` is a full-text query every conversation's text matches.
pub(super) async fn assert_placed_as_the_triggers_would(store: &SqliteStore, query: &str) {
    let conversations: Vec<(String, i64, i64, i64)> =
        sqlx::query_as("SELECT id, num, search_rows, words FROM conversations ORDER BY rowid")
            .fetch_all(&store.pool)
            .await
            .expect("conversations");
    let mut last = 0;
    for (id, num, rows, words) in conversations {
        assert!(num > last, "{id} numbered {num} after {last}");
        last = num;
        let messages: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT coalesce(search_row, -1), words FROM messages \
             WHERE conversation_id = $1 AND kind IN ('reply', 'note', 'call') ORDER BY seq",
        )
        .bind(&id)
        .fetch_all(&store.pool)
        .await
        .expect("messages");
        assert_eq!(rows, i64::try_from(messages.len()).expect("few"), "{id} counts its rows");
        let mut bits = 0;
        for (place, (row, word_bits)) in (1..).zip(&messages) {
            bits |= word_bits;
            if *row >= 0 {
                assert_eq!(*row, (num << 24) + place, "{id}'s message {place} is out of place");
            }
        }
        assert_eq!(words & bits, bits, "{id} lacks its messages' bits");
        // Its rows are in the index: subject and contact at row 0, then each message.
        let indexed: i64 = sqlx::query_scalar("SELECT count(*) FROM search WHERE rowid >> 24 = $1 AND search MATCH $2")
            .bind(num)
            .bind(query)
            .fetch_one(&store.pool)
            .await
            .expect("indexed");
        assert!(indexed >= 1, "{id} has no rows in the index");
    }
}

/// Every conversation of the placement test holds one of these.
const WORDS: &str = "order OR again OR opening OR note OR new OR first";

/// Ingestion numbers what it opens and places its messages' rows itself (migration
/// 0007); a single message written after is placed by its trigger, after them.
#[tokio::test]
async fn ingestion_places_its_rows_where_the_triggers_would() {
    let dir = tempfile::tempdir().expect("a directory");
    let (store, org) = store_with_org(&dir, "order.db", Hub::default()).await;
    let handle = |n: usize| format!("+1555100{n:04}");
    ingest(&store, &org, (0..5).map(|n| Inbound::text(Channel::Sms, &handle(n), &format!("opening {n}"))).collect())
        .await;
    // Existing ones, new ones, and a new one twice.
    let mut batch: Vec<Inbound> =
        (0..8).rev().map(|n| Inbound::text(Channel::Sms, &handle(n), &format!("again {n}"))).collect();
    batch.push(Inbound::text(Channel::Sms, &handle(6), "first of the new one's two"));
    ingest(&store, &org, batch).await;
    assert_placed_as_the_triggers_would(&store, WORDS).await;

    let id: String = sqlx::query_scalar(
        "SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE ct.handle = $1",
    )
    .bind(handle(6))
    .fetch_one(&store.pool)
    .await
    .expect("the new one");
    let note = NewMessage {
        conversation_id: ConversationId::from(id.clone()),
        author: Author { kind: AuthorKind::Agent, id: None, name: "Ana".to_owned() },
        kind: MessageKind::Note,
        body: "a note after".to_owned(),
        attachments: Vec::new(),
        call: None,
        at: Timestamp::now(),
        provider_message_id: None,
    };
    let org2 = org.clone();
    store.writer.submit(move |w| Box::pin(async move { insert(w, &org2, note).await })).await.expect("a note");
    ingest(&store, &org, vec![Inbound::text(Channel::Sms, &handle(6), "and again after the note")]).await;
    assert_placed_as_the_triggers_would(&store, WORDS).await;
    let found: Vec<i64> =
        sqlx::query_scalar("SELECT rowid & 16777215 FROM search WHERE search MATCH $1 ORDER BY rowid")
            .bind("note OR \"after the note\" OR \"new one's two\" OR \"again 6\"")
            .fetch_all(&store.pool)
            .await
            .expect("searched");
    assert_eq!(found, [1, 2, 3, 4], "the new one's messages, in order: {found:?}");
}

/// The scheduler is asked to look again for its next wake only where a batch starts
/// a clock (a new conversation, or one an agent had answered) or ends a snooze.
#[tokio::test]
async fn a_batch_reschedules_only_where_a_clock_starts_or_a_snooze_ends() {
    use futures::FutureExt as _;
    let dir = tempfile::tempdir().expect("a directory");
    let hub = Hub::default();
    let (store, org) = store_with_org(&dir, "wake.db", hub.clone()).await;
    let asked = || hub.schedule_changed().now_or_never().is_some();
    let _ = asked();

    ingest(&store, &org, vec![Inbound::text(Channel::Sms, "+15552000001", "a new one")]).await;
    assert!(asked(), "a new conversation's clock starts");
    ingest(&store, &org, vec![Inbound::text(Channel::Sms, "+15552000001", "still waiting")]).await;
    assert!(!asked(), "its clock runs already: the next wake did not move");

    let stop = "UPDATE conversations SET waiting_since = NULL, sla_due_at = NULL";
    let snooze = "UPDATE conversations SET status = 'snoozed', snoozed_until = 9999999999999";
    for (change, what) in [(stop, "an answered conversation's clock starts again"), (snooze, "a snooze ends")] {
        store
            .writer
            .submit(move |w| {
                Box::pin(async move {
                    sqlx::query(change).execute(w.conn()).await?;
                    Ok(())
                })
            })
            .await
            .expect("changed");
        let _ = asked();
        ingest(&store, &org, vec![Inbound::text(Channel::Sms, "+15552000001", "hello?")]).await;
        assert!(asked(), "{what}");
    }
}

/// Messages arriving newest conversation first (the search rows' order backwards):
/// the index writes them out once, at commit, not once a message.
#[tokio::test]
async fn a_batch_arriving_against_the_index_order_is_written_out_once() {
    let dir = tempfile::tempdir().expect("a directory");
    let (store, org) = store_with_org(&dir, "order.db", Hub::default()).await;
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
